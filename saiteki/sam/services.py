"""Writes of the SAM app: the catalogue and its matching, licences and purchases, devices, the
reconciliation runs, the inbox notices and the volume offers. The inventory campaign and audits are in
:mod:`saiteki.sam.inventory` (re-exported here).

What people decide — a title, a rule, a manual mapping, a licence, a purchase, a device — is saved
through the model (change log: who, when, why). What is derived — the title each scanned name matches
automatically, the counts of the queue, the reconciliation rows — is written in bulk without history,
so a re-match or a nightly run does not flood the logs; a run is itself the record of its figures.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.errors import PermissionDeniedError, ValidationFailed, field_messages

from . import selectors
from .choices import (
    MatchMethod,
    Metric,
    RuleKind,
    RunStatus,
)
from .matching import NameMatch, TitleMatcher, name_key
from .models import (
    Device,
    Entitlement,
    Installation,
    NormalisationRule,
    ProofDocument,
    Purchase,
    ReconciliationRow,
    ReconciliationRun,
    SoftwareName,
    Title,
)
from .reconcile import Demand, Supply, TitleInfo, reconcile
from .reconcile import Row as RecRow

Report = Callable[[int, str], None]


def require_right(user, action: str, obj) -> None:
    if not perms.can(user, action, obj):
        raise PermissionDeniedError(_("この操作を行う権限がありません。"))


def clean(obj) -> None:
    """``full_clean`` with the model's messages as the one error shape (fields beside the inputs)."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean()
    except ValidationError as exc:
        fields = field_messages(exc)
        first = next((m[0] for m in fields.values() if m), None)
        raise ValidationFailed(first, fields=fields) from exc


# --- Matching scanned names to titles ---------------------------------------------------------------------

_cache = threading.local()


def _stamp() -> tuple:
    titles = Title.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    rules = NormalisationRule.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    return (titles["n"], titles["t"], rules["n"], rules["t"])


def matcher_reset() -> None:
    _cache.__dict__.clear()


def matcher_get() -> TitleMatcher:
    """The matcher for the current titles and rules (rebuilt when either changed)."""
    stamp = _stamp()
    cached = getattr(_cache, "matcher", None)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    titles = [(t.pk, t.match_text) for t in Title.objects.only("pk", "product", "edition", "version_family")]
    exact, contains, ignore = [], [], []
    for kind, pattern, title_id in NormalisationRule.objects.filter(active=True).values_list(
        "kind", "pattern", "title_id"
    ):
        if kind == RuleKind.EXACT and title_id:
            exact.append((pattern, title_id))
        elif kind == RuleKind.CONTAINS and title_id:
            contains.append((pattern, title_id))
        elif kind == RuleKind.IGNORE:
            ignore.append(pattern)
    matcher = TitleMatcher(titles, exact=exact, contains=contains, ignore=ignore)
    _cache.matcher = (stamp, matcher)
    return matcher


def _apply_match(name: SoftwareName, result: NameMatch) -> None:
    name.title_id = result.title
    name.method = {
        "rule": MatchMethod.RULE,
        "auto": MatchMethod.AUTO,
        "ignored": MatchMethod.IGNORED,
    }.get(result.method, MatchMethod.NONE)
    suggestion = result.suggestion if result.title is None and result.method != "ignored" else None
    name.suggestion_id = suggestion.title if suggestion else None
    name.suggestion_score = Decimal(str(suggestion.score)) if suggestion else Decimal("0")


