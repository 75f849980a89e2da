"""Ranking metrics from counts per score level: AUC, DeLong's variance, average precision.

A health score ranks risk the other way round: a LOWER score is a HIGHER risk. Every
metric here works on the score's distinct values (its *levels*), sorted ascending once,
with the churners (``pos``) and the renewers (``neg``) counted at each level; a million
observations of a 0..100 score are a hundred levels. Ties are handled exactly, never by
the order of the rows:

* the AUC is the probability that a churner scores lower than a renewer, a tie counting
  one half: ``roc_auc_score(churned, -score)`` of scikit-learn;
* the average precision takes each tied block at once, as scikit-learn's step definition
  ``Σ (Rₖ − Rₖ₋₁) Pₖ`` over the distinct scores does;
* DeLong's variance (DeLong, DeLong & Clarke-Pearson 1988) comes from the placements of
  Sun & Xu's (2014) midrank algorithm, which on tied data are the same for every
  observation of a level, so it costs one pass over the levels; the clustered version
  (Obuchowski 1997) sums the placements per account, for panels in which an account is
  observed on many dates, and equals DeLong's when every account is observed once.

The functions on counts take arrays whose LAST axis is the levels (``(..., L)``), so the
bootstrap evaluates a thousand replicates in one call. Counts may be weights (bootstrap
multiplicities, sample weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cshealth._types import BoolArray, FloatArray, IntArray

__all__ = [
    "AucTest",
    "Levels",
    "auc",
    "auc_counts",
    "auc_variance",
    "average_precision",
    "average_precision_counts",
    "class_counts",
    "levels",
    "paired_auc_test",
    "placements",
]


@dataclass(frozen=True)
class Levels:
    """A score's distinct values, ascending, and each observation's position among them.

    Attributes:
        values: The distinct scores, ascending (the riskiest first).
        codes: Per observation, the position of its score in ``values``.
    """

    values: FloatArray
    codes: IntArray

    def __len__(self) -> int:
        return len(self.values)


def levels(score: FloatArray) -> Levels:
    """The distinct values of ``score`` (no NaN) and each observation's level.

    Examples:
        >>> lv = levels(np.array([70.0, 20.0, 70.0]))
        >>> lv.values.tolist(), lv.codes.tolist()
        ([20.0, 70.0], [1, 0, 1])
    """
    values, codes = np.unique(score, return_inverse=True)
    return Levels(values, codes.astype(np.int64).reshape(-1))


def class_counts(
    codes: IntArray, churned: BoolArray, k: int, weights: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """``(pos, neg)``: the churners' and the renewers' count (or weight) at each of ``k`` levels.

    Examples:
        >>> pos, neg = class_counts(np.array([1, 0, 1]), np.array([True, False, False]), 2)
        >>> pos.tolist(), neg.tolist()
        ([0.0, 1.0], [1.0, 1.0])
    """
    w = np.ones(len(codes)) if weights is None else weights
    pos = np.bincount(codes, weights=np.where(churned, w, 0.0), minlength=k)
    neg = np.bincount(codes, weights=np.where(churned, 0.0, w), minlength=k)
    return pos.astype(np.float64), neg.astype(np.float64)


def auc_counts(pos: FloatArray, neg: FloatArray) -> FloatArray:
    """The AUC from counts per level (last axis, scores ascending); NaN without both classes.

    ``Σₗ posₗ (negₗ₊ + negₗ/2) / (P N)``, where ``negₗ₊`` counts the renewers above level
    ``l``: the share of (churner, renewer) pairs in which the churner scores lower, ties
    counting one half.

    Examples:
        >>> float(auc_counts(np.array([2.0, 1.0, 0.0]), np.array([0.0, 1.0, 2.0])))
        0.9444444444444444
    """
    total_neg = neg.sum(axis=-1)
    above = total_neg[..., None] - np.cumsum(neg, axis=-1)
    pairs = pos.sum(axis=-1) * total_neg
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(
            pairs > 0, (pos * (above + 0.5 * neg)).sum(axis=-1) / pairs, np.nan
        )
    return out


def average_precision_counts(pos: FloatArray, neg: FloatArray) -> FloatArray:
    """Average precision from counts per level (last axis); NaN without churners.

    Walking up from the lowest score, each level's tied block enters at once:
    ``Σₗ (posₗ / P) · TPₗ / (TPₗ + FPₗ)`` with the cumulative counts up to level ``l``
    (scikit-learn's ``average_precision_score`` of ``-score``).

    Examples:
        >>> float(average_precision_counts(np.array([1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0])))
        0.75
    """
    tp = np.cumsum(pos, axis=-1)
    seen = tp + np.cumsum(neg, axis=-1)
    total = pos.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(seen > 0, tp / np.where(seen > 0, seen, 1.0), 0.0)
        out: FloatArray = np.where(total > 0, (pos * precision).sum(axis=-1) / total, np.nan)
    return out


def placements(pos: FloatArray, neg: FloatArray) -> tuple[FloatArray, FloatArray]:
    """DeLong's placements per level: ``(v10, v01)`` (Sun & Xu's midrank form).

    ``v10[l]``: for a churner at level ``l``, the share of renewers scoring higher, a tie
    counting one half. ``v01[l]``: for a renewer at level ``l``, the share of churners
    scoring lower, ties one half. The AUC is the mean of ``v10`` over the churners and of
    ``v01`` over the renewers.

    Notes:
        In Sun & Xu's terms, with risk ``-score``: ``v10 = (T_Z − T_X) / N`` and ``v01 =
        1 − (T_Z − T_Y) / P``, where ``T_Z`` is an observation's midrank in the whole
        sample and ``T_X``, ``T_Y`` its midrank among the churners, the renewers. On
        counts per level the midranks are cumulative counts plus half the tied block.

    Examples:
        >>> v10, v01 = placements(np.array([1.0, 1.0]), np.array([0.0, 2.0]))
        >>> v10.tolist(), v01.tolist()
        ([1.0, 0.5], [0.25, 0.75])
    """
    n_neg = neg.sum(axis=-1, keepdims=True)
    n_pos = pos.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        v10 = (n_neg - np.cumsum(neg, axis=-1) + 0.5 * neg) / n_neg
        v01 = (np.cumsum(pos, axis=-1) - 0.5 * pos) / n_pos
    return v10, v01


def auc_variance(
    codes: IntArray,
    churned: BoolArray,
    k: int,
    *,
    clusters: IntArray | None = None,
    other: tuple[IntArray, int] | None = None,
) -> float:
    """The variance of the AUC (or of a difference of two AUCs) by DeLong's method.

    Args:
        codes: Each observation's level (`levels`).
        churned: Each observation's outcome.
        k: The number of levels.
        clusters: Each observation's cluster (account), ``0..K-1``; ``None`` when every
            observation is its own. Clustered, the placements are summed per account
            (Obuchowski 1997), which equals DeLong's variance when no account repeats.
        other: ``(codes, k)`` of a second score of the same observations: the variance of
            ``AUC(first) − AUC(second)`` (DeLong's paired test).

    Returns:
        The variance; NaN without two churners and two renewers (DeLong), or two clusters
        holding each (clustered).

    Notes:
        With placements ``V₁₀ᵢ`` (churners) and ``V₀₁ⱼ`` (renewers) and the AUC ``θ``,
        DeLong's variance is ``S₁₀/P + S₀₁/N``, ``S₁₀ = Σ(V₁₀ᵢ − θ)²/(P − 1)``. Clustered,
        with ``Xₖ``, ``Yₖ`` the sums of the placements of cluster ``k``'s churners and
        renewers, ``mₖ``, ``nₖ`` their numbers, and ``K₁₀``, ``K₀₁``, ``K`` the clusters
        with a churner, with a renewer, in all: ``S₁₀ = K₁₀/((K₁₀ − 1) P) Σ(Xₖ − mₖθ)²``,
        ``S₀₁`` alike, ``S₁₁ = K/(K − 1) Σ(Xₖ − mₖθ)(Yₖ − nₖθ)``, and the variance is
        ``S₁₀/P + S₀₁/N + 2 S₁₁/(P N)``. A difference of two AUCs uses the differences of
        the placements.
    """
    x, theta = _observation_placements(codes, churned, k)
    if other is not None:
        x2, theta2 = _observation_placements(other[0], churned, other[1])
        x, theta = x - x2, theta - theta2
    if clusters is None:
        return _delong(x[churned], x[~churned], theta)
    return _obuchowski(x, churned, clusters, theta)


def _observation_placements(
    codes: IntArray, churned: BoolArray, k: int
) -> tuple[FloatArray, float]:
    """Each observation's placement (``v10`` for a churner, ``v01`` for a renewer), and the AUC."""
    pos, neg = class_counts(codes, churned, k)
    v10, v01 = placements(pos, neg)
    return np.where(churned, v10[codes], v01[codes]), float(auc_counts(pos, neg))


def _delong(v10: FloatArray, v01: FloatArray, theta: float) -> float:
    p, n = len(v10), len(v01)
    if p < 2 or n < 2:
        return math.nan
    s10 = float(((v10 - theta) ** 2).sum()) / (p - 1)
    s01 = float(((v01 - theta) ** 2).sum()) / (n - 1)
    return s10 / p + s01 / n


def _obuchowski(x: FloatArray, churned: BoolArray, clusters: IntArray, theta: float) -> float:
    k = int(clusters.max()) + 1 if len(clusters) else 0
    m = np.bincount(clusters, weights=churned.astype(np.float64), minlength=k)
    n = np.bincount(clusters, weights=(~churned).astype(np.float64), minlength=k)
    dx = np.bincount(clusters, weights=np.where(churned, x, 0.0), minlength=k) - m * theta
    dy = np.bincount(clusters, weights=np.where(churned, 0.0, x), minlength=k) - n * theta
    used = (m + n) > 0
    k10, k01, k_all = int((m > 0).sum()), int((n > 0).sum()), int(used.sum())
    p, q = float(m.sum()), float(n.sum())
    if k10 < 2 or k01 < 2:
        return math.nan
    s10 = k10 / ((k10 - 1) * p) * float((dx**2).sum())
    s01 = k01 / ((k01 - 1) * q) * float((dy**2).sum())
    s11 = k_all / (k_all - 1) * float((dx * dy).sum())
    return s10 / p + s01 / q + 2.0 * s11 / (p * q)


@dataclass(frozen=True)
class AucTest:
    """DeLong's paired test of two AUCs on the same observations.

    Attributes:
        difference: ``AUC(second) − AUC(first)``.
        standard_error: Its standard error (NaN when undefined).
        statistic: ``difference / standard_error`` (NaN when undefined).
        pvalue: The two-sided p-value of "the two AUCs are equal" (NaN when undefined;
            1.0 when the two scores rank every pair alike).
    """

    difference: float
    standard_error: float
    statistic: float
    pvalue: float


def paired_auc_test(
    first: Levels, second: Levels, churned: BoolArray, *, clusters: IntArray | None = None
) -> AucTest:
    """DeLong's test that two scores of the same observations have one AUC.

    Examples:
        >>> churned = np.array([True, True, False, False, False, True])
        >>> a = levels(np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0]))
        >>> b = levels(np.array([10.0, 50.0, 30.0, 40.0, 20.0, 60.0]))
        >>> t = paired_auc_test(a, b, churned)
        >>> round(t.difference, 4), round(t.pvalue, 4)
        (-0.3333, 0.3173)
    """
    pos_a, neg_a = class_counts(first.codes, churned, len(first))
    pos_b, neg_b = class_counts(second.codes, churned, len(second))
    difference = float(auc_counts(pos_b, neg_b)) - float(auc_counts(pos_a, neg_a))
    variance = auc_variance(
        second.codes, churned, len(second), clusters=clusters, other=(first.codes, len(first))
    )
    se = math.sqrt(variance) if variance >= 0 else math.nan
    if not math.isfinite(se):
        return AucTest(difference, math.nan, math.nan, math.nan)
    if se == 0.0:  # every placement moves by the same amount: no sampling variation
        return AucTest(difference, 0.0, 0.0, 1.0) if difference == 0.0 else _certain(difference)
    from scipy import special  # noqa: PLC0415 - on first use: `import cshealth` stays light

    z = difference / se
    return AucTest(difference, se, z, float(2.0 * special.ndtr(-abs(z))))


def _certain(difference: float) -> AucTest:
    """A difference without sampling variation: an infinite statistic, p-value 0."""
    return AucTest(difference, 0.0, math.copysign(math.inf, difference), 0.0)


def auc(score: FloatArray, churned: BoolArray, weights: FloatArray | None = None) -> float:
    """The AUC of a health score for churn: ``roc_auc_score(churned, -score)``.

    Examples:
        >>> auc(np.array([10.0, 50.0, 50.0, 90.0]), np.array([True, True, False, False]))
        0.875
    """
    lv = levels(score)
    return float(auc_counts(*class_counts(lv.codes, churned, len(lv), weights)))


def average_precision(
    score: FloatArray, churned: BoolArray, weights: FloatArray | None = None
) -> float:
    """The average precision of a health score for churn (lowest scores first).

    Examples:
        >>> average_precision(np.array([10.0, 50.0, 50.0, 90.0]), np.array([1, 1, 0, 0]) > 0)
        0.8333333333333333
    """
    lv = levels(score)
    return float(average_precision_counts(*class_counts(lv.codes, churned, len(lv), weights)))
