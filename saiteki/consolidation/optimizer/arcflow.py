"""Arc-flow LP (Valério de Carvalho 1999) for 1-D bin packing: a strong lower bound and a guide for
finding a packing that meets it.

Measured on this project's machines (STACK.md): the LP relaxation rounded up equals the proven
optimum on every sampled hard instance, while the integer arc-flow model is too slow in 10 s.  So the
LP is solved, its flow is decomposed into bin patterns, and a *dive* fixes the patterns the LP uses
integrally (then the most used fractional one), re-solving the LP on the residual items, until what
is left is small enough for the heuristics.

Graph: nodes are partial fills 0…C reachable with items taken in decreasing size, at most b_t
consecutive copies of size t; one arc per (node, item size); a loss arc from every node to the sink.
Graph size grows with C × distinct sizes, so it is skipped when that product is large (Scholl-3-style
C = 100 000) and the cheaper bounds are used instead.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh

from . import stop
from .heuristics import pack_in_order
from .packing import PackingProblem

Bins = list[list[int]]

MAX_ARCS = 150_000


@dataclass
class LPResult:
    """The LP bound (⌈z*⌉) and the bin patterns of the LP solution with their fractional values;
    a pattern is a tuple of item-type indices (types = distinct sizes, decreasing)."""

    bound: int
    value: float
    patterns: list[tuple[tuple[int, ...], float]]
    types: np.ndarray  # distinct sizes, decreasing
    demand: np.ndarray  # copies per type


def applicable(problem: PackingProblem) -> bool:
    """One dimension, integer data, no conflicts or pre-opened bins, and a graph of tractable size."""
    if problem.d != 1 or problem.n == 0 or problem.has_conflicts or problem.preopened:
        return False
    if not problem.is_integral() or float(problem.sizes.min()) <= 0:
        return False  # zero sizes would add no arcs; the other bounds and methods handle them
    w, c = _scaled(problem)
    distinct = len(np.unique(w))
    return c * distinct <= 4 * MAX_ARCS


def _scaled(problem: PackingProblem) -> tuple[np.ndarray, int]:
    """Sizes and capacity divided by their common divisor: a host of 150 000 units with sizes in
    multiples of 150 is the same graph as capacity 1 000, a thousand times smaller."""
    w = problem.sizes[:, 0].astype(np.int64)
    c = int(problem.capacity[0])
    g = int(np.gcd.reduce(np.concatenate([w, [c]])))
    g = max(g, 1)
    return w // g, c // g


def _types(problem: PackingProblem) -> tuple[np.ndarray, np.ndarray]:
    w, _c = _scaled(problem)
    types, counts = np.unique(w, return_counts=True)
    order = np.argsort(-types)
    return types[order], counts[order]


def _build_graph(
    types: np.ndarray, demand: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arcs (tail, head, type) and the sorted list of reachable nodes."""
    reach = np.zeros(cap + 1, dtype=bool)
    reach[0] = True
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    total = 0
    for t, (w, b) in enumerate(zip(types.tolist(), demand.tolist(), strict=True)):
        if w > cap or w <= 0:
            continue
        cur = reach.copy()
        srcs: list[np.ndarray] = []
        for _ in range(int(b)):
            src = np.flatnonzero(cur[: cap - w + 1])
            if src.size == 0:
                break
            srcs.append(src)
            nxt = np.zeros(cap + 1, dtype=bool)
            nxt[src + w] = True
            reach |= nxt
            cur = nxt
        if srcs:
            src = np.unique(np.concatenate(srcs))
            tails.append(src)
            heads.append(src + w)
            kinds.append(np.full(src.size, t))
            total += src.size
            if total > MAX_ARCS:
                raise OverflowError("arc-flow graph too large")
    nodes = np.flatnonzero(reach)
    return np.concatenate(tails), np.concatenate(heads), np.concatenate(kinds), nodes


#: Seconds per arc to build the LP through OR-Tools' model-builder helper (one Python object per
#: variable, terms added per constraint in bulk): ~1 µs on an idle core, ~6 µs measured on the shared
#: 2-core machine at load 12 — the old per-coefficient ``pywraplp`` build took 160 µs per arc there.
#: A pessimistic figure decides whether the LP can run at all before the caller's deadline.
BUILD_SECONDS_PER_ARC = 15e-6
LP_SOLVER = "glop"


