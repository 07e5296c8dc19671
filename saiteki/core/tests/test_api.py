"""API base: token auth, one error shape, pagination with count, OpenAPI served offline."""

import pytest

from saiteki.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_token_auth_round_trip(api_client, role_users):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "t-admin", "password": "pw-test-12345"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/").json()
    assert me["username"] == "t-admin" and me["role"] == "admin"
    assert AuditEvent.objects.filter(kind="token_issued", actor_username="t-admin").exists()


def test_bad_credentials_give_the_error_body(api_client, role_users):
    response = api_client.post("/api/v1/auth/token/", {"username": "t-admin", "password": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid_credentials",
            "message": "ユーザー名またはパスワードが正しくありません。",
            "fields": {},
        }
    }


def test_unauthenticated_gets_401_in_japanese(api_client, orgs):
    response = api_client.get("/api/v1/accounts/organizations/")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated" and "ログイン" in error["message"]


def test_validation_error_shape(api_client, role_users, orgs):
    api_client.force_authenticate(role_users["admin"])
    response = api_client.post(
        "/api/v1/accounts/organizations/", {"kind": "nonsense", "code": ""}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"] == "入力内容に誤りがあります。"
    assert set(error["fields"]) >= {"kind", "code", "name"}


def test_list_is_paginated_with_count(api_client, role_users, orgs):
    api_client.force_authenticate(role_users["viewer"])
    body = api_client.get("/api/v1/accounts/organizations/?page_size=2").json()
    assert body["count"] == 6 and len(body["results"]) == 2 and body["next"]


def test_schema_documents_errors_and_if_match(api_client, role_users):
    api_client.force_authenticate(role_users["admin"])
    response = api_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    patch = schema["paths"]["/api/v1/accounts/organizations/{id}/"]["patch"]
    assert {"400", "403", "404", "412"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" for p in patch["parameters"])
    ref = patch["responses"]["412"]["content"]["application/json"]["schema"]["$ref"]
    assert "Error" in ref
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert component["required"] == ["error"]
    detail_ref = component["properties"]["error"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][detail_ref]["properties"]) == {"code", "message", "fields"}


def test_swagger_ui_loads_nothing_from_the_internet(client, role_users):
    client.force_login(role_users["admin"])
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "https://" not in html.replace("https://swagger.io", "")
