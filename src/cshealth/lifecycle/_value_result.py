"""The results of `time_to_value`: the curve, its shares by horizon, and the start cohorts.

`TimeToValue` holds one row per account given (its status, start, first value and the
days it was followed), the Kaplan–Meier curve of reaching first value, and the table of
start cohorts (`ValueCohorts`, in ``_value_cohorts``). `Share` is the share of accounts
reaching value within a number of days, read off the curve with its interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal, NamedTuple, TypeAlias

import numpy as np
from numpy.typing import NDArray

from cshealth._grouped import ALL
from cshealth._result import AccountResult, jsonable
from cshealth._types import FloatArray, IdArray, ObjectArray, Period
from cshealth.lifecycle._text import number, percent
from cshealth.lifecycle._value_cohorts import ValueCohorts
from cshealth.retention import Median, SurvivalCurve

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["VALUE_STATUSES", "Share", "TimeToValue", "ValueStatus", "share"]

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


def _days(value: float | None) -> str:
    return number(value, ".4g")


@dataclass(frozen=True, eq=False, repr=False)
class TimeToValue(AccountResult):
    """Days from start to first value, censoring the accounts not there yet (`time_to_value`).

    One row per account given (``to_pandas()``: ``account_ids``, ``cohort``,
    ``status``, ``started_on``, ``first_value_on``, ``duration_days``); the
    Kaplan–Meier `curve` of the accounts on it; its `median` with an interval; the
    shares reaching value within each horizon (`within`); the start `cohorts`; and,
    beside them, `naive_median`, the figure a spreadsheet gives. `plot` draws the
    cohorts' medians.

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

    def plot(
        self,
        ax: Axes | None = None,
        *,
        within: int | None = None,
        min_accounts: int = 1,
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw the median days to first value per start cohort (`ValueCohorts.plot`).

        The curve itself is ``curve.plot()``. With ``by``, `cshealth.Grouped.plot` draws
        every group's cohorts on one ``Axes``, labelled with its group. Needs matplotlib
        (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            within: One of `horizons`: draw the shares reaching value within it.
            min_accounts: Draw only the cohorts of at least this many accounts.
            label: The points' name in a legend.
            **style: Passed to ``errorbar`` (with ``within``, ``plot``).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            InvalidInputError: When ``within`` is not one of `horizons`, or
                ``min_accounts`` is not a whole number from 1.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from datetime import date
            >>> from cshealth.lifecycle import time_to_value
            >>> accounts = {
            ...     "id": ["a", "b", "c"],
            ...     "start_date": ["2025-01-10", "2025-02-01", "2025-04-02"],
            ...     "segment": ["smb", "ent", "smb"],
            ... }
            >>> milestones = {
            ...     "account_id": ["a", "b", "c"],
            ...     "name": ["first report"] * 3,
            ...     "marks_first_value": [True] * 3,
            ...     "completed_on": ["2025-02-09", "2025-05-01", "2025-05-02"],
            ... }
            >>> ttv = time_to_value(accounts, milestones, as_of=date(2025, 6, 1), by="segment")
            >>> ax = ttv.plot(within=60)
            >>> [line.get_ydata().tolist() for line in ax.lines]  # ent, then smb
            [[0.0], [1.0, 1.0]]
            >>> [text.get_text() for text in ax.get_legend().get_texts()]
            ['ent', 'smb']
            >>> plt.close(ax.figure)
        """
        return self.cohorts.plot(ax, within=within, min_accounts=min_accounts, label=label, **style)

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
