"""Sublevel sets, descent paths and spurious valleys of two-parameter losses, computed on a grid.

A loss ``L`` of two parameters is sampled on a rectangular grid, ``loss_grid[i, j] = L(u[i], v[j])``.
The functions here answer, *for the sampled values*, the questions of Part II of the book:

* :func:`sublevel_components` labels the connected components of the sublevel set ``{L <= c}``;
* :func:`spurious_valleys` finds, level by level, the components that contain no global minimum;
* :func:`descent_reachable` is the grid version of a rooted valley: the cells reachable from a start
  cell by a descent path (a chain of neighbouring cells along which the loss never increases);
* :func:`reaches_global_minimum` marks the cells from which some descent path reaches a global minimum;
* :func:`barrier_level` is the lowest level at which two cells lie in one sublevel component (the
  height of the lowest pass between them).

**Grid conventions.** Two cells are *neighbours* under 4-connectivity when they share an edge (they differ by one in one
index), and under 8-connectivity when they share an edge or a corner. The default is 8: a component
found with 8-connectivity is separated from the rest of the sublevel set by a ring of cells above the
level that even diagonal steps cannot cross, so a spurious valley reported with 8-connectivity is the
conservative claim. Every 8-component is a union of 4-components, so 4-connectivity is the conservative
choice for the opposite claim (that no valley is spurious). Both are accepted everywhere.

A *global-minimum cell* is a cell whose value is at most ``min_value + atol``, where ``min_value`` is
the minimum of the grid unless the true minimum value is known and passed in.

**What a grid can certify.** Everything here is exact for the sampled values and approximate for the continuous loss: a
connection thinner than the grid spacing can be missed (a valley then looks spurious although it is
not), a ridge thinner than the spacing can be missed (two valleys then look merged), and a component
that touches the edge of the window may connect to a global minimum outside it. Refining the grid and
checking that the counts do not change is the practical test; for an ``M``-Lipschitz loss the barrier
between two points computed on a grid of spacing ``h`` with 8-connectivity differs from the true
barrier within the window by at most ``M h / sqrt(2)``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order

from ._validation import as_float_array, as_vector
from .plotting import PALETTE

__all__ = [
    "loss_on_grid",
    "sublevel_components",
    "global_minimum_cells",
    "SublevelReport",
    "spurious_valleys",
    "descent_reachable",
    "reaches_global_minimum",
    "barrier_level",
    "component_classes",
    "draw_sublevel_components",
    "draw_local_minima",
    "plot_descent_map",
]

#: Default tolerance above the minimum value within which a grid cell counts as a global minimum.
GLOBAL_ATOL = 1e-9

_STRUCTURES = {
    4: ndimage.generate_binary_structure(2, 1),
    8: ndimage.generate_binary_structure(2, 2),
}
_OFFSETS = {4: [(0, 1), (1, 0)], 8: [(0, 1), (1, 0), (1, 1), (1, -1)]}


# --------------------------------------------------------------------------------------- validation


def _grid(loss_grid) -> np.ndarray:
    grid = as_float_array(loss_grid, "loss_grid", ndim=2)
    if grid.size == 0:
        raise ValueError(f"loss_grid must not be empty, got shape {grid.shape}")
    return grid


def _connectivity(connectivity) -> int:
    if isinstance(connectivity, bool) or connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    return int(connectivity)


def _level(level, name: str = "level") -> float:
    value = as_float_array(level, name)
    if value.ndim != 0:
        raise ValueError(f"{name} must be a single number, got shape {value.shape}")
    return float(value)


def _cell(grid: np.ndarray, cell, name: str) -> tuple[int, int]:
    try:
        index = tuple(cell)
    except TypeError:
        index = ()
    if (
        len(index) != 2
        or not all(
            isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in index
        )
        or not all(0 <= k < size for k, size in zip(index, grid.shape))
    ):
        raise ValueError(
            f"{name} must be a pair of integer indices (i, j) inside a grid of shape "
            f"{grid.shape}, got {cell!r}"
        )
    return int(index[0]), int(index[1])


def _edges(shape: tuple[int, int], connectivity: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices ``(a, b)`` of every pair of neighbouring cells, each unordered pair once."""
    index = np.arange(shape[0] * shape[1]).reshape(shape)
    sources, targets = [], []
    for di, dj in _OFFSETS[connectivity]:
        rows = slice(0, shape[0] - di)
        cols = slice(max(0, -dj), shape[1] - max(0, dj))
        rows_to = slice(di, shape[0])
        cols_to = slice(max(0, dj), shape[1] - max(0, -dj))
        sources.append(index[rows, cols].ravel())
        targets.append(index[rows_to, cols_to].ravel())
    return np.concatenate(sources), np.concatenate(targets)


