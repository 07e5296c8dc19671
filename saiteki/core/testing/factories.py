"""Factories for the objects several apps' tests build: organisations, users, ledger and planner objects.

One place, so a new required field is added once. factory-boy factories for variations
(``SystemFactory(owning_division=org, status="retired")``) and the short ``make_*`` functions the
ledger tests already use. Every object is saved through the ORM (history included); nothing is mocked.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

import factory

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization, User
from saiteki.consolidation.choices import CostBasis, DemandBasis, SelectionMode
from saiteki.consolidation.models import HostModel, Scenario
from saiteki.core.testing.base import make_user
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm, ProcurementMethod, ServerKind
from saiteki.ledger.models import Component, Contract, Cost, Municipality, Server, System, Tag, Vendor

__all__ = [
    "ComponentFactory",
    "ContractFactory",
    "CostFactory",
    "HostModelFactory",
    "MunicipalityFactory",
    "OrganizationFactory",
    "ScenarioFactory",
    "ServerFactory",
    "SystemFactory",
    "TagFactory",
    "UserFactory",
    "VendorFactory",
    "make_cost",
    "make_server",
    "make_system",
]


def _set_many(obj, field: str, extracted: Iterable | None) -> None:
    if extracted:
        getattr(obj, field).set(extracted)


class OrganizationFactory(factory.django.DjangoModelFactory):
    """A division (所属) under its own bureau unless ``parent`` is given; ``kind="bureau"`` for a 部局."""

    class Meta:
        model = Organization

    kind = OrganizationKind.DIVISION
    code = factory.Sequence(lambda n: f"F{n:04d}")
    name = factory.Sequence(lambda n: f"テスト課{n}")
    valid_from = datetime.date(2000, 4, 1)
    sort_order = factory.Sequence(lambda n: 1000 + n)
    parent = factory.Maybe(
        factory.LazyAttribute(lambda o: o.kind == OrganizationKind.DIVISION),
        yes_declaration=factory.SubFactory(
            "saiteki.core.testing.factories.OrganizationFactory", kind=OrganizationKind.BUREAU, parent=None
        ),
        no_declaration=None,
    )


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``UserFactory(role="owner", division=org)`` also assigns the role for this fiscal year."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"f-user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)

    @classmethod
    def _create(cls, model_class, *args, role=None, division=None, **kwargs):
        user = make_user(kwargs.pop("username"), role, division)
        for field, value in kwargs.items():
            setattr(user, field, value)
        if kwargs:
            user.save()
        return user


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"株式会社テスト{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"タグ{n}")


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    code = factory.Sequence(lambda n: f"{900000 + n:06d}")
    name = factory.Sequence(lambda n: f"テスト市{n}")


class SystemFactory(factory.django.DjangoModelFactory[System]):
    """A system; ``vendors=[…]``, ``tags=[…]``, ``joint_municipalities=[…]`` set its links."""

    class Meta:
        model = System
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"テストシステム{n}")
    owning_division = factory.SubFactory(OrganizationFactory)
    hosting_form = HostingForm.ONPREM

    @factory.post_generation
    def vendors(self, create, extracted, **kwargs):
        _set_many(self, "vendors", extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        _set_many(self, "tags", extracted)

    @factory.post_generation
    def joint_municipalities(self, create, extracted, **kwargs):
        _set_many(self, "joint_municipalities", extracted)


class ServerFactory(factory.django.DjangoModelFactory[Server]):
    """A physical server unless ``kind``/``host`` say otherwise; ``systems=[…]`` links it."""

    class Meta:
        model = Server
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"srv-{n}")
    kind = ServerKind.PHYSICAL
    vcpu = 8
    memory_gib = Decimal("32")
    storage_gib = Decimal("500")

    @factory.post_generation
    def systems(self, create, extracted, **kwargs):
        _set_many(self, "systems", extracted)


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    system = factory.SubFactory(SystemFactory)
    product = "PostgreSQL"
    product_version = "15"


class ContractFactory(factory.django.DjangoModelFactory):
    """A one-year contract of fiscal year ``fiscal_year``; ``systems=[…]`` links it (required in forms)."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"C{n:05d}")
    title = factory.Sequence(lambda n: f"保守契約{n}")
    vendor = factory.SubFactory(VendorFactory)
    procurement_method = ProcurementMethod.GENERAL
    fiscal_year = 2026
    start = factory.LazyAttribute(lambda o: datetime.date(o.fiscal_year, 4, 1))
    end = factory.LazyAttribute(lambda o: datetime.date(o.fiscal_year + 1, 3, 31))
    amount = 1_000_000

    @factory.post_generation
    def systems(self, create, extracted, **kwargs):
        _set_many(self, "systems", extracted)


class CostFactory(factory.django.DjangoModelFactory[Cost]):
    class Meta:
        model = Cost

    system = factory.SubFactory(SystemFactory)
    fiscal_year = 2026
    category = CostCategory.APP_MAINTENANCE
    stage = CostStage.BUDGET
    amount = 1_000_000


class HostModelFactory(factory.django.DjangoModelFactory):
    """The planner's standard host: 32 cores, 512 GiB, with purchase, maintenance and licence costs."""

    class Meta:
        model = HostModel

    name = factory.Sequence(lambda n: f"標準ホスト{n}")
    cpu_cores = 32
    memory_gib = 512
    storage_gib = 10000
    purchase_price = 3_000_000
    maintenance_per_year = 300_000
    licence_per_host_per_year = 100_000
    licence_per_core_per_year = 10_000
    power_w = 600


class ScenarioFactory(factory.django.DjangoModelFactory):
    """A shared-platform scenario, validated with ``full_clean()`` like the form does."""

    class Meta:
        model = Scenario

    name = factory.Sequence(lambda n: f"テストシナリオ{n}")
    fiscal_year = 2027
    selection = SelectionMode.SHARED_PLATFORM
    demand_basis = DemandBasis.ALLOCATED
    host_model = factory.SubFactory(HostModelFactory)
    time_limit_s = 2
    current_cost_basis = CostBasis.DEFAULTS
    current_hw_per_server_year = 1_000_000
    current_maintenance_per_server_year = 200_000
    current_licence_per_server_year = 50_000

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        scenario = model_class(*args, **kwargs)
        scenario.full_clean()
        scenario.save()
        return scenario


def make_system(division, **fields) -> System:
    """A system of ``division`` (the ledger tests' short form of ``SystemFactory``)."""
    return SystemFactory.create(owning_division=division, **fields)


def make_server(systems, **fields) -> Server:
    """A server linked to ``systems``."""
    return ServerFactory.create(systems=list(systems), **fields)


def make_cost(system, fiscal_year=2026, category="app_maintenance", stage="budget", amount=1_000_000) -> Cost:
    """One cost row of ``system``."""
    return CostFactory.create(
        system=system, fiscal_year=fiscal_year, category=category, stage=stage, amount=amount
    )
