"""Figures of Chapters 14 and 15 drawn by lecture_utils.plotting: the artists carry the data they
were given (points, Wilson intervals by the formula, labels, legends, scales), and bad arguments
raise."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lecture_utils.plotting import (
    plot_gd_region_shares,
    plot_gd_success_by_width,
    plot_gd_success_phase,
    plot_lazy_training,
    plot_null_space_walks,
    plot_scale_shares,
    plot_scale_training,
    plot_spectra_by_data_size,
)

GRID = {1: (4, 8), 4: (8, 16)}
WIDTHS = [4, 8, 16, 32, 64]
KEYS = ("success", "full_rank", "global_minimum")


def region_table(trials=20, seed=0):
    rng = np.random.default_rng(seed)
    return {
        (d0, n, d1): {key: rng.integers(0, trials + 1) / trials for key in KEYS}
        for d0, ns in GRID.items()
        for n in ns
        for d1 in WIDTHS
    }


def full_counts(trials=200, seed=1):
    rng = np.random.default_rng(seed)
    settings = {1: (8, 12), 4: (4, 8, 16), 8: (8, 16, 32)}
    full = {}
    for d0, ns in settings.items():
        for n in ns:
            for d1 in (1, 2, 4, 8, 16, 32, 64):
                full[d0, n, d1, 3000] = int(rng.integers(0, trials + 1))
                full[d0, n, d1, 30000] = int(rng.integers(0, trials + 1))
    return full


def wilson(share, trials):
    # the interval of round(share * trials) successes, by the formula
    k = round(share * trials)
    z = 1.96  # the 95% quantile as binomial_interval rounds it
    centre = (k + z**2 / 2) / (trials + z**2)
    half = z / (trials + z**2) * np.sqrt(k * (trials - k) / trials + z**2 / 4)
    return centre - half, centre + half


def error_bar_ends(container):
    # the lower and upper ends of the vertical bars of an errorbar container
    segments = container.lines[2][0].get_segments()
    return np.array([[s[0][1], s[1][1]] for s in segments])


# --- plot_gd_region_shares ---


def test_region_shares_draw_the_table_with_wilson_bars():
    table = region_table()
    fig = plot_gd_region_shares(table, GRID, WIDTHS)
    assert [ax.get_title() for ax in fig.axes] == ["$d_0 = 1$", "$d_0 = 4$"]
    ax = fig.axes[1]
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "share of 20 trials"
    assert fig.axes[-1].get_xlabel() == "width $d_1$"
    # containers in order: n = 8 (success, full rank, global minimum), then n = 16
    for k, (n, key) in enumerate([(n, key) for n in (8, 16) for key in KEYS]):
        container = ax.containers[k]
        x, y = container.lines[0].get_xdata(), container.lines[0].get_ydata()
        shift = {"success": 0.93, "full_rank": 1.0, "global_minimum": 1.07}[key]
        np.testing.assert_allclose(x, np.array(WIDTHS) * shift)
        expected = [table[4, n, d1][key] for d1 in WIDTHS]
        np.testing.assert_allclose(y, expected)
        ends = error_bar_ends(container)
        np.testing.assert_allclose(ends, [wilson(s, 20) for s in expected], atol=1e-12)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "$n = 8$",
        "$n = 16$",
    ]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "gradient descent succeeds",
        "full-rank Jacobian at init",
        "initial region has a global minimum",
    ]
    plt.close(fig)


def test_region_shares_reject_bad_arguments():
    with pytest.raises(ValueError, match="trials"):
        plot_gd_region_shares(region_table(), GRID, WIDTHS, trials=0)
    with pytest.raises(ValueError, match="grid"):
        plot_gd_region_shares(region_table(), {1: (4,)}, WIDTHS)


# --- plot_gd_success_by_width ---


def test_success_by_width_draws_the_counts_of_budget_3000():
    full = full_counts()
    fig = plot_gd_success_by_width(full, 200)
    assert [ax.get_title() for ax in fig.axes] == [f"$d_0 = {d}$" for d in (1, 4, 8)]
    ax = fig.axes[2]  # d0 = 8: n = 8, 16, 32
    assert len(ax.containers) == 3
    for container, n in zip(ax.containers, (8, 16, 32)):
        x, y = container.lines[0].get_xdata(), container.lines[0].get_ydata()
        np.testing.assert_array_equal(x, [1, 2, 4, 8, 16, 32, 64])
        share = [full[8, n, d1, 3000] / 200 for d1 in x]
        np.testing.assert_allclose(y, share)
        np.testing.assert_allclose(
            error_bar_ends(container), [wilson(s, 200) for s in share], atol=1e-12
        )
    assert fig.axes[0].get_xscale() == "log"
    assert [t.get_text() for t in fig.axes[2].get_xticklabels()] == [
        "1",
        "2",
        "4",
        "8",
        "16",
        "32",
        "64",
    ]
    plt.close(fig)


def test_success_by_width_rejects_bad_trials():
    with pytest.raises(ValueError, match="trials"):
        plot_gd_success_by_width(full_counts(), 0)


# --- plot_gd_success_phase ---


def test_success_phase_places_the_points_at_d0_d1_over_n():
    phase = {(4, 8): [0.0, 0.1, 0.5, 0.9], (8, 32): [0.0, 0.05, 0.25, 0.85]}
    ratios = [0.5, 1, 2, 4]
    fig = plot_gd_success_phase(phase, ratios)
    ax = fig.axes[0]
    # (4, 8): d1 = 1, 2, 4, 8 -> d0 d1 / n = 0.5, 1, 2, 4; (8, 32): d1 = 2, 4, 8, 16
    for container, shares in zip(ax.containers, phase.values()):
        x = np.asarray(container.lines[0].get_xdata(), dtype=float)
        np.testing.assert_allclose(x, [0.5, 1, 2, 4])
        y = np.asarray(container.lines[0].get_ydata(), dtype=float)
        np.testing.assert_allclose(y, shares)
        np.testing.assert_allclose(
            error_bar_ends(container), [wilson(s, 20) for s in shares], atol=1e-12
        )
    assert ax.get_xlabel() == "$d_0 d_1 / n$"
    assert ax.get_ylabel() == "success share (20 trials)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["$d_0 d_1 = n$", "$d_0 = 4$, $n = 8$", "$d_0 = 8$, $n = 32$"]
    plt.close(fig)


def test_success_phase_rejects_a_wrong_number_of_shares():
    with pytest.raises(ValueError, match="ratios"):
        plot_gd_success_phase({(4, 8): [0.1, 0.2]}, [0.5, 1, 2])
    plt.close("all")


# --- Chapter 15 ---

SCALE_TITLES = {
    "interpolates": "(a) interpolates",
    "hypotheses": "(b) the three hypotheses hold",
    "hessian_count": "(c) certified count $= n$",
    "full_rank_region": "(d) final region of rank $n$",
}


def training_history(seed=0):
    rng = np.random.default_rng(seed)
    predicted = rng.uniform(0.9, 0.999, size=200)
    loss = 300 * np.concatenate(
        [[1], np.cumprod(predicted * rng.uniform(0.98, 1, 200))]
    )
    steps_rec = np.arange(0, 201, 10)
    lam_min = rng.uniform(0.03, 0.06, size=len(steps_rec))
    return loss, steps_rec, lam_min, predicted


def lazy_table():
    return {
        64: {"K": 0.16, "theta": 0.12},
        256: {"K": 0.05, "theta": 0.057},
        1024: {"K": 0.016, "theta": 0.033},
    }


def scale_counts(seed=0, runs=20):
    rng = np.random.default_rng(seed)
    n_grid, d1_grid = np.array([100, 200]), np.array([2, 4, 8, 16, 32])
    yes = {
        q: rng.integers(0, runs + 1, size=(2, 5)).astype(float) for q in SCALE_TITLES
    }
    return yes, n_grid, d1_grid


def walk_records(seed=0):
    rng = np.random.default_rng(seed)
    return {
        direction: {
            "distance": np.arange(6) * 2.6,
            "test_accuracy": 0.93 - np.cumsum(rng.uniform(0, 0.03, 6)),
            "test_loss": 65 + np.cumsum(rng.uniform(0, 40, 6)),
        }
        for direction in ("random", "test_loss_up")
    }


# --- plot_scale_training ---


def test_scale_training_draws_loss_envelope_and_lambda_min():
    loss, steps_rec, lam_min, predicted = training_history()
    fig = plot_scale_training(loss, steps_rec, lam_min, predicted)
    top, bottom = fig.axes
    assert top.get_yscale() == "log" and bottom.get_yscale() == "linear"
    curve, envelope = top.get_lines()
    np.testing.assert_array_equal(curve.get_ydata(), loss)
    # the envelope by an independent loop
    bound = [loss[0]]
    for factor in predicted:
        bound.append(bound[-1] * factor)
    np.testing.assert_allclose(envelope.get_ydata(), bound, rtol=1e-12)
    assert envelope.get_linestyle() == "--"
    np.testing.assert_array_equal(bottom.get_lines()[0].get_xdata(), steps_rec)
    np.testing.assert_array_equal(bottom.get_lines()[0].get_ydata(), lam_min)
    assert bottom.get_ylim() == pytest.approx((0, 1.1 * lam_min.max()))
    plt.close(fig)


def test_scale_training_rejects_bad_shapes():
    loss, steps_rec, lam_min, predicted = training_history(seed=2)
    with pytest.raises(ValueError, match="one factor per step"):
        plot_scale_training(loss, steps_rec, lam_min, predicted[:-1])
    with pytest.raises(ValueError, match="same shape"):
        plot_scale_training(loss, steps_rec, lam_min[:-1], predicted)


# --- plot_lazy_training ---


def test_lazy_training_draws_the_changes_and_the_reference():
    lazy, widths = lazy_table(), [64, 256, 1024]
    fig = plot_lazy_training(lazy, widths, 250)
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    kernel, params, reference = ax.get_lines()
    np.testing.assert_allclose(kernel.get_ydata(), [0.16, 0.05, 0.016])
    np.testing.assert_allclose(params.get_ydata(), [0.12, 0.057, 0.033])
    # d1^(-1/2) through the first point: 0.12, 0.06, 0.03
    np.testing.assert_allclose(reference.get_ydata(), [0.12, 0.06, 0.03])
    assert ax.get_ylabel() == "relative change after 250 steps"
    plt.close(fig)


def test_lazy_training_rejects_bad_steps():
    lazy, widths = lazy_table(), [64, 256, 1024]
    with pytest.raises(ValueError, match="steps"):
        plot_lazy_training(lazy, widths, 0)


# --- plot_spectra_by_data_size ---


def test_hessian_spectra_draw_each_spectrum_and_its_n():
    spectra = {100: np.geomspace(100, 0.1, 100), 50: np.geomspace(50, 0.2, 50)}
    fig = plot_spectra_by_data_size(spectra)
    ax = fig.axes[0]
    lines = ax.get_lines()  # curve, then vertical line, for n = 50 then n = 100
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(1, 51))
    np.testing.assert_array_equal(lines[0].get_ydata(), spectra[50])
    assert list(lines[1].get_xdata()) == [50, 50]
    np.testing.assert_array_equal(lines[2].get_ydata(), spectra[100])
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["$n = 50$", "$n = 100$"]
    plt.close(fig)


# --- plot_scale_shares ---


def test_scale_shares_draw_counts_over_runs_at_d1_d0_over_n():
    yes, n_grid, d1_grid = scale_counts()
    fig = plot_scale_shares(yes, 20, n_grid, d1_grid, 64, SCALE_TITLES)
    assert [ax.get_title() for ax in fig.axes] == list(SCALE_TITLES.values())
    ax = fig.axes[3]  # full_rank_region
    for container, m, k_m in zip(ax.containers, n_grid, yes["full_rank_region"]):
        np.testing.assert_allclose(container.lines[0].get_xdata(), d1_grid * 64 / m)
        np.testing.assert_allclose(container.lines[0].get_ydata(), k_m / 20)
        np.testing.assert_allclose(
            error_bar_ends(container), [wilson(k / 20, 20) for k in k_m], atol=1e-12
        )
    assert fig.axes[2].get_xlabel() == "$d_1 d_0 / n$"
    assert fig.axes[0].get_ylabel() == "share of runs"
    plt.close(fig)


def test_scale_shares_reject_bad_shapes():
    n_grid, d1_grid = np.array([100, 200]), np.array([2, 4, 8, 16, 32])
    bad = {"interpolates": np.zeros((2, 4))}
    with pytest.raises(ValueError, match="shape"):
        plot_scale_shares(bad, 20, n_grid, d1_grid, 64, SCALE_TITLES)


# --- plot_null_space_walks ---


def test_null_space_walks_draw_accuracy_and_loss_against_distance():
    walks = walk_records()
    fig = plot_null_space_walks(walks, 130.0)
    top, bottom = fig.axes
    for line, w in zip(top.get_lines(), walks.values()):
        np.testing.assert_allclose(line.get_xdata(), w["distance"] / 130.0)
        np.testing.assert_allclose(line.get_ydata(), w["test_accuracy"])
    for line, w in zip(bottom.get_lines(), walks.values()):
        np.testing.assert_allclose(line.get_ydata(), w["test_loss"])
    assert [line.get_linestyle() for line in top.get_lines()] == ["-", "--"]
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert labels == ["random direction", "direction of the test loss"]
    plt.close(fig)


def test_null_space_walks_reject_a_bad_norm():
    walks = walk_records()
    with pytest.raises(ValueError, match="norm"):
        plot_null_space_walks(walks, 0.0)


@pytest.mark.parametrize(
    "spectra, message",
    [
        ({}, "dict of 1"),
        ([np.ones(3)], "dict of 1"),
        ({4: [3.0, 2.0, -1.0]}, "positive eigenvalues"),
        ({4: [1.0, 2.0, 3.0]}, "decreasing"),
        ({0: [3.0, 2.0]}, "n"),
    ],
)
def test_spectra_by_data_size_reject_bad_spectra(spectra, message):
    with pytest.raises(ValueError, match=message):
        plot_spectra_by_data_size(spectra)
