"""Jacobians and ranks against independent ground truth: hand computation, autograd, finite differences."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lecture_utils as lu


def autograd_relu_jacobian(W, b, v, X):
    """Autograd Jacobian of the two-layer ReLU network w.r.t. theta = [W | b], flattened row by row."""
    d0 = W.shape[1]
    Xt, vt = torch.from_numpy(X), torch.from_numpy(v)
    if b is None:
        return lu.parameter_jacobian(
            lambda p: lu.two_layer_relu(p["W"], None, vt, Xt),
            {"W": torch.from_numpy(W)},
        )
    theta = torch.from_numpy(np.column_stack([W, b]))
    return lu.parameter_jacobian(
        lambda p: lu.two_layer_relu(p["T"][:, :d0], p["T"][:, d0], vt, Xt), {"T": theta}
    )


def test_relu_jacobian_by_hand():
    # One unit, one input: pre-activations 2*1 - 1 = 1 > 0 and 2*0 - 1 = -1 < 0.
    J = lu.relu_jacobian(W=[[2.0]], b=[-1.0], v=[3.0], X=[[1.0, 0.0]])
    np.testing.assert_array_equal(J, [[3.0, 3.0], [0.0, 0.0]])
    # Two units, two inputs, no bias: row j is kron(v * a_j, x_j).
    W, v, X = (
        np.array([[1.0, 0.0], [0.0, -1.0]]),
        np.array([2.0, -1.0]),
        np.array([[1.0, 3.0], [2.0, -4.0]]),
    )
    # pre-activations: unit 1 -> (1, 3) both active; unit 2 -> (-2, 4): only point 2 active
    expected = np.array([[2 * 1, 2 * 2, 0, 0], [2 * 3, 2 * -4, -1 * 3, -1 * -4]])
    np.testing.assert_array_equal(lu.relu_jacobian(W, None, v, X), expected)


@pytest.mark.parametrize(
    "d0,d1,n,bias",
    [(1, 3, 5, True), (2, 4, 6, True), (3, 5, 4, False), (5, 7, 20, True)],
)
def test_relu_jacobian_equals_autograd(d0, d1, n, bias):
    X = lu.gaussian_inputs(d0, n, seed=1)
    W, b, v = lu.init_two_layer(d0, d1, seed=2)
    v = v * np.linspace(0.5, 2.0, d1)
    b = b if bias else None
    J = lu.relu_jacobian(W, b, v, X)
    assert J.shape == (n, d1 * (d0 + (1 if bias else 0)))
    np.testing.assert_allclose(
        J, autograd_relu_jacobian(W, b, v, X), rtol=0, atol=1e-14
    )


def test_relu_jacobian_equals_finite_differences():
    X = lu.gaussian_inputs(2, 7, seed=3)
    W, b, v = lu.init_two_layer(2, 5, seed=4)
    theta = np.column_stack([W, b])
    J = lu.relu_jacobian(W, b, v, X)
    h = 1e-6
    for k in range(theta.size):
        e = np.zeros(theta.size)
        e[k] = h
        plus, minus = (
            (theta.ravel() + e).reshape(theta.shape),
            (theta.ravel() - e).reshape(theta.shape),
        )
        fd = (
            lu.two_layer_relu(plus[:, :2], plus[:, 2], v, X)
            - lu.two_layer_relu(minus[:, :2], minus[:, 2], v, X)
        ) / (2 * h)
        np.testing.assert_allclose(J[:, k], fd, atol=1e-8)


def test_gradient_is_jacobian_transpose_times_residual():
    X = lu.gaussian_inputs(3, 8, seed=5)
    y = lu.random_labels(8, seed=6)
    W, b, v = lu.init_two_layer(3, 6, seed=7)
    theta = torch.from_numpy(np.column_stack([W, b])).requires_grad_(True)
    preds = lu.two_layer_relu(
        theta[:, :3], theta[:, 3], torch.from_numpy(v), torch.from_numpy(X)
    )
    lu.squared_loss(preds, torch.from_numpy(y)).backward()
    J = lu.relu_jacobian(W, b, v, X)
    residual = lu.two_layer_relu(W, b, v, X) - y
    np.testing.assert_allclose(theta.grad.numpy().ravel(), J.T @ residual, atol=1e-13)


def test_parameter_jacobian_of_linear_model_is_design_matrix():
    # F(theta, X) = X^T theta is linear: its Jacobian is X^T, whatever theta is.
    X = lu.gaussian_inputs(4, 6, seed=8)
    J = lu.parameter_jacobian(
        lambda p: torch.from_numpy(X).T @ p["theta"],
        {"theta": torch.ones(4, dtype=torch.float64)},
    )
    np.testing.assert_array_equal(J, X.T)


def test_parameter_jacobian_selects_and_orders_parameters():
    params = lu.init_mlp([2, 3, 1], seed=0)
    X = lu.gaussian_inputs(2, 5, seed=1)
    full = lu.parameter_jacobian(lambda p: lu.mlp(p, X, "tanh"), params)
    assert full.shape == (5, lu.count_parameters(params))
    only_b2_w1 = lu.parameter_jacobian(
        lambda p: lu.mlp(p, X, "tanh"), params, wrt=["b2", "W1"]
    )
    # b2 enters additively: its column is all ones; W1's columns are the first 6 of the full Jacobian.
    np.testing.assert_allclose(only_b2_w1[:, 0], np.ones(5))
    np.testing.assert_allclose(only_b2_w1[:, 1:], full[:, :6])
    with pytest.raises(ValueError, match="wrt"):
        lu.parameter_jacobian(lambda p: lu.mlp(p, X), params, wrt=["W9"])


def random_matrix_of_rank(rows, cols, rank, seed, smallest=1.0):
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((rows, rows)))
    V, _ = np.linalg.qr(rng.standard_normal((cols, cols)))
    s = np.zeros(min(rows, cols))
    s[:rank] = np.geomspace(10.0, smallest, rank) if rank else []
    S = np.zeros((rows, cols))
    S[np.arange(len(s)), np.arange(len(s))] = s
    return U @ S @ V.T


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 12), cols=st.integers(1, 12), data=st.data())
def test_jacobian_rank_recovers_known_rank(rows, cols, data):
    rank = data.draw(st.integers(0, min(rows, cols)))
    M = random_matrix_of_rank(rows, cols, rank, seed=rows * 100 + cols, smallest=1e-6)
    assert lu.jacobian_rank(M) == rank


def test_jacobian_rank_tolerance_is_relative_and_explicit():
    M = np.diag([1.0, 1e-3, 1e-20])
    assert lu.jacobian_rank(M) == 2
    assert lu.jacobian_rank(M, rtol=1e-2) == 1
    assert (
        lu.jacobian_rank(1e-30 * M) == 2
    )  # relative: scaling does not change the rank
    assert lu.jacobian_rank(np.zeros((3, 4))) == 0
    assert lu.jacobian_rank(np.eye(5)) == 5
    assert lu.jacobian_rank(np.ones((4, 6))) == 1
    assert (
        lu.jacobian_rank(np.vander(np.arange(6.0), 4)) == 4
    )  # distinct nodes: full column rank


def test_output_weights_do_not_change_the_rank():
    # Lemma 4 of Karhadkar et al.: rank{(v * a_j) kron x_j} = rank{a_j kron x_j} when every v_i != 0.
    X = lu.gaussian_inputs(2, 12, seed=9)
    W, b, _ = lu.init_two_layer(2, 3, seed=10)
    A = lu.activation_pattern(W, b, X)
    Xb = np.vstack([X, np.ones(12)])
    without_v = np.array([np.kron(A[:, j], Xb[:, j]) for j in range(12)])
    expected = np.linalg.matrix_rank(without_v)
    assert expected >= 6
    ranks = {
        lu.jacobian_rank(lu.relu_jacobian(W, b, v, X))
        for v in (np.ones(3), np.array([1.0, -1.0, 1.0]), np.array([1e-3, 5.0, -2.0]))
    }
    assert ranks == {expected}
    # A zero output weight removes that unit's columns, which can lower the rank.
    keep = [0, 2]
    assert lu.jacobian_rank(
        lu.relu_jacobian(W, b, np.array([1.0, 0.0, 1.0]), X)
    ) == np.linalg.matrix_rank(without_v.reshape(12, 3, 3)[:, keep].reshape(12, 6))


def test_inactive_network_has_zero_jacobian():
    X = lu.uniform_cube_inputs(2, 5, seed=0)
    J = lu.relu_jacobian(-np.ones((4, 2)), -5 * np.ones(4), np.ones(4), X)
    assert not J.any() and lu.jacobian_rank(J) == 0


@pytest.mark.parametrize(
    "bad",
    [
        dict(
            W=np.ones((3, 2)), b=np.ones(3), v=np.ones(3), X=np.ones((3, 4))
        ),  # X has wrong d0
        dict(
            W=np.ones((3, 2)), b=np.ones(2), v=np.ones(3), X=np.ones((2, 4))
        ),  # b has wrong length
        dict(
            W=np.ones((3, 2)), b=np.ones(3), v=np.ones(4), X=np.ones((2, 4))
        ),  # v has wrong length
        dict(
            W=np.ones(3), b=np.ones(3), v=np.ones(3), X=np.ones((1, 4))
        ),  # W is not a matrix
        dict(
            W=np.full((3, 2), np.nan), b=np.ones(3), v=np.ones(3), X=np.ones((2, 4))
        ),  # NaN
    ],
)
def test_relu_jacobian_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        lu.relu_jacobian(**bad)


def test_jacobian_rank_rejects_bad_input():
    with pytest.raises(ValueError, match="2 dimension"):
        lu.jacobian_rank(np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        lu.jacobian_rank(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="rtol"):
        lu.jacobian_rank(np.eye(2), rtol=-1.0)


def test_pattern_jacobian_by_hand_and_validation():
    # One unit active on the first of two points: row 1 is v * (x_1, 1), row 2 is zero.
    J = lu.pattern_jacobian([[2.0, -1.0]], [[1, 0]], [3.0])
    np.testing.assert_array_equal(J, [[6.0, 3.0], [0.0, 0.0]])
    np.testing.assert_array_equal(
        lu.pattern_jacobian([[2.0, -1.0]], [[1, 0]], [3.0], bias=False), [[6.0], [0.0]]
    )
    with pytest.raises(ValueError, match="entries 0 and 1"):
        lu.pattern_jacobian([[2.0, -1.0]], [[1, 2]], [3.0])
    with pytest.raises(ValueError, match="columns"):
        lu.pattern_jacobian([[2.0, -1.0]], [[1, 0, 1]], [3.0])
