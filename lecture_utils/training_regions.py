"""Where gradient descent goes: success rates and the activation regions it ends in.

The network is the two-layer ReLU network of Karhadkar, Murray, Tseran and Montufar with frozen output
weights ``v = (+1, -1, +1, ...)``, ``F(W, b; X) = v^T relu(W X + b 1^T)``, trained in its hidden
weights and biases ``theta = [W | b]`` (``P = d1 (d0 + 1)`` parameters) on the squared loss
``L(theta) = 1/2 ||F - y||^2`` by full-batch gradient descent. This module provides:

* :func:`batched_gradient_descent` - gradient descent on many independent problems at once
  (vectorised over a leading *trial* axis), with a per-trial stopping rule;
* :func:`gradient_descent_trace` - the same steps watched one by one: which steps change the
  activation pattern, and how the loss change compares with what a step inside one region gives;
* :func:`sample_problems` - the random problems of the experiments (inputs uniform on the cube,
  labels i.i.d. uniform on ``[-1, 1]``, a random initialisation);
* :func:`training_regions_cell` and :func:`gd_success_fraction` - module-level cell functions for
  :func:`lecture_utils.sweeps.run_sweep`: the share of trials in which gradient descent succeeds, set
  beside the share of initial regions with a full-rank Jacobian and with a global minimum;
* :func:`final_region_report` - the activation region where training ended: its Jacobian rank,
  whether it contains a global minimum, how far the pattern moved, the dimension of the set of
  solutions in it, and an exact interpolant in it (when the least-squares correction keeps the pattern).

On an activation region the network is *linear* in ``theta`` (``F = J_A theta``), so inside a region
the loss is a convex quadratic whose Hessian is exactly ``J_A^T J_A`` at every point, whatever the value of the loss.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import (
    check_real,
    as_float_array,
    as_matrix,
    as_vector,
    check_positive_int,
    rng_from,
)
from .data import random_labels, uniform_cube_inputs
from .global_minima import region_has_global_minimum
from .jacobians import jacobian_rank, relu_jacobian
from .networks import alternating_signs, init_two_layer
from .regions import activation_pattern

__all__ = [
    "end_of_training",
    "STEP_RULES",
    "batched_gradient_descent",
    "gradient_descent_trace",
    "batched_jacobians",
    "safe_step_sizes",
    "init_step_sizes",
    "sample_problems",
    "training_regions_cell",
    "gd_success_fraction",
    "final_region_report",
    "binomial_interval",
]

STEP_RULES = ("init", "safe")


def safe_step_sizes(X, v) -> np.ndarray:
    """The step size rule of the experiments, one step size per trial.

    ``eta = 1 / (||v||^2 sum_j (||x_j||^2 + 1))``. The denominator bounds the trace of ``J^T J`` for
    *every* activation pattern (each entry of the Jacobian is ``v_i A_ij x_j`` or ``v_i A_ij``), hence its
    largest eigenvalue, so within any region a step never increases the loss.

    Parameters
    ----------
    X : array of shape ``(trials, d0, n)`` or ``(d0, n)``
        Inputs of each trial.
    v : array of shape ``(d1,)``
        Output weights.

    Returns
    -------
    ndarray of shape ``(trials,)`` (or a 0-d array for a single ``X``)
    """
    X = as_float_array(X, "X")
    if X.ndim not in (2, 3):
        raise ValueError(f"X must have shape (d0, n) or (trials, d0, n), got {X.shape}")
    v = as_vector(v, "v")
    return 1.0 / (float(v @ v) * (np.sum(X * X, axis=(-2, -1)) + X.shape[-1]))


def batched_jacobians(W, b, v, X) -> np.ndarray:
    """Jacobians of ``F`` with respect to ``theta = [W | b]`` for a stack of networks and data sets.

    Parameters
    ----------
    W : array of shape ``(trials, d1, d0)``
    b : array of shape ``(trials, d1)``
    v : array of shape ``(d1,)``
    X : array of shape ``(trials, d0, n)``

    Returns
    -------
    ndarray of shape ``(trials, n, d1 (d0 + 1))``
        Entry ``[t]`` is :func:`lecture_utils.relu_jacobian` of trial ``t`` (same column order).
    """
    W, b, v, X, _ = _check_batch(
        W, b, v, X, np.zeros((np.shape(X)[0], np.shape(X)[-1]))
    )
    trials, d1, d0 = W.shape
    A = (W @ X + b[:, :, None]) > 0
    Xt = np.concatenate([X, np.ones((trials, 1, X.shape[2]))], axis=1)
    return np.einsum("i,tij,tkj->tjik", v, A, Xt).reshape(
        trials, X.shape[2], d1 * (d0 + 1)
    )


def init_step_sizes(W, b, v, X) -> np.ndarray:
    """The step size rule ``eta = 1 / lambda_max(J(theta_0)^T J(theta_0))``, one per trial.

    The reciprocal of the curvature of the loss in the initial region (there the Hessian is exactly
    ``J^T J``). Larger than :func:`safe_step_sizes` (typically 2 to 8 times), so fewer steps are needed;
    in a later region of larger curvature a step may overshoot, which the experiments record rather than
    prevent. Shapes as in :func:`batched_jacobians`; returns shape ``(trials,)``.
    """
    s = np.linalg.norm(batched_jacobians(W, b, v, X), ord=2, axis=(1, 2))
    if np.any(s == 0):
        s = np.where(s == 0, np.inf, s)
    return np.where(np.isfinite(s), 1.0 / (s * s), safe_step_sizes(X, v))


def _check_batch(W, b, v, X, y):
    W = as_float_array(W, "W", ndim=3)
    trials, d1, d0 = W.shape
    b = as_float_array(b, "b", ndim=2)
    v = as_vector(v, "v", length=d1)
    X = as_float_array(X, "X", ndim=3)
    y = as_float_array(y, "y", ndim=2)
    if b.shape != (trials, d1):
        raise ValueError(
            f"b must have shape (trials, d1) = {(trials, d1)}, got {b.shape}"
        )
    if X.shape[:2] != (trials, d0):
        raise ValueError(
            f"X must have shape (trials, d0, n) with trials = {trials}, d0 = {d0}, got {X.shape}"
        )
    if y.shape != (trials, X.shape[2]):
        raise ValueError(
            f"y must have shape (trials, n) = {(trials, X.shape[2])}, got {y.shape}"
        )
    return W, b, v, X, y


def _residual_and_pattern(W, b, v, X, y):
    """Residual ``F - y`` (trials, n) and activation pattern (trials, d1, n) of a batch."""
    pre = W @ X + b[:, :, None]  # (trials, d1, n)
    active = pre > 0
    return np.einsum("i,tij->tj", v, np.where(active, pre, 0.0)) - y, active


def batched_gradient_descent(
    W, b, v, X, y, lr, steps: int, threshold: float = 0.0
) -> dict:
    """Full-batch gradient descent on ``trials`` independent problems at once.

    Trial ``t`` runs ``theta <- theta - lr[t] * J(theta)^T (F(theta) - y)`` on its own data
    ``(X[t], y[t])``, starting from ``(W[t], b[t])``, and stops (its parameters freeze) as soon as its
    loss ``1/2 ||F - y||^2`` is at most ``threshold``, or after ``steps`` gradient steps. The gradient at
    a zero pre-activation uses the derivative 0 of ReLU (as PyTorch does).

    Parameters
    ----------
    W : array of shape ``(trials, d1, d0)``
        Initial hidden weights.
    b : array of shape ``(trials, d1)``
        Initial hidden biases.
    v : array of shape ``(d1,)``
        Frozen output weights, shared by all trials.
    X : array of shape ``(trials, d0, n)``
        Inputs of each trial.
    y : array of shape ``(trials, n)``
        Labels of each trial.
    lr : float or array of shape ``(trials,)``
        Step sizes (positive).
    steps : int
        Budget of gradient steps per trial.
    threshold : float
        Stopping rule and success criterion: loss at most ``threshold`` (non-negative).

    Returns
    -------
    dict
        ``"W"`` (trials, d1, d0) and ``"b"`` (trials, d1): final parameters; ``"loss"`` (trials,):
        final losses; ``"steps"`` (trials,): gradient steps taken; ``"success"`` (trials,) of bool:
        final loss at most ``threshold``; ``"initial_loss"`` (trials,).
    """
    W, b, v, X, y = _check_batch(W, b, v, X, y)
    steps = check_positive_int(steps, "steps")
    lr = np.broadcast_to(np.asarray(lr, dtype=np.float64), (W.shape[0],)).copy()
    if not np.all(np.isfinite(lr) & (lr > 0)):
        raise ValueError("lr must be positive and finite")
    threshold = check_real(threshold, "threshold", low=0)
    W, b = W.copy(), b.copy()
    trials = W.shape[0]
    taken = np.zeros(trials, dtype=np.int64)
    r, active = _residual_and_pattern(W, b, v, X, y)
    loss = 0.5 * np.sum(r * r, axis=1)
    initial = loss.copy()
    # Work on the running trials only: a trial that stops leaves the working arrays
    # (its parameters freeze), so finished trials cost nothing.
    idx = np.flatnonzero(loss > threshold)
    Wr, br, Xr, yr, lr_r = W[idx], b[idx], X[idx], y[idx], lr[idx]
    rr, ar = r[idx], active[idx]
    XrT = np.swapaxes(Xr, 1, 2)
    for _ in range(steps):
        if idx.size == 0:
            break
        G = v[None, :, None] * ar * rr[:, None, :]  # (running, d1, n): dL/dpre
        Wr -= lr_r[:, None, None] * (G @ XrT)
        br -= lr_r[:, None] * G.sum(axis=2)
        taken[idx] += 1
        rr, ar = _residual_and_pattern(Wr, br, v, Xr, yr)
        lr_loss = 0.5 * np.sum(rr * rr, axis=1)
        done = lr_loss <= threshold
        if done.any():
            W[idx], b[idx], loss[idx] = Wr, br, lr_loss
            keep = ~done
            idx, Wr, br, Xr, XrT, yr, lr_r, rr, ar = (
                a[keep] for a in (idx, Wr, br, Xr, XrT, yr, lr_r, rr, ar)
            )
        else:
            loss[idx] = lr_loss
    W[idx], b[idx] = Wr, br
    return {
        "W": W,
        "b": b,
        "loss": loss,
        "steps": taken,
        "success": loss <= threshold,
        "initial_loss": initial,
    }


def gradient_descent_trace(
    W, b, v, X, y, lr, steps: int, window: int = 200, checkpoints=()
) -> dict:
    """Gradient descent as in :func:`batched_gradient_descent`, watched step by step (no stopping rule).

    Every trial runs exactly ``steps`` steps. Over the last ``window`` steps the function records,
    per trial, how the steps relate to the activation regions. A step from ``theta`` with gradient
    ``g = J^T r`` (``J`` the Jacobian of the current region) would, if the pattern stayed the same,
    change the loss by exactly ``-eta ||g||^2 + eta^2 ||J g||^2 / 2`` (the loss is the quadratic
    ``1/2 ||J theta - y||^2`` on the region); ``eta ||g||^2 / 2`` is the least decrease that a step
    with ``eta <= 1 / lambda_max(J^T J)`` gives inside one region.

    Parameters
    ----------
    W, b, v, X, y, lr
        As in :func:`batched_gradient_descent`.
    steps : int
        Number of gradient steps (positive).
    window : int
        Length of the final stretch that is examined (``1 <= window <= steps``).
    checkpoints : sequence of int
        Step counts at which the loss is recorded (each in ``[0, steps]``).

    Returns
    -------
    dict
        ``"W"``, ``"b"``, ``"loss"`` (trials,): final parameters and losses;
        ``"loss_at"`` (trials, len(checkpoints)): the loss after each checkpoint's number of steps;
        over the window: ``"pattern_changes"`` (trials,): steps that changed the activation pattern;
        ``"increases"`` (trials,): steps that raised the loss; ``"decrease"`` (trials,): loss at the
        start of the window minus the final loss; ``"predicted"`` (trials,): sum of the in-region
        decreases ``eta ||g||^2 - eta^2 ||J g||^2 / 2``; ``"guaranteed"`` (trials,): sum of
        ``eta ||g||^2 / 2``; ``"largest_mismatch"`` (trials,): the largest ``|actual - in-region
        change|`` of a step that kept the pattern (rounding level); ``"margin"`` (trials,): smallest
        ``|pre-activation|`` at the end.
    """
    W, b, v, X, y = _check_batch(W, b, v, X, y)
    steps = check_positive_int(steps, "steps")
    window = check_positive_int(window, "window")
    if window > steps:
        raise ValueError(f"window must be at most steps = {steps}, got {window}")
    checkpoints = [int(c) for c in checkpoints]
    if any(c < 0 or c > steps for c in checkpoints):
        raise ValueError(f"checkpoints must lie in [0, {steps}], got {checkpoints}")
    trials = W.shape[0]
    lr = np.broadcast_to(np.asarray(lr, dtype=np.float64), (trials,)).copy()
    if not np.all(np.isfinite(lr) & (lr > 0)):
        raise ValueError("lr must be positive and finite")
    W, b = W.copy(), b.copy()
    XT = np.swapaxes(X, 1, 2)
    r, active = _residual_and_pattern(W, b, v, X, y)
    loss = 0.5 * np.sum(r * r, axis=1)
    loss_at = np.full((trials, len(checkpoints)), np.nan)
    zeros = lambda dtype=np.float64: np.zeros(trials, dtype=dtype)  # noqa: E731
    changes, increases = zeros(np.int64), zeros(np.int64)
    predicted, guaranteed, mismatch = zeros(), zeros(), zeros()
    start_loss = loss.copy()
    for step in range(steps + 1):
        for k, c in enumerate(checkpoints):
            if c == step:
                loss_at[:, k] = loss
        if step == steps:
            break
        watched = step >= steps - window
        if step == steps - window:
            start_loss = loss.copy()
        G = v[None, :, None] * active * r[:, None, :]
        gW, gb = G @ XT, G.sum(axis=2)
        W -= lr[:, None, None] * gW
        b -= lr[:, None] * gb
        new_r, new_active = _residual_and_pattern(W, b, v, X, y)
        new_loss = 0.5 * np.sum(new_r * new_r, axis=1)
        if watched:
            g2 = np.sum(gW * gW, axis=(1, 2)) + np.sum(gb * gb, axis=1)
            Jg = np.einsum("i,tij->tj", v, active * (gW @ X + gb[:, :, None]))
            in_region = lr * g2 - 0.5 * lr * lr * np.sum(Jg * Jg, axis=1)
            same = np.all(new_active == active, axis=(1, 2))
            changes += ~same
            increases += new_loss > loss
            predicted += in_region
            guaranteed += 0.5 * lr * g2
            gap = np.abs((loss - new_loss) - in_region)
            mismatch = np.maximum(mismatch, np.where(same, gap, 0.0))
        r, active, loss = new_r, new_active, new_loss
    return {
        "W": W,
        "b": b,
        "loss": loss,
        "loss_at": loss_at,
        "pattern_changes": changes,
        "increases": increases,
        "decrease": start_loss - loss,
        "predicted": predicted,
        "guaranteed": guaranteed,
        "largest_mismatch": mismatch,
        "margin": np.min(np.abs(W @ X + b[:, :, None]), axis=(1, 2)),
    }


def sample_problems(
    d0: int, d1: int, n: int, trials: int, seed=0, scheme: str = "he"
) -> dict:
    """Random training problems: ``X`` uniform on ``[-1, 1]^d0``, random labels, a random initialisation.

    For each trial, in this order from one generator: ``X`` (:func:`lecture_utils.uniform_cube_inputs`),
    labels i.i.d. uniform on ``[-1, 1]`` (:func:`lecture_utils.random_labels`), and ``(W, b, v)`` from
    :func:`lecture_utils.init_two_layer` with the given ``scheme`` (``"he"``: the setting of the paper's
    global-minimum experiments; ``"paper"``: uniform on ``[-1/sqrt(d0), 1/sqrt(d0)]``).

    Returns
    -------
    dict
        ``"W"`` (trials, d1, d0), ``"b"`` (trials, d1), ``"v"`` (d1,), ``"X"`` (trials, d0, n),
        ``"y"`` (trials, n).
    """
    d0, d1, n = (
        check_positive_int(a, name) for a, name in ((d0, "d0"), (d1, "d1"), (n, "n"))
    )
    trials = check_positive_int(trials, "trials")
    rng = rng_from(seed)
    Xs, ys, Ws, bs = [], [], [], []
    for _ in range(trials):
        Xs.append(uniform_cube_inputs(d0, n, seed=rng))
        ys.append(random_labels(n, seed=rng))
        W, b, _ = init_two_layer(d0, d1, seed=rng, scheme=scheme)
        Ws.append(W)
        bs.append(b)
    return {
        "W": np.stack(Ws),
        "b": np.stack(bs),
        "v": alternating_signs(d1),
        "X": np.stack(Xs),
        "y": np.stack(ys),
    }


def training_regions_cell(
    d0: int,
    d1: int,
    n: int,
    trials: int,
    seed: int = 0,
    steps: int = 3000,
    threshold: float = 1e-4,
    scheme: str = "he",
    step_rule: str = "init",
    global_minima: bool = True,
) -> dict:
    """One cell of the experiment of Chapter 14, on the same sampled problems for all three shares.

    Draws ``trials`` problems with :func:`sample_problems`, runs :func:`batched_gradient_descent` with the
    chosen step size rule, and records, at the initialisation, whether the Jacobian has
    full rank ``n`` and whether the initial region contains a global minimum.

    Parameters
    ----------
    d0, d1, n, trials : int
        Input dimension, width, number of data points, number of trials.
    seed : int
        Seed of all the randomness.
    steps : int
        Budget of gradient steps.
    threshold : float
        Success: final loss at most ``threshold``.
    scheme : {"he", "paper"}
        Initialisation (see :func:`lecture_utils.init_two_layer`).
    step_rule : {"init", "safe"}
        :func:`init_step_sizes` or :func:`safe_step_sizes`.
    global_minima : bool
        Whether to decide the global-minimum question (one linear programme per trial; the slow part).

    Returns
    -------
    dict
        ``"success"``, ``"full_rank"`` and ``"global_minimum"`` (``None`` if not computed): fractions of
        the trials; ``"trials"``: their number; ``"median_steps"``: median number of steps of the
        successful runs (``None`` if none).
    """
    if step_rule not in STEP_RULES:
        raise ValueError(f"step_rule must be one of {STEP_RULES}, got {step_rule!r}")
    p = sample_problems(d0, d1, n, trials, seed=seed, scheme=scheme)
    lr = (
        init_step_sizes(p["W"], p["b"], p["v"], p["X"])
        if step_rule == "init"
        else safe_step_sizes(p["X"], p["v"])
    )
    out = batched_gradient_descent(
        p["W"], p["b"], p["v"], p["X"], p["y"], lr, steps, threshold
    )
    full = [
        jacobian_rank(relu_jacobian(p["W"][t], p["b"][t], p["v"], p["X"][t])) == n
        for t in range(trials)
    ]
    gm = None
    if global_minima:
        method = "cone" if d0 == 1 else "lp"
        gm = float(
            np.mean(
                [
                    region_has_global_minimum(
                        p["X"][t],
                        p["y"][t],
                        activation_pattern(p["W"][t], p["b"][t], p["X"][t]),
                        p["v"],
                        method=method,
                    )
                    for t in range(trials)
                ]
            )
        )
    ok = out["success"]
    return {
        "success": float(ok.mean()),
        "full_rank": float(np.mean(full)),
        "global_minimum": gm,
        "trials": int(trials),
        "median_steps": float(np.median(out["steps"][ok])) if ok.any() else None,
    }


def gd_success_fraction(
    d0: int,
    d1: int,
    n: int,
    trials: int,
    seed: int = 0,
    steps: int = 3000,
    threshold: float = 1e-4,
    scheme: str = "he",
    step_rule: str = "init",
) -> float:
    """Share of trials in which gradient descent reaches loss ``<= threshold`` within ``steps`` steps.

    The problems, initialisation and step size rule are those of :func:`training_regions_cell`
    (whose ``"success"`` entry this is); a module-level function for
    :func:`lecture_utils.sweeps.run_sweep`.

    Returns
    -------
    float
    """
    return training_regions_cell(
        d0,
        d1,
        n,
        trials,
        seed=seed,
        steps=steps,
        threshold=threshold,
        scheme=scheme,
        step_rule=step_rule,
        global_minima=False,
    )["success"]


def final_region_report(W0, b0, W, b, v, X, y) -> dict:
    """The activation region where training ended, compared with the one where it started.

    Parameters
    ----------
    W0, b0 : arrays of shapes ``(d1, d0)``, ``(d1,)``
        Initial parameters.
    W, b : arrays of shapes ``(d1, d0)``, ``(d1,)``
        Final parameters.
    v : array of shape ``(d1,)``
        Output weights.
    X : array of shape ``(d0, n)``
        Inputs.
    y : array of shape ``(n,)``
        Labels.

    Returns
    -------
    dict
        ``"rank"``: rank of the Jacobian ``J`` of the final region (float64, default tolerance of
        :func:`lecture_utils.jacobian_rank`); ``"full_rank"``: ``rank == n``;
        ``"has_global_minimum"``: whether the final region contains a zero-loss point
        (:func:`lecture_utils.region_has_global_minimum`, linear programme);
        ``"hamming"``: number of entries of the pattern that changed; ``"changed_fraction"``: that number
        divided by ``d1 n``; ``"solution_dimension"``: ``P - rank`` with ``P = d1 (d0 + 1)``, the
        dimension of the affine set ``{J theta = y}`` (the set of global minima of the region, if it
        meets the region); ``"margin"``: the smallest ``|pre-activation|`` at the final point (positive:
        it lies in the open region); ``"interpolant"``: ``(W*, b*)``, the point
        ``theta + J^+ (y - J theta)`` (the nearest point of the affine set), or ``None`` unless it fits
        ``y`` to ``1e-9`` (relative) and has the same activation pattern.
    """
    W0, W = as_matrix(W0, "W0"), as_matrix(W, "W")
    if W0.shape != W.shape:
        raise ValueError(
            f"W0 and W must have the same shape, got {W0.shape} and {W.shape}"
        )
    d1, d0 = W.shape
    b0, b = as_vector(b0, "b0", length=d1), as_vector(b, "b", length=d1)
    v = as_vector(v, "v", length=d1)
    X = as_matrix(X, "X", rows=d0)
    y = as_vector(y, "y", length=X.shape[1])
    n = X.shape[1]
    A0, A = activation_pattern(W0, b0, X), activation_pattern(W, b, X)
    J = relu_jacobian(W, b, v, X)
    rank = jacobian_rank(J)
    theta = np.hstack([W, b[:, None]]).reshape(-1)
    star = theta + np.linalg.pinv(J) @ (y - J @ theta)
    Ws, bs = star.reshape(d1, d0 + 1)[:, :d0], star.reshape(d1, d0 + 1)[:, d0]
    fits = np.linalg.norm(J @ star - y) <= 1e-9 * max(1.0, np.linalg.norm(y))
    keeps = (
        np.array_equal(activation_pattern(Ws, bs, X), A)
        and np.min(np.abs(Ws @ X + bs[:, None])) > 0
    )
    hamming = int(np.sum(A0 != A))
    return {
        "rank": int(rank),
        "full_rank": bool(rank == n),
        "has_global_minimum": bool(region_has_global_minimum(X, y, A, v, method="lp")),
        "hamming": hamming,
        "changed_fraction": hamming / (d1 * n),
        "solution_dimension": int(d1 * (d0 + 1) - rank),
        "margin": float(np.min(np.abs(W @ X + b[:, None]))),
        "interpolant": (Ws, bs) if (fits and keeps) else None,
    }


def end_of_training(
    d0: int,
    d1: int,
    n: int,
    trials: int = 30,
    seed: int = 0,
    steps: int = 3000,
    threshold: float = 1e-4,
) -> dict:
    """Train a batch of sampled problems and describe where each run ended.

    The problems are those of :func:`sample_problems` (He-uniform initialisation); gradient descent
    is :func:`batched_gradient_descent` with the step sizes of :func:`init_step_sizes`, stopped at
    loss ``<= threshold`` or after ``steps`` steps.

    Returns
    -------
    dict
        ``"problems"`` and ``"result"``: the outputs of :func:`sample_problems` and
        :func:`batched_gradient_descent`; ``"reports"``: :func:`final_region_report` of every run;
        ``"started_with_global_minimum"``: shape ``(trials,)``, whether the initial region contains a
        zero-loss point; ``"conditioning"``: shape ``(trials,)``, ``lambda_n / lambda_max`` of
        ``J J^T`` at the end point (``J`` is ``n x P``, so these are squared singular values);
        ``"gradient_norm"``: shape ``(trials,)``, ``|J^T r|`` at the end point.
    """
    q = sample_problems(d0, d1, n, trials, seed=seed)
    out = batched_gradient_descent(
        q["W"],
        q["b"],
        q["v"],
        q["X"],
        q["y"],
        init_step_sizes(q["W"], q["b"], q["v"], q["X"]),
        steps,
        threshold,
    )
    reports = [
        final_region_report(
            q["W"][t], q["b"][t], out["W"][t], out["b"][t], q["v"], q["X"][t], q["y"][t]
        )
        for t in range(trials)
    ]
    started = np.array(
        [
            region_has_global_minimum(
                q["X"][t],
                q["y"][t],
                activation_pattern(q["W"][t], q["b"][t], q["X"][t]),
                q["v"],
            )
            for t in range(trials)
        ]
    )
    J_end = batched_jacobians(out["W"], out["b"], q["v"], q["X"])
    theta = np.concatenate([out["W"], out["b"][:, :, None]], axis=2).reshape(trials, -1)
    residual = (
        np.einsum("tjm,tm->tj", J_end, theta) - q["y"]
    )  # F = J theta on a region (Euler)
    singular = np.linalg.svd(J_end, compute_uv=False)
    return {
        "problems": q,
        "result": out,
        "reports": reports,
        "started_with_global_minimum": started,
        "conditioning": (singular[:, -1] / singular[:, 0]) ** 2,
        "gradient_norm": np.linalg.norm(
            np.einsum("tjm,tj->tm", J_end, residual), axis=1
        ),
    }


def binomial_interval(
    successes: int, trials: int, z: float = 1.96
) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (default: 95 %).

    Parameters
    ----------
    successes, trials : int
        Number of successes (``0 <= successes <= trials``) and of trials (positive).
    z : float
        Normal quantile of the confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``, within ``[0, 1]``.
    """
    trials = check_positive_int(trials, "trials")
    if (
        isinstance(successes, bool)
        or not isinstance(successes, (int, np.integer))
        or not 0 <= successes <= trials
    ):
        raise ValueError(
            f"successes must be an integer in [0, {trials}], got {successes!r}"
        )
    z = check_real(z, "z", low=0, low_open=True)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z
        * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
        / (1 + z * z / trials)
    )
    return max(0.0, centre - half), min(1.0, centre + half)
