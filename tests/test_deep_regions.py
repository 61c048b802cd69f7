"""Boundaries of regions, deep Jacobians and region volumes, against independent ground truth:
difference quotients, automatic differentiation, a general constrained solver, random perturbations,
hand-computed areas and probabilities, and Monte Carlo sampling."""

import math

import numpy as np
import pytest
import scipy.optimize

import lecture_utils as lu
from lecture_utils.deep_regions import (
    anticoncentration_gamma,
    anticoncentration_width,
    deep_relu_jacobian,
    descend_to_local_minimum,
    full_rank_volume_fraction,
    is_local_minimum,
    one_sided_derivative,
    pattern_distribution_2d,
    piece_minimum,
    proposition11_width,
)
from lecture_utils.global_minima import random_step_matrix, step_vectors


def loss(w, b, v, x, y):
    return 0.5 * np.sum((v @ np.maximum(0.0, np.outer(w, x) + b[:, None]) - y) ** 2)


# ---------------------------------------------------------------- one-sided derivatives


@pytest.mark.parametrize("seed", range(5))
def test_one_sided_derivative_matches_difference_quotients_at_kinks(seed):
    rng = np.random.default_rng(seed)
    x, y = np.sort(rng.uniform(-1, 1, 5)), rng.normal(size=5)
    w, v = rng.normal(size=3), rng.normal(size=3)
    b = -w * x[rng.integers(0, 5, size=3)]  # every unit has its kink on a data point
    for _ in range(10):
        d = tuple(rng.normal(size=3) for _ in range(3))
        t = 1e-7
        quotient = (
            loss(w + t * d[0], b + t * d[1], v + t * d[2], x, y) - loss(w, b, v, x, y)
        ) / t
        assert one_sided_derivative(w, b, v, x, y, d) == pytest.approx(
            quotient, abs=1e-5
        )


# ---------------------------------------------------------------- minimum over a closed region


@pytest.mark.parametrize("seed", range(6))
def test_piece_minimum_agrees_with_a_general_constrained_solver(seed):
    rng = np.random.default_rng(seed)
    n, d1 = 4, 2
    x, y = np.sort(rng.uniform(-1, 1, n)), rng.normal(size=n)
    A = random_step_matrix(n, d1, seed=rng)
    s = rng.choice([-1.0, 1.0], size=d1)
    w, b, v, value = piece_minimum(x, y, A, s)
    # the returned point lies in the closed region, with the given signs, and has the returned loss
    z = np.outer(w, x) + b[:, None]
    assert np.all((2 * A - 1) * z >= -1e-12) and np.array_equal(v, s)
    assert value == pytest.approx(loss(w, b, v, x, y), abs=1e-12)
    # for fixed v = s the loss is a convex quadratic of (w, b) on the closed region: SLSQP finds its minimum
    sign = (2 * A - 1).astype(float)

    def objective(p):
        return 0.5 * np.sum((s @ (A * (np.outer(p[:d1], x) + p[d1:, None])) - y) ** 2)

    cons = {
        "type": "ineq",
        "fun": lambda p: (sign * (np.outer(p[:d1], x) + p[d1:, None])).ravel(),
    }
    best = min(
        scipy.optimize.minimize(
            objective,
            rng.normal(size=2 * d1),
            constraints=[cons],
            method="SLSQP",
            options={"ftol": 1e-14, "maxiter": 500},
        ).fun
        for _ in range(5)
    )
    assert value == pytest.approx(best, abs=1e-6)


def test_piece_minimum_of_the_all_active_region_is_the_affine_least_squares_fit():
    x, y = np.array([-1.0, 0.0, 1.0]), np.array([1.0, -1.0, 1.0])
    _, _, _, value = piece_minimum(x, y, np.ones((1, 3), dtype=int), np.array([1.0]))
    assert value == pytest.approx(
        0.5 * (4 / 9 + 16 / 9 + 4 / 9)
    )  # constant 1/3, no slope


# ---------------------------------------------------------------- local minimality


def test_hand_computed_local_minima():
    x, y = np.array([-1.0, 0.0, 1.0]), np.array([1.0, -1.0, 1.0])
    # a unit with w = b = 0 and v < 0: the first-order change is dz(-1)+ - dz(0)+ + dz(1)+ >= 0, as the
    # pre-activation change dz is affine in x, so dz(0) is the mean of dz(-1) and dz(1)
    assert is_local_minimum(np.zeros(1), np.zeros(1), -np.ones(1), x, y)
    # the same with v > 0 is not: raising b makes the outputs at +-1 approach the labels 1
    assert not is_local_minimum(np.zeros(1), np.zeros(1), np.ones(1), x, y)
    # interior least-squares critical point (differentiable, rank-deficient): a local minimum
    assert is_local_minimum(np.zeros(1), np.array([1 / 3]), np.ones(1), x, y)
    assert not is_local_minimum(np.zeros(1), np.array([0.5]), np.ones(1), x, y)


