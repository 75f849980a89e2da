"""`RevenueRetentionPartial`: the counts and MRR sums of `revenue_retention`, mergeable.

Every figure of a `RevenueRetention` is a count of base customers or a sum of their MRR,
so the figures of disjoint sets of accounts add up. The partial holds them per group and
for all the accounts (an MRR sum over all the accounts is not the sum of the groups'
sums to the last bit, so the whole has a row of its own), and its `finalize` is the
finaliser `revenue_retention` itself ends with (`_retention_result`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from cshealth._grouped import Grouped
from cshealth._grouping import By
from cshealth._partial import Partial, PartialKey, Requires
from cshealth._types import AsOf
from cshealth.retention._economics import _non_negative
from cshealth.retention._partial_rows import (
    by_option,
    day_option,
    ints,
    label_runs,
    part_names,
    read_day,
    trusted,
)
from cshealth.retention._periods import _window
from cshealth.retention._revenue_retention import (
    RETENTION_COUNTS,
    RETENTION_SUMS,
    RevenueRetention,
    _retention_result,
    _retention_sums,
)
from cshealth.retention._timeline import _read, account_groups

__all__ = ["RevenueRetentionPartial", "revenue_retention_partial"]


@dataclass(frozen=True, eq=False, repr=False)
class RevenueRetentionPartial(Partial):
    """The partial form of `revenue_retention`: base counts and MRR sums, per group.

    One row per group and one for all the accounts (``overall`` 1, group ``''``; with
    ``by``, each group's row has ``overall`` 0): ``accounts`` (accounts with a change),
    ``ungrouped`` (how many of a group's had no group: they are in ``'(none)'``), the
    counts ``starting_customers`` and ``churned_customers``, and the MRR sums
    ``starting_mrr``, ``ending_mrr``, ``churned_mrr``, ``contraction_mrr`` and
    ``expansion_mrr``. A partition's sums are exact (``math.fsum``); merged in another
    order they can differ in the last bits (about ``1e-15`` relative), the stated
    tolerance of every sum of a partial.

    The key holds ``base_on`` and ``compare_on`` (the days, ISO text),
    ``min_base_mrr`` and ``by`` (the column, ``'account'`` for a mapping, ``''``
    without groups).

    Requires ``'account_id'``: an account's MRR on a day is its last change before it,
    which a partition only knows for the accounts it holds all the changes of (and a
    ``by`` column must give all of them one group). Split an account's changes over
    two partitions and it can be in the base twice, or churn in one and not the other.

    Examples:
        >>> from datetime import date
        >>> from cshealth.retention import revenue_retention
        >>> changes = {
        ...     "account_id": ["A", "B", "B"],
        ...     "effective_on": ["2025-01-01", "2025-01-01", "2025-06-01"],
        ...     "mrr": [100.0, 200.0, 260.0],
        ... }
        >>> year = dict(base_on=date(2025, 1, 1), compare_on=date(2026, 1, 1))
        >>> a = revenue_retention_partial({k: v[:1] for k, v in changes.items()}, **year)
        >>> b = revenue_retention_partial({k: v[1:] for k, v in changes.items()}, **year)
        >>> (a + b).columns["expansion_mrr"].tolist()
        [60.0]
        >>> (a + b).finalize() == revenue_retention(changes, **year)
        True
    """

    KIND: ClassVar[str] = "revenue_retention"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("group", "object"),
        ("overall", "int64"),
    )
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("accounts", "ungrouped", *RETENTION_COUNTS)
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = RETENTION_SUMS
    REQUIRES: ClassVar[Requires] = "account_id"

    def finalize(self) -> RevenueRetention | Grouped[RevenueRetention]:
        """The `RevenueRetention` of every account merged in; with ``by``, a `Grouped`.

        Examples:
            >>> from datetime import date
            >>> one = {"account_id": ["A"], "effective_on": ["2025-01-01"], "mrr": [100.0]}
            >>> p = revenue_retention_partial(
            ...     one, base_on=date(2025, 1, 1), compare_on=date(2025, 2, 1)
            ... )
            >>> p.finalize().nrr
            1.0
        """
        first = read_day(self.key.option("base_on"))
        last = read_day(self.key.option("compare_on"))
        columns = self.columns
        whole = ints(columns, "overall") == 1

        def result(rows: NDArray[np.intp]) -> RevenueRetention:
            sums = {name: float(columns[name][rows].sum()) for name in RETENTION_SUMS}
            sums.update({name: int(columns[name][rows].sum()) for name in RETENTION_COUNTS})
            return _retention_result(sums, first, last)

        overall = result(np.flatnonzero(whole))
        by = self.key.option("by")
        if not by:
            return overall
        rows = np.flatnonzero(~whole)
        groups = {label: result(rows[at]) for label, at in label_runs(columns["group"][rows])}
        ungrouped = int(columns["ungrouped"].sum())
        return Grouped(by=by, overall=overall, groups=groups, ungrouped=ungrouped)


def revenue_retention_partial(
    changes: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: By | None = None,
    part: str | None = None,
) -> RevenueRetentionPartial:
    """The partial form of `revenue_retention` on one partition of the revenue changes.

    Reads the changes as `revenue_retention` does (same checks, same errors) and sums
    the base's counts and MRR. Partials of partitions that each hold all the changes of
    their accounts merge (`RevenueRetentionPartial.merge`, ``+``), and
    `RevenueRetentionPartial.finalize` gives what `revenue_retention` gives on all the
    changes.

    Args:
        changes: One partition of the changes, in any form `revenue_retention` takes.
        base_on: As in `revenue_retention`; the day is in the partial's key.
        compare_on: As in `revenue_retention`; the day is in the key.
        min_base_mrr: As in `revenue_retention`; in the key.
        by: As in `revenue_retention`; its column name (``'account'`` for a mapping) is
            in the key.
        part: A name for the partition, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        A `RevenueRetentionPartial`; it requires every account's changes in one
        partition (``'account_id'``).

    Raises:
        InvalidInputError: As `revenue_retention`; and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> one = {"account_id": ["A", "A"], "effective_on": ["2025-01-01", "2025-03-01"]}
        >>> one["mrr"] = [100.0, 0.0]
        >>> p = revenue_retention_partial(
        ...     one, base_on=date(2025, 1, 1), compare_on=date(2025, 4, 1)
        ... )
        >>> p.columns["churned_customers"].tolist(), p.columns["churned_mrr"].tolist()
        ([1], [100.0])
    """
    first, last = _window(base_on, compare_on, ("base_on", "compare_on"))
    floor = _non_negative(min_base_mrr, "min_base_mrr")
    parts = part_names(part)
    key = PartialKey.of(
        RevenueRetentionPartial.KIND,
        base_on=day_option(first),
        compare_on=day_option(last),
        min_base_mrr=repr(floor),
        by=by_option(by),
    )
    timeline, columns = _read(changes, by)
    m0, m1 = timeline.levels_at(first), timeline.levels_at(last)
    rows: list[tuple[str, int, int, int, dict[str, float]]] = []
    if timeline.n_accounts:
        rows.append(("", 1, timeline.n_accounts, 0, _retention_sums(m0, m1, min_base_mrr)))
    if by is not None:
        groups = account_groups(timeline, columns, by)
        for label, units in groups.members():
            missing = int(groups.missing[units].sum())
            sums = _retention_sums(m0[units], m1[units], min_base_mrr)
            rows.append((label, 0, len(units), missing, sums))
    rows.sort(key=lambda row: (row[0], row[1]))  # the canonical order: by group, then overall
    table: dict[str, NDArray[np.generic]] = {
        "group": np.array([row[0] for row in rows], dtype=object),
        "overall": np.array([row[1] for row in rows], dtype=np.int64),
        "accounts": np.array([row[2] for row in rows], dtype=np.int64),
        "ungrouped": np.array([row[3] for row in rows], dtype=np.int64),
    }
    for name in RETENTION_COUNTS:
        table[name] = np.array([row[4][name] for row in rows], dtype=np.int64)
    for name in RETENTION_SUMS:
        table[name] = np.array([row[4][name] for row in rows], dtype=np.float64)
    return trusted(RevenueRetentionPartial, key, table, parts)
