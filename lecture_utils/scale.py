"""The theorems at a realistic scale (Chapter 15): digits, and networks of 10^4 - 10^5 parameters.

The data are scikit-learn's handwritten digits (1797 images of 8 x 8 pixels, shipped with the
package, so ``d0 = 64``), each image centred (the mean image of the 1797 subtracted) and scaled to unit
Euclidean norm, with the labels ``y = +1`` for
the digits 5-9 and ``y = -1`` for 0-4. The network is the two-layer ReLU network of the book in the
*NTK parameterisation* of Jacot, Gabriel and Hongler (2018),

``F(theta; x) = d1^{-1/2} sum_i v_i max(0, <w_i, x> + b_i)``,  ``theta = (W, b, v)``,

with every parameter drawn from ``N(0, 1)``, so that ``P = d1 (d0 + 2)`` parameters are all trained and
the Gram matrix ``J J^T`` has a limit as ``d1`` grows. The loss is the book's
``L(theta) = 1/2 ||F(theta, X) - y||^2``, so ``grad L = J^T r`` and, at a zero-loss point, the Hessian
is the Gauss-Newton matrix ``J^T J`` (Cooper's loss has no factor 1/2 and a Hessian ``2 J^T J``).

Parameters are dictionaries ``{"W": (d1, d0), "b": (d1,), "v": (d1,)}`` of float64 tensors; flat
vectors list ``W`` (row-major), then ``b``, then ``v``, as :func:`lecture_utils.manifold.flatten_params`.

What is exact and what is approximate: :func:`network_jacobian` and :func:`ntk_gram` are closed forms
(the derivative of ReLU at 0 is taken to be 0, as by autograd); :func:`per_example_jacobian` is
autograd (``torch.func.vmap`` of ``jacrev``) for any model; :func:`lanczos` is the Lanczos method
with full reorthogonalisation, exact in exact arithmetic once the Krylov space is exhausted and
otherwise an approximation of the extreme eigenvalues; :func:`top_hessian_eigenvalues` is ARPACK
(``scipy.sparse.linalg.eigsh``) on Hessian-vector products, converged to ``tol``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
import torch

from ._validation import as_matrix, as_vector, check_positive_int, rng_from

__all__ = [
    "digits_problem",
    "init_network",
    "network",
    "count_parameters",
    "network_jacobian",
    "per_example_jacobian",
    "ntk_gram",
    "hessian_operator",
    "network_hessian_operator",
    "lanczos",
    "count_positive_eigenvalues",
    "top_hessian_eigenvalues",
    "loss_gradient",
    "train",
    "gauss_newton_polish",
    "region_report",
    "null_space_walk",
    "hessian_count_hypotheses",
    "scale_run",
    "scale_fraction",
    "SCALE_QUANTITIES",
    "below",
]

#: Input dimension of the digits (8 x 8 pixels).
D0 = 64


def below(value: float, level: float) -> str:
    """A rounding-level quantity as a class: ``"below 1e-10"`` if ``|value| < level``, else its value.

    For printing residuals and eigenvalues that are zero up to rounding, whose digits differ from one
    CPU to another, while the class does not.
    """
    if not level > 0:
        raise ValueError(f"level must be positive, got {level!r}")
    if abs(value) < level:
        return f"below {level:.0e}"
    return f"{value:.1e} (not below {level:.0e})"


def _tensor(a) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        return a.detach().to(torch.float64)
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


@functools.cache
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    images, digits = load_digits(return_X_y=True)
    images.setflags(write=False)
    digits.setflags(write=False)
    return images, digits


def digits_problem(n: int, n_test: int = 500, seed=0) -> dict[str, np.ndarray]:
    """A random training set of ``n`` digits and a disjoint test set of ``n_test`` digits.

    Parameters
    ----------
    n, n_test : int
        Sizes of the training and test sets (``n + n_test <= 1797``).
    seed : int or numpy Generator
        Draws the subsets.

    Returns
    -------
    dict
        ``"X"`` of shape ``(64, n)`` and ``"X_test"`` of shape ``(64, n_test)``, one centred,
        unit-norm image per column; ``"y"`` of shape ``(n,)`` and ``"y_test"`` of shape ``(n_test,)`` with entries
        ``+1`` (digits 5-9) and ``-1`` (digits 0-4); ``"digit"`` and ``"digit_test"``, the digits.
    """
    n = check_positive_int(n, "n")
    n_test = check_positive_int(n_test, "n_test")
    images, digits = _load_digits()
    if n + n_test > len(digits):
        raise ValueError(
            f"n + n_test must be at most {len(digits)} (the number of digits), got {n + n_test}"
        )
    order = rng_from(seed).permutation(len(digits))
    X_all = images.T.astype(np.float64)
    X_all = X_all - X_all.mean(axis=1, keepdims=True)
    X_all = X_all / np.linalg.norm(X_all, axis=0)
    train_idx, test_idx = order[:n], order[n : n + n_test]
    labels = np.where(digits >= 5, 1.0, -1.0)
    return {
        "X": X_all[:, train_idx],
        "y": labels[train_idx],
        "digit": digits[train_idx],
        "X_test": X_all[:, test_idx],
        "y_test": labels[test_idx],
        "digit_test": digits[test_idx],
    }


def init_network(d0: int, d1: int, seed=0) -> dict[str, torch.Tensor]:
    """Standard normal ``W`` of shape ``(d1, d0)``, ``b`` and ``v`` of shape ``(d1,)`` (float64)."""
    d0 = check_positive_int(d0, "d0")
    d1 = check_positive_int(d1, "d1")
    rng = rng_from(seed)
    return {
        "W": torch.from_numpy(rng.standard_normal((d1, d0))),
        "b": torch.from_numpy(rng.standard_normal(d1)),
        "v": torch.from_numpy(rng.standard_normal(d1)),
    }


def network(params: dict[str, torch.Tensor], X: torch.Tensor) -> torch.Tensor:
    """``F(theta, X) = d1^{-1/2} v^T relu(W X + b)``: predictions of shape ``(n,)`` for ``X`` of shape ``(d0, n)``."""
    W, b, v = params["W"], params["b"], params["v"]
    return v @ torch.relu(W @ X + b[:, None]) / math.sqrt(W.shape[0])


def count_parameters(d0: int, d1: int) -> int:
    """``P = d1 (d0 + 2)``: the entries of ``W``, ``b`` and ``v``."""
    return check_positive_int(d1, "d1") * (check_positive_int(d0, "d0") + 2)


def _check_params(params, X=None):
    if not isinstance(params, dict) or set(params) != {"W", "b", "v"}:
        raise ValueError("params must be a dictionary with the keys 'W', 'b' and 'v'")
    W = as_matrix(params["W"], "W")
    d1, d0 = W.shape
    b = as_vector(params["b"], "b", length=d1)
    v = as_vector(params["v"], "v", length=d1)
    if X is None:
        return W, b, v
    return W, b, v, as_matrix(X, "X", rows=d0)


def network_jacobian(params: dict[str, torch.Tensor], X) -> np.ndarray:
    """The Jacobian ``J`` of ``F(theta, X)`` with respect to ``theta = (W, b, v)``, in closed form.

    Row ``j`` is ``d1^{-1/2} (kron(v * a_j, x_j), v * a_j, relu(W x_j + b))`` with ``a_j`` the 0/1
    activation pattern of the data point ``x_j``.

    Returns
    -------
    ndarray of shape ``(n, d1 (d0 + 2))``
    """
    W, b, v, X = _check_params(params, X)
    d1 = W.shape[0]
    pre = W @ X + b[:, None]
    A = (pre > 0).astype(np.float64)
    D = v[:, None] * A  # (d1, n)
    J_W = (D.T[:, :, None] * X.T[:, None, :]).reshape(X.shape[1], -1)
    return np.hstack([J_W, D.T, np.maximum(pre, 0).T]) / math.sqrt(d1)


def per_example_jacobian(
    model: Callable[[dict[str, torch.Tensor], torch.Tensor], torch.Tensor],
    params: dict[str, torch.Tensor],
    X,
) -> np.ndarray:
    """The Jacobian of ``model(params, X)`` by ``torch.func.vmap`` of ``jacrev`` over the data points.

    Parameters
    ----------
    model : callable
        ``model(params, X)`` returns predictions of shape ``(n,)`` for inputs of shape ``(d0, n)``.
    params : dict of str to tensor
        Parameters; the columns of the result follow the dictionary's order, each row-major.
    X : array of shape ``(d0, n)``

    Returns
    -------
    ndarray of shape ``(n, P)``
    """
    if not callable(model):
        raise ValueError("model must be a callable model(params, X)")
    if not isinstance(params, dict) or not params:
        raise ValueError("params must be a non-empty dictionary of tensors")
    X_t = _tensor(as_matrix(X, "X"))
    p = {k: _tensor(t) for k, t in params.items()}

    def single(q, x):
        return model(q, x[:, None])[0]

    rows = torch.func.vmap(torch.func.jacrev(single), in_dims=(None, 1))(p, X_t)
    n = X_t.shape[1]
    return torch.cat([rows[k].reshape(n, -1) for k in p], dim=1).numpy()


def ntk_gram(params: dict[str, torch.Tensor], X, part: str = "all") -> np.ndarray:
    """The Gram matrix ``J J^T`` of :func:`network` by the kernel trick, without forming ``J``.

    ``(J J^T)_{jk} = d1^{-1} sum_i [ v_i^2 a_ij a_ik (<x_j, x_k> + 1) + relu_ij relu_ik ]``.

    Parameters
    ----------
    params : dict
        ``W``, ``b``, ``v`` of :func:`init_network`.
    X : array of shape ``(d0, n)``
    part : {"all", "hidden"}
        ``"hidden"`` keeps only the first term: the Gram matrix of the Jacobian with respect to
        ``(W, b)``, the Khatri-Rao Jacobian of the activation region (Chapter 8).

    Returns
    -------
    ndarray of shape ``(n, n)``, symmetric positive semi-definite
    """
    if part not in ("all", "hidden"):
        raise ValueError(f"part must be 'all' or 'hidden', got {part!r}")
    W, b, v, X = _check_params(params, X)
    pre = W @ X + b[:, None]
    D = v[:, None] * (pre > 0)
    K = (D.T @ D) * (X.T @ X + 1.0)
    if part == "all":
        relu = np.maximum(pre, 0)
        K = K + relu.T @ relu
    return K / W.shape[0]


def _flat(params):
    names = list(params)
    shapes = [tuple(params[k].shape) for k in names]
    sizes = [math.prod(s) for s in shapes]
    theta = torch.cat([_tensor(params[k]).reshape(-1) for k in names])

    def unflat(t):
        pieces = torch.split(t, sizes)
        return {k: x.reshape(s) for k, x, s in zip(names, pieces, shapes)}

    return theta, unflat


def hessian_operator(
    model: Callable[[dict[str, torch.Tensor], torch.Tensor], torch.Tensor],
    params: dict[str, torch.Tensor],
    X,
    y,
) -> scipy.sparse.linalg.LinearOperator:
    """The Hessian of ``L = 1/2 ||model(params, X) - y||^2`` as a SciPy ``LinearOperator``.

    Each product is one Hessian-vector product, forward-over-reverse (``torch.func.jvp`` of
    ``torch.func.grad``), in float64; the ``P x P`` matrix is never formed.

    Returns
    -------
    LinearOperator of shape ``(P, P)``, symmetric
    """
    if not callable(model):
        raise ValueError("model must be a callable model(params, X)")
    X_t = _tensor(as_matrix(X, "X"))
    y_t = _tensor(as_vector(y, "y"))
    theta, unflat = _flat(params)

    def loss(t):
        r = model(unflat(t), X_t) - y_t
        return 0.5 * (r * r).sum()

    gradient = torch.func.grad(loss)

    def matvec(u):
        u_t = torch.as_tensor(np.asarray(u, dtype=np.float64).reshape(-1))
        return torch.func.jvp(gradient, (theta,), (u_t,))[1].numpy()

    P = theta.numel()
    return scipy.sparse.linalg.LinearOperator(
        (P, P), matvec=matvec, rmatvec=matvec, dtype=np.float64
    )


def network_hessian_operator(
    params: dict[str, torch.Tensor], X, y
) -> scipy.sparse.linalg.LinearOperator:
    """The Hessian of ``1/2 ||F - y||^2`` for :func:`network`, as a ``LinearOperator`` in closed form.

    ``H u = J^T (J u) + sum_j r_j Hess F(theta; x_j) u``. Off the kinks of ReLU the only second
    derivatives of ``F`` are the mixed ones, ``d^2 F / (d v_i d (w_i, b_i)) = d1^{-1/2} a_ij (x_j, 1)``,
    so both terms are a few products of ``(d1, n)`` matrices and ``J`` is never formed. The same
    operator as :func:`hessian_operator` (the tests compare them), much faster for small networks.

    Returns
    -------
    LinearOperator of shape ``(P, P)``, symmetric
    """
    W, b, v, X = _check_params(params, X)
    y = as_vector(y, "y", length=X.shape[1])
    d1, d0 = W.shape
    s = 1.0 / math.sqrt(d1)
    pre = W @ X + b[:, None]
    A = (pre > 0).astype(np.float64)
    relu = np.maximum(pre, 0.0)
    r = s * (v @ relu) - y
    D = v[:, None] * A  # (d1, n)

    def matvec(u):
        u = np.asarray(u, dtype=np.float64).reshape(-1)
        U_W = u[: d1 * d0].reshape(d1, d0)
        u_b, u_v = u[d1 * d0 : d1 * (d0 + 1)], u[d1 * (d0 + 1) :]
        moved = U_W @ X + u_b[:, None]  # (d1, n): the change of the pre-activations
        z = s * ((D * moved).sum(axis=0) + u_v @ relu)  # J u, shape (n,)
        G = s * (D * z + A * r * u_v[:, None])  # (d1, n): the (W, b) part of both terms
        out_v = s * (relu @ z + (A * moved) @ r)
        return np.concatenate([(G @ X.T).ravel(), G.sum(axis=1), out_v])

    P = d1 * (d0 + 2)
    return scipy.sparse.linalg.LinearOperator(
        (P, P), matvec=matvec, rmatvec=matvec, dtype=np.float64
    )


def lanczos(
    operator, steps: int, seed=0, stop_tol: float = 0.0, restart: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The Lanczos method with full reorthogonalisation on a symmetric operator.

    Starting from a random unit vector ``q_1``, builds an orthonormal basis of the Krylov space
    ``span{q_1, H q_1, ..., H^{m-1} q_1}`` and the tridiagonal matrix ``T = Q^T H Q``; the
    eigenvalues of ``T`` (Ritz values) approximate the extreme eigenvalues of ``H``.

    What one Krylov space can hold: ``q_1`` has one component in each eigenspace of ``H``, so the
    Krylov space has dimension at most the number of *distinct* eigenvalues of ``H`` (zero
    included), and its Ritz values, once it is exhausted, are those distinct eigenvalues, each
    once. A spectrum ``(5, 5, 5, 3, 2, 1, 0, ..., 0)`` gives five Ritz values ``5, 3, 2, 1, 0``:
    plain Lanczos counts distinct eigenvalues, not eigenvalues.

    With ``restart=True`` the method counts multiplicities too (restarts with deflation): when the
    Krylov space is exhausted (``beta_k <= stop_tol * |T|``), its basis spans an invariant subspace;
    a new random vector, orthogonalised against every basis vector so far, starts a new Krylov
    space in the orthogonal complement (also invariant), and ``T`` becomes block diagonal. Each
    restart finds one more vector of every eigenspace that is not yet spanned. The method stops
    when a fresh vector ``q`` of the complement has ``||H q|| <= stop_tol * |T|``: for a random
    ``q`` that happens (with probability one) only if ``H`` vanishes on the whole complement, so
    the Ritz values are then *all* the nonzero eigenvalues of ``H``, with their multiplicities,
    and zeros. It needs about ``rank + (largest multiplicity) + 1`` products.

    Parameters
    ----------
    operator : LinearOperator or ndarray of shape ``(P, P)``
        Symmetric.
    steps : int
        Maximal dimension ``m`` of the Krylov space (all restarts together).
    seed : int or numpy Generator
        Draws the starting vectors.
    stop_tol : float
        The Krylov space counts as exhausted when ``beta_k <= stop_tol * |T|``; 0 never stops early.
    restart : bool
        Restart with deflation instead of stopping (needs ``stop_tol > 0``).

    Returns
    -------
    ritz : ndarray of shape ``(m,)``
        Eigenvalues of ``T``, in decreasing order.
    beta : ndarray of shape ``(m,)``
        ``beta_k = ||r_k||``, the norm of the new direction after step ``k`` (at an exhausted Krylov
        space it is at rounding level and is not a coupling of ``T``; the last entry tells how far
        the space is from invariant; with ``restart=True`` an entry of 0 after the last step means
        that the complement was found in the null space).
    """
    op = scipy.sparse.linalg.aslinearoperator(operator)
    P = op.shape[0]
    if op.shape != (P, P):
        raise ValueError(f"operator must be square, got shape {op.shape}")
    steps = check_positive_int(steps, "steps")
    if steps > P:
        raise ValueError(f"steps must be at most the dimension {P}, got {steps}")
    if not stop_tol >= 0:
        raise ValueError(f"stop_tol must be non-negative, got {stop_tol!r}")
    if restart and not stop_tol > 0:
        raise ValueError("restart=True needs stop_tol > 0 (when to restart)")
    rng = rng_from(seed)
    Q = np.zeros((steps, P))
    alpha, beta, coupling = [], [], []

    def fresh(k):  # a random unit vector orthogonal to Q[:k]
        q = rng.standard_normal(P)
        for _ in range(2):
            q = q - Q[:k].T @ (Q[:k] @ q)
        return q / np.linalg.norm(q)

    Q[0] = fresh(0)
    scale = 0.0
    block_start = 0
    for k in range(steps):
        w = op.matvec(Q[k]).reshape(-1)
        alpha.append(float(Q[k] @ w))
        for _ in range(2):  # full reorthogonalisation, twice is enough
            w = w - Q[: k + 1].T @ (Q[: k + 1] @ w)
        beta.append(float(np.linalg.norm(w)))
        previous = coupling[-1] if k > block_start else 0.0
        scale = max(scale, abs(alpha[-1]) + beta[-1] + previous)
        exhausted = beta[-1] <= stop_tol * scale or beta[-1] == 0.0
        if exhausted and restart and k == block_start and k > 0:
            # a fresh vector of the complement on which H vanishes: the complement is null
            if abs(alpha[-1]) <= stop_tol * scale:
                beta[-1] = 0.0
                break
        if k + 1 == steps:
            break
        if exhausted:
            if not restart:
                break
            Q[k + 1] = fresh(k + 1)
            coupling.append(0.0)
            block_start = k + 1
        else:
            Q[k + 1] = w / beta[-1]
            coupling.append(beta[-1])
    m = len(alpha)
    ritz = scipy.linalg.eigh_tridiagonal(
        np.array(alpha), np.array(coupling[: m - 1]), eigvals_only=True
    )
    return ritz[::-1], np.array(beta)


