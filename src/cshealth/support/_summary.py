"""Support performance over a period: volumes, response and resolution times, rates.

`summary` reads a set of tickets once and reports, for the half-open period
``[start, end)``, the metrics of spec §5 overall and, optionally, per group (channel,
priority, an account attribute or any labels). Each metric is bucketed on its own event
date (spec §5, DECISION): volume on creation, first-response time on the reply, resolution
time and the resolution rates on the resolution (abandoned contacts, never served, are
left out of the resolution metrics). Durations are summarised by their median and 90th
percentile (means are skewed by a few long waits); every rate is a `Rate` with its count
and Wilson interval.

Everything is computed on whole columns: per-ticket flags and durations are found once,
then each group's tickets are one slice of a single sort by group.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._absent import NOT_MEASURED, absent_reason, listed, not_measured
from cshealth._checks import iso
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, jsonable
from cshealth._stats import Rate
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, BoolArray, FloatArray, InstantArray, IntArray, ObjectArray
from cshealth.io import Table
from cshealth.io._read import keyed_values
from cshealth.support._schedule import Schedule
from cshealth.support._tickets import (
    Clock,
    SLAPolicy,
    check_policy,
    check_schedule,
    elapsed_seconds,
    read_tickets,
    sla_outcome,
    ticket_column,
)

__all__ = ["NO_GROUP", "DurationStats", "SupportStats", "SupportSummary", "summary"]

#: The group of tickets without a label (an account missing from a ``by`` mapping).
NO_GROUP = "(none)"
_BY_COLUMNS = ("channel", "priority")
_OPTIONAL = (
    "priority",
    "first_response_at",
    "resolved_at",
    "reopened_count",
    "agent_replies",
    "customer_replies",
    "queue_wait_seconds",
    "abandoned",
    "delighted",
    "service_qualified_lead",
    "lead_revenue",
)
#: The optional ticket columns each measure is computed from. Without them the measure is
#: not measured (``None``, with the reason in ``not_measured``), never a number built on
#: the model's defaults (no replies would make every resolution one-touch).
_NEEDS: dict[str, tuple[str, ...]] = {
    "first_response": ("first_response_at",),
    "resolution": ("resolved_at",),
    "sla": ("first_response_at", "resolved_at"),
    "sla_active": ("first_response_at", "resolved_at"),
    "sla_not_applicable": ("first_response_at", "resolved_at"),
    "fcr": ("resolved_at", "customer_replies"),
    "one_touch": ("resolved_at", "agent_replies"),
    "reopen": ("resolved_at", "reopened_count"),
    "backlog": ("resolved_at",),
    "queue_wait": ("queue_wait_seconds",),
    "long_waits": ("queue_wait_seconds",),
    "abandonment": ("queue_wait_seconds", "abandoned"),
    "short_abandons": ("queue_wait_seconds", "abandoned"),
    "wow": ("delighted",),
    "sql_count": ("service_qualified_lead",),
    "sql_revenue": ("service_qualified_lead", "lead_revenue"),
    "sql_rate": ("service_qualified_lead",),
    "sql_conversion": ("service_qualified_lead", "lead_revenue"),
}
#: A not-measured value in the text table.
_NOT_MEASURED_CELL = "n/m"


def _duration_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    if seconds < 172800:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} d"


def _short(seconds: float | None) -> str:
    """A duration in two or three significant figures and a unit; ``-`` for none."""
    if seconds is None:
        return "-"
    for limit, unit, size in ((120, "s", 1), (7200, "min", 60), (172800, "h", 3600)):
        if seconds < limit:
            value = seconds / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{seconds / 86400:.1f} d"


def _percent(rate: Rate | None) -> str:
    if rate is None:
        return _NOT_MEASURED_CELL
    return "-" if rate.statistic is None else f"{100 * rate.statistic:.0f}%"


def _median(stats: DurationStats | None, name: str = "median") -> str:
    if stats is None:
        return _NOT_MEASURED_CELL
    value: float | None = getattr(stats, name)
    return _short(value)


def _whole(count: int | None) -> str:
    return _NOT_MEASURED_CELL if count is None else str(count)


@dataclass(frozen=True, eq=False, repr=False)
class DurationStats(Result):
    """The median, 90th percentile and (optionally) mean of a set of durations.

    Percentiles use numpy's default (linear interpolation between order statistics,
    ``numpy.quantile(..., method='linear')``).

    Attributes:
        n: How many durations.
        median: Their median in seconds; ``None`` when ``n == 0``.
        p90: Their 90th percentile in seconds; ``None`` when ``n == 0``.
        mean: Their mean in seconds, when asked for and ``n > 0``; else ``None``.

    Examples:
        >>> import numpy as np
        >>> DurationStats.of(np.array([60.0, 3600.0, 7200.0]), include_mean=True)
        DurationStats(n=3, median=60 min, p90=108 min, mean=60.3 min)
    """

    n: int
    median: float | None
    p90: float | None
    mean: float | None = None

    @classmethod
    def of(cls, seconds: FloatArray, *, include_mean: bool = False) -> DurationStats:
        """The statistics of ``seconds`` (every value known)."""
        if not len(seconds):
            return cls(0, None, None, None)
        median, p90 = np.quantile(seconds, [0.5, 0.9]).tolist()
        mean = float(seconds.mean()) if include_mean else None
        return cls(len(seconds), median, p90, mean)

    def __repr__(self) -> str:
        parts = [f"n={self.n}"]
        for name in ("median", "p90", "mean"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={_duration_text(value)}")
        return f"DurationStats({', '.join(parts)})"


@dataclass(frozen=True, eq=False, repr=False)
class SupportStats(Result):
    """The support metrics of one set of tickets over a period (see `summary`).

    Attributes:
        volume: Tickets created in the period.
        volume_by_channel: Those tickets per channel, largest first (unknown channels
            are their own groups).
        first_response: Response times of the tickets first answered in the period.
        resolution: Creation to latest resolution, of the tickets resolved in the period
            (abandoned contacts left out).
        sla: First-response SLA achievement of the tickets created in the period,
            ``achieved / (achieved + breached)``; targets without a verdict are left out.
        sla_active: Tickets created in the period whose target was still active at the
            period's end (no response, not resolved, target not yet passed).
        sla_not_applicable: Tickets created in the period and resolved before its end
            without a first response: the SLA clock stopped at resolution, so they have
            no verdict. ``sla.n + sla_active + sla_not_applicable == volume``.
        fcr: First-contact resolution: resolved tickets without customer replies
            (abandoned contacts left out here and in the next two rates).
        one_touch: Resolved tickets with fewer than 2 agent replies.
        reopen: Resolved tickets that were reopened at least once.
        backlog: Tickets created before the end and not resolved before it.
        queue_wait: Queue waits of answered live contacts created in the period.
        long_waits: Answered live contacts that waited longer than the threshold.
        abandonment: Abandoned live contacts (short abandons left out) over queued
            contacts (short abandons left out).
        short_abandons: Live contacts abandoned before the short-abandon threshold.
        wow: Delighted tickets created in the period.
        wow_ticket_ids: Their ids, in creation order.
        sql_count: Service-qualified leads among the tickets created in the period.
        sql_revenue: The sum of their known ``lead_revenue``.
        sql_rate: Leads among the tickets created in the period.
        sql_conversion: Leads with ``lead_revenue > 0`` among the leads.
        not_measured: Measure name to the reason it was not measured: a measure whose
            ticket column is absent from the data (no ``agent_replies`` column for
            ``one_touch``) is ``None``, never a rate built on the model's defaults.

    Examples:
        >>> from datetime import date
        >>> tickets = {
        ...     "id": ["T-1", "T-2"],
        ...     "channel": ["email", "web"],
        ...     "created_at": ["2025-03-03T09:00Z", "2025-03-04T09:00Z"],
        ...     "resolved_at": ["2025-03-03T10:00Z", None],
        ...     "agent_replies": [1, 3],
        ... }
        >>> stats = summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1)).overall
        >>> stats.volume, stats.backlog, stats.one_touch
        (2, 1, Rate(1, 1 of 1))
        >>> stats.to_dict()["resolution"]
        {'n': 1, 'median': 3600.0, 'p90': 3600.0, 'mean': None}

        These tickets have no ``customer_replies`` or ``reopened_count`` column, so
        first-contact resolution and the reopen rate were not measured:

        >>> stats.fcr is None, stats.not_measured["reopen"]
        (True, 'no `reopened_count` column')
    """

    volume: int
    volume_by_channel: Mapping[str, int]
    first_response: DurationStats | None
    resolution: DurationStats | None
    sla: Rate | None
    sla_active: int | None
    sla_not_applicable: int | None
    fcr: Rate | None
    one_touch: Rate | None
    reopen: Rate | None
    backlog: int | None
    queue_wait: DurationStats | None
    long_waits: Rate | None
    abandonment: Rate | None
    short_abandons: int | None
    wow: int | None
    wow_ticket_ids: tuple[str, ...]
    sql_count: int | None
    sql_revenue: float | None
    sql_rate: Rate | None
    sql_conversion: Rate | None
    not_measured: Mapping[str, str]

    def __repr__(self) -> str:
        median = None if self.first_response is None else self.first_response.median
        response = "-" if median is None else _duration_text(median)
        if self.first_response is None:
            response = NOT_MEASURED
        shown = {
            name: NOT_MEASURED if name in self.not_measured else repr(getattr(self, name))
            for name in ("sla", "one_touch", "backlog")
        }
        return (
            f"SupportStats(volume={self.volume}, first_response median={response}, "
            f"sla={shown['sla']}, one_touch={shown['one_touch']}, backlog={shown['backlog']})"
        )


#: The measures of `SupportStats`, in field order.
_FIELDS = tuple(field.name for field in fields(SupportStats) if field.name != "not_measured")


@dataclass(frozen=True, eq=False, repr=False)
class SupportSummary(Result):
    """Support metrics over ``[start, end)``, overall and per group.

    Attributes:
        start: The first instant of the period (UTC).
        end: The first instant after the period (UTC).
        clock: ``'calendar'``, or ``'business'`` when a schedule was given: how
            response and resolution times are measured.
        sla_clock: How response times are measured against SLA targets.
        sla_policy: The targets used.
        by: What the groups are: a column name, ``'account'`` for an account mapping,
            ``'labels'`` for labels per ticket, or ``None`` without groups.
        overall: The metrics of all the tickets.
        groups: The metrics per group, largest volume first (ties by name).
        not_measured: Measure name to the reason it was not measured (a ticket column
            the data does not have); those measures are ``None`` overall and in every
            group.

    Examples:
        >>> from datetime import date
        >>> tickets = {
        ...     "id": ["T-1", "T-2", "T-3"],
        ...     "channel": ["email", "chat", "chat"],
        ...     "created_at": ["2025-03-03T09:00Z", "2025-03-04T09:00Z", "2025-03-05T09:00Z"],
        ... }
        >>> s = summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1), by="channel")
        >>> {name: stats.volume for name, stats in s.groups.items()}
        {'chat': 2, 'email': 1}
        >>> s.to_dict()["groups"]["chat"]["volume"]
        2
    """

    start: datetime
    end: datetime
    clock: Clock
    sla_clock: Clock
    sla_policy: SLAPolicy
    by: str | None
    overall: SupportStats
    groups: Mapping[str, SupportStats]

    @property
    def not_measured(self) -> Mapping[str, str]:
        """Measure name to the reason it was not measured (the same in every group)."""
        return self.overall.not_measured

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: every field (`Result.to_dict`), and ``not_measured``."""
        return {**super().to_dict(), "not_measured": jsonable(self.not_measured)}

    def format(self) -> str:
        """The summary as a text table: a line for all tickets, then one per group.

        Columns: tickets created, first response (reply) median and p90, resolution
        median, SLA achievement, one-touch, first-contact resolution and reopen rates (as
        percentages; ``-`` when undefined) and the backlog at ``end``. A measure whose
        ticket column is absent shows ``n/m``, and a last line says which were not
        measured and why. ``str(summary)`` and ``print(summary)`` give the same text.

        Examples:
            >>> from datetime import date
            >>> tickets = {
            ...     "id": ["T-1", "T-2"],
            ...     "channel": ["email", "chat"],
            ...     "created_at": ["2025-03-03T09:00Z", "2025-03-04T09:00Z"],
            ...     "first_response_at": ["2025-03-03T11:00Z", "2025-03-04T09:01Z"],
            ...     "resolved_at": ["2025-03-03T12:00Z", None],
            ...     "agent_replies": [1, 1],
            ... }
            >>> s = summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1), by="channel")
            >>> print(s)
            group  tickets    reply      p90  resolved   SLA  1-touch   FCR  reopen  backlog
            all          2   60 min  108 min     3.0 h  100%     100%   n/m     n/m        1
            chat         1     60 s     60 s         -  100%        -   n/m     n/m        1
            email        1    2.0 h    2.0 h     3.0 h  100%     100%   n/m     n/m        0
            n/m = not measured: FCR, reopen (no `customer_replies` and `reopened_count` columns)
        """
        rows = [("all", self.overall), *self.groups.items()]
        width = max([len(name) for name, _ in rows] + [5])
        lines = [
            f"{'group':<{width}}  tickets    reply      p90  resolved   SLA  1-touch   FCR"
            "  reopen  backlog"
        ]
        for name, stats in rows:
            lines.append(
                f"{name:<{width}}  {stats.volume:>7}  {_median(stats.first_response):>7}"
                f"  {_median(stats.first_response, 'p90'):>7}  {_median(stats.resolution):>8}"
                f"  {_percent(stats.sla):>4}  {_percent(stats.one_touch):>7}"
                f"  {_percent(stats.fcr):>4}  {_percent(stats.reopen):>6}"
                f"  {_whole(stats.backlog):>7}"
            )
        footnote = _footnote(self.not_measured)
        return "\n".join([*lines, footnote] if footnote else lines)

    def __repr__(self) -> str:
        grouped = f", {len(self.groups)} groups by {self.by!r}" if self.by is not None else ""
        absent = f", {NOT_MEASURED}: {listed(list(self.not_measured))}" if self.not_measured else ""
        return (
            f"SupportSummary({self.start.isoformat()} to {self.end.isoformat()}, "
            f"clock={self.clock!r}, volume={self.overall.volume}{grouped}{absent})"
        )


