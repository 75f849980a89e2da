"""CSAT and CES: satisfaction and effort scores with their sample size and uncertainty.

`csat` reports the share of satisfied answers (top-two-box by default, with a Wilson
interval) or the mean of the answers rescaled to 0-100 (with a t interval). `ces` reports
the mean effort rating, oriented so that higher always means easier (with a t interval), or
the share of "easy" answers (with a Wilson interval). Both read bare scores or survey
responses of any form, never mix answers given on different scales, and weight answers by
Kish's effective sample size when the responses carry weights.

The answers are read in `cshealth.nps._satisfaction_answers`; the results, with the
sample behind each estimate, are in `cshealth.nps._satisfaction_result`. Each score is
the finalised histogram of its answers (`cshealth.nps._satisfaction_partial`), the very
path partials of partitions take (`csat_partial`, `ces_partial`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import numpy as np

from cshealth._checks import one_of, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._partial import PartialKey
from cshealth.models import SurveyType
from cshealth.nps._partial_tally import parts_of
from cshealth.nps._satisfaction_answers import (
    _check_positive,
    _read,
    _warn_small,
    default_positive,
    easy_points,
)
from cshealth.nps._satisfaction_partial import (
    CESPartial,
    CSATPartial,
    histogram,
    positive_text,
    scale_text,
)
from cshealth.nps._satisfaction_result import CESMethod, CESResult, CSATMethod, CSATResult

__all__ = ["ces", "ces_partial", "csat", "csat_partial", "default_positive", "easy_points"]


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
    partial = _csat(
        data, scale=scale, positive=positive, method=method, survey_type=survey_type, min_n=min_n
    )
    result = partial._result()
    _warn_small("CSAT", result.n, min_n)
    return result


def csat_partial(
    data: object,
    *,
    scale: tuple[int, int] | None = None,
    positive: Iterable[int] | None = None,
    method: CSATMethod = "top_box",
    survey_type: SurveyType | None = None,
    min_n: int = 30,
    part: str | None = None,
) -> CSATPartial:
    """The partial of `csat` on one partition of the answers: their histogram.

    Takes the options of `csat`, read and checked as `csat` reads them, and ``part``.

    Args:
        data: One partition of the answers, in any form `csat` reads.
        scale: As in `csat`.
        positive: As in `csat`; whether its points lie on the scale is checked by
            `CSATPartial.finalize`, once the scale of all the answers is known.
        method: As in `csat`.
        survey_type: As in `csat`.
        min_n: As in `csat` (the finalised result warns below it).
        part: A name for the partition; merging two partials that name one partition
            is refused (a retried task counted twice).

    Returns:
        The `CSATPartial`; of a partition without answers, the empty partial. A
        partition holding no CSAT response (other kinds only) is not an error here.

    Raises:
        InvalidInputError: As `csat` on bad answers or options, and on weights whose
            largest lies outside ``1e-100..1e100`` (which `csat` divides by the largest
            of all: divide them by one common constant first).

    Examples:
        >>> p = csat_partial([5, 4, 4, 1], part="day-1")
        >>> p.columns["score"].tolist(), p.columns["answers"].tolist(), p.parts
        ([1, 4, 5], [1, 2, 1], ('day-1',))
    """
    return _csat(
        data,
        scale=scale,
        positive=positive,
        method=method,
        survey_type=survey_type,
        min_n=min_n,
        parts=parts_of(part),
        partition=True,
    )


def _csat(
    data: object,
    *,
    scale: tuple[int, int] | None,
    positive: Iterable[int] | None,
    method: CSATMethod,
    survey_type: SurveyType | None,
    min_n: int,
    parts: tuple[str, ...] = (),
    partition: bool = False,
) -> CSATPartial:
    """The histogram of `csat`'s answers, of a partition or of all (which `csat` finalises)."""
    whole_number(min_n, "min_n", low=0)
    one_of(method, CSATMethod, "method")
    answers = _read(data, "csat", scale, survey_type, partition=partition)
    if partition:
        chosen = positive_text(positive, answers.scale)
    else:  # checked on the scale now, as ever
        points = _check_positive(positive, answers.scale)
        chosen = "" if positive is None else ",".join(str(point) for point in points)
    key = PartialKey.of(
        CSATPartial.KIND,
        scale=scale_text(scale),
        positive=chosen,
        method=method,
        survey_type=survey_type,
        min_n=min_n,
    )
    return histogram(CSATPartial, answers, key, parts, partition=partition)


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
    partial = _ces(
        data,
        scale=scale,
        higher_is_easier=higher_is_easier,
        method=method,
        survey_type=survey_type,
        min_n=min_n,
    )
    result = partial._result()
    _warn_small("CES", result.n, min_n)
    return result


def ces_partial(
    data: object,
    *,
    scale: tuple[int, int] | None = None,
    higher_is_easier: bool = True,
    method: CESMethod = "mean",
    survey_type: SurveyType | None = None,
    min_n: int = 30,
    part: str | None = None,
) -> CESPartial:
    """The partial of `ces` on one partition of the ratings: their histogram.

    Takes the options of `ces`, read and checked as `ces` reads them, and ``part``.

    Args:
        data: One partition of the ratings, in any form `ces` reads.
        scale: As in `ces`.
        higher_is_easier: As in `ces`.
        method: As in `ces`.
        survey_type: As in `ces`.
        min_n: As in `ces` (the finalised result warns below it).
        part: A name for the partition; merging two partials that name one partition
            is refused (a retried task counted twice).

    Returns:
        The `CESPartial`; of a partition without ratings, the empty partial. A
        partition holding no CES response (other kinds only) is not an error here.

    Raises:
        InvalidInputError: As `ces` on bad ratings or options, and on weights whose
            largest lies outside ``1e-100..1e100`` (which `ces` divides by the largest
            of all: divide them by one common constant first).

    Examples:
        >>> p = ces_partial([7, 6, 6], higher_is_easier=False, min_n=0, part="day-1")
        >>> p.columns["score"].tolist(), p.finalize().mean  # 8 - x: 1, 2, 2
        ([6, 7], 1.66...)
    """
    return _ces(
        data,
        scale=scale,
        higher_is_easier=higher_is_easier,
        method=method,
        survey_type=survey_type,
        min_n=min_n,
        parts=parts_of(part),
        partition=True,
    )


def _ces(
    data: object,
    *,
    scale: tuple[int, int] | None,
    higher_is_easier: bool,
    method: CESMethod,
    survey_type: SurveyType | None,
    min_n: int,
    parts: tuple[str, ...] = (),
    partition: bool = False,
) -> CESPartial:
    """The histogram of `ces`'s ratings, of a partition or of all (which `ces` finalises)."""
    whole_number(min_n, "min_n", low=0)
    one_of(method, CESMethod, "method")
    if not isinstance(cast("object", higher_is_easier), (bool, np.bool_)):
        msg = f"`higher_is_easier` must be True or False, got {higher_is_easier!r}"
        raise InvalidInputError(msg)
    answers = _read(data, "ces", scale, survey_type, partition=partition)
    key = PartialKey.of(
        CESPartial.KIND,
        scale=scale_text(scale),
        higher_is_easier=bool(higher_is_easier),
        method=method,
        survey_type=survey_type,
        min_n=min_n,
    )
    return histogram(CESPartial, answers, key, parts, partition=partition)
