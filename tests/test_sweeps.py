"""Sweeps: results equal direct calls, the cache resumes and never serves a stale cell, Dask works."""

import json

import numpy as np
import pytest

import lecture_utils as lu
from lecture_utils.sweeps import ResultCache, cell_key, run_sweep

CELLS = [{"n": n, "seed": seed} for n in (3, 5) for seed in (0, 1, 2)]


def direct(cells):
    return [lu.random_labels(**cell).tolist() for cell in cells]


def test_sweep_equals_direct_calls_in_process_and_in_parallel():
    assert run_sweep(lu.random_labels, CELLS) == direct(CELLS)
    assert run_sweep(lu.random_labels, CELLS, workers=2) == direct(CELLS)


def test_cache_resumes_and_only_computes_missing_cells(tmp_path):
    calls = []

    def counted(n, seed):
        calls.append((n, seed))
        return lu.random_labels(n, seed)

    run_sweep(
        counted, CELLS[:2], cache_dir=tmp_path
    )  # an "interrupted" run: two cells done
    assert len(calls) == 2
    assert run_sweep(counted, CELLS, cache_dir=tmp_path) == direct(CELLS)
    assert len(calls) == len(CELLS)  # the two cached cells were not recomputed
    record = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert set(record) == {"params", "value"}


def test_cache_key_covers_every_parameter_and_the_function():
    assert cell_key("f", {"a": 1, "b": 2}) == cell_key("f", {"b": 2, "a": 1})
    assert cell_key("f", {"a": 1, "b": 2}) != cell_key("f", {"a": 1, "b": 3})
    assert cell_key("f", {"a": 1}) != cell_key("g", {"a": 1})
    assert cell_key("f", {"a": np.int64(1)}) == cell_key("f", {"a": 1})


def test_result_cache_round_trip(tmp_path):
    cache = ResultCache(tmp_path / "nested")
    cache.put("k", {"x": 1}, {"p": np.float64(0.5), "v": np.arange(3)})
    assert "k" in cache and cache.get("k") == {"p": 0.5, "v": [0, 1, 2]}
    with pytest.raises(KeyError):
        cache.get("missing")


def test_sweep_runs_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        values = run_sweep(
            lu.random_labels,
            CELLS,
            dask_scheduler=cluster.scheduler_address,
            cache_dir=tmp_path,
        )
    assert values == direct(CELLS)


@pytest.mark.parametrize(
    "bad", [dict(workers=0), dict(workers=1.5), dict(cells=[1, 2])]
)
def test_bad_sweep_arguments(bad):
    arguments = {"cells": CELLS, **bad}
    with pytest.raises(ValueError):
        run_sweep(lu.random_labels, **arguments)
