"""Singular 0/1 matrices and full-rank Jacobians against independent ground truth.

Ground truth here: a brute-force integer determinant (Laplace expansion in Python integers) over
every 0/1 matrix of a given size, published counts of singular 0/1 matrices, the explicit Jacobian
and its SVD rank, and a slow trial-by-trial loop built from the basic functions of the library.
"""

from fractions import Fraction
from itertools import product

import numpy as np
import pytest

import lecture_utils as lu
from lecture_utils.full_rank import (
    GRAM_RTOL,
    _decide_full_rank,
    d0_for_cell,
    full_rank_grid,
    full_rank_probability,
    gram_eigenvalue_ratios,
    gram_has_full_rank,
    is_singular_01,
    jacobian_gram,
    jacobian_has_full_rank,
    singular_probability_exact,
    singular_probability_mc,
)


def laplace_det(rows):
    """Determinant of a square matrix of Python integers by cofactor expansion along the first row."""
    if len(rows) == 1:
        return rows[0][0]
    total = 0
    for col, entry in enumerate(rows[0]):
        if entry:
            minor = [row[:col] + row[col + 1 :] for row in rows[1:]]
            total += (-1) ** col * entry * laplace_det(minor)
    return total


def bareiss_det(rows):
    """Determinant of a square matrix of Python integers by fraction-free (Bareiss) elimination."""
    M = [list(row) for row in rows]
    d, sign, previous = len(M), 1, 1
    for k in range(d - 1):
        if M[k][k] == 0:
            swap = next((i for i in range(k + 1, d) if M[i][k] != 0), None)
            if swap is None:
                return 0
            M[k], M[swap], sign = M[swap], M[k], -sign
        for i in range(k + 1, d):
            for j in range(k + 1, d):
                M[i][j] = (M[i][j] * M[k][k] - M[i][k] * M[k][j]) // previous
        previous = M[k][k]
    return sign * M[d - 1][d - 1]


def brute_force_singular_fraction(d):
    entries = [list(bits) for bits in product((0, 1), repeat=d * d)]
    singular = sum(
        laplace_det([e[i * d : (i + 1) * d] for i in range(d)]) == 0 for e in entries
    )
    return Fraction(singular, 2 ** (d * d))


# --- random 0/1 matrices -----------------------------------------------------------------------


def test_singular_probability_exact_known_small_values():
    assert singular_probability_exact(1) == Fraction(1, 2)
    assert singular_probability_exact(2) == Fraction(10, 16)
    assert singular_probability_exact(3) == Fraction(338, 512)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_singular_probability_exact_equals_brute_force(d):
    exact = singular_probability_exact(d)
    assert isinstance(exact, Fraction)
    assert exact == brute_force_singular_fraction(d)


def test_singular_probability_exact_d5_matches_published_count():
    # Number of singular 5 x 5 (0,1)-matrices: 21040112 (OEIS A046747; 42976 for d = 4).
    assert singular_probability_exact(5) == Fraction(21040112, 2**25)
    assert singular_probability_exact(4) == Fraction(42976, 2**16)


def test_is_singular_01_against_integer_determinants():
    rng = np.random.default_rng(0)
    for d in (2, 3, 5, 8, 12):
        M = rng.integers(0, 2, size=(300, d, d))
        M[::3, 0] = M[::3, 1]  # duplicate rows: singular
        M[1::7, :, -1] = M[1::7, :, 0] * (
            1 - M[1::7, :, 1]
        )  # a column made of two others: often singular
        expected = np.array([bareiss_det(m.tolist()) == 0 for m in M])
        np.testing.assert_array_equal(
            [laplace_det(m.tolist()) == 0 for m in M[:20]] if d <= 5 else expected[:20],
            expected[:20],
        )
        got = is_singular_01(M)
        np.testing.assert_array_equal(got, expected)
        assert got[::3].all() and not got.all()
        assert is_singular_01(M[5]) == bool(got[5])  # a single matrix gives a bool


def test_is_singular_01_is_not_fooled_by_a_determinant_divisible_by_the_first_prime():
    # det = 2147483647 (the first prime used): singular modulo it, but nonsingular over the rationals.
    assert is_singular_01(np.array([[2147483647, 0], [0, 1]])) is False
    assert is_singular_01(np.array([[2147483647, 0], [0, 0]])) is True


