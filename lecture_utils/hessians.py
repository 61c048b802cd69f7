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
    "plot_hessian_spectra",
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


def plot_hessian_spectra(
    spectra: dict,
    tol: float,
    n_flat: int,
    hollow=(),
    floor: float = 1e-12,
    linthresh: float = 1e-6,
    ax=None,
):
    """Draw sorted Hessian spectra of several parameter points against the eigenvalue index.

    Each spectrum is drawn as markers on a symmetric logarithmic scale (linear on
    ``(-linthresh, linthresh)``), in the book's palette in the order of the dictionary. The band
    ``|lambda| <= tol`` of :func:`count_eigenvalue_signs` is shaded gray, and a dotted line
    separates the first ``n_flat`` indices, where a global minimum with a rank-``n`` Jacobian has
    its ``P - n`` zero eigenvalues, from the last ``P - n_flat``.

    Parameters
    ----------
    spectra : dict
        ``{name: eigenvalues}``, each of shape ``(P,)`` and ascending, as from
        :func:`hessian_spectrum`; the names are the legend entries.
    tol : float
        Half-width of the shaded band (the tolerance of :func:`count_eigenvalue_signs`).
    n_flat : int
        Number of expected zero eigenvalues, ``P - n`` at a global minimum; ``0 <= n_flat <= P``.
    hollow : collection of str, optional
        Names drawn with open markers (points that are not minima, say).
    floor : float, optional
        Magnitudes below ``floor`` (rounding noise) are drawn at exactly 0.
    linthresh : float, optional
        Half-width of the linear range of the symlog scale.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default on a new figure of 7 x 3.8 inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    import matplotlib.pyplot as plt

    from .plotting import PALETTE

    if not isinstance(spectra, dict) or not spectra:
        raise ValueError("spectra must be a non-empty dictionary {name: eigenvalues}")
    values = {name: as_vector(v, f"spectra[{name!r}]") for name, v in spectra.items()}
    n_params = {v.size for v in values.values()}
    if len(n_params) != 1:
        raise ValueError(
            f"all spectra must have the same length, got {sorted(n_params)}"
        )
    (n_params,) = n_params
    tol = check_real(tol, "tol", low=0)
    floor = check_real(floor, "floor", low=0)
    linthresh = check_real(linthresh, "linthresh", low=0, low_open=True)
    if isinstance(n_flat, bool) or not isinstance(n_flat, (int, np.integer)):
        raise TypeError(f"n_flat must be an integer, got {n_flat!r}")
    if not 0 <= n_flat <= n_params:
        raise ValueError(f"n_flat must lie in [0, {n_params}], got {n_flat}")
    if len(values) > len(PALETTE):
        raise ValueError(f"at most {len(PALETTE)} spectra, got {len(values)}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.8))
    else:
        fig = ax.figure
    index = np.arange(1, n_params + 1)
    for k, (name, eigenvalues) in enumerate(values.items()):
        shown = np.where(np.abs(eigenvalues) < floor, 0.0, eigenvalues)
        ax.plot(
            index,
            shown,
            "o",
            ms=4,
            mfc="none" if name in hollow else None,
            color=PALETTE[k],
            label=name,
        )
    ax.axhspan(
        -tol, tol, color="gray", alpha=0.2, lw=0, label=rf"$|\lambda| \leq$ {tol:g}"
    )
    ax.axvline(n_flat + 0.5, color="gray", ls=":", lw=1)
    ax.set_yscale("symlog", linthresh=linthresh)
    ax.set(
        xlabel="eigenvalue index (ascending)",
        ylabel=r"eigenvalue $\lambda_i$ (symlog)",
        title=f"Hessian spectra: {n_flat} zero and {n_params - n_flat} positive at the "
        "minima",
    )
    ax.legend(loc="upper left", fontsize=8)
    return fig
