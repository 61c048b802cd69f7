"""Sweeps: results equal direct calls; the cache resumes, never serves a stale or unreadable
cell, and survives two runs writing at once; slow cells hold up neither storage nor progress;
Dask works."""

import hashlib
import importlib
import json
import sys
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import sweep_cells
from sweep_cells import failing_cell, labels, sleepy_labels, waiting_cell

import lecture_utils as lu
from lecture_utils import sweeps
from lecture_utils.sweeps import (
    CorruptCacheEntry,
    ResultCache,
    cell_key,
    code_modules,
    code_version,
    run_sweep,
)

CELLS = [{"n": n, "seed": seed} for n in (3, 5) for seed in (0, 1, 2)]
RECORD_FIELDS = {"function", "params", "value", "code_version", "code", "checksum"}


def direct(cells):
    return [lu.random_labels(**cell).tolist() for cell in cells]


def expected_labels(cells):
    return [
        np.random.default_rng(c["seed"]).standard_normal(c["n"]).tolist() for c in cells
    ]


@pytest.fixture
def calls():
    """The cells that sweep_cells computes in this process during the test."""
    sweep_cells.CALLS.clear()
    yield sweep_cells.CALLS
    sweep_cells.CALLS.clear()


def test_sweep_equals_direct_calls_in_process_and_in_parallel():
    assert run_sweep(lu.random_labels, CELLS) == direct(CELLS)
    assert run_sweep(lu.random_labels, CELLS, workers=2) == direct(CELLS)


def test_cache_resumes_and_only_computes_missing_cells(tmp_path, calls):
    run_sweep(labels, CELLS[:2], cache_dir=tmp_path)  # an "interrupted" run: two cells
    assert len(calls) == 2
    assert run_sweep(labels, CELLS, cache_dir=tmp_path) == expected_labels(CELLS)
    assert len(calls) == len(CELLS)  # the two cached cells were not recomputed
    record = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert set(record) == RECORD_FIELDS
    assert record["function"] == "sweep_cells.labels"
    assert record["code_version"] == code_version(labels)
    assert record["code"] == {"sweep_cells": sha256_of(sweep_cells.__file__)}


