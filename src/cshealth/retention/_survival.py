"""Kaplan–Meier survival curves of customer lifetimes, mergeable.

A churned customer's lifetime is an *event*; a customer still active at ``as_of`` is
*right-censored*: we only know it lasted at least that long. `kaplan_meier` estimates the
survival curve ``S(t)`` (the share of customers still with us ``t`` after their start) with
the product-limit estimator, and `compare_survival` tests whether groups (covered by
customer success or not, one segment or another) share one curve.

`survival` reads the lifetimes from account start and end dates. The
curve is in `_survival_curve`, its mergeable counts in `_survival_counts`, and the
estimator of durations in `_kaplan_meier`. `survival_partial` counts one partition of the
accounts (a `SurvivalPartial`), and `survival` is the finalised partial of all of them.
"""

from __future__ import annotations

from typing import overload

import numpy as np

from cshealth._grouped import Grouped
from cshealth._grouping import By
from cshealth._partial import PartialKey
from cshealth._types import AsOf, BoolArray, FloatArray
from cshealth.io import Table
from cshealth.retention._accounts import read_account_groups, read_churn_accounts
from cshealth.retention._kaplan_meier import SurvivalUnit, _count, _unit
from cshealth.retention._partial_rows import by_option, day_option, part_names
from cshealth.retention._periods import as_day
from cshealth.retention._survival_curve import SurvivalCurve
from cshealth.retention._survival_partial import SurvivalPartial, survival_rows

__all__ = ["survival", "survival_partial"]


@overload
def survival(
    accounts: object,
    *,
    as_of: AsOf,
    time_unit: SurvivalUnit = "day",
    by: None = None,
) -> SurvivalCurve: ...
@overload
def survival(
    accounts: object,
    *,
    as_of: AsOf,
    time_unit: SurvivalUnit = "day",
    by: By,
) -> Grouped[SurvivalCurve]: ...
def survival(
    accounts: object,
    *,
    as_of: AsOf,
    time_unit: SurvivalUnit = "day",
    by: By | None = None,
) -> SurvivalCurve | Grouped[SurvivalCurve]:
    """Customer lifetime survival from account start and end dates, as of a date.

    An account that ended on or before the ``as_of`` day (``end_date <= as_of``: it was a
    customer until ``end_date - 1``, a day already past) is an event with duration
    ``end_date - start_date``. Any other account is censored at ``as_of - start_date``
    (an ``end_date`` after ``as_of`` is not known yet as of then). Accounts starting on
    or after the ``as_of`` day are not customers yet and are left out.

    With ``by``, each group's curve is the one `survival` gives on that group's accounts
    alone, so the groups' counts merge into the overall curve (`SurvivalCounts.merge`)
    and the curves go straight to `compare_survival`. A group whose accounts all start
    after ``as_of`` is not listed.

    Args:
        accounts: `Account` records, a `Table`, a mapping of columns or a data frame with
            ``start_date`` and ``end_date`` (an empty cell while active).
        as_of: The date the data is seen from (a ``date``, or an instant taken at its
            UTC day: an aware ``datetime``, ``datetime64`` or ISO text).
        time_unit: ``{'day', 'week', 'month'}``: the durations in days, in weeks
            (days / 7) or in average months (days / (365.2425 / 12)).
        by: Group the accounts (rows): a column of ``accounts`` (any column, such as
            ``'segment'``, or any field of records), or a mapping from account id to group
            (the ids of the ``id`` column). Accounts without a group are the group
            ``'(none)'``, never dropped.

    Returns:
        The `SurvivalCurve`; with ``by``, a `Grouped` of one curve per group label (in
        sorted order) beside the overall curve.

    Raises:
        InvalidInputError: On a naive ``as_of``, an unknown ``time_unit``, missing
            columns (no ``end_date`` column: churn not measured, never read as 100%
            survival), bad dates (every bad row named), an ``end_date`` before its
            ``start_date``; and on a ``by`` that is neither a column name nor a mapping,
            a column the data lacks, or a mapping for accounts without an ``id`` column.

    Examples:
        >>> from datetime import date
        >>> accounts = {
        ...     "start_date": [date(2025, 1, 1), date(2025, 1, 1), date(2025, 2, 1)],
        ...     "end_date": [date(2025, 1, 31), None, date(2025, 6, 1)],
        ... }
        >>> curve = survival(accounts, as_of=date(2025, 3, 1))
        >>> curve.counts.to_dict()  # churned at 30 days; censored at 28 and 59 days
        {'times': [28.0, 30.0, 59.0], 'events': [0, 1, 0], 'censored': [1, 0, 1], 'n': 3}

        By group:

        >>> accounts = {
        ...     "id": ["a", "b", "c", "d"],
        ...     "start_date": ["2025-01-01", "2025-01-01", "2025-02-01", "2025-02-01"],
        ...     "end_date": ["2025-01-31", None, "2025-06-01", None],
        ...     "seats": [5, 50, 5, None],
        ... }
        >>> groups = survival(accounts, as_of=date(2025, 3, 1), by="seats")
        >>> groups
        Grouped(by='seats', 3 groups of SurvivalCurve: '(none)', '5', '50'; ungrouped=1)
        >>> groups["5"].counts.to_dict()  # a churned at 30 days, c censored at 28
        {'times': [28.0, 30.0], 'events': [0, 1], 'censored': [1, 0], 'n': 2}
        >>> survival(accounts, as_of=date(2025, 3, 1), by={"a": "cs", "b": "cs"}).ungrouped
        2
    """
    return survival_partial(accounts, as_of=as_of, time_unit=time_unit, by=by).finalize()


