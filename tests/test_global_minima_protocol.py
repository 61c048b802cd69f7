"""The data protocols of the experiment of Figures 6-8 (fresh data per sampled region, or one data
set per cell), the paired comparison of label types, and the protocol option of the reproduction
command: against a plain loop written here from the experiment's description, against the
statistics that tell the two protocols apart, and against the closed form of Student's interval."""

import json

import numpy as np
import pytest
import scipy.stats

import lecture_utils as lu
from lecture_utils import global_minima, reproduce
from lecture_utils.global_minima import (
    DATA_PROTOCOLS,
    LABEL_TYPES,
    global_minimum_fraction,
    grid_difference_interval,
    label_type_shares,
    paired_difference_interval,
    region_has_global_minimum,
)


def plain_labels(X, labels, d1, rng):
    if labels == "polynomial":
        return lu.quadratic_labels(X, seed=rng)
    if labels == "teacher":
        return lu.teacher_labels(X, d1, seed=rng)
    return rng.uniform(-1.0, 1.0, size=X.shape[1])


def plain_region(X, d1, rng):
    W, b, v = lu.init_two_layer(X.shape[0], d1, seed=rng, scheme="he")
    return (W @ X + b[:, None] > 0).astype(int), v


def reference_fraction(d0, d1, n, labels, trials, seed, protocol):
    """The experiment as the paper's appendix (per-trial) or its captions (fixed) describe it."""
    rng = np.random.default_rng(seed)
    method = "cone" if d0 == 1 else "lp"
    if protocol == "fixed":
        X = rng.uniform(-1.0, 1.0, size=(d0, n))
        y = plain_labels(X, labels, d1, rng)
    hits = 0
    for _ in range(trials):
        if protocol == "per-trial":
            X = rng.uniform(-1.0, 1.0, size=(d0, n))
            y = plain_labels(X, labels, d1, rng)
        A, v = plain_region(X, d1, rng)
        hits += region_has_global_minimum(X, y, A, v, method=method)
    return hits / trials


@pytest.mark.parametrize("protocol", DATA_PROTOCOLS)
@pytest.mark.parametrize("labels", LABEL_TYPES)
@pytest.mark.parametrize("d0, d1, n", [(1, 16, 5), (2, 10, 6)])
def test_fraction_equals_the_plain_loop(protocol, labels, d0, d1, n):
    for seed in (0, 7):
        expected = reference_fraction(d0, d1, n, labels, 12, seed, protocol)
        got = global_minimum_fraction(
            d0, d1, n, labels, 12, seed=seed, protocol=protocol
        )
        assert got == expected


def record_data(monkeypatch):
    seen = []
    decide = global_minima.region_has_global_minimum

    def recording(X, y, A, v, method="lp", interior=None):
        seen.append((np.array(X), np.array(y)))
        return decide(X, y, A, v, method=method, interior=interior)

    monkeypatch.setattr(global_minima, "region_has_global_minimum", recording)
    return seen


def test_fixed_protocol_keeps_one_data_set_and_per_trial_draws_new_ones(monkeypatch):
    seen = record_data(monkeypatch)
    global_minimum_fraction(1, 8, 5, "random", 10, seed=3, protocol="fixed")
    assert len(seen) == 10
    assert all(
        np.array_equal(X, seen[0][0]) and np.array_equal(y, seen[0][1]) for X, y in seen
    )
    seen.clear()
    global_minimum_fraction(1, 8, 5, "random", 10, seed=3, protocol="per-trial")
    assert len({X.tobytes() for X, _ in seen}) == 10
    assert len({y.tobytes() for _, y in seen}) == 10


