"""Liveness and readiness report what operators need, as JSON."""

from decimal import Decimal

from ocg.catalog.projections import ProductProjection
from ocg.spine.projections import ProjectionRunner


def test_healthz_answers_without_touching_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_projection_lag_as_numbers(client, catalog):
    for i in range(3):
        catalog.create_product(f"Piece {i}", Decimal("10.00"), "EUR")

    behind = client.get("/readyz").json()
    ProjectionRunner(ProductProjection()).catch_up()
    caught_up = client.get("/readyz").json()

    assert behind["status"] == "ok" and behind["database"] == "ok"
    assert behind["projection_lag"]["catalog_products"] == {"catalog": 3}
    assert caught_up["projection_lag"]["catalog_products"] == {"catalog": 0}
    assert caught_up["relay_lag"] is None
