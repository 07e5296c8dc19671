"""The one display layer: history, karte timeline and audit log read as people read them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from saiteki.core import display
from saiteki.core.context import change_context
from saiteki.core.models import JournalEntry, ObjectChange
from saiteki.core.services import journal_entry_create
from saiteki.ledger.models import System, Vendor
from saiteki.ledger.tests.factories import make_cost, make_system

pytestmark = pytest.mark.django_db


def test_fiscal_years_dates_roles_and_model_names():
    assert display.fy_text(2028) == "令和10年度（2028年度）"
    assert display.date_text(datetime.date(2026, 4, 1)) == "令和8年4月1日"
    assert display.date_text(datetime.date(2026, 4, 1), date_style="seireki") == "2026年4月1日"
    assert display.role_label("admin") == "情報政策課（管理者）"
    assert display.model_name("accounts.User") not in ("", "accounts.User")
    assert display.yen_text(1234567) == "1,234,567円"
    with translation.override("en"):
        assert display.fy_text(2028) == "FY2028"
        assert display.date_text(datetime.date(2026, 4, 1)) == "2026-04-01"


def test_history_page_names_related_objects_and_formats_values(client, role_users, orgs):
    admin = role_users["admin"]
    system = make_system(orgs["税務課"], name="県税総合システム")
    vendor = Vendor.objects.create(name="株式会社サイテキ")
    with change_context(user=admin, reason="所管替え"):
        system.owning_division = orgs["県立図書館"]
        system.planned_renewal_fy = 2028
        system.service_start = datetime.date(2026, 4, 1)
        system.save()
        system.vendors.add(vendor)
    client.force_login(admin)
    html = client.get(reverse("ledger:system_history", args=[system.pk])).content.decode()
    assert "税務課" in html and "県立図書館" in html  # names, not #7
    assert "株式会社サイテキ" in html
    assert "令和10年度（2028年度）" in html and "令和8年4月1日" in html
    assert "情報政策課（管理者）" in html  # the role label, not "admin"
    assert f"#{orgs['税務課'].pk}<" not in html and ">admin<" not in html


def test_deleted_related_object_is_named_as_deleted(role_users, orgs):
    system = make_system(orgs["税務課"])
    vendor = Vendor.objects.create(name="消える商事")
    with change_context(user=role_users["admin"]):
        system.vendors.add(vendor)
    change = ObjectChange.objects.filter(object_id=system.pk, action="update").latest("id")
    vendor_pk = vendor.pk
    vendor.delete()
    rows = display.changes_for_display([change])[0].rows
    assert rows[0][2] == f"#{vendor_pk}（削除済み）"


def test_karte_shows_entries_once_and_cost_amounts(client, role_users, orgs):
    admin = role_users["admin"]
    system = make_system(orgs["税務課"])
    with change_context(user=admin):
        make_cost(system, fiscal_year=2026, category="operation", amount=1_500_000)
    journal_entry_create(
        obj=system, author=admin, kind="note", date=datetime.date(2026, 5, 1), title="打合せ記録", body=""
    )
    client.force_login(admin)
    html = client.get(reverse("ledger:system_detail", args=[system.pk]) + "?tab=karte").content.decode()
    timeline = html[html.index('data-testid="timeline"') :]
    assert timeline.count("打合せ記録") == 1
    assert "1,500,000円" in timeline and "令和8年度（2026年度）" in timeline
    assert JournalEntry.objects.count() == 1


def test_english_mode_shows_gregorian_years(client, role_users, orgs):
    make_system(orgs["税務課"], planned_renewal_fy=2028)
    client.force_login(role_users["admin"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("ledger:system_list")).content.decode()
    assert "FY2028" in html and "令和10年度" not in html
    assert System.objects.count() == 1
