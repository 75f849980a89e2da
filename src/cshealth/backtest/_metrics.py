"""`Metrics`: what one set of observations says of a score (pooled, or one date).

Its size, AUC with an interval, average precision, tie-aware lift (by count and by MRR),
the gains table, the ROC curve, churn per band and, given a calibration, the probability
metrics; ``plot()`` draws the ROC curve (or the gains). `Evaluation` holds one pooled and
one per observation date.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

import numpy as np

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._plot import NO_DATA, axes
from cshealth._result import Result
from cshealth._stats import ConfidenceInterval
from cshealth._types import FloatArray
from cshealth.backtest._band_rates import BandRates
from cshealth.backtest._evaluation_text import ci_text, interval_text, num, pct
from cshealth.backtest._lift import Gains
from cshealth.backtest._pictures import auc_text, draw_gains, draw_roc
from cshealth.backtest._probability import ProbabilityMetrics
from cshealth.backtest._roc import RocCurve

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Metrics"]

#: The pictures of `Metrics.plot`: the ROC curve, or the cumulative gains.
_KINDS = ("roc", "gains")


@dataclass(frozen=True, eq=False, repr=False)
class Metrics(Result):
    """How well a score ranked churn in one set of observations (pooled, or one date).

    ``plot()`` draws its ROC curve, with the AUC and its interval in the legend.

    Attributes:
        as_of: The observation date (``None``: every date pooled).
        n: The scored observations (the metrics' sample).
        events: How many of them churned.
        unscored: Observations left out for a NaN score.
        base_rate: ``events / n``.
        auc: The probability that a churner scored lower than a renewer (ties count one
            half): ``roc_auc_score(churned, -score)``. 0.5 is chance, 1 perfect.
        auc_interval: Its interval (``method``; NaN bounds when undefined).
        average_precision: The average precision of the lowest scores first (tied blocks
            at once); compare it with ``base_rate``, its value for a random score.
        average_precision_interval: Its bootstrap interval (NaN with DeLong).
        fractions: The shares of the observations the lifts are taken at.
        lift: The tie-aware lift of the lowest ``fractions`` of the scores.
        lift_interval: Their bootstrap intervals (NaN with DeLong).
        mrr_lift: The MRR-weighted lift at each fraction: the share of the churned MRR
            held by the lowest-scored accounts holding that share of the MRR, over the
            share (observations with a known MRR only).
        mrr_known: The scored observations with a known MRR.
        gains: The gains table (5% to 100%), by count and by MRR.
        roc: The ROC curve's corners, lowest scores first (its trapezoid area is ``auc``).
        bands: Churn per band, worst first, with the trend test and the bottom band's
            precision and recall (``None`` without bands).
        probability: Brier score, skill and calibration of the calibrated probabilities
            (``None`` without a calibration).
        method: How the intervals were computed: ``'bootstrap clustered by account'``,
            ``'DeLong'`` or ``'DeLong clustered by account (Obuchowski)'``.
        confidence_level: The intervals' coverage.
        n_resamples: The bootstrap replicates (``None`` with DeLong).
        undefined: The statistics that are NaN, each with the reason.
    """

    as_of: date | None
    n: int
    events: int
    unscored: int
    base_rate: float
    auc: float
    auc_interval: ConfidenceInterval
    average_precision: float
    average_precision_interval: ConfidenceInterval
    fractions: tuple[float, ...]
    lift: FloatArray
    lift_interval: ConfidenceInterval[FloatArray]
    mrr_lift: FloatArray
    mrr_known: int
    gains: Gains
    roc: RocCurve
    bands: BandRates | None
    probability: ProbabilityMetrics | None
    method: str
    confidence_level: float
    n_resamples: int | None
    undefined: Mapping[str, str]

    def lift_at(self, fraction: float) -> float:
        """The lift at one of `fractions` (also any of the gains table's 5%, 10%, ...).

        Raises:
            InvalidInputError: On a fraction that is neither.
        """
        for f, value in zip(self.fractions, self.lift.tolist()):
            if math.isclose(f, fraction):
                return float(value)
        for f, value in zip(self.gains.fraction.tolist(), self.gains.lift.tolist()):
            if math.isclose(f, fraction):
                return float(value)
        msg = f"no lift at {fraction!r}; fractions: {list(self.fractions)} and 0.05 to 1.0"
        raise InvalidInputError(msg)

    def format(self) -> str:
        """The figures, one per line, then the bands and the probability metrics."""
        level = f"{self.confidence_level:.0%}"
        where = "all observations" if self.as_of is None else str(self.as_of)
        lifts = ", ".join(
            f"{f:.0%}: {num(v, '.2f')}" for f, v in zip(self.fractions, self.lift.tolist())
        )
        if np.isfinite(self.mrr_lift).any():
            lifts += "; by MRR " + ", ".join(num(v, ".2f") for v in self.mrr_lift.tolist())
        lines = [
            f"{where}: {self.n:,} scored observations, {self.events:,} churned (base rate "
            f"{pct(self.base_rate)})" + (f"; {self.unscored:,} unscored" if self.unscored else ""),
            f"AUC {num(self.auc, '.3f')} ({level} CI {interval_text(self.auc_interval, '.3f')}; "
            f"{self._method()})",
            f"average precision {num(self.average_precision, '.3f')}"
            + ci_text(self.average_precision_interval, level),
            f"lift of the lowest {lifts}",
        ]
        lines += [f"  {name}: NaN ({reason})" for name, reason in self.undefined.items()]
        if self.bands is not None:
            lines += ["", self.bands.format()]
        if self.probability is not None:
            lines += ["", self.probability.format()]
        return "\n".join(lines)

    def _method(self) -> str:
        if self.n_resamples is None:
            return self.method
        return f"{self.method}, {self.n_resamples:,} resamples"

    def __repr__(self) -> str:
        where = "pooled" if self.as_of is None else str(self.as_of)
        return (
            f"Metrics({where}, n={self.n}, events={self.events}, auc={num(self.auc, '.3f')} "
            f"[{interval_text(self.auc_interval, '.3f')}], lift@10%={num(self._lift10(), '.2f')})"
        )

    def _lift10(self) -> float:
        return float(np.interp(0.1, self.gains.fraction, self.gains.lift)) if self.n else math.nan

    def plot(
        self,
        ax: Axes | None = None,
        *,
        kind: Literal["roc", "gains"] = "roc",
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw the ROC curve, with the AUC and its interval in the legend (or the gains).

        The corners of `roc` joined by straight lines, from ``(0, 0)`` to ``(1, 1)``: a
        tied block of scores is one diagonal step, so the area under the drawn line is
        the AUC. The dashed diagonal is a score no better than chance (drawn once per
        ``Axes``). Without churners or renewers there is no curve: a note says why.
        ``kind='gains'`` draws `gains` instead (`Gains.plot`). Needs matplotlib
        (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            kind: ``{'roc', 'gains'}``.
            label: The curve's name in the legend, before its AUC (a date, a group).
            **style: Passed to the curve's line (``color``, ``linewidth``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            InvalidInputError: On an unknown ``kind``.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> import warnings
            >>> from cshealth.backtest._evaluate import evaluate
            >>> rows = {
            ...     "account_id": list(range(12)),
            ...     "score": [10, 20, 20, 40, 40, 40, 60, 70, 80, 90, 90, 95],
            ...     "churned": [1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0],
            ... }
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")  # four churners: a SmallSampleWarning
            ...     metrics = evaluate(rows, interval="delong").overall
            >>> ax = metrics.plot()
            >>> chance, curve = ax.get_lines()
            >>> curve.get_xdata().tolist()[:4], curve.get_ydata().tolist()[:4]
            ([0.0, 0.0, 0.125, 0.375], [0.0, 0.25, 0.5, 0.75])
            >>> float(np.trapezoid(curve.get_ydata(), curve.get_xdata())), metrics.auc
            (0.828125, 0.828125)
            >>> [text.get_text() for text in ax.get_legend().get_texts()]
            ['chance (AUC 0.5)', 'AUC 0.828 (95% CI 0.587 to 1.000)']
            >>> plt.close(ax.figure)
        """
        if one_of(kind, _KINDS, "kind") == "gains":
            return draw_gains(axes(ax), self.gains._picture(by_mrr=False), label=label, style=style)
        if not self.n:
            reason: str | None = NO_DATA
        else:
            why = self.undefined.get("auc")
            reason = None if why is None else f"AUC not measured: {why}"
        text = auc_text(self.auc, self.auc_interval, self.confidence_level)
        return draw_roc(
            axes(ax), self.roc.fpr, self.roc.tpr, text=text, reason=reason, label=label, style=style
        )
