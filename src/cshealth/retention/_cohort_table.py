"""`CohortTable`, the table of counts, and its partials `CohortPartial`, `LogoCohortPartial`.

`cohort_table` and `logo_cohorts` both count entities per cohort and offset; this module
holds their table and its one finaliser (`_count_table`), and the partials both functions
compute on a partition of the data: one row per cohort and offset with the entities
retained, and the cohort's size on its offset-0 row. Cells that are not observed at
``as_of`` depend on ``as_of`` and the cohort's start only, so the partials leave them out
and `CohortPartial.finalize` marks them again, exactly as the table does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeVar, cast

import numpy as np

from cshealth._partial import Partial, PartialKey, Requires
from cshealth._types import IntArray, Period
from cshealth.retention._cohort_grid import (
    _any_row,
    _by_offset,
    _CohortGrid,
    _empty_grid,
    _ratio,
    _Span,
)
from cshealth.retention._cohort_kernel import CohortMode
from cshealth.retention._partial_rows import ints, read_day, trusted
from cshealth.retention._periods import check_period, days_to_periods, period_starts

__all__ = ["CohortPartial", "CohortTable", "LogoCohortPartial", "cohort_rows"]

C = TypeVar("C", bound="CohortPartial")


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
        >>> from cshealth.retention import cohort_table
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
class CohortPartial(Partial):
    """The partial form of `cohort_table`: entities per cohort and offset, and cohort sizes.

    One row per cohort and offset: ``cohort`` (the first day of the cohort's period, as
    days since 1970-01-01), ``offset`` (``k`` periods after it), ``retained`` (entities of
    the cohort with an event at offset ``k``, or later for ``mode='on_or_after'``, in
    cells observed at ``as_of``) and ``size`` (the cohort's entities, on its offset-0
    row; 0 on the others). Cells not yet observed are left out (they depend on
    ``as_of`` and the cohort's start only, so `finalize` marks them again), as are
    observed cells with no entity. Partials merge by adding the rows of equal cohort and
    offset, and `finalize` gives the very `CohortTable` `cohort_table` gives on all the
    events.

    The key holds ``period``, ``mode``, ``as_of`` (the day, ISO text) and ``timezone``
    (the clock that buckets instants into days): partials that differ in one are refused.

    Requires ``'entity_id'``: an entity's first event sets its cohort, and an entity is
    counted once per cell, which a partition can only do for the entities it holds all
    the events of. Split one entity's events over two partitions and it is counted in
    two cohorts (or twice in one): put all the events of an entity in one partition (the
    Dask adapter shuffles on the entity for you).

    Examples:
        >>> from datetime import date
        >>> from cshealth.retention import cohort_table, cohort_table_partial
        >>> ids = ["a", "a", "b", "c"]
        >>> days = ["2025-01-04", "2025-02-11", "2025-01-20", "2025-02-02"]
        >>> p = cohort_table_partial(ids[:2], days[:2], as_of=date(2025, 3, 15), part="p0")
        >>> q = cohort_table_partial(ids[2:], days[2:], as_of=date(2025, 3, 15), part="p1")
        >>> merged = p + q
        >>> merged.columns["offset"].tolist(), merged.columns["retained"].tolist()
        ([0, 1, 0], [2, 1, 1])
        >>> merged.finalize() == cohort_table(ids, days, as_of=date(2025, 3, 15))
        True
    """

    KIND: ClassVar[str] = "cohorts"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (("cohort", "int64"), ("offset", "int64"))
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("size", "retained")
    REQUIRES: ClassVar[Requires] = "entity_id"

    def finalize(self) -> CohortTable:
        """The `CohortTable` of every partition merged in, as `cohort_table` gives it.

        Examples:
            >>> from datetime import date
            >>> from cshealth.retention import cohort_table_partial
            >>> p = cohort_table_partial(["a"], ["2025-01-04"], as_of=date(2025, 3, 1))
            >>> p.finalize().counts.tolist()
            [[1, 0]]
        """
        return _table(self, cast("CohortMode", self.key.option("mode")))


@dataclass(frozen=True, eq=False, repr=False)
class LogoCohortPartial(CohortPartial):
    """The partial form of `logo_cohorts`: accounts per cohort and offset, and sizes.

    The rows of `CohortPartial`: ``retained`` counts the accounts still customers on the
    last day of period ``c + k``, ``size`` the cohort's accounts. The key holds
    ``period`` and ``as_of`` (the day, ISO text).

    Requires nothing of the partitioning (``REQUIRES = None``): each account is one row,
    counted where it is. `logo_cohorts` refuses an id given twice in one partition, but
    an id in two partitions cannot be seen from either: such an account is counted
    twice. Give each account once.

    Examples:
        >>> from datetime import date
        >>> from cshealth.retention import logo_cohorts, logo_cohorts_partial
        >>> accounts = {
        ...     "id": ["A", "B", "C"],
        ...     "start_date": ["2025-01-10", "2025-01-20", "2025-02-03"],
        ...     "end_date": ["2025-02-01", None, "2025-02-28"],
        ... }
        >>> parts = [
        ...     logo_cohorts_partial(
        ...         {k: v[i : i + 1] for k, v in accounts.items()}, as_of=date(2025, 4, 1)
        ...     )
        ...     for i in range(3)
        ... ]
        >>> LogoCohortPartial.combine(parts).finalize() == logo_cohorts(
        ...     accounts, as_of=date(2025, 4, 1)
        ... )
        True
    """

    KIND: ClassVar[str] = "logo_cohorts"
    REQUIRES: ClassVar[Requires] = None

    def finalize(self) -> CohortTable:
        """The `CohortTable` of every partition merged in, as `logo_cohorts` gives it.

        Examples:
            >>> from datetime import date
            >>> from cshealth.retention import logo_cohorts_partial
            >>> one = {"id": [1], "start_date": ["2025-01-10"], "end_date": [None]}
            >>> logo_cohorts_partial(one, as_of=date(2025, 3, 1)).finalize().counts.tolist()
            [[1, 1]]
        """
        return _table(self, "on_or_after")


def cohort_rows(
    kind: type[C],
    key: PartialKey,
    span: _Span,
    sizes: IntArray,
    counts: IntArray,
    *,
    parts: tuple[str, ...],
) -> C:
    """The partial of a table's counts: sizes per cohort period, counts per (cohort, period).

    ``sizes`` and ``counts`` are what `_count_table` takes: indexed by periods from
    ``span.first``. Observed cells with entities become rows, and every cohort's
    offset-0 row carries its size.
    """
    rows = np.flatnonzero(sizes)
    cells, observed = _by_offset(span, rows, counts)
    keep = observed & (cells > 0)
    keep[:, 0] = True
    cohort, offset = np.nonzero(keep)  # row-major: by cohort, then offset (canonical)
    starts = period_starts(rows + span.first, span.period).astype(np.int64)
    columns = {
        "cohort": starts[cohort],
        "offset": offset.astype(np.int64),
        "size": np.where(offset == 0, sizes[rows][cohort], 0).astype(np.int64),
        "retained": cells[cohort, offset].astype(np.int64),
    }
    return trusted(kind, key, columns, parts)


def _table(partial: CohortPartial, mode: CohortMode) -> CohortTable:
    """The table of a partial's rows: the grid `_count_table` takes, rebuilt."""
    period = check_period(partial.key.option("period"))
    as_of_day = read_day(partial.key.option("as_of"))
    columns = partial.columns
    starts, offsets = ints(columns, "cohort"), ints(columns, "offset")
    sized = (ints(columns, "size") > 0) & (starts < as_of_day)
    if not sized.any():
        return _empty_counts(period, mode, as_of_day)
    span = _Span.of(int(starts[sized].min()), as_of_day, period)
    cohort = days_to_periods(starts, period) - span.first
    column = cohort + offsets
    sizes = np.zeros(span.width, dtype=np.int64)
    np.add.at(sizes, cohort[sized], columns["size"][sized])
    inside = (cohort >= 0) & (offsets >= 0) & (column < span.width)
    counts = np.zeros((span.width, span.width), dtype=np.int64)
    np.add.at(counts, (cohort[inside], column[inside]), columns["retained"][inside])
    return _count_table(span, sizes, counts, mode)


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
