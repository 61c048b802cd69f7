"""How often is the Jacobian of a two-layer ReLU network of full rank? (Chapter *Most regions have no bad local minima*.)

Two questions are answered here, both by counting:

* **Random 0/1 matrices.** :func:`singular_probability_exact` gives the exact probability that a
  uniformly random ``d x d`` matrix with entries in ``{0, 1}`` is singular, by exhaustive enumeration
  (``d <= 5``); :func:`singular_probability_mc` estimates it for larger ``d`` by sampling, deciding
  each sample's singularity *exactly* (integer determinants, through Gaussian elimination modulo
  enough primes).
* **Random activation regions.** :func:`full_rank_probability` and :func:`full_rank_grid` estimate
  the probability that the Jacobian of ``F(W, b; X) = v^T relu(W X + b)`` with respect to ``(W, b)``
  has rank ``n`` at a random initialisation, as in the experiments of Karhadkar, Murray,
  Tseran and Montúfar (Figures 2 and 3): hidden weights and biases i.i.d. uniform on
  ``[-1/sqrt(d0), 1/sqrt(d0)]``, data ``X`` of shape ``(d0, n)`` either i.i.d. standard normal
  (``data="gaussian"``, what the paper's Appendix E.1 says) or i.i.d. uniform on ``[0, 1)``
  (``data="uniform"``, what the authors' released script draws, ``torch.rand``), frozen output
  weights ``v = (+1, -1, +1, ...)`` (any nonzero ``v`` gives the same rank).

The Jacobian ``J`` (shape ``(n, d1 (d0 + 1))``) has rank ``n`` if and only if its ``n x n`` Gram matrix

``J J^T = (A^T diag(v^2) A) * (Xt^T Xt)``  (entry-wise product, ``Xt`` = ``X`` with a row of ones)

is nonsingular, where ``A`` is the activation pattern (:func:`jacobian_gram`). The Gram matrix is
cheap to form (``A^T A`` holds integer counts, exact in float32). A data point on which no unit is
active certifies a rank deficiency exactly; a Cholesky factorisation of ``J J^T`` shifted by a
rigorous bound on all rounding errors certifies most full-rank cases
(:func:`gram_certifies_full_rank`); where it fails, more than ``d0 + 1`` points with the same
activation column certify a deficiency; the few remaining cases fall back to the SVD of ``J``.

For almost every data set the pattern alone often decides: when ``2 (d0 + 1) >= n``, the rank is
``n`` exactly when no data point is dead and no activation column is shared by more than ``d0 + 1``
points (:func:`pattern_full_rank`), and in general a split of the points into ``d0 + 1`` groups
with linearly independent columns of ``A`` proves full rank. A cell of Figures 2-3 uses these
criteria where they apply, draws only ``W X`` there for Gaussian data (``d1 n`` random numbers
instead of ``d0 n``; uniform data are always drawn themselves), and decides its other trials on
the whole batch of their Gram matrices. Every shortcut holds for any data distribution with a
density (the pattern criteria exclude a null set of data, the certificates are exact), so the
decisions are those of the SVD rank for both distributions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from itertools import combinations, permutations

import numpy as np
from scipy.linalg.lapack import dpotrf

from ._validation import (
    as_matrix,
    as_vector,
    check_positive_int,
    check_work,
    rng_from,
)
from .jacobians import jacobian_rank, relu_jacobian
from .networks import alternating_signs
from .regions import activation_pattern

__all__ = [
    "GRAM_RTOL",
    "singular_probability_exact",
    "singular_probability_mc",
    "is_singular_01",
    "jacobian_gram",
    "gram_has_full_rank",
    "gram_certifies_full_rank",
    "jacobian_has_full_rank",
    "gram_eigenvalue_ratios",
    "full_rank_probability",
    "pattern_decides_rank",
    "pattern_full_rank",
    "d0_for_cell",
    "full_rank_grid",
    "DATA_DISTRIBUTIONS",
]

#: The input distributions of Figures 2-3: ``"gaussian"`` (i.i.d. N(0, 1), the paper's text) and
#: ``"uniform"`` (i.i.d. uniform on ``[0, 1)``, the authors' released code).
DATA_DISTRIBUTIONS = ("gaussian", "uniform")

#: Relative tolerance on the Gram matrix: ``lambda_min(J J^T) > GRAM_RTOL * trace(J J^T) / n`` certifies
#: ``rank J = n`` (see :func:`gram_has_full_rank` and :func:`jacobian_has_full_rank`).
GRAM_RTOL = 1e-10

#: Unit roundoff of float64 (half the machine epsilon), the ``u`` of the rounding-error bounds.
UNIT_ROUNDOFF = 2.0**-53

#: Primes below ``2**31`` for exact singularity tests modulo p (products of residues fit in int64).
_PRIMES = (
    2147483647,
    2147483629,
    2147483587,
    2147483579,
    2147483563,
    2147483549,
    2147483543,
    2147483497,
    2147483489,
    2147483477,
    2147483423,
    2147483399,
    2147483353,
    2147483323,
    2147483269,
    2147483249,
    2147483237,
    2147483179,
    2147483171,
    2147483137,
)

#: Largest size accepted by :func:`singular_probability_exact` (``d = 5`` enumerates 169,911 sets of rows).
MAX_EXACT_SIZE = 5


# ---------------------------------------------------------------------------------------------
# Random 0/1 matrices
# ---------------------------------------------------------------------------------------------


def _leibniz_determinants(M: np.ndarray) -> np.ndarray:
    """Exact integer determinants of a stack of small integer matrices (shape ``(T, d, d)``), Leibniz formula."""
    d = M.shape[-1]
    det = np.zeros(M.shape[0], dtype=np.int64)
    for perm in permutations(range(d)):
        inversions = sum(
            1 for i in range(d) for j in range(i + 1, d) if perm[i] > perm[j]
        )
        term = np.ones(M.shape[0], dtype=np.int64)
        for row, col in enumerate(perm):
            term = term * M[:, row, col]
        det += -term if inversions % 2 else term
    return det


def singular_probability_exact(d: int) -> Fraction:
    """Exact probability that a uniformly random ``d x d`` matrix with entries in ``{0, 1}`` is singular.

    Parameters
    ----------
    d : int
        The size, ``1 <= d <= 5``.

    Returns
    -------
    fractions.Fraction
        ``(number of singular 0/1 matrices) / 2**(d*d)``.

    Notes
    -----
    Exhaustive and exact (integer arithmetic). A nonsingular matrix has ``d`` distinct nonzero rows,
    and the order of the rows does not change whether it is singular, so the number of nonsingular
    matrices is ``d!`` times the number of ``d``-element sets of nonzero vectors of ``{0, 1}^d`` whose
    determinant (Leibniz formula, in ``int64``) is nonzero. For ``d = 5`` that is 169,911 sets (about a
    second); ``d = 6`` would need 67 million and is refused.
    """
    d = check_positive_int(d, "d")
    if d > MAX_EXACT_SIZE:
        raise ValueError(
            f"exhaustive enumeration is implemented for d <= {MAX_EXACT_SIZE}, got d={d}"
        )
    vectors = np.array(
        [[(k >> (d - 1 - i)) & 1 for i in range(d)] for k in range(1, 2**d)],
        dtype=np.int64,
    )
    row_sets = np.array(list(combinations(range(len(vectors)), d)), dtype=np.int64)
    nonsingular_sets = int(np.count_nonzero(_leibniz_determinants(vectors[row_sets])))
    return 1 - Fraction(math.factorial(d) * nonsingular_sets, 2 ** (d * d))


def _singular_mod_p(M: np.ndarray, p: int) -> np.ndarray:
    """For a stack of integer matrices (shape ``(T, d, d)``), whether each is singular modulo the prime ``p``."""
    M = M % p
    T, d, _ = M.shape
    singular = np.zeros(T, dtype=bool)
    batch = np.arange(T)
    for k in range(d):
        nonzero = M[:, k:, k] != 0
        singular |= ~nonzero.any(axis=1)
        pivot = k + np.argmax(nonzero, axis=1)
        rows_k, rows_p = M[batch, k].copy(), M[batch, pivot].copy()
        M[batch, pivot], M[batch, k] = rows_k, rows_p
        if k == d - 1:
            break
        # Fraction-free step: row_i <- pivot * row_i - M[i, k] * row_k (mod p); multiplying a row by the
        # nonzero pivot does not change the rank modulo p, and no modular inverse is needed.
        pivot_value = M[:, k, k][:, None, None]
        M[:, k + 1 :, k:] = (
            pivot_value * M[:, k + 1 :, k:] - M[:, k + 1 :, k, None] * M[:, k, None, k:]
        ) % p
    return singular


def is_singular_01(M) -> np.ndarray:
    """Exactly decide whether integer matrices are singular (over the rationals).

    Parameters
    ----------
    M : array of shape ``(d, d)`` or ``(T, d, d)``
        Integer matrices, entries in ``{0, 1}`` (or any integers of absolute value below ``2**31``).

    Returns
    -------
    bool or ndarray of bool of shape ``(T,)``
        True where the determinant is zero.

    Notes
    -----
    Exact: a matrix is singular modulo every prime if its determinant is zero; if it is singular
    modulo primes whose product exceeds Hadamard's bound ``prod_i ||row_i||`` on ``|det M|``, its
    determinant is divisible by that product and hence zero. Gaussian elimination modulo primes
    below ``2**31`` is run in ``int64`` on the whole stack.
    """
    arr = np.asarray(M)
    if arr.ndim not in (2, 3) or arr.shape[-1] != arr.shape[-2] or arr.shape[-1] == 0:
        raise ValueError(
            f"M must be a square matrix or a stack of them, got shape {arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.integer) and not np.array_equal(
        arr, np.round(arr)
    ):
        raise ValueError("M must have integer entries")
    stack = arr.reshape((-1,) + arr.shape[-2:]).astype(np.int64)
    if np.abs(stack).max(initial=0) >= 2**31:
        raise ValueError("entries of M must be smaller than 2**31 in absolute value")
    log_hadamard = (
        0.5
        * np.log(np.maximum((stack.astype(np.float64) ** 2).sum(-1), 1.0)).sum(-1).max()
    )
    singular = np.ones(len(stack), dtype=bool)
    log_product = 0.0
    for p in _PRIMES:
        candidates = np.flatnonzero(singular)
        if len(candidates) == 0 or log_product > log_hadamard + 1.0:
            break
        singular[candidates] = _singular_mod_p(stack[candidates], p)
        log_product += math.log(p)
    else:  # pragma: no cover - needs d in the hundreds
        if singular.any() and log_product <= log_hadamard + 1.0:
            raise ValueError("matrix too large for the built-in list of primes")
    return bool(singular[0]) if arr.ndim == 2 else singular


def singular_probability_mc(d: int, trials: int, seed=0) -> float:
    """Monte Carlo estimate of the probability that a uniform random ``d x d`` 0/1 matrix is singular.

    Parameters
    ----------
    d : int
        The size of the matrices.
    trials : int
        Number of independent samples.
    seed : int, numpy Generator or None
        Seed of the sampler.

    Returns
    -------
    float
        The fraction of the ``trials`` samples that are singular. Each sample's singularity is decided
        exactly (:func:`is_singular_01`), so the only error is the sampling error, with standard
        deviation ``sqrt(p (1 - p) / trials)``.
    """
    d, trials = check_positive_int(d, "d"), check_positive_int(trials, "trials")
    rng = rng_from(seed)
    singular = 0
    for start in range(0, trials, 20000):
        size = min(20000, trials - start)
        singular += int(is_singular_01(rng.integers(0, 2, size=(size, d, d))).sum())
    return singular / trials


# ---------------------------------------------------------------------------------------------
# The Jacobian through its Gram matrix
# ---------------------------------------------------------------------------------------------


def jacobian_gram(W, b, v, X) -> np.ndarray:
    """Gram matrix ``J J^T`` of the Jacobian of the two-layer ReLU network with respect to ``(W, b)``.

    Parameters
    ----------
    W : array of shape ``(d1, d0)``
        Hidden weights.
    b : array of shape ``(d1,)`` or ``None``
        Hidden biases; ``None`` for the network without biases.
    v : array of shape ``(d1,)``
        Frozen output weights.
    X : array of shape ``(d0, n)``
        Inputs, one column per data point.

    Returns
    -------
    ndarray of shape ``(n, n)``
        ``(A^T diag(v^2) A) * (Xt^T Xt)`` (entry-wise product), where ``A`` is the activation pattern
        and ``Xt`` stacks ``X`` over a row of ones (``Xt = X`` when ``b`` is ``None``). It equals ``J J^T`` for the Jacobian ``J`` of
        :func:`lecture_utils.jacobians.relu_jacobian`, because row ``j`` of ``J`` is the Kronecker
        product ``(v * a_j) (x) (x_j, 1)`` and ``<u (x) x, u' (x) x'> = <u, u'> <x, x'>``.
    """
    return _pattern_and_gram(W, b, v, X)[-1]


def _check_rtol(rtol: float) -> float:
    if (
        isinstance(rtol, bool)
        or not isinstance(rtol, (int, float, np.floating))
        or not (0 < rtol < 1)
    ):
        raise ValueError(f"rtol must be a number in (0, 1), got {rtol!r}")
    return float(rtol)


def _cholesky_succeeds(M: np.ndarray) -> np.ndarray:
    """For a stack of symmetric matrices (shape ``(T, n, n)``), whether LAPACK's Cholesky completes.

    LAPACK ``dpotrf`` on each matrix, overwritten; for these small matrices a loop over ``dpotrf``
    is faster than the batched routines of NumPy and PyTorch.
    """
    result = np.zeros(len(M), dtype=bool)
    for t, matrix in enumerate(M):
        # matrix.T is the same symmetric matrix in Fortran order: no copy
        result[t] = dpotrf(matrix.T, lower=True, clean=False, overwrite_a=True)[1] == 0
    return result


def _shifted(gram: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """``gram - shifts[:, None, None] * I`` for a stack of matrices, in place (returns ``gram``)."""
    diagonal = np.arange(gram.shape[-1])
    gram[:, diagonal, diagonal] -= shifts[:, None]
    return gram


def _certified_full(gram: np.ndarray, rtol: float) -> np.ndarray:
    """For a stack of PSD matrices (shape ``(T, n, n)``), whether ``lambda_min > rtol * trace / n > 0``.

    Decided by a Cholesky factorisation of ``G - rtol * (trace / n) * I``, which succeeds exactly
    when that shifted matrix is positive definite.
    """
    n = gram.shape[-1]
    shifts = rtol * np.trace(gram, axis1=-2, axis2=-1) / n
    result = np.zeros(len(gram), dtype=bool)
    positive = np.flatnonzero(shifts > 0)
    result[positive] = _cholesky_succeeds(_shifted(gram[positive], shifts[positive]))
    return result


def gram_has_full_rank(G, rtol: float = GRAM_RTOL) -> bool:
    """Whether a positive semidefinite Gram matrix ``G = J J^T`` (shape ``(n, n)``) is clearly nonsingular.

    Parameters
    ----------
    G : array of shape ``(n, n)``
        A symmetric positive semidefinite matrix, e.g. from :func:`jacobian_gram`.
    rtol : float
        Relative tolerance, default :data:`GRAM_RTOL` ``= 1e-10``.

    Returns
    -------
    bool
        Whether ``lambda_min(G) > rtol * trace(G) / n``, i.e. whether the smallest eigenvalue exceeds
        ``rtol`` times the mean eigenvalue, decided by a Cholesky factorisation of the shifted matrix.

    Notes
    -----
    For ``G = J J^T`` the criterion reads ``sigma_min(J)^2 > rtol * mean(sigma(J)^2)``: with the default,
    the smallest singular value must exceed ``1e-5`` times the root mean square one. Forming ``J J^T``
    squares the condition number, so a False answer is not conclusive. :func:`jacobian_has_full_rank`
    does not use this fixed tolerance: it certifies full rank with a rigorous rounding-error bound
    (:func:`gram_certifies_full_rank`).
    """
    G = as_matrix(G, "G")
    rtol = _check_rtol(rtol)
    if G.shape[0] != G.shape[1] or G.shape[0] == 0:
        raise ValueError(f"G must be a non-empty square matrix, got shape {G.shape}")
    return bool(_certified_full(G[None], rtol)[0])


def _gamma(k) -> np.ndarray:
    """Higham's ``gamma_k = k u / (1 - k u)`` for float64 (``u = 2**-53``)."""
    ku = np.asarray(k, dtype=np.float64) * UNIT_ROUNDOFF
    return ku / (1.0 - ku)


