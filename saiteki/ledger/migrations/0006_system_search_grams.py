"""Free-text search of the system list on PostgreSQL: a GIN index of every 1- and 2-character gram of a
system's number, name, purpose and business (docs/adr/0007-national-scale-reads.md).

pg_trgm (migration 0002) extracts no trigram from 税 or 入札, so 1–2 character words scanned the whole
table. Here ``ledger_system_grams(number, name, purpose, business)`` is the set of characters and
character pairs of the upper-cased fields (pairs never span two fields or whitespace) and the GIN index
on it answers ``@> ledger_query_grams(word)`` — the word itself for one character, its pairs for more —
from the index for words of any length, in any database locale and without an extension. For 1–2
characters the match is exact (the gram is the word); longer words are re-checked with the substring
condition the list always used. SQLite needs nothing: the demo and small prefectures scan.

The functions call each other schema-qualified (``public.ledger_grams``): a restore (pg_dump's SQL,
``manage.py restore``) runs with ``search_path = ''`` and builds the index by calling
``ledger_system_grams``, which would not find an unqualified ``ledger_grams`` there.
"""

from django.db import migrations

PG_UP = [
    # Characters and character pairs of a text, without whitespace (the separator between fields).
    r"""
    CREATE OR REPLACE FUNCTION public.ledger_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT g), '{}'::text[]) FROM (
        SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i
        UNION ALL
        SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
      ) AS grams
      WHERE g !~ '[[:space:]]'
    $$
    """,
    r"""
    CREATE OR REPLACE FUNCTION public.ledger_system_grams(number text, name text, purpose text, business text)
    RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT public.ledger_grams(upper(coalesce(number, '') || E'\n' || coalesce(name, '') || E'\n'
                                || coalesce(purpose, '') || E'\n' || coalesce(business, '')))
    $$
    """,
    # What a word must contain: itself (one character) or each of its pairs.
    r"""
    CREATE OR REPLACE FUNCTION public.ledger_query_grams(word text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT CASE WHEN char_length(w) <= 1 THEN ARRAY[w]
             ELSE ARRAY(SELECT DISTINCT substr(w, i, 2) FROM generate_series(1, char_length(w) - 1) AS i)
             END
      FROM (SELECT upper(word) AS w) AS q
    $$
    """,
    "CREATE INDEX IF NOT EXISTS ledger_system_grams_gin ON ledger_system "
    "USING gin (public.ledger_system_grams(number, name, purpose, business))",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS ledger_system_grams_gin",
    "DROP FUNCTION IF EXISTS public.ledger_query_grams(text)",
    "DROP FUNCTION IF EXISTS public.ledger_system_grams(text, text, text, text)",
    "DROP FUNCTION IF EXISTS public.ledger_grams(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_cost_summaries")]
    operations = [migrations.RunPython(_run(PG_UP), _run(PG_DOWN))]