def _reachable(
    n_cells: int, sources: np.ndarray, targets: np.ndarray, seeds: np.ndarray
) -> np.ndarray:
    """Boolean mask of the nodes reachable along directed edges ``sources -> targets`` from ``seeds``."""
    root = n_cells  # a virtual node joined to every seed
    rows = np.concatenate([sources, np.full(seeds.size, root)])
    cols = np.concatenate([targets, seeds])
    graph = coo_matrix(
        (np.ones(rows.size), (rows, cols)), shape=(n_cells + 1, n_cells + 1)
    ).tocsr()
    order = breadth_first_order(graph, root, directed=True, return_predecessors=False)
    mask = np.zeros(n_cells + 1, dtype=bool)
    mask[order] = True
    return mask[:n_cells]


# ------------------------------------------------------------------------------------- public API


def loss_on_grid(
    loss: Callable[[np.ndarray, np.ndarray], np.ndarray], axis0, axis1
) -> np.ndarray:
    """Evaluate a two-parameter loss on the grid ``axis0 x axis1``.

    Parameters
    ----------
    loss : callable
        Vectorised loss: called once as ``loss(U, V)`` with two arrays of shape
        ``(len(axis0), len(axis1))`` (``numpy.meshgrid`` with ``indexing="ij"``), it must return an
        array of that shape.
    axis0, axis1 : array_like
        Strictly increasing, finite sample points of the first and second parameter.

    Returns
    -------
    numpy.ndarray
        ``loss_grid`` of shape ``(len(axis0), len(axis1))`` with ``loss_grid[i, j] = loss(axis0[i], axis1[j])``,
        float64. To draw it with ``pcolormesh(axis0, axis1, C)`` pass ``C = loss_grid.T``.
    """
    axes = [as_vector(a, name) for a, name in ((axis0, "axis0"), (axis1, "axis1"))]
    for a, name in zip(axes, ("axis0", "axis1")):
        if a.size < 2 or np.any(np.diff(a) <= 0):
            raise ValueError(f"{name} must hold at least 2 strictly increasing values")
    U, V = np.meshgrid(*axes, indexing="ij")
    values = np.asarray(loss(U, V), dtype=np.float64)
    if values.shape != U.shape:
        raise ValueError(
            f"loss must return an array of shape {U.shape}, got {values.shape}"
        )
    return _grid(values)


def sublevel_components(
    loss_grid, level: float, connectivity: int = 8
) -> tuple[np.ndarray, int]:
    """Connected components of the sublevel set ``{loss_grid <= level}``.

    Parameters
    ----------
    loss_grid : array_like
        Finite loss values of shape ``(n0, n1)``.
    level : float
        The level ``c``; cells with ``loss_grid <= c`` belong to the sublevel set.
    connectivity : {4, 8}
        Neighbourhood of a cell: 4 (shared edge) or 8 (shared edge or corner, the default; see the
        module documentation for the choice).

    Returns
    -------
    labels : numpy.ndarray
        Integer array of shape ``(n0, n1)``: 0 outside the sublevel set, ``1..n_components`` on its
        components (numbered in the raster order of their first cell, as ``scipy.ndimage.label`` does).
    n_components : int
        Number of components (0 when the level is below the minimum).
    """
    grid = _grid(loss_grid)
    labels, n = ndimage.label(
        grid <= _level(level), structure=_STRUCTURES[_connectivity(connectivity)]
    )
    return labels, int(n)


