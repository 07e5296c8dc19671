"""PostgreSQL: the narrow key table (migration 0006) stays in step with the index rows on every write path.

``knowledge_searchkeys`` is what the search counts and ranks from; it follows ``knowledge_articlesearch``
by trigger. Each test writes through a real path (services, attachment upload, FAQ import, delete, raw
SQL, TRUNCATE, a restored backup) and then compares the whole key table with what the index rows say
it must hold, in SQL.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from saiteki.knowledge import services
from saiteki.knowledge.models import Article
from saiteki.knowledge.selectors import article_search
from saiteki.knowledge.tests.factories import admin_user, make_article
from saiteki.knowledge.tests.test_markdown_and_attachments import _docx

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the key table exists on PostgreSQL only"
)


def _keys_sql() -> str:
    from importlib import import_module

    return import_module("saiteki.knowledge.migrations.0006_pg_narrow_search_keys").KEYS_SQL.format(p="s.")


OUT_OF_STEP = (
    "SELECT count(*) FROM knowledge_articlesearch s FULL JOIN knowledge_searchkeys k USING (article_id) "
    "WHERE s.article_id IS NULL OR k.article_id IS NULL OR k.title IS DISTINCT FROM s.title "
    "OR k.title_tokens IS DISTINCT FROM s.title_tokens OR k.keys IS DISTINCT FROM ({keys})"
)


def out_of_step_sql() -> str:
    return OUT_OF_STEP.format(keys=_keys_sql())


def out_of_step() -> int:
    """Index rows without their key row, key rows without their index row, and key rows that differ."""
    with connection.cursor() as cur:
        cur.execute(out_of_step_sql())
        return cur.fetchone()[0]


def key_rows() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM knowledge_searchkeys")
        return cur.fetchone()[0]


@pytest.mark.django_db
def test_services_keep_the_key_table_in_step(orgs, role_users):
    viewer = role_users["viewer"]
    article = make_article(orgs["税務課"], "県税の納付", "口座振替で納付できます。")
    other = make_article(orgs["税務課"], "入札の手引き", "電子入札の操作。")
    assert key_rows() == 2 and out_of_step() == 0
    assert article_search(user=viewer, q="振替").count == 1

    services.article_update(article=article, user=admin_user(), body="コンビニで納付できます。")
    assert out_of_step() == 0
    assert article_search(user=viewer, q="振替").count == 0
    assert article_search(user=viewer, q="コンビニ").count == 1

    attachment = services.attachment_add(
        article=article, user=admin_user(), upload=SimpleUploadedFile("a.docx", _docx("添付だけの語句"))
    )
    assert out_of_step() == 0
    assert article_search(user=viewer, q="添付だけ").count == 1
    services.attachment_delete(attachment=attachment, user=admin_user())
    assert out_of_step() == 0
    assert article_search(user=viewer, q="添付だけ").count == 0

    services.article_delete(article=other, user=admin_user())
    assert key_rows() == 1 and out_of_step() == 0
    assert article_search(user=viewer, q="入札").count == 0


@pytest.mark.django_db
def test_faq_import_keeps_the_key_table_in_step(orgs, role_users):
    import xlsxwriter

    from saiteki.core.importing.services import import_apply, import_preview
    from saiteki.core.roles import Role

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("FAQ")
    ws.write_row(0, 0, ("質問", "回答", "分類"))
    ws.write_row(1, 0, ("自動車税の減免は？", "身体障害者等は申請により減免されます。", "県税"))
    wb.close()
    owner = role_users[Role.OWNER]
    preview = import_preview(importer="knowledge.faq", user=owner, source=buf.getvalue(), file_name="f.xlsx")
    import_apply(
        importer="knowledge.faq",
        user=owner,
        source=buf.getvalue(),
        file_name="f.xlsx",
        fingerprint=preview.fingerprint,
    )
    assert key_rows() == 1 and out_of_step() == 0
    assert article_search(user=role_users["viewer"], q="減免").count == 1


@pytest.mark.django_db
def test_raw_writes_and_truncate_are_followed(orgs):
    article = make_article(orgs["税務課"], "生の更新", "元の本文")
    with connection.cursor() as cur:
        # A writer that knows nothing about the key table (as the bench's bulk load), under an empty
        # search_path (as pg_restore runs): the trigger names its schema.
        cur.execute("SET LOCAL search_path = ''")
        cur.execute(
            "UPDATE public.knowledge_articlesearch SET grams = grams || ' 新語', tokens = tokens || ' 新語 ' "
            "WHERE article_id = %s",
            [article.pk],
        )
        cur.execute("SELECT keys @> ARRAY['新語', '=新語'] FROM public.knowledge_searchkeys WHERE article_id = %s",
                    [article.pk])  # fmt: skip
        assert cur.fetchone()[0] is True
        cur.execute("RESET search_path")
    assert out_of_step() == 0
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks pending before TRUNCATE
        cur.execute("TRUNCATE knowledge_articlesearch")
    assert key_rows() == 0
    assert Article.objects.filter(pk=article.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_restored_backup_has_the_key_table_and_its_trigger(tmp_path, orgs, role_users, settings):
    from saiteki.core import backup
    from saiteki.core.tests.test_backup import Target, _pg_rows, _restore

    article = make_article(orgs["税務課"], "県税の納付", "口座振替で納付できます。")
    make_article(orgs["税務課"], "入札の手引き", "電子入札の操作。")
    call_command("backup", "--output", str(tmp_path / "backups"), verbosity=0)
    (folder,) = backup.backups_in(tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]["knowledge_searchkeys"]["rows"] == 2

    target = Target(tmp_path)
    try:
        result = _restore(folder, target, Path(tmp_path / "media"))
        assert result.returncode == 0, result.stdout + result.stderr
        sql = "SELECT article_id, title, title_tokens, keys FROM knowledge_searchkeys ORDER BY article_id"
        assert _pg_rows(target.name, sql) == _pg_rows(connection.settings_dict["NAME"], sql)
        # The restored trigger works (the data came from the dump; the trigger was created after it).
        import psycopg

        s = connection.settings_dict
        with psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"] or None,
                             password=s["PASSWORD"] or None, dbname=target.name) as conn:  # fmt: skip
            conn.execute(
                "UPDATE knowledge_articlesearch SET grams = grams || ' 新語' WHERE article_id = %s",
                [article.pk],
            )
            assert conn.execute(out_of_step_sql()).fetchone()[0] == 0
            assert conn.execute(
                "SELECT keys @> ARRAY['新語'] FROM knowledge_searchkeys WHERE article_id = %s", [article.pk]
            ).fetchone()[0]
    finally:
        target.drop()
