"""Plans over fiscal years from the ledger: a multi-year scenario buys hosts in the years they are
first needed and costs less than buying everything first; the extension scenario starts from the
shared platform as it is; the budget request per year is exported in the C3 categories and can open a
draft P review case; the result page shows the table and the chart with its numbers."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation import services
from saiteki.consolidation.models import ScenarioRun

from .conftest import FY

pytestmark = pytest.mark.django_db


def run_now(scenario, user) -> ScenarioRun:
    run = services.scenario_run_create(scenario=scenario, user=user)
    services.scenario_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_multiyear_run_buys_when_needed_and_beats_buying_first(role_users, multiyear_scenario, staged):
    run = run_now(multiyear_scenario, role_users["admin"])
    assert run.status == "succeeded" and run.feasible, run.error
    plan = run.plan
    assert plan["start"] == FY + 1 and plan["end"] == FY + 4
    bought = {r["fy"]: len(r["bought"]) for r in plan["rows"]}
    # S003's servers move in the first year (one is overdue), S005 in FY+2, S006 in FY+3; each of the
    # staged servers needs a host of its own (6,000 of 8,000 usable GiB).
    assert bought[FY + 2] >= 1 and bought[FY + 3] >= 1
    assert run.new_hosts == sum(bought.values()) == plan["new_hosts"]
    assert run.plan_cost == plan["total_cost"] < run.single_shot_cost == plan["single_shot"]["total_cost"]
    itinerary = plan["itinerary"]
    assert itinerary["sv-shinsei-1"][0][0] == FY + 2 and itinerary["sv-bunsho-1"][0][0] == FY + 3
    assert all(r["feasible"] for r in plan["rows"])
    # The stored final year passes the independent checker, like a one-shot result.
    checks = opt.check(opt.Scenario.from_dict(run.inputs), opt.PlacementResult.from_dict(run.result))
    assert checks and all(c.passed for c in checks)
    # Waves follow the plan: the host bought for S005 appears in FY+2's row.
    waves = {r["fy"]: r for r in run.waves["rows"]}
    assert waves[FY + 2]["hosts_added"] == bought[FY + 2] and waves[FY + 2]["systems"] == 1


def test_result_page_shows_the_plan_table_chart_and_budget(client, role_users, multiyear_scenario):
    run = run_now(multiyear_scenario, role_users["admin"])
    client.force_login(role_users["admin"])
    page = client.get(run.get_absolute_url()).content.decode()
    for testid in ("plan-table", "plan-cost-summary", "plan-strategies", "budget-table", "budget-xlsx"):
        assert f'data-testid="{testid}"' in page, testid
    assert 'id="plan-chart"' in page and "consolidation/plan.js" in page and "<script>" not in page
    assert "ハードウェア購入" in page and "令和" in page
    assert f'data-testid="budget-case-{FY + 2}"' in page  # the admin may open a P case
    assert "新ホスト1" in page  # hosts are named, not numbered only
    # The budget request as xlsx: one row per fiscal year, the C3 categories as columns.
    response = client.get(reverse("consolidation:run_budget_export", args=[run.pk]))
    assert response.status_code == 200
    wb = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[2]]
    assert header[0] == "年度" and "ハードウェア購入" in header and header[-1] == "合計"
    assert sheet.max_row == 2 + 4
    totals = [row[-1].value for row in sheet.iter_rows(min_row=3)]
    assert sum(totals) == run.plan_cost
    assert "明細" in wb.sheetnames


def test_budget_request_opens_a_draft_p_case_once(client, role_users, multiyear_scenario):
    from saiteki.reviews.models import ReviewCase

    run = run_now(multiyear_scenario, role_users["admin"])
    year = next(r for r in run.plan["rows"] if r["bought"])
    client.force_login(role_users["owner"])
    url = reverse("consolidation:run_budget_case", args=[run.pk])
    assert client.post(url, {"fiscal_year": year["fy"]}).status_code == 403
    assert not ReviewCase.objects.exists()
    client.force_login(role_users["admin"])
    response = client.post(url, {"fiscal_year": year["fy"]})
    case = ReviewCase.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.kind == "P" and case.state == "draft" and case.fiscal_year == year["fy"]
    assert case.planned_system_name == f"サーバ集約: {run.scenario.name}"
    lines = {line.category: line.requested_amount for line in case.lines.all()}
    assert lines == {c: a for c, a in year["categories"].items() if a}
    assert case.requested_total == year["total"]
    # A second click finds the same case instead of opening another.
    client.post(url, {"fiscal_year": year["fy"]})
    assert ReviewCase.objects.count() == 1


def test_extension_starts_from_the_platform_as_it_is(client, role_users, extension_scenario, ledger, staged):
    run = run_now(extension_scenario, role_users["admin"])
    assert run.status == "succeeded", run.error
    snapshot = run.snapshot
    residents = {m["id"]: m["resident_host"] for m in snapshot["machines"] if m.get("resident_host")}
    assert residents == {"vm-tax-1": "VH-1", "vm-tax-2": "VH-2", "vm-lib-1": "VH-1"}
    assert snapshot["planner"]["mixed_hosts"] == ["VH-1"]  # LGWAN and internet VMs share VH-1 today
    plan = run.plan
    assert {h["key"] for h in plan["hosts"] if h["kind"] == "existing"} == {"VH-1", "VH-2"}
    fits = plan["fits_now"]
    assert fits["candidates"] == 4  # S003's two servers, S005's and S006's
    assert all(r["feasible"] for r in plan["rows"]) and run.feasible
    page_client = client
    page_client.force_login(role_users["admin"])
    page = page_client.get(run.get_absolute_url()).content.decode()
    assert 'data-testid="extension-summary"' in page and 'data-testid="existing-hosts"' in page
    assert "VH-1（既存）" in page or "VH-2（既存）" in page


def test_extension_keeps_pinned_machines_in_place(role_users, extension_scenario, ledger):
    extension_scenario.platform_machines = "pinned"
    extension_scenario.segment_separation = False  # VH-1 mixes segments today (see the mixed-host note)
    extension_scenario.save()
    run = run_now(extension_scenario, role_users["admin"])
    assert run.status == "succeeded" and run.feasible, run.error
    it = run.plan["itinerary"]
    assert (
        it["vm-tax-1"] == [[FY, "VH-1"]]
        and it["vm-lib-1"] == [[FY, "VH-1"]]
        and it["vm-tax-2"] == [[FY, "VH-2"]]
    )
    placement = run.result["placement"]
    hosts = run.result["hosts"]
    assert (
        hosts[placement["vm-tax-1"]]["host_id"] == "VH-1"
        and hosts[placement["vm-tax-2"]]["host_id"] == "VH-2"
    )


def test_extension_refuses_the_platform_as_its_own_candidates(host_model, ledger):
    from django.core.exceptions import ValidationError

    from .conftest import make_scenario

    with pytest.raises(ValidationError, match="基盤の仮想マシンは自動的に含まれます"):
        make_scenario(host_model, extend_platform=True)  # selection: shared platform VMs
