"""``nps.trend`` on 10,000,000 responses over 3 years, beside the pandas code a user writes.

Run: ``python benchmarks/bench_trend.py [--rows 10000000] [--contacts 2000000] [--repeat 3]
[--ids int|str] [--quick]``

The data: responses spread over three years before ``as_of``, in time order as an export
would be, from ``--contacts`` contacts (``--ids int``: warehouse integer keys; ``str``:
text ids such as ``"C-0001234"``), 85% relationship and 15% transactional. Both sides get
the same pandas DataFrame (tz-aware ``submitted_at``) and compute relationship NPS with
each contact's latest response per period:

* monthly: pandas ``to_period("M")`` then ``sort_values`` + ``drop_duplicates`` +
  ``groupby().size()`` (two forms: the ``Period`` key most people write, and the same with
  the month as an integer, which is much faster);
* rolling 90 days, one window per day for three years (1,095 windows): pandas has no
  rolling form with "latest per respondent", so the user's code loops over windows; it is
  timed on the first ``--loop-windows`` windows and scaled to all of them (stated).

The issue's target: at least 10x faster than the pandas code. cshealth also computes an
adjusted-Wald interval and a significance test per period, which the pandas code does not.
"""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np
import pandas as pd

from _timing import best_of
from cshealth import nps

AS_OF = date(2026, 1, 1)
_US_PER_DAY = 86_400_000_000


def responses(rows: int, contacts: int, ids: str) -> pd.DataFrame:
    """``rows`` responses over the three years before ``AS_OF``, oldest first."""
    rng = np.random.default_rng(0)
    end = np.datetime64(AS_OF, "us").astype(np.int64)
    start = end - 3 * 365 * _US_PER_DAY
    times = np.sort(rng.integers(start, end, rows)).view("datetime64[us]")
    contact = rng.integers(0, contacts, rows)
    contact_ids = np.char.add("C-", contact.astype(str)).astype(object) if ids == "str" else contact
    kinds = np.where(rng.random(rows) < 0.85, "relationship", "transactional").astype(object)
    return pd.DataFrame(
        {
            "contact_id": contact_ids,
            "submitted_at": pd.to_datetime(times).tz_localize("UTC"),
            "score": rng.integers(0, 11, rows),
            "survey_type": kinds,
        }
    )


def pandas_monthly(df: pd.DataFrame, *, integer_month: bool) -> pd.Series:
    """Monthly relationship NPS, latest response per contact per month, as users write it."""
    d = df[
        (df["survey_type"] == "relationship") & (df["submitted_at"] < pd.Timestamp(AS_OF, tz="UTC"))
    ]
    month = d["submitted_at"].dt.tz_localize(None).dt.to_period("M")
    d = d.assign(month=month.astype("int64") if integer_month else month)
    latest = d.sort_values("submitted_at").drop_duplicates(["month", "contact_id"], keep="last")
    category = np.select([latest["score"] >= 9, latest["score"] >= 7], ["P", "N"], "D")
    counts = latest.groupby(["month", category]).size().unstack(fill_value=0)
    return 100 * (counts["P"] - counts["D"]) / counts.sum(axis=1)


def pandas_rolling(df: pd.DataFrame, windows: int) -> pd.Series:
    """Rolling 90-day relationship NPS for the last ``windows`` daily window ends."""
    cutoff = pd.Timestamp(AS_OF, tz="UTC")
    d = df[(df["survey_type"] == "relationship") & (df["submitted_at"] < cutoff)]
    d = d.sort_values("submitted_at")
    out = {}
    for k in range(windows):
        end = cutoff - pd.Timedelta(days=k)
        w = d[(d["submitted_at"] >= end - pd.Timedelta(days=90)) & (d["submitted_at"] < end)]
        w = w.drop_duplicates("contact_id", keep="last")
        out[end] = 100 * ((w["score"] >= 9).mean() - (w["score"] <= 6).mean())
    return pd.Series(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--contacts", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ids", choices=["int", "str"], default="int")
    parser.add_argument("--loop-windows", type=int, default=20)
    args = parser.parse_args()
    df = responses(args.rows, args.contacts, args.ids)

    def ours_monthly() -> object:
        return nps.trend(df, as_of=AS_OF, survey_type="relationship", period="month")

    def ours_rolling() -> object:
        return nps.trend(df, as_of=AS_OF, survey_type="relationship", rolling_days=90)

    check = ours_monthly()
    reference = pandas_monthly(df, integer_month=True)
    assert np.allclose(check.scores, reference.to_numpy()), "monthly scores disagree"
    rolled = ours_rolling()
    assert np.allclose(rolled.scores[-3:][::-1], pandas_rolling(df, 3).to_numpy())

    monthly = best_of(args.repeat, ours_monthly)
    rolling = best_of(args.repeat, ours_rolling)
    pd_int = best_of(args.repeat, lambda: pandas_monthly(df, integer_month=True))
    pd_period = best_of(1, lambda: pandas_monthly(df, integer_month=False))
    loop = best_of(1, lambda: pandas_rolling(df, args.loop_windows))
    pd_rolling = loop * len(rolled) / args.loop_windows

    print(
        f"{args.rows:,} responses, {args.contacts:,} contacts ({args.ids} ids), 3 years; "
        f"relationship NPS, latest per contact per period; best of {args.repeat}"
    )
    print("monthly (36 periods)")
    print(f"  pandas, Period month key (1 run)          {pd_period:8.2f} s")
    print(f"  pandas, integer month key (reference)     {pd_int:8.2f} s")
    print(
        f"  cshealth.nps.trend(period='month')        {monthly:8.2f} s  "
        f"x{pd_int / monthly:.1f} faster than the reference "
        f"(x{pd_period / monthly:.1f} than the Period form)"
    )
    print(f"rolling 90 days, daily ({len(rolled)} windows)")
    print(f"  pandas loop over windows (est. from {args.loop_windows})     {pd_rolling:8.1f} s")
    print(
        f"  cshealth.nps.trend(rolling_days=90)       {rolling:8.2f} s  "
        f"x{pd_rolling / rolling:.0f} faster"
    )


if __name__ == "__main__":
    main()
