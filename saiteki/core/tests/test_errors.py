"""Issue 8: server errors become the documented error body, Japanese error pages, refused writes are
audited, the API schema and docs need a login and render under the site's CSP."""

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from saiteki.core.models import AuditEvent
from saiteki.ledger.models import Cost, Server, Vendor
from saiteki.ledger.tests.factories import ContractFactory, ServerFactory, VendorFactory, make_system

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


# --- 500s that must be 4xx with the error body -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/ledger/servers/?system={HUGE}",
        f"/api/v1/ledger/costs/?system={HUGE}",
        f"/api/v1/ledger/costs/?fiscal_year={HUGE}",
        f"/api/v1/consolidation/runs/?scenario={HUGE}",
    ],
)
def test_api_integer_filter_beyond_64_bits_is_a_400(api_client, role_users, url):
    api_client.force_authenticate(role_users["admin"])
    r = api_client.get(url)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("url", [f"/ledger/servers/?system={HUGE}", f"/ledger/contracts/?fiscal_year={HUGE}"])
def test_page_integer_filter_beyond_64_bits_is_a_filter_error(client, role_users, url):
    client.force_login(role_users["admin"])
    r = client.get(url)
    assert r.status_code == 200  # the list shows nothing and the filter says why


def test_api_delete_protected_object_is_409_naming_dependents(api_client, role_users, orgs):
    vendor = VendorFactory(name="株式会社参照中")
    ContractFactory(number="C-REF-1", vendor=vendor, systems=[make_system(orgs["税務課"])])
    api_client.force_authenticate(role_users["admin"])
    r = api_client.delete(f"/api/v1/ledger/vendors/{vendor.pk}/")
    assert r.status_code == 409
    body = r.json()["error"]
    assert body["code"] == "protected" and "C-REF-1" in body["message"]
    assert Vendor.objects.filter(pk=vendor.pk).exists()


def test_page_delete_protected_object_is_409_naming_dependents(client, role_users, orgs):
    system = make_system(orgs["税務課"])
    host = ServerFactory(name="host-1", systems=[system])
    ServerFactory(name="guest-vm-1", kind="virtual", host=host, systems=[system])
    client.force_login(role_users["admin"])
    r = client.post(reverse("ledger:server_delete", args=[host.pk]))
    assert r.status_code == 409
    page = r.content.decode()
    assert "guest-vm-1" in page and "削除できません" in page
    assert Server.objects.filter(pk=host.pk).exists()


@pytest.mark.parametrize("fy", [1900, 2101, 99999])
def test_api_cost_fiscal_year_outside_range_is_a_validation_error(api_client, role_users, orgs, fy):
    system = make_system(orgs["税務課"])
    api_client.force_authenticate(role_users["admin"])
    r = api_client.post(
        "/api/v1/ledger/costs/",
        {"system": system.pk, "fiscal_year": fy, "category": "other", "stage": "budget", "amount": 1},
        format="json",
    )
    assert r.status_code == 400 and "fiscal_year" in r.json()["error"]["fields"]
    assert not Cost.objects.exists()


def test_api_cost_amount_beyond_column_is_a_validation_error(api_client, role_users, orgs):
    system = make_system(orgs["税務課"])
    api_client.force_authenticate(role_users["admin"])
    r = api_client.post(
        "/api/v1/ledger/costs/",
        {"system": system.pk, "fiscal_year": 2026, "category": "other", "stage": "budget", "amount": 2**64},
        format="json",
    )
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"]


def test_api_fiscal_years_out_of_range_are_validation_errors(api_client, role_users, orgs):
    system = make_system(orgs["税務課"])
    contract = ContractFactory(systems=[system])
    api_client.force_authenticate(role_users["admin"])
    r = api_client.patch(f"/api/v1/ledger/contracts/{contract.pk}/", {"fiscal_year": 2**40}, format="json")
    assert r.status_code == 400 and "fiscal_year" in r.json()["error"]["fields"]
    r = api_client.patch(f"/api/v1/ledger/systems/{system.pk}/", {"planned_renewal_fy": 2**40}, format="json")
    assert r.status_code == 400 and "planned_renewal_fy" in r.json()["error"]["fields"]


def test_organisation_valid_to_before_valid_from_is_a_validation_error(api_client, client, role_users, orgs):
    api_client.force_authenticate(role_users["admin"])
    r = api_client.post(
        "/api/v1/accounts/organizations/",
        {
            "kind": "bureau",
            "code": "X1",
            "name": "逆転部",
            "valid_from": "2020-04-01",
            "valid_to": "2019-03-31",
        },
        format="json",
    )
    assert r.status_code == 400 and "valid_to" in r.json()["error"]["fields"]
    org = orgs["税務課"]
    r = api_client.patch(
        f"/api/v1/accounts/organizations/{org.pk}/", {"valid_to": "1999-01-01"}, format="json"
    )
    assert r.status_code == 400 and "valid_to" in r.json()["error"]["fields"]
    client.force_login(role_users["admin"])
    r = client.post(
        reverse("accounts:organization_add"),
        {
            "kind": "bureau",
            "code": "X2",
            "name": "逆転部",
            "valid_from": "2020-04-01",
            "valid_to": "2019-03-31",
            "sort_order": 0,
        },
    )
    assert r.status_code == 400 and "廃止日は設置日以降" in r.content.decode()


# --- Refused writes are audited ----------------------------------------------------------------------


