"""Declared importer: the owners' requested amounts of their cases from a spreadsheet (one row per
case and cost category), on the platform's import pipeline (dry run, row errors in Japanese,
all-or-nothing apply with history). The cases' derived totals are recomputed after the apply."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg
from saiteki.core.importing.declared import Field, ModelImporter
from saiteki.reviews.models import CaseLine


class CaseLineImporter(ModelImporter):
    """審査案件の要求額 (key 審査案件ID + 経費区分). Only cases the user may still edit (下書き・差戻し
    for owners; any open case for the IT policy division) accept rows."""

    label = _("審査案件の要求額")
    model = CaseLine
    touches = (CaseLine,)
    uses_unit = True
    key = ("case", "category")
    sheet_names = ("要求額",)
    fields = (
        Field("case", _("審査案件ID"), lookup="pk", width=12),
        Field("category", width=24),
        Field(
            "requested_amount", _("要求額"), kind="amount", aliases=("要求額(円)", "要求額（円）"), width=16
        ),
    )

    def _parse_key(self, sheet, row: int, values: dict) -> tuple | None:
        """The category in the key as its stored value (the cell holds the Japanese label)."""
        from saiteki.core.errors import ParseError
        from saiteki.core.importing import clean_choice

        key = super()._parse_key(sheet, row, values)
        if key is None:
            return None
        try:
            return (key[0], clean_choice(values.get("category"), self._choices["category"]))
        except ParseError as exc:
            self.errors.add(sheet.name, row, sheet.header("category"), exc.message)
            return None

    def _plan_row(self, sheet, row, values, key, obj) -> None:
        from saiteki.reviews.services import may_edit_request

        planned = len(self.actions)
        super()._plan_row(sheet, row, values, key, obj)
        if len(self.actions) == planned:
            return
        case = self.actions[-1].obj.case
        if not case.has_amounts or not may_edit_request(self.user, case):
            self.errors.add(
                sheet.name,
                row,
                sheet.header("case"),
                gettext("審査案件 %(id)s は現在の状態では要求額を変更できません。") % {"id": case.pk},
            )

    def execute(self) -> None:
        from saiteki.reviews.services import case_totals_refresh

        super().execute()
        for case in {a.obj.case_id: a.obj.case for a in self.actions}.values():
            case_totals_refresh(case)


reg.registry.register_importer("reviews.case_lines", CaseLineImporter)
