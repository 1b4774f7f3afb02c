"""The rules for a product's fields, each in one place: what a name, slug, SKU, price or variant may be."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ocg.catalog.domain.errors import InvalidProduct
from ocg.spine.domain.money import Money
from ocg.spine.domain.text import clean_text

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000
CARE_NOTES_MAX_LENGTH = 2000
MATERIAL_MAX_LENGTH = 80
MATERIALS_MAX = 12
SIZE_MAX_LENGTH = 20
COLOUR_MAX_LENGTH = 40
ALT_TEXT_MAX_LENGTH = 300
IMAGES_MAX = 20
VARIANTS_MAX = 100
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX_LENGTH = 120
SKU = re.compile(r"[A-Z0-9][A-Z0-9._-]{1,62}[A-Z0-9]")


def clean_slug(slug: object, *, field: str = "slug", error: type[InvalidProduct] = InvalidProduct) -> str:
    """Lower-case words of letters and digits joined by single hyphens, as URLs want them."""
    if not isinstance(slug, str) or not SLUG.fullmatch(slug) or len(slug) > SLUG_MAX_LENGTH:
        raise error(
            f"A slug is 1 to {SLUG_MAX_LENGTH} lower-case letters and digits in words joined by hyphens "
            "(e.g. silk-evening-gown).",
            field=field,
        )
    return slug


def clean_sku(sku: object, *, field: str = "sku") -> str:
    """Stock-keeping units are compared upper-case: `sku-1` and `SKU-1` are one SKU."""
    value = sku.strip().upper() if isinstance(sku, str) else ""
    if not SKU.fullmatch(value):
        raise InvalidProduct(
            "A SKU is 3 to 64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.",
            field=field,
        )
    return value


def clean_name(name: object) -> str:
    return clean_text(name, field="name", max_length=NAME_MAX_LENGTH, error=InvalidProduct)


def clean_description(text: object) -> str:
    return clean_text(
        text,
        field="description",
        max_length=DESCRIPTION_MAX_LENGTH,
        multiline=True,
        required=False,
        error=InvalidProduct,
    )


def clean_care_notes(text: object) -> str:
    return clean_text(
        text,
        field="care_notes",
        max_length=CARE_NOTES_MAX_LENGTH,
        multiline=True,
        required=False,
        error=InvalidProduct,
    )


def clean_materials(materials: Iterable[object] | None) -> list[str]:
    cleaned: list[str] = []
    for index, material in enumerate(materials or ()):
        value = clean_text(material, field=f"materials.{index}", max_length=MATERIAL_MAX_LENGTH, error=InvalidProduct)
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MATERIALS_MAX:
        raise InvalidProduct(f"List at most {MATERIALS_MAX} materials.", field="materials")
    return cleaned


def clean_price(price: Money | None) -> Money | None:
    if price is None:
        return None
    if not isinstance(price, Money):
        raise InvalidProduct("The price must be an amount with its currency.", field="price")
    if price.amount <= 0:
        raise InvalidProduct("The price must be above zero.", field="price")
    return price


def clean_variant(size: object, colour: object) -> tuple[str, str]:
    size = clean_text(size, field="size", max_length=SIZE_MAX_LENGTH, required=False, error=InvalidProduct)
    colour = clean_text(colour, field="colour", max_length=COLOUR_MAX_LENGTH, required=False, error=InvalidProduct)
    if not size and not colour:
        raise InvalidProduct("A variant has a size, a colour, or both.", field="size")
    return size, colour


def variant_label(size: str, colour: str) -> str:
    return " / ".join(part for part in (size, colour) if part)
