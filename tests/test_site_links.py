"""A static check of the links of the built HTML book, which has to work offline.

Every internal link, image, stylesheet and script of every page must point at a file of the site,
and a link to ``page.html#anchor`` at an element of that page with that id. External links are not
followed (the tests run without internet), but no page may load a script or a stylesheet from the
internet: the book must work offline.
"""

import posixpath
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