#: The measures of `SupportSummary.format`, by column heading.
_TABLE_COLUMNS = {
    "reply": "first_response",
    "resolved": "resolution",
    "SLA": "sla",
    "1-touch": "one_touch",
    "FCR": "fcr",
    "reopen": "reopen",
    "backlog": "backlog",
}


def _footnote(reasons: Mapping[str, str]) -> str:
    """The line under the table naming its columns that were not measured, and why."""
    headings = [heading for heading, name in _TABLE_COLUMNS.items() if name in reasons]
    if not headings:
        return ""
    absent = list(
        dict.fromkeys(
            column
            for heading in headings
            for column in _NEEDS[_TABLE_COLUMNS[heading]]
            if f"`{column}`" in reasons[_TABLE_COLUMNS[heading]]
        )
    )
    return f"{_NOT_MEASURED_CELL} = {NOT_MEASURED}: {', '.join(headings)} ({absent_reason(absent)})"


@dataclass(frozen=True)
class _Options:
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


def summary(
    tickets: object,
    *,
    start: AsOf,
    end: AsOf,
    schedule: Schedule | None = None,
    by: str | Mapping[str, object] | Mapping[int, object] | ArrayLike | None = None,
    sla: SLAPolicy | None = None,
    live_channels: Collection[str] = ("chat", "phone"),
    long_wait_seconds: float = 300,
    short_abandon_seconds: float = 10,
    include_mean: bool = False,
) -> SupportSummary:
    """Support metrics over the period ``[start, end)``, overall and per group.

    Rules (spec §5; each metric is bucketed on the date of its own event):

    * ``volume``: tickets created in the period, in total and per channel (a channel
      cshealth does not know is kept as its own group).
    * ``first_response``: over tickets whose first response happened in the period,
      whenever they were created. ``resolution``: creation to the latest resolution,
      over tickets resolved in the period, abandoned contacts left out. Median and 90th
      percentile (numpy's default linear interpolation); the mean only with
      ``include_mean``. Calendar seconds, or business seconds when a ``schedule`` is
      given (``clock``).
    * ``sla``: first-response SLA of the tickets created in the period, judged at
      ``end`` (a reply or resolution at or after ``end`` has not happened yet):
      achieved when the response time is at most the ticket's target (per priority),
      breached when the reply came later or when, neither answered nor resolved, the
      time elapsed at ``end`` exceeds the target. The SLA clock stops at resolution: a
      ticket resolved before ``end`` without a first response (at or before the
      resolution) has no verdict, whenever its target passed, and is counted in
      ``sla_not_applicable``. Targets still active at ``end`` are counted in
      ``sla_active``. Rate = achieved / (achieved + breached), so
      ``sla.n + sla_active + sla_not_applicable == volume``.
    * Over tickets resolved in the period: ``fcr`` (no customer replies), ``one_touch``
      (fewer than 2 agent replies, so tickets solved without a reply count) and
      ``reopen`` (reopened at least once; ``reopened_count`` is the record's snapshot).
    * Abandoned contacts are not resolutions: a ticket with ``abandoned=True`` (a call
      or chat the customer gave up on, often closed by the desk seconds later) was
      never served, so it is left out of ``resolution``, ``fcr``, ``one_touch`` and
      ``reopen`` (as Help Scout computes resolution metrics only for conversations with
      a reply). It still counts in ``volume``, ``backlog``, the queue metrics, ``wow``
      and the leads.
    * ``backlog``: tickets created before ``end`` and not resolved before it, however
      old.
    * Live contacts (``channel`` in ``live_channels``, created in the period, with a
      known ``queue_wait_seconds``): ``queue_wait`` over answered (not abandoned)
      contacts; ``long_waits`` = answered contacts that waited more than
      ``long_wait_seconds`` / answered; ``abandonment`` = abandoned contacts that waited
      at least ``short_abandon_seconds`` / (queued contacts - short abandons): short
      abandons are left out of both (spec §5), and counted in ``short_abandons``.
    * ``wow``: delighted tickets created in the period, with their ids in creation order.
    * Service-qualified leads among the tickets created in the period: ``sql_count``,
      ``sql_revenue`` (sum of the known ``lead_revenue``), ``sql_rate`` = leads /
      tickets, ``sql_conversion`` = leads with ``lead_revenue > 0`` / leads.
    * Absent is not a number: a measure computed from a ticket column the data does not
      have is ``None`` and listed in ``not_measured`` with the reason (``one_touch``:
      "no `agent_replies` column"), never a rate of the model's defaults (which would
      make every resolution one-touch). Records always have every field. The columns
      each measure needs: ``first_response`` ``first_response_at``; the SLA figures
      ``first_response_at`` and ``resolved_at`` (the SLA clock stops at resolution);
      ``resolution`` and ``backlog`` ``resolved_at``; ``fcr``,
      ``one_touch`` and ``reopen`` ``resolved_at`` and ``customer_replies``,
      ``agent_replies``, ``reopened_count``; the queue figures ``queue_wait_seconds``
      (and ``abandoned`` for ``abandonment`` and ``short_abandons``); ``wow``
      ``delighted``; the leads ``service_qualified_lead`` (and ``lead_revenue`` for
      ``sql_revenue`` and ``sql_conversion``).

    Args:
        tickets: `Ticket` records, a `Table`, a mapping of columns or a data frame.
            Needs ``id``, ``channel`` and ``created_at``; the measures of an absent
            optional column are not measured (``priority`` absent: every ticket has
            the default SLA target; grouping ``by='priority'`` is refused).
        start: First day (midnight UTC) or aware ``datetime`` of the period.
        end: First day or aware ``datetime`` after the period.
        schedule: Business hours for response and resolution times (and SLA times when
            the policy's clock is ``business``); ``None`` measures calendar time.
        by: Groups: ``None``; a ticket column, ``{'channel', 'priority'}``; a mapping
            ``{account_id: label}`` (a segment, a plan), its keys matched to the tickets'
            account ids as every id is (text keys for text ids, whole numbers for
            whole numbers); or one label per ticket row.
            Tickets without a label (an account absent from the mapping, a label of
            ``None``) form the group ``'(none)'``. Labels are shown as text. A group
            is listed when at least one of its tickets counts for some metric.
        sla: First-response targets; default ``SLAPolicy()`` (24 hours, on business time
            when a schedule is given, else on calendar time).
        live_channels: The channels of live contacts (queues and abandonment).
        long_wait_seconds: A queue wait above this is a long wait (``>= 0``).
        short_abandon_seconds: An abandon after waiting less than this is a short
            abandon (``>= 0``; 0 keeps every abandon).
        include_mean: Also report mean durations.

    Returns:
        The `SupportSummary`. With no tickets, counts are 0, rates have ``n == 0``
        (statistic ``None``) and duration statistics are ``None``. Measures whose
        columns are absent are ``None``, with their reasons in ``not_measured``.

    Raises:
        InvalidInputError: On bad tickets (a naive datetime, a reply or resolution
            before creation, a negative queue wait: every one with its row), duplicate
            ticket ids, ``end <= start``, a ``by`` column other than ``channel`` or
            ``priority``, ``by='priority'`` on tickets without a ``priority`` column,
            a ``by`` mapping whose keys can never match the account ids (text keys for
            whole-number ids, or the reverse), labels not one per ticket, or a bad
            option.

    Examples:
        Three email tickets and a chat in March 2025:

        >>> from datetime import date
        >>> tickets = {
        ...     "id": ["T-1", "T-2", "T-3", "T-4"],
        ...     "account_id": ["A-1", "A-1", "A-2", "A-3"],
        ...     "channel": ["email", "email", "email", "chat"],
        ...     "created_at": [
        ...         "2025-03-03T09:00Z",
        ...         "2025-03-10T09:00Z",
        ...         "2025-03-20T09:00Z",
        ...         "2025-03-21T09:00Z",
        ...     ],
        ...     "first_response_at": [
        ...         "2025-03-03T10:00Z",
        ...         "2025-03-11T15:00Z",
        ...         "2025-03-20T11:00Z",
        ...         "2025-03-21T09:01Z",
        ...     ],
        ...     "resolved_at": ["2025-03-04T09:00Z", None, None, "2025-03-21T09:20Z"],
        ...     "queue_wait_seconds": [None, None, None, 45.0],
        ... }
        >>> s = summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1), by="channel")
        >>> s
        SupportSummary(2025-03-01T00:00:00+00:00 to 2025-04-01T00:00:00+00:00,
                       clock='calendar', volume=4, 2 groups by 'channel',
                       not measured: fcr, one_touch, reopen and 7 more)
        >>> s.overall.first_response
        DurationStats(n=4, median=90 min, p90=21.6 h)
        >>> s.overall.sla  # T-2 waited 30 h against a 24 h target
        Rate(0.75, 3 of 4)
        >>> s.overall.backlog, s.groups["email"].backlog
        (2, 2)
    """
    low, high = as_instant(start, "start"), as_instant(end, "end")
    if high <= low:
        msg = f"`end` ({iso(end)}) must be after `start` ({iso(start)}); the period is [start, end)"
        raise InvalidInputError(msg)
    policy = check_policy(sla)
    check_schedule(schedule)
    long_wait, short_abandon = _check_options(
        live_channels, long_wait_seconds, short_abandon_seconds, include_mean
    )
    column = _by_column(by)
    need = ["channel", *(["account_id"] if isinstance(by, Mapping) else [])]
    table = read_tickets(tickets, need=need, optional=list(_OPTIONAL))
    labels = _by_labels(table, by, column)
    rows = np.flatnonzero(cast("InstantArray", table["created_at"]) < high)
    flags, names = _flags(table, rows, low=low, high=high, schedule=schedule, policy=policy)
    live_code = np.array([name in live_channels for name in names], dtype=bool)
    absent = not_measured(table.columns, _NEEDS)
    options = _Options(include_mean, long_wait, short_abandon, live_code, absent)
    overall = _stats(flags, options, names)
    groups: dict[str, SupportStats] = {}
    if labels is not None:
        groups = _groups(flags, labels[rows], options, names)
    return SupportSummary(
        start=to_datetime(low),
        end=to_datetime(high),
        clock="calendar" if schedule is None else "business",
        sla_clock="calendar" if policy.measures_business(schedule) is None else "business",
        sla_policy=policy,
        by=column if column is not None else _by_kind(by),
        overall=overall,
        groups=groups,
    )


