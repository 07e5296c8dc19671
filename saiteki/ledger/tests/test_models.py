"""Invariants held by the database, not only by forms."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from saiteki.ledger.models import Contract, Cost, Vendor
from saiteki.ledger.tests.factories import make_cost, make_system

pytestmark = pytest.mark.django_db


def test_system_number_is_unique(orgs):
    make_system(orgs["税務課"], number="S1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_system(orgs["税務課"], number="S1")


@pytest.mark.parametrize("field", ["confidentiality", "integrity", "availability"])
def test_classification_is_1_to_3(orgs, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_system(orgs["税務課"], **{field: 4})


def test_my_number_requires_personal_information(orgs):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_system(orgs["税務課"], my_number=True, personal_info=False)


def test_one_cost_cell_per_system_year_category_stage(orgs):
    system = make_system(orgs["税務課"])
    make_cost(system)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_cost(system)


def test_costs_are_not_negative(orgs):
    system = make_system(orgs["税務課"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Cost.objects.create(system=system, fiscal_year=2026, category="other", stage="budget", amount=-1)


def test_contract_end_not_before_start(orgs):
    vendor = Vendor.objects.create(name="株式会社テスト")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(
            number="C1",
            title="t",
            vendor=vendor,
            procurement_method="general",
            fiscal_year=2026,
            start=datetime.date(2026, 4, 1),
            end=datetime.date(2026, 3, 31),
            amount=1,
        )
