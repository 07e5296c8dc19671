"""Column definitions of the SAM lists (the screen and its xlsx export share them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saiteki.core.tables import Column, Table


def _pool(name):
    return name or str(_("全庁共通"))


def _eol(value):
    """The catalogue's end of support as a date (None when unknown or ended on an unknown date)."""
    from saiteki.lifecycle.risk import ENDED, OPEN, phase_date

    d = phase_date(value)
    return None if d in (None, ENDED, OPEN) else d


def _eol_flag(obj):
    import datetime

    from saiteki.lifecycle.risk import phase_date

    cycle = obj.lifecycle_cycle
    d = phase_date(cycle.eol) if cycle is not None else None
    if d is not None and d <= datetime.date.today():
        return ("danger", _("サポート終了"))
    return None


TITLE_TABLE = Table(
    columns=[
        Column("name", _("ソフトウェア名"), link=True),
        Column("publisher", _("発行元")),
        Column("category", _("分類"), kind="choice"),
        Column("metric", _("ライセンスの数え方"), kind="choice"),
        Column("licensable", _("ライセンス管理対象"), kind="bool"),
        Column("family", _("製品系列"), default=False),
        Column("version_rank", _("版の新しさ"), kind="number", default=False),
        Column("unit_price", _("参考単価(円)"), kind="yen"),
        Column("lifecycle_cycle", _("EOLカタログ"), accessor="lifecycle_cycle", order_by=False),
        Column(
            "lifecycle_eol",
            _("サポート終了"),
            kind="date",
            values=("lifecycle_cycle.eol",),
            compute=_eol,
            order_by=False,
            flag=_eol_flag,
        ),
    ],
    default_order="name",
    select_related=("lifecycle_cycle__product",),
)

ENTITLEMENT_TABLE = Table(
    columns=[
        Column("number", _("ライセンス管理番号"), link=True),
        Column("title", _("ソフトウェア"), accessor="title.name", order_by="title__name"),
        Column("kind", _("種類"), kind="choice"),
        Column("metric", _("数え方"), kind="choice"),
        Column(
            "owner_division",
            _("保有所属"),
            values=("owner_division.name",),
            compute=_pool,
            order_by="owner_division__sort_order",
        ),
        Column("quantity", _("保有数"), kind="number", total=True),
        Column("term_end", _("利用期間の終了"), kind="date"),
        Column("total_cost", _("購入金額の合計(円)"), kind="yen", total=True),
        Column("downgrade_rights", _("ダウングレード権"), kind="bool"),
        Column("state", _("状態"), kind="choice"),
    ],
    default_order="title__name",
    select_related=("title", "owner_division"),
)

DEVICE_TABLE = Table(
    columns=[
        Column("hostname", _("ホスト名"), link=True),
        Column("kind", _("種別"), kind="choice"),
        Column("status", _("状態"), kind="choice"),
        Column("division", _("所属"), accessor="division.name", order_by="division__sort_order"),
        Column("user_code", _("利用者（職員番号）")),
        Column("user_name", _("利用者名"), default=False),
        Column("model_name", _("機種")),
        Column("os", _("OS")),
        Column("serial", _("製造番号"), default=False),
        Column("cores", _("コア数"), kind="number", default=False),
        Column("purchased_on", _("購入日"), kind="date", default=False),
        Column("last_scanned_at", _("最終スキャン日時"), kind="date"),
    ],
    default_order="hostname",
    select_related=("division",),
)

NAME_TABLE = Table(
    columns=[
        Column("example", _("表記の例"), link=True),
        Column("key", _("正規化後の表記"), default=False),
        Column("method", _("対応付けの方法"), kind="choice"),
        Column("title", _("ソフトウェア"), accessor="title.name", order_by="title__name"),
        Column("suggestion", _("候補"), accessor="suggestion.name", order_by="suggestion__name"),
        Column("suggestion_score", _("候補の近さ"), kind="number"),
        Column("installations", _("インストール数"), kind="number"),
        Column("devices", _("台数"), kind="number"),
    ],
    default_order="-installations",
    select_related=("title", "suggestion"),
)

RULE_TABLE = Table(
    columns=[
        Column("kind", _("種類"), kind="choice", link=True),
        Column("pattern", _("表記")),
        Column("normalised", _("正規化後の表記")),
        Column("title", _("ソフトウェア"), accessor="title.name", order_by="title__name"),
        Column("active", _("有効"), kind="bool"),
        Column("note", _("備考")),
    ],
    default_order="kind",
    select_related=("title",),
)

SCAN_TABLE = Table(
    columns=[
        Column("file_name", _("ファイル名"), link=True),
        Column("created_at", _("取込日時"), kind="date"),
        Column("division", _("取込んだ所属"), accessor="division.name", order_by="division__sort_order"),
        Column("created_by", _("取込者"), accessor="created_by", order_by=False),
        Column("rows", _("行数"), kind="number"),
        Column("devices", _("機器数"), kind="number"),
        Column("added", _("追加"), kind="number"),
        Column("removed", _("削除"), kind="number"),
        Column("unchanged", _("変更なし"), kind="number"),
        Column("new_devices", _("新しい機器"), kind="number"),
    ],
    default_order="-created_at",
    select_related=("division", "created_by"),
)