def global_minimum_cells(
    loss_grid, min_value: float | None = None, atol: float = GLOBAL_ATOL
) -> np.ndarray:
    """Cells that count as global minima: ``loss_grid <= min_value + atol``.

    Parameters
    ----------
    loss_grid : array_like
        Finite loss values of shape ``(n0, n1)``.
    min_value : float, optional
        The known global minimum value of the loss. By default the minimum of the grid.
    atol : float
        Non-negative tolerance above ``min_value``.

    Returns
    -------
    numpy.ndarray
        Boolean mask of shape ``(n0, n1)``.

    Raises
    ------
    ValueError
        If ``min_value`` is given and some cell lies more than ``atol`` below it (it is then not the
        minimum), or no cell lies within ``atol`` above it (the grid does not resolve the minimum:
        refine the grid or raise ``atol``).
    """
    grid = _grid(loss_grid)
    atol = _level(atol, "atol")
    if atol < 0:
        raise ValueError(f"atol must be non-negative, got {atol}")
    if min_value is None:
        minimum = float(grid.min())
    else:
        minimum = _level(min_value, "min_value")
        if grid.min() < minimum - atol:
            raise ValueError(
                f"the grid has values down to {grid.min():.6g}, below min_value = {minimum:.6g}"
            )
    mask = grid <= minimum + atol
    if not mask.any():
        raise ValueError(
            f"no grid cell lies within atol = {atol:.3g} of min_value = {minimum:.6g}: "
            "refine the grid or raise atol"
        )
    return mask


class SublevelReport(NamedTuple):
    """The components of one sublevel set and which of them are spurious (see :func:`spurious_valleys`)."""

    level: float
    """The level ``c``."""
    labels: np.ndarray
    """Component labels as returned by :func:`sublevel_components` (0 outside the sublevel set)."""
    n_components: int
    """Number of components."""
    global_ids: np.ndarray
    """Sorted labels of the components that contain a global-minimum cell."""
    spurious_ids: np.ndarray
    """Sorted labels of the components that contain none: the spurious valleys at this level."""
    boundary_ids: np.ndarray
    """Sorted labels of the components that touch the edge of the grid (they may continue outside it)."""


def spurious_valleys(
    loss_grid,
    levels,
    *,
    connectivity: int = 8,
    min_value: float | None = None,
    atol: float = GLOBAL_ATOL,
) -> list[SublevelReport]:
    """Spurious valleys of a sampled loss: sublevel components that contain no global minimum.

    Parameters
    ----------
    loss_grid : array_like
        Finite loss values of shape ``(n0, n1)``.
    levels : array_like
        Finite levels ``c`` (a number or a 1-D array).
    connectivity : {4, 8}
        Neighbourhood of a cell, as in :func:`sublevel_components`.
    min_value, atol : float
        Which cells count as global minima, as in :func:`global_minimum_cells`.

    Returns
    -------
    list of SublevelReport
        One report per level, in the order given. ``report.spurious_ids`` lists the labels (in
        ``report.labels``) of the components of ``{loss_grid <= c}`` without a global-minimum cell.
        A spurious component listed in ``report.boundary_ids`` touches the edge of the grid, so the
        grid alone cannot tell whether it joins a global minimum outside the window.
    """
    grid = _grid(loss_grid)
    level_values = as_float_array(levels, "levels")
    if level_values.ndim > 1:
        raise ValueError(
            f"levels must be a number or a 1-D array, got shape {level_values.shape}"
        )
    minima = global_minimum_cells(grid, min_value, atol)
    edge = np.ones(grid.shape, dtype=bool)
    edge[1:-1, 1:-1] = False
    reports = []
    for c in np.atleast_1d(level_values):
        labels, n = sublevel_components(grid, c, connectivity)
        with_minimum = np.unique(labels[minima & (labels > 0)])
        all_ids = np.arange(1, n + 1)
        reports.append(
            SublevelReport(
                float(c),
                labels,
                n,
                with_minimum,
                np.setdiff1d(all_ids, with_minimum),
                np.unique(labels[edge & (labels > 0)]),
            )
        )
    return reports


