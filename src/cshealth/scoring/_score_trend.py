"""`ScoreTrend`: per account, the latest score move, the slope of the history, the band.

The result of `trend`: one row per account in the history, with the direction of its
latest move, its Theil–Sen slope (and Sen's interval) with Kendall's test, the trend called
from them, and its band after hysteresis; `ScoreTrend.plot` draws one account's scores with
their slope, or every account's slope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cshealth._plot import axes
from cshealth._result import AccountResult, json_column, jsonable
from cshealth._stats import ConfidenceInterval
from cshealth._types import BoolArray, FloatArray, IdArray, InstantArray, IntArray, ObjectArray
from cshealth.scoring._bands import Band, Closure
from cshealth.scoring._plot_trend import AccountScores, draw_account, draw_slopes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ScoreTrend"]


@dataclass(frozen=True, eq=False, repr=False)
class ScoreTrend(AccountResult):
    """Each account's latest score move, its slope over the history, and its band.

    Arrays are aligned with `account_ids` (ascending: every account in the history) and
    read-only; NaN marks an undefined number, ``None`` an undefined label. ``len()``
    counts the accounts, `row` finds one, `to_pandas` gives one row per account (the
    columns of `to_records`, with ``account_ids`` first), and `plot` draws one account's
    scores with their slope, or the slopes of every account.

    Attributes:
        account_ids: The accounts (``object`` array, ascending).
        snapshots: The distinct snapshot instants of the history (``datetime64[us]``, UTC,
            ascending).
        as_of: The latest snapshot (an aware UTC datetime); ``None`` for an empty history.
        n_points: Snapshots at which the account has a score.
        current: The score at the latest snapshot (NaN when the account has none there).
        previous: The score at the snapshot before it (NaN likewise, or with one snapshot).
        change: ``current - previous``.
        direction: ``'up'``, ``'down'``, or ``'same'`` when ``|change| <= dead_band``;
            ``None`` when `change` is NaN.
        slope: Theil–Sen slope of the account's scores, in points per day (``x`` is days
            since the first snapshot); NaN with fewer than two scored snapshots. Its
            interval is `slope_confidence_interval`.
        tau: Kendall's tau-b between the scores and time; NaN when all scores are equal
            or fewer than two are present.
        pvalue: Two-sided p-value of Kendall's test of no monotonic trend.
        trend: ``'falling'`` or ``'rising'`` when ``pvalue < 1 - confidence_level`` and the
            slope has that sign, ``'flat'`` otherwise; ``None`` with fewer than
            `min_points` scored snapshots.
        band: The band label at the latest snapshot after hysteresis (``None`` without a
            score there); ``None`` as a whole when no bands were given.
        raw_band: The band of `current` itself, without hysteresis.
        band_changed: Whether the band (after hysteresis) at the latest snapshot differs
            from the band at the snapshot before; ``False`` when either is unknown.
        dead_band: Largest ``|change|``, in points, that counts as ``'same'``.
        min_points: Scored snapshots needed before a trend is called.
        confidence_level: Coverage of the slope interval; ``1 - confidence_level`` is the
            significance level of the trend test.
        hysteresis: Points a score must move beyond its band before the band changes.
        bands: The bands (empty when none were given).
        closure: Which end of each band's interval is inside it.

    Examples:
        >>> from cshealth.scoring import trend
        >>> history = {
        ...     "account_id": ["A", "A", "B", "B"],
        ...     "as_of": ["2025-05-01", "2025-06-01"] * 2,
        ...     "score": [70, 62, 50, 53],
        ... }
        >>> trend(history)
        ScoreTrend(2 accounts, 2 snapshots to 2025-06-01: 0 up, 1 down, 1 same;
        0 falling, 0 rising)
    """

    account_ids: IdArray
    snapshots: InstantArray
    as_of: datetime | None
    n_points: IntArray
    current: FloatArray
    previous: FloatArray
    change: FloatArray
    direction: ObjectArray
    slope: FloatArray
    _slope_low: FloatArray
    _slope_high: FloatArray
    _scores: FloatArray  # (accounts, snapshots): each account's score; NaN where it has none
    tau: FloatArray
    pvalue: FloatArray
    trend: ObjectArray
    band: ObjectArray | None
    raw_band: ObjectArray | None
    band_changed: BoolArray | None
    dead_band: float
    min_points: int
    confidence_level: float
    hysteresis: float
    bands: tuple[Band, ...]
    closure: Closure

    def slope_confidence_interval(self) -> ConfidenceInterval[FloatArray]:
        """Sen's (1968) interval of each account's `slope`, at `confidence_level`.

        The bounds of `scipy.stats.theilslopes`, in points per day, aligned with
        `account_ids`; NaN where the slope is.

        Examples:
            >>> from cshealth.scoring import trend
            >>> history = {
            ...     "account_id": ["A"] * 4,
            ...     "as_of": ["2025-01-01", "2025-01-11", "2025-01-21", "2025-01-31"],
            ...     "score": [80, 78, 71, 69],
            ... }
            >>> result = trend(history, confidence_level=0.5)
            >>> result.slope.round(2).tolist()
            [-0.41]
            >>> low, high = result.slope_confidence_interval()  # theilslopes(..., alpha=0.5)
            >>> low.round(2).tolist(), high.round(2).tolist()
            ([-0.45], [-0.2])
        """
        return ConfidenceInterval(self._slope_low, self._slope_high)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        account: object | None = None,
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw one account's scores and their slope, or the slopes of every account.

        With ``account``: its score at each snapshot (real dates on x, UTC; the y axis
        the whole 0 to 100 scale), a point each, joined by a line; a snapshot without a
        score is a gap, not 0. The Theil–Sen line (dashed) runs across the scored
        snapshots, through ``median(score) - slope median(day)`` as
        `scipy.stats.theilslopes` has it, its legend entry giving the slope in points
        per 30 days and the `trend` called. Light lines mark the edges between `bands`.

        Without: the distribution of `slope`, in points per 30 days, as a histogram
        stacked by the `trend` called (falling, flat, rising, too few points), with a
        dashed line at 0. The slopes rather than a mean score over time: slopes are all
        on the one 0 to 100 scale, and the mean over a changing set of accounts moves
        when accounts come and go. Accounts with fewer than two scores have no slope
        and are not drawn; a note in the corner counts them. A trend without accounts
        draws the note "no data". Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            account: The account to draw, by the identifier rule; ``None`` for all.
            label: With ``account``, the scores' name in the legend (the account id by
                default); without, the legend's title.
            **style: With ``account``, passed to the line of scores (``color``,
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
            >>> from cshealth.scoring import trend
            >>> history = {
            ...     "account_id": ["A"] * 4,
            ...     "as_of": ["2025-01-01", "2025-01-11", "2025-01-21", "2025-01-31"],
            ...     "score": [80, 76, None, 68],
            ... }
            >>> ax = trend(history).plot(account="A")
            >>> scores, slope = ax.get_lines()
            >>> scores.get_ydata().tolist()  # no score on the 21st: a gap
            [80.0, 76.0, nan, 68.0]
            >>> slope.get_xdata().astype("datetime64[D]").astype(str).tolist()
            ['2025-01-01', '2025-01-31']
            >>> slope.get_ydata().tolist(), slope.get_label()  # -0.4 points a day
            ([80.0, 68.0], 'Theil–Sen slope -12.0 points per 30 days, too few points to call')
            >>> plt.close(ax.figure)
        """
        if account is None:
            return draw_slopes(axes(ax), self.slope, self.trend, label=label, style=style)
        i = self.row(account)
        call = self.trend[i]
        scores = AccountScores(
            snapshots=self.snapshots,
            scores=self._scores[i],
            slope=float(self.slope[i]),
            call=None if call is None else str(call),
            edges=tuple(band.max for band in self.bands[:-1]),
        )
        label = str(self.account_ids[i]) if label is None else label
        return draw_account(axes(ax), scores, label=label, style=style)

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        """The row columns: per account, as in `to_records` (without bands when none)."""
        low, high = self.slope_confidence_interval()
        columns: dict[str, NDArray[np.generic] | None] = {
            "account_ids": self.account_ids,
            "n_points": self.n_points,
            "current": self.current,
            "previous": self.previous,
            "change": self.change,
            "direction": self.direction,
            "slope": self.slope,
            "slope_low": low,
            "slope_high": high,
            "tau": self.tau,
            "pvalue": self.pvalue,
            "trend": self.trend,
            "band": self.band,
            "raw_band": self.raw_band,
            "band_changed": self.band_changed,
        }
        return {name: column for name, column in columns.items() if column is not None}

    def __repr__(self) -> str:
        accounts = f"{len(self)} account{'' if len(self) == 1 else 's'}"
        n = len(self.snapshots)
        head = f"ScoreTrend({accounts}, {n} snapshot{'' if n == 1 else 's'}"
        if self.as_of is None:
            return head + ")"
        moves = ", ".join(f"{_count(self.direction, word)} {word}" for word in ("up", "down"))
        calls = ", ".join(f"{_count(self.trend, w)} {w}" for w in ("falling", "rising"))
        text = (
            f"{head} to {self.as_of.date()}: {moves}, {_count(self.direction, 'same')} same; "
            f"{calls}"
        )
        if self.band_changed is not None:
            text += f"; {int(self.band_changed.sum())} changed band"
        return text + ")"

    def to_records(self) -> list[dict[str, object]]:
        """One JSON-ready dict per account (NaN as ``None``), in `account_ids` order.

        Examples:
            >>> from cshealth.scoring import trend
            >>> history = {"account_id": ["A", "A"], "as_of": ["2025-05-01", "2025-06-01"]}
            >>> trend({**history, "score": [40, 47]}).to_records()[0]["direction"]
            'up'
        """
        columns = {
            "account_id" if name == "account_ids" else name: json_column(values)
            for name, values in self._columns().items()
        }
        return [dict(zip(columns, row)) for row in zip(*columns.values())]

    def to_dict(self) -> dict[str, object]:
        """Every field as strict JSON (`Result.to_dict`), and the slope's interval.

        The interval is ``"slope_confidence_interval": {"low": [...], "high": [...]}``.

        Examples:
            >>> from cshealth.scoring import trend
            >>> history = {"account_id": ["A", "A"], "as_of": ["2025-05-01", "2025-06-01"]}
            >>> data = trend({**history, "score": [40, 47]}).to_dict()
            >>> data["change"], data["slope_confidence_interval"]
            ([7.0], {'low': [0.225...], 'high': [0.225...]})
        """
        interval = self.slope_confidence_interval()
        return {**super().to_dict(), "slope_confidence_interval": jsonable(interval)}


def _count(labels: ObjectArray, word: str) -> int:
    return int(np.sum(labels == word))
