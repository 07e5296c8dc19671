"""Business-day arithmetic for a Japanese prefectural office.

Deadlines in reviews, inventory campaigns and incident reports are counted in 開庁日 (days the office is
open), not calendar days. An office is closed on

* Saturdays and Sundays,
* national holidays, including 振替休日 and 国民の休日 (from :mod:`jpholiday`; holidays registered there
  with ``jpholiday.register`` — e.g. a prefecture-specific day — are honoured too),
* 年末年始 (12/29–1/3), which each prefecture's holiday ordinance (県の休日を定める条例) adds and
  :mod:`jpholiday` does not know about.

Pure functions on ``datetime.date``. Holidays are looked up through ``jpholiday.is_holiday`` on every call
rather than copied into a cache of our own: jpholiday already caches each date and clears that cache on
``register``/``unregister``, so a holiday registered at start-up can never be missed here.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import jpholiday

__all__ = ["add_business_days", "business_days_between", "is_business_day", "is_year_end_closure"]

_ONE_DAY: Final = dt.timedelta(days=1)


def is_year_end_closure(d: dt.date) -> bool:
    """Whether ``d`` falls in the 年末年始 closure (December 29 – January 3 inclusive)."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def is_business_day(d: dt.date) -> bool:
    """Whether the office is open on ``d``: not a weekend, a national holiday or the 年末年始 closure."""
    if isinstance(d, dt.datetime):
        d = d.date()
    return d.weekday() < 5 and not is_year_end_closure(d) and not jpholiday.is_holiday(d)


def add_business_days(d: dt.date, n: int) -> dt.date:
    """The ``n``-th business day after ``d`` (before it when ``n`` is negative).

    ``d`` itself is never counted, so it may be a holiday: 「土曜日に受け付けた申請の1開庁日後」 is the
    following Monday (if open). ``n == 0`` returns ``d`` unchanged, even on a closed day, because "zero days
    later" should not silently move a date; use ``add_business_days(d - 1 day, 1)`` to roll forward.
    """
    if isinstance(d, dt.datetime):
        d = d.date()
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        d += step
        if is_business_day(d):
            remaining -= 1
    return d


def business_days_between(a: dt.date, b: dt.date) -> int:
    """Number of business days from ``a`` to ``b``: those after the earlier date up to and including the later.

    Signed: negative when ``b`` is before ``a``, and ``business_days_between(a, b) ==
    -business_days_between(b, a)``. Counting (earlier, later] makes it the inverse of
    :func:`add_business_days` whenever ``b`` is a business day and ``b >= a`` (or both are business days):
    ``add_business_days(a, business_days_between(a, b)) == b``. Mon→Tue is 1; the same day is 0.
    """
    if isinstance(a, dt.datetime):
        a = a.date()
    if isinstance(b, dt.datetime):
        b = b.date()
    if b < a:
        return -business_days_between(b, a)
    count = 0
    d = a
    while d < b:
        d += _ONE_DAY
        if is_business_day(d):
            count += 1
    return count
