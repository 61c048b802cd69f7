"""The certificate decision of regions with d0 >= 2 against the plain linear programme, region by
region, and against regions whose answer is known by construction."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

import lecture_utils as lu
from lecture_utils import global_minima
from lecture_utils.global_minima import (
    _decide_by_certificates,
    _has_minimum_lp,
    region_has_global_minimum,
)


def record_regions(monkeypatch):
    """Make ``global_minimum_fraction`` decide every region both ways; return the records."""
    records = []
    decide = global_minima.region_has_global_minimum

    def both(X, y, A, v, method="lp", interior=None):
        fast = _decide_by_certificates(X, y, A, v, interior)
        plain = _has_minimum_lp(X, y, A, v)
        records.append((fast, plain))
        return decide(X, y, A, v, method=method, interior=interior)

    monkeypatch.setattr(global_minima, "region_has_global_minimum", both)
    return records


# One cell of each panel of Figures 7 and 8, in the transition between no region and every
# region holding a global minimum, so that both answers occur.
PANEL_CELLS = [
    (d0, d1, n, labels)
    for d0, d1, n in ((2, 24, 16), (5, 14, 20))
    for labels in ("polynomial", "teacher", "random")
]


@pytest.mark.parametrize("d0, d1, n, labels", PANEL_CELLS)
def test_certificates_equal_the_linear_programme_on_every_panel(
    monkeypatch, d0, d1, n, labels
):
    records = record_regions(monkeypatch)
    fraction = lu.global_minimum_fraction(d0, d1, n, labels, trials=24, seed=7)
    assert len(records) == 24
    wrong = [
        (fast, plain) for fast, plain in records if fast is not None and fast != plain
    ]
    assert wrong == [], f"a certificate contradicts the linear programme: {wrong}"
    plain = [p for _, p in records]
    assert fraction == np.mean(
        plain
    )  # the fraction is the plain LP's, region by region
    assert 0 < sum(plain) < len(plain)  # both answers occur in this cell
    decided = [f for f, _ in records if f is not None]
    if d0 == 2:  # the extreme rays decide (almost) every region of the plane
        assert len(decided) >= 22
        assert True in decided and False in decided
    else:  # column generation settles most regions, both ways
        assert len(decided) >= 16
        assert True in decided and False in decided


def test_wide_cells_of_figure_8_are_decided_by_membership_certificates(monkeypatch):
    records = record_regions(monkeypatch)
    assert lu.global_minimum_fraction(5, 40, 30, "random", trials=8, seed=3) == 1.0
    assert [f for f, _ in records] == [True] * 8


def test_narrow_cells_of_figure_8_are_refuted_by_farkas_certificates(monkeypatch):
    records = record_regions(monkeypatch)
    lu.global_minimum_fraction(5, 12, 30, "random", trials=12, seed=3)
    refuted = [plain for fast, plain in records if fast is False]
    assert len(refuted) >= 6 and not any(refuted)


def test_pricing_certifies_the_dual_cone_or_returns_a_better_generator():
    # the cone {theta : theta_1 >= 0, theta_2 >= 0} of R^2 (normals e1, e2)
    Xt, S = np.eye(2), np.ones((2, 2))
    cost = np.array([[2.0, 0.5], [1.0, -3.0]])
    dual, points = global_minima._price_units(Xt, S, cost)
    assert dual.tolist() == [True, False]
    # the closest point of the dual cone to (1, -3) is (1, 0): the generator is (0, 3)
    assert np.allclose(points[1], [0.0, 3.0])
    assert points[1] @ cost[1] < 0 and np.all(points[1] @ (Xt * S[1]) >= 0)


def random_region(rng, d0, d1, n, realisable=True):
    X = rng.uniform(-1, 1, (d0, n))
    if realisable:
        W, b = rng.normal(size=(d1, d0)), rng.normal(size=d1)
        A = (W @ X + b[:, None] > 0).astype(int)
        interior = np.column_stack([W, b])
    else:  # any 0/1 pattern: some units' cones may be empty
        A, interior = rng.integers(0, 2, (d1, n)), None
    v = np.where(np.arange(d1) % 2 == 0, 1.0, -1.0) * rng.uniform(0.5, 2, d1)
    return X, rng.uniform(-1, 1, n), A, v, interior


@pytest.mark.parametrize("d0", [2, 3])
@pytest.mark.parametrize("realisable", [True, False])
def test_certificates_equal_the_linear_programme_on_small_random_problems(
    d0, realisable
):
    rng = np.random.default_rng(10 * d0 + realisable)
    decided = 0
    for _ in range(40):
        d1, n = int(rng.integers(1, 9)), int(rng.integers(3, 9))
        X, y, A, v, interior = random_region(rng, d0, d1, n, realisable)
        plain = _has_minimum_lp(X, y, A, v)
        fast = _decide_by_certificates(X, y, A, v, interior)
        assert fast is None or fast == plain
        decided += fast is not None
        assert region_has_global_minimum(X, y, A, v, "certificates", interior) == plain
    assert decided >= 10


@pytest.mark.parametrize("d0", [2, 3, 5])
def test_region_of_a_known_interpolant_is_certified(d0):
    """Labels produced by a network inside the region: a certificate must say yes, by itself."""
    rng = np.random.default_rng(d0)
    n, d1 = 10, 40
    X = rng.uniform(-1, 1, (d0, n))
    W, b = rng.normal(size=(d1, d0)), rng.normal(size=d1)
    v = lu.alternating_signs(d1)
    A = lu.activation_pattern(W, b, X)
    y = lu.two_layer_relu(W, b, v, X)
    assert _decide_by_certificates(X, y, A, v, np.column_stack([W, b])) is True


def test_farkas_cases_known_by_construction():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (2, 12))
    # too few parameters: d1 (d0 + 1) = 6 < n = 12, labels outside the column space
    W, b, v = rng.normal(size=(2, 2)), rng.normal(size=2), lu.alternating_signs(2)
    A = lu.activation_pattern(W, b, X)
    y = rng.uniform(-1, 1, 12)
    assert _decide_by_certificates(X, y, A, v) is False
    # a point that no unit reaches with a nonzero label
    W, b, v = rng.normal(size=(30, 2)), rng.normal(size=30), lu.alternating_signs(30)
    A = lu.activation_pattern(W, b, X)
    A[:, 4] = 0
    assert _decide_by_certificates(X, y, A, v) is False
    y[4] = 0.0  # ... unless its label is zero: then no certificate of this kind
    fast, plain = _decide_by_certificates(X, y, A, v), _has_minimum_lp(X, y, A, v)
    assert fast is None or fast == plain


def test_units_active_everywhere_with_positive_outputs_fit_positive_affine_labels():
    """Every unit active on every point, every output weight positive: the outputs on the region
    are exactly the positive affine functions of the inputs. Affine labels that are positive on
    the data fit (a certificate must say yes); with one label negative, or labels that are not
    affine, they do not (a Farkas certificate must say no)."""
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, (2, 8))
    W, b = rng.normal(size=(60, 2)), rng.normal(size=60) + 10.0
    A = lu.activation_pattern(W, b, X)
    assert A.all()
    v = np.ones(60)
    y = 2.0 + 0.3 * X[0] - 0.2 * X[1]
    assert _decide_by_certificates(X, y, A, v) is True
    y_negative = y - y[3] - 0.5  # still affine, negative on point 3
    assert y_negative[3] < 0
    assert _decide_by_certificates(X, y_negative, A, v) is False
    y_curved = y + 0.5 * X[0] ** 2
    assert _decide_by_certificates(X, y_curved, A, v) is False
    for labels in (y, y_negative, y_curved):
        assert region_has_global_minimum(X, labels, A, v, "certificates") == (
            _has_minimum_lp(X, labels, A, v)
        )


def test_interior_hint_is_checked():
    rng = np.random.default_rng(3)
    X, y, A, v, interior = random_region(rng, 3, 5, 6)
    with pytest.raises(ValueError, match="interior must have shape"):
        region_has_global_minimum(X, y, A, v, "certificates", interior[:, :2])
    with pytest.raises(ValueError, match="pattern must be A"):
        region_has_global_minimum(X, y, A, v, "certificates", -interior)
    with pytest.raises(ValueError, match="method must be"):
        region_has_global_minimum(X, y, A, v, "simplex")


# ------------------------------------------------------------------ the README's timing tables

ROOT = Path(__file__).resolve().parents[1]
HEADER = re.compile(
    r"Written by `python benchmarks/bench_cells\.py` on (?P<day>\d{4}-\d{2}-\d{2}): "
    r"(?P<what>[^\n]+), on a machine with (?P<cores>\d+) cores, (?P<workers>[^,\n]+), "
    r"one BLAS thread, shared with other jobs\."
)
SECONDS = r"(\d+(?:\.\d+)?) s"


def load_benchmark():
    spec = importlib.util.spec_from_file_location(
        "bench_cells", ROOT / "benchmarks" / "bench_cells.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readme_blocks():
    bench = load_benchmark()
    text = (ROOT / "README.md").read_text()
    return (
        bench,
        text,
        {m["name"]: m["body"] for m in bench.README_BLOCK.finditer(text)},
    )


def test_readme_timings_are_the_benchmark_output():
    """The README's timing tables (cells of Figures 7-8, whole Figures 2, 3, 6, 7, 8) are in exactly the form that bench_cells.py writes
    (date, cores and workers in the header; every row re-rendered from its own numbers gives the
    same text), so they can only come from a run of the script."""
    bench, text, blocks = readme_blocks()
    assert set(blocks) == {
        "whole-figures",
        "global-minima-cells",
        "full-rank-cells",
        "roofline",
    }
    for name, body in blocks.items():
        header = HEADER.match(body)
        assert header, f"block {name} does not start with the benchmark's header"
        lines = body.splitlines()
        assert lines[1] == ""
        if name == "roofline":
            # prose with numbers: the header says which run wrote it
            assert lines[2].startswith("- the roofline estimate") and len(lines) == 5
            continue
        if name == "full-rank-cells":
            rows = []
            for line in lines[4:]:
                m = re.fullmatch(
                    rf"\| (.+) \| {SECONDS} \| {SECONDS} \((.+)\) \| (\d+(?:\.\d)?)x \|",
                    line,
                )
                assert m, line
                rows.append(
                    {
                        "cell": m[1],
                        "fast": float(m[2]),
                        "baseline": float(m[3]),
                        "what": m[4],
                    }
                )
                ratio = float(m[3]) / float(m[2])
                assert abs(ratio - float(m[5])) <= 0.5 + 0.05 * ratio
            assert len(rows) == 11 and rows[-1]["cell"].startswith("Figure 6")
            repeats = re.fullmatch(
                r"minimum of (\d+) runs \(fast\) and (\d+) \(baseline\)",
                header["what"],
            )
            assert repeats, header["what"]
            rendered = bench.full_rank_cells_table(
                rows, int(repeats[1]), int(repeats[2])
            )
            rendered = "\n".join(
                line.rsplit("|", 2)[0] for line in rendered.splitlines()
            )
            body = "\n".join(line.rsplit("|", 2)[0] for line in lines)
        elif name == "whole-figures":
            rows = []
            for line in lines[4:]:
                m = re.fullmatch(
                    rf"\| (.+) \| (\d+ x \d+) \| (\d+) \| {SECONDS} \| {SECONDS} \|",
                    line,
                )
                assert m, line
                rows.append(
                    {
                        "figure": m[1],
                        "size": m[2],
                        "workers": int(m[3]),
                        "wall": float(m[4]),
                        "cpu": float(m[5]),
                    }
                )
            assert {r["workers"] for r in rows} == {1, 2}
            assert {r["figure"][0] for r in rows} == set("23678")
            rendered = bench.figures_table(rows)
        else:
            rows = []
            for line in lines[4:]:
                m = re.fullmatch(
                    rf"\| (.+) \| {SECONDS} \| {SECONDS} \| {SECONDS} \| {SECONDS} "
                    rf"\| (\d+\.\d)x \|",
                    line,
                )
                assert m, line
                row = dict(
                    zip(
                        ("fast_wall", "fast_cpu", "plain_wall", "plain_cpu"),
                        [float(m[k]) for k in range(2, 6)],
                    )
                )
                rows.append({"cell": m[1], **row})
                # the speed-up is the ratio of the printed processor times (to their rounding)
                ratio = row["plain_cpu"] / row["fast_cpu"]
                assert abs(ratio - float(m[6])) <= 0.05 + 0.01 * ratio
            assert any("d0 = 2, d1 = 80, n = 24" in r["cell"] for r in rows)
            assert any("d0 = 5, d1 = 40, n = 30" in r["cell"] for r in rows)
            repeats = re.fullmatch(
                r"minimum of (\d+) runs \(fast\) and (\d+) \(one LP per region\)",
                header["what"],
            )
            assert repeats, header["what"]
            rendered = bench.cells_table(rows, int(repeats[1]), int(repeats[2]))
            # the re-rendered speed-ups come from rounded times: compare the rest of each row
            rendered = "\n".join(
                line.rsplit("|", 2)[0] for line in rendered.splitlines()
            )
            body = "\n".join(line.rsplit("|", 2)[0] for line in lines)
        day, cores = header["day"], int(header["cores"])
        rendered = re.sub(r" on \d{4}-\d{2}-\d{2}: ", f" on {day}: ", rendered, count=1)
        rendered = re.sub(r"with \d+ cores", f"with {cores} cores", rendered, count=1)
        assert rendered == body
    # no timing table outside the blocks the script writes
    outside = bench.README_BLOCK.sub("", text)
    assert not re.search(r"^\| *[0-9]+ \(", outside, re.MULTILINE)
    assert not re.search(r"^\|[^\n]*\| \d+(\.\d+)? s \|", outside, re.MULTILINE)


def test_a_label_of_a_sign_no_active_unit_has_is_out_of_reach():
    """Output j is a positive combination of the v_i of the units active at point j."""
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, (3, 10))
    W, b = rng.normal(size=(40, 3)), rng.normal(size=40)
    v = lu.alternating_signs(40)
    A = lu.activation_pattern(W, b, X)
    j = 2
    b[
        (v < 0) & (A[:, j] == 1)
    ] = -50.0  # switch off every negative unit active at point j
    A = lu.activation_pattern(W, b, X)
    assert A[:, j].any() and not (A[:, j] * (v < 0)).any()
    y = rng.uniform(-1, 1, 10)
    for label, expected in ((-0.5, False), (0.0, False)):
        y[j] = label
        assert _decide_by_certificates(X, y, A, v) is expected
        assert _has_minimum_lp(X, y, A, v) is expected


def test_reduced_units_are_the_first_unit_of_each_pattern_and_sign():
    rng = np.random.default_rng(4)
    for _ in range(200):
        d1, n = int(rng.integers(1, 30)), int(rng.integers(1, 20))
        A = (rng.random((d1, n)) < rng.random()).astype(int)
        A = A[rng.integers(0, d1, d1)]  # repeated rows
        v = rng.choice([-1.0, 1.0], d1)
        first = {}  # by a plain loop: the first unit of each (row, sign), live units only
        for i in range(d1):
            if A[i].any():
                first.setdefault((tuple(A[i]), v[i] > 0), i)
        reps, rep_of = global_minima._reduced_units(A, v)
        assert sorted(reps.tolist()) == sorted(first.values())
        expected = [first.get((tuple(A[i]), v[i] > 0), -1) for i in range(d1)]
        assert rep_of.tolist() == expected
