"""Validating a typed pandas DataFrame into cshealth columns, beside what a user would write.

Run: ``python benchmarks/bench_columns.py [--rows 2000000] [--repeat 3]``

The frame holds survey responses as an analyst has them after ``read_parquet``: text
columns as ``object``, ``score`` as ``int64``, ``submitted_at`` as tz-aware ``datetime64``.
Timed in one process, best of ``--repeat``:

* floor: pulling each column out as a numpy array (``np.asarray``), no checks at all;
* reference: the pandas checks a careful user would write by hand for the same rules
  (required values present, categories allowed, score on its kind's scale, weights
  ``>= 0``, unique ids, instants converted to UTC);
* ``cshealth.to_columns``: the same rules and more (text normalised, every bad row named).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import cshealth
from _timing import best_of


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Survey responses as a typed pandas frame."""
    rng = np.random.default_rng(seed)
    kind_index = rng.choice(3, size=rows, p=[0.5, 0.35, 0.15])
    low = np.array([0, 1, 1])[kind_index]
    high = np.array([10, 5, 7])[kind_index]
    seconds = rng.integers(0, 3 * 365 * 86400, rows)
    ids = np.arange(rows)
    return pd.DataFrame(
        {
            "id": pd.Series(ids.astype(str), dtype=object),
            "account_id": pd.Series((ids % 20000).astype(str), dtype=object),
            "kind": pd.Series(np.array(["nps", "csat", "ces"])[kind_index], dtype=object),
            "survey_type": pd.Series(
                np.where(kind_index == 0, "relationship", "transactional"), dtype=object
            ),
            "score": low + (rng.random(rows) * (high - low + 1)).astype(np.int64),
            "submitted_at": pd.to_datetime(seconds, unit="s", utc=True),
            "weight": np.ones(rows),
        }
    )


def floor(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each column as a numpy array; the tz-aware one as UTC ``datetime64`` (no checks)."""
    out = {name: np.asarray(frame[name]) for name in frame.columns if name != "submitted_at"}
    out["submitted_at"] = frame["submitted_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    return out


def pandas_checks(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The checks a careful pandas user writes by hand for the same rules."""
    required = ["id", "account_id", "kind", "survey_type", "score", "submitted_at"]
    bad = frame[required].isna().any(axis=1)
    bad |= ~frame["kind"].isin(["nps", "csat", "ces"])
    bad |= ~frame["survey_type"].isin(["relationship", "transactional"])
    scale_low = frame["kind"].map({"nps": 0, "csat": 1, "ces": 1})
    scale_high = frame["kind"].map({"nps": 10, "csat": 5, "ces": 7})
    bad |= (frame["score"] < scale_low) | (frame["score"] > scale_high)
    bad |= frame["weight"] < 0
    bad |= frame["id"].duplicated()
    if bad.any():
        raise ValueError(f"{int(bad.sum())} bad rows")
    return floor(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = make_frame(args.rows)
    runs = {
        "np.asarray per column (floor, no checks)": lambda: floor(frame),
        "pandas checks by hand (reference)": lambda: pandas_checks(frame),
        "cshealth.to_columns": lambda: cshealth.to_columns(frame, cshealth.SurveyResponse),
    }
    print(f"{args.rows:,} survey responses in a typed DataFrame, best of {args.repeat}")
    times = {name: best_of(args.repeat, fn) for name, fn in runs.items()}
    reference = times["pandas checks by hand (reference)"]
    for name, seconds in times.items():
        print(
            f"  {name:<42} {seconds:7.3f} s  {args.rows / seconds:>13,.0f} rows/s"
            f"  x{seconds / reference:.2f} of reference"
        )


if __name__ == "__main__":
    main()
