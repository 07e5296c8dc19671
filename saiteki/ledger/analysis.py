"""Cost analysis (経費分析, SPEC C3): totals by 部局, 経費区分, 稼働形態 and fiscal year, and the trend of
the recurring (運用等) cost since a baseline year.

Why a module of its own: the analysis is read-only aggregation over the whole cost matrix (2.5–20
million rows at bench/national scale), so it is written as a handful of ``GROUP BY`` queries whose
number does not depend on how many systems, bureaus or years there are — never a loop of per-system
queries — and they read the summary tables the database keeps in step with the rows
(:mod:`saiteki.ledger.summaries`: cost per 所属 × 稼働形態 × year × stage × category, systems per 所属 ×
稼働形態 × 状態), so their cost does not grow with the rows either (docs/adr/0007). The summaries are
narrowed exactly as ``Cost.objects.restrict(user, "view")`` / ``System.objects.restrict`` narrow the rows,
so a system owner's figures are exactly the sum of the rows they may open, and every figure can be
drilled down to those rows (the system list or the cost-row list with matching filters).

Two fixed targets appear in the plans: Okayama's old target (recurring cost −30% against FY2008) and the
national one (−30% against FY2018). Both are "−30% against a baseline", so the baseline is a parameter
and the target ratio a constant.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.ledger.choices import (
    BUILD_CATEGORIES,
    RUN_CATEGORIES,
    CostCategory,
    CostGroup,
    CostStage,
    HostingForm,
    group_of,
)
from saiteki.ledger.models import Cost, CostSummary, System, SystemCount
from saiteki.ledger.selectors import cost_group_expression, scoped_summary

#: Baselines the plans name; any other fiscal year may still be chosen.
BASELINE_PRESETS: Final[dict[int, object]] = {
    2008: _("岡山県の旧目標の基準年度（運用等経費 −30%）"),
    2018: _("国の目標の基準年度（運用等経費 −30%）"),
}
DEFAULT_BASELINE: Final = 2008
DEFAULT_STAGE: Final = CostStage.BUDGET
#: Both plans' target: recurring cost 30% below the baseline year.
TARGET_CHANGE_PCT: Final = Decimal(-30)

NO_BUREAU_LABEL = _("（部局なし）")


def percent_change(value: int | None, base: int | None) -> Decimal | None:
    """``value`` against ``base`` in percent, one decimal, rounded half up (四捨五入, as in Excel).

    ``None`` when either side is missing or the base is zero: a change against nothing is not a number
    a committee should see, so the page says "no baseline" instead of showing ∞ or 0%.
    """
    if value is None or not base:
        return None
    pct = (Decimal(value) - Decimal(base)) * 100 / Decimal(base)
    return pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def share_of(part: int, whole: int) -> Decimal | None:
    """Share of ``part`` in ``whole`` in percent (one decimal); ``None`` when the whole is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Split:
    """Build (整備) and recurring (運用等) amounts in yen; the total is derived so it always adds up."""

    build: int = 0
    run: int = 0

    @property
    def total(self) -> int:
        return self.build + self.run

    def add(self, group: str, amount: int) -> None:
        if group == CostGroup.BUILD:
            self.build += amount
        else:
            self.run += amount


@dataclass
class GroupRow:
    """One line of a "totals by …" table: a bureau or a hosting form, with its drill-down filter.

    ``filters`` are the query parameters of the system list that shows the systems behind the figure
    (``{"bureau": 3}``, ``{"hosting_form": "onprem"}``); empty when no list filter can express it.
    """

    key: object
    label: str
    amounts: Split = field(default_factory=Split)
    systems: int = 0
    share: Decimal | None = None
    filters: dict[str, object] = field(default_factory=dict)


@dataclass
class CategoryRow:
    category: str
    label: str
    amount: int
    share: Decimal | None = None


@dataclass
class CategoryGroupRows:
    """整備経費 or 運用等経費 with its categories, in the order of the national split."""

    group: str
    label: str
    rows: list[CategoryRow]

    @property
    def amount(self) -> int:
        return sum(r.amount for r in self.rows)


@dataclass
class YearRow:
    fiscal_year: int
    amounts: Split


@dataclass
class TrendPoint:
    """The recurring cost of one year against the baseline; ``run`` is None for a year without data."""

    fiscal_year: int
    run: int | None
    change_pct: Decimal | None
    target_met: bool | None


