"""Permission matrix of the planner (SPEC §1): host models, scenarios and runs are master data —
every role reads them, only IT policy admins write, run or adopt; exports follow the role's export
right; users without a role see nothing. Pages and API alike."""

import pytest
from django.urls import reverse

from saiteki.consolidation import services
from saiteki.consolidation.models import Scenario, ScenarioRun
from saiteki.core.models import ObjectChange
from saiteki.core.testing import make_user

from .conftest import make_scenario

pytestmark = pytest.mark.django_db

ROLES = ["admin", "owner", "advisor", "viewer", "auditor", "none"]

PAGE_MATRIX = {
    "hostmodel_list": [200, 200, 200, 200, 200, 403],
    "hostmodel_detail": [200, 200, 200, 200, 200, 404],
    "hostmodel_add": [200, 403, 403, 403, 403, 403],
    "hostmodel_edit": [200, 403, 403, 403, 403, 404],
    "hostmodel_export": [200, 200, 200, 403, 200, 403],
    "scenario_list": [200, 200, 200, 200, 200, 403],
    "scenario_detail": [200, 200, 200, 200, 200, 404],
    "scenario_add": [200, 403, 403, 403, 403, 403],
    "scenario_edit": [200, 403, 403, 403, 403, 404],
    "scenario_history": [200, 200, 200, 403, 200, 404],
    "scenario_export": [200, 200, 200, 403, 200, 403],
    "run_detail": [200, 200, 200, 200, 200, 404],
    "run_export": [200, 200, 200, 403, 200, 404],
}


@pytest.fixture
def run(vm_scenario, role_users):
    run = services.scenario_run_create(scenario=vm_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def _url(name, run):
    scenario, hm = run.scenario, run.scenario.host_model
    return {
        "hostmodel_list": reverse("consolidation:hostmodel_list"),
        "hostmodel_detail": reverse("consolidation:hostmodel_detail", args=[hm.pk]),
        "hostmodel_add": reverse("consolidation:hostmodel_add"),
        "hostmodel_edit": reverse("consolidation:hostmodel_edit", args=[hm.pk]),
        "hostmodel_export": reverse("consolidation:hostmodel_list") + "?export=xlsx",
        "scenario_list": reverse("consolidation:scenario_list"),
        "scenario_detail": reverse("consolidation:scenario_detail", args=[scenario.pk]),
        "scenario_add": reverse("consolidation:scenario_add"),
        "scenario_edit": reverse("consolidation:scenario_edit", args=[scenario.pk]),
        "scenario_history": reverse("consolidation:scenario_history", args=[scenario.pk]),
        "scenario_export": reverse("consolidation:scenario_list") + "?export=xlsx",
        "run_detail": reverse("consolidation:run_detail", args=[run.pk]),
        "run_export": reverse("consolidation:run_export", args=[run.pk]),
    }[name]


@pytest.mark.parametrize("name", list(PAGE_MATRIX))
def test_page_matrix(client, role_users, run, name):
    got = []
    for role in ROLES:
        client.force_login(role_users[role])
        got.append(client.get(_url(name, run)).status_code)
    assert got == PAGE_MATRIX[name]


def test_only_admins_run_and_adopt(client, role_users, run):
    url_run = reverse("consolidation:scenario_run", args=[run.scenario.pk])
    url_adopt = reverse("consolidation:run_adopt", args=[run.pk])
    got_run, got_adopt = [], []
    for role in reversed(ROLES):  # admin last: its adoption changes the run
        client.force_login(role_users[role])
        got_run.append(client.post(url_run).status_code)
        got_adopt.append(client.post(url_adopt).status_code)
    assert got_run == [404, 403, 403, 403, 403, 302]
    assert got_adopt == [404, 403, 403, 403, 403, 302]
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
        "current_cost_basis": "ledger",
        "current_hw_per_server_year": "0",
        "current_maintenance_per_server_year": "0",
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
    # Bad input: a Japanese error beside the field, nothing changed.
    bad = {**data, "headroom_pct": "95", "vcpu_overcommit": "0.5", "filter_server_kind": "physical"}
    response = client.post(
        reverse("consolidation:scenario_edit", args=[scenario.pk]), {**bad, "version": scenario.version}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "機器の種別は「台帳の条件で選ぶ」のときだけ指定できます。" in page
    scenario.refresh_from_db()
    assert scenario.headroom_pct == 20


API_MATRIX = {
    "scenario_list": [200, 200, 200, 200, 200, 403],
    "scenario_retrieve": [200, 200, 200, 200, 200, 403],
    "scenario_create": [405, 403, 403, 403, 403, 403],
    "hostmodel_list": [200, 200, 200, 200, 200, 403],
    "run_list": [200, 200, 200, 200, 200, 403],
    "run_retrieve": [200, 200, 200, 200, 200, 403],
    "run_create": [202, 403, 403, 403, 403, 403],
}


@pytest.mark.parametrize("action", list(API_MATRIX))
def test_api_matrix(api_client, role_users, run, action):
    got = []
    base = "/api/v1/consolidation/"
    for role in ROLES:
        api_client.force_authenticate(role_users[role])
        r = {
            "scenario_list": lambda: api_client.get(f"{base}scenarios/"),
            "scenario_retrieve": lambda: api_client.get(f"{base}scenarios/{run.scenario.pk}/"),
            "scenario_create": lambda: api_client.post(f"{base}scenarios/", {"name": "x"}, format="json"),
            "hostmodel_list": lambda: api_client.get(f"{base}host-models/"),
            "run_list": lambda: api_client.get(f"{base}runs/"),
            "run_retrieve": lambda: api_client.get(f"{base}runs/{run.pk}/"),
            "run_create": lambda: api_client.post(
                f"{base}runs/", {"scenario": run.scenario.pk}, format="json"
            ),
        }[action]()
        got.append(r.status_code)
    assert got == API_MATRIX[action]


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


def test_list_queries_do_not_grow_with_rows(
    client, role_users, host_model, ledger, django_assert_max_num_queries
):
    client.force_login(role_users["admin"])
    make_scenario(host_model, name="s0")
    with django_assert_max_num_queries(40) as ctx:
        client.get(reverse("consolidation:scenario_list"))
    baseline = len(ctx.captured_queries)
    for i in range(1, 8):
        make_scenario(host_model, name=f"s{i}")
    with django_assert_max_num_queries(baseline):
        client.get(reverse("consolidation:scenario_list"))


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
