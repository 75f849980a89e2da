"""The pictures of NPS results: a trend over time, a forest plot of groups, a migration matrix.

`draw_trend` draws an `NPSTrend`: a point per period at its start (real dates on x), the
period's interval as a vertical bar, a ring round each point whose change from the
previous disjoint period is significant, and a light line at 0. A period without an
answer is a gap in the line, never a point at 0. `draw_breakdown` draws an
`NPSBreakdown` as a forest plot: a row per group (first on top, its ``n`` in its label),
a point and its interval across, the overall NPS as a dashed line down, and a ring round
each group unlike the rest. `draw_migration` draws the 3×3 transitions of an
`NPSMigration`, coloured by each wave-1 row's share; a row nobody was in is blank.

NPS is drawn on its own scale, -100 to 100, so two pictures side by side compare. This
module holds arrays only; it imports nothing of the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._plot import (
    date_numbers,
    date_ticks,
    draw_once,
    label_axes,
    note,
    percent_formatter,
    write_cells,
)
from cshealth._types import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["draw_breakdown", "draw_migration", "draw_trend"]

#: The NPS axis: the whole scale, with room for the markers at -100 and 100.
NPS_LIMITS = (-105.0, 105.0)
#: The gid of the light line at NPS 0, drawn once per ``Axes``.
ZERO_LINE = "cshealth-nps-zero"
#: The legend entry of the rings round the significant changes of a trend.
SIGNIFICANT_CHANGE = "significant change"
#: The rows and columns of a migration, as `CATEGORIES` names them.
_CATEGORIES = ("detractor", "passive", "promoter")


def _label_once(ax: Axes, text: str) -> str:
    """``text``, or a label the legend skips when an artist of ``ax`` already carries it."""
    if any(line.get_label() == text for line in ax.get_lines()):
        return "_nolegend_"
    return text


def _ring(ax: Axes, x: ArrayLike, y: ArrayLike, *, color: object, label: str) -> None:
    """Hollow rings round the points ``(x, y)``: the mark of a significant result."""
    ax.plot(
        x,
        y,
        linestyle="none",
        marker="o",
        markersize=13,
        markerfacecolor="none",
        markeredgecolor=color,
        markeredgewidth=1.5,
        label=_label_once(ax, label),
    )


def draw_trend(
    ax: Axes,
    starts: NDArray[np.datetime64],
    scores: FloatArray,
    bounds: tuple[FloatArray, FloatArray],
    significant: BoolArray,
    *,
    xlabel: str,
    label: str | None,
    style: Mapping[str, Any],
) -> Axes:
    """Draw one NPS series on ``ax``; ``style`` goes to the line of points.

    ``scores`` and the ``bounds`` are ``NaN`` where a period has no answer: the line
    breaks there and no bar is drawn. The intervals and rings take the line's colour, so
    several series on one ``Axes`` (`Grouped.plot`) stay apart.
    """
    label_axes(ax, xlabel, "NPS")
    answered = ~np.isnan(scores)
    if not answered.any():
        return note(ax)
    draw_once(ax, ZERO_LINE, ax.axhline, 0.0, color="0.8", linewidth=0.8, zorder=0)
    (line,) = ax.plot(starts, scores, **{"marker": "o", "label": label, **style})
    color = line.get_color()
    low, high = bounds
    ax.vlines(starts[answered], low[answered], high[answered], color=color, linewidth=1.5)
    changed = significant & answered
    if changed.any():
        _ring(ax, starts[changed], scores[changed], color=color, label=SIGNIFICANT_CHANGE)
        ax.legend()
    ax.set_ylim(*NPS_LIMITS)
    _span_dates(ax, starts)
    return ax


def _span_dates(ax: Axes, starts: NDArray[np.datetime64]) -> None:
    """Let the x axis span every period, answered or not, and name the dates concisely.

    A period without an answer at either end still shows, as room without a point; the
    date labels are matplotlib's concise ones unless the caller set a formatter.
    """
    days = date_numbers(starts)
    ax.update_datalim(np.column_stack([days, np.zeros_like(days)]), updatey=False)
    ax.autoscale_view(scaley=False)
    date_ticks(ax)


def draw_breakdown(
    ax: Axes,
    labels: Sequence[str],
    scores: FloatArray,
    bounds: tuple[FloatArray, FloatArray],
    significant: BoolArray,
    *,
    n: IntArray,
    overall: tuple[float | None, int],
    marked: str,
    style: Mapping[str, Any],
) -> Axes:
    """Draw a forest plot of the groups on ``ax``; ``style`` goes to the groups' points.

    Row ``i`` (from the top) is group ``labels[i]``, labelled with its ``n``; ``overall``
    is the NPS of every response (``None`` without any answer, and then there is no
    group) and its ``n``; ``marked`` names the rings round the ``significant`` groups in
    the legend.
    """
    ax.set_xlabel("NPS")
    score, count = overall
    if score is None or not len(labels):
        return note(ax)
    rows = np.arange(len(labels), dtype=np.float64)
    (points,) = ax.plot(
        scores, rows, **{"linestyle": "none", "marker": "o", "label": "group NPS", **style}
    )
    color = points.get_color()
    low, high = bounds
    ax.hlines(rows, low, high, color=color, linewidth=1.5)
    ax.axvline(
        score, linestyle="--", color="0.35", linewidth=1, label=f"overall {score:.1f} (n={count})"
    )
    if significant.any():
        _ring(ax, scores[significant], rows[significant], color=color, label=marked)
    ax.set_yticks(rows, [f"{label} (n={size})" for label, size in zip(labels, n.tolist())])
    ax.set_ylim(len(labels) - 0.5, -0.5)  # the first group on top
    ax.set_xlim(*NPS_LIMITS)
    ax.legend()
    return ax


def draw_migration(
    ax: Axes,
    transitions: IntArray,
    *,
    annotate: bool,
    cmap: str,
    style: Mapping[str, Any],
) -> Axes:
    """Draw the 3×3 ``transitions`` on ``ax``, coloured by row share; ``style`` goes to ``imshow``.

    A cell's colour is its share of its wave-1 row (0 to 100%); a row nobody was in is
    masked, so it shows the ``Axes`` background. Each other cell is written with its
    count and its row share.
    """
    ax.set_xlabel("wave 2")
    ax.set_ylabel("wave 1")
    totals = transitions.sum(axis=1)
    if not totals.any():
        return note(ax)
    empty = np.repeat((totals == 0)[:, np.newaxis], 3, axis=1)
    with np.errstate(invalid="ignore"):
        shares = np.ma.masked_array(transitions / totals[:, np.newaxis], mask=empty)
    options: dict[str, Any] = {
        "cmap": cmap,
        "vmin": 0.0,
        "vmax": 1.0,
        "interpolation": "nearest",
        **style,
    }
    image = ax.imshow(shares, **options)
    ax.figure.colorbar(image, ax=ax, format=percent_formatter(), label="share of row")
    ax.set_xticks(range(3), list(_CATEGORIES))
    ax.set_yticks(
        range(3), [f"{name} (n={total})" for name, total in zip(_CATEGORIES, totals.tolist())]
    )
    if annotate:
        write_cells(
            ax,
            image,
            shares.filled(np.nan),
            lambda row, column, share: f"{transitions[row, column]}\n{100 * share:.0f}%",
        )
    return ax
