"""The per-system cost grid: all-or-nothing, Japanese errors, history per cell."""

import pytest
from django.urls import reverse

from saiteki.core.errors import PermissionDeniedError, ValidationFailed
from saiteki.core.models import ObjectChange
from saiteki.ledger.models import Cost
from saiteki.ledger.services import cost_grid_save
from saiteki.ledger.tests.factories import make_cost, make_system

pytestmark = pytest.mark.django_db


def test_grid_creates_updates_and_deletes(role_users, orgs):
    system = make_system(orgs["税務課"])
    kept = make_cost(system, fiscal_year=2025, category="operation", amount=100)
    removed = make_cost(system, fiscal_year=2025, category="network", amount=50)
    counts = cost_grid_save(
        user=role_users["owner"],
        system=system,
        stage="budget",
        cells={(2025, "operation"): "１，５００", (2025, "network"): "", (2026, "cloud"): "2,000,000"},
        reason="当初予算",
    )
    assert counts == {"created": 1, "updated": 1, "deleted": 1}
    kept.refresh_from_db()
    assert kept.amount == 1500
    assert not Cost.objects.filter(pk=removed.pk).exists()
    assert Cost.objects.get(system=system, fiscal_year=2026, category="cloud").amount == 2_000_000
    assert ObjectChange.objects.filter(reason="当初予算", user_name="t-owner").count() == 3


def test_grid_in_thousand_yen(role_users, orgs):
    system = make_system(orgs["税務課"])
    cost_grid_save(
        user=role_users["admin"], system=system, stage="budget", cells={(2026, "other"): "1,234"}, unit="千円"
    )
    assert Cost.objects.get(system=system).amount == 1_234_000


def test_one_bad_cell_rejects_the_whole_grid(role_users, orgs):
    system = make_system(orgs["税務課"])
    before = ObjectChange.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        cost_grid_save(
            user=role_users["owner"],
            system=system,
            stage="budget",
            cells={(2025, "operation"): "1000", (2026, "cloud"): "たくさん"},
        )
    assert "c_2026_cloud" in exc.value.fields and "たくさん" in exc.value.fields["c_2026_cloud"][0]
    assert Cost.objects.count() == 0 and ObjectChange.objects.count() == before


def test_other_division_cannot_save(role_users, orgs):
    system = make_system(orgs["県立図書館"])
    with pytest.raises(PermissionDeniedError):
        cost_grid_save(user=role_users["owner"], system=system, stage="budget", cells={(2026, "other"): "1"})
    assert Cost.objects.count() == 0


def test_grid_page_round_trip(client, role_users, orgs):
    system = make_system(orgs["税務課"])
    client.force_login(role_users["owner"])
    url = reverse("ledger:system_costs", args=[system.pk])
    assert client.get(url).status_code == 200
    fy = client.get(url).wsgi_request.fiscal_year
    ok = client.post(url, {"stage": "actual", f"c_{fy}_operation": "3,000"})
    assert ok.status_code == 302
    assert Cost.objects.get(system=system, stage="actual").amount == 3000
    bad = client.post(url, {"stage": "actual", f"c_{fy}_operation": "-5"})
    assert bad.status_code == 400 and "負の値" in bad.content.decode()
    assert Cost.objects.get(system=system, stage="actual").amount == 3000
