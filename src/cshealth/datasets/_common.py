"""Shared helpers of the sample generator: day numbers, the calendar, ids and random draws.

Inside the generator every date is an ``int64`` day number (days since 1970-01-01) and
every instant an ``int64`` count of microseconds since 1970-01-01T00:00Z, so arithmetic
stays vectorised. `NO_DAY` marks a missing date or instant: it is the integer behind
``NaT``, so viewing the numbers as ``datetime64`` turns it into ``NaT`` for free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

import numpy as np
from dateutil.relativedelta import relativedelta
from numpy.typing import NDArray

from cshealth._types import DateArray, FloatArray, InstantArray, IntArray

__all__ = [
    "DAY_US",
    "HOUR_US",
    "NO_DAY",
    "SECOND_US",
    "Calendar",
    "Columns",
    "TextArray",
    "add_months",
    "as_dates",
    "as_instants",
    "day_number",
    "draw_category",
    "draw_day",
    "lognormal",
    "make_ids",
    "sigmoid",
]

#: Text columns are built as fixed-width numpy strings (``""`` is a missing value).
TextArray: TypeAlias = NDArray[np.str_]
#: Columns ready for `cshealth.io.to_columns()`.
Columns: TypeAlias = dict[str, NDArray[Any]]

#: A missing day or instant (the integer behind ``NaT``).
NO_DAY = int(np.iinfo(np.int64).min)
SECOND_US = 1_000_000
HOUR_US = 3_600 * SECOND_US
DAY_US = 24 * HOUR_US
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_number(day: date) -> int:
    """Days from 1970-01-01 to ``day``."""
    return day.toordinal() - _EPOCH_ORDINAL


@dataclass(frozen=True)
class Calendar:
    """The simulated window: ``months`` periods ``[bounds[k], bounds[k + 1])``.

    ``bounds[k]`` is ``as_of`` minus ``months - k`` calendar months (``relativedelta``), so
    the last bound is ``as_of`` itself and the window is ``[as_of - months, as_of)``.
    """

    bounds: IntArray

    @classmethod
    def ending(cls, as_of: date, months: int) -> Calendar:
        """The calendar of the ``months`` months before ``as_of``."""
        edges = [day_number(as_of - relativedelta(months=months - k)) for k in range(months + 1)]
        return cls(np.array(edges, dtype=np.int64))

    @property
    def months(self) -> int:
        """Number of monthly periods."""
        return len(self.bounds) - 1

    @property
    def start(self) -> int:
        """First day of the window."""
        return int(self.bounds[0])

    @property
    def as_of(self) -> int:
        """The day after the window (nothing happens on or after it)."""
        return int(self.bounds[-1])

    @property
    def lengths(self) -> IntArray:
        """Days in each period."""
        return np.diff(self.bounds)

    def period_of(self, days: IntArray) -> IntArray:
        """The period index each day falls in (-1 before the window, ``months`` after)."""
        return np.searchsorted(self.bounds, days, side="right").astype(np.int64) - 1


def add_months(days: IntArray, months: IntArray | int) -> IntArray:
    """Days shifted by whole calendar months, the day clipped to the month's end.

    The vectorised ``date + relativedelta(months=k)``: Jan 31 + 1 month is Feb 28 (or 29).
    """
    stamp = days.astype("datetime64[D]")
    month = stamp.astype("datetime64[M]")
    offset = (stamp - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64)
    first = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - first).astype(np.int64)
    shifted: IntArray = first.astype(np.int64) + np.minimum(offset, length - 1)
    return shifted


def as_dates(days: IntArray) -> DateArray:
    """Day numbers as ``datetime64[D]`` (`NO_DAY` becomes ``NaT``)."""
    return days.astype(np.int64).view("datetime64[D]")


def as_instants(micros: IntArray) -> InstantArray:
    """Microsecond counts as ``datetime64[us]`` UTC (`NO_DAY` becomes ``NaT``)."""
    return micros.astype(np.int64).view("datetime64[us]")


def draw_day(rng: np.random.Generator, low: IntArray, high: IntArray) -> IntArray:
    """A uniform day in ``[low, high)`` for each pair (``low`` where the range is empty)."""
    span = np.maximum(high - low, 0)
    day: IntArray = low + np.floor(rng.random(len(low)) * span).astype(np.int64)
    return day


def draw_category(rng: np.random.Generator, shares: FloatArray) -> IntArray:
    """One category index per row of ``shares`` (each row a probability vector)."""
    cumulative = np.cumsum(shares, axis=1)
    draw = rng.random(len(shares))[:, None]
    picked: IntArray = np.minimum((draw >= cumulative).sum(axis=1), shares.shape[1] - 1)
    return picked.astype(np.int64)


def lognormal(
    rng: np.random.Generator, median: FloatArray | float, sigma: float, size: int
) -> FloatArray:
    """Lognormal draws with the given median (``exp(mu)``) and log-scale ``sigma``."""
    return np.asarray(median, dtype=np.float64) * np.exp(sigma * rng.standard_normal(size))


def sigmoid(x: FloatArray) -> FloatArray:
    """The logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-x))


def make_ids(prefix: str, count: int, width: int) -> TextArray:
    """``prefix`` followed by 1..count, zero-padded to ``width`` digits (``A-00001``)."""
    if count == 0:  # numpy's zfill cannot size an empty array
        return np.empty(0, dtype=f"<U{len(prefix) + width}")
    numbers = np.arange(1, count + 1).astype(np.str_)
    return np.strings.add(prefix, np.strings.zfill(numbers, width))
