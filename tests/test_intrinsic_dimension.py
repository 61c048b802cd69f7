"""Intrinsic dimensions and the quadratic descent path against independent ground truth.

Ground truth: brute-force enumeration of monomials, explicit bases of homogeneous polynomials,
Newton's identity ``<w, x>^2 = x^T (w w^T) x``, and least squares over all ``d0 x d0`` matrices.
"""

from itertools import product
from math import factorial

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lecture_utils as lu  # noqa: E402
from lecture_utils.intrinsic_dimension import (  # noqa: E402
    descent_path,
    empirical_intrinsic_dimension,
    feature_matrix,
    monomial_exponents,
    plot_descent_path,
    plot_feature_ranks,
    polynomial_activation_dimension,
    polynomial_intrinsic_dimension,
    quadratic_feature_map,
    quadratic_network,
    quadratic_optimum,
)


@pytest.mark.parametrize(
    "n,d", [(1, 0), (1, 5), (2, 3), (3, 2), (3, 4), (4, 3), (5, 2)]
)
def test_monomial_count_brute_force(n, d):
    brute = [a for a in product(range(d + 1), repeat=n) if sum(a) == d]
    assert polynomial_intrinsic_dimension(n, d) == len(brute)
    exps = monomial_exponents(n, d)
    assert exps.shape == (len(brute), n)
    assert sorted(map(tuple, exps)) == sorted(brute)


def test_small_values_by_hand():
    assert polynomial_intrinsic_dimension(2, 2) == 3  # x^2, xy, y^2
    assert polynomial_intrinsic_dimension(3, 1) == 3  # linear forms
    assert polynomial_intrinsic_dimension(3, 3) == 10
    assert polynomial_activation_dimension(2, [0, 1, 1]) == 2 + 3
    assert polynomial_activation_dimension(3, [5, 0, 0, 2]) == 1 + 10


def multinomial_features(W, X, d):
    """<w, x>^d = sum over exponents a of (d! / a!) w^a x^a: an explicit rank-C(n+d-1, d) factorisation."""
    exps = monomial_exponents(W.shape[1], d)
    coef = np.array([factorial(d) / np.prod([factorial(k) for k in a]) for a in exps])
    A = np.prod(W[:, None, :] ** exps[None], axis=2) * coef  # (p, q)
    B = np.prod(X.T[:, None, :] ** exps[None], axis=2)  # (N, q)
    return A, B


@pytest.mark.parametrize("n,d", [(2, 2), (2, 5), (3, 3), (4, 2), (4, 4)])
def test_empirical_rank_equals_formula(n, d):
    q = polynomial_intrinsic_dimension(n, d)
    assert (
        empirical_intrinsic_dimension(lambda z: z**d, n, 2 * q + 5, 2 * q + 5, seed=0)
        == q
    )
    # too few filters or points: the rank is capped by them
    assert (
        empirical_intrinsic_dimension(lambda z: z**d, n, q - 1, 3 * q, seed=1) == q - 1
    )
    # the features factor through the monomials (the ground truth behind the formula)
    rng = np.random.default_rng(2)
    W, X = rng.standard_normal((7, n)), rng.standard_normal((n, 9))
    A, B = multinomial_features(W, X, d)
    np.testing.assert_allclose(
        feature_matrix(lambda z: z**d, W, X), B @ A.T, rtol=1e-10, atol=1e-10
    )


@pytest.mark.parametrize(
    "coefficients", [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0, -1.0], [0.5, 1.0, 1.0, 1.0]]
)
def test_general_polynomial_activation(coefficients):
    n = 3
    sigma = np.polynomial.Polynomial(coefficients)
    expected = sum(
        len([a for a in product(range(k + 1), repeat=n) if sum(a) == k])
        for k, c in enumerate(coefficients)
        if c != 0
    )
    assert polynomial_activation_dimension(n, coefficients) == expected
    assert (
        empirical_intrinsic_dimension(sigma, n, 3 * expected, 3 * expected, seed=3)
        == expected
    )


def test_non_polynomial_rank_keeps_growing():
    for m in (10, 40, 80):
        assert empirical_intrinsic_dimension("relu", 3, m, m, seed=4) == m


def test_finitely_many_atoms_cap_the_rank():
    rng = np.random.default_rng(5)
    atoms = rng.standard_normal((2, 7))
    W = rng.standard_normal((200, 2))
    F = feature_matrix(
        "relu", W, atoms[:, rng.integers(0, 7, size=50)]
    )  # 50 samples of 7 atoms
    assert np.linalg.matrix_rank(F) == 7


