"""Parameter sweeps: many independent cells, computed in parallel, cached on disk, resumable.

A *cell* is one point of an experiment's grid, given as a dictionary of keyword arguments (including
its seed) for a module-level *cell function* that returns a JSON-compatible value (a number, a list,
a dictionary). :func:`run_sweep` evaluates the cell function on every cell:

* in parallel across cells with joblib (``workers`` processes on this machine), or on an existing
  Dask cluster (``dask_scheduler``: the address of its scheduler);
* with a progress bar on standard error;
* with every result written to a cache directory as soon as it is computed, under a key derived
  from the cell function's name and all of the cell's parameters, so that an interrupted sweep
  resumes where it stopped and a changed parameter never reuses a stale result.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path

import joblib
import numpy as np
from tqdm.auto import tqdm

__all__ = ["cell_key", "ResultCache", "run_sweep"]


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    raise TypeError(f"cannot store a {type(value).__name__} in the sweep cache")


def _round_trip(value):
    """The value as it comes back from the cache (JSON types), so fresh and cached results agree."""
    return json.loads(json.dumps(value, default=_jsonable))


def _function_name(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def cell_key(function: Callable | str, params: dict) -> str:
    """The cache key of one cell: a SHA-256 digest of the function's name and all parameters."""
    name = function if isinstance(function, str) else _function_name(function)
    payload = json.dumps(
        {"function": name, "params": params}, sort_keys=True, default=_jsonable
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


class ResultCache:
    """A directory of JSON files, one per computed cell, holding its parameters and its value."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def __contains__(self, key: str) -> bool:
        return self._path(key).exists()

    def get(self, key: str):
        """The cached value of a cell; ``KeyError`` if it has not been computed."""
        try:
            return json.loads(self._path(key).read_text())["value"]
        except FileNotFoundError:
            raise KeyError(key) from None

    def put(self, key: str, params: dict, value) -> None:
        """Store a value atomically (write a temporary file, then rename it)."""
        record = json.dumps(
            {"params": params, "value": value}, sort_keys=True, default=_jsonable
        )
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(handle, "w") as stream:
            stream.write(record)
        os.replace(temporary, self._path(key))


def run_sweep(
    function: Callable,
    cells: Sequence[dict],
    *,
    cache_dir: str | os.PathLike | None = None,
    workers: int = 1,
    dask_scheduler: str | None = None,
    progress: bool = False,
    description: str | None = None,
) -> list:
    """Evaluate ``function(**cell)`` for every cell, in parallel, with an on-disk cache.

    Parameters
    ----------
    function : callable
        A module-level function (it must be importable by worker processes) returning a
        JSON-compatible value: numbers, strings, lists, dictionaries, NumPy scalars or arrays.
    cells : sequence of dict
        Keyword arguments of each call; include the seed, so that a cell is fully determined.
    cache_dir : path, optional
        Where results are stored. Cells already there are not recomputed. ``None``: no cache.
    workers : int
        Number of processes on this machine (1: run in this process, in order).
    dask_scheduler : str, optional
        Address of the scheduler of an existing Dask cluster (for example ``"tcp://host:8786"``);
        the cells then run on its workers, and ``workers`` is ignored.
    progress : bool
        Show a progress bar on standard error.
    description : str, optional
        Label of the progress bar.

    Returns
    -------
    list
        The value of each cell, in the order of ``cells``, as JSON types (NumPy arrays become lists).
    """
    if not callable(function):
        raise ValueError("function must be callable")
    cells = list(cells)
    if not all(isinstance(cell, dict) for cell in cells):
        raise ValueError("every cell must be a dictionary of keyword arguments")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    cache = None if cache_dir is None else ResultCache(cache_dir)
    keys = [cell_key(function, cell) for cell in cells]
    results = [None] * len(cells)
    todo = []
    for index, key in enumerate(keys):
        if cache is not None and key in cache:
            results[index] = cache.get(key)
        else:
            todo.append(index)

    bar = tqdm(
        total=len(cells),
        initial=len(cells) - len(todo),
        disable=not progress,
        desc=description,
        file=sys.stderr,
        leave=False,
    )
    client = None
    if dask_scheduler is not None and todo:
        from dask.distributed import Client

        client = Client(dask_scheduler)
        context, n_jobs = joblib.parallel_config(backend="dask"), -1
    else:
        context, n_jobs = nullcontext(), workers
    try:
        with context:
            calls = (joblib.delayed(function)(**cells[index]) for index in todo)
            for index, value in zip(
                todo, joblib.Parallel(n_jobs=n_jobs, return_as="generator")(calls)
            ):
                results[index] = _round_trip(value)
                if cache is not None:
                    cache.put(keys[index], cells[index], value)
                bar.update()
    finally:
        bar.close()
        if client is not None:
            client.close()
    return results
