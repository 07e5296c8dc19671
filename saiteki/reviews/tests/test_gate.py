"""The gate: a 予算額 needs an approved P, a contract an approved D — on the cost grid, the contract
form, the import and the API alike — unless an admin recorded an exception; off without a setting and
before its first fiscal year."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from saiteki.core.importing import services as pipeline
from saiteki.core.importing.preview import ImportRowErrors
from saiteki.ledger import services as ledger_services
from saiteki.ledger.models import Contract, Cost, Vendor
from saiteki.reviews import services
from saiteki.reviews.choices import CaseKind, GateKind
from saiteki.reviews.gate import GateClosed
from saiteki.reviews.tests.conftest import FY
from saiteki.reviews.tests.helpers import approved_case

pytestmark = pytest.mark.django_db


def _grid(user, system, fy=FY, stage="budget", amount="1,000,000"):
    return ledger_services.cost_grid_save(
        user=user, system=system, stage=stage, cells={(fy, "app_maintenance"): amount}
    )


def test_cost_grid_refuses_a_budget_without_an_approved_p(gate, role_users, systems):
    owner, admin = role_users["owner"], role_users["admin"]
    with pytest.raises(GateClosed, match="予算要求前審査"):
        _grid(owner, systems["own"])
    assert not Cost.objects.exists()
    _grid(owner, systems["own"], stage="requested")  # 要求額 needs no approval
    _grid(owner, systems["own"], fy=FY - 1)  # before the gate's first fiscal year
    approved_case(owner=owner, admin=admin, system=systems["own"], fiscal_year=FY)
    _grid(owner, systems["own"])
    assert Cost.objects.filter(stage="budget", fiscal_year=FY).count() == 1


def test_a_refused_grid_changes_nothing_even_for_other_cells(gate, role_users, systems):
    owner = role_users["owner"]
    with pytest.raises(GateClosed):
        ledger_services.cost_grid_save(
            user=owner,
            system=systems["own"],
            stage="budget",
            cells={(FY - 1, "hw_lease"): "500", (FY, "app_maintenance"): "1,000"},
        )
    assert not Cost.objects.exists()


def test_gate_off_without_setting_or_disabled(role_users, systems):
    _grid(role_users["owner"], systems["own"])  # no GateSetting: the ledger works as before
    from saiteki.reviews.models import GateSetting

    GateSetting.objects.create(enabled=False, first_fiscal_year=FY)
    _grid(role_users["owner"], systems["own"], amount="2,000,000")


def test_cost_grid_page_shows_the_refusal(client, gate, role_users, systems):
    client.force_login(role_users["owner"])
    session = client.session
    session["fiscal_year"] = FY - 1
    session.save()
    url = reverse("ledger:system_costs", args=[systems["own"].pk])
    response = client.post(url, {"stage": "budget", f"c_{FY}_app_maintenance": "1,000,000"})
    assert response.status_code == 400
    assert "予算要求前審査（P）の承認後に登録できます" in response.content.decode()
    assert not Cost.objects.exists()


def test_exception_opens_the_gate_and_only_admins_record_it(gate, role_users, systems):
    from saiteki.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.gate_exception_create(
            user=role_users["owner"],
            system=systems["own"],
            fiscal_year=FY,
            gate=GateKind.BUDGET,
            reason="急ぎ",
        )
    services.gate_exception_create(
        user=role_users["admin"],
        system=systems["own"],
        fiscal_year=FY,
        gate=GateKind.BUDGET,
        reason="法改正に緊急対応",
    )
    _grid(role_users["owner"], systems["own"])
    with pytest.raises(GateClosed):  # the exception is for P only, and only for this system
        _grid(role_users["admin"], systems["other"])
    from saiteki.ledger.selectors import karte_timeline

    assert "gateexception" in {i.kind for i in karte_timeline(system=systems["own"])}


def test_api_cost_write_is_gated(client, gate, role_users, systems):
    client.force_login(role_users["owner"])
    body = {
        "system": systems["own"].pk,
        "fiscal_year": FY,
        "category": "app_maintenance",
        "stage": "budget",
        "amount": 1000,
    }
    response = client.post("/api/v1/ledger/costs/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "review_gate_closed"
    assert not Cost.objects.exists()
    approved_case(owner=role_users["owner"], admin=role_users["admin"], system=systems["own"], fiscal_year=FY)
    response = client.post("/api/v1/ledger/costs/", body, content_type="application/json")
    assert response.status_code == 201, response.content


def _contract_body(systems, **kw):
    vendor = Vendor.objects.get_or_create(name="テスト株式会社")[0]
    return {
        "number": "C-1",
        "title": "保守委託",
        "vendor": vendor.pk,
        "procurement_method": "general",
        "fiscal_year": FY,
        "start": f"{FY}-04-01",
        "end": f"{FY + 1}-03-31",
        "amount": 1_000_000,
        "systems": [systems["own"].pk],
        **kw,
    }


def test_api_contract_refused_without_an_approved_d(client, gate, role_users, systems):
    client.force_login(role_users["owner"])
    response = client.post(
        "/api/v1/ledger/contracts/", _contract_body(systems), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "契約前審査（D）" in response.json()["error"]["message"]
    assert not Contract.objects.exists()
    approved_case(
        owner=role_users["owner"],
        admin=role_users["admin"],
        system=systems["own"],
        fiscal_year=FY,
        kind=CaseKind.PRE_CONTRACT,
    )
    response = client.post(
        "/api/v1/ledger/contracts/", _contract_body(systems), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    # A contract also linked to a system without an approved D is refused (admin: every system's D).
    client.force_login(role_users["admin"])
    pk = response.json()["id"]
    response = client.patch(
        f"/api/v1/ledger/contracts/{pk}/",
        {"systems": [systems["own"].pk, systems["other"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "EDU-001" in response.json()["error"]["message"]
    # A corrected title is not a new contract: no new approval needed.
    response = client.patch(
        f"/api/v1/ledger/contracts/{pk}/", {"title": "保守委託（訂正）"}, content_type="application/json"
    )
    assert response.status_code == 200


def test_contract_form_refused_without_an_approved_d(client, gate, role_users, systems):
    client.force_login(role_users["admin"])
    body = _contract_body(systems)
    body["fiscal_year"] = str(FY)
    response = client.post(reverse("ledger:contract_add"), body)
    assert response.status_code == 400
    assert "契約前審査（D）の承認後に登録できます" in response.content.decode()
    assert not Contract.objects.exists()
    services.gate_exception_create(
        user=role_users["admin"],
        system=systems["own"],
        fiscal_year=FY,
        gate=GateKind.CONTRACT,
        reason="随意契約の緊急調達",
    )
    response = client.post(reverse("ledger:contract_add"), body)
    assert response.status_code == 302
    assert Contract.objects.count() == 1


def _xlsx(title, header, rows) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = title
    wb.active.append(header)
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_cost_import_is_gated_all_or_nothing(gate, role_users, systems):
    admin, owner = role_users["admin"], role_users["owner"]
    approved_case(owner=owner, admin=admin, system=systems["own"], fiscal_year=FY)
    data = _xlsx(
        "経費",
        ["システム番号", "年度", "経費区分", "段階", "金額"],
        [
            ["TAX-001", FY, "アプリケーション保守", "予算額", 1000],  # approved P: fine
            ["EDU-001", FY, "アプリケーション保守", "予算額", 2000],  # no P: refused
            ["EDU-001", FY, "ハードウェア賃借", "予算額", 3000],  # same system and year: refused too
            ["EDU-001", FY, "ハードウェア賃借", "要求額", 3000],  # 要求額: fine
        ],
    )
    preview = pipeline.import_preview(importer="ledger.systems", user=admin, source=data, file_name="c.xlsx")
    messages = [(e.row, e.message) for e in preview.errors]
    assert [r for r, _m in messages] == [3, 4]
    assert all("EDU-001" in m and "予算要求前審査" in m for _r, m in messages)
    with pytest.raises(ImportRowErrors):
        pipeline.import_apply(importer="ledger.systems", user=admin, source=data, file_name="c.xlsx")
    assert not Cost.objects.exists()  # all or nothing


def test_contract_import_is_gated(gate, role_users, systems):
    admin = role_users["admin"]
    Vendor.objects.create(name="テスト株式会社")
    header = [
        "契約番号",
        "契約件名",
        "事業者",
        "調達方法",
        "契約年度",
        "契約開始日",
        "契約終了日",
        "契約金額",
        "システム番号",
    ]
    row = [
        "C-9",
        "保守",
        "テスト株式会社",
        "一般競争入札",
        FY,
        datetime.date(FY, 4, 1),
        datetime.date(FY + 1, 3, 31),
        1000,
        "TAX-001",
    ]
    data = _xlsx("契約", header, [row])
    preview = pipeline.import_preview(
        importer="ledger.contracts", user=admin, source=data, file_name="k.xlsx"
    )
    assert preview.error_count == 1 and "契約前審査（D）" in preview.errors[0].message
    with pytest.raises(ImportRowErrors):
        pipeline.import_apply(importer="ledger.contracts", user=admin, source=data, file_name="k.xlsx")
    assert not Contract.objects.exists()
    approved_case(
        owner=role_users["owner"],
        admin=admin,
        system=systems["own"],
        fiscal_year=FY,
        kind=CaseKind.PRE_CONTRACT,
    )
    pipeline.import_apply(importer="ledger.contracts", user=admin, source=data, file_name="k.xlsx")
    assert Contract.objects.get().systems.get() == systems["own"]


def test_budget_apply_writes_assessed_amounts_with_the_reason(gate, role_users, systems):
    from saiteki.core.models import ObjectChange

    case = approved_case(
        owner=role_users["owner"],
        admin=role_users["admin"],
        system=systems["own"],
        fiscal_year=FY,
        requested={"app_maintenance": 1_000_000, "hw_lease": 400_000},
        assessed={"app_maintenance": 900_000, "hw_lease": 400_000},
    )
    counts = services.case_budget_apply(user=role_users["owner"], case=case)
    assert counts["created"] == 2
    budget = dict(Cost.objects.filter(stage="budget", fiscal_year=FY).values_list("category", "amount"))
    assert budget == {"app_maintenance": 900_000, "hw_lease": 400_000}
    change = ObjectChange.objects.filter(content_type__model="cost").latest("id")
    assert change.reason == services.BUDGET_APPLY_REASON


def test_requested_amounts_import_refreshes_totals_and_respects_state(role_users, systems):
    owner, admin = role_users["owner"], role_users["admin"]
    draft = services.case_create(
        user=owner, kind="P", fiscal_year=FY, system=systems["own"], requested={"other": 1}
    )
    decided = approved_case(owner=owner, admin=admin, system=systems["own"], fiscal_year=FY + 1)
    data = _xlsx(
        "要求額",
        ["審査案件ID", "経費区分", "要求額"],
        [[draft.pk, "アプリケーション保守", 2_000_000], [draft.pk, "その他", 500]],
    )
    preview = pipeline.import_preview(
        importer="reviews.case_lines", user=owner, source=data, file_name="r.xlsx"
    )
    assert preview.error_count == 0, [(e.column, e.message) for e in preview.errors]
    pipeline.import_apply(importer="reviews.case_lines", user=owner, source=data, file_name="r.xlsx")
    draft.refresh_from_db()
    assert draft.requested_total == 2_000_500
    refused = _xlsx("要求額", ["審査案件ID", "経費区分", "要求額"], [[decided.pk, "その他", 9]])
    preview = pipeline.import_preview(
        importer="reviews.case_lines", user=owner, source=refused, file_name="r.xlsx"
    )
    assert preview.error_count == 1 and "変更できません" in preview.errors[0].message


def test_requested_amounts_template_imports_back_without_changes(client, role_users, systems):
    owner = role_users["owner"]
    services.case_create(
        user=owner, kind="P", fiscal_year=FY, system=systems["own"], requested={"other": 1_000}
    )
    client.force_login(owner)
    response = client.get(reverse("core:import_template", args=["reviews.case_lines"]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    preview = pipeline.import_preview(
        importer="reviews.case_lines", user=owner, source=data, file_name="t.xlsx"
    )
    assert preview.error_count == 0 and preview.rows == []
