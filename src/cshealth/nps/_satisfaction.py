"""CSAT and CES: satisfaction and effort scores with their sample size and uncertainty.

`csat` reports the share of satisfied answers (top-two-box by default, with a Wilson
interval) or the mean of the answers rescaled to 0-100 (with a t interval). `ces` reports
the mean effort rating, oriented so that higher always means easier (with a t interval), or
the share of "easy" answers (with a Wilson interval). Both read bare scores or survey
responses of any form, never mix answers given on different scales, and weight answers by
Kish's effective sample size when the responses carry weights.

The answers are read in `cshealth.nps._satisfaction_answers`; the results, with the
sample behind each estimate, are in `cshealth.nps._satisfaction_result`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import cast

import numpy as np

from cshealth._checks import one_of, whole_number
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth.models import SurveyType
from cshealth.nps._satisfaction_answers import _is_whole, _read, _show
from cshealth.nps._satisfaction_result import (
    CESMethod,
    CESResult,
    CSATMethod,
    CSATResult,
    _Sample,
)

__all__ = ["ces", "csat"]

#: Share of the points of a CES scale that count as "easy" (rounded up to whole points):
#: the top three of a 7-point scale, the top two of a 5-point scale.
_EASY_FRACTION = 0.3


def _warn_small(kind: str, n: int, min_n: int) -> None:
    if n < min_n:
        warnings.warn(
            f"{kind} from {n} responses (fewer than min_n={min_n}): its interval is wide",
            SmallSampleWarning,
            stacklevel=3,
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