def _certification_shift(gram, weighted_max, inputs_sq_norm, k, d1) -> np.ndarray:
    """The shifts ``s`` of :func:`gram_certifies_full_rank` for a stack of computed Gram matrices.

    ``weighted_max`` is ``max_i (A^T diag(v^2) A)_ii`` per matrix, ``inputs_sq_norm`` is
    ``||Xt||_F^2``, ``k`` the length of the inner products of ``Xt^T Xt`` and ``d1`` that of
    ``A^T diag(v^2) A`` (0 when those are integer counts, computed exactly).
    """
    n = gram.shape[-1]
    u = UNIT_ROUNDOFF
    gamma_total = (1 + _gamma(d1 + 1 if d1 else 0)) * (1 + _gamma(k)) * (1 + u) - 1
    product_error = gamma_total * weighted_max * inputs_sq_norm
    g = _gamma(n + 1)
    diagonal = np.diagonal(gram, axis1=-2, axis2=-1)
    cholesky_error = g / (1 - g) * (1 + u) * diagonal.sum(-1)
    shift_error = u * diagonal.max(-1)
    return 2.0 * (product_error + cholesky_error + shift_error)


def _pattern_and_gram(W, b, v, X):
    """Validated ``W, b, v, X``, the activation pattern ``A`` (float64) and ``J J^T``."""
    W = as_matrix(W, "W")
    d1, d0 = W.shape
    b = None if b is None else as_vector(b, "b", length=d1)
    v = as_vector(v, "v", length=d1)
    X = as_matrix(X, "X", rows=d0)
    A = activation_pattern(W, b, X).astype(np.float64)
    gram = ((A * (v**2)[:, None]).T @ A) * (X.T @ X + (0.0 if b is None else 1.0))
    return W, b, v, X, A, gram


