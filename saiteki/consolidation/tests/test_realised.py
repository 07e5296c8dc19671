"""Realised savings from hand-built ledger changes: after a plan is adopted, a system whose hosting
form becomes 共通基盤 and whose server leaves the ledger counts as done (per machine, system and
year); its saving is its recorded hardware cost the year before the move minus the year after, beside
the forecast; the KPI source and the annual report's table give the same figure."""

import datetime

import pytest
from django.utils import timezone

from saiteki.consolidation import realised, services
from saiteki.consolidation.kpi_sources import REALISED_SAVINGS
from saiteki.consolidation.reports import realised_savings_table
from saiteki.core.context import change_context
from saiteki.core.registry import registry
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm
from saiteki.ledger.models import Cost

from .conftest import FY

pytestmark = pytest.mark.django_db


def cost(system, fy, category, stage, amount):
    Cost.objects.create(system=system, fiscal_year=fy, category=category, stage=stage, amount=amount)


@pytest.fixture
def adopted(role_users, multiyear_scenario, staged):
    run = services.scenario_run_create(scenario=multiyear_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    services.scenario_run_adopt(run=run, user=role_users["admin"])
    run.refresh_from_db()
    return run


def move_to_platform(system, server, when: datetime.datetime, user):
    """What the owner records when the system has moved: the hosting form, and the old server gone."""
    with change_context(user=user, at=when, reason="共通基盤へ移行"):
        system.hosting_form = HostingForm.SHARED_PLATFORM
        system.save()
        server.delete()


def test_nothing_is_done_right_after_adoption(adopted):
    progress = realised.run_progress(adopted)
    assert progress["totals"]["done"] == 0 and progress["totals"]["systems"] == 3
    assert {r["state"] for r in progress["systems"]} == {"pending"}
    assert all(st["state"] == "pending" for st in progress["machines"])


def test_a_moved_system_counts_as_done_with_its_realised_saving(adopted, staged, role_users):
    a = staged["a"]
    cost(a, FY + 1, CostCategory.HW_LEASE, CostStage.ACTUAL, 1_000_000)
    cost(a, FY + 1, CostCategory.HW_MAINTENANCE, CostStage.ACTUAL, 200_000)
    cost(a, FY + 1, CostCategory.HW_MAINTENANCE, CostStage.BUDGET, 999_999)  # 決算額 wins over 予算額
    cost(a, FY + 3, CostCategory.HW_MAINTENANCE, CostStage.BUDGET, 50_000)
    cost(a, FY + 3, CostCategory.SW_LICENSE, CostStage.BUDGET, 700_000)  # not hardware: not counted
    moved_at = timezone.make_aware(datetime.datetime(FY + 2, 10, 1, 9, 0))  # FY+2
    move_to_platform(a, staged["sv_a"], moved_at, role_users["owner"])

    progress = realised.run_progress(adopted)
    rows = {r["number"]: r for r in progress["systems"]}
    done = rows["S005"]
    assert done["state"] == "done" and done["moved_fy"] == FY + 2 and done["planned_fy"] == FY + 2
    assert done["before"] == 1_200_000 and done["before_stage"] == "actual"
    assert done["after"] == 50_000 and done["after_stage"] == "budget"
    assert done["realised"] == 1_150_000
    assert (
        done["forecast"]
        == 0
        + adopted.parameters["current_hw_per_server_year"]
        + adopted.parameters["current_maintenance_per_server_year"]
    )
    assert rows["S006"]["state"] == "pending" and rows["S006"]["realised"] is None
    machines = {st["machine"]: st for st in progress["machines"]}
    assert machines["sv-shinsei-1"]["state"] == "done" and machines["sv-shinsei-1"]["reason"] == "removed"
    assert machines["sv-bunsho-1"]["state"] == "pending"
    years = {y["fy"]: y for y in progress["years"]}
    assert years[FY + 2]["done"] == 1 and years[FY + 2]["realised"] == 1_150_000
    assert years[FY + 3]["pending"] == 1
    assert progress["totals"]["done"] == 1 and progress["totals"]["realised"] == 1_150_000

    # The KPI counts the year after the move (and not the move's own year); evidence names the system.
    source = registry.kpi_sources[REALISED_SAVINGS]
    assert source.compute(FY + 2) is None
    assert source.compute(FY + 3) == 1_150_000
    evidence = source.evidence(FY + 3)
    assert [r["label"] for r in evidence["records"]] == ["S005 電子申請システム"]
    table = realised_savings_table(FY + 3)
    assert table["rows"][0][0] == "S005 電子申請システム" and table["rows"][-1][-1] == 1_150_000


def test_a_system_form_changed_but_server_still_physical_is_partial(adopted, staged, role_users):
    with change_context(user=role_users["owner"]):
        staged["b"].hosting_form = HostingForm.SHARED_PLATFORM
        staged["b"].save()
    rows = {r["number"]: r for r in realised.run_progress(adopted)["systems"]}
    assert rows["S006"]["state"] == "partial"


def test_a_server_that_became_a_vm_on_a_host_is_done(adopted, staged, ledger, role_users):
    server = staged["sv_b"]
    with change_context(user=role_users["owner"]):
        server.kind = "virtual"
        server.host = ledger["hosts"][0]
        server.save()
        staged["b"].hosting_form = HostingForm.SHARED_PLATFORM
        staged["b"].save()
    states = realised.machine_states(adopted)
    assert states["sv-bunsho-1"]["state"] == "done" and states["sv-bunsho-1"]["reason"] == "virtualised"
    rows = {r["number"]: r for r in realised.run_progress(adopted)["systems"]}
    assert rows["S006"]["state"] == "done" and rows["S006"]["realised"] is None  # no costs recorded yet


def test_the_result_page_shows_progress_to_the_admin_and_scopes_owners(
    client, adopted, staged, role_users, orgs
):

    move_to_platform(staged["a"], staged["sv_a"], timezone.now(), role_users["owner"])
    client.force_login(role_users["admin"])
    page = client.get(adopted.get_absolute_url()).content.decode()
    assert 'data-testid="progress-summary"' in page and "移行済み 1／3システム" in page
    assert "S006 文書管理システム" in page
    # The 税務課 owner sees their systems and the totals, not 県立図書館's S006 by name.
    client.force_login(role_users["owner"])
    page = client.get(adopted.get_absolute_url()).content.decode()
    assert "移行済み 1／3システム" in page and "S006 文書管理システム" not in page
    assert "閲覧権限のない所属のシステムが 1件" in page
