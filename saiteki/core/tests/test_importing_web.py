"""The import pipeline's generic pages and API endpoints, on the plugin's registered importer."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from saiteki.core.models import Job
from saiteki.core.tests.plugin.models import Gadget
from saiteki.core.tests.test_importing import book, state

NAME = "plugin.gadgets"


@pytest.fixture
def gadget(orgs):
    return Gadget.objects.create(code="G-1", name="税の箱", division=orgs["税務課"], amount=100)


def upload(data: bytes, name: str = "g.xlsx"):
    f = io.BytesIO(data)
    f.name = name
    return f


# --------------------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_upload_preview_apply(api_client, gadget, role_users):
    api_client.force_authenticate(role_users["admin"])
    response = api_client.post(
        f"/api/v1/imports/{NAME}/",
        {"file": upload(book([("G-1", "税の箱（API）", "税務課", 100)])), "unit": "円"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "previewed" and body["counts"]["updated"] == 1
    assert body["changes"][0]["changes"][0]["new"] == "税の箱（API）"
    assert Gadget.objects.get().name == "税の箱"

    detail = api_client.get(f"/api/v1/imports/{body['id']}/")
    assert detail.status_code == 200 and detail.json()["fingerprint"] == body["fingerprint"]

    applied = api_client.post(
        f"/api/v1/imports/{body['id']}/apply/", {"fingerprint": body["fingerprint"]}, format="json"
    )
    assert applied.status_code == 200, applied.content
    assert applied.json()["status"] == "applied"
    assert Gadget.objects.get().name == "税の箱（API）"
    again = api_client.post(f"/api/v1/imports/{body['id']}/apply/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


@pytest.mark.django_db
def test_api_bad_file_is_a_400_with_the_japanese_message(api_client, gadget, role_users):
    api_client.force_authenticate(role_users["admin"])
    before = state()
    response = api_client.post(
        f"/api/v1/imports/{NAME}/", {"file": upload(b"not a workbook", "g.xlsx")}, format="multipart"
    )
    assert response.status_code == 400
    assert "ファイルが壊れているか" in response.json()["error"]["message"]
    assert state() == before


@pytest.mark.django_db
def test_api_row_errors_and_changed_data(api_client, gadget, role_users):
    api_client.force_authenticate(role_users["admin"])
    bad = api_client.post(
        f"/api/v1/imports/{NAME}/", {"file": upload(book([("G-1", "x", "ない課", 1)]))}, format="multipart"
    )
    assert bad.status_code == 201 and bad.json()["error_count"] == 1
    refused = api_client.post(f"/api/v1/imports/{bad.json()['id']}/apply/", {}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "import_row_errors"

    good = api_client.post(
        f"/api/v1/imports/{NAME}/", {"file": upload(book([("G-1", "新", "税務課", 1)]))}, format="multipart"
    ).json()
    Gadget.objects.filter(code="G-1").update(amount=5)  # someone else changed it after the preview
    stale = api_client.post(
        f"/api/v1/imports/{good['id']}/apply/", {"fingerprint": good["fingerprint"]}, format="json"
    )
    assert stale.status_code == 409
    assert Gadget.objects.get().name == "税の箱"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["viewer", "auditor", "advisor"])
def test_api_refuses_roles_without_the_import_right(api_client, gadget, role_users, role):
    api_client.force_authenticate(role_users[role])
    response = api_client.post(
        f"/api/v1/imports/{NAME}/", {"file": upload(book([("G-1", "x", "税務課", 1)]))}, format="multipart"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Gadget.objects.get().name == "税の箱"


@pytest.mark.django_db
def test_api_uploads_are_private_and_unknown_importers_404(api_client, gadget, role_users):
    api_client.force_authenticate(role_users["admin"])
    token = api_client.post(
        f"/api/v1/imports/{NAME}/", {"file": upload(book([("G-1", "x", "税務課", 1)]))}, format="multipart"
    ).json()["id"]
    api_client.force_authenticate(role_users["owner"])
    assert api_client.get(f"/api/v1/imports/{token}/").status_code == 404
    assert api_client.post(f"/api/v1/imports/{token}/apply/", {}, format="json").status_code == 404
    assert (
        api_client.post(
            "/api/v1/imports/nothing.here/", {"file": upload(b"x")}, format="multipart"
        ).status_code
        == 404
    )


# --------------------------------------------------------------------------------------------------------
# Generic pages
# --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_generic_pages_upload_preview_apply_and_template(client, gadget, role_users):
    client.force_login(role_users["admin"])
    url = reverse("core:import_upload", args=[NAME])
    upload_page = client.get(url)
    assert upload_page.status_code == 200
    assert "取込対象: ガジェット。" in upload_page.content.decode()  # the label, not an empty call
    template = client.get(reverse("core:import_template", args=[NAME]))
    assert template.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    ws = wb["ガジェット"] if "ガジェット" in wb.sheetnames else wb.worksheets[0]
    assert [c.value for c in ws[1]] == ["コード", "名称", "所属", "金額"]
    ws["B2"] = "税の箱（画面）"
    buf = io.BytesIO()
    wb.save(buf)
    response = client.post(url, {"file": upload(buf.getvalue()), "unit": "円", "blank": "keep"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "税の箱（画面）" in page
    assert '<th scope="row">ガジェット</th>' in page
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)
    done = client.post(response["Location"], {"fingerprint": fingerprint})
    assert done.status_code == 302
    assert Gadget.objects.get().name == "税の箱（画面）"


@pytest.mark.django_db
def test_generic_pages_refuse_roles_and_unknown_importers(client, gadget, role_users):
    client.force_login(role_users["viewer"])
    assert client.get(reverse("core:import_upload", args=[NAME])).status_code == 403
    client.force_login(role_users["admin"])
    assert client.get(reverse("core:import_upload", args=["nothing.here"])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_large_uploads_are_planned_and_applied_in_the_worker(client, orgs, role_users, settings):
    from saiteki.core.testing import run_pending_tasks

    settings.SAITEKI_IMPORT_SYNC_BYTES = 0
    client.force_login(role_users["admin"])
    data = book([(f"G-{i}", f"箱{i}", "税務課", i) for i in range(20)])
    response = client.post(
        reverse("core:import_upload", args=[NAME]), {"file": upload(data), "unit": "円", "blank": "keep"}
    )
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    run_pending_tasks()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    page = client.get(job.result["url"]).content.decode()
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)
    response = client.post(job.result["url"], {"fingerprint": fingerprint})
    apply_job = Job.objects.order_by("-created_at").first()
    assert response["Location"] == reverse("core:job_detail", args=[apply_job.pk])
    run_pending_tasks()
    apply_job.refresh_from_db()
    assert apply_job.status == "succeeded", apply_job.error
    assert Gadget.objects.count() == 20
