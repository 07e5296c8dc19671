"""Business days of a prefectural office: weekends, national holidays (jpholiday) and 年末年始 12/29–1/3."""

from __future__ import annotations

import datetime as dt

import jpholiday
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from saiteki.core.business_days import (
    add_business_days,
    business_days_between,
    is_business_day,
    is_year_end_closure,
)

D = dt.date
# jpholiday computes each date once (~0.3 ms) and caches it; a 20-year window keeps the suite quick.
_DATES = st.dates(min_value=D(2016, 1, 1), max_value=D(2035, 12, 31))


@pytest.mark.parametrize(
    ("d", "open_"),
    [
        (D(2026, 4, 1), True),  # Wednesday
        (D(2026, 4, 4), False),  # Saturday
        (D(2026, 4, 5), False),  # Sunday
        (D(2026, 4, 29), False),  # 昭和の日
        (D(2026, 5, 6), False),  # 振替休日 for 5/3 (Sunday)
        (D(2026, 5, 7), True),
        (D(2026, 9, 22), False),  # 国民の休日 between 敬老の日 and 秋分の日
        (D(2026, 12, 28), True),  # 御用納め: last open day
        (D(2026, 12, 29), False),  # 年末年始 (a Tuesday)
        (D(2026, 12, 30), False),
        (D(2026, 12, 31), False),
        (D(2027, 1, 1), False),  # 元日
        (D(2027, 1, 2), False),
        (D(2027, 1, 3), False),
        (D(2027, 1, 4), True),  # 御用始め (a Monday)
        (D(2027, 1, 11), False),  # 成人の日
        (dt.datetime(2026, 4, 1, 9, 0), True),
    ],
)
def test_is_business_day(d: dt.date, open_: bool) -> None:
    assert is_business_day(d) is open_


@pytest.mark.parametrize(
    ("d", "closed"),
    [
        (D(2026, 12, 28), False),
        (D(2026, 12, 29), True),
        (D(2026, 12, 31), True),
        (D(2027, 1, 1), True),
        (D(2027, 1, 3), True),
        (D(2027, 1, 4), False),
    ],
)
def test_is_year_end_closure(d: dt.date, closed: bool) -> None:
    assert is_year_end_closure(d) is closed


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (D(2026, 4, 1), 0, D(2026, 4, 1)),
        (D(2026, 4, 4), 0, D(2026, 4, 4)),  # zero days never moves a date, even a Saturday
        (D(2026, 4, 1), 1, D(2026, 4, 2)),
        (D(2026, 4, 3), 1, D(2026, 4, 6)),  # Friday → Monday
        (D(2026, 4, 4), 1, D(2026, 4, 6)),  # Saturday → Monday
        (D(2026, 4, 4), -1, D(2026, 4, 3)),  # Saturday → Friday
        (D(2026, 4, 6), -1, D(2026, 4, 3)),
        (D(2026, 4, 28), 1, D(2026, 4, 30)),  # over 昭和の日
        (D(2026, 5, 1), 1, D(2026, 5, 7)),  # over Golden Week and its 振替休日
        (D(2026, 5, 7), -1, D(2026, 5, 1)),
        (D(2026, 9, 18), 1, D(2026, 9, 24)),  # over the 2026 Silver Week (21, 22, 23)
        (D(2026, 12, 28), 1, D(2027, 1, 4)),  # over 年末年始
        (D(2027, 1, 4), -1, D(2026, 12, 28)),
        (D(2026, 4, 1), 5, D(2026, 4, 8)),
        (D(2026, 4, 1), 20, D(2026, 4, 30)),  # 4/29 is a holiday
    ],
)
def test_add_business_days(d: dt.date, n: int, expected: dt.date) -> None:
    assert add_business_days(d, n) == expected


def test_add_business_days_accepts_datetime() -> None:
    assert add_business_days(dt.datetime(2026, 4, 3, 17, 0), 1) == D(2026, 4, 6)


@pytest.mark.parametrize(
    ("a", "b", "count"),
    [
        (D(2026, 4, 1), D(2026, 4, 1), 0),
        (D(2026, 4, 6), D(2026, 4, 7), 1),  # Mon → Tue
        (D(2026, 4, 3), D(2026, 4, 6), 1),  # Fri → Mon
        (D(2026, 4, 4), D(2026, 4, 5), 0),  # Sat → Sun
        (D(2026, 4, 7), D(2026, 4, 6), -1),
        (D(2026, 12, 28), D(2027, 1, 4), 1),
        (D(2026, 4, 1), D(2026, 4, 30), 20),
        (D(2026, 4, 1), D(2027, 4, 1), 241),  # a whole fiscal year of opening days
    ],
)
def test_business_days_between(a: dt.date, b: dt.date, count: int) -> None:
    assert business_days_between(a, b) == count


def test_business_days_between_matches_a_day_by_day_count() -> None:
    start, end = D(2026, 4, 1), D(2027, 3, 31)
    days = (end - start).days
    expected = sum(is_business_day(start + dt.timedelta(days=i)) for i in range(1, days + 1))
    assert business_days_between(start, end) == expected


@given(_DATES, st.integers(min_value=-300, max_value=300))
@hypothesis_settings(max_examples=200, deadline=None)  # jpholiday warms a cache per year
def test_add_lands_on_business_day_and_inverts(d: dt.date, n: int) -> None:
    result = add_business_days(d, n)
    if n == 0:
        assert result == d
        return
    assert is_business_day(result)
    assert (result > d) is (n > 0)
    if n > 0 or is_business_day(d):  # the documented inverse condition
        assert business_days_between(d, result) == n
    else:  # stepping back from a closed day: that day is not counted in between()
        assert business_days_between(d, result) == n + 1


@given(_DATES, _DATES)
@hypothesis_settings(max_examples=200, deadline=None)  # jpholiday warms a cache per year
def test_between_is_antisymmetric_and_inverse_of_add(a: dt.date, b: dt.date) -> None:
    count = business_days_between(a, b)
    assert business_days_between(b, a) == -count
    if is_business_day(b) and (b >= a or is_business_day(a)):
        assert add_business_days(a, count) == b


@given(_DATES)
@hypothesis_settings(max_examples=200, deadline=None)  # jpholiday warms a cache per year
def test_business_day_rule(d: dt.date) -> None:
    assert is_business_day(d) == (
        d.weekday() < 5
        and not is_year_end_closure(d)
        and d not in {h for h, _ in jpholiday.year_holidays(d.year)}
    )
