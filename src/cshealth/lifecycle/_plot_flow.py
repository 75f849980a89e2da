"""The picture of a stage flow: the from-to matrix, or each stage's inflow and outflow.

`draw_flow_matrix` draws the matrix of `StageFlow` as a heatmap: one row per stage on
the earlier day (then ``new``), one column per stage on the later day (then ``gone``),
the colour of each cell its accounts (or MRR), the number written on it. A cell no
account moved through is masked, so it stays blank rather than taking the colour of 0;
the cells of the accounts that stayed in their stage (the diagonal) are outlined.

`draw_flow_bars` draws, per stage, the accounts (or MRR) that came into it from another
stage or as new accounts, up, and those that left it for another stage or went, down.
This module holds arrays only; it imports nothing of the flow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cshealth._plot import note, write_cells
from cshealth._types import FloatArray, IntArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["INFLOW", "OUTFLOW", "draw_flow_bars", "draw_flow_matrix"]

#: The legend entry of the flow into each stage.
INFLOW = "in (from other stages and new)"
#: The legend entry of the flow out of each stage.
OUTFLOW = "out (to other stages and gone)"


def draw_flow_matrix(
    ax: Axes,
    values: FloatArray,
    counts: IntArray,
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    days: tuple[str, str],
    unit: str,
    annotate: bool,
    cmap: str,
    style: Mapping[str, Any],
) -> Axes:
    """Draw the from-to matrix on ``ax``; ``style`` goes to ``imshow``."""
    ax.set_ylabel(f"stage on {days[0]}")
    ax.set_xlabel(f"stage on {days[1]}")
    if not counts.any():
        return note(ax)
    cells = np.ma.masked_array(values, mask=counts == 0)
    options: dict[str, Any] = {
        "cmap": cmap,
        "vmin": 0.0,
        "vmax": max(float(cells.max()), 1.0),
        "aspect": "auto",
        "interpolation": "nearest",
        **style,
    }
    image = ax.imshow(cells, **options)
    ax.figure.colorbar(image, ax=ax, label=unit)
    ax.set_xticks(range(len(columns)), list(columns), rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), list(rows))
    from matplotlib.patches import Rectangle  # noqa: PLC0415 - the optional extra

    for i, name in enumerate(rows):
        if name in columns:  # stayed in the stage
            j = list(columns).index(name)
            ax.add_patch(
                Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="0.2", linewidth=1.5)
            )
    if annotate:
        counts_only = unit == "accounts"
        write_cells(
            ax,
            image,
            cells.filled(np.nan),
            lambda _i, _j, value: f"{int(value):,}" if counts_only else f"{value:,.0f}",
        )
    return ax


def draw_flow_bars(
    ax: Axes,
    values: FloatArray,
    counts: IntArray,
    *,
    stages: Sequence[str],
    unit: str,
    annotate: bool,
    style: Mapping[str, Any],
) -> Axes:
    """Draw each stage's inflow up and outflow down; ``style`` goes to both ``bar`` calls.

    ``values`` is the square (stages and ``new``) by (stages and ``gone``) matrix; the
    first ``len(stages)`` rows and columns are the stages, in one order.
    """
    ax.set_ylabel(f"{unit} moved")
    if not counts.any():
        return note(ax)
    k = len(stages)
    stayed = np.diagonal(values)[:k]
    inflow = values[:, :k].sum(axis=0) - stayed
    outflow = values[:k, :].sum(axis=1) - stayed
    x = np.arange(k)
    counts_only = unit == "accounts"
    for flow, sign, name, color in ((inflow, 1, INFLOW, "C0"), (outflow, -1, OUTFLOW, "C3")):
        bars = ax.bar(x, sign * flow, **{"color": color, "label": name, **style})
        if annotate:
            words = [f"{int(v):,}" if counts_only else f"{v:,.0f}" for v in flow.tolist()]
            ax.bar_label(bars, labels=[w if v else "" for w, v in zip(words, flow.tolist())])
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_xticks(x, list(stages), rotation=45, ha="right")
    ax.legend()
    return ax
