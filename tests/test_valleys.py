"""Sublevel components, spurious valleys and descent paths on grids, against independent ground truth:
a flood fill written here, closed-form barrier heights, brute-force minimax paths, and the grid form of
the theorem that relates spurious valleys to descent paths."""

import heapq
from collections import deque

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lecture_utils as lu
from lecture_utils.valleys import (
    barrier_level,
    component_classes,
    descent_reachable,
    draw_sublevel_components,
    global_minimum_cells,
    loss_on_grid,
    reaches_global_minimum,
    spurious_valleys,
    sublevel_components,
)


def neighbours(i, j, shape, connectivity):
    steps = [(0, 1), (1, 0), (0, -1), (-1, 0)]
    if connectivity == 8:
        steps += [(1, 1), (1, -1), (-1, 1), (-1, -1)]
    for di, dj in steps:
        a, b = i + di, j + dj
        if 0 <= a < shape[0] and 0 <= b < shape[1]:
            yield a, b


def flood_fill_components(mask, connectivity):
    """Brute-force labelling by breadth-first search: a list of sets of cells."""
    seen, components = np.zeros(mask.shape, dtype=bool), []
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        queue, component = deque([start]), set()
        seen[start] = True
        while queue:
            cell = queue.popleft()
            component.add(cell)
            for nb in neighbours(*cell, mask.shape, connectivity):
                if mask[nb] and not seen[nb]:
                    seen[nb] = True
                    queue.append(nb)
        components.append(frozenset(component))
    return components


def descend_brute_force(grid, start, connectivity):
    """Cells reachable from start by non-increasing steps, by depth-first search."""
    seen, stack = {start}, [start]
    while stack:
        cell = stack.pop()
        for nb in neighbours(*cell, grid.shape, connectivity):
            if nb not in seen and grid[nb] <= grid[cell]:
                seen.add(nb)
                stack.append(nb)
    return seen


def minimax_path_value(grid, start, targets, connectivity):
    """Dijkstra with the maximum instead of the sum: the lowest possible highest value of a path."""
    best = np.full(grid.shape, np.inf)
    best[start] = grid[start]
    heap = [(grid[start], start)]
    while heap:
        value, cell = heapq.heappop(heap)
        if targets[cell]:
            return value
        if value > best[cell]:
            continue
        for nb in neighbours(*cell, grid.shape, connectivity):
            candidate = max(value, grid[nb])
            if candidate < best[nb]:
                best[nb] = candidate
                heapq.heappush(heap, (candidate, nb))
    raise AssertionError("no path")


def random_grid(seed, shape=(9, 11), values=6):
    """Integer-valued grids: many ties and plateaus, the hard case for descent paths."""
    return np.random.default_rng(seed).integers(0, values, size=shape).astype(float)


# ------------------------------------------------------------------------------- components


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("seed", range(8))
def test_components_match_flood_fill(seed, connectivity):
    grid = np.random.default_rng(seed).normal(size=(17, 13))
    for level in (-0.5, 0.0, 0.4, 1.0):
        labels, n = sublevel_components(grid, level, connectivity)
        expected = flood_fill_components(grid <= level, connectivity)
        assert n == len(expected)
        assert np.array_equal(labels > 0, grid <= level)
        found = {frozenset(zip(*np.nonzero(labels == k))) for k in range(1, n + 1)}
        assert found == set(expected)


def test_diagonal_cells_separate_under_4_and_join_under_8():
    grid = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert sublevel_components(grid, 0.5, connectivity=4)[1] == 2
    assert sublevel_components(grid, 0.5, connectivity=8)[1] == 1
    assert sublevel_components(grid, -1.0)[1] == 0


@pytest.mark.parametrize("connectivity", [4, 8])
def test_double_well_counts_match_the_barrier_in_closed_form(connectivity):
    # L(u, v) = (u^2 - 1)^2 + v^2: minima (+-1, 0) at level 0, the saddle (0, 0) at level 1. The window
    # holds the whole sublevel set {L <= c} for c < 1.8, so below the saddle there are exactly two
    # components, above it one.
    u, v = np.linspace(-1.6, 1.6, 161), np.linspace(-1.5, 1.5, 151)
    grid = loss_on_grid(lambda a, b: (a**2 - 1) ** 2 + b**2, u, v)
    for level, expected in [(0.05, 2), (0.5, 2), (0.95, 2), (1.05, 1), (1.5, 1)]:
        assert sublevel_components(grid, level, connectivity)[1] == expected
    # u = 0 and v = 0 are grid lines, so the grid barrier is exactly the saddle value.
    minima = global_minimum_cells(grid, min_value=0.0, atol=1e-12)
    assert (
        minima.sum() == 2 and minima[30, 75] and minima[130, 75]
    )  # u = -1, 1 and v = 0
    right_well = minima & (np.arange(161)[:, None] > 80)
    assert barrier_level(grid, (30, 75), right_well, connectivity) == pytest.approx(
        1.0, abs=1e-12
    )
    assert all(
        not r.spurious_ids.size
        for r in spurious_valleys(grid, [0.5, 1.5], connectivity=connectivity)
    )


