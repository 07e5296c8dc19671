"""SPEC §4: no SAM page's query count grows with the rows it shows — the dashboard, a run's page, the
reconciliation API and a 所属's inventory task, measured with few rows and again with many."""

from __future__ import annotations

import pytest

from saiteki.core.context import change_context
from saiteki.core.testing import assert_queries_flat
from saiteki.sam import selectors, services

from .conftest import make_device, make_entitlement, make_title

pytestmark = pytest.mark.django_db


def _install(devices, title_name: str) -> None:
    from saiteki.sam.models import Scan

    scan = Scan.objects.first() or Scan.objects.create(file_name="t.csv")
    ids, _n = services.names_resolve([title_name], create=True)
    services.installations_insert(
        [(d.pk, ids[title_name], title_name, "1.0", None, scan.pk, True) for d in devices]
    )


def _grow_estate(orgs, start: int, n: int) -> None:
    """``n`` more titles, each on devices in two 所属 and owned short in one."""
    with change_context(reason="test"):
        for i in range(start, start + n):
            title = make_title(f"Tool {i}", f"Tool {i}")
            services.matcher_reset()
            tax = [make_device(f"t{i}-{k}", orgs["税務課"], user_code=f"K{i}{k}") for k in range(2)]
            lib = [make_device(f"l{i}-{k}", orgs["県立図書館"]) for k in range(2)]
            make_entitlement(title, orgs["税務課"], 1, number=f"T{i}")
            _install(tax + lib, f"Tool {i}")


@pytest.fixture
def estate(orgs, role_users):
    _grow_estate(orgs, 0, 2)
    services.reconciliation_run(user=role_users["admin"])
    services.reconciliation_run(user=role_users["admin"])  # pages compare with the previous run
    return role_users


def _grow_run(orgs, admin, start: int = 10):
    def grow():
        _grow_estate(orgs, start, 6)
        services.reconciliation_run(user=admin)

    return grow


@pytest.mark.parametrize("who", ["admin", "owner"])
def test_dashboard_and_run_page_queries_do_not_grow(client, orgs, estate, who):
    client.force_login(estate[who])

    def rows(response):
        return response.content.decode().count("data-title=")

    def check(few, many):
        assert rows(many) > rows(few) > 0

    assert_queries_flat(
        lambda: client.get("/sam/"), _grow_run(orgs, estate["admin"]), label="SAM dashboard", check=check
    )

    def fetch_run():
        return client.get(f"/sam/runs/{selectors.latest_run().pk}/")

    def division_rows(response):
        return response.content.decode().count("data-division-row")

    def check_run(few, many):
        assert rows(many) > rows(few) > 0
        assert division_rows(many) > division_rows(few) > 0

    assert_queries_flat(
        fetch_run, _grow_run(orgs, estate["admin"], start=20), label="SAM run page", check=check_run
    )


def test_reconciliation_api_queries_do_not_grow(api_client, orgs, estate):
    api_client.force_authenticate(estate["admin"])

    def check(few, many):
        assert len(many.json()["titles"]) > len(few.json()["titles"]) > 0

    assert_queries_flat(
        lambda: api_client.get("/api/v1/sam/reconciliation/"),
        _grow_run(orgs, estate["admin"]),
        label="SAM reconciliation API",
        check=check,
    )
