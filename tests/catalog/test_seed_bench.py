"""The catalog benchmark's pieces on a small seeded catalog: its baseline view answers exactly the listing's rows,
and a listing request runs as many SQL statements at 12 products as at 48."""

from __future__ import annotations

import json

from ocg.catalog.bench import catalog as bench
from ocg.catalog.seeding.seeder import Seeder, designer_specs
from ocg.spine.projections import ProjectionRunner, get_projection


def seed_small_catalog(catalog, products: int) -> None:
    seeder = Seeder(catalog, seed=5, tag="bench", picture_size=(30, 40))
    designers = designer_specs(4)
    for designer in designers:
        seeder.ensure_designer(designer)
    result = seeder.seed_products(range(products), designers, threads=4)
    assert result.failed == []
    ProjectionRunner(get_projection("catalog")).catch_up()


def test_the_baseline_view_answers_the_same_rows_as_the_graphql_listing(catalog, local_storage, client, settings):
    seed_small_catalog(catalog, 60)
    settings.ROOT_URLCONF = "ocg.catalog.bench.urls"
    settings.CATALOG_LISTING_CACHE_SECONDS = 0

    compared = 0
    for combination in bench.combinations():
        answer = client.post("/graphql", bench.graphql_body(combination), content_type="application/json")
        baseline = client.get(bench.baseline_path(combination))
        assert answer.status_code == baseline.status_code == 200
        rows = bench.graphql_rows(answer.content)
        assert json.loads(baseline.content)["products"] == rows, combination
        compared += len(rows)
    assert compared >= 30, "the combinations must find the seeded products, or nothing was compared"


def test_sql_per_listing_request_does_not_grow_with_the_page(catalog, local_storage, client, settings):
    seed_small_catalog(catalog, 80)
    settings.CATALOG_LISTING_CACHE_SECONDS = 0
    body = bench.graphql_body(bench.COUNTED, 48)
    listed = bench.graphql_rows(client.post("/graphql", body, content_type="application/json").content)
    assert len(listed) > 12, "the counted listing must have more rows than the small page"

    counts = [bench.queries_per_request(first) for first in (1, 12, 48)]

    assert counts == [2, 2, 2], "the category, then the page (no cache position: the listing cache is off)"
