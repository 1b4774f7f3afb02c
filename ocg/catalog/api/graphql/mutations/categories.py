"""The category tree (staff)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import graphene

from ocg.catalog.api.graphql.mutations.base import (
    PROJECTION,
    CatalogErrorsMixin,
    catalog,
)
from ocg.catalog.api.graphql.types import Category
from ocg.catalog.models import CategoryView
from ocg.catalog.permissions import MANAGE_CATEGORIES
from ocg.spine.graphql import AggregateMutation, Written, read_your_write


def read_category(category_id: UUID) -> Written:
    return read_your_write(PROJECTION, category_id, lambda i: CategoryView.objects.filter(id=i).first())


class CategoryMutation(CatalogErrorsMixin, AggregateMutation):
    permission = MANAGE_CATEGORIES
    field_aliases = {"category_id": "parent_id"}  # the only category an input names is the parent
    result = graphene.Field(Category)

    class Meta:
        abstract = True


class CategoryCreateInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(description="Default: made from the name.")
    parent_id = graphene.UUID(description="Default: a new root.")


class CategoryCreate(CategoryMutation):
    class Arguments:
        input = CategoryCreateInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, input: Any) -> Any:
        category_id = catalog().create_category(
            actor_id=info.context.user.id,
            name=input.get("name"),
            slug=input.get("slug"),
            parent_id=input.get("parent_id"),
        )
        return read_category(category_id)


class CategoryUpdateInput(graphene.InputObjectType):
    """Only the fields given change; `parentId: null` moves the category to the root."""

    name = graphene.String()
    slug = graphene.String()
    parent_id = graphene.UUID()


class CategoryUpdate(CategoryMutation):
    class Arguments:
        id = graphene.UUID(required=True)
        input = CategoryUpdateInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, id: UUID, input: Any) -> Any:
        move = {"parent_id": input["parent_id"]} if "parent_id" in input else {}
        catalog().update_category(
            id, actor_id=info.context.user.id, name=input.get("name"), slug=input.get("slug"), **move
        )
        return read_category(id)
