"""The metrics of `summary`, computed on whole columns.

`_flags` finds once, for the tickets created before the period's end, every per-ticket
fact the metrics need (created, answered or resolved in the period, SLA verdict,
durations); `_stats` turns a set of those flags into a `SupportSummary`, and `_groups`
does so per group, each group's tickets one slice of a single sort by group.
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
    stats = _measured(flags, options, names)
    if not options.not_measured:
        return stats
    absent = dict(options.not_measured)
    cleared = cast("dict[str, Any]", dict.fromkeys(absent))  # the measures, each None
    return replace(stats, **cleared, not_measured=absent)


def _measured(flags: _Flags, options: _Options, names: tuple[str, ...]) -> SupportSummary:
    """The metrics of the tickets in ``flags``, computed from every column."""
    created_in, resolved_in = flags.created_in, flags.resolved_in
    volume = int(np.count_nonzero(created_in))
    resolved = int(np.count_nonzero(resolved_in))
    judged = _count(flags.sla_achieved | flags.sla_breached)
    not_applicable = _count(flags.sla_not_applicable)
    live = flags.live & options.live_code[flags.channel]
    answered = live & ~flags.abandoned
    waits = flags.wait[answered]
    short = live & flags.abandoned & (flags.wait < options.short_abandon_seconds)
    n_short = int(np.count_nonzero(short))
    lead = created_in & flags.lead
    n_leads = int(np.count_nonzero(lead))
    wow = np.flatnonzero(created_in & flags.delighted)
    wow = wow[np.argsort(flags.created[wow], kind="stable")]
    return SupportSummary(
        start=options.start,
        end=options.end,
        clock=options.clock,
        sla_clock=options.sla_clock,
        sla_policy=options.sla_policy,
        volume=volume,
        volume_by_channel=_by_channel(flags.channel[created_in], names),
        first_response=DurationStats.of(
            flags.response_seconds[flags.responded_in], include_mean=options.include_mean
        ),
        resolution=DurationStats.of(
            flags.resolution_seconds[resolved_in], include_mean=options.include_mean
        ),
        sla=Rate(_count(flags.sla_achieved), judged),
        sla_active=volume - judged - not_applicable,
        sla_not_applicable=not_applicable,
        fcr=Rate(_count(resolved_in & flags.no_customer_reply), resolved),
        one_touch=Rate(_count(resolved_in & flags.one_touch), resolved),
        reopen=Rate(_count(resolved_in & flags.reopened), resolved),
        backlog=_count(flags.open_at_end),
        queue_wait=DurationStats.of(waits, include_mean=options.include_mean),
        long_waits=Rate(_count(waits > options.long_wait_seconds), len(waits)),
        abandonment=Rate(_count(live & flags.abandoned) - n_short, _count(live) - n_short),
        short_abandons=n_short,
        wow=len(wow),
        wow_ticket_ids=tuple(str(ticket) for ticket in flags.ids[wow].tolist()),
        sql_count=n_leads,
        sql_revenue=float(np.nansum(flags.lead_revenue[lead])),
        sql_rate=Rate(n_leads, volume),
        sql_conversion=Rate(_count(lead & (flags.lead_revenue > 0)), n_leads),
        not_measured={},
    )


def _count(mask: BoolArray) -> int:
    return int(np.count_nonzero(mask))


def _by_channel(codes: IntArray, names: tuple[str, ...]) -> Mapping[str, int]:
    counts = np.bincount(codes, minlength=len(names)).tolist()
    present = sorted(
        ((name, count) for name, count in zip(names, counts) if count), key=lambda x: (-x[1], x[0])
    )
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
