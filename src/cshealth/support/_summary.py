"""Support performance over a period: volumes, response and resolution times, rates.

`summary` reads a set of tickets once and reports, for the half-open period
``[start, end)``, the metrics of spec §5 overall and, optionally, per group (channel,
priority, an account attribute or any labels). Each metric is bucketed on its own event
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
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._absent import not_measured
from cshealth._checks import iso
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, InstantArray
from cshealth.io import Table
from cshealth.io._read import keyed_values
from cshealth.support._schedule import Schedule
from cshealth.support._summary_metrics import _flags, _groups, _Options, _stats
from cshealth.support._summary_result import _NEEDS, SupportStats, SupportSummary
from cshealth.support._tickets import (
    SLAPolicy,
    check_policy,
    check_schedule,
    read_tickets,
    ticket_column,
)

__all__ = ["summary"]

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
