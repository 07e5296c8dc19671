"""Paginators for lists whose exact count is what costs at scale (ADR 0007).

Django's ``Paginator`` asks the database twice per page: ``COUNT(*)`` of the whole list, then the page's
rows. For a list the summary tables can count (a 部局, a hosting form…) the count is read from there
instead. The count stays exact: the API's ``count`` and the list's 「N件」 are figures officers quote.

Counting with the page's own rows (``COUNT(*) OVER ()``) was measured for free-text search at 400,000
systems and rejected: 「入札」 (10,002 hits) went from 100 to 88 ms, but 「税」 (50,004 hits) from 79 ms
to 4.6 s — the window makes PostgreSQL read every hit before the first row, where the plain page walks
the number index and stops after one page.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class KnownCountPaginator(Paginator):
    """A Paginator told its count (from a summary table) instead of counting the rows; None counts."""

    def __init__(self, object_list, per_page, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return super().count