@dataclass
class CostAnalysis:
    """Everything the cost analysis page shows for one user, fiscal year, stage and baseline."""

    fiscal_year: int
    stage: str
    baseline: int
    total: Split
    by_bureau: list[GroupRow]
    by_hosting: list[GroupRow]
    by_category: list[CategoryGroupRows]
    by_year: list[YearRow]
    trend: list[TrendPoint]
    # (bureau key, hosting form) → total of the selected year, for the bureau × hosting form table.
    matrix: dict[tuple[object, str], int]

    @property
    def baseline_run(self) -> int | None:
        return self.trend[0].run if self.trend else None

    @property
    def latest(self) -> TrendPoint | None:
        """The newest trend point with data (決算額 of the current year is not known until it closes)."""
        return next((p for p in reversed(self.trend) if p.run is not None), None)

    @property
    def has_data(self) -> bool:
        """Whether any cost row of the selected year and stage is visible to the user."""
        return any(r.fiscal_year == self.fiscal_year for r in self.by_year)

    @property
    def target_run(self) -> int | None:
        """The recurring cost that meets the −30% target (baseline × 0.7, rounded to whole yen)."""
        base = self.baseline_run
        if not base:
            return None
        return int((Decimal(base) * (100 + TARGET_CHANGE_PCT) / 100).quantize(Decimal(1), ROUND_HALF_UP))


def costs_for_analysis(*, user) -> QuerySet[Cost]:
    """The cost rows the user may see — what every figure adds up to, and what a drill-down lists."""
    return Cost.objects.restrict(user, perms.VIEW)


def systems_for_analysis(*, user) -> QuerySet[System]:
    return System.objects.restrict(user, perms.VIEW)


def cost_summary_for_analysis(*, user) -> QuerySet[CostSummary]:
    """The cost summary cells of the rows the user may see (:func:`costs_for_analysis`, summed)."""
    return scoped_summary(CostSummary.objects.all(), user=user, model=Cost)


def cost_totals_by_year_category(*, user, stage: str, until: int) -> dict[int, dict[str, int]]:
    """``{fiscal_year: {category: yen}}`` for every year up to ``until`` at one stage — one query.

    The by-year table, the trend and the category breakdown all come from this one aggregation, so
    they cannot disagree with each other. It reads the cost summary: at most divisions × forms × years
    × categories cells, whatever the number of cost rows.
    """
    rows = (
        cost_summary_for_analysis(user=user)
        .filter(stage=stage, fiscal_year__lte=until)
        .order_by()
        .values("fiscal_year", "category")
        .annotate(total=Sum("amount"))
    )
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for r in rows:
        out[r["fiscal_year"]][r["category"]] = int(r["total"] or 0)
    return dict(out)


def cost_totals_by_division_hosting(*, user, stage: str, fiscal_year: int) -> list[dict]:
    """Totals of one year and stage per (所属, hosting form, build/run) — one query on the cost summary.

    Divisions are rolled up to bureaus in Python from :func:`division_bureaus`. The hosting form is the
    system's current one: the ledger does not keep a per-year hosting form, so a system moved to the
    shared platform counts there for every year (the change history has when).
    """
    return list(
        cost_summary_for_analysis(user=user)
        .filter(stage=stage, fiscal_year=fiscal_year)
        .annotate(group=cost_group_expression())
        .order_by()
        .values("division", "hosting_form", "group")
        .annotate(total=Sum("amount"))
    )


def system_counts_by_division_hosting(*, user) -> list[dict]:
    """How many systems each (所属, hosting form) has in the ledger — the rows a drill-down opens."""
    return list(
        scoped_summary(SystemCount.objects.all(), user=user, model=System)
        .order_by()
        .values("division", "hosting_form")
        .annotate(n=Sum("systems"))
    )


#: Filters of the cost-row list that the cost summary can express (any other means counting rows).
COST_SUMMARY_FILTERS = frozenset(
    {"fiscal_year", "stage", "bureau", "owning_division", "hosting_form", "group", "category"}
)


def cost_summary_for_rows(*, user, filters: dict | None) -> QuerySet[CostSummary] | None:
    """The summary cells whose sum equals the cost-row list with these filters, or None when a filter
    (free text, one system) is not one the summary has. ``filters``: the FilterSet's cleaned data."""
    from saiteki.ledger.selectors import system_scope

    active = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    if set(active) - COST_SUMMARY_FILTERS:
        return None
    scope = system_scope(
        user=user,
        filters={k: v for k, v in active.items() if k in ("bureau", "owning_division", "hosting_form")},
    )
    if scope is None:
        return None
    cells = scope.narrow(cost_summary_for_analysis(user=user))
    if "fiscal_year" in active:
        cells = cells.filter(fiscal_year=active["fiscal_year"])
    if "stage" in active:
        cells = cells.filter(stage=active["stage"])
    if "category" in active:
        cells = cells.filter(category=active["category"])
    if "group" in active:
        categories = BUILD_CATEGORIES if active["group"] == CostGroup.BUILD else RUN_CATEGORIES
        cells = cells.filter(category__in=[c.value for c in categories])
    return cells


def division_bureaus(*, division_ids) -> dict[int, tuple[int | None, int, str]]:
    """所属 id → (部局 id, 部局 sort order, 部局 name) for the divisions that appear in the figures.

    Organisations are master data (everyone with a role may read them), so no restriction applies.
    """
    rows = Organization.objects.filter(pk__in=list(division_ids)).values(
        "pk", "parent", "parent__sort_order", "parent__name"
    )
    return {
        r["pk"]: (r["parent"], r["parent__sort_order"] or 0, r["parent__name"] or str(NO_BUREAU_LABEL))
        for r in rows
    }