def test_loss_on_grid_indexing():
    grid = loss_on_grid(lambda a, b: 10 * a + b, [0.0, 1.0, 2.0], [0.0, 0.5])
    np.testing.assert_array_equal(grid, [[0.0, 0.5], [10.0, 10.5], [20.0, 20.5]])


# ------------------------------------------------------------------------------- spurious valleys


def test_spurious_valley_by_hand():
    grid = np.array(
        [
            [5.0, 5.0, 5.0, 5.0, 5.0],
            [0.0, 5.0, 1.0, 5.0, 0.0],
            [5.0, 5.0, 5.0, 5.0, 5.0],
        ]
    )
    (low, mid, high) = spurious_valleys(grid, [0.5, 2.0, 5.0])
    assert low.n_components == 2 and low.spurious_ids.size == 0
    assert mid.n_components == 3 and list(mid.spurious_ids) == [mid.labels[1, 2]]
    assert high.n_components == 1 and high.spurious_ids.size == 0
    assert list(mid.boundary_ids) == [
        mid.labels[1, 0],
        mid.labels[1, 4],
    ]  # the middle one is interior


def test_tilted_double_well_has_a_spurious_valley_between_its_critical_values():
    # L(u, v) = (u^2 - 1)^2 + 0.3 u + v^2: critical points at the roots of 4u^3 - 4u + 0.3.
    def loss(u, v):
        return (u**2 - 1) ** 2 + 0.3 * u + v**2

    left, middle, right = np.sort(np.roots([4, 0, -4, 0.3]).real)
    low, local, saddle = loss(left, 0), loss(right, 0), loss(middle, 0)
    assert low < local < saddle
    u, v = np.linspace(-1.7, 1.7, 681), np.linspace(-1.4, 1.4, 281)
    grid = loss_on_grid(loss, u, v)
    h = u[1] - u[0]
    slack = (
        3 * h
    )  # the grid misses a critical value by at most |grad| * h ~ 3h near these points
    right_cell = (int(np.argmin(np.abs(u - right))), 140)
    for level in np.linspace(local + slack, saddle - slack, 5):
        (report,) = spurious_valleys(grid, level)
        assert report.n_components == 2
        assert list(report.spurious_ids) == [report.labels[right_cell]]
        assert report.boundary_ids.size == 0
    for level in (low + slack, local - slack, saddle + slack, 2.0):
        (report,) = spurious_valleys(grid, level)
        assert report.spurious_ids.size == 0
    minima = global_minimum_cells(grid)
    assert abs(barrier_level(grid, right_cell, minima) - saddle) < slack
    assert not reaches_global_minimum(grid)[right_cell]


def test_known_minimum_value_and_tolerance():
    grid = np.array([[0.001, 3.0, 0.002]])
    assert global_minimum_cells(grid, min_value=0.0, atol=0.005).sum() == 2
    (report,) = spurious_valleys(
        grid, 1.0
    )  # grid minimum only: the right cell is spurious
    assert list(report.spurious_ids) == [report.labels[0, 2]]
    (report,) = spurious_valleys(grid, 1.0, min_value=0.0, atol=0.005)
    assert report.spurious_ids.size == 0
    with pytest.raises(ValueError, match="refine"):
        global_minimum_cells(grid, min_value=0.0, atol=1e-6)
    with pytest.raises(ValueError, match="below min_value"):
        global_minimum_cells(grid, min_value=0.01, atol=1e-6)


