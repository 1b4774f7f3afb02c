"""The orders' mutations: place a checkout, then each step of an order's life a client may take.

Each declares its permission; the aggregate then checks the caller is the order's own party (its customer
for cancel and payment, its designer for production and shipping; staff act on any order). Each answers
`{result, pending, errors}` with the order once the `orders` projection shows the change (read-your-writes),
or `pending` with its id if that lags. Every refusal is a payload error with a code and, where one input is
at fault, its field in camelCase (`lines.0.quantity`, `shippingAddress.postalCode`, `trackingNumber`); an
illegal step is `illegal_transition` on `status`, someone else's order `permission_denied` on `id`.

OrderPlace requires an idempotency key (argument or `Idempotency-Key` header): a retried click never makes
two orders. The other mutations take one optionally.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from uuid import UUID

import graphene

from ocg.orders.api.access import acting_party, orders
from ocg.orders.api.graphql.context import forget
from ocg.orders.api.graphql.types import Checkout, Order
from ocg.orders.domain import NotOrderParty
from ocg.orders.models import OrderView
from ocg.orders.permissions import MANAGE_ALL_ORDERS, PLACE_ORDERS, SHIP_ORDERS
from ocg.orders.projections import OrdersProjection
from ocg.spine.graphql import AggregateMutation, DomainMutation, Written, read_your_write

_SNAKE_PART = re.compile(r"_([a-z0-9])")


def client_field(field: str | None) -> str | None:
    """The domain names fields as REST's body does (shipping_address.postal_code); GraphQL's input is camelCase."""
    if field is None:
        return None
    return ".".join(_SNAKE_PART.sub(lambda match: match.group(1).upper(), part) for part in field.split("."))


class OrdersErrorsMixin:
    """A fresh loader for the result, camelCase field errors, and `id` named on someone else's order."""

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        forget(info)
        payload = super().mutate(root, info, **arguments)  # type: ignore[misc]
        payload.errors = [{**error, "field": client_field(error.get("field"))} for error in payload.errors]
        return payload

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        try:
            return cls.run(info, **arguments)
        except NotOrderParty as error:
            error.field = error.field or "id"
            raise

    @classmethod
    def run(cls, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        raise NotImplementedError


def read_order(order_id: UUID) -> Written:
    return read_your_write(OrdersProjection.name, order_id, lambda i: OrderView.objects.filter(id=i).first())


# Placing.


class OrderLineInput(graphene.InputObjectType):
    sku = graphene.String(required=True)
    quantity = graphene.Int(required=True, description="1 to 99 units.")


class ContactInput(graphene.InputObjectType):
    email = graphene.String(description="Required: where order mails go.")
    name = graphene.String()
    phone = graphene.String(description="Digits, spaces and + ( ) - .")


class AddressInput(graphene.InputObjectType):
    """Fields marked required are checked by the server, which names each one missing (`shippingAddress.city`)."""

    name = graphene.String(description="Required: the recipient.")
    line1 = graphene.String(description="Required.")
    line2 = graphene.String()
    city = graphene.String(description="Required.")
    postal_code = graphene.String(description="Required.")
    region = graphene.String()
    country = graphene.String(description="Required: an ISO 3166 alpha-2 code, e.g. FR.")


class OrderPlaceInput(graphene.InputObjectType):
    lines = graphene.List(
        graphene.NonNull(OrderLineInput),
        required=True,
        description="The pieces, by SKU (published ones, all priced in one currency); the same SKU twice adds up.",
    )
    contact = ContactInput(description="Required.")
    shipping_address = AddressInput(description="Required.")
    request_custom_price = graphene.Boolean(
        default_value=False,
        description="Request a custom price: every piece must be customizable. Each order is then negotiated with "
        "its designer: it goes to `negotiating` once its stock is held (`order.negotiation`).",
    )


def plain(value: Any) -> Any:
    """graphene's input objects as plain dicts and lists, as the application stores them."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class OrderPlace(OrdersErrorsMixin, DomainMutation):
    """Places the checkout: one order per designer of the lines, priced from the catalog now, all or none.

    The orders come back `placed`: the stock is then reserved for them, and each becomes `confirmed` (held
    until `payByDeadline`) or `rejected` (with its `shortages`) moments later; with `requestCustomPrice`, a
    confirmed order then goes to `negotiating`. Read them again with
    `order(id)` or `myOrders` to see it.
    """

    permission = PLACE_ORDERS
    idempotency_required = True

    checkout_id = graphene.UUID(description="Set even while pending.")
    order_ids = graphene.List(
        graphene.NonNull(graphene.UUID), description="Every order placed; set even while pending."
    )
    result = graphene.Field(Checkout)

    class Arguments:
        input = OrderPlaceInput(required=True)

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        placed: list[Any] = []
        payload = super().mutate(root, info, placed=placed, **arguments)
        if placed:
            payload.checkout_id, payload.order_ids = placed[0].checkout_id, placed[0].order_ids
        return payload

    @classmethod
    def run(cls, info: graphene.ResolveInfo, placed: list[Any], input: Any) -> Any:
        user = info.context.user
        checkout = orders().place_checkout(
            customer_id=user.id,
            actor_id=user.id,
            lines=plain(input.get("lines") or []),
            contact=plain(input.get("contact")),
            shipping_address=plain(input.get("shipping_address")),
            request_custom_price=bool(input.get("request_custom_price")),
        )
        placed.append(checkout)

        def read(checkout_id: UUID) -> dict[str, Any]:
            rows = OrderView.objects.filter(id__in=checkout.order_ids).order_by("number")
            return {"id": checkout_id, "orders": list(rows)}

        return read_your_write(OrdersProjection.name, checkout.checkout_id, read)


# The order's steps.


class OrderStep(OrdersErrorsMixin, AggregateMutation):
    """Runs `command` on the order `id` as the caller (`acting`: which party they act as), then reads it.

    A step's arguments are the order's `id`; one taking more extends `OrderStep.Arguments`."""

    idempotent = True
    acting: ClassVar[str | None] = None
    command: ClassVar[str]

    result = graphene.Field(Order)

    class Meta:
        abstract = True

    class Arguments:
        id = graphene.UUID(required=True)

    @classmethod
    def run(cls, info: graphene.ResolveInfo, id: UUID, **arguments: Any) -> Any:
        user = info.context.user
        if cls.acting is not None:
            arguments[cls.acting] = acting_party(user)
        getattr(orders(), cls.command)(id, actor_id=user.id, **arguments)
        return read_order(id)


class OrderCancel(OrderStep):
    """The order's customer or staff, before payment; held stock is released."""

    permission = PLACE_ORDERS
    acting = "acting_customer_id"
    command = "cancel"

    class Arguments(OrderStep.Arguments):
        reason = graphene.String(description="Up to 500 characters; optional.")

    @classmethod
    def run(cls, info: graphene.ResolveInfo, id: UUID, reason: str | None = None) -> Any:
        return super().run(info, id, reason=reason or "")


class OrderRequestPayment(OrderStep):
    """The order's customer (or staff): a confirmed order awaits payment."""

    permission = PLACE_ORDERS
    acting = "acting_customer_id"
    command = "request_payment"


class OrderMarkInProduction(OrderStep):
    """The order's designer or staff: a paid order of made-to-order pieces is being made."""

    permission = SHIP_ORDERS
    acting = "acting_designer_id"
    command = "mark_in_production"


class OrderMarkShipped(OrderStep):
    """The order's designer or staff: a paid (or made) order is on its way."""

    permission = SHIP_ORDERS
    acting = "acting_designer_id"
    command = "mark_shipped"

    class Arguments(OrderStep.Arguments):
        carrier = graphene.String(required=True, description="Up to 60 characters.")
        tracking_number = graphene.String(required=True, description="Up to 80 characters.")

    @classmethod
    def run(cls, info: graphene.ResolveInfo, id: UUID, carrier: str, tracking_number: str) -> Any:
        return super().run(info, id, carrier=carrier, tracking_number=tracking_number)


class OrderMarkDelivered(OrderStep):
    """The order's designer or staff: a shipped order reached the customer."""

    permission = SHIP_ORDERS
    acting = "acting_designer_id"
    command = "mark_delivered"


class OrderComplete(OrderStep):
    """Staff: a delivered order is closed."""

    permission = MANAGE_ALL_ORDERS
    command = "complete"


class Mutation(graphene.ObjectType):
    order_place = OrderPlace.Field()
    order_cancel = OrderCancel.Field()
    order_request_payment = OrderRequestPayment.Field()
    order_mark_in_production = OrderMarkInProduction.Field()
    order_mark_shipped = OrderMarkShipped.Field()
    order_mark_delivered = OrderMarkDelivered.Field()
    order_complete = OrderComplete.Field()
