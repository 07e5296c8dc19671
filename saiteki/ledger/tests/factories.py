"""Factories for ledger objects (systems, servers, components, contracts, costs, master data), shared by
every app's tests. factory-boy factories for variations (``SystemFactory(owning_division=org,
status="retired")``) and the short ``make_*`` functions.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from saiteki.core.testing.factories import OrganizationFactory, set_many
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm, ProcurementMethod, ServerKind
from saiteki.ledger.models import Component, Contract, Cost, Municipality, Server, System, Tag, Vendor

__all__ = [
    "ComponentFactory",
    "ContractFactory",
    "CostFactory",
    "MunicipalityFactory",
    "ServerFactory",
    "SystemFactory",
    "TagFactory",
    "VendorFactory",
    "make_cost",
    "make_server",
    "make_system",
]


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
        set_many(self, "vendors", extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        set_many(self, "tags", extracted)

    @factory.post_generation
    def joint_municipalities(self, create, extracted, **kwargs):
        set_many(self, "joint_municipalities", extracted)


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
        set_many(self, "systems", extracted)


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
        set_many(self, "systems", extracted)


class CostFactory(factory.django.DjangoModelFactory[Cost]):
    class Meta:
        model = Cost

    system = factory.SubFactory(SystemFactory)
    fiscal_year = 2026
    category = CostCategory.APP_MAINTENANCE
    stage = CostStage.BUDGET
    amount = 1_000_000


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
