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
    _certification_shift,
    _cell_decisions,
    _cell_draws,
    _decide_full_rank,
    _structurally_deficient,
    d0_for_cell,
    full_rank_grid,
    full_rank_probability,
    gram_certifies_full_rank,
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
        return [None, None, None, np.diag([1.0, 1e-20]), np.diag([1.0, 10**-7.5])][t]

    grams = np.stack(
        [
            np.diag([1.0, 0.0]),
            np.diag([1.0, 1.0]),
            np.diag([1.0, 0.5]),
            np.diag([1.0, 1e-40]),
            np.diag([1.0, 1e-15]),
        ]
    )
    counts = np.stack([np.diag([1.0, 0.0]), np.ones((2, 2))] + [np.eye(2)] * 3)
    shifts = np.full(5, 1e-14)
    # dead point; two points with one activation column, more than k = 1 of them;
    # certified by Cholesky; SVD says deficient; SVD says full
    full, svd = _decide_full_rank(grams, explicit, counts, shifts, 1)
    np.testing.assert_array_equal(full, [False, False, True, False, True])
    np.testing.assert_array_equal(svd, [False, False, False, True, True])
    assert calls == [3, 4]
    # with k = 2 the two points of one pattern are no structural deficiency: Cholesky decides
    full, svd = _decide_full_rank(grams[1:2], explicit, counts[1:2], shifts[:1], 2)
    assert full[0] and not svd[0]


def independent_gram(W, b, v, X):
    """J J^T in extended precision (np.longdouble) from the explicit Jacobian."""
    J = lu.relu_jacobian(W, b, v, X).astype(np.longdouble)
    return J @ J.T


@pytest.mark.parametrize("d0,d1,n", [(1, 40, 20), (3, 30, 40), (60, 4, 50)])
def test_rounding_bound_holds_and_certificate_is_sound(d0, d1, n):
    rng = np.random.default_rng(d0)
    for _ in range(10):
        X = lu.gaussian_inputs(d0, n, seed=rng) * 10.0 ** rng.uniform(-2, 2)
        W, b, v = lu.init_two_layer(d0, d1, seed=rng, scheme="paper")
        G = jacobian_gram(W, b, v, X)
        A = lu.activation_pattern(W, b, X).astype(float)
        shift = _certification_shift(
            G[None],
            np.array([(A.T @ A).diagonal().max()]),
            np.array([(X**2).sum() + n]),
            d0 + 1,
            0,
        )[0]
        error = np.linalg.norm((G - independent_gram(W, b, v, X)).astype(float), 2)
        assert error <= shift / 2  # the shift covers the rounding errors of G ...
        if gram_certifies_full_rank(W, b, v, X):  # ... and a certificate is true
            s = np.linalg.svd(lu.relu_jacobian(W, b, v, X), compute_uv=False)
            assert s[n - 1] ** 2 >= 0.45 * shift
            assert lu.jacobian_rank(lu.relu_jacobian(W, b, v, X)) == n


