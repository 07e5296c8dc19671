"""Column definitions of the lifecycle lists (screen and xlsx export share them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saiteki.core.display import date_text
from saiteki.core.tables import Column, Table

from .choices import RiskStatus
from .risk import ENDED, OPEN


def _date(name: str):
    """A phase end for display: the sentinels read as words, not as the year 1900 or 9999."""

    def value(obj):
        d = getattr(obj, name)
        if d == ENDED:
            return str(_("終了済（日付不明）"))
        if d == OPEN:
            return str(_("未定"))
        return date_text(d)

    return value


def _status(obj) -> str:
    return str(RiskStatus(obj.status).label)


def _cycle(obj) -> str:
    if obj.cycle_id:
        return str(obj.cycle)
    return str(_("（個別設定）")) if obj.known else ""


RISK_TABLE = Table(
    columns=[
        Column("status", _("状態"), accessor=_status, order_by="status"),
        Column(
            "system_number",
            _("システム番号"),
            accessor="component.system.number",
            order_by="component__system__number",
        ),
        Column(
            "system_name",
            _("システム名"),
            accessor="component.system.name",
            order_by="component__system__name",
        ),
        Column("bureau", _("部局"), accessor="component.system.owning_division.parent", order_by=False),
        Column(
            "division",
            _("所管所属"),
            accessor="component.system.owning_division",
            order_by="component__system__owning_division__code",
        ),
        Column("server", _("サーバ"), accessor="component.server", order_by="component__server__name"),
        Column("component", _("台帳の表記"), accessor="component", order_by="component__product"),
        Column("catalogue", _("EOLカタログ"), accessor=_cycle, order_by="cycle__product__title"),
        Column("confidence", _("確からしさ"), kind="number", order_by="confidence", default=False),
        Column(
            "eff_support",
            _("通常サポート終了"),
            accessor=_date("eff_support"),
            order_by="eff_support",
            default=False,
        ),
        Column("eff_eol", _("サポート終了"), accessor=_date("eff_eol"), order_by="eff_eol"),
        Column(
            "eff_extended", _("延長サポート終了"), accessor=_date("eff_extended"), order_by="eff_extended"
        ),
        Column("planned_replacement", _("更新予定日（県）"), kind="date", order_by="planned_replacement"),
        Column("override_eol", _("個別設定EOL"), kind="date", order_by="override_eol", default=False),
    ],
    default_order="eff_eol",
)

MATCHRULE_TABLE = Table(
    columns=[
        Column("kind", _("種類"), kind="choice", link=True),
        Column("pattern", _("表記")),
        Column("normalised", _("正規化後の表記")),
        Column("product", _("製品"), accessor="product", order_by="product__title"),
        Column("cycle", _("バージョン"), accessor="cycle", order_by="cycle__cycle"),
        Column("active", _("有効"), kind="bool"),
        Column("note", _("備考")),
    ],
    default_order="kind",
    select_related=("product", "cycle__product"),
)

PRODUCT_TABLE = Table(
    columns=[
        Column("title", _("製品名"), link=True),
        Column("slug", _("製品ID")),
        Column("category", _("分類"), kind="choice"),
        Column("cycle_count", _("サイクル数"), kind="number"),
    ],
    default_order="title",
)
