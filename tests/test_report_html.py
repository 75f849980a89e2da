"""The HTML report: one self-contained page built from the text report's sections.

The page is parsed back with the standard library's HTML parser: every section in order
with its lines, indented lines as preformatted blocks, text escaped, one inline SVG per
picture, nothing loaded from anywhere (no script, no link, no source), and the same bytes
on every build.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("matplotlib")

from cshealth import MissingDependencyError
from cshealth._report import Picture, Report, Section, describe, to_html
from cshealth.cli import main
from cshealth.datasets import sample
from cshealth.retention import kaplan_meier

HINT = "pip install 'cshealth[plot]'"


class Page(HTMLParser):
    """What a page holds: its elements' tags and attributes, and the text of each section."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sections: dict[str, list[str]] = {}
        self.figures: dict[str, int] = {}
        self._section: str | None = None
        self._svg_depth = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "section":
            self._section = str(dict(attrs)["id"])
            self.sections[self._section] = []
            self.figures[self._section] = 0
        if tag == "svg" and self._section is not None:
            self.figures[self._section] += 1

    def handle_data(self, data: str) -> None:
        if self._section is not None and data.strip() and not self._in_svg():
            self.sections[self._section].append(data)

    def _in_svg(self) -> bool:
        open_svgs = [t for t, _ in self.tags if t == "svg"]
        return bool(open_svgs) and self.tags[-1][0] not in {"p", "pre", "h2", "figcaption"}


def tiny_report() -> Report:
    pictures = (Picture("A line <up>", kaplan_meier([3, 5, 8], [1, 0, 1])),)
    return Report(
        title="Report & <friends>",
        as_of=date(2026, 1, 1),
        sections=(
            Section("First one", ("A <b>bold</b> claim", "Table:", "  a  1", "  b  2")),
            Section("Second", ("NPS: not measured: no `score` column",), pictures=pictures),
        ),
    )


def test_sections_blocks_and_escaping() -> None:
    page = to_html(tiny_report())
    parsed = Page(page)
    assert list(parsed.sections) == ["first-one", "second"]
    assert "<b>bold</b>" not in page
    assert "A &lt;b&gt;bold&lt;/b&gt; claim" in page
    assert "<title>Report &amp; &lt;friends&gt;</title>" in page
    assert "<pre>a  1\nb  2</pre>" in page
    assert '<p class="absent">NPS: not measured: no `score` column</p>' in page
    assert parsed.figures == {"first-one": 0, "second": 1}
    assert "<figcaption>A line &lt;up&gt;</figcaption>" in page
    links = [t for t, a in parsed.tags if t == "a"]
    assert len(links) == 2  # the table of contents


def test_the_page_loads_nothing() -> None:
    page = sample_page()
    tags = Page(page).tags
    assert not [t for t, _ in tags if t in {"script", "link", "img", "iframe", "object"}]
    sources = [a for _, attrs in tags for n, a in attrs.items() if n in {"src", "href"}]
    assert all(str(s).startswith("#") for s in sources), sources
    assert "default-src 'none'" in page  # the browser refuses anything that slips in


def sample_page() -> str:
    tables = sample(seed=2, n_accounts=120).tables()
    return to_html(describe(tables, as_of=date(2026, 1, 1)))


def test_every_section_of_the_text_report_and_every_picture_is_on_the_page() -> None:
    tables = sample(seed=2, n_accounts=120).tables()
    report = describe(tables, as_of=date(2026, 1, 1))
    parsed = Page(to_html(report))
    assert len(parsed.sections) == len(report.sections)
    for anchor, section in zip(parsed.sections, report.sections):
        text = " ".join(parsed.sections[anchor])
        assert section.title in text
        for line in section.lines:
            assert line.strip().split()[0] in text
        assert parsed.figures[anchor] == len(section.pictures)
    assert sum(parsed.figures.values()) >= 2


def test_the_same_report_gives_the_same_bytes() -> None:
    assert to_html(tiny_report()) == to_html(tiny_report())


def test_without_jinja2_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(MissingDependencyError, match=re.escape(HINT)):
        to_html(tiny_report())


def test_cli_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.html"
    assert main(["demo", "--accounts", "60", "--html", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {path}: ")
    assert "pictures" in out
    assert "Tables" not in out  # the page instead of the text
    assert Page(path.read_text(encoding="utf-8")).sections


def test_cli_json_and_html_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.html"
    assert main(["demo", "--accounts", "40", "--json", "--html", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.lstrip().startswith("{")
    assert path.exists()


def test_cli_report_folder_to_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, path = tmp_path / "data", tmp_path / "page.html"
    assert main(["demo", "--accounts", "40", "--write", str(folder)]) == 0
    capsys.readouterr()
    assert main(["report", str(folder), "--as-of", "2026-01-01", "--html", str(path)]) == 0
    assert "cshealth report: " in path.read_text(encoding="utf-8")


def test_cli_unwritable_path_or_missing_extra_is_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no such folder" / "report.html"
    assert main(["demo", "--accounts", "30", "--html", str(missing)]) == 1
    assert f"cannot write {missing}" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "jinja2", None)
    path = tmp_path / "report.html"
    assert main(["demo", "--accounts", "30", "--html", str(path)]) == 1
    assert HINT in capsys.readouterr().err
    assert not path.exists()
