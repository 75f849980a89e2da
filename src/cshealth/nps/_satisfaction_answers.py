"""CSAT and CES answers, read and checked: whole-number scores on one scale, with weights.

`_read` takes bare scores or survey responses of any form, finds the one scale the
answers are on (a ``scale`` argument, the ``scale_min`` and ``scale_max`` columns, or the
kind's default), refuses answers off that scale or on different scales, and leaves out
rows of weight 0. Every bad value is an `InvalidInputError` naming its row or position.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Iterator
from typing import Literal, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.models import DEFAULT_SCALES
from cshealth.nps._answers import is_responses
from cshealth.nps._responses import SurveyColumns, check_survey_type, survey_columns

__all__ = ["default_positive", "easy_points"]


class _Answers(NamedTuple):
    scores: IntArray
    weights: FloatArray | None
    scale: tuple[int, int]
    unanswered: int = 0
    survey_type: str | None = None


def _read(
    data: object,
    kind: Literal["csat", "ces"],
    scale: object,
    survey_type: object,
    *,
    partition: bool = False,
) -> _Answers:
    """Scores on one scale, weights (``None`` when all 1) with zero-weight rows left out.

    Of a ``partition`` of the data (for a partial), rows of other kinds alone are no error.
    """
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
            partition=partition,
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
        unanswered, kept = columns.n_unanswered, columns.survey_type
    else:
        used = requested or DEFAULT_SCALES[kind]
        scores, weights, unanswered, kept = _bare_scores(data, kind, used), None, 0, None
    if weights is not None and not bool((weights > 0).all()):
        keep = weights > 0
        scores, weights = scores[keep], weights[keep]
    return _Answers(scores, weights, used, unanswered, kept)


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
