"""The category tree: public to read, staff to change. /api/catalog/categories/..."""

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import PatchDict, Router

from ocg.catalog import queries
from ocg.catalog.api.rest.access import answer, catalog, catalog_write, category_manager
from ocg.catalog.api.rest.schemas import CategoryCreateIn, CategoryNodeOut, CategoryOut, CategoryUpdateIn
from ocg.catalog.domain import CategoryNotFound, InvalidCategory
from ocg.catalog.models import CategoryView

router = Router(tags=["catalog: categories"])
category_write = functools.partial(catalog_write, router, CategoryOut)


def tree() -> list[dict[str, Any]]:
    """The whole tree from one query, roots first, each level by name."""
    nodes: dict[UUID, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for category in queries.categories():  # parents before children
        node = {"id": category.id, "name": category.name, "slug": category.slug, "children": []}
        nodes[category.id] = node
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent["children"] if parent is not None else roots).append(node)
    return roots


@contextmanager
def parent_named(category_id: UUID | None = None) -> Iterator[None]:
    """The application looks a parent up as a category (`category_id`); the client sent it as `parent_id`."""
    try:
        yield
    except CategoryNotFound as error:
        if error.ids.get("category_id") != category_id:
            error.field = "parent_id"
        raise


def category_view(category_id: UUID) -> CategoryView:
    category = CategoryView.objects.filter(id=category_id).first()
    if category is None:
        raise CategoryNotFound(f"No category {category_id}.", field="category_id", category_id=category_id)
    return category


def written(category_id: UUID, status: int = 200) -> Any:
    return answer(status, category_id, lambda: category_view(category_id))


@router.get("/categories", response={200: list[CategoryNodeOut]}, summary="The category tree")
def category_tree(request: HttpRequest) -> Any:
    return tree()


@category_write("POST", "/categories", status=201, summary="Staff: create a category, at the root or under a parent")
def category_create(request: HttpRequest, payload: CategoryCreateIn) -> Any:
    actor_id = category_manager(request)
    with parent_named():
        category_id = catalog().create_category(
            actor_id=actor_id, name=payload.name, slug=payload.slug, parent_id=payload.parent_id
        )
    return written(category_id, 201)


@category_write(
    "PATCH",
    "/categories/{category_id}",
    summary="Staff: rename a category, change its slug or move it (parent_id null: to the root)",
)
def category_update(request: HttpRequest, category_id: UUID, payload: PatchDict[CategoryUpdateIn]) -> Any:
    actor_id = category_manager(request)
    for name in ("name", "slug"):
        if name in payload and payload[name] is None:
            raise InvalidCategory(f"{name} cannot be null: leave it out to keep it.", field=name)
    with parent_named(category_id):
        catalog().update_category(category_id, actor_id=actor_id, **payload)
    return written(category_id)
