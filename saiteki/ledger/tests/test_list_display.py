"""Ledger lists as officers read them: 未登録 instead of 0円, the cost header's year and stage,
maintenance ends flagged in words."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from saiteki.ledger.tests.factories import make_cost, make_server, make_system

pytestmark = pytest.mark.django_db


def test_system_without_costs_reads_unregistered_and_header_names_year_and_stage(client, role_users, orgs):
    client.force_login(role_users["owner"])
    fy = client.get(reverse("ledger:system_list")).wsgi_request.fiscal_year
    with_cost = make_system(orgs["税務課"], name="県税総合システム")
    make_cost(with_cost, fiscal_year=fy, category="operation", amount=1_200_000)
    make_system(orgs["税務課"], name="自動車税システム")
    html = client.get(reverse("ledger:system_list")).content.decode()
    assert "1,200,000円" in html and "未登録" in html and ">0円<" not in html
    assert f"経費 令和{fy - 2018}年度・予算額" in html
    html = client.get(reverse("ledger:system_list"), {"stage": "actual"}).content.decode()
    assert "決算額" in html and "1,200,000円" not in html.split("<tbody>")[1].split("</tbody>")[0]


def test_unregistered_sorts_below_registered_amounts(client, role_users, orgs):
    client.force_login(role_users["owner"])
    fy = client.get(reverse("ledger:system_list")).wsgi_request.fiscal_year
    a = make_system(orgs["税務課"], name="Aシステム")
    b = make_system(orgs["税務課"], name="Bシステム")
    make_cost(b, fiscal_year=fy, category="operation", amount=0)
    html = client.get(reverse("ledger:system_list"), {"sort": "cost_total"}).content.decode()
    assert html.index(a.name) < html.index(b.name)  # 未登録 (none) before a registered 0円
    assert "0円" in html


def test_server_list_flags_expired_and_soon_ending_maintenance(client, role_users, orgs):
    system = make_system(orgs["税務課"])
    today = timezone.localdate()
    make_server([system], name="old-sv", maintenance_end=today - datetime.timedelta(days=1))
    make_server([system], name="soon-sv", maintenance_end=today + datetime.timedelta(days=30))
    make_server([system], name="fine-sv", maintenance_end=today + datetime.timedelta(days=800))
    client.force_login(role_users["owner"])
    html = client.get(reverse("ledger:server_list")).content.decode()
    rows = {
        name: html[html.index(name) : html.index("</tr>", html.index(name))]
        for name in ("old-sv", "soon-sv", "fine-sv")
    }
    assert "期限切れ" in rows["old-sv"] and "⚠" in rows["old-sv"]
    assert "期限間近" in rows["soon-sv"]
    assert "期限" not in rows["fine-sv"].replace("保守期限", "")


def test_english_mode_has_gregorian_years_and_yen_on_the_ledger_pages(client, role_users, orgs):
    system = make_system(orgs["税務課"], planned_renewal_fy=2028)
    client.force_login(role_users["owner"])
    client.cookies["django_language"] = "en"
    fy = client.get(reverse("ledger:system_list")).wsgi_request.fiscal_year
    make_cost(system, fiscal_year=fy, category="operation", amount=1_200_000)
    for url in (
        reverse("ledger:system_list"),
        reverse("ledger:system_costs", args=[system.pk]),
        system.get_absolute_url(),
        system.get_absolute_url() + "?tab=karte",
    ):
        html = client.get(url).content.decode()
        assert "令和" not in html and "平成" not in html, url
        assert f"FY{fy}" in html, url
    html = client.get(reverse("ledger:system_list")).content.decode()
    assert "¥1,200,000" in html and "1,200,000円" not in html
    assert "Not registered" in client.get(reverse("ledger:system_list"), {"stage": "actual"}).content.decode()
