"""Loading survey responses from CSV with full validation, beside pandas.read_csv.

Run: ``python benchmarks/bench_load.py [--rows 1000000] [--repeat 3]``

Writes a CSV of realistic survey responses (NPS, CSAT and CES; a few optional columns
empty) once into ``benchmarks/_data/``, then times in one process, best of ``--repeat``:

* reference: ``pandas.read_csv`` of the file, no validation at all;
* ``cshealth.load``: every row validated into a ``SurveyResponse`` record;
* ``cshealth.load_table``: every row validated into numpy columns, no records.

It prints rows per second and the ratio of each to the reference (time / reference time).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pandas as pd

import cshealth
from _timing import best_of

DATA = Path(__file__).parent / "_data"


def make_csv(rows: int, seed: int = 0) -> Path:
    """Write ``rows`` survey responses to a CSV file (once) and return its path."""
    path = DATA / f"survey_responses_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    kind_index = rng.choice(3, size=rows, p=[0.5, 0.35, 0.15])
    kinds = np.array(["nps", "csat", "ces"])[kind_index]
    low = np.array([0, 1, 1])[kind_index]
    high = np.array([10, 5, 7])[kind_index]
    scores = low + (rng.random(rows) * (high - low + 1)).astype(int)
    survey_type = np.where(kind_index == 0, "relationship", "transactional")
    seconds = rng.integers(0, 3 * 365 * 86400, rows)
    stamps = np.datetime64("2023-01-01T00:00:00", "s") + seconds.astype("timedelta64[s]")
    stamp_text = np.char.add(np.datetime_as_string(stamps, unit="s"), "Z")
    touchpoints = np.array(["onboarding", "support", "renewal", "in_app", ""])
    touch = touchpoints[rng.integers(0, len(touchpoints), rows)]
    comments = np.array(["", "", "", "great support", "too slow", "missing reports"])
    comment = comments[rng.integers(0, len(comments), rows)]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "id",
                "account_id",
                "contact_id",
                "kind",
                "survey_type",
                "touchpoint",
                "score",
                "submitted_at",
                "comment",
                "weight",
            ]
        )
        for i in range(rows):
            writer.writerow(
                [
                    f"R-{i}",
                    f"A-{i % 20000}",
                    f"C-{i % 90000}",
                    kinds[i],
                    survey_type[i],
                    touch[i],
                    scores[i],
                    stamp_text[i],
                    comment[i],
                    "1",
                ]
            )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = make_csv(args.rows)
    runs = {
        "pandas.read_csv (reference, no validation)": lambda: pd.read_csv(path),
        "cshealth.load_table (validated columns)": lambda: cshealth.load_table(
            path, cshealth.SurveyResponse
        ),
        "cshealth.load (validated records)": lambda: cshealth.load(path, cshealth.SurveyResponse),
    }
    print(f"{args.rows:,} survey responses from {path.name}, best of {args.repeat}")
    reference = None
    for name, fn in runs.items():
        seconds = best_of(args.repeat, fn)
        reference = reference or seconds
        print(
            f"  {name:<45} {seconds:7.2f} s  {args.rows / seconds:>12,.0f} rows/s"
            f"  x{seconds / reference:.2f}"
        )


if __name__ == "__main__":
    main()
