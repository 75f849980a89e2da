"""Calendar periods (month, week, quarter) as integer numbers, and the readers of loose dates.

Every retention kernel works on whole days since 1970-01-01 (``int64``). A period is a
number too: months since 1970-01, ISO weeks (Monday first) since the week of 1970-01-01,
quarters since 1970-Q1. Turning days into periods is one vectorised expression, so a
ten-million-row event column is bucketed without a Python loop.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Literal, TypeAlias, TypeVar

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._time import as_instant
from cshealth._types import IntArray

__all__ = [
    "PERIODS",
    "Period",
    "as_day",
    "check_period",
    "day_to_date",
    "days_to_periods",
    "event_days",
    "one_of",
    "period_labels",
    "period_starts",
    "periods_per_year",
]

#: A calendar period of a cohort table or an MRR waterfall.
Period: TypeAlias = Literal["month", "week", "quarter"]
PERIODS: tuple[Period, ...] = ("month", "week", "quarter")

_DAY_US = 86_400_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# 1970-01-01 was a Thursday: the Monday of its ISO week is day -3
_MONDAY_SHIFT = 3


_Choice = TypeVar("_Choice", bound=str)


def one_of(value: object, options: tuple[_Choice, ...], name: str) -> _Choice:
    """``value`` after checking it is one of ``options`` (an argument named ``name``).

    Raises:
        InvalidInputError: On anything else, listing the options.

    Examples:
        >>> one_of("week", PERIODS, "period")
        'week'
    """
    for known in options:
        if value == known:
            return known
    msg = f"`{name}` must be one of {list(options)}, got {value!r}"
    raise InvalidInputError(msg)


def check_period(period: object) -> Period:
    """``period`` after checking it is one of `PERIODS`.

    Raises:
        InvalidInputError: On anything else.
    """
    return one_of(period, PERIODS, "period")


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
    """
    if period == "week":
        return (days + _MONDAY_SHIFT) // 7
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // 3 if period == "quarter" else months


def period_starts(periods: IntArray, period: Period) -> IntArray:
    """The first day (days since 1970-01-01) of each period number.

    Examples:
        >>> period_starts(np.array([660]), "month").astype("datetime64[D]")
        array(['2025-01-01'], dtype='datetime64[D]')
    """
    if period == "week":
        return periods * 7 - _MONDAY_SHIFT
    months = periods * 3 if period == "quarter" else periods
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def period_labels(periods: IntArray, period: Period) -> tuple[str, ...]:
    """Readable labels: ``2025-01`` (month), ``2025-W05`` (ISO week), ``2025-Q1``.

    Examples:
        >>> period_labels(np.array([660]), "month"), period_labels(np.array([220]), "quarter")
        (('2025-01',), ('2025-Q1',))
        >>> period_labels(days_to_periods(np.array([20089]), "week"), "week")
        ('2025-W01',)
    """
    if period == "month":
        return tuple(str(m) for m in periods.astype("datetime64[M]"))
    if period == "quarter":
        years = periods // 4 + 1970
        return tuple(f"{y}-Q{q + 1}" for y, q in zip(years.tolist(), (periods % 4).tolist()))
    labels = []
    for start in period_starts(periods, "week").tolist():
        year, week, _ = day_to_date(start).isocalendar()
        labels.append(f"{year}-W{week:02d}")
    return tuple(labels)


def as_day(value: object, name: str) -> int:
    """A window bound (a date, or an aware datetime taken at its UTC day) as days since 1970.

    Raises:
        InvalidInputError: On a naive datetime or a value that is not a date.

    Examples:
        >>> as_day(date(1970, 1, 2), "start")
        1
    """
    if isinstance(value, datetime) or not isinstance(value, date):
        return int(as_instant(value, name).astype(np.int64)) // _DAY_US
    return value.toordinal() - _EPOCH_ORDINAL


def event_days(values: object, name: str) -> IntArray:
    """Dates or instants as whole UTC days since 1970-01-01.

    ``values`` is a ``datetime64`` array, or a sequence of dates, aware datetimes or ISO
    text. A ``datetime64`` array is converted in one numpy call; other sequences are read value
    by value with the library's date and instant rules.

    Raises:
        InvalidInputError: Naming every missing or unreadable value with its position.

    Examples:
        >>> event_days([date(1970, 1, 3)], "event_dates").tolist()
        [2]
        >>> event_days(np.array(["1970-01-02T23:00"], dtype="datetime64[us]"), "t").tolist()
        [1]
    """
    from cshealth.io._columns import convert_column  # the io layer imports the models
    from cshealth.models import Account, UsageEvent

    array = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if array.ndim != 1:
        msg = f"`{name}` must be one-dimensional, got shape {array.shape}"
        raise InvalidInputError(msg)
    if array.dtype.kind == "M":
        days: NDArray[np.datetime64] = array.astype("datetime64[D]")
    else:
        timed = any(isinstance(v, datetime) or (isinstance(v, str) and "T" in v) for v in array)
        model, field = (UsageEvent, "occurred_at") if timed else (Account, "start_date")
        try:
            days = np.asarray(convert_column(array, model, field)).astype("datetime64[D]")
        except InvalidInputError as exc:
            errors = tuple(replace(error, field=name) for error in exc.errors)
            msg = f"{len(errors)} of {len(array)} values of `{name}` are invalid"
            raise InvalidInputError(msg, errors) from None
    missing = np.isnat(days)
    if missing.any():
        rows = np.flatnonzero(missing)
        msg = (
            f"`{name}` has {len(rows)} missing values (rows {(rows[:10] + 1).tolist()}, "
            "counted from 1); "
            "every value must be a date or an aware datetime"
        )
        raise InvalidInputError(msg)
    return days.astype(np.int64)


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
