"""Reviews benchmark: the review board and the reductions trend at bench scale — about 10 cases per
system over 10 years (500,000 cases at 50,000 systems): p95 < 300 ms, query count flat in the number
of cases; the API summary and case list beside them.

Cases are bulk-inserted with their derived totals (as the demo does) and removed again afterwards, so
the scale generator can delete its bench systems on the next run (cases hold systems by PROTECT).
"""

from __future__ import annotations

import os
import random
import time

from bench.harness import Figure, latency_figures, time_calls

BOARD_TARGET_MS = 300
CASES_PER_SYSTEM = 10
YEARS = 10


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

    bench_cases = "SELECT c.id FROM reviews_reviewcase c JOIN ledger_system s ON s.id = c.system_id WHERE s.number LIKE 'B%%'"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM reviews_caseline WHERE case_id IN ({bench_cases})")
        cursor.execute(f"DELETE FROM reviews_reviewcase WHERE id IN ({bench_cases})")


def _generate() -> tuple[int, float]:
    """10 cases per bench system (P each year in the last ten years, kinds mixed), with one line each."""
    from django.db import connection, transaction
    from django.utils import timezone

    from saiteki.core.fiscal import fiscal_year_of
    from saiteki.ledger.models import System
    from saiteki.reviews.choices import CaseKind, CaseState

    rng = random.Random(7)
    cfy = fiscal_year_of(timezone.localdate())
    now = timezone.now()
    systems = list(System.objects.filter(number__startswith="B").values_list("pk", "owning_division_id"))
    kinds = [CaseKind.PRE_BUDGET] * 7 + [CaseKind.PRE_CONTRACT] * 2 + [CaseKind.EVALUATION]
    states = [CaseState.APPROVED] * 8 + [CaseState.CONDITIONAL, CaseState.REJECTED]
    start = time.perf_counter()
    rows = []
    cols = (
        "created_at, updated_at, version, kind, fiscal_year, system_id, planned_system_name, division_id, title,"
        " summary, state, procurement_method, planned_contract_title, findings, conditions, requested_total,"
        " assessed_total, reduction_total"
    )
    sql = f"INSERT INTO reviews_reviewcase ({cols}) VALUES ({', '.join(['%s'] * 18)})"
    with transaction.atomic(), connection.cursor() as cursor:
        for sid, division in systems:
            for k in range(CASES_PER_SYSTEM):
                requested = rng.randint(1_000, 50_000) * 1000
                assessed = int(requested * rng.uniform(0.85, 1.0)) // 1000 * 1000
                rows.append(
                    (now, now, 1, kinds[k], cfy - YEARS + 1 + k, sid, "", division, "bench", "",
                     rng.choice(states), "", "", "", "", requested, assessed, requested - assessed)
                )  # fmt: skip
                if len(rows) >= 5000:
                    cursor.executemany(sql, rows)
                    rows = []
        if rows:
            cursor.executemany(sql, rows)
    if connection.vendor == "postgresql":
        # As autovacuum leaves a table in steady state: statistics and the visibility map, without which
        # the board's index-only scans (covering indexes review_case_board / _trend) visit the heap.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE reviews_reviewcase")
    return len(systems) * CASES_PER_SYSTEM, time.perf_counter() - start


def _run(n: int) -> list[Figure]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.ledger import _client, _getter
    from saiteki.core.fiscal import fiscal_year_of

    figures: list[Figure] = []
    count, seconds = _generate()
    figures.append(Figure(f"reviews: insert {count:,} bench cases", round(seconds, 2), "s"))
    fy = fiscal_year_of(timezone.localdate())
    admin = _client("demo-admin")
    owner = _client("demo-owner")

    def page(name, client, url, target=BOARD_TARGET_MS):
        print(f"  {name}: {url}", flush=True)
        figures.extend(latency_figures(name, time_calls(_getter(client, url), n), target))

    page("reviews board + trend (admin)", admin, f"/reviews/?fiscal_year={fy}")
    page("reviews board + trend (owner, own division)", owner, f"/reviews/?fiscal_year={fy}")
    page("API /api/v1/reviews/summary/", admin, f"/api/v1/reviews/summary/?fiscal_year={fy}", 150)
    page(
        "API /api/v1/reviews/cases/ (year, P)", admin, f"/api/v1/reviews/cases/?fiscal_year={fy}&kind=P", 150
    )
    page("case list (year, P)", admin, f"/reviews/cases/?fiscal_year={fy}&kind=P")
    with CaptureQueriesContext(connection) as ctx:
        _getter(admin, f"/reviews/?fiscal_year={fy}")()
    figures.append(
        Figure(f"reviews board queries ({count:,} bench cases)", len(ctx.captured_queries), "queries")
    )
    return figures