def test_quadratic_feature_map_is_the_symmetric_vectorisation():
    rng = np.random.default_rng(6)
    W, X = rng.standard_normal((5, 4)), rng.standard_normal((4, 6))
    psi_W, psi_X = quadratic_feature_map(W), quadratic_feature_map(X.T)
    assert psi_W.shape == (5, 10)
    np.testing.assert_allclose(psi_W @ psi_X.T, (W @ X) ** 2, rtol=1e-12, atol=1e-12)
    u = rng.standard_normal(5)
    M = W.T @ np.diag(u) @ W
    np.testing.assert_allclose(
        quadratic_network(u, W, X), np.einsum("ij,ik,kj->j", X, M, X), atol=1e-12
    )


def optimum_over_all_matrices(X, y):
    """min over M in R^{d0 x d0} of 1/2 sum_j (x_j^T M x_j - y_j)^2, by least squares on vec(M)."""
    design = np.einsum("ij,kj->jik", X, X).reshape(X.shape[1], -1)
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    return 0.5 * np.sum((design @ coef - y) ** 2)


@pytest.mark.parametrize(
    "d0,n,d1,degenerate",
    [(2, 10, 3, True), (3, 30, 6, True), (3, 30, 9, False), (3, 4, 7, True)],
)
def test_descent_path(d0, n, d1, degenerate):
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((d0, n)), rng.standard_normal(n)
    W = rng.standard_normal((d1, d0))
    if degenerate:
        W[:, 1:] = 0.0  # all filters on one line: psi(W) has rank 1
    v = rng.standard_normal(d1)
    path = descent_path(v, W, X, y, n_steps=15, seed=8)
    loss, leg = path["loss"], path["leg"]
    K = len(loss)
    assert (
        path["v"].shape == (K, d1)
        and path["W"].shape == (K, d1, d0)
        and path["outputs"].shape == (K, n)
    )
    # starts at the given point
    np.testing.assert_array_equal(path["v"][0], v)
    np.testing.assert_array_equal(path["W"][0], W)
    # the outputs are those of the network at every point of the path
    for k in range(0, K, 5):
        np.testing.assert_allclose(
            path["outputs"][k],
            quadratic_network(path["v"][k], path["W"][k], X),
            atol=1e-10,
        )
    # non-increasing loss, constant output before the convex leg
    assert np.all(np.diff(loss) <= 1e-9 * (1 + loss[0]))
    before = path["outputs"][leg < 3]
    assert np.max(np.abs(before - before[0])) <= 1e-9 * (1 + np.abs(before[0]).max())
    assert (leg == 1).any() == degenerate and (leg == 2).any() == degenerate
    assert path["rank"][-1] == d0 * (d0 + 1) // 2
    # ends at the global minimum, computed independently over all d0 x d0 matrices
    best = optimum_over_all_matrices(X, y)
    assert abs(loss[-1] - best) <= 1e-9 * (1 + best)
    assert abs(float(path["optimum"]) - best) <= 1e-9 * (1 + best)
    assert abs(quadratic_optimum(X, y)[1] - best) <= 1e-9 * (1 + best)
    # deterministic given the seed
    again = descent_path(v, W, X, y, n_steps=15, seed=8)
    np.testing.assert_array_equal(again["W"], path["W"])


def test_bad_input_raises():
    X, y = np.ones((3, 4)), np.ones(4)
    with pytest.raises(ValueError, match="at least the intrinsic dimension"):
        descent_path(np.ones(5), np.ones((5, 3)), X, y)
    with pytest.raises(ValueError):
        descent_path(
            np.ones(6), np.ones((6, 2)), X, y
        )  # filters and data disagree on d0
    with pytest.raises(ValueError):
        descent_path(np.ones(6), np.ones((6, 3)), X, np.ones(5))
    with pytest.raises(ValueError):
        polynomial_intrinsic_dimension(0, 2)
    with pytest.raises(ValueError):
        polynomial_intrinsic_dimension(2, -1)
    with pytest.raises(ValueError):
        polynomial_activation_dimension(2, [0.0, 0.0])
    with pytest.raises(ValueError):
        empirical_intrinsic_dimension("no-such-activation", 2, 3, 3, seed=0)
    with pytest.raises(ValueError):
        empirical_intrinsic_dimension("relu", 2, 0, 3, seed=0)
    with pytest.raises(ValueError):
        feature_matrix(lambda z: z[:1], np.ones((2, 2)), np.ones((2, 3)))


# --- Figures of Chapter 6 ---------------------------------------------------------------------

