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
