"""``retention.mrr_movements`` on 1,000,000 revenue changes, beside pandas written by hand.

Run from ``benchmarks/``: ``python bench_mrr.py [--rows 1000000] [--repeat 3]``

The data: about 200,000 accounts (text ids like ``A-000123``, then the same accounts with
whole-number ids ``123``, as a billing database exports them) with five changes each on
distinct days over three years (2023-2025, ``datetime64[D]``), MRR levels drawn from a small
price list with 15% zeros (churns). Everything runs on one core (BLAS threads are pinned to
1 before numpy loads: the script starts itself again with them set).

Printed beside each other:

* ``mrr_movements(..., period="month")`` for the last 12 months (2025): reading and
  checking the three columns, the account codes, the sort, the classification of every
  change (new / expansion / reactivation / contraction / churn) and the monthly sums;
* the pandas code a user would write: build the frame, sort by account and date, a
  groupby shift for the level each change replaced, a cumulative "has paid" flag, an
  ``np.select`` classification, ``groupby([month, kind]).sum()`` and the starting MRR
  (the last level of each account before the window), checked to agree with ours;
* ``revenue_retention`` from the snapshot of 2025-01-01 to that of 2026-01-01, for
  information;
* where the time of ``mrr_movements`` goes (reading and validation, account keys and the
  sort, the whole timeline, classification, waterfall), measured stage by stage on the
  private helpers.
"""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np
import pandas as pd

from _timing import best_of, one_core
from cshealth.io._read import read_columns
from cshealth.models import RevenueChange
from cshealth.retention import mrr_movements, revenue_retention
from cshealth.retention._mrr_movements import _edges, _movements, _waterfall
from cshealth.retention._timeline import _sorted, read_timeline
from cshealth.retention._waterfall import KINDS

#: BLAS thread pools, pinned to one thread.

FIRST_DAY = np.datetime64("2023-01-01", "D")
DAYS = 3 * 365 + 1  # 2023-01-01 .. 2025-12-31
START, END = date(2025, 1, 1), date(2026, 1, 1)
EPOCH = date(1970, 1, 1)
LEVELS = np.array([0.0, 29.0, 49.0, 99.0, 199.0, 499.0, 999.0])
LEVEL_WEIGHTS = np.array([0.15, 0.2, 0.2, 0.2, 0.1, 0.1, 0.05])
PER_ACCOUNT = 5


