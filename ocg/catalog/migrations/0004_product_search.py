"""Full-text search over products on PostgreSQL: a generated, weighted tsvector and its GIN index.

Name weighs most (A), then the designer's name (B), then the description (C). The column is generated
by PostgreSQL from the row itself, so the projection never writes it. SQLite (embedded mode) has no
such column; search there falls back to matching the text (ocg/catalog/listing.py).
"""

from django.db import migrations

SEARCH_COLUMN = """
ALTER TABLE catalog_productview ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(name, '')), 'A')
    || setweight(to_tsvector('english', coalesce(designer_name, '')), 'B')
    || setweight(to_tsvector('english', coalesce(description, '')), 'C')
) STORED;
CREATE INDEX catalog_product_search ON catalog_productview USING gin (search);
"""
DROP_SEARCH_COLUMN = """
DROP INDEX IF EXISTS catalog_product_search;
ALTER TABLE catalog_productview DROP COLUMN IF EXISTS search;
"""


def add_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEARCH_COLUMN)


def drop_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SEARCH_COLUMN)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_catalog_read_models"),
    ]

    operations = [migrations.RunPython(add_search, drop_search)]
