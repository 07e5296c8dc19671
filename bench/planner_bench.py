"""Multi-year planner benchmark (issue 15): a plan for 2,000 machines over 6 fiscal years in < 60 s,
its cost over the horizon beside the single-shot plan (every host bought in the first year), both
computed in the same run by :func:`saiteki.consolidation.planning.plan`.

The machines are synthetic and reproducible (fixed seed): three network segments (LGWAN 70 %,
internet 20 %, My Number 10 %), sizes like the demo ledger's servers at peak use, one redundant pair in
ten, and the year each must move spread over the six years. The host is the demo's 48-core host.
Environment: ``BENCH_PLANNER_N`` (machines, default 2000), ``BENCH_PLANNER_YEARS`` (6),
``BENCH_PLANNER_LIMIT`` (time limit given to the planner, s, default 20).
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also runnable as a script

from bench.harness import Figure  # noqa: E402

TARGET_S = 60


def synthetic_problem(n: int, years: int, *, start: int = 2027, seed: int = 15, time_limit: float = 20.0):
    from saiteki.consolidation import optimizer as opt
    from saiteki.consolidation import planning

    rng = random.Random(seed)
    machines = []
    arrival = {}
    pairs = []
    i = 0
    while i < n:
        seg = rng.choices(["lgwan", "internet", "mynumber"], weights=[70, 20, 10])[0]
        vcpu = rng.choice([2, 2, 4, 4, 4, 8, 8, 16]) * rng.uniform(0.2, 0.9)
        mem = rng.choice([4, 8, 8, 16, 16, 32, 64]) * rng.uniform(0.4, 0.95)
        sto = float(rng.choice([100, 200, 300, 500, 1000, 2000]))
        fy = start + min(years - 1, int(rng.triangular(0, years, years * 0.4)))
        group = [f"m{i:05d}"] if rng.random() > 0.1 or i + 1 >= n else [f"m{i:05d}", f"m{i + 1:05d}"]
        for mid in group:
            machines.append(
                opt.Machine(
                    id=mid,
                    demand={"vcpu": round(vcpu, 3), "memory_gib": round(mem, 3), "storage_gib": sto},
                    segment=seg,
                )
            )
            arrival[mid] = fy
        if len(group) == 2:
            pairs.append(group)
        i += len(group)
    host = opt.HostModel(
        id="hm", capacity={"vcpu": 48, "memory_gib": 768, "storage_gib": 20000}, unit_cost=5_200_000
    )
    rules = opt.Rules(
        segment_separation=True,
        anti_affinity=pairs,
        overcommit={"vcpu": 2.0},
        headroom={"vcpu": 0.2, "memory_gib": 0.2, "storage_gib": 0.2},
    )
    scenario = opt.Scenario(
        dimensions=["vcpu", "memory_gib", "storage_gib"],
        machines=machines,
        host_models=[host],
        rules=rules,
        time_limit=time_limit,
        seed=0,
    )
    costs = planning.PlanCosts(
        purchase=4_800_000,
        maintenance=400_000,
        licence=300_000 + 6_000 * 48,
        power_w=900,
        yen_per_kwh=30,
        migration_per_machine=100_000,
    )
    return planning.PlanProblem(
        scenario=scenario, start_fy=start, end_fy=start + years - 1, arrival=arrival, costs=costs
    )


def run() -> list[Figure]:
    import django

    django.setup()
    from saiteki.consolidation import planning

    n = int(os.environ.get("BENCH_PLANNER_N", "2000"))
    years = int(os.environ.get("BENCH_PLANNER_YEARS", "6"))
    limit = float(os.environ.get("BENCH_PLANNER_LIMIT", "20"))
    problem = synthetic_problem(n, years, time_limit=limit)
    start = time.perf_counter()
    plan = planning.plan(problem)
    seconds = time.perf_counter() - start
    shot = plan["single_shot"]
    print(
        f"  {n:,} machines, {years} fiscal years: plan {plan['strategy']} "
        f"{plan['new_hosts']} hosts {plan['total_cost']:,} yen; single-shot {shot['new_hosts']} hosts "
        f"{shot['total_cost']:,} yen; every year checked: {plan['feasible']}",
        flush=True,
    )
    for s in plan["strategies"]:
        print(
            f"    {s['key']:<16} {s['new_hosts']:>4} hosts {s['total_cost']:>16,} yen feasible={s['feasible']}"
        )
    return [
        Figure(
            f"planner: multi-year plan, {n:,} machines × {years} FY (wall)",
            round(seconds, 2),
            "s",
            target=f"< {TARGET_S} s",
        ),
        Figure(
            "planner: cost over the horizon, multi-year plan",
            round(plan["total_cost"] / 1e6, 1),
            "M¥",
            reference=round(shot["total_cost"] / 1e6, 1),
            reference_name="single-shot",
        ),
        Figure(
            "planner: multi-year cost ÷ single-shot cost",
            round(plan["total_cost"] / shot["total_cost"], 4) if shot["total_cost"] else 0.0,
            "ratio",
            target="< 1",
        ),
        Figure(
            "planner: hosts bought over the plan",
            plan["new_hosts"],
            "hosts",
            reference=shot["new_hosts"],
            reference_name="single-shot",
        ),
        Figure(
            "planner: every fiscal year passes the checker",
            1.0 if plan["feasible"] else 0.0,
            "bool",
            target="1",
        ),
    ]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    from bench.harness import print_table

    print_table(run())