def count_positive_eigenvalues(
    operator, steps: int, seed=0, rtol: float = 1e-8, stop_tol: float = 1e-10
) -> dict:
    """The number of positive eigenvalues of a symmetric operator, multiplicities included.

    Runs :func:`lanczos` with restarts and deflation (``restart=True``) and counts the Ritz values
    above ``rtol`` times the largest. The count is *certified* when the last restart found the
    complement of the Krylov spaces in the null space (``||H q|| <= stop_tol |T|`` for a fresh random
    ``q``): then the Ritz values are all the nonzero eigenvalues, each as often as it occurs. An
    uncertified count (``steps`` ran out first) is a lower bound in exact arithmetic.

    Returns
    -------
    dict
        ``"count"`` (int), ``"certified"`` (bool), ``"steps"`` (products used), ``"ritz"`` (ndarray).
    """
    if not rtol > 0:
        raise ValueError(f"rtol must be positive, got {rtol!r}")
    ritz, beta = lanczos(operator, steps, seed=seed, stop_tol=stop_tol, restart=True)
    return {
        "count": int(np.sum(ritz > rtol * ritz[0])) if ritz[0] > 0 else 0,
        "certified": bool(beta[-1] == 0.0),
        "steps": len(ritz),
        "ritz": ritz,
    }


