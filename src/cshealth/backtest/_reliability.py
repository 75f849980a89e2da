"""The reliability table: predicted against observed churn, bin by bin, no bin empty.

scikit-learn's ``calibration_curve`` cuts ``[0, 1]`` into fixed bins and drops the empty
ones, so a score with five values gives five points for ten bins asked (anchors, §C.3).
Here the bins follow the data: one per distinct probability when there are few (calibrated
bands and isotonic steps), deciles of the probabilities otherwise, the caller's edges, or
the caller's labels (bands); a bin of nothing is never shown, and a tied probability is
never split between two bins.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import float_array
from cshealth._exceptions import InvalidInputError
from cshealth._grouped import NO_GROUP
from cshealth._plot import axes
from cshealth._result import RowsResult
from cshealth._stats import proportion_interval
from cshealth._text import align_columns
from cshealth._types import BoolArray, FloatArray, IntArray, ObjectArray
from cshealth.backtest._probability_pictures import RatesPicture, draw_reliability

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MAX_DISTINCT_BINS", "QUANTILE_BINS", "ReliabilityTable", "reliability_table"]

#: Up to this many distinct probabilities, each is a bin of its own.
MAX_DISTINCT_BINS = 20
#: Above `MAX_DISTINCT_BINS` distinct probabilities, the bins are this many quantiles.
QUANTILE_BINS = 10


@dataclass(frozen=True, eq=False, repr=False)
class ReliabilityTable(RowsResult):
    """Per bin of probabilities: size, mean predicted, observed rate with its interval.

    Rows are in increasing order of the mean predicted probability; ``to_pandas()`` has
    the columns ``bin``, ``n``, ``events``, ``mean_predicted``, ``observed``,
    ``observed_low`` and ``observed_high``; ``plot()`` draws the reliability diagram.

    Attributes:
        bin: Each bin's label: the probability itself (``'0.2'``), an interval
            (``'[0.1, 0.2)'``), or a group's label (a band).
        n: Observations in the bin (never 0).
        events: How many of them churned.
        mean_predicted: The bin's mean probability.
        observed: ``events / n``.
        observed_low: The lower bound of the observed rate's Wilson interval.
        observed_high: Its upper bound.
        confidence_level: The intervals' level.
    """

    bin: ObjectArray
    n: IntArray
    events: IntArray
    mean_predicted: FloatArray
    observed: FloatArray
    observed_low: FloatArray
    observed_high: FloatArray
    confidence_level: float

    row_fields = (
        "bin",
        "n",
        "events",
        "mean_predicted",
        "observed",
        "observed_low",
        "observed_high",
    )

    def format(self) -> str:
        """One line per bin: n, churned, predicted and observed with the interval."""
        rows = [
            [
                str(label),
                f"{n:,}",
                f"{k:,}",
                f"{100 * p:.1f}%",
                f"{100 * o:.1f}%",
                f"{100 * low:.1f}% to {100 * high:.1f}%",
            ]
            for label, n, k, p, o, low, high in zip(
                *(column.tolist() for column in self._columns().values())
            )
        ]
        header = ["bin", "n", "churned", "predicted", "observed", self._level()]
        return align_columns(header, rows, align="<>>>><", gaps="  ")

    def plot(self, ax: Axes | None = None, *, label: str | None = None, **style: object) -> Axes:
        """Draw the reliability diagram: observed churn against predicted, bin by bin.

        One point per bin at its mean predicted probability and observed churn rate,
        joined in order, with the Wilson interval of the rate as an error bar; a point's
        area is in proportion to its bin's observations (200 points² for the largest), so
        a small bin's wide interval is not mistaken for a large bin's. The dashed
        diagonal (drawn once per ``Axes``) is perfect calibration: a point below it
        predicted too much churn. Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            label: The name in the legend (two sets of probabilities on one ``Axes``).
            **style: Passed to ``errorbar`` (``color``, ``linestyle``, ``capsize``, ...);
                the points take its colour.

        Returns:
            The ``Axes`` drawn on.

        Raises:
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> q = np.array([0.1, 0.1, 0.1, 0.4, 0.5])
            >>> churned = np.array([False, False, True, True, True])
            >>> table = reliability_table(q, churned, edges=[0.3], groups=None, level=0.95)
            >>> ax = table.plot()
            >>> points = ax.collections[-1]
            >>> points.get_offsets().round(3).tolist()  # (mean predicted, observed)
            [[0.1, 0.333], [0.45, 1.0]]
            >>> points.get_sizes().round(1).tolist()  # three and two observations
            [200.0, 133.3]
            >>> plt.close(ax.figure)
        """
        observed = RatesPicture(
            self.n,
            self.events,
            self.observed,
            self.observed_low,
            self.observed_high,
            self.confidence_level,
        )
        return draw_reliability(axes(ax), self.mean_predicted, observed, label=label, style=style)

    def _level(self) -> str:
        return f"{100 * self.confidence_level:g}% CI"

    def __repr__(self) -> str:
        return f"ReliabilityTable({len(self)} bins, n={int(self.n.sum())})"


def reliability_table(
    q: FloatArray,
    churned: BoolArray,
    *,
    edges: ArrayLike | None,
    groups: ArrayLike | None,
    level: float,
) -> ReliabilityTable:
    """The reliability table of probabilities ``q`` (no NaN) against ``churned``.

    Examples:
        >>> q = np.array([0.1, 0.1, 0.4, 0.5])
        >>> t = reliability_table(q, q > 0.3, edges=[0.3], groups=None, level=0.95)
        >>> t.bin.tolist(), t.n.tolist(), t.observed.tolist()
        (['[0, 0.3)', '[0.3, 1]'], [2, 2], [0.0, 1.0])
    """
    if edges is not None and groups is not None:
        msg = "give `edges` or `groups` for the reliability bins, not both"
        raise InvalidInputError(msg)
    if groups is not None:
        codes, labels = _group_bins(groups)
    elif edges is not None:
        codes, labels = _edge_bins(q, _checked_edges(edges))
    else:
        codes, labels = _default_bins(q)
    return _table(q, churned, codes, labels, level)


def _table(
    q: FloatArray, churned: BoolArray, codes: IntArray, labels: ObjectArray, level: float
) -> ReliabilityTable:
    size = len(labels)
    n = np.bincount(codes, minlength=size)
    events = np.bincount(codes, weights=churned, minlength=size).round().astype(np.int64)
    total = np.bincount(codes, weights=q, minlength=size)
    shown = np.flatnonzero(n)
    n, events, total = n[shown], events[shown], total[shown]
    mean = total / n
    order = np.lexsort((labels[shown].astype(str), mean))
    low, high = proportion_interval(events, n, confidence_level=level)
    return ReliabilityTable(
        bin=labels[shown][order],
        n=n[order].astype(np.int64),
        events=events[order],
        mean_predicted=mean[order],
        observed=(events / n)[order],
        observed_low=low[order],
        observed_high=high[order],
        confidence_level=level,
    )


def _group_bins(groups: ArrayLike) -> tuple[IntArray, ObjectArray]:
    labels = np.asarray(groups, dtype=object)
    missing = np.equal(labels, np.array(None, dtype=object))
    text = labels.copy()
    text[missing] = NO_GROUP
    names, codes = np.unique(text.astype(str), return_inverse=True)
    return codes.astype(np.int64), names.astype(object)


def _default_bins(q: FloatArray) -> tuple[IntArray, ObjectArray]:
    values, codes = np.unique(q, return_inverse=True)
    if len(values) <= MAX_DISTINCT_BINS:
        return codes.astype(np.int64), np.array([f"{v:.4g}" for v in values], dtype=object)
    cuts = np.unique(np.quantile(q, np.linspace(0.0, 1.0, QUANTILE_BINS + 1), method="lower"))
    return _edge_bins(q, cuts)  # from the least to the greatest probability


def _edge_bins(q: FloatArray, cuts: FloatArray) -> tuple[IntArray, ObjectArray]:
    """Bins ``[cuts[i], cuts[i + 1])``, the last closed, for cuts covering ``q``."""
    codes = np.searchsorted(cuts[1:-1], q, side="right").astype(np.int64)
    labels = [f"[{low:.4g}, {high:.4g})" for low, high in itertools.pairwise(cuts.tolist())]
    labels[-1] = labels[-1][:-1] + "]"
    return codes, np.array(labels, dtype=object)


def _checked_edges(edges: ArrayLike) -> FloatArray:
    cuts = float_array(edges, "edges")
    if cuts.ndim != 1 or not len(cuts):
        msg = f"`edges` must be a non-empty sequence of probabilities, got {edges!r}"
        raise InvalidInputError(msg)
    if not (np.isfinite(cuts).all() and (cuts >= 0.0).all() and (cuts <= 1.0).all()):
        msg = f"`edges` must be probabilities in [0, 1], got {cuts.tolist()}"
        raise InvalidInputError(msg)
    if (np.diff(cuts) <= 0.0).any():
        msg = f"`edges` must be strictly increasing, got {cuts.tolist()}"
        raise InvalidInputError(msg)
    if cuts[0] > 0.0:
        cuts = np.concatenate(([0.0], cuts))
    if cuts[-1] < 1.0:
        cuts = np.append(cuts, 1.0)
    return cuts
