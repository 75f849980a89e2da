"""Cohort retention tables, with young cohorts censored and never counted as churned.

A cohort table groups entities (users, accounts) by the calendar period of their start
and shows, for each later period (offset ``k``), how many of them are still there. A
cell is *observed* only once its period has ended by ``as_of``; the current, incomplete
period and everything after it are censored (``NaN``, printed blank), never 0. The
``average`` row at offset ``k`` pools only the cohorts that have reached ``k``
(Amplitude's weighted average, spec 4.2).

Three tables share one shape:

* `cohort_table`: from events (entity, date); cohort = period of the first event;
  ``mode="on"`` retains at ``k`` an entity with an event in period ``c + k``,
  ``mode="on_or_after"`` one with an event in ``c + k`` or later (rows non-increasing).
* `logo_cohorts`: from `Account` start and end dates; retained at ``k`` while still a
  customer on the last day of period ``c + k``.
* `revenue_cohorts`: from `RevenueChange` records; the cohort's MRR on the last day of
  period ``c + k`` over its MRR at offset 0 (net revenue retention by cohort).

The event kernel never sorts the events. Days become periods through a lookup table over
the days spanned; each entity's first (and last) period is a ``numpy.minimum.at``; the
entities are ranked by cohort (a counting sort of a small integer), and the
(period, entity) pairs seen are marked in a boolean bitmap whose columns are grouped by
cohort, so each cell's count is one ``count_nonzero`` of a contiguous block. The events
are processed in chunks that stay in the processor cache.
"""

from __future__ import annotations

import math
import operator
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal, TypedDict, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import one_of
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._result import RowsResult
from cshealth._types import AsOf, BoolArray, DateArray, FloatArray, IntArray, Period
from cshealth.retention._accounts import read_churn_accounts
from cshealth.retention._periods import (
    as_day,
    check_period,
    day_to_date,
    days_to_periods,
    event_days,
    period_labels,
    period_starts,
)
from cshealth.retention._timeline import read_timeline

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CohortMode",
    "CohortTable",
    "RevenueCohortTable",
    "cohort_table",
    "logo_cohorts",
    "revenue_cohorts",
]

#: ``on``: retained at offset ``k`` with an event in exactly period ``c + k``;
#: ``on_or_after``: with an event in period ``c + k`` or any later one.
CohortMode = Literal["on", "on_or_after"]

#: Events handled per step of the kernel (a few MB of temporaries: they stay in cache).
_CHUNK = 1 << 19
#: Largest (periods x entities) presence bitmap, in bytes per event (beyond: sort pairs).
_BITMAP_BYTES_PER_EVENT = 16
_BITMAP_MIN_BYTES = 1 << 26
_NAT = np.iinfo(np.int64).min


# --- result objects ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class _CohortGrid(RowsResult, ABC):
    """What every cohort table has: cohorts by offsets, censored cells and the average.

    One row per cohort: ``len()`` is the number of cohorts, and ``to_pandas()`` is the
    table as a pandas user draws it, wide: one row per cohort with its label, start and
    size column(s), then one column per offset (named by the whole number ``0``, ``1``,
    ...) holding the rate, NaN where censored. The ``average`` row is not a cohort, and
    the cells behind the rates (``counts``, ``mrr``) are fields of their own.
    ``to_dict()`` gives every field, grids as lists of rows, NaN as ``None``.
    """

    period: Period
    as_of: date
    cohorts: tuple[str, ...]
    starts: DateArray
    observed: BoolArray
    rates: FloatArray
    average: FloatArray

    @property
    def offsets(self) -> int:
        """How many offsets (columns) the table has: ``0 .. offsets - 1``."""
        return int(self.rates.shape[1])

    def to_pandas(self) -> pd.DataFrame:
        """One row per cohort: ``cohorts``, ``starts``, the size column(s), then the rates.

        The rate at offset ``k`` is in the column named by the whole number ``k`` (NaN
        where censored), so ``frame.set_index("cohorts")[range(table.offsets)]`` is the
        retention triangle.

        Raises:
            MissingDependencyError: When pandas is not installed.

        Examples:
            >>> from datetime import date
            >>> t = cohort_table(
            ...     [1, 1, 2],
            ...     [date(2025, 1, 5), date(2025, 2, 1), date(2025, 2, 9)],
            ...     as_of=date(2025, 3, 1),
            ... )
            >>> t.to_pandas()
              cohorts     starts  sizes    0    1
            0  2025-01 2025-01-01      1  1.0  1.0
            1  2025-02 2025-02-01      1  1.0  NaN
        """
        frame = super().to_pandas()
        # a frame of the rates, built by the frame's own class (pandas stays an optional import)
        grid = type(frame)(self.rates.copy(), columns=range(self.offsets), index=frame.index)
        joined: pd.DataFrame = frame.join(grid)
        return joined

    def format(self, *, decimals: int = 0) -> str:
        """The table as text: one row per cohort, then the ``average`` row.

        Each row shows the cohort label, its size column(s) and the rate at each offset
        in percent. Censored cells (not yet observed at ``as_of``) are blank; an
        observed cell whose rate is undefined (a zero base) shows ``-``.

        Args:
            decimals: Digits after the decimal point of the percentages.

        Returns:
            The grid, columns aligned, lines joined by newlines.

        Raises:
            InvalidInputError: If ``decimals`` is not a whole number from 0 to 6.

        Examples:
            >>> from datetime import date
            >>> t = cohort_table(
            ...     [1, 1, 2],
            ...     [date(2025, 1, 5), date(2025, 2, 1), date(2025, 2, 9)],
            ...     as_of=date(2025, 3, 1),
            ... )
            >>> print(t.format())
            cohort   size     0    1
            2025-01     1  100%  100%
            2025-02     1  100%
            average     2  100%  100%
        """
        try:
            places = operator.index(decimals)
        except TypeError:
            places = -1
        if not 0 <= places <= 6:
            msg = f"`decimals` must be a whole number from 0 to 6, got {decimals!r}"
            raise InvalidInputError(msg)
        header = [
            "cohort",
            *(name for name, _ in self._size_columns()),
            *map(str, range(self.offsets)),
        ]
        rows = [header]
        sized = [cells for _, cells in self._size_columns()]
        for c, label in enumerate(self.cohorts):
            cells = _percent_cells(self.rates[c], self.observed[c], places)
            rows.append([label, *(column[c] for column in sized), *cells])
        average = _percent_cells(self.average, _any_row(self.observed), places)
        rows.append(["average", *(column[-1] for column in sized), *average])
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = []
        for row in rows:
            first = row[0].ljust(widths[0])
            rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
            lines.append("  ".join([first, *rest]).rstrip())
        return "\n".join(lines)

    @abstractmethod
    def _size_columns(self) -> list[tuple[str, list[str]]]:
        """Per size column: its header and its text per cohort, then for the average row."""

    def _shape(self) -> str:
        return f"cohorts={len(self.cohorts)}, offsets={self.offsets}, as_of={self.as_of}"


@dataclass(frozen=True, eq=False, repr=False)
class CohortTable(_CohortGrid):
    """Counts and rates of entities retained, by cohort (rows) and offset (columns).

    Attributes:
        period: ``'week'``, ``'month'``, ``'quarter'`` or ``'year'``.
        mode: ``'on'`` (an event in exactly period ``c + k``) or ``'on_or_after'``
            (in ``c + k`` or later; rows never increase).
        as_of: The day the table was taken at: events on or after it are ignored.
        cohorts: Cohort labels (``'2025-W05'``, ``'2025-01'``, ``'2025-Q1'``, ``'2025'``),
            ascending; only periods in which some entity started.
        starts: First day of each cohort's period (``datetime64[D]``).
        sizes: Entities per cohort.
        counts: Entities retained per cohort and offset; 0 in censored cells.
        observed: Whether the period of cell ``(c, k)`` had ended by ``as_of`` (its last
            day is before the ``as_of`` day).
        rates: ``counts / sizes``; ``NaN`` in censored cells (never 0).
        average: Per offset, the counts of the cohorts observed there over their sizes;
            ``NaN`` where no cohort has reached the offset.

    Examples:
        >>> from datetime import date
        >>> t = cohort_table(
        ...     ["a", "a", "b", "b", "c"],
        ...     [
        ...         date(2025, 1, 3),
        ...         date(2025, 3, 8),
        ...         date(2025, 1, 9),
        ...         date(2025, 2, 2),
        ...         date(2025, 2, 14),
        ...     ],
        ...     as_of=date(2025, 3, 15),
        ... )
        >>> t
        CohortTable(period='month', mode='on', cohorts=2, offsets=3, as_of=2025-03-15)
        >>> t.counts.tolist(), t.rates[0].tolist()
        ([[2, 1, 0], [1, 0, 0]], [1.0, 0.5, nan])
        >>> t.average.tolist()  # offset 1: only January has reached it (1 of 2)
        [1.0, 0.5, nan]
    """

    row_fields = ("cohorts", "starts", "sizes")

    mode: CohortMode
    sizes: IntArray
    counts: IntArray

    def _size_columns(self) -> list[tuple[str, list[str]]]:
        sizes = self.sizes.tolist()
        return [("size", [str(s) for s in [*sizes, sum(sizes)]])]

    def __repr__(self) -> str:
        return f"CohortTable(period={self.period!r}, mode={self.mode!r}, {self._shape()})"


