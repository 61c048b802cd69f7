"""Input checks shared by the public functions of :mod:`lecture_utils`.

Every public function validates its arguments here and raises :class:`ValueError` with a message
that says what was expected, so that a wrong shape never turns into a wrong answer.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = [
    "ArgumentTypeError",
    "as_float_array",
    "as_matrix",
    "as_vector",
    "as_tensor",
    "equal_length_vectors",
    "as_params",
    "check_positive_int",
    "check_real",
    "check_work",
    "rng_from",
]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong kind (complex, a string, a non-number).

    It is both a :class:`TypeError` and a :class:`ValueError`, so code that catches either sees it.
    """


#: The most elements (of all arrays together) a function may allocate before it refuses.
MAX_ELEMENTS = 2**28  # 2 GiB of float64


def _reject_complex(a, name: str) -> None:
    is_complex = (
        a.is_complex()
        if hasattr(a, "is_complex") and callable(a.is_complex)
        else np.iscomplexobj(a)
    )
    if is_complex:
        raise ArgumentTypeError(
            f"{name} must hold real numbers, got complex entries (pass the real part "
            f"explicitly if that is what you mean)"
        )


def as_float_array(a, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``a`` as a finite float64 array, checking its number of dimensions.

    Accepts NumPy arrays, nested sequences and torch tensors of real numbers (booleans and integers
    are converted). Complex input raises :class:`TypeError` (it is never cut to its real part);
    strings, ragged sequences and non-finite entries raise :class:`ValueError`.
    """
    _reject_complex(a, name)
    if isinstance(a, (str, bytes)):
        raise ValueError(f"{name} must be an array of real numbers, got a string")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            arr = np.asarray(
                a.detach().cpu().numpy() if hasattr(a, "detach") else a,
                dtype=np.float64,
            )
    except (TypeError, ValueError, np.exceptions.ComplexWarning) as err:
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


def equal_length_vectors(**arrays) -> tuple[np.ndarray, ...]:
    """Validate named vectors that must share one length (e.g. ``w``, ``b``, ``v`` of one layer).

    The message names every array with its length, so that it never blames the wrong one.
    """
    vectors = {name: as_vector(a, name) for name, a in arrays.items()}
    lengths = {name: vec.size for name, vec in vectors.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} has {size}" for name, size in lengths.items())
        raise ValueError(
            f"{', '.join(lengths)} must have the same length (one entry per unit): {listed}"
        )
    return tuple(vectors.values())


def as_tensor(a, name: str, ndim: int | None = None):
    """Return ``a`` (a NumPy array, a sequence or a torch tensor) as a finite float64 torch tensor.

    A tensor that is already float64 is returned as it is (so that autograd and ``torch.func``
    transforms see the same object); anything else goes through :func:`as_float_array`.
    """
    import torch

    if isinstance(a, torch.Tensor):
        _reject_complex(a, name)
        if ndim is not None and a.ndim != ndim:
            raise ValueError(
                f"{name} must have {ndim} dimension(s), got shape {tuple(a.shape)}"
            )
        if not a.is_floating_point():
            a = a.to(torch.float64)
        if not _is_traced(a) and not bool(torch.isfinite(a).all()):
            raise ValueError(f"{name} contains NaN or infinite entries")
        return a
    return torch.from_numpy(as_float_array(a, name, ndim=ndim))


def _is_traced(t) -> bool:
    """Whether ``t`` is a functorch-wrapped tensor inside a ``torch.func`` transform."""
    try:
        import torch._C._functorch as functorch

        return bool(functorch.is_functorch_wrapped_tensor(t))
    except (ImportError, AttributeError):
        return False


def as_params(params, name: str = "params") -> dict:
    """A parameter dictionary of names to float64 torch tensors (NumPy arrays are converted).

    Raises :class:`TypeError` when ``params`` is no mapping of strings to arrays.
    """
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise ArgumentTypeError(
            f"{name} must be a dict of parameter names to arrays or tensors, "
            f"got {type(params).__name__}"
        )
    return {key: as_tensor(value, f"{name}[{key!r}]") for key, value in params.items()}


def check_real(
    value,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` in the given range; raise a clear error otherwise.

    ``low``/``high`` bound it (closed unless ``low_open``/``high_open``). Strings, booleans, complex
    numbers and arrays raise :class:`TypeError`; NaN, infinities and values out of range raise
    :class:`ValueError`.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            return check_real(
                value.item(),
                name,
                low=low,
                high=high,
                low_open=low_open,
                high_open=high_open,
            )
        raise ArgumentTypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        bound = ">" if low_open else ">="
        raise ValueError(f"{name} must be {bound} {low}, got {value!r}")
    if high is not None and (value >= high if high_open else value > high):
        bound = "<" if high_open else "<="
        raise ValueError(f"{name} must be {bound} {high}, got {value!r}")
    return value


def check_work(elements: float, what: str, limit: float = MAX_ELEMENTS) -> None:
    """Refuse, before allocating or looping, a computation of ``elements`` elements or steps.

    The message says how much was asked and what the limit is, so that a call with a size that
    cannot finish (or whose result cannot fit in memory) fails at once instead of hanging.
    """
    if elements > limit:
        raise ValueError(
            f"{what} needs about {elements:.3g} elements or steps, more than the limit "
            f"{limit:.3g} of this function: ask for a smaller size"
        )


#: The largest exact integer result (in bits) a counting function computes before it refuses.
MAX_RESULT_BITS = 2**16


def exact_binomial(n: int, k: int, what: str) -> int:
    """``math.comb(n, k)``, refused with a clear message when the result would be astronomically long.

    ``math.comb`` of numbers with hundreds of thousands of digits takes minutes; the size of the
    result is estimated from ``lgamma`` first.
    """
    n, k = int(n), int(k)
    if k < 0 or k > n:
        return 0
    bits = (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    ) / math.log(2)
    if bits > MAX_RESULT_BITS:
        raise ValueError(
            f"{what} = C({n}, {k}) has about {bits:.3g} binary digits, more than the "
            f"{MAX_RESULT_BITS} this function computes exactly: use math.lgamma for its "
            f"logarithm instead"
        )
    return math.comb(n, k)


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
