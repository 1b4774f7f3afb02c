"""Refunds over GraphQL, end to end on real components (PayPal faked at the HTTP layer): the customer asks,
staff approve (partly) or reject, the provider sends the money back; the reads show it with constant SQL."""

from __future__ import annotations

import base64
import json
from uuid import uuid4

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocg.payments.models import PaymentAuditEntry, RefundView
from tests.payments import refund_support
from tests.payments.refund_support import graphql, paid_order, wait_for_refund

shop = refund_support.shop
followers = refund_support.followers
paypal = refund_support.paypal

REFUND_FIELDS = """id state requested { amount currency } approved { amount currency } reason note skus
    madeToOrder slaState dueAt requestedAt closedAt orderId"""
REQUEST = f"""
mutation($order: UUID!, $reason: String!, $amount: String, $skus: [String!], $key: String) {{
  refundRequest(orderId: $order, reason: $reason, amount: $amount, skus: $skus, idempotencyKey: $key) {{
    id pending errors {{ field code message }} result {{ {REFUND_FIELDS} }}
  }}
}}"""
APPROVE = f"""
mutation($refund: UUID!, $amount: String, $note: String) {{
  refundApprove(refundId: $refund, amount: $amount, note: $note) {{
    pending errors {{ field code message }} result {{ {REFUND_FIELDS} }}
  }}
}}"""
REJECT = f"""
mutation($refund: UUID!, $note: String!) {{
  refundReject(refundId: $refund, note: $note) {{ errors {{ field code message }} result {{ {REFUND_FIELDS} }} }}
}}"""
ORDER_PAYMENTS = """
query($order: UUID!) {
  orderPayments(orderId: $order) {
    id provider status amount { amount } captured { amount } refunded { amount } refundable { amount }
    refunds { id state approved { amount } }
  }
}"""
ORDER_WITH_PAYMENTS = """
query($order: UUID!) { order(id: $order) { status payments { provider status refunds { id state } } } }"""
MY_REFUNDS = """
query($first: Int, $after: String) {
  myRefunds(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id state requested { amount } } }
  }
}"""
STAFF_REFUNDS = """
query($status: [RefundState!], $sla: [RefundSlaState!], $first: Int, $after: String) {
  refunds(status: $status, slaState: $sla, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id state slaState madeToOrder } }
  }
}"""


def ask(client, user, order, reason="Too long in the sleeves", key=None, **arguments):
    return graphql(client, user, REQUEST, order=str(order), reason=reason, key=key or str(uuid4()), **arguments)


def test_a_customer_asks_for_some_lines_staff_approve_less_and_paypal_sends_it_back(client, shop, followers, paypal):
    order = paid_order(paypal, shop.cleo, **{"COAT-M": 1, "GOWN-M": 1})

    key = str(uuid4())
    asked = ask(client, shop.cleo, order, key=key, skus=["gown-m"])["data"]["refundRequest"]
    assert asked["errors"] == [] and asked["pending"] is False
    refund = asked["result"]
    assert (refund["state"], refund["requested"], refund["skus"]) == (
        "REQUESTED",
        {"amount": "2400.00", "currency": "EUR"},
        ["GOWN-M"],
    )
    assert refund["madeToOrder"] is True, "the gown is made to order: Art. 16 applies"
    assert refund["slaState"] == "ON_TIME" and refund["closedAt"] is None
    replay = ask(client, shop.cleo, order, key=key, skus=["gown-m"])["data"]["refundRequest"]
    assert replay["result"]["id"] == refund["id"], "a retried request with its key asks once"
    assert RefundView.objects.count() == 1

    approved = graphql(client, shop.staff, APPROVE, refund=refund["id"], amount="2000.00", note="Worn once")
    answer = approved["data"]["refundApprove"]
    assert answer["errors"] == []
    assert answer["result"]["approved"] == {"amount": "2000.00", "currency": "EUR"}
    assert answer["result"]["note"] == "Worn once"
    wait_for_refund(refund["id"], "confirmed")
    assert len(paypal.refunds) == 1 and next(iter(paypal.refunds.values()))["amount"]["value"] == "2000.00"

    payments = graphql(client, shop.cleo, ORDER_PAYMENTS, order=str(order))["data"]["orderPayments"]
    assert [(p["provider"], p["status"]) for p in payments] == [("paypal", "PARTIALLY_REFUNDED")]
    assert payments[0]["captured"] == {"amount": "3600.00"} and payments[0]["refunded"] == {"amount": "2000.00"}
    assert payments[0]["refundable"] == {"amount": "1600.00"}
    assert payments[0]["refunds"] == [{"id": refund["id"], "state": "CONFIRMED", "approved": {"amount": "2000.00"}}]
    assert graphql(client, shop.dan, ORDER_PAYMENTS, order=str(order))["data"]["orderPayments"] == []
    assert graphql(client, shop.ada, ORDER_PAYMENTS, order=str(order))["data"]["orderPayments"][0]["id"]
    on_the_order = graphql(client, shop.cleo, ORDER_WITH_PAYMENTS, order=str(order))["data"]["order"]
    assert on_the_order["payments"] == [
        {"provider": "paypal", "status": "PARTIALLY_REFUNDED", "refunds": [{"id": refund["id"], "state": "CONFIRMED"}]}
    ]
    assert graphql(client, shop.dan, ORDER_WITH_PAYMENTS, order=str(order))["data"]["order"] is None

    kinds = list(PaymentAuditEntry.objects.filter(order_id=order).order_by("version").values_list("kind", "actor_id"))
    assert ("refund_requested", shop.cleo.id) in kinds and ("refund_approved", shop.staff.id) in kinds
    assert [kind for kind, _ in kinds][-2:] == ["refund_sent", "refund_confirmed"]