def top_hessian_eigenvalues(operator, k: int, tol: float = 1e-10, seed=0) -> np.ndarray:
    """The ``k`` largest eigenvalues of a symmetric operator by ARPACK (``eigsh``, ``which="LA"``).

    Returns
    -------
    ndarray of shape ``(k,)``, in decreasing order
    """
    op = scipy.sparse.linalg.aslinearoperator(operator)
    k = check_positive_int(k, "k")
    if k >= op.shape[0]:
        raise ValueError(f"k must be smaller than the dimension {op.shape[0]}, got {k}")
    v0 = rng_from(seed).standard_normal(op.shape[0])
    values = scipy.sparse.linalg.eigsh(
        op, k=k, which="LA", tol=tol, v0=v0, return_eigenvectors=False
    )
    return np.sort(values)[::-1]


def _pattern(params, X):
    W, b = params["W"].numpy(), params["b"].numpy()
    return W @ X + b[:, None] > 0


def loss_gradient(params: dict[str, torch.Tensor], X, y) -> tuple[float, dict]:
    """The loss ``1/2 ||F - y||^2`` of :func:`network` and its gradient ``J^T r``, in closed form.

    Returns
    -------
    loss : float
    gradient : dict of ndarray
        ``"W"`` of shape ``(d1, d0)``, ``"b"`` and ``"v"`` of shape ``(d1,)``.
    """
    W, b, v, X = _check_params(params, X)
    y = as_vector(y, "y", length=X.shape[1])
    loss, gradient, _ = _loss_gradient(W, b, v, X, y)
    return loss, gradient


