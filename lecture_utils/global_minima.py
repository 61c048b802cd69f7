"""Global minima inside activation regions of the two-layer ReLU network with biases.

On an activation region ``S_X^A`` (an open polyhedral cone of parameters ``theta = [W | b]`` sharing
the pattern ``A`` of shape ``(d1, n)``) the network is linear in ``theta``:
``F(theta, X) = J_A theta`` with the constant Jacobian ``J_A``. So the region contains a zero-loss
global minimum exactly when the affine set ``{theta : J_A theta = y}`` meets the open cone. This module
decides that question and, for one-dimensional inputs, builds such a point explicitly:

* :func:`step_vectors`, :func:`is_step_matrix`, :func:`is_diverse`, :func:`is_complete` - the
  combinatorics of one-dimensional data (Karhadkar, Murray, Tseran and Montufar, Section 5);
* :func:`diverse_probability`, :func:`complete_probability` - exact probabilities (inclusion-exclusion)
  that a matrix of i.i.d. uniform step-vector rows is diverse or complete, and
  :func:`theorem10_width`, :func:`theorem12_width`, the widths the paper's Theorems 10 and 12 ask for;
* :func:`lemma15_parameters` - the constructive proof of the paper's Lemma 15: in a complete region,
  weights and biases that keep the pattern and fit any labels exactly;
* :func:`region_has_global_minimum` - an exact feasibility test (a linear programme built on the
  region's Jacobian :func:`lecture_utils.jacobians.pattern_jacobian`, or for ``d0 = 1`` a
  cone-membership test by non-negative least squares);
* :func:`global_minimum_fraction` - the Monte Carlo experiment of the paper's Figures 6-8, with regions
  sampled through a random initialisation or (for ``d0 = 1``) uniformly, by
  :func:`uniform_region_patterns`, as the theorems count them, and with fresh data for every trial
  or one data set for all (``protocol``);
* :func:`label_type_shares` and :func:`paired_difference_interval` - a paired comparison of the
  label types over independent data sets, with a confidence interval for the difference, and
  :func:`grid_difference_interval`, the same for two grids of independent binomial shares.

Conventions: for one-dimensional inputs ``x^(1) < ... < x^(n)`` the step vectors are
``xi^(k,1) = (0, ..., 0, 1, ..., 1)`` (ones from position ``k`` on) and ``xi^(k,0) = 1 - xi^(k,1)``,
``k = 1, ..., n + 1``; there are ``2n`` distinct ones. Functions that take a pattern ``A`` *without*
the inputs assume its columns are ordered by increasing input.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.optimize
import scipy.sparse

from ._validation import (
    as_float_array,
    as_matrix,
    as_vector,
    check_positive_int,
    check_work,
    rng_from,
)
from .data import quadratic_labels, random_labels, teacher_labels, uniform_cube_inputs
from .jacobians import pattern_jacobian
from .networks import alternating_signs, init_two_layer
from .regions import activation_pattern

__all__ = [
    "step_vectors",
    "is_step_matrix",
    "is_diverse",
    "is_complete",
    "random_step_matrix",
    "uniform_region_patterns",
    "diverse_probability",
    "complete_probability",
    "theorem10_width",
    "theorem12_width",
    "lemma15_parameters",
    "region_has_global_minimum",
    "global_minimum_fraction",
    "draw_labels",
    "sample_region",
    "label_type_shares",
    "paired_difference_interval",
    "grid_difference_interval",
    "LABEL_TYPES",
    "RELEASED_LABEL_TYPES",
    "DATA_PROTOCOLS",
]

#: Relative tolerance of the cone-membership test (non-negative least squares residual).
CONE_RTOL = 1e-9
#: Relative tolerance of the optimality (KKT) check of a non-negative least squares solution: each
#: column's inner product with the residual, relative to the two norms.
KKT_RTOL = 1e-7
#: Relative tolerance with which a linear-programming witness must reproduce the labels.
WITNESS_RTOL = 1e-6

#: HiGHS methods tried in turn when one ends without deciding feasibility.
LP_METHODS = ("highs", "highs-ds", "highs-ipm")
#: The label types of the paper's experiments (Appendix E.2).
LABEL_TYPES = ("polynomial", "teacher", "random")
#: The laws of the two label types as the code released with the paper draws them (see
#: :func:`draw_labels`); accepted wherever a label type is.
RELEASED_LABEL_TYPES = ("polynomial-released", "teacher-released")
#: How :func:`global_minimum_fraction` samples regions: through a random initialisation, or uniformly.
REGION_SAMPLERS = ("init", "uniform")
#: When :func:`global_minimum_fraction` draws the data: for every trial, or once for all trials.
DATA_PROTOCOLS = ("per-trial", "fixed")


# ----------------------------------------------------------------------------------------------
# Step vectors, diverse and complete matrices
# ----------------------------------------------------------------------------------------------


def step_vectors(n: int) -> np.ndarray:
    """The ``2n`` distinct step vectors of length ``n``, one per row (dtype ``int``).

    Rows ``0, ..., n`` are ``xi^(k,1)`` for ``k = 1, ..., n + 1`` (ones from position ``k`` on: the
    all-ones vector first, the zero vector last); rows ``n + 1, ..., 2n - 1`` are ``xi^(k,0)`` for
    ``k = 2, ..., n`` (ones before position ``k``).

    Parameters
    ----------
    n : int
        Number of data points.

    Returns
    -------
    ndarray of shape ``(2n, n)``
    """
    n = check_positive_int(n, "n")
    check_work(2 * n * n, "step_vectors(n) (a 2n x n matrix)")
    idx = np.arange(n)
    up = (idx[None, :] >= np.arange(n + 1)[:, None]).astype(int)  # xi^(k,1), k = 1..n+1
    return np.vstack([up, 1 - up[1:n]])


def _as_pattern(A, name: str = "A") -> np.ndarray:
    arr = as_matrix(A, name)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"{name} must have at least one unit (row) and one data point (column), "
            f"got shape {arr.shape}"
        )
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must have 0/1 entries")
    return arr.astype(int)


def _row_is_step(A: np.ndarray) -> np.ndarray:
    """Boolean per row: is it a step vector (at most one change, in either direction)?"""
    return np.count_nonzero(np.diff(A, axis=1), axis=1) <= 1


def is_step_matrix(A) -> bool:
    """Whether every row of the 0/1 matrix ``A`` (shape ``(d1, n)``, columns by increasing input) is a
    step vector, i.e. (Lemma 9 of Karhadkar et al.) whether the region ``S_X^A`` is non-empty."""
    return bool(np.all(_row_is_step(_as_pattern(A))))


def _up_index(A: np.ndarray) -> np.ndarray:
    """Per row: ``k`` (1-based) if the row equals ``xi^(k,1)`` with ``k <= n``, else 0."""
    first_one = np.argmax(A == 1, axis=1)
    is_up = _row_is_step(A) & (A[:, -1] == 1)
    return np.where(is_up, first_one + 1, 0)


def is_diverse(A) -> bool:
    """Whether the step matrix ``A`` is *diverse* (proof of Theorem 10 of Karhadkar et al.).

    Diverse: every row is a step vector, some row is the all-ones vector ``xi^(1,1)``, and for every
    ``k = 2, ..., n`` some row is ``xi^(k,0)`` or ``xi^(k,1)``. Diverse matrices have rank ``n``.

    Parameters
    ----------
    A : array of shape ``(d1, n)``
        0/1 pattern, columns ordered by increasing input.

    Returns
    -------
    bool
    """
    A = _as_pattern(A)
    if not np.all(_row_is_step(A)):
        return False
    n = A.shape[1]
    changes = np.diff(A, axis=1) != 0
    first_change = np.where(
        changes.any(axis=1), np.argmax(changes, axis=1) + 2, 0
    )  # k of xi^(k, .)
    covered = set(first_change[first_change > 0].tolist())
    has_ones = bool(np.any(np.all(A == 1, axis=1)))
    return has_ones and covered >= set(range(2, n + 1))


def is_complete(A, v) -> bool:
    """Whether the step matrix ``A`` is *complete* for the output weights ``v``.

    Complete (the condition of Theorem 12 of Karhadkar et al.): every row is a step vector, and
    for every ``k = 1, ..., n`` and each sign there is a unit ``i`` with that sign of ``v_i`` whose
    row is ``xi^(k,1)`` (active exactly on the points ``k, ..., n``).

    Parameters
    ----------
    A : array of shape ``(d1, n)``
        0/1 pattern, columns ordered by increasing input.
    v : array of shape ``(d1,)``
        Output weights (nonzero).

    Returns
    -------
    bool
    """
    A = _as_pattern(A)
    v = as_vector(v, "v", length=A.shape[0])
    if not np.all(_row_is_step(A)):
        return False
    up = _up_index(A)
    n = A.shape[1]
    need = set(range(1, n + 1))
    return need <= set(up[v > 0].tolist()) and need <= set(up[v < 0].tolist())


def random_step_matrix(n: int, d1: int, seed=None) -> np.ndarray:
    """A ``(d1, n)`` matrix whose rows are i.i.d. uniform among the ``2n`` step vectors, i.e. a
    uniformly random non-empty activation region for sorted one-dimensional data (Lemma 9 of
    Karhadkar et al.)."""
    n, d1 = check_positive_int(n, "n"), check_positive_int(d1, "d1")
    return step_vectors(n)[rng_from(seed).integers(0, 2 * n, size=d1)]


def uniform_region_patterns(
    x, d1: int, size: int | None = None, seed=None
) -> np.ndarray:
    """Activation patterns of uniformly random non-empty regions, for one-dimensional inputs.

    With a bias, one unit's pattern on ``n`` distinct scalar inputs is one of exactly ``2n`` vectors
    (Lemma 9 of Karhadkar, Murray, Tseran and Montufar): active on the points to the right of a
    threshold (``n + 1`` patterns, from all points to none) or on the points to the left of it
    (``n - 1`` more). A region is a product of one wedge per unit, so choosing one of the ``(2n)^d1``
    non-empty regions uniformly, as Theorems 10 and 12 count them, means drawing the ``d1`` rows
    i.i.d. uniformly from these ``2n`` patterns. This is not what a random initialisation does: it
    weights each region by its probability under the initialisation (see :func:`global_minimum_fraction`).
    Unlike :func:`random_step_matrix`, the inputs need not be sorted: column ``j`` belongs to ``x[j]``.

    Parameters
    ----------
    x : array of shape ``(n,)`` or ``(1, n)``
        Pairwise distinct one-dimensional inputs, in any order.
    d1 : int
        Width, the number of hidden units (rows of each pattern).
    size : int or None
        Number of independent patterns; ``None`` returns a single one.
    seed : int, numpy Generator or None
        Seed of the draw.

    Returns
    -------
    ndarray of int, shape ``(d1, n)``, or ``(size, d1, n)`` when ``size`` is given
        0/1 patterns (``1`` where the unit is active on the input).

    Raises
    ------
    ValueError
        If ``x`` is not a vector or a single row, has NaN, infinite or repeated entries, or ``d1`` or
        ``size`` is not a positive integer.
    """
    x = as_float_array(x, "x")
    if x.ndim == 2 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 1 or x.size == 0:
        raise ValueError(
            f"x must be one-dimensional inputs of shape (n,) or (1, n) with n >= 1, got shape {x.shape}"
        )
    d1 = check_positive_int(d1, "d1")
    count = 1 if size is None else check_positive_int(size, "size")
    if x.size > 1 and np.min(np.diff(np.sort(x))) <= 0:
        raise ValueError(
            "the inputs x must be pairwise distinct (equal inputs share every pattern entry)"
        )
    n = x.size
    rank = np.argsort(
        np.argsort(x, kind="stable"), kind="stable"
    )  # position of x[j] in sorted order
    u = rng_from(seed).integers(
        0, 2 * n, size=(count, d1, 1)
    )  # which of the 2n patterns
    # u = 0..n: active from the (u+1)-th smallest point on (u = 0: all, u = n: none);
    # u = n+1..2n-1: active on the u - n smallest points
    patterns = np.where(u <= n, rank >= u, rank < u - n).astype(int)
    return patterns[0] if size is None else patterns


def _absorption_probability(T: np.ndarray, d: int) -> float:
    """Probability that the Markov chain with transition matrix ``T``, started in state 0, is in the
    last state after ``d`` steps (all entries non-negative, so there is no cancellation)."""
    return float(min(max(np.linalg.matrix_power(T, d)[0, -1], 0.0), 1.0))


def diverse_probability(n: int, d1: int) -> float:
    """Exact probability that ``d1`` i.i.d. uniform step-vector rows form a diverse matrix.

    The class of a row (in the proof of Theorem 10 of Karhadkar et al.) is ``1`` for the all-ones
    row (probability ``1/(2n)``), ``k`` for ``xi^(k,0)`` or ``xi^(k,1)``, ``2 <= k <= n``
    (probability ``1/n`` each), and none for the zero row. The number of classes ``2..n`` seen so far and whether class 1 has been seen form a
    Markov chain; the probability is an entry of a power of its transition matrix (computed in
    float64 from non-negative numbers, so it stays accurate for large ``n``, unlike the alternating
    inclusion-exclusion sum).
    """
    n, d1 = check_positive_int(n, "n"), check_positive_int(d1, "d1")
    T = np.zeros(
        (2 * n, 2 * n)
    )  # state 2 m + e: m of classes 2..n seen, e: class 1 seen
    for m in range(n):
        for e in (0, 1):
            state, new_class, new_ones = 2 * m + e, (n - 1 - m) / n, (1 - e) / (2 * n)
            if m < n - 1:
                T[state, state + 2] += new_class
            if e == 0:
                T[state, state + 1] += new_ones
            T[state, state] += 1.0 - (new_class if m < n - 1 else 0.0) - new_ones
    return _absorption_probability(T, d1)


def _cover_probability(n: int, d: int) -> float:
    """P(d i.i.d. draws, each hitting one of n given classes with probability 1/(2n), cover all n)."""
    if d == 0:
        return 0.0
    T = np.zeros((n + 1, n + 1))  # state m: classes seen so far
    for m in range(n + 1):
        T[m, m] = 1.0 - (n - m) / (2 * n)
        if m < n:
            T[m, m + 1] = (n - m) / (2 * n)
    return _absorption_probability(T, d)


def complete_probability(n: int, d1: int) -> float:
    """Exact probability that ``d1`` i.i.d. uniform step-vector rows form a complete matrix for the
    output weights ``v = (+1, -1, +1, ...)`` (``ceil(d1/2)`` positive, ``floor(d1/2)`` negative units).

    Each sign class must contain all ``n`` vectors ``xi^(k,1)``, each drawn with probability ``1/(2n)``;
    the two classes are independent, and each is a coupon-collector coverage computed exactly from
    the Markov chain of the number of vectors seen.
    """
    n, d1 = check_positive_int(n, "n"), check_positive_int(d1, "d1")
    return _cover_probability(n, (d1 + 1) // 2) * _cover_probability(n, d1 // 2)


def theorem10_width(n: int, eps: float) -> float:
    """Width ``2 n log(n / eps)`` of Theorem 10 of Karhadkar et al.: above it, all but a fraction
    ``eps`` of the non-empty regions (for ``d0 = 1``) have a full-rank Jacobian."""
    n = check_positive_int(n, "n")
    if not 0 < eps < 1:
        raise ValueError(f"eps must lie in (0, 1), got {eps!r}")
    return 2 * n * math.log(n / eps)


def theorem12_width(n: int, eps: float) -> float:
    """Width ``4 n log(2n / eps)`` of Theorem 12 of Karhadkar et al., with equally many positive
    and negative output weights (``2 n log(2n / eps)`` of each): above it, all but a fraction
    ``eps`` of the non-empty regions contain an affine set of global minima of codimension ``n``."""
    n = check_positive_int(n, "n")
    if not 0 < eps < 1:
        raise ValueError(f"eps must lie in (0, 1), got {eps!r}")
    return 4 * n * math.log(2 * n / eps)


# ----------------------------------------------------------------------------------------------
# Lemma 15: an explicit interpolant in a complete region
# ----------------------------------------------------------------------------------------------


def _step_row_parameters(row: np.ndarray, xs: np.ndarray) -> tuple[float, float]:
    """(w, b) of one unit whose pattern on the sorted inputs ``xs`` is the step vector ``row``."""
    n = xs.size
    ext = np.concatenate(
        [[xs[0] - 2.0], xs, [xs[-1] + 2.0]]
    )  # x^(0), x^(1..n), x^(n+1)
    if np.all(row == row[0]):
        k = 1 if row[0] == 1 else n + 1  # xi^(1,1) = 1, xi^(n+1,1) = 0
        t = 0.5 * (ext[k - 1] + ext[k])
        return 1.0, -t
    k = int(np.argmax(np.diff(row) != 0)) + 2  # first position after the change
    t = 0.5 * (ext[k - 1] + ext[k])
    s = 1.0 if row[-1] == 1 else -1.0
    return s, -s * t


def lemma15_parameters(x, y, A, v) -> tuple[np.ndarray, np.ndarray]:
    """Weights and biases with activation pattern ``A`` that fit the labels ``y`` exactly.

    Implements the constructive proof of Lemma 15 of Karhadkar, Murray, Tseran and Montufar
    (Appendix C). With the inputs sorted, ``x^(1) < ... < x^(n)``:

    1. *slack* units (all but one unit with row ``xi^(k,1)`` per sign and ``k``) get any parameters
       with their prescribed step pattern; ``z = y - (their output)`` is what is left to fit;
    2. a recursion builds ``g(x) = sum_k c_k relu(omega_k (x - t_k))`` with ``c_k`` in ``{-1, 0, 1}``,
       ``omega_k > 0`` and thresholds ``t_0 < x^(1)``, ``t_k = (x^(k) + x^(k+1)) / 2``, such that
       ``g(x^(j)) = z^(j)``: step ``k`` corrects the residual ``r_k = z^(k+1) - g_{k-1}(x^(k+1))`` at
       the next point without touching the earlier ones (``c_k = sign(r_k)``,
       ``omega_k relu-value at x^(k+1) = |r_k|``);
    3. the two *key* units of step ``k`` (row ``xi^(k+1,1)``, one with ``v > 0``, one with ``v < 0``)
       get ``(w, b) = alpha / |v_i| * omega_k (1, -t_k)`` with ``alpha = (3 + c_k) / 2`` for the positive
       and ``(3 - c_k) / 2`` for the negative one: both are active exactly on ``x^(k+1), ..., x^(n)``,
       and together they add ``c_k relu(omega_k (x - t_k))`` to the output.

    Where a residual ``r_k`` is exactly zero the proof in the paper would put ``omega_k = 0`` (a unit
    on the boundary of the region); here ``c_k = 0`` and ``omega_k = 1`` instead, so the two key
    units cancel and the parameters stay inside the open region.

    Parameters
    ----------
    x : array of shape ``(n,)``
        Pairwise distinct one-dimensional inputs, in any order.
    y : array of shape ``(n,)``
        Labels.
    A : array of shape ``(d1, n)``
        0/1 activation pattern, column ``j`` belonging to input ``x[j]``; complete for ``v`` after
        sorting the columns by input (see :func:`is_complete`).
    v : array of shape ``(d1,)``
        Nonzero output weights.

    Returns
    -------
    W : ndarray of shape ``(d1, 1)``
        Hidden weights (a column, so that ``two_layer_relu(W, b, v, x[None, :])`` evaluates the network).
    b : ndarray of shape ``(d1,)``
        Hidden biases.

    Raises
    ------
    ValueError
        If the inputs are not pairwise distinct, the shapes do not match, ``v`` has a zero entry, or
        ``A`` is not complete.
    """
    x = as_vector(x, "x")
    n = x.size
    y = as_vector(y, "y", length=n)
    A = _as_pattern(A)
    if A.shape[1] != n:
        raise ValueError(
            f"A must have n = {n} columns (one per input), got shape {A.shape}"
        )
    d1 = A.shape[0]
    v = as_vector(v, "v", length=d1)
    if np.any(v == 0):
        raise ValueError("the output weights v must all be nonzero")
    order = np.argsort(x, kind="stable")
    xs, ys, As = x[order], y[order], A[:, order]
    if n > 1 and np.min(np.diff(xs)) <= 0:
        raise ValueError("the inputs x must be pairwise distinct")
    if not is_complete(As, v):
        raise ValueError(
            "A is not complete for v: Lemma 15 needs, for each k = 1..n and each sign of v, "
            "a unit with that sign active exactly on the k-th to n-th smallest inputs"
        )
    up = _up_index(As)
    key = {}  # (k, positive?) -> unit index, k = 0..n-1
    for i in range(d1):
        if up[i] > 0 and (up[i] - 1, v[i] > 0) not in key:
            key[(up[i] - 1, bool(v[i] > 0))] = i
    key_units = set(key.values())
    W, b = np.zeros(d1), np.zeros(d1)
    for i in range(d1):  # step 1: slack units
        if i not in key_units:
            W[i], b[i] = _step_row_parameters(As[i], xs)
    z = ys - v @ np.maximum(np.outer(W, xs) + b[:, None], 0.0)
    # step 2: the recursion g_k = g_{k-1} + c_k relu(omega_k (x - t_k))
    c, omega, t = np.zeros(n), np.ones(n), np.zeros(n)
    g = np.zeros(n)  # g_{k-1} on the sorted inputs
    for k in range(n):
        r = z[k] - g[k]
        if k == 0:
            t[0] = xs[0] - (abs(r) if r != 0 else 1.0)
        else:
            t[k] = 0.5 * (xs[k - 1] + xs[k])
            if r != 0:
                omega[k] = abs(r) / (xs[k] - t[k])
        c[k] = np.sign(r)
        g = g + c[k] * omega[k] * np.maximum(xs - t[k], 0.0)
    # step 3: the key units
    for (k, positive), i in key.items():
        alpha = (3.0 + c[k]) / 2.0 if positive else (3.0 - c[k]) / 2.0
        scale = alpha / abs(v[i]) * omega[k]
        W[i], b[i] = scale, -scale * t[k]
    return W[:, None], b


# ----------------------------------------------------------------------------------------------
# Does a region contain a global minimum?
# ----------------------------------------------------------------------------------------------


def _check_region_inputs(X, A, v):
    X = as_matrix(X, "X")
    A = _as_pattern(A)
    if A.shape[1] != X.shape[1]:
        raise ValueError(
            f"A must have one column per data point: X has shape {X.shape}, A has shape {A.shape}"
        )
    v = as_vector(v, "v", length=A.shape[0])
    return X, A, v


def _has_minimum_lp(X, y, A, v) -> bool:
    d0, n = X.shape
    d1 = A.shape[0]
    p = d0 + 1
    Xt = np.vstack([X, np.ones((1, n))])  # (p, n)
    S = 2.0 * A - 1.0  # (d1, n)
    # -(2A_ij - 1) <x~_j, theta_i> <= -1, variables theta (unit by unit) then t
    rows = np.repeat(np.arange(d1 * n), p)
    cols = (
        (np.arange(d1)[:, None, None] * p + np.arange(p)[None, None, :])
        .repeat(n, axis=1)
        .ravel()
    )
    vals = (-S[:, :, None] * Xt.T[None, :, :]).ravel()
    A_ub = scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(d1 * n, d1 * p + 1))
    J = pattern_jacobian(X, A, v)
    A_eq = np.hstack([J, -y[:, None]])  # J theta - t y = 0
    bounds = [(None, None)] * (d1 * p) + [(1.0, None)]
    # HiGHS's default method occasionally ends without a verdict on badly scaled instances ("model
    # status unknown"): then the dual simplex and the interior-point method are tried in turn.
    messages = []
    for method in LP_METHODS:
        res = scipy.optimize.linprog(
            np.zeros(d1 * p + 1),
            A_ub=A_ub,
            b_ub=-np.ones(d1 * n),
            A_eq=A_eq,
            b_eq=np.zeros(n),
            bounds=bounds,
            method=method,
        )
        if res.status == 2:
            return False
        if res.status == 0:
            theta = res.x[:-1].reshape(d1, p) / res.x[-1]
            pre = theta[:, :d0] @ X + theta[:, d0][:, None]
            fit = v @ np.maximum(pre, 0.0)
            if np.array_equal((pre > 0).astype(int), A) and np.max(
                np.abs(fit - y)
            ) <= WITNESS_RTOL * (1.0 + np.max(np.abs(y))):
                return True
            messages.append(
                f"{method}: a feasible point that does not reproduce the pattern and labels"
            )
        else:
            messages.append(f"{method}: {res.message}")
    raise RuntimeError("linprog did not decide feasibility: " + "; ".join(messages))


def _has_minimum_cone(X, y, A, v) -> bool:
    order = np.argsort(X[0], kind="stable")
    xs, ys, As = X[0][order], y[order], A[:, order]
    n = xs.size
    if n > 1 and np.min(np.diff(xs)) <= 0:
        raise ValueError("method='cone' needs pairwise distinct inputs")
    if not np.all(_row_is_step(As)):
        return False  # an empty region (Lemma 9)
    # units with the same row of A and the same sign of v have images that are positive multiples of
    # one another, and a strictly positive sum of copies of an open cone is that cone: keep one each.
    changes = np.diff(As, axis=1) != 0
    position = (
        np.where(changes.any(axis=1), np.argmax(changes, axis=1) + 1, 0)
        if n > 1
        else np.zeros(len(v), int)
    )
    code = (As[:, 0] * (n + 1) + position) * 2 + (v > 0)
    first = np.unique(code, return_index=True)[1]
    kinds, signs = As[first].astype(float), np.sign(v[first])
    alive = kinds.any(axis=1)  # a dead unit adds nothing
    kinds, signs = kinds[alive], signs[alive]
    if kinds.size == 0:
        return bool(np.all(y == 0))
    # candidate rays of the closed wedges: the directions +-(1, -x_j), perpendicular to (x_j, 1); for
    # a pointed wedge exactly its two extreme rays are valid (for n = 1 we add the normal (x_1, 1)).
    Xt = np.vstack([xs, np.ones(n)])  # (2, n)
    ray = np.column_stack([np.ones(n), -xs])
    P = np.vstack([ray, -ray]) @ Xt  # (2n, n): <x~_j, r>
    tol = 1e-12 * (np.max(np.abs(P)) + 1.0)
    sign_pattern = 2.0 * kinds - 1.0  # (K, n)
    valid = np.min(sign_pattern[:, None, :] * P[None, :, :], axis=2) >= -tol  # (K, 2n)
    images = signs[:, None, None] * kinds[:, None, :] * P[None, :, :]  # (K, 2n, n)
    G = images[valid].T  # (n, #generators)
    if n == 1:
        G = np.hstack([G, (signs * (xs[0] ** 2 + 1.0))[None, :]])
    # y = G lam with lam > 0  <=>  G mu - tau y = y - G 1 with mu, tau >= 0 (lam = 1 + mu, t = 1 + tau)
    M = np.hstack([G, -ys[:, None]])
    rhs = ys - G.sum(axis=1)
    try:
        mu = scipy.optimize.nnls(M, rhs, maxiter=50 * M.shape[1])[0]
    except RuntimeError:  # iteration limit: let an LP decide
        return _cone_lp(M, rhs, X, y, A, v)
    # The residual norm that SciPy reports is not trusted: since the re-implementation of NNLS in
    # SciPy 1.15 it can be 0 for a returned point that is far from fitting (scipy/scipy#25389).
    # The residual is recomputed from the point, and a "no" needs the point to satisfy the optimality
    # (KKT) conditions of NNLS, M^T r <= 0 with equality where mu > 0; otherwise the LP decides.
    r = rhs - M @ mu
    if np.linalg.norm(r) <= CONE_RTOL * (1.0 + np.linalg.norm(rhs) + np.linalg.norm(M)):
        return True
    g = M.T @ r
    slack = KKT_RTOL * np.linalg.norm(M, axis=0) * np.linalg.norm(r)
    if np.all(g <= slack) and np.all(np.abs(g[mu > 0]) <= slack[mu > 0]):
        return False
    return _cone_lp(M, rhs, X, y, A, v)


def _cone_lp(M, rhs, X, y, A, v) -> bool:
    """Decide ``M mu = rhs, mu >= 0`` by a feasibility LP (the cone test's fallback when NNLS does
    not settle it); if HiGHS cannot decide that small LP either, the region's full LP decides."""
    for method in LP_METHODS:
        res = scipy.optimize.linprog(
            np.zeros(M.shape[1]), A_eq=M, b_eq=rhs, bounds=(0, None), method=method
        )
        if res.status == 2:
            return False
        if res.status == 0 and np.linalg.norm(M @ res.x - rhs) <= WITNESS_RTOL * (
            1.0 + np.linalg.norm(rhs)
        ):
            return True
    return _has_minimum_lp(X, y, A, v)


