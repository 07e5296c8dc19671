"""The import pipeline, tested in core with the test-only plugin app's Gadget model (not through the ledger).

Covers the declared importer (dry run, apply, history, audit, all-or-nothing), the policy calls for
existing and new rows, range checks in the plan, and the file side: two-row merged headers, hidden
duplicate sheets, zip bombs refused before parsing and the memory-capped parse of large files.
"""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest

from saiteki.core.errors import PermissionDeniedError
from saiteki.core.importing import ImportRefused, ImportRowErrors, open_import
from saiteki.core.importing import services as pipeline
from saiteki.core.importing.importer import importer_class, importers_for
from saiteki.core.models import AuditEvent, ObjectChange
from saiteki.core.tests.plugin.importers import GadgetImporter
from saiteki.core.tests.plugin.models import Gadget

NAME = "plugin.gadgets"


def book(rows, header=("コード", "名称", "所属", "金額"), title="ガジェット") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def gadgets(orgs):
    return {
        "tax": Gadget.objects.create(code="G-1", name="税の箱", division=orgs["税務課"], amount=100),
        "lib": Gadget.objects.create(code="G-2", name="図書の箱", division=orgs["県立図書館"], amount=200),
    }


def state() -> tuple:
    return (
        sorted(Gadget.objects.values_list("code", "name", "division_id", "amount")),
        ObjectChange.objects.count(),
    )


def test_the_plugin_importer_is_registered_without_core_edits():
    assert importer_class(NAME) is GadgetImporter
    with pytest.raises(LookupError):
        importer_class("plugin.nothing")


@pytest.mark.django_db
def test_dry_run_then_apply_writes_history_and_audit(gadgets, role_users, orgs):
    admin = role_users["admin"]
    data = book(
        [
            ("G-1", "税の箱（改）", "税務課", "1,000"),
            ("G-2", "図書の箱", "県立図書館", 200),
            ("G-3", "新しい箱", "税務課", ""),
        ]
    )
    before = state()
    preview = pipeline.import_preview(importer=NAME, user=admin, source=data, file_name="g.xlsx")
    assert preview.error_count == 0, preview.errors
    assert preview.counts == {"created": 1, "updated": 1, "unchanged": 1, "errors": 0}
    changes = {(r.key, c.field, c.old, c.new) for r in preview.rows for c in r.changes}
    assert ("G-1", "name", "税の箱", "税の箱（改）") in changes
    assert ("G-1", "amount", "100円", "1,000円") in changes
    assert state() == before  # the dry run wrote nothing

    result = pipeline.import_apply(
        importer=NAME, user=admin, source=data, file_name="g.xlsx", fingerprint=preview.fingerprint
    )
    assert result.applied
    assert Gadget.objects.get(code="G-1").amount == 1000
    assert Gadget.objects.get(code="G-3").division == orgs["税務課"]
    written = ObjectChange.objects.filter(reason="Excel取込: g.xlsx")
    assert written.count() == 2 and len({c.request_id for c in written}) == 1
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.IMPORT)
    assert event.detail["importer"] == NAME and event.detail["created"] == 1


@pytest.mark.django_db
def test_one_bad_row_writes_nothing_and_names_the_cell(gadgets, role_users):
    data = book([("G-1", "税の箱（改）", "税務課", 5), ("G-4", "", "存在しない課", "abc")])
    before = state()
    with pytest.raises(ImportRowErrors) as exc:
        pipeline.import_apply(importer=NAME, user=role_users["admin"], source=data, file_name="bad.xlsx")
    cells = {(e.row, e.column) for e in exc.value.preview.errors}
    assert (3, "所属") in cells and (3, "金額") in cells
    assert state() == before


@pytest.mark.django_db
def test_amount_beyond_the_column_range_fails_in_the_dry_run(gadgets, role_users):
    """Issue 8: an amount over bigint looked valid in the preview and failed at the apply."""
    data = book([("G-1", "税の箱", "税務課", "99999999999999999999")])
    preview = pipeline.import_preview(
        importer=NAME, user=role_users["admin"], source=data, file_name="x.xlsx"
    )
    assert [(e.column, "上限" in e.message) for e in preview.errors] == [("金額", True)]


