"""The pictures of churn rates and probabilities: bands, reliability, calibration.

`draw_band_rates` draws the churn rate of each band as a bar, worst band first, with its
Wilson interval as an error bar, the rate of all the banded observations as a dashed line,
and each band's size under its name; a band without observations has no bar (its rate is
not 0, it is not measured). `draw_reliability` draws the reliability diagram: the observed
churn rate of each bin against its mean predicted probability, with Wilson intervals,
each point's area in proportion to its bin's observations, and the diagonal of perfect
calibration. `draw_calibration` draws a calibration's probability of churn against the
score: its steps (isotonic, bands) or its curve (logistic) with the interval as a band,
and for a logistic fit the churn rate of each decile bin it is judged against.
This module holds arrays only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cshealth._plot import BAND_ALPHA, NO_DATA, draw_once, label_axes, note, percent_axes
from cshealth._types import FloatArray, IntArray
from cshealth.backtest._pictures import REFERENCE_COLOR, from_zero, not_measured

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.typing import ColorType

__all__ = [
    "CalibrationPicture",
    "RatesPicture",
    "draw_band_rates",
    "draw_calibration",
    "draw_reliability",
]

#: The ``gid`` of the diagonal of perfect calibration, drawn once per ``Axes``.
DIAGONAL = "cshealth-calibrated"
#: The area (points²) of the marker of the largest bin of a reliability diagram.
LARGEST_MARKER = 200.0


@dataclass(frozen=True)
class RatesPicture:
    """Churn rates with their Wilson intervals, one per band or bin.

    Attributes:
        n: The observations of each.
        events: The churners among them.
        rate: ``events / n`` (NaN where ``n`` is 0).
        low: The lower bound of the rate's interval.
        high: Its upper bound.
        level: The intervals' coverage.
    """

    n: IntArray
    events: IntArray
    rate: FloatArray
    low: FloatArray
    high: FloatArray
    level: float


def draw_band_rates(
    ax: Axes, bands: Sequence[str], rates: RatesPicture, *, style: Mapping[str, Any]
) -> Axes:
    """Draw the churn rate per band; ``style`` goes to the bars."""
    label_axes(ax, "band (worst first)", "churn rate")
    percent_axes(ax, y=True)
    where = np.arange(len(bands))
    ax.set_xticks(where, [f"{band}\nn={n:,}" for band, n in zip(bands, rates.n.tolist())])
    total = int(rates.n.sum())
    if not total:
        return note(ax)
    seen = rates.n > 0
    rate, low, high = rates.rate[seen], rates.low[seen], rates.high[seen]
    level = f"{rates.level:.0%}"
    options: dict[str, Any] = {"capsize": 4, **style}
    ax.bar(
        where[seen],
        rate,
        yerr=np.vstack((rate - low, high - rate)),
        label=f"churn rate ({level} Wilson CI)",
        **options,
    )
    overall = int(rates.events.sum()) / total
    ax.axhline(
        overall,
        linestyle="--",
        linewidth=1,
        color=REFERENCE_COLOR,
        label=f"all bands: {overall:.1%}",
    )
    ax.set_xlim(-0.6, len(where) - 0.4)
    ax.legend()
    return ax


def draw_reliability(
    ax: Axes,
    predicted: FloatArray,
    observed: RatesPicture,
    *,
    label: str | None,
    style: Mapping[str, Any],
) -> Axes:
    """Draw the reliability diagram; ``style`` goes to the line and error bars."""
    label_axes(ax, "predicted probability of churn", "observed churn rate")
    percent_axes(ax, x=True, y=True)
    if not len(predicted):
        return not_measured(ax, NO_DATA, label)
    x, y = predicted, observed.rate
    level = f"{observed.level:.0%}"
    name = f"{label or 'observed'} ({level} Wilson CI; area: observations)"
    draw_once(
        ax,
        DIAGONAL,
        ax.axline,
        (0.0, 0.0),
        slope=1.0,
        linestyle="--",
        linewidth=1,
        color=REFERENCE_COLOR,
        label="perfectly calibrated",
    )
    options: dict[str, Any] = {"capsize": 3, **style}
    yerr = np.vstack((y - observed.low, observed.high - y))
    bars = ax.errorbar(x, y, yerr=yerr, label=name, **options)
    sizes = LARGEST_MARKER * observed.n / float(observed.n.max())
    points = ax.scatter(x, y, s=sizes, color=bars.lines[0].get_color(), zorder=3)
    from_zero(ax, points, (0.0, 0.0), x=True)
    ax.legend()
    return ax


@dataclass(frozen=True)
class CalibrationPicture:
    """What a calibration's picture shows, as arrays.

    Attributes:
        score: The scores the probability is drawn at: the corners of the steps, or a
            fine grid for a smooth curve.
        probability: The probability of churn there (NaN: a band without observations,
            left blank).
        low: The lower bound of its interval.
        high: The upper bound.
        steps: Whether the probability holds from each score to the next (steps).
        starts: How many of the first scores start a step (marked); the last may only
            carry the last step on to the highest score seen.
        name: The legend's name of the curve.
        bin_low: For the bins the fit is judged against (a logistic fit's deciles):
            the lowest score of each (empty without bins).
        bin_high: The highest score of each.
        observed: The churn rate of each bin.
        observed_low: The lower bound of its Wilson interval.
        observed_high: The upper bound.
        level: The intervals' coverage.
    """

    score: FloatArray
    probability: FloatArray
    low: FloatArray
    high: FloatArray
    steps: bool
    starts: int
    name: str
    bin_low: FloatArray
    bin_high: FloatArray
    observed: FloatArray
    observed_low: FloatArray
    observed_high: FloatArray
    level: float


def draw_calibration(
    ax: Axes,
    picture: CalibrationPicture | None,
    *,
    reason: str,
    horizon: str,
    label: str | None,
    style: Mapping[str, Any],
) -> Axes:
    """Draw a calibration (``None``: ``reason`` why not); ``style`` goes to its line."""
    label_axes(ax, "health score", f"probability of churn{horizon}")
    percent_axes(ax, y=True)
    if picture is None:
        return not_measured(ax, reason, label)
    level = f"{picture.level:.0%}"
    name = f"{label or picture.name} (band: {level} CI)"
    steps: dict[str, Any] = {
        "drawstyle": "steps-post",
        "marker": "o",
        "markersize": 3,
        "markevery": slice(0, picture.starts),
    }
    options = {**(steps if picture.steps else {}), **style}
    (line,) = ax.plot(picture.score, picture.probability, label=name, **options)
    ax.fill_between(
        picture.score,
        picture.low,
        picture.high,
        step="post" if picture.steps else None,
        color=line.get_color(),
        alpha=BAND_ALPHA,
        linewidth=0,
    )
    if len(picture.observed):
        _draw_bins(ax, picture, line.get_color(), level)
    from_zero(ax, line, (float(picture.score[0]), 0.0), x=False)
    ax.legend()
    return ax


def _draw_bins(ax: Axes, picture: CalibrationPicture, color: ColorType, level: str) -> None:
    """The churn rate of each bin, at the middle of its scores, with Wilson's interval."""
    rate = picture.observed
    ax.errorbar(
        (picture.bin_low + picture.bin_high) / 2.0,
        rate,
        xerr=(picture.bin_high - picture.bin_low) / 2.0,
        yerr=np.vstack((rate - picture.observed_low, picture.observed_high - rate)),
        linestyle="none",
        marker="o",
        markersize=4,
        color=color,
        label=f"observed per bin ({level} Wilson CI; across: its scores)",
    )
