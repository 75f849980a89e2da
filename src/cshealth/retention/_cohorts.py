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

This module holds the two tables of counts, `cohort_table` and `logo_cohorts`, and their
partial forms (`cohort_table_partial`, `logo_cohorts_partial`): each table is its partial
of all the data, finalised. The table and its partials are in `_cohort_table`,
`revenue_cohorts` is in `_revenue_cohorts`, the grid the three share in `_cohort_grid`,
and the event kernel in `_cohort_kernel`.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import one_of
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._partial import PartialKey
from cshealth._types import AsOf, Period
from cshealth.retention._accounts import read_churn_accounts
from cshealth.retention._cohort_grid import _Span
from cshealth.retention._cohort_kernel import (
    _NAT,
    CohortMode,
    _at_least,
    _days,
    _entity_codes,
    _event_counts,
)
from cshealth.retention._cohort_table import (
    CohortPartial,
    CohortTable,
    LogoCohortPartial,
    cohort_rows,
)
from cshealth.retention._partial_rows import day_option, empty_rows, part_names
from cshealth.retention._periods import as_day, check_period, days_to_periods

__all__ = ["cohort_table", "cohort_table_partial", "logo_cohorts", "logo_cohorts_partial"]


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
    partial = cohort_table_partial(
        entity_ids, event_dates, as_of=as_of, period=period, mode=mode, timezone=timezone
    )
    return partial.finalize()


def cohort_table_partial(
    entity_ids: ArrayLike,
    event_dates: ArrayLike,
    *,
    as_of: AsOf,
    period: Period = "month",
    mode: CohortMode = "on",
    timezone: str = "UTC",
    part: str | None = None,
) -> CohortPartial:
    """The partial form of `cohort_table` on one partition of the events.

    Reads the events as `cohort_table` does (same checks, same errors) and counts the
    entities retained per cohort and offset. Partials of partitions that each hold all
    the events of their entities merge (`CohortPartial.merge`, ``+``), and
    `CohortPartial.finalize` gives what `cohort_table` gives on all the events:
    ``cohort_table(...)`` is ``cohort_table_partial(...).finalize()``.

    Args:
        entity_ids: As in `cohort_table`.
        event_dates: As in `cohort_table`.
        as_of: As in `cohort_table`; the day is in the partial's key.
        period: As in `cohort_table`; in the key.
        mode: As in `cohort_table`; in the key.
        timezone: As in `cohort_table`; in the key.
        part: A name for the partition, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        A `CohortPartial`; it requires every entity's events in one partition
        (``'entity_id'``).

    Raises:
        InvalidInputError: As `cohort_table`; and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> p = cohort_table_partial(
        ...     ["u1", "u1"], ["2025-01-04", "2025-02-11"], as_of=date(2025, 3, 1)
        ... )
        >>> p.columns["cohort"].tolist(), p.columns["offset"].tolist(), p.columns["size"].tolist()
        ([20089, 20089], [0, 1], [1, 0])
    """
    mode = cast("CohortMode", one_of(mode, CohortMode, "mode"))
    period = check_period(period)
    as_of_day = as_day(as_of, "as_of", timezone=timezone)
    parts = part_names(part)
    key = PartialKey.of(
        CohortPartial.KIND,
        period=period,
        mode=mode,
        as_of=day_option(as_of_day),
        timezone=timezone,
    )
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
        return empty_rows(CohortPartial, key, parts)
    low = int(days.min())
    span = _Span.of(low, as_of_day, period)
    sizes, counts = _event_counts(codes, k, days, bounds=(low, high), span=span, mode=mode)
    return cohort_rows(CohortPartial, key, span, sizes, counts, parts=parts)


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
    return logo_cohorts_partial(accounts, as_of=as_of, period=period, timezone=timezone).finalize()


def logo_cohorts_partial(
    accounts: object,
    *,
    as_of: AsOf,
    period: Period = "month",
    timezone: str = "UTC",
    part: str | None = None,
) -> LogoCohortPartial:
    """The partial form of `logo_cohorts` on one partition of the accounts.

    Reads the accounts as `logo_cohorts` does (same checks, same errors: an id given
    twice in the partition is refused) and counts the accounts retained per cohort and
    offset. Partials of disjoint partitions merge (`LogoCohortPartial.merge`, ``+``), and
    `LogoCohortPartial.finalize` gives what `logo_cohorts` gives on all the accounts:
    ``logo_cohorts(...)`` is ``logo_cohorts_partial(...).finalize()``.

    Args:
        accounts: One partition of the accounts, in any form `logo_cohorts` takes.
        as_of: As in `logo_cohorts`; the day is in the partial's key.
        period: As in `logo_cohorts`; in the key.
        timezone: As in `logo_cohorts` (it only places an instant ``as_of`` on a day).
        part: A name for the partition, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        A `LogoCohortPartial` (requires nothing of the partitioning; an account given in
        two partitions is counted twice).

    Raises:
        InvalidInputError: As `logo_cohorts`; and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> one = {"id": ["A"], "start_date": ["2025-01-10"], "end_date": ["2025-02-01"]}
        >>> p = logo_cohorts_partial(one, as_of=date(2025, 4, 1))
        >>> p.columns["offset"].tolist(), p.columns["retained"].tolist()
        ([0], [1])
    """
    period = check_period(period)
    as_of_day = as_day(as_of, "as_of", timezone=timezone)
    parts = part_names(part)
    key = PartialKey.of(LogoCohortPartial.KIND, period=period, as_of=day_option(as_of_day))
    table = read_churn_accounts(accounts, ["id", "start_date"], function="logo_cohorts")
    ids = np.asarray(table["id"])
    _check_unique(ids)
    start = table["start_date"].astype(np.int64)
    end = table["end_date"].astype(np.int64)
    seen = start < as_of_day
    if not seen.any():
        return empty_rows(LogoCohortPartial, key, parts)
    start, end = start[seen], end[seen]
    span = _Span.of(int(start.min()), as_of_day, period)
    cohort = days_to_periods(start, period) - span.first
    churned = (end != _NAT) & (end < as_of_day)
    gone = days_to_periods(np.where(churned, end, start), period) - span.first
    last = np.where(churned, gone - 1, span.width - 1)  # last period still a customer at its end
    counts = _at_least(cohort, last, span.width)
    sizes = np.bincount(cohort, minlength=span.width)
    return cohort_rows(LogoCohortPartial, key, span, sizes, counts, parts=parts)


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
