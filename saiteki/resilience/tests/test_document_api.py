"""BCP documents through the API: upload with the metadata (multipart), replace, all-or-nothing, the
policy on the server, kind/size/content checks with Japanese errors, and the change log."""

from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from saiteki.core.models import ObjectChange
from saiteki.resilience import services
from saiteki.resilience.models import BcpDocument

pytestmark = pytest.mark.django_db
URL = "/api/v1/resilience/bcp-documents/"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DOCX = b"PK\x03\x04" + b"\x00" * 60


def upload(name: str, content: bytes, kind: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=kind)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "resilience" / "bcp"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def history(doc) -> list[ObjectChange]:
    return list(
        ObjectChange.objects.filter(object_id=doc.pk, content_type__model="bcpdocument").order_by("pk")
    )


def test_owner_uploads_a_document_for_an_own_system_with_its_file(api_client, role_users, world, settings):
    api_client.force_authenticate(role_users["owner"])
    response = api_client.post(
        URL,
        {
            "title": "県税システム復旧手順書",
            "kind": "procedure",
            "systems": [world["own"].pk],
            "file": upload("復旧手順.pdf", PDF, "application/pdf"),
        },
        format="multipart",
        HTTP_X_CHANGE_REASON=quote("年次見直し"),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    doc = BcpDocument.objects.get(pk=body["id"])
    assert body["file_name"] == "復旧手順.pdf" and body["size"] == len(PDF)
    assert body["download_url"] and "file" not in body  # the file itself is downloaded, never echoed
    assert doc.file.read() == PDF and len(doc.sha256) == 64
    [created] = history(doc)
    assert created.action == "create" and created.reason == "年次見直し"
    assert created.postchange_data["file_name"] == "復旧手順.pdf"
    # The file downloads from the page URL the API names.
    from django.test import Client

    client = Client()
    client.force_login(role_users["owner"])
    got = client.get(body["download_url"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF


def test_replacing_the_file_is_recorded_even_under_the_same_name(
    api_client, role_users, world, settings, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(role_users["admin"])
    doc = world["global_doc"]
    old_path = Path(doc.file.path)
    assert old_path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        first = api_client.patch(
            f"{URL}{doc.pk}/", {"file": upload("bcp.txt", b"ICT-BCP v4")}, format="multipart"
        )
    assert first.status_code == 200, first.content
    doc.refresh_from_db()
    assert doc.file.read() == b"ICT-BCP v4" and doc.title == "全庁ICT-BCP"
    assert not old_path.exists()  # the replaced file is removed once the change committed
    digest = doc.sha256
    # Same name, same size, other content: still a change in the history.
    with django_capture_on_commit_callbacks(execute=True):
        second = api_client.patch(
            f"{URL}{doc.pk}/", {"file": upload("bcp.txt", b"ICT-BCP v5")}, format="multipart"
        )
    assert second.status_code == 200
    doc.refresh_from_db()
    changes = [c for c in history(doc) if c.action == "update"]
    assert len(changes) == 2
    assert changes[-1].prechange_data["sha256"] == digest != changes[-1].postchange_data["sha256"]
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("setup.exe", b"MZ\x90\x00", "添付できない種類のファイルです"),
        ("計画.pdf", b"MZ\x90\x00 not a pdf", "拡張子（pdf）と内容が一致しません"),
        ("計画.docx", PDF, "拡張子（docx）と内容が一致しません"),
        ("メモ.txt", b"abc\x00\x01\x02", "テキストファイルではありません"),
        ("空.pdf", b"", "空"),  # DRF's own refusal of an empty upload, in Japanese
    ],
)
def test_wrong_files_are_refused_with_japanese_errors_and_nothing_is_written(
    api_client, role_users, world, settings, name, content, expected
):
    api_client.force_authenticate(role_users["admin"])
    before = (BcpDocument.objects.count(), ObjectChange.objects.count(), stored_files(settings))
    response = api_client.post(
        URL, {"title": "誤ったファイル", "file": upload(name, content)}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert any(expected in m for m in body["error"]["fields"]["file"]), body
    assert (BcpDocument.objects.count(), ObjectChange.objects.count(), stored_files(settings)) == before


def test_too_large_a_file_is_refused(api_client, role_users, world, settings):
    settings.SAITEKI_MAX_UPLOAD_BYTES = 1024
    api_client.force_authenticate(role_users["admin"])
    doc = world["global_doc"]
    response = api_client.patch(
        f"{URL}{doc.pk}/", {"file": upload("大きい.pdf", PDF + b"0" * 2048)}, format="multipart"
    )
    assert response.status_code == 400
    assert "大きすぎます（上限0MB）" in response.json()["error"]["fields"]["file"][
        0
    ] or "大きすぎます" in str(response.json())
    doc.refresh_from_db()
    assert doc.file.read() == b"ICT-BCP"


def test_the_policy_decides_on_the_server(api_client, role_users, world, settings):
    owner = role_users["owner"]
    api_client.force_authenticate(owner)
    # A prefecture-wide document (no systems) is for admins only.
    refused = api_client.post(URL, {"title": "全庁文書", "file": upload("a.pdf", PDF)}, format="multipart")
    assert refused.status_code in (400, 403), refused.content  # the owner's links must name own systems
    # Another division's system cannot be named.
    foreign = api_client.post(
        URL,
        {"title": "他所属", "systems": [world["other"].pk], "file": upload("a.pdf", PDF)},
        format="multipart",
    )
    assert foreign.status_code in (400, 403)
    # The prefecture-wide document is read-only for the owner; another division's is not there.
    ro = api_client.patch(
        f"{URL}{world['global_doc'].pk}/", {"file": upload("x.pdf", PDF)}, format="multipart"
    )
    assert ro.status_code == 403
    hidden = api_client.patch(
        f"{URL}{world['other_doc'].pk}/", {"file": upload("x.pdf", PDF)}, format="multipart"
    )
    assert hidden.status_code == 404
    for role in ("advisor", "viewer", "auditor"):
        api_client.force_authenticate(role_users[role])
        r = api_client.post(
            URL,
            {"title": "x", "systems": [world["own"].pk], "file": upload("a.pdf", PDF)},
            format="multipart",
        )
        assert r.status_code == 403, role
    assert stored_files(settings) == [Path(world["global_doc"].file.path)]
    assert BcpDocument.objects.count() == 2


def test_a_failed_database_write_leaves_no_file_behind(role_users, world, settings):
    """All-or-nothing: the model refuses the metadata after the file passed its checks; the stored
    file is removed again and the document is as it was."""
    doc = world["global_doc"]
    with pytest.raises(services.ValidationFailed):
        services.document_save(
            user=role_users["admin"],
            document=doc,
            values={"title": ""},  # required: full_clean refuses
            upload=upload("新版.docx", DOCX),
        )
    doc.refresh_from_db()
    assert doc.title == "全庁ICT-BCP" and doc.file_name == "bcp.txt"
    assert stored_files(settings) == [Path(doc.file.path)]

    class Boom(Exception):
        pass

    from django.db.models.signals import m2m_changed

    def fail(**kwargs):
        raise Boom

    m2m_changed.connect(fail, sender=BcpDocument.systems.through)
    try:
        with pytest.raises(Boom):
            services.document_save(
                user=role_users["admin"],
                document=None,
                values={"title": "新規"},
                systems=[world["own"]],
                upload=upload("新規.docx", DOCX),
            )
    finally:
        m2m_changed.disconnect(fail, sender=BcpDocument.systems.through)
    assert not BcpDocument.objects.filter(title="新規").exists()
    assert stored_files(settings) == [Path(doc.file.path)]


def test_stale_if_match_refuses_the_upload(api_client, role_users, world, settings):
    from saiteki.core.api.viewsets import etag_for

    doc = world["global_doc"]
    api_client.force_authenticate(role_users["admin"])
    stale = etag_for(doc)
    BcpDocument.objects.filter(pk=doc.pk).update(version=doc.version + 1)
    response = api_client.patch(
        f"{URL}{doc.pk}/", {"file": upload("bcp2.pdf", PDF)}, format="multipart", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    doc.refresh_from_db()
    assert doc.file_name == "bcp.txt"
    assert len(stored_files(settings)) == 1


def test_the_page_form_refuses_a_renamed_program_too(client, role_users, world):
    client.force_login(role_users["admin"])
    doc = world["global_doc"]
    response = client.post(
        f"/resilience/documents/{doc.pk}/edit/",
        {"title": doc.title, "kind": doc.kind, "upload": upload("計画.pdf", b"MZ\x90\x00")},
    )
    assert response.status_code in (200, 400)
    assert "拡張子（pdf）と内容が一致しません" in response.content.decode()
    doc.refresh_from_db()
    assert doc.file_name == "bcp.txt"