@dataclass(frozen=True, eq=False, repr=False)
class RevenueCohortTable(_CohortGrid):
    """Revenue retention by cohort: the cohort's MRR at offset ``k`` over its MRR at 0.

    Attributes:
        period: ``'week'``, ``'month'``, ``'quarter'`` or ``'year'``.
        as_of: The day the table was taken at: changes on or after it are ignored.
        cohorts: Cohort labels (the period of each account's first paid day), ascending.
        starts: First day of each cohort's period (``datetime64[D]``).
        customers: Accounts per cohort.
        base_mrr: The cohort's MRR on the last day of its first period (offset 0);
            ``NaN`` while that period is still running.
        mrr: The cohort's MRR on the last day of period ``c + k``; ``NaN`` when censored.
        observed: Whether the period of cell ``(c, k)`` had ended by ``as_of``.
        rates: ``mrr / base_mrr`` (above 1 with net expansion); ``NaN`` when censored or
            when the base is 0.
        average: Per offset, the summed MRR of the cohorts observed there (with a base
            above 0) over their summed base MRR; ``NaN`` where there is none.

    Examples:
        >>> from datetime import date
        >>> t = revenue_cohorts(
        ...     {
        ...         "account_id": ["A", "A", "B"],
        ...         "effective_on": [date(2025, 1, 10), date(2025, 2, 15), date(2025, 1, 20)],
        ...         "mrr": [100.0, 150.0, 100.0],
        ...     },
        ...     as_of=date(2025, 3, 1),
        ... )
        >>> t.base_mrr.tolist(), t.mrr.tolist(), t.rates.tolist()
        ([200.0], [[200.0, 250.0]], [[1.0, 1.25]])
    """

    row_fields = ("cohorts", "starts", "customers", "base_mrr")

    customers: IntArray
    base_mrr: FloatArray
    mrr: FloatArray

    def _size_columns(self) -> list[tuple[str, list[str]]]:
        customers = self.customers.tolist()
        base = [_money(value) for value in self.base_mrr.tolist()]
        total = float(np.nansum(self.base_mrr))
        return [
            ("customers", [str(c) for c in [*customers, sum(customers)]]),
            ("base MRR", [*base, _money(total)]),
        ]

    def __repr__(self) -> str:
        return f"RevenueCohortTable(period={self.period!r}, {self._shape()})"


def _percent_cells(rates: FloatArray, observed: BoolArray, decimals: int) -> list[str]:
    cells = []
    for rate, seen in zip(rates.tolist(), observed.tolist()):
        if not seen:
            cells.append("")
        elif math.isnan(rate):
            cells.append("-")
        else:
            cells.append(f"{100 * rate:.{decimals}f}%")
    return cells


def _any_row(cells: BoolArray) -> BoolArray:
    """Per column, whether any cell is set."""
    return np.asarray(cells.any(axis=0), dtype=bool)


def _money(value: float) -> str:
    return "" if math.isnan(value) else f"{value:,.0f}"


# --- public functions --------------------------------------------------------------------


