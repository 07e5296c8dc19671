"""Japanese substring search on PostgreSQL: pg_trgm GIN indexes let ``LIKE '%…%'`` use an index for
words of three or more characters (1–2 character words such as 税 fall back to a scan, which the
selector accepts). The database must be in a UTF-8 locale (docs/deploy.md). SQLite needs nothing."""

from django.db import migrations

COLUMNS = ["name", "purpose", "business", "number"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS ledger_system_{column}_trgm ON ledger_system "
            f"USING gin (upper({column}) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS ledger_system_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
