"""Subscriptions to revenue changes: a billing export in, each account's MRR level out.

A billing system exports one row per subscription: the account, the first day it is
billed, the first day it no longer is (empty while it runs) and its monthly recurring
revenue. The retention functions read `RevenueChange` rows instead: an account's total MRR
from each day it changes. `changes_from_subscriptions` turns the one into the other with
one sweep over the start and end events, in numpy, without a Python step per row.

The columns are read and checked in `cshealth.retention._subscription_columns`; the sweep
is here.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, Column, FloatArray, IntArray
from cshealth.io import Table
from cshealth.models import RevenueChange
from cshealth.retention._subscription_columns import (
    _OPEN,
    _check_names,
    _read,
    _source_columns,
)

__all__ = ["changes_from_subscriptions"]

#: The most characters (rows x longest id) text ids are copied into to be sorted by numpy.
_WIDEST_TEXT = 2**26
#: A day's net change smaller than this share of its gross movement is rounding noise.
_NOISE = 64 * float(np.finfo(np.float64).eps)


def changes_from_subscriptions(
    subscriptions: object,
    *,
    account: str = "account_id",
    start: str = "start_date",
    end: str = "end_date",
    mrr: str = "mrr",
) -> Table:
    """Turn subscription rows into the `RevenueChange` rows the retention functions read.

    Each row is one subscription: its account, its first billed day ``start``, the first
    day it is no longer billed ``end`` (missing while it runs: ``None``, NaN, NaT or blank
    text) and its monthly recurring revenue. A subscription counts on ``[start, end)``; an
    account may hold several at once. Other columns (plan, currency, ...) are ignored.

    The result has one row per account and day on which the account's total MRR changes,
    holding the total from that day on: the sum of the MRR of the subscriptions in force
    that day. When the last subscription ends the row holds 0 (churn); a later one starts
    a new level (reactivation). Feed it to `revenue_retention` or `mrr_movements`.

    Args:
        subscriptions: Subscription rows: a mapping of columns (a dict of lists or
            arrays), a data frame (pandas, polars), or a list of row dicts.
        account: The column of account ids (text or whole numbers).
        start: The column of first billed days.
        end: The column of first days no longer billed; missing while open.
        mrr: The column of monthly recurring revenue (finite, ``>= 0``).

    Returns:
        A `Table` of `RevenueChange` columns (``account_id``, ``effective_on``, ``mrr``),
        sorted by account, then day. No subscriptions give an empty table.

    Raises:
        InvalidInputError: On data of another form, a parameter that is not a column
            name or names no column, or bad rows, every one listed with its row, column
            and value: a missing account or start day, a negative, NaN or infinite MRR,
            an end before its start, a date with a time of day other than midnight, or a
            time-zone-aware timestamp (give calendar dates).

    Notes:
        Dates are calendar dates: ``datetime.date``, ISO text (``2025-01-31``), numpy
        ``datetime64`` or a pandas datetime column. A timestamp at midnight is read as
        its date; any other time of day is refused. Time-zone-aware timestamps are
        refused rather than converted, because the calendar day of an instant depends on
        a time zone the export does not state: give the dates of your billing system
        (with pandas, ``frame[column].dt.tz_localize(None)`` keeps the local day).

        A subscription that ends on the day it starts (``end == start``) is empty and
        ignored, as is one of MRR 0: neither is ever in force with revenue. A day on
        which one subscription ends and another of the same MRR starts leaves the level
        unchanged and gives no row.

        The sweep: every subscription adds its MRR on its start day and takes it away on
        its end day; the events are sorted by (account, day), each day's net change is
        summed, and the level is the running sum of the account's net changes. A day
        whose net change is below ``64 * eps`` of the day's gross movement is rounding
        noise (``0.1 + 0.2 - 0.3``) and unchanged; a day on which no subscription with
        MRR is in force has level exactly 0.

    Examples:
        Account A holds a 100 plan from January and adds a 50 one in February; the first
        ends on 1 March. Account B pays 30 for one month.

        >>> from cshealth import retention
        >>> subscriptions = {
        ...     "account_id": ["A", "A", "B"],
        ...     "start_date": ["2025-01-01", "2025-02-01", "2025-01-15"],
        ...     "end_date": ["2025-03-01", None, "2025-02-15"],
        ...     "mrr": [100.0, 50.0, 30.0],
        ...     "plan": ["pro", "addon", "basic"],
        ... }
        >>> changes = retention.changes_from_subscriptions(subscriptions)
        >>> for row in zip(*changes.to_dict().values()):
        ...     print(*row)
        A 2025-01-01 100.0
        A 2025-02-01 150.0
        A 2025-03-01 50.0
        B 2025-01-15 30.0
        B 2025-02-15 0.0
    """
    names = {"account": account, "start": start, "end": end, "mrr": mrr}
    _check_names(names)
    raw = _source_columns(subscriptions)
    if raw is None:
        return _empty()
    ids, first, after, amounts = _read(raw, names)
    return _sweep(ids, first, after, amounts)


# --- the sweep ---------------------------------------------------------------------------


def _sweep(ids: Column, first: IntArray, after: IntArray, amounts: FloatArray) -> Table:
    """The account's level from each day it changes, by an event sweep."""
    closed = after != _OPEN
    kept = (amounts > 0) & (~closed | (after > first))  # empty or free: never in force
    ids, first, after, amounts, closed = (a[kept] for a in (ids, first, after, amounts, closed))
    if not len(ids):
        return _empty(ids)
    _check_total(amounts)
    rank, sorted_ids = _ranks(ids)
    ends = np.flatnonzero(closed)
    day = np.concatenate([first, after[ends]])
    low = int(day.min())
    span = int(day.max()) - low + 1
    key = np.concatenate([rank, rank[ends]]) * span + (day - low)
    order = np.argsort(key)
    key = key[order]
    delta = np.concatenate([amounts, -amounts[ends]])[order]
    count = np.where(order < len(rank), 1, -1)  # a start adds a subscription, an end takes one
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    whole, rest, k = _split(delta, 2 * float(amounts.sum()))
    net_whole = np.add.reduceat(whole, starts)
    net_rest = np.add.reduceat(rest, starts)
    net = np.ldexp(net_whole.astype(np.float64), -k) + net_rest
    noise = np.abs(net) <= _NOISE * np.add.reduceat(np.abs(delta), starts)
    net[noise], net_whole[noise], net_rest[noise] = 0.0, 0, 0.0
    group_account = key[starts] // span
    segment = np.concatenate([[True], group_account[1:] != group_account[:-1]])
    level = np.ldexp(_running(net_whole, segment).astype(np.float64), -k)
    level += _running(net_rest, segment)
    level[_running(np.add.reduceat(count, starts), segment) == 0] = 0.0  # nothing billed
    changed = np.flatnonzero(net != 0)
    days = (key[starts[changed]] % span + low).astype("datetime64[D]")
    return _changes(sorted_ids[group_account[changed]], days, level[changed])


