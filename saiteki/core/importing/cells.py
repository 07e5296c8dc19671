"""Cell parsers and display helpers: lenient about notation, strict about meaning.

Full-width digits, 和暦/西暦 dates, amounts in a declared unit (円 or 千円), ○/× booleans and choice labels
in every UI language are read; a cell that cannot be read raises :class:`~saiteki.core.errors.ParseError`
with a Japanese message naming the value. calamine returns typed integers as floats (1001 → 1001.0)
and empty cells as ``''``: :func:`is_blank` and :func:`as_text` absorb both.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core.display import date_text, fy_text
from saiteki.core.errors import ParseError
from saiteki.core.fiscal import parse_date, parse_fiscal_year
from saiteki.core.money import format_yen, parse_yen

#: The largest amount a yen column holds (a 64-bit signed integer: PostgreSQL bigint, SQLite integer).
MAX_AMOUNT = 2**63 - 1


def normalize_header(text: object) -> str:
    """Header text for matching: NFKC (full-width → half-width), no spaces, no trailing 必須 marks."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = re.sub(r"\s+", "", value)
    return value.rstrip("*※")


def in_all_languages(text: Any, normalize: Callable[[Any], str] = normalize_header) -> list[str]:
    """A (lazy) label as it reads in each configured language, normalised; plain strings once."""
    if isinstance(text, str):
        return [normalize(text)]
    out = []
    for code, _name in getattr(settings, "LANGUAGES", [("ja", "")]):
        with translation.override(code):
            value = normalize(str(text))
        if value not in out:
            out.append(value)
    return out


_TRUE = {
    "○",
    "〇",
    "◯",
    "●",
    "✓",
    "✔",
    "はい",
    "有",
    "あり",
    "有り",
    "対象",
    "済",
    "1",
    "true",
    "yes",
    "y",
    "t",
}
_FALSE = {
    "×",
    "✕",
    "✗",
    "いいえ",
    "無",
    "なし",
    "無し",
    "対象外",
    "0",
    "false",
    "no",
    "n",
    "f",
    "-",
    "－",
    "―",
}
_LIST_SEPARATORS = re.compile(r"[、,，;；/／\n]+")


