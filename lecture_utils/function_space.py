"""The function space of ReLU units on one-dimensional data.

A single ReLU unit with bias, ``x -> max(0, w x + b)``, evaluated on ``n`` sorted distinct points
``x_1 < ... < x_n`` of the line, is a map ``(w, b) -> F(w, b) in R^n``. Its parameter plane is cut
by the ``n`` lines ``{w x_j + b = 0}`` through the origin into ``2n`` open sectors, the activation
regions. On each region the map is linear, ``F(theta) = J_A theta``, so the image of a region is
the cone spanned by the images of the region's two bounding rays (Karhadkar, Murray, Tseran and
Montúfar, Proposition 13 and Appendix D). Normalised to sum 1, these images trace a polyline in
the simplex.

This module computes that picture from the arrangement of lines, without typing in the paper's
table:

* :func:`relu_unit_regions` - the ``2n`` regions with their pattern, Jacobian rank and extreme rays;
* :func:`polyline_points` - the vertices of the polyline in the simplex;
* :func:`in_region_image` - whether a label vector lies in the image of a region (one unit or a
  sum of several units with output weights ``v``), by non-negative least squares;
* :func:`simplex_coordinates` - coordinates for drawing points of the simplex in the plane or in space;
* :func:`distance_to_polyline` - the distance of a point from a polyline;
* :func:`unit_on_polyline` - parameters of a unit whose normalised output is a prescribed point of the
  polyline;
* :func:`draw_simplex_polyline` - the simplex, the polyline and normalised outputs, drawn into an axes.

Conventions: a parameter of a unit is ``theta = (w, b)`` (weight first, then bias, as in
:func:`lecture_utils.jacobians.relu_jacobian`); inputs may be given as a vector of shape ``(n,)`` or,
as elsewhere in the book, as ``X`` of shape ``(1, n)``.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from ._validation import as_float_array, as_vector, check_real
from .jacobians import jacobian_rank, relu_jacobian
from .plotting import PALETTE
from .regions import activation_pattern

__all__ = [
    "UnitRegion",
    "relu_unit_regions",
    "polyline_points",
    "in_region_image",
    "cone_extreme_rays",
    "simplex_coordinates",
    "MEMBERSHIP_TOL",
    "distance_to_polyline",
    "unit_on_polyline",
    "draw_simplex_polyline",
]

#: Default relative tolerance of :func:`in_region_image`: ``y`` is in a cone when the non-negative
#: least-squares residual is at most ``MEMBERSHIP_TOL * max(1, |y|)``.
MEMBERSHIP_TOL = 1e-9

#: Entries of an image ray smaller than this (relative to the largest entry) are set to exactly 0.
_SNAP = 1e-12


@dataclass(frozen=True)
class UnitRegion:
    """One activation region of a single ReLU unit on one-dimensional data.

    Attributes
    ----------
    pattern : ndarray of shape ``(n,)``
        The activation pattern: ``pattern[j] = 1`` when the unit is active on ``x_j``.
    rank : int
        The rank of the Jacobian ``J_A`` of the map ``(w, b) -> F(w, b)`` on the region (0, 1 or 2).
    rays : ndarray of shape ``(2, 2)``
        The two extreme rays ``(w, b)`` of the region (a pointed cone in the parameter plane), as
        unit vectors, in counter-clockwise order.
    jacobian : ndarray of shape ``(n, 2)``
        ``J_A``: on the closed region ``F(theta) = J_A theta``.
    image_rays : ndarray of shape ``(k, n)``
        The extreme rays of the image cone ``J_A(region)``, ``k = rank``, each scaled to sum 1.
    interior : ndarray of shape ``(2,)``
        A parameter ``(w, b)`` inside the region (on the bisector of its two rays).
    """

    pattern: np.ndarray
    rank: int
    rays: np.ndarray
    jacobian: np.ndarray
    image_rays: np.ndarray
    interior: np.ndarray


def _line_points(x, name: str = "x", min_points: int = 1) -> np.ndarray:
    """Validate one-dimensional inputs: a vector or a ``(1, n)`` matrix, sorted and distinct."""
    arr = as_float_array(x, name)
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must have shape (n,) or (1, n), got shape {arr.shape}"
        )
    if arr.shape[0] < min_points:
        raise ValueError(
            f"{name} must contain at least {min_points} points, got {arr.shape[0]}"
        )
    if np.any(np.diff(arr) <= 0):
        raise ValueError(
            f"{name} must be sorted in increasing order with distinct entries"
        )
    return arr


def cone_extreme_rays(generators, tol: float = 1e-10) -> np.ndarray:
    """Extreme rays of the cone spanned by the rows of ``generators``.

    Parameters
    ----------
    generators : array of shape ``(k, n)``
        Generators of a pointed convex cone in ``R^n``, one per row (zero rows allowed).
    tol : float
        A generator is dropped when its norm is at most ``tol`` times the largest norm, when it
        points in the same direction as an earlier one (distance of the unit vectors at most
        ``tol``), or when it lies in the cone of the others (non-negative least-squares residual of
        its unit vector at most ``tol``).

    Returns
    -------
    ndarray of shape ``(r, n)``
        The extreme rays, each scaled to unit Euclidean norm, in the order of ``generators``.
    """
    G = as_float_array(generators, "generators", ndim=2)
    norms = np.linalg.norm(G, axis=1)
    if G.shape[0] == 0 or norms.max() == 0:
        return np.zeros((0, G.shape[1]))
    units = []
    for g, norm in zip(G, norms):
        if norm <= tol * norms.max():
            continue
        u = g / norm
        if all(np.linalg.norm(u - other) > tol for other in units):
            units.append(u)
    extreme = []
    for k, u in enumerate(units):
        others = [o for i, o in enumerate(units) if i != k]
        if others and scipy.optimize.nnls(np.array(others).T, u)[1] <= tol:
            continue
        extreme.append(u)
    return np.array(extreme)


def relu_unit_regions(x) -> list[UnitRegion]:
    """The ``2n`` non-empty activation regions of one ReLU unit with bias on sorted 1-D data.

    The parameter plane of ``(w, b)`` is cut by the ``n`` lines ``w x_j + b = 0`` into ``2n`` open
    sectors. They are found from the ``2n`` rays ``+-(1, -x_j)`` sorted by angle; each pair of
    consecutive rays bounds one region. For each region, the pattern and the Jacobian are those of
    :func:`lecture_utils.regions.activation_pattern` and :func:`lecture_utils.jacobians.relu_jacobian`
    at an interior point, the rank is :func:`lecture_utils.jacobians.jacobian_rank`, and the extreme
    rays of the image are computed with :func:`cone_extreme_rays` from the images of the two bounding
    rays (the image of a pointed cone under a linear map is spanned by the images of its rays).

    Parameters
    ----------
    x : array of shape ``(n,)`` or ``(1, n)``
        Sorted, pairwise distinct, finite inputs, ``n >= 2`` (for ``n = 1`` the regions are half-planes,
        which have no extreme rays).

    Returns
    -------
    list of UnitRegion
        The regions in the order in which the polyline passes them: the region where the unit is
        inactive everywhere, then the unit active on ``{1}``, ``{1, 2}``, ..., ``{1, ..., n}``, then on
        ``{2, ..., n}``, ..., ``{n}``.
    """
    x = _line_points(x, min_points=2)
    return list(_regions_of(tuple(x.tolist())))


@functools.lru_cache(maxsize=64)
def _regions_of(points: tuple[float, ...]) -> tuple[UnitRegion, ...]:
    """Cached computation behind :func:`relu_unit_regions` (records hold read-only arrays)."""
    x = np.array(points)
    n = x.shape[0]
    X = x[None, :]
    rays = np.array([s * np.array([1.0, -xj]) for xj in x for s in (1.0, -1.0)])
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    angles = np.arctan2(rays[:, 1], rays[:, 0])
    order = np.argsort(angles)
    rays, angles = rays[order], angles[order]
    one = np.ones(1)
    regions = []
    for k in range(2 * n):
        r0, r1 = rays[k], rays[(k + 1) % (2 * n)]
        a0, a1 = angles[k], angles[(k + 1) % (2 * n)]
        if a1 <= a0:
            a1 += 2 * np.pi
        mid = 0.5 * (a0 + a1)
        interior = np.array([np.cos(mid), np.sin(mid)])
        W, b = interior[:1, None], interior[1:]
        J = relu_jacobian(W, b, one, X)
        images = np.array([J @ r0, J @ r1])
        # A bounding ray has pre-activation exactly 0 on one data point; rounding leaves ~1e-17 there.
        images[np.abs(images) <= _SNAP * np.abs(images).max(initial=0.0)] = 0.0
        extreme = cone_extreme_rays(images)
        extreme = (
            extreme / extreme.sum(axis=1, keepdims=True) if len(extreme) else extreme
        )
        regions.append(
            UnitRegion(
                pattern=activation_pattern(W, b, X)[0],
                rank=jacobian_rank(J),
                rays=np.array([r0, r1]),
                jacobian=J,
                image_rays=extreme,
                interior=interior,
            )
        )
    # Rotate the cyclic list to start at the dead region, oriented so that {1} comes next.
    start = next(k for k, r in enumerate(regions) if r.pattern.sum() == 0)
    regions = regions[start:] + regions[:start]
    if regions[1].pattern[0] != 1:
        regions = [regions[0]] + regions[1:][::-1]
        regions = [
            UnitRegion(
                r.pattern,
                r.rank,
                r.rays[::-1],
                r.jacobian,
                r.image_rays[::-1],
                r.interior,
            )
            for r in regions
        ]
    for r in regions:
        for a in (r.pattern, r.rays, r.jacobian, r.image_rays, r.interior):
            a.setflags(write=False)
    return tuple(regions)


def polyline_points(x) -> np.ndarray:
    """Vertices of the polyline of one ReLU unit in the simplex (Proposition 13 of Karhadkar et al.).

    Every non-zero function a ReLU unit with bias represents on ``x`` is a positive multiple of a
    point of this polyline. Its vertices are the normalised images of the rays of the regions: the
    functions ``(x_i - x_j)_+`` (left-facing ReLU with its kink at ``x_i``, ``i = 2, ..., n``), then
    ``(x_j - x_i)_+`` (right-facing, ``i = 1, ..., n - 1``), each scaled to sum 1. Consecutive
    vertices are the extreme rays of the image of one region of rank 2.

    Parameters
    ----------
    x : array of shape ``(n,)`` or ``(1, n)``
        Sorted, pairwise distinct, finite inputs, ``n >= 2``.

    Returns
    -------
    ndarray of shape ``(2n - 2, n)``
        The vertices in order, from ``e_1`` to ``e_n``; each row is non-negative and sums to 1.
    """
    vertices = []
    for region in relu_unit_regions(x):
        for ray in region.image_rays:
            if not vertices or np.max(np.abs(ray - vertices[-1])) > 1e-12:
                vertices.append(ray)
    return np.array(vertices)


@functools.lru_cache(maxsize=64)
def _generators_of(points: tuple[float, ...]) -> dict[tuple[int, ...], np.ndarray]:
    """Map each realisable single-unit pattern to the generators (columns) of its region's image."""
    return {
        tuple(int(a) for a in r.pattern): np.array(r.image_rays.T)
        for r in _regions_of(points)
    }


