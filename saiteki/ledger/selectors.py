"""Reads of the ledger: lists with cost totals, the karte timeline, cost aggregations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from saiteki.core import permissions as perms
from saiteki.core.display import ChangeView, changes_for_display
from saiteki.core.models import JournalEntry, ObjectChange
from saiteki.core.views.generic import history_for
from saiteki.ledger.choices import BUILD_CATEGORIES, CostGroup, CostStage
from saiteki.ledger.models import Cost, System


def cost_total_subquery(*, fiscal_year: int, stage: str = CostStage.BUDGET, categories=None) -> Subquery:
    """Per-system sum of one year's costs at one stage, as a correlated subquery (one query per page)."""
    costs = Cost.objects.filter(system=OuterRef("pk"), fiscal_year=fiscal_year, stage=stage)
    if categories is not None:
        costs = costs.filter(category__in=categories)
    return Subquery(
        costs.order_by().values("system").annotate(total=Sum("amount")).values("total")[:1],
        output_field=IntegerField(),
    )


def systems_for_list(*, user, fiscal_year: int, stage: str = CostStage.BUDGET) -> QuerySet[System]:
    """Systems the user may see with the year's cost at one stage.

    ``cost_total`` is None when the system has no cost row for that year and stage (shown as 未登録,
    not as a misleading 0円); ``cost_sort`` sorts those below every registered amount on any database.
    """
    return (
        System.objects.restrict(user, perms.VIEW)
        .annotate(cost_total=cost_total_subquery(fiscal_year=fiscal_year, stage=stage))
        .alias(cost_sort=Coalesce("cost_total", Value(-1)))
    )


def cost_total_for_systems(*, systems: QuerySet[System], fiscal_year: int, stage: str) -> int:
    """Total of one year's costs at one stage over a (filtered, permission-scoped) set of systems."""
    ids = systems.order_by().values("pk")
    total = Cost.objects.filter(system__in=ids, fiscal_year=fiscal_year, stage=stage).aggregate(
        t=Sum("amount")
    )["t"]
    return total or 0


def cost_group_expression():
    return Case(
        When(category__in=BUILD_CATEGORIES, then=Value(CostGroup.BUILD.value)),
        default=Value(CostGroup.RUN.value),
        output_field=CharField(),
    )


def costs_for_user(*, user) -> QuerySet[Cost]:
    return Cost.objects.restrict(user, perms.VIEW)


def cost_grid(*, system: System, stage: str, years: list[int]) -> dict[tuple[int, str], int]:
    rows = Cost.objects.filter(system=system, stage=stage, fiscal_year__in=years).values_list(
        "fiscal_year", "category", "amount"
    )
    return {(fy, cat): amount for fy, cat, amount in rows}


def cost_by_year(*, system: System) -> dict[int, dict[str, int]]:
    """Per year and stage, the build/run split — for the karte's cost chart and table."""
    out: dict[int, dict[str, int]] = {}
    rows = (
        Cost.objects.filter(system=system)
        .annotate(group=cost_group_expression())
        .values("fiscal_year", "stage", "group")
        .annotate(total=Sum("amount"))
    )
    for r in rows:
        year = out.setdefault(r["fiscal_year"], {})
        year[f"{r['stage']}_{r['group']}"] = r["total"]
        year[r["stage"]] = year.get(r["stage"], 0) + r["total"]
    return dict(sorted(out.items()))


@dataclass
class TimelineItem:
    """One line of the karte timeline: a human entry or a machine change."""

    time: datetime
    kind: str  # "journal" or the changed object's model name (system, server, cost, …)
    journal: JournalEntry | None = None
    change: ObjectChange | None = None
    shown: ChangeView | None = None  # the change as people read it (names, 和暦, yen)


def karte_timeline(
    *, system: System, kind: str = "", limit: int = 200, date_style: str = "wareki"
) -> list[TimelineItem]:
    """Karte entries and the change history of the system and all its child objects, newest first.

    A karte entry appears once: as the entry itself, not again as the change-log row its saving wrote.
    """
    items: list[TimelineItem] = []
    ct = ContentType.objects.get_for_model(System)
    if kind in ("", "journal"):
        for e in JournalEntry.objects.filter(content_type=ct, object_id=system.pk).prefetch_related(
            "attachments"
        )[:limit]:
            items.append(
                TimelineItem(time=datetime.combine(e.date, e.created_at.timetz()), kind="journal", journal=e)
            )
    if kind != "journal":
        history = history_for(system).exclude(content_type=ContentType.objects.get_for_model(JournalEntry))
        if kind:
            history = history.filter(content_type__model=kind)
        changes = list(history[:limit])
        for c, shown in zip(changes, changes_for_display(changes, date_style=date_style), strict=True):
            items.append(TimelineItem(time=c.time, kind=c.content_type.model, change=c, shown=shown))
    items.sort(key=lambda i: i.time, reverse=True)
    return items[:limit]


def systems_search(*, user, text: str) -> QuerySet[System]:
    from saiteki.ledger.filtersets import text_search

    return text_search(
        System.objects.restrict(user, perms.VIEW), text, ("number", "name", "purpose", "business")
    )
