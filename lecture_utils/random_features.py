"""Random ReLU features, a target with an exact integral representation, and a student-teacher sweep.

The book's notation, as in :mod:`lecture_utils.intrinsic_dimension`: filters ``W`` of shape
``(d1, d0)`` (one per row), output weights ``v`` of shape ``(d1,)``, inputs ``X`` of shape ``(d0, n)``.

The random-features experiment uses Gaussian inputs ``x ~ N(0, I_3)`` and the target

``f*(x) = x_1 x_2 / |x| = E_{w ~ unif(S^2)} [ rho(w) relu(<w, x>) ]`` with ``rho(w) = 16 w_1 w_2``,

an identity that follows from the Funk-Hecke formula (the degree-2 Legendre coefficient of the ReLU
on ``[-1, 1]`` is ``1/16``). Everything about the population risk
``R(v, W) = E_x (sum_i v_i relu(<w_i, x>) - f*(x))^2`` is then exact: the Gram matrix is the
arc-cosine kernel (:func:`relu_gaussian_kernel`), the cross term is ``E relu(<w, x>) f*(x) = 3 w_1 w_2 / (16 |w|)``
and ``E f*(x)^2 = 1/5``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from ._validation import as_matrix, as_vector, check_positive_int, rng_from, check_real

__all__ = [
    "sphere_filters",
    "relu_gaussian_kernel",
    "harmonic_target",
    "harmonic_density",
    "random_features_risk",
    "best_output_layer",
    "TARGET_SECOND_MOMENT",
    "MONTE_CARLO_CONSTANT",
    "train_relu_students",
]

#: ``E f*(x)^2`` for ``x ~ N(0, I_3)``: ``E|x|^2 * E[x_1^2 x_2^2 / |x|^4] = 3 / 15``.
TARGET_SECOND_MOMENT = 1.0 / 5.0

#: ``E_x Var_w [rho(w) relu(<w, x>)] = E_w[rho^2] / 2 - E f*^2 = 128/15 - 1/5``: the expected risk of the
#: Monte Carlo output layer ``v_i = rho(w_i) / d1`` is exactly this constant divided by ``d1``.
MONTE_CARLO_CONSTANT = 25.0 / 3.0


def sphere_filters(d1: int, d0: int, seed=None) -> np.ndarray:
    """``d1`` filters drawn independently and uniformly on the unit sphere of ``R^d0``.

    Returns an array of shape ``(d1, d0)``, one filter per row.
    """
    d1, d0 = check_positive_int(d1, "d1"), check_positive_int(d0, "d0")
    W = rng_from(seed).standard_normal((d1, d0))
    return W / np.linalg.norm(W, axis=1, keepdims=True)


def relu_gaussian_kernel(W, V) -> np.ndarray:
    """``E_x relu(<w_i, x>) relu(<z_k, x>)`` for ``x ~ N(0, I_d0)``: the arc-cosine kernel of degree 1.

    Equals ``|w| |z| (sin t + (pi - t) cos t) / (2 pi)`` with ``t`` the angle between ``w`` and
    ``z`` (Cho and Saul, 2009). Exact up to rounding.

    Parameters
    ----------
    W : array of shape ``(d1, d0)``
        Nonzero filters, one per row.
    V : array of shape ``(r, d0)``
        Nonzero filters, one per row.

    Returns
    -------
    ndarray of shape ``(d1, r)``
    """
    W = as_matrix(W, "W")
    V = as_matrix(V, "V", cols=W.shape[1])
    nw, nv = np.linalg.norm(W, axis=1), np.linalg.norm(V, axis=1)
    if np.any(nw == 0) or np.any(nv == 0):
        raise ValueError("filters must be nonzero")
    cos = np.clip((W @ V.T) / np.outer(nw, nv), -1.0, 1.0)
    t = np.arccos(cos)
    return (
        np.outer(nw, nv) * (np.sqrt(1.0 - cos**2) + (np.pi - t) * cos) / (2.0 * np.pi)
    )


def harmonic_target(X) -> np.ndarray:
    """The target ``f*(x) = x_1 x_2 / |x|`` on inputs ``X`` of shape ``(3, n)``; returns shape ``(n,)``."""
    X = as_matrix(X, "X", rows=3)
    norms = np.linalg.norm(X, axis=0)
    if np.any(norms == 0):
        raise ValueError("inputs must be nonzero")
    return X[0] * X[1] / norms


def harmonic_density(W) -> np.ndarray:
    """``rho(w) = 16 w_1 w_2 / |w|^2`` for filters ``W`` of shape ``(d1, 3)``; returns shape ``(d1,)``.

    For ``w`` uniform on the sphere, ``E[rho(w) relu(<w, x>)] = harmonic_target(x)`` for every ``x``;
    ``|rho| <= 8``.
    """
    W = as_matrix(W, "W", cols=3)
    return 16.0 * W[:, 0] * W[:, 1] / np.sum(W**2, axis=1)


def _cross_term(W: np.ndarray) -> np.ndarray:
    return 3.0 * W[:, 0] * W[:, 1] / (16.0 * np.linalg.norm(W, axis=1))


def random_features_risk(v, W) -> float:
    """Population risk ``E_x (sum_i v_i relu(<w_i, x>) - f*(x))^2`` for ``x ~ N(0, I_3)``, exactly.

    Parameters
    ----------
    v : array of shape ``(d1,)``
        Output weights.
    W : array of shape ``(d1, 3)``
        Nonzero filters.

    Returns
    -------
    float
        ``v^T K v - 2 v^T b + 1/5`` with ``K`` from :func:`relu_gaussian_kernel` and
        ``b_i = 3 w_i1 w_i2 / (16 |w_i|)``. The optimum over all functions is ``0`` (the target is
        noiseless), so this is also the excess risk.
    """
    W = as_matrix(W, "W", cols=3)
    v = as_vector(v, "v", length=W.shape[0])
    K = relu_gaussian_kernel(W, W)
    return float(v @ K @ v - 2.0 * v @ _cross_term(W) + TARGET_SECOND_MOMENT)


def best_output_layer(W, ridge: float = 1e-12) -> tuple[np.ndarray, float]:
    """The output layer minimising :func:`random_features_risk` for fixed filters, and its risk.

    Solves the normal equations ``K v = b`` (``K`` the Gram matrix of :func:`relu_gaussian_kernel`,
    ``b_i = E relu(<w_i, x>) f*(x)``) by a Cholesky factorisation of ``K + ridge * max(diag K) * I``.
    The small ridge keeps the factorisation stable when ``K`` is ill-conditioned; the risk returned is
    the exact risk of the returned ``v``, so it is an upper bound on the optimum over ``v`` that
    exceeds it by at most about ``ridge * max(diag K) * |v|^2``.

    Parameters
    ----------
    W : array of shape ``(d1, 3)``
        Nonzero filters.
    ridge : float
        Relative size of the ridge added to the diagonal of ``K``.

    Returns
    -------
    v : ndarray of shape ``(d1,)``
    risk : float
        ``random_features_risk(v, W)``.
    """
    W = as_matrix(W, "W", cols=3)
    ridge = check_real(ridge, "ridge", low=0)
    K, b = relu_gaussian_kernel(W, W), _cross_term(W)
    shift = ridge * np.max(np.diag(K))
    v = scipy.linalg.cho_solve(scipy.linalg.cho_factor(K + shift * np.eye(len(b))), b)
    return v, float(v @ K @ v - 2.0 * v @ b + TARGET_SECOND_MOMENT)


def train_relu_students(
    X, y, d1: int, n_runs: int, steps: int, lr: float, seed=None
) -> dict[str, np.ndarray]:
    """Full-batch gradient descent on ``n_runs`` independent students ``sum_i v_i relu(<w_i, x>)``.

    The loss of each student is ``1/2 mean_j (Phi(x_j) - y_j)^2``; both layers are trained. Students
    start from ``w_i ~ N(0, I_d0 / d0)`` and ``v_i ~ N(0, 1/d1)`` and take exactly ``steps`` steps of size
    ``lr`` (all runs are vectorised over a leading axis; the gradients are written out by hand, with
    the derivative of the ReLU at 0 taken as 0).

    Parameters
    ----------
    X : array of shape ``(d0, n)``
        Inputs.
    y : array of shape ``(n,)``
        Labels.
    d1 : int
        Width of the students.
    n_runs : int
        Number of independent initialisations.
    steps : int
        Number of gradient steps (the stopping rule: a fixed budget).
    lr : float
        Step size.
    seed : int, numpy Generator or None
        Randomness of the initialisations.

    Returns
    -------
    dict of ndarray
        ``"loss"`` (shape ``(n_runs,)``, final losses), ``"grad_norm"`` (final gradient norms),
        ``"v"`` (shape ``(n_runs, d1)``) and ``"W"`` (shape ``(n_runs, d1, d0)``).
    """
    X = as_matrix(X, "X")
    d0, n = X.shape
    y = as_vector(y, "y", length=n)
    d1, n_runs = check_positive_int(d1, "d1"), check_positive_int(n_runs, "n_runs")
    steps = check_positive_int(steps, "steps")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    rng = rng_from(seed)
    W = rng.standard_normal((n_runs, d1, d0)) / np.sqrt(d0)
    v = rng.standard_normal((n_runs, d1)) / np.sqrt(d1)
    for step in range(steps + 1):
        Z = W @ X
        A = np.maximum(Z, 0.0)
        residual = (np.einsum("si,sij->sj", v, A) - y) / n
        grad_v = np.einsum("sij,sj->si", A, residual)
        grad_W = np.einsum(
            "sij,kj->sik", (Z > 0) * v[:, :, None] * residual[:, None, :], X
        )
        if step < steps:
            v = v - lr * grad_v
            W = W - lr * grad_W
    loss = 0.5 * n * np.sum(residual**2, axis=1)
    grad_norm = np.sqrt(np.sum(grad_v**2, axis=1) + np.sum(grad_W**2, axis=(1, 2)))
    return {"loss": loss, "grad_norm": grad_norm, "v": v, "W": W}