def in_region_image(x, y, pattern, v=None, tol: float = MEMBERSHIP_TOL) -> bool:
    """Whether the labels ``y`` lie in the (closed) image of an activation region.

    For one unit, the image of the region with pattern ``a`` is the cone spanned by the extreme rays
    of :func:`relu_unit_regions`. For ``d1`` units with output weights ``v``, the network
    ``sum_i v_i max(0, w_i x + b_i)`` maps the region with pattern ``A`` (one row per unit) onto the
    Minkowski sum of the cones ``v_i * image_i``, that is, onto the cone spanned by the rays of all
    units, each multiplied by ``sign(v_i)``. Membership is decided by non-negative least squares
    (:func:`scipy.optimize.nnls`) on these generators.

    Parameters
    ----------
    x : array of shape ``(n,)`` or ``(1, n)``
        Sorted, pairwise distinct, finite inputs, ``n >= 2``.
    y : array of shape ``(n,)``
        Labels.
    pattern : array of shape ``(n,)`` or ``(d1, n)``
        0/1 activation pattern of one unit, or of ``d1`` units (one row per unit).
    v : array of shape ``(d1,)``, optional
        Non-zero output weights; default all ones. Only their signs matter.
    tol : float
        ``y`` counts as a member when the residual ``min_{c >= 0} |G c - y|`` is at most
        ``tol * max(1, |y|)``.

    Returns
    -------
    bool
        True when ``y`` lies in the closure of the image (up to ``tol``). A pattern that no parameter
        realises (an empty region) has an empty image: False.

    Notes
    -----
    The test is for the closed cone; on its boundary (a set of measure zero in ``R^n``) it also
    accepts points that only the closure of the region reaches.
    """
    x = _line_points(x, min_points=2)
    n = x.shape[0]
    y = as_vector(y, "y", length=n)
    A = as_float_array(pattern, "pattern")
    if A.ndim == 1:
        A = A[None, :]
    if A.ndim != 2 or A.shape[1] != n or A.shape[0] < 1:
        raise ValueError(
            f"pattern must have shape ({n},) or (d1, {n}), got shape {np.shape(pattern)}"
        )
    if not np.all((A == 0) | (A == 1)):
        raise ValueError("pattern must have entries 0 and 1 only")
    d1 = A.shape[0]
    v = np.ones(d1) if v is None else as_vector(v, "v", length=d1)
    if np.any(v == 0):
        raise ValueError("output weights v must be non-zero")
    tol = check_real(tol, "tol", low=0)
    generators = _generators_of(tuple(x.tolist()))
    columns = []
    for row, vi in zip(A.astype(int), v):
        G = generators.get(tuple(row.tolist()))
        if G is None:
            return False
        columns.append(np.sign(vi) * G)
    G = np.hstack(columns)
    if G.shape[1] == 0:
        return bool(np.linalg.norm(y) <= tol * max(1.0, np.linalg.norm(y)))
    residual = scipy.optimize.nnls(G, y)[1]
    return bool(residual <= tol * max(1.0, np.linalg.norm(y)))