def cost_analysis(*, user, fiscal_year: int, stage: str = DEFAULT_STAGE, baseline: int = DEFAULT_BASELINE):
    """All figures of the cost analysis page in four queries, whatever the size of the ledger.

    ``baseline`` must not be later than ``fiscal_year`` (the view validates it); the trend runs from the
    baseline to the selected year, one point per year, a year without any cost rows at this stage
    showing as "no data" rather than as a fall to zero.
    """
    by_year_cat = cost_totals_by_year_category(user=user, stage=stage, until=fiscal_year)
    cells = cost_totals_by_division_hosting(user=user, stage=stage, fiscal_year=fiscal_year)
    counts = system_counts_by_division_hosting(user=user)
    return cost_analysis_of(
        fiscal_year=fiscal_year,
        stage=stage,
        baseline=baseline,
        by_year_cat=by_year_cat,
        cells=cells,
        counts=counts,
    )


def cost_analysis_of(
    *, fiscal_year: int, stage: str, baseline: int, by_year_cat: dict, cells: list[dict], counts: list[dict]
) -> CostAnalysis:
    """The page's figures from its three aggregations — the live ledger's (:func:`cost_analysis`) or the
    ledger's as of a past date (:mod:`saiteki.ledger.analysis_asof`): ``by_year_cat`` {fy: {category:
    yen}} up to the year, ``cells`` [{division, hosting_form, group, total}] of the year, ``counts``
    [{division, hosting_form, n}] of systems."""
    divisions = division_bureaus(
        division_ids={c["division"] for c in cells} | {c["division"] for c in counts}
    )

    def bureau_of(division_id) -> object:
        return divisions.get(division_id, (None, 0, ""))[0]

    bureau_meta: dict[object, tuple[int, str]] = {
        bureau: (order, name) for bureau, order, name in divisions.values()
    }
    bureaus: dict[object, GroupRow] = {}
    hostings: dict[str, GroupRow] = {
        form.value: GroupRow(key=form.value, label=str(form.label), filters={"hosting_form": form.value})
        for form in HostingForm
    }

    def bureau_row(key) -> GroupRow:
        if key not in bureaus:
            label = bureau_meta.get(key, (0, str(NO_BUREAU_LABEL)))[1]
            bureaus[key] = GroupRow(key=key, label=label, filters={"bureau": key} if key is not None else {})
        return bureaus[key]

    total = Split()
    matrix: dict[tuple[object, str], int] = defaultdict(int)
    for c in cells:
        amount = int(c["total"] or 0)
        bureau = bureau_of(c["division"])
        hosting = c["hosting_form"]
        bureau_row(bureau).amounts.add(c["group"], amount)
        hostings.setdefault(hosting, GroupRow(key=hosting, label=hosting, filters={"hosting_form": hosting}))
        hostings[hosting].amounts.add(c["group"], amount)
        matrix[(bureau, hosting)] += amount
        total.add(c["group"], amount)
    for c in counts:
        bureau_row(bureau_of(c["division"])).systems += c["n"]
        if c["hosting_form"] in hostings:
            hostings[c["hosting_form"]].systems += c["n"]

    by_bureau = sorted(bureaus.values(), key=lambda r: (bureau_meta.get(r.key, (0, ""))[0], r.label))
    by_hosting = list(hostings.values())
    for row in (*by_bureau, *by_hosting):
        row.share = share_of(row.amounts.total, total.total)

    this_year = by_year_cat.get(fiscal_year, {})
    by_category = [
        CategoryGroupRows(
            group=group.value,
            label=str(group.label),
            rows=[
                CategoryRow(
                    category=cat,
                    label=str(CostCategory(cat).label),
                    amount=this_year.get(cat, 0),
                    share=share_of(this_year.get(cat, 0), total.total),
                )
                for cat in categories
            ],
        )
        for group, categories in ((CostGroup.BUILD, BUILD_CATEGORIES), (CostGroup.RUN, RUN_CATEGORIES))
    ]

    by_year = []
    for fy in sorted(by_year_cat):
        split = Split()
        for cat, amount in by_year_cat[fy].items():
            split.add(group_of(cat), amount)
        by_year.append(YearRow(fiscal_year=fy, amounts=split))

    run_by_year = {row.fiscal_year: row.amounts.run for row in by_year}
    base_run = run_by_year.get(baseline)
    trend = []
    for fy in range(baseline, fiscal_year + 1):
        run = run_by_year.get(fy)
        change = percent_change(run, base_run)
        trend.append(
            TrendPoint(
                fiscal_year=fy,
                run=run,
                change_pct=change,
                target_met=None if change is None or fy == baseline else change <= TARGET_CHANGE_PCT,
            )
        )

    return CostAnalysis(
        fiscal_year=fiscal_year,
        stage=stage,
        baseline=baseline,
        total=total,
        by_bureau=by_bureau,
        by_hosting=by_hosting,
        by_category=by_category,
        by_year=by_year,
        trend=trend,
        matrix=dict(matrix),
    )
