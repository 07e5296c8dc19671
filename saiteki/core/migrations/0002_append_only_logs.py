"""Defence in depth for "history is sacred": the database itself refuses changes to the change log and
the audit log. The ORM already refuses; this also stops a stray script or a future bug.

PostgreSQL (production) refuses UPDATE and DELETE of single rows; TRUNCATE, an owner-only maintenance
operation, stays possible (test databases are emptied that way). SQLite (one-person trials) refuses
UPDATE only, because Django empties SQLite test databases with DELETE.

Beware: on SQLite, Django rebuilds a table for most AlterField operations and the rebuild drops its
triggers. A later migration that alters these tables must re-create the trigger
(test_database_refuses_raw_updates_of_history fails if it is lost)."""

from django.db import migrations

TABLES = ["core_objectchange", "core_auditevent", "core_objectchangelink"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"""
                CREATE OR REPLACE FUNCTION saiteki_refuse_change() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'saiteki: %% is append-only', TG_TABLE_NAME; END;
                $$ LANGUAGE plpgsql;
                CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION saiteki_refuse_change();
                """
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'saiteki: {table} is append-only'); END;"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