@pytest.mark.parametrize("seed", range(8))
def test_is_local_minimum_against_random_perturbations(seed):
    rng = np.random.default_rng(seed)
    n, d1 = 4, int(rng.integers(1, 3))
    x, y = np.sort(rng.uniform(-1, 1, n)), rng.normal(size=n)
    A = random_step_matrix(n, d1, seed=rng)
    s = rng.choice([-1.0, 1.0], size=d1)
    w, b, v, value = piece_minimum(x, y, A, s)
    P = rng.normal(size=(20000, 3 * d1))
    P *= (10.0 ** rng.uniform(-6, -2, size=(20000, 1))) / np.linalg.norm(
        P, axis=1, keepdims=True
    )
    lowest = min(loss(w + p[:d1], b + p[d1 : 2 * d1], v + p[2 * d1 :], x, y) for p in P)
    if is_local_minimum(w, b, v, x, y):
        assert lowest >= value - 1e-12
    else:
        assert lowest < value - 1e-12


def test_descent_ends_at_a_certified_local_minimum_and_never_increases():
    rng = np.random.default_rng(3)
    x, y = np.linspace(-1, 1, 5), rng.normal(size=5)
    for _ in range(20):
        A = random_step_matrix(5, 3, seed=rng)
        s = rng.choice([-1.0, 1.0], size=3)
        start = piece_minimum(x, y, A, s)[3]
        w, b, v, value, steps = descend_to_local_minimum(x, y, A, s)
        assert (
            steps < 200 and is_local_minimum(w, b, v, x, y) and value <= start + 1e-12
        )


# ---------------------------------------------------------------- deep Jacobian


@pytest.mark.parametrize("widths", [[2, 4, 1], [3, 5, 4, 6, 1], [1, 3, 3, 3, 2, 1]])
def test_deep_relu_jacobian_matches_autograd(widths):
    X = lu.gaussian_inputs(widths[0], 6, seed=1)
    params = lu.init_mlp(widths, seed=2, bias=False)
    L = len(widths) - 1
    hidden = [params[f"W{l}"].numpy() for l in range(1, L)]
    J = deep_relu_jacobian(hidden, params[f"W{L}"].numpy()[0], X)
    J_auto = lu.parameter_jacobian(
        lambda p: lu.mlp(p, X), params, wrt=[f"W{l}" for l in range(1, L)]
    )
    assert J.shape == J_auto.shape and np.abs(J - J_auto).max() < 1e-12


def test_deep_relu_jacobian_with_one_hidden_layer_is_the_khatri_rao_form():
    rng = np.random.default_rng(0)
    W, v, X = rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=(3, 8))
    assert np.allclose(
        deep_relu_jacobian([W], v, X), lu.relu_jacobian(W, None, v, X), atol=1e-14
    )


# ---------------------------------------------------------------- volumes


def test_volume_fraction_one_unit_two_points_hand_computed():
    # rank 2 iff the unit is active on both points: b > |w| / 2 for x = (-1/2, 1/2); area 3/2 of 4
    p = full_rank_volume_fraction(np.array([-0.5, 0.5]), 1, 200_000, seed=0)
    assert p == pytest.approx(0.375, abs=4 * math.sqrt(0.375 * 0.625 / 200_000))


def test_volume_fraction_against_a_loop_over_samples():
    x = np.linspace(-1, 1, 4)
    rng = np.random.default_rng(5)
    hits = 0
    for _ in range(3000):
        w, b = rng.uniform(-1, 1, (6, 1)), rng.uniform(-1, 1, 6)
        hits += lu.jacobian_rank(lu.relu_jacobian(w, b, np.ones(6), x[None, :])) == 4
    p = full_rank_volume_fraction(x, 6, 20_000, seed=1)
    assert abs(p - hits / 3000) < 4 * math.sqrt(0.25 * (1 / 3000 + 1 / 20_000))


def test_widths():
    assert proposition11_width(0.5, 5, 0.1) == pytest.approx(8 * math.log(50))
    assert anticoncentration_width(6, 2, 0.5, 0.1) == pytest.approx(
        32 * math.log(20) + 4 * 4
    )


# ---------------------------------------------------------------- anticoncentration


def test_pattern_distribution_2d_against_sampling():
    X = lu.gaussian_inputs(2, 5, seed=4)
    P, p = pattern_distribution_2d(X)
    assert (
        len(P) == 10
        and p.sum() == pytest.approx(1.0)
        and len({tuple(r) for r in P}) == 10
    )
    units = np.random.default_rng(0).normal(size=(200_000, 2))
    sampled = (units @ X > 0).astype(int)
    for row, prob in zip(P, p):
        assert np.mean(np.all(sampled == row, axis=1)) == pytest.approx(
            prob, abs=4 * math.sqrt(prob / 200_000)
        )


