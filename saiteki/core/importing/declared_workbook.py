"""The import template of a declared importer: every importable column, filled with the rows the
user may see, written so that it imports back with no change (tested for every ledger object)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, ClassVar

from django.utils.translation import gettext

from saiteki.core import permissions as perms
from saiteki.core.display import fy_text


class DeclaredWorkbook:
    """The template half of :class:`~saiteki.core.importing.declared.ModelImporter`."""

    model: ClassVar[Any]
    key: ClassVar[tuple[str, ...]]
    fields: ClassVar[tuple[Any, ...]]
    kind_of: ClassVar[Any]
    label_of: ClassVar[Any]

    @classmethod
    def export_value(cls, f: Any, obj) -> Any:
        if f.export is not None:
            return f.export(obj)
        kind = cls.kind_of(f)
        value = getattr(obj, f.name)
        if kind == "choice":
            return getattr(obj, f"get_{f.name}_display")() if value not in (None, "") else None
        if kind == "bool":
            return "○" if value else "×"
        if kind == "fy":
            return fy_text(value) if value else None
        if kind == "fk":
            return str(getattr(value, f.lookup)) if value is not None else None
        if kind == "m2m":
            return "、".join(sorted(str(getattr(o, f.lookup)) for o in value.all()))
        if isinstance(value, Decimal):
            return float(value)
        return value

    @classmethod
    def template_queryset(cls, user):
        return cls.model.objects.restrict(user, perms.VIEW)  # type: ignore[attr-defined]

    @classmethod
    def template(cls, *, user, query=None, fiscal_year: int | None = None, request=None) -> bytes:
        from openpyxl import Workbook

        from saiteki.core.excel import xlsx_cell, xlsx_header_row

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(str(cls.model._meta.verbose_name))
        ws.freeze_panes = "A2"
        xlsx_header_row(ws, [(str(cls.label_of(f)), f.width, False) for f in cls.fields])
        m2m = [f.name for f in cls.fields if cls.kind_of(f) == "m2m"]
        fks = [f.name for f in cls.fields if cls.kind_of(f) == "fk"]
        qs = cls.template_queryset(user).select_related(*fks).prefetch_related(*m2m)
        for obj in qs.order_by(*cls.key):
            ws.append([xlsx_cell(ws, cls.export_value(f, obj)) for f in cls.fields])
        help_ws = wb.create_sheet(gettext("記入方法"))
        help_ws.column_dimensions["A"].width = 110
        for line in cls.instructions():
            help_ws.append([xlsx_cell(help_ws, line)])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    @classmethod
    def instructions(cls) -> list[str]:
        keys = "・".join(str(cls.label_of(next(f for f in cls.fields if f.name == k))) for k in cls.key)
        return [
            gettext("■ 記入方法"),
            gettext(
                "・1行が1件です。「%(key)s」で登録済みのデータと照合し、既存は更新、新しいものは新規登録します。"
            )
            % {"key": keys},
            gettext("・列見出し（1行目）は変更しないでください。"),
            gettext("・○/×の列は「○」「×」（「はい」「いいえ」「1」「0」も可）で入力してください。"),
            gettext("・日付・年度は和暦でも西暦でも入力できます。複数の名称は「、」で区切ります。"),
            gettext(
                "・取り込む前に、画面で変更内容（変更前→変更後）を確認できます。誤りがある場合は何も反映されません。"
            ),
        ]