def cohort_table(
    entity_ids: ArrayLike,
    event_dates: ArrayLike,
    *,
    as_of: AsOf,
    period: Period = "month",
    mode: CohortMode = "on",
    timezone: str = "UTC",
) -> CohortTable:
    """Retention by cohort from events: who came back, period after period.

    Each entity's cohort is the period of its first event; offset ``k`` is the period
    ``k`` periods later. Events on or after the ``as_of`` day are ignored entirely (an
    entity whose every event is that late is not in the table). Only periods in which
    some entity started are rows; the columns run from offset 0 to the period holding the
    day before ``as_of``, counted from the first cohort.

    Args:
        entity_ids: One identifier per event (text or whole numbers; none missing).
        event_dates: One date per event: a ``datetime64`` array (unit day: dates;
            finer: UTC instants), a timezone-aware pandas or polars column, or dates,
            aware datetimes or ISO text. An instant counts on its day in ``timezone``.
        as_of: A date, or an instant taken at its day in ``timezone`` (any form of
            `cshealth._time.as_day`: aware datetime, ``datetime64``, ISO text). A cell
            is observed once its period's last day is before this day.
        period: {'week', 'month', 'quarter', 'year'}; ISO weeks start on Monday.
        mode: {'on', 'on_or_after'}: retained at ``k`` with an event in exactly
            period ``c + k``, or in ``c + k`` or any later period.
        timezone: The IANA zone whose calendar buckets instants into days (``"UTC"``,
            ``"Europe/Berlin"``); dates are calendar days already.

    Returns:
        A `CohortTable`.

    Raises:
        InvalidInputError: On an unknown ``period``, ``mode`` or ``timezone``, a naive
            ``as_of``, lengths that differ, or missing ids or dates (the rows are named),
            or a table spanning more than 1,200 periods.

    Examples:
        Two users start in January, one in February; ``as_of`` mid-March leaves March
        censored:

        >>> from datetime import date
        >>> ids = ["u1", "u1", "u2", "u3", "u3"]
        >>> days = ["2025-01-04", "2025-02-11", "2025-01-20", "2025-02-02", "2025-03-03"]
        >>> t = cohort_table(ids, days, as_of=date(2025, 3, 15))
        >>> print(t.format())
        cohort   size     0    1  2
        2025-01     2  100%  50%
        2025-02     1  100%
        average     3  100%  50%
        >>> t.observed.tolist()
        [[True, True, False], [True, False, False]]

        Instants are bucketed on the clock of ``timezone``: half past midnight on
        1 February in Berlin is still 31 January in UTC.

        >>> start = ["2025-01-31T23:30:00Z"]
        >>> cohort_table(["u1"], start, as_of=date(2025, 3, 1)).cohorts
        ('2025-01',)
        >>> cohort_table(["u1"], start, as_of=date(2025, 3, 1), timezone="Europe/Berlin").cohorts
        ('2025-02',)
    """
    mode = cast("CohortMode", one_of(mode, CohortMode, "mode"))
    period = check_period(period)
    as_of_day = as_day(as_of, "as_of", timezone=timezone)
    ids = np.asarray(entity_ids)
    if ids.ndim != 1:
        msg = f"`entity_ids` must be one-dimensional, got shape {ids.shape}"
        raise InvalidInputError(msg)
    days = _days(event_dates, timezone)
    if len(ids) != len(days):
        msg = (
            f"`entity_ids` has {len(ids)} values but `event_dates` has {len(days)}; "
            "give one entity id per event"
        )
        raise InvalidInputError(msg)
    codes, k = _entity_codes(ids)
    high = int(days.max()) if len(days) else as_of_day
    if high >= as_of_day:
        seen = days < as_of_day
        codes, days, high = codes[seen], days[seen], as_of_day - 1
    if not len(days):
        return _empty_counts(period, mode, as_of_day)
    low = int(days.min())
    span = _Span.of(low, as_of_day, period)
    sizes, counts = _event_counts(codes, k, days, bounds=(low, high), span=span, mode=mode)
    return _count_table(span, sizes, counts, mode)


