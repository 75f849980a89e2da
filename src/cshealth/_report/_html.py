"""The report as one self-contained HTML page (``cshealth report --html``, ``demo --html``).

The page is built from the same sections as the text report, through a Jinja2 template
(``report.html.j2`` beside this module) with autoescaping on: a section's lines become
paragraphs, and its indented lines (tables of periods, cohorts, bands) preformatted
blocks that scroll sideways on a narrow screen. Each `Picture` is drawn by matplotlib
into an inline SVG element. The page loads nothing: no script, no font, no image file,
no stylesheet beside it, so it opens the same from a disk, a mail or a phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from cshealth._absent import NOT_MEASURED
from cshealth._exceptions import MissingDependencyError
from cshealth._plot import INSTALL_HINT, svg
from cshealth._version import __version__

if TYPE_CHECKING:
    from cshealth._report._base import Report, Section

__all__ = ["to_html"]

#: The width and height of every picture, in inches (the page scales it to its width).
SIZE = (6.4, 3.4)


@dataclass(frozen=True)
class _Block:
    """Consecutive lines of a section shown one way: ``'p'`` (a sentence) or ``'pre'``."""

    kind: str
    text: str
    absent: bool


@dataclass(frozen=True)
class _Figure:
    caption: str
    svg: str


@dataclass(frozen=True)
class _Part:
    """A section as the template shows it."""

    anchor: str
    title: str
    blocks: tuple[_Block, ...]
    figures: tuple[_Figure, ...]


def to_html(report: Report) -> str:
    """The report as one self-contained HTML page: inline CSS and SVG, no script.

    Needs the ``plot`` extra (matplotlib and Jinja2): ``pip install 'cshealth[plot]'``.

    Raises:
        MissingDependencyError: When Jinja2 or matplotlib is not installed.
    """
    try:
        import jinja2  # noqa: PLC0415 - the optional extra, only when asked
    except ImportError as error:
        msg = f"the HTML report needs Jinja2 and matplotlib: {INSTALL_HINT}"
        raise MissingDependencyError(msg) from error
    source = resources.files("cshealth._report").joinpath("report.html.j2").read_text("utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(source)
    anchors: set[str] = set()
    parts = [_part(section, anchors) for section in report.sections]
    return template.render(
        title=report.title,
        as_of=report.as_of.isoformat(),
        version=__version__,
        parts=parts,
    )


def _part(section: Section, anchors: set[str]) -> _Part:
    figures = tuple(
        _Figure(picture.caption, svg(picture.draw, size=SIZE)) for picture in section.pictures
    )
    return _Part(_anchor(section.title, anchors), section.title, _blocks(section.lines), figures)


def _blocks(lines: tuple[str, ...]) -> tuple[_Block, ...]:
    r"""Lines as blocks: each unindented line a paragraph, each run of indented ones a table.

    Examples:
        >>> [(b.kind, b.text) for b in _blocks(("Sizes:", "  a  1", "  b  2", "Done"))]
        [('p', 'Sizes:'), ('pre', 'a  1\nb  2'), ('p', 'Done')]
    """
    blocks: list[_Block] = []
    run: list[str] = []
    for line in (*lines, None):
        if line is not None and line.startswith("  "):
            run.append(line[2:])
            continue
        if run:
            blocks.append(_Block("pre", "\n".join(run), False))
            run = []
        if line is not None:
            blocks.append(_Block("p", line, NOT_MEASURED in line))
    return tuple(blocks)


def _anchor(title: str, taken: set[str]) -> str:
    """A fragment id for a section title, unique in the page.

    Examples:
        >>> taken = set()
        >>> _anchor("Does the health score predict churn?", taken), _anchor("NPS", taken)
        ('does-the-health-score-predict-churn', 'nps')
        >>> _anchor("NPS", taken)
        'nps-2'
    """
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
    anchor, number = base, 1
    while anchor in taken:
        number += 1
        anchor = f"{base}-{number}"
    taken.add(anchor)
    return anchor
