"""`SurvivalPartial`: events and censorings per group and time, merged across partitions.

The partial form of `survival` and `kaplan_meier`. Its rows are `SurvivalCounts` (the
sufficient statistics of a Kaplan–Meier curve) with a group label in front, and
`SurvivalPartial.finalize` is the one finaliser of both functions: the curve of the
pooled counts, and with ``by`` the curve of each group beside it. The functions computing
it are beside the ones they are the partial form of (`survival_partial` in `_survival`,
`kaplan_meier_partial` in `_kaplan_meier`); `survival_rows` builds its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from cshealth._grouped import Grouped
from cshealth._partial import Partial, PartialKey, Requires
from cshealth._types import FloatArray, IntArray
from cshealth.retention._partial_rows import floats, ints, label_runs, trusted
from cshealth.retention._survival_counts import SurvivalCounts
from cshealth.retention._survival_curve import SurvivalCurve

__all__ = ["SurvivalPartial", "survival_rows"]

#: One group's rows: its label, its counts, and the counts of its subjects without a group.
Piece = tuple[str, SurvivalCounts, SurvivalCounts | None]


@dataclass(frozen=True, eq=False, repr=False)
class SurvivalPartial(Partial):
    """The partial form of `survival` and `kaplan_meier`: counts per group and time.

    One row per group and distinct duration: ``events`` (churns) and ``censored``
    subjects at that ``time``, and ``ungrouped``, how many of them had no group (a
    missing value in the ``by`` column, or an id the mapping does not name: they are in
    the group ``'(none)'``). Without ``by`` every row is in the group ``''``. Counts of
    disjoint sets of subjects add up, so the partials of partitions merge (`merge`,
    ``+``) into the partial of all their rows, and `finalize` gives the very curve, or
    `Grouped` curves, that `survival` gives on all of them.

    The key holds ``time_unit``, ``as_of`` (the day, ISO text; ``''`` from
    `kaplan_meier_partial`, whose durations are given) and ``by`` (the column name,
    ``'account'`` for a mapping from account id to group, ``''`` without groups):
    partials that differ in one are refused. Two mappings are both ``'account'``: give
    every partition the same one.

    Requires nothing of the partitioning (``REQUIRES = None``): each subject is one row,
    counted in the partition that holds it. An account given in two partitions is
    counted twice, just as `survival` counts an account given in two rows twice: neither
    reads account ids, so neither can tell. Give each account once (drop repeated ids
    before partitioning the data).

    Examples:
        >>> from datetime import date
        >>> from cshealth.retention import survival, survival_partial
        >>> accounts = {
        ...     "start_date": ["2025-01-01", "2025-01-01", "2025-02-01", "2025-02-01"],
        ...     "end_date": ["2025-01-31", None, "2025-06-01", None],
        ... }
        >>> halves = [{name: rows[i : i + 2] for name, rows in accounts.items()} for i in (0, 2)]
        >>> parts = [
        ...     survival_partial(half, as_of=date(2025, 3, 1), part=f"p{i}")
        ...     for i, half in enumerate(halves)
        ... ]
        >>> merged = parts[0] + parts[1]
        >>> merged.columns["time"].tolist(), merged.columns["censored"].tolist()
        ([28.0, 30.0, 59.0], [2, 0, 1])
        >>> merged.finalize() == survival(accounts, as_of=date(2025, 3, 1))
        True
    """

    KIND: ClassVar[str] = "survival"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (("group", "object"), ("time", "float64"))
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("events", "censored", "ungrouped")
    REQUIRES: ClassVar[Requires] = None

    def finalize(self) -> SurvivalCurve | Grouped[SurvivalCurve]:
        """The curve of all the subjects; with ``by``, a `Grouped` of one per group.

        Returns:
            What `survival` (or `kaplan_meier`) gives on all the rows the merged
            partitions hold: the `SurvivalCurve` of every subject, and with ``by`` a
            `Grouped` of each group's curve (labels in sorted order) beside it.

        Examples:
            >>> from cshealth.retention import kaplan_meier_partial
            >>> kaplan_meier_partial([2, 3, 5], [True, False, True]).finalize()
            SurvivalCurve(n=3, events=2, median=5)
        """
        columns = dict(self.columns)
        subjects = ints(columns, "events") + ints(columns, "censored")
        if not (subjects > 0).all():  # a time with no subject is no time: drop it
            columns = {name: column[subjects > 0] for name, column in columns.items()}
        times, events = floats(columns, "time"), ints(columns, "events")
        censored = ints(columns, "censored")
        overall = SurvivalCurve(_pooled(times, events, censored))
        by = self.key.option("by")
        if not by:
            return overall
        groups = {
            label: SurvivalCurve(SurvivalCounts._trusted(times[rows], events[rows], censored[rows]))
            for label, rows in label_runs(columns["group"])
        }
        ungrouped = int(columns["ungrouped"].sum())
        return Grouped(by=by, overall=overall, groups=groups, ungrouped=ungrouped)


def _pooled(times: FloatArray, events: IntArray, censored: IntArray) -> SurvivalCounts:
    """The counts of every group together, per distinct time."""
    if len(times) < 2 or bool((times[1:] > times[:-1]).all()):  # one group: ready as it is
        return SurvivalCounts._trusted(times, events, censored)
    pooled, inverse = np.unique(times, return_inverse=True)
    return SurvivalCounts._trusted(
        pooled,
        np.bincount(inverse, weights=events, minlength=len(pooled)).astype(np.int64),
        np.bincount(inverse, weights=censored, minlength=len(pooled)).astype(np.int64),
    )


def survival_rows(
    key: PartialKey, pieces: Sequence[Piece], parts: tuple[str, ...]
) -> SurvivalPartial:
    """The partial of groups' counts, given in label order (labels distinct, sorted).

    Each piece is a label, its counts, and the counts of its subjects without a group
    (``None`` when it has none); the rows come out canonical, so they are kept as built.
    """
    sizes = [len(counts.times) for _, counts, _ in pieces]
    n = sum(sizes)
    group = np.empty(n, dtype=object)
    ungrouped = np.zeros(n, dtype=np.int64)
    at = 0
    for (label, counts, missing), size in zip(pieces, sizes):
        group[at : at + size] = label
        if missing is not None:
            rows = at + np.searchsorted(counts.times, missing.times)
            ungrouped[rows] = missing.events + missing.censored
        at += size

    columns: dict[str, NDArray[np.generic]] = {"group": group, "ungrouped": ungrouped}
    for column, name, dtype in (
        ("time", "times", np.float64),
        ("events", "events", np.int64),
        ("censored", "censored", np.int64),
    ):
        arrays = [getattr(counts, name) for _, counts, _ in pieces]
        joined = arrays[0] if len(arrays) == 1 else np.concatenate([np.empty(0, dtype), *arrays])
        columns[column] = joined.astype(dtype, copy=False)
    return trusted(SurvivalPartial, key, columns, parts)
