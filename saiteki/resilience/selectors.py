"""Reads of the resilience app: backup compliance (live in SQL, past years from the change log), the
recovery order, the dashboard's figures and the KPI values with their evidence."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    ExpressionWrapper,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.fiscal import fiscal_year_end_or, fiscal_year_of
from saiteki.ledger.asof import IN_OPERATION, end_of_fiscal_year, snapshots_as_of
from saiteki.ledger.models import System

from .choices import DataImportance, Requirement
from .compliance import (
    PracticeFacts,
    StandardFacts,
    Unmet,
    evaluate,
    frequencies_meeting,
    importance_of,
    restore_cutoff,
)
from .models import (
    BackupPractice,
    BackupStandard,
    BcpProfile,
)
from .recovery import Node, RecoveryPlan, recovery_order
from .selectors_activity import (  # noqa: E402,F401 - re-exported for the callers of selectors
    drills_in,
    email_drill_rows,
    email_drill_trend,
    fy_dates,
    incident_counts,
    incidents_in,
    latest_email_drill,
    open_actions,
    percent,
    separation_in_force,
    training_attendance,
)

PRACTICE = "backup_practice__"


# --- Standards and compliance ---------------------------------------------------------------------------


def standard_facts(s: BackupStandard) -> StandardFacts:
    return StandardFacts(
        s.importance,
        s.frequency,
        s.generations,
        s.offsite_required,
        s.offline_required,
        s.restore_test_months,
    )


def standards_map() -> dict[int, StandardFacts]:
    """The standard in force, by importance."""
    return {s.importance: standard_facts(s) for s in BackupStandard.objects.all()}


def practice_facts(p: BackupPractice | None) -> PracticeFacts | None:
    if p is None:
        return None
    return PracticeFacts(p.frequency, p.generations, p.offsite_location, p.offline_copy, p.last_restore_test)


def _conditions(s: StandardFacts, on: datetime.date) -> dict[str, Q]:
    """The standard's requirements as conditions on a system's practice (only those it requires)."""
    out: dict[str, Q] = {
        Requirement.FREQUENCY: Q(**{f"{PRACTICE}frequency__in": frequencies_meeting(s.frequency)}),
        Requirement.GENERATIONS: Q(**{f"{PRACTICE}generations__gte": s.generations}),
    }
    if s.offsite_required:
        out[Requirement.OFFSITE] = ~Q(**{f"{PRACTICE}offsite_location": ""})
    if s.offline_required:
        out[Requirement.OFFLINE] = Q(**{f"{PRACTICE}offline_copy": True})
    cutoff = restore_cutoff(on, s.restore_test_months)
    if cutoff is not None:
        out[Requirement.RESTORE_TEST] = Q(**{f"{PRACTICE}last_restore_test__gte": cutoff})
    return out


def compliance_q(standards: dict[int, StandardFacts], on: datetime.date) -> Q:
    """Systems (annotated with ``importance``) that meet every requirement of their standard on ``on``
    — :func:`saiteki.resilience.compliance.evaluate` as a database condition."""
    q = Q(pk__in=[])
    for importance, s in standards.items():
        term = Q(importance=importance, **{f"{PRACTICE}isnull": False})
        for cond in _conditions(s, on).values():
            term &= cond
        q |= term
    return q


def unmet_q(requirement: str, standards: dict[int, StandardFacts], on: datetime.date) -> Q:
    """Systems that do not meet ``requirement`` (the same reading as :func:`evaluate`)."""
    if requirement == Requirement.STANDARD:
        return ~Q(importance__in=list(standards))
    if requirement == Requirement.ANSWERED:
        return Q(importance__in=list(standards), **{f"{PRACTICE}isnull": True})
    q = Q(pk__in=[])
    for importance, s in standards.items():
        cond = _conditions(s, on).get(requirement)
        if cond is not None:
            q |= Q(importance=importance, **{f"{PRACTICE}isnull": False}) & ~cond
    return q


def _case(standards: dict[int, StandardFacts], attr: str, output) -> Case:
    return Case(
        *(When(importance=k, then=Value(getattr(s, attr))) for k, s in standards.items()),
        default=Value(None),
        output_field=output,
    )


def subject_systems() -> QuerySet[System]:
    """Systems the backup standard applies to: those in operation, annotated with their importance."""
    return System.objects.filter(status__in=IN_OPERATION).annotate(
        importance=Greatest("integrity", "availability")
    )


def compliance_queryset(*, user, on: datetime.date | None = None) -> QuerySet[System]:
    """The compliance list: every system in operation the user may see, with its importance, the
    standard's values, its practice and whether it complies (``compliant``) — all in one query."""
    on = on or timezone.localdate()
    standards = standards_map()
    qs = subject_systems().filter(pk__in=System.objects.restrict(user, perms.VIEW).values("pk"))
    return qs.annotate(
        compliant=ExpressionWrapper(compliance_q(standards, on), output_field=BooleanField()),
        std_known=ExpressionWrapper(Q(importance__in=list(standards)), output_field=BooleanField()),
        std_frequency=_case(standards, "frequency", CharField()),
        std_generations=_case(standards, "generations", IntegerField()),
        std_offsite=_case(standards, "offsite_required", BooleanField()),
        std_offline=_case(standards, "offline_required", BooleanField()),
        std_months=_case(standards, "restore_test_months", IntegerField()),
        evaluated_on=Value(on, output_field=DateField()),
    ).select_related("owning_division__parent", "backup_practice")