# ----------------------------------------------------------------------------------------------
# Certificates: deciding most regions of d0 >= 2 without a general linear programme
# ----------------------------------------------------------------------------------------------

#: Relative margin that a membership certificate keeps on every strict inequality of the region
#: (relative to the largest pre-activation), so that rounding cannot have decided a sign.
CERT_MARGIN_RTOL = 1e-9
#: Relative tolerance with which a membership certificate reproduces the labels (1000 times
#: stricter than the linear programme's witness check ``WITNESS_RTOL``).
CERT_RTOL = 1e-9
#: Relative size below which a least-squares residual or a Farkas vector's defect counts as zero,
#: and above which a label component outside the Jacobian's column space counts as one.
FARKAS_RTOL = 1e-9


def _verified_witness(X, y, A, v, theta) -> bool:
    """Whether ``theta`` (shape ``(d1, d0 + 1)``) is a point of the open region ``S_X^A`` whose outputs
    are ``y``: every pre-activation has the sign of the pattern with a relative margin
    ``CERT_MARGIN_RTOL``, and the outputs equal ``y`` within ``CERT_RTOL`` (relative to
    ``1 + max |y|``), both computed directly from the network."""
    if not np.all(np.isfinite(theta)):
        return False
    pre = theta[:, :-1] @ X + theta[:, -1][:, None]
    margin = CERT_MARGIN_RTOL * np.max(np.abs(pre))
    signed = (2.0 * A - 1.0) * pre
    if not np.all(signed > margin):
        return False
    fit = v @ np.maximum(pre, 0.0)
    return bool(np.max(np.abs(fit - y)) <= CERT_RTOL * (1.0 + np.max(np.abs(y))))


