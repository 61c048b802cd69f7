"""The ``scale`` entry of ``reproduce`` (Chapter 15): its grid, and the shipped results it drew."""

import json
from pathlib import Path

import numpy as np
import pytest

from lecture_utils import reproduce, scale

SHIPPED = Path(reproduce.__file__).resolve().parent / "shipped_results"
SPEC = reproduce.FIGURES["scale"]


def test_panels_are_the_yes_no_quantities_of_scale_run():
    assert [p.extra["quantity"] for p in SPEC.full] == list(scale.SCALE_QUANTITIES)
    assert [p.extra["quantity"] for p in SPEC.quick] == list(scale.SCALE_QUANTITIES)
    assert all(p.d0 == scale.D0 for p in SPEC.full + SPEC.quick)


def test_full_grid_spans_both_sides_of_the_line_for_every_n():
    # the chapter's two hypotheses need cells with P < n and cells with d1 d0 >= 4 n
    for panel in SPEC.full:
        assert panel.trials >= 20
        for n in panel.n_values:
            P = [scale.count_parameters(scale.D0, d1) for d1 in panel.d1_values]
            assert min(P) < n
            assert max(panel.d1_values) * scale.D0 >= 4 * n
            assert any(n <= d1 * scale.D0 < 4 * n for d1 in panel.d1_values)


def test_shipped_results_are_of_the_present_grid_and_count_whole_runs():
    if not (SHIPPED / "scale.npz").exists():
        pytest.skip("no shipped results for scale")
    record = json.loads((SHIPPED / "scale.json").read_text())
    assert record["resolution"] == "full"
    _, panels, shares = reproduce.load_results(SHIPPED / "scale")
    assert panels == SPEC.full
    for panel in panels:
        yes = shares[panel.label] * panel.trials
        np.testing.assert_allclose(yes, np.rint(yes), atol=1e-9)


def test_a_quick_cell_has_one_yes_or_no_per_run():
    cell = reproduce.panel_cells("scale", SPEC.quick[0], quick=True)[-1]
    value = scale.scale_fraction(**cell)
    assert value * cell["trials"] == round(value * cell["trials"])
