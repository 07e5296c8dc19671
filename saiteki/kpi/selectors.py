"""Reads of the KPI app: the values of a year, trends, drill-down, and the dashboard per role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError
from django.db.models import Count, Q
from django.utils import timezone

from saiteki.core import permissions as perms
from saiteki.core.fiscal import fiscal_year_of

from .models import FiscalYearClose, KpiDefinition, KpiReport, KpiValue

#: The first fiscal year the dashboard offers (the second plan's baseline year, FY2013).
FIRST_FY = 2013


def live_max_age() -> int:
    """Seconds an open year's stored values are served before they are recomputed on read."""
    return int(getattr(settings, "KPI_LIVE_MAX_AGE", 600))


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())


def kpi_years() -> list[int]:
    """Fiscal years offered by the year switch of the KPI pages, newest first."""
    current = current_fiscal_year()
    first = min(
        [FIRST_FY, *KpiValue.objects.order_by("fiscal_year").values_list("fiscal_year", flat=True)[:1]]
    )
    return list(range(current, first - 1, -1))


def closed_years() -> dict[int, FiscalYearClose]:
    return {c.fiscal_year: c for c in FiscalYearClose.objects.filter(closed=True).select_related("closed_by")}


def year_closed(fiscal_year: int) -> FiscalYearClose | None:
    return (
        FiscalYearClose.objects.filter(fiscal_year=fiscal_year, closed=True)
        .select_related("closed_by")
        .first()
    )


def values_for_year(*, fiscal_year: int, refresh_stale: bool = True) -> list[KpiValue]:
    """Every active indicator's value of the year (definition, plan, measure joined: one query).

    An open year whose values were never stored (or that has a new indicator) is computed first. When
    the stored values are older than :func:`live_max_age` they are served as they are and the worker
    recomputes them in the background: at 50,000 systems a full recomputation takes seconds, and
    recomputing on read made every dashboard request of those seconds wait for it — and several
    requests recompute at once — under ``make loadtest``. A closed year is read as frozen.
    """
    from . import services

    defs = KpiDefinition.objects.filter(active=True)
    qs = (
        KpiValue.objects.filter(fiscal_year=fiscal_year, definition__active=True)
        .select_related(
            "definition", "definition__plan", "definition__measure", "definition__responsible_division"
        )
        .defer("evidence")
        .order_by("definition__sort_order", "definition__code")
    )
    if refresh_stale and fiscal_year <= current_fiscal_year() and not services.year_is_closed(fiscal_year):
        stored = list(qs)
        if len(stored) >= defs.count():
            if any(_is_stale(v) for v in stored):
                services.kpi_values_refresh_later(fiscal_year=fiscal_year)
            return stored
        try:
            services.kpi_values_refresh(fiscal_year=fiscal_year)
        except IntegrityError:  # a concurrent refresh stored them first: read theirs
            pass
    return list(qs.all())


def _stale_cutoff() -> dt.datetime:
    """Values computed before this moment (or never) are stale: one cutoff for the read path
    (:func:`values_for_year`) and the background refresh's check (:func:`year_is_stale`), so the page
    and the worker agree on when a year needs recomputing."""
    return timezone.now() - dt.timedelta(seconds=live_max_age())


def _is_stale(value: KpiValue) -> bool:
    return value.computed_at is None or value.computed_at < _stale_cutoff()


def year_is_stale(fiscal_year: int) -> bool:
    """Are some of the open year's stored values older than :func:`live_max_age`?"""
    return (
        KpiValue.objects.filter(fiscal_year=fiscal_year, definition__active=True)
        .filter(Q(computed_at__isnull=True) | Q(computed_at__lt=_stale_cutoff()))
        .exists()
    )


def trend_for(*, definition: KpiDefinition) -> list[KpiValue]:
    """The indicator's stored values over the years, oldest first."""
    return list(KpiValue.objects.filter(definition=definition).defer("evidence").order_by("fiscal_year"))


def trend_matrix(*, years: list[int]) -> list[dict[str, Any]]:
    """Rows of the trend page: each indicator with its value and status per year (one query)."""
    values: dict[tuple[int, int], KpiValue] = {
        (v.definition_id, v.fiscal_year): v
        for v in KpiValue.objects.filter(fiscal_year__in=years).defer("evidence")
    }
    rows = []
    for d in KpiDefinition.objects.filter(active=True).select_related("plan", "measure"):
        cells = [values.get((d.pk, y)) for y in years]
        rows.append(
            {"definition": d, "cells": cells, "spark": sparkline([c.value if c else None for c in cells])}
        )
    return rows


