"""The counting kernel of `active_users`: distinct users per account and day, on whole columns.

The window's rows are found by two comparisons (by binary search when the events are in
time order, as exported logs usually are); accounts and users get integer codes (integer
ids shifted, text hashed by `id_codes`, never sorted); each (account, user) pair gets a
code, without sorting when every user belongs to one account; a ``window_days x pairs``
grid of flags marks the days each pair was active; and a few `numpy.bincount` calls over
it give every count (`_count`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes, sorted_positions
from cshealth._exceptions import InvalidInputError
from cshealth._types import IdArray, IntArray, ObjectArray
from cshealth._zones import local_days
from cshealth.io._read import read_columns, same_kind
from cshealth.models import UsageEvent

__all__: list[str] = []

Int32Array = NDArray[np.int32]
_Code = TypeVar("_Code", np.int32, np.int64)  # the integer type of a code array

_DAY_US = 86_400_000_000
_WEEK = 7


@dataclass(frozen=True)
class _Events:
    accounts: NDArray[np.generic]  # int64 or object text
    users: NDArray[np.generic]
    times: IntArray  # microseconds since the epoch, UTC
    features: ObjectArray | None


@dataclass(frozen=True)
class _Counts:
    mau: IntArray
    wau: IntArray
    daily: IntArray
    l28: IntArray


def _read(events: object, *, with_feature: bool) -> _Events:
    """The event columns, read by the identifier rule (whole-number ids stay numbers)."""
    table = read_columns(
        events,
        UsageEvent,
        need=["account_id", "user_id", "occurred_at"],
        optional=["feature"] if with_feature else [],
    )
    if with_feature and "feature" not in table:
        msg = "`features` filters on the events' `feature` column, which they do not have"
        raise InvalidInputError(msg)
    return _Events(
        table["account_id"],
        table["user_id"],
        table["occurred_at"].view(np.int64),
        cast("ObjectArray", table["feature"]) if with_feature else None,
    )


def _window_rows(
    times: IntArray, *, end: int, first_day: int, end_day: int, zone: str
) -> tuple[IntArray | slice, IntArray]:
    """Rows before ``end`` on local days ``first_day..end_day - 1``; their day in the window.

    Events in time order (as logs are usually exported) are found by binary search: the
    rows are then one slice, and nothing is gathered.
    """
    days = end_day - first_day
    in_order = _in_order(times)
    if zone == "UTC":  # days are UTC days: the window is one span of instants
        low, high = first_day * _DAY_US, min(end, end_day * _DAY_US)
        if in_order:
            starts = low + np.arange(days + 1) * _DAY_US
            starts[-1] = high
            bounds = np.searchsorted(times, starts)
            span = slice(int(bounds[0]), int(bounds[-1]))
            return span, np.repeat(np.arange(days), np.diff(bounds))
        picked = np.flatnonzero((times >= low) & (times < high))
        return picked, (times[picked] - low) // _DAY_US
    low = (first_day - 2) * _DAY_US  # no zone is a whole day ahead of UTC
    if in_order:
        lo, hi = (int(i) for i in np.searchsorted(times, [low, end]))
        day = local_days(times[lo:hi].view("datetime64[us]"), zone) - first_day
        if (day[1:] >= day[:-1]).all():  # local days in order too (some zones step back)
            a, b = (int(i) for i in np.searchsorted(day, [0, days]))
            return slice(lo + a, lo + b), day[a:b]
        inside = (day >= 0) & (day < days)
        return lo + np.flatnonzero(inside), day[inside]
    rows = np.flatnonzero((times >= low) & (times < end))
    day = local_days(times[rows].view("datetime64[us]"), zone) - first_day
    inside = (day >= 0) & (day < days)
    return rows[inside], day[inside]


def _indices(rows: IntArray | slice) -> IntArray:
    if isinstance(rows, slice):
        return np.arange(rows.start, rows.stop)
    return rows


def _in_order(times: IntArray) -> bool:
    """Whether ``times`` never decrease (checked a block at a time: shuffled data stops early)."""
    block = 1 << 20
    for start in range(0, len(times), block):
        chunk = times[max(start - 1, 0) : start + block]
        if not (chunk[1:] >= chunk[:-1]).all():
            return False
    return True


@dataclass(frozen=True)
class _Slots:
    """Account codes: ``slots`` codes, of which ``used`` are some row's, with their ids."""

    slots: int
    used: IntArray
    ids: IdArray  # the id of each used code (whole numbers or text)


def _account_slots(values: NDArray[np.generic]) -> tuple[Int32Array, _Slots]:
    """A code per row's account, and the codes' account ids (as given).

    Integer ids in a compact range are their own codes (shifted); others are hashed.
    Some codes may be unused. The codes are ``int32`` (half the memory traffic of the
    per-user account lookups in `_pairs`).
    """
    shifted = _shifted(values, np.int32)
    if shifted is not None:
        codes, span, low = shifted
        used = np.flatnonzero(np.bincount(codes, minlength=span))
        return codes, _Slots(span, used, (used + low).astype(np.int64))
    hashed, slots = id_codes(values, dense=False, present=True)  # required ids, read by io
    first = np.full(slots, -1, dtype=np.int64)  # a row of each code (any will do)
    first[hashed] = np.arange(len(hashed))
    used = np.flatnonzero(first >= 0)
    return hashed.astype(np.int32), _Slots(slots, used, values[first[used]])


