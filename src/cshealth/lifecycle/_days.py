"""Days as whole numbers, and per-account reductions over rows, for the lifecycle kernels.

Lifecycle works in calendar days. A day column (``datetime64[D]``, missing ``NaT``) becomes
``int64`` days since 1970-01-01 with `MISSING` for an empty cell, so every comparison is
one integer operation. ``as_of`` is a day too: only what happened strictly before it
counts, and an event dated on the ``as_of`` day (a milestone completed that day) has not
happened yet as of then.

The reductions take each row's account (a position ``0..k-1``, or ``-1`` for none) and
give one value per account: `group_max`, `group_min` and `group_any` with a fill where an
account has no row, by one sort and one ``reduceat``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._types import BoolArray, FloatArray, IntArray

__all__ = [
    "EPOCH",
    "MISSING",
    "day_of",
    "days",
    "group_any",
    "group_max",
    "group_min",
    "known",
    "span",
    "to_date",
    "to_dates",
]

#: An empty day cell, as a whole number of days (``NaT``'s own value).
MISSING = int(np.iinfo(np.int64).min)
#: Day 0.
EPOCH = date(1970, 1, 1)


def days(values: NDArray[np.generic]) -> IntArray:
    """A day column as whole days since 1970-01-01; `MISSING` for an empty cell.

    Examples:
        >>> days(np.array(["1970-01-03", "NaT"], dtype="datetime64[D]")).tolist()[0]
        2
    """
    out: IntArray = values.astype("datetime64[D]").astype(np.int64)
    return out


def known(values: IntArray) -> BoolArray:
    """Where a day column has a day."""
    out: BoolArray = values != MISSING
    return out


def day_of(value: date) -> int:
    """A ``date`` as whole days since 1970-01-01."""
    return (value - EPOCH).days


def to_date(day: int) -> date:
    """Whole days since 1970-01-01 as a ``date``."""
    return EPOCH + timedelta(days=day)


def to_dates(values: IntArray) -> NDArray[np.datetime64]:
    """Whole days as ``datetime64[D]`` (`MISSING` is ``NaT``)."""
    out: NDArray[np.datetime64] = values.astype("datetime64[D]")
    return out


def _reduce(
    codes: IntArray, values: NDArray[np.generic], k: int, fill: object, ufunc: np.ufunc
) -> NDArray[np.generic]:
    """Each group's ``ufunc`` (``np.maximum`` or ``np.minimum``) of its values, unbuffered."""
    keep = codes >= 0
    codes, values = codes[keep], values[keep]
    out = np.full(k, fill, dtype=values.dtype)
    if not len(codes):
        return out
    # a start no group's result can be beyond: the least value for maxima, the greatest
    # for minima
    reduced = np.full(k, values.min() if ufunc is np.maximum else values.max())
    ufunc.at(reduced, codes, values)
    has = np.bincount(codes, minlength=k)[:k] > 0
    out[has] = reduced[has]
    return out


def group_max(codes: IntArray, values: IntArray, k: int, fill: int) -> IntArray:
    """The greatest value of each account's rows; ``fill`` for an account without rows.

    Examples:
        >>> group_max(np.array([1, 0, 1, -1]), np.array([5, 2, 7, 9]), 3, -1).tolist()
        [2, 7, -1]
    """
    return cast("IntArray", _reduce(codes, values, k, fill, np.maximum))


def group_min(codes: IntArray, values: IntArray, k: int, fill: int) -> IntArray:
    """The least value of each account's rows; ``fill`` for an account without rows.

    Examples:
        >>> group_min(np.array([1, 0, 1]), np.array([5, 2, 7]), 3, 99).tolist()
        [2, 5, 99]
    """
    return cast("IntArray", _reduce(codes, values, k, fill, np.minimum))


def group_any(codes: IntArray, flags: BoolArray, k: int) -> BoolArray:
    """Whether any of each account's rows is set.

    Examples:
        >>> group_any(np.array([0, 0, 2]), np.array([False, True, False]), 3).tolist()
        [True, False, False]
    """
    keep = (codes >= 0) & flags
    out: BoolArray = np.bincount(codes[keep], minlength=k)[:k] > 0
    return out


def span(later: IntArray, earlier: IntArray) -> FloatArray:
    """Days from ``earlier`` to ``later``; NaN where either is missing.

    Examples:
        >>> span(np.array([10, MISSING]), np.array([4, 1])).tolist()
        [6.0, nan]
    """
    both = known(later) & known(earlier)
    out: FloatArray = np.where(both, (later - np.where(both, earlier, 0)), np.nan)
    return out.astype(np.float64)
