"""FAQ collections from Excel through the platform's import pipeline: preview, all-or-nothing apply,
update of an existing FAQ, the owner's 所属 limit, and the imported FAQ being searchable."""

import io

import pytest
import xlsxwriter
from django.test import Client
from django.urls import reverse

from saiteki.core.importing import ImportRowErrors
from saiteki.core.importing.services import import_apply, import_preview
from saiteki.core.roles import Role
from saiteki.knowledge.choices import ArticleKind
from saiteki.knowledge.models import Article
from saiteki.knowledge.selectors import article_search
from saiteki.knowledge.tests.factories import make_article

pytestmark = pytest.mark.django_db


def _xlsx(rows, headers=("質問", "回答", "分類")) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("FAQ")
    ws.write_row(0, 0, headers)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    wb.close()
    return buf.getvalue()


def test_preview_then_apply_creates_searchable_faq(orgs, role_users):
    owner = role_users[Role.OWNER]
    existing = make_article(orgs["税務課"], "県税の納付方法は？", "窓口で納付します。", category="県税")
    data = _xlsx(
        [
            ("県税の納付方法は？", "コンビニ、口座振替、スマートフォン決済で納付できます。", "県税"),
            ("自動車税の減免は？", "身体障害者等は申請により減免されます。", "県税"),
            ("  ", "", ""),
        ]
    )
    preview = import_preview(importer="knowledge.faq", user=owner, source=data, file_name="faq.xlsx")
    assert preview.counts["created"] == 1 and preview.counts["updated"] == 1 and not preview.has_errors
    assert Article.objects.count() == 1  # the dry run writes nothing

    import_apply(
        importer="knowledge.faq",
        user=owner,
        source=data,
        file_name="faq.xlsx",
        fingerprint=preview.fingerprint,
    )
    existing.refresh_from_db()
    assert "コンビニ" in existing.body and existing.versions.count() == 2
    assert existing.versions.first().reason == "Excel取込: faq.xlsx"
    created = Article.objects.get(title="自動車税の減免は？")
    assert (
        created.kind == ArticleKind.FAQ
        and created.owner_division == orgs["税務課"]
        and created.category == "県税"
    )
    assert [r.article.pk for r in article_search(user=role_users[Role.VIEWER], q="減免").results] == [
        created.pk
    ]
    # Importing the same file again changes nothing.
    assert (
        import_preview(importer="knowledge.faq", user=owner, source=data, file_name="faq.xlsx").counts[
            "unchanged"
        ]
        == 2
    )


def test_owner_cannot_import_into_another_division_and_nothing_is_written(orgs, role_users):
    data = _xlsx(
        [("自所属のFAQ", "回答", "", "税務課"), ("他所属のFAQ", "回答", "", "県立図書館")],
        headers=("質問", "回答", "分類", "所管所属"),
    )
    with pytest.raises(ImportRowErrors) as exc:
        import_apply(importer="knowledge.faq", user=role_users[Role.OWNER], source=data, file_name="faq.xlsx")
    assert exc.value.preview.error_count == 1
    assert Article.objects.count() == 0  # all or nothing


def test_row_errors_in_japanese(orgs, role_users):
    data = _xlsx([("回答のない質問", "", ""), ("重複", "a", ""), ("重複", "b", "")])
    preview = import_preview(
        importer="knowledge.faq", user=role_users[Role.ADMIN], source=data, file_name="f.xlsx"
    )
    messages = [e.message for e in preview.errors]
    assert "空欄にできません。" in messages
    assert any("重複" in m for m in messages)


def test_viewer_may_not_import_and_template_downloads(orgs, role_users):
    from saiteki.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        import_preview(
            importer="knowledge.faq", user=role_users[Role.VIEWER], source=_xlsx([]), file_name="f.xlsx"
        )
    make_article(orgs["税務課"], "テンプレートに出るFAQ", "回答")
    c = Client()
    c.force_login(role_users[Role.OWNER])
    response = c.get(reverse("core:import_template", args=["knowledge.faq"]))
    assert response.status_code == 200
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_name("FAQ").to_python()
    assert rows[0][:3] == ["質問", "回答", "分類"] and rows[1][0] == "テンプレートに出るFAQ"
    assert c.get(reverse("core:import_upload", args=["knowledge.faq"])).status_code == 200
