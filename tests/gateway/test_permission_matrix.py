"""Every GraphQL mutation and every REST operation, asked by anonymous, customer, designer and admin.

The tables below are the contract: a new mutation or endpoint fails these tests until someone decides who
may call it. "open" means the permission gate lets the caller through (the answer may still be a
validation error); "sign_in" means anonymous callers are refused as unauthenticated; "catalog" means only
designers and staff get through; "staff" means staff only. "order_customer" and "order_designer" are the
world's order's own customer or designer, and staff: the other signed-in role holds the permission the
mutation declares, and is refused by the order itself. "own_customer" is the order's customer alone (paying
it): staff and the designer hold the permission and are refused by the payments application.
"""

import re
from decimal import Decimal
from uuid import uuid4

import pytest

from ocg.identity.models import Role, User
from ocg.identity.tokens import issue_token_pair
from ocg.schema import schema
from ocg.spine.domain.money import Money
from ocg.spine.projections import ProjectionRunner, get_projection
from tests.orders.shop import place, project_catalog, published_piece

ROLES = ("anonymous", Role.CUSTOMER, Role.DESIGNER, Role.ADMIN)
GATE_CODES = {"unauthenticated", "permission_denied"}

MUTATIONS = {
    "register": ("open", 'register(input: {email: "%(role)s-matrix@example.com", password: "a-long-password-9"})'),
    "tokenCreate": ("open", 'tokenCreate(email: "nobody@example.com", password: "wrong-password")'),
    "tokenRefresh": ("open", 'tokenRefresh(refresh: "not-a-token")'),
    "tokenRevoke": ("open", 'tokenRevoke(refresh: "not-a-token")'),
    "logoutEverywhere": ("sign_in", "logoutEverywhere"),
    "passwordlessRequest": ("open", 'passwordlessRequest(email: "nobody@example.com")'),
    "passwordlessVerify": ("open", 'passwordlessVerify(email: "nobody@example.com", code: "000000")'),
    "socialTokenExchange": ("open", 'socialTokenExchange(code: "not-a-code")'),
    "productCreate": ("catalog", 'productCreate(input: {name: "Matrix gown %(role)s"})'),
    "productUpdate": ("catalog", 'productUpdate(id: "%(product)s", input: {name: "Renamed"})'),
    "productPriceChange": (
        "catalog",
        'productPriceChange(id: "%(product)s", price: {amount: "12.00", currency: "EUR"})',
    ),
    "productPublish": ("catalog", 'productPublish(id: "%(product)s")'),
    "productUnpublish": ("catalog", 'productUnpublish(id: "%(product)s")'),
    "productArchive": ("catalog", 'productArchive(id: "%(product)s")'),
    "productVariantAdd": (
        "catalog",
        'productVariantAdd(id: "%(product)s", input: {sku: "MATRIX-%(role)s", size: "M"})',
    ),
    "productVariantRemove": ("catalog", 'productVariantRemove(id: "%(product)s", sku: "MATRIX-NONE")'),
    "productImageUploadUrl": ("catalog", 'productImageUploadUrl(id: "%(product)s", contentType: "image/jpeg")'),
    "productImageAttach": ("catalog", 'productImageAttach(id: "%(product)s", key: "products/none/none.jpg")'),
    "productImagesReorder": ("catalog", 'productImagesReorder(id: "%(product)s", imageIds: [])'),
    "productImageRemove": (
        "catalog",
        'productImageRemove(id: "%(product)s", imageId: "00000000-0000-4000-8000-000000000000")',
    ),
    "categoryCreate": ("staff", 'categoryCreate(input: {name: "Matrix %(role)s"})'),
    "categoryUpdate": ("staff", 'categoryUpdate(id: "00000000-0000-4000-8000-000000000000", input: {name: "Renamed"})'),
    "stockReceive": ("catalog", 'stockReceive(sku: "MATRIX-NONE", quantity: 1)'),
    "stockAdjust": ("catalog", 'stockAdjust(sku: "MATRIX-NONE", delta: 1, reason: "Stock-take")'),
    "stockThresholdSet": ("catalog", 'stockThresholdSet(sku: "MATRIX-NONE", threshold: 1)'),
    "designerProfileUpdate": ("catalog", 'designerProfileUpdate(input: {bio: "Matrix bio"})'),
    "orderPlace": (
        "sign_in",
        'orderPlace(idempotencyKey: "matrix-%(role)s", input: {lines: [{sku: "MATRIX-COAT", quantity: 1}], '
        'contact: {email: "buyer@example.com"}, shippingAddress: {name: "Ada", line1: "1 Rue de la Paix", '
        'city: "Paris", postalCode: "75002", country: "FR"}})',
    ),
    "orderCancel": ("order_customer", 'orderCancel(id: "%(order)s", reason: "Matrix")'),
    "orderRequestPayment": ("order_customer", 'orderRequestPayment(id: "%(order)s")'),
    "orderMarkInProduction": ("order_designer", 'orderMarkInProduction(id: "%(order)s")'),
    "orderMarkShipped": (
        "order_designer",
        'orderMarkShipped(id: "%(order)s", carrier: "DHL", trackingNumber: "MATRIX-1")',
    ),
    "orderMarkDelivered": ("order_designer", 'orderMarkDelivered(id: "%(order)s")'),
    "orderComplete": ("staff", 'orderComplete(id: "%(order)s")'),
    "refundRequest": (
        "sign_in",
        'refundRequest(idempotencyKey: "matrix-refund-%(role)s", orderId: "%(order)s", reason: "Matrix")',
    ),
    "orderPay": (
        "own_customer",
        'orderPay(idempotencyKey: "matrix-pay-%(role)s", orderId: "%(order)s", provider: STRIPE)',
    ),
    "refundApprove": ("staff", 'refundApprove(refundId: "00000000-0000-4000-8000-000000000000", note: "Matrix")'),
    "refundReject": ("staff", 'refundReject(refundId: "00000000-0000-4000-8000-000000000000", note: "Matrix")'),
    # The world's customer and designer are both the order's parties; anyone else is told it does not exist.
    "negotiationOpen": ("sign_in", 'negotiationOpen(idempotencyKey: "matrix-neg-open-%(role)s", orderId: "%(order)s")'),
    "negotiationPropose": (
        "sign_in",
        'negotiationPropose(idempotencyKey: "matrix-neg-propose-%(role)s", orderId: "%(order)s", amount: "9.00", '
        'currency: "EUR")',
    ),
    "negotiationAccept": (
        "sign_in",
        'negotiationAccept(idempotencyKey: "matrix-neg-accept-%(role)s", orderId: "%(order)s", '
        'proposalId: "00000000-0000-4000-8000-000000000000")',
    ),
    "negotiationReject": (
        "sign_in",
        'negotiationReject(idempotencyKey: "matrix-neg-reject-%(role)s", orderId: "%(order)s", '
        'proposalId: "00000000-0000-4000-8000-000000000000")',
    ),
    "negotiationWithdraw": (
        "sign_in",
        'negotiationWithdraw(idempotencyKey: "matrix-neg-withdraw-%(role)s", orderId: "%(order)s", '
        'proposalId: "00000000-0000-4000-8000-000000000000")',
    ),
    "negotiationClose": (
        "sign_in",
        'negotiationClose(idempotencyKey: "matrix-neg-close-%(role)s", orderId: "%(order)s")',
    ),
    "negotiationSetFloor": ("catalog", 'negotiationSetFloor(productId: "%(product)s", amount: "5.00")'),
    "chatMarkRead": ("order_party", 'chatMarkRead(order: "%(order)s", messageId: 1)'),
}

