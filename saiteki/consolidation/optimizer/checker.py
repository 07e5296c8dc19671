"""Independent feasibility checker for a placement.

Written separately from the solver and sharing no helpers with it (it imports only the plain data
types), so a bug in the solver's reduction of the rules cannot hide itself: capacities are recomputed
from the raw scenario, every rule is re-derived from its definition, and N+1 is verified with a real
re-packing search (exhaustive backtracking with a node limit) for every host.
"""

from __future__ import annotations

from collections import defaultdict

from .model import PlacementResult, RuleCheck, Scenario

TOLERANCE = 1e-6
N1_NODE_LIMIT = 200_000


def _usable(scenario: Scenario, model_id: str) -> dict[str, float] | None:
    for hm in scenario.host_models:
        if hm.id == model_id:
            out = {}
            for dim in scenario.dimensions:
                raw = hm.capacity.get(dim, 0.0)
                ratio = scenario.rules.overcommit.get(dim, 1.0)
                head = scenario.rules.headroom.get(dim, 0.0)
                out[dim] = raw * ratio * (1.0 - head)
            return out
    return None


def _fits(load: float, cap: float) -> bool:
    return load <= cap + TOLERANCE * max(1.0, abs(cap))


def check(scenario: Scenario, result: PlacementResult) -> list[RuleCheck]:
    """Every check that applies to the scenario, each with pass/fail and a human-readable detail."""
    checks: list[RuleCheck] = []
    machines = {m.id: m for m in scenario.machines}
    rules = scenario.rules
    hosts = result.hosts

    # 1. Each machine placed exactly once, on an existing host entry, consistently.
    problems: list[str] = []
    if set(result.placement) != set(machines):
        missing = sorted(set(machines) - set(result.placement))[:5]
        extra = sorted(set(result.placement) - set(machines))[:5]
        problems.append(f"missing={missing} unknown={extra}")
    listed: dict[str, int] = defaultdict(int)
    for k, h in enumerate(hosts):
        if h.index != k:
            problems.append(f"host at position {k} has index {h.index}")
        for mid in h.machines:
            listed[mid] += 1
            if result.placement.get(mid) != k:
                problems.append(f"{mid} listed on host {k} but placed on {result.placement.get(mid)}")
    for mid in machines:
        if listed.get(mid, 0) != 1:
            problems.append(f"{mid} listed {listed.get(mid, 0)} times")
    for mid, k in result.placement.items():
        if not 0 <= k < len(hosts):
            problems.append(f"{mid} on unknown host index {k}")
    if result.hosts_used != len(hosts):
        problems.append(f"hosts_used={result.hosts_used} but {len(hosts)} hosts listed")
    checks.append(RuleCheck("placed_once", not problems, "; ".join(problems[:5])))

    on_host: dict[int, list[str]] = defaultdict(list)
    for mid, k in result.placement.items():
        if mid in machines:
            on_host[k].append(mid)

    # 2. Capacity (headroom and over-commit applied to the raw model capacity).
    problems = []
    usable_of: dict[int, dict[str, float]] = {}
    for k, h in enumerate(hosts):
        usable = _usable(scenario, h.model)
        if usable is None:
            problems.append(f"host {k} has unknown model {h.model}")
            continue
        usable_of[k] = usable
        for dim in scenario.dimensions:
            load = sum(machines[mid].demand.get(dim, 0.0) for mid in on_host[k])
            if not _fits(load, usable[dim]):
                problems.append(f"host {k} {dim}: {load:g} > {usable[dim]:g}")
    detail = "; ".join(problems[:5])
    if rules.headroom or rules.overcommit:
        detail = detail or f"headroom={rules.headroom} overcommit={rules.overcommit}"
    checks.append(RuleCheck("capacity", not problems, detail))

    # 3. Segment separation.
    if rules.segment_separation:
        problems = []
        for k, mids in on_host.items():
            segs = {machines[mid].segment for mid in mids}
            if len(segs) > 1:
                problems.append(f"host {k} mixes segments {sorted(map(str, segs))}")
        checks.append(RuleCheck("segment_separation", not problems, "; ".join(problems[:5])))

    # 4. Anti-affinity: members on pairwise different hosts.
    if rules.anti_affinity:
        problems = []
        for g in rules.anti_affinity:
            seen: dict[int, str] = {}
            for mid in g:
                hk = result.placement.get(mid)
                if hk is None:
                    continue
                if hk in seen:
                    problems.append(f"{seen[hk]} and {mid} share host {hk}")
                seen[hk] = mid
        checks.append(RuleCheck("anti_affinity", not problems, "; ".join(problems[:5])))

    # 5. Affinity: all members on one host.
    if rules.affinity:
        problems = []
        for g in rules.affinity:
            ks = {result.placement.get(mid) for mid in g}
            if len(ks) > 1:
                problems.append(f"group {g[:3]} spread over hosts {sorted(map(str, ks))}")
        checks.append(RuleCheck("affinity", not problems, "; ".join(problems[:5])))

    # 6. Pinned machines on their host.
    if rules.pinned:
        problems = []
        for mid, host_id in rules.pinned.items():
            pk_ = result.placement.get(mid)
            if pk_ is None or not 0 <= pk_ < len(hosts) or hosts[pk_].host_id != host_id:
                problems.append(f"{mid} must be on {host_id}")
        checks.append(RuleCheck("pinned", not problems, "; ".join(problems[:5])))

    # 7. N+1: for every host, its machines can be re-placed into the other hosts' spare capacity.
    if rules.n_plus_one:
        problems = []
        for k in range(len(hosts)):
            ok, why = _survives_loss(scenario, hosts, on_host, usable_of, machines, k)
            if not ok:
                problems.append(f"losing host {k}: {why}")
        checks.append(RuleCheck("n_plus_one", not problems, "; ".join(problems[:5])))
    return checks


