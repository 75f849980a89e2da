"""Calendar periods (week, month, quarter, year) as integer numbers, and the reader of event days.

Every retention kernel works on whole days since 1970-01-01 (``int64``). A period is a
number too: ISO weeks (Monday first) since the week of 1970-01-01, months since 1970-01,
quarters since 1970-Q1, years since 1970. Turning days into periods is one vectorised
expression, so a ten-million-row event column is bucketed without a Python loop.
Instants become days on the clock of the call's ``timezone`` (UTC by default); scalar
bounds are read by `cshealth._time.as_day`, the one reader of every area.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._time import as_day
from cshealth._types import IntArray, Period
from cshealth._zones import NAT_DAY, local_days, time_zone
from cshealth.io._read import column_array, convert_column, utc_instants
from cshealth.models import Account, UsageEvent

__all__ = [
    "as_day",
    "check_period",
    "day_to_date",
    "days_to_periods",
    "event_days",
    "period_labels",
    "period_starts",
    "periods_per_year",
]

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# 1970-01-01 was a Thursday: the Monday of its ISO week is day -3
_MONDAY_SHIFT = 3


def check_period(period: object) -> Period:
    """``period`` after checking it is one of the values of `Period`.

    Raises:
        InvalidInputError: On anything else.
    """
    return cast("Period", one_of(period, Period, "period"))


def day_to_date(day: int) -> date:
    """A day number (days since 1970-01-01) as a ``date``.

    Examples:
        >>> day_to_date(1)
        datetime.date(1970, 1, 2)
    """
    return date.fromordinal(day + _EPOCH_ORDINAL)


def days_to_periods(days: IntArray, period: Period) -> IntArray:
    """The period number of each day (days since 1970-01-01).

    Examples:
        >>> d = np.array(["2025-01-31", "2025-02-01"], dtype="datetime64[D]").astype(np.int64)
        >>> days_to_periods(d, "month").tolist(), days_to_periods(d, "quarter").tolist()
        ([660, 661], [220, 220])
        >>> days_to_periods(d, "year").tolist()
        [55, 55]
    """
    if period == "week":
        return (days + _MONDAY_SHIFT) // 7
    if period == "year":
        return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // 3 if period == "quarter" else months


def period_starts(periods: IntArray, period: Period) -> IntArray:
    """The first day (days since 1970-01-01) of each period number.

    Examples:
        >>> period_starts(np.array([660]), "month").astype("datetime64[D]")
        array(['2025-01-01'], dtype='datetime64[D]')
        >>> period_starts(np.array([55]), "year").astype("datetime64[D]")
        array(['2025-01-01'], dtype='datetime64[D]')
    """
    if period == "week":
        return periods * 7 - _MONDAY_SHIFT
    if period == "year":
        return periods.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    months = periods * 3 if period == "quarter" else periods
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def period_labels(periods: IntArray, period: Period) -> tuple[str, ...]:
    """Readable labels: ``2025-W05`` (ISO week), ``2025-01`` (month), ``2025-Q1``, ``2025``.

    Examples:
        >>> period_labels(np.array([660]), "month"), period_labels(np.array([220]), "quarter")
        (('2025-01',), ('2025-Q1',))
        >>> period_labels(days_to_periods(np.array([20089]), "week"), "week")
        ('2025-W01',)
        >>> period_labels(np.array([55]), "year")
        ('2025',)
    """
    if period == "month":
        return tuple(str(m) for m in periods.astype("datetime64[M]"))
    if period == "year":
        return tuple(str(y) for y in (periods + 1970).tolist())
    if period == "quarter":
        years = periods // 4 + 1970
        return tuple(f"{y}-Q{q + 1}" for y, q in zip(years.tolist(), (periods % 4).tolist()))
    labels = []
    for start in period_starts(periods, "week").tolist():
        year, week, _ = day_to_date(start).isocalendar()
        labels.append(f"{year}-W{week:02d}")
    return tuple(labels)


def event_days(values: object, name: str, *, timezone: str = "UTC") -> IntArray:
    """Dates or instants as calendar days since 1970-01-01 (instants on ``timezone``'s clock).

    ``values`` is read as the io layer reads a column: ``datetime64`` (unit day: dates;
    finer: UTC instants), a timezone-aware pandas or polars column, a sequence of dates,
    aware datetimes or ISO text. An instant counts on the day it falls on in
    ``timezone``. Columns of instants are converted on the whole column.

    Raises:
        InvalidInputError: Naming every missing or unreadable value with its position,
            or an unknown ``timezone``.

    Examples:
        >>> event_days([date(1970, 1, 3)], "event_dates").tolist()
        [2]
        >>> t = np.array(["1970-01-02T23:00"], dtype="datetime64[us]")
        >>> event_days(t, "t").tolist(), event_days(t, "t", timezone="Europe/Berlin").tolist()
        ([1], [2])
    """
    zone = time_zone(timezone).key
    shape = getattr(values, "shape", None)
    given = column_array(values)
    if given.ndim != 1 or (isinstance(shape, tuple) and len(shape) != 1):
        msg = f"`{name}` must be one-dimensional, got shape {shape or given.shape}"
        raise InvalidInputError(msg)
    aware = utc_instants(given) if given.dtype == object and len(given) else None
    if aware is not None:
        array: NDArray[np.datetime64] = aware
    elif given.dtype.kind == "M":
        array = cast("NDArray[np.datetime64]", given)
    else:
        array = _converted(given, name)
    if zone == "UTC" or np.datetime_data(array.dtype)[0] in ("Y", "M", "W", "D"):
        days: IntArray = array.astype("datetime64[D]").view(np.int64)
    else:
        days = local_days(array, zone)
    if len(days) and int(days.min()) == NAT_DAY:  # NaT
        rows = np.flatnonzero(days == NAT_DAY)
        msg = (
            f"`{name}` has {len(rows)} missing values (rows {(rows[:10] + 1).tolist()}, "
            "counted from 1); "
            "every value must be a date or an aware datetime"
        )
        raise InvalidInputError(msg)
    return days


def _converted(array: NDArray[np.generic], name: str) -> NDArray[np.datetime64]:
    """Dates, or instants, read by the models' rules (named ``name`` in errors)."""
    if array.dtype.kind == "U":
        lengths = np.strings.str_len(cast("NDArray[np.str_]", array))
        timed = bool(len(array)) and int(lengths.max()) > 10
    else:
        timed = any(isinstance(v, (datetime, str)) and len(str(v)) > 10 for v in array)
    model, field = (UsageEvent, "occurred_at") if timed else (Account, "start_date")
    try:
        return np.asarray(convert_column(array, model, field))
    except InvalidInputError as exc:
        errors = tuple(replace(error, field=name) for error in exc.errors)
        msg = f"{len(errors)} of {len(array)} values of `{name}` are invalid"
        raise InvalidInputError(msg, errors) from None


def periods_per_year(start: int, end: int) -> float:
    """How many windows ``[start, end)`` (days since 1970) make a year, for compounding.

    A window of whole calendar months (the same day of the month at both ends) is
    ``12 / months`` of a year; any other window is ``365.2425 / days``.

    Examples:
        >>> periods_per_year(as_day(date(2025, 1, 1), "s"), as_day(date(2025, 2, 1), "e"))
        12.0
        >>> periods_per_year(0, 7)
        52.1775
    """
    first, last = day_to_date(start), day_to_date(end)
    if first.day == last.day:
        months = (last.year - first.year) * 12 + last.month - first.month
        return 12 / months
    return 365.2425 / (end - start)


def _window(
    start: object, end: object, names: tuple[str, str] = ("start", "end")
) -> tuple[int, int]:
    """Two days as day numbers, the first before the second (named ``names`` in errors)."""
    first, last = as_day(start, names[0]), as_day(end, names[1])
    if first >= last:
        msg = (
            f"`{names[0]}` ({day_to_date(first)}) must be before `{names[1]}` ({day_to_date(last)})"
        )
        raise InvalidInputError(msg)
    return first, last