def test_both_protocols_estimate_the_same_share_with_different_spread():
    # At a cell in the transition (d0 = 1, n = 6, d1 = 20, random labels) the fixed protocol's share,
    # averaged over data sets, estimates the per-trial share, but a single data set's share spreads
    # by far more than the binomial noise: the data set matters. The per-trial protocol's spread is
    # binomial. (Measured: variance ratio about 5 for the fixed protocol.)
    data_sets, trials = 60, 40
    fixed = np.array(
        [
            global_minimum_fraction(
                1, 20, 6, "random", trials, seed=s, protocol="fixed"
            )
            for s in range(data_sets)
        ]
    )
    per_trial = np.array(
        [
            global_minimum_fraction(1, 20, 6, "random", trials, seed=1000 + s)
            for s in range(data_sets)
        ]
    )
    p = per_trial.mean()
    assert 0.15 < p < 0.85  # a cell in the transition
    # same mean: within 3 standard errors of the difference (about 0.07, so that a mean 30% off
    # fails)
    se = np.sqrt(fixed.var(ddof=1) / data_sets + per_trial.var(ddof=1) / data_sets)
    assert abs(fixed.mean() - p) < 3 * se and 3 * se < 0.3 * p
    binomial = p * (1 - p) / trials
    assert per_trial.var(ddof=1) / binomial < 1.8
    assert fixed.var(ddof=1) / binomial > 2.5


def reference_label_shares(d0, d1, n, data_sets, per_set, seed, label_types):
    rng = np.random.default_rng(seed)
    method = "cone" if d0 == 1 else "lp"
    out = np.zeros((data_sets, len(label_types)))
    for s in range(data_sets):
        X = rng.uniform(-1.0, 1.0, size=(d0, n))
        ys = [plain_labels(X, lab, d1, rng) for lab in label_types]
        for _ in range(per_set):
            A, v = plain_region(X, d1, rng)
            for k, y in enumerate(ys):
                out[s, k] += region_has_global_minimum(X, y, A, v, method=method)
    return out / per_set


@pytest.mark.parametrize("d0", [1, 2])
def test_label_type_shares_equal_the_plain_loop(d0):
    types = ("random", "polynomial", "teacher")
    got = label_type_shares(d0, 12, 6, 3, 6, seed=5, label_types=types)
    assert got.shape == (3, 3) and len(np.unique(got)) > 1
    assert np.array_equal(got, reference_label_shares(d0, 12, 6, 3, 6, 5, types))


def test_label_type_shares_decide_every_type_on_the_same_regions(monkeypatch):
    seen = record_data(monkeypatch)
    label_type_shares(1, 8, 5, 2, 3, seed=1)
    assert len(seen) == 2 * 3 * 3
    for k in range(
        0, len(seen), 3
    ):  # one region, three label vectors on the same inputs
        assert all(np.array_equal(seen[k][0], seen[k + j][0]) for j in (1, 2))
        assert not np.array_equal(seen[k][1], seen[k + 1][1])


def test_label_type_shares_of_a_uniform_region_at_the_theorem_width():
    # Theorem 12: at d1 = 2 ceil(2 n log(2n/0.1)) at least 90% of uniform regions are complete,
    # and a complete region fits every label vector: the share is high for every label type.
    shares = label_type_shares(1, 72, 4, 5, 10, seed=2, regions="uniform")
    assert shares.min() >= 0.7 and shares.mean() >= 0.9


def test_paired_difference_interval_closed_form():
    a, b = np.array([3.0, 4.0, 5.0, 6.0]), np.zeros(4)
    mean, low, high = paired_difference_interval(a, b)
    half = 3.182446305284263 * np.std([3, 4, 5, 6], ddof=1) / 2  # t_{0.975, 3}
    assert mean == 4.5 and np.isclose(low, 4.5 - half) and np.isclose(high, 4.5 + half)
    mean, low, high = paired_difference_interval(a, b, confidence=0.9)
    assert np.isclose(
        high - mean, 2.3533634348018264 * np.std([3, 4, 5, 6], ddof=1) / 2
    )


