"""Import of existing FAQ collections from Excel (質問・回答・分類, optionally 所管所属) through the
platform's import pipeline (upload → preview → all-or-nothing apply; ``core/importing``).

Rows become FAQ articles through the knowledge services, so every imported FAQ gets its version, its
search index row and the policy check of a form save: a system owner imports for their own 所属 only.
A question that matches an FAQ the user can read and change (same 質問) updates it; otherwise a new FAQ
is created.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core import registry as reg
from saiteki.core.errors import ParseError
from saiteki.core.importing import (
    Column,
    ErrorList,
    FieldChange,
    ImportPreview,
    RowAction,
    RowPlan,
    SheetSpec,
    as_text,
    clean_text,
    is_blank,
    normalize_header,
    open_import,
)
from saiteki.core.importing.importer import Importer

from .choices import ArticleKind, Visibility
from .models import Article, ArticleSearch, ArticleVersion, Tag

FAQ_SHEET = SheetSpec(
    key="faq",
    label=_("FAQ"),
    names=("FAQ", "よくある質問"),
    columns=(
        Column("question", _("質問"), ("問い", "Q", "質問事項")),
        Column("answer", _("回答"), ("答え", "A", "回答内容")),
        Column("category", _("分類"), ("カテゴリ", "区分")),
        Column("division", _("所管所属"), ("所属",)),
    ),
    required=("question", "answer"),
    detect=("question", "answer"),
)


@dataclass
class _Action:
    row: int
    article: Article | None
    values: dict[str, Any] = field(default_factory=dict)


class FaqImporter(Importer):
    label = _("FAQ（質問・回答・分類）")
    model = Article
    touches = (Article, ArticleVersion, ArticleSearch, Tag)

    def plan(self, source) -> ImportPreview:
        from saiteki.accounts.models import Organization

        self.check_role(self.user)
        errors = ErrorList()
        rows: list[RowPlan] = []
        self.actions: list[_Action] = []
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        divisions = {normalize_header(o.name): o for o in Organization.objects.filter(kind="division")}
        existing = {
            normalize_header(a.title): a
            for a in Article.objects.visible_to(self.user)
            .filter(kind=ArticleKind.FAQ)
            .select_related("owner_division")
        }
        seen: dict[str, int] = {}
        notes: list[str] = []
        with open_import(source, file_name=self.file_name, specs=(FAQ_SHEET,)) as upload:
            notes.extend(upload.notes())
            sheet = upload.sheets.get("faq")
            for number, values in sheet.rows() if sheet is not None else []:
                assert sheet is not None  # rows only come from the sheet
                try:
                    question = clean_text(values.get("question"), max_length=200)
                    answer = as_text(values.get("answer")).strip()
                    category = (
                        clean_text(values.get("category"), max_length=100)
                        if not is_blank(values.get("category"))
                        else ""
                    )
                except ParseError as exc:
                    errors.add(sheet.name, number, "", exc.message)
                    continue
                if not question or not answer:
                    errors.add(
                        sheet.name,
                        number,
                        sheet.header("question" if not question else "answer"),
                        gettext("空欄にできません。"),
                    )
                    continue
                key = normalize_header(question)
                if key in seen:
                    errors.add(
                        sheet.name,
                        number,
                        sheet.header("question"),
                        gettext("%(row)s行目と同じ質問です（重複）。") % {"row": seen[key]},
                    )
                    continue
                seen[key] = number
                article = existing.get(key)
                if is_blank(values.get("division")):
                    division = (
                        article.owner_division if article else getattr(self.user, "current_division", None)
                    )
                else:
                    division = divisions.get(normalize_header(as_text(values.get("division"))))
                if division is None:
                    errors.add(
                        sheet.name,
                        number,
                        sheet.header("division"),
                        gettext("所管所属を指定してください（登録されている所属名）。"),
                    )
                    continue
                refused = gettext("この行は取り込めません（自所属以外のFAQ、または権限のない内容です）。")
                if article is not None and not perms.can(self.user, perms.CHANGE, article):
                    errors.add(sheet.name, number, sheet.header("question"), refused)
                    continue
                if not perms.can_create(self.user, Article, {"owner_division": division}):
                    errors.add(sheet.name, number, sheet.header("division"), refused)
                    continue
                new = {"body": answer, "category": category, "owner_division": division}
                if article is None:
                    changes = [
                        FieldChange("title", gettext("質問"), "", question),
                        FieldChange("body", gettext("回答"), "", answer[:200]),
                        FieldChange("category", gettext("分類"), "", category),
                        FieldChange("owner_division", gettext("所管所属"), "", division.name),
                    ]
                    counts["created"] += 1
                    action = RowAction.CREATE
                else:
                    old = {
                        "body": article.body,
                        "category": article.category,
                        "owner_division": article.owner_division,
                    }
                    labels = {
                        "body": gettext("回答"),
                        "category": gettext("分類"),
                        "owner_division": gettext("所管所属"),
                    }
                    changes = [
                        FieldChange(name, labels[name], str(old[name])[:200], str(new[name])[:200])
                        for name in new
                        if (old[name].strip() if isinstance(old[name], str) else old[name])
                        != (new[name].strip() if isinstance(new[name], str) else new[name])
                    ]
                    if not changes:
                        counts["unchanged"] += 1
                        continue
                    counts["updated"] += 1
                    action = RowAction.UPDATE
                self.actions.append(_Action(number, article, {"title": question, **new}))
                rows.append(
                    RowPlan(
                        sheet=sheet.name,
                        row=number,
                        action=action,
                        key=question,
                        title=article.title if article else "",
                        changes=changes,
                    )
                )
        preview = ImportPreview(
            file_name=self.file_name,
            unit=self.unit,
            blank=self.blank,
            counts={**counts, "errors": errors.count},
            rows=rows,
            errors=list(errors.items),
            error_count=errors.count,
            notes=notes,
        )
        preview.fingerprint = preview.compute_fingerprint()
        return preview

    def execute(self) -> None:
        from .services import article_create, article_update

        reason = self.reason.format(file_name=self.file_name)
        total = len(self.actions) or 1
        for i, action in enumerate(self.actions, start=1):
            if action.article is None:
                article_create(
                    user=self.user,
                    reason=reason,
                    kind=ArticleKind.FAQ,
                    visibility=Visibility.ALL,
                    owner=self.user,
                    **action.values,
                )
            else:
                article_update(article=action.article, user=self.user, reason=reason, **action.values)
            if i % 50 == 0:
                self.progress(50 + int(i * 49 / total), gettext("%(n)s件を反映しました") % {"n": f"{i:,}"})

    @classmethod
    def template(cls, *, user, query=None, fiscal_year: int | None = None, request=None) -> bytes:
        """The FAQ the user may change, as the sheet to edit and import back (plus how to fill it in)."""
        from openpyxl import Workbook

        from saiteki.core.excel import xlsx_cell, xlsx_header_row

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("FAQ")
        ws.freeze_panes = "A2"
        xlsx_header_row(
            ws, [(str(c.label), w, False) for c, w in zip(FAQ_SHEET.columns, (50, 80, 16, 20), strict=True)]
        )
        qs = (
            Article.objects.visible_to(user)
            .filter(pk__in=Article.objects.restrict(user, perms.CHANGE).values("pk"), kind=ArticleKind.FAQ)
            .select_related("owner_division")
            .order_by("category", "title")
        )
        for a in qs:
            ws.append([xlsx_cell(ws, v) for v in (a.title, a.body, a.category, a.owner_division.name)])
        help_ws = wb.create_sheet(gettext("記入方法"))
        for line in (
            gettext("■ 記入方法"),
            gettext("・1行が1件のFAQです。「質問」と「回答」は必須です。"),
            gettext("・同じ「質問」のFAQがあり、変更できる場合は更新し、なければ新しく登録します。"),
            gettext("・「所管所属」を空欄にすると、自分の所属（更新では今の所管所属）になります。"),
            gettext("・取り込む前に、画面で変更内容を確認できます。誤りがある場合は何も反映されません。"),
        ):
            help_ws.append([xlsx_cell(help_ws, line)])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


reg.registry.register_importer("knowledge.faq", FaqImporter)