def data(rows: int, *, text: bool = True) -> dict[str, np.ndarray]:
    """``rows`` changes, ``PER_ACCOUNT`` per account on distinct days, in shuffled order."""
    rng = np.random.default_rng(11)
    accounts = max(1, rows // PER_ACCOUNT)
    drawn = int(rows * 1.02) + 16
    account = rng.integers(0, accounts, drawn)
    day = rng.integers(0, DAYS, drawn)
    _, first = np.unique(account * DAYS + day, return_index=True)  # one change per account/day
    keep = rng.permutation(first)[:rows]
    account, day = account[keep], day[keep]
    if text:
        names = np.array([f"A-{i:06d}" for i in range(accounts)], dtype=object)
    else:  # whole numbers, spread out as database keys are
        names = np.arange(accounts, dtype=np.int64) * 7 + 100_000
    return {
        "account_id": names[account],
        "effective_on": FIRST_DAY + day,
        "mrr": rng.choice(LEVELS, size=len(keep), p=LEVEL_WEIGHTS),
    }


def with_pandas(columns: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Monthly amounts and counts per kind and the starting MRR, as a pandas user writes them."""
    frame = pd.DataFrame(columns)
    frame = frame.sort_values(["account_id", "effective_on"], kind="stable")
    by_account = frame.groupby("account_id", sort=False)
    before = by_account["mrr"].shift(fill_value=0.0)
    paid = (frame["mrr"] > 0).groupby(frame["account_id"], sort=False).cummax()
    paid_before = paid.groupby(frame["account_id"], sort=False).shift(fill_value=False)
    after = frame["mrr"]
    kind = np.select(
        [
            (before == 0) & (after > 0) & ~paid_before,
            (before > 0) & (after > before),
            (before == 0) & (after > 0) & paid_before,
            (after > 0) & (after < before),
            (before > 0) & (after == 0),
        ],
        list(KINDS),
        default="",
    )
    start, end = np.datetime64(START), np.datetime64(END)
    inside = (frame["effective_on"] >= start) & (frame["effective_on"] < end) & (kind != "")
    moves = pd.DataFrame(
        {
            "month": frame["effective_on"][inside].dt.to_period("M"),
            "kind": kind[inside.to_numpy()],
            "amount": (after - before).abs()[inside],
        }
    )
    grouped = moves.groupby(["month", "kind"])["amount"]
    amounts = grouped.sum().unstack(fill_value=0.0)
    counts = grouped.size().unstack(fill_value=0)
    earlier = frame[frame["effective_on"] < start]
    starting = float(earlier.groupby("account_id", sort=False)["mrr"].last().sum())
    return amounts, counts, starting


def check(ours: object, columns: dict[str, np.ndarray]) -> None:
    """Stop unless ours and the pandas reference agree on every month and kind."""
    from cshealth.retention import MRRMovements

    assert isinstance(ours, MRRMovements)
    amounts, counts, starting = with_pandas(columns)
    assert [str(p) for p in amounts.index] == list(ours.labels)
    for kind in KINDS:
        np.testing.assert_allclose(ours.amounts(kind), amounts[kind].to_numpy(), rtol=1e-12)
        np.testing.assert_array_equal(ours.counts[kind], counts[kind].to_numpy())
    assert abs(float(ours.starting_mrr[0]) - starting) <= 1e-9 * max(1.0, starting)


def stages(columns: dict[str, np.ndarray], repeat: int) -> dict[str, float]:
    """Best seconds of each stage of ``mrr_movements``, run on the private helpers."""
    need = ["account_id", "effective_on", "mrr"]
    table = read_columns(columns, RevenueChange, need=need)
    day = table["effective_on"].astype(np.int64)
    timeline = read_timeline(columns)
    edges = _edges((START - EPOCH).days, (END - EPOCH).days, "month")
    moves = _movements(timeline, edges, 0)
    return {
        "read and validate the columns": best_of(
            repeat, lambda: read_columns(columns, RevenueChange, need=need)
        ),
        "account keys and the sort by (account, day)": best_of(
            repeat, lambda: _sorted(table["account_id"], day)
        ),
        "read_timeline (the three above and more)": best_of(repeat, lambda: read_timeline(columns)),
        "classify the window's changes": best_of(repeat, lambda: _movements(timeline, edges, 0)),
        "waterfall sums and classified table": best_of(
            repeat, lambda: _waterfall(timeline, moves, edges, "month")
        ),
    }


def main() -> None:
    one_core()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for text in (True, False):
        run(data(args.rows, text=text), args.repeat, "text ids" if text else "integer ids")


def run(columns: dict[str, np.ndarray], repeat: int, kind: str) -> None:
    accounts = len(np.unique(columns["account_id"]))

    def ours() -> object:
        return mrr_movements(columns, start=START, end=END, period="month")

    check(ours(), columns)
    engine = best_of(repeat, ours)
    pandas = best_of(repeat, lambda: with_pandas(columns))
    retention = best_of(repeat, lambda: revenue_retention(columns, base_on=START, compare_on=END))
    print(
        f"{len(columns['mrr']):,} changes over {accounts:,} accounts ({kind}), 2023-2025; "
        "window 2025"
    )
    print(f"  mrr_movements (month)   : {engine:.3f} s")
    print(f"  pandas, written by hand : {pandas:.3f} s  ({pandas / engine:.1f}x slower)")
    print(f"  revenue_retention (year): {retention:.3f} s")
    print("  where mrr_movements spends its time (best of each stage):")
    for name, seconds in stages(columns, repeat).items():
        print(f"    {name:<48}: {seconds:.3f} s")


if __name__ == "__main__":
    main()
