"""/api/v1/reviews/: cases with amounts and filters, the transitions route (409 on illegal), opinions,
evaluations, proposals, and the summary that equals the board."""

from __future__ import annotations

import pytest

from saiteki.core.testing import assert_queries_flat
from saiteki.reviews import services
from saiteki.reviews.choices import CaseKind
from saiteki.reviews.models import ReviewCase
from saiteki.reviews.tests.conftest import FY
from saiteki.reviews.tests.helpers import approved_case

pytestmark = pytest.mark.django_db


def test_case_create_submit_and_illegal_transition(client, role_users, systems):
    client.force_login(role_users["owner"])
    response = client.post(
        "/api/v1/reviews/cases/",
        {
            "kind": "P",
            "fiscal_year": FY,
            "system": systems["own"].pk,
            "requested": {"app_maintenance": 5_000_000},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    case = response.json()
    assert (case["requested_amount"], case["assessed_amount"], case["reduction"]) == (5_000_000, None, 0)
    assert {t["name"] for t in case["transitions"]} >= {"submit", "withdraw"}
    url = f"/api/v1/reviews/cases/{case['id']}/transitions/"
    response = client.post(url, {"name": "approve"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_allowed"
    response = client.post(url, {"name": "submit", "comment": "提出します"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    response = client.post(url, {"name": "start_review"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_permitted"
    # A second open case of the same system, kind and year: 409.
    response = client.post(
        "/api/v1/reviews/cases/",
        {"kind": "P", "fiscal_year": FY, "system": systems["own"].pk},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "case_already_open"


def test_owner_cannot_open_a_case_for_another_division(client, role_users, systems):
    client.force_login(role_users["owner"])
    response = client.post(
        "/api/v1/reviews/cases/",
        {"kind": "P", "fiscal_year": FY, "system": systems["other"].pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not ReviewCase.objects.exists()


def test_admin_assesses_and_decides_over_the_api(client, role_users, systems):
    owner, admin = role_users["owner"], role_users["admin"]
    case = services.case_create(
        user=owner, kind="P", fiscal_year=FY, system=systems["own"], requested={"app_maintenance": 1_000_000}
    )
    services.case_transition(user=owner, case=case, name="submit")
    client.force_login(admin)
    base = f"/api/v1/reviews/cases/{case.pk}/"
    assert (
        client.post(
            base + "transitions/", {"name": "start_review"}, content_type="application/json"
        ).status_code
        == 200
    )
    response = client.post(
        base + "assess/", {"assessed": {"app_maintenance": 800_000}}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["reduction"] == 200_000
    response = client.post(base + "transitions/", {"name": "approve"}, content_type="application/json")
    assert response.json()["state"] == "approved"
    assert response.json()["lines"] == [
        {
            "category": "app_maintenance",
            "requested_amount": 1_000_000,
            "assessed_amount": 800_000,
            "reduction": 200_000,
            "note": "",
        }
    ]


def test_filters_and_owner_scope(client, role_users, systems):
    approved_case(owner=role_users["owner"], admin=role_users["admin"], system=systems["own"], fiscal_year=FY)
    services.case_create(user=role_users["admin"], kind="D", fiscal_year=FY, system=systems["other"])
    client.force_login(role_users["admin"])
    get = lambda q: [c["id"] for c in client.get("/api/v1/reviews/cases/" + q).json()["results"]]  # noqa: E731
    assert len(get("")) == 2
    assert len(get(f"?fiscal_year={FY}&kind=P")) == 1
    assert len(get("?state=draft")) == 1
    assert len(get(f"?system={systems['other'].pk}")) == 1
    assert get(f"?fiscal_year={FY - 1}") == []
    client.force_login(role_users["owner"])
    assert len(get("")) == 1  # another division's case is not visible


def test_summary_equals_the_board(client, role_users, systems):
    approved_case(
        owner=role_users["owner"],
        admin=role_users["admin"],
        system=systems["own"],
        fiscal_year=FY,
        requested={"app_maintenance": 3_000_000, "hw_lease": 1_000_000},
        assessed={"app_maintenance": 2_500_000, "hw_lease": 900_000},
    )
    client.force_login(role_users["admin"])
    summary = client.get(f"/api/v1/reviews/summary/?fiscal_year={FY}").json()
    assert summary["by_kind"]["P"] == {
        "cases": 1,
        "requested": 4_000_000,
        "assessed": 3_400_000,
        "reduction": 600_000,
    }
    assert summary["overall"]["reduction"] == 600_000
    page = client.get(f"/reviews/?fiscal_year={FY}").content.decode()
    assert "600,000" in page
    assert client.get("/api/v1/reviews/summary/").status_code == 400
    client.force_login(role_users["viewer"])
    assert client.get(f"/api/v1/reviews/summary/?fiscal_year={FY}").status_code == 200


def test_opinions_endpoint_answer_and_respond(client, role_users, systems):
    owner, admin = role_users["owner"], role_users["admin"]
    case = services.case_create(
        user=owner, kind="P", fiscal_year=FY, system=systems["own"], requested={"other": 1}
    )
    services.case_transition(user=owner, case=case, name="submit")
    services.case_transition(user=admin, case=case, name="start_review")
    services.case_transition(user=admin, case=case, name="request_opinion", comment="質問")
    opinion = case.opinions.get()
    client.force_login(role_users["advisor"])
    assert client.get("/api/v1/reviews/opinions/").json()["count"] == 1
    url = f"/api/v1/reviews/opinions/{opinion.pk}/"
    assert (
        client.post(url + "answer/", {"text": "意見です"}, content_type="application/json").status_code == 200
    )
    assert client.post(url + "respond/", {"text": "x"}, content_type="application/json").status_code == 403
    client.force_login(owner)
    assert client.post(url + "answer/", {"text": "x"}, content_type="application/json").status_code == 403
    response = client.post(url + "respond/", {"text": "対応します"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["owner_response"] == "対応します"


def test_proposals_and_evaluations_endpoints(client, role_users, systems):
    client.force_login(role_users["admin"])
    body = {
        "system": systems["own"].pk,
        "title": "共通基盤へ移行",
        "due_fiscal_year": FY,
        "expected_saving": 1_000_000,
    }
    response = client.post("/api/v1/reviews/proposals/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    client.force_login(role_users["owner"])
    assert client.post("/api/v1/reviews/proposals/", body, content_type="application/json").status_code == 403
    response = client.patch(
        f"/api/v1/reviews/proposals/{pk}/", {"status": "doing"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "doing"
    assert client.get("/api/v1/reviews/evaluations/").status_code == 200


def test_case_list_query_count_is_flat(client, role_users, orgs):
    from saiteki.ledger.tests.factories import make_system

    admin = role_users["admin"]
    client.force_login(admin)

    def make(n):
        for i in range(n):
            s = make_system(orgs["税務課"], number=f"Q-{ReviewCase.objects.count()}-{i}")
            services.case_create(
                user=admin, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=s, requested={"other": 10}
            )

    make(1)
    assert_queries_flat(
        lambda: client.get("/api/v1/reviews/cases/"),
        grow=lambda: make(3),
        label="reviews cases API",
        check=lambda few, many: len(many.json()["results"]) > len(few.json()["results"]),
    )
