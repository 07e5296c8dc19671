"""Declared importers of the resilience app, on the platform's import pipeline (dry run, row errors in
Japanese, all-or-nothing apply with history, the policy deciding every row):

* ``resilience.practices`` — each system's backup practice, answered by its owners (a system owner's
  file may only name their own systems). The template lists every system in operation the user may
  change, answered or not, so a division fills in one sheet; rows left blank are skipped.
* ``resilience.bcp`` — each system's ICT-BCP (rank, RTO/RPO, business, dependencies).
* ``resilience.email_results`` — e-mail drill results by 部局 (admins).
* ``resilience.training`` — training sessions with their attendance (admins).
"""

from __future__ import annotations

import io
from typing import ClassVar

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core import registry as reg
from saiteki.core.importing.cells import is_blank
from saiteki.core.importing.declared import Field, ModelImporter
from saiteki.core.importing.sheets import Column, SheetSpec
from saiteki.ledger.asof import IN_OPERATION
from saiteki.ledger.models import System

from .models import BackupPractice, BcpProfile, EmailDrillResult, TrainingSession


class ReadOnlyColumnsMixin:
    """Display columns of our own lists and templates (システム名, 部局 …) are recognised and skipped
    quietly instead of being reported as unknown."""

    read_only_labels: ClassVar[tuple] = ()

    @classmethod
    def sheet_spec(cls) -> SheetSpec:
        spec = super().sheet_spec()  # type: ignore[misc]
        extra = tuple(
            Column(f"_ro{i}", label, read_only=True) for i, label in enumerate(cls.read_only_labels)
        )
        return SheetSpec(
            key=spec.key,
            label=spec.label,
            names=spec.names,
            columns=spec.columns + extra,
            required=spec.required,
            detect=spec.detect,
        )


class SkipBlankRowsMixin:
    """A row with only its key filled (an unanswered system of the template) changes nothing."""

    def _plan_row(self, sheet, row, values, key, obj) -> None:
        fields = [f.name for f in self.fields if f.name not in self.key]  # type: ignore[attr-defined]
        if obj is None and all(is_blank(values.get(name)) for name in fields):
            return
        super()._plan_row(sheet, row, values, key, obj)  # type: ignore[misc]


class PracticeImporter(SkipBlankRowsMixin, ReadOnlyColumnsMixin, ModelImporter):
    """バックアップ実施状況 (key システム番号)."""

    label = _("バックアップ実施状況")
    model = BackupPractice
    touches = (BackupPractice,)
    key = ("system",)
    sheet_names = ("バックアップの適合状況", "バックアップ")
    read_only_labels = (
        _("システム名"),
        _("部局"),
        _("所管所属"),
        _("データの重要度"),
        _("基準に適合"),
        _("満たしていない要件"),
    )
    fields = (
        Field("system", _("システム番号"), lookup="number", width=14),
        Field("frequency", width=22),
        Field("generations", width=12),
        Field("offsite_location", width=28),
        Field("offline_copy", width=16),
        Field("last_restore_test", width=16),
        Field("note", width=30),
    )

    def _lookup(self, f: Field):
        """Systems are those the user may change; read as a division's survey (``division=``), only
        that division's, whoever applies the file (another division's number is an unknown one)."""
        division = self.options.get("division")
        if f.name != "system" or division is None:
            return super()._lookup(f)
        if f.name not in self._lookups:
            from saiteki.core.importing.cells import normalize_header

            qs = System.objects.restrict(self.user, perms.CHANGE).filter(owning_division=division)
            self._lookups[f.name] = {normalize_header(str(s.number)): s for s in qs}
        return self._lookups[f.name]

    @classmethod
    def write_sheet(cls, wb, systems) -> None:
        """The practice sheet: one row per system (answered or only its number), with the system's name
        and division for reading; shared by the import template and the division survey."""
        from saiteki.core.excel import READONLY_FILL, xlsx_cell, xlsx_header_row

        ws = wb.create_sheet(str(cls.model._meta.verbose_name))
        ws.freeze_panes = "B2"
        xlsx_header_row(
            ws,
            [(str(cls.label_of(f)), f.width, False) for f in cls.fields]
            + [(str(_("システム名")), 36, True), (str(_("所管所属")), 20, True)],
        )
        for s in systems.select_related("backup_practice", "owning_division").order_by("number"):
            practice = getattr(s, "backup_practice", None)
            if practice is not None:
                cells = [cls.export_value(f, practice) for f in cls.fields]
            else:
                cells = [s.number] + [None] * (len(cls.fields) - 1)
            ws.append(
                [xlsx_cell(ws, v) for v in cells]
                + [
                    xlsx_cell(ws, s.name, fill=READONLY_FILL),
                    xlsx_cell(ws, s.owning_division.name, fill=READONLY_FILL),
                ]
            )

    @classmethod
    def answer_lines(cls) -> list[str]:
        """How to answer the sheet (記入方法)."""
        return [
            gettext("・未回答のシステムは番号だけが入っています。空欄のままの行は取り込みません。"),
            gettext(
                "・取得頻度は「常時（レプリケーション等）」「毎日」「毎週」「毎月」「取得していない」のいずれか。"
                "遠隔地の保管先は庁舎外の保管先（ない場合は空欄）、最終リストア試験日は成功した試験の日付です。"
            ),
        ]

    @classmethod
    def template(cls, *, user, query=None, fiscal_year: int | None = None, request=None) -> bytes:
        """Every system in operation the user may change, with its practice when answered."""
        from openpyxl import Workbook

        from saiteki.core.excel import xlsx_cell

        wb = Workbook(write_only=True)
        cls.write_sheet(wb, System.objects.restrict(user, perms.CHANGE).filter(status__in=IN_OPERATION))
        help_ws = wb.create_sheet(gettext("記入方法"))
        help_ws.column_dimensions["A"].width = 110
        for line in [*cls.instructions(), *cls.answer_lines()]:
            help_ws.append([xlsx_cell(help_ws, line)])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