def test_refused_api_write_writes_permission_denied_event(api_client, role_users, orgs):
    system = make_system(orgs["税務課"])
    api_client.force_authenticate(role_users["viewer"])
    r = api_client.patch(f"/api/v1/ledger/systems/{system.pk}/", {"notes": "x"}, format="json")
    assert r.status_code == 403
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PERMISSION_DENIED)
    assert event.actor_username == "t-viewer" and event.detail["method"] == "PATCH"


def test_refused_page_write_writes_permission_denied_event(client, role_users, orgs):
    client.force_login(role_users["viewer"])
    r = client.post(reverse("ledger:vendor_add"), {"name": "x"})
    assert r.status_code == 403
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.PERMISSION_DENIED,
        actor_username="t-viewer",
        detail__path=reverse("ledger:vendor_add"),
    ).exists()


def test_refused_read_is_not_audited(client, role_users):
    client.force_login(role_users["viewer"])
    assert client.get(reverse("core:audit_log")).status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PERMISSION_DENIED).exists()


# --- Japanese error pages ----------------------------------------------------------------------------


def test_404_page_is_japanese_in_the_layout_with_a_way_back(client, role_users):
    client.force_login(role_users["admin"])
    r = client.get("/ledger/systems/987654/")
    assert r.status_code == 404
    page = r.content.decode()
    assert "ページが見つかりません" in page and "ホームへ戻る" in page and 'id="main"' in page


def test_403_page_is_japanese(client, role_users):
    client.force_login(role_users["viewer"])
    r = client.get(reverse("core:audit_log"))
    assert r.status_code == 403
    page = r.content.decode()
    assert "権限がありません" in page and "ホームへ戻る" in page


def test_api_keeps_json_body_on_unknown_url(api_client, role_users):
    api_client.force_authenticate(role_users["admin"])
    r = api_client.get("/api/v1/no-such-thing/")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_csrf_failure_is_a_japanese_page(role_users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(role_users["admin"])
    r = client.post(reverse("core:fiscal_year_switch"), {"fiscal_year": "2026"})
    assert r.status_code == 403
    page = r.content.decode()
    assert "送信を確認できませんでした" in page and "ホームへ戻る" in page


def test_400_page_is_japanese(rf, role_users):
    from saiteki.core.views.errors import bad_request

    request = rf.get("/x/")
    request.user = role_users["admin"]
    r = bad_request(request)
    assert r.status_code == 400 and "要求を処理できませんでした" in r.content.decode()


def test_500_page_renders_without_the_database(rf):
    from saiteki.core.views.errors import server_error

    request = rf.get("/ledger/systems/")
    for conn in connections.all():
        conn.close()
    real_connect = connections["default"].connect

    def refuse():
        raise RuntimeError("database is down")

    connections["default"].connect = refuse
    try:
        r = server_error(request)
    finally:
        connections["default"].connect = real_connect
    assert r.status_code == 500
    page = r.content.decode()
    assert "サーバで問題が発生しました" in page and "ホームへ戻る" in page


def test_unexpected_error_answers_the_500_page(client, role_users, monkeypatch):
    from saiteki.core.views import pages

    def boom(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(pages, "home", boom)
    client.raise_request_exception = False
    client.force_login(role_users["admin"])
    # The URLconf holds a reference to the original view; call the handler Django uses for a 500.
    from django.urls import get_resolver

    callback = get_resolver().resolve_error_handler(500)
    r = callback(client.get("/").wsgi_request)
    assert r.status_code == 500 and "サーバで問題が発生しました" in r.content.decode()


# --- API schema and docs -----------------------------------------------------------------------------


def test_schema_and_docs_need_login(client, api_client):
    r = api_client.get("/api/schema/")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
    r = client.get("/api/docs/")
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]


def test_docs_render_under_csp_without_inline_script(client, role_users):
    client.force_login(role_users["viewer"])
    r = client.get("/api/docs/")
    assert r.status_code == 200
    page = r.content.decode()
    csp = r["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "<script>" not in page and "<style>" not in page  # nothing inline for the CSP to block
    assert "?script=" in page or "&amp;script=" in page
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()
    assert client.get("/api/schema/").status_code == 200


def test_openapi_nullable_names_and_scenario_enums(client, role_users):
    import yaml

    client.force_login(role_users["admin"])
    schema = yaml.safe_load(client.get("/api/schema/").content)
    props = schema["components"]["schemas"]
    assert props["Organization"]["properties"]["parent_name"].get("nullable") is True
    assert props["System"]["properties"]["bureau_name"].get("nullable") is True
    segment = props["Scenario"]["properties"]["filter_segment"]
    refs = [part.get("$ref", "") for part in segment.get("oneOf", [])]
    assert any(ref.endswith("/BlankEnum") for ref in refs), segment


def test_model_validation_error_nobody_caught_is_a_400_not_a_500(rf, role_users):
    """A service's ``full_clean`` refusing a value no form checked first: the page and the API answer
    400 with the model's Japanese message (a safety net; forms and serializers normally catch it)."""
    from django.core.exceptions import ValidationError

    from saiteki.core.api.exceptions import exception_handler
    from saiteki.core.views.errors import ErrorResponseMiddleware

    error = ValidationError({"amount": ["金額が大きすぎます。"]})
    request = rf.post("/ledger/systems/1/costs/")
    request.user = role_users["admin"]
    page = ErrorResponseMiddleware(lambda r: None).process_exception(request, error)
    assert page.status_code == 400
    assert "金額が大きすぎます。" in page.content.decode()
    api = exception_handler(error, {"request": rf.post("/api/v1/ledger/costs/")})
    assert api.status_code == 400
    assert api.data["error"]["code"] == "invalid"
    assert api.data["error"]["fields"] == {"amount": ["金額が大きすぎます。"]}
