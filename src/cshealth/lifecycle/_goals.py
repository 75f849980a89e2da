"""Success-plan goals: achieved on time, late, still open or missed, and the rates.

`goals` gives each goal one status on ``as_of`` (only what happened strictly before it
counts):

* ``achieved``: achieved before ``as_of``, on or before its ``target_date`` (or it has
  none);
* ``achieved_late``: achieved before ``as_of``, after its ``target_date``;
* ``open``: not achieved before ``as_of``, and its ``target_date`` is on or after
  ``as_of`` (or it has none): it may still be achieved on time;
* ``missed``: not achieved before ``as_of``, and its ``target_date`` is before
  ``as_of``.

The attainment rate is ``(achieved + achieved_late) / (achieved + achieved_late +
missed)`` and the on-time rate ``achieved / (the same)``, each a `cshealth.Rate` with
Wilson's interval: open goals are not decided yet and are counted apart, never as
failures. A goal ``set_on`` or after ``as_of`` did not exist yet then: it is left out and
counted (`GoalReport.not_yet_set`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias, overload

import numpy as np
from numpy.typing import NDArray

from cshealth._grouped import ALL, Grouped
from cshealth._grouping import BY_ACCOUNT, By, check_by, column_labels, group_codes, mapping_labels
from cshealth._result import RowsResult
from cshealth._stats import Rate
from cshealth._time import as_day
from cshealth._types import AsOf, FloatArray, IdArray, IntArray, ObjectArray
from cshealth.io import Table
from cshealth.io._read import raw_columns, read_columns
from cshealth.lifecycle._days import MISSING, days, known, to_date, to_dates
from cshealth.lifecycle._text import percent
from cshealth.models import Goal

__all__ = ["GOAL_STATUSES", "GoalReport", "GoalStatus", "goals"]

#: A goal's status on ``as_of``.
GoalStatus: TypeAlias = Literal["achieved", "achieved_late", "open", "missed"]
#: The statuses, in the order of `GoalReport.counts`.
GOAL_STATUSES: tuple[GoalStatus, ...] = ("achieved", "achieved_late", "open", "missed")
_ACHIEVED, _LATE, _OPEN, _MISSED = range(4)


@dataclass(frozen=True, eq=False, repr=False)
class GoalReport(RowsResult):
    """Where each success-plan goal stands on ``as_of``, and the attainment rates (`goals`).

    One row per goal set before ``as_of`` (``len()`` counts them; ``to_pandas()`` gives
    ``goal_ids``, ``account_ids``, ``names``, ``status``, ``target_date``,
    ``achieved_on`` and ``days_late``).

    Attributes:
        goal_ids: Each goal's ``id`` (``None`` when the data has no ``id`` column).
        account_ids: The account holding each.
        names: Each goal's name.
        status: ``achieved``, ``achieved_late``, ``open`` or ``missed``.
        target_date: Each goal's target date (NaT when none).
        achieved_on: The day it was achieved (NaT when not before ``as_of``).
        days_late: ``achieved_on - target_date`` for an achieved goal (0 or less when
            on time), ``as_of - target_date`` for a missed one (at least 1); NaN for
            open goals and goals without a target date.
        attainment: ``(achieved + achieved_late) / (achieved + achieved_late +
            missed)``: the share of the decided goals that were achieved, with Wilson's
            interval (``Rate.confidence_interval``).
        on_time: ``achieved / (achieved + achieved_late + missed)``.
        not_yet_set: Goals ``set_on`` or after ``as_of``: left out (they did not
            exist yet), counted here.
        as_of: Only what happened before this day counts.
    """

    goal_ids: IdArray
    account_ids: IdArray
    names: IdArray
    status: ObjectArray
    target_date: NDArray[np.datetime64]
    achieved_on: NDArray[np.datetime64]
    days_late: FloatArray
    attainment: Rate
    on_time: Rate
    not_yet_set: int
    as_of: date

    row_fields = (
        "goal_ids",
        "account_ids",
        "names",
        "status",
        "target_date",
        "achieved_on",
        "days_late",
    )

    def counts(self) -> dict[str, int]:
        """How many goals have each status, in the order of `GOAL_STATUSES`."""
        found = dict(zip(*np.unique(self.status.astype(str), return_counts=True)))
        return {status: int(found.get(status, 0)) for status in GOAL_STATUSES}

    @property
    def open(self) -> int:
        """Goals still open: not decided yet, so in neither rate."""
        return self.counts()["open"]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: every field (each rate with its interval), and the ``counts``."""
        return {**super().to_dict(), "counts": self.counts()}

    def format(self) -> str:
        """The counts per status, then the attainment and on-time rates with intervals."""
        c = self.counts()
        head = (
            f"Goals as of {self.as_of}: {len(self)} goals: {c['achieved']} achieved, "
            f"{c['achieved_late']} achieved late, {c['missed']} missed, {c['open']} open"
        )
        if self.not_yet_set:
            head += f" ({self.not_yet_set} set on or after {self.as_of} left out)"
        return "\n".join(
            [
                head,
                f"attainment: {_rate_text(self.attainment)} of the decided goals",
                f"on time: {_rate_text(self.on_time)}",
            ]
        )

    @classmethod
    def _format_groups(cls, labelled: Sequence[tuple[str, GoalReport]]) -> str:
        """One line per group (``'(all)'`` first), for `Grouped.format`."""
        width = max([len(label) for label, _ in labelled] + [len(ALL)])
        lines = [
            f"{'group':<{width}}  goals  achieved  late  missed  open  attainment"
            "  (95% CI)      on time"
        ]
        for label, report in labelled:
            c = report.counts()
            lines.append(
                f"{label:<{width}}  {len(report):>5}  {c['achieved']:>8}  "
                f"{c['achieved_late']:>4}  {c['missed']:>6}  {c['open']:>4}  "
                f"{percent(report.attainment.statistic):>10}  {_interval(report.attainment):<12}"
                f"  {percent(report.on_time.statistic):>7}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        shown = ", ".join(f"{n} {s}" for s, n in self.counts().items() if n)
        return (
            f"GoalReport({len(self)} goals as of {self.as_of}: {shown or 'none'}; "
            f"attainment={percent(self.attainment.statistic)})"
        )


def _interval(rate: Rate) -> str:
    ci = rate.confidence_interval()
    return "" if ci is None else f"({100 * ci.low:.0f}% to {100 * ci.high:.0f}%)"


def _rate_text(rate: Rate) -> str:
    if rate.statistic is None:
        return "- (no goal decided yet)"
    return f"{percent(rate.statistic)} {_interval(rate)}, {rate.successes} of {rate.n}"


@overload
def goals(goals: object, *, as_of: AsOf, by: None = None) -> GoalReport: ...
@overload
def goals(goals: object, *, as_of: AsOf, by: By) -> Grouped[GoalReport]: ...
def goals(goals: object, *, as_of: AsOf, by: By | None = None) -> GoalReport | Grouped[GoalReport]:
    """Each success-plan goal's status on ``as_of``, and the attainment and on-time rates.

    See the module docs for the statuses: a goal achieved on its target date is on time;
    one achieved on the ``as_of`` day is not achieved yet; one whose target date is the
    ``as_of`` day is still open.

    Args:
        goals: `Goal` records, a `Table`, a mapping of columns or a data frame with
            ``account_id`` and ``name``, and ``id``, ``set_on``, ``target_date`` and
            ``achieved_on`` when known.
        as_of: The day the goals are seen on (a ``date``, or an instant taken at its UTC
            day).
        by: Group the goals: a column of ``goals`` (any column of a mapping or frame,
            such as ``'segment'``), or a mapping from account id to group. Goals without
            a group are the group ``'(none)'``, never dropped.

    Returns:
        The `GoalReport`; with ``by``, a `cshealth.Grouped` of one per group (each on
        that group's goals alone) beside the overall one.

    Raises:
        InvalidInputError: On a naive or bad ``as_of``, bad goals (every bad value
            listed, such as an ``achieved_on`` or ``target_date`` before ``set_on``),
            or a bad ``by``.

    Examples:
        >>> from datetime import date
        >>> plan = {
        ...     "id": ["G1", "G2", "G3", "G4", "G5"],
        ...     "account_id": ["a", "a", "b", "b", "c"],
        ...     "name": ["cut handle time", "go live", "adopt reports", "sso", "roi"],
        ...     "target_date": ["2025-03-31", "2025-02-28", "2025-03-15", "2025-06-30", None],
        ...     "achieved_on": ["2025-03-31", "2025-03-10", None, None, "2025-01-20"],
        ... }
        >>> report = goals(plan, as_of=date(2025, 4, 1))
        >>> report.status.tolist()
        ['achieved', 'achieved_late', 'missed', 'open', 'achieved']
        >>> report.attainment, report.on_time, report.open
        (Rate(0.75, 3 of 4), Rate(0.5, 2 of 4), 1)
        >>> report.days_late.tolist()
        [0.0, 10.0, 17.0, nan, nan]
        >>> print(goals(plan, as_of=date(2025, 4, 1), by={"a": "smb", "b": "ent"}))
        GoalReport by account: 3 groups, 1 without one in '(none)'
        group   goals  achieved  late  missed  open  attainment  (95% CI)      on time
        (all)       5         2     1       1     1         75%  (30% to 95%)      50%
        (none)      1         1     0       0     0        100%  (21% to 100%)    100%
        ent         2         0     0       1     1          0%  (0% to 79%)        0%
        smb         2         1     1       0     0        100%  (34% to 100%)     50%
    """
    day = as_day(as_of, "as_of")
    if by is not None:
        check_by(by)
    columns = raw_columns(goals, Goal)
    table = read_columns(
        columns,
        Goal,
        need=("account_id", "name"),
        optional=("id", "set_on", "target_date", "achieved_on"),
    )
    read = _statuses(table, day)
    overall = _report(read, np.arange(table.n_rows), day)
    if by is None:
        return overall
    if isinstance(by, str):
        groups = group_codes(column_labels(columns, by, table.n_rows, noun="goals"), by)
    else:
        groups = group_codes(mapping_labels(by, table["account_id"]), BY_ACCOUNT)
    return groups.apply(overall, lambda rows: _report(read, rows, day))


def _day_column(table: Table, name: str) -> IntArray:
    if name not in table.columns:
        return np.full(table.n_rows, MISSING, dtype=np.int64)
    return days(table[name])


@dataclass(frozen=True)
class _Goals:
    """The goals read, and per goal its status on the day.

    Attributes:
        table: The goal columns.
        code: Per goal, its status (a position in `GOAL_STATUSES`).
        target: Its target day (`MISSING` when none).
        achieved: The day it was achieved, if before the day (else `MISSING`).
        existing: Whether it was set before the day (or has no ``set_on``).
    """

    table: Table
    code: IntArray
    target: IntArray
    achieved: IntArray
    existing: NDArray[np.bool_]


def _statuses(table: Table, day: int) -> _Goals:
    """Each goal's status on ``day`` (one vectorised pass)."""
    target = _day_column(table, "target_date")
    achieved = _day_column(table, "achieved_on")
    set_on = _day_column(table, "set_on")
    achieved = np.where(known(achieved) & (achieved < day), achieved, MISSING)
    has_target = known(target)
    done = known(achieved)
    late = done & has_target & (achieved > target)
    missed = ~done & has_target & (target < day)
    code = np.select([late, done, missed], [_LATE, _ACHIEVED, _MISSED], default=_OPEN)
    existing = ~known(set_on) | (set_on < day)
    return _Goals(table, code.astype(np.int64), target, achieved, existing)


def _report(goals: _Goals, rows: IntArray, day: int) -> GoalReport:
    """The `GoalReport` of the goals at positions ``rows``."""
    table = goals.table
    keep = rows[goals.existing[rows]]
    status = goals.code[keep]
    target, achieved = goals.target[keep], goals.achieved[keep]
    tally = np.bincount(status, minlength=len(GOAL_STATUSES))
    decided = int(tally[_ACHIEVED] + tally[_LATE] + tally[_MISSED])
    stop = np.where(known(achieved), achieved, day)
    days_late = np.where(
        (status != _OPEN) & known(target),
        (stop - np.where(known(target), target, 0)).astype(np.float64),
        np.nan,
    )
    ids = table["id"][keep] if "id" in table.columns else np.full(len(keep), None, dtype=object)
    return GoalReport(
        goal_ids=ids,
        account_ids=table["account_id"][keep],
        names=table["name"][keep],
        status=np.array(GOAL_STATUSES, dtype=object)[status],
        target_date=to_dates(target),
        achieved_on=to_dates(achieved),
        days_late=days_late,
        attainment=Rate(int(tally[_ACHIEVED] + tally[_LATE]), decided),
        on_time=Rate(int(tally[_ACHIEVED]), decided),
        not_yet_set=int(len(rows) - len(keep)),
        as_of=to_date(day),
    )