def _outside_column_space(X, y, coef) -> bool:
    """Whether ``y`` has a component outside the column space of the Jacobian ``J`` (units with
    coefficients ``coef = v_i A_ij``), certified by a Farkas vector ``z``: ``J^T z = 0`` (to
    ``FARKAS_RTOL`` relative) and ``z . y`` clearly positive. Then ``J theta = t y`` forces
    ``t = 0``, and the linear programme is infeasible whatever the inequalities.

    ``J J^T = (Xt^T Xt) * (coef^T coef)`` (Hadamard product) is only ``n x n``; ``z`` is the part
    of ``y`` along its eigenvectors with eigenvalues below ``1e-10`` of the largest, and
    ``|J^T z|^2 = z^T J J^T z`` is checked."""
    n = X.shape[1]
    Xt = np.vstack([X, np.ones((1, n))])
    gram = (Xt.T @ Xt) * (coef.T @ coef)
    w, V = np.linalg.eigh(gram)
    small = w <= 1e-10 * w[-1]
    if not small.any():
        return False
    z = V[:, small] @ (V[:, small].T @ y)
    znorm, ynorm = np.linalg.norm(z), np.linalg.norm(y)
    if znorm <= 1e-6 * ynorm:
        return False
    defect = np.sqrt(max(z @ gram @ z, 0.0))
    return bool(defect <= FARKAS_RTOL * np.sqrt(np.trace(gram)) * znorm)


