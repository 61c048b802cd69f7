"""A static check of the links of the built HTML book, which has to work offline.

Every internal link, image, stylesheet and script of every page must point at a file of the site,
and a link to ``page.html#anchor`` at an element of that page with that id. External links are not
followed (the tests run without internet), but no page may load a script or a stylesheet from the
internet: the book must work offline.
"""

import posixpath
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.site

#: Folders of assets: their files are link targets, but not pages whose links are checked.
ASSET_DIRS = {"_static", "_sources", "_images"}
#: The (tag, attribute) pairs that point at another file.
LINK_ATTRIBUTES = {("a", "href"), ("img", "src"), ("link", "href"), ("script", "src")}
NOT_FILES = ("mailto:", "javascript:", "data:", "tel:")


class PageParser(HTMLParser):
    """Collects a page's links (tag, attribute, value, line) and the anchors it defines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.anchors = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.anchors.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.anchors.add(attrs["name"])
        for attribute in ("href", "src"):
            if (tag, attribute) in LINK_ATTRIBUTES and attrs.get(attribute) is not None:
                rel = set((attrs.get("rel") or "").lower().split())
                self.links.append(
                    (tag, attribute, attrs[attribute].strip(), rel, self.getpos()[0])
                )

    handle_startendtag = handle_starttag


@lru_cache(maxsize=None)
def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser


def pages(site: Path):
    return sorted(
        p
        for p in site.rglob("*.html")
        if not ASSET_DIRS & set(p.relative_to(site).parts[:-1])
    )


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc) or url.lower().startswith(NOT_FILES)


def resolve(site: Path, page: Path, url: str) -> tuple[Path | None, str]:
    """The file a relative ``url`` of ``page`` points at (None when it leaves the site), and its fragment."""
    parts = urlsplit(url)
    if not parts.path:
        return page, unquote(parts.fragment)
    base = posixpath.dirname(page.relative_to(site).as_posix())
    if parts.path.startswith(
        "/"
    ):  # site-absolute: the site may be served from any folder
        return None, unquote(parts.fragment)
    relative = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
    if relative == ".." or relative.startswith("../"):
        return None, unquote(parts.fragment)
    target = site / relative
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def test_the_site_was_built(site_dir):
    assert (site_dir / "index.html").is_file(), (
        f"{site_dir}/index.html is missing: is this a built book?"
    )
    assert len(pages(site_dir)) > 10, (
        f"{site_dir} holds only {len(pages(site_dir))} pages"
    )


def test_every_internal_link_image_stylesheet_and_script_resolves(site_dir):
    site = Path(site_dir).resolve()
    broken, checked = [], 0
    for page in pages(site):
        name = page.relative_to(site).as_posix()
        for tag, attribute, url, _, line in parse(page).links:
            if not url or is_external(url):
                continue
            checked += 1
            target, fragment = resolve(site, page, url)
            where = f"{name}:{line} <{tag} {attribute}={url!r}>"
            if target is None:
                broken.append(
                    f"{where}: points outside the site (must be relative, inside _build/html)"
                )
            elif not target.is_file():
                broken.append(
                    f"{where}: {target.relative_to(site).as_posix()} does not exist"
                )
            elif (
                fragment
                and target.suffix == ".html"
                and fragment not in parse(target).anchors
            ):
                broken.append(
                    f"{where}: {target.relative_to(site).as_posix()} has no element "
                    f"with id {fragment!r}"
                )
    assert checked > 100, (
        f"only {checked} internal links found in {site}: is the parser broken?"
    )
    assert not broken, f"{len(broken)} broken internal links in {site}:\n" + "\n".join(
        broken
    )


def test_no_page_loads_a_script_or_stylesheet_from_the_internet(site_dir):
    site = Path(site_dir).resolve()
    online = []
    for page in pages(site):
        for tag, attribute, url, rel, line in parse(page).links:
            remote = url.startswith("//") or urlsplit(url).scheme in ("http", "https")
            if remote and (
                tag == "script"
                or (tag == "link" and rel & {"stylesheet", "preload", "modulepreload"})
            ):
                online.append(
                    f"{page.relative_to(site).as_posix()}:{line} <{tag} {attribute}={url!r}>"
                )
    assert not online, (
        "pages load scripts or stylesheets from the internet, so they do not work "
        "offline:\n" + "\n".join(online)
    )


#: The most every page may load in scripts and stylesheets besides MathJax (on pages with
#: mathematics), the widget embedder (on pages with saved widgets) and the search index (on the
#: search page): the theme's stylesheet,
#: Bootstrap, the theme's scripts and the book's own. (With the theme's 1.5 MB icon script and
#: the search index on every page, it was 2.5 MB.)
SHARED_ASSETS_BUDGET = 1_000_000
#: Scripts a page loads only when it needs them (the search index: on the search page).
PAGE_SPECIFIC = ("_static/mathjax/", "_static/widgets/", "searchindex.js")


def test_pages_load_little_besides_their_own_content(site_dir):
    site = Path(site_dir).resolve()
    heavy = []
    for page in pages(site):
        total, files = 0, []
        for tag, _, url, rel, _ in parse(page).links:
            if is_external(url) or not (
                tag == "script" or (tag == "link" and rel & {"stylesheet", "preload"})
            ):
                continue
            target, _ = resolve(site, page, urlsplit(url).path)
            if target is None or not target.is_file():
                continue
            name = target.relative_to(site).as_posix()
            if name.startswith(PAGE_SPECIFIC):
                continue
            total += target.stat().st_size
            files.append((target.stat().st_size, name))
        if total > SHARED_ASSETS_BUDGET:
            largest = ", ".join(
                f"{name} {size / 1e6:.2f} MB" for size, name in sorted(files)[-3:]
            )
            heavy.append(
                f"{page.relative_to(site).as_posix()}: {total / 1e6:.2f} MB ({largest})"
            )
    assert not heavy, (
        f"pages that load more than {SHARED_ASSETS_BUDGET / 1e6:.1f} MB of scripts and "
        "stylesheets besides MathJax and the widgets:\n" + "\n".join(heavy)
    )


IMG_TAG = re.compile(r"<img\b[^>]*>")


def test_figures_keep_their_shape_and_load_lazily(site_dir):
    """No figure has a fixed height (which stretches it where the page is narrower than its
    width), and every figure of a page but the first waits until the reader scrolls near it."""
    site = Path(site_dir).resolve()
    problems, lazy = [], 0
    for page in pages(site):
        figures = [
            tag
            for tag in IMG_TAG.findall(page.read_text(encoding="utf-8"))
            if "_images/" in tag
        ]
        name = page.relative_to(site).as_posix()
        for index, tag in enumerate(figures):
            if re.search(r"style=\"[^\"]*\bheight:", tag):
                problems.append(f"{name}: a figure with a fixed height: {tag[-120:]}")
            if index > 0 and 'loading="lazy"' not in tag:
                problems.append(
                    f"{name}: figure {index + 1} is not lazy-loaded: {tag[-120:]}"
                )
            lazy += 'loading="lazy"' in tag
    assert lazy > 20, f"only {lazy} lazy-loaded figures in the whole site"
    assert not problems, "\n".join(problems[:20])
