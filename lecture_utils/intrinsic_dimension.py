"""Intrinsic dimension of an activation, and the descent path of the no-spurious-valley theorem.

The book's notation (Venturi, Bandeira and Bruna (2019) write ``n`` for the input dimension, ``p``
for the width, ``u`` for the output weights and ``N`` for the number of data points): inputs live in
``R^d0``, the hidden width is ``d1``, the network is ``Phi(x) = sum_i v_i sigma(<w_i, x>)`` with
filters ``W`` of shape ``(d1, d0)`` (one filter per row) and output weights ``v`` of shape
``(d1,)``, and data ``X`` of shape ``(d0, n)`` hold ``n`` points, one per column.

* :func:`polynomial_intrinsic_dimension` and :func:`polynomial_activation_dimension`: the closed
  forms ``C(d0 + q - 1, q)`` for ``sigma(z) = z^q`` and the sum over the nonzero coefficients of a
  polynomial activation;
* :func:`monomial_exponents`: the exponents of the monomials of degree ``q`` (a basis of the
  homogeneous polynomials);
* :func:`feature_matrix` and :func:`empirical_intrinsic_dimension`: the numerical rank of the
  matrix ``sigma(W X)`` of random filters on random points, decided in float64;
* :func:`quadratic_feature_map`, :func:`quadratic_network`, :func:`quadratic_optimum` and
  :func:`descent_path`: the network with ``sigma(z) = z^2``, linearised through
  ``(<w, x>)^2 = <psi(w), psi(x)>``, and the explicit descent path to a global minimum of the
  squared loss when ``d1 >= d0 (d0 + 1) / 2``;
* :func:`plot_feature_ranks` and :func:`plot_descent_path`: the figures of Chapter 6.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations_with_replacement
from math import comb

import numpy as np
import scipy.linalg
import torch

from ._validation import (
    as_matrix,
    as_vector,
    check_positive_int,
    exact_binomial,
    rng_from,
)
from .jacobians import jacobian_rank
from .networks import get_activation

__all__ = [
    "polynomial_intrinsic_dimension",
    "polynomial_activation_dimension",
    "monomial_exponents",
    "feature_matrix",
    "empirical_intrinsic_dimension",
    "quadratic_feature_map",
    "quadratic_network",
    "quadratic_optimum",
    "descent_path",
    "plot_feature_ranks",
    "plot_descent_path",
]


def polynomial_intrinsic_dimension(d0: int, degree: int) -> int:
    """Intrinsic dimension of ``sigma(z) = z^degree`` on ``R^d0``: ``C(d0 + degree - 1, degree)``.

    The span of the features ``x -> <w, x>^degree`` over all ``w`` in ``R^d0`` is the space of
    homogeneous polynomials of that degree in ``d0`` variables, whose dimension is the number of
    monomials ``x_1^a_1 ... x_d0^a_d0`` with ``a_1 + ... + a_d0 = degree``.

    Parameters
    ----------
    d0 : int
        Input dimension, at least 1.
    degree : int
        Degree ``q >= 0`` of the monomial activation (``degree = 0`` is the constant activation).

    Returns
    -------
    int
        ``C(d0 + degree - 1, degree)``.
    """
    d0 = check_positive_int(d0, "d0")
    if (
        isinstance(degree, bool)
        or not isinstance(degree, (int, np.integer))
        or degree < 0
    ):
        raise ValueError(f"degree must be a non-negative integer, got {degree!r}")
    return exact_binomial(d0 + int(degree) - 1, int(degree), "the intrinsic dimension")


def polynomial_activation_dimension(d0: int, coefficients: Sequence[float]) -> int:
    """Intrinsic dimension of the polynomial activation ``sigma(z) = sum_k a_k z^k`` on ``R^d0``.

    Scaling a filter, ``w -> t w``, turns ``sigma(<w, x>)`` into ``sum_k a_k t^k <w, x>^k``, a
    polynomial in ``t``; so the span of the features contains every ``<w, x>^k`` with ``a_k != 0``,
    and the spaces of homogeneous polynomials of different degrees are independent. Hence the
    dimension is ``sum over k with a_k != 0 of C(d0 + k - 1, k)``.

    Parameters
    ----------
    d0 : int
        Input dimension, at least 1.
    coefficients : sequence of float
        ``(a_0, a_1, ..., a_q)`` for a polynomial of degree ``q``, the coefficient of ``z^k`` at
        position ``k``; not all zero.

    Returns
    -------
    int
        The dimension of the span of ``{x -> sigma(<w, x>) : w in R^d0}``.
    """
    d0 = check_positive_int(d0, "d0")
    a = as_vector(coefficients, "coefficients")
    if not np.any(a != 0):
        raise ValueError("coefficients must not all be zero")
    return int(sum(comb(d0 + k - 1, k) for k in np.flatnonzero(a != 0)))


def monomial_exponents(d0: int, degree: int) -> np.ndarray:
    """Exponents of the monomials of degree ``degree`` in ``d0`` variables.

    Returns
    -------
    ndarray of int, shape ``(C(d0 + degree - 1, degree), d0)``
        Row ``r`` holds ``(a_1, ..., a_d0)`` with ``a_1 + ... + a_d0 = degree``, in
        lexicographically decreasing order.
    """
    d0 = check_positive_int(d0, "d0")
    polynomial_intrinsic_dimension(d0, degree)  # validates degree
    rows = []
    for combo in combinations_with_replacement(range(d0), int(degree)):
        rows.append(np.bincount(np.asarray(combo, dtype=int), minlength=d0))
    if not rows:  # degree 0
        rows = [np.zeros(d0, dtype=int)]
    return np.array(rows, dtype=int)


def _activation(activation: str | Callable) -> Callable[[np.ndarray], np.ndarray]:
    """A float64 NumPy function from a name of :data:`lecture_utils.networks.ACTIVATIONS` or a callable."""
    if isinstance(activation, str):
        torch_fn = get_activation(activation)
        return lambda z: torch_fn(
            torch.from_numpy(np.asarray(z, dtype=np.float64))
        ).numpy()
    if callable(activation):
        return lambda z: np.asarray(
            activation(np.asarray(z, dtype=np.float64)), dtype=np.float64
        )
    raise ValueError(f"activation must be a name or a callable, got {activation!r}")


def feature_matrix(activation: str | Callable, W, X) -> np.ndarray:
    """The feature matrix ``Phi[j, i] = sigma(<w_i, x_j>)`` of the filters ``W`` on the points ``X``.

    One row per data point and one column per filter, as the book's feature matrices (the
    output-weight block of the Jacobian ``J``).

    Parameters
    ----------
    activation : str or callable
        A name known to :func:`lecture_utils.networks.get_activation` (``"relu"``, ``"tanh"``,
        ``"square"``, ...) or a function acting entry-wise on a float64 NumPy array.
    W : array of shape ``(d1, d0)``
        Filters, one per row.
    X : array of shape ``(d0, n)``
        Points, one per column.

    Returns
    -------
    ndarray of shape ``(n, d1)``
        ``sigma(W X)^T`` in float64.
    """
    W = as_matrix(W, "W")
    X = as_matrix(X, "X", rows=W.shape[1])
    F = _activation(activation)(X.T @ W.T)
    if F.shape != (X.shape[1], W.shape[0]) or not np.all(np.isfinite(F)):
        raise ValueError(
            "activation must map an array to a finite array of the same shape"
        )
    return F


def empirical_intrinsic_dimension(
    activation: str | Callable,
    d0: int,
    n_filters: int,
    n_points: int,
    seed=None,
    rtol: float | None = None,
) -> int:
    """Numerical rank of the feature matrix ``sigma(W X)^T`` of random filters and points.

    The filters (rows of ``W``, shape ``(n_filters, d0)``) and the points (columns of ``X``, shape
    ``(d0, n_points)``) have i.i.d. standard normal entries. The rank of the feature matrix is at most
    the dimension of the span of the features over the data, and for polynomial activations it equals
    the intrinsic dimension as soon as both ``n_filters`` and ``n_points`` are at least that dimension
    (with probability one). For a non-polynomial activation it keeps growing with both.

    Parameters
    ----------
    activation : str or callable
        As in :func:`feature_matrix`.
    d0 : int
        Input dimension.
    n_filters, n_points : int
        Number of random filters and of random points.
    seed : int, numpy Generator or None
        Randomness (the filters are drawn first, then the points).
    rtol : float, optional
        Relative tolerance of the rank: singular values at most ``rtol * s_max`` count as zero.
        Default ``max(n_filters, n_points) * eps(float64)`` as in :func:`lecture_utils.jacobian_rank`.
        The computation is exact up to float64 rounding; for high degrees the smallest nonzero
        singular values can approach the tolerance, so keep degrees and dimensions moderate.

    Returns
    -------
    int
        The numerical rank.
    """
    d0 = check_positive_int(d0, "d0")
    n_filters = check_positive_int(n_filters, "n_filters")
    n_points = check_positive_int(n_points, "n_points")
    rng = rng_from(seed)
    W = rng.standard_normal((n_filters, d0))
    X = rng.standard_normal((d0, n_points))
    return jacobian_rank(feature_matrix(activation, W, X), rtol=rtol)


def quadratic_feature_map(Z) -> np.ndarray:
    """The feature map ``psi`` of the quadratic activation, applied to each row of ``Z``.

    ``psi(z) = (z_1^2, ..., z_d0^2, sqrt(2) z_k z_l for k < l)`` in ``R^D`` with
    ``D = d0 (d0 + 1) / 2``, so that ``<w, x>^2 = <psi(w), psi(x)>`` for all ``w, x``. It is the
    vectorisation of the symmetric matrix ``z z^T`` that preserves the Frobenius inner product.

    Parameters
    ----------
    Z : array of shape ``(r, d0)``
        ``r`` vectors of ``R^d0``, one per row (filters ``W``, or data ``X.T``).

    Returns
    -------
    ndarray of shape ``(r, d0 (d0 + 1) / 2)``
        The squares first (in the order of the coordinates), then the scaled cross products in the
        order ``(1, 2), (1, 3), ..., (d0 - 1, d0)``.
    """
    Z = as_matrix(Z, "Z")
    rows, cols = np.triu_indices(Z.shape[1], k=1)
    return np.hstack([Z**2, np.sqrt(2.0) * Z[:, rows] * Z[:, cols]])


def quadratic_network(v, W, X) -> np.ndarray:
    """Outputs ``sum_i v_i <w_i, x_j>^2`` of the quadratic network on the points ``X``.

    Parameters
    ----------
    v : array of shape ``(d1,)``
        Output weights.
    W : array of shape ``(d1, d0)``
        Filters, one per row.
    X : array of shape ``(d0, n)``
        Points, one per column.

    Returns
    -------
    ndarray of shape ``(n,)``
    """
    W = as_matrix(W, "W")
    v = as_vector(v, "v", length=W.shape[0])
    X = as_matrix(X, "X", rows=W.shape[1])
    return v @ (W @ X) ** 2


def quadratic_optimum(X, y) -> tuple[np.ndarray, float]:
    """Least-squares optimum of ``1/2 sum_j (psi(x_j) . s - y_j)^2`` over ``s`` in ``R^D``.

    Every quadratic network computes ``x -> <s, psi(x)>`` with ``s = sum_i v_i psi(w_i)``, and when
    ``d1 >= D = d0 (d0 + 1) / 2`` every ``s`` is reached; so the value returned is the global
    minimum of the loss of a quadratic network of width ``d1 >= D``.

    Parameters
    ----------
    X : array of shape ``(d0, n)``
        Points, one per column.
    y : array of shape ``(n,)``
        Labels.

    Returns
    -------
    s : ndarray of shape ``(D,)``
        The minimum-norm least-squares coefficients (``numpy.linalg.lstsq``).
    loss : float
        The minimum value ``1/2 ||psi(X.T) s - y||^2``.
    """
    X = as_matrix(X, "X")
    y = as_vector(y, "y", length=X.shape[1])
    Phi = quadratic_feature_map(X.T)
    s = np.linalg.lstsq(Phi, y, rcond=None)[0]
    r = Phi @ s - y
    return s, float(0.5 * r @ r)


def _segment(start: np.ndarray, end: np.ndarray, n_steps: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n_steps + 1)[1:]
    shape = (-1,) + (1,) * start.ndim
    return (1 - t).reshape(shape) * start + t.reshape(shape) * end


def descent_path(
    v, W, X, y, n_steps: int = 20, seed=None, rtol: float | None = None
) -> dict[str, np.ndarray]:
    """Explicit descent path of a quadratic network to a global minimum of the squared loss.

    The network is ``Phi(x) = sum_i v_i <w_i, x>^2 = <sum_i v_i psi(w_i), psi(x)>`` with
    :func:`quadratic_feature_map` ``psi`` and the loss ``L = 1/2 sum_j (Phi(x_j) - y_j)^2``. Write
    ``Psi`` for the ``(d1, D)`` matrix with rows ``psi(w_i)``, ``D = d0 (d0 + 1) / 2``. The path, made of
    straight segments of ``n_steps`` steps each, has three legs (empty legs are skipped):

    1. *Re-weighting* (constant output): pick ``r = rank(Psi)`` rows of ``Psi`` that are linearly
       independent (QR with column pivoting), write each other row as a combination of them, and
       move ``v`` on a straight segment to weights ``v'`` that are zero on the other rows and give
       the same vector ``sum_i v_i psi(w_i)``. Every point of the segment gives the same vector.
    2. *Completing the basis* (constant output): move the filters whose weight is now zero on
       straight segments to new filters (Gaussian, drawn from ``seed``) chosen so that ``Psi`` gets
       rank ``D``. Their weights are zero, so the output does not change.
    3. *Convex leg*: with ``Psi`` of rank ``D``, move ``v`` on the straight segment to the
       minimum-norm ``v*`` with ``Psi^T v* = s*`` (``s*`` from :func:`quadratic_optimum`). The
       outputs move affinely and the loss, a convex function of ``v`` minimised at the end point, is
       non-increasing along the segment.

    Parameters
    ----------
    v : array of shape ``(d1,)``
        Initial output weights.
    W : array of shape ``(d1, d0)``
        Initial filters, one per row. Needs ``d1 >= d0 (d0 + 1) / 2``.
    X : array of shape ``(d0, n)``
        Points, one per column.
    y : array of shape ``(n,)``
        Labels.
    n_steps : int
        Number of steps per leg.
    seed : int, numpy Generator or None
        Randomness of the new filters of leg 2.
    rtol : float, optional
        Relative tolerance of the rank of ``Psi`` (see :func:`lecture_utils.jacobian_rank`); default
        ``d1 * eps(float64)``. The ``r`` independent rows of leg 1 are the first ``r`` pivots of a QR
        decomposition of ``Psi^T`` with column pivoting.

    Returns
    -------
    dict of ndarray
        With ``K = 1 + (number of non-empty legs) * n_steps`` points on the path:
        ``"v"`` of shape ``(K, d1)``, ``"W"`` of shape ``(K, d1, d0)``, ``"loss"`` of shape
        ``(K,)``, ``"outputs"`` of shape ``(K, n)`` (the network on ``X``), ``"leg"`` of shape ``(K,)`` (0 at the
        start, then 1, 2 or 3), ``"rank"`` of shape ``(K,)`` (rank of ``Psi``), and ``"optimum"``,
        the global minimum value from :func:`quadratic_optimum` (a 0-d array).
        Deterministic given ``seed``.
    """
    W = as_matrix(W, "W")
    d1, d0 = W.shape
    v = as_vector(v, "v", length=d1)
    X = as_matrix(X, "X", rows=d0)
    y = as_vector(y, "y", length=X.shape[1])
    n_steps = check_positive_int(n_steps, "n_steps")
    dimension = polynomial_intrinsic_dimension(d0, 2)
    if d1 < dimension:
        raise ValueError(
            f"the width d1 = {d1} must be at least the intrinsic dimension "
            f"d0 (d0 + 1) / 2 = {dimension}"
        )
    tol = d1 * np.finfo(np.float64).eps if rtol is None else float(rtol)
    rng = rng_from(seed)

    vs, Ws, legs = [v.copy()], [W.copy()], [0]

    # Leg 1: keep r independent rows of Psi, move the weight of the others onto them.
    Psi = quadratic_feature_map(W)
    r = jacobian_rank(Psi, rtol=tol)
    if r < dimension:
        _, R, piv = scipy.linalg.qr(Psi.T, pivoting=True, mode="economic")
        keep, drop = piv[:r], piv[r:]
        coeffs = np.linalg.lstsq(Psi[keep].T, Psi[drop].T, rcond=None)[
            0
        ]  # Psi[drop] = coeffs.T @ Psi[keep]
        v_new = np.zeros(d1)
        v_new[keep] = v[keep] + coeffs @ v[drop]
        for point in _segment(v, v_new, n_steps):
            vs.append(point)
            Ws.append(W.copy())
            legs.append(1)
        v = v_new
        # Leg 2: move the freed filters to new ones that complete a basis of the symmetric matrices.
        for _ in range(100):
            W_new = W.copy()
            W_new[drop] = rng.standard_normal((len(drop), d0))
            if jacobian_rank(quadratic_feature_map(W_new), rtol=tol) == dimension:
                break
        else:  # pragma: no cover - happens with probability zero
            raise RuntimeError("could not complete the basis; increase rtol")
        for point in _segment(W, W_new, n_steps):
            vs.append(v.copy())
            Ws.append(point)
            legs.append(2)
        W = W_new

    # Leg 3: straight segment in u to a global minimum.
    s_star, optimum = quadratic_optimum(X, y)
    v_star = np.linalg.lstsq(quadratic_feature_map(W).T, s_star, rcond=None)[0]
    for point in _segment(v, v_star, n_steps):
        vs.append(point)
        Ws.append(W.copy())
        legs.append(3)

    V, Wp = np.array(vs), np.array(Ws)
    outputs = np.einsum("ki,kij->kj", V, np.einsum("kil,lj->kij", Wp, X) ** 2)
    residual = outputs - y
    return {
        "v": V,
        "W": Wp,
        "loss": 0.5 * np.sum(residual**2, axis=1),
        "outputs": outputs,
        "leg": np.array(legs),
        "rank": np.array(
            [jacobian_rank(quadratic_feature_map(w), rtol=tol) for w in Wp]
        ),
        "optimum": np.array(optimum),
    }


def plot_feature_ranks(sizes, ranks, dimensions=(), d0: int = 3, ax=None):
    """Rank of the ``m x m`` feature matrix against ``m``, one curve per activation.

    Draws the diagonal ``rank = m`` (dotted grey), then one curve per activation (markers
    ``o, s, D, ^, x`` in turn, colours of :data:`lecture_utils.plotting.PALETTE`, dashed for
    ``"tanh"`` so that it stays visible on top of ReLU), and a dashed horizontal line at each
    intrinsic dimension in ``dimensions``, the ``k``-th in the colour of the ``k``-th curve.

    Parameters
    ----------
    sizes : array of shape ``(k,)``
        The numbers ``m`` of filters (= points).
    ranks : dict of str to sequence of int
        Per activation (its name, a legend label), the ``k`` ranks, as computed with
        :func:`empirical_intrinsic_dimension`.
    dimensions : sequence of float
        Intrinsic dimensions ``dim*(sigma, d0)`` of the first curves, drawn as horizontal lines.
    d0 : int
        The input dimension, named in the title.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    from .plotting import PALETTE

    sizes = as_vector(sizes, "sizes")
    if not isinstance(ranks, dict) or not ranks:
        raise ValueError("ranks must be a non-empty dict of name -> ranks")
    if len(ranks) > 5:
        raise ValueError(f"at most 5 curves can be drawn, got {len(ranks)}")
    curves = {
        name: as_vector(r, f"ranks[{name!r}]", length=len(sizes))
        for name, r in ranks.items()
    }
    dimensions = [float(dim) for dim in dimensions]
    if len(dimensions) > len(curves):
        raise ValueError("dimensions has more entries than there are curves")
    d0 = check_positive_int(d0, "d0")
    fig, ax = plt.subplots() if ax is None else (ax.figure, ax)
    ax.plot(sizes, sizes, color="0.6", lw=1, ls=":", label="$m$ (full rank)")
    for k, (name, r) in enumerate(curves.items()):
        ax.plot(
            sizes,
            r,
            marker="osD^x"[k],
            ms=5,
            ls="--" if name == "tanh" else "-",
            color=PALETTE[k],
            label=name,
        )
    for k, dim in enumerate(dimensions):
        ax.axhline(dim, color=PALETTE[k], lw=0.8, ls="--")
    ax.set(
        xlabel="number of filters = number of points $m$",
        ylabel="rank of the feature matrix",
        title=f"Feature ranks in input dimension $d_0 = {d0}$",
    )
    ax.legend(loc="upper left", fontsize=8)
    return fig


