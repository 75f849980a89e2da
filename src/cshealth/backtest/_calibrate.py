"""`calibrate`: turn health scores into probabilities of churn within the horizon.

Three methods, each fitted on the scored observations of a panel:

* ``isotonic``: the non-increasing step function closest to the churn rate per score
  (higher health, lower churn), by ``scipy.optimize.isotonic_regression`` on the rate of
  each distinct score weighted by its count; adjacent blocks of one probability are
  merged, and each block's interval is Wilson's on its counts;
* ``logistic``: ``logit P(churn) = a + b·score`` by maximum likelihood, with the
  delta-method interval;
* ``bands``: the churn rate of each band, with Wilson's interval.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, cast

import numpy as np

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._stats import check_confidence_level, proportion_interval
from cshealth._types import BoolArray, FloatArray, IntArray, ObjectArray
from cshealth.backtest._calibration import (
    Calibration,
    CalibrationMethod,
    CalibrationTable,
    logistic_interval,
)
from cshealth.backtest._logistic import fit_logistic, grouped, slope_problem
from cshealth.backtest._panel_columns import as_panel_columns
from cshealth.backtest._probability import MIN_EVENTS
from cshealth.scoring import Band, Closure

__all__ = ["calibrate"]

#: Bins of the logistic method's table: the deciles of the scores.
_LOGISTIC_BINS = 10


class _BandSource(Protocol):
    @property
    def bands(self) -> Sequence[Band]: ...
    @property
    def closure(self) -> Closure: ...


@dataclass(frozen=True)
class _Fit:
    """What a method fits: the table, the steps of `Calibration.predict`, the model."""

    table: CalibrationTable
    starts: FloatArray = field(default_factory=lambda: np.zeros(0))
    values: FloatArray = field(default_factory=lambda: np.zeros(0))
    lows: FloatArray = field(default_factory=lambda: np.zeros(0))
    highs: FloatArray = field(default_factory=lambda: np.zeros(0))
    side: Literal["left", "right"] = "right"
    coefficients: tuple[float, float] | None = None
    covariance: FloatArray = field(default_factory=lambda: np.zeros((2, 2)))
    undefined: str = ""


def calibrate(
    panel: object,
    *,
    method: CalibrationMethod = "isotonic",
    scorecard: object | None = None,
    confidence_level: float = 0.95,
) -> Calibration:
    """Fit a map from health score to the probability of churn within the horizon.

    Args:
        panel: A `Panel`, or plain columns ``account_id``, ``score`` and ``churned``
            (and ``band`` for the band method). Unscored observations (NaN score) are
            left out and counted.
        method: ``{'isotonic', 'logistic', 'bands'}``. ``isotonic`` (the default)
            assumes only that churn does not rise with health; ``logistic`` fits a
            smooth S-curve with two parameters; ``bands`` gives each band its churn
            rate.
        scorecard: For ``bands``: anything with ``bands`` and ``closure`` (a
            `Scorecard`, `HealthScores`), whose band edges place new scores. Without it
            the edges are read off the data: each band starts at its lowest score seen
            (``[min, next min)``, as ``lower_inclusive`` bands do).
        confidence_level: The level of the intervals, strictly between 0 and 1.

    Returns:
        A `Calibration`: ``predict(scores)`` gives probabilities, ``predict_interval``
        their intervals, ``table`` the steps, bands or bins behind them.

    Raises:
        InvalidInputError: On bad data (see `as_panel_columns`), no scored observation,
            an unknown method, ``bands`` without band labels, a scored observation
            without a band, bands whose scores overlap in the data (scorecards with
            different bands: pass ``scorecard`` or use ``isotonic``), or labels the
            ``scorecard`` lacks.

    Warns:
        SmallSampleWarning: With fewer than `MIN_EVENTS` churners or renewers.

    Notes:
        On the data it is fitted on, the isotonic and band calibrations are right on
        average: the mean predicted probability equals the observed churn rate, so the
        calibration in the large of `probability_metrics` is 0. A logistic fit needs
        churners and renewers that the score does not separate; otherwise its
        coefficients and predictions are NaN and ``undefined`` says why.

    Examples:
        >>> columns = {
        ...     "account_id": list(range(60)),
        ...     "score": [20] * 20 + [50] * 20 + [80] * 20,
        ...     "churned": [1] * 10 + [0] * 10 + [1] * 12 + [0] * 8 + [1] * 2 + [0] * 18,
        ... }
        >>> cal = calibrate(columns)
        >>> cal.predict([10, 20, 50, 65, 95]).round(3).tolist()
        [0.55, 0.55, 0.55, 0.55, 0.1]
        >>> print(cal.table)
        scores    n  churned  probability  interval
        20 to 50  40       22        55.0%  39.8% to 69.3%
        80        20        2        10.0%  2.8% to 30.1%
    """
    one_of(method, CalibrationMethod, "method")
    level = check_confidence_level(confidence_level)
    columns = as_panel_columns(panel)
    scored = ~np.isnan(columns.score)
    score, churned = columns.score[scored], columns.churned[scored]
    n, events = len(score), int(churned.sum())
    if not n:
        msg = "`panel` has no scored observation to calibrate on (every score is NaN)"
        raise InvalidInputError(msg)
    if min(events, n - events) < MIN_EVENTS:
        warnings.warn(
            f"calibration from {events} churners and {n - events} renewers (fewer than "
            f"{MIN_EVENTS} of one): its probabilities are uncertain",
            SmallSampleWarning,
            stacklevel=2,
        )
    if method == "isotonic":
        fit = _isotonic(score, churned, level)
    elif method == "logistic":
        fit = _logistic(score, churned, level)
    else:
        fit = _bands(
            score,
            churned,
            columns.band[scored],
            columns.bands,
            scorecard=scorecard,
            level=level,
        )
    return Calibration(
        method=method,
        table=fit.table,
        n=n,
        events=events,
        n_unscored=int((~scored).sum()),
        horizon_days=columns.horizon_days,
        confidence_level=level,
        coefficients=fit.coefficients,
        undefined=fit.undefined,
        _starts=fit.starts,
        _values=fit.values,
        _lows=fit.lows,
        _highs=fit.highs,
        _side=fit.side,
        _covariance=fit.covariance,
    )


def _isotonic(score: FloatArray, churned: BoolArray, level: float) -> _Fit:
    from scipy.optimize import isotonic_regression  # noqa: PLC0415 - scipy on first use

    values, events, trials = grouped(score, churned.astype(np.float64))
    blocks = isotonic_regression(events / trials, weights=trials, increasing=False).blocks
    first = np.asarray(blocks[:-1], dtype=np.int64)
    k, n = np.add.reduceat(events, first), np.add.reduceat(trials, first)
    # Adjacent blocks of one probability are one step: compare k/n exactly, crosswise.
    new = np.concatenate(([True], k[1:] * n[:-1] != k[:-1] * n[1:]))
    first = first[new]
    k, n = np.add.reduceat(events, first), np.add.reduceat(trials, first)
    last = np.append(first[1:], len(values)) - 1
    table = _table(values[first], values[last], n, k, k / n, level=level)
    return _Fit(table, values[first], table.probability, table.low, table.high)


def _logistic(score: FloatArray, churned: BoolArray, level: float) -> _Fit:
    values, events, trials = grouped(score, churned.astype(np.float64))
    total, churners = float(trials.sum()), float(events.sum())
    problem = (
        f"every observation {'churned' if churners else 'renewed'}"
        if churners in (0.0, total)
        else slope_problem(values, events, trials)
    )
    if problem:
        coefficients, covariance = (math.nan, math.nan), np.full((2, 2), math.nan)
    else:
        fit = fit_logistic(values, events, trials)
        coefficients, covariance = (fit.intercept, fit.slope), fit.covariance
    codes = _decile_codes(score)
    size = int(codes.max()) + 1
    n = np.bincount(codes, minlength=size).astype(np.float64)
    k = np.bincount(codes, weights=churned, minlength=size).astype(np.float64)
    mean = np.bincount(codes, weights=score, minlength=size) / n
    low_scores, high_scores = _extremes(codes, score, size)
    low, high = logistic_interval(mean, coefficients, covariance, level)
    from scipy.special import expit  # noqa: PLC0415 - scipy on first use

    a, b = coefficients
    probability = np.asarray(expit(a + b * mean), dtype=np.float64)
    table = _table(low_scores, high_scores, n, k, probability, level=level, interval=(low, high))
    return _Fit(table, coefficients=coefficients, covariance=covariance, undefined=problem)


def _decile_codes(score: FloatArray) -> IntArray:
    """Bins at the deciles of ``score``, a tied score never split, none empty."""
    cuts = np.unique(np.quantile(score, np.linspace(0.0, 1.0, _LOGISTIC_BINS + 1), method="lower"))
    codes = np.searchsorted(cuts[1:-1], score, side="right")
    _, dense = np.unique(codes, return_inverse=True)
    return dense.astype(np.int64)


def _bands(
    score: FloatArray,
    churned: BoolArray,
    band: ObjectArray,
    labels: tuple[str, ...],
    *,
    scorecard: object | None,
    level: float,
) -> _Fit:
    source = _band_source(scorecard)
    order = labels if source is None else tuple(b.label for b in source.bands)
    if not order:
        msg = "method='bands' needs banded scores: the panel has no band labels"
        raise InvalidInputError(msg)
    codes = _band_codes(band, order, scorecard is not None)
    size = len(order)
    n = np.bincount(codes, minlength=size).astype(np.float64)
    k = np.bincount(codes, weights=churned, minlength=size).astype(np.float64)
    low_scores, high_scores = _extremes(codes, score, size)
    with np.errstate(invalid="ignore"):
        table = _table(low_scores, high_scores, n, k, k / n, level=level, labels=order)
    if source is not None:
        starts = np.array([b.min for b in source.bands], dtype=np.float64)
        side: Literal["left", "right"] = "right" if source.closure == "lower_inclusive" else "left"
        return _Fit(table, starts, table.probability, table.low, table.high, side)
    seen = np.flatnonzero(n)
    _check_apart(seen, low_scores, high_scores, order)
    return _Fit(
        table,
        low_scores[seen],
        table.probability[seen],
        table.low[seen],
        table.high[seen],
    )


def _band_source(scorecard: object | None) -> _BandSource | None:
    if scorecard is None:
        return None
    if not (hasattr(scorecard, "bands") and hasattr(scorecard, "closure")):
        msg = (
            "`scorecard` must have `bands` and `closure` attributes (a Scorecard or "
            f"HealthScores), got {type(scorecard).__name__}"
        )
        raise InvalidInputError(msg)
    return cast("_BandSource", scorecard)


def _band_codes(band: ObjectArray, order: tuple[str, ...], from_card: bool) -> IntArray:
    """Each observation's position in ``order``; unknown or missing bands are errors."""
    missing = np.equal(band, np.array(None, dtype=object))
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        msg = (
            f"method='bands' needs a band for every scored observation: {int(missing.sum())} "
            f"have none (the first at scored row {row + 1})"
        )
        raise InvalidInputError(msg)
    names, inverse = np.unique(band.astype(str), return_inverse=True)
    place = {label: i for i, label in enumerate(order)}
    unknown = [name for name in names.tolist() if name not in place]
    if unknown:
        where = "the scorecard's bands" if from_card else "the panel's bands"
        msg = f"band labels {unknown} are not among {where} {list(order)}"
        raise InvalidInputError(msg)
    positions = np.array([place[name] for name in names.tolist()], dtype=np.int64)
    codes: IntArray = positions[inverse]
    return codes


