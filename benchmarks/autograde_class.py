"""How long nbgrader takes to autograde a class: N copies of the reference submission of one problem
set, autograded with `nbgrader autograde` in a temporary course.

Usage: python benchmarks/autograde_class.py [--students 40] [--problem-set ps4] [--checks-only]

--checks-only replaces the reference's experiments (the cells that only run an experiment and draw
its figure) by a comment, to time what grading itself costs: the kernel, the setup cell and the
checks. Prints the wall time and the processor time of nbgrader and its kernels (children's user +
system time), in all and per submission. The machine's load changes the wall time; report both.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from lecture_utils import assignments

ROOT = Path(__file__).resolve().parents[1]


def nbgrader(course: Path, *arguments: str) -> None:
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments, "--force"],
        cwd=course,
        env=env,
        check=True,
        capture_output=True,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--problem-set", default="ps4")
    parser.add_argument("--checks-only", action="store_true")
    args = parser.parse_args(argv)
    (path,) = (ROOT / "book" / "problem_sets").glob(f"{args.problem_set}*.ipynb")
    assignment = path.stem
    nb = assignments.course_source(nbformat.read(path, as_version=4))
    if args.checks_only:
        for cell in nb.cells:
            grading = cell.metadata.get("nbgrader", {})
            if grading.get("solution") and cell.source.lstrip().startswith(
                "### BEGIN SOLUTION"
            ):
                cell.source = "# the experiment is in the report"
    with tempfile.TemporaryDirectory() as folder:
        course = Path(folder)
        (course / "nbgrader_config.py").write_text(
            "c = get_config()\nc.CourseDirectory.course_id = 'benchmark'\n"
        )
        (course / "source" / assignment).mkdir(parents=True)
        nbformat.write(nb, course / "source" / assignment / path.name)
        nbgrader(course, "generate_assignment", assignment)
        for k in range(args.students):
            target = course / "submitted" / f"student{k:02d}" / assignment / path.name
            target.parent.mkdir(parents=True)
            nbformat.write(nb, target)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        nbgrader(course, "autograde", assignment)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    what = "checks only" if args.checks_only else "the whole reference"
    print(f"{assignment}, {args.students} submissions ({what}):")
    print(f"  wall {wall:.0f} s in all, {wall / args.students:.1f} s per submission")
    print(f"  processor {cpu:.0f} s in all, {cpu / args.students:.1f} s per submission")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
