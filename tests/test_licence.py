"""The licence is stated wherever a reader looks: LICENSE (with the legal code of CC BY 4.0), the
README, the landing page, CITATION.cff and the package metadata, and they agree."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_licence_file_names_both_licences_and_ships_their_texts():
    text = (ROOT / "LICENSE").read_text()
    assert "Creative Commons Attribution 4.0 International (CC BY 4.0)" in text
    assert (
        "MIT License" in text and "Permission is hereby granted, free of charge" in text
    )
    legal = (ROOT / "LICENSE-CC-BY-4.0.txt").read_text()
    assert "Creative Commons Attribution 4.0 International Public License" in legal
    for section in range(1, 9):  # the eight sections of the legal code, in full
        assert f"Section {section} -- " in legal, section


def test_every_place_a_reader_looks_states_the_licence():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["license"] == ["CC-BY-4.0", "MIT"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"  # the package is code
    assert set(project["license-files"]) == {"LICENSE", "LICENSE-CC-BY-4.0.txt"}
    for page in ("README.md", "book/index.md"):
        text = (ROOT / page).read_text()
        assert "CC BY 4.0" in text and "MIT License" in text, page
        assert "https://creativecommons.org/licenses/by/4.0/" in text, page
