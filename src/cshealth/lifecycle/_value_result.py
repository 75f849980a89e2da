"""The results of `time_to_value`: the curve, its shares by horizon, and the start cohorts.

`TimeToValue` holds one row per account given (its status, start, first value and the
days it was followed), the Kaplan–Meier curve of reaching first value, and the table of
start cohorts (`ValueCohorts`). `Share` is the share of accounts reaching value within a
number of days, read off the curve with its interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal, NamedTuple, TypeAlias

import numpy as np
from numpy.typing import NDArray

from cshealth._grouped import ALL
from cshealth._result import AccountResult, RowsResult, jsonable
from cshealth._types import FloatArray, IdArray, IntArray, ObjectArray, Period
from cshealth.lifecycle._text import number, percent
from cshealth.retention import Median, SurvivalCurve

__all__ = ["VALUE_STATUSES", "Share", "TimeToValue", "ValueCohorts", "ValueStatus", "share"]

#: Where an account stands on the way to first value.
ValueStatus: TypeAlias = Literal[
    "reached", "not_reached", "churned", "no_first_value_milestone", "not_started"
]
#: The statuses: the first three are on the curve (reached is an event, the next two
#: censored), the last two are counted apart.
VALUE_STATUSES: tuple[ValueStatus, ...] = (
    "reached",
    "not_reached",
    "churned",
    "no_first_value_milestone",
    "not_started",
)
#: The statuses of the accounts on the curve.
ON_CURVE: tuple[ValueStatus, ...] = VALUE_STATUSES[:3]


class Share(NamedTuple):
    """The share of accounts that reached first value within ``days`` of their start.

    ``1 - S(days)`` on the Kaplan–Meier curve, with the interval read off its 95%
    log-log band (``1 - high``, ``1 - low``). ``None`` when the curve does not reach
    that far: no account was followed that long and some never reached value.

    Attributes:
        days: The horizon, in days from the start.
        statistic: The share, in ``[0, 1]``.
        low: The lower bound of its 95% interval.
        high: The upper bound.
    """

    days: int
    statistic: float | None
    low: float | None
    high: float | None


def share(curve: SurvivalCurve, days: int) -> Share:
    """The share of ``curve``'s subjects with their event within ``days`` (see `Share`).

    Examples:
        >>> from cshealth.retention import kaplan_meier
        >>> curve = kaplan_meier([5, 10, 20, 40], [1, 1, 1, 0])  # one followed 40 days
        >>> share(curve, 10).statistic, share(curve, 50)
        (0.5, Share(days=50, statistic=None, low=None, high=None))
        >>> share(kaplan_meier([5, 10]), 50).statistic  # every one reached it by day 10
        1.0
    """
    last = float(curve.counts.times[-1]) if curve.n else -1.0
    ended = bool(len(curve.survival)) and float(curve.survival[-1]) == 0.0
    if curve.n == 0 or (days > last and not ended):
        return Share(days, None, None, None)
    at = int(np.searchsorted(curve.times, days, side="right"))
    low, high = curve.confidence_interval()
    bands = [float(np.concatenate(([1.0], values))[at]) for values in (curve.survival, high, low)]
    return Share(days, *(1.0 - value for value in bands))


@dataclass(frozen=True, eq=False, repr=False)
class ValueCohorts(RowsResult):
    """Time to first value per start cohort (the calendar period of the start).

    One row per cohort, oldest first; ``to_pandas()`` gives the columns ``cohort``,
    ``starts_on``, ``accounts``, ``reached``, ``median_days``, ``median_low``,
    ``median_high`` and ``within_<days>`` for each horizon. Only accounts on the curve
    (started before ``as_of``, with a first-value milestone in their plan) are counted.

    Attributes:
        cohort: Each cohort's label (``2025-Q1``).
        starts_on: Each cohort's first day.
        accounts: Accounts on the curve that started in it.
        reached: Those that reached first value before ``as_of``.
        median_days: The Kaplan–Meier median days to first value (NaN until half have
            reached it: a young cohort has no median yet).
        median_low: The lower bound of the median's 95% interval (NaN when none).
        median_high: Its upper bound (NaN when none).
        within: Per cohort and horizon, the share reaching value within that many
            days (`Share`; NaN where the cohort's curve does not reach that far).
        horizons: The horizons, in days, of the columns of ``within``.

    Examples:
        >>> from datetime import date
        >>> from cshealth.lifecycle import time_to_value
        >>> accounts = {
        ...     "id": ["a", "b", "c"],
        ...     "start_date": ["2025-01-10", "2025-02-01", "2025-04-02"],
        ... }
        >>> milestones = {
        ...     "account_id": ["a", "b", "c"],
        ...     "name": ["first report"] * 3,
        ...     "marks_first_value": [True] * 3,
        ...     "completed_on": ["2025-02-09", "2025-05-01", None],
        ... }
        >>> ttv = time_to_value(accounts, milestones, as_of=date(2025, 6, 1), horizons=(30, 60))
        >>> print(ttv.cohorts)
        cohort    accounts  reached  median    30d    60d
        2025-Q1          2        2      30    50%    50%
        2025-Q2          1        0       -     0%     0%
    """

    cohort: ObjectArray
    starts_on: NDArray[np.datetime64]
    accounts: IntArray
    reached: IntArray
    median_days: FloatArray
    median_low: FloatArray
    median_high: FloatArray
    within: FloatArray
    horizons: tuple[int, ...]

    _scalars: ClassVar[tuple[str, ...]] = (
        "cohort",
        "starts_on",
        "accounts",
        "reached",
        "median_days",
        "median_low",
        "median_high",
    )

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        columns: dict[str, NDArray[np.generic]] = {n: getattr(self, n) for n in self._scalars}
        for j, days in enumerate(self.horizons):
            columns[f"within_{days}"] = self.within[:, j]
        return columns

    def format(self) -> str:
        """One line per cohort: accounts, reached, median days and shares by horizon."""
        head = f"{'cohort':<8}  accounts  reached  median" + "".join(
            f"  {f'{days}d':>5}" for days in self.horizons
        )
        lines = [head]
        for i, label in enumerate(self.cohort.tolist()):
            shares = "".join(f"  {percent(float(v)):>5}" for v in self.within[i].tolist())
            lines.append(
                f"{label:<8}  {int(self.accounts[i]):>8}  {int(self.reached[i]):>7}"
                f"  {_days(float(self.median_days[i])):>6}{shares}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ValueCohorts({len(self)} cohorts)"


def _days(value: float | None) -> str:
    return number(value, ".4g")


@dataclass(frozen=True, eq=False, repr=False)
class TimeToValue(AccountResult):
    """Days from start to first value, censoring the accounts not there yet (`time_to_value`).

    One row per account given (``to_pandas()``: ``account_ids``, ``cohort``,
    ``status``, ``started_on``, ``first_value_on``, ``duration_days``); the
    Kaplan–Meier `curve` of the accounts on it; its `median` with an interval; the
    shares reaching value within each horizon (`within`); the start `cohorts`; and,
    beside them, `naive_median`, the figure a spreadsheet gives.

    Attributes:
        account_ids: The accounts, in the order given.
        cohort: Each account's start cohort (the calendar ``period`` of its start).
        status: ``reached`` (an event), ``not_reached`` (censored at ``as_of``),
            ``churned`` (ended before reaching value: censored at its ``end_date``),
            ``no_first_value_milestone`` (no milestone in its plan marks first value:
            off the curve, never censored) or ``not_started`` (starts on or after
            ``as_of``: not a customer yet, off the curve).
        started_on: Each account's ``start_date``.
        first_value_on: The day it reached first value (NaT if not before ``as_of``).
        duration_days: Days from the start to first value (``reached``) or to the
            censoring; NaN off the curve.
        curve: The Kaplan–Meier curve of reaching first value (``S(t)`` is the share
            not there yet ``t`` days after the start).
        cohorts: Time to value per start cohort.
        naive_median: The median days over the accounts that reached value only.
            **Biased low**: it leaves out every account still on its way, which are the
            slow ones, so it understates the typical time (by a third and more when many
            accounts are recent). Shown only for comparison; ``None`` when none reached.
        horizons: The horizons of `within`, in days.
        as_of: Only first values reached before this day count.
        period: The calendar period of the start cohorts.

    Examples:
        >>> from datetime import date
        >>> from cshealth.lifecycle import time_to_value
        >>> accounts = {
        ...     "id": ["a", "b", "c", "d"],
        ...     "start_date": ["2025-01-01", "2025-01-01", "2025-02-01", "2025-05-01"],
        ... }
        >>> milestones = {
        ...     "account_id": ["a", "b", "c"],
        ...     "name": ["first report"] * 3,
        ...     "marks_first_value": [True] * 3,
        ...     "completed_on": ["2025-01-21", "2025-03-02", None],
        ... }
        >>> ttv = time_to_value(accounts, milestones, as_of=date(2025, 3, 3))
        >>> ttv.status.tolist()
        ['reached', 'reached', 'not_reached', 'not_started']
        >>> ttv.duration_days.tolist()
        [20.0, 60.0, 30.0, nan]
        >>> ttv.median.statistic, ttv.naive_median
        (60.0, 40.0)
    """

    account_ids: IdArray
    cohort: ObjectArray
    status: ObjectArray
    started_on: NDArray[np.datetime64]
    first_value_on: NDArray[np.datetime64]
    duration_days: FloatArray
    curve: SurvivalCurve
    cohorts: ValueCohorts
    naive_median: float | None
    horizons: tuple[int, ...]
    as_of: date
    period: Period

    row_fields = (
        "account_ids",
        "cohort",
        "status",
        "started_on",
        "first_value_on",
        "duration_days",
    )

    @property
    def median(self) -> Median:
        """The Kaplan–Meier median days to first value, with its 95% interval.

        Each of ``statistic``, ``low`` and ``high`` is ``None`` until the curve (or
        its band) falls to one half.
        """
        return self.curve.median()

    @property
    def within(self) -> tuple[Share, ...]:
        """The share reaching first value within each of `horizons` days (`Share`)."""
        return tuple(share(self.curve, days) for days in self.horizons)

    def share_within(self, days: int) -> Share:
        """The share reaching first value within ``days`` days of the start (`Share`)."""
        return share(self.curve, days)

    @property
    def n(self) -> int:
        """Accounts on the curve: started before ``as_of``, with a first-value milestone."""
        return self.curve.n

    @property
    def n_reached(self) -> int:
        """Accounts that reached first value before ``as_of`` (the curve's events)."""
        return self.curve.n_events

    @property
    def n_censored(self) -> int:
        """Accounts on the curve not there yet (``not_reached`` and ``churned``)."""
        return self.n - self.n_reached

    def counts(self) -> dict[str, int]:
        """How many accounts have each status, in the order of `VALUE_STATUSES`."""
        found = dict(zip(*np.unique(self.status.astype(str), return_counts=True)))
        return {status: int(found.get(status, 0)) for status in VALUE_STATUSES}

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: every field, the counts, the median and the shares by horizon.

        Beside the fields: ``n``, ``n_reached``, ``n_censored``, ``counts``, ``median``
        and ``within`` (each `Share` by name).
        """
        return {
            **super().to_dict(),
            "n": self.n,
            "n_reached": self.n_reached,
            "n_censored": self.n_censored,
            "counts": self.counts(),
            "median": jsonable(self.median),
            "within": jsonable(self.within),
        }

    def format(self) -> str:
        """The counts, the median and shares, the reached-only figure, then the cohorts."""
        counts = self.counts()
        apart = [
            f"{counts[s]} {s.replace('_', ' ')}"
            for s in ("no_first_value_milestone", "not_started")
            if counts[s]
        ]
        lines = [
            f"Time to first value as of {self.as_of}: {self.n} accounts, {self.n_reached} "
            f"reached it, {self.n_censored} not yet (censored; {counts['churned']} churned "
            f"first)" + (f"; left out: {', '.join(apart)}" if apart else ""),
            f"Kaplan-Meier median: {_median_text(self.median)}",
        ]
        if self.horizons:
            lines.append(
                "reached within "
                + ", ".join(f"{s.days} days: {_share_text(s)}" for s in self.within)
            )
        lines.append(
            f"reached-only median: {_days(self.naive_median)} days (biased low: it leaves "
            "out the accounts not there yet)"
        )
        if len(self.cohorts):
            lines += ["", f"by start {self.period}:", self.cohorts.format()]
        return "\n".join(lines)

    @classmethod
    def _format_groups(cls, labelled: Sequence[tuple[str, TimeToValue]]) -> str:
        """One line per group (``'(all)'`` first), for `Grouped.format`."""
        horizons = labelled[0][1].horizons if labelled else ()
        width = max([len(label) for label, _ in labelled] + [len(ALL)])
        lines = [
            f"{'group':<{width}}  accounts  reached  median  (95% CI)        "
            + "".join(f"  {f'{days}d':>5}" for days in horizons)
            + "  reached-only (biased low)"
        ]
        for label, result in labelled:
            m = result.median
            interval = f"({_days(m.low)} to {_days(m.high)})"
            shares = "".join(f"  {percent(s.statistic):>5}" for s in result.within)
            lines.append(
                f"{label:<{width}}  {result.n:>8}  {result.n_reached:>7}  "
                f"{_days(m.statistic):>6}  {interval:<14}{shares}  "
                f"{_days(result.naive_median):>6}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"TimeToValue(as of {self.as_of}: n={self.n}, reached={self.n_reached}, "
            f"median={_days(self.median.statistic)}, naive_median="
            f"{_days(self.naive_median)} (biased low))"
        )


def _median_text(median: Median) -> str:
    if median.statistic is None:
        return "not reached yet (fewer than half have reached value)"
    return f"{median.statistic:g} days (95% CI {_days(median.low)} to {_days(median.high)})"


def _share_text(value: Share) -> str:
    if value.statistic is None:
        return "- (not followed that long)"
    return f"{percent(value.statistic)} ({percent(value.low)} to {percent(value.high)})"
