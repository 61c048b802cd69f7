"""Loss and gradient descent against closed forms."""

import numpy as np
import pytest
import torch

import lecture_utils as lu


def test_squared_loss_closed_form():
    assert lu.squared_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0])) == 2.5
    with pytest.raises(ValueError, match="same shape"):
        lu.squared_loss(np.ones(3), np.ones(2))


def test_gradient_descent_on_least_squares_reaches_the_normal_equations():
    rng = np.random.default_rng(0)
    A, y = rng.standard_normal((20, 4)), rng.standard_normal(20)
    At, yt = torch.from_numpy(A), torch.from_numpy(y)
    lr = 1.0 / np.linalg.norm(A, 2) ** 2
    params, history = lu.gradient_descent(
        lambda p: lu.squared_loss(At @ p["w"], yt),
        {"w": torch.zeros(4, dtype=torch.float64)},
        lr=lr,
        max_steps=5000,
        grad_tol=1e-12,
    )
    w_star = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(params["w"].numpy(), w_star, atol=1e-10)
    assert history["grad_norm"][-1] <= 1e-12 < history["grad_norm"][0]
    assert np.all(
        np.diff(history["loss"]) <= 1e-12
    )  # lr <= 1/L: the loss never increases (up to rounding)


def test_gradient_descent_keeps_frozen_parameters():
    params = {
        "a": torch.ones(2, dtype=torch.float64),
        "b": torch.ones(2, dtype=torch.float64),
    }
    out, _ = lu.gradient_descent(
        lambda p: ((p["a"] * p["b"]) ** 2).sum(),
        params,
        lr=0.1,
        max_steps=3,
        trainable=["a"],
    )
    assert torch.equal(out["b"], params["b"]) and not torch.equal(out["a"], params["a"])
    with pytest.raises(ValueError, match="lr"):
        lu.gradient_descent(lambda p: p["a"].sum(), params, lr=0.0, max_steps=3)


def test_gradient_descent_monitors_extra_quantities():
    params = {"w": torch.tensor([3.0], dtype=torch.float64)}
    # L(w) = w^2 / 2 with lr 0.5 halves w at every step: w_k = 3 / 2^k.
    _, history = lu.gradient_descent(
        lambda p: 0.5 * (p["w"] ** 2).sum(),
        params,
        lr=0.5,
        max_steps=4,
        monitor={"w": lambda p: p["w"].item()},
    )
    np.testing.assert_allclose(history["w"], 3.0 / 2.0 ** np.arange(5))
    np.testing.assert_allclose(history["loss"], 0.5 * history["w"] ** 2)
    with pytest.raises(ValueError, match="monitor"):
        lu.gradient_descent(
            lambda p: p["w"].sum(), params, lr=0.1, max_steps=1, monitor={"loss": len}
        )
