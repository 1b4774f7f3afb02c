from ocg.orders.permissions import MANAGE_ALL_ORDERS, PLACE_ORDERS, SHIP_ORDERS
from ocg.spine import contexts
from ocg.spine.errors import register_error_statuses

ERROR_STATUSES = {"illegal_transition": 409, "not_customizable": 400}


class OrdersConfig(contexts.ContextConfig):
    name = "ocg.orders"
    label = "orders"
    permissions = {
        PLACE_ORDERS: ("customer", "designer", "admin"),
        SHIP_ORDERS: ("designer", "admin"),
        MANAGE_ALL_ORDERS: ("admin",),
    }
    benchmarks = {"orders": "ocg.orders.bench.run"}

    def ready(self) -> None:
        register_error_statuses(ERROR_STATUSES)
