"""Reads of the review gates. Lists start from ``restrict(user, "view")`` (owners see their division's
cases); the board and the API summary share :func:`summary_totals`, so their numbers cannot differ.

The board's totals read the cases' derived columns (``requested_total`` …, written only by
``services.case_totals_refresh``) with one GROUP BY per table: the query count does not grow with the
number of cases, and the lines are not read at all.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.db.models import Avg, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from saiteki.core import permissions as perms
from saiteki.ledger.choices import RUN_CATEGORIES, CostStage, HostingForm, LifecycleStatus
from saiteki.ledger.models import Cost, System

from .choices import (
    APPROVED_STATES,
    OPEN_PROPOSAL_STATUSES,
    OPEN_STATES,
    REDUCTION_STATES,
    REVIEWER_STATES,
    CaseKind,
    CaseState,
)
from .models import AdvisorOpinion, GateException, Proposal, ReviewCase


def cases_for(user) -> QuerySet[ReviewCase]:
    return ReviewCase.objects.restrict(user, perms.VIEW)


def case_detail_queryset(user) -> QuerySet[ReviewCase]:
    return cases_for(user).select_related(
        "system", "division__parent", "planned_vendor", "decided_by", "contract"
    )


def decided(qs: QuerySet[ReviewCase]) -> QuerySet[ReviewCase]:
    """Cases whose reduction counts: decided as 承認, 条件付承認 or 不承認."""
    return qs.filter(state__in=REDUCTION_STATES)


@dataclass
class Totals:
    cases: int = 0
    requested: int = 0
    assessed: int = 0
    reduction: int = 0

    def as_dict(self) -> dict:
        return {
            "cases": self.cases,
            "requested": self.requested,
            "assessed": self.assessed,
            "reduction": self.reduction,
        }


def _totals(row: dict) -> Totals:
    return Totals(row["n"] or 0, row["requested"] or 0, row["assessed"] or 0, row["reduction"] or 0)


# COUNT(*), not COUNT(id): the board's queries then read only columns of the covering indexes
# (``review_case_board`` / ``review_case_trend``) and PostgreSQL answers them from the index alone.
_AGG = {
    "n": Count("*"),
    "requested": Coalesce(Sum("requested_total"), 0),
    "assessed": Coalesce(Sum("assessed_total"), 0),
    "reduction": Coalesce(Sum("reduction_total"), 0),
}


def summary_totals(*, user, fiscal_year: int) -> dict:
    """Requested / assessed / reduction totals of the year's decided cases, per kind and overall —
    the API's ``summary/`` and the board's totals."""
    rows = decided(cases_for(user).filter(fiscal_year=fiscal_year)).values("kind").annotate(**_AGG).order_by()
    by_kind = {k: Totals() for k in CaseKind.values}
    for row in rows:
        by_kind[row["kind"]] = _totals(row)
    overall = Totals(
        sum(t.cases for t in by_kind.values()),
        sum(t.requested for t in by_kind.values()),
        sum(t.assessed for t in by_kind.values()),
        sum(t.reduction for t in by_kind.values()),
    )
    return {"fiscal_year": fiscal_year, "by_kind": by_kind, "overall": overall}


def state_counts(*, user, fiscal_year: int) -> dict[str, dict[str, int]]:
    """Cases by kind × state (the board's matrix)."""
    out = {k: {s: 0 for s in CaseState.values} for k in CaseKind.values}
    for row in (
        cases_for(user)
        .filter(fiscal_year=fiscal_year)
        .values("kind", "state")
        .annotate(n=Count("*"))
        .order_by()
    ):
        out[row["kind"]][row["state"]] = row["n"]
    return out


def by_bureau(*, user, fiscal_year: int) -> list[dict]:
    """Decided cases' totals per 部局 (the division's parent), largest reduction first."""
    rows = (
        decided(cases_for(user).filter(fiscal_year=fiscal_year))
        .values(bureau=F("division__parent__name"), bureau_order=F("division__parent__sort_order"))
        .annotate(**_AGG)
        .order_by("bureau_order", "bureau")
    )
    return [{"bureau": r["bureau"] or "", **_totals(r).as_dict()} for r in rows]


def reductions_trend(*, user, kind: str = CaseKind.PRE_BUDGET) -> list[dict]:
    """Per fiscal year: decided cases of ``kind`` with requested, assessed and reduction totals (Mie:
    requests ¥7.4bn → ¥4.8bn, reviews cut about ¥350M a year)."""
    rows = (
        decided(cases_for(user).filter(kind=kind))
        .values("fiscal_year")
        .annotate(**_AGG)
        .order_by("fiscal_year")
    )
    return [{"fiscal_year": r["fiscal_year"], **_totals(r).as_dict()} for r in rows]


def overdue_cases(*, user, today=None) -> QuerySet[ReviewCase]:
    today = today or timezone.localdate()
    return cases_for(user).filter(state__in=OPEN_STATES, due_date__lt=today)


def exceptions_for(*, user, fiscal_year: int | None = None) -> QuerySet[GateException]:
    qs = GateException.objects.restrict(user, perms.VIEW).select_related("system", "system__owning_division")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("system__number", "gate")


def my_cases(*, user) -> dict[str, list[ReviewCase]]:
    """The owner's view: cases to work on (下書き, 差戻し), with the reviewers, and recently decided."""
    qs = ReviewCase.objects.restrict(user, perms.CHANGE).select_related("system", "division")
    return {
        "todo": list(
            qs.filter(state__in=(CaseState.DRAFT, CaseState.RETURNED)).order_by("due_date", "-id")[:100]
        ),
        "waiting": list(qs.filter(state__in=REVIEWER_STATES).order_by("due_date", "-id")[:100]),
        "decided": list(qs.exclude(state__in=OPEN_STATES).order_by("-decided_at", "-id")[:50]),
    }


def opinion_queue(*, user, answered: bool = False) -> QuerySet[AdvisorOpinion]:
    """The advisor's queue: requested opinions, oldest due first."""
    qs = AdvisorOpinion.objects.restrict(user, perms.VIEW).select_related(
        "case", "case__system", "requested_by"
    )
    if answered:
        return qs.exclude(opinion="").order_by("-opinion_date", "-id")
    return qs.filter(opinion="").order_by(F("due_date").asc(nulls_last=True), "requested_at")


def open_proposals(*, system: System) -> QuerySet[Proposal]:
    return Proposal.objects.filter(system=system, status__in=OPEN_PROPOSAL_STATUSES)


def system_cases(*, user, system: System) -> QuerySet[ReviewCase]:
    """A system's cases (for its karte's review panel), newest year first."""
    return cases_for(user).filter(system=system).order_by("-fiscal_year", "kind", "-id")


def gate_status(*, system: System, fiscal_year: int) -> dict[str, bool]:
    """Which gates are open for the system and year (approved P/D or an exception)."""
    from .gate import gate_open

    return {
        kind: gate_open(system_id=system.pk, fiscal_year=fiscal_year, kind=kind)
        for kind in (CaseKind.PRE_BUDGET, CaseKind.PRE_CONTRACT)
    }


# --- evaluation evidence -----------------------------------------------------------------------------


def run_cost(system_ids, fiscal_year: int) -> dict[int, int]:
    """Recurring (運用等) 予算額 of the systems in the year (決算額 when no budget)."""
    out: dict[int, int] = {}
    for stage in (CostStage.ACTUAL, CostStage.BUDGET):  # budget overrides actual when both exist
        for row in (
            Cost.objects.filter(
                system_id__in=system_ids, fiscal_year=fiscal_year, stage=stage, category__in=RUN_CATEGORIES
            )
            .values("system_id")
            .annotate(total=Sum("amount"))
            .order_by()
        ):
            out[row["system_id"]] = row["total"]
    return out


def peers(*, system: System, fiscal_year: int, limit: int = 10) -> dict:
    """Systems comparable with ``system`` (same 標準化対象業務, or the same users; of similar scale by
    their servers) and their recurring cost — the evidence for the rubric's cost criterion."""
    qs = System.objects.exclude(pk=system.pk).exclude(status=LifecycleStatus.RETIRED)
    if system.standard_business:
        basis = "standard_business"
        qs = qs.filter(standard_business=system.standard_business)
    else:
        basis = "users"
        qs = qs.filter(
            users_internal=system.users_internal,
            users_residents=system.users_residents,
            users_businesses=system.users_businesses,
        )
    servers = system.servers.count()
    qs = qs.annotate(server_count=Count("servers")).filter(
        server_count__gte=max(0, servers - 1), server_count__lte=servers + 1
    )
    candidates = list(qs.values("pk", "number", "name", "server_count", "hosting_form")[:500])
    costs = run_cost([c["pk"] for c in candidates] + [system.pk], fiscal_year)
    own = costs.get(system.pk)
    rows = [{**c, "cost": costs[c["pk"]]} for c in candidates if c["pk"] in costs]
    if own is not None:
        rows.sort(key=lambda r: abs(r["cost"] - own))
    rows = rows[:limit]
    median = statistics.median([r["cost"] for r in rows]) if rows else None
    return {"basis": basis, "own": own, "rows": rows, "median": median, "servers": servers}


def utilisation(*, system: System) -> dict:
    return system.servers.aggregate(cpu=Avg("cpu_avg_pct"), mem=Avg("mem_avg_pct"), n=Count("pk"))


def common_platforms(*, system: System) -> dict[str, bool]:
    return {
        "shared_platform": system.hosting_form == HostingForm.SHARED_PLATFORM,
        "cloud": system.hosting_form
        in (HostingForm.PRIVATE_CLOUD, HostingForm.GOV_CLOUD, HostingForm.COMMERCIAL_CLOUD),
        "sso": system.sso_integrated,
    }


# --- the evaluation plan -----------------------------------------------------------------------------


def plan_candidates(*, fiscal_year: int, every_years: int = 5) -> list[dict]:
    """Operating systems not evaluated (C decided) in the last ``every_years`` years, those whose
    recurring budget changed most from the year before first."""
    last_c = (
        ReviewCase.objects.filter(system=OuterRef("pk"), kind=CaseKind.EVALUATION, state__in=APPROVED_STATES)
        .order_by()
        .values("system")
        .annotate(m=Max("fiscal_year"))
        .values("m")
    )

    def budget(fy: int):
        return Subquery(
            Cost.objects.filter(system=OuterRef("pk"), fiscal_year=fy, stage=CostStage.BUDGET)
            .order_by()
            .values("system")
            .annotate(t=Sum("amount"))
            .values("t")
        )

    qs = (
        System.objects.exclude(status=LifecycleStatus.RETIRED)
        .annotate(last_c=Subquery(last_c), now=budget(fiscal_year - 1), before=budget(fiscal_year - 2))
        .filter(Q(last_c__isnull=True) | Q(last_c__lte=fiscal_year - every_years))
        .values("pk", "number", "name", "last_c", "now", "before")
    )
    rows = []
    for r in qs:
        before, now = r["before"] or 0, r["now"] or 0
        change = (now - before) / before if before else 0.0
        reason = f"前回評価: {r['last_c']}年度" if r["last_c"] else "未評価"
        if abs(change) >= 0.2:
            reason += f"、経費の増減 {change:+.0%}"
        rows.append(
            {
                "system_id": r["pk"],
                "number": r["number"],
                "name": r["name"],
                "change": change,
                "reason": reason,
            }
        )
    rows.sort(key=lambda r: (-abs(r["change"]), r["number"]))
    return rows


def plan_progress(*, user, fiscal_year: int) -> list[dict]:
    """The year's plan with each system's C case state (進捗)."""
    from .models import EvaluationPlanItem

    items = list(
        EvaluationPlanItem.objects.restrict(user, perms.VIEW)
        .filter(fiscal_year=fiscal_year)
        .select_related("system", "system__owning_division")
        .order_by("system__number")
    )
    states = {
        r["system_id"]: r["state"]
        for r in ReviewCase.objects.filter(
            fiscal_year=fiscal_year, kind=CaseKind.EVALUATION, system_id__in=[i.system_id for i in items]
        )
        .exclude(state=CaseState.WITHDRAWN)
        .values("system_id", "state")
    }
    return [{"item": i, "state": states.get(i.system_id)} for i in items]
