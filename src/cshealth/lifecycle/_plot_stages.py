"""The pictures of stages: accounts per stage on one day, and per stage over a history.

`draw_stages` draws `StageAssignments` as horizontal bars, one per stage in the rules'
order (the first on top), each bar's length the accounts (or the MRR) in the stage, with
its count and its share of the whole written at its end. Accounts held in their stage by
``min_dwell_days`` are the hatched end of their stage's bar. By MRR, an account whose MRR
is unknown adds nothing and is counted in the axis label; a stage whose accounts all have
an unknown MRR gets no bar, only the words "MRR unknown", never a bar of 0.

`draw_history` draws a `StageHistory` as stacked areas, one per stage, over its days.
This module holds arrays only; it imports nothing of the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cshealth._plot import label_axes, note
from cshealth._types import BoolArray, FloatArray, IntArray, ObjectArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["draw_history", "draw_stages", "stage_order"]

#: The hatch of the accounts held in their stage by ``min_dwell_days``.
HELD_HATCH = "//"


def draw_stages(
    ax: Axes,
    names: Sequence[str],
    stage: ObjectArray,
    held: BoolArray,
    mrr: FloatArray | None,
    *,
    min_dwell_days: int,
    annotate: bool,
    label: str | None,
    style: Mapping[str, Any],
) -> Axes:
    """Draw the accounts (or, given ``mrr``, the MRR) per stage; ``style`` goes to ``barh``."""
    unknown = np.zeros(len(stage), dtype=bool) if mrr is None else np.isnan(mrr)
    unit = "accounts" if mrr is None else "MRR"
    if unknown.any():
        unit += f" ({int(unknown.sum())} accounts of unknown MRR left out)"
    label_axes(ax, unit)
    if not len(stage):
        return note(ax)
    k = len(names)
    codes = _codes(stage, names)
    values = np.ones(len(stage)) if mrr is None else np.where(unknown, 0.0, mrr)
    total = np.bincount(codes, weights=values, minlength=k).astype(np.float64)
    kept = np.bincount(codes, weights=values * held, minlength=k).astype(np.float64)
    measured = np.bincount(codes, weights=~unknown, minlength=k) > 0
    measured |= np.bincount(codes, minlength=k) == 0  # an empty stage: 0, measured
    at = np.flatnonzero(measured)
    if label is None and held.any():
        label = "by the rules"
    options: dict[str, Any] = {"label": label, **style}
    free = (total - kept)[at].tolist()
    bars = ax.barh(at, free, **options)
    if held.any():
        ax.barh(
            at,
            kept[at].tolist(),
            left=free,
            color=bars.patches[0].get_facecolor() if bars.patches else None,
            alpha=0.5,
            hatch=HELD_HATCH,
            label=f"held by min_dwell_days ({min_dwell_days} days)",
        )
        ax.legend()
    ax.set_yticks(range(k), list(names))
    if not ax.yaxis_inverted():
        ax.invert_yaxis()  # the first stage on top
    if annotate:
        _annotate(ax, total, measured, counts=mrr is None)
    ax.margins(x=0.2)  # room for the words at the end of the longest bar
    return ax


def _annotate(ax: Axes, total: FloatArray, measured: BoolArray, *, counts: bool) -> None:
    """Write each stage's total and share at the end of its bar ("MRR unknown": no bar)."""
    grand = float(total[measured].sum())
    for i, value in enumerate(total.tolist()):
        if not measured[i]:
            text = "MRR unknown"
        else:
            text = f"{int(value):,}" if counts else f"{value:,.0f}"
            if grand > 0:
                text += f" ({100 * value / grand:.0f}%)"
        ax.annotate(
            text,
            xy=(value if measured[i] else 0.0, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )


def stage_order(present: Sequence[str], known: Sequence[str]) -> list[str]:
    """The stages of ``present`` in the order of ``known``, then the others sorted.

    Examples:
        >>> stage_order(["zeta", "renewal", "churned"], ["churned", "renewal", "onboarding"])
        ['churned', 'renewal', 'zeta']
    """
    found = set(present)
    ordered = [name for name in dict.fromkeys(known) if name in found]
    return ordered + sorted(found - set(known))


def draw_history(
    ax: Axes,
    dates: NDArray[np.datetime64],
    as_of: NDArray[np.datetime64],
    stage: ObjectArray,
    names: Sequence[str],
    *,
    style: Mapping[str, Any],
) -> Axes:
    """Draw the accounts per stage on each day as stacked areas; ``style`` to ``stackplot``."""
    label_axes(ax, y="accounts")
    if not len(stage):
        return note(ax)
    day = np.searchsorted(dates, as_of)
    codes = _codes(stage, names)
    counts = np.zeros((len(names), len(dates)), dtype=np.int64)
    np.add.at(counts, (codes, day), 1)
    ax.stackplot(dates, counts, labels=list(names), **style)
    ax.set_ylim(bottom=0)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], title="stage")  # listed as stacked, top first
    return ax


def _codes(stage: ObjectArray, names: Sequence[str]) -> IntArray:
    """Each stage label's position in ``names`` (every label is one of them)."""
    order = np.argsort(np.asarray(names, dtype=object))
    sorted_names = np.asarray(names, dtype=object)[order]
    found: IntArray = order[np.searchsorted(sorted_names, stage)].astype(np.int64)
    return found
