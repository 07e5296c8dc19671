"""Scenario layer: turns machines, host models and rules into rule-free packing problems, solves them,
and assembles the typed result (checked by the independent checker).

Reductions, each chosen because it keeps the core algorithms rule-agnostic:
- affinity groups → one merged item (members must share a host anyway);
- anti-affinity → pairwise item conflicts;
- pinned machines → their existing host becomes a pre-opened bin with the machines locked in;
- headroom / over-commit → usable capacity = capacity × ratio × (1 − headroom);
- segment separation → one independent problem per segment (the optimum is the sum of the parts);
- N+1 → after packing, hosts are added (spread evenly, or as an empty spare) until every host's loss
  can be absorbed; a sufficient, not optimal, construction.
With several host models the model with the lowest estimated total cost is packed, then each new host
is downgraded to the cheapest model that still holds its load.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict

import numpy as np

from . import checker, stop
from .bounds import n_plus_one_bound
from .engine import solve_packing
from .model import HostModel, HostPlan, PlacementResult, Scenario, ScenarioError
from .packing import REL_EPS, PackingProblem, PreBin

NO_SEGMENT = "\x00none"


def usable_capacity(scenario: Scenario, model: HostModel) -> np.ndarray:
    """Capacity vector a host of ``model`` offers after over-commit and headroom."""
    r = scenario.rules
    return np.array(
        [
            model.capacity.get(dim, 0.0) * r.overcommit.get(dim, 1.0) * (1.0 - r.headroom.get(dim, 0.0))
            for dim in scenario.dimensions
        ]
    )


class _Units:
    """Affinity-merged machines: ``members[u]`` lists machine ids, ``demand[u]`` their summed vector."""

    def __init__(self, scenario: Scenario):
        ids = [m.id for m in scenario.machines]
        if len(set(ids)) != len(ids):
            raise ScenarioError("machine ids must be unique")
        index = {mid: k for k, mid in enumerate(ids)}
        parent = list(range(len(ids)))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for g in scenario.rules.affinity:
            for mid in g:
                if mid not in index:
                    raise ScenarioError(f"affinity group names unknown machine {mid}")
            for a, b in zip(g, g[1:], strict=False):
                parent[find(index[a])] = find(index[b])
        groups: dict[int, list[int]] = defaultdict(list)
        for k in range(len(ids)):
            groups[find(k)].append(k)
        self.members: list[list[str]] = []
        self.unit_of: dict[str, int] = {}
        for ks in groups.values():
            u = len(self.members)
            self.members.append([ids[k] for k in ks])
            for k in ks:
                self.unit_of[ids[k]] = u
        machines = scenario.machines
        self.demand = np.array(
            [
                [sum(machines[index[mid]].demand.get(dim, 0.0) for mid in mem) for dim in scenario.dimensions]
                for mem in self.members
            ]
        ).reshape(len(self.members), len(scenario.dimensions))
        self.segment: list[str] = []
        for mem in self.members:
            segs = {machines[index[mid]].segment for mid in mem}
            if scenario.rules.segment_separation and len(segs) > 1:
                raise ScenarioError(f"affinity group {mem[:3]} spans segments {sorted(map(str, segs))}")
            seg = next(iter(segs))
            self.segment.append(NO_SEGMENT if seg is None else seg)
        # Anti-affinity → conflicts between units.
        self.conflicts: list[set[int]] = [set() for _ in self.members]
        for g in scenario.rules.anti_affinity:
            us = []
            for mid in g:
                if mid not in self.unit_of:
                    raise ScenarioError(f"anti-affinity group names unknown machine {mid}")
                us.append(self.unit_of[mid])
            if len(set(us)) != len(us):
                raise ScenarioError(f"anti-affinity group {g[:3]} contradicts an affinity group")
            for ua in us:
                for ub in us:
                    if ua != ub:
                        self.conflicts[ua].add(ub)
        # Pins → units locked to an existing host.
        existing = {h.id for h in scenario.existing_hosts}
        self.pin: dict[int, str] = {}
        for mid, host_id in scenario.rules.pinned.items():
            if mid not in self.unit_of:
                raise ScenarioError(f"pinned machine {mid} is unknown")
            if host_id not in existing:
                raise ScenarioError(f"pinned host {host_id} is not an existing host")
            u = self.unit_of[mid]
            if self.pin.get(u, host_id) != host_id:
                raise ScenarioError(f"affinity group of {mid} is pinned to two hosts")
            self.pin[u] = host_id


def _choose_model(scenario: Scenario, units: _Units) -> HostModel:
    """Model with the lowest estimated cost (continuous bound × unit cost) among those every unit fits;
    ties go to the larger model (fewer hosts)."""
    best: tuple[float, float, int] | None = None
    choice: HostModel | None = None
    total = units.demand.sum(axis=0) if len(units.members) else np.zeros(len(scenario.dimensions))
    for k, hm in enumerate(scenario.host_models):
        cap = usable_capacity(scenario, hm)
        if len(units.members) and not np.all(units.demand <= cap * (1 + REL_EPS) + REL_EPS):
            continue
        est = max(
            float(np.max(np.where(cap > 0, total / np.maximum(cap, 1e-12), np.where(total > 0, np.inf, 0)))),
            1.0,
        )
        key = (est * max(hm.unit_cost, 1e-9), -float(cap.sum()), k)
        if best is None or key < best:
            best, choice = key, hm
    if choice is None:
        raise ScenarioError("some machine (or affinity group) fits no host model")
    return choice


def _first_fit_survives(
    sizes: np.ndarray, caps: np.ndarray, bins: list[list[int]], conflicts: list[set[int]]
) -> bool:
    """Solver-side N+1 test (sufficient only): each host's items first-fit into the others' spare room."""
    loads = np.array([sizes[b].sum(axis=0) if b else np.zeros(sizes.shape[1]) for b in bins])
    for lost, items in enumerate(bins):
        free = caps - loads
        free[lost] = -1.0
        members = [set(b) for b in bins]
        for i in sorted(items, key=lambda x: -float(sizes[x].sum())):
            placed = False
            for k in range(len(bins)):
                if k == lost or conflicts[i] & members[k]:
                    continue
                if np.all(sizes[i] <= free[k] * (1 + REL_EPS) + REL_EPS):
                    free[k] -= sizes[i]
                    members[k].add(i)
                    placed = True
                    break
            if not placed:
                return False
    return True


def _add_n_plus_one(problem: PackingProblem, bins: list[list[int]]) -> list[list[int]]:
    """Add hosts until the solver-side N+1 test passes: first try spreading the load over one more host,
    else add an empty spare (which absorbs any single host of the same model)."""
    sizes, conflicts = problem.sizes, problem.conflicts or [set() for _ in range(problem.n)]
    locked = problem.locked_items()
    cur = [list(b) for b in bins]
    for _ in range(len(bins) + 2):
        caps = problem.bin_capacities(len(cur))
        if _first_fit_survives(sizes, caps, cur, conflicts):
            return cur
        spread = _spread(problem, cur + [[]], locked)
        if _first_fit_survives(sizes, problem.bin_capacities(len(spread)), spread, conflicts):
            return spread
        cur = cur + [[]]
    return cur


def _spread(problem: PackingProblem, bins: list[list[int]], locked: set[int]) -> list[list[int]]:
    """Move items from the fullest hosts to the emptiest while that lowers the fuller one's load, so
    spare capacity ends up spread out (what N+1 needs) rather than in one empty host."""
    bins = [list(b) for b in bins]
    caps = problem.bin_capacities(len(bins))
    inv = 1.0 / np.maximum(problem.capacity, 1e-12)
    conflicts = problem.conflicts or [set() for _ in range(problem.n)]
    for _ in range(problem.n * 2):
        loads = np.array([problem.sizes[b].sum(axis=0) if b else np.zeros(problem.d) for b in bins])
        lm = (loads * inv).max(axis=1)
        hi, lo = int(np.argmax(lm)), int(np.argmin(lm))
        moved = False
        for i in sorted(
            (x for x in bins[hi] if x not in locked), key=lambda x: float(problem.sizes[x].sum())
        ):
            s = problem.sizes[i]
            new_lo = float(((loads[lo] + s) * inv).max())
            if (
                new_lo < lm[hi] - 1e-12
                and np.all(loads[lo] + s <= caps[lo] * (1 + REL_EPS))
                and not (conflicts[i] & set(bins[lo]))
            ):
                bins[hi].remove(i)
                bins[lo].append(i)
                moved = True
                break
        if not moved:
            break
    return bins


def _validate_amounts(scenario: Scenario) -> None:
    """Refuse amounts no bound is valid for, with a message the app shows as is (Japanese).

    A negative demand would free room on a host for the others, which every lower bound here (and the
    checker's capacity test) assumes impossible — a bound computed on such data can exceed the true
    optimum.  A server's demand cannot be negative, so the input is rejected rather than bounded."""
    for m in scenario.machines:
        for dim, v in m.demand.items():
            if not math.isfinite(v):
                raise ScenarioError(f"機器「{m.id}」の需要（{dim}）が数値ではありません。")
            if v < 0:
                raise ScenarioError(
                    f"機器「{m.id}」の需要（{dim}）が負の値（{v:g}）です。需要は0以上で指定してください。"
                )
    for hm in scenario.host_models:
        for dim, v in hm.capacity.items():
            if not math.isfinite(v) or v < 0:
                raise ScenarioError(f"ホスト機種「{hm.id}」の容量（{dim}）は0以上の数値で指定してください。")
    for dim, v in scenario.rules.overcommit.items():
        if not math.isfinite(v) or v <= 0:
            raise ScenarioError(f"オーバーコミット率（{dim}）は0より大きい数値で指定してください。")
    for dim, v in scenario.rules.headroom.items():
        if not math.isfinite(v) or not 0 <= v < 1:
            raise ScenarioError(f"余裕率（{dim}）は0以上1未満で指定してください。")


def solve(scenario: Scenario, should_stop: stop.ShouldStop | None = None) -> PlacementResult:
    """Place every machine on the fewest hosts that respect the rules; see the module docstring.
    Raises :class:`stop.Cancelled` promptly (at the search's next check) once ``should_stop()`` is
    true."""
    with stop.watching(should_stop):
        return _solve(scenario)


def _solve(scenario: Scenario) -> PlacementResult:
    t0 = time.monotonic()
    if not scenario.dimensions:
        raise ScenarioError("at least one dimension is required")
    if not scenario.host_models:
        raise ScenarioError("at least one host model is required")
    _validate_amounts(scenario)
    units = _Units(scenario)
    model = _choose_model(scenario, units)
    models = {hm.id: hm for hm in scenario.host_models}
    existing = {h.id: h for h in scenario.existing_hosts}
    for h in scenario.existing_hosts:
        if h.model not in models:
            raise ScenarioError(f"existing host {h.id} has unknown model {h.model}")
    cap = usable_capacity(scenario, model)
    sep = scenario.rules.segment_separation
    # Group units per segment (one group when separation is off).
    groups: dict[str, list[int]] = defaultdict(list)
    for u in range(len(units.members)):
        groups[units.segment[u] if sep else ""].append(u)
    pinned_hosts_of: dict[str, list[str]] = defaultdict(list)
    for u, host_id in units.pin.items():
        key = units.segment[u] if sep else ""
        if host_id not in pinned_hosts_of[key]:
            pinned_hosts_of[key].append(host_id)
    seen_host: dict[str, str] = {}
    for key, hs in pinned_hosts_of.items():
        for host_name in hs:
            if host_name in seen_host and seen_host[host_name] != key:
                raise ScenarioError(f"existing host {host_name} would hold machines of two segments")
            seen_host[host_name] = key

    total_items = max(1, len(units.members))
    placed_hosts: list[
        tuple[str, str, str | None, list[int], bool]
    ] = []  # host_id, model, segment, units, existing
    lower_bound = 0
    ffd_hosts = 0
    all_optimal = True
    remaining_items = total_items
    for key in sorted(groups, key=lambda k: -len(groups[k])):
        us = groups[key]
        host_ids = pinned_hosts_of.get(key, [])
        local = {u: k for k, u in enumerate(us)}
        pre = [
            PreBin(
                capacity=usable_capacity(scenario, models[existing[h].model]),
                locked=[local[u] for u in us if units.pin.get(u) == h],
            )
            for h in host_ids
        ]
        conflicts = [{local[v] for v in units.conflicts[u] if v in local} for u in us]
        problem = PackingProblem(sizes=units.demand[us], capacity=cap, conflicts=conflicts, preopened=pre)
        left = scenario.time_limit - (time.monotonic() - t0)
        share = max(0.05, left * len(us) / max(remaining_items, 1))
        remaining_items -= len(us)
        out = solve_packing(problem, time_limit=share, seed=scenario.seed)
        bins = out.bins
        lb = out.lower_bound
        ffd_hosts += out.ffd_bins
        if scenario.rules.n_plus_one and bins:
            before = len(bins)
            bins = _add_n_plus_one(problem, bins)
            lb = n_plus_one_bound(problem.sizes.sum(axis=0), cap, lb) if not pre else max(lb, 2)
            if len(bins) > before:
                all_optimal = all_optimal and len(bins) <= lb
        lower_bound += lb
        all_optimal = all_optimal and len(bins) <= lb
        seg_label = None if (not sep or key == NO_SEGMENT) else key
        for b, items in enumerate(bins):
            if b < len(pre):
                hid = host_ids[b]
                placed_hosts.append((hid, existing[hid].model, seg_label, [us[i] for i in items], True))
            else:
                placed_hosts.append(("", model.id, seg_label, [us[i] for i in items], False))

    # Downgrade new hosts to the cheapest model that holds their load.
    plans: list[HostPlan] = []
    placement: dict[str, int] = {}
    per_model: dict[str, int] = defaultdict(int)
    cost = power = 0.0
    new_no = 0
    cands = sorted(scenario.host_models, key=lambda h: (h.unit_cost, h.power_w))
    for k, (hid, mid, seg, us, is_existing) in enumerate(placed_hosts):
        load = units.demand[us].sum(axis=0) if us else np.zeros(len(scenario.dimensions))
        if not is_existing:
            for hm in cands:
                if hm.unit_cost <= models[mid].unit_cost and np.all(
                    load <= usable_capacity(scenario, hm) * (1 + REL_EPS) + REL_EPS
                ):
                    if scenario.rules.n_plus_one and not np.all(
                        usable_capacity(scenario, hm) >= usable_capacity(scenario, models[mid])
                    ):
                        continue  # keep N+1 spare room as computed
                    mid = hm.id
                    break
            new_no += 1
            hid = f"new-{new_no}"
        ucap = usable_capacity(scenario, models[mid])
        util = {
            dim: (float(load[j] / ucap[j]) if ucap[j] > 0 else 0.0)
            for j, dim in enumerate(scenario.dimensions)
        }
        machines = [m for u in us for m in units.members[u]]
        for m in machines:
            placement[m] = k
        plans.append(HostPlan(k, hid, mid, seg, machines, util, is_existing))
        per_model[mid] += 1
        cost += models[mid].unit_cost
        power += models[mid].power_w
    n_hosts = len(plans)
    lower_bound = min(lower_bound, n_hosts)
    draft = PlacementResult(
        placement=placement,
        hosts=plans,
        hosts_per_model=dict(per_model),
        hosts_used=n_hosts,
        lower_bound=lower_bound,
        gap=(n_hosts - lower_bound) / lower_bound if lower_bound else 0.0,
        optimal=all_optimal and n_hosts <= lower_bound,
        rules=[],
        seconds=0.0,
        seed=scenario.seed,
        time_limit=scenario.time_limit,
        total_cost=cost,
        total_power_w=power,
        ffd_hosts=ffd_hosts,
    )
    stop.raise_if_requested()  # the checker's N+1 test is not worth running for a cancelled run
    rules = checker.check(scenario, draft)
    d = draft.to_dict()
    d["rules"] = [r.to_dict() for r in rules]
    d["feasible"] = all(r.passed for r in rules)
    d["seconds"] = time.monotonic() - t0
    return PlacementResult.from_dict(d)
