"""Excel/CSV import of the ledger: round trip through the real export, parsing, bad files and rows,
permissions, blank policy, concurrency and the background path."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.importing import ImportRowErrors
from saiteki.core.models import AuditEvent, ObjectChange
from saiteki.ledger.importers import ledger_import_apply, ledger_import_preview
from saiteki.ledger.models import Cost, Municipality, System, Tag, Vendor
from saiteki.ledger.tables import SYSTEM_TABLE

FY = fiscal_year_of(datetime.date.today())
ALL_COLUMNS = "&".join(f"col={c.name}" for c in SYSTEM_TABLE.columns)


# --------------------------------------------------------------------------------------------------------
# Helpers (also used by the survey tests)
# --------------------------------------------------------------------------------------------------------


def make_ledger(orgs) -> dict[str, System]:
    """Three systems in two divisions with costs, vendors, tags and joint municipalities."""
    vendor = Vendor.objects.create(name="岡山情報サービス株式会社")
    Vendor.objects.create(name="吉備システム株式会社")
    tag = Tag.objects.create(name="基幹")
    town = Municipality.objects.create(code="332011", name="岡山市")
    Municipality.objects.create(code="332020", name="倉敷市")
    tax = System.objects.create(
        number="SYS-001",
        name="県税システム",
        purpose="県税の賦課徴収",
        owning_division=orgs["税務課"],
        service_start=datetime.date(2015, 4, 1),
        planned_renewal_fy=2027,
        segment_lgwan=True,
        personal_info=True,
    )
    tax.vendors.add(vendor)
    tax.tags.add(tag)
    tax.joint_municipalities.add(town)
    docs = System.objects.create(number="SYS-002", name="税務電子申請", owning_division=orgs["税務課"])
    lib = System.objects.create(
        number="LIB-001", name="図書館業務システム", owning_division=orgs["県立図書館"]
    )
    for system, amount in ((tax, 12_000_000), (docs, 3_000_000), (lib, 5_000_000)):
        Cost.objects.create(system=system, fiscal_year=FY, category="hw_lease", stage="budget", amount=amount)
        Cost.objects.create(
            system=system, fiscal_year=FY - 1, category="hw_lease", stage="actual", amount=amount
        )
    return {"tax": tax, "docs": docs, "lib": lib}


def xlsx_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(data: bytes, name: str):
    f = io.BytesIO(data)
    f.name = name
    return f


def export_list(client, query: str = "") -> openpyxl.Workbook:
    response = client.get(f"{reverse('ledger:system_list')}?export=xlsx&{query}")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def header_row(ws) -> int:
    """The row of the column headers (an export may start with a title block: FY, stage, filter)."""
    for row in ws.iter_rows(min_row=1, max_row=10):
        if any(c.value == "システム番号" for c in row):
            return row[0].row
    raise AssertionError("no header row")


def find_row(ws, number: str) -> int:
    for row in ws.iter_rows(min_row=header_row(ws) + 1):
        if row[0].value == number:
            return row[0].row
    raise AssertionError(number)


def col(ws, header: str) -> int:
    return [c.value for c in ws[header_row(ws)]].index(header) + 1


def post_import(client, data: bytes, name: str, unit: str = "円", blank: str = "keep"):
    return client.post(
        reverse("ledger:system_import"), {"file": upload(data, name), "unit": unit, "blank": blank}
    )


def fingerprint(html: str) -> str:
    return re.search(r'name="fingerprint" value="([^"]+)"', html).group(1)


def snapshot() -> tuple:
    """Everything an import may write, to prove a refused import wrote nothing."""
    return (
        System.objects.count(),
        Cost.objects.count(),
        ObjectChange.objects.count(),
        sorted(System.objects.values_list("number", "name", "status", "owning_division_id", "version")),
        sorted(Cost.objects.values_list("system_id", "fiscal_year", "category", "stage", "amount")),
    )


# --------------------------------------------------------------------------------------------------------
# Round trip
# --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_export_round_trips_with_exactly_the_edited_cells(client, orgs, role_users):
    ledger = make_ledger(orgs)
    client.force_login(role_users["admin"])
    wb = export_list(client, ALL_COLUMNS)
    ws = wb.active
    r1, r2 = find_row(ws, "SYS-001"), find_row(ws, "SYS-002")
    ws.cell(r1, col(ws, "システム名")).value = "新県税システム"
    ws.cell(r1, col(ws, "更改予定年度")).value = "令和10年度"
    ws.cell(r2, col(ws, "状態")).value = "更改予定"
    ws.cell(r2, col(ws, "ネットワーク区分")).value = "LGWAN接続系、インターネット接続系"
    ws.cell(r2, col(ws, "事業者")).value = "吉備システム株式会社"
    new_row = ws.max_row + 1
    ws.cell(new_row, col(ws, "システム番号")).value = "SYS-100"
    ws.cell(new_row, col(ws, "システム名")).value = "滞納整理システム"
    ws.cell(new_row, col(ws, "所管所属")).value = "税務課"
    ws.cell(new_row, col(ws, "状態")).value = "構築中"

    response = post_import(client, xlsx_bytes(wb), "台帳.xlsx")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    changes = set(re.findall(r'data-testid="change-row" data-key="([^"]+)" data-field="([^"]+)"', page))
    assert changes == {
        ("SYS-001", "name"),
        ("SYS-001", "planned_renewal_fy"),
        ("SYS-002", "status"),
        ("SYS-002", "segment_lgwan"),
        ("SYS-002", "segment_internet"),
        ("SYS-002", "vendors"),
        ("SYS-100", "name"),
        ("SYS-100", "owning_division"),
        ("SYS-100", "status"),
    }
    assert "県税システム" in page and "令和9年度（2027年度）" in page and "令和10年度（2028年度）" in page
    assert "空欄は変更しない" in page
    assert "参照用のため取り込みません: 部局、経費（表示年度）、共同利用市町村数" in page
    before = ObjectChange.objects.count()

    response = client.post(response["Location"], {"fingerprint": fingerprint(page)})
    assert response.status_code == 302
    ledger["tax"].refresh_from_db()
    ledger["docs"].refresh_from_db()
    assert ledger["tax"].name == "新県税システム" and ledger["tax"].planned_renewal_fy == 2028
    assert ledger["docs"].status == "renewal_planned" and ledger["docs"].segment_internet
    assert [v.name for v in ledger["docs"].vendors.all()] == ["吉備システム株式会社"]
    new = System.objects.get(number="SYS-100")
    assert new.owning_division == orgs["税務課"] and new.status == "building"
    # Untouched values survived (keep policy; the tag, municipality and purpose are not in the export).
    assert list(ledger["tax"].tags.all()) and ledger["tax"].purpose == "県税の賦課徴収"

    written = ObjectChange.objects.order_by("id")[before:]
    assert {(c.object_repr.split()[0], c.action) for c in written} == {
        ("SYS-001", "update"),
        ("SYS-002", "update"),
        ("SYS-100", "create"),
    }
    assert len(written) == 3  # one history row per changed object, m2m folded in
    assert {c.reason for c in written} == {"Excel取込: 台帳.xlsx"}
    assert len({c.request_id for c in written}) == 1
    assert all(c.user == role_users["admin"] for c in written)
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT).get()
    assert event.detail["systems_updated"] == 2 and event.detail["file"] == "台帳.xlsx"
    history = client.get(reverse("ledger:system_history", args=[ledger["docs"].pk])).content.decode()
    assert "Excel取込: 台帳.xlsx" in history


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", ALL_COLUMNS])
def test_unchanged_export_imports_without_changes(client, orgs, role_users, query):
    make_ledger(orgs)
    client.force_login(role_users["admin"])
    data = xlsx_bytes(export_list(client, query))
    preview = ledger_import_preview(user=role_users["admin"], source=data, file_name="a.xlsx")
    assert preview.error_count == 0 and preview.rows == []
    assert preview.counts["systems_unchanged"] == 3


@pytest.mark.django_db
def test_template_export_round_trips_systems_and_costs(client, orgs, role_users):
    ledger = make_ledger(orgs)
    client.force_login(role_users["admin"])
    response = client.get(reverse("ledger:system_import_template"))
    assert response.status_code == 200
    data = response.content
    unchanged = ledger_import_preview(user=role_users["admin"], source=data, file_name="t.xlsx")
    assert unchanged.error_count == 0 and unchanged.rows == [], unchanged.errors
    assert unchanged.counts["costs_unchanged"] == 3  # the selected fiscal year's costs

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws, costs = wb["情報システム"], wb["経費"]
    ws.cell(find_row(ws, "SYS-001"), col(ws, "タグ")).value = None
    ws.cell(find_row(ws, "SYS-002"), col(ws, "個人情報の取扱い")).value = "○"
    costs.cell(find_row(costs, "LIB-001"), col(costs, "金額（円）")).value = 5_500_000
    costs.append(["SYS-002", "R8", "通信回線", "予算額", "１，２００，０００"])
    preview = ledger_import_preview(user=role_users["admin"], source=xlsx_bytes(wb), file_name="t.xlsx")
    assert preview.error_count == 0
    assert {(r.key.split()[0], r.action, c.field) for r in preview.rows for c in r.changes} == {
        ("SYS-002", "update", "personal_info"),
        ("LIB-001", "update", "amount"),
        ("SYS-002", "create", "amount"),
    }  # the blank tag cell is kept under 「空欄は変更しない」
    ledger_import_apply(user=role_users["admin"], source=xlsx_bytes(wb), file_name="t.xlsx")
    assert Cost.objects.get(system=ledger["lib"], fiscal_year=FY, stage="budget").amount == 5_500_000
    assert Cost.objects.get(system=ledger["docs"], category="network").amount == 1_200_000
    assert ledger["tax"].tags.count() == 1


@pytest.mark.django_db
def test_clear_policy_empties_cells_and_deletes_costs(orgs, role_users):
    ledger = make_ledger(orgs)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "情報システム"
    ws.append(["システム番号", "目的・概要", "更改予定年度", "タグ", "システム名"])
    ws.append(["SYS-001", None, None, None, None])
    costs = wb.create_sheet("経費")
    costs.append(["システム番号", "年度", "経費区分", "段階", "金額"])
    costs.append(["SYS-001", FY, "ハードウェア賃借", "予算額", None])
    data = xlsx_bytes(wb)
    keep = ledger_import_preview(user=role_users["admin"], source=data, file_name="c.xlsx", blank="keep")
    assert keep.rows == [] and keep.error_count == 0

    clear = ledger_import_preview(user=role_users["admin"], source=data, file_name="c.xlsx", blank="clear")
    assert [(e.column, e.message) for e in clear.errors] == [
        ("システム名", "必須項目のため空欄にできません。")
    ]
    ws["E2"] = "県税システム"
    ledger_import_apply(user=role_users["admin"], source=xlsx_bytes(wb), file_name="c.xlsx", blank="clear")
    ledger["tax"].refresh_from_db()
    assert ledger["tax"].purpose == "" and ledger["tax"].planned_renewal_fy is None
    assert ledger["tax"].tags.count() == 0
    assert not Cost.objects.filter(system=ledger["tax"], fiscal_year=FY).exists()


# --------------------------------------------------------------------------------------------------------
# Parsing: 和暦, full-width, 千円, Shift_JIS
# --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_wareki_full_width_and_thousand_yen(orgs, role_users):
    ledger = make_ledger(orgs)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["システム番号", "運用開始日", "更改予定年度", "機密性", "IPv6対応"])
    ws.append(["ＳＹＳ－００１", "令和元年５月１日", "Ｒ１２", "３", "はい"])
    ws.append(["SYS-002", "H30.4.1", "平成31年度", 1, "○"])
    costs = wb.create_sheet("経費")
    costs.append(["システム番号", "年度", "経費区分", "段階", "金額（千円）"])
    costs.append(["SYS-001", "令和２０年度", "ハードウェア賃借", "予算額", "１２，３４５"])
    costs.append(["SYS-002", "2025年度", "設計・開発", "決算額", 1.5])
    ledger_import_apply(user=role_users["admin"], source=xlsx_bytes(wb), file_name="和暦.xlsx", unit="千円")
    tax, docs = System.objects.get(number="SYS-001"), System.objects.get(number="SYS-002")
    assert tax.service_start == datetime.date(2019, 5, 1) and tax.planned_renewal_fy == 2030
    assert tax.confidentiality == 3 and tax.ipv6_ready
    assert docs.service_start == datetime.date(2018, 4, 1) and docs.planned_renewal_fy == 2019
    assert Cost.objects.get(system=ledger["tax"], fiscal_year=2038, stage="budget").amount == 12_345_000
    assert Cost.objects.get(system=ledger["docs"], category="design_dev").amount == 1_500


@pytest.mark.django_db
def test_unit_in_header_must_match_the_declared_unit(orgs, role_users):
    make_ledger(orgs)
    wb = openpyxl.Workbook()
    wb.active.title = "経費"
    wb.active.append(["システム番号", "年度", "経費区分", "段階", "金額（千円）"])
    wb.active.append(["SYS-001", 2026, "ハードウェア賃借", "予算額", 1])
    from saiteki.core.importing import ImportRefused

    with pytest.raises(ImportRefused, match="単位"):
        ledger_import_preview(user=role_users["admin"], source=xlsx_bytes(wb), file_name="u.xlsx", unit="円")


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-8"])
def test_csv_in_shift_jis_and_utf8(client, orgs, role_users, encoding):
    ledger = make_ledger(orgs)
    text = "システム番号,システム名,所管所属,状態,運用開始日\r\nSYS-002,税務電子申請（改）,税務課,運用中,令和２年１０月１日\r\n"
    text += "LIB-002,蔵書検索システム,県立図書館,企画中,\r\n"
    client.force_login(role_users["admin"])
    response = post_import(client, text.encode(encoding), "台帳.csv")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "税務電子申請（改）" in page and "蔵書検索システム" in page
    if encoding == "cp932":
        assert "文字コード: Shift_JIS" in page
    client.post(response["Location"], {"fingerprint": fingerprint(page)})
    ledger["docs"].refresh_from_db()
    assert ledger["docs"].name == "税務電子申請（改）"
    assert ledger["docs"].service_start == datetime.date(2020, 10, 1)
    assert System.objects.get(number="LIB-002").owning_division == orgs["県立図書館"]


# --------------------------------------------------------------------------------------------------------
# Bad files and bad rows change nothing
# --------------------------------------------------------------------------------------------------------


def _macro_xlsx() -> bytes:
    data = xlsx_bytes(openpyxl.Workbook())
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\x00" * 64)
    return buf.getvalue()


def _missing_headers() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["システム名", "所管所属"])
    wb.active.append(["名前だけ", "税務課"])
    return xlsx_bytes(wb)


BAD_FILES = {
    "oversized": (b"x" * 2048, "big.csv", "ファイルが大きすぎます"),
    "encrypted": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "secret.xlsx", "パスワードで保護"),
    "xlsm": (xlsx_bytes(openpyxl.Workbook()), "macro.xlsm", "マクロを含むファイル"),
    "macro_inside": (_macro_xlsx(), "renamed.xlsx", "マクロを含むファイル"),
    "garbage_xlsx": (b"this is not a workbook at all", "garbage.xlsx", "ファイルが壊れているか"),
    "broken_zip": (b"PK\x03\x04" + b"\x00" * 100, "broken.xlsx", "ファイルが壊れているか"),
    "garbage_csv": (bytes(range(128, 256)) * 4, "garbage.csv", "文字コードを判別できません"),
    "missing_headers": (_missing_headers(), "noheader.xlsx", "必須の列がありません: システム番号"),
    "empty": (b"", "empty.csv", "ファイルが空です"),
    "wrong_type": (b"hello", "notes.docx", "取り込めるのはExcelブック"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_and_change_nothing(client, orgs, role_users, settings, case):
    make_ledger(orgs)
    if case == "oversized":
        settings.SAITEKI_MAX_UPLOAD_BYTES = 1024
    data, name, message = BAD_FILES[case]
    client.force_login(role_users["admin"])
    before = snapshot()
    response = post_import(client, data, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before
    # The services refuse the same file too (an API client or a job never gets further).
    from saiteki.core.importing import ImportRefused

    with pytest.raises(ImportRefused):
        ledger_import_apply(user=role_users["admin"], source=data, file_name=name)
    assert snapshot() == before


def _bad_row_book(kind: str) -> tuple[bytes, str, str]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "情報システム"
    ws.append(["システム番号", "システム名", "所管所属", "状態", "運用開始日"])
    ws.append(["SYS-001", "県税システム（改）", "税務課", "運用中", "2020-04-01"])  # a good row
    costs = wb.create_sheet("経費")
    costs.append(["システム番号", "年度", "経費区分", "段階", "金額"])
    costs.append(["SYS-001", 2026, "ハードウェア賃借", "予算額", 1])
    if kind == "unknown_division":
        ws.append(["SYS-200", "新システム", "存在しない課", "運用中", None])
        return xlsx_bytes(wb), "所管所属", "所属「存在しない課」が見つかりません"
    if kind == "bad_date":
        ws.append(["SYS-002", "税務電子申請", "税務課", "運用中", "平成31年5月1日"])
        return xlsx_bytes(wb), "運用開始日", "平成の期間外の日付です"
    if kind == "bad_choice":
        ws.append(["SYS-002", "税務電子申請", "税務課", "稼働中", None])
        return xlsx_bytes(wb), "状態", "「稼働中」は選択肢にありません"
    if kind == "negative_amount":
        costs.append(["SYS-002", 2026, "通信回線", "予算額", "△1,000"])
        return xlsx_bytes(wb), "金額", "負の値は入力できません"
    if kind == "duplicate_number":
        ws.append(["SYS-001", "二重", "税務課", "運用中", None])
        return xlsx_bytes(wb), "システム番号", "重複しています"
    if kind == "unknown_system_in_costs":
        costs.append(["NOPE-1", 2026, "通信回線", "予算額", 10])
        return xlsx_bytes(wb), "システム番号", "台帳にも取込ファイルの情報システムシートにもありません"
    if kind == "my_number_without_personal_info":
        ws["F1"] = "マイナンバーの取扱い"
        ws.append(["SYS-002", "税務電子申請", "税務課", "運用中", None, "○"])
        return xlsx_bytes(wb), "マイナンバーの取扱い", "個人情報の取扱い"
    raise AssertionError(kind)


BAD_ROWS = [
    "unknown_division",
    "bad_date",
    "bad_choice",
    "negative_amount",
    "duplicate_number",
    "unknown_system_in_costs",
    "my_number_without_personal_info",
]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", BAD_ROWS)
def test_bad_rows_are_reported_by_position_and_change_nothing(client, orgs, role_users, kind):
    make_ledger(orgs)
    data, column, message = _bad_row_book(kind)
    before = snapshot()
    preview = ledger_import_preview(user=role_users["admin"], source=data, file_name="bad.xlsx")
    assert preview.error_count >= 1
    error = preview.errors[0]
    assert error.column == column and message in error.message, preview.errors
    assert error.row == 3 and error.sheet in ("情報システム", "経費")
    with pytest.raises(ImportRowErrors):
        ledger_import_apply(user=role_users["admin"], source=data, file_name="bad.xlsx")
    assert snapshot() == before

    # Through the pages: the preview lists the error in Japanese and the apply is refused.
    client.force_login(role_users["admin"])
    response = post_import(client, data, "bad.xlsx")
    page = client.get(response["Location"]).content.decode()
    assert message in page and 'data-testid="import-errors"' in page
    assert re.search(r'data-testid="import-apply"\s+disabled', page)
    response = client.post(response["Location"], {"fingerprint": fingerprint(page)})
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.django_db
def test_ambiguous_division_name_needs_the_bureau(orgs, role_users):
    from saiteki.accounts.models import Organization

    make_ledger(orgs)
    Organization.objects.create(
        kind="division",
        code="T2-9",
        name="税務課",
        parent=orgs["教育庁"],
        valid_from=datetime.date(2000, 4, 1),
    )
    wb = openpyxl.Workbook()
    wb.active.append(["システム番号", "システム名", "所管所属"])
    wb.active.append(["SYS-300", "新規A", "税務課"])
    wb.active.append(["SYS-301", "新規B", "教育庁 税務課"])
    preview = ledger_import_preview(user=role_users["admin"], source=xlsx_bytes(wb), file_name="a.xlsx")
    assert [(e.row, e.column) for e in preview.errors] == [(2, "所管所属")]
    assert "複数あります" in preview.errors[0].message and "総務部 税務課" in preview.errors[0].message
    # The existing system keeps its division by name even with a namesake elsewhere.
    wb2 = openpyxl.Workbook()
    wb2.active.append(["システム番号", "所管所属"])
    wb2.active.append(["SYS-001", "税務課"])
    assert (
        ledger_import_preview(
            user=role_users["admin"], source=xlsx_bytes(wb2), file_name="b.xlsx"
        ).error_count
        == 0
    )


# --------------------------------------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["viewer", "auditor", "advisor", "none"])
def test_roles_without_import_are_refused(client, orgs, role_users, role):
    make_ledger(orgs)
    client.force_login(role_users[role])
    before = snapshot()
    assert client.get(reverse("ledger:system_import")).status_code == 403
    wb = openpyxl.Workbook()
    wb.active.append(["システム番号", "システム名"])
    wb.active.append(["SYS-001", "乗っ取り"])
    assert post_import(client, xlsx_bytes(wb), "x.xlsx").status_code == 403
    from saiteki.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        ledger_import_apply(user=role_users[role], source=xlsx_bytes(wb), file_name="x.xlsx")
    assert snapshot() == before
    list_page = client.get(reverse("ledger:system_list")).content.decode()
    assert 'data-testid="import-xlsx"' not in list_page


@pytest.mark.django_db
def test_owner_imports_own_division_only(client, orgs, role_users):
    ledger = make_ledger(orgs)
    owner = role_users["owner"]  # 税務課
    client.force_login(owner)
    assert 'data-testid="import-xlsx"' in client.get(reverse("ledger:system_list")).content.decode()

    wb = openpyxl.Workbook()
    wb.active.append(["システム番号", "システム名", "所管所属"])
    wb.active.append(["SYS-001", "県税システム（所管課修正）", None])
    wb.active.append(["SYS-400", "所管課の新規システム", None])  # division defaults to the owner's
    ledger_import_apply(user=owner, source=xlsx_bytes(wb), file_name="own.xlsx")
    assert System.objects.get(number="SYS-400").owning_division == orgs["税務課"]
    ledger["tax"].refresh_from_db()
    assert ledger["tax"].name == "県税システム（所管課修正）"

    for rows, column in (
        # The same answer, on the same column, whether the number exists in another division or not
        # (issue 8: the import must not let an owner enumerate other divisions' system numbers).
        ([["LIB-001", "図書館（他課）", "県立図書館"]], "システム番号"),  # another division's system
        ([["SYS-401", "他課に新規", "県立図書館"]], "システム番号"),  # a new system for another division
        ([["SYS-002", "移管", "県立図書館"]], "システム番号"),  # moving an own system away
    ):
        bad = openpyxl.Workbook()
        bad.active.append(["システム番号", "システム名", "所管所属"])
        for r in rows:
            bad.active.append(r)
        before = snapshot()
        preview = ledger_import_preview(user=owner, source=xlsx_bytes(bad), file_name="other.xlsx")
        assert [(e.column, e.message) for e in preview.errors] == [
            (column, "自所属以外のシステムは取り込めません。")
        ]
        with pytest.raises(ImportRowErrors):
            ledger_import_apply(user=owner, source=xlsx_bytes(bad), file_name="other.xlsx")
        assert snapshot() == before

    costs = openpyxl.Workbook()
    costs.active.title = "経費"
    costs.active.append(["システム番号", "年度", "経費区分", "段階", "金額"])
    costs.active.append(["LIB-001", 2026, "ハードウェア賃借", "予算額", 1])
    costs.active.append(["NOPE-404", 2026, "ハードウェア賃借", "予算額", 1])  # exists nowhere
    preview = ledger_import_preview(user=owner, source=xlsx_bytes(costs), file_name="c.xlsx")
    assert [e.message for e in preview.errors] == ["自所属以外のシステムは取り込めません。"] * 2


@pytest.mark.django_db
def test_uploads_of_other_users_are_not_found(client, orgs, role_users):
    make_ledger(orgs)
    client.force_login(role_users["admin"])
    wb = openpyxl.Workbook()
    wb.active.append(["システム番号", "システム名"])
    wb.active.append(["SYS-001", "変更"])
    response = post_import(client, xlsx_bytes(wb), "a.xlsx")
    url = response["Location"]
    client.force_login(role_users["owner"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"fingerprint": "x"}).status_code == 404
    assert client.get(reverse("ledger:system_import_preview", args=["A" * 32])).status_code == 404


# --------------------------------------------------------------------------------------------------------
# Concurrency and the background path
# --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_apply_refuses_when_the_ledger_changed_after_the_preview(client, orgs, role_users):
    ledger = make_ledger(orgs)
    client.force_login(role_users["admin"])
    wb = openpyxl.Workbook()
    wb.active.append(["システム番号", "システム名"])
    wb.active.append(["SYS-001", "Excelでの名前"])
    response = post_import(client, xlsx_bytes(wb), "a.xlsx")
    page = client.get(response["Location"]).content.decode()
    System.objects.filter(pk=ledger["tax"].pk).update(name="画面での名前")
    before = snapshot()
    response = client.post(response["Location"], {"fingerprint": fingerprint(page)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "確認した後に台帳が更新された" in page and "画面での名前" in page  # the refreshed preview
    assert snapshot() == before
    response = client.post(
        reverse("ledger:system_import_preview", args=[re.search(r"/import/([^/]+)/", page).group(1)]),
        {"fingerprint": fingerprint(page)},
    )
    assert System.objects.get(pk=ledger["tax"].pk).name == "Excelでの名前"


@pytest.mark.django_db(transaction=True)
def test_large_files_run_as_background_jobs(client, orgs, role_users, settings):
    from saiteki.core.models import Job
    from saiteki.core.testing import run_pending_tasks

    settings.SAITEKI_IMPORT_SYNC_BYTES = 0
    make_ledger(orgs)
    client.force_login(role_users["admin"])
    wb = openpyxl.Workbook()
    wb.active.append(["システム番号", "システム名", "所管所属"])
    for i in range(1, 51):
        wb.active.append([f"BULK-{i:05d}", f"一括登録システム{i}", "県立図書館"])
    wb.active.append(["SYS-001", "県税システム（一括）", "税務課"])
    wb.active.append(["BULK-00001", "重複", "税務課"])  # an error found by the background dry run
    response = post_import(client, xlsx_bytes(wb), "bulk.xlsx")
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    run_pending_tasks()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["url"].startswith("/ledger/import/")
    page = client.get(job.result["url"]).content.decode()
    assert "重複しています" in page and System.objects.count() == 3

    wb.active.delete_rows(wb.active.max_row)
    response = post_import(client, xlsx_bytes(wb), "bulk.xlsx")
    run_pending_tasks()
    url = Job.objects.order_by("-created_at").first().result["url"]
    page = client.get(url).content.decode()
    assert 'data-testid="count-systems-created">50<' in page
    response = client.post(url, {"fingerprint": fingerprint(page)})
    apply_job = Job.objects.order_by("-created_at").first()
    assert response["Location"] == reverse("core:job_detail", args=[apply_job.pk])
    run_pending_tasks()
    apply_job.refresh_from_db()
    assert apply_job.status == "succeeded", apply_job.error
    assert System.objects.count() == 53
    assert ObjectChange.objects.filter(reason="Excel取込: bulk.xlsx").count() == 51
    assert 'data-testid="import-applied"' in client.get(url).content.decode()


@pytest.mark.django_db
def test_bulk_written_history_matches_the_change_log(orgs, role_users):
    """The apply writes history rows in bulk; they must read exactly like the per-save change log."""
    from saiteki.core.changelog import serialize
    from saiteki.core.views.generic import history_for

    ledger = make_ledger(orgs)
    tax = ledger["tax"]
    before = serialize(tax)
    version = tax.version
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "情報システム"
    ws.append(["システム番号", "システム名", "事業者", "共同利用市町村"])
    ws.append(["SYS-001", "県税システム（新）", "岡山情報サービス株式会社、吉備システム株式会社", "倉敷市"])
    costs = wb.create_sheet("経費")
    costs.append(["システム番号", "年度", "経費区分", "段階", "金額"])
    costs.append(["SYS-001", FY, "ハードウェア賃借", "予算額", 13_000_000])
    costs.append(["SYS-001", FY, "通信回線", "要求額", 100])
    ledger_import_apply(user=role_users["admin"], source=xlsx_bytes(wb), file_name="h.xlsx", blank="clear")

    tax.refresh_from_db()
    assert tax.version == version + 1
    system_change = ObjectChange.objects.get(
        content_type__model="system", object_id=tax.pk, reason="Excel取込: h.xlsx"
    )
    assert system_change.prechange_data == before
    assert system_change.postchange_data == serialize(tax)
    assert {label for label, _b, _a in system_change.diff_display()} == {
        "システム名",
        "事業者",
        "共同利用市町村",
    }
    assert system_change.user_name == "t-admin" and system_change.role == "admin"
    cost_changes = ObjectChange.objects.filter(content_type__model="cost", reason="Excel取込: h.xlsx")
    assert sorted(c.action for c in cost_changes) == ["create", "update"]
    updated = cost_changes.get(action="update")
    assert (updated.prechange_data["amount"], updated.postchange_data["amount"]) == (12_000_000, 13_000_000)
    # The cost rows are linked to their system, so the karte shows them.
    assert set(history_for(tax).filter(content_type__model="cost", reason="Excel取込: h.xlsx")) == set(
        cost_changes
    )


@pytest.mark.django_db
def test_template_export_follows_permissions_and_filters(client, orgs, role_users):
    make_ledger(orgs)
    client.force_login(role_users["viewer"])
    assert client.get(reverse("ledger:system_import_template")).status_code == 403
    client.force_login(role_users["owner"])
    r = client.get(reverse("ledger:system_import_template"))
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert [row[0] for row in wb["情報システム"].iter_rows(min_row=2, values_only=True)] == [
        "SYS-001",
        "SYS-002",
    ]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, actor_username="t-owner").exists()
    client.force_login(role_users["admin"])
    r = client.get(reverse("ledger:system_import_template") + "?q=図書館")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert [row[0] for row in wb["情報システム"].iter_rows(min_row=2, values_only=True)] == ["LIB-001"]


@pytest.mark.django_db
def test_unknown_columns_and_sheets_are_ignored_but_reported(orgs, role_users):
    make_ledger(orgs)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "情報システム"
    ws.append(["令和8年度 情報システム調査"])  # a title row above the headers
    ws.append(["システム番号", "システム名", "担当者メモ"])
    ws.append(["SYS-001", "県税システム（改）", "来年度更改"])
    wb.create_sheet("メモ").append(["自由記入"])
    preview = ledger_import_preview(user=role_users["admin"], source=xlsx_bytes(wb), file_name="n.xlsx")
    assert preview.error_count == 0 and [r.row for r in preview.rows] == [3]
    assert "「情報システム」シートの次の列は取込対象外のため無視しました: 担当者メモ" in preview.notes
    assert "次のシートは取込対象外のため無視しました: メモ" in preview.notes