def _solve_lp(
    types: np.ndarray, demand: np.ndarray, cap: int, time_limit: float, deadline: float | None = None
) -> LPResult | None:
    tail, head, kind, nodes = _build_graph(types, demand, cap)
    n_arcs = tail.size
    if deadline is not None and stop.now() + (n_arcs + len(nodes)) * BUILD_SECONDS_PER_ARC > deadline:
        return None  # building the model alone would overrun the caller's time limit
    if deadline is not None:
        time_limit = min(time_limit, deadline - time.monotonic() - n_arcs * BUILD_SECONDS_PER_ARC)
    node_index = np.full(cap + 1, -1, dtype=np.int64)
    node_index[nodes] = np.arange(len(nodes))
    sink = len(nodes)
    # Variables: item arcs, then one loss arc per inner node (node → sink), then z (flow out of 0).
    n_loss = len(nodes) - 1
    n_var = n_arcs + n_loss + 1
    z_var = n_var - 1
    mb = mbh.ModelBuilderHelper()
    idx = mb.add_var_array_with_bounds(
        np.zeros(n_var),  # type: ignore[arg-type]  # the stub spells the dtype as the shape
        np.full(n_var, np.inf),  # type: ignore[arg-type]
        np.zeros(n_var, dtype=bool),  # type: ignore[arg-type]
        "f",
    )
    var = [mbh.Variable(mb, int(i)) for i in idx]
    # Conservation rows (in − out = 0 at inner nodes, out = z at the source, in = z at the sink) and
    # demand rows (Σ arcs of type t ≥ b_t): (row, variable, coefficient) triplets grouped by row.
    loss_nodes = np.arange(1, len(nodes))
    rows = np.concatenate(
        [node_index[tail], node_index[head], loss_nodes, np.full(n_loss, sink), [0, sink], sink + 1 + kind]
    )
    cols = np.concatenate(
        [
            np.arange(n_arcs),
            np.arange(n_arcs),
            n_arcs + np.arange(n_loss),
            n_arcs + np.arange(n_loss),
            [z_var, z_var],
            np.arange(n_arcs),
        ]
    )
    coef = np.concatenate(
        [
            np.full(n_arcs, -1.0),
            np.full(n_arcs, 1.0),
            np.full(n_loss, -1.0),
            np.full(n_loss, 1.0),
            [1.0, -1.0],
            np.full(n_arcs, 1.0),
        ]
    )
    order = np.argsort(rows, kind="stable")
    n_rows = sink + 1 + len(demand)
    cuts = np.searchsorted(rows[order], np.arange(n_rows + 1))
    cols_l = cols[order].tolist()
    coef_l = coef[order].tolist()
    for r in range(n_rows):
        ct = mb.add_linear_constraint()
        if r <= sink:
            mb.set_constraint_lower_bound(ct, 0.0)
            mb.set_constraint_upper_bound(ct, 0.0)
        else:
            mb.set_constraint_lower_bound(ct, float(demand[r - sink - 1]))
            mb.set_constraint_upper_bound(ct, math.inf)
        a, b = int(cuts[r]), int(cuts[r + 1])
        if b > a:
            mb.add_terms_to_constraint(ct, [var[c] for c in cols_l[a:b]], coef_l[a:b])
    mb.set_var_objective_coefficient(z_var, 1.0)
    mb.set_maximize(False)
    solver = mbh.ModelSolverHelper(LP_SOLVER)
    solver.set_time_limit_in_seconds(max(time_limit, 0.05))
    with stop.interrupting(solver.interrupt_solve):
        solver.solve(mb)
    if solver.status() != mbh.SolveStatus.OPTIMAL:
        return None
    # Solved to optimality: the primal value is the LP bound.
    values = np.asarray(solver.variable_values()).reshape(-1)
    value = float(values[z_var])
    patterns = _decompose(tail, head, kind, values[:n_arcs], cap)
    return LPResult(
        bound=int(math.ceil(value - 1e-6)), value=value, patterns=patterns, types=types, demand=demand
    )