def test_certificate_on_exactly_and_nearly_rank_deficient_jacobians():
    rng = np.random.default_rng(11)
    d0, d1, n = 2, 30, 12
    X = lu.gaussian_inputs(d0, n, seed=rng)
    W, b, v = lu.init_two_layer(d0, d1, seed=rng, scheme="paper")
    assert gram_certifies_full_rank(W, b, v, X) and jacobian_has_full_rank(W, b, v, X)
    # exactly deficient: a repeated data point (two equal rows of J, not a structural case)
    X_repeated = X.copy()
    X_repeated[:, 1] = X_repeated[:, 0]
    assert not gram_certifies_full_rank(W, b, v, X_repeated)
    assert not jacobian_has_full_rank(W, b, v, X_repeated)
    assert lu.jacobian_rank(lu.relu_jacobian(W, b, v, X_repeated)) < n
    # nearly deficient: two points 1e-9 apart; the SVD sees full rank, the Gram matrix cannot
    # certify it (sigma_min^2 is below its rounding level) and leaves it to the SVD
    X_near = X.copy()
    X_near[:, 1] = X_near[:, 0] + 1e-9 * np.array([1.0, -0.5])
    J_near = lu.relu_jacobian(W, b, v, X_near)
    s = np.linalg.svd(J_near, compute_uv=False)
    assert 1e-12 < s[-1] / s[0] < 1e-8 and lu.jacobian_rank(J_near) == n
    assert not gram_certifies_full_rank(W, b, v, X_near)
    assert jacobian_has_full_rank(W, b, v, X_near)
    # structurally deficient: d0 + 2 = 4 points with the same activation column (a tiny
    # cluster), and a point on which no unit is active
    X_cluster = X.copy()
    X_cluster[:, 1:4] = X_cluster[:, [0]] + 1e-3 * rng.standard_normal((d0, 3))
    A = lu.activation_pattern(W, b, X_cluster)
    assert all(np.array_equal(A[:, 0], A[:, j]) for j in (1, 2, 3))
    counts = (A.T @ A).astype(float)
    assert _structurally_deficient(counts[None], d0 + 1)[0]
    assert not _structurally_deficient(counts[None], d0 + 2)[0]
    assert not jacobian_has_full_rank(W, b, v, X_cluster)
    assert lu.jacobian_rank(lu.relu_jacobian(W, b, v, X_cluster)) < n
    W_dead = W.copy()
    W_dead[:, 0] = 0.0
    b_dead = -np.ones(d1)  # every pre-activation of a point with x_2 = 0 is -1
    X_dead = X.copy()
    X_dead[1, 5] = 0.0
    assert lu.activation_pattern(W_dead, b_dead, X_dead)[:, 5].sum() == 0
    assert not jacobian_has_full_rank(W_dead, b_dead, v, X_dead)
    # units with v = 0 do not count as active
    v_zero = v.copy()
    v_zero[lu.activation_pattern(W, b, X)[:, 0].astype(bool)] = 0.0
    assert not jacobian_has_full_rank(W, b, v_zero, X)
    assert lu.jacobian_rank(lu.relu_jacobian(W, b, v_zero, X)) < n


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


def test_cell_draws_are_those_of_init_two_layer():
    X, W, b, v = _cell_draws(3, 7, 11, 5, 9)
    for t, child in enumerate(np.random.SeedSequence([9, 3, 7, 11]).spawn(5)):
        rng = np.random.default_rng(child)
        np.testing.assert_array_equal(X[t], lu.gaussian_inputs(3, 11, seed=rng))
        W_t, b_t, v_t = lu.init_two_layer(3, 7, seed=rng, scheme="paper")
        np.testing.assert_array_equal(W[t], W_t)
        np.testing.assert_array_equal(b[t], b_t)
        np.testing.assert_array_equal(v, v_t)


@pytest.mark.parametrize(
    "d0,d1,n", [(1, 160, 40), (2, 120, 100), (1, 90, 60), (48, 10, 190), (3, 12, 40)]
)
def test_cell_decisions_equal_the_svd_rank_trial_by_trial(d0, d1, n):
    full, svd = _cell_decisions(d0, d1, n, 40, 3)
    X, W, b, v = _cell_draws(d0, d1, n, 40, 3)
    expected = [
        np.linalg.matrix_rank(lu.relu_jacobian(W[t], b[t], v, X[t])) == n
        for t in range(40)
    ]
    np.testing.assert_array_equal(full, expected)
    assert svd.sum() <= 2  # the certificates decide almost every trial


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
        lambda: gram_certifies_full_rank(
            np.ones((3, 2)), np.ones(3), np.ones(2), np.ones((2, 4))
        ),
        lambda: gram_certifies_full_rank(
            np.ones((3, 2)), np.ones(3), np.ones(3), np.full((2, 4), np.nan)
        ),
        lambda: jacobian_has_full_rank(
            np.ones((3, 2)), np.ones(3), np.ones(3), np.ones((3, 4))
        ),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()
