"""Planning a ledger import: read the workbook, work out every change and every error; write nothing.

One planner serves the dry run and the apply: the pipeline (:mod:`saiteki.core.importing.services`)
re-plans inside the transaction with the rows locked and refuses when the result differs from the
preview the user approved. Permissions are the policy's: ``perms.can(user, CHANGE, system)`` for an
existing system and ``perms.can_create(user, System, {"owning_division": …})`` for a new one or a move,
so the owner rule is written once, in core. ``division`` (a survey) restricts every row to one 所属.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.base import ModelState
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core.changelog import serialize
from saiteki.core.display import fy_text
from saiteki.core.errors import ParseError
from saiteki.core.importing import (
    BlankPolicy,
    BoundSheet,
    ChoiceMap,
    ErrorList,
    FieldChange,
    ImportPreview,
    ImportRefused,
    RowPlan,
    clean_key,
    clean_text,
    is_blank,
    open_import,
)
from saiteki.core.importing.importer import Importer
from saiteki.ledger.choices import CostCategory, CostStage, NetworkSegment
from saiteki.ledger.importers.columns import (
    _CONCRETE_FIELDS,
    CHUNK,
    FIELD_BY_KEY,
    IMPORT_REASON,
    M2M_MODELS,
    SEGMENT_ATTRS,
    SPECS,
    SYSTEM_FIELDS,
)
from saiteki.ledger.importers.costs import CostGridRows, CostPlanning
from saiteki.ledger.importers.reading import SystemCells
from saiteki.ledger.importers.workbook import ledger_workbook
from saiteki.ledger.importers.writer import BulkWriter, CostAction, SystemAction
from saiteki.ledger.models import Cost, System


def _light(model, attnames: list[str], row: tuple, db: str):
    """A model instance from a database row without ``Model.__init__``; missing fields are deferred
    (read from the database if ever touched, as for ``.only()``)."""
    obj = model.__new__(model)
    obj.__dict__.update(zip(attnames, row, strict=True))
    obj._state = ModelState()
    obj._state.adding = False
    obj._state.db = db
    return obj


class SystemImporter(SystemCells, CostPlanning, BulkWriter, Importer):
    """The ledger workbook: systems (key システム番号) and their costs; plans and, in :meth:`execute`,
    applies one import for one user.

    ``division`` restricts every row to one 所属 (a survey workbook belongs to one division, even when
    an admin applies it). ``lock`` selects the existing systems FOR UPDATE (used by the apply).
    """

    label = _("情報システム台帳")
    model = System
    touches = (System, Cost)
    uses_unit = True
    reason = IMPORT_REASON

    def __init__(self, *, division: Organization | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.division = division
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
        self._scoped = perms.is_scoped(self.user, System)
        self._cache: dict[tuple, tuple[bool, Any]] = {}
        self._row_cache: dict[tuple, tuple] = {}
        self._keys_cache: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._may_add = perms.role_allows(self.user, perms.ADD, System)
        self._division_ok: dict[int | None, bool] = {}
        self._changeable: set[int] = set()
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

    @classmethod
    def template(cls, *, user, query=None, fiscal_year: int | None = None, request=None) -> bytes:
        """「取込用テンプレート出力」: every importable column of the systems in the list filter the user
        may see, plus their costs of the selected fiscal year — the file to edit and import back."""
        from saiteki.ledger.filtersets import SystemFilterSet

        qs = System.objects.restrict(user, perms.VIEW)
        filterset = SystemFilterSet(query or None, queryset=qs, request=request)
        if filterset.is_bound and filterset.is_valid():
            qs = filterset.qs
        years = [fiscal_year] if fiscal_year else []
        return ledger_workbook(
            systems=qs.order_by("number"),
            cost_years=years,
            title=gettext("情報システム台帳 取込用テンプレート"),
            instructions=[gettext("経費シートは%(fy)sの経費です。") % {"fy": fy_text(y)} for y in years],
        )

    @classmethod
    def template_filename(cls) -> str:
        return gettext("情報システム台帳 取込用テンプレート") + ".xlsx"

    @classmethod
    def summary(cls, preview: ImportPreview) -> str:
        c = preview.counts
        return gettext(
            "システム 新規%(sc)s件・変更%(su)s件、経費 追加%(cc)s件・変更%(cu)s件・削除%(cd)s件"
        ) % {
            "sc": c.get("systems_created", 0),
            "su": c.get("systems_updated", 0),
            "cc": c.get("costs_created", 0),
            "cu": c.get("costs_updated", 0),
            "cd": c.get("costs_deleted", 0),
        }

    def plan(self, source) -> ImportPreview:
        """Read the file and work out every change; raises ImportRefused for a file that cannot be read."""
        self.check_role(self.user)
        self._load_caches()
        with open_import(source, file_name=self.file_name, specs=SPECS) as upload:
            self.notes.extend(upload.notes())
            systems = upload.sheets.get("systems")
            costs = upload.sheets.get("costs")
            grid = upload.sheets.get("cost_grid")
            if costs is not None and grid is not None:
                raise ImportRefused(
                    format_lazy(
                        _("「{a}」と「{b}」の両方のシートがあります。経費はどちらか一方に記入してください。"),
                        a=costs.name,
                        b=grid.name,
                    ),
                    code="two_cost_sheets",
                )
            if systems is not None:
                self._plan_systems(systems)
            if costs is not None:
                self._check_amount_header(costs)
                self._plan_costs(costs)
            if grid is not None:
                self._plan_costs(CostGridRows(grid, keep_blank=self.blank == BlankPolicy.KEEP))
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

    # -- permissions ---------------------------------------------------------------------------------------

    def _may_write_division(self, division_id: int | None) -> bool:
        """The policy's answer for a system in this 所属 (cached: one answer per division per import),
        narrowed to the survey's division when there is one."""
        if division_id not in self._division_ok:
            self._division_ok[division_id] = (
                division_id is not None
                and perms.can_create(self.user, System, {"owning_division": division_id})
                and (self.division is None or division_id == self.division.pk)
            )
        return self._division_ok[division_id]

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
        # Only the columns the file can change (and what the checks read): loading every field of
        # 100,000 systems costs more than planning them. The apply reloads changed rows in full.
        # Rows come back as plain values turned into instances without Model.__init__ (a third of the
        # plan's time at 100,000 rows); fields not read are deferred as with .only().
        attnames = ["id", *(System._meta.get_field(f).attname for f in self._needed_fields(sheet))]  # type: ignore[union-attr]
        qs = System.objects.filter(number__in=numbers).values_list(*attnames)
        if self.lock:
            qs = qs.select_for_update()
        existing = {s.number: s for s in (_light(System, attnames, row, qs.db) for row in qs)}
        # Which of them the user may change: the policy's queryset verb, one query for the chunk.
        if not perms.role_allows(self.user, perms.CHANGE, System):
            self._changeable = set()
        elif self._scoped:
            self._changeable = set(
                System.objects.restrict(self.user, perms.CHANGE)
                .filter(pk__in=[s.pk for s in existing.values()])
                .values_list("pk", flat=True)
            )
        else:
            self._changeable = {s.pk for s in existing.values()}
        # Current links only where a row's cell may change them (the apply's history snapshot of a
        # changed row loads the rest afterwards, in :meth:`_complete_before`).
        need = [
            existing[k]
            for _r, v, k in keys
            if k in existing
            and any(a in v and (self.blank == BlankPolicy.CLEAR or not is_blank(v[a])) for a in M2M_MODELS)
        ]
        self._load_m2m(need, M2M_MODELS)
        first_action = len(self.system_actions)
        for row, values, number in keys:
            self._rows_seen += 1
            if number is None:
                continue
            self._plan_system_row(sheet, row, values, number, existing.get(number))
        if self.lock:
            self._complete_before(self.system_actions[first_action:])
        if self.report is not None:
            self.report(
                min(45, 5 + self._rows_seen // 2000),
                gettext("%(n)s行を確認しました") % {"n": f"{self._rows_seen:,}"},
            )

    def _load_m2m(self, systems: list[System], attrs) -> None:
        """Current many-to-many ids of ``systems``, one query per relation (not one per row)."""
        if not systems:
            return
        for attr in attrs:
            through = System._meta.get_field(attr).remote_field.through  # type: ignore[union-attr]
            fk = f"{M2M_MODELS[attr]._meta.model_name}_id"
            current: dict[int, set[int]] = {}
            for sid, oid in through.objects.filter(system_id__in=[s.pk for s in systems]).values_list(
                "system_id", fk
            ):
                current.setdefault(sid, set()).add(oid)
            for s in systems:
                if not hasattr(s, "_import_m2m"):
                    s._import_m2m = {}  # type: ignore[attr-defined]
                s._import_m2m[attr] = current.get(s.pk, set())  # type: ignore[attr-defined]

    def _needed_fields(self, sheet: BoundSheet) -> list[str]:
        fields = {"number", "name", "owning_division", "my_number", "personal_info", "version"}
        for key in sheet.columns:
            f = FIELD_BY_KEY[key]
            if f.kind == "segments":
                fields.update(SEGMENT_ATTRS.values())
            elif f.kind != "m2m":
                fields.add(key)
        return sorted(fields)

    def _complete_before(self, actions: list[SystemAction]) -> None:
        """Each changed system in full, its history before-snapshot with every relation, loaded in bulk
        (the plan read only the file's columns)."""
        updates = [a for a in actions if not a.creating and a.values is not None]
        updates = [a for a in updates if a.before is not None]
        full = System.objects.select_for_update().in_bulk([a.system.pk for a in updates])
        for a in updates:
            partial, system = a.system, full[a.system.pk]
            a.before = serialize(system, include_m2m=False)
            for attr, value in a.values.items():
                setattr(system, attr, value)
            if hasattr(partial, "_import_m2m"):
                system._import_m2m = partial._import_m2m  # type: ignore[attr-defined]
            a.system = system
        for attr in M2M_MODELS:
            missing = [a.system for a in updates if attr not in getattr(a.system, "_import_m2m", {})]
            self._load_m2m(missing, [attr])
            for a in updates:
                a.before[attr] = sorted(a.system._import_m2m[attr])  # type: ignore[attr-defined,index]

    def _may_change(self, system: System) -> bool:
        return system.pk in self._changeable and self._may_write_division(system.owning_division_id)

    def _plan_system_row(self, sheet: BoundSheet, row: int, values: dict, number: str, system: System | None):
        errors_before = self.errors.count
        creating = system is None

        def error(key: str, message) -> None:
            self.errors.add(sheet.name, row, sheet.header(key) if key else "", message)

        if system is not None and not self._may_change(system):
            error("number", self._division_refusal())
            self._file_systems[number] = (None, False)
            return
        if creating and not self._may_add:
            error("number", gettext("システムを登録する権限がありません。"))
            return

        # Every cell but free text, parsed once per distinct combination: in a 100,000-row file most
        # rows repeat the same status, division, dates and ○/× (the free-text cells are read per row).
        division_context = system.owning_division_id if system is not None else None
        try:
            signature: tuple | None = (
                creating,
                division_context,
                *(values[k] for k in self._coded_keys(values)),
            )
            cached = self._row_cache.get(signature)  # type: ignore[arg-type]
        except TypeError:  # an unhashable cell
            signature, cached = None, None
        if cached is None:
            cached = self._parse_cells(values, self._coded_keys(values), system, creating)
            if signature is not None and len(self._row_cache) < 100_000:
                self._row_cache[signature] = cached
        new: dict[str, Any] = dict(cached[0])
        m2m: dict[str, list] = dict(cached[1])
        failed: set[str] = set(cached[2])
        for key, message in cached[3]:
            error(key, message)
        for key in self._free_keys(values):
            raw = values[key]
            f = FIELD_BY_KEY[key]
            if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
                if creating or self.blank == BlankPolicy.KEEP:
                    continue
                if not f.clearable:
                    error(key, gettext("必須項目のため空欄にできません。"))
                    continue
                new[key] = ""
                continue
            if type(raw) is str and (f.max_length is None or len(raw) <= f.max_length):
                new[key] = raw.strip()  # the common case, without the general parser's conversions
                continue
            try:
                new[key] = clean_text(raw, max_length=f.max_length)
            except ParseError as exc:
                error(key, exc.message)
                failed.add(key)

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
            # On the number, like another division's existing system: the answer must not tell an
            # owner whether a number exists elsewhere (issue 8, enumeration).
            error("number", self._division_refusal())

        instance = system if system is not None else System(number=number)
        changes: list[FieldChange] = []
        values_to_set: dict[str, Any] = {}
        current = instance.__dict__  # plain attribute reads: this loop runs for every cell of every row
        for attr, value in new.items():
            if attr == "owning_division":
                old, compare = current["owning_division_id"], value.pk
            else:
                old, compare = current[attr], value
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
        before: dict | None = None
        if self.lock and not creating and (values_to_set or m2m_to_set):
            before = {}  # filled from the full row with every relation: :meth:`_complete_before`
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
        own = perms.division_ids(self.user) if self._scoped else []
        if len(own) == 1:
            return self._divisions_by_id.get(own[0])
        return None

    # -- costs ---------------------------------------------------------------------------------------------