def _loss_gradient(W, b, v, X, y):
    scale = 1.0 / math.sqrt(W.shape[0])
    pre = W @ X + b[:, None]
    relu = np.maximum(pre, 0.0)
    r = scale * (v @ relu) - y
    D = scale * v[:, None] * (pre > 0) * r  # (d1, n): v_i a_ij r_j / sqrt(d1)
    gradient = {"W": D @ X.T, "b": D.sum(axis=1), "v": scale * (relu @ r)}
    return 0.5 * float(r @ r), gradient, pre > 0


def train(
    params: dict[str, torch.Tensor],
    X,
    y,
    lr: float,
    steps: int,
    record_every: int = 10,
) -> tuple[dict[str, torch.Tensor], dict[str, np.ndarray]]:
    """Full-batch gradient descent ``theta <- theta - lr J^T r`` on :func:`network`, in float64.

    Uses the closed-form gradient of :func:`loss_gradient`. Records the loss at every step and,
    every ``record_every`` steps (and at the end), the smallest and largest eigenvalues of the Gram
    matrix ``J J^T`` (:func:`ntk_gram`); counts how many distinct activation regions (patterns ``A``
    of shape ``(d1, n)``) the iterates visit.

    Returns
    -------
    params : dict
        The final parameters.
    history : dict of ndarray
        ``"loss"`` of shape ``(steps + 1,)``; ``"step"``, ``"lambda_min"``, ``"lambda_max"`` at the
        recorded steps; ``"regions"``, the number of distinct patterns visited (an array of one entry).
    """
    W, b, v, X = _check_params(params, X)
    y = as_vector(y, "y", length=X.shape[1])
    steps = check_positive_int(steps, "steps")
    record_every = check_positive_int(record_every, "record_every")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    current = {"W": W.copy(), "b": b.copy(), "v": v.copy()}
    losses, recorded, lam_min, lam_max = [], [], [], []
    seen = set()
    for step in range(steps + 1):
        value, gradient, A = _loss_gradient(
            current["W"], current["b"], current["v"], X, y
        )
        losses.append(value)
        seen.add(np.packbits(A).tobytes())
        if step % record_every == 0 or step == steps:
            eig = np.linalg.eigvalsh(ntk_gram(current, X))
            recorded.append(step)
            lam_min.append(eig[0])
            lam_max.append(eig[-1])
        if step < steps:
            current = {k: current[k] - lr * gradient[k] for k in current}
    history = {
        "loss": np.array(losses),
        "step": np.array(recorded),
        "lambda_min": np.array(lam_min),
        "lambda_max": np.array(lam_max),
        "regions": np.array([len(seen)]),
    }
    return {k: torch.from_numpy(t) for k, t in current.items()}, history


