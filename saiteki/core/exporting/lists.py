"""The xlsx export of a list page: exactly the screen's rows and columns, with a title that says what
they are (year, stage, filter in words, sort, count, who exported it and when).

Used by :class:`saiteki.core.views.generic.ObjectListView` for ``?export=xlsx``; every list view is also
registered as an exporter (``registry.exporters["ledger.system"]``) so other parts of the platform can
find and run a model's list export without importing the app.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from saiteki.core.display import date_text, fy_text
from saiteki.core.exporting.rows import TableRows
from saiteki.core.exporting.writer import ExcelWorkbook, SheetColumn
from saiteki.core.tables import Column, Table


def _is_empty(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or (isinstance(value, list | tuple | set | models.QuerySet) and not value)
    )


def _choice_label(choices: Iterable, value: Any) -> Any:
    for key, label in choices:
        if isinstance(label, list | tuple):  # optgroup
            found = _choice_label(label, value)
            if found is not None:
                return found
        elif str(key) == str(value):
            return label
    return None


def value_in_words(name: str, field: forms.Field, value: Any, raw: Any, *, date_style: str = "wareki") -> str:
    """One filter value as a person reads it: labels instead of codes, 和暦 years and dates."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return "、".join(value_in_words(name, field, v, v, date_style=date_style) for v in value)
    widget_choices = getattr(field.widget, "choices", None)
    if widget_choices and not isinstance(field, forms.ModelChoiceField):
        label = _choice_label(widget_choices, raw if raw not in (None, "") else value)
        if label is not None and str(label):
            return str(label)
    choices = getattr(field, "choices", None)
    if choices and not isinstance(field, forms.ModelChoiceField):
        label = _choice_label(choices, value)
        if label is not None:
            return str(label)
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if isinstance(value, int) and ("fiscal_year" in name or name.endswith("_fy")):
        return fy_text(value)
    if isinstance(value, datetime.date):
        return date_text(value, date_style=date_style)
    if isinstance(value, str):
        return f"「{value}」"
    return str(value)


def filter_in_words(filterset, *, exclude: Sequence[str] = (), date_style: str = "wareki") -> str:
    """「部局: 総務部、状態: 運用中、キーワード: 「税」」 — the filter of a list as a sentence; "" if none."""
    if filterset is None or not filterset.is_bound or not filterset.is_valid():
        return ""
    form = filterset.form
    parts = []
    for name, field in form.fields.items():
        if name in exclude:
            continue
        value = form.cleaned_data.get(name)
        if _is_empty(value):
            continue
        raw = form.data.get(name) if hasattr(form.data, "get") else None
        label = str(field.label or name)
        parts.append(f"{label}: {value_in_words(name, field, value, raw, date_style=date_style)}")
    return "、".join(parts)


def sort_in_words(table: Table, sort: str) -> str:
    """「経費（表示年度）の降順」 for ``?sort=-cost_total``; "" for the default order."""
    if not sort:
        return ""
    column = table.column_map().get(sort.lstrip("-"))
    if column is None:
        return ""
    direction = _("降順") if sort.startswith("-") else _("昇順")
    return _("%(column)sの%(direction)s") % {"column": column.label, "direction": direction}


def exported_by(user, *, date_style: str = "wareki") -> str:
    """「令和8年11月29日 19:40 出力（山田 太郎）」: when and by whom, printed on every export."""
    now = timezone.localtime()
    who = (getattr(user, "display_name", "") or user.get_username()) if user is not None else ""
    when = f"{date_text(now.date(), date_style=date_style)} {now:%H:%M}"
    return (
        _("%(when)s 出力（%(who)s）") % {"when": when, "who": who}
        if who
        else _("%(when)s 出力") % {"when": when}
    )


#: The header row of a list export (1-based, as Excel numbers rows): title, details, then the header.
LIST_HEADER_ROW = 3


def list_workbook(
    *,
    title: str,
    table: Table,
    columns: Sequence[Column],
    queryset: models.QuerySet,
    scope: Sequence[str] = (),
    filters: str = "",
    sort: str = "",
    user=None,
    date_style: str = "wareki",
) -> tuple[ExcelWorkbook, int]:
    """Write the list's workbook; returns the open writer (for :func:`xlsx_response`) and the row count.

    Row 1: the title and its scope (「情報システム台帳　令和8年度（2026年度）　予算額」); row 2: filter, sort,
    count, who and when; row 3: the screen's headers; data from row 4. The import finds the header
    row (it searches the first rows) and ignores the lines above it.
    """
    count = queryset.count()
    heading = "　".join([str(title), *(str(s) for s in scope if s)])
    details = [
        _("絞り込み: %(filters)s") % {"filters": filters} if filters else _("絞り込み: なし"),
        _("並び順: %(sort)s") % {"sort": sort} if sort else "",
        ngettext("%(n)s件", "%(n)s件", count) % {"n": f"{count:,}"},
        exported_by(user, date_style=date_style),
    ]
    book = ExcelWorkbook(date_style=date_style)
    sheet = book.add_sheet(
        str(title),
        [SheetColumn(str(c.label), kind=c.kind) for c in columns],
        title=heading,
        subtitle="　".join(d for d in details if d),
    )
    written = sheet.write_rows(TableRows(columns, queryset))
    return book, written


@dataclass(frozen=True)
class ListExporter:
    """A list page's xlsx export as registered in ``registry.exporters`` (under ``app_label.model``).

    ``response(request)`` runs the same export as the page's ``?export=xlsx`` for the request's user
    and query string: same permission check, queryset restriction, FilterSet and audit record.
    """

    name: str
    view_class: Any  # an ObjectListView subclass (core.views imports this module)

    @property
    def model(self) -> type[models.Model]:
        return self.view_class.model

    @property
    def title(self) -> str:
        return str(self.view_class.title or self.model._meta.verbose_name_plural)

    def response(self, request):
        view = self.view_class()
        view.setup(request)
        return view.export_response(request)
