import datetime

import pytest

from saiteki.core.fiscal import fiscal_year_of
from saiteki.ledger.tests.factories import make_system
from saiteki.reviews.models import GateSetting

FY = fiscal_year_of(datetime.date.today()) + 1  # the budget year under review


@pytest.fixture
def systems(orgs):
    """One system of the owner's division (税務課) and one of another division."""
    return {
        "own": make_system(orgs["税務課"], number="TAX-001", name="県税システム"),
        "other": make_system(orgs["教育政策課"], number="EDU-001", name="教育システム"),
    }


@pytest.fixture
def gate(db):
    """The gate on from the budget year under review."""
    return GateSetting.objects.create(enabled=True, first_fiscal_year=FY)
