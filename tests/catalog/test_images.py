"""Product images end to end: a ticket, a real upload, an attach that checks the stored object itself.

On S3 the upload goes to moto's server over HTTP with the pre-signed POST; moto does not enforce the
policy's conditions (type, size), so every refusal below is the attach's own HEAD and decode at work.
In embedded mode the same flow goes through the local upload endpoint into file storage.
"""

from __future__ import annotations

import io
import os
import uuid
from decimal import Decimal

import httpx
import pytest
from django.core.files.storage import default_storage
from django.test import RequestFactory
from PIL import Image

from ocg.catalog.domain import InvalidProduct, Product
from ocg.spine import uploads
from ocg.spine.domain.money import Money
from ocg.spine.uploads import UploadError, UploadMissing

DESIGNER = uuid.UUID("0b6f5f0e-4d0a-4c4e-9d43-7f2e8c1a9b01")


def image_bytes(image_format: str = "JPEG", size: tuple[int, int] = (64, 48), colour=(120, 30, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, image_format)
    return buffer.getvalue()


def bomb_png() -> bytes:
    """49 million pixels in a few kilobytes: a 1-bit blank PNG, over the 40-million-pixel limit."""
    buffer = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buffer, "PNG")
    return buffer.getvalue()


def new_product(catalog, name: str = "Silk Evening Gown") -> uuid.UUID:
    return catalog.create_product(
        designer_id=DESIGNER,
        actor_id=DESIGNER,
        name=f"{name} {uuid.uuid4().hex[:6]}",
        price=Money(Decimal("2400.00"), "EUR"),
        designer_name="Atelier Test",
    )


def ticket_for(catalog, product_id: uuid.UUID, content_type: str = "image/jpeg") -> uploads.UploadTicket:
    return catalog.image_upload_ticket(product_id, content_type=content_type, acting_designer_id=DESIGNER)


def post_to_s3(ticket: uploads.UploadTicket, data: bytes, declared_type: str | None = None) -> None:
    """What a browser does with the ticket: a multipart form, the ticket's fields first, the file last."""
    fields = dict(ticket.fields)
    if declared_type is not None:
        fields["Content-Type"] = declared_type
    response = httpx.post(ticket.url, data=fields, files={"file": ("upload", data, fields["Content-Type"])}, timeout=10)
    assert response.status_code in (200, 201, 204), response.text


def attach(catalog, product_id: uuid.UUID, key: str) -> uuid.UUID:
    return catalog.attach_image(
        product_id, key=key, alt_text="Front view", actor_id=DESIGNER, acting_designer_id=DESIGNER
    )


def attached_events(catalog, product_id: uuid.UUID) -> list[Product.ImageAttached]:
    return [e for e in catalog.repository.event_store.get(product_id) if isinstance(e, Product.ImageAttached)]


def assert_refused(catalog, product_id: uuid.UUID, key: str, error: type, code: str) -> None:
    version = catalog.repository.get(product_id).version
    with pytest.raises(error) as refused:
        attach(catalog, product_id, key)
    assert refused.value.code == code
    assert refused.value.field == "key"
    assert catalog.repository.get(product_id).version == version, "a refused attach stored an event"


# S3 (moto over HTTP).


def test_an_image_posted_to_the_presigned_url_attaches_with_its_real_facts(catalog, s3_storage):
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id)
    assert ticket.method == "POST"
    assert ticket.url.startswith(s3_storage["endpoint"])
    assert ticket.key.startswith(f"products/{product_id}/") and ticket.key.endswith(".jpg")
    assert ticket.fields["key"] == ticket.key
    assert ticket.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256", "signed with SigV4, as every S3 region takes"
    data = image_bytes(size=(320, 427))
    post_to_s3(ticket, data)

    image_id = attach(catalog, product_id, ticket.key)

    [attached] = attached_events(catalog, product_id)
    assert attached.image_id == image_id
    assert (attached.key, attached.content_type) == (ticket.key, "image/jpeg")
    assert (attached.width, attached.height, attached.size_bytes) == (320, 427, len(data))
    assert attached.actor_id == DESIGNER
    url = uploads.public_url(ticket.key)
    assert url.startswith(f"{s3_storage['endpoint']}/{s3_storage['bucket']}/{ticket.key}?")
    assert "X-Amz-Signature=" in url
    downloaded = httpx.get(url, timeout=10)
    assert downloaded.status_code == 200
    assert downloaded.content == data


