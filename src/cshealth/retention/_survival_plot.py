"""The picture of a survival curve: steps, their confidence band, censoring ticks, the median.

`SurvivalCurve.plot` gathers what to draw into a `SurvivalPicture` and `draw_survival`
draws it on an ``Axes``, as lifelines' ``plot_survival_function`` does: the step
function from ``S(0) = 1`` to the last time anyone was watched, the pointwise band as a
stepped fill in the line's colour, a ``|`` tick on the curve at every censored time, and
the median lifetime as a dashed line across at 0.5 and down to the axis. Every element
takes the line's colour, so several curves on one ``Axes`` (`Grouped.plot`) stay apart.
This module holds arrays only; it imports nothing of the curve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cshealth._plot import BAND_ALPHA, label_axes
from cshealth._types import FloatArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SurvivalPicture", "draw_survival"]


@dataclass(frozen=True)
class SurvivalPicture:
    """What a survival curve's picture shows, as arrays.

    Attributes:
        times: The event times, ascending.
        survival: ``S`` just after each event time.
        low: The lower confidence bound at each event time.
        high: The upper confidence bound at each event time.
        end: The last time anyone was watched (event or censoring); the steps run to it.
        censored: The times at which someone was censored.
        median: The median lifetime, ``None`` when ``S`` never falls to 0.5.
    """

    times: FloatArray
    survival: FloatArray
    low: FloatArray
    high: FloatArray
    end: float
    censored: FloatArray
    median: float | None

    def steps(self, values: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The corners of a step function: 1 at time 0, ``values`` after each event.

        The last value holds on to `end`, the last time anyone was watched.
        """
        last = values[-1:] if len(values) else np.ones(1)
        x = np.concatenate(([0.0], self.times, [self.end]))
        y = np.concatenate(([1.0], values, last))
        if len(self.times) and self.end <= self.times[-1]:  # the last event ends the watch
            return x[:-1], y[:-1]
        return x, y

    def at(self, t: FloatArray) -> FloatArray:
        """``S`` at times ``t``: just after the last event time ``<= t`` (1 before any)."""
        return np.concatenate(([1.0], self.survival))[np.searchsorted(self.times, t, "right")]


def draw_survival(
    ax: Axes,
    picture: SurvivalPicture,
    *,
    ci: bool,
    censors: bool,
    median: bool,
    label: str | None,
    style: Mapping[str, Any],
) -> Axes:
    """Draw one curve on ``ax``; ``style`` goes to the step line, the rest takes its colour."""
    x, y = picture.steps(picture.survival)
    (line,) = ax.step(x, y, where="post", label=label, **style)
    color = line.get_color()
    if ci:
        _, low = picture.steps(picture.low)
        _, high = picture.steps(picture.high)
        ax.fill_between(
            x, low, high, step="post", color=color, alpha=BAND_ALPHA, linewidth=0, label=None
        )
    if censors and len(picture.censored):
        ax.plot(
            picture.censored,
            picture.at(picture.censored),
            linestyle="none",
            marker="|",
            markersize=8,
            color=color,
        )
    if median and picture.median is not None:
        ax.plot(
            [0.0, picture.median, picture.median],
            [0.5, 0.5, 0.0],
            linestyle="--",
            linewidth=1,
            color=color,
            alpha=0.7,
        )
    label_axes(ax, "time", "survival")
    ax.set_ylim(0.0, 1.05)
    ax.set_xlim(left=0.0)
    return ax
