"""The environment: environment.yml (Binder) pins exactly what requirements.txt pins, both pin
directly every distribution the book's code imports and nothing that no code uses, pyproject.toml
declares what lecture_utils imports, and its torch requirement admits every torch from the lowest
that works (so that installing the book on Colab keeps Colab's torch)."""

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


# ------------------------------------------------------- every pin is used: imported, or run otherwise

#: Pins that no code of the book imports, with what uses them: (why, file, text in that file that
#: shows the use; the test fails when the text is gone, so an entry cannot outlive its reason).
#: Any other pin that nothing imports fails the test: remove it from requirements.txt,
#: environment.yml and constraints.txt.
UNIMPORTED_PINS = {
    "jupyter-book": (
        "the command that builds the HTML book and the PDF",
        "Makefile",
        "jupyter-book build",
    ),
    "jupyterlab": (
        "the editor the README tells authors to run, and Binder's interface",
        "README.md",
        "jupyter lab",
    ),
    "ipykernel": (
        "the Python kernel in which nbclient (make execute) and nbval run the notebooks",
        "scripts/execute_notebooks.py",
        'kernel_name="python3"',
    ),
    "pytest-xdist": (
        "pytest plugin: the unit tests and nbval run on two cores",
        "Makefile",
        "-n 2",
    ),
    "nbval": (
        "pytest plugin: every notebook re-executed and compared with its outputs",
        "Makefile",
        "--nbval",
    ),
    "ruff": (
        "the formatter, run as a command by the style test",
        "tests/test_style.py",
        'with_name("ruff")',
    ),
    "sphinxcontrib-bibtex": (
        "the Sphinx extension of the bibliography, which Jupyter Book loads when "
        "_config.yml names bibliography files",
        "_config.yml",
        "bibtex_bibfiles:",
    ),
}

#: Submodules of one distribution that another distribution provides: importing
#: ``dask.distributed`` (a Dask cluster for lecture_utils.sweeps) uses the package distributed.
IMPORTED_THROUGH = {"dask.distributed": "distributed"}

#: Jupyter Book 1's HTML theme, where _config.yml names no other (sphinx: config: html_theme).
DEFAULT_THEME = "sphinx_book_theme"


def dotted_imports():
    """Every module name (dotted, absolute) that the book's code imports."""
    names = set()
    for _, source in code_sources():
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # reported by test_every_imported_distribution_is_pinned_directly
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sphinx_distributions():
    """{distribution: why} of the Sphinx extensions and themes that _config.yml makes the build
    load: its extra extensions, its HTML theme and the themes that theme is built on."""
    sphinx = yaml.safe_load((ROOT / "_config.yml").read_text()).get("sphinx", {})
    config = sphinx.get("config", {}) or {}
    provided = importlib.metadata.packages_distributions()
    used = {}
    for extension in [
        *(sphinx.get("extra_extensions") or []),
        *(config.get("extensions") or []),
    ]:
        for distribution in provided.get(extension.split(".")[0], []):
            used[normalise(distribution)] = (
                f"Sphinx extension {extension} (_config.yml)"
            )
    themes = {
        entry.name: normalise(entry.dist.name)
        for entry in importlib.metadata.entry_points(group="sphinx.html_themes")
    }
    theme_distributions = set(themes.values())
    theme = config.get("html_theme", DEFAULT_THEME)
    assert theme in themes, f"_config.yml's HTML theme {theme!r} is not installed"
    queue = [themes[theme]]
    while queue:
        distribution = queue.pop()
        if distribution in used:
            continue
        used[distribution] = (
            f"HTML theme {theme} (_config.yml), or a theme it is built on"
        )
        for requirement in importlib.metadata.requires(distribution) or []:
            if ";" not in requirement:  # not an optional extra
                name = requirement_name(requirement)
                if name in theme_distributions:
                    queue.append(name)
    return used


def test_every_pin_is_imported_or_listed_with_its_use():
    pins = [
        requirement_name(line)
        for line in requirement_lines((ROOT / "requirements.txt").read_text())
    ]
    imports = third_party_imports()
    used = {
        normalise(d): f"imported ({module})"
        for module, distributions in distributions_of(imports).items()
        for d in distributions
    }
    dotted = dotted_imports()
    for module, distribution in IMPORTED_THROUGH.items():
        if module in dotted:
            used.setdefault(normalise(distribution), f"imported ({module})")
    for distribution, why in sphinx_distributions().items():
        used.setdefault(distribution, why)
    for distribution, (why, _, _) in UNIMPORTED_PINS.items():
        used.setdefault(normalise(distribution), why)
    unused = [pin for pin in pins if pin not in used]
    assert not unused, (
        "pinned in requirements.txt, but nothing imports them, _config.yml does not load "
        "them and UNIMPORTED_PINS (tests/test_environment.py) gives no other use: "
        + ", ".join(unused)
        + " (remove them from requirements.txt, environment.yml and constraints.txt)"
    )


