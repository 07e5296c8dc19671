"""Writes of the lifecycle app: the catalogue, its refresh, matching components, overrides, reminders.

Automatic matching is derived data (re-computed from the catalogue, the rules and the component's
text): it is written in bulk without change-log rows, so a nightly re-match does not flood the karte.
What people decide — a manual mapping, a vendor-date override, a planned replacement date, a rule, a
catalogue refresh — goes through ``save()`` and is logged with who, when and why.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core.changelog import change_batch
from saiteki.core.errors import ApplicationError, PermissionDeniedError, ValidationFailed
from saiteki.ledger.models import Component

from . import catalogue as cat
from .choices import MatchMethod, RefreshStatus, RuleKind
from .matching import CatalogueCycle, Matcher, MatchResult
from .models import CatalogueRefresh, ComponentLifecycle, Cycle, MatchRule, Product
from .risk import phase_date

# --- Catalogue -------------------------------------------------------------------------------------------


def catalogue_current() -> dict[tuple[str, str], dict[str, str]]:
    """The stored catalogue in the shape :func:`catalogue.diff` compares against."""
    out = {}
    for c in Cycle.objects.select_related("product").order_by():
        out[(c.product.slug, c.cycle)] = {
            "label": c.label,
            "release_date": c.release_date.isoformat() if c.release_date else "",
            "support": c.support,
            "eol": c.eol,
            "extended_support": c.extended_support,
            "lts": c.lts,
        }
    return out


@transaction.atomic
def catalogue_apply(*, rows: list[cat.CatalogueRow]) -> dict:
    """Make the catalogue say what ``rows`` say for the products they cover.

    Cycles that disappeared from a covered product are deleted unless a component is linked to them
    (then kept and reported, so no component silently loses its dates). Components linked to changed
    cycles get their effective dates recomputed. Returns the diff that was applied.
    """
    changes = cat.diff(catalogue_current(), rows)
    products = {p.slug: p for p in Product.objects.all()}
    order: dict[str, int] = {}
    touched: set[int] = set()
    with change_batch():
        for row in rows:
            product = products.get(row.product)
            title, category = cat.PRODUCTS.get(row.product, (row.product_title or row.product, "other"))
            if product is None:
                product = Product(slug=row.product, title=title, category=category)
                product.full_clean()
                product.save()
                products[row.product] = product
            order[row.product] = order.get(row.product, 0) + 1
            texts = row.values()
            values: dict[str, str | datetime.date | None] = {
                **texts,
                "release_date": (
                    datetime.date.fromisoformat(texts["release_date"]) if texts["release_date"] else None
                ),
            }
            cycle = Cycle.objects.filter(product=product, cycle=row.cycle).first()
            if cycle is None:
                cycle = Cycle(product=product, cycle=row.cycle, sort_order=order[row.product], **values)
                cycle.full_clean()
                cycle.save()
                continue
            dirty = [f for f, v in values.items() if getattr(cycle, f) != v]
            if cycle.sort_order != order[row.product]:
                cycle.sort_order = order[row.product]
                dirty.append("sort_order")
            if dirty:
                for f in dirty:
                    if f != "sort_order":
                        setattr(cycle, f, values[f])
                cycle.save()
                touched.add(cycle.pk)
        kept = []
        for gone in changes["removed"]:
            cycle = Cycle.objects.get(product__slug=gone["product"], cycle=gone["cycle"])
            if ComponentLifecycle.objects.filter(cycle=cycle).exists():
                kept.append(gone)
                continue
            cycle.delete()
    changes["kept"] = kept
    for lc in ComponentLifecycle.objects.filter(cycle_id__in=touched).select_related("cycle"):
        _set_effective(lc)
        ComponentLifecycle.objects.filter(pk=lc.pk).update(
            eff_support=lc.eff_support, eff_eol=lc.eff_eol, eff_extended=lc.eff_extended, known=lc.known
        )
    matcher_reset()
    return changes


def catalogue_load_shipped(*, force: bool = False) -> int:
    """Load the shipped snapshot when the catalogue is empty (or ``force``); returns cycles stored."""
    if force or not Cycle.objects.exists():
        catalogue_apply(rows=cat.load_shipped())
    return Cycle.objects.count()


@transaction.atomic
def catalogue_refresh_create(*, data: bytes, file_name: str, user) -> CatalogueRefresh:
    """Step one of a refresh: parse the file and store it with its diff for an admin to review."""
    source_format, rows = cat.parse(data, file_name=file_name)
    if not rows:
        raise ValidationFailed(_("ファイルにリリースサイクルがありません。"))
    refresh = CatalogueRefresh(
        file_name=file_name[:255],
        source_format=source_format,
        rows=[
            {"product": r.product, "cycle": r.cycle, "product_title": r.product_title, **r.values()}
            for r in rows
        ],
        diff=cat.diff(catalogue_current(), rows),
        created_by=user,
    )
    refresh.full_clean()
    refresh.save()
    return refresh


def _rows_of(refresh: CatalogueRefresh) -> list[cat.CatalogueRow]:
    return [cat.CatalogueRow(**r) for r in refresh.rows]


@transaction.atomic
def catalogue_refresh_apply(*, refresh_id: int) -> CatalogueRefresh:
    """Step two: apply a reviewed refresh. Refused if the catalogue changed since the diff was shown
    (the admin would be approving changes they did not see)."""
    refresh = CatalogueRefresh.objects.select_for_update().get(pk=refresh_id)
    if refresh.status != RefreshStatus.PENDING:
        raise ApplicationError(_("この更新は既に処理されています。"))
    rows = _rows_of(refresh)
    if cat.diff(catalogue_current(), rows) != refresh.diff:
        raise ApplicationError(
            _("確認後にカタログが変更されました。もう一度ファイルを取り込んで差分を確認してください。")
        )
    catalogue_apply(rows=rows)
    refresh.status = RefreshStatus.APPLIED
    refresh.applied_at = timezone.now()
    refresh.save()
    components_match()
    return refresh


def catalogue_refresh_discard(*, refresh_id: int) -> CatalogueRefresh:
    refresh = CatalogueRefresh.objects.get(pk=refresh_id)
    if refresh.status == RefreshStatus.PENDING:
        refresh.status = RefreshStatus.DISCARDED
        refresh.save()
    return refresh


# --- Matcher --------------------------------------------------------------------------------------------

_cache = threading.local()


def _stamp() -> tuple:
    cycles = Cycle.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    rules = MatchRule.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    return (cycles["n"], cycles["t"], rules["n"], rules["t"])


def matcher_reset() -> None:
    _cache.__dict__.clear()


def matcher_get() -> Matcher:
    """The matcher for the current catalogue and rules (rebuilt when either changed)."""
    stamp = _stamp()
    cached = getattr(_cache, "matcher", None)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    products = dict(Product.objects.values_list("slug", "title"))
    cycles = [
        CatalogueCycle(p, c, label)
        for p, c, label in Cycle.objects.values_list("product__slug", "cycle", "label")
    ]
    aliases, exact, blocked, noise = {}, {}, [], []
    for rule in MatchRule.objects.filter(active=True).select_related("product", "cycle__product"):
        if rule.kind == RuleKind.ALIAS and rule.product:
            aliases[rule.pattern] = rule.product.slug
        elif rule.kind == RuleKind.EXACT and rule.cycle:
            exact[rule.pattern] = (rule.cycle.product.slug, rule.cycle.cycle)
        elif rule.kind == RuleKind.BLOCK:
            blocked.append(rule.pattern)
        elif rule.kind == RuleKind.NOISE:
            noise.append(rule.pattern)
    matcher = Matcher(products, cycles, aliases=aliases, exact=exact, blocked=blocked, noise=noise)
    _cache.matcher = (stamp, matcher)
    return matcher


def component_text(component: Component) -> str:
    """The text matched for a component: product, edition and version as the ledger holds them."""
    return " ".join(x for x in (component.product, component.edition, component.product_version) if x)[:400]


# --- Components -----------------------------------------------------------------------------------------


def _set_effective(lc: ComponentLifecycle) -> None:
    """Effective dates: the per-component override where set, else the catalogue's."""
    c = lc.cycle
    lc.eff_support = lc.override_support or (phase_date(c.support) if c else None)
    lc.eff_eol = lc.override_eol or (phase_date(c.eol) if c else None)
    lc.eff_extended = lc.override_extended or (
        phase_date(c.extended_support, open_if_false=True) if c else None
    )
    lc.known = c is not None or lc.override_eol is not None