def unmet_from_values(
    importance,
    std_known,
    std_frequency,
    std_generations,
    std_offsite,
    std_offline,
    std_months,
    practice_id,
    frequency,
    generations,
    offsite_location,
    offline_copy,
    last_restore_test,
    evaluated_on,
) -> list[Unmet]:
    """:func:`evaluate` from the list's annotated values (the screen and the xlsx export share it)."""
    standard = (
        StandardFacts(
            importance, std_frequency, std_generations, bool(std_offsite), bool(std_offline), std_months or 0
        )
        if std_known
        else None
    )
    practice = (
        PracticeFacts(
            frequency, generations or 0, offsite_location or "", bool(offline_copy), last_restore_test
        )
        if practice_id
        else None
    )
    return evaluate(standard, practice, on=evaluated_on)


@dataclass
class ComplianceSummary:
    total: int = 0
    compliant: int = 0
    by_requirement: dict[str, int] = field(default_factory=dict)
    by_importance: list[dict] = field(default_factory=list)
    by_bureau: list[dict] = field(default_factory=list)
    on: datetime.date | None = None

    @property
    def pct(self) -> Decimal | None:
        return percent(self.compliant, self.total)


def compliance_summary(*, user=None, on: datetime.date | None = None) -> ComplianceSummary:
    """Overall, per requirement, per importance and per 部局 (user None: every system)."""
    on = on or timezone.localdate()
    standards = standards_map()
    qs = subject_systems()
    if user is not None:
        qs = qs.filter(pk__in=System.objects.restrict(user, perms.VIEW).values("pk"))
    ok = compliance_q(standards, on)
    agg = qs.aggregate(
        total=Count("pk"),
        compliant=Count("pk", filter=ok),
        **{f"unmet_{r}": Count("pk", filter=unmet_q(r, standards, on)) for r in Requirement.values},
    )
    summary = ComplianceSummary(total=agg["total"], compliant=agg["compliant"], on=on)
    summary.by_requirement = {r: agg[f"unmet_{r}"] for r in Requirement.values}
    for row in (
        qs.values("importance")  # type: ignore[misc]  # an annotation of subject_systems()
        .annotate(n=Count("pk"), ok=Count("pk", filter=ok))
        .order_by("-importance")
    ):
        label = DataImportance(row["importance"]).label if row["importance"] in DataImportance.values else "?"
        summary.by_importance.append(
            {
                "importance": row["importance"],
                "label": label,
                "total": row["n"],
                "compliant": row["ok"],
                "pct": percent(row["ok"], row["n"]),
            }
        )
    rows = (
        qs.values(
            "owning_division__parent_id",
            "owning_division__parent__name",
            "owning_division__parent__sort_order",
        )
        .annotate(n=Count("pk"), ok=Count("pk", filter=ok))
        .order_by("owning_division__parent__sort_order", "owning_division__parent__name")
    )
    for row in rows:
        summary.by_bureau.append(
            {
                "bureau_id": row["owning_division__parent_id"],
                "bureau": row["owning_division__parent__name"] or _("（部局なし）"),
                "total": row["n"],
                "compliant": row["ok"],
                "pct": percent(row["ok"], row["n"]),
            }
        )
    return summary


