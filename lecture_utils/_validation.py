"""Input checks shared by the public functions of :mod:`lecture_utils`.

Every public function validates its arguments here and raises :class:`ValueError` with a message
that says what was expected, so that a wrong shape never turns into a wrong answer.
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_float_array", "as_matrix", "as_vector", "check_positive_int", "rng_from"]


def as_float_array(a, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``a`` as a finite float64 array, checking its number of dimensions."""
    try:
        arr = np.asarray(
            a.detach().cpu().numpy() if hasattr(a, "detach") else a, dtype=np.float64
        )
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be an array of real numbers ({err})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    return arr


def as_matrix(
    a, name: str, rows: int | None = None, cols: int | None = None
) -> np.ndarray:
    """Return ``a`` as a finite float64 matrix, optionally of a given number of rows/columns."""
    arr = as_float_array(a, name, ndim=2)
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"{name} must have {rows} rows, got shape {arr.shape}")
    if cols is not None and arr.shape[1] != cols:
        raise ValueError(f"{name} must have {cols} columns, got shape {arr.shape}")
    return arr


def as_vector(a, name: str, length: int | None = None) -> np.ndarray:
    """Return ``a`` as a finite float64 vector, optionally of a given length."""
    arr = as_float_array(a, name, ndim=1)
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got length {arr.shape[0]}")
    return arr


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer; raise otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def rng_from(seed) -> np.random.Generator:
    """A NumPy generator from an integer seed, an existing generator, or ``None`` (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (
        isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0
    ):
        return np.random.default_rng(seed)
    raise ValueError(
        f"seed must be a non-negative integer, a numpy Generator or None, got {seed!r}"
    )
