"""The PayPal adapter against PayPal faked at the HTTP layer: what it sends, what it makes of the answers."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import responses

from ocg.payments import breaker
from ocg.payments.domain.errors import PaymentsUnavailable, ProviderError
from ocg.payments.providers import paypal as paypal_module
from ocg.payments.providers.base import ProviderUnavailable
from ocg.payments.providers.paypal import PayPalProvider, paypal_value
from ocg.spine.domain.money import Money
from tests.payments import paypal_fake
from tests.payments.paypal_fake import FakePayPal

EUR_250 = Money(Decimal("250.00"), "EUR")


@pytest.fixture
def fake(settings):
    settings.PAYPAL_CLIENT_ID = paypal_fake.CLIENT_ID
    settings.PAYPAL_CLIENT_SECRET = paypal_fake.CLIENT_SECRET
    settings.PAYPAL_API_BASE = paypal_fake.API
    settings.PAYPAL_WEBHOOK_ID = paypal_fake.WEBHOOK_ID
    paypal_module._tokens.clear()
    breaker.forget_circuits()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakePayPal(mock)
    breaker.forget_circuits()


def start(provider: PayPalProvider, key: str = "pay-key-1", amount: Money = EUR_250):
    return provider.start(amount=amount, order_number="OCG-1001", idempotency_key=key, metadata={"payment_id": "p-1"})


def test_an_order_is_created_for_capture_with_our_key_and_gives_the_approval_link(fake):
    started = start(PayPalProvider())

    order = fake.orders[started.provider_payment_id]
    create = next(call for call in fake.mock.calls if call.request.url.endswith("/v2/checkout/orders"))
    sent = json.loads(create.request.body)
    assert create.request.headers["PayPal-Request-Id"] == "pay-key-1"
    assert sent["intent"] == "CAPTURE"
    assert sent["purchase_units"][0]["amount"] == {"currency_code": "EUR", "value": "250.00"}
    assert sent["purchase_units"][0]["reference_id"] == "OCG-1001"
    assert started.needs_action is True and started.client_secret is None
    assert started.approval_url == f"https://www.sandbox.paypal.test/checkoutnow?token={order['id']}"


def test_a_retried_start_with_the_same_key_makes_nothing_new_at_paypal(fake):
    first = start(PayPalProvider())
    again = start(PayPalProvider())
    assert again == first
    assert len(fake.orders) == 1


def test_the_token_is_fetched_once_and_again_only_when_paypal_refuses_it(fake):
    provider = PayPalProvider()
    start(provider, "k1")
    start(provider, "k2")
    assert fake.token_requests == 1
    fake.tokens.clear()  # PayPal revoked it early
    start(provider, "k3")
    assert fake.token_requests == 2
    assert len(fake.orders) == 3


def test_state_of_an_approved_order_captures_it_once_and_reports_the_capture(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    assert provider.state(order_id).status == "requires_action"

    fake.approve(order_id)
    found = provider.state(order_id)
    again = provider.state(order_id)

    assert found.status == "succeeded" and found.captured == EUR_250
    assert again == found
    assert len(fake.captures) == 1
    capture = next(call for call in fake.mock.calls if call.request.url.endswith("/capture"))
    assert capture.request.headers["PayPal-Request-Id"] == f"cap-{order_id}"


def test_a_refund_goes_to_the_capture_with_our_key(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    fake.approve(order_id)
    provider.state(order_id)

    refund = provider.refund(provider_payment_id=order_id, amount=Money(Decimal("50"), "EUR"), idempotency_key="rf-1")
    again = provider.refund(provider_payment_id=order_id, amount=Money(Decimal("50"), "EUR"), idempotency_key="rf-1")

    assert refund.confirmed is True and again == refund
    assert fake.refunds[refund.provider_refund_id]["amount"] == {"currency_code": "EUR", "value": "50.00"}
    assert len(fake.refunds) == 1


def test_refunding_an_order_never_captured_is_refused(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    with pytest.raises(ProviderError):
        provider.refund(provider_payment_id=order_id, amount=EUR_250, idempotency_key="rf-2")
    assert fake.refunds == {}


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Money(Decimal("1250.5"), "EUR"), "1250.50"),
        (Money(Decimal("12500"), "JPY"), "12500"),
        (Money(Decimal("9900"), "HUF"), "9900"),
    ],
)
def test_amounts_are_written_as_paypal_counts_them(amount, expected):
    assert paypal_value(amount) == expected


@pytest.mark.parametrize(
    "amount", [Money(Decimal("10.50"), "TWD"), Money(Decimal("10.000"), "KWD"), Money(Decimal("10"), "ZAR")]
)
def test_an_amount_paypal_cannot_take_is_refused_before_any_call(fake, amount):
    with pytest.raises(ProviderError):
        start(PayPalProvider(), amount=amount)
    assert len(fake.mock.calls) == 0


def test_paypal_down_is_an_outage_and_garbage_is_an_unusable_answer(fake):
    provider = PayPalProvider()
    fake.down = True
    with pytest.raises(ProviderUnavailable):
        start(provider)
    fake.down = False
    fake.garbage = True
    with pytest.raises(ProviderError, match="not its JSON"):
        start(provider)
    assert fake.orders == {}


def test_a_timeout_is_an_outage(fake):
    fake.slow = True
    with pytest.raises(ProviderUnavailable, match="did not answer"):
        start(PayPalProvider())


def test_a_refusal_names_paypals_issue_but_never_echoes_its_body(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    with pytest.raises(ProviderError) as refused:
        provider.capture(order_id)
    assert "ORDER_NOT_APPROVED" in refused.value.message


def test_ids_that_are_not_paypals_never_reach_a_url(fake):
    with pytest.raises(ProviderError):
        PayPalProvider().state("../../v1/oauth2/token")
    assert len(fake.mock.calls) == 0


# Webhooks.


def test_a_verified_capture_notification_maps_onto_our_vocabulary(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    fake.approve(order_id)
    provider.capture(order_id)
    body, headers = fake.capture_completed(order_id)

    event = provider.verify_webhook(body=body, headers=headers)

    assert event.kind == "PAYMENT.CAPTURE.COMPLETED"
    assert event.provider_event_id == json.loads(body)["id"]
    assert event.provider_payment_id == order_id
    assert event.status == "succeeded" and event.captured == EUR_250
    assert fake.verified_events == [body]  # the event went to PayPal byte for byte


def test_an_approval_notification_captures_and_reports_the_capture(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    fake.approve(order_id)
    body, headers = fake.order_approved(order_id)

    event = provider.verify_webhook(body=body, headers=headers)

    assert event.kind == "CHECKOUT.ORDER.APPROVED"
    assert (event.provider_payment_id, event.status, event.captured) == (order_id, "succeeded", EUR_250)
    assert fake.orders[order_id]["status"] == "COMPLETED"


def test_a_refund_notification_names_the_order_through_its_capture(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    fake.approve(order_id)
    provider.capture(order_id)
    refund = provider.refund(provider_payment_id=order_id, amount=EUR_250, idempotency_key="rf-3")
    body, headers = fake.refund_completed(refund.provider_refund_id)

    event = provider.verify_webhook(body=body, headers=headers)

    assert event.kind == "PAYMENT.CAPTURE.REFUNDED"
    assert (event.provider_payment_id, event.provider_refund_id, event.refund_status) == (
        order_id,
        refund.provider_refund_id,
        "confirmed",
    )


def test_a_forged_notification_is_refused_by_paypals_verification(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    fake.approve(order_id)
    body, headers = fake.order_approved(order_id, signed=False)

    with pytest.raises(ProviderError, match="signature"):
        provider.verify_webhook(body=body, headers=headers)
    assert fake.orders[order_id]["status"] == "APPROVED"  # nothing captured on a forged word
    assert fake.captures == {}


def test_a_tampered_body_does_not_verify(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    fake.approve(order_id)
    provider.capture(order_id)
    body, headers = fake.capture_completed(order_id)
    tampered = body.replace(b'"250.00"', b'"2.50"')
    fake.signatures.discard(headers["PAYPAL-TRANSMISSION-SIG"])  # PayPal's signature covered the original bytes
    with pytest.raises(ProviderError, match="signature"):
        provider.verify_webhook(body=tampered, headers=headers)


@pytest.mark.parametrize(
    "change",
    [
        {"PAYPAL-TRANSMISSION-SIG": None},
        {"PAYPAL-CERT-URL": ""},
        {"PAYPAL-TRANSMISSION-TIME": "yesterday"},
        {"PAYPAL-TRANSMISSION-ID": "x" * 600},
    ],
)
def test_missing_or_unreadable_headers_are_refused_without_asking_paypal(fake, change):
    body, headers = fake.notification("PAYMENT.CAPTURE.COMPLETED", {"id": "C1"})
    for name, value in change.items():
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    with pytest.raises(ProviderError):
        PayPalProvider().verify_webhook(body=body, headers=headers)
    assert fake.calls_to("/verify-webhook-signature") == 0


def test_an_old_notification_is_refused_without_asking_paypal(fake, settings):
    settings.PAYPAL_WEBHOOK_TOLERANCE_SECONDS = 300
    body, headers = fake.notification("PAYMENT.CAPTURE.COMPLETED", {"id": "C1"}, sent_at=paypal_fake.stale(301))
    with pytest.raises(ProviderError, match="too old"):
        PayPalProvider().verify_webhook(body=body, headers=headers)
    assert fake.calls_to("/verify-webhook-signature") == 0


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"event_type": "PAYMENT.CAPTURE.COMPLETED"}', b"\xff\xfe"])
def test_a_body_that_is_no_paypal_event_is_refused(fake, body):
    _, headers = fake.notification("PAYMENT.CAPTURE.COMPLETED", {"id": "C1"})
    with pytest.raises(ProviderError):
        PayPalProvider().verify_webhook(body=body, headers=headers)
    assert fake.calls_to("/verify-webhook-signature") == 0


def test_a_capture_paypal_declines_is_a_failed_payment_not_an_error(fake):
    provider = PayPalProvider()
    order_id = start(provider).provider_payment_id
    fake.approve(order_id)
    fake.decline_captures = True

    found = provider.state(order_id)

    assert found.status == "failed" and "INSTRUMENT_DECLINED" in found.reason
    assert fake.captures == {}


def test_paypal_away_while_verifying_is_a_503_to_come_back_with(fake):
    body, headers = fake.notification("PAYMENT.CAPTURE.COMPLETED", {"id": "C1"})
    fake.down = True
    with pytest.raises(PaymentsUnavailable) as unavailable:
        PayPalProvider().verify_webhook(body=body, headers=headers)
    assert unavailable.value.retry_after >= 1