def test_component_classes_and_drawing():
    import matplotlib.pyplot as plt

    grid = np.array([[5.0, 5.0, 5.0], [0.0, 5.0, 1.0], [5.0, 5.0, 5.0]])
    (report,) = spurious_valleys(grid, 2.0)
    expected = np.array([[0, 0, 0], [1, 0, 2], [0, 0, 0]])
    np.testing.assert_array_equal(component_classes(report), expected)
    fig, ax = plt.subplots()
    image = draw_sublevel_components(ax, [0.0, 1.0, 2.0], [0.0, 1.0, 2.0], report)
    np.testing.assert_array_equal(
        np.asarray(image.get_array()), expected.T
    )  # row = second parameter
    assert image.get_extent() == [-0.5, 2.5, -0.5, 2.5]
    with pytest.raises(ValueError):
        draw_sublevel_components(ax, [0.0, 1.0], [0.0, 1.0, 2.0], report)
    with pytest.raises(ValueError):
        draw_sublevel_components(ax, [0.0, 1.0, 3.0], [0.0, 1.0, 2.0], report)
    plt.close(fig)


# ------------------------------------------------------------------------------- descent paths


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("seed", range(6))
def test_descent_reachable_matches_brute_force(seed, connectivity):
    grid = random_grid(seed)
    rng = np.random.default_rng(100 + seed)
    for _ in range(5):
        start = tuple(int(k) for k in rng.integers(0, grid.shape))
        mask = descent_reachable(grid, start, connectivity)
        assert set(zip(*np.nonzero(mask))) == descend_brute_force(
            grid, start, connectivity
        )
        labels, _ = sublevel_components(grid, grid[start], connectivity)
        assert np.all(
            labels[mask] == labels[start]
        )  # a rooted valley lies in one component


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("seed", range(6))
def test_reaches_global_minimum_matches_brute_force(seed, connectivity):
    grid = random_grid(seed)
    minima = grid == grid.min()
    mask = reaches_global_minimum(grid, connectivity=connectivity)
    for cell in zip(*np.nonzero(np.ones(grid.shape))):
        expected = any(minima[c] for c in descend_brute_force(grid, cell, connectivity))
        assert mask[cell] == expected


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    rows=st.integers(1, 6),
    cols=st.integers(1, 6),
    values=st.integers(1, 5),
    connectivity=st.sampled_from([4, 8]),
)
def test_no_spurious_valley_iff_every_cell_descends_to_a_global_minimum(
    seed, rows, cols, values, connectivity
):
    # The grid form of the characterisation: two independent computations must agree.
    grid = random_grid(seed, (rows, cols), values)
    reports = spurious_valleys(grid, np.unique(grid), connectivity=connectivity)
    no_spurious = all(r.spurious_ids.size == 0 for r in reports)
    assert no_spurious == bool(
        reaches_global_minimum(grid, connectivity=connectivity).all()
    )


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("seed", range(6))
def test_barrier_level_matches_minimax_dijkstra(seed, connectivity):
    grid = np.random.default_rng(seed).normal(size=(12, 10))
    targets = np.zeros(grid.shape, dtype=bool)
    targets[-1, -1] = targets[-2, 0] = True
    for start in [(0, 0), (3, 7), (11, 9)]:
        assert barrier_level(grid, start, targets, connectivity) == minimax_path_value(
            grid, start, targets, connectivity
        )


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros(4),
        np.zeros((2, 2, 2)),
        [[0.0, np.nan]],
        [[np.inf]],
        np.zeros((0, 3)),
        "ab",
    ],
)
def test_bad_grids_raise(bad):
    with pytest.raises(ValueError):
        sublevel_components(bad, 0.0)
    with pytest.raises(ValueError):
        spurious_valleys(bad, [0.0])


def test_bad_arguments_raise():
    grid = np.zeros((3, 3))
    for call in [
        lambda: sublevel_components(grid, np.nan),
        lambda: sublevel_components(grid, [0.0, 1.0]),
        lambda: sublevel_components(grid, 0.0, connectivity=6),
        lambda: spurious_valleys(grid, [0.0, np.inf]),
        lambda: spurious_valleys(grid, [[0.0]]),
        lambda: spurious_valleys(grid, [0.0], atol=-1.0),
        lambda: descent_reachable(grid, (3, 0)),
        lambda: descent_reachable(grid, (0.5, 0)),
        lambda: descent_reachable(grid, 0),
        lambda: barrier_level(grid, (0, 0), np.zeros((3, 3), dtype=bool)),
        lambda: barrier_level(grid, (0, 0), np.ones((2, 2), dtype=bool)),
        lambda: loss_on_grid(lambda a, b: a + b, [0.0, 0.0], [0.0, 1.0]),
        lambda: loss_on_grid(lambda a, b: np.zeros(3), [0.0, 1.0], [0.0, 1.0]),
        lambda: loss_on_grid(
            lambda a, b: np.where(a > 0, a, np.nan), [0.0, 1.0], [0.0, 1.0]
        ),
        lambda: global_minimum_cells(grid, min_value=np.nan),
    ]:
        with pytest.raises(ValueError):
            call()


