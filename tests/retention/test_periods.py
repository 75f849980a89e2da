"""The calendar periods of retention (week, month, quarter, year) against pandas' periods.

`days_to_periods`, `period_starts` and `period_labels` turn whole days into period
numbers, first days and labels with numpy alone; pandas' ``to_period`` (``W-SUN`` weeks run
Monday to Sunday, as ISO weeks do) is the reference: the same period for every day, the
same first day, numbers that step by one from period to period, and the labels
``2025-W01``, ``2025-01``, ``2025-Q1`` and ``2025``. ISO week labels are checked against
`datetime.date.isocalendar`.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth._exceptions import InvalidInputError
from cshealth._types import Period
from cshealth.retention._periods import (
    check_period,
    day_to_date,
    days_to_periods,
    period_labels,
    period_starts,
)

FREQ: dict[Period, str] = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}
PERIODS: tuple[Period, ...] = ("week", "month", "quarter", "year")
#: Days since 1970 from 1915 to 2243, before and after the epoch.
DAYS = st.lists(st.integers(-20_000, 100_000), min_size=1, max_size=60)


def reference(days: list[int], period: Period) -> pd.PeriodIndex:
    return pd.to_datetime(np.array(days), unit="D").to_period(FREQ[period])


def pandas_label(p: pd.Period, period: Period) -> str:
    if period == "week":
        year, week, _ = p.start_time.date().isocalendar()
        return f"{year}-W{week:02d}"
    return str(p).replace("Q", "-Q")  # pandas writes 2025Q1


@pytest.mark.parametrize("period", PERIODS)
@given(days=DAYS)
def test_periods_match_pandas(period: Period, days: list[int]) -> None:
    numbers = days_to_periods(np.array(days, dtype=np.int64), period)
    theirs = reference(days, period)
    starts = period_starts(numbers, period).astype("datetime64[D]")
    assert starts.tolist() == [p.start_time.date() for p in theirs]
    assert list(period_labels(numbers, period)) == [pandas_label(p, period) for p in theirs]
    # numbers count periods: their differences are pandas' differences in periods
    assert (numbers - numbers[0]).tolist() == [(p - theirs[0]).n for p in theirs]
    # each day is inside its period: on or after its start, before the next period's start
    after = period_starts(numbers + 1, period)
    assert (period_starts(numbers, period) <= days).all()
    assert (np.array(days) < after).all()


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2025, 1, 1), "2025"),
        (date(2025, 12, 31), "2025"),
        (date(1970, 1, 1), "1970"),
        (date(1969, 12, 31), "1969"),
        (date(2024, 2, 29), "2024"),
    ],
)
def test_year_labels_and_starts(day: date, label: str) -> None:
    number = days_to_periods(np.array([(day - date(1970, 1, 1)).days]), "year")
    assert period_labels(number, "year") == (label,)
    first = day_to_date(int(period_starts(number, "year")[0]))
    assert first == date(day.year, 1, 1)
    assert pd.Period(day, freq="Y").start_time.date() == first


def test_a_year_is_four_quarters_and_twelve_months() -> None:
    days = np.arange(-800, 800, dtype=np.int64)  # 1967-10 to 1972-03
    years = days_to_periods(days, "year")
    assert (years == days_to_periods(days, "quarter") // 4).all()
    assert (years == days_to_periods(days, "month") // 12).all()
    # a year's first day is its first quarter's and its first month's
    firsts = np.unique(years)
    assert (period_starts(firsts, "year") == period_starts(firsts * 4, "quarter")).all()
    assert (period_starts(firsts, "year") == period_starts(firsts * 12, "month")).all()


def test_the_iso_week_of_new_year() -> None:
    # 2024-12-30 (a Monday) starts ISO week 1 of 2025; 2021-01-03 (a Sunday) ends 2020-W53
    for day, label in ((date(2024, 12, 30), "2025-W01"), (date(2021, 1, 3), "2020-W53")):
        number = days_to_periods(np.array([(day - date(1970, 1, 1)).days]), "week")
        assert period_labels(number, "week") == (label,)
        start = day_to_date(int(period_starts(number, "week")[0]))
        assert start.weekday() == 0
        assert timedelta(0) <= day - start < timedelta(days=7)


@pytest.mark.parametrize("period", PERIODS)
def test_every_shared_period_is_accepted(period: Period) -> None:
    assert check_period(period) == period


def test_the_period_list_is_the_shared_one_in_declared_order() -> None:
    options = r"\{'week', 'month', 'quarter', 'year'\}, got 'day'"
    with pytest.raises(InvalidInputError, match=options):
        check_period("day")
