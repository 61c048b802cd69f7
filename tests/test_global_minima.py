"""Global minima in activation regions, against independent ground truth: brute-force enumeration of
patterns and step matrices, hand-solved one-unit regions, the network evaluated directly, and two
different decision methods (a linear programme and non-negative least squares)."""

import itertools
import math

import numpy as np
import pytest

import lecture_utils as lu
from lecture_utils.global_minima import (
    complete_probability,
    diverse_probability,
    global_minimum_fraction,
    is_complete,
    is_diverse,
    is_step_matrix,
    lemma15_parameters,
    pattern_jacobian,
    random_step_matrix,
    region_has_global_minimum,
    step_vectors,
    theorem10_width,
    theorem12_width,
)


def xi(k, beta, n):
    """The step vector xi^(k, beta) of the paper, written from its definition (k = 1..n+1)."""
    return np.array(
        [
            (1 if i >= k else 0) if beta == 1 else (1 if i < k else 0)
            for i in range(1, n + 1)
        ]
    )


def brute_diverse(A):
    n = A.shape[1]
    rows = [tuple(r) for r in A]
    steps = {tuple(xi(k, b, n)) for k in range(1, n + 2) for b in (0, 1)}
    if not all(r in steps for r in rows):
        return False
    ok = tuple(xi(1, 1, n)) in rows
    return ok and all(
        tuple(xi(k, 0, n)) in rows or tuple(xi(k, 1, n)) in rows
        for k in range(2, n + 1)
    )


def brute_complete(A, v):
    n = A.shape[1]
    steps = {tuple(xi(k, b, n)) for k in range(1, n + 2) for b in (0, 1)}
    if not all(tuple(r) in steps for r in A):
        return False
    return all(
        any(
            np.array_equal(A[i], xi(k, 1, n)) and (v[i] > 0) == positive
            for i in range(len(v))
        )
        for k in range(1, n + 1)
        for positive in (True, False)
    )


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_step_vectors_are_the_patterns_one_unit_can_realise(n):
    x = np.sort(np.random.default_rng(n).uniform(-1, 1, n))
    rng = np.random.default_rng(0)
    # realisable patterns of one unit: sample many (w, b) with kinks everywhere along the line
    w = rng.choice([-1.0, 1.0], 20000) * rng.uniform(0.1, 3, 20000)
    b = -w * rng.uniform(-1.5, 1.5, 20000)
    realised = {tuple(r) for r in (np.outer(w, x) + b[:, None] > 0).astype(int)}
    S = step_vectors(n)
    assert S.shape == (2 * n, n)
    assert {tuple(r) for r in S} == realised
    assert {tuple(r) for r in S} == {
        tuple(xi(k, b, n)) for k in range(1, n + 2) for b in (0, 1)
    }


@pytest.mark.parametrize("n,d1", [(2, 3), (3, 3), (3, 4)])
def test_diverse_and_complete_match_definitions_and_exact_probabilities(n, d1):
    S = step_vectors(n)
    v = lu.alternating_signs(d1)
    diverse = complete = 0
    for idx in itertools.product(range(2 * n), repeat=d1):
        A = S[list(idx)]
        d, c = is_diverse(A), is_complete(A, v)
        assert d == brute_diverse(A) and c == brute_complete(A, v)
        if d:
            assert np.linalg.matrix_rank(A) == n  # diverse matrices have full rank
        diverse += d
        complete += c
    total = (2 * n) ** d1
    assert math.isclose(diverse_probability(n, d1), diverse / total, abs_tol=1e-12)
    assert math.isclose(complete_probability(n, d1), complete / total, abs_tol=1e-12)


def test_complete_probability_by_enumeration_when_positive():
    n, d1 = 2, 5  # 4^5 = 1024 matrices; some are complete
    S, v = step_vectors(n), lu.alternating_signs(d1)
    count = sum(
        brute_complete(S[list(idx)], v)
        for idx in itertools.product(range(2 * n), repeat=d1)
    )
    assert count > 0 and math.isclose(
        complete_probability(n, d1), count / 4**d1, abs_tol=1e-12
    )


