"""`MRRMovementsPartial`: the sums of `mrr_movements` per period, mergeable.

A waterfall is the MRR in force before the window, then per period the movements of each
kind added up; each period's start and end follow from those by the ledger. So the
partial holds, per period, the five movement sums and their counts, and the opening MRR;
movements and opening MRR of disjoint sets of accounts add up, and `finalize` runs the
ledger `mrr_movements` itself ends with (`_ledger`) on the merged sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from cshealth._grouped import Grouped
from cshealth._grouping import By
from cshealth._partial import Partial, PartialKey, Requires
from cshealth._types import AsOf, IntArray, Period
from cshealth.retention._mrr_movements import (
    NewAndChurn,
    _edges,
    _ledger,
    _options,
    _Sums,
    _sums,
    _window_moves,
)
from cshealth.retention._partial_rows import (
    by_option,
    day_option,
    ints,
    label_runs,
    part_names,
    read_day,
    trusted,
)
from cshealth.retention._periods import check_period
from cshealth.retention._timeline import Timeline, _read, account_groups
from cshealth.retention._waterfall import KINDS, MRRMovements

__all__ = ["MRRMovementsPartial", "mrr_movements_partial"]

#: The sum of each kind of movement (`KINDS` order), as `MRRMovements` names it.
_AMOUNTS = ("new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr")
#: The count of each kind of movement (`KINDS` order).
_TALLIES = tuple(f"{kind}_count" for kind in KINDS)


@dataclass(frozen=True, eq=False, repr=False)
class MRRMovementsPartial(Partial):
    """The partial form of `mrr_movements`: per period the movements' sums and counts.

    Rows per period (``period_start``: the period's first day in the window, as days
    since 1970-01-01) of all the accounts (``overall`` 1, group ``''``) and, with
    ``by``, of each group (``overall`` 0): the movements of each kind added up
    (``new_mrr``, ``expansion_mrr``, ``reactivation_mrr``, ``contraction_mrr``,
    ``churned_mrr``, positive amounts) and counted (``new_count`` ... ``churn_count``).
    The first period's row also holds ``opening_mrr`` (the MRR in force the day before
    the window), ``accounts`` (accounts with a change) and ``ungrouped`` (how many of a
    group's had no group). `finalize` runs the ledger: each period starts where the one
    before ended. MRR sums are floats: merged in another order they can differ in the
    last bits (about ``1e-15`` relative), the stated tolerance of every sum of a partial.

    The key holds ``start`` and ``end`` (the days, ISO text), ``period``,
    ``group_within_days``, ``same_period_new_and_churn`` and ``by`` (the column,
    ``'account'`` for a mapping, ``''`` without groups).

    Requires ``'account_id'``: a change is classified by the level before it, and
    grouped with the account's other changes, which a partition only knows for the
    accounts it holds all the changes of. Split an account's changes over two
    partitions and a contraction can read as new business, or a churn as nothing.

    A waterfall finalised from partials has the sums and counts of `mrr_movements`, but
    not the movements behind them: its `MRRMovements.classified` refuses.

    Examples:
        >>> from datetime import date
        >>> from cshealth.retention import mrr_movements
        >>> changes = {
        ...     "account_id": ["A", "A", "B"],
        ...     "effective_on": ["2024-12-01", "2025-01-10", "2025-02-03"],
        ...     "mrr": [100.0, 150.0, 80.0],
        ... }
        >>> window = dict(start=date(2025, 1, 1), end=date(2025, 3, 1))
        >>> a = mrr_movements_partial({k: v[:2] for k, v in changes.items()}, **window)
        >>> b = mrr_movements_partial({k: v[2:] for k, v in changes.items()}, **window)
        >>> (a + b).finalize().ending_mrr.tolist()
        [150.0, 230.0]
        >>> (a + b).finalize() == mrr_movements(changes, **window)
        True
    """

    KIND: ClassVar[str] = "mrr_movements"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("group", "object"),
        ("overall", "int64"),
        ("period_start", "int64"),
    )
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("accounts", "ungrouped", *_TALLIES)
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = ("opening_mrr", *_AMOUNTS)
    REQUIRES: ClassVar[Requires] = "account_id"

    def finalize(self) -> MRRMovements | Grouped[MRRMovements]:
        """The `MRRMovements` of every account merged in; with ``by``, a `Grouped`.

        Examples:
            >>> from datetime import date
            >>> one = {"account_id": ["A"], "effective_on": ["2025-01-05"], "mrr": [300.0]}
            >>> p = mrr_movements_partial(one, start=date(2025, 1, 1), end=date(2025, 3, 1))
            >>> p.finalize().new_mrr.tolist()
            [300.0, 0.0]
        """
        period = check_period(self.key.option("period"))
        edges = _edges(read_day(self.key.option("start")), read_day(self.key.option("end")), period)
        columns = self.columns
        whole = ints(columns, "overall") == 1
        overall = _waterfall(self, np.flatnonzero(whole), edges, period)
        by = self.key.option("by")
        if not by:
            return overall
        rows = np.flatnonzero(~whole)
        groups = {
            label: _waterfall(self, rows[at], edges, period)
            for label, at in label_runs(columns["group"][rows])
        }
        ungrouped = int(columns["ungrouped"].sum())
        return Grouped(by=by, overall=overall, groups=groups, ungrouped=ungrouped)


def _waterfall(
    partial: MRRMovementsPartial, rows: NDArray[np.intp], edges: IntArray, period: Period
) -> MRRMovements:
    """The waterfall of some rows of a partial (one scope: all accounts, or one group)."""
    n = len(edges) - 1
    columns = {name: column[rows] for name, column in partial.columns.items()}
    starts = ints(columns, "period_start")
    slot = np.searchsorted(edges[:-1], starts)
    known = slot < n
    known[known] = edges[slot[known]] == starts[known]  # a day that starts no period: none
    amounts = np.zeros((len(KINDS), n))
    tallies = np.zeros((len(KINDS), n), dtype=np.int64)
    for i, (amount, tally) in enumerate(zip(_AMOUNTS, _TALLIES)):
        np.add.at(amounts[i], slot[known], columns[amount][known])
        np.add.at(tallies[i], slot[known], columns[tally][known])
    opening = float(columns["opening_mrr"][known].sum())
    return _ledger(_Sums(amounts, tallies, opening), edges, period)


def mrr_movements_partial(
    changes: object,
    *,
    start: AsOf,
    end: AsOf,
    period: Period = "month",
    group_within_days: int = 0,
    same_period_new_and_churn: NewAndChurn = "count",
    by: By | None = None,
    part: str | None = None,
) -> MRRMovementsPartial:
    """The partial form of `mrr_movements` on one partition of the revenue changes.

    Reads and classifies the changes as `mrr_movements` does (same checks, same errors)
    and adds them up per period. Partials of partitions that each hold all the changes
    of their accounts merge (`MRRMovementsPartial.merge`, ``+``), and
    `MRRMovementsPartial.finalize` gives what `mrr_movements` gives on all the changes
    (without the movements behind the sums: see `MRRMovementsPartial`).

    Args:
        changes: One partition of the changes, in any form `mrr_movements` takes.
        start: As in `mrr_movements`; the day is in the partial's key.
        end: As in `mrr_movements`; the day is in the key.
        period: As in `mrr_movements`; in the key.
        group_within_days: As in `mrr_movements`; in the key.
        same_period_new_and_churn: As in `mrr_movements`; in the key.
        by: As in `mrr_movements`; its column name (``'account'`` for a mapping) is in
            the key.
        part: A name for the partition, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        An `MRRMovementsPartial`; it requires every account's changes in one partition
        (``'account_id'``).

    Raises:
        InvalidInputError: As `mrr_movements`; and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> one = {"account_id": ["A", "A"], "effective_on": ["2024-12-01", "2025-02-10"]}
        >>> one["mrr"] = [100.0, 0.0]
        >>> p = mrr_movements_partial(one, start=date(2025, 1, 1), end=date(2025, 3, 1))
        >>> p.columns["opening_mrr"].tolist(), p.columns["churned_mrr"].tolist()
        ([100.0, 0.0], [0.0, 100.0])
    """
    edges, period, ignore = _options(
        start, end, period, group_within_days, same_period_new_and_churn
    )
    parts = part_names(part)
    key = PartialKey.of(
        MRRMovementsPartial.KIND,
        start=day_option(int(edges[0])),
        end=day_option(int(edges[-1])),
        period=period,
        group_within_days=group_within_days,
        same_period_new_and_churn=same_period_new_and_churn,
        by=by_option(by),
    )
    timeline, columns = _read(changes, by)
    scopes: list[tuple[str, int, Timeline, int]] = []
    if timeline.n_accounts:
        scopes.append(("", 1, timeline, 0))
    if by is not None:
        groups = account_groups(timeline, columns, by)
        for label, units in groups.members():
            scopes.append((label, 0, timeline.subset(units), int(groups.missing[units].sum())))
    scopes.sort(key=lambda scope: (scope[0], scope[1]))  # canonical: by group, then overall
    pieces = [_scope_rows(scope, edges, group_within_days, ignore=ignore) for scope in scopes]
    empty = MRRMovementsPartial.empty(key).columns
    table = {
        name: np.concatenate([column, *(piece[name] for piece in pieces)])
        for name, column in empty.items()
    }
    return trusted(MRRMovementsPartial, key, table, parts)


def _scope_rows(
    scope: tuple[str, int, Timeline, int],
    edges: IntArray,
    group_within_days: int,
    *,
    ignore: bool,
) -> dict[str, NDArray[np.generic]]:
    """One scope's rows: one per period of the window."""
    label, whole, timeline, missing = scope
    n = len(edges) - 1
    sums = _sums(timeline, _window_moves(timeline, edges, group_within_days, ignore=ignore), edges)
    first = np.zeros(n, dtype=np.int64)
    first[0] = 1
    rows: dict[str, NDArray[np.generic]] = {
        "group": np.full(n, label, dtype=object),
        "overall": np.full(n, whole, dtype=np.int64),
        "period_start": edges[:-1].astype(np.int64),
        "accounts": first * timeline.n_accounts,
        "ungrouped": first * missing,
        "opening_mrr": first * sums.opening,
    }
    for i, (amount, tally) in enumerate(zip(_AMOUNTS, _TALLIES)):
        rows[amount] = sums.amounts[i]
        rows[tally] = sums.tallies[i]
    return rows
