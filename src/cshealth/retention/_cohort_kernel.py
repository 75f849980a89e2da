"""The event kernel of `cohort_table`: events to cohort sizes and retained counts, unsorted.

The kernel never sorts the events. Days become periods through a lookup table over
the days spanned; each entity's first (and last) period is a ``numpy.minimum.at``; the
entities are ranked by cohort (a counting sort of a small integer), and the
(period, entity) pairs seen are marked in a boolean bitmap whose columns are grouped by
cohort, so each cell's count is one ``count_nonzero`` of a contiguous block. The events
are processed in chunks that stay in the processor cache.
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._types import IntArray
from cshealth.retention._cohort_grid import _Span
from cshealth.retention._periods import days_to_periods, event_days

__all__ = ["CohortMode"]

#: ``on``: retained at offset ``k`` with an event in exactly period ``c + k``;
#: ``on_or_after``: with an event in period ``c + k`` or any later one.
CohortMode = Literal["on", "on_or_after"]

#: Events handled per step of the kernel (a few MB of temporaries: they stay in cache).
_CHUNK = 1 << 19
#: Largest (periods x entities) presence bitmap, in bytes per event (beyond: sort pairs).
_BITMAP_BYTES_PER_EVENT = 16
_BITMAP_MIN_BYTES = 1 << 26
_NAT = np.iinfo(np.int64).min


# --- reading ---------------------------------------------------------------------------


def _days(values: object, timezone: str) -> IntArray:
    """Event dates as days since 1970; a ``datetime64`` array without NaT in one step.

    Dates, and instants read in UTC, take the fast path; anything else (instants in
    another zone, aware columns, Python values) goes through `event_days`.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "M" and values.ndim == 1:
        daily = np.datetime_data(values.dtype)[0] in ("Y", "M", "W", "D")
        if daily or timezone == "UTC":
            days = values.astype("datetime64[D]", copy=False).view(np.int64)
            if not len(days) or int(days.min()) != _NAT:
                return cast("IntArray", days)
    return event_days(values, "event_dates", timezone=timezone)


def _entity_codes(ids: NDArray[np.generic]) -> tuple[IntArray, int]:
    """Integer codes for the entity ids; non-negative integer ids below ``2n`` as they are."""
    n = len(ids)
    if ids.dtype.kind in "iu" and n and ids.dtype.itemsize <= 8:
        low, high = int(ids.min()), int(ids.max())
        if low >= 0 and high < 2 * n:
            return ids.astype(np.intp, copy=False), high + 1
    codes, k = id_codes(ids, dense=ids.dtype.kind not in "iu")
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        msg = (
            f"`entity_ids` has {len(missing)} missing values (rows {(missing[:10] + 1).tolist()}, "
            "counted from 1); every event needs an entity id"
        )
        raise InvalidInputError(msg)
    return codes, k


# --- the event kernel --------------------------------------------------------------------


def _event_counts(
    codes: IntArray,
    k: int,
    days: IntArray,
    *,
    bounds: tuple[int, int],
    span: _Span,
    mode: CohortMode,
) -> tuple[IntArray, IntArray]:
    """Entities per cohort period, and retained entities per (cohort period, period).

    ``bounds`` holds the first day and a day no earlier than the last. Periods are
    counted from ``span.first`` (the period of the first day).
    """
    low, high = bounds
    periods_of = days_to_periods(np.arange(low, high + 1), span.period) - span.first
    width = int(periods_of[-1]) + 1
    small = np.min_scalar_type(width)  # holds every period and the "no event" marker
    origin = min(low, 0)  # the table is indexed by the day itself unless a day is before 1970
    lut = np.zeros(high - origin + 1, dtype=small)
    lut[low - origin :] = periods_of
    first = np.full(k, width, dtype=small)
    last = np.zeros(k, dtype=small)
    periods = np.empty(len(days), dtype=small)
    for start in range(0, len(days), _CHUNK):
        chunk = slice(start, start + _CHUNK)
        np.take(lut, days[chunk] - origin if origin else days[chunk], out=periods[chunk])
        np.minimum.at(first, codes[chunk], periods[chunk])
        if mode == "on_or_after":
            np.maximum.at(last, codes[chunk], periods[chunk])
    sizes = np.bincount(first, minlength=width + 1)[:width]
    if mode == "on_or_after":
        used = first < width
        return sizes, _at_least(first[used].astype(np.intp), last[used].astype(np.intp), width)
    return sizes, _presence(codes, periods, first, sizes)


def _at_least(cohort: IntArray, last: IntArray, width: int) -> IntArray:
    """Per (cohort, period): entities whose ``last`` period is that period or later.

    ``last`` runs from -1 (not even in the first period) to ``width - 1``.
    """
    cells = np.bincount(cohort * (width + 1) + last + 1, minlength=width * (width + 1))
    later = cells.reshape(width, width + 1)[:, ::-1].cumsum(axis=1)[:, ::-1]
    return cast("IntArray", later[:, 1:])


def _presence(
    codes: IntArray,
    periods: NDArray[np.unsignedinteger],
    first: NDArray[np.unsignedinteger],
    sizes: IntArray,
) -> IntArray:
    """Per (cohort, period): entities with an event in that period.

    Entities are ranked by cohort, so a cohort is a block of consecutive ranks; the
    (period, rank) pairs seen are marked in a bitmap (one row per period) and each count
    is the number of marks in a block. A bitmap too large for the data falls back to
    sorting the distinct pairs.
    """
    width = len(sizes)
    used = int(sizes.sum())
    small = np.int32 if width * used < 2**31 else np.intp  # halves the memory the keys move
    rank = np.empty(len(first), dtype=small)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first), dtype=small)
    counts = np.zeros((width, width), dtype=np.int64)
    blocks = np.concatenate([[0], np.cumsum(sizes)])
    if width * used > max(_BITMAP_MIN_BYTES, _BITMAP_BYTES_PER_EVENT * len(codes)):
        keys = np.unique(periods.astype(np.intp) * used + rank[codes])
        cohort = np.repeat(np.arange(width), sizes)[keys % used]
        return np.bincount(cohort * width + keys // used, minlength=width * width).reshape(
            width, width
        )
    seen = np.zeros(width * used, dtype=bool)
    key = np.empty(min(_CHUNK, len(codes)), dtype=small)
    ranks = np.empty_like(key)
    for start in range(0, len(codes), _CHUNK):
        chunk = slice(start, start + _CHUNK)
        size = len(codes[chunk])
        np.multiply(periods[chunk], used, out=key[:size], dtype=small)
        np.take(rank, codes[chunk], out=ranks[:size])
        key[:size] += ranks[:size]
        seen[key[:size]] = True
    grid = seen.reshape(width, used)
    for c in np.flatnonzero(sizes).tolist():
        counts[c] = np.count_nonzero(grid[:, blocks[c] : blocks[c + 1]], axis=1)
    return counts
