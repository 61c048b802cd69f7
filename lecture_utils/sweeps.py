"""Parameter sweeps: many independent cells, computed in parallel, cached on disk, resumable.

A *cell* is one point of an experiment's grid, given as a dictionary of keyword arguments (including
its seed) for a module-level *cell function* that returns a JSON-compatible value (a number, a list,
a dictionary). :func:`run_sweep` evaluates the cell function on every cell:

* in parallel across cells with joblib (``workers`` processes on this machine), or on an existing
  Dask cluster (``dask_scheduler``: the address of its scheduler); results are taken in the order
  in which they finish, so a slow cell holds up neither the others' storage nor the progress bar;
* with a progress bar on standard error;
* with every result written to a cache directory as soon as it is computed, so that an interrupted
  sweep resumes where it stopped.

The cache never returns a value that the present code would not compute:

* a cell's file is named by a key derived from the cell function's name and all of the cell's
  parameters (:func:`cell_key`), so a changed parameter is a different cell;
* each file also stores the *code version* of the cell function (:func:`code_version`): a digest
  of the source of the function's module and of every module of the book's package that it
  imports, directly or through others (:func:`code_modules`). An entry written by other code
  (an older release, an edited function) is *stale*: it is recomputed, and the progress output
  says so and names the modules that changed;
* a file that cannot be read back (truncated, not JSON, not a record of this cell) is reported by
  name on standard error and recomputed;
* each record carries a checksum of its whole content (parameters, value, code versions): a file
  edited by hand or damaged on disk (one character changed) is named on standard error and
  recomputed, never returned; an optional ``validate`` function rejects impossible values too
  (for example a fraction outside [0, 1]);
* files are written atomically (a temporary file in the same folder, then :func:`os.replace`), so
  that two runs sharing a cache folder, or a run killed while writing, never leave a partial file;
  temporary files left behind by a run killed at the wrong moment are removed by later runs once
  they are an hour old.

Worker processes exit with the process that started them, even when it is killed with SIGKILL.

Only the source of the book's own code is versioned: the versions of NumPy, SciPy or PyTorch are
not part of it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import json
import os
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path

import joblib
import numpy as np
from tqdm.auto import tqdm

__all__ = [
    "CorruptCacheEntry",
    "ResultCache",
    "cell_key",
    "code_modules",
    "code_version",
    "run_sweep",
    "write_atomically",
]

#: Temporary files of an interrupted write are removed when they are older than this (seconds).
STALE_TEMPORARY_SECONDS = 3600
#: How long a Dask scheduler may take to answer before run_sweep gives up (seconds).
DASK_CONNECT_TIMEOUT = 5

#: The package whose modules are always versioned when a cell function imports them.
PACKAGE = "lecture_utils"


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
    """The cache key of one cell: a SHA-256 digest of the function's name and all parameters.

    The key names the cell's file; the version of the code that computed it is stored inside the
    file and checked when it is read (see :func:`code_version`).
    """
    name = function if isinstance(function, str) else _function_name(function)
    payload = json.dumps(
        {"function": name, "params": params}, sort_keys=True, default=_jsonable
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


# ------------------------------------------------------------------ the version of a cell's code


def _source_of(name: str) -> tuple[Path, bytes, bool] | None:
    """(file, source bytes, is a package) of the module ``name`` as it is on disk now, or None."""
    module = sys.modules.get(name)
    origin = getattr(module, "__file__", None) if module is not None else None
    is_package = module is not None and hasattr(module, "__path__")
    if origin is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.has_location or spec.origin is None:
            return None
        origin, is_package = spec.origin, spec.submodule_search_locations is not None
    path = Path(origin)
    if path.suffix != ".py":  # compiled or extension modules: no source to version
        return None
    try:
        return path, path.read_bytes(), is_package
    except OSError:
        return None


def _is_submodule(package: str, name: str) -> bool:
    """Whether ``package.name`` is a module, found on disk without importing it."""
    module = sys.modules.get(package)
    locations = getattr(module, "__path__", None)
    if locations is None:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            return False
        locations = None if spec is None else spec.submodule_search_locations
    return any(
        (Path(folder) / f"{name}.py").is_file()
        or (Path(folder) / name / "__init__.py").is_file()
        for folder in locations or ()
    )


def _imports(name: str, source: bytes, is_package: bool, tracked: set[str]) -> set[str]:
    """The modules of the ``tracked`` top-level packages that module ``name`` imports.

    Every import counts, also those inside functions; relative imports are resolved.
    ``from P import x`` names the module ``P.x`` when that is a module, and ``P`` otherwise.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                try:
                    base = importlib.util.resolve_name(
                        "." * node.level + (node.module or ""), package
                    )
                except (ImportError, ValueError):
                    continue
            else:
                base = node.module
            if base.split(".")[0] not in tracked:
                continue
            for alias in node.names:
                if alias.name != "*" and _is_submodule(base, alias.name):
                    found.add(f"{base}.{alias.name}")
                else:
                    found.add(base)
    return {module for module in found if module.split(".")[0] in tracked}