def _shifted(
    values: NDArray[np.generic], dtype: type[_Code]
) -> tuple[NDArray[_Code], int, int] | None:
    """Integer ids in a compact range as codes ``id - low``: ``(codes, span, low)``."""
    if values.dtype.kind != "i" or not len(values):
        return None
    low = int(values.min())
    span = int(values.max()) - low + 1
    if span > 4 * len(values):
        return None
    codes = np.subtract(values, low, out=np.empty(len(values), dtype=dtype), casting="unsafe")
    return codes, span, low


def _account_positions(slots: _Slots, listed: IdArray | None) -> tuple[IntArray, IdArray]:
    """Each code's row in the result (``-1``: unused or not listed), and the ids reported."""
    position = np.full(slots.slots, -1, dtype=np.int64)
    if listed is None:
        order = np.argsort(slots.ids, kind="stable")
        position[slots.used[order]] = np.arange(len(order))
        return position, slots.ids[order]
    same_kind(("`accounts`", listed), ("the events' `account_id`", slots.ids))
    position[slots.used] = sorted_positions(listed, slots.ids)
    return position, listed


def _qualifies(features: ObjectArray, wanted: tuple[str, ...]) -> NDArray[np.bool_]:
    """Rows whose feature is one of ``wanted`` (a test per distinct feature, not per row)."""
    codes, slots = id_codes(features, dense=False)
    present = codes >= 0
    first = np.full(slots, -1, dtype=np.int64)
    first[codes[present]] = np.flatnonzero(present)
    good = np.zeros(slots + 1, dtype=bool)  # the last slot answers code -1 (no feature)
    allowed = set(wanted)
    for slot in np.flatnonzero(first >= 0).tolist():
        good[slot] = features[first[slot]] in allowed
    return cast("NDArray[np.bool_]", good[codes])


def _pairs(users: NDArray[np.generic], account: Int32Array) -> tuple[IntArray, IntArray]:
    """A code per (account, user) pair, and each code's account (``-1``: unused code).

    A user found under one account only is its own pair (no sorting); only the rows of
    users found under several accounts are sorted, to number their other pairs.
    """
    shifted = _shifted(users, np.int64)
    user, slots = shifted[:2] if shifted is not None else id_codes(users, dense=False, present=True)
    if slots > len(user):  # hashed slots, mostly unused: number the codes densely
        used = np.zeros(slots, dtype=bool)
        used[user] = True
        number = np.cumsum(used) - 1
        user, slots = number[user], int(number[-1]) + 1
    owner = np.full(slots, -1, dtype=np.int32)
    owner[user] = account
    shared = np.flatnonzero(owner[user] != account)
    if not len(shared):
        return user, owner.astype(np.int64)
    key = account[shared].astype(np.int64) * slots + user[shared]
    unique, inverse = np.unique(key, return_inverse=True)
    pair = user.copy()
    pair[shared] = slots + inverse.reshape(-1)
    return pair, np.concatenate([owner, unique // slots])


def _count(
    pair: IntArray, pair_account: IntArray, day: IntArray, *, accounts: int, days: int
) -> _Counts:
    """Every count from the distinct (day, pair) cells.

    The cells are numbered day-major (``day * n_pairs + pair``), so each day's cells are
    one run of the sorted cell numbers. Usually they are marked in a ``days x n_pairs``
    grid of flags (no sorting); a grid much larger than the data is replaced by sorting
    the cell numbers.
    """
    n_pairs = len(pair_account)
    key = day * n_pairs + pair
    if n_pairs * days <= max(16 * len(pair), 1 << 20):  # else sorting the keys is cheaper
        seen = np.zeros(n_pairs * days, dtype=bool)
        seen[key] = True
        grid = seen.reshape(days, n_pairs)
        cells = np.flatnonzero(seen)
        wide = np.uint16 if days < 1 << 16 else np.int64  # a narrow sum is much faster
        active_days = np.add.reduce(grid.view(np.uint8), axis=0, dtype=wide).astype(np.int64)
        recent = grid[days - _WEEK :].any(axis=0)
    else:
        key = np.sort(key)
        cells = key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key
        active_days = np.bincount(cells % n_pairs, minlength=n_pairs)
        recent = np.zeros(n_pairs, dtype=bool)
        recent[cells[cells >= (days - _WEEK) * n_pairs] % n_pairs] = True
    bounds = np.searchsorted(cells, np.arange(days + 1) * n_pairs).tolist()
    daily = np.empty((accounts, days), dtype=np.int64)
    for d in range(days):  # the distinct pairs active on day d, by account
        on_day = cells[bounds[d] : bounds[d + 1]] - d * n_pairs
        daily[:, d] = np.bincount(pair_account[on_day], minlength=accounts)
    used = pair_account >= 0
    l28 = np.bincount(pair_account[used] * days + active_days[used] - 1, minlength=accounts * days)
    return _Counts(
        mau=np.bincount(pair_account[used], minlength=accounts).astype(np.int64, copy=False),
        wau=np.bincount(pair_account[recent], minlength=accounts).astype(np.int64, copy=False),
        daily=daily,
        l28=l28.reshape(accounts, days).astype(np.int64, copy=False),
    )
