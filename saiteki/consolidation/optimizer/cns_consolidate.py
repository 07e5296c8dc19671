"""Consolidation for CNS: exchanges of ≤ 2 items between two kept bins that increase Σ fill², i.e. gather
free space into fewer bins where TC's items can then fit.

Why apart from the tabu moves (``cns_state``): it never touches TC, so the partial solution stays
consistent, and it is the step that makes TC fit on Panigrahy classes 6/7 when the tabu search stalls;
it runs only between search phases (``cns.reduce_once``), so it is a function of the state, not a
move of its own.
"""

from __future__ import annotations

import numpy as np

from . import stop
from .cns_state import CnsState

#: Consolidation: share of the least-filled bins whose rows are exchanged with all rows, and the
#: most row pairs scored per sweep.
CONSOLIDATE_LOW = 0.35
CONSOLIDATE_CELLS = 400_000


def consolidate(st: CnsState, deadline: float, max_sweeps: int = 4) -> int:
    """Descent over exchanges of ≤ 2 items between two kept bins that increase Σ fill², i.e. move
    free space into fewer bins, where TC items can then fit (TC is untouched, so the partial solution
    stays consistent).  All pairs of rows are scored in one matrix per sweep; the best exchanges on
    disjoint bin pairs are applied together.  Returns the number of exchanges made."""
    moves = 0
    inv = 1.0 / np.maximum(st.p.capacity, 1e-12)
    for _ in range(max_sweeps):
        if stop.now() >= deadline:
            break
        rows = st.alive_rows()
        lm = (st.loads * inv).sum(axis=1)
        # Exchanges that move free space need a less-filled bin on one side: x rows come from the
        # least-filled bins only (a third of them), y rows from all bins.
        low = lm <= np.quantile(lm, CONSOLIDATE_LOW) if lm.size else np.zeros(0, dtype=bool)
        xr = rows[low[st.rb[rows]]]
        yr = rows
        if xr.size * yr.size > CONSOLIDATE_CELLS:
            yr = yr[st.rng.random(yr.size) < CONSOLIDATE_CELLS / (xr.size * yr.size)]
        if xr.size == 0 or yr.size == 0:
            break
        bx, by = st.rb[xr], st.rb[yr]
        sx, sy = st.rsize[:, xr], st.rsize[:, yr]
        rx, ry = st.room[:, xr], st.room[:, yr]
        # x leaves bin bx for bin by and y comes back: y must fit x's room and x y's room.
        ok = bx[:, None] != by[None, :]
        for j in range(st.d):
            ok &= sy[j][None, :] <= rx[j][:, None]
            ok &= sx[j][:, None] <= ry[j][None, :]
        ok &= (st.rcnt[xr][:, None] + st.rcnt[yr][None, :]) > 0
        delta = st.rmeas_raw[yr][None, :] - st.rmeas_raw[xr][:, None]  # measure entering bx
        gain = 2.0 * delta * (lm[bx][:, None] - lm[by][None, :] + delta)
        gain = np.where(ok, gain, 0.0)
        best_y = np.argmax(gain, axis=1)
        best_g = gain[np.arange(xr.size), best_y]
        cand = np.flatnonzero(best_g > 1e-9)
        if cand.size == 0:
            break
        used: set[int] = set()
        plan: list[tuple[int, list[int], int, list[int]]] = []
        for x in cand[np.argsort(-best_g[cand], kind="stable")].tolist():
            y = int(best_y[x])
            b1, b2 = int(bx[x]), int(by[y])
            if b1 in used or b2 in used:
                continue
            r1, r2 = int(xr[x]), int(yr[y])
            out1 = [int(v) for v in (st.ra[r1], st.rc[r1]) if v >= 0]
            out2 = [int(v) for v in (st.ra[r2], st.rc[r2]) if v >= 0]
            if st.conflicts is not None and not (
                st.fits_conflicts(out2, b1, out1) and st.fits_conflicts(out1, b2, out2)
            ):
                continue
            used.add(b1)
            used.add(b2)
            plan.append((b1, out1, b2, out2))
        for b1, out1, b2, out2 in plan:  # disjoint bins: row indices stay valid until here
            st.exchange(b1, out1, b2, out2)
        made = len(plan)
        moves += made
        if made == 0:
            break
    return moves