def names_resolve(raw_names: Iterable[str], *, create: bool) -> tuple[dict[str, int | None], int]:
    """The :class:`SoftwareName` id of each raw name (by its key), creating (and matching) the names not
    seen before when ``create``; returns (raw → id or None when not created, number of new keys)."""
    raws = set(raw_names)
    keys = {raw: name_key(raw) for raw in raws}
    existing = dict(SoftwareName.objects.filter(key__in=set(keys.values())).values_list("key", "pk"))
    new_keys = {k: raw for raw, k in keys.items() if k and k not in existing}
    if create and new_keys:
        matcher = matcher_get()
        objs = []
        for key, raw in new_keys.items():
            obj = SoftwareName(key=key[:300], example=raw[:300])
            _apply_match(obj, matcher.match(raw))
            objs.append(obj)
        SoftwareName.objects.bulk_create(objs, batch_size=1000, ignore_conflicts=True)
        existing.update(SoftwareName.objects.filter(key__in=list(new_keys)).values_list("key", "pk"))
    return {raw: existing.get(k) for raw, k in keys.items()}, len(new_keys)


def names_rematch() -> dict[str, int]:
    """Re-match every name not mapped by hand (after a title or rule changed); bulk, no history."""
    matcher = matcher_get()
    changed = []
    for name in SoftwareName.objects.exclude(method=MatchMethod.MANUAL).iterator(chunk_size=2000):
        before = (name.title_id, name.method, name.suggestion_id)
        _apply_match(name, matcher.match(name.example))
        if (name.title_id, name.method, name.suggestion_id) != before:
            changed.append(name)
    with transaction.atomic():
        SoftwareName.objects.bulk_update(
            changed, ["title", "method", "suggestion", "suggestion_score"], batch_size=1000
        )
    return {"changed": len(changed)}


#: Columns of :func:`installations_insert` rows, in order.
INSTALLATION_COLUMNS = ("device_id", "name_id", "raw_name", "version", "installed_on", "scan_id", "active")


