"""Publishing: the workflow that deploys the site, and every address of the book agreeing with the
repository named in _config.yml (launch buttons, the page footer, the README's badges, the launch
links of the chapters)."""

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY = CONFIG["repository"]["url"].rstrip("/")
OWNER, NAME = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", REPOSITORY).groups()
PAGES_URL = f"https://{OWNER}.github.io/{NAME}/"
BRANCH = CONFIG["repository"]["branch"]


def workflow():
    return yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())


def test_workflow_builds_strictly_and_deploys_to_pages_on_pushes_to_main():
    flow = workflow()
    triggers = (
        flow[True] if True in flow else flow["on"]
    )  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == [BRANCH]
    assert (
        flow["permissions"]["pages"] == "write"
        and flow["permissions"]["id-token"] == "write"
    )
    build = flow["jobs"]["build"]["steps"]
    assert any(step.get("run") == "make strict-build" for step in build)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(
        r"^strict-build:.*\n\t.*jupyter-book build \. --all -W --keep-going$",
        makefile,
        re.M,
    )
    upload = [
        s
        for s in build
        if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    ]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    python = [s for s in build if s.get("uses", "").startswith("actions/setup-python@")]
    assert python and python[0]["with"]["python-version"] == "3.11"
    assert (
        "download.pytorch.org/whl/cpu"
        in flow["jobs"]["build"]["env"]["PIP_EXTRA_INDEX_URL"]
    )
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert any(
        s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"]
    )


def test_footer_and_readme_point_to_the_published_site():
    assert PAGES_URL in CONFIG["html"]["extra_footer"]
    assert REPOSITORY in CONFIG["html"]["extra_footer"]
    readme = (ROOT / "README.md").read_text()
    assert f"]({PAGES_URL})" in readme, (
        "the README's badge must link to the published site"
    )


def test_launch_links_name_the_repository():
    """Binder and Colab links in the README and the chapters open this repository's notebooks."""
    binder = f"https://mybinder.org/v2/gh/{OWNER}/{NAME}/{BRANCH}"
    colab = f"https://colab.research.google.com/github/{OWNER}/{NAME}/blob/{BRANCH}/"
    texts = {"README.md": (ROOT / "README.md").read_text()}
    for path in sorted((ROOT / "book").rglob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        texts[str(path.relative_to(ROOT))] = "\n".join(
            "".join(c["source"]) for c in cells
        )
    found = 0
    for where, text in texts.items():
        for link in re.findall(r"https://mybinder\.org/v2/gh/[^\s)\]]+", text):
            assert link.startswith(binder), f"{where}: {link}"
            notebook = re.search(r"urlpath=lab/tree/(\S+)", link)
            if notebook and notebook.group(1).endswith(".ipynb"):
                assert (ROOT / notebook.group(1)).exists(), f"{where}: {link}"
            found += 1
        for link in re.findall(
            r"https://colab\.research\.google\.com/github/[^\s)\]]+", text
        ):
            assert link.startswith(colab), f"{where}: {link}"
            assert (ROOT / link.removeprefix(colab)).exists(), f"{where}: {link}"
            found += 1
    assert found >= 4
    launch = CONFIG["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"


def test_offline_assets_are_pinned():
    """The pages' JavaScript comes from npm packages pinned exactly, with a lock file."""
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert "sphinx-mathjax-offline" in CONFIG["sphinx"]["extra_extensions"]
    assert "offline_assets" in CONFIG["sphinx"]["local_extensions"]
