"""The columns of the ledger workbook: the system sheet (key システム番号) and the cost sheet (経費), one
row per cost or — in the division survey — a year × category grid (経費（年度×区分）).

The columns are exactly the Japanese headers the exports write — the labels of
:data:`~saiteki.ledger.tables.SYSTEM_TABLE` and the model's verbose names — and every display column of
the list export that cannot be imported (部局, 経費（表示年度）, 共同利用市町村数) is known as read-only, so
the file the list export produces imports unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core.display import fy_text
from saiteki.core.importing import Column, SheetSpec, normalize_header
from saiteki.ledger.choices import (
    ClassificationLevel,
    CostCategory,
    HostingForm,
    LifecycleStatus,
    NetworkSegment,
    StandardBusiness,
)
from saiteki.ledger.models import Municipality, System, Tag, Vendor
from saiteki.ledger.tables import SYSTEM_TABLE

#: The reason stored on every history row an import writes. Stored data, read by every later user
#: whatever their language, so it is kept in Japanese rather than translated per request.
IMPORT_REASON = "Excel取込: {file_name}"
CHUNK = 1000


@dataclass(frozen=True)
class SystemField:
    """One importable column of the system sheet: how to read it, where it goes, how to show it.

    ``kind``: text, choice, int_choice, bool, date, fy, division, segments, m2m. ``clearable``: whether
    「空欄で消去する」 may empty it (required fields may not). ``export`` reads the cell value the template
    and survey workbooks write for a system (always accepted back by the parser).
    """

    key: str
    label: Any
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    choices: Any = None
    clearable: bool = True
    export: Callable[[System], Any] | None = None
    width: int = 14


def _names(related) -> str:
    return "、".join(sorted(o.name for o in related.all()))


SYSTEM_FIELDS: tuple[SystemField, ...] = (
    SystemField("number", _("システム番号"), "key", max_length=20, clearable=False, width=14),
    SystemField("name", _("システム名"), max_length=200, clearable=False, width=32),
    SystemField(
        "owning_division",
        _("所管所属"),
        "division",
        aliases=("所属",),
        clearable=False,
        export=lambda s: s.owning_division.name,
        width=16,
    ),
    SystemField("status", _("状態"), "choice", choices=LifecycleStatus.choices, clearable=False, width=10),
    SystemField(
        "hosting_form", _("稼働形態"), "choice", choices=HostingForm.choices, clearable=False, width=22
    ),
    SystemField(
        "segments",
        _("ネットワーク区分"),
        "segments",
        export=lambda s: s.segment_labels or gettext("なし"),
        width=30,
    ),
    SystemField("service_start", _("運用開始日"), "date", width=12),
    SystemField(
        "planned_renewal_fy",
        _("更改予定年度"),
        "fy",
        export=lambda s: fy_text(s.planned_renewal_fy) if s.planned_renewal_fy else None,
        width=20,
    ),
    SystemField("purpose", _("目的・概要"), width=40),
    SystemField("business", _("対象業務"), max_length=200, width=20),
    SystemField(
        "confidentiality",
        _("機密性"),
        "int_choice",
        choices=ClassificationLevel.choices,
        clearable=False,
        width=8,
    ),
    SystemField(
        "integrity", _("完全性"), "int_choice", choices=ClassificationLevel.choices, clearable=False, width=8
    ),
    SystemField(
        "availability",
        _("可用性"),
        "int_choice",
        choices=ClassificationLevel.choices,
        clearable=False,
        width=8,
    ),
    SystemField("users_internal", _("利用者: 職員"), "bool", width=10),
    SystemField("users_residents", _("利用者: 県民"), "bool", width=10),
    SystemField("users_businesses", _("利用者: 事業者"), "bool", width=10),
    SystemField("personal_info", _("個人情報の取扱い"), "bool", aliases=("個人情報",), width=10),
    SystemField("my_number", _("マイナンバーの取扱い"), "bool", aliases=("マイナンバー",), width=10),
    SystemField("sso_integrated", _("統合認証（SSO）連携"), "bool", aliases=("SSO連携",), width=10),
    SystemField("ipv6_ready", _("IPv6対応"), "bool", width=10),
    SystemField(
        "standard_business", _("標準化対象業務"), "choice", choices=StandardBusiness.choices, width=16
    ),
    SystemField(
        "joint_municipalities",
        _("共同利用市町村"),
        "m2m",
        export=lambda s: _names(s.joint_municipalities),
        width=30,
    ),
    SystemField("vendors", _("事業者"), "m2m", export=lambda s: _names(s.vendors), width=24),
    SystemField("tags", _("タグ"), "m2m", export=lambda s: _names(s.tags), width=20),
    SystemField("notes", _("備考"), width=30),
    # The three segment flags under their own names (the model's verbose names); not exported, because
    # ネットワーク区分 carries them in one cell.
    SystemField("segment_mynumber", _("マイナンバー利用事務系"), "bool"),
    SystemField("segment_lgwan", _("LGWAN接続系"), "bool"),
    SystemField("segment_internet", _("インターネット接続系"), "bool"),
)
FIELD_BY_KEY = {f.key: f for f in SYSTEM_FIELDS}
_CONCRETE_FIELDS = [f.name for f in System._meta.concrete_fields]
EXPORTED_FIELDS = tuple(f for f in SYSTEM_FIELDS if not f.key.startswith("segment_"))
M2M_MODELS = {"joint_municipalities": Municipality, "vendors": Vendor, "tags": Tag}
SEGMENT_ATTRS = {
    NetworkSegment.MYNUMBER: "segment_mynumber",
    NetworkSegment.LGWAN: "segment_lgwan",
    NetworkSegment.INTERNET: "segment_internet",
}


#: What 「ネットワーク区分」 says when a system is on no segment (the template writes 「なし」).
_NO_SEGMENT = frozenset({"なし", "無し", "-", "－", "none"})

#: List-table columns whose name differs from the importer's field key.
_TABLE_TO_FIELD = {"division": "owning_division"}


def _system_columns() -> tuple[Column, ...]:
    """The system sheet's columns, derived from the list table so the list export always imports back.

    A list column that names an importable field (by name) adds its label as an alias of that field
    (「個人情報」 for 個人情報の取扱い); any other list column (部局, 経費（表示年度）, 共同利用市町村数, and
    whatever display column is added later) is known as read-only and ignored on import.
    """
    aliases: dict[str, list] = {f.key: list(f.aliases) for f in SYSTEM_FIELDS}
    read_only: list[Column] = []
    for c in SYSTEM_TABLE.columns:
        key = _TABLE_TO_FIELD.get(c.name, c.name)
        if key in aliases:
            aliases[key].append(c.label)
        else:
            read_only.append(Column(f"ro_{c.name}", c.label, read_only=True))
    if normalize_header(_("部局")) not in {h for c in read_only for h in c.headers()}:
        read_only.append(Column("ro_bureau_name", _("部局"), read_only=True))
    editable = tuple(Column(f.key, f.label, tuple(aliases[f.key])) for f in SYSTEM_FIELDS)
    return editable + tuple(read_only)


SYSTEM_SHEET = SheetSpec(
    key="systems",
    label=_("情報システム"),
    names=("情報システム", "情報システム台帳", "システム"),
    columns=_system_columns(),
    required=("number",),
)

COST_SHEET = SheetSpec(
    key="costs",
    label=_("経費"),
    names=("経費",),
    columns=(
        Column("number", _("システム番号")),
        Column("fiscal_year", _("年度")),
        Column("category", _("経費区分")),
        Column("stage", _("段階")),
        Column("amount", _("金額"), aliases=("金額（円）", "金額（千円）", "金額(円)", "金額(千円)")),
        Column("ro_name", _("システム名"), read_only=True),
        Column("ro_group", _("整備・運用の別"), read_only=True),
    ),
    required=("number", "fiscal_year", "category", "stage", "amount"),
    detect=("number", "category"),
)

#: The cost sheet as a 予算書 lays it out (the division survey's): one row per system × fiscal year ×
#: 段階, one column per 経費区分. Read as the 経費 sheet's rows, one per category cell.
GRID_CATEGORY_PREFIX = "cat_"
COST_GRID_SHEET = SheetSpec(
    key="cost_grid",
    label=_("経費（年度×区分）"),
    names=("経費（年度×区分）", "経費(年度×区分)", "経費表"),
    columns=(
        Column("number", _("システム番号")),
        Column("fiscal_year", _("年度")),
        Column("stage", _("段階")),
        *(Column(f"{GRID_CATEGORY_PREFIX}{c.value}", c.label) for c in CostCategory),
        Column("ro_name", _("システム名"), read_only=True),
        Column(
            "ro_total",
            _("合計"),
            aliases=("合計（円）", "合計（千円）", "合計(円)", "合計(千円)"),
            read_only=True,
        ),
    ),
    required=("number", "fiscal_year", "stage"),
    # More specific than the 経費 sheet (which has システム番号, 年度 and 段階 too): a category column.
    detect=("number", "fiscal_year", "stage", f"{GRID_CATEGORY_PREFIX}{CostCategory.OPERATION.value}"),
)

SPECS = (SYSTEM_SHEET, COST_SHEET, COST_GRID_SHEET)
