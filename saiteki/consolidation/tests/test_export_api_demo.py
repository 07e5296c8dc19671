"""The run's xlsx (opens with openpyxl, Japanese sheets and headers, formula injection neutralised),
the API's run creation and detail, and the demo loader (deterministic set-up, idempotent)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from saiteki.accounts.choices import Role
from saiteki.consolidation import services
from saiteki.consolidation.models import HostModel, Scenario, ScenarioRun
from saiteki.core.models import AuditEvent, Job
from saiteki.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(vm_scenario, role_users):
    run = services.scenario_run_create(scenario=vm_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_xlsx_export_has_every_section_with_japanese_headers(client, role_users, run, ledger):
    # A hostile system name (user input) must stay text in Excel, never become a formula.
    waves = run.waves
    for s in waves["systems"]:
        if s["system_id"] == ledger["lib"].pk:
            s["name"] = '=HYPERLINK("http://x")'
    ScenarioRun.objects.filter(pk=run.pk).update(waves=waves)
    result = run.result
    client.force_login(role_users["auditor"])
    response = client.get(reverse("consolidation:run_export", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "概要",
        "規則",
        "ホスト別配置",
        "削減効果",
        "現行経費の内訳",
        "移行計画（年度別）",
        "移行計画（システム別）",
    ]
    hosts = wb["ホスト別配置"]
    # Row 1 names the run, row 2 is the header (frozen), data from row 3.
    assert hosts["A1"].value == f"サーバ集約計画　{run.scenario.name}　第{run.number}回　ホスト別配置"
    assert hosts.freeze_panes == "A3"
    header = [c.value for c in hosts[2]]
    assert header[:5] == ["ホスト番号", "ネットワーク区分", "機器名", "種別", "システム"]
    assert hosts.max_row == 2 + sum(len(h["machines"]) for h in result["hosts"]) == 5
    hostile = [
        c
        for row in wb["移行計画（システム別）"].iter_rows(min_row=3)
        for c in row
        if "HYPERLINK" in str(c.value)
    ]
    assert len(hostile) == 1 and hostile[0].data_type == "s" and hostile[0].value.startswith("=")
    savings = wb["削減効果"]
    assert [c.value for c in savings[2]][:4] == ["区分", "現行／集約後", "内訳", "計算式"]
    assert any("×" in str(row[3].value or "") for row in savings.iter_rows(min_row=3))
    assert savings.cell(3, 5).number_format == "#,##0"  # yen amounts with separators
    summary = {row[0].value: row[1].value for row in wb["概要"].iter_rows(min_row=3)}
    assert summary["必要ホスト数"] == run.hosts_used and summary["最適性の証明"] == "はい"
    assert AuditEvent.objects.filter(kind="export", object_id=str(run.pk)).exists()


def test_api_creates_a_run_and_returns_its_documents(api_client, role_users, vm_scenario, run):
    api_client.force_authenticate(role_users["admin"])
    response = api_client.post("/api/v1/consolidation/runs/", {"scenario": vm_scenario.pk}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (
        body["status"] == "queued" and body["number"] == 2 and body["url"].startswith("/consolidation/runs/")
    )
    assert Job.objects.filter(pk=body["job"]).exists()
    listing = api_client.get(f"/api/v1/consolidation/runs/?scenario={vm_scenario.pk}").json()
    assert listing["count"] == 2 and "result" not in listing["results"][0]
    detail = api_client.get(f"/api/v1/consolidation/runs/{run.pk}/").json()
    assert detail["hosts_used"] == run.hosts_used and detail["result"]["hosts_used"] == run.hosts_used
    assert detail["inputs"]["dimensions"] == ["vcpu", "memory_gib", "storage_gib"]
    bad = api_client.post("/api/v1/consolidation/runs/", {"scenario": 999999}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_api_refuses_a_scenario_with_nothing_selected(api_client, role_users, vm_scenario):
    vm_scenario.filter_segment = "mynumber"
    vm_scenario.save()
    api_client.force_authenticate(role_users["admin"])
    response = api_client.post("/api/v1/consolidation/runs/", {"scenario": vm_scenario.pk}, format="json")
    assert response.status_code == 400
    assert "条件に合う機器がありません" in response.json()["error"]["message"]
    assert not ScenarioRun.objects.exists()


def test_demo_loader_is_idempotent(ledger, orgs):
    from saiteki.consolidation.demo import (
        EXTENSION_SCENARIO,
        MULTIYEAR_SCENARIO,
        RENEWAL_SCENARIO,
        VM_SCENARIO,
        load_consolidation,
    )

    make_user("demo-admin", Role.ADMIN, orgs["情報政策課"])
    message = load_consolidation()
    assert VM_SCENARIO in message and RENEWAL_SCENARIO in message
    assert MULTIYEAR_SCENARIO in message and EXTENSION_SCENARIO in message
    multiyear = Scenario.objects.get(name=MULTIYEAR_SCENARIO).runs.get()
    assert multiyear.plan and multiyear.adopted_at and multiyear.plan_cost is not None
    extension = Scenario.objects.get(name=EXTENSION_SCENARIO).runs.get()
    assert extension.status == "succeeded" and extension.plan["fits_now"] is not None
    vm = Scenario.objects.get(name=VM_SCENARIO)
    run = vm.runs.get()
    assert run.status == "succeeded" and run.machine_count == 3 and run.feasible
    hm = HostModel.objects.get()
    assert (hm.cpu_cores, hm.memory_gib, hm.power_w) == (48, 768, 900)
    load_consolidation()
    assert (HostModel.objects.count(), Scenario.objects.count(), ScenarioRun.objects.count()) == (1, 4, 4)
