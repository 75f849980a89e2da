"""``support.summary`` on 2,000,000 tickets, beside the pandas code a user would write.

Run: ``cd benchmarks && python bench_support.py [--rows 2000000] [--repeat 3]``

Both start from the same columns (numpy arrays: text as ``object``, instants as
``datetime64[us]``) and compute the same overall metrics for one month: volume by channel,
first-response and resolution median and p90, SLA achievement (targets per priority, still
active targets left out), FCR, one-touch and reopen rates, backlog, live-queue waits and
abandonment (short abandons left out), wow tickets and service-qualified leads. The pandas
version builds its ``DataFrame`` inside the timing, as a user holding columns would, and
checks ticket ids for duplicates, as ``summary`` does; it skips the per-value checks of
``summary`` (time zones, negative waits, replies before creation). Times for a business-hours
clock and a breakdown by channel are printed for information.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from _timing import best_of
from cshealth import Grouped
from cshealth.support._schedule import Schedule
from cshealth.support._sla import SLAPolicy
from cshealth.support._summary import summary
from cshealth.support._summary_result import SupportSummary

START, END = np.datetime64("2025-03-01", "us"), np.datetime64("2025-04-01", "us")
CHANNELS = np.array(["email", "web", "chat", "phone", "forum"], dtype=object)
PRIORITIES = np.array(["low", "normal", "high", "urgent"], dtype=object)
TARGET_HOURS = {"urgent": 1.0, "high": 4.0}
POLICY = SLAPolicy(by_priority=TARGET_HOURS, clock="calendar")


def tickets(n: int) -> dict[str, np.ndarray]:
    """Tickets created over four months around March 2025, most answered and resolved."""
    rng = np.random.default_rng(0)
    us_per_day = 86_400_000_000
    created = np.datetime64("2025-01-15", "us") + rng.integers(0, 100 * us_per_day, n)
    reply = rng.exponential(6 * 3_600e6, n).astype(np.int64)
    done = reply + rng.exponential(2 * us_per_day, n).astype(np.int64)
    nat = np.datetime64("NaT", "us")
    channel = CHANNELS[rng.integers(0, len(CHANNELS), n)]
    live = (channel == "chat") | (channel == "phone")
    lead = rng.random(n) < 0.02
    return {
        "id": np.array([f"T{i}" for i in range(n)], dtype=object),
        "account_id": np.array([f"A{i % 5000}" for i in range(n)], dtype=object),
        "channel": channel,
        "priority": PRIORITIES[rng.integers(0, len(PRIORITIES), n)],
        "created_at": created,
        "first_response_at": np.where(rng.random(n) < 0.9, created + reply, nat),
        "resolved_at": np.where(rng.random(n) < 0.8, created + done, nat),
        "reopened_count": rng.poisson(0.1, n),
        "agent_replies": rng.poisson(1.5, n),
        "customer_replies": rng.poisson(0.7, n),
        "queue_wait_seconds": np.where(live, rng.exponential(120, n), np.nan),
        "abandoned": live & (rng.random(n) < 0.1),
        "delighted": rng.random(n) < 0.01,
        "service_qualified_lead": lead,
        "lead_revenue": np.where(lead & (rng.random(n) < 0.5), 1000.0, np.nan),
    }


def with_pandas(columns: dict[str, np.ndarray]) -> dict[str, object]:
    """The overall metrics as a pandas user would compute them."""
    df = pd.DataFrame(columns)
    if df["id"].duplicated().any():
        raise ValueError("duplicate ticket ids")
    start, end = pd.Timestamp(START), pd.Timestamp(END)
    created, replied, resolved = df["created_at"], df["first_response_at"], df["resolved_at"]
    new = (created >= start) & (created < end)
    answered = (replied >= start) & (replied < end)
    # abandoned contacts were never served: they are not resolutions (the guide's rule)
    closed = (resolved >= start) & (resolved < end) & ~df["abandoned"].astype(bool)
    first = ((replied - created).dt.total_seconds())[answered]
    resolution = ((resolved - created).dt.total_seconds())[closed]
    fresh = df[new]
    target = fresh["priority"].map(TARGET_HOURS).fillna(24.0) * 3600
    waited = (fresh["first_response_at"] - fresh["created_at"]).dt.total_seconds()
    # the SLA clock stops at resolution: solved before `end` with no reply by then, no verdict
    replied_first = fresh["first_response_at"] <= fresh["resolved_at"]
    unjudged = (fresh["resolved_at"] < end) & ~replied_first
    on_time = (fresh["first_response_at"] < end) & ~unjudged
    waiting = ~(fresh["first_response_at"] < end) & ~unjudged
    elapsed = (end - fresh["created_at"]).dt.total_seconds()
    achieved = int((on_time & (waited <= target)).sum())
    breached = int((on_time & (waited > target)).sum() + (waiting & (elapsed > target)).sum())
    done = df[closed]
    queued = fresh[fresh["channel"].isin(["chat", "phone"]) & fresh["queue_wait_seconds"].notna()]
    picked = queued.loc[~queued["abandoned"], "queue_wait_seconds"]
    short = queued["abandoned"] & (queued["queue_wait_seconds"] < 10)
    leads = fresh[fresh["service_qualified_lead"]]
    return {
        "volume": len(fresh),
        "by_channel": fresh["channel"].value_counts().to_dict(),
        "first_response": (first.median(), first.quantile(0.9)),
        "resolution": (resolution.median(), resolution.quantile(0.9)),
        "sla": (achieved, achieved + breached),
        "fcr": ((done["customer_replies"] == 0).sum(), len(done)),
        "one_touch": ((done["agent_replies"] < 2).sum(), len(done)),
        "reopen": ((done["reopened_count"] > 0).sum(), len(done)),
        "backlog": int(((created < end) & ~(resolved < end)).sum()),
        "queue_wait": (picked.median(), picked.quantile(0.9)),
        "long_waits": ((picked > 300).sum(), len(picked)),
        "abandonment": (
            (queued["abandoned"] & ~short).sum(),
            len(queued) - short.sum(),
        ),
        "wow": fresh.loc[fresh["delighted"]]
        .sort_values("created_at", kind="stable")["id"]
        .tolist(),
        "sql": (len(leads), leads["lead_revenue"].sum(), (leads["lead_revenue"] > 0).sum()),
    }


def check(ours: SupportSummary, theirs: dict[str, object]) -> None:
    """The two agree (a benchmark of different answers would mean nothing)."""
    o = ours
    assert o.volume == theirs["volume"]
    assert dict(o.volume_by_channel) == theirs["by_channel"]
    assert np.allclose((o.first_response.median, o.first_response.p90), theirs["first_response"])
    assert np.allclose((o.resolution.median, o.resolution.p90), theirs["resolution"])
    assert (o.sla.successes, o.sla.n) == theirs["sla"]
    assert (o.fcr.successes, o.fcr.n) == theirs["fcr"]
    assert (o.one_touch.successes, o.one_touch.n) == theirs["one_touch"]
    assert (o.reopen.successes, o.reopen.n) == theirs["reopen"]
    assert o.backlog == theirs["backlog"]
    assert np.allclose((o.queue_wait.median, o.queue_wait.p90), theirs["queue_wait"])
    assert (o.long_waits.successes, o.long_waits.n) == theirs["long_waits"]
    assert (o.abandonment.successes, o.abandonment.n) == theirs["abandonment"]
    assert list(o.wow_ticket_ids) == theirs["wow"]
    assert (o.sql_count, o.sql_revenue, o.sql_conversion.successes) == theirs["sql"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    columns = tickets(args.rows)
    start, end = pd.Timestamp(START, tz="UTC"), pd.Timestamp(END, tz="UTC")

    def run(schedule: Schedule | None = None) -> SupportSummary:
        return summary(columns, start=start, end=end, sla=POLICY, schedule=schedule)

    def run_by(by: str) -> Grouped[SupportSummary]:
        return summary(columns, start=start, end=end, sla=POLICY, by=by)

    check(run(), with_pandas(columns))
    check(run_by("channel").overall, with_pandas(columns))
    theirs = best_of(args.repeat, lambda: with_pandas(columns))
    ours = best_of(args.repeat, run)
    grouped = best_of(args.repeat, lambda: run_by("channel"))
    desk = Schedule.weekdays("09:00", "17:00", timezone="Europe/Berlin")
    business = best_of(args.repeat, lambda: run(schedule=desk))
    print(f"{args.rows:,} tickets, one month's summary, best of {args.repeat}")
    print(f"  pandas, written by hand (reference)        {theirs:8.2f} s  x1.00")
    print(f"  cshealth summary                           {ours:8.2f} s  x{ours / theirs:.2f}")
    print(f"  cshealth summary, by='channel'             {grouped:8.2f} s  x{grouped / theirs:.2f}")
    print(
        f"  cshealth summary, business hours           {business:8.2f} s  x{business / theirs:.2f}"
    )


if __name__ == "__main__":
    main()
