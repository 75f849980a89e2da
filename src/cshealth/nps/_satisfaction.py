"""CSAT and CES: satisfaction and effort scores with their sample size and uncertainty.

`csat` reports the share of satisfied answers (top-two-box by default, with a Wilson
interval) or the mean of the answers rescaled to 0-100 (with a t interval). `ces` reports
the mean effort rating, oriented so that higher always means easier (with a t interval), or
the share of "easy" answers (with a Wilson interval). Both read bare scores or survey
responses of any form, never mix answers given on different scales, and weight answers by
Kish's effective sample size when the responses carry weights.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import one_of, whole_number
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._result import Result
from cshealth._stats import (
    ConfidenceInterval,
    check_confidence_level,
    proportion_interval,
    wilson_share_interval,
)
from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.models import DEFAULT_SCALES, SurveyType
from cshealth.nps._responses import SurveyColumns, check_survey_type, survey_columns
from cshealth.nps._score import interval_dict, json_dict
from cshealth.nps._tally import is_responses

__all__ = ["CESMethod", "CESResult", "CSATMethod", "CSATResult", "ces", "csat"]

#: How `csat` turns answers into a score.
CSATMethod = Literal["top_box", "mean_index"]
#: How `ces` turns answers into a score.
CESMethod = Literal["mean", "pct_easy"]
#: Share of the points of a CES scale that count as "easy" (rounded up to whole points):
#: the top three of a 7-point scale, the top two of a 5-point scale.
_EASY_FRACTION = 0.3


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
    def of(cls, values: FloatArray, weights: FloatArray | None) -> _Sample:
        n = len(values)
        if n == 0:
            return cls(0, 0.0, None, None, weighted=False)
        if weights is None:
            mean, n_eff = float(values.mean()), float(n)
        else:
            weights = weights / weights.max()  # same estimates; no underflow in Σw²
            total = float(weights.sum())
            mean = float(np.dot(weights, values)) / total
            n_eff = total**2 / float(np.dot(weights, weights))
        if values.min() == values.max():  # exact: no rounding from the weighted sum
            return cls(n, n_eff, float(values[0]), 0.0 if n >= 2 else None, weights is not None)
        sd = _sd(values, weights, mean, n_eff) if n >= 2 and n_eff > 1.0 else None
        return cls(n, n_eff, mean, sd, weighted=weights is not None)

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


def _sd(values: FloatArray, weights: FloatArray | None, mean: float, n_eff: float) -> float:
    """Sample standard deviation; weighted: ``sqrt(Σw(x - x̄)²/Σw · n_eff/(n_eff - 1))``."""
    deviations = (values - mean) ** 2
    if weights is None:
        return math.sqrt(float(deviations.sum()) / (len(values) - 1))
    spread = float(np.dot(weights, deviations)) / float(weights.sum())
    return math.sqrt(spread * n_eff / (n_eff - 1.0))


# --- reading answers ---------------------------------------------------------------------------


class _Answers(NamedTuple):
    scores: IntArray
    weights: FloatArray | None
    scale: tuple[int, int]
    unanswered: int = 0


def _read(
    data: object, kind: Literal["csat", "ces"], scale: object, survey_type: object
) -> _Answers:
    """Scores on one scale, weights (``None`` when all 1) with zero-weight rows left out."""
    chosen_type = check_survey_type(survey_type)
    requested = None if scale is None else _check_scale(scale)
    if isinstance(data, Iterator):  # a one-shot iterator: read it once
        data = list(data)
    if is_responses(data):
        columns = survey_columns(
            data,
            kind=kind,
            need=("score",),
            optional=("weight", "scale_min", "scale_max"),
            survey_type=chosen_type,
        )
        declared = _declared_scale(columns, kind)
        if requested is not None and declared is not None and requested != declared:
            msg = (
                f"`scale` is {requested[0]}..{requested[1]} but the {kind.upper()} responses "
                f"are on {_show(declared)}; leave `scale` out, or declare the scale in the "
                "`scale_min` and `scale_max` columns"
            )
            raise InvalidInputError(msg)
        used = declared or requested or DEFAULT_SCALES[kind]
        scores, weights = columns.scores(), columns.weights()
        _check_on_scale(scores, used, f"row {{}} of the {kind.upper()} responses: `score` is")
        unanswered = columns.n_unanswered
    else:
        used = requested or DEFAULT_SCALES[kind]
        scores, weights, unanswered = _bare_scores(data, kind, used), None, 0
    if weights is not None and not bool((weights > 0).all()):
        keep = weights > 0
        scores, weights = scores[keep], weights[keep]
    return _Answers(scores, weights, used, unanswered)


def _check_scale(scale: object) -> tuple[int, int]:
    try:
        low, high = cast("tuple[object, object]", scale)
    except (TypeError, ValueError):
        low = high = None
    if not (_is_whole(low) and _is_whole(high) and cast("int", low) < cast("int", high)):
        msg = f"`scale` must be (low, high), two whole numbers with low < high; got {scale!r}"
        raise InvalidInputError(msg)
    return int(cast("int", low)), int(cast("int", high))


def _is_whole(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return False
    return math.isfinite(value) and float(value).is_integer()


def _show(scale: tuple[int, int]) -> str:
    return f"the scale {scale[0]}..{scale[1]}"


def _declared_scale(columns: SurveyColumns, kind: str) -> tuple[int, int] | None:
    """The one scale the rows declare (empty bounds: the kind's default), or ``None``."""
    if columns.n == 0 or (
        "scale_min" not in columns.columns and "scale_max" not in columns.columns
    ):
        return None
    low = _bounds(columns, "scale_min")
    high = _bounds(columns, "scale_max")
    given = ~np.isnan(low)
    bad = (given != ~np.isnan(high)) | (given & ((low >= high) | (low != np.floor(low))))
    bad |= given & (high != np.floor(high))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"row {row + 1} of the {kind.upper()} responses: `scale_min`..`scale_max` is "
            f"{low[row]:g}..{high[row]:g}; give both as whole numbers with scale_min < "
            "scale_max, or neither (for the default scale)"
        )
        raise InvalidInputError(msg)
    default_low, default_high = DEFAULT_SCALES[kind]
    pairs = np.stack([np.where(given, low, default_low), np.where(given, high, default_high)], 1)
    if not (pairs == pairs[0]).all():
        found, counts = np.unique(pairs, axis=0, return_counts=True)
        listed = ", ".join(f"{c} on {a:g}..{b:g}" for (a, b), c in zip(found, counts))
        msg = (
            f"{kind.upper()} responses on different scales ({listed}); answers on different "
            "scales are never mixed in one score: compute one score per scale"
        )
        raise InvalidInputError(msg)
    return int(pairs[0, 0]), int(pairs[0, 1])


