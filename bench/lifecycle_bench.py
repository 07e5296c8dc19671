"""Lifecycle benchmark: matching every ledger component to the EOL catalogue and computing risk at
bench scale (wall time, rows/s), and the risk list's latency (p95 < 300 ms at bench scale)."""

from __future__ import annotations

import os
import time

from bench.harness import Figure, latency_figures, time_calls

LIST_TARGET_MS = 300  # "risk list p95 < 300 ms at bench scale"


def run() -> list[Figure]:
    from bench.scale import ensure_scale_data, scale_from_env

    n = int(os.environ.get("BENCH_N", "40"))
    ensure_scale_data(scale_from_env())
    try:
        return _run(n)
    finally:
        # The scale generator deletes bench components with plain SQL; their lifecycle rows (derived
        # data) must not hold them by foreign key on the next generation.
        from saiteki.lifecycle.models import ComponentLifecycle

        ComponentLifecycle.objects.filter(component__system__number__startswith="B").delete()


def _run(n: int) -> list[Figure]:
    from bench.ledger import _client, _getter
    from saiteki.accounts.models import User
    from saiteki.ledger.models import Component
    from saiteki.lifecycle import selectors, services

    services.catalogue_load_shipped()
    components = Component.objects.count()
    figures: list[Figure] = []

    start = time.perf_counter()
    result = services.components_match(rematch_all=True)
    seconds = time.perf_counter() - start
    figures.append(Figure(f"lifecycle: match {components:,} components (wall)", round(seconds, 2), "s"))
    figures.append(
        Figure("lifecycle: matching rate", round(result["components"] / max(seconds, 1e-9)), "rows/s")
    )
    print(f"  matched {result['matched']:,} of {result['components']:,}", flush=True)

    admin_user = User.objects.get(username="demo-admin")
    start = time.perf_counter()
    counts = selectors.status_counts(user=admin_user)
    rollup = selectors.system_rollup(user=admin_user)
    seconds = time.perf_counter() - start
    figures.append(
        Figure("lifecycle: risk of every component + system roll-up (wall)", round(seconds, 2), "s")
    )
    figures.append(Figure("lifecycle: risk rate", round(sum(counts.values()) / max(seconds, 1e-9)), "rows/s"))
    print(f"  {len(rollup):,} systems rolled up", flush=True)

    admin = _client("demo-admin")
    owner = _client("demo-owner")

    def page(name, client, url, target=LIST_TARGET_MS, calls=n):
        print(f"  {name}: {url}", flush=True)
        figures.extend(latency_figures(name, time_calls(_getter(client, url), calls), target))

    page("risk list (admin, no filter)", admin, "/lifecycle/risks/")
    # Side by side: the same rows with a filter that narrows nothing (months without a horizon), so the
    # page counts its rows with COUNT(*) as it did before the total came from the status counts.
    page("risk list (admin, no filter, COUNT(*) path)", admin, "/lifecycle/risks/?months=12")
    figures.extend(status_count_figures(admin_user, max(5, n // 4)))
    _explain(admin_user)
    page(
        "risk list (admin, past EOL, this FY horizon)",
        admin,
        "/lifecycle/risks/?status=past_eol&horizon=this_fy",
    )
    page("risk list (owner, own division)", owner, "/lifecycle/risks/")
    page(
        "API /api/v1/lifecycle/match/", admin, "/api/v1/lifecycle/match/?q=Windows%20Server%202012%20R2", 150
    )
    page("renewal forecast (admin)", admin, "/lifecycle/forecast/", None, max(5, n // 4))
    return figures


def _explain(user) -> None:
    """Print the plans of the unfiltered risk list's queries (status counts, COUNT(*), first page)."""
    from django.db import connection
    from django.db.models import Count

    from saiteki.lifecycle import selectors

    qs = selectors.component_risks(user=user)
    queries = {
        "status counts": qs.values("status").annotate(n=Count("id")).order_by(),
        "first page": qs.order_by("eff_eol", "pk")[:50],
    }
    for name, q in queries.items():
        start = time.perf_counter()
        list(q)
        ms = (time.perf_counter() - start) * 1000
        print(f"  {name}: {ms:.0f} ms", flush=True)
        for line in q.explain().splitlines()[:12]:
            print(f"    {line}", flush=True)
    start = time.perf_counter()
    qs.count()
    print(f"  COUNT(*): {(time.perf_counter() - start) * 1000:.0f} ms ({connection.vendor})", flush=True)


def status_count_figures(user, calls: int) -> list[Figure]:
    """The risk list's status line side by side: filtered aggregates (now) and GROUP BY the status
    CASE (before), alternating so both see the same machine load."""
    from django.db.models import Count

    from saiteki.lifecycle import selectors

    def grouped():
        qs = selectors.component_risks(user=user).values("status").annotate(n=Count("id")).order_by()
        return {r["status"]: r["n"] for r in qs}

    def aggregated():
        return selectors.status_counts(user=user)

    assert grouped() == aggregated()
    now, before = [], []
    for _ in range(calls):
        now += time_calls(aggregated, 1, warmup=0)
        before += time_calls(grouped, 1, warmup=0)
    out = latency_figures("risk status counts (filtered aggregates)", now)
    ref = latency_figures("risk status counts (GROUP BY CASE, before)", before)
    out[1].reference, out[1].reference_name = ref[1].value, "GROUP BY p95"
    return out + ref
