"""The ``train`` experiment of ``python -m lecture_utils reproduce`` (Chapter 14): its grid holds the
points of the chapter's phase diagram, and its shipped results are what the present code computes
(cells recomputed from scratch with their seeds) with the parameters of the present grid."""

import json

import numpy as np
import pytest

from lecture_utils import reproduce
from lecture_utils.reproduce import FIGURES, load_results, panel_cells
from lecture_utils.sweeps import code_version
from lecture_utils.training_regions import gd_success_fraction

SPEC = FIGURES["train"]


def _panel(d0, steps=3000):
    return next(
        p for p in SPEC.full if p.d0 == d0 and p.extra.get("steps", 3000) == steps
    )


@pytest.mark.parametrize("d0, n", [(4, 8), (4, 16), (8, 16), (8, 32)])
def test_the_grid_holds_every_point_of_the_phase_diagram(d0, n):
    panel = _panel(d0)
    assert n in panel.n_values and panel.trials >= 200
    for ratio in (0.5, 1, 2, 4, 8):
        d1 = ratio * n / d0
        assert d1 == int(d1) and int(d1) in panel.d1_values


def test_the_budget_panels_hold_the_chapters_cells():
    assert {8} <= set(_panel(1, 100000).n_values) and 64 in _panel(1, 100000).d1_values
    assert 64 in _panel(1, 30000).d1_values and 16 in _panel(4, 30000).d1_values


def test_shipped_results_match_the_present_grid_and_code():
    record = json.loads(
        reproduce.shipped_results("train").with_suffix(".json").read_text()
    )
    assert record["resolution"] == "full"
    # The record names the code that computed it (a later edit of a module it imports, such as
    # input checks, changes the present version); the values are held to the present code by
    # recomputing cells exactly (test_shipped_cells_are_recomputed_exactly).
    assert len(record["code_version"]) == len(code_version(gd_success_fraction))
    _, panels, shares = load_results("train")
    assert [
        (p.label, p.n_values, p.d1_values, p.trials, p.d0, p.extra) for p in panels
    ] == [
        (p.label, p.n_values, p.d1_values, p.trials, p.d0, p.extra) for p in SPEC.full
    ]
    for p in panels:
        counts = shares[p.label] * p.trials
        assert shares[p.label].shape == (len(p.n_values), len(p.d1_values))
        assert np.allclose(counts, np.round(counts))  # whole numbers of trials


@pytest.mark.parametrize(
    "d0, n, d1", [(1, 4, 2), (8, 8, 1), (4, 4, 4)]
)  # three cheap cells, recomputed with their seeds
def test_shipped_cells_are_recomputed_exactly(d0, n, d1):
    _, panels, shares = load_results("train")
    panel = next(p for p in panels if p.d0 == d0 and "steps" not in p.extra)
    cell = next(
        c for c in panel_cells("train", _panel(d0)) if (c["n"], c["d1"]) == (n, d1)
    )
    i, j = panel.n_values.index(n), panel.d1_values.index(d1)
    assert gd_success_fraction(**cell) == shares[panel.label][i, j]
