"""`UsageTrend`: the result of `usage_trend`, and `UsageDrop`, one account whose usage fell.

Per account: the current window against its baseline, the change and its band, and the
weekly slope with its interval, Kendall's test and the falling and rising calls.
`UsageTrend.drops` lists the accounts banded red or yellow; `UsageTrend.to_measures`
gives the columns a health score reads (`TREND_MEASURES`); `UsageTrend.plot` draws one
account's weeks or every account's change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cshealth._measures import MeasureTable
from cshealth._plot import axes
from cshealth._result import AccountResult, Result, jsonable
from cshealth._stats import ConfidenceInterval
from cshealth._time import as_instant
from cshealth._types import BoolArray, FloatArray, IdArray, IntArray, ObjectArray
from cshealth.adoption._drop_thresholds import DropThresholds
from cshealth.adoption._trend_plot import AccountWeeks, draw_account, draw_changes
from cshealth.adoption._usage import as_of_day, counted

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["TREND_MEASURES", "UsageDrop", "UsageTrend"]

#: The columns of `UsageTrend.to_measures`, in order.
TREND_MEASURES: tuple[str, ...] = (
    "usage_current",
    "usage_baseline",
    "usage_change",
    "usage_band",
    "usage_slope",
    "usage_pvalue",
    "usage_falling",
)


@dataclass(frozen=True, eq=False, repr=False)
class UsageDrop(Result):
    """One account whose usage fell below a drop threshold.

    Attributes:
        account_id: The account.
        current: The measure in the current window.
        baseline: The mean of the measure over the baseline windows.
        change: ``current / baseline - 1`` (``-0.6`` is a 60% drop).
        band: ``'red'`` or ``'yellow'``.

    Examples:
        >>> UsageDrop("A-7", current=12.0, baseline=40.0, change=-0.7, band="red")
        UsageDrop('A-7', -70%: 12 vs 40, red)
    """

    account_id: str
    current: float
    baseline: float
    change: float
    band: str

    def __repr__(self) -> str:
        return (
            f"UsageDrop({self.account_id!r}, {self.change:+.0%}: {self.current:g} vs "
            f"{self.baseline:g}, {self.band})"
        )


@dataclass(frozen=True, eq=False, repr=False)
class UsageTrend(AccountResult):
    """Each account's usage against its trailing baseline, and its weekly slope.

    Arrays are aligned with `account_ids` (ascending, accounts with a usage record before
    ``as_of``) and read-only; NaN marks an undefined value. ``len()`` counts the accounts,
    `row` finds one, `to_pandas` gives one row per account, and `plot` draws one account's
    weekly usage with its slope, or the changes of every account.

    Attributes:
        account_ids: The accounts (``object`` array, ascending).
        observed_from: Each account's first usage record before ``as_of``
            (``datetime64[D]``); earlier windows are not observed.
        current: The measure summed over the current window ``[as_of - window_days, as_of)``.
        baseline: The mean over the observed baseline windows (the ``baseline_windows``
            windows of ``window_days`` days before the current one); NaN when none is
            observed.
        baseline_observed: How many baseline windows were observed (0..``baseline_windows``).
        change: ``current / baseline - 1``; NaN when the baseline is 0 or NaN. Never below
            -1.
        band: ``'red'``, ``'yellow'``, ``'green'`` by `thresholds`; ``None`` where `change`
            is NaN.
        weeks_observed: Weeks of the slope window that were observed.
        slope: Theil–Sen slope of the weekly totals, in measure units per week; NaN with
            fewer than two observed weeks. Its interval is `slope_confidence_interval`.
        tau: Kendall's tau-b between the weekly totals and the week index; NaN when all
            observed totals are equal or fewer than two weeks are observed.
        pvalue: Two-sided p-value of Kendall's test of no monotonic trend.
        falling: ``slope < 0``, ``pvalue < alpha`` and at least `min_weeks` observed weeks.
        rising: ``slope > 0``, ``pvalue < alpha`` and at least `min_weeks` observed weeks.
        as_of: The instant the trend is taken at (UTC).
        measure: ``'logins'``, ``'active_users'``, ``'events'`` or ``'feature:<name>'``.
        window_days: Length of the current and of each baseline window, in days.
        baseline_windows: Number of baseline windows (K).
        history_weeks: Length of the slope window, in weeks.
        alpha: Significance level of the trend test (and ``1 - alpha`` the interval's).
        min_weeks: Observed weeks needed before a trend is called.
        thresholds: The `DropThresholds` behind `band`.

    Examples:
        >>> from datetime import date
        >>> from cshealth.adoption import usage_trend
        >>> usage = {
        ...     "account_id": ["A"] * 3,
        ...     "day": ["2025-05-19", "2025-05-26", "2025-06-02"],
        ...     "active_users": [2, 2, 1],
        ...     "logins": [30, 30, 12],
        ... }
        >>> usage_trend(usage, as_of=date(2025, 6, 9), baseline_windows=2)
        UsageTrend(logins: 1 account as of 2025-06-09, 7-day window vs 2 before: 1 red,
        0 yellow, 0 green; 0 falling, 0 rising;
          UsageDrop('A', -60%: 12 vs 30, red))
    """

    account_ids: IdArray
    observed_from: NDArray[np.datetime64]
    current: FloatArray
    baseline: FloatArray
    baseline_observed: IntArray
    change: FloatArray
    band: ObjectArray
    weeks_observed: IntArray
    slope: FloatArray
    _slope_low: FloatArray
    _slope_high: FloatArray
    _weekly: FloatArray  # (accounts, history_weeks) weekly totals, oldest first; NaN unobserved
    tau: FloatArray
    pvalue: FloatArray
    falling: BoolArray
    rising: BoolArray
    as_of: datetime
    measure: str
    window_days: int
    baseline_windows: int
    history_weeks: int
    alpha: float
    min_weeks: int
    thresholds: DropThresholds

    def slope_confidence_interval(self) -> ConfidenceInterval[FloatArray]:
        """Sen's (1968) ``1 - alpha`` confidence interval of each account's `slope`.

        The bounds of `scipy.stats.theilslopes` at ``1 - alpha``, in measure units per
        week, aligned with `account_ids`; NaN where the slope is.

        Examples:
            >>> from datetime import date
            >>> from cshealth.adoption import usage_trend
            >>> usage = {
            ...     "account_id": ["A"] * 5,
            ...     "day": ["2025-05-05", "2025-05-12", "2025-05-19", "2025-05-26", "2025-06-02"],
            ...     "logins": [40, 38, 30, 26, 20],
            ... }
            >>> trend = usage_trend(usage, as_of=date(2025, 6, 9), alpha=0.2)
            >>> trend.slope.tolist()  # five fewer logins a week
            [-5.0]
            >>> low, high = trend.slope_confidence_interval()  # at 1 - alpha = 80%
            >>> low.tolist(), high.tolist()
            ([-6.0], [-4.0])
        """
        return ConfidenceInterval(self._slope_low, self._slope_high)

    def drops(self) -> tuple[UsageDrop, ...]:
        """The accounts banded red or yellow, the largest drop first (ties by id).

        Examples:
            >>> from datetime import date
            >>> from cshealth.adoption import usage_trend
            >>> usage = {
            ...     "account_id": ["A"] * 5,
            ...     "day": ["2025-05-05", "2025-05-12", "2025-05-19", "2025-05-26", "2025-06-02"],
            ...     "active_users": [5] * 5,
            ...     "logins": [40, 40, 40, 40, 10],
            ... }
            >>> usage_trend(usage, as_of=date(2025, 6, 9)).drops()
            (UsageDrop('A', -75%: 10 vs 40, red),)
        """
        rows = np.flatnonzero(np.isin(self.band, ["red", "yellow"]))
        rows = rows[np.argsort(self.change[rows], kind="stable")]
        return tuple(
            UsageDrop(
                account_id=str(self.account_ids[i]),
                current=float(self.current[i]),
                baseline=float(self.baseline[i]),
                change=float(self.change[i]),
                band=str(self.band[i]),
            )
            for i in rows.tolist()
        )

    def falling_accounts(self) -> tuple[str, ...]:
        """The accounts whose usage is falling (see `falling`), the steepest slope first."""
        rows = np.flatnonzero(self.falling)
        rows = rows[np.argsort(self.slope[rows], kind="stable")]
        return tuple(str(self.account_ids[i]) for i in rows.tolist())

    def plot(
        self,
        ax: Axes | None = None,
        *,
        account: object | None = None,
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw one account's weekly usage and slope, or the change of every account.

        With ``account``: its weekly totals over the slope window (a point at each
        week's first day, UTC; a week before its first record is a gap, not 0), the
        Theil–Sen line across its observed weeks (dashed, its legend entry giving the
        slope and whether usage is called falling or rising), and the two levels the
        band compares, each across the days it covers: the baseline (dotted) and the
        current window, in its band's colour. The levels are per 7 days (a window's
        total times ``7 / window_days``), the scale of the weekly totals.

        Without: the distribution of `change` over the accounts as a histogram stacked
        by band (red, yellow, green), the thresholds as dashed lines, the x axis in
        percent. The change rather than the slope, because the bands are drawn on it and
        it is relative: a slope is in each account's own units a week. Accounts without
        a change (no usage in the baseline) are not drawn; a note in the corner counts
        them. A trend without accounts draws the note "no data". Needs matplotlib
        (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            account: The account to draw, by the identifier rule; ``None`` for all.
            label: With ``account``, the weeks' name in the legend (the account id by
                default); without, the legend's title.
            **style: With ``account``, passed to the line of weekly points (``color``,
                ``marker``, ...), whose colour the slope line takes; without, passed to
                ``hist`` (``bins``, ``alpha``, ``edgecolor``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            AccountNotFoundError: When ``account`` is not in the trend.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from datetime import date
            >>> from cshealth.adoption import usage_trend
            >>> usage = {
            ...     "account_id": ["A"] * 5,
            ...     "day": ["2025-05-05", "2025-05-12", "2025-05-19", "2025-05-26", "2025-06-02"],
            ...     "logins": [40, 38, 30, 26, 20],
            ... }
            >>> ax = usage_trend(usage, as_of=date(2025, 6, 9)).plot(account="A")
            >>> weeks, slope, baseline, current = ax.get_lines()
            >>> weeks.get_ydata()[-6:].tolist()  # the week before the first record: a gap
            [nan, 40.0, 38.0, 30.0, 26.0, 20.0]
            >>> slope.get_ydata().tolist(), slope.get_label()  # 5 fewer logins a week
            ([40.0, 20.0], 'Theil–Sen slope -5 a week, no trend called')
            >>> baseline.get_ydata().tolist(), current.get_label()  # 20 against 33.5
            ([33.5, 33.5], 'current window: -40%, yellow')
            >>> plt.close(ax.figure)
        """
        if account is None:
            return draw_changes(
                axes(ax),
                self.change,
                self.band,
                thresholds=(self.thresholds.red, self.thresholds.yellow),
                label=label,
                style=style,
            )
        i = self.row(account)
        return draw_account(
            axes(ax),
            self._weeks(i),
            measure=self.measure,
            label=str(self.account_ids[i]) if label is None else label,
            style=style,
        )

    def _weeks(self, i: int) -> AccountWeeks:
        """What the picture of account ``i`` shows (`plot`)."""
        end = np.datetime64(as_of_day(as_instant(self.as_of)), "D")
        back = np.arange(self.history_weeks, 0, -1)
        called = "falling" if self.falling[i] else "rising" if self.rising[i] else None
        band = self.band[i]
        return AccountWeeks(
            starts=(end - 7 * back).astype("datetime64[D]"),
            totals=self._weekly[i],
            slope=float(self.slope[i]),
            call=called,
            end=end,
            window_days=self.window_days,
            current=float(self.current[i]),
            baseline=float(self.baseline[i]),
            baseline_observed=int(self.baseline_observed[i]),
            change=float(self.change[i]),
            band=None if band is None else str(band),
        )

    def to_measures(self) -> MeasureTable:
        """The per-account measures a health score reads, as a `MeasureTable`.

        Columns: ``usage_current``, ``usage_baseline``, ``usage_change``, ``usage_band``,
        ``usage_slope``, ``usage_pvalue``, ``usage_falling`` (source ``'adoption'``).
        For trends of two measures, rename one with `MeasureTable.with_prefix`.
        """
        values = (
            self.current,
            self.baseline,
            self.change,
            self.band,
            self.slope,
            self.pvalue,
            self.falling,
        )
        return MeasureTable(
            self.account_ids,
            dict(zip(TREND_MEASURES, values)),
            as_of=as_instant(self.as_of),
            source="adoption",
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: every field (`Result.to_dict`), and the slope's interval.

        The interval is ``"slope_confidence_interval": {"low": [...], "high": [...]}``.
        """
        interval = self.slope_confidence_interval()
        return {**super().to_dict(), "slope_confidence_interval": jsonable(interval)}

    def __repr__(self) -> str:
        counts = {band: int(np.sum(self.band == band)) for band in ("red", "yellow", "green")}
        head = (
            f"UsageTrend({self.measure}: {counted(len(self), 'account')} as of "
            f"{self.as_of.date()}, "
            f"{self.window_days}-day window vs {self.baseline_windows} before: "
            f"{counts['red']} red, {counts['yellow']} yellow, {counts['green']} green; "
            f"{int(self.falling.sum())} falling, {int(self.rising.sum())} rising"
        )
        worst = self.drops()[:5]
        if not worst:
            return head + ")"
        return head + ";\n" + "\n".join(f"  {drop!r}" for drop in worst) + ")"
