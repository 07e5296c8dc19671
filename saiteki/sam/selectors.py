"""Reads of the SAM app: consumption and supply for the reconciliation, run results by title and by
所属 (restricted to what the user may see), expiries, campaign progress and the KPI.

The consumption is aggregated in the database — one ``GROUP BY`` over the current installations — so
300,000 installations on 6,000 devices are counted in well under a second on PostgreSQL; Python only
allocates the licences to the ~10,000 (title, 所属) sums that come back (:mod:`saiteki.sam.reconcile`).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.fiscal import fiscal_year_of

from .choices import (
    CampaignState,
    DeviceStatus,
    LicenceState,
    Metric,
    TaskState,
)
from .models import (
    Device,
    Entitlement,
    Installation,
    InventoryCampaign,
    InventoryTask,
    Purchase,
    ReconciliationRow,
    ReconciliationRun,
    SoftwareName,
    Title,
    UsagePeak,
)

# --- Consumption and supply (the reconciliation's inputs) ----------------------------------------------


@dataclass(frozen=True)
class Consumption:
    """One (title, 所属) sum of current installations by every metric."""

    title: int
    division: int | None
    devices: int
    users: int
    cores: int


def consumption_sql() -> str:
    """The aggregate: distinct (title, device) pairs of current installations on devices in use, summed
    per title and 所属 as devices, distinct users (the confirmed user, else the scanned one, else the
    device itself) and cores (at least one per device)."""
    inst = Installation._meta.db_table
    name = SoftwareName._meta.db_table
    dev = Device._meta.db_table
    title = Title._meta.db_table
    return f"""
        SELECT x.title_id, d.division_id,
               COUNT(*) AS devices,
               COUNT(DISTINCT CASE WHEN d.user_code <> '' THEN d.user_code
                                   WHEN d.scanned_user <> '' THEN d.scanned_user
                                   ELSE 'device:' || CAST(d.id AS VARCHAR(20)) END) AS users,
               SUM(CASE WHEN d.cores > 0 THEN d.cores ELSE 1 END) AS cores
        FROM (SELECT DISTINCT n.title_id AS title_id, i.device_id AS device_id
              FROM {inst} i JOIN {name} n ON n.id = i.name_id
              WHERE i.active = %s AND n.title_id IS NOT NULL) x
        JOIN {dev} d ON d.id = x.device_id
        JOIN {title} t ON t.id = x.title_id
        WHERE d.status <> %s AND t.licensable = %s
        GROUP BY x.title_id, d.division_id
    """


def consumption() -> tuple[list[Consumption], float]:
    """Every (title, 所属) consumption and the seconds the bare SQL aggregate took."""
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(consumption_sql(), [True, DeviceStatus.DISPOSED, True])
        rows = cursor.fetchall()
    seconds = time.perf_counter() - start
    return [Consumption(int(t), d, int(n), int(u), int(c or 0)) for t, d, n, u, c in rows], seconds


def active_purchases(on: datetime.date) -> QuerySet[Purchase]:
    """Purchases that count on ``on``: their term covers the day and the licence is not disposed."""
    return Purchase.objects.filter(
        Q(term_start__isnull=True) | Q(term_start__lte=on),
        Q(term_end__isnull=True) | Q(term_end__gte=on),
    ).exclude(entitlement__state=LicenceState.DISPOSED)


def supply(on: datetime.date) -> list[dict[str, Any]]:
    """Licences owned on ``on`` per title, owner, downgrade rights and metric (one SQL ``GROUP BY``)."""
    return list(
        active_purchases(on)
        .values(
            "entitlement__title_id",
            "entitlement__owner_division_id",
            "entitlement__downgrade_rights",
            "entitlement__metric",
        )
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )


def unit_prices() -> dict[int, int]:
    """Each title's price for the cost to comply: its reference price, else its latest purchase's."""
    latest = (
        Purchase.objects.filter(entitlement__title=OuterRef("pk"), unit_cost__gt=0)
        .order_by("-purchased_on", "-pk")
        .values("unit_cost")[:1]
    )
    out = {}
    for pk, price, last in Title.objects.annotate(last=Subquery(latest)).values_list(
        "pk", "unit_price", "last"
    ):
        out[pk] = int(price or last or 0)
    return out


def usage_peaks() -> dict[tuple[int, int | None], int]:
    """The latest recorded concurrent peak per (title, 所属)."""
    out: dict[tuple[int, int | None], int] = {}
    for t, d, peak in UsagePeak.objects.order_by("title", "division", "-measured_on", "-pk").values_list(
        "title_id", "division_id", "peak"
    ):
        out.setdefault((t, d), peak)
    return out


# --- Runs ------------------------------------------------------------------------------------------------


def latest_run() -> ReconciliationRun | None:
    from .choices import RunStatus

    return ReconciliationRun.objects.filter(status=RunStatus.DONE).order_by("-created_at", "-pk").first()


def previous_run(run: ReconciliationRun) -> ReconciliationRun | None:
    from .choices import RunStatus

    return (
        ReconciliationRun.objects.filter(status=RunStatus.DONE, pk__lt=run.pk)
        .order_by("-created_at", "-pk")
        .first()
    )


FIGURES = (
    "entitled",
    "consumed",
    "shortfall",
    "surplus",
    "cost_to_comply",
    "devices",
    "downgrade_in",
    "pool_in",
)


def run_rows(*, run: ReconciliationRun, user) -> QuerySet[ReconciliationRow]:
    """The run's rows the user may see (a system owner: their own 所属's)."""
    return ReconciliationRow.objects.restrict(user, perms.VIEW).filter(run=run)


@dataclass
class DivisionFigures:
    """One 所属's row of a title in a run: a plain read of :class:`ReconciliationRow` (the pages and the
    API show thousands of them; model instances would cost seconds)."""

    title_id: int
    division_id: int | None
    division: Any  # Organization | None (the central pool / devices without a 所属)
    metric: str
    entitled: int
    consumed: int
    devices: int
    pool_in: int
    downgrade_in: int
    downgrade_out: int
    shortfall: int
    surplus: int
    unit_price: int
    cost_to_comply: int
    estimated: bool


@dataclass
class TitleFigures:
    """A title's figures in one run: the sums of its rows (the API's per-title object)."""

    title: Title
    metric: str
    entitled: int = 0
    consumed: int = 0
    shortfall: int = 0
    surplus: int = 0
    cost_to_comply: int = 0
    devices: int = 0
    downgrade_in: int = 0
    pool_in: int = 0
    estimated: bool = False
    by_division: list[DivisionFigures] = field(default_factory=list)
    previous_shortfall: int | None = None
    eol: datetime.date | None = None

    @property
    def shortfall_change(self) -> int | None:
        return None if self.previous_shortfall is None else self.shortfall - self.previous_shortfall

    @property
    def compliant(self) -> bool:
        return self.shortfall == 0


ROW_FIELDS = (
    "title_id",
    "division_id",
    "metric",
    "entitled",
    "consumed",
    "devices",
    "pool_in",
    "downgrade_in",
    "downgrade_out",
    "shortfall",
    "surplus",
    "unit_price",
    "cost_to_comply",
    "estimated",
)


def run_by_title(
    *, run: ReconciliationRun, user, with_divisions: bool = False, title_ids=None, division_id=None
) -> list[TitleFigures]:
    """Per title: the sums of the rows the user may see (so an owner's totals are their 所属's), in
    title-name order. Without ``with_divisions`` the sums are one SQL ``GROUP BY``; with it each title
    also lists its 所属 rows (plain values, 所属 order). ``division_id`` keeps one 所属's rows only
    (0: the central pool and devices without a 所属); titles without such a row are left out."""
    from saiteki.accounts.models import Organization

    rows = run_rows(run=run, user=user)
    if title_ids is not None:
        rows = rows.filter(title_id__in=list(title_ids))
    if division_id is not None:
        rows = (
            rows.filter(division__isnull=True) if division_id == 0 else rows.filter(division_id=division_id)
        )
    out: dict[int, TitleFigures] = {}
    if with_divisions:
        ordered = rows.order_by(
            F("division__sort_order").asc(nulls_last=True), F("division__code").asc(nulls_last=True)
        ).values_list(*ROW_FIELDS)
        per_title: dict[int, list[DivisionFigures]] = {}
        for values in ordered:
            per_title.setdefault(values[0], []).append(
                DivisionFigures(values[0], values[1], None, *values[2:])
            )
        division_ids = {r.division_id for rs in per_title.values() for r in rs if r.division_id}
        divisions = Organization.objects.in_bulk(list(division_ids))
        titles = Title.objects.select_related("lifecycle_cycle").in_bulk(list(per_title))
        for pk in sorted(per_title, key=lambda pk: (titles[pk].name, pk)):
            fig = out[pk] = TitleFigures(
                title=titles[pk], metric=per_title[pk][0].metric, eol=title_eol(titles[pk])
            )
            for r in per_title[pk]:
                r.division = divisions.get(r.division_id) if r.division_id else None
                for name in FIGURES:
                    setattr(fig, name, getattr(fig, name) + getattr(r, name))
                fig.estimated = fig.estimated or r.estimated
            fig.by_division = per_title[pk]
    else:
        sums = list(
            rows.values("title_id")
            .annotate(
                metric_=Max("metric"),
                estimated_=Count("pk", filter=Q(estimated=True)),
                **{f"{name}_": Sum(name) for name in FIGURES},
            )
            .order_by()
        )
        titles = Title.objects.select_related("lifecycle_cycle").in_bulk([r["title_id"] for r in sums])
        for s in sorted(sums, key=lambda s: (titles[s["title_id"]].name, s["title_id"])):
            title = titles[s["title_id"]]
            fig = out[title.pk] = TitleFigures(
                title=title, metric=s["metric_"], eol=title_eol(title), estimated=bool(s["estimated_"])
            )
            for name in FIGURES:
                setattr(fig, name, int(s[f"{name}_"] or 0))
    prev = previous_run(run)
    if prev is not None and out:
        previous_rows = run_rows(run=prev, user=user)
        if title_ids is not None:
            previous_rows = previous_rows.filter(title_id__in=list(out))
        if division_id is not None:
            previous_rows = (
                previous_rows.filter(division__isnull=True)
                if division_id == 0
                else previous_rows.filter(division_id=division_id)
            )
        previous = dict(
            previous_rows.values("title_id")
            .annotate(s=Sum("shortfall"))
            .values_list("title_id", "s")
            .order_by()
        )
        for pk, fig in out.items():
            fig.previous_shortfall = int(previous.get(pk, 0) or 0)
    return list(out.values())


def run_by_division(*, run: ReconciliationRun, user) -> list[dict[str, Any]]:
    """Per 所属: sums over its titles (SQL), with the number of titles short; pool/unassigned last."""
    rows = (
        run_rows(run=run, user=user)
        .values("division_id", "division__name", "division__parent__name", "division__sort_order")
        .annotate(
            entitled=Sum("entitled"),
            consumed=Sum("consumed"),
            shortfall=Sum("shortfall"),
            surplus=Sum("surplus"),
            cost_to_comply=Sum("cost_to_comply"),
        )
        .order_by(F("division__sort_order").asc(nulls_last=True), "division_id")
    )
    short = dict(
        run_rows(run=run, user=user)
        .filter(shortfall__gt=0)
        .values("division_id")
        .annotate(n=Count("pk"))
        .values_list("division_id", "n")
        .order_by()
    )
    out = []
    for r in rows:
        r["titles_short"] = int(short.get(r["division_id"], 0) or 0)
        r["label"] = r["division__name"] or _("全庁共通・所属未設定")
        out.append(r)
    return out


def run_totals(*, run: ReconciliationRun, user) -> dict[str, int]:
    agg = run_rows(run=run, user=user).aggregate(
        **{name: Sum(name) for name in ("entitled", "consumed", "shortfall", "surplus", "cost_to_comply")}
    )
    return {k: int(v or 0) for k, v in agg.items()}


def devices_behind(
    *, title: Title, division_id: int | None, user, unassigned: bool = False
) -> QuerySet[Device]:
    """The devices behind a consumption figure today: in use, with a current installation of the
    title, in the 所属 (or without one when ``unassigned``), restricted to what the user may see."""
    names = SoftwareName.objects.filter(title=title).values("pk")
    qs = (
        Device.objects.restrict(user, perms.VIEW)
        .exclude(status=DeviceStatus.DISPOSED)
        .filter(pk__in=Installation.objects.filter(active=True, name__in=names).values("device_id"))
    )
    if unassigned:
        qs = qs.filter(division__isnull=True)
    elif division_id is not None:
        qs = qs.filter(division_id=division_id)
    return qs.select_related("division").order_by("hostname")


def title_eol(title: Title) -> datetime.date | None:
    """The end of support of the title's version, from the lifecycle catalogue (None when unknown)."""
    from saiteki.lifecycle.risk import OPEN, phase_date

    cycle = title.lifecycle_cycle
    if cycle is None:
        return None
    value = phase_date(cycle.eol)
    return None if value in (None, OPEN) else value  # ENDED: ended, date unknown


