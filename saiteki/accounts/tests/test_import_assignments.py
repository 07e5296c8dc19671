"""The April reassignment through the import pipeline: dry run, apply via assignment_set, audit, rights."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from saiteki.accounts.models import Assignment
from saiteki.core.errors import PermissionDeniedError
from saiteki.core.importing import services as pipeline
from saiteki.core.models import AuditEvent

NAME = "accounts.assignments"


def book(rows) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "役割の割当"
    wb.active.append(["ログインID", "年度", "役割", "所属"])
    for r in rows:
        wb.active.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.django_db
def test_april_reassignment_from_a_spreadsheet(role_users, orgs):
    admin = role_users["admin"]
    year = Assignment.objects.get(user=role_users["owner"]).fiscal_year
    data = book(
        [
            ("t-owner", f"{year + 1}", "システム所管課", "県立図書館"),  # moves division next April
            ("t-viewer", f"{year + 1}", "監査", ""),
            ("t-advisor", year, "CIO補佐官", ""),  # unchanged
        ]
    )
    role_changes = AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLE_CHANGE).count()  # the fixtures'
    preview = pipeline.import_preview(importer=NAME, user=admin, source=data, file_name="異動.xlsx")
    assert preview.error_count == 0, preview.errors
    assert preview.counts["created"] == 2 and preview.counts["unchanged"] == 1
    pipeline.import_apply(importer=NAME, user=admin, source=data, file_name="異動.xlsx")
    moved = Assignment.objects.get(user=role_users["owner"], fiscal_year=year + 1)
    assert moved.division == orgs["県立図書館"] and moved.role == "owner"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLE_CHANGE).count() == role_changes + 2
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT).count() == 1


@pytest.mark.django_db
def test_rows_are_checked_and_nothing_is_written_on_error(role_users, orgs):
    admin = role_users["admin"]
    before = list(Assignment.objects.values_list("user_id", "fiscal_year", "role", "division_id"))
    data = book(
        [
            ("nobody", 2030, "監査", ""),
            ("t-viewer", 2030, "システム所管課", ""),
            ("t-auditor", 2030, "社長", ""),
        ]
    )
    preview = pipeline.import_preview(importer=NAME, user=admin, source=data, file_name="x.xlsx")
    assert {(e.row, e.column) for e in preview.errors} == {(2, "ログインID"), (3, "所属"), (4, "役割")}
    assert list(Assignment.objects.values_list("user_id", "fiscal_year", "role", "division_id")) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "viewer", "auditor", "advisor"])
def test_only_user_managers_may_import(client, role_users, role):
    with pytest.raises(PermissionDeniedError):
        pipeline.import_preview(importer=NAME, user=role_users[role], source=book([]), file_name="x.xlsx")
    client.force_login(role_users[role])
    assert client.get(reverse("core:import_upload", args=[NAME])).status_code == 403


@pytest.mark.django_db
def test_the_template_round_trips(client, role_users):
    client.force_login(role_users["admin"])
    data = client.get(reverse("core:import_template", args=[NAME])).content
    preview = pipeline.import_preview(
        importer=NAME, user=role_users["admin"], source=data, file_name="t.xlsx"
    )
    assert preview.error_count == 0 and preview.rows == [] and preview.counts["unchanged"] >= 5
