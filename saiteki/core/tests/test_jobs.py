"""Background jobs run on the real database queue and report progress on their job record."""

import pytest
from django.urls import reverse

from saiteki.core.jobs import job_enqueue
from saiteki.core.models import Job
from saiteki.core.testing import run_pending_tasks

# The worker closes its database connection when it finishes a batch, as a real worker process does,
# so these tests use real transactions instead of one wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_selftest_job_runs_through_the_queue(client, role_users):
    client.force_login(role_users["admin"])
    response = client.post(reverse("core:job_selftest"))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == "queued" and job.task_id
    page = client.get(reverse("core:job_progress", args=[job.pk])).content.decode()
    assert "hx-get=" in page and "待機中" in page
    run_pending_tasks()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.progress == 100 and job.result == {"steps": 5}
    data = client.get(reverse("core:job_progress", args=[job.pk]), HTTP_ACCEPT="application/json").json()
    assert data == {"status": "succeeded", "progress": 100, "message": "5/5", "finished": True}
    assert "hx-get=" not in client.get(reverse("core:job_progress", args=[job.pk])).content.decode()


def test_failing_job_is_recorded_as_failed(role_users):
    from saiteki.core.jobs import job_kind

    @job_kind("test.boom")
    def boom(job, report):
        report(40, "途中")
        raise RuntimeError("失敗させる")

    job = job_enqueue(kind="test.boom", title="失敗するジョブ", params={}, user=role_users["admin"])
    run_pending_tasks()
    job.refresh_from_db()
    assert job.status == "failed" and "失敗させる" in job.error and job.progress == 40


def test_jobs_of_others_are_hidden(client, role_users):
    job = job_enqueue(kind="core.selftest", title="t", params={}, user=role_users["admin"])
    client.force_login(role_users["owner"])
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 403
    client.force_login(role_users["viewer"])
    assert client.post(reverse("core:job_selftest")).status_code == 403
