"""Exports (saiteki.core.exporting): real xlsx files read back with openpyxl and python-calamine —
formats, title rows, frozen header, FY labels, yen format, a header the import still finds —, the list
export's rows, permissions and audit record, the download headers, and the registered exporters."""

from __future__ import annotations

import datetime
import io
import urllib.parse

import pytest
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from saiteki.accounts.choices import Role
from saiteki.core import registry as reg
from saiteki.core.exporting import (
    ExcelWorkbook,
    SheetColumn,
    content_disposition,
    write_sheet_xlsx,
    xlsx_response,
)
from saiteki.core.exporting.lists import LIST_HEADER_ROW
from saiteki.core.exporting.writer import DATE_FORMATS, Typed, display_width
from saiteki.core.fiscal import fiscal_year_label
from saiteki.core.models import AuditEvent
from saiteki.ledger.models import Municipality, System, Tag, Vendor
from saiteki.ledger.tables import SYSTEM_TABLE
from saiteki.ledger.tests.factories import make_cost, make_system

FY = 2026
ALL_COLUMNS = "&".join(f"col={c.name}" for c in SYSTEM_TABLE.columns)

COLUMNS = [
    SheetColumn("システム番号"),
    SheetColumn("経費", kind="yen"),
    SheetColumn("更改予定年度", kind="fy"),
    SheetColumn("運用開始日", kind="date"),
    SheetColumn("個人情報", kind="bool"),
    SheetColumn("機密性", kind="number"),
    SheetColumn("参照", read_only=True),
]


def _book(rows, **kwargs) -> bytes:
    return write_sheet_xlsx(
        name="台帳", columns=COLUMNS, rows=rows, title="情報システム台帳", subtitle="絞り込み: なし", **kwargs
    )


# --------------------------------------------------------------------------------------------------------
# The writer
# --------------------------------------------------------------------------------------------------------


