"""Interpolating networks and feature matrices against independent evaluations and brute force."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lecture_utils as lu
from lecture_utils.interpolation import (
    cooper_deep_interpolation,
    cooper_interpolation,
    polynomial_feature_dimension,
    random_feature_matrix,
)


def scalar_activation(name):
    """Independent scalar definitions of the rectified activations (plain ``math``)."""
    if name == "relu":
        return lambda z: max(z, 0.0)
    return lambda z: z * math.exp(-1.0 / z) if z > 0 else 0.0


def evaluate_by_loops(f, X):
    """``sum_j m_j sigma(a . x_i - b_j) - c`` with explicit loops over points and units."""
    sigma = scalar_activation(f.activation)
    return np.array(
        [
            sum(
                m * sigma(float(f.direction @ x) - b)
                for m, b in zip(f.output_weights, f.thresholds)
            )
            - f.output_bias
            for x in X.T
        ]
    )


@pytest.mark.parametrize("activation", ["smoolu", "relu"])
@pytest.mark.parametrize("d0, n", [(1, 1), (1, 7), (2, 15), (3, 40), (8, 25), (5, 120)])
def test_cooper_interpolation_fits_exactly(activation, d0, n):
    X = lu.gaussian_inputs(d0, n, seed=d0 + n)
    y = lu.random_labels(n, seed=n)
    f = cooper_interpolation(X, y, activation)
    assert f.width == n and f.output_bias == 0.0 and f.activation == activation
    assert f.hidden_weights.shape == (n, d0) and np.all(f.hidden_weights == f.direction)
    np.testing.assert_allclose(evaluate_by_loops(f, X), y, rtol=0, atol=1e-9)
    assert f(X).shape == (n,)
    np.testing.assert_allclose(f(X), y, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        lu.mlp(f.as_mlp_params(), X, activation).numpy(), y, rtol=0, atol=1e-9
    )


def test_networks_are_read_only():
    X, y = lu.gaussian_inputs(2, 4, seed=0), lu.random_labels(4, seed=1)
    f = cooper_interpolation(X, y)
    g = cooper_deep_interpolation(X, y, [3, 4])
    with pytest.raises(ValueError, match="read-only"):
        f.output_weights[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        g.weights[0][0, 0] = 1.0
    with pytest.raises(AttributeError):
        f.activation = "relu"


@pytest.mark.parametrize("activation", ["smoolu", "relu"])
def test_hidden_matrix_is_lower_triangular_with_positive_diagonal(activation):
    X = lu.uniform_cube_inputs(3, 30, seed=4)
    f = cooper_interpolation(X, lu.random_labels(30, seed=5), activation)
    t = f.direction @ X
    order = np.argsort(t)
    sigma = scalar_activation(activation)
    A = np.array(
        [[sigma(t[i] - b) for b in f.thresholds] for i in order]
    )  # rows sorted by projection
    assert np.all(np.triu(A, 1) == 0.0)
    assert np.all(np.diag(A) > 1.0)
    np.testing.assert_allclose(f.feature_matrix(X)[order], A, rtol=1e-12, atol=0)
    # thresholds interleave the sorted projections: t_(j-1) < b_j < t_(j)
    assert np.all(f.thresholds < t[order]) and np.all(f.thresholds[1:] > t[order][:-1])


def test_min_gap_sets_the_diagonal_and_underflow_is_reported():
    X = lu.sorted_distinct_inputs(12, seed=0)
    y = lu.random_labels(12, seed=1)
    good = cooper_interpolation(X, y, "smoolu", min_gap=48.0)
    assert np.max(np.abs(good(X) - y)) < 1e-12
    assert np.isclose(
        np.diag(good.feature_matrix(X)).min(), 24.0 * math.exp(-1.0 / 24.0), rtol=1e-12
    )
    tiny = cooper_interpolation(X, y, "smoolu", min_gap=0.05)
    assert np.isclose(
        np.diag(tiny.feature_matrix(X)).min(), 0.025 * math.exp(-40.0), rtol=1e-10
    )
    with pytest.raises(ValueError, match="underflows"):
        cooper_interpolation(
            X, y, "smoolu", min_gap=1e-3
        )  # smooLU(5e-4) = 0 in float64
    relu = cooper_interpolation(
        X, y, "relu", min_gap=1e-3
    )  # ReLU does not care about the scale
    assert np.max(np.abs(relu(X) - y)) < 1e-12
    with pytest.raises(ValueError, match="min_gap"):
        cooper_interpolation(X, y, "relu", min_gap=0.0)


@pytest.mark.parametrize("activation", ["smoolu", "relu"])
@pytest.mark.parametrize(
    "d0, n, widths",
    [(2, 6, [6]), (2, 6, [1, 9]), (3, 10, [4, 2, 12]), (1, 8, [5, 5, 5, 8])],
)
def test_cooper_deep_interpolation_fits_exactly(activation, d0, n, widths):
    X = lu.gaussian_inputs(d0, n, seed=n)
    y = lu.random_labels(n, seed=n + 1)
    g = cooper_deep_interpolation(X, y, widths, activation)
    assert g.widths == widths
    assert [W.shape for W in g.weights] == list(zip(widths + [1], [d0] + widths))
    np.testing.assert_allclose(g(X), y, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        lu.mlp(g.as_mlp_params(), X, activation).numpy(), y, rtol=0, atol=1e-9
    )
    hidden = g.hidden_layers(X)
    for z in hidden[:-1]:  # only the first node of the early layers is used
        assert np.all(z[0] > 0) and np.unique(z[0]).size == n and np.all(z[1:] == 0.0)
    assert np.all(hidden[-1][n:] == 0.0)


@settings(max_examples=25, deadline=None)
@given(
    d0=st.integers(1, 6),
    n=st.integers(1, 40),
    seed=st.integers(0, 10_000),
    activation=st.sampled_from(["smoolu", "relu"]),
)
def test_interpolation_property(d0, n, seed, activation):
    X = lu.uniform_cube_inputs(d0, n, seed=seed)
    y = lu.random_labels(n, seed=seed + 1)
    f = cooper_interpolation(X, y, activation, seed=seed)
    assert np.max(np.abs(evaluate_by_loops(f, X) - y)) < 1e-9
    A = f.feature_matrix(X)[np.argsort(f.direction @ X)]
    assert np.all(np.triu(A, 1) == 0.0) and np.all(np.diag(A) > 0)
    g = cooper_deep_interpolation(X, y, [2, n], activation, seed=seed)
    assert np.max(np.abs(g(X) - y)) < 1e-9


def test_bad_inputs_raise():
    X = lu.gaussian_inputs(2, 5, seed=0)
    y = lu.random_labels(5, seed=1)
    repeated = X.copy()
    repeated[:, 3] = repeated[:, 1]
    with pytest.raises(ValueError, match="distinct"):
        cooper_interpolation(repeated, y)
    with pytest.raises(ValueError, match="distinct"):
        cooper_deep_interpolation(repeated, y, [2, 5])
    nan = X.copy()
    nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cooper_interpolation(nan, y)
    with pytest.raises(ValueError, match="length"):
        cooper_interpolation(X, y[:4])
    with pytest.raises(ValueError, match="dimension"):
        cooper_interpolation(X[0], y)
    for activation in ["tanh", "softplus", "sigmoid", "square", "swish"]:
        with pytest.raises(ValueError, match="rectified"):
            cooper_interpolation(X, y, activation)
    with pytest.raises(ValueError, match=r"width >= n = 5"):
        cooper_deep_interpolation(X, y, [3, 4])
    with pytest.raises(ValueError, match="at least one"):
        cooper_deep_interpolation(X, y, [])
    with pytest.raises(ValueError, match="positive integer"):
        cooper_deep_interpolation(X, y, [0, 5])


def test_polynomial_feature_dimension_counts_monomials():
    for d0 in range(1, 5):
        for q in range(0, 6):
            brute = sum(
                1 for k in itertools.product(range(q + 1), repeat=d0) if sum(k) <= q
            )
            assert polynomial_feature_dimension(d0, q) == brute
    assert polynomial_feature_dimension(d0=2, q=3) == 10  # the book's names: C(5, 3)
    for bad in [(0, 2), (2, -1), (2, 1.5), (True, 2)]:
        with pytest.raises(ValueError):
            polynomial_feature_dimension(*bad)


def monomial_matrix(X, q):
    """All monomials of degree <= q evaluated on the columns of X, shape (n, C(d0 + q, q))."""
    d0 = X.shape[0]
    exps = [k for k in itertools.product(range(q + 1), repeat=d0) if sum(k) <= q]
    return np.column_stack([np.prod(X ** np.array(k)[:, None], axis=0) for k in exps])


@pytest.mark.parametrize("d0, q", [(1, 3), (2, 2), (2, 3), (3, 2)])
def test_rank_of_polynomial_features_saturates_at_the_dimension(d0, q):
    dim = polynomial_feature_dimension(d0, q)
    X = lu.uniform_cube_inputs(d0, 3 * dim, seed=d0 + q)
    V = monomial_matrix(X, q)
    for width in [1, dim - 1, dim, dim + 3, 3 * dim]:
        Phi = random_feature_matrix(X, width, lambda z: z**q + 0.5 * z, seed=width)
        assert Phi.shape == (3 * dim, width)
        assert lu.jacobian_rank(Phi, rtol=1e-9) == min(width, dim)
        # every feature is a polynomial of degree <= q: it lies in the span of the monomials
        coeffs = np.linalg.lstsq(V, Phi, rcond=None)[0]
        assert np.max(np.abs(V @ coeffs - Phi)) < 1e-10 * max(1.0, np.abs(Phi).max())


def test_non_polynomial_random_features_are_nonsingular_and_interpolate():
    X = lu.uniform_cube_inputs(2, 12, seed=0)
    y = lu.random_labels(12, seed=1)
    for activation in ["tanh", "softplus", np.sin]:
        Phi = random_feature_matrix(
            X, 12, activation, seed=2, weight_scale=4.0, bias_scale=4.0
        )
        assert lu.jacobian_rank(Phi, rtol=1e-10) == 12
        np.testing.assert_allclose(Phi @ np.linalg.solve(Phi, y), y, atol=1e-9)


def test_random_feature_matrix_entries_and_validation():
    X = lu.gaussian_inputs(3, 4, seed=0)
    rng = np.random.default_rng(7)
    W, b = 2.0 * rng.standard_normal((5, 3)), rng.uniform(-0.5, 0.5, size=5)
    expected = np.tanh(
        np.array([[W[j] @ X[:, i] - b[j] for j in range(5)] for i in range(4)])
    )
    Phi = random_feature_matrix(X, 5, "tanh", seed=7, weight_scale=2.0, bias_scale=0.5)
    np.testing.assert_allclose(Phi, expected, rtol=1e-13)
    np.testing.assert_array_equal(
        Phi,
        random_feature_matrix(X, 5, "tanh", seed=7, weight_scale=2.0, bias_scale=0.5),
    )
    with pytest.raises(ValueError, match="width"):
        random_feature_matrix(X, 0, "tanh")
    with pytest.raises(ValueError, match="weight_scale"):
        random_feature_matrix(X, 3, "tanh", weight_scale=-1.0)
    with pytest.raises(ValueError, match="unknown activation"):
        random_feature_matrix(X, 3, "swish")
    with pytest.raises(ValueError, match="non-finite"):
        random_feature_matrix(X, 3, lambda z: np.where(z > 0, np.inf, 0.0), seed=0)


# --- plot_cooper_interpolant: the figure of Chapter 2's construction ---


def _line_fit(activation="smoolu"):
    x_line = lu.sorted_distinct_inputs(6, seed=2)
    y_line = lu.random_labels(6, seed=3)
    return cooper_interpolation(x_line, y_line, activation), x_line, y_line


def test_plot_cooper_interpolant_draws_the_network_and_its_matrix():
    import matplotlib.pyplot as plt

    from lecture_utils.interpolation import plot_cooper_interpolant

    f, x_line, y_line = _line_fit()
    grid = np.linspace(-1.2, 1.1, 50)[None, :]
    fig = plot_cooper_interpolant(f, x_line, y_line, grid)
    ax_fit, ax_mat, colorbar = fig.axes
    curve, *switches = ax_fit.get_lines()
    np.testing.assert_array_equal(curve.get_xdata(), grid[0])
    np.testing.assert_array_equal(curve.get_ydata(), f(grid))
    (points,) = ax_fit.collections
    np.testing.assert_array_equal(
        points.get_offsets(), np.column_stack([x_line[0], y_line])
    )
    # one dotted line per unit, at b_j / a, each between two neighbouring data points
    starts = [line.get_xdata()[0] for line in switches]
    np.testing.assert_allclose(starts, f.thresholds / f.direction[0], rtol=1e-12)
    assert all(line.get_linestyle() == ":" for line in switches) and len(starts) == 6
    assert ax_fit.get_title() == "Cooper's interpolant (smooLU)"
    (image,) = ax_mat.get_images()
    shown = image.get_array()
    A = f.feature_matrix(x_line)
    blank = np.ma.getmaskarray(shown) | np.isnan(np.ma.getdata(shown))
    np.testing.assert_array_equal(blank, np.triu(np.ones((6, 6), dtype=bool), 1))
    lower = np.tril_indices(6)
    np.testing.assert_array_equal(np.ma.getdata(shown)[lower], A[lower])
    assert colorbar.get_ylabel() == r"$\sigma(a x_i - \beta_j)$"
    plt.close(fig)
    fig = plot_cooper_interpolant(*_line_fit("relu"), grid)
    assert fig.axes[0].get_title() == "Cooper's interpolant (ReLU)"
    plt.close(fig)


def test_plot_cooper_interpolant_rejects_bad_input():
    from lecture_utils.interpolation import plot_cooper_interpolant

    f, x_line, y_line = _line_fit()
    grid = np.linspace(-1, 1, 5)[None, :]
    with pytest.raises(ValueError):
        plot_cooper_interpolant(f, x_line, y_line[:-1], grid)
    with pytest.raises(ValueError):
        plot_cooper_interpolant(f, np.vstack([x_line, x_line]), y_line, grid)
    with pytest.raises(TypeError, match="InterpolatingNetwork"):
        plot_cooper_interpolant(lambda X: X, x_line, y_line, grid)
    X2 = lu.uniform_cube_inputs(2, 5, seed=0)
    f2 = cooper_interpolation(X2, lu.random_labels(5, seed=1))
    with pytest.raises(ValueError, match="one-dimensional"):
        plot_cooper_interpolant(f2, X2, lu.random_labels(5, seed=1), grid)
