"""Student versions: solutions become stubs and hidden tests go, exactly as nbgrader does it; the
statements become plain Markdown; the committed student notebooks are up to date; `make student`
needs nothing but nbformat."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from lecture_utils.assignments import (
    HIDDEN_BEGIN,
    REFERENCE_ONLY,
    SOLUTION_BEGIN,
    course_source,
    plain_markdown,
    student_version,
)

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


def visible(source):
    return source.split(HIDDEN_BEGIN)[0].rstrip("\n")


@pytest.mark.parametrize("path", PROBLEM_SETS, ids=lambda p: p.name)
def test_the_student_version_is_what_nbgrader_makes(path):
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    original = nbformat.read(path, as_version=4)
    ours = student_version(original)
    theirs = course_source(original)
    for preprocessor in (ClearSolutions, ClearHiddenTests, ClearOutput):
        theirs, _ = preprocessor().preprocess(theirs, {})
    assert [c.source for c in ours.cells] == [c.source for c in theirs.cells]
    assert all(not c.get("outputs") for c in ours.cells)


@pytest.mark.parametrize("path", PROBLEM_SETS, ids=lambda p: p.name)
def test_student_version_keeps_the_visible_checks_and_drops_the_rest(path):
    original = nbformat.read(path, as_version=4)
    student = student_version(original)
    sources = [cell.source for cell in student.cells]
    for marker in (SOLUTION_BEGIN, HIDDEN_BEGIN, ":::{", "```{", "{ref}`", "{cite"):
        assert not any(marker in source for source in sources), marker
    assert any("raise NotImplementedError()" in s for s in sources)
    checks = [
        visible(cell.source)
        for cell in original.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
    ]
    assert checks and all(check in sources for check in checks), (
        "the visible part of each check is kept verbatim"
    )
    only_book = [
        c for c in original.cells if REFERENCE_ONLY in c.metadata.get("tags", [])
    ]
    assert not any(c.source in sources for c in only_book if c.source.strip())


def test_the_example_stops_at_the_first_stub_and_passes_with_the_reference():
    path = PROBLEM_SETS[0]
    student = student_version(nbformat.read(path, as_version=4))
    with pytest.raises(CellExecutionError, match="NotImplementedError"):
        run(student, path)
    nb = nbformat.read(path, as_version=4)
    run(nb, path)
    printed = "".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )
    assert printed.splitlines() == ["correct: the gradient", "correct: the rank"]


@pytest.mark.parametrize("path", PROBLEM_SETS, ids=lambda p: p.name)
def test_nbgrader_accepts_the_cell_metadata(path):
    from nbgrader.nbgraderformat import MetadataValidator

    MetadataValidator().validate_nb(nbformat.read(path, as_version=4))


def test_plain_markdown_renders_the_myst_of_the_statements():
    source = "\n".join(
        [
            "(ps-label)=",
            "## 1. A section",
            "",
            ":::{exercise} The title with $x^2$",
            ":label: ps-x",
            "",
            "See {ref}`Chapter 5 <ch-five>`, {prf:ref}`thm-a` and {cite:t}`paper2024`.",
            ":::",
            "",
            ":::{solution-start} ps-x",
            ":class: dropdown",
            ":::",
        ]
    )
    assert plain_markdown(source) == "\n".join(
        [
            "## 1. A section",
            "",
            "**Exercise: The title with $x^2$**",
            "",
            "See Chapter 5, `thm-a` and [paper2024].",
        ]
    )


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "book" / "problem_sets").glob("*.ipynb")),
    ids=lambda p: p.name,
)
def test_the_committed_student_notebooks_are_up_to_date(path):
    committed = ROOT / "student" / path.name
    assert committed.exists(), "run: python scripts/student_versions.py student"
    fresh = student_version(nbformat.read(path, as_version=4))
    assert json.loads(committed.read_text()) == json.loads(nbformat.writes(fresh)), (
        f"{committed.relative_to(ROOT)} is out of date: "
        "run python scripts/student_versions.py student"
    )


def test_make_student_needs_only_nbformat(tmp_path):
    """The script runs with torch, numpy and nbgrader unavailable (make student installs only
    nbformat), and writes the four problem sets."""
    code = (
        "import runpy, sys\n"
        "for name in ('torch', 'numpy', 'nbgrader', 'lecture_utils'):\n"
        "    sys.modules[name] = None\n"
        f"sys.argv = ['student_versions.py', {str(tmp_path)!r}]\n"
        f"runpy.run_path({str(ROOT / 'scripts' / 'student_versions.py')!r}, "
        "run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "book" / "problem_sets").glob("*.ipynb")
    )


@pytest.mark.parametrize(
    "arguments, code", [(["--help"], 0), (["-x"], 2), (["a", "b"], 2)]
)
def test_student_versions_script_takes_no_option_for_a_folder(
    tmp_path, arguments, code
):
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "student_versions.py"), *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == code and "Usage:" in done.stdout
    assert list(tmp_path.iterdir()) == []  # nothing written, no folder named after it


def test_a_solution_region_outside_a_solution_cell_is_refused():
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")]
    )
    with pytest.raises(ValueError, match="outside a solution cell"):
        student_version(nb)
    nb.cells[0].source = "x = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS"
    with pytest.raises(ValueError, match="outside a graded cell"):
        student_version(nb)
