"""Serve the JavaScript of the book's pages from the book itself, so that they work without internet.

MyST-NB loads RequireJS and the ipywidgets embedder (which renders a notebook's saved widget state)
from public CDNs by default. This extension points those script tags at ``_static/widgets/`` and,
after an HTML build, copies the files there from the npm packages pinned in ``package.json``
(``npm ci`` installs them into ``node_modules``; ``make`` does it). MathJax is served the same way by
the ``sphinx-mathjax-offline`` extension.

Configuration (``_config.yml``, ``sphinx.config``):

``offline_assets_node_modules``
    Folder holding the npm packages, relative to the book's root (default ``node_modules``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

WIDGETS_DIR = "widgets"
#: Files copied into ``_static/widgets``: (npm package, file or folder inside it, files to skip).
PACKAGES = (
    ("requirejs", "require.js", ()),
    (
        "@jupyter-widgets/html-manager",
        "dist",
        ("embed.js", "embed.js.map", "libembed-amd.js"),
    ),
)
#: The script tags MyST-NB adds to a page with widgets, in order, relative to ``_static``. The
#: embedder would look up widget modules it does not bundle on a CDN; the book uses only the bundled
#: ``@jupyter-widgets/base``, ``controls`` and ``output`` modules.
IPYWIDGETS_JS = {
    f"{WIDGETS_DIR}/require.js": {},
    f"{WIDGETS_DIR}/require-config.js": {},
    f"{WIDGETS_DIR}/embed-amd.js": {},
}
#: Run between RequireJS and the embedder. (1) The embedder is an AMD module named
#: ``@jupyter-widgets/html-manager/dist/libembed-amd`` and loads its icon fonts from the folder of that
#: module's URL, and so do the ``base``, ``controls`` and ``output`` modules it defines (their fonts
#: are requested once any element of the page uses their icon classes); RequireJS resolves module
#: names against the page's folder, which differs from page to page, so each name is mapped into
#: ``_static/widgets``, found from this script's own URL. (2) The
#: widgets typeset their mathematics with MathJax 2's ``MathJax.Hub.Queue``; the book loads MathJax 3,
#: so once MathJax has started (deferred scripts run before DOMContentLoaded, widgets render on
#: load), ``Hub.Queue`` is mapped to MathJax 3's ``typesetPromise``.
REQUIRE_CONFIG_JS = """\
(function () {
  var here = document.currentScript.src;
  var folder = here.substring(0, here.lastIndexOf("/"));
  window.require.config({paths: {
    "@jupyter-widgets/html-manager/dist": folder,
    "@jupyter-widgets/html-manager": folder + "/html-manager",
    "@jupyter-widgets/base": folder + "/base",
    "@jupyter-widgets/controls": folder + "/controls",
    "@jupyter-widgets/output": folder + "/output"
  }});
  window.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (mathjax && mathjax.typesetPromise && !mathjax.Hub) {
      mathjax.Hub = {Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) { mathjax.typesetPromise([job[2]]); }
        });
      }};
    }
  });
})();
"""


def _configure(app, config) -> None:
    config.nb_ipywidgets_js = IPYWIDGETS_JS


def _copy_assets(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    modules = Path(app.confdir, app.config.offline_assets_node_modules)
    target = Path(app.outdir, "_static", WIDGETS_DIR)
    target.mkdir(parents=True, exist_ok=True)
    (target / "require-config.js").write_text(REQUIRE_CONFIG_JS)
    for package, inner, skip in PACKAGES:
        source = modules / package / inner
        if not source.exists():
            logger.warning(
                f"offline_assets: {source} is missing, so pages with widgets will not render "
                "them; run `npm ci` in the book's root (make does it)",
                type="offline_assets",
            )
            continue
        files = sorted(source.iterdir()) if source.is_dir() else [source]
        for file in files:
            if file.is_file() and file.name not in skip:
                shutil.copy2(file, target / file.name)


def _drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep only the first of identical inline scripts.

    Some extensions (sphinx-thebe, sphinx-togglebutton) register their inline configuration both
    with the builder and with Sphinx's registry, so it reaches the page twice (once with filename
    ``None``, once with ``""``); a repeated ``const`` declaration is a JavaScript error.
    """
    scripts, seen, kept = context.get("script_files", []), set(), []
    for script in scripts:
        if not getattr(script, "filename", script):
            key = tuple(sorted(script.attributes.items()))
            if key in seen:
                continue
            seen.add(key)
        kept.append(script)
    scripts[:] = kept


def setup(app):
    app.add_config_value("offline_assets_node_modules", "node_modules", "html")
    app.connect("config-inited", _configure, priority=900)
    app.connect("build-finished", _copy_assets)
    app.connect("html-page-context", _drop_repeated_scripts, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
