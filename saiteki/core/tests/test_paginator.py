"""A paginator told its count (from a summary table) does not count the rows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saiteki.core.paginator import KnownCountPaginator

pytestmark = pytest.mark.django_db


def test_known_count_is_not_counted_and_none_counts():
    Group.objects.bulk_create(Group(name=f"g{i:02d}") for i in range(7))
    groups = Group.objects.order_by("name")
    with CaptureQueriesContext(connection) as ctx:
        assert KnownCountPaginator(groups, 5, count=99).count == 99
    assert not ctx.captured_queries
    assert KnownCountPaginator(groups, 5).count == 7
    assert [g.name for g in KnownCountPaginator(groups, 5, count=7).page(2)] == ["g05", "g06"]
