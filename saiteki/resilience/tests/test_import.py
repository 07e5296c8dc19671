"""Owners answer their systems' backup practice through the import pipeline: preview, all-or-nothing
apply with history, their own systems only; the template and the compliance export import back with no
change; the ICT-BCP import refuses a self-dependency."""

import io

import pytest
import xlsxwriter
from django.urls import reverse

from saiteki.core.importing import ImportRowErrors
from saiteki.core.importing.services import import_apply, import_preview
from saiteki.core.views.generic import history_for
from saiteki.ledger.tests.factories import make_system
from saiteki.resilience.importers import PracticeImporter
from saiteki.resilience.models import BackupPractice, BcpProfile

pytestmark = pytest.mark.django_db


def xlsx(
    rows,
    headers=(
        "システム番号",
        "取得頻度",
        "保管世代数",
        "遠隔地の保管先",
        "オフライン・改ざん防止コピー",
        "最終リストア試験日",
    ),
) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("バックアップ実施状況")
    ws.write_row(0, 0, headers)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    wb.close()
    return buf.getvalue()


def run(user, data, name="backup.xlsx"):
    preview = import_preview(importer="resilience.practices", user=user, source=data, file_name=name)
    if preview.has_errors:
        return preview
    import_apply(
        importer="resilience.practices",
        user=user,
        source=data,
        file_name=name,
        fingerprint=preview.fingerprint,
    )
    return preview


def test_owner_answers_own_systems_with_history(orgs, role_users, world):
    owner = role_users["owner"]
    new = make_system(orgs["税務課"], number="S-NEW", integrity=2, availability=2)
    data = xlsx(
        [
            ("S-OWN", "毎日", 14, "県外データセンター", "○", "令和8年10月1日"),
            ("S-NEW", "毎週", 2, "", "×", ""),
        ]
    )
    preview = run(owner, data)
    assert preview.counts["created"] == 1 and preview.counts["updated"] == 1 and not preview.has_errors
    assert BackupPractice.objects.get(system=world["own"]).generations == 14
    created = BackupPractice.objects.get(system=new)
    assert created.frequency == "weekly" and created.generations == 2
    change = history_for(world["own"]).first()
    assert change.reason == "Excel取込: backup.xlsx"


def test_a_row_for_another_division_refuses_the_whole_file(orgs, role_users, world):
    owner = role_users["owner"]
    data = xlsx([("S-OWN", "毎日", 20, "DC", "○", ""), ("S-OTH", "毎日", 20, "DC", "○", "")])
    preview = import_preview(importer="resilience.practices", user=owner, source=data, file_name="x.xlsx")
    assert preview.has_errors and [e.row for e in preview.errors] == [3]
    assert "登録されていないか、指定できません" in preview.errors[0].message  # nothing revealed
    with pytest.raises(ImportRowErrors):
        import_apply(
            importer="resilience.practices",
            user=owner,
            source=data,
            file_name="x.xlsx",
            fingerprint=preview.fingerprint,
        )
    assert BackupPractice.objects.get(system=world["own"]).generations == 7  # nothing written
    assert BackupPractice.objects.get(system=world["other"]).generations == 3


def test_invalid_cells_are_named_in_japanese_and_nothing_is_written(role_users, world):
    data = xlsx([("S-OWN", "毎時", 3, "", "○", ""), ("S-OTH", "毎日", 0, "", "○", "2099-01-01")])
    preview = import_preview(
        importer="resilience.practices", user=role_users["admin"], source=data, file_name="x.xlsx"
    )
    assert preview.has_errors
    messages = " ".join(str(e) for e in preview.errors)
    assert "取得頻度" in messages and "未来の日付は入力できません。" in messages
    assert "保管世代数を1以上" in messages
    assert BackupPractice.objects.get(system=world["own"]).frequency == "daily"


def test_template_lists_unanswered_systems_and_imports_back_unchanged(orgs, role_users, world):
    owner = role_users["owner"]
    make_system(orgs["税務課"], number="S-NONE", name="未回答システム")
    data = PracticeImporter.template(user=owner)
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).active
    numbers = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert numbers == ["S-NONE", "S-OWN"]
    preview = import_preview(importer="resilience.practices", user=owner, source=data, file_name="t.xlsx")
    assert not preview.has_errors
    assert preview.counts["created"] == 0 and preview.counts["updated"] == 0


def test_compliance_export_imports_back_unchanged(client, role_users, world):
    client.force_login(role_users["owner"])
    data = client.get(reverse("resilience:compliance") + "?export=xlsx").content
    preview = import_preview(
        importer="resilience.practices", user=role_users["owner"], source=data, file_name="e.xlsx"
    )
    assert not preview.has_errors, preview.errors
    assert (preview.counts["created"], preview.counts["updated"], preview.counts["unchanged"]) == (0, 0, 1)


def test_bcp_import_refuses_a_self_dependency(role_users, world):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("ICT-BCP")
    ws.write_row(
        0,
        0,
        (
            "システム番号",
            "優先度",
            "目標復旧時間（RTO・時間）",
            "目標復旧時点（RPO・時間）",
            "依存するシステム",
        ),
    )
    ws.write_row(1, 0, ("S-OWN", "A（最優先）", 12, 1, "S-OWN"))
    wb.close()
    preview = import_preview(
        importer="resilience.bcp", user=role_users["admin"], source=buf.getvalue(), file_name="b.xlsx"
    )
    assert preview.has_errors and "システム自身" in " ".join(str(e) for e in preview.errors)
    assert BcpProfile.objects.get(system=world["own"]).rank == "A"