def inclusion_exclusion_diverse(n, d):
    """The same probability by inclusion-exclusion over the missed classes (accurate for small n)."""
    return sum(
        (-1) ** (e + m) * math.comb(n - 1, m) * (1 - e / (2 * n) - m / n) ** d
        for e in (0, 1)
        for m in range(n)
    )


@pytest.mark.parametrize("n", [2, 5, 9])
def test_diverse_probability_equals_inclusion_exclusion(n):
    for d in (1, n, 3 * n, 10 * n):
        assert math.isclose(
            diverse_probability(n, d),
            max(inclusion_exclusion_diverse(n, d), 0.0),
            abs_tol=1e-10,
        )


def test_probabilities_stay_in_range_for_large_n():
    p = [diverse_probability(80, d) for d in (1, 100, 500, 1000, 3000)]
    assert (
        p[0] == 0.0 and all(a <= b for a, b in zip(p, p[1:])) and 0.999 < p[-1] <= 1.0
    )
    q = [complete_probability(80, d) for d in (100, 1000, 3000)]
    assert all(a <= b for a, b in zip(q, q[1:])) and 0.0 <= q[0] and q[-1] <= 1.0


def test_non_step_rows_and_widths():
    assert not is_step_matrix([[1, 0, 1]]) and is_step_matrix([[1, 1, 0], [0, 0, 0]])
    assert not is_diverse([[1, 0, 1], [1, 1, 1]])
    assert math.isclose(theorem10_width(10, 0.1), 20 * math.log(100))
    assert math.isclose(theorem12_width(10, 0.1), 40 * math.log(200))
    with pytest.raises(ValueError):
        theorem12_width(10, 1.5)
    with pytest.raises(ValueError):
        is_diverse([[0, 2, 1]])


def complete_pattern(n, d1, rng):
    """A random complete step matrix (columns by increasing input) for v = (+1, -1, ...) times scales."""
    v = lu.alternating_signs(d1) * rng.uniform(0.3, 3.0, d1)
    A = random_step_matrix(n, d1, seed=rng)
    S = step_vectors(n)
    A[rng.permutation(np.flatnonzero(v > 0))[:n]] = S[:n]
    A[rng.permutation(np.flatnonzero(v < 0))[:n]] = S[:n]
    assert brute_complete(A, v)
    return A, v


