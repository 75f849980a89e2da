"""Subscriptions to revenue changes: a billing export in, each account's MRR level out.

A billing system exports one row per subscription: the account, the first day it is
billed, the first day it no longer is (empty while it runs) and its monthly recurring
revenue. The retention functions read `RevenueChange` rows instead: an account's total MRR
from each day it changes. `changes_from_subscriptions` turns the one into the other with
one sweep over the start and end events, in numpy, without a Python step per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._types import BoolArray, Column, FloatArray, IntArray
from cshealth.io import Table, to_columns
from cshealth.io._read import convert_column, named_columns, row_columns
from cshealth.models import Account, Record, RevenueChange

__all__ = ["changes_from_subscriptions"]

#: Each parameter, the model field whose rules read its column (an open end is allowed).
_FIELDS: dict[str, tuple[type[Record], str]] = {
    "account": (RevenueChange, "account_id"),
    "start": (RevenueChange, "effective_on"),
    "end": (Account, "end_date"),
    "mrr": (RevenueChange, "mrr"),
}
#: An open subscription's end day (``NaT`` read as days).
_OPEN = np.iinfo(np.int64).min
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


# --- reading -----------------------------------------------------------------------------


def _check_names(names: Mapping[str, object]) -> None:
    for parameter, name in names.items():
        if not isinstance(name, str) or not name:
            msg = (
                f"`{parameter}` must be a column name (non-empty text), got {name!r}; e.g. "
                f"{parameter}={_DEFAULTS[parameter]!r}"
            )
            raise InvalidInputError(msg)
    seen: dict[object, str] = {}
    for parameter, name in names.items():
        if name in seen:
            msg = (
                f"`{seen[name]}` and `{parameter}` both name the column {name!r}; each "
                "parameter needs a column of its own"
            )
            raise InvalidInputError(msg)
        seen[name] = parameter


_DEFAULTS = {"account": "account_id", "start": "start_date", "end": "end_date", "mrr": "mrr"}


def _source_columns(data: object) -> dict[str, object] | None:
    """The columns of ``data`` by name; ``None`` for no rows and no columns at all."""
    named = named_columns(data)
    if named is not None:
        return named or None
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, np.ndarray)):
        rows = list(cast("Iterable[object]", data))
        if not rows:
            return None
        if all(isinstance(row, Record) for row in rows):
            return dict(to_columns(cast("list[Record]", rows)).items())
        if all(isinstance(row, Mapping) for row in rows):
            return dict(row_columns(cast("list[Mapping[object, object]]", rows)))
    msg = (
        "`subscriptions` must be a mapping of columns, a data frame or a list of row "
        f"dicts; got {type(data).__name__}"
    )
    raise InvalidInputError(msg)


def _read(
    raw: Mapping[str, object], names: Mapping[str, str]
) -> tuple[Column, IntArray, IntArray, FloatArray]:
    """The four columns converted by the models' rules; every bad row raised at once."""
    for parameter, name in names.items():
        if name not in raw:
            msg = f"`{parameter}={name!r}`: no column {name!r}; columns are {list(raw)}"
            raise InvalidInputError(msg)
        _refuse_aware(parameter, name, raw[name])
    lengths = {name: _length(name, raw[name]) for name in names.values()}
    if len(set(lengths.values())) > 1:
        msg = f"the subscription columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    columns: dict[str, Column] = {}
    errors: list[RecordError] = []
    for parameter, name in names.items():
        model, field = _FIELDS[parameter]
        try:
            columns[parameter] = convert_column(raw[name], model, field)
        except InvalidInputError as exc:
            errors.extend(_renamed(error, parameter, name) for error in exc.errors)
            if not exc.errors:
                raise
    first = columns["start"].astype(np.int64) if "start" in columns else None
    after = columns["end"].astype(np.int64) if "end" in columns else None
    if first is not None and after is not None:
        errors.extend(_out_of_order(names, first, after))
    if errors:
        _raise(errors, columns.get("account"), next(iter(lengths.values())))
    amounts = cast("FloatArray", columns["mrr"])
    return columns["account"], cast("IntArray", first), cast("IntArray", after), amounts


def _renamed(error: RecordError, parameter: str, name: str) -> RecordError:
    """``error`` under the user's column name, a missing value said in the column's words."""
    if error.code != "missing":
        return replace(error, field=name)
    return replace(error, field=name, message=_MISSING[parameter])


_MISSING = {
    "account": "no account id: every subscription needs its account",
    "start": "no start date: every subscription needs one (only the end may be open)",
    "mrr": "no MRR (None, NaN or blank): give the subscription's MRR, 0 for a free one",
}


def _length(name: str, values: object) -> int:
    try:
        size = len(cast("list[object]", values))
    except TypeError:
        size = -1
    if size < 0 or isinstance(values, (str, bytes)):
        msg = f"column {name!r} must be a list or a 1-D array, got {type(values).__name__}"
        raise InvalidInputError(msg)
    return size


def _refuse_aware(parameter: str, name: str, values: object) -> None:
    """Time-zone-aware timestamps are not calendar dates: refuse them with a hint."""
    if parameter not in ("start", "end"):
        return
    zone = getattr(getattr(values, "dt", None), "tz", None)  # pandas
    zone = zone or getattr(getattr(values, "dtype", None), "time_zone", None)  # polars
    shown: object = zone
    if zone is None:
        shown = _first_aware(values)
    if shown is None:
        return
    msg = (
        f"`{parameter}={name!r}` holds time-zone-aware timestamps ({shown!r}); "
        "subscription dates are calendar dates: give dates (`value.date()`; with pandas, "
        f"frame[{name!r}].dt.tz_localize(None) keeps the local day)"
    )
    raise InvalidInputError(msg)


def _first_aware(values: object) -> object:
    """The first aware datetime among Python values (a list, an ``object`` column)."""
    if isinstance(values, (list, tuple)):
        return next((value for value in values if _is_aware(value)), None)
    dtype = getattr(values, "dtype", None)
    if not isinstance(dtype, np.dtype) or dtype.kind != "O":
        return None
    array = np.asarray(values)
    aware = np.asarray(np.frompyfunc(_is_aware, 1, 1)(array), dtype=bool)
    return array[int(np.argmax(aware))] if aware.any() else None


def _is_aware(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


def _out_of_order(names: Mapping[str, str], first: IntArray, after: IntArray) -> list[RecordError]:
    rows = np.flatnonzero((after != _OPEN) & (after < first)).tolist()
    if not rows:
        return []
    ends = np.asarray(after[rows]).view("datetime64[D]").tolist()
    starts = np.asarray(first[rows]).view("datetime64[D]").tolist()
    message = "`{end}` is before `{start}` ({day}); a subscription counts on [start, end)"
    return [
        RecordError(
            row=row + 1,
            field=names["end"],
            value=value,
            message=message.format(end=names["end"], start=names["start"], day=day),
            code="out_of_order",
        )
        for row, value, day in zip(rows, ends, starts)
    ]


def _raise(errors: list[RecordError], ids: Column | None, n: int) -> None:
    errors.sort(key=lambda error: error.row)
    if ids is not None:  # name each row's account when the accounts read well
        errors = [replace(e, record_id=str(ids[e.row - 1])) for e in errors]
    bad_rows = len({error.row for error in errors})
    msg = f"{bad_rows} of {n} subscriptions are invalid"
    raise InvalidInputError(msg, tuple(errors))


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
