"""Networks against independent evaluations and closed forms."""

import math

import numpy as np
import pytest
import torch

import lecture_utils as lu


def test_two_layer_relu_matches_a_loop_and_torch():
    X = lu.gaussian_inputs(3, 9, seed=0)
    W, b, v = lu.init_two_layer(3, 5, seed=1)
    loop = np.array(
        [
            sum(v[i] * max(W[i] @ X[:, j] + b[i], 0.0) for i in range(5))
            for j in range(9)
        ]
    )
    np.testing.assert_allclose(lu.two_layer_relu(W, b, v, X), loop, atol=1e-14)
    as_torch = lu.two_layer_relu(*(torch.from_numpy(a) for a in (W, b, v, X)))
    np.testing.assert_allclose(as_torch.numpy(), loop, atol=1e-14)


def test_mlp_with_one_hidden_layer_is_the_two_layer_network():
    X = lu.gaussian_inputs(2, 7, seed=2)
    W, b, v = lu.init_two_layer(2, 4, seed=3)
    params = {
        "W1": torch.from_numpy(W),
        "b1": torch.from_numpy(b),
        "W2": torch.from_numpy(v[None, :]),
    }
    np.testing.assert_allclose(
        lu.mlp(params, X, "relu").numpy(), lu.two_layer_relu(W, b, v, X), atol=1e-14
    )


def test_init_mlp_shapes_and_ranges():
    params = lu.init_mlp([3, 5, 4, 1], seed=0)
    assert {k: tuple(p.shape) for k, p in params.items()} == {
        "W1": (5, 3),
        "b1": (5,),
        "W2": (4, 5),
        "b2": (4,),
        "W3": (1, 4),
        "b3": (1,),
    }
    assert lu.count_parameters(params) == 15 + 5 + 20 + 4 + 4 + 1
    assert float(params["W2"].abs().max()) <= 1 / math.sqrt(5)
    assert all(p.dtype == torch.float64 for p in params.values())
    assert lu.mlp(params, lu.gaussian_inputs(3, 6, seed=1), "smoolu").shape == (6,)


def test_init_two_layer_schemes():
    W, b, v = lu.init_two_layer(4, 1000, seed=0, scheme="paper")
    assert np.abs(W).max() <= 0.5 and np.abs(W).max() > 0.49
    np.testing.assert_array_equal(v[:4], [1, -1, 1, -1])
    W, b, v = lu.init_two_layer(6, 1000, seed=0, scheme="he")
    assert np.abs(b).max() <= 1.0 and np.abs(b).max() > 0.99
    with pytest.raises(ValueError, match="scheme"):
        lu.init_two_layer(2, 3, scheme="xavier")


def test_smoolu_values_and_smoothness():
    z = torch.tensor(
        [-2.0, 0.0, 0.5, 1.0, 3.0], dtype=torch.float64, requires_grad=True
    )
    out = lu.smoolu(z)
    expected = [
        0.0,
        0.0,
        0.5 * math.exp(-2.0),
        math.exp(-1.0),
        3.0 * math.exp(-1.0 / 3.0),
    ]
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-15)
    # d/dz [z exp(-1/z)] = exp(-1/z) (1 + 1/z); and 0 on the negative half-line, finite at 0.
    (grad,) = torch.autograd.grad(out.sum(), z)
    expected_grad = [
        0.0,
        0.0,
        math.exp(-2.0) * 3.0,
        math.exp(-1.0) * 2.0,
        math.exp(-1 / 3) * (4 / 3),
    ]
    np.testing.assert_allclose(grad.numpy(), expected_grad, rtol=1e-14)
    # Rectified: zero for z <= 0, increasing for z > 0.
    grid = torch.linspace(1e-3, 5, 200, dtype=torch.float64)
    assert torch.all(torch.diff(lu.smoolu(grid)) > 0)


def test_softplus_closed_form():
    z = torch.linspace(-5, 5, 11, dtype=torch.float64)
    np.testing.assert_allclose(
        lu.softplus(z).numpy(), np.log1p(np.exp(z.numpy())), rtol=1e-14
    )


def test_bad_network_input_raises():
    with pytest.raises(ValueError, match="unknown activation"):
        lu.get_activation("swishy")
    with pytest.raises(ValueError, match="rows"):
        lu.mlp(lu.init_mlp([2, 3, 1], seed=0), np.ones((3, 4)))
    with pytest.raises(ValueError, match="d0"):
        lu.two_layer_relu(np.ones((3, 2)), np.ones(3), np.ones(3), np.ones((4, 5)))
    with pytest.raises(ValueError, match="widths"):
        lu.init_mlp([3])