@pytest.mark.django_db
def test_owner_rows_go_through_the_policy_and_do_not_reveal_other_divisions(gadgets, role_users):
    owner = role_users["owner"]  # 税務課
    own = book([("G-1", "税の箱（所管課）", "税務課", 100), ("G-9", "所管課の新規", "税務課", 1)])
    preview = pipeline.import_preview(importer=NAME, user=owner, source=own, file_name="o.xlsx")
    assert preview.error_count == 0 and preview.counts["created"] == 1

    existing_other = book([("G-2", "乗っ取り", "税務課", 1)])
    new_other = book([("G-8", "他課に新規", "県立図書館", 1)])
    answers = []
    for data in (existing_other, new_other):
        preview = pipeline.import_preview(importer=NAME, user=owner, source=data, file_name="x.xlsx")
        answers.append([(e.column, e.message) for e in preview.errors])
    # Another division's existing row and a division the owner may not use: no hint of what exists.
    assert answers[0][0][0] == "コード"
    assert all(len(a) == 1 for a in answers)
    assert "図書の箱" not in str(answers)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["viewer", "auditor", "advisor"])
def test_roles_without_the_import_right_are_refused(gadgets, role_users, role):
    assert (NAME, GadgetImporter) not in importers_for(role_users[role])
    with pytest.raises(PermissionDeniedError):
        pipeline.import_preview(importer=NAME, user=role_users[role], source=book([]), file_name="x.xlsx")


