"""Reads of the ledger: lists with cost totals, the karte timeline, cost aggregations.

At national scale (400,000 systems, 20 million cost rows) the list never sums cost rows: the cost
column, its sort and its totals row come from the summary tables the database triggers keep
(:mod:`saiteki.ledger.summaries`), counts of lists filtered only by 部局/所属/稼働形態/状態 from the
system counts, and free text from the gram index on PostgreSQL (docs/adr/0007-national-scale-reads.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core.display import ChangeView, changes_for_display
from saiteki.core.models import JournalEntry, ObjectChange
from saiteki.core.views.generic import history_for
from saiteki.ledger.choices import BUILD_CATEGORIES, CostGroup, CostStage
from saiteki.ledger.models import Cost, CostSummary, System, SystemCostTotal, SystemCount

#: The fields the ledger's free text searches (every word must occur in one of them).
SYSTEM_TEXT_FIELDS = ("number", "name", "purpose", "business")


def cost_total_subquery(*, fiscal_year: int, stage: str = CostStage.BUDGET) -> Subquery:
    """Per-system total of one year at one stage from the per-system totals (one index lookup a row)."""
    return Subquery(
        SystemCostTotal.objects.filter(system=OuterRef("pk"), fiscal_year=fiscal_year, stage=stage).values(
            "amount"
        )[:1],
        output_field=IntegerField(),
    )


def systems_for_list(*, user, fiscal_year: int, stage: str = CostStage.BUDGET) -> QuerySet[System]:
    """Systems the user may see with the year's cost at one stage.

    ``cost_total`` is None when the system has no cost row for that year and stage (shown as 未登録,
    not as a misleading 0円); ``cost_sort`` sorts those below every registered amount on any database.
    A page sorted by cost is read through :class:`CostOrderedSystems`, which walks the totals' index
    instead of sorting every system.
    """
    return (
        System.objects.restrict(user, perms.VIEW)
        .annotate(cost_total=cost_total_subquery(fiscal_year=fiscal_year, stage=stage))
        .alias(cost_sort=Coalesce("cost_total", Value(-1)))
    )


def scoped_summary(summary: QuerySet, *, user, model) -> QuerySet:
    """A summary narrowed exactly as ``model.objects.restrict(user, "view")`` narrows the rows it sums:
    nothing for a role that may not view them, the user's 所属 for a system owner."""
    if not perms.role_allows(user, perms.VIEW, model):
        return summary.none()
    if perms.is_scoped(user, model):
        summary = summary.filter(division__in=perms.division_ids(user))
    return summary


def system_counts_by(*, user, field: str) -> dict[str, int]:
    """Systems the user may see per 状態 (``field="status"``) or 稼働形態 (``"hosting_form"``), from the
    system counts — for the dashboard, without counting the ledger's rows."""
    rows = (
        scoped_summary(SystemCount.objects.all(), user=user, model=System)
        .order_by()
        .values_list(field)
        .annotate(n=Sum("systems"))
    )
    return {key: n for key, n in rows}


def cost_totals_by_year(*, user, years: list[int], stage: str, categories=None) -> dict[int, int]:
    """The user's visible cost per fiscal year at one stage (optionally some categories), from the cost
    summary — the dashboard's recurring-cost figures without summing millions of cost rows."""
    cells = scoped_summary(CostSummary.objects.all(), user=user, model=Cost).filter(
        fiscal_year__in=years, stage=stage
    )
    if categories is not None:
        cells = cells.filter(category__in=[str(c) for c in categories])
    rows = cells.order_by().values_list("fiscal_year").annotate(t=Sum("amount"))
    return {fy: int(t or 0) for fy, t in rows}


# --- Summary scopes: when a list's count and totals can come from the summary tables ----------------


@dataclass(frozen=True)
class SystemScope:
    """A set of systems the summaries can count and total: some 所属 (None: all), one 稼働形態, one 状態."""

    division_ids: frozenset[int] | None = None
    hosting_form: str | None = None
    status: str | None = None

    def narrow(self, queryset: QuerySet) -> QuerySet:
        """A summary (``division``, ``hosting_form`` and, if chosen, ``status``) narrowed to the scope."""
        if self.division_ids is not None:
            queryset = queryset.filter(division__in=sorted(self.division_ids))
        if self.hosting_form is not None:
            queryset = queryset.filter(hosting_form=self.hosting_form)
        if self.status is not None:
            queryset = queryset.filter(status=self.status)
        return queryset