def gram_certifies_full_rank(W, b, v, X) -> bool:
    """Whether the computed Gram matrix proves ``rank J = n`` despite its rounding errors.

    Parameters
    ----------
    W, b, v, X
        As in :func:`jacobian_gram` (shapes ``(d1, d0)``, ``(d1,)`` or ``None``, ``(d1,)``,
        ``(d0, n)``).

    Returns
    -------
    bool
        True when a floating-point Cholesky factorisation of ``G_hat - s I`` succeeds, where
        ``G_hat`` is :func:`jacobian_gram` and ``s = 2 (e_G + e_chol + e_shift)``:

        * ``e_G = gamma * max_i C_ii * ||Xt||_F^2`` bounds ``||G_hat - J J^T||_2``, where
          ``C = A^T diag(v^2) A`` and ``gamma = (1 + gamma_{d1+1})(1 + gamma_{k})(1 + u) - 1``
          (``gamma_m = m u / (1 - m u)``, ``u = 2**-53``, ``k = d0 + 1`` with biases): entry-wise,
          ``|G_hat - G| <= gamma C * (|Xt|^T |Xt|)`` (inner products of length ``d1`` and ``k``,
          then one rounded product), and ``||C * M||_2 <= max_i C_ii ||M||_2`` for the positive
          semidefinite ``C`` (Schur), with ``|| |Xt|^T |Xt| ||_2 <= ||Xt||_F^2``;
        * ``e_chol = gamma_{n+1} / (1 - gamma_{n+1}) * trace(G_hat)``: if the Cholesky factorisation of
          a symmetric ``M`` runs to completion, ``R^T R = M + dM`` with
          ``|dM| <= gamma_{n+1} |R^T| |R|`` (Higham, *Accuracy and Stability of Numerical
          Algorithms*, Theorem 10.3), hence ``||dM||_2 <= gamma_{n+1} / (1 - gamma_{n+1}) trace(M)``
          and ``lambda_min(M) >= -||dM||_2``;
        * ``e_shift = u max_i G_hat_ii`` bounds the rounding of ``G_hat - s I``.

        Together: success gives ``lambda_min(J J^T) >= s - e_G - e_chol - e_shift > 0``, so
        ``rank J = n`` exactly for the Jacobian of these floating-point inputs. False is not
        conclusive.

    Notes
    -----
    The shift is about ``(k + n) n u`` times the mean eigenvalue ``trace / n`` (``1e-11`` for the
    largest cells of the paper's figures), so ``sigma_min(J) / sigma_max(J)`` is then at least
    about ``1e-7``, far above the tolerance ``max(J.shape) eps`` of the SVD rank: both agree.
    """
    W, b, v, X, A, G = _pattern_and_gram(W, b, v, X)
    d1, d0 = W.shape
    weighted = (A * (v**2)[:, None]).T @ A
    k = d0 + (b is not None)
    inputs_sq_norm = float((X**2).sum()) + (X.shape[1] if b is not None else 0)
    exact = bool(np.all(v * v == 1.0))
    shift = _certification_shift(
        G[None],
        np.diagonal(weighted).max()[None],
        np.array([inputs_sq_norm]),
        k,
        0 if exact else d1,
    )
    return bool(
        shift[0] > 0 and _cholesky_succeeds(G[None] - shift[0] * np.eye(len(G)))[0]
    )


