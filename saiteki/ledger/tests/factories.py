"""Small builders for ledger tests (plain functions: explicit and easy to read)."""

from __future__ import annotations

import itertools

from saiteki.ledger.models import Cost, Server, System

_seq = itertools.count(1)


def make_system(division, **fields) -> System:
    n = next(_seq)
    defaults = {"number": f"T{n:05d}", "name": f"テストシステム{n}", "owning_division": division}
    defaults.update(fields)
    return System.objects.create(**defaults)


def make_server(systems, **fields) -> Server:
    n = next(_seq)
    server = Server.objects.create(name=fields.pop("name", f"srv-{n}"), **fields)
    server.systems.set(systems)
    return server


def make_cost(system, fiscal_year=2026, category="app_maintenance", stage="budget", amount=1_000_000) -> Cost:
    return Cost.objects.create(
        system=system, fiscal_year=fiscal_year, category=category, stage=stage, amount=amount
    )
