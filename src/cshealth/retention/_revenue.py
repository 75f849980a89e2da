"""Revenue retention (cohort NRR and GRR) and the MRR movement waterfall.

Both read `RevenueChange` records through one `Timeline`. `revenue_retention` looks at
the customers paying on one day (``base_on``) and again on a later one (``compare_on``):
two snapshots (spec 3.3, the canonical NRR/GRR). `mrr_movements` classifies every change
inside the half-open window ``[start, end)`` (spec 3.1, the ChartMogul taxonomy) and adds
them up per calendar period. The MRR in force on a day includes the changes effective
that day, so the waterfall that carries the snapshot of ``base_on`` to that of
``compare_on`` is the window ``[base_on + 1 day, compare_on + 1 day)``. Both group by
account with ``by`` (a `Grouped` result).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Literal, cast, get_args, overload

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, RowsResult, jsonable
from cshealth._types import AsOf, FloatArray, IntArray, ObjectArray, Period
from cshealth.io import Table
from cshealth.io._read import raw_columns
from cshealth.models import RevenueChange
from cshealth.retention._economics import _non_negative, _periods_per_year, _shown
from cshealth.retention._grouped import By, Grouped, check_by
from cshealth.retention._periods import (
    as_day,
    check_period,
    day_to_date,
    days_to_periods,
    period_labels,
    period_starts,
    periods_per_year,
)
from cshealth.retention._timeline import Timeline, account_groups, read_timeline

__all__ = [
    "KINDS",
    "AnnualizedRetention",
    "MRRMovements",
    "MovementKind",
    "RevenueRetention",
    "mrr_movements",
    "revenue_retention",
]


#: The kinds of MRR movement (spec 3.1), in waterfall order.
MovementKind = Literal["new", "expansion", "reactivation", "contraction", "churn"]
KINDS: tuple[MovementKind, ...] = get_args(MovementKind)
#: What `mrr_movements` does with an account that starts and churns in one period.
NewAndChurn = Literal["count", "ignore"]


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


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


def _read(changes: object, by: By | None) -> tuple[Timeline, dict[str, object]]:
    """The timeline of ``changes``; with ``by``, also their columns (read once)."""
    if by is None:
        return read_timeline(changes), {}
    check_by(by)
    columns = raw_columns(changes, RevenueChange)
    return read_timeline(columns), columns


@dataclass(frozen=True, eq=False, repr=False)
class AnnualizedRetention(Result):
    """Window rates compounded to a year: ``1 - (1 - churn)^k`` and ``ratio^k``.

    Attributes:
        periods_per_year: ``k``, how many windows make a year.
        logo_churn_rate: ``1 - (1 - m)^k`` for the window's logo churn ``m``.
        logo_retention_rate: ``(1 - m)^k``.
        nrr: ``NRR^k``.
        grr: ``GRR^k``.
    """

    periods_per_year: float
    logo_churn_rate: float | None
    logo_retention_rate: float | None
    nrr: float | None
    grr: float | None

    def __repr__(self) -> str:
        return (
            f"AnnualizedRetention(periods_per_year={self.periods_per_year:.4g}, "
            f"logo_churn_rate={_shown(self.logo_churn_rate)}, nrr={_shown(self.nrr)}, "
            f"grr={_shown(self.grr)})"
        )


def _power(value: float | None, k: float) -> float | None:
    return None if value is None else value**k


@dataclass(frozen=True, eq=False, repr=False)
class RevenueRetention(Result):
    """Who of the customers paying on ``base_on`` still pays on ``compare_on``, and how much.

    The base is every account whose MRR in force on ``base_on`` is above 0 (and at least
    ``min_base_mrr``); customers who join later are not in it. Each base customer is
    looked at again on ``compare_on``: at 0 it churned (a churn effective exactly on
    ``compare_on`` counts), below its starting MRR it contracted, above it expanded. A
    customer who churned and came back in between counts at its MRR on ``compare_on``.

    Attributes:
        base_on: The day the base is taken.
        compare_on: The day the base is looked at again.
        starting_customers: Customers in the base.
        churned_customers: Base customers paying nothing on ``compare_on``.
        starting_mrr: The base's MRR on ``base_on``.
        ending_mrr: The base's MRR on ``compare_on`` (new customers are not included).
        churned_mrr: Starting MRR of the churned customers.
        contraction_mrr: Lost MRR of base customers still paying less.
        expansion_mrr: Gained MRR of base customers paying more.
        periods_per_year: How many such windows make a year (for `annualized`).
    """

    base_on: date
    compare_on: date
    starting_customers: int
    churned_customers: int
    starting_mrr: float
    ending_mrr: float
    churned_mrr: float
    contraction_mrr: float
    expansion_mrr: float
    periods_per_year: float

    @property
    def logo_churn_rate(self) -> float | None:
        """Churned / starting customers; ``None`` without a base, 0.0 without churn."""
        return _ratio(self.churned_customers, self.starting_customers)

    @property
    def logo_retention_rate(self) -> float | None:
        """``1 - logo_churn_rate``."""
        churn = self.logo_churn_rate
        return None if churn is None else 1.0 - churn

    @property
    def nrr(self) -> float | None:
        """Net revenue retention: the base's MRR on ``compare_on`` over its MRR on ``base_on``."""
        return _ratio(self.ending_mrr, self.starting_mrr)

    @property
    def grr(self) -> float | None:
        """Gross revenue retention: each customer capped at its starting MRR, so <= 1."""
        kept = self.starting_mrr - self.churned_mrr - self.contraction_mrr
        grr = _ratio(kept, self.starting_mrr)
        return None if grr is None else min(max(grr, 0.0), 1.0)

    def annualized(self, periods_per_year: float | None = None) -> AnnualizedRetention:
        """The rates compounded to a year (never multiplied).

        Args:
            periods_per_year: How many windows make a year; by default 12 / months for a
                window of whole calendar months, else 365.2425 / days.

        Raises:
            InvalidInputError: If ``periods_per_year`` is not a finite number above 0.

        Examples:
            >>> r = revenue_retention(
            ...     {
            ...         "account_id": ["A", "B"],
            ...         "effective_on": ["2025-01-01", "2025-01-01"],
            ...         "mrr": [100.0, 100.0],
            ...     },
            ...     base_on=date(2025, 1, 1),
            ...     compare_on=date(2025, 2, 1),
            ... )
            >>> r.annualized()
            AnnualizedRetention(periods_per_year=12, logo_churn_rate=0, nrr=1, grr=1)
        """
        k = self.periods_per_year if periods_per_year is None else periods_per_year
        k = _periods_per_year(k)
        retention = _power(self.logo_retention_rate, k)
        return AnnualizedRetention(
            periods_per_year=k,
            logo_churn_rate=None if retention is None else 1.0 - retention,
            logo_retention_rate=retention,
            nrr=_power(self.nrr, k),
            grr=_power(self.grr, k),
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the fields (counts, MRR amounts), then the rates derived from them."""
        return {
            **super().to_dict(),
            "logo_churn_rate": jsonable(self.logo_churn_rate),
            "logo_retention_rate": jsonable(self.logo_retention_rate),
            "nrr": jsonable(self.nrr),
            "grr": jsonable(self.grr),
        }

    def __repr__(self) -> str:
        return (
            f"RevenueRetention({self.base_on} to {self.compare_on}: "
            f"customers={self.starting_customers}, churned={self.churned_customers}, "
            f"nrr={_shown(self.nrr)}, grr={_shown(self.grr)})"
        )


@overload
def revenue_retention(
    changes: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: None = None,
) -> RevenueRetention: ...
@overload
def revenue_retention(
    changes: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: By,
) -> Grouped[RevenueRetention]: ...
def revenue_retention(
    changes: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: By | None = None,
) -> RevenueRetention | Grouped[RevenueRetention]:
    """Cohort NRR and GRR, and logo churn, of the customers paying on ``base_on``.

    Two snapshot days, as in the SQL of *Fighting Churn With Data* (chapter 2): the base
    is the accounts paying on ``base_on`` (MRR in force that day above 0, and at least
    ``min_base_mrr``), each looked at again on ``compare_on``. NRR is the base's summed
    MRR on ``compare_on`` over its summed MRR on ``base_on``; GRR caps each customer at
    its starting MRR first, so GRR <= 1 and NRR >= GRR. Customers acquired after
    ``base_on`` are left out (spec 3.3).

    Args:
        changes: `RevenueChange` records, or columns ``account_id``, ``effective_on``,
            ``mrr`` (a mapping, a data frame or a `Table`).
        base_on: The day the base is taken (a date, or an aware datetime taken at its
            UTC day).
        compare_on: The day the base is looked at again; after ``base_on``.
        min_base_mrr: Leave base customers under this MRR out (PostHog leaves out small
            accounts); 0 keeps every paying customer.
        by: Group the accounts: a column of ``changes`` (one value for all the changes of
            an account), or a mapping from account id to group. Accounts without a group
            are the group ``'(none)'``, never dropped.

    Returns:
        The `RevenueRetention`; its rates are ``None`` when the base is empty. With
        ``by``, a `Grouped` of one per group (every group of the data), each the one this
        function gives on that group's accounts alone.

    Raises:
        InvalidInputError: On bad records (every one listed), two changes of one
            account on one day, ``base_on >= compare_on``, naive datetimes, a negative
            ``min_base_mrr``, or a ``by`` that is neither a column nor a mapping, names
            no column, or gives one account two groups.

    Notes:
        The MRR in force on a day includes the changes effective that day: a churn
        effective on ``compare_on`` counts, and an account whose first payment is
        effective on ``base_on`` is in the base. So the changes that carry the base from
        one snapshot to the other are those effective in ``[base_on + 1 day,
        compare_on + 1 day)``: on the base's accounts, the waterfall
        ``mrr_movements(changes, start=base_on + 1 day, end=compare_on + 1 day)``
        starts at `starting_mrr` and ends at `ending_mrr`, with no new MRR (the tests
        check it).

    Examples:
        >>> changes = {
        ...     "account_id": ["A", "B", "C", "B", "C", "D"],
        ...     "effective_on": [
        ...         "2025-01-01",
        ...         "2025-01-01",
        ...         "2025-01-01",
        ...         "2025-06-01",
        ...         "2025-09-01",
        ...         "2025-03-01",
        ...     ],
        ...     "mrr": [100.0, 200.0, 300.0, 260.0, 0.0, 999.0],
        ... }
        >>> r = revenue_retention(changes, base_on=date(2025, 1, 1), compare_on=date(2026, 1, 1))
        >>> r  # A kept 100, B grew 200 -> 260, C churned; D joined later (not in the base)
        RevenueRetention(2025-01-01 to 2026-01-01: customers=3, churned=1, nrr=0.6, grr=0.5)
        >>> r.starting_mrr, r.ending_mrr, r.churned_mrr, r.expansion_mrr
        (600.0, 360.0, 300.0, 60.0)
        >>> round(r.logo_churn_rate, 4)
        0.3333

        By group (D, not in the mapping, is in ``'(none)'``, with an empty base):

        >>> g = revenue_retention(
        ...     changes,
        ...     base_on=date(2025, 1, 1),
        ...     compare_on=date(2026, 1, 1),
        ...     by={"A": "smb", "B": "smb", "C": "ent"},
        ... )
        >>> {label: r.nrr for label, r in g.items()}, g.ungrouped
        ({'(none)': None, 'ent': 0.0, 'smb': 1.2}, 1)
    """
    first, last = _window(base_on, compare_on, ("base_on", "compare_on"))
    _non_negative(min_base_mrr, "min_base_mrr")
    timeline, columns = _read(changes, by)
    m0, m1 = timeline.levels_at(first), timeline.levels_at(last)
    if by is None:
        return _retention(m0, m1, first, last, min_base_mrr)
    groups = account_groups(timeline, columns, by)
    return Grouped(
        by=groups.by,
        groups={
            label: _retention(m0[accounts], m1[accounts], first, last, min_base_mrr)
            for label, accounts in groups.members()
        },
        ungrouped=groups.ungrouped,
    )


def _retention(
    m0: FloatArray, m1: FloatArray, first: int, last: int, min_base_mrr: float
) -> RevenueRetention:
    """The retention of accounts whose MRR is ``m0`` on ``first`` and ``m1`` on ``last``."""
    base = (m0 > 0) & (m0 >= min_base_mrr)
    m0, m1 = m0[base], m1[base]
    churned = m1 == 0
    lower = ~churned & (m1 < m0)
    higher = m1 > m0
    return RevenueRetention(
        base_on=day_to_date(first),
        compare_on=day_to_date(last),
        starting_customers=int(base.sum()),
        churned_customers=int(churned.sum()),
        starting_mrr=math.fsum(m0),
        ending_mrr=math.fsum(m1),
        churned_mrr=math.fsum(m0[churned]),
        contraction_mrr=math.fsum(m0[lower] - m1[lower]),
        expansion_mrr=math.fsum(m1[higher] - m0[higher]),
        periods_per_year=periods_per_year(first, last),
    )


# --- the MRR waterfall ---------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class MRRMovements(RowsResult):
    """Per period MRR movements: the waterfall ``start + movements = end``.

    Periods are half-open: a change effective on a period's first day is one of its
    movements, and ``starting_mrr`` is the MRR in force on the day before. The first and
    last periods are cut at the window's ``start`` and ``end``.

    For every period, ``ending_mrr`` is computed as ``starting_mrr + new_mrr +
    expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr`` in that order, and
    the next period starts from it, so the identity holds exactly in floating point; the
    tests check it against the MRR summed account by account.

    Attributes:
        period: The calendar period.
        labels: Each period's label (``2025-01``).
        starts: Each period's first day (the window start for the first).
        starting_mrr: MRR in force just before each period.
        new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, churned_mrr: The
            movements of each kind, as positive amounts.
        ending_mrr: MRR in force at the end of each period.
        counts: Per kind, how many movements (one per account and change, or per
            grouped run of changes) fell in each period.

    One row per period: ``len()`` is the number of periods, ``to_dict()`` gives each
    field (the arrays as lists, ``counts`` as a list per kind) and ``to_pandas()`` one
    row per period with the columns ``labels``, ``starts``, ``starting_mrr``, the five
    movement columns, ``ending_mrr`` and the counts ``new_count`` ... ``churn_count``.
    ``print(movements)`` shows `format`.
    """

    row_fields = (
        "labels",
        "starts",
        "starting_mrr",
        "new_mrr",
        "expansion_mrr",
        "reactivation_mrr",
        "contraction_mrr",
        "churned_mrr",
        "ending_mrr",
    )

    period: Period
    labels: tuple[str, ...]
    starts: tuple[date, ...]
    end: date
    starting_mrr: FloatArray
    new_mrr: FloatArray
    expansion_mrr: FloatArray
    reactivation_mrr: FloatArray
    contraction_mrr: FloatArray
    churned_mrr: FloatArray
    ending_mrr: FloatArray
    counts: Mapping[MovementKind, IntArray]
    _timeline: Timeline = field(repr=False, compare=False)
    _moves: _Moves = field(repr=False, compare=False)

    @cached_property
    def classified(self) -> Table:
        """One row per movement, in date order (built on first use).

        Columns: ``account_id``, ``effective_on``, ``period`` (its label), ``kind``,
        ``mrr_before``, ``mrr_after`` and ``amount``.
        """
        numbers = days_to_periods(
            np.array([as_day(start, "start") for start in self.starts], dtype=np.int64), self.period
        )
        return _classified(self._timeline, self._moves, numbers, self.period)

    @property
    def net_new_mrr(self) -> FloatArray:
        """New + expansion + reactivation - contraction - churn, per period."""
        return self.ending_mrr - self.starting_mrr

    def amounts(self, kind: MovementKind) -> FloatArray:
        """The movements of one kind per period (positive amounts).

        Raises:
            InvalidInputError: On an unknown kind.
        """
        columns = {
            "new": self.new_mrr,
            "expansion": self.expansion_mrr,
            "reactivation": self.reactivation_mrr,
            "contraction": self.contraction_mrr,
            "churn": self.churned_mrr,
        }
        return columns[cast("MovementKind", one_of(kind, MovementKind, "kind"))]

    def quick_ratio(
        self, *, include_reactivation: bool = False, allow_inf: bool = False
    ) -> float | None:
        """SaaS quick ratio over the whole window: (new + expansion) / (churn + contraction).

        Args:
            include_reactivation: Add reactivation MRR to the gains (some Baremetrics
                views do; label it when you do).
            allow_inf: Return ``math.inf`` (not ``None``) when there were gains and no
                losses.

        Returns:
            The ratio; ``None`` without losses (unless ``allow_inf``) and without any
            movement at all.

        Examples:
            >>> m = mrr_movements(
            ...     {
            ...         "account_id": ["A", "B", "A"],
            ...         "effective_on": ["2025-01-05", "2025-01-09", "2025-01-20"],
            ...         "mrr": [300.0, 100.0, 200.0],
            ...     },
            ...     start=date(2025, 1, 1),
            ...     end=date(2025, 2, 1),
            ... )
            >>> m.quick_ratio()  # (300 + 100) new / 100 contraction
            4.0
        """
        gains = math.fsum(self.new_mrr) + math.fsum(self.expansion_mrr)
        if include_reactivation:
            gains += math.fsum(self.reactivation_mrr)
        losses = math.fsum(self.churned_mrr) + math.fsum(self.contraction_mrr)
        if losses:
            return gains / losses
        return math.inf if allow_inf and gains else None

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        """The rows per period: starts as days, then one count column per kind."""
        columns = super()._columns()
        columns["starts"] = np.array(self.starts, dtype="datetime64[D]")
        columns.update({f"{kind}_count": self.counts[kind] for kind in KINDS})
        return columns

    def format(self, *, decimals: int = 0) -> str:
        """A text waterfall: one line per period (the demo prints it).

        Examples:
            >>> m = mrr_movements(
            ...     {"account_id": ["A"], "effective_on": ["2025-01-05"], "mrr": [300.0]},
            ...     start=date(2025, 1, 1),
            ...     end=date(2025, 3, 1),
            ... )
            >>> print(m.format())
            period    start  new  expansion  reactivation  contraction  churn  end
            2025-01       0  300          0             0            0      0  300
            2025-02     300    0          0             0            0      0  300
        """
        header = ["period", "start", *KINDS, "end"]
        rows = [header]
        for i, label in enumerate(self.labels):
            values = [self.starting_mrr[i], *(self.amounts(k)[i] for k in KINDS)]
            values.append(self.ending_mrr[i])
            rows.append([label, *(f"{v:,.{decimals}f}" for v in values)])
        widths = [max(len(row[j]) for row in rows) for j in range(len(header))]
        lines = []
        for row in rows:
            cells = [row[0].ljust(widths[0])]
            cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
            lines.append("  ".join(cells))
        return "\n".join(lines)

    def __repr__(self) -> str:
        shown = f"{self.labels[0]}..{self.labels[-1]}" if self.labels else "none"
        return (
            f"MRRMovements(period={self.period!r}, periods={len(self.labels)} ({shown}), "
            f"starting_mrr={float(self.starting_mrr[0]) if self.labels else 0.0:.6g}, "
            f"ending_mrr={float(self.ending_mrr[-1]) if self.labels else 0.0:.6g})"
        )


@dataclass(frozen=True)
class _Moves:
    """The window's movements: one per change (or grouped run of changes)."""

    rows: IntArray  # position in the timeline of the movement's first change
    last: IntArray  # position of its last change
    before: FloatArray
    after: FloatArray
    slot: IntArray  # the period it falls in
    kind: IntArray  # index into KINDS; -1 for no movement (same level)


@overload
def mrr_movements(
    changes: object,
    *,
    start: AsOf,
    end: AsOf,
    period: Period = "month",
    group_within_days: int = 0,
    same_period_new_and_churn: NewAndChurn = "count",
    by: None = None,
) -> MRRMovements: ...
@overload
def mrr_movements(
    changes: object,
    *,
    start: AsOf,
    end: AsOf,
    period: Period = "month",
    group_within_days: int = 0,
    same_period_new_and_churn: NewAndChurn = "count",
    by: By,
) -> Grouped[MRRMovements]: ...
def mrr_movements(
    changes: object,
    *,
    start: AsOf,
    end: AsOf,
    period: Period = "month",
    group_within_days: int = 0,
    same_period_new_and_churn: NewAndChurn = "count",
    by: By | None = None,
) -> MRRMovements | Grouped[MRRMovements]:
    """Classify every MRR change in ``[start, end)`` and add them up per period.

    Each change compares the account's MRR before and after it (spec 3.1, ChartMogul):
    from 0 to above 0 is *new* for an account that never paid before and
    *reactivation* for one that did; up is *expansion*; down but above 0 is
    *contraction*; down to 0 is *churn*. A change to the same level is no movement.

    Args:
        changes: `RevenueChange` records, or columns ``account_id``, ``effective_on``,
            ``mrr``.
        start: The first day of the window.
        end: The first day after it.
        period: ``"week"`` (ISO, Monday first), ``"month"``, ``"quarter"`` or
            ``"year"``.
        group_within_days: Merge an account's changes less than or equal to this many
            days apart (within one period) into one movement, classified by the MRR
            before the first and after the last; two new subscriptions a day apart are
            one new business (ChartMogul's activity grouping). 0 keeps every change.
        same_period_new_and_churn: ``"count"`` (ChartMogul) keeps a customer who starts
            and churns in one period; ``"ignore"`` (ProfitWell) drops all its movements
            of that period. The waterfall holds either way (they add up to 0).
        by: Group the accounts: a column of ``changes`` (one value for all the changes of
            an account), or a mapping from account id to group. Accounts without a group
            are the group ``'(none)'``, never dropped.

    Returns:
        The `MRRMovements`. With ``by``, a `Grouped` of one per group (every group of
        the data), each the waterfall of that group's accounts alone: the groups' movements
        add up to the whole's.

    Raises:
        InvalidInputError: On bad records, two changes of one account on one day,
            ``start >= end``, an unknown option, a negative ``group_within_days``, or a
            ``by`` that is neither a column nor a mapping, names no column, or gives one
            account two groups.

    Examples:
        >>> changes = {
        ...     "account_id": ["A", "B", "A", "B", "C", "A"],
        ...     "effective_on": [
        ...         "2024-12-01",
        ...         "2024-12-10",
        ...         "2025-01-10",
        ...         "2025-01-15",
        ...         "2025-02-03",
        ...         "2025-02-20",
        ...     ],
        ...     "mrr": [100.0, 50.0, 150.0, 0.0, 80.0, 120.0],
        ... }
        >>> m = mrr_movements(changes, start=date(2025, 1, 1), end=date(2025, 3, 1))
        >>> print(m.format())
        period   start  new  expansion  reactivation  contraction  churn  end
        2025-01    150    0         50             0            0     50  150
        2025-02    150   80          0             0           30      0  200
        >>> m.counts["churn"].tolist(), m.quick_ratio()
        ([1, 0], 1.625)
        >>> m.classified["kind"].tolist()
        ['expansion', 'churn', 'new', 'contraction']

        Per group, here a mapping that leaves C out (it is in ``'(none)'``):

        >>> g = mrr_movements(
        ...     changes, start=date(2025, 1, 1), end=date(2025, 3, 1), by={"A": "x", "B": "y"}
        ... )
        >>> {label: m.ending_mrr.tolist() for label, m in g.items()}
        {'(none)': [0.0, 80.0], 'x': [150.0, 120.0], 'y': [0.0, 0.0]}
    """
    first, last = _window(start, end)
    period = check_period(period)
    if isinstance(group_within_days, bool) or not isinstance(group_within_days, int):
        msg = f"`group_within_days` must be a whole number of days >= 0, got {group_within_days!r}"
        raise InvalidInputError(msg)
    if group_within_days < 0:
        msg = f"`group_within_days` must be >= 0, got {group_within_days}"
        raise InvalidInputError(msg)
    one_of(same_period_new_and_churn, NewAndChurn, "same_period_new_and_churn")
    timeline, columns = _read(changes, by)
    edges = _edges(first, last, period)
    ignore = same_period_new_and_churn == "ignore"
    if by is None:
        return _moved(timeline, edges, period, group_within_days, ignore=ignore)
    groups = account_groups(timeline, columns, by)
    return Grouped(
        by=groups.by,
        groups={
            label: _moved(timeline.subset(rows), edges, period, group_within_days, ignore=ignore)
            for label, rows in groups.members()
        },
        ungrouped=groups.ungrouped,
    )


def _moved(
    timeline: Timeline, edges: IntArray, period: Period, group_within_days: int, *, ignore: bool
) -> MRRMovements:
    """The waterfall of ``timeline`` over the periods cut at ``edges``."""
    moves = _movements(timeline, edges, group_within_days)
    if ignore:
        moves = _drop_new_and_churn(moves, timeline)
    return _waterfall(timeline, moves, edges, period)


def _edges(first: int, last: int, period: Period) -> IntArray:
    """The window cut at period starts: ``[first, p1, p2, ..., last]``."""
    numbers = np.arange(
        days_to_periods(np.array([first]), period)[0] + 1,
        days_to_periods(np.array([last - 1]), period)[0] + 1,
    )
    return np.concatenate([[first], period_starts(numbers, period), [last]]).astype(np.int64)


def _movements(timeline: Timeline, edges: IntArray, group_within_days: int) -> _Moves:
    inside = np.flatnonzero((timeline.day >= edges[0]) & (timeline.day < edges[-1]))
    slot = np.searchsorted(edges, timeline.day[inside], side="right") - 1
    starts = np.ones(len(inside), dtype=bool)
    if group_within_days and len(inside):
        codes, day = timeline.codes[inside], timeline.day[inside]
        same_run = (codes[1:] == codes[:-1]) & (slot[1:] == slot[:-1])
        starts[1:] = ~(same_run & (day[1:] - day[:-1] <= group_within_days))
    heads = np.flatnonzero(starts)
    tails = np.append(heads[1:], len(inside))[: len(heads)] - 1
    rows, last = inside[heads], inside[tails]
    before, after = timeline.before[rows], timeline.mrr[last]
    kind = np.full(len(rows), -1, dtype=np.int64)
    up_from_zero = (before == 0) & (after > 0)
    kind[up_from_zero & ~timeline.paid_before[rows]] = 0
    kind[(before > 0) & (after > before)] = 1
    kind[up_from_zero & timeline.paid_before[rows]] = 2
    kind[(after > 0) & (after < before)] = 3
    kind[(before > 0) & (after == 0)] = 4
    return _Moves(rows, last, before, after, slot[heads], kind)


def _drop_new_and_churn(moves: _Moves, timeline: Timeline) -> _Moves:
    """Drop every movement of an account and period that starts new and ends at 0."""
    codes = timeline.codes[moves.rows]
    key = codes * (int(moves.slot.max(initial=0)) + 1) + moves.slot
    # movements are sorted by account and day, so each (account, period) is one run
    head = np.ones(len(key), dtype=bool)
    head[1:] = key[1:] != key[:-1]
    run = np.cumsum(head) - 1
    heads = np.flatnonzero(head)
    tails = np.append(heads[1:], len(key))[: len(heads)] - 1
    has_new = np.zeros(len(heads), dtype=bool)
    has_new[run[moves.kind == 0]] = True
    dropped = has_new & (moves.after[tails] == 0)
    keep = ~dropped[run]
    return _Moves(
        moves.rows[keep],
        moves.last[keep],
        moves.before[keep],
        moves.after[keep],
        moves.slot[keep],
        moves.kind[keep],
    )


def _waterfall(timeline: Timeline, moves: _Moves, edges: IntArray, period: Period) -> MRRMovements:
    n = len(edges) - 1
    moving = moves.kind >= 0
    # one bincount per measure: the cell of (kind, period) is ``kind * n + period``
    cell = moves.kind[moving] * n + moves.slot[moving]
    amount = np.abs(moves.after[moving] - moves.before[moving])
    size = len(KINDS) * n
    sums = np.bincount(cell, weights=amount, minlength=size).astype(float).reshape(len(KINDS), n)
    tallies = np.bincount(cell, minlength=size).astype(np.int64).reshape(len(KINDS), n)
    counts: dict[MovementKind, IntArray] = {kind: tallies[i].copy() for i, kind in enumerate(KINDS)}
    new, expansion, reactivation, contraction, churned = (row.copy() for row in sums)
    starting = np.empty(n)
    ending = np.empty(n)
    levels = timeline.levels_at(int(edges[0]) - 1)
    level = math.fsum(levels[levels > 0].tolist())
    for p in range(n):  # a handful of periods: the ledger, in the documented order
        starting[p] = level
        level = level + new[p] + expansion[p] + reactivation[p] - contraction[p] - churned[p]
        ending[p] = level
    numbers = days_to_periods(edges[:-1], period)
    return MRRMovements(
        period=period,
        labels=period_labels(numbers, period),
        starts=tuple(day_to_date(int(day)) for day in edges[:-1]),
        end=day_to_date(int(edges[-1])),
        starting_mrr=starting,
        new_mrr=new,
        expansion_mrr=expansion,
        reactivation_mrr=reactivation,
        contraction_mrr=contraction,
        churned_mrr=churned,
        ending_mrr=ending,
        counts=counts,
        _timeline=timeline,
        _moves=moves,
    )


def _classified(timeline: Timeline, moves: _Moves, numbers: IntArray, period: Period) -> Table:
    # in date order, then input order
    order = np.lexsort((timeline.rows[moves.rows], timeline.day[moves.rows]))
    order = order[moves.kind[order] >= 0]
    rows = moves.rows[order]
    labels = np.array(period_labels(numbers, period), dtype=object)
    kinds: ObjectArray = np.array(KINDS, dtype=object)[moves.kind[order]]
    return Table(
        {
            "account_id": timeline.account_ids[timeline.codes[rows]],
            "effective_on": timeline.day[rows].astype("datetime64[D]"),
            "period": labels[moves.slot[order]],
            "kind": kinds,
            "mrr_before": moves.before[order],
            "mrr_after": moves.after[order],
            "amount": np.abs(moves.after[order] - moves.before[order]),
        }
    )
