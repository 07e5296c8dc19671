"""Dense list tables that render on screen and export to xlsx from one column definition.

"What you see is what you export" (STYLE.md habit 6): the list page and its xlsx export use the same
:class:`Table`, the same filtered queryset and the same column order, so the spreadsheet a user
downloads is exactly the screen they were looking at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class Column:
    """One column. ``kind`` decides alignment and formatting: text, number, yen, date, fy, bool, choice."""

    name: str
    label: Any
    accessor: str | Callable[[Any], Any] | None = None
    kind: str = "text"
    order_by: str | None | bool = (
        True  # True: sort by ``name``; a string: sort by that lookup; False: unsortable
    )
    link: bool = False
    total: bool = False  # show a totals row (amounts)
    default: bool = True  # shown unless the user hides it with the column chooser
    empty: Any = ""  # shown when there is no value (e.g. 「未登録」 rather than a misleading 0円)
    # A warning beside the value, ``(level, text)`` or None: text and an icon, never colour alone.
    flag: Callable[[Any], tuple[str, Any] | None] | None = None

    @property
    def sort_key(self) -> str | None:
        if self.order_by is False:
            return None
        return self.name if self.order_by is True else self.order_by

    def value(self, obj: Any) -> Any:
        accessor = self.accessor or self.name
        if callable(accessor):
            return accessor(obj)
        value: Any = obj
        for part in accessor.split("."):
            if value is None:
                return None
            display = getattr(value, f"get_{part}_display", None)
            value = display() if display is not None and self.kind == "choice" else getattr(value, part, None)
            if callable(value) and not hasattr(value, "all"):
                value = value()
            elif hasattr(value, "all"):
                value = "、".join(str(v) for v in value.all())
        return value


@dataclass
class Table:
    columns: Sequence[Column]
    default_order: str = "pk"
    select_related: Sequence[str] = field(default_factory=tuple)
    prefetch_related: Sequence[str] = field(default_factory=tuple)

    def column_map(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def visible(self, chosen: Sequence[str] | None) -> list[Column]:
        if not chosen:
            return [c for c in self.columns if c.default]
        names = set(chosen)
        return [c for c in self.columns if c.name in names] or [c for c in self.columns if c.default]

    def order(self, qs: QuerySet, sort: str | None) -> tuple[QuerySet, str]:
        """Apply ``?sort=name`` / ``?sort=-name`` if the column is sortable; ties broken by pk for stable pages."""
        if sort:
            desc = sort.startswith("-")
            col = self.column_map().get(sort.lstrip("-"))
            if col is not None and col.sort_key:
                key = ("-" if desc else "") + col.sort_key
                return qs.order_by(key, "pk"), sort
        return qs.order_by(self.default_order, "pk"), ""

    def optimise(self, qs: QuerySet) -> QuerySet:
        # Explicit joins and prefetches so the query count does not grow with the rows shown.
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs
