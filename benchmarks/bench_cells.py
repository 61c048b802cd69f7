"""Benchmark the cells of the paper's experiments against straightforward baselines, and Figures 2-3.

Usage: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_cells.py [--quick]
[--global-minima-only] [--write-readme README.md]

Run it with one BLAS thread, as the sweeps do (each worker single-threaded). Every time printed is
the minimum over repeated runs (``--repeats``, ``--baseline-repeats``, ``--figure-repeats``), the
usual way to time on a machine shared with other jobs. In one run the script prints:

1. Figures 2-3, cell by cell: :func:`lecture_utils.full_rank_probability` against the plain
   reference (per trial: draw the trial, build the Jacobian, ``numpy.linalg.matrix_rank``), from
   the same random draws; it checks that both give the same value and prints the speed-up. The
   cells include ``(d0, d1, n) = (1, 160, 40)``, ``(2, 120, 100)`` and the largest cell of each of
   the eight panels.
2. Figure 6, one cell: the cone test against one linear program per region.
3. A roofline estimate for the whole of Figures 2-3 at the paper's resolution: the floating-point
   work of the Gram method (products and factorisations on every trial, counted per cell; float32
   for the exact pattern counts, float64 otherwise) divided by the measured one-thread
   matrix-product rates of this machine. Beside it, the work that the fast path actually does
   (where the activation pattern decides a trial, it forms no Gram matrix), the time that drawing
   its random numbers takes at the measured generator rate, and the measured time of computing
   both whole figures, whose values must equal the shipped results.
4. Figures 7 and 8, cell by cell: :func:`lecture_utils.global_minimum_fraction` (verified
   certificates, the linear programme only where none decides) against the plain reference (one
   ``scipy.optimize.linprog`` HiGHS problem per region, ``method="lp"``), from the same draws, with
   identical values; wall and processor time of both.
5. The whole of Figures 2, 3, 6, 7 and 8 at full resolution (``python -m lecture_utils
   reproduce``, a fresh cache) with one and with two workers, each in its own process: wall
   time, and processor time of that process and its workers together; the values must equal
   the shipped results.

With ``--write-readme README.md`` the results of 1, 3, 4 and 5 replace the README's blocks
between the markers ``<!-- bench_cells:full-rank-cells -->``, ``<!-- bench_cells:roofline -->``,
``<!-- bench_cells:global-minima-cells -->`` and ``<!-- bench_cells:whole-figures -->`` (each up
to ``<!-- /bench_cells -->``; ``--global-minima-only`` writes the last two), headed by the date,
the machine's core count and the worker counts, so that the README's timings are always the
output of a run of this script.
"""

import argparse
import datetime
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import lecture_utils as lu
from lecture_utils import full_rank
from lecture_utils.full_rank import (
    _cell_decisions,
    _cell_inputs,
    _draws_preactivations,
    pattern_decides_rank,
)
from lecture_utils.reproduce import FIGURES, load_results, panel_cells


def reference_full_rank_probability(d0, d1, n, trials, seed):
    """Figures 2-3 the plain way: per trial the explicit Jacobian and ``numpy.linalg.matrix_rank``.

    From the same random draws as the fast path, with the data completed to an explicit ``X``
    where the fast path draws only ``W X``.
    """
    W, b, v, X = _cell_inputs(d0, d1, n, trials, seed)
    full = 0
    for t in range(trials):
        full += np.linalg.matrix_rank(lu.relu_jacobian(W[t], b[t], v, X[t])) == n
    return full / trials


def best_time(repeats, function, *args, **kwargs):
    """The value of ``function(*args, **kwargs)`` and the minimum time over ``repeats`` runs."""
    value, wall, _ = best_times(repeats, function, *args, **kwargs)
    return value, wall


def best_times(repeats, function, *args, **kwargs):
    """The value, the minimum wall time and the minimum processor time over ``repeats`` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        value = function(*args, **kwargs)
        cpus.append(time.process_time() - cpu_start)
        walls.append(time.perf_counter() - start)
    return value, min(walls), min(cpus)


def report(name, fast, baseline, what):
    (fast_value, fast_seconds), (base_value, base_seconds) = fast, baseline
    assert fast_value == base_value, (
        f"{name}: fast {fast_value} != baseline {base_value}"
    )
    print(
        f"{name:44s} fast {fast_seconds:7.3f} s   {what} {base_seconds:7.3f} s   "
        f"speed-up {base_seconds / fast_seconds:6.1f}x   (value {fast_value:.2f}, identical)"
    )
    return base_seconds / fast_seconds


#: The baselines, as the README's table names them.
JACOBIAN_BASELINE = "Jacobian + `matrix_rank` per trial"
LP_BASELINE = "one LP per region"


def benchmark_cells(args):
    """Figures 2-3 cell by cell, and one cell of Figure 6; return the table's rows."""
    largest = [(d0, 300, 100) for d0 in (1, 2, 3, 5)]
    largest += [(math.ceil(r * 190), 15, 190) for r in (0.25, 0.5, 1, 2)]
    cells = [(1, 160, 40), (2, 120, 100)] + largest
    if args.quick:
        cells = cells[:3] + cells[6:7]
    print("Figures 2-3, cells of 100 trials: fast path against the plain reference")
    rows = []
    for d0, d1, n in cells:
        figure = 2 if d1 > 15 else 3
        cell = {"d0": d0, "d1": d1, "n": n, "trials": 100, "seed": 0}
        fast = best_time(args.repeats, lu.full_rank_probability, **cell)
        plain = best_time(
            args.baseline_repeats, reference_full_rank_probability, **cell
        )
        report(
            f"Figure {figure} cell (d0={d0}, d1={d1}, n={n})", fast, plain, "reference"
        )
        largest_cell = " (largest cell)" if (d0, d1, n) in largest else ""
        rows.append(
            {
                "cell": f"Figure {figure}: d0 = {d0}, d1 = {d1}, n = {n}{largest_cell}",
                "fast": fast[1],
                "baseline": plain[1],
                "what": JACOBIAN_BASELINE,
            }
        )
    speed_ups = [r["baseline"] / r["fast"] for r in rows]
    print(f"smallest speed-up over these cells: {min(speed_ups):.1f}x\n")
    cell = {"d0": 1, "d1": 200, "n": 12, "labels": "random", "trials": 140, "seed": 0}
    fast = best_time(args.repeats, lu.global_minimum_fraction, **cell, method="cone")
    plain = best_time(
        args.baseline_repeats, lu.global_minimum_fraction, **cell, method="lp"
    )
    report("Figure 6 cell (d0=1, d1=200, n=12), cone vs LP", fast, plain, LP_BASELINE)
    rows.append(
        {
            "cell": "Figure 6: d0 = 1, d1 = 200, n = 12, 140 trials",
            "fast": fast[1],
            "baseline": plain[1],
            "what": LP_BASELINE,
        }
    )
    print()
    return rows


def matmul_rates(repeats=20, size=1000):
    """Measured one-thread matrix-product rates (GFLOP/s) in float64 and float32."""
    rng = np.random.default_rng(0)
    rates = {}
    for dtype in (np.float64, np.float32):
        a = rng.standard_normal((size, size)).astype(dtype)
        b = rng.standard_normal((size, size)).astype(dtype)
        _, seconds = best_time(repeats, np.matmul, a, b)
        rates[dtype] = 2 * size**3 / seconds / 1e9
    return rates[np.float64], rates[np.float32]


def generator_rates(repeats=20, size=10**6):
    """Measured nanoseconds per standard normal and per uniform number of a NumPy Generator."""
    rng = np.random.default_rng(0)
    out = np.empty(size)
    _, normal = best_time(repeats, rng.standard_normal, out=out)
    _, uniform = best_time(repeats, rng.uniform, -1.0, 1.0, size=size)
    return normal / size * 1e9, uniform / size * 1e9


def figure_cells(quick):
    cells = []
    for name in ("fig2", "fig3"):
        panels = FIGURES[name].quick if quick else FIGURES[name].full
        for panel in panels:
            cells += panel_cells(name, panel, quick)
    return cells


def work_of_cell(d0, d1, n, trials, gram_trials, svd_trials):
    """Work of one cell: float64 and float32 flops of the Gram method, of the fast path, and the
    normal and uniform random numbers the fast path draws.

    The Gram method (the roofline of the issue) forms ``W X``, ``Xt^T Xt`` (syrk), ``A^T A``
    (syrk, float32) and a Cholesky factorisation on every trial. The fast path does that only on
    the trials its pattern tests leave open (counted by ``gram_trials``); where it draws ``Z``
    instead of ``X`` it forms ``W W^T``, its Cholesky factor ``L`` and ``L Z``.
    """
    if d1 * (d0 + 1) < n:
        return np.zeros(6)
    pattern = 2 * d0 * d1 * n  # W X
    inputs_gram = n * n * (d0 + 1)  # syrk: half of 2 n^2 (d0 + 1)
    counts = n * n * d1  # syrk in float32
    cholesky = n**3 / 3
    params = d1 * (d0 + 1)
    svd = 4 * n * n * params - 4 * n**3 / 3  # singular values of an n x params matrix
    gram64 = trials * (pattern + inputs_gram + cholesky)
    gram32 = trials * counts
    uniforms = trials * d1 * (d0 + 1)
    if _draws_preactivations(d0, d1, n):
        fast64 = trials * (d0 * d1 * d1 + d1**3 / 3 + d1 * d1 * n)
        normals = trials * d1 * n + gram_trials * d0 * n
    else:
        fast64 = trials * pattern if pattern_decides_rank(d0, n) else 0.0
        normals = trials * d0 * n
    fast64 += gram_trials * (pattern + inputs_gram + cholesky) + svd_trials * svd
    fast32 = gram_trials * counts
    return np.array([gram64, gram32, fast64, fast32, normals, uniforms])


def whole_figures(cells):
    """Compute every cell: the seconds, the values, and the number of trials the SVD decided."""
    values, svd_trials = [], []
    start, cpu_start = time.perf_counter(), time.process_time()
    for cell in cells:
        if cell["d1"] * (cell["d0"] + 1) < cell["n"]:
            values.append(lu.full_rank_probability(**cell))  # 0.0 without sampling
            svd_trials.append(0)
        else:
            full, svd = _cell_decisions(**cell)
            values.append(float(full.mean()))
            svd_trials.append(int(svd.sum()))
    cpu = time.process_time() - cpu_start
    return time.perf_counter() - start, cpu, values, svd_trials


def gram_trial_counts(cells):
    """Per cell, how many trials reached the Gram matrices (an untimed run that counts them)."""
    counts = []
    gram_decisions = full_rank._gram_decisions

    def counting(W, b, v, X):
        counts[-1] += len(W)
        return gram_decisions(W, b, v, X)

    full_rank._gram_decisions = counting
    try:
        for cell in cells:
            counts.append(0)
            if cell["d1"] * (cell["d0"] + 1) >= cell["n"]:
                _cell_decisions(**cell)
    finally:
        full_rank._gram_decisions = gram_decisions
    return counts


def shipped_values():
    """The shipped full-resolution fractions of Figures 2-3, in the order of figure_cells."""
    values = []
    for name in ("fig2", "fig3"):
        _, panels, fractions = load_results(name)
        for panel in panels:
            values += fractions[panel.label].ravel().tolist()
    return values


def benchmark_figures(args):
    cells = figure_cells(args.quick)
    seconds, cpu_seconds = [], []
    for _ in range(args.figure_repeats):
        elapsed, cpu, values, svd_trials = whole_figures(cells)
        seconds.append(elapsed)
        cpu_seconds.append(cpu)
    measured, cpu = min(seconds), min(cpu_seconds)
    if not args.quick:
        assert values == shipped_values(), "Figures 2-3 differ from the shipped results"
    rate64, rate32 = matmul_rates()
    normal_ns, uniform_ns = generator_rates()
    gram_trials = gram_trial_counts(cells)
    work = np.sum(
        [
            work_of_cell(c["d0"], c["d1"], c["n"], c["trials"], g, s)
            for c, g, s in zip(cells, gram_trials, svd_trials)
        ],
        axis=0,
    )
    gram64, gram32, fast64, fast32, normals, uniforms = work
    roofline = gram64 / (rate64 * 1e9) + gram32 / (rate32 * 1e9)
    fast_roofline = fast64 / (rate64 * 1e9) + fast32 / (rate32 * 1e9)
    drawing = (normals * normal_ns + uniforms * uniform_ns) * 1e-9
    resolution = "quick grids" if args.quick else "paper resolution"
    print(f"Figures 2-3 at {resolution}: {len(cells)} cells, one BLAS thread")
    print(
        f"  measured one-thread matmul rate: {rate64:.1f} GFLOP/s (float64), "
        f"{rate32:.1f} GFLOP/s (float32)"
    )
    print(
        f"  Gram method on every trial: {gram64 / 1e9:.1f} GFLOP in float64 (W X, "
        f"Xt^T Xt, Cholesky), {gram32 / 1e9:.1f} GFLOP in float32 (A^T A)"
    )
    print(f"  roofline estimate (that work / matmul rate): {roofline:.2f} s")
    print(
        f"  work of the fast path ({sum(gram_trials)} trials reached the "
        f"Gram matrices, {sum(svd_trials)} the SVD): {fast64 / 1e9:.1f} GFLOP in float64, "
        f"{fast32 / 1e9:.1f} GFLOP in float32, {fast_roofline:.2f} s at the matmul rate"
    )
    print(
        f"  random numbers: {normals / 1e6:.0f} M normal, {uniforms / 1e6:.0f} M uniform; "
        f"at the measured {normal_ns:.1f} / {uniform_ns:.1f} ns each: {drawing:.2f} s"
    )
    for what, seconds in (("wall time", measured), ("processor time", cpu)):
        print(
            f"  measured whole figures, {what} (minimum of {args.figure_repeats}): "
            f"{seconds:.2f} s = {seconds / roofline:.1f}x the roofline estimate, "
            f"{seconds / (fast_roofline + drawing):.1f}x the fast path's own work "
            f"and draws"
        )
    if not args.quick:
        print("  every cell identical to the shipped results of Figures 2 and 3")
    return {
        "cells": len(cells),
        "trials": sum(c["trials"] for c in cells),
        "gram64": gram64,
        "gram32": gram32,
        "rate64": rate64,
        "rate32": rate32,
        "roofline": roofline,
        "wall": measured,
        "cpu": cpu,
        "gram_trials": sum(gram_trials),
        "svd_trials": sum(svd_trials),
        "fast64": fast64,
        "fast32": fast32,
        "fast_roofline": fast_roofline,
        "normals": normals,
        "uniforms": uniforms,
        "drawing": drawing,
        "repeats": args.figure_repeats,
    }