def _check_options(
    live_channels: object, long_wait: object, short_abandon: object, include_mean: object
) -> tuple[float, float]:
    if isinstance(live_channels, str) or not isinstance(live_channels, Collection):
        msg = (
            "`live_channels` must be a collection of channel names such as "
            f"('chat', 'phone'), got {live_channels!r}"
        )
        raise InvalidInputError(msg)
    if not isinstance(include_mean, bool):
        msg = f"`include_mean` must be True or False, got {include_mean!r}"
        raise InvalidInputError(msg)
    return _seconds_option("long_wait_seconds", long_wait), _seconds_option(
        "short_abandon_seconds", short_abandon
    )


def _seconds_option(name: str, value: object) -> float:
    number = isinstance(value, (int, float, np.integer, np.floating))
    if isinstance(value, bool) or not number or not 0 <= cast("float", value) < math.inf:
        msg = f"`{name}` must be a finite number of seconds >= 0, got {value!r}"
        raise InvalidInputError(msg)
    return float(cast("float", value))


def _by_column(by: object) -> str | None:
    if not isinstance(by, str):
        return None
    if by not in _BY_COLUMNS:
        msg = (
            f"`by` names the column {by!r}; tickets can be grouped by the column "
            f"{' or '.join(map(repr, _BY_COLUMNS))}, by a mapping {{account_id: label}} or by "
            "one label per ticket"
        )
        raise InvalidInputError(msg)
    return by


