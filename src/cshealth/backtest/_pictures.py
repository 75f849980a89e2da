"""The pictures of how a score ranks churn: the ROC curve, cumulative gains, lift per tenth.

`draw_roc` draws the corners of an ROC curve joined by straight lines (a tied block of
scores is one diagonal step, so the area under the drawn line is the AUC) with the chance
diagonal and the AUC with its interval in the legend. `draw_gains` draws the gains table
from ``(0, 0)``: the share of the churners caught against the share flagged, lowest scores
first, with the random line and the perfect ranking's. `draw_lift` draws the lift of each
tenth of the observations as bars over the line of 1. Nothing not measured is drawn as 0:
a curve that has no value is left out and said so, in a note in the middle of an ``Axes``
of its own, or in the legend when it shares one (a group of `Grouped.plot`).

The lines every curve shares (chance, random) are drawn once per ``Axes``, found again by
their ``gid``. This module holds arrays only (it imports nothing of the results), and the
helpers the probability pictures share (`cshealth.backtest._probability_pictures`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cshealth._plot import draw_once, label_axes, note, percent_axes
from cshealth._stats import ConfidenceInterval
from cshealth._types import FloatArray

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

__all__ = ["GainsPicture", "draw_gains", "draw_lift", "draw_roc", "from_zero", "not_measured"]

#: The ``gid`` of the lines drawn once per ``Axes``.
CHANCE, RANDOM_GAINS, RANDOM_LIFT = "cshealth-chance", "cshealth-random", "cshealth-lift-1"
#: The colour of the reference lines.
REFERENCE_COLOR = "0.5"
#: The tenths of the lift bars.
_TENTH = 0.1


def not_measured(ax: Axes, reason: str, label: str | None) -> Axes:
    """Say that a curve has no value: in the middle of ``ax``, or in its legend when labelled.

    A labelled curve shares its ``Axes`` with others (`Grouped.plot`, one per date), so
    its reason goes into the legend as an entry with nothing drawn.
    """
    if label is None:
        return note(ax, reason)
    ax.plot([], [], linestyle="none", label=f"{label}: {reason}")
    ax.legend()
    return ax


def reference_line(ax: Axes, gid: str, x: list[float], y: list[float], label: str) -> None:
    """A dashed grey line, drawn once on ``ax`` (found again by its ``gid``)."""
    draw_once(
        ax, gid, ax.plot, x, y, linestyle="--", linewidth=1, color=REFERENCE_COLOR, label=label
    )


def from_zero(ax: Axes, artist: Artist, corner: tuple[float, float], *, x: bool) -> None:
    """Start the y axis (and the x axis, when asked) at 0, still fitting what is drawn.

    ``corner`` joins the data limits and the axes stick at 0 (``sticky_edges``): the
    limits stay automatic, so a curve drawn later on the same ``Axes`` still fits.
    """
    artist.sticky_edges.y.append(0.0)
    if x:
        artist.sticky_edges.x.append(0.0)
    ax.update_datalim([corner])
    ax.autoscale_view()


def auc_text(auc: float, interval: ConfidenceInterval, level: float) -> str:
    """``AUC 0.771 (95% CI 0.737 to 0.805)``, without the interval when it has no value."""
    low, high = float(interval.low), float(interval.high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"AUC {auc:.3f}"
    return f"AUC {auc:.3f} ({level:.0%} CI {low:.3f} to {high:.3f})"


def draw_roc(
    ax: Axes,
    fpr: FloatArray,
    tpr: FloatArray,
    *,
    text: str,
    reason: str | None,
    label: str | None,
    style: Mapping[str, Any],
) -> Axes:
    """Draw the ROC curve; ``style`` goes to its line, ``text`` (the AUC) to the legend."""
    label_axes(
        ax,
        "false-positive rate (share of renewers flagged)",
        "true-positive rate (share of churners flagged)",
    )
    if reason is not None:
        return not_measured(ax, reason, label)
    name = text if label is None else f"{label}: {text}"
    reference_line(ax, CHANCE, [0.0, 1.0], [0.0, 1.0], "chance (AUC 0.5)")
    ax.plot(fpr, tpr, label=name, **style)
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.legend(loc="lower right")
    return ax


@dataclass(frozen=True)
class GainsPicture:
    """What a gains picture shows, as arrays (by count, or by MRR).

    Attributes:
        fraction: The shares flagged, lowest scores first (the gains table's rows).
        captured: The share of the churners (or of the churned MRR) caught at each.
        base_rate: The share that churned: a perfect ranking has caught every churner
            once this share is flagged.
        by_mrr: Whether the shares are of the MRR.
        reason: Why there is nothing to draw (``None``: there is).
    """

    fraction: FloatArray
    captured: FloatArray
    base_rate: float
    by_mrr: bool
    reason: str | None


def draw_gains(
    ax: Axes, picture: GainsPicture, *, label: str | None, style: Mapping[str, Any]
) -> Axes:
    """Draw the cumulative gains curve; ``style`` goes to its line."""
    flagged = "MRR" if picture.by_mrr else "observations"
    caught = "churned MRR" if picture.by_mrr else "churners"
    label_axes(ax, f"share of {flagged} flagged (lowest scores first)", f"share of {caught} caught")
    percent_axes(ax, x=True, y=True)
    if picture.reason is not None:
        return not_measured(ax, picture.reason, label)
    options: dict[str, Any] = {"marker": "o", "markersize": 3, **style}
    reference_line(ax, RANDOM_GAINS, [0.0, 1.0], [0.0, 1.0], "random")
    (line,) = ax.plot(
        np.concatenate(([0.0], picture.fraction)),
        np.concatenate(([0.0], picture.captured)),
        label=label or "health score",
        **options,
    )
    perfect = "perfect ranking" if label is None else f"{label}: perfect ranking"
    ax.plot(
        [0.0, picture.base_rate, 1.0],
        [0.0, 1.0, 1.0],
        linestyle=":",
        linewidth=1,
        color=line.get_color(),
        label=perfect,
    )
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.02)
    ax.legend(loc="lower right")
    return ax


def tenths(picture: GainsPicture) -> tuple[FloatArray, FloatArray]:
    """The lower edge of each tenth of the observations (or MRR) and its lift."""
    at = np.isclose(picture.fraction / _TENTH, np.round(picture.fraction / _TENTH))
    caught = np.concatenate(([0.0], picture.captured[at]))
    edges = np.concatenate(([0.0], picture.fraction[at]))
    return edges[:-1], np.diff(caught) / np.diff(edges)


def draw_lift(
    ax: Axes, picture: GainsPicture, *, label: str | None, style: Mapping[str, Any]
) -> Axes:
    """Draw the lift of each tenth as bars; ``style`` goes to the bars."""
    by_mrr = picture.by_mrr
    flagged = "MRR" if by_mrr else "observations"
    label_axes(
        ax,
        f"tenth of the {flagged} (lowest scores first)",
        "MRR lift (churned MRR share / MRR share)" if by_mrr else "lift (churn rate / overall)",
    )
    percent_axes(ax, x=True)
    if picture.reason is not None:
        return not_measured(ax, picture.reason, label)
    left, lift = tenths(picture)
    options: dict[str, Any] = {"edgecolor": "white", **style}
    reference_line(ax, RANDOM_LIFT, [0.0, 1.0], [1.0, 1.0], "random (lift 1)")
    bars = ax.bar(
        left, lift, width=_TENTH, align="edge", label=label or "lift of each tenth", **options
    )
    ax.bar_label(bars, fmt="{:.2f}", fontsize="small")
    ax.set_xlim(0.0, 1.0)
    ax.set_xticks(np.linspace(0.0, 1.0, 11))
    ax.legend(loc="upper right")
    return ax
