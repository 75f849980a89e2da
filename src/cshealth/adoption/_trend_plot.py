"""The pictures of a usage trend: one account's weeks and slope, or every account's change.

`UsageTrend.plot` draws one of two pictures.

**One account** (`AccountWeeks`, `draw_account`): the weekly totals of the slope window,
a point at the first day of each week joined by a line (weeks before the account's
first record are not observed: gaps, never zeros); the Theil–Sen line over the observed
weeks, through ``median(y) - slope median(x)`` as `scipy.stats.theilslopes` puts it; and
the two levels the drop band compares, each across the days it covers: the baseline (the
mean of the observed baseline windows) and the current window, in the colour of its band.
The levels are per 7 days (a window's total times ``7 / window_days``), the scale of the
weekly totals, so they read against the points whatever the window's length.

**Every account** (`draw_changes`): the distribution of ``change = current / baseline -
1`` as a histogram stacked by band (red, yellow, green), with the band thresholds as
vertical lines. The change, not the slope: the bands are drawn on it, and a change is
relative, so a large account and a small one are on one scale, where slopes are in each
account's own units a week. An account without a change (no baseline usage) is not drawn
as any value; a note says how many there are.

This module holds arrays only; it imports nothing of the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cshealth._plot import date_ticks, label_axes, not_drawn, note, percent_axes, round_width
from cshealth._types import FloatArray, ObjectArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["BAND_COLORS", "AccountWeeks", "change_bins", "draw_account", "draw_changes"]

#: The colour of each band, and of a window without one (no baseline).
BAND_COLORS: Mapping[str | None, str] = {
    "red": "tab:red",
    "yellow": "goldenrod",
    "green": "tab:green",
    None: "0.5",
}
_WEEK = 7
#: The most bins of the histogram of changes.
_MAX_BINS = 40


@dataclass(frozen=True)
class AccountWeeks:
    """What one account's usage picture shows.

    Attributes:
        starts: The first day of each week of the slope window (``datetime64[D]``).
        totals: The measure summed over each week; NaN where the week is not observed.
        slope: The Theil–Sen slope, measure units per week (NaN: not fitted).
        call: ``'falling'``, ``'rising'`` or ``None`` (no trend called).
        end: The day ``as_of`` falls in: the windows end at its start.
        window_days: The length of the current and of each baseline window, in days.
        current: The measure summed over the current window.
        baseline: The mean over the observed baseline windows (NaN when none is).
        baseline_observed: How many baseline windows were observed.
        change: ``current / baseline - 1`` (NaN when undefined).
        band: ``'red'``, ``'yellow'``, ``'green'``, or ``None`` without a change.
    """

    starts: NDArray[np.datetime64]
    totals: FloatArray
    slope: float
    call: str | None
    end: np.datetime64
    window_days: int
    current: float
    baseline: float
    baseline_observed: int
    change: float
    band: str | None

    def fitted(self) -> tuple[NDArray[np.datetime64], FloatArray] | None:
        """The Theil–Sen line's ends, at the first and last observed week; ``None`` unfitted."""
        weeks = np.flatnonzero(~np.isnan(self.totals))
        if np.isnan(self.slope) or len(weeks) < 2:  # a line needs two weeks
            return None
        intercept = np.median(self.totals[weeks]) - self.slope * np.median(weeks)
        ends = weeks[[0, -1]]
        return self.starts[ends], intercept + self.slope * ends.astype(np.float64)

    def level(self, windows: int) -> tuple[NDArray[np.datetime64], float]:
        """The first and the end day of a level's span, and the factor to a total per 7 days.

        ``level(0)`` spans the current window, ``level(k)`` the ``k`` windows before it.
        """
        length = np.timedelta64(self.window_days, "D")
        first = self.end - (windows + 1) * length
        last = self.end - length if windows else self.end
        return np.array([first, last], dtype="datetime64[D]"), _WEEK / self.window_days


def change_bins(changes: FloatArray) -> FloatArray:
    """Edges of bins of one round width (10%, 20%, 25%, 50%, 100%, ...) from -100%.

    The narrowest such width giving about `_MAX_BINS` bins or fewer. The bins
    start at -100% (no change is below), so thresholds that are multiples of the width
    (the default -50% and -20%, at 10%) fall on edges.
    """
    low = min(-1.0, float(changes.min()))
    span = float(changes.max()) - low
    width = round_width(max(span / _MAX_BINS, 0.1))
    count = int(np.floor(span / width + 1e-9)) + 1
    return np.round(low + width * np.arange(count + 1, dtype=np.float64), 12)


def draw_account(
    ax: Axes, weeks: AccountWeeks, *, measure: str, label: str, style: Mapping[str, Any]
) -> Axes:
    """Draw one account's weeks, slope and window levels; ``style`` goes to the weeks' line."""
    label_axes(ax, "week (first day, UTC)", f"{measure} per week")
    (line,) = ax.plot(weeks.starts, weeks.totals, **{"marker": "o", "label": label, **style})
    color = line.get_color()
    fitted = weeks.fitted()
    if fitted is not None:
        called = f", {weeks.call}" if weeks.call else ", no trend called"
        ax.plot(
            *fitted,
            linestyle="--",
            color=color,
            label=f"Theil–Sen slope {weeks.slope:+.3g} a week{called}",
        )
    if weeks.baseline_observed and not np.isnan(weeks.baseline):
        days, per_week = weeks.level(weeks.baseline_observed)
        level = weeks.baseline * per_week
        n = weeks.baseline_observed
        ax.plot(
            days,
            [level, level],
            color="0.35",
            linestyle=":",
            linewidth=2,
            label=f"baseline: mean of {n} window{'' if n == 1 else 's'}",
        )
    days, per_week = weeks.level(0)
    level = weeks.current * per_week
    shown = "no baseline" if weeks.band is None else f"{weeks.change:+.0%}, {weeks.band}"
    ax.plot(
        days,
        [level, level],
        color=BAND_COLORS[weeks.band],
        linewidth=3,
        solid_capstyle="butt",
        label=f"current window: {shown}",
    )
    ax.set_ylim(bottom=0.0)
    date_ticks(ax)
    ax.legend()
    return ax


def draw_changes(
    ax: Axes,
    change: FloatArray,
    band: ObjectArray,
    *,
    thresholds: tuple[float, float],
    label: str | None,
    style: Mapping[str, Any],
) -> Axes:
    """Draw the changes of every account, stacked by band; ``style`` goes to ``hist``.

    ``thresholds`` are ``(red, yellow)``; ``label`` titles the legend.
    """
    label_axes(ax, "usage change against the baseline", "accounts")
    measured = ~np.isnan(change)
    not_drawn(ax, int((~measured).sum()), "without baseline usage")
    if not measured.any():
        return note(ax)
    red, yellow = thresholds
    names = {"red": f"red: ≤ {red:.0%}", "yellow": f"yellow: ≤ {yellow:.0%}"}
    names["green"] = f"green: > {yellow:.0%}"
    drawn = [name for name in ("red", "yellow", "green") if (band == name).any()]
    options: dict[str, Any] = {
        "bins": change_bins(change[measured]),
        "stacked": True,
        "color": [BAND_COLORS[name] for name in drawn],
        "label": [names[name] for name in drawn],
        **style,
    }
    ax.hist([change[band == name] for name in drawn], **options)
    for value in (red, yellow):
        ax.axvline(value, color="0.25", linestyle="--", linewidth=1)
    percent_axes(ax, x=True)
    ax.legend(title=label)
    return ax
