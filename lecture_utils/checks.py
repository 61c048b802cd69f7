"""Checks for the problem sets: compare a student's answer with the reference and say what is wrong.

Each check prints one line when the answer is right and raises :class:`AnswerError` (an
``AssertionError``, so nbgrader counts it as a failed test) with a message the student can act on
when it is not: the shape that was expected, the entry that differs and by how much, and a diagnosis
of common slips (a transposed matrix, a flipped sign, a factor of two, a missing bias), plus any
hints the exercise supplies.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "AnswerError",
    "as_answer_array",
    "as_integer",
    "as_number",
    "check_array",
    "check_scalar",
    "check_integer",
    "check_null_space_projection",
    "forbidden",
    "no_autograd",
    "unpack",
]


class AnswerError(AssertionError):
    """A wrong answer, with a message that says what to look at."""


def _as_array(name: str, answer) -> np.ndarray:
    if answer is None:
        raise AnswerError(f"{name} is None: did you forget to return it?")
    if isinstance(answer, (dict, str, bytes, set)):
        raise AnswerError(
            f"{name} should be an array of numbers, got a {type(answer).__name__}"
        )
    if hasattr(answer, "detach"):
        answer = answer.detach().cpu().numpy()
    try:
        return np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        kind = type(answer).__name__
        if isinstance(answer, (tuple, list)):
            kind = f"{kind} of {len(answer)} items of different shapes"
        raise AnswerError(
            f"{name} should be an array of numbers, got a {kind}"
        ) from None


def as_answer_array(name: str, answer, shape: tuple | None = None, hints=None):
    """``answer`` as a float array, after checking its type (and ``shape``, if given).

    Check cells call it before comparing anything, so that an answer of the wrong kind (``None``, a
    dict, a tuple of arrays of different shapes, a tensor) gives an :class:`AnswerError` that says
    so, never a ``TypeError`` or ``ValueError`` from NumPy. ``hints`` maps a wrong shape to advice.
    """
    array = _as_array(name, answer)
    if shape is not None and array.shape != tuple(shape):
        message = f"{name} has shape {array.shape}; expected {tuple(shape)}"
        hint = (hints or {}).get(array.shape)
        if hint is None and array.ndim == 2 and array.shape[::-1] == tuple(shape):
            hint = "it looks transposed"
        raise AnswerError(message + (f": {hint}" if hint else ""))
    if not np.all(np.isfinite(array)):
        raise AnswerError(f"{name} contains NaN or infinite entries")
    return array


def as_number(name: str, answer) -> float:
    """``answer`` as a Python float, or an :class:`AnswerError` if it is not one number."""
    if isinstance(answer, bool):
        raise AnswerError(f"{name} should be a number, got {answer!r}")
    value = _as_array(name, answer)
    if value.size != 1:
        raise AnswerError(
            f"{name} should be a single number, got an array of shape {value.shape}"
        )
    if not np.isfinite(value).all():
        raise AnswerError(f"{name} is {float(value.reshape(()))}, not a finite number")
    return float(value.reshape(()))


def as_integer(name: str, answer) -> int:
    """``answer`` as a Python int, or an :class:`AnswerError` if it is not an integer."""
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        raise AnswerError(
            f"{name} should be an integer, got {answer!r} of type {type(answer).__name__}"
        )
    return int(answer)


def unpack(name: str, answer, names: tuple[str, ...]) -> tuple:
    """The items of ``answer``, which must be a tuple or list of ``len(names)`` items.

    ``names`` says what each item is (``("W_new", "b_new")``), for the message.
    """
    expected = ", ".join(names)
    if not isinstance(answer, (tuple, list)) or len(answer) != len(names):
        got = (
            f"{len(answer)} items"
            if isinstance(answer, (tuple, list))
            else f"a {type(answer).__name__}"
        )
        raise AnswerError(f"{name} should return a tuple ({expected}); got {got}")
    return tuple(answer)


class forbidden:
    """A context manager under which some functions raise an :class:`AnswerError` when called.

    ``forbidden((lecture_utils, "relu_jacobian"), reason="write it yourself")`` replaces each
    ``module.attribute`` (or ``namespace[name]``, for a dict such as a notebook's ``globals()``)
    by a function that raises, and restores it on exit. It enforces a rule
    such as "do not call the reference" while the student's function runs.
    """

    def __init__(self, *targets, reason: str):
        self.targets, self.reason, self.saved = targets, reason, []

    def __enter__(self):
        reason = self.reason

        def refuse(*args, **kwargs):
            raise AnswerError(reason)

        for owner, attribute in self.targets:
            if isinstance(owner, dict):  # a namespace, such as the notebook's globals()
                if attribute in owner:
                    self.saved.append((owner, attribute, owner[attribute]))
                    owner[attribute] = refuse
            elif hasattr(owner, attribute):
                self.saved.append((owner, attribute, getattr(owner, attribute)))
                setattr(owner, attribute, refuse)
        return self

    def __exit__(self, *exc):
        for owner, attribute, original in reversed(self.saved):
            if isinstance(owner, dict):
                owner[attribute] = original
            else:
                setattr(owner, attribute, original)
        self.saved = []
        return False


class no_autograd:
    """A context manager under which PyTorch's automatic differentiation is switched off.

    Inside it, tensors record no graph (``torch.inference_mode``), so ``backward()`` fails, and the
    differentiation functions of ``torch.autograd`` and ``torch.func`` raise an
    :class:`AnswerError` with ``reason``. It enforces "compute the gradient yourself".
    """

    def __init__(self, reason: str):
        self.reason = reason

    def __enter__(self):
        import torch
        import torch.autograd.functional as functional
        import torch.func as func

        names = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]
        targets = [(func, name) for name in names]
        targets += [(torch.autograd, "grad"), (torch.autograd, "backward")]
        targets += [(functional, n) for n in ("jacobian", "hessian", "vjp", "jvp")]
        self._forbidden = forbidden(*targets, reason=self.reason)
        self._forbidden.__enter__()
        self._inference = torch.inference_mode()
        self._inference.__enter__()
        return self

    def __exit__(self, *exc):
        self._inference.__exit__(*exc)
        self._forbidden.__exit__(*exc)
        words = ("grad", "backward", "inference")
        if exc[0] is RuntimeError and any(w in str(exc[1]) for w in words):
            raise AnswerError(self.reason) from None
        return False


def _diagnose(
    answer: np.ndarray, expected: np.ndarray, atol: float, rtol: float
) -> str | None:
    def close(a, b):
        return a.shape == b.shape and np.allclose(a, b, atol=atol, rtol=rtol)

    if close(-answer, expected):
        return (
            "it is off by a sign: check the sign convention (residual F - y, or y - F?)"
        )
    if close(2.0 * answer, expected):
        return "it is half the expected value: is a factor 2 missing, for example from differentiating a square?"
    if close(0.5 * answer, expected):
        return "it is twice the expected value: did you drop a factor 1/2, or count a term twice?"
    if answer.ndim == 2 and close(answer.T, expected):
        return "it is the transpose of the expected matrix: rows should be data points"
    return None


def check_array(
    name: str,
    answer,
    expected,
    *,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    hints: dict | None = None,
) -> None:
    """Check an array answer against the reference ``expected``.

    Parameters
    ----------
    name : str
        What the answer is, as the student knows it (for example ``"the Jacobian J"``).
    answer, expected : array-like
        The student's answer (NumPy array, torch tensor, list) and the reference.
    atol, rtol : float
        Tolerances of :func:`numpy.allclose`.
    hints : dict, optional
        Extra advice keyed by a wrong shape, e.g. ``{(5, 12): "did you include the bias?"}``.
    """
    hints = hints or {}
    answer, expected = _as_array(name, answer), np.asarray(expected, dtype=float)
    if answer.shape != expected.shape:
        message = f"{name} has shape {answer.shape}; expected {expected.shape}"
        hint = hints.get(answer.shape)
        if hint is None and answer.ndim == 2 and answer.shape[::-1] == expected.shape:
            hint = "it looks transposed: rows should be data points"
        raise AnswerError(message + (f": {hint}" if hint else ""))
    if not np.all(np.isfinite(answer)):
        raise AnswerError(f"{name} contains NaN or infinite entries")
    if not np.allclose(answer, expected, atol=atol, rtol=rtol):
        error = np.abs(answer - expected)
        worst = np.unravel_index(np.argmax(error), error.shape) if error.ndim else ()
        where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
        message = (
            f"{name} is not right: the largest difference is {error.max():.3g}{where} "
            f"(yours {answer[worst]:.6g}, expected {expected[worst]:.6g})"
        )
        diagnosis = _diagnose(answer, expected, atol, rtol)
        raise AnswerError(message + (f"; {diagnosis}" if diagnosis else ""))
    print(f"correct: {name}")


def check_scalar(
    name: str, answer, expected: float, *, atol: float = 1e-8, rtol: float = 1e-6
) -> None:
    """Check a number against the reference, with the same diagnosis as :func:`check_array`."""
    value = _as_array(name, answer)
    if value.size != 1:
        raise AnswerError(
            f"{name} should be a single number, got an array of shape {value.shape}"
        )
    check_array(
        name, value.reshape(()), np.asarray(expected, dtype=float), atol=atol, rtol=rtol
    )


def check_integer(name: str, answer, expected: int, hints: dict | None = None) -> None:
    """Check an integer answer (a rank, a count) exactly; ``hints`` maps wrong values to advice."""
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        raise AnswerError(
            f"{name} should be an integer, got {answer!r} of type {type(answer).__name__}"
        )
    if int(answer) != int(expected):
        hint = (hints or {}).get(int(answer))
        raise AnswerError(
            f"{name} is {int(answer)}; expected {int(expected)}"
            + (f": {hint}" if hint else "")
        )
    print(f"correct: {name}")


def check_null_space_projection(name: str, answer, J, g, *, rtol: float = 1e-8) -> None:
    """Check that ``answer`` is the orthogonal projection of ``g`` onto the null space of ``J``.

    The projection ``p`` is characterised by two conditions, checked separately so that the message
    says which one fails: ``J p = 0`` (``p`` lies in the null space) and ``g - p`` lies in the row
    space of ``J`` (the part removed is orthogonal to the null space). Tolerances are relative to
    ``|J| |g|`` and ``|g|``.

    Parameters
    ----------
    name : str
        What the answer is, as the student knows it.
    answer : array-like of shape ``(P,)``
    J : array of shape ``(n, P)``
    g : array of shape ``(P,)``
        The vector that was projected.
    """
    answer = _as_array(name, answer)
    J, g = np.asarray(J, dtype=float), np.asarray(g, dtype=float)
    if answer.shape != g.shape:
        raise AnswerError(
            f"{name} has shape {answer.shape}; expected {g.shape}, the shape of the projected vector"
        )
    if not np.all(np.isfinite(answer)):
        raise AnswerError(f"{name} contains NaN or infinite entries")
    scale_g = max(float(np.linalg.norm(g)), 1e-300)
    scale_Jg = max(float(np.linalg.norm(J, 2)) * scale_g, 1e-300)
    row_part = J.T @ np.linalg.lstsq(J.T, g - answer, rcond=None)[0]
    off_row = float(np.linalg.norm(g - answer - row_part)) / scale_g
    in_null = float(np.linalg.norm(J @ answer)) / scale_Jg
    if in_null > rtol:
        answer_row = J.T @ np.linalg.lstsq(J.T, answer, rcond=None)[0]
        in_row = np.linalg.norm(answer - answer_row) <= rtol * scale_g
        if in_row and np.linalg.norm(J @ (g - answer)) / scale_Jg < rtol:
            raise AnswerError(
                f"{name} is the component of g in the row space of J, the part to remove: "
                "return g minus it"
            )
        raise AnswerError(
            f"{name} is not in the null space of J: |J p| / (|J| |g|) = {in_null:.2g}, "
            "not at rounding level; the projection p must satisfy J p = 0"
        )
    if off_row > rtol:
        raise AnswerError(
            f"{name} is in the null space of J but is not the projection of g (g - p is not in the "
            f"row space of J, off by {off_row:.2g} relative to |g|): did you rescale it, or "
            "project another vector?"
        )
    print(f"correct: {name}")
