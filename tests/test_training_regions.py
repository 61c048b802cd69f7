"""Gradient descent on many problems at once and the regions it ends in, against independent ground truth:
a plain per-trial loop of autograd gradient descent (lecture_utils.gradient_descent), hand-made problems whose
outcome is known, a constructed interpolant with a known activation pattern, and the Wilson interval formula
checked on textbook values."""

import numpy as np
import pytest
import torch

import lecture_utils as lu
from lecture_utils.training_regions import (
    batched_gradient_descent,
    batched_jacobians,
    binomial_interval,
    final_region_report,
    init_step_sizes,
    gd_success_fraction,
    gradient_descent_trace,
    safe_step_sizes,
    sample_problems,
    training_regions_cell,
)


def test_batched_equals_per_trial_autograd_loop():
    p = sample_problems(2, 6, 5, trials=4, seed=3)
    lr = safe_step_sizes(p["X"], p["v"])
    out = batched_gradient_descent(p["W"], p["b"], p["v"], p["X"], p["y"], lr, steps=50)
    v = torch.from_numpy(p["v"])
    for t in range(4):
        X, y = torch.from_numpy(p["X"][t]), torch.from_numpy(p["y"][t])
        params = {"W": torch.from_numpy(p["W"][t]), "b": torch.from_numpy(p["b"][t])}
        final, history = lu.gradient_descent(
            lambda q: lu.squared_loss(lu.two_layer_relu(q["W"], q["b"], v, X), y),
            params,
            lr=float(lr[t]),
            max_steps=50,
        )
        np.testing.assert_allclose(out["W"][t], final["W"].numpy(), atol=1e-12)
        np.testing.assert_allclose(out["b"][t], final["b"].numpy(), atol=1e-12)
        assert out["loss"][t] == pytest.approx(history["loss"][-1], abs=1e-12)
        assert out["initial_loss"][t] == pytest.approx(history["loss"][0], abs=1e-12)


def test_safe_step_size_bounds_the_curvature_of_every_region():
    p = sample_problems(3, 7, 6, trials=5, seed=1)
    lr = safe_step_sizes(p["X"], p["v"])
    rng = np.random.default_rng(0)
    for t in range(5):
        for _ in range(
            20
        ):  # random patterns, including unrealisable ones: the bound holds for all
            A = rng.integers(0, 2, size=(7, 6))
            Xt = np.vstack([p["X"][t], np.ones((1, 6))])
            J = np.vstack([np.kron(p["v"] * A[:, j], Xt[:, j]) for j in range(6)])
            assert np.linalg.eigvalsh(J.T @ J).max() <= 1 / lr[t] * (1 + 1e-12)


def test_success_detection_on_hand_made_cases():
    # one unit, one point: F = relu(w x + b); x = 1, start w = b = 0.5, label 1 is fitted already
    W, b, X = np.array([[[0.5]]]), np.array([[0.5]]), np.array([[[1.0]]])
    v = np.array([1.0])
    done = batched_gradient_descent(
        W, b, v, X, np.array([[1.0]]), 0.1, steps=10, threshold=1e-12
    )
    assert done["success"][0] and done["steps"][0] == 0
    # label 3: the residual -2 shrinks by the factor (1 - 2 lr) per step (J J^T = x^2 + 1 = 2)
    far = batched_gradient_descent(
        W, b, v, X, np.array([[3.0]]), 0.25, steps=3, threshold=0.0
    )
    assert far["loss"][0] == pytest.approx(0.5 * (2 * 0.5**3) ** 2)
    assert not far["success"][0] and far["steps"][0] == 3
    # a dead unit (pre-activation negative) never moves: failure whatever the budget
    dead = batched_gradient_descent(
        -W, -b, v, X, np.array([[1.0]]), 0.1, steps=100, threshold=1e-6
    )
    assert not dead["success"][0] and dead["loss"][0] == pytest.approx(0.5)
    np.testing.assert_array_equal(dead["W"], -W)
    # the stopping rule freezes a trial: loss at most the threshold and one fewer step than without it
    two = batched_gradient_descent(
        np.repeat(W, 2, 0),
        np.repeat(b, 2, 0),
        v,
        np.repeat(X, 2, 0),
        np.array([[3.0], [1.0 + 1e-3]]),
        0.25,
        steps=40,
        threshold=1e-8,
    )
    assert two["success"].all() and two["steps"][1] < two["steps"][0]


