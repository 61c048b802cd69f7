"""Re-execute the book's notebooks in place, each in a fresh kernel, and report the time each took.

Usage: python scripts/execute_notebooks.py [--jobs N] [PATH ...]   (notebooks, or folders searched recursively)

The stored outputs are then exactly what the code produces, which `make test` (nbval) checks.
Timings are printed here, never stored in the notebooks.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
from nbclient import NotebookClient

BUDGET_SECONDS = 300  # the whole book, on 2 CPU cores
KERNELSPEC = {
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "name": "python3",
}


def notebooks(paths: list[str]) -> list[Path]:
    found = []
    for p in map(Path, paths or ["book"]):
        found += [p] if p.suffix == ".ipynb" else sorted(p.rglob("*.ipynb"))
    return [
        nb
        for nb in found
        if ".ipynb_checkpoints" not in nb.parts and "_build" not in nb.parts
    ]


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNELSPEC
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="notebooks executed at the same time (default 2)",
    )
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    total = 0.0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(execute, path): path for path in notebooks(args.paths)}
        for future in as_completed(futures):
            seconds = future.result()
            total += seconds
            print(f"{seconds:7.1f} s  {futures[future]}", flush=True)
    print(f"{total:7.1f} s  in all, summed over notebooks (budget {BUDGET_SECONDS} s)")
    if total > BUDGET_SECONDS:
        print(
            "warning: the book is over its execution budget; make the slow notebooks faster",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