def _check_total(amounts: FloatArray) -> None:
    with np.errstate(over="ignore"):
        total = float(amounts.sum())
    if not np.isfinite(4 * total):  # the sweep adds each amount in and takes it out
        msg = (
            f"the subscriptions' MRR add up to {total} (beyond the largest float): give "
            "amounts in a currency unit that keeps their sums finite"
        )
        raise InvalidInputError(msg)


def _ranks(ids: Column) -> tuple[IntArray, Column]:
    """Per row, the rank of its account among the sorted distinct ids; and those ids.

    Whole-number ids (``int64``) in a compact range are ranked by marking the ids used
    (no sort), others sorted by numpy. Text ids are sorted as numpy fixed-width text
    (a C sort, several times faster than hashing the Python strings), unless that text
    would be large (long ids): then they are hashed (`id_codes`) and only the distinct
    ids sorted.
    """
    if ids.dtype != object:
        low, high = int(ids.min()), int(ids.max())
        if high - low > 4 * len(ids):
            distinct, inverse = np.unique(ids, return_inverse=True)
            return inverse.astype(np.int64), distinct
        used = np.zeros(high - low + 1, dtype=bool)
        used[ids - low] = True
        numbering = np.cumsum(used) - 1
        return numbering[ids - low], np.flatnonzero(used) + low
    width = max(map(len, ids.tolist()))
    if len(ids) * width <= _WIDEST_TEXT:
        distinct, inverse = np.unique(ids.astype(str), return_inverse=True)
        return inverse.astype(np.int64), distinct.astype(object)
    codes, k = id_codes(ids)  # long ids: hashed, never copied into fixed-width text
    first = np.empty(k, dtype=np.int64)
    first[codes] = np.arange(len(codes))
    order = np.argsort(ids[first])
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[codes], ids[first[order]]


def _split(values: FloatArray, total: float) -> tuple[IntArray, FloatArray, int]:
    """``values`` split exactly into ``whole * 2**-k + rest``, ``whole`` an integer.

    Sums of the whole parts are exact in ``int64`` (``k`` keeps every partial sum of
    values whose magnitudes add up to ``total`` below ``2**62``), and the rests are
    below ``2**-k``, so their rounding stays far below one ulp of any level: a level is
    the exact sum of its subscriptions' amounts to within an ulp, and one account's
    rounding never leaks into another's (a running sum over every account would leave
    errors of 1e-7 on a level of 49.99 after a billion of other accounts' MRR).
    """
    k = 61 - int(np.ceil(np.log2(total + 1.0)))
    whole = np.rint(np.ldexp(values, k))
    rest: FloatArray = values - np.ldexp(whole, -k)
    return whole.astype(np.int64), rest, k


_N = TypeVar("_N", np.int64, np.float64)


def _running(values: NDArray[_N], segment_start: BoolArray) -> NDArray[_N]:
    """Running sums that restart where ``segment_start`` is true (for exact sums)."""
    running = np.cumsum(values)
    before = np.concatenate([np.zeros(1, values.dtype), running])[np.flatnonzero(segment_start)]
    summed: NDArray[_N] = running - before[np.cumsum(segment_start) - 1]
    return summed


def _changes(ids: Column, days: Column, levels: FloatArray) -> Table:
    """The `RevenueChange` table, as `to_columns` would build it from these columns.

    The columns are in the model's form already (the ids read by the model's rule, dates
    as ``datetime64[D]``, levels finite and ``>= 0``) and each (account, day) is one row by
    construction, so they are not read and checked again (the tests check the result
    against `to_columns`).
    """
    return Table({"account_id": ids, "effective_on": days, "mrr": levels}, model=RevenueChange)


def _empty(ids: Column | None = None) -> Table:
    account: Column = ids[:0] if ids is not None else np.empty(0, dtype=object)
    return _changes(account, np.empty(0, "datetime64[D]"), np.empty(0, np.float64))
