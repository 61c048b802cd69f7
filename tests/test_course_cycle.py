"""A course's whole cycle with real nbgrader, on each problem set, in a temporary course directory:

1. ``scripts/student_versions.py --course-source`` writes the source notebook (statements in plain
   Markdown) and ``nbgrader generate_assignment`` releases it: no solution and no hidden test is
   left in the student version;
2. ``nbgrader autograde`` grades five submissions: the reference (every autograded point); a
   correct one written differently from the reference, with the experiments left out (every
   autograded point, and no error anywhere); two with wrong-but-plausible answers, one for each
   code exercise (tests/test_problem_set_checks.py lists them), split into two submissions so that
   each exercise is wrong in one of them (points are lost on those exercises only, and each hint is
   in the feedback); and the untouched student version with a syntax error in one answer (graded
   0, without a crash);
3. ``nbgrader generate_feedback`` writes the feedback pages, in which the statements are rendered.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from notebook_code import load_script
from problem_set_cells import PROBLEM_SETS, is_check, is_experiment, nbgrader, sections
from test_problem_set_checks import ALSO, WRONG, define

ROOT = Path(__file__).resolve().parents[1]
BIN = str(
    Path(sys.executable).parent
)  # the environment's commands: nbgrader needs alembic
student_versions = load_script("student_versions")
assignments = student_versions.load_assignments()

#: Correct answers written differently from the reference (another algorithm or library).
DIFFERENT = {
    "ps1": {
        "cooper-matrix": define(
            "cooper_matrix(t, b, sigma)", "return sigma(np.subtract.outer(t, b))"
        ),
    },
    "ps2": {
        "ps2-cubic-dimension": define(  # count the monomials of degrees 3 and 1
            "cubic_dimension(d0)",
            "from itertools import combinations_with_replacement as multisets\n\n"
            "return len(list(multisets(range(d0), 3))) + d0",
        ),
    },
    "ps3": {
        "khatri-rao": define(
            "jacobian_from_pattern(W, b, v, X)",
            "A = (W @ X + b[:, None] > 0).astype(float)\n"
            "X_tilde = np.vstack([X, np.ones((1, X.shape[1]))])\n"
            "return scipy.linalg.khatri_rao(v[:, None] * A, X_tilde).T",
        ),
        "singular": define(
            "all_01_matrices(d)",
            "codes = np.arange(2 ** (d * d))[:, None] >> np.arange(d * d)\n"
            "return (codes & 1).reshape(-1, d, d)",
        )
        + define(
            "is_singular(M)",
            "M = np.asarray(M, dtype=float)\n"
            "return np.linalg.matrix_rank(M) < M.shape[-1]",
        )
        + define(
            "singular_probability(d)",
            "return float(np.mean(is_singular(all_01_matrices(d))))",
        ),
    },
    "ps4": {
        "wilson": define(
            "wilson_interval(k, T, z=1.96)",
            "from scipy.stats import binomtest\n\n"
            "ci = binomtest(k, T).proportion_ci(method='wilson')\n"
            "return float(ci.low), float(ci.high)",
        ),
        "gd-step": define(
            "gd_step(W, b, v, X, y, lr)",
            "X_tilde = np.vstack([X, np.ones((1, X.shape[1]))])\n"
            "A = (W @ X + b[:, None] > 0).astype(float)\n"
            "J = np.stack([np.kron(v * A[:, j], X_tilde[:, j]) for j in range(X.shape[1])])\n"
            "theta = np.hstack([W, b[:, None]]).ravel()\n"
            "theta = theta - lr * J.T @ (J @ theta - y)\n"
            "new = theta.reshape(W.shape[0], -1)\n"
            "return new[:, :-1], new[:, -1]",
        ),
    },
}


def nbgrader_command(course: Path, *arguments: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    env["MPLBACKEND"] = "Agg"
    env["PATH"] = os.pathsep.join([BIN, env.get("PATH", "")])  # nbgrader runs alembic
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments, "--force"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def write_submission(course, assignment, student, nb):
    target = course / "submitted" / student / assignment / f"{assignment}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def with_answers(nb, answers: dict, drop_experiments=False):
    """A copy of ``nb`` with the solution cells named in ``answers`` replaced (and, if asked, the
    experiments replaced by a note, as a student might hand them in separately)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        grade_id = nbgrader(cell).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
        elif drop_experiments and cell.cell_type == "code" and is_experiment(cell):
            cell.source = "# the experiment and its figure are in my report"
    return nb