def test_the_presigned_get_is_needed_the_bare_object_url_is_refused(catalog, s3_storage):
    """moto's buckets are private by default: the signature, not the key, is what lets a browser in."""
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, "image/png")
    post_to_s3(ticket, image_bytes("PNG"))
    attach(catalog, product_id, ticket.key)

    bare = httpx.get(f"{s3_storage['endpoint']}/{s3_storage['bucket']}/{ticket.key}", timeout=10)
    signed = httpx.get(uploads.public_url(ticket.key), timeout=10)
    assert bare.status_code == 403
    assert signed.status_code == 200


def test_with_a_public_base_url_the_storefront_gets_base_slash_key(catalog, s3_storage, settings):
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, "image/webp")
    post_to_s3(ticket, image_bytes("WEBP"))
    attach(catalog, product_id, ticket.key)
    settings.MEDIA_PUBLIC_BASE_URL = "https://cdn.ocg.example/media/"

    assert uploads.public_url(ticket.key) == f"https://cdn.ocg.example/media/{ticket.key}"


def test_a_key_never_uploaded_is_refused_as_missing(catalog, s3_storage):
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id)

    assert_refused(catalog, product_id, ticket.key, UploadMissing, "upload_missing")


def test_an_upload_for_another_product_is_refused(catalog, s3_storage):
    mine, theirs = new_product(catalog), new_product(catalog, "Cashmere Overcoat")
    ticket = ticket_for(catalog, theirs)
    post_to_s3(ticket, image_bytes())

    assert_refused(catalog, mine, ticket.key, InvalidProduct, "invalid")
    climbing = f"products/{mine}/../{theirs}/{ticket.key.rsplit('/', 1)[1]}"
    assert_refused(catalog, mine, climbing, InvalidProduct, "invalid")
    attach(catalog, theirs, ticket.key)
    assert len(attached_events(catalog, theirs)) == 1


@pytest.mark.parametrize(
    ("ticket_type", "declared", "data"),
    [
        pytest.param("image/jpeg", "image/jpeg", b"just some text, not a picture\n" * 20, id="text-declared-jpeg"),
        pytest.param("image/jpeg", "image/jpeg", image_bytes("PNG"), id="png-declared-jpeg"),
        pytest.param("image/png", "image/png", image_bytes("JPEG"), id="jpeg-declared-png"),
        pytest.param("image/jpeg", "text/html", image_bytes("JPEG"), id="declared-html"),
    ],
)
def test_an_object_that_is_not_an_image_of_its_declared_type_is_refused(
    catalog, s3_storage, ticket_type, declared, data
):
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, ticket_type)
    post_to_s3(ticket, data, declared_type=declared)
    head = s3_storage["client"].head_object(Bucket=s3_storage["bucket"], Key=ticket.key)
    assert head["ContentType"] == declared, "moto stored the upload as declared (it enforces no policy)"

    assert_refused(catalog, product_id, ticket.key, InvalidProduct, "invalid")


def test_an_object_over_the_size_limit_is_refused(catalog, s3_storage, settings):
    settings.CATALOG_IMAGE_MAX_BYTES = 2048
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, "image/png")
    noisy = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 2048
    post_to_s3(ticket, buffer.getvalue())

    assert_refused(catalog, product_id, ticket.key, InvalidProduct, "invalid")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(catalog, s3_storage):
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, "image/png")
    data = bomb_png()
    assert len(data) < 100_000
    post_to_s3(ticket, data)

    assert_refused(catalog, product_id, ticket.key, InvalidProduct, "invalid")