def test_region_report_on_a_constructed_interpolant():
    # d0 = 1, three points, a pattern of step vectors, and weights that fit labels exactly in that region
    X = np.array([[-1.0, 0.0, 1.0]])
    W = np.array([[1.0], [1.0], [-1.0], [1.0]])
    b = np.array([1.5, -0.5, 0.5, 2.0])  # kinks at -1.5, 0.5, 0.5, -2.0
    v = np.array([1.0, -1.0, 1.0, -1.0])
    A = np.array([[1, 1, 1], [0, 0, 1], [1, 1, 0], [1, 1, 1]])
    np.testing.assert_array_equal(lu.activation_pattern(W, b, X), A)
    y = lu.two_layer_relu(W, b, v, X)
    W0, b0 = W.copy(), b.copy()
    b0[1] = 1.5  # the second unit was active on two more points at the start
    report = final_region_report(W0, b0, W, b, v, X, y)
    J = np.vstack([np.kron(v * A[:, j], [X[0, j], 1.0]) for j in range(3)])
    assert report["rank"] == np.linalg.matrix_rank(J) == 3 and report["full_rank"]
    assert report["has_global_minimum"]
    assert report["hamming"] == 2 and report["changed_fraction"] == pytest.approx(
        2 / 12
    )
    assert report["solution_dimension"] == 8 - 3
    assert report["margin"] == pytest.approx(0.5)
    Ws, bs = report["interpolant"]
    np.testing.assert_allclose(lu.two_layer_relu(Ws, bs, v, X), y, atol=1e-12)


def test_region_report_when_the_region_cannot_fit():
    # all units active with the same pattern: J has rank 2 < n = 3, non-collinear labels are out of reach
    X = np.array([[-1.0, 0.0, 1.0]])
    W, b, v = np.array([[0.1], [0.2]]), np.array([2.0, 2.0]), np.array([1.0, -1.0])
    report = final_region_report(W, b, W, b, v, X, np.array([0.0, 1.0, 0.0]))
    assert (
        report["rank"] == 2
        and not report["full_rank"]
        and not report["has_global_minimum"]
    )
    assert report["interpolant"] is None and report["hamming"] == 0


def test_cell_functions_are_json_compatible_and_deterministic():
    a = training_regions_cell(2, 8, 4, trials=5, seed=7, steps=200, threshold=1e-4)
    assert a == training_regions_cell(
        2, 8, 4, trials=5, seed=7, steps=200, threshold=1e-4
    )
    assert all(
        isinstance(a[k], float) for k in ("success", "full_rank", "global_minimum")
    )
    assert (
        gd_success_fraction(2, 8, 4, trials=5, seed=7, steps=200, threshold=1e-4)
        == a["success"]
    )


