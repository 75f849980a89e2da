"""Local calendar days of UTC instants in an IANA time zone, on whole columns.

A day of product usage is a day on the customer's clock: an event at 23:30 UTC on
2025-03-09 happened on the 10th in Berlin and on the 9th in New York. `local_days` finds
the local date of every instant of a column without a Python call per row.

How: a zone's UTC offset is constant between its transitions, and no zone in the tz
database changes its offset twice within one UTC day (the closest two transitions of
any zone are about four days apart). So for each UTC day of the data the offset is
looked up twice with `zoneinfo` (at the day's start and at the next day's start); where
the two differ, the instant of the change is found by bisection to the second (the tz
database keeps transitions in whole seconds). That gives the few instants in the span of
the data where the offset changes; each row finds its piece by binary search, and its
local day is ``floor((t + offset(t)) / 1 day)``. The Python work grows with the number of
days (a few hundred for a year of data), never with the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import ArrayLike

from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, IntArray

__all__ = [
    "NAT_DAY",
    "day_start",
    "local_days",
    "offset_change",
    "time_zone",
    "utc_offset",
    "wall_to_utc",
]

#: The local day given for a missing instant (``NaT``): the smallest ``int64``.
NAT_DAY = int(np.iinfo(np.int64).min)

_DAY_US = 86_400_000_000
_SECOND_US = 1_000_000
_DAY_S = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Offsets are looked up at instants Python's datetime can hold, a day inside its range on
# either side (so the local time of any offset stays representable); instants beyond
# take the offset of the nearest such instant.
_LOWEST_S = (datetime(1, 1, 2, tzinfo=timezone.utc) - _EPOCH) // timedelta(seconds=1)
_HIGHEST_S = (datetime(9999, 12, 30, tzinfo=timezone.utc) - _EPOCH) // timedelta(seconds=1)


def time_zone(timezone: str) -> ZoneInfo:
    """The IANA time zone called ``timezone`` (``"Europe/Berlin"``, ``"UTC"``).

    Args:
        timezone: An IANA zone name, spelled as in the tz database (case matters).

    Returns:
        The zone.

    Raises:
        InvalidInputError: If ``timezone`` is not text or names no zone.

    Examples:
        >>> time_zone("Asia/Kolkata")
        zoneinfo.ZoneInfo(key='Asia/Kolkata')
        >>> time_zone("Mars/Olympus")
        Traceback (most recent call last):
        ...
        cshealth.InvalidInputError: `timezone` 'Mars/Olympus' is not an IANA ...
    """
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        pass
    msg = (
        f"`timezone` {timezone!r} is not an IANA time zone name; use names such as 'UTC', "
        "'Europe/Berlin' or 'America/New_York' (see zoneinfo.available_timezones())"
    )
    raise InvalidInputError(msg)


def local_days(instants: ArrayLike, timezone: str) -> IntArray:
    """The local calendar day (days since 1970-01-01) of each UTC instant in ``timezone``.

    Args:
        instants: UTC instants (``datetime64``, read as ``datetime64[us]``); ``NaT``
            for a missing one.
        timezone: An IANA zone name (``"UTC"``, ``"Europe/Berlin"``).

    Returns:
        One ``int64`` day number per instant; `NAT_DAY` (the smallest ``int64``) where
        the instant is ``NaT``. ``np.datetime64(day, "D")`` is the date.

    Raises:
        InvalidInputError: On an unknown zone or values that are not instants.

    Notes:
        ``day = floor((t + offset(t)) / 86400 s)``, with ``offset(t)`` the zone's UTC
        offset in force at ``t`` (see the module documentation). Instants outside
        Python's date range (years 1..9999) take the offset of the nearest instant
        inside it.

    Examples:
        Half past eleven at night, UTC, is already the next day in Berlin (UTC+1 in
        winter) and still the same day in New York (UTC-5):

        >>> t = np.array(["2025-03-01T23:30", "NaT"], dtype="datetime64[us]")
        >>> local_days(t, "Europe/Berlin").astype("datetime64[D]")
        array(['2025-03-02', 'NaT'], dtype='datetime64[D]')
        >>> local_days(t, "America/New_York").astype("datetime64[D]")[0]
        np.datetime64('2025-03-01')
    """
    zone = time_zone(timezone)
    micros = _micros(instants)
    days = np.full(micros.shape, NAT_DAY, dtype=np.int64)
    valid = micros != NAT_DAY
    t = micros[valid] if not valid.all() else micros
    if not len(t):
        return days
    if zone.key == "UTC":
        days[valid] = t // _DAY_US
        return days
    days[valid] = (t + _offsets(t, zone)) // _DAY_US
    return days


def day_start(day: int, timezone: str) -> np.datetime64:
    """The first instant (UTC) of local calendar day ``day`` in ``timezone``.

    The start of a day is usually local midnight; where a zone skips midnight (a
    change of offset at 00:00) it is the first instant that is on that day.

    Args:
        day: Days since 1970-01-01 (a local date).
        timezone: An IANA zone name.

    Returns:
        The instant as ``datetime64[us]`` (UTC).

    Raises:
        InvalidInputError: On an unknown zone.

    Examples:
        >>> day = int(np.datetime64("2025-07-01", "D").astype(np.int64))
        >>> day_start(day, "Europe/Berlin")  # midnight at UTC+2
        np.datetime64('2025-06-30T22:00:00.000000')
        >>> day_start(day, "UTC")
        np.datetime64('2025-07-01T00:00:00.000000')
    """
    zone = time_zone(timezone)
    table = _table(np.arange(day - 2, day + 2, dtype=np.int64), zone)
    midnight = day * _DAY_US
    first = midnight + 2 * _DAY_US
    pieces = zip(
        [*table.start, *table.change],
        [*table.change, *(table.start + _DAY_US)],
        [*table.before, *table.after],
        strict=True,
    )
    for low, high, offset in pieces:
        candidate = max(int(low), midnight - int(offset))
        if candidate < high:
            first = min(first, candidate)
    return np.datetime64(first, "us")


def wall_to_utc(wall: IntArray, fold: BoolArray, timezone: str) -> IntArray:
    """UTC instants of local wall-clock times in ``timezone``, as ``datetime`` reads them.

    Args:
        wall: Local times as microseconds since 1970-01-01 on the zone's clock (no
            ``NaT``).
        fold: Per time, ``datetime.fold``: which of two readings of a repeated local time
            (the hour after clocks go back) is meant, 0 for the first.
        timezone: An IANA zone name.

    Returns:
        Microseconds since the epoch (UTC), one per time.

    Raises:
        InvalidInputError: On an unknown zone.

    Notes:
        As PEP 495 and `zoneinfo`: a repeated time takes the offset before the change
        with ``fold=0`` and the one after with ``fold=1``; a skipped time (clocks go
        forward) takes the offset before the change with ``fold=0`` (so it lands after
        the change in UTC) and the one after with ``fold=1``. A change at UTC instant
        ``T`` from offset ``b`` to ``a`` is reached on the wall clock at ``T + max(a, b)``
        with ``fold=0`` and at ``T + min(a, b)`` with ``fold=1``.

    Examples:
        Half past two on 30 March 2025 does not exist in Berlin (clocks go from 02:00 to
        03:00); with ``fold=0`` it is read at the winter offset, as ``datetime`` does:

        >>> wall = np.array(["2025-03-30T02:30", "2025-10-26T02:30"], "datetime64[us]")
        >>> utc = wall_to_utc(wall.view(np.int64), np.array([False, True]), "Europe/Berlin")
        >>> utc.view("datetime64[us]")
        array(['2025-03-30T01:30:00.000000', '2025-10-26T01:30:00.000000'],
              dtype='datetime64[us]')
    """
    zone = time_zone(timezone)
    if not len(wall):
        return wall.astype(np.int64)
    if zone.key == "UTC":
        return wall.astype(np.int64)
    local = wall // _DAY_US
    low, high = int(local.min()) - 2, int(local.max()) + 2
    span = high - low + 1
    if span <= max(4 * len(wall), 1 << 16):
        present = np.zeros(span + 4, dtype=bool)
        for shift in range(5):  # every UTC day a time of a local day can fall on, and one more
            present[local - low + shift] = True
        days = np.flatnonzero(present[2:-2]) + low
    else:
        days = np.unique((local[:, None] + np.arange(-2, 3)).ravel())
    starts, offsets = _pieces(_table(days, zone))
    after, before = offsets[1:], offsets[:-1]
    first = starts[1:] + np.maximum(after, before)
    second = starts[1:] + np.minimum(after, before)
    by_fold = np.searchsorted(second, wall, side="right")
    piece = np.where(fold, by_fold, np.searchsorted(first, wall, side="right"))
    utc: IntArray = wall - offsets[piece]
    return utc


@dataclass(frozen=True)
class _Table:
    """Per distinct UTC day: its start, offsets before and after its change, the change."""

    start: IntArray
    before: IntArray
    after: IntArray
    change: IntArray  # the instant the offset changes; the next day's start if it does not


def _micros(instants: ArrayLike) -> IntArray:
    array = np.asarray(instants)
    if array.dtype.kind != "M":
        msg = f"instants must be datetime64 values (UTC), got an array of {array.dtype}"
        raise InvalidInputError(msg)
    micros: IntArray = array.astype("datetime64[us]").view(np.int64)
    return micros


def _offsets(t: IntArray, zone: ZoneInfo) -> IntArray:
    """The UTC offset (microseconds) in force at each instant ``t`` (no ``NaT``).

    The offsets of the UTC days in the data are looked up (every day of the span when
    it is short next to the data, else only the days present), turned into the few
    instants where the offset changes, and each row finds its piece by binary search.
    """
    low = int(t.min()) // _DAY_US
    span = int(t.max()) // _DAY_US - low + 1
    if span <= len(t) // 512 + 64:  # few days for many rows: look every day up
        days = np.arange(low, low + span, dtype=np.int64)
    elif span <= max(4 * len(t), 1 << 16):  # mark the days present
        present = np.zeros(span, dtype=bool)
        present[t // _DAY_US - low] = True
        days = np.flatnonzero(present) + low
    else:
        days = np.unique(t // _DAY_US)
    starts, offsets = _pieces(_table(days, zone))
    piece = np.searchsorted(starts, t, side="right") - 1
    found: IntArray = offsets[piece]
    return found


def _pieces(table: _Table) -> tuple[IntArray, IntArray]:
    """Where each piece of constant offset starts, and its offset, over the table's days."""
    starts: list[int] = []
    offsets: list[int] = []
    rows = zip(
        table.start.tolist(),
        table.before.tolist(),
        table.after.tolist(),
        table.change.tolist(),
        strict=True,
    )
    for start, before, after, change in rows:
        if not offsets or offsets[-1] != before:  # the offset changed since the last day seen
            starts.append(start)
            offsets.append(before)
        if after != before:
            starts.append(change)
            offsets.append(after)
    return np.array(starts, dtype=np.int64), np.array(offsets, dtype=np.int64)