def _code_text(code: types.CodeType) -> str:
    """The instructions, names and constants of compiled code (not its file or line numbers)."""
    constants = [
        _code_text(c) if isinstance(c, types.CodeType) else repr(c)
        for c in code.co_consts
    ]
    return repr(
        (code.co_code, code.co_names, code.co_varnames, code.co_freevars, constants)
    )


def _function_text(function: Callable, code: types.CodeType) -> str:
    try:
        return inspect.getsource(function)  # IPython keeps the source of every cell
    except (OSError, TypeError):
        return _code_text(code)


def _module_digests(function: Callable) -> dict[str, str]:
    """{module: SHA-256 of its source} of the modules that :func:`code_modules` lists."""
    root = getattr(function, "__module__", None) or "__main__"
    tracked = {root.split(".")[0], PACKAGE}
    digests, files, queue, seen = {}, {}, [root], set()
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        found = _source_of(name)
        if found is None:
            continue
        files[name], source, is_package = found
        digests[name] = hashlib.sha256(source).hexdigest()
        queue.extend(
            module
            for module in _imports(name, source, is_package, tracked)
            if module not in seen
        )
    code = getattr(function, "__code__", None)
    if code is not None and (
        root not in files or Path(code.co_filename).resolve() != files[root].resolve()
    ):
        # A function not defined in its module's source file (in a notebook, at the prompt,
        # by exec): its own source, or else its compiled code, stands for it.
        digests[_function_name(function)] = hashlib.sha256(
            _function_text(function, code).encode()
        ).hexdigest()
    elif code is None and root not in digests:
        # A callable without Python source (a builtin, an extension): its name and its
        # package's version.
        package = sys.modules.get(root.split(".")[0])
        text = f"{_function_name(function)} {getattr(package, '__version__', '')}"
        digests[_function_name(function)] = hashlib.sha256(text.encode()).hexdigest()
    return dict(sorted(digests.items()))


def code_modules(function: Callable) -> list[str]:
    """The modules whose source makes up the code version of a cell function.

    They are the function's own module and, transitively, every module it imports that belongs
    to the same top-level package or to ``lecture_utils`` (imports inside functions included).
    Third-party and standard-library modules are not versioned. A function defined outside its
    module's source file (in a notebook, at the prompt) is listed itself, by its qualified name:
    its own source (or compiled code) is versioned too.
    """
    if not callable(function):
        raise ValueError("function must be callable")
    return list(_module_digests(function))


def code_version(function: Callable) -> str:
    """A digest of the source (as it is on disk now) of every module in :func:`code_modules`.

    It changes whenever any of those modules is edited, and is stored with every cached cell:
    a cached value whose version differs from the present one is recomputed, never returned.
    """
    if not callable(function):
        raise ValueError("function must be callable")
    return _version(_module_digests(function))


