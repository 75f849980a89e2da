"""The results of `csat` and `ces`: a score, the sample behind it and its uncertainty.

`_Sample` holds the size, (weighted) mean and standard deviation of per-answer values,
with Kish's effective sample size when the answers carry weights, computed from the
answers' histogram (how many answers, and their weight sums, per value), and gives the
t and Wilson intervals. `CSATResult` and `CESResult` read their score and interval from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, json_dict, jsonable
from cshealth._stats import (
    ConfidenceInterval,
    check_confidence_level,
    proportion_interval,
    wilson_share_interval,
)
from cshealth._types import FloatArray, IntArray

__all__ = ["CESMethod", "CESResult", "CSATMethod", "CSATResult"]

#: How `csat` turns answers into a score.
CSATMethod = Literal["top_box", "mean_index"]
#: How `ces` turns answers into a score.
CESMethod = Literal["mean", "pct_easy"]


# --- the sample behind an estimate -----------------------------------------------------------


@dataclass(frozen=True)
class _Sample:
    """Size, (weighted) mean and sample standard deviation of some per-answer values."""

    n: int
    effective_n: float
    mean: float | None
    standard_deviation: float | None
    weighted: bool

    @classmethod
    def of(
        cls,
        values: FloatArray,
        counts: IntArray,
        weight: FloatArray | None = None,
        squares: FloatArray | None = None,
    ) -> _Sample:
        """The sample of answers taking few values: ``counts[i]`` answers of ``values[i]``.

        Weighted, ``weight[i]`` is the sum of those answers' weights and ``squares[i]``
        of their squares. Every estimate is a ratio of such sums, so it is the same
        whatever unit the weights are in (the sums of a histogram of the answers, which
        partitions of the answers add up: `cshealth.nps._satisfaction_partial`).
        """
        present = counts > 0
        values, counts = values[present], counts[present]
        n = int(counts.sum())
        if n == 0:
            return cls(0, 0.0, None, None, weighted=False)
        if weight is None or squares is None:
            w, n_eff = counts.astype(np.float64), float(n)
        else:
            w = weight[present]
            n_eff = math.fsum(w) ** 2 / math.fsum(squares[present])
        total = math.fsum(w)
        mean = math.fsum(w * values) / total
        if values.min() == values.max():  # exact: no rounding from the weighted sum
            return cls(n, n_eff, float(values[0]), 0.0 if n >= 2 else None, weight is not None)
        sd = None
        if n >= 2 and n_eff > 1.0:
            deviations = math.fsum(w * (values - mean) ** 2)  # Σw(x - x̄)²
            if weight is None:
                sd = math.sqrt(deviations / (n - 1))
            else:  # sqrt(Σw(x - x̄)²/Σw · n_eff/(n_eff - 1))
                sd = math.sqrt(deviations / total * n_eff / (n_eff - 1.0))
        return cls(n, n_eff, mean, sd, weighted=weight is not None)

    def t_interval(self, level: float, what: str) -> tuple[float, float]:
        """``mean ± t(n_eff - 1) · sd / sqrt(n_eff)``."""
        if self.mean is None or self.standard_deviation is None:
            msg = f"the t interval of the {what} needs at least two responses, got {self.n}"
            if self.n >= 2:
                msg = (
                    f"the t interval of the {what} needs an effective sample size above 1, "
                    f"got {self.effective_n:g} from {self.n} responses: the weights put "
                    "(almost) all the weight on one response"
                )
            raise InvalidInputError(msg)
        from scipy import stats  # noqa: PLC0415

        t = float(stats.t.ppf(0.5 + level / 2.0, df=self.effective_n - 1.0))
        half = t * self.standard_deviation / math.sqrt(self.effective_n)
        return self.mean - half, self.mean + half

    def wilson_interval(self, successes: int, level: float) -> tuple[float, float]:
        """Wilson's interval of the share ``mean`` (with ``n_eff`` trials when weighted)."""
        if not self.weighted:
            low, high = proportion_interval(successes, self.n, confidence_level=level)
            return float(low), float(high)
        # weighted: Kish's effective sample size (fractional) in place of n
        share = cast("float", self.mean)
        return wilson_share_interval(share, self.effective_n, confidence_level=level)