def _decompose(
    tail: np.ndarray, head: np.ndarray, kind: np.ndarray, fl: np.ndarray, cap: int
) -> list[tuple[tuple[int, ...], float]]:
    """Split the arc flow into paths from 0 (patterns), largest flow first."""
    eps = 1e-7
    out_arcs: dict[int, list[int]] = {}
    for a in map(int, np.flatnonzero(fl > eps)):
        out_arcs.setdefault(int(tail[a]), []).append(int(a))
    fl = fl.copy()
    patterns: list[tuple[tuple[int, ...], float]] = []
    for _ in range(100000):
        path: list[int] = []
        v = 0
        while True:
            arcs = [a for a in out_arcs.get(v, []) if fl[a] > eps]
            if not arcs:
                break
            a = int(max(arcs, key=lambda x: float(fl[x])))
            path.append(a)
            v = int(head[a])
        if not path:
            break
        val = float(min(fl[a] for a in path))
        for a in path:
            fl[a] -= val
        patterns.append((tuple(int(kind[a]) for a in path), val))
    patterns.sort(key=lambda p: -p[1])
    return patterns


def lp_bound(problem: PackingProblem, time_limit: float, deadline: float | None = None) -> LPResult | None:
    """The arc-flow LP bound, or None when the graph is too large, GLOP runs out of time, or building
    the model would not end before ``deadline``."""
    types, demand = _types(problem)
    try:
        return _solve_lp(types, demand, _scaled(problem)[1], time_limit, deadline)
    except OverflowError:
        return None


def dive(
    problem: PackingProblem, lp: LPResult, deadline: float, rng: np.random.Generator, randomize: bool = False
) -> Bins | None:
    """LP-guided rounding: fix every pattern the LP uses integrally, else the largest fractional one;
    re-solve on what is left; finish the residue with first-fit decreasing."""
    cap = _scaled(problem)[1]
    types = lp.types
    residual = lp.demand.copy()
    fixed: list[tuple[int, ...]] = []
    current = lp
    while residual.sum() > 0 and stop.now() < deadline:
        took = False
        for pat, val in current.patterns:
            copies = int(math.floor(val + 1e-6))
            if copies <= 0:
                continue
            need = np.bincount(np.array(pat), minlength=len(types))
            while copies > 0 and np.all(need <= residual):
                fixed.append(pat)
                residual -= need
                copies -= 1
                took = True
        if not took and current.patterns:
            # Dive: round up a heavily used fractional pattern (trimmed to the residual demand); the
            # first dive takes the heaviest, later ones pick among the top few so repeats differ.
            top = current.patterns[: (1 if not randomize else 3)]
            pat = top[int(rng.integers(0, len(top)))][0]
            need = np.bincount(np.array(pat), minlength=len(types))
            need = np.minimum(need, residual)
            trimmed = tuple(t for t in range(len(types)) for _ in range(int(need[t])))
            if not trimmed:
                break
            fixed.append(trimmed)
            residual -= need
        if residual.sum() == 0:
            break
        mask = residual > 0
        try:
            nxt = _solve_lp(
                types[mask], residual[mask], cap, max(0.05, deadline - time.monotonic()), deadline
            )
        except OverflowError:
            nxt = None
        if nxt is None:
            break
        remap = np.flatnonzero(mask)
        current = LPResult(
            bound=nxt.bound,
            value=nxt.value,
            patterns=[(tuple(int(remap[t]) for t in pat), v) for pat, v in nxt.patterns],
            types=types,
            demand=residual,
        )
    # Materialise: assign concrete items of each type to the fixed patterns, FFD for the rest.
    by_type: dict[int, list[int]] = {}
    w = _scaled(problem)[0]
    type_of = {int(v): t for t, v in enumerate(types.tolist())}
    for i in np.argsort(-w, kind="stable"):
        by_type.setdefault(type_of[int(w[i])], []).append(int(i))
    bins: Bins = []
    for pat in fixed:
        bins.append([by_type[t].pop() for t in pat])
    rest = [i for lst in by_type.values() for i in lst]
    if rest:
        sub = PackingProblem(sizes=problem.sizes[rest], capacity=problem.capacity)
        order = list(np.argsort(-problem.sizes[rest, 0], kind="stable"))
        for b in pack_in_order(sub, order):
            bins.append([rest[k] for k in b])
    return bins