def _version(digests: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()[:24]


# ------------------------------------------------------------------------------------ the cache


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> None:
    """Create ``path`` atomically: ``write(temporary)`` fills a temporary file in the same folder,
    which then replaces ``path`` in one step (:func:`os.replace`).

    A reader, or another run writing the same file, sees the old file or the new one, never a part
    of one; if ``write`` fails or is interrupted, the temporary file is removed.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(
    directory: str | os.PathLike, age: float = STALE_TEMPORARY_SECONDS
) -> list[Path]:
    """Remove the temporary files (``.*.tmp``) of interrupted writes older than ``age`` seconds."""
    removed = []
    now = time.time()
    for path in Path(directory).glob(".*.tmp"):
        try:
            if now - path.stat().st_mtime > age:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:
            pass  # removed by another run meanwhile
    return removed


def _checksum(record: dict) -> str:
    content = {k: v for k, v in record.items() if k != "checksum"}
    text = json.dumps(content, sort_keys=True, default=_jsonable)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class CorruptCacheEntry(ValueError):
    """A cache file that cannot be read back as a record (truncated, not JSON, wrong fields)."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class ResultCache:
    """A directory of JSON files, one per computed cell.

    Each file is a record with the fields ``function`` (the cell function's name), ``params``
    (the cell), ``code_version`` and ``code`` (the digests of :func:`code_version` and of each
    module), ``value`` and ``checksum`` (a digest of all the other fields, checked on every read).
    """

    FIELDS = ("params", "value")

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise ValueError(
                f"the cache folder {self.directory} is a file, not a folder"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.directory)

    def path(self, key: str) -> Path:
        """The file of a key (it may not exist)."""
        return self.directory / f"{key}.json"

    def __contains__(self, key: str) -> bool:
        return self.path(key).exists()

    def record(self, key: str) -> dict:
        """The stored record of a key: ``KeyError`` if there is none, :class:`CorruptCacheEntry`
        if its file cannot be read back as a record."""
        path = self.path(key)
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise KeyError(key) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CorruptCacheEntry(path, f"unreadable ({error})") from None
        if not text.strip():
            raise CorruptCacheEntry(path, "empty file")
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise CorruptCacheEntry(
                path, f"truncated or not JSON ({error.msg} at character {error.pos})"
            ) from None
        if not isinstance(record, dict) or not all(f in record for f in self.FIELDS):
            raise CorruptCacheEntry(
                path,
                f"not a cell record (expected the fields {', '.join(self.FIELDS)})",
            )
        if "checksum" not in record:
            raise CorruptCacheEntry(
                path, "written without a checksum (an older format)"
            )
        if record["checksum"] != _checksum(record):
            raise CorruptCacheEntry(
                path, "its content changed after it was written (checksum mismatch)"
            )
        return record

    def get(self, key: str):
        """The cached value of a cell (whatever code computed it; :func:`run_sweep` checks that);
        ``KeyError`` if it has not been computed, :class:`CorruptCacheEntry` if unreadable."""
        return self.record(key)["value"]

    def put(
        self,
        key: str,
        params: dict,
        value,
        *,
        function: str | None = None,
        code: dict[str, str] | None = None,
    ) -> None:
        """Store a record atomically: write a temporary file in the same folder, then rename it.

        A reader, or another run writing the same cell, sees either the old file or the new one,
        never a part of one. ``code`` maps each versioned module to the digest of its source.
        """
        record = {"params": params, "value": value}
        if function is not None:
            record["function"] = function
        if code is not None:
            record["code_version"] = _version(code)
            record["code"] = code
        record = json.loads(
            json.dumps(record, default=_jsonable)
        )  # as it will read back
        record["checksum"] = _checksum(record)
        text = json.dumps(record, sort_keys=True)

        def write(temporary: Path) -> None:
            with open(temporary, "w") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())

        write_atomically(self.path(key), write)


# ------------------------------------------------------------------------------------ the sweep


_WATCHED_PARENT: list[int] = []


def _exit_with_parent(parent: int) -> None:
    """In a worker process: exit as soon as ``parent`` (the process that ran the sweep) is gone.

    Worker pools outlive a parent killed with SIGKILL for minutes; a daemon thread that polls the
    parent's pid twice a second ends the worker instead.
    """
    if _WATCHED_PARENT or os.getpid() == parent:
        return
    _WATCHED_PARENT.append(parent)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass  # exists, owned by someone else
            if os.getppid() == 1 and parent != 1:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _evaluate(function: Callable, index: int, cell: dict, parent: int | None = None):
    """One cell, with its index (results come back in the order in which they finish)."""
    if parent is not None:
        _exit_with_parent(parent)
    return index, function(**cell)


def _stale_description(records: list[dict], code: dict[str, str], version: str) -> str:
    """Say which code computed stale records: the changed modules, or the versions."""
    if all(record.get("code_version") is None for record in records):
        return "(no code version)"
    changed = set()
    for record in records:
        old = record.get("code")
        if not isinstance(old, dict):
            versions = sorted({str(r.get("code_version")) for r in records})
            return f"(code version {', '.join(versions)}; the present one is {version})"
        changed.update(m for m in code.keys() | old.keys() if old.get(m) != code.get(m))
    return f"({', '.join(sorted(changed))} changed)"


