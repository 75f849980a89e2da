"""``cshealth demo --html``: the report of the default sample as a web page, under 15 s.

Run from ``benchmarks/``: ``python bench_report.py [--rows 20000] [--repeat 3]`` (the CI
runs every benchmark with ``--rows 20000 --repeat 1``). ``--rows / 10`` is the number of
sample accounts: 2,000 by default, the default sample of ``cshealth demo``. Everything runs
on one core (the script starts itself again with the BLAS thread pools pinned to 1).

Timed:

* the whole command, ``cshealth demo --html FILE``, in a fresh process (imports
  included), beside the text report, ``cshealth demo``, the reference: what the pictures
  and the page add (the target: the page in under 15 s on the default sample);
* in this process, its three parts: building the sample, computing the report's sections
  (``describe``) and drawing the page (``to_html``: every picture as SVG, the template).

Before anything is timed, the page is checked against the text report: every section's
title in the same order, one SVG picture per `Picture` of each section, and the same bytes
from two builds.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import best_of, one_core
from cshealth._report import Report, describe, to_html
from cshealth.datasets import sample


def agree(report: Report) -> str:
    """The page holds the text report's sections, in order, each with its pictures."""
    page = to_html(report)
    titles = re.findall(r"<h2>(.*?)</h2>", page)
    expected = [section.title.replace("&", "&amp;") for section in report.sections]
    assert titles == expected, (titles, expected)
    parts = page.split("<section ")[1:]
    drawn = [part.count("<svg") for part in parts]
    assert drawn == [len(section.pictures) for section in report.sections], drawn
    assert to_html(report) == page, "two builds of the page differ"
    return f"{len(titles)} sections, {sum(drawn)} pictures, the same bytes twice"


def command(*args: str) -> float:
    """Wall time of ``python -m cshealth ARGS`` in a fresh process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cshealth", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    one_core()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    accounts = max(args.rows // 10, 50)
    data = sample(n_accounts=accounts)
    tables = data.tables()
    report = describe(tables, as_of=data.as_of)
    checked = agree(report)

    building = best_of(args.repeat, lambda: sample(n_accounts=accounts))
    sections = best_of(args.repeat, lambda: describe(tables, as_of=data.as_of))
    drawing = best_of(args.repeat, lambda: to_html(report))
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        size = ["--accounts", str(accounts)]
        html = min(command("demo", *size, "--html", str(page)) for _ in range(args.repeat))
        text = min(command("demo", *size) for _ in range(args.repeat))
        megabytes = page.stat().st_size / 1e6
    print(f"the default sample's report with {accounts:,} accounts (best of {args.repeat})")
    print(f"  cshealth demo --html, a fresh process: {html:6.2f} s  (target: under 15 s)")
    print(
        f"  cshealth demo (text), the reference:   {text:6.2f} s  "
        f"(the page adds {html - text:.2f} s)"
    )
    print(
        f"  in one process: sample {building:.2f} s, sections {sections:.2f} s, "
        f"page {drawing:.2f} s"
    )
    print(f"  page: {megabytes:.1f} MB; checked: {checked}")


if __name__ == "__main__":
    main()