def _bounds(columns: SurveyColumns, name: str) -> FloatArray:
    """A scale-bound column as floats (``NaN`` where empty, or where the column is absent)."""
    if name not in columns.columns:
        return np.full(columns.n, np.nan)
    values = columns[name]
    if values.dtype.kind in "iuf":
        return values.astype(np.float64)
    try:
        return values.astype(object).astype(np.float64)
    except (TypeError, ValueError):
        msg = f"`{name}` must hold whole numbers (or be empty), got {values[:5]!r}"
        raise InvalidInputError(msg) from None


def _bare_scores(data: object, kind: str, scale: tuple[int, int]) -> IntArray:
    array = np.asarray(data)
    if array.ndim != 1:
        msg = f"`data` must be one-dimensional scores, got shape {array.shape}"
        raise InvalidInputError(msg)
    if array.dtype.kind in "iu":
        scores = array.astype(np.int64)
    elif array.dtype.kind in "fO":
        try:
            floats = array.astype(np.float64)
        except (TypeError, ValueError):
            msg = f"`data` must be whole numbers on {_show(scale)}; some values are not numbers"
            raise InvalidInputError(msg) from None
        whole = np.isfinite(floats) & (floats == np.floor(floats))
        if not whole.all():
            _bad(array, ~whole, f"{kind.upper()} `data` must be whole numbers; position {{}} holds")
        scores = floats.astype(np.int64)
    else:
        msg = f"`data` must be whole numbers on {_show(scale)}, got an array of {array.dtype}"
        raise InvalidInputError(msg)
    _check_on_scale(scores, scale, f"{kind.upper()} `data`: position {{}} holds", origin=0)
    return scores


