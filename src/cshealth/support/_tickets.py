"""Reading tickets, per-ticket durations and the first-response SLA policy.

Every support metric starts from the same per-ticket quantities: how long a ticket
waited for its first public reply and how long it took to be resolved (creation to the
*latest* resolution, spec §5 "full resolution time"). They are measured on the
calendar clock, or in business seconds when a `Schedule` is given. Following Zendesk's
rule for single-event metrics (spec §5), the schedule is applied to the whole span from
creation to the event.

`SLAPolicy` holds first-response targets per priority, and `sla_outcome` judges each
ticket against its target as of an instant: achieved, breached, still active (no reply
yet and the target not yet passed), or without a verdict (resolved without a reply: the
clock stops at resolution). SLA rates leave the last two out.

The readers here check what every support function needs: tickets are read with
`read_columns` (the model's rules: naive datetimes, negative waits and replies before
creation are refused with their row, field and value) and ticket ids must be distinct.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import Field

from cshealth._codes import id_codes
from cshealth._config import Config
from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._result import RowsResult
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, BoolArray, FloatArray, IdArray, InstantArray, ObjectArray
from cshealth.io import Table
from cshealth.io._read import read_columns
from cshealth.models import Priority, Ticket
from cshealth.support._schedule import Schedule

__all__ = [
    "Clock",
    "SLAPolicy",
    "TicketDurations",
    "check_policy",
    "check_schedule",
    "elapsed_seconds",
    "read_tickets",
    "sla_outcome",
    "ticket_column",
    "ticket_durations",
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

#: Hours, finite and above 0.
Hours = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class SLAPolicy(Config):
    """First-response targets: a default and optional overrides per priority.

    Attributes:
        first_response_hours: The target for priorities without an override (hours > 0).
        by_priority: Targets per priority (hours > 0), e.g. ``{"urgent": 1, "high": 4}``.
        clock: ``{'calendar', 'business'}``: how a response time is measured against
            its target. ``business`` needs a `Schedule`; a function called with
            ``schedule=None`` measures on the calendar clock whatever this says.

    The policy is immutable and hashable, and loads from JSON with
    ``SLAPolicy.model_validate_json``.

    Raises:
        ConfigError: On a target that is not a finite number of hours above 0, an unknown
            priority or clock, or an unknown field, naming each.

    Examples:
        >>> import numpy as np
        >>> policy = SLAPolicy(first_response_hours=8, by_priority={"urgent": 1})
        >>> policy.target_seconds(np.array(["urgent", "normal"], dtype=object)).tolist()
        [3600.0, 28800.0]
        >>> from cshealth import ConfigError
        >>> try:
        ...     SLAPolicy(first_response_hours=0, by_priority={"urgent": 1, "critical": 1})
        ... except ConfigError as error:
        ...     print(error)
        invalid SLAPolicy:
          first_response_hours: Input should be greater than 0
          by_priority.critical (the key): Input should be 'low', 'normal', 'high' or 'urgent'
    """

    first_response_hours: Hours = 24.0
    by_priority: dict[Priority, Hours] = Field(default_factory=dict)
    clock: Clock = "business"

    def target_hours(self, priority: str) -> float:
        """The first-response target of one priority, in hours."""
        return self.by_priority.get(cast("Priority", priority), self.first_response_hours)

    def target_seconds(self, priorities: ArrayLike) -> FloatArray:
        """The first-response target of each ticket, in seconds.

        Args:
            priorities: One priority per ticket (``low``, ``normal``, ``high``,
                ``urgent``); any other value gets the default target.

        Returns:
            ``float64`` seconds, one per ticket.
        """
        values = np.asarray(priorities, dtype=object)
        targets = np.full(values.shape, self.first_response_hours * 3600.0)
        for priority, hours in self.by_priority.items():  # at most four priorities
            targets[values == priority] = hours * 3600.0
        return targets

    def measures_business(self, schedule: Schedule | None) -> Schedule | None:
        """The schedule SLA times are measured with: ``None`` means the calendar clock."""
        return schedule if self.clock == "business" else None


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


def check_policy(sla: object) -> SLAPolicy:
    """``sla`` itself, or the default `SLAPolicy` for ``None``.

    Raises:
        InvalidInputError: If ``sla`` is something else.

    Examples:
        >>> check_policy(None).first_response_hours
        24.0
    """
    if sla is None:
        return SLAPolicy()
    if not isinstance(sla, SLAPolicy):
        msg = f"`sla` must be an SLAPolicy or None, got {type(sla).__name__}"
        raise InvalidInputError(msg)
    return sla


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


def sla_outcome(
    created: InstantArray,
    responded: InstantArray,
    targets: FloatArray,
    *,
    resolved: InstantArray,
    at: np.datetime64,
    schedule: Schedule | None,
) -> tuple[BoolArray, BoolArray, BoolArray]:
    """Each ticket's first-response verdict as of ``at``: achieved, breached or neither.

    Only what happened strictly before ``at`` is known. The rules, in order:

    * A ticket resolved before ``at`` without a first response at or before its
      resolution has no verdict (*not applicable*): the SLA clock stops at resolution,
      as help desks deactivate or cancel a target when a ticket is solved (Zendesk,
      Plain), so a contact closed unanswered counts neither for nor against the desk,
      even if its target had passed before it was closed. A reply in the same instant
      as the resolution (reply and solve in one update) is a response.
    * A ticket answered before ``at`` achieved its target if the response time is at
      most the target, and breached it otherwise.
    * A ticket neither answered nor resolved before ``at`` has breached once the time
      elapsed from creation to ``at`` exceeds the target; until then it is still
      active (no verdict yet).

    Every ticket must be created before ``at``. ``resolved_at`` is the latest
    resolution (a snapshot), so a ticket solved without a reply, reopened and answered
    before its final resolution is judged on that reply.

    Args:
        created: Creation instants (``datetime64[us]``, UTC).
        responded: First public replies (``NaT`` when none).
        targets: First-response targets in seconds, one per ticket.
        resolved: Latest resolutions (``NaT`` while open).
        at: The instant the tickets are judged at.
        schedule: Business hours to measure response times in; ``None`` for calendar
            time.

    Returns:
        ``(achieved, breached, not_applicable)`` boolean arrays; a ticket with none of
        the three is still active.

    Examples:
        Four tickets with a one-hour target, judged at 11:00: one answered in 30 minutes,
        one still waiting after two hours, one closed at 10:45 without a reply and one
        created at 10:30 (still active):

        >>> created = np.array(["2025-03-03T09:00"] * 3 + ["2025-03-03T10:30"], "datetime64[us]")
        >>> responded = np.array(["2025-03-03T09:30"] + ["NaT"] * 3, "datetime64[us]")
        >>> resolved = np.array(["NaT", "NaT", "2025-03-03T10:45", "NaT"], "datetime64[us]")
        >>> achieved, breached, not_applicable = sla_outcome(
        ...     created, responded, np.full(4, 3600.0), resolved=resolved,
        ...     at=np.datetime64("2025-03-03T11:00", "us"), schedule=None,
        ... )  # fmt: skip
        >>> achieved, breached, not_applicable
        (array([ True, False, False, False]), array([False,  True, False, False]),
         array([False, False,  True, False]))
    """
    # NaT compares False: an unanswered ticket resolved before `at` has no verdict
    not_applicable = (resolved < at) & ~(responded <= resolved)
    answered = (responded < at) & ~not_applicable
    pending = ~(responded < at) & ~not_applicable
    waited = elapsed_seconds(created, responded, answered, schedule)
    until = np.full(len(created), at, dtype="datetime64[us]")
    elapsed = elapsed_seconds(created, until, pending, schedule)
    achieved = answered & (waited <= targets)
    breached = (answered & (waited > targets)) | (pending & (elapsed > targets))
    return achieved, breached, not_applicable
