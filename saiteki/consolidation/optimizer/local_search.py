"""Bin-elimination local search: take a packing with k bins, remove one bin, and try to fit its items
into the remaining k−1 bins.

This follows the idea of consistent neighbourhood search (Buljubašić & Vasquez 2016) for bin and
vector packing: the removed items wait in a *pool*; a move swaps up to two items of a bin with up to
two pool items so that the bin becomes fuller and the pool lighter (sizes measured as the sum of
dimension shares); a tabu list stops items from bouncing straight back, and plateau/worsening moves
are allowed so the search can cross valleys.  Whenever a pool item fits somewhere it is inserted; an
empty pool is a packing with one bin less.

Every move is evaluated for all bins at once with numpy, because a pure-Python double loop over bins ×
item pairs is too slow for the 10-second budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .packing import REL_EPS, PackingProblem, compact

Bins = list[list[int]]


@dataclass
class SearchBudget:
    """Stop conditions: wall-clock deadline (time.monotonic value) and an optional iteration cap.
    The iteration cap makes runs reproducible independent of machine speed; the deadline keeps the
    time limit."""

    deadline: float
    max_iterations: int | None = None
    iterations: int = 0

    def exhausted(self) -> bool:
        if self.max_iterations is not None and self.iterations >= self.max_iterations:
            return True
        return time.monotonic() >= self.deadline


class _PoolState:
    """A packing with one bin removed and its items in the pool."""

    def __init__(self, problem: PackingProblem, bins: Bins, removed: int, rng: np.random.Generator):
        self.p = problem
        self.sizes = problem.sizes
        self.m = problem.measure()
        self.rng = rng
        self.n_pre = len(problem.preopened)
        self.locked = problem.locked_items()
        self.conflicts = problem.conflicts if problem.has_conflicts else None
        self.bins = [list(b) for k, b in enumerate(bins) if k != removed]
        self.pool = list(bins[removed])
        caps = problem.bin_capacities(len(bins))
        caps = np.delete(caps, removed, axis=0) if len(bins) > removed else caps
        self.caps = caps * (1 + REL_EPS) + REL_EPS
        self.loads = np.array([self.sizes[b].sum(axis=0) if b else np.zeros(problem.d) for b in self.bins])
        if self.loads.size == 0:
            self.loads = np.zeros((0, problem.d))
        self.bin_of = np.full(problem.n, -1, dtype=np.int64)
        for k, b in enumerate(self.bins):
            for i in b:
                self.bin_of[i] = k
        self.tabu: dict[tuple[int, int], int] = {}
        self._rows: dict[int, tuple[list[tuple[int, ...]], np.ndarray, np.ndarray]] = {}

    # --- helpers -------------------------------------------------------------------------------------
    def pool_measure(self) -> float:
        return float(self.m[self.pool].sum()) if self.pool else 0.0

    def _conflict_free(self, items: tuple[int, ...], b: int, leaving: tuple[int, ...] = ()) -> bool:
        if self.conflicts is None:
            return True
        stay = set(self.bins[b]) - set(leaving)
        return all(not (self.conflicts[i] & stay) for i in items)

    def _bin_rows(self, b: int) -> tuple[list[tuple[int, ...]], np.ndarray, np.ndarray]:
        """Subsets (one or two unlocked items) of bin b that a move may take out, cached per bin."""
        cached = self._rows.get(b)
        if cached is not None:
            return cached
        movable = [i for i in self.bins[b] if i not in self.locked]
        subsets: list[tuple[int, ...]] = [(i,) for i in movable]
        if len(movable) <= 40:
            subsets += list(combinations(movable, 2))
        if subsets:
            size = np.array([self.sizes[list(s)].sum(axis=0) for s in subsets])
            meas = np.array([float(self.m[list(s)].sum()) for s in subsets])
        else:
            size = np.zeros((0, self.p.d))
            meas = np.zeros(0)
        self._rows[b] = (subsets, size, meas)
        return self._rows[b]

    # --- moves ---------------------------------------------------------------------------------------
    def insert_greedy(self) -> None:
        """Best-fit every pool item that fits somewhere (largest first)."""
        if not self.pool or len(self.bins) == 0:
            return
        inv = 1.0 / np.maximum(self.p.capacity, 1e-12)
        for i in sorted(self.pool, key=lambda x: -self.m[x]):
            s = self.sizes[i]
            ok = np.all(self.loads + s <= self.caps, axis=1)
            if self.conflicts is not None and self.conflicts[i]:
                for j in self.conflicts[i]:
                    if self.bin_of[j] >= 0:
                        ok[self.bin_of[j]] = False
            idx = np.flatnonzero(ok)
            if idx.size == 0:
                continue
            resid = ((self.caps[idx] - self.loads[idx] - s) * inv).sum(axis=1)
            b = int(idx[int(np.argmin(resid))])
            self._move(b, (), (i,))

    def _move(self, b: int, out: tuple[int, ...], into: tuple[int, ...]) -> None:
        for i in out:
            self.bins[b].remove(i)
            self.loads[b] -= self.sizes[i]
            self.bin_of[i] = -1
            self.pool.append(i)
        for i in into:
            self.pool.remove(i)
            self.bins[b].append(i)
            self.loads[b] += self.sizes[i]
            self.bin_of[i] = b
        self._rows.pop(b, None)

    def best_swap(
        self, it: int, best_pool: float
    ) -> tuple[int, tuple[int, ...], tuple[int, ...], float] | None:
        """The best non-tabu swap (bin, items out, pool items in, gain) over all bins, or None."""
        pool = self.pool
        t_items: list[tuple[int, ...]] = [(i,) for i in pool]
        if len(pool) <= 60:
            for a, c in combinations(pool, 2):
                if self.conflicts is None or c not in self.conflicts[a]:
                    t_items.append((a, c))
        t_size = np.array([self.sizes[list(t)].sum(axis=0) for t in t_items])
        t_meas = np.array([float(self.m[list(t)].sum()) for t in t_items])
        t_cnt = np.array([len(t) for t in t_items], dtype=np.float64)
        row_bin: list[np.ndarray] = []
        row_sets: list[tuple[int, ...]] = []
        row_size: list[np.ndarray] = []
        row_meas: list[np.ndarray] = []
        for b in range(len(self.bins)):
            subsets, size, meas = self._bin_rows(b)
            if not subsets:
                continue
            row_bin.append(np.full(len(subsets), b))
            row_sets.extend(subsets)
            row_size.append(size)
            row_meas.append(meas)
        if not row_sets:
            return None
        rb = np.concatenate(row_bin)
        rsize = np.concatenate(row_size)
        rmeas = np.concatenate(row_meas)
        rcnt = np.array([len(s) for s in row_sets], dtype=np.float64)
        room = self.caps[rb] - self.loads[rb] + rsize  # (R, d): space if the subset leaves
        feas = np.all(t_size[None, :, :] <= room[:, None, :], axis=2)
        score = t_meas[None, :] - rmeas[:, None]
        # Lexicographic tie-break: prefer leaving more, smaller items in the pool (easier to place).
        score = score + 1e-7 * (rcnt[:, None] - t_cnt[None, :])
        score = score + 1e-9 * self.rng.random(score.shape)
        score[~feas] = -np.inf
        flat = score.ravel()
        k = min(64, flat.size)
        top = np.argpartition(-flat, k - 1)[:k]
        top = top[np.argsort(-flat[top])]
        pool_now = self.pool_measure()
        for f in top:
            val = float(flat[f])
            if val == -np.inf:
                break
            r, t = divmod(int(f), len(t_items))
            b = int(rb[r])
            out, into = row_sets[r], t_items[t]
            gain = float(t_meas[t] - rmeas[r])
            aspiration = pool_now - gain < best_pool - 1e-12
            if not aspiration and any(self.tabu.get((i, b), -1) > it for i in into):
                continue
            if not self._conflict_free(into, b, out):
                continue
            return b, out, into, gain
        return None

    def _rows_all(self, with_empty: bool) -> tuple[np.ndarray, list[tuple[int, ...]], np.ndarray, np.ndarray]:
        """All bins' movable subsets stacked: bin of row, subset, size (R, d), measure (R,)."""
        rb: list[np.ndarray] = []
        sets: list[tuple[int, ...]] = []
        sizes: list[np.ndarray] = []
        meas: list[np.ndarray] = []
        for b in range(len(self.bins)):
            subsets, size, m = self._bin_rows(b)
            if with_empty:
                subsets = [(), *subsets]
                size = np.vstack([np.zeros((1, self.p.d)), size])
                m = np.concatenate([[0.0], m])
            if not subsets:
                continue
            rb.append(np.full(len(subsets), b))
            sets.extend(subsets)
            sizes.append(size)
            meas.append(m)
        if not sets:
            return np.zeros(0, dtype=int), [], np.zeros((0, self.p.d)), np.zeros(0)
        return np.concatenate(rb), sets, np.vstack(sizes), np.concatenate(meas)

    def consolidate(self, max_moves: int = 200, deadline: float = float("inf")) -> int:
        """Descent over swaps between two bins (up to two items each way) that maximise Σ load²:
        concentrating the free space in few bins is what lets a pool item fit somewhere.  Returns the
        number of moves made."""
        moves = 0
        inv = 1.0 / np.maximum(self.p.capacity, 1e-12)
        while moves < max_moves and time.monotonic() < deadline:
            rb, sets, rsize, rmeas = self._rows_all(with_empty=True)
            if len(sets) == 0:
                return moves
            lm = (self.loads * inv).sum(axis=1)
            improved = False
            for b1 in self.rng.permutation(len(self.bins)):
                b1 = int(b1)
                if time.monotonic() >= deadline:
                    return moves
                idx1 = np.flatnonzero(rb == b1)
                if idx1.size == 0:
                    continue
                other = rb != b1
                s1 = rsize[idx1]  # (n1, d)
                new1 = self.loads[b1] - s1[:, None, :] + rsize[None, :, :]
                ok = np.all(new1 <= self.caps[b1], axis=2)
                new2 = self.loads[rb][None, :, :] - rsize[None, :, :] + s1[:, None, :]
                ok &= np.all(new2 <= self.caps[rb][None, :, :], axis=2)
                ok &= other[None, :]
                m1 = rmeas[idx1][:, None]
                l1 = lm[b1] - m1 + rmeas[None, :]
                l2 = lm[rb][None, :] - rmeas[None, :] + m1
                gain = l1**2 + l2**2 - lm[b1] ** 2 - lm[rb][None, :] ** 2
                gain[~ok] = -np.inf
                flat = gain.ravel()
                k = min(16, flat.size)
                top = np.argpartition(-flat, k - 1)[:k]
                top = top[np.argsort(-flat[top])]
                for f in top:
                    if not flat[f] > 1e-9:
                        break
                    a, r = divmod(int(f), len(sets))
                    out1, out2, b2 = sets[int(idx1[a])], sets[r], int(rb[r])
                    if not out1 and not out2:
                        continue
                    if not (self._conflict_free(out2, b1, out1) and self._conflict_free(out1, b2, out2)):
                        continue
                    self._swap_bins(b1, out1, b2, out2)
                    moves += 1
                    improved = True
                    break
                if improved:
                    break
            if not improved:
                return moves
        return moves

    def _swap_bins(self, b1: int, out1: tuple[int, ...], b2: int, out2: tuple[int, ...]) -> None:
        for i in out1:
            self.bins[b1].remove(i)
            self.bins[b2].append(i)
            self.loads[b1] -= self.sizes[i]
            self.loads[b2] += self.sizes[i]
            self.bin_of[i] = b2
        for i in out2:
            self.bins[b2].remove(i)
            self.bins[b1].append(i)
            self.loads[b2] -= self.sizes[i]
            self.loads[b1] += self.sizes[i]
            self.bin_of[i] = b1
        self._rows.pop(b1, None)
        self._rows.pop(b2, None)