def logo_cohorts(
    accounts: object,
    *,
    as_of: AsOf,
    period: Period = "month",
    timezone: str = "UTC",
) -> CohortTable:
    """Logo retention by cohort from accounts' start and end dates.

    An account's cohort is the period of its ``start_date``; it is retained at offset
    ``k`` if it is still a customer on the last day of period ``c + k`` (``end_date``
    is ``None`` or after that day: ``end_date`` is the first day it is no longer one).
    An account that ends inside its first period is in its cohort but not retained even
    at offset 0. Accounts starting on or after the ``as_of`` day are left out, and an
    ``end_date`` on or after it is not yet known (the account counts as active). Being a
    customer is unbounded by nature, so the table's ``mode`` is ``'on_or_after'``.

    Args:
        accounts: `Account` records, a `Table`, a mapping of columns or a data frame with
            ``id``, ``start_date`` and ``end_date`` (an empty cell while active).
        as_of: A date, or an instant taken at its day in ``timezone``.
        period: {'week', 'month', 'quarter', 'year'}.
        timezone: The IANA zone on whose clock an instant ``as_of`` falls on a day
            (start and end dates are calendar days already).

    Returns:
        A `CohortTable` (``mode='on_or_after'``).

    Raises:
        InvalidInputError: On bad or missing columns or values (every one listed; no
            ``end_date`` column: churn not measured, never read as 100% retained), an
            ``end_date`` before its ``start_date``, an id given twice, an unknown
            ``period``, a naive datetime ``as_of``, or a table spanning more than 1,200
            periods.

    Examples:
        A churns on 2025-02-01 (a customer for all of January, gone in February); B
        stays; C ends on 2025-02-28, the last day of February, so it is not retained in
        February either:

        >>> from datetime import date
        >>> accounts = {
        ...     "id": ["A", "B", "C"],
        ...     "start_date": ["2025-01-10", "2025-01-20", "2025-02-03"],
        ...     "end_date": ["2025-02-01", None, "2025-02-28"],
        ... }
        >>> t = logo_cohorts(accounts, as_of=date(2025, 4, 1))
        >>> t.counts.tolist()
        [[2, 1, 1], [0, 0, 0]]
        >>> print(t.format())
        cohort   size     0    1    2
        2025-01     2  100%  50%  50%
        2025-02     1    0%   0%
        average     3   67%  33%  50%
    """
    period = check_period(period)
    as_of_day = as_day(as_of, "as_of", timezone=timezone)
    table = read_churn_accounts(accounts, ["id", "start_date"], function="logo_cohorts")
    ids = np.asarray(table["id"])
    _check_unique(ids)
    start = table["start_date"].astype(np.int64)
    end = table["end_date"].astype(np.int64)
    seen = start < as_of_day
    if not seen.any():
        return _empty_counts(period, "on_or_after", as_of_day)
    start, end = start[seen], end[seen]
    span = _Span.of(int(start.min()), as_of_day, period)
    cohort = days_to_periods(start, period) - span.first
    churned = (end != _NAT) & (end < as_of_day)
    gone = days_to_periods(np.where(churned, end, start), period) - span.first
    last = np.where(churned, gone - 1, span.width - 1)  # last period still a customer at its end
    counts = _at_least(cohort, last, span.width)
    sizes = np.bincount(cohort, minlength=span.width)
    return _count_table(span, sizes, counts, "on_or_after")


