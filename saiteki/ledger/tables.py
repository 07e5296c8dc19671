"""Column definitions of the ledger lists (screen and xlsx export share them)."""

import datetime
import functools

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from saiteki.core.tables import Column, Table
from saiteki.ledger.models import System


@functools.lru_cache(maxsize=64)
def _segment_words(language: str, mynumber: bool, lgwan: bool, internet: bool) -> str:
    return System(segment_mynumber=mynumber, segment_lgwan=lgwan, segment_internet=internet).segment_labels


def _segment_labels(mynumber: bool, lgwan: bool, internet: bool) -> str:
    """System.segment_labels from the three flags (the export reads plain values, not systems)."""
    return _segment_words(translation.get_language() or "", bool(mynumber), bool(lgwan), bool(internet))


SYSTEM_TABLE = Table(
    columns=[
        Column("number", _("システム番号"), link=True),
        Column("name", _("システム名"), link=True),
        Column(
            "bureau",
            _("部局"),
            accessor="owning_division.parent.name",
            order_by="owning_division__parent__sort_order",
            default=False,
        ),
        Column(
            "division", _("所管所属"), accessor="owning_division.name", order_by="owning_division__sort_order"
        ),
        Column("status", _("状態"), kind="choice"),
        Column("hosting_form", _("稼働形態"), kind="choice"),
        Column(
            "segments",
            _("ネットワーク区分"),
            values=("segment_mynumber", "segment_lgwan", "segment_internet"),
            compute=_segment_labels,
            order_by=False,
        ),
        Column("confidentiality", _("機密性"), kind="number", default=False),
        Column("service_start", _("運用開始日"), kind="date", default=False),
        Column("planned_renewal_fy", _("更改予定年度"), kind="fy"),
        # The list view relabels this column with the fiscal year and stage actually shown.
        Column(
            "cost_total",
            _("経費（表示年度）"),
            kind="yen",
            order_by="cost_sort",
            total=True,
            empty=_("未登録"),
        ),
        Column("purpose", _("目的・概要"), default=False, order_by=False),
        Column("business", _("対象業務"), default=False),
        Column("integrity", _("完全性"), kind="number", default=False),
        Column("availability", _("可用性"), kind="number", default=False),
        Column("personal_info", _("個人情報"), kind="bool", default=False),
        Column("my_number", _("マイナンバー"), kind="bool", default=False),
        Column("sso_integrated", _("SSO連携"), kind="bool", default=False),
        Column("ipv6_ready", _("IPv6対応"), kind="bool", default=False),
        Column("standard_business", _("標準化対象業務"), kind="choice", default=False),
        Column(
            "joint_count",
            _("共同利用市町村数"),
            accessor="joint_municipalities",
            kind="number",
            order_by=False,
            default=False,
        ),
        Column("vendors", _("事業者"), order_by=False, default=False),
        Column("tags", _("タグ"), order_by=False, default=False),
    ],
    default_order="number",
    select_related=("owning_division", "owning_division__parent"),
    prefetch_related=("joint_municipalities", "vendors", "tags"),
)


#: How far ahead a maintenance end counts as soon (procurement of a renewal takes about half a year).
MAINTENANCE_SOON_DAYS = 180


def maintenance_flag(server):
    """「期限切れ」 for a maintenance end in the past, 「期限間近」 within :data:`MAINTENANCE_SOON_DAYS`."""
    end = server.maintenance_end
    if end is None:
        return None
    today = timezone.localdate()
    if end < today:
        return ("danger", _("期限切れ"))
    if end <= today + datetime.timedelta(days=MAINTENANCE_SOON_DAYS):
        return ("warning", _("期限間近"))
    return None


SERVER_TABLE = Table(
    columns=[
        Column("name", _("機器名"), link=True),
        Column("kind", _("種別"), kind="choice"),
        Column("host", _("ホスト"), accessor="host.name", order_by="host__name"),
        Column("segment", _("ネットワーク区分"), kind="choice"),
        Column("vcpu", _("vCPU"), kind="number"),
        Column("memory_gib", _("メモリ(GiB)"), kind="number"),
        Column("storage_gib", _("ストレージ(GiB)"), kind="number"),
        Column("cpu_peak_pct", _("CPUピーク(%)"), kind="number"),
        Column("mem_peak_pct", _("メモリピーク(%)"), kind="number"),
        Column("maintenance_end", _("保守期限"), kind="date", flag=maintenance_flag),
        Column("systems", _("システム"), accessor="systems.number", order_by=False),
        Column("location", _("設置場所"), default=False),
        Column("power_w", _("消費電力(W)"), kind="number", default=False),
    ],
    default_order="name",
    select_related=("host",),
    prefetch_related=("systems",),
)

CONTRACT_TABLE = Table(
    columns=[
        Column("number", _("契約番号"), link=True),
        Column("title", _("契約件名"), link=True),
        Column("vendor", _("事業者"), accessor="vendor.name", order_by="vendor__name"),
        Column("procurement_method", _("調達方法"), kind="choice"),
        Column("fiscal_year", _("契約年度"), kind="fy"),
        Column("start", _("開始日"), kind="date"),
        Column("end", _("終了日"), kind="date"),
        Column("amount", _("契約金額"), kind="yen", total=True),
        Column("systems", _("システム"), accessor="systems.number", order_by=False),
    ],
    default_order="-fiscal_year",
    select_related=("vendor",),
    prefetch_related=("systems",),
)
