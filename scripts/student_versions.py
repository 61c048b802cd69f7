"""Write student versions of the problem sets (solutions and hidden tests removed, stubs, the
visible part of each check kept, statements in plain Markdown).

Usage:
  python scripts/student_versions.py [OUTPUT_FOLDER]            (default: _build/student)
  python scripts/student_versions.py --course-source FOLDER     nbgrader source notebooks:
      FOLDER/<problem set>/<problem set>.ipynb, for `nbgrader generate_assignment`

It needs only nbformat and nbgrader (`make student` installs just those): it loads
lecture_utils/assignments.py by its path, without the rest of the package and its torch.
"""

import importlib.util
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def load_assignments():
    spec = importlib.util.spec_from_file_location(
        "assignments", ROOT / "lecture_utils" / "assignments.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    assignments = load_assignments()
    sources = sorted((ROOT / "book" / "problem_sets").glob("*.ipynb"))
    if argv[:1] == ["--course-source"]:
        if len(argv) != 2:
            print(__doc__)
            return 2
        for source in sources:
            target = Path(argv[1]) / source.stem / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nb = nbformat.read(source, as_version=4)
            nbformat.write(assignments.course_source(nb), target)
            print(target)
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        # an option this script does not know (--help included) is not a folder name
        print(__doc__)
        return 0 if argv in (["-h"], ["--help"]) else 2
    destination = Path(argv[0]) if argv else ROOT / "_build" / "student"
    for path in assignments.write_student_versions(sources, destination):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
