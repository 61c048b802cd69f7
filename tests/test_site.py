"""The built HTML book in a real browser: headless Chromium, driven by Playwright, on localhost.

Every page of the table of contents must load offline (no request leaves localhost, none fails, no
console error), with its mathematics typeset by MathJax (no raw TeX left, no TeX errors), every
image loaded and described, its theorem blocks numbered after its chapter, and its links resolving.
The search page must find Chapter 1, the bibliography must list every cited work, and the
explorer of Chapter 12 must respond to its slider from the saved widget state, with no kernel.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``; `.ci/run` installs it when it is
missing); nothing downloads a browser. Screenshots of the landing page and of Chapter 12 are
written to ``_build/screenshots`` for review.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import yaml

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("BOOK_CHROMIUM", "/usr/bin/chromium")
# Flags for a sandboxed, offline, headless Chromium (the ones Debian's package needs as root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NUMBERED_BLOCKS = (
    "theorem",
    "lemma",
    "proposition",
    "corollary",
    "definition",
    "example",
)
SEARCH_TERM = "Jacobian"  # from the title of Chapter 1


def toc_documents() -> list[str]:
    """The documents of the table of contents, in reading order, without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [
        chapter["file"] for part in toc["parts"] for chapter in part["chapters"]
    ]


def source_of(document: str) -> str:
    """The Markdown text of a document of the book (all markdown cells of a notebook)."""
    notebook = ROOT / f"{document}.ipynb"
    if notebook.exists():
        cells = json.loads(notebook.read_text())["cells"]
        return "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
        )
    return (ROOT / f"{document}.md").read_text()


PAGES = [f"{document}.html" for document in toc_documents()] + [
    "search.html",
    "genindex.html",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site_dir):
    """The built site served on an ephemeral localhost port."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's package `chromium` "
            "(`apt-get install chromium`; .ci/run does it) or set BOOK_CHROMIUM"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class LoadedPage:
    """A page opened in a fresh browser context, with every problem it had while loading."""

    def __init__(self, browser, server: str, path: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.server = server

        def route(request_route):
            url = request_route.request.url
            if url.startswith(server) or url.startswith("data:"):
                request_route.continue_()
            else:
                self.problems.append(f"request leaving localhost: {url}")
                request_route.abort()

        self.page.route("**/*", route)
        self.page.on(
            "console",
            lambda m: (
                m.type == "error" and self.problems.append(f"console error: {m.text}")
            ),
        )
        self.page.on(
            "pageerror", lambda e: self.problems.append(f"uncaught exception: {e}")
        )
        self.page.on(
            "requestfailed",
            lambda r: self.problems.append(f"failed request: {r.url} ({r.failure})"),
        )
        self.page.on(
            "response",
            lambda r: (
                r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}")
            ),
        )
        self.page.goto(server + path, wait_until="load")
        # MathJax typesets after loading; its startup promise resolves when the page is done.
        self.page.evaluate(
            "() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null"
        )
        self.page.wait_for_load_state("networkidle")

    def close(self):
        self.context.close()


@pytest.fixture
def open_page(browser, server):
    pages = []

    def opener(path: str) -> LoadedPage:
        pages.append(LoadedPage(browser, server, path))
        return pages[-1]

    yield opener
    for page in pages:
        page.close()


VISIBLE_TEXT_JS = """() => {
    const clone = document.querySelector("main").cloneNode(true);
    clone.querySelectorAll("pre, code, script, style, mjx-container, .MathJax").forEach(e => e.remove());
    return clone.innerText;
}"""

IMAGES_JS = """async () => {
    const images = Array.from(document.images);
    images.forEach(img => { img.loading = "eager"; });
    await Promise.all(images.map(img => img.decode().catch(() => null)));
    return images.map(img => ({src: img.currentSrc.slice(0, 120), alt: img.getAttribute("alt"),
                               width: img.naturalWidth, height: img.naturalHeight}));
}"""


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_with_mathematics_images_and_numbered_blocks(
    open_page, path
):
    loaded = open_page(path)
    page = loaded.page
    assert not loaded.problems, f"{path}:\n" + "\n".join(loaded.problems)

    # MathJax ran: no TeX left in the visible text, every math element typeset, no TeX errors.
    text = page.evaluate(VISIBLE_TEXT_JS)
    for raw in ("$$", "\\begin", "\\(", "\\["):
        assert raw not in text, (
            f"{path}: raw TeX {raw!r} visible near: {text[max(0, text.find(raw) - 80) :][:200]!r}"
        )
    math, typeset = (
        page.locator("main .math").count(),
        page.locator("main mjx-container").count(),
    )
    assert typeset >= math, (
        f"{path}: {math} math elements but only {typeset} typeset by MathJax"
    )
    errors = page.locator("mjx-merror").all_inner_texts()
    assert not errors, f"{path}: MathJax could not typeset: {errors[:5]}"

    # Every image loaded, with non-zero size, and has alt text.
    for image in page.evaluate(IMAGES_JS):
        assert image["width"] > 0 and image["height"] > 0, (
            f"{path}: image did not load: {image['src']}"
        )
        assert image["alt"] and image["alt"].strip(), (
            f"{path}: image without alt text: {image['src']}"
        )

    # Every notebook page launches its own notebook on Binder (JupyterLab) and Colab.
    document = path.removesuffix(".html")
    if (ROOT / f"{document}.ipynb").exists():
        repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
        owner_name, branch = (
            urlparse(repository["url"]).path.strip("/"),
            repository["branch"],
        )
        for prefix in (
            f"https://mybinder.org/v2/gh/{owner_name}/{branch}?urlpath=lab/tree/{document}.ipynb",
            f"https://colab.research.google.com/github/{owner_name}/blob/{branch}/{document}.ipynb",
        ):
            assert page.locator(f"a[href='{prefix}']").count() >= 1, (
                f"{path}: no launch link {prefix}"
            )

    # Numbered blocks: as many as the source has, numbered after their chapter.
    if (ROOT / f"{document}.ipynb").exists() or (ROOT / f"{document}.md").exists():
        source = source_of(document)
        chapter = re.match(r"book/(\d\d)_", path)
        for kind in NUMBERED_BLOCKS:
            expected = len(re.findall(r"[`:]{3,}\{prf:" + kind + r"\}", source))
            titles = page.locator(
                f"main div.proof.{kind} > .admonition-title .caption-number"
            ).all_inner_texts()
            assert len(titles) == expected, (
                f"{path}: {expected} {kind} blocks in the source, {len(titles)} on the page"
            )
            for title in titles:
                assert re.fullmatch(
                    kind.capitalize() + r" \d+(\.\d+)*", title.strip()
                ), f"{path}: {title!r}"
                if chapter and 1 <= int(chapter.group(1)) <= 14:
                    assert title.split()[1].startswith(f"{int(chapter.group(1))}."), (
                        f"{path}: {title!r}"
                    )


def test_every_internal_link_resolves(browser, server, open_page):
    """Every link on every page (without its #fragment) answers 200 from the site."""
    targets: dict[str, str] = {}
    for path in PAGES:
        loaded = open_page(path)
        for href in loaded.page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.href)"
        ):
            url = urldefrag(href).url
            if url.startswith(server):
                targets.setdefault(url, path)
        loaded.close()
    assert len(targets) > len(PAGES)
    request = browser.new_context().request
    broken = [
        f"{page} -> {url}"
        for url, page in sorted(targets.items())
        if request.get(url).status != 200
    ]
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_search_finds_chapter_one(open_page):
    loaded = open_page(f"search.html?q={SEARCH_TERM}")
    results = loaded.page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15000)
    hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any("01_parameters_functions_jacobian" in href for href in hrefs), hrefs
    assert not loaded.problems, loaded.problems


