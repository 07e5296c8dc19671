"""Display of KPI values: one place decides how a value and its unit read (1.5%, 74システム, 3.5億円)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from saiteki.core.money import format_yen_unit

register = template.Library()

_BADGES = {
    "achieved": "text-bg-success",
    "not_achieved": "text-bg-danger",
    "undetermined": "text-bg-secondary",
}
_MARKS = {"achieved": "○", "not_achieved": "×", "undetermined": "－"}


def kpi_text(value, unit: str = "") -> str:
    if value is None or value == "":
        return "－"
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if unit == "円":
        return format_yen_unit(int(d))
    text = f"{d:,.1f}" if d != d.to_integral_value() else f"{int(d):,}"
    return f"{text}{unit}"


@register.filter
def kpival(value, unit: str = "") -> str:
    """A KPI value with its unit; 「－」 when there is none."""
    return kpi_text(value, unit)


@register.filter
def status_badge(status: str) -> str:
    return _BADGES.get(status, "text-bg-secondary")


@register.filter
def status_mark(status: str) -> str:
    """A mark beside the label, so the status never reads by colour alone."""
    return _MARKS.get(status, "－")


@register.filter
def pct(value) -> str:
    if value is None:
        return "－"
    return f"{value:+.1f}%"


@register.filter
def is_number(value) -> bool:
    """A report table's numeric cell (right-aligned with separators); booleans are not numbers."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
