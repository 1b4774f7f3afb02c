"""The order panel in Debian's Chromium: a customer and a designer, each in a browser context of their own,
negotiate the price (a proposal, a counter, an acceptance), then the customer pays the agreed total by card at
localstripe and both see the order paid. The chat part runs once the chat's socket route exists.

localstripe's stand-in for Stripe.js cannot put a card on an existing PaymentIntent (its
`confirmCardPayment` only completes a 3-D Secure step), so the test does that part as Stripe's card step
would, with a card that asks for 3-D Secure; the page's own `confirmCardPayment` then finishes the payment.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ocg.orders.models import OrderView
from tests.negotiation.panel_browser import Party, chromium, explained, hashed_as_deployed, panel_server
from tests.orders import api_support
from tests.orders.api_support import place, wait_for_status
from tests.payments.stripe_support import intents_for_order, stripe_client

shop = api_support.shop
followers = api_support.followers
THREE_D_SECURE_CARD = {"number": "4000002760003184", "exp_month": 12, "exp_year": 2034, "cvc": "123"}


@pytest.fixture
def confirmed_order(shop, followers, monkeypatch):
    """A confirmed GOWN-M order of Cleo's, designed by Ada; both can sign in on the server as deployed."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    hashed_as_deployed(shop.cleo, shop.ada)
    [order_id] = place(shop.cleo, **{"GOWN-M": 1})
    wait_for_status(order_id, "confirmed")
    return OrderView.objects.get(id=order_id)


def card_step_at_stripe(localstripe, order_id) -> None:
    """What Stripe.js's card step does with the client secret: a (3-D Secure) card on the intent, confirmed."""
    [intent] = intents_for_order(localstripe, order_id)
    client = stripe_client(localstripe)
    method = client.v1.payment_methods.create(params={"type": "card", "card": THREE_D_SECURE_CARD})
    client.v1.payment_intents.update(intent.id, params={"payment_method": method.id})
    assert client.v1.payment_intents.confirm(intent.id).status == "requires_action"


def test_customer_and_designer_agree_a_price_and_the_customer_pays_it(
    shop, confirmed_order, localstripe, tmp_path: Path
):
    order = confirmed_order
    with panel_server(tmp_path, localstripe) as server, chromium() as browser:
        cleo = Party(browser, server, "customer", tmp_path, phone=True)
        ada = Party(browser, server, "designer", tmp_path)
        with explained(server, cleo, ada):
            cleo.sign_in(shop.cleo.email)
            ada.sign_in(shop.ada.email)
            ada.page.locator("#designer-orders").get_by_role("link", name=order.number).wait_for()
            cleo.shot("01-orders")
            ada.shot("01-orders")

            cleo.open_order(order.number)
            ada.page.locator("#designer-orders").get_by_role("link", name=order.number).click()
            ada.page.locator("#order-number", has_text=order.number).wait_for()
            cleo.page.get_by_role("button", name="Negotiate the price").click()
            cleo.status_is("NEGOTIATING")

            cleo.propose("2000.00", "Would you make it for 2000?")
            ada.page.locator("#open-proposal", has_text="2000.00 EUR").wait_for()
            ada.shot("02-proposal")
            ada.propose("2150.00", "2150, made to your measurements.")
            cleo.page.locator("#open-proposal", has_text="2150.00 EUR").wait_for()
            cleo.page.locator("#proposal-history", has_text="countered").wait_for()
            cleo.shot("03-counter")

            cleo.page.get_by_role("button", name="Accept").click()
            cleo.status_is("AWAITING_PAYMENT")
            ada.status_is("AWAITING_PAYMENT")
            cleo.page.locator("#order-total", has_text="2150.00 EUR").wait_for()
            ada.page.locator("#open-proposal", has_text="Agreed price: 2150.00 EUR").wait_for()
            assert ada.page.locator("#pay-section").is_hidden(), "only the customer pays"

            cleo.page.locator("#pay-amount", has_text="2150.00 EUR").wait_for()
            cleo.page.get_by_role("button", name="Pay by card").click()
            cleo.page.locator("#card-element input").first.wait_for()
            cleo.shot("04-card")
            [intent] = intents_for_order(localstripe, order.id)
            assert (intent.amount, intent.currency) == (215000, "eur"), "the agreed total is charged"
            card_step_at_stripe(localstripe, order.id)
            cleo.page.get_by_role("button", name="Confirm payment").click()
            cleo.page.get_by_role("button", name="Complete authentication").click()

            cleo.status_is("PAID")
            cleo.page.get_by_text("This order is paid.").wait_for()
            ada.status_is("PAID")
            cleo.shot("05-paid")
            ada.shot("05-paid")
            assert not [line for line in cleo.console + ada.console if "Content Security Policy" in line]

    wait_for_status(order.id, "paid")


def test_both_parties_see_every_message_and_system_message_live(shop, confirmed_order, localstripe, tmp_path: Path):
    order = confirmed_order
    with panel_server(tmp_path, localstripe) as server, chromium() as browser:
        cleo = Party(browser, server, "customer", tmp_path)
        ada = Party(browser, server, "designer", tmp_path)
        with explained(server, cleo, ada):
            for party, user in ((cleo, shop.cleo), (ada, shop.ada)):
                party.sign_in(user.email)
                party.page.goto(f"{server.base}/panel/orders/{order.id}/")
                party.page.get_by_text("Connected.").wait_for()

            def everyone_sees(text: str, system: bool = False) -> None:
                kind = "system" if system else "user"
                for party in (cleo, ada):
                    party.page.locator(f'#chat-log li[data-kind="{kind}"]', has_text=text).first.wait_for()

            def say(party: Party, text: str) -> None:
                party.page.get_by_label("Message").fill(text)
                party.page.get_by_role("button", name="Send").click()

            say(cleo, "Hello Ada, could the gown be longer?")
            everyone_sees("Hello Ada, could the gown be longer?")
            say(ada, "Yes, for a little more.")
            everyone_sees("Yes, for a little more.")

            cleo.page.get_by_role("button", name="Negotiate the price").click()
            cleo.propose("2000.00", "Longer, for 2000?")
            everyone_sees("2000.00", system=True)
            ada.propose("2150.00", "2150 with the longer hem.")
            everyone_sees("2150.00", system=True)
            cleo.page.get_by_role("button", name="Accept").click()
            cleo.status_is("AWAITING_PAYMENT")
            everyone_sees("2150.00", system=True)
            cleo.shot("chat-customer")
            ada.shot("chat-designer")
