"""The interval table: a schedule's business time as sorted UTC intervals with running totals.

For the local days of some calendar years, a schedule's hours are laid out once as sorted,
disjoint intervals of UTC microseconds (found by walking the time zone's offset changes,
so daylight saving is exact), with the business time accumulated before each. Business
time up to any instant is then a lookup (an hourly index into the table, then a step or
two) and a clip. Tables are built per calendar year and cached, keyed by the schedule's
content (`_Plan`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, IntArray
from cshealth._zones import offset_change, utc_offset
from cshealth.support._hours import _DAY_S, _HOUR_S, _zone

__all__: list[str] = []

_US = 1_000_000
_DAY_US = _DAY_S * _US
_PROBE_S = 6 * _HOUR_S
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: The calendar years a schedule can lay out (a day of margin on each side stays within
#: what ``datetime`` can represent).
_FIRST_YEAR = 2
_LAST_YEAR = 9998
#: The lookup table of an interval table has at most this many steps (of an hour or more).
_MAX_LOOKUP = 1_000_000
#: Beyond this many intervals starting within one lookup step, plain bisection is faster.
_MAX_HOPS = 6


class _Plan(NamedTuple):
    """A schedule's content in plain numbers: the key of the interval-table caches."""

    zone: str
    #: For Monday (0) to Sunday (6): the day's intervals as local seconds after midnight.
    week: tuple[tuple[tuple[int, int], ...], ...]
    #: Holidays as days since 1970-01-01.
    holidays: tuple[int, ...]


@dataclass(frozen=True)
class _Table:
    """Business intervals in UTC microseconds, sorted and disjoint, with running totals.

    The first interval is an empty one at ``origin``, before any instant asked about, so
    every instant has an interval at or before it. ``lookup[k]`` is the last interval
    starting at or before ``origin + k * step``; an instant in that step is at most
    ``hops`` intervals further on.
    """

    starts: IntArray
    ends: IntArray
    before: IntArray  # business microseconds before each interval
    total: int
    origin: int
    step: int
    lookup: IntArray
    next_start: IntArray  # the start of the following interval (int64's maximum for the last)
    hops: int


def _text(micros: np.int64) -> str:
    return str(np.datetime64(int(micros), "us")) + "Z"


def _years(earliest: int, latest: int) -> tuple[int, int]:
    """The calendar years whose local days can contain UTC instants in this range."""
    low, high = earliest - _DAY_US, latest + _DAY_US
    first, last = (
        int(np.datetime64(v, "us").astype("datetime64[Y]").astype(np.int64)) + 1970
        for v in (low, high)
    )
    if first < _FIRST_YEAR or last > _LAST_YEAR:
        msg = (
            f"instants must lie between the years {_FIRST_YEAR} and {_LAST_YEAR}; got "
            f"{_text(np.int64(low + _DAY_US))} to {_text(np.int64(high - _DAY_US))}"
        )
        raise InvalidInputError(msg)
    return first, last


