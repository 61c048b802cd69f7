"""The set of global minima ``M = {theta : F(theta, X) = y}`` as a manifold: projecting onto it,
its tangent spaces, and walks along it.

A *model* here is, as in :func:`lecture_utils.jacobians.parameter_jacobian`, a pure function of a parameter
dictionary that returns the prediction vector ``F(theta, X)`` of shape ``(n,)`` on a fixed data set
(for example ``lambda p: lu.mlp(p, X, "softplus")``). Parameters are flattened into one vector
``theta`` of length ``P`` in the dictionary's order, each tensor row-major (:func:`flatten_params`),
which is also the column order of :func:`lecture_utils.jacobians.parameter_jacobian`.

Where ``0`` is a regular value of ``theta -> F(theta, X) - y`` (the Jacobian ``J`` has rank ``n`` at
every zero-loss point), ``M`` is a smooth manifold of dimension ``P - n`` and its tangent space at
``theta`` is the null space of ``J(theta)`` (Cooper, Theorem 2.1). The functions below are numerical:
they work in float64 and every tolerance is an explicit argument.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._validation import as_matrix, as_vector, check_positive_int, rng_from, check_real
from .jacobians import jacobian_rank, parameter_jacobian

__all__ = [
    "flatten_params",
    "unflatten_params",
    "gauss_newton_to_manifold",
    "tangent_space",
    "walk_on_manifold",
    "plot_manifold_walk",
]

Model = Callable[[dict[str, torch.Tensor]], torch.Tensor]


def flatten_params(params: dict[str, torch.Tensor]) -> np.ndarray:
    """All entries of a parameter dictionary as one float64 vector, in dictionary order, row-major.

    Parameters
    ----------
    params : dict of str to tensor
        The parameters, for example from :func:`lecture_utils.networks.init_mlp`.

    Returns
    -------
    ndarray of shape ``(P,)``
        ``P`` is the total number of entries; the order matches the columns of
        :func:`lecture_utils.jacobians.parameter_jacobian`.
    """
    if not isinstance(params, dict) or not params:
        raise ValueError("params must be a non-empty dictionary of tensors")
    return np.concatenate(
        [
            np.asarray(
                p.detach().cpu().numpy() if hasattr(p, "detach") else p,
                dtype=np.float64,
            ).ravel()
            for p in params.values()
        ]
    )


def unflatten_params(theta, like: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The inverse of :func:`flatten_params`: a dictionary shaped like ``like`` holding ``theta``.

    Parameters
    ----------
    theta : array of shape ``(P,)``
        Flat parameter vector.
    like : dict of str to tensor
        A dictionary with the wanted names and shapes (its values are not used).

    Returns
    -------
    dict of str to float64 tensor
        New tensors with the shapes of ``like``.
    """
    n_params = sum(int(np.prod(tuple(p.shape))) for p in like.values())
    theta = as_vector(theta, "theta", length=n_params)
    out, start = {}, 0
    for name, p in like.items():
        size = int(np.prod(tuple(p.shape)))
        out[name] = torch.from_numpy(
            theta[start : start + size].reshape(tuple(p.shape)).copy()
        )
        start += size
    return out


def _residual(
    model: Model, params: dict[str, torch.Tensor], y: np.ndarray
) -> np.ndarray:
    out = model(params)
    if tuple(out.shape) != y.shape:
        raise ValueError(
            f"model must return predictions of shape {y.shape} (one per label), "
            f"got {tuple(out.shape)}"
        )
    return out.detach().cpu().numpy().astype(np.float64) - y


def _check_common(model, params, y) -> np.ndarray:
    if not callable(model):
        raise ValueError(
            "model must be a callable mapping a parameter dictionary to predictions"
        )
    if not isinstance(params, dict) or not params:
        raise ValueError("params must be a non-empty dictionary of tensors")
    return as_vector(y, "y")


