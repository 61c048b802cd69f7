"""lecture_utils.scale: closed forms against autograd, Lanczos and ARPACK against dense spectra."""

import numpy as np
import pytest
import torch

import lecture_utils as lu
from lecture_utils import scale


def small_problem(d0=3, d1=5, n=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    y = rng.standard_normal(n)
    return scale.init_network(d0, d1, seed=seed + 1), X, y


def test_closed_form_jacobian_equals_autograd():
    params, X, _ = small_problem()
    J = scale.network_jacobian(params, X)
    assert J.shape == (4, scale.count_parameters(3, 5)) == (4, 25)
    J_auto = scale.per_example_jacobian(scale.network, params, X)
    np.testing.assert_allclose(J, J_auto, atol=1e-12)


def test_closed_form_gradient_equals_autograd():
    params, X, y = small_problem(d0=3, d1=6, n=5)
    loss, gradient = scale.loss_gradient(params, X, y)
    J = scale.per_example_jacobian(scale.network, params, X)
    r = scale.network(params, torch.from_numpy(X)).numpy() - y
    assert np.isclose(loss, 0.5 * r @ r)
    flat = np.concatenate([gradient["W"].ravel(), gradient["b"], gradient["v"]])
    np.testing.assert_allclose(flat, J.T @ r, atol=1e-12)


def test_gram_by_the_kernel_trick_equals_the_jacobian_gram():
    params, X, _ = small_problem(d0=4, d1=7, n=6)
    J = scale.per_example_jacobian(scale.network, params, X)
    np.testing.assert_allclose(scale.ntk_gram(params, X), J @ J.T, atol=1e-12)
    # the hidden part is the Khatri-Rao Jacobian of the region (Chapter 8), scaled by d1^(-1/2)
    J_region = lu.relu_jacobian(params["W"], params["b"], params["v"], X) / np.sqrt(7)
    np.testing.assert_allclose(
        scale.ntk_gram(params, X, part="hidden"), J_region @ J_region.T, atol=1e-12
    )
    with pytest.raises(ValueError, match="part"):
        scale.ntk_gram(params, X, part="output")


def test_hessian_vector_products_equal_the_dense_hessian():
    params, X, y = small_problem()
    H = lu.loss_hessian(scale.network, params, X, y)
    op = scale.hessian_operator(scale.network, params, X, y)
    U = np.random.default_rng(1).standard_normal((25, 3))
    np.testing.assert_allclose(np.column_stack([op.matvec(u) for u in U.T]), H @ U)


def test_closed_form_hessian_operator_equals_autograd_at_positive_loss():
    params, X, y = small_problem(d0=3, d1=6, n=5, seed=2)
    H = lu.loss_hessian(scale.network, params, X, y)
    assert np.abs(H - lu.loss_hessian(scale.network, params, X, 0 * y)).max() > 0.1
    op = scale.network_hessian_operator(params, X, y)
    U = np.random.default_rng(3).standard_normal((H.shape[0], 4))
    np.testing.assert_allclose(
        np.column_stack([op.matvec(u) for u in U.T]), H @ U, atol=1e-12
    )


def test_lanczos_of_a_low_rank_matrix_returns_its_nonzero_eigenvalues_and_stops():
    rng = np.random.default_rng(2)
    B = rng.standard_normal((60, 7))
    H = B @ B.T  # rank 7
    ritz, beta = scale.lanczos(H, 30, seed=3, stop_tol=1e-10)
    assert len(ritz) == 8  # the Krylov space is exhausted after rank + 1 steps
    exact = np.linalg.eigvalsh(B.T @ B)[::-1]
    np.testing.assert_allclose(ritz[:7], exact, rtol=1e-10)
    assert abs(ritz[7]) < 1e-10 * exact[0] and beta[-1] < 1e-10 * exact[0]


def spectrum_matrix(eigenvalues, P, seed=0):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((P, P)))
    e = np.zeros(P)
    e[: len(eigenvalues)] = eigenvalues
    return (Q * e) @ Q.T


