"""Run one exercise of a problem set in a plain Python namespace, as a student's kernel would after
the setup cell, with the reference solution or with an answer written for the test.

The exercises of a problem set are its sections (``## ...`` headings). Running an exercise runs the
setup cell, then the exercise's own cells in order: its read-only data cells, its solution cells that
define functions (the reference code, or a replacement), and its check cells, hidden tests included
(as nbgrader runs them when it grades). Solution cells that only run an experiment are skipped, and
so is every cell of the other exercises: an exercise must work after the setup cell alone.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PROBLEM_SETS = sorted((ROOT / "book" / "problem_sets").glob("*.ipynb"))


def read(name: str) -> nbformat.NotebookNode:
    (path,) = [p for p in PROBLEM_SETS if p.name.startswith(name)]
    return nbformat.read(path, as_version=4)


def nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_setup(cell) -> bool:
    return cell.cell_type == "code" and nbgrader(cell).get("grade_id", "").endswith(
        "setup"
    )


def is_check(cell) -> bool:
    return cell.cell_type == "code" and bool(nbgrader(cell).get("grade"))


def is_experiment(cell) -> bool:
    """A solution cell that only runs the reference's experiment (no function to define)."""
    return nbgrader(cell).get("solution") and cell.source.lstrip().startswith(
        "### BEGIN SOLUTION"
    )


def sections(nb) -> list[list]:
    """The cells of each ``##`` section, in order."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            found.append([])
        if found:
            found[-1].append(cell)
    return found


def exercise_cells(nb, grade_id: str) -> list:
    """The cells of the section that holds the cell ``grade_id``."""
    for section in sections(nb):
        if any(nbgrader(c).get("grade_id") == grade_id for c in section):
            return section
    raise KeyError(grade_id)


def run_exercise(
    name: str, grade_id: str, replacements: dict | None = None, also: tuple = ()
) -> dict:
    """Run the exercise of problem set ``name`` that holds the cell ``grade_id``.

    ``replacements`` maps the grade id of a solution cell to the source that replaces it (a wrong
    answer); ``also`` names solution cells of other exercises that this one builds on by design
    (for example ``count_flat``, which Exercise 6 of Problem set I reuses). Returns the namespace.
    """
    nb = read(name)
    replacements = replacements or {}
    by_id = {nbgrader(c).get("grade_id"): c for c in nb.cells}
    cells = [c for c in nb.cells if is_setup(c)]
    cells += [by_id[g] for g in also]
    cells += exercise_cells(nb, grade_id)
    namespace: dict = {"__name__": "__main__"}
    for cell in cells:
        if cell.cell_type != "code" or is_experiment(cell):
            continue
        if "reference-only" in cell.metadata.get("tags", []):
            continue
        source = replacements.get(nbgrader(cell).get("grade_id"), cell.source)
        exec(
            compile(source, f"<{name} {nbgrader(cell).get('grade_id')}>", "exec"),
            namespace,
        )
    return namespace
