"""Requesting a custom price when placing: customizable pieces only, recorded on Placed and repeated on Confirmed;
events stored before the field existed read as a plain order. No database."""

from __future__ import annotations

import pytest

from ocg.orders.domain import InvalidOrder, Order
from tests.orders.test_domain import PAY_BY, line, placed


@pytest.mark.parametrize(
    ("customizable", "requested", "refused"),
    [
        ((True,), True, None),
        ((True, True), True, None),
        ((True, False), True, ["COAT-1"]),
        ((False,), True, ["COAT-0"]),
        ((False, False), False, None),
        ((True, False), False, None),
    ],
)
def test_a_custom_price_is_requested_for_customizable_pieces_only(customizable, requested, refused):
    lines = [line(sku=("GOWN" if custom else "COAT") + f"-{i}", custom=custom) for i, custom in enumerate(customizable)]
    if refused:
        with pytest.raises(InvalidOrder) as caught:
            placed(*lines, custom_price_requested=requested)
        assert (caught.value.code, caught.value.field) == ("not_customizable", "request_custom_price")
        assert all(sku in str(caught.value) for sku in refused)
        return
    order = placed(*lines, custom_price_requested=requested)
    assert order.custom_price_requested is requested
    order.confirm(PAY_BY)
    placed_event, confirmed = order.collect_events()
    assert placed_event.custom_price_requested is requested
    assert confirmed.custom_price_requested is requested


def test_events_stored_before_the_request_existed_read_as_a_plain_order():
    order = placed(line(custom=True))
    order.confirm(PAY_BY)
    events = order.collect_events()
    old = []
    for stored in events:
        state = {k: v for k, v in stored.__dict__.items() if k != "custom_price_requested"}
        copy = object.__new__(type(stored))
        copy.__dict__.update(state)
        old.append(copy)
    assert all(e.custom_price_requested is False for e in old)
    replayed = None
    for e in old:
        replayed = e.mutate(replayed)
    assert isinstance(replayed, Order)
    assert replayed.custom_price_requested is False and replayed.status == "confirmed"
