"""Order and stock mails: from saved aggregates, through the relay and the real broker, to a real SMTP server.

The broker is shared by the session, so its topics also hold other tests' events: every check here
looks at this test's own recipients, and "everything before now is handled" is known by producing a
sentinel envelope into every partition and waiting until the consumer has recorded each one.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from django.conf import settings as django_settings
from django.utils import timezone

from ocg.identity.models import User
from ocg.orders.domain import Order, OrderLine
from ocg.orders.models import Notification, NotificationOrder
from ocg.orders.notifications import DeliveryReport, NotificationConsumer, SmtpUnavailable, deliver_due, handle
from ocg.orders.notifications.delivery import claim_next, open_connection
from ocg.orders.notifications.mail import email_message
from ocg.spine.consumer import handle_once
from ocg.spine.domain.money import Money
from ocg.spine.envelope import encode, envelope, topic_for
from ocg.spine.localbroker import free_port
from ocg.spine.models import ConsumedEvent, FollowerStall
from ocg.spine.projections import ProjectionRunner, get_projection
from ocg.spine.relay import Relay
from tests.spine.kafka_helpers import wait_until

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
Status = Notification.Status
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "1 Rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "country": "FR",
}
STOCK_TYPES = ("ocg.catalog.Stock.Created", "ocg.catalog.Stock.LowStockReached")


class Inbox:
    """aiosmtpd handler: keeps what it accepts; refuses the recipients it is told to, with the reply given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusals: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for message in self.messages if message["To"] == address]


class SmtpServer:
    def __init__(self, inbox: Inbox, port: int) -> None:
        self.inbox = inbox
        self.port = port
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:
    """A real SMTP server on a free port, and Django's SMTP backend pointed at it."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    server = SmtpServer(Inbox(), free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield server
    finally:
        server.stop()


def unique_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:10]}@example.com"


def designer_account() -> User:
    return User.objects.create_user(unique_email("designer"), None, role="designer")


def order_line(sku: str, name: str, price: str, quantity: int = 1) -> OrderLine:
    return OrderLine(
        sku=sku,
        product_id=uuid.uuid4(),
        product_name=name,
        size="S",
        colour="Ivory",
        unit_price=Money(Decimal(price), "EUR"),
        quantity=quantity,
        customizable=False,
    )


def placed_order(designer_id: uuid.UUID, email: str, *lines: OrderLine, name: str = "Ada") -> Order:
    return Order.place(
        order_id=uuid.uuid4(),
        actor_id=None,
        checkout_id=uuid.uuid4(),
        number=f"OCG-2026-{uuid.uuid4().int % 10**6:06d}",
        customer_id=uuid.uuid4(),
        designer_id=designer_id,
        lines=list(lines) or [order_line(f"GOWN-{uuid.uuid4().hex[:6]}", "Silk Gown", "1250.00", 2)],
        contact={"email": email, "name": name},
        shipping_address=ADDRESS,
    )


def take_through_every_milestone(orders, order: Order) -> None:
    order.confirm(pay_by=timezone.now() + timedelta(minutes=30))
    orders.save(order)
    order.request_payment(None, None)
    order.pay(uuid.uuid4(), order.total)
    orders.save(order)
    order.ship("DHL Express", "JD014600003828", None, None)
    orders.save(order)
    order.deliver(None, None)
    orders.save(order)


def as_consumed(context: str, domain_event: Any) -> dict[str, Any]:
    """An event as a consumer reads it from the topic: the relay's envelope, through JSON."""
    return json.loads(encode(envelope(context, domain_event, 1)))


def stock_envelope(event_type: str, stock_id: uuid.UUID, version: int, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "type": event_type,
        "source": "/ocg/catalog",
        "subject": str(stock_id),
        "time": timezone.now().isoformat(),
        "datacontenttype": "application/json",
        "envelopeversion": 1,
        "sequence": version,
        "aggregateversion": version,
        "data": data,
    }


def produce(bootstrap_servers: str, topic: str, messages: list[tuple[bytes, dict[str, Any], int | None]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap_servers, "enable.idempotence": True})
    errors: list[object] = []
    for key, message, partition in messages:
        extra = {} if partition is None else {"partition": partition}
        producer.produce(
            topic, value=encode(message), key=key, on_delivery=lambda e, _m: e and errors.append(e), **extra
        )
    assert producer.flush(15) == 0, "deliveries unconfirmed"
    assert not errors, errors