def sparkline(values: list[Decimal | None], *, width: int = 120, height: int = 28) -> dict[str, Any]:
    """An inline SVG polyline for a row of values (server-side: no script, prints in the PDF)."""
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return {"points": "", "width": width, "height": height, "dots": []}
    lo = min(v for _i, v in known)
    hi = max(v for _i, v in known)
    span = (hi - lo) or 1.0
    step = (width - 6) / max(len(values) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return round(3 + i * step, 1), round(height - 3 - (v - lo) / span * (height - 6), 1)

    pts = [xy(i, v) for i, v in known]
    return {
        "points": " ".join(f"{x},{y}" for x, y in pts),
        "width": width,
        "height": height,
        "dots": [{"x": x, "y": y} for x, y in pts[-1:]],
    }


def evidence_rows(*, value: KpiValue) -> list[dict[str, Any]]:
    """The drill-down: the records counted for the value, with a link where the object still exists."""
    from django.urls import NoReverseMatch, reverse

    records = value.evidence.get("records", []) if value.evidence else []
    url_names = {"ledger.system": "ledger:system_detail", "ledger.municipality": "ledger:municipality_detail"}
    out = []
    for r in records:
        url = ""
        name = url_names.get(r.get("model", ""))
        if name:
            try:
                url = reverse(name, args=[r["id"]])
            except NoReverseMatch:
                url = ""
        if r.get("model") == "core.journalentry" and r.get("system"):
            url = reverse("ledger:system_detail", args=[r["system"]]) + "#karte"
        out.append({**r, "url": url})
    return out


def division_breakdown(*, value: KpiValue) -> list[dict[str, Any]]:
    """By 部局: counted and in-operation systems per bureau, from the evidence's ``by_division``."""
    from saiteki.accounts.models import Organization

    by_division = (value.evidence or {}).get("figures", {}).get("by_division") or {}
    if not by_division:
        return []
    orgs = {
        o.pk: o
        for o in Organization.objects.filter(
            pk__in=[int(k) for k in by_division if k.isdigit()]
        ).select_related("parent")
    }
    bureaus: dict[Any, dict[str, Any]] = {}
    for key, (counted, total) in by_division.items():
        org = orgs.get(int(key)) if key.isdigit() else None
        bureau = (org.parent or org) if org is not None else None
        row = bureaus.setdefault(
            bureau.pk if bureau else None,
            {
                "name": str(bureau) if bureau else "—",
                "sort": getattr(bureau, "sort_order", 9999),
                "counted": 0,
                "total": 0,
            },
        )
        row["counted"] += counted
        row["total"] += total
    rows = sorted(bureaus.values(), key=lambda r: (r["sort"], r["name"]))
    for r in rows:
        r["pct"] = (Decimal(r["counted"]) * 100 / r["total"]).quantize(Decimal("0.1")) if r["total"] else None
    return rows


def reports_for(*, user) -> list[KpiReport]:
    if not perms.role_allows(user, perms.VIEW, KpiReport):
        return []
    return list(KpiReport.objects.select_related("requested_by", "job")[:50])


# ---------------------------------------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    """What the landing page shows for one user and fiscal year (scope: the user's systems)."""

    fiscal_year: int
    prefecture_wide: bool
    systems_total: int = 0
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_hosting: list[tuple[str, int]] = field(default_factory=list)
    cost_this: int = 0
    cost_last: int = 0
    cost_baseline: int = 0
    cost_target: int = 0
    kpis: list[dict[str, Any]] = field(default_factory=list)
    due: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[Any] = field(default_factory=list)
    surveys: list[Any] = field(default_factory=list)
    to_answer: list[Any] = field(default_factory=list)
    karte: list[Any] = field(default_factory=list)
    closed: FiscalYearClose | None = None

    @property
    def cost_change_pct(self) -> Decimal | None:
        if not self.cost_last:
            return None
        return ((Decimal(self.cost_this) / self.cost_last - 1) * 100).quantize(Decimal("0.1"))

    @property
    def cost_vs_baseline_pct(self) -> Decimal | None:
        if not self.cost_baseline:
            return None
        return ((Decimal(self.cost_this) / self.cost_baseline - 1) * 100).quantize(Decimal("0.1"))


def dashboard_for(*, user, fiscal_year: int) -> Dashboard:
    """The landing page of ``user`` for ``fiscal_year``.

    Admins, viewers, advisors and auditors see the whole prefecture (their role is not division-scoped);
    system owners see their own division's systems, what is due and what they must answer. Every count
    starts from ``restrict(user, "view")``, so the scope is the policy's, not the template's.
    """
    from saiteki.core.models import JournalEntry
    from saiteki.ledger import selectors as ledger_selectors
    from saiteki.ledger.asof import ledger_at_fiscal_year_end
    from saiteki.ledger.choices import RUN_CATEGORIES, CostStage, HostingForm, LifecycleStatus
    from saiteki.ledger.kpi_sources import BASELINE_FY
    from saiteki.ledger.models import Contract, Server, SurveyCampaign, SurveyResponse, System
    from saiteki.ledger.surveys import WAITING_STATUSES, survey_campaigns_for_user

    systems = System.objects.restrict(user, perms.VIEW)
    scoped = perms.is_scoped(user, System)
    board = Dashboard(fiscal_year=fiscal_year, prefecture_wide=not scoped, closed=year_closed(fiscal_year))
    status_labels = dict(LifecycleStatus.choices)
    hosting_labels = dict(HostingForm.choices)
    if fiscal_year >= current_fiscal_year():
        # From the ledger's system counts (kept by triggers): no count over 400,000 systems (ADR 0007).
        by_status = ledger_selectors.system_counts_by(user=user, field="status")
        by_hosting = ledger_selectors.system_counts_by(user=user, field="hosting_form")
    else:
        # A past year: the ledger as it was at that year's end, in the user's scope.
        ledger = ledger_at_fiscal_year_end(fiscal_year)
        rows = ledger.filter(division_ids=perms.division_ids(user) if scoped else None)
        by_status, by_hosting = {}, {}
        for s in rows:
            by_status[s.status] = by_status.get(s.status, 0) + 1
            by_hosting[s.hosting_form] = by_hosting.get(s.hosting_form, 0) + 1
    board.by_status = [(str(status_labels[k]), by_status.get(k, 0)) for k in status_labels]
    board.by_hosting = [(str(hosting_labels[k]), by_hosting.get(k, 0)) for k in hosting_labels]
    board.systems_total = sum(by_status.values())

    totals = ledger_selectors.cost_totals_by_year(  # the ledger's cost summary, not the cost rows
        user=user,
        years=[fiscal_year, fiscal_year - 1, BASELINE_FY],
        stage=CostStage.BUDGET,
        categories=RUN_CATEGORIES,
    )
    board.cost_this = totals.get(fiscal_year) or 0
    board.cost_last = totals.get(fiscal_year - 1) or 0
    board.cost_baseline = totals.get(BASELINE_FY) or 0
    board.cost_target = int(board.cost_baseline * 0.7)

    if not scoped:
        values = values_for_year(fiscal_year=fiscal_year)
        years = list(range(max(FIRST_FY, fiscal_year - 6), fiscal_year + 1))
        history: dict[int, list[Decimal | None]] = {}
        by_key = {
            (v.definition_id, v.fiscal_year): v.value
            for v in KpiValue.objects.filter(fiscal_year__in=years).only(
                "definition_id", "fiscal_year", "value"
            )
        }
        for v in values:
            history[v.definition_id] = [by_key.get((v.definition_id, y)) for y in years]
        board.kpis = [{"value": v, "spark": sparkline(history.get(v.definition_id, []))} for v in values]

    # Due within 1–3 fiscal years: planned renewals and maintenance ends, by year.
    horizon = [fiscal_year + k for k in (1, 2, 3)]
    renewals = dict(
        systems.filter(planned_renewal_fy__in=horizon)
        .order_by()
        .values_list("planned_renewal_fy")
        .annotate(n=Count("planned_renewal_fy"))  # the counted column only: an index-only scan (ADR 0007)
    )
    servers = Server.objects.restrict(user, perms.VIEW)
    start, end = dt.date(horizon[0], 4, 1), dt.date(horizon[-1] + 1, 3, 31)
    due_servers = servers.filter(maintenance_end__gte=start, maintenance_end__lte=end)
    if perms.is_scoped(user, Server):  # restrict() joins through the systems: count each server once
        due_servers = Server.objects.filter(pk__in=due_servers.values("pk"))
    # Counted in SQL per fiscal year, not one Python row per server; counting the date column itself lets
    # PostgreSQL answer from the maintenance_end index alone at 480,000 servers (ADR 0007).
    counts = due_servers.aggregate(
        **{
            f"fy{y}": Count(
                "maintenance_end",
                filter=Q(maintenance_end__gte=dt.date(y, 4, 1), maintenance_end__lte=dt.date(y + 1, 3, 31)),
            )
            for y in horizon
        }
    )
    maint = {y: counts[f"fy{y}"] for y in horizon}
    board.due = [
        {"fiscal_year": y, "renewals": renewals.get(y, 0), "maintenance": maint.get(y, 0)} for y in horizon
    ]

    fy_end = dt.date(fiscal_year + 1, 3, 31)
    board.contracts = list(
        Contract.objects.restrict(user, perms.VIEW)
        .filter(end__gte=dt.date(fiscal_year, 4, 1), end__lte=fy_end)
        .select_related("vendor")
        .order_by("end", "number")[:8]
    )
    board.surveys = list(survey_campaigns_for_user(user=user).filter(fiscal_year=fiscal_year)[:3])
    if scoped:
        board.to_answer = list(
            SurveyResponse.objects.restrict(user, perms.VIEW)
            .filter(
                status__in=WAITING_STATUSES,
                campaign__in=SurveyCampaign.objects.filter(fiscal_year__gte=fiscal_year - 1),
            )
            .select_related("campaign", "division")[:10]
        )
    system_ct = ContentType.objects.get_for_model(System)
    karte = JournalEntry.objects.filter(content_type=system_ct)
    if scoped:
        karte = karte.filter(object_id__in=systems.values("pk"))
    board.karte = list(karte.order_by("-date", "-id")[:8])
    names = dict(System.objects.filter(pk__in=[e.object_id for e in board.karte]).values_list("pk", "name"))
    for e in board.karte:
        e.system_name = names.get(e.object_id, "")
    return board


def status_counts(values: list[KpiValue]) -> dict[str, int]:
    from .choices import KpiStatus

    counts = {s.value: 0 for s in KpiStatus}
    for v in values:
        counts[v.status] = counts.get(v.status, 0) + 1
    return counts