def _by_kind(by: object) -> str | None:
    if by is None:
        return None
    return "account" if isinstance(by, Mapping) else "labels"


def _by_labels(table: Table, by: object, column: str | None) -> NDArray[np.generic] | None:
    """One raw label per ticket row (``None`` for no label), or ``None`` without groups."""
    if by is None:
        return None
    if column is not None:
        if column not in table.columns:  # the model's default for all: one group, no grouping
            msg = (
                f"`by={column!r}` groups the tickets by their `{column}` column, which they "
                f"do not have (columns: {sorted(table.columns)}); without it every ticket "
                "would take the default and fall in one group; pass tickets with a "
                f"`{column}` column, or group by 'channel'"
            )
            raise InvalidInputError(msg)
        return ticket_column(table, column)
    if isinstance(by, Mapping):
        return _per_account(table["account_id"], by)
    labels = np.asarray(by, dtype=object)
    if labels.shape != (table.n_rows,):
        msg = (
            f"`by` labels must be one per ticket ({table.n_rows}), got shape {labels.shape}; "
            "or pass a column name or a mapping {account_id: label}"
        )
        raise InvalidInputError(msg)
    return labels


def _per_account(account_ids: NDArray[np.generic], by: object) -> NDArray[np.generic]:
    """The label ``by`` gives each row's account (``None`` for an account it does not name).

    The keys are matched by the identifier rule (`keyed_values`), once per distinct account.
    """
    codes, k = id_codes(account_ids)
    first = np.zeros(k, dtype=np.int64)
    first[codes[codes >= 0]] = np.flatnonzero(codes >= 0)
    lookup = np.empty(k + 1, dtype=object)
    lookup[:k] = keyed_values(by, account_ids[first], name="by")[0]
    lookup[k] = None  # a ticket without an account: no label
    out: NDArray[np.generic] = lookup[np.where(codes >= 0, codes, k)]
    return out


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


