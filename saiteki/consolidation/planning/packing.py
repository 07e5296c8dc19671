"""The candidate plans: packing one year's movers into the hosts in service and new hosts, the N+1
spares, and the ``staged`` / ``staged_lasting`` / ``single_packing`` strategies built from them.
The packing itself is the engine's (:func:`saiteki.consolidation.optimizer.solve_packing`); this
module decides which machines go into which packing and which hosts are offered to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.planning.problem import SINGLE_PACKING, STAGED, STAGED_LASTING
from saiteki.consolidation.planning.state import (
    _Budget,
    _Context,
    _copy,
    _Host,
    _initial_hosts,
    _members_at,
    _natural,
    _Plan,
    _retire_year,
)


def _pack_movers(
    ctx: _Context,
    hosts: dict[str, _Host],
    movers: list[str],
    fy: int,
    budget: _Budget,
    seed: int,
    new_prefix: str,
    eligible: Callable[[_Host], bool],
) -> tuple[dict[str, str], int, int]:
    """Place ``movers`` onto the hosts in service in ``fy`` (those ``eligible``) and new hosts bought
    in ``fy``; returns machine → host key, a lower bound on the new hosts needed and how many the
    engine opened.

    Each in-service host is a pre-opened bin whose capacity is what its residents leave free; residents
    that conflict with a mover (anti-affinity) are kept in the bin as locked items so the conflict is
    seen by the engine.
    """
    groups: dict[object, list[str]] = defaultdict(list)
    for mid in movers:
        groups[ctx.seg(mid)].append(mid)
    placed: dict[str, str] = {}
    lb_total = 0
    bins_total = 0
    order = sorted(groups, key=lambda k: -sum(ctx.measure(m) for m in groups[k]))
    for key in order:
        ms = sorted(groups[key])
        pre_hosts = [
            h
            for h in hosts.values()
            if h.in_service(fy)
            and eligible(h)
            and ((h.claimed and h.segment == key) or not h.claimed or not ctx.sep)
        ]
        pre_hosts.sort(key=lambda h: (h.kind != "existing", h.from_fy, h.key))
        mover_set = set(ms)
        locked_items: list[str] = []
        pre_bins: list[opt.PreBin] = []
        for h in pre_hosts:
            conflicting = sorted(r for r in h.members if ctx.conflicts.get(r, set()) & mover_set)
            load = np.zeros(len(ctx.dims))
            for r in h.members:
                if r not in conflicting:
                    load += ctx.demand[r]
            cap = np.maximum(h.usable - load, 0.0)
            first = len(locked_items)
            locked_items.extend(conflicting)
            pre_bins.append(opt.PreBin(capacity=cap, locked=list(range(first, first + len(conflicting)))))
        items = locked_items + ms
        index = {mid: i for i, mid in enumerate(items)}
        conflicts = [{index[o] for o in ctx.conflicts.get(mid, set()) if o in index} for mid in items]
        sizes = np.array([ctx.demand[m] for m in items]).reshape(len(items), len(ctx.dims))
        problem = opt.PackingProblem(
            sizes=sizes, capacity=ctx.new_usable, conflicts=conflicts, preopened=pre_bins
        )
        out = opt.solve_packing(problem, time_limit=budget.share(len(ms)), seed=seed)
        # Pre-opened bins always count in the engine's bound; what is bounded here is the new hosts.
        lb_total += max(0, out.lower_bound - len(pre_hosts))
        bins_total += max(0, len(out.bins) - len(pre_hosts))
        for k, bin_items in enumerate(out.bins):
            if k < len(pre_hosts):
                host = pre_hosts[k]
            else:
                if not bin_items:
                    continue
                host = _new_host(ctx, hosts, new_prefix, fy)
            got = [items[i] for i in bin_items if items[i] in mover_set]
            if got and not host.claimed:
                host.claimed, host.segment = True, key
            for mid in got:
                placed[mid] = host.key
                host.members.add(mid)
    return placed, lb_total, bins_total


def _new_host(ctx: _Context, hosts: dict[str, _Host], new_prefix: str, fy: int, **extra) -> _Host:
    """A host to buy in ``fy``, numbered after the new hosts so far, registered in ``hosts``."""
    n = sum(1 for h in hosts.values() if h.kind == "new") + 1
    host = _Host(
        key=f"{new_prefix}{n}",
        kind="new",
        model=ctx.model.id,
        usable=ctx.new_usable,
        from_fy=fy,
        last_fy=None,
        **extra,
    )
    hosts[host.key] = host
    return host


def _survives_any_loss(ctx: _Context, hosts: list[_Host], free_hosts: list[_Host]) -> bool:
    """A quick, sufficient N+1 test for one segment's hosts: for every host, its machines (largest
    first) first-fit into the room the others leave (and into empty hosts), without two machines of
    a redundancy group meeting. It may answer no where a cleverer re-placement exists (a spare too
    many is bought then); the plan's independent check in every year is the checker's exhaustive one.
    """
    loads = {
        h.key: sum((ctx.demand[m] for m in h.members), np.zeros(len(ctx.dims))) for h in hosts + free_hosts
    }
    for lost in hosts:
        if not lost.members:
            continue
        others = [h for h in hosts + free_hosts if h.key != lost.key]
        free = {h.key: h.usable - loads[h.key] for h in others}
        residents = {h.key: set(h.members) for h in others}
        for mid in sorted(lost.members, key=lambda m: -ctx.measure(m)):
            size = ctx.demand[mid]
            for h in others:
                if np.all(size <= free[h.key] * (1 + 1e-9) + 1e-9) and not (
                    ctx.conflicts.get(mid, set()) & residents[h.key]
                ):
                    free[h.key] = free[h.key] - size
                    residents[h.key].add(mid)
                    break
            else:
                return False
    return True


def _ensure_n_plus_one(
    ctx: _Context, hosts: dict[str, _Host], fy: int, new_prefix: str, members: dict[str, set[str]]
) -> None:
    """Buy empty spare hosts in ``fy`` (at most two per segment) until every segment's hosts survive
    the loss of any one host (:func:`_survives_any_loss`). An empty host of the purchasable model
    absorbs any new host's load; a spare is needed only when the room left is not enough."""
    if not ctx.problem.scenario.rules.n_plus_one:
        return
    by_seg: dict[object, list[_Host]] = defaultdict(list)
    free_hosts: list[_Host] = []
    for h in hosts.values():
        if not h.in_service(fy):
            continue
        if h.claimed:
            by_seg[h.segment].append(_copy(h, members.get(h.key, set())))
        elif not members.get(h.key):
            free_hosts.append(_copy(h, set()))
    for key, hs in sorted(by_seg.items(), key=lambda kv: str(kv[0])):
        for _attempt in range(2):
            if _survives_any_loss(ctx, hs, free_hosts):
                break
            spare = _new_host(ctx, hosts, new_prefix, fy, segment=key, claimed=True)
            hs.append(_copy(spare, set()))