def descent_reachable(loss_grid, start, connectivity: int = 8) -> np.ndarray:
    """The grid rooted valley of ``start``: cells reachable from it by a descent path.

    A grid descent path is a sequence of cells, each a neighbour of the previous one, along which the
    loss never increases (equal values are allowed, so a path may cross a plateau).

    Parameters
    ----------
    loss_grid : array_like
        Finite loss values of shape ``(n0, n1)``.
    start : tuple of int
        The indices ``(i, j)`` of the start cell.
    connectivity : {4, 8}
        Neighbourhood of a cell, as in :func:`sublevel_components`.

    Returns
    -------
    numpy.ndarray
        Boolean mask of shape ``(n0, n1)``, true on the cells that some descent path from ``start``
        reaches (``start`` included). It lies inside the component of ``start`` in the sublevel set
        ``{loss_grid <= loss_grid[start]}``, usually strictly.
    """
    grid = _grid(loss_grid)
    i, j = _cell(grid, start, "start")
    a, b = _edges(grid.shape, _connectivity(connectivity))
    flat = grid.ravel()
    down_ab, down_ba = flat[b] <= flat[a], flat[a] <= flat[b]
    sources = np.concatenate([a[down_ab], b[down_ba]])
    targets = np.concatenate([b[down_ab], a[down_ba]])
    return _reachable(
        grid.size, sources, targets, np.array([i * grid.shape[1] + j])
    ).reshape(grid.shape)


def reaches_global_minimum(
    loss_grid,
    *,
    connectivity: int = 8,
    min_value: float | None = None,
    atol: float = GLOBAL_ATOL,
) -> np.ndarray:
    """Cells from which some grid descent path reaches a global-minimum cell.

    Parameters
    ----------
    loss_grid : array_like
        Finite loss values of shape ``(n0, n1)``.
    connectivity : {4, 8}
        Neighbourhood of a cell, as in :func:`sublevel_components`.
    min_value, atol : float
        Which cells count as global minima, as in :func:`global_minimum_cells`.

    Returns
    -------
    numpy.ndarray
        Boolean mask of shape ``(n0, n1)``. On a grid it is true everywhere exactly when no sublevel
        set, at any level, has a spurious component (the grid form of the characterisation of
        spurious valleys by descent paths).
    """
    grid = _grid(loss_grid)
    minima = global_minimum_cells(grid, min_value, atol)
    a, b = _edges(grid.shape, _connectivity(connectivity))
    flat = grid.ravel()
    # Walk backwards along descent steps: from a cell to every neighbour at least as high.
    up_ab, up_ba = flat[b] >= flat[a], flat[a] >= flat[b]
    sources = np.concatenate([a[up_ab], b[up_ba]])
    targets = np.concatenate([b[up_ab], a[up_ba]])
    return _reachable(grid.size, sources, targets, np.flatnonzero(minima)).reshape(
        grid.shape
    )


def barrier_level(loss_grid, start, targets, connectivity: int = 8) -> float:
    """The lowest level at which ``start`` and a target cell lie in one sublevel component.

    Equivalently, the minimum over grid paths from ``start`` to a target cell of the largest loss
    value along the path (the height of the lowest pass). A local minimum ``start`` with value
    ``L0`` sits in a spurious valley for every level in ``[L0, barrier_level)`` when the targets are
    the global-minimum cells.

    Parameters
    ----------
    loss_grid : array_like
        Finite loss values of shape ``(n0, n1)``.
    start : tuple of int
        Indices ``(i, j)`` of the start cell.
    targets : array_like of bool
        Mask of shape ``(n0, n1)`` of the target cells, with at least one true entry.
    connectivity : {4, 8}
        Neighbourhood of a cell, as in :func:`sublevel_components`.

    Returns
    -------
    float
        A value of ``loss_grid`` (exact for the grid; found by bisection over the sorted grid values).
    """
    grid = _grid(loss_grid)
    i, j = _cell(grid, start, "start")
    target = np.asarray(targets)
    if target.shape != grid.shape or target.dtype != bool or not target.any():
        raise ValueError(
            f"targets must be a boolean mask of shape {grid.shape} with at least one true entry"
        )
    values = np.unique(grid)
    lowest = max(grid[i, j], grid[target].min())
    lo, hi = (
        int(np.searchsorted(values, lowest)),
        values.size - 1,
    )  # the answer is values[k], lo <= k <= hi

    def joined(k: int) -> bool:
        labels, _ = sublevel_components(grid, values[k], connectivity)
        return labels[i, j] > 0 and bool(np.any(labels[target] == labels[i, j]))

    while lo < hi:
        mid = (lo + hi) // 2
        if joined(mid):
            hi = mid
        else:
            lo = mid + 1
    return float(values[lo])