def _apply_result(
    lc: ComponentLifecycle, result: MatchResult, text: str, cycles: dict, products: dict
) -> None:
    lc.matched_text = text
    lc.cycle = cycles.get((result.product, result.cycle)) if result.matched else None
    lc.method = (
        (
            MatchMethod.FAMILY
            if result.method == "family"
            else MatchMethod.RULE
            if result.method == "rule"
            else MatchMethod.AUTO
        )
        if lc.cycle
        else MatchMethod.NONE
    )
    lc.confidence = Decimal(str(result.confidence)) if lc.cycle else Decimal("0")
    lc.candidate_product = products.get(result.product or result.candidate_product)


def components_match(*, component_ids: Iterable[int] | None = None, rematch_all: bool = False) -> dict:
    """Match components to the catalogue and store the result (bulk, derived data).

    Manual mappings are kept while the component's text is unchanged. Without ``rematch_all`` only
    components whose text changed, or that have no record yet, or were matched automatically are
    re-run (automatic results follow catalogue and rule changes). Returns counts.
    """
    matcher = matcher_get()
    comps = Component.objects.all().order_by("pk")
    if component_ids is not None:
        comps = comps.filter(pk__in=list(component_ids))
    existing = {
        lc.component_id: lc
        for lc in ComponentLifecycle.objects.filter(component__in=comps).select_related("cycle")
    }
    memo: dict[str, MatchResult] = {}
    todo: list[tuple[int, str, ComponentLifecycle | None, MatchResult]] = []
    kept = 0
    for comp in comps.only("pk", "product", "edition", "product_version").iterator(chunk_size=2000):
        text = component_text(comp)
        lc = existing.get(comp.pk)
        if lc is not None and lc.method == MatchMethod.MANUAL and lc.matched_text == text and not rematch_all:
            kept += 1
            continue
        result = memo.get(text)
        if result is None:
            result = memo[text] = matcher.match(text)
        todo.append((comp.pk, text, lc, result))
    # Only the products the results name: a one-component re-match must not load the whole catalogue.
    slugs = {r.product or r.candidate_product for r in memo.values()} - {""}
    cycles = {
        (c.product.slug, c.cycle): c
        for c in Cycle.objects.filter(product__slug__in=slugs).select_related("product")
    }
    products = {p.slug: p for p in Product.objects.filter(slug__in=slugs)}
    create, update = [], []
    matched = kept
    for pk, text, lc, result in todo:
        if lc is None:
            lc = ComponentLifecycle(component_id=pk)
            create.append(lc)
        else:
            update.append(lc)
        _apply_result(lc, result, text, cycles, products)
        _set_effective(lc)
        matched += 1 if lc.cycle_id else 0
    fields = [
        "cycle",
        "method",
        "confidence",
        "matched_text",
        "candidate_product",
        "eff_support",
        "eff_eol",
        "eff_extended",
        "known",
    ]
    with transaction.atomic():
        ComponentLifecycle.objects.bulk_create(create, batch_size=1000)
        ComponentLifecycle.objects.bulk_update(update, fields, batch_size=1000)
    return {"components": len(create) + len(update), "matched": matched, "created": len(create)}