def _staged(ctx: _Context, budget: _Budget, seed: int, *, lasting_only: bool) -> _Plan:
    """Year by year: the year's movers fill the hosts in service first, the rest opens new hosts."""
    p = ctx.problem
    hosts = _initial_hosts(ctx)
    itinerary: dict[str, list[tuple[int, str]]] = {}
    for mid, host_id in p.resident.items():
        itinerary[mid] = [(p.start_fy - 1, host_id)]
        h = hosts[host_id]
        h.members.add(mid)
        if not h.claimed:
            h.claimed, h.segment = True, ctx.seg(mid)
    bins_final = 0

    def eligible(h: _Host) -> bool:
        return not lasting_only or h.kind == "new" or h.last_fy is None or h.last_fy >= p.end_fy

    for fy in p.years:
        movers = sorted(m for m, y in p.arrival.items() if y == fy and m not in p.resident)
        for h in list(hosts.values()):
            if h.kind == "existing" and not h.in_service(fy) and h.members:
                movers.extend(sorted(h.members))
                h.members.clear()
        for h in hosts.values():  # hosts out of service lose their segment claim
            if not h.in_service(fy):
                h.claimed = False
        if fy == p.start_fy and not p.pinned:
            for h in hosts.values():
                if h.kind == "existing" and h.in_service(fy) and h.members:
                    movers.extend(sorted(h.members))
                    h.members.clear()
                    h.claimed, h.segment = False, None
        if movers:
            placed, _lb, bins = _pack_movers(ctx, hosts, movers, fy, budget, seed, "N", eligible)
            for mid, key in placed.items():
                steps = itinerary.setdefault(mid, [])
                if not steps or steps[-1][1] != key:
                    steps.append((fy, key))
            bins_final += bins
        _ensure_n_plus_one(ctx, hosts, fy, "N", {k: h.members for k, h in hosts.items()})
    return _Plan(STAGED_LASTING if lasting_only else STAGED, hosts, itinerary, 0, bins_final)


