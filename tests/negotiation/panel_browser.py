"""What the panel's browser tests share: the server as deployed, Debian's Chromium, and the parties' steps."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.utils.module_loading import import_string

from ocg import settings as project_settings
from ocg.identity.models import User
from tests.e2e.asgi_server import REPO_ROOT, Server, running_server
from tests.orders.api_support import PASSWORD
from tests.payments.stripe_support import WEBHOOK_SECRET

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "panel"
# Generous for a shared 2-core machine; nothing here asserts on time, it only bounds a wait.
WAIT_MS = 30_000
PHONE = {"width": 390, "height": 844}


def hashed_as_deployed(*users: User) -> None:
    """The shop's users are hashed with MD5 for speed; the server verifies with the project's hashers."""
    hasher = import_string(project_settings.PASSWORD_HASHERS[0])()
    password = hasher.encode(PASSWORD, hasher.salt())
    User.objects.filter(pk__in=[user.pk for user in users]).update(password=password)


@contextmanager
def panel_server(tmp_path: Path, localstripe: Any) -> Iterator[Server]:
    """The ASGI server with Stripe at localstripe (whose webhooks reach it) and its static files served."""
    overrides = {
        "DEBUG": "1",
        "STRIPE_SECRET_KEY": localstripe.secret_key,
        "STRIPE_API_BASE": localstripe.url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_PUBLISHABLE_KEY": "pk_test_ocg_panel",
        "RATE_LIMIT_IP_PER_MINUTE": "100000",
        "RATE_LIMIT_USER_PER_MINUTE": "100000",
        # Other tests of this worker sign in from 127.0.0.1 too, and the counters live in its Redis database.
        "RATE_LIMIT_AUTH_PER_MINUTE": "100000",
    }
    with running_server(tmp_path / "server.log", **overrides) as server:
        localstripe.register_webhook(f"{server.base}/api/payments/webhooks/stripe", WEBHOOK_SECRET, name="panel")
        try:
            yield server
        finally:
            localstripe.register_webhook("http://127.0.0.1:9/nowhere", WEBHOOK_SECRET, name="panel")


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Party:
    """One person at the panel, in a browser context of their own (their own cookies and memory)."""

    def __init__(self, browser: Any, server: Server, name: str, shots: Path, phone: bool = False) -> None:
        self.context = browser.new_context(viewport=PHONE if phone else None)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.server, self.name, self.shots = server, name, shots
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        self.page.on("pageerror", lambda failure: self.console.append(f"pageerror: {failure}"))
        self.page.on("response", self.note_failed_response)

    def note_failed_response(self, response: Any) -> None:
        if response.status >= 400:
            self.console.append(f"{response.status} {response.request.method} {response.url}")

    def report(self) -> str:
        notice = self.page.locator("#notice").text_content(timeout=1000) if self.page.locator("#notice").count() else ""
        return f"{self.name} at {self.page.url}: notice {notice!r}; " + "\n".join(self.console[-30:])

    def sign_in(self, email: str) -> None:
        page = self.page
        page.goto(f"{self.server.base}/panel/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/panel/orders/")
        page.get_by_text("Signed in as").wait_for()

    def open_order(self, number: str) -> None:
        self.page.get_by_role("link", name=number).first.click()
        self.page.wait_for_url("**/panel/orders/*/")
        self.page.locator("#order-number", has_text=number).wait_for()

    def status_is(self, status: str) -> None:
        self.page.locator(f'#order-status[data-status="{status}"]').wait_for()

    def shot(self, step: str) -> None:
        path = self.shots / f"{step}-{self.name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, ARTIFACTS / path.name)

    def propose(self, amount: str, note: str) -> None:
        page = self.page
        page.locator("#propose-form").wait_for()
        page.get_by_label("Total").fill(amount)
        page.get_by_label("Note").fill(note)
        page.locator("#propose-submit").click()


@contextmanager
def explained(server: Server, *parties: Party) -> Iterator[None]:
    """A failed step names what each page showed and logged, and the server's last lines."""
    try:
        yield
    except Exception as failure:
        reports = "\n".join(party.report() for party in parties)
        raise AssertionError(f"{failure}\n{reports}\nserver:\n{server.output()[-4000:]}") from failure