def test_gamma_of_two_orthogonal_points_is_one_half():
    # patterns (1,1), (0,1), (0,0), (1,0) with probability 1/4 each; a line holds 0 and one more pattern
    P, p = pattern_distribution_2d(np.eye(2))
    assert np.allclose(p, 0.25) and anticoncentration_gamma(P, p) == pytest.approx(0.5)


def test_gamma_is_attained_and_never_beaten_by_random_hyperplanes():
    X = lu.gaussian_inputs(2, 5, seed=7)
    P, p = pattern_distribution_2d(X)
    gamma = anticoncentration_gamma(P, p)
    rng = np.random.default_rng(1)
    best = 0.0
    for _ in range(3000):
        u = np.linalg.svd(P[rng.choice(len(P), 4, replace=False)])[2][
            -1
        ]  # a hyperplane through 4 patterns
        best = max(best, p[np.abs(P @ u) < 1e-9].sum())
    assert best <= 1 - gamma + 1e-12 and best == pytest.approx(1 - gamma)


# ---------------------------------------------------------------- validation


def test_bad_input_raises():
    x, y = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    with pytest.raises(ValueError):
        piece_minimum(np.array([0.0, 0.0]), y, np.ones((1, 2), dtype=int), np.ones(1))
    with pytest.raises(ValueError):
        piece_minimum(x, y, np.full((1, 2), 2), np.ones(1))
    with pytest.raises(ValueError):
        piece_minimum(x, y, np.ones((1, 2), dtype=int), np.array([0.5]))
    with pytest.raises(ValueError):
        is_local_minimum(np.ones(1), np.ones(1), np.zeros(1), x, y)
    with pytest.raises(ValueError):
        deep_relu_jacobian([np.ones((2, 3))], np.ones(2), np.ones((2, 4)))
    with pytest.raises(ValueError):
        deep_relu_jacobian([], np.ones(2), np.ones((2, 4)))
    with pytest.raises(ValueError):
        full_rank_volume_fraction(x, 0, 10)
    with pytest.raises(ValueError):
        proposition11_width(0.0, 3, 0.1)
    with pytest.raises(ValueError):
        pattern_distribution_2d(np.array([[1.0, 2.0], [1.0, 2.0]]))
    with pytest.raises(ValueError):
        anticoncentration_width(3, 2, 1.5, 0.1)
    with pytest.raises(ValueError):
        one_sided_derivative(
            np.ones(2),
            np.ones(2),
            np.ones(2),
            x,
            y,
            (np.ones(1), np.ones(1), np.ones(1)),
        )
    assert len(step_vectors(3)) == 6


def test_deep_sigma_ratios_against_autograd_and_by_hand():
    import torch

    from lecture_utils.deep_regions import deep_sigma_ratios

    X = lu.gaussian_inputs(3, 6, seed=4)
    ratios = deep_sigma_ratios(X, [5], 4, trials=3, seed=11)
    # the same draws, by hand: He weights layer by layer, the Jacobian by autograd
    rng = np.random.default_rng(11)
    for ratio in ratios:
        W1 = rng.normal(size=(5, 3)) * np.sqrt(2 / 3)
        W2 = rng.normal(size=(4, 5)) * np.sqrt(2 / 5)
        v = np.array([1.0, -1.0, 1.0, -1.0])
        params = {
            "W1": torch.tensor(W1),
            "W2": torch.tensor(W2),
            "W3": torch.tensor(v[None, :]),
        }
        J = lu.parameter_jacobian(lambda p: lu.mlp(p, X), params, wrt=["W1", "W2"])
        s = np.linalg.svd(J, compute_uv=False)
        assert ratio == pytest.approx(s[5] / s[0], rel=1e-9)
    # one unit in the last layer of a one-hidden-layer network: J has rank <= d0 = 3 < n
    assert np.all(deep_sigma_ratios(X, [], 1, trials=5, seed=0) < 1e-12)
    # a Generator is advanced: two calls give different samples
    rng = np.random.default_rng(1)
    assert not np.array_equal(
        deep_sigma_ratios(X, [5], 4, 2, rng), deep_sigma_ratios(X, [5], 4, 2, rng)
    )


def test_deep_sigma_ratios_rejects_bad_arguments():
    from lecture_utils.deep_regions import deep_sigma_ratios

    X = np.ones((2, 3))
    with pytest.raises(ValueError, match="trials"):
        deep_sigma_ratios(X, [4], 2, trials=0)
    with pytest.raises(ValueError, match="width"):
        deep_sigma_ratios(X, [0], 2, trials=2)
    with pytest.raises(ValueError, match="seed"):
        deep_sigma_ratios(X, [4], 2, trials=2, seed=-1)
