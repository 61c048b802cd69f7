"""Activation regions and zonotopes against independent ground truth.

Ground truth used here: closed forms (the Schläfli-Cover count, step vectors, hand-made cases),
Zaslavsky's formula over the intersection poset (linear algebra only), exhaustive linear programs over
all 2^n patterns (written out here with scipy, not with the library), the geometry of sectors in the
plane, and scipy.spatial.ConvexHull. Dense sampling of weights is never used as ground truth.
"""

import itertools
import math

import numpy as np
import pytest
import scipy.optimize
from scipy.spatial import ConvexHull

from lecture_utils.regions import (
    activation_pattern,
    activation_patterns,
    cover_count,
    intersection_poset,
    region_interior_point,
    zaslavsky_count,
)
from lecture_utils.zonotopes import (
    fan_sectors,
    plot_fan,
    plot_zonotope,
    zonotope_vertices,
)


def brute_force_patterns(X):
    """Every s in {0,1}^n with a strictly separating w: maximise the margin t <= 1 of all constraints."""
    d, n = X.shape
    found = []
    for s in itertools.product((0, 1), repeat=n):
        signs = 2.0 * np.array(s) - 1.0
        # variables (w, t): maximise t subject to signs_j <w, x_j> >= t, -1 <= w <= 1, t <= 1
        A_ub = np.column_stack([-(signs[:, None] * X.T), np.ones(n)])
        res = scipy.optimize.linprog(
            np.r_[np.zeros(d), -1.0],
            A_ub=A_ub,
            b_ub=np.zeros(n),
            bounds=[(-1, 1)] * d + [(None, 1)],
            method="highs",
        )
        if res.status == 0 and -res.fun > 1e-9:
            found.append(s)
    return np.array(found, dtype=int)


def general_position(d, n, seed):
    return np.random.default_rng(seed).normal(size=(d, n))


def test_cover_count_closed_form_and_recursion():
    assert [cover_count(n, 2) for n in range(1, 6)] == [
        2,
        4,
        6,
        8,
        10,
    ]  # 2n lines through 0 in the plane
    assert cover_count(4, 1) == 2 and cover_count(3, 3) == 8 and cover_count(4, 3) == 14
    for n in range(1, 9):
        for d in range(1, 7):
            assert (cover_count(n, d) == 2**n) == (n <= d)
            if (
                n > 1 and d > 1
            ):  # adding a hyperplane splits the regions it meets: C(n,d) = C(n-1,d) + C(n-1,d-1)
                assert cover_count(n, d) == cover_count(n - 1, d) + cover_count(
                    n - 1, d - 1
                )
    with pytest.raises(ValueError):
        cover_count(0, 2)
    with pytest.raises(ValueError):
        cover_count(3, 0)


@pytest.mark.parametrize(
    "d,n,seed",
    [(1, 4, 0), (2, 3, 1), (2, 7, 2), (3, 5, 3), (3, 9, 4), (4, 8, 5), (5, 4, 6)],
)
def test_enumeration_matches_formula_in_general_position(d, n, seed):
    X = general_position(d, n, seed)
    P = activation_patterns(X)
    assert P.shape == (cover_count(n, d), n)
    assert len({tuple(p) for p in P}) == len(P)
    assert zaslavsky_count(X) == cover_count(n, d)


DEGENERATE = {
    "repeated direction": np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]]),
    "opposite direction": np.array([[1.0, -1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]]),
    "duplicate point": np.array([[1.0, 1.0, -1.0, 0.3], [2.0, 2.0, 0.5, -1.0]]),
    "coplanar in 3-D": np.array(
        [
            [1.0, 0.0, 1.0, 2.0, 0.0],
            [0.0, 1.0, 1.0, -1.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 1.0],
        ]
    ),
    "collinear with bias": np.vstack(
        [[[0.0, 1.0, 2.0, 0.5], [0.0, 1.0, 2.0, -1.0]], np.ones((1, 4))]
    ),
}


@pytest.mark.parametrize("name", list(DEGENERATE))
def test_degenerate_data_against_brute_force_and_zaslavsky(name):
    X = DEGENERATE[name]
    P = activation_patterns(X)
    np.testing.assert_array_equal(P, brute_force_patterns(X))
    assert len(P) == zaslavsky_count(X) < cover_count(X.shape[1], X.shape[0])


@pytest.mark.parametrize("d,n,seed", [(2, 5, 10), (3, 6, 11), (2, 4, 12)])
def test_random_data_against_brute_force(d, n, seed):
    X = general_position(d, n, seed)
    np.testing.assert_array_equal(activation_patterns(X), brute_force_patterns(X))


def test_hand_cases():
    # x3 = x1 + x2 lies in the cone of x1 and x2: patterns 110 and 001 are impossible.
    X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    got = {tuple(p) for p in activation_patterns(X)}
    assert got == set(itertools.product((0, 1), repeat=3)) - {(1, 1, 0), (0, 0, 1)}
    # opposite points are never active together or inactive together
    assert activation_patterns(np.array([[1.0, -3.0]])).tolist() == [[0, 1], [1, 0]]


