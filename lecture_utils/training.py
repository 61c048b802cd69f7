"""The squared loss and full-batch gradient descent on parameter dictionaries.

The loss of the book is ``L(theta) = 1/2 ||F(theta, X) - y||^2`` (the convention of Karhadkar et al.;
Cooper omits the factor 1/2, which rescales the loss and its Hessian by 2 and changes no critical
point). Its gradient is ``J^T (F - y)`` with ``J`` the Jacobian of ``F(theta, X)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._validation import (
    _is_traced,
    _reject_complex,
    as_float_array,
    as_params,
    check_positive_int,
    check_real,
)

__all__ = ["squared_loss", "gradient_descent", "TrainingDiverged"]


class TrainingDiverged(FloatingPointError):
    """Gradient descent reached a non-finite loss or gradient (the step size is too large).

    ``history`` holds the recorded iterates up to and including the first non-finite one.
    """

    def __init__(self, message: str, history: dict[str, np.ndarray]):
        super().__init__(message)
        self.history = history


def _real_operand(a, name: str):
    if isinstance(a, torch.Tensor):
        _reject_complex(a, name)
        if not _is_traced(a) and not bool(torch.isfinite(a).all()):
            raise ValueError(f"{name} contains NaN or infinite entries")
        return a
    return as_float_array(a, name)


def squared_loss(predictions, y):
    """``1/2 * sum_j (predictions_j - y_j)^2`` for NumPy arrays or torch tensors of equal shape ``(n,)``.

    If one argument is a tensor and the other an array, the array is converted to a tensor of the
    tensor's dtype. Complex or non-finite entries raise an error.
    """
    predictions, y = _real_operand(predictions, "predictions"), _real_operand(y, "y")
    if isinstance(predictions, torch.Tensor) and not isinstance(y, torch.Tensor):
        y = torch.from_numpy(y).to(predictions.dtype)
    elif isinstance(y, torch.Tensor) and not isinstance(predictions, torch.Tensor):
        predictions = torch.from_numpy(predictions).to(y.dtype)
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
        Step size: a finite positive number.
    max_steps : int
        Budget of gradient steps.
    grad_tol : float
        Stopping rule: stop as soon as the gradient norm is at most ``grad_tol`` (finite, >= 0).
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

    Raises
    ------
    TrainingDiverged
        When the loss or the gradient becomes NaN or infinite (the run diverged); its ``history``
        holds the iterates up to that point.
    """
    max_steps = check_positive_int(max_steps, "max_steps")
    lr = check_real(lr, "lr", low=0, low_open=True)
    grad_tol = check_real(grad_tol, "grad_tol", low=0)
    if not callable(loss):
        raise ValueError("loss must be a function of the parameter dictionary")
    params = as_params(params)
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
        if not (np.isfinite(losses[-1]) and np.isfinite(grad_norms[-1])):
            history = _history(losses, grad_norms, extra)
            raise TrainingDiverged(
                f"gradient descent diverged at step {step} (loss {losses[-1]}, gradient "
                f"norm {grad_norms[-1]}): take a smaller lr than {lr}",
                history,
            )
        if step == max_steps or grad_norms[-1] <= grad_tol:
            break
        current = {k: current[k] - lr * grads[k] for k in names}
    return {**frozen, **current}, _history(losses, grad_norms, extra)


def _history(losses, grad_norms, extra) -> dict[str, np.ndarray]:
    history = {"loss": np.array(losses), "grad_norm": np.array(grad_norms)}
    history.update({key: np.array(values) for key, values in extra.items()})
    return history
