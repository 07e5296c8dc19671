"""Scheduled jobs: due times, once per due time even with two schedulers, run in the worker, the page.

The schedule ``flow.tally`` (every 60 minutes) is declared by the test app's ``schedules.py`` and its
job kind by its ``tasks.py``: nothing in core names them.
"""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from saiteki.core import scheduler
from saiteki.core.models import Job, ScheduleRun
from saiteki.core.registry import Schedule, registry
from saiteki.core.roles import Role
from saiteki.core.testing import is_postgres, run_pending_tasks

JST = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture(autouse=True)
def only_the_test_schedule(monkeypatch):
    """Other apps declare schedules too; these tests count runs of the test app's one alone."""
    monkeypatch.setattr(registry, "schedules", {"flow.tally": registry.schedules["flow.tally"]})


def at(y, m, d, hh, mm, ss=0):
    return datetime.datetime(y, m, d, hh, mm, ss, tzinfo=JST)


def test_declared_by_the_test_app():
    schedule = registry.schedules["flow.tally"]
    assert schedule.job_kind == "flow.tally" and schedule.job_kind in registry.job_kinds


@pytest.mark.parametrize(
    ("kwargs", "now", "due", "next_"),
    [
        ({"every_minutes": 60}, at(2026, 4, 1, 10, 59, 59), at(2026, 4, 1, 10, 0), at(2026, 4, 1, 11, 0)),
        ({"every_minutes": 15}, at(2026, 4, 1, 10, 30), at(2026, 4, 1, 10, 30), at(2026, 4, 1, 10, 45)),
        ({"every_minutes": 1440}, at(2026, 4, 1, 8, 0), at(2026, 4, 1, 0, 0), at(2026, 4, 2, 0, 0)),
        ({"every_minutes": 10080}, at(2026, 4, 1, 8, 0), at(2026, 3, 30, 0, 0), at(2026, 4, 6, 0, 0)),  # Mon
        ({"at": "02:30"}, at(2026, 4, 1, 2, 29), at(2026, 3, 31, 2, 30), at(2026, 4, 1, 2, 30)),
        ({"at": "02:30"}, at(2026, 4, 1, 2, 30), at(2026, 4, 1, 2, 30), at(2026, 4, 2, 2, 30)),
    ],
)
def test_due_times_in_local_time(settings, kwargs, now, due, next_):
    settings.TIME_ZONE = "Asia/Tokyo"
    schedule = Schedule(name="t", job_kind="core.selftest", title="t", **kwargs)
    assert scheduler.schedule_due_at(schedule, now) == due
    assert scheduler.schedule_next_at(schedule, now) == next_


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"every_minutes": 5, "at": "01:00"}, {"at": "25:00"}, {"at": "2:00"}, {"every_minutes": -1}],
)
def test_bad_declarations_fail_at_start_up(kwargs):
    with pytest.raises(ValueError):
        Schedule(name="bad", job_kind="core.selftest", title="bad", **kwargs)


@pytest.mark.django_db
def test_two_passes_for_the_same_due_time_enqueue_once(django_capture_on_commit_callbacks):
    now = at(2026, 4, 1, 10, 20)
    with django_capture_on_commit_callbacks(execute=True):
        first = scheduler.scheduler_tick(now=now)
        second = scheduler.scheduler_tick(now=now + datetime.timedelta(minutes=30))  # same due time
    assert [r.schedule for r in first] == ["flow.tally"] and second == []
    run = ScheduleRun.objects.get()
    assert run.due_at == at(2026, 4, 1, 10, 0) and not run.manual
    job = Job.objects.get()
    assert run.job == job and job.kind == "flow.tally" and job.title == "申請の集計"
    assert job.params["schedule"] == "flow.tally" and job.task_id
    assert datetime.datetime.fromisoformat(job.params["due_at"]) == run.due_at  # the job knows its due time
    # The next due time is a new run.
    with django_capture_on_commit_callbacks(execute=True):
        third = scheduler.scheduler_tick(now=at(2026, 4, 1, 11, 0))
    assert len(third) == 1 and Job.objects.count() == 2


