"""Random ReLU features, a target with an exact integral representation, and a student-teacher sweep.

Notation of Venturi, Bandeira and Bruna (2019), as in :mod:`lecture_utils.intrinsic_dimension`:
filters ``W`` of shape ``(p, n)`` (one per row), output weights ``u`` of shape ``(p,)``, inputs ``X`` of
shape ``(n, N)``.

The random-features experiment uses Gaussian inputs ``x ~ N(0, I_3)`` and the target

``f*(x) = x_1 x_2 / |x| = E_{w ~ unif(S^2)} [ rho(w) relu(<w, x>) ]`` with ``rho(w) = 16 w_1 w_2``,

an identity that follows from the Funk-Hecke formula (the degree-2 Legendre coefficient of the ReLU
on ``[-1, 1]`` is ``1/16``). Everything about the population risk
``R(u, W) = E_x (sum_i u_i relu(<w_i, x>) - f*(x))^2`` is then exact: the Gram matrix is the
arc-cosine kernel (:func:`relu_gaussian_kernel`), the cross term is ``E relu(<w, x>) f*(x) = 3 w_1 w_2 / (16 |w|)``
and ``E f*(x)^2 = 1/5``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from ._validation import as_matrix, as_vector, check_positive_int, rng_from

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
#: Monte Carlo output layer ``u_i = rho(w_i) / p`` is exactly this constant divided by ``p``.
MONTE_CARLO_CONSTANT = 25.0 / 3.0


def sphere_filters(p: int, n: int, seed=None) -> np.ndarray:
    """``p`` filters drawn independently and uniformly on the unit sphere of ``R^n``; shape ``(p, n)``."""
    p, n = check_positive_int(p, "p"), check_positive_int(n, "n")
    W = rng_from(seed).standard_normal((p, n))
    return W / np.linalg.norm(W, axis=1, keepdims=True)


def relu_gaussian_kernel(W, V) -> np.ndarray:
    """``E_x relu(<w_i, x>) relu(<v_k, x>)`` for ``x ~ N(0, I_n)``: the arc-cosine kernel of degree 1.

    Equals ``|w| |v| (sin t + (pi - t) cos t) / (2 pi)`` with ``t`` the angle between ``w`` and ``v``
    (Cho and Saul, 2009). Exact up to rounding.

    Parameters
    ----------
    W : array of shape ``(p, n)``
        Nonzero filters, one per row.
    V : array of shape ``(r, n)``
        Nonzero filters, one per row.

    Returns
    -------
    ndarray of shape ``(p, r)``
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
    """The target ``f*(x) = x_1 x_2 / |x|`` on inputs ``X`` of shape ``(3, N)``; returns shape ``(N,)``."""
    X = as_matrix(X, "X", rows=3)
    norms = np.linalg.norm(X, axis=0)
    if np.any(norms == 0):
        raise ValueError("inputs must be nonzero")
    return X[0] * X[1] / norms


def harmonic_density(W) -> np.ndarray:
    """``rho(w) = 16 w_1 w_2 / |w|^2`` for filters ``W`` of shape ``(p, 3)``; returns shape ``(p,)``.

    For ``w`` uniform on the sphere, ``E[rho(w) relu(<w, x>)] = harmonic_target(x)`` for every ``x``;
    ``|rho| <= 8``.
    """
    W = as_matrix(W, "W", cols=3)
    return 16.0 * W[:, 0] * W[:, 1] / np.sum(W**2, axis=1)


def _cross_term(W: np.ndarray) -> np.ndarray:
    return 3.0 * W[:, 0] * W[:, 1] / (16.0 * np.linalg.norm(W, axis=1))


def random_features_risk(u, W) -> float:
    """Population risk ``E_x (sum_i u_i relu(<w_i, x>) - f*(x))^2`` for ``x ~ N(0, I_3)``, exactly.

    Parameters
    ----------
    u : array of shape ``(p,)``
        Output weights.
    W : array of shape ``(p, 3)``
        Nonzero filters.

    Returns
    -------
    float
        ``u^T K u - 2 u^T b + 1/5`` with ``K`` from :func:`relu_gaussian_kernel` and
        ``b_i = 3 w_i1 w_i2 / (16 |w_i|)``. The optimum over all functions is ``0`` (the target is
        noiseless), so this is also the excess risk.
    """
    W = as_matrix(W, "W", cols=3)
    u = as_vector(u, "u", length=W.shape[0])
    K = relu_gaussian_kernel(W, W)
    return float(u @ K @ u - 2.0 * u @ _cross_term(W) + TARGET_SECOND_MOMENT)


