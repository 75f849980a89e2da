"""The picture of a cohort table: a heatmap with the unobserved cells left blank.

`draw_cohorts` draws the rates of a cohort table (`CohortTable`, `RevenueCohortTable`) as
an image: one row per cohort (labelled, first cohort on top), one column per offset, a
colour bar in percent, and each cell's rate written on it. A cell not yet observed at
``as_of`` is masked, so it shows the ``Axes`` background, never the colour of 0%; an
observed cell whose rate is undefined (a zero base, ``-`` in ``format()``) is masked too.
This module holds arrays only; it imports nothing of the tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cshealth._plot import percent_formatter, write_cells
from cshealth._types import BoolArray, FloatArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["draw_cohorts"]


def draw_cohorts(
    ax: Axes,
    rates: FloatArray,
    observed: BoolArray,
    *,
    cohorts: Sequence[str],
    period: str,
    annotate: bool,
    cmap: str,
    style: Mapping[str, Any],
) -> Axes:
    """Draw the grid of ``rates`` on ``ax``; ``style`` goes to ``imshow``.

    The colour scale runs from 0 to 100%, or to the highest rate when one passes 100%
    (net revenue retention), unless ``style`` sets ``vmin`` or ``vmax``.
    """
    ax.set_xlabel(f"{period}s since start")
    ax.set_ylabel("cohort")
    if not rates.size:
        return ax
    cells = np.ma.masked_array(rates, mask=~observed | np.isnan(rates))
    top = float(cells.max()) if cells.count() else 1.0
    options: dict[str, Any] = {
        "cmap": cmap,
        "vmin": 0.0,
        "vmax": max(1.0, top),
        "aspect": "auto",
        "interpolation": "nearest",
        **style,
    }
    image = ax.imshow(cells, **options)
    ax.figure.colorbar(image, ax=ax, format=percent_formatter(), label="retained")
    ax.set_xticks(range(rates.shape[1]), [str(k) for k in range(rates.shape[1])])
    ax.set_yticks(range(len(cohorts)), list(cohorts))
    if annotate:
        write_cells(
            ax, image, cells.filled(np.nan), lambda _row, _column, rate: f"{100 * rate:.0f}%"
        )
    return ax
