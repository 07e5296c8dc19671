"""Division survey (調査票): campaigns, per-division workbooks, upload, review, apply, status page."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from saiteki.core.fiscal import fiscal_year_label
from saiteki.core.models import AuditEvent, ObjectChange
from saiteki.ledger.models import Cost, SurveyCampaign, SurveyResponse, System
from saiteki.ledger.tests.test_import import FY, col, find_row, make_ledger, snapshot, upload, xlsx_bytes

WAREKI = fiscal_year_label(FY, style="wareki")


def create_campaign(client, admin) -> SurveyCampaign:
    client.force_login(admin)
    response = client.post(
        reverse("ledger:survey_list"),
        {"fiscal_year": fiscal_year_label(FY, style="wareki"), "title": "台帳調査", "due_date": "R8.6.30"},
    )
    campaign = SurveyCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    return campaign


def response_of(campaign, orgs, name: str) -> SurveyResponse:
    return SurveyResponse.objects.get(campaign=campaign, division=orgs[name])


def download(client, response: SurveyResponse) -> openpyxl.Workbook:
    r = client.get(reverse("ledger:survey_response_download", args=[response.pk]))
    assert r.status_code == 200, r.status_code
    return openpyxl.load_workbook(io.BytesIO(r.content))


def upload_workbook(client, response: SurveyResponse, wb, name="調査票_税務課.xlsx"):
    return client.post(
        reverse("ledger:survey_response", args=[response.pk]),
        {"file": upload(xlsx_bytes(wb), name), "unit": "円", "blank": "keep"},
    )


@pytest.mark.django_db
def test_admin_creates_a_campaign_with_one_response_per_division(client, orgs, role_users):
    make_ledger(orgs)
    campaign = create_campaign(client, role_users["admin"])
    assert campaign.fiscal_year == FY and campaign.due_date.isoformat() == "2026-06-30"
    assert campaign.created_by == role_users["admin"]
    assert SurveyResponse.objects.filter(campaign=campaign, status="pending").count() == 4
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert page.count('data-testid="survey-row"') == 4
    assert "未回答" in page and 'data-testid="survey-download-all"' in page
    assert ObjectChange.objects.filter(content_type__model="surveyresponse").count() == 4  # history too

    for role in ("owner", "viewer", "advisor", "auditor"):
        client.force_login(role_users[role])
        r = client.post(reverse("ledger:survey_list"), {"fiscal_year": "2026", "title": "x"})
        assert r.status_code == 403
    assert SurveyCampaign.objects.count() == 1


@pytest.mark.django_db
def test_bad_campaign_input_is_refused_in_japanese(client, orgs, role_users):
    client.force_login(role_users["admin"])
    r = client.post(reverse("ledger:survey_list"), {"fiscal_year": "平成32年度", "title": ""})
    assert r.status_code == 400
    page = r.content.decode()
    assert "存在しない年度" in page and "件名: この項目は必須です。" in page
    assert SurveyCampaign.objects.count() == 0


@pytest.mark.django_db
def test_owner_downloads_only_their_own_workbook(client, orgs, role_users):
    make_ledger(orgs)
    campaign = create_campaign(client, role_users["admin"])
    own, other = response_of(campaign, orgs, "税務課"), response_of(campaign, orgs, "県立図書館")
    Cost.objects.create(
        system=System.objects.get(number="SYS-001"),
        fiscal_year=FY - 5,
        category="other",
        stage="actual",
        amount=1,
    )

    client.force_login(role_users["owner"])
    wb = download(client, own)
    systems = wb["情報システム"]
    assert [r[0] for r in systems.iter_rows(min_row=2, values_only=True)] == ["SYS-001", "SYS-002"]
    grid = wb["経費（年度×区分）"]
    years = {r[1] for r in grid.iter_rows(min_row=2, values_only=True)}
    assert years == {
        fiscal_year_label(FY),
        fiscal_year_label(FY - 1),
    }  # the campaign's year and the one before
    # As a 予算書 lays it out: a row per system × year × 段階, a column per 経費区分.
    header = [c.value for c in grid[1]]
    assert header[:3] == ["システム番号", "年度", "段階"] and "運用・ヘルプデスク" in header
    assert "経費" not in wb.sheetnames
    assert "回答期限: 2026-06-30" in [c.value for c in wb["記入方法"]["A"]]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, object_id=str(own.pk)).exists()

    assert client.get(reverse("ledger:survey_response_download", args=[other.pk])).status_code == 404
    assert client.get(reverse("ledger:survey_response", args=[other.pk])).status_code == 404
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert page.count('data-testid="survey-row"') == 1 and "県立図書館" not in page
    with zipfile.ZipFile(
        io.BytesIO(client.get(reverse("ledger:survey_download_all", args=[campaign.pk])).content)
    ) as zf:
        assert zf.namelist() == [f"調査票_{WAREKI}_税務課.xlsx"]

    client.force_login(role_users["admin"])
    r = client.get(reverse("ledger:survey_download_all", args=[campaign.pk]))
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert len(zf.namelist()) == 4 and f"調査票_{WAREKI}_県立図書館.xlsx" in zf.namelist()

    client.force_login(role_users["viewer"])
    assert client.get(reverse("ledger:survey_response_download", args=[own.pk])).status_code == 403


@pytest.mark.django_db
def test_owner_uploads_admin_reviews_and_applies(client, orgs, role_users):
    ledger = make_ledger(orgs)
    campaign = create_campaign(client, role_users["admin"])
    own = response_of(campaign, orgs, "税務課")
    client.force_login(role_users["owner"])
    wb = download(client, own)
    ws, costs = wb["情報システム"], wb["経費（年度×区分）"]
    ws.cell(find_row(ws, "SYS-002"), col(ws, "稼働形態")).value = "ガバメントクラウド"
    ws.cell(find_row(ws, "SYS-002"), col(ws, "運用開始日")).value = "令和3年4月1日"
    ws.append(["SYS-500", "税務相談予約システム"])  # new; the division defaults to the survey's
    costs.append(["SYS-500", "令和8年度", "要求額"])
    costs.cell(costs.max_row, col(costs, "クラウド利用料")).value = 2_400_000
    before = ObjectChange.objects.filter(content_type__model__in=["system", "cost"]).count()

    r = upload_workbook(client, own, wb)
    assert r.status_code == 302
    own.refresh_from_db()
    assert own.status == "answered" and own.uploaded_by == role_users["owner"] and own.file
    assert own.preview["counts"]["systems_created"] == 1 and own.preview["counts"]["systems_updated"] == 1
    assert System.objects.filter(number="SYS-500").count() == 0  # nothing applied yet
    page = client.get(reverse("ledger:survey_response", args=[own.pk])).content.decode()
    assert "ガバメントクラウド" in page and 'data-testid="survey-apply"' not in page  # owners cannot apply
    r = client.post(reverse("ledger:survey_response_apply", args=[own.pk]), {"fingerprint": "x"})
    assert r.status_code == 403

    client.force_login(role_users["admin"])
    status_page = client.get(campaign.get_absolute_url()).content.decode()
    assert 'data-division="税務課" data-status="answered"' in status_page
    page = client.get(reverse("ledger:survey_response", args=[own.pk])).content.decode()
    diff = set(re.findall(r'data-key="([^"]+)" data-field="([^"]+)"', page))
    assert diff == {
        ("SYS-002", "hosting_form"),
        ("SYS-002", "service_start"),
        ("SYS-500", "name"),
        ("SYS-500", "owning_division"),
        ("SYS-500 令和8年度（2026年度） クラウド利用料 要求額", "amount"),
    }
    fp = re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)
    r = client.post(reverse("ledger:survey_response_apply", args=[own.pk]), {"fingerprint": fp})
    assert r.status_code == 302 and r["Location"] == campaign.get_absolute_url()

    own.refresh_from_db()
    assert own.status == "applied" and own.applied_by == role_users["admin"] and own.applied_at
    ledger["docs"].refresh_from_db()
    assert ledger["docs"].hosting_form == "gov_cloud"
    new = System.objects.get(number="SYS-500")
    assert new.owning_division == orgs["税務課"] and new.costs.get().amount == 2_400_000
    written = ObjectChange.objects.filter(content_type__model__in=["system", "cost"]).order_by("id")[before:]
    assert len(written) == 3
    assert {c.reason for c in written} == {"Excel取込: 調査票_税務課.xlsx"}
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.IMPORT)
    assert event.object_id == str(own.pk) and event.actor_username == "t-admin"
    status_page = client.get(campaign.get_absolute_url()).content.decode()
    assert 'data-division="税務課" data-status="applied"' in status_page
    listing = client.get(reverse("ledger:survey_list")).content.decode()
    assert "台帳調査" in listing


@pytest.mark.django_db
def test_workbook_with_another_divisions_system_is_refused(client, orgs, role_users):
    make_ledger(orgs)
    campaign = create_campaign(client, role_users["admin"])
    own = response_of(campaign, orgs, "税務課")
    client.force_login(role_users["owner"])
    wb = download(client, own)
    ws = wb["情報システム"]
    ws.append(["LIB-001", "図書館業務システム（書き換え）", "県立図書館"])
    before = snapshot()
    r = upload_workbook(client, own, wb)
    assert r.status_code == 400
    page = r.content.decode()
    assert "この調査票は「税務課」のものです。他の所属のシステムは記入できません。" in page
    assert 'data-testid="import-errors"' in page
    own.refresh_from_db()
    assert own.status == "pending" and not own.file
    assert snapshot() == before

    # Even an admin uploading on behalf of 税務課 cannot touch another division's systems through it.
    client.force_login(role_users["admin"])
    r = upload_workbook(client, own, wb)
    assert r.status_code == 400 and "この調査票は「税務課」のものです" in r.content.decode()
    assert snapshot() == before


@pytest.mark.django_db
def test_owner_cannot_upload_to_another_division(client, orgs, role_users):
    make_ledger(orgs)
    campaign = create_campaign(client, role_users["admin"])
    other = response_of(campaign, orgs, "県立図書館")
    client.force_login(role_users["admin"])
    wb = download(client, other)
    client.force_login(role_users["owner"])
    assert upload_workbook(client, other, wb).status_code == 404
    other.refresh_from_db()
    assert other.status == "pending"


@pytest.mark.django_db
def test_apply_refuses_a_stale_review(client, orgs, role_users):
    ledger = make_ledger(orgs)
    campaign = create_campaign(client, role_users["admin"])
    own = response_of(campaign, orgs, "税務課")
    wb = download(client, own)
    wb["情報システム"].cell(find_row(wb["情報システム"], "SYS-001"), 2).value = "調査票での名前"
    assert upload_workbook(client, own, wb).status_code == 302
    page = client.get(reverse("ledger:survey_response", args=[own.pk])).content.decode()
    fp = re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)
    System.objects.filter(pk=ledger["tax"].pk).update(name="画面での名前")
    before = snapshot()
    r = client.post(reverse("ledger:survey_response_apply", args=[own.pk]), {"fingerprint": fp}, follow=True)
    assert "確認した後に台帳が更新された" in r.content.decode()
    own.refresh_from_db()
    assert own.status == "answered" and snapshot() == before


def _grid_row(ws, number: str, fy_label: str, stage: str) -> int:
    return next(
        r
        for r in range(2, ws.max_row + 1)
        if (ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 3).value) == (number, fy_label, stage)
    )


@pytest.mark.django_db
def test_cost_grid_round_trip_and_edits(client, orgs, role_users):
    """The grid imports back unchanged; a changed cell updates that cost, a new cell adds one, and an
    error names the category's column."""
    make_ledger(orgs)
    tax = System.objects.get(number="SYS-001")
    Cost.objects.create(system=tax, fiscal_year=FY, category="operation", stage="budget", amount=3_000_000)
    campaign = create_campaign(client, role_users["admin"])
    own = response_of(campaign, orgs, "税務課")
    client.force_login(role_users["owner"])

    wb = download(client, own)
    assert upload_workbook(client, own, wb).status_code == 302
    own.refresh_from_db()
    counts = own.preview["counts"]
    assert counts.get("costs_created", 0) == counts.get("costs_updated", 0) == 0 and counts["errors"] == 0

    grid = wb["経費（年度×区分）"]
    row = _grid_row(grid, "SYS-001", fiscal_year_label(FY), "予算額")
    assert grid.cell(row, col(grid, "運用・ヘルプデスク")).value == 3_000_000
    grid.cell(row, col(grid, "運用・ヘルプデスク")).value = 2_700_000
    grid.cell(row, col(grid, "通信回線")).value = "450,000"
    assert upload_workbook(client, own, wb).status_code == 302
    own.refresh_from_db()
    assert own.preview["counts"]["costs_updated"] == 1 and own.preview["counts"]["costs_created"] == 1

    grid.cell(row, col(grid, "通信回線")).value = "たくさん"
    r = upload_workbook(client, own, wb)
    assert r.status_code == 400  # refused with the error list: the cell is named by its category column
    errors = r.content.decode().split('data-testid="import-errors"', 1)[1].split("</table>", 1)[0]
    assert "通信回線" in errors and "たくさん" in errors


@pytest.mark.django_db
def test_grid_and_row_cost_sheets_together_are_refused(client, orgs, role_users):
    make_ledger(orgs)
    campaign = create_campaign(client, role_users["admin"])
    own = response_of(campaign, orgs, "税務課")
    client.force_login(role_users["owner"])
    wb = download(client, own)
    rows = wb.create_sheet("経費")
    rows.append(["システム番号", "年度", "経費区分", "段階", "金額"])
    r = upload_workbook(client, own, wb)
    assert "両方のシートがあります" in r.content.decode()
