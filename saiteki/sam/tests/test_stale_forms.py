"""Hand-written SAM edit pages refuse a stale form like the generic ones: two officers who opened the
same purchase or offer cannot silently overwrite each other (412, the first save kept)."""

from __future__ import annotations

import pytest

from saiteki.core.context import change_context
from saiteki.sam import offers
from saiteki.sam.models import VolumeOffer
from saiteki.sam.tests.conftest import make_entitlement

pytestmark = pytest.mark.django_db


def test_purchase_page_refuses_a_stale_form(client, role_users, sam_world):
    with change_context(reason="test"):
        licence = make_entitlement(sam_world["cad"], sam_world["orgs"]["税務課"], 3, number="CAD-1")
    purchase = licence.purchases.get()
    url = f"/sam/entitlements/{licence.pk}/purchases/{purchase.pk}/"
    client.force_login(role_users["owner"])
    assert 'name="version"' in client.get(url).content.decode()
    data = {
        "purchased_on": "2024-04-10",
        "fiscal_year": 2024,
        "quantity": 5,
        "unit_cost": 10_000,
        "total_cost": 0,
        "version": purchase.version,
    }
    assert client.post(url, data).status_code == 302
    stale = client.post(url, {**data, "quantity": 7})
    assert stale.status_code == 412
    purchase.refresh_from_db()
    assert purchase.quantity == 5


def test_offer_page_refuses_a_stale_form(client, role_users, sam_world):
    with change_context(reason="test"):
        offer = VolumeOffer(title=sam_world["cad"], name="CAD ボリューム契約", replacement_years=5)
        offers.offer_save(user=role_users["admin"], offer=offer, tiers=[(1, 60_000, 0)])
    url = f"/sam/offers/{offer.pk}/edit/"
    client.force_login(role_users["admin"])
    data = {
        "title": sam_world["cad"].pk,
        "name": "CAD ボリューム契約",
        "kind": offer.kind,
        "replacement_years": 5,
        "tiers": "1, 50000, 0",
        "version": offer.version,
    }
    assert client.post(url, data).status_code == 302
    stale = client.post(url, {**data, "tiers": "1, 70000, 0"})
    assert stale.status_code == 412
    assert [t.initial_unit_price for t in offer.tiers.all()] == [50_000]
