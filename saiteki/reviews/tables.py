"""Columns of the review lists (the screen and its xlsx export share them)."""

from django.utils.translation import gettext_lazy as _

from saiteki.core.tables import Column, Table


def _subject(number, name, planned):
    if number:
        return f"{number} {name}"
    return f"{planned}（企画中）" if planned else ""


CASE_TABLE = Table(
    columns=[
        Column("fiscal_year", _("年度"), kind="fy"),
        Column("kind", _("種別"), kind="choice"),
        Column("title", _("件名"), link=True),
        Column(
            "subject",
            _("システム"),
            values=("system.number", "system.name", "planned_system_name"),
            compute=_subject,
            order_by="system__number",
        ),
        Column("bureau", _("部局"), accessor="division.parent.name", order_by="division__parent__sort_order"),
        Column(
            "division",
            _("所管所属"),
            accessor="division.name",
            order_by="division__sort_order",
            default=False,
        ),
        Column("state", _("状態"), kind="choice"),
        Column("requested_total", _("要求額"), kind="yen", total=True),
        Column("assessed_total", _("査定額"), kind="yen", total=True, empty=_("未査定")),
        Column("reduction_total", _("削減額"), kind="yen", total=True),
        Column("due_date", _("期限"), kind="date"),
        Column("procurement_method", _("調達方法"), kind="choice", default=False),
    ],
    default_order="-fiscal_year",
    select_related=("system", "division__parent"),
)

PROPOSAL_TABLE = Table(
    columns=[
        Column("system_number", _("システム番号"), accessor="system.number", order_by="system__number"),
        Column("system_name", _("システム名"), accessor="system.name", order_by="system__name"),
        Column("title", _("提案"), link=True),
        Column("due_fiscal_year", _("対応期限年度"), kind="fy"),
        Column("expected_saving", _("削減見込額(円/年)"), kind="yen", total=True),
        Column("status", _("状況"), kind="choice"),
        Column("evidence", _("対応の根拠・結果"), default=False, order_by=False),
    ],
    default_order="due_fiscal_year",
    select_related=("system",),
)