def gauss_newton_to_manifold(
    model: Model,
    params: dict[str, torch.Tensor],
    y,
    tol: float = 1e-12,
    max_steps: int = 50,
    damping_levels: int = 30,
) -> tuple[dict[str, torch.Tensor], dict]:
    """Move ``params`` onto ``M = {theta : F(theta) = y}`` by least-norm Gauss-Newton steps.

    Each step solves the linearised equation ``F(theta) + J delta = y`` for the
    minimum-norm ``delta``, i.e. ``theta <- theta - J^+ r`` with the residual ``r = F(theta) - y``
    and ``J^+`` the pseudo-inverse (computed from the singular value decomposition of ``J``, with
    singular values below ``max(J.shape) * eps * s_max`` treated as zero). Where ``J`` has rank ``n``
    the step lies in the row space of ``J``, orthogonal to the null space, so near ``M`` it is close
    to the orthogonal projection onto ``M``, and convergence is quadratic.

    If the full step does not decrease the residual norm (far from ``M``, or where ``J`` is badly
    conditioned), Levenberg-Marquardt damping is used instead:
    ``delta = J^T (J J^T + mu I)^{-1} r`` with ``mu = s_max^2 * 4^(k - damping_levels)`` for
    ``k = 0, 1, ..., damping_levels - 1``, taking the first ``mu`` that decreases ``||r||``
    (``s_max`` is the largest singular value of ``J``). If none does, the method stops.

    Parameters
    ----------
    model : callable
        Pure function of a parameter dictionary returning the predictions ``F(theta, X)``, shape
        ``(n,)``. Use float64 parameters.
    params : dict of str to tensor
        Starting point (not modified).
    y : array of shape ``(n,)``
        Labels.
    tol : float
        Stopping rule: stop as soon as the residual norm ``||F(theta) - y||`` is at most ``tol``
        (so the loss ``1/2 ||r||^2`` is at most ``tol**2 / 2``). The default ``1e-12`` is a few
        hundred times float64 rounding for labels of order one.
    max_steps : int
        Budget of Gauss-Newton steps.
    damping_levels : int
        Number of Levenberg-Marquardt damping values tried when the undamped step fails.

    Returns
    -------
    params : dict of str to tensor
        The last iterate (float64 tensors shaped like the input).
    info : dict
        ``"converged"`` (bool: the residual norm is at most ``tol``), ``"steps"`` (number of
        Gauss-Newton steps taken), ``"residual_norms"`` (ndarray: the residual norm at the start and
        after each step), ``"loss"`` (``1/2 ||r||^2`` at the returned point).
    """
    y = _check_common(model, params, y)
    tol = check_real(tol, "tol", low=0, low_open=True)
    max_steps = check_positive_int(max_steps, "max_steps")
    if (
        isinstance(damping_levels, bool)
        or not isinstance(damping_levels, (int, np.integer))
        or damping_levels < 0
    ):
        raise ValueError(
            f"damping_levels must be a non-negative integer, got {damping_levels!r}"
        )
    theta = flatten_params(params)
    current = unflatten_params(theta, params)
    r = _residual(model, current, y)
    norms = [float(np.linalg.norm(r))]
    steps = 0
    while norms[-1] > tol and steps < max_steps:
        J = parameter_jacobian(model, current)
        U, s, Vt = np.linalg.svd(J, full_matrices=False)
        coeffs = U.T @ r
        accepted = False
        for damping in [0.0] + [
            s[0] ** 2 * 4.0 ** (k - damping_levels) for k in range(damping_levels)
        ]:
            # minimum-norm solution of (J J^T + damping I) z = r, step J^T z; damping 0 gives J^+ r
            keep = (
                s > s[0] * max(J.shape) * np.finfo(np.float64).eps
                if damping == 0
                else s > 0
            )
            delta = Vt[keep].T @ (s[keep] * coeffs[keep] / (s[keep] ** 2 + damping))
            trial = unflatten_params(theta - delta, params)
            r_trial = _residual(model, trial, y)
            if np.linalg.norm(r_trial) < norms[-1]:
                accepted = True
                break
        if not accepted:
            break
        theta, current, r = theta - delta, trial, r_trial
        norms.append(float(np.linalg.norm(r)))
        steps += 1
    info = {
        "converged": norms[-1] <= tol,
        "steps": steps,
        "residual_norms": np.array(norms),
        "loss": 0.5 * norms[-1] ** 2,
    }
    return current, info


def tangent_space(J, rtol: float | None = None) -> np.ndarray:
    """Orthonormal basis of the null space of a Jacobian: the tangent space of ``M`` at a regular point.

    Parameters
    ----------
    J : array of shape ``(n, P)``
        Jacobian of the predictions with respect to the flattened parameters.
    rtol : float, optional
        Relative tolerance deciding the rank, as in :func:`lecture_utils.jacobians.jacobian_rank`: singular
        values at most ``rtol * s_max`` count as zero. Default ``max(J.shape) * eps(float64)``.

    Returns
    -------
    ndarray of shape ``(P, P - rank J)``
        Columns form an orthonormal basis (from the singular value decomposition) of
        ``{v : J v = 0}`` up to the tolerance. At a point of ``M`` where ``0`` is a regular value
        this is the tangent space ``T_theta M``, of dimension ``P - n``.
    """
    J = as_matrix(J, "J")
    if rtol is not None:
        rtol = check_real(rtol, "rtol", low=0)
    rank = jacobian_rank(J, rtol=rtol)
    _, _, Vt = np.linalg.svd(J, full_matrices=True)
    return Vt[rank:].T.copy()


