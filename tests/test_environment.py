"""The Binder environment (environment.yml) pins exactly what requirements.txt pins."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def requirement_lines(text):
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


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
    constraints = dict(line.split("==") for line in requirement_lines((ROOT / "constraints.txt").read_text()))
    constraints = {name.lower(): version for name, version in constraints.items()}
    for line in requirement_lines((ROOT / "requirements.txt").read_text()):
        name, version = line.split("==")
        assert constraints[name.lower()] == version, name
