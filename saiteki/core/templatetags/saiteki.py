"""Template filters for the Japanese display rules of SPEC §2 (fiscal years, dates, yen)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal, cast

from django import template
from django.utils import timezone
from django.utils.html import format_html

from saiteki.core.display import date_text, fy_text, is_english, yen_text
from saiteki.core.money import Unit, format_yen_unit

register = template.Library()


@register.filter
def fy(value, style: str = "both") -> str:
    """2026 → 令和8年度（2026年度）."""
    if value in (None, ""):
        return ""
    return fy_text(int(value), style=style)


@register.simple_tag(takes_context=True)
def jdate(context, value) -> str:
    """A date in the user's preferred style (和暦 or 西暦)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    request = context.get("request")
    return date_text(value, date_style=getattr(request, "date_style", "wareki"))


@register.simple_tag(takes_context=True)
def jdatetime(context, value) -> str:
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{jdate(context, local.date())} {local:%H:%M}"


@register.filter
def yen(value) -> str:
    return yen_text(value)


@register.filter
def yen_unit(value, unit: str = "auto") -> str:
    if value in (None, ""):
        return ""
    if is_english():
        return yen_text(value)  # 万円/億円 mean nothing to an English reader: ¥1,234,567
    # A template passes plain text; format_yen_unit itself rejects an unknown unit (ValueError).
    return format_yen_unit(int(value), cast(Literal["auto"] | Unit, unit))


@register.filter
def num(value) -> str:
    """Thousands separators for plain numbers (counts, GiB)."""
    if value in (None, ""):
        return ""
    if isinstance(value, float | Decimal) and value != int(value):
        return f"{value:,.1f}"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.simple_tag(takes_context=True)
def cell(context, column, value):
    """Format a table cell by the column's kind (shared by every list page)."""
    if value is None or value == "":
        return getattr(column, "empty", "")
    kind = column.kind
    if kind == "yen":
        return yen_text(value)
    if kind == "number":
        return num(value)
    if kind == "fy":
        return fy_text(int(value))
    if kind == "date":
        return jdate(context, value)
    if kind == "bool":
        return "○" if value else "－"
    return value


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs) -> str:
    """The current query string with some parameters replaced (sorting and paging links keep filters)."""
    request = context["request"]
    query = request.GET.copy()
    for key, value in kwargs.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.simple_tag
def cell_flag(column, obj):
    """The column's warning for this row as text with an icon (meaning never by colour alone)."""
    flag = column.flag(obj) if getattr(column, "flag", None) else None
    if not flag:
        return ""
    level, text = flag
    return format_html(
        '<span class="cell-flag cell-flag-{} ms-1" data-flag="{}"><span aria-hidden="true">{}</span> {}</span>',
        level,
        level,
        "⚠" if level != "info" else "ⓘ",
        text,
    )


@register.simple_tag(takes_context=True)
def karte_panels(context, system, tab):
    """The sections capabilities registered for ``tab`` of the karte (:class:`~saiteki.core.registry.KartePanel`).

    Each panel checks what the user may see and returns "" when nothing; core only joins them, so the
    ledger's template names no capability app.
    """
    from django.utils.safestring import mark_safe

    from saiteki.core.registry import registry

    request = context.get("request")
    parts = [panel.render(request, system) for panel in registry.panels_for_tab(tab)]
    return mark_safe("".join(p for p in parts if p))  # noqa: S308 - panels return rendered templates
