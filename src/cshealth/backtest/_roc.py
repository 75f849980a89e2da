"""The ROC curve of a health score for churn, from the counts per score level.

Flagging the lowest scores first (higher health is lower risk), each cut "flag every
score at or below ``s``" catches a share of the churners (the true-positive rate) and
flags a share of the renewers (the false-positive rate). A tied block of scores enters
at once, so between two cuts the curve is one straight (diagonal) step: the area under
the drawn curve, by the trapezoid rule, is exactly the AUC with ties counting one half
(`cshealth.backtest._ranking.auc_counts`).

The corners are those of scikit-learn's ``roc_curve(churned, -score)``: levels without
observations are skipped, and a corner in the middle of a straight run of equal steps is
dropped (its ``drop_intermediate`` rule), which changes neither the drawn curve nor its
area, and keeps the curve short for a score with many distinct values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._result import RowsResult
from cshealth._types import FloatArray

__all__ = ["RocCurve", "roc_curve"]


@dataclass(frozen=True, eq=False, repr=False)
class RocCurve(RowsResult):
    """The ROC curve: churners caught against renewers flagged, lowest scores first.

    One row per corner of the curve (``to_pandas()``: ``score``, ``fpr``, ``tpr``), from
    ``(0, 0)`` (nothing flagged) to ``(1, 1)`` (everything flagged). Straight lines join
    the corners; a tied block of scores is one diagonal step, so the trapezoid area under
    the corners is the AUC (ties one half). ``Metrics.plot`` draws it.

    Attributes:
        score: The cut: every score at or below it is flagged (``-inf`` for the first
            corner, nothing flagged).
        fpr: The false-positive rate: the share of the renewers flagged (NaN without
            renewers).
        tpr: The true-positive rate: the share of the churners flagged (NaN without
            churners).

    Examples:
        >>> from cshealth.backtest._evaluate import evaluate
        >>> rows = {
        ...     "account_id": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        ...     "score": [10, 20, 20, 40, 40, 40, 60, 70, 80, 90, 90, 95],
        ...     "churned": [1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0],
        ... }
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # four churners: a SmallSampleWarning
        ...     ev = evaluate(rows, interval="delong")
        >>> roc = ev.overall.roc
        >>> roc.to_pandas().head(4)
           score    fpr   tpr
        0   -inf  0.000  0.00
        1   10.0  0.000  0.25
        2   20.0  0.125  0.50
        3   40.0  0.375  0.75
        >>> float(np.trapezoid(roc.tpr, roc.fpr)), ev.auc  # the AUC: ties count one half
        (0.828125, 0.828125)
    """

    score: FloatArray
    fpr: FloatArray
    tpr: FloatArray

    def __repr__(self) -> str:
        return f"RocCurve({len(self)} corners)"


def roc_curve(values: FloatArray, pos: FloatArray, neg: FloatArray) -> RocCurve:
    """The ROC curve from the churners ``pos`` and renewers ``neg`` at each level.

    Args:
        values: The levels' scores, ascending.
        pos: The churners at each level.
        neg: The renewers at each level.

    Examples:
        >>> pos, neg = np.array([1.0, 1.0, 0.0]), np.array([0.0, 1.0, 2.0])
        >>> c = roc_curve(np.array([10.0, 20.0, 30.0]), pos, neg)
        >>> c.score.tolist(), c.fpr.round(4).tolist(), c.tpr.tolist()
        ([-inf, 10.0, 20.0, 30.0], [0.0, 0.0, 0.3333, 1.0], [0.0, 0.5, 1.0, 1.0])
    """
    seen = (pos + neg) > 0
    cut, tps, fps = values[seen], np.cumsum(pos[seen]), np.cumsum(neg[seen])
    if len(cut) > 2:  # scikit-learn's drop_intermediate: the middle of a run of equal steps
        corner = np.concatenate(([True], (np.diff(fps, 2) != 0) | (np.diff(tps, 2) != 0), [True]))
        cut, tps, fps = cut[corner], tps[corner], fps[corner]
    return RocCurve(
        score=np.concatenate(([-np.inf], cut)),
        fpr=_shares(fps, float(neg.sum())),
        tpr=_shares(tps, float(pos.sum())),
    )


def _shares(cumulative: FloatArray, total: float) -> FloatArray:
    """``0`` then ``cumulative / total``; NaN throughout when ``total`` is 0."""
    corners = np.concatenate(([0.0], cumulative))
    return corners / total if total > 0 else np.full(len(corners), np.nan)
