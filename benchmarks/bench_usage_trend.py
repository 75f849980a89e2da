"""``adoption.usage_trend`` on daily usage of 5,000 accounts over 3 years, beside pandas.

Run from ``benchmarks/``: ``python bench_usage_trend.py [--rows 5475000] [--repeat 3]
[--history-weeks 30]``

The data: one record per account and day for the three years (1,095 days) before
``as_of``, ``--rows / 1095`` accounts with text ids (``"A-00042"``); 10% of the accounts
start late (their earlier weeks are not observed), 2% of the days have no record (no
usage), logins are Poisson around a level with a per-account drift.

Both sides get the same pandas DataFrame and compute, per account, the logins of the last
7 days against the mean of the 4 windows before (those observed), and the Theil–Sen slope
with its 95% interval and Kendall's tau test over the last ``--history-weeks`` weeks. The pandas
side is the code a user writes: ``groupby`` account, ``resample("7D")`` the logins into
weeks anchored on ``as_of``, fill the missing weeks of the observed span with 0, then
``apply`` ``scipy.stats.theilslopes`` and ``scipy.stats.kendalltau`` account by account.
The two results are checked to agree before timing.
"""

from __future__ import annotations

import argparse
import warnings
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from _timing import best_of
from cshealth.adoption._trend import usage_trend
from cshealth.io._read import read_columns
from cshealth.models import UsageRecord

AS_OF = date(2026, 1, 5)
DAYS = 1095


def usage(rows: int) -> pd.DataFrame:
    """Daily logins of ``rows // DAYS`` accounts over the ``DAYS`` days before ``AS_OF``."""
    rng = np.random.default_rng(0)
    n_accounts = max(rows // DAYS, 1)
    account = np.repeat(np.arange(n_accounts), DAYS)
    offset = np.tile(np.arange(DAYS), n_accounts)
    start = np.where(rng.random(n_accounts) < 0.1, rng.integers(0, DAYS, n_accounts), 0)
    level = rng.gamma(2.0, 3.0, n_accounts)
    drift = rng.normal(0.0, 0.002, n_accounts)
    mean = np.maximum(level[account] * (1 + drift[account] * (offset - DAYS)), 0)
    keep = (offset >= start[account]) & (rng.random(len(offset)) > 0.02)
    first = np.datetime64(AS_OF) - DAYS
    ids = np.array([f"A-{i:05d}" for i in range(n_accounts)], dtype=object)
    return pd.DataFrame(
        {
            "account_id": ids[account[keep]],
            "day": (first + offset[keep]).astype("datetime64[s]"),
            "active_users": np.ones(int(keep.sum()), dtype=np.int64),
            "logins": rng.poisson(mean[keep]),
        }
    )


def pandas_trend(df: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """Current vs baseline and Theil–Sen / Kendall per account, the pandas way."""
    end = pd.Timestamp(AS_OF)
    origin = end - pd.Timedelta(weeks=max(weeks, 5))
    d = df[(df["day"] < end)]
    first = d.groupby("account_id")["day"].min()
    recent = d[d["day"] >= origin].set_index("day")
    weekly = (
        recent.groupby("account_id")["logins"]
        .resample("7D", origin=origin)
        .sum()
        .unstack(fill_value=0)
    )
    starts = pd.date_range(origin, end - pd.Timedelta(days=7), freq="7D")
    weekly = weekly.reindex(index=first.index, columns=starts, fill_value=0).astype(float)
    observed = (starts.values[None, :] + np.timedelta64(7, "D")) > first.values[:, None]
    weekly = weekly.where(observed)

    def per_account(row: pd.Series) -> pd.Series:
        y = row.to_numpy()[-weeks:]
        x = np.flatnonzero(~np.isnan(y)).astype(float)
        y = y[~np.isnan(y)]
        current, baseline = row.iloc[-1], row.iloc[-5:-1].mean()
        out = {"current": current, "baseline": baseline}
        if len(y) < 2:
            return pd.Series({**out, "slope": np.nan, "tau": np.nan, "pvalue": np.nan})
        fit = stats.theilslopes(y, x, 0.95)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tau = stats.kendalltau(x, y)
        return pd.Series(
            {
                **out,
                "slope": fit.slope,
                "low": fit.low_slope,
                "high": fit.high_slope,
                "tau": tau.statistic,
                "pvalue": tau.pvalue,
            }
        )

    return weekly.apply(per_account, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000 * DAYS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--history-weeks", type=int, default=30)
    args = parser.parse_args()
    df = usage(args.rows)

    def ours() -> object:
        return usage_trend(df, as_of=AS_OF, history_weeks=args.history_weeks)

    mine = usage_trend(df, as_of=AS_OF, history_weeks=args.history_weeks)
    theirs = pandas_trend(df, args.history_weeks)
    assert mine.account_ids.tolist() == theirs.index.tolist()
    for name, column in [("current", "current"), ("baseline", "baseline"), ("slope", "slope")]:
        np.testing.assert_allclose(getattr(mine, name), theirs[column], rtol=1e-9)
    np.testing.assert_allclose(mine.pvalue, theirs["pvalue"], rtol=1e-9)
    np.testing.assert_allclose(mine.slope_confidence_interval().low, theirs["low"], rtol=1e-9)

    cshealth_time = best_of(args.repeat, ours)
    columns = ["account_id", "day", "logins"]
    reading = best_of(args.repeat, lambda: read_columns(df, UsageRecord, need=columns))
    pandas_time = best_of(1, lambda: pandas_trend(df, args.history_weeks))
    print(
        f"{len(df):,} daily usage records, {len(mine):,} accounts, {DAYS} days before "
        f"{AS_OF}; 7-day window vs 4, Theil-Sen + Kendall over {args.history_weeks} weeks"
    )
    print(f"  pandas groupby/resample + scipy per account (1 run)   {pandas_time:7.2f} s")
    print(
        f"  cshealth.adoption.usage_trend (best of {args.repeat})           "
        f"{cshealth_time:7.2f} s  x{pandas_time / cshealth_time:.1f} faster"
    )
    print(
        f"    of which reading and checking the columns (io.read_columns) {reading:5.2f} s; "
        f"the trend kernel {cshealth_time - reading:.2f} s"
    )
    print("  the two agree on current, baseline, slope, interval and p-value (checked)")


if __name__ == "__main__":
    main()
