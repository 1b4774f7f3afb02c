"""Liveness and readiness report what operators need, as JSON."""

from ocg.catalog.projections import CatalogProjection
from ocg.spine.projections import ProjectionRunner
from tests.spine.workload import create_product, head


def test_healthz_answers_without_touching_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_projection_lag_as_numbers(client, catalog):
    for i in range(3):
        create_product(catalog, f"Piece {i}")

    behind = client.get("/readyz").json()
    ProjectionRunner(CatalogProjection()).catch_up()
    caught_up = client.get("/readyz").json()

    assert behind["status"] == "ok" and behind["database"] == "ok"
    assert behind["projection_lag"]["catalog"] == {"catalog": head(catalog)}
    assert caught_up["projection_lag"]["catalog"] == {"catalog": 0}
    assert caught_up["relay_lag"] is None
