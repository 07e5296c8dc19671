"""Writes of a review case that must not lose or half-apply anything: a stale edit form, a PATCH whose
second half is refused, a change reason sent with the API call."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from saiteki.core.models import ObjectChange
from saiteki.reviews import services
from saiteki.reviews.choices import CaseKind
from saiteki.reviews.models import ReviewCase
from saiteki.reviews.tests.conftest import FY

pytestmark = pytest.mark.django_db


def _case(owner, system, kind=CaseKind.PRE_BUDGET) -> ReviewCase:
    return services.case_create(
        user=owner, kind=kind, fiscal_year=FY, system=system, title="当初の件名", requested=None
    )


def _reasons(case) -> list[str]:
    ct = ContentType.objects.get_for_model(ReviewCase)
    return list(
        ObjectChange.objects.filter(content_type=ct, object_id=case.pk).values_list("reason", flat=True)
    )


def test_case_edit_page_refuses_a_stale_form_and_keeps_the_reason(client, role_users, systems):
    """Two officers opened the same case's edit page: the second save is refused (412) instead of
    overwriting the first one's title; the reason typed on the form reaches the history."""
    owner = role_users["owner"]
    case = _case(owner, systems["own"])
    client.force_login(owner)
    page = client.get(f"/reviews/cases/{case.pk}/edit/").content.decode()
    assert 'name="version"' in page and 'name="change_reason"' in page
    data = {"title": "先に保存", "version": case.version, "change_reason": "件名の訂正"}
    assert client.post(f"/reviews/cases/{case.pk}/edit/", data).status_code == 302
    stale = client.post(f"/reviews/cases/{case.pk}/edit/", {**data, "title": "後から保存"})
    assert stale.status_code == 412
    case.refresh_from_db()
    assert case.title == "先に保存"
    assert "件名の訂正" in _reasons(case)


def test_case_patch_is_all_or_nothing(client, role_users, systems):
    """A PATCH that sets the title and amounts on a case without amounts is refused as a whole: the
    title is not changed either."""
    owner = role_users["owner"]
    case = _case(owner, systems["own"], kind=CaseKind.EVALUATION)
    client.force_login(owner)
    response = client.patch(
        f"/api/v1/reviews/cases/{case.pk}/",
        {"title": "変更後", "requested": {"app_maintenance": 1000}},
        content_type="application/json",
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.title == "当初の件名"


def test_case_patch_keeps_the_reason_header(client, role_users, systems):
    owner = role_users["owner"]
    case = _case(owner, systems["own"])
    client.force_login(owner)
    response = client.patch(
        f"/api/v1/reviews/cases/{case.pk}/",
        {"title": "変更後"},
        content_type="application/json",
        headers={"X-Change-Reason": "%E8%AA%A4%E8%A8%98%E3%81%AE%E8%A8%82%E6%AD%A3"},
    )
    assert response.status_code == 200, response.content
    assert "誤記の訂正" in _reasons(case)


def test_case_actions_with_a_garbled_number_are_refused_not_a_server_error(client, role_users, systems):
    """A hand-edited or truncated POST (rows=abc, opinion=abc) gets the page back with a message or a
    404, never a 500; nothing is written."""
    owner = role_users["owner"]
    case = _case(owner, systems["own"], kind=CaseKind.PRE_CONTRACT)
    client.force_login(owner)
    response = client.post(f"/reviews/cases/{case.pk}/quotes/", {"rows": "abc"})
    assert response.status_code == 302
    assert not case.quotes.exists()
    response = client.post(f"/reviews/cases/{case.pk}/respond/", {"opinion": "abc", "owner_response": "x"})
    assert response.status_code == 404
