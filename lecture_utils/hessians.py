"""Hessians of the squared loss and their spectra.

The loss of the book is ``L(theta) = 1/2 ||F(theta, X) - y||^2``. Differentiating twice,

``Hess L(theta) = J^T J + sum_j r_j Hess F(theta; x_j)``,  with ``r = F(theta, X) - y``,

so at a zero-loss point the Hessian is the Gauss-Newton matrix ``J^T J``: positive semi-definite, of
rank ``rank J``. (Cooper's loss has no factor ``1/2``; its Hessian is twice this one.)

A *model* here is a pure function ``model(params, X)`` of a parameter dictionary and the inputs ``X``
of shape ``(d0, n)``, returning the predictions of shape ``(n,)``, for example
``lambda p, X: lu.mlp(p, X, "softplus")``. Hessians are taken with respect to all parameters,
flattened in the dictionary's order, each tensor row-major (as in
:func:`lecture_utils.manifold.flatten_params` and :func:`lecture_utils.jacobians.parameter_jacobian`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._validation import as_tensor, as_vector, check_real

__all__ = [
    "loss_hessian",
    "residual_curvature",
    "hessian_spectrum",
    "count_eigenvalue_signs",
]

ModelWithInputs = Callable[[dict[str, torch.Tensor], torch.Tensor], torch.Tensor]


def _as_tensor(a, name: str) -> torch.Tensor:
    """A finite float64 tensor from an array or a tensor (detached: the Hessian is taken here)."""
    a = a.detach() if isinstance(a, torch.Tensor) else a
    return as_tensor(a, name).to(torch.float64)


def _flat_problem(model, params, X, y):
    """Validate the inputs; return (predict(theta_flat), theta0, y) with predict differentiable."""
    if not callable(model):
        raise ValueError(
            "model must be a callable model(params, X) returning predictions"
        )
    if not isinstance(params, dict) or not params:
        raise ValueError("params must be a non-empty dictionary of tensors")
    y_t = torch.from_numpy(as_vector(y, "y"))
    X_t = None if X is None else _as_tensor(X, "X")
    names = list(params)
    shapes = [tuple(params[k].shape) for k in names]
    sizes = [int(np.prod(s)) for s in shapes]
    theta0 = torch.cat([_as_tensor(params[k], k).reshape(-1) for k in names])

    def predict(theta):
        pieces = torch.split(theta, sizes)
        p = {k: piece.reshape(shape) for k, piece, shape in zip(names, pieces, shapes)}
        return model(p) if X_t is None else model(p, X_t)

    out = predict(theta0)
    if tuple(out.shape) != tuple(y_t.shape):
        raise ValueError(
            f"model must return predictions of shape {tuple(y_t.shape)} (one per label), "
            f"got {tuple(out.shape)}"
        )
    if not bool(torch.isfinite(out).all()):
        raise ValueError("model returned NaN or infinite predictions at params")
    return predict, theta0, y_t


def loss_hessian(
    model: ModelWithInputs, params: dict[str, torch.Tensor], X, y
) -> np.ndarray:
    """Dense Hessian of ``L(theta) = 1/2 ||model(params, X) - y||^2`` with respect to all parameters.

    Computed by automatic differentiation (``torch.func.hessian``) in float64, exact up to rounding.

    Parameters
    ----------
    model : callable
        ``model(params, X)`` returns the predictions on the data, shape ``(n,)``; a pure function of
        ``params`` (for example ``lambda p, X: lu.mlp(p, X, "softplus")``). If ``X`` is ``None`` the
        model is called as ``model(params)``.
    params : dict of str to tensor
        The point at which to differentiate; converted to float64.
    X : array or tensor of shape ``(d0, n)``, or None
        Inputs, one column per data point.
    y : array of shape ``(n,)``
        Labels.

    Returns
    -------
    ndarray of shape ``(P, P)``
        Symmetric float64 matrix; ``P`` is the total number of parameters, ordered as the
        dictionary, each tensor flattened row-major.
    """
    predict, theta0, y_t = _flat_problem(model, params, X, y)

    def loss(theta):
        r = predict(theta) - y_t
        return 0.5 * (r * r).sum()

    H = torch.func.hessian(loss)(theta0).detach().cpu().numpy()
    return 0.5 * (H + H.T)


def residual_curvature(
    model: ModelWithInputs, params: dict[str, torch.Tensor], X, y
) -> np.ndarray:
    """The second term of the Gauss-Newton decomposition, ``sum_j r_j Hess F(theta; x_j)``.

    With ``r = F(theta, X) - y`` held fixed, this is the Hessian of ``theta -> r . F(theta, X)``, so
    that ``loss_hessian = J^T J + residual_curvature``. It vanishes at a zero-loss point, and by
    Weyl's inequality every eigenvalue of the loss Hessian is within its spectral norm of the
    corresponding eigenvalue of ``J^T J``.

    Parameters
    ----------
    model, params, X, y
        As in :func:`loss_hessian`.

    Returns
    -------
    ndarray of shape ``(P, P)``
        Symmetric float64 matrix, computed by ``torch.func.hessian``.
    """
    predict, theta0, y_t = _flat_problem(model, params, X, y)
    r = (predict(theta0) - y_t).detach()
    C = (
        torch.func.hessian(lambda theta: (r * predict(theta)).sum())(theta0)
        .detach()
        .cpu()
        .numpy()
    )
    return 0.5 * (C + C.T)


def hessian_spectrum(
    model: ModelWithInputs, params: dict[str, torch.Tensor], X, y
) -> np.ndarray:
    """Eigenvalues of :func:`loss_hessian`, sorted in increasing order.

    Parameters
    ----------
    model, params, X, y
        As in :func:`loss_hessian`.

    Returns
    -------
    ndarray of shape ``(P,)``
        The ``P`` real eigenvalues (``numpy.linalg.eigvalsh``), ascending. Eigenvalues of order
        ``eps * max |eigenvalue|`` (about ``1e-16`` times it) are rounding noise.
    """
    return np.sort(np.linalg.eigvalsh(loss_hessian(model, params, X, y)))


def count_eigenvalue_signs(eigenvalues, tol: float) -> dict[str, int]:
    """How many eigenvalues are negative, zero and positive, up to an absolute tolerance.

    Parameters
    ----------
    eigenvalues : array of shape ``(P,)``
        Real eigenvalues.
    tol : float
        Eigenvalues with ``|lambda| <= tol`` count as zero.

    Returns
    -------
    dict
        ``{"negative": #(lambda < -tol), "zero": #(|lambda| <= tol), "positive": #(lambda > tol)}``.
    """
    eigenvalues = as_vector(eigenvalues, "eigenvalues")
    tol = check_real(tol, "tol", low=0)
    return {
        "negative": int(np.sum(eigenvalues < -tol)),
        "zero": int(np.sum(np.abs(eigenvalues) <= tol)),
        "positive": int(np.sum(eigenvalues > tol)),
    }