def revenue_cohorts(
    changes: object,
    *,
    as_of: AsOf,
    period: Period = "month",
    timezone: str = "UTC",
) -> RevenueCohortTable:
    """Net revenue retention by cohort: each cohort's MRR over time against its start.

    An account's cohort is the period of its first day with MRR above 0. ``MRR_c(k)`` is
    the sum, over the cohort's accounts, of the MRR in force on the last day of period
    ``c + k`` (churned accounts count 0, reactivated ones their new level), and the rate
    is ``MRR_c(k) / MRR_c(0)``: above 1 when expansion outweighs churn. The average
    row is MRR-weighted (spec 3.3): the summed MRR of the cohorts observed at ``k`` over
    their summed base. Changes on or after the ``as_of`` day are not seen.

    Args:
        changes: `RevenueChange` records, or columns ``account_id``, ``effective_on``
            and ``mrr`` (a mapping, `Table` or data frame).
        as_of: A date, or an instant taken at its day in ``timezone``.
        period: {'week', 'month', 'quarter', 'year'}.
        timezone: The IANA zone on whose clock an instant ``as_of`` falls on a day
            (``effective_on`` dates are calendar days already).

    Returns:
        A `RevenueCohortTable`.

    Raises:
        InvalidInputError: On bad or missing columns or values, two changes of one
            account on one day, an unknown ``period``, a naive datetime ``as_of``, or a
            table spanning more than 1,200 periods.

    Examples:
        A starts at 100 and expands to 300; B starts at 100 and churns in March:

        >>> from datetime import date
        >>> changes = {
        ...     "account_id": ["A", "A", "B", "B"],
        ...     "effective_on": ["2025-01-05", "2025-02-10", "2025-01-15", "2025-03-01"],
        ...     "mrr": [100.0, 300.0, 100.0, 0.0],
        ... }
        >>> t = revenue_cohorts(changes, as_of=date(2025, 4, 1))
        >>> t.mrr.tolist(), t.rates.tolist()
        ([[200.0, 400.0, 300.0]], [[1.0, 2.0, 1.5]])
    """
    period = check_period(period)
    as_of_day = as_day(as_of, "as_of", timezone=timezone)
    timeline = read_timeline(changes)
    first_paid = timeline.first_paid_day
    seen = (first_paid >= 0) & (first_paid < as_of_day)
    if not seen.any():
        return _empty_revenue(period, as_of_day)
    span = _Span.of(int(first_paid[seen].min()), as_of_day, period)
    cohort = days_to_periods(first_paid[seen], period) - span.first
    ended = span.bound - span.first  # periods that have ended: their last day is seen
    last_days = period_starts(np.arange(span.first + 1, span.bound + 1), period) - 1
    by_period = np.zeros((span.width, span.width))
    for j, day in enumerate(last_days[:ended].tolist()):
        levels = timeline.levels_at(day)[seen]
        by_period[:, j] = np.bincount(cohort, weights=levels, minlength=span.width)
    customers = np.bincount(cohort, minlength=span.width)
    rows = np.flatnonzero(customers)
    mrr, observed = _by_offset(span, rows, by_period)
    mrr[~observed] = np.nan
    base = mrr[:, 0].copy()
    has_base = observed & (base[:, None] > 0)
    rates = _ratio(mrr, np.broadcast_to(base[:, None], mrr.shape), has_base)
    average = _ratio(
        np.where(has_base, mrr, 0.0).sum(axis=0),
        np.where(has_base, base[:, None], 0.0).sum(axis=0),
        _any_row(has_base),
    )
    return RevenueCohortTable(
        **span.labels(rows),
        observed=observed,
        rates=rates,
        average=average,
        customers=customers[rows],
        base_mrr=base,
        mrr=mrr,
    )


# --- shared building blocks --------------------------------------------------------------


class _Labels(TypedDict):
    """The fields of a table that depend on its cohorts only."""

    period: Period
    as_of: date
    cohorts: tuple[str, ...]
    starts: DateArray


class _EmptyGrid(_Labels):
    """Every shared field of a table without cohorts."""

    observed: BoolArray
    rates: FloatArray
    average: FloatArray


#: Most periods a cohort table may span (first cohort to ``as_of``): 100 years of months,
#: 23 years of weeks. Its grids hold periods x periods cells.
MAX_PERIODS = 1_200


@dataclass(frozen=True)
class _Span:
    """The periods a table covers: from the first cohort to the one holding ``as_of - 1``.

    Periods are absolute numbers (`days_to_periods`); ``first`` is offset 0 of the first
    cohort, ``last`` the period of the day before ``as_of``, and the periods before
    ``bound`` (``last`` itself only when ``as_of`` starts a period) have ended.
    """

    first: int
    last: int
    bound: int
    as_of_day: int
    period: Period

    @classmethod
    def of(cls, first_day: int, as_of_day: int, period: Period) -> _Span:
        first, last = days_to_periods(np.array([first_day, as_of_day - 1]), period).tolist()
        if last - first + 1 > MAX_PERIODS:
            msg = (
                f"a cohort table from {day_to_date(first_day)} to `as_of` "
                f"({day_to_date(as_of_day)}) spans {last - first + 1} {period}s; at most "
                f"{MAX_PERIODS} periods are allowed (its grid is periods x periods): pass an "
                "earlier `as_of`, data from a shorter stretch or a longer `period`"
            )
            raise InvalidInputError(msg)
        after = int(period_starts(np.array([last + 1]), period)[0])
        return cls(first, last, last + 1 if after == as_of_day else last, as_of_day, period)

    @property
    def width(self) -> int:
        """Periods from the first cohort to the last period (both included)."""
        return self.last - self.first + 1

    def labels(self, rows: IntArray) -> _Labels:
        """The fields every table shares that depend on the cohorts only."""
        periods = rows + self.first
        return {
            "period": self.period,
            "as_of": day_to_date(self.as_of_day),
            "cohorts": period_labels(periods, self.period),
            "starts": period_starts(periods, self.period).astype("datetime64[D]"),
        }


