"""Query counts of every ledger list page, export and list endpoint do not grow with the rows shown.

Each case loads the same URL with 3 and with 30 rows of every ledger object and asserts the same number
of queries (SPEC §4 "no page's query count grows with the number of rows shown"; NetBox keeps such
baselines per app). The rows are built with every relation a list shows filled in — division and
bureau, vendors, tags, joint municipalities, server hosts, systems of servers and contracts — and each
row gets its *own* related objects, so a missing ``select_related``/``prefetch_related`` shows up as a
difference instead of being hidden by a shared, already-cached object. The counts are also held to
the baseline in ``query_counts.json`` (a constant extra query per page fails too; rerun with
``SAITEKI_UPDATE_QUERY_COUNTS=1`` after an intended change).
"""

from __future__ import annotations

import datetime
import itertools
import pathlib

import pytest

from saiteki.accounts.choices import Role
from saiteki.core.context import change_context
from saiteki.core.testing import assert_queries_flat
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm, ProcurementMethod, ServerKind
from saiteki.ledger.models import Component, Contract, Cost, Municipality, Server, System, Tag, Vendor

QUERY_COUNTS = pathlib.Path(__file__).with_name("query_counts.json")
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


def _fetch(client, url: str):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return get


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


def _shows_more(url: str):
    def check(few_response, many_response):
        if "cost-analysis" in url:
            assert many_response.context["a"].total.total > few_response.context["a"].total.total > 0
        else:
            assert _rows_shown(many_response) > _rows_shown(few_response) > 0, url

    return check


def _assert_flat(client, orgs, url: str, key: str) -> None:
    """Flat between FEW and MANY rows, and within the stored baseline (``query_counts.json``)."""
    add_rows(orgs, FEW)
    assert_queries_flat(
        _fetch(client, url),
        lambda: add_rows(orgs, MANY - FEW),
        label=url,
        check=_shows_more(url),
        baseline=(QUERY_COUNTS, key),
    )


def _login(client, role_users, role, fiscal_year=FY):
    client.force_login(role_users[role])
    session = client.session
    session["fiscal_year"] = fiscal_year
    session.save()
    return client


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
@pytest.mark.parametrize("url", PAGES + EXPORTS)
def test_list_page_query_count_does_not_grow(client, orgs, role_users, role, url):
    _assert_flat(_login(client, role_users, role), orgs, url, f"{role} GET {url}")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_list_endpoint_query_count_does_not_grow(api_client, orgs, role_users, role, url):
    api_client.force_authenticate(role_users[role])
    _assert_flat(api_client, orgs, url, f"{role} API GET {url}")