def _reduced_units(A, v):
    """Representatives of the units that matter: units active on some point, one per pair (pattern,
    sign of ``v``). Units with the same pattern and the same sign have images that are positive
    multiples of one another, and a strictly positive sum of copies of an open convex cone is that
    cone, so one representative decides; a unit active nowhere adds nothing to the outputs and its
    region ``{theta_i : <x~_j, theta_i> < 0}`` is never empty (take ``w = 0``, ``b = -1``).

    Returns the representatives' indices and, per unit, the index of its representative (``-1`` for
    a unit active nowhere)."""
    live = np.flatnonzero(A.any(axis=1))
    # one byte string per unit (its pattern and the sign of v, bits packed): np.unique on these
    # orders them as it would order the rows (lexicographically), and is much faster
    bits = np.packbits(
        np.hstack([A[live], (v[live] > 0)[:, None]]).astype(bool), axis=1
    )
    key = np.ascontiguousarray(bits).view(np.dtype((np.void, bits.shape[1]))).ravel()
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rep_of = np.full(len(v), -1)
    rep_of[live] = live[first][inverse.ravel()]
    return live[first], rep_of


def _spread(theta_rep, reps, rep_of, d1, p) -> np.ndarray:
    """Parameters of all ``d1`` units from those of the representatives: each of ``k`` copies of a
    representative gets ``1/k`` of its parameters (same pattern, same total output), a unit active
    nowhere gets ``w = 0, b = -1``."""
    live = rep_of >= 0
    counts = np.bincount(rep_of[live], minlength=d1)
    full = np.zeros((d1, p))
    full[reps] = theta_rep
    theta = np.zeros((d1, p))
    theta[:, -1] = -1.0
    theta[live] = full[rep_of[live]] / counts[rep_of[live]][:, None]
    return theta


