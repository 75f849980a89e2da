"""How good are churn probabilities: Brier score, skill, calibration and reliability.

`probability_metrics` judges probabilities of churn within the horizon against what
happened: the Brier score and its skill against always predicting the base rate; the
calibration in the large, the calibration intercept and the calibration slope of
Van Calster et al. (2019), "Calibration: the Achilles heel of predictive analytics"
(BMC Medicine 17:230); and a reliability table whose bins are never empty.

A health score is not a probability: ``1 - score/100`` scores worse than the base rate
alone (anchors, §C.3). Calibrate it first (`calibrate`), then judge the probabilities.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import float_array
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._result import Result
from cshealth._stats import ConfidenceInterval, check_confidence_level, z_critical
from cshealth._types import BoolArray, FloatArray
from cshealth.backtest._logistic import fit_logistic, grouped, slope_problem
from cshealth.backtest._panel_columns import check_churned
from cshealth.backtest._reliability import ReliabilityTable, reliability_table

__all__ = [
    "EPSILON",
    "MIN_EVENTS",
    "ProbabilityMetrics",
    "logit",
    "probabilities",
    "probability_metrics",
]

#: Probabilities are clipped to ``[EPSILON, 1 - EPSILON]`` before their logit is taken
#: (for the calibration intercept and slope only), so that a prediction of exactly 0 or 1
#: is a logit of about ±13.8 rather than an infinity.
EPSILON = 1e-6
#: Below this many churners (or renewers) a `SmallSampleWarning` says the calibration
#: figures rest on too few events.
MIN_EVENTS = 10

_NAN_INTERVAL = ConfidenceInterval(math.nan, math.nan)


@dataclass(frozen=True, eq=False, repr=False)
class ProbabilityMetrics(Result):
    """Brier score, skill, calibration and a reliability table (`probability_metrics`).

    Attributes:
        n: Observations with a probability (NaN probabilities are left out).
        events: How many of them churned.
        n_missing: Observations left out for a NaN probability.
        base_rate: ``events / n``.
        mean_predicted: The mean probability.
        brier: The Brier score: the mean of ``(p - churned)²`` (0 is perfect).
        brier_reference: The Brier score of predicting the base rate for everyone,
            ``base_rate · (1 - base_rate)``.
        brier_skill: ``1 - brier / brier_reference``: above 0 is better than the base
            rate, 1 is perfect, below 0 is worse than knowing only the base rate.
        calibration_in_the_large: Observed minus predicted: ``base_rate - mean_predicted``
            (positive: the probabilities are too low on average; 0 is the target).
        calibration_intercept: ``a`` of ``logit P(churn) = a + logit(p)`` (the logit as
            an offset, slope fixed at 1), fitted by maximum likelihood: Van Calster's
            calibration intercept, the log-odds form of calibration in the large. 0 is the
            target; negative means the probabilities are too high.
        calibration_intercept_interval: Its Wald interval from the fit's information.
        calibration_slope: ``b`` of ``logit P(churn) = a + b·logit(p)``: 1 is the target;
            below 1 the probabilities are too extreme, above 1 too timid.
        calibration_slope_interval: Its Wald interval.
        reliability: Per bin of probabilities: how many, the mean predicted and the
            observed churn rate with its Wilson interval (no empty bins).
        confidence_level: The level of every interval.
        undefined: The statistics that are NaN, each with the reason (one class only,
            a constant prediction, separation, no observations).
    """

    n: int
    events: int
    n_missing: int
    base_rate: float
    mean_predicted: float
    brier: float
    brier_reference: float
    brier_skill: float
    calibration_in_the_large: float
    calibration_intercept: float
    calibration_intercept_interval: ConfidenceInterval
    calibration_slope: float
    calibration_slope_interval: ConfidenceInterval
    reliability: ReliabilityTable
    confidence_level: float
    undefined: Mapping[str, str]

    def format(self) -> str:
        """The figures, one per line, then the reliability table."""
        if not self.n:
            return f"Probabilities: none to judge ({self.n_missing} missing)"
        level = f"{100 * self.confidence_level:g}%"
        intercept = _estimate(self.calibration_intercept, self.calibration_intercept_interval)
        slope = _estimate(self.calibration_slope, self.calibration_slope_interval)
        lines = [
            f"Probabilities of {self.n:,} observations: {self.events:,} churned (base rate "
            f"{_pct(self.base_rate)}), mean predicted {_pct(self.mean_predicted)}"
            + (f"; {self.n_missing:,} without a probability" if self.n_missing else ""),
            f"Brier score {_num(self.brier)} (base rate alone {_num(self.brier_reference)}); "
            f"skill {_num(self.brier_skill, '+.3f')}{_skill_word(self.brier_skill)}",
            f"calibration in the large (observed - predicted): "
            f"{_num(100 * self.calibration_in_the_large, '+.1f')} points",
            f"calibration intercept {intercept}, slope {slope} ({level} CI)",
        ]
        lines += [f"  {name}: NaN ({reason})" for name, reason in self.undefined.items()]
        return "\n".join([*lines, "", self.reliability.format()])

    def __repr__(self) -> str:
        return (
            f"ProbabilityMetrics(n={self.n}, events={self.events}, brier={_num(self.brier)}, "
            f"skill={_num(self.brier_skill)}, slope={_num(self.calibration_slope)})"
        )


def probability_metrics(
    p: ArrayLike,
    churned: ArrayLike,
    *,
    edges: ArrayLike | None = None,
    groups: ArrayLike | None = None,
    confidence_level: float = 0.95,
) -> ProbabilityMetrics:
    """Judge churn probabilities against outcomes: Brier, skill, calibration, reliability.

    Args:
        p: Each observation's probability of churn within the horizon, in ``[0, 1]``;
            NaN means no probability (left out and counted in ``n_missing``).
        churned: Whether each observation churned within the horizon (booleans, or 0 and
            1), as long as ``p``.
        edges: Cut points of the reliability bins on the probability scale, increasing,
            in ``[0, 1]`` (0 and 1 are added when missing). Bins are ``[low, high)``, the
            last ``[low, 1]``. Without ``edges`` or ``groups``: one bin per distinct
            probability when there are at most 20 of them (calibrated bands and isotonic
            steps), else ten bins at the deciles of ``p`` (a tied value is never split).
        groups: Instead of ``edges``, a label per observation (a band): one bin per label,
            ``None`` labels in the bin ``'(none)'``.
        confidence_level: The level of every interval, strictly between 0 and 1.

    Returns:
        A `ProbabilityMetrics`. Bins without observations are left out of its
        reliability table (a bin of nothing has no rate), unlike scikit-learn's
        ``calibration_curve``, whose fixed bins come back empty on coarse scores.

    Raises:
        InvalidInputError: On a probability outside ``[0, 1]`` or infinite, an outcome
            that is not a boolean or 0/1 (each naming its row), columns of different
            lengths, bad ``edges``, or both ``edges`` and ``groups``.

    Warns:
        SmallSampleWarning: With fewer than `MIN_EVENTS` churners or renewers: the
            calibration intercept and slope rest on too few events.

    Notes:
        With ``n`` observations, base rate ``ȳ`` and mean prediction ``p̄``:
        ``Brier = Σ(pᵢ - yᵢ)²/n``, ``Brier_ref = ȳ(1 - ȳ)``, ``skill = 1 - Brier/Brier_ref``;
        calibration in the large is ``ȳ - p̄``. The calibration intercept and slope are
        maximum-likelihood logistic fits on ``logit(p)``, each with a Wald interval. A
        statistic without a value is NaN and named, with the reason, in ``undefined``:
        skill, intercept and slope need churners and renewers both; the slope also needs
        two distinct probabilities that do not separate churners from renewers.

    Examples:
        A hundred accounts with a calibrated probability of 20% or 60%:

        >>> churned = [1] * 10 + [0] * 40 + [1] * 30 + [0] * 20
        >>> pm = probability_metrics([0.2] * 50 + [0.6] * 50, churned)
        >>> round(pm.brier, 3), round(pm.brier_reference, 3), round(pm.brier_skill, 3)
        (0.2, 0.24, 0.167)
        >>> round(pm.calibration_in_the_large, 6), round(pm.calibration_slope, 6)
        (0.0, 1.0)
        >>> print(pm.reliability)
        bin   n  churned  predicted  observed  95% CI
        0.2  50       10      20.0%     20.0%  11.2% to 33.0%
        0.6  50       30      60.0%     60.0%  46.2% to 72.4%
    """
    level = check_confidence_level(confidence_level)
    q = probabilities(p, "p")
    y = check_churned(churned, "churned")
    if len(y) != len(q):
        msg = f"`p` and `churned` must be of one length, got {len(q)} and {len(y)}"
        raise InvalidInputError(msg)
    keep = ~np.isnan(q)
    q, y = q[keep], y[keep]
    table = reliability_table(q, y, edges=edges, groups=_kept(groups, keep), level=level)
    n, events = len(q), int(y.sum())
    if n and min(events, n - events) < MIN_EVENTS:
        warnings.warn(
            f"calibration from {events} churners and {n - events} renewers (fewer than "
            f"{MIN_EVENTS} of one): the intercept and slope are uncertain",
            SmallSampleWarning,
            stacklevel=2,
        )
    return _metrics(q, y, n_missing=int((~keep).sum()), table=table, level=level)


def _metrics(
    q: FloatArray, y: BoolArray, *, n_missing: int, table: ReliabilityTable, level: float
) -> ProbabilityMetrics:
    n, events = len(q), int(y.sum())
    undefined: dict[str, str] = {}
    base = events / n if n else math.nan
    truth = y.astype(np.float64)
    brier = float(np.mean((q - truth) ** 2)) if n else math.nan
    reference = base * (1.0 - base)
    one_class = _one_class(n, events)
    if one_class:
        skill = math.nan
        undefined["brier_skill"] = f"{one_class}: the base rate's Brier score is 0"
    else:
        skill = 1.0 - brier / reference
    mean = float(q.mean()) if n else math.nan
    intercept, slope = _calibration_fits(q, truth, level, undefined, one_class)
    return ProbabilityMetrics(
        n=n,
        events=events,
        n_missing=n_missing,
        base_rate=base,
        mean_predicted=mean,
        brier=brier,
        brier_reference=reference,
        brier_skill=skill,
        calibration_in_the_large=base - mean,
        calibration_intercept=intercept[0],
        calibration_intercept_interval=intercept[1],
        calibration_slope=slope[0],
        calibration_slope_interval=slope[1],
        reliability=table,
        confidence_level=level,
        undefined=undefined,
    )


_Estimate = tuple[float, ConfidenceInterval]


def _calibration_fits(
    q: FloatArray, truth: FloatArray, level: float, undefined: dict[str, str], one_class: str
) -> tuple[_Estimate, _Estimate]:
    """The calibration intercept (logit offset) and slope, each with its Wald interval."""
    nothing: _Estimate = (math.nan, _NAN_INTERVAL)
    if one_class:
        undefined["calibration_intercept"] = undefined["calibration_slope"] = one_class
        return nothing, nothing
    z = z_critical(level)
    values, events, trials = grouped(logit(q), truth)
    fit = fit_logistic(values, events, trials, offset=values, slope=False)
    intercept = (fit.intercept, _wald(fit.intercept, fit.covariance[0, 0], z))
    problem = slope_problem(values, events, trials)
    if problem:
        undefined["calibration_slope"] = problem
        return intercept, nothing
    fit = fit_logistic(values, events, trials)
    return intercept, (fit.slope, _wald(fit.slope, fit.covariance[1, 1], z))


def _wald(estimate: float, variance: float, z: float) -> ConfidenceInterval:
    half = z * math.sqrt(variance)
    return ConfidenceInterval(estimate - half, estimate + half)


def _one_class(n: int, events: int) -> str:
    if not n:
        return "no observations with a probability"
    if events in (0, n):
        return f"every observation {'churned' if events else 'renewed'}"
    return ""


def logit(p: FloatArray) -> FloatArray:
    """``log(p / (1 - p))`` after clipping ``p`` to ``[EPSILON, 1 - EPSILON]``.

    Examples:
        >>> logit(np.array([0.5, 0.0])).round(3)
        array([  0.   , -13.816])
    """
    clipped = np.clip(p, EPSILON, 1.0 - EPSILON)
    out: FloatArray = np.log(clipped / (1.0 - clipped))
    return out


def probabilities(values: ArrayLike, name: str) -> FloatArray:
    """``values`` as a 1-D float array of probabilities in ``[0, 1]`` (NaN allowed).

    Raises:
        InvalidInputError: Naming the first row (1-based) outside ``[0, 1]``.

    Examples:
        >>> probabilities([0.1, 1.2], "p")
        Traceback (most recent call last):
        ...
        cshealth.InvalidInputError: `p` must hold probabilities in [0, 1] (or NaN for none), got 1.2 at row 2
    """  # noqa: E501
    q = float_array(values, name)
    if q.ndim != 1:
        msg = f"`{name}` must be one-dimensional, got an array of shape {q.shape}"
        raise InvalidInputError(msg)
    bad = np.flatnonzero(~np.isnan(q) & ~((q >= 0.0) & (q <= 1.0)))
    if len(bad):
        row = int(bad[0])
        msg = (
            f"`{name}` must hold probabilities in [0, 1] (or NaN for none), got "
            f"{float(q[row])!r} at row {row + 1}"
        )
        raise InvalidInputError(msg)
    return q


def _kept(groups: ArrayLike | None, keep: BoolArray) -> ArrayLike | None:
    if groups is None:
        return None
    labels = np.asarray(groups, dtype=object)
    if labels.shape != keep.shape:
        msg = f"`groups` must be as long as `p` ({len(keep)}), got shape {labels.shape}"
        raise InvalidInputError(msg)
    kept: ArrayLike = labels[keep]
    return kept


def _skill_word(skill: float) -> str:
    if math.isnan(skill):
        return ""
    return " (worse than the base rate alone)" if skill < 0 else " (better than the base rate)"


def _estimate(value: float, interval: ConfidenceInterval) -> str:
    if math.isnan(value):
        return "-"
    return f"{_num(value, '.3f')} ({_num(interval.low, '.3f')} to {_num(interval.high, '.3f')})"


def _num(value: float, spec: str = ".4f") -> str:
    """``value`` in format ``spec`` (``-`` for NaN), never a negative zero."""
    if math.isnan(value):
        return "-"
    digits = int(spec.rstrip("f").split(".")[-1])
    return format(round(value, digits) + 0.0, spec)


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.1f}%"
