"""OrderPay's idempotency key, counted where it matters: at localstripe, which ignores Idempotency-Key itself,
so two intents there for one key would mean ours failed."""

from __future__ import annotations

import threading
import uuid

from django.db import connections
from django.test import Client

from ocg.payments.models import PaymentView
from tests.orders import api_support
from tests.orders.shop import settle
from tests.payments import stripe_support
from tests.payments.stripe_support import awaiting_payment, gated_proxy, intents_for_order, paid_payload, pay

shop = api_support.shop
stripe_on = stripe_support.stripe_on
local_server = stripe_support.local_server
CALLS = 50


def test_fifty_identical_order_pays_at_once_make_one_intent_then_replay_and_refuse_another_body(
    client, shop, stripe_on
):
    order_id = awaiting_payment(shop.cleo, **{"COAT-M": 1})
    key = str(uuid.uuid4())
    start = threading.Barrier(CALLS)
    answers = []

    def call() -> None:
        try:
            start.wait(timeout=30)
            answers.append(pay(Client(), shop.cleo, order_id, key))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == CALLS
    first = [a for a in answers if a.status_code == 200 and not a.has_header("Idempotent-Replayed")]
    assert len(first) == 1, [a.status_code for a in answers]
    result = paid_payload(first[0])["result"]
    for answer in answers:
        if answer is first[0]:
            continue
        if answer.status_code == 409:
            assert answer.json()["errors"][0]["extensions"]["code"] == "idempotency_key_in_flight"
        else:
            assert answer.status_code == 200 and answer["Idempotent-Replayed"] == "true"
            assert paid_payload(answer)["result"] == result
    assert len(intents_for_order(stripe_on, order_id)) == 1

    replay = pay(client, shop.cleo, order_id, key)
    assert replay["Idempotent-Replayed"] == "true"
    assert paid_payload(replay)["result"]["clientSecret"] == result["clientSecret"]
    other_body = pay(client, shop.cleo, order_id, key, provider="PAYPAL")
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["extensions"]["code"] == "idempotency_key_reused"

    settle()
    assert len(intents_for_order(stripe_on, order_id)) == 1
    assert list(PaymentView.objects.filter(order_id=order_id).values_list("id", flat=True)) == [
        uuid.UUID(result["paymentId"])
    ]


def test_a_key_still_in_flight_answers_409_and_then_its_one_answer(client, shop, stripe_on, local_server, settings):
    gate, arrived = threading.Event(), threading.Event()
    settings.STRIPE_API_BASE = local_server(gated_proxy(stripe_on.url, gate, arrived)).url
    order_id = awaiting_payment(shop.cleo, **{"SHOE-M": 1})
    key = str(uuid.uuid4())
    held = []

    def first() -> None:
        try:
            held.append(pay(Client(), shop.cleo, order_id, key))
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert arrived.wait(15), "the first call never reached Stripe"
        in_flight = pay(client, shop.cleo, order_id, key)
        assert in_flight.status_code == 409 and in_flight["Retry-After"]
        assert in_flight.json()["errors"][0]["extensions"]["code"] == "idempotency_key_in_flight"
    finally:
        gate.set()
        thread.join(timeout=30)

    answer = paid_payload(held[0])
    assert answer["errors"] == [] and answer["result"]["status"] == "REQUIRES_ACTION"
    replay = pay(client, shop.cleo, order_id, key)
    assert replay["Idempotent-Replayed"] == "true" and paid_payload(replay) == answer
    assert len(intents_for_order(stripe_on, order_id)) == 1
