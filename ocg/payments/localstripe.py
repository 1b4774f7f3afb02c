"""localstripe (PyPI: a stateful fake of Stripe's API, a dev dependency) on a free port of 127.0.0.1, for
tests, benchmarks and `make run` without Stripe keys.

It keeps its objects in memory; its habit of pickling the whole store to a fixed file on every write is
switched off (it would grow with every intent, and copies running side by side would share the file). It
does not honour `Idempotency-Key` itself: two intents there for one key mean our own idempotency failed.
It posts webhooks, signed as Stripe signs them, to the URLs registered with `register_webhook`.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys

import requests

from ocg.spine.localbroker import free_port, wait_for_port

# Started as `python -c BOOT --port N --from-scratch`: localstripe's own entry point, without the pickling.
BOOT = (
    "import localstripe.resources as resources; "
    "resources.Store.dump_to_disk = lambda self: None; "
    "from localstripe.server import start; start()"
)
# localstripe accepts any key of the right shape; this one only ever reaches it.
SECRET_KEY = "sk_test_ocg_localstripe"  # noqa: S105
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Linux: the child is sent SIGTERM when the thread that started it ends, however its process ends (a
    server stopped by SIGTERM does not run its `finally` blocks)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class LocalStripe:
    """One localstripe process; stop and start it again on the same port (its objects are then gone). Start
    it from a thread that lives as long as it should (the main one): it goes when that thread does."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret_key = SECRET_KEY
        self.process: subprocess.Popen | None = None

    def start(self) -> LocalStripe:
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter running the installed package
            [sys.executable, "-c", BOOT, "--port", str(self.port), "--from-scratch"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent if sys.platform == "linux" else None,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def register_webhook(self, url: str, secret: str, name: str = "ocg") -> None:
        """localstripe posts every event to `url`, signed with `secret`; one name, one URL (registering again
        replaces it)."""
        answer = requests.post(f"{self.url}/_config/webhooks/{name}", data={"url": url, "secret": secret}, timeout=5)
        answer.raise_for_status()

    def flush(self) -> None:
        """Forget every object (intents, charges, refunds, events)."""
        requests.delete(f"{self.url}/_config/data", timeout=5).raise_for_status()
