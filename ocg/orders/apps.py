from ocg.spine import contexts


class OrdersConfig(contexts.ContextConfig):
    name = "ocg.orders"
    label = "orders"
