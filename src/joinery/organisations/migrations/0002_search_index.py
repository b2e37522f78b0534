"""PostgreSQL: a GIN full-text index for the organisation directory's search.

SQLite has no such index; the directory falls back to substring matching there
(see organisations/selectors.py).
"""

from django.db import migrations

INDEX = ("CREATE INDEX IF NOT EXISTS org_search_gin ON organisations_organisation USING gin "
         "((to_tsvector('simple'::regconfig, coalesce(organisations_organisation.name, '') || ' ' || "
         "coalesce(organisations_organisation.description, ''))))")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS org_search_gin", params=None)


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
