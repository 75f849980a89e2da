"""Reading tickets, and the clock every per-ticket duration is measured on.

Every support function reads its tickets here: `read_tickets` reads them with
`read_columns` (the model's rules: naive datetimes, negative waits and replies before
creation are refused with their row, field and value) and requires distinct ticket ids;
`ticket_column` gives an optional column, or the model's default where the data leaves
it out; `check_schedule` checks a business-hours argument.

Every support metric starts from the same per-ticket quantities: how long a ticket
waited for its first public reply and how long it took to be resolved (creation to the
*latest* resolution, spec §5 "full resolution time"). `elapsed_seconds` measures them on
the calendar clock, or in business seconds when a `Schedule` is given. Following
Zendesk's rule for single-event metrics (spec §5), the schedule is applied to the whole
span from creation to the event. The durations of every ticket are
`cshealth.support._ticket_durations`, the first-response SLA `cshealth.support._sla`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._types import BoolArray, FloatArray, InstantArray, ObjectArray
from cshealth.io import Table
from cshealth.io._read import read_columns
from cshealth.models import Ticket
from cshealth.support._schedule import Schedule

__all__ = [
    "Clock",
    "check_schedule",
    "elapsed_seconds",
    "read_tickets",
    "ticket_column",
]

#: How durations are measured: wall-clock seconds, or seconds within business hours.
Clock = Literal["calendar", "business"]

_US_PER_SECOND = 1_000_000
_NAT = np.datetime64("NaT", "us")
#: Values of the optional ticket columns when the data leaves them out (the model defaults).
_DEFAULTS: dict[str, tuple[object, str]] = {
    "priority": ("normal", "O"),
    "first_response_at": (_NAT, "datetime64[us]"),
    "resolved_at": (_NAT, "datetime64[us]"),
    "reopened_count": (0, "int64"),
    "agent_replies": (0, "int64"),
    "customer_replies": (0, "int64"),
    "queue_wait_seconds": (math.nan, "float64"),
    "abandoned": (False, "bool"),
    "delighted": (False, "bool"),
    "service_qualified_lead": (False, "bool"),
    "lead_revenue": (math.nan, "float64"),
}
_DUPLICATES_SHOWN = 5


def check_schedule(schedule: object) -> Schedule | None:
    """``schedule`` itself (a `Schedule` or ``None``, the calendar clock).

    Raises:
        InvalidInputError: If ``schedule`` is something else.

    Examples:
        >>> check_schedule(None) is None
        True
    """
    if schedule is None or isinstance(schedule, Schedule):
        return schedule
    msg = (
        f"`schedule` must be a Schedule or None (the calendar clock), got "
        f"{type(schedule).__name__}; build one with Schedule(...)"
    )
    raise InvalidInputError(msg)


def read_tickets(tickets: object, *, need: Sequence[str], optional: Sequence[str] = ()) -> Table:
    """The ticket columns ``id``, ``created_at`` and ``need`` (and ``optional`` if present).

    Raises:
        InvalidInputError: On bad tickets (see `read_columns`) or duplicate ticket ids
            (every duplicate row is listed in ``errors``).

    Examples:
        >>> read_tickets({"id": ["T-1", "T-1"], "created_at": ["2025-03-03T09:00Z"] * 2}, need=[])
        Traceback (most recent call last):
        ...
        cshealth.InvalidInputError: ticket ids must be distinct; 1 id is used by ...
          row 1 (id 'T-1'): `id` = 'T-1': ticket ids must be distinct; ...
          row 2 (id 'T-1'): `id` = 'T-1': ticket ids must be distinct; ...
    """
    table = read_columns(tickets, Ticket, need=["id", "created_at", *need], optional=list(optional))
    _check_distinct(cast("ObjectArray", table["id"]))
    return table


def _check_distinct(ids: ObjectArray) -> None:
    codes, k = id_codes(ids)
    if k == len(ids):
        return
    counts = np.bincount(codes, minlength=k)
    rows = np.flatnonzero(counts[codes] > 1)
    repeated = list(dict.fromkeys(ids[rows].tolist()))
    errors = tuple(
        RecordError(
            row=int(row) + 1,
            field="id",
            value=ids[row],
            message="ticket ids must be distinct; this id is used by another ticket",
            code="duplicate_key",
            record_id=str(ids[row]),
        )
        for row in rows.tolist()
    )
    shown = ", ".join(repr(ticket) for ticket in repeated[:_DUPLICATES_SHOWN])
    more = (
        f" and {len(repeated) - _DUPLICATES_SHOWN} more"
        if len(repeated) > _DUPLICATES_SHOWN
        else ""
    )
    count = f"{len(repeated)} id is" if len(repeated) == 1 else f"{len(repeated)} ids are"
    msg = (
        f"ticket ids must be distinct; {count} used by more than one ticket ({shown}{more}); "
        "give each ticket its own `id`"
    )
    raise InvalidInputError(msg, errors)


def ticket_column(table: Table, name: str) -> NDArray[np.generic]:
    """Column ``name`` of the tickets, or the model's default for every row if absent.

    Examples:
        >>> table = read_tickets({"id": ["T-1"], "created_at": ["2025-03-03T09:00Z"]}, need=[])
        >>> ticket_column(table, "priority"), ticket_column(table, "agent_replies")
        (array(['normal'], dtype=object), array([0]))
    """
    if name in table:
        return table[name]
    value, dtype = _DEFAULTS[name]
    return np.full(table.n_rows, value, dtype=dtype)


def elapsed_seconds(
    start: InstantArray, end: InstantArray, rows: BoolArray, schedule: Schedule | None
) -> FloatArray:
    """Seconds from ``start`` to ``end`` where ``rows`` (``NaN`` elsewhere and where missing).

    Calendar seconds, or business seconds within ``schedule``. Only the rows asked for
    (with both instants known) are measured, so a business clock is not run on tickets
    a metric does not use. ``end`` is never before ``start`` where both are known.

    Examples:
        >>> start = np.array(["2025-03-03T09:00", "2025-03-03T09:00"], "datetime64[us]")
        >>> end = np.array(["2025-03-03T10:30", "NaT"], "datetime64[us]")
        >>> elapsed_seconds(start, end, np.array([True, True]), None)
        array([5400.,   nan])
    """
    out = np.full(len(start), np.nan)
    known = rows & ~np.isnat(start) & ~np.isnat(end)
    if schedule is None:
        span = (end[known] - start[known]).astype(np.int64)
        out[known] = span / _US_PER_SECOND
    elif known.any():
        measured = schedule.business_seconds(start[known], end[known])
        out[known] = np.asarray(measured, dtype=np.float64)
    return out
