"""Beyond the interiors of activation regions: boundaries, deep networks and region volumes.

The tools of Chapter 13, following the talk slides of Montufar on Karhadkar, Murray, Tseran and
Montufar, *Mildly overparameterized ReLU networks have a favorable loss landscape*:

* one-dimensional two-layer networks ``F(w, b, v; x) = sum_i v_i max(0, w_i x + b_i)`` with *trained*
  output weights, whose loss is only piecewise smooth: :func:`one_sided_derivative` (exact one-sided
  directional derivatives), :func:`piece_minimum` (the exact minimum of the loss over the closure of an
  activation region with fixed output signs, by non-negative least squares) and
  :func:`is_local_minimum` (an exact first-order test of local minimality at any point, smooth or not,
  whose output weights are nonzero);
* :func:`deep_relu_jacobian` - the closed-form Jacobian of a deep bias-free ReLU network with respect to
  all hidden weight matrices, and :func:`deep_sigma_ratios` - how far from rank deficient it is at
  random He initialisations;
* :func:`full_rank_volume_fraction` and :func:`proposition11_width` - Monte Carlo volumes of the full-rank
  part of the cube ``[-1, 1]^{2 d1}`` of parameters ``(w, b)``;
* :func:`pattern_distribution_2d`, :func:`anticoncentration_gamma` and :func:`anticoncentration_width` -
  the law of the activation pattern of one random unit on planar data, its anticoncentration constant
  and the width the slides' Theorem 12 asks for.

The key fact behind :func:`piece_minimum` and :func:`is_local_minimum`: with ``u_i = v_i (w_i, b_i)``
the network on the *closure* of a region with pattern ``A`` is ``F_j = sum_i A_ij (u_i . (x_j, 1))``,
linear in ``u``, and where every ``v_i != 0`` the map ``(w, b, v) -> u`` is open onto
``prod_i sign(v_i) C_i`` (``C_i`` the closed cone of unit ``i``). So near such a point the loss is,
region by region, a convex quadratic of ``u`` over a polyhedral cone, and local minimality is decided
by first-order (KKT) conditions in every adjacent region.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.optimize

from ._validation import (
    as_matrix,
    as_vector,
    check_positive_int,
    check_real,
    check_work,
    equal_length_vectors,
    rng_from,
)

__all__ = [
    "one_sided_derivative",
    "piece_minimum",
    "is_local_minimum",
    "descend_to_local_minimum",
    "deep_relu_jacobian",
    "deep_sigma_ratios",
    "full_rank_volume_fraction",
    "proposition11_width",
    "pattern_distribution_2d",
    "anticoncentration_gamma",
    "anticoncentration_width",
    "ZERO_ATOL",
]

#: Pre-activations with absolute value at most ``ZERO_ATOL`` times the scale of the unit are treated as
#: exactly zero (the point lies on the boundary of the region) by :func:`is_local_minimum`.
ZERO_ATOL = 1e-9


def _one_d(x, y=None):
    x = as_vector(x, "x")
    if x.size < 2 or np.unique(x).size != x.size:
        raise ValueError(f"x must hold at least two distinct inputs, got {x}")
    if y is None:
        return x
    return x, as_vector(y, "y", length=x.size)


def _one_d_params(w, b, v):
    return equal_length_vectors(w=w, b=b, v=v)


def _loss(w, b, v, x, y) -> float:
    F = v @ np.maximum(0.0, np.outer(w, x) + b[:, None])
    return 0.5 * float(np.sum((F - y) ** 2))


# ----------------------------------------------------------------------------------------------
# One-dimensional data, trained output weights: the loss at region boundaries
# ----------------------------------------------------------------------------------------------


def one_sided_derivative(w, b, v, x, y, direction) -> float:
    """Exact one-sided directional derivative ``lim_{t -> 0+} (L(theta + t d) - L(theta)) / t``.

    Parameters
    ----------
    w, b, v : arrays of shape ``(d1,)``
        Slopes, biases and output weights of ``F(x) = sum_i v_i max(0, w_i x + b_i)``.
    x, y : arrays of shape ``(n,)``
        Distinct scalar inputs and labels; the loss is ``L = 0.5 * ||F(x) - y||^2``.
    direction : tuple of three arrays of shape ``(d1,)``
        The direction ``(dw, db, dv)``.

    Returns
    -------
    float
        The derivative. Where a pre-activation ``z_ij`` is exactly zero the unit counts as active
        along ``d`` if ``dz_ij > 0`` (it enters the region where it is on), inactive otherwise, which
        is what makes the derivative one-sided.
    """
    w, b, v = _one_d_params(w, b, v)
    x, y = _one_d(x, y)
    dw, db, dv = _one_d_params(*direction)
    if dw.size != w.size:
        raise ValueError(
            f"direction must have blocks of length {w.size}, got {dw.size}"
        )
    z = np.outer(w, x) + b[:, None]
    dz = np.outer(dw, x) + db[:, None]
    on = (z > 0) | ((z == 0) & (dz > 0))
    dF = dv @ np.maximum(z, 0.0) + v @ (on * dz)
    r = v @ np.maximum(z, 0.0) - y
    return float(r @ dF)


def _unit_generators(x: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Generators (rows, shape ``(k, 2)``) of the closed cone ``{(w, b): (2 row_j - 1)(w x_j + b) >= 0}``.

    For two or more distinct inputs the cone is pointed, so it is generated by the directions of
    the boundary lines ``w x_j + b = 0`` that satisfy every constraint; ``k = 0`` for the cone ``{0}``.
    """
    signs = 2.0 * row - 1.0
    candidates = np.array([s * np.array([1.0, -xj]) for xj in x for s in (1.0, -1.0)])
    values = (candidates[:, :1] * x[None, :] + candidates[:, 1:]) * signs[None, :]
    scale = 1.0 + np.max(np.abs(x))
    return candidates[np.all(values >= -1e-12 * scale, axis=1)]