# --- draw_local_minima and plot_descent_map: the figures of Chapter 5 ---


def _descent_example():
    axis0, axis1 = np.linspace(-2, 2, 41), np.linspace(-1, 1, 21)
    grid = loss_on_grid(lambda a, b: 0.5 * (a * b - 1) ** 2 + 0.1 * a, axis0, axis1)
    reach = reaches_global_minimum(grid)
    starts = {"start A": (5, 3), "start B": (30, 15)}
    rooted = {name: descent_reachable(grid, cell) for name, cell in starts.items()}
    minima = [(1.5, 0.6), (-1.2, -0.8)]
    return reach, axis0, axis1, starts, rooted, minima


def test_draw_local_minima_marks_the_global_one_apart():
    import matplotlib.pyplot as plt

    from lecture_utils.valleys import draw_local_minima

    fig, ax = plt.subplots()
    star, dot, dot2 = draw_local_minima(ax, [(2, 0), (0.5, 0.9), (-1, 0)], sizes=(9, 4))
    assert ax.get_lines() == [star, dot, dot2]
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (2, 0)
    assert (dot2.get_xdata()[0], dot2.get_ydata()[0]) == (-1, 0)
    assert star.get_marker() == "*" and star.get_markersize() == 9
    assert dot.get_marker() == "o" and dot.get_markersize() == 4
    assert (
        star.get_markerfacecolor() == "black" and dot.get_markerfacecolor() == "white"
    )
    with pytest.raises(ValueError, match="shape"):
        draw_local_minima(ax, [(1, 2, 3)])
    with pytest.raises(ValueError, match="sizes"):
        draw_local_minima(ax, [(1, 2)], sizes=(9, 0))
    plt.close(fig)


def test_plot_descent_map_draws_the_map_the_valleys_and_the_minima():
    from matplotlib.colors import to_hex

    from lecture_utils.valleys import plot_descent_map

    reach, axis0, axis1, starts, rooted, minima = _descent_example()
    assert reach.any() and not reach.all()  # both colours appear
    fig = plot_descent_map(reach, axis0, axis1, starts, rooted, minima, ("w", "b"))
    (ax,) = fig.axes
    (image,) = ax.get_images()
    np.testing.assert_array_equal(image.get_array(), reach.T)
    np.testing.assert_allclose(image.get_extent(), [-2.05, 2.05, -1.05, 1.05])
    assert [to_hex(c) for c in image.get_cmap().colors] == [
        to_hex(lu.PALETTE[1]),
        to_hex(lu.PALETTE[0]),
    ]
    assert len(ax.collections) == 2  # one contour per rooted valley
    square_a, square_b, star, dot = ax.get_lines()
    assert (square_a.get_xdata()[0], square_a.get_ydata()[0]) == (axis0[5], axis1[3])
    assert (square_b.get_xdata()[0], square_b.get_ydata()[0]) == (axis0[30], axis1[15])
    assert (
        square_a.get_color() == lu.PALETTE[4] and square_b.get_color() == lu.PALETTE[6]
    )
    assert star.get_marker() == "*" and dot.get_markersize() == 5
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w", "b")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["start A", "start B"]
    plt.close(fig)


def test_plot_descent_map_rejects_bad_input():
    from lecture_utils.valleys import plot_descent_map

    reach, axis0, axis1, starts, rooted, minima = _descent_example()
    with pytest.raises(ValueError, match="reach"):
        plot_descent_map(reach.T, axis0, axis1, starts, rooted, minima)
    with pytest.raises(ValueError, match="same"):
        plot_descent_map(
            reach, axis0, axis1, starts, {"start A": rooted["start A"]}, minima
        )
    with pytest.raises(ValueError, match="not a cell"):
        plot_descent_map(
            reach, axis0, axis1, {**starts, "start B": (41, 0)}, rooted, minima
        )
    with pytest.raises(ValueError, match="rooted"):
        plot_descent_map(
            reach,
            axis0,
            axis1,
            starts,
            {**rooted, "start B": rooted["start B"][1:]},
            minima,
        )
    with pytest.raises(TypeError):
        plot_descent_map(reach, axis0, axis1, list(starts), rooted, minima)
    plt.close("all")
