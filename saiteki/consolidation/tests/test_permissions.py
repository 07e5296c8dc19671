"""Permission matrix of the planner (SPEC §1): host models, scenarios and runs are master data —
every role reads them, only IT policy admins write, run or adopt; exports follow the role's export
right; users without a role see nothing. Pages and API alike."""

import pathlib

import pytest
from django.urls import reverse

from saiteki.consolidation import services
from saiteki.consolidation.models import Scenario, ScenarioRun
from saiteki.core.models import ObjectChange
from saiteki.core.testing import ROLES, assert_matrix, assert_queries_flat, make_user, statuses

from .conftest import make_scenario

pytestmark = pytest.mark.django_db

QUERY_COUNTS = pathlib.Path(__file__).with_name("query_counts.json")


@pytest.fixture
def run(vm_scenario, role_users):
    run = services.scenario_run_create(scenario=vm_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_page_matrix(client, role_users, run):
    scenario, hm = run.scenario, run.scenario.host_model
    assert_matrix(
        client,
        role_users,
        {
            reverse("consolidation:hostmodel_list"): statuses(200, 200, 200, 200, 200, 403),
            reverse("consolidation:hostmodel_detail", args=[hm.pk]): statuses(200, 200, 200, 200, 200, 404),
            reverse("consolidation:hostmodel_add"): statuses(200, 403, 403, 403, 403, 403),
            reverse("consolidation:hostmodel_edit", args=[hm.pk]): statuses(200, 403, 403, 403, 403, 404),
            reverse("consolidation:hostmodel_list") + "?export=xlsx": statuses(200, 200, 200, 403, 200, 403),
            reverse("consolidation:scenario_list"): statuses(200, 200, 200, 200, 200, 403),
            reverse("consolidation:scenario_detail", args=[scenario.pk]): statuses(
                200, 200, 200, 200, 200, 404
            ),
            reverse("consolidation:scenario_add"): statuses(200, 403, 403, 403, 403, 403),
            reverse("consolidation:scenario_edit", args=[scenario.pk]): statuses(
                200, 403, 403, 403, 403, 404
            ),
            reverse("consolidation:scenario_history", args=[scenario.pk]): statuses(
                200, 200, 200, 403, 200, 404
            ),
            reverse("consolidation:scenario_list") + "?export=xlsx": statuses(200, 200, 200, 403, 200, 403),
            reverse("consolidation:run_detail", args=[run.pk]): statuses(200, 200, 200, 200, 200, 404),
            reverse("consolidation:run_export", args=[run.pk]): statuses(200, 200, 200, 403, 200, 404),
        },
    )


def test_only_admins_run_and_adopt(client, role_users, run):
    url_run = reverse("consolidation:scenario_run", args=[run.scenario.pk])
    url_adopt = reverse("consolidation:run_adopt", args=[run.pk])
    assert_matrix(
        client,
        role_users,
        {
            f"POST {url_run}": statuses(302, 403, 403, 403, 403, 404),
            f"POST {url_adopt}": statuses(302, 403, 403, 403, 403, 404),
        },
        roles=tuple(reversed(ROLES)),  # admin last: its adoption changes the run
    )
    assert ScenarioRun.objects.filter(scenario=run.scenario).count() == 2  # only the admin's run was added
    run.refresh_from_db()
    assert run.adopted_by == role_users["admin"]


def test_admin_creates_and_edits_a_scenario_through_the_form(client, role_users, ledger, host_model):
    client.force_login(role_users["admin"])
    data = {
        "name": "新しいシナリオ",
        "fiscal_year": "R9",
        "selection": "maintenance_due",
        "maintenance_within_years": "3",
        "demand_basis": "peak",
        "host_model": str(host_model.pk),
        "headroom_pct": "20",
        "vcpu_overcommit": "2",
        "segment_separation": "on",
        "anti_affinity": "on",
        "time_limit_s": "5",
        "seed": "1",
        "horizon_years": "5",
        "planning": "multi_year",
        "platform_machines": "pinned",
        "existing_extension_years": "0",
        "current_cost_basis": "ledger",
        "current_hw_per_server_year": "1,200,000",  # separators and full-width digits are accepted
        "current_maintenance_per_server_year": "１２０万",
        "current_licence_per_server_year": "0",
        "current_power_w_default": "400",
        "yen_per_kwh": "30",
        "co2_t_per_kwh": "0.000441",
        "migration_cost_per_machine": "0",
    }
    response = client.post(reverse("consolidation:scenario_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    scenario = Scenario.objects.get(name="新しいシナリオ")
    assert scenario.fiscal_year == 2027 and scenario.n_plus_one is False
    assert scenario.current_hw_per_server_year == 1_200_000
    assert scenario.current_maintenance_per_server_year == 1_200_000
    assert scenario.planning == "multi_year" and scenario.plans_over_years
    page = client.get(reverse("consolidation:scenario_edit", args=[scenario.pk])).content.decode()
    assert 'value="1,200,000"' in page  # shown back with separators
    assert 'data-testid="advanced-settings"' in page and "最適化エンジンの版" in page
    # Bad input: a Japanese error beside the field, nothing changed.
    bad = {
        **data,
        "headroom_pct": "95",
        "vcpu_overcommit": "0.5",
        "filter_server_kind": "physical",
        "migration_cost_per_machine": "百円",
    }
    response = client.post(
        reverse("consolidation:scenario_edit", args=[scenario.pk]), {**bad, "version": scenario.version}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "機器の種別は「台帳の条件で選ぶ」のときだけ指定できます。" in page
    assert "金額として読み取れません" in page
    scenario.refresh_from_db()
    assert scenario.headroom_pct == 20


def test_api_matrix(api_client, role_users, run):
    base = "/api/v1/consolidation/"
    assert_matrix(
        api_client,
        role_users,
        {
            f"{base}scenarios/": statuses(200, 200, 200, 200, 200, 403),
            f"{base}scenarios/{run.scenario.pk}/": statuses(200, 200, 200, 200, 200, 403),
            "create a scenario": (
                lambda c, role: c.post(f"{base}scenarios/", {"name": "x"}, format="json"),
                statuses(400, 403, 403, 403, 403, 403),
            ),
            f"{base}host-models/": statuses(200, 200, 200, 200, 200, 403),
            f"{base}runs/": statuses(200, 200, 200, 200, 200, 403),
            f"{base}runs/{run.pk}/": statuses(200, 200, 200, 200, 200, 403),
            "start a run": (
                lambda c, role: c.post(f"{base}runs/", {"scenario": run.scenario.pk}, format="json"),
                statuses(202, 403, 403, 403, 403, 403),
            ),
        },
    )


def test_owner_sees_other_divisions_costs_only_as_a_total(client, role_users, ledger, renewal_scenario, orgs):
    renewal_scenario.maintenance_within_years = 5
    renewal_scenario.save()
    run = services.scenario_run_create(scenario=renewal_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    client.force_login(role_users["admin"])
    page = client.get(run.get_absolute_url()).content.decode()
    assert reverse("ledger:system_costs", args=[ledger["jumin"].pk]) in page
    # The owner of 税務課 owns S003; the owner of another division sees only an anonymous total.
    other = make_user("t-owner-lib", "owner", orgs["県立図書館"])
    client.force_login(other)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "閲覧権限のない所属のシステム（1件の合計）" in page
    assert reverse("ledger:system_costs", args=[ledger["jumin"].pk]) not in page


def test_list_queries_do_not_grow_with_rows(client, role_users, host_model, ledger):
    client.force_login(role_users["admin"])
    make_scenario(host_model, name="s0")
    url = reverse("consolidation:scenario_list")

    def shows_more(few, many):
        assert "s0" in few.content.decode() and "s7" in many.content.decode()

    assert_queries_flat(
        lambda: client.get(url),
        lambda: [make_scenario(host_model, name=f"s{i}") for i in range(1, 8)],
        label=url,
        check=shows_more,
        baseline=(QUERY_COUNTS, f"admin GET {url}"),
    )


def test_scenarios_with_runs_and_used_host_models_are_kept(client, role_users, run):
    client.force_login(role_users["admin"])
    response = client.post(reverse("consolidation:scenario_delete", args=[run.scenario.pk]), follow=True)
    assert "計算結果があるシナリオは削除できません" in response.content.decode()
    response = client.post(
        reverse("consolidation:hostmodel_delete", args=[run.scenario.host_model.pk]), follow=True
    )
    assert "このホストモデルを使うシナリオがあるため削除できません" in response.content.decode()
    assert Scenario.objects.filter(pk=run.scenario.pk).exists()
    assert not ObjectChange.objects.filter(action="delete").exists()


def test_host_model_page_shows_yen_once(client, role_users, run):
    """The generic detail view formats yen; the page adds only the licence total (no double formatting)."""
    hm = run.scenario.host_model
    client.force_login(role_users["admin"])
    page = client.get(reverse("consolidation:hostmodel_detail", args=[hm.pk])).content.decode()
    assert f"{hm.purchase_price:,}円" in page
    assert "ライセンス合計（1台・年額）" in page