def _pinv_solve(K: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``K^+ r`` for a symmetric positive semi-definite ``K`` (eigenvalues below ``n eps`` times the largest dropped)."""
    eig, U = np.linalg.eigh(K)
    keep = eig > len(eig) * np.finfo(float).eps * eig[-1]
    return U[:, keep] @ ((U[:, keep].T @ r) / eig[keep])


def gauss_newton_polish(
    params: dict[str, torch.Tensor], X, y, max_steps: int = 20, tol: float = 1e-24
) -> tuple[dict[str, torch.Tensor], np.ndarray]:
    """Least-norm Gauss-Newton steps ``theta <- theta - J^+ r`` towards an exact interpolant.

    The step is ``J^+ r = J^T (J J^T)^+ r``; with ``rank J = n`` it is ``J^T (J J^T)^{-1} r``, and
    near a zero-loss point the iteration then converges quadratically, to loss at rounding level. (Where ``J`` has rank below ``n``, for
    example with fewer parameters than data, ``J^+ r`` is the least-squares step and the loss stays
    positive.) It stops when the loss is at most ``tol`` or after ``max_steps`` steps.

    Returns
    -------
    params : dict
        The final parameters.
    losses : ndarray
        The loss before each step and at the end.
    """
    W, b, v, X = _check_params(params, X)
    y = as_vector(y, "y", length=X.shape[1])
    max_steps = check_positive_int(max_steps, "max_steps")
    theta = np.concatenate([W.ravel(), b, v])
    d1, d0 = W.shape

    def unflat(t):
        return {
            "W": torch.from_numpy(t[: d1 * d0].reshape(d1, d0).copy()),
            "b": torch.from_numpy(t[d1 * d0 : d1 * (d0 + 1)].copy()),
            "v": torch.from_numpy(t[d1 * (d0 + 1) :].copy()),
        }

    current = unflat(theta)
    losses = []
    for _ in range(max_steps + 1):
        r = network(current, _tensor(X)).numpy() - y
        losses.append(0.5 * float(r @ r))
        if losses[-1] <= tol or len(losses) == max_steps + 1:
            break
        J = network_jacobian(current, X)
        theta = theta - J.T @ _pinv_solve(J @ J.T, r)
        current = unflat(theta)
    return current, np.array(losses)


def region_report(params: dict[str, torch.Tensor], X, rtol: float = 1e-9) -> dict:
    """The activation region of ``params`` on the data ``X``.

    Returns
    -------
    dict
        ``"distinct_patterns"``: the number of distinct columns of ``A`` (data points that lie in
        different linear pieces of ``x -> F(theta; x)``); ``"dead_units"``: the share of hidden units
        inactive on every data point; ``"region_rank"``: the rank of the region's Khatri-Rao
        Jacobian with respect to ``(W, b)`` (eigenvalues of its Gram matrix above ``rtol`` times the
        largest); ``"full_rank"``: whether that rank is ``n``; ``"condition"``: the ratio of the
        smallest to the largest eigenvalue of that Gram matrix.
    """
    W, b, v, X = _check_params(params, X)
    A = W @ X + b[:, None] > 0
    eig = np.linalg.eigvalsh(ntk_gram(params, X, part="hidden"))
    rank = int(np.sum(eig > rtol * eig[-1]))
    return {
        "distinct_patterns": len({column.tobytes() for column in A.T}),
        "dead_units": float(np.mean(~A.any(axis=1))),
        "region_rank": rank,
        "full_rank": rank == X.shape[1],
        "condition": float(max(eig[0], 0.0) / eig[-1]) if eig[-1] > 0 else 0.0,
    }


def null_space_walk(
    params: dict[str, torch.Tensor],
    X,
    y,
    X_test,
    y_test,
    step: float,
    steps: int,
    direction: str = "random",
    seed=0,
) -> dict[str, np.ndarray]:
    """A walk on the set of interpolants: a step in the null space of ``J``, then back to ``J``'s solutions.

    Each step moves ``theta`` by ``step`` along a unit vector in the null space of ``J(theta)`` (the
    tangent space of the manifold of global minima, Chapter 3) and returns to the interpolation set by
    :func:`gauss_newton_polish`. The vector is the projection onto the null space of a fixed random
    vector (``direction="random"``), or of the gradient of the test loss (``"test_loss_up"``: the
    direction in which the unseen data are fitted worst, to see how much the free directions can
    change).

    Returns
    -------
    dict of ndarray, one entry per iterate (the start included)
        ``"distance"`` (path length), ``"train_loss"``, ``"test_loss"``, ``"test_accuracy"``
        (share of ``sign F(theta; x) = y`` on the test set).
    """
    if direction not in ("random", "test_loss_up"):
        raise ValueError(
            f"direction must be 'random' or 'test_loss_up', got {direction!r}"
        )
    W, b, v, X = _check_params(params, X)
    X_test = as_matrix(X_test, "X_test", rows=X.shape[0])
    y_test = as_vector(y_test, "y_test", length=X_test.shape[1])
    steps = check_positive_int(steps, "steps")
    if not step > 0:
        raise ValueError(f"step must be positive, got {step!r}")
    fixed = rng_from(seed).standard_normal(W.size + b.size + v.size)
    current = {k: _tensor(t) for k, t in params.items()}
    X_t, X_test_t = _tensor(X), _tensor(X_test)
    record = {"distance": [], "train_loss": [], "test_loss": [], "test_accuracy": []}

    def measure(p, distance):
        r = network(p, X_t).numpy() - y
        out = network(p, X_test_t).numpy()
        record["distance"].append(distance)
        record["train_loss"].append(0.5 * float(r @ r))
        record["test_loss"].append(0.5 * float(np.sum((out - y_test) ** 2)))
        record["test_accuracy"].append(float(np.mean(np.sign(out) == y_test)))

    measure(current, 0.0)
    for k in range(steps):
        J = network_jacobian(current, X)
        if direction == "random":
            g = fixed
        else:
            J_test = network_jacobian(current, X_test)
            g = J_test.T @ (network(current, X_test_t).numpy() - y_test)
        u = g - J.T @ scipy.linalg.solve(J @ J.T, J @ g, assume_a="pos")
        u /= np.linalg.norm(u)
        theta = torch.cat([current[k_].reshape(-1) for k_ in ("W", "b", "v")]).numpy()
        theta = theta + step * u
        d1, d0 = W.shape
        moved = {
            "W": torch.from_numpy(theta[: d1 * d0].reshape(d1, d0).copy()),
            "b": torch.from_numpy(theta[d1 * d0 : d1 * (d0 + 1)].copy()),
            "v": torch.from_numpy(theta[d1 * (d0 + 1) :].copy()),
        }
        current, _ = gauss_newton_polish(moved, X, y)
        measure(current, (k + 1) * step)
    return {key: np.array(value) for key, value in record.items()}


def hessian_count_hypotheses(
    params: dict[str, torch.Tensor],
    X,
    y,
    loss_tol: float = 1e-20,
    margin_tol: float = 1e-9,
    rtol: float = 1e-9,
) -> dict:
    """The hypotheses under which the Hessian of ``1/2 ||F - y||^2`` has exactly ``n`` positive eigenvalues.

    At ``theta`` the Hessian is ``J^T J + sum_j r_j Hess F(theta; x_j)``; it is the Gauss-Newton
    matrix ``J^T J``, whose positive eigenvalues are the ``rank J`` nonzero eigenvalues of
    ``J J^T``, when

    1. ``theta`` interpolates exactly (``r = 0``; tested as ``L <= loss_tol``);
    2. ``theta`` lies inside an activation region (every pre-activation ``<w_i, x_j> + b_i`` is
       nonzero; tested as ``margin = min |<w_i, x_j> + b_i| > margin_tol``), so that ``F`` is twice
       differentiable near ``theta`` and the Hessian exists;
    3. ``rank J = n`` (tested on the eigenvalues of ``J J^T``, :func:`ntk_gram`, above ``rtol``
       times the largest): otherwise the count is ``rank J < n``, for example when two data points
       coincide.

    Returns
    -------
    dict
        ``"loss"``, ``"margin"``, ``"rank"`` (of ``J``), and the booleans ``"interpolates"``,
        ``"inside_region"``, ``"full_rank"`` and ``"all"`` (the three together).
    """
    W, b, v, X = _check_params(params, X)
    y = as_vector(y, "y", length=X.shape[1])
    for value, name in (
        (loss_tol, "loss_tol"),
        (margin_tol, "margin_tol"),
        (rtol, "rtol"),
    ):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value!r}")
    pre = W @ X + b[:, None]
    r = (v @ np.maximum(pre, 0.0)) / math.sqrt(W.shape[0]) - y
    loss = 0.5 * float(r @ r)
    eig = np.linalg.eigvalsh(ntk_gram(params, X))
    rank = int(np.sum(eig > rtol * eig[-1])) if eig[-1] > 0 else 0
    margin = float(np.abs(pre).min())
    out = {
        "loss": loss,
        "margin": margin,
        "rank": rank,
        "interpolates": loss <= loss_tol,
        "inside_region": margin > margin_tol,
        "full_rank": rank == X.shape[1],
    }
    out["all"] = out["interpolates"] and out["inside_region"] and out["full_rank"]
    return out


#: The quantities of :func:`scale_fraction` (the panels of ``python -m lecture_utils reproduce scale``),
#: each a yes/no outcome of one run.
SCALE_QUANTITIES = ("interpolates", "hypotheses", "hessian_count", "full_rank_region")


def scale_run(
    d1: int,
    n: int,
    trials: int,
    seed: int,
    steps: int = 2000,
    quantities: tuple[str, ...] = SCALE_QUANTITIES,
) -> dict[str, tuple[float, ...]]:
    """Train ``trials`` networks of width ``d1`` on ``n`` digits and test the end of training.

    Each trial draws a training set (:func:`digits_problem`), a network (:func:`init_network`),
    runs :func:`train` for ``steps`` steps with ``lr = 1 / lambda_max(J J^T)`` at initialisation
    (no step where ``J = 0``, every unit dead on the data), then at most 30 steps of
    :func:`gauss_newton_polish`. At the end it records, as 1.0 (yes) or 0.0 (no):

    * ``"interpolates"``: the loss is at most ``1e-20``;
    * ``"hypotheses"``: the three hypotheses of :func:`hessian_count_hypotheses` hold (exact
      interpolation, inside a region, ``rank J = n``);
    * ``"hessian_count"``: the number of positive Hessian eigenvalues, counted with multiplicity by
      :func:`count_positive_eigenvalues` on :func:`network_hessian_operator` (at most
      ``min(2 n + 20, P)`` steps) and certified, equals ``n``;
    * ``"full_rank_region"``: the final region's Khatri-Rao Jacobian with respect to ``(W, b)``
      has rank ``n`` (:func:`region_report`).

    Only the ``quantities`` asked for are computed (the Lanczos count is the expensive one).

    Returns
    -------
    dict of tuples
        One entry per trial under each name of ``quantities``.
    """
    unknown = set(quantities) - set(SCALE_QUANTITIES)
    if unknown or not quantities:
        raise ValueError(
            f"quantities must be a non-empty subset of {SCALE_QUANTITIES}, got {quantities!r}"
        )
    rng = rng_from(seed)
    out = {key: [] for key in quantities}
    P = count_parameters(D0, d1)
    for _ in range(check_positive_int(trials, "trials")):
        problem = digits_problem(n, n_test=1, seed=rng)
        X, y = problem["X"], problem["y"]
        params = init_network(D0, d1, seed=rng)
        lam_max = np.linalg.eigvalsh(ntk_gram(params, X))[-1]
        if lam_max > 0:  # otherwise every unit is dead on the data: F = 0, gradient 0
            params, _ = train(
                params, X, y, lr=1 / lam_max, steps=steps, record_every=steps
            )
        params, _ = gauss_newton_polish(params, X, y, max_steps=30)
        checks = hessian_count_hypotheses(params, X, y)
        values = {
            "interpolates": checks["interpolates"],
            "hypotheses": checks["all"],
            "full_rank_region": region_report(params, X)["full_rank"],
        }
        if "hessian_count" in quantities:
            H = network_hessian_operator(params, X, y)
            count = count_positive_eigenvalues(H, min(2 * n + 20, P), seed=rng)
            values["hessian_count"] = count["certified"] and count["count"] == n
        for key in quantities:
            out[key].append(float(values[key]))
    return {key: tuple(values) for key, values in out.items()}


def scale_fraction(
    d0: int, d1: int, n: int, trials: int, seed: int, quantity: str, steps: int = 2000
) -> float:
    """One cell of ``reproduce scale``: the share of ``trials`` runs with a yes for one quantity of :func:`scale_run`.

    ``d0`` must be 64 (the digits); ``quantity`` is one of :data:`SCALE_QUANTITIES`. Each panel of
    ``reproduce scale`` draws its own seeds, so the panels are independent samples; the number of
    yes answers is ``round(share * trials)``.
    """
    if d0 != D0:
        raise ValueError(f"the digits have d0 = {D0}, got d0 = {d0!r}")
    if quantity not in SCALE_QUANTITIES:
        raise ValueError(
            f"quantity must be one of {SCALE_QUANTITIES}, got {quantity!r}"
        )
    run = scale_run(
        check_positive_int(d1, "d1"),
        check_positive_int(n, "n"),
        trials,
        seed,
        steps,
        quantities=(quantity,),
    )
    return float(np.mean(run[quantity]))
