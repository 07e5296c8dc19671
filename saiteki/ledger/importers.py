"""Excel/CSV round trip of the ledger: systems (key システム番号) and their costs (経費 sheet).

Staff export the ledger, edit it in Excel and import it back (SPEC C12); the division survey (調査票) is
the same workbook per 所属. So the columns here are exactly the Japanese headers the exports write — the
labels of :data:`~saiteki.ledger.tables.SYSTEM_TABLE` and the model's verbose names — and every display
column of the list export that cannot be imported (部局, 経費（表示年度）, 共同利用市町村数) is known as
read-only, so the file the list export produces imports unchanged.

One planner serves the dry run and the apply (:class:`LedgerImporter`): the apply re-plans inside the
transaction against the current ledger and refuses when the result differs from the preview the user
approved (its fingerprint), so nobody applies changes they have not seen. The apply is all-or-nothing,
runs under one change context (one request id, reason 「Excel取込: <file name>」) and one change batch, so
each changed object gets exactly one history row.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from saiteki.accounts.choices import Role
from saiteki.accounts.models import Organization
from saiteki.accounts.selectors import divisions_active_on
from saiteki.core import context
from saiteki.core import permissions as perms
from saiteki.core.audit import audit_event_record
from saiteki.core.changelog import BulkChangeLog, change_batch, serialize
from saiteki.core.context import change_context
from saiteki.core.errors import ConflictError, ParseError, PermissionDeniedError
from saiteki.core.excel import READONLY_FILL, xlsx_cell, xlsx_header_row, xlsx_list_validation
from saiteki.core.fiscal import fiscal_year_label
from saiteki.core.importing import (
    BlankPolicy,
    BoundSheet,
    ChoiceMap,
    Column,
    ErrorList,
    FieldChange,
    ImportPreview,
    ImportRefused,
    ImportRowErrors,
    RowPlan,
    SheetSpec,
    UploadStore,
    clean_amount,
    clean_bool,
    clean_choice,
    clean_date,
    clean_fiscal_year,
    clean_key,
    clean_text,
    display_fiscal_year,
    display_value,
    display_yen,
    is_blank,
    normalize_header,
    open_import,
    split_names,
)
from saiteki.core.jobs import job_kind
from saiteki.core.models import AuditEvent, ObjectChange
from saiteki.ledger.choices import (
    ClassificationLevel,
    CostCategory,
    CostStage,
    HostingForm,
    LifecycleStatus,
    NetworkSegment,
    StandardBusiness,
)
from saiteki.ledger.models import Cost, Municipality, System, Tag, Vendor
from saiteki.ledger.tables import SYSTEM_TABLE

#: The reason stored on every history row an import writes. Stored data, read by every later user
#: whatever their language, so it is kept in Japanese rather than translated per request.
IMPORT_REASON = "Excel取込: {file_name}"
CHUNK = 1000


# --------------------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------------------


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
        export=lambda s: fiscal_year_label(s.planned_renewal_fy) if s.planned_renewal_fy else None,
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

SPECS = (SYSTEM_SHEET, COST_SHEET)


# --------------------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------------------


@dataclass
class SystemAction:
    row: int
    system: System
    creating: bool
    values: dict[str, Any] = field(default_factory=dict)  # attribute → new value
    m2m: dict[str, list] = field(default_factory=dict)  # attribute → objects
    before: dict | None = None  # the change-log snapshot before the change (updates, apply only)


@dataclass
class CostAction:
    row: int
    number: str
    cost: Cost | None
    fiscal_year: int
    category: str
    stage: str
    amount: int | None  # None: delete


class LedgerImporter:
    """Plans (and, in :meth:`execute`, applies) one ledger import for one user.

    ``division`` restricts every row to one 所属 (a survey workbook belongs to one division, even when
    an admin applies it). ``lock`` selects the existing systems FOR UPDATE (used by the apply).
    """

    def __init__(
        self,
        *,
        user,
        file_name: str,
        unit: str = "円",
        blank: str = BlankPolicy.KEEP,
        division: Organization | None = None,
        report: Callable[[int, str], None] | None = None,
        lock: bool = False,
    ):
        if unit not in ("円", "千円"):
            raise ValueError(unit)
        if blank not in BlankPolicy.values:
            raise ValueError(blank)
        self.user = user
        self.file_name = file_name
        self.unit = unit
        self.blank = blank
        self.division = division
        self.report = report
        self.lock = lock
        self.errors = ErrorList()
        self.system_actions: list[SystemAction] = []
        self.cost_actions: list[CostAction] = []
        self.rows: list[RowPlan] = []
        self.counts = {
            "systems_created": 0,
            "systems_updated": 0,
            "systems_unchanged": 0,
            "costs_created": 0,
            "costs_updated": 0,
            "costs_deleted": 0,
            "costs_unchanged": 0,
        }
        self.notes: list[str] = []
        self._role = perms.role_of(user)
        self._own_divisions = set(perms.division_ids(user)) if self._role == Role.OWNER else set()
        # System number → (target division id, writable) for the cost sheet.
        self._file_systems: dict[str, tuple[int | None, bool]] = {}
        self._rows_seen = 0
        self._labels: dict[str, str] = {}
        # Choice labels in every UI language, built once rather than per cell.
        self._choices: dict[str, ChoiceMap] = {
            f.key: ChoiceMap(f.choices if f.kind == "choice" else [(v, str(v)) for v, _label in f.choices])
            for f in SYSTEM_FIELDS
            if f.kind in ("choice", "int_choice")
        }
        self._choices["segments"] = ChoiceMap(NetworkSegment.choices)
        self._choices["category"] = ChoiceMap(CostCategory.choices)
        self._choices["stage"] = ChoiceMap(CostStage.choices)

    # -- entry points ------------------------------------------------------------------------------------

    def plan(self, source) -> ImportPreview:
        """Read the file and work out every change; raises ImportRefused for a file that cannot be read."""
        if not perms.role_allows(self.user, perms.IMPORT, System):
            raise PermissionDeniedError(_("台帳を取り込む権限がありません。"))
        self._load_caches()
        with open_import(source, file_name=self.file_name, specs=SPECS) as upload:
            self.notes.extend(upload.notes())
            systems = upload.sheets.get("systems")
            costs = upload.sheets.get("costs")
            if systems is not None:
                self._plan_systems(systems)
            if costs is not None:
                self._check_amount_header(costs)
                self._plan_costs(costs)
        # Errors in file order (sheet by sheet, row by row), however they were found.
        sheet_order: dict[str, int] = {}
        for e in self.errors.items:
            sheet_order.setdefault(e.sheet, len(sheet_order))
        self.errors.items.sort(key=lambda e: (sheet_order[e.sheet], e.row or 0))
        preview = ImportPreview(
            file_name=self.file_name,
            unit=self.unit,
            blank=self.blank,
            counts={**self.counts, "errors": self.errors.count},
            rows=self.rows,
            errors=list(self.errors.items),
            error_count=self.errors.count,
            notes=self.notes,
        )
        preview.fingerprint = preview.compute_fingerprint()
        return preview

    def execute(self) -> None:
        """Write the planned changes in bulk, with exactly one history row per changed object.

        Per-object saves would cost about ten queries a row (the change log's before-snapshot and its
        many-to-many reads, the save, the history insert); a 100,000-row file would take many minutes.
        So the rows are written with ``bulk_create``/``bulk_update`` and the history rows are built
        from the before/after states the planner already holds, in the change log's own format
        (:func:`saiteki.core.changelog.serialize`) and under the current change context (user, request
        id, reason). Call inside ``transaction.atomic`` and ``change_context``; the existing rows were
        locked by the re-plan.
        """
        ctx = context.current()
        now = ctx.at or timezone.now()
        history = BulkChangeLog(ctx, now, chunk=CHUNK)
        total = len(self.system_actions) + len(self.cost_actions)
        with change_context(enabled=False):  # the history is written below, once per object
            creates = [a for a in self.system_actions if a.creating]
            updates = [a for a in self.system_actions if not a.creating]
            for start in range(0, len(creates), CHUNK):
                batch = creates[start : start + CHUNK]
                System.objects.bulk_create([a.system for a in batch], batch_size=500)
                self._write_m2m(batch)
                for a in batch:
                    history.add(a.system, ObjectChange.Action.CREATE, None, self._after(a))
                self._progress(start + len(batch), total)
            for start in range(0, len(updates), CHUNK):
                batch = updates[start : start + CHUNK]
                fields = {"version", "updated_at"}
                for a in batch:
                    a.system.version = (a.system.version or 0) + 1
                    a.system.updated_at = now
                    fields.update(a.values)
                System.objects.bulk_update([a.system for a in batch], sorted(fields), batch_size=500)
                self._write_m2m(batch)
                for a in batch:
                    history.add(a.system, ObjectChange.Action.UPDATE, a.before, self._after(a))
                self._progress(len(creates) + start + len(batch), total)
            history.flush()
            self._execute_costs(history, now, done=len(self.system_actions), total=total)
            history.flush()

    def _after(self, action: SystemAction) -> dict:
        data = serialize(action.system, include_m2m=False)
        for attr in M2M_MODELS:
            if attr in action.m2m:
                data[attr] = sorted(o.pk for o in action.m2m[attr])
            else:
                data[attr] = sorted((action.before or {}).get(attr, []))
        return data

    def _write_m2m(self, batch: list[SystemAction]) -> None:
        for attr, model in M2M_MODELS.items():
            changed = [a for a in batch if attr in a.m2m]
            if not changed:
                continue
            through = System._meta.get_field(attr).remote_field.through
            fk = f"{model._meta.model_name}_id"
            through.objects.filter(system_id__in=[a.system.pk for a in changed if not a.creating]).delete()
            through.objects.bulk_create(
                [through(system_id=a.system.pk, **{fk: o.pk}) for a in changed for o in a.m2m[attr]],
                batch_size=1000,
            )

    def _execute_costs(self, history: BulkChangeLog, now, *, done: int, total: int) -> None:
        by_number = {a.system.number: a.system for a in self.system_actions}
        missing = sorted({a.number for a in self.cost_actions if a.number not in by_number})
        for start in range(0, len(missing), CHUNK):
            by_number.update(
                {s.number: s for s in System.objects.filter(number__in=missing[start : start + CHUNK])}
            )
        created, updated, deleted = [], [], []
        for action in self.cost_actions:
            system = by_number[action.number]
            if action.amount is None:
                if action.cost is not None:
                    deleted.append(action.cost)
            elif action.cost is None:
                created.append(
                    Cost(
                        system=system,
                        fiscal_year=action.fiscal_year,
                        category=action.category,
                        stage=action.stage,
                        amount=action.amount,
                    )
                )
            else:
                cost = action.cost
                before = serialize(cost, include_m2m=False)
                cost.amount = action.amount
                cost.version = (cost.version or 0) + 1
                cost.updated_at = now
                updated.append((cost, before))
        for start in range(0, len(created), CHUNK):
            batch = created[start : start + CHUNK]
            Cost.objects.bulk_create(batch, batch_size=500)
            for cost in batch:
                history.add(
                    cost, ObjectChange.Action.CREATE, None, serialize(cost, include_m2m=False), cost.system
                )
        for start in range(0, len(updated), CHUNK):
            batch = updated[start : start + CHUNK]
            Cost.objects.bulk_update(
                [c for c, _b in batch], ["amount", "version", "updated_at"], batch_size=500
            )
            for cost, before in batch:
                history.add(
                    cost, ObjectChange.Action.UPDATE, before, serialize(cost, include_m2m=False), cost.system
                )
        for start in range(0, len(deleted), CHUNK):
            batch = deleted[start : start + CHUNK]
            for cost in batch:
                history.add(
                    cost, ObjectChange.Action.DELETE, serialize(cost, include_m2m=False), None, cost.system
                )
            Cost.objects.filter(pk__in=[c.pk for c in batch]).delete()
        self._progress(total, total)

    def _progress(self, done: int, total: int) -> None:
        if self.report is not None and done % CHUNK == 0 and total:
            self.report(50 + int(done * 49 / total), gettext("%(n)s件を反映しました") % {"n": f"{done:,}"})

    # -- caches --------------------------------------------------------------------------------------------

    def _load_caches(self) -> None:
        """Lookup tables for names in cells: one query each instead of one per row."""
        self._divisions_by_id = {o.pk: o for o in Organization.objects.all()}
        self._active_by_name: dict[str, list[Organization]] = {}
        self._active_by_code: dict[str, Organization] = {}
        for o in divisions_active_on():
            keys = {normalize_header(o.name)}
            if o.parent_id:
                parent = self._divisions_by_id.get(o.parent_id)
                if parent is not None:
                    keys.add(normalize_header(f"{parent.name}{o.name}"))
            for k in keys:
                self._active_by_name.setdefault(k, []).append(o)
            self._active_by_code[normalize_header(o.code)] = o
        self._m2m: dict[str, dict[str, Any]] = {}
        self._m2m_names: dict[str, dict[int, str]] = {}
        for attr, model in M2M_MODELS.items():
            objs = list(model.objects.all())
            self._m2m[attr] = {normalize_header(o.name): o for o in objs}
            self._m2m_names[attr] = {o.pk: o.name for o in objs}

    # -- permissions ---------------------------------------------------------------------------------------

    def _may_write_division(self, division_id: int | None) -> bool:
        """A system owner may only write systems of their own division (SPEC §1)."""
        if self._role == Role.OWNER and division_id not in self._own_divisions:
            return False
        return self.division is None or division_id == self.division.pk

    def _division_refusal(self) -> str:
        if self.division is not None:
            return gettext("この調査票は「%(division)s」のものです。他の所属のシステムは記入できません。") % {
                "division": self.division.name
            }
        return gettext("自所属以外のシステムは取り込めません。")

    # -- systems -------------------------------------------------------------------------------------------

    def _plan_systems(self, sheet: BoundSheet) -> None:
        chunk: list[tuple[int, dict]] = []
        seen: dict[str, int] = {}
        for number, values in sheet.rows():
            chunk.append((number, values))
            if len(chunk) >= CHUNK:
                self._plan_system_chunk(sheet, chunk, seen)
                chunk = []
        if chunk:
            self._plan_system_chunk(sheet, chunk, seen)

    def _plan_system_chunk(self, sheet: BoundSheet, chunk, seen: dict[str, int]) -> None:
        keys: list[tuple[int, dict, str | None]] = []
        for row, values in chunk:
            raw = values.get("number")
            if is_blank(raw):
                self.errors.add(sheet.name, row, sheet.header("number"), gettext("システム番号が空欄です。"))
                keys.append((row, values, None))
                continue
            try:
                key = clean_key(raw, max_length=20)
            except ParseError as exc:
                self.errors.add(sheet.name, row, sheet.header("number"), exc.message)
                keys.append((row, values, None))
                continue
            if key in seen:
                self.errors.add(
                    sheet.name,
                    row,
                    sheet.header("number"),
                    gettext("システム番号「%(number)s」が%(row)s行目と重複しています。")
                    % {"number": key, "row": seen[key]},
                )
                keys.append((row, values, None))
                continue
            seen[key] = row
            keys.append((row, values, key))
        numbers = [k for _r, _v, k in keys if k]
        qs = System.objects.filter(number__in=numbers)
        if self.lock:
            qs = qs.select_for_update()
        # The apply needs every relation for the history's before-snapshot; the dry run only those in the file.
        m2m_present = list(M2M_MODELS) if self.lock else [a for a in M2M_MODELS if a in sheet.columns]
        existing = {s.number: s for s in qs}
        if m2m_present and existing:
            # Current many-to-many ids, one query per relation for the whole chunk (not one per row).
            for attr in m2m_present:
                through = System._meta.get_field(attr).remote_field.through
                fk = f"{M2M_MODELS[attr]._meta.model_name}_id"
                current: dict[int, set[int]] = {}
                for sid, oid in through.objects.filter(
                    system_id__in=[s.pk for s in existing.values()]
                ).values_list("system_id", fk):
                    current.setdefault(sid, set()).add(oid)
                for s in existing.values():
                    s._import_m2m = getattr(s, "_import_m2m", {})
                    s._import_m2m[attr] = current.get(s.pk, set())
        for row, values, key in keys:
            self._rows_seen += 1
            if key is None:
                continue
            self._plan_system_row(sheet, row, values, key, existing.get(key))
        if self.report is not None:
            self.report(
                min(45, 5 + self._rows_seen // 2000),
                gettext("%(n)s行を確認しました") % {"n": f"{self._rows_seen:,}"},
            )

    def _plan_system_row(self, sheet: BoundSheet, row: int, values: dict, number: str, system: System | None):
        errors_before = self.errors.count
        creating = system is None

        def error(key: str, message) -> None:
            self.errors.add(sheet.name, row, sheet.header(key) if key else "", message)

        if system is not None and not (
            perms.can(self.user, perms.CHANGE, system) and self._may_write_division(system.owning_division_id)
        ):
            error("number", self._division_refusal())
            self._file_systems[number] = (None, False)
            return
        if creating and not perms.role_allows(self.user, perms.ADD, System):
            error("number", gettext("システムを登録する権限がありません。"))
            return

        new: dict[str, Any] = {}
        m2m: dict[str, list] = {}
        failed: set[str] = set()
        for key, raw in values.items():
            if key == "number":
                continue
            f = FIELD_BY_KEY[key]
            if is_blank(raw):
                if creating or self.blank == BlankPolicy.KEEP:
                    continue
                if not f.clearable:
                    error(key, gettext("必須項目のため空欄にできません。"))
                    continue
                value = self._empty(f)
            else:
                try:
                    value = self._parse(f, raw, current=system)
                except ParseError as exc:
                    error(key, exc.message)
                    failed.add(key)
                    continue
            if f.kind == "segments":
                for attr in SEGMENT_ATTRS.values():
                    new[attr] = attr in value
            elif f.kind == "m2m":
                m2m[key] = value
            else:
                new[key] = value

        target = new.get("owning_division")
        if creating:
            if target is None and "owning_division" not in failed:
                target = self._default_division()
                if target is None:
                    error("owning_division", gettext("新規のシステムには所管所属が必要です。"))
                else:
                    new["owning_division"] = target
            if "name" not in new and "name" not in failed:
                error("name", gettext("新規のシステムにはシステム名が必要です。"))
        target_id = target.pk if target is not None else (system.owning_division_id if system else None)
        if target is not None and not self._may_write_division(target.pk):
            error("owning_division", self._division_refusal())
        elif (
            creating
            and target is not None
            and not perms.can(self.user, perms.ADD, System(owning_division=target))
        ):
            error("owning_division", self._division_refusal())

        instance = system if system is not None else System(number=number)
        changes: list[FieldChange] = []
        values_to_set: dict[str, Any] = {}
        for attr, value in new.items():
            old = getattr(instance, attr if attr != "owning_division" else "owning_division_id")
            compare = value.pk if attr == "owning_division" else value
            if not creating and (old == compare or (isinstance(old, str) and old.strip() == compare)):
                continue  # trailing spaces Excel cannot show are not a change
            values_to_set[attr] = value
            changes.append(
                FieldChange(
                    attr,
                    self._label(attr),
                    "" if creating else self._display(attr, old),
                    self._display(attr, compare),
                )
            )
        m2m_to_set: dict[str, list] = {}
        for attr, objs in m2m.items():
            old_ids = set() if creating else getattr(instance, "_import_m2m", {}).get(attr, set())
            new_ids = {o.pk for o in objs}
            if not creating and old_ids == new_ids:
                continue
            if creating and not new_ids:
                continue
            m2m_to_set[attr] = objs
            changes.append(
                FieldChange(
                    attr,
                    self._label(attr),
                    "" if creating else self._display_m2m(attr, old_ids),
                    self._display_m2m(attr, new_ids),
                )
            )

        # Validate the record as it would be saved (field rules and the my-number rule), so the preview
        # shows every problem the apply would hit.
        before = None
        if self.lock and not creating:
            before = serialize(instance, include_m2m=False)
            for attr in M2M_MODELS:
                before[attr] = sorted(getattr(instance, "_import_m2m", {}).get(attr, set()))
        for attr, value in values_to_set.items():
            setattr(instance, attr, value)
        if instance.my_number and not instance.personal_info:
            error(
                "my_number" if "my_number" in sheet.columns else "personal_info",
                gettext("マイナンバーを取り扱う場合は「個人情報の取扱い」も○にしてください。"),
            )
        if values_to_set:
            try:
                # Only the fields this row sets: the rest were valid already (and the FK was looked up).
                instance.full_clean(
                    exclude=[f for f in _CONCRETE_FIELDS if f not in values_to_set or f == "owning_division"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as exc:
                for attr, msgs in exc.message_dict.items():
                    key = (
                        attr if attr in sheet.columns else ("segments" if attr.startswith("segment_") else "")
                    )
                    for msg in msgs:
                        error(key, msg)

        self._file_systems[number] = (target_id, self.errors.count == errors_before)
        if self.errors.count > errors_before:
            return
        if creating:
            self.counts["systems_created"] += 1
        elif changes:
            self.counts["systems_updated"] += 1
        else:
            self.counts["systems_unchanged"] += 1
            return
        self.system_actions.append(
            SystemAction(
                row=row,
                system=instance,
                creating=creating,
                values=values_to_set,
                m2m=m2m_to_set,
                before=before,
            )
        )
        self.rows.append(
            RowPlan(
                sheet=sheet.name,
                row=row,
                action="create" if creating else "update",
                key=number,
                title=instance.name,
                changes=changes,
            )
        )

    def _default_division(self) -> Organization | None:
        """A new system without 所管所属: the survey's division, or the owner's only division."""
        if self.division is not None:
            return self.division
        if self._role == Role.OWNER and len(self._own_divisions) == 1:
            return self._divisions_by_id.get(next(iter(self._own_divisions)))
        return None

    def _empty(self, f: SystemField):
        if f.kind in ("date", "fy"):
            return None
        if f.kind == "bool":
            return False
        if f.kind in ("segments", "m2m"):
            return []
        return ""

    def _parse(self, f: SystemField, raw, *, current: System | None = None):
        kind = f.kind
        if kind in ("text", "key"):
            return clean_text(raw, max_length=f.max_length)
        if kind == "choice":
            return clean_choice(raw, self._choices[f.key])
        if kind == "int_choice":
            return clean_choice(raw, self._choices[f.key])
        if kind == "bool":
            return clean_bool(raw)
        if kind == "date":
            return clean_date(raw)
        if kind == "fy":
            return clean_fiscal_year(raw)
        if kind == "division":
            return self._parse_division(raw, current=current)
        if kind == "segments":
            names = split_names(raw)
            if len(names) == 1 and normalize_header(names[0]).casefold() in _NO_SEGMENT:
                return []
            return [SEGMENT_ATTRS[clean_choice(n, self._choices["segments"])] for n in names]
        if kind == "m2m":
            found, unknown = [], []
            for name in split_names(raw):
                obj = self._m2m[f.key].get(normalize_header(name))
                (found.append(obj) if obj is not None else unknown.append(name))
            if unknown:
                raise ParseError(
                    format_lazy(
                        _(
                            "「{names}」は登録されていません（{what}）。先に登録するか、登録済みの名称を入力してください。"
                        ),
                        names="、".join(unknown),
                        what=f.label,
                    )
                )
            return found
        raise ValueError(kind)  # pragma: no cover - every kind is handled above

    def _parse_division(self, raw, *, current: System | None = None) -> Organization:
        """A 所属 by name (unique among active divisions), 「部局名 所属名」 or code.

        The system's current division is accepted by its name even if it has since been closed or a
        namesake exists elsewhere, so an exported row always imports back unchanged.
        """
        text = clean_text(raw)
        norm = normalize_header(text)
        if current is not None:
            org = self._divisions_by_id.get(current.owning_division_id)
            if org is not None and norm == normalize_header(org.name):
                return org
        matches = self._active_by_name.get(norm, [])
        if not matches and norm in self._active_by_code:
            matches = [self._active_by_code[norm]]
        if not matches:
            raise ParseError(
                format_lazy(
                    _("所属「{name}」が見つかりません（現在の組織の所属名で入力してください）。"), name=text
                )
            )
        if len(matches) > 1:
            options = "、".join(
                f"{self._divisions_by_id[m.parent_id].name} {m.name}" if m.parent_id else m.name
                for m in matches
            )
            raise ParseError(
                format_lazy(
                    _("所属「{name}」は複数あります。部局名を付けて入力してください（{options}）。"),
                    name=text,
                    options=options,
                )
            )
        return matches[0]

    def _label(self, attr: str) -> str:
        label = self._labels.get(attr)
        if label is None:
            field = FIELD_BY_KEY.get(attr)
            label = self._labels[attr] = str(
                field.label if field else System._meta.get_field(attr).verbose_name
            )
        return label

    def _display(self, attr: str, value) -> str:
        if attr == "owning_division":
            org = self._divisions_by_id.get(value)
            return org.name if org else display_value(None)
        f = FIELD_BY_KEY.get(attr)
        if f is not None and f.kind in ("choice", "int_choice") and value not in (None, ""):
            return str(dict(f.choices).get(value, value))
        if f is not None and f.kind == "fy":
            return display_fiscal_year(value)
        return display_value(value)

    def _display_m2m(self, attr: str, ids: Iterable[int]) -> str:
        names = sorted(self._m2m_names[attr].get(i, str(i)) for i in ids)
        return display_value(names)

    # -- costs ---------------------------------------------------------------------------------------------

    def _check_amount_header(self, sheet: BoundSheet) -> None:
        """「金額（千円）」 in a file declared as 円 (or the reverse) is a factor-1000 error waiting to happen."""
        header = normalize_header(sheet.headers.get("amount", ""))
        for unit in ("千円", "円"):
            if header.endswith(f"({unit})"):
                if unit != self.unit:
                    raise ImportRefused(
                        format_lazy(
                            _(
                                "「{sheet}」シートの列見出し「{header}」の単位が、指定した金額の単位（{unit}）と異なります。"
                            ),
                            sheet=sheet.name,
                            header=sheet.headers["amount"],
                            unit=self.unit,
                        ),
                        code="unit_mismatch",
                    )
                return

    def _plan_costs(self, sheet: BoundSheet) -> None:
        parsed: list[tuple[int, str, int, str, str, int | None]] = []
        seen: dict[tuple, int] = {}
        numbers: set[str] = set()
        for row, values in sheet.rows():
            errors_before = self.errors.count

            def error(key: str, message, row=row) -> None:
                self.errors.add(sheet.name, row, sheet.header(key), message)

            cells: dict[str, Any] = {}
            for key, parser in (
                ("number", lambda v: clean_key(v, max_length=20)),
                ("fiscal_year", clean_fiscal_year),
                ("category", lambda v: clean_choice(v, self._choices["category"])),
                ("stage", lambda v: clean_choice(v, self._choices["stage"])),
            ):
                raw = values.get(key)
                if is_blank(raw):
                    error(key, gettext("空欄にできません。"))
                    continue
                try:
                    cells[key] = parser(raw)
                except ParseError as exc:
                    error(key, exc.message)
            fy = cells.get("fiscal_year")
            if fy is not None and not 1989 <= fy <= 2100:
                error("fiscal_year", gettext("経費の年度は1989年度～2100年度で入力してください。"))
            amount = None
            raw_amount = values.get("amount")
            if not is_blank(raw_amount):
                try:
                    amount = clean_amount(raw_amount, unit=self.unit)
                except ParseError as exc:
                    error("amount", exc.message)
            elif self.blank == BlankPolicy.KEEP:
                if self.errors.count == errors_before:
                    continue  # nothing to do for this row
            if self.errors.count > errors_before:
                continue
            key = (cells["number"], fy, cells["category"], cells["stage"])
            if key in seen:
                error(
                    "number",
                    gettext("同じシステム・年度・経費区分・段階の行が%(row)s行目にもあります。")
                    % {"row": seen[key]},
                )
                continue
            seen[key] = row
            numbers.add(cells["number"])
            parsed.append((row, cells["number"], fy, cells["category"], cells["stage"], amount))

        # Systems referenced by the sheet: in the ledger (permission from its division) or new in this file.
        systems: dict[str, System] = {}
        number_list = sorted(numbers)
        for start in range(0, len(number_list), CHUNK):
            chunk = number_list[start : start + CHUNK]
            systems.update({s.number: s for s in System.objects.filter(number__in=chunk)})
        writable: dict[str, bool] = {}
        for number in numbers:
            if number in self._file_systems:
                target, ok = self._file_systems[number]
                writable[number] = ok and self._may_write_division(target)
            elif number in systems:
                s = systems[number]
                writable[number] = perms.can(self.user, perms.CHANGE, s) and self._may_write_division(
                    s.owning_division_id
                )
        existing: dict[tuple, Cost] = {}
        ids = [s.pk for s in systems.values()]
        years = sorted({p[2] for p in parsed})
        for start in range(0, len(ids), CHUNK):
            qs = Cost.objects.filter(
                system_id__in=ids[start : start + CHUNK], fiscal_year__in=years
            ).select_related("system")
            if self.lock:
                qs = qs.select_for_update(of=("self",))
            for c in qs:
                existing[(c.system.number, c.fiscal_year, c.category, c.stage)] = c
        categories = dict(CostCategory.choices)
        stages = dict(CostStage.choices)
        for row, number, fy, category, stage, amount in parsed:
            if number not in writable:
                self.errors.add(
                    sheet.name,
                    row,
                    sheet.header("number"),
                    gettext(
                        "システム番号「%(number)s」は台帳にも取込ファイルの情報システムシートにもありません。"
                    )
                    % {"number": number},
                )
                continue
            if not writable[number]:
                if number in self._file_systems and self._file_systems[number][1] is False:
                    continue  # the system row already has an error that explains it
                self.errors.add(sheet.name, row, sheet.header("number"), self._division_refusal())
                continue
            cost = existing.get((number, fy, category, stage))
            old = cost.amount if cost is not None else None
            if old == amount:
                self.counts["costs_unchanged"] += 1
                continue
            action = "create" if cost is None else ("delete" if amount is None else "update")
            self.counts[
                {"create": "costs_created", "update": "costs_updated", "delete": "costs_deleted"}[action]
            ] += 1
            self.cost_actions.append(CostAction(row, number, cost, fy, category, stage, amount))
            self.rows.append(
                RowPlan(
                    sheet=sheet.name,
                    row=row,
                    action=action,
                    key=f"{number} {fiscal_year_label(fy)} {categories[category]} {stages[stage]}",
                    title=systems[number].name if number in systems else "",
                    changes=[FieldChange("amount", gettext("金額"), display_yen(old), display_yen(amount))],
                )
            )


# --------------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------------


def ledger_import_preview(
    *,
    user,
    source,
    file_name: str,
    unit: str = "円",
    blank: str = BlankPolicy.KEEP,
    division: Organization | None = None,
    report: Callable[[int, str], None] | None = None,
) -> ImportPreview:
    """Dry run: what importing this file would change, and every error; writes nothing."""
    importer = LedgerImporter(
        user=user, file_name=file_name, unit=unit, blank=blank, division=division, report=report
    )
    return importer.plan(source)


def ledger_import_apply(
    *,
    user,
    source,
    file_name: str,
    unit: str = "円",
    blank: str = BlankPolicy.KEEP,
    division: Organization | None = None,
    fingerprint: str | None = None,
    request=None,
    audit_obj=None,
    report: Callable[[int, str], None] | None = None,
) -> ImportPreview:
    """Apply an import all-or-nothing; every changed object gets one history row 「Excel取込: <file>」.

    Re-plans inside the transaction; with ``fingerprint`` (the preview the user approved) it refuses if
    the changes are no longer the same, so a concurrent edit is never silently overwritten. Raises
    :class:`ImportRowErrors` (with the preview) when any row has an error; nothing is written then.
    """
    reason = IMPORT_REASON.format(file_name=file_name)
    with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
        importer = LedgerImporter(
            user=user,
            file_name=file_name,
            unit=unit,
            blank=blank,
            division=division,
            report=report,
            lock=True,
        )
        preview = importer.plan(source)
        if preview.has_errors:
            raise ImportRowErrors(preview)
        if fingerprint and preview.fingerprint != fingerprint:
            raise ConflictError(
                _(
                    "確認した後に台帳が更新されたため、取り込みませんでした。内容をもう一度確認してから取り込んでください。"
                )
            )
        importer.execute()
        preview.applied = True
        preview.applied_at = timezone.now().isoformat()
        audit_event_record(
            kind=AuditEvent.Kind.IMPORT,
            request=request,
            user=user,
            obj=audit_obj,
            object_type="" if audit_obj is not None else System._meta.label,
            detail={"file": file_name, "unit": unit, "blank": blank, **preview.counts},
        )
    return preview


# --------------------------------------------------------------------------------------------------------
# Workbooks to edit and import back (取込用テンプレート, 調査票)
# --------------------------------------------------------------------------------------------------------


def ledger_workbook(
    *, systems, cost_years: list[int], title: str, instructions: Iterable[str] = (), unit: str = "円"
) -> bytes:
    """A workbook that imports back unchanged: 情報システム (every importable column), 経費 (one row per
    cost cell of ``cost_years``), 記入方法 and the 選択肢 lists behind the drop-downs.

    Written in openpyxl's write-only mode so the template of a whole prefecture streams.
    """
    grey = READONLY_FILL
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(SYSTEM_SHEET.label))
    ws.freeze_panes = "B2"
    headers = [(str(f.label), f.width, False) for f in EXPORTED_FIELDS] + [(str(_("部局")), 14, True)]
    xlsx_header_row(ws, headers)
    system_list = systems.select_related("owning_division", "owning_division__parent").prefetch_related(
        "joint_municipalities", "vendors", "tags"
    )
    count = 0
    system_ids: list[int] = []
    for s in system_list.iterator(chunk_size=2000):
        count += 1
        system_ids.append(s.pk)
        out = []
        for f in EXPORTED_FIELDS:
            if f.export is not None:
                value = f.export(s)
            elif f.kind == "bool":
                value = "○" if getattr(s, f.key) else "×"
            elif f.kind == "choice":
                value = getattr(s, f"get_{f.key}_display")() if getattr(s, f.key) != "" else None
            else:
                value = getattr(s, f.key)
            out.append(xlsx_cell(ws, value))
        parent = s.owning_division.parent
        out.append(xlsx_cell(ws, parent.name if parent else "", fill=grey))
        ws.append(out)

    costs_ws = wb.create_sheet(str(COST_SHEET.label))
    costs_ws.freeze_panes = "A2"
    amount_header = f"{gettext('金額')}（{unit}）"
    xlsx_header_row(
        costs_ws,
        [
            (str(_("システム番号")), 14, False),
            (str(_("年度")), 20, False),
            (str(_("経費区分")), 26, False),
            (str(_("段階")), 10, False),
            (amount_header, 16, False),
            (str(_("システム名")), 32, True),
        ],
    )
    categories = dict(CostCategory.choices)
    stages = dict(CostStage.choices)
    divisor = 1000 if unit == "千円" else 1
    cost_rows = 0
    for start in range(0, len(system_ids), CHUNK):
        costs = (
            Cost.objects.filter(system_id__in=system_ids[start : start + CHUNK], fiscal_year__in=cost_years)
            .select_related("system")
            .order_by("system__number", "fiscal_year", "category", "stage")
        )
        for c in costs:
            cost_rows += 1
            amount = c.amount // divisor if c.amount % divisor == 0 else c.amount / divisor
            costs_ws.append(
                [
                    xlsx_cell(costs_ws, c.system.number),
                    xlsx_cell(costs_ws, fiscal_year_label(c.fiscal_year)),
                    xlsx_cell(costs_ws, str(categories[c.category])),
                    xlsx_cell(costs_ws, str(stages[c.stage])),
                    xlsx_cell(costs_ws, amount, number_format="#,##0"),
                    xlsx_cell(costs_ws, c.system.name, fill=grey),
                ]
            )

    help_ws = wb.create_sheet(gettext("記入方法"))
    help_ws.column_dimensions["A"].width = 110
    help_ws.append([xlsx_cell(help_ws, title)])
    for line in [*instructions, *_instructions(unit)]:
        help_ws.append([xlsx_cell(help_ws, line)])

    lists = wb.create_sheet(gettext("選択肢"))
    choice_lists = [
        [str(label) for _v, label in LifecycleStatus.choices],
        [str(label) for _v, label in HostingForm.choices],
        [str(label) for _v, label in StandardBusiness.choices],
        ["○", "×"],
        ["1", "2", "3"],
        [str(label) for _v, label in CostCategory.choices],
        [str(label) for _v, label in CostStage.choices],
    ]
    longest = max(len(c) for c in choice_lists)
    for i in range(longest):
        lists.append([c[i] if i < len(c) else None for c in choice_lists])

    def ref(col: int, n: int) -> str:
        letter = get_column_letter(col)
        return f"'{gettext('選択肢')}'!${letter}$1:${letter}${n}"

    index = {f.key: i for i, f in enumerate(EXPORTED_FIELDS, start=1)}
    xlsx_list_validation(ws, index["status"], ref(1, len(choice_lists[0])), count)
    xlsx_list_validation(ws, index["hosting_form"], ref(2, len(choice_lists[1])), count)
    xlsx_list_validation(ws, index["standard_business"], ref(3, len(choice_lists[2])), count)
    for f in EXPORTED_FIELDS:
        if f.kind == "bool":
            xlsx_list_validation(ws, index[f.key], ref(4, 2), count)
        elif f.kind == "int_choice":
            xlsx_list_validation(ws, index[f.key], ref(5, 3), count)
    xlsx_list_validation(costs_ws, 3, ref(6, len(choice_lists[5])), cost_rows)
    xlsx_list_validation(costs_ws, 4, ref(7, len(choice_lists[6])), cost_rows)

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _instructions(unit: str) -> list[str]:
    return [
        "",
        gettext("■ 記入方法"),
        gettext(
            "・1行が1システムです。「システム番号」で台帳と照合し、既存のシステムは更新、新しい番号は新規登録します。"
        ),
        gettext("・列見出し（1行目）は変更しないでください。灰色の列は参照用で、取り込みません。"),
        gettext("・状態・稼働形態・経費区分などはプルダウンの選択肢から選んでください。"),
        gettext("・○/×の列は「○」「×」（「はい」「いいえ」「1」「0」も可）で入力してください。"),
        gettext(
            "・日付・年度は和暦（令和8年4月1日、R8、令和8年度）でも西暦（2026-04-01、2026年度）でも入力できます。"
        ),
        gettext("・ネットワーク区分・共同利用市町村・事業者・タグは「、」で区切って複数入力できます。"),
        gettext(
            "・「経費」シートは1行が1つの経費（システム番号×年度×経費区分×段階）です。金額の単位は%(unit)sです。"
        )
        % {"unit": unit},
        gettext(
            "・取り込む前に、画面で変更内容（変更前→変更後）を確認できます。誤りがある場合は何も反映されません。"
        ),
    ]


# --------------------------------------------------------------------------------------------------------
# Uploads kept between the dry run and the apply (run in the request or as a background job)
# --------------------------------------------------------------------------------------------------------


def import_upload_preview(*, token: str, user, report: Callable[[int, str], None] | None = None) -> dict:
    """Dry-run a stored upload and record the preview (or the refusal) with it; returns its metadata."""
    store = UploadStore()
    meta = store.load(token, user=user)
    try:
        preview = ledger_import_preview(
            user=user,
            source=store.path(token),
            file_name=meta["file_name"],
            unit=meta["unit"],
            blank=meta["blank"],
            report=report,
        )
    except (ImportRefused, PermissionDeniedError) as exc:
        store.discard_file(token)
        return store.update(token, status="refused", error=str(exc.message))
    return store.update(token, status="previewed", preview=preview.to_json(), error="")


def import_upload_apply(
    *, token: str, user, fingerprint: str, request=None, report: Callable[[int, str], None] | None = None
) -> dict:
    """Apply a stored upload the user has previewed; on errors or a changed ledger, refresh the preview."""
    store = UploadStore()
    meta = store.load(token, user=user)
    if meta.get("status") not in ("previewed", "applying"):
        return meta
    kwargs = {"user": user, "file_name": meta["file_name"], "unit": meta["unit"], "blank": meta["blank"]}
    try:
        preview = ledger_import_apply(
            source=store.path(token), fingerprint=fingerprint, request=request, report=report, **kwargs
        )
    except ImportRowErrors as exc:
        return store.update(token, status="previewed", preview=exc.preview.to_json(), error=str(exc.message))
    except ConflictError as exc:
        fresh = ledger_import_preview(source=store.path(token), **kwargs)
        return store.update(token, status="previewed", preview=fresh.to_json(), error=str(exc.message))
    except (ImportRefused, PermissionDeniedError) as exc:
        return store.update(token, status="refused", error=str(exc.message))
    store.discard_file(token)
    return store.update(token, status="applied", preview=preview.to_json(), error="")


def _result_url(token: str) -> str:
    from django.urls import reverse

    return reverse("ledger:system_import_preview", args=[token])


@job_kind("ledger.import_preview")
def import_preview_job(job, report) -> dict:
    """Background dry run of a large upload; the job page links to the preview."""
    meta = import_upload_preview(token=job.params["token"], user=job.created_by, report=report)
    return {"url": _result_url(job.params["token"]), "status": meta.get("status")}


@job_kind("ledger.import_apply")
def import_apply_job(job, report) -> dict:
    """Background apply of a large upload; the job page links to the result."""
    meta = import_upload_apply(
        token=job.params["token"], user=job.created_by, fingerprint=job.params["fingerprint"], report=report
    )
    return {"url": _result_url(job.params["token"]), "status": meta.get("status")}