def test_partial_refunds_add_up_and_are_capped_at_what_was_captured(client, shop, followers, paypal):
    order = paid_order(paypal, shop.cleo, **{"COAT-M": 1})
    first = ask(client, shop.cleo, order, amount="700.00")["data"]["refundRequest"]["result"]
    second = ask(client, shop.cleo, order, amount="500.00")["data"]["refundRequest"]["result"]
    assert (first["requested"]["amount"], second["requested"]["amount"]) == ("700.00", "500.00")

    over = ask(client, shop.cleo, order, amount="0.01")["data"]["refundRequest"]
    assert over["result"] is None
    assert [(e["field"], e["code"]) for e in over["errors"]] == [("amount", "invalid_refund")]
    assert "At most 0.00 EUR" in over["errors"][0]["message"]

    rejected = graphql(client, shop.staff, REJECT, refund=second["id"], note="Outside the window")
    assert rejected["data"]["refundReject"]["result"]["state"] == "REJECTED"
    third = ask(client, shop.cleo, order, amount="500.01")["data"]["refundRequest"]
    assert [e["code"] for e in third["errors"]] == ["invalid_refund"], "a rejected refund frees only its own share"
    rest = ask(client, shop.cleo, order)["data"]["refundRequest"]["result"]
    assert rest["requested"]["amount"] == "500.00", "no amount: all that is left"

    more = graphql(client, shop.staff, APPROVE, refund=first["id"], amount="700.01")["data"]["refundApprove"]
    assert [(e["field"], e["code"]) for e in more["errors"]] == [("amount", "invalid_refund")]
    for refund in (first, rest):
        assert graphql(client, shop.staff, APPROVE, refund=refund["id"])["data"]["refundApprove"]["errors"] == []
    wait_for_refund(rest["id"], "confirmed")
    wait_for_refund(first["id"], "confirmed")
    payment = graphql(client, shop.cleo, ORDER_PAYMENTS, order=str(order))["data"]["orderPayments"][0]
    assert (payment["status"], payment["refunded"], payment["refundable"]) == (
        "REFUNDED",
        {"amount": "1200.00"},
        {"amount": "0.00"},
    )
    assert sorted(r["amount"]["value"] for r in paypal.refunds.values()) == ["500.00", "700.00"]
    after = ask(client, shop.cleo, order, amount="1.00")["data"]["refundRequest"]
    assert [e["code"] for e in after["errors"]] == ["invalid_refund"], "a wholly refunded payment takes no more"


def test_refusals_name_the_field_and_change_nothing(client, shop, followers, paypal):
    order = paid_order(paypal, shop.cleo, **{"COAT-M": 1})
    [unpaid] = refund_support.place(shop.dan, **{"SHIRT-M": 1})
    before = PaymentAuditEntry.objects.count()

    cases = [
        (shop.dan, {"order": order}, [("orderId", "permission_denied")]),
        (shop.dan, {"order": unpaid}, [("orderId", "invalid_refund")]),
        (shop.cleo, {"order": order, "skus": ["SHIRT-M"]}, [("skus.0", "invalid_refund")]),
        (shop.cleo, {"order": order, "amount": "12.345"}, [("amount", "invalid_refund")]),
        (shop.cleo, {"order": order, "amount": "-5"}, [("amount", "invalid_refund")]),
        (shop.cleo, {"order": order, "reason": "   "}, [("reason", "invalid_refund")]),
    ]
    for user, arguments, expected in cases:
        answer = ask(client, user, **{"reason": "Because", **arguments})["data"]["refundRequest"]
        assert [(e["field"], e["code"]) for e in answer["errors"]] == expected, (arguments, answer["errors"])
        assert answer["result"] is None
    assert PaymentAuditEntry.objects.count() == before and RefundView.objects.count() == 0

    refund = ask(client, shop.cleo, order)["data"]["refundRequest"]["result"]
    as_customer = graphql(client, shop.cleo, REJECT, refund=refund["id"], note="No")["data"]["refundReject"]
    assert [e["code"] for e in as_customer["errors"]] == ["permission_denied"]
    blank = graphql(client, shop.staff, REJECT, refund=refund["id"], note="")["data"]["refundReject"]
    assert [(e["field"], e["code"]) for e in blank["errors"]] == [("note", "invalid_refund")]
    unknown = graphql(client, shop.staff, APPROVE, refund=str(uuid4()))["data"]["refundApprove"]
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("refundId", "not_found")]
    assert RefundView.objects.get().state == "requested"
    twice = [graphql(client, shop.staff, REJECT, refund=refund["id"], note="Worn") for _ in "ab"]
    twice = [answer["data"]["refundReject"] for answer in twice]
    assert twice[0]["errors"] == [] and [e["code"] for e in twice[1]["errors"]] == ["invalid_refund"]


