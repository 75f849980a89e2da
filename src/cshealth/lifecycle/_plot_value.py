"""The picture of time to first value by start cohort: medians with intervals, or shares.

`draw_value_cohorts` draws one point per start cohort at the cohort's first day (a date
axis, each cohort's label on its tick), joined by a line. For medians, an error bar runs
from the lower to the upper bound of the 95% interval; where the upper bound is not
known yet (the band has not fallen to one half) the bar stops at the median and a short
dotted arrow up from the point says the interval is open upwards. A value that is not known (a
cohort where fewer than half have reached value has no median; a share at a horizon no
one in the cohort was followed to) is NaN: no point, a break in the line, the cohort's
tick kept. This module holds arrays only; it imports nothing of the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cshealth._plot import date_numbers, label_axes, note, percent_axes
from cshealth._types import FloatArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["OPEN_ABOVE", "draw_value_cohorts"]

#: The length, in points, of the dotted arrow up from a median whose interval has no
#: upper bound yet.
OPEN_ABOVE = 24.0
#: Cohort labels written level up to this many; more are slanted so they do not overlap.
_LEVEL_TICKS = 6


def draw_value_cohorts(
    ax: Axes,
    starts: NDArray[np.datetime64],
    cohorts: Sequence[str],
    values: FloatArray,
    bounds: tuple[FloatArray, FloatArray] | None,
    *,
    ylabel: str,
    label: str | None,
    style: Mapping[str, Any],
) -> Axes:
    """Draw ``values`` per cohort on ``ax``; ``style`` goes to the points and their line.

    ``bounds`` (low, high) draws error bars (``errorbar``); without it, the points are a
    line (``plot``) of shares, on a percent axis from 0 to 100%.
    """
    label_axes(ax, "start cohort", ylabel)
    if not len(values):
        return note(ax) if not ax.has_data() else ax
    options: dict[str, Any] = {"marker": "o", "label": label, **style}
    if bounds is None:
        ax.plot(starts, values, **options)
        percent_axes(ax, y=True)
        ax.set_ylim(0.0, 1.05)
    else:
        low, high = bounds
        open_above = ~np.isnan(values) & np.isnan(high)
        above = np.where(open_above, 0.0, high - values)
        bars = ax.errorbar(starts, values, yerr=[values - low, above], capsize=3, **options)
        color = bars.lines[0].get_color()
        for x, y in zip(date_numbers(starts[open_above]).tolist(), values[open_above].tolist()):
            ax.annotate(
                "",
                xy=(x, y),
                xytext=(0.0, OPEN_ABOVE),
                textcoords="offset points",
                arrowprops={"arrowstyle": "<-", "color": color, "linestyle": ":"},
            )
        ax.set_ylim(bottom=0.0)
    _label_cohorts(ax, starts, cohorts)
    return ax


def _label_cohorts(ax: Axes, starts: NDArray[np.datetime64], cohorts: Sequence[str]) -> None:
    """Put each cohort's label on a tick at its first day, beside the cohorts already there.

    Cohorts already labelled on ``ax`` (a fixed set of ticks, from another group of a
    `Grouped` drawn before) keep their ticks, so every group's cohorts are named.
    """
    from matplotlib.ticker import FixedLocator  # noqa: PLC0415 - the optional extra

    ticks: dict[float, str] = {}
    if isinstance(ax.xaxis.get_major_locator(), FixedLocator):
        shown = [text.get_text() for text in ax.get_xticklabels()]
        ticks.update(zip(ax.get_xticks().tolist(), shown))
    ticks.update(zip(date_numbers(starts).tolist(), cohorts))
    at = sorted(ticks)
    slant: dict[str, Any] = {"rotation": 45, "ha": "right"} if len(at) > _LEVEL_TICKS else {}
    ax.set_xticks(at, [ticks[x] for x in at], **slant)