def test_intersection_poset_by_hand():
    # Lines in the plane through 0 with normals x1 = (1,0), x2 = (2,0) (same line), x3, x4: 3 distinct lines.
    # Flats: the plane (mu 1), 3 lines (mu -1 each), the origin (mu 2); regions 1 + 3 + 2 = 6 = 2 * 3.
    X = np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    assert intersection_poset(X) == [
        ((), 0, 1),
        ((0, 1), 1, -1),
        ((2,), 1, -1),
        ((3,), 1, -1),
        ((0, 1, 2, 3), 2, 2),
    ]
    # Boolean arrangement (coordinate hyperplanes in R^3): mu = (-1)^rank on every subset, 2^3 regions.
    poset = intersection_poset(np.eye(3))
    assert (
        len(poset) == 8
        and all(m == (-1) ** r for _, r, m in poset)
        and zaslavsky_count(np.eye(3)) == 8
    )


def test_interior_points_realise_their_pattern():
    X = general_position(3, 6, 20)
    for s in activation_patterns(X):
        w = region_interior_point(X, s)
        np.testing.assert_array_equal(activation_pattern(w[None, :], None, X)[0], s)
    A = activation_patterns(X)[[0, 3, 5]]
    W = region_interior_point(X, A)
    np.testing.assert_array_equal(activation_pattern(W, None, X), A)
    assert region_interior_point(np.array([[1.0, 2.0]]), [1, 0]) is None


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_lemma9_step_vectors_with_bias(n):
    x = np.sort(np.random.default_rng(n).uniform(-1, 1, n))
    X_bias = np.vstack([x, np.ones(n)])
    # step vectors: (1..1 0..0) and (0..0 1..1) with k ones/zeros, k = 0..n; 2n distinct ones
    steps = {tuple([1] * k + [0] * (n - k)) for k in range(n + 1)} | {
        tuple([0] * k + [1] * (n - k)) for k in range(n + 1)
    }
    assert len(steps) == 2 * n
    assert {tuple(p) for p in activation_patterns(X_bias)} == steps


def test_layer_regions_are_products():
    # d1 = 2 units, joint brute force over all 2^(n d1) matrices A with one LP in the 2 d variables
    X = general_position(2, 3, 30)
    d, n, d1 = 2, 3, 2
    joint = 0
    for flat in itertools.product((0, 1), repeat=n * d1):
        A = np.array(flat).reshape(d1, n)
        signs = 2.0 * A - 1.0
        rows = []
        for i in range(d1):
            block = np.zeros((n, d * d1))
            block[:, i * d : (i + 1) * d] = -(signs[i][:, None] * X.T)
            rows.append(block)
        res = scipy.optimize.linprog(
            np.zeros(d * d1),
            A_ub=np.vstack(rows),
            b_ub=-np.ones(n * d1),
            bounds=[(None, None)] * (d * d1),
            method="highs",
        )
        joint += res.status == 0
    assert joint == len(activation_patterns(X)) ** d1 == cover_count(n, d) ** d1


@pytest.mark.parametrize("d,n,seed", [(2, 3, 40), (2, 6, 41), (3, 5, 42), (3, 7, 43)])
def test_zonotope_vertices_match_convex_hull(d, n, seed):
    X = general_position(d, n, seed)
    points, patterns = zonotope_vertices(X)
    np.testing.assert_allclose(points, patterns @ X.T)
    cube = np.array(list(itertools.product((0, 1), repeat=n)), dtype=float)
    hull = ConvexHull(cube @ X.T)
    hull_vertices = {tuple(np.round(v, 9)) for v in hull.points[hull.vertices]}
    assert {tuple(np.round(p, 9)) for p in points} == hull_vertices
    assert len(points) == cover_count(n, d)


def test_fan_sectors_agree_with_linear_programs():
    for seed, n in [(50, 3), (51, 5)]:
        X = general_position(2, n, seed)
        start, stop, patterns = fan_sectors(X)
        assert np.all(stop > start) and math.isclose(np.sum(stop - start), 2 * np.pi)
        assert {tuple(p) for p in patterns} == {
            tuple(p) for p in activation_patterns(X)
        }
    X = DEGENERATE["repeated direction"]
    assert len(fan_sectors(X)[2]) == len(activation_patterns(X)) == 6


def test_bad_input_raises():
    with pytest.raises(ValueError, match="zero column"):
        activation_patterns(np.array([[1.0, 0.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match="NaN"):
        activation_patterns(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError):
        activation_patterns(np.ones(3))
    with pytest.raises(ValueError, match="pattern"):
        region_interior_point(np.eye(2), [1, 2])
    with pytest.raises(ValueError, match="pattern"):
        region_interior_point(np.eye(2), [1, 0, 1])
    with pytest.raises(ValueError, match="zero column"):
        zonotope_vertices(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="at most"):
        zaslavsky_count(np.ones((2, 17)))
    X4 = general_position(4, 5, 0)
    for draw in (fan_sectors, plot_fan, plot_zonotope):
        with pytest.raises(ValueError, match="plane"):
            draw(X4)
