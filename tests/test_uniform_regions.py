"""Uniformly random non-empty activation regions for one-dimensional inputs, against independent
ground truth: realisability of every pattern by a small linear programme, exhaustive enumeration of
the (2n)^d1 regions, and the share of regions with a global minimum computed by hand for one point."""

import itertools
import math

import numpy as np
import pytest
import scipy.optimize
import scipy.stats

import lecture_utils as lu
from lecture_utils.global_minima import (
    complete_probability,
    global_minimum_fraction,
    is_complete,
    region_has_global_minimum,
    uniform_region_patterns,
)


def realising_unit(row, x):
    """(w, b) with (2 row_j - 1)(w x_j + b) >= 1 for all j, found by a linear programme, or None."""
    s = 2.0 * np.asarray(row) - 1.0
    A_ub = -s[:, None] * np.column_stack([x, np.ones_like(x)])
    res = scipy.optimize.linprog(
        np.zeros(2),
        A_ub=A_ub,
        b_ub=-np.ones(len(x)),
        bounds=[(None, None)] * 2,
        method="highs",
    )
    return res.x if res.status == 0 else None


def realisable_rows(x):
    """All 0/1 rows that one unit with a bias can realise on the inputs x (enumeration of 2^n rows)."""
    return {
        row
        for row in itertools.product((0, 1), repeat=len(x))
        if realising_unit(row, x) is not None
    }


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_support_is_exactly_the_2n_realisable_patterns(n):
    x = np.random.default_rng(n).permutation(
        np.linspace(-1.0, 1.0, n) + 0.01 * np.arange(n)
    )  # unsorted
    truth = realisable_rows(x)
    assert len(truth) == 2 * n  # Lemma 9, checked by brute force
    drawn = {tuple(r) for r in uniform_region_patterns(x, 50 * n, seed=0)}
    assert drawn == truth


def test_all_regions_equally_likely_by_enumeration():
    n, d1, draws = 3, 2, 36000
    x = np.array([0.4, -0.7, 0.1])  # not sorted: columns follow x
    regions = list(itertools.product(sorted(realisable_rows(x)), repeat=d1))
    assert len(regions) == (2 * n) ** d1 == 36
    A = uniform_region_patterns(x, d1, size=draws, seed=1)
    index = {region: k for k, region in enumerate(regions)}
    counts = np.bincount(
        [index[tuple(map(tuple, a))] for a in A], minlength=len(regions)
    )
    assert counts.sum() == draws  # every draw is one of the 36 regions
    expected = draws / len(regions)
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    assert chi2 < scipy.stats.chi2.ppf(0.9999, df=len(regions) - 1)
    assert np.all(np.abs(counts - expected) < 5 * math.sqrt(expected))


def test_every_sampled_region_is_non_empty():
    rng = np.random.default_rng(2)
    for _ in range(60):
        n, d1 = int(rng.integers(1, 9)), int(rng.integers(1, 12))
        x = lu.uniform_cube_inputs(1, n, seed=rng)  # shape (1, n), unsorted
        A = uniform_region_patterns(x, d1, seed=rng)
        assert A.shape == (d1, n) and set(np.unique(A)) <= {0, 1}
        params = [realising_unit(row, x[0]) for row in A]
        assert all(p is not None for p in params)
        W, b = np.array([[p[0]] for p in params]), np.array([p[1] for p in params])
        np.testing.assert_array_equal(
            lu.activation_pattern(W, b, x), A
        )  # one point in the region