def piece_minimum(x, y, A, s) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Minimise the loss over the closure of an activation region with fixed output-weight signs.

    The piece is ``{(w, b, v): (2 A_ij - 1)(w_i x_j + b_i) >= 0, sign(v_i) = s_i}``. On it the loss is
    a convex quadratic of ``u_i = v_i (w_i, b_i)`` over a product of closed two-dimensional cones, which
    non-negative least squares on the cones' generators minimises exactly.

    Parameters
    ----------
    x, y : arrays of shape ``(n,)``
        Distinct scalar inputs (any order) and labels.
    A : array of shape ``(d1, n)``
        0/1 pattern; its closed region may have empty interior.
    s : array of shape ``(d1,)``
        Signs ``+1`` or ``-1`` of the output weights.

    Returns
    -------
    w, b, v : ndarrays of shape ``(d1,)``
        A minimiser, scaled so that ``|v_i| = 1``.
    loss : float
        The minimum value ``0.5 * ||F - y||^2`` over the piece (the infimum is attained).
    """
    x, y = _one_d(x, y)
    A = np.asarray(A)
    if A.ndim != 2 or A.shape[1] != x.size or not np.all((A == 0) | (A == 1)):
        raise ValueError(
            f"A must be a 0/1 matrix with {x.size} columns, got shape {A.shape}"
        )
    s = as_vector(s, "s", length=A.shape[0])
    if not np.all(np.abs(s) == 1):
        raise ValueError("s must hold signs +1 or -1")
    columns, owners, gens = [], [], []
    for i, row in enumerate(A):
        for g in _unit_generators(x, row):
            columns.append(s[i] * row * (g[0] * x + g[1]))
            owners.append(i)
            gens.append(g)
    u = np.zeros((A.shape[0], 2))
    if columns:
        M = np.array(columns).T
        coef, _ = scipy.optimize.nnls(M, y)
        for c, i, g in zip(coef, owners, gens):
            u[i] += c * g
    w, b, v = u[:, 0].copy(), u[:, 1].copy(), s.astype(np.float64).copy()
    return w, b, v, _loss(w, b, v, x, y)


def _in_dual_cone(g: np.ndarray, normals: np.ndarray, tol: float) -> bool:
    """Is ``g`` a non-negative combination of the rows of ``normals`` (up to ``tol``)?"""
    if normals.size == 0:
        return bool(np.linalg.norm(g) <= tol)
    _, residual = scipy.optimize.nnls(normals.T, g)
    return bool(residual <= tol)


def _kkt_violation(w, b, v, x, y, tol: float):
    """The first unit ``i`` and adjacent row ``a`` whose first-order condition fails, or ``None``."""
    u = np.stack([v * w, v * b], axis=1)
    xt = np.stack([x, np.ones_like(x)], axis=1)  # rows (x_j, 1)
    z = u @ xt.T  # v_i (w_i x_j + b_i)
    zero = np.abs(z) <= ZERO_ATOL * (1.0 + np.linalg.norm(u, axis=1))[:, None]
    r = v @ np.maximum(0.0, np.outer(w, x) + b[:, None]) - y
    gtol = tol * (1.0 + np.linalg.norm(y))
    for i in range(len(w)):
        base = (np.sign(z[i]) * np.sign(v[i]) > 0).astype(
            float
        )  # sign of the pre-activation
        base[zero[i]] = 0.0
        free = np.flatnonzero(zero[i])
        for choice in itertools.product((0.0, 1.0), repeat=free.size):
            a = base.copy()
            a[free] = choice
            g = (a * r) @ xt  # gradient of the quadratic in u_i
            normals = (np.sign(v[i]) * (2 * a[free] - 1))[:, None] * xt[free]
            if not _in_dual_cone(g, normals, gtol):
                return i, a.astype(int)
    return None


def is_local_minimum(w, b, v, x, y, tol: float = 1e-8) -> bool:
    """Exact test whether ``(w, b, v)`` is a local minimum of the loss, smooth point or not.

    Parameters
    ----------
    w, b, v : arrays of shape ``(d1,)``
        The point; every ``v_i`` must be nonzero.
    x, y : arrays of shape ``(n,)``
        Distinct scalar inputs and labels; the loss is ``L = 0.5 * ||F(x) - y||^2``.
    tol : float
        Tolerance of the first-order conditions, relative to ``1 + ||y||``.

    Returns
    -------
    bool
        ``True`` when, in every activation region whose closure contains the point, the gradient of
        the region's quadratic in ``u_i = v_i (w_i, b_i)`` lies in the dual of the tangent cone (the
        KKT conditions). By convexity of each region's quadratic this is equivalent to local
        minimality. Pre-activations below ``ZERO_ATOL`` (relative to the unit's scale) count as
        zero, so the answer is exact up to that rounding and ``tol``.
    """
    w, b, v = _one_d_params(w, b, v)
    x, y = _one_d(x, y)
    tol = check_real(tol, "tol", low=0, high=1, high_open=True)
    if np.any(v == 0):
        raise ValueError("is_local_minimum needs every output weight v_i to be nonzero")
    return _kkt_violation(w, b, v, x, y, tol) is None


def descend_to_local_minimum(x, y, A, s, max_steps: int = 200, tol: float = 1e-8):
    """Exact piecewise descent: minimise over a closed region, step into a neighbour that descends, repeat.

    Parameters
    ----------
    x, y : arrays of shape ``(n,)``
        Distinct scalar inputs and labels.
    A : array of shape ``(d1, n)``
        The 0/1 pattern of the starting region.
    s : array of shape ``(d1,)``
        Signs of the output weights (kept throughout).
    max_steps : int
        Largest number of region changes.
    tol : float
        Tolerance of the first-order test, as in :func:`is_local_minimum`.

    Returns
    -------
    w, b, v : ndarrays of shape ``(d1,)``
        The final point (``|v_i| = 1``).
    loss : float
        Its loss.
    steps : int
        Number of region changes. If ``steps < max_steps`` the point passed :func:`is_local_minimum`.
        Each step lowers the loss (the old point is not optimal in the new closed region, whose
        quadratic is convex), so the walk never revisits a region.
    """
    x, y = _one_d(x, y)
    max_steps = check_positive_int(max_steps, "max_steps")
    tol = check_real(tol, "tol", low=0, high=1, high_open=True)
    A = np.array(A, dtype=int)
    w, b, v, loss = piece_minimum(x, y, A, s)
    for step in range(max_steps):
        found = _kkt_violation(w, b, v, x, y, tol)
        if found is None:
            return w, b, v, loss, step
        A[found[0]] = found[1]
        w, b, v, loss = piece_minimum(x, y, A, s)
    return w, b, v, loss, max_steps


# ----------------------------------------------------------------------------------------------
# Deep networks without biases
# ----------------------------------------------------------------------------------------------


def deep_relu_jacobian(weights, v, X) -> np.ndarray:
    """Closed-form Jacobian of ``F(W, X) = v^T relu(W_{L-1} ... relu(W_1 X))`` with respect to all ``W_l``.

    Parameters
    ----------
    weights : sequence of arrays
        ``W_1, ..., W_{L-1}``; ``W_l`` has shape ``(d_l, d_{l-1})``. No biases.
    v : array of shape ``(d_{L-1},)``
        Fixed output weights.
    X : array of shape ``(d0, n)``
        Inputs, one column per data point.

    Returns
    -------
    ndarray of shape ``(n, sum_l d_l d_{l-1})``
        Row ``j`` is the derivative of ``F(x_j)``, with the blocks ``W_1, ..., W_{L-1}`` in order,
        each flattened row by row (as :func:`lecture_utils.parameter_jacobian` does). Computed by
        back-propagation of ``delta_l = D_l W_{l+1}^T delta_{l+1}``, ``delta_{L-1} = D_{L-1} v``, with
        ``D_l`` the diagonal 0/1 activation of layer ``l``; a unit with pre-activation exactly zero
        counts as inactive.
    """
    if len(weights) < 1:
        raise ValueError("weights must hold at least one hidden weight matrix")
    X = as_matrix(X, "X")
    Ws = []
    rows = X.shape[0]
    for l, W in enumerate(weights, start=1):
        W = as_matrix(W, f"W_{l}", cols=rows)
        Ws.append(W)
        rows = W.shape[0]
    v = as_vector(v, "v", length=rows)
    h, masks = [X.T], []  # batched: (n, d_l)
    for W in Ws:
        z = h[-1] @ W.T
        masks.append((z > 0).astype(np.float64))
        h.append(np.maximum(z, 0.0))
    delta = masks[-1] * v[None, :]
    blocks = [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        blocks[l] = (delta[:, :, None] * h[l][:, None, :]).reshape(X.shape[1], -1)
        if l > 0:
            delta = masks[l - 1] * (delta @ Ws[l])
    return np.concatenate(blocks, axis=1)


# ----------------------------------------------------------------------------------------------
# Volumes of full-rank regions
# ----------------------------------------------------------------------------------------------


def _batched_rank(J: np.ndarray, rtol: float | None) -> np.ndarray:
    s = np.linalg.svd(J, compute_uv=False)
    tol = (max(J.shape[-2:]) * np.finfo(np.float64).eps if rtol is None else rtol) * s[
        ..., :1
    ]
    return np.sum(s > tol, axis=-1)


def full_rank_volume_fraction(
    x, d1: int, trials: int, seed=None, rtol: float | None = None
) -> float:
    """Monte Carlo share of the cube ``[-1, 1]^{d1} x [-1, 1]^{d1}`` of ``(w, b)`` with a rank-``n`` Jacobian.

    Parameters
    ----------
    x : array of shape ``(n,)``
        Distinct scalar inputs.
    d1 : int
        Number of hidden units.
    trials : int
        Number of uniform samples of ``(w, b)``.
    seed : int, Generator or None
        Randomness.
    rtol : float, optional
        Relative rank tolerance (default ``max(shape) * eps``, as :func:`lecture_utils.jacobian_rank`).

    Returns
    -------
    float
        The fraction of samples at which ``nabla_{(w, b)} F`` has rank ``n``. The output weights only
        scale rows of the Jacobian's factor, so for nonzero ``v`` the rank does not depend on them and
        ``v = 1`` is used. An unbiased estimate of the volume fraction of the slides' Proposition 11.
    """
    x = _one_d(x)
    d1 = check_positive_int(d1, "d1")
    trials = check_positive_int(trials, "trials")
    if rtol is not None:
        rtol = check_real(rtol, "rtol", low=0, high=1, high_open=True)
    check_work(
        trials * 2 * d1 * x.size, "full_rank_volume_fraction (trials x 2 d1 x n)"
    )
    rng = rng_from(seed)
    w = rng.uniform(-1, 1, size=(trials, d1, 1))
    b = rng.uniform(-1, 1, size=(trials, d1, 1))
    A = (w * x[None, None, :] + b > 0).astype(np.float64)  # (trials, d1, n)
    J = np.concatenate(
        [A * x[None, None, :], A], axis=1
    )  # (trials, 2 d1, n): J transposed
    return float(np.mean(_batched_rank(J, rtol) == x.size))


def proposition11_width(phi: float, n: int, eps: float) -> float:
    """The width ``(4 / phi) log(n / eps)`` of the slides' Proposition 11 (separation ``phi``)."""
    n = check_positive_int(n, "n")
    if not (phi > 0 and 0 < eps < 1):
        raise ValueError(f"need phi > 0 and 0 < eps < 1, got phi={phi!r}, eps={eps!r}")
    return 4.0 / phi * math.log(n / eps)


# ----------------------------------------------------------------------------------------------
# Anticoncentration
# ----------------------------------------------------------------------------------------------


def pattern_distribution_2d(X) -> tuple[np.ndarray, np.ndarray]:
    """Exact law ``D_X`` of the activation pattern ``1[w . x_j > 0]`` of one bias-free unit, ``d0 = 2``.

    Parameters
    ----------
    X : array of shape ``(2, n)``
        Nonzero planar inputs, no two on a common line through the origin.

    Returns
    -------
    patterns : ndarray of shape ``(k, n)``
        The distinct 0/1 patterns of positive probability.
    probs : ndarray of shape ``(k,)``
        Their probabilities when the direction of ``w`` is uniform on the circle (for instance
        ``w ~ N(0, I)``): the length of the arc of directions giving the pattern, over ``2 pi``. Exact.
    """
    X = as_matrix(X, "X", rows=2)
    if np.any(np.linalg.norm(X, axis=0) == 0):
        raise ValueError("X must not contain the origin")
    # the pattern changes where w is orthogonal to some x_j: at the angles of x_j plus or minus pi/2
    phase = np.arctan2(X[1], X[0])
    cuts = np.sort(
        np.mod(np.concatenate([phase + np.pi / 2, phase - np.pi / 2]), 2 * np.pi)
    )
    if np.min(np.diff(np.append(cuts, cuts[0] + 2 * np.pi))) < 1e-12:
        raise ValueError(
            "X must not have two points on a common line through the origin"
        )
    arcs = np.diff(np.append(cuts, cuts[0] + 2 * np.pi))
    mids = cuts + arcs / 2
    W = np.stack([np.cos(mids), np.sin(mids)], axis=1)
    patterns = (W @ X > 0).astype(int)
    return patterns, arcs / (2 * np.pi)


def anticoncentration_gamma(patterns, probs) -> float:
    """The largest ``gamma`` with ``P(u^T a = 0) <= 1 - gamma`` for every nonzero ``u``, ``a ~ D_X``.

    Parameters
    ----------
    patterns : array of shape ``(k, n)``
        The support of ``D_X`` (distinct patterns).
    probs : array of shape ``(k,)``
        Their probabilities.

    Returns
    -------
    float
        ``1 - max P(a in H)`` over hyperplanes ``H`` through the origin of ``R^n``. A set of patterns
        lies in some such hyperplane exactly when its rank is below ``n``, so the maximum runs over
        all subsets of the support (exhaustive: keep ``k`` below about 20). Exact up to the rank
        decisions, which are on small integer matrices.
    """
    P = as_matrix(patterns, "patterns")
    p = as_vector(probs, "probs", length=P.shape[0])
    if not np.all((P == 0) | (P == 1)):
        raise ValueError(
            "patterns must have entries 0 and 1 (one activation pattern a row)"
        )
    if np.any(p < 0) or p.sum() > 1 + 1e-9:
        raise ValueError(
            f"probs must be probabilities: non-negative with sum at most 1, got {p}"
        )
    k, n = P.shape
    if k > 22:
        raise ValueError(f"the exhaustive search needs at most 22 patterns, got {k}")
    best = 0.0
    for mask in range(1, 2**k):
        idx = [i for i in range(k) if mask >> i & 1]
        mass = p[idx].sum()
        if mass > best and np.linalg.matrix_rank(P[idx]) < n:
            best = mass
    return float(1.0 - best)


def anticoncentration_width(n: int, d0: int, gamma: float, eps: float) -> float:
    """The width ``(8 / gamma^2) log(d0 / eps) + (2 / gamma)(n / d0 + 1)`` of the slides' Theorem 12."""
    n, d0 = check_positive_int(n, "n"), check_positive_int(d0, "d0")
    if not (0 < gamma < 1 and 0 < eps < 1):
        raise ValueError(
            f"need 0 < gamma < 1 and 0 < eps < 1, got gamma={gamma!r}, eps={eps!r}"
        )
    return 8.0 / gamma**2 * math.log(d0 / eps) + 2.0 / gamma * (n / d0 + 1)


def deep_sigma_ratios(X, hidden_widths, last, trials, seed=None) -> np.ndarray:
    """``sigma_n / sigma_1`` of the deep Jacobian at random He initialisations.

    Each trial draws the hidden weights ``W_l`` of a bias-free ReLU network with layer widths
    ``d_0, hidden_widths..., last`` with i.i.d. entries ``N(0, 2 / d_{l-1})`` (He initialisation,
    one matrix after the other from ``seed``), takes the output weights
    ``v = (+1, -1, +1, ...)`` of length ``last``, and records the ratio of the ``n``-th to the largest
    singular value of :func:`deep_relu_jacobian`. The Jacobian has rank ``n`` exactly when the ratio
    is positive; in floating point a ratio above a small relative tolerance decides it.

    Parameters
    ----------
    X : array of shape ``(d0, n)``
        Inputs, one column per data point.
    hidden_widths : sequence of int
        The widths ``d_1, ..., d_{L-2}`` of the earlier hidden layers (may be empty).
    last : int
        The width ``d_{L-1}`` of the last hidden layer.
    trials : int
        Number of initialisations.
    seed : int, numpy Generator or None
        Randomness; a Generator is advanced.

    Returns
    -------
    ndarray of shape ``(trials,)``
        The ratios; ``0`` for a trial whose Jacobian vanishes (all units dead) or has fewer than
        ``n`` columns.
    """
    from .networks import alternating_signs

    X = as_matrix(X, "X")
    widths = [X.shape[0]]
    for k, width in enumerate([*hidden_widths, last]):
        widths.append(check_positive_int(width, f"width {k + 1}"))
    trials = check_positive_int(trials, "trials")
    rng = rng_from(seed)
    n = X.shape[1]
    ratios = []
    for _ in range(trials):
        Ws = [
            rng.normal(size=(b, a)) * np.sqrt(2 / a)
            for a, b in zip(widths[:-1], widths[1:])
        ]
        J = deep_relu_jacobian(Ws, alternating_signs(widths[-1]), X)
        s = np.linalg.svd(J, compute_uv=False)
        full = len(s) >= n and s[0] > 0
        ratios.append(s[n - 1] / s[0] if full else 0.0)  # 0: all dead
    return np.array(ratios)
