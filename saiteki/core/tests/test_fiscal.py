"""Fiscal year and 和暦 helpers: examples for every accepted notation, era boundaries, and exhaustive round trips.

Runs under pytest-django (``config.settings.test``) and also standalone with ``-p no:django``: raising a
:class:`ParseError` renders its lazy message, which needs configured settings, so the module configures a
minimal Django only when nothing else has.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import django
import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from saiteki.core.errors import ParseError
from saiteki.core.fiscal import (
    HEISEI,
    REIWA,
    SHOWA,
    era_of,
    fiscal_year_era,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_range,
    format_date,
    format_date_short,
    parse_date,
    parse_fiscal_year,
)


def _ensure_django() -> None:
    """Configure just enough Django for lazy translations when not run under pytest-django."""
    if not django_settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        django_settings.configure(USE_I18N=True, LANGUAGE_CODE="ja", INSTALLED_APPS=[])
        django.setup()


_ensure_django()

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_FULL_WIDTH = str.maketrans("0123456789./-", "０１２３４５６７８９．／－")

FIRST_HEISEI_DAY = dt.date(1989, 1, 8)
LAST_TESTED_DAY = dt.date(2100, 12, 31)


def assert_japanese_parse_error(exc: pytest.ExceptionInfo[ParseError], offending: str) -> None:
    """The message a user sees is Japanese and quotes what they typed."""
    with translation.override("ja"):
        message = str(exc.value)
    assert _JAPANESE.search(message), message
    assert offending in message, message


# --------------------------------------------------------------------------------------------------------
# Fiscal years
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "fy"),
    [
        (dt.date(2026, 4, 1), 2026),
        (dt.date(2027, 3, 31), 2026),
        (dt.date(2026, 3, 31), 2025),
        (dt.date(2026, 12, 31), 2026),
        (dt.date(2027, 1, 1), 2026),
        (dt.datetime(2027, 3, 31, 23, 59), 2026),
    ],
)
def test_fiscal_year_of(d: dt.date, fy: int) -> None:
    assert fiscal_year_of(d) == fy


def test_fiscal_year_range() -> None:
    assert fiscal_year_range(2026) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert fiscal_year_range(2027) == (dt.date(2027, 4, 1), dt.date(2028, 3, 31))  # leap February inside


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
@hypothesis_settings(max_examples=300)
def test_every_date_lies_in_its_fiscal_year_range(d: dt.date) -> None:
    start, end = fiscal_year_range(fiscal_year_of(d))
    assert start <= d <= end


@pytest.mark.parametrize(
    ("fy", "both", "wareki", "seireki"),
    [
        (2026, "令和8年度（2026年度）", "令和8年度", "2026年度"),
        (2020, "令和2年度（2020年度）", "令和2年度", "2020年度"),
        (2019, "令和元年度（2019年度）", "令和元年度", "2019年度"),  # began under 平成, labelled 令和元年度
        (2018, "平成30年度（2018年度）", "平成30年度", "2018年度"),
        (1989, "平成元年度（1989年度）", "平成元年度", "1989年度"),
        (1988, "昭和63年度（1988年度）", "昭和63年度", "1988年度"),
        (1927, "昭和2年度（1927年度）", "昭和2年度", "1927年度"),
        (1920, "1920年度", "1920年度", "1920年度"),  # before 昭和: 西暦 only, never a crash
    ],
)
def test_fiscal_year_label(fy: int, both: str, wareki: str, seireki: str) -> None:
    assert fiscal_year_label(fy) == both
    assert fiscal_year_label(fy, style="both") == both
    assert fiscal_year_label(fy, style="wareki") == wareki
    assert fiscal_year_label(fy, style="seireki") == seireki


def test_fiscal_year_label_rejects_unknown_style() -> None:
    with pytest.raises(ValueError):
        fiscal_year_label(2026, style="short")  # type: ignore[arg-type]


def test_fiscal_year_era_matches_start_date_era_except_2019() -> None:
    """The documented general rule reproduces "era of the start date, except FY2019 → 令和元年度"."""
    for fy in range(1927, 2201):
        era, era_year = fiscal_year_era(fy)  # type: ignore[misc]
        if fy == 2019:
            assert (era, era_year) == (REIWA, 1)
        else:
            start_era = era_of(fiscal_year_range(fy)[0])
            assert era == start_era
            assert era_year == fy - era.start.year + 1


@pytest.mark.parametrize(
    ("text", "fy"),
    [
        ("令和8年度", 2026),
        ("令和８年度", 2026),
        ("令和 8 年度", 2026),
        ("R8", 2026),
        ("R08", 2026),
        ("r8", 2026),
        ("Ｒ８", 2026),
        ("R8年度", 2026),
        ("令和8", 2026),
        ("㋿8年度", 2026),
        ("H29", 2017),
        ("h29", 2017),
        ("平成29年度", 2017),
        ("平成31年度", 2019),
        ("H31", 2019),
        ("令和元年度", 2019),
        ("R1", 2019),
        ("令和1年度", 2019),
        ("平成元年度", 1989),
        ("昭和63年度", 1988),
        ("S63", 1988),
        ("2017年度", 2017),
        ("2017", 2017),
        ("２０１７", 2017),
        ("FY2017", 2017),
        ("fy2017", 2017),
        ("FY 2017", 2017),
        ("令和8年度（2026年度）", 2026),
        ("令和8年度(2026年度)", 2026),
        ("令和元年度（2019年度）", 2019),
        ("平成31年度（2019年度）", 2019),
        ("2026年度（令和8年度）", 2026),
        ("  令和8年度  ", 2026),
        ("\u3000令和8年度\u3000", 2026),
        ("\tR8\n", 2026),
    ],
)
def test_parse_fiscal_year_accepts(text: str, fy: int) -> None:
    assert parse_fiscal_year(text) == fy


def test_parse_fiscal_year_accepts_numeric_cells() -> None:
    from decimal import Decimal

    assert parse_fiscal_year(2026) == 2026
    assert parse_fiscal_year(2026.0) == 2026
    assert parse_fiscal_year(Decimal("2026")) == 2026


@pytest.mark.parametrize(
    "text",
    [
        "令和0年度",
        "R0",
        "平成0年度",  # FY1988 is 昭和63年度; 平成 had no year 0
        "平成32年度",  # 平成 ended 2019-04-30: FY2020 never ran under 平成
        "H32",
        "昭和64年度",  # FY1989 started 1989-04-01, under 平成
        "1899",
        "2201",
        "1899年度",
        "令和200年度",  # 2217: out of range
        "abc",
        "令和",
        "年度",
        "令和8年",  # a calendar year, not a fiscal year
        "R8.4",
        "2026-04",
        "20260",
        "FY26",
        "令和8年度（2025年度）",  # halves disagree
        "令和8年度（）",
        "大正15年度",
        "明治45年度",
    ],
)
def test_parse_fiscal_year_rejects_with_japanese_message(text: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_fiscal_year(text)
    assert_japanese_parse_error(exc, text)


@pytest.mark.parametrize("value", ["", "   ", "\u3000", None, True, 2026.5, [2026]])
def test_parse_fiscal_year_rejects_blank_and_non_text(value: object) -> None:
    with pytest.raises(ParseError) as exc:
        parse_fiscal_year(value)
    with translation.override("ja"):
        assert _JAPANESE.search(str(exc.value))


def test_parse_fiscal_year_error_is_a_parse_error_with_code() -> None:
    with pytest.raises(ParseError) as exc:
        parse_fiscal_year("平成32年度")
    assert exc.value.code == "parse_error"
    with translation.override("ja"):
        assert "平成" in str(exc.value.message)


def test_every_fiscal_year_label_round_trips() -> None:
    for fy in range(1927, 2201):
        for style in ("both", "wareki", "seireki"):
            assert parse_fiscal_year(fiscal_year_label(fy, style=style)) == fy, (fy, style)


@given(st.integers(min_value=1989, max_value=2100), st.sampled_from(["both", "wareki", "seireki"]))
@hypothesis_settings(max_examples=200)
def test_fiscal_year_label_round_trip_property(fy: int, style: str) -> None:
    label = fiscal_year_label(fy, style=style)  # type: ignore[arg-type]
    assert parse_fiscal_year(label) == fy
    assert parse_fiscal_year(label.translate(_FULL_WIDTH)) == fy


# --------------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "wareki", "seireki", "iso", "short"),
    [
        (dt.date(2026, 4, 1), "令和8年4月1日", "2026年4月1日", "2026-04-01", "R8.4.1"),
        (dt.date(2019, 5, 1), "令和元年5月1日", "2019年5月1日", "2019-05-01", "R1.5.1"),
        (dt.date(2019, 4, 30), "平成31年4月30日", "2019年4月30日", "2019-04-30", "H31.4.30"),
        (dt.date(1989, 1, 8), "平成元年1月8日", "1989年1月8日", "1989-01-08", "H1.1.8"),
        (dt.date(1989, 1, 7), "昭和64年1月7日", "1989年1月7日", "1989-01-07", "S64.1.7"),
        (dt.date(1926, 12, 25), "昭和元年12月25日", "1926年12月25日", "1926-12-25", "S1.12.25"),
        (dt.date(1926, 12, 24), "1926年12月24日", "1926年12月24日", "1926-12-24", "1926.12.24"),
    ],
)
def test_format_date(d: dt.date, wareki: str, seireki: str, iso: str, short: str) -> None:
    assert format_date(d) == wareki
    assert format_date(d, "wareki") == wareki
    assert format_date(d, style="seireki") == seireki
    assert format_date(d, style="iso") == iso
    assert format_date_short(d) == short
    for text in (wareki, seireki, iso, short):
        assert parse_date(text) == d


def test_format_date_accepts_datetime_and_rejects_unknown_style() -> None:
    assert format_date(dt.datetime(2026, 4, 1, 9, 30)) == "令和8年4月1日"
    with pytest.raises(ValueError):
        format_date(dt.date(2026, 4, 1), style="western")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("d", "era"),
    [
        (dt.date(1926, 12, 24), None),
        (dt.date(1926, 12, 25), SHOWA),
        (dt.date(1989, 1, 7), SHOWA),
        (dt.date(1989, 1, 8), HEISEI),
        (dt.date(2019, 4, 30), HEISEI),
        (dt.date(2019, 5, 1), REIWA),
    ],
)
def test_era_boundaries(d: dt.date, era: object) -> None:
    assert era_of(d) == era


@pytest.mark.parametrize(
    ("text", "d"),
    [
        ("令和8年4月1日", dt.date(2026, 4, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("令和1年5月1日", dt.date(2019, 5, 1)),
        ("R8.4.1", dt.date(2026, 4, 1)),
        ("R08.04.01", dt.date(2026, 4, 1)),
        ("r8.4.1", dt.date(2026, 4, 1)),
        ("R8年4月1日", dt.date(2026, 4, 1)),
        ("H26/4/1", dt.date(2014, 4, 1)),
        ("H26-4-1", dt.date(2014, 4, 1)),
        ("S64.1.7", dt.date(1989, 1, 7)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("H1.1.8", dt.date(1989, 1, 8)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("㍻31年4月30日", dt.date(2019, 4, 30)),
        ("2026-04-01", dt.date(2026, 4, 1)),
        ("2026/4/1", dt.date(2026, 4, 1)),
        ("2026.4.1", dt.date(2026, 4, 1)),
        ("2026年4月1日", dt.date(2026, 4, 1)),
        ("2026年 4月 1日", dt.date(2026, 4, 1)),
        ("20260401", dt.date(2026, 4, 1)),
        ("２０２６／０４／０１", dt.date(2026, 4, 1)),
        ("２０２６－０４－０１", dt.date(2026, 4, 1)),
        ("2026ー04ー01", dt.date(2026, 4, 1)),  # IME long-vowel mark typed as a dash
        ("令和８年４月１日", dt.date(2026, 4, 1)),
        ("Ｒ８．４．１", dt.date(2026, 4, 1)),
        ("２０２６年４月１日", dt.date(2026, 4, 1)),
        ("令和8年4月1日（水）", dt.date(2026, 4, 1)),
        ("2026/4/1(水)", dt.date(2026, 4, 1)),
        ("\u3000 2026-04-01 ", dt.date(2026, 4, 1)),
        ("2024-02-29", dt.date(2024, 2, 29)),
    ],
)
def test_parse_date_accepts(text: str, d: dt.date) -> None:
    assert parse_date(text) == d


def test_parse_date_passes_cell_values_through() -> None:
    assert parse_date(dt.date(2026, 4, 1)) == dt.date(2026, 4, 1)
    result = parse_date(dt.datetime(2026, 4, 1, 0, 0))
    assert result == dt.date(2026, 4, 1)
    assert type(result) is dt.date
    assert parse_date(20260401) == dt.date(2026, 4, 1)


@pytest.mark.parametrize(
    "text",
    [
        "平成31年5月1日",  # 平成 ended 2019-04-30
        "H31.5.1",
        "令和元年4月30日",  # 令和 began 2019-05-01
        "R1.4.30",
        "昭和64年1月8日",  # 昭和 ended 1989-01-07
        "平成元年1月7日",  # 平成 began 1989-01-08
        "令和0年5月1日",
        "平成32年1月1日",
        "2026-02-30",
        "2025-02-29",
        "令和8年2月30日",
        "2026-13-01",
        "2026-04-00",
        "20261301",
        "1899-12-31",
        "2201-01-01",
        "令和8年4月1日（木）",  # weekday contradicts the date
        "2026/4-1",  # mixed separators
        "2026-4",
        "26-04-01",
        "令和8年4月",
        "R8",
        "abc",
        "明治45年7月30日",
    ],
)
def test_parse_date_rejects_with_japanese_message(text: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_date(text)
    assert_japanese_parse_error(exc, text)


@pytest.mark.parametrize("value", ["", "  ", "\u3000", None, 3.5, True])
def test_parse_date_rejects_blank_and_non_text(value: object) -> None:
    with pytest.raises(ParseError) as exc:
        parse_date(value)
    with translation.override("ja"):
        assert _JAPANESE.search(str(exc.value))


@given(st.dates(min_value=FIRST_HEISEI_DAY, max_value=LAST_TESTED_DAY))
@hypothesis_settings(max_examples=500)
def test_date_round_trip_property(d: dt.date) -> None:
    for text in (
        format_date(d, "wareki"),
        format_date(d, "seireki"),
        format_date(d, "iso"),
        format_date_short(d),
    ):
        assert parse_date(text) == d, text
        assert parse_date(text.translate(_FULL_WIDTH)) == d, text


def test_every_date_round_trips() -> None:
    """Exhaustive, not sampled: every day from the first day of 平成 to 2100-12-31 (~40,000 days)."""
    d = FIRST_HEISEI_DAY
    one_day = dt.timedelta(days=1)
    while d <= LAST_TESTED_DAY:
        assert parse_date(format_date(d, "wareki")) == d
        assert parse_date(format_date(d, "seireki")) == d
        assert parse_date(format_date(d, "iso")) == d
        assert parse_date(format_date_short(d)) == d
        d += one_day