def _locate(table: _Table, t: IntArray) -> IntArray:
    """The index of the last interval starting at or before each instant ``t``."""
    if table.hops > _MAX_HOPS:
        return np.searchsorted(table.starts, t, side="right") - 1
    j = table.lookup[(t - table.origin) // table.step]
    for _ in range(table.hops):
        j += table.next_start[j] <= t
    return j


def _elapsed(table: _Table, t: IntArray) -> IntArray:
    """Business microseconds from the table's origin up to each instant ``t``."""
    j = _locate(table, t)
    start = table.starts[j]
    elapsed: IntArray = table.before[j] + np.clip(t - start, 0, table.ends[j] - start)
    return elapsed


def _inside(table: _Table, t: IntArray) -> BoolArray:
    """Whether each instant ``t`` lies in one of the table's intervals."""
    result: BoolArray = t < table.ends[_locate(table, t)]
    return result


def _advance(plan: _Plan, start: IntArray, amount: IntArray) -> IntArray:
    """The earliest instants at which ``amount`` business microseconds follow ``start``."""
    positive = amount > 0
    if not positive.any():
        return start
    weekly = sum(b - a for day in plan.week for a, b in day)
    if weekly == 0:
        msg = "the schedule has no business hours, so no positive amount of business time can pass"
        raise InvalidInputError(msg)
    first, last = _years(int(start.min()), int(start.max()))
    while True:
        table = _table(plan, first, last)
        target = _elapsed(table, start) + amount
        short = int(target.max()) - table.total
        if short <= 0:
            break
        if last >= _LAST_YEAR:
            msg = f"adding these business seconds runs past the year {_LAST_YEAR}"
            raise InvalidInputError(msg)
        last = min(_LAST_YEAR, last + 1 + short // (weekly * _US * 52))
    ends = table.before + (table.ends - table.starts)
    k = np.minimum(np.searchsorted(ends, target, side="left"), ends.size - 1)
    due = table.starts[k] + (target - table.before[k])
    return np.where(positive, due, start)


@lru_cache(maxsize=64)
def _table(plan: _Plan, first: int, last: int) -> _Table:
    """The business intervals of the local days of the years ``first`` to ``last``."""
    origin = (date(first, 1, 1).toordinal() - _EPOCH_ORDINAL - 2) * _DAY_US
    finish = (date(last + 1, 1, 1).toordinal() - _EPOCH_ORDINAL + 2) * _DAY_US
    pieces = [_year_pieces(plan, year) for year in range(first, last + 1)]
    starts = np.concatenate([[origin], *(p[0] for p in pieces)]).astype(np.int64)
    ends = np.concatenate([[origin], *(p[1] for p in pieces)]).astype(np.int64)
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    running = np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64)
    step = max(_HOUR_S * _US, -(-(finish - origin) // _MAX_LOOKUP))
    lookup = np.searchsorted(starts, np.arange(origin, finish + step, step), side="right") - 1
    next_start = np.append(starts[1:], np.iinfo(np.int64).max)
    hops = int(np.diff(lookup).max())
    table = _Table(
        starts, ends, running[:-1], int(running[-1]), origin, step, lookup, next_start, hops
    )
    for array in (table.starts, table.ends, table.before, table.lookup, table.next_start):
        array.flags.writeable = False
    return table


@lru_cache(maxsize=512)
def _year_pieces(plan: _Plan, year: int) -> tuple[IntArray, IntArray]:
    """UTC pieces of the business time of the local days of ``year``, sorted."""
    lo_us, hi_us = _windows(plan, year)
    jan1 = (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY_S
    dec32 = (date(year + 1, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY_S
    bounds, offsets = _offset_segments(_zone(plan.zone), jan1 - _DAY_S, dec32 + _DAY_S)
    starts, ends = [], []
    for u0, u1, offset in zip(bounds[:-1], bounds[1:], offsets):
        s = np.maximum(lo_us - offset * _US, u0 * _US)
        e = np.minimum(hi_us - offset * _US, u1 * _US)
        keep = s < e
        starts.append(s[keep])
        ends.append(e[keep])
    return np.concatenate(starts), np.concatenate(ends)


def _windows(plan: _Plan, year: int) -> tuple[IntArray, IntArray]:
    """The open intervals of ``year`` on the local wall clock, as naive microseconds."""
    first = date(year, 1, 1).toordinal() - _EPOCH_ORDINAL
    days = np.arange(first, date(year + 1, 1, 1).toordinal() - _EPOCH_ORDINAL, dtype=np.int64)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    open_day = ~np.isin(days, np.asarray(plan.holidays, dtype=np.int64))
    lo: list[IntArray] = []
    hi: list[IntArray] = []
    for index, spans in enumerate(plan.week):
        picked = days[open_day & (weekday == index)] * _DAY_US
        for a, b in spans:
            lo.append(picked + a * _US)
            hi.append(picked + b * _US)
    starts = np.concatenate([np.empty(0, dtype=np.int64), *lo])
    ends = np.concatenate([np.empty(0, dtype=np.int64), *hi])
    order = np.argsort(starts, kind="stable")
    return starts[order], ends[order]


def _offset_segments(zone: ZoneInfo, lo: int, hi: int) -> tuple[list[int], list[int]]:
    """Split UTC seconds ``[lo, hi)`` where the zone's offset changes.

    Returns the boundaries (``lo``, each change, ``hi``) and the offset in seconds in force
    on each piece. The offset is probed every six hours (the closest two offset changes
    in the tz database are four days apart) and each change located to the second.
    """
    probes = [*range(lo, hi, _PROBE_S), hi]
    offsets = [utc_offset(second, zone) // _US for second in probes]
    bounds, pieces = [lo], [offsets[0]]
    for (p0, o0), (p1, o1) in zip(zip(probes, offsets), zip(probes[1:], offsets[1:])):
        if o1 != o0:
            change = offset_change(p0, p1, o0 * _US, zone)
            bounds.append(change)
            pieces.append(utc_offset(change, zone) // _US)
    bounds.append(hi)
    return bounds, pieces
