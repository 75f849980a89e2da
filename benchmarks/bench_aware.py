"""Timezone-aware instant columns against naive ``datetime64`` ones, in two kernels.

Run from ``benchmarks/``: ``python bench_aware.py [--rows 1000000] [--repeat 3]``

The same instants are given four ways: a naive ``datetime64[us]`` numpy column (read as
UTC: the reference every other form is measured against), a timezone-aware pandas
column (``datetime64[ns, Europe/Berlin]``), a timezone-aware polars column, and a Python
list of aware ``datetime`` objects (half ``timezone.utc``, half ``ZoneInfo("Europe/Berlin")``).

Two kernels read them:

* ``scoring.score`` on ``--rows`` accounts (integer ids): one ``linear`` measure that goes
  stale after 60 days (``max_age_days``), so every account's ``observed_at`` instant is
  read;
* ``retention.cohort_table`` on ``--rows`` events of ``--rows / 10`` entities, monthly
  cohorts (the instants counted on their UTC day).

Every form must give the same result as the reference (scores cell by cell, the cohort
table's counts) before any timing is printed; then each form's time and its ratio to
the naive column. The issue's target: an aware pandas or polars column costs at most
1.5x a naive one in both kernels. A Python list of objects cannot be read without a
step per value; its figure is printed for the record. Everything runs on one core.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import polars as pl

from _timing import best_of, one_core
from cshealth import scoring
from cshealth.retention import cohort_table

AS_OF = date(2026, 2, 1)
BERLIN = ZoneInfo("Europe/Berlin")


def instants(rows: int) -> np.ndarray:
    """``rows`` instants over 2023-2025 at random seconds, ``datetime64[us]`` (UTC)."""
    rng = np.random.default_rng(3)
    seconds = rng.integers(0, 3 * 365 * 86_400, rows)
    return np.datetime64("2023-01-01T00:00", "us") + seconds.astype("timedelta64[s]")


def forms(naive: np.ndarray) -> dict[str, object]:
    """The same instants as a naive column, pandas and polars aware columns, a list."""
    utc = pd.Series(naive).dt.tz_localize("UTC")
    python = [moment.replace(tzinfo=timezone.utc) for moment in naive.astype(object).tolist()]
    for i in range(1, len(python), 2):  # half of them on Berlin's clock
        python[i] = python[i].astimezone(BERLIN)
    return {
        "naive datetime64[us]": naive,
        "pandas datetime64[ns, tz]": utc.dt.tz_convert("Europe/Berlin"),
        "polars Datetime(tz)": pl.Series(naive)
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone("Europe/Berlin"),
        "list of aware datetime": python,
    }


def card() -> scoring.Scorecard:
    """One linear measure, stale after 60 days."""
    measure = {
        "name": "usage",
        "column": "usage",
        "transform": {"kind": "linear", "worst": 0.0, "best": 100.0},
        "max_age_days": 60,
        "observed_at": "seen",
    }
    return scoring.Scorecard.model_validate(
        {"name": "bench", "root": {"name": "overall", "children": [measure]}}
    )


def main() -> None:
    one_core()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    naive = instants(args.rows)
    columns = forms(naive)
    rng = np.random.default_rng(4)
    ids = np.arange(args.rows)  # integer ids: their reading is the same for every form
    usage = rng.uniform(0, 100, args.rows)
    entities = rng.integers(0, max(args.rows // 10, 1), args.rows)
    scorecard = card()
    as_of = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def scored(seen: object) -> Callable[[], np.ndarray]:
        data = {"account_id": ids, "usage": usage, "seen": seen}
        return lambda: scoring.score(scorecard, data, as_of=as_of).score

    def cohorts(seen: object) -> Callable[[], np.ndarray]:
        return lambda: cohort_table(entities, seen, as_of=AS_OF).counts

    print(f"{args.rows:,} instants (accounts for score, events for cohort_table)")
    for kernel, make in (("scoring.score", scored), ("cohort_table", cohorts)):
        reference = make(naive)()
        base = best_of(args.repeat, make(naive))
        print(f"  {kernel}")
        for label, column in columns.items():
            run = make(column)
            if not np.array_equal(run(), reference, equal_nan=kernel == "scoring.score"):
                raise SystemExit(f"{kernel} on a {label} column disagrees with the naive one")
            took = base if column is naive else best_of(args.repeat, run)
            print(f"    {label:27}: {took:7.3f} s  ({took / base:5.2f}x the naive column)")


if __name__ == "__main__":
    main()
