"""Function space of ReLU units on 1-D data, against independent ground truth: brute force over a grid of
parameters, finite differences, closed forms of Proposition 13, limits of parameters, linear programming."""

import itertools

import numpy as np
import pytest
import scipy.optimize

import lecture_utils as lu
from lecture_utils.function_space import (
    cone_extreme_rays,
    in_region_image,
    polyline_points,
    relu_unit_regions,
    simplex_coordinates,
)
from lecture_utils.widgets import (
    draw_explorer_state,
    explorer_state,
    relu_explorer,
    sweep_explorer,
)


def unit_outputs(theta, x):
    """max(0, w x_j + b) for parameters theta = (w, b) of shape (k, 2); plain numpy, shape (k, n)."""
    theta = np.atleast_2d(theta)
    return np.maximum(theta[:, :1] * x[None, :] + theta[:, 1:], 0.0)


def line_data(n, seed):
    return lu.sorted_distinct_inputs(n, seed=seed, min_gap=0.1)[0]


@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_region_count_and_patterns_by_brute_force(n):
    x = line_data(n, seed=n)
    axis = np.linspace(-3.0, 3.0, 1201)  # includes w < 0, w = 0 and w > 0
    w, b = (a.ravel() for a in np.meshgrid(axis, axis))
    codes = np.unique(
        (w[:, None] * x + b[:, None] > 0) @ (2 ** np.arange(n))
    )  # pattern as an integer
    patterns = {tuple(int(c) >> j & 1 for j in range(n)) for c in codes}
    regions = relu_unit_regions(x)
    assert len(patterns) == 2 * n == len(regions)
    assert patterns == {tuple(r.pattern) for r in regions}


@pytest.mark.parametrize("n", [2, 3, 5])
def test_ranks_by_finite_differences(n):
    x = line_data(n, seed=10 + n)
    h = 1e-7
    for region in relu_unit_regions(x):
        theta = 0.5 * region.interior
        J = np.column_stack(
            [
                (unit_outputs(theta + h * e, x) - unit_outputs(theta - h * e, x))[0]
                / (2 * h)
                for e in np.eye(2)
            ]
        )
        assert (
            np.linalg.matrix_rank(J, tol=1e-6)
            == region.rank
            == min(region.pattern.sum(), 2)
        )
        np.testing.assert_allclose(J, region.jacobian, atol=1e-6)
    ranks = [r.rank for r in relu_unit_regions(x)]
    assert ranks.count(0) == 1 and ranks.count(1) == 2 and ranks.count(2) == 2 * n - 3


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_extreme_rays_are_images_of_limit_parameters(n):
    x = line_data(n, seed=20 + n)
    for region in relu_unit_regions(x):
        r0, r1 = region.rays
        assert np.all(
            (unit_outputs(region.interior, x)[0] > 0) == region.pattern.astype(bool)
        )
        limits = []
        for ray, other in [(r0, r1), (r1, r0)]:
            approach = [ray + eps * other for eps in (1e-3, 1e-6, 1e-9)]
            for theta in approach:  # these parameters lie in the open region
                assert np.array_equal(
                    (theta[0] * x + theta[1] > 0).astype(int), region.pattern
                )
            f = unit_outputs(approach[-1], x)[0]
            if f.sum() > 1e-6 * np.abs(x).max():  # the ray's image is not zero
                limits.append(f / f.sum())
        assert len(limits) == region.rank
        for limit in limits:
            assert min(np.max(np.abs(limit - ray)) for ray in region.image_rays) < 1e-6


@pytest.mark.parametrize("n", [2, 3, 5])
def test_polyline_matches_closed_form(n):
    x = line_data(n, seed=30 + n)
    left = [
        np.maximum(x[i] - x, 0) for i in range(1, n)
    ]  # kink at x_i, active to the left
    right = [
        np.maximum(x - x[i], 0) for i in range(n - 1)
    ]  # kink at x_i, active to the right
    expected = np.array([f / f.sum() for f in left + right])
    P = polyline_points(x)
    assert P.shape == (2 * n - 2, n)
    np.testing.assert_allclose(P, expected, rtol=0, atol=1e-14)
    np.testing.assert_allclose(P[0], np.eye(n)[0], atol=1e-15)
    np.testing.assert_allclose(P[-1], np.eye(n)[-1], atol=1e-15)


