"""The hand-worked ticket set shared by the support tests, and a slow reference.

`reference_stats` is a deliberately different implementation of the support metrics of
spec §5: a plain loop over `Ticket` records with Python datetimes, ``statistics.median``
and a hand-written linear percentile. The library's columnar kernels are compared with it.
It writes out, ticket by ticket, the two rules the library applies to whole columns: the
SLA clock stops at resolution (a ticket closed before the end without a reply has no
verdict) and abandoned contacts are not resolutions.
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st
from tests.strategies import ZONES

from cshealth import Ticket

UTC = timezone.utc


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


# Period [2025-03-01, 2025-04-01); SLA targets: urgent 1 h, high 4 h, the rest 24 h.
# fmt: off
WORKED = [
    # id, account, channel, priority, created, first response, resolved,
    #   agent replies, customer replies, reopened, queue wait, abandoned, delighted, sql, revenue
    ("T01", "A1", "email", "normal", "2025-02-20T09:00", "2025-02-20T12:00", "2025-03-02T09:00",
     3, 2, 1, None, False, False, False, None),
    ("T02", "A1", "email", "high", "2025-03-03T09:00", "2025-03-03T12:00", "2025-03-04T09:00",
     1, 0, 0, None, False, True, False, None),
    ("T03", "A2", "web", "urgent", "2025-03-05T10:00", "2025-03-05T12:00", "2025-03-06T10:00",
     2, 1, 1, None, False, False, False, None),
    ("T04", "A2", "chat", "normal", "2025-03-10T08:00", "2025-03-10T08:00:30", "2025-03-10T08:20",
     1, 0, 0, 30.0, False, False, True, 5000.0),
    ("T05", "A3", "chat", "normal", "2025-03-11T14:00", None, "2025-03-11T14:07",
     0, 0, 0, 400.0, True, False, False, None),
    ("T06", "A3", "phone", "low", "2025-03-12T09:00", None, "2025-03-12T09:00:05",
     0, 0, 0, 5.0, True, False, False, None),
    ("T07", "A1", "phone", "normal", "2025-03-15T10:00", "2025-03-15T10:10", "2025-03-15T10:30",
     1, 0, 0, 600.0, False, False, True, None),
    ("T08", "A4", "forum", "normal", "2025-03-20T09:00", "2025-03-22T09:00", None,
     1, 1, 0, None, False, False, False, None),
    ("T09", "A2", "email", "normal", "2025-03-31T12:00", None, None,
     0, 0, 0, None, False, False, False, None),
    ("T10", "A4", "email", "urgent", "2025-03-31T23:00", "2025-04-01T00:30", "2025-04-02T09:00",
     1, 0, 0, None, False, False, False, None),
    ("T11", "A5", "email", "normal", "2025-02-25T09:00", "2025-03-01T09:00", None,
     1, 0, 0, None, False, False, False, None),
    ("T12", "A5", "email", "normal", "2025-04-01T00:00", "2025-04-01T01:00", None,
     0, 0, 0, None, False, False, False, None),
    ("T13", "A1", "web", "high", "2025-02-10T09:00", "2025-02-10T10:00", "2025-02-11T09:00",
     1, 0, 0, None, False, False, False, None),
    ("T14", "A3", "chat", "normal", "2025-03-25T10:00", "2025-03-25T10:05", "2025-03-25T11:00",
     1, 0, 0, None, False, True, True, 0.0),
]
# fmt: on
FIELDS = (
    "id",
    "account_id",
    "channel",
    "priority",
    "created_at",
    "first_response_at",
    "resolved_at",
    "agent_replies",
    "customer_replies",
    "reopened_count",
    "queue_wait_seconds",
    "abandoned",
    "delighted",
    "service_qualified_lead",
    "lead_revenue",
)  # fmt: skip
INSTANTS = ("created_at", "first_response_at", "resolved_at")


def worked_columns() -> dict[str, list[object]]:
    """The worked tickets as a mapping of columns (instants as ISO text with ``Z``)."""
    columns: dict[str, list[object]] = {name: [] for name in FIELDS}
    for row in WORKED:
        for name, value in zip(FIELDS, row):
            columns[name].append(f"{value}Z" if name in INSTANTS and value is not None else value)
    return columns


def worked_records() -> list[Ticket]:
    records = []
    for row in WORKED:
        values = dict(zip(FIELDS, row))
        for name in INSTANTS:
            values[name] = at(values[name])
        records.append(Ticket(**values))
    return records


# --- random tickets ---

#: Start of the random tickets' month; they are created from 10 days before to 40 after.
BASE = datetime(2025, 3, 1, tzinfo=UTC)
CHANNELS = ("email", "chat", "phone", "web", "forum")


@st.composite
def ticket_lists(draw, max_size=30):
    n = draw(st.integers(0, max_size))
    tickets = []
    for i in range(n):
        zone = draw(st.sampled_from(ZONES))
        hours = draw(st.integers(-10 * 24, 40 * 24))
        created = BASE + timedelta(hours=hours, minutes=draw(st.sampled_from([0, 17, 59])))
        reply = draw(st.none() | st.integers(0, 3 * 24 * 60))  # minutes
        done = draw(st.none() | st.integers(0, 10 * 24 * 60))
        live = draw(st.booleans())
        lead = draw(st.booleans())
        tickets.append(
            Ticket(
                id=f"T{i}",
                account_id=draw(st.sampled_from(["A1", "A2", "A3"])),
                channel=draw(st.sampled_from(CHANNELS)),
                priority=draw(st.sampled_from(["low", "normal", "high", "urgent"])),
                created_at=created.astimezone(zone),
                first_response_at=None if reply is None else created + timedelta(minutes=reply),
                resolved_at=None if done is None else created + timedelta(minutes=done),
                reopened_count=draw(st.integers(0, 2)),
                agent_replies=draw(st.integers(0, 3)),
                customer_replies=draw(st.integers(0, 2)),
                queue_wait_seconds=draw(st.sampled_from([0.0, 5.0, 10.0, 299.5, 300.0, 301.0]))
                if live
                else None,
                abandoned=draw(st.booleans()),
                delighted=draw(st.booleans()),
                service_qualified_lead=lead,
                lead_revenue=draw(st.none() | st.sampled_from([0.0, 120.5])) if lead else None,
            )
        )
    return tickets


# --- the reference ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (Hyndman & Fan type 7)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def durations(values: list[float], include_mean: bool = False) -> dict[str, object]:
    if not values:
        return {"n": 0, "median": None, "p90": None, "mean": None}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p90": percentile(values, 0.9),
        "mean": statistics.fmean(values) if include_mean else None,
    }


def seconds(start: datetime, end: datetime, schedule=None) -> float:
    if schedule is None:
        return (end - start) / timedelta(seconds=1)
    return float(schedule.business_seconds(start, end))


class _Tally:
    """Counters of the reference, filled one ticket at a time."""

    def __init__(self, start, end, *, targets, default_hours, schedule, sla_schedule, live,
                 long_wait, short_abandon):  # fmt: skip
        self.start, self.end = start, end
        self.targets, self.default_hours = targets, default_hours
        self.schedule, self.sla_schedule = schedule, sla_schedule
        self.live, self.long_wait, self.short_abandon = live, long_wait, short_abandon
        self.volume = self.backlog = self.resolved = 0
        self.by_channel: dict[str, int] = {}
        self.first, self.resolution, self.waits = [], [], []
        self.achieved = self.breached = self.active = self.not_applicable = 0
        self.fcr = self.one_touch = self.reopen = 0
        self.long_waits = self.queued = self.abandoned = self.short = 0
        self.wow = []
        self.leads = self.converted = 0
        self.revenue = 0.0

    def add(self, t: Ticket) -> None:
        created, responded, done = t.created_at, t.first_response_at, t.resolved_at
        if created >= self.end:
            return
        if done is None or done >= self.end:
            self.backlog += 1
        if responded is not None and self.start <= responded < self.end:
            self.first.append(seconds(created, responded, self.schedule))
        if done is not None and self.start <= done < self.end and not t.abandoned:
            self.resolved += 1
            self.resolution.append(seconds(created, done, self.schedule))
            self.fcr += t.customer_replies == 0
            self.one_touch += t.agent_replies < 2
            self.reopen += t.reopened_count > 0
        if created >= self.start:
            self.add_created(t)

    def add_created(self, t: Ticket) -> None:
        self.volume += 1
        self.by_channel[t.channel] = self.by_channel.get(t.channel, 0) + 1
        self.add_sla(t)
        if t.channel in self.live and t.queue_wait_seconds is not None:
            self.add_live(t.queue_wait_seconds, t.abandoned)
        if t.delighted:
            self.wow.append((t.created_at, t.id))
        if t.service_qualified_lead:
            self.leads += 1
            self.revenue += t.lead_revenue or 0.0
            self.converted += (t.lead_revenue or 0.0) > 0

    def add_sla(self, t: Ticket) -> None:
        target = self.targets.get(t.priority, self.default_hours) * 3600
        responded, done = t.first_response_at, t.resolved_at
        if done is not None and done < self.end and (responded is None or responded > done):
            self.not_applicable += 1  # closed without a reply: the clock stopped, no verdict
        elif responded is not None and responded < self.end:
            if seconds(t.created_at, responded, self.sla_schedule) <= target:
                self.achieved += 1
            else:
                self.breached += 1
        elif seconds(t.created_at, self.end, self.sla_schedule) > target:
            self.breached += 1
        else:
            self.active += 1

    def add_live(self, wait: float, abandoned: bool) -> None:
        self.queued += 1
        if not abandoned:
            self.waits.append(wait)
            self.long_waits += wait > self.long_wait
        elif wait < self.short_abandon:
            self.short += 1
        else:
            self.abandoned += 1

    def result(self, include_mean: bool) -> dict[str, object]:
        return {
            "volume": self.volume,
            "volume_by_channel": dict(
                sorted(self.by_channel.items(), key=lambda kv: (-kv[1], kv[0]))
            ),
            "first_response": durations(self.first, include_mean),
            "resolution": durations(self.resolution, include_mean),
            "sla": (self.achieved, self.achieved + self.breached),
            "sla_active": self.active,
            "sla_not_applicable": self.not_applicable,
            "fcr": (self.fcr, self.resolved),
            "one_touch": (self.one_touch, self.resolved),
            "reopen": (self.reopen, self.resolved),
            "backlog": self.backlog,
            "queue_wait": durations(self.waits, include_mean),
            "long_waits": (self.long_waits, len(self.waits)),
            "abandonment": (self.abandoned, self.queued - self.short),
            "short_abandons": self.short,
            "wow": len(self.wow),
            "wow_ticket_ids": [ticket for _, ticket in sorted(self.wow, key=lambda w: w[0])],
            "sql_count": self.leads,
            "sql_revenue": self.revenue,
            "sql_rate": (self.leads, self.volume),
            "sql_conversion": (self.converted, self.leads),
        }


def reference_stats(
    tickets: list[Ticket],
    start: datetime,
    end: datetime,
    *,
    targets: dict[str, float],
    default_hours: float = 24.0,
    schedule=None,
    sla_schedule=None,
    live=("chat", "phone"),
    long_wait=300.0,
    short_abandon=10.0,
    include_mean=False,
) -> dict[str, object]:
    """The metrics of ``tickets`` over ``[start, end)``, one ticket at a time."""
    tally = _Tally(
        start, end, targets=targets, default_hours=default_hours, schedule=schedule,
        sla_schedule=sla_schedule, live=live, long_wait=long_wait, short_abandon=short_abandon,
    )  # fmt: skip
    for ticket in tickets:
        tally.add(ticket)
    return tally.result(include_mean)


def comparable(stats_dict: dict[str, object]) -> dict[str, object]:
    """A `SupportSummary.to_dict()`'s measures in the reference's shape (rates as (successes, n)).

    The period fields are left out. The reference reads records, which have every field:
    nothing may be "not measured".
    """
    assert stats_dict["not_measured"] == {}
    return {
        name: (value["successes"], value["n"])
        if isinstance(value, dict) and "successes" in value
        else value
        for name, value in stats_dict.items()
        if name not in _NOT_MEASURES
    }


#: The fields of a `SupportSummary.to_dict()` that are not measures.
_NOT_MEASURES = frozenset({"start", "end", "clock", "sla_clock", "sla_policy", "not_measured"})


def assert_close(got: object, want: object, path: str = "") -> None:
    """Equal, floats to a relative 1e-9, through dicts, lists and tuples."""
    if isinstance(want, dict):
        assert isinstance(got, dict), path
        assert list(got) == list(want), path
        for key in want:
            assert_close(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), path
        for i, (a, b) in enumerate(zip(got, want)):
            assert_close(a, b, f"{path}[{i}]")
    elif isinstance(want, float):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6), (path, got, want)
    else:
        assert got == want, (path, got, want)
