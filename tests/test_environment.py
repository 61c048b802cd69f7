"""The environment: environment.yml (Binder) pins exactly what requirements.txt pins, both pin
directly every distribution the book's code imports, and pyproject.toml declares what lecture_utils
imports."""

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import yaml
from notebook_code import code_cells

ROOT = Path(__file__).resolve().parents[1]


def requirement_lines(text):
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_environment_yml_agrees_with_requirements_txt():
    pip_section, inside = [], False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.strip() == "- pip:":
            inside = True
        elif inside and line.strip().startswith("- "):
            pip_section.append(line.strip()[2:])
    pins = [p for p in pip_section if "==" in p]
    assert pins == requirement_lines((ROOT / "requirements.txt").read_text())
    extras = [p for p in pip_section if "==" not in p]
    assert extras == ["--extra-index-url https://download.pytorch.org/whl/cpu", "-e ."]


def test_constraints_pin_every_requirement_to_the_same_version():
    constraints = dict(
        line.split("==")
        for line in requirement_lines((ROOT / "constraints.txt").read_text())
    )
    constraints = {name.lower(): version for name, version in constraints.items()}
    for line in requirement_lines((ROOT / "requirements.txt").read_text()):
        name, version = line.split("==")
        assert constraints[name.lower()] == version, name


# --------------------------------------------------- the environment holds everything the code imports

#: Where the book's code lives: Python files (glob patterns) and notebooks.
PYTHON_FILES = [
    "lecture_utils/*.py",
    "scripts/*.py",
    "benchmarks/*.py",
    "tests/*.py",
    "book/_ext/*.py",
]
#: Folders whose modules are imported by name by the code beside them (not installed packages).
LOCAL_MODULE_DIRS = ["tests", "book/_ext", "scripts", "benchmarks"]


def normalise(name):
    """A distribution name as pip compares it: case-insensitive, with -, _ and . alike."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement):
    return normalise(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1))


def code_sources():
    """(where, Python source) of every file and notebook cell of the book's code."""
    for pattern in PYTHON_FILES:
        for path in sorted(ROOT.glob(pattern)):
            yield str(path.relative_to(ROOT)), path.read_text()
    yield from code_cells()


def imported_modules(tree):
    """(top-level module name, inside a function?) of every absolute import of a parsed module."""
    found = []

    def visit(node, in_function):
        if isinstance(node, ast.Import):
            found.extend(
                (alias.name.split(".")[0], in_function) for alias in node.names
            )
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], in_function))
        inner = in_function or isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        )
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return found


@functools.cache
def local_modules():
    names = {"lecture_utils", "__future__", "__main__"}
    for folder in LOCAL_MODULE_DIRS:
        for path in (ROOT / folder).glob("*"):
            if path.suffix == ".py" or (
                path.is_dir() and (path / "__init__.py").exists()
            ):
                names.add(path.stem)
    return names


def third_party(module):
    return module not in sys.stdlib_module_names and module not in local_modules()


def third_party_imports():
    """{module: [where it is imported]} of every third-party module the book's code imports."""
    imports, unparsable = {}, []
    for where, source in code_sources():
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            unparsable.append(f"{where}: line {error.lineno}: {error.msg}")
            continue
        for module, _ in imported_modules(tree):
            if third_party(module):
                imports.setdefault(module, []).append(where)
    assert not unparsable, (
        "code that does not parse as Python (magics removed):\n" + "\n".join(unparsable)
    )
    return imports


def distributions_of(imports):
    """{module: [distributions providing it]}; asserts that every module is installed."""
    provided = importlib.metadata.packages_distributions()
    unmapped = {
        module: where for module, where in imports.items() if module not in provided
    }
    assert not unmapped, (
        "modules the code imports that no installed distribution provides (run under "
        "the book's .venv):\n"
        + "\n".join(
            f"{m}: imported in {', '.join(list(dict.fromkeys(w))[:3])}"
            for m, w in sorted(unmapped.items())
        )
    )
    return {module: sorted(set(provided[module])) for module in imports}


def environment_yml():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def pip_section(environment):
    sections = [
        d["pip"]
        for d in environment["dependencies"]
        if isinstance(d, dict) and "pip" in d
    ]
    assert len(sections) == 1, (
        f"environment.yml: expected one pip section, found {len(sections)}"
    )
    return sections[0]


def test_every_imported_distribution_is_pinned_directly():
    requirements = {
        requirement_name(line)
        for line in requirement_lines((ROOT / "requirements.txt").read_text())
    }
    environment = {
        requirement_name(entry)
        for entry in pip_section(environment_yml())
        if not entry.startswith("-")
    }
    imports = third_party_imports()
    assert {"numpy", "torch", "pytest"} <= set(imports), (
        f"the import scan found only {sorted(imports)}"
    )
    missing = []
    for module, distributions in sorted(distributions_of(imports).items()):
        for listing, names in (
            ("requirements.txt", requirements),
            ("environment.yml (pip)", environment),
        ):
            if not any(normalise(d) in names for d in distributions):
                missing.append(
                    f"{listing}: {' or '.join(distributions)} (module {module!r}, imported in "
                    f"{', '.join(list(dict.fromkeys(imports[module]))[:3])})"
                )
    assert not missing, (
        "distributions the code imports that are not pinned directly (add them with "
        "the version of constraints.txt):\n" + "\n".join(missing)
    )


def test_lecture_utils_declares_what_it_imports():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {requirement_name(r) for r in project.get("dependencies", [])}
    optional = {
        requirement_name(r)
        for group in project.get("optional-dependencies", {}).values()
        for r in group
    }
    provided = importlib.metadata.packages_distributions()
    problems = []
    for path in sorted((ROOT / "lecture_utils").glob("*.py")):
        for module, lazy in imported_modules(ast.parse(path.read_text())):
            if not third_party(module):
                continue
            distributions = [normalise(d) for d in provided.get(module, [module])]
            if lazy and not any(d in required | optional for d in distributions):
                problems.append(
                    f"{path.relative_to(ROOT)}: {module!r} (imported inside a function) is in "
                    "neither [project] dependencies nor [project.optional-dependencies]"
                )
            elif not lazy and not any(d in required for d in distributions):
                problems.append(
                    f"{path.relative_to(ROOT)}: {module!r} (imported at module level) is not "
                    "in [project] dependencies"
                )
    assert not problems, (
        "pyproject.toml does not declare what lecture_utils imports:\n"
        + "\n".join(sorted(set(problems)))
    )


def test_environment_yml_takes_only_python_and_pip_from_conda():
    conda = [
        d
        for d in environment_yml()["dependencies"]
        if not (isinstance(d, dict) and "pip" in d)
    ]
    assert conda == ["python=3.11", "pip"], (
        f"environment.yml: the conda dependencies are {conda}; they "
        "must be just python=3.11 and pip, everything else pinned in "
        "the pip section"
    )