def test_random_units_land_on_the_polyline():
    x = line_data(5, seed=3)
    P = polyline_points(x)
    theta = np.random.default_rng(0).normal(size=(3000, 2))
    outputs = unit_outputs(theta, x)
    outputs = outputs[outputs.sum(axis=1) > 0]
    for f in outputs / outputs.sum(axis=1, keepdims=True):
        distances = []
        for a, c in zip(P[:-1], P[1:]):
            t = np.clip((f - a) @ (c - a) / ((c - a) @ (c - a)), 0, 1)
            distances.append(np.linalg.norm(f - a - t * (c - a)))
        assert min(distances) < 1e-12


def lp_feasible(x, y, A, v):
    """Is there theta in the closed region of pattern A (d1, n) with sum_i v_i relu(w_i x + b_i) = y?"""
    d1, n = A.shape
    A_ub, A_eq = np.zeros((d1 * n, 2 * d1)), np.zeros((n, 2 * d1))
    for i, j in itertools.product(range(d1), range(n)):
        sign = -1.0 if A[i, j] else 1.0
        A_ub[i * n + j, 2 * i : 2 * i + 2] = sign * x[j], sign
        A_eq[j, 2 * i : 2 * i + 2] = v[i] * A[i, j] * x[j], v[i] * A[i, j]
    res = scipy.optimize.linprog(
        np.zeros(2 * d1),
        A_ub=A_ub,
        b_ub=np.zeros(d1 * n),
        A_eq=A_eq,
        b_eq=y,
        bounds=(None, None),
        method="highs",
    )
    return res.status == 0


@pytest.mark.parametrize("n,d1", [(2, 1), (3, 1), (3, 2), (4, 2)])
def test_cone_membership_matches_linear_programming(n, d1):
    rng = np.random.default_rng(100 * n + d1)
    x = line_data(n, seed=40 + n)
    patterns = [r.pattern for r in relu_unit_regions(x)]
    outcomes = []
    for trial in range(6):
        v = rng.choice([-1.0, 1.0], size=d1) * rng.uniform(0.5, 2.0, size=d1)
        if (
            trial % 2
        ):  # labels a random network of this architecture produces, or generic labels
            y = v @ unit_outputs(rng.normal(size=(d1, 2)), x)
        else:
            y = rng.normal(size=n)
        for choice in itertools.product(patterns, repeat=d1):
            A = np.array(choice)
            answer = in_region_image(x, y, A, v=v)
            assert answer == lp_feasible(x, y, A, v)
            outcomes.append(answer)
    assert any(outcomes) and not all(outcomes)


def test_images_of_parameters_in_a_region_are_members():
    rng = np.random.default_rng(5)
    x = line_data(4, seed=5)
    for region in relu_unit_regions(x):
        for _ in range(5):
            theta = (
                rng.uniform(0.1, 2.0) * region.rays[0]
                + rng.uniform(0.1, 2.0) * region.rays[1]
            )
            y = unit_outputs(theta, x)[0]
            assert in_region_image(x, y, region.pattern)
            assert in_region_image(x, -y, region.pattern, v=[-1.0])
    # A generic vector of R^n (n >= 3) is in no single-unit image: they have dimension <= 2.
    y = rng.normal(size=4)
    assert not any(in_region_image(x, y, r.pattern) for r in relu_unit_regions(x))
    # The zero vector lies in every closed image; a pattern no parameter realises has an empty image.
    assert all(in_region_image(x, np.zeros(4), r.pattern) for r in relu_unit_regions(x))
    assert not in_region_image(x, np.zeros(4), [0, 1, 0, 1])


