"""The manifold of global minima: projections, tangent spaces and walks, against closed forms."""

import numpy as np
import pytest
import torch

import lecture_utils as lu
from lecture_utils.manifold import (
    flatten_params,
    gauss_newton_to_manifold,
    tangent_space,
    unflatten_params,
    walk_on_manifold,
)


def sphere_model(p):
    """F(theta) = ||theta||^2 on one 'data point': M = {F = 1} is the unit sphere."""
    return (p["theta"] ** 2).sum().reshape(1)


def test_flatten_and_unflatten_are_inverse_and_follow_jacobian_columns():
    params = lu.init_mlp([2, 3, 1], seed=0)
    theta = flatten_params(params)
    assert theta.shape == (lu.count_parameters(params),)
    back = unflatten_params(theta, params)
    assert list(back) == list(params)
    for k in params:
        np.testing.assert_array_equal(back[k].numpy(), params[k].numpy())
    # The column order of parameter_jacobian is the flattening order: check one entry by finite differences.
    X = lu.gaussian_inputs(2, 4, seed=1)
    model = lambda p: lu.mlp(p, X, "tanh")
    J = lu.parameter_jacobian(model, params)
    h, k = 1e-6, 7
    e = np.zeros_like(theta)
    e[k] = h
    fd = (
        model(unflatten_params(theta + e, params))
        - model(unflatten_params(theta - e, params))
    ).numpy() / (2 * h)
    np.testing.assert_allclose(J[:, k], fd, atol=1e-8)


def test_projection_onto_affine_set_is_the_orthogonal_projection():
    # F(theta) = A theta is linear: M = {A theta = y}, and one least-norm step lands exactly on the
    # orthogonal projection theta0 - A^+ (A theta0 - y) (closed form).
    rng = np.random.default_rng(0)
    A, y, theta0 = (
        rng.standard_normal((3, 7)),
        rng.standard_normal(3),
        rng.standard_normal(7),
    )
    model = lambda p: torch.from_numpy(A) @ p["theta"]
    out, info = gauss_newton_to_manifold(model, {"theta": torch.from_numpy(theta0)}, y)
    expected = theta0 - np.linalg.pinv(A) @ (A @ theta0 - y)
    np.testing.assert_allclose(out["theta"].numpy(), expected, atol=1e-12)
    assert info["converged"] and info["steps"] == 1 and info["loss"] <= 0.5 * 1e-24


def test_projection_onto_sphere_is_radial():
    # For F(theta) = ||theta||^2 every least-norm Gauss-Newton step is along theta itself, so the
    # iterates stay on the ray through theta0 and converge to theta0 / ||theta0||.
    theta0 = np.array([0.3, -2.0, 1.1])
    out, info = gauss_newton_to_manifold(
        sphere_model, {"theta": torch.from_numpy(theta0)}, np.ones(1)
    )
    np.testing.assert_allclose(
        out["theta"].numpy(), theta0 / np.linalg.norm(theta0), atol=1e-12
    )
    assert info["converged"] and abs(np.linalg.norm(out["theta"].numpy()) - 1) < 1e-12
    assert np.all(np.diff(info["residual_norms"]) < 0)


def test_projection_of_a_network_and_its_tangent_space():
    X, y = lu.gaussian_inputs(2, 6, seed=0), lu.random_labels(6, seed=1)
    model = lambda p: lu.mlp(p, X, "softplus")
    params, info = gauss_newton_to_manifold(model, lu.init_mlp([2, 6, 1], seed=10), y)
    assert info["converged"]
    assert np.linalg.norm(model(params).numpy() - y) <= 1e-12
    J = lu.parameter_jacobian(model, params)
    m = J.shape[1]
    T = tangent_space(J)
    assert T.shape == (m, m - 6)
    np.testing.assert_allclose(T.T @ T, np.eye(m - 6), atol=1e-12)
    assert np.max(np.abs(J @ T)) < 1e-12 * np.linalg.norm(J, 2)
    # Tangent directions leave M only to second order; normal directions to first order.
    theta = flatten_params(params)
    u_tan, u_norm = T[:, 0], J[0] / np.linalg.norm(J[0])
    for t in (1e-2, 1e-3):
        off_tan = np.linalg.norm(
            model(unflatten_params(theta + t * u_tan, params)).numpy() - y
        )
        off_norm = np.linalg.norm(
            model(unflatten_params(theta + t * u_norm, params)).numpy() - y
        )
        assert off_tan < 10 * t**2 and off_norm > 0.1 * t


