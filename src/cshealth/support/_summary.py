"""Support performance over a period: volumes, response and resolution times, rates.

`summary` reads a set of tickets once and reports, for the half-open period
``[start, end)``, the metrics of spec §5 overall and, with ``by``, per group (any ticket
column, or an account attribute given as a mapping). Each metric is bucketed on its own event
date (spec §5, DECISION): volume on creation, first-response time on the reply, resolution
time and the resolution rates on the resolution (abandoned contacts, never served, are
left out of the resolution metrics). Durations are summarised by their median and 90th
percentile (means are skewed by a few long waits); every rate is a `Rate` with its count
and Wilson interval.

Everything is computed on whole columns (`cshealth.support._summary_metrics`): per-ticket
flags and durations are found once, then each group's tickets are one slice of a single
sort by group. The results are in `cshealth.support._summary_result`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import NamedTuple, cast, overload

import numpy as np

from cshealth._absent import not_measured
from cshealth._checks import iso
from cshealth._exceptions import InvalidInputError
from cshealth._grouped import Grouped
from cshealth._grouping import BY_ACCOUNT, By, Groups, group_codes
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, InstantArray, IntArray
from cshealth.io import Table
from cshealth.io._read import column_array, named_columns
from cshealth.models import Ticket
from cshealth.support._schedule import Schedule
from cshealth.support._sla import SLAPolicy, check_policy
from cshealth.support._summary_by import check_by, no_column, per_account
from cshealth.support._summary_metrics import _Flags, _flags, _groups, _Options, _stats
from cshealth.support._summary_result import _NEEDS, SupportSummary
from cshealth.support._tickets import check_schedule, read_tickets

__all__ = ["summary"]

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


@overload
def summary(
    tickets: object,
    *,
    start: AsOf,
    end: AsOf,
    schedule: Schedule | None = None,
    by: None = None,
    sla: SLAPolicy | None = None,
    live_channels: Collection[str] = ("chat", "phone"),
    long_wait_seconds: float = 300,
    short_abandon_seconds: float = 10,
    include_mean: bool = False,
) -> SupportSummary: ...
@overload
def summary(
    tickets: object,
    *,
    start: AsOf,
    end: AsOf,
    schedule: Schedule | None = None,
    by: By,
    sla: SLAPolicy | None = None,
    live_channels: Collection[str] = ("chat", "phone"),
    long_wait_seconds: float = 300,
    short_abandon_seconds: float = 10,
    include_mean: bool = False,
) -> Grouped[SupportSummary]: ...
def summary(
    tickets: object,
    *,
    start: AsOf,
    end: AsOf,
    schedule: Schedule | None = None,
    by: By | None = None,
    sla: SLAPolicy | None = None,
    live_channels: Collection[str] = ("chat", "phone"),
    long_wait_seconds: float = 300,
    short_abandon_seconds: float = 10,
    include_mean: bool = False,
) -> SupportSummary | Grouped[SupportSummary]:
    """Support metrics over the period ``[start, end)``, of all the tickets or per group.

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
            the default SLA target). Other columns are read only when ``by`` names
            them.
        start: First day (midnight UTC) or aware ``datetime`` of the period.
        end: First day or aware ``datetime`` after the period.
        schedule: Business hours for response and resolution times (and SLA times when
            the policy's clock is ``business``); ``None`` measures calendar time.
        by: Group the tickets: the name of any column of ``tickets`` (a field such as
            ``'channel'`` or ``'priority'``, or any other column of a mapping or data
            frame, such as ``'team'``), or a mapping from account id to group (a
            segment, a plan), its keys matched to the tickets' ``account_id`` as every
            id is (text keys for text ids, whole numbers for whole numbers). Labels per
            ticket are not taken: add them to the tickets as a column and name it.
            Tickets without a group (a missing value, an account the mapping does not
            name) are the group ``'(none)'``, never dropped. Every group of the data is
            listed, in sorted order of the labels (shown as text: ``5.0`` reads
            ``'5'``), including a group none of whose tickets counts in the period.
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
        With ``by``, a `cshealth.Grouped` of one per group, each the summary this
        function gives on that group's tickets alone, and ``overall`` the summary of
        all of them (the same as without ``by``).

    Raises:
        InvalidInputError: On bad tickets (a naive datetime, a reply or resolution
            before creation, a negative queue wait: every one with its row), duplicate
            ticket ids, ``end <= start``, a ``by`` that names no column of the tickets
            (``by='priority'`` on tickets without a ``priority`` column: every ticket
            would take the default and be in one group), a ``by`` mapping whose keys
            can never match the account ids (text keys for whole-number ids, or the
            reverse), a ``by`` that is neither a column name nor a mapping (labels per
            ticket: add them as a column), or a bad option.

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
        >>> s = summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1))
        >>> s
        SupportSummary(2025-03-01T00:00:00+00:00 to 2025-04-01T00:00:00+00:00,
                       clock='calendar', volume=4, first_response median=90 min,
                       sla=Rate(0.75, 3 of 4), backlog=2,
                       not measured: fcr, one_touch, reopen and 7 more)
        >>> s.first_response
        DurationStats(n=4, median=90 min, p90=21.6 h)
        >>> s.sla  # T-2 waited 30 h against a 24 h target
        Rate(0.75, 3 of 4)

        Per channel, and per segment from a mapping of accounts (A-3 is in none):

        >>> g = summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1), by="channel")
        >>> g
        Grouped(by='channel', 2 groups of SupportSummary: 'chat', 'email'; ungrouped=0)
        >>> g.overall == s, g["email"].backlog, g["chat"].sla
        (True, 2, Rate(1, 1 of 1))
        >>> segments = {"A-1": "smb", "A-2": "enterprise"}
        >>> g = summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1), by=segments)
        >>> {label: group.volume for label, group in g.items()}, g.ungrouped
        ({'(none)': 1, 'enterprise': 1, 'smb': 2}, 1)
    """
    flags, rows, groups, options, names = _prepare(
        tickets,
        start=start,
        end=end,
        schedule=schedule,
        by=by,
        sla=sla,
        live_channels=live_channels,
        long_wait_seconds=long_wait_seconds,
        short_abandon_seconds=short_abandon_seconds,
        include_mean=include_mean,
    )
    if groups is None:
        return _stats(flags, options, names)
    return _groups(flags, rows, groups, options, names)


class _Prepared(NamedTuple):
    """The tickets read for `summary`, with the options of the call."""

    flags: _Flags  # the facts of the tickets created before the period's end
    rows: IntArray  # those tickets' rows
    groups: Groups | None  # every ticket's group; None without ``by``
    options: _Options
    channels: tuple[str, ...]  # the channel names of ``flags.channel``


def _prepare(
    tickets: object,
    *,
    start: AsOf,
    end: AsOf,
    schedule: Schedule | None,
    by: By | None,
    sla: SLAPolicy | None,
    live_channels: Collection[str],
    long_wait_seconds: float,
    short_abandon_seconds: float,
    include_mean: bool,
) -> _Prepared:
    """The options checked and the tickets read, as `summary` and its partial need them.

    Raises:
        InvalidInputError: As `summary`.
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
    table, groups = _read(tickets, by)
    rows = np.flatnonzero(cast("InstantArray", table["created_at"]) < high)
    flags, names = _flags(table, rows, low=low, high=high, schedule=schedule, policy=policy)
    options = _Options(
        start=to_datetime(low),
        end=to_datetime(high),
        clock="calendar" if schedule is None else "business",
        sla_clock="calendar" if policy.measures_business(schedule) is None else "business",
        sla_policy=policy,
        include_mean=include_mean,
        long_wait_seconds=long_wait,
        short_abandon_seconds=short_abandon,
        live_code=np.array([name in live_channels for name in names], dtype=bool),
        not_measured=not_measured(table.columns, _NEEDS),
    )
    return _Prepared(flags, rows, groups, options, names)


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