@pytest.mark.parametrize("seed", range(40))
def test_lemma15_fits_any_labels_inside_the_region(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    d1 = 2 * n + int(rng.integers(0, 2 * n + 3))
    A_sorted, v = complete_pattern(n, d1, rng)
    x = lu.sorted_distinct_inputs(n, seed=rng)[0]
    perm = rng.permutation(n)  # inputs in any order, A's columns alongside
    x, A = x[perm], A_sorted[:, perm]
    y = [
        lu.random_labels(n, seed=rng),
        100 * lu.random_labels(n, seed=rng),
        np.zeros(n),
    ][seed % 3]
    W, b = lemma15_parameters(x, y, A, v)
    pre = W @ x[None, :] + b[:, None]
    np.testing.assert_array_equal((pre > 0).astype(int), A)
    assert np.min(np.abs(pre)) > 0  # strictly inside the open region
    np.testing.assert_allclose(
        lu.two_layer_relu(W, b, v, x[None, :]), y, rtol=0, atol=1e-9
    )


def test_lemma15_with_vanishing_residuals():
    # no slack units and labels on a line of slope 1: every correction after the first is zero
    n = 5
    v = lu.alternating_signs(2 * n)
    S = step_vectors(n)
    A = np.empty((2 * n, n), dtype=int)
    A[v > 0], A[v < 0] = S[:n], S[:n]
    x = np.linspace(0, 1, n)
    y = 1 + x
    W, b = lemma15_parameters(x, y, A, v)
    np.testing.assert_array_equal(lu.activation_pattern(W, b, x[None, :]), A)
    np.testing.assert_allclose(lu.two_layer_relu(W, b, v, x[None, :]), y, atol=1e-12)


def test_lemma15_rejects_bad_input():
    rng = np.random.default_rng(0)
    A, v = complete_pattern(3, 8, rng)
    x, y = np.array([0.0, 0.5, 1.0]), np.ones(3)
    with pytest.raises(ValueError, match="distinct"):
        lemma15_parameters([0.0, 0.5, 0.5], y, A, v)
    with pytest.raises(ValueError, match="complete"):
        lemma15_parameters(x, y, A[:5], v[:5])
    with pytest.raises(ValueError, match="complete"):
        lemma15_parameters(x[::-1], y, A, v)  # same A, but now for reversed inputs
    with pytest.raises(ValueError):
        lemma15_parameters(x, y, A, np.where(np.arange(8) == 0, 0.0, v))
    with pytest.raises(ValueError):
        lemma15_parameters(x, np.ones(4), A, v)


@pytest.mark.parametrize("method", ["lp", "cone"])
def test_one_unit_regions_solved_by_hand(method):
    X = np.array([[0.0, 1.0]])
    # unit active only at x = 1: F = (0, w + b) with b < 0 < w + b; fits y iff y1 = 0 and v y2 > 0
    for v, y, expected in [
        (1.0, [0.0, 2.0], True),
        (1.0, [0.0, -2.0], False),
        (-1.0, [0.0, -2.0], True),
        (1.0, [0.5, 2.0], False),
    ]:
        assert (
            region_has_global_minimum(X, np.array(y), [[0, 1]], [v], method=method)
            is expected
        )
    # unit active on both: F = (b, w + b), both positive: fits y iff y > 0 entrywise (v = 1)
    for y, expected in [([1.0, 3.0], True), ([1.0, -3.0], False), ([2.0, 0.0], False)]:
        assert (
            region_has_global_minimum(X, np.array(y), [[1, 1]], [1.0], method=method)
            is expected
        )
    # a non-step pattern is an empty region
    X3 = np.array([[0.0, 1.0, 2.0]])
    assert (
        region_has_global_minimum(
            X3, np.array([1.0, 0.0, 1.0]), [[1, 0, 1]], [1.0], method=method
        )
        is False
    )


@pytest.mark.parametrize("d0", [1, 2, 4])
def test_region_of_a_known_interpolant_has_a_global_minimum(d0):
    rng = np.random.default_rng(d0)
    for _ in range(10):
        n, d1 = int(rng.integers(2, 10)), int(rng.integers(1, 12))
        X = lu.uniform_cube_inputs(d0, n, seed=rng)
        W, b, v = lu.init_two_layer(d0, d1, seed=rng, scheme="he")
        y = lu.two_layer_relu(W, b, v, X)  # (W, b) itself interpolates
        A = lu.activation_pattern(W, b, X)
        assert region_has_global_minimum(X, y, A, v)
        if d0 == 1:
            assert region_has_global_minimum(X, y, A, v, method="cone")


def test_region_of_lemma15_interpolant():
    rng = np.random.default_rng(5)
    for _ in range(10):
        n = int(rng.integers(2, 8))
        A, v = complete_pattern(n, 2 * n + 3, rng)
        x = lu.sorted_distinct_inputs(n, seed=rng)
        y = lu.random_labels(n, seed=rng)
        W, b = lemma15_parameters(x[0], y, A, v)
        A_found = lu.activation_pattern(W, b, x)
        assert region_has_global_minimum(
            x, y, A_found, v
        ) and region_has_global_minimum(x, y, A_found, v, "cone")


def test_rank_deficient_region_with_labels_outside_the_column_space():
    rng = np.random.default_rng(7)
    for d0 in (1, 3):
        n, d1 = 8, 6
        X = lu.uniform_cube_inputs(d0, n, seed=rng)
        W, b, v = lu.init_two_layer(d0, d1, seed=rng, scheme="he")
        b[1:] = -10.0  # all but unit 0 dead: rank J <= d0 + 1 < n
        A = lu.activation_pattern(W, b, X)
        J = pattern_jacobian(X, A, v)
        assert np.linalg.matrix_rank(J) < n
        y = lu.random_labels(n, seed=rng)
        coef = np.linalg.lstsq(J, y, rcond=None)[0]
        assert np.linalg.norm(J @ coef - y) > 1e-3  # y is not in the column space
        assert not region_has_global_minimum(X, y, A, v)
        if d0 == 1:
            assert not region_has_global_minimum(X, y, A, v, method="cone")


def test_lp_and_cone_agree_on_random_regions():
    rng = np.random.default_rng(11)
    answers = []
    for _ in range(150):
        n, d1 = int(rng.integers(1, 8)), int(rng.integers(1, 16))
        X = lu.uniform_cube_inputs(1, n, seed=rng)
        y = lu.random_labels(n, seed=rng)
        W, b, v = lu.init_two_layer(1, d1, seed=rng, scheme="he")
        A = lu.activation_pattern(W, b, X)
        lp, cone = (
            region_has_global_minimum(X, y, A, v),
            region_has_global_minimum(X, y, A, v, "cone"),
        )
        assert lp == cone
        answers.append(lp)
    assert 0.2 < np.mean(answers) < 0.8  # both outcomes are exercised


def test_pattern_jacobian_equals_relu_jacobian():
    X = lu.gaussian_inputs(3, 7, seed=1)
    W, b, v = lu.init_two_layer(3, 5, seed=2)
    np.testing.assert_array_equal(
        pattern_jacobian(X, lu.activation_pattern(W, b, X), v),
        lu.relu_jacobian(W, b, v, X),
    )


def test_region_and_fraction_reject_bad_input():
    X, y = np.array([[0.0, 1.0]]), np.array([1.0, 2.0])
    with pytest.raises(ValueError):
        region_has_global_minimum(X, y, [[1, 1, 1]], [1.0])
    with pytest.raises(ValueError):
        region_has_global_minimum(X, y, [[1, 2]], [1.0])
    with pytest.raises(ValueError):
        region_has_global_minimum(X, np.ones(3), [[1, 1]], [1.0])
    with pytest.raises(ValueError):
        region_has_global_minimum(X, y, [[1, 1]], [1.0], method="simplex")
    with pytest.raises(ValueError):
        region_has_global_minimum(np.ones((2, 2)), y, [[1, 1]], [1.0], method="cone")
    with pytest.raises(ValueError, match="distinct"):
        region_has_global_minimum(
            np.array([[0.0, 0.0]]), y, [[1, 1]], [1.0], method="cone"
        )
    with pytest.raises(ValueError):
        global_minimum_fraction(1, 4, 3, "gaussian", 5)
    with pytest.raises(ValueError):
        global_minimum_fraction(1, 0, 3, "random", 5)


def test_global_minimum_fraction_is_deterministic_and_methods_agree():
    for labels in ("polynomial", "teacher", "random"):
        f = global_minimum_fraction(1, 12, 4, labels, 30, seed=3)
        assert f == global_minimum_fraction(1, 12, 4, labels, 30, seed=3)
        assert f == global_minimum_fraction(1, 12, 4, labels, 30, seed=3, method="lp")
        assert 0.0 <= f <= 1.0
    # with one data point a region fits y exactly when some active unit has sign(v) = sign(y)
    assert global_minimum_fraction(2, 40, 1, "random", 20, seed=0) == 1.0


def test_lp_falls_back_to_other_highs_methods_when_one_gives_no_verdict(monkeypatch):
    import scipy.optimize

    from lecture_utils import global_minima

    real = scipy.optimize.linprog
    calls = []

    def flaky(*args, method, **kwargs):
        calls.append(method)
        if (
            method == "highs"
        ):  # pretend the default method ends with "model status unknown"
            result = real(*args, method=method, **kwargs)
            result.status, result.message = 4, "model_status is Unknown"
            return result
        return real(*args, method=method, **kwargs)

    monkeypatch.setattr(scipy.optimize, "linprog", flaky)
    X = np.array([[-1.0, 0.0, 1.0]])
    W, b, v = np.array([[1.0], [-1.0]]), np.array([0.5, 0.5]), np.array([1.0, 1.0])
    A = lu.activation_pattern(W, b, X)
    y = lu.two_layer_relu(W, b, v, X)
    assert global_minima.region_has_global_minimum(X, y, A, v, method="lp")
    assert calls == ["highs", "highs-ds"]

    def hopeless(*args, method, **kwargs):
        result = real(*args, method=method, **kwargs)
        result.status, result.message = 4, "model_status is Unknown"
        return result

    monkeypatch.setattr(scipy.optimize, "linprog", hopeless)
    with pytest.raises(RuntimeError, match="did not decide"):
        global_minima.region_has_global_minimum(X, y, A, v, method="lp")


def test_cone_does_not_trust_the_residual_norm_that_nnls_reports(monkeypatch):
    # SciPy's NNLS can return a point far from optimal together with a reported residual norm of 0
    # (scipy/scipy#25389); the cone test must still give the right answer (here fixed by hand).
    import scipy.optimize

    from lecture_utils import global_minima

    def lying(M, rhs, maxiter=None):
        return np.full(M.shape[1], 1e6), 0.0

    def giving_up(M, rhs, maxiter=None):
        raise RuntimeError("Maximum number of iterations reached.")

    X = np.array(
        [[0.0, 1.0]]
    )  # unit active only at x = 1: fits y iff y1 = 0 and v y2 > 0
    for fake in (lying, giving_up):
        monkeypatch.setattr(scipy.optimize, "nnls", fake)
        for y, expected in [
            ([0.0, 2.0], True),
            ([0.0, -2.0], False),
            ([0.5, 2.0], False),
        ]:
            assert (
                global_minima.region_has_global_minimum(
                    X, np.array(y), [[0, 1]], [1.0], method="cone"
                )
                is expected
            )


def test_cone_on_a_region_where_scipy_nnls_misreports():
    # A uniformly sampled region (n = 8, d1 = 16) on which SciPy 1.15-1.17's NNLS reports residual 0 for a
    # point that does not fit: the region contains no global minimum (the linear programme decides).
    x = np.array(
        [
            [
                -0.8447887648138892,
                0.966695775258696,
                -0.9476089176742077,
                -0.9513726926320945,
                0.8712163650876927,
                -0.9454751974226041,
                0.5075197256789727,
                -0.1717916021214705,
            ]
        ]
    )
    y = np.array(
        [
            0.43236781202354413,
            -0.28718288914957735,
            0.8269572234330531,
            0.7582861433646468,
            0.44356094920965305,
            0.4720341256135403,
            0.5372493741015016,
            0.6607754046462464,
        ]
    )
    rows = [
        "00110000",
        "01001010",
        "01001000",
        "01001011",
        "00110100",
        "00010000",
        "00010000",
        "11001011",
        "11001111",
        "10110101",
        "11101111",
        "11001111",
        "00110100",
        "00000000",
        "10110100",
        "01001011",
    ]
    A = np.array([[int(c) for c in r] for r in rows])
    v = lu.alternating_signs(16)
    assert is_step_matrix(A[:, np.argsort(x[0])])  # a non-empty region
    assert not region_has_global_minimum(x, y, A, v, method="lp")
    assert not region_has_global_minimum(x, y, A, v, method="cone")