def _table(days: IntArray, zone: ZoneInfo) -> _Table:
    """Offsets for the UTC days ``days`` (sorted, distinct), one Python pass per day."""
    start = days * _DAY_US
    before = np.empty(len(days), dtype=np.int64)
    after = np.empty(len(days), dtype=np.int64)
    change = start + _DAY_US
    for i, day in enumerate(days.tolist()):
        first, last = day * _DAY_S, (day + 1) * _DAY_S
        before[i] = utc_offset(first, zone)
        after[i] = utc_offset(last, zone)
        if after[i] != before[i]:
            change[i] = offset_change(first, last, int(before[i]), zone) * _SECOND_US
    return _Table(start, before, after, change)


def offset_change(low: int, high: int, before: int, zone: ZoneInfo) -> int:
    """The first second in ``(low, high]`` whose offset is no longer ``before``."""
    while high - low > 1:
        middle = (low + high) // 2
        if utc_offset(middle, zone) == before:
            low = middle
        else:
            high = middle
    return high


@lru_cache(maxsize=4096)
def utc_offset(seconds: int, zone: ZoneInfo) -> int:
    """The zone's UTC offset (microseconds) at ``seconds`` since the epoch (UTC)."""
    clamped = min(max(seconds, _LOWEST_S), _HIGHEST_S)
    local = (_EPOCH + timedelta(seconds=clamped)).astimezone(zone)
    return (local.utcoffset() or timedelta(0)) // timedelta(microseconds=1)
