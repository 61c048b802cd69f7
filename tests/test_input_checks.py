"""Bad input gets a clear error: one test per class of wrong answer, hang or obscure error.

Each case below once returned a wrong answer, hung, or failed with an error that did not say what
was expected. The property-based tests at the end feed malformed arrays and sizes to the public
functions and accept only a clear ``ValueError``/``TypeError`` or a correct result, in time.
"""

import math
import time

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lecture_utils as lu
from lecture_utils.training import TrainingDiverged

CLEAR = (ValueError, TypeError)


# ------------------------------------------------------------------- complex input is rejected


@pytest.mark.parametrize(
    "call",
    [
        lambda: lu.jacobian_rank(np.array([[1, 1j], [1j, -1]])),
        lambda: lu.relu(np.array([1 + 1j, -1])),
        lambda: lu.relu(torch.tensor([1 + 1j])),
        lambda: lu.squared_loss(np.array([1j, 0]), np.zeros(2)),
        lambda: lu.two_layer_relu(np.eye(2) * 1j, np.zeros(2), np.ones(2), np.eye(2)),
        lambda: lu.relu_jacobian(np.eye(2), np.zeros(2), np.ones(2), np.eye(2) * 1j),
        lambda: lu.cooper_interpolation(np.array([[0.0, 1j]]), np.zeros(2)),
    ],
)
def test_complex_input_is_rejected_never_cut_to_its_real_part(call):
    # [[1, 1j], [1j, -1]] has rank 1 (the second row is 1j times the first); its real part has
    # rank 2: a silent cast gave the wrong answer 2.
    with pytest.raises(TypeError, match="complex"):
        call()


# ------------------------------------------------------------- tolerances, rates, resolutions


def test_is_local_minimum_rejects_an_infinite_tolerance():
    point = dict(
        w=[1.0, -1.0], b=[0.5, 0.5], v=[1.0, -1.0], x=[-1.0, 0.0, 1.0], y=[5, -3, 7]
    )
    assert lu.is_local_minimum(**point) is False  # it is no local minimum
    for tol in (np.inf, np.nan, -1.0, "1e-8"):
        with pytest.raises(CLEAR, match="tol"):
            lu.is_local_minimum(**point, tol=tol)


def test_volume_fraction_rejects_a_negative_rank_tolerance():
    x = np.array([-1.0, 0, 1])
    with pytest.raises(ValueError, match="rtol"):
        lu.full_rank_volume_fraction(x, 2, 1000, seed=0, rtol=-1)


def test_anticoncentration_needs_probabilities_and_0_1_patterns():
    patterns = np.array([[1, 0], [0, 1], [1, 1]])
    assert lu.anticoncentration_gamma(patterns, [0.5, 0.25, 0.25]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="probabilities"):
        lu.anticoncentration_gamma(patterns, [-0.5, 1.0, 0.5])
    with pytest.raises(ValueError, match="0 and 1"):
        lu.anticoncentration_gamma(patterns * 2, [0.5, 0.25, 0.25])


@pytest.mark.parametrize("lr", [np.inf, np.nan, 0.0, -0.1, "0.1"])
def test_gradient_descent_rejects_an_impossible_step_size(lr):
    params = {"w": torch.tensor([1.0], dtype=torch.float64)}
    with pytest.raises(CLEAR, match="lr"):
        lu.gradient_descent(lambda p: (p["w"] ** 2).sum(), params, lr=lr, max_steps=3)


def test_gradient_descent_stops_with_a_clear_error_when_it_diverges():
    # L(w) = w^4 from w = 10 with step 1 overflows within a few steps.
    params = {"w": torch.tensor([10.0], dtype=torch.float64)}
    with pytest.raises(TrainingDiverged, match="diverged") as info:
        lu.gradient_descent(lambda p: (p["w"] ** 4).sum(), params, lr=1.0, max_steps=50)
    history = info.value.history
    assert np.all(np.isfinite(history["loss"][:-1])) and not np.isfinite(
        history["loss"][-1] * history["grad_norm"][-1]
    )


def test_figure_digest_and_show_check_their_settings():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    for resolution in (0, -3, 2.5, "100"):
        with pytest.raises(CLEAR, match="resolution"):
            lu.figure_digest(fig, resolution=resolution)
    for dpi in (0, -1, np.nan, "high"):
        with pytest.raises(CLEAR, match="dpi"):
            lu.show(fig, dpi=dpi)
    with pytest.raises(ValueError, match="Figure"):
        lu.figure_digest("not a figure")
    plt.close(fig)


def test_string_tolerances_are_type_errors():
    with pytest.raises(TypeError, match="rtol"):
        lu.jacobian_rank(np.eye(2), rtol="1e-9")
    with pytest.raises(TypeError, match="tol"):
        lu.count_eigenvalue_signs(np.ones(3), tol="0")