#: Colours of :func:`draw_sublevel_components`: outside the sublevel set, with a global minimum, spurious.
CLASS_COLOURS = ("#EEEEEE", PALETTE[0], PALETTE[1])


def component_classes(report: SublevelReport) -> np.ndarray:
    """Classify every cell of a :class:`SublevelReport`.

    Parameters
    ----------
    report : SublevelReport
        One entry of the list returned by :func:`spurious_valleys`.

    Returns
    -------
    numpy.ndarray
        Integer array of the grid's shape: 0 outside the sublevel set, 1 in a component that contains
        a global minimum, 2 in a spurious component.
    """
    classes = (report.labels > 0).astype(int)
    classes[np.isin(report.labels, report.spurious_ids) & (report.labels > 0)] = 2
    return classes


def draw_sublevel_components(ax, axis0, axis1, report: SublevelReport):
    """Draw the sublevel set of a report on ``ax``, coloured by :func:`component_classes`.

    Light grey: outside the sublevel set; blue: components with a global minimum; vermillion:
    spurious components (colour-blind-safe Okabe-Ito colours). Each cell is drawn as a rectangle
    centred on its grid point, as an image (cheap to draw and to digest, even for large grids).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw; the first parameter goes on the horizontal axis.
    axis0, axis1 : array_like
        The equally spaced grid axes the report was computed on, of lengths ``n0`` and ``n1``.
    report : SublevelReport
        The sublevel set to draw.

    Returns
    -------
    matplotlib.image.AxesImage
        The drawn image.
    """
    from matplotlib.colors import ListedColormap

    axes = [as_vector(a, name) for a, name in ((axis0, "axis0"), (axis1, "axis1"))]
    if report.labels.shape != (axes[0].size, axes[1].size):
        raise ValueError(
            f"the report's grid has shape {report.labels.shape}, the axes give "
            f"{(axes[0].size, axes[1].size)}"
        )
    extent = []
    for a, name in zip(axes, ("axis0", "axis1")):
        steps = np.diff(a)
        if (
            a.size < 2
            or steps.min() <= 0
            or not np.allclose(steps, steps[0], rtol=1e-6, atol=0)
        ):
            raise ValueError(
                f"{name} must hold at least 2 equally spaced increasing values"
            )
        extent += [a[0] - steps[0] / 2, a[-1] + steps[0] / 2]
    return ax.imshow(
        component_classes(report).T,
        origin="lower",
        extent=extent,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(CLASS_COLOURS),
        vmin=-0.5,
        vmax=2.5,
    )


def draw_local_minima(ax, points, sizes=(9, 4)):
    """Mark the local minima of a two-parameter loss on ``ax``.

    The first point, the global minimum, is drawn as a black star, the others as white dots with
    a black edge, so that they show on the blue and vermillion of
    :func:`draw_sublevel_components` alike.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw; the first parameter goes on the horizontal axis.
    points : sequence of pairs
        The minima ``(u, v)``, the global minimum first.
    sizes : pair of float, optional
        Marker sizes of the star and of the dots.

    Returns
    -------
    list of matplotlib.lines.Line2D
        One marker per point, in the order of ``points``.
    """
    points = as_float_array(points, "points", ndim=2)
    if points.shape[1] != 2 or points.shape[0] < 1:
        raise ValueError(
            f"points must have shape (m, 2) with m >= 1, got {points.shape}"
        )
    if len(sizes) != 2 or min(sizes) <= 0:
        raise ValueError(f"sizes must be two positive marker sizes, got {sizes!r}")
    markers = []
    for k, (u, v) in enumerate(points):
        markers += ax.plot(
            u,
            v,
            "*" if k == 0 else "o",
            ms=sizes[0] if k == 0 else sizes[1],
            color="black",
            mfc="white" if k else "black",
        )
    return markers


