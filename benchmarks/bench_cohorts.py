"""``retention.cohort_table`` on 10,000,000 events of 1,000,000 entities, beside pandas.

Run from ``benchmarks/``: ``python bench_cohorts.py [--rows 10000000] [--repeat 3] [--shuffle]``

The data: ``--rows / 10`` entities (integer ids), each signing up on a uniform day of
three years (2023-2025) and then active on days an exponential number of days (mean 200)
after it, capped at 2026-01-10; ``datetime64[D]`` dates. The events are sorted by date,
as event logs are exported (``--shuffle`` puts them in random order). ``as_of`` is
2026-02-01: monthly cohorts, 37 cohorts and 37 offsets.

Printed beside each other, for ``mode="on"`` and ``mode="on_or_after"``:

* ``cohort_table`` on the numpy columns;
* the pandas a user would write (the common cohort-analysis recipe): each entity's first
  date by ``groupby(...).transform("min")`` and its month with ``dt.to_period("M")``,
  the event month, distinct entities per (cohort, month) by ``groupby(...).nunique()``
  (for ``on_or_after``: each entity's last month, ``drop_duplicates`` and a reverse
  cumulative sum), the offset from the period difference, ``pivot_table``, and a division
  by the cohort sizes.

Both tables must agree cell by cell (counts, and rates where observed) before any timing
is printed. Everything runs on one core (BLAS threads are pinned to 1 before numpy
loads: the script starts itself again with them set). The issue's target: at least 20x
faster than pandas.
"""

from __future__ import annotations

import argparse
from datetime import date
from operator import attrgetter

import numpy as np
import pandas as pd

from _timing import best_of, one_core
from cshealth.retention import CohortTable, cohort_table

#: BLAS thread pools, pinned to one thread.
AS_OF = date(2026, 2, 1)
START = np.datetime64("2023-01-01")
LAST = np.datetime64("2026-01-10")


def events(rows: int, *, shuffle: bool) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` events of ``rows // 10`` entities: (ids, ``datetime64[D]`` dates)."""
    rng = np.random.default_rng(1)
    entities = max(rows // 10, 1)
    signup = START + rng.integers(0, 3 * 365, entities)
    ids = rng.integers(0, entities, rows)
    later = rng.exponential(200.0, rows).astype(np.int64)
    dates = np.minimum(signup[ids] + later, LAST).astype("datetime64[D]")
    if not shuffle:
        order = np.argsort(dates, kind="stable")
        ids, dates = ids[order], dates[order]
    return ids, dates


def with_pandas(frame: pd.DataFrame, mode: str) -> pd.DataFrame:
    """Retention rates (cohort x offset) the way the common pandas recipe computes them."""
    frame = frame.copy()
    frame["order_month"] = frame["date"].dt.to_period("M")
    first = frame.groupby("entity")["date"].transform("min")
    frame["cohort"] = first.dt.to_period("M")
    if mode == "on":
        cells = frame.groupby(["cohort", "order_month"]).agg(n=("entity", "nunique")).reset_index()
        cells["offset"] = (cells["order_month"] - cells["cohort"]).apply(attrgetter("n"))
        grid = cells.pivot_table(index="cohort", columns="offset", values="n", fill_value=0)
    else:
        frame["last_month"] = frame.groupby("entity")["order_month"].transform("max")
        last = frame.drop_duplicates("entity")[["cohort", "last_month"]]
        cells = last.groupby(["cohort", "last_month"]).size().rename("n").reset_index()
        cells["offset"] = (cells["last_month"] - cells["cohort"]).apply(attrgetter("n"))
        grid = cells.pivot_table(index="cohort", columns="offset", values="n", fill_value=0)
        grid = grid.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1]
    return grid.divide(grid.iloc[:, 0], axis=0)


def check(ours: CohortTable, theirs: pd.DataFrame) -> None:
    """Stop unless both give the same rate in every observed cell."""
    if [str(p) for p in theirs.index] != list(ours.cohorts):
        raise SystemExit("cohort_table and pandas disagree on the cohorts")
    expected = theirs.reindex(columns=range(ours.offsets), fill_value=0.0).to_numpy()
    got = np.where(ours.observed, ours.rates, 0.0)
    if not np.allclose(got, np.where(ours.observed, expected, 0.0), rtol=1e-12):
        raise SystemExit("cohort_table and pandas disagree on the rates")


def main() -> None:
    one_core()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shuffle", action="store_true", help="events in random order")
    args = parser.parse_args()
    ids, dates = events(args.rows, shuffle=args.shuffle)
    frame = pd.DataFrame({"entity": ids, "date": dates})
    order = "random order" if args.shuffle else "sorted by date"
    print(f"{args.rows:,} events of {len(np.unique(ids)):,} entities ({order}), as_of {AS_OF}")
    for mode in ("on", "on_or_after"):
        ours = cohort_table(ids, dates, as_of=AS_OF, mode=mode)
        check(ours, with_pandas(frame, mode))
        engine = best_of(args.repeat, lambda m=mode: cohort_table(ids, dates, as_of=AS_OF, mode=m))
        pandas = best_of(max(1, args.repeat // 2), lambda m=mode: with_pandas(frame, m))
        print(f"  mode={mode!r:14} {ours.offsets} offsets")
        print(f"    cohort_table         : {engine:.3f} s")
        print(f"    pandas, as users do  : {pandas:.3f} s  ({pandas / engine:.1f}x slower)")


if __name__ == "__main__":
    main()