def test_plain_lanczos_counts_distinct_eigenvalues_restarts_count_them_all():
    H = spectrum_matrix([5, 5, 5, 3, 2, 1], 40)
    ritz, beta = scale.lanczos(H, 40, seed=1, stop_tol=1e-10)
    # one Krylov space: one vector per eigenspace, 5, 3, 2, 1 and 0
    assert len(ritz) == 5 and np.sum(ritz > 1e-8 * ritz[0]) == 4
    np.testing.assert_allclose(ritz[:4], [5, 3, 2, 1], rtol=1e-10)
    ritz, beta = scale.lanczos(H, 40, seed=1, stop_tol=1e-10, restart=True)
    positive = ritz[ritz > 1e-8 * ritz[0]]
    np.testing.assert_allclose(positive, [5, 5, 5, 3, 2, 1], rtol=1e-10)
    assert beta[-1] == 0.0 and np.abs(ritz[6:]).max() < 1e-10
    # three restarts after the first space: one per extra copy of 5, and the null test
    assert len(ritz) == 5 + 2 + 2 + 1
    count = scale.count_positive_eigenvalues(H, 40, seed=1)
    assert count["count"] == 6 and count["certified"] and count["steps"] == 10


def test_count_of_positive_eigenvalues_against_the_dense_spectrum():
    rng = np.random.default_rng(7)
    for trial in range(5):
        values = rng.choice([4.0, 2.5, 1.0, -1.5], size=rng.integers(3, 12))
        H = spectrum_matrix(values, 50, seed=trial)
        count = scale.count_positive_eigenvalues(H, 50, seed=trial)
        dense = np.linalg.eigvalsh(H)
        assert count["certified"]
        assert (
            count["count"] == np.sum(dense > 1e-8 * dense.max()) == np.sum(values > 0)
        )
        np.testing.assert_allclose(
            np.sort(count["ritz"][np.abs(count["ritz"]) > 1e-8]),
            np.sort(values),
            atol=1e-9,
        )


def test_count_is_not_certified_when_the_steps_run_out():
    H = spectrum_matrix([3, 3, 3, 3, 2, 1], 40)
    count = scale.count_positive_eigenvalues(H, 6, seed=0)
    assert not count["certified"] and count["count"] < 6
    with pytest.raises(ValueError, match="stop_tol"):
        scale.lanczos(H, 10, restart=True)
    with pytest.raises(ValueError, match="rtol"):
        scale.count_positive_eigenvalues(H, 10, rtol=0.0)


def test_hessian_count_hypotheses_and_a_duplicated_data_point():
    params, X, y = small_problem(d0=3, d1=8, n=6, seed=3)
    end, _ = scale.gauss_newton_polish(params, X, y)
    checks = scale.hessian_count_hypotheses(end, X, y)
    assert checks["all"] and checks["rank"] == 6 and checks["margin"] > 1e-6
    # a duplicated point (same input, same label): rank J = 5 < n, and 5 positive eigenvalues
    X_dup, y_dup = X.copy(), y.copy()
    X_dup[:, 5], y_dup[5] = X[:, 4], y[4]
    end, _ = scale.gauss_newton_polish(params, X_dup, y_dup)
    checks = scale.hessian_count_hypotheses(end, X_dup, y_dup)
    assert checks["interpolates"] and checks["inside_region"] and checks["rank"] == 5
    assert not checks["full_rank"] and not checks["all"]
    dense = np.linalg.eigvalsh(lu.loss_hessian(scale.network, end, X_dup, y_dup))
    assert np.sum(dense > 1e-8 * dense[-1]) == 5 and dense[0] > -1e-10 * dense[-1]
    H = scale.network_hessian_operator(end, X_dup, y_dup)
    count = scale.count_positive_eigenvalues(H, H.shape[0], seed=0)
    assert count["certified"] and count["count"] == 5
    # away from zero loss, and on a kink (a pre-activation exactly 0)
    assert not scale.hessian_count_hypotheses(params, X, y)["interpolates"]
    on_kink = {k: t.clone() for k, t in end.items()}
    on_kink["b"][0] = -float(on_kink["W"][0].numpy() @ X_dup[:, 0])
    assert not scale.hessian_count_hypotheses(on_kink, X_dup, y_dup)["inside_region"]
    with pytest.raises(ValueError, match="margin_tol"):
        scale.hessian_count_hypotheses(end, X, y, margin_tol=0.0)