def _check_on_scale(scores: IntArray, scale: tuple[int, int], where: str, origin: int = 1) -> None:
    low, high = scale
    if len(scores) and (scores.min() < low or scores.max() > high):
        bad = (scores < low) | (scores > high)
        _bad(scores, bad, where, origin, f", outside {_show(scale)}")


def _bad(
    values: NDArray[np.generic], bad: BoolArray, where: str, origin: int = 0, why: str = ""
) -> None:
    position = int(np.flatnonzero(bad)[0])
    value = values[position]
    shown = value.item() if isinstance(value, np.generic) else value
    place = where.format(position + origin)
    msg = f"{place} {shown!r}{why} ({int(bad.sum())} bad values in all)"
    raise InvalidInputError(msg)


def _warn_small(kind: str, n: int, min_n: int) -> None:
    if n < min_n:
        warnings.warn(
            f"{kind} from {n} responses (fewer than min_n={min_n}): its interval is wide",
            SmallSampleWarning,
            stacklevel=3,
        )


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
                "confidence_interval": interval_dict(_interval_or_none(self)),
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


def default_positive(scale: tuple[int, int]) -> tuple[int, ...]:
    """The answers counted as satisfied by default: the top two points of the scale.

    Scales of two or three points count their top point only (Zendesk: 1-2 → {2},
    1-3 → {3}); a 4-point scale its top two (Simplesat: {3, 4}).

    Examples:
        >>> default_positive((1, 5)), default_positive((1, 3)), default_positive((0, 10))
        ((4, 5), (3,), (9, 10))
    """
    low, high = scale
    points = high - low + 1
    return (high,) if points <= 3 else (high - 1, high)


def _check_positive(positive: object, scale: tuple[int, int]) -> tuple[int, ...]:
    if positive is None:
        return default_positive(scale)
    low, high = scale
    values: list[object] = []
    if isinstance(positive, Iterable) and not isinstance(positive, (str, bytes)):
        values = list(positive)
    on_scale = all(_is_whole(v) and low <= cast("int", v) <= high for v in values)
    chosen = tuple(sorted({int(cast("int", v)) for v in values})) if on_scale else ()
    if not chosen or len(chosen) == high - low + 1:
        msg = (
            f"`positive` must be a non-empty set of whole numbers on {_show(scale)}, short of "
            f"the whole scale; got {positive!r} (the default here is "
            f"{set(default_positive(scale))})"
        )
        raise InvalidInputError(msg)
    return chosen


