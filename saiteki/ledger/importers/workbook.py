"""Workbooks to edit and import back: the 取込用テンプレート and the division survey (調査票).

Every importable column of the systems, their costs of the chosen fiscal years, 記入方法 and the 選択肢
lists behind the drop-downs; the file imports back unchanged (tested as a round trip).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from saiteki.core.display import fy_text
from saiteki.core.excel import READONLY_FILL, xlsx_cell, xlsx_header_row, xlsx_list_validation
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm, LifecycleStatus, StandardBusiness
from saiteki.ledger.importers.columns import CHUNK, COST_GRID_SHEET, COST_SHEET, EXPORTED_FIELDS, SYSTEM_SHEET
from saiteki.ledger.models import Cost, System


def ledger_workbook(
    *,
    systems,
    cost_years: list[int],
    title: str,
    instructions: Iterable[str] = (),
    unit: str = "円",
    cost_grid: bool = False,
    extra_sheets: Callable[[Workbook], Iterable[str]] | None = None,
) -> bytes:
    """A workbook that imports back unchanged: 情報システム (every importable column), 経費 (one row per
    cost cell of ``cost_years``) — or with ``cost_grid`` 経費（年度×区分）, a row per system × year × 段階
    and a column per 経費区分 as in a 予算書 (the division survey) — 記入方法 and the 選択肢 lists behind
    the drop-downs.

    Written in openpyxl's write-only mode so the template of a whole prefecture streams.
    ``extra_sheets(workbook)`` appends sheets of other capabilities (the survey's sections) after the
    costs and returns their lines for 記入方法.
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

    divisor = 1000 if unit == "千円" else 1
    if cost_grid:
        costs_ws, cost_rows = _cost_grid_sheet(wb, system_ids, cost_years, divisor, unit)
    else:
        costs_ws, cost_rows = _cost_rows_sheet(wb, system_ids, cost_years, divisor, unit)

    extra_lines = list(extra_sheets(wb)) if extra_sheets is not None else []

    help_ws = wb.create_sheet(gettext("記入方法"))
    help_ws.column_dimensions["A"].width = 110
    help_ws.append([xlsx_cell(help_ws, title)])
    for line in [*instructions, *_instructions(unit, cost_grid=cost_grid), *extra_lines]:
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
    if cost_grid:
        xlsx_list_validation(costs_ws, 3, ref(7, len(choice_lists[6])), cost_rows)
    else:
        xlsx_list_validation(costs_ws, 3, ref(6, len(choice_lists[5])), cost_rows)
        xlsx_list_validation(costs_ws, 4, ref(7, len(choice_lists[6])), cost_rows)

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cost_rows_sheet(wb, system_ids: list[int], cost_years: list[int], divisor: int, unit: str):
    """経費: one row per cost (system × year × category × 段階) of ``cost_years``."""
    grey = READONLY_FILL
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
    cost_rows = 0
    for start in range(0, len(system_ids), CHUNK):
        costs = (
            Cost.objects.filter(system_id__in=system_ids[start : start + CHUNK], fiscal_year__in=cost_years)
            .select_related("system")
            .order_by("system__number", "fiscal_year", "category", "stage")
        )
        for c in costs:
            cost_rows += 1
            costs_ws.append(
                [
                    xlsx_cell(costs_ws, c.system.number),
                    xlsx_cell(costs_ws, fy_text(c.fiscal_year)),
                    xlsx_cell(costs_ws, str(categories[c.category])),
                    xlsx_cell(costs_ws, str(stages[c.stage])),
                    xlsx_cell(costs_ws, _in_unit(c.amount, divisor), number_format="#,##0"),
                    xlsx_cell(costs_ws, c.system.name, fill=grey),
                ]
            )
    return costs_ws, cost_rows


def _cost_grid_sheet(wb, system_ids: list[int], cost_years: list[int], divisor: int, unit: str):
    """経費（年度×区分）: a row per system × year × 段階 (every combination, filled or not, so a division
    writes its amounts where a 予算書 has them) and a column per 経費区分; the total is for reading."""
    grey = READONLY_FILL
    ws = wb.create_sheet(str(COST_GRID_SHEET.label))
    ws.freeze_panes = "D2"
    categories = list(CostCategory)
    xlsx_header_row(
        ws,
        [
            (str(_("システム番号")), 14, False),
            (str(_("年度")), 20, False),
            (str(_("段階")), 10, False),
            *((f"{c.label}", 14, False) for c in categories),
            (f"{gettext('合計')}（{unit}）", 16, True),
            (str(_("システム名")), 32, True),
        ],
    )
    stages = list(CostStage)
    rows = 0
    for start in range(0, len(system_ids), CHUNK):
        chunk = system_ids[start : start + CHUNK]
        amounts: dict[tuple[int, int, str], dict[str, int]] = {}
        for system_id, fy, stage, category, amount in Cost.objects.filter(
            system_id__in=chunk, fiscal_year__in=cost_years
        ).values_list("system_id", "fiscal_year", "stage", "category", "amount"):
            amounts.setdefault((system_id, fy, stage), {})[category] = amount
        names = dict(System.objects.filter(pk__in=chunk).values_list("pk", "number"))
        titles = dict(System.objects.filter(pk__in=chunk).values_list("pk", "name"))
        for system_id in chunk:
            for fy in cost_years:
                for stage in stages:
                    cells = amounts.get((system_id, fy, stage.value), {})
                    values = [_in_unit(cells.get(c.value), divisor) for c in categories]
                    total = sum(cells.values()) if cells else None
                    ws.append(
                        [
                            xlsx_cell(ws, names[system_id]),
                            xlsx_cell(ws, fy_text(fy)),
                            xlsx_cell(ws, str(stage.label)),
                            *(xlsx_cell(ws, v, number_format="#,##0") for v in values),
                            xlsx_cell(ws, _in_unit(total, divisor), number_format="#,##0", fill=grey),
                            xlsx_cell(ws, titles[system_id], fill=grey),
                        ]
                    )
                    rows += 1
    return ws, rows


def _in_unit(amount: int | None, divisor: int):
    """Yen in the workbook's unit (円, or 千円 with a fraction where the amount is not whole 千円)."""
    if amount is None:
        return None
    return amount // divisor if amount % divisor == 0 else amount / divisor


def _instructions(unit: str, *, cost_grid: bool = False) -> list[str]:
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
        (
            gettext(
                "・「経費（年度×区分）」シートは1行がシステム番号×年度×段階で、経費区分ごとの列に金額を記入します"
                "（予算書と同じ並び）。空欄の扱いは取込時の「空欄の扱い」に従います。金額の単位は%(unit)sです。"
            )
            if cost_grid
            else gettext(
                "・「経費」シートは1行が1つの経費（システム番号×年度×経費区分×段階）です。金額の単位は%(unit)sです。"
            )
        )
        % {"unit": unit},
        gettext(
            "・取り込む前に、画面で変更内容（変更前→変更後）を確認できます。誤りがある場合は何も反映されません。"
        ),
    ]
