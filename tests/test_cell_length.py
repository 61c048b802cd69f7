"""The pages read as mathematics: the code cells a reader sees open are short.

A cell is *open* when it is shown on the page with its code: not removed (``remove-cell``,
``remove-input``) and not collapsed (``hide-input``, ``hide-cell``). Checks of the chapters are
removed or collapsed cells, so they are not counted; neither is drawing code collapsed under its
figure. Over every chapter and problem set, no open cell may be longer than ``MAX_LINES`` and the
median open cell at most ``MEDIAN_LINES`` lines: the computation the text talks about, with the
plumbing in ``lecture_utils``.
"""

import json
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 20
MEDIAN_LINES = 10
CLOSED_TAGS = {"remove-cell", "remove-input", "hide-input", "hide-cell"}


def book_notebooks():
    return sorted(
        path
        for path in (ROOT / "book").rglob("*.ipynb")
        if "_build" not in path.parts and ".ipynb_checkpoints" not in path.parts
    )


def open_cell_lengths(cells):
    """``(index, lines)`` of every open code cell, blank lines inside the cell included."""
    lengths = []
    for k, cell in enumerate(cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell["cell_type"] != "code" or tags & CLOSED_TAGS:
            continue
        source = "".join(cell["source"]).strip("\n")
        if source:
            lengths.append((k, len(source.splitlines())))
    return lengths


def book_cells():
    found = []
    for path in book_notebooks():
        cells = json.loads(path.read_text())["cells"]
        name = str(path.relative_to(ROOT))
        found += [(name, k, lines) for k, lines in open_cell_lengths(cells)]
    return found


def test_counting_rule():
    def cell(source, tags=(), kind="code"):
        return {"cell_type": kind, "source": source, "metadata": {"tags": list(tags)}}

    cells = [
        cell("a = 1\n\nb = 2\n"),
        cell("x\n" * 30, tags=["hide-input"]),
        cell("x\n" * 30, tags=["remove-cell"]),
        cell("# text\n" * 30, kind="markdown"),
        cell(""),
        cell(["c = 3\n", "print(c)"]),
    ]
    assert open_cell_lengths(cells) == [(0, 3), (5, 2)]


def test_every_notebook_is_counted():
    counted = {name for name, _, _ in book_cells()}
    assert len(counted) == len(book_notebooks()) >= 19


def test_no_open_cell_is_long():
    long_cells = [
        f"{name} cell {k}: {lines} lines"
        for name, k, lines in book_cells()
        if lines > MAX_LINES
    ]
    assert not long_cells, (
        f"{len(long_cells)} open code cells over {MAX_LINES} lines (move the plumbing "
        "into lecture_utils, or collapse a cell that only draws):\n"
        + "\n".join(long_cells)
    )


def test_median_open_cell_is_short():
    lengths = [lines for _, _, lines in book_cells()]
    median = statistics.median(lengths)
    assert median <= MEDIAN_LINES, (
        f"median open code cell {median} lines over {len(lengths)} cells "
        f"(at most {MEDIAN_LINES})"
    )
