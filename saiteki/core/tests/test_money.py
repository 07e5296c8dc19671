"""Yen parsing and display: every accepted notation, the unit rule, rounding, and round trips.

Runs under pytest-django and standalone with ``-p no:django`` (see ``_ensure_django``).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

import django
import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from saiteki.core.errors import ParseError
from saiteki.core.money import format_yen, format_yen_unit, parse_yen


def _ensure_django() -> None:
    """Configure just enough Django for lazy translations when not run under pytest-django."""
    if not django_settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        django_settings.configure(USE_I18N=True, LANGUAGE_CODE="ja", INSTALLED_APPS=[])
        django.setup()


_ensure_django()

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_FULL_WIDTH = str.maketrans("0123456789,-¥", "０１２３４５６７８９，－￥")


def assert_japanese_parse_error(exc: pytest.ExceptionInfo[ParseError], offending: str) -> None:
    """The message a user sees is Japanese and quotes what they typed."""
    with translation.override("ja"):
        message = str(exc.value)
    assert _JAPANESE.search(message), message
    assert offending in message, message


# --------------------------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0円"),
        (1, "1円"),
        (999, "999円"),
        (1000, "1,000円"),
        (1_234_567, "1,234,567円"),
        (-1_234, "-1,234円"),
        (7_400_000_000, "7,400,000,000円"),
    ],
)
def test_format_yen(n: int, text: str) -> None:
    assert format_yen(n) == text


def test_format_yen_budget_minus() -> None:
    assert format_yen(-500, minus="△") == "△500円"
    assert format_yen(500, minus="△") == "500円"


@pytest.mark.parametrize("bad", [1.5, Decimal("1"), "1", None, True])
def test_format_yen_requires_int(bad: object) -> None:
    with pytest.raises(TypeError):
        format_yen(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_yen_unit(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "unit", "digits", "text"),
    [
        (7_400_000_000, "auto", 1, "74.0億円"),
        (7_400_000_000, "億円", 1, "74.0億円"),
        (7_400_000_000, "万円", 1, "740,000.0万円"),
        (7_400_000_000, "千円", 0, "7,400,000千円"),
        (7_400_000_000, "百万円", 0, "7,400百万円"),
        (7_400_000_000, "円", 1, "7,400,000,000円"),  # digits ignored for whole yen
        (1_234_567_890_123, "auto", 1, "12,345.7億円"),
        (100_000_000, "auto", 1, "1.0億円"),
        (99_999_999, "auto", 1, "1.0億円"),  # rounds up into the larger unit rather than 「10,000.0万円」
        (94_940_000, "auto", 1, "9,494.0万円"),  # 0.9494億 rounds below 1
        (12_345_678, "auto", 1, "1,234.6万円"),
        (10_000, "auto", 1, "1.0万円"),
        (9_999, "auto", 1, "1.0万円"),
        (9_000, "auto", 1, "9,000円"),  # 0.9万 → 円; 千円 is never chosen automatically
        (5_000, "auto", 1, "5,000円"),
        (0, "auto", 1, "0円"),
        (-7_400_000_000, "auto", 1, "-74.0億円"),
        (7_400_000_000, "auto", 0, "74億円"),
        (7_412_345_678, "auto", 2, "74.12億円"),
        # half up (四捨五入), not banker's rounding: 74.45 → 74.5 and 74.55 → 74.6
        (7_445_000_000, "億円", 1, "74.5億円"),
        (7_455_000_000, "億円", 1, "74.6億円"),
        (7_444_999_999, "億円", 1, "74.4億円"),
        (-7_445_000_000, "億円", 1, "-74.5億円"),  # away from zero
        (-1, "億円", 1, "0.0億円"),  # rounds to zero: no sign
        (2_500, "千円", 0, "3千円"),
        (1_500, "千円", 0, "2千円"),
    ],
)
def test_format_yen_unit(n: int, unit: str, digits: int, text: str) -> None:
    assert format_yen_unit(n, unit, digits) == text  # type: ignore[arg-type]


def test_format_yen_unit_defaults_and_minus() -> None:
    assert format_yen_unit(7_400_000_000) == "74.0億円"
    assert format_yen_unit(-7_400_000_000, minus="△") == "△74.0億円"
    assert format_yen_unit(-500, minus="▲") == "▲500円"


def test_format_yen_unit_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        format_yen_unit(1, "兆円")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_yen_unit(1, digits=-1)


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["-", "△", "▲"]))
@hypothesis_settings(max_examples=300)
def test_format_yen_round_trip_property(n: int, minus: str) -> None:
    text = format_yen(n, minus=minus)
    assert parse_yen(text) == n
    assert parse_yen(text.translate(_FULL_WIDTH)) == n


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=0, max_value=3))
@hypothesis_settings(max_examples=300)
def test_format_yen_unit_is_within_half_a_step(n: int, digits: int) -> None:
    """A summary never misstates an amount by more than half its last displayed digit."""
    text = format_yen_unit(n, "auto", digits)
    m = re.fullmatch(r"(-?)([\d,]+(?:\.\d+)?)(億円|万円|円)", text)
    assert m, text
    scale = {"億円": 10**8, "万円": 10**4, "円": 1}[m[3]]
    shown = Decimal(m[2].replace(",", "")) * scale * (-1 if m[1] else 1)
    step = Decimal(scale) / 10 ** (digits if m[3] != "円" else 0)
    assert abs(shown - n) <= step / 2


# --------------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "yen"),
    [
        ("1,234", 1234),
        ("1234", 1234),
        ("１，２３４", 1234),
        ("１２３４", 1234),
        ("1234円", 1234),
        ("1,234円", 1234),
        ("¥1,234", 1234),
        ("￥1,234", 1234),
        ("￥１，２３４", 1234),
        ("\\1,234", 1234),  # yen sign as it arrives from CP932 CSV
        ("¥ 1,234 円", 1234),
        ("0", 0),
        ("-0", 0),
        ("-1,234", -1234),
        ("－1,234", -1234),
        ("−1,234", -1234),  # U+2212 MINUS SIGN
        ("△1,234", -1234),
        ("▲1,234", -1234),
        ("△ 1,234", -1234),
        ("-¥1,234", -1234),
        ("¥-1,234", -1234),
        ("△1,234円", -1234),
        ("1,234千円", 1_234_000),
        ("1.5千円", 1_500),
        ("1,234万円", 12_340_000),
        ("12百万円", 12_000_000),
        ("74億円", 7_400_000_000),
        ("74.5億円", 7_450_000_000),
        ("1,234.0", 1234),
        ("  1,234\u3000", 1234),
        ("9,999,999,999,999", 9_999_999_999_999),
    ],
)
def test_parse_yen_accepts(text: str, yen: int) -> None:
    assert parse_yen(text) == yen


@pytest.mark.parametrize(
    ("text", "unit", "yen"),
    [
        ("1,234", "千円", 1_234_000),
        ("１，２３４", "千円", 1_234_000),
        ("△1,234", "千円", -1_234_000),
        ("1.5", "千円", 1_500),
        ("1,234千円", "千円", 1_234_000),  # written unit agrees with the declared one
        ("¥1,234", "千円", 1_234_000),  # ¥ is a currency sign, not a unit
        ("1,234", "万円", 12_340_000),
        ("1,234円", "円", 1234),
        ("1,234", "円", 1234),
    ],
)
def test_parse_yen_declared_unit(text: str, unit: str, yen: int) -> None:
    assert parse_yen(text, unit=unit) == yen  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "unit", "yen"),
    [
        (1234, None, 1234),
        (1234, "千円", 1_234_000),
        (-5, "万円", -50_000),
        (1.5, "千円", 1_500),
        (1234.0, None, 1234),
        (0.1, "千円", 100),
        (1.1, "千円", 1_100),  # float noise (1.1000000000000000888) must not leak in
        (Decimal("1.5"), "千円", 1_500),
        (Decimal("1234"), None, 1234),
        (1e15, None, 10**15),
    ],
)
def test_parse_yen_numeric_cells(value: object, unit: str | None, yen: int) -> None:
    result = parse_yen(value, unit=unit)  # type: ignore[arg-type]
    assert result == yen
    assert type(result) is int


@pytest.mark.parametrize("blank", [None, "", "   ", "\u3000"])
def test_parse_yen_blank_is_none(blank: object) -> None:
    assert parse_yen(blank) is None
    assert parse_yen(blank, unit="千円") is None


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("1,234千円", "円"),  # conflicting units: refuse rather than guess a factor of 1000
        ("1,234円", "千円"),
        ("1,234万円", "千円"),
        ("1.5", None),  # fractional yen
        ("1.5円", None),
        ("1.2345千円", None),
        ("0.5", "円"),
        ("abc", None),
        ("1,23", None),
        ("12,34,567", None),
        ("1 234", None),
        ("△-1", None),
        ("--1", None),
        ("¥", None),
        ("円", None),
        ("-", None),
        ("1,234ドル", None),
        ("1兆円", None),
        (".5", None),
        ("1,234円円", None),
    ],
)
def test_parse_yen_rejects_with_japanese_message(text: str, unit: str | None) -> None:
    with pytest.raises(ParseError) as exc:
        parse_yen(text, unit=unit)  # type: ignore[arg-type]
    assert_japanese_parse_error(exc, text)


@pytest.mark.parametrize(
    ("value", "unit"),
    [(1.5, None), (1.0001, "千円"), (Decimal("0.1"), None), (float("nan"), None), (float("inf"), None)],
)
def test_parse_yen_rejects_bad_numeric_cells(value: object, unit: str | None) -> None:
    with pytest.raises(ParseError) as exc:
        parse_yen(value, unit=unit)  # type: ignore[arg-type]
    assert_japanese_parse_error(exc, str(value))


@pytest.mark.parametrize("value", [True, [1], object()])
def test_parse_yen_rejects_other_types(value: object) -> None:
    with pytest.raises(ParseError):
        parse_yen(value)


def test_parse_yen_rejects_unknown_declared_unit() -> None:
    with pytest.raises(ValueError):
        parse_yen("1", unit="ドル")  # type: ignore[arg-type]


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(["円", "千円", "万円", "百万円", "億円"]),
)
@hypothesis_settings(max_examples=300)
def test_parse_yen_scales_by_declared_unit(n: int, unit: str) -> None:
    factor = {"円": 1, "千円": 1_000, "万円": 10_000, "百万円": 1_000_000, "億円": 100_000_000}[unit]
    assert parse_yen(f"{n:,}", unit=unit) == n * factor  # type: ignore[arg-type]
    assert parse_yen(f"{n:,}{unit}") == n * factor
    assert parse_yen(n, unit=unit) == n * factor  # type: ignore[arg-type]