def _read(tickets: object, by: object) -> tuple[Table, Groups | None]:
    """The ticket columns `summary` reads, and each ticket's group (``None`` without ``by``).

    Raises:
        InvalidInputError: On bad tickets (`read_tickets`), and on a ``by`` that is
            neither a column name nor a mapping, or names no column of the tickets.
    """
    if by is None:
        return read_tickets(tickets, need=["channel"], optional=_OPTIONAL), None
    check_by(by)
    named = named_columns(tickets)  # None for records, which have every field
    source = tickets if named is None else named
    if isinstance(by, Mapping):
        table = read_tickets(source, need=["channel", "account_id"], optional=_OPTIONAL)
        return table, group_codes(per_account(table["account_id"], by), BY_ACCOUNT)
    column = cast("str", by)
    if column in Ticket.model_fields:  # read by the field's rules, as `channel` is
        table = read_tickets(source, need=["channel"], optional=[*_OPTIONAL, column])
        if column not in table:  # the model's default for all: one group, no grouping
            raise no_column(column, named)
        return table, group_codes(table[column], column)
    if named is None or column not in named:
        raise no_column(column, named)
    table = read_tickets(named, need=["channel"], optional=_OPTIONAL)
    values = column_array(named[column])
    if values.ndim != 1 or len(values) != table.n_rows:
        msg = (
            f"the `by` column {column!r} must hold one value per ticket ({table.n_rows}), "
            f"got shape {values.shape}"
        )
        raise InvalidInputError(msg)
    try:
        return table, group_codes(values, column)
    except ValueError:  # arrays as labels: numpy cannot compare them with None
        msg = f"the groups of `by` ({column!r}) must be text, numbers or dates, got arrays"
        raise InvalidInputError(msg) from None
