"""Hessians of the squared loss against closed forms and finite differences of the gradient."""

import numpy as np
import pytest
import torch

import lecture_utils as lu
from lecture_utils.hessians import (
    count_eigenvalue_signs,
    hessian_spectrum,
    loss_hessian,
    residual_curvature,
)
from lecture_utils.manifold import (
    flatten_params,
    gauss_newton_to_manifold,
    unflatten_params,
)


def softplus_model(p, X):
    return lu.mlp(p, X, "softplus")


def test_linear_model_hessian_is_design_gram_matrix():
    # F(theta, X) = X^T theta: L = 1/2 ||X^T theta - y||^2 has Hessian X X^T at every point.
    X, y = lu.gaussian_inputs(4, 6, seed=0), lu.random_labels(6, seed=1)
    H = loss_hessian(
        lambda p, X: X.T @ p["theta"],
        {"theta": torch.ones(4, dtype=torch.float64)},
        X,
        y,
    )
    np.testing.assert_allclose(H, X @ X.T, atol=1e-12)


def test_quadratic_model_hessian_closed_form():
    # F_j(theta) = 1/2 theta^T Q_j theta + a_j^T theta: J_j = theta^T Q_j + a_j^T, Hess F_j = Q_j, so
    # Hess L = J^T J + sum_j r_j Q_j (the Gauss-Newton matrix plus the residual-weighted curvature).
    rng = np.random.default_rng(2)
    n, m = 3, 5
    Q = rng.standard_normal((n, m, m))
    Q = Q + Q.transpose(0, 2, 1)
    a, theta, y = (
        rng.standard_normal((n, m)),
        rng.standard_normal(m),
        rng.standard_normal(n),
    )
    Qt, at = torch.from_numpy(Q), torch.from_numpy(a)

    def model(p):
        t = p["theta"]
        return 0.5 * torch.einsum("i,jik,k->j", t, Qt, t) + at @ t

    H = loss_hessian(model, {"theta": torch.from_numpy(theta)}, None, y)
    J = theta @ Q + a  # row j: theta^T Q_j + a_j (Q_j symmetric)
    r = 0.5 * np.einsum("i,jik,k->j", theta, Q, theta) + a @ theta - y
    np.testing.assert_allclose(H, J.T @ J + np.einsum("j,jik->ik", r, Q), atol=1e-11)
    C = residual_curvature(model, {"theta": torch.from_numpy(theta)}, None, y)
    np.testing.assert_allclose(C, np.einsum("j,jik->ik", r, Q), atol=1e-11)


def test_hessian_equals_finite_differences_of_autograd_gradient():
    X, y = lu.gaussian_inputs(2, 5, seed=3), lu.random_labels(5, seed=4)
    params = lu.init_mlp([2, 3, 1], seed=5)
    H = loss_hessian(softplus_model, params, X, y)
    theta = flatten_params(params)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def grad(vec):
        p = {
            k: v.requires_grad_(True) for k, v in unflatten_params(vec, params).items()
        }
        lu.squared_loss(softplus_model(p, Xt), yt).backward()
        return np.concatenate([p[k].grad.numpy().ravel() for k in p])

    h = 1e-5
    fd = np.column_stack(
        [
            (grad(theta + h * e) - grad(theta - h * e)) / (2 * h)
            for e in np.eye(theta.size)
        ]
    )
    np.testing.assert_allclose(H, fd, atol=1e-8)
    np.testing.assert_array_equal(H, H.T)


def test_hessian_at_zero_loss_is_gauss_newton_matrix_with_n_positive_eigenvalues():
    X, y = lu.gaussian_inputs(2, 6, seed=0), lu.random_labels(6, seed=1)
    model = lambda p: softplus_model(p, X)
    params, info = gauss_newton_to_manifold(model, lu.init_mlp([2, 6, 1], seed=10), y)
    assert info["converged"]
    J = lu.parameter_jacobian(model, params)
    H = loss_hessian(softplus_model, params, X, y)
    np.testing.assert_allclose(H, J.T @ J, atol=1e-12)
    assert np.abs(residual_curvature(softplus_model, params, X, y)).max() < 1e-12
    eigenvalues = hessian_spectrum(softplus_model, params, X, y)
    np.testing.assert_allclose(eigenvalues, np.linalg.eigvalsh(J.T @ J), atol=1e-12)
    assert np.all(np.diff(eigenvalues) >= 0)
    m = J.shape[1]
    assert count_eigenvalue_signs(eigenvalues, tol=1e-10) == {
        "negative": 0,
        "zero": m - 6,
        "positive": 6,
    }