# Query fields that are not open to everyone (the catalog's and the orders' lists are covered by their tests).
QUERIES = {
    "chatMessages": ("order_party", 'chatMessages(order: "%(order)s") { edges { cursor } }'),
}

# WebSocket routes: accepted (a `history` frame) or refused (a close code) for each role.
SOCKETS = {
    "/ws/orders/%(order)s/chat/": "order_party",
}

REST = {
    ("post", "/api/auth/register"): ("open", {"email": "rest-%(role)s@example.com", "password": "a-long-password-9"}),
    ("post", "/api/auth/token"): ("open", {"email": "nobody@example.com", "password": "wrong-password"}),
    ("post", "/api/auth/token/refresh"): ("open", {"refresh": "not-a-token"}),
    ("post", "/api/auth/token/revoke"): ("open", {"refresh": "not-a-token"}),
    ("post", "/api/auth/logout-everywhere"): ("sign_in", None),
    ("get", "/api/auth/me"): ("sign_in", None),
    ("post", "/api/auth/passwordless/request"): ("open", {"email": "nobody@example.com"}),
    ("post", "/api/auth/passwordless/verify"): ("open", {"email": "nobody@example.com", "code": "000000"}),
    ("post", "/api/auth/social/exchange"): ("open", {"code": "not-a-code"}),
    ("get", "/api/catalog/products"): ("open", None),
    ("post", "/api/catalog/products"): ("catalog", {"name": "Matrix gown %(role)s"}),
    ("get", "/api/catalog/products/{product_id}"): ("open", None),
    ("patch", "/api/catalog/products/{product_id}"): ("catalog", {"name": "Renamed"}),
    ("put", "/api/catalog/products/{product_id}/price"): ("catalog", {"price": "12.00", "currency": "EUR"}),
    ("post", "/api/catalog/products/{product_id}/publish"): ("catalog", None),
    ("post", "/api/catalog/products/{product_id}/unpublish"): ("catalog", None),
    ("post", "/api/catalog/products/{product_id}/archive"): ("catalog", None),
    ("get", "/api/catalog/products/{product_id}/history"): ("staff", None),
    ("post", "/api/catalog/products/{product_id}/variants"): ("catalog", {"sku": "MATRIX-%(role)s", "size": "M"}),
    ("delete", "/api/catalog/products/{product_id}/variants/{sku}"): ("catalog", None),
    ("post", "/api/catalog/products/{product_id}/images/upload-url"): ("catalog", {"content_type": "image/jpeg"}),
    ("post", "/api/catalog/products/{product_id}/images"): ("catalog", {"key": "products/none/none.jpg"}),
    ("put", "/api/catalog/products/{product_id}/images/order"): ("catalog", {"image_ids": []}),
    ("delete", "/api/catalog/products/{product_id}/images/{image_id}"): ("catalog", None),
    ("get", "/api/catalog/stock/{sku}"): ("catalog", None),
    ("post", "/api/catalog/stock/{sku}/receive"): ("catalog", {"quantity": 1}),
    ("post", "/api/catalog/stock/{sku}/adjust"): ("catalog", {"delta": 1, "reason": "Stock-take"}),
    ("put", "/api/catalog/stock/{sku}/threshold"): ("catalog", {"threshold": 1}),
    ("get", "/api/catalog/categories"): ("open", None),
    ("post", "/api/catalog/categories"): ("staff", {"name": "Matrix %(role)s"}),
    ("patch", "/api/catalog/categories/{category_id}"): ("staff", {"name": "Renamed"}),
    ("get", "/api/catalog/designers"): ("open", None),
    ("get", "/api/catalog/designers/{designer_id}"): ("open", None),
    ("patch", "/api/catalog/designers/{designer_id}"): ("catalog", {"bio": "Matrix bio"}),
    ("put", "/api/uploads/{ticket}"): ("open", None),
    ("get", "/api/orders"): ("sign_in", None),
    ("post", "/api/orders"): ("sign_in", {"lines": [], "contact": {"email": "x"}, "shipping_address": {}}),
    ("get", "/api/orders/{order_id}"): ("sign_in", None),
    ("post", "/api/orders/{order_id}/cancel"): ("order_customer", {"reason": "Matrix"}),
    ("post", "/api/orders/{order_id}/request-payment"): ("order_customer", None),
    ("post", "/api/orders/{order_id}/mark-in-production"): ("order_designer", None),
    ("post", "/api/orders/{order_id}/ship"): ("order_designer", {"carrier": "DHL", "tracking_number": "MATRIX-1"}),
    ("post", "/api/orders/{order_id}/deliver"): ("order_designer", None),
    ("post", "/api/orders/{order_id}/complete"): ("staff", None),
    ("post", "/api/payments/orders/{order_id}/pay"): ("own_customer", {"provider": "stripe"}),
    ("post", "/api/payments/webhooks/stripe"): ("open", None),
    ("post", "/api/payments/webhooks/paypal"): ("open", None),
    ("get", "/api/payments/orders/{order_id}/payments"): ("sign_in", None),
    ("post", "/api/payments/orders/{order_id}/refunds"): ("sign_in", {"reason": "Matrix"}),
    ("get", "/api/payments/refunds"): ("sign_in", None),
    ("get", "/api/payments/refunds/{refund_id}"): ("sign_in", None),
    ("post", "/api/payments/refunds/{refund_id}/approve"): ("staff", {"note": "Matrix"}),
    ("post", "/api/payments/refunds/{refund_id}/reject"): ("staff", {"note": "Matrix"}),
}

