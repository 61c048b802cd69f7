"""Networks as plain functions of their parameters.

Two families are used throughout the book:

* the two-layer ReLU network of Karhadkar et al. with frozen output weights ``v``,
  ``F(W, b; x) = v^T relu(W x + b)``, evaluated on a whole data set ``X`` of shape ``(d0, n)``
  by :func:`two_layer_relu` (NumPy arrays or torch tensors);
* a general fully connected network of any depth and activation (:func:`init_mlp`, :func:`mlp`),
  written as a pure function of a dictionary of torch tensors so that ``torch.func`` can
  differentiate it (Jacobians, Hessians) with respect to any subset of the parameters.

Shapes: ``W`` is ``(d1, d0)``, ``b`` is ``(d1,)`` (or ``None`` for no bias), ``v`` is ``(d1,)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ._validation import (
    _reject_complex,
    as_matrix,
    as_params,
    as_tensor,
    as_vector,
    check_positive_int,
    check_work,
    rng_from,
)

__all__ = [
    "ACTIVATIONS",
    "relu",
    "smoolu",
    "softplus",
    "get_activation",
    "alternating_signs",
    "init_two_layer",
    "two_layer_relu",
    "init_mlp",
    "mlp",
    "count_parameters",
]


def relu(z):
    """ReLU, ``max(z, 0)``, for a NumPy array or a torch tensor (its derivative at 0 is taken as 0).

    Complex input raises :class:`TypeError` (ReLU is defined on real numbers only).
    """
    _reject_complex(z, "z")
    return torch.relu(z) if isinstance(z, torch.Tensor) else np.maximum(z, 0.0)


def _on_tensors(function, z, name: str = "z"):
    """Apply a torch activation to a tensor, or to a NumPy array / number (returned as NumPy)."""
    if isinstance(z, torch.Tensor):
        _reject_complex(z, name)
        return function(z)
    return function(as_tensor(z, name)).numpy()


def smoolu(z: torch.Tensor) -> torch.Tensor:
    """Cooper's smooth rectified unit: ``0`` for ``z <= 0`` and ``z exp(-1/z)`` for ``z > 0``.

    It is infinitely differentiable (all derivatives vanish at 0), zero on the negative half-line
    and increasing on the positive one, i.e. *rectified* in Cooper's sense. Implemented so that
    gradients are finite everywhere (the branch for ``z <= 0`` never evaluates ``exp(-1/z)``).
    Takes a torch tensor or a NumPy array (and then returns one).
    """
    if not isinstance(z, torch.Tensor):
        return _on_tensors(smoolu, z)
    _reject_complex(z, "z")
    positive = z > 0
    safe = torch.where(positive, z, torch.ones_like(z))
    return torch.where(positive, safe * torch.exp(-1.0 / safe), torch.zeros_like(z))


def softplus(z: torch.Tensor) -> torch.Tensor:
    """Softplus, ``log(1 + exp(z))``: a smooth, strictly increasing, non-polynomial activation.

    Takes a torch tensor or a NumPy array (and then returns one).
    """
    return _on_tensors(torch.nn.functional.softplus, z)


ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "smoolu": smoolu,
    "softplus": softplus,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "identity": lambda z: z,
    "square": lambda z: z * z,
}


def get_activation(
    activation: str | Callable,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Look an activation up by name (see ``ACTIVATIONS``) or pass a callable through."""
    if callable(activation):
        return activation
    try:
        return ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}"
        ) from None


def alternating_signs(d1: int) -> np.ndarray:
    """The output weights ``(+1, -1, +1, -1, ...)`` of length ``d1`` used in the paper's experiments."""
    d1 = check_positive_int(d1, "d1")
    check_work(d1, f"alternating_signs({d1})")
    return np.where(np.arange(d1) % 2 == 0, 1.0, -1.0)


