"""`catalog`: the storefront listing over HTTP at 100,000 products, against a plain Django view.

The query is a listing page: `products(filter: {category, priceMin, priceMax, currency}, first: 48)`
with name, slug, price, designer name, first image URL and in-stock. Each request takes the next of a
fixed list of realistic combinations (a department, section or leaf category with a price band), so
it measures the query rather than one page. The server runs with the hot-listing cache OFF
(CATALOG_LISTING_CACHE_SECONDS=0): every request reads the database, as a cache miss does.

The server is uvicorn with two workers and the pool, as deployed, on the benchmark database; its
URL configuration (ocg/catalog/bench/urls.py) adds the baseline view (bench/baseline.py), which runs
the same SQL and answers the same rows as JSON. Before timing, every combination is asked of both
and their rows compared. Four client threads alternate between the two in rounds, so both see the
same machine. The SQL count is taken in this process for one request at `first: 12` and `first: 48`
and must be equal.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import time
import urllib.parse
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils.text import slugify

from ocg.catalog.bench.catalog_seed import ensure_seeded
from ocg.catalog.seeding import vocabulary
from ocg.spine.bench.common import percentile, run_threads, say, start_server, stop_server
from ocg.spine.localbroker import free_port

CLIENT_THREADS = 4
PAGE = 48
PRODUCTS, QUICK_PRODUCTS = 100_000, 20_000
SECONDS, QUICK_SECONDS = 20.0, 5.0
ROUNDS = 2
QUERY = """{ products(filter: {category: %s, priceMin: %s, priceMax: %s, currency: %s}, first: %d) {
  edges { node { name slug price { amount currency } designer { name } thumbnail { url } inStock } } } }"""
# A broad listing, so that a page of 48 is full and one of 12 is a part of it.
COUNTED = ("women", "300", "5000", "EUR")
SERVER_SETTINGS = {"ROOT_URLCONF": "ocg.catalog.bench.urls"}
# As deployed, hot listing pages are answered from the cache; the query itself is measured with it off.
CACHE_ON, CACHE_OFF = {}, {"CATALOG_LISTING_CACHE_SECONDS": "0"}


def combinations() -> list[tuple[str, str, str, str]]:
    """(category slug, price min, price max, currency): leaves with two bands of their range, sections and
    departments with broad bands, and a few in pounds and dollars."""
    found: list[tuple[str, str, str, str]] = []
    sections: set[tuple[str, str]] = set()
    for department, sections_ in vocabulary.CATEGORY_TREE.items():
        for section, kinds in sections_.items():
            sections.add((department, section))
            for leaf, kind in kinds.items():
                slug = slugify(f"{department}-{section}-{leaf}")
                low, high = kind.price_range
                middle = (low + high) // 2
                found.append((slug, str(low), str(middle), "EUR"))
                found.append((slug, str(middle - (middle - low) // 2), str(high), "EUR"))
    for department, section in sorted(sections):
        found.append((slugify(f"{department}-{section}"), "300", "2500", "EUR"))
    for department in vocabulary.CATEGORY_TREE:
        found.append((slugify(department), "500", "3000", "EUR"))
        found.append((slugify(department), "400", "2600", "GBP"))
        found.append((slugify(department), "550", "3300", "USD"))
    return found


def graphql_body(combination: tuple[str, str, str, str], first: int = PAGE) -> bytes:
    category, low, high, currency = (json.dumps(part) for part in combination)
    return json.dumps({"query": QUERY % (category, low, high, currency, first)}).encode()


def baseline_path(combination: tuple[str, str, str, str], first: int = PAGE) -> str:
    category, low, high, currency = combination
    query = urllib.parse.urlencode(
        {"category": category, "priceMin": low, "priceMax": high, "currency": currency, "first": first}
    )
    return f"/bench/catalog/listing?{query}"


def graphql_rows(payload: bytes) -> list[dict[str, Any]]:
    answer = json.loads(payload)
    if answer.get("errors"):
        raise RuntimeError(f"/graphql answered errors: {answer['errors'][:2]}")
    return [edge["node"] for edge in answer["data"]["products"]["edges"]]


class Client4:
    """One keep-alive connection per client thread, each timing its own requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(CLIENT_THREADS)]
        self.latencies: list[list[float]] = [[] for _ in range(CLIENT_THREADS)]
        self.turns = [index * 7 for index in range(CLIENT_THREADS)]

    def request(self, index: int, method: str, path: str, body: bytes | None = None) -> bytes:
        link = self.connections[index]
        headers = {"Content-Type": "application/json"} if body is not None else {}
        started = time.perf_counter()
        link.request(method, path, body=body, headers=headers)
        response = link.getresponse()
        payload = response.read()
        self.latencies[index].append((time.perf_counter() - started) * 1000)
        if response.status != 200 or b'"errors"' in payload[:20]:
            raise RuntimeError(f"{method} {path[:60]} answered {response.status}: {payload[:300]!r}")
        return payload

    def reconnect(self) -> None:
        """Fresh connections, opened before the clock: the server closes ones idle past its keep-alive."""
        self.close()
        self.connections = [
            http.client.HTTPConnection("127.0.0.1", self.port, timeout=30) for _ in range(CLIENT_THREADS)
        ]
        for link in self.connections:
            link.connect()

    def timed(self, seconds: float, send: Callable[[int, tuple[str, str, str, str]], bytes]) -> float:
        chosen = combinations()
        self.reconnect()

        def one(index: int) -> None:
            self.turns[index] += 1
            send(index, chosen[self.turns[index] % len(chosen)])

        return run_threads(CLIENT_THREADS, seconds, one)

    def sorted_latencies(self) -> list[float]:
        return sorted(value for per_thread in self.latencies for value in per_thread)

    def close(self) -> None:
        for link in self.connections:
            link.close()


