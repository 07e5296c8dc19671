"""The annual report's lifecycle chapter: the renewal forecast by 部局 × fiscal year with estimated
costs, frozen by the year-end close so a closed year keeps printing the forecast it was closed with."""

import pytest

from saiteki.accounts.choices import Role
from saiteki.core.fiscal import fiscal_year_of
from saiteki.kpi import services as kpi_services
from saiteki.kpi.models import FiscalYearClose
from saiteki.kpi.report import report_data
from saiteki.ledger.models import Component, Server
from saiteki.lifecycle import services
from saiteki.lifecycle.reports import REPORT_YEARS

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def lifecycle_table(fy: int) -> dict:
    return {s["key"]: s for s in report_data(fiscal_year=fy).sections}["lifecycle"]["table"]


def test_the_close_freezes_the_forecast_table_and_reopening_releases_it(role_users, ledger):
    admin = role_users[Role.ADMIN]
    fy = fiscal_year_of(TODAY) - 1
    kpi_services.fiscal_year_close(fiscal_year=fy, user=admin)

    table = lifecycle_table(fy)
    assert table["columns"][0] == "部局" and len(table["columns"]) == 1 + 2 * REPORT_YEARS
    assert table["columns"][1].endswith("件数") and table["columns"][2].endswith("概算経費(円)")
    *bureaus, total = table["rows"]
    assert total[0] == "合計"
    # 県税 (own 2019 build cost 42,000,000) and 図書館 (the on-premises peers' median, 42,000,000).
    assert sum(total[1::2]) == 2 and sum(total[2::2]) == 84_000_000
    assert {row[0] for row in bureaus} == {
        ledger["tax"].owning_division.parent.name,
        ledger["lib"].owning_division.parent.name,
    }
    for col in range(1, len(total)):  # every total is the sum of its bureaus
        assert total[col] == sum(row[col] for row in bureaus)
    digest = report_data(fiscal_year=fy).digest

    # The ledger changes after the close: the closed year's report does not.
    Component.objects.filter(system=ledger["tax"]).delete()
    Server.objects.filter(pk=ledger["server"].pk).update(maintenance_end=None)
    services.components_match()
    assert lifecycle_table(fy) == table
    assert report_data(fiscal_year=fy).digest == digest

    kpi_services.fiscal_year_reopen(fiscal_year=fy, user=admin, reason="確定値の修正")
    assert FiscalYearClose.objects.get(fiscal_year=fy).report_tables == {}
    kpi_services.fiscal_year_close(fiscal_year=fy, user=admin)
    reclosed = lifecycle_table(fy)
    assert sum(reclosed["rows"][-1][1::2]) == 1  # only 図書館 is left to renew
    assert report_data(fiscal_year=fy).digest != digest