def _decide_plane(X, y, A, v, reps, rep_of):
    """Decide a region for ``d0 = 2`` from the extreme rays of the units' cones in ``R^3``.

    The closure of a unit's cone ``{theta_i : (2 A_ij - 1) <x~_j, theta_i> > 0}`` is pointed when
    the augmented inputs ``x~_j`` span ``R^3``; each extreme ray lies on two of its facets, so it is
    one of ``+-(x~_j x x~_k)``, and all ``2 (n choose 2)`` candidates are tested at once for every
    unit (a candidate within rounding of the closed cone is kept: extra rays can only make a
    certificate of non-membership harder to pass). The region's image is the set of strictly
    positive combinations of the images of all rays, and ``y = G lam, lam > 0`` is decided as in the
    cone test of ``d0 = 1``: a solution gives parameters that are then verified directly
    (:func:`_verified_witness`); a non-negative least-squares optimum with a positive residual ``r``
    passing the optimality conditions gives the Farkas vector ``-r`` (``G^T r <= 0``,
    ``r . (y - G 1) > 0``). ``None`` where neither holds (the linear programme decides).
    """
    n = X.shape[1]
    Xt = np.vstack([X, np.ones((1, n))])  # (3, n)
    if np.linalg.matrix_rank(Xt) < 3:
        return None
    j, k = np.triu_indices(n, 1)
    a, c = Xt[:, j], Xt[:, k]  # cross products of the augmented inputs, pair by pair
    rays = np.stack(
        [
            a[1] * c[2] - a[2] * c[1],
            a[2] * c[0] - a[0] * c[2],
            a[0] * c[1] - a[1] * c[0],
        ],
        axis=1,
    )
    rays /= np.linalg.norm(rays, axis=1)[:, None]
    rays = np.vstack([rays, -rays])  # (2 m, 3)
    P = Xt.T @ rays.T  # (n, 2m): <x~_j, r>
    tol = 1e-10 * np.linalg.norm(Xt, axis=0)[:, None]
    Ar = A[reps].astype(float)
    violations = Ar @ (P < -tol) + (1.0 - Ar) @ (P > tol)
    valid = violations == 0  # (units, 2m)
    # a unit's cone must be full-dimensional: the sum of its rays strictly inside
    total = (2.0 * Ar - 1.0) * (valid.astype(float) @ P.T)  # (units, n)
    if not np.all(total > 1e-9 * np.maximum(valid.sum(axis=1), 1)[:, None]):
        return None
    unit, ray = np.nonzero(valid)
    G = (v[reps][unit][:, None] * Ar[unit]).T * P[:, ray]  # (n, generators)
    M = np.hstack([G, -y[:, None]])
    rhs = y - G.sum(axis=1)
    try:
        mu = scipy.optimize.nnls(M, rhs, maxiter=50 * M.shape[1])[0]
    except RuntimeError:
        return None
    r = rhs - M @ mu
    if np.linalg.norm(r) <= CONE_RTOL * (1.0 + np.linalg.norm(rhs) + np.linalg.norm(M)):
        lam = (1.0 + mu[:-1]) / (1.0 + mu[-1])
        starts = np.searchsorted(
            unit, np.arange(len(reps))
        )  # unit is sorted, none empty
        theta_rep = np.add.reduceat(lam[:, None] * rays[ray], starts, axis=0)
        theta = _spread(theta_rep, reps, rep_of, len(v), 3)
        return True if _verified_witness(X, y, A, v, theta) else None
    g = M.T @ r
    slack = KKT_RTOL * np.linalg.norm(M, axis=0) * np.linalg.norm(r)
    if np.all(g <= slack) and np.all(np.abs(g[mu > 0]) <= slack[mu > 0]):
        return False
    return None


def _unit_interiors(Xt, S, iterations: int = 50):
    """A point inside each unit's open cone ``{theta_i : S_ij <x~_j, theta_i> > 0}``, by the
    Ho-Kashyap procedure on all units at once (they share ``Xt``); ``None`` if some unit has none
    after ``iterations`` steps."""
    pinv = np.linalg.pinv(Xt.T)  # (p, n)
    b = np.ones_like(S)
    for _ in range(iterations):
        theta = (S * b) @ pinv.T  # least-squares fit of the targets
        e = S * (theta @ Xt) - b
        if np.all(e + b > 0):
            return theta
        b = b + (e + np.abs(e))
    return None


def _face_points(Xt, S, interior, chains: int, seed: int = 0) -> np.ndarray:
    """Points on the extreme rays of the closed unit cones, ``chains`` per unit.

    Each chain starts at the unit's interior point and moves along a random direction until a
    constraint ``S_ij <x~_j, theta> >= 0`` becomes tight, then along a random direction within the
    constraints made tight so far, and so on ``p - 1`` times: it ends on a face of dimension one
    of the closed cone (an extreme ray) unless a direction never meets the boundary. The points lie
    in the closed cones up to rounding, which is all the membership test needs (its parameters are
    verified directly). The random directions come from a fixed seed, so decisions are
    deterministic.
    """
    rng = np.random.default_rng(seed)
    p, n = Xt.shape
    units = S.shape[0]
    norms = np.linalg.norm(Xt, axis=0)
    points = np.broadcast_to(interior, (chains, units, p)).copy()
    basis = np.zeros(
        (chains, units, p, 0)
    )  # orthonormal normals of the tight constraints
    tight = np.zeros((chains, units, n), bool)
    for _ in range(p - 1):
        D = rng.standard_normal((chains, units, p))
        if basis.shape[-1]:
            D -= np.einsum("kupb,kub->kup", basis, np.einsum("kupb,kup->kub", basis, D))
        slope = S * (D @ Xt)
        level = S * (points @ Xt)
        floor = 1e-12 * norms * np.linalg.norm(D, axis=-1, keepdims=True)
        leaving = (slope < -floor) & ~tight
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(leaving, -level / slope, np.inf)
        j = np.argmin(step, axis=-1)
        s = np.take_along_axis(step, j[..., None], -1)[..., 0]
        hit = np.isfinite(s)
        points += np.where(hit, np.maximum(s, 0.0), 0.0)[..., None] * D
        tight[hit, j[hit]] = True
        a = Xt.T[j]
        if basis.shape[-1]:
            a = a - np.einsum(
                "kupb,kub->kup", basis, np.einsum("kupb,kup->kub", basis, a)
            )
        length = np.linalg.norm(a, axis=-1, keepdims=True)
        a = np.where(
            hit[..., None] & (length > 0), a / np.where(length > 0, length, 1), 0.0
        )
        basis = np.concatenate([basis, a[..., None]], axis=-1)
    return points


#: Chains per unit of :func:`_face_points` in the decision for ``d0 >= 3``.
FACE_CHAINS = 2
#: Rounds of column generation in :func:`_decide_by_generation` (``d0 >= 3``).
GENERATION_ROUNDS = 10


def _price_units(Xt, S, cost):
    """Exact pricing of every unit's closed cone ``{theta : S_ij <x~_j, theta> >= 0}``.

    ``cost[i]`` lies in the dual cone (``cost[i] . theta >= 0`` on the whole closed cone) exactly
    when it is a non-negative combination of the cone's normals ``S_ij x~_j``. Non-negative least
    squares ``min |B_i lam - cost[i]|, lam >= 0`` with ``B_i = [S_ij x~_j]_j`` decides it: a zero
    residual certifies the dual condition; otherwise the optimality conditions give the point
    ``theta = B_i lam - cost[i]`` of the closed cone (``B_i^T theta >= 0``) with
    ``cost[i] . theta = -|theta|^2 < 0``, a generator that the current combination lacks.

    Returns ``(dual, points)``: per unit, whether the dual condition holds (residual below
    ``FARKAS_RTOL`` relative), and the points (rows; meaningful where ``dual`` is ``False``).
    """
    units, p = cost.shape
    dual = np.zeros(units, bool)
    points = np.zeros((units, p))
    for i in range(units):
        c = cost[i]
        size = np.linalg.norm(c)
        if size == 0.0:
            dual[i] = True
            continue
        B = Xt * S[i]
        try:
            lam = scipy.optimize.nnls(B, c, maxiter=50 * B.shape[1])[0]
        except RuntimeError:
            continue  # undecided: treated as a unit without a certificate and without a point
        theta = B @ lam - c
        dual[i] = np.linalg.norm(theta) <= FARKAS_RTOL * (size + np.linalg.norm(B))
        points[i] = theta
    return dual, points