def test_paired_difference_interval_covers_the_true_difference_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    runs, covered = 2000, 0
    for _ in range(runs):
        base = rng.uniform(0, 1, 30)  # paired units with different means
        a = base + 0.1 + rng.normal(0, 0.2, 30)
        b = base + rng.normal(0, 0.2, 30)
        _, low, high = paired_difference_interval(a, b)
        covered += low <= 0.1 <= high
    low, high = scipy.stats.binomtest(covered, runs).proportion_ci(0.99, "wilson")
    assert low <= 0.95 <= high


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="protocol"):
        global_minimum_fraction(1, 4, 3, "random", 5, protocol="per-cell")
    with pytest.raises(ValueError, match="method"):
        global_minimum_fraction(1, 4, 3, "random", 5, method="simplex")
    with pytest.raises(ValueError, match="label_types"):
        label_type_shares(1, 4, 3, 2, 2, label_types=("gaussian",))
    with pytest.raises(ValueError, match="data_sets"):
        label_type_shares(1, 4, 3, 0, 2)
    with pytest.raises(ValueError, match="d0 = 1"):
        label_type_shares(2, 4, 3, 2, 2, regions="uniform")
    with pytest.raises(ValueError, match="same length"):
        paired_difference_interval([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="confidence"):
        paired_difference_interval([1.0, 2.0], [0.0, 1.0], confidence=1.5)
    with pytest.raises(ValueError, match="labels"):
        global_minima.draw_labels(np.zeros((1, 3)), "parabola", 4)


def test_reproduce_with_the_fixed_protocol(tmp_path):
    fixed = reproduce.reproduce(
        "fig6", quick=True, out=tmp_path, progress=False, protocol="fixed"
    )
    for suffix in (".npz", ".json", ".png"):
        assert (tmp_path / f"fig6_fixed_quick{suffix}").exists()
    record = json.loads((tmp_path / "fig6_fixed_quick.json").read_text())
    assert all(p["protocol"] == "fixed" for p in record["panels"])
    assert "one data set per cell" in record["title"]
    spec, panels, loaded = reproduce.load_results(tmp_path / "fig6_fixed_quick")
    assert spec.name == "fig6" and "one data set per cell" in spec.title
    assert all(p.extra["protocol"] == "fixed" for p in panels)
    assert all(np.array_equal(loaded[k], fixed[k]) for k in fixed)
    # every cell is the fixed-protocol experiment with its own seed, apart from the per-trial one
    spec6 = reproduce.FIGURES["fig6"]
    _, panels = reproduce.with_protocol(spec6, spec6.quick, "fixed")
    for panel in panels:
        cells = reproduce.panel_cells("fig6", panel, quick=True)
        plain = reproduce.panel_cells("fig6", spec6.quick[0], quick=True)
        assert {c["seed"] for c in cells}.isdisjoint(c["seed"] for c in plain)
        cell = cells[0]
        value = fixed[panel.label][0, 0]
        assert value == reference_fraction(
            1,
            cell["d1"],
            cell["n"],
            cell["labels"],
            cell["trials"],
            cell["seed"],
            "fixed",
        )


def test_protocol_option_is_checked():
    spec2 = reproduce.FIGURES["fig2"]
    with pytest.raises(ValueError, match="fig6, fig7, fig8"):
        reproduce.with_protocol(spec2, spec2.quick, "fixed")
    spec6 = reproduce.FIGURES["fig6"]
    with pytest.raises(ValueError, match="protocol"):
        reproduce.with_protocol(spec6, spec6.quick, "per-cell")
    assert reproduce.with_protocol(spec6, spec6.full, "per-trial") == (
        spec6,
        spec6.full,
    )
    with pytest.raises(SystemExit):
        reproduce.main(["reproduce", "fig2", "--quick", "--protocol", "fixed"])


def test_grid_difference_interval_closed_form_and_coverage():
    mean, low, high = grid_difference_interval([0.5], [0.3], 100)
    half = 1.959963984540054 * np.sqrt((0.25 + 0.21) / 100)
    assert (
        np.isclose(mean, 0.2)
        and np.isclose(low, 0.2 - half)
        and np.isclose(high, 0.2 + half)
    )
    # coverage: 40 cells of different shares, 50 trials each, true mean difference known
    rng = np.random.default_rng(1)
    pa = rng.uniform(0.05, 0.95, 40)
    pb = np.clip(pa - 0.05, 0, 1)
    runs, covered = 2000, 0
    for _ in range(runs):
        a, b = rng.binomial(50, pa) / 50, rng.binomial(50, pb) / 50
        _, low, high = grid_difference_interval(a, b, 50)
        covered += low <= np.mean(pa - pb) <= high
    low, high = scipy.stats.binomtest(covered, runs).proportion_ci(0.99, "wilson")
    assert low <= 0.95 <= high
    with pytest.raises(ValueError, match="shares"):
        grid_difference_interval([1.5], [0.5], 10)
    with pytest.raises(ValueError, match="same"):
        grid_difference_interval([0.5, 0.5], [0.5], 10)


def test_shipped_fixed_protocol_results_load_and_plot():
    import matplotlib.pyplot as plt

    spec, panels, fractions = reproduce.load_results("fig6_fixed")
    full = reproduce.FIGURES["fig6"].full
    assert spec.name == "fig6" and "one data set per cell" in spec.title
    assert [p.label for p in panels] == [p.label for p in full]
    for panel, reference in zip(panels, full):
        assert panel.extra == {**reference.extra, "protocol": "fixed"}
        assert (panel.n_values, panel.d1_values, panel.trials) == (
            reference.n_values,
            reference.d1_values,
            reference.trials,
        )
        assert fractions[panel.label].shape == (
            len(panel.n_values),
            len(panel.d1_values),
        )
    # one cell recomputed: the shipped value is the fixed-protocol experiment of its seed
    cell = reproduce.panel_cells("fig6", panels[2])[3 * 37 + 5]  # n = 8, d1 = 60
    i, j = panels[2].n_values.index(cell["n"]), panels[2].d1_values.index(cell["d1"])
    assert fractions[panels[2].label][i, j] == reference_fraction(
        1, cell["d1"], cell["n"], "random", cell["trials"], cell["seed"], "fixed"
    )
    fig = reproduce.plot_results("fig6_fixed")
    assert len(fig.axes) == len(panels) + 1
    plt.close(fig)


def test_per_trial_default_reproduces_shipped_figure_6_cells():
    # The per-trial protocol is the default and draws, trial by trial, what the code before the
    # protocol option drew: cells of the shipped Figure 6 come out exactly.
    _, panels, fractions = reproduce.load_results("fig6")
    for panel in panels:
        cells = reproduce.panel_cells("fig6", panel)
        for i, j in ((3, 5), (7, 21)):  # (n, d1) = (8, 60) and (16, 220)
            cell = cells[i * len(panel.d1_values) + j]
            assert (cell["n"], cell["d1"]) == (panel.n_values[i], panel.d1_values[j])
            assert global_minimum_fraction(**cell) == fractions[panel.label][i, j]


def test_released_label_laws():
    X1 = np.random.default_rng(0).uniform(-1, 1, size=(1, 7))
    X2 = np.random.default_rng(1).uniform(-1, 1, size=(2, 7))
    draw = global_minima.draw_labels
    # polynomial: one quadratic of one variable, summed over the coordinates
    rng = np.random.default_rng(4)
    p = np.polynomial.Polynomial(rng.uniform(-1, 1, 3))
    assert np.allclose(draw(X2, "polynomial-released", 5, seed=4), p(X2).sum(axis=0))
    # ... which for d0 = 1 is the book's random parabola, draw for draw
    for s in range(5):
        assert np.allclose(
            draw(X1, "polynomial-released", 5, seed=s),
            draw(X1, "polynomial", 5, seed=s),
        )
    # teacher: the book's hidden layer, output weights uniform on [-sqrt(6/d0), sqrt(6/d0)]
    rng = np.random.default_rng(6)
    W, b, _ = lu.init_two_layer(2, 9, seed=rng, scheme="he")
    v = rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), 9)
    assert np.allclose(
        draw(X2, "teacher-released", 9, seed=6), lu.two_layer_relu(W, b, v, X2)
    )
    # accepted by the experiment functions
    assert 0 <= global_minimum_fraction(1, 8, 4, "teacher-released", 5, seed=1) <= 1
    shares = label_type_shares(
        1, 8, 4, 2, 3, label_types=("teacher", "teacher-released")
    )
    assert shares.shape == (2, 2)
