"""Scenario from the ledger → background job on the real queue → stored result that the optimizer's
independent checker accepts; the result page; adoption writes proposals to the karte."""

import pytest
from django.urls import reverse

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation import services
from saiteki.consolidation.models import ScenarioRun
from saiteki.core.models import Job, JournalEntry, ObjectChange
from saiteki.core.testing import run_pending_tasks

from .conftest import FY

# The worker closes its database connection after a batch (as a real worker does): real transactions.
pytestmark = pytest.mark.django_db(transaction=True)


def test_run_through_the_queue_stores_a_checked_result(client, role_users, vm_scenario):
    client.force_login(role_users["admin"])
    response = client.post(reverse("consolidation:scenario_run", args=[vm_scenario.pk]))
    run = ScenarioRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert run.status == "queued" and run.number == 1 and run.machine_count == 3
    assert run.job is not None and run.job.kind == "consolidation.run" and run.job.task_id
    page = client.get(run.get_absolute_url()).content.decode()
    assert (
        'data-testid="run-status-panel"' in page and "hx-get=" in page and 'data-testid="cancel-run"' in page
    )

    run_pending_tasks()

    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert job.status == "succeeded" and job.progress == 100 and job.result["url"] == run.get_absolute_url()
    assert run.status == "succeeded" and run.feasible and run.finished_at and run.started_at
    assert run.optimizer_version.startswith("src-") and run.seed == 0 and run.time_limit_s == 2
    # The stored documents round-trip through the library and pass its independent checker.
    scenario = opt.Scenario.from_dict(run.inputs)
    result = opt.PlacementResult.from_dict(run.result)
    checks = opt.check(scenario, result)
    assert checks and all(c.passed for c in checks)
    assert {c.rule for c in checks} >= {"placed_once", "capacity", "segment_separation", "anti_affinity"}
    # Two segments (LGWAN pair with anti-affinity, one internet VM): 3 hosts are needed and proven.
    assert run.hosts_used == 3 and run.lower_bound == 3 and run.optimal
    assert result.placement["vm-tax-1"] != result.placement["vm-tax-2"]
    assert run.savings["hosts"] == 3 and run.waves["start"] == FY + 1
    # The run is in the history of its scenario (the big JSON documents are not copied there).
    change = ObjectChange.objects.filter(object_repr__startswith=vm_scenario.name, action="update").first()
    assert change is not None and "result" not in (change.postchange_data or {})

    page = client.get(run.get_absolute_url()).content.decode()
    assert 'data-testid="before-after"' in page and "新ホスト 3台" in page
    assert "最適（ホスト数が下限と一致" in page
    assert "seg-lgwan" in page and "LGWAN接続系" in page and "インターネット接続系" in page
    assert "w-" in page and 'role="progressbar"' in page and 'style="' not in page
    assert "ネットワーク区分の分離（三層分離）" in page and "✓ 満たす" in page
    assert 'data-testid="savings-table"' in page and 'data-testid="waves-table"' in page
    assert 'id="wave-chart"' in page and "<script>" not in page


def test_adopting_writes_proposals_on_the_affected_systems(client, role_users, ledger, vm_scenario):
    run = services.scenario_run_create(scenario=vm_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    client.force_login(role_users["owner"])
    assert client.post(reverse("consolidation:run_adopt", args=[run.pk])).status_code == 403
    client.force_login(role_users["admin"])
    response = client.post(
        reverse("consolidation:run_adopt", args=[run.pk]), {"change_reason": "委員会で承認"}
    )
    assert response.status_code == 302
    entries = JournalEntry.objects.filter(kind="proposal").order_by("object_id")
    assert {e.object_id for e in entries} == {ledger["tax"].pk, ledger["lib"].pk}
    tax_entry = entries.get(object_id=ledger["tax"].pk)
    assert "サーバ集約計画" in tax_entry.title and "vm-tax-1 → 新ホスト" in tax_entry.body
    run.refresh_from_db()
    assert run.adopted_at and run.adopted_by == role_users["admin"]
    # Adopting again changes nothing.
    client.post(reverse("consolidation:run_adopt", args=[run.pk]))
    assert JournalEntry.objects.filter(kind="proposal").count() == 2
    # The system owner sees the proposal on their system's karte.
    client.force_login(role_users["owner"])
    karte = client.get(
        reverse("ledger:system_detail", args=[ledger["tax"].pk]) + "?tab=karte"
    ).content.decode()
    assert "サーバ集約計画" in karte


def test_a_run_that_cannot_be_placed_fails_with_a_japanese_message(role_users, vm_scenario):
    run = services.scenario_run_create(scenario=vm_scenario, user=role_users["admin"])
    # Tamper with the stored input so the library refuses it (an anti-affinity group of unknown machines).
    inputs = dict(run.inputs)
    inputs["rules"] = {**inputs["rules"], "anti_affinity": [["vm-tax-1", "ghost"]]}
    ScenarioRun.objects.filter(pk=run.pk).update(inputs=inputs)
    with pytest.raises(Exception, match="配置はありません"):
        services.scenario_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "この条件を満たす配置はありません" in run.error


def test_starting_a_run_with_nothing_selected_records_nothing(client, role_users, vm_scenario):
    vm_scenario.filter_segment = "mynumber"  # no VM is in the My Number segment
    vm_scenario.save()
    client.force_login(role_users["admin"])
    response = client.post(reverse("consolidation:scenario_run", args=[vm_scenario.pk]), follow=True)
    assert "条件に合う機器がありません" in response.content.decode()
    assert not ScenarioRun.objects.exists() and not Job.objects.exists()