def send_sentinels(bootstrap_servers: str) -> set[uuid.UUID]:
    """An envelope the consumer ignores, into every partition of both topics; their ids."""
    topics = AdminClient({"bootstrap.servers": bootstrap_servers}).list_topics(timeout=10).topics
    ids: set[uuid.UUID] = set()
    for topic in (topic_for("orders"), topic_for("catalog")):
        batch = []
        for partition in topics[topic].partitions:
            message = stock_envelope("ocg.tests.Sentinel", uuid.uuid4(), 1, {})
            ids.add(uuid.UUID(message["id"]))
            batch.append((b"sentinel", message, partition))
        produce(bootstrap_servers, topic, batch)
    return ids


def wait_consumed(name: str, ids: set[uuid.UUID], timeout: float = 60) -> None:
    def consumed() -> bool:
        return ids <= set(
            ConsumedEvent.objects.filter(consumer=name, event_id__in=ids).values_list("event_id", flat=True)
        )

    wait_until(consumed, timeout, f"{len(ids)} sentinels consumed by {name}", interval=0.1)


class Running:
    """NotificationConsumer.run_forever (both of its loops) in a thread, as the command runs it."""

    def __init__(self, bootstrap_servers: str, name: str, **kafka_options: Any) -> None:
        self.stop = threading.Event()
        self.consumer = NotificationConsumer(bootstrap_servers, name=name, stop=self.stop, **kafka_options)
        self.thread = threading.Thread(target=self.consumer.run_forever, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()


def subjects(messages: list[EmailMessage]) -> list[str]:
    return [message["Subject"] for message in messages]


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, message
    return text.get_content(), html.get_content()


def test_each_milestone_is_mailed_once_and_a_replay_from_the_start_sends_nothing(event_store, kafka, smtp):
    orders, catalog = event_store["orders"], event_store["catalog"]
    designer = designer_account()
    shipped_to, rejected_to, only_placed_to = unique_email("ada"), unique_email("grace"), unique_email("hedy")

    shipped = placed_order(designer.id, shipped_to)
    orders.save(shipped)
    take_through_every_milestone(orders, shipped)
    short_line = order_line(f"COAT-{uuid.uuid4().hex[:6]}", "Cashmere Coat", "2400.00")
    rejected = placed_order(
        designer.id, rejected_to, order_line(f"SCARF-{uuid.uuid4().hex[:6]}", "Silk Scarf", "300.00"), short_line
    )
    orders.save(rejected)
    rejected.reject({short_line.sku: 1})
    orders.save(rejected)
    orders.save(placed_order(designer.id, only_placed_to))

    product_id = catalog.create_product(
        designer_id=designer.id, actor_id=None, name="Wool Cape", price=Money(Decimal("900.00"), "EUR")
    )
    ProjectionRunner(get_projection("catalog")).catch_up()
    relay = Relay(kafka.bootstrap_servers, contexts=["orders", "catalog"])
    relay.catch_up()
    relay.close()
    stock_id, sku = uuid.uuid4(), f"CAPE-{uuid.uuid4().hex[:6]}"
    created = stock_envelope(STOCK_TYPES[0], stock_id, 1, {"sku": sku, "product_id": str(product_id), "threshold": 3})
    low = stock_envelope(STOCK_TYPES[1], stock_id, 2, {"available": 2, "threshold": 3})
    produce(
        kafka.bootstrap_servers, topic_for("catalog"), [(stock_id.bytes, created, None), (stock_id.bytes, low, None)]
    )

    name = f"notifications-{uuid.uuid4().hex[:8]}"
    inbox = smtp.inbox
    ours = {shipped_to, rejected_to, only_placed_to, designer.email}
    with Running(kafka.bootstrap_servers, name):
        wait_consumed(name, send_sentinels(kafka.bootstrap_servers))

        def all_sent() -> bool:
            rows = list(Notification.objects.filter(recipient__in=ours).values_list("status", flat=True))
            return rows == [Status.SENT] * 6

        wait_until(all_sent, 30, "six mails sent", interval=0.1)

    assert subjects(inbox.to(shipped_to)) == [
        f"Your order {shipped.number} is confirmed",
        f"Your order {shipped.number} has shipped",
        f"Your order {shipped.number} has been delivered",
    ]
    assert subjects(inbox.to(rejected_to)) == [f"Your order {rejected.number} could not be accepted"]
    assert inbox.to(only_placed_to) == []
    # Two topics: Kafka orders each one, not one against the other.
    assert sorted(subjects(inbox.to(designer.email))) == [
        f"Low stock: Wool Cape (SKU {sku})",
        f"New order {shipped.number} of your pieces",
    ]

    confirmed, on_its_way, _ = inbox.to(shipped_to)
    assert confirmed["From"] == django_settings.DEFAULT_FROM_EMAIL
    text, html = text_and_html(confirmed)
    assert "Hello Ada," in text and shipped.number in text
    assert f"Silk Gown (S / Ivory), SKU {shipped.lines[0].sku}: 2 x €1,250.00 = €2,500.00" in text
    assert "Total: €2,500.00" in text
    assert f"<strong>{shipped.number}</strong>" in html and "€2,500.00" in html
    text, html = text_and_html(on_its_way)
    assert "has shipped with DHL Express." in text and "Tracking number: JD014600003828" in text
    assert "JD014600003828" in html
    text, _ = text_and_html(inbox.to(rejected_to)[0])
    assert f"Cashmere Coat (S / Ivory), SKU {short_line.sku}: you asked for 1" in text
    assert "Silk Scarf" not in text
    low_stock, new_order = sorted(inbox.to(designer.email), key=lambda message: message["Subject"])
    text, _ = text_and_html(new_order)
    assert shipped.number in text and shipped_to not in text
    text, _ = text_and_html(low_stock)
    assert f"Stock of Wool Cape, SKU {sku}, is low: 2 left, at or below your alert threshold of 3." in text

    # Replay both topics from the start: a new consumer group, recording under the same name.
    received = len(inbox.messages)
    recorded = Notification.objects.count()
    with Running(kafka.bootstrap_servers, name, **{"group.id": f"{name}-replay"}):
        wait_consumed(name, send_sentinels(kafka.bootstrap_servers))
    assert Notification.objects.count() == recorded
    assert deliver_due().sent == []
    assert len(inbox.messages) == received


def consume(*events: tuple[str, Any], name: str = "notifications") -> None:
    for context, domain_event in events:
        handle_once(name, as_consumed(context, domain_event), handle)


def confirmed_order(email: str, designer_id: uuid.UUID | None = None) -> tuple[Order, list[Any]]:
    order = placed_order(designer_id or uuid.uuid4(), email)
    order.confirm(pay_by=timezone.now() + timedelta(minutes=30))
    return order, order.collect_events()


def test_a_refused_address_fails_at_once_and_holds_up_no_other_mail(transactional_db, smtp, settings):
    settings.ORDER_NOTIFICATIONS = {"FIRST_RETRY_SECONDS": 0, "MAX_ATTEMPTS": 3}
    refused, busy, fine = unique_email("nobody"), unique_email("busy"), unique_email("ada")
    smtp.inbox.refusals = {refused: "550 5.1.1 No such mailbox", busy: "451 4.2.1 Mailbox busy, try later"}
    for email in (refused, busy, fine):
        consume(*(("orders", event) for event in confirmed_order(email)[1]))

    first = deliver_due()
    assert [len(first.sent), len(first.failed), len(first.retrying)] == [1, 1, 1]
    by_recipient = {row.recipient: row for row in Notification.objects.all()}
    assert (by_recipient[refused].status, by_recipient[refused].attempts) == (Status.FAILED, 1)
    assert "550" in by_recipient[refused].last_error
    assert (by_recipient[busy].status, by_recipient[busy].attempts) == (Status.PENDING, 1)
    assert by_recipient[fine].status == Status.SENT

    assert deliver_due().retrying == [by_recipient[busy].pk]
    assert deliver_due().failed == [by_recipient[busy].pk]
    busy_row = Notification.objects.get(recipient=busy)
    assert (busy_row.status, busy_row.attempts) == (Status.FAILED, 3)
    assert deliver_due() == DeliveryReport()
    assert [len(smtp.inbox.to(email)) for email in (refused, busy, fine)] == [0, 0, 1]


def test_mail_waits_out_a_server_that_is_down_and_is_sent_once_when_it_returns(transactional_db, smtp):
    emails = [unique_email("ada"), unique_email("grace")]
    for email in emails:
        consume(*(("orders", event) for event in confirmed_order(email)[1]))
    smtp.stop()

    with pytest.raises(SmtpUnavailable, match="ConnectionRefusedError"):
        deliver_due()
    assert list(Notification.objects.values_list("status", "attempts")) == [(Status.PENDING, 0)] * 2

    smtp.start()
    assert len(deliver_due().sent) == 2
    assert deliver_due().sent == []
    for row in Notification.objects.all():
        assert (row.status, row.attempts) == (Status.SENT, 1)
        assert subjects(smtp.inbox.to(row.recipient)) == [row.subject]


def test_a_mail_whose_sending_was_never_confirmed_is_not_sent_again(transactional_db, smtp, settings):
    """The ambiguous case: the server took the mail, the process died before recording that it had."""
    settings.ORDER_NOTIFICATIONS = {"SENDING_LEASE_SECONDS": 0}
    taken, next_one = unique_email("ada"), unique_email("grace")
    for email in (taken, next_one):
        consume(*(("orders", event) for event in confirmed_order(email)[1]))

    row = claim_next()
    connection = open_connection()
    email_message(row, connection).send()
    connection.close()
    assert len(smtp.inbox.to(taken)) == 1
    time.sleep(0.01)

    report = deliver_due()
    assert report.unconfirmed == [row.pk]
    row.refresh_from_db()
    assert row.status == Status.UNCONFIRMED
    assert len(smtp.inbox.to(taken)) == 1
    assert len(smtp.inbox.to(next_one)) == 1
    assert smtp.inbox.to(taken)[0]["Message-ID"] == email_message(row, connection).message()["Message-ID"]


def test_redelivered_and_unreadable_envelopes_record_nothing_more(transactional_db, smtp, caplog):
    designer = designer_account()
    _, events = confirmed_order(unique_email("ada"), designer.id)
    consume(*(("orders", event) for event in events))
    consume(*(("orders", event) for event in events))
    assert sorted(Notification.objects.values_list("kind", flat=True)) == ["designer_new_order", "order_confirmed"]

    unreadable = as_consumed("orders", placed_order(designer.id, unique_email("hedy")).collect_events()[0])
    del unreadable["data"]["contact"]
    assert handle_once("notifications", unreadable, handle) is True
    assert "passing over an unreadable event" in caplog.text
    assert NotificationOrder.objects.count() == 1
    assert Notification.objects.count() == 2


def test_the_command_mails_from_the_topics_and_stops_on_sigterm(event_store, kafka, smtp, tmp_path):
    orders = event_store["orders"]
    email = unique_email("ada")
    order = placed_order(uuid.uuid4(), email)
    order.confirm(pay_by=timezone.now() + timedelta(minutes=30))
    relay = Relay(kafka.bootstrap_servers, contexts=["orders"])
    database = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgresql://{database.get('USER') or 'postgres'}@{database.get('HOST') or '127.0.0.1'}"
            f":{database.get('PORT') or 5432}/{database['NAME']}"
        ),
        "SECRET_KEY": "notifications-test-secret-key",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "ocg.settings",
        "EVENT_STORE_POOL_SIZE": "1",
        "DB_POOL_MIN_SIZE": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "false",
    }
    env.pop("DEBUG", None)
    log = tmp_path / "consumer.log"
    name = f"notifications-{uuid.uuid4().hex[:8]}"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "manage.py", "consume_notifications"),
                *("--bootstrap-servers", kafka.bootstrap_servers, "--group", name),
            ],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        orders.save(order)
        relay.catch_up()
        relay.close()

        def mailed() -> bool:
            assert process.poll() is None, log.read_text()[-3000:]
            return bool(smtp.inbox.to(email))

        wait_until(mailed, 60, "the confirmation mail", interval=0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0, log.read_text()[-3000:]
    assert subjects(smtp.inbox.to(email)) == [f"Your order {order.number} is confirmed"]
    assert ConsumedEvent.objects.filter(consumer=name).count() >= 2
    assert not FollowerStall.objects.filter(follower__startswith=name).exists()
