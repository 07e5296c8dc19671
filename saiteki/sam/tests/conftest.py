"""Fixtures of the SAM tests: a few titles, devices in two 所属 and a scan helper."""

from __future__ import annotations

import datetime

import pytest

from saiteki.core.context import change_context
from saiteki.sam import services
from saiteki.sam.choices import DeviceKind, EntitlementType, Metric
from saiteki.sam.models import Device, Entitlement, Purchase, Title


def make_title(name: str, product: str, *, version: str = "", metric: str = Metric.DEVICE, **kw) -> Title:
    title = Title(
        name=name,
        product=product,
        version_family=version,
        metric=metric,
        publisher=kw.pop("publisher", ""),
        **kw,
    )
    title.full_clean()
    title.save()
    return title


def make_device(
    hostname: str, division, *, kind=DeviceKind.PC, user_code: str = "", cores: int = 0
) -> Device:
    device = Device(hostname=hostname, division=division, kind=kind, user_code=user_code, cores=cores)
    device.full_clean()
    device.save()
    return device


def make_entitlement(
    title: Title,
    division,
    quantity: int,
    *,
    number: str,
    kind=EntitlementType.PACKAGE,
    downgrade: bool = False,
    unit_cost: int = 10_000,
    term_end: datetime.date | None = None,
    purchased_on: datetime.date = datetime.date(2024, 4, 10),
) -> Entitlement:
    e = Entitlement(
        number=number,
        title=title,
        kind=kind,
        metric=title.metric,
        owner_division=division,
        downgrade_rights=downgrade,
    )
    e.full_clean()
    e.save()
    p = Purchase(
        entitlement=e,
        purchased_on=purchased_on,
        fiscal_year=0,
        quantity=quantity,
        unit_cost=unit_cost,
        term_start=purchased_on if term_end else None,
        term_end=term_end,
    )
    p.full_clean()
    p.save()
    return e


@pytest.fixture
def sam_world(orgs):
    """Two titles of one downgrade family and a CAD title; three PCs in 税務課, two in 県立図書館."""
    with change_context(reason="test"):
        office19 = make_title(
            "Office Professional Plus 2019",
            "Office",
            version="2019",
            edition="Professional Plus",
            family="office-proplus",
            version_rank=2019,
        )
        office16 = make_title(
            "Office Professional Plus 2016",
            "Office",
            version="2016",
            edition="Professional Plus",
            family="office-proplus",
            version_rank=2016,
        )
        cad = make_title("AutoCAD LT 2022", "AutoCAD", edition="LT", version="2022", unit_price=60_000)
        tax = [make_device(f"tax-{i}", orgs["税務課"], user_code=f"K{i}") for i in range(3)]
        lib = [make_device(f"lib-{i}", orgs["県立図書館"]) for i in range(2)]
    services.matcher_reset()
    return {"office19": office19, "office16": office16, "cad": cad, "tax": tax, "lib": lib, "orgs": orgs}


def scan_csv(
    rows, *, header=("ホスト名", "ソフトウェア名", "バージョン", "インストール日", "利用者"), encoding="utf-8"
) -> bytes:
    lines = [",".join(header)] + [",".join(str(c) for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