# ------------------------------------------------------------ NaN and infinity at the boundary


def _mlp_problem(bad=None):
    params = lu.init_mlp([1, 3, 1], seed=0)
    X = np.linspace(-1, 1, 4)[None, :]
    y = np.zeros(4)
    if bad == "params":
        params["W1"][0, 0] = float("nan")
    if bad == "X":
        X = X.copy()
        X[0, 0] = np.inf
    return params, X, y


@pytest.mark.parametrize("bad", ["params", "X"])
def test_non_finite_inputs_are_rejected(bad):
    params, X, y = _mlp_problem(bad)

    def model(p, inputs=X):
        return lu.mlp(p, inputs)

    with pytest.raises(ValueError, match="NaN or infinite"):
        lu.mlp(params, X)
    with pytest.raises(ValueError, match="NaN or infinite"):
        lu.loss_hessian(lambda p, inputs: lu.mlp(p, inputs), params, X, y)
    with pytest.raises(ValueError, match="NaN or infinite"):
        lu.residual_curvature(lambda p, inputs: lu.mlp(p, inputs), params, X, y)
    with pytest.raises(ValueError, match="NaN or infinite"):
        lu.parameter_jacobian(model, params)
    with pytest.raises(ValueError, match="NaN or infinite"):
        lu.squared_loss(np.array([np.nan, 0.0]), np.zeros(2))


# ------------------------------------------------------------------ NumPy and torch alike


def test_activations_networks_and_counts_take_numpy_and_torch_alike():
    z = np.array([-1.0, 0.5, 2.0])
    for activation in (lu.relu, lu.smoolu, lu.softplus):
        from_numpy = activation(z)
        from_torch = activation(torch.from_numpy(z))
        assert isinstance(from_numpy, np.ndarray)
        np.testing.assert_allclose(from_numpy, from_torch.numpy())
    W, b, v = lu.init_two_layer(2, 3, seed=0)
    X = lu.gaussian_inputs(2, 5, seed=1)
    expected = lu.two_layer_relu(W, b, v, X)
    mixed = lu.two_layer_relu(torch.from_numpy(W), b, v, X)
    np.testing.assert_allclose(mixed.numpy(), expected)
    params = {
        key: value.numpy() for key, value in lu.init_mlp([2, 3, 1], seed=0).items()
    }
    assert lu.count_parameters(params) == 2 * 3 + 3 + 3 + 1
    np.testing.assert_allclose(
        lu.mlp(params, X).numpy(),
        lu.mlp({k: torch.from_numpy(p) for k, p in params.items()}, X).numpy(),
    )
    trained, _ = lu.gradient_descent(
        lambda p: (p["w"] ** 2).sum(), {"w": np.array([1.0])}, lr=0.25, max_steps=2
    )
    np.testing.assert_allclose(trained["w"].numpy(), [0.25])  # w <- w (1 - 2 lr), twice


def test_messages_name_the_array_of_the_wrong_length():
    # w has length 3, b length 2: the message must not blame b for "length 3".
    with pytest.raises(ValueError, match="w has 3, b has 2, v has 3"):
        lu.one_sided_derivative(
            [1, 2, 3], [0, 0], [1, 1, 1], [0, 1], [0, 1], np.ones(9)
        )
    with pytest.raises(ValueError, match="w has 3, b has 2, v has 3"):
        lu.sweep_explorer([0.0, 1.0], [1, 2, 3], [0, 0], [1, 1, 1], unit=1)


def test_is_diverse_on_an_empty_pattern_says_what_is_expected():
    for A in (np.zeros((0, 3)), np.zeros((2, 0))):
        with pytest.raises(ValueError, match="at least one unit"):
            lu.is_diverse(A)


# ------------------------------------------------------------------------ sizes: no hang


def test_counts_have_closed_forms_or_refuse_at_once():
    start = time.process_time()
    assert lu.cover_count(3, 10**12) == 8  # d >= n: every dichotomy, 2^n
    assert lu.cover_count(10**6, 10**6) == 2 ** (10**6)
    # the sum for d < n agrees with the binomial formula
    for n, d in [(1, 1), (5, 2), (10, 3), (40, 39), (7, 7)]:
        assert lu.cover_count(n, d) == 2 * sum(math.comb(n - 1, k) for k in range(d))
    assert lu.polynomial_feature_dimension(3, 2) == 10  # 1, x_i, x_i x_j
    assert lu.polynomial_intrinsic_dimension(3, 2) == 6  # x_i x_j, i <= j
    for call, what in [
        (lambda: lu.polynomial_feature_dimension(10**9, 10**9), "binary digits"),
        (lambda: lu.polynomial_intrinsic_dimension(10**9, 10**9), "binary digits"),
        (lambda: lu.cover_count(10**6, 5 * 10**5), "cover_count"),
        (lambda: lu.activation_patterns(lu.gaussian_inputs(10, 60, seed=0)), "regions"),
        (lambda: lu.zonotope_vertices(lu.gaussian_inputs(10, 60, seed=0)), "regions"),
        (lambda: lu.step_vectors(10**5), "2n x n"),
    ]:
        with pytest.raises(ValueError, match=what):
            call()
    assert time.process_time() - start < 10  # each refusal comes before any work


