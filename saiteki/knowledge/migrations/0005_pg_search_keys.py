"""PostgreSQL only: one narrow key array per index row, so 1–2 character queries never read the text.

``keys`` is a stored generated column: the gram set as it is, every body word prefixed ``=`` and every
body word head prefixed ``>`` (grams hold only letters and digits, so no key of one kind can equal
one of another) (docs/adr/0005-japanese-search.md, "PostgreSQL"). A GIN index over it
answers the candidate set *and* the body-word ranking evidence with bitmap index scans; ``@>`` on a GIN
array index is exact, so the heap is visited for visibility only and no TOASTed text is read. The old
expression index over ``string_to_array(grams, ' ')`` is replaced. SQLite keeps its FTS5 table.
"""

from django.db import migrations

PG_UP = [
    "ALTER TABLE knowledge_articlesearch ADD COLUMN keys text[] GENERATED ALWAYS AS ("
    "string_to_array(grams, ' ')"
    " || regexp_split_to_array(regexp_replace(btrim(tokens), '(\\S+)', '=\\1', 'g'), '\\s+')"
    " || regexp_split_to_array(regexp_replace(btrim(heads), '(\\S+)', '>\\1', 'g'), '\\s+')"
    ") STORED",
    "CREATE INDEX knowledge_articlesearch_keys_gin ON knowledge_articlesearch USING gin (keys)",
    "DROP INDEX IF EXISTS knowledge_articlesearch_grams_gin",
    "ANALYZE knowledge_articlesearch",
]
PG_DOWN = [
    "CREATE INDEX IF NOT EXISTS knowledge_articlesearch_grams_gin ON knowledge_articlesearch "
    "USING gin (string_to_array(grams, ' '))",
    "DROP INDEX IF EXISTS knowledge_articlesearch_keys_gin",
    "ALTER TABLE knowledge_articlesearch DROP COLUMN IF EXISTS keys",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0004_visibility_index")]

    operations = [migrations.RunPython(_run(PG_UP), _run(PG_DOWN))]
