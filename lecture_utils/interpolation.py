"""Networks that interpolate a data set exactly, and the feature matrices that decide when they can.

* :func:`cooper_interpolation` - Cooper's Lemma 3.3: one hidden layer of width ``n`` with a
  *rectified* activation (zero on ``(-inf, 0]``, increasing on ``(0, inf)``) fits ``n`` distinct
  points exactly. All hidden units share one direction ``a``; their thresholds sit between
  consecutive projections ``a . x``, so the hidden-output matrix is lower triangular.
* :func:`cooper_deep_interpolation` - Cooper's Corollary 3.4: the same for a deeper network, whose
  first hidden layers carry a positive, shifted copy of the projection through a single node.
* :func:`random_feature_matrix` - the matrix ``sigma(w_j . x_i - b_j)`` of a hidden layer with random
  weights, whose rank decides whether least squares on the output layer interpolates.
* :func:`polynomial_feature_dimension` - the dimension ``C(d0 + q, q)`` of the space of polynomials
  of degree at most ``q`` in ``d0`` variables, which bounds that rank for a polynomial activation.

Conventions: inputs ``X`` have shape ``(d0, n)`` (one column per data point), labels ``y`` shape
``(n,)``. As in Cooper's paper, a hidden unit computes ``sigma(w . x - b)`` with a *threshold* ``b``;
:meth:`InterpolatingNetwork.as_mlp_params` converts to the ``W x + b`` convention of
:func:`lecture_utils.networks.mlp` (bias ``= -threshold``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import torch

from ._validation import (
    check_real,
    as_matrix,
    as_vector,
    check_positive_int,
    exact_binomial,
    rng_from,
)
from .networks import get_activation

__all__ = [
    "RECTIFIED_ACTIVATIONS",
    "InterpolatingNetwork",
    "DeepInterpolatingNetwork",
    "cooper_interpolation",
    "cooper_deep_interpolation",
    "random_feature_matrix",
    "polynomial_feature_dimension",
    "plot_cooper_interpolant",
]

#: The activations accepted by Cooper's construction: rectified in the sense of his Definition 3.1.
RECTIFIED_ACTIVATIONS = ("smoolu", "relu")

#: Number of random unit directions among which the construction picks the one whose sorted
#: projections have the largest smallest gap (relative to their range).
_DIRECTION_CANDIDATES = 64


def _evaluate(activation: str | Callable, z: np.ndarray) -> np.ndarray:
    """Apply an activation (a name of :data:`lecture_utils.networks.ACTIVATIONS` or a callable on
    NumPy arrays) entry-wise to a float64 array."""
    if callable(activation):
        return np.asarray(activation(z), dtype=np.float64)
    sigma = get_activation(activation)
    return sigma(torch.from_numpy(np.ascontiguousarray(z, dtype=np.float64))).numpy()


def _check_rectified(activation) -> str:
    if activation not in RECTIFIED_ACTIVATIONS:
        raise ValueError(
            f"Cooper's construction needs a rectified activation, zero on (-inf, 0] and increasing on "
            f"(0, inf); {activation!r} is not one of the supported ones {RECTIFIED_ACTIVATIONS}"
        )
    return activation


def _check_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = as_matrix(X, "X")
    if X.shape[1] == 0:
        raise ValueError("X must hold at least one data point (one column per point)")
    y = as_vector(y, "y", length=X.shape[1])
    if np.unique(X.T, axis=0).shape[0] < X.shape[1]:
        raise ValueError(
            "the columns of X (the data points) must be pairwise distinct; "
            "a repeated point with two different labels cannot be interpolated"
        )
    return X, y


def _generic_direction(X: np.ndarray, seed) -> np.ndarray:
    """A unit vector ``u`` whose projections ``u . x_i`` are pairwise distinct, chosen among random
    candidates to maximise the smallest gap between sorted projections relative to their range."""
    d0, n = X.shape
    if d0 == 1:
        return np.ones(1)
    rng = rng_from(seed)
    candidates = rng.standard_normal((_DIRECTION_CANDIDATES, d0))
    candidates /= np.linalg.norm(candidates, axis=1, keepdims=True)
    if n == 1:
        return candidates[0]
    proj = np.sort(candidates @ X, axis=1)
    spread = proj[:, -1] - proj[:, 0]
    quality = np.diff(proj, axis=1).min(axis=1) / np.where(spread > 0, spread, 1.0)
    best = int(np.argmax(quality))
    if quality[best] <= 1e-13:
        raise ValueError(
            "no direction separates the projections of the data points; "
            "are some points (numerically) repeated?"
        )
    return candidates[best]


def _frozen(a) -> np.ndarray:
    arr = np.array(a, dtype=np.float64)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class InterpolatingNetwork:
    """The one-hidden-layer network ``f(x) = sum_j v_j sigma(a . x - b_j) - c`` of Cooper's Lemma 3.3.

    Attributes
    ----------
    direction : numpy.ndarray
        The shared hidden weight vector ``a``, shape ``(d0,)``; every hidden unit has weights ``a``.
    thresholds : numpy.ndarray
        The hidden thresholds ``b_j``, shape ``(width,)``, increasing.
    output_weights : numpy.ndarray
        The output weights ``v_j``, shape ``(width,)``.
    output_bias : float
        The output threshold ``c`` (zero in Cooper's construction).
    activation : str
        The name of the activation ``sigma``.
    """

    direction: np.ndarray
    thresholds: np.ndarray
    output_weights: np.ndarray
    output_bias: float
    activation: str

    def __post_init__(self) -> None:
        # store read-only float64 copies, so that a network cannot be changed after construction
        for name in ("direction", "thresholds", "output_weights"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "output_bias", float(self.output_bias))

    @property
    def width(self) -> int:
        """The number of hidden units."""
        return int(self.thresholds.shape[0])

    @property
    def hidden_weights(self) -> np.ndarray:
        """The hidden weight matrix, shape ``(width, d0)``: every row equals :attr:`direction`."""
        return np.tile(self.direction, (self.width, 1))

    def feature_matrix(self, X) -> np.ndarray:
        """Cooper's matrix ``A[i, j] = sigma(a . x_i - b_j)``, shape ``(n, width)``: one row per data
        point, one column per hidden unit. On the training data sorted by ``a . x`` it is lower
        triangular with a positive diagonal."""
        X = as_matrix(X, "X", rows=self.direction.shape[0])
        return _evaluate(
            self.activation, (self.direction @ X)[:, None] - self.thresholds[None, :]
        )

    def __call__(self, X) -> np.ndarray:
        """Outputs on the inputs ``X`` of shape ``(d0, n)``; returns shape ``(n,)``."""
        return self.feature_matrix(X) @ self.output_weights - self.output_bias

    def as_mlp_params(self) -> dict[str, torch.Tensor]:
        """The parameters as a dictionary for :func:`lecture_utils.networks.mlp` (``W x + b`` convention)."""
        return {
            "W1": torch.from_numpy(self.hidden_weights.copy()),
            "b1": torch.from_numpy(-self.thresholds.copy()),
            "W2": torch.from_numpy(self.output_weights[None, :].copy()),
            "b2": torch.tensor([-self.output_bias], dtype=torch.float64),
        }


def _triangular_fit(
    t: np.ndarray, y: np.ndarray, activation: str, min_gap: float | None
) -> tuple[float, np.ndarray, np.ndarray]:
    """Lemma 3.3 on one-dimensional projections ``t`` (pairwise distinct): returns the scale ``s`` of
    the direction, the thresholds and the output weights, such that
    ``sum_j v_j sigma(s t_i - b_j) = y_i``."""
    n = t.shape[0]
    gap = 4.0 * n if min_gap is None else float(min_gap)
    gap = check_real(gap, "min_gap", low=0, low_open=True)
    order = np.argsort(t)
    t_sorted = t[order]
    scale = gap / np.diff(t_sorted).min() if n > 1 else 1.0
    s_sorted = scale * t_sorted
    thresholds = np.empty(n)
    thresholds[0] = s_sorted[0] - 0.5 * gap
    thresholds[1:] = 0.5 * (s_sorted[:-1] + s_sorted[1:])
    A = _evaluate(activation, s_sorted[:, None] - thresholds[None, :])
    if not np.min(np.diag(A)) > 0:
        raise ValueError(
            f"the diagonal of the triangular system underflows to 0 in float64 "
            f"({activation}({0.5 * gap:g}) = 0); use a larger min_gap"
        )
    weights = scipy.linalg.solve_triangular(A, y[order], lower=True)
    if not np.all(np.isfinite(weights)):
        raise ValueError("the output weights overflow in float64; use a larger min_gap")
    return scale, thresholds, weights


def cooper_interpolation(
    X, y, activation: str = "smoolu", seed=0, min_gap: float | None = None
) -> InterpolatingNetwork:
    """A network with one hidden layer of width ``n`` that interpolates ``(X, y)`` exactly (Cooper, Lemma 3.3).

    All hidden units share a direction ``a``, chosen so that the projections ``a . x_i`` are pairwise
    distinct (among random unit vectors, the one with the largest smallest gap between sorted
    projections) and scaled so that this smallest gap is ``min_gap``. With the points sorted by
    projection, unit ``j`` has the threshold ``b_j`` halfway between projections ``j-1`` and ``j``
    (``b_1`` half a gap below the first), so ``sigma(a . x_i - b_j)`` vanishes for ``j > i`` and is at
    least ``sigma(min_gap / 2) > 0`` for ``j = i``: the system for the output weights is lower
    triangular with a positive diagonal, solved by forward substitution.

    The scale matters numerically, not mathematically. smooLU behaves like ``max(0, z - 1)`` for
    large ``z`` and is tiny near 0 (``exp(-1/z)`` underflows), so with gaps of order 1 or less the
    diagonal is tiny and the inverse of the triangular matrix grows geometrically with ``n``. The
    default gap ``4 n`` makes the units nearly ReLUs on the scale of the data, and the triangular
    system then is about as well conditioned as for ReLU. The fit is exact up to rounding (forward
    substitution is backward stable); the residual grows with the ratio of the range of the
    projections to their smallest gap.

    Parameters
    ----------
    X : array_like
        Inputs, shape ``(d0, n)``, with pairwise distinct columns.
    y : array_like
        Labels, shape ``(n,)``.
    activation : str
        ``"smoolu"`` (Cooper's smooth rectified unit) or ``"relu"``; other activations are not
        rectified and are rejected.
    seed : int, numpy.random.Generator or None
        Seeds the random candidate directions (unused when ``d0 = 1``).
    min_gap : float or None
        Smallest gap between consecutive scaled projections ``a . x_i``; default ``4 n``.

    Returns
    -------
    InterpolatingNetwork
        A callable network ``f`` with ``f(X)`` of shape ``(n,)`` equal to ``y`` up to rounding, width
        ``n`` and output threshold 0.

    Raises
    ------
    ValueError
        If the activation is not rectified, the inputs are not finite, the shapes do not match, or
        two data points coincide.
    """
    activation = _check_rectified(activation)
    X, y = _check_data(X, y)
    u = _generic_direction(X, seed)
    scale, thresholds, weights = _triangular_fit(u @ X, y, activation, min_gap)
    return InterpolatingNetwork(
        direction=scale * u,
        thresholds=thresholds,
        output_weights=weights,
        output_bias=0.0,
        activation=activation,
    )


@dataclass(frozen=True, eq=False)
class DeepInterpolatingNetwork:
    """A fully connected network ``f(x) = W_{T+1} z_T - c`` with ``z_l = sigma(W_l z_{l-1} - b_l)``, ``z_0 = x``.

    Attributes
    ----------
    weights : tuple of numpy.ndarray
        ``W_1, ..., W_{T+1}``; ``W_l`` has shape ``(h_l, h_{l-1})`` with ``h_0 = d0`` and ``h_{T+1} = 1``.
    thresholds : tuple of numpy.ndarray
        ``b_1, ..., b_T`` (shapes ``(h_l,)``) followed by the output threshold ``c`` (shape ``(1,)``).
    activation : str
        The name of the activation ``sigma``.
    """

    weights: tuple
    thresholds: tuple
    activation: str

    def __post_init__(self) -> None:
        # store read-only float64 copies, so that a network cannot be changed after construction
        object.__setattr__(self, "weights", tuple(_frozen(W) for W in self.weights))
        object.__setattr__(
            self, "thresholds", tuple(_frozen(b) for b in self.thresholds)
        )

    @property
    def widths(self) -> list[int]:
        """The hidden widths ``[h_1, ..., h_T]``."""
        return [int(W.shape[0]) for W in self.weights[:-1]]

    def hidden_layers(self, X) -> list[np.ndarray]:
        """The hidden-layer outputs ``z_1, ..., z_T`` on ``X`` (shape ``(d0, n)``); ``z_l`` has shape ``(h_l, n)``."""
        z = as_matrix(X, "X", rows=self.weights[0].shape[1])
        outputs = []
        for W, b in zip(self.weights[:-1], self.thresholds[:-1]):
            z = _evaluate(self.activation, W @ z - b[:, None])
            outputs.append(z)
        return outputs

    def __call__(self, X) -> np.ndarray:
        """Outputs on the inputs ``X`` of shape ``(d0, n)``; returns shape ``(n,)``."""
        z = self.hidden_layers(X)[-1]
        return (self.weights[-1] @ z - self.thresholds[-1][:, None])[0]

    def as_mlp_params(self) -> dict[str, torch.Tensor]:
        """The parameters as a dictionary for :func:`lecture_utils.networks.mlp` (``W x + b`` convention)."""
        params = {}
        for layer, (W, b) in enumerate(zip(self.weights, self.thresholds), start=1):
            params[f"W{layer}"] = torch.from_numpy(W.copy())
            params[f"b{layer}"] = torch.from_numpy(-b)
        return params


def cooper_deep_interpolation(
    X, y, widths, activation: str = "smoolu", seed=0
) -> DeepInterpolatingNetwork:
    """A network with hidden widths ``widths`` that interpolates ``(X, y)`` exactly (Cooper, Corollary 3.4).

    Only the first node of each of the first ``T - 1`` hidden layers is used: the first layer maps
    the projection ``u . x`` affinely onto ``[1, 2]``, and each later layer maps the output of the
    previous node affinely back onto ``[1, 2]``. The activation is increasing and positive there, so
    the values stay positive and pairwise distinct (Cooper shifts once and keeps weight 1; the
    re-normalisation keeps the repeated activations from shrinking the gaps). The last hidden layer
    applies :func:`cooper_interpolation` to these one-dimensional values with its first ``n`` units;
    unused units have zero weights and thresholds, hence output ``sigma(0) = 0``.

    Parameters
    ----------
    X : array_like
        Inputs, shape ``(d0, n)``, with pairwise distinct columns.
    y : array_like
        Labels, shape ``(n,)``.
    widths : sequence of int
        Hidden widths ``[h_1, ..., h_T]``, ``T >= 1``, every one positive and ``h_T >= n``.
    activation : str
        ``"smoolu"`` or ``"relu"``.
    seed : int, numpy.random.Generator or None
        Seeds the random candidate directions.

    Returns
    -------
    DeepInterpolatingNetwork
        A callable network ``f`` with ``f(X)`` equal to ``y`` up to rounding.

    Raises
    ------
    ValueError
        As :func:`cooper_interpolation`, and if ``widths`` is empty, not positive, or its last entry
        is smaller than ``n``.
    """
    activation = _check_rectified(activation)
    X, y = _check_data(X, y)
    d0, n = X.shape
    try:
        widths = [check_positive_int(d, "every hidden width") for d in widths]
    except TypeError:
        raise ValueError(
            f"widths must be a sequence of positive integers, got {widths!r}"
        ) from None
    if len(widths) == 0:
        raise ValueError("widths must list at least one hidden width")
    if widths[-1] < n:
        raise ValueError(
            f"the last hidden layer must have width >= n = {n}, got {widths[-1]}"
        )
    fan_ins = [d0] + widths[:-1]
    weights = [np.zeros((d, f)) for d, f in zip(widths, fan_ins)] + [
        np.zeros((1, widths[-1]))
    ]
    thresholds = [np.zeros(d) for d in widths] + [np.zeros(1)]

    u = _generic_direction(X, seed)
    values = u @ X  # the 1-D quantity carried by the first node
    row = u
    for layer in range(len(widths) - 1):  # the layers that only carry one node
        low, high = values.min(), values.max()
        spread = high - low if high > low else 1.0
        weights[layer][0, :] = (
            row / spread
        )  # pre-activation (values - low) / spread + 1 in [1, 2]
        thresholds[layer][0] = low / spread - 1.0
        values = _evaluate(activation, (values - low) / spread + 1.0)
        row = np.eye(1, widths[layer])[0]  # the next layer reads the first node only
    scale, last_thresholds, out = _triangular_fit(values, y, activation, None)
    weights[-2][:n, :] = scale * row
    thresholds[-2][:n] = last_thresholds
    weights[-1][0, :n] = out
    return DeepInterpolatingNetwork(
        weights=tuple(weights), thresholds=tuple(thresholds), activation=activation
    )


def random_feature_matrix(
    X,
    width: int,
    activation: str | Callable,
    seed=None,
    weight_scale: float = 1.0,
    bias_scale: float = 1.0,
) -> np.ndarray:
    """The feature matrix ``Phi[i, j] = sigma(w_j . x_i - b_j)`` of a hidden layer with random parameters.

    Weights ``w_j`` are i.i.d. normal with standard deviation ``weight_scale`` per entry, thresholds
    ``b_j`` i.i.d. uniform on ``[-bias_scale, bias_scale]``. Least squares on the output layer
    interpolates labels ``y`` exactly if and only if ``y`` lies in the column space of ``Phi``, in
    particular for every ``y`` when ``Phi`` has rank ``n``.

    Parameters
    ----------
    X : array_like
        Inputs, shape ``(d0, n)``.
    width : int
        Number of hidden units (columns of the result).
    activation : str or callable
        A name from :data:`lecture_utils.networks.ACTIVATIONS`, or a function applied entry-wise to a
        float64 NumPy array (for example ``lambda z: z**3``).
    seed : int, numpy.random.Generator or None
        Seeds the weights and thresholds.
    weight_scale, bias_scale : float
        Positive scales of the weights and thresholds.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, width)``, float64: one row per data point, one column per hidden unit.
    """
    X = as_matrix(X, "X")
    width = check_positive_int(width, "width")
    for value, name in ((weight_scale, "weight_scale"), (bias_scale, "bias_scale")):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not callable(activation):
        get_activation(activation)  # raises ValueError for an unknown name
    rng = rng_from(seed)
    W = weight_scale * rng.standard_normal((width, X.shape[0]))
    b = rng.uniform(-bias_scale, bias_scale, size=width)
    Phi = _evaluate(activation, (W @ X).T - b[None, :])
    if not np.all(np.isfinite(Phi)):
        raise ValueError("the activation returned non-finite values on these inputs")
    return Phi


def polynomial_feature_dimension(d0: int, q: int) -> int:
    """The dimension ``C(d0 + q, q)`` of the real polynomials of degree at most ``q`` in ``d0`` variables.

    It counts the monomials ``x_1^{k_1} ... x_d0^{k_d0}`` with ``k_1 + ... + k_d0 <= q``. For a
    polynomial activation of degree ``q`` every feature ``sigma(w . x - b)`` lies in that space, so
    a feature matrix of any width on any number of points has rank at most this number.

    Parameters
    ----------
    d0 : int
        Number of variables (the input dimension), positive.
    q : int
        Degree, a non-negative integer.

    Returns
    -------
    int
        ``math.comb(d0 + q, q)``.
    """
    d0 = check_positive_int(d0, "d0")
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or q < 0:
        raise ValueError(f"q (the degree) must be a non-negative integer, got {q!r}")
    return exact_binomial(d0 + int(q), int(q), "the dimension")


#: How the figures name the rectified activations.
_DISPLAY_NAMES = {"smoolu": "smooLU", "relu": "ReLU"}


def plot_cooper_interpolant(f: InterpolatingNetwork, X, y, grid):
    """Draw a one-dimensional interpolant of :func:`cooper_interpolation` and its matrix ``A``.

    Top: the network ``x -> f(x)`` on ``grid``, the data ``(x_i, y_i)`` and, dotted, the input
    ``b_j / a`` at which each unit switches on. Bottom: the hidden outputs on the data,
    ``A[i, j] = sigma(a x_i - b_j)`` (:meth:`InterpolatingNetwork.feature_matrix`), as an image
    with the entries that are exactly zero left blank: for data sorted by input, the blank part
    is the strict upper triangle.

    Parameters
    ----------
    f : InterpolatingNetwork
        A network on one-dimensional inputs (``d0 = 1``).
    X : array of shape ``(1, n)``
        The inputs it interpolates.
    y : array of shape ``(n,)``
        Their labels.
    grid : array of shape ``(1, m)``
        The inputs at which to draw the network.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure of 6.4 x 7 inches.
    """
    import matplotlib.pyplot as plt

    if not isinstance(f, InterpolatingNetwork):
        raise TypeError(
            "f must be an InterpolatingNetwork, as cooper_interpolation returns"
        )
    if f.direction.shape != (1,):
        raise ValueError(
            f"f must take one-dimensional inputs, its direction has shape {f.direction.shape}"
        )
    X = as_matrix(X, "X", rows=1)
    y = as_vector(y, "y", length=X.shape[1])
    grid = as_matrix(grid, "grid", rows=1)
    A = f.feature_matrix(X)
    fig, (ax_fit, ax_mat) = plt.subplots(2, 1, figsize=(6.4, 7.0), layout="constrained")
    ax_fit.plot(grid[0], f(grid), label="network $f$")
    ax_fit.scatter(X[0], y, color="black", zorder=3, label="data")
    for b in f.thresholds / f.direction[0]:  # thresholds, in input units
        ax_fit.axvline(b, color="gray", lw=0.8, ls=":")
    name = _DISPLAY_NAMES.get(f.activation, f.activation)
    ax_fit.set(
        xlabel="input $x$", ylabel="output", title=f"Cooper's interpolant ({name})"
    )
    ax_fit.legend(loc="lower left", fontsize=8)
    image = ax_mat.imshow(np.where(A > 0, A, np.nan), cmap="viridis")
    fig.colorbar(image, ax=ax_mat, label=r"$\sigma(a x_i - \beta_j)$")
    ax_mat.set(
        xlabel="hidden unit $j$",
        ylabel="data point $i$",
        title="The triangular matrix $A$",
    )
    return fig