def _percent_interval(low: float, high: float) -> ConfidenceInterval:
    return ConfidenceInterval(max(0.0, 100.0 * low), min(100.0, 100.0 * high))


def _interval_or_none(result: CSATResult | CESResult) -> ConfidenceInterval | None:
    try:
        return result.confidence_interval()
    except InvalidInputError:  # no responses, or one response for a t interval
        return None


# --- CSAT --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class CSATResult(Result):
    """A CSAT score, its sample and its uncertainty.

    Attributes:
        scale: The answer scale ``(low, high)``.
        positive_values: The answers counted as satisfied.
        method: ``'top_box'`` (share of satisfied answers) or ``'mean_index'`` (mean of
            the answers rescaled to 0-100).
        positive: Number of satisfied answers (unweighted).
        unanswered: Unanswered surveys (an empty score in the column form), counted
            apart and left out of the score.

    Examples:
        >>> from cshealth.nps import csat
        >>> res = csat([5, 4, 4, 3, 5, 2, 5, 4, 1, 5], min_n=0)
        >>> res.score, res.positive, res.positive_values
        (70.0, 7, (4, 5))
        >>> res.confidence_interval()
        ConfidenceInterval(low=39.67..., high=89.22...)
    """

    scale: tuple[int, int]
    positive_values: tuple[int, ...]
    method: CSATMethod
    positive: int
    _sample: _Sample
    unanswered: int = 0

    @property
    def score(self) -> float | None:
        """CSAT in percent (0-100); ``None`` without responses (never 0)."""
        mean = self._sample.mean
        return None if mean is None else 100.0 * mean

    @property
    def n(self) -> int:
        """Number of responses (of weight > 0)."""
        return self._sample.n

    @property
    def effective_n(self) -> float:
        """Kish's effective sample size ``(Σw)² / Σw²`` (``n`` when unweighted)."""
        return self._sample.effective_n

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """An interval for the score, in percent, clipped to [0, 100].

        ``top_box``: Wilson's score interval; ``mean_index``: the t interval of the mean
        index. Weighted results use the effective sample size in place of ``n``.

        Raises:
            InvalidInputError: Without responses, or with one response for ``mean_index``.
        """
        level = check_confidence_level(confidence_level)
        if self.n == 0:
            msg = "no responses: the CSAT and its interval are undefined"
            raise InvalidInputError(msg)
        if self.method == "top_box":
            return _percent_interval(*self._sample.wilson_interval(self.positive, level))
        return _percent_interval(*self._sample.t_interval(level, "CSAT mean index"))

    def to_dict(self) -> dict[str, object]:
        """The result as strict JSON values: the score, its sample and its 95% interval.

        The interval is ``{"low", "high"}`` in percent, or ``None`` where it is undefined
        (no responses; one response for ``mean_index``).
        """
        return json_dict(
            {
                "score": self.score,
                "n": self.n,
                "effective_n": self.effective_n,
                "positive": self.positive,
                "scale": self.scale,
                "positive_values": self.positive_values,
                "method": self.method,
                "confidence_interval": jsonable(_interval_or_none(self)),
                "confidence_level": 0.95,
                "unanswered": self.unanswered,
            }
        )

    def __repr__(self) -> str:
        tail = f"method={self.method!r}, scale={self.scale[0]}..{self.scale[1]}"
        if self.unanswered:
            tail = f"{tail}, unanswered={self.unanswered}"
        if self.score is None:
            return f"CSATResult(score=None, n=0, {tail})"
        interval = _interval_or_none(self)
        shown = "" if interval is None else f", 95% CI [{interval.low:.1f}, {interval.high:.1f}]"
        return (
            f"CSATResult(score={self.score:.1f}, n={self.n}{shown}, {tail}, "
            f"positive_values={self.positive_values})"
        )


