"""Paying an order: OrderPay (GraphQL, graphql.py) and POST /api/payments/orders/{order_id}/pay with the
providers' webhooks (REST, rest.py)."""
