"""The reproduction command: every figure runs at --quick size, resumes from its cache, and its
quick results, an independent sample, agree statistically with the full-resolution data shipped
with the package (lecture_utils/shipped_results) where the grids overlap."""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import lecture_utils
from lecture_utils import reproduce
from lecture_utils.full_rank import full_rank_probability
from lecture_utils.plotting import figure_digest
from lecture_utils import sweeps
from lecture_utils.sweeps import code_version

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "lecture_utils" / "shipped_results"
SHIPPED_NAMES = [
    "fig2",
    "fig2_uniform",
    "fig3",
    "fig3_uniform",
    "fig6",
    "fig6_fixed",
    "fig7",
    "fig8",
    "scale",
    "train",
]


@pytest.mark.parametrize("name", sorted(reproduce.FIGURES))
def test_quick_run_writes_data_and_plot_and_resumes_from_cache(name, tmp_path):
    fractions = reproduce.reproduce(name, quick=True, out=tmp_path, progress=False)
    spec = reproduce.FIGURES[name]
    assert len(fractions) == len(spec.quick)
    for panel in spec.quick:
        values = fractions[panel.label]
        assert values.shape == (len(panel.n_values), len(panel.d1_values))
        assert np.all((values >= 0) & (values <= 1))
    for suffix in (".npz", ".json", ".png"):
        assert (tmp_path / f"{name}_quick{suffix}").exists()
    cached = sorted((tmp_path / "cache").glob("*.json"))
    assert len(cached) == sum(len(p.n_values) * len(p.d1_values) for p in spec.quick)
    # A second run computes nothing: every cell comes from the cache, unchanged.
    before = {path: path.read_text() for path in cached}
    again = reproduce.reproduce(name, quick=True, out=tmp_path, progress=False)
    assert {path: path.read_text() for path in cached} == before
    assert all(np.array_equal(again[label], fractions[label]) for label in fractions)


def test_a_cache_of_other_code_is_recomputed_not_drawn(tmp_path, capsys):
    # A results/ folder from an older version of the book: every cached cell holds a wrong
    # value, marked with another code version. The figure must be that of the present code.
    fresh = reproduce.reproduce("fig2", quick=True, out=tmp_path / "a", progress=False)
    record = json.loads((tmp_path / "a" / "fig2_quick.json").read_text())
    assert record["code_version"] == code_version(full_rank_probability)
    for path in (tmp_path / "a" / "cache").glob("*.json"):
        cell = json.loads(path.read_text())
        cell.update(value=0.5, code_version="older code")
        cell["checksum"] = sweeps._checksum(
            cell
        )  # a whole record, as older code wrote it
        path.write_text(json.dumps(cell))
    again = reproduce.reproduce("fig2", quick=True, out=tmp_path / "a", progress=True)
    assert all(np.array_equal(again[label], fresh[label]) for label in fresh)
    assert "computed by other code" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(reproduce.FIGURES))
def test_quick_results_agree_with_the_shipped_full_resolution_data(name, tmp_path):
    shipped = SHIPPED / f"{name}.npz"
    if not shipped.exists():
        pytest.skip(f"no shipped full-resolution data for {name}")
    full = np.load(shipped)
    record = json.loads((SHIPPED / f"{name}.json").read_text())
    assert record["resolution"] == "full"
    quick = reproduce.reproduce(name, quick=True, out=tmp_path, progress=False)
    overlaps = 0
    for k, panel in enumerate(reproduce.FIGURES[name].quick):
        n_full, d1_full = list(full[f"panel{k}_n"]), list(full[f"panel{k}_d1"])
        trials_full = record["panels"][k]["trials"]
        for i, n in enumerate(panel.n_values):
            for j, d1 in enumerate(panel.d1_values):
                if n in n_full and d1 in d1_full:
                    p_full = full[f"panel{k}_fractions"][
                        n_full.index(n), d1_full.index(d1)
                    ]
                    p_quick = quick[panel.label][i, j]
                    # Two independent binomial estimates: allow four standard errors (and a floor).
                    p = (p_full * trials_full + p_quick * panel.trials) / (
                        trials_full + panel.trials
                    )
                    se = np.sqrt(p * (1 - p) * (1 / trials_full + 1 / panel.trials))
                    assert abs(p_full - p_quick) <= 4 * se + 0.05, (
                        panel.label,
                        n,
                        d1,
                        p_full,
                        p_quick,
                    )
                    overlaps += 1
    assert overlaps > 0, "the quick grid must overlap the full one"


def test_quick_and_full_runs_draw_independent_seeds():
    for name, spec in reproduce.FIGURES.items():
        full = {
            (c["n"], c["d1"]): c["seed"]
            for p in spec.full
            for c in reproduce.panel_cells(name, p)
        }
        for panel in spec.quick:
            for cell in reproduce.panel_cells(name, panel, quick=True):
                assert cell["seed"] != full.get((cell["n"], cell["d1"]))


