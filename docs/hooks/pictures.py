"""Draw the pictures of the docs while the site is built, from the pages' own examples.

A page marks a picture with an HTML comment after an example, naming the ``Axes`` the
example drew on: ``<!-- picture: ax -->``. When the site is built, this hook runs the
page's ``>>>`` examples in order, in one namespace (as the doctests do), and replaces each
marker with that ``Axes``' figure as inline SVG, taken at that point of the page. The
pictures therefore always show what the code above them draws, and the code itself is
tested by the doctests of the page. Pages without a marker are left alone.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

MARKER = re.compile(r"^<!-- picture: (?P<name>[A-Za-z_][A-Za-z0-9_]*) -->$", re.MULTILINE)


def draw_pictures(markdown: str, source: str = "page") -> str:
    """The page with each picture marker replaced by the SVG of the ``Axes`` it names.

    Raises:
        RuntimeError: When an example before a marker fails, or the marker names
            something that is not a matplotlib ``Axes``.
    """
    if not MARKER.search(markdown):
        return markdown
    import matplotlib  # noqa: PLC0415 - only for pages with pictures

    matplotlib.use("Agg")
    from matplotlib.axes import Axes  # noqa: PLC0415

    namespace: dict[str, object] = {}
    parts: list[str] = []
    done = 0
    for marker in MARKER.finditer(markdown):
        chunk = markdown[done : marker.start()]
        _run(chunk, namespace, source)
        ax = namespace.get(marker["name"])
        if not isinstance(ax, Axes):
            msg = f"{source}: the picture marker names {marker['name']!r}, not an Axes"
            raise RuntimeError(msg)
        parts += [chunk, _figure(ax)]
        done = marker.end()
    parts.append(markdown[done:])
    return "".join(parts)


def _run(chunk: str, namespace: dict[str, object], source: str) -> None:
    for example in doctest.DocTestParser().get_examples(chunk):
        _run_one(example.source, namespace, source)


def _run_one(code: str, namespace: dict[str, object], source: str) -> None:
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the values the page shows
            exec(compile(code, source, "single"), namespace)
    except Exception as error:
        msg = f"{source}: an example failed while drawing the pictures: {code}"
        raise RuntimeError(msg) from error


def _figure(ax: object) -> str:
    import matplotlib  # noqa: PLC0415

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cshealth-docs"}):
        ax.figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")  # type: ignore[attr-defined]
    text = buffer.getvalue()
    # no blank line inside: Markdown would end the raw HTML block there
    svg = "\n".join(line for line in text[text.index("<svg") :].splitlines() if line.strip())
    return f'<figure class="cshealth-picture" markdown="0">\n{svg}\n</figure>'


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Draw the page's pictures (the hook mkdocs calls for every page)."""
    return draw_pictures(markdown, page.file.src_uri)