def test_the_uses_of_the_unimported_pins_still_hold():
    pins = {
        requirement_name(line)
        for line in requirement_lines((ROOT / "requirements.txt").read_text())
    }
    problems = []
    for distribution, (why, where, evidence) in UNIMPORTED_PINS.items():
        if normalise(distribution) not in pins:
            problems.append(f"{distribution} is listed but not pinned")
        elif evidence not in (ROOT / where).read_text():
            problems.append(
                f"{distribution} ({why}): {where} no longer contains {evidence!r}"
            )
    dotted = dotted_imports()
    problems += [
        f"IMPORTED_THROUGH: nothing imports {module} any more"
        for module in IMPORTED_THROUGH
        if module not in dotted
    ]
    assert not problems, "UNIMPORTED_PINS is out of date:\n" + "\n".join(problems)


# ----------------------------------------------------------------- the lowest torch that works

#: The lowest torch that lecture_utils works with. It needs torch.func (vmap, grad,
#: grad_and_value, jvp, jacrev, hessian: all there since torch 2.0) and exchanges arrays with
#: NumPy 2 (pyproject.toml asks for numpy>=2; torch.from_numpy, Tensor.numpy), which torch does
#: from 2.3 on, its first release built against NumPy 2 (2.3.1 for every platform). Colab's
#: torch is newer, so installing the book there keeps it. The environment pins torch 2.13.
MIN_TORCH = "2.3.1"

#: Every torch name that lecture_utils uses, each in the documentation of torch 2.3. A name not
#: listed fails test_lecture_utils_uses_only_torch_that_its_lowest_torch_has: check that torch
#: 2.3 has it (https://pytorch.org/docs/2.3/) and list it, or raise MIN_TORCH and pyproject.toml.
TORCH_API = {
    # private, read only through a guarded import (_validation._is_traced: absent means "not traced")
    "torch._C._functorch",
    "torch.Tensor",
    "torch.as_tensor",
    "torch.cat",
    "torch.exp",
    "torch.float64",
    "torch.from_numpy",
    "torch.func",
    "torch.func.grad",
    "torch.func.grad_and_value",
    "torch.func.hessian",
    "torch.func.jacfwd",
    "torch.func.jacrev",
    "torch.func.jvp",
    "torch.func.vjp",
    "torch.func.vmap",
    "torch.func.functional_call",
    "torch.inference_mode",
    "torch.isfinite",
    "torch.autograd",
    "torch.autograd.grad",
    "torch.autograd.backward",
    "torch.autograd.functional",
    "torch.linalg",
    "torch.linalg.eigh",
    "torch.linalg.svdvals",
    "torch.linalg.matrix_rank",
    "torch.nn",
    "torch.nn.functional",
    "torch.nn.functional.softplus",
    "torch.no_grad",
    "torch.ones_like",
    "torch.relu",
    "torch.sigmoid",
    "torch.split",
    "torch.sqrt",
    "torch.tanh",
    "torch.tensor",
    "torch.where",
    "torch.zeros",
    "torch.zeros_like",
}


def version_tuple(version):
    return tuple(
        int(part) for part in re.match(r"\d+(\.\d+)*", version).group().split(".")
    )


def torch_names(tree):
    """Every ``torch.a.b`` that a parsed module names (attribute chains and from-imports)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain, inner = [], node
            while isinstance(inner, ast.Attribute):
                chain.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id == "torch":
                names.add(".".join(["torch", *reversed(chain)]))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "torch"
        ):
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("torch."))
    return names


def test_pyproject_admits_every_torch_from_the_lowest_that_works():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch = [r for r in project["dependencies"] if requirement_name(r) == "torch"]
    assert torch == [f"torch>={MIN_TORCH}"], (
        f"pyproject.toml must ask for torch>={MIN_TORCH} and no more (found {torch}): a "
        "higher floor makes pip replace the torch that Colab ships"
    )
    numpy = [r for r in project["dependencies"] if requirement_name(r) == "numpy"]
    assert numpy == ["numpy>=2"], (
        "MIN_TORCH assumes NumPy 2 (torch < 2.3 cannot use it)"
    )
    installed = importlib.metadata.version("torch")
    assert version_tuple(installed) >= version_tuple(MIN_TORCH), installed


def test_lecture_utils_uses_only_torch_that_its_lowest_torch_has():
    import torch

    used = {}
    for path in sorted((ROOT / "lecture_utils").glob("*.py")):
        for name in torch_names(ast.parse(path.read_text())):
            used.setdefault(name, path.name)
    unknown = {name: where for name, where in used.items() if name not in TORCH_API}
    assert not unknown, (
        f"lecture_utils uses torch names not checked against torch {MIN_TORCH} (TORCH_API "
        "in tests/test_environment.py): "
        + ", ".join(f"{n} ({w})" for n, w in sorted(unknown.items()))
    )
    assert "torch.func" in {n.rsplit(".", 1)[0] for n in used}, (
        "the scan found no torch.func"
    )
    for name in sorted(TORCH_API):  # every listed name exists (here, in torch 2.13)
        value = torch
        for part in name.split(".")[1:]:
            value = getattr(value, part)
