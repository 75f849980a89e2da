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

This module holds the two tables of counts, `cohort_table` and `logo_cohorts`;
`revenue_cohorts` is in `_revenue_cohorts`, the grid the three share in `_cohort_grid`,
and the event kernel in `_cohort_kernel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import one_of
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._types import AsOf, IntArray, Period
from cshealth.retention._accounts import read_churn_accounts
from cshealth.retention._cohort_grid import (
    _any_row,
    _by_offset,
    _CohortGrid,
    _empty_grid,
    _ratio,
    _Span,
)
from cshealth.retention._cohort_kernel import (
    _NAT,
    CohortMode,
    _at_least,
    _days,
    _entity_codes,
    _event_counts,
)
from cshealth.retention._periods import as_day, check_period, days_to_periods

__all__ = ["CohortTable", "cohort_table", "logo_cohorts"]


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


def _empty_counts(period: Period, mode: CohortMode, as_of_day: int) -> CohortTable:
    return CohortTable(
        **_empty_grid(period, as_of_day),
        mode=mode,
        sizes=np.zeros(0, dtype=np.int64),
        counts=np.zeros((0, 0), dtype=np.int64),
    )


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
