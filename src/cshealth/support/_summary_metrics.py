"""The metrics of `summary`, computed on whole columns.

`_flags` finds once, for the tickets created before the period's end, every per-ticket
fact the metrics need (created, answered or resolved in the period, SLA verdict,
durations); `_stats` turns a set of those flags into a `SupportSummary`, and `_groups`
does so per group, each group's tickets one slice of a single sort by group.

`_stats` goes through a `_Tally`, the sums a summary is built from (counts, durations as
multisets, volumes per channel, wow tickets, revenue): `_tally` takes it from flags, and
`_summary_of` builds the summary from it, for `summary` and for the partial
(`cshealth.support._summary_partial`, whose tallies come from merged rows) alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._grouped import Grouped
from cshealth._grouping import Groups
from cshealth._stats import Rate
from cshealth._types import BoolArray, FloatArray, InstantArray, IntArray, ObjectArray
from cshealth.io import Table
from cshealth.support._schedule import Schedule
from cshealth.support._sla import SLAPolicy, sla_outcome
from cshealth.support._summary_result import DurationStats, SupportSummary
from cshealth.support._tickets import Clock, elapsed_seconds, ticket_column

__all__: list[str] = []


@dataclass(frozen=True)
class _Options:
    """The period and the options of one `summary` call, the same for every group."""

    start: datetime
    end: datetime
    clock: Clock
    sla_clock: Clock
    sla_policy: SLAPolicy
    include_mean: bool
    long_wait_seconds: float
    short_abandon_seconds: float
    live_code: BoolArray
    not_measured: Mapping[str, str]


@dataclass(frozen=True)
class _Flags:
    """Per-ticket facts about the period, for the tickets created before its end."""

    ids: ObjectArray
    created: InstantArray
    channel: IntArray
    created_in: BoolArray
    responded_in: BoolArray
    resolved_in: BoolArray  # resolved in the period and not abandoned
    open_at_end: BoolArray
    response_seconds: FloatArray
    resolution_seconds: FloatArray
    sla_achieved: BoolArray
    sla_breached: BoolArray
    sla_not_applicable: BoolArray
    no_customer_reply: BoolArray
    one_touch: BoolArray
    reopened: BoolArray
    live: BoolArray
    wait: FloatArray
    abandoned: BoolArray
    delighted: BoolArray
    lead: BoolArray
    lead_revenue: FloatArray

    def take(self, rows: IntArray) -> _Flags:
        return _Flags(*(getattr(self, field.name)[rows] for field in fields(self)))

    def active(self) -> BoolArray:
        """Tickets that count for at least one metric of the period."""
        return self.created_in | self.responded_in | self.resolved_in | self.open_at_end


def _flags(
    table: Table,
    rows: IntArray,
    *,
    low: np.datetime64,
    high: np.datetime64,
    schedule: Schedule | None,
    policy: SLAPolicy,
) -> tuple[_Flags, tuple[str, ...]]:
    """Per-ticket facts for the tickets ``rows`` (those created before ``high``)."""

    def col(name: str) -> NDArray[np.generic]:
        return ticket_column(table, name)[rows]

    created = cast("InstantArray", col("created_at"))
    responded = cast("InstantArray", col("first_response_at"))
    resolved = cast("InstantArray", col("resolved_at"))
    abandoned = cast("BoolArray", col("abandoned"))
    created_in = created >= low
    responded_in = (responded >= low) & (responded < high)
    resolved_in = (resolved >= low) & (resolved < high) & ~abandoned
    channel, names = _channel_codes(cast("ObjectArray", col("channel")))
    wait = cast("FloatArray", col("queue_wait_seconds"))
    achieved = np.zeros(len(rows), dtype=bool)
    breached = np.zeros(len(rows), dtype=bool)
    not_applicable = np.zeros(len(rows), dtype=bool)
    new = np.flatnonzero(created_in)
    if len(new):
        targets = policy.target_seconds(col("priority")[new])
        achieved[new], breached[new], not_applicable[new] = sla_outcome(
            created[new],
            responded[new],
            targets,
            resolved=resolved[new],
            at=high,
            schedule=policy.measures_business(schedule),
        )
    return _Flags(
        ids=cast("ObjectArray", col("id")),
        created=created,
        channel=channel,
        created_in=created_in,
        responded_in=responded_in,
        resolved_in=resolved_in,
        open_at_end=~(resolved < high),
        response_seconds=elapsed_seconds(created, responded, responded_in, schedule),
        resolution_seconds=elapsed_seconds(created, resolved, resolved_in, schedule),
        sla_achieved=achieved,
        sla_breached=breached,
        sla_not_applicable=not_applicable,
        no_customer_reply=cast("IntArray", col("customer_replies")) == 0,
        one_touch=cast("IntArray", col("agent_replies")) < 2,
        reopened=cast("IntArray", col("reopened_count")) > 0,
        live=created_in & ~np.isnan(wait),
        wait=wait,
        abandoned=abandoned,
        delighted=cast("BoolArray", col("delighted")),
        lead=cast("BoolArray", col("service_qualified_lead")),
        lead_revenue=cast("FloatArray", col("lead_revenue")),
    ), names


def _channel_codes(channels: ObjectArray) -> tuple[IntArray, tuple[str, ...]]:
    codes, k = id_codes(channels)
    first = np.zeros(k, dtype=np.int64)
    first[codes] = np.arange(len(channels))
    return codes, tuple(str(name) for name in channels[first].tolist())


def _stats(flags: _Flags, options: _Options, names: tuple[str, ...]) -> SupportSummary:
    """The metrics of the tickets in ``flags``; those not measured ``None``."""
    return _summary_of(_tally(flags, options, names), options)


#: The counts of a `_Tally`, by name.
_COUNTS = (
    "volume",
    "resolved",
    "sla_achieved",
    "sla_judged",
    "sla_not_applicable",
    "fcr",
    "one_touch",
    "reopen",
    "backlog",
    "long_waits",
    "live",
    "live_abandoned",
    "short_abandons",
    "sql_count",
    "sql_converted",
    "sql_revenue_known",
)
#: The duration measures of a `_Tally`.
_DURATION_MEASURES = ("first_response", "resolution", "queue_wait")


@dataclass(frozen=True)
class _Tally:
    """What a `SupportSummary` is built from, each part a sum over the tickets.

    Counts add, volumes per channel add, durations are multisets (their union is the
    durations of the union: a median or p90 is exact from them), wow tickets are a set
    (with their creation instants, to order them), and the leads' revenue is a float sum.
    `_summary_of` builds the summary from a tally: `summary` and the partial
    (`cshealth.support._summary_partial`) share it.

    Attributes:
        counts: Every count of `_COUNTS`, by name.
        by_channel: Tickets created in the period per channel name (zeros left out).
        durations: The seconds of each measure of `_DURATION_MEASURES`.
        wow_ids: The delighted tickets created in the period, as text, in creation order.
        wow_created: Their creation instants (microseconds since the epoch, UTC).
        sql_revenue: The sum of the leads' known ``lead_revenue``.
    """

    counts: Mapping[str, int]
    by_channel: Mapping[str, int]
    durations: Mapping[str, FloatArray]
    wow_ids: tuple[str, ...]
    wow_created: IntArray
    sql_revenue: float


def _tally(flags: _Flags, options: _Options, names: tuple[str, ...]) -> _Tally:
    """The tally of the tickets in ``flags``, computed from every column."""
    created_in, resolved_in = flags.created_in, flags.resolved_in
    live = flags.live & options.live_code[flags.channel]
    answered = live & ~flags.abandoned
    waits = flags.wait[answered]
    short = live & flags.abandoned & (flags.wait < options.short_abandon_seconds)
    lead = created_in & flags.lead
    revenue = flags.lead_revenue[lead]
    wow = np.flatnonzero(created_in & flags.delighted)
    wow = wow[np.argsort(flags.created[wow], kind="stable")]
    counts = {
        "volume": _count(created_in),
        "resolved": _count(resolved_in),
        "sla_achieved": _count(flags.sla_achieved),
        "sla_judged": _count(flags.sla_achieved | flags.sla_breached),
        "sla_not_applicable": _count(flags.sla_not_applicable),
        "fcr": _count(resolved_in & flags.no_customer_reply),
        "one_touch": _count(resolved_in & flags.one_touch),
        "reopen": _count(resolved_in & flags.reopened),
        "backlog": _count(flags.open_at_end),
        "long_waits": _count(waits > options.long_wait_seconds),
        "live": _count(live),
        "live_abandoned": _count(live & flags.abandoned),
        "short_abandons": _count(short),
        "sql_count": _count(lead),
        "sql_converted": _count(lead & (flags.lead_revenue > 0)),
        "sql_revenue_known": _count(~np.isnan(revenue)),
    }
    return _Tally(
        counts=counts,
        by_channel=dict(
            zip(names, np.bincount(flags.channel[created_in], minlength=len(names)).tolist())
        ),
        durations={
            "first_response": flags.response_seconds[flags.responded_in],
            "resolution": flags.resolution_seconds[resolved_in],
            "queue_wait": waits,
        },
        wow_ids=tuple(str(ticket) for ticket in flags.ids[wow].tolist()),
        wow_created=flags.created[wow].astype(np.int64),
        sql_revenue=float(np.nansum(revenue)),
    )


def _summary_of(tally: _Tally, options: _Options) -> SupportSummary:
    """The summary of a tally; the measures not measured ``None``."""
    stats = _measured(tally, options)
    if not options.not_measured:
        return stats
    absent = dict(options.not_measured)
    cleared = cast("dict[str, Any]", dict.fromkeys(absent))  # the measures, each None
    return replace(stats, **cleared, not_measured=absent)


def _measured(tally: _Tally, options: _Options) -> SupportSummary:
    """The summary of a tally, every measure computed."""
    c, durations = tally.counts, tally.durations
    volume, resolved, judged = c["volume"], c["resolved"], c["sla_judged"]
    n_short, n_leads = c["short_abandons"], c["sql_count"]
    waits = durations["queue_wait"]
    return SupportSummary(
        start=options.start,
        end=options.end,
        clock=options.clock,
        sla_clock=options.sla_clock,
        sla_policy=options.sla_policy,
        volume=volume,
        volume_by_channel=_by_channel(tally.by_channel),
        first_response=DurationStats.of(
            durations["first_response"], include_mean=options.include_mean
        ),
        resolution=DurationStats.of(durations["resolution"], include_mean=options.include_mean),
        sla=Rate(c["sla_achieved"], judged),
        sla_active=volume - judged - c["sla_not_applicable"],
        sla_not_applicable=c["sla_not_applicable"],
        fcr=Rate(c["fcr"], resolved),
        one_touch=Rate(c["one_touch"], resolved),
        reopen=Rate(c["reopen"], resolved),
        backlog=c["backlog"],
        queue_wait=DurationStats.of(waits, include_mean=options.include_mean),
        long_waits=Rate(c["long_waits"], len(waits)),
        abandonment=Rate(c["live_abandoned"] - n_short, c["live"] - n_short),
        short_abandons=n_short,
        wow=len(tally.wow_ids),
        wow_ticket_ids=tally.wow_ids,
        sql_count=n_leads,
        sql_revenue=tally.sql_revenue,
        sql_rate=Rate(n_leads, volume),
        sql_conversion=Rate(c["sql_converted"], n_leads),
        not_measured={},
    )


def _count(mask: BoolArray) -> int:
    return int(np.count_nonzero(mask))


def _by_channel(counts: Mapping[str, int]) -> Mapping[str, int]:
    """The channels with tickets, largest first (ties by name)."""
    present = sorted(((name, n) for name, n in counts.items() if n), key=lambda x: (-x[1], x[0]))
    return dict(present)


def _groups(
    flags: _Flags,
    rows: IntArray,
    groups: Groups,
    options: _Options,
    channels: tuple[str, ...],
) -> Grouped[SupportSummary]:
    """The summary overall and per group: each group's tickets one slice of one sort.

    ``groups`` holds the group of every ticket row, ``flags`` the facts of the rows
    ``rows`` (those created before the period's end; the others count for nothing). A
    group none of whose tickets counts for any metric of the period gets the summary of
    no tickets, computed once: it is the same.
    """
    overall = _stats(flags, options, channels)
    codes = groups.codes[rows]  # tickets created after the end count for nothing
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=len(groups.labels))
    bounds = np.concatenate(([0], np.cumsum(sizes))).tolist()
    active = flags.active()
    nothing: list[SupportSummary] = []
    results: dict[str, SupportSummary] = {}
    for i, label in enumerate(groups.labels):
        picked = order[bounds[i] : bounds[i + 1]]
        if active[picked].any():
            results[label] = _stats(flags.take(picked), options, channels)
            continue
        if not nothing:
            nothing.append(_stats(flags.take(picked[:0]), options, channels))
        results[label] = nothing[0]
    return Grouped(by=groups.by, overall=overall, groups=results, ungrouped=groups.ungrouped)