def max_workers() -> int:
    """The most worker processes a sweep starts on this machine: its number of usable cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_sweep(
    function: Callable,
    cells: Sequence[dict],
    *,
    cache_dir: str | os.PathLike | None = None,
    workers: int = 1,
    dask_scheduler: str | None = None,
    progress: bool = False,
    description: str | None = None,
    validate: Callable[[object], str | None] | None = None,
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
        Where results are stored. Cells already there, computed by the present code, are not
        recomputed; stale entries (other code) and unreadable files are (see the module's
        docstring). Unreadable files are reported on standard error. ``None``: no cache.
    workers : int
        Number of processes on this machine (1: run in this process, in order). More than the
        machine's cores (:func:`max_workers`) are not started: the number is lowered to it, and
        the progress output says so.
    dask_scheduler : str, optional
        Address of the scheduler of an existing Dask cluster (for example ``"tcp://host:8786"``);
        the cells then run on its workers, and ``workers`` is ignored.
    progress : bool
        Show a progress bar on standard error, and say there how many cells come from the cache
        and how many stale ones are recomputed.
    description : str, optional
        Label of the progress bar.
    validate : callable, optional
        ``validate(value)`` returns ``None`` for a possible value and otherwise a reason: a cached
        value it rejects is named and recomputed, a computed one raises :class:`ValueError`.

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
    label = description or _function_name(function)
    if workers > max_workers():
        if progress:
            print(
                f"{label}: {workers} workers asked for, {max_workers()} started "
                "(the cores of this machine)",
                file=sys.stderr,
            )
        workers = max_workers()
    cache = None if cache_dir is None else ResultCache(cache_dir)
    keys = [cell_key(function, cell) for cell in cells]
    results = [None] * len(cells)
    todo, stale = [], []
    code = _module_digests(function) if cache is not None else None
    version = None if code is None else _version(code)
    for index, key in enumerate(keys):
        if cache is None:
            todo.append(index)
            continue
        try:
            record = cache.record(key)
        except KeyError:
            todo.append(index)
            continue
        except CorruptCacheEntry as error:
            print(
                f"{label}: cache file {error.path} cannot be read ({error.reason}); "
                "recomputing its cell",
                file=sys.stderr,
            )
            todo.append(index)
            continue
        reason = None if validate is None else validate(record["value"])
        if reason is not None:
            print(
                f"{label}: cache file {cache.path(key)} holds an impossible value "
                f"({reason}); recomputing its cell",
                file=sys.stderr,
            )
            todo.append(index)
        elif record["params"] != _round_trip(cells[index]):
            print(
                f"{label}: cache file {cache.path(key)} holds another cell's parameters; "
                "recomputing its cell",
                file=sys.stderr,
            )
            todo.append(index)
        elif record.get("code_version") != version:
            stale.append(record)
            todo.append(index)
        else:
            results[index] = record["value"]

    if progress and cache is not None:
        line = f"{label}: {len(cells) - len(todo)} of {len(cells)} cells from the cache"
        if stale:
            line += (
                f"; {len(stale)} cached cells were computed by other code "
                + _stale_description(stale, code, version)
                + " and are recomputed"
            )
        print(line, file=sys.stderr)
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
        client = _dask_client(dask_scheduler)
        context, n_jobs = joblib.parallel_config(backend="dask"), -1
    else:
        context, n_jobs = nullcontext(), workers
    try:
        with context:
            parent = os.getpid() if client is None and n_jobs > 1 else None
            calls = (
                joblib.delayed(_evaluate)(function, index, cells[index], parent)
                for index in todo
            )
            finished = joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")
            for index, value in finished(calls):
                reason = None if validate is None else validate(_round_trip(value))
                if reason is not None:
                    raise ValueError(
                        f"{label}: the cell {cells[index]} computed an impossible value "
                        f"({reason})"
                    )
                results[index] = _round_trip(value)
                if cache is not None:
                    cache.put(
                        keys[index],
                        cells[index],
                        value,
                        function=_function_name(function),
                        code=code,
                    )
                bar.update()
    finally:
        bar.close()
        if client is not None:
            client.close()
    return results


def _dask_client(address: str):
    """A client of the Dask scheduler at ``address``, or a clear error within a few seconds."""
    from dask.distributed import Client

    try:
        return Client(address, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise ValueError(
            f"no Dask scheduler answered at {address!r} within {DASK_CONNECT_TIMEOUT} s "
            f"({type(error).__name__}). Start one with `dask scheduler` (it prints its "
            f"address, tcp://HOST:8786) and workers with `dask worker tcp://HOST:8786`, "
            f"or leave --dask-scheduler out to run on this machine"
        ) from None
