"""Benchmark one representative cell of each of the paper's experiments against a straightforward baseline.

Usage: python benchmarks/bench_cells.py

For every experiment the fast implementation in ``lecture_utils`` and a straightforward baseline
compute the same cell from the same random draws; the script checks that they agree exactly and
prints both times and the speed-up. Run it with one BLAS thread (``OMP_NUM_THREADS=1``), as the
sweeps do, for comparable numbers.
"""

import time

import numpy as np

import lecture_utils as lu
from lecture_utils.full_rank import _cell_generators


def baseline_full_rank_probability(d0, d1, n, trials, seed):
    """Figures 2-3 the straightforward way: the explicit Jacobian and one SVD per trial."""
    full = 0
    for rng in _cell_generators(d0, d1, n, trials, seed):
        X = rng.standard_normal((d0, n))
        W, b, v = lu.init_two_layer(d0, d1, seed=rng, scheme="paper")
        full += lu.jacobian_rank(lu.relu_jacobian(W, b, v, X)) == n
    return full / trials


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def report(name, fast, baseline):
    (fast_value, fast_seconds), (base_value, base_seconds) = fast, baseline
    assert fast_value == base_value, (
        f"{name}: fast {fast_value} != baseline {base_value}"
    )
    print(
        f"{name:52s} fast {fast_seconds:7.2f} s   baseline {base_seconds:7.2f} s   "
        f"speed-up {base_seconds / fast_seconds:6.1f}x   (value {fast_value:.3f}, identical)"
    )


def main():
    cell = dict(d0=2, d1=120, n=100, trials=100, seed=0)
    report(
        "Figure 2 cell (d0=2, d1=120, n=100, 100 trials)",
        timed(lu.full_rank_probability, **cell),
        timed(baseline_full_rank_probability, **cell),
    )
    cell = dict(d0=48, d1=10, n=190, trials=100, seed=0)
    report(
        "Figure 3 cell (d0=48, d1=10, n=190, 100 trials)",
        timed(lu.full_rank_probability, **cell),
        timed(baseline_full_rank_probability, **cell),
    )
    cell = dict(d0=1, d1=200, n=12, labels="random", trials=140, seed=0)
    report(
        "Figure 6 cell (d0=1, d1=200, n=12, 140 trials): cone vs LP",
        timed(lu.global_minimum_fraction, **cell, method="cone"),
        timed(lu.global_minimum_fraction, **cell, method="lp"),
    )


if __name__ == "__main__":
    main()