def component_lifecycle_for(component: Component) -> ComponentLifecycle:
    """The component's record, created (and matched) on first use."""
    lc = ComponentLifecycle.objects.filter(component=component).select_related("cycle__product").first()
    if lc is None or lc.matched_text != component_text(component):
        components_match(component_ids=[component.pk])
        lc = ComponentLifecycle.objects.select_related("cycle__product").get(component=component)
    return lc


def _require(user, action: str, obj) -> None:
    from saiteki.core import permissions as perms

    if not perms.can(user, action, obj):
        raise PermissionDeniedError(_("この操作を行う権限がありません。"))


@transaction.atomic
def component_map_manual(
    *, user, lifecycle: ComponentLifecycle, cycle: Cycle | None, create_rule: bool = False
) -> ComponentLifecycle:
    """Map a component by hand (the unmatched queue). ``cycle`` None clears the mapping; with
    ``create_rule`` the same text maps the same way everywhere (admins only)."""
    _require(user, "change", lifecycle)
    lifecycle.cycle = cycle
    lifecycle.method = MatchMethod.MANUAL if cycle else MatchMethod.NONE
    lifecycle.confidence = Decimal("1.00") if cycle else Decimal("0")
    lifecycle.matched_text = component_text(lifecycle.component)
    _set_effective(lifecycle)
    lifecycle.full_clean()
    lifecycle.save()
    if create_rule and cycle is not None:
        match_rule_save(
            user=user,
            rule=MatchRule(
                kind=RuleKind.EXACT,
                pattern=lifecycle.matched_text[:200],
                cycle=cycle,
                note=_("未照合キューから登録"),
            ),
        )
    return lifecycle


