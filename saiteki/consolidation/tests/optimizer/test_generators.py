"""The generated benchmark families (bench ``gen`` suite) really have the optimum they claim: every
bin of the construction is filled exactly in every dimension, so the continuous bound equals the number
of bins cut, which the construction itself attains; the same seed gives the same instance; every
bound of the engine stays at or below that optimum and every result of the engine at or above."""

import numpy as np
import pytest

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.optimizer.bounds import continuous_bound, quick_lower_bound
from saiteki.consolidation.optimizer.generators import FAMILIES, generate

SMALL = {
    "triplets": {"bins": 12},
    "exact_split": {"bins": 10},
    "narrow_band": {"bins": 10},
    "vector_triplets": {"bins": 8, "d": 2},
    "vector_split": {"bins": 8, "d": 3},
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_instances_have_the_optimum_they_claim(family, seed):
    inst = generate(family, seed, **SMALL[family])
    p = inst.problem
    assert inst.optimum == SMALL[family]["bins"]
    assert np.all(p.sizes > 0) and np.all(p.sizes <= p.capacity)
    assert np.all(p.sizes == np.round(p.sizes))
    # Exactly full: total = optimum × capacity in every dimension, hence a proven optimum.
    assert np.all(p.sizes.sum(axis=0) == inst.optimum * p.capacity)
    assert continuous_bound(p.sizes, p.capacity) == inst.optimum
    assert quick_lower_bound(p) <= inst.optimum
    again = generate(family, seed, **SMALL[family])
    assert np.array_equal(again.problem.sizes, p.sizes)
    assert not np.array_equal(generate(family, seed + 10, **SMALL[family]).problem.sizes, p.sizes)


@pytest.mark.parametrize("family", ["triplets", "vector_split"])
def test_the_engine_never_goes_below_a_generated_optimum(family):
    inst = generate(family, 5, **SMALL[family])
    out = opt.solve_packing(inst.problem, time_limit=2.0, seed=0, max_iterations=2000)
    assert out.lower_bound <= inst.optimum <= len(out.bins) <= out.ffd_bins