# ------------------------------------------------------------------ Figures 7 and 8 (d0 >= 2)

#: Cells (d0, d1, n, labels) of Figures 7 and 8 timed against one linear program per region.
GLOBAL_MINIMA_CELLS = [
    (2, 80, 24, "random"),
    (2, 44, 20, "teacher"),
    (5, 40, 30, "random"),
    (5, 20, 25, "polynomial"),
]


def benchmark_global_minima_cells(args):
    """Time cells of Figures 7 and 8 (100 trials each) both ways; return the table's rows."""
    print(
        "Figures 7-8, cells of 100 trials: certificates against one linear program per region"
    )
    rows = []
    cells = GLOBAL_MINIMA_CELLS[::2] if args.quick else GLOBAL_MINIMA_CELLS
    for d0, d1, n, labels in cells:
        cell = {"d0": d0, "d1": d1, "n": n, "labels": labels, "trials": 100, "seed": 0}
        fast = best_times(args.repeats, lu.global_minimum_fraction, **cell)
        plain = best_times(
            args.baseline_repeats, lu.global_minimum_fraction, **cell, method="lp"
        )
        assert fast[0] == plain[0], f"{cell}: fast {fast[0]} != plain {plain[0]}"
        figure = 7 if d0 == 2 else 8
        row = {
            "cell": f"Figure {figure}: d0 = {d0}, d1 = {d1}, n = {n}, {labels} labels",
            "fast_wall": fast[1],
            "fast_cpu": fast[2],
            "plain_wall": plain[1],
            "plain_cpu": plain[2],
            "value": fast[0],
        }
        rows.append(row)
        print(
            f"{row['cell']:52s} fast {fast[1]:7.3f} s wall {fast[2]:7.3f} s CPU   "
            f"one LP/region {plain[1]:7.3f} s wall {plain[2]:7.3f} s CPU   "
            f"speed-up {plain[2] / fast[2]:5.1f}x CPU (value {fast[0]:.2f}, identical)"
        )
    print()
    return rows


REPRODUCE_SNIPPET = """
import sys
from joblib.externals.loky import get_reusable_executor
from lecture_utils.reproduce import reproduce
fractions = reproduce(sys.argv[1], workers=int(sys.argv[2]), out=sys.argv[3], progress=False)
get_reusable_executor().shutdown(wait=True)  # reap the workers: their CPU time is counted
print(repr({k: v.tolist() for k, v in fractions.items()}))
"""


