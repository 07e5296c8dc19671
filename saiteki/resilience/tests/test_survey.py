"""Backup practice through the division survey (調査票): the resilience app adds its sheet with a
registered survey section; the owner answers it with the ledger's sheets, the admin sees one diff and
applies it all-or-nothing; the survey only ever changes its own division's systems."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from saiteki.core.errors import ConflictError
from saiteki.core.importing import ImportRowErrors
from saiteki.core.models import ObjectChange
from saiteki.core.registry import registry
from saiteki.ledger import surveys
from saiteki.ledger.models import SurveyResponse, System
from saiteki.resilience.models import BackupPractice

pytestmark = pytest.mark.django_db
SHEET = "バックアップ実施状況"


def campaign_response(role_users, orgs, division="税務課") -> SurveyResponse:
    campaign = surveys.survey_campaign_create(user=role_users["admin"], fiscal_year=2026, title="台帳調査")
    return SurveyResponse.objects.get(campaign=campaign, division=orgs[division])


def workbook(user, response) -> openpyxl.Workbook:
    _name, data = surveys.survey_workbook(user=user, response=response)
    return openpyxl.load_workbook(io.BytesIO(data))


def header(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def row_of(ws, number: str) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == number:
            return r
    raise AssertionError(number)


def to_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_section_is_registered_and_the_ledger_does_not_name_resilience():
    section = registry.survey_sections["resilience.backup"]
    assert section.importer.name == "resilience.practices_survey"
    source = (Path(surveys.__file__)).read_text()
    assert "resilience" not in source  # the ledger's survey knows sections only through the registry


def test_owner_answers_backup_practice_in_the_survey_and_admin_applies_it(role_users, orgs, world):
    owner, admin = role_users["owner"], role_users["admin"]
    response = campaign_response(role_users, orgs)
    wb = workbook(owner, response)
    assert SHEET in wb.sheetnames
    ws = wb[SHEET]
    cols = header(ws)
    numbers = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert numbers == ["S-OWN"]  # the division's systems only, prefilled
    r = row_of(ws, "S-OWN")
    assert ws.cell(r, cols["保管世代数"]).value == 7
    ws.cell(r, cols["保管世代数"]).value = 14
    ws.cell(r, cols["遠隔地の保管先"]).value = "北海道データセンター"
    help_text = "\n".join(str(c.value) for c in wb["記入方法"]["A"] if c.value)
    assert "バックアップの実施状況" in help_text

    answered = surveys.survey_response_upload(user=owner, response=response, upload=to_bytes(wb))
    assert answered.status == "answered"
    practice = BackupPractice.objects.get(system=world["own"])
    assert practice.generations == 7  # nothing changes before the admin applies

    preview = surveys.survey_response_preview(user=admin, response=answered)
    assert preview.counts["resilience.backup.updated"] == 1
    [row] = [p for p in preview.rows if p.sheet == SHEET]
    assert {c.field: (c.old, c.new) for c in row.changes}["generations"] == ("7", "14")
    # Read by its section, so not reported as a sheet nobody reads.
    assert not any("取込対象外" in n and SHEET in n for n in preview.notes), preview.notes
    counts = surveys.survey_section_counts(preview)
    assert counts == [
        {"key": "resilience.backup", "label": counts[0]["label"], "created": 0, "updated": 1, "unchanged": 0}
    ]

    applied = surveys.survey_response_apply(user=admin, response=answered, fingerprint=preview.fingerprint)
    assert applied.applied
    practice.refresh_from_db()
    assert (practice.generations, practice.offsite_location) == (14, "北海道データセンター")
    change = ObjectChange.objects.filter(content_type__model="backuppractice", object_id=practice.pk).first()
    assert change.reason.startswith("Excel取込:") and change.user_name == admin.username
    response.refresh_from_db()
    assert response.status == "applied"


def test_survey_page_shows_the_section_counts(client, role_users, orgs, world):
    owner, admin = role_users["owner"], role_users["admin"]
    response = campaign_response(role_users, orgs)
    wb = workbook(owner, response)
    ws = wb[SHEET]
    ws.cell(row_of(ws, "S-OWN"), header(ws)["保管世代数"]).value = 9
    surveys.survey_response_upload(user=owner, response=response, upload=to_bytes(wb))
    client.force_login(admin)
    page = client.get(f"/ledger/surveys/responses/{response.pk}/").content.decode()
    assert 'data-testid="count-section-resilience.backup"' in page
    assert "バックアップ実施状況" in page


def test_another_divisions_system_is_refused_whoever_uploads(role_users, orgs, world):
    owner, admin = role_users["owner"], role_users["admin"]
    response = campaign_response(role_users, orgs)
    for user in (owner, admin):
        wb = workbook(user, response)
        ws = wb[SHEET]
        ws.append(["S-OTH", "毎日", 30])
        with pytest.raises(ImportRowErrors) as exc:
            surveys.survey_response_upload(user=user, response=response, upload=to_bytes(wb))
        errors = exc.value.preview.errors
        assert [e.sheet for e in errors] == [SHEET]
        assert "S-OTH" in errors[0].message
    response.refresh_from_db()
    assert response.status == "pending"
    assert BackupPractice.objects.get(system=world["other"]).generations == 3


def test_a_section_changed_after_the_review_refuses_the_whole_file(role_users, orgs, world):
    owner, admin = role_users["owner"], role_users["admin"]
    response = campaign_response(role_users, orgs)
    wb = workbook(owner, response)
    systems = wb["情報システム"]
    systems.cell(row_of(systems, "S-OWN"), header(systems)["システム名"]).value = "県税総合システム（新）"
    ws = wb[SHEET]
    ws.cell(row_of(ws, "S-OWN"), header(ws)["保管世代数"]).value = 10
    answered = surveys.survey_response_upload(user=owner, response=response, upload=to_bytes(wb))
    preview = surveys.survey_response_preview(user=admin, response=answered)
    assert preview.counts["systems_updated"] == 1 and preview.counts["resilience.backup.updated"] == 1
    # Someone records another practice in between: the reviewed diff is no longer what would apply.
    BackupPractice.objects.filter(system=world["own"]).update(generations=12)
    with pytest.raises(ConflictError):
        surveys.survey_response_apply(user=admin, response=answered, fingerprint=preview.fingerprint)
    assert System.objects.get(number="S-OWN").name == "県税総合システム"  # the ledger sheet rolled back too
    assert BackupPractice.objects.get(system=world["own"]).generations == 12
    answered.refresh_from_db()
    assert answered.status == "answered"


def test_wrong_values_in_the_section_are_named_by_sheet_row_and_column(role_users, orgs, world):
    owner = role_users["owner"]
    response = campaign_response(role_users, orgs)
    wb = workbook(owner, response)
    ws = wb[SHEET]
    r = row_of(ws, "S-OWN")
    ws.cell(r, header(ws)["取得頻度"]).value = "たまに"
    with pytest.raises(ImportRowErrors) as exc:
        surveys.survey_response_upload(user=owner, response=response, upload=to_bytes(wb))
    [error] = exc.value.preview.errors
    assert (error.sheet, error.row, error.column) == (SHEET, r, "取得頻度")