# --- Licences -------------------------------------------------------------------------------------------


def entitlements_with_quantity(*, user, on: datetime.date | None = None) -> QuerySet[Entitlement]:
    """Licences the user may see with ``quantity`` (owned on ``on``), ``term_end`` (latest term) and
    ``total_cost`` (every purchase) annotated in SQL."""
    on = on or datetime.date.today()
    active = Q(purchases__term_start__isnull=True) | Q(purchases__term_start__lte=on)
    active &= Q(purchases__term_end__isnull=True) | Q(purchases__term_end__gte=on)
    from django.db.models import Max
    from django.db.models.functions import Coalesce

    return Entitlement.objects.restrict(user, perms.VIEW).annotate(
        quantity=Coalesce(Sum("purchases__quantity", filter=active), 0),
        term_end=Max("purchases__term_end"),
        total_cost=Coalesce(Sum("purchases__total_cost"), 0),
    )


def expiring(*, user, on: datetime.date | None = None, days: int = 90) -> QuerySet[Purchase]:
    """Purchases whose term ends within ``days`` (subscriptions and term licences to renew), soonest
    first, with no later purchase of the same licence already covering the day after. ``user`` None:
    every licence (the scheduled job acts for the system)."""
    on = on or datetime.date.today()
    later = Purchase.objects.filter(entitlement=OuterRef("entitlement"), term_end__gt=OuterRef("term_end"))
    from django.db.models import Exists

    qs = Purchase.objects.all() if user is None else Purchase.objects.restrict(user, perms.VIEW)
    return (
        qs.filter(term_end__gte=on, term_end__lte=on + datetime.timedelta(days=days))
        .exclude(entitlement__state=LicenceState.DISPOSED)
        .exclude(Exists(later))
        .select_related("entitlement__title", "entitlement__owner_division")
        .order_by("term_end", "pk")
    )


