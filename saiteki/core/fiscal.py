"""Fiscal year (年度) and Japanese era (和暦) helpers.

Everything per year in Saiteki (costs, KPIs, reviews, inventories, reports) is keyed by the fiscal year,
stored as a plain ``int``: the Gregorian year in which the fiscal year *starts* (2026 = 令和8年度 =
2026-04-01…2027-03-31). Prefectural staff read and type years and dates in 和暦 as often as in 西暦, in
full-width as often as in half-width, so parsing is deliberately lenient about *notation* and strict about
*meaning*: a date or year that never existed (平成31年5月1日, 令和0年度, 平成32年度) is rejected with a Japanese
message instead of being silently shifted.

Supported eras are 昭和, 平成 and 令和 (明治/大正 are not needed for IT assets). Dates before 昭和 still parse and
format in 西暦; asking for 和暦 there falls back to 西暦 rather than failing, because display must never crash
a page.

Fiscal-year era rule (one rule, not a list of exceptions): a fiscal year is labelled with the **newest era
in force at any time during the fiscal year whose year count has already begun in the fiscal year's
starting calendar year**. That gives the labels used in government documents:

* FY1988 → 昭和63年度 (平成 began during it, but "平成0年" does not exist),
* FY1989 → 平成元年度,
* FY2019 → 令和元年度 (it began on 2019-04-01 under 平成; the government relabelled it 令和元年度),

and is otherwise identical to "the era of the fiscal year's start date". For parsing, any era in force at
some time during the fiscal year is accepted, so both 平成31年度 and 令和元年度 read as 2019, while 平成32年度 and
昭和64年度 (fiscal years that never ran under that era) are errors.

The module is pure (no models, no settings access at import time); error messages are lazy translations
so they render in the language active when they are shown.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from saiteki.core.errors import ParseError

__all__ = [
    "ERAS",
    "HEISEI",
    "MAX_YEAR",
    "MIN_YEAR",
    "REIWA",
    "SHOWA",
    "Era",
    "era_of",
    "fiscal_year_era",
    "fiscal_year_label",
    "fiscal_year_of",
    "fiscal_year_range",
    "format_date",
    "format_date_short",
    "parse_date",
    "parse_fiscal_year",
]

#: Inclusive bounds for any year we accept from users. Wide enough for every real record, narrow enough to
#: catch typos such as 0226-04-01 or 20026年度.
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2200

DateStyle = Literal["wareki", "seireki", "iso"]
FiscalYearStyle = Literal["both", "wareki", "seireki"]


@dataclass(frozen=True, slots=True)
class Era:
    """One Japanese era: its kanji name, the romaji initial used in short forms, and its first/last day."""

    name: str
    letter: str
    start: dt.date
    end: dt.date | None  # None = the current era

    def contains(self, d: dt.date) -> bool:
        """Whether ``d`` falls within this era (both ends inclusive)."""
        return self.start <= d and (self.end is None or d <= self.end)

    def year_of(self, gregorian_year: int) -> int:
        """The era year number (1 = 元年) for a Gregorian year; may be ≤ 0 or past the era's end."""
        return gregorian_year - self.start.year + 1

    def gregorian_year(self, era_year: int) -> int:
        """The Gregorian year of era year ``era_year`` (1 = 元年)."""
        return self.start.year + era_year - 1

    def span_text(self) -> str:
        """「1989年1月8日～2019年4月30日」: used in error messages to say why an era year is impossible."""
        start = _seireki_kanji(self.start)
        return f"{start}～{_seireki_kanji(self.end)}" if self.end else f"{start}～"


SHOWA: Final = Era("昭和", "S", dt.date(1926, 12, 25), dt.date(1989, 1, 7))
HEISEI: Final = Era("平成", "H", dt.date(1989, 1, 8), dt.date(2019, 4, 30))
REIWA: Final = Era("令和", "R", dt.date(2019, 5, 1), None)

#: Oldest first. Adding the next era is one line here (plus tests for its boundary).
ERAS: Final[tuple[Era, ...]] = (SHOWA, HEISEI, REIWA)

_ERA_BY_TOKEN: Final[dict[str, Era]] = {
    **{era.name: era for era in ERAS},
    **{era.letter.lower(): era for era in ERAS},
}

_WEEKDAYS: Final = "月火水木金土日"

# Dashes people type between date parts that NFKC does not fold to "-" (IME long-vowel mark, en dash…).
_DASHES: Final = str.maketrans(dict.fromkeys("‐‑‒–—―−ーｰ", "-"))