def _survives_loss(scenario, hosts, on_host, usable_of, machines, lost: int) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    """Exhaustive search for a re-placement of the lost host's machines (affinity groups move together)
    into the other hosts, respecting capacity, segments and anti-affinity."""
    rules = scenario.rules
    dims = scenario.dimensions
    moving = list(on_host.get(lost, []))
    if not moving:
        return True, ""
    # Affinity groups travel as one block.
    group_of: dict[str, int] = {}
    for gi, g in enumerate(rules.affinity):
        for mid in g:
            group_of[mid] = gi
    blocks: dict[object, list[str]] = defaultdict(list)
    for mid in moving:
        blocks[("g", group_of[mid]) if mid in group_of else ("m", mid)].append(mid)
    block_list = list(blocks.values())
    anti: dict[str, set[str]] = defaultdict(set)
    for g in rules.anti_affinity:
        for a in g:
            for b in g:
                if a != b:
                    anti[a].add(b)
    targets = [k for k in range(len(hosts)) if k != lost and k in usable_of]
    free = {
        k: {
            d: usable_of[k][d] - sum(machines[m].demand.get(d, 0.0) for m in on_host.get(k, [])) for d in dims
        }
        for k in targets
    }
    residents = {k: set(on_host.get(k, [])) for k in targets}
    seg = {k: {machines[m].segment for m in on_host.get(k, [])} for k in targets}

    def demand(block: list[str], d: str) -> float:
        return sum(machines[m].demand.get(d, 0.0) for m in block)

    def share(block: list[str]) -> float:
        return (
            sum(demand(block, d) / max(max(usable_of[k][d] for k in usable_of), 1e-12) for d in dims)
            if usable_of
            else 0.0
        )

    block_list.sort(key=share, reverse=True)
    nodes = 0

    def can_place(block: list[str], k: int) -> bool:
        if any(not _fits(demand(block, d), free[k][d]) for d in dims):
            return False
        if rules.segment_separation:
            segs = seg[k] | {machines[m].segment for m in block}
            if len(segs) > 1:
                return False
        return all(not (anti[m] & residents[k]) for m in block)

    def dfs(pos: int) -> bool:
        nonlocal nodes
        if pos == len(block_list):
            return True
        nodes += 1
        if nodes > N1_NODE_LIMIT:
            raise TimeoutError
        block = block_list[pos]
        tried: set[tuple] = set()
        for k in targets:
            if not can_place(block, k):
                continue
            sig = (tuple(round(free[k][d], 9) for d in dims), frozenset(seg[k]), bool(residents[k]))
            if sig in tried and not rules.anti_affinity:
                continue  # an identical host state was already tried
            tried.add(sig)
            for d in dims:
                free[k][d] -= demand(block, d)
            residents[k].update(block)
            old_seg = seg[k]
            seg[k] = seg[k] | {machines[m].segment for m in block}
            if dfs(pos + 1):
                return True
            for d in dims:
                free[k][d] += demand(block, d)
            residents[k].difference_update(block)
            seg[k] = old_seg
        return False

    try:
        return (True, "") if dfs(0) else (False, "no re-placement exists")
    except TimeoutError:
        return False, "no re-placement found within the search limit"
