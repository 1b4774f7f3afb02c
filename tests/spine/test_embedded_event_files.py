"""Embedded mode keeps each context's events apart: one SQLite file per context, so one log each."""

from ocg.spine.eventstore import eventsourcing_environment, sqlite_events_path


def test_each_context_gets_its_own_sqlite_file(settings, tmp_path):
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "ocg.sqlite3")}}
    settings.EVENT_STORE = {**settings.EVENT_STORE, "SQLITE_PATH": str(tmp_path / "events.sqlite3")}
    catalog = eventsourcing_environment("catalog")["SQLITE_DBNAME"]
    orders = eventsourcing_environment("orders")["SQLITE_DBNAME"]
    assert catalog == str(tmp_path / "events-catalog.sqlite3")
    assert orders == str(tmp_path / "events-orders.sqlite3")
    assert catalog != orders


def test_the_file_name_keeps_the_configured_folder_and_suffix(tmp_path):
    assert sqlite_events_path(str(tmp_path / "store.db"), "payments") == tmp_path / "store-payments.db"