def test_singular_probability_mc_agrees_with_exact_values():
    for d in (3, 4):
        p = float(singular_probability_exact(d))
        trials = 20000
        estimate = singular_probability_mc(d, trials, seed=d)
        assert abs(estimate - p) < 5 * np.sqrt(p * (1 - p) / trials)
    assert singular_probability_mc(6, 500, seed=1) == singular_probability_mc(
        6, 500, seed=1
    )


def test_singular_probability_mc_is_small_for_large_d():
    # A zero row or column, or two equal rows or columns, already has probability about d^2 2^-d.
    assert singular_probability_mc(25, 2000, seed=0) < 0.01


# --- the Jacobian through its Gram matrix ------------------------------------------------------


@pytest.mark.parametrize("d0,d1,n", [(1, 4, 6), (2, 5, 9), (3, 7, 12), (6, 2, 10)])
def test_jacobian_gram_is_J_J_transpose(d0, d1, n):
    X = lu.gaussian_inputs(d0, n, seed=1)
    W, b, _ = lu.init_two_layer(d0, d1, seed=2)
    v = np.linspace(-2.0, 1.5, d1) + 0.1  # nonzero, not only +-1
    J = lu.relu_jacobian(W, b, v, X)
    np.testing.assert_allclose(
        jacobian_gram(W, b, v, X), J @ J.T, rtol=1e-12, atol=1e-12
    )
    J_no_bias = lu.relu_jacobian(W, None, v, X)
    np.testing.assert_allclose(
        jacobian_gram(W, None, v, X), J_no_bias @ J_no_bias.T, rtol=1e-12, atol=1e-12
    )