def test_a_ticket_for_an_unsupported_type_is_refused(catalog, s3_storage):
    product_id = new_product(catalog)
    with pytest.raises(UploadError) as refused:
        ticket_for(catalog, product_id, "image/svg+xml")
    assert (refused.value.code, refused.value.field) == ("invalid_upload", "contentType")


# Embedded mode: local file storage through the upload endpoint.


def put_locally(ticket: uploads.UploadTicket, data: bytes, content_type: str | None = None) -> uploads.StoredObject:
    token = ticket.url.rsplit("/", 1)[1]
    request = RequestFactory().put(ticket.url, data=data, content_type=content_type or ticket.headers["Content-Type"])
    return uploads.receive_local_upload(token, request)


def test_embedded_upload_and_attach_through_local_storage(catalog, local_storage, settings):
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, "image/png")
    assert ticket.method == "PUT"
    assert ticket.url.startswith("/api/uploads/")
    assert ticket.headers == {"Content-Type": "image/png"}
    data = image_bytes("PNG", size=(200, 300))

    stored = put_locally(ticket, data)
    image_id = attach(catalog, product_id, ticket.key)

    assert (stored.key, stored.size, stored.content_type) == (ticket.key, len(data), "image/png")
    assert (settings.MEDIA_ROOT / ticket.key).read_bytes() == data
    [attached] = attached_events(catalog, product_id)
    assert (attached.image_id, attached.width, attached.height, attached.size_bytes) == (image_id, 200, 300, len(data))
    assert uploads.public_url(ticket.key) == f"/media/{ticket.key}"


def test_embedded_upload_refusals_store_nothing(catalog, local_storage):
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, "image/jpeg")

    with pytest.raises(UploadError) as wrong_type:
        put_locally(ticket, image_bytes("PNG"), content_type="image/png")
    assert wrong_type.value.field == "contentType"
    with pytest.raises(UploadError) as forged:
        put_locally(ticket.__class__(**{**ticket.__dict__, "url": ticket.url + "x"}), image_bytes())
    assert forged.value.field == "ticket"
    assert not default_storage.exists(ticket.key)
    assert_refused(catalog, product_id, ticket.key, UploadMissing, "upload_missing")


def test_embedded_upload_over_the_ticket_limit_or_twice_is_refused(catalog, local_storage, settings):
    settings.CATALOG_IMAGE_MAX_BYTES = 1024
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, "image/jpeg")
    with pytest.raises(UploadError) as too_big:
        put_locally(ticket, b"\xff" * 1025)
    assert too_big.value.field == "file"
    assert not default_storage.exists(ticket.key)

    put_locally(ticket, image_bytes(size=(8, 8)))
    with pytest.raises(UploadError) as again:
        put_locally(ticket, image_bytes(size=(9, 9)))
    assert again.value.field == "ticket"


def test_embedded_png_under_a_jpeg_ticket_is_refused_at_attach(catalog, local_storage):
    """The endpoint checks the declared type; only the attach's decode can tell what the bytes are."""
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, "image/jpeg")
    put_locally(ticket, image_bytes("PNG"))

    assert_refused(catalog, product_id, ticket.key, InvalidProduct, "invalid")


def test_embedded_upload_over_http_then_attach(catalog, local_storage, client):
    """The same flow a browser runs in embedded mode: PUT the bytes to the ticket's URL, attach the key."""
    product_id = new_product(catalog)
    ticket = ticket_for(catalog, product_id, "image/jpeg")
    data = image_bytes(size=(90, 120))

    refused = client.put(ticket.url, data=image_bytes("PNG"), content_type="image/png")
    stored = client.put(ticket.url, data=data, content_type="image/jpeg")
    again = client.put(ticket.url, data=data, content_type="image/jpeg")

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "contentType"
    assert stored.status_code == 201
    assert stored.json() == {"key": ticket.key, "size": len(data), "content_type": "image/jpeg"}
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "ticket"
    attach(catalog, product_id, ticket.key)
    [attached] = attached_events(catalog, product_id)
    assert (attached.width, attached.height, attached.size_bytes) == (90, 120, len(data))
    assert client.get(uploads.public_url(ticket.key)).status_code == 200
