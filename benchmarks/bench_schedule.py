"""``Schedule.business_seconds`` on 1,000,000 tickets, beside the per-row loop a user would write.

Run: ``cd benchmarks && python bench_schedule.py [--rows 1000000] [--repeat 5] [--slice 10000]``

Tickets are created at random over 2024-2025 and first answered 0-72 hours later; the
schedule is Berlin, Monday to Friday 09:00-17:00, with the German national holidays. The
per-row function walks each ticket's local days with ``zoneinfo`` and sums the overlap with
that day's opening hours. It runs on the first ``--slice`` rows only (a million would take
minutes) and its time is scaled up to ``--rows``; the two must agree on that slice.

``business_seconds`` caches its interval table per schedule and calendar year, so the
first call (which builds it) is timed on its own, then the best of ``--repeat``; the
per-row loop is timed as the best of ``--repeat`` runs over the slice.
"""

from __future__ import annotations

import argparse
import time as clock
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from _timing import best_of
from cshealth.support._schedule import Schedule

BERLIN = ZoneInfo("Europe/Berlin")
#: German national holidays
HOLIDAYS = [
    date.fromisoformat(day)
    for day in [
        "2024-01-01",
        "2024-03-29",
        "2024-04-01",
        "2024-05-01",
        "2024-05-09",
        "2024-05-20",
        "2024-10-03",
        "2024-12-25",
        "2024-12-26",
        "2025-01-01",
        "2025-04-18",
        "2025-04-21",
        "2025-05-01",
        "2025-05-29",
        "2025-06-09",
        "2025-10-03",
        "2025-12-25",
        "2025-12-26",
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
    ]
]


def per_row(start: datetime, end: datetime, holidays: set[date]) -> float:
    """Business seconds of one ticket, the way one would write it by hand."""
    total = 0.0
    day = start.astimezone(BERLIN).date()
    last = end.astimezone(BERLIN).date()
    while day <= last:
        if day.weekday() < 5 and day not in holidays:
            opens = datetime.combine(day, time(9), tzinfo=BERLIN).astimezone(timezone.utc)
            closes = datetime.combine(day, time(17), tzinfo=BERLIN).astimezone(timezone.utc)
            overlap = (min(closes, end) - max(opens, start)).total_seconds()
            total += max(overlap, 0.0)
        day += timedelta(days=1)
    return total


def tickets(rows: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    first = np.datetime64("2024-01-01T00:00:00", "us")
    span_s = 2 * 365 * 86_400
    created = first + rng.integers(0, span_s, size=rows) * np.timedelta64(1, "s")
    responded = created + rng.integers(0, 72 * 3_600, size=rows) * np.timedelta64(1, "s")
    return created, responded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--slice", type=int, default=10_000)
    args = parser.parse_args()
    created, responded = tickets(args.rows)
    schedule = Schedule.weekdays("09:00", "17:00", timezone="Europe/Berlin", holidays=HOLIDAYS)

    began = clock.perf_counter()
    result = schedule.business_seconds(created, responded)
    cold = clock.perf_counter() - began
    warm = best_of(args.repeat, lambda: schedule.business_seconds(created, responded))

    n = min(args.slice, args.rows)
    starts = [datetime.fromisoformat(f"{t}+00:00") for t in created[:n].astype(str)]
    ends = [datetime.fromisoformat(f"{t}+00:00") for t in responded[:n].astype(str)]
    holidays = set(HOLIDAYS)
    expected = [per_row(a, b, holidays) for a, b in zip(starts, ends)]
    loop_slice = best_of(
        args.repeat, lambda: [per_row(a, b, holidays) for a, b in zip(starts, ends)]
    )
    loop = loop_slice * args.rows / n
    worst = float(np.max(np.abs(np.asarray(expected) - result[:n]), initial=0.0))
    if worst > 1e-6:
        raise SystemExit(f"the per-row function and business_seconds disagree by {worst} s")

    print(f"{args.rows:,} tickets over 2024-2025, Berlin Mon-Fri 09-17 with holidays")
    print(f"  mean business wait: {np.mean(result) / 3600:.2f} h")
    rows = [
        (f"per-row Python loop, scaled to {args.rows:,}", loop, "x1"),
        ("Schedule.business_seconds, first call", cold, f"x{loop / cold:,.0f} faster"),
        (f"Schedule.business_seconds, best of {args.repeat}", warm, f"x{loop / warm:,.0f} faster"),
    ]
    for label, seconds, ratio in rows:
        print(f"  {label:<42} {seconds:8.3f} s   {ratio}")
    print(f"  (the loop took {loop_slice:.3f} s on the first {n:,} rows, best of {args.repeat})")
    print(f"  agreement on the {n:,}-row slice: largest difference {worst:.1e} s")


if __name__ == "__main__":
    main()