# --------------------------------------------------------------------------------------------------------
# Sheets and headers
# --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_row_merged_header_reads_the_sub_header_columns(gadgets, role_users):
    """Issue 8: 「基本」 merged over コード・名称 with the sub-headers below must not drop those columns."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ガジェット"
    ws.append(["基本", None, "所属", "金額"])
    ws.append(["コード", "名称", None, None])
    ws.merge_cells("A1:B1")
    ws.merge_cells("C1:C2")
    ws.merge_cells("D1:D2")
    ws.append(["G-1", "二段見出しの箱", "税務課", 100])
    buf = io.BytesIO()
    wb.save(buf)
    preview = pipeline.import_preview(
        importer=NAME, user=role_users["admin"], source=buf.getvalue(), file_name="two.xlsx"
    )
    assert preview.error_count == 0, preview.errors
    assert [(r.row, c.field, c.new) for r in preview.rows for c in r.changes] == [
        (3, "name", "二段見出しの箱")
    ]


@pytest.mark.django_db
def test_unknown_sub_headers_are_reported_not_dropped(role_users, orgs):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ガジェット"
    ws.append(["コード", "名称", "所属", "金額", "利用者", None])
    ws.append([None, None, None, None, "職員", "県民"])
    ws.merge_cells("E1:F1")
    ws.append(["G-5", "箱", "税務課", 1, "○", "×"])
    buf = io.BytesIO()
    wb.save(buf)
    preview = pipeline.import_preview(
        importer=NAME, user=role_users["admin"], source=buf.getvalue(), file_name="two.xlsx"
    )
    assert any("利用者: 職員" in n and "利用者: 県民" in n for n in preview.notes), preview.notes
    assert preview.error_count == 0 and preview.counts["created"] == 1


@pytest.mark.django_db
def test_a_hidden_duplicate_sheet_is_named_as_hidden(role_users):
    wb = openpyxl.Workbook()
    wb.active.title = "ガジェット"
    wb.active.append(["コード", "名称", "所属", "金額"])
    hidden = wb.create_sheet("ガジェット (2)")
    hidden.append(["コード", "名称", "所属", "金額"])
    hidden.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRefused) as exc:
        pipeline.import_preview(
            importer=NAME, user=role_users["admin"], source=buf.getvalue(), file_name="h.xlsx"
        )
    assert "ガジェット (2)（非表示のシート）" in str(exc.value.message)


# --------------------------------------------------------------------------------------------------------
# Decompression bombs and the memory cap
# --------------------------------------------------------------------------------------------------------


def bomb(unpacked_mb: int) -> bytes:
    """A valid-looking xlsx whose shared strings unpack to ``unpacked_mb`` MB from a few hundred KB."""
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["コード", "名称", "所属", "金額"])
    normal = io.BytesIO()
    wb.save(normal)
    with zipfile.ZipFile(normal) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item.filename))
        body = "<si><t>" + "A" * (1024 * 1024 - 20) + "</t></si>"
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(
                b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            chunk = body.encode()
            for _ in range(unpacked_mb):
                fh.write(chunk)
            fh.write(b"</sst>")
    return buf.getvalue()


@pytest.mark.django_db
def test_a_decompression_bomb_is_refused_quickly_naming_the_limit(role_users, settings):
    data = bomb(300)  # 300 MB of shared strings in a few hundred KB
    assert len(data) < 1024 * 1024
    before = state()
    start = time.perf_counter()
    with pytest.raises(ImportRefused) as exc:
        pipeline.import_preview(importer=NAME, user=role_users["admin"], source=data, file_name="bomb.xlsx")
    assert time.perf_counter() - start < 3
    message = str(exc.value.message)
    assert "展開後のサイズが上限を超える" in message and "200MB" in message and "100倍" in message
    assert state() == before


@pytest.mark.django_db
def test_the_ratio_limit_catches_a_bomb_under_the_size_limit(role_users, settings):
    settings.SAITEKI_IMPORT_MAX_RATIO = 50
    with pytest.raises(ImportRefused) as exc:
        pipeline.import_preview(importer=NAME, user=role_users["admin"], source=bomb(20), file_name="b.xlsx")
    assert "圧縮率の上限50倍" in str(exc.value.message)


@pytest.mark.django_db
def test_large_files_are_parsed_in_a_memory_capped_child(role_users, settings, tmp_path, orgs):
    settings.SAITEKI_IMPORT_INLINE_BYTES = 0  # every file goes to the child
    settings.SAITEKI_IMPORT_PARSE_MEMORY_BYTES = 40 * 1024 * 1024
    small = tmp_path / "small.xlsx"
    small.write_bytes(book([(f"G-{i}", f"箱{i}", "税務課", i) for i in range(10, 60)]))
    preview = pipeline.import_preview(
        importer=NAME, user=role_users["admin"], source=small, file_name="s.xlsx"
    )
    assert preview.error_count == 0 and preview.counts["created"] == 50

    # 20 MB of cells from a 0.6 MB file (well under the ratio limit) does not fit in 40 MB.
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("ガジェット")
    ws.append(["コード", "名称", "所属", "金額"])
    for i in range(20_000):
        ws.append([f"G-{i}", "x" * 1000 + str(i), "税務課", i])
    large = tmp_path / "large.xlsx"
    wb.save(large)
    before = state()
    with pytest.raises(ImportRefused) as exc:
        pipeline.import_preview(importer=NAME, user=role_users["admin"], source=large, file_name="l.xlsx")
    assert "メモリが上限（40MB）" in str(exc.value.message)
    assert state() == before


def test_the_child_returns_the_same_cells_as_the_inline_reader(tmp_path):
    from saiteki.core.importing import extract

    path = tmp_path / "g.xlsx"
    path.write_bytes(book([("G-1", "箱", "税務課", 1), ("G-2", None, "税務課", 2.5)]))
    inline = [(s.name, s.visible, list(s.rows)) for s in extract.read_xlsx(path)]
    child = [
        (s.name, s.visible, list(s.rows))
        for s in extract.read_xlsx_sandboxed(path, memory_bytes=1024**3, timeout=60)
    ]
    assert inline == child
    assert inline[0][2][2] == (3, ["G-2", "", "税務課", 2.5])


def test_csv_in_shift_jis_is_read(tmp_path):
    from saiteki.core.importing.sheets import Column, SheetSpec

    spec = SheetSpec("g", "ガジェット", ("ガジェット",), (Column("code", "コード"),), ("code",))
    data = "コード\nG-1\n".encode("cp932")
    with open_import(data, file_name="g.csv", specs=(spec,)) as upload:
        assert [v for _n, v in upload.sheets["g"].rows()] == [{"code": "G-1"}]
        assert "Shift_JIS" in " ".join(upload.notes())
