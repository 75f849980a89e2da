"""The pictures of a score trend: one account's scores and slope, or every account's slope.

`ScoreTrend.plot` draws one of two pictures.

**One account** (`AccountScores`, `draw_account`): its score at each snapshot (real
dates on x), a point per scored snapshot joined by a line; a snapshot without a score is
a gap, never a 0. The Theil–Sen line runs across the scored snapshots, through
``median(y) - slope median(x)`` as `scipy.stats.theilslopes` puts it, its legend entry
giving the slope per 30 days and the trend called. Light lines mark the edges between
the bands, on the whole 0 to 100 scale.

**Every account** (`draw_slopes`): the distribution of the slopes, in points per 30 days,
as a histogram stacked by the trend called (falling, flat, rising, or too few points to
call one), with a line at 0. The slopes, not the mean score over time: every account's
slope is on the one 0 to 100 scale, and the mean of a changing set of accounts moves
when accounts come and go, not only when health does. An account with fewer than two
scores has no slope: it is not drawn, and a note counts such accounts.

This module holds arrays only; it imports nothing of the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cshealth._plot import date_ticks, label_axes, not_drawn, note, round_width
from cshealth._types import FloatArray, ObjectArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PER", "AccountScores", "draw_account", "draw_slopes", "slope_bins"]

#: Slopes are drawn per this many days (they are held per day).
PER = 30
#: The calls a slope can have, in stacking order, with their legend names and colours.
_CALLS: tuple[tuple[str | None, str, str], ...] = (
    ("falling", "falling", "tab:red"),
    ("flat", "flat (no trend)", "0.6"),
    ("rising", "rising", "tab:green"),
    (None, "too few points to call", "0.85"),
)
#: The most bins of the histogram of slopes.
_MAX_BINS = 30
_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class AccountScores:
    """What one account's score picture shows.

    Attributes:
        snapshots: The snapshots of the history (``datetime64``, UTC, ascending).
        scores: The account's score at each; NaN where it has none.
        slope: The Theil–Sen slope in points per day (NaN: not fitted).
        call: ``'falling'``, ``'rising'``, ``'flat'``, or ``None`` (too few points).
        edges: The scores between two bands (none without bands).
    """

    snapshots: NDArray[np.datetime64]
    scores: FloatArray
    slope: float
    call: str | None
    edges: tuple[float, ...]

    def fitted(self) -> tuple[NDArray[np.datetime64], FloatArray] | None:
        """The Theil–Sen line's ends, at the first and last scored snapshot; ``None`` unfitted."""
        scored = np.flatnonzero(~np.isnan(self.scores))
        if np.isnan(self.slope) or len(scored) < 2:  # a line needs two points
            return None
        days = (self.snapshots[scored] - self.snapshots[0]) / _DAY
        intercept = np.median(self.scores[scored]) - self.slope * np.median(days)
        ends = [0, -1]
        return self.snapshots[scored[ends]], intercept + self.slope * days[ends]


def slope_bins(slopes: FloatArray) -> FloatArray:
    """Edges of bins of one round width (1, 2, 2.5 or 5 times a power of 10), 0 on an edge.

    The narrowest such width giving about `_MAX_BINS` bins or fewer, and at least 0.5
    points per 30 days.
    """
    low, high = float(slopes.min()), float(slopes.max())
    width = round_width(max((high - low) / _MAX_BINS, 0.5))
    first, last = np.floor(low / width), np.floor(high / width) + 1
    return np.round(width * np.arange(first, last + 1), 12)


def draw_account(ax: Axes, scores: AccountScores, *, label: str, style: Mapping[str, Any]) -> Axes:
    """Draw one account's scores and slope; ``style`` goes to the line of scores."""
    label_axes(ax, "snapshot (UTC)", "health score")
    for edge in scores.edges:
        ax.axhline(edge, color="0.85", linewidth=0.8, zorder=0)
    (line,) = ax.plot(scores.snapshots, scores.scores, **{"marker": "o", "label": label, **style})
    fitted = scores.fitted()
    if fitted is not None:
        called = scores.call or "too few points to call"
        ax.plot(
            *fitted,
            linestyle="--",
            color=line.get_color(),
            label=f"Theil–Sen slope {PER * scores.slope:+.1f} points per {PER} days, {called}",
        )
    ax.set_ylim(0.0, 100.0)
    date_ticks(ax)
    ax.legend()
    return ax


def draw_slopes(
    ax: Axes, slope: FloatArray, call: ObjectArray, *, label: str | None, style: Mapping[str, Any]
) -> Axes:
    """Draw the slopes (points per day) of every account, stacked by their call.

    ``style`` goes to ``hist``; ``label`` titles the legend.
    """
    label_axes(ax, f"score slope (points per {PER} days)", "accounts")
    fitted = ~np.isnan(slope)
    not_drawn(ax, int((~fitted).sum()), "with fewer than two scores")
    if not fitted.any():
        return note(ax)
    per = PER * slope
    drawn = [(name, color, fitted & (call == value)) for value, name, color in _CALLS]
    drawn = [(name, color, rows) for name, color, rows in drawn if rows.any()]
    options: dict[str, Any] = {
        "bins": slope_bins(per[fitted]),
        "stacked": True,
        "color": [color for _, color, _ in drawn],
        "label": [name for name, _, _ in drawn],
        **style,
    }
    ax.hist([per[rows] for _, _, rows in drawn], **options)
    ax.axvline(0.0, color="0.25", linestyle="--", linewidth=1)
    ax.legend(title=label)
    return ax
