"""Reading the cells of the system sheet: names of divisions and master data, choices, segments.

The parsers are remembered per column and cell value (and whole rows per combination of coded cells),
because a 100,000-row file repeats the same status, division, dates and ○/× in almost every row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.accounts.selectors import divisions_active_on
from saiteki.core.errors import ParseError
from saiteki.core.importing import (
    BlankPolicy,
    ChoiceMap,
    clean_bool,
    clean_choice,
    clean_date,
    clean_fiscal_year,
    clean_text,
    display_fiscal_year,
    display_value,
    is_blank,
    normalize_header,
    split_names,
)
from saiteki.ledger.importers.columns import (
    _NO_SEGMENT,
    FIELD_BY_KEY,
    M2M_MODELS,
    SEGMENT_ATTRS,
    SystemField,
)
from saiteki.ledger.models import System


class SystemCells:
    """The cell-reading half of :class:`~saiteki.ledger.importers.planner.SystemImporter`."""

    blank: str
    _cache: dict[tuple, tuple[bool, Any]]
    _keys_cache: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]]
    _choices: dict[str, ChoiceMap]
    _labels: dict[str, str]

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

    def _coded_keys(self, values: dict) -> tuple[str, ...]:
        """The row's columns that are not free text (cached per set of columns: one per sheet)."""
        columns = tuple(values)
        keys = self._keys_cache.get(columns)
        if keys is None:
            coded = tuple(k for k in columns if k != "number" and FIELD_BY_KEY[k].kind not in ("text", "key"))
            free = tuple(k for k in columns if k != "number" and FIELD_BY_KEY[k].kind in ("text", "key"))
            keys = self._keys_cache[columns] = (coded, free)
        return keys[0]

    def _free_keys(self, values: dict) -> tuple[str, ...]:
        self._coded_keys(values)
        return self._keys_cache[tuple(values)][1]

    def _parse_cells(self, values: dict, keys, system: System | None, creating: bool) -> tuple:
        """(attribute values, links, failed columns, errors) of the coded cells of one row."""
        new: dict[str, Any] = {}
        m2m: dict[str, list] = {}
        failed: list[str] = []
        errors: list[tuple[str, Any]] = []
        for key in keys:
            raw = values[key]
            f = FIELD_BY_KEY[key]
            if is_blank(raw):
                if creating or self.blank == BlankPolicy.KEEP:
                    continue
                if not f.clearable:
                    errors.append((key, gettext("必須項目のため空欄にできません。")))
                    continue
                value = self._empty(f)
            else:
                try:
                    value = self._parse_cached(f, raw, system)
                except ParseError as exc:
                    errors.append((key, exc.message))
                    failed.append(key)
                    continue
            if f.kind == "segments":
                for attr in SEGMENT_ATTRS.values():
                    new[attr] = attr in value
            elif f.kind == "m2m":
                m2m[key] = value
            else:
                new[key] = value
        return new, m2m, tuple(failed), tuple(errors)

    def _empty(self, f: SystemField):
        if f.kind in ("date", "fy"):
            return None
        if f.kind == "bool":
            return False
        if f.kind in ("segments", "m2m"):
            return []
        return ""

    def _parse_cached(self, f: SystemField, raw, system: System | None):
        """:meth:`_parse`, remembered per column and cell value: a 100,000-row file repeats the same
        status, division, dates and ○/× in almost every row, and the normalising parsers are slow."""
        if f.kind in ("text", "key"):
            return clean_text(raw, max_length=f.max_length)
        context = system.owning_division_id if (system is not None and f.kind == "division") else None
        cache_key = (f.key, type(raw), raw, context)
        try:
            hit = self._cache[cache_key]
        except KeyError:
            try:
                hit = (True, self._parse(f, raw, current=system))
            except ParseError as exc:
                hit = (False, exc)
            self._cache[cache_key] = hit
        except TypeError:  # an unhashable cell value: parse it every time
            return self._parse(f, raw, current=system)
        if not hit[0]:
            raise hit[1]
        return list(hit[1]) if isinstance(hit[1], list) else hit[1]

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
                field.label if field else System._meta.get_field(attr).verbose_name  # type: ignore[union-attr]
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
