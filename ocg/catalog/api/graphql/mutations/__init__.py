"""The catalog's GraphQL mutations: the same commands as its REST API, for the storefront and designers' tools.

Each declares its permission; designers act only on their own products and stock (the domain checks the
owner), staff on any. Each answers `{result, pending, errors}` with the fresh node once the `catalog`
projection has applied the change (read-your-writes), or `pending` (with the id) if it lags.

Field errors name the input in camelCase (`careNotes`, `materials.0`, `categoryId`); a price's errors name
`price.amount` or `price.currency`, whichever is at fault (a zero or negative amount is `price.amount`).
"""

from __future__ import annotations

import graphene

from ocg.catalog.api.graphql.mutations.categories import CategoryCreate, CategoryUpdate
from ocg.catalog.api.graphql.mutations.designers import DesignerProfileUpdate
from ocg.catalog.api.graphql.mutations.images import (
    ProductImageAttach,
    ProductImageRemove,
    ProductImagesReorder,
    ProductImageUploadUrl,
)
from ocg.catalog.api.graphql.mutations.products import (
    ProductArchive,
    ProductCreate,
    ProductPriceChange,
    ProductPublish,
    ProductUnpublish,
    ProductUpdate,
    ProductVariantAdd,
    ProductVariantRemove,
)
from ocg.catalog.api.graphql.mutations.stock import StockAdjust, StockReceive, StockThresholdSet


class Mutation(graphene.ObjectType):
    product_create = ProductCreate.Field()
    product_update = ProductUpdate.Field()
    product_price_change = ProductPriceChange.Field()
    product_publish = ProductPublish.Field()
    product_unpublish = ProductUnpublish.Field()
    product_archive = ProductArchive.Field()
    product_variant_add = ProductVariantAdd.Field()
    product_variant_remove = ProductVariantRemove.Field()
    product_image_upload_url = ProductImageUploadUrl.Field()
    product_image_attach = ProductImageAttach.Field()
    product_images_reorder = ProductImagesReorder.Field()
    product_image_remove = ProductImageRemove.Field()
    category_create = CategoryCreate.Field()
    category_update = CategoryUpdate.Field()
    stock_receive = StockReceive.Field()
    stock_adjust = StockAdjust.Field()
    stock_threshold_set = StockThresholdSet.Field()
    designer_profile_update = DesignerProfileUpdate.Field()