def test_nonnegative_convex_functions_are_sums_of_units():
    x = line_data(6, seed=6)
    n = len(x)
    vertices = np.array(
        [np.maximum(x[i] - x, 0) for i in range(1, n)]
        + [np.maximum(x - x[i], 0) for i in range(n - 1)]
    )
    rng = np.random.default_rng(6)
    for _ in range(50):
        slopes, offsets = rng.normal(size=(2, 6))
        f = np.max(slopes[:, None] * x + offsets[:, None], axis=0)
        f = f - f.min()
        assert scipy.optimize.nnls(vertices.T, f)[1] <= 1e-10 * max(
            1, np.linalg.norm(f)
        )
    extreme = cone_extreme_rays(vertices)
    assert len(extreme) == len(vertices)  # no vertex lies in the cone of the others


def test_cone_extreme_rays_by_hand():
    G = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0], [0.0, 0.0], [2.0, 0.0]])
    rays = cone_extreme_rays(G)
    np.testing.assert_allclose(rays, [[1.0, 0.0], [0.0, 1.0]])
    assert cone_extreme_rays(np.zeros((2, 3))).shape == (0, 3)


def test_simplex_coordinates_are_regular_and_affine():
    for n in (3, 4, 5):
        corners = simplex_coordinates(np.eye(n))
        if n in (3, 4):
            distances = [
                np.linalg.norm(a - c) for a, c in itertools.combinations(corners, 2)
            ]
            np.testing.assert_allclose(distances, distances[0])
        p = np.random.default_rng(n).dirichlet(np.ones(n), size=4)
        np.testing.assert_allclose(simplex_coordinates(p), p @ corners, atol=1e-15)
    assert simplex_coordinates([0.5, 0.5, 0.0]).shape == (2,)


@pytest.mark.parametrize(
    "bad",
    [
        [0.0, 2.0, 1.0],
        [0.0, 1.0, 1.0],
        [0.0, np.nan, 1.0],
        [1.0],
        [[0.0, 1.0], [2.0, 3.0]],
    ],
)
def test_bad_inputs_raise(bad):
    with pytest.raises(ValueError):
        relu_unit_regions(bad)
    with pytest.raises(ValueError):
        polyline_points(bad)


