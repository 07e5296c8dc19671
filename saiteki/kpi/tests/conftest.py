import datetime as dt

import pytest
from django.utils import timezone

from saiteki.core.context import change_context


def at(y, m, d):
    return timezone.make_aware(dt.datetime(y, m, d, 12, 0))


@pytest.fixture
def dated():
    """``with dated(2012, 5, 1): …`` — changes in the block are logged at that moment."""

    def _ctx(y, m, d):
        return change_context(at=at(y, m, d))

    return _ctx
