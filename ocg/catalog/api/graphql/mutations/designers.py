"""Designers' public profiles."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import graphene

from ocg.catalog.api.graphql.mutations.base import (
    PROJECTION,
    CatalogErrorsMixin,
    catalog,
)
from ocg.catalog.api.graphql.types import Designer
from ocg.catalog.domain import InvalidProduct
from ocg.catalog.models import DesignerView
from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS, MANAGE_PRODUCTS
from ocg.identity import queries as identity
from ocg.spine.errors import PermissionDenied
from ocg.spine.graphql import AggregateMutation, read_your_write
from ocg.spine.permissions import has_permission


class DesignerProfileInput(graphene.InputObjectType):
    name = graphene.String(description="The public name; required when the profile does not exist yet.")
    bio = graphene.String()


class DesignerProfileUpdate(CatalogErrorsMixin, AggregateMutation):
    """A designer edits their own public profile; staff edit any designer's (`designerId`)."""

    permission = MANAGE_PRODUCTS
    result = graphene.Field(Designer)

    class Arguments:
        input = DesignerProfileInput(required=True)
        designer_id = graphene.UUID(description="Staff: whose profile (required). Designers: their own.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, input: Any, designer_id: UUID | None = None) -> Any:
        user = info.context.user
        if has_permission(user, MANAGE_ALL_PRODUCTS):
            if designer_id is None:
                raise InvalidProduct("Name the designer whose profile this is.", field="designer_id")
            if identity.active_designer(designer_id) is None:
                raise InvalidProduct("No active designer account has this id.", field="designer_id")
        elif designer_id not in (None, user.id):
            raise PermissionDenied("A designer edits only their own profile.", field="designer_id")
        else:
            designer_id = user.id
        catalog().update_designer_profile(designer_id, actor_id=user.id, name=input.get("name"), bio=input.get("bio"))
        return read_your_write(PROJECTION, designer_id, lambda i: DesignerView.objects.filter(id=i).first())
