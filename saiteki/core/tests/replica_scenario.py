"""The read-replica scenario, run by test_read_replica.py in a process of its own against a real
PostgreSQL primary and hot standby (scripts/testservers/pg_replica.sh), with the settings production
uses: DATABASE_URL = the primary, REPLICA_DATABASE_URL = the standby.

It drives the site through Django's test client (the whole middleware stack, router included), counts
the queries each database alias ran for each request, and prints the facts as one JSON object for the
test to check. It lives in its own process because the test suite's database is a single test
database, not a primary with a standby.

    python -m saiteki.core.tests.replica_scenario DIR   (DIR as given to pg_replica.sh)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path


def main(data_dir: str) -> dict:
    import django

    django.setup()
    from django.db import connections
    from django.test import Client
    from django.urls import reverse
    from rest_framework.authtoken.models import Token

    from saiteki.accounts.choices import Role
    from saiteki.accounts.models import Organization
    from saiteki.core import dbrouter
    from saiteki.core.testing import make_org_tree, make_user

    facts: dict = {}
    per_alias: Counter[str] = Counter()

    def counting(alias):
        def wrapper(execute, sql, params, many, context):
            per_alias[alias] += 1
            return execute(sql, params, many, context)

        return wrapper

    @contextmanager
    def counted():
        per_alias.clear()
        with (
            connections["default"].execute_wrapper(counting("default")),
            connections["replica"].execute_wrapper(counting("replica")),
        ):
            yield per_alias

    def sql_on(alias: str, sql: str):
        with connections[alias].cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def replica_sql(sql: str):
        return sql_on("replica", sql)

    def wait_for_replica(model, **lookup) -> bool:
        for _ in range(100):
            if model.objects.using("replica").filter(**lookup).exists():
                return True
            time.sleep(0.1)
        return False

    facts["primary_in_recovery"] = sql_on("default", "SELECT pg_is_in_recovery()")
    facts["replica_in_recovery"] = replica_sql("SELECT pg_is_in_recovery()")

    orgs = make_org_tree()
    admin = make_user("replica-admin", Role.ADMIN, orgs["情報政策課"])
    token = Token.objects.create(user=admin)
    facts["setup_replicated"] = wait_for_replica(Token, key=token.key)

    writer, reader = Client(), Client()
    writer.force_login(admin)
    reader.force_login(admin)

    # 1. A page read by a client that has not written: served by the standby.
    with counted() as q:
        r = reader.get(reverse("accounts:organization_list"))
    facts["list_status"] = r.status_code
    facts["list_queries"] = dict(q)
    facts["list_route_used_replica"] = r.wsgi_request.db_route.used_replica

    # 2. The standby stops replaying: from now on it shows the past, the primary the present.
    replica_sql("SELECT pg_wal_replay_pause()")
    with counted() as q:
        r = writer.post(
            reverse("accounts:organization_add"),
            {
                "kind": "division",
                "code": "R-1",
                "name": "レプリカ検証課",
                "parent": orgs["総務部"].pk,
                "valid_from": "2026-04-01",
                "sort_order": "0",
            },
        )
    facts["write_status"] = r.status_code
    facts["write_queries"] = dict(q)
    facts["write_sets_pin"] = dbrouter.PIN_COOKIE in r.cookies
    new = Organization.objects.get(code="R-1")
    detail = reverse("accounts:organization_detail", args=[new.pk])

    # 3. The writer reads its write at once: pinned to the primary.
    with counted() as q:
        r = writer.get(detail)
    facts["pinned_read_status"] = r.status_code
    facts["pinned_read_shows_write"] = "レプリカ検証課" in r.content.decode()
    facts["pinned_read_queries"] = dict(q)

    # 4. Someone who did not write reads from the standby, which has not replayed the write yet.
    with counted() as q:
        r = reader.get(detail)
    facts["unpinned_read_status"] = r.status_code
    facts["unpinned_read_queries"] = dict(q)
    with counted() as q:
        r = reader.get(f"/api/v1/accounts/organizations/{new.pk}/", HTTP_AUTHORIZATION=f"Token {token.key}")
    facts["api_read_status"] = r.status_code
    facts["api_read_queries"] = dict(q)

    # 5. Replay resumes: the standby catches up and the reader sees the new division.
    replica_sql("SELECT pg_wal_replay_resume()")
    facts["caught_up"] = wait_for_replica(Organization, code="R-1")
    r = reader.get(detail)
    facts["after_catch_up_status"] = r.status_code

    # 6. The pin runs out (REPLICA_PIN_SECONDS): the writer reads from the standby again.
    time.sleep(float(os.environ.get("REPLICA_PIN_SECONDS", "2")) + 0.5)
    with counted() as q:
        r = writer.get(detail)
    facts["after_pin_status"] = r.status_code
    facts["after_pin_queries"] = dict(q)

    # 7. The standby goes away: reads fall back to the primary, nothing fails.
    scripts = Path(__file__).resolve().parents[3] / "scripts" / "testservers"
    subprocess.run([scripts / "pg_replica.sh", "stop-standby", data_dir], check=True, timeout=120)
    connections["replica"].close()
    dbrouter.replica_health.reset()
    with counted() as q:
        r = reader.get(detail)
    facts["standby_down_status"] = r.status_code
    facts["standby_down_queries"] = dict(q)
    return facts


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), ensure_ascii=False))