# --- CES ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class CESResult(Result):
    """A Customer Effort Score, its sample and its uncertainty.

    Every figure is on the oriented scale, where higher means easier: with
    ``higher_is_easier=False`` each answer ``x`` was read as ``low + high - x``.

    Attributes:
        scale: The answer scale ``(low, high)``.
        higher_is_easier: The orientation of the answers as given (``False``: they were
            reversed before anything was computed).
        method: ``'mean'`` or ``'pct_easy'``.
        easy_values: The (oriented) answers counted as easy by ``pct_easy``.
        unanswered: Unanswered surveys (an empty score in the column form), counted
            apart and left out of the score.

    Examples:
        >>> from cshealth.nps import ces
        >>> res = ces([7, 6, 6, 5, 3, 7, 4, 6], min_n=0)
        >>> res.score, round(res.standard_deviation, 3), res.share_easy
        (5.5, 1.414, 0.75)
    """

    scale: tuple[int, int]
    higher_is_easier: bool
    method: CESMethod
    easy_values: tuple[int, ...]
    _ratings: _Sample
    _easy: _Sample
    _easy_count: int
    unanswered: int = 0

    @property
    def score(self) -> float | None:
        """`mean` for ``method='mean'``; the percent of easy answers for ``'pct_easy'``."""
        if self.method == "mean" or self.share_easy is None:
            return self.mean
        return 100.0 * self.share_easy

    @property
    def mean(self) -> float | None:
        """Mean (oriented) rating, within the scale; ``None`` without responses."""
        return self._ratings.mean

    @property
    def standard_deviation(self) -> float | None:
        """Sample standard deviation of the ratings (``n - 1``); ``None`` when n < 2."""
        return self._ratings.standard_deviation

    @property
    def standard_error(self) -> float | None:
        """Standard error of `mean`, ``s / sqrt(n_eff)``; ``None`` when n < 2."""
        sd = self.standard_deviation
        return None if sd is None else sd / math.sqrt(self.effective_n)

    @property
    def share_easy(self) -> float | None:
        """Share of easy answers, in [0, 1]; ``None`` without responses."""
        return self._easy.mean

    @property
    def n(self) -> int:
        """Number of responses (of weight > 0)."""
        return self._ratings.n

    @property
    def effective_n(self) -> float:
        """Kish's effective sample size ``(Σw)² / Σw²`` (``n`` when unweighted)."""
        return self._ratings.effective_n

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """An interval for the score: t for the mean (clipped to the scale), Wilson in percent.

        Raises:
            InvalidInputError: Without responses, or with one response for ``mean``.
        """
        level = check_confidence_level(confidence_level)
        if self.n == 0:
            msg = "no responses: the CES and its interval are undefined"
            raise InvalidInputError(msg)
        if self.method == "pct_easy":
            return _percent_interval(*self._easy.wilson_interval(self._easy_count, level))
        low, high = self._ratings.t_interval(level, "CES mean")
        return ConfidenceInterval(max(float(self.scale[0]), low), min(float(self.scale[1]), high))

    def _orientation(self) -> str:
        if self.higher_is_easier:
            return "higher = easier"
        low, high = self.scale
        return f"reversed (x -> {low + high} - x), so higher = easier"

    def to_dict(self) -> dict[str, object]:
        """The result as strict JSON values: the score, its sample and its 95% interval.

        The interval is ``{"low", "high"}`` (on the scale for ``mean``, in percent for
        ``pct_easy``), or ``None`` where it is undefined (no responses; one response for
        ``mean``).
        """
        return json_dict(
            {
                "score": self.score,
                "mean": self.mean,
                "standard_deviation": self.standard_deviation,
                "standard_error": self.standard_error,
                "share_easy": self.share_easy,
                "n": self.n,
                "effective_n": self.effective_n,
                "scale": self.scale,
                "easy_values": self.easy_values,
                "higher_is_easier": self.higher_is_easier,
                "orientation": self._orientation(),
                "method": self.method,
                "confidence_interval": jsonable(_interval_or_none(self)),
                "confidence_level": 0.95,
                "unanswered": self.unanswered,
            }
        )

    def __repr__(self) -> str:
        tail = (
            f"method={self.method!r}, scale={self.scale[0]}..{self.scale[1]}, {self._orientation()}"
        )
        if self.unanswered:
            tail = f"{tail}, unanswered={self.unanswered}"
        if self.score is None:
            return f"CESResult(score=None, n=0, {tail})"
        interval = _interval_or_none(self)
        digits = 2 if self.method == "mean" else 1
        shown = (
            ""
            if interval is None
            else f", 95% CI [{interval.low:.{digits}f}, {interval.high:.{digits}f}]"
        )
        return f"CESResult(score={self.score:.{digits}f}, n={self.n}{shown}, {tail})"
