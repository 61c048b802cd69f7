"""Student versions: solutions become stubs that stop the notebook; the instructor version passes."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from lecture_utils.assignments import SOLUTION_BEGIN, student_version

ROOT = Path(__file__).resolve().parents[1]
PROBLEM_SETS = [ROOT / "tests" / "fixtures" / "problem_set_example.ipynb"]
PROBLEM_SETS += sorted((ROOT / "book" / "problem_sets").glob("*.ipynb"))


def run(nb, path):
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()


@pytest.mark.parametrize("path", PROBLEM_SETS, ids=lambda p: p.name)
def test_student_version_stops_at_the_first_stub_and_keeps_the_checks(path):
    original = nbformat.read(path, as_version=4)
    student = student_version(original)
    sources = [cell.source for cell in student.cells]
    assert not any(SOLUTION_BEGIN in source for source in sources)
    stubs = [k for k, s in enumerate(sources) if "raise NotImplementedError()" in s]
    assert stubs, "a problem set without any exercise to solve"
    checks = [
        cell.source
        for cell in original.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
    ]
    assert checks and all(check in sources for check in checks), (
        "the checks must be kept verbatim"
    )
    with pytest.raises(CellExecutionError) as failure:
        run(student, path)
    assert "NotImplementedError" in str(failure.value)
    first_error = next(
        k
        for k, cell in enumerate(student.cells)
        if cell.cell_type == "code"
        and any(out.get("output_type") == "error" for out in cell.get("outputs", []))
    )
    # It stops at the first cell that calls a stubbed function: every cell before it ran cleanly.
    assert first_error >= stubs[0]


@pytest.mark.parametrize("path", PROBLEM_SETS, ids=lambda p: p.name)
def test_nbgrader_accepts_the_cell_metadata(path):
    from nbgrader.nbgraderformat import MetadataValidator

    MetadataValidator().validate_nb(nbformat.read(path, as_version=4))


def test_instructor_version_of_the_example_passes_every_check():
    path = PROBLEM_SETS[0]
    nb = nbformat.read(path, as_version=4)
    run(nb, path)
    printed = "".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )
    assert printed.splitlines() == ["correct: the gradient", "correct: the rank"]
