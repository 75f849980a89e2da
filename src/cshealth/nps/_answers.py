"""NPS answers, read and checked: whole-number 0-10 scores, their weights, their category.

`_check_scores` turns scores of any array form into whole numbers 0..10 and
`_check_weights` weights into finite numbers ``>= 0`` (rescaled when extreme); each bad
value is an `InvalidInputError` naming its position. `is_responses` tells survey
responses (records, a table, columns) from bare scores, and `_CATEGORY` maps a score to
its category. The NPS statistics read their answers through these.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import weight_array
from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray
from cshealth.io import Table
from cshealth.models import SurveyResponse

__all__ = ["SCORE_COLUMN", "is_responses"]

#: Weights are relative; when the largest lies outside this range every weight is first
#: divided by the largest, so that sums and squares of weights stay within a float.
_WEIGHT_RANGE = (1e-100, 1e100)
#: Score -> category: 0 detractor (0-6), 1 passive (7-8), 2 promoter (9-10).
_CATEGORY = np.array([0] * 7 + [1] * 2 + [2] * 2)
#: How messages name scores read from a ``score`` column.
SCORE_COLUMN = "column `score`"


def is_responses(data: object) -> bool:
    """Whether ``data`` is responses (records, a table, columns) rather than bare scores."""
    if isinstance(data, (Table, Mapping)):
        return True
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):
        return True
    if isinstance(data, (list, tuple)):
        return bool(data) and all(isinstance(item, SurveyResponse) for item in data)
    return False


def _check_scores(scores: ArrayLike, label: str = "`scores`") -> NDArray[np.intp]:
    """Scores as whole numbers 0..10; ``label`` names them in messages (the argument)."""
    array = np.asarray(scores)
    if array.ndim != 1:
        msg = f"{label} must be one-dimensional, got shape {array.shape}"
        raise InvalidInputError(msg)
    if array.dtype.kind in "iu":
        values = array.astype(np.intp, copy=False)
    elif array.dtype.kind == "f" or array.dtype == object:
        floats = _as_floats(array, label)
        whole = np.isfinite(floats) & (floats == np.floor(floats))
        if not whole.all():
            _bad_score(array, ~whole, label)
        values = floats.astype(np.intp)
    else:
        msg = f"{label} must be whole numbers 0..10, got an array of {array.dtype}"
        raise InvalidInputError(msg)
    if len(values) and (values.min() < 0 or values.max() > 10):
        _bad_score(array, (values < 0) | (values > 10), label)
    return values


def _as_floats(array: NDArray[np.generic], label: str) -> FloatArray:
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError):
        msg = f"{label} must be whole numbers 0..10; some values are not numbers"
        raise InvalidInputError(msg) from None


def _bad_score(array: NDArray[np.generic], bad: NDArray[np.bool_], label: str) -> None:
    position = int(np.flatnonzero(bad)[0])
    value = array[position]
    shown = value.item() if isinstance(value, np.generic) else value
    msg = (
        f"{label} must be whole numbers 0..10; position {position} holds {shown!r} "
        f"({int(bad.sum())} bad values in all)"
    )
    raise InvalidInputError(msg)


def _check_weights(weights: ArrayLike, n: int) -> FloatArray:
    """Weights checked (numbers, finite, ``>= 0``), rescaled when extreme (see below).

    NPS and its intervals depend on the weights only through their ratios, so weights
    whose largest lies outside ``1e-100..1e100`` are divided by that largest first (their
    sums and squares would otherwise overflow or vanish in a float).
    """
    w = weight_array(weights, n, noun="score")
    top = float(w.max()) if n else 0.0
    if top > 0 and not _WEIGHT_RANGE[0] <= top <= _WEIGHT_RANGE[1]:
        w = w / top
    return w
