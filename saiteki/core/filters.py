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
