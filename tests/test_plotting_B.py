"""The live-grid figure of Chapters 10 and 11 against the figures drawn the chapters' old way.

Ground truth: the heat maps' data are the grids given (transposed to the image's layout), and the
figure is the one the chapters drew inline with ``lecture_utils.reproduce.plot_figure`` before
:func:`lecture_utils.plotting.plot_live_grid` existed (same digest).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lecture_utils as lu  # noqa: E402
from lecture_utils.plotting import plot_live_grid  # noqa: E402
from lecture_utils.reproduce import FIGURES, Panel, plot_figure  # noqa: E402

N_VALUES, D1_VALUES = np.arange(10, 61, 10), np.arange(5, 151, 5)


def random_grids(count, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 21, (len(D1_VALUES), len(N_VALUES))) / 20 for _ in range(count)
    ]


def chapter_10_way(figure, grids, n_values, d1_values, trials=20):
    panels = [
        Panel(
            p.label, tuple(n_values), tuple(d1_values), trials, d0=p.d0, ratio=p.ratio
        )
        for p in FIGURES[figure].full
    ]
    return plot_figure(
        FIGURES[figure], panels, {p.label: grid.T for p, grid in zip(panels, grids)}
    )


def chapter_11_way(result, ns, widths, d0, trials):
    figure = FIGURES[{1: "fig6", 2: "fig7", 5: "fig8"}[d0]]
    panels = [
        Panel(p.label, tuple(ns), tuple(widths), trials, d0=d0, extra=p.extra)
        for p in figure.full
    ]
    return plot_figure(
        figure, panels, {p.label: result[p.extra["labels"]].T for p in panels}
    )


@pytest.mark.parametrize("figure", ["fig2", "fig3"])
def test_live_grid_is_the_chapter_10_figure(figure):
    grids = random_grids(4, seed=1)
    old = chapter_10_way(figure, grids, N_VALUES, D1_VALUES)
    new = plot_live_grid(figure, grids, N_VALUES, D1_VALUES, trials=20)
    assert lu.figure_digest(new) == lu.figure_digest(old)
    plt.close("all")


@pytest.mark.parametrize("figure,d0", [("fig6", 1), ("fig7", 2), ("fig8", 5)])
def test_live_grid_is_the_chapter_11_figure(figure, d0):
    labels = ("polynomial", "teacher", "random")
    result = dict(zip(labels, random_grids(3, seed=d0)))
    old = chapter_11_way(result, N_VALUES, D1_VALUES, d0=d0, trials=6)
    new = plot_live_grid(figure, result, N_VALUES, D1_VALUES, trials=6)
    assert lu.figure_digest(new) == lu.figure_digest(old)
    plt.close("all")


def test_live_grid_shows_each_grid_in_its_panel():
    grids = random_grids(4, seed=2)
    fig = plot_live_grid("fig2", grids, N_VALUES, D1_VALUES, trials=20)
    panels = fig.axes[:4]  # the fifth axes is the colour bar
    assert [ax.get_title() for ax in panels] == [f"$d_0 = {d0}$" for d0 in (1, 2, 3, 5)]
    for ax, grid in zip(panels, grids):
        mesh = ax.collections[0]
        assert np.array_equal(np.asarray(mesh.get_array()).reshape(grid.shape), grid)
        assert mesh.get_clim() == (0, 1)
    plt.close(fig)


def test_live_grid_takes_a_dict_only_for_label_type_figures():
    labels = ("random", "polynomial", "teacher")  # any order: matched by key
    result = dict(zip(labels, random_grids(3, seed=3)))
    fig = plot_live_grid("fig6", result, N_VALUES, D1_VALUES, trials=6)
    for ax, label in zip(fig.axes[:3], ("polynomial", "teacher", "random")):
        shown = np.asarray(ax.collections[0].get_array()).reshape(result[label].shape)
        assert np.array_equal(shown, result[label])
        assert label in ax.get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="sequence"):
        plot_live_grid("fig2", {1: random_grids(1)[0]}, N_VALUES, D1_VALUES, 20)


@pytest.mark.parametrize(
    "args",
    [
        ("fig9x", random_grids(4), N_VALUES, D1_VALUES, 20),  # no such figure
        ("fig2", random_grids(3), N_VALUES, D1_VALUES, 20),  # one grid short
        ("fig2", random_grids(4), N_VALUES[:-1], D1_VALUES, 20),  # wrong shape
        ("fig2", [g.T for g in random_grids(4)], N_VALUES, D1_VALUES, 20),  # transposed
        ("fig2", random_grids(4), N_VALUES, D1_VALUES, 0),  # no trials
    ],
)
def test_live_grid_rejects_bad_input(args):
    with pytest.raises(ValueError):
        plot_live_grid(*args)
    plt.close("all")
