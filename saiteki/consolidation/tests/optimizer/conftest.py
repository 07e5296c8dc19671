"""Shared helpers for optimizer tests: where the public benchmark data lives (tests that need it skip
cleanly when it is absent) and small scenario builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from saiteki.consolidation.optimizer import HostModel, Machine, Rules, Scenario

REPO = Path(__file__).resolve().parents[4]
DATA = Path(os.environ.get("SAITEKI_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    if not (DATA / "bpp" / "instances").is_dir():
        pytest.skip(f"shared benchmark data not found at {DATA}")
    return DATA


def scenario(
    demands: list[tuple[float, ...]],
    capacity: tuple[float, ...],
    rules: Rules | None = None,
    segments: list[str | None] | None = None,
    time_limit: float = 1.0,
    **kw: object,
) -> Scenario:
    dims = ["vcpu", "mem", "disk"][: len(capacity)]
    machines = [
        Machine(
            id=f"m{k}",
            demand=dict(zip(dims, d, strict=True)),
            segment=(segments[k] if segments else None),
        )
        for k, d in enumerate(demands)
    ]
    return Scenario(
        dimensions=dims,
        machines=machines,
        host_models=[
            HostModel(id="std", capacity=dict(zip(dims, capacity, strict=True)), unit_cost=100, power_w=300)
        ],
        rules=rules or Rules(),
        time_limit=time_limit,
        **kw,  # type: ignore[arg-type]
    )
