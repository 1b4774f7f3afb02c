"""Designers' public profiles, a page at a time by name."""

from __future__ import annotations

from django.db.models import F, UUIDField, Value

from ocg.catalog.listing.arguments import NAME, Page, PageRequest, Sort
from ocg.catalog.listing.cursors import decode_cursor, encode_cursor
from ocg.catalog.listing.products import RowCompare
from ocg.catalog.models import DesignerView

DESIGNERS_FINGERPRINT = "designers:NAME:ASC"


def designers_page(request: PageRequest) -> Page:
    """Designers with something on sale, by name then id: one query per page."""
    rows = DesignerView.objects.filter(product_count__gt=0)
    if request.cursor is not None:
        sort = Sort(NAME, descending=False)
        name, row_id = decode_cursor(request.cursor, DESIGNERS_FINGERPRINT, sort, "after")
        rows = rows.filter(
            RowCompare(
                F("name"),
                F("id"),
                Value(name, output_field=DesignerView._meta.get_field("name")),
                Value(row_id, output_field=UUIDField()),
                ">",
            )
        )
    found = list(rows.order_by("name", "id")[: request.size + 1])
    more = len(found) > request.size
    found = found[: request.size]
    cursors = [encode_cursor(DESIGNERS_FINGERPRINT, row.name, row.id) for row in found]
    return Page(found, cursors, has_next=more, has_previous=request.cursor is not None)


def designer_count() -> int:
    return DesignerView.objects.filter(product_count__gt=0).count()