def survival_partial(
    accounts: object,
    *,
    as_of: AsOf,
    time_unit: SurvivalUnit = "day",
    by: By | None = None,
    part: str | None = None,
) -> SurvivalPartial:
    """The partial form of `survival` on one partition of the accounts.

    Reads the accounts as `survival` does (same checks, same errors) and counts the
    events and censorings per group and duration. Partials of disjoint partitions merge
    (`SurvivalPartial.merge`, ``+``) and `SurvivalPartial.finalize` gives what `survival`
    gives on all their accounts: ``survival(...)`` is
    ``survival_partial(...).finalize()``.

    Args:
        accounts: One partition of the accounts, in any form `survival` takes.
        as_of: As in `survival`; it is in the partial's key.
        time_unit: As in `survival`; in the key.
        by: As in `survival`; its column name (``'account'`` for a mapping) is in the
            key.
        part: A name for the partition (``'part-0007'``), so that merging it twice is
            refused; ``None`` leaves it unnamed.

    Returns:
        A `SurvivalPartial` (requires nothing of the partitioning; an account given in
        two partitions is counted twice).

    Raises:
        InvalidInputError: As `survival`; and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> p = survival_partial(
        ...     {"start_date": ["2025-01-01"], "end_date": ["2025-01-31"]},
        ...     as_of=date(2025, 3, 1),
        ...     part="p0",
        ... )
        >>> p.columns["time"].tolist(), p.columns["events"].tolist(), p.parts
        ([30.0], [1], ('p0',))
    """
    scale = _unit(time_unit)
    day = as_day(as_of, "as_of")
    parts = part_names(part)
    key = PartialKey.of(
        SurvivalPartial.KIND, time_unit=time_unit, as_of=day_option(day), by=by_option(by)
    )
    if by is None:
        table = read_churn_accounts(accounts, ["start_date"], function="survival")
        durations, churned, _ = _lifetimes(table, day, scale)
        return survival_rows(key, [("", _count(durations, churned), None)], parts)
    table, groups = read_account_groups(accounts, ["start_date"], by, function="survival")
    durations, churned, seen = _lifetimes(table, day, scale)
    taken = groups.take(np.flatnonzero(seen))
    pieces = []
    for label, rows in taken.members():
        missing = rows[taken.missing[rows]]
        counts = _count(durations[rows], churned[rows])
        alone = _count(durations[missing], churned[missing]) if len(missing) else None
        pieces.append((label, counts, alone))
    return survival_rows(key, pieces, parts)


def _lifetimes(table: Table, day: int, scale: float) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Durations (in units of ``scale`` days) and churn flags of the accounts seen by ``day``.

    Returns:
        ``(durations, churned, seen)``: the first two for the accounts that started
        before ``day``, in row order, and which rows those are.
    """
    start = table["start_date"].astype(np.int64)
    seen = start < day
    start = start[seen]
    ends = table["end_date"][seen]
    churned = ~np.isnat(ends) & (ends.astype(np.int64) <= day)
    stop = np.where(churned, ends.astype(np.int64), day)
    return (stop - start) / scale, churned, seen