def test_tangent_space_closed_form_and_tolerance():
    J = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    T = tangent_space(J)
    assert T.shape == (3, 1)
    np.testing.assert_allclose(np.abs(T[:, 0]), [0.0, 0.0, 1.0], atol=1e-15)
    # Rank-deficient: two equal rows leave a 2-dimensional null space in R^3.
    T2 = tangent_space(np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]))
    assert T2.shape == (3, 2)
    np.testing.assert_allclose(T2.T @ T2, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(T2.sum(axis=0), 0.0, atol=1e-12)
    # The tolerance is relative, as in jacobian_rank.
    assert tangent_space(np.diag([1.0, 1e-6])).shape == (2, 0)
    assert tangent_space(np.diag([1.0, 1e-6]), rtol=1e-3).shape == (2, 1)


def test_walk_on_sphere_stays_on_it_and_follows_a_great_circle():
    theta0 = np.array([1.0, 0.0, 0.0])
    path, history = walk_on_manifold(
        sphere_model,
        {"theta": torch.from_numpy(theta0)},
        np.ones(1),
        n_steps=40,
        step_size=0.05,
        direction=np.array([0.0, 1.0, 0.0]),
    )
    assert path.shape == (41, 3)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-12)
    # Starting along e2 from e1, the walk stays in the plane spanned by e1 and e2 (a great circle).
    np.testing.assert_allclose(path[:, 2], 0.0, atol=1e-12)
    assert np.all(history["tangent_dim"] == 2) and history["loss"].max() < 1e-24
    # Each step moves by h along the tangent, then projects radially (see above): it turns by arctan(h).
    angle = np.arctan2(path[-1, 1], path[-1, 0])
    np.testing.assert_allclose(angle, 40 * np.arctan(0.05), atol=1e-10)
    np.testing.assert_allclose(
        history["distance"][-1], np.linalg.norm(path[-1] - theta0)
    )
    assert np.all(history["predictor_loss"] > 0)


def test_walk_is_deterministic_given_seed():
    X, y = lu.gaussian_inputs(2, 3, seed=0), lu.random_labels(3, seed=1)
    model = lambda p: lu.mlp(p, X, "tanh")
    start = lu.init_mlp([2, 2, 1], seed=3)
    a, _ = walk_on_manifold(model, start, y, n_steps=3, step_size=0.1, seed=5)
    b, _ = walk_on_manifold(model, start, y, n_steps=3, step_size=0.1, seed=5)
    np.testing.assert_array_equal(a, b)


def test_bad_input_raises():
    start = {"theta": torch.ones(3, dtype=torch.float64)}
    with pytest.raises(ValueError, match="shape"):
        gauss_newton_to_manifold(sphere_model, start, np.ones(2))
    with pytest.raises(ValueError, match="tol"):
        gauss_newton_to_manifold(sphere_model, start, np.ones(1), tol=-1.0)
    with pytest.raises(ValueError, match="callable"):
        gauss_newton_to_manifold("not a model", start, np.ones(1))
    with pytest.raises(ValueError, match="dictionary"):
        gauss_newton_to_manifold(sphere_model, {}, np.ones(1))
    with pytest.raises(ValueError, match="n_steps"):
        walk_on_manifold(sphere_model, start, np.ones(1), n_steps=0, step_size=0.1)
    with pytest.raises(ValueError, match="step_size"):
        walk_on_manifold(sphere_model, start, np.ones(1), n_steps=2, step_size=-0.1)
    with pytest.raises(ValueError, match="nonzero"):
        walk_on_manifold(
            sphere_model,
            start,
            np.ones(1),
            n_steps=2,
            step_size=0.1,
            direction=np.zeros(3),
        )
    with pytest.raises(ValueError, match="length"):
        walk_on_manifold(
            sphere_model,
            start,
            np.ones(1),
            n_steps=2,
            step_size=0.1,
            direction=np.ones(2),
        )
    with pytest.raises(ValueError, match="2 dimension"):
        tangent_space(np.ones(3))
    with pytest.raises(ValueError, match="rtol"):
        tangent_space(np.eye(2), rtol=-1.0)
    with pytest.raises(ValueError, match="length"):
        unflatten_params(np.ones(2), start)