def plot_descent_map(reach, axis0, axis1, starts, rooted, minima, labels=None):
    """Draw where grid descent reaches a global minimum, and the rooted valleys of some starts.

    Cells from which a descent path reaches a global minimum (:func:`reaches_global_minimum`) are
    blue, the others vermillion; the boundary of the rooted valley (:func:`descent_reachable`) of
    each start is drawn in the start's colour (orange, then black) around the start's square
    marker; the local minima are marked as in :func:`draw_local_minima`.

    Parameters
    ----------
    reach : bool array of shape ``(n0, n1)``
        The map of :func:`reaches_global_minimum` on the grid ``axis0 x axis1``.
    axis0, axis1 : array_like
        The equally spaced grid axes, of lengths ``n0`` and ``n1``.
    starts : dict
        ``{name: (i, j)}``: at most two start cells, by index; the names are the legend entries.
    rooted : dict
        ``{name: mask}`` with the same names: the rooted valley of each start, a bool array of
        shape ``(n0, n1)``.
    minima : sequence of pairs
        The local minima ``(u, v)``, the global minimum first.
    labels : pair of str, optional
        Labels of the horizontal and vertical axes (by default the mathematical names
        :math:`u` and :math:`v`).

    Returns
    -------
    matplotlib.figure.Figure
        A new figure of 6.4 x 4.2 inches.
    """
    if labels is None:
        labels = ("$u$", "$v$")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    axes = [as_vector(a, name) for a, name in ((axis0, "axis0"), (axis1, "axis1"))]
    shape = (axes[0].size, axes[1].size)
    reach = np.asarray(reach)
    if reach.dtype != bool or reach.shape != shape:
        raise ValueError(f"reach must be a bool array of shape {shape}")
    if not isinstance(starts, dict) or not isinstance(rooted, dict):
        raise TypeError(
            "starts and rooted must be dictionaries keyed by the starts' names"
        )
    if list(starts) != list(rooted) or not 1 <= len(starts) <= 2:
        raise ValueError("starts and rooted must have the same one or two names")
    for name, cell in starts.items():
        mask = np.asarray(rooted[name])
        if mask.dtype != bool or mask.shape != shape:
            raise ValueError(f"rooted[{name!r}] must be a bool array of shape {shape}")
        if len(cell) != 2 or not all(0 <= c < s for c, s in zip(cell, shape)):
            raise ValueError(f"starts[{name!r}] = {cell!r} is not a cell of the grid")
    extent = []
    for a, name in zip(axes, ("axis0", "axis1")):
        if a.size < 2 or np.diff(a).min() <= 0:
            raise ValueError(f"{name} must hold at least 2 increasing values")
        half = (a[1] - a[0]) / 2  # cells are centred on the grid points
        extent += [a[0] - half, a[-1] + half]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.imshow(
        reach.T,
        origin="lower",
        extent=extent,
        aspect="auto",
        cmap=ListedColormap([PALETTE[1], PALETTE[0]]),
        interpolation="nearest",
    )
    for k, (name, cell) in enumerate(starts.items()):
        colour = PALETTE[4 + 2 * k]
        ax.contour(
            *axes,
            np.asarray(rooted[name]).T.astype(float),
            levels=[0.5],
            colors=[colour],
        )
        ax.plot(
            axes[0][cell[0]],
            axes[1][cell[1]],
            "s",
            color=colour,
            mec="white",
            label=name,
        )
    draw_local_minima(ax, minima, sizes=(9, 5))
    ax.set(
        xlabel=labels[0],
        ylabel=labels[1],
        title="Where descent can reach the global minimum",
    )
    ax.legend(loc="upper left", fontsize=8)
    return fig