def test_lanczos_finds_the_extreme_eigenvalues_of_a_full_rank_matrix():
    rng = np.random.default_rng(4)
    Q, _ = np.linalg.qr(rng.standard_normal((200, 200)))
    eig = np.concatenate([[50.0, 20.0], np.linspace(-1, 1, 198)])
    H = (Q * eig) @ Q.T
    ritz, beta = scale.lanczos(H, 40, seed=0)
    assert len(ritz) == len(beta) == 40
    np.testing.assert_allclose(ritz[:2], [50.0, 20.0], rtol=1e-10)
    with pytest.raises(ValueError, match="steps"):
        scale.lanczos(H, 201)
    with pytest.raises(ValueError, match="square"):
        scale.lanczos(np.ones((3, 4)), 2)


def test_arpack_top_eigenvalues_of_the_hessian_operator_equal_the_dense_ones():
    params, X, y = small_problem(d0=3, d1=6, n=5)
    H = lu.loss_hessian(scale.network, params, X, y)
    op = scale.hessian_operator(scale.network, params, X, y)
    top = scale.top_hessian_eigenvalues(op, 4)
    np.testing.assert_allclose(top, np.linalg.eigvalsh(H)[::-1][:4], rtol=1e-8)
    with pytest.raises(ValueError, match="k must"):
        scale.top_hessian_eigenvalues(op, 30)


def test_gauss_newton_reaches_an_interpolant_whose_hessian_is_gauss_newton():
    params, X, y = small_problem(d0=3, d1=8, n=5, seed=3)
    end, losses = scale.gauss_newton_polish(params, X, y)
    assert losses[0] > 0.1 and losses[-1] < 1e-24
    H = lu.loss_hessian(scale.network, end, X, y)
    J = scale.network_jacobian(end, X)
    np.testing.assert_allclose(H, J.T @ J, atol=1e-10)
    eig = np.linalg.eigvalsh(H)
    assert np.sum(eig > 1e-8 * eig[-1]) == 5 and eig[0] > -1e-10 * eig[-1]


def test_gauss_newton_with_fewer_parameters_than_data_stays_at_positive_loss():
    params, X, y = small_problem(d0=1, d1=1, n=6, seed=5)  # P = 3 < n
    _, losses = scale.gauss_newton_polish(params, X, y, max_steps=10)
    assert losses[-1] > 1e-3


def test_training_decreases_the_loss_and_records_the_gram_eigenvalues():
    params, X, y = small_problem(d0=3, d1=20, n=6)
    lr = 1 / np.linalg.eigvalsh(scale.ntk_gram(params, X))[-1]
    end, history = scale.train(params, X, y, lr=lr, steps=200, record_every=50)
    assert history["loss"].shape == (201,) and list(history["step"]) == [
        0,
        50,
        100,
        150,
        200,
    ]
    assert (
        np.all(np.diff(history["loss"]) <= 1e-12)
        and history["loss"][-1] < 0.5 * (history["loss"][0])
    )
    eig = np.linalg.eigvalsh(scale.ntk_gram(end, X))
    assert np.isclose(history["lambda_min"][-1], eig[0])
    assert 1 <= history["regions"][0] <= 201
    with pytest.raises(ValueError, match="lr"):
        scale.train(params, X, y, lr=0.0, steps=3)


def test_region_report_counts_dead_units_and_patterns():
    params, X, _ = small_problem(d0=2, d1=4, n=5)
    params["b"] = torch.tensor([-100.0, 100.0, -100.0, 100.0], dtype=torch.float64)
    report = scale.region_report(params, X)
    # two dead units, two always active: every data point has the same pattern
    assert report["dead_units"] == 0.5 and report["distinct_patterns"] == 1
    # one pattern for all points: the rows are c (x) (x_j, 1) for one c, so the rank is d0 + 1
    assert report["region_rank"] == 3 and not report["full_rank"]
    params["b"] = torch.tensor([-100.0, 100.0, 0.0, 0.0], dtype=torch.float64)
    assert scale.region_report(params, X)["dead_units"] == 0.25