def test_unknown_figure_is_rejected():
    with pytest.raises(ValueError, match="unknown figure"):
        reproduce.reproduce("fig99", quick=True)


@pytest.mark.parametrize("name", sorted(reproduce.FIGURES))
def test_shipped_results_load_and_plot(name):
    stem = SHIPPED / name
    if not stem.with_suffix(".npz").exists():
        pytest.skip(f"no shipped full-resolution data for {name}")
    spec, panels, fractions = reproduce.load_results(stem)
    assert spec.name == name and [p.label for p in panels] == [
        p.label for p in spec.full
    ]
    for panel in panels:
        assert fractions[panel.label].shape == (
            len(panel.n_values),
            len(panel.d1_values),
        )
    fig = reproduce.plot_results(stem)
    assert len(fig.axes) == len(panels) + 1  # the panels and the colour bar
    plt.close(fig)


def test_shipped_results_are_package_data_and_all_are_found():
    # The installed package brings them (a pip install on Colab has no book/ folder).
    package_data = Path(lecture_utils.__file__).resolve().parent / "shipped_results"
    for name in SHIPPED_NAMES:
        stem = reproduce.shipped_results(name)
        assert stem.resolve() == package_data / name
        assert (
            stem.with_suffix(".json").is_file() and stem.with_suffix(".npz").is_file()
        )
        record = json.loads(stem.with_suffix(".json").read_text())
        assert record["figure"] == name.removesuffix("_uniform").removesuffix("_fixed")
        assert record.get("data", "gaussian") == (
            "uniform" if name.endswith("_uniform") else "gaussian"
        )
    assert sorted(p.stem for p in SHIPPED.glob("*.npz")) == SHIPPED_NAMES


@pytest.mark.parametrize("name", ["fig99", "fig4", "data/fig2"])
def test_unknown_shipped_results_name_the_available_ones(name):
    with pytest.raises(
        ValueError,
        match="fig2, fig2_uniform, fig3, fig3_uniform, fig6, fig6_fixed, fig7, fig8, scale, train",
    ) as error:
        reproduce.shipped_results(name)
    assert repr(name) in str(error.value)


def test_plot_results_of_a_bare_name_draws_the_shipped_results():
    by_name = reproduce.plot_results("fig2")
    by_stem = reproduce.plot_results(SHIPPED / "fig2")
    by_str = reproduce.plot_results(str(reproduce.shipped_results("fig2")))
    try:
        assert figure_digest(by_name) == figure_digest(by_stem) == figure_digest(by_str)
    finally:
        for fig in (by_name, by_stem, by_str):
            plt.close(fig)


def test_bare_name_of_existing_results_in_the_working_directory_is_a_path(
    tmp_path, monkeypatch
):
    # Existing behaviour for paths: results written by reproduce() are read, not the shipped ones.
    reproduce.reproduce("fig2", quick=True, out=tmp_path, progress=False)
    (tmp_path / "fig2_quick.json").rename(tmp_path / "fig2.json")
    (tmp_path / "fig2_quick.npz").rename(tmp_path / "fig2.npz")
    monkeypatch.chdir(tmp_path)
    _, panels, _ = reproduce.load_results("fig2")
    assert [p.trials for p in panels] == [
        p.trials for p in reproduce.FIGURES["fig2"].quick
    ]


def test_unknown_bare_name_raises_value_error():
    with pytest.raises(
        ValueError, match="no shipped results named 'fig99'.*fig2, fig2_uniform, fig3"
    ):
        reproduce.load_results("fig99")


@pytest.mark.parametrize("missing", [".json", ".npz", "both"])
def test_missing_stem_raises_value_error(missing, tmp_path):
    stem = tmp_path / "fig2"
    if missing != "both":
        source = SHIPPED / "fig2"
        for suffix in {".json", ".npz"} - {missing}:
            stem.with_suffix(suffix).write_bytes(
                source.with_suffix(suffix).read_bytes()
            )
    with pytest.raises(ValueError, match="no results at") as error:
        reproduce.load_results(stem)
    for suffix in [".json", ".npz"] if missing == "both" else [missing]:
        assert "fig2" + suffix in str(error.value)
    with pytest.raises(ValueError, match="no results at"):
        reproduce.plot_results(str(stem))


# --- fig2 and fig3 with the released code's uniform data -------------------------------------------


