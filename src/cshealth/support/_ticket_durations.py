"""`TicketDurations`: each ticket's time to first response and to resolution.

`ticket_durations` measures, per ticket, creation to the first public reply and creation
to the *latest* resolution (spec §5 "full resolution time"), on the calendar clock or in
business seconds when a `Schedule` is given, as of an instant or for all the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

import numpy as np

from cshealth._result import RowsResult
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, FloatArray, IdArray, InstantArray, ObjectArray
from cshealth.support._schedule import Schedule
from cshealth.support._tickets import (
    _NAT,
    Clock,
    check_schedule,
    elapsed_seconds,
    read_tickets,
    ticket_column,
)

__all__ = ["TicketDurations", "ticket_durations"]


@dataclass(frozen=True, eq=False, repr=False)
class TicketDurations(RowsResult):
    """First-response and resolution time of each ticket, aligned arrays in input order.

    One row per ticket: ``len()`` counts the tickets and `to_pandas` gives one row each.
    Arrays are read-only.

    Attributes:
        ids: Ticket ids (``object``).
        account_ids: The account of each ticket (``object``).
        created_at: Creation instants (``datetime64[us]``, UTC).
        first_response_seconds: Creation to first public reply; ``NaN`` while unanswered.
        resolution_seconds: Creation to the latest resolution; ``NaN`` while open.
        clock: ``'calendar'`` or ``'business'`` (seconds within the schedule's hours).
        as_of: The instant the durations were taken at, or ``None`` for all the data.

    Examples:
        >>> d = ticket_durations(
        ...     {"id": ["T-1"], "account_id": ["A-1"], "created_at": ["2025-03-03T09:00Z"],
        ...      "first_response_at": ["2025-03-03T09:45Z"]}
        ... )  # fmt: skip
        >>> d.first_response_seconds / 60
        array([45.])
        >>> d.to_dict()["resolution_seconds"]  # not resolved: None in JSON
        [None]
        >>> d.to_pandas()[["id", "first_response_seconds"]]
            id  first_response_seconds
        0  T-1                  2700.0
    """

    ids: ObjectArray
    account_ids: IdArray
    created_at: InstantArray
    first_response_seconds: FloatArray
    resolution_seconds: FloatArray
    clock: Clock
    as_of: datetime | None

    def __repr__(self) -> str:
        responded = int(np.count_nonzero(~np.isnan(self.first_response_seconds)))
        resolved = int(np.count_nonzero(~np.isnan(self.resolution_seconds)))
        when = "" if self.as_of is None else f", as_of={self.as_of.isoformat()}"
        return (
            f"TicketDurations({len(self)} tickets, clock={self.clock!r}, {responded} "
            f"responded, {resolved} resolved{when})"
        )


def ticket_durations(
    tickets: object, *, schedule: Schedule | None = None, as_of: AsOf | None = None
) -> TicketDurations:
    """Time to first response and to resolution of every ticket.

    Args:
        tickets: `Ticket` records, a `Table`, a mapping of columns or a data frame
            (columns ``id``, ``account_id``, ``created_at``; ``first_response_at`` and
            ``resolved_at`` when known).
        schedule: Business hours: durations count only seconds within them. ``None``
            measures calendar seconds.
        as_of: Optional date or aware datetime. Tickets created at or after it are left
            out, and a reply or resolution at or after it has not happened yet (``NaN``).

    Returns:
        The `TicketDurations`, tickets in input order.

    Raises:
        InvalidInputError: On bad tickets (a missing column, a naive datetime, a reply or
            resolution before creation: every bad value with its row), duplicate ticket
            ids, or a bad ``as_of``.

    Examples:
        >>> tickets = {
        ...     "id": ["T-1", "T-2"],
        ...     "account_id": ["A-1", "A-2"],
        ...     "created_at": ["2025-03-03T09:00Z", "2025-03-03T10:00Z"],
        ...     "first_response_at": ["2025-03-03T11:30Z", None],
        ...     "resolved_at": ["2025-03-04T09:00Z", None],
        ... }
        >>> d = ticket_durations(tickets)
        >>> d
        TicketDurations(2 tickets, clock='calendar', 1 responded, 1 resolved)
        >>> d.first_response_seconds.tolist(), d.resolution_seconds.tolist()
        ([9000.0, nan], [86400.0, nan])
        >>> from datetime import datetime, timezone
        >>> cut = datetime(2025, 3, 3, 11, 0, tzinfo=timezone.utc)
        >>> ticket_durations(tickets, as_of=cut).first_response_seconds.tolist()
        [nan, nan]
    """
    check_schedule(schedule)
    table = read_tickets(
        tickets, need=["account_id"], optional=["first_response_at", "resolved_at"]
    )
    ids = cast("ObjectArray", table["id"])
    accounts = cast("ObjectArray", table["account_id"])
    created = cast("InstantArray", table["created_at"])
    responded = cast("InstantArray", ticket_column(table, "first_response_at"))
    resolved = cast("InstantArray", ticket_column(table, "resolved_at"))
    stamp: datetime | None = None
    if as_of is not None:
        cut = as_instant(as_of, "as_of")
        stamp = to_datetime(cut)
        rows = np.flatnonzero(created < cut)
        ids, accounts, created = ids[rows], accounts[rows], created[rows]
        responded = np.where(responded[rows] < cut, responded[rows], _NAT)
        resolved = np.where(resolved[rows] < cut, resolved[rows], _NAT)
    every = np.ones(len(created), dtype=bool)
    return TicketDurations(
        ids=ids,
        account_ids=accounts,
        created_at=created,
        first_response_seconds=elapsed_seconds(created, responded, every, schedule),
        resolution_seconds=elapsed_seconds(created, resolved, every, schedule),
        clock="calendar" if schedule is None else "business",
        as_of=stamp,
    )