@dataclass(frozen=True)
class SystemResult:
    id: int
    number: str
    name: str
    division_id: int | None
    importance: int
    unmet: tuple[Unmet, ...]

    @property
    def compliant(self) -> bool:
        return not self.unmet


def compliance_results(
    *, on: datetime.date | None = None, fiscal_year: int | None = None
) -> list[SystemResult]:
    """Every subject system's result, evaluated in Python: live (today, or ``on``), or — for a closed
    fiscal year — as the ledger, the practices and the standard stood at its end (change log).

    Past years: a system or practice written without history (the bench generator) did not exist
    then; an importance whose standard has no version recorded before that moment is judged by the
    current standard (the migration writes the shipped standard without history)."""
    now = timezone.now()
    if fiscal_year is not None and end_of_fiscal_year(fiscal_year) < now:
        return _results_as_of(end_of_fiscal_year(fiscal_year))
    on = on or (
        fiscal_year_end_or(fiscal_year, timezone.localdate()) if fiscal_year else timezone.localdate()
    )
    standards = standards_map()
    practices = {p.system_id: p for p in BackupPractice.objects.filter(system__status__in=IN_OPERATION)}
    out = []
    rows = subject_systems().values_list("pk", "number", "name", "owning_division_id", "importance")  # type: ignore[misc]
    for s in rows:
        pk, number, name, division, importance = s
        unmet = evaluate(standards.get(importance), practice_facts(practices.get(pk)), on=on)
        out.append(SystemResult(pk, number, name, division, importance, tuple(unmet)))
    return out


def _iso(value) -> datetime.date | None:
    if value in (None, "", "null"):
        return None
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def _results_as_of(at: datetime.datetime) -> list[SystemResult]:
    on = at.date()
    systems = snapshots_as_of(
        System, at, fields=("number", "name", "owning_division", "status", "integrity", "availability")
    )
    practices = {
        int(p["system"]): p
        for p in snapshots_as_of(
            BackupPractice,
            at,
            fields=(
                "system",
                "frequency",
                "generations",
                "offsite_location",
                "offline_copy",
                "last_restore_test",
            ),
        ).values()
        if p.get("system") is not None
    }
    standards = {}
    recorded = snapshots_as_of(
        BackupStandard,
        at,
        fields=(
            "importance",
            "frequency",
            "generations",
            "offsite_required",
            "offline_required",
            "restore_test_months",
        ),
    )
    for row in recorded.values():
        standards[int(row["importance"])] = StandardFacts(
            int(row["importance"]),
            row["frequency"],
            int(row["generations"]),
            bool(row["offsite_required"]),
            bool(row["offline_required"]),
            int(row["restore_test_months"]),
        )
    for standard in BackupStandard.objects.all():
        # No version recorded by then (the migration writes the shipped standard without history):
        # judged by the current version.
        standards.setdefault(standard.importance, standard_facts(standard))
    out = []
    for pk, s in systems.items():
        if s.get("status") not in IN_OPERATION:
            continue
        importance = importance_of(s.get("integrity"), s.get("availability"))
        p = practices.get(pk)
        facts = (
            PracticeFacts(
                p.get("frequency") or "none",
                int(p.get("generations") or 0),
                p.get("offsite_location") or "",
                bool(p.get("offline_copy")),
                _iso(p.get("last_restore_test")),
            )
            if p
            else None
        )
        unmet = evaluate(standards.get(importance), facts, on=on)
        out.append(
            SystemResult(
                pk,
                s.get("number") or "",
                s.get("name") or "",
                s.get("owning_division"),
                importance,
                tuple(unmet),
            )
        )
    return sorted(out, key=lambda r: r.number)


