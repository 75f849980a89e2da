"""The picture of an MRR waterfall: the movements per period, or one period's classic waterfall.

`MRRMovements.plot` gathers its per-period sums into a `WaterfallPicture` and draws it
with one of three functions:

- `draw_periods` (the default): one column per period on a date axis, the gains (new,
  expansion, reactivation) stacked up from 0 and the losses (contraction, churn) stacked
  down from 0, each kind in its own colour, and the net new MRR (ending minus starting)
  as a black marker per period, joined by a thin line; ChartMogul's "MRR movements" chart.
- `draw_period` (``only=``): one period's classic waterfall: its starting MRR as a bar
  from 0, each movement as a floating bar from the running total (gains up in green,
  losses down in red), its ending MRR as a bar from 0, and dashed connectors at each
  running total between the bars.
- `draw_net` (``label=``, as `Grouped.plot` passes it): the net new MRR per period alone,
  one labelled line, so that the groups' waterfalls can share an ``Axes`` without their
  bars hiding one another.

Every number drawn is one the result holds: the five sums, ``starting_mrr`` and
``ending_mrr``. This module imports nothing of the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._plot import DOWN, UP, label_axes, note, unstick
from cshealth._types import DateArray, FloatArray
from cshealth.retention._periods import as_day

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "GAINS",
    "KIND_COLORS",
    "LOSSES",
    "WaterfallPicture",
    "draw_net",
    "draw_period",
    "draw_periods",
    "pick_period",
]

#: The movements that add MRR, stacked up from 0 in this order.
GAINS = ("new", "expansion", "reactivation")
#: The movements that take MRR away, stacked down from 0 in this order.
LOSSES = ("contraction", "churn")
#: Each kind's colour in the picture of many periods: greens up, reds down.
KIND_COLORS = {
    "new": "#1b7837",
    "expansion": "#5aae61",
    "reactivation": "#a6dba0",
    "contraction": "#f4a582",
    "churn": "#b2182b",
}
#: One period's waterfall: the starting and ending levels (gains `UP`, losses `DOWN`).
LEVEL = "#78909c"
#: The share of a period's width its column fills.
_WIDTH = 0.8


@dataclass(frozen=True)
class WaterfallPicture:
    """What an MRR waterfall shows, per period.

    Attributes:
        period: The calendar period (``"month"``), for the axis label.
        labels: Each period's label.
        starts: Each period's first day.
        end: The first day after the last period.
        starting: MRR in force just before each period.
        amounts: Per kind (`GAINS`, `LOSSES`), the movements per period, as positive sums.
        ending: MRR in force at the end of each period.
    """

    period: str
    labels: tuple[str, ...]
    starts: tuple[date, ...]
    end: date
    starting: FloatArray
    amounts: Mapping[str, FloatArray]
    ending: FloatArray

    def spans(self) -> tuple[DateArray, NDArray[np.timedelta64]]:
        """Each period's middle and length, to the minute (a date axis reads them)."""
        edges = np.array([*self.starts, self.end], dtype="datetime64[m]")
        lengths = np.diff(edges)
        return edges[:-1] + lengths // 2, lengths


def pick_period(only: object, labels: Sequence[str], starts: Sequence[date], end: date) -> int:
    """The index of the period ``only`` names: by its label, or by a day inside it.

    Raises:
        InvalidInputError: When ``only`` is neither a label nor a day, or the day is
            outside the window.
    """
    if isinstance(only, str) and only in labels:
        return list(labels).index(only)
    allowed = f"a period's label, one of {list(labels)}, or a day inside it"
    try:
        day = as_day(only, "only")
    except InvalidInputError as error:
        msg = f"`only` must be {allowed}; got {only!r} ({error})"
        raise InvalidInputError(msg) from error
    first = [as_day(start, "start") for start in starts]
    if not first or not first[0] <= day < as_day(end, "end"):
        window = f"[{starts[0]}, {end})" if starts else "(no periods)"
        msg = f"`only` ({only!r}) is outside the window {window}: give {allowed}"
        raise InvalidInputError(msg)
    return int(np.searchsorted(first, day, side="right")) - 1


def draw_periods(ax: Axes, picture: WaterfallPicture, style: Mapping[str, Any]) -> Axes:
    """Every period's movements stacked from 0, and the net new MRR as markers."""
    _money_axes(ax, picture.period, "MRR")
    if not picture.labels:
        return note(ax)
    centre, length = picture.spans()
    for kinds, sign in ((GAINS, 1.0), (LOSSES, -1.0)):
        base = np.zeros(len(centre))
        for kind in kinds:
            height = sign * picture.amounts[kind] + 0.0  # no -0.0
            options: dict[str, Any] = {
                "width": _WIDTH * length,
                "color": KIND_COLORS[kind],
                "label": kind,
                **style,
            }
            unstick(ax.bar(centre, height, bottom=base, **options))
            base = base + height
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    (net,) = ax.plot(
        centre,
        picture.ending - picture.starting,
        color="black",
        marker="o",
        markersize=5,
        linewidth=1,
        label="net new MRR",
    )
    handles, labels = ax.get_legend_handles_labels()
    last = handles.index(net)  # the net line after the kinds it sums
    order = [*range(last), *range(last + 1, len(handles)), last]
    ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize="small")
    return ax


def draw_net(ax: Axes, picture: WaterfallPicture, label: str, style: Mapping[str, Any]) -> Axes:
    """The net new MRR per period alone, one line labelled ``label``."""
    _money_axes(ax, picture.period, "net new MRR")
    if not picture.labels:
        return note(ax)
    centre, _ = picture.spans()
    options: dict[str, Any] = {"marker": "o", "markersize": 5, **style}
    ax.plot(centre, picture.ending - picture.starting, label=label, **options)
    return ax


def draw_period(ax: Axes, picture: WaterfallPicture, index: int, style: Mapping[str, Any]) -> Axes:
    """Period ``index``'s classic waterfall: start, each movement floating, end."""
    start, end = float(picture.starting[index]), float(picture.ending[index])
    bottoms, heights, colors = [0.0], [start], [LEVEL]
    level = start
    for kinds, sign, color in ((GAINS, 1.0, UP), (LOSSES, -1.0, DOWN)):
        for kind in kinds:
            amount = sign * float(picture.amounts[kind][index]) + 0.0  # no -0.0
            bottoms.append(level)
            heights.append(amount)
            colors.append(color)
            level += amount
    bottoms.append(0.0)
    heights.append(end)
    colors.append(LEVEL)
    x = np.arange(len(heights), dtype=np.float64)
    options: dict[str, Any] = {"width": _WIDTH, "color": colors, **style}
    unstick(ax.bar(x, heights, bottom=bottoms, **options))
    tops = np.add(bottoms, heights)[:-1]  # the running total after each bar but the last
    ax.hlines(
        tops, x[:-1] + _WIDTH / 2, x[1:] - _WIDTH / 2, colors="0.4", linestyles="dashed", lw=0.8
    )
    ax.set_xticks(x, ["start", *GAINS, *LOSSES, "end"])
    after = picture.starts[index + 1] if index + 1 < len(picture.starts) else picture.end
    last = after - timedelta(days=1)
    _money_axes(ax, f"{picture.labels[index]}: {picture.starts[index]} to {last}", "MRR")
    return ax


def _money_axes(ax: Axes, x: str, y: str) -> None:
    """Name the axes (unless the caller has), and write MRR with thousands separators."""
    from matplotlib.ticker import StrMethodFormatter  # noqa: PLC0415 - the optional extra

    label_axes(ax, x, y)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
