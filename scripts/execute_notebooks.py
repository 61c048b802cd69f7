"""Re-execute the book's notebooks in place, each in a fresh kernel, and report the time each took.

Usage: python scripts/execute_notebooks.py [PATH ...]   (notebooks, or folders searched recursively)

The stored outputs are then exactly what the code produces, which `make test` (nbval) checks.
Timings are printed here, never stored in the notebooks.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

BUDGET_SECONDS = 300  # the whole book, on 2 CPU cores
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def notebooks(paths: list[str]) -> list[Path]:
    found = []
    for p in map(Path, paths or ["book"]):
        found += [p] if p.suffix == ".ipynb" else sorted(p.rglob("*.ipynb"))
    return [nb for nb in found if ".ipynb_checkpoints" not in nb.parts and "_build" not in nb.parts]


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNELSPEC
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    total = 0.0
    for path in notebooks(argv):
        seconds = execute(path)
        total += seconds
        print(f"{seconds:7.1f} s  {path}", flush=True)
    print(f"{total:7.1f} s  in all (budget {BUDGET_SECONDS} s)")
    if total > BUDGET_SECONDS:
        print("warning: the book is over its execution budget; make the slow notebooks faster", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