@pytest.mark.django_db
def test_a_claim_made_by_another_scheduler_is_skipped():
    schedule = registry.schedules["flow.tally"]
    due = at(2026, 4, 1, 10, 0)
    assert scheduler.schedule_claim(schedule=schedule, due_at=due) is not None
    # The other scheduler read "not yet claimed" just before: its insert violates the constraint.
    assert scheduler.schedule_claim(schedule=schedule, due_at=due) is None
    assert ScheduleRun.objects.count() == 1 and Job.objects.count() == 1


@pytest.mark.skipif(not is_postgres(), reason="concurrent writers need a server database")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_schedulers_enqueue_once():
    now = at(2026, 4, 1, 10, 20)
    barrier = threading.Barrier(2)
    results: list = []

    def scheduler_process():
        try:
            barrier.wait()
            results.append(len(scheduler.scheduler_tick(now=now)))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    assert ScheduleRun.objects.count() == 1 and Job.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_scheduled_job_runs_in_the_worker(orgs):
    from saiteki.core.tests.flow.models import Request

    Request.objects.create(title="a", division=orgs["税務課"], amount=1)
    call_command("run_scheduler", "--once", verbosity=0)
    call_command("run_scheduler", "--once", verbosity=0)  # same due time: nothing more
    job = Job.objects.get(kind="flow.tally")
    assert job.status == Job.Status.QUEUED
    run_pending_tasks()
    job.refresh_from_db()
    run = ScheduleRun.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert datetime.datetime.fromisoformat(job.result.pop("due_at")) == run.due_at
    assert job.result == {"draft": 1, "submitted": 0, "approved": 0, "returned": 0}


@pytest.mark.django_db(transaction=True)
def test_schedules_page_and_run_now(client, role_users):
    call_command("run_scheduler", "--once", verbosity=0)
    run_pending_tasks()
    client.force_login(role_users[Role.ADMIN])
    page = client.get(reverse("core:schedules")).content.decode()
    assert "申請の集計" in page and "1時間ごと" in page and "完了" in page
    assert 'data-testid="run-flow.tally"' in page
    job = Job.objects.get()
    assert reverse("core:job_detail", args=[job.pk]) in page  # links to the job page
    response = client.post(reverse("core:schedule_run", args=["flow.tally"]))
    manual = ScheduleRun.objects.get(manual=True)
    assert response.status_code == 302 and response["Location"] == reverse(
        "core:job_detail", args=[manual.job_id]
    )
    assert manual.triggered_by == role_users[Role.ADMIN] and manual.job.created_by == role_users[Role.ADMIN]
    page = client.get(reverse("core:schedules")).content.decode()
    assert "手動" in page and "待機中" in page
    assert client.post(reverse("core:schedule_run", args=["no.such"])).status_code == 302


@pytest.mark.django_db
def test_schedules_page_rights(client, role_users):
    client.force_login(role_users[Role.AUDITOR])  # sees the page, may not run
    page = client.get(reverse("core:schedules")).content.decode()
    assert "申請の集計" in page and "今すぐ実行" not in page
    assert client.post(reverse("core:schedule_run", args=["flow.tally"])).status_code == 403
    for role in (Role.OWNER, Role.VIEWER, Role.ADVISOR):
        client.force_login(role_users[role])
        assert client.get(reverse("core:schedules")).status_code == 403
        assert client.post(reverse("core:schedule_run", args=["flow.tally"])).status_code == 403
    assert not ScheduleRun.objects.exists()


@pytest.mark.django_db
def test_menu_entry_for_schedule_viewers(client, role_users):
    client.force_login(role_users[Role.AUDITOR])
    assert reverse("core:schedules") in client.get(reverse("core:home")).content.decode()
    client.force_login(role_users[Role.OWNER])
    assert reverse("core:schedules") not in client.get(reverse("core:home")).content.decode()


def test_timing_labels():
    mk = lambda **kw: Schedule(name="x", job_kind="k", title="x", **kw)  # noqa: E731
    assert scheduler.schedule_timing_label(mk(at="02:00")) == "毎日 02:00"
    assert scheduler.schedule_timing_label(mk(every_minutes=30)) == "30分ごと"
    assert scheduler.schedule_timing_label(mk(every_minutes=120)) == "2時間ごと"
    assert scheduler.schedule_timing_label(mk(every_minutes=1440)) == "1日ごと"


def test_now_default_is_aware():
    schedule = registry.schedules["flow.tally"]
    assert timezone.is_aware(scheduler.schedule_due_at(schedule))
