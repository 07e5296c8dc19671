"""API of the planner's second round: scenarios and host models are writable with the same policy as
the pages (only IT policy admins), with If-Match and the model's own validation; a run's per-year
results are readable; runs can be cancelled through the API."""

import pytest

from saiteki.consolidation import services
from saiteki.consolidation.models import HostModel, Scenario
from saiteki.core.models import ObjectChange
from saiteki.core.testing import assert_matrix, statuses

from .conftest import FY

pytestmark = pytest.mark.django_db
BASE = "/api/v1/consolidation/"


def scenario_body(host_model, **kw):
    body = {
        "name": "APIのシナリオ",
        "fiscal_year": FY + 1,
        "selection": "filter",
        "filter_server_kind": "physical",
        "host_model": host_model.pk,
        "planning": "multi_year",
        "horizon_years": 4,
        "current_hw_per_server_year": 1_000_000,
    }
    body.update(kw)
    return body


def test_write_matrix(api_client, role_users, host_model, ledger):
    roles_in_order = ("none", "auditor", "viewer", "advisor", "owner", "admin")  # admin last: it writes
    got = assert_matrix(
        api_client,
        role_users,
        {
            "create a scenario": (
                lambda c, role: c.post(
                    f"{BASE}scenarios/", scenario_body(host_model, name=f"s-{role}"), format="json"
                ),
                statuses(201, 403, 403, 403, 403, 403),
            ),
            "create a host model": (
                lambda c, role: c.post(
                    f"{BASE}host-models/",
                    {"name": f"h-{role}", "cpu_cores": 16, "memory_gib": 256, "storage_gib": 4000},
                    format="json",
                ),
                statuses(201, 403, 403, 403, 403, 403),
            ),
            "patch the host model": (
                lambda c, role: c.patch(
                    f"{BASE}host-models/{host_model.pk}/", {"power_w": 700}, format="json"
                ),
                statuses(200, 403, 403, 403, 403, 403),
            ),
        },
        roles=roles_in_order,
    )
    assert got
    assert list(Scenario.objects.values_list("name", flat=True)) == ["s-admin"]
    assert (
        HostModel.objects.filter(name="h-admin").exists()
        and not HostModel.objects.filter(name="h-owner").exists()
    )
    host_model.refresh_from_db()
    assert host_model.power_w == 700
    assert ObjectChange.objects.filter(object_repr="s-admin", action="create").exists()


def test_update_with_if_match_and_model_rules(api_client, role_users, host_model, ledger):
    api_client.force_authenticate(role_users["admin"])
    created = api_client.post(f"{BASE}scenarios/", scenario_body(host_model), format="json")
    assert created.status_code == 201, created.json()
    url = f"{BASE}scenarios/{created.json()['id']}/"
    etag = api_client.get(url)["ETag"]
    ok = api_client.patch(url, {"horizon_years": 6}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["horizon_years"] == 6 and ok["ETag"] != etag
    stale = api_client.patch(url, {"horizon_years": 3}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    # The rules between fields are the model's, in Japanese, and nothing changes.
    bad = api_client.patch(url, {"extend_platform": True, "selection": "shared_platform"}, format="json")
    assert bad.status_code == 400
    assert "基盤の仮想マシンは自動的に含まれます" in str(bad.json())
    bad = api_client.patch(url, {"headroom_pct": 95}, format="json")
    assert bad.status_code == 400
    scenario = Scenario.objects.get()
    assert scenario.horizon_years == 6 and not scenario.extend_platform and scenario.headroom_pct == 20
    # A host model in use cannot be deleted (409), an unused one can.
    assert api_client.delete(f"{BASE}host-models/{host_model.pk}/").status_code == 409


def test_per_year_results_and_cancel(api_client, role_users, multiyear_scenario, vm_scenario):
    run = services.scenario_run_create(scenario=multiyear_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    run.refresh_from_db()
    api_client.force_authenticate(role_users["viewer"])
    body = api_client.get(f"{BASE}runs/{run.pk}/years/").json()
    assert body["start"] == FY + 1 and body["end"] == FY + 4 and len(body["years"]) == 4
    assert sum(y["cost"] for y in body["years"]) == run.plan_cost == body["plan_cost"]
    assert sum(y["hosts_bought"] for y in body["years"]) == run.new_hosts
    assert set(body["years"][0]["cost_by_category"]) >= {"hw_purchase", "hw_maintenance"}
    assert body["progress"] is None
    # The detail for a viewer: the per-year rows, never the machine-level plan.
    detail = api_client.get(f"{BASE}runs/{run.pk}/").json()
    assert isinstance(detail["plan"], list) and detail["inputs"] is None
    # One-shot runs have no years; cancelling is for admins, and only while the run is open.
    queued = services.scenario_run_start(scenario=vm_scenario, user=role_users["admin"])
    assert api_client.get(f"{BASE}runs/{queued.pk}/years/").json()["years"] is None
    assert api_client.post(f"{BASE}runs/{queued.pk}/cancel/", {}, format="json").status_code == 403
    api_client.force_authenticate(role_users["admin"])
    response = api_client.post(f"{BASE}runs/{queued.pk}/cancel/", {"reason": "条件の誤り"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api_client.post(f"{BASE}runs/{queued.pk}/cancel/", {}, format="json").status_code == 400