def bundles(name, nb):
    """The wrong answers of ``name`` (one per solution cell), split into two submissions: an
    exercise and the exercises that build on it go into the same one."""
    wrong = {}
    for problem_set, solution, source, hint in WRONG:
        if problem_set == name and solution not in wrong:
            wrong[solution] = (source, hint)
    section_of = {
        nbgrader(cell).get("grade_id"): k
        for k, section in enumerate(sections(nb))
        for cell in section
    }
    checks_of = {
        k: {nbgrader(c)["grade_id"] for c in section if is_check(c)}
        for k, section in enumerate(sections(nb))
    }
    split = [{}, {}]
    for k, solution in enumerate(sorted(wrong, key=section_of.get)):
        side = k % 2
        for check, needs in ALSO.items():  # keep a dependency with what depends on it
            for other in needs:
                if solution == other or solution + "-check" == check:
                    side = 0
        split[side][solution] = wrong[solution]
    return [
        (
            {s: source for s, (source, _) in part.items()},
            {s: hint for s, (_, hint) in part.items()},
            set().union(*(checks_of[section_of[s]] for s in part)),
        )
        for part in split
        if part
    ]


def scores(course, assignment, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        return {
            grade.name: (grade.auto_score, grade.max_score)
            for grade in notebook.grades
            if grade.cell_type == "code"
        }


def feedback_text(course, assignment, student):
    page = course / "feedback" / student / assignment / f"{assignment}.html"
    return page.read_text()


@pytest.mark.parametrize("path", PROBLEM_SETS, ids=lambda p: p.stem[:3])
def test_a_course_sets_hands_out_grades_and_returns_each_problem_set(
    path, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", os.pathsep.join([BIN, os.environ.get("PATH", "")]))
    name, assignment = path.stem[:3], path.stem
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'loss-landscapes'\n"
        "c.ExecutePreprocessor.timeout = 600\n"
        "c.Execute.timeout = 600\n"
    )
    student_versions.main(["--course-source", str(course / "source")])
    for other in (course / "source").iterdir():
        if other.name != assignment:
            for f in other.iterdir():
                f.unlink()
            other.rmdir()
    source = nbformat.read(course / "source" / assignment / path.name, as_version=4)

    # 1. the release: no solution, no hidden test, no reference-only cell, the checks kept
    nbgrader_command(course, "generate_assignment", assignment)
    release = nbformat.read(course / "release" / assignment / path.name, as_version=4)
    text = "\n".join(cell.source for cell in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", ":::{", "```{"):
        assert marker not in text, marker
    assert "raise NotImplementedError()" in text
    assert sum(is_check(cell) for cell in release.cells) == sum(
        is_check(cell) for cell in source.cells
    )
    assert release.cells[0].source == source.cells[0].source  # the install cell
    # make student (lecture_utils.assignments, without nbgrader) writes the same notebook
    ours = assignments.student_version(source)
    assert [c.source for c in ours.cells] == [c.source for c in release.cells]

    # 2. five submissions
    different = {**DIFFERENT.get(name, {})}
    write_submission(course, assignment, "reference", source)
    write_submission(
        course,
        assignment,
        "different",
        with_answers(source, different, drop_experiments=True),
    )
    wrong = bundles(name, source)
    for k, (answers, _, _) in enumerate(wrong):
        write_submission(
            course,
            assignment,
            f"wrong{k}",
            with_answers(source, answers, drop_experiments=True),
        )
    first_stub = next(
        nbgrader(cell)["grade_id"]
        for cell in release.cells
        if cell.cell_type == "code" and "raise NotImplementedError()" in cell.source
    )
    write_submission(
        course,
        assignment,
        "blank",
        with_answers(release, {first_stub: "def broken(:\n    pass"}),
    )
    nbgrader_command(course, "autograde", assignment)

    for student in ("reference", "different"):
        graded = scores(course, assignment, student)
        assert graded and all(auto == top for auto, top in graded.values()), (
            student,
            graded,
        )
    different_run = nbformat.read(
        course / "autograded" / "different" / assignment / path.name, as_version=4
    )
    errors = [
        out
        for cell in different_run.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert not errors, errors[0]

    for k, (answers, hints, failing) in enumerate(wrong):
        graded = scores(course, assignment, f"wrong{k}")
        lost = {cell for cell, (auto, top) in graded.items() if auto < top}
        own = {s + "-check" for s in answers} & set(graded)
        assert own <= lost, (own, lost)  # each wrong answer loses its points...
        assert lost <= failing, (lost, failing)  # ...and only on its own exercise
    graded = scores(course, assignment, "blank")
    assert sum(auto for auto, _ in graded.values()) == 0, graded

    # 3. the feedback: the hints, and the statements rendered
    nbgrader_command(course, "generate_feedback", assignment)
    for k, (answers, hints, _) in enumerate(wrong):
        page = html.unescape(
            re.sub(r"<[^>]+>", "", feedback_text(course, assignment, f"wrong{k}"))
        )
        for solution, hint in hints.items():
            assert re.search(hint, page), (solution, hint)
    page = feedback_text(course, assignment, "reference")
    assert "<strong>Exercise: " in page
    assert ":::{exercise}" not in page and "{solution-start}" not in page
    for block in re.findall(r"<pre.*?</pre>", page, flags=re.S):
        assert "\\mathbb" not in block  # no statement shown as a code block
