"""The squared loss and full-batch gradient descent on parameter dictionaries.

The loss of the book is ``L(theta) = 1/2 ||F(theta, X) - y||^2`` (the convention of Karhadkar et al.;
Cooper omits the factor 1/2, which rescales the loss and its Hessian by 2 and changes no critical
point). Its gradient is ``J^T (F - y)`` with ``J`` the Jacobian of ``F(theta, X)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._validation import check_positive_int

__all__ = ["squared_loss", "gradient_descent"]


def squared_loss(predictions, y):
    """``1/2 * sum_j (predictions_j - y_j)^2`` for NumPy arrays or torch tensors of equal shape ``(n,)``."""
    if tuple(predictions.shape) != tuple(np.shape(y)):
        raise ValueError(
            f"predictions and labels must have the same shape, got "
            f"{tuple(predictions.shape)} and {tuple(np.shape(y))}"
        )
    residual = predictions - y
    return 0.5 * (residual * residual).sum()


def gradient_descent(
    loss: Callable[[dict[str, torch.Tensor]], torch.Tensor],
    params: dict[str, torch.Tensor],
    lr: float,
    max_steps: int,
    grad_tol: float = 0.0,
    trainable: list[str] | None = None,
    monitor: dict[str, Callable[[dict[str, torch.Tensor]], float]] | None = None,
) -> tuple[dict[str, torch.Tensor], dict[str, np.ndarray]]:
    """Full-batch gradient descent ``theta <- theta - lr * grad L(theta)``.

    Parameters
    ----------
    loss : callable
        Pure function of a parameter dictionary returning a scalar tensor.
    params : dict of str to tensor
        Starting point; not modified.
    lr : float
        Step size.
    max_steps : int
        Budget of gradient steps.
    grad_tol : float
        Stopping rule: stop as soon as the gradient norm is at most ``grad_tol``.
    trainable : list of str, optional
        Names of the parameters to train (default: all); the others stay frozen.
    monitor : dict of str to callable, optional
        Extra quantities to record at every iterate: each callable receives the full parameter
        dictionary and returns a number, stored in ``history`` under its key.

    Returns
    -------
    params : dict
        The final parameters (new tensors).
    history : dict of ndarray
        ``"loss"``, ``"grad_norm"`` and the ``monitor`` keys at every iterate, starting with the
        initial point.
    """
    max_steps = check_positive_int(max_steps, "max_steps")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    names = list(params) if trainable is None else list(trainable)
    if not names or any(name not in params for name in names):
        raise ValueError(
            f"trainable must name some of the parameters {list(params)}, got {names}"
        )
    frozen = {k: p for k, p in params.items() if k not in names}
    current = {k: params[k].detach().clone() for k in names}
    grad_and_loss = torch.func.grad_and_value(lambda chosen: loss({**frozen, **chosen}))
    monitor = monitor or {}
    if {"loss", "grad_norm"} & set(monitor):
        raise ValueError(
            "monitor keys 'loss' and 'grad_norm' are recorded anyway; choose other names"
        )
    losses, grad_norms = [], []
    extra = {key: [] for key in monitor}
    for step in range(max_steps + 1):
        grads, value = grad_and_loss(current)
        grad_norm = torch.sqrt(sum((g * g).sum() for g in grads.values()))
        losses.append(float(value))
        grad_norms.append(float(grad_norm))
        for key, measure in monitor.items():
            extra[key].append(float(measure({**frozen, **current})))
        if (
            step == max_steps
            or grad_norms[-1] <= grad_tol
            or not np.isfinite(losses[-1])
        ):
            break
        current = {k: current[k] - lr * grads[k] for k in names}
    history = {"loss": np.array(losses), "grad_norm": np.array(grad_norms)}
    history.update({key: np.array(values) for key, values in extra.items()})
    return {**frozen, **current}, history