def csat(
    data: object,
    *,
    scale: tuple[int, int] | None = None,
    positive: Iterable[int] | None = None,
    method: CSATMethod = "top_box",
    survey_type: SurveyType | None = None,
    min_n: int = 30,
) -> CSATResult:
    """Customer satisfaction: the share of satisfied answers, or the mean rescaled to 0-100.

    Args:
        data: Whole-number scores (array-like) on ``scale``, or ``SurveyResponse``
            records, a `Table`, a mapping of columns or a data frame with a ``score``
            column (``weight``, ``scale_min`` and ``scale_max`` used when present; rows of
            other kinds set aside).
        scale: The answer scale ``(low, high)``. Bare scores: ``(1, 5)`` when not given.
            Responses declare their own scale (``scale_min``..``scale_max``, or the CSAT
            default 1..5 where those are empty); ``scale`` must then agree with it.
        positive: The answers counted as satisfied. Default: the top two points, except
            on 2- and 3-point scales (their top point) -- see `default_positive`.
        method: ``{'top_box', 'mean_index'}``.
        survey_type: ``'relationship'`` or ``'transactional'``: the responses to keep.
            ``None`` keeps the one type the data holds and refuses a mix.
        min_n: Below this many responses a `SmallSampleWarning` is issued.

    Returns:
        The `CSATResult`. Without responses its score is ``None`` (never 0). An empty
        score in the column form (``NaN``, ``None``) is an unanswered survey: counted in
        ``unanswered``, left out of the score and of ``n``.

    Raises:
        InvalidInputError: On scores that are not whole numbers on the scale, responses on
            different scales, a ``scale`` disagreeing with the responses, a bad
            ``positive`` set, an unknown method, bad weights, no CSAT rows among
            responses of other kinds, or relationship and transactional responses mixed.

    Notes:
        ``top_box``: ``CSAT = 100 Σ w_i [x_i ∈ positive] / Σ w_i`` (unweighted: satisfied
        answers / answers), with Wilson's interval. ``mean_index``: each answer is mapped
        to ``100 (x - low) / (high - low)`` (low → 0, high → 100) and averaged, with the
        t interval ``mean ± t(n - 1) s / sqrt(n)``. Weighted (any weight other than 1),
        both intervals use Kish's effective sample size ``n_eff = (Σw)² / Σw²`` in place
        of ``n``; rows of weight 0 are left out.

    Examples:
        A support team's week: 42 of 50 customers answered 4 or 5.

        >>> import numpy as np
        >>> week = np.repeat([5, 4, 3, 2, 1], [30, 12, 4, 3, 1])
        >>> csat(week)
        CSATResult(score=84.0, n=50, 95% CI [71.5, 91.7], method='top_box', scale=1..5,
                   positive_values=(4, 5))

        Exported responses where two surveys went unanswered (empty scores):

        >>> export = {"kind": ["csat"] * 5, "score": [5, 4, None, 2, float("nan")]}
        >>> res = csat(export, min_n=0)
        >>> round(res.score, 1), res.n, res.unanswered
        (66.7, 3, 2)
    """
    whole_number(min_n, "min_n", low=0)
    one_of(method, CSATMethod, "method")
    answers = _read(data, "csat", scale, survey_type)
    chosen = _check_positive(positive, answers.scale)
    satisfied = np.isin(answers.scores, chosen)
    if method == "top_box":
        values = satisfied.astype(np.float64)
    else:
        low, high = answers.scale
        values = (answers.scores - low) / float(high - low)
    result = CSATResult(
        answers.scale,
        chosen,
        method,
        int(satisfied.sum()),
        _Sample.of(values, answers.weights),
        answers.unanswered,
    )
    _warn_small("CSAT", result.n, min_n)
    return result


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
                "confidence_interval": interval_dict(_interval_or_none(self)),
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


def easy_points(scale: tuple[int, int]) -> tuple[int, ...]:
    """The (oriented) answers `ces` counts as easy: the top 30% of the points, rounded up.

    That is the top three points of a 7-point scale and the top two of a 5-point scale.

    Examples:
        >>> easy_points((1, 7)), easy_points((1, 5)), easy_points((1, 10))
        ((5, 6, 7), (4, 5), (8, 9, 10))
    """
    low, high = scale
    # the small epsilon keeps 0.3 * 10 = 3.0000000000000004 from rounding up to 4
    top = math.ceil(_EASY_FRACTION * (high - low + 1) - 1e-9)
    return tuple(range(high - top + 1, high + 1))


