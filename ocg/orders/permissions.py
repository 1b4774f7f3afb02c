"""The orders context's permissions; the roles holding them are declared on OrdersConfig."""

# Any signed-in account may buy; the order's own customer acts on it (cancel, pay).
PLACE_ORDERS = "orders.place_orders"
# Designers move their own orders through production and shipping.
SHIP_ORDERS = "orders.ship_orders"
# Staff see and act on every order (complete, and any designer's step).
MANAGE_ALL_ORDERS = "orders.manage_all_orders"