@transaction.atomic
def component_lifecycle_update(*, user, lifecycle: ComponentLifecycle, **fields) -> ComponentLifecycle:
    """Set the per-component overrides and the planned replacement date; effective dates follow."""
    _require(user, "change", lifecycle)
    allowed = {
        "override_support",
        "override_eol",
        "override_extended",
        "override_note",
        "planned_replacement",
    }
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(name)
        setattr(lifecycle, name, value)
    if (
        lifecycle.override_eol
        and lifecycle.override_support
        and lifecycle.override_support > lifecycle.override_eol
    ):
        raise ValidationFailed(_("通常サポート終了はサポート終了（EOL）より前の日付にしてください。"))
    _set_effective(lifecycle)
    lifecycle.full_clean()
    lifecycle.save()
    return lifecycle


@transaction.atomic
def match_rule_save(*, user, rule: MatchRule) -> MatchRule:
    """Create or change a matching rule (admins); the matcher picks it up on its next use."""
    _require(user, "add" if rule.pk is None else "change", rule)
    rule.full_clean()
    rule.save()
    matcher_reset()
    return rule


def match_text(text: str) -> tuple[MatchResult, datetime.date | None]:
    """Match one text against the stored catalogue; returns the result and the cycle's EOL date."""
    result = matcher_get().match(text)
    eol = None
    if result.matched:
        cycle = Cycle.objects.filter(product__slug=result.product, cycle=result.cycle).only("eol").first()
        value = phase_date(cycle.eol) if cycle else None
        from .risk import ENDED

        eol = value if value not in (None, ENDED) else None
    return result, eol


# --- Reminders ------------------------------------------------------------------------------------------

#: Lead times (months) at which owners are told about a coming support or maintenance end.
REMIND_MONTHS = (12, 6, 3)


def reminders_send(*, today: datetime.date | None = None, months: Iterable[int] = REMIND_MONTHS) -> int:
    """Tell each system's owners, through the inbox, that a support or maintenance end is coming.

    Once per system, due date and lead time: the tightest lead time reached is sent, and nothing is
    sent again for it. Returns the number of reminders sent.
    """
    from django.urls import reverse

    from saiteki.core.fiscal import format_date
    from saiteki.core.notifications import notify
    from saiteki.ledger.models import System

    from .models import RenewalReminder
    from .selectors import add_months, renewal_forecast

    today = today or datetime.date.today()
    leads = sorted(set(months))
    if not leads:
        return 0
    rows = [
        r for r in renewal_forecast(user=None, on=today, years=3, include_all=True) if r.due and r.due > today
    ]
    sent = 0
    for row in rows:
        due = row.due
        assert due is not None  # rows without a due date were left out above
        lead = next((m for m in leads if due <= add_months(today, m)), None)
        if lead is None:
            continue
        if RenewalReminder.objects.filter(system_id=row.system_id, due=due, months_ahead__lte=lead).exists():
            continue
        system = System.objects.get(pk=row.system_id)
        from .selectors import owners_of

        with transaction.atomic():
            RenewalReminder.objects.create(system=system, due=due, months_ahead=lead)
            notify(
                owners_of(system),
                "lifecycle.renewal_due",
                system,
                _(
                    "%(system)s: %(reason)s の%(trigger)sが %(date)s に到来します（約%(months)sか月前のお知らせ）。更改の計画と予算要求を確認してください。"
                )
                % {
                    "system": system,
                    "reason": row.reason,
                    "trigger": row.trigger_label,
                    "date": format_date(due),
                    "months": lead,
                },
                url=reverse("ledger:system_detail", args=[system.pk]),
            )
        sent += 1
    return sent