def installations_insert(
    rows: Iterable[tuple], *, batch: int = 5000, report: Callable[[int], None] | None = None
) -> int:
    """Insert installations as plain rows (tuples in :data:`INSTALLATION_COLUMNS` order).

    A scan writes up to 300,000 rows; ``bulk_create`` spends most of its time building and preparing
    300,000 model instances field by field. The rows are scan output with nothing to validate beyond
    what the importer checked, so they go to the database with one ``executemany`` per batch.
    """
    from django.db import connection

    table = connection.ops.quote_name(Installation._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in INSTALLATION_COLUMNS)
    marks = ", ".join(["%s"] * len(INSTALLATION_COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    written = 0
    pending: list[tuple] = []
    with connection.cursor() as cursor:
        for row in rows:
            pending.append(row)
            if len(pending) >= batch:
                cursor.executemany(sql, pending)
                written += len(pending)
                pending = []
                if report is not None:
                    report(written)
        if pending:
            cursor.executemany(sql, pending)
            written += len(pending)
    return written


def names_count() -> None:
    """Refresh the queue's counts (installations and devices per name) from the current installations."""
    counts = {
        r["name_id"]: (r["n"], r["d"])
        for r in Installation.objects.filter(active=True)
        .values("name_id")
        .annotate(n=Count("pk"), d=Count("device_id", distinct=True))
        .order_by()
    }
    changed = []
    for name in SoftwareName.objects.only("pk", "installations", "devices"):
        n, d = counts.get(name.pk, (0, 0))
        if (name.installations, name.devices) != (n, d):
            name.installations, name.devices = n, d
            changed.append(name)
    SoftwareName.objects.bulk_update(changed, ["installations", "devices"], batch_size=1000)


@transaction.atomic
def title_save(*, user, title: Title) -> Title:
    """Create or change a title (admins). Without an EOL link, the lifecycle catalogue is asked for the
    title's product and version; scanned names are re-matched afterwards."""
    require_right(user, perms.ADD if title.pk is None else perms.CHANGE, title)
    title.fill_name()
    clean(title)
    if title.lifecycle_cycle_id is None and title.version_family:
        title.lifecycle_cycle = lifecycle_cycle_for(title)
    title.save()
    matcher_reset()
    transaction.on_commit(names_rematch)
    return title


def lifecycle_cycle_for(title: Title):
    """The lifecycle catalogue's cycle for a title (its own matcher; None when it is not sure)."""
    from saiteki.lifecycle.models import Cycle
    from saiteki.lifecycle.services import matcher_get as lifecycle_matcher

    result = lifecycle_matcher().match(f"{title.publisher} {title.product} {title.version_family}")
    if not result.matched or result.confidence < 0.85:
        return None
    return Cycle.objects.filter(product__slug=result.product, cycle=result.cycle).first()


@transaction.atomic
def rule_save(*, user, rule: NormalisationRule) -> NormalisationRule:
    """Create or change a normalisation rule (admins); every automatic mapping follows at once."""
    require_right(user, perms.ADD if rule.pk is None else perms.CHANGE, rule)
    clean(rule)
    rule.save()
    matcher_reset()
    names_rematch()
    return rule


@transaction.atomic
def rule_delete(*, user, rule: NormalisationRule) -> None:
    require_right(user, perms.DELETE, rule)
    rule.delete()
    matcher_reset()
    names_rematch()


@transaction.atomic
def name_map(
    *, user, name: SoftwareName, title: Title | None, ignore: bool = False, create_rule: bool = False
) -> SoftwareName:
    """Decide a scanned name by hand (the unmatched queue): a title, 管理対象外, or back to automatic
    (neither). With ``create_rule`` the decision becomes an exact rule for this written form."""
    require_right(user, perms.CHANGE, name)
    if title is not None and ignore:
        raise ValidationFailed(_("ソフトウェアと管理対象外は同時に選べません。"))
    if create_rule and (title is not None or ignore):
        rule = NormalisationRule(
            kind=RuleKind.EXACT if title is not None else RuleKind.IGNORE,
            pattern=name.example[:200],
            title=title,
            note=_("未対応キューから登録"),
        )
        clean(rule)
        rule.save()
        matcher_reset()
    if title is None and not ignore:
        _apply_match(name, matcher_get().match(name.example))
    else:
        name.title = title
        name.method = MatchMethod.MANUAL if title is not None else MatchMethod.IGNORED
        name.suggestion = None
        name.suggestion_score = Decimal("0")
    clean(name)
    name.save()
    return name


# --- Licences and devices ---------------------------------------------------------------------------------


def entitlement_number_next() -> str:
    """The next free licence number of this fiscal year: L2026-00001 …"""
    from saiteki.core.fiscal import fiscal_year_of

    prefix = f"L{fiscal_year_of(datetime.date.today())}-"
    last = (
        Entitlement.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{prefix}{n:05d}"


@transaction.atomic
def entitlement_save(*, user, entitlement: Entitlement) -> Entitlement:
    """Create or change a licence. A system owner may only register licences of their own 所属."""
    if entitlement.pk is None:
        if not perms.can_create(user, Entitlement, {"owner_division": entitlement.owner_division_id}):
            raise PermissionDeniedError(_("この所属のライセンスを登録する権限がありません。"))
        if not entitlement.number:
            entitlement.number = entitlement_number_next()
    else:
        require_right(user, perms.CHANGE, entitlement)
    if not entitlement.metric and entitlement.title_id:
        entitlement.metric = entitlement.title.metric
    clean(entitlement)
    entitlement.save()
    return entitlement


@transaction.atomic
def device_save(*, user, device: Device) -> Device:
    """Create or change a device; a system owner only in (and into) their own 所属."""
    if device.pk is None:
        if not perms.can_create(user, Device, {"division": device.division_id}):
            raise PermissionDeniedError(_("この所属の機器を登録する権限がありません。"))
    else:
        require_right(user, perms.CHANGE, device)
        if perms.is_scoped(user, Device) and device.division_id not in perms.division_ids(user):
            raise PermissionDeniedError(_("他の所属に機器を移す権限がありません。"))
    clean(device)
    device.save()
    return device


@transaction.atomic
def purchase_save(*, user, purchase: Purchase) -> Purchase:
    """Add or change a purchase of a licence (whoever may change the licence). A renewal of a
    subscription in use moves the licence to 更新 in its lifecycle."""
    from saiteki.core import workflow

    require_right(user, perms.CHANGE, purchase.entitlement)
    creating = purchase.pk is None
    clean(purchase)
    purchase.save()
    entitlement = purchase.entitlement
    if (
        creating
        and purchase.renewal
        and "renew" in {t.name for t in workflow.available_transitions(entitlement, user)}
    ):
        workflow.transition_run(obj=entitlement, name="renew", user=user, comment=_("更新購入の登録"))
    return purchase


@transaction.atomic
def purchase_delete(*, user, purchase: Purchase) -> None:
    require_right(user, perms.CHANGE, purchase.entitlement)
    purchase.delete()


@transaction.atomic
def proof_add(*, user, entitlement: Entitlement, upload, kind: str, reference: str = "") -> ProofDocument:
    """Attach a proof document (allow-listed types only, the name cleaned as karte attachments are)."""
    from saiteki.core.attachments import attachment_errors, attachment_name_normalise

    require_right(user, perms.CHANGE, entitlement)
    errors = attachment_errors(upload)
    if errors:
        raise ValidationFailed(errors[0], fields={"file": errors})
    doc = ProofDocument(
        entitlement=entitlement,
        kind=kind,
        name=attachment_name_normalise(upload.name),
        size=upload.size,
        reference=reference[:100],
        uploaded_by=user,
    )
    doc.file.save(doc.name, upload, save=False)
    clean(doc)
    doc.save()
    return doc


@transaction.atomic
def proof_delete(*, user, proof: ProofDocument) -> None:
    require_right(user, perms.CHANGE, proof.entitlement)
    proof.file.delete(save=False)
    proof.delete()


# --- Reconciliation -----------------------------------------------------------------------------------------


def _demand_quantity(metric: str, c: selectors.Consumption, peaks: dict) -> tuple[int, bool]:
    if metric == Metric.USER:
        return c.users, False
    if metric == Metric.CORE:
        return c.cores, False
    if metric == Metric.CONCURRENT:
        peak = peaks.get((c.title, c.division))
        return (peak, False) if peak is not None else (c.devices, True)
    return c.devices, False


def reconciliation_compute(*, as_of: datetime.date) -> tuple[list[RecRow], list[str], float]:
    """The rows of a reconciliation as of a date (plain rows, unsaved), the notes and the SQL aggregate's
    seconds."""
    titles = {
        t.pk: t
        for t in Title.objects.filter(licensable=True).only(
            "pk", "name", "metric", "family", "publisher", "product", "edition", "version_rank", "unit_price"
        )
    }
    prices = selectors.unit_prices()
    consumed, sql_seconds = selectors.consumption()
    peaks = selectors.usage_peaks()
    notes: list[str] = []
    infos = [
        TitleInfo(t.pk, t.metric, t.family_key, t.version_rank, prices.get(t.pk, 0)) for t in titles.values()
    ]
    demands = []
    for c in consumed:
        title = titles.get(c.title)
        if title is None:
            continue
        quantity, estimated = _demand_quantity(title.metric, c, peaks)
        demands.append(Demand(c.title, c.division, quantity, c.devices, estimated))
    supplies = []
    skipped: set[str] = set()
    for s in selectors.supply(as_of):
        title = titles.get(s["entitlement__title_id"])
        if title is None:
            continue
        if s["entitlement__metric"] != title.metric:
            skipped.add(title.name)
            continue
        supplies.append(
            Supply(
                title.pk,
                s["entitlement__owner_division_id"],
                int(s["quantity"] or 0),
                downgrade=bool(s["entitlement__downgrade_rights"]),
                site=title.metric == Metric.SITE,
            )
        )
    if skipped:
        notes.append(
            _("数え方がソフトウェアの設定と異なるライセンスは計算から除きました: %(titles)s")
            % {"titles": "、".join(sorted(skipped))}
        )
    result = reconcile(infos, supplies, demands)
    return result.rows, notes + result.notes, sql_seconds


ROW_COLUMNS = ("run_id", *selectors.ROW_FIELDS, "created_at", "updated_at", "version")


def _rows_insert(run: ReconciliationRun, rows: list[RecRow]) -> None:
    """Write a run's rows as plain values: a run has ~10,000 of them, and ``bulk_create`` spends seconds
    building and preparing that many model instances field by field for rows with nothing to validate
    (the arithmetic made them). PostgreSQL: ``COPY``; elsewhere one ``executemany``."""
    from django.db import connection

    now = timezone.now()
    values = [
        (
            run.pk,
            r.title,
            r.division,
            r.metric,
            r.entitled,
            r.consumed,
            r.devices,
            r.pool_in,
            r.downgrade_in,
            r.downgrade_out,
            r.shortfall,
            r.surplus,
            r.unit_price,
            r.cost_to_comply,
            r.estimated,
            now,
            now,
            1,
        )
        for r in rows
    ]
    table = connection.ops.quote_name(ReconciliationRow._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ROW_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for v in values:
                    copy.write_row(v)
        else:
            marks = ", ".join(["%s"] * len(ROW_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)


def reconciliation_run(
    *, user=None, as_of: datetime.date | None = None, report: Report | None = None
) -> ReconciliationRun:
    """Reconcile every licensable title as of a date (default today) and store the run with its rows.

    All or nothing: a failure stores nothing (the job records the error).
    """
    as_of = as_of or datetime.date.today()
    start = time.perf_counter()
    if report:
        report(5, _("使用数を集計しています"))
    rows, notes, sql_seconds = reconciliation_compute(as_of=as_of)
    if report:
        report(70, _("結果を保存しています"))
    with transaction.atomic():
        run = ReconciliationRun(as_of=as_of, created_by=user, status=RunStatus.RUNNING)
        run.full_clean()
        run.save()
        _rows_insert(run, rows)
        run.entitled = sum(r.entitled for r in rows)
        run.consumed = sum(r.consumed for r in rows)
        run.shortfall = sum(r.shortfall for r in rows)
        run.surplus = sum(r.surplus for r in rows)
        run.cost_to_comply = sum(r.cost_to_comply for r in rows)
        run.titles = len({r.title for r in rows})
        run.notes = notes
        run.sql_seconds = round(sql_seconds, 6)  # a small ledger counts in tens of microseconds
        run.seconds = round(time.perf_counter() - start, 6)
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save()
    if report:
        report(100, _("完了"))
    return run


def reconciliation_enqueue(*, user) -> Any:
    """Start a reconciliation in the background (the dashboard's button); returns the job."""
    from saiteki.core.jobs import job_enqueue

    from .tasks import RECONCILE_JOB

    if not perms.role_allows(user, perms.CHANGE, Title):
        raise PermissionDeniedError(_("ライセンス照合を実行する権限がありません。"))
    return job_enqueue(kind=RECONCILE_JOB, title=_("ライセンス照合"), params={}, user=user)


from .inventory import (  # noqa: E402 - the campaign and audit services, re-exported
    audit_check_record,
    audit_close,
    audit_create,
    campaign_close,
    campaign_create,
    campaign_open,
    finding_respond,
    item_add_unlisted,
    item_update,
    items_confirm_all,
    task_complete,
    task_reopen,
)

__all__ = [
    "audit_check_record",
    "audit_close",
    "audit_create",
    "campaign_close",
    "campaign_create",
    "campaign_open",
    "finding_respond",
    "item_add_unlisted",
    "item_update",
    "items_confirm_all",
    "task_complete",
    "task_reopen",
]