def init_two_layer(
    d0: int, d1: int, seed=None, scheme: str = "paper"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random parameters ``(W, b, v)`` of a two-layer ReLU network with ``d0`` inputs and width ``d1``.

    ``scheme="paper"``: hidden weights and biases i.i.d. uniform on ``[-1/sqrt(d0), 1/sqrt(d0)]``
    (the Jacobian-rank experiments, Figures 2-3 of Karhadkar et al.).
    ``scheme="he"``: i.i.d. uniform on ``[-sqrt(6/d0), sqrt(6/d0)]`` (He-uniform; the
    global-minimum experiments, Figures 6-8).
    In both, the frozen output weights are ``v = (+1, -1, +1, ...)``.
    Returns ``W`` of shape ``(d1, d0)``, ``b`` of shape ``(d1,)``, ``v`` of shape ``(d1,)``.
    """
    d0, d1 = check_positive_int(d0, "d0"), check_positive_int(d1, "d1")
    check_work(d1 * (d0 + 2), f"init_two_layer({d0}, {d1}) (W, b and v)")
    bounds = {"paper": 1.0 / math.sqrt(d0), "he": math.sqrt(6.0 / d0)}
    if scheme not in bounds:
        raise ValueError(f"scheme must be one of {sorted(bounds)}, got {scheme!r}")
    rng = rng_from(seed)
    a = bounds[scheme]
    W = rng.uniform(-a, a, size=(d1, d0))
    b = rng.uniform(-a, a, size=d1)
    return W, b, alternating_signs(d1)


def _check_two_layer_shapes(W, b, v, X) -> None:
    if W.ndim != 2 or X.ndim != 2 or v.ndim != 1:
        raise ValueError(
            f"expected W of shape (d1, d0), v of shape (d1,), X of shape (d0, n); "
            f"got W {tuple(W.shape)}, v {tuple(v.shape)}, X {tuple(X.shape)}"
        )
    d1, d0 = W.shape
    if X.shape[0] != d0:
        raise ValueError(
            f"X must have d0 = {d0} rows (one column per data point), got shape {tuple(X.shape)}"
        )
    if v.shape[0] != d1:
        raise ValueError(f"v must have length d1 = {d1}, got {v.shape[0]}")
    if b is not None and tuple(b.shape) != (d1,):
        raise ValueError(f"b must have shape ({d1},), got {tuple(b.shape)}")


def two_layer_relu(W, b, v, X):
    """Outputs ``F(W, b; X) = v^T relu(W X + b 1^T)`` of the two-layer ReLU network on every input.

    Works on NumPy arrays (validated: finite entries, matching shapes) and on torch tensors (shapes
    checked; usable inside ``torch.func`` transforms). When some arguments are tensors and others
    arrays, the arrays are converted to tensors of the same dtype. ``b=None`` means a network
    without biases. Returns shape ``(n,)``.
    """
    given = {"W": W, "b": b, "v": v, "X": X}
    tensors = [a for a in given.values() if isinstance(a, torch.Tensor)]
    if not tensors:
        W, v, X = as_matrix(W, "W"), as_vector(v, "v"), as_matrix(X, "X")
        b = None if b is None else as_vector(b, "b")
    else:
        dtype = tensors[0].dtype
        converted = {
            key: a
            if a is None or isinstance(a, torch.Tensor)
            else as_tensor(a, key).to(dtype)
            for key, a in given.items()
        }
        for key, a in converted.items():
            if a is not None:
                _reject_complex(a, key)
        W, b, v, X = (converted[k] for k in ("W", "b", "v", "X"))
    _check_two_layer_shapes(W, b, v, X)
    pre = W @ X if b is None else W @ X + b[:, None]
    return v @ relu(pre)


def init_mlp(
    widths: list[int], seed=None, bias: bool = True
) -> dict[str, torch.Tensor]:
    """Random parameters of a fully connected network with layer widths ``[d0, h1, ..., hL]``.

    Entries of ``W{l}`` (shape ``(h_l, h_{l-1})``) and ``b{l}`` (shape ``(h_l,)``) are i.i.d. uniform
    on ``[-1/sqrt(h_{l-1}), 1/sqrt(h_{l-1})]`` (PyTorch's default for linear layers), in float64.
    The last width is the output dimension (1 for the scalar networks of the book).
    """
    if len(widths) < 2:
        raise ValueError(
            f"widths must list at least an input and an output width, got {widths!r}"
        )
    widths = [check_positive_int(w, "every width") for w in widths]
    check_work(
        sum(a * b + b for a, b in zip(widths[:-1], widths[1:])),
        f"init_mlp({widths}) (all weights and biases)",
    )
    rng = rng_from(seed)
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        a = 1.0 / math.sqrt(fan_in)
        params[f"W{layer}"] = torch.from_numpy(
            rng.uniform(-a, a, size=(fan_out, fan_in))
        )
        if bias:
            params[f"b{layer}"] = torch.from_numpy(rng.uniform(-a, a, size=fan_out))
    return params


def mlp(
    params: dict[str, torch.Tensor], X, activation: str | Callable = "relu"
) -> torch.Tensor:
    """Outputs of the fully connected network with parameters ``params`` (see :func:`init_mlp`).

    ``X`` has shape ``(d0, n)``; the activation is applied after every layer but the last.
    Returns shape ``(n,)`` when the output width is 1, else ``(out, n)``. A pure function of
    ``params``, so ``torch.func.jacrev``/``hessian`` apply to it directly. NumPy parameters and
    inputs are converted to float64 tensors; non-finite or complex entries raise an error.
    """
    sigma = get_activation(activation)
    params = as_params(params)
    X = as_tensor(X, "X", ndim=2)
    depth = sum(1 for key in params if key.startswith("W"))
    if depth == 0 or any(f"W{layer}" not in params for layer in range(1, depth + 1)):
        raise ValueError(
            f"params must hold W1, ..., WL (and optionally b1, ..., bL); got {sorted(params)}"
        )
    if params["W1"].shape[1] != X.shape[0]:
        raise ValueError(
            f"X must have {params['W1'].shape[1]} rows, got shape {tuple(X.shape)}"
        )
    h = X
    for layer in range(1, depth + 1):
        h = params[f"W{layer}"] @ h
        if f"b{layer}" in params:
            h = h + params[f"b{layer}"][:, None]
        if layer < depth:
            h = sigma(h)
    return h[0] if h.shape[0] == 1 else h


def count_parameters(params: dict[str, torch.Tensor]) -> int:
    """Total number of scalar parameters in a parameter dictionary (of tensors or arrays)."""
    if not isinstance(params, dict):
        raise ValueError(
            f"params must be a dict of parameter names to arrays or tensors, "
            f"got {type(params).__name__}"
        )
    return int(
        sum(
            np.size(p) if not isinstance(p, torch.Tensor) else p.numel()
            for p in params.values()
        )
    )
