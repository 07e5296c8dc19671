"""The cost analysis as of a date (「時点」): the analysis page's figures with the ledger as it was.

A cost row is already the amount of one fiscal year, but what a system *was* — its 所属 (so its 部局) and
its 稼働形態 — is today's state in the ledger tables: a system moved to the shared platform in FY2016
counts there for FY2013 too. The as-of ledger (:mod:`saiteki.ledger.asof`) rebuilds the systems from the
change log, so the analysis as of 2014-03-31 shows FY2013 with the bureaus and hosting forms of that day
and counts only the systems that existed then. The amounts are the cost rows as recorded now (past
years' rows are loaded as initial data, without history). Scope is the as-of ledger's: a system owner
sees the systems their division owned on that day, as on the as-of ledger list.

The figures are assembled by :func:`saiteki.ledger.analysis.cost_analysis_of`, the same code as the live
page, from the three aggregations computed here; the page then links to the as-of ledger list instead
of the cost-row lists (those show today's ledger).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from saiteki.core import permissions as perms
from saiteki.core.errors import ParseError
from saiteki.core.fiscal import fiscal_year_of, parse_date
from saiteki.ledger import analysis
from saiteki.ledger.asof import ledger_as_of
from saiteki.ledger.choices import group_of
from saiteki.ledger.models import Cost, System


@dataclass(frozen=True)
class AsOfChoice:
    """The page's 「時点」: a past day (the analysis as of its end), or None for today's ledger."""

    day: dt.date | None = None
    raw: str = ""
    error: str = ""

    @property
    def fiscal_year(self) -> int | None:
        return fiscal_year_of(self.day) if self.day else None


def as_of_param(request) -> AsOfChoice:
    """``?as_of=`` as staff type dates (2014-03-31, 平成26年3月31日, H26.3.31). Today or later is the live
    analysis; a date that cannot be read is said on the page, which then shows today's ledger."""
    raw = (request.GET.get("as_of") or "").strip()
    if not raw:
        return AsOfChoice()
    try:
        day = parse_date(raw)
    except ParseError as exc:
        return AsOfChoice(raw=raw, error=str(exc.message))
    if day >= timezone.localdate():
        return AsOfChoice(raw=raw)
    return AsOfChoice(day=day, raw=raw)


def cost_analysis_as_of(*, user, day: dt.date, stage: str, baseline: int) -> analysis.CostAnalysis:
    """The analysis of the fiscal year that contains ``day``, with the systems as they were at its end.

    Two queries: the as-of ledger (one window query on the change log) and the cost totals per system,
    year and category up to that year; the grouping by the day's 所属 and 稼働形態 is done in Python.
    """
    fiscal_year = fiscal_year_of(day)
    ledger = ledger_as_of(day)
    scoped = perms.is_scoped(user, System)
    systems = {s.id: s for s in ledger.filter(division_ids=perms.division_ids(user) if scoped else None)}
    rows = (
        Cost.objects.filter(stage=stage, fiscal_year__lte=fiscal_year)
        .order_by()
        .values_list("system_id", "fiscal_year", "category")
        .annotate(total=Sum("amount"))
    )
    by_year_cat: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cells: dict[tuple, int] = defaultdict(int)
    for system_id, fy, category, total in rows:
        system = systems.get(system_id)
        if system is None:
            continue
        by_year_cat[fy][category] += int(total or 0)
        if fy == fiscal_year:
            cells[(system.owning_division, system.hosting_form, group_of(category))] += int(total or 0)
    counts = Counter((s.owning_division, s.hosting_form) for s in systems.values())
    return analysis.cost_analysis_of(
        fiscal_year=fiscal_year,
        stage=stage,
        baseline=baseline,
        by_year_cat={fy: dict(cats) for fy, cats in by_year_cat.items()},
        cells=[{"division": d, "hosting_form": h, "group": g, "total": t} for (d, h, g), t in cells.items()],
        counts=[{"division": d, "hosting_form": h, "n": n} for (d, h), n in counts.items()],
    )


def page_context(context: dict, choice: AsOfChoice) -> dict:
    """The analysis page's context for the 時点 selector. As of a past day, the drill-downs to the
    cost-row and system lists (today's ledger) give way to the as-of ledger list of that day."""
    context.update({"as_of": choice.day, "as_of_raw": choice.raw, "as_of_error": choice.error})
    if choice.day is None:
        return context
    base = reverse("kpi:ledger_as_of") + f"?as_of={choice.day.isoformat()}"
    context["as_of_list_url"] = base
    context["cost_rows_url"] = ""
    context["system_list_url"] = base
    for row in context["bureau_rows"]:
        row.update(systems_url="", build_url="", run_url="", total_url="")
    for row in context["hosting_rows"]:
        row.update(
            systems_url=f"{base}&hosting_form={row['row'].key}", build_url="", run_url="", total_url=""
        )
    for matrix_row in context["matrix"]["rows"]:
        for cell in matrix_row["cells"]:
            cell.update(url="", systems_url="")
    for group in context["category_groups"]:
        group["url"] = ""
        for row in group["rows"]:
            row["url"] = ""
    for row in context["year_rows"]:
        row.update(url="", build_url="", run_url="")
    for row in context["trend_rows"]:
        row["url"] = ""
    return context
