"""EXPLAIN ANALYZE of the ledger's national-scale queries (docs/adr/0007-national-scale-reads.md).

``BENCH_DATABASE_URL=postgres://…/saiteki_bench_national python bench/ledger_plans.py`` prints, for each
query the list, the analysis, the drill-down and the dashboard run, the plan's scan nodes (which index,
how many rows) and the execution time — run it against the 50,000 and the 400,000 database to see that
the rows each query touches do not grow with the ledger (free text grows with its hits, not the ledger).
``--full`` prints whole plans.
"""

from __future__ import annotations

import datetime
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _queries():
    """(label, queryset) pairs: the queries the pages run, built through the same selectors."""
    from django.db.models import Count, Q, Sum

    from saiteki.accounts.models import Organization, User
    from saiteki.core.fiscal import fiscal_year_of
    from saiteki.ledger import analysis, selectors
    from saiteki.ledger.filtersets import SystemFilterSet
    from saiteki.ledger.models import Contract, Cost, Server, System, SystemCostTotal
    from saiteki.ledger.tables import SYSTEM_TABLE

    admin = User.objects.get(username="demo-admin")
    owner = User.objects.get(username="demo-owner")
    fy = fiscal_year_of(datetime.date.today())
    bureau = Organization.objects.filter(kind="bureau").order_by("sort_order")[1]
    listed = selectors.systems_for_list(user=admin, fiscal_year=fy, stage="budget")

    def page(qs):
        qs, _sort = SYSTEM_TABLE.order(qs, "")
        return SYSTEM_TABLE.optimise(qs)[:50]

    scope_all = selectors.system_scope(user=admin, filters={})
    scope_owner = selectors.system_scope(user=owner, filters={})
    scope_filters = selectors.system_scope(
        user=admin, filters={"bureau": bureau, "status": "operating", "hosting_form": "onprem"}
    )
    for word in ("税", "入札", "財務会計"):
        hits = SystemFilterSet({"q": word}, queryset=listed).qs
        yield f"free text {word}: page (number order)", page(hits)
        yield f"free text {word}: count", hits.order_by().values("pk").annotate(n=Count("pk")).values("n")
        totals = SystemCostTotal.objects.filter(
            fiscal_year=fy, stage="budget", system__in=hits.order_by().values("pk")
        )
        yield f"free text {word}: totals row", totals.values("stage").annotate(t=Sum("amount")).values("t")
    yield "list: page (number order)", page(listed)
    yield (
        "list: count (system counts)",
        scope_all.narrow(selectors.SystemCount.objects.all()).values("systems"),
    )
    yield (
        "list: totals row (cost summary)",
        scope_all.narrow(selectors.CostSummary.objects.filter(fiscal_year=fy, stage="budget")).values(
            "amount"
        ),
    )
    yield (
        "list 部局+状態+稼働形態: totals row (per-system totals by scope)",
        scope_filters.narrow(SystemCostTotal.objects.filter(fiscal_year=fy, stage="budget")).values("amount"),
    )
    for label, scope, systems in (
        ("admin", scope_all, listed),
        ("owner", scope_owner, selectors.systems_for_list(user=owner, fiscal_year=fy, stage="budget")),
    ):
        ordered = selectors.CostOrderedSystems(
            systems, fiscal_year=fy, stage="budget", descending=True, scope=scope
        )
        yield (
            f"sorted by cost, {label}: page of ids",
            ordered._totals().order_by("-amount", "system_id").values("system_id")[:50],
        )
    yield (
        "cost analysis: by year × category",
        analysis.cost_summary_for_analysis(user=admin)
        .filter(stage="budget", fiscal_year__lte=fy)
        .order_by()
        .values("fiscal_year", "category")
        .annotate(total=Sum("amount")),
    )
    yield (
        "cost analysis: by 所属 × 稼働形態",
        analysis.cost_summary_for_analysis(user=admin)
        .filter(stage="budget", fiscal_year=fy)
        .order_by()
        .values("division", "hosting_form")
        .annotate(total=Sum("amount")),
    )
    yield (
        "drill-down: page of cost rows",
        Cost.objects.filter(
            fiscal_year=fy,
            stage="budget",
            category__in=["hw_lease", "operation"],
            system__owning_division__parent=bureau,
        )
        .select_related("system__owning_division__parent")
        .order_by("system__number", "pk")[:50],
    )
    horizon = [fy + 1, fy + 2, fy + 3]
    yield (
        "dashboard: renewals due",
        System.objects.filter(planned_renewal_fy__in=horizon)
        .order_by()
        .values("planned_renewal_fy")
        .annotate(n=Count("pk")),
    )
    yield (
        "dashboard: maintenance ends due",
        Server.objects.filter(
            maintenance_end__gte=datetime.date(fy + 1, 4, 1),
            maintenance_end__lte=datetime.date(fy + 4, 3, 31),
        )
        .order_by()
        .values("kind")
        .annotate(n=Count("pk", filter=Q(maintenance_end__lte=datetime.date(fy + 2, 3, 31)))),
    )
    yield (
        "dashboard: contracts ending this year",
        Contract.objects.filter(end__gte=datetime.date(fy, 4, 1), end__lte=datetime.date(fy + 1, 3, 31))
        .select_related("vendor")
        .order_by("end", "number")[:8],
    )


def _summary(plan: list[str]) -> str:
    """Scan nodes (index name, rows) and the execution time, one line."""
    scans = []
    for line in plan:
        m = re.search(
            r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?(?: using (\S+))? on (\S+).*?rows=(\d+) loops=(\d+)",
            line,
        )
        if m:
            kind, index, table, rows, loops = m.groups()
            scans.append(f"{kind}{' ' + index if index else ''} [{int(rows) * int(loops):,}]")
            continue
        m = re.search(r"(Bitmap Index Scan) on (\S+).*?rows=(\d+) loops=(\d+)", line)
        if m:
            scans.append(f"{m.group(1)} {m.group(2)} [{int(m.group(3)) * int(m.group(4)):,}]")
    time = next((line.split(":")[1].strip() for line in plan if line.startswith("Execution Time")), "")
    return f"{time:>12}  " + "; ".join(scans)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    import django

    django.setup()
    from django.db import connection

    full = "--full" in sys.argv
    print(f"{connection.settings_dict['NAME']}: EXPLAIN (ANALYZE) of the ledger's queries")
    for label, qs in _queries():
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)  # warm
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        if full:
            print(f"\n## {label}\n" + "\n".join(plan))
        else:
            print(f"{label:58s} {_summary(plan)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