_TRUE_NORM = frozenset(re.sub(r"\s+", "", unicodedata.normalize("NFKC", t)).casefold() for t in _TRUE)
_FALSE_NORM = frozenset(re.sub(r"\s+", "", unicodedata.normalize("NFKC", f)).casefold() for f in _FALSE)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: object) -> str:
    """A cell as text: Excel turns typed numbers into floats (1001 → 1001.0); write them back as typed."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def clean_text(value: object, *, max_length: int | None = None) -> str:
    """Free text, trimmed; line breaks kept (Alt+Enter in a cell)."""
    text = as_text(value).strip()
    if max_length is not None and len(text) > max_length:
        raise ParseError(
            format_lazy(_("{max}文字以内で入力してください（{n}文字）。"), max=max_length, n=len(text))
        )
    return text


def clean_key(value: object, *, max_length: int | None = None) -> str:
    """An identifier (system number): full-width letters and digits folded to half-width."""
    return clean_text(unicodedata.normalize("NFKC", as_text(value)), max_length=max_length)


def _norm_label(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", as_text(text))).casefold()


class ChoiceMap:
    """Choice labels (in every UI language) and stored values → stored value, built once per import."""

    def __init__(self, choices: Iterable[tuple[Any, Any]]):
        self.pairs = list(choices)
        self.lookup: dict[str, Any] = {}
        for stored, label in self.pairs:
            for text in in_all_languages(label, _norm_label):
                self.lookup.setdefault(text, stored)
            self.lookup.setdefault(_norm_label(stored), stored)

    def labels(self) -> str:
        return "、".join(str(label) for _stored, label in self.pairs)


def clean_choice(value: object, choices: ChoiceMap | Iterable[tuple[Any, Any]]) -> Any:
    """A choice by its label (what the export writes, in any UI language) or by its stored value."""
    mapping = choices if isinstance(choices, ChoiceMap) else ChoiceMap(choices)
    wanted = _norm_label(value)
    if wanted in mapping.lookup:
        return mapping.lookup[wanted]
    raise ParseError(
        format_lazy(
            _("「{value}」は選択肢にありません。次のいずれかを入力してください: {labels}"),
            value=shown(value),
            labels=mapping.labels(),
        )
    )


def clean_bool(value: object) -> bool:
    """○/×, はい/いいえ, 1/0, TRUE/FALSE (and Excel's own boolean cells)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _norm_label(value)
    if text in _TRUE_NORM:
        return True
    if text in _FALSE_NORM:
        return False
    raise ParseError(
        format_lazy(
            _(
                "「{value}」を○/×として読み取れません。「○」「×」「はい」「いいえ」「1」「0」で入力してください。"
            ),
            value=shown(value),
        )
    )


def clean_date(value: object) -> datetime.date:
    """和暦 or 西暦 text, or an Excel date cell."""
    return parse_date(value)


def clean_fiscal_year(value: object) -> int:
    """「令和8年度」「R8」「2026年度」「2026」."""
    return parse_fiscal_year(value)


def clean_amount(value: object, *, unit: str, maximum: int = MAX_AMOUNT) -> int:
    """An amount in the file's declared unit, as integer yen; negatives are refused (costs are ≥ 0).

    An amount beyond the column's range is refused here, in the dry run, rather than by the database at
    the apply: a preview that shows a row as valid must apply.
    """
    yen = parse_yen(value, unit=unit)  # type: ignore[arg-type]
    if yen is None:
        raise ParseError(_("金額が入力されていません。"))
    if yen < 0:
        raise ParseError(format_lazy(_("「{value}」: 金額に負の値は入力できません。"), value=shown(value)))
    if yen > maximum:
        raise ParseError(
            format_lazy(
                _("「{value}」: 金額が大きすぎます（上限{limit}円）。"),
                value=shown(value),
                limit=f"{maximum:,}",
            )
        )
    return yen


def clean_int(value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (full-width digits and thousands separators allowed), optionally within bounds."""
    text = unicodedata.normalize("NFKC", as_text(value)).replace(",", "").strip()
    try:
        number = Decimal(text)
    except ArithmeticError as exc:
        raise ParseError(
            format_lazy(_("「{value}」を数値として読み取れません。"), value=shown(value))
        ) from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise ParseError(format_lazy(_("「{value}」は整数で入力してください。"), value=shown(value)))
    result = int(number)
    if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
        raise ParseError(
            format_lazy(
                _("「{value}」は{min}～{max}で入力してください。"),
                value=shown(value),
                min=minimum,
                max=maximum,
            )
        )
    return result


def split_names(value: object) -> list[str]:
    """A list in one cell: 「A市、B町」 (the export's separator), commas, semicolons or line breaks."""
    if is_blank(value):
        return []
    return [p.strip() for p in _LIST_SEPARATORS.split(as_text(value)) if p.strip()]


def shown(value: object) -> str:
    text = as_text(value)
    return text if len(text) <= 40 else text[:40] + "…"


def display_value(value: object) -> str:
    """A value as shown in the preview's old → new columns (Japanese conventions, blank as 「（空欄）」)."""
    if value is None or value == "" or value == []:
        return gettext("（空欄）")
    if isinstance(value, bool):
        return "○" if value else "×"
    if isinstance(value, datetime.date):
        return date_text(value)
    if isinstance(value, list | tuple | set):
        return "、".join(str(v) for v in value)
    return str(value)


def display_fiscal_year(value: int | None) -> str:
    return fy_text(value) if value else gettext("（空欄）")


def display_yen(value: int | None) -> str:
    return format_yen(value) if value is not None else gettext("（空欄）")


def int_range(mf: models.Field) -> tuple[int | None, int | None]:
    """The column's range: its validators, then what the database column can hold."""
    low, high = connection.ops.integer_field_range(mf.get_internal_type())
    for v in mf.validators:
        limit = getattr(v, "limit_value", None)
        if isinstance(limit, int):
            if getattr(v, "code", "") == "min_value":
                low = limit if low is None else max(low, limit)
            elif getattr(v, "code", "") == "max_value":
                high = limit if high is None else min(high, limit)
    return low, high


def clean_decimal(raw, mf: models.Field) -> Decimal:
    text = unicodedata.normalize("NFKC", as_text(raw)).replace(",", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ParseError(format_lazy(_("「{value}」を数値として読み取れません。"), value=shown(raw))) from exc
    if not value.is_finite():
        raise ParseError(format_lazy(_("「{value}」を数値として読み取れません。"), value=shown(raw)))
    return value