def system_compliance(system: System, *, on: datetime.date | None = None) -> dict[str, Any]:
    """One system's importance, standard, practice and unmet requirements (the karte)."""
    from .compliance import next_restore_due

    on = on or timezone.localdate()
    importance = importance_of(system.integrity, system.availability)
    standard = BackupStandard.objects.filter(importance=importance).first()
    facts = standard_facts(standard) if standard else None
    practice = BackupPractice.objects.filter(system=system).first()
    unmet = evaluate(facts, practice_facts(practice), on=on)
    return {
        "subject": system.status in IN_OPERATION,
        "importance": importance,
        "importance_label": DataImportance(importance).label,
        "standard": standard,
        "practice": practice,
        "unmet": unmet,
        "compliant": not unmet,
        "next_restore_due": next_restore_due(facts, practice.last_restore_test if practice else None),
        "restore_tests": list(system.restore_tests.select_related("recorded_by")[:5]),
    }


# --- ICT-BCP ------------------------------------------------------------------------------------------


@dataclass
class RecoveryView:
    plan: RecoveryPlan
    systems: dict[int, System]


def recovery_plan() -> RecoveryView:
    """The recovery order of every system with an ICT-BCP and of everything they depend on."""
    profiles = list(BcpProfile.objects.select_related("system").prefetch_related("depends_on"))
    systems: dict[int, System] = {}
    deps: dict[int, list[int]] = {}
    ranks: dict[int, tuple[str, int]] = {}
    for p in profiles:
        systems[p.system_id] = p.system
        ranks[p.system_id] = (p.rank, p.rto_hours)
        deps[p.system_id] = [d.pk for d in p.depends_on.all()]
        for d in p.depends_on.all():
            systems.setdefault(d.pk, d)
    nodes = [Node(pk, s.number, *(ranks[pk] if pk in ranks else (None, None))) for pk, s in systems.items()]
    return RecoveryView(recovery_order(nodes, deps), systems)


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())


def compliance_summary_for_year(*, user, fiscal_year: int) -> ComplianceSummary:
    """The dashboard's compliance for the fiscal year shown: live (today) for the current year and
    later, as the records stood at the year's end for a past year (the KPI's own reading)."""
    if end_of_fiscal_year(fiscal_year) >= timezone.now():
        return compliance_summary(user=user, on=timezone.localdate())
    from saiteki.accounts.models import Organization

    results = compliance_results(fiscal_year=fiscal_year)
    if perms.is_scoped(user, System):
        own = set(perms.division_ids(user))
        results = [r for r in results if r.division_id in own]
    elif not perms.role_allows(user, perms.VIEW, System):
        results = []
    summary = ComplianceSummary(total=len(results), compliant=sum(r.compliant for r in results))
    summary.on = end_of_fiscal_year(fiscal_year).date()
    summary.by_requirement = {r: 0 for r in Requirement.values}
    for r in results:
        for u in r.unmet:
            summary.by_requirement[u.requirement] += 1
    by_imp: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        by_imp[r.importance][0] += 1
        by_imp[r.importance][1] += r.compliant
    summary.by_importance = [
        {
            "importance": k,
            "label": DataImportance(k).label,
            "total": n,
            "compliant": ok,
            "pct": percent(ok, n),
        }
        for k, (n, ok) in sorted(by_imp.items(), reverse=True)
    ]
    parents = dict(
        Organization.objects.filter(pk__in={r.division_id for r in results}).values_list("pk", "parent_id")
    )
    bureaus = {o.pk: o for o in Organization.objects.filter(pk__in=set(parents.values()) - {None})}
    by_bureau: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        b = parents.get(r.division_id)
        by_bureau[b][0] += 1
        by_bureau[b][1] += r.compliant
    for b, (n, ok) in sorted(
        by_bureau.items(),
        key=lambda kv: (bureaus[kv[0]].sort_order, bureaus[kv[0]].name) if kv[0] in bureaus else (10**9, ""),
    ):
        summary.by_bureau.append(
            {
                "bureau_id": b,
                "bureau": bureaus[b].name if b in bureaus else _("（部局なし）"),
                "total": n,
                "compliant": ok,
                "pct": percent(ok, n),
            }
        )
    return summary
