"""The installation scan through the import pipeline: round trip, replacement with history, every kind of
bad file (nothing changes), owners limited to their own devices, the API upload and the background job."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from saiteki.core.importing import ImportRefused, ImportRowErrors
from saiteki.core.importing import services as pipeline
from saiteki.core.models import AuditEvent, ObjectChange
from saiteki.sam.choices import MatchMethod
from saiteki.sam.models import Device, Installation, Scan, SoftwareName

from .conftest import scan_csv

pytestmark = pytest.mark.django_db

ROWS = [
    ("tax-0", "Microsoft Office Professional Plus 2019 - ja-jp", "16.0.10827", "2024-04-01", "K0"),
    ("tax-0", "一太郎２０２３", "33.0", "令和6年4月1日", "K0"),
    ("ＴＡＸ－１", "Microsoft Office Professional Plus 2016", "16.0.4266", "2019/04/01", ""),
    ("tax-2", "AutoCAD LT 2022 - 日本語 (Japanese)", "R.47", "", "K2"),
    ("lib-0", "Microsoft Office Professional Plus 2019", "16.0.10827", "", ""),
]


def apply(user, data: bytes, name: str = "scan.csv"):
    return pipeline.import_apply(importer="sam.scans", user=user, source=data, file_name=name)


def preview(user, data: bytes, name: str = "scan.csv"):
    return pipeline.import_preview(importer="sam.scans", user=user, source=data, file_name=name)


def snapshot():
    return (
        sorted(Installation.objects.values_list("device_id", "raw_name", "version", "active")),
        Device.objects.count(),
        Scan.objects.count(),
        SoftwareName.objects.count(),
    )


def test_round_trip_and_replacement_keeps_history(sam_world, role_users):
    admin = role_users["admin"]
    first = apply(admin, scan_csv(ROWS))
    assert first.counts["added"] == 5 and first.counts["devices"] == 4 and first.counts["errors"] == 0
    tax1 = Device.objects.get(hostname="tax-1")  # 全角 hostname found the device
    assert Installation.objects.filter(device=tax1, active=True).count() == 1
    # Names matched to titles (the title's own words), full-width 一太郎 has no title: queued.
    office = SoftwareName.objects.get(title=sam_world["office19"])
    assert office.method == MatchMethod.AUTO and office.installations == 2
    assert SoftwareName.objects.get(example="一太郎２０２３").method == MatchMethod.NONE
    # The same file again changes nothing.
    again = apply(admin, scan_csv(ROWS))
    assert (again.counts["added"], again.counts["removed"], again.counts["unchanged"]) == (0, 0, 5)
    # A new scan of tax-0 only: Office removed, a new version of 一太郎 added; other devices untouched.
    third = apply(admin, scan_csv([("tax-0", "一太郎２０２３", "33.1", "", "K0")]))
    assert (third.counts["added"], third.counts["removed"]) == (1, 2)
    tax0 = Device.objects.get(hostname="tax-0")
    current = Installation.objects.filter(device=tax0, active=True)
    assert [(i.raw_name, i.version) for i in current] == [("一太郎２０２３", "33.1")]
    closed = Installation.objects.filter(device=tax0, active=False)
    assert closed.count() == 2 and all(
        i.removed_scan_id == Scan.objects.order_by("-pk")[0].pk for i in closed
    )
    assert Installation.objects.filter(device__hostname="lib-0", active=True).count() == 1
    assert Scan.objects.count() == 3 and AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT).count() == 3
    assert tax0.last_scan_id == Scan.objects.order_by("-pk")[0].pk and tax0.scanned_user == "K0"


def test_admin_scan_registers_unknown_hosts_with_history(sam_world, role_users):
    result = apply(role_users["admin"], scan_csv([("new-pc-9", "Google Chrome", "120", "", "")]))
    assert result.counts["new_devices"] == 1
    device = Device.objects.get(hostname="new-pc-9")
    assert device.division_id is None
    change = ObjectChange.objects.get(object_id=device.pk, content_type__model="device")
    assert change.action == "create" and change.reason == "スキャン取込: scan.csv"


def test_shift_jis_file(sam_world, role_users):
    data = scan_csv(ROWS, encoding="cp932")
    result = apply(role_users["admin"], data)
    assert result.counts["added"] == 5
    assert "文字コード: Shift_JIS" in result.notes
    assert Installation.objects.filter(raw_name="一太郎２０２３").exists()


def test_xlsx_template_imports_back(sam_world, role_users):
    from saiteki.core.importing.importer import importer_class

    cls = importer_class("sam.scans")
    data = cls.template(user=role_users["admin"])
    result = preview(role_users["admin"], data, "template.xlsx")
    assert result.counts["rows"] == 1 and result.counts["new_devices"] == 1 and not result.has_errors


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"", "scan.csv", "ファイルが空です"),
        ("ホスト名,ソフトウェア名\r\n".encode(), "scan.csv", "スキャン結果の行がありません"),
        ("ホスト,名前\r\ntax-0,Office\r\n".encode(), "scan.csv", "必須の列がありません"),
        ("ホスト名,バージョン\r\ntax-0,1.0\r\n".encode(), "scan.csv", "ソフトウェア名"),
        (b"\xff\xfeh\x00o\x00s\x00t\x00", "scan.csv", "壊れている"),  # UTF-16 (NULs)
        (
            "ホスト名,ソフトウェア名\r\ncafé,x\r\n".encode("latin-1", "replace") + b"\xe9\x2c\xff",
            "scan.csv",
            "文字コード",
        ),
        (b"PK\x03\x04garbage", "scan.xlsx", "壊れている"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "scan.xls", "パスワード"),
        (b"hello", "scan.pdf", "取り込めるのは"),
    ],
    ids=[
        "empty",
        "header-only",
        "missing-columns",
        "missing-software",
        "utf16",
        "wrong-encoding",
        "broken-xlsx",
        "xls",
        "pdf",
    ],
)
def test_bad_files_are_refused_and_change_nothing(sam_world, role_users, data, name, expected):
    before = snapshot()
    with pytest.raises(ImportRefused) as exc:
        apply(role_users["admin"], data, name)
    assert expected in str(exc.value.message)
    assert snapshot() == before


def test_huge_file_is_refused(sam_world, role_users, settings):
    settings.SAITEKI_MAX_UPLOAD_BYTES = 1024
    before = snapshot()
    data = scan_csv([("tax-0", f"Program {i}", "1.0", "", "") for i in range(100)])
    with pytest.raises(ImportRefused) as exc:
        apply(role_users["admin"], data)
    assert "大きすぎます" in str(exc.value.message)
    assert snapshot() == before


def test_bad_rows_are_reported_by_line_and_nothing_is_written(sam_world, role_users):
    apply(role_users["admin"], scan_csv(ROWS))
    before = snapshot()
    rows = [
        ("tax-0", "Office", "1", "2024-13-45", ""),  # line 2: bad date
        ("", "Office", "1", "", ""),  # line 3: no hostname
        ("tax-1", "", "1", "", ""),  # line 4: no software
        ("tax-2", "Visio", "1", "あした", ""),  # line 5: bad date
    ]
    with pytest.raises(ImportRowErrors) as exc:
        apply(role_users["admin"], scan_csv(rows))
    errors = exc.value.preview.errors
    assert [(e.row, e.column) for e in errors] == [
        (2, "インストール日"),
        (3, "ホスト名"),
        (4, "ソフトウェア名"),
        (5, "インストール日"),
    ]
    assert all(e.message for e in errors)
    assert snapshot() == before


def test_owner_scans_only_own_devices(sam_world, role_users):
    owner = role_users["owner"]  # 税務課
    rows = [
        ("tax-0", "Office", "1", "", ""),
        ("lib-0", "Office", "1", "", ""),
        ("ghost-1", "Office", "1", "", ""),
    ]
    with pytest.raises(ImportRowErrors) as exc:
        apply(owner, scan_csv(rows))
    messages = [e.message for e in exc.value.preview.errors]
    # Another 所属's device and an unknown host get the same answer (nothing leaks).
    assert len(messages) == 2 and all("登録されていないか、取り込む権限がありません" in m for m in messages)
    result = apply(owner, scan_csv(rows[:1]))
    assert result.counts["added"] == 1
    assert Scan.objects.get().division.name == "税務課"


@pytest.mark.parametrize("role", ["advisor", "viewer", "auditor", "none"])
def test_roles_without_import_right_are_refused(sam_world, role_users, role):
    from saiteki.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        apply(role_users[role], scan_csv(ROWS))
    assert not Installation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_upload_through_the_import_api_runs_as_a_background_job(sam_world, role_users, api_client, settings):
    from saiteki.core.models import Job
    from saiteki.core.testing import run_pending_tasks

    settings.SAITEKI_IMPORT_SYNC_BYTES = 100  # every upload is "large": preview and apply are jobs
    api_client.force_authenticate(role_users["admin"])
    upload = SimpleUploadedFile("scan.csv", scan_csv(ROWS), content_type="text/csv")
    response = api_client.post("/api/v1/sam/scans/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    token = response.json()["id"]
    run_pending_tasks()
    state = api_client.get(f"/api/v1/imports/{token}/").json()
    assert state["status"] == "previewed" and state["counts"]["added"] == 5
    response = api_client.post(
        f"/api/v1/imports/{token}/apply/", {"fingerprint": state["fingerprint"]}, format="json"
    )
    assert response.status_code == 202
    run_pending_tasks()
    job = Job.objects.filter(kind="core.import_apply").get()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert api_client.get(f"/api/v1/imports/{token}/").json()["status"] == "applied"
    assert Installation.objects.filter(active=True).count() == 5
    assert job.progress == 100