def test_writer_formats_title_frozen_header_and_widths():
    data = _book(
        [
            [
                "SYS-001",
                12_345_678,
                2031,
                datetime.date(2019, 5, 1),
                True,
                3,
                "県税総合システムの参照用の長い説明文",
            ],
            ["SYS-002", None, None, None, False, None, None],
        ]
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "台帳"
    assert ws["A1"].value == "情報システム台帳" and ws["A1"].font.b
    assert ws["A2"].value == "絞り込み: なし"
    assert [c.value for c in ws[3]] == [c.label for c in COLUMNS]
    assert ws["A3"].font.b and ws["G3"].fill.fgColor.rgb != ws["A3"].fill.fgColor.rgb  # read-only is grey
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:G5"
    row = [c for c in ws[4]]
    assert row[1].value == 12_345_678 and row[1].number_format == "#,##0"
    assert row[2].value == "令和13年度（2031年度）" == fiscal_year_label(2031)
    assert row[3].value == datetime.datetime(2019, 5, 1) and row[3].number_format == DATE_FORMATS["wareki"]
    assert row[4].value == "○" and row[5].value == 3
    assert [c.value for c in ws[5]] == ["SYS-002", None, None, None, None, None, None]  # blanks stay blank
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert widths["G"] > widths["F"]  # a long Japanese text gets a wider column than a digit
    assert widths["C"] >= display_width("令和13年度（2031年度）")


def test_dates_follow_the_users_style_and_read_back_as_dates():
    data = _book([["SYS-001", 1, 2026, datetime.date(2026, 4, 1), False, 1, ""]], date_style="seireki")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["D4"].number_format == DATE_FORMATS["seireki"]
    # The import reads with python-calamine: the 和暦 format must still read back as a date.
    data = _book([["SYS-001", 1, 2026, datetime.date(2026, 4, 1), False, 1, ""]])
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[3][3] == datetime.date(2026, 4, 1) and rows[3][1] == 1


def test_text_that_looks_like_a_formula_stays_text():
    data = _book([['=HYPERLINK("http://x")', -5, "+1", "-2", "@SUM(A1)", "=1+1", "@x"]])
    ws = load_workbook(io.BytesIO(data)).active
    hostile = ws["A4"]
    assert hostile.data_type == "s" and hostile.value.startswith("=") and hostile.quotePrefix
    assert ws["B4"].value == -5  # a negative amount is a number, not text
    assert ws["G4"].quotePrefix


def test_a_cell_can_have_its_own_kind_and_sheets_are_named_safely():
    book = ExcelWorkbook()
    book.add_sheet("削減効果", [SheetColumn("金額", kind="yen")]).write_rows(
        [[1200], [Typed(3.25, "number")]]
    )
    book.add_sheet("a/b:c*d?[e]" + "x" * 40, [SheetColumn("値")]).write_rows([["v"]])
    wb = load_workbook(io.BytesIO(book.close()))
    first = wb["削減効果"]
    assert first["A2"].number_format == "#,##0" and first["A3"].value == 3.25
    assert first["A3"].number_format == "General"
    assert wb.sheetnames[1] == ("a_b_c_d__e_" + "x" * 40)[:31]


def test_content_disposition_has_the_japanese_name_and_an_ascii_fallback():
    header = content_disposition('情報システム台帳/2026:"R8".xlsx')
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and fallback.endswith(".xlsx")
    encoded = header.split("filename*=UTF-8''")[1]
    assert urllib.parse.unquote(encoded) == "情報システム台帳_2026_R8_.xlsx"


@pytest.mark.django_db
def test_xlsx_response_writes_the_audit_event_with_the_count(role_users):
    request = RequestFactory().get("/x/?q=税")
    request.user = role_users[Role.ADMIN]
    book = ExcelWorkbook()
    book.add_sheet("s", [SheetColumn("a")]).write_rows([["x"]])
    response = xlsx_response(request, writer=book, filename="経費明細.xlsx", what="test_export", count=1)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert int(response["Content-Length"]) == len(response.content)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert event.actor_username == "t-admin"
    assert event.detail["what"] == "test_export" and event.detail["count"] == 1
    assert event.detail["file"] == "経費明細.xlsx" and event.detail["query"] == "q=%E7%A8%8E"
    with pytest.raises(TypeError):
        xlsx_response(request, filename="a.xlsx", what="x")


# --------------------------------------------------------------------------------------------------------
# The list export (the ledger list, every column)
# --------------------------------------------------------------------------------------------------------


@pytest.fixture
def ledger(orgs):
    vendor_b, vendor_a = Vendor.objects.create(name="吉備システム"), Vendor.objects.create(name="岡山電算")
    tag = Tag.objects.create(name="重点")
    city = Municipality.objects.create(name="倉敷市")
    tax = make_system(
        orgs["税務課"],
        number="SYS-001",
        name="県税総合システム",
        planned_renewal_fy=2031,
        service_start=datetime.date(2019, 5, 1),
        segment_lgwan=True,
        segment_internet=True,
        personal_info=True,
    )
    tax.vendors.set([vendor_b, vendor_a])
    tax.tags.set([tag])
    tax.joint_municipalities.set([city])
    make_cost(tax, fiscal_year=FY, stage="budget", amount=12_345_678)
    make_cost(tax, fiscal_year=FY, stage="actual", amount=1)
    lib = make_system(orgs["県立図書館"], number="LIB-001", name="=図書館業務システム")
    return {"tax": tax, "lib": lib}


def _export(client, user, query: str = ""):
    client.force_login(user)
    session = client.session
    session["fiscal_year"] = FY
    session.save()
    return client.get(f"{reverse('ledger:system_list')}?export=xlsx&{query}")


@pytest.mark.django_db
def test_list_export_is_the_screen_with_title_scope_and_formats(client, role_users, ledger):
    response = _export(client, role_users[Role.ADMIN], f"{ALL_COLUMNS}&stage=budget&status=operating")
    assert response.status_code == 200
    assert (
        "filename*=UTF-8''" + urllib.parse.quote("情報システム台帳.xlsx") in response["Content-Disposition"]
    )
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == f"情報システム台帳　{fiscal_year_label(FY)}　予算額"
    assert "令和8年度（2026年度）" in ws["A1"].value
    assert ws["A2"].value.startswith("絞り込み: 状態: 運用中　2件　")
    assert ws["A2"].value.endswith(f"出力（{role_users[Role.ADMIN].display_name or 't-admin'}）")
    assert ws.freeze_panes == f"A{LIST_HEADER_ROW + 1}"
    header = [c.value for c in ws[LIST_HEADER_ROW]]
    assert header == [
        str(c.label) for c in SYSTEM_TABLE.columns
    ]  # the screen's texts, which the import knows
    rows = {r[0].value: {h: c for h, c in zip(header, r, strict=True)} for r in ws.iter_rows(min_row=4)}
    tax = rows["SYS-001"]
    assert tax["部局"].value == "総務部" and tax["所管所属"].value == "税務課"
    assert tax["状態"].value == "運用中"
    assert tax["ネットワーク区分"].value == "LGWAN接続系、インターネット接続系"
    assert tax["更改予定年度"].value == "令和13年度（2031年度）"
    assert tax["運用開始日"].value == datetime.datetime(2019, 5, 1)
    assert "ggge" in tax["運用開始日"].number_format
    assert tax["経費（表示年度）"].value == 12_345_678 and tax["経費（表示年度）"].number_format == "#,##0"
    assert tax["個人情報"].value == "○" and tax["マイナンバー"].value is None
    assert tax["事業者"].value == "、".join(str(v) for v in ledger["tax"].vendors.all())  # screen order
    assert set(tax["事業者"].value.split("、")) == {"吉備システム", "岡山電算"}
    assert tax["タグ"].value == "重点" and tax["共同利用市町村数"].value == 1
    lib = rows["LIB-001"]
    assert lib["システム名"].quotePrefix and lib["経費（表示年度）"].value is None  # 未登録: blank, not 0
    assert lib["共同利用市町村数"].value == 0


@pytest.mark.django_db
def test_list_export_cells_equal_the_screen_cells(client, role_users, ledger):
    """The fast export path (plain values) and the screen (model objects) give the same values."""
    response = _export(client, role_users[Role.ADMIN], ALL_COLUMNS)
    ws = load_workbook(io.BytesIO(response.content)).active
    exported = {r[0]: r for r in ws.iter_rows(min_row=LIST_HEADER_ROW + 1, values_only=True)}
    page = client.get(f"{reverse('ledger:system_list')}?{ALL_COLUMNS}")
    for obj, cells in page.context["rows"]:
        row = exported[obj.number]
        for (column, value), got in zip(cells, row, strict=True):
            if column.kind == "fy":
                value = fiscal_year_label(value) if value else None
            elif column.kind == "bool":
                value = "○" if value else None
            elif column.kind == "date" and value is not None:
                value = datetime.datetime.combine(value, datetime.time())
            elif value == "":
                value = None
            assert got == value, (obj.number, column.name)


@pytest.mark.django_db
def test_list_export_header_is_found_by_the_import(client, role_users, ledger):
    from saiteki.ledger.importers import ledger_import_preview

    data = _export(client, role_users[Role.ADMIN], ALL_COLUMNS).content
    preview = ledger_import_preview(user=role_users[Role.ADMIN], source=data, file_name="台帳.xlsx")
    assert preview.error_count == 0 and preview.rows == []
    assert preview.counts["systems_unchanged"] == 2


@pytest.mark.django_db
def test_owner_exports_only_own_rows_and_the_event_has_the_count(client, role_users, ledger):
    response = _export(client, role_users[Role.OWNER], ALL_COLUMNS)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    numbers = [r[0] for r in ws.iter_rows(min_row=LIST_HEADER_ROW + 1, values_only=True)]
    assert numbers == ["SYS-001"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert event.actor_username == "t-owner" and event.object_type == "ledger.System"
    assert event.detail["count"] == 1 and event.detail["what"] == "ledger.system_list"
    assert event.detail["format"] == "xlsx" and "col=number" in event.detail["query"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, "none"])
def test_a_role_without_export_gets_403_and_no_export_event(client, role_users, ledger, role):
    response = _export(client, role_users[role])
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).exists()


@pytest.mark.django_db
def test_a_wrong_filter_exports_no_rows(client, role_users, ledger):
    response = _export(client, role_users[Role.ADMIN], "bureau=999999")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.max_row == LIST_HEADER_ROW
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT).detail["count"] == 0


@pytest.mark.django_db
def test_list_exports_are_registered_and_run_like_the_page(role_users, ledger):
    exporter = reg.registry.exporters["ledger.system"]
    assert exporter.model is System and exporter.title == "情報システム台帳"
    assert {"ledger.server", "ledger.contract", "ledger.cost", "accounts.organization"} <= set(
        reg.registry.exporters
    )
    request = RequestFactory().get("/ledger/systems/", {"export": "xlsx"})
    request.user, request.fiscal_year, request.date_style = role_users[Role.OWNER], FY, "wareki"
    response = exporter.response(request)
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [r[0] for r in ws.iter_rows(min_row=LIST_HEADER_ROW + 1, values_only=True)] == ["SYS-001"]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, actor_username="t-owner").count() == 1
