"""Issue 8: consolidation runs are the IT policy division's plans. A system owner sees their own
machines and the totals on the run page, in its xlsx and through the API — never another division's
machines, system names or migration years (the ledger hides them too)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from saiteki.consolidation import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(vm_scenario, role_users):
    run = services.scenario_run_create(scenario=vm_scenario, user=role_users["admin"])
    services.scenario_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded"
    return run


def _all_cells(content: bytes) -> str:
    wb = load_workbook(io.BytesIO(content))
    return "\n".join(
        str(cell)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def test_owner_run_page_shows_own_machines_and_totals_only(client, role_users, run):
    client.force_login(role_users["owner"])  # 税務課: owns 税務システム (vm-tax-*), not 図書館システム
    page = client.get(run.get_absolute_url()).content.decode()
    assert "vm-tax-1" in page
    assert "vm-lib-1" not in page and "図書館システム" not in page and "S002" not in page
    assert "うち他所属" in page and 'data-testid="scoped-note"' in page
    client.force_login(role_users["admin"])
    page = client.get(run.get_absolute_url()).content.decode()
    assert "vm-lib-1" in page and "S002" in page


def test_owner_run_export_shows_own_machines_only(client, role_users, run):
    client.force_login(role_users["owner"])
    text = _all_cells(client.get(reverse("consolidation:run_export", args=[run.pk])).content)
    assert "vm-tax-1" in text
    assert "vm-lib-1" not in text and "図書館システム" not in text and "S002" not in text
    client.force_login(role_users["advisor"])  # prefecture-wide right
    text = _all_cells(client.get(reverse("consolidation:run_export", args=[run.pk])).content)
    assert "vm-lib-1" in text


def test_owner_api_run_detail_has_totals_not_machines(api_client, role_users, run, ledger):
    api_client.force_authenticate(role_users["owner"])
    body = api_client.get(f"/api/v1/consolidation/runs/{run.pk}/").json()
    assert body["hosts_used"] == run.hosts_used and body["savings"]["saving"] == run.savings["saving"]
    assert body["inputs"] is None and body["result"] is None
    text = str(body)
    assert "vm-lib-1" not in text and "図書館システム" not in text
    assert {s["system_id"] for s in body["waves"]["systems"]} <= {ledger["tax"].pk, ledger["jumin"].pk}
    api_client.force_authenticate(role_users["admin"])
    body = api_client.get(f"/api/v1/consolidation/runs/{run.pk}/").json()
    assert "vm-lib-1" in str(body["inputs"])