def _decide_by_generation(X, y, A, v, reps, rep_of, interior):
    """Decide a region for any ``d0`` by column generation over the units' cones.

    The region's image is ``{sum_i J_i theta_i : theta_i in C_i}`` with ``C_i`` the open cone of
    unit ``i``. Generators of each closed cone are kept, starting with an interior point of
    ``C_i`` (the initialisation that drew the region, or :func:`_unit_interiors`) and the
    extreme-ray points of :func:`_face_points`. Each round solves ``y = sum lam_g J g`` by
    non-negative least squares with weight at least 1 (after homogenising by ``t``) on every
    interior point, so that each unit's parameters ``sum lam_g g`` lie in its open cone:

    * residual zero: the parameters are verified directly (:func:`_verified_witness`): ``True``;
    * otherwise ``z = -r`` (``r`` the residual, which passes the optimality conditions) has
      ``z . J g >= 0`` on every generator so far. :func:`_price_units` checks every unit exactly:
      if ``J_i^T z`` is in the dual cone of every ``C_i`` and ``z . y < 0`` (clearly), then
      ``z . F >= 0`` on the whole region while ``z . y < 0``: a Farkas certificate, ``False``;
      otherwise the units' new generators are added and the next round starts.

    ``None`` where ``GENERATION_ROUNDS`` rounds settle nothing (the linear programme decides).
    """
    n = X.shape[1]
    p = X.shape[0] + 1
    Xt = np.vstack([X, np.ones((1, n))])
    Ar = A[reps].astype(float)
    S = 2.0 * Ar - 1.0
    units = len(reps)
    inner = interior[reps] if interior is not None else _unit_interiors(Xt, S)
    if inner is None:
        return None
    coef = v[reps][:, None] * Ar  # (units, n)
    norms = np.linalg.norm(Xt, axis=0)
    owner = [np.arange(units)] * (1 + FACE_CHAINS)
    points = [inner, *_face_points(Xt, S, inner, FACE_CHAINS)]
    for _ in range(GENERATION_ROUNDS):
        who = np.concatenate(owner)
        gens = np.concatenate(points)  # (generators, p), interiors first
        G = (gens @ Xt * coef[who]).T  # (n, generators)
        M = np.hstack([G, -y[:, None]])
        rhs = y - G[:, :units].sum(axis=1)
        try:
            mu = scipy.optimize.nnls(M, rhs, maxiter=50 * M.shape[1])[0]
        except RuntimeError:
            return None
        r = rhs - M @ mu
        rnorm = np.linalg.norm(r)
        if rnorm <= CONE_RTOL * (1.0 + np.linalg.norm(rhs) + np.linalg.norm(M)):
            lam = mu[:-1].copy()
            lam[:units] += 1.0
            lam /= 1.0 + mu[-1]
            theta_rep = np.zeros((units, p))
            np.add.at(theta_rep, who, lam[:, None] * gens)
            theta = _spread(theta_rep, reps, rep_of, len(v), p)
            return True if _verified_witness(X, y, A, v, theta) else None
        g = M.T @ r
        slack = KKT_RTOL * np.linalg.norm(M, axis=0) * rnorm
        if not (np.all(g <= slack) and np.all(np.abs(g[mu > 0]) <= slack[mu > 0])):
            return None
        z = -r
        cost = (coef * z) @ Xt.T  # (units, p): J_i^T z
        dual, found = _price_units(Xt, S, cost)
        if dual.all():
            clearly_negative = z @ y < -FARKAS_RTOL * rnorm * np.linalg.norm(y)
            return False if clearly_negative else None
        new = _new_generators(found, cost, S, Xt, norms, dual)
        if not new.any():
            return None
        owner.append(np.flatnonzero(new))
        points.append(found[new])
    return None


def _new_generators(found, cost, S, Xt, norms, dual):
    """Which units' ``found`` points are new generators: in the closed cone (to rounding), with a
    clearly negative ``cost``, for units whose dual condition is not certified."""
    length = np.linalg.norm(found, axis=1)
    return (
        ~dual
        & np.all(S * (found @ Xt) >= -1e-12 * length[:, None] * norms, axis=1)
        & (
            np.einsum("up,up->u", found, cost)
            < -KKT_RTOL * length * np.linalg.norm(cost, axis=1)
        )
    )


def _decide_by_certificates(X, y, A, v, interior=None):
    """``True``/``False`` where a verified certificate decides the region, ``None`` otherwise.

    In order: a point that no unit reaches with a nonzero label (its equation reads ``0 = t y_j``:
    ``False``); a label whose sign no unit active at its point has in ``v`` (a zero label counts
    as both signs' sum: it needs both or none; ``False``); labels outside the Jacobian's column space (:func:`_outside_column_space`:
    ``False``); for ``d0 = 2`` the extreme rays of the unit cones (:func:`_decide_plane`, either
    answer); for ``d0 >= 3`` column generation with exact pricing (:func:`_decide_by_generation`,
    either answer).
    """
    coef = v[:, None] * A
    dead = ~coef.any(axis=0)
    if np.any(dead & (y != 0)):
        return False  # the equation of a point no unit reaches reads 0 = t y_j
    if np.any(v == 0):
        return None
    # on the region, output j is a sum of positive multiples of the v_i of the units active at j:
    # a label of a sign that none of them has cannot be fitted (the Farkas vector is e_j)
    positive = (A * (v > 0)[:, None]).any(axis=0)
    negative = (A * (v < 0)[:, None]).any(axis=0)
    if np.any(
        ((y > 0) & ~positive)
        | ((y < 0) & ~negative)
        | ((y == 0) & (positive ^ negative))
    ):
        return False
    reps, rep_of = _reduced_units(A, v)
    if reps.size == 0:
        return bool(np.all(y == 0))
    if _outside_column_space(X, y, coef[reps]):
        return False
    if X.shape[0] == 2:
        return _decide_plane(X, y, A, v, reps, rep_of)
    return _decide_by_generation(X, y, A, v, reps, rep_of, interior)