def check_same_rows(client: Client4) -> int:
    """Every combination answers the same rows both ways; returns how many rows they came to."""
    total = 0
    for combination in combinations():
        expected = graphql_rows(client.request(0, "POST", "/graphql", graphql_body(combination)))
        baseline = json.loads(client.request(0, "GET", baseline_path(combination)))["products"]
        if expected != baseline:
            raise RuntimeError(f"the baseline's rows differ from the listing's for {combination}")
        total += len(expected)
    client.latencies[0].clear()
    return total


def queries_per_request(first: int, combination: tuple[str, str, str, str] = COUNTED) -> int:
    """SQL statements one listing request runs, counted in this process (cache off, as on the server)."""
    cache.clear()
    client = Client(HTTP_HOST="localhost")
    body = graphql_body(combination, first)
    request_log = logging.getLogger("ocg.request")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    try:
        with override_settings(CATALOG_LISTING_CACHE_SECONDS=0):
            client.post("/graphql", body, content_type="application/json")  # warm: first-use lookups don't count
            with CaptureQueriesContext(connection) as captured:
                response = client.post("/graphql", body, content_type="application/json")
    finally:
        request_log.setLevel(level)
    if response.status_code != 200 or response.json().get("errors"):
        raise RuntimeError(f"in-process /graphql answered {response.status_code}: {response.content[:300]!r}")
    return len(captured.captured_queries)


@contextmanager
def server_environment(extra: dict[str, str]) -> Any:
    wanted = {**SERVER_SETTINGS, **extra}
    previous = {name: os.environ.get(name) for name in [*wanted, *CACHE_OFF]}
    for name in CACHE_OFF:
        os.environ.pop(name, None)
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(quick: bool) -> dict:
    target = QUICK_PRODUCTS if quick else PRODUCTS
    seconds = QUICK_SECONDS if quick else SECONDS
    call_command("migrate", verbosity=0, interactive=False)
    seeding = ensure_seeded(target)
    sql_small, sql_page = queries_per_request(12), queries_per_request(PAGE)
    if sql_small != sql_page:
        raise RuntimeError(f"SQL per request grows with the page: {sql_small} at 12, {sql_page} at {PAGE}")
    cached = measure(CACHE_ON, seconds)
    uncached = measure(CACHE_OFF, seconds)
    return {
        **cached,
        **{f"uncached_{name}": value for name, value in uncached.items()},
        "sql_queries_per_request": sql_page,
        "sql_queries_first_12": sql_small,
        "combinations": len(combinations()),
        "client_threads": CLIENT_THREADS,
        **seeding,
    }


def measure(server_settings: dict[str, str], seconds: float) -> dict[str, float]:
    """GraphQL and the plain view against one server, in alternating rounds of equal length."""
    redis_url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    port = free_port()
    with server_environment(server_settings):
        server = start_server(port, redis_url)
    graphql, baseline = Client4(port), Client4(port)
    label = "listing cache off" if server_settings else "as deployed"
    try:
        rows = check_same_rows(graphql)
        say(f"{label}: {len(combinations())} combinations, {rows} rows, the same both ways")
        rates: dict[str, list[float]] = {"graphql": [], "baseline": []}
        for round_number in range(ROUNDS):
            say(f"{label}, round {round_number + 1}: GraphQL then the plain view, {seconds / ROUNDS:.0f} s each")
            rates["graphql"].append(
                graphql.timed(seconds / ROUNDS, lambda i, c: graphql.request(i, "POST", "/graphql", graphql_body(c)))
            )
            rates["baseline"].append(
                baseline.timed(seconds / ROUNDS, lambda i, c: baseline.request(i, "GET", baseline_path(c)))
            )
    finally:
        graphql.close()
        baseline.close()
        stop_server(server)
    latencies = graphql.sorted_latencies()
    raw_latencies = baseline.sorted_latencies()
    rps = sum(rates["graphql"]) / ROUNDS
    raw_rps = sum(rates["baseline"]) / ROUNDS
    return {
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "rps": round(rps, 1),
        "raw_p50_ms": round(percentile(raw_latencies, 0.5), 2),
        "raw_p99_ms": round(percentile(raw_latencies, 0.99), 2),
        "raw_rps": round(raw_rps, 1),
        "ratio": round(rps / raw_rps, 3),
    }
