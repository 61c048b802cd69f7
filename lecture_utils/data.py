"""Data sets: inputs ``X`` of shape ``(d0, n)`` (one column per data point) and labels ``y`` of shape ``(n,)``.

The generators follow the experiments of Karhadkar, Murray, Tseran and Montúfar (2024):
Gaussian inputs for the Jacobian-rank experiments, inputs uniform on the cube ``[-1, 1]^d0`` for the
global-minimum experiments, and three kinds of labels (a random degree-2 polynomial, a teacher network
of the student's architecture, uniform random numbers). All functions are deterministic given ``seed``.
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import numpy as np

from ._validation import as_matrix, check_positive_int, check_real, check_work, rng_from

__all__ = [
    "gaussian_inputs",
    "uniform_cube_inputs",
    "sorted_distinct_inputs",
    "quadratic_features",
    "quadratic_labels",
    "teacher_labels",
    "random_labels",
]


def gaussian_inputs(d0: int, n: int, seed=None) -> np.ndarray:
    """Inputs with i.i.d. standard normal entries.

    Returns an array of shape ``(d0, n)``: ``n`` points of ``R^d0``, one per column.
    """
    d0, n = check_positive_int(d0, "d0"), check_positive_int(n, "n")
    check_work(d0 * n, f"gaussian_inputs({d0}, {n}) (a d0 x n array)")
    return rng_from(seed).standard_normal((d0, n))


def uniform_cube_inputs(
    d0: int, n: int, seed=None, low: float = -1.0, high: float = 1.0
) -> np.ndarray:
    """Inputs drawn i.i.d. uniformly from the cube ``[low, high]^d0``; shape ``(d0, n)``."""
    d0, n = check_positive_int(d0, "d0"), check_positive_int(n, "n")
    check_work(d0 * n, f"uniform_cube_inputs({d0}, {n}) (a d0 x n array)")
    low, high = check_real(low, "low"), check_real(high, "high")
    if not low < high:
        raise ValueError(f"need low < high, got low={low}, high={high}")
    return rng_from(seed).uniform(low, high, size=(d0, n))


def sorted_distinct_inputs(
    n: int,
    seed=None,
    low: float = -1.0,
    high: float = 1.0,
    min_gap: float | None = None,
) -> np.ndarray:
    """One-dimensional inputs, uniform on ``[low, high]``, sorted and pairwise distinct.

    Returns shape ``(1, n)`` with ``X[0, 0] < X[0, 1] < ... < X[0, n-1]``. Points are redrawn until
    consecutive gaps are at least ``min_gap`` (default ``(high - low) / (100 n^2)``), so that later
    computations that divide by gaps stay well conditioned.
    """
    n = check_positive_int(n, "n")
    if not low < high:
        raise ValueError(f"need low < high, got low={low}, high={high}")
    gap = (high - low) / (100.0 * n * n) if min_gap is None else float(min_gap)
    if gap * (n - 1) >= high - low:
        raise ValueError(
            f"cannot place {n} points with gaps >= {gap} in [{low}, {high}]"
        )
    rng = rng_from(seed)
    for _ in range(1000):
        x = np.sort(rng.uniform(low, high, size=n))
        if n == 1 or np.min(np.diff(x)) >= gap:
            return x[None, :]
    raise ValueError(
        "could not draw well-separated points; lower min_gap"
    )  # pragma: no cover


def quadratic_features(X) -> np.ndarray:
    """All monomials of degree at most 2 of the inputs: ``1, x_k, x_k x_l (k <= l)``.

    ``X`` has shape ``(d0, n)``; the result has shape ``(n, 1 + d0 + d0 (d0 + 1) / 2)``.
    """
    X = as_matrix(X, "X")
    d0 = X.shape[0]
    columns = [np.ones(X.shape[1])] + [X[k] for k in range(d0)]
    columns += [X[k] * X[l] for k, l in combinations_with_replacement(range(d0), 2)]
    return np.column_stack(columns)


def quadratic_labels(X, seed=None) -> np.ndarray:
    """Labels from a random polynomial of degree 2 in the inputs.

    Every coefficient (constant, linear and quadratic monomials) is i.i.d. uniform on ``[-1, 1]``,
    as in the paper's experiments. ``X`` has shape ``(d0, n)``; returns shape ``(n,)``.
    """
    features = quadratic_features(X)
    coefficients = rng_from(seed).uniform(-1.0, 1.0, size=features.shape[1])
    return features @ coefficients


def teacher_labels(X, d1: int, seed=None) -> np.ndarray:
    """Labels given by a teacher network of the student's architecture.

    The teacher is a two-layer ReLU network of width ``d1`` with He-uniform hidden weights and biases
    and output weights ``+1, -1, +1, ...`` (:func:`lecture_utils.networks.init_two_layer` with
    ``scheme="he"``). ``X`` has shape ``(d0, n)``; returns shape ``(n,)``.
    """
    from .networks import init_two_layer, two_layer_relu

    X = as_matrix(X, "X")
    W, b, v = init_two_layer(X.shape[0], d1, seed=seed, scheme="he")
    return two_layer_relu(W, b, v, X)


def random_labels(n: int, seed=None) -> np.ndarray:
    """Labels i.i.d. uniform on ``[-1, 1]``; shape ``(n,)``."""
    n = check_positive_int(n, "n")
    check_work(n, f"random_labels({n})")
    return rng_from(seed).uniform(-1.0, 1.0, size=n)
