"""Cell functions for the tests of lecture_utils.sweeps.

They live in a module of their own that imports nothing of the book's package, so that their code
version (lecture_utils.sweeps.code_version) is the source of this file alone, and they are
importable by worker processes (the tests folder is on their path).
"""

import time
import uuid
from pathlib import Path

import numpy as np

#: The cells computed in this process, in order (run_sweep with workers=1 runs here).
CALLS = []


def labels(n, seed):
    """``n`` standard normal numbers of the generator seeded with ``seed``."""
    CALLS.append((n, seed))
    return np.random.default_rng(seed).standard_normal(n)


def sleepy_labels(n, seed):
    """:func:`labels`, after a pause that grows with the seed."""
    time.sleep(0.01 * (seed + 1))
    return labels(n, seed)


def waiting_cell(n, seed, folder, wait_for=0):
    """With ``wait_for`` > 0, wait (at most 30 s) until ``wait_for`` other cells are stored in
    the cache ``folder`` and counted by the progress bar (its count is in ``folder/progress``)."""
    if not wait_for:
        return {"n": n, "seed": seed, "saw": None}
    folder = Path(folder)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stored = len(list(folder.glob("*.json")))
        try:
            counted = int((folder / "progress").read_text() or 0)
        except (FileNotFoundError, ValueError):
            counted = 0
        if stored >= wait_for and counted >= wait_for:
            return {"n": n, "seed": seed, "saw": True}
        time.sleep(0.02)
    return {"n": n, "seed": seed, "saw": False}


def failing_cell(n, seed, log, fail="", cache=""):
    """Logs each call (a file per call in ``log``). The cell given ``fail`` raises while that
    file exists, once the five other cells are stored in ``cache`` (or after 30 s)."""
    (Path(log) / f"{seed}-{uuid.uuid4().hex}").touch()
    if fail and Path(fail).exists():
        deadline = time.monotonic() + 30
        while len(list(Path(cache).glob("*.json"))) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        raise RuntimeError("interrupted")
    return seed


def started_cell(seed, folder):
    """Mark the start of the cell (a file ``started-<seed>`` in ``folder``), then wait a minute."""
    (Path(folder) / f"started-{seed}").touch()
    time.sleep(60)
    return seed
