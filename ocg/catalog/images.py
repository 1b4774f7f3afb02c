"""Product images: where a designer uploads one, and what is checked before it is attached.

The key is chosen here, under the product (`products/<product id>/...`), so an attach can tell an
upload for this product from anyone else's. The stored object is then checked for real: its size and
type from storage, and its bytes decoded by Pillow, which also gives the width and height pages need
to reserve the image's space before it loads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from ocg.catalog.domain import InvalidProduct
from ocg.spine import uploads
from ocg.spine.uploads import UploadTicket

PREFIX = "products"
# Pillow's format name for each content type a product image may have.
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_PIXELS = 40_000_000

__all__ = ["ImageFacts", "UploadTicket", "inspect_upload", "upload_ticket"]


@dataclass(frozen=True)
class ImageFacts:
    key: str
    content_type: str
    width: int
    height: int
    size_bytes: int


def max_bytes() -> int:
    return settings.CATALOG_IMAGE_MAX_BYTES


def owner_prefix(product_id: UUID) -> str:
    return f"{PREFIX}/{product_id}"


def upload_ticket(product_id: UUID, content_type: str) -> UploadTicket:
    content_type = (content_type or "").strip().lower()
    return uploads.issue_ticket(
        prefix=PREFIX,
        owner=str(product_id),
        content_type=content_type,
        allowed=frozenset(IMAGE_FORMATS),
        max_bytes=max_bytes(),
    )


def inspect_upload(product_id: UUID, key: str) -> ImageFacts:
    """The facts of an uploaded image, or InvalidProduct/UploadMissing naming `key`."""
    if not isinstance(key, str) or not key.startswith(owner_prefix(product_id) + "/") or ".." in key:
        raise InvalidProduct("This key is not an upload for this product: ask for an upload URL first.", field="key")
    stored = uploads.inspect(key)
    limit = max_bytes()
    if not 0 < stored.size <= limit:
        raise InvalidProduct(f"An image must be 1 to {limit} bytes; this one is {stored.size}.", field="key")
    expected_format = IMAGE_FORMATS.get(stored.content_type)
    if expected_format is None:
        raise InvalidProduct(
            f"An image must be one of {', '.join(sorted(IMAGE_FORMATS))}; this one is {stored.content_type!r}.",
            field="key",
        )
    data = uploads.read(key, limit)
    width, height = decoded_size(data, expected_format)
    return ImageFacts(key=key, content_type=stored.content_type, width=width, height=height, size_bytes=stored.size)


def decoded_size(data: bytes, expected_format: str) -> tuple[int, int]:
    """Width and height, after Pillow has read the whole image as the format its type claims."""
    try:
        with Image.open(io.BytesIO(data), formats=[expected_format]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise InvalidProduct(f"An image may have at most {MAX_PIXELS} pixels.", field="key")
            image.load()
            return image.width, image.height
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidProduct("The uploaded file is not a readable image of its declared type.", field="key") from None
