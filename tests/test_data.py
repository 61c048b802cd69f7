"""Data generators: shapes, determinism, ranges, and the defining property of each kind of label."""

import numpy as np
import pytest

import lecture_utils as lu


def test_inputs_shapes_ranges_and_seeds():
    X = lu.gaussian_inputs(3, 50, seed=0)
    assert X.shape == (3, 50)
    np.testing.assert_array_equal(X, lu.gaussian_inputs(3, 50, seed=0))
    assert not np.array_equal(X, lu.gaussian_inputs(3, 50, seed=1))
    U = lu.uniform_cube_inputs(2, 1000, seed=0)
    assert U.shape == (2, 1000) and U.min() >= -1 and U.max() <= 1 and U.min() < -0.99


def test_sorted_distinct_inputs():
    X = lu.sorted_distinct_inputs(30, seed=3)
    assert X.shape == (1, 30)
    assert np.all(np.diff(X[0]) >= 2.0 / (100 * 30**2))
    with pytest.raises(ValueError, match="cannot place"):
        lu.sorted_distinct_inputs(5, low=0, high=1, min_gap=0.5)


def test_quadratic_labels_are_a_degree_two_polynomial():
    X = lu.uniform_cube_inputs(3, 40, seed=0)
    y = lu.quadratic_labels(X, seed=1)
    # Independent check: least squares on hand-built monomials 1, x_k, x_k x_l fits exactly ...
    x1, x2, x3 = X
    monomials = np.column_stack(
        [np.ones(40), x1, x2, x3, x1 * x1, x1 * x2, x1 * x3, x2 * x2, x2 * x3, x3 * x3]
    )
    coef, *_ = np.linalg.lstsq(monomials, y, rcond=None)
    np.testing.assert_allclose(monomials @ coef, y, atol=1e-12)
    assert np.all(np.abs(coef) <= 1.0 + 1e-9)
    # ... while linear features do not.
    linear = monomials[:, :4]
    coef_lin, *_ = np.linalg.lstsq(linear, y, rcond=None)
    assert np.linalg.norm(linear @ coef_lin - y) > 1e-3


def test_teacher_labels_come_from_a_relu_network():
    X = lu.uniform_cube_inputs(1, 25, seed=0)
    y = lu.teacher_labels(X, d1=4, seed=2)
    # Independent evaluation of the teacher, unit by unit.
    W, b, v = lu.init_two_layer(1, 4, seed=2, scheme="he")
    expected = sum(v[i] * np.maximum(W[i, 0] * X[0] + b[i], 0) for i in range(4))
    np.testing.assert_allclose(y, expected, atol=1e-14)
    assert np.all(np.abs(W) <= np.sqrt(6)) and np.all(np.abs(b) <= np.sqrt(6))


def test_random_labels():
    y = lu.random_labels(500, seed=0)
    assert y.shape == (500,) and y.min() >= -1 and y.max() <= 1


@pytest.mark.parametrize(
    "call",
    [
        lambda: lu.gaussian_inputs(0, 3),
        lambda: lu.gaussian_inputs(2, 2.5),
        lambda: lu.uniform_cube_inputs(2, 3, low=1, high=-1),
        lambda: lu.random_labels(-1),
        lambda: lu.gaussian_inputs(2, 3, seed=-4),
        lambda: lu.quadratic_labels(np.ones(3)),
    ],
)
def test_bad_sizes_raise(call):
    with pytest.raises(ValueError):
        call()
