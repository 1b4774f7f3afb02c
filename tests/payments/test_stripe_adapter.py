"""The Stripe adapter's own rules: Stripe's minor units (not CLDR's), and how Stripe's events read as ours."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ocg.payments.domain import ProviderError
from ocg.payments.providers.stripe import StripeProvider, from_stripe_units, to_stripe_units
from ocg.spine.domain.money import Money


@pytest.mark.parametrize(
    ("amount", "currency", "units"),
    [
        ("2400.00", "EUR", 240000),
        ("125000", "JPY", 125000),  # zero-decimal at Stripe and in CLDR
        ("1.230", "BHD", 1230),  # three decimals, the last one 0
        ("5000", "ISK", 500000),  # whole krónur to CLDR, two decimals in Stripe's API
        ("1500", "HUF", 150000),
        ("3200", "UGX", 3200),
    ],
)
def test_amounts_go_to_stripe_in_its_own_minor_units_and_come_back_equal(amount, currency, units):
    money = Money(Decimal(amount), currency)
    assert to_stripe_units(money) == units
    assert from_stripe_units(units, currency.lower()) == money


def test_an_amount_stripe_cannot_charge_is_refused_before_any_call():
    with pytest.raises(ProviderError) as refused:
        to_stripe_units(Money(Decimal("1.234"), "BHD"))
    assert refused.value.field == "amount"
    with pytest.raises(ProviderError):
        from_stripe_units("100", "eur")
    with pytest.raises(ProviderError):
        from_stripe_units(1050, "ISK")  # 10.50 krónur: not an amount any more


def adapter() -> StripeProvider:
    return StripeProvider(secret_key="sk_test_x", webhook_secret="whsec_x", api_base="http://127.0.0.1:9")


def test_refund_events_name_the_intent_and_the_refund():
    updated = adapter().webhook_event(
        {
            "id": "evt_1",
            "type": "refund.updated",
            "data": {"object": {"id": "re_1", "payment_intent": "pi_1", "status": "succeeded"}},
        }
    )
    assert (updated.provider_payment_id, updated.provider_refund_id) == ("pi_1", "re_1")
    assert updated.refund_status == "confirmed"
    refunded = adapter().webhook_event(
        {
            "id": "evt_2",
            "type": "charge.refunded",
            "data": {
                "object": {
                    "id": "ch_1",
                    "payment_intent": "pi_1",
                    "refunds": {
                        "data": [
                            {"id": "re_1", "status": "succeeded", "created": 1},
                            {"id": "re_2", "status": "succeeded", "created": 2},
                        ]
                    },
                }
            },
        }
    )
    assert (refunded.provider_refund_id, refunded.refund_status) == ("re_2", "confirmed")


@pytest.mark.parametrize(
    "event",
    [[], {"id": "evt_1"}, {"id": "nope", "type": "x", "data": {"object": {}}}, {"id": "evt_1", "type": 3, "data": {}}],
)
def test_an_event_that_is_not_stripes_is_refused(event):
    with pytest.raises(ProviderError):
        adapter().webhook_event(event)