def region_has_global_minimum(X, y, A, v, method: str = "lp", interior=None) -> bool:
    """Whether the open activation region ``S_X^A`` contains a parameter that fits ``y`` exactly.

    On ``S_X^A`` the network is linear, ``F(theta, X) = J_A theta``, so the question is whether the
    affine set ``{J_A theta = y}`` meets the open cone
    ``{theta : (2 A_ij - 1) (<w_i, x_j> + b_i) > 0 for all i, j}``. Since that cone is invariant under
    positive scaling, this holds exactly when the homogeneous system
    ``(2 A_ij - 1)(<w_i, x_j> + b_i) >= 1``, ``J_A theta = t y``, ``t >= 1`` is feasible (divide a
    solution by ``t``). The margin 1 is therefore exact, not a heuristic.

    Parameters
    ----------
    X : array of shape ``(d0, n)``
        Inputs.
    y : array of shape ``(n,)``
        Labels.
    A : array of shape ``(d1, n)``
        0/1 activation pattern (need not be realisable: an empty region gives ``False``).
    v : array of shape ``(d1,)``
        Output weights.
    method : {"lp", "cone", "certificates"}
        ``"lp"`` solves the system above with ``scipy.optimize.linprog(method="highs")`` and checks the
        solution it returns (pattern exactly ``A``, labels to ``1e-6`` relative). ``"cone"`` (only for
        ``d0 = 1``) uses that the region's image ``{J_A theta : theta in S_X^A}`` is the set of strictly
        positive combinations of the images of the extreme rays of the units' wedges, and decides
        ``y = G lam, lam > 0`` by non-negative least squares on the homogenised system (residual,
        recomputed from the returned solution, below ``CONE_RTOL`` relative; a negative answer needs
        that solution to pass the optimality conditions of NNLS, and otherwise the linear programme
        decides); it needs pairwise distinct inputs. ``"certificates"`` (any ``d0``, the default of
        :func:`global_minimum_fraction` for ``d0 >= 2``) gives the same answers as ``"lp"`` and
        solves the linear programme only where no verified certificate decides: a point of the
        region that fits ``y`` (pattern signs with a relative margin ``1e-9``, labels to ``1e-9``
        relative, checked on the network itself), or a Farkas vector (a point with a nonzero label
        that no unit reaches; labels outside the Jacobian's column space; for ``d0 = 2`` the
        non-negative least-squares optimum over the extreme rays of the unit cones; for
        ``d0 >= 3`` a vector ``z`` with ``z . y < 0`` whose ``J_i^T z`` lies in the dual cone of
        every unit's cone, found by column generation). All are exact up to the solvers'
        floating-point tolerances.
    interior : array of shape ``(d1, d0 + 1)``, optional
        Only for ``"certificates"``: a point ``[W | b]`` of the region (for instance the
        initialisation that drew it), from which the decision for ``d0 >= 3`` starts; it
        must have the pattern ``A``. Without it the test looks for one itself.

    Returns
    -------
    bool
    """
    X, A, v = _check_region_inputs(X, A, v)
    y = as_vector(y, "y", length=X.shape[1])
    if method == "lp":
        return _has_minimum_lp(X, y, A, v)
    if method == "certificates":
        if interior is not None:
            interior = as_matrix(interior, "interior")
            if interior.shape != (A.shape[0], X.shape[0] + 1):
                raise ValueError(
                    f"interior must have shape {(A.shape[0], X.shape[0] + 1)} ([W | b]), "
                    f"got {interior.shape}"
                )
            pre = interior[:, :-1] @ X + interior[:, -1][:, None]
            if not np.array_equal((pre > 0).astype(int), A):
                raise ValueError(
                    "interior must be a point of the region (its pattern must be A)"
                )
        decision = _decide_by_certificates(X, y, A, v, interior)
        return _has_minimum_lp(X, y, A, v) if decision is None else decision
    if method == "cone":
        if X.shape[0] != 1:
            raise ValueError(
                f"method='cone' needs one-dimensional inputs (d0 = 1), got d0 = {X.shape[0]}"
            )
        return _has_minimum_cone(X, y, A, v)
    raise ValueError(f"method must be 'lp', 'cone' or 'certificates', got {method!r}")


def draw_labels(X, labels: str, d1: int, seed=None) -> np.ndarray:
    """Labels of one of the paper's three types (Appendix E.2), or of the released code's laws.

    Parameters
    ----------
    X : array of shape ``(d0, n)``
        Inputs.
    labels : {"polynomial", "teacher", "random", "polynomial-released", "teacher-released"}
        ``"polynomial"``: a random polynomial of degree 2 in all the inputs (every monomial's
        coefficient uniform on ``[-1, 1]``, :func:`lecture_utils.data.quadratic_labels`; for ``d0 = 1``
        a random parabola); ``"teacher"``: the outputs of a teacher network of width ``d1`` with the
        student's initialisation (:func:`lecture_utils.data.teacher_labels`); ``"random"``: i.i.d.
        uniform on ``[-1, 1]``. The last two are the laws of the code released with the paper:
        ``"polynomial-released"`` draws one quadratic ``p`` of one variable (three coefficients
        uniform on ``[-1, 1]``) and returns ``sum_k p(x_k)`` over the coordinates (for ``d0 = 1`` the
        law of ``"polynomial"``); ``"teacher-released"`` is the teacher with He-uniform hidden
        weights and biases and output weights i.i.d. uniform on ``[-sqrt(6/d0), sqrt(6/d0)]``
        instead of ``+1, -1, ...``.
    d1 : int
        Width of the teacher (used only for the teacher labels).
    seed : int, numpy Generator or None
        Seed of the draw.

    Returns
    -------
    ndarray of shape ``(n,)``
    """
    X = as_matrix(X, "X")
    if labels not in LABEL_TYPES + RELEASED_LABEL_TYPES:
        raise ValueError(
            f"labels must be one of {LABEL_TYPES + RELEASED_LABEL_TYPES}, got {labels!r}"
        )
    rng = rng_from(seed)
    if labels == "polynomial-released":
        c = rng.uniform(-1.0, 1.0, size=3)
        return np.sum(c[0] + c[1] * X + c[2] * X**2, axis=0)
    if labels == "teacher-released":
        W, b, _ = init_two_layer(
            X.shape[0], check_positive_int(d1, "d1"), seed=rng, scheme="he"
        )
        bound = math.sqrt(6.0 / X.shape[0])
        v = rng.uniform(-bound, bound, size=W.shape[0])
        return v @ np.maximum(W @ X + b[:, None], 0.0)
    if labels == "polynomial":
        return quadratic_labels(X, seed=rng)
    if labels == "teacher":
        return teacher_labels(X, check_positive_int(d1, "d1"), seed=rng)
    return random_labels(X.shape[1], seed=rng)


def sample_region(X, d1: int, regions: str = "init", seed=None):
    """One sampled activation region of width ``d1`` on the inputs ``X``: its pattern and output weights.

    With ``regions="init"`` (the paper's experiment) the pattern of a network with He-uniform hidden
    weights and biases (:func:`lecture_utils.init_two_layer`, ``scheme="he"``) and output weights
    ``+1, -1, ...``; with ``regions="uniform"`` (only ``d0 = 1``) a uniformly random non-empty region
    (:func:`uniform_region_patterns`) with the same output weights.

    Returns
    -------
    A : ndarray of int, shape ``(d1, n)``
    v : ndarray of shape ``(d1,)``
    """
    X = as_matrix(X, "X")
    if regions not in REGION_SAMPLERS:
        raise ValueError(f"regions must be one of {REGION_SAMPLERS}, got {regions!r}")
    if regions == "init":
        W, b, v = init_two_layer(X.shape[0], d1, seed=seed, scheme="he")
        return activation_pattern(W, b, X), v
    if X.shape[0] != 1:
        raise ValueError(
            f"regions='uniform' needs one-dimensional inputs (d0 = 1), got d0 = {X.shape[0]}"
        )
    return uniform_region_patterns(X, d1, seed=seed), alternating_signs(d1)


def _check_experiment(d0, d1, n, trials, regions, method, trials_name="trials"):
    d0, d1, n = (
        check_positive_int(a, name) for a, name in ((d0, "d0"), (d1, "d1"), (n, "n"))
    )
    trials = check_positive_int(trials, trials_name)
    if regions not in REGION_SAMPLERS:
        raise ValueError(f"regions must be one of {REGION_SAMPLERS}, got {regions!r}")
    if regions == "uniform" and d0 != 1:
        raise ValueError(
            f"regions='uniform' needs one-dimensional inputs (d0 = 1), got d0 = {d0}"
        )
    if method not in (None, "lp", "cone", "certificates"):
        raise ValueError(
            f"method must be 'lp', 'cone', 'certificates' or None, got {method!r}"
        )
    method = ("cone" if d0 == 1 else "certificates") if method is None else method
    return d0, d1, n, trials, method


