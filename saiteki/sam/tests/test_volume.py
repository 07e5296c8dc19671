"""The volume-licence recommendation: the current mix's cost over N years against an offer's price
table, the saving and the break-even year — worked by hand, then through the service on real licences."""

from __future__ import annotations

import datetime

import pytest

from saiteki.core.context import change_context
from saiteki.core.errors import ApplicationError
from saiteki.sam import offers, services
from saiteki.sam import volume as vol
from saiteki.sam.choices import EntitlementType
from saiteki.sam.models import Scan, VolumeOffer
from saiteki.sam.tests.conftest import make_entitlement

pytestmark = pytest.mark.django_db

TIERS = [vol.Tier(1, 30_000, 0), vol.Tier(100, 20_000, 2_000), vol.Tier(500, 15_000, 1_500)]


def test_the_band_is_the_largest_minimum_not_above_the_quantity():
    assert vol.tier_for(TIERS, 99).min_quantity == 1
    assert vol.tier_for(TIERS, 100).min_quantity == 100
    assert vol.tier_for(TIERS, 499).min_quantity == 100
    assert vol.tier_for(list(reversed(TIERS)), 10_000).min_quantity == 500
    assert vol.tier_for([vol.Tier(50, 1, 1)], 10).min_quantity == 50  # below every band: the smallest
    assert vol.tier_for([], 10) is None


def test_costs_saving_and_break_even_by_hand():
    # 200 perpetual licences at 50,000 yen replaced every 5 years (2,000,000 a year), 20 short.
    current = vol.CurrentMix(
        perpetual_units=200, perpetual_unit_price=50_000, shortfall=20, replacement_years=5
    )
    out = vol.compare(current, TIERS, quantity=220, years=5)
    assert out.tier == TIERS[1]
    # Year 1: recurring 2,000,000 + 20 × 50,000 to comply; later years 2,000,000.
    assert [r.current for r in out.years] == [3_000_000, 2_000_000, 2_000_000, 2_000_000, 2_000_000]
    # Offer: 220 × 20,000 once, 220 × 2,000 every year.
    assert [r.offer for r in out.years] == [4_840_000, 440_000, 440_000, 440_000, 440_000]
    assert out.current_total == 11_000_000 and out.offer_total == 6_600_000
    assert out.saving == 4_400_000
    # Cumulative: 3.00M vs 4.84M (year 1), 5.00M vs 5.28M (year 2), 7.00M vs 5.72M (year 3).
    assert out.break_even_year == 3
    assert out.years[2].cumulative_saving == 1_280_000


def test_an_offer_that_never_pays_has_no_break_even_and_a_negative_saving():
    current = vol.CurrentMix(subscription_units=10, subscription_annual_price=1_000)
    out = vol.compare(current, [vol.Tier(1, 5_000, 2_000)], quantity=10, years=3)
    assert out.break_even_year is None
    assert out.saving == 3 * 10_000 - (50_000 + 3 * 20_000)


def test_an_offer_cheaper_from_the_start_breaks_even_in_year_one():
    current = vol.CurrentMix(subscription_units=100, subscription_annual_price=12_000)
    out = vol.compare(current, [vol.Tier(1, 0, 9_000)], quantity=100, years=4)
    assert out.break_even_year == 1
    assert out.saving == 4 * 100 * 3_000


def test_offer_compare_reads_the_licences_and_the_latest_run(sam_world, role_users):
    admin, orgs, cad = role_users["admin"], sam_world["orgs"], sam_world["cad"]
    today = datetime.date.today()
    with change_context(reason="test"):
        # 2 perpetual CAD licences at 60,000 and a one-year subscription of 1 at 24,000.
        make_entitlement(cad, orgs["税務課"], 2, number="CAD-1", unit_cost=60_000)
        make_entitlement(
            cad,
            orgs["税務課"],
            1,
            number="CAD-S",
            kind=EntitlementType.SUBSCRIPTION,
            unit_cost=24_000,
            purchased_on=today - datetime.timedelta(days=10),
            term_end=today - datetime.timedelta(days=10) + datetime.timedelta(days=364),
        )
        offer = VolumeOffer(title=cad, name="CAD ボリューム契約", replacement_years=5)
        offers.offer_save(user=admin, offer=offer, tiers=[(1, 60_000, 0), (5, 40_000, 0)])
    # Five devices use CAD (three in 税務課, two in 県立図書館, which owns none): 2 short.
    scan = Scan.objects.create(file_name="t.csv")
    raw = "AutoCAD LT 2022"
    ids, _n = services.names_resolve([raw], create=True)
    services.installations_insert(
        [(d.pk, ids[raw], raw, "1.0", None, scan.pk, True) for d in sam_world["tax"] + sam_world["lib"]]
    )
    services.reconciliation_run(user=admin)

    out = offers.offer_compare(offer=offer, years=5)
    current, comparison = out["current"], out["comparison"]
    assert out["consumed"] == 5
    assert (current.perpetual_units, current.perpetual_unit_price) == (2, 60_000)
    assert (current.subscription_units, current.subscription_annual_price) == (1, 24_000)
    assert current.shortfall == 2
    assert comparison.quantity == 5 and comparison.tier.min_quantity == 5
    # Current: 2 × 60,000 / 5 + 24,000 = 48,000 a year, plus 2 × 60,000 in year 1.
    assert [r.current for r in comparison.years] == [168_000, 48_000, 48_000, 48_000, 48_000]
    # Offer: 5 × 40,000 once. Cumulative 200,000 vs 168,000, then 200,000 vs 216,000: year 2.
    assert [r.offer for r in comparison.years] == [200_000, 0, 0, 0, 0]
    assert comparison.saving == 360_000 - 200_000
    assert comparison.break_even_year == 2


def test_offer_price_table_is_checked(sam_world, role_users):
    admin = role_users["admin"]
    offer = VolumeOffer(title=sam_world["cad"], name="重複", replacement_years=5)
    with pytest.raises(ApplicationError):
        offers.offer_save(user=admin, offer=offer, tiers=[])
    with pytest.raises(ApplicationError):
        offers.offer_save(user=admin, offer=offer, tiers=[(10, 1, 1), (10, 2, 2)])
    with pytest.raises(ApplicationError):  # an owner may not enter offers
        offers.offer_save(
            user=role_users["owner"], offer=VolumeOffer(title=sam_world["cad"], name="x"), tiers=[(1, 1, 1)]
        )
    assert not VolumeOffer.objects.exists()
