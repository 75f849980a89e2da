"""Support measures per account as of an instant: the support side of a health score.

`account_metrics` turns a ticket history into one row per account (a `MeasureTable`,
``source='support'``): open tickets, recent volume (per seat too), how fast the account
was answered, SLA breaches, reopens, escalations and how long ago it last asked for help.
Only what happened strictly before ``as_of`` is seen, so a table taken as of last month
is what a person would have seen then.

Accounts are numbered with `id_codes` (hashing, not sorting text) and every measure is one
`numpy.bincount` (or one sort, for the medians) over the tickets.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Set
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._absent import not_measured
from cshealth._checks import MAX_WINDOW_DAYS, real_number
from cshealth._codes import id_codes, sorted_positions
from cshealth._exceptions import InvalidInputError
from cshealth._measures import MeasureTable
from cshealth._time import as_instant
from cshealth._types import AsOf, BoolArray, FloatArray, IdArray, InstantArray, IntArray
from cshealth.io._read import keyed_values, read_columns, read_ids, same_kind
from cshealth.models import Account
from cshealth.support._schedule import Schedule
from cshealth.support._sla import SLAPolicy, check_policy, sla_outcome
from cshealth.support._tickets import (
    check_schedule,
    elapsed_seconds,
    read_tickets,
    ticket_column,
)

__all__ = ["account_metrics"]

_US_PER_DAY = 86_400_000_000
_ESCALATED = ("high", "urgent")
#: The optional ticket columns each measure is computed from; without them the measure is
#: not measured (a column of NaN, the reason in `MeasureTable.not_measured`).
_NEEDS: dict[str, tuple[str, ...]] = {
    "open_tickets": ("resolved_at",),
    "median_first_response_hours": ("first_response_at",),
    "sla_breaches": ("first_response_at", "resolved_at"),
    "reopens": ("reopened_count",),
    "escalations": ("priority",),
}


def account_metrics(
    tickets: object,
    *,
    as_of: AsOf,
    window_days: float = 90,
    schedule: Schedule | None = None,
    sla: SLAPolicy | None = None,
    seats: Mapping[str, float | None] | None = None,
    accounts: object = None,
) -> MeasureTable:
    """Support measures of each account as of ``as_of``, over a trailing window.

    Only what happened strictly before ``as_of`` counts: a ticket created at or after it
    is ignored, and a response or resolution at or after it has not happened yet. The
    window holds the tickets created in ``[as_of - window_days, as_of)``.

    Measures (one row per account):

    * ``open_tickets``: tickets created before ``as_of`` and not resolved before it,
      whatever their age.
    * ``tickets``: tickets in the window.
    * ``tickets_per_seat``: ``tickets / seats``; ``NaN`` when the seats are unknown or 0.
    * ``median_first_response_hours``: the median response time (hours; business hours
      with a ``schedule``) of window tickets answered before ``as_of``; ``NaN`` when none.
    * ``sla_breaches``: window tickets that breached their first-response target as of
      ``as_of`` (answered late, or unanswered with the target already passed). A ticket
      resolved before ``as_of`` without a response is not a breach: the SLA clock stops
      at resolution (see `sla_outcome`).
    * ``reopens``: the sum of ``reopened_count`` over window tickets (the count is a
      snapshot of the record, which may include reopenings after ``as_of``).
    * ``escalations``: window tickets of priority ``high`` or ``urgent``.
    * ``last_ticket_age_days``: days from the latest ticket created before ``as_of`` to
      ``as_of`` (all history); ``NaN`` for an account without tickets.

    A measure computed from a ticket column the data does not have is not measured: its
    column is ``NaN`` for every account and `MeasureTable.not_measured` gives the reason
    (``reopens`` without a ``reopened_count`` column: "no `reopened_count` column"),
    never a count of the model's defaults. ``open_tickets`` needs ``resolved_at``,
    ``median_first_response_hours`` ``first_response_at``, ``sla_breaches`` both (the SLA
    clock stops at resolution), ``reopens`` ``reopened_count`` and ``escalations``
    ``priority`` (without it, every ticket has the default target).

    Args:
        tickets: `Ticket` records, a `Table`, a mapping of columns or a data frame
            (``id``, ``account_id``, ``created_at``; the other fields when known).
        as_of: Date (midnight UTC) or aware datetime the measures are taken at.
        window_days: Length of the trailing window in days (``> 0``, at most 36,525).
        schedule: Business hours for response times (and SLA times when the policy's
            clock is ``business``); ``None`` measures calendar time.
        sla: First-response targets; default ``SLAPolicy()`` (24 hours).
        seats: Seats per account, ``{account_id: seats}`` (``None`` for unknown). These
            win over the seats of ``accounts``.
        accounts: The rows of the table: account ids (a list, set or array), `Account`
            records, or a `Table` (mapping of columns, data frame) with an ``id`` column
            and optionally ``seats``. Exactly these accounts are listed, sorted; tickets
            of other accounts are ignored, and a listed account without tickets gets 0
            for the counts and ``NaN`` for the median and the age. By default, every
            account with a ticket before ``as_of``.

    Returns:
        A `MeasureTable` sorted by account id, counts as ``int64``, the rest ``float64``.

    Raises:
        InvalidInputError: On bad tickets (see `summary`), duplicate ticket ids,
            ``window_days <= 0``, a naive ``as_of``, bad seats (negative, not a number),
            or missing or duplicate ids in ``accounts``.

    Examples:
        >>> from datetime import date
        >>> tickets = {
        ...     "id": ["T-1", "T-2", "T-3"],
        ...     "account_id": ["A-1", "A-1", "A-2"],
        ...     "priority": ["urgent", "normal", "normal"],
        ...     "created_at": ["2025-01-10T09:00Z", "2025-03-20T09:00Z", "2025-03-25T09:00Z"],
        ...     "first_response_at": ["2025-01-10T10:00Z", "2025-03-20T13:00Z", None],
        ...     "resolved_at": [None, None, None],
        ... }
        >>> m = account_metrics(tickets, as_of=date(2025, 4, 1), window_days=30, seats={"A-1": 10})
        >>> m
        MeasureTable(support: 2 accounts x 8 measures; not measured: reopens)
        >>> m.account("A-1")
        {'account_id': 'A-1', 'open_tickets': 2, 'tickets': 1, 'tickets_per_seat': 0.1,
         'median_first_response_hours': 4.0, 'sla_breaches': 0, 'reopens': None,
         'escalations': 0, 'last_ticket_age_days': 11.625}
        >>> m["sla_breaches"].tolist()  # T-3: unanswered for 6.6 days
        [0, 1]
        >>> m.not_measured  # no `reopened_count` column: not a count of 0
        {'reopens': 'no `reopened_count` column'}
    """
    cut = as_instant(as_of, "as_of")
    window = _window_us(window_days)
    policy = check_policy(sla)
    check_schedule(schedule)
    table = read_tickets(
        tickets,
        need=["account_id"],
        optional=["priority", "first_response_at", "resolved_at", "reopened_count"],
    )
    before = np.flatnonzero(cast("InstantArray", table["created_at"]) < cut)

    def col(name: str) -> NDArray[np.generic]:
        return ticket_column(table, name)[before]

    listed, listed_seats = _accounts(accounts)
    account_ids, row = _rows(col("account_id"), listed)
    known = row >= 0
    row, created = row[known], cast("InstantArray", col("created_at"))[known]
    responded = cast("InstantArray", col("first_response_at"))[known]
    resolved = cast("InstantArray", col("resolved_at"))[known]
    priority = col("priority")[known]
    k = len(account_ids)
    recent = created >= cut - np.timedelta64(window, "us")
    answered = recent & (responded < cut)
    hours = elapsed_seconds(created, responded, answered, schedule) / 3600.0
    _, breached, _ = sla_outcome(
        created[recent],
        responded[recent],
        policy.target_seconds(priority[recent]),
        resolved=resolved[recent],
        at=cut,
        schedule=policy.measures_business(schedule),
    )
    tickets_in_window = _counts(row, recent, k)
    per_seat = _seats(account_ids, listed_seats, seats)
    measures: dict[str, NDArray[np.generic]] = {
        "open_tickets": _counts(row, ~(resolved < cut), k),
        "tickets": tickets_in_window,
        "tickets_per_seat": _per_seat(tickets_in_window, per_seat),
        "median_first_response_hours": _medians(row[answered], hours[answered], k),
        "sla_breaches": np.bincount(row[recent][breached], minlength=k).astype(np.int64),
        "reopens": _sums(row[recent], col("reopened_count")[known][recent], k),
        "escalations": _counts(row, recent & _escalated(priority), k),
        "last_ticket_age_days": _ages(row, created, cut, k),
    }
    absent = not_measured(table.columns, _NEEDS)
    return MeasureTable(account_ids, measures, as_of=cut, source="support", not_measured=absent)


def _escalated(priority: NDArray[np.generic]) -> BoolArray:
    out = np.zeros(len(priority), dtype=bool)
    for level in _ESCALATED:
        out |= np.asarray(priority == level, dtype=bool)
    return out


def _window_us(window_days: object) -> int:
    days = real_number(window_days, "window_days", low=0.0, high=MAX_WINDOW_DAYS, open_low=True)
    return round(days * _US_PER_DAY)


def _accounts(accounts: object) -> tuple[IdArray | None, FloatArray | None]:
    """The listed account ids (by the identifier rule) and their seats, if given."""
    if accounts is None:
        return None, None
    if isinstance(accounts, (Iterator, Set)):
        accounts = list(accounts)
    records = isinstance(accounts, (list, tuple)) and any(isinstance(a, Account) for a in accounts)
    if records or isinstance(accounts, Mapping) or hasattr(accounts, "columns"):
        table = read_columns(accounts, Account, need=["id"], optional=["seats"])
        seats = cast("FloatArray", table["seats"]) if "seats" in table else None
        return table["id"], seats
    if isinstance(accounts, (str, bytes)) or np.ndim(cast("ArrayLike", accounts)) != 1:
        msg = f"`accounts` must be account ids, Account records or a table; got {accounts!r}"
        raise InvalidInputError(msg)
    return read_ids(accounts, name="accounts"), None


def _rows(ticket_accounts: IdArray, listed: IdArray | None) -> tuple[IdArray, IntArray]:
    """The table's sorted account ids, and each ticket's row (-1: not listed)."""
    codes, k = id_codes(ticket_accounts)
    distinct = np.empty(k, dtype=ticket_accounts.dtype)
    distinct[codes] = ticket_accounts
    if listed is None:
        order = np.argsort(distinct, kind="stable")
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k)
        return distinct[order], rank[codes]
    same_kind(("`accounts`", listed), ("the tickets' `account_id`", distinct))
    ids = np.sort(listed)
    if len(np.unique(ids)) < len(ids):
        repeated = sorted(set(ids[1:][ids[1:] == ids[:-1]].tolist()))
        msg = f"`accounts` lists the ids {repeated[:5]} more than once; list each account once"
        raise InvalidInputError(msg)
    return ids, sorted_positions(ids, distinct)[codes]


def _counts(row: IntArray, mask: BoolArray, k: int) -> IntArray:
    return np.bincount(row[mask], minlength=k).astype(np.int64)


def _sums(row: IntArray, values: NDArray[np.generic], k: int) -> IntArray:
    totals = np.zeros(k, dtype=np.int64)
    np.add.at(totals, row, values.astype(np.int64))
    return totals


def _seats(
    account_ids: IdArray,
    listed_seats: FloatArray | None,
    seats: object,
) -> FloatArray:
    """Seats per row: the ``seats`` mapping, else the accounts' own seats, else NaN."""
    out = np.full(len(account_ids), np.nan) if listed_seats is None else listed_seats
    out = out.astype(np.float64)  # a copy: the mapping overrides it below
    if seats is None:
        return out
    values, found = keyed_values(seats, account_ids, name="seats")
    for i in np.flatnonzero(found).tolist():  # one value per account with a key
        out[i] = _seat_count(account_ids[i], values[i])
    return out


