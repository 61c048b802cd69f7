"""Singular 0/1 matrices and full-rank Jacobians against independent ground truth.

Ground truth here: a brute-force integer determinant (Laplace expansion in Python integers) over
every 0/1 matrix of a given size, published counts of singular 0/1 matrices, the explicit Jacobian
and its SVD rank (trial by trial on a cell's own draws, completed to explicit data), the plain
per-trial procedure of the paper (fresh data and parameters, SVD rank) for the distribution of a
cell's estimate, the documented random scheme reproduced with NumPy's generators, statistical tests
that the completed data are standard Gaussian, and, for the rule that the activation pattern
decides the rank, every 0/1 pattern of small sizes against the SVD rank of the Khatri-Rao rows
``a_j (x) (x_j, 1)`` and a plain count of equal columns.
"""

from collections import Counter
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from scipy.linalg import khatri_rao

import lecture_utils as lu
from lecture_utils.full_rank import (
    GRAM_RTOL,
    _bareiss_determinants,
    _cell_decisions,
    _cell_draws,
    _cell_inputs,
    _certification_shift,
    _dealt_groups_independent,
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
    pattern_decides_rank,
    pattern_full_rank,
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
    svd_answers = {5: np.diag([1.0, 1e-20]), 6: np.diag([1.0, 10**-7.5])}

    def explicit(t):
        calls.append(t)
        return svd_answers[t]

    singular = np.ones((2, 2))  # two equal rows of J: rank 1
    grams = np.stack(
        [
            np.diag([1.0, 0.0]),
            np.eye(2),
            singular,
            np.diag([1.0, 0.5]),
            np.eye(2),
            np.diag([1.0, 1e-40]),
            np.diag([1.0, 1e-15]),
        ]
    )
    dead = np.diag([1.0, 0.0])
    counts = np.stack(
        [dead, dead, np.ones((2, 2)), np.eye(2), np.ones((2, 2))] + [np.eye(2)] * 2
    )
    shifts = np.full(7, 1e-14)
    # 0: dead point. 1: dead point, decided before the Cholesky factorisation (which would
    # succeed). 2: singular and two points with one activation column, more than k = 1 of
    # them: structurally deficient. 3: certified. 4: certified, so the counts (which would say
    # deficient) are never looked at. 5: uncertified, the SVD says deficient. 6: uncertified,
    # the SVD says full.
    full, svd = _decide_full_rank(grams.copy(), explicit, counts, shifts, 1)
    np.testing.assert_array_equal(full, [False, False, False, True, True, False, True])
    np.testing.assert_array_equal(svd, [False] * 5 + [True, True])
    assert calls == [5, 6]
    # with k = 2 the two points of one activation column are no structural deficiency:
    # the certificate fails on the singular Gram matrix and the SVD decides
    calls.clear()
    svd_answers[0] = singular
    full, svd = _decide_full_rank(
        grams[2:3].copy(), explicit, counts[2:3], shifts[:1], 2
    )
    assert not full[0] and svd[0] and calls == [0]
    svd_answers[0] = np.eye(2)  # what the SVD says is the answer
    full, svd = _decide_full_rank(
        grams[2:3].copy(), explicit, counts[2:3], shifts[:1], 2
    )
    assert full[0] and svd[0]


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
    """The cell's own draws, written out trial by trial: explicit data, Jacobian, SVD rank."""
    W, b, v, X = _cell_inputs(d0, d1, n, trials, seed)
    ranks = [
        lu.jacobian_rank(lu.relu_jacobian(W[t], b[t], v, X[t])) for t in range(trials)
    ]
    return np.mean(np.array(ranks) == n)


def plain_full_rank_count(d0, d1, n, trials, seed):
    """The plain procedure of the paper: a fresh generator per trial, data, parameters, SVD rank."""
    full = 0
    for child in np.random.SeedSequence([seed, d0, d1, n, 7]).spawn(trials):
        rng = np.random.default_rng(child)
        X = lu.gaussian_inputs(d0, n, seed=rng)
        W, b, v = lu.init_two_layer(d0, d1, seed=rng, scheme="paper")
        full += lu.jacobian_rank(lu.relu_jacobian(W, b, v, X)) == n
    return int(full)


# Gram cells (2 (d0 + 1) < n) that draw X; Gram cells that draw W X through Z (d1 < d0 and
# groups of at most min(d1, 4) points per input coordinate), some of whose trials are decided
# from completed data; pattern cells (2 (d0 + 1) >= n) that draw Z (d1 < d0) or X. In
# (5, 3, 10), (4, 3, 10), (2, 4, 6) and (3, 3, 8) some trials are decided by a repeated column.
FIGURE_CELLS = [
    (1, 30, 20),
    (2, 10, 25),
    (3, 8, 30),
    (5, 5, 30),
    (13, 6, 50),
    (2, 60, 60),
    (1, 3, 7),
    (10, 2, 30),
    (10, 5, 30),
    (5, 4, 18),
    (4, 3, 15),
    (6, 3, 20),
    (10, 3, 20),
    (12, 3, 24),
    (5, 3, 10),
    (4, 3, 10),
    (40, 7, 40),
    (95, 5, 190),
    (2, 4, 6),
    (3, 3, 8),
]


@pytest.mark.parametrize("d0,d1,n", FIGURE_CELLS)
def test_full_rank_probability_equals_slow_loop(d0, d1, n):
    assert full_rank_probability(
        d0, d1, n, trials=60, seed=5
    ) == slow_full_rank_probability(d0, d1, n, 60, 5)


@pytest.mark.parametrize(
    "d0,d1,n,draws",
    [
        (3, 7, 11, "X"),  # d1 >= d0
        (3, 8, 8, "X"),
        (3, 3, 8, "X"),
        (10, 2, 30, "X"),  # 3 points per input coordinate, more than d1 = 2
        (5, 3, 10, "Z"),  # 2 (d0 + 1) >= n and d1 < d0
        (95, 5, 190, "Z"),
        (10, 5, 30, "Z"),  # 3 points per input coordinate, at most min(d1, 4)
        (12, 7, 65, "X"),  # 5 points per input coordinate, more than 4
    ],
)
def test_cell_draws_follow_the_documented_scheme(d0, d1, n, draws):
    trials, seed = 6, 9
    rng = np.random.default_rng(np.random.SeedSequence([seed, d0, d1, n]).spawn(2)[0])
    bound = 1.0 / np.sqrt(d0)
    W_expected = rng.uniform(-bound, bound, size=(trials, d1, d0))
    b_expected = rng.uniform(-bound, bound, size=(trials, d1))
    normals = rng.standard_normal((trials, d1 if draws == "Z" else d0, n))
    W, b, v, X, Z = _cell_draws(d0, d1, n, trials, seed)
    np.testing.assert_array_equal(W, W_expected)
    np.testing.assert_array_equal(b, b_expected)
    np.testing.assert_array_equal(v, lu.init_two_layer(d0, d1, seed=0)[2])
    np.testing.assert_array_equal(v[:3], [1.0, -1.0, 1.0][:d1])
    if draws == "Z":
        assert X is None
        np.testing.assert_array_equal(Z, normals)
    else:
        assert Z is None
        np.testing.assert_array_equal(X, normals)
        # nothing to complete: the explicit data are the drawn ones
        np.testing.assert_array_equal(_cell_inputs(d0, d1, n, trials, seed)[3], X)
    # the scheme is "paper" (bound 1/sqrt(d0)), and a cell depends on its own four numbers only
    assert np.abs(W).max() <= bound and np.abs(W).max() > 0.8 * bound
    assert not np.array_equal(_cell_draws(d0, d1, n, trials, seed + 1)[0], W)


@pytest.mark.parametrize(
    "d0,d1,n", [(5, 3, 10), (10, 3, 20), (40, 7, 40), (95, 5, 190), (10, 5, 30)]
)
def test_cell_inputs_complete_the_preactivations_to_explicit_data(d0, d1, n):
    # Z stands for Q^T X, where Q (orthonormal, d0 x d1) spans the rows of W and W^T = Q L^T,
    # L L^T = W W^T the Cholesky factorisation: W X = L Z. Across the rows of W, X is G from
    # the seed sequence (1, t) of trial t, i.e. child t of the cell's second child.
    trials, seed = 20, 4
    W0, b0, _, X0, Z = _cell_draws(d0, d1, n, trials, seed)
    W, b, _, X = _cell_inputs(d0, d1, n, trials, seed)
    assert X0 is None and X.shape == (trials, d0, n)
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(b, b0)
    rest = np.random.SeedSequence([seed, d0, d1, n]).spawn(2)[1].spawn(trials)
    full, _ = _cell_decisions(d0, d1, n, trials, seed)
    for t in range(trials):
        L = np.linalg.cholesky(W[t] @ W[t].T)
        Q = np.linalg.solve(L, W[t]).T
        np.testing.assert_allclose(Q.T @ Q, np.eye(d1), rtol=0, atol=1e-12)
        np.testing.assert_allclose(W[t] @ X[t], L @ Z[t], rtol=0, atol=1e-12)
        np.testing.assert_allclose(Q.T @ X[t], Z[t], rtol=0, atol=1e-12)
        G = np.random.default_rng(rest[t]).standard_normal((d0, n))
        P = np.eye(d0) - Q @ Q.T
        np.testing.assert_allclose(P @ X[t], P @ G, rtol=0, atol=1e-12)
        # the explicit data have the pattern the cell decides from
        A = lu.activation_pattern(W[t], b[t], X[t])
        np.testing.assert_array_equal(A, L @ Z[t] + b[t][:, None] > 0)
        if pattern_decides_rank(d0, n):
            assert full[t] == pattern_full_rank(A, d0 + 1)


def test_completed_inputs_are_standard_gaussian():
    # Thresholds are 5 standard errors; dropping Q Z gives variance 0.7, doubling it 1.9.
    from scipy import stats

    d0, d1, n, trials = 10, 3, 20, 2000
    assert _cell_draws(d0, d1, n, 1, 2)[3] is None  # the cell draws Z, not X
    W, _, _, X = _cell_inputs(d0, d1, n, trials, 2)
    entries = X.ravel()
    N = entries.size
    assert abs(entries.mean()) < 5 / np.sqrt(N)
    assert abs(entries.var() - 1.0) < 5 * np.sqrt(2.0 / N)
    assert stats.kstest(entries, "norm").pvalue > 1e-6
    points = np.swapaxes(X, 1, 2).reshape(-1, d0)  # every data point, a vector of R^d0
    M = len(points)
    covariance = points.T @ points / M
    standard_error = np.where(
        np.eye(d0, dtype=bool), np.sqrt(2.0 / M), np.sqrt(1.0 / M)
    )
    assert np.all(np.abs(covariance - np.eye(d0)) < 5 * standard_error)
    # in the frame of the weights: d1 standard normals along the rows of W, d0 - d1 across,
    # whatever W is
    Q = np.linalg.qr(np.swapaxes(W, 1, 2))[0]
    along = (np.matmul(np.swapaxes(Q, 1, 2), X) ** 2).sum(axis=1).ravel()
    across = (X**2).sum(axis=1).ravel() - along
    assert abs(along.mean() - d1) < 5 * np.sqrt(2.0 * d1 / M)
    assert abs(across.mean() - (d0 - d1)) < 5 * np.sqrt(2.0 * (d0 - d1) / M)
    first_row = W[:, 0, :] / np.linalg.norm(W[:, 0, :], axis=1, keepdims=True)
    projection = np.einsum("ti,tin->tn", first_row, X).ravel()
    assert abs(projection.mean()) < 5 / np.sqrt(M)
    assert abs(projection.var() - 1.0) < 5 * np.sqrt(2.0 / M)
    assert stats.kstest(projection, "norm").pvalue > 1e-6


@pytest.mark.parametrize(
    "d0,d1,n",
    [
        (2, 15, 25),  # Gram cells
        (3, 10, 30),
        (1, 25, 12),
        (10, 5, 30),  # Gram cells that draw W X through Z
        (5, 4, 18),
        (5, 3, 10),  # pattern cells that draw W X through Z
        (4, 3, 10),
        (40, 7, 40),
        (2, 4, 6),  # pattern cells that draw X
        (3, 3, 8),
    ],
)
def test_full_rank_probability_has_the_distribution_of_the_plain_procedure(d0, d1, n):
    trials = 1500
    fast = round(trials * full_rank_probability(d0, d1, n, trials=trials, seed=3))
    plain = plain_full_rank_count(d0, d1, n, trials, 3)
    pooled = (fast + plain) / (2 * trials)
    assert 0.15 < pooled < 0.85  # a cell where the test has power
    standard_error = np.sqrt(pooled * (1 - pooled) * 2 / trials)
    assert abs(fast - plain) / trials < 4.5 * standard_error


@pytest.mark.parametrize(
    "d0,d1,n,trials",
    [
        (1, 160, 40, 40),
        (2, 120, 100, 40),
        (1, 90, 60, 40),
        (48, 10, 190, 40),
        (3, 12, 40, 40),
        (10, 5, 30, 100),  # Gram cells that draw Z
        (5, 4, 18, 200),
        (4, 3, 15, 200),
        (5, 3, 10, 40),  # pattern cells
        (4, 3, 10, 40),
        (2, 4, 6, 40),
        (40, 7, 40, 40),
        (95, 5, 190, 40),
    ],
)
def test_cell_decisions_equal_the_svd_rank_trial_by_trial(d0, d1, n, trials):
    full, svd = _cell_decisions(d0, d1, n, trials, 3)
    W, b, v, X = _cell_inputs(d0, d1, n, trials, 3)
    expected = [
        np.linalg.matrix_rank(lu.relu_jacobian(W[t], b[t], v, X[t])) == n
        for t in range(trials)
    ]
    np.testing.assert_array_equal(full, expected)
    assert svd.sum() <= max(
        2, 0.05 * trials
    )  # the certificates decide almost every trial
    if pattern_decides_rank(d0, n):
        assert not svd.any()  # the pattern decides every trial
    if (d0, d1, n) == (4, 3, 15):  # some trials were left to the completed data
        assert svd.any()


@pytest.mark.parametrize("d0,d1,n", [(4, 3, 10), (2, 4, 6), (3, 3, 8)])
def test_repeated_activation_columns_decide_some_trials(d0, d1, n):
    # Trials with no dead data point whose Jacobian is still deficient: each has a column of
    # the activation pattern shared by more than d0 + 1 points, and the cell says deficient.
    trials = 200
    W, b, v, X = _cell_inputs(d0, d1, n, trials, 1)
    full, _ = _cell_decisions(d0, d1, n, trials, 1)
    found = 0
    for t in range(trials):
        A = lu.activation_pattern(W[t], b[t], X[t])
        if not A.any(axis=0).all():
            continue
        if lu.jacobian_rank(lu.relu_jacobian(W[t], b[t], v, X[t])) < n:
            found += 1
            assert max(Counter(map(tuple, A.T)).values()) > d0 + 1
            assert not full[t]
    assert found >= 5


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


# --- the activation pattern decides the rank when 2 (d0 + 1) >= n ------------------------------


def all_patterns(d1, n):
    """Every 0/1 matrix of shape ``(d1, n)``, shape ``(2**(d1 n), d1, n)``."""
    codes = np.arange(2 ** (d1 * n))
    return ((codes[:, None] >> np.arange(d1 * n)) & 1).reshape(-1, d1, n)


def khatri_rao_full_rank(A, Xt):
    """Whether the rows ``a_j (x) xt_j`` have rank ``n``, for a stack of patterns (SVD rank).

    Asserts that the rank is clear: the ``n``-th singular value is either at rounding level or
    far above it.
    """
    J = np.swapaxes(khatri_rao(A, Xt), 1, 2)  # (T, n, d1 k), row j = kron(a_j, xt_j)
    n = A.shape[-1]
    if J.shape[-1] < n:
        return np.zeros(len(A), dtype=bool)
    s = np.linalg.svd(J, compute_uv=False)
    ratio = s[:, n - 1] / np.maximum(s[:, 0], 1e-300)
    assert np.all((ratio < 1e-12) | (ratio > 1e-6))
    return ratio > 1e-6


@pytest.mark.parametrize(
    "d1,n,k",
    [
        (1, 2, 2),
        (2, 3, 3),
        (2, 4, 2),
        (3, 4, 2),
        (2, 5, 3),
        (3, 5, 3),
        (2, 6, 3),
        (4, 4, 2),
    ],
)
def test_pattern_full_rank_equals_the_rank_for_every_pattern(d1, n, k):
    A = all_patterns(d1, n)
    rng = np.random.default_rng(10 * d1 + n)
    gaussian = rng.standard_normal((k, n))
    with_ones = np.vstack(
        [rng.standard_normal((k - 1, n)), np.ones((1, n))]
    )  # (x_j, 1)
    expected = khatri_rao_full_rank(A, gaussian)
    np.testing.assert_array_equal(khatri_rao_full_rank(A, with_ones), expected)
    got = pattern_full_rank(A, k)
    np.testing.assert_array_equal(got, expected)
    assert got.any() and not got.all()
    no_zero_column = A.any(axis=1).all(axis=1)
    if (
        k < n and d1 > 1
    ):  # some patterns without a dead point are deficient: repeated columns
        assert (no_zero_column & ~expected).any()
    else:
        np.testing.assert_array_equal(expected, no_zero_column)


def test_pattern_full_rank_on_a_stack_equals_one_at_a_time():
    rng = np.random.default_rng(2)
    A = (rng.random((60, 3, 8)) < 0.6).astype(int)
    A[::7, :, 1:6] = A[::7, :, :1]  # six equal columns: more than k = 4 of them
    got = pattern_full_rank(A, 4)
    assert isinstance(got, np.ndarray) and got.dtype == bool and got.shape == (60,)
    single = [pattern_full_rank(a, 4) for a in A]
    assert all(isinstance(s, bool) for s in single)
    np.testing.assert_array_equal(got, single)
    np.testing.assert_array_equal(pattern_full_rank(A.astype(bool), 4), got)
    np.testing.assert_array_equal(pattern_full_rank(A.astype(float), 4), got)
    assert got.any() and not got.all() and not got[::7].any()


@pytest.mark.parametrize("d1", [40, 62, 63, 70, 130])
def test_pattern_full_rank_with_many_units_against_counting_equal_columns(d1):
    # Columns from a small pool, two of which differ only in the last unit (beyond 64 bits for
    # d1 > 64) and two only in the first: a comparison of truncated columns would see repeats.
    rng = np.random.default_rng(d1)
    n, k, trials = 12, 6, 80
    base = rng.integers(0, 2, size=d1)
    last, first = base.copy(), base.copy()
    last[-1] ^= 1
    first[0] ^= 1
    pool = np.stack(
        [base, last, first, np.zeros(d1, dtype=int), rng.integers(0, 2, d1)]
    )
    A = np.empty((trials, d1, n), dtype=int)
    for t in range(trials):
        weights = rng.dirichlet(np.ones(len(pool)) * 0.7)
        weights[3] *= 0.2  # a zero column now and then
        A[t] = pool[rng.choice(len(pool), size=n, p=weights / weights.sum())].T
    A[0] = pool[
        [0, 1] * 6
    ].T  # six copies each of two columns differing in the last unit
    A[1] = pool[[0, 2] * 6].T  # ... in the first unit
    A[2] = pool[[0] * 7 + [1] * 5].T  # seven equal columns
    expected = [
        a.any(axis=0).all() and max(Counter(map(tuple, a.T)).values()) <= k for a in A
    ]
    got = pattern_full_rank(A, k)
    np.testing.assert_array_equal(got, expected)
    assert got[0] and got[1] and not got[2]
    assert 10 < got.sum() < trials - 10
    # zero units change neither the zero columns nor the repeated ones
    padded = np.concatenate([A, np.zeros((trials, 70, n), dtype=int)], axis=1)
    np.testing.assert_array_equal(pattern_full_rank(padded, k), got)


def dealt_groups_independent_by_hand(A, k):
    """The documented certificate, one pattern at a time: sort the columns (as the integers whose
    bit i is unit i), deal them out in turn to k groups, and ask each group for full column rank."""
    d1, n = A.shape
    codes = (A * (1 << np.arange(d1))[:, None]).sum(axis=0)
    columns = A[:, np.argsort(codes, kind="stable")]
    return all(
        np.linalg.matrix_rank(columns[:, group::k]) == len(range(group, n, k))
        for group in range(min(k, n))
    )


@pytest.mark.parametrize(
    "d1,n,k", [(3, 3, 1), (3, 5, 2), (3, 4, 2), (2, 4, 2), (3, 5, 3)]
)
def test_dealt_groups_certificate_for_every_pattern(d1, n, k):
    # Sound: where it holds, the Khatri-Rao rows a_j (x) xt_j have rank n for generic data.
    A = all_patterns(d1, n)
    rng = np.random.default_rng(d1 + 10 * n)
    Xt = np.vstack([rng.standard_normal((k - 1, n)), np.ones((1, n))])
    full = khatri_rao_full_rank(A, Xt)
    certified = _dealt_groups_independent(A.astype(bool), k)
    assert certified.dtype == bool and certified.shape == (len(A),)
    assert np.all(full[certified])
    assert certified.any()
    sample = np.random.default_rng(0).choice(
        len(A), size=min(len(A), 300), replace=False
    )
    np.testing.assert_array_equal(
        certified[sample], [dealt_groups_independent_by_hand(A[i], k) for i in sample]
    )
    if 2 * k >= n:  # groups of at most two columns: the pattern rule itself
        np.testing.assert_array_equal(certified, pattern_full_rank(A, k))
    elif (
        k == 1
    ):  # one group: J has the rows a_j (x_j, 1) with x_j of length 0, i.e. A^T
        np.testing.assert_array_equal(certified, full)
    else:  # a certificate only: it misses some full-rank patterns
        assert (full & ~certified).any()


def test_bareiss_determinants_of_gram_matrices_are_exact():
    rng = np.random.default_rng(4)
    for g in (1, 2, 3, 4, 5):
        for m in (max(1, g - 1), g + 3):
            B = rng.integers(0, 2, size=(400, m, g))
            B[::5, :, 0] = 0  # a zero leading minor
            B[1::5, :, -1] = B[1::5, :, 0]  # two equal columns
            M = np.matmul(np.swapaxes(B, 1, 2), B)  # positive semidefinite, integer
            got = _bareiss_determinants(M)
            expected = [bareiss_det(m.tolist()) for m in M]
            np.testing.assert_array_equal(got, expected)
            np.testing.assert_array_equal(
                _bareiss_determinants(M.reshape(20, 20, g, g)), got.reshape(20, 20)
            )
            if m >= g:
                assert (got == 0).any() and (got > 0).any()
                assert g < 3 or (got > 1).any()


def test_pattern_decides_rank():
    assert pattern_decides_rank(1, 4) and not pattern_decides_rank(1, 5)
    assert pattern_decides_rank(10, 22) and not pattern_decides_rank(10, 23)
    assert pattern_decides_rank(95, 190) and pattern_decides_rank(5, 1)
    assert not pattern_decides_rank(2, 60)
    for d0, n in [(0, 3), (3, 0), (-1, 2), (2.0, 3), (True, 3)]:
        with pytest.raises(ValueError):
            pattern_decides_rank(d0, n)


@pytest.mark.parametrize(
    "A,k",
    [
        (np.ones((2, 5)), 2),  # 2 k < n: the pattern does not decide
        (np.ones((2, 3, 7)), 3),
        (np.full((2, 3), 2), 2),  # not 0/1
        (np.full((2, 3), 0.5), 2),
        (-np.ones((2, 3)), 2),
        (np.ones(4), 2),  # wrong number of dimensions
        (np.ones((1, 2, 3, 4)), 2),
        (np.ones((0, 3)), 2),  # empty
        (np.ones((2, 0)), 2),
        (np.ones((0, 2, 3)), 2),
        (np.ones((2, 3)), 0),  # k not a positive integer
        (np.ones((2, 3)), -1),
        (np.ones((2, 3)), 2.0),
        (np.ones((2, 3)), True),
    ],
)
def test_pattern_full_rank_bad_input(A, k):
    with pytest.raises(ValueError):
        pattern_full_rank(A, k)


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


def test_tiny_output_weights_go_to_the_svd():
    # v**2 underflows, so the certification shift is 0: the SVD must decide, not a default
    X = lu.gaussian_inputs(2, 10, seed=0)
    W, b, v = lu.init_two_layer(2, 30, seed=1, scheme="paper")
    tiny = v * 1e-160
    expected = lu.jacobian_rank(lu.relu_jacobian(W, b, tiny, X)) == 10
    assert expected and jacobian_has_full_rank(W, b, tiny, X) == expected


@pytest.mark.parametrize(
    "d0,d1,n",
    [
        (1, 30, 10),  # Figure 2, d0 = 1, 2, 3, 5
        (2, 30, 40),
        (3, 30, 100),
        (5, 30, 100),
        (18, 5, 70),  # Figure 3, d0 = ceil(r n) for r = 1/4, 1/2, 1, 2
        (35, 5, 70),
        (70, 6, 70),
        (140, 6, 70),
    ],
)
def test_a_cell_of_every_panel_equals_the_svd_rank(d0, d1, n):
    full, _ = _cell_decisions(d0, d1, n, 40, 11)
    W, b, v, X = _cell_inputs(d0, d1, n, 40, 11)
    expected = [
        lu.jacobian_rank(lu.relu_jacobian(W[t], b[t], v, X[t])) == n for t in range(40)
    ]
    np.testing.assert_array_equal(full, expected)


# --- uniform data on [0, 1) (the authors' released code) ----------------------------------------


def plain_uniform_cell(d0, d1, n, trials, seed):
    """The documented draws of a uniform-data cell, re-drawn here, and the plain per-trial rank.

    NumPy's generator from child 0 of ``SeedSequence([seed, d0, d1, n])``: ``W`` and ``b`` i.i.d.
    uniform on ``[-1/sqrt(d0), 1/sqrt(d0)]`` for all trials, then ``X`` i.i.d. uniform on
    ``[0, 1)``; ``v = (+1, -1, ...)``. Each Jacobian is written out row by row,
    ``(v * a_j) (x) (x_j, 1)`` with ``a_j = [W x_j + b > 0]``, and its rank is
    ``numpy.linalg.matrix_rank``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, d0, d1, n]).spawn(2)[0])
    bound = 1.0 / np.sqrt(d0)
    W = rng.uniform(-bound, bound, size=(trials, d1, d0))
    b = rng.uniform(-bound, bound, size=(trials, d1))
    X = rng.random((trials, d0, n))
    v = np.where(np.arange(d1) % 2 == 0, 1.0, -1.0)
    full = []
    for t in range(trials):
        rows = []
        for j in range(n):
            a = (W[t] @ X[t][:, j] + b[t] > 0).astype(float)
            rows.append(np.kron(v * a, np.append(X[t][:, j], 1.0)))
        full.append(np.linalg.matrix_rank(np.array(rows)) == n)
    return W, b, X, np.array(full)


UNIFORM_CELLS = [
    (1, 30, 10),  # Figure 2 (Gram matrices)
    (2, 60, 40),
    (3, 30, 100),
    (5, 30, 60),
    (1, 5, 4),  # 2 (d0 + 1) >= n: the pattern decides
    (13, 6, 50),  # Figure 3, r = 1/4: with Gaussian data the cell would draw Z
    (25, 5, 50),  # r = 1/2: likewise
    (50, 6, 50),  # r = 1
    (100, 4, 50),  # r = 2
]


@pytest.mark.parametrize("d0,d1,n", UNIFORM_CELLS)
def test_uniform_cells_equal_the_plain_per_trial_rank(d0, d1, n):
    trials, seed = 40, 21
    W_ref, b_ref, X_ref, expected = plain_uniform_cell(d0, d1, n, trials, seed)
    W, b, v, X = _cell_inputs(d0, d1, n, trials, seed, "uniform")
    np.testing.assert_array_equal(W, W_ref)
    np.testing.assert_array_equal(b, b_ref)
    np.testing.assert_array_equal(X, X_ref)
    assert _cell_draws(d0, d1, n, trials, seed, "uniform")[4] is None  # never Z
    full, _ = _cell_decisions(d0, d1, n, trials, seed, "uniform")
    np.testing.assert_array_equal(full, expected)
    assert full_rank_probability(d0, d1, n, trials, seed, data="uniform") == (
        expected.mean()
    )


def test_uniform_and_gaussian_cells_share_their_weights_not_their_data():
    d0, d1, n = 3, 30, 100
    Wg, bg, _, Xg = _cell_inputs(d0, d1, n, 5, 2, "gaussian")
    Wu, bu, _, Xu = _cell_inputs(d0, d1, n, 5, 2, "uniform")
    np.testing.assert_array_equal(Wg, Wu)
    np.testing.assert_array_equal(bg, bu)
    assert Xu.min() >= 0 and Xu.max() < 1 and Xg.min() < 0
    # the default is the paper's text
    assert full_rank_probability(d0, d1, n, 30, 2) == full_rank_probability(
        d0, d1, n, 30, 2, data="gaussian"
    )


def test_uniform_data_change_the_answer_where_the_text_says_so():
    # (3, 30, 100): plain per-trial SVD on 100 trials gives full rank in about 0.9 of the
    # Gaussian trials and none of the uniform ones (a difference far beyond 30 %).
    gaussian = full_rank_probability(3, 30, 100, 100, 0)
    uniform = full_rank_probability(3, 30, 100, 100, 0, data="uniform")
    assert gaussian > 0.8 and uniform < 0.05


def test_uniform_grid_equals_its_cells():
    grid = full_rank_grid(2, [10, 20], [10, 30], trials=20, seed=3, data="uniform")
    expected = [
        [full_rank_probability(2, d1, n, 20, 3, data="uniform") for n in (10, 20)]
        for d1 in (10, 30)
    ]
    np.testing.assert_array_equal(grid, expected)


@pytest.mark.parametrize("data", ["normal", "Uniform", None, 1])
def test_unknown_data_distribution_is_rejected(data):
    with pytest.raises(ValueError, match="gaussian"):
        full_rank_probability(2, 5, 10, 10, 0, data=data)
    with pytest.raises(ValueError, match="gaussian"):
        full_rank_grid(2, [10], [5], trials=5, data=data)
    with pytest.raises(ValueError, match="gaussian"):
        gram_eigenvalue_ratios(2, 5, 10, 5, 0, data=data)


def test_shared_columns_boundary_is_exactly_d0_plus_one():
    # d0 = 1, k = 2. Points at 0.5, 0.5 + 1e-9, ... share the activation column (1, 0); the point
    # -20 has the column (0, 1), with the same count of active units, so the structural test
    # looks at every trial here. Nearly equal inputs make the Cholesky certificate fail. With
    # k = 2 points on the shared column the Jacobian has rank n (the SVD says so) and must not
    # be called deficient; with k + 1 = 3 it is deficient.
    W, b, v = np.array([[1.0], [-1.0]]), np.array([0.0, -10.0]), np.array([1.0, -1.0])
    for shared, expected in ((2, True), (3, False)):
        X = np.append(0.5 + 1e-9 * np.arange(shared), -20.0)[None, :]
        n = X.shape[1]
        A = lu.activation_pattern(W, b, X)
        assert A[:, :shared].T.tolist() == [[1, 0]] * shared and A[:, -1].tolist() == [
            0,
            1,
        ]
        J = lu.relu_jacobian(W, b, v, X)
        assert (np.linalg.matrix_rank(J) == n) == expected
        assert not gram_certifies_full_rank(W, b, v, X)
        assert jacobian_has_full_rank(W, b, v, X) == expected
        counts = (A.T @ A)[None].astype(float)
        np.testing.assert_array_equal(
            _structurally_deficient(counts, 2), [not expected]
        )