# --------------------------------------------------------------------- property-based tests

BAD_ARRAYS = st.one_of(
    st.just(np.array([[1.0, np.nan]])),
    st.just(np.array([[np.inf, 0.0]])),
    st.just(np.array([[1 + 1j, 0.0]])),
    st.just(np.array([["a", "b"]])),
    st.just(np.zeros((0, 0))),
    st.just(np.zeros((2, 3, 4))),
    st.just("not an array"),
    st.just(None),
    st.lists(st.lists(st.floats(allow_nan=False), max_size=3), min_size=1, max_size=3),
    st.builds(
        lambda r, c, scale: (
            scale * np.random.default_rng(r * 7 + c).normal(size=(r, c))
        ),
        st.integers(0, 4),
        st.integers(0, 4),
        st.sampled_from([1.0, 1e300, 1e-300]),
    ),
)
BAD_SIZES = st.one_of(
    st.integers(-3, 0),
    st.integers(1, 40),
    st.integers(10**9, 10**13),
    st.floats(allow_nan=True),
    st.just(True),
    st.just("5"),
)


def _array_calls(a):
    W, b, v = lu.init_two_layer(2, 3, seed=0)
    X = lu.gaussian_inputs(2, 4, seed=0)
    return [
        lambda: lu.jacobian_rank(a),
        lambda: lu.relu_jacobian(a, b, v, X),
        lambda: lu.relu_jacobian(W, b, v, a),
        lambda: lu.two_layer_relu(W, b, v, a),
        lambda: lu.activation_pattern(a, b, X),
        lambda: lu.pattern_jacobian(X, a, v),
        lambda: lu.cooper_interpolation(a, np.zeros(np.shape(a)[-1:] or 1)),
        lambda: lu.activation_patterns(a),
        lambda: lu.zonotope_vertices(a),
        lambda: lu.is_diverse(a),
        lambda: lu.mlp(lu.init_mlp([2, 3, 1], seed=0), a),
        lambda: lu.count_eigenvalue_signs(a, 1e-9),
        lambda: lu.anticoncentration_gamma(
            a, np.ones(np.shape(a)[0] if np.ndim(a) else 1)
        ),
    ]


def _accept(call, budget: float = 5.0):
    """Run ``call``: it may return or raise a clear error, in time; anything else fails."""
    start = (
        time.process_time()
    )  # processor time: other jobs on the machine do not count
    try:
        call()
    except CLEAR:
        pass
    elapsed = time.process_time() - start
    assert elapsed < budget, f"took {elapsed:.1f} s of processor time"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(BAD_ARRAYS)
def test_malformed_arrays_get_a_clear_error_or_a_result(a):
    for call in _array_calls(a):
        _accept(call)


@settings(max_examples=40, deadline=None)
@given(BAD_SIZES, BAD_SIZES)
def test_malformed_sizes_get_a_clear_error_or_a_result(n, d):
    for call in (
        lambda: lu.cover_count(n, d),
        lambda: lu.polynomial_feature_dimension(n, d),
        lambda: lu.polynomial_intrinsic_dimension(n, d),
        lambda: lu.step_vectors(n),
        lambda: lu.gaussian_inputs(n, d, seed=0),
        lambda: lu.init_two_layer(n, d, seed=0),
        lambda: lu.alternating_signs(n),
        lambda: lu.full_rank_probability(n, d, 5, trials=2, seed=0),
        lambda: lu.singular_probability_exact(n),
    ):
        _accept(call)


@settings(max_examples=30, deadline=None)
@given(st.one_of(st.floats(allow_nan=True), st.just("x"), st.just(None), st.just(-1)))
def test_malformed_tolerances_get_a_clear_error_or_a_result(tol):
    x = np.array([-1.0, 0.0, 1.0])
    for call in (
        lambda: lu.jacobian_rank(np.eye(3), rtol=tol),
        lambda: lu.count_eigenvalue_signs(np.ones(3), tol),
        lambda: lu.full_rank_volume_fraction(x, 2, 50, seed=0, rtol=tol),
        lambda: lu.is_local_minimum([1.0], [0.0], [1.0], x, x, tol=tol),
    ):
        _accept(call)
