"""The zonotope of a data set and the fan of activation regions of one unit.

For bias-free inputs ``X`` of shape ``(d, n)`` the *zonotope* ``P = sum_j conv{0, x_j}`` (a Minkowski
sum of segments) has a vertex ``sum_j s_j x_j`` for each activation pattern ``s`` of a single unit
``w -> 1[<w, x_j> > 0]`` whose region is non-empty, and that region is the interior of the normal
cone of ``P`` at the vertex (Karhadkar et al., Proposition 7). So the activation regions of one unit
form the *normal fan* of ``P``. The drawing functions work in the plane (``d = 2``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Polygon, Wedge

from .plotting import PALETTE
from .regions import _data, activation_patterns

__all__ = [
    "zonotope_vertices",
    "fan_sectors",
    "pattern_label",
    "plot_fan",
    "plot_zonotope",
]

#: Angles (radians) closer than this are the same boundary ray of the fan in :func:`fan_sectors`.
ANGLE_TOL = 1e-9


def pattern_label(pattern) -> str:
    """A 0/1 pattern as a string, e.g. ``[1, 0, 1] -> "101"``."""
    return "".join(str(int(a)) for a in np.ravel(pattern))


def zonotope_vertices(X) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the zonotope ``sum_j conv{0, x_j}`` with the activation patterns that label them.

    Parameters
    ----------
    X : array of shape ``(d, n)``
        Data, one column per point; no column may be zero. Any ``d``.

    Returns
    -------
    points : ndarray of shape ``(N, d)``
        One vertex per row (rows, as in :class:`scipy.spatial.ConvexHull`): ``points[k] = X @ patterns[k]``.
    patterns : ndarray of shape ``(N, n)``
        The realisable activation patterns of a bias-free unit (:func:`activation_patterns`), in
        lexicographic order; ``patterns[k]`` is the pattern of every ``w`` in the open normal cone
        of the zonotope at ``points[k]``.

    Notes
    -----
    Exact up to the LP feasibility decisions of :func:`activation_patterns`. Distinct realisable
    patterns give distinct vertices, for degenerate data too: for ``w`` in the region of ``s`` the
    subset sum of ``s`` is the unique maximiser of ``<w, .>`` among all subset sums.
    """
    X = _data(X)
    patterns = activation_patterns(X)
    return patterns @ X.T, patterns


def _planar(X) -> np.ndarray:
    X = _data(X)
    if X.shape[0] != 2:
        raise ValueError(
            f"drawing needs data in the plane, X of shape (2, n); got {X.shape} "
            "(d > 3 cannot be drawn, and only d = 2 is implemented)"
        )
    return X


