"""Property: after any sequence of writes through the application's own paths — the cost grid, the system
form, the Excel import, the API (costs and systems) and the system delete page — every summary table
equals a fresh aggregation of the rows (docs/adr/0007-national-scale-reads.md).

Hypothesis draws the sequence; each example runs in a transaction that is rolled back, so examples do
not see each other's data. A refused write (a conflict, a validation error) must leave the summaries
in step too, so refusals are allowed; a server error is not.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saiteki.core.errors import ApplicationError
from saiteki.ledger import services, summaries
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm, LifecycleStatus
from saiteki.ledger.forms import SystemForm
from saiteki.ledger.importers import ledger_import_apply
from saiteki.ledger.models import Cost, System

YEARS = (2023, 2024)
CATEGORIES = (CostCategory.HW_LEASE.value, CostCategory.DESIGN_DEV.value)
DIVISIONS = ("税務課", "県立図書館", "情報政策課")

index = st.integers(min_value=0, max_value=9)
fiscal_year = st.sampled_from(YEARS)
category = st.sampled_from(CATEGORIES)
stage = st.sampled_from(CostStage.values)
hosting = st.sampled_from(HostingForm.values)
division = st.sampled_from(DIVISIONS)
amount = st.integers(min_value=0, max_value=5_000_000)

OPERATIONS = st.one_of(
    st.tuples(
        st.just("grid"),
        index,
        stage,
        st.dictionaries(st.tuples(fiscal_year, category), st.one_of(st.none(), amount), max_size=3),
    ),
    st.tuples(st.just("form"), index, division, hosting),
    st.tuples(st.just("import"), index, hosting, fiscal_year, category, stage, st.one_of(st.none(), amount)),
    st.tuples(st.just("api_cost_create"), index, fiscal_year, category, stage, amount),
    st.tuples(st.just("api_cost_update"), index, amount),
    st.tuples(st.just("api_cost_delete"), index),
    st.tuples(
        st.just("api_system_update"), index, division, hosting, st.sampled_from(LifecycleStatus.values)
    ),
    st.tuples(st.just("delete_system"), index),
    st.tuples(st.just("create_system"), division, hosting),
)


def _pick(items: list, i: int):
    return items[i % len(items)] if items else None


def _form_data(system: System, **changes) -> dict:
    data = {
        k: v
        for k, v in model_to_dict(system, fields=SystemForm._meta.fields).items()
        if v not in (None, False)
    }
    for name in ("joint_municipalities", "vendors", "tags"):
        data[name] = [o.pk for o in data.get(name, [])]
    data.update(changes, version=system.version, change_reason="性質テスト")
    return data


def _import_workbook(system: System, hosting_form: str, fy, cat, stg, value) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "情報システム"
    ws.append(["システム番号", "システム名", "稼働形態"])
    ws.append([system.number, system.name, str(HostingForm(hosting_form).label)])
    costs = wb.create_sheet("経費")
    costs.append(["システム番号", "年度", "経費区分", "段階", "金額"])
    costs.append([system.number, fy, str(CostCategory(cat).label), str(CostStage(stg).label), value])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Ledger:
    """The application's write paths, as the pages, the API and the import call them."""

    def __init__(self, client, api, admin, orgs):
        self.client, self.api, self.admin, self.orgs = client, api, admin, orgs
        self.serial = 0

    def systems(self) -> list[System]:
        return list(System.objects.order_by("pk"))

    def costs(self) -> list[Cost]:
        return list(Cost.objects.order_by("pk"))

    def new_system(self, division: str, hosting_form: str) -> System:
        self.serial += 1
        return System.objects.create(
            number=f"P{self.serial:04d}",
            name=f"性質{self.serial}",
            owning_division=self.orgs[division],
            hosting_form=hosting_form,
        )

    def run(self, op: tuple) -> None:
        kind, *args = op
        getattr(self, kind)(*args)

    def grid(self, i, stg, cells):
        system = _pick(self.systems(), i)
        if system is None:
            return
        try:
            services.cost_grid_save(
                user=self.admin,
                system=system,
                stage=stg,
                cells={(fy, cat): ("" if v is None else str(v)) for (fy, cat), v in cells.items()},
            )
        except ApplicationError:
            pass

    def form(self, i, div, hosting_form):
        system = _pick(self.systems(), i)
        if system is None:
            return
        data = _form_data(system, owning_division=self.orgs[div].pk, hosting_form=hosting_form)
        response = self.client.post(f"/ledger/systems/{system.pk}/edit/", data)
        assert response.status_code in (302, 400, 409), response.status_code

    def import_(self, i, hosting_form, fy, cat, stg, value):
        system = _pick(self.systems(), i)
        if system is None:
            return
        data = _import_workbook(system, hosting_form, fy, cat, stg, value)
        try:
            ledger_import_apply(user=self.admin, source=data, file_name="p.xlsx", blank="clear")
        except ApplicationError:
            pass

    def api_cost_create(self, i, fy, cat, stg, value):
        system = _pick(self.systems(), i)
        if system is None:
            return
        response = self.api.post(
            "/api/v1/ledger/costs/",
            {"system": system.pk, "fiscal_year": fy, "category": cat, "stage": stg, "amount": value},
            format="json",
        )
        assert response.status_code in (201, 400, 403, 409), response.status_code

    def api_cost_update(self, i, value):
        cost = _pick(self.costs(), i)
        if cost is None:
            return
        response = self.api.patch(f"/api/v1/ledger/costs/{cost.pk}/", {"amount": value}, format="json")
        assert response.status_code in (200, 400, 403, 409), response.status_code

    def api_cost_delete(self, i):
        cost = _pick(self.costs(), i)
        if cost is None:
            return
        response = self.api.delete(f"/api/v1/ledger/costs/{cost.pk}/")
        assert response.status_code in (204, 403, 409), response.status_code

    def api_system_update(self, i, div, hosting_form, status):
        system = _pick(self.systems(), i)
        if system is None:
            return
        response = self.api.patch(
            f"/api/v1/ledger/systems/{system.pk}/",
            {"owning_division": self.orgs[div].pk, "hosting_form": hosting_form, "status": status},
            format="json",
        )
        assert response.status_code in (200, 400, 403, 409), response.status_code

    def delete_system(self, i):
        system = _pick(self.systems(), i)
        if system is None:
            return
        response = self.client.post(f"/ledger/systems/{system.pk}/delete/", {"change_reason": "性質テスト"})
        assert response.status_code in (302, 403, 409), response.status_code  # 409: still referenced

    def create_system(self, div, hosting_form):
        system = self.new_system(div, hosting_form)
        for fy in YEARS:
            Cost.objects.create(system=system, fiscal_year=fy, category="hw_lease", stage="budget", amount=fy)


setattr(Ledger, "import", Ledger.import_)  # the strategy names the operation "import"


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=6))
def test_summaries_equal_the_rows_after_every_write_path(operations, client, api_client, orgs, role_users):
    admin = role_users["admin"]
    client.force_login(admin)
    api_client.force_login(admin)
    with transaction.atomic():
        ledger = Ledger(client, api_client, admin, orgs)
        for k in range(3):
            ledger.create_system(DIVISIONS[k], HostingForm.values[k])
        for op in operations:
            ledger.run(op)
            assert summaries.differences() == {
                "ledger_costsummary": 0,
                "ledger_systemcosttotal": 0,
                "ledger_systemcount": 0,
            }, op
        transaction.set_rollback(True)
