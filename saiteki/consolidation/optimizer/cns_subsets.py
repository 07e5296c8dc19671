"""Exact helpers on the few items CNS handles at once (TC, one bin plus TC): subset enumerations,
subset sums with Python integers as bitsets, and the exact split of TC into two bins.

Why a module of their own: they are pure functions of sizes, so they are tested and timed apart from
the search state (``cns_state``) and the search loop (``cns``).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

Bins = list[list[int]]

#: Descent tries every subset of TC up to this size of TC (2^k columns), else subsets of ≤ 3 items.
SUBSET_ENUM = 8

_SUBSETS: dict[int, np.ndarray] = {}


def subset_bits(k: int) -> np.ndarray:
    """0/1 matrix of the non-empty subsets of k items: all of them for k ≤ SUBSET_ENUM, else those of
    at most three items (cached per k)."""
    got = _SUBSETS.get(k)
    if got is None:
        if k <= SUBSET_ENUM:
            got = ((np.arange(1, 1 << k)[:, None] >> np.arange(k)[None, :]) & 1).astype(np.float64)
        else:
            pats = [c for r in (1, 2, 3) for c in combinations(range(k), r)]
            got = np.zeros((len(pats), k))
            for x, c in enumerate(pats):
                got[x, list(c)] = 1.0
        _SUBSETS[k] = got
    return got


_PAIRS: dict[tuple[int, bool], tuple[np.ndarray, np.ndarray]] = {}


def pair_index(k: int, pairs: bool) -> tuple[np.ndarray, np.ndarray]:
    """Columns over k TC items: (a, b) positions, b = −1 for single items (cached per k)."""
    key = (k, pairs)
    got = _PAIRS.get(key)
    if got is None:
        a = list(range(k))
        b = [-1] * k
        if pairs:
            for x, y in combinations(range(k), 2):
                a.append(x)
                b.append(y)
        got = (np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
        _PAIRS[key] = got
    return got


def subset_sum_best(w: list[int], cap: int, labels: list[int]) -> list[int]:
    """Exact: the subset of weights ``w`` with the largest sum ≤ ``cap`` and, among those, the fewest
    items; bitsets of reachable sums kept per prefix for the reconstruction."""
    if cap < 0:
        return []
    mask = (1 << (cap + 1)) - 1
    order = sorted(range(len(w)), key=lambda x: -w[x])  # large first: fewer items reach a sum first
    reach = [1]
    for x in order:
        reach.append((reach[-1] | (reach[-1] << w[x])) & mask)
    top = reach[-1].bit_length() - 1
    # Reconstruct preferring to skip items (fewer items): walk back from the last prefix.
    chosen: list[int] = []
    s = top
    for pos in range(len(order) - 1, -1, -1):
        x = order[pos]
        if (reach[pos] >> s) & 1:
            continue  # reachable without item x
        chosen.append(labels[x])
        s -= w[x]
    return chosen


_BITS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _bits(k: int) -> tuple[np.ndarray, np.ndarray]:
    """All 2^k subsets of k items as a 0/1 matrix, and their sizes (cached per k)."""
    got = _BITS.get(k)
    if got is None:
        m = ((np.arange(1 << k)[:, None] >> np.arange(k)[None, :]) & 1).astype(np.float64)
        got = (m, m.sum(axis=1))
        _BITS[k] = got
    return got


def enum_best(sizes: np.ndarray, meas: np.ndarray, pool: list[int], room: np.ndarray) -> list[int]:
    """Exact over all subsets of the (few) pool items: the heaviest that fits ``room``, ties to fewer
    items."""
    if not pool:
        return []
    bits, cnt = _bits(len(pool))
    loads = bits @ sizes[pool]
    ok = np.all(loads <= room[None, :], axis=1)
    val = np.where(ok, bits @ meas[pool] - 1e-7 * cnt, -np.inf)
    pat = bits[int(np.argmax(val))]
    return [pool[x] for x in range(len(pool)) if pat[x]]


def split_two(
    sizes: np.ndarray,
    tc: list[int],
    cap: np.ndarray,
    int1d: bool,
    conflicts: list[tuple[int, int]] | None = None,
) -> Bins | None:
    """Split ``tc`` into two bins of capacity ``cap`` if possible (exact on these few items); pairs of
    positions in ``conflicts`` must end up in different bins."""
    if int1d:
        w = [int(sizes[i, 0]) for i in tc]
        c = int(np.floor(cap[0] + 1e-6))
        total = sum(w)
        lo = total - c
        mask = (1 << (c + 1)) - 1
        reach = [1]
        for x in w:
            reach.append((reach[-1] | (reach[-1] << x)) & mask)
        r = reach[-1] >> max(lo, 0)
        if r == 0:
            return None
        s = max(lo, 0) + ((r & -r).bit_length() - 1)
        first: list[int] = []
        for pos in range(len(w) - 1, -1, -1):
            if (reach[pos] >> s) & 1:
                continue
            first.append(tc[pos])
            s -= w[pos]
        fs = set(first)
        return [first, [i for i in tc if i not in fs]]
    k = len(tc)
    if k > 20:
        return None
    sz = sizes[tc]
    total = sz.sum(axis=0)
    # Enumerate subsets containing the first item (symmetry) as bit patterns.
    n_sub = 1 << (k - 1)
    bits = ((np.arange(n_sub)[:, None] >> np.arange(k - 1)[None, :]) & 1).astype(np.float64)
    load1 = sz[0][None, :] + bits @ sz[1:]
    ok = np.all(load1 <= cap, axis=1) & np.all(total[None, :] - load1 <= cap, axis=1)
    if conflicts:
        side = np.hstack([np.ones((n_sub, 1)), bits])  # position 0 is always in the first bin
        for a, b in conflicts:
            ok &= side[:, a] != side[:, b]
    hit = np.flatnonzero(ok)
    if hit.size == 0:
        return None
    pat = bits[int(hit[0])]
    first = [tc[0]] + [tc[x + 1] for x in range(k - 1) if pat[x]]
    fs = set(first)
    return [first, [i for i in tc if i not in fs]]


#: TC with at most this many items gets the exact split overload (2^(k−1) splits enumerated).
GAP_ENUM = 12
#: A bin is full at share 1 (plus the float slack the feasibility tests allow).
FULL = 1.0 + 1e-9

_HALVES: dict[int, np.ndarray] = {}


def _halves(k: int) -> np.ndarray:
    """0/1 matrix of the 2^(k−1) splits of k items into two bins, item 0 always in the first bin (the
    two new bins are identical, so the mirror split is the same)."""
    got = _HALVES.get(k)
    if got is None:
        rest = ((np.arange(1 << (k - 1))[:, None] >> np.arange(k - 1)[None, :]) & 1).astype(np.float64)
        got = np.hstack([np.ones((rest.shape[0], 1)), rest])
        _HALVES[k] = got
    return got


def split_overload(shares: np.ndarray, k_bins: int) -> np.ndarray:
    """Least total overload (Σ over bins and dimensions of the load above 1) of the best packing of each
    candidate TC into ``k_bins`` new bins; ``shares`` is (K, m, d): K candidate TCs of at most m items,
    sizes as shares of the bin capacity, padded with zero rows.  Zero exactly when the TC fits (the
    same test ``split_two`` makes, without conflicts).

    Why: TC's weight alone cannot tell a light TC that splits into two bins from an equally light one
    that does not (three items that pairwise overflow a bin, seven items when a bin holds three); this
    overload is the distance to the goal itself, so the search can be steered by it once TC is small.
    """
    total = shares.sum(axis=1)  # (K, d)
    if k_bins <= 0:
        return total.sum(axis=1)
    if k_bins == 1:
        return np.maximum(total - FULL, 0.0).sum(axis=1)
    m = shares.shape[1]
    if m <= 1:
        return np.maximum(total - FULL, 0.0).sum(axis=1)
    bits = _halves(m)  # (P, m)
    first = np.einsum("pm,kmd->kpd", bits, shares)
    second = total[:, None, :] - first
    over = np.maximum(first - FULL, 0.0) + np.maximum(second - FULL, 0.0)
    return over.sum(axis=2).min(axis=1)
