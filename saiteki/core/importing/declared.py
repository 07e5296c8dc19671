"""The declarative importer: a model, its key and its columns — the pipeline does the rest.

::

    class VendorImporter(ModelImporter):
        model = Vendor
        key = ("name",)
        fields = (Field("name"), Field("corporate_number"))

How each cell is read follows from the model field (text, choice by label, ○/×, 和暦 date, fiscal year,
integer within the column's range, amount in 円/千円, a foreign key or a list of many-to-many links by
the related object's name or number). Each row is checked against the policy — ``perms.can(user,
CHANGE, obj)`` for an existing row, ``perms.can_create(user, Model, values)`` for a new one — and
validated with the model's own ``full_clean`` in the dry run, so what the preview shows as valid applies.

Links are scoped for users who only see their own division: a cell may name an object the user may
change, or one the record is already linked to; another division's existing links are kept whatever the
cell says (an owner's import never touches them). An unknown name and one the user may not use get the
same answer, so the import does not reveal what exists in other divisions.

The apply saves each changed object through the model (inside the pipeline's transaction, change
context and change batch), so its history is exactly that of a form save. The declared importers serve
master data and the smaller ledger objects; the ledger's systems and costs, where 100,000 rows must
apply in seconds, write in bulk (:mod:`saiteki.ledger.importers`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core.errors import ParseError
from saiteki.core.importing.cells import (
    MAX_AMOUNT,
    ChoiceMap,
    clean_amount,
    clean_bool,
    clean_choice,
    clean_date,
    clean_decimal,
    clean_fiscal_year,
    clean_int,
    clean_key,
    clean_text,
    display_fiscal_year,
    display_value,
    display_yen,
    int_range,
    is_blank,
    normalize_header,
    split_names,
)
from saiteki.core.importing.declared_workbook import DeclaredWorkbook
from saiteki.core.importing.importer import Importer
from saiteki.core.importing.preview import (
    BlankPolicy,
    ErrorList,
    FieldChange,
    ImportPreview,
    RowAction,
    RowPlan,
)
from saiteki.core.importing.sheets import Column, SheetSpec, open_import

CHUNK = 1000
KINDS = ("text", "key", "choice", "bool", "date", "fy", "int", "decimal", "amount", "fk", "m2m")


@dataclass(frozen=True)
class Field:
    """One column of a declared importer, bound to a model field.

    ``kind`` is derived from the model field when empty. ``lookup`` names the related model's field a
    foreign-key or many-to-many cell is matched on (``name``, ``number``…). ``label`` defaults to the
    model field's verbose name; ``aliases`` are other headers meaning the same column.
    """

    name: str
    label: Any = None
    kind: str = ""
    lookup: str = "name"
    aliases: tuple[str, ...] = ()
    width: int = 16
    export: Callable[[Any], Any] | None = None


@dataclass
class _Row:
    row: int
    obj: models.Model
    creating: bool
    values: dict[str, Any] = field(default_factory=dict)
    m2m: dict[str, set[int]] = field(default_factory=dict)


class ModelImporter(DeclaredWorkbook, Importer):
    """A one-sheet importer for one model, declared by :attr:`key` and :attr:`fields`."""

    key: ClassVar[tuple[str, ...]] = ("name",)
    fields: ClassVar[tuple[Field, ...]] = ()
    #: Sheet names accepted besides the model's verbose name.
    sheet_names: ClassVar[tuple[str, ...]] = ()

    # -- declaration helpers ---------------------------------------------------------------------------

    @classmethod
    def model_field(cls, f: Field) -> models.Field:
        return cls.model._meta.get_field(f.name)  # type: ignore[return-value]

    @classmethod
    def kind_of(cls, f: Field) -> str:
        if f.kind:
            return f.kind
        mf = cls.model_field(f)
        if mf.many_to_many:
            return "m2m"
        if mf.is_relation:
            return "fk"
        if mf.choices:
            return "choice"
        if isinstance(mf, models.BooleanField):
            return "bool"
        if isinstance(mf, models.DateField):
            return "date"
        if isinstance(mf, models.DecimalField):
            return "decimal"
        if isinstance(mf, models.IntegerField):
            return "int"
        return "key" if f.name in cls.key else "text"

    @classmethod
    def label_of(cls, f: Field) -> Any:
        return f.label or cls.model_field(f).verbose_name

    @classmethod
    def sheet_spec(cls) -> SheetSpec:
        label = cls.model._meta.verbose_name
        return SheetSpec(
            key=cls.model._meta.model_name or "rows",
            label=label,
            names=(str(label), *cls.sheet_names),
            columns=tuple(Column(f.name, cls.label_of(f), f.aliases) for f in cls.fields),
            required=cls.key,
        )

    # -- plan -------------------------------------------------------------------------------------------

    def plan(self, source) -> ImportPreview:
        self.check_role(self.user)
        self.errors = ErrorList()
        self.rows: list[RowPlan] = []
        self.actions: list[_Row] = []
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}
        self._choices = {
            f.name: ChoiceMap(self.model_field(f).choices or ())  # type: ignore[arg-type]
            for f in self.fields
            if self.kind_of(f) == "choice"
        }
        self._lookups: dict[str, dict[str, models.Model]] = {}
        notes: list[str] = []
        spec = self.sheet_spec()
        with open_import(source, file_name=self.file_name, specs=(spec,)) as upload:
            notes.extend(upload.notes())
            sheet = upload.sheets.get(spec.key)
            if sheet is not None:
                seen: dict[tuple, int] = {}
                batch: list[tuple[int, dict]] = []
                for number, values in sheet.rows():
                    batch.append((number, values))
                    if len(batch) >= CHUNK:
                        self._plan_chunk(sheet, batch, seen)
                        batch = []
                if batch:
                    self._plan_chunk(sheet, batch, seen)
        preview = ImportPreview(
            file_name=self.file_name,
            unit=self.unit,
            blank=self.blank,
            counts={**self.counts, "errors": self.errors.count},
            rows=self.rows,
            errors=list(self.errors.items),
            error_count=self.errors.count,
            notes=notes,
        )
        preview.fingerprint = preview.compute_fingerprint()
        return preview

    def _lookup(self, f: Field) -> dict[str, models.Model]:
        """Name → object of a relation's targets the user may use (changeable ones for scoped users)."""
        if f.name not in self._lookups:
            related = self.model_field(f).related_model
            qs = related._default_manager.all()  # type: ignore[union-attr]
            if perms.is_scoped(self.user, related):  # type: ignore[arg-type]
                qs = related.objects.restrict(self.user, perms.CHANGE)  # type: ignore[union-attr]
            self._lookups[f.name] = {normalize_header(str(getattr(o, f.lookup))): o for o in qs}
        return self._lookups[f.name]

    def _parse_key(self, sheet, row: int, values: dict) -> tuple | None:
        out = []
        for k in self.key:
            raw = values.get(k)
            if is_blank(raw):
                self.errors.add(sheet.name, row, sheet.header(k), gettext("空欄にできません。"))
                return None
            f = next(f for f in self.fields if f.name == k)
            try:
                if self.kind_of(f) == "fk":
                    out.append(self._parse(f, raw, None).pk)
                else:
                    out.append(clean_key(raw, max_length=getattr(self.model_field(f), "max_length", None)))
            except ParseError as exc:
                self.errors.add(sheet.name, row, sheet.header(k), exc.message)
                return None
        return tuple(out)

    def _plan_chunk(self, sheet, batch, seen: dict[tuple, int]) -> None:
        keyed = []
        for row, values in batch:
            key = self._parse_key(sheet, row, values)
            if key is None:
                continue
            if key in seen:
                self.errors.add(
                    sheet.name,
                    row,
                    sheet.header(self.key[0]),
                    gettext("%(row)s行目と同じ行です（重複）。") % {"row": seen[key]},
                )
                continue
            seen[key] = row
            keyed.append((row, values, key))
        existing = self._existing([k for _r, _v, k in keyed])
        for row, values, key in keyed:
            self._plan_row(sheet, row, values, key, existing.get(key))

    def _existing(self, keys: list[tuple]) -> dict[tuple, models.Model]:
        if not keys:
            return {}
        attnames = [self.model_field(next(f for f in self.fields if f.name == k)).attname for k in self.key]
        q = models.Q()
        for k in keys:
            q |= models.Q(**dict(zip(attnames, k, strict=True)))
        qs = self.model._base_manager.filter(q)
        if self.lock:
            qs = qs.select_for_update()
        return {tuple(getattr(o, a) for a in attnames): o for o in qs}

    def _refusal(self) -> str:
        return gettext("この行は取り込めません（自所属以外のデータ、または権限のない内容です）。")

    def _plan_row(self, sheet, row: int, values: dict, key: tuple, obj: models.Model | None) -> None:
        errors_before = self.errors.count
        creating = obj is None
        if obj is not None and not perms.can(self.user, perms.CHANGE, obj):
            # Same answer as a new row the user may not create: existence elsewhere is not revealed.
            self.errors.add(sheet.name, row, sheet.header(self.key[0]), self._refusal())
            return
        instance = obj if obj is not None else self.model()
        old_m2m = self._current_m2m(instance) if not creating else {}
        new: dict[str, Any] = {}
        m2m: dict[str, set[int]] = {}
        for f in self.fields:
            if f.name not in values:
                continue
            raw = values[f.name]
            kind = self.kind_of(f)
            mf = self.model_field(f)
            if is_blank(raw):
                if creating or self.blank == BlankPolicy.KEEP:
                    continue
                if not mf.blank and kind != "m2m":  # links: checked after other divisions' are kept
                    self.errors.add(
                        sheet.name, row, sheet.header(f.name), gettext("必須項目のため空欄にできません。")
                    )
                    continue
                value: Any = self._empty(kind, mf)
            else:
                try:
                    value = self._parse(f, raw, instance, old_m2m.get(f.name))
                except ParseError as exc:
                    self.errors.add(sheet.name, row, sheet.header(f.name), exc.message)
                    continue
            if kind == "m2m":
                m2m[f.name] = self._merged_links(f, instance, value, old_m2m.get(f.name, set()), sheet, row)
                if not m2m[f.name] and not mf.blank:
                    self.errors.add(
                        sheet.name, row, sheet.header(f.name), gettext("必須項目のため空欄にできません。")
                    )
            else:
                new[f.name] = value
        if self.errors.count > errors_before:
            return
        changes: list[FieldChange] = []
        to_set: dict[str, Any] = {}
        for name, value in new.items():
            f = next(x for x in self.fields if x.name == name)
            old = getattr(instance, name) if not creating else None
            if not creating and self._same(old, value):
                continue
            to_set[name] = value
            changes.append(
                FieldChange(
                    name,
                    str(self.label_of(f)),
                    "" if creating else self._display(f, old),
                    self._display(f, value),
                )
            )
        m2m_set: dict[str, set[int]] = {}
        for name, ids in m2m.items():
            old_ids = old_m2m.get(name, set())
            if ids == old_ids or (creating and not ids):
                continue
            f = next(x for x in self.fields if x.name == name)
            m2m_set[name] = ids
            changes.append(
                FieldChange(
                    name,
                    str(self.label_of(f)),
                    "" if creating else self._display_ids(f, old_ids),
                    self._display_ids(f, ids),
                )
            )
        for name, value in to_set.items():
            setattr(instance, name, value)
        if creating:
            allowed = perms.can_create(
                self.user,
                self.model,
                {
                    f.name: sorted(m2m.get(f.name, ()))
                    if self.kind_of(f) == "m2m"
                    else getattr(instance, self.model_field(f).attname)
                    for f in self.fields
                },
            )
            if not allowed:
                self.errors.add(sheet.name, row, sheet.header(self.key[0]), self._refusal())
                return
        if creating or to_set:
            try:
                exclude = (
                    [f.name for f in self.model._meta.concrete_fields if f.name not in to_set]
                    if not creating
                    else []
                )
                instance.full_clean(exclude=exclude, validate_unique=creating)
            except ValidationError as exc:
                for attr, msgs in exc.message_dict.items():
                    column = sheet.header(attr) if attr in sheet.columns else ""
                    for msg in msgs:
                        self.errors.add(sheet.name, row, column, msg)
                return
        if creating:
            self.counts["created"] += 1
        elif changes:
            self.counts["updated"] += 1
        else:
            self.counts["unchanged"] += 1
            return
        self.actions.append(_Row(row, instance, creating, to_set, m2m_set))
        self.rows.append(
            RowPlan(
                sheet=sheet.name,
                row=row,
                action=RowAction.CREATE if creating else RowAction.UPDATE,
                key=" ".join(str(values.get(k, "")).strip() for k in self.key),
                title=str(instance) if not creating else "",
                changes=changes,
            )
        )

    def _current_m2m(self, instance) -> dict[str, set[int]]:
        out = {}
        for f in self.fields:
            if self.kind_of(f) == "m2m":
                out[f.name] = set(getattr(instance, f.name).values_list("pk", flat=True))
        return out

    def _merged_links(self, f: Field, instance, ids: set[int], old: set[int], sheet, row: int) -> set[int]:
        """The links after the import: the cell's, plus every existing link the user may not change."""
        usable = {o.pk for o in self._lookup(f).values()}
        added = ids - old
        refused = added - usable
        if refused:
            self.errors.add(sheet.name, row, sheet.header(f.name), self._unknown(f, sorted(refused)))
        kept = {pk for pk in old if pk not in usable}
        return ids | kept

    # -- cells ------------------------------------------------------------------------------------------

    def _empty(self, kind: str, mf: models.Field) -> Any:
        if kind == "m2m":
            return set()
        if kind == "bool":
            return False
        if mf.null or kind in ("fk", "date", "fy", "int", "decimal", "amount"):
            return None
        return ""

    def _parse(self, f: Field, raw, instance, current_ids: set[int] | None = None) -> Any:
        kind = self.kind_of(f)
        mf = self.model_field(f)
        if kind in ("text", "key"):
            return clean_text(raw, max_length=getattr(mf, "max_length", None))
        if kind == "choice":
            return clean_choice(raw, self._choices[f.name])
        if kind == "bool":
            return clean_bool(raw)
        if kind == "date":
            return clean_date(raw)
        if kind == "fy":
            return clean_fiscal_year(raw)
        if kind == "amount":
            return clean_amount(raw, unit=self.unit, maximum=int_range(mf)[1] or MAX_AMOUNT)
        if kind == "int":
            low, high = int_range(mf)
            return clean_int(raw, minimum=low, maximum=high)
        if kind == "decimal":
            return clean_decimal(raw, mf)
        if kind == "fk":
            current = getattr(instance, mf.attname, None) if instance is not None else None
            return self._resolve(f, clean_text(raw), {current} if current else set())
        if kind == "m2m":
            return {self._resolve(f, name, current_ids or set()).pk for name in split_names(raw)}
        raise ValueError(kind)  # pragma: no cover - every kind is handled above

    def _resolve(self, f: Field, text: str, current: set[int]):
        """A related object by its name: one the record already links to, or one the user may use."""
        norm = normalize_header(text)
        related = self.model_field(f).related_model
        if current:
            for o in related._base_manager.filter(pk__in=current):  # type: ignore[union-attr]
                if normalize_header(str(getattr(o, f.lookup))) == norm:
                    return o
        obj = self._lookup(f).get(norm)
        if obj is None:
            raise ParseError(self._unknown(f, [text]))
        return obj

    def _unknown(self, f: Field, names: list) -> str:
        related = self.model_field(f).related_model
        labels = []
        for n in names:
            if isinstance(n, int):
                o = related._base_manager.filter(pk=n).first()  # type: ignore[union-attr]
                n = getattr(o, f.lookup, n) if o is not None else n
            labels.append(str(n))
        return str(
            format_lazy(
                _("「{names}」は登録されていないか、指定できません（{what}）。"),
                names="、".join(labels),
                what=self.label_of(f),
            )
        )

    @staticmethod
    def _same(old, new) -> bool:
        if isinstance(old, models.Model) or isinstance(new, models.Model):
            return getattr(old, "pk", old) == getattr(new, "pk", new)
        if isinstance(old, str) and isinstance(new, str):
            return old.strip() == new.strip()
        return old == new

    def _display(self, f: Field, value) -> str:
        kind = self.kind_of(f)
        if value in (None, ""):
            return display_value(None)
        if kind == "choice":
            return str(dict(self.model_field(f).choices or ()).get(value, value))  # type: ignore[arg-type]
        if kind == "fy":
            return display_fiscal_year(value)
        if kind == "amount":
            return display_yen(value)
        if kind == "fk":
            return str(getattr(value, f.lookup, value))
        return display_value(value)

    def _display_ids(self, f: Field, ids: set[int]) -> str:
        related = self.model_field(f).related_model
        names = sorted(str(getattr(o, f.lookup)) for o in related._base_manager.filter(pk__in=ids))  # type: ignore[union-attr]
        return display_value(names)

    # -- apply ------------------------------------------------------------------------------------------

    def execute(self) -> None:
        """Save each planned row through the model (the pipeline holds the transaction and change batch)."""
        total = len(self.actions)
        for i, action in enumerate(self.actions, start=1):
            action.obj.save()
            for name, ids in action.m2m.items():
                getattr(action.obj, name).set(sorted(ids))
            if i % 200 == 0:
                self.progress(50 + int(i * 49 / total), gettext("%(n)s件を反映しました") % {"n": f"{i:,}"})