def costs_by_year(*, entitlement: Entitlement) -> list[dict[str, Any]]:
    """Quantity and total cost of a licence's purchases per fiscal year (unit cost = total ÷ quantity)."""
    rows = (
        entitlement.purchases.values("fiscal_year")
        .annotate(quantity=Sum("quantity"), total=Sum("total_cost"))
        .order_by("fiscal_year")
    )
    return [{**r, "unit": (r["total"] // r["quantity"]) if r["quantity"] else 0} for r in rows]


# --- Inventory --------------------------------------------------------------------------------------------


def current_campaign() -> InventoryCampaign | None:
    """This fiscal year's campaign, else the latest one."""
    fy = fiscal_year_of(datetime.date.today())
    return (
        InventoryCampaign.objects.filter(fiscal_year=fy).first()
        or InventoryCampaign.objects.order_by("-fiscal_year").first()
    )


@dataclass
class Progress:
    tasks: int
    completed: int

    @property
    def rate(self) -> Decimal:
        if not self.tasks:
            return Decimal("0")
        return (Decimal(100) * self.completed / self.tasks).quantize(Decimal("0.1"))


def campaign_progress(*, campaign: InventoryCampaign, user=None) -> Progress:
    """Completed tasks over all tasks (restricted to what ``user`` may see when given). A closed
    campaign answers from its frozen results."""
    if campaign.state == CampaignState.CLOSED and campaign.frozen and user is None:
        return Progress(int(campaign.frozen.get("tasks", 0)), int(campaign.frozen.get("completed", 0)))
    qs = (
        campaign.tasks.all()
        if user is None
        else InventoryTask.objects.restrict(user, perms.VIEW).filter(campaign=campaign)
    )
    total = qs.count()
    done = qs.filter(state=TaskState.COMPLETED).count()
    return Progress(total, done)


def task_rows(*, campaign: InventoryCampaign, user) -> QuerySet[InventoryTask]:
    """The campaign's tasks the user may see, with their item counts (SQL)."""
    from django.db.models import Count

    from .choices import ItemStatus

    return (
        InventoryTask.objects.restrict(user, perms.VIEW)
        .filter(campaign=campaign)
        .select_related("division__parent", "completed_by")
        .annotate(
            item_count=Count("items"),
            pending=Count("items", filter=Q(items__status=ItemStatus.PENDING)),
            corrected=Count("items", filter=Q(items__status__in=[ItemStatus.CORRECTED, ItemStatus.MISSING])),
        )
        .order_by("division__sort_order", "division__code")
    )


def inventory_completion(fiscal_year: int) -> Decimal | None:
    """The KPI 「ソフトウェア棚卸実施率」: completed 所属 tasks ÷ all tasks of the year's campaign, in %.
    A closed campaign gives its frozen figure; None when the year had no campaign (or it has not been
    opened)."""
    campaign = InventoryCampaign.objects.filter(fiscal_year=fiscal_year).first()
    if campaign is None or campaign.state == CampaignState.DRAFT:
        return None
    progress = campaign_progress(campaign=campaign)
    return progress.rate if progress.tasks else None


def inventory_evidence(fiscal_year: int) -> dict:
    """The KPI's drill-down: the tasks counted and the figures used."""
    campaign = InventoryCampaign.objects.filter(fiscal_year=fiscal_year).first()
    if campaign is None or campaign.state == CampaignState.DRAFT:
        return {"value": None, "records": [], "figures": {}}
    progress = campaign_progress(campaign=campaign)
    records = [
        {"model": "sam.inventorytask", "id": t.pk, "label": f"{t.division}（{t.get_state_display()}）"}
        for t in campaign.tasks.select_related("division").order_by("division__sort_order")
    ]
    return {
        "value": progress.rate if progress.tasks else None,
        "records": records,
        "figures": {"所属数": progress.tasks, "完了": progress.completed},
    }


# --- Per-metric helpers for pages -------------------------------------------------------------------------


def metric_label(metric: str) -> str:
    try:
        return str(Metric(metric).label)
    except ValueError:
        return metric


def division_owners(division_ids) -> QuerySet:
    """System owners (this fiscal year) of the given 所属: who is told about their licences and tasks."""
    from saiteki.accounts.models import User
    from saiteki.core.roles import Role

    fy = fiscal_year_of(datetime.date.today())
    return User.objects.filter(
        is_active=True,
        assignments__fiscal_year=fy,
        assignments__role=Role.OWNER,
        assignments__division__in=list(division_ids),
    ).distinct()


def admins() -> QuerySet:
    """IT policy admins this fiscal year: told about the central pool and prefecture-wide figures."""
    from saiteki.accounts.models import User
    from saiteki.core.roles import Role

    fy = fiscal_year_of(datetime.date.today())
    return User.objects.filter(
        is_active=True, assignments__fiscal_year=fy, assignments__role=Role.ADMIN
    ).distinct()
