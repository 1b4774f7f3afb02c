"""Direct uploads: the server picks the key and the limits, the client sends the bytes straight to storage.

With S3 (django-storages, `AWS_STORAGE_BUCKET_NAME` set) a ticket is a pre-signed POST whose policy
binds the key, the content type and a `content-length-range`; without it (embedded mode) a ticket is a
signed URL of our own upload endpoint (`PUT /api/uploads/{ticket}`) writing to the local media storage.
Either way nothing is trusted until `inspect` has looked at the stored object itself (a HEAD on S3),
because a policy's conditions are not enforced by every S3 implementation.
"""

from __future__ import annotations

import mimetypes
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest

from ocg.spine.domain import DomainError

SIGNING_SALT = "ocg.spine.uploads"
PRESIGNED_URL_REUSE_FRACTION = 0.5


class UploadError(DomainError):
    code = "invalid_upload"


class UploadMissing(UploadError):
    code = "upload_missing"


@dataclass(frozen=True)
class UploadTicket:
    """What a client needs to send one file: `method` to `url`, with `fields` (POST form) or `headers`."""

    key: str
    method: str
    url: str
    expires_at: float
    fields: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    content_type: str


def uses_s3() -> bool:
    return bool(getattr(settings, "AWS_STORAGE_BUCKET_NAME", None))


def s3_client() -> Any:
    return default_storage.connection.meta.client


def ticket_seconds() -> int:
    return settings.UPLOAD_TICKET_SECONDS


def new_key(prefix: str, owner: str, content_type: str) -> str:
    """Server-chosen and unguessable; the owner's id in the path lets an attach check who uploaded it."""
    extension = mimetypes.guess_extension(content_type) or ""
    return f"{prefix}/{owner}/{uuid.uuid4().hex}{extension}"


def issue_ticket(
    *, prefix: str, owner: str, content_type: str, allowed: frozenset[str], max_bytes: int
) -> UploadTicket:
    if content_type not in allowed:
        raise UploadError(f"The content type must be one of {', '.join(sorted(allowed))}.", field="contentType")
    key = new_key(prefix, owner, content_type)
    expires_at = time.time() + ticket_seconds()
    if uses_s3():
        post = s3_client().generate_presigned_post(
            settings.AWS_STORAGE_BUCKET_NAME,
            key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=ticket_seconds(),
        )
        return UploadTicket(key=key, method="POST", url=post["url"], fields=post["fields"], expires_at=expires_at)
    token = signing.dumps({"key": key, "type": content_type, "max": max_bytes}, salt=SIGNING_SALT, compress=True)
    return UploadTicket(
        key=key,
        method="PUT",
        url=f"/api/uploads/{token}",
        headers={"Content-Type": content_type},
        expires_at=expires_at,
    )


def receive_local_upload(token: str, request: HttpRequest) -> StoredObject:
    """The embedded upload endpoint's work: the same limits a pre-signed POST would carry."""
    try:
        claims = signing.loads(token, salt=SIGNING_SALT, max_age=ticket_seconds())
    except signing.SignatureExpired:
        raise UploadError("This upload ticket has expired; ask for a new one.", field="ticket") from None
    except signing.BadSignature:
        raise UploadError("This upload ticket is not valid.", field="ticket") from None
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if content_type != claims["type"]:
        raise UploadError(f"Send the file with Content-Type: {claims['type']}.", field="contentType")
    body = read_limited(request, claims["max"])
    used = UploadError("This upload ticket was already used.", field="ticket")
    if default_storage.exists(claims["key"]):
        raise used
    saved = default_storage.save(claims["key"], ContentFile(body))
    if saved != claims["key"]:
        # Two uploads raced past the check: the storage kept the first under the key and renamed this one.
        default_storage.delete(saved)
        raise used
    return StoredObject(key=claims["key"], size=len(body), content_type=content_type)


def read_limited(request: HttpRequest, limit: int) -> bytes:
    """The body, 1 to `limit` bytes. Read from the stream: a ticket may allow more than Django's
    in-memory request limit (which `request.body` enforces), and a larger body is never read whole."""
    refused = UploadError(f"The file must be 1 to {limit} bytes.", field="file")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise refused
    body = request.read(limit + 1)
    if not 0 < len(body) <= limit:
        raise refused
    return body


def inspect(key: str) -> StoredObject:
    """Size and content type of a stored object, read from storage itself (a HEAD on S3)."""
    if uses_s3():
        try:
            head = s3_client().head_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key)
        except Exception as error:
            if _is_not_found(error):
                raise UploadMissing("Nothing was uploaded under this key.", field="key") from None
            raise
        return StoredObject(key=key, size=int(head["ContentLength"]), content_type=head.get("ContentType", ""))
    if not default_storage.exists(key):
        raise UploadMissing("Nothing was uploaded under this key.", field="key")
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return StoredObject(key=key, size=default_storage.size(key), content_type=content_type)


def read(key: str, max_bytes: int) -> bytes:
    with default_storage.open(key, "rb") as stored:
        return stored.read(max_bytes + 1)


def save(key: str, data: bytes, content_type: str) -> None:
    """Server-side writes (demo and seed images) take the same path clients' files end up in."""
    if uses_s3():
        s3_client().put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key, Body=data, ContentType=content_type)
    elif not default_storage.exists(key):
        default_storage.save(key, ContentFile(data))


def _is_not_found(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code")) in {"404", "NoSuchKey", "NotFound"}


class _UrlCache:
    """Pre-signing costs tens of microseconds per URL: reuse each for half its life."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urls: dict[str, tuple[float, str]] = {}

    def get(self, key: str) -> str:
        now = time.monotonic()
        cached = self._urls.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        url = default_storage.url(key)
        lifetime = getattr(settings, "AWS_QUERYSTRING_EXPIRE", 3600) * PRESIGNED_URL_REUSE_FRACTION
        with self._lock:
            if len(self._urls) > 50_000:
                self._urls.clear()
            self._urls[key] = (now + lifetime, url)
        return url

    def clear(self) -> None:
        with self._lock:
            self._urls.clear()


_urls = _UrlCache()


def public_url(key: str) -> str:
    """A URL a browser can fetch: the CDN or public base when configured, else pre-signed (S3) or /media/."""
    base = getattr(settings, "MEDIA_PUBLIC_BASE_URL", None)
    if base:
        return f"{base.rstrip('/')}/{key}"
    return _urls.get(key)


def forget_urls() -> None:
    """Storage settings changed (tests): drop URLs signed for the old storage."""
    _urls.clear()