def _by_offset(
    span: _Span, rows: IntArray, by_period: FloatArray | IntArray
) -> tuple[FloatArray, BoolArray]:
    """Cells (cohort, offset) from cells (cohort, period), and which are observed.

    ``by_period`` has one row per cohort period and one column per period from the first
    (fewer columns are read as 0 beyond); offset ``k`` of the cohort in period ``c`` is
    column ``c + k``. Cells past the end of the span are 0 and not observed.
    """
    columns = rows[:, None] + np.arange(span.width)
    observed = columns + span.first < span.bound
    inside = columns < by_period.shape[1]
    picked = by_period[rows[:, None], np.minimum(columns, by_period.shape[1] - 1)]
    return np.where(inside & observed, picked, 0), observed


def _count_table(span: _Span, sizes: IntArray, counts: IntArray, mode: CohortMode) -> CohortTable:
    rows = np.flatnonzero(sizes)
    cells, observed = _by_offset(span, rows, counts)
    retained = cells.astype(np.int64)
    size_grid = np.broadcast_to(sizes[rows, None].astype(np.float64), cells.shape)
    rates = _ratio(cells.astype(np.float64), size_grid, observed)
    average = _ratio(
        cells.sum(axis=0).astype(np.float64),
        np.where(observed, size_grid, 0.0).sum(axis=0),
        _any_row(observed),
    )
    return CohortTable(
        **span.labels(rows),
        observed=observed,
        rates=rates,
        average=average,
        mode=mode,
        sizes=sizes[rows].astype(np.int64),
        counts=retained,
    )


def _ratio(top: FloatArray, bottom: FloatArray, defined: BoolArray) -> FloatArray:
    """``top / bottom`` where ``defined`` (and ``bottom`` is not 0), NaN elsewhere."""
    out = np.full(np.shape(top), np.nan)
    np.divide(top, bottom, out=out, where=defined & (bottom != 0))
    return out


def _empty_grid(period: Period, as_of_day: int) -> _EmptyGrid:
    return {
        "period": period,
        "as_of": day_to_date(as_of_day),
        "cohorts": (),
        "starts": np.empty(0, dtype="datetime64[D]"),
        "observed": np.zeros((0, 0), dtype=bool),
        "rates": np.zeros((0, 0)),
        "average": np.zeros(0),
    }


def _empty_counts(period: Period, mode: CohortMode, as_of_day: int) -> CohortTable:
    return CohortTable(
        **_empty_grid(period, as_of_day),
        mode=mode,
        sizes=np.zeros(0, dtype=np.int64),
        counts=np.zeros((0, 0), dtype=np.int64),
    )


def _empty_revenue(period: Period, as_of_day: int) -> RevenueCohortTable:
    return RevenueCohortTable(
        **_empty_grid(period, as_of_day),
        customers=np.zeros(0, dtype=np.int64),
        base_mrr=np.zeros(0),
        mrr=np.zeros((0, 0)),
    )


# --- reading -----------------------------------------------------------------------------


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


def _check_unique(ids: NDArray[np.generic]) -> None:
    codes, k = id_codes(ids)
    if k == len(ids):
        return
    order = np.argsort(codes, kind="stable")
    repeated = np.flatnonzero(codes[order][1:] == codes[order][:-1])
    rows = np.sort(order[repeated + 1])
    msg = (
        f"`accounts` repeat {len(rows)} ids (rows {(rows[:10] + 1).tolist()}, "
        f"e.g. {ids[rows[0]]!r}); give each account once"
    )
    raise InvalidInputError(msg)


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