def test_gram_rank_equals_svd_rank_of_the_explicit_jacobian():
    rng = np.random.default_rng(3)
    outcomes = []
    for _ in range(300):
        d0, n = int(rng.integers(1, 7)), int(rng.integers(2, 40))
        d1 = int(
            rng.integers(1, 2 * n // (d0 + 1) + 3)
        )  # often too narrow: rank deficient
        X = lu.gaussian_inputs(d0, n, seed=rng)
        if rng.random() < 0.15:
            X[:, 1] = X[:, 0]  # a repeated point: two equal rows of J
        W, b, v = lu.init_two_layer(d0, d1, seed=rng, scheme="paper")
        full_svd = lu.jacobian_rank(lu.relu_jacobian(W, b, v, X)) == n
        assert jacobian_has_full_rank(W, b, v, X) == full_svd, (d0, d1, n)
        no_bias_svd = lu.jacobian_rank(lu.relu_jacobian(W, None, v, X)) == n
        assert jacobian_has_full_rank(W, None, v, X) == no_bias_svd, (d0, d1, n)
        assert (
            gram_has_full_rank(jacobian_gram(W, b, v, X)) <= full_svd
        )  # the fast test never errs on "full"
        outcomes.append(full_svd)
    assert 0.2 < np.mean(outcomes) < 0.8  # both cases were exercised


def test_gram_has_full_rank_by_hand():
    assert gram_has_full_rank(np.eye(3))
    assert not gram_has_full_rank(np.diag([1.0, 1.0, 0.0]))
    assert not gram_has_full_rank(np.zeros((2, 2)))
    assert not gram_has_full_rank(
        np.diag([1.0, 1e-12])
    )  # below 1e-10 times the mean eigenvalue
    assert gram_has_full_rank(np.diag([1.0, 1e-9]))


def test_decision_rule_steps():
    calls = []

    def explicit(t):
        calls.append(t)
        return [np.eye(2), None, np.diag([1.0, 1e-20]), np.diag([1.0, 10**-7.5])][t]

    grams = np.stack(
        [
            np.diag([1.0, 0.0]),
            np.diag([1.0, 0.5]),
            np.diag([1.0, 1e-40]),
            np.diag([1.0, 1e-15]),
        ]
    )
    # dead point (zero diagonal entry); certified by Cholesky; SVD says deficient; SVD says full
    np.testing.assert_array_equal(
        _decide_full_rank(grams, explicit), [False, True, False, True]
    )
    assert calls == [2, 3]


# --- Figures 2 and 3 ---------------------------------------------------------------------------


def slow_full_rank_probability(d0, d1, n, trials, seed):
    """The experiment written out trial by trial: explicit Jacobian, SVD rank."""
    full = 0
    for child in np.random.SeedSequence([seed, d0, d1, n]).spawn(trials):
        rng = np.random.default_rng(child)
        X = lu.gaussian_inputs(d0, n, seed=rng)
        W, b, v = lu.init_two_layer(d0, d1, seed=rng, scheme="paper")
        full += lu.jacobian_rank(lu.relu_jacobian(W, b, v, X)) == n
    return full / trials


@pytest.mark.parametrize(
    "d0,d1,n",
    [
        (1, 30, 20),
        (2, 10, 25),
        (3, 8, 30),
        (5, 5, 30),
        (13, 6, 50),
        (40, 7, 40),
        (2, 60, 60),
        (1, 3, 7),
    ],
)
def test_full_rank_probability_equals_slow_loop(d0, d1, n):
    assert full_rank_probability(
        d0, d1, n, trials=60, seed=5
    ) == slow_full_rank_probability(d0, d1, n, 60, 5)


def test_full_rank_probability_extremes():
    assert (
        full_rank_probability(2, 3, 10, trials=10) == 0.0
    )  # 3 * 3 = 9 < 10 parameters
    assert full_rank_probability(5, 60, 10, trials=50) == 1.0
    assert full_rank_probability(3, 8, 30, seed=2) == full_rank_probability(
        3, 8, 30, seed=2
    )


def test_gram_eigenvalue_ratios_use_the_same_trials():
    ratios = gram_eigenvalue_ratios(3, 8, 30, trials=80, seed=4)
    assert ratios.shape == (80,)
    certified = int(np.sum(ratios > GRAM_RTOL))
    full = round(80 * full_rank_probability(3, 8, 30, trials=80, seed=4))
    assert (
        certified
        <= full
        <= certified + np.sum((ratios > 1e-17) & (ratios <= GRAM_RTOL))
    )


def test_full_rank_grid_cells_and_ratio_rule():
    grid = full_rank_grid(2, [10, 20], [4, 8, 12], trials=20, seed=1)
    assert grid.shape == (3, 2)
    assert grid[1, 1] == full_rank_probability(2, 8, 20, trials=20, seed=1)
    ratio_grid = full_rank_grid(0.25, [10, 30], [2, 5], trials=20, seed=1)
    assert ratio_grid[1, 0] == full_rank_probability(
        3, 5, 10, trials=20, seed=1
    )  # ceil(2.5) = 3
    assert ratio_grid[0, 1] == full_rank_probability(
        8, 2, 30, trials=20, seed=1
    )  # ceil(7.5) = 8
    assert [d0_for_cell(r, 10) for r in (0.25, 0.5, 1.0, 2.0)] == [3, 5, 10, 20]
    assert d0_for_cell(3, 50) == 3 and d0_for_cell(lambda n: n // 2, 50) == 25
    np.testing.assert_array_equal(
        full_rank_grid(0.25, [10, 30], [2, 5], trials=20, seed=1, n_jobs=2), ratio_grid
    )


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: singular_probability_exact(0),
        lambda: singular_probability_exact(6),
        lambda: singular_probability_exact(2.0),
        lambda: singular_probability_exact(True),
        lambda: singular_probability_mc(0, 10),
        lambda: singular_probability_mc(3, 0),
        lambda: singular_probability_mc(3, 10, seed=-1),
        lambda: is_singular_01(np.ones((2, 3), dtype=int)),
        lambda: is_singular_01(np.full((2, 2), 0.5)),
        lambda: full_rank_probability(0, 3, 5),
        lambda: full_rank_probability(2, 3, 5, trials=1.5),
        lambda: full_rank_probability(2, 3, 5, seed=-2),
        lambda: gram_has_full_rank(np.eye(2), rtol=0.0),
        lambda: full_rank_grid(True, [10], [3]),
        lambda: full_rank_grid(-0.5, [10], [3]),
        lambda: full_rank_grid(2, [], [3]),
        lambda: full_rank_grid(2, [10, 0], [3]),
        lambda: full_rank_grid(2, [10], [3], n_jobs=0),
        lambda: jacobian_gram(np.ones((3, 2)), np.ones(3), np.ones(3), np.ones((3, 4))),
        lambda: jacobian_gram(np.ones((3, 2)), np.ones(2), np.ones(3), np.ones((2, 4))),
        lambda: gram_has_full_rank(np.ones((2, 3))),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()
