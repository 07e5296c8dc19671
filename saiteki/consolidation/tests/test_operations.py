"""Operations: the reaper fails runs whose worker died (Japanese message, job closed), runs can be
cancelled (never started if queued, never overwritten when the worker comes back), the live status
follows the run, and adopting first shows which systems' karte will get the proposal."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from saiteki.consolidation import services
from saiteki.consolidation.models import ScenarioRun
from saiteki.consolidation.schedules import REAP
from saiteki.core.models import Job, JournalEntry
from saiteki.core.registry import registry
from saiteki.core.testing import assert_matrix, statuses

pytestmark = pytest.mark.django_db


def queued(scenario, user) -> ScenarioRun:
    return services.scenario_run_start(scenario=scenario, user=user)


def test_reaper_fails_a_run_whose_worker_stopped_reporting(role_users, vm_scenario):
    run = queued(vm_scenario, role_users["admin"])
    fresh = queued(vm_scenario, role_users["admin"])
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    ScenarioRun.objects.filter(pk=run.pk).update(status="running", started_at=long_ago, heartbeat_at=long_ago)
    ScenarioRun.objects.filter(pk=fresh.pk).update(status="running", heartbeat_at=timezone.now())
    Job.objects.filter(pk=run.job_id).update(status="running")

    assert services.runs_reap() == [run.pk]

    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at
    assert "応答がないため、失敗として記録しました" in run.error and "もう一度実行してください" in run.error
    job = Job.objects.get(pk=run.job_id)
    assert job.status == "failed" and "応答がない" in job.error
    fresh.refresh_from_db()
    assert fresh.status == "running"  # still beating: left alone
    # The worker, if it ever comes back, does not overwrite the verdict.
    assert services.scenario_run_execute(run_id=run.pk)["status"] == "failed"


def test_reaper_fails_a_run_whose_job_ended_without_it(role_users, vm_scenario):
    run = queued(vm_scenario, role_users["admin"])
    Job.objects.filter(pk=run.job_id).update(status="failed", error="worker crashed")
    assert services.runs_reap() == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and "終えないまま終了" in run.error


def test_reaper_is_a_scheduled_job(role_users, vm_scenario):
    assert registry.schedules["consolidation.reap"].job_kind == REAP
    assert registry.schedules["consolidation.reap"].every_minutes == 5
    run = queued(vm_scenario, role_users["admin"])
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    ScenarioRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=long_ago)
    job = Job(kind=REAP, title="t", params={})
    result = registry.job_kinds[REAP](job, lambda pct, msg: None)
    assert result == {"reaped": [run.pk]}


def test_cancelling_a_queued_run_means_it_never_starts(client, role_users, vm_scenario):
    run = queued(vm_scenario, role_users["admin"])
    url = reverse("consolidation:run_cancel", args=[run.pk])
    client.force_login(role_users["owner"])
    assert client.post(url).status_code == 403
    client.force_login(role_users["admin"])
    response = client.post(url, follow=True)
    assert "計算を取り消しました" in response.content.decode()
    run.refresh_from_db()
    assert run.status == "cancelled" and run.cancelled_by == role_users["admin"] and run.cancelled_at
    assert Job.objects.get(pk=run.job_id).status == "failed"
    # The worker picks the task up later: nothing is computed.
    out = services.scenario_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert out["status"] == "cancelled" and run.status == "cancelled" and run.result is None
    # A finished run cannot be cancelled.
    response = client.post(url, follow=True)
    assert "待機中または実行中の計算だけを取り消せます" in response.content.decode()


def test_status_badge_follows_the_run(client, role_users, vm_scenario):
    run = queued(vm_scenario, role_users["admin"])
    client.force_login(role_users["viewer"])
    url = reverse("consolidation:run_status", args=[run.pk])
    response = client.get(url + "?was=queued", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "HX-Refresh" not in response
    assert 'hx-swap-oob="true"' in body and "待機中" in body and "hx-get=" in body
    assert 'data-testid="cancel-run"' not in body  # a viewer cannot cancel
    ScenarioRun.objects.filter(pk=run.pk).update(status="running")
    assert "実行中" in client.get(url + "?was=queued", HTTP_HX_REQUEST="true").content.decode()
    services.scenario_run_cancel(run=run, user=role_users["admin"])
    response = client.get(url + "?was=running", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true" and "取消" in response.content.decode()
    assert "hx-get=" not in response.content.decode()  # finished: polling stops


def test_adopting_asks_for_confirmation_listing_the_systems(client, role_users, ledger, vm_scenario):
    run = services.scenario_run_create(scenario=vm_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    url = reverse("consolidation:run_adopt", args=[run.pk])
    assert_matrix(client, role_users, {url: statuses(200, 403, 403, 403, 403, 404)})
    client.force_login(role_users["admin"])
    page = client.get(url).content.decode()
    assert 'data-testid="adopt-systems"' in page
    assert "S001 税務システム" in page and "S002 図書館システム" in page
    assert "2件のシステムのカルテ" in page
    assert not JournalEntry.objects.filter(kind="proposal").exists()  # the GET wrote nothing
    client.post(url, {"change_reason": "委員会で承認"})
    assert JournalEntry.objects.filter(kind="proposal").count() == 2
    # Once adopted, the confirmation page sends back to the run.
    assert client.get(url).status_code == 302


def test_host_cards_show_system_names(client, role_users, ledger, vm_scenario):
    run = services.scenario_run_create(scenario=vm_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    client.force_login(role_users["admin"])
    page = client.get(run.get_absolute_url()).content.decode()
    assert "S001 税務システム" in page and 'data-testid="host-label"' in page and "新ホスト1" in page
    assert 'data-testid="run-advanced"' in page and "最適化エンジンの版" in page
