"""The reconciliation arithmetic (pure: no Django, no database; the consumption comes in aggregated).

Inputs per title (:class:`TitleInfo`: metric, downgrade family and rank, unit price), licences owned
(:class:`Supply`: title, owning 所属 or the central pool, quantity, downgrade rights, site) and use
(:class:`Demand`: title, 所属, the count by the title's metric, devices behind it). Output: one
:class:`Row` per title and 所属 with entitled, consumed, shortfall, surplus, the downgrade rights and
central-pool licences applied, and the cost to comply.

The rules, in the order applied within each downgrade family:

1. **Own licences first.** A 所属's licences cover its own use of the same title.
2. **Downgrade rights.** Its licences of a newer version with downgrade rights then cover its
   remaining use of older versions of the family, the closest newer version first.
3. **Central pool.** Licences of the pool (no owning 所属) cover what is left: first devices without a
   所属, then each 所属 in turn (same title first, then newer versions with downgrade rights). A
   所属's own surplus never covers another 所属 — licences belong to who bought them.
4. **Site licences** cover every use of their title in their scope (the owning 所属, or everyone for
   the pool): shortfall 0, entitled reported equal to the use.

Per row: shortfall = consumed − direct use − downgrade_in; surplus = entitled − direct use −
downgrade_out, where entitled includes pool licences allocated to the row (``pool_in``) and the pool's
own row keeps what was not allocated. A title's figures are the sums of its rows, so the view by
title and the view by 所属 agree exactly. Cost to comply = shortfall × unit price.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

POOL = None  #: the central pool / devices without a 所属


@dataclass(frozen=True)
class TitleInfo:
    id: int
    metric: str
    family: str
    rank: int = 0
    unit_price: int = 0


@dataclass(frozen=True)
class Supply:
    title: int
    division: int | None
    quantity: int
    downgrade: bool = False
    site: bool = False


@dataclass(frozen=True)
class Demand:
    title: int
    division: int | None
    quantity: int
    devices: int = 0
    estimated: bool = False


@dataclass
class Row:
    title: int
    division: int | None
    metric: str = ""
    entitled: int = 0
    consumed: int = 0
    devices: int = 0
    direct: int = 0
    pool_in: int = 0
    downgrade_in: int = 0
    downgrade_out: int = 0
    unit_price: int = 0
    estimated: bool = False
    site: bool = False

    @property
    def shortfall(self) -> int:
        return self.consumed - self.direct - self.downgrade_in

    @property
    def surplus(self) -> int:
        return self.entitled - self.direct - self.downgrade_out

    @property
    def cost_to_comply(self) -> int:
        return self.shortfall * self.unit_price


@dataclass
class _Stock:
    """What one holder (a 所属 or the pool) still has of one title."""

    plain: int = 0  # without downgrade rights
    downgrade: int = 0

    @property
    def total(self) -> int:
        return self.plain + self.downgrade

    def take(self, n: int, *, downgrade_only: bool = False) -> int:
        """Take up to ``n``; plain licences first (keep the flexible ones for older versions)."""
        taken = 0
        if not downgrade_only:
            use = min(n, self.plain)
            self.plain -= use
            taken += use
        use = min(n - taken, self.downgrade)
        self.downgrade -= use
        return taken + use


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def reconcile(titles: Iterable[TitleInfo], supplies: Iterable[Supply], demands: Iterable[Demand]) -> Result:
    """Allocate licences to use (see the module docstring); rows sorted by title, then 所属 (pool last)."""
    info = {t.id: t for t in titles}
    rows: dict[tuple[int, int | None], Row] = {}

    def row(title: int, division: int | None) -> Row:
        key = (title, division)
        if key not in rows:
            t = info[title]
            rows[key] = Row(title, division, metric=t.metric, unit_price=t.unit_price)
        return rows[key]

    stock: dict[tuple[int, int | None], _Stock] = defaultdict(_Stock)
    site: set[tuple[int, int | None]] = set()
    for s in supplies:
        if s.title not in info or (s.quantity <= 0 and not s.site):
            continue
        r = row(s.title, s.division)
        if s.site:
            site.add((s.title, s.division))
            continue
        r.entitled += s.quantity
        st = stock[(s.title, s.division)]
        if s.downgrade:
            st.downgrade += s.quantity
        else:
            st.plain += s.quantity
    need: dict[tuple[int, int | None], int] = {}
    for d in demands:
        if d.title not in info:
            continue
        r = row(d.title, d.division)
        r.consumed += d.quantity
        r.devices += d.devices
        r.estimated = r.estimated or d.estimated
        need[(d.title, d.division)] = need.get((d.title, d.division), 0) + d.quantity

    # Site licences: everything in scope is covered.
    for (title, division), n in list(need.items()):
        if (title, division) in site or (title, POOL) in site:
            r = row(title, division)
            r.site = True
            r.entitled += n
            r.direct += n
            need[(title, division)] = 0

    families: dict[str, list[TitleInfo]] = defaultdict(list)
    for t in info.values():
        families[t.family].append(t)
    divisions = sorted({d for _t, d in rows if d is not POOL})

    for members in families.values():
        members.sort(key=lambda t: (-t.rank, t.id))  # newest first
        # 1–2: each 所属 (and the pool for its own devices) with its own licences.
        for division in [*divisions, POOL]:
            _allocate(members, division, division, stock, need, row, pool=False)
        # 3: the pool covers what is left, 所属 by 所属.
        for division in divisions:
            _allocate(members, POOL, division, stock, need, row, pool=True)

    result = Result(rows=sorted(rows.values(), key=lambda r: (r.title, r.division is POOL, r.division or 0)))
    for r in result.rows:
        assert r.shortfall >= 0 and r.surplus >= 0, r
    return result


def _allocate(members, holder, user_division, stock, need, row, *, pool: bool) -> None:
    """Cover ``user_division``'s remaining use of each title in the family with ``holder``'s licences:
    the same title first, then newer titles with downgrade rights (the closest first)."""
    for i, t in enumerate(members):
        left = need.get((t.id, user_division), 0)
        if left <= 0:
            continue
        own = stock.get((t.id, holder))
        if own is not None and own.total:
            used = own.take(left)
            if used:
                left -= used
                target = row(t.id, user_division)
                target.direct += used
                if pool and holder is not user_division:
                    target.pool_in += used
                    target.entitled += used
                    donor = row(t.id, holder)
                    donor.entitled -= used
        # Newer versions of the family, closest first (members are newest first).
        for newer in reversed(members[:i]):
            if left <= 0:
                break
            if newer.rank <= t.rank:
                continue
            st = stock.get((newer.id, holder))
            if st is None or not st.downgrade:
                continue
            used = st.take(left, downgrade_only=True)
            if used:
                left -= used
                row(t.id, user_division).downgrade_in += used
                row(newer.id, holder).downgrade_out += used
        need[(t.id, user_division)] = left