def test_wilson_interval_textbook_values():
    low, high = binomial_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = binomial_interval(5, 10)
    assert (low, high) == (
        pytest.approx(0.2366, abs=1e-4),
        pytest.approx(0.7634, abs=1e-4),
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: batched_gradient_descent(
            np.zeros((2, 3, 1)),
            np.zeros((2, 3)),
            np.ones(3),
            np.zeros((2, 1, 4)),
            np.zeros((2, 5)),
            0.1,
            5,
        ),
        lambda: batched_gradient_descent(
            np.zeros((2, 3, 1)),
            np.zeros((2, 3)),
            np.ones(3),
            np.zeros((2, 1, 4)),
            np.zeros((2, 4)),
            -0.1,
            5,
        ),
        lambda: batched_gradient_descent(
            np.zeros((2, 3, 1)),
            np.zeros((2, 3)),
            np.ones(3),
            np.zeros((2, 1, 4)),
            np.zeros((2, 4)),
            0.1,
            0,
        ),
        lambda: batched_gradient_descent(
            np.zeros((3, 1)),
            np.zeros(3),
            np.ones(3),
            np.zeros((1, 4)),
            np.zeros(4),
            0.1,
            5,
        ),
        lambda: gd_success_fraction(0, 4, 4, 3),
        lambda: gd_success_fraction(1, 4, 4, 3, scheme="xavier"),
        lambda: final_region_report(
            np.zeros((3, 1)),
            np.zeros(3),
            np.zeros((2, 1)),
            np.zeros(2),
            np.ones(2),
            np.zeros((1, 4)),
            np.zeros(4),
        ),
        lambda: binomial_interval(11, 10),
        lambda: safe_step_sizes(np.zeros(4), np.ones(2)),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()


def test_batched_jacobians_match_the_closed_form_per_trial():
    p = sample_problems(3, 5, 7, trials=4, seed=11)
    J = batched_jacobians(p["W"], p["b"], p["v"], p["X"])
    for t in range(4):
        np.testing.assert_array_equal(
            J[t], lu.relu_jacobian(p["W"][t], p["b"][t], p["v"], p["X"][t])
        )


def test_init_step_size_is_the_reciprocal_curvature():
    p = sample_problems(2, 6, 5, trials=3, seed=2)
    lr = init_step_sizes(p["W"], p["b"], p["v"], p["X"])
    for t in range(3):
        J = lu.relu_jacobian(p["W"][t], p["b"][t], p["v"], p["X"][t])
        assert lr[t] == pytest.approx(1 / np.linalg.eigvalsh(J.T @ J).max(), rel=1e-10)
    assert np.all(lr >= safe_step_sizes(p["X"], p["v"]))


def test_bad_step_rule_raises():
    with pytest.raises(ValueError):
        training_regions_cell(1, 4, 4, trials=2, step_rule="adam")


def test_end_of_training_against_per_trial_computations():
    from lecture_utils.training_regions import end_of_training

    ends = end_of_training(d0=2, d1=6, n=5, trials=4, seed=3, steps=200)
    q, out = ends["problems"], ends["result"]
    for t in range(4):
        W, b = out["W"][t], out["b"][t]
        J = lu.relu_jacobian(W, b, q["v"], q["X"][t])
        residual = lu.two_layer_relu(W, b, q["v"], q["X"][t]) - q["y"][t]
        s = np.linalg.svd(J, compute_uv=False)
        np.testing.assert_allclose(
            ends["conditioning"][t], (s[-1] / s[0]) ** 2, rtol=1e-10
        )
        np.testing.assert_allclose(
            ends["gradient_norm"][t],
            np.linalg.norm(J.T @ residual),
            rtol=1e-9,
            atol=1e-14,
        )
        A0 = lu.activation_pattern(q["W"][t], q["b"][t], q["X"][t])
        assert ends["started_with_global_minimum"][t] == lu.region_has_global_minimum(
            q["X"][t], q["y"][t], A0, q["v"]
        )
        assert ends["reports"][t]["rank"] == lu.jacobian_rank(J)


def _plain_trace(W, b, v, X, y, lr, steps, window):
    """One trial, step by step, with the explicit Jacobian of lu.relu_jacobian: the pattern
    from lu.activation_pattern, the in-region loss change from the region's quadratic."""
    theta = np.hstack([W, b[:, None]]).ravel()
    d1, d0 = W.shape

    def split(t):
        m = t.reshape(d1, d0 + 1)
        return m[:, :d0], m[:, d0]

    def loss(t):
        return float(lu.squared_loss(lu.two_layer_relu(*split(t), v, X), y))

    changes = increases = 0
    predicted = decrease = 0.0
    for step in range(steps):
        Wt, bt = split(theta)
        J = lu.relu_jacobian(Wt, bt, v, X)
        g = J.T @ (J @ theta - y)  # F = J theta on the region (Euler)
        new = theta - lr * g
        if step >= steps - window:
            before, after = loss(theta), loss(new)
            quadratic = 0.5 * np.sum((J @ new - y) ** 2)
            predicted += before - quadratic
            decrease += before - after
            increases += after > before
            changes += not np.array_equal(
                lu.activation_pattern(Wt, bt, X), lu.activation_pattern(*split(new), X)
            )
        theta = new
    return changes, increases, predicted, decrease, loss(theta)


def test_trace_against_a_plain_loop_with_the_explicit_jacobian():
    p = sample_problems(1, 16, 6, trials=4, seed=11)
    lr = init_step_sizes(p["W"], p["b"], p["v"], p["X"])
    out = gradient_descent_trace(
        p["W"], p["b"], p["v"], p["X"], p["y"], lr, 300, window=60, checkpoints=(0, 300)
    )
    zigzags = 0
    for t in range(4):
        changes, increases, predicted, decrease, final = _plain_trace(
            p["W"][t], p["b"][t], p["v"], p["X"][t], p["y"][t], lr[t], 300, 60
        )
        assert out["pattern_changes"][t] == changes
        assert out["increases"][t] == increases
        assert out["predicted"][t] == pytest.approx(predicted, rel=1e-6, abs=1e-12)
        assert out["decrease"][t] == pytest.approx(decrease, rel=1e-6, abs=1e-12)
        assert out["loss"][t] == pytest.approx(final, rel=1e-9)
        assert out["loss_at"][t, 1] == out["loss"][t]
        zigzags += changes > 0
    assert zigzags >= 1  # the comparison covers steps that cross boundaries
    start = lu.squared_loss(
        lu.two_layer_relu(p["W"][0], p["b"][0], p["v"], p["X"][0]), p["y"][0]
    )
    assert out["loss_at"][0, 0] == pytest.approx(float(start))


def test_trace_agrees_with_batched_descent_and_in_region_steps_follow_the_quadratic():
    p = sample_problems(4, 8, 4, trials=5, seed=2)
    lr = init_step_sizes(p["W"], p["b"], p["v"], p["X"])
    run = batched_gradient_descent(p["W"], p["b"], p["v"], p["X"], p["y"], lr, 200)
    out = gradient_descent_trace(p["W"], p["b"], p["v"], p["X"], p["y"], lr, 200)
    assert np.allclose(out["W"], run["W"], atol=1e-12)
    assert np.allclose(out["loss"], run["loss"], rtol=1e-9, atol=1e-15)
    assert out["largest_mismatch"].max() < 1e-12
    # a run inside one region: tiny steps from a point with large margins never change
    # the pattern, and each step gives at least the guaranteed decrease
    W, b = np.array([[[1.0], [-1.0]]]), np.array([[3.0, 3.0]])
    X, y = np.array([[[0.5, -0.5, 0.1]]]), np.array([[0.0, 1.0, -1.0]])
    v = np.array([1.0, -1.0])
    one = gradient_descent_trace(W, b, v, X, y, 1e-3, 50, window=50)
    assert one["pattern_changes"][0] == 0 and one["increases"][0] == 0
    assert one["decrease"][0] == pytest.approx(one["predicted"][0], rel=1e-9)
    assert one["decrease"][0] >= one["guaranteed"][0] > 0


@pytest.mark.parametrize(
    "kwargs",
    [{"window": 0}, {"window": 11}, {"checkpoints": (11,)}, {"checkpoints": (-1,)}],
)
def test_trace_bad_input_raises(kwargs):
    p = sample_problems(1, 4, 3, trials=2, seed=0)
    with pytest.raises(ValueError):
        gradient_descent_trace(
            p["W"], p["b"], p["v"], p["X"], p["y"], 0.1, 10, **kwargs
        )
    with pytest.raises(ValueError):
        gradient_descent_trace(p["W"], p["b"], p["v"], p["X"], p["y"], -0.1, 10)