def best_output_layer(W, ridge: float = 1e-12) -> tuple[np.ndarray, float]:
    """The output layer minimising :func:`random_features_risk` for fixed filters, and its risk.

    Solves the normal equations ``K u = b`` (``K`` the Gram matrix of :func:`relu_gaussian_kernel`,
    ``b_i = E relu(<w_i, x>) f*(x)``) by a Cholesky factorisation of ``K + ridge * max(diag K) * I``.
    The small ridge keeps the factorisation stable when ``K`` is ill-conditioned; the risk returned is
    the exact risk of the returned ``u``, so it is an upper bound on the optimum over ``u`` that
    exceeds it by at most about ``ridge * max(diag K) * |u|^2``.

    Parameters
    ----------
    W : array of shape ``(p, 3)``
        Nonzero filters.
    ridge : float
        Relative size of the ridge added to the diagonal of ``K``.

    Returns
    -------
    u : ndarray of shape ``(p,)``
    risk : float
        ``random_features_risk(u, W)``.
    """
    W = as_matrix(W, "W", cols=3)
    if not (np.isfinite(ridge) and ridge >= 0):
        raise ValueError(f"ridge must be a non-negative number, got {ridge!r}")
    K, b = relu_gaussian_kernel(W, W), _cross_term(W)
    shift = ridge * np.max(np.diag(K))
    u = scipy.linalg.cho_solve(scipy.linalg.cho_factor(K + shift * np.eye(len(b))), b)
    return u, float(u @ K @ u - 2.0 * u @ b + TARGET_SECOND_MOMENT)


def train_relu_students(
    X, y, p: int, n_runs: int, steps: int, lr: float, seed=None
) -> dict[str, np.ndarray]:
    """Full-batch gradient descent on ``n_runs`` independent students ``sum_i u_i relu(<w_i, x>)``.

    The loss of each student is ``1/2 mean_j (Phi(x_j) - y_j)^2``; both layers are trained. Students
    start from ``w_i ~ N(0, I_n / n)`` and ``u_i ~ N(0, 1/p)`` and take exactly ``steps`` steps of size
    ``lr`` (all runs are vectorised over a leading axis; the gradients are written out by hand, with
    the derivative of the ReLU at 0 taken as 0).

    Parameters
    ----------
    X : array of shape ``(n, N)``
        Inputs.
    y : array of shape ``(N,)``
        Labels.
    p : int
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
        ``"u"`` (shape ``(n_runs, p)``) and ``"W"`` (shape ``(n_runs, p, n)``).
    """
    X = as_matrix(X, "X")
    n, N = X.shape
    y = as_vector(y, "y", length=N)
    p, n_runs = check_positive_int(p, "p"), check_positive_int(n_runs, "n_runs")
    steps = check_positive_int(steps, "steps")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    rng = rng_from(seed)
    W = rng.standard_normal((n_runs, p, n)) / np.sqrt(n)
    u = rng.standard_normal((n_runs, p)) / np.sqrt(p)
    for step in range(steps + 1):
        Z = W @ X
        A = np.maximum(Z, 0.0)
        residual = (np.einsum("sp,spj->sj", u, A) - y) / N
        grad_u = np.einsum("spj,sj->sp", A, residual)
        grad_W = np.einsum(
            "spj,kj->spk", (Z > 0) * u[:, :, None] * residual[:, None, :], X
        )
        if step < steps:
            u = u - lr * grad_u
            W = W - lr * grad_W
    loss = 0.5 * N * np.sum(residual**2, axis=1)
    grad_norm = np.sqrt(np.sum(grad_u**2, axis=1) + np.sum(grad_W**2, axis=(1, 2)))
    return {"loss": loss, "grad_norm": grad_norm, "u": u, "W": W}
