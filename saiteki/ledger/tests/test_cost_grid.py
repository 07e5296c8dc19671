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


def _grid_form(client, url) -> dict:
    """The grid form's fields as a browser would submit them (inputs and their read-time amounts)."""
    import re

    html = client.get(url).content.decode()
    data = {"stage": "budget", "unit": "円"}
    for name, value in re.findall(r'<input name="([co]_\d+_\w+)"[^>]*?value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<input type="hidden" name="(o_\d+_\w+)" value="([^"]*)"', html):
        data[name] = value
    return data


def test_stale_grid_does_not_delete_another_users_cell(client, role_users, orgs):
    """Regression: B saving from a stale form silently deleted A's newly saved cell."""
    system = make_system(orgs["税務課"])
    url = reverse("ledger:system_costs", args=[system.pk])
    client.force_login(role_users["owner"])
    fy = client.get(url).wsgi_request.fiscal_year
    form_a = _grid_form(client, url)
    form_b = _grid_form(client, url)
    assert form_b[f"o_{fy}_operation"] == "" and f"c_{fy}_operation" in form_b

    form_a[f"c_{fy}_operation"] = "1,000"
    assert client.post(url, form_a).status_code == 302
    form_b[f"c_{fy}_network"] = "2,000"
    client.force_login(role_users["admin"])
    assert client.post(url, form_b).status_code == 302

    amounts = dict(Cost.objects.filter(system=system).values_list("category", "amount"))
    assert amounts == {"operation": 1000, "network": 2000}


def test_same_cell_edited_twice_is_a_conflict_that_keeps_the_input(client, role_users, orgs):
    system = make_system(orgs["税務課"])
    url = reverse("ledger:system_costs", args=[system.pk])
    client.force_login(role_users["owner"])
    fy = client.get(url).wsgi_request.fiscal_year
    make_cost(system, fiscal_year=fy, category="operation", amount=500)
    form_a = _grid_form(client, url)
    form_b = _grid_form(client, url)
    assert form_b[f"o_{fy}_operation"] == "500"

    form_a[f"c_{fy}_operation"] = "700"
    assert client.post(url, form_a).status_code == 302
    form_b[f"c_{fy}_operation"] = "9,999"
    form_b["change_reason"] = "補正予算"
    conflict = client.post(url, form_b)
    html = conflict.content.decode()
    assert conflict.status_code == 412
    assert "他の利用者" in html and "700円" in html  # says what is stored now
    assert 'value="9,999"' in html and 'value="補正予算"' in html  # the user's input is kept
    assert Cost.objects.get(system=system, fiscal_year=fy, category="operation").amount == 700

    # Having seen the conflict, saving again from the re-rendered page is the user's decision.
    retry = _form_from_html(html)
    assert retry[f"o_{fy}_operation"] == "700"
    assert client.post(url, retry).status_code == 302
    assert Cost.objects.get(system=system, fiscal_year=fy, category="operation").amount == 9999


def _form_from_html(html: str) -> dict:
    import re

    data = {"stage": "budget", "unit": "円"}
    for name, value in re.findall(r'<input name="([co]_\d+_\w+)"[^>]*?value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<input type="hidden" name="(o_\d+_\w+)" value="([^"]*)"', html):
        data[name] = value
    return data


def test_amount_beyond_the_column_is_a_form_error_keeping_the_input(client, role_users, orgs):
    system = make_system(orgs["税務課"])
    url = reverse("ledger:system_costs", args=[system.pk])
    client.force_login(role_users["owner"])
    fy = client.get(url).wsgi_request.fiscal_year
    form = _grid_form(client, url)
    form[f"c_{fy}_operation"] = "99999999999999999999"
    form[f"c_{fy}_network"] = "1,000"
    response = client.post(url, form)
    html = response.content.decode()
    assert response.status_code == 400
    assert "大きすぎます" in html and 'value="99999999999999999999"' in html and 'value="1,000"' in html
    assert not Cost.objects.filter(system=system).exists()


def test_thousand_yen_unit_shows_and_saves_in_thousands(client, role_users, orgs):
    system = make_system(orgs["税務課"])
    url = reverse("ledger:system_costs", args=[system.pk])
    client.force_login(role_users["owner"])
    fy = client.get(url).wsgi_request.fiscal_year
    make_cost(system, fiscal_year=fy, category="operation", amount=1_500_000)
    form = _grid_form(client, url + "?unit=千円")
    form["unit"] = "千円"
    assert form[f"c_{fy}_operation"] == "1,500"
    form[f"c_{fy}_network"] = "2.5"
    assert client.post(url, form).status_code == 302
    amounts = dict(Cost.objects.filter(system=system).values_list("category", "amount"))
    assert amounts == {"operation": 1_500_000, "network": 2_500}


def test_grid_labels_name_the_category_and_viewer_sees_no_inputs(client, role_users, orgs):
    system = make_system(orgs["税務課"])
    url = reverse("ledger:system_costs", args=[system.pk])
    client.force_login(role_users["owner"])
    html = client.get(url).content.decode()
    assert 'aria-label="令和' in html and "ハードウェア保守" in html
    assert "cost_grid.js" in html
    client.force_login(role_users["viewer"])
    html = client.get(url).content.decode()
    assert "<input name=" not in html and "円単位" not in html and "cost_grid.js" not in html


def test_fiscal_year_outside_the_table_range_is_refused(role_users, orgs):
    system = make_system(orgs["税務課"])
    with pytest.raises(ValidationFailed) as exc:
        cost_grid_save(user=role_users["owner"], system=system, stage="budget", cells={(1980, "other"): "1"})
    assert "c_1980_other" in exc.value.fields