# Operations whose missing Idempotency-Key would answer first (400) and hide the permission gate.
KEYED = {("post", "/api/payments/orders/{order_id}/pay")}


def expected_through(rule: str, role: str) -> bool:
    if rule == "open":
        return True
    if rule == "sign_in":
        return role != "anonymous"
    if rule == "staff":
        return role == Role.ADMIN
    if rule == "order_customer":
        return role in (Role.CUSTOMER, Role.ADMIN)
    if rule == "order_designer":
        return role in (Role.DESIGNER, Role.ADMIN)
    if rule == "own_customer":
        return role == Role.CUSTOMER
    if rule == "order_party":  # the world's order's customer and designer, and staff; an outsider is refused
        return role in (Role.CUSTOMER, Role.DESIGNER, Role.ADMIN)
    return role in (Role.DESIGNER, Role.ADMIN)


@pytest.fixture
def world(catalog, settings, tmp_path):
    settings.RATE_LIMITS = {scope: (10_000, window) for scope, (_limit, window) in settings.RATE_LIMITS.items()}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    users = {
        role: User.objects.create_user(f"{role}@matrix.example", "a-long-password-9", role=role) for role in ROLES[1:]
    }
    designer_id = users[Role.DESIGNER].id
    product = catalog.create_product(
        designer_id=designer_id, actor_id=designer_id, name="Matrix coat", price=Money(Decimal("10.00"), "EUR")
    )
    published_piece(designer_id, "MATRIX-COAT")
    project_catalog()
    [order] = place(users[Role.CUSTOMER].id, **{"MATRIX-COAT": 1})
    ProjectionRunner(get_projection("orders")).catch_up()  # the order as the read side shows it (payments read it)
    return {"users": users, "product": product, "order": order}


def headers_for(world, role: str) -> dict:
    if role == "anonymous":
        return {}
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token_pair(world['users'][role], 'password')['access']}"}


def test_every_mutation_in_the_schema_has_a_rule():
    assert set(schema.graphql_schema.mutation_type.fields) == set(MUTATIONS)


def test_every_rest_operation_has_a_rule():
    from ocg.api import api

    operations = {
        (method, path)
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert operations == set(REST)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_graphql_mutation_gate(client, world, name, role):
    rule, call = MUTATIONS[name]
    result = "result" if name in {"tokenRevoke", "logoutEverywhere"} else "result { __typename }"
    field = call % {"role": role, "product": world["product"], "order": world["order"]}
    query = f"mutation {{ m: {field} {{ errors {{ code }} {result} }} }}"
    response = client.post("/graphql", {"query": query}, content_type="application/json", **headers_for(world, role))
    if response.status_code != 200:  # refused before it ran: a key-required mutation asked anonymously
        assert response.status_code == 401 and not expected_through(rule, role), response.content
        assert {error["extensions"]["code"] for error in response.json()["errors"]} & GATE_CODES
        return
    payload = response.json()["data"]["m"]
    codes = {error["code"] for error in payload["errors"]}
    if expected_through(rule, role):
        assert not codes & GATE_CODES, codes
    else:
        assert codes & GATE_CODES, codes
        assert payload["result"] is None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(REST))
