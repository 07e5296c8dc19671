"""The reconciliation arithmetic (pure): own licences, downgrade rights, the central pool, site licences,
and the invariant that a title's figures are the sums of its 所属 rows."""

from hypothesis import given, settings
from hypothesis import strategies as st

from saiteki.sam.reconcile import POOL, Demand, Supply, TitleInfo, reconcile

NEW = TitleInfo(1, "device", "office", rank=2019, unit_price=50_000)
OLD = TitleInfo(2, "device", "office", rank=2016, unit_price=40_000)
OTHER = TitleInfo(3, "device", "cad", rank=0, unit_price=200_000)
A, B = 10, 20


def by(rows):
    return {(r.title, r.division): r for r in rows}


def test_own_licences_shortfall_and_surplus():
    rows = by(
        reconcile(
            [NEW, OTHER],
            [Supply(1, A, 10), Supply(3, B, 2)],
            [Demand(1, A, 8, devices=8), Demand(3, B, 5, devices=5)],
        ).rows
    )
    assert (rows[1, A].entitled, rows[1, A].consumed, rows[1, A].shortfall, rows[1, A].surplus) == (
        10,
        8,
        0,
        2,
    )
    assert (rows[3, B].shortfall, rows[3, B].surplus, rows[3, B].cost_to_comply) == (3, 0, 600_000)


def test_a_divisions_surplus_never_covers_another_division():
    rows = by(reconcile([NEW], [Supply(1, A, 10)], [Demand(1, A, 2), Demand(1, B, 3)]).rows)
    assert rows[1, A].surplus == 8
    assert rows[1, B].shortfall == 3 and rows[1, B].entitled == 0


def test_downgrade_rights_cover_older_versions_of_the_family():
    rows = by(
        reconcile([NEW, OLD], [Supply(1, A, 10, downgrade=True)], [Demand(1, A, 6), Demand(2, A, 5)]).rows
    )
    new, old = rows[1, A], rows[2, A]
    assert (new.direct, new.downgrade_out, new.surplus) == (6, 4, 0)
    assert (old.downgrade_in, old.shortfall, old.cost_to_comply) == (4, 1, 40_000)


def test_without_downgrade_rights_nothing_moves():
    rows = by(reconcile([NEW, OLD], [Supply(1, A, 10)], [Demand(1, A, 6), Demand(2, A, 5)]).rows)
    assert rows[1, A].surplus == 4 and rows[2, A].shortfall == 5 and rows[2, A].downgrade_in == 0


def test_downgrade_never_goes_up_a_version():
    rows = by(reconcile([NEW, OLD], [Supply(2, A, 10, downgrade=True)], [Demand(1, A, 3)]).rows)
    assert rows[1, A].shortfall == 3 and rows[2, A].surplus == 10


def test_plain_licences_are_used_before_downgradable_ones():
    rows = by(
        reconcile(
            [NEW, OLD],
            [Supply(1, A, 5), Supply(1, A, 5, downgrade=True)],
            [Demand(1, A, 5), Demand(2, A, 5)],
        ).rows
    )
    assert rows[2, A].shortfall == 0 and rows[2, A].downgrade_in == 5


def test_central_pool_covers_divisions_and_keeps_the_rest():
    rows = by(
        reconcile(
            [NEW],
            [Supply(1, A, 2), Supply(1, POOL, 10)],
            [Demand(1, A, 5), Demand(1, B, 4), Demand(1, POOL, 1)],
        ).rows
    )
    assert (rows[1, A].pool_in, rows[1, A].entitled, rows[1, A].shortfall) == (3, 5, 0)
    assert (rows[1, B].pool_in, rows[1, B].shortfall) == (4, 0)
    assert (rows[1, POOL].entitled, rows[1, POOL].consumed, rows[1, POOL].surplus) == (3, 1, 2)


def test_pool_downgrade_to_a_division():
    rows = by(reconcile([NEW, OLD], [Supply(1, POOL, 3, downgrade=True)], [Demand(2, A, 5)]).rows)
    assert rows[2, A].downgrade_in == 3 and rows[2, A].shortfall == 2
    assert rows[1, POOL].downgrade_out == 3 and rows[1, POOL].surplus == 0


def test_site_licence_covers_everything_in_scope():
    site = TitleInfo(4, "site", "gis", 0, 1_000_000)
    rows = by(reconcile([site], [Supply(4, POOL, 1, site=True)], [Demand(4, A, 40), Demand(4, B, 7)]).rows)
    assert rows[4, A].shortfall == 0 and rows[4, A].entitled == 40 and rows[4, B].shortfall == 0
    own = by(reconcile([site], [Supply(4, A, 1, site=True)], [Demand(4, A, 40), Demand(4, B, 7)]).rows)
    assert own[4, A].shortfall == 0 and own[4, B].shortfall == 7


def test_metric_counts_come_in_as_quantities():
    per_user = TitleInfo(5, "user", "m365", 0, 30_000)
    rows = by(reconcile([per_user], [Supply(5, A, 100)], [Demand(5, A, 90, devices=140)]).rows)
    assert rows[5, A].consumed == 90 and rows[5, A].devices == 140 and rows[5, A].surplus == 10
    per_core = TitleInfo(6, "core", "sql", 0, 400_000)
    rows = by(reconcile([per_core], [Supply(6, POOL, 16)], [Demand(6, A, 24, devices=2)]).rows)
    assert rows[6, A].shortfall == 8 and rows[6, A].cost_to_comply == 3_200_000


families = st.sampled_from([NEW, OLD, OTHER])
divisions = st.sampled_from([A, B, POOL])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(families, divisions, st.integers(0, 50), st.booleans()), max_size=8),
    st.lists(st.tuples(families, divisions, st.integers(0, 50)), max_size=8),
)
def test_rows_sum_to_the_title_and_balance(supplies, demands):
    result = reconcile(
        [NEW, OLD, OTHER],
        [Supply(t.id, d, q, downgrade=g) for t, d, q, g in supplies],
        [Demand(t.id, d, q) for t, d, q in demands],
    )
    for r in result.rows:
        assert r.shortfall >= 0 and r.surplus >= 0
        assert r.direct <= r.consumed
    for t in (NEW, OLD, OTHER):
        rows = [r for r in result.rows if r.title == t.id]
        owned = sum(q for tt, _d, q, _g in supplies if tt.id == t.id)
        used = sum(q for tt, _d, q in demands if tt.id == t.id)
        assert sum(r.entitled for r in rows) == owned
        assert sum(r.consumed for r in rows) == used
    # Across a family, what is lent by downgrade is what is received.
    family = [r for r in result.rows if r.title in (1, 2)]
    assert sum(r.downgrade_in for r in family) == sum(r.downgrade_out for r in family)
    # Overall balance: surplus − shortfall = owned − used (downgrades cancel within the family).
    for fam in ([1, 2], [3]):
        rows = [r for r in result.rows if r.title in fam]
        assert sum(r.surplus - r.shortfall for r in rows) == sum(r.entitled - r.consumed for r in rows)
