"""Creating a contract through the form: the policy sees the systems the form holds.

A contract's division is reached through its systems (many-to-many), which an unsaved instance does not
have yet; the generic edit view passes the submitted systems to ``can_create``. Before this, owners got
403 for every new contract.
"""

import pytest
from django.urls import reverse

from saiteki.ledger.models import Contract
from saiteki.ledger.tests.factories import VendorFactory, make_system

pytestmark = pytest.mark.django_db


def _post(client, systems, number):
    vendor = VendorFactory()
    return client.post(
        reverse("ledger:contract_add"),
        {
            "number": number,
            "title": "保守",
            "vendor": vendor.pk,
            "procurement_method": "general",
            "fiscal_year": "2026",
            "start": "2026-04-01",
            "end": "2027-03-31",
            "amount": "1000000",
            "systems": [s.pk for s in systems],
        },
    )


def test_owner_creates_a_contract_for_own_system(client, role_users, orgs):
    own = make_system(orgs["税務課"], name="県税総合システム")
    client.force_login(role_users["owner"])
    response = _post(client, [own], "C-OWN")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Contract.objects.get(number="C-OWN").systems.all()) == [own]


def test_owner_cannot_create_a_contract_for_another_division(client, role_users, orgs):
    other = make_system(orgs["県立図書館"], name="図書館業務システム")
    client.force_login(role_users["owner"])
    response = _post(client, [other], "C-OTHER")
    assert response.status_code in (400, 403)
    assert not Contract.objects.filter(number="C-OTHER").exists()


def test_owner_cannot_create_a_contract_without_systems(client, role_users):
    client.force_login(role_users["owner"])
    response = _post(client, [], "C-NONE")
    assert response.status_code in (400, 403)
    assert not Contract.objects.filter(number="C-NONE").exists()
