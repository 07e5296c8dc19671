"""Every ledger object is importable: each importer's template (with the current data) imports back with
no change, an edited cell is exactly one change, and an owner's import keeps other divisions' links.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from saiteki.core.importing import services as pipeline
from saiteki.core.registry import registry
from saiteki.ledger.importers import IMPORTERS
from saiteki.ledger.models import Component, Contract, Municipality, Server, System, Tag, Vendor
from saiteki.ledger.tests.test_import import make_ledger


@pytest.fixture
def ledger(orgs):
    data = make_ledger(orgs)
    vendor = Vendor.objects.get(name="岡山情報サービス株式会社")
    Vendor.objects.filter(pk=vendor.pk).update(corporate_number="1234567890123")
    host = Server.objects.create(name="HOST-01", kind="physical", vcpu=64, memory_gib=Decimal("512.0"))
    host.systems.add(data["tax"])
    shared = Server.objects.create(
        name="VM-SHARED",
        kind="virtual",
        host=host,
        vcpu=4,
        memory_gib=Decimal("16.5"),
        storage_gib=Decimal("200.0"),
        cpu_avg_pct=Decimal("12.5"),
        maintenance_end=datetime.date(2030, 3, 31),
        segment="lgwan",
        location="本庁舎",
    )
    shared.systems.add(data["tax"], data["lib"])  # shared by two divisions
    contract = Contract.objects.create(
        number="C-2026-001",
        title="県税システム保守",
        vendor=vendor,
        procurement_method="general",
        fiscal_year=2026,
        start=datetime.date(2026, 4, 1),
        end=datetime.date(2027, 3, 31),
        amount=12_345_678,
    )
    contract.systems.add(data["tax"], data["lib"])
    Component.objects.create(system=data["tax"], server=shared, product="PostgreSQL", product_version="16")
    Component.objects.create(system=data["lib"], server=shared, product="Tomcat", product_version="10")
    return {**data, "host": host, "shared": shared, "contract": contract}


def template(client, name: str) -> bytes:
    response = client.get(reverse("core:import_template", args=[name]))
    assert response.status_code == 200
    return response.content


def edit(data: bytes, cell: str, value) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb.worksheets[0][cell] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_import_covers_every_ledger_object():
    models = {cls.model for cls in IMPORTERS.values()} | {
        m for cls in IMPORTERS.values() for m in cls.touches
    }
    assert models == {System, Server, Contract, Component, Vendor, Municipality, Tag} | {
        IMPORTERS["ledger.systems"].touches[1]
    }
    assert all(registry.importers[name] is cls for name, cls in IMPORTERS.items())


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_template_round_trips_without_changes(client, ledger, role_users, name):
    admin = role_users["admin"]
    client.force_login(admin)
    data = template(client, name)
    preview = pipeline.import_preview(importer=name, user=admin, source=data, file_name="t.xlsx")
    assert preview.error_count == 0, preview.errors
    assert preview.rows == [], [(r.key, [(c.field, c.old, c.new) for c in r.changes]) for r in preview.rows]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "cell", "value", "check"),
    [
        ("ledger.servers", "D3", 8, lambda: Server.objects.get(name="VM-SHARED").vcpu == 8),
        ("ledger.contracts", "H2", "13,000,000", lambda: Contract.objects.get().amount == 13_000_000),
        (
            "ledger.components",
            "D2",
            "17",
            lambda: Component.objects.filter(product_version="17").count() == 1,
        ),
        (
            "ledger.vendors",
            "B3",
            "9876543210987",
            lambda: Vendor.objects.get(name="岡山情報サービス株式会社").corporate_number == "9876543210987",
        ),
        (
            "ledger.municipalities",
            "B2",
            "岡山市（改）",
            lambda: Municipality.objects.filter(name="岡山市（改）").exists(),
        ),
        ("ledger.tags", "A3", "新タグ", lambda: Tag.objects.filter(name="新タグ").exists()),
    ],
)
def test_an_edited_cell_is_one_change_and_applies(client, ledger, role_users, name, cell, value, check):
    admin = role_users["admin"]
    client.force_login(admin)
    data = edit(template(client, name), cell, value)
    preview = pipeline.import_preview(importer=name, user=admin, source=data, file_name="e.xlsx")
    assert preview.error_count == 0, preview.errors
    assert sum(len(r.changes) for r in preview.rows) == 1, [(r.key, r.changes) for r in preview.rows]
    pipeline.import_apply(
        importer=name, user=admin, source=data, file_name="e.xlsx", fingerprint=preview.fingerprint
    )
    assert check()


def _sheet(header, rows) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.django_db
def test_owner_import_keeps_other_divisions_links(ledger, role_users):
    owner = role_users["owner"]  # 税務課: SYS-001, SYS-002; LIB-001 is the library's
    data = _sheet(["機器名", "システム番号"], [["VM-SHARED", "SYS-001、SYS-002"]])  # LIB-001 left out
    preview = pipeline.import_preview(importer="ledger.servers", user=owner, source=data, file_name="s.xlsx")
    assert preview.error_count == 0, preview.errors
    change = preview.rows[0].changes[0]
    assert "LIB-001" in change.new  # kept: an owner's import never touches another division's link
    pipeline.import_apply(importer="ledger.servers", user=owner, source=data, file_name="s.xlsx")
    assert set(ledger["shared"].systems.values_list("number", flat=True)) == {"SYS-001", "SYS-002", "LIB-001"}

    contract = _sheet(["契約番号", "システム番号"], [["C-2026-001", ""]])
    preview = pipeline.import_preview(
        importer="ledger.contracts", user=owner, source=contract, file_name="c.xlsx", blank="clear"
    )
    assert preview.error_count == 0
    pipeline.import_apply(
        importer="ledger.contracts", user=owner, source=contract, file_name="c.xlsx", blank="clear"
    )
    assert list(ledger["contract"].systems.values_list("number", flat=True)) == ["LIB-001"]


@pytest.mark.django_db
def test_owner_cannot_link_attach_or_create_outside_their_division(ledger, role_users):
    owner = role_users["owner"]
    cases = [
        # Adding another division's system to a shared server.
        ("ledger.servers", ["機器名", "システム番号"], ["HOST-01", "SYS-001、LIB-001"], "システム番号"),
        # A component of an own system on another division's server (the library's own VM).
        ("ledger.components", ["システム番号", "製品名", "機器名"], ["SYS-001", "Nginx", "LIB-VM"], "機器名"),
        # A server with no system: the owner could not see it afterwards.
        ("ledger.servers", ["機器名", "システム番号"], ["VM-ORPHAN", ""], "機器名"),
        # Another division's component.
        (
            "ledger.components",
            ["システム番号", "製品名", "バージョン"],
            ["LIB-001", "Tomcat", "11"],
            "システム番号",
        ),
    ]
    lib_vm = Server.objects.create(name="LIB-VM", kind="virtual")
    lib_vm.systems.add(ledger["lib"])
    for name, header, row, column in cases:
        preview = pipeline.import_preview(
            importer=name, user=owner, source=_sheet(header, [row]), file_name="x.xlsx"
        )
        assert [e.column for e in preview.errors] == [column], (name, row, preview.errors)
    assert not Server.objects.filter(name="VM-ORPHAN").exists()
    assert not Component.objects.filter(product="Nginx").exists()


@pytest.mark.django_db
def test_owner_gets_the_same_answer_for_unknown_and_other_division_names(ledger, role_users):
    owner = role_users["owner"]
    lib_vm = Server.objects.create(name="LIB-VM", kind="virtual")
    lib_vm.systems.add(ledger["lib"])
    answers = []
    for server in ("LIB-VM", "NO-SUCH-VM"):
        data = _sheet(["システム番号", "製品名", "機器名"], [["SYS-001", "Nginx", server]])
        preview = pipeline.import_preview(
            importer="ledger.components", user=owner, source=data, file_name="x.xlsx"
        )
        answers.append([(e.column, e.message.replace(server, "*")) for e in preview.errors])
    assert answers[0] == answers[1]


@pytest.mark.django_db
def test_master_data_is_admins_only(ledger, role_users):
    from saiteki.core.errors import PermissionDeniedError

    data = _sheet(["事業者名"], [["新しい事業者"]])
    with pytest.raises(PermissionDeniedError):
        pipeline.import_preview(
            importer="ledger.vendors", user=role_users["owner"], source=data, file_name="v.xlsx"
        )
