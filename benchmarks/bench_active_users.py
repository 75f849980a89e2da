"""``adoption.active_users`` on 10,000,000 user events, beside the pandas a user would write.

Run: ``cd benchmarks && python bench_active_users.py [--rows 10000000] [--repeat 3] [--shuffle]``

The data: 20,000 accounts of 20 users each (400,000 users), events spread evenly over 90
days and sorted by time, as event logs are exported (``--shuffle`` puts them in random
order); the 28 UTC days before ``as_of`` hold about 3 million of them. Two variants: integer
ids (``int64`` columns) and text ids (``"acct-000123"``, ``"user-0004567"``).

Both sides start from the same pandas ``DataFrame`` (``occurred_at`` a timezone-aware
column); ``active_users`` is also timed on a dict of numpy columns, the form a parquet or
database reader hands over. The pandas reference filters the window, adds a day column,
counts distinct users per account with ``groupby(...).nunique()`` for DAU, WAU and MAU,
sums the daily distinct users for the mean DAU, and takes ``value_counts`` of each user's
distinct days for the L28 histogram. The two must agree on every account before any
timing is printed. The issue's target: at least 10x faster than pandas on integer ids.
"""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np
import pandas as pd

from _timing import best_of
from cshealth.adoption._active import active_users
from cshealth.adoption._active_result import ActiveUsers

ACCOUNTS = 20_000
USERS_PER_ACCOUNT = 20
SPAN_DAYS = 90
WINDOW = 28
AS_OF = date(2026, 1, 1)


def events(rows: int, *, text: bool, shuffle: bool) -> dict[str, np.ndarray]:
    """``rows`` events: ids, and instants over the 90 days before ``AS_OF``."""
    rng = np.random.default_rng(0)
    users = rng.integers(0, ACCOUNTS * USERS_PER_ACCOUNT, rows)
    accounts = users // USERS_PER_ACCOUNT  # each user belongs to one account
    end = np.datetime64(AS_OF, "us").astype(np.int64)
    offsets = rng.integers(0, SPAN_DAYS * 86_400_000_000, rows)
    if not shuffle:
        offsets.sort()
    occurred_at = (end - SPAN_DAYS * 86_400_000_000 + offsets).view("datetime64[us]")
    if text:
        account_names = np.array([f"acct-{i:06d}" for i in range(ACCOUNTS)], dtype=object)
        user_names = np.array(
            [f"user-{i:07d}" for i in range(ACCOUNTS * USERS_PER_ACCOUNT)], dtype=object
        )
        return {
            "account_id": account_names[accounts],
            "user_id": user_names[users],
            "occurred_at": occurred_at,
        }
    return {"account_id": accounts, "user_id": users, "occurred_at": occurred_at}


def pandas_reference(frame: pd.DataFrame) -> dict[str, pd.Series | pd.DataFrame]:
    """DAU, WAU, MAU, mean DAU and L28 per account, the way a pandas user writes them."""
    end = pd.Timestamp(AS_OF, tz="UTC")
    start = end - pd.Timedelta(days=WINDOW)
    window = frame[(frame["occurred_at"] >= start) & (frame["occurred_at"] < end)]
    window = window.assign(day=window["occurred_at"].dt.floor("D"))
    mau = window.groupby("account_id")["user_id"].nunique()
    last = window[window["day"] == end - pd.Timedelta(days=1)]
    dau = last.groupby("account_id")["user_id"].nunique().reindex(mau.index, fill_value=0)
    week = window[window["day"] >= end - pd.Timedelta(days=7)]
    wau = week.groupby("account_id")["user_id"].nunique().reindex(mau.index, fill_value=0)
    daily = window.groupby(["account_id", "day"])["user_id"].nunique()
    mean_dau = daily.groupby(level=0).sum().reindex(mau.index, fill_value=0) / WINDOW
    active_days = window.groupby(["account_id", "user_id"])["day"].nunique()
    l28 = (
        active_days.groupby(level=0)
        .value_counts()
        .unstack(fill_value=0)
        .reindex(index=mau.index, columns=range(1, WINDOW + 1), fill_value=0)
    )
    return {"mau": mau, "dau": dau, "wau": wau, "mean_dau": mean_dau, "l28": l28}


def check(ours: ActiveUsers, theirs: dict[str, pd.Series | pd.DataFrame], *, text: bool) -> None:
    """Stop unless both give the same numbers for every account."""
    ids = ours.account_ids if text else ours.account_ids.astype(np.int64)
    for name in ("mau", "dau", "wau", "mean_dau"):
        expected = theirs[name].reindex(ids).to_numpy()
        if not np.allclose(getattr(ours, name), expected):
            raise SystemExit(f"active_users and pandas disagree on {name}")
    if not (ours.l28 == theirs["l28"].reindex(ids).to_numpy()).all():
        raise SystemExit("active_users and pandas disagree on the L28 histogram")


def run(rows: int, repeat: int, *, text: bool, shuffle: bool) -> None:
    columns = events(rows, text=text, shuffle=shuffle)
    frame = pd.DataFrame(columns)
    frame["occurred_at"] = frame["occurred_at"].dt.tz_localize("UTC")
    ours = active_users(frame, as_of=AS_OF, window_days=WINDOW)
    check(ours, pandas_reference(frame), text=text)
    reference = best_of(repeat, lambda: pandas_reference(frame))
    on_frame = best_of(repeat, lambda: active_users(frame, as_of=AS_OF, window_days=WINDOW))
    on_arrays = best_of(repeat, lambda: active_users(columns, as_of=AS_OF, window_days=WINDOW))
    kind = "text ids" if text else "integer ids"
    order = "random order" if shuffle else "time order"
    print(
        f"{rows:,} events ({kind}, {order}); {len(ours):,} accounts, "
        f"{int(ours.mau.sum()):,} users active in the {WINDOW}-day window; best of {repeat}"
    )
    print(f"  pandas reference (DataFrame)            {reference * 1e3:8.1f} ms  x1.00")
    for label, seconds in (("DataFrame", on_frame), ("dict of numpy arrays", on_arrays)):
        ratio = reference / seconds
        versus = f"{ratio:5.1f}x faster" if ratio >= 1 else f"{1 / ratio:5.1f}x slower"
        print(f"  active_users({label + ')':<26} {seconds * 1e3:8.1f} ms  {versus}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shuffle", action="store_true", help="events in random order")
    args = parser.parse_args()
    for text in (False, True):
        run(args.rows, args.repeat, text=text, shuffle=args.shuffle)


if __name__ == "__main__":
    main()
