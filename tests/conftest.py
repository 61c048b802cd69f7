import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The HTML book, built once per test session from the notebooks' stored outputs.

    The build is strict (`-W`: any Sphinx warning fails it) and goes to `_build/html`, where
    `make book` puts it. Set BOOK_SITE_DIR to test an existing build instead.
    """
    if os.environ.get("BOOK_SITE_DIR"):
        return Path(os.environ["BOOK_SITE_DIR"])
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--all", "-W", "--keep-going"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"the strict build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    )
    return ROOT / "_build" / "html"
