"""The gram index of the article search (docs/adr/0005-japanese-search.md), per database.

SQLite: an FTS5 table over ``knowledge_articlesearch.grams`` (external content, kept in step by
triggers; unicode61 splits the stored list on spaces, so each unigram/bigram is one token).
PostgreSQL: a GIN index over ``string_to_array(grams, ' ')`` (no extension needed, any locale).
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE knowledge_gram_fts USING fts5(grams, content='knowledge_articlesearch', "
    "content_rowid='article_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER knowledge_articlesearch_ai AFTER INSERT ON knowledge_articlesearch BEGIN "
    "INSERT INTO knowledge_gram_fts(rowid, grams) VALUES (new.article_id, new.grams); END",
    "CREATE TRIGGER knowledge_articlesearch_ad AFTER DELETE ON knowledge_articlesearch BEGIN "
    "INSERT INTO knowledge_gram_fts(knowledge_gram_fts, rowid, grams) VALUES ('delete', old.article_id, old.grams); "
    "END",
    "CREATE TRIGGER knowledge_articlesearch_au AFTER UPDATE ON knowledge_articlesearch BEGIN "
    "INSERT INTO knowledge_gram_fts(knowledge_gram_fts, rowid, grams) VALUES ('delete', old.article_id, old.grams); "
    "INSERT INTO knowledge_gram_fts(rowid, grams) VALUES (new.article_id, new.grams); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS knowledge_articlesearch_au",
    "DROP TRIGGER IF EXISTS knowledge_articlesearch_ad",
    "DROP TRIGGER IF EXISTS knowledge_articlesearch_ai",
    "DROP TABLE IF EXISTS knowledge_gram_fts",
]
PG_UP = [
    "CREATE INDEX knowledge_articlesearch_grams_gin ON knowledge_articlesearch "
    "USING gin (string_to_array(grams, ' '))",
]
PG_DOWN = ["DROP INDEX IF EXISTS knowledge_articlesearch_grams_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
