"""The picture of active users: DAU day by day, WAU and MAU across their days, stickiness.

`draw_active` draws what an `ActiveUsers` holds over time, for one account or summed over
all: the distinct users active on each local day of the window (DAU, a point per day on
its date), WAU across the last 7 days and MAU across the whole window, each a level over
the days it counts (they are one number each, not a series: the result has no WAU of
earlier weeks). With stickiness, a second y axis on the right in percent is the left one
divided by MAU, so the DAU line reads on it as each day's DAU/MAU, and the stickiness
(mean DAU / MAU) is a level on it, through the middle of the DAU line. A window where
nobody was active has no stickiness (0 / 0): none is drawn, and no right axis.

This module holds arrays only; it imports nothing of the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cshealth._plot import date_ticks, label_axes, note, percent_axes
from cshealth._types import FloatArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ActiveDays", "draw_active"]

#: Headroom above MAU, the highest count drawn: the top of the left axis is this x MAU.
_HEADROOM = 1.05
_WEEK = 7


@dataclass(frozen=True)
class ActiveDays:
    """What the active-users picture shows.

    Attributes:
        days: The window's local days (``datetime64[D]``), oldest first.
        daily: Distinct users active on each day (summed over the accounts drawn).
        wau: Distinct users active on the last 7 days (summed likewise).
        mau: Distinct users active on any day of the window (summed likewise).
        timezone: The zone whose calendar days these are.
    """

    days: NDArray[np.datetime64]
    daily: FloatArray
    wau: int
    mau: int
    timezone: str

    @property
    def stickiness(self) -> float | None:
        """Mean DAU over MAU: ``Σ daily / (days x MAU)``; ``None`` when MAU is 0."""
        return float(self.daily.mean() / self.mau) if self.mau else None


def draw_active(
    ax: Axes,
    active: ActiveDays,
    *,
    stickiness: bool,
    label: str | None,
    style: Mapping[str, Any],
) -> Axes:
    """Draw DAU, WAU, MAU (and stickiness on a right axis); ``style`` goes to the DAU line.

    ``label`` prefixes every legend entry (``'A: DAU'``).
    """
    label_axes(ax, f"day ({active.timezone})", "active users")
    if not len(active.days):
        return note(ax)
    prefix = "" if label is None else f"{label}: "
    days = active.days
    options = {"marker": "o", "markersize": 3, "label": f"{prefix}DAU", **style}
    (line,) = ax.plot(days, active.daily, **options)
    color = line.get_color()
    week = days[-_WEEK:][[0, -1]]
    ax.plot(week, [active.wau] * 2, color=color, linestyle="--", label=f"{prefix}WAU (last 7 days)")
    n = len(days)
    ax.plot(
        days[[0, -1]], [active.mau] * 2, color=color, linestyle=":", label=f"{prefix}MAU ({n} days)"
    )
    handles, labels = ax.get_legend_handles_labels()
    share = active.stickiness
    if stickiness and share is not None:
        right = _share_axis(ax, active.mau)
        (level,) = right.plot(
            days[[0, -1]],
            [share, share],
            color=color,
            linestyle="-.",
            label=f"{prefix}DAU/MAU {share:.1%} (mean DAU / MAU)",
        )
        handles.append(level)
        labels.append(str(level.get_label()))
    else:
        ax.set_ylim(bottom=0.0)
    date_ticks(ax)
    ax.legend(handles, labels)
    return ax


def _share_axis(ax: Axes, mau: int) -> Axes:
    """A right axis in percent of ``mau``: both axes run from 0 to `_HEADROOM` x MAU."""
    right = ax.twinx()
    ax.set_ylim(0.0, _HEADROOM * mau)
    right.set_ylim(0.0, _HEADROOM)
    percent_axes(right, y=True)
    right.set_ylabel("share of MAU (DAU/MAU)")
    return right
