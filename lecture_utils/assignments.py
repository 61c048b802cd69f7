"""Student versions of the problem sets, with nbgrader's own preprocessors.

The problem-set notebooks follow nbgrader's conventions: code the student writes sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` in cells whose metadata marks them as solution cells,
and the checks are read-only graded cells. :func:`student_version` removes the solutions (nbgrader's
``ClearSolutions``: code becomes ``raise NotImplementedError()``, prose becomes "YOUR ANSWER HERE") and
the outputs (``ClearOutput``), and keeps everything else, the checks included. Instructors who use
nbgrader itself can instead run ``nbgrader generate_assignment`` on the same notebooks.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

__all__ = [
    "SOLUTION_BEGIN",
    "SOLUTION_END",
    "student_version",
    "write_student_versions",
]

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"


def student_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with solutions replaced by stubs and outputs cleared."""
    from nbgrader.preprocessors import ClearOutput, ClearSolutions

    nb = copy.deepcopy(notebook)
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb, _ = ClearSolutions().preprocess(nb, {})
    nb, _ = ClearOutput().preprocess(nb, {})
    return nb


def write_student_versions(sources: list[Path], destination: Path) -> list[Path]:
    """Write the student version of each notebook in ``sources`` into the folder ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        target = destination / Path(source).name
        nbformat.write(student_version(nbformat.read(source, as_version=4)), target)
        written.append(target)
    return written
