"""The pictures of health scores: their distribution by band, and one account's waterfall.

`draw_scores` (`HealthScores.plot`) draws a histogram over the 0..100 score scale, the
bars of each bin stacked by band, lowest band at the bottom, each band in its colour
(sampled evenly from a colour map, lowest band first) and named with its number of
accounts in the legend; the bands' cut-offs are dashed vertical lines. Accounts without
a score (insufficient data) are not drawn: the legend counts them.

`draw_explanation` (`Explanation.plot`) draws one account's contribution waterfall: one
row per node below the root, in the explanation's order (depth first), each measure a
horizontal bar from the running total to the running total plus its contribution
(points it adds in green, points it takes in red), each group a frame around the span of
its measures, and the score as a bar from 0 at the bottom, with a dotted line at it. A
measure without a score is not drawn as a 0: its bar, when its group's policy still gave
it points (``neutral``), is hatched, and its status (``missing: dropped, weights
renormalised``, ...) is written beside it, as is every status other than ``ok``.

This module holds numbers and text only; it imports nothing of the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._plot import DOWN, NO_DATA, UP, label_axes, note, unstick
from cshealth._types import FloatArray, ObjectArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Part", "draw_explanation", "draw_scores", "score_bins"]

#: The colour of the score (points a measure adds are `UP`, points it takes `DOWN`).
SCORE = "#37474f"
#: The colour of the frames, the cut-offs and the statuses.
_INK = "0.35"
#: The height of a row's bar, and of a group's frame.
_BAR, _FRAME = 0.6, 0.8


@dataclass(frozen=True)
class Part:
    """One node of an explanation, as the waterfall draws it.

    Attributes:
        name: Its path below the root, joined by ``" / "`` (``"usage / logins"``).
        group: Whether it is a group (drawn as a frame around its measures).
        points: Its contribution to the score.
        measured: Whether it has a score of its own.
        status: Its status in the explanation (``"ok"``, ``"missing: ..."``, ...).
    """

    name: str
    group: bool
    points: float
    measured: bool
    status: str


def score_bins(bins: object) -> FloatArray:
    """The bin edges of the histogram: ``bins`` equal bins over 0..100, or ``bins`` itself.

    Raises:
        InvalidInputError: When ``bins`` is neither a whole number >= 1 nor at least two
            increasing finite edges.
    """
    if isinstance(bins, int) and not isinstance(bins, bool):
        if bins >= 1:
            return np.linspace(0.0, 100.0, bins + 1)
    elif isinstance(bins, Sequence | np.ndarray) and not isinstance(bins, str):
        try:
            edges = np.asarray(bins, dtype=np.float64)
        except (TypeError, ValueError):
            edges = np.empty(0)
        increasing = edges.ndim == 1 and len(edges) >= 2 and bool((np.diff(edges) > 0).all())
        if increasing and np.isfinite(edges).all():
            return edges
    msg = (
        f"`bins` must be a number of equal bins over 0..100 (>= 1) or at least two "
        f"increasing edges, such as [0, 40, 70, 100]; got {bins!r}"
    )
    raise InvalidInputError(msg)


def draw_scores(
    ax: Axes,
    score: FloatArray,
    band: ObjectArray,
    counts: Mapping[str | None, int],
    cuts: Sequence[float],
    *,
    edges: FloatArray,
    cmap: str,
    style: Mapping[str, Any],
) -> Axes:
    """The histogram of ``score`` on ``edges``, stacked by band; ``style`` goes to the bars."""
    from matplotlib import colormaps  # noqa: PLC0415 - the optional extra
    from matplotlib.patches import Patch  # noqa: PLC0415 - the optional extra

    label_axes(ax, "health score", "accounts")
    ax.set_xlim(min(0.0, float(edges[0])), max(100.0, float(edges[-1])))
    unscored = counts.get(None, 0)
    if not np.isfinite(score).any():
        return note(ax, f"{NO_DATA}: {unscored} accounts without a score" if unscored else NO_DATA)
    labels = [label for label in counts if label is not None]
    colors = colormaps[cmap]((np.arange(len(labels)) + 0.5) / len(labels))
    bottom = np.zeros(len(edges) - 1)
    for label, color in zip(labels, colors):
        heights = np.histogram(score[band == label], bins=edges)[0].astype(np.float64)
        options: dict[str, Any] = {
            "width": np.diff(edges),
            "align": "edge",
            "color": color,
            "edgecolor": _INK,
            "linewidth": 0.4,
            "label": f"{label} ({counts[label]})",
            **style,
        }
        unstick(ax.bar(edges[:-1], heights, bottom=bottom, **options))
        bottom = bottom + heights
    for cut in cuts:
        ax.axvline(cut, color=_INK, linestyle="--", linewidth=0.8)
    handles, texts = ax.get_legend_handles_labels()
    if unscored:
        handles.append(Patch(facecolor="none", edgecolor="none"))
        texts.append(f"no score ({unscored}), not drawn")
    ax.legend(handles, texts, fontsize="small")
    return ax


def draw_explanation(
    ax: Axes,
    parts: Sequence[Part],
    *,
    score: float | None,
    band: str | None,
    coverage: float,
    min_coverage: float,
    style: Mapping[str, Any],
) -> Axes:
    """One account's contribution waterfall; ``style`` goes to the measures' bars."""
    label_axes(ax, "points of the health score")
    if score is None:
        below = f"coverage {coverage:.0%}, below the minimum {min_coverage:.0%}"
        return note(ax, f"insufficient data: {below}")
    rows = _Rows()
    level = 0.0
    for y, part in enumerate(parts):
        rows.add(part, y, level)
        if not part.group:
            level += part.points
    bottom = len(parts)
    rows.draw(ax, style)
    ax.barh([bottom], [score], height=_BAR, color=SCORE, label="score")
    ax.axvline(score, color=SCORE, linestyle=":", linewidth=1)
    ax.set_yticks(range(bottom + 1), [*(part.name for part in parts), f"score ({band})"])
    ax.set_ylim(bottom + 0.5, -0.5)
    ends = [0.0, *rows.ends]
    ax.set_xlim(min(0.0, *ends) - 2.0, max(100.0, *ends) + 2.0)
    ax.legend(fontsize="small")
    return ax


class _Rows:
    """The bars of a waterfall, gathered by how they are drawn, and the notes beside them."""

    def __init__(self) -> None:
        self.bars: dict[str, tuple[list[float], list[float], list[float]]] = {
            kind: ([], [], []) for kind in ("up", "down", "imputed", "group")
        }
        self.notes: list[tuple[float, float, str]] = []
        self.ends: list[float] = []

    def add(self, part: Part, y: int, left: float) -> None:
        """Place ``part`` on row ``y``, from ``left``."""
        if part.group:
            kind = "group"
        elif not part.measured:
            kind = "imputed"
        else:
            kind = "up" if part.points >= 0 else "down"
        right = left + part.points
        if part.measured or part.points or part.group:
            ys, lefts, widths = self.bars[kind]
            ys.append(y)
            lefts.append(left)
            widths.append(part.points)
        if part.status != "ok":
            self.notes.append((max(left, right), y, part.status))
        self.ends += [left, right]

    def draw(self, ax: Axes, style: Mapping[str, Any]) -> None:
        """Draw the bars (``style`` on the measured measures') and write the notes."""
        looks: dict[str, dict[str, Any]] = {
            "up": {"color": UP, "label": "adds points", **style},
            "down": {"color": DOWN, "label": "takes points", **style},
            "imputed": {
                "facecolor": "none",
                "edgecolor": _INK,
                "hatch": "///",
                "label": "not measured: points from its group's policy",
            },
            "group": {
                "facecolor": "none",
                "edgecolor": _INK,
                "linewidth": 1.0,
                "height": _FRAME,
                "label": "group: the sum of its measures",
            },
        }
        for kind, (ys, lefts, widths) in self.bars.items():
            if ys:
                ax.barh(ys, widths, left=lefts, **{"height": _BAR, **looks[kind]})
        for x, y, text in self.notes:
            ax.annotate(
                text,
                (x, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize="small",
                color=_INK,
            )