def test_bibliography_lists_every_cited_work(open_page):
    cited = set()
    for document in toc_documents():
        for keys in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", source_of(document)):
            cited |= {key.strip() for key in keys.split(",")}
    loaded = open_page("book/99_bibliography.html")
    entries = loaded.page.locator("main div.citation[role='doc-biblioentry']")
    assert len(cited) >= 10 and entries.count() >= len(cited), (
        len(cited),
        entries.count(),
    )
    # A citation in Chapter 3 links to its entry on the bibliography page.
    chapter = open_page("book/03_manifold_of_global_minima.html").page
    links = chapter.locator("main a[href*='99_bibliography.html#']")
    assert links.count() > 0
    target = urlparse(links.first.get_attribute("href")).fragment
    assert loaded.page.locator(f"[id='{target}']").count() == 1


def test_chapter_12_explorer_moves_without_a_kernel(open_page):
    loaded = open_page("book/12_function_space_1d.html")
    page = loaded.page
    explorer = (
        page.locator(".widget-vbox").filter(has=page.locator(".widget-slider")).first
    )
    explorer.wait_for(state="visible", timeout=15000)
    readout = explorer.locator(".widget-readout")
    table = explorer.locator(".widget-html:visible table")
    assert readout.inner_text().strip() == "+0.00"
    assert "100" in table.inner_text()  # unit 2 is active on the first point only
    handle = explorer.locator(".noUi-handle")
    handle.focus()
    for _ in range(4):  # steps of 0.06
        handle.press("ArrowRight")
    assert readout.inner_text().strip() == "+0.24"
    assert "110" in table.inner_text()  # its kink has crossed the middle point
    assert (
        explorer.locator("img:visible")
        .get_attribute("alt")
        .startswith("With b2 = +0.24")
    )
    # The full explorer needs a kernel: a static figure stands in, with launch buttons next to it.
    assert page.locator("#fig-explorer-states img").count() == 1
    assert page.locator("main a[href^='https://mybinder.org/v2/gh/']").count() >= 1
    assert (
        page.locator(
            "main a[href^='https://colab.research.google.com/github/']"
        ).count()
        >= 1
    )
    assert not loaded.problems, loaded.problems


def test_screenshots_for_review(browser, server, open_page):
    folder = ROOT / "_build" / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    landing = browser.new_page(viewport={"width": 1280, "height": 900})
    landing.goto(server + "index.html")  # redirects to the Preface
    landing.wait_for_url("**/book/00_preface.html")
    landing.evaluate("() => MathJax.startup.promise")
    landing.screenshot(path=folder / "landing.png")
    landing.close()
    chapter = open_page("book/12_function_space_1d.html").page
    chapter.locator(".widget-slider").first.scroll_into_view_if_needed()
    chapter.screenshot(path=folder / "chapter-12-explorer.png")
    for name in ("landing.png", "chapter-12-explorer.png"):
        assert (folder / name).stat().st_size > 10_000


def test_pages_work_opened_from_disk(browser, site_dir):
    """Opened as files (no server), a chapter still typesets its mathematics and runs its explorer."""
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(
        (Path(site_dir).resolve() / "book" / "12_function_space_1d.html").as_uri(),
        wait_until="load",
    )
    page.evaluate("() => MathJax.startup.promise")
    page.locator(".widget-slider").first.wait_for(state="visible", timeout=15000)
    assert (
        page.locator("main mjx-container").count()
        >= page.locator("main .math").count()
        > 0
    )
    assert page.locator("mjx-merror").count() == 0
    assert not problems, problems
    page.close()