def global_minimum_fraction(
    d0: int,
    d1: int,
    n: int,
    labels: str,
    trials: int,
    seed=0,
    method: str | None = None,
    regions: str = "init",
    protocol: str = "per-trial",
) -> float:
    """Share of sampled activation regions that contain a zero-loss global minimum (Figures 6-8).

    Each trial samples a region (:func:`sample_region`) and decides with
    :func:`region_has_global_minimum`, for the output weights ``(+1, -1, ...)``, whether it contains
    a zero-loss point for the data ``X`` uniform on ``[-1, 1]^d0`` and labels of the given type
    (:func:`draw_labels`). With ``regions="init"`` (the paper's experiment) the region is the one of a
    network with He-uniform hidden weights and biases, so each region is weighted by its probability
    under that initialisation. With ``regions="uniform"`` (only ``d0 = 1``) it is drawn uniformly among
    the non-empty regions, which is how Theorems 10 and 12 count them.

    The two protocols differ in when the data are drawn:

    * ``protocol="per-trial"``: fresh data ``(X, y)`` for every trial, as the paper's Appendix E.2
      describes. The result estimates the share averaged over data sets.
    * ``protocol="fixed"``: one data set ``(X, y)`` drawn first and kept for all the trials, as the
      captions of the paper's Figures 6-8 say and its released experiment script does. The result
      estimates the share *for that data set*; its expectation over the data set is the per-trial
      share, but it varies from one data set to the next by more than the binomial noise.

    For a given ``seed`` the per-trial protocol draws, in each trial, the inputs, the labels, then
    the region; the fixed protocol draws the inputs and the labels once, then one region per trial.

    Parameters
    ----------
    d0, d1, n : int
        Input dimension, width, number of data points.
    labels : {"polynomial", "teacher", "random", "polynomial-released", "teacher-released"}
        Labels from a random quadratic polynomial, from a teacher network of width ``d1``, or i.i.d.
        uniform on ``[-1, 1]``; the last two are the laws of the code released with the paper (see
        :func:`draw_labels`).
    trials : int
        Number of sampled regions.
    seed : int or numpy Generator
        Seed of all the randomness.
    method : {"lp", "cone", "certificates"} or None
        Passed on to :func:`region_has_global_minimum`; ``None`` uses ``"cone"`` for ``d0 = 1`` and
        ``"certificates"`` (the same answers as ``"lp"``, faster) otherwise.
    regions : {"init", "uniform"}
        How the regions are sampled (see above).
    protocol : {"per-trial", "fixed"}
        Fresh data for every trial, or one data set for all of them (see above).

    Returns
    -------
    float
        The fraction of the ``trials`` regions that contain a global minimum.
    """
    d0, d1, n, trials, method = _check_experiment(d0, d1, n, trials, regions, method)
    if labels not in LABEL_TYPES + RELEASED_LABEL_TYPES:
        raise ValueError(
            f"labels must be one of {LABEL_TYPES + RELEASED_LABEL_TYPES}, got {labels!r}"
        )
    if protocol not in DATA_PROTOCOLS:
        raise ValueError(f"protocol must be one of {DATA_PROTOCOLS}, got {protocol!r}")
    rng = rng_from(seed)
    if protocol == "fixed":
        X = uniform_cube_inputs(d0, n, seed=rng)
        y = draw_labels(X, labels, d1, seed=rng)
    hits = 0
    for _ in range(trials):
        if protocol == "per-trial":
            X = uniform_cube_inputs(d0, n, seed=rng)
            y = draw_labels(X, labels, d1, seed=rng)
        interior = None
        if (
            regions == "init"
        ):  # as sample_region, keeping W and b: a point of the region
            W, b, v = init_two_layer(d0, d1, seed=rng, scheme="he")
            A = activation_pattern(W, b, X)
            if method == "certificates":
                interior = np.column_stack([W, b])
        else:
            A, v = sample_region(X, d1, regions, seed=rng)
        hits += region_has_global_minimum(X, y, A, v, method=method, interior=interior)
    return hits / trials


def label_type_shares(
    d0: int,
    d1: int,
    n: int,
    data_sets: int,
    regions_per_set: int,
    seed=0,
    label_types=LABEL_TYPES,
    method: str | None = None,
    regions: str = "init",
) -> np.ndarray:
    """Paired comparison of label types: per data set, the share of regions with a global minimum.

    For each of ``data_sets`` independent data sets, inputs ``X`` uniform on ``[-1, 1]^d0`` are drawn
    once, labels of every type in ``label_types`` are drawn on them (:func:`draw_labels`), and
    ``regions_per_set`` regions are sampled (:func:`sample_region`); every label type is decided on
    the *same* inputs and the *same* regions, so that the differences between label types are not
    blurred by the differences between data sets and regions. Each row is one data set: the shares of
    the fixed-data protocol of :func:`global_minimum_fraction`, one per label type, and the rows are
    independent. Compare two label types with :func:`paired_difference_interval`.

    Parameters
    ----------
    d0, d1, n : int
        Input dimension, width, number of data points.
    data_sets : int
        Number of independent data sets (rows).
    regions_per_set : int
        Sampled regions per data set.
    seed : int or numpy Generator
        Seed of all the randomness.
    label_types : sequence of str
        Label types among ``LABEL_TYPES`` and ``RELEASED_LABEL_TYPES`` (columns, in this order).
    method, regions :
        As in :func:`global_minimum_fraction`.

    Returns
    -------
    ndarray of shape ``(data_sets, len(label_types))``
        Shares in ``[0, 1]``, multiples of ``1 / regions_per_set``.
    """
    d0, d1, n, data_sets, method = _check_experiment(
        d0, d1, n, data_sets, regions, method, "data_sets"
    )
    regions_per_set = check_positive_int(regions_per_set, "regions_per_set")
    label_types = tuple(label_types)
    known = LABEL_TYPES + RELEASED_LABEL_TYPES
    if not label_types or any(lab not in known for lab in label_types):
        raise ValueError(
            f"label_types must be a non-empty sequence of {known}, got {label_types!r}"
        )
    rng = rng_from(seed)
    shares = np.zeros((data_sets, len(label_types)))
    for s in range(data_sets):
        X = uniform_cube_inputs(d0, n, seed=rng)
        ys = [draw_labels(X, lab, d1, seed=rng) for lab in label_types]
        for _ in range(regions_per_set):
            A, v = sample_region(X, d1, regions, seed=rng)
            for k, y in enumerate(ys):
                shares[s, k] += region_has_global_minimum(X, y, A, v, method=method)
    return shares / regions_per_set


def paired_difference_interval(
    a, b, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean of the paired differences ``a - b`` and its Student-t confidence interval.

    ``a[k]`` and ``b[k]`` are two measurements on the same independent unit ``k`` (for instance the
    shares of two label types on data set ``k``, from :func:`label_type_shares`). The interval is
    ``mean +- t_{(1+confidence)/2, m-1} * s / sqrt(m)`` over the ``m`` differences, with their sample
    standard deviation ``s``: it needs the units to be independent, not identically distributed; if
    their means differ (cells of a grid), ``s`` also absorbs that spread and the interval is
    conservative.

    Parameters
    ----------
    a, b : array of shape ``(m,)``
        Paired measurements, ``m >= 2``.
    confidence : float
        Confidence level in ``(0, 1)``.

    Returns
    -------
    tuple of float
        ``(mean, low, high)``.
    """
    import scipy.stats

    a, b = as_vector(a, "a"), as_vector(b, "b")
    if a.shape != b.shape or a.size < 2:
        raise ValueError(
            f"a and b must be paired vectors of the same length >= 2, got {a.size} and {b.size}"
        )
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    d = a - b
    mean = float(d.mean())
    half = float(
        scipy.stats.t.ppf((1 + confidence) / 2, d.size - 1)
        * d.std(ddof=1)
        / math.sqrt(d.size)
    )
    return mean, mean - half, mean + half


def grid_difference_interval(
    a, b, trials: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean over the cells of a grid of the difference of two shares, and its confidence interval.

    ``a`` and ``b`` hold, cell by cell, the shares of two independent binomial experiments of
    ``trials`` trials each (for instance :func:`global_minimum_fraction` with two label types, the
    per-trial protocol, every cell with its own seed). The cells are independent, so the variance of
    the mean difference is ``sum_c (a_c (1 - a_c) + b_c (1 - b_c)) / trials / C^2`` over the ``C``
    cells; the interval is the normal one, ``mean +- z * sqrt(variance)``, with the variance
    estimated from the shares (many trials in all: the normal approximation is then close).

    Parameters
    ----------
    a, b : arrays of the same shape
        Shares in ``[0, 1]``, one per cell.
    trials : int
        Trials per cell and per experiment.
    confidence : float
        Confidence level in ``(0, 1)``.

    Returns
    -------
    tuple of float
        ``(mean, low, high)``.
    """
    import scipy.stats

    a, b = as_float_array(a, "a").ravel(), as_float_array(b, "b").ravel()
    if a.shape != b.shape or a.size == 0:
        raise ValueError(
            f"a and b must have the same non-zero size, got {a.size} and {b.size}"
        )
    if np.any((a < 0) | (a > 1) | (b < 0) | (b > 1)):
        raise ValueError("a and b must be shares in [0, 1]")
    trials = check_positive_int(trials, "trials")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    mean = float(np.mean(a - b))
    variance = np.sum(a * (1 - a) + b * (1 - b)) / trials / a.size**2
    half = float(scipy.stats.norm.ppf((1 + confidence) / 2) * math.sqrt(variance))
    return mean, mean - half, mean + half
