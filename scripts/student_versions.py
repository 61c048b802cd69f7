"""Write student versions of the problem sets (solutions removed, stubs, checks kept).

Usage: python scripts/student_versions.py [OUTPUT_FOLDER]   (default: _build/student)
"""

import sys
from pathlib import Path

from lecture_utils.assignments import write_student_versions

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    destination = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "student"
    )
    sources = sorted((ROOT / "book" / "problem_sets").glob("*.ipynb"))
    for path in write_student_versions(sources, destination):
        print(path)
