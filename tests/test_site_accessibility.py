"""Every page of the built book checked by axe-core (WCAG 2.1 A and AA) in headless Chromium, in
light and in dark mode: no serious or critical violation.

axe-core is the version pinned in ``package.json`` (``npm ci`` installs it into
``node_modules``; ``make`` does it) and is injected into each page by Playwright; nothing is
fetched from the internet. Each page is opened once, in light mode, and checked with every rule of
the four WCAG 2.1 A/AA tags; then it is switched to dark mode (the theme's ``data-theme``
attribute, as its colour-mode button does) and checked again with the rules whose outcome depends
on colours, which are the only ones the mode changes. The search results page is checked too,
with its highlighted search terms.

The typeset mathematics (``mjx-container``: thousands of elements per chapter, drawn with CSS
glyphs whose colour is the text's) is left out of the checks, and so is the syntax-highlighted
code of the code cells except on one page (``CODE_COLOURS_PAGE``): its colours are the same on
every page, and its elements would double the time of the checks. Checking every page in both
modes takes about as long as the other site tests together.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_site import PAGES, LoadedPage, browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The rules of these tags are run: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: The rules whose outcome depends on the colours, run again in dark mode.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
#: Violations of these impacts fail a page.
FAILING_IMPACTS = {"serious", "critical"}
#: A search whose results page highlights the search terms.
SEARCH = "search.html?q=Jacobian"

#: The page whose code cells are checked too: their syntax colours are the same on every page
#: (one Pygments style per colour mode), and the thousands of elements of the highlighted code
#: would double the time of the checks if every page checked them again.
CODE_COLOURS_PAGE = "book/01_parameters_functions_jacobian.html"

AXE_RUN_JS = """async ([tags, rules, exclude]) => {
    const options = {resultTypes: ["violations"],
                     runOnly: rules ? {type: "rule", values: rules} : {type: "tag", values: tags}};
    const result = await axe.run({exclude: exclude.map(selector => [selector])}, options);
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 160),
                                  summary: (n.failureSummary || "").slice(0, 300)}))}));
}"""


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"{AXE.relative_to(ROOT)} is missing: run `npm ci --ignore-scripts` in the book's "
            "root (make does it)"
        )
    return AXE.read_text(encoding="utf-8")


def failing(violations: list[dict]) -> list[str]:
    return [
        f"  {v['id']} ({v['impact']}: {v['help']}), {len(v['nodes'])} elements, e.g.\n"
        + "\n".join(
            f"      {node['target']}: {node['html']!r}\n        {node['summary']}"
            for node in v["nodes"][:3]
        )
        for v in violations
        if v["impact"] in FAILING_IMPACTS
    ]


def set_dark_mode(page) -> None:
    """Switch the page to dark mode, as the theme's colour-mode button does."""
    page.evaluate(
        """() => {
            const still = document.createElement("style");  // no colour transitions to wait for
            still.textContent = "*, *::before, *::after { transition: none !important; }";
            document.head.appendChild(still);
            document.documentElement.dataset.mode = "dark";
            document.documentElement.dataset.theme = "dark";
        }"""
    )
    page.wait_for_timeout(50)
    assert (
        page.evaluate(
            "() => getComputedStyle(document.body).backgroundColor.replace(/ /g, '')"
        )
        != "rgb(255,255,255)"
    ), "the page did not switch to dark mode"


@pytest.mark.parametrize("path", PAGES + [SEARCH])
def test_no_serious_accessibility_violation_in_light_and_dark_mode(
    browser,  # noqa: F811
    server,  # noqa: F811
    path,
):
    loaded = LoadedPage(browser, server, path, color_scheme="light")
    try:
        page = loaded.page
        if path == SEARCH:  # the results, with their excerpts and highlighted terms
            page.locator("#search-results ul.search li p.context").first.wait_for(
                timeout=20000
            )
            page.wait_for_timeout(500)
            assert page.locator("#search-results span.highlighted").count() > 0
        page.add_script_tag(content=axe_source())
        exclude = ["mjx-container"] + (
            [] if path == CODE_COLOURS_PAGE else ["div.highlight"]
        )
        problems = failing(page.evaluate(AXE_RUN_JS, [WCAG_TAGS, None, exclude]))
        set_dark_mode(page)
        dark = failing(page.evaluate(AXE_RUN_JS, [WCAG_TAGS, COLOUR_RULES, exclude]))
    finally:
        loaded.close()
    report = (["light mode:"] + problems if problems else []) + (
        ["dark mode:"] + dark if dark else []
    )
    assert not report, (
        f"{path}: serious or critical accessibility violations (axe-core):\n"
        + "\n".join(report)
    )


def test_axe_core_is_the_pinned_version():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"][
        "axe-core"
    ]
    installed = json.loads((AXE.parent / "package.json").read_text())["version"]
    assert installed == pinned, (
        f"node_modules has axe-core {installed}, package.json pins {pinned}: run `npm ci`"
    )