def simplex_coordinates(points) -> np.ndarray:
    """Euclidean coordinates of points of the ``(n-1)``-simplex, for drawing.

    Barycentric coordinates ``p`` (rows summing to 1) are mapped to ``p @ V``, where the rows of
    ``V`` are the vertices of a regular simplex: an equilateral triangle in the plane for ``n = 3``,
    a regular tetrahedron in space for ``n = 4``, and the corners of a regular ``n``-gon in the
    plane (a projection) for other ``n``. The map is affine, so segments stay segments.

    Parameters
    ----------
    points : array of shape ``(k, n)`` or ``(n,)``
        Points in barycentric coordinates.

    Returns
    -------
    ndarray of shape ``(k, 3)`` for ``n = 4``, ``(k, 2)`` otherwise (``(3,)`` or ``(2,)`` for one point)
    """
    P = as_float_array(points, "points")
    single = P.ndim == 1
    P = np.atleast_2d(P)
    if P.ndim != 2:
        raise ValueError(
            f"points must have shape (k, n) or (n,), got shape {np.shape(points)}"
        )
    n = P.shape[1]
    if n == 4:
        V = np.array(
            [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float
        ) / np.sqrt(8)
    else:
        angles = np.pi / 2 + 2 * np.pi * np.arange(n) / n
        V = np.column_stack([np.cos(angles), np.sin(angles)])
    out = P @ V
    return out[0] if single else out


def distance_to_polyline(p, vertices) -> float:
    """Euclidean distance of the point ``p`` from the polyline through ``vertices``.

    Parameters
    ----------
    p : array of shape ``(n,)``
        The point.
    vertices : array of shape ``(k, n)``, ``k >= 2``
        The vertices of the polyline, in order; the polyline is the union of the ``k - 1`` segments
        between consecutive vertices.

    Returns
    -------
    float
        ``min_k min_{0 <= t <= 1} |p - a_k - t (c_k - a_k)|`` over the segments ``[a_k, c_k]``.
    """
    V = as_float_array(vertices, "vertices")
    if V.ndim != 2 or V.shape[0] < 2:
        raise ValueError(
            f"vertices must have shape (k, n) with k >= 2, got shape {V.shape}"
        )
    point = as_vector(p, "p")
    if point.shape[0] != V.shape[1]:
        raise ValueError(
            f"p has {point.shape[0]} entries, the vertices have {V.shape[1]}"
        )
    a, c = V[:-1], V[1:]
    length2 = np.einsum("kj,kj->k", c - a, c - a)
    if np.any(length2 == 0):
        raise ValueError("consecutive vertices must be distinct")
    t = np.clip(np.einsum("kj,kj->k", point - a, c - a) / length2, 0, 1)
    return float(np.min(np.linalg.norm(point - a - t[:, None] * (c - a), axis=1)))


def unit_on_polyline(x, segment: int, t: float) -> np.ndarray:
    """Parameters ``(w, b)`` of a unit whose normalised output is a given point of the polyline.

    The rank-2 regions of one unit (regions ``2, ..., 2n - 2`` of :func:`relu_unit_regions`, in
    order) map onto the ``2n - 3`` segments of the polyline of :func:`polyline_points`. On region
    ``segment + 2``, with bounding rays ``r_0, r_1`` and images ``q_0 = J_A r_0``, ``q_1 = J_A r_1``,
    the parameter ``theta = (1 - t) / sum(q_0) r_0 + t / sum(q_1) r_1`` has output
    ``F(theta) = (1 - t) q_0 / sum(q_0) + t q_1 / sum(q_1)``, the point at fraction ``t`` of the
    segment, and sum 1.

    Parameters
    ----------
    x : array of shape ``(n,)`` or ``(1, n)``
        Sorted, pairwise distinct, finite inputs, ``n >= 2``.
    segment : int
        The segment, ``0 <= segment < 2n - 3``.
    t : float
        The fraction along the segment, ``0 <= t <= 1``.

    Returns
    -------
    ndarray of shape ``(2,)``
        The parameter ``(w, b)``.
    """
    regions = relu_unit_regions(x)
    count = len(regions) - 3
    if isinstance(segment, bool) or not isinstance(segment, (int, np.integer)):
        raise TypeError(f"segment must be an integer, got {type(segment).__name__}")
    if not 0 <= segment < count:
        raise ValueError(f"segment must be in [0, {count - 1}], got {segment}")
    t = check_real(t, "t", low=0.0, high=1.0)
    region = regions[segment + 2]
    r0, r1 = region.rays
    q0, q1 = region.jacobian @ r0, region.jacobian @ r1
    return (1 - t) / q0.sum() * r0 + t / q1.sum() * r1


def draw_simplex_polyline(ax, x, samples) -> None:
    """Draw the simplex, normalised outputs and the polyline of one ReLU unit into ``ax``.

    Drawn in :func:`simplex_coordinates`: the edges of the simplex (grey lines), the outputs
    ``samples`` that are not zero, each scaled to sum 1 (grey dots), the polyline of
    :func:`polyline_points` (orange, with its vertices marked, label ``"polyline $P$"``), and the
    corners labelled ``e_1, ..., e_n``. The axes are switched off. For ``n = 4`` ``ax`` must be a
    3-D axes.

    Parameters
    ----------
    ax : matplotlib Axes
        The axes to draw into (3-D for ``n = 4``).
    x : array of shape ``(n,)`` or ``(1, n)``
        Sorted, pairwise distinct inputs, ``n >= 2``.
    samples : array of shape ``(k, n)``
        Non-negative output vectors ``F(theta)``, one per row (``k = 0`` allowed); rows that are
        zero are left out.
    """
    points = _line_points(x, min_points=2)
    n = points.shape[0]
    S = as_float_array(samples, "samples")
    if S.ndim != 2 or S.shape[1] != n:
        raise ValueError(f"samples must have shape (k, {n}), got shape {S.shape}")
    corners = simplex_coordinates(np.eye(n))
    for a, c in itertools.combinations(corners, 2):
        ax.plot(*np.column_stack([a, c]), color="0.6", lw=1)
    alive = S[S.sum(axis=1) > 0]
    ax.scatter(
        *simplex_coordinates(alive / alive.sum(axis=1, keepdims=True)).T,
        s=3,
        color="0.5",
        alpha=0.5,
    )
    line = simplex_coordinates(polyline_points(points))
    ax.plot(
        *line.T,
        color=PALETTE[1],
        lw=2,
        marker="o",
        ms=5,
        label="polyline $P$",
        zorder=3,
    )
    for j, corner in enumerate(corners):
        ax.text(*(1.15 * corner), f"$e_{j + 1}$", ha="center", va="center")
    ax.set_axis_off()
