"""Jacobians of the parameterisation map and their ranks.

For a model ``F(theta; x)`` and inputs ``X`` with ``n`` columns, the Jacobian of the prediction vector
``F(theta, X) = (F(theta; x_1), ..., F(theta; x_n))`` with respect to ``theta`` is an ``(n, #params)``
matrix: one row per data point. Two ways to compute it are offered:

* :func:`parameter_jacobian` by automatic differentiation (``torch.func.jacrev``) for any model
  written as a pure function of a dictionary of tensors;
* :func:`relu_jacobian` in closed form for the two-layer ReLU network: on an activation region with
  pattern ``A`` the network is linear in ``(W, b)`` and row ``j`` of the Jacobian is the Kronecker
  product ``(v * a_j) (x) (x_j, 1)``, so the whole matrix is a (column-wise) Khatri-Rao product.

Ranks are decided in float64 by :func:`jacobian_rank` with an explicit tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.linalg
import torch

from ._validation import as_matrix, as_params, as_vector, check_real
from .regions import activation_pattern

__all__ = [
    "relu_jacobian",
    "pattern_jacobian",
    "parameter_jacobian",
    "jacobian_rank",
    "default_rank_tolerance",
]


def relu_jacobian(W, b, v, X) -> np.ndarray:
    """Closed-form Jacobian of ``F(W, b; X) = v^T relu(W X + b)`` with respect to ``(W, b)``.

    Parameters
    ----------
    W : array of shape ``(d1, d0)``
        Hidden weights, one row per unit.
    b : array of shape ``(d1,)`` or ``None``
        Hidden biases; ``None`` for a network without biases.
    v : array of shape ``(d1,)``
        Frozen output weights.
    X : array of shape ``(d0, n)``
        Inputs, one column per data point.

    Returns
    -------
    ndarray of shape ``(n, d1 * (d0 + 1))``, or ``(n, d1 * d0)`` when ``b`` is ``None``
        Row ``j`` is ``kron(v * A[:, j], (x_j, 1))``: the columns are ordered unit by unit, and
        within a unit the ``d0`` weights come first, then the bias. With ``theta = [W | b]``
        (shape ``(d1, d0 + 1)``) flattened row by row, ``J[j, :]`` is ``dF(x_j)/dtheta``.

    Notes
    -----
    Exact (no differentiation error) wherever no pre-activation is zero; on the measure-zero set
    where one is, it returns the one-sided derivative that treats the unit as inactive.
    """
    W = as_matrix(W, "W")
    d1, d0 = W.shape
    v = as_vector(v, "v", length=d1)
    X = as_matrix(X, "X", rows=d0)
    return pattern_jacobian(X, activation_pattern(W, b, X), v, bias=b is not None)


def pattern_jacobian(X, A, v, bias: bool = True) -> np.ndarray:
    """The Jacobian of the two-layer ReLU network on the activation region with pattern ``A``.

    On the region ``S_X^A`` the Jacobian does not depend on the parameters, only on the pattern:
    row ``j`` is ``kron(v * A[:, j], (x_j, 1))`` (or ``kron(v * A[:, j], x_j)`` without biases), the
    transposed column-wise Khatri-Rao product of ``diag(v) A`` and the (augmented) inputs.

    Parameters
    ----------
    X : array of shape ``(d0, n)``
        Inputs, one column per data point.
    A : array of shape ``(d1, n)``
        0/1 activation pattern (the region may be empty; the formula is the same).
    v : array of shape ``(d1,)``
        Output weights.
    bias : bool
        Whether the hidden units have biases (a column per unit for each).

    Returns
    -------
    ndarray of shape ``(n, d1 * (d0 + 1))``, or ``(n, d1 * d0)`` without biases
        Columns ordered as in :func:`relu_jacobian`.
    """
    X = as_matrix(X, "X")
    A = as_matrix(A, "A", cols=X.shape[1])
    if not np.all((A == 0) | (A == 1)):
        raise ValueError("A must be an activation pattern with entries 0 and 1")
    v = as_vector(v, "v", length=A.shape[0])
    inputs = np.vstack([X, np.ones((1, X.shape[1]))]) if bias else X
    return scipy.linalg.khatri_rao(v[:, None] * A, inputs).T


def parameter_jacobian(
    model: Callable[[dict[str, torch.Tensor]], torch.Tensor],
    params: dict[str, torch.Tensor],
    wrt: Sequence[str] | None = None,
) -> np.ndarray:
    """Jacobian of ``model(params)`` (a prediction vector of shape ``(n,)``) by ``torch.func.jacrev``.

    Parameters
    ----------
    model : callable
        A pure function of a parameter dictionary returning the predictions on the data, shape ``(n,)``.
    params : dict of str to tensor
        The point at which to differentiate (use float64 tensors where ranks matter).
    wrt : sequence of str, optional
        Which parameters to differentiate with respect to, in the order their columns should appear;
        by default all of them, in the dictionary's order. The others are held fixed.

    Returns
    -------
    ndarray of shape ``(n, P)``
        ``P`` is the total size of the chosen parameters; each parameter is flattened row-major.
    """
    if not callable(model):
        raise ValueError("model must be a function of the parameter dictionary")
    params = as_params(params)
    names = list(params) if wrt is None else list(wrt)
    unknown = [name for name in names if name not in params]
    if unknown or not names:
        raise ValueError(
            f"wrt must name some of the parameters {list(params)}, got {names}"
        )
    fixed = {k: p for k, p in params.items() if k not in names}

    def predictions(chosen):
        return model({**fixed, **chosen})

    out = predictions({k: params[k] for k in names})
    if out.ndim != 1:
        raise ValueError(
            f"model must return a prediction vector of shape (n,), got {tuple(out.shape)}"
        )
    if not bool(torch.isfinite(out).all()):
        raise ValueError("model returned NaN or infinite predictions at params")
    jac = torch.func.jacrev(predictions)({k: params[k] for k in names})
    n = out.shape[0]
    return np.concatenate(
        [jac[k].reshape(n, -1).detach().cpu().numpy() for k in names], axis=1
    )


def default_rank_tolerance(J) -> float:
    """The relative tolerance used by :func:`jacobian_rank` when none is given: ``max(J.shape) * eps``."""
    return max(np.shape(J)) * np.finfo(np.float64).eps


def jacobian_rank(J, rtol: float | None = None) -> int:
    """Numerical rank of a Jacobian, decided in float64.

    The rank is the number of singular values larger than ``rtol * s_max``, where ``s_max`` is the
    largest singular value. The default ``rtol = max(J.shape) * eps(float64)`` (about ``2e-16`` times
    the size) is the one of ``numpy.linalg.matrix_rank``: it treats as zero what rounding errors in
    float64 can produce. Pass a larger ``rtol`` for data computed in lower precision.
    A matrix with no entries or only zeros has rank 0.
    """
    J = as_matrix(J, "J")
    if rtol is not None:
        rtol = check_real(rtol, "rtol", low=0)
    if J.size == 0:
        return 0
    s = np.linalg.svd(J, compute_uv=False)
    if s[0] == 0:
        return 0
    tol = (default_rank_tolerance(J) if rtol is None else rtol) * s[0]
    return int(np.sum(s > tol))
