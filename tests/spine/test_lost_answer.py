"""A commit whose answer never arrived: the writer's retry must find it, not write the change again.

A small TCP proxy sits between a catalog application and PostgreSQL. Armed with a marker, it
lets the request carrying the marker through and then cuts the connection instead of passing
the server's answer on (the insert is autocommit, so the server has committed by then), or
cuts it before the request reaches the server at all.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from ocg.catalog.application import CatalogApplication
from ocg.catalog.domain import ProductSlug
from ocg.spine.eventstore import events_table, eventsourcing_environment, postgres_conninfo
from tests.spine.workload import create_product, open_profile, rename_product

SSL_REQUEST = struct.pack("!ii", 8, 80877103)
GSSENC_REQUEST = struct.pack("!ii", 8, 80877104)


class CuttingProxy:
    """Forwards PostgreSQL's wire protocol; once armed, cuts the one connection that sends the marker."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.marker: bytes | None = None
        self.withhold_request = False
        self.before_cut: Callable[[], None] | None = None
        self.cut = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, marker: bytes, *, withhold_request: bool = False, before_cut: Callable[[], None] | None = None):
        with self._lock:
            self.marker, self.withhold_request, self.before_cut = marker, withhold_request, before_cut

    def close(self) -> None:
        """Shut down, not just close: a socket closed under a thread blocked in recv stays open."""
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self._sockets:
            _shut(sock)

    def _take_trigger(self, data: bytes) -> bool:
        with self._lock:
            if self.marker is None or self.marker not in data:
                return False
            self.marker = None
            return True

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            threading.Thread(target=self._serve, args=(client, server), daemon=True).start()

    def _serve(self, client: socket.socket, server: socket.socket) -> None:
        """Refuses TLS itself, so the proxy can read the requests, then pipes both ways."""
        try:
            while (first := client.recv(65536)) in (SSL_REQUEST, GSSENC_REQUEST):
                client.sendall(b"N")
            server.sendall(first)
        except OSError:
            return
        answer_withheld = threading.Event()
        threading.Thread(target=self._answers, args=(server, client, answer_withheld), daemon=True).start()
        self._requests(client, server, answer_withheld)

    def _requests(self, client: socket.socket, server: socket.socket, answer_withheld: threading.Event) -> None:
        while True:
            try:
                data = client.recv(65536)
                if not data:
                    break
                if self._take_trigger(data):
                    if self.withhold_request:
                        if self.before_cut is not None:
                            self.before_cut()
                        self._cut(client, server)
                        return
                    answer_withheld.set()
                server.sendall(data)
            except OSError:
                break
        self._cut(client, server, count=False)

    def _answers(self, server: socket.socket, client: socket.socket, answer_withheld: threading.Event) -> None:
        while True:
            try:
                data = server.recv(65536)
                if not data:
                    break
                if answer_withheld.is_set():
                    self._cut(client, server)
                    return
                client.sendall(data)
            except OSError:
                break
        self._cut(client, server, count=False)

    def _cut(self, client: socket.socket, server: socket.socket, *, count: bool = True) -> None:
        _shut(client)
        _shut(server)
        if count:
            self.cut.set()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def proxy(settings) -> Iterator[CuttingProxy]:
    cutting = CuttingProxy(int(settings.DATABASES["default"].get("PORT") or 5432))
    yield cutting
    cutting.close()


@pytest.fixture
def proxied_catalog(catalog, proxy) -> Iterator[CatalogApplication]:
    """A second catalog application on the same events table, whose every connection runs through the proxy."""
    application = CatalogApplication(env={**eventsourcing_environment("catalog"), "POSTGRES_PORT": str(proxy.port)})
    yield application
    application.close()


def stored_events(catalog) -> list[tuple[uuid.UUID, int]]:
    with psycopg.connect(postgres_conninfo()) as connection:
        return connection.execute(
            f"SELECT originator_id, originator_version FROM {events_table(catalog)} ORDER BY notification_id"
        ).fetchall()


def test_a_create_whose_commit_answer_was_lost_makes_one_product_and_returns_its_id(catalog, proxied_catalog, proxy):
    open_profile(catalog)  # so that the create writes two events: the product and its slug's index
    before = stored_events(catalog)
    marker = f"Coat {uuid.uuid4().hex}"
    proxy.arm(marker.encode())

    product_id = create_product(proxied_catalog, marker)

    assert proxy.cut.is_set(), "the proxy never cut the insert's answer"
    product = catalog.repository.get(product_id)
    assert product.name == marker
    assert stored_events(catalog) == [*before, (product_id, 1), (ProductSlug.id_for(product.slug), 1)]
    assert proxied_catalog.recorder.max_notification_id() == len(before) + 2


def test_a_retry_that_meets_someone_elses_change_still_reports_the_conflict(catalog, proxied_catalog, proxy):
    """Same key but other bytes: the command runs again on the new state instead of claiming the other's write."""
    product_id = create_product(catalog, "Coat")
    before = stored_events(catalog)
    marker = f"Ours {uuid.uuid4().hex}"
    proxy.arm(
        marker.encode(),
        withhold_request=True,
        before_cut=lambda: rename_product(catalog, product_id, "Theirs"),
    )

    rename_product(proxied_catalog, product_id, marker)

    assert proxy.cut.is_set()
    product = catalog.repository.get(product_id)
    assert (product.name, product.version) == (marker, 3)
    assert stored_events(catalog) == [*before, (product_id, 2), (product_id, 3)]


def test_embedded_sqlite_has_no_lost_answer_a_failed_insert_is_neither_committed_nor_retried(tmp_path):
    """SQLite commits in-process: an insert either returns or raises before committing, and nothing retries it.

    Here the insert cannot take the write lock (another connection holds it), so it fails after
    its lock timeout; once the lock is gone the file holds no event, and the command never ran twice.
    """
    import sqlite3

    from eventsourcing.persistence import OperationalError

    path = tmp_path / "events.sqlite3"
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path), "SQLITE_LOCK_TIMEOUT": "1"}
    application = CatalogApplication(env=env)
    open_profile(application)  # so that a create writes two events: the product and its slug's index
    before = [n.originator_id for n in application.recorder.select_notifications(start=None, limit=10)]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError):
            create_product(application, "Coat")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    product_id = create_product(application, "Dress")
    after = [n.originator_id for n in application.recorder.select_notifications(start=None, limit=10)]
    assert after == [*before, product_id, ProductSlug.id_for("dress")]
    application.close()