def test_bad_membership_arguments_raise():
    x = [0.0, 1.0, 2.0]
    for kwargs in [
        dict(y=[1.0, 2.0], pattern=[1, 1, 1]),
        dict(y=[1.0, 2.0, np.nan], pattern=[1, 1, 1]),
        dict(y=[1.0, 1.0, 1.0], pattern=[1, 2, 1]),
        dict(y=[1.0, 1.0, 1.0], pattern=[1, 1]),
        dict(y=[1.0, 1.0, 1.0], pattern=[[1, 1, 1]], v=[0.0]),
        dict(y=[1.0, 1.0, 1.0], pattern=[[1, 1, 1]], v=[1.0, 1.0]),
        dict(y=[1.0, 1.0, 1.0], pattern=[1, 1, 1], tol=-1.0),
    ]:
        with pytest.raises(ValueError):
            in_region_image(x, **kwargs)
    with pytest.raises(ValueError):
        in_region_image([0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [1, 1, 1])


def test_explorer_state_against_direct_evaluation():
    x = np.array([-1.0, 0.0, 1.0])
    w, b, v = np.array([1.0, -0.5]), np.array([0.5, -0.6]), np.array([1.0, -1.0])
    state = explorer_state(x, w, b, v)
    np.testing.assert_array_equal(state["patterns"], [[0, 1, 1], [0, 0, 0]])
    np.testing.assert_allclose(state["output"], [0.0, 0.5, 1.5])
    assert state["ranks"].tolist() == [2, 0] and state["regions"].tolist() == [4, 0]
    assert np.all(np.isnan(state["unit_points"][1]))
    np.testing.assert_allclose(state["output_point"], [0.0, 0.25, 0.75])


def test_explorer_builds_and_reacts_to_sliders():
    import ipywidgets
    import matplotlib.pyplot as plt

    x = np.array([-1.0, -0.3, 0.4, 1.0])
    explorer = relu_explorer(x, n_units=2)
    assert isinstance(explorer, ipywidgets.Widget)
    patterns, picture, table = (
        explorer.state["patterns"].copy(),
        explorer.image.value,
        explorer.table.value,
    )
    w_slider, b_slider, v_buttons = explorer.sliders[0]
    w_slider.value, b_slider.value = 1.0, -1.5  # unit 1 now dead on the data
    assert explorer.state["patterns"][0].tolist() == [0, 0, 0, 0]
    assert not np.array_equal(patterns, explorer.state["patterns"])
    assert explorer.image.value != picture and explorer.table.value != table
    v_buttons.value = -1.0
    w2, b2 = (c.value for c in explorer.sliders[1][:2])
    np.testing.assert_allclose(explorer.state["output"], np.maximum(w2 * x + b2, 0))
    fig, axes = plt.subplots(1, 2)
    draw_explorer_state(x, [1.0], [0.0], [1.0], *axes)
    plt.close(fig)
    with pytest.raises(ValueError):
        relu_explorer(x, n_units=0)
    with pytest.raises(ValueError):
        relu_explorer([1.0, 0.0], n_units=1)


def test_sweep_explorer_states_match_direct_evaluation():
    """Each precomputed page is the state of the swept parameter value, and the slider drives the pages."""
    import ipywidgets

    x, w, b, v = (
        np.array([-1.0, 0.0, 1.0]),
        np.array([1.0, -0.5]),
        np.array([0.5, 0.1]),
        np.array([1.0, 1.0]),
    )
    biases = np.array([-0.6, -0.2, 0.2, 0.6])
    explorer = sweep_explorer(x, w, b, v, unit=2, parameter="b", values=biases)
    assert len(explorer.pages.children) == len(explorer.states) == 4
    for value, state, page in zip(biases, explorer.states, explorer.pages.children):
        # The second unit is max(0, -0.5 x + value): evaluate it by hand at the three points.
        direct = np.maximum(-0.5 * x + value, 0.0)
        np.testing.assert_allclose(state["unit_outputs"][1], direct)
        np.testing.assert_array_equal(state["patterns"][1], (direct > 0).astype(int))
        np.testing.assert_allclose(state["output"], np.maximum(x + 0.5, 0) + direct)
        assert (
            'alt="With b2 = ' in page.value and "data:image/png;base64," in page.value
        )
    # Patterns of a unit with w < 0 as its bias grows: 000, 100, 110, 111 (kink crossing 1, 0, -1).
    assert [s["patterns"][1].tolist() for s in explorer.states] == [
        [0, 0, 0],
        [1, 0, 0],
        [1, 1, 0],
        [1, 1, 1],
    ]
    assert isinstance(
        explorer.link, ipywidgets.widgets.widget_link.Link
    )  # jslink: runs in the browser
    assert explorer.link.source == (explorer.slider, "index")
    assert explorer.link.target == (explorer.pages, "selected_index")
    assert explorer.slider.index == explorer.pages.selected_index


def test_sweep_explorer_digest_follows_the_pictures():
    x, w, b, v = [-1.0, 0.0, 1.0], [1.0, -0.5], [0.5, 0.1], [1.0, 1.0]
    first = repr(sweep_explorer(x, w, b, v, unit=2, values=[-0.5, 0.5]))
    assert first == repr(sweep_explorer(x, w, b, v, unit=2, values=[-0.5, 0.5]))
    assert first.startswith(
        "<Explorer: b2 over 2 values from -0.50 to +0.50; data digest "
    )
    assert repr(sweep_explorer(x, w, b, v, unit=2, values=[-0.5, 0.6])) != first
    weights = sweep_explorer(x, w, b, v, unit=1, parameter="w", values=[-1.0, 1.0])
    assert [s["patterns"][0].tolist() for s in weights.states] == [[1, 1, 0], [0, 1, 1]]


def test_sweep_explorer_is_a_light_panel_that_stacks_on_a_phone():
    """The panel is light in dark mode, the picture is sharp, and picture and readout wrap."""
    import base64
    import io
    import re

    from PIL import Image

    from lecture_utils.widgets import (
        EXPLORER_CSS,
        EXPLORER_DPI,
        EXPLORER_FIGSIZE,
        EXPLORER_PIXEL_DENSITY,
    )

    explorer = sweep_explorer(
        [-1.0, 0.0, 1.0], [1.0, -0.5], [0.5, 0.1], [1.0, 1.0], unit=2
    )
    assert "lu-explorer" in explorer._dom_classes
    assert len(explorer.values) == 25  # finer steps than one per data point
    header = explorer.children[0].value
    assert f"<style>{EXPLORER_CSS}</style>" in header
    assert "background: #ffffff" in EXPLORER_CSS
    assert 'html[data-theme="dark"] .lu-explorer' in EXPLORER_CSS
    assert "flex-wrap: wrap" in EXPLORER_CSS  # the readout goes below the picture
    assert explorer.slider.layout.width == "100%"  # the readout stays on a phone screen
    page = explorer.pages.children[0].value
    assert page.index("<img") < page.index('class="lu-explorer-readout"')
    png = base64.b64decode(re.search(r"base64,([^\"]+)\"", page).group(1))
    width, height = Image.open(io.BytesIO(png)).size
    expected = EXPLORER_PIXEL_DENSITY * EXPLORER_DPI * np.array(EXPLORER_FIGSIZE)
    np.testing.assert_allclose((width, height), expected, atol=2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"unit": 3}, "unit must be between 1"),
        ({"unit": 0}, "unit"),
        ({"unit": 1, "parameter": "v"}, "parameter must be"),
        ({"unit": 1, "values": [0.5]}, "at least two values"),
    ],
)
def test_sweep_explorer_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sweep_explorer([-1.0, 0.0, 1.0], [1.0, -0.5], [0.5, 0.1], [1.0, 1.0], **kwargs)


