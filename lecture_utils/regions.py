"""Activation patterns and activation regions of the two-layer ReLU network.

For inputs ``X`` of shape ``(d0, n)`` and hidden parameters ``(W, b)``, the activation pattern is the
0/1 matrix ``A`` of shape ``(d1, n)`` with ``A[i, j] = 1`` exactly when unit ``i`` is active on data
point ``j``, i.e. ``w_i . x_j + b_i > 0``. The set of parameters sharing a pattern is the activation
region ``S_X^A``, an open polyhedral cone on which the network is linear in ``(W, b)``.

Which regions are non-empty is decided one unit at a time: the constraints on different rows of
``W`` are independent, so ``S_X^A`` is non-empty exactly when every row of ``A`` is the pattern
of some open region of a single bias-free unit ``w -> 1[w . x_j > 0]``. That question is a linear
feasibility problem, solved exactly here (up to the LP solver's tolerance, see
:func:`region_interior_point`) rather than by sampling. A unit *with* a bias on ``X`` is the bias-free
unit on ``X`` with a row of ones appended, ``np.vstack([X, np.ones((1, n))])``: the bias is the
weight of the constant input.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.optimize

from ._validation import (
    MAX_RESULT_BITS,
    as_float_array,
    as_matrix,
    as_vector,
    check_positive_int,
    check_work,
)

__all__ = [
    "activation_pattern",
    "preactivations",
    "cover_count",
    "region_interior_point",
    "activation_patterns",
    "intersection_poset",
    "zaslavsky_count",
]

#: Margin of the linear programs: a pattern is realised iff some ``w`` has ``(2 s_j - 1) w . x_j >= 1``.
LP_MARGIN = 1.0

#: Largest ``n`` accepted by :func:`zaslavsky_count`, which visits all ``2^n`` subsets of the data.
ZASLAVSKY_MAX_N = 16


def preactivations(W, b, X) -> np.ndarray:
    """Pre-activations ``W X + b 1^T`` of shape ``(d1, n)`` (``b=None``: no bias)."""
    W = as_matrix(W, "W")
    X = as_matrix(X, "X", rows=W.shape[1])
    if b is None:
        return W @ X
    b = as_vector(b, "b", length=W.shape[0])
    return W @ X + b[:, None]


def activation_pattern(W, b, X) -> np.ndarray:
    """The activation pattern ``A`` (shape ``(d1, n)``, entries 0/1, dtype ``int``) of ``(W, b)`` on ``X``.

    A unit with pre-activation exactly 0 counts as inactive, matching ReLU's derivative convention.
    """
    return (preactivations(W, b, X) > 0).astype(int)


def cover_count(n: int, d: int) -> int:
    """Number of regions of a central arrangement of ``n`` hyperplanes in general position in ``R^d``.

    Parameters
    ----------
    n : int
        Number of hyperplanes (data points), at least 1.
    d : int
        Dimension of the space (of the weights of one unit), at least 1.

    Returns
    -------
    int
        ``2 * sum_{k=0}^{d-1} C(n-1, k)``, the count of Schläfli and Cover: the number of
        dichotomies of ``n`` vectors in general position in ``R^d`` that a bias-free linear
        threshold unit realises. It equals ``2^n`` exactly when ``n <= d``.

    Notes
    -----
    The sum has ``min(d, n)`` terms, updated by ``C(n-1, k+1) = C(n-1, k) (n-1-k) / (k+1)``; for
    ``d >= n`` it is the closed form ``2^n``. A sum whose terms are too many or too long to add
    exactly in reasonable time is refused with a message.
    """
    n, d = check_positive_int(n, "n"), check_positive_int(d, "d")
    if d >= n:
        if n > 64 * MAX_RESULT_BITS:
            raise ValueError(
                f"cover_count(n, d) = 2^{n} has {n} binary digits; ask for n <= "
                f"{64 * MAX_RESULT_BITS}"
            )
        return 2**n
    # about d additions and small multiplications of numbers of up to n bits
    check_work(d * (n / 64), "cover_count(n, d) (exact big-integer sum)", limit=1e8)
    term, total = 1, 1
    for k in range(d - 1):
        term = term * (n - 1 - k) // (k + 1)
        total += term
    return 2 * total


def _data(X) -> np.ndarray:
    X = as_matrix(X, "X")
    if X.shape[1] == 0:
        raise ValueError("X must have at least one column (data point)")
    zero = np.flatnonzero(~np.any(X != 0, axis=0))
    if zero.size:
        raise ValueError(
            f"X has zero column(s) {zero.tolist()}: the hyperplane w . 0 = 0 is not defined"
        )
    return X


def _feasible_point(X: np.ndarray, s: np.ndarray) -> np.ndarray | None:
    """A ``w`` with ``(2 s_j - 1) w . x_j >= LP_MARGIN`` for every column, or ``None`` if there is none."""
    signs = 2.0 * s - 1.0
    result = scipy.optimize.linprog(
        np.zeros(X.shape[0]),
        A_ub=-(signs[:, None] * X.T),
        b_ub=-LP_MARGIN * np.ones(X.shape[1]),
        bounds=[(None, None)] * X.shape[0],
        method="highs",
    )
    if result.status == 2:  # proven infeasible
        return None
    if result.status != 0:  # pragma: no cover - numerical trouble, never silent
        raise RuntimeError(f"linear program failed: {result.message}")
    w = result.x
    if (
        np.min(signs * (w @ X)) < 0.5 * LP_MARGIN
    ):  # pragma: no cover - solver tolerance exceeded
        raise RuntimeError("linear program returned a point outside the region")
    return w


def region_interior_point(X, pattern) -> np.ndarray | None:
    """A point of the activation region of ``pattern`` on bias-free data ``X``, or ``None`` if it is empty.

    Parameters
    ----------
    X : array of shape ``(d0, n)``
        Inputs, one column per data point; no column may be zero.
    pattern : array of shape ``(n,)`` or ``(d1, n)``
        0/1 activation pattern of one unit, or of a layer of ``d1`` units (one row per unit).

    Returns
    -------
    ndarray of shape ``(d0,)`` or ``(d1, d0)``, or None
        Weights ``w`` (or ``W``, one row per unit) with ``(2 A_ij - 1) <w_i, x_j> >= 1`` for all
        ``i, j``, so they lie in the open region ``S_X^A``; ``None`` if the region is empty.

    Notes
    -----
    Each unit is a linear feasibility problem solved with HiGHS (``scipy.optimize.linprog``). Because
    regions are cones, asking for the margin 1 instead of ``> 0`` loses nothing: any point of the
    open region can be rescaled to have margin 1. A returned point is re-checked to have margin at
    least 1/2; an empty region is reported only when HiGHS proves infeasibility.
    For a unit with a bias, pass ``np.vstack([X, np.ones((1, n))])``; the last weight is the bias.
    """
    X = _data(X)
    A = as_float_array(pattern, "pattern")
    if (
        A.ndim not in (1, 2)
        or A.shape[-1] != X.shape[1]
        or not np.all((A == 0) | (A == 1))
    ):
        raise ValueError(
            f"pattern must be a 0/1 array of shape (n,) or (d1, n) with n = {X.shape[1]}, "
            f"got shape {A.shape}"
        )
    rows = [_feasible_point(X, a) for a in np.atleast_2d(A)]
    if any(w is None for w in rows):
        return None
    return rows[0] if A.ndim == 1 else np.array(rows)


def _log2_cover_bound(n: int, d: int) -> float:
    """An upper bound on ``log2 cover_count(n, d)``, computed in floating point."""
    if d >= n:
        return float(n)
    k = min(d - 1, (n - 1) // 2)  # the largest binomial of the sum
    log_comb = math.lgamma(n) - math.lgamma(k + 1) - math.lgamma(n - k)
    return math.log2(2 * d) + log_comb / math.log(2)


#: The most (regions x data points) :func:`activation_patterns` enumerates: one LP each at most.
MAX_PATTERN_WORK = 2 * 10**6


def activation_patterns(X) -> np.ndarray:
    """Every activation pattern of a single bias-free unit ``w -> 1[<w, x_j> > 0]`` with a non-empty region.

    Parameters
    ----------
    X : array of shape ``(d, n)``
        Inputs, one column per data point, in general position or not; no column may be zero.

    Returns
    -------
    ndarray of shape ``(N, n)``, dtype int
        The ``N`` patterns ``s`` in ``{0, 1}^n`` for which the open cone
        ``{w : (2 s_j - 1) <w, x_j> > 0 for all j}`` is non-empty, in lexicographic order. ``N`` is
        the number of regions of the central hyperplane arrangement with normals ``x_j``; it equals
        :func:`cover_count` ``(n, d)`` for data in general position and is smaller otherwise.
        The non-empty regions of a layer of ``d1`` units are the ``N^d1`` matrices whose rows are
        all among these patterns.

    Notes
    -----
    Exact: each candidate is decided by a linear program (see :func:`region_interior_point`), not by
    sampling weights. Patterns are grown one data point at a time: a pattern on the first ``k + 1``
    points can only be realised if its restriction to the first ``k`` is, so only extensions of
    realised patterns are tested, instead of all ``2^n``. Each realised pattern keeps a witness
    ``w`` (margin at least 1); one of its two extensions is realised by the rescaled witness itself,
    so only the other needs a linear program: about ``N`` programs per data point.
    For a unit with a bias on ``X``, call it on ``np.vstack([X, np.ones((1, n))])``.
    """
    X = _data(X)
    d, n = X.shape
    # at most cover_count(n, d) patterns, each costing about one LP per data point
    check_work(
        2.0 ** min(_log2_cover_bound(n, d), 1000) * n,
        f"activation_patterns of {n} points in R^{d} (up to cover_count({n}, {d}) "
        f"regions, an LP each)",
        limit=MAX_PATTERN_WORK,
    )
    found: list[tuple[tuple[int, ...], np.ndarray]] = [
        ((), np.zeros(X.shape[0]))
    ]  # (pattern, witness)
    for k in range(X.shape[1]):
        extended = []
        for p, w in found:
            value = float(w @ X[:, k])
            for bit in (0, 1):
                if value != 0 and (value > 0) == bool(bit):
                    # the witness of p, scaled up, already realises p + (bit,) with margin >= 1
                    extended.append((p + (bit,), w * max(1.0, LP_MARGIN / abs(value))))
                    continue
                w_new = _feasible_point(
                    X[:, : k + 1], np.array(p + (bit,), dtype=float)
                )
                if w_new is not None:
                    extended.append((p + (bit,), w_new))
        found = extended
    patterns = sorted(p for p, _ in found)
    return np.array(patterns, dtype=int).reshape(len(patterns), X.shape[1])


def intersection_poset(X) -> list[tuple[tuple[int, ...], int, int]]:
    """The intersection poset of the central arrangement ``{w : <w, x_j> = 0}`` with its Möbius function.

    Parameters
    ----------
    X : array of shape ``(d, n)``
        Normals of the hyperplanes, one per column (repeated or parallel columns give the same
        hyperplane); no column may be zero; ``n <= 16``.

    Returns
    -------
    list of (indices, rank, mobius)
        One entry per flat ``F`` (a non-empty intersection of some of the hyperplanes, the whole
        space included), sorted by rank: ``indices`` are the data points whose hyperplanes contain
        ``F``, ``rank`` is the codimension of ``F`` (the rank of those columns), and ``mobius`` is
        ``mu(R^d, F)`` for the order by reverse inclusion.

    Notes
    -----
    A flat is represented by a *closed* set of data indices (every column in the span of the set
    belongs to it); all ``2^n`` subsets are visited to find them. Spans are decided by
    ``numpy.linalg.matrix_rank`` with its default tolerance (``max(shape) * eps`` times the largest
    singular value), which is exact for the small integer or generic data of the book.
    """
    X = _data(X)
    n = X.shape[1]
    if n > ZASLAVSKY_MAX_N:
        raise ValueError(
            f"the intersection poset is found from all 2^n subsets; n must be at most "
            f"{ZASLAVSKY_MAX_N}, got {n}"
        )

    def rank(cols) -> int:
        return int(np.linalg.matrix_rank(X[:, list(cols)])) if cols else 0

    flats: dict[frozenset, int] = {}
    for size in range(n + 1):
        for subset in itertools.combinations(range(n), size):
            r = rank(subset)
            closure = frozenset(j for j in range(n) if rank(subset + (j,)) == r)
            flats[closure] = r
    mobius: dict[frozenset, int] = {}
    for flat in sorted(flats, key=lambda f: (flats[f], sorted(f))):
        below = [g for g in mobius if g < flat]
        mobius[flat] = 1 if not below else -sum(mobius[g] for g in below)
    return [(tuple(sorted(f)), flats[f], mobius[f]) for f in mobius]


def zaslavsky_count(X) -> int:
    """Number of regions of the central arrangement of the hyperplanes ``{w : <w, x_j> = 0}``, by Zaslavsky.

    Parameters
    ----------
    X : array of shape ``(d, n)``
        Normals of the hyperplanes, one per column (repeated or parallel columns give the same
        hyperplane); no column may be zero; ``n <= 16``.

    Returns
    -------
    int
        ``sum_F |mu(R^d, F)|`` over the flats of :func:`intersection_poset`: Zaslavsky's theorem
        for central arrangements. It counts the same regions as :func:`activation_patterns` by a
        completely different route (linear algebra on the data, no linear programs).
    """
    return int(sum(abs(m) for _, _, m in intersection_poset(X)))