def walk_on_manifold(
    model: Model,
    params: dict[str, torch.Tensor],
    y,
    n_steps: int,
    step_size: float,
    seed=None,
    direction=None,
    tol: float = 1e-12,
    max_gn_steps: int = 50,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Walk along ``M = {theta : F(theta) = y}``: tangent step, then Gauss-Newton back onto ``M``.

    A predictor-corrector walk. At the current point ``theta_k`` on ``M``, the carried direction
    ``u`` is projected onto the tangent space (null space of ``J(theta_k)``, :func:`tangent_space`)
    and normalised to ``t_k``; the predictor ``theta_k + step_size * t_k`` leaves ``M`` only to
    second order, and :func:`gauss_newton_to_manifold` brings it back. Carrying the direction from
    step to step makes the walk follow a smooth curve on ``M`` instead of a random walk.

    Parameters
    ----------
    model : callable
        Pure function of a parameter dictionary returning the predictions, shape ``(n,)``.
    params : dict of str to tensor
        Starting point; it is first projected onto ``M`` (which changes nothing if it is on ``M``).
    y : array of shape ``(n,)``
        Labels.
    n_steps : int
        Number of steps.
    step_size : float
        Length of each tangent step (in the Euclidean norm of the flattened parameters).
    seed : int, numpy Generator or None
        Draws the initial direction (standard Gaussian) when ``direction`` is not given.
    direction : array of shape ``(P,)``, optional
        Initial direction (projected onto the tangent space before the first step).
    tol : float
        Residual-norm tolerance of every projection (see :func:`gauss_newton_to_manifold`).
    max_gn_steps : int
        Budget of Gauss-Newton steps of every projection.

    Returns
    -------
    path : ndarray of shape ``(n_steps + 1, P)``
        The flattened points ``theta_0, ..., theta_{n_steps}``, all on ``M`` up to ``tol``.
    history : dict of ndarray
        ``"loss"`` (length ``n_steps + 1``: the loss at each point of the path),
        ``"predictor_loss"`` (length ``n_steps``: the loss at each tangent step before the
        correction), ``"arc_length"`` (length ``n_steps + 1``: cumulative length of the polygon
        through the path), ``"distance"`` (length ``n_steps + 1``: Euclidean distance from
        ``theta_0``), ``"tangent_dim"`` (length ``n_steps + 1``: ``P - rank J`` at each point),
        ``"gn_steps"`` (length ``n_steps``: Gauss-Newton steps of each correction).

    Raises
    ------
    RuntimeError
        If a projection does not reach ``tol`` (for example near a point where ``J`` loses rank).
    """
    y = _check_common(model, params, y)
    n_steps = check_positive_int(n_steps, "n_steps")
    step_size = check_real(step_size, "step_size", low=0, low_open=True)
    n_params = flatten_params(params).size
    u = (
        rng_from(seed).standard_normal(n_params)
        if direction is None
        else as_vector(direction, "direction", length=n_params)
    )
    if not np.any(u):
        raise ValueError("direction must be a nonzero vector")

    def project(start):
        point, info = gauss_newton_to_manifold(
            model, start, y, tol=tol, max_steps=max_gn_steps
        )
        if not info["converged"]:
            raise RuntimeError(
                f"projection onto M failed: residual norm {info['residual_norms'][-1]:.3g} > tol"
            )
        return point, info

    current, _ = project(params)
    path = [flatten_params(current)]
    losses = [0.5 * float(np.sum(_residual(model, current, y) ** 2))]
    predictor_losses, tangent_dims, gn_steps = [], [], []
    for _ in range(n_steps):
        J = parameter_jacobian(model, current)
        T = tangent_space(J)
        tangent_dims.append(T.shape[1])
        t = T @ (T.T @ u)
        if np.linalg.norm(t) < 1e-8 * np.linalg.norm(u):
            raise RuntimeError(
                "the carried direction is normal to M; choose another direction"
            )
        u = t / np.linalg.norm(t)
        predictor = unflatten_params(path[-1] + step_size * u, params)
        predictor_losses.append(
            0.5 * float(np.sum(_residual(model, predictor, y) ** 2))
        )
        current, info = project(predictor)
        gn_steps.append(info["steps"])
        path.append(flatten_params(current))
        losses.append(info["loss"])
    J = parameter_jacobian(model, current)
    tangent_dims.append(J.shape[1] - jacobian_rank(J))
    path = np.array(path)
    history = {
        "loss": np.array(losses),
        "predictor_loss": np.array(predictor_losses),
        "arc_length": np.concatenate(
            [[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))]
        ),
        "distance": np.linalg.norm(path - path[0], axis=1),
        "tangent_dim": np.array(tangent_dims),
        "gn_steps": np.array(gn_steps),
    }
    return path, history


def plot_manifold_walk(
    history: dict,
    outputs_data,
    outputs_test,
    level: float = 1e-20,
    floor: float = 1e-10,
):
    """Draw a walk of :func:`walk_on_manifold`: its loss, its distance, and the outputs it changes.

    Three panels against the arc length ``s_k`` of the walk. Top: the loss after each tangent
    step and after each projection, the latter drawn as ``max(L, level)`` on a logarithmic scale
    with ``level`` dotted. Middle: the distance ``||theta_k - theta_0||`` and, dotted, the arc
    length itself. Bottom: the change ``F(theta_k; x) - F(theta_0; x)`` of the outputs on the data
    (gray, changes below ``floor`` drawn at 0) and at the test inputs (coloured).

    Parameters
    ----------
    history : dict
        The second value returned by :func:`walk_on_manifold` for ``K`` steps: ``"arc_length"``,
        ``"loss"`` and ``"distance"`` of length ``K + 1``, ``"predictor_loss"`` of length ``K``.
    outputs_data : array of shape ``(K + 1, n)``
        The outputs ``F(theta_k, X)`` on the data along the walk.
    outputs_test : array of shape ``(K + 1, m)``
        The outputs at ``m <= 5`` test inputs along the walk.
    level : float, optional
        The interpolation level, a power of ten: losses below it are drawn at it.
    floor : float, optional
        Changes of the outputs on the data below ``floor`` (rounding noise) are drawn at 0.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure of 6.4 x 8.4 inches.
    """
    import matplotlib.pyplot as plt

    from .plotting import PALETTE

    if not isinstance(history, dict):
        raise TypeError("history must be the dictionary returned by walk_on_manifold")
    missing = {"arc_length", "loss", "distance", "predictor_loss"} - set(history)
    if missing:
        raise ValueError(f"history lacks {sorted(missing)}")
    s = as_vector(history["arc_length"], "history['arc_length']")
    loss = as_vector(history["loss"], "history['loss']", length=s.size)
    distance = as_vector(history["distance"], "history['distance']", length=s.size)
    predictor = as_vector(
        history["predictor_loss"], "history['predictor_loss']", length=s.size - 1
    )
    outputs_data = as_matrix(outputs_data, "outputs_data", rows=s.size)
    outputs_test = as_matrix(outputs_test, "outputs_test", rows=s.size)
    if outputs_test.shape[1] > len(PALETTE) - 3:
        raise ValueError(f"at most {len(PALETTE) - 3} test inputs")
    level = check_real(level, "level", low=0, low_open=True)
    exponent = round(np.log10(level))
    if not np.isclose(level, 10.0**exponent, rtol=1e-12, atol=0):
        raise ValueError(f"level must be a power of ten, got {level!r}")
    floor = check_real(floor, "floor", low=0)
    power = f"10^{{{exponent}}}"
    fig, (ax_loss, ax_dist, ax_out) = plt.subplots(
        3, 1, figsize=(6.4, 8.4), layout="constrained"
    )
    ax_loss.semilogy(s[1:], predictor, label="after the tangent step")
    ax_loss.semilogy(
        s, np.maximum(loss, level), label=rf"after projection, $\max(L, {power})$"
    )
    ax_loss.axhline(
        level, color="gray", ls=":", lw=1, label=f"interpolation level ${power}$"
    )
    ax_loss.set(
        xlabel="arc length", ylabel=r"loss $L(\theta)$", title="Loss along the walk"
    )
    ax_loss.legend(fontsize=8)
    ax_dist.plot(s, distance, color=PALETTE[2])
    ax_dist.plot(s, s, ":", color="gray", label="arc length")
    ax_dist.set(
        xlabel="arc length",
        ylabel=r"$\|\theta_k - \theta_0\|$",
        title="Distance from the start",
    )
    ax_dist.legend(fontsize=8)
    data_change = outputs_data - outputs_data[0]
    ax_out.plot(
        s, np.where(np.abs(data_change) < floor, 0.0, data_change), color="gray", lw=1
    )
    for j in range(outputs_test.shape[1]):
        ax_out.plot(
            s,
            outputs_test[:, j] - outputs_test[0, j],
            color=PALETTE[j + 3],
            label=f"test input {j + 1}",
        )
    ax_out.set(
        xlabel="arc length",
        ylabel=r"$F(\theta_k; x) - F(\theta_0; x)$",
        title="Change of the outputs",
    )
    ax_out.legend(fontsize=8)
    return fig
