"""`mrr_movements`: every MRR change of a window classified, and added up per period.

`mrr_movements` classifies every change inside the half-open window ``[start, end)`` (spec
3.1, the ChartMogul taxonomy) and adds them up per calendar period into an `MRRMovements`
waterfall. The kernels work on the sorted columns of a `Timeline`: `_edges` cuts the
window at period starts, `_movements` classifies the changes (grouping an account's close
ones), `_drop_new_and_churn` applies ProfitWell's rule, and `_waterfall` adds them up with
one ``bincount`` per measure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._grouped import Grouped
from cshealth._grouping import By
from cshealth._types import AsOf, FloatArray, IntArray, Period
from cshealth.retention._periods import (
    _window,
    check_period,
    day_to_date,
    days_to_periods,
    period_labels,
    period_starts,
)
from cshealth.retention._timeline import Timeline, _read, account_groups
from cshealth.retention._waterfall import KINDS, MovementKind, MRRMovements, _Moves

__all__ = ["mrr_movements"]

#: What `mrr_movements` does with an account that starts and churns in one period.
NewAndChurn = Literal["count", "ignore"]


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
        >>> from datetime import date
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
    edges, period, ignore = _options(
        start, end, period, group_within_days, same_period_new_and_churn
    )
    timeline, columns = _read(changes, by)
    overall = _moved(timeline, edges, period, group_within_days, ignore=ignore)
    if by is None:
        return overall
    return account_groups(timeline, columns, by).apply(
        overall,
        lambda rows: _moved(timeline.subset(rows), edges, period, group_within_days, ignore=ignore),
    )


def _options(
    start: object, end: object, period: object, group_within_days: object, new_and_churn: object
) -> tuple[IntArray, Period, bool]:
    """The options of `mrr_movements`, checked: the window's edges, the period, ``ignore``."""
    first, last = _window(start, end)
    period = check_period(period)
    if isinstance(group_within_days, bool) or not isinstance(group_within_days, int):
        msg = f"`group_within_days` must be a whole number of days >= 0, got {group_within_days!r}"
        raise InvalidInputError(msg)
    if group_within_days < 0:
        msg = f"`group_within_days` must be >= 0, got {group_within_days}"
        raise InvalidInputError(msg)
    one_of(new_and_churn, NewAndChurn, "same_period_new_and_churn")
    return _edges(first, last, period), period, new_and_churn == "ignore"


def _moved(
    timeline: Timeline, edges: IntArray, period: Period, group_within_days: int, *, ignore: bool
) -> MRRMovements:
    """The waterfall of ``timeline`` over the periods cut at ``edges``."""
    moves = _window_moves(timeline, edges, group_within_days, ignore=ignore)
    return _waterfall(timeline, moves, edges, period)


def _waterfall(timeline: Timeline, moves: _Moves, edges: IntArray, period: Period) -> MRRMovements:
    """The waterfall of classified movements: their sums, run through the ledger."""
    return _ledger(_sums(timeline, moves, edges), edges, period, timeline, moves)


def _window_moves(
    timeline: Timeline, edges: IntArray, group_within_days: int, *, ignore: bool
) -> _Moves:
    """The movements of ``timeline`` in the window cut at ``edges``, classified."""
    moves = _movements(timeline, edges, group_within_days)
    return _drop_new_and_churn(moves, timeline) if ignore else moves


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


@dataclass(frozen=True)
class _Sums:
    """A waterfall's sums: per kind (rows, `KINDS` order) and period, and the opening MRR."""

    amounts: FloatArray
    tallies: IntArray
    opening: float


def _sums(timeline: Timeline, moves: _Moves, edges: IntArray) -> _Sums:
    """The movements added up per kind and period, and the MRR in force before the window."""
    n = len(edges) - 1
    moving = moves.kind >= 0
    # one bincount per measure: the cell of (kind, period) is ``kind * n + period``
    cell = moves.kind[moving] * n + moves.slot[moving]
    amount = np.abs(moves.after[moving] - moves.before[moving])
    size = len(KINDS) * n
    sums = np.bincount(cell, weights=amount, minlength=size).astype(float).reshape(len(KINDS), n)
    tallies = np.bincount(cell, minlength=size).astype(np.int64).reshape(len(KINDS), n)
    levels = timeline.levels_at(int(edges[0]) - 1)
    return _Sums(sums, tallies, math.fsum(levels[levels > 0].tolist()))


def _ledger(
    sums: _Sums,
    edges: IntArray,
    period: Period,
    timeline: Timeline | None = None,
    moves: _Moves | None = None,
) -> MRRMovements:
    """The waterfall of its sums: the one finaliser of `mrr_movements` and its partial.

    ``timeline`` and ``moves`` are kept for `MRRMovements.classified`; a waterfall
    finalised from partials has neither.
    """
    n = len(edges) - 1
    counts: dict[MovementKind, IntArray] = {
        kind: sums.tallies[i].copy() for i, kind in enumerate(KINDS)
    }
    new, expansion, reactivation, contraction, churned = (row.copy() for row in sums.amounts)
    starting = np.empty(n)
    ending = np.empty(n)
    level = sums.opening
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
