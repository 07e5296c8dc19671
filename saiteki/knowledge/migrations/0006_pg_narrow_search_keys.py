"""PostgreSQL only: the search keys move out of the wide index row into a narrow table kept by trigger.

``knowledge_searchkeys`` holds, per article, the normalised title, the title's SudachiPy words and the
key array (the gram set, every body word prefixed ``=`` and every body word head prefixed ``>``; grams
are letters and digits only, so the three kinds of key never collide) with a GIN index over the keys
(docs/adr/0005-japanese-search.md, "PostgreSQL: the narrow key table"). Counting the 30,000 hits of
「税」 reads this table (76 MB at 100,000 articles: the compressed key array mostly stays inline) instead
of the 186 MB of ``knowledge_articlesearch``, and the planner picks the GIN bitmap scan on its own.

The table follows ``knowledge_articlesearch`` by trigger — every writer of an index row (the services,
the FAQ import through them, the bench's bulk load, raw SQL) keeps it in step without knowing about it;
``TRUNCATE`` (test flushes) empties it too. pg_dump creates triggers after the data, so a restore loads
both tables from the dump and fires nothing. The functions name the schema they were created in, so they
work under pg_restore's empty ``search_path``. The generated ``keys`` column of migration 0005 and its
index are dropped. SQLite keeps its FTS5 table and triggers.
"""

from django.db import migrations

#: The key array of an index row (same expression as migration 0005's generated column).
KEYS_SQL = (
    "string_to_array({p}grams, ' ')"
    " || regexp_split_to_array(regexp_replace(btrim({p}tokens), '(\\S+)', '=\\1', 'g'), '\\s+')"
    " || regexp_split_to_array(regexp_replace(btrim({p}heads), '(\\S+)', '>\\1', 'g'), '\\s+')"
)


def pg_up(schema: str) -> list[str]:
    s = f'"{schema}"'
    keys_new = KEYS_SQL.format(p="NEW.")
    return [
        f"CREATE TABLE {s}.knowledge_searchkeys ("
        "article_id integer PRIMARY KEY, title text NOT NULL, title_tokens text NOT NULL, "
        "keys text[] NOT NULL)",
        f"CREATE FUNCTION {s}.knowledge_searchkeys_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
        "BEGIN\n"
        "  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.article_id <> NEW.article_id) THEN\n"
        f"    DELETE FROM {s}.knowledge_searchkeys WHERE article_id = OLD.article_id;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN\n"
        "    RETURN OLD;\n"
        "  END IF;\n"
        f"  INSERT INTO {s}.knowledge_searchkeys (article_id, title, title_tokens, keys)\n"
        f"  VALUES (NEW.article_id, NEW.title, NEW.title_tokens, {keys_new})\n"
        "  ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, "
        "title_tokens = EXCLUDED.title_tokens, keys = EXCLUDED.keys;\n"
        "  RETURN NEW;\n"
        "END\n$fn$",
        f"CREATE FUNCTION {s}.knowledge_searchkeys_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
        f"BEGIN\n  TRUNCATE {s}.knowledge_searchkeys;\n  RETURN NULL;\nEND\n$fn$",
        f"CREATE TRIGGER knowledge_searchkeys_sync AFTER INSERT OR UPDATE OR DELETE ON "
        f"{s}.knowledge_articlesearch FOR EACH ROW EXECUTE FUNCTION {s}.knowledge_searchkeys_sync()",
        f"CREATE TRIGGER knowledge_searchkeys_truncate AFTER TRUNCATE ON {s}.knowledge_articlesearch "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {s}.knowledge_searchkeys_truncate()",
        f"INSERT INTO {s}.knowledge_searchkeys (article_id, title, title_tokens, keys) "
        f"SELECT article_id, title, title_tokens, {KEYS_SQL.format(p='')} FROM {s}.knowledge_articlesearch",
        "SET LOCAL maintenance_work_mem = '256MB'",
        f"CREATE INDEX knowledge_searchkeys_gin ON {s}.knowledge_searchkeys USING gin (keys)",
        f"DROP INDEX IF EXISTS {s}.knowledge_articlesearch_keys_gin",
        f"DROP INDEX IF EXISTS {s}.knowledge_articlesearch_grams_gin",
        f"ALTER TABLE {s}.knowledge_articlesearch DROP COLUMN IF EXISTS keys",
        f"ANALYZE {s}.knowledge_searchkeys",
    ]


def pg_down(schema: str) -> list[str]:
    from importlib import import_module

    s = f'"{schema}"'
    previous = import_module("saiteki.knowledge.migrations.0005_pg_search_keys")
    return [
        f"DROP TRIGGER IF EXISTS knowledge_searchkeys_truncate ON {s}.knowledge_articlesearch",
        f"DROP TRIGGER IF EXISTS knowledge_searchkeys_sync ON {s}.knowledge_articlesearch",
        f"DROP FUNCTION IF EXISTS {s}.knowledge_searchkeys_truncate()",
        f"DROP FUNCTION IF EXISTS {s}.knowledge_searchkeys_sync()",
        f"DROP TABLE IF EXISTS {s}.knowledge_searchkeys",
        *previous.PG_UP,
    ]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cur:
            cur.execute("SELECT current_schema()")
            schema = cur.fetchone()[0]
        for sql in statements(schema):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0005_pg_search_keys")]

    operations = [migrations.RunPython(_run(pg_up), _run(pg_down))]