def ces(
    data: object,
    *,
    scale: tuple[int, int] | None = None,
    higher_is_easier: bool = True,
    method: CESMethod = "mean",
    survey_type: SurveyType | None = None,
    min_n: int = 30,
) -> CESResult:
    """Customer Effort Score: the mean effort rating, oriented so that higher is easier.

    Args:
        data: Whole-number ratings (array-like) on ``scale``, or ``SurveyResponse``
            records, a `Table`, a mapping of columns or a data frame with a ``score``
            column (``weight``, ``scale_min`` and ``scale_max`` used when present; rows of
            other kinds set aside).
        scale: The answer scale ``(low, high)``. Bare ratings: ``(1, 7)`` when not given
            (the CES 2.0 agreement scale). Responses declare their own scale
            (``scale_min``..``scale_max``, or the CES default 1..7 where those are empty);
            ``scale`` must then agree with it.
        higher_is_easier: ``True`` when the top of the scale means "easy" (CES 2.0: "the
            company made it easy"). ``False`` when the lowest point means least effort;
            each answer ``x`` is then read as ``low + high - x``, so every figure reported
            still has higher = easier.
        method: ``{'mean', 'pct_easy'}``. ``pct_easy`` is the percent of answers in the
            top 30% of the (oriented) scale, rounded up to whole points -- see
            `easy_points`.
        survey_type: ``'relationship'`` or ``'transactional'``: the responses to keep.
            ``None`` keeps the one type the data holds and refuses a mix.
        min_n: Below this many responses a `SmallSampleWarning` is issued.

    Returns:
        The `CESResult`. Without responses its score is ``None`` (never 0). An empty
        score in the column form (``NaN``, ``None``) is an unanswered survey: counted in
        ``unanswered``, left out of the score and of ``n``.

    Raises:
        InvalidInputError: On ratings that are not whole numbers on the scale, responses on
            different scales, a ``scale`` disagreeing with the responses, an unknown
            method, bad weights, no CES rows among responses of other kinds, or
            relationship and transactional responses mixed.

    Notes:
        ``mean``: ``x̄ = Σ w_i x_i / Σ w_i`` with the t interval ``x̄ ± t(n - 1) s /
        sqrt(n)``, clipped to the scale. ``pct_easy``: ``100 Σ w_i [x_i easy] / Σ w_i`` with
        Wilson's interval. Weighted (any weight other than 1), ``n_eff = (Σw)² / Σw²``
        replaces ``n`` and ``s² = Σ w_i (x_i - x̄)² / Σ w_i · n_eff / (n_eff - 1)``; rows of
        weight 0 are left out.

    Examples:
        Forty support contacts rated "the company made it easy to handle my issue":

        >>> import numpy as np
        >>> ratings = np.repeat([7, 6, 5, 4, 3, 2], [10, 12, 8, 5, 3, 2])
        >>> ces(ratings)
        CESResult(score=5.38, n=40, 95% CI [4.91, 5.84], method='mean', scale=1..7,
                  higher = easier)
    """
    whole_number(min_n, "min_n", low=0)
    one_of(method, CESMethod, "method")
    if not isinstance(cast("object", higher_is_easier), (bool, np.bool_)):
        msg = f"`higher_is_easier` must be True or False, got {higher_is_easier!r}"
        raise InvalidInputError(msg)
    answers = _read(data, "ces", scale, survey_type)
    low, high = answers.scale
    ratings = answers.scores if higher_is_easier else low + high - answers.scores
    easy_values = easy_points(answers.scale)
    easy = ratings >= easy_values[0]
    result = CESResult(
        answers.scale,
        bool(higher_is_easier),
        method,
        easy_values,
        _Sample.of(ratings.astype(np.float64), answers.weights),
        _Sample.of(easy.astype(np.float64), answers.weights),
        int(easy.sum()),
        answers.unanswered,
    )
    _warn_small("CES", result.n, min_n)
    return result