def test_lists_page_by_keyset_with_constant_sql_and_staff_filter_by_state(client, shop, followers, paypal):
    orders = [paid_order(paypal, shop.cleo, **{"COAT-M": 1}), paid_order(paypal, shop.cleo, **{"GOWN-M": 1})]
    ids = []
    for order in orders:
        for amount in ("10.00", "20.00"):
            ids.append(ask(client, shop.cleo, order, amount=amount)["data"]["refundRequest"]["result"]["id"])
    graphql(client, shop.staff, REJECT, refund=ids[0], note="No")

    def counted(user, query, **variables):
        with CaptureQueriesContext(connection) as captured:
            body = graphql(client, user, query, **variables)
        return body, len(captured.captured_queries)

    small, small_queries = counted(shop.cleo, MY_REFUNDS, first=1)
    large, large_queries = counted(shop.cleo, MY_REFUNDS, first=20)
    assert small_queries == large_queries, "the SQL does not grow with the page"
    assert [edge["node"]["id"] for edge in large["data"]["myRefunds"]["edges"]] == ids[::-1]
    assert small["data"]["myRefunds"]["totalCount"] == 4 and small["data"]["myRefunds"]["pageInfo"]["hasNextPage"]
    after = small["data"]["myRefunds"]["pageInfo"]["endCursor"]
    rest = graphql(client, shop.cleo, MY_REFUNDS, first=20, after=after)["data"]["myRefunds"]
    assert [edge["node"]["id"] for edge in rest["edges"]] == ids[::-1][1:]
    assert graphql(client, shop.dan, MY_REFUNDS)["data"]["myRefunds"]["totalCount"] == 0

    requested = graphql(client, shop.staff, STAFF_REFUNDS, status=["REQUESTED"], sla=["ON_TIME"])["data"]["refunds"]
    assert {edge["node"]["id"] for edge in requested["edges"]} == set(ids[1:])
    assert {edge["node"]["madeToOrder"] for edge in requested["edges"]} == {True, False}
    wrong = graphql(client, shop.staff, STAFF_REFUNDS, status=["REJECTED"], after=after)
    assert wrong["data"] is None and wrong["errors"][0]["extensions"] == {"code": "invalid", "field": "after"}
    forged = base64.urlsafe_b64encode(json.dumps([1, "x", "2026-01-01T00:00:00+00:00", 5]).encode()).decode()
    for cursor in (forged, "not a cursor", "e30"):
        refused = graphql(client, shop.cleo, MY_REFUNDS, after=cursor)
        assert refused["errors"][0]["extensions"] == {"code": "invalid", "field": "after"}, cursor
    denied = graphql(client, shop.cleo, STAFF_REFUNDS)
    assert denied["errors"][0]["extensions"]["code"] == "permission_denied"
    too_many = graphql(client, shop.staff, STAFF_REFUNDS, first=101)
    assert too_many["errors"][0]["extensions"] == {"code": "invalid", "field": "first"}

    retried = paid_order(paypal, shop.cleo, given_up=2, **{"SHOE-M": 1})
    ask(client, shop.cleo, retried, amount="5.00")
    one, one_queries = counted(shop.cleo, ORDER_PAYMENTS, order=str(orders[0]))
    three, three_queries = counted(shop.cleo, ORDER_PAYMENTS, order=str(retried))
    assert len(one["data"]["orderPayments"]) == 1 and len(one["data"]["orderPayments"][0]["refunds"]) == 2
    assert [p["status"] for p in three["data"]["orderPayments"]] == ["CANCELLED", "CANCELLED", "SUCCEEDED"]
    assert one_queries == three_queries, "every payment's refunds in one query"
