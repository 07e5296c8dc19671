"""Planning the 経費 sheet of a ledger import: one row per system × fiscal year × category × stage —
or the survey's year × category grid (経費（年度×区分）), read as those rows by :class:`CostGridRows`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.core.errors import ApplicationError, ParseError
from saiteki.core.importing import (
    BlankPolicy,
    BoundSheet,
    FieldChange,
    ImportRefused,
    RowPlan,
    clean_amount,
    clean_choice,
    clean_fiscal_year,
    clean_key,
    display_yen,
    is_blank,
    normalize_header,
)
from saiteki.core.importing.cells import MAX_AMOUNT
from saiteki.ledger.choices import CostCategory, CostStage
from saiteki.ledger.importers.columns import CHUNK, GRID_CATEGORY_PREFIX
from saiteki.ledger.importers.writer import CostAction
from saiteki.ledger.models import Cost, System


class CostRows(Protocol):
    """What cost planning reads: a sheet's name, its rows as 経費-sheet cells, and the header to name."""

    name: str

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]: ...

    def header(self, key: str) -> str: ...


class CostGridRows:
    """The year × category grid read as 経費-sheet rows: one per category cell of each row, so the grid
    and the row-per-cost sheet are planned (and refused, and guarded) by the same code.

    An error about an amount names the category's column. A row whose システム番号, 年度 or 段階 is
    missing yields one record only, so the missing cell is reported once, not once per category.
    """

    def __init__(self, sheet: BoundSheet, *, keep_blank: bool):
        self.sheet = sheet
        self.name = sheet.name
        self.keep_blank = keep_blank
        self.categories = [
            (key, key.removeprefix(GRID_CATEGORY_PREFIX))
            for key in sheet.columns
            if key.startswith(GRID_CATEGORY_PREFIX)
        ]
        self._amount_header = ""

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for row, values in self.sheet.rows():
            keys = {k: values.get(k) for k in ("number", "fiscal_year", "stage")}
            cells = [(key, category, values.get(key)) for key, category in self.categories]
            if self.keep_blank:
                cells = [c for c in cells if not is_blank(c[2])]
            if any(is_blank(v) for v in keys.values()):
                first = [(k, c, None) for k, c in self.categories[:1]] or [("number", "", None)]
                cells = cells[:1] or first
            for key, category, amount in cells:
                self._amount_header = self.sheet.header(key)
                yield row, {**keys, "category": category, "amount": amount}

    def header(self, key: str) -> str:
        if key in ("amount", "category"):
            return self._amount_header
        return self.sheet.header(key)


class CostPlanning:
    """The cost-sheet half of :class:`~saiteki.ledger.importers.planner.SystemImporter`."""

    user: Any
    _scoped: bool
    _choices: dict[str, Any]
    _file_systems: dict[str, tuple[int | None, bool]]
    _may_write_division: Any
    _division_refusal: Any
    cost_actions: list[Any]
    counts: dict[str, int]
    errors: Any
    rows: list[Any]
    unit: str
    blank: str
    lock: bool

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

    def _plan_costs(self, sheet: CostRows) -> None:
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
                    amount = clean_amount(raw_amount, unit=self.unit, maximum=MAX_AMOUNT)
                except ParseError as exc:
                    error("amount", exc.message)
            elif self.blank == BlankPolicy.KEEP:
                if self.errors.count == errors_before:
                    continue  # nothing to do for this row
            if self.errors.count > errors_before:
                continue
            cell_key = (cells["number"], fy, cells["category"], cells["stage"])
            if cell_key in seen:
                error(
                    "number",
                    gettext("同じシステム・年度・経費区分・段階の行が%(row)s行目にもあります。")
                    % {"row": seen[cell_key]},
                )
                continue
            seen[cell_key] = row
            numbers.add(cells["number"])
            parsed.append((row, cells["number"], fy, cells["category"], cells["stage"], amount))  # type: ignore[arg-type]

        # Systems referenced by the sheet: in the ledger (permission from its division) or new in this file.
        systems: dict[str, System] = {}
        number_list = sorted(numbers)
        for start in range(0, len(number_list), CHUNK):
            chunk = number_list[start : start + CHUNK]
            systems.update({s.number: s for s in System.objects.filter(number__in=chunk)})
        # Which the user may change: the policy's queryset verb, one query per chunk.
        changeable: set[int] = set()
        ids_all = [s.pk for s in systems.values()]
        for start in range(0, len(ids_all), CHUNK):
            changeable.update(
                System.objects.restrict(self.user, perms.CHANGE)
                .filter(pk__in=ids_all[start : start + CHUNK])
                .values_list("pk", flat=True)
            )
        writable: dict[str, bool] = {}
        for number in numbers:
            if number in self._file_systems:
                target, ok = self._file_systems[number]
                writable[number] = ok and self._may_write_division(target)
            elif number in systems:
                s = systems[number]
                writable[number] = s.pk in changeable and self._may_write_division(s.owning_division_id)
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
            if number not in writable and self._scoped:
                # The same answer as for another division's system: existence is not revealed.
                self.errors.add(sheet.name, row, sheet.header("number"), self._division_refusal())
                continue
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
                    key=f"{number} {fy_text(fy)} {categories[category]} {stages[stage]}",
                    title=systems[number].name if number in systems else "",
                    changes=[FieldChange("amount", gettext("金額"), display_yen(old), display_yen(amount))],
                )
            )
        self._guard_costs(sheet, systems)

    def _guard_costs(self, sheet: CostRows, systems: dict[str, System]) -> None:
        """Other capabilities' write guards (the review gate): once per system × year × stage written,
        in the dry run and again in the apply; a refusal is a row error, so nothing is written."""
        from saiteki.ledger.services import cost_write_check

        memo: dict = {}
        refusals: dict[tuple[str, int, str], str] = {}
        for action in self.cost_actions:
            if action.amount is None:
                continue  # deleting an amount records nothing
            key = (action.number, action.fiscal_year, action.stage)
            if key not in refusals:
                system = systems.get(action.number) or System(number=action.number)
                try:
                    cost_write_check(
                        user=self.user,
                        system=system,
                        fiscal_year=action.fiscal_year,
                        stage=action.stage,
                        category=None,
                        memo=memo,
                    )
                    refusals[key] = ""
                except ApplicationError as exc:
                    refusals[key] = str(exc.message)
            if refusals[key]:
                self.errors.add(sheet.name, action.row, sheet.header("stage"), refusals[key])