_ERA_RE: Final = r"(?P<era>令和|平成|昭和|[RHS])"
_ERA_YEAR_RE: Final = r"(?P<year>\d{1,3}|元)"
_FY_ERA_RE: Final = re.compile(rf"{_ERA_RE}\s*{_ERA_YEAR_RE}\s*(?:年度)?", re.IGNORECASE)
_FY_SEIREKI_RE: Final = re.compile(r"(?:FY\s*)?(?P<year>\d{4})\s*(?:年度)?", re.IGNORECASE)
_FY_LABEL_RE: Final = re.compile(r"(?P<first>[^()]+?)\s*\((?P<second>[^()]+)\)")
_DATE_ERA_KANJI_RE: Final = re.compile(
    rf"{_ERA_RE}\s*{_ERA_YEAR_RE}\s*年\s*(?P<month>\d{{1,2}})\s*月\s*(?P<day>\d{{1,2}})\s*日?", re.IGNORECASE
)
_DATE_ERA_SEP_RE: Final = re.compile(
    rf"{_ERA_RE}\s*{_ERA_YEAR_RE}(?P<sep>[./-])(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})", re.IGNORECASE
)
_DATE_KANJI_RE: Final = re.compile(r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日?")
_DATE_SEP_RE: Final = re.compile(r"(?P<year>\d{4})(?P<sep>[./-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})")
_DATE_COMPACT_RE: Final = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})")
_WEEKDAY_SUFFIX_RE: Final = re.compile(rf"\s*\((?P<weekday>[{_WEEKDAYS}])\)$")


# --------------------------------------------------------------------------------------------------------
# Fiscal years
# --------------------------------------------------------------------------------------------------------


