from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS, MANAGE_CATEGORIES, MANAGE_PRODUCTS
from ocg.spine import contexts
from ocg.spine.errors import register_error_statuses
from ocg.spine.graphql_cache import register_cacheable_field

# Codes the spine does not know; other catalog errors use generic ones (invalid, not_found, ...).
ERROR_STATUSES = {
    "slug_taken": 409,
    "sku_taken": 409,
    "variant_conflict": 409,
    "product_archived": 409,
    "illegal_step": 409,
    "out_of_stock": 409,
    "invalid_upload": 400,
    "upload_missing": 400,
    "currency_mismatch": 400,
}


class CatalogConfig(contexts.ContextConfig):
    name = "ocg.catalog"
    label = "catalog"
    permissions = {
        MANAGE_PRODUCTS: ("designer", "admin"),
        MANAGE_ALL_PRODUCTS: ("admin",),
        MANAGE_CATEGORIES: ("admin",),
    }
    benchmarks = {
        "eventstore": "ocg.catalog.bench.eventstore.run",
        "projection_lag": "ocg.catalog.bench.projection_lag.run",
        "relay": "ocg.catalog.bench.relay.run",
        "rebuild": "ocg.catalog.bench.rebuild.run",
        "catalog": "ocg.catalog.bench.catalog.run",
    }
    demo_data = "ocg.catalog.seed"

    def ready(self) -> None:
        register_error_statuses(ERROR_STATUSES)
        from ocg.catalog import cache

        # The storefront's hottest anonymous read, answered whole from the cache (never stale: see cache.py).
        register_cacheable_field("products", cache.listing_answer_version, cache.listing_seconds)
