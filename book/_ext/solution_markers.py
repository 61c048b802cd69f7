"""Hide nbgrader's solution delimiters on the web page.

The problem sets mark the reference code of each exercise with the lines ``### BEGIN SOLUTION`` and
``### END SOLUTION`` (nbgrader's convention, used to produce the student versions). Readers of the
book need not see them: this transform removes those lines from every code block of the HTML.
"""

import re

from docutils import nodes
from sphinx.transforms import SphinxTransform

MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|$)", re.MULTILINE)


class StripSolutionMarkers(SphinxTransform):
    default_priority = 500

    def apply(self, **kwargs):
        for block in list(self.document.findall(nodes.literal_block)):
            text = block.astext()
            if "### BEGIN SOLUTION" not in text and "### END SOLUTION" not in text:
                continue
            cleaned = MARKER.sub("", text).rstrip("\n")
            block.rawsource = cleaned
            block.children = [nodes.Text(cleaned)]


def setup(app):
    app.add_transform(StripSolutionMarkers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