def _seat_count(account: object, value: object) -> float:
    if value is None:
        return math.nan
    number = isinstance(value, (int, float, np.integer, np.floating))
    count = float(cast("float", value)) if number and not isinstance(value, bool) else -1.0
    if not 0 <= count < math.inf:
        msg = f"`seats` of account {account!r} is {value!r}; seats are numbers >= 0 or None"
        raise InvalidInputError(msg)
    return count


def _per_seat(tickets: IntArray, seats: FloatArray) -> FloatArray:
    out = np.full(len(tickets), np.nan)
    np.divide(tickets, seats, out=out, where=seats > 0)
    return out


def _medians(row: IntArray, values: FloatArray, k: int) -> FloatArray:
    """The median of ``values`` per row code (NaN for a code without values)."""
    order = np.lexsort((values, row))
    ranked = values[order]
    counts = np.bincount(row, minlength=k)
    begin = np.cumsum(counts) - counts
    some = counts > 0
    lower = begin[some] + (counts[some] - 1) // 2
    upper = begin[some] + counts[some] // 2
    out = np.full(k, np.nan)
    out[some] = (ranked[lower] + ranked[upper]) / 2.0
    return out


def _ages(row: IntArray, created: InstantArray, cut: np.datetime64, k: int) -> FloatArray:
    """Days from each row's latest ticket to ``cut`` (NaN without tickets)."""
    stamps = created.astype(np.int64)
    latest = np.full(k, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(latest, row, stamps)
    seen = np.bincount(row, minlength=k) > 0
    out = np.full(k, np.nan)
    out[seen] = (int(cut.astype(np.int64)) - latest[seen]) / _US_PER_DAY
    return out