def sha256_of(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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


# ------------------------------------------------------------ the code version of a cell function


def test_code_modules_follow_the_imports_of_the_cell_function():
    # full_rank imports _validation, jacobians, networks and regions (checked by reading it);
    # nothing that draws, sweeps or explores is part of its code.
    modules = code_modules(lu.full_rank_probability)
    assert {
        "lecture_utils.full_rank",
        "lecture_utils._validation",
        "lecture_utils.jacobians",
        "lecture_utils.networks",
        "lecture_utils.regions",
    } <= set(modules)
    assert not {"lecture_utils.plotting", "lecture_utils.sweeps"} & set(modules)
    assert code_version(lu.full_rank_probability) == code_version(
        lu.full_rank_probability
    )
    assert code_version(lu.full_rank_probability) != code_version(
        lu.global_minimum_fraction
    )


def test_a_function_without_a_source_file_is_versioned_by_its_code():
    first, second = {}, {}
    exec("def cell(x):\n    return x + 1\n", first)
    exec("def cell(x):\n    return x + 2\n", second)
    assert code_version(first["cell"]) != code_version(second["cell"])


@pytest.fixture
def cell_package(tmp_path, monkeypatch):
    """A package on sys.path with a cell function, a helper it imports and an unrelated module;
    ``edit(module, source)`` rewrites one of them and reloads the package's modules."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    name = f"cellpkg_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "src" / name
    folder.mkdir(parents=True)
    sources = {
        "__init__": "",
        "helper": "def offset():\n    return 1\n",
        "unrelated": "def other():\n    return 0\n",
        "cells": (
            "from .helper import offset\n\nCALLS = []\n\n\n"
            "def cell(x, seed):\n    CALLS.append(x)\n    return x + offset()\n"
        ),
    }
    for module, source in sources.items():
        (folder / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    importlib.invalidate_caches()
    package = SimpleNamespace(name=name, cells=importlib.import_module(f"{name}.cells"))

    def edit(module, source):
        (folder / f"{module}.py").write_text(source)
        importlib.invalidate_caches()
        for part in ("helper", "unrelated", "cells"):
            full = f"{name}.{part}"
            if full in sys.modules:
                importlib.reload(sys.modules[full])
        package.cells = sys.modules[f"{name}.cells"]

    package.edit = edit
    yield package
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


POINTS = [{"x": x, "seed": 0} for x in (1, 2, 3)]


def test_editing_the_cell_function_or_a_module_it_imports_recomputes_the_cache(
    cell_package, tmp_path, capsys
):
    cache = tmp_path / "cache"

    def run():
        cell_package.cells.CALLS.clear()
        values = run_sweep(
            cell_package.cells.cell, POINTS, cache_dir=cache, progress=True
        )
        return values, list(cell_package.cells.CALLS), capsys.readouterr().err

    values, calls, _ = run()
    assert values == [2, 3, 4] and calls == [1, 2, 3]
    values, calls, err = run()  # unchanged code: everything from the cache
    assert values == [2, 3, 4] and calls == [] and "3 of 3 cells from the cache" in err

    # The helper that the cell function imports changes: every cell is recomputed, and said so.
    cell_package.edit("helper", "def offset():\n    return 10  # changed\n")
    values, calls, err = run()
    assert values == [11, 12, 13] and calls == [1, 2, 3]
    assert "0 of 3 cells from the cache" in err
    assert (
        f"3 cached cells were computed by other code ({cell_package.name}.helper" in err
    )

    # The cell function itself changes.
    cell_package.edit(
        "cells",
        "from .helper import offset\n\nCALLS = []\n\n\n"
        "def cell(x, seed):\n    CALLS.append(x)\n    return 100 * x + offset()\n",
    )
    values, calls, err = run()
    assert values == [110, 210, 310] and calls == [1, 2, 3]
    assert f"({cell_package.name}.cells changed)" in err

    # A module that the cell function does not import changes: the cache is still valid.
    cell_package.edit("unrelated", "def other():\n    return 1  # changed\n")
    values, calls, err = run()
    assert values == [110, 210, 310] and calls == []
    assert "3 of 3 cells from the cache" in err and "other code" not in err


def test_an_entry_without_a_code_version_is_stale(tmp_path, capsys):
    cache = ResultCache(tmp_path)
    key = cell_key(labels, CELLS[0])
    cache.put(key, CELLS[0], [0.0, 0.0, 0.0])  # as written before versions were stored
    values = run_sweep(labels, CELLS[:1], cache_dir=tmp_path, progress=True)
    assert values == expected_labels(CELLS[:1])
    assert "computed by other code (no code version)" in capsys.readouterr().err
    assert cache.record(key)["code_version"] == code_version(labels)


# ---------------------------------------------------------------- unreadable files and atomic writes


def test_unreadable_cache_files_are_named_and_recomputed(tmp_path, capsys, calls):
    cache = ResultCache(tmp_path)
    run_sweep(labels, CELLS, cache_dir=tmp_path)
    paths = [cache.path(cell_key(labels, cell)) for cell in CELLS]
    damaged = {
        paths[0]: paths[0].read_text()[:20],  # truncated
        paths[1]: "",  # empty
        paths[2]: "\x00\x01 not json",
        paths[3]: "[1, 2, 3]",  # JSON, but no record
        paths[4]: paths[5].read_text(),  # the record of another cell
    }
    for path, text in damaged.items():
        path.write_text(text)
    calls.clear()
    assert run_sweep(labels, CELLS, cache_dir=tmp_path) == expected_labels(CELLS)
    err = capsys.readouterr().err
    assert sorted(calls) == sorted((c["n"], c["seed"]) for c in CELLS[:5])
    for path in damaged:
        assert str(path) in err
    for reason in ("truncated or not JSON", "empty file", "not a cell record"):
        assert reason in err
    assert "holds another cell's parameters" in err
    for path in paths:  # rewritten, readable again
        assert set(json.loads(path.read_text())) == RECORD_FIELDS
    with pytest.raises(CorruptCacheEntry, match="truncated"):
        paths[0].write_text("{")
        cache.get(paths[0].stem)


def test_writes_are_atomic_for_a_concurrent_reader(tmp_path):
    # A writer keeps replacing one large record while a reader keeps reading it: the reader
    # must only ever see a whole record (a plain open-and-write would show it a partial file).
    cache = ResultCache(tmp_path)
    big = list(range(200_000))
    cache.put("k", {"i": 0}, big)
    stop, seen, errors = threading.Event(), [], []

    def write():
        for i in range(1, 30):
            cache.put("k", {"i": i}, big)
        stop.set()

    def read():
        while not stop.is_set():
            try:
                seen.append(cache.record("k")["params"]["i"])
            except CorruptCacheEntry as error:
                errors.append(error)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and seen
    assert cache.record("k")["params"] == {"i": 29}
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path, monkeypatch
):
    cache = ResultCache(tmp_path)
    cache.put("k", {"x": 1}, 1.0)

    def broken_disk(fd):
        raise OSError("disk full")

    monkeypatch.setattr(sweeps.os, "fsync", broken_disk)
    with pytest.raises(OSError, match="disk full"):
        cache.put("k", {"x": 1}, 2.0)
    assert cache.get("k") == 1.0
    assert [p.name for p in tmp_path.iterdir()] == ["k.json"]


def test_two_runs_sharing_a_cache_folder_do_not_corrupt_it(tmp_path, capsys):
    cells = [{"n": n, "seed": s} for n in (3, 4, 5, 6) for s in range(5)]
    results = {}

    def run(name, order):
        results[name] = run_sweep(sleepy_labels, order, cache_dir=tmp_path)

    runs = [
        threading.Thread(target=run, args=("forward", cells)),
        threading.Thread(target=run, args=("backward", cells[::-1])),
    ]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    expected = expected_labels(cells)
    assert results["forward"] == expected and results["backward"] == expected[::-1]
    assert len(list(tmp_path.glob("*.json"))) == len(cells)
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".json"]
    assert run_sweep(sleepy_labels, cells, cache_dir=tmp_path) == expected
    assert "cannot be read" not in capsys.readouterr().err


# ----------------------------------------------------- cells of very different durations


def recording_bar(folder):
    """A stand-in for tqdm that writes its count to ``folder / "progress"`` on every update."""

    class Bar:
        def __init__(self, *args, initial=0, **kwargs):
            self.n = initial

        def update(self, k=1):
            self.n += k
            (folder / "progress").write_text(str(self.n))

        def close(self):
            pass

    return Bar


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_a_slow_cell_holds_up_neither_the_cache_nor_the_progress(
    backend, tmp_path, monkeypatch
):
    # The first cell finishes only after the five others are stored and counted: with results
    # taken in the order of the cells it would wait for them in vain (and report saw=False).
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setattr(sweeps, "tqdm", recording_bar(folder))
    cells = [{"n": 2, "seed": 0, "folder": str(folder), "wait_for": 5}] + [
        {"n": 2, "seed": s, "folder": str(folder)} for s in range(1, 6)
    ]
    if backend == "processes":
        values = run_sweep(waiting_cell, cells, cache_dir=folder, workers=2)
    else:
        distributed = pytest.importorskip("dask.distributed")
        with distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster:
            values = run_sweep(
                waiting_cell,
                cells,
                cache_dir=folder,
                dask_scheduler=cluster.scheduler_address,
            )
    assert values[0]["saw"] is True, "the slow cell waited for results never stored"
    assert [v["seed"] for v in values] == list(range(6))  # in the order of the cells
    assert (folder / "progress").read_text() == "6"


def test_an_interrupted_sweep_keeps_every_finished_cell_and_resumes(tmp_path):
    log, cache = tmp_path / "log", tmp_path / "cache"
    log.mkdir()
    marker = tmp_path / "fail"
    marker.touch()
    cells = [
        {"n": 1, "seed": 0, "log": str(log), "fail": str(marker), "cache": str(cache)}
    ] + [{"n": 1, "seed": s, "log": str(log)} for s in range(1, 6)]
    with pytest.raises(RuntimeError, match="interrupted"):
        run_sweep(failing_cell, cells, cache_dir=cache, workers=2)
    assert len(list(cache.glob("*.json"))) == 5  # all but the failed cell, stored
    marker.unlink()
    for path in log.iterdir():
        path.unlink()
    assert run_sweep(failing_cell, cells, cache_dir=cache, workers=2) == list(range(6))
    assert [p.name.split("-")[0] for p in log.iterdir()] == ["0"]  # the missing cell


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


def test_code_version_rejects_what_is_not_callable():
    with pytest.raises(ValueError, match="callable"):
        code_version("lecture_utils.full_rank:full_rank_probability")
