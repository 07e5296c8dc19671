"""The ledger's KPI sources (SPEC C5): computed from the ledger *as of the fiscal year's end*.

A past year is counted on the ledger rebuilt from the change log (:mod:`saiteki.ledger.asof`), so a
system moved to the cloud in 2015 does not raise FY2013's cloud usage; the current year is counted on
today's ledger. Each source also gives its evidence — the exact records counted and the figures used —
so the KPI app can show the drill-down and freeze it when the year is closed. ``evidence(fy)`` returns
the value too (``"value"``), so a refresh rebuilds the ledger once per year and source, not twice.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

BASELINE_FY = 2008  # the first plan's baseline: recurring cost −30% against FY2008's budget


def _pct(numerator: int | float, denominator: int | float) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _system_record(s) -> dict:
    return {
        "model": "ledger.system",
        "id": s.id,
        "label": f"{s.number} {s.name}",
        "detail": s.hosting_label(),
        "division": s.owning_division,
    }


def _by_division(counted, total) -> dict[str, list[int]]:
    """``{division id: [counted, in operation]}`` — the KPI page's breakdown by 部局."""
    out: dict[str, list[int]] = {}
    for s in total:
        out.setdefault(str(s.owning_division), [0, 0])[1] += 1
    for s in counted:
        out.setdefault(str(s.owning_division), [0, 0])[0] += 1
    return out


def cloud_ratio_evidence(fiscal_year: int) -> dict:
    """Systems in operation on private, government or commercial cloud ÷ systems in operation."""
    from .asof import ledger_at_fiscal_year_end

    ledger = ledger_at_fiscal_year_end(fiscal_year)
    running = ledger.in_operation()
    cloud = [s for s in running if s.on_cloud]
    return {
        "value": _pct(len(cloud), len(running)),
        "records": [_system_record(s) for s in cloud],
        "figures": {
            "numerator": len(cloud),
            "denominator": len(running),
            "as_of": ledger.at.date().isoformat(),
            "by_division": _by_division(cloud, running),
        },
    }


def virtualized_evidence(fiscal_year: int) -> dict:
    """Systems in operation on the shared virtualisation platform (共通基盤・仮想化サーバ)."""
    from .asof import ledger_at_fiscal_year_end

    ledger = ledger_at_fiscal_year_end(fiscal_year)
    running = ledger.in_operation()
    shared = [s for s in running if s.on_shared_platform]
    return {
        "value": len(shared),
        "records": [_system_record(s) for s in shared],
        "figures": {
            "count": len(shared),
            "as_of": ledger.at.date().isoformat(),
            "by_division": _by_division(shared, running),
        },
    }


def joint_use_evidence(fiscal_year: int) -> dict:
    """Municipalities that use at least one of the prefecture's systems in operation jointly."""
    from .asof import ledger_at_fiscal_year_end
    from .models import Municipality

    ledger = ledger_at_fiscal_year_end(fiscal_year)
    ids: set[int] = set()
    for s in ledger.in_operation():
        ids.update(s.joint_municipalities)
    names = dict(Municipality.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        "value": len(ids),
        "records": [
            {"model": "ledger.municipality", "id": pk, "label": names.get(pk, str(pk))} for pk in sorted(ids)
        ],
        "figures": {"count": len(ids), "as_of": ledger.at.date().isoformat()},
    }


def recurring_cost_evidence(fiscal_year: int) -> dict:
    """Change of the recurring (運用等) budget against FY2008, in percent (−30% is the first plan's goal)."""
    from django.db.models import Sum

    from .choices import RUN_CATEGORIES, CostStage
    from .models import Cost

    def by_system(fy: int) -> dict[int, int]:
        return dict(
            Cost.objects.filter(fiscal_year=fy, stage=CostStage.BUDGET, category__in=RUN_CATEGORIES)
            .order_by()
            .values("system")
            .annotate(t=Sum("amount"))
            .values_list("system", "t")
        )

    base = sum(by_system(BASELINE_FY).values())
    year = by_system(fiscal_year)
    total = sum(year.values())
    value = None
    if base and year:
        value = ((Decimal(total) / Decimal(base) - 1) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    from .models import System

    labels = {
        pk: f"{n} {name}"
        for pk, n, name in System.objects.filter(pk__in=year).values_list("pk", "number", "name")
    }
    return {
        "value": value,
        "records": [
            {"model": "ledger.system", "id": pk, "label": labels.get(pk, str(pk)), "amount": amount}
            for pk, amount in sorted(year.items(), key=lambda kv: labels.get(kv[0], ""))
        ],
        "figures": {"baseline_fy": BASELINE_FY, "baseline_total": base, "total": total},
    }


def support_cases_evidence(fiscal_year: int) -> dict:
    """相談 entries written in the karte of systems during the fiscal year (支援件数)."""
    from django.contrib.contenttypes.models import ContentType

    from saiteki.core.fiscal import fiscal_year_range
    from saiteki.core.models import JournalEntry

    from .models import System

    start, end = fiscal_year_range(fiscal_year)
    entries = list(
        JournalEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(System),
            kind=JournalEntry.Kind.CONSULTATION,
            date__gte=start,
            date__lte=end,
        )
        .order_by("date", "pk")
        .values_list("pk", "date", "title", "object_id")
    )
    return {
        "value": len(entries),
        "records": [
            {"model": "core.journalentry", "id": pk, "label": f"{d.isoformat()} {title}", "system": oid}
            for pk, d, title, oid in entries
        ],
        "figures": {"count": len(entries)},
    }


def _value(fn):
    return lambda fy: fn(fy)["value"]


for _key, _label, _unit, _fn, _desc, _higher in (
    (
        "ledger.cloud_ratio",
        _("庁内情報システムのクラウドサービス利用割合"),
        "%",
        cloud_ratio_evidence,
        _(
            "年度末時点の台帳で、稼働中のシステムのうちプライベート・ガバメント・民間クラウドで稼働するものの割合。"
        ),
        True,
    ),
    (
        "ledger.virtualized_systems",
        _("仮想化サーバ利用システム数"),
        "システム",
        virtualized_evidence,
        _("年度末時点の台帳で、共通基盤（仮想化サーバ）で稼働するシステムの数。"),
        True,
    ),
    (
        "ledger.joint_municipalities",
        _("情報システムの共同利用市町村数"),
        "市町村",
        joint_use_evidence,
        _("年度末時点の台帳で、稼働中のいずれかのシステムを共同利用している市町村の数。"),
        True,
    ),
    (
        "ledger.recurring_cost_change",
        _("情報システム経常経費の削減率（平成20年度比）"),
        "%",
        recurring_cost_evidence,
        _("当該年度の運用等経費（予算額）の合計の、平成20年度予算額に対する増減率。"),
        False,
    ),
    (
        "ledger.support_cases",
        _("システム所管課に対する支援件数"),
        "件",
        support_cases_evidence,
        _("当該年度中にシステムのカルテへ記録された「相談」の件数。"),
        True,
    ),
):
    reg.registry.register_kpi_source(
        reg.KpiSource(
            key=_key,
            label=_label,
            unit=_unit,
            compute=_value(_fn),
            description=_desc,
            higher_is_better=_higher,
            evidence=_fn,
        )
    )
