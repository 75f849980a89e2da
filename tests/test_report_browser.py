"""The demo's HTML report in a real browser: headless Chromium loads it, draws it, prints it.

`.ci/run` installs Chromium from the system's packages; where it is absent the tests are
skipped, except under CI (``CI`` set), where they fail. Each run keeps its screenshots
(a desktop and a phone width) and the PDF in the test's temporary folder, as artefacts.

"No errors" is read off Chromium's own log: every console message (a resource that
failed to load, a content-security-policy refusal, a script error) is logged as a
``CONSOLE`` line, and a control page that does load a missing image proves the check
can fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("jinja2")
matplotlib = pytest.importorskip("matplotlib")

from matplotlib import image  # noqa: E402 - after the skips above

from cshealth._report import Report, describe, to_html  # noqa: E402
from cshealth.datasets import sample  # noqa: E402

#: Chromium run as a test harness: no sandbox (CI runs as root), no GPU, no first-run UI,
#: and none of its background connections (this machine's network refuses them).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)


@pytest.fixture(scope="module")
def chromium() -> str:
    found = next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None,
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Chromium for the browser tests: .ci/run installs it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    """The demo report (the default sample, as ``cshealth demo --html`` builds it)."""
    data = sample()
    report = describe(data.tables(), as_of=data.as_of, title="cshealth demo")
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(to_html(report), encoding="utf-8")
    return report, path


def run(chromium: str, page: Path, *args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    command = [chromium, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def console_messages(log: str) -> list[str]:
    """What the page told the console: each ``CONSOLE`` line of Chromium's log."""
    return [line for line in log.splitlines() if re.search(r":CONSOLE[:(]", line)]


class Dom(HTMLParser):
    """The rendered page's sections, each with the number of SVG pictures in its figures."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.figures: dict[str, int] = {}
        self.titles: list[str] = []
        self._section = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._section = str(dict(attrs)["id"])
            self.figures[self._section] = 0
        elif tag == "svg" and self._section:
            self.figures[self._section] += 1
        self._in_title = tag == "h2"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data)
            self._in_title = False


def test_the_page_loads_with_every_section_and_picture(
    chromium: str, demo: tuple[Report, Path], tmp_path: Path
) -> None:
    report, page = demo
    done = run(chromium, page, "--dump-dom", profile=tmp_path / "profile")
    assert console_messages(done.stderr) == []
    dom = Dom(done.stdout)
    assert dom.titles == [section.title for section in report.sections]
    assert list(dom.figures.values()) == [len(section.pictures) for section in report.sections]
    assert sum(dom.figures.values()) >= 10


@pytest.mark.parametrize(("name", "width"), [("desktop", 1280), ("phone", 390)])
def test_screenshots(
    chromium: str, demo: tuple[Report, Path], tmp_path: Path, name: str, width: int
) -> None:
    _, page = demo
    shot = tmp_path / f"report-{name}.png"
    done = run(
        chromium,
        page,
        f"--window-size={width},2000",
        f"--screenshot={shot}",
        profile=tmp_path / "profile",
    )
    assert console_messages(done.stderr) == []
    pixels = image.imread(shot)
    assert pixels.shape[:2] == (2000, width)
    assert pixels[..., :3].std() > 0.05  # drawn, not a blank page


def test_print_to_pdf(chromium: str, demo: tuple[Report, Path], tmp_path: Path) -> None:
    report, page = demo
    pdf = tmp_path / "report.pdf"
    run(chromium, page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", profile=tmp_path / "p")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= len(report.sections) // 3


def test_the_error_check_can_fail(chromium: str, demo: tuple[Report, Path], tmp_path: Path) -> None:
    """The report's page with one thing added that it must not load: one console error."""
    _, report = demo
    page = tmp_path / "broken.html"
    text = report.read_text(encoding="utf-8")
    page.write_text(
        text.replace("</main>", '<img src="https://example.com/a.png"></main>'), encoding="utf-8"
    )
    done = run(chromium, page, "--dump-dom", profile=tmp_path / "profile")
    (message,) = console_messages(done.stderr)
    assert "example.com" in message