def eliminate_one_bin(
    problem: PackingProblem,
    bins: Bins,
    rng: np.random.Generator,
    budget: SearchBudget,
    patience: int = 3000,
) -> Bins | None:
    """Try to turn ``bins`` into a packing with one bin less.  Returns it, or None when the budget or
    the patience (iterations without a lighter pool) runs out."""
    n_pre = len(problem.preopened)
    removable = [k for k in range(n_pre, len(bins))]
    if not removable:
        return None
    m = problem.measure()
    fill = np.array([float(m[bins[k]].sum()) for k in removable])
    # Mostly the emptiest bin, sometimes another light one: different restarts explore differently.
    order = np.argsort(fill + 0.02 * rng.random(len(removable)) * max(float(fill.max()), 1e-9))
    pick = int(order[0]) if rng.random() < 0.6 else int(order[min(len(order) - 1, int(rng.integers(0, 3)))])
    st = _PoolState(problem, bins, removable[pick], rng)
    best_pool = np.inf
    since_best = 0
    it = 0
    dirty = True
    while not budget.exhausted():
        budget.iterations += 1
        it += 1
        st.insert_greedy()
        if not st.pool:
            return compact(st.bins, n_pre)
        pm = st.pool_measure()
        if pm < best_pool - 1e-12:
            best_pool = pm
            since_best = 0
        else:
            since_best += 1
            if since_best > patience:
                return None
        mv = st.best_swap(it, best_pool)
        if (mv is None or mv[3] <= 1e-12) and dirty:
            # No swap lightens the pool: reshape the bins to gather free space, then retry.
            dirty = False
            if st.consolidate(deadline=budget.deadline) > 0:
                continue
        if mv is None:
            return None
        b, out, into, _gain = mv
        dirty = True
        st._move(b, out, into)
        tenure = 3 + int(rng.integers(0, 8))
        for i in out:
            st.tabu[(i, b)] = it + tenure
    return None


def improve(
    problem: PackingProblem,
    bins: Bins,
    lower_bound: int,
    rng: np.random.Generator,
    budget: SearchBudget,
) -> Bins:
    """Repeatedly eliminate bins until the lower bound is reached or the budget ends; restarts with a
    different removed bin when an attempt stalls.  Always returns a complete packing no worse than
    the input."""
    best = [list(b) for b in bins]
    patience = 1000
    while len(best) > lower_bound and not budget.exhausted():
        res = eliminate_one_bin(problem, best, rng, budget, patience=patience)
        if res is not None:
            best = res
        else:
            patience = min(int(patience * 1.5), 20000)
    return best