def _single_packing(ctx: _Context, budget: _Budget, seed: int) -> _Plan:
    """One packing of every machine for the final year; each new host is bought in the first year one
    of its machines arrives. Residents of hosts that stay to the end are kept (pinned) or re-packed
    once in the first year (movable); residents of retiring hosts move when their host retires."""
    p = ctx.problem
    hosts = _initial_hosts(ctx)
    lasting = {h.id for h in p.existing if h.last_fy is None or h.last_fy >= p.end_fy}
    move_year: dict[str, int] = {}
    for mid, host_id in p.resident.items():
        if host_id in lasting and p.pinned:
            hosts[host_id].members.add(mid)
            if not hosts[host_id].claimed:
                hosts[host_id].claimed, hosts[host_id].segment = True, ctx.seg(mid)
        else:
            move_year[mid] = p.start_fy if host_id in lasting else _retire_year(ctx, host_id)
    for mid, fy in p.arrival.items():
        if mid not in p.resident and p.start_fy <= fy <= p.end_fy:
            move_year[mid] = fy
    final_fy = p.end_fy
    for h in hosts.values():
        if h.kind == "existing" and h.key not in lasting:
            h.members.clear()
    movers = sorted(move_year)
    placed, lb, bins = _pack_movers(
        ctx, hosts, movers, final_fy, budget, seed, "S", lambda h: h.kind == "new" or h.key in lasting
    )
    # Purchase year of each new host: the first year one of its machines arrives.
    for h in hosts.values():
        if h.kind == "new":
            h.from_fy = min((move_year[m] for m in h.members), default=p.start_fy)
    itinerary: dict[str, list[tuple[int, str]]] = {}
    for mid, host_id in p.resident.items():
        itinerary[mid] = [(p.start_fy - 1, host_id)]
    for mid, key in placed.items():
        steps = itinerary.setdefault(mid, [])
        if not steps or steps[-1][1] != key:
            steps.append((move_year[mid], key))
    # N+1 spares: bought with the first hosts of their segment, so every year is covered.
    for fy in p.years:
        _ensure_n_plus_one(ctx, hosts, fy, "S", _members_at(itinerary, fy))
    existing_final = sum(1 for h in hosts.values() if h.kind == "existing" and h.in_service(p.end_fy))
    return _Plan(SINGLE_PACKING, hosts, itinerary, existing_final + lb, bins)


def _renumber(hosts: dict[str, _Host], itinerary: dict[str, list[tuple[int, str]]], prefix: str) -> None:
    """New hosts numbered by purchase year, so 「新ホスト1」 is the first one bought."""
    new = sorted((h for h in hosts.values() if h.kind == "new"), key=lambda h: (h.from_fy, _natural(h.key)))
    mapping = {h.key: f"N{i}" for i, h in enumerate(new, start=1)}
    for h in new:
        del hosts[h.key]
    for h in new:
        h.key = mapping[h.key]
        hosts[h.key] = h
    for steps in itinerary.values():
        steps[:] = [(fy, mapping.get(k, k)) for fy, k in steps]