def _structurally_deficient(counts: np.ndarray, k: int) -> np.ndarray:
    """Exact rank deficiencies seen in the pattern Gram matrices ``A^T A`` (shape ``(T, n, n)``).

    ``counts`` must hold the exact integer counts ``(A^T A)_ij = #units active on both x_i and x_j``
    of the units with ``v != 0``. A point with ``(A^T A)_ii = 0`` (no unit active) gives a zero row of
    ``J``; points ``i, j`` with ``(A^T A)_ij = (A^T A)_ii = (A^T A)_jj`` have the same activation column
    ``a``, and more than ``k`` (the length of ``(x, 1)``) such points give rows ``(v * a) (x) (x_j, 1)``
    in a ``k``-dimensional space: in both cases ``rank J < n``.
    """
    diagonal = np.diagonal(counts, axis1=-2, axis2=-1)
    deficient = np.any(diagonal == 0, axis=-1)
    if k < counts.shape[-1]:
        # Equal columns have equal diagonal entries: only a trial whose sorted diagonal repeats
        # a value more than k times can hold such a group.
        ordered = np.sort(diagonal, axis=-1)
        repeats = np.any(ordered[:, k:] == ordered[:, :-k], axis=-1)
        candidates = np.flatnonzero(repeats & ~deficient)
        if len(candidates):
            c, d = counts[candidates], diagonal[candidates]
            same = (c == d[:, :, None]) & (c == d[:, None, :])
            deficient[candidates] = same.sum(axis=-1).max(axis=-1) > k
    return deficient


