"""On PostgreSQL, the category filter's prefix match (`category_path LIKE '/<id>/%'`) uses an index whatever
the database's collation: text_pattern_ops compares bytes, as a prefix match needs."""

from django.db import migrations


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalog_product_category_prefix "
            "ON catalog_productview (status, category_path text_pattern_ops, price)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_product_category_prefix")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_product_search")]

    operations = [migrations.RunPython(add_index, drop_index)]