def _stats(flags: _Flags, options: _Options, names: tuple[str, ...]) -> SupportStats:
    """The metrics of the tickets in ``flags``; those not measured ``None``."""
    stats = _measured(flags, options, names)
    if not options.not_measured:
        return stats
    absent = options.not_measured
    kept = (getattr(stats, field.name) for field in fields(stats) if field.name != "not_measured")
    values: list[Any] = [None if name in absent else value for name, value in zip(_FIELDS, kept)]
    values.append(dict(absent))
    return SupportStats(*values)


def _measured(flags: _Flags, options: _Options, names: tuple[str, ...]) -> SupportStats:
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
    return SupportStats(
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
    labels: NDArray[np.generic],
    options: _Options,
    channels: tuple[str, ...],
) -> dict[str, SupportStats]:
    """The metrics per group, largest volume first, then by name."""
    codes, names = _group_codes(labels)
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(names)))
    active = flags.active()
    found: list[tuple[str, SupportStats]] = []
    for name, stop, begin in zip(names, bounds.tolist(), [0, *bounds[:-1].tolist()]):
        rows = order[begin:stop]
        if active[rows].any():
            found.append((name, _stats(flags.take(rows), options, channels)))
    found.sort(key=lambda item: (-item[1].volume, item[0]))
    return dict(found)


def _group_codes(labels: NDArray[np.generic]) -> tuple[IntArray, list[str]]:
    """A code per row and the group names: labels as text, missing ones `NO_GROUP`."""
    codes, k = id_codes(labels)
    first = np.zeros(k, dtype=np.int64)
    first[codes[codes >= 0]] = np.flatnonzero(codes >= 0)
    texts = [str(value) for value in labels[first].tolist()] if k else []
    names = list(dict.fromkeys([*texts, NO_GROUP]))  # labels that read alike are one group
    position = {name: i for i, name in enumerate(names)}
    remap = np.array([position[text] for text in [*texts, NO_GROUP]], dtype=np.int64)
    return remap[np.where(codes >= 0, codes, k)], names
