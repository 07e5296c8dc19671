"""The order of recovery after a disaster, from the ICT-BCP's dependencies (pure: no database).

A system can only come back after everything it depends on (the shared platform, the network, the
authentication service …), so the order is a topological order of the dependency graph. Among the
systems that could come next, the most urgent goes first — and urgency is *inherited*: a rank-D
network that a rank-A system needs is as urgent as that rank-A system (its effective rank and RTO are
the most demanding of itself and everything that transitively depends on it). Ties: RTO, then the
system number, so the order is deterministic.

Dependency cycles (A needs B, B needs A) have no valid order: every cycle is reported with its path
(「S001 → S002 → S001」), and the systems in or behind a cycle are listed as not orderable rather than
placed somewhere arbitrary. A dependency whose own RTO is longer than that of a system depending on it
is a planning inconsistency and is reported as a warning.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .choices import RANK_ORDER

UNRANKED = 9  # a dependency without an ICT-BCP of its own
NO_RTO = 10**9


@dataclass(frozen=True)
class Node:
    id: int
    number: str
    rank: str | None = None  # A–D, None without a BCP profile
    rto_hours: int | None = None


@dataclass(frozen=True)
class Step:
    position: int
    node: Node
    stage: int  # 1 + the longest chain of dependencies below it (systems of a stage can recover in parallel)
    effective_rank: str | None
    effective_rto: int | None
    depends_on: tuple[int, ...]


@dataclass(frozen=True)
class RtoWarning:
    system: Node
    dependency: Node


@dataclass
class RecoveryPlan:
    steps: list[Step] = field(default_factory=list)
    cycles: list[list[Node]] = field(default_factory=list)  # each cycle as a path, first node repeated
    blocked: list[Node] = field(default_factory=list)  # in or behind a cycle: no position
    warnings: list[RtoWarning] = field(default_factory=list)

    def position_of(self, node_id: int) -> Step | None:
        return next((s for s in self.steps if s.node.id == node_id), None)


def _rank_value(rank: str | None) -> int:
    return RANK_ORDER.get(rank or "", UNRANKED)


def recovery_order(nodes: Iterable[Node], depends_on: Mapping[int, Iterable[int]]) -> RecoveryPlan:
    """Order ``nodes`` so every system comes after what it depends on (``depends_on[id]`` → ids).

    Dependencies naming ids missing from ``nodes`` are ignored (the caller passes every system that
    appears in the graph)."""
    by_id = {n.id: n for n in nodes}
    deps: dict[int, set[int]] = {n: set() for n in by_id}
    for a, targets in depends_on.items():
        if a in by_id:
            deps[a] = {b for b in set(targets) if b in by_id}  # a self-dependency is a cycle of one
    dependents: dict[int, set[int]] = {n: set() for n in by_id}
    for a, targets in deps.items():
        for b in targets:
            dependents[b].add(a)

    plan = RecoveryPlan()
    plan.cycles = [[by_id[i] for i in c] for c in _cycles(deps)]
    in_cycle = {n.id for c in plan.cycles for n in c}

    # Effective urgency: the most demanding of the node and everything depending on it (transitively).
    eff_rank: dict[int, int] = {}
    eff_rto: dict[int, int] = {}
    for start in by_id:
        best_rank, best_rto = UNRANKED, NO_RTO
        stack, seen = [start], {start}
        while stack:
            cur = stack.pop()
            node = by_id[cur]
            best_rank = min(best_rank, _rank_value(node.rank))
            best_rto = min(best_rto, node.rto_hours if node.rto_hours is not None else NO_RTO)
            for nxt in dependents[cur]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        eff_rank[start], eff_rto[start] = best_rank, best_rto

    # Kahn's algorithm with a priority queue of the systems whose dependencies are all recovered.
    remaining = {n: len(d) for n, d in deps.items()}
    stage: dict[int, int] = {}
    ready = [(eff_rank[n], eff_rto[n], by_id[n].number, n) for n, c in remaining.items() if c == 0]
    heapq.heapify(ready)
    inverse_rank = {v: k for k, v in RANK_ORDER.items()}
    while ready:
        _r, _t, _num, n = heapq.heappop(ready)
        stage[n] = 1 + max((stage[d] for d in deps[n]), default=0)
        plan.steps.append(
            Step(
                position=len(plan.steps) + 1,
                node=by_id[n],
                stage=stage[n],
                effective_rank=inverse_rank.get(eff_rank[n]),
                effective_rto=eff_rto[n] if eff_rto[n] != NO_RTO else None,
                depends_on=tuple(sorted(deps[n], key=lambda i: by_id[i].number)),
            )
        )
        for m in dependents[n]:
            remaining[m] -= 1
            if remaining[m] == 0:
                heapq.heappush(ready, (eff_rank[m], eff_rto[m], by_id[m].number, m))
    placed = {s.node.id for s in plan.steps}
    plan.blocked = sorted(
        (by_id[n] for n in by_id if n not in placed), key=lambda x: (x.id not in in_cycle, x.number)
    )

    for a, targets in deps.items():
        node = by_id[a]
        for b in targets:
            dep = by_id[b]
            if (
                a != b
                and node.rto_hours is not None
                and dep.rto_hours is not None
                and dep.rto_hours > node.rto_hours
            ):
                plan.warnings.append(RtoWarning(node, dep))
    plan.warnings.sort(key=lambda w: (w.system.number, w.dependency.number))
    return plan


def _cycles(deps: Mapping[int, set[int]]) -> list[list[int]]:
    """One cycle path per strongly connected component with a cycle (Tarjan, iterative), each as
    ``[a, b, …, a]`` starting from the component's smallest id, following dependency edges."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in sorted(deps):
        if root in index:
            continue
        work = [(root, iter(sorted(deps[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(deps[w]))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in deps[v]:
                    components.append(comp)
    out = []
    for comp in components:
        members = set(comp)
        start = min(comp)
        out.append(_path_in(start, members, deps))
    out.sort(key=lambda p: p[0])
    return out


def _path_in(start: int, members: set[int], deps: Mapping[int, set[int]]) -> list[int]:
    """A shortest cycle through ``start`` inside one strongly connected component (breadth-first)."""
    if start in deps[start]:
        return [start, start]
    parent: dict[int, int] = {}
    queue = [start]
    seen = {start}
    while queue:
        nxt_queue = []
        for v in queue:
            for w in sorted(deps[v]):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in seen:
                    seen.add(w)
                    parent[w] = v
                    nxt_queue.append(w)
        queue = nxt_queue
    return [start, start]  # pragma: no cover - a component with a cycle always has one through start
