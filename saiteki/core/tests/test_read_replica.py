"""Issue 14 「Beyond one database server」: reads on a PostgreSQL hot standby, writes on the primary,
read-your-writes for whoever just wrote — against two real PostgreSQL clusters (a primary started on a
spare port with initdb/pg_ctl and a standby made with pg_basebackup -R), which the test starts and
stops. The server on 127.0.0.1:5432 is not touched.

The standby's WAL replay is paused in the middle of the scenario, so the standby really shows the
past: a read that must see a write fails if it went to the standby, and a read that should go to the
standby is seen there by the missing row. The scenario itself is replica_scenario.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from saiteki.accounts.tests.servers import free_port

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "testservers" / "pg_replica.sh"


@pytest.fixture
def primary_and_standby():
    if connection.vendor != "postgresql":
        pytest.skip("読み取りレプリカのテストは PostgreSQL での実行（make test の2回目）で行います")
    data_dir = Path(settings.BASE_DIR) / "var" / "testservers" / f"pg-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    primary, standby = free_port(), free_port()
    started = subprocess.run(
        [SCRIPT, "start", data_dir, str(primary), str(standby)], capture_output=True, text=True, timeout=300
    )
    if started.returncode == 3:  # the server programs are not installed (make test installs them)
        pytest.skip(f"PostgreSQL を起動できません: {started.stderr.strip()}")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield data_dir, primary, standby
    finally:
        subprocess.run([SCRIPT, "stop", data_dir], capture_output=True, timeout=300)


def test_reads_go_to_the_standby_and_writers_read_their_writes(primary_and_standby):
    data_dir, primary, standby = primary_and_standby
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(primary), "-U", "postgres", "-qc", "CREATE DATABASE saiteki"],
        check=True,
        timeout=60,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary}/saiteki",
        "REPLICA_DATABASE_URL": f"postgres://postgres@127.0.0.1:{standby}/saiteki",
        "REPLICA_PIN_SECONDS": "2",
        "AXES_ENABLED": "false",
    }
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    run = subprocess.run(
        [sys.executable, "-m", "saiteki.core.tests.replica_scenario", str(data_dir)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-5000:]
    facts = json.loads(run.stdout.strip().splitlines()[-1])

    # Two real clusters: the primary writes, the standby is in recovery (read-only, replaying WAL).
    assert facts["primary_in_recovery"] is False
    assert facts["replica_in_recovery"] is True
    assert facts["setup_replicated"]

    # A page read by someone who has not written is served by the standby.
    assert facts["list_status"] == 200
    assert facts["list_route_used_replica"]
    assert facts["list_queries"].get("replica", 0) > 0

    # A form save goes to the primary and pins the writer there.
    assert facts["write_status"] == 302
    assert facts["write_queries"].get("replica", 0) == 0
    assert facts["write_sets_pin"]

    # Read-your-writes: the writer sees the new division at once, although the standby has not got it.
    assert facts["pinned_read_status"] == 200
    assert facts["pinned_read_shows_write"]
    assert facts["pinned_read_queries"].get("replica", 0) == 0

    # Everyone else reads the standby — page and API — which does not have the row yet.
    assert facts["unpinned_read_status"] == 404
    assert facts["unpinned_read_queries"].get("replica", 0) > 0
    assert facts["api_read_status"] == 404
    assert facts["api_read_queries"].get("replica", 0) > 0

    # Once the standby has replayed the write, they see it there.
    assert facts["caught_up"]
    assert facts["after_catch_up_status"] == 200

    # The pin is short: afterwards the writer reads from the standby again.
    assert facts["after_pin_status"] == 200
    assert facts["after_pin_queries"].get("replica", 0) > 0

    # A standby that is down is skipped: the page is served from the primary.
    assert facts["standby_down_status"] == 200
    assert facts["standby_down_queries"].get("replica", 0) == 0
    assert facts["standby_down_queries"].get("default", 0) > 0


# --- The routing rules themselves (no database needed; these run in every pass) ---------------------


def test_router_sends_reads_of_a_read_only_request_to_the_replica_until_it_writes():
    from django.contrib.sessions.models import Session

    from saiteki.accounts.models import Organization
    from saiteki.core.dbrouter import PrimaryReplicaRouter, RequestRoute, request_route

    router = PrimaryReplicaRouter()
    assert router.db_for_read(Organization) == "default"  # outside a request: the primary
    with request_route(RequestRoute(use_replica=False)):
        assert router.db_for_read(Organization) == "default"  # a POST or a pinned client
    with request_route(RequestRoute(use_replica=True)) as route:
        assert router.db_for_read(Organization) == "replica"
        assert route.used_replica
        assert router.db_for_read(Session) == "default"  # sessions live on the primary
        assert router.db_for_write(Session) == "default"
        assert not route.wrote  # a session save is no business write
        assert router.db_for_read(Organization) == "replica"
        assert router.db_for_write(Organization) == "default"
        assert route.wrote
        assert router.db_for_read(Organization) == "default"  # read-your-writes within the request
    assert router.allow_migrate("default", "accounts") is True
    assert router.allow_migrate("replica", "accounts") is False


@pytest.mark.django_db
def test_router_reads_inside_a_transaction_from_the_primary():
    from saiteki.accounts.models import Organization
    from saiteki.core.dbrouter import PrimaryReplicaRouter, RequestRoute, request_route

    with request_route(RequestRoute(use_replica=True)):
        assert connection.in_atomic_block  # the test's transaction
        assert PrimaryReplicaRouter().db_for_read(Organization) == "default"


def test_pin_cookie_and_settings():
    import time

    from django.core.exceptions import MiddlewareNotUsed
    from django.test import RequestFactory

    from config.settings.replica import replica_databases, replica_routers
    from saiteki.core.dbrouter import PIN_COOKIE, ReplicaRoutingMiddleware, is_pinned

    request = RequestFactory().get("/")
    assert not is_pinned(request)
    request.COOKIES[PIN_COOKIE] = f"{time.time() + 5:.0f}"
    assert is_pinned(request)
    request.COOKIES[PIN_COOKIE] = f"{time.time() - 1:.0f}"
    assert not is_pinned(request)
    request.COOKIES[PIN_COOKIE] = "garbage"
    assert not is_pinned(request)

    assert replica_databases({}.get) == {}
    dbs = replica_databases({"REPLICA_DATABASE_URL": "postgres://ro@db2:5433/saiteki"}.get)
    assert (dbs["replica"]["HOST"], dbs["replica"]["PORT"], dbs["replica"]["TEST"]) == (
        "db2",
        5433,
        {"MIRROR": "default"},
    )
    assert replica_routers(dbs) == ["saiteki.core.dbrouter.PrimaryReplicaRouter"]
    assert replica_routers({"default": {}}) == []
    # Without a standby (the default) the middleware takes itself out of the stack.
    with pytest.raises(MiddlewareNotUsed):
        ReplicaRoutingMiddleware(lambda request: None)
