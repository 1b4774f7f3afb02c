"""Caches of the storefront's hottest reads, in Django's cache (Redis in production), never stale by construction.

Product detail is keyed by (product id, `revision`). A request first reads the row's id, revision and
status in one cheap query; the projection raises `revision` in the same transaction as every change the
page shows (stock included), so once a change is visible in the read model, the entry cached before it
is simply never asked for again. Nothing has to be deleted, so no invalidation can be lost or race the
projection. Only published products are cached: the same page for every viewer.

Hot listing pages (the first page of a public listing, asked anonymously, without a search) are keyed by
the catalog projection's position (one cheap query) and the listing's canonical arguments: any event
the projection applies moves the position, and with it every listing key.

The data is read AFTER its key's version (revision or position), so an entry holds that version or a
newer one, never an older one. Both keys also name the projection's build (the id of its position row,
new after each `rebuild_projection`): revisions and positions start again on a rebuild, so without it a
page cached before the rebuild could come back under a number reached again after it. TTLs only bound
entries nobody asks for any more. The cache is an optimisation: when it fails, the database answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Subquery

from ocg.catalog.domain import PUBLISHED
from ocg.catalog.models import CategoryView, ImageView, ProductView, VariantView
from ocg.spine.models import ProjectionPosition

logger = logging.getLogger(__name__)

PROJECTION = "catalog"
KEY_PREFIX = "catalog:v1"


def detail_seconds() -> int:
    return settings.CATALOG_DETAIL_CACHE_SECONDS


def listing_seconds() -> int:
    return settings.CATALOG_LISTING_CACHE_SECONDS


@dataclass(frozen=True)
class Head:
    """What decides a detail's cache key and who may see it."""

    id: UUID
    revision: int
    status: str
    designer_id: UUID
    build: int | None


@dataclass
class Detail:
    """Everything a product page shows except the designer's live product count."""

    row: ProductView
    variants: list[VariantView]
    images: list[ImageView]
    categories: list[CategoryView]  # the root first, the product's own category last


def head(*, product_id: UUID | None = None, slug: str | None = None) -> Head | None:
    rows = (
        ProductView.objects.filter(id=product_id) if product_id is not None else ProductView.objects.filter(slug=slug)
    )
    found = rows.annotate(build=Subquery(build_query().values("id")[:1]))
    found = found.values_list("id", "revision", "status", "designer_id", "build").first()
    return Head(*found) if found else None


def build_query() -> Any:
    return ProjectionPosition.objects.filter(follower=PROJECTION, source=PROJECTION)


def load_detail(product_id: UUID) -> Detail | None:
    row = ProductView.objects.filter(id=product_id).first()
    if row is None:
        return None
    variants = list(VariantView.objects.filter(product_id=product_id, removed=False).order_by("position"))
    images = list(ImageView.objects.filter(product_id=product_id).order_by("position"))
    return Detail(row, variants, images, category_chain(row.category_path))


def category_chain(path: str) -> list[CategoryView]:
    ids = [UUID(part) for part in path.strip("/").split("/") if part]
    if not ids:
        return []
    found = {category.id: category for category in CategoryView.objects.filter(id__in=ids)}
    return [found[category_id] for category_id in ids if category_id in found]


def detail(current: Head) -> Detail | None:
    """The product's page data: from the cache when published and cached at this revision."""
    if current.status != PUBLISHED:
        return load_detail(current.id)
    found = _get(detail_key(current.id, current.build, current.revision))
    if found is not None:
        return found
    loaded = load_detail(current.id)
    if loaded is not None and loaded.row.status == PUBLISHED:
        # Under the revision it was read at, which may already be newer than the head's.
        _set(detail_key(loaded.row.id, current.build, loaded.row.revision), loaded, detail_seconds())
    return loaded


def detail_key(product_id: UUID, build: int | None, revision: int) -> str:
    return f"{KEY_PREFIX}:product:{product_id}:{build}:{revision}"


def position() -> str:
    """Which build of the catalog projection and how far it has got: every listing key names both."""
    found = build_query().values_list("id", "position").first()
    return f"{found[0]}:{found[1]}" if found else "0:0"


def listing_key(arguments: dict[str, Any]) -> str:
    text = json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:listing:{position()}:{digest}"


def cached_listing(key: str, compute: Callable[[], Any]) -> Any:
    found = _get(key)
    if found is not None:
        return found
    value = compute()
    _set(key, value, listing_seconds())
    return value


def store_listing(key: str, value: Any) -> None:
    """Store a cached page again after something was added to it (its total, say)."""
    _set(key, value, listing_seconds())


def _get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception as error:
        logger.warning("catalog cache unavailable for a read: %s", error)
        return None


def _set(key: str, value: Any, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception as error:
        logger.warning("catalog cache unavailable for a write: %s", error)


# Whole answers (ocg/spine/graphql_cache.py): the versions of what the storefront's root fields read.


def listing_answer_version(arguments: dict[str, Any]) -> str | None:
    """`products`: a first page of a public listing without a search, at the projection's position."""
    product_filter = arguments.get("filter") or {}
    if any(arguments.get(name) is not None for name in ("after", "before", "last")):
        return None
    if product_filter.get("search") or product_filter.get("status"):
        return None
    return f"listing:{position()}"
