"""Resilience benchmark: backup compliance of every system at bench scale — in SQL (the dashboard's and
the KPI's way) and rule by rule in Python (the karte's and the past years' way) — wall time and rows/s,
then the dashboard, the compliance list and the compliance API as p95 latencies.

Each bench system gets a backup practice (bulk-inserted, about one in five with a gap, one in twenty-five
unanswered); the practices are removed afterwards so the scale generator can delete its systems on the
next run with plain SQL.
"""

from __future__ import annotations

import datetime
import os
import random
import time

from bench.harness import Figure, latency_figures, time_calls

PAGE_TARGET_MS = 300  # SPEC §4: dashboards and lists p95 < 300 ms at scale
API_TARGET_MS = 150


def run() -> list[Figure]:
    from bench.scale import ensure_scale_data, scale_from_env

    n = int(os.environ.get("BENCH_N", "40"))
    ensure_scale_data(scale_from_env())
    try:
        return _run(n)
    finally:
        _cleanup()


def _cleanup() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM resilience_backuppractice WHERE system_id IN "
            "(SELECT id FROM ledger_system WHERE number LIKE 'B%%')"
        )


def _generate() -> tuple[int, float]:
    """A practice for 24 of 25 bench systems: most meet the standard, some miss one requirement."""
    from django.utils import timezone

    from saiteki.ledger.models import System
    from saiteki.resilience.choices import BackupFrequency
    from saiteki.resilience.models import BackupPractice

    _cleanup()
    rng = random.Random(11)
    today = timezone.localdate()
    now = timezone.now()
    start = time.perf_counter()
    rows = []
    for pk in System.objects.filter(number__startswith="B").values_list("pk", flat=True).iterator():
        if rng.random() < 0.04:
            continue
        gap = rng.random()
        rows.append(
            BackupPractice(
                system_id=pk,
                frequency=BackupFrequency.WEEKLY if gap < 0.05 else BackupFrequency.DAILY,
                generations=2 if 0.05 <= gap < 0.1 else 7,
                offsite_location="" if 0.1 <= gap < 0.15 else "県外データセンター",
                offline_copy=not (0.15 <= gap < 0.2),
                last_restore_test=today - datetime.timedelta(days=rng.randint(10, 500)),
                created_at=now,
                updated_at=now,
            )
        )
    BackupPractice.objects.bulk_create(rows, batch_size=2000)  # derived bench data: no history rows
    return len(rows), time.perf_counter() - start


def _run(n: int) -> list[Figure]:
    from bench.ledger import _client, _getter
    from saiteki.resilience import selectors, services

    services.standards_ensure()
    figures: list[Figure] = []
    made, seconds = _generate()
    figures.append(Figure(f"resilience: insert {made:,} backup practices (bulk)", round(seconds, 2), "s"))

    start = time.perf_counter()
    summary = selectors.compliance_summary()
    seconds = time.perf_counter() - start
    figures.append(
        Figure(f"resilience: compliance of {summary.total:,} systems in SQL (wall)", round(seconds, 3), "s")
    )
    figures.append(
        Figure("resilience: compliance in SQL rate", round(summary.total / max(seconds, 1e-9)), "rows/s")
    )
    print(f"  {summary.compliant:,} of {summary.total:,} compliant ({summary.pct}%)", flush=True)

    start = time.perf_counter()
    results = selectors.compliance_results()
    seconds = time.perf_counter() - start
    figures.append(
        Figure(f"resilience: compliance of {len(results):,} systems in Python (wall)", round(seconds, 2), "s")
    )
    figures.append(
        Figure("resilience: compliance in Python rate", round(len(results) / max(seconds, 1e-9)), "rows/s")
    )
    assert sum(r.compliant for r in results) == summary.compliant, "the SQL and Python rules disagree"

    admin = _client("demo-admin")
    owner = _client("demo-owner")

    def page(name, client, url, target=PAGE_TARGET_MS, calls=n):
        print(f"  {name}: {url}", flush=True)
        figures.extend(latency_figures(name, time_calls(_getter(client, url), calls), target))

    page("resilience dashboard (admin)", admin, "/resilience/")
    page("resilience dashboard (owner)", owner, "/resilience/")
    page("backup compliance list (admin)", admin, "/resilience/compliance/")
    page(
        "backup compliance list (admin, unmet restore test)",
        admin,
        "/resilience/compliance/?requirement=restore_test",
    )
    page("API /api/v1/resilience/compliance/", admin, "/api/v1/resilience/compliance/", API_TARGET_MS)
    page(
        "API /api/v1/resilience/compliance/summary/",
        admin,
        "/api/v1/resilience/compliance/summary/",
        API_TARGET_MS,
    )
    return figures