def whole_figure(name, workers, keep=None):
    """Compute a whole figure at full resolution in a fresh process with a fresh cache.

    Returns the wall time, the processor time of that process and its workers (user + system,
    from ``getrusage`` of the reaped children), and the fractions per panel. With ``keep`` (a
    folder) the results that ``reproduce`` writes are kept under ``keep/workersN``.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) if keep is None else Path(keep) / f"workers{workers}"
        out.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", REPRODUCE_SNIPPET, name, str(workers), str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(
            f"reproduce {name} with {workers} workers failed:\n{result.stderr}"
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    fractions = eval(
        result.stdout.strip().splitlines()[-1]
    )  # a dict of lists of floats
    return wall, cpu, fractions


#: The figures timed whole, at full resolution, with one and with two workers.
WHOLE_FIGURES = ("fig2", "fig3", "fig6", "fig7", "fig8")
PANEL_WORDS = {3: "three", 4: "four"}


def figure_description(name, panels):
    """The first column of the whole-figures table: ``7 (d0 = 2, three label types)``."""
    d0s = {getattr(p, "d0", None) for p in panels}
    if len(d0s) == 1 and None not in d0s and "labels" in panels[0].label:
        return f"{name[3:]} (d0 = {d0s.pop()}, {PANEL_WORDS[len(panels)]} label types)"
    return f"{name[3:]} ({PANEL_WORDS.get(len(panels), len(panels))} panels)"


def benchmark_whole_figures(args, names=WHOLE_FIGURES):
    """The figures ``names`` at full resolution with one and two workers; the table's rows."""
    rows = []
    for name in names:
        _, panels, shipped = load_results(name)
        cells = sum(len(p.n_values) * len(p.d1_values) for p in panels)
        for workers in (1, 2):
            try:
                wall, cpu, fractions = whole_figure(name, workers, args.keep_results)
            except (
                RuntimeError
            ) as error:  # seen once on a heavily loaded machine: run again
                print(f"{error}\nrunning it again", file=sys.stderr)
                wall, cpu, fractions = whole_figure(name, workers, args.keep_results)
            for panel in panels:
                assert fractions[panel.label] == shipped[panel.label].tolist(), (
                    f"{name} {panel.label} differs from the shipped results"
                )
            rows.append(
                {
                    "figure": figure_description(name, panels),
                    "size": f"{cells} x {panels[0].trials}",
                    "workers": workers,
                    "wall": wall,
                    "cpu": cpu,
                }
            )
            print(
                f"{name} at full resolution, {workers} worker(s): {wall:.1f} s wall, "
                f"{cpu:.1f} s CPU (process and workers), identical to the shipped results"
            )
    print()
    return rows


# ------------------------------------------------------------------ the README's tables


def seconds(value):
    """A time in seconds, to three significant digits at most (and never below 1 ms)."""
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 10:
        return f"{value:.1f} s"
    return f"{max(value, 0.001):.3f} s" if value < 1 else f"{value:.2f} s"


def table_header(what, workers, day=None, cores=None):
    """The line above each table: the script, the date, the machine's cores and the workers."""
    day = datetime.date.today().isoformat() if day is None else day
    cores = os.cpu_count() if cores is None else cores
    return (
        f"Written by `python benchmarks/bench_cells.py` on {day}: {what}, on a machine with "
        f"{cores} cores, {workers}, one BLAS thread, shared with other jobs."
    )


def cells_table(rows, repeats, baseline_repeats):
    lines = [
        table_header(
            f"minimum of {repeats} runs (fast) and {baseline_repeats} (one LP per region)",
            "1 worker",
        ),
        "",
        (
            "| cell (100 trials) | fast: wall | fast: CPU | one LP per region: wall "
            "| one LP per region: CPU | speed-up (CPU) |"
        ),
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['cell']} | {seconds(r['fast_wall'])} | {seconds(r['fast_cpu'])} | "
            f"{seconds(r['plain_wall'])} | {seconds(r['plain_cpu'])} | "
            f"{r['plain_cpu'] / r['fast_cpu']:.1f}x |"
        )
    return "\n".join(lines)


def full_rank_cells_table(rows, repeats, baseline_repeats):
    lines = [
        table_header(
            f"minimum of {repeats} runs (fast) and {baseline_repeats} (baseline)",
            "1 worker",
        ),
        "",
        "| cell (100 trials) | fast | baseline | speed-up |",
        "|---|---|---|---|",
    ]
    for r in rows:
        ratio = r["baseline"] / r["fast"]
        lines.append(
            f"| {r['cell']} | {seconds(r['fast'])} | {seconds(r['baseline'])} "
            f"({r['what']}) | {ratio:.{0 if ratio >= 30 else 1}f}x |"
        )
    return "\n".join(lines)


