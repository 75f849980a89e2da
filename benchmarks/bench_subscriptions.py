"""``retention.changes_from_subscriptions`` on 1,000,000 subscriptions, beside pandas.

Run from ``benchmarks/``: ``python bench_subscriptions.py [--rows 1000000] [--repeat 3]``

The data: a billing export as a pandas frame, ``--rows`` subscriptions of about
``--rows / 5`` accounts, each starting on a uniform day of 2021-2025 and lasting an
exponential number of days (mean 300; 30% still open: ``NaT``), MRR drawn from a price
list, with two more columns (``plan``, ``currency``) the function ignores. It runs twice:
with integer customer ids and with text ids like ``C-000123``. Everything runs on one core
(BLAS threads are pinned to 1 before numpy loads: the script starts itself again with
them set).

Printed beside each other, for each kind of id:

* ``changes_from_subscriptions(frame)``: reading and checking the four columns, the
  event sweep and the table of `RevenueChange` rows;
* the pandas an analyst writes: stack the starts (``+mrr``) and the ends (``-mrr``) into
  one frame of events, ``groupby([account, day]).sum()`` for each day's net change, drop
  the days whose net change is 0, ``groupby(account).cumsum()`` for the level.

Both must give the same rows (account, day, level) before any timing is printed.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from _timing import best_of, one_core
from cshealth.io import Table
from cshealth.retention import changes_from_subscriptions

FIRST_DAY = np.datetime64("2021-01-01", "D")
DAYS = 5 * 365
PRICES = np.array([0.0, 29.0, 49.0, 99.0, 199.0, 499.0, 999.0])
PRICE_WEIGHTS = np.array([0.05, 0.25, 0.25, 0.2, 0.1, 0.1, 0.05])
PER_ACCOUNT = 5


def export(rows: int, *, text_ids: bool) -> pd.DataFrame:
    """``rows`` subscriptions, about ``PER_ACCOUNT`` per account, as a billing export."""
    rng = np.random.default_rng(7)
    accounts = max(1, rows // PER_ACCOUNT)
    account = rng.integers(0, accounts, rows) + 100_000
    start = FIRST_DAY + rng.integers(0, DAYS, rows)
    end = start + 1 + rng.exponential(300.0, rows).astype(np.int64)
    end[rng.random(rows) < 0.3] = np.datetime64("NaT")
    ids = np.array([f"C-{i:06d}" for i in account], dtype=object) if text_ids else account
    return pd.DataFrame(
        {
            "customer": ids,
            "plan": rng.choice(["basic", "pro", "enterprise"], rows),
            "currency": "EUR",
            "start_date": start,
            "end_date": end,
            "mrr": rng.choice(PRICES, size=rows, p=PRICE_WEIGHTS),
        }
    )


def with_pandas(frame: pd.DataFrame) -> pd.DataFrame:
    """Each account's MRR level from each day it changes, as an analyst writes it."""
    starts = pd.DataFrame(
        {"account": frame["customer"], "day": frame["start_date"], "change": frame["mrr"]}
    )
    ended = frame[frame["end_date"].notna()]
    ends = pd.DataFrame(
        {"account": ended["customer"], "day": ended["end_date"], "change": -ended["mrr"]}
    )
    events = pd.concat([starts, ends], ignore_index=True)
    daily = events.groupby(["account", "day"], sort=True)["change"].sum()
    daily = daily[daily != 0]
    level = daily.groupby(level="account").cumsum()
    return level.rename("mrr").reset_index()


def check(ours: Table, frame: pd.DataFrame) -> None:
    """Stop unless ours and the pandas reference hold the same rows."""
    theirs = with_pandas(frame)
    assert ours.n_rows == len(theirs), (ours.n_rows, len(theirs))
    assert ours["account_id"].tolist() == theirs["account"].tolist()
    days = theirs["day"].to_numpy().astype("datetime64[D]")
    np.testing.assert_array_equal(ours["effective_on"], days)
    np.testing.assert_allclose(ours["mrr"], theirs["mrr"].to_numpy(), rtol=1e-12)


def run(rows: int, repeat: int, *, text_ids: bool) -> None:
    frame = export(rows, text_ids=text_ids)

    def ours() -> Table:
        return changes_from_subscriptions(frame, account="customer")

    result = ours()
    check(result, frame)
    engine = best_of(repeat, ours)
    pandas = best_of(repeat, lambda: with_pandas(frame))
    kind = "text" if text_ids else "integer"
    accounts = frame["customer"].nunique()
    print(f"{rows:,} subscriptions of {accounts:,} accounts ({kind} ids) -> {result.n_rows:,} rows")
    print(f"  changes_from_subscriptions : {engine:.3f} s")
    print(f"  pandas, written by hand    : {pandas:.3f} s  ({pandas / engine:.1f}x slower)")


def main() -> None:
    one_core()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    run(args.rows, args.repeat, text_ids=False)
    run(args.rows, args.repeat, text_ids=True)


if __name__ == "__main__":
    main()
