"""Who may call the catalog's REST operations, and how a write answers once the read model shows it.

Writes need a Bearer access token (401 without one) and a catalog permission (403 without it).
Designers act on their own products only: the application checks the owner from `acting_designer_id`,
which is None for staff. Reads of published products are public; drafts and archived products are
shown to their designer and to staff only, and to anyone else they do not exist (404).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from ocg.catalog.domain import PUBLISHED, CatalogError
from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS, MANAGE_CATEGORIES, MANAGE_PRODUCTS
from ocg.catalog.projections import CatalogProjection
from ocg.spine.eventstore import applications, tracking_written_positions
from ocg.spine.graphql import read_your_write
from ocg.spine.permissions import has_permission
from ocg.spine.rest import PENDING, ErrorOut, answered, require_permission, signed_in

WRITE_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def catalog() -> Any:
    return applications.get("catalog")


def viewer(request: HttpRequest) -> Any:
    """The token's user on a public read, or None: a session cookie is no credential here."""
    if getattr(request, "token_claims", None) is None:
        return None
    return request.user


def is_staff(user: Any) -> bool:
    return user is not None and has_permission(user, MANAGE_ALL_PRODUCTS)


def product_editor(request: HttpRequest) -> tuple[UUID, UUID | None]:
    """(actor_id, acting_designer_id) of a designer or staff member; refused for anyone else."""
    user = require_permission(request.auth, MANAGE_PRODUCTS)
    return user.id, None if is_staff(user) else user.id


def as_editor(request: HttpRequest, command: str, *arguments: Any, **keywords: Any) -> Any:
    """The catalog's `command` run as the request's designer (on their own products) or staff member (on any)."""
    actor_id, acting_designer_id = product_editor(request)
    return getattr(catalog(), command)(*arguments, actor_id=actor_id, acting_designer_id=acting_designer_id, **keywords)


def staff(request: HttpRequest) -> UUID:
    return require_permission(request.auth, MANAGE_ALL_PRODUCTS).id


def category_manager(request: HttpRequest) -> UUID:
    return require_permission(request.auth, MANAGE_CATEGORIES).id


def may_see(user: Any, status: str, designer_id: UUID) -> bool:
    if status == PUBLISHED:
        return True
    return user is not None and (is_staff(user) or user.id == designer_id)


def calls_catalog(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view calling the catalog's application. Read-your-writes is scoped to the request (`answer`
    waits for what this request wrote, nothing older).

    The application names a product's id `id` (as GraphQL's arguments do); here it is the `product_id`
    in the path, so a refusal names it so.
    """

    @functools.wraps(view)
    def tracked(*args: Any, **kwargs: Any) -> Any:
        with tracking_written_positions():
            try:
                return view(*args, **kwargs)
            except CatalogError as error:
                if error.field == "id" and "product_id" in kwargs:
                    error.field = "product_id"
                raise

    return tracked


def catalog_write(
    router: Router, out: Any, method: str, path: str, *, summary: str, status: int = 200, **options: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers a write: signed in, answering `out` once the read model shows it (202 while it lags) and
    the catalog's refusals in the error contract, the view run by `calls_catalog`."""
    operation = router.api_operation(
        [method],
        path,
        auth=signed_in,
        response={status: out, **PENDING, **WRITE_ERRORS},
        summary=summary,
        **options,
    )
    return lambda view: operation(calls_catalog(view))


def answer(status: int, aggregate_id: UUID, read: Callable[[], Any]) -> Status:
    """The written aggregate as the read model shows it, once the catalog projection has caught up with
    this request's writes (bounded by PROJECTION_WAIT_SECONDS); past that, 202 with its id."""
    return answered(read_your_write(CatalogProjection.name, aggregate_id, lambda _: read()), status)
