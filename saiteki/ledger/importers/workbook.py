"""Workbooks to edit and import back: the 取込用テンプレート and the division survey (調査票).

Every importable column of the systems, their costs of the chosen fiscal years, 記入方法 and the 選択肢
lists behind the drop-downs; the file imports back unchanged (tested as a round trip).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from saiteki.core.display import fy_text
from saiteki.core.excel import READONLY_FILL, xlsx_cell, xlsx_header_row, xlsx_list_validation
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm, LifecycleStatus, StandardBusiness
from saiteki.ledger.importers.columns import CHUNK, COST_SHEET, EXPORTED_FIELDS, SYSTEM_SHEET
from saiteki.ledger.models import Cost


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
                    xlsx_cell(costs_ws, fy_text(c.fiscal_year)),
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