#: List filters a :class:`SystemScope` can express; any other active filter means counting rows.
SCOPE_FILTERS = frozenset({"bureau", "owning_division", "hosting_form", "status"})


def system_scope(*, user, filters: dict[str, Any] | None) -> SystemScope | None:
    """The summary scope of a list: the user's visibility and the active filters, or None when a filter
    (free text, tag, segment…) is not one of :data:`SCOPE_FILTERS`.

    ``filters`` are a FilterSet's cleaned data (None for a list without filters).
    """
    active = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    if set(active) - SCOPE_FILTERS:
        return None
    if not perms.role_allows(user, perms.VIEW, System):
        return SystemScope(division_ids=frozenset())  # sees nothing, as restrict() says
    divisions: set[int] | None = None
    if perms.is_scoped(user, System):
        divisions = set(perms.division_ids(user))
    if active.get("owning_division") is not None:
        chosen = {active["owning_division"].pk}
        divisions = chosen if divisions is None else divisions & chosen
    if active.get("bureau") is not None:
        under = set(Organization.objects.filter(parent=active["bureau"]).values_list("pk", flat=True))
        divisions = under if divisions is None else divisions & under
    return SystemScope(
        division_ids=frozenset(divisions) if divisions is not None else None,
        hosting_form=active.get("hosting_form") or None,
        status=active.get("status") or None,
    )


def system_count(scope: SystemScope) -> int:
    """Number of systems in the scope, from the system counts (a few hundred rows at most)."""
    return scope.narrow(SystemCount.objects.all()).aggregate(n=Sum("systems"))["n"] or 0


#: Above this many listed systems outside a summary scope (free text, tags…), the totals row is left
#: out rather than summed per system: 税 matches 50,000 of 400,000 systems (ADR 0007).
TOTALS_LIMIT = 10_000


def cost_total_for_systems(
    *, systems: QuerySet[System], fiscal_year: int, stage: str, scope: SystemScope | None = None
) -> int:
    """Total of one year's costs at one stage over a (filtered, permission-scoped) set of systems.

    With a scope the summaries answer without touching the systems: the cost summary when no 状態 is
    chosen (a few hundred cells), else the per-system totals' index range of the chosen 所属. Any other
    filter sums the listed systems' per-system totals, one index-only probe per system (the caller keeps
    that to :data:`TOTALS_LIMIT` systems).
    """
    if scope is not None:
        cells: QuerySet = (
            CostSummary.objects.filter(fiscal_year=fiscal_year, stage=stage)
            if scope.status is None
            else SystemCostTotal.objects.filter(fiscal_year=fiscal_year, stage=stage)
        )
        return scope.narrow(cells).aggregate(t=Sum("amount"))["t"] or 0
    totals = SystemCostTotal.objects.filter(fiscal_year=fiscal_year, stage=stage)
    if systems.query.where:
        totals = totals.filter(system__in=systems.order_by().values("pk"))
    return totals.aggregate(t=Sum("amount"))["t"] or 0