def test_count_eigenvalue_signs_by_hand():
    assert count_eigenvalue_signs([-2.0, -1e-9, 0.0, 1e-9, 3.0], tol=1e-8) == {
        "negative": 1,
        "zero": 3,
        "positive": 1,
    }
    assert count_eigenvalue_signs([-2.0, 3.0], tol=0.0) == {
        "negative": 1,
        "zero": 0,
        "positive": 1,
    }


def test_bad_input_raises():
    X, y = lu.gaussian_inputs(2, 5, seed=3), lu.random_labels(5, seed=4)
    params = lu.init_mlp([2, 3, 1], seed=5)
    with pytest.raises(ValueError, match="shape"):
        loss_hessian(softplus_model, params, X, y[:4])
    with pytest.raises(ValueError, match="callable"):
        loss_hessian(None, params, X, y)
    with pytest.raises(ValueError, match="dictionary"):
        hessian_spectrum(softplus_model, {}, X, y)
    with pytest.raises(ValueError, match="NaN"):
        loss_hessian(softplus_model, params, np.full((2, 5), np.nan), y)
    with pytest.raises(ValueError, match="shape"):
        residual_curvature(softplus_model, params, X, y[:4])
    with pytest.raises(ValueError, match="tol"):
        count_eigenvalue_signs([1.0], tol=-1.0)


# --- plot_hessian_spectra: the figure of Chapter 4's spectra ---


def _spectra():
    rng = np.random.default_rng(0)
    flat = np.sort(rng.uniform(-1e-13, 1e-13, 7))
    at_minimum = np.concatenate([flat, [0.3, 2.0, 40.0]])
    start = np.sort(rng.normal(0, 1, 10))
    return {"minimum": at_minimum, "start": start}


def test_plot_hessian_spectra_draws_the_data():
    import matplotlib.pyplot as plt

    from lecture_utils.hessians import plot_hessian_spectra

    spectra = _spectra()
    fig = plot_hessian_spectra(spectra, 1e-4, 7, hollow=["start"])
    (ax,) = fig.axes
    lines = ax.get_lines()
    # two spectra, then the dotted separator
    assert [line.get_label() for line in lines[:2]] == ["minimum", "start"]
    for line, values in zip(lines, spectra.values()):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 11))
        expected = np.where(np.abs(values) < 1e-12, 0.0, values)
        np.testing.assert_array_equal(line.get_ydata(), expected)
    assert np.all(lines[0].get_ydata()[:7] == 0) and lines[0].get_ydata()[7] == 0.3
    assert lines[0].get_markerfacecolor() != "none"
    assert lines[1].get_markerfacecolor() == "none"
    assert lines[2].get_xdata()[0] == 7.5 and lines[2].get_linestyle() == ":"
    (band,) = ax.patches
    ys = band.get_path().transformed(band.get_patch_transform()).vertices[:, 1]
    assert np.isclose(ys.min(), -1e-4) and np.isclose(ys.max(), 1e-4)
    assert ax.get_yscale() == "symlog"
    assert ax.get_title() == "Hessian spectra: 7 zero and 3 positive at the minima"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["minimum", "start", r"$|\lambda| \leq$ 0.0001"]
    assert fig.get_size_inches().tolist() == [7, 3.8]
    plt.close(fig)
    fig, ax = plt.subplots()
    assert plot_hessian_spectra(spectra, 1e-4, 7, ax=ax) is fig
    plt.close(fig)


def test_plot_hessian_spectra_rejects_bad_input():
    from lecture_utils.hessians import plot_hessian_spectra

    spectra = _spectra()
    with pytest.raises(ValueError, match="same length"):
        plot_hessian_spectra({"a": np.zeros(3), "b": np.zeros(4)}, 1e-4, 1)
    with pytest.raises(ValueError, match="n_flat"):
        plot_hessian_spectra(spectra, 1e-4, 11)
    with pytest.raises(TypeError, match="n_flat"):
        plot_hessian_spectra(spectra, 1e-4, 2.5)
    with pytest.raises(ValueError, match="non-empty"):
        plot_hessian_spectra({}, 1e-4, 0)
    with pytest.raises(ValueError):
        plot_hessian_spectra(spectra, -1.0, 7)
