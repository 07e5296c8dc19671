"""Issue 8: karte attachments — an allowlist of types, normalised names, and a download route that
checks the permission of the object the karte entry belongs to."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from saiteki.core.attachments import attachment_name_normalise
from saiteki.core.models import JournalAttachment, JournalEntry
from saiteki.ledger.tests.factories import make_system

pytestmark = pytest.mark.django_db


def _url(obj):
    return reverse("core:journal_add", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


def _post(client, obj, name, content=b"data"):
    f = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(_url(obj), {"kind": "note", "date": "R8.4.1", "title": "添付", "files": [f]})


@pytest.mark.parametrize(
    "name",
    [
        "x.exe ",
        "x.exe.",
        "report.hta",
        "run.wsf",
        "link.lnk",
        "app.jar",
        "macro.docm",
        "page.html",
        "a.svg",
        "noext",
    ],
)
def test_types_outside_the_allowlist_are_refused(client, role_users, orgs, name):
    system = make_system(orgs["税務課"])
    client.force_login(role_users["admin"])
    _post(client, system, name)
    assert JournalEntry.objects.count() == 0 and JournalAttachment.objects.count() == 0


@pytest.mark.parametrize(
    "name",
    ["議事録.pdf", "経費.xlsx", "報告.docx", "説明.pptx", "一覧.csv", "memo.txt", "画面.png", "写真.JPG"],
)
def test_allowed_types_are_accepted(client, role_users, orgs, name):
    system = make_system(orgs["税務課"])
    client.force_login(role_users["admin"])
    assert _post(client, system, name).status_code == 302
    assert JournalAttachment.objects.get().name == name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("..\\..\\windows\\報告書.pdf", "報告書.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("ＡＢＣ１２３.pdf", "ABC123.pdf"),
        ("memo.txt. . ", "memo.txt"),
        ("bad\x00name.pdf", "badname.pdf"),
    ],
)
def test_names_are_normalised(raw, clean):
    assert attachment_name_normalise(raw) == clean


def test_download_checks_the_permission_of_the_object(client, role_users, orgs):
    own = make_system(orgs["税務課"])
    client.force_login(role_users["admin"])
    assert _post(client, own, "議事録.pdf", b"%PDF-1.4 secret").status_code == 302
    attachment = JournalAttachment.objects.get()
    url = reverse("core:attachment_download", args=[attachment.pk])
    page = client.get(own.get_absolute_url() + "?tab=karte").content.decode()
    assert url in page
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 secret"
    assert r["Content-Disposition"].startswith("attachment")
    client.force_login(role_users["owner"])  # 税務課: own division
    assert client.get(url).status_code == 200
    other = make_system(orgs["県立図書館"])
    client.force_login(role_users["admin"])
    _post(client, other, "図書館.pdf", b"%PDF other")
    other_url = reverse(
        "core:attachment_download", args=[JournalAttachment.objects.get(name="図書館.pdf").pk]
    )
    client.force_login(role_users["owner"])
    assert client.get(other_url).status_code == 404
    client.force_login(role_users["none"])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
