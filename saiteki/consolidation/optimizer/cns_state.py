"""The partial solution of the consistent neighbourhood search (``cns``): kept bins (always feasible),
the unassigned items TC, and the moves on them — tabu exchanges between one bin and TC, the descent
that refills bins from TC, the consolidation that gathers free space into fewer bins.

Why numpy row stores: every move is evaluated for all bins at once (rows: the subsets of ≤ 2 movable
items of each bin; columns: the subsets of ≤ 2 TC items), because a Python loop over bins × pairs is too
slow for the 10-second budget.  Conflicts are respected conservatively (an item may not enter a bin
holding any item it conflicts with); locked items of pre-opened bins never move.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from . import stop
from .cns_subsets import (
    GAP_ENUM,
    enum_best,
    pair_index,
    split_overload,
    split_two,
    subset_bits,
    subset_sum_best,
)
from .packing import REL_EPS, PackingProblem, compact

Bins = list[list[int]]

#: Bins with more movable items than this offer single items only as rows (pairs would explode).
PAIR_LIMIT = 14
#: An item that entered a bin may not leave it for this many iterations (plus a random 0–3).
STAY_TENURE = 3
#: Exponent on an item's measure in TC's weight.
POWER = 1.0
#: Descent (pack) enumerates all subsets of at most this many items (bin + TC).
ENUM_LIMIT = 14
#: Rows × TC subsets scored per tabu iteration at most (0 = all): larger neighbourhoods are sampled.
MOVE_CELLS = 0
#: TC larger than this offers single items only as columns.
TC_PAIR_LIMIT = 40
#: Vectors: once TC is small (≤ GAP_ENUM items after any move), the tabu move is chosen among this many
#: of the best allowed exchanges by TC's split overload (see ``split_overload``), then by weight; 0 = by
#: weight only.  One dimension keeps the weight alone: on generated exact splits (8 seeds, 2 CPU-s)
#: the split overload lost two instances (8 → 6 at the optimum), while on Panigrahy classes 6/7 it
#: gained (4 of 8 instances one bin better).
SPLIT_CANDIDATES = 16
#: Weight of the split overload against TC's weight (both in shares of a bin, summed over dimensions).
#: At 2 CPU-s on 4 vector-triplet seeds and 10 Panigrahy class 6/7/9 instances: 0 (weight only)
#: 4/4 and 892 bins; 1.0: 2/4 and 885; 0.5: 4/4 and 887 (class7_250_3_0 at its optimum).
SPLIT_WEIGHT = 0.5
#: Fewest dimensions for the split-aware objective.  One dimension is steered by the weight alone: with
#: the split gap on (1 CPU-s, Scholl-2 narrow bands + generated exact splits and narrow bands, 25
#: instances) 20 reached the optimum instead of 22.
SPLIT_MIN_D = 2


class CnsState:
    """A partial solution: kept bins (feasible), their loads, and the unassigned items TC."""

    def __init__(
        self,
        problem: PackingProblem,
        bins: Bins,
        removed: list[int],
        rng: np.random.Generator,
        k_new: int = 2,
    ):
        self.p = problem
        self.rng = rng
        self.sizes = problem.sizes
        self.d = problem.d
        self.meas = problem.measure() ** POWER
        self.n_pre = len(problem.preopened)
        self.locked = problem.locked_items()
        self.conflicts = problem.conflicts if problem.has_conflicts else None
        rm = set(removed)
        caps_all = problem.bin_capacities(len(bins))
        keep = [k for k in range(len(bins)) if k not in rm]
        self.bins: Bins = [list(bins[k]) for k in keep]
        self.caps = caps_all[keep] * (1 + REL_EPS) + REL_EPS
        self.new_cap = problem.capacity * (1 + REL_EPS) + REL_EPS
        self.tc: list[int] = [i for k in removed for i in bins[k]]
        m = len(self.bins)
        self.loads = np.zeros((m, self.d))
        self.bin_of = np.full(problem.n, -1, dtype=np.int64)
        for b, items in enumerate(self.bins):
            for i in items:
                self.bin_of[i] = b
            if items:
                self.loads[b] = self.sizes[items].sum(axis=0)
        # Integer one-dimensional data: exact subset sums with Python integers as bitsets.
        self.int1d = (
            problem.d == 1 and problem.is_integral() and all(float(c[0]).is_integer() for c in caps_all)
        )
        self.w_int = problem.sizes[:, 0].astype(np.int64) if self.int1d else None
        self.cap_int = [int(c[0]) for c in caps_all[keep]] if self.int1d else []
        self.new_cap_int = int(problem.capacity[0]) if self.int1d else 0
        self.sizes_z = np.vstack([self.sizes, np.zeros((1, self.d))])  # index −1 → zero
        self.meas_z = np.concatenate([self.meas, [0.0]])
        self.raw_z = np.concatenate([problem.measure(), [0.0]])
        self.k_new = k_new  # TC must fit into this many new bins
        self.split_aware = SPLIT_CANDIDATES > 0 and self.d >= SPLIT_MIN_D
        self.last_gap = float("inf")
        # Split gap of the TC the next move leads to, when ``_pick_by_gap`` computed it (so the
        # objective after that move needs no second enumeration), and of the current TC once known.
        self._pending: tuple[int, list[int], list[int], float] | None = None
        self._known_gap: float | None = None
        shares = self.sizes / np.maximum(problem.capacity, 1e-12)
        self.shares_z = np.vstack([shares, np.zeros((1, self.d))])
        # Iteration until which an item may not leave its bin (index −1, "no item", stays 0).
        self.stay_z = np.zeros(problem.n + 1, dtype=np.int64)
        self.stay = self.stay_z[: problem.n]
        self.tabu: dict[int, dict[int, int]] = {}  # item → {bin: iteration until which it may not enter}
        self._build_rows()

    # --- rows: subsets (≤ 2 movable items) of every kept bin -------------------------------------------
    # Stored in preallocated arrays (appending a changed bin's rows is O(its rows), not O(all rows));
    # a stale row keeps its slot with room −inf, so it never fits anything; the store is rebuilt when a
    # third of it is stale.  ``room[j, r]`` is the free space of the row's bin in dimension j once the
    # row's items leave it, kept up to date, so a tabu iteration needs no gathers over all rows.
    def _bin_rows(self, b: int) -> tuple[list[int], list[int]]:
        movable = [i for i in self.bins[b] if i not in self.locked]
        a: list[int] = [-1]
        c: list[int] = [-1]
        for i in movable:
            a.append(i)
            c.append(-1)
        if len(movable) <= PAIR_LIMIT:
            for i, j in combinations(movable, 2):
                a.append(i)
                c.append(j)
        return a, c

    def _build_rows(self) -> None:
        a_all: list[int] = []
        c_all: list[int] = []
        b_all: list[int] = []
        self.block: list[tuple[int, int]] = []
        for b in range(len(self.bins)):
            a, c = self._bin_rows(b)
            self.block.append((len(a_all), len(a_all) + len(a)))
            a_all += a
            c_all += c
            b_all += [b] * len(a)
        total = len(a_all)
        cap = 2 * total + 64
        self.ra = np.full(cap, -1, dtype=np.int64)
        self.rc = np.full(cap, -1, dtype=np.int64)
        self.rb = np.zeros(cap, dtype=np.int64)
        self.rcnt = np.zeros(cap, dtype=np.int64)
        self.rkey = np.zeros(cap)  # weight of the row's items, ties towards more items
        self.rmeas_raw = np.zeros(cap)
        self.rsize = np.zeros((self.d, cap))
        self.room = np.full((self.d, cap), -np.inf)
        ia = np.array(a_all, dtype=np.int64)
        ic = np.array(c_all, dtype=np.int64)
        rb = np.array(b_all, dtype=np.int64)
        self.ra[:total] = ia
        self.rc[:total] = ic
        self.rb[:total] = rb
        cnt = (ia >= 0).astype(np.int64) + (ic >= 0)
        self.rcnt[:total] = cnt
        self.rkey[:total] = self.meas_z[ia] + self.meas_z[ic] - 1e-7 * cnt
        self.rmeas_raw[:total] = self.raw_z[ia] + self.raw_z[ic]
        sz = (self.sizes_z[ia] + self.sizes_z[ic]).T
        self.rsize[:, :total] = sz
        if total:
            self.room[:, :total] = (self.caps - self.loads)[rb].T + sz
        self.n_rows = total
        self.n_stale = 0

    def _write_block(self, b: int, a_l: list[int], c_l: list[int]) -> None:
        k = len(a_l)
        start = self.n_rows
        end = start + k
        a = np.array(a_l, dtype=np.int64)
        c = np.array(c_l, dtype=np.int64)
        self.ra[start:end] = a
        self.rc[start:end] = c
        self.rb[start:end] = b
        cnt = (a >= 0).astype(np.int64) + (c >= 0)
        self.rcnt[start:end] = cnt
        self.rkey[start:end] = self.meas_z[a] + self.meas_z[c] - 1e-7 * cnt
        self.rmeas_raw[start:end] = self.raw_z[a] + self.raw_z[c]
        sz = (self.sizes_z[a] + self.sizes_z[c]).T
        self.rsize[:, start:end] = sz
        self.room[:, start:end] = (self.caps[b] - self.loads[b])[:, None] + sz
        self.block[b] = (start, end)
        self.n_rows = end

    def _refresh_bin(self, b: int) -> None:
        s0, e0 = self.block[b]
        self.room[:, s0:e0] = -np.inf
        self.n_stale += e0 - s0
        a, c = self._bin_rows(b)
        if self.n_stale * 3 > self.n_rows or self.n_rows + len(a) > self.ra.size:
            self._build_rows()
        else:
            self._write_block(b, a, c)

    def alive_rows(self) -> np.ndarray:
        return np.flatnonzero(self.room[0, : self.n_rows] > -np.inf)

    # --- TC ---------------------------------------------------------------------------------------------
    def tc_weight(self) -> float:
        return float(self.meas[self.tc].sum()) if self.tc else 0.0

    def split_gap(self) -> float:
        """TC's least overload over packings into ``k_new`` new bins (0: it fits): exact while TC has at
        most GAP_ENUM items, else its continuous part (load above ``k_new`` bins per dimension); always
        0 in one dimension, where the search is steered by the weight alone."""
        if not self.tc or not self.split_aware:
            return 0.0
        if self._known_gap is not None:
            return self._known_gap
        sh = self.shares_z[self.tc]
        if len(self.tc) > GAP_ENUM:
            return float(np.maximum(sh.sum(axis=0) - self.k_new, 0.0).sum())
        return float(split_overload(sh[None, :, :], self.k_new)[0])

    def objective(self) -> float:
        """What the search minimises: TC's weight plus ``SPLIT_WEIGHT`` × its split gap."""
        self.last_gap = self.split_gap()
        return self.tc_weight() + SPLIT_WEIGHT * self.last_gap

    def may_split(self) -> bool:
        """Whether an exact split test of TC is worth making after this move (cheap filter, called
        after ``objective``): with the split gap, only when it is zero; in integer one dimension
        always (``tc_split`` is a bitset subset sum there); otherwise when TC is small enough for
        its enumeration."""
        if self.split_aware:
            return self.last_gap <= 1e-9
        return self.int1d or len(self.tc) <= GAP_ENUM

    def _pick_by_gap(self, cands: list[tuple[int, list[int], list[int], float]]) -> int:
        """Index of the candidate move whose resulting TC has the least weight + SPLIT_WEIGHT × split
        overload (the first, i.e. the largest weight gain, among equals)."""
        tc = self.tc
        sets = []
        for _b, out, into, _g in cands:
            gone = set(into)
            sets.append([i for i in tc if i not in gone] + out)
        m = max(len(x) for x in sets)
        if m == 0:
            return 0
        idx = np.full((len(sets), m), -1, dtype=np.int64)
        for r, x in enumerate(sets):
            idx[r, : len(x)] = x
        gap = split_overload(self.shares_z[idx], self.k_new)
        gain = np.array([c[3] for c in cands])
        f = SPLIT_WEIGHT * gap - gain
        pick = int(np.flatnonzero(f <= f.min() + 1e-12)[0])
        b, out, into, _g = cands[pick]
        self._pending = (b, out, into, float(gap[pick]))
        return pick

    def _move(self, b: int, out: list[int], into: list[int], it: int, tenure: int) -> None:
        pend = self._pending
        self._known_gap = pend[3] if pend is not None and pend[:3] == (b, out, into) else None
        self._pending = None
        for i in out:
            self.bins[b].remove(i)
            self.loads[b] -= self.sizes[i]
            self.bin_of[i] = -1
            self.tc.append(i)
            self.tabu.setdefault(i, {})[b] = it + tenure
        for i in into:
            self.tc.remove(i)
            self.bins[b].append(i)
            self.loads[b] += self.sizes[i]
            self.bin_of[i] = b
            self.stay[i] = it + STAY_TENURE + int(self.rng.integers(0, STAY_TENURE + 1))
        self._refresh_bin(b)

    def _conflict_free(self, i: int, b: int) -> bool:
        return self.conflicts is None or not (self.conflicts[i] & set(self.bins[b]))

    def best_move(self, it: int, best_w: float) -> tuple[int, list[int], list[int], float] | None:
        """The best exchange (bin, items out, TC items in, weight gain) allowed at iteration ``it``:
        scored for all rows × TC subsets at once, then the few best are checked for tabu and conflicts
        in Python (tabu pairs are rare, so a short list almost always holds an allowed move)."""
        tc = self.tc
        if not tc:
            return None
        k = len(tc)
        ta, tb = pair_index(k, k <= TC_PAIR_LIMIT)
        tci = np.array(tc, dtype=np.int64)
        ia = tci[ta]
        ib = np.where(tb >= 0, tci[np.maximum(tb, 0)], -1)
        t_size = self.sizes_z[ia] + self.sizes_z[ib]
        t_key = self.meas_z[ia] + self.meas_z[ib] - 1e-7 * (1 + (tb >= 0))
        n = self.n_rows
        t_min = t_size.min(axis=0)
        # Rows some column fits (a stale row has room −inf and never does).
        ok = self.room[0, :n] >= t_min[0]
        for j in range(1, self.d):
            ok &= self.room[j, :n] >= t_min[j]
        rows = np.flatnonzero(ok)
        if MOVE_CELLS and rows.size * ta.size > MOVE_CELLS:
            # Candidate list: a random share of the rows this iteration (the whole neighbourhood of a
            # large instance costs more than the moves it would add).
            rows = rows[self.rng.random(rows.size) < MOVE_CELLS / (rows.size * ta.size)]
        if rows.size == 0:
            return None
        room = self.room[:, rows]
        feas = t_size[None, :, 0] <= room[0][:, None]
        for j in range(1, self.d):
            feas &= t_size[None, :, j] <= room[j][:, None]
        score = t_key[None, :] - self.rkey[rows][:, None]
        # An exchange that leaves the weight and the item counts unchanged is (up to ties between
        # different vectors of equal total share) an exchange of identical items: not a move.
        feas &= np.abs(score) > 1e-12
        score = np.where(feas, score, -np.inf)
        flat = score.ravel()
        cur = self.tc_weight()
        n_pick = SPLIT_CANDIDATES if self.split_aware and k + 2 <= GAP_ENUM else 1
        kk = min(flat.size, max(24, 2 * n_pick))
        while True:
            cands: list[tuple[int, list[int], list[int], float]] = []
            top = np.argpartition(-flat, kk - 1)[:kk] if kk < flat.size else np.arange(flat.size)
            top = top[np.argsort(-flat[top], kind="stable")]
            vals = flat[top]
            # Random order among equal scores.
            best_val = float(vals[0])
            if best_val == -np.inf:
                return None
            n_eq = int(np.sum(vals >= best_val - 1e-10))
            if n_eq > 1:
                top[:n_eq] = top[:n_eq][self.rng.permutation(n_eq)]
            # Decode the short list at once (Python only loops over it for the tabu dictionary).
            vals = flat[top]
            r_i, t_i = np.divmod(top, ta.size)
            row_v = rows[r_i]
            b_v = self.rb[row_v]
            in_a = tci[ta[t_i]]
            in_b = np.where(tb[t_i] >= 0, tci[np.maximum(tb[t_i], 0)], -1)
            out_a = self.ra[row_v]
            out_b = self.rc[row_v]
            gains = self.meas_z[in_a] + self.meas_z[in_b] - self.meas_z[out_a] - self.meas_z[out_b]
            aspire = cur - gains < best_w - 1e-9  # lighter than ever: the tabu list does not apply
            stay_z = self.stay_z
            stuck = (stay_z[out_a] > it) | (stay_z[out_b] > it)
            v = 0.0
            for vx, b, ia1, ib1, oa, ob, g, asp, stk in zip(
                vals.tolist(),
                b_v.tolist(),
                in_a.tolist(),
                in_b.tolist(),
                out_a.tolist(),
                out_b.tolist(),
                gains.tolist(),
                aspire.tolist(),
                stuck.tolist(),
                strict=True,
            ):
                v = vx
                if v == -np.inf:
                    break
                into = [ia1] if ib1 < 0 else [ia1, ib1]
                out = [] if oa < 0 else ([oa] if ob < 0 else [oa, ob])
                if not asp:
                    if stk or any(self.tabu.get(i, {}).get(b, -1) > it for i in into):
                        continue
                if self.conflicts is not None and not self.fits_conflicts(into, b, out):
                    continue
                cands.append((b, out, into, g))
                if len(cands) >= n_pick:
                    break
            if cands and (len(cands) >= n_pick or kk >= flat.size or v == -np.inf):
                return cands[self._pick_by_gap(cands)] if len(cands) > 1 else cands[0]
            if kk >= flat.size or v == -np.inf:
                return None
            kk = min(flat.size, kk * 4)

    def fits_conflicts(self, into: list[int], b: int, out: list[int]) -> bool:
        assert self.conflicts is not None
        stay = set(self.bins[b]) - set(out)
        if len(into) == 2 and into[1] in self.conflicts[into[0]]:
            return False
        return all(not (self.conflicts[i] & stay) for i in into)

    # --- descent: best refill of each bin from its items and TC -----------------------------------------
    def descent(self, it: int, tenure: int, deadline: float) -> bool:
        """Refill bins from TC while that lowers TC's weight: exact per bin in integer one-dimensional
        data (subset sums over the bin's items and TC), batched over all bins otherwise."""
        if not self.int1d:
            return self._descent_batch(it, tenure, deadline)
        return self._descent_1d(it, tenure, deadline)

    def _descent_batch(self, it: int, tenure: int, deadline: float) -> bool:
        """Every row (a bin minus ≤ 2 of its items) against every subset of TC (all of them when TC is
        small, else those of ≤ 3 items), scored in one matrix; the improving exchanges on distinct bins
        with disjoint TC subsets are applied together, and the round repeats until none improves."""
        improved = False
        while self.tc and stop.now() < deadline:
            k = len(self.tc)
            tci = np.array(self.tc, dtype=np.int64)
            bits = subset_bits(k)  # (S, k) 0/1
            t_size = bits @ self.sizes[tci]
            t_key = bits @ self.meas[tci] - 1e-7 * bits.sum(axis=1)
            n = self.n_rows
            ok = self.room[0, :n] >= t_size[:, 0].min()
            for j in range(1, self.d):
                ok &= self.room[j, :n] >= t_size[:, j].min()
            rows = np.flatnonzero(ok)
            if rows.size == 0:
                break
            room = self.room[:, rows]
            feas = t_size[None, :, 0] <= room[0][:, None]
            for j in range(1, self.d):
                feas &= t_size[None, :, j] <= room[j][:, None]
            gain = np.where(feas, t_key[None, :] - self.rkey[rows][:, None], 0.0)
            gain[gain <= 1e-9] = 0.0
            nz = np.flatnonzero(gain)
            if nz.size == 0:
                break
            gv = gain.ravel()[nz]
            if nz.size > 256:
                part = np.argpartition(-gv, 255)[:256]
                nz, gv = nz[part], gv[part]
            order = nz[np.argsort(-gv, kind="stable")]
            used_bins: set[int] = set()
            used_tc: set[int] = set()
            plan: list[tuple[int, list[int], list[int]]] = []
            for f in order.tolist():
                r, t = divmod(f, bits.shape[0])
                row = int(rows[r])
                b = int(self.rb[row])
                into = [self.tc[x] for x in np.flatnonzero(bits[t]).tolist()]
                if b in used_bins or used_tc.intersection(into):
                    continue
                out = [int(x) for x in (self.ra[row], self.rc[row]) if x >= 0]
                if self.conflicts is not None and not (
                    self._subset_conflict_free(into) and self._fits_conflicts_many(into, b, out)
                ):
                    continue
                used_bins.add(b)
                used_tc.update(into)
                plan.append((b, out, into))
            if not plan:
                break
            for b, out, into in plan:
                self._move(b, out, into, it, tenure)
            improved = True
        return improved

    def _fits_conflicts_many(self, into: list[int], b: int, out: list[int]) -> bool:
        assert self.conflicts is not None
        stay = set(self.bins[b]) - set(out)
        return all(not (self.conflicts[i] & stay) for i in into)

    def _descent_1d(self, it: int, tenure: int, deadline: float) -> bool:
        """One pass over the bins in random order; returns whether anything improved."""
        improved = False
        for b in self.rng.permutation(len(self.bins)).tolist():
            if not self.tc:
                break
            if stop.now() >= deadline:
                break
            cur = [i for i in self.bins[b] if i not in self.locked]
            pool = cur + self.tc
            if self.conflicts is not None:
                pool = cur + [i for i in self.tc if self._conflict_free(i, b)]
            base = self.loads[b] - (self.sizes[cur].sum(axis=0) if cur else 0.0)
            room = self.caps[b] - base
            best = self._best_subset(pool, room, b)
            if best is None:
                continue
            new_m = float(self.meas[best].sum()) if best else 0.0
            old_m = float(self.meas[cur].sum()) if cur else 0.0
            if new_m > old_m + 1e-9 or (abs(new_m - old_m) <= 1e-9 and len(best) < len(cur)):
                s_new = set(best)
                out = [i for i in cur if i not in s_new]
                into = [i for i in best if i not in set(cur)]
                if self.conflicts is not None and not self._subset_conflict_free(best):
                    continue
                self._move(b, out, into, it, tenure)
                improved = True
        return improved

    def exchange(self, b1: int, out1: list[int], b2: int, out2: list[int]) -> None:
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
        self._refresh_bin(b1)
        self._refresh_bin(b2)

    def _subset_conflict_free(self, items: list[int]) -> bool:
        if self.conflicts is None:
            return True
        s = set(items)
        return all(not (self.conflicts[i] & s) for i in items)

    def _best_subset(self, pool: list[int], room: np.ndarray, b: int) -> list[int] | None:
        """Subset of ``pool`` fitting ``room`` with the largest weight (then the fewest items)."""
        if self.int1d and self.w_int is not None:
            cap = int(np.floor(room[0] + 1e-6))
            return subset_sum_best([int(self.w_int[i]) for i in pool], cap, pool)
        if len(pool) > ENUM_LIMIT:
            # Keep the bin's own items and the heaviest TC items: the subset is then still exact over
            # the items most worth packing.
            own = [i for i in pool if self.bin_of[i] == b]
            rest = sorted((i for i in pool if self.bin_of[i] != b), key=lambda i: -self.meas[i])
            pool = own + rest[: max(0, ENUM_LIMIT - len(own))]
            if len(pool) > ENUM_LIMIT:
                return None
        return enum_best(self.sizes, self.meas, pool, room)

    # --- does TC fit into k new bins? --------------------------------------------------------------------
    def tc_split(self, k: int) -> Bins | None:
        tc = self.tc
        if not tc:
            return [[] for _ in range(k)]
        if k <= 0:
            return None
        tot = self.sizes[tc].sum(axis=0)
        if np.any(tot > k * self.new_cap):
            return None
        if k == 1:
            if not np.all(tot <= self.new_cap) or not self._subset_conflict_free(tc):
                return None
            return [list(tc)]
        if k == 2:
            pairs: list[tuple[int, int]] = []
            if self.conflicts is not None:
                pos = {i: x for x, i in enumerate(tc)}
                pairs = [
                    (pos[i], pos[j]) for i in tc for j in self.conflicts[i] if j in pos and pos[j] > pos[i]
                ]
            return split_two(self.sizes, tc, self.new_cap, self.int1d and not pairs, pairs)
        return None

    def complete(self, extra: Bins) -> Bins:
        return compact(self.bins + [b for b in extra if b], self.n_pre)
