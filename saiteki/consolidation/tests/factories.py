"""Factories for the consolidation planner's objects (host models, scenarios)."""

from __future__ import annotations

import factory

from saiteki.consolidation.choices import CostBasis, DemandBasis, SelectionMode
from saiteki.consolidation.models import HostModel, Scenario

__all__ = ["HostModelFactory", "ScenarioFactory"]


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
