"""Filters shared by the apps' FilterSets.

``django_filters.NumberFilter`` reads into a Decimal of any size; a foreign-key id of 2^64 then reaches
the database driver and fails there (SQLite: ``OverflowError``, a 500). Ids and years are integers
with a range: out of range is a filter error (the list page shows nothing and says why, the API
answers 400), never a server error.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.core.forms import WarekiDateField

#: The largest value a 64-bit signed integer column (an id) holds.
MAX_ID = 2**63 - 1


class BoundedIntegerField(forms.IntegerField):
    default_error_messages = {"invalid": _("数値を入力してください。")}

    def __init__(self, *args, min_value=None, max_value=None, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """An object id (1 … 2^63−1)."""

    field_class = BoundedIntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class YearFilter(django_filters.NumberFilter):
    """A fiscal year (西暦, 1900 … 2200: wider than any column's CHECK, narrow enough to be a year)."""

    field_class = BoundedIntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2200)
        super().__init__(*args, **kwargs)


class DateFilter(django_filters.DateFilter):
    """A date as staff type it everywhere else (令和8年3月31日, R8.3.31, 2026-03-31; the API's ISO
    dates too), shown back in 和暦 — or ISO in English mode. A date that cannot be read is a filter
    error with the reader's Japanese message, never a silently ignored filter."""

    field_class = WarekiDateField
