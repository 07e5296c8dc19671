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
    # A column computed from several fields: their dotted paths and a function of their values. The
    # screen passes the object's values, the xlsx export plain values read in one query
    # (saiteki.core.exporting.rows): one formula for both, and no model objects for a 10,000-row export.
    values: tuple[str, ...] = ()
    compute: Callable[..., Any] | None = None

    @property
    def sort_key(self) -> str | None:
        if self.order_by is False:
            return None
        return self.name if self.order_by is True else self.order_by

    def value(self, obj: Any) -> Any:
        if self.compute is not None:
            return self.compute(*(self._path_value(obj, p, display=False) for p in self.values))
        accessor = self.accessor or self.name
        if callable(accessor):
            return accessor(obj)
        return self._path_value(obj, accessor, display=self.kind == "choice")

    def _path_value(self, obj: Any, path: str, *, display: bool) -> Any:
        """Follow a dotted path. A many-valued relation on the way (``systems.number``) gives its
        objects' values joined with 「、」, or their count in a number column."""
        value: Any = obj
        parts = path.split(".")
        for i, part in enumerate(parts):
            if value is None:
                return None
            shown = getattr(value, f"get_{part}_display", None) if display else None
            value = shown() if shown is not None else getattr(value, part, None)
            if hasattr(value, "all"):
                items = list(value.all())
                if self.kind == "number":
                    return len(items)
                rest = ".".join(parts[i + 1 :])
                texts = (self._path_value(v, rest, display=display) if rest else v for v in items)
                return "、".join(str(t) for t in texts if t is not None and t != "")
            if callable(value):
                value = value()
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