def test_rest_operation_gate(client, world, method, path, role):
    rule, body = REST[(method, path)]
    url = path.replace("{product_id}", str(world["product"]))
    url = url.replace("{designer_id}", str(world["users"][Role.DESIGNER].id))
    url = url.replace("{order_id}", str(world["order"]))
    url = re.sub(r"\{[a-z_]+\}", lambda _: str(uuid4()), url)
    kwargs = headers_for(world, role)
    if (method, path) in KEYED:
        kwargs["HTTP_IDEMPOTENCY_KEY"] = str(uuid4())  # so the gate, not the missing key, answers
    if body is not None:
        data = {k: v % {"role": role} if isinstance(v, str) else v for k, v in body.items()}
        kwargs.update(data=data, content_type="application/json")
    response = getattr(client, method)(url, **kwargs)
    code = response.json().get("code") if response.content and response.status_code >= 400 else None
    assert response.status_code < 500, response.content
    if expected_through(rule, role):
        assert code not in GATE_CODES, (response.status_code, response.content)
    else:
        assert response.status_code in (401, 403)
        assert code in GATE_CODES


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_graphql_query_gate(client, world, name, role):
    rule, call = QUERIES[name]
    query = "query { q: %s }" % (call % {"order": world["order"]})
    response = client.post("/graphql", {"query": query}, content_type="application/json", **headers_for(world, role))
    assert response.status_code == 200, response.content
    codes = {error["extensions"]["code"] for error in response.json().get("errors", [])}
    if expected_through(rule, role):
        assert not codes & GATE_CODES, codes
    else:
        assert codes & GATE_CODES, codes


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(SOCKETS))
def test_socket_gate(world, path, role):
    import json

    from asgiref.sync import async_to_sync

    from tests.negotiation.sockets import WebsocketCommunicator

    rule = SOCKETS[path]
    token = None if role == "anonymous" else issue_token_pair(world["users"][role], "password")["access"]

    async def knock():
        from ocg.asgi import application

        headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
        socket = WebsocketCommunicator(
            application,
            path % {"order": world["order"]},
            headers=headers,
            subprotocols=["bearer", token] if token else [],
        )
        connected, _ = await socket.connect(timeout=5)
        if not connected:
            return None
        frame = json.loads(await socket.receive_from(timeout=5))
        await socket.disconnect()
        return frame["type"]

    answer = async_to_sync(knock)()
    assert (answer == "history") == expected_through(rule, role), answer


def test_an_outsider_is_refused_by_the_chat_socket(world):
    """The matrix's signed-in roles are all parties to its order: one more customer, who is not, is refused."""
    import json

    from asgiref.sync import async_to_sync

    from ocg.negotiation.chat.consumer import CLOSE_FORBIDDEN
    from tests.negotiation.sockets import close_code, communicator

    outsider = User.objects.create_user("outsider@matrix.example", "a-long-password-9", role=Role.CUSTOMER)

    token = issue_token_pair(outsider, "password")["access"]

    async def knock():
        socket = communicator(world["order"], token)
        await socket.connect(timeout=5)
        frame = json.loads(await socket.receive_from(timeout=5))
        return frame["code"], await close_code(socket)

    assert async_to_sync(knock)() == ("permission_denied", CLOSE_FORBIDDEN)
