"""The 「時点」 selector of the cost analysis: the analysis of a past day groups costs by the bureaus and
hosting forms the systems had then (rebuilt from the change log) and counts only the systems that
existed then; today's analysis is unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from saiteki.core.context import change_context
from saiteki.ledger.tests.factories import make_cost, make_system

pytestmark = pytest.mark.django_db


def _at(y, m, d):
    return change_context(at=timezone.make_aware(dt.datetime(y, m, d, 10, 0)))


@pytest.fixture
def history(orgs):
    """A: 税務課, on-premise from 2012, to the shared platform in 2015, to 教育政策課 in 2016.
    B: entered the ledger in 2016 (with a FY2013 cost row typed in later)."""
    with _at(2012, 4, 1):
        a = make_system(orgs["税務課"], number="A-1", name="徴収", hosting_form="onprem")
    with _at(2015, 10, 1):
        a.hosting_form = "shared_platform"
        a.save()
    with _at(2016, 4, 1):
        a.owning_division = orgs["教育政策課"]
        a.save()
        b = make_system(orgs["教育政策課"], number="B-1", name="学籍", hosting_form="commercial_cloud")
    make_cost(a, fiscal_year=2013, category="operation", stage="budget", amount=1_000_000)
    make_cost(a, fiscal_year=2012, category="operation", stage="budget", amount=1_200_000)
    make_cost(b, fiscal_year=2013, category="operation", stage="budget", amount=500_000)
    return {"a": a, "b": b}


def _hosting(result) -> dict[str, tuple[int, int]]:
    return {r.key: (r.systems, r.amounts.total) for r in result.by_hosting if r.systems or r.amounts.total}


def test_as_of_groups_by_the_days_hosting_form_and_leaves_out_later_systems(history, client, role_users):
    client.force_login(role_users["admin"])
    response = client.get(reverse("ledger:cost_analysis"), {"as_of": "2014-03-31", "stage": "budget"})
    assert response.status_code == 200
    result = response.context["a"]
    assert result.fiscal_year == 2013
    assert _hosting(result) == {"onprem": (1, 1_000_000)}
    assert result.total.total == 1_000_000
    assert {r.fiscal_year: r.amounts.total for r in result.by_year} == {2012: 1_200_000, 2013: 1_000_000}
    page = response.content.decode()
    assert 'data-testid="as-of-banner"' in page and 'data-testid="cost-rows-link"' not in page
    # The system counts lead to the as-of ledger list of that day, not to today's list.
    assert reverse("kpi:ledger_as_of") + "?as_of=2014-03-31&amp;hosting_form=onprem" in page


def test_wareki_date_and_the_live_page_without_a_date(history, client, role_users):
    client.force_login(role_users["admin"])
    url = reverse("ledger:cost_analysis")
    as_of = client.get(url, {"as_of": "平成28年3月31日", "stage": "budget", "baseline": "2012"})
    assert as_of.context["a"].fiscal_year == 2015
    live = client.get(url, {"stage": "budget"})
    assert live.context["as_of"] is None and 'data-testid="cost-rows-link"' in live.content.decode()
    session = client.session
    session["fiscal_year"] = 2013
    session.save()
    live = client.get(url, {"stage": "budget"}).context["a"]
    assert _hosting(live) == {"shared_platform": (1, 1_000_000), "commercial_cloud": (1, 500_000)}


def test_owner_sees_what_their_division_owned_that_day(history, client, role_users):
    client.force_login(role_users["owner"])  # 税務課
    url = reverse("ledger:cost_analysis")
    then = client.get(url, {"as_of": "2014-03-31", "stage": "budget"}).context["a"]
    assert then.total.total == 1_000_000  # 税務課 owned A then
    later = client.get(url, {"as_of": "2017-03-31", "stage": "budget"}).context["a"]
    assert later.total.total == 0  # A belonged to 教育政策課 by then


def test_unreadable_or_future_date_falls_back_to_todays_ledger(history, client, role_users):
    client.force_login(role_users["admin"])
    url = reverse("ledger:cost_analysis")
    response = client.get(url, {"as_of": "いつか"})
    assert response.context["as_of"] is None and 'data-testid="as-of-error"' in response.content.decode()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.get(url, {"as_of": tomorrow})
    assert response.context["as_of"] is None and 'data-testid="as-of-error"' not in response.content.decode()