def fan_sectors(X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The activation regions of one bias-free unit with weights in the plane, as angular sectors.

    Parameters
    ----------
    X : array of shape ``(2, n)``
        Data, one column per point; no column may be zero.

    Returns
    -------
    start, stop : ndarray of shape ``(N,)``
        Angles (radians, ``0 <= start < 2 pi``, ``start < stop``) of the two rays bounding each
        sector; the rays are the directions of the lines ``<w, x_j> = 0``.
    patterns : ndarray of shape ``(N, n)``
        The pattern ``1[<u, x_j> > 0]`` at the bisecting unit vector ``u`` of each sector.

    Notes
    -----
    Computed from the geometry alone (sorting the angles of the lines), independently of the linear
    programs of :func:`activation_patterns`; the two agree, which the tests check.
    """
    X = _planar(X)
    normal_angles = np.arctan2(X[1], X[0])
    rays = np.mod(
        np.concatenate([normal_angles + np.pi / 2, normal_angles - np.pi / 2]),
        2 * np.pi,
    )
    rays = np.sort(rays)
    distinct = rays[np.concatenate([[True], np.diff(rays) > ANGLE_TOL])]
    if distinct.size > 1 and distinct[-1] - distinct[0] > 2 * np.pi - ANGLE_TOL:
        distinct = distinct[:-1]
    start = distinct
    stop = np.append(distinct[1:], distinct[0] + 2 * np.pi)
    middle = (start + stop) / 2
    patterns = ((np.column_stack([np.cos(middle), np.sin(middle)]) @ X) > 0).astype(int)
    return start, stop, patterns


def plot_fan(X, ax=None, radius: float = 1.0, label_radius: float = 0.72):
    """Draw the lines ``<w, x_j> = 0`` in the weight plane and label every region with its pattern.

    Parameters
    ----------
    X : array of shape ``(2, n)``
        Data, one column per point; no column may be zero.
    ax : matplotlib axes, optional
        Where to draw; a new figure is made if omitted.
    radius : float
        Half-length of the drawn lines and of the drawn data vectors.
    label_radius : float
        Distance from the origin of the pattern labels, as a fraction of ``radius``.

    Returns
    -------
    ax : matplotlib axes
    patterns : ndarray of shape ``(N, n)``
        The patterns written in the sectors, in order of angle (as returned by :func:`fan_sectors`).
    """
    X = _planar(X)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.2))
    start, stop, patterns = fan_sectors(X)
    for j, x in enumerate(X.T):
        direction = np.array([-x[1], x[0]]) / np.linalg.norm(x)
        colour = PALETTE[j % len(PALETTE)]
        ax.plot(
            *np.column_stack([-1.5 * radius * direction, 1.5 * radius * direction]),
            color=colour,
            label=rf"$\langle w, x^{{({j + 1})}}\rangle = 0$",
        )
        ax.annotate(
            "",
            xy=0.5 * radius * x / np.linalg.norm(x),
            xytext=(0, 0),
            arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.2},
        )
    for a, b, s in zip(start, stop, patterns):
        m = (a + b) / 2
        ax.text(
            label_radius * radius * np.cos(m),
            label_radius * radius * np.sin(m),
            pattern_label(s),
            ha="center",
            va="center",
            fontsize=9,
            family="monospace",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.6"},
        )
    ax.set(
        xlim=(-radius, radius),
        ylim=(-radius, radius),
        aspect="equal",
        xlabel="$w_1$",
        ylabel="$w_2$",
    )
    return ax, patterns


def plot_zonotope(X, ax=None, cone_radius: float = 0.35):
    """Draw the zonotope ``sum_j conv{0, x_j}``, its vertices labelled by patterns, and their normal cones.

    Parameters
    ----------
    X : array of shape ``(2, n)``
        Data, one column per point; no column may be zero.
    ax : matplotlib axes, optional
        Where to draw; a new figure is made if omitted.
    cone_radius : float
        Radius of the wedges that show the normal cone at each vertex (translated to the vertex).

    Returns
    -------
    ax : matplotlib axes
    points : ndarray of shape ``(N, 2)``
        The vertices, in counter-clockwise order around the centre ``sum_j x_j / 2``.
    patterns : ndarray of shape ``(N, n)``
        Their patterns, in the same order.
    """
    X = _planar(X)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.8))
    points, patterns = zonotope_vertices(X)
    centre = X.sum(axis=1) / 2
    order = np.argsort(np.arctan2(*(points - centre).T[::-1]))
    points, patterns = points[order], patterns[order]
    ax.add_patch(
        Polygon(points, closed=True, fc=PALETTE[5], ec=PALETTE[0], alpha=0.35, lw=1.5)
    )
    start, stop, sector_patterns = fan_sectors(X)
    for p, s in zip(points, patterns):
        k = next(i for i, t in enumerate(sector_patterns) if np.array_equal(t, s))
        ax.add_patch(
            Wedge(
                p,
                cone_radius,
                np.degrees(start[k]),
                np.degrees(stop[k]),
                fc=PALETTE[4],
                ec=PALETTE[1],
                alpha=0.45,
            )
        )
        offset = (
            (cone_radius + 0.12) * (p - centre) / max(np.linalg.norm(p - centre), 1e-12)
        )
        ax.text(
            *(p + offset),
            pattern_label(s),
            ha="center",
            va="center",
            fontsize=9,
            family="monospace",
        )
    for j, x in enumerate(X.T):
        ax.plot(
            [0, x[0]],
            [0, x[1]],
            color=PALETTE[j % len(PALETTE)],
            lw=2.5,
            label=rf"$\mathrm{{conv}}\{{0, x^{{({j + 1})}}\}}$",
        )
    ax.plot(*points.T, "o", color="black", ms=4)
    ax.set(aspect="equal", xlabel="first coordinate", ylabel="second coordinate")
    ax.autoscale_view()
    lo, hi = (
        points.min(axis=0) - cone_radius - 0.3,
        points.max(axis=0) + cone_radius + 0.3,
    )
    ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]))
    return ax, points, patterns
