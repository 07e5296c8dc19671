"""/healthz for the load balancer, the worker heartbeat, the 運用状況 page and request ids in logs."""

from __future__ import annotations

import datetime
import json
import logging
import socket
import uuid

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend
from django.urls import reverse
from django.utils import timezone

from saiteki.core.health import Heartbeat
from saiteki.core.models import Job, WorkerHeartbeat
from saiteki.core.requestlog import JsonFormatter, RequestIdFilter


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unreachable_database(settings, tmp_path):
    """A second connection whose server is really not there: PostgreSQL on a closed port, SQLite in a
    folder that does not exist. Registered under its own alias and checked by /healthz."""
    default = connections["default"].settings_dict
    broken = {**default, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False}
    if connections["default"].vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT=str(_closed_port()), NAME="saiteki_ops_nowhere")
        broken["OPTIONS"] = {**broken.get("OPTIONS", {}), "connect_timeout": 3}
    else:
        broken.update(NAME=str(tmp_path / "no-such-folder" / "db.sqlite3"), TEST={"NAME": None})
    wrapper = load_backend(broken["ENGINE"]).DatabaseWrapper(broken, "unreachable")
    connections["unreachable"] = wrapper
    settings.SAITEKI_HEALTH_DATABASES = ["default", "unreachable"]
    yield
    wrapper.close()
    del connections["unreachable"]


@pytest.mark.django_db
def test_healthz_answers_anonymously_without_a_session(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # the balancer probes by address
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["disk"]["status"] == "ok"
    # No worker has ever beaten in this database: the node serves, but someone should know.
    assert body["checks"]["worker"]["status"] == "degraded"
    assert body["status"] == "degraded"
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert response["Cache-Control"] == "no-store"
    assert uuid.UUID(response["X-Request-ID"])


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["saiteki.example.lg.jp"]
    assert client.get("/healthz", HTTP_HOST="10.0.0.7").status_code == 200
    # The rest of the site still is, and refuses the unknown host.
    assert client.get("/accounts/login/", HTTP_HOST="saiteki.example.lg.jp").status_code == 301
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_healthz_fails_when_a_database_is_unreachable(client, unreachable_database):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    database = body["checks"]["database"]
    assert database["status"] == "fail" and "unreachable" in database["message"]
    assert database["databases"]["default"]["status"] == "ok"
    assert database["databases"]["unreachable"]["status"] == "fail"
    # The failure is a real connection error from the driver, not a made-up answer.
    assert database["databases"]["unreachable"]["error"] == "OperationalError"


@pytest.mark.django_db(transaction=True)
def test_live_worker_makes_healthz_ok_and_a_stale_one_degraded(client):
    beat = Heartbeat(kind="worker", worker_id="w-live", interval=3600).start()
    try:
        assert client.get("/healthz").json()["checks"]["worker"]["status"] == "ok"
        assert client.get("/healthz").json()["status"] == "ok"
        WorkerHeartbeat.objects.filter(worker_id="w-live").update(
            beat_at=timezone.now() - datetime.timedelta(minutes=5)
        )
        body = client.get("/healthz").json()
        assert body["checks"]["worker"]["status"] == "degraded" and body["checks"]["worker"]["stale"] == 1
        assert client.get("/healthz").status_code == 200  # degraded still serves
        beat.beat()  # the next tick brings it back
        assert client.get("/healthz").json()["checks"]["worker"]["status"] == "ok"
    finally:
        beat.stop()
    assert WorkerHeartbeat.objects.get(worker_id="w-live").stopped_at is not None
    assert client.get("/healthz").json()["checks"]["worker"]["status"] == "degraded"


@pytest.mark.django_db(transaction=True)
def test_run_worker_beats_and_records_its_tasks(admin_selftest_job):
    call_command(
        "run_worker", "--batch", "--no-startup-delay", "--worker-id", "w-batch", "--no-reload", verbosity=0
    )
    job = Job.objects.get(pk=admin_selftest_job.pk)
    assert job.status == Job.Status.SUCCEEDED
    hb = WorkerHeartbeat.objects.get(worker_id="w-batch")
    assert hb.kind == "worker" and hb.tasks_done == 1 and hb.stopped_at is not None and hb.pid


@pytest.fixture
def admin_selftest_job(role_users, django_capture_on_commit_callbacks):
    from saiteki.core.jobs import job_enqueue

    with django_capture_on_commit_callbacks(execute=True):
        return job_enqueue(kind="core.selftest", title="確認", params={"steps": 2}, user=role_users["admin"])


@pytest.mark.django_db
def test_operations_page_shows_stale_workers(client, role_users):
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="a", hostname="app1", pid=11, beat_at=now)
    WorkerHeartbeat.objects.create(
        worker_id="b", hostname="app2", pid=22, beat_at=now - datetime.timedelta(minutes=10)
    )
    WorkerHeartbeat.objects.create(
        worker_id="c", kind="scheduler", hostname="app1", pid=33, beat_at=now, stopped_at=now
    )
    client.force_login(role_users["auditor"])
    page = client.get(reverse("core:operations")).content.decode()
    assert 'data-testid="worker-live"' in page and 'data-testid="worker-stopped"' in page
    assert 'data-testid="worker-stale"' in page and "app2:22" in page and "応答なし" in page
    assert "応答のないワーカーがあります（1 件）" in page
    for role in ("owner", "viewer", "advisor"):
        client.force_login(role_users[role])
        assert client.get(reverse("core:operations")).status_code == 403


def test_log_records_carry_the_request_id_as_json():
    record = logging.LogRecord("saiteki.x", logging.INFO, __file__, 1, "保存しました %s", ("A",), None)
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "保存しました A" and line["request_id"] == "-" and line["level"] == "INFO"


@pytest.mark.django_db
def test_request_id_is_answered_logged_and_used_by_the_change_log(client, role_users, settings, caplog):
    settings.SAITEKI_REQUEST_LOG = True
    client.force_login(role_users["admin"])
    given = uuid.uuid4()
    caplog.set_level(logging.INFO, logger="saiteki.request")
    response = client.get(reverse("core:home"), HTTP_X_REQUEST_ID=str(given))
    assert response["X-Request-ID"] == str(given)
    access = [r for r in caplog.records if r.name == "saiteki.request"]
    assert access and access[-1].status == 200 and access[-1].path == "/"
    assert access[-1].user_id == role_users["admin"].pk
    line = json.loads(JsonFormatter().format(access[-1]))
    assert line["status"] == 200 and "duration_ms" in line
    # A value that is not a UUID is replaced (the change log stores UUIDs), never echoed.
    response = client.get(reverse("core:home"), HTTP_X_REQUEST_ID="<script>")
    assert uuid.UUID(response["X-Request-ID"])

    from saiteki.core.models import ObjectChange

    org = role_users["owner"].current_division
    response = client.post(
        reverse("accounts:organization_edit", args=[org.pk]),
        {
            "kind": "division",
            "code": org.code,
            "name": "税務課（要求ID）",
            "parent": org.parent_id,
            "valid_from": "2000-04-01",
            "sort_order": 5,
            "version": org.version,
        },
        HTTP_X_REQUEST_ID=str(given),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ObjectChange.objects.filter(request_id=given, object_id=org.pk).exists()