def test_shapes_seeds_and_rows_independent_and_uniform():
    x = np.array([0.3, -0.2, 0.9, -0.8])
    one = uniform_region_patterns(x, 5, seed=3)
    np.testing.assert_array_equal(one, uniform_region_patterns(x[None, :], 5, seed=3))
    many = uniform_region_patterns(x, 5, size=4000, seed=4)
    assert one.shape == (5, 4) and many.shape == (4000, 5, 4)
    # each row is uniform over the 8 patterns, independently of the other rows
    truth = sorted(realisable_rows(x))
    code = {row: k for k, row in enumerate(truth)}
    labels = np.array([[code[tuple(r)] for r in a] for a in many])
    for i in range(5):
        freq = np.bincount(labels[:, i], minlength=8) / 4000
        assert np.all(np.abs(freq - 1 / 8) < 5 * math.sqrt(1 / 8 * 7 / 8 / 4000))
    joint = np.mean((labels[:, 0] == 0) & (labels[:, 1] == 0))
    assert abs(joint - 1 / 64) < 5 * math.sqrt(1 / 64 / 4000)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="distinct"):
        uniform_region_patterns([0.0, 1.0, 0.0], 3)
    with pytest.raises(ValueError, match="d1"):
        uniform_region_patterns([0.0, 1.0], 0)
    with pytest.raises(ValueError, match="d1"):
        uniform_region_patterns([0.0, 1.0], 2.5)
    with pytest.raises(ValueError, match="size"):
        uniform_region_patterns([0.0, 1.0], 2, size=0)
    with pytest.raises(ValueError, match="shape"):
        uniform_region_patterns(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match="shape"):
        uniform_region_patterns([], 2)
    with pytest.raises(ValueError, match="NaN"):
        uniform_region_patterns([0.0, np.nan], 2)
    with pytest.raises(ValueError):
        uniform_region_patterns(np.zeros((3,)), 1)
    with pytest.raises(ValueError, match="seed"):
        uniform_region_patterns([0.0, 1.0], 2, seed=-1)


def test_uniform_fraction_for_one_point_matches_the_hand_computation():
    # n = 1: a region fits y (nonzero) iff an active unit has sign(v) = sign(y); each unit is active
    # with probability 1/2, there are ceil(d1/2) positive and floor(d1/2) negative units, and y is
    # uniform on [-1, 1].
    trials = 4000
    for d1 in (1, 2, 3, 6):
        exact = 1 - 0.5 * (0.5 ** ((d1 + 1) // 2) + 0.5 ** (d1 // 2))
        share = global_minimum_fraction(
            1, d1, 1, "random", trials, seed=d1, regions="uniform"
        )
        assert abs(share - exact) < 4 * math.sqrt(exact * (1 - exact) / trials) + 1e-12


def test_uniform_regions_enumerated_for_fixed_data():
    # Monte Carlo over uniform regions equals the exact share over all (2n)^d1 regions (decided by the LP)
    n, d1 = 3, 3
    x, y, v = (
        np.array([[0.5, -0.6, 0.0]]),
        np.array([0.3, -0.8, 0.5]),
        lu.alternating_signs(d1),
    )
    rows = sorted(realisable_rows(x[0]))
    exact = np.mean(
        [
            region_has_global_minimum(x, y, np.array(A), v)
            for A in itertools.product(rows, repeat=d1)
        ]
    )
    samples = uniform_region_patterns(x, d1, size=3000, seed=5)
    share = np.mean(
        [region_has_global_minimum(x, y, A, v, method="cone") for A in samples]
    )
    assert 0.05 < exact < 0.95
    assert abs(share - exact) < 4 * math.sqrt(exact * (1 - exact) / 3000)


def test_theorem12_at_its_width_with_uniform_regions():
    # Complete regions contain a global minimum (Lemma 15), their frequency under uniform sampling is
    # the exact coupon-collector probability, and at the theorem's width the share is >= 1 - eps.
    n, eps = 4, 0.1
    d1 = 2 * math.ceil(
        2 * n * math.log(2 * n / eps)
    )  # floor(d1 / 2) units of each sign suffice
    rng, v, trials = np.random.default_rng(6), lu.alternating_signs(d1), 400
    complete = hits = 0
    for _ in range(trials):
        x, y = lu.uniform_cube_inputs(1, n, seed=rng), lu.random_labels(n, seed=rng)
        A = uniform_region_patterns(x, d1, seed=rng)
        c = is_complete(A[:, np.argsort(x[0])], v)
        h = region_has_global_minimum(x, y, A, v, method="cone")
        assert h or not c
        complete, hits = complete + c, hits + h
    p = complete_probability(n, d1)
    assert p >= 1 - eps
    assert abs(complete / trials - p) < 4 * math.sqrt(p * (1 - p) / trials)
    assert hits / trials >= 1 - eps


def test_uniform_regions_need_one_dimensional_input():
    with pytest.raises(ValueError, match="d0 = 1"):
        global_minimum_fraction(2, 4, 3, "random", 5, regions="uniform")
    with pytest.raises(ValueError, match="regions"):
        global_minimum_fraction(1, 4, 3, "random", 5, regions="gaussian")