class PracticeSurveyImporter(PracticeImporter):
    """The backup sheet of the division survey. Its key column is 「対象システム番号」, not 「システム番号」:
    a survey workbook also holds the ledger's sheets, and a sheet is recognised by its name or else by
    its key column, so with one shared key header the ledger would take this sheet for its 情報システム
    and this importer would take 情報システム for its own. Not in the import menu (not registered as an
    importer); the survey calls it through its :class:`~saiteki.core.registry.SurveySection`."""

    name = "resilience.practices_survey"
    fields = (
        Field("system", _("対象システム番号"), lookup="number", width=16),
        *(f for f in PracticeImporter.fields if f.name != "system"),
    )


def practice_survey_sheet(wb, *, division, fiscal_year: int | None = None) -> list[str]:
    """The division survey's backup sheet: the division's systems in operation with their practice."""
    PracticeSurveyImporter.write_sheet(
        wb, System.objects.filter(owning_division=division, status__in=IN_OPERATION)
    )
    return [
        "",
        gettext("■ バックアップの実施状況（「%(sheet)s」シート）")
        % {"sheet": PracticeImporter.model._meta.verbose_name},
        gettext(
            "・システムごとに、実際のバックアップの取り方を記入してください。"
            "データの重要度に応じたバックアップ基準への適合状況の確認に使います。"
        ),
        *PracticeImporter.answer_lines(),
    ]


class BcpImporter(SkipBlankRowsMixin, ReadOnlyColumnsMixin, ModelImporter):
    """ICT-BCP（システム別） (key システム番号)."""

    label = _("ICT-BCP（システム別）")
    model = BcpProfile
    touches = (BcpProfile,)
    key = ("system",)
    sheet_names = ("ICT-BCP",)
    read_only_labels = (_("システム名"), _("部局"))
    fields = (
        Field("system", _("システム番号"), lookup="number", width=14),
        Field("rank", width=14),
        Field("rto_hours", width=12),
        Field("rpo_hours", width=12),
        Field("priority_business", width=30),
        Field("depends_on", lookup="number", width=24),
        Field("workaround", width=30),
        Field("note", width=24),
    )

    def _lookup(self, f: Field):
        """Dependencies may name the systems the user may see (owners: their own division's); links to
        other divisions' systems already recorded are kept (the pipeline's rule for links)."""
        if f.name != "depends_on":
            return super()._lookup(f)
        if f.name not in self._lookups:
            from saiteki.core.importing.cells import normalize_header

            qs = System.objects.restrict(self.user, perms.VIEW)
            self._lookups[f.name] = {normalize_header(str(s.number)): s for s in qs}
        return self._lookups[f.name]

    def _plan_row(self, sheet, row, values, key, obj) -> None:
        planned = len(self.actions)
        super()._plan_row(sheet, row, values, key, obj)
        if len(self.actions) == planned:
            return
        action = self.actions[-1]
        system_id = getattr(action.obj, "system_id", None)
        if system_id in action.m2m.get("depends_on", set()):
            self.actions.pop()
            self.rows.pop()
            self.counts["created" if action.creating else "updated"] -= 1
            self.errors.add(
                sheet.name, row, sheet.header("depends_on"), gettext("システム自身を依存先にはできません。")
            )


class EmailResultImporter(ReadOnlyColumnsMixin, ModelImporter):
    """標的型攻撃メール訓練の結果 (key 訓練名 + 部局)."""

    label = _("標的型攻撃メール訓練の結果")
    model = EmailDrillResult
    touches = (EmailDrillResult,)
    key = ("drill", "bureau")
    sheet_names = ("メール訓練結果",)
    fields = (
        Field("drill", _("訓練"), lookup="title", aliases=("訓練名",), width=36),
        Field("bureau", lookup="name", width=20),
        Field("sent", width=10),
        Field("opened", width=10),
        Field("clicked", width=10),
        Field("reported", width=10),
    )

    def _lookup(self, f: Field):
        if f.name != "bureau":
            return super()._lookup(f)
        if f.name not in self._lookups:
            from saiteki.accounts.choices import OrganizationKind
            from saiteki.accounts.models import Organization
            from saiteki.core.importing.cells import normalize_header

            qs = Organization.objects.filter(kind=OrganizationKind.BUREAU)
            self._lookups[f.name] = {normalize_header(o.name): o for o in qs}
        return self._lookups[f.name]


class TrainingImporter(ModelImporter):
    """研修 (key 研修名)."""

    label = _("研修")
    model = TrainingSession
    touches = (TrainingSession,)
    key = ("title",)
    fields = (
        Field("title", width=40),
        Field("held_on", width=14),
        Field("kind", width=24),
        Field("target", width=24),
        Field("attendees", width=10),
        Field("note", width=24),
    )


reg.registry.register_importer("resilience.practices", PracticeImporter)
reg.registry.register_importer("resilience.bcp", BcpImporter)
reg.registry.register_importer("resilience.email_results", EmailResultImporter)
reg.registry.register_importer("resilience.training", TrainingImporter)
reg.registry.register_survey_section(
    reg.SurveySection(
        key="resilience.backup",
        label=_("バックアップの実施状況"),
        importer=PracticeSurveyImporter,
        write=practice_survey_sheet,
        order=10,
    )
)
