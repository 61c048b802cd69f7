"""Random ReLU features and the student sweep against independent ground truth.

Ground truth: exact special cases of the kernel, Monte Carlo over inputs and filters, the
Funk-Hecke integral by quadrature, least squares on samples, and autograd gradient descent.
"""

import numpy as np
import pytest
import scipy.integrate
import torch

import lecture_utils as lu
from lecture_utils.random_features import (
    MONTE_CARLO_CONSTANT,
    TARGET_SECOND_MOMENT,
    best_output_layer,
    harmonic_density,
    harmonic_target,
    random_features_risk,
    relu_gaussian_kernel,
    sphere_filters,
    train_relu_students,
)


def test_kernel_special_cases_and_monte_carlo():
    w = np.array([[1.0, 2.0, -0.5]])
    np.testing.assert_allclose(
        relu_gaussian_kernel(w, w), [[np.sum(w**2) / 2]], rtol=1e-14
    )  # E relu(z)^2 = E z^2 / 2
    np.testing.assert_allclose(
        relu_gaussian_kernel(w, -w), [[0.0]], atol=1e-14
    )  # relu(z) relu(-z) = 0
    rng = np.random.default_rng(0)
    W, V = rng.standard_normal((3, 3)), rng.standard_normal((4, 3))
    X = rng.standard_normal((3, 400_000))
    mc = np.maximum(W @ X, 0) @ np.maximum(V @ X, 0).T / X.shape[1]
    np.testing.assert_allclose(relu_gaussian_kernel(W, V), mc, rtol=0.02, atol=0.01)


def test_harmonic_representation():
    # Funk-Hecke constant: (1/2) int_{-1}^{1} relu(t) P_2(t) dt = 1/16
    value = 0.5 * scipy.integrate.quad(lambda t: t * (3 * t * t - 1) / 2, 0, 1)[0]
    assert abs(value - 1 / 16) < 1e-14
    # f*(x) = E_w rho(w) relu(<w, x>) by Monte Carlo over 200000 filters (standard error about 0.007)
    W = sphere_filters(200_000, 3, seed=1)
    X = np.random.default_rng(2).standard_normal((3, 5))
    mc = (harmonic_density(W)[:, None] * np.maximum(W @ X, 0)).mean(axis=0)
    np.testing.assert_allclose(mc, harmonic_target(X), atol=0.04)
    assert np.max(np.abs(harmonic_density(W))) <= 8 + 1e-12


def test_risk_against_monte_carlo_over_inputs():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((4, 3))
    u = rng.standard_normal(4)
    X = rng.standard_normal((3, 400_000))
    mc = np.mean((u @ np.maximum(W @ X, 0) - harmonic_target(X)) ** 2)
    assert abs(random_features_risk(u, W) - mc) < 0.02 * mc
    assert abs(random_features_risk(np.zeros(4), W) - TARGET_SECOND_MOMENT) < 1e-15
    assert abs(np.mean(harmonic_target(X) ** 2) - TARGET_SECOND_MOMENT) < 0.005


def test_best_output_layer_against_sample_least_squares():
    W = sphere_filters(6, 3, seed=4)
    u_best, risk_best = best_output_layer(W)
    X = np.random.default_rng(5).standard_normal((3, 400_000))
    u_sample = np.linalg.lstsq(np.maximum(W @ X, 0).T, harmonic_target(X), rcond=None)[
        0
    ]
    np.testing.assert_allclose(u_best, u_sample, atol=0.05)
    assert abs(random_features_risk(u_best, W) - risk_best) < 1e-12
    for s in range(5):  # nothing beats it
        u = u_best + 0.1 * np.random.default_rng(s).standard_normal(6)
        assert random_features_risk(u, W) >= risk_best - 1e-12


def test_monte_carlo_constant():
    # d1 = 1: E_w risk(rho(w), w) = E_w rho^2 / 2 - 2 E_w rho b + 1/5 = 128/15 - 2/5 + 1/5
    W = sphere_filters(100_000, 3, seed=6)
    rho = harmonic_density(W)
    b = 3 * W[:, 0] * W[:, 1] / 16
    risks = rho**2 / 2 - 2 * rho * b + TARGET_SECOND_MOMENT
    assert abs(risks.mean() - MONTE_CARLO_CONSTANT) < 0.02 * MONTE_CARLO_CONSTANT


def test_students_match_autograd_gradient_descent():
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((2, 6)), rng.standard_normal(6)
    out = train_relu_students(X, y, d1=3, n_runs=2, steps=30, lr=0.2, seed=8)
    init = np.random.default_rng(8)
    W0, u0 = (
        init.standard_normal((2, 3, 2)) / np.sqrt(2),
        init.standard_normal((2, 3)) / np.sqrt(3),
    )
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for r in range(2):

        def loss(params):
            return lu.squared_loss(params["v"] @ torch.relu(params["W"] @ Xt), yt) / 6

        params, hist = lu.gradient_descent(
            loss,
            {"v": torch.from_numpy(u0[r]), "W": torch.from_numpy(W0[r])},
            lr=0.2,
            max_steps=30,
        )
        np.testing.assert_allclose(out["W"][r], params["W"].numpy(), atol=1e-12)
        assert abs(out["loss"][r] - hist["loss"][-1]) < 1e-12
        assert abs(out["grad_norm"][r] - hist["grad_norm"][-1]) < 1e-10


def test_bad_input_raises():
    with pytest.raises(ValueError):
        relu_gaussian_kernel(np.zeros((1, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError):
        relu_gaussian_kernel(np.ones((1, 3)), np.ones((1, 2)))
    with pytest.raises(ValueError):
        harmonic_target(np.ones((2, 4)))
    with pytest.raises(ValueError):
        random_features_risk(np.ones(2), np.ones((3, 3)))
    with pytest.raises(ValueError):
        sphere_filters(0, 3)
    with pytest.raises(ValueError):
        train_relu_students(
            np.ones((2, 3)), np.ones(3), d1=2, n_runs=1, steps=5, lr=0.0
        )
    with pytest.raises(ValueError):
        train_relu_students(
            np.ones((2, 3)), np.ones(4), d1=2, n_runs=1, steps=5, lr=0.1
        )
