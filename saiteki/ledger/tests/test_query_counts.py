"""Query counts of every ledger list page, export and list endpoint do not grow with the rows shown.

Each case loads the same URL with 3 and with 30 rows of every ledger object and asserts the same number
of queries (SPEC §4 "no page's query count grows with the number of rows shown"; NetBox keeps such
baselines per app). The rows are built with every relation a list shows filled in — division and
bureau, vendors, tags, joint municipalities, server hosts, systems of servers and contracts — and each
row gets its *own* related objects, so a missing ``select_related``/``prefetch_related`` shows up as a
difference instead of being hidden by a shared, already-cached object.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saiteki.accounts.choices import Role
from saiteki.core.context import change_context
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm, ProcurementMethod, ServerKind
from saiteki.ledger.models import Component, Contract, Cost, Municipality, Server, System, Tag, Vendor

FY = 2020
FEW, MANY = 3, 30
_serial = itertools.count(1)

PAGES = [
    "/ledger/systems/",
    "/ledger/systems/?q=システム&sort=-cost_total&col=number&col=name&col=bureau&col=vendors&col=tags&col=joint_count",
    "/ledger/servers/",
    "/ledger/contracts/",
    "/ledger/cost-analysis/",
    f"/ledger/costs/?fiscal_year={FY}&stage=budget",
    "/ledger/costs/?fiscal_year=&stage=",
]
EXPORTS = [
    "/ledger/systems/?export=xlsx&col=number&col=bureau&col=vendors&col=tags&col=joint_count&col=cost_total",
    "/ledger/servers/?export=xlsx",
    "/ledger/contracts/?export=xlsx",
    f"/ledger/costs/?fiscal_year={FY}&stage=budget&export=xlsx",
]
ENDPOINTS = [
    "/api/v1/ledger/systems/",
    "/api/v1/ledger/servers/",
    "/api/v1/ledger/components/",
    "/api/v1/ledger/contracts/",
    "/api/v1/ledger/costs/",
    "/api/v1/ledger/vendors/",
    "/api/v1/ledger/municipalities/",
]


def add_rows(orgs, n: int) -> None:
    """``n`` systems, each with its own vendor, tag, municipality, host, VM, component, contract and costs.

    Systems alternate between 税務課 (the test owner's division) and 県立図書館, so the owner's lists
    are scoped lists with rows in them.
    """
    divisions = [orgs["税務課"], orgs["県立図書館"]]
    with change_context(enabled=False):  # the change log is not what is measured here
        for _ in range(n):
            i = next(_serial)
            system = System.objects.create(
                number=f"Q{i:05d}",
                name=f"システム{i}",
                owning_division=divisions[i % 2],
                hosting_form=HostingForm.SHARED_PLATFORM,
            )
            vendor = Vendor.objects.create(name=f"事業者{i}")
            system.vendors.add(vendor)
            system.tags.add(Tag.objects.create(name=f"タグ{i}"))
            system.joint_municipalities.add(Municipality.objects.create(code=f"{i:06d}", name=f"市{i}"))
            host = Server.objects.create(name=f"host-{i}", kind=ServerKind.PHYSICAL, vcpu=32)
            vm = Server.objects.create(name=f"vm-{i}", kind=ServerKind.VIRTUAL, host=host, vcpu=4)
            host.systems.add(system)
            vm.systems.add(system)
            Component.objects.create(system=system, server=vm, product="PostgreSQL", product_version="15")
            contract = Contract.objects.create(
                number=f"C{i:05d}",
                title=f"契約{i}",
                vendor=vendor,
                procurement_method=ProcurementMethod.GENERAL,
                fiscal_year=FY,
                start=datetime.date(FY, 4, 1),
                end=datetime.date(FY + 1, 3, 31),
                amount=1_000_000,
            )
            contract.systems.add(system)
            for fy, category, stage in (
                (FY, CostCategory.HW_LEASE, CostStage.BUDGET),
                (FY, CostCategory.DESIGN_DEV, CostStage.BUDGET),
                (FY, CostCategory.HW_LEASE, CostStage.ACTUAL),
                (FY - 1, CostCategory.HW_LEASE, CostStage.BUDGET),
            ):
                Cost.objects.create(
                    system=system, fiscal_year=fy, category=category, stage=stage, amount=1000 * i
                )


def _count(client, url: str) -> tuple[int, list[str], object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx), [q["sql"] for q in ctx.captured_queries], response


def _rows_shown(response) -> int:
    """How many rows the response really lists — so a test cannot pass on an empty page."""
    if response.get("Content-Type", "").startswith("application/json"):
        return len(response.json()["results"])
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import io

        from openpyxl import load_workbook

        from saiteki.core.exporting.lists import LIST_HEADER_ROW

        ws = load_workbook(io.BytesIO(response.content)).active
        return sum(1 for _ in ws.iter_rows(min_row=LIST_HEADER_ROW + 1))
    context = response.context
    if "page" in context:
        return len(context["page"].object_list)
    return sum(r.amounts.total > 0 for r in context["a"].by_hosting)  # cost analysis: figures, not rows


def _assert_flat(client, orgs, url: str) -> None:
    add_rows(orgs, FEW)
    _count(client, url)  # warm-up: session, content types and other per-process caches
    few, few_sql, few_response = _count(client, url)
    add_rows(orgs, MANY - FEW)
    many, many_sql, many_response = _count(client, url)
    if "cost-analysis" not in url:
        assert _rows_shown(many_response) > _rows_shown(few_response) > 0, url
    else:
        assert many_response.context["a"].total.total > few_response.context["a"].total.total > 0
    assert few == many, f"{url}: {few} queries with {FEW} rows, {many} with {MANY}\n" + _growth(
        few_sql, many_sql
    )


def _growth(few_sql: list[str], many_sql: list[str]) -> str:
    """The query shapes (literals masked) that ran more often with more rows: the N+1 to look at."""
    import collections
    import re

    def shape(sql: str) -> str:
        return re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", sql)[:300]  # literals, savepoint names

    few_count = collections.Counter(map(shape, few_sql))
    many_count = collections.Counter(map(shape, many_sql))
    return "\n".join(f"{n - few_count[q]:+d} × {q}" for q, n in many_count.items() if n > few_count[q])


def _login(client, role_users, role, fiscal_year=FY):
    client.force_login(role_users[role])
    session = client.session
    session["fiscal_year"] = fiscal_year
    session.save()
    return client


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
@pytest.mark.parametrize("url", PAGES + EXPORTS)
def test_list_page_query_count_does_not_grow(client, orgs, role_users, role, url):
    _assert_flat(_login(client, role_users, role), orgs, url)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_list_endpoint_query_count_does_not_grow(api_client, orgs, role_users, role, url):
    api_client.force_authenticate(role_users[role])
    _assert_flat(api_client, orgs, url)
