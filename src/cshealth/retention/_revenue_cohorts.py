"""Net revenue retention by cohort: each cohort's MRR over time against its first period.

`revenue_cohorts` reads `RevenueChange` records through one `Timeline`. An account's cohort
is the period of its first day with MRR above 0, and the cell at offset ``k`` is the
cohort's MRR on the last day of period ``c + k`` over its MRR at offset 0 (spec 3.3), on
the grid every cohort table shares (`_cohort_grid`). `revenue_cohorts_partial` sums one
partition's customers and MRR per cohort and offset (a `RevenueCohortPartial`), and
`revenue_cohorts` is that partial of all the changes, finalised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from cshealth._partial import Partial, PartialKey, Requires
from cshealth._types import AsOf, FloatArray, IntArray, Period
from cshealth.retention._cohort_grid import (
    _any_row,
    _by_offset,
    _CohortGrid,
    _empty_grid,
    _ratio,
    _Span,
)
from cshealth.retention._partial_rows import (
    day_option,
    empty_rows,
    ints,
    part_names,
    read_day,
    trusted,
)
from cshealth.retention._periods import as_day, check_period, days_to_periods, period_starts
from cshealth.retention._timeline import read_timeline

__all__ = [
    "RevenueCohortPartial",
    "RevenueCohortTable",
    "revenue_cohorts",
    "revenue_cohorts_partial",
]


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


def _money(value: float) -> str:
    return "" if math.isnan(value) else f"{value:,.0f}"


@dataclass(frozen=True, eq=False, repr=False)
class RevenueCohortPartial(Partial):
    """The partial form of `revenue_cohorts`: customers and MRR per cohort and offset.

    One row per cohort and offset: ``cohort`` (the first day of the cohort's period, as
    days since 1970-01-01), ``offset`` (``k`` periods after it), ``mrr`` (the summed MRR
    of the cohort's accounts on the last day of period ``c + k``, in cells observed at
    ``as_of``) and ``customers`` (the cohort's accounts, on its offset-0 row; 0 on the
    others). Cells not yet observed, and observed cells without MRR, are left out. The
    MRR sums are floats: merged in another order they can differ in the last bits
    (about ``1e-15`` relative), the stated tolerance of every sum of a partial.

    The key holds ``period`` and ``as_of`` (the day, ISO text).

    Requires ``'account_id'``: an account's cohort is its first paid day and its MRR on a
    day the last change before it, which a partition only knows for the accounts it holds
    all the changes of. Split an account's changes over two partitions and it can be in
    two cohorts, or count a level it no longer pays.

    Examples:
        >>> from datetime import date
        >>> changes = {
        ...     "account_id": ["A", "A", "B"],
        ...     "effective_on": ["2025-01-05", "2025-02-10", "2025-01-15"],
        ...     "mrr": [100.0, 300.0, 100.0],
        ... }
        >>> a = revenue_cohorts_partial(
        ...     {k: v[:2] for k, v in changes.items()}, as_of=date(2025, 3, 1)
        ... )
        >>> b = revenue_cohorts_partial(
        ...     {k: v[2:] for k, v in changes.items()}, as_of=date(2025, 3, 1)
        ... )
        >>> (a + b).finalize().rates.tolist()
        [[1.0, 2.0]]
        >>> (a + b).finalize() == revenue_cohorts(changes, as_of=date(2025, 3, 1))
        True
    """

    KIND: ClassVar[str] = "revenue_cohorts"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (("cohort", "int64"), ("offset", "int64"))
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("customers",)
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = ("mrr",)
    REQUIRES: ClassVar[Requires] = "account_id"

    def finalize(self) -> RevenueCohortTable:
        """The `RevenueCohortTable` of every partition merged in, as `revenue_cohorts` gives.

        Examples:
            >>> from datetime import date
            >>> one = {"account_id": [1], "effective_on": ["2025-01-05"], "mrr": [50.0]}
            >>> revenue_cohorts_partial(one, as_of=date(2025, 3, 1)).finalize().mrr.tolist()
            [[50.0, 50.0]]
        """
        return _revenue_table(self)


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
    return revenue_cohorts_partial(
        changes, as_of=as_of, period=period, timezone=timezone
    ).finalize()


def revenue_cohorts_partial(
    changes: object,
    *,
    as_of: AsOf,
    period: Period = "month",
    timezone: str = "UTC",
    part: str | None = None,
) -> RevenueCohortPartial:
    """The partial form of `revenue_cohorts` on one partition of the revenue changes.

    Reads the changes as `revenue_cohorts` does (same checks, same errors) and sums the
    customers and MRR per cohort and offset. Partials of partitions that each hold all
    the changes of their accounts merge (`RevenueCohortPartial.merge`, ``+``), and
    `RevenueCohortPartial.finalize` gives what `revenue_cohorts` gives on all the
    changes: ``revenue_cohorts(...)`` is ``revenue_cohorts_partial(...).finalize()``.

    Args:
        changes: One partition of the changes, in any form `revenue_cohorts` takes.
        as_of: As in `revenue_cohorts`; the day is in the partial's key.
        period: As in `revenue_cohorts`; in the key.
        timezone: As in `revenue_cohorts` (it only places an instant ``as_of`` on a day).
        part: A name for the partition, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        A `RevenueCohortPartial`; it requires every account's changes in one partition
        (``'account_id'``).

    Raises:
        InvalidInputError: As `revenue_cohorts`; and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> one = {"account_id": ["A"], "effective_on": ["2025-01-10"], "mrr": [100.0]}
        >>> p = revenue_cohorts_partial(one, as_of=date(2025, 3, 1))
        >>> p.columns["offset"].tolist(), p.columns["mrr"].tolist(), p.columns["customers"].tolist()
        ([0, 1], [100.0, 100.0], [1, 0])
    """
    period = check_period(period)
    as_of_day = as_day(as_of, "as_of", timezone=timezone)
    parts = part_names(part)
    key = PartialKey.of(RevenueCohortPartial.KIND, period=period, as_of=day_option(as_of_day))
    timeline = read_timeline(changes)
    first_paid = timeline.first_paid_day
    seen = (first_paid >= 0) & (first_paid < as_of_day)
    if not seen.any():
        return empty_rows(RevenueCohortPartial, key, parts)
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
    keep = observed & (mrr > 0)
    keep[:, 0] = True
    cohorts, offsets = np.nonzero(keep)  # row-major: by cohort, then offset (canonical)
    columns = {
        "cohort": period_starts(rows + span.first, period).astype(np.int64)[cohorts],
        "offset": offsets.astype(np.int64),
        "customers": np.where(offsets == 0, customers[rows][cohorts], 0).astype(np.int64),
        "mrr": mrr[cohorts, offsets].astype(np.float64),
    }
    return trusted(RevenueCohortPartial, key, columns, parts)


def _revenue_table(partial: RevenueCohortPartial) -> RevenueCohortTable:
    """The table of a partial's rows: customers and MRR per cohort and period, rebuilt."""
    period = check_period(partial.key.option("period"))
    as_of_day = read_day(partial.key.option("as_of"))
    columns = partial.columns
    starts, offsets = ints(columns, "cohort"), ints(columns, "offset")
    sized = (ints(columns, "customers") > 0) & (starts < as_of_day)
    if not sized.any():
        return _empty_revenue(period, as_of_day)
    span = _Span.of(int(starts[sized].min()), as_of_day, period)
    cohort = days_to_periods(starts, period) - span.first
    column = cohort + offsets
    customers = np.zeros(span.width, dtype=np.int64)
    np.add.at(customers, cohort[sized], columns["customers"][sized])
    inside = (cohort >= 0) & (offsets >= 0) & (column < span.width)
    by_period = np.zeros((span.width, span.width))
    np.add.at(by_period, (cohort[inside], column[inside]), columns["mrr"][inside])
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


def _empty_revenue(period: Period, as_of_day: int) -> RevenueCohortTable:
    return RevenueCohortTable(
        **_empty_grid(period, as_of_day),
        customers=np.zeros(0, dtype=np.int64),
        base_mrr=np.zeros(0),
        mrr=np.zeros((0, 0)),
    )
