"""KPI benchmark: the dashboard's latency (p95 < 300 ms at bench scale), the as-of reconstruction of
the whole ledger for one date, the live computation of every ledger KPI, and report generation.

The scale generator writes systems without history (logging off); this suite first gives every bench
system a dated creation row (one bulk insert, the same rows an import writes) so the as-of ledger has
something to rebuild — 50,000 systems → 50,000 change rows for the reconstruction to rank.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

from bench.harness import Figure, latency_figures, time_calls

DASHBOARD_TARGET_MS = 300
HISTORY_REQUEST = uuid.UUID("00000000-0000-4000-8000-00000000b10a")  # marks the bench's own history rows


def _ensure_history() -> int:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from saiteki.core.changelog import BulkChangeLog, serialize
    from saiteki.core.context import change_context
    from saiteki.core.models import ObjectChange
    from saiteki.ledger.models import System

    bench = System.objects.filter(number__startswith="B")
    first = bench.order_by("pk").values_list("pk", flat=True).first()
    ct = ContentType.objects.get_for_model(System)
    if first is None or ObjectChange.objects.filter(content_type=ct, object_id=first).exists():
        return 0  # already written for this generation of bench rows
    at = timezone.make_aware(dt.datetime(2012, 4, 1, 9, 0))
    done = 0
    with change_context(request_id=HISTORY_REQUEST, reason="bench: 作成履歴"):
        from saiteki.core.context import current

        log = BulkChangeLog(current(), at, chunk=2000)
        for system in bench.iterator(chunk_size=2000):
            log.add(system, ObjectChange.Action.CREATE, None, serialize(system, include_m2m=False))
            done += 1
        log.flush()
    return done


def run() -> list[Figure]:
    from bench.scale import ensure_scale_data, scale_from_env

    ensure_scale_data(scale_from_env())
    n = int(os.environ.get("BENCH_N", "40"))
    from bench.ledger import _client, _getter
    from saiteki.core.registry import registry
    from saiteki.kpi import selectors, services
    from saiteki.kpi.models import FiscalYearClose, KpiReport
    from saiteki.ledger.asof import ledger_as_of
    from saiteki.ledger.models import System

    figures: list[Figure] = []
    start = time.perf_counter()
    written = _ensure_history()
    if written:
        figures.append(
            Figure(
                f"kpi: write creation history of {written:,} bench systems",
                round(time.perf_counter() - start, 2),
                "s",
            )
        )
    systems = System.objects.count()

    start = time.perf_counter()
    ledger = ledger_as_of(dt.date(2014, 3, 31))
    figures.append(
        Figure(
            f"kpi: as-of ledger of {systems:,} systems for one date (wall)",
            round(time.perf_counter() - start, 2),
            "s",
        )
    )
    print(f"  as of 2014-03-31: {len(ledger):,} systems", flush=True)

    current = selectors.current_fiscal_year()
    for fy, label in ((current, "live (today)"), (2013, "as of FY2013 end")):
        start = time.perf_counter()
        for key, source in registry.kpi_sources.items():
            if key.startswith("ledger."):
                source.evidence(fy)
        figures.append(
            Figure(f"kpi: every ledger KPI, {label} (wall)", round(time.perf_counter() - start, 2), "s")
        )

    services.kpi_values_refresh(fiscal_year=current)  # the dashboard then reads stored values
    admin, viewer, owner = _client("demo-admin"), _client("demo-viewer"), _client("demo-owner")
    for name, client in (("admin", admin), ("viewer", viewer), ("owner", owner)):
        figures.extend(
            latency_figures(
                f"kpi: dashboard ({name})", time_calls(_getter(client, "/"), n), DASHBOARD_TARGET_MS
            )
        )
    figures.extend(
        latency_figures(
            "kpi: API values of a closed year",
            time_calls(_getter(admin, "/api/v1/kpi/values/?fiscal_year=2013"), n),
            150,
        )
    )

    closed = FiscalYearClose.objects.filter(closed=True).order_by("-fiscal_year").first()
    if closed is not None:
        report = KpiReport.objects.create(fiscal_year=closed.fiscal_year)
        start = time.perf_counter()
        services.kpi_report_generate(report_id=report.pk)
        figures.append(Figure("kpi: annual report xlsx + PDF", round(time.perf_counter() - start, 2), "s"))
    return figures
