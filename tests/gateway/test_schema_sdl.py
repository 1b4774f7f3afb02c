"""The committed SDL (ocg/schema.graphql) is the schema the code builds: regenerate it when they differ."""

import difflib
from pathlib import Path

import pytest
from graphql import print_schema

import ocg
from ocg.schema import schema

COMMITTED = Path(ocg.__file__).parent / "schema.graphql"
COMMAND = "python manage.py graphql_schema --schema ocg.schema.schema --out ocg/schema.graphql"


def test_the_committed_sdl_has_not_drifted():
    current = print_schema(schema.graphql_schema)
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    if committed != current:
        diff = difflib.unified_diff(
            committed.splitlines(), current.splitlines(), "ocg/schema.graphql (committed)", "schema (code)", lineterm=""
        )
        excerpt = "\n".join(list(diff)[:60])
        pytest.fail(f"ocg/schema.graphql is out of date. Regenerate it with:\n    {COMMAND}\n\n{excerpt}")
