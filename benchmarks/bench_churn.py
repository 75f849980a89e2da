"""``retention.activity_churn`` on 10,000,000 events of 1,000,000 entities, beside pandas.

Run: ``cd benchmarks && python bench_churn.py [--rows 10000000] [--entities 1000000] [--repeat 3]``

The data: events of 1,000,000 entities spread evenly over 2025 and sorted by time, as event
logs are exported (``--shuffle`` puts them in random order). The window is the third
quarter (base at 2025-07-01, looked at again at 2025-10-01) with the default 30-day
``inactive_after``. Two variants: integer ids (``int64``) and text ids (``"user-0001234"``).

Both sides start from the same pandas ``DataFrame`` (``occurred_at`` a timezone-aware
column); ``activity_churn`` is also timed on numpy columns, the form a parquet or database
reader hands over. The pandas reference is what a user writes: each entity's latest event
up to the window's start and up to its end (``groupby(...).max()``), active where that
event is less than 30 days old, then set arithmetic with ``Index.isin``. The two must agree
on every count before any timing is printed.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

import numpy as np
import pandas as pd

from _timing import best_of
from cshealth.retention import ActivityChurn, activity_churn

YEAR_START = date(2025, 1, 1)
START = date(2025, 7, 1)
END = date(2025, 10, 1)
LAG = timedelta(days=30)
DAY_US = 86_400_000_000


def events(rows: int, entities: int, *, text: bool, shuffle: bool) -> dict[str, np.ndarray]:
    """``rows`` events of ``entities`` entities over 2025."""
    rng = np.random.default_rng(0)
    ids = rng.integers(0, entities, rows)
    offsets = rng.integers(0, 365 * DAY_US, rows)
    if not shuffle:
        offsets.sort()
    occurred_at = (np.datetime64(YEAR_START, "us").astype(np.int64) + offsets).view(
        "datetime64[us]"
    )
    if text:
        names = np.array([f"user-{i:07d}" for i in range(entities)], dtype=object)
        return {"entity_id": names[ids], "occurred_at": occurred_at}
    return {"entity_id": ids, "occurred_at": occurred_at}


def pandas_reference(frame: pd.DataFrame) -> dict[str, int]:
    """Starting, ending, churned and new entities, the way a pandas user writes them."""
    start = pd.Timestamp(START, tz="UTC")
    end = pd.Timestamp(END, tz="UTC")
    lag = pd.Timedelta(LAG)
    t = frame["occurred_at"]
    last_start = frame[t <= start].groupby("entity_id")["occurred_at"].max()
    last_end = frame[t <= end].groupby("entity_id")["occurred_at"].max()
    at_start = last_start.index[last_start > start - lag]
    at_end = last_end.index[last_end > end - lag]
    return {
        "starting": len(at_start),
        "ending": len(at_end),
        "churned": int((~at_start.isin(at_end)).sum()),
        "new": int((~at_end.isin(at_start)).sum()),
    }


def check(ours: ActivityChurn, theirs: dict[str, int]) -> None:
    """Stop unless both give the same counts."""
    got = {
        "starting": ours.starting_entities,
        "ending": ours.ending_entities,
        "churned": ours.churned_entities,
        "new": ours.new_entities,
    }
    if got != theirs:
        raise SystemExit(f"activity_churn and pandas disagree: {got} != {theirs}")


def run(rows: int, entities: int, repeat: int, *, text: bool, shuffle: bool) -> None:
    columns = events(rows, entities, text=text, shuffle=shuffle)
    frame = pd.DataFrame(columns)
    frame["occurred_at"] = frame["occurred_at"].dt.tz_localize("UTC")

    def on_frame() -> ActivityChurn:
        return activity_churn(
            frame["entity_id"], frame["occurred_at"], base_on=START, compare_on=END
        )

    def on_arrays() -> ActivityChurn:
        return activity_churn(
            columns["entity_id"], columns["occurred_at"], base_on=START, compare_on=END
        )

    ours = on_frame()
    check(ours, pandas_reference(frame))
    check(on_arrays(), pandas_reference(frame))
    reference = best_of(repeat, lambda: pandas_reference(frame))
    frame_time = best_of(repeat, on_frame)
    array_time = best_of(repeat, on_arrays)
    kind = "text ids" if text else "integer ids"
    order = "random order" if shuffle else "time order"
    print(
        f"{rows:,} events of {entities:,} entities ({kind}, {order}); window {START} to {END}, "
        f"inactive after {LAG.days} days: {ours.starting_entities:,} starting, "
        f"{ours.churned_entities:,} churned (rate {ours.rate:.4f}); best of {repeat}"
    )
    print(f"  pandas reference (DataFrame)              {reference * 1e3:8.1f} ms  x1.00")
    for label, seconds in (("DataFrame columns", frame_time), ("numpy arrays", array_time)):
        ratio = reference / seconds
        versus = f"{ratio:5.1f}x faster" if ratio >= 1 else f"{1 / ratio:5.1f}x slower"
        print(f"  activity_churn({label + ')':<26} {seconds * 1e3:8.1f} ms  {versus}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shuffle", action="store_true", help="events in random order")
    args = parser.parse_args()
    for text in (False, True):
        run(args.rows, args.entities, args.repeat, text=text, shuffle=args.shuffle)


if __name__ == "__main__":
    main()
