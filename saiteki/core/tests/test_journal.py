"""Karte entries on any business object; a bad entry changes nothing."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from saiteki.core.models import JournalAttachment, JournalEntry

pytestmark = pytest.mark.django_db


def _url(obj):
    return reverse("core:journal_add", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


def test_admin_adds_an_entry_with_attachment(client, role_users, orgs):
    org = orgs["税務課"]
    client.force_login(role_users["admin"])
    f = SimpleUploadedFile("議事録.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(
        _url(org),
        {"kind": "consultation", "date": "R8.4.1", "title": "更改の相談", "body": "内容", "files": [f]},
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get()
    assert entry.object == org and entry.date.isoformat() == "2026-04-01" and entry.author_name == "t-admin"
    assert entry.attachments.get().name == "議事録.pdf"
    detail = client.get(org.get_absolute_url()).content.decode()
    assert "更改の相談" in detail and "相談" in detail


def test_bad_entries_change_nothing(client, role_users, orgs):
    org = orgs["税務課"]
    client.force_login(role_users["admin"])
    bad = SimpleUploadedFile("evil.exe", b"MZ", content_type="application/octet-stream")
    client.post(_url(org), {"kind": "note", "date": "R8.4.1", "title": "添付あり", "files": [bad]})
    client.post(_url(org), {"kind": "note", "date": "令和8年13月1日", "title": "日付誤り"})
    client.post(_url(org), {"kind": "note", "date": "R8.4.1", "title": "  "})
    assert JournalEntry.objects.count() == 0 and JournalAttachment.objects.count() == 0
    page = client.get(org.get_absolute_url(), follow=True).content.decode()
    assert "件名を入力してください。" in page


def test_viewers_cannot_write_the_karte(client, role_users, orgs):
    org = orgs["税務課"]
    for role in ("viewer", "auditor", "owner"):
        client.force_login(role_users[role])
        assert client.post(_url(org), {"kind": "note", "date": "R8.4.1", "title": "x"}).status_code == 403
    assert JournalEntry.objects.count() == 0