def roofline_text(f):
    """The roofline comparison of Figures 2-3 as the README's bullet list."""
    return "\n".join(
        [
            table_header(
                f"the whole of Figures 2 and 3 at the paper's resolution ({f['cells']} cells, "
                f"{f['trials']:,} trials), minimum of {f['repeats']} runs",
                "1 worker",
            ),
            "",
            f"- the roofline estimate: the Gram method on every trial (the products `W X` and "
            f"`Xt^T Xt` and the Cholesky factorisations, {f['gram64'] / 1e9:.0f} GFLOP in "
            f"float64; the pattern counts `A^T A`, {f['gram32'] / 1e9:.0f} GFLOP in float32) at "
            f"the measured one-thread matmul rates ({f['rate64']:.1f} and {f['rate32']:.1f} "
            f"GFLOP/s) takes {f['roofline']:.2f} s;",
            f"- the whole figures took {f['wall']:.2f} s of wall time and {f['cpu']:.2f} s of "
            f"processor time, {f['wall'] / f['roofline']:.1f}x that estimate, every cell "
            "identical to the shipped results;",
            f"- the fast path's own work is smaller: {f['gram_trials']:,} trials reached the "
            f"Gram matrices and {f['svd_trials']} the SVD ({f['fast64'] / 1e9:.1f} GFLOP in "
            f"float64, {f['fast32'] / 1e9:.1f} in float32, {f['fast_roofline']:.2f} s at the "
            f"matmul rate), and it draws {f['normals'] / 1e6:.0f} million normal and "
            f"{f['uniforms'] / 1e6:.0f} million uniform random numbers ({f['drawing']:.2f} s at "
            "the measured generator rates); the measured time is "
            f"{f['wall'] / (f['fast_roofline'] + f['drawing']):.1f}x those two together.",
        ]
    )


def figures_table(rows):
    workers = sorted({r["workers"] for r in rows})
    lines = [
        table_header(
            "whole figures at full resolution, one run each, values identical to the "
            "shipped results",
            " and ".join(f"{w} worker{'s' if w > 1 else ''}" for w in workers),
        ),
        "",
        "| Figure | cells x trials | workers | wall time | CPU time (all processes) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['figure']} | {r['size']} | {r['workers']} | {seconds(r['wall'])} | "
            f"{seconds(r['cpu'])} |"
        )
    return "\n".join(lines)


README_BLOCK = re.compile(
    r"(<!-- bench_cells:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(\n<!-- /bench_cells -->)",
    re.DOTALL,
)


def write_readme(path, tables):
    """Replace the body of each marked block of the README whose name is in ``tables``."""
    path = Path(path)
    text = path.read_text()
    found = set()

    def replace(match):
        name = match.group("name")
        if name not in tables:
            return match.group(0)
        found.add(name)
        return match.group(1) + tables[name] + match.group(4)

    text = README_BLOCK.sub(replace, text)
    missing = set(tables) - found
    if missing:
        raise ValueError(f"{path} has no block for {sorted(missing)}")
    path.write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer cells, quick grids")
    parser.add_argument("--repeats", type=int, default=5, help="runs of the fast path")
    parser.add_argument(
        "--baseline-repeats", type=int, default=2, help="runs of each baseline"
    )
    parser.add_argument(
        "--figure-repeats", type=int, default=2, help="runs of the whole figures"
    )
    parser.add_argument(
        "--figures-only", action="store_true", help="skip the cell-by-cell comparison"
    )
    parser.add_argument(
        "--global-minima-only",
        action="store_true",
        help="skip Figures 2-3 cell by cell and their roofline estimate",
    )
    parser.add_argument(
        "--write-readme",
        metavar="README",
        help="write the timing tables (4 and 5) into this README",
    )
    parser.add_argument(
        "--keep-results",
        metavar="DIR",
        help="keep what reproduce writes for the whole figures (DIR/workersN)",
    )
    args = parser.parse_args(argv)
    tables = {}
    if not args.global_minima_only:
        if not args.figures_only:
            rows = benchmark_cells(args)
            tables["full-rank-cells"] = full_rank_cells_table(
                rows, args.repeats, args.baseline_repeats
            )
        tables["roofline"] = roofline_text(benchmark_figures(args))
    cells = benchmark_global_minima_cells(args)
    tables["global-minima-cells"] = cells_table(
        cells, args.repeats, args.baseline_repeats
    )
    if not args.quick:
        figures = benchmark_whole_figures(args)
        tables["whole-figures"] = figures_table(figures)
    for table in tables.values():
        print(table + "\n")
    if args.write_readme:
        write_readme(args.write_readme, tables)


if __name__ == "__main__":
    main()