FEATURE_SIZES = np.array([5, 10, 20, 40])
FEATURE_RANKS = {
    "$z^2$": [5, 6, 6, 6],
    "ReLU": [5, 10, 20, 40],
    "tanh": [5, 10, 20, 40],
}


def test_feature_ranks_draws_the_data_it_is_given():
    lu.use_book_style()
    fig = plot_feature_ranks(FEATURE_SIZES, FEATURE_RANKS, dimensions=(6,), d0=3)
    ax = fig.axes[0]
    lines = ax.get_lines()
    # the diagonal, one curve per activation, one horizontal line per dimension
    assert len(lines) == 1 + len(FEATURE_RANKS) + 1
    assert np.array_equal(lines[0].get_ydata(), FEATURE_SIZES)
    for line, (name, ranks) in zip(lines[1:4], FEATURE_RANKS.items()):
        assert line.get_label() == name
        assert np.array_equal(line.get_xdata(), FEATURE_SIZES)
        assert np.array_equal(line.get_ydata(), ranks)
    assert lines[3].get_linestyle() == "--"  # tanh dashed, on top of ReLU
    assert lines[2].get_linestyle() == "-"
    assert (
        np.allclose(lines[4].get_ydata(), 6) and lines[4].get_color() == lu.PALETTE[0]
    )
    assert ax.get_title() == "Feature ranks in input dimension $d_0 = 3$"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["$m$ (full rank)", *FEATURE_RANKS]
    plt.close(fig)


def test_feature_ranks_draws_into_a_given_axes():
    fig, ax = plt.subplots()
    assert plot_feature_ranks(FEATURE_SIZES, FEATURE_RANKS, ax=ax) is fig
    assert len(ax.get_lines()) == 4
    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ranks": {"ReLU": [1, 2, 3]}},  # one rank short
        {"ranks": {}},
        {"ranks": {str(k): [1, 2, 3, 4] for k in range(6)}},  # more than 5 curves
        {"dimensions": (1, 2, 3, 4)},  # more dimensions than curves
        {"d0": 0},
    ],
)
def test_feature_ranks_rejects_bad_input(kwargs):
    args = {"sizes": FEATURE_SIZES, "ranks": FEATURE_RANKS} | kwargs
    with pytest.raises(ValueError):
        plot_feature_ranks(**args)
    plt.close("all")


def small_path():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 10))
    y = np.abs(X).sum(axis=0)
    W = rng.standard_normal((8, 3))
    W[:, 2] = 0.0  # degenerate start: all three legs are used
    path = descent_path(0.1 * rng.standard_normal(8), W, X, y, n_steps=5, seed=5)
    return path, quadratic_optimum(X, y)[1]


def test_descent_path_figure_draws_each_leg_and_the_minimum():
    lu.use_book_style()
    path, optimum = small_path()
    fig = plot_descent_path(path, optimum)
    ax_loss, ax_out = fig.axes
    loss_lines = ax_loss.get_lines()
    assert [line.get_label() for line in loss_lines[:3]] == [
        "leg 1: re-weight",
        "leg 2: move freed filters",
        "leg 3: convex in $v$",
    ]
    # each leg's curve starts at the last point of the previous one: together they cover the path
    xs = np.concatenate([line.get_xdata() for line in loss_lines[:3]])
    ys = np.concatenate([line.get_ydata() for line in loss_lines[:3]])
    assert np.array_equal(np.unique(xs), np.arange(len(path["loss"])))
    assert np.array_equal(ys, path["loss"][xs.astype(int)])
    assert np.allclose(loss_lines[3].get_ydata(), optimum)  # the global minimum
    # six output curves per leg, the outputs on the first six points
    out_lines = ax_out.get_lines()
    assert len(out_lines) == 3 * 6
    for j, line in enumerate(out_lines[-6:]):  # leg 3
        x = line.get_xdata().astype(int)
        assert np.array_equal(line.get_ydata(), path["outputs"][x, j])
    assert [ax.get_title() for ax in fig.axes] == [
        "Loss along the descent path",
        "Outputs on six data points",
    ]
    plt.close(fig)


def test_descent_path_figure_rejects_bad_input():
    path, optimum = small_path()
    with pytest.raises(ValueError):
        plot_descent_path({"loss": path["loss"]}, optimum)
    with pytest.raises(ValueError):
        plot_descent_path(path | {"outputs": path["outputs"][1:]}, optimum)
    with pytest.raises(ValueError):
        plot_descent_path(path | {"leg": path["leg"][1:]}, optimum)