def test_null_space_walk_stays_on_the_interpolants():
    params, X, y = small_problem(d0=3, d1=10, n=5, seed=1)
    start, _ = scale.gauss_newton_polish(params, X, y)
    rng = np.random.default_rng(0)
    X_test, y_test = rng.standard_normal((3, 8)), np.sign(rng.standard_normal(8))
    walk = scale.null_space_walk(start, X, y, X_test, y_test, step=0.1, steps=4)
    assert walk["train_loss"].max() < 1e-20 and np.allclose(
        walk["distance"], [0, 0.1, 0.2, 0.3, 0.4]
    )
    up = scale.null_space_walk(
        start, X, y, X_test, y_test, step=0.1, steps=4, direction="test_loss_up"
    )
    assert up["train_loss"].max() < 1e-20 and up["test_loss"][-1] > up["test_loss"][0]
    with pytest.raises(ValueError, match="direction"):
        scale.null_space_walk(start, X, y, X_test, y_test, 0.1, 2, direction="up")


def test_digits_problem():
    p = scale.digits_problem(30, n_test=20, seed=0)
    assert p["X"].shape == (64, 30) and p["X_test"].shape == (64, 20)
    np.testing.assert_allclose(np.linalg.norm(p["X"], axis=0), 1.0)
    assert set(np.unique(p["y"])) <= {-1.0, 1.0}
    assert np.array_equal(p["y"], np.where(p["digit"] >= 5, 1.0, -1.0))
    train = {column.tobytes() for column in p["X"].T}
    assert not train & {column.tobytes() for column in p["X_test"].T}
    with pytest.raises(ValueError, match="n \\+ n_test"):
        scale.digits_problem(1500, n_test=500)


def test_scale_cell():
    # P = 264 > n = 20: an exact interpolant in a region of rank n, n positive eigenvalues
    for quantity in scale.SCALE_QUANTITIES:
        assert scale.scale_fraction(64, 4, 20, 1, 0, quantity, steps=50) == 1.0
    # P = 66 < n = 100: no exact interpolant, so no count of n and no hypotheses
    run = scale.scale_run(1, 100, 2, 0, steps=50)
    assert (
        run["interpolates"] == run["hypotheses"] == run["hessian_count"] == (0.0, 0.0)
    )
    with pytest.raises(ValueError, match="d0 = 64"):
        scale.scale_fraction(3, 4, 20, 1, 0, "hessian_count")
    with pytest.raises(ValueError, match="quantity"):
        scale.scale_fraction(64, 4, 20, 1, 0, "rank")
    with pytest.raises(ValueError, match="quantities"):
        scale.scale_run(4, 20, 1, 0, quantities=("dead_units",))


def test_below_prints_a_class_for_rounding_level_numbers():
    assert scale.below(3e-16, 1e-10) == scale.below(-7e-15, 1e-10) == "below 1e-10"
    assert scale.below(2e-3, 1e-10) == "2.0e-03 (not below 1e-10)"
    with pytest.raises(ValueError, match="level"):
        scale.below(1.0, 0.0)


def test_scale_run_with_every_unit_dead_does_not_train():
    # d1 = 1 and a unit inactive on every digit: J = 0, no step size, nothing to train
    for seed in range(200):
        rng = np.random.default_rng(seed)  # the draws of scale_run, in its order
        X = scale.digits_problem(20, n_test=1, seed=rng)["X"]
        if not np.any(scale.ntk_gram(scale.init_network(64, 1, seed=rng), X)):
            break
    else:
        pytest.skip("no seed with a dead unit")
    run = scale.scale_run(1, 20, 1, seed, steps=5)
    assert run["interpolates"] == run["hypotheses"] == (0.0,)
    assert run["hessian_count"] == run["full_rank_region"] == (0.0,)