# --- distance_to_polyline, unit_on_polyline, draw_simplex_polyline ---


def test_distance_to_polyline_by_hand_and_by_dense_sampling():
    from lecture_utils.function_space import distance_to_polyline

    corner = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    # by hand: beside a segment, beyond an end point, on the polyline
    assert distance_to_polyline([2.0, 0.5], corner) == pytest.approx(1.0)
    assert distance_to_polyline([0.5, -1.0], corner) == pytest.approx(1.0)
    assert distance_to_polyline([-3.0, -4.0], corner) == pytest.approx(5.0)
    assert distance_to_polyline([1.0, 0.25], corner) == 0.0
    # against the minimum over many points of the polyline
    rng = np.random.default_rng(3)
    vertices = rng.normal(size=(5, 3))
    t = np.linspace(0, 1, 20001)[:, None]
    dense = np.concatenate(
        [a + t * (c - a) for a, c in zip(vertices[:-1], vertices[1:])]
    )
    for p in rng.normal(size=(20, 3)):
        brute = np.min(np.linalg.norm(dense - p, axis=1))
        assert distance_to_polyline(p, vertices) == pytest.approx(brute, abs=1e-3)
        assert distance_to_polyline(p, vertices) <= brute + 1e-12


def test_distance_to_polyline_rejects_bad_shapes():
    from lecture_utils.function_space import distance_to_polyline

    with pytest.raises(ValueError, match="vertices"):
        distance_to_polyline([0.0, 0.0], [[1.0, 1.0]])
    with pytest.raises(ValueError, match="entries"):
        distance_to_polyline([0.0, 0.0, 0.0], [[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="distinct"):
        distance_to_polyline([0.0, 0.0], [[1.0, 1.0], [1.0, 1.0]])


@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_unit_on_polyline_hits_the_closed_form_point(n):
    from lecture_utils.function_space import unit_on_polyline

    x = line_data(n, seed=40 + n)
    # the vertices of P in closed form: (x_i - x_j)_+ for i = 2..n, (x_j - x_i)_+ for i = 1..n-1
    closed = [np.maximum(x[i] - x, 0) for i in range(1, n)]
    closed += [np.maximum(x - x[i], 0) for i in range(n - 1)]
    closed = [f / f.sum() for f in closed]
    for segment in range(2 * n - 3):
        for t in (0.0, 0.3, 1.0):
            theta = unit_on_polyline(x, segment, t)
            f = unit_outputs(theta, x)[0]
            target = (1 - t) * closed[segment] + t * closed[segment + 1]
            np.testing.assert_allclose(f, target, atol=1e-12)
            assert f.sum() == pytest.approx(1.0)


def test_unit_on_polyline_rejects_bad_arguments():
    from lecture_utils.function_space import unit_on_polyline

    x = np.array([-1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="segment"):
        unit_on_polyline(x, 3, 0.5)  # 2n - 3 = 3 segments: 0, 1, 2
    with pytest.raises(ValueError, match="segment"):
        unit_on_polyline(x, -1, 0.5)
    with pytest.raises(TypeError, match="segment"):
        unit_on_polyline(x, 1.0, 0.5)
    with pytest.raises(ValueError):
        unit_on_polyline(x, 1, 1.5)


def test_draw_simplex_polyline_draws_its_data():
    import matplotlib.pyplot as plt

    from lecture_utils.function_space import draw_simplex_polyline

    x = np.array([-1.0, 0.0, 1.0])
    samples = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 3.0]])
    fig, ax = plt.subplots()
    draw_simplex_polyline(ax, x, samples)
    lines = ax.get_lines()
    assert len(lines) == 3 + 1  # three edges of the triangle, then the polyline
    corners = np.array([[0.0, 1.0], [-np.sqrt(3) / 2, -0.5], [np.sqrt(3) / 2, -0.5]])
    edges = {tuple(np.round(np.ravel(line.get_xydata()), 9)) for line in lines[:3]}
    expected = {
        tuple(np.round(np.ravel([corners[i], corners[j]]), 9))
        for i, j in [(0, 1), (0, 2), (1, 2)]
    }
    assert edges == expected
    # the polyline: the closed-form vertices l_2, l_3, r_1, r_2 scaled to sum 1, mapped
    bary = np.array([[3, 0, 0], [2, 1, 0], [0, 1, 2], [0, 0, 3]]) / 3
    np.testing.assert_allclose(lines[3].get_xydata(), bary @ corners, atol=1e-12)
    assert lines[3].get_label() == "polyline $P$"
    assert lines[3].get_color() == lu.PALETTE[1]
    # the dots: the two non-zero samples, scaled to sum 1
    dots = ax.collections[0].get_offsets()
    np.testing.assert_allclose(dots, (samples[[0, 2]] / [[4.0], [4.0]]) @ corners)
    assert [t.get_text() for t in ax.texts] == ["$e_1$", "$e_2$", "$e_3$"]
    assert not ax.axison
    plt.close(fig)


