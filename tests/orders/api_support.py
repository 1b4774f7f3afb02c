"""What the orders API tests share: a shop of real accounts and published pieces, the followers running as
threads (so orders get confirmed by the saga and mutations read their writes), and GraphQL calls."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from django.db import connection

from ocg.identity import tokens
from ocg.identity.models import Role, User
from ocg.orders.models import OrderView
from ocg.spine.eventstore import applications, events_table
from ocg.spine.workers import build_followers, start_threads
from tests.orders.shop import ADDRESS, CONTACT, project_catalog, published_piece

PASSWORD = "a-long-password-9"
WAIT_SECONDS = 15


@dataclass
class Shop:
    ada: User  # designer of COAT-M, GOWN-M (made to order), SHOE-M
    ben: User  # designer of SHIRT-M and SCARF-GBP (priced in GBP)
    cleo: User  # customer
    dan: User  # customer
    staff: User  # admin role


def make_user(role: str, name: str = "") -> User:
    email = f"{name or role}-{uuid.uuid4().hex[:8]}@example.com".lower()
    return User.objects.create_user(email, PASSWORD, role=role, display_name=name)


@pytest.fixture
def shop(event_store, settings, tmp_path) -> Shop:
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATE_LIMITS = {scope: (100_000, window) for scope, (_limit, window) in settings.RATE_LIMITS.items()}
    found = Shop(
        ada=make_user(Role.DESIGNER, "Ada"),
        ben=make_user(Role.DESIGNER, "Ben"),
        cleo=make_user(Role.CUSTOMER, "Cleo"),
        dan=make_user(Role.CUSTOMER, "Dan"),
        staff=make_user(Role.ADMIN, "Staff"),
    )
    published_piece(found.ada.id, "COAT-M", stock=5, price="1200.00")
    published_piece(found.ada.id, "GOWN-M", stock=3, price="2400.00", customizable=True)
    published_piece(found.ada.id, "SHOE-M", stock=1, price="300.00")
    published_piece(found.ben.id, "SHIRT-M", stock=5, price="150.00")
    published_piece(found.ben.id, "SCARF-GBP", stock=5, price="90.00", currency="GBP")
    project_catalog()
    return found


@pytest.fixture
def followers(shop) -> Iterator[None]:
    """Every policy and projection, running as `manage.py run_projections` would, for the test."""
    stop = threading.Event()
    threads = start_threads(build_followers(stop))
    yield
    stop.set()
    for thread in threads:
        thread.join(timeout=10)


def eventually(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def status_of(order_id: Any) -> str | None:
    return OrderView.objects.filter(id=order_id).values_list("status", flat=True).first()


def wait_for_status(order_id: Any, status: str) -> OrderView:
    eventually(lambda: status_of(order_id) == status, f"order {order_id} to be {status}")
    return OrderView.objects.get(id=order_id)


def place(customer: User, **lines: int) -> list[UUID]:
    """Orders placed through the application, as the customer."""
    checkout = applications.get("orders").place_checkout(
        customer_id=customer.id,
        actor_id=customer.id,
        lines=[{"sku": sku, "quantity": quantity} for sku, quantity in lines.items()],
        contact=CONTACT,
        shipping_address=ADDRESS,
    )
    return checkout.order_ids


def paid(order_id: UUID) -> None:
    """The payments feature is not built yet: the order takes the payment step itself, as its saga will."""
    orders = applications.get("orders")
    order = orders.order(order_id)
    if order.status == "confirmed":
        order.request_payment(None, None)
    order.pay(uuid.uuid4(), order.total)
    orders.save(order)


def placed_count() -> int:
    """Order.Placed events stored: orders placed, whatever the followers have done since."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {events_table(applications.get('orders'))} WHERE topic LIKE %s", ["%Order.Placed"]
        )
        return cursor.fetchone()[0]


def bearer(user: User | None) -> dict[str, str]:
    if user is None:
        return {}
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.issue_token_pair(user, 'password')['access']}"}


def graphql(client: Any, user: User | None, query: str, *, expect: int = 200, headers: Any = None, **variables: Any):
    response = client.post(
        "/graphql",
        {"query": query, "variables": variables},
        content_type="application/json",
        **bearer(user),
        **(headers or {}),
    )
    assert response.status_code == expect, response.content
    return response.json()


def field_errors(payload: dict) -> set[tuple[str | None, str]]:
    return {(error["field"], error["code"]) for error in payload["errors"]}