def fiscal_year_of(d: dt.date) -> int:
    """The fiscal year containing ``d``: Japanese public bodies run April 1 – March 31.

    January–March belong to the fiscal year that started the previous April, which is why this is not
    simply ``d.year``.
    """
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_range(fy: int) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of fiscal year ``fy``, for date-range filters and reports."""
    return dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)


def fiscal_year_end_or(fy: int, today: dt.date) -> dt.date:
    """The date a year's figures are taken at: its last day, or ``today`` while the year is running
    (KPIs and forecasts "as of the year's end, today for the current year")."""
    return min(fiscal_year_range(fy)[1], today)


def fiscal_year_era(fy: int) -> tuple[Era, int] | None:
    """The era and era year used to label fiscal year ``fy`` (see the module docstring for the rule).

    Returns ``None`` before 昭和 (not supported), so callers can fall back to 西暦.
    """
    candidates = _fiscal_year_eras(fy)
    if not candidates:
        return None
    era = candidates[-1]
    return era, era.year_of(fy)


def fiscal_year_label(fy: int, *, style: FiscalYearStyle = "both") -> str:
    """Display label of a fiscal year.

    ``both`` (default, as SPEC §2 asks): 「令和8年度（2026年度）」; ``wareki``: 「令和8年度」; ``seireki``: 「2026年度」.
    Year 1 of an era reads 元年 (令和元年度). Before 昭和 the 和暦 part is omitted and only 「1920年度」 is
    shown. Every label is accepted back by :func:`parse_fiscal_year`.
    """
    seireki = f"{fy}年度"
    if style == "seireki":
        return seireki
    if style not in ("both", "wareki"):
        raise ValueError(f"unknown fiscal year label style: {style!r}")
    era_year = fiscal_year_era(fy)
    if era_year is None:
        return seireki
    wareki = f"{era_year[0].name}{_era_year_text(era_year[1])}年度"
    return wareki if style == "wareki" else f"{wareki}（{seireki}）"


def parse_fiscal_year(value: object) -> int:
    """Read a fiscal year typed by a user or found in a spreadsheet cell.

    Accepted (half- or full-width, surrounding spaces ignored): 令和8年度, 令和元年度, 平成31年度, R8, R08, r8,
    H29, ㍻29, 2017年度, 2017, FY2017, the label 「令和8年度（2026年度）」 (both halves must agree), and integral
    ``int``/``float``/``Decimal`` cell values. 「年」 without 「度」 is refused on purpose: 「令和8年」 is a
    calendar year, and guessing would hide data-entry mistakes.

    Raises :class:`ParseError` (Japanese message naming the input) for blanks, garbage, impossible era years
    (令和0年度, 平成32年度, 昭和64年度) and years outside :data:`MIN_YEAR`…:data:`MAX_YEAR`.
    """
    if isinstance(value, bool):
        raise _fy_error(value)
    if isinstance(value, int | float | Decimal):
        return _parse_fiscal_year_number(value)
    if not isinstance(value, str):
        raise _fy_error(value)
    text = _normalize(value)
    if not text:
        raise ParseError(_("年度が入力されていません。"))
    label = _FY_LABEL_RE.fullmatch(text)
    if label:
        first = _parse_fiscal_year_text(label["first"], value)
        second = _parse_fiscal_year_text(label["second"], value)
        if first != second:
            raise ParseError(
                format_lazy(_("「{value}」は和暦と西暦の年度が一致しません。"), value=_shown(value)),
            )
        return first
    return _parse_fiscal_year_text(text, value)


def _parse_fiscal_year_number(value: int | float | Decimal) -> int:
    """Numeric cells: Excel hands us 2026, 2026.0 or Decimal('2026'); anything fractional is an error."""
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except ArithmeticError as exc:  # pragma: no cover - Decimal(int) cannot fail
        raise _fy_error(value) from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise _fy_error(value)
    return _check_year(int(number), value, _fy_range_error)


def _parse_fiscal_year_text(text: str, original: object) -> int:
    """Parse one normalised fiscal-year token (no label parentheses)."""
    text = text.strip()
    m = _FY_SEIREKI_RE.fullmatch(text)
    if m:
        return _check_year(int(m["year"]), original, _fy_range_error)
    m = _FY_ERA_RE.fullmatch(text)
    if not m:
        raise _fy_error(original)
    era = _ERA_BY_TOKEN[m["era"].lower()]
    era_year = 1 if m["year"] == "元" else int(m["year"])
    fy = era.gregorian_year(era_year)
    if era_year < 1 or era not in _fiscal_year_eras(fy):
        raise ParseError(
            format_lazy(
                _("「{value}」は存在しない年度です（{era}は{span}）。"),
                value=_shown(original),
                era=era.name,
                span=era.span_text(),
            )
        )
    return _check_year(fy, original, _fy_range_error)


def _fiscal_year_eras(fy: int) -> list[Era]:
    """Eras in force at some time during fiscal year ``fy`` whose count has begun by calendar year ``fy``.

    Oldest first; the last one labels the fiscal year, any of them may be used to type it.
    """
    start, end = fiscal_year_range(fy)
    return [
        era
        for era in ERAS
        if era.start <= end and (era.end is None or era.end >= start) and era.year_of(fy) >= 1
    ]


# --------------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------------


def era_of(d: dt.date) -> Era | None:
    """The era in force on ``d``, or ``None`` before 昭和 (unsupported)."""
    d = _as_date(d)
    for era in reversed(ERAS):
        if era.contains(d):
            return era
    return None


def format_date(d: dt.date, style: DateStyle = "wareki") -> str:
    """Display a date the way the user prefers (SPEC §2: 和暦 by preference).

    ``wareki``: 「令和8年4月1日」 (year 1 reads 元年: 「令和元年5月1日」; before 昭和 falls back to 西暦);
    ``seireki``: 「2026年4月1日」; ``iso``: 「2026-04-01」 (for exports and machine-readable cells).
    No zero padding in the Japanese styles, matching official documents. A ``datetime`` is formatted by its
    date part. The output is always accepted back by :func:`parse_date`.
    """
    d = _as_date(d)
    if style == "iso":
        return d.isoformat()
    if style == "seireki":
        return _seireki_kanji(d)
    if style != "wareki":
        raise ValueError(f"unknown date style: {style!r}")
    era = era_of(d)
    if era is None:
        return _seireki_kanji(d)
    return f"{era.name}{_era_year_text(era.year_of(d.year))}年{d.month}月{d.day}日"


def format_date_short(d: dt.date) -> str:
    """Compact 和暦 for dense tables: 「R8.4.1」 (year 1 is written 1: 「R1.5.1」, as forms do).

    Before 昭和 it falls back to 「1920.1.1」. Always accepted back by :func:`parse_date`.
    """
    d = _as_date(d)
    era = era_of(d)
    if era is None:
        return f"{d.year}.{d.month}.{d.day}"
    return f"{era.letter}{era.year_of(d.year)}.{d.month}.{d.day}"


def parse_date(value: object) -> dt.date:
    """Read a date typed by a user or found in a spreadsheet cell.

    Accepted (half- or full-width digits and separators, surrounding spaces ignored):

    * 和暦: 令和8年4月1日, 令和元年5月1日, R8.4.1, R08.04.01, H26/4/1, H26-4-1, S64.1.7, ㋿8.4.1;
    * 西暦: 2026-04-01, 2026/4/1, 2026.4.1, 2026年4月1日, 20260401 (also as an ``int`` cell);
    * an optional weekday suffix 「（水）」, which must match the date (a mismatch means a typo somewhere);
    * ``datetime.date`` / ``datetime.datetime`` (openpyxl cell values) pass through as a ``date``.

    Raises :class:`ParseError` (Japanese message naming the input) for blanks, garbage, impossible calendar
    dates (2026-02-30), dates outside their era (平成31年5月1日, 令和元年4月30日, 昭和64年1月8日) and years outside
    :data:`MIN_YEAR`…:data:`MAX_YEAR`. Unlike money, a blank is an error, not ``None``: callers decide
    whether a date is optional before parsing.
    """
    if isinstance(value, dt.date):
        return _as_date(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _date_error(value)
    text = _normalize(value).translate(_DASHES)
    if not text:
        raise ParseError(_("日付が入力されていません。"))
    weekday = None
    suffix = _WEEKDAY_SUFFIX_RE.search(text)
    if suffix:
        weekday = _WEEKDAYS.index(suffix["weekday"])
        text = text[: suffix.start()]
    d = _parse_date_text(text, value)
    if weekday is not None and d.weekday() != weekday:
        raise ParseError(
            format_lazy(
                _("「{value}」の曜日が日付と一致しません（{date}は{weekday}曜日です）。"),
                value=_shown(value),
                date=_seireki_kanji(d),
                weekday=_WEEKDAYS[d.weekday()],
            )
        )
    return d


def _parse_date_text(text: str, original: object) -> dt.date:
    """Match one of the accepted notations and validate the calendar and era."""
    for pattern in (_DATE_ERA_KANJI_RE, _DATE_ERA_SEP_RE):
        m = pattern.fullmatch(text)
        if m:
            era = _ERA_BY_TOKEN[m["era"].lower()]
            era_year = 1 if m["year"] == "元" else int(m["year"])
            d = _make_date(era.gregorian_year(era_year), int(m["month"]), int(m["day"]), original)
            if era_year < 1 or not era.contains(d):
                raise ParseError(
                    format_lazy(
                        _("「{value}」は{era}の期間外の日付です（{era}は{span}）。"),
                        value=_shown(original),
                        era=era.name,
                        span=era.span_text(),
                    )
                )
            return d
    for pattern in (_DATE_SEP_RE, _DATE_KANJI_RE, _DATE_COMPACT_RE):
        m = pattern.fullmatch(text)
        if m:
            return _make_date(int(m["year"]), int(m["month"]), int(m["day"]), original)
    raise _date_error(original)


def _make_date(year: int, month: int, day: int, original: object) -> dt.date:
    """Build a real calendar date in the supported range, or explain why not."""
    _check_year(year, original, _date_range_error)
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ParseError(format_lazy(_("「{value}」は存在しない日付です。"), value=_shown(original))) from exc


# --------------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------------


def _normalize(text: str) -> str:
    """Fold full-width digits, letters, punctuation and the ideographic space (NFKC), then trim.

    NFKC also expands the era ligatures ㍼ ㍻ ㋿ to 昭和 平成 令和.
    """
    return unicodedata.normalize("NFKC", text).strip()


def _as_date(d: dt.date) -> dt.date:
    """``datetime`` is a ``date`` subclass but does not compare with one; keep only the date part."""
    return d.date() if isinstance(d, dt.datetime) else d


def _era_year_text(era_year: int) -> str:
    """「元」 for the first year of an era, the number otherwise."""
    return "元" if era_year == 1 else str(era_year)


def _seireki_kanji(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _shown(value: object) -> str:
    """The offending input as shown in a message: its text, shortened so a pasted paragraph stays readable."""
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _check_year(year: int, original: object, error: Callable[[object], ParseError]) -> int:
    """Reject years outside MIN_YEAR…MAX_YEAR with the caller's (fiscal year or date) message."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise error(original)
    return year


def _fy_error(value: object) -> ParseError:
    return ParseError(
        format_lazy(
            _(
                "「{value}」を年度として読み取れません。「令和8年度」「R8」「2026年度」「2026」のように入力してください。"
            ),
            value=_shown(value),
        )
    )


def _fy_range_error(value: object) -> ParseError:
    return ParseError(
        format_lazy(
            _("「{value}」は対応範囲（{min}年度～{max}年度）外の年度です。"),
            value=_shown(value),
            min=MIN_YEAR,
            max=MAX_YEAR,
        )
    )


def _date_error(value: object) -> ParseError:
    return ParseError(
        format_lazy(
            _(
                "「{value}」を日付として読み取れません。「令和8年4月1日」「R8.4.1」「2026-04-01」のように入力してください。"
            ),
            value=_shown(value),
        )
    )


def _date_range_error(value: object) -> ParseError:
    return ParseError(
        format_lazy(
            _("「{value}」は対応範囲（{min}年～{max}年）外の日付です。"),
            value=_shown(value),
            min=MIN_YEAR,
            max=MAX_YEAR,
        )
    )
