"""Designers' public profiles: anyone reads them; a designer edits their own, staff anyone's."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import PatchDict, Router
from ninja.pagination import paginate

from ocg.catalog.api.rest.access import answer, calls_catalog, catalog, product_editor
from ocg.catalog.api.rest.listing import Page
from ocg.catalog.api.rest.schemas import DesignerOut, DesignerUpdateIn
from ocg.catalog.domain import DesignerNotFound
from ocg.catalog.domain.designer import InvalidDesigner
from ocg.catalog.models import DesignerView
from ocg.identity import queries as identity_queries
from ocg.spine.errors import PermissionDenied
from ocg.spine.rest import PENDING, ErrorOut, signed_in

router = Router(tags=["catalog: designers"])


def designer_view(designer_id: UUID) -> DesignerView:
    designer = DesignerView.objects.filter(id=designer_id).first()
    if designer is None:
        raise DesignerNotFound(f"No designer {designer_id}.", field="designer_id", designer_id=designer_id)
    return designer


@contextmanager
def name_required_is_invalid() -> Iterator[None]:
    """A first profile without a name is refused by the application as not found (there is no profile);
    to the client it is a missing field."""
    try:
        yield
    except DesignerNotFound as error:
        if error.field != "name":
            raise
        raise InvalidDesigner(error.message, field="name") from None


def profile_exists(designer_id: UUID) -> bool:
    return DesignerView.objects.filter(id=designer_id).exists()


@router.get("/designers", response={200: list[DesignerOut]}, summary="Designers' public profiles, by name")
@paginate(Page)
def designer_list(request: HttpRequest) -> Any:
    return DesignerView.objects.order_by("name", "id")


@router.get(
    "/designers/{designer_id}", response={200: DesignerOut, 404: ErrorOut}, summary="A designer's public profile"
)
def designer_detail(request: HttpRequest, designer_id: UUID) -> Any:
    return designer_view(designer_id)


@router.patch(
    "/designers/{designer_id}",
    auth=signed_in,
    response={200: DesignerOut, **PENDING, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Change a designer's public name or bio (the designer themself, or staff)",
)
@calls_catalog
def designer_update(request: HttpRequest, designer_id: UUID, payload: PatchDict[DesignerUpdateIn]) -> Any:
    actor_id, acting_designer_id = product_editor(request)
    if acting_designer_id not in (None, designer_id):
        raise PermissionDenied("Designers change their own profile only.", field="designer_id")
    for name in ("name", "bio"):
        if name in payload and payload[name] is None:
            raise InvalidDesigner(f"{name} cannot be null: leave it out to keep it.", field=name)
    if not profile_exists(designer_id) and identity_queries.active_designer(designer_id) is None:
        raise DesignerNotFound(f"No designer {designer_id}.", field="designer_id", designer_id=designer_id)
    with name_required_is_invalid():
        catalog().update_designer_profile(designer_id, actor_id=actor_id, **payload)
    return answer(200, designer_id, lambda: designer_view(designer_id))