# --- plot_manifold_walk: the figure of Chapter 3's walk ---


def _walk_record(steps=12):
    rng = np.random.default_rng(1)
    s = np.concatenate([[0.0], np.cumsum(rng.uniform(0.04, 0.05, steps))])
    history = {
        "arc_length": s,
        "loss": 10.0 ** rng.uniform(-31, -22, steps + 1),
        "predictor_loss": 10.0 ** rng.uniform(-8, -6, steps),
        "distance": 0.95 * s,
    }
    outputs_data = np.tile(rng.normal(size=4), (steps + 1, 1))
    outputs_data[5, 2] += 1e-13  # rounding noise on the data: drawn at 0
    outputs_test = np.cumsum(rng.normal(size=(steps + 1, 3)), axis=0)
    return history, outputs_data, outputs_test


def test_plot_manifold_walk_draws_the_data():
    import matplotlib.pyplot as plt

    from lecture_utils.manifold import plot_manifold_walk

    history, outputs_data, outputs_test = _walk_record()
    s = history["arc_length"]
    fig = plot_manifold_walk(history, outputs_data, outputs_test)
    ax_loss, ax_dist, ax_out = fig.axes
    predictor, projected, level = ax_loss.get_lines()
    np.testing.assert_array_equal(predictor.get_xdata(), s[1:])
    np.testing.assert_array_equal(predictor.get_ydata(), history["predictor_loss"])
    np.testing.assert_array_equal(projected.get_ydata(), np.full(s.size, 1e-20))
    assert level.get_ydata()[0] == 1e-20 and ax_loss.get_yscale() == "log"
    assert projected.get_label() == r"after projection, $\max(L, 10^{-20})$"
    assert level.get_label() == "interpolation level $10^{-20}$"
    distance, diagonal = ax_dist.get_lines()
    np.testing.assert_array_equal(distance.get_ydata(), history["distance"])
    np.testing.assert_array_equal(diagonal.get_ydata(), s)
    lines = ax_out.get_lines()
    assert len(lines) == 4 + 3
    assert all(np.all(line.get_ydata() == 0) for line in lines[:4])
    for j, line in enumerate(lines[4:]):
        expected = outputs_test[:, j] - outputs_test[0, j]
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=0, atol=0)
        assert line.get_label() == f"test input {j + 1}"
        assert line.get_color() == lu.PALETTE[j + 3]
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "Loss along the walk",
        "Distance from the start",
        "Change of the outputs",
    ]
    plt.close(fig)
    # a change of the data outputs above the floor is drawn as it is
    outputs_data[5, 2] += 1e-3
    fig = plot_manifold_walk(history, outputs_data, outputs_test, level=1e-25)
    assert fig.axes[2].get_lines()[2].get_ydata()[5] == pytest.approx(1e-3)
    assert fig.axes[0].get_lines()[1].get_label().endswith("10^{-25})$")
    plt.close(fig)


def test_plot_manifold_walk_rejects_bad_input():
    from lecture_utils.manifold import plot_manifold_walk

    history, outputs_data, outputs_test = _walk_record()
    with pytest.raises(ValueError, match="length"):
        plot_manifold_walk(
            {**history, "predictor_loss": history["predictor_loss"][:-1]},
            outputs_data,
            outputs_test,
        )
    with pytest.raises(ValueError, match="lacks"):
        plot_manifold_walk({"loss": history["loss"]}, outputs_data, outputs_test)
    with pytest.raises(ValueError):
        plot_manifold_walk(history, outputs_data[:-1], outputs_test)
    with pytest.raises(ValueError, match="power of ten"):
        plot_manifold_walk(history, outputs_data, outputs_test, level=3e-20)
    with pytest.raises(TypeError):
        plot_manifold_walk([1, 2], outputs_data, outputs_test)
