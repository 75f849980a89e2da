"""Start cohorts: the calendar period (week, month, quarter, year) of each account's start.

A cohort is the period a day falls in: ISO weeks (Monday first), months, quarters or
years, numbered since 1970 so that bucketing a column of days is one vectorised
expression, labelled as every area labels periods (``2025-W05``, ``2025-01``,
``2025-Q1``, ``2025``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from cshealth._checks import one_of
from cshealth._types import IntArray, ObjectArray, Period
from cshealth.lifecycle._days import to_date

__all__ = ["Cohorts", "check_period", "cohorts"]

# 1970-01-01 was a Thursday: the Monday of its ISO week is day -3
_MONDAY_SHIFT = 3


def check_period(period: object) -> Period:
    """``period`` after checking it is one of the values of `Period`.

    Raises:
        InvalidInputError: On anything else, listing the periods.
    """
    return cast("Period", one_of(period, Period, "period"))


@dataclass(frozen=True)
class Cohorts:
    """The start cohort of each day of a column.

    Attributes:
        codes: Per day, its cohort: a position in ``labels`` (the cohorts in time order).
        labels: Each cohort's label (``2025-Q1``).
        starts: Each cohort's first day (whole days since 1970-01-01).
    """

    codes: IntArray
    labels: ObjectArray
    starts: IntArray


def _numbers(days: IntArray, period: Period) -> IntArray:
    if period == "week":
        return (days + _MONDAY_SHIFT) // 7
    if period == "year":
        return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // 3 if period == "quarter" else months


def _first_days(numbers: IntArray, period: Period) -> IntArray:
    if period == "week":
        return numbers * 7 - _MONDAY_SHIFT
    if period == "year":
        return numbers.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    months = numbers * 3 if period == "quarter" else numbers
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _label(number: int, first: int, period: Period) -> str:
    if period == "week":
        year, week, _ = to_date(first).isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return str(np.datetime64(number, "M"))
    if period == "quarter":
        return f"{number // 4 + 1970}-Q{number % 4 + 1}"
    return str(number + 1970)


def cohorts(days: IntArray, period: Period) -> Cohorts:
    """The cohort of each day (whole days since 1970-01-01, every one known).

    Examples:
        >>> d = np.array(["2025-03-31", "2025-01-02", "2025-04-01"], dtype="datetime64[D]")
        >>> c = cohorts(d.astype(np.int64), "quarter")
        >>> c.codes.tolist(), c.labels.tolist(), c.starts.astype("datetime64[D]").tolist()
        ([0, 0, 1], ['2025-Q1', '2025-Q2'], [datetime.date(2025, 1, 1), datetime.date(2025, 4, 1)])
        >>> cohorts(np.array([20089]), "week").labels.tolist()  # 2025-01-01, a Wednesday
        ['2025-W01']
        >>> cohorts(np.array([20089]), "month").labels.tolist()
        ['2025-01']
    """
    numbers, codes = np.unique(_numbers(days, period), return_inverse=True)
    starts = _first_days(numbers, period)
    labels = np.array(
        [_label(n, s, period) for n, s in zip(numbers.tolist(), starts.tolist())], dtype=object
    )
    return Cohorts(codes.reshape(-1).astype(np.int64), labels, starts.astype(np.int64))
