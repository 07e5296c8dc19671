"""Yen amounts: parsing and display.

Money is stored as an ``int`` number of yen (SPEC §2) — never a float, so totals add up exactly. What
arrives from users and spreadsheets is messier: full-width digits, 「¥」 or 「円」, budget-style minus signs
(「△」「▲」 are how Japanese budget documents write negatives) and whole columns declared in 千円 or 万円.
Parsing folds all of that into yen and refuses anything that would need guessing: a fractional yen result,
or a unit written in the cell that contradicts the unit declared for the column.

Display has two forms: exact (「1,234,567円」, for ledgers and forms) and summarised (「74.0億円」, for
dashboards and reports), rounded half up (四捨五入, what staff expect from Excel's ROUND) via ``Decimal``.

Pure functions; error messages are lazy Japanese translations (Japanese is the source language).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Final, Literal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from saiteki.core.errors import ParseError

__all__ = ["AUTO_UNITS", "UNITS", "format_yen", "format_yen_unit", "parse_yen"]

Unit = Literal["円", "千円", "万円", "百万円", "億円"]

#: Power of ten of each unit. 千円 and 百万円 are the usual units of budget and settlement documents,
#: 万円 and 億円 of summaries.
UNITS: Final[dict[str, int]] = {"円": 0, "千円": 3, "万円": 4, "百万円": 6, "億円": 8}

#: Units that ``unit="auto"`` chooses from. 千円/百万円 are column conventions of budget tables, not how
#: anyone reads a single amount aloud, so a summary never shows 「5.0千円」 but 「5,000円」.
AUTO_UNITS: Final[tuple[Unit, ...]] = ("億円", "万円", "円")

_MINUS_SIGNS: Final = "-△▲"
# Minus-like characters NFKC leaves alone (U+2212 MINUS SIGN, hyphens, dashes); folded to "-".
_DASHES: Final = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))
_AMOUNT_RE: Final = re.compile(
    rf"(?P<sign1>[{_MINUS_SIGNS}])?\s*"
    r"(?P<currency>[¥\\])?\s*"  # "\" is how a yen sign arrives from Shift_JIS/CP932 CSV files
    rf"(?P<sign2>[{_MINUS_SIGNS}])?\s*"
    r"(?P<integer>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?\s*"
    r"(?P<unit>億円|百万円|万円|千円|円)?"
)


def format_yen(n: int, *, minus: str = "-") -> str:
    """Exact amount with thousands separators: ``1234567`` → 「1,234,567円」, ``-500`` → 「-500円」.

    ``minus="△"`` gives the budget-document style 「△500円」. The result always parses back with
    :func:`parse_yen`.
    """
    _require_int(n)
    sign = minus if n < 0 else ""
    return f"{sign}{abs(n):,}円"


def format_yen_unit(
    n: int, unit: Literal["auto"] | Unit = "auto", digits: int = 1, *, minus: str = "-"
) -> str:
    """Summary amount in a larger unit: ``7_400_000_000`` → 「74.0億円」, ``12_345_678`` → 「1,234.6万円」.

    ``unit="auto"`` picks the largest of 億円/万円/円 in which the *rounded* amount is at least 1, so
    99,999,999 reads 「1.0億円」 rather than 「10,000.0万円」. Rounding is half up, away from zero (四捨五入,
    like Excel's ROUND): 74.45億 → 「74.5億円」, -74.45億 → 「-74.5億円」; an amount that rounds to zero is shown
    without a sign. ``digits`` is the number of decimals; with ``unit="円"`` it is ignored because yen are
    whole and the exact :func:`format_yen` form is returned.
    """
    _require_int(n)
    if digits < 0:
        raise ValueError("digits must be >= 0")
    if unit == "auto":
        unit = next(u for u in AUTO_UNITS if u == "円" or _rounded(abs(n), u, digits) >= 1)
    elif unit not in UNITS:
        raise ValueError(f"unknown unit: {unit!r}")
    if unit == "円":
        return format_yen(n, minus=minus)
    value = _rounded(abs(n), unit, digits)
    sign = minus if n < 0 and value != 0 else ""
    return f"{sign}{value:,.{digits}f}{unit}"


def parse_yen(value: object, *, unit: Unit | None = None) -> int | None:
    """Read an amount in yen from user input or a spreadsheet cell; a blank cell gives ``None``.

    Text may use half- or full-width digits and commas, a leading 「¥」/「￥」, a trailing unit
    (円/千円/万円/百万円/億円) and a minus written 「-」「−」「△」 or 「▲」. Numeric cells (``int``, ``float``,
    ``Decimal``) are read as numbers of ``unit``.

    ``unit`` declares the unit of the column (budget documents are usually in 千円). Rule for units: a unit
    written in the text must *agree* with the declared one — 「1,234千円」 in a column declared 円 is
    rejected rather than one of them silently winning, because either choice is a factor-1000 error if
    wrong. Without a declaration (``unit=None``) the unit in the text applies, and plain numbers are 円.
    「¥」 is a currency sign, not a unit: Excel's currency format shows 「¥1,234」 on sheets in 千円, so it
    never conflicts.

    Decimals are allowed as long as the result is whole yen (1.5 千円 = 1,500円); a fractional yen is an
    error, never rounded. Raises :class:`ParseError` with a Japanese message naming the input.
    """
    if unit is not None and unit not in UNITS:
        raise ValueError(f"unknown unit: {unit!r}")
    if value is None:
        return None
    if isinstance(value, bool):
        raise _garbage(value)
    if isinstance(value, int):
        return value * 10 ** UNITS[unit or "円"]
    if isinstance(value, float | Decimal):
        # repr() is the shortest text that round-trips the float: 1.1 stays 1.1, not 1.1000000000000000888.
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if not number.is_finite():
            raise _garbage(value)
        return _to_yen(number, unit or "円", value)
    if not isinstance(value, str):
        raise _garbage(value)

    text = unicodedata.normalize("NFKC", value).translate(_DASHES).strip()
    if not text:
        return None
    m = _AMOUNT_RE.fullmatch(text)
    if not m or (m["sign1"] and m["sign2"]):
        raise _garbage(value)
    written_unit = m["unit"]
    if written_unit and unit and written_unit != unit:
        raise ParseError(
            format_lazy(
                _("「{value}」の単位（{written}）が指定された単位（{declared}）と異なります。"),
                value=_shown(value),
                written=written_unit,
                declared=unit,
            )
        )
    number = Decimal(m["integer"].replace(",", "") + "." + (m["fraction"] or "0"))
    if m["sign1"] or m["sign2"]:
        number = -number
    return _to_yen(number, written_unit or unit or "円", value)


def _to_yen(number: Decimal, unit: str, original: object) -> int:
    """Scale ``number`` of ``unit`` to yen exactly; refuse a fractional yen instead of rounding it away."""
    with localcontext(prec=100):
        yen = number.scaleb(UNITS[unit])
        if yen != yen.to_integral_value():
            raise ParseError(
                format_lazy(
                    _(
                        "「{value}」は1円未満の端数を含みます（単位: {unit}）。金額は1円単位で入力してください。"
                    ),
                    value=_shown(original),
                    unit=unit,
                )
            )
        return int(yen)


def _rounded(n: int, unit: str, digits: int) -> Decimal:
    """``n`` yen expressed in ``unit``, rounded half up to ``digits`` decimals (exact: powers of ten)."""
    with localcontext(prec=100):
        return Decimal(n).scaleb(-UNITS[unit]).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _require_int(n: object) -> None:
    """Stored amounts are ints; a float here is a bug upstream that would print 1,234.5円, so fail loudly."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"amount must be an int number of yen, got {type(n).__name__}")


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _garbage(value: object) -> ParseError:
    return ParseError(
        format_lazy(
            _(
                "「{value}」を金額として読み取れません。「1,234」「1,234円」「△1,234」のように入力してください。"
            ),
            value=_shown(value),
        )
    )
