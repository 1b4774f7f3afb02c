from ocg.catalog.permissions import MANAGE_ALL_PRODUCTS, MANAGE_PRODUCTS
from ocg.spine import contexts


class CatalogConfig(contexts.ContextConfig):
    name = "ocg.catalog"
    label = "catalog"
    permissions = {
        MANAGE_PRODUCTS: ("designer", "admin"),
        MANAGE_ALL_PRODUCTS: ("admin",),
    }
    benchmarks = {
        "eventstore": "ocg.catalog.bench.eventstore.run",
        "projection_lag": "ocg.catalog.bench.projection_lag.run",
        "relay": "ocg.catalog.bench.relay.run",
        "rebuild": "ocg.catalog.bench.rebuild.run",
    }
    demo_data = "ocg.catalog.seed"