def test_draw_simplex_polyline_draws_a_tetrahedron_for_four_points():
    import matplotlib.pyplot as plt

    from lecture_utils.function_space import draw_simplex_polyline

    x = np.array([-1.0, -0.4, 0.3, 1.0])
    fig = plt.figure()
    ax = fig.add_subplot(1, 1, 1, projection="3d")
    draw_simplex_polyline(ax, x, np.zeros((0, 4)))
    lines = ax.get_lines()
    assert len(lines) == 6 + 1  # six edges of the tetrahedron, then the polyline
    # a regular tetrahedron: all six edges have the same length
    lengths = [
        np.linalg.norm(np.diff(np.array(ln.get_data_3d()), axis=1)) for ln in lines[:6]
    ]
    np.testing.assert_allclose(lengths, lengths[0])
    # the polyline: l_2, l_3, l_4, r_1, r_2, r_3 in closed form, scaled to sum 1, mapped
    units = [np.maximum(x[k] - x, 0) for k in (1, 2, 3)]
    units += [np.maximum(x - x[k], 0) for k in (0, 1, 2)]
    bary = np.array([u / u.sum() for u in units])
    corners = simplex_coordinates(np.eye(4))
    drawn = np.array(lines[6].get_data_3d()).T
    np.testing.assert_allclose(drawn, bary @ corners, atol=1e-12)
    assert [t.get_text() for t in ax.texts] == ["$e_1$", "$e_2$", "$e_3$", "$e_4$"]
    plt.close(fig)


def test_draw_simplex_polyline_rejects_bad_samples():
    import matplotlib.pyplot as plt

    from lecture_utils.function_space import draw_simplex_polyline

    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="samples"):
        draw_simplex_polyline(ax, [-1.0, 0.0, 1.0], np.ones((5, 4)))
    with pytest.raises(ValueError, match="sorted"):
        draw_simplex_polyline(ax, [1.0, 0.0, -1.0], np.ones((5, 3)))
    plt.close(fig)