def plot_descent_path(path: dict, global_min: float):
    """The loss and the outputs on the first six data points along a :func:`descent_path`.

    Two stacked panels against the index of the point on the path, each leg in its own colour
    (a leg's curve starts at the last point of the previous leg, so the curves join): the loss,
    with the global minimum as a dashed black line, and the outputs ``Phi(x_j)`` for
    ``j = 1, ..., 6`` (fewer if there are fewer points).

    Parameters
    ----------
    path : dict
        As returned by :func:`descent_path`; uses ``"loss"``, ``"leg"`` and ``"outputs"``.
    global_min : float
        The global minimum of the loss, computed independently (e.g. by least squares).

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    from .plotting import PALETTE

    if not isinstance(path, dict) or not {"loss", "leg", "outputs"} <= set(path):
        raise ValueError("path must be a dict with 'loss', 'leg' and 'outputs'")
    loss = as_vector(path["loss"], "path['loss']")
    legs = as_vector(path["leg"], "path['leg']", length=len(loss))
    outputs = as_matrix(path["outputs"], "path['outputs']")
    if outputs.shape[0] != len(loss):
        raise ValueError(
            f"path['outputs'] has {outputs.shape[0]} rows for {len(loss)} points"
        )
    global_min = float(global_min)
    steps = np.arange(len(loss))
    fig, (ax_loss, ax_out) = plt.subplots(2, 1, figsize=(6.4, 6.4), sharex=True)
    for leg, name in (
        (1, "leg 1: re-weight"),
        (2, "leg 2: move freed filters"),
        (3, "leg 3: convex in $v$"),
    ):
        sel = (legs == leg) | (np.roll(legs == leg, -1) & (steps < len(loss) - 1))
        ax_loss.plot(steps[sel], loss[sel], color=PALETTE[leg - 1], label=name)
        ax_out.plot(steps[sel], outputs[sel][:, :6], color=PALETTE[leg - 1], lw=1.2)
    ax_loss.axhline(global_min, color="black", ls="--", lw=1, label="global minimum")
    ax_loss.set(
        xlabel="point on the path",
        ylabel="loss $L$",
        title="Loss along the descent path",
    )
    ax_loss.legend(fontsize=8)
    ax_out.set(
        xlabel="point on the path",
        ylabel=r"$\Phi_\theta(x^{(j)})$",
        title="Outputs on six data points",
    )
    return fig