def _decide_full_rank(
    gram: np.ndarray,
    jacobian: Callable[[int], np.ndarray],
    counts: np.ndarray,
    shifts: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The full-rank decision for a stack of Gram matrices (see :func:`jacobian_has_full_rank`).

    ``counts`` are the exact pattern Gram matrices (:func:`_structurally_deficient`), ``shifts`` the
    certification shifts (:func:`_certification_shift`). The Cholesky factorisations overwrite
    ``gram``. Returns the decisions and which trials went to the SVD.

    The order is that of the cost: a dead data point (a zero diagonal entry of ``counts``) decides
    at once; then the certificate; the other structural deficiencies are looked for only where it
    fails (a trial that is certified cannot be deficient); the SVD decides what is left.
    """
    T, n, _ = gram.shape
    full = np.zeros(T, dtype=bool)
    alive = ~np.any(np.diagonal(counts, axis1=-2, axis2=-1) == 0, axis=-1)
    open_ = np.flatnonzero(alive & (shifts > 0))
    candidates = gram if len(open_) == T else gram[open_]
    full[open_] = _cholesky_succeeds(_shifted(candidates, shifts[open_]))
    uncertified = np.flatnonzero(alive & ~full)  # with a zero shift too (an underflow)
    if len(uncertified):
        uncertified = uncertified[~_structurally_deficient(counts[uncertified], k)]
    unclear = uncertified
    for t in unclear:
        full[t] = jacobian_rank(jacobian(t)) == n
    svd = np.zeros(T, dtype=bool)
    svd[unclear] = True
    return full, svd


def jacobian_has_full_rank(W, b, v, X) -> bool:
    """Whether the Jacobian of the two-layer ReLU network with respect to ``(W, b)`` has rank ``n``.

    Parameters
    ----------
    W : array of shape ``(d1, d0)``
        Hidden weights.
    b : array of shape ``(d1,)`` or ``None``
        Hidden biases; ``None`` for the network without biases.
    v : array of shape ``(d1,)``
        Frozen output weights.
    X : array of shape ``(d0, n)``
        Inputs, one column per data point.

    Returns
    -------
    bool
        The decision, made in float64 from cheap to expensive:

        1. a data point on which no unit with ``v != 0`` is active gives a zero row of ``J``;
        2. a certified lower bound: :func:`gram_certifies_full_rank` (one Cholesky factorisation of
           an ``n x n`` matrix, shifted by a rigorous bound on every rounding error) proves
           ``lambda_min(J J^T) > 0``;
        3. where it fails, exact rank deficiencies read off the integer counts ``A^T A`` of the
           units with ``v != 0``: more than ``d0 + 1`` data points with the same activation
           column give rows in a space of dimension ``d0 + 1``;
        4. otherwise the SVD rank of the explicit Jacobian,
           :func:`lecture_utils.jacobians.jacobian_rank` of :func:`lecture_utils.jacobians.relu_jacobian`.

        So the answer is always that of the SVD rank (with its tolerance ``max(J.shape) * eps``):
        steps 1 to 3 prove the exact rank, and only where it is far from that tolerance (exactly
        deficient, or ``sigma_min / sigma_max`` above about ``1e-7``).
    """
    W, b, v, X, A, G = _pattern_and_gram(W, b, v, X)
    d1, d0 = W.shape
    active_units = A[v != 0]
    counts = active_units.T @ active_units
    k = d0 + (b is not None)
    inputs_sq_norm = float((X**2).sum()) + (X.shape[1] if b is not None else 0)
    exact = bool(np.all(v * v == 1.0))
    weighted_max = np.diagonal((A * (v**2)[:, None]).T @ A).max()
    shifts = _certification_shift(
        G[None],
        np.array([weighted_max]),
        np.array([inputs_sq_norm]),
        k,
        0 if exact else d1,
    )
    full, _ = _decide_full_rank(
        G[None], lambda t: relu_jacobian(W, b, v, X), counts[None], shifts, k
    )
    return bool(full[0])


def _check_cell(d0, d1, n, trials, seed) -> tuple[int, int, int, int, int]:
    d0, d1, n = (
        check_positive_int(d0, "d0"),
        check_positive_int(d1, "d1"),
        check_positive_int(n, "n"),
    )
    trials = check_positive_int(trials, "trials")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    # weights, data and patterns of every trial (before the cell's shortcuts)
    check_work(trials * (d1 * (d0 + 1) + d0 * n + d1 * n), "one cell (trials x sizes)")
    return d0, d1, n, trials, int(seed)


def _check_data(data) -> str:
    if not isinstance(data, str) or data not in DATA_DISTRIBUTIONS:
        raise ValueError(
            f"data must be one of {DATA_DISTRIBUTIONS} (i.i.d. N(0, 1) entries, or i.i.d. "
            f"uniform on [0, 1)), got {data!r}"
        )
    return data


def pattern_decides_rank(d0: int, n: int) -> bool:
    """Whether ``2 (d0 + 1) >= n``, so that the activation pattern alone decides ``rank J`` (see
    :func:`pattern_full_rank`)."""
    return 2 * (check_positive_int(d0, "d0") + 1) >= check_positive_int(n, "n")


def _column_repeated_more_than(A: np.ndarray, k: int) -> np.ndarray:
    """For patterns ``A`` (shape ``(T, d1, n)``, bool): whether a column occurs more than ``k`` times."""
    trials, d1, n = A.shape
    if k >= n:
        return np.zeros(trials, dtype=bool)
    if d1 <= 62:  # each column as the integer with these bits: exact
        codes = np.einsum("tin,i->tn", A.astype(np.int64), 1 << np.arange(d1))
        codes.sort(axis=1)
        return np.any(codes[:, k:] == codes[:, :-k], axis=1)
    packed = np.packbits(A, axis=1)
    return np.array(
        [np.unique(p.T, axis=0, return_counts=True)[1].max() > k for p in packed]
    )


def pattern_full_rank(A, k: int) -> np.ndarray:
    """Whether the Jacobian has rank ``n`` for almost every data set with activation pattern ``A``.

    Parameters
    ----------
    A : array of shape ``(d1, n)`` or ``(T, d1, n)``
        Activation patterns (0/1, or bool) of the units with a nonzero output weight, one column per
        data point.
    k : int
        The length of ``(x, 1)``: ``d0 + 1`` for the network with biases (``d0`` without), with
        ``2 k >= n``.

    Returns
    -------
    bool or ndarray of bool of shape ``(T,)``
        True when every column of ``A`` is nonzero (no dead data point) and no column occurs more
        than ``k`` times.

    Notes
    -----
    The Jacobian's rows are ``(v * a_j) (x) (x_j, 1)``. A zero column, or more than ``k`` equal
    columns (rows in a ``k``-dimensional space), force ``rank J < n`` for every data set.
    Conversely, if the points split into ``k`` groups whose columns of ``A`` are linearly
    independent, put ``(x_j, 1)`` proportional to the ``l``-th unit vector for the points of group
    ``l``: the rows become linearly independent. Some ``n x n`` minor of ``J`` is therefore a
    polynomial in the data that is not identically zero, and ``rank J = n`` for all data outside
    its zero set, which has measure zero. With ``2 k >= n`` such a split exists unless a column
    is zero or repeated more than ``k`` times: list the points sorted by their column and deal
    them out in turn, which gives groups of at most two distinct nonzero 0/1 columns, and those
    are linearly independent. For Gaussian data (and every other distribution with a density),
    the criterion and the rank agree with probability one. Raises ``ValueError`` when
    ``2 k < n``, where the pattern alone does not decide.
    """
    arr = np.asarray(A)
    if arr.ndim not in (2, 3) or 0 in arr.shape:
        raise ValueError(
            f"A must have shape (d1, n) or (T, d1, n), got shape {arr.shape}"
        )
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError("A must have entries 0 and 1")
    k = check_positive_int(k, "k")
    n = arr.shape[-1]
    if 2 * k < n:
        raise ValueError(
            f"the pattern decides the rank only for 2 k >= n, got k={k}, n={n}"
        )
    stack = arr.reshape((-1,) + arr.shape[-2:]).astype(bool)
    full = _pattern_decision(stack, k)
    return bool(full[0]) if arr.ndim == 2 else full


def _pattern_decision(A: np.ndarray, k: int) -> np.ndarray:
    """:func:`pattern_full_rank` on a stack of bool patterns, without the checks."""
    return A.any(axis=1).all(axis=1) & ~_column_repeated_more_than(A, k)


#: Largest number of data points per input coordinate for which a cell tries the pattern
#: certificate :func:`_dealt_groups_independent` before any Gram matrix.
_MAX_GROUP = 4


def _group_size(d0: int, n: int) -> int:
    """``ceil(n / (d0 + 1))``: the size of the largest group when ``n`` points are dealt to ``d0 + 1``."""
    return -(-n // (d0 + 1))


def _draws_preactivations(d0: int, d1: int, n: int, data: str = "gaussian") -> bool:
    """Whether a cell draws ``W X`` through ``d1 x n`` normals instead of ``X`` (``d0 x n``).

    Only for Gaussian data: ``W X = L Z`` has the distribution of ``W X`` only when ``X`` is
    standard Gaussian (uniform data are always drawn themselves). So it does when ``d1 < d0``
    and the pattern decides most trials: always when
    ``2 (d0 + 1) >= n``, and when the points can be dealt to the ``d0 + 1`` input coordinates in
    groups of at most ``min(d1, _MAX_GROUP)`` (with ``d1 <= 62``, for
    :func:`_dealt_groups_independent`).
    """
    return (
        data == "gaussian"
        and d1 < d0
        and (
            pattern_decides_rank(d0, n)
            or (d1 <= 62 and _group_size(d0, n) <= min(d1, _MAX_GROUP))
        )
    )


def _cell_seeds(d0: int, d1: int, n: int, seed: int, *key: int):
    """The seed sequence of a cell (``key = (0,)``: its draws; ``(1, t)``: the rest of trial t's ``X``)."""
    return np.random.SeedSequence([seed, d0, d1, n], spawn_key=key)


def _cell_draws(
    d0: int, d1: int, n: int, trials: int, seed: int, data: str = "gaussian"
):
    """The random draws of a cell: ``W`` (shape ``(T, d1, d0)``), ``b``, ``v``, and ``X`` or ``Z``.

    From the cell's generator (the first child of ``SeedSequence([seed, d0, d1, n])``), in this
    order: ``W`` and then ``b`` for all trials, i.i.d. uniform on ``[-1/sqrt(d0), 1/sqrt(d0)]`` (the
    ``scheme="paper"`` of :func:`lecture_utils.networks.init_two_layer`); then either the data
    ``X`` of shape ``(T, d0, n)``, returned with ``Z = None``: i.i.d. N(0, 1)
    (``standard_normal``) for ``data="gaussian"``, i.i.d. uniform on ``[0, 1)`` (``random``) for
    ``data="uniform"``; or, where :func:`_draws_preactivations` (Gaussian data only), ``Z`` i.i.d.
    N(0, 1) of shape ``(T, d1, n)``, returned with
    ``X = None``: ``W X`` is then ``L Z`` with ``L L^T = W W^T`` (:func:`_preactivation_factors`),
    which has the distribution of ``W X`` for Gaussian ``X``, and :func:`_completed_inputs` completes
    ``Z`` to an explicit ``X``.
    """
    rng = np.random.default_rng(_cell_seeds(d0, d1, n, seed, 0))
    bound = 1.0 / math.sqrt(d0)  # init_two_layer's scheme="paper"
    W = rng.uniform(-bound, bound, size=(trials, d1, d0))
    b = rng.uniform(-bound, bound, size=(trials, d1))
    v = alternating_signs(d1)
    if data == "uniform":
        return W, b, v, rng.random((trials, d0, n)), None
    if _draws_preactivations(d0, d1, n):
        return W, b, v, None, rng.standard_normal((trials, d1, n))
    return W, b, v, rng.standard_normal((trials, d0, n)), None


def _preactivation_factors(W) -> np.ndarray:
    """Lower triangular ``L`` with ``L L^T = W W^T`` (shape ``(T, d1, d1)``), ``d1 < d0``.

    The Cholesky factors, or, should one of them fail (``W`` numerically of lower rank), the
    transposed ``R`` of the QR factorisations ``W^T = Q R`` for the whole stack.
    """
    try:
        return np.linalg.cholesky(np.matmul(W, np.swapaxes(W, 1, 2)))
    except np.linalg.LinAlgError:  # pragma: no cover - probability of the order 1e-10
        return np.swapaxes(np.linalg.qr(np.swapaxes(W, 1, 2), mode="r"), 1, 2)


def _completed_inputs(W, L, Z, cell: tuple[int, int, int, int], trials) -> np.ndarray:
    """Explicit data ``X`` (shape ``(len(trials), d0, n)``) for the given trials of a cell.

    ``W X = L Z`` for ``L L^T = W W^T`` (:func:`_preactivation_factors`) and ``Z`` standard
    Gaussian means ``Z = Q^T X`` with the orthonormal ``Q = W^T L^{-T}`` (shape ``(d0, d1)``).
    The data are ``X = Q Z + (I - Q Q^T) G``, with ``G`` i.i.d. N(0, 1) from the seed sequence
    ``(1, t)`` of trial ``t`` (:func:`_cell_seeds`): a standard Gaussian matrix (its components
    along and across the rows of ``W`` are independent standard Gaussians), and ``W X = L Z`` up
    to rounding. ``W``, ``L`` and ``Z`` hold those trials only; ``cell = (d0, d1, n, seed)``.
    """
    d0, d1, n, seed = cell
    G = np.stack(
        [
            np.random.default_rng(
                _cell_seeds(d0, d1, n, seed, 1, int(t))
            ).standard_normal((d0, n))
            for t in trials
        ]
    )
    Q = np.swapaxes(np.linalg.solve(L, W), 1, 2)  # (T, d0, d1)
    return G - np.matmul(Q, np.matmul(np.swapaxes(Q, 1, 2), G) - Z)


def _cell_inputs(
    d0: int, d1: int, n: int, trials: int, seed: int, data: str = "gaussian"
):
    """The draws of a cell with an explicit ``X`` for every trial (shape ``(T, d0, n)``).

    Where :func:`_cell_draws` drew ``Z`` instead of ``X``, the data are completed by
    :func:`_completed_inputs`.
    """
    W, b, v, X, Z = _cell_draws(d0, d1, n, trials, seed, data)
    if X is None:
        L = _preactivation_factors(W)
        X = _completed_inputs(W, L, Z, (d0, d1, n, seed), range(trials))
    return W, b, v, X


def _bareiss_determinants(M: np.ndarray) -> np.ndarray:
    """Exact determinants of a stack of small integer matrices (int64, shape ``(..., g, g)``).

    Fraction-free elimination without pivoting, meant for positive semidefinite Gram matrices:
    a zero pivot there means that a leading principal minor vanishes, and then so does the
    determinant (Fischer's inequality ``det M <= det M_11 det M_22``).
    """
    M = np.array(M, dtype=np.int64)
    g = M.shape[-1]
    singular = np.zeros(M.shape[:-2], dtype=bool)
    previous = np.ones(M.shape[:-2], dtype=np.int64)
    for k in range(g - 1):
        pivot = M[..., k, k].copy()
        singular |= pivot == 0
        pivot[pivot == 0] = 1
        trailing = M[..., k + 1 :, k + 1 :] * pivot[..., None, None]
        trailing -= M[..., k + 1 :, k, None] * M[..., k, None, k + 1 :]
        M[..., k + 1 :, k + 1 :] = trailing // previous[..., None, None]
        previous = pivot
    return np.where(singular, 0, M[..., g - 1, g - 1])


def _dealt_groups_independent(A: np.ndarray, k: int) -> np.ndarray:
    """Whether the columns of each pattern, sorted and dealt in turn to ``k`` groups, give groups of
    linearly independent columns (``A`` bool of shape ``(T, d1, n)``, ``d1 <= 62``).

    If so, ``rank J = n`` for almost every data set (:func:`pattern_full_rank`, Notes). Decided
    exactly, by the integer determinants of the groups' Gram matrices.
    """
    trials, d1, n = A.shape
    if d1 > 62:  # pragma: no cover - the cells never call it so
        raise ValueError(f"at most 62 units, got d1={d1}")
    size = -(-n // k)
    codes = np.einsum("tin,i->tn", A.astype(np.int64), 1 << np.arange(d1))
    order = np.argsort(codes, axis=1, kind="stable")
    columns = np.zeros((trials, size * k, d1), dtype=np.int64)
    columns[:, :n] = np.take_along_axis(np.swapaxes(A, 1, 2), order[:, :, None], axis=1)
    # sorted position p goes to group p % k, as its (p // k)-th member
    groups = np.swapaxes(columns.reshape(trials, size, k, d1), 1, 2)
    gram = np.matmul(groups, np.swapaxes(groups, 2, 3))  # (T, k, size, size)
    missing = np.arange(size * k).reshape(size, k).T >= n  # (k, size): empty places
    diagonal = np.arange(size)
    gram[:, :, diagonal, diagonal] += missing[
        None
    ]  # an empty place counts as a unit vector
    return np.all(_bareiss_determinants(gram) != 0, axis=1)


#: Bytes of the Gram matrices (or patterns) of the trials decided at once in :func:`_cell_decisions`,
#: so that they stay in the processor's cache.
_CHUNK_BYTES = 2**19


def _patterns(W, b, X, out=None) -> np.ndarray:
    """Activation patterns ``W X + b > 0`` of a stack of trials (shape ``(T, d1, n)``).

    Bool, or written into ``out`` (e.g. float32). ``fl(y + b) > 0`` exactly when ``y > -b``
    (rounding keeps the sign), so no sum is formed.
    """
    preactivations = W * X if X.shape[1] == 1 else np.matmul(W, X)
    return np.greater(preactivations, -b[:, :, None], out=out)


def _cell_grams(X, W, b):
    """Gram matrices of a stack of trials: exact counts ``A^T A`` (float32) and ``J J^T`` (float64).

    Shapes ``(T, n, n)``. ``A^T A`` is computed in float32, which is exact for counts below
    ``2**24`` (every partial sum is an integer below it); with ``v = +-1`` it is also
    ``A^T diag(v^2) A``.
    """
    trials, d0, n = X.shape
    if W.shape[1] >= 2**24:  # pragma: no cover - far beyond any cell
        raise ValueError("too many units for exact float32 counts")
    A = _patterns(W, b, X, out=np.empty((trials, W.shape[1], n), dtype=np.float32))
    counts = np.matmul(np.swapaxes(A, 1, 2), A)
    Xt = np.concatenate([X, np.ones((trials, 1, n))], axis=1)  # a row of ones
    if d0 < 8:
        gram = np.matmul(np.swapaxes(Xt, 1, 2), Xt)
    else:  # x.T @ x is a symmetric rank-k update (syrk), not a batched product
        gram = np.empty((trials, n, n))
        for t, x in enumerate(Xt):
            np.matmul(x.T, x, out=gram[t])
    gram *= counts  # the float32 counts are exact in float64 too
    return counts, gram


def _gram_decisions(W, b, v, X):
    """The decisions of :func:`_cell_decisions` from the Gram matrices, a few trials at a time."""
    trials, d0, n = X.shape
    full, svd = np.zeros(trials, dtype=bool), np.zeros(trials, dtype=bool)
    step = max(1, _CHUNK_BYTES // (8 * n * max(n, W.shape[1])))
    for start in range(0, trials, step):
        part = slice(start, start + step)
        counts, gram = _cell_grams(X[part], W[part], b[part])
        shifts = _certification_shift(
            gram,
            np.diagonal(counts, axis1=1, axis2=2).max(axis=1),
            np.einsum("tij,tij->t", X[part], X[part]) + n,
            d0 + 1,
            0,  # v = +-1: the counts are exact
        )
        full[part], svd[part] = _decide_full_rank(
            gram,
            lambda t, s=start: relu_jacobian(W[s + t], b[s + t], v, X[s + t]),
            counts,
            shifts,
            d0 + 1,
        )
    return full, svd


def _cell_decisions(
    d0: int, d1: int, n: int, trials: int, seed: int, data: str = "gaussian"
):
    """Per trial of a cell: whether ``rank J = n``, and whether the SVD had to decide.

    With ``2 (d0 + 1) >= n`` (:func:`pattern_decides_rank`) the pattern decides, as in
    :func:`pattern_full_rank`. Where the cell drew ``Z`` (:func:`_draws_preactivations`) and
    otherwise, the pattern certificate :func:`_dealt_groups_independent` proves full rank, a dead
    point or a column shared by more than ``d0 + 1`` points proves a deficiency, and the trials left
    are completed to explicit data and decided from their Gram matrices, as every trial of the
    remaining cells is (:func:`jacobian_has_full_rank`).

    The pattern criteria hold for almost every data set, hence with probability one for any
    distribution of ``X`` with a density, uniform data on ``[0, 1)^(d0 n)`` included; the other
    steps are exact. Only the draw of ``W X`` as ``L Z`` needs Gaussian data.
    """
    W, b, v, X, Z = _cell_draws(d0, d1, n, trials, seed, data)
    if Z is None and not pattern_decides_rank(d0, n):
        return _gram_decisions(W, b, v, X)
    if Z is None:
        A = _patterns(W, b, X)
    else:
        L = _preactivation_factors(W)
        A = np.matmul(L, Z) > -b[:, :, None]
    svd = np.zeros(trials, dtype=bool)
    if pattern_decides_rank(d0, n):
        return _pattern_decision(A, d0 + 1), svd
    full = _dealt_groups_independent(A, d0 + 1)
    undecided = np.flatnonzero(~full & _pattern_decision(A, d0 + 1))
    if len(undecided):
        cell = (d0, d1, n, seed)
        X = _completed_inputs(W[undecided], L[undecided], Z[undecided], cell, undecided)
        full[undecided], svd[undecided] = _gram_decisions(
            W[undecided], b[undecided], v, X
        )
    return full, svd


def gram_eigenvalue_ratios(
    d0: int,
    d1: int,
    n: int,
    trials: int = 100,
    seed: int = 0,
    data: str = "gaussian",
) -> np.ndarray:
    """Smallest over mean eigenvalue of ``J J^T`` for each trial of a cell of the paper's experiment.

    Parameters
    ----------
    d0, d1, n : int
        Input dimension, hidden width, number of data points.
    trials : int
        Number of independent trials (fresh data and fresh parameters each).
    seed : int
        Seed of the cell; the trials are those of :func:`full_rank_probability` with the same
        arguments (where that function never forms ``X``, it is completed as described there).
    data : {"gaussian", "uniform"}
        The distribution of the data, as in :func:`full_rank_probability`.

    Returns
    -------
    ndarray of shape ``(trials,)``
        ``lambda_min(J J^T) / (trace(J J^T) / n)`` computed with ``numpy.linalg.eigvalsh`` (0 where
        ``J = 0``): above :data:`GRAM_RTOL` the Jacobian is certified to have rank ``n``.
    """
    d0, d1, n, trials, seed = _check_cell(d0, d1, n, trials, seed)
    W, b, _, X = _cell_inputs(d0, d1, n, trials, seed, _check_data(data))
    gram = _cell_grams(X, W, b)[1]
    mean = np.trace(gram, axis1=1, axis2=2) / n
    smallest = np.linalg.eigvalsh(gram)[:, 0]
    return np.where(mean > 0, smallest / np.where(mean > 0, mean, 1.0), 0.0)


def full_rank_probability(
    d0: int,
    d1: int,
    n: int,
    trials: int = 100,
    seed: int = 0,
    data: str = "gaussian",
) -> float:
    """Fraction of random initialisations at which the Jacobian has full rank ``n`` (one cell of Figures 2-3).

    Parameters
    ----------
    d0, d1, n : int
        Input dimension, hidden width, number of data points.
    trials : int
        Number of independent trials (the paper uses 100).
    seed : int
        Seed of the cell. The first child of ``SeedSequence([seed, d0, d1, n])`` draws, for all
        trials at once, the hidden weights and then the biases (i.i.d. uniform on
        ``[-1/sqrt(d0), 1/sqrt(d0)]``, as :func:`lecture_utils.networks.init_two_layer` with
        ``scheme="paper"``), then the data ``X`` of shape ``(d0, n)`` per trial, distributed as
        ``data`` says. For Gaussian data, where ``d1 < d0`` and the pattern decides most trials (``2 (d0 + 1) >= n``, or groups of
        at most ``min(d1, _MAX_GROUP)`` points per input coordinate), it draws only ``W X``, as
        ``L Z`` with ``Z`` i.i.d. N(0, 1) of shape ``(d1, n)`` and ``L L^T = W W^T``: the same
        distribution from ``d1 n`` random numbers instead of ``d0 n``. The rest of ``X`` of trial
        ``t``, needed only where the pattern does not decide, comes from the child ``t`` of the
        second child. ``v = (+1, -1, ...)``.
    data : {"gaussian", "uniform"}
        ``"gaussian"`` (default): ``X`` i.i.d. N(0, 1), as the paper's Appendix E.1 says.
        ``"uniform"``: ``X`` i.i.d. uniform on ``[0, 1)``, the distribution of ``torch.rand`` in
        the authors' released script (``experiments/full_rank_regions.py`` of
        kedar2/loss-landscape), drawn with ``Generator.random`` after ``W`` and ``b`` (so a
        uniform cell shares its weights with the Gaussian cell of the same seed).

    Returns
    -------
    float
        The fraction of trials with ``rank J = n``, where ``J`` (shape ``(n, d1 (d0 + 1))``) is the
        Jacobian with respect to ``(W, b)``. For ``2 (d0 + 1) >= n`` the activation pattern
        decides each trial (:func:`pattern_full_rank`: no dead data point, and no activation
        column shared by more than ``d0 + 1`` points), which agrees with the rank with
        probability one. Otherwise a split of the pattern's columns into ``d0 + 1`` groups of
        linearly independent columns proves full rank in the same sense, and the other trials
        are decided as in :func:`jacobian_has_full_rank`, on the whole batch of Gram matrices at
        once. When ``d1 (d0 + 1) < n`` the rank cannot reach ``n`` and 0.0 is returned without
        sampling.
    """
    d0, d1, n, trials, seed = _check_cell(d0, d1, n, trials, seed)
    data = _check_data(data)
    if d1 * (d0 + 1) < n:
        return 0.0
    return float(_cell_decisions(d0, d1, n, trials, seed, data)[0].mean())


def d0_for_cell(d0_or_ratio, n: int) -> int:
    """The input dimension of a cell with ``n`` data points in :func:`full_rank_grid`.

    An integer ``d0_or_ratio`` is a fixed input dimension; a float ``r > 0`` means ``d0 = ceil(r n)``
    (Figure 3 of the paper); a callable is applied to ``n``.
    """
    n = check_positive_int(n, "n")
    if callable(d0_or_ratio):
        return check_positive_int(d0_or_ratio(n), "d0_or_ratio(n)")
    if isinstance(d0_or_ratio, (bool, np.bool_)):
        raise ValueError(
            f"d0_or_ratio must be an int, a float or a callable, got {d0_or_ratio!r}"
        )
    if isinstance(d0_or_ratio, (int, np.integer)):
        return check_positive_int(d0_or_ratio, "d0_or_ratio")
    if (
        isinstance(d0_or_ratio, (float, np.floating))
        and np.isfinite(d0_or_ratio)
        and d0_or_ratio > 0
    ):
        return max(1, math.ceil(round(float(d0_or_ratio) * n, 9)))
    raise ValueError(
        f"d0_or_ratio must be a positive int (fixed d0), a positive float (d0 = ceil(r n)) "
        f"or a callable n -> d0, got {d0_or_ratio!r}"
    )


def full_rank_grid(
    d0_or_ratio,
    n_values: Sequence[int],
    d1_values: Sequence[int],
    trials: int = 100,
    seed: int = 0,
    n_jobs: int = 1,
    data: str = "gaussian",
) -> np.ndarray:
    """One panel of the paper's Figures 2-3: :func:`full_rank_probability` over a grid of ``(d1, n)``.

    Parameters
    ----------
    d0_or_ratio : int, float or callable
        ``int``: the input dimension ``d0`` of every cell (Figure 2); ``float`` ``r``: ``d0 = ceil(r n)``
        (Figure 3; write ``1.0``, not ``1``); callable: ``d0 = d0_or_ratio(n)``. See :func:`d0_for_cell`.
    n_values : sequence of int
        Numbers of data points (columns of the panel).
    d1_values : sequence of int
        Hidden widths (rows of the panel).
    trials : int
        Trials per cell.
    seed : int
        Seed; each cell is seeded by ``(seed, d0, d1, n)``, so a cell's value does not depend on the grid.
    n_jobs : int
        Number of worker processes (``joblib``); the result does not depend on it. With several
        workers each one runs its linear algebra single-threaded, which is also the fastest way to
        run these many small problems.
    data : {"gaussian", "uniform"}
        The distribution of the data (:func:`full_rank_probability`).

    Returns
    -------
    ndarray of shape ``(len(d1_values), len(n_values))``
        Entry ``[i, k]`` is the probability estimate for ``d1 = d1_values[i]`` and ``n = n_values[k]``.
    """
    n_values, d1_values = list(n_values), list(d1_values)
    if not n_values or not d1_values:
        raise ValueError("n_values and d1_values must be non-empty")
    d0s = [d0_for_cell(d0_or_ratio, n) for n in n_values]
    n_jobs = check_positive_int(n_jobs, "n_jobs")
    data = _check_data(data)
    cells = [(d0, d1, n) for d1 in d1_values for d0, n in zip(d0s, n_values)]
    for d0, d1, n in cells:
        _check_cell(d0, d1, n, trials, seed)
    if n_jobs == 1:
        values = [
            full_rank_probability(d0, d1, n, trials, seed, data) for d0, d1, n in cells
        ]
    else:
        from joblib import Parallel, delayed

        values = Parallel(n_jobs=n_jobs)(
            delayed(full_rank_probability)(d0, d1, n, trials, seed, data)
            for d0, d1, n in cells
        )
    return np.array(values).reshape(len(d1_values), len(n_values))