class CostOrderedSystems:
    """The systems of a list in the order of their cost of one year and stage, for a Paginator.

    Sorting 400,000 systems by a per-system subquery took seconds. Here a page is read from the
    per-system totals' index (``fiscal_year, stage, amount, system``) in amount order, joined to the
    listed systems, and stops after one page; systems without a total (未登録) follow (descending) or
    precede (ascending) in id order, as ``Coalesce(cost, -1)`` sorts them. Ties go by id, as the
    generic sort does.
    """

    def __init__(
        self,
        systems: QuerySet[System],
        *,
        fiscal_year: int,
        stage: str,
        descending: bool,
        count: int | None = None,
        scope: SystemScope | None = None,
    ):
        self.systems = systems
        self.fiscal_year = fiscal_year
        self.stage = stage
        self.descending = descending
        self.scope = scope
        self._count = count
        self._with_costs: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.systems.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _totals(self) -> QuerySet[SystemCostTotal]:
        """The listed systems' totals: by the copied scope columns when the filters are a scope (an index
        range, no join), else joined to the listed systems."""
        totals = SystemCostTotal.objects.filter(fiscal_year=self.fiscal_year, stage=self.stage)
        if self.scope is not None:
            return self.scope.narrow(totals)
        if self.systems.query.where:
            totals = totals.filter(system__in=self.systems.order_by().values("pk"))
        return totals

    def with_costs(self) -> int:
        if self._with_costs is None:
            self._with_costs = self._totals().count()
        return self._with_costs

    def _costed_ids(self, start: int, stop: int) -> list[int]:
        order = ("-amount", "system_id") if self.descending else ("amount", "system_id")
        return list(self._totals().order_by(*order).values_list("system_id", flat=True)[start:stop])

    def _uncosted_ids(self, start: int, stop: int) -> list[int]:
        missing = ~Exists(
            SystemCostTotal.objects.filter(
                system=OuterRef("pk"), fiscal_year=self.fiscal_year, stage=self.stage
            )
        )
        return list(self.systems.filter(missing).order_by("pk").values_list("pk", flat=True)[start:stop])

    def _ids(self, start: int, stop: int) -> list[int]:
        if self.descending:
            ids = self._costed_ids(start, stop)
            if len(ids) == stop - start:
                return ids
            costed = start + len(ids) if ids or start == 0 else self.with_costs()
            return ids + self._uncosted_ids(max(0, start - costed), stop - costed)
        uncosted = self.count() - self.with_costs()
        ids = self._uncosted_ids(start, min(stop, uncosted)) if start < uncosted else []
        if len(ids) < stop - start:
            ids += self._costed_ids(max(0, start - uncosted), stop - uncosted)
        return ids

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        ids = self._ids(start, stop)
        objects = {s.pk: s for s in self.systems.filter(pk__in=ids).order_by()}
        return [objects[pk] for pk in ids if pk in objects]


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


class SystemGramsMatch(Func):
    """PostgreSQL: the system's 1–2 character grams contain those of ``word`` (GIN index, migration 0006)."""

    function = "public.ledger_system_grams"
    output_field = BooleanField()

    def __init__(self, word: str):
        super().__init__(*(F(name) for name in SYSTEM_TEXT_FIELDS))
        self.word = word

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return f"{sql} @> public.ledger_query_grams(%s)", (*params, self.word)


def search_words(text: str) -> list[str]:
    return text.replace("\u3000", " ").split()


def system_text_search(queryset: QuerySet[System], text: str) -> QuerySet[System]:
    """Systems where every word of ``text`` occurs in the number, name, purpose or business (any case).

    PostgreSQL finds each word's candidates from the gram index (exact for 1–2 characters) and the
    substring condition confirms them; SQLite scans (the demo and small prefectures). Both return the
    same systems.
    """
    from saiteki.ledger.filtersets import text_search

    if connections[queryset.db].vendor != "postgresql":
        return text_search(queryset, text, SYSTEM_TEXT_FIELDS)
    unindexed = {f"_plain_{name}": NotIndexed(F(name)) for name in SYSTEM_TEXT_FIELDS}
    queryset = queryset.alias(**unindexed)
    for word in search_words(text):
        # Both conditions for every length: the gram condition lets a bitmap scan of the GIN index find
        # the candidates; the substring condition is what a walk along another index (the number order
        # of a page) tests per row — the planner evaluates the cheaper one first — and it makes words of
        # 3+ characters exact. The substring condition is kept off the pg_trgm indexes: combined with
        # them in one bitmap, a trigram match (always rechecked) made PostgreSQL recompute the gram
        # function for every candidate row — 264 ms for 「GIS」 at 50,000 systems instead of 4 ms.
        queryset = text_search(queryset.filter(SystemGramsMatch(word)), word, tuple(unindexed))
    return queryset


class NotIndexed(Func):
    """``(column || '')``: the same text, but no expression index on the column matches it."""

    template = "(%(expressions)s || '')"
    output_field = TextField()


def systems_search(*, user, text: str) -> QuerySet[System]:
    return system_text_search(System.objects.restrict(user, perms.VIEW), text)