def _check_apart(seen: IntArray, low: FloatArray, high: FloatArray, order: tuple[str, ...]) -> None:
    """The bands seen must follow one another on the score scale, worst first."""
    for i, j in zip(seen[:-1].tolist(), seen[1:].tolist()):
        if high[i] >= low[j]:
            msg = (
                f"bands overlap in the data: {order[i]!r} reaches {high[i]:g} and "
                f"{order[j]!r} starts at {low[j]:g} (scores from scorecards with different "
                "bands?); pass `scorecard=` for the edges, or use method='isotonic'"
            )
            raise InvalidInputError(msg)


def _extremes(codes: IntArray, score: FloatArray, size: int) -> tuple[FloatArray, FloatArray]:
    low, high = np.full(size, np.inf), np.full(size, -np.inf)
    np.minimum.at(low, codes, score)
    np.maximum.at(high, codes, score)
    empty = np.isinf(low)
    low[empty], high[empty] = np.nan, np.nan
    return low, high


def _table(
    low_scores: FloatArray,
    high_scores: FloatArray,
    n: FloatArray,
    k: FloatArray,
    probability: FloatArray,
    *,
    level: float,
    labels: Sequence[str] | None = None,
    interval: tuple[FloatArray, FloatArray] | None = None,
) -> CalibrationTable:
    counts, events = n.round().astype(np.int64), k.round().astype(np.int64)
    low, high = interval or proportion_interval(events, counts, confidence_level=level)
    names = labels or [
        f"{a:g}" if a == b else f"{a:g} to {b:g}"
        for a, b in zip(low_scores.tolist(), high_scores.tolist())
    ]
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.where(counts > 0, events / np.maximum(counts, 1), np.nan)
    return CalibrationTable(
        label=np.array(names, dtype=object),
        score_low=low_scores,
        score_high=high_scores,
        n=counts,
        events=events,
        observed=observed,
        probability=np.asarray(probability, dtype=np.float64),
        low=low,
        high=high,
    )