@pytest.mark.parametrize("name", ["fig2", "fig3"])
def test_uniform_quick_run_agrees_with_the_shipped_uniform_data(name, tmp_path):
    full = np.load(SHIPPED / f"{name}_uniform.npz")
    record = json.loads((SHIPPED / f"{name}_uniform.json").read_text())
    assert record["data"] == "uniform" and record["resolution"] == "full"
    assert all(p["data"] == "uniform" for p in record["panels"])
    quick = reproduce.reproduce(
        name, quick=True, out=tmp_path, progress=False, data="uniform"
    )
    assert (tmp_path / f"{name}_uniform_quick.npz").exists()
    overlaps = 0
    for k, panel in enumerate(reproduce.FIGURES[name].quick):
        n_full, d1_full = list(full[f"panel{k}_n"]), list(full[f"panel{k}_d1"])
        for i, n in enumerate(panel.n_values):
            for j, d1 in enumerate(panel.d1_values):
                if n in n_full and d1 in d1_full:
                    p_full = full[f"panel{k}_fractions"][
                        n_full.index(n), d1_full.index(d1)
                    ]
                    p_quick = quick[panel.label][i, j]
                    p = (100 * p_full + panel.trials * p_quick) / (100 + panel.trials)
                    se = np.sqrt(p * (1 - p) * (1 / 100 + 1 / panel.trials))
                    assert abs(p_full - p_quick) <= 4 * se + 0.05
                    overlaps += 1
    assert overlaps > 0


def test_uniform_cells_pass_the_data_option_and_keep_their_seeds():
    spec = reproduce.FIGURES["fig2"]
    panels = reproduce._with_data(spec.full, "uniform")
    plain = reproduce.panel_cells("fig2", spec.full[1])
    uniform = reproduce.panel_cells("fig2", panels[1])
    assert all(c["data"] == "uniform" for c in uniform)
    assert [c["seed"] for c in plain] == [c["seed"] for c in uniform]
    assert (
        "data" not in plain[0]
    )  # the default keeps the cache keys of the Gaussian run
    cell = uniform[0]
    assert full_rank_probability(**cell) == full_rank_probability(
        cell["d0"], cell["d1"], cell["n"], cell["trials"], cell["seed"], data="uniform"
    )


def test_shipped_uniform_values_are_those_of_the_cells():
    # A few cells of the shipped uniform results, recomputed from their seeds.
    _, panels, fractions = reproduce.load_results("fig2_uniform")
    for k, (i, j) in ((2, (9, 0)), (3, (9, 0)), (1, (4, 3))):
        panel = panels[k]
        cell = {
            "d0": panel.d0,
            "d1": panel.d1_values[j],
            "n": panel.n_values[i],
            "trials": panel.trials,
            "seed": reproduce._seed(
                "fig2", panel, panel.n_values[i], panel.d1_values[j]
            ),
        }
        assert panel.extra == {"data": "uniform"}
        assert fractions[panel.label][i, j] == full_rank_probability(
            **cell, data="uniform"
        )


def test_data_option_is_checked():
    with pytest.raises(ValueError, match="takes no data option"):
        reproduce.reproduce("fig6", quick=True, data="uniform")
    with pytest.raises(ValueError, match="gaussian"):
        reproduce.reproduce("fig2", quick=True, data="normal")
    with pytest.raises(SystemExit):
        reproduce.main(["reproduce", "fig6", "--quick", "--data", "uniform"])
    with pytest.raises(SystemExit):
        reproduce.main(["reproduce", "fig2", "--quick", "--data", "normal"])


def test_cli_data_option_writes_the_uniform_results(tmp_path, capsys):
    reproduce.main(
        ["reproduce", "fig3", "--quick", "--data", "uniform", "--out", str(tmp_path)]
    )
    record = json.loads((tmp_path / "fig3_uniform_quick.json").read_text())
    assert record["data"] == "uniform"
    assert "fig3 d0 = ceil(0.25 n)" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["fig2", "fig3"])
def test_reference_line_is_the_parameter_count_and_stays_off_the_frame(name):
    fig = reproduce.plot_results(name)
    spec, panels, _ = reproduce.load_results(name)
    try:
        for ax, panel in zip(fig.axes, panels):
            (line,) = ax.get_lines()
            n, d1 = line.get_data()
            d0 = np.array([panel.d0_for(int(v)) for v in n])
            np.testing.assert_allclose(d1, n / (d0 + 1))
            bottom, top = ax.get_ylim()
            step = panel.d1_values[1] - panel.d1_values[0]
            assert d1.min() - bottom >= 0.4 * step and d1.max() < top
            assert line.get_color() == "black" and line.get_path_effects()
        assert "Gaussian data" in fig._suptitle.get_text()
    finally:
        plt.close(fig)


def test_data_comparison_draws_both_distributions_side_by_side():
    fig = reproduce.plot_data_comparison("fig3")
    try:
        titles = [ax.get_title() for ax in fig.axes[:8]]
        assert titles[0].endswith("Gaussian") and titles[1].endswith("uniform")
        assert len(fig.axes) == 9  # eight panels and the colour bar
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="fig2"):
        reproduce.plot_data_comparison("fig6")
