"""``NPSTally``: the counts behind a Net Promoter Score, mergeable across partitions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import float_array, shown, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray
from cshealth.io import Table
from cshealth.models import SurveyResponse
from cshealth.nps._responses import survey_columns

__all__ = ["NPSTally", "tally"]

#: Largest count of a tally: the counts a float holds exactly.
MAX_COUNT = 2**53
#: Weights are relative; when the largest lies outside this range every weight is first
#: divided by the largest, so that sums and squares of weights stay within a float.
_WEIGHT_RANGE = (1e-100, 1e100)

#: Score -> category: 0 detractor (0-6), 1 passive (7-8), 2 promoter (9-10).
_CATEGORY = np.array([0] * 7 + [1] * 2 + [2] * 2)
#: How messages name scores read from a ``score`` column.
SCORE_COLUMN = "column `score`"


@dataclass(frozen=True)
class NPSTally:
    """Counts and weight sums of detractors, passives and promoters.

    The sufficient statistics of every NPS estimate cshealth makes. Tallies of disjoint
    partitions add up exactly (``a.merge(b)`` or ``a + b``), so a Dask or Spark job can
    tally each partition and combine the results.

    Attributes:
        detractors: Responses scoring 0-6 (with a positive weight).
        passives: Responses scoring 7-8.
        promoters: Responses scoring 9-10.
        detractor_weight: Sum of the weights of the detractors (the count when unweighted).
        passive_weight: Sum of the weights of the passives.
        promoter_weight: Sum of the weights of the promoters.
        weight_squares: Sum of the squared weights of all responses (Kish's ``Σw²``).

    Examples:
        >>> a = NPSTally.from_scores([10, 9, 3])
        >>> b = NPSTally.from_scores([8, 0])
        >>> (a + b) == NPSTally.from_scores([10, 9, 3, 8, 0])
        True
        >>> (a + b).promoters, (a + b).detractors
        (2, 2)
    """

    detractors: int = 0
    passives: int = 0
    promoters: int = 0
    detractor_weight: float = 0.0
    passive_weight: float = 0.0
    promoter_weight: float = 0.0
    weight_squares: float = 0.0

    @classmethod
    def from_counts(cls, detractors: int, passives: int, promoters: int) -> NPSTally:
        """An unweighted tally from the three counts.

        Raises:
            InvalidInputError: If a count is not a whole number from 0 to ``2**53`` (the
                counts a float holds exactly).
        """
        counts = {"detractors": detractors, "passives": passives, "promoters": promoters}
        d, pa, pr = (whole_number(v, k, low=0, high=MAX_COUNT) for k, v in counts.items())
        return cls(d, pa, pr, float(d), float(pa), float(pr), float(d + pa + pr))

    @classmethod
    def from_scores(cls, scores: ArrayLike, *, weights: ArrayLike | None = None) -> NPSTally:
        """Tally 0-10 scores, optionally weighted (rows of weight 0 are left out).

        Raises:
            InvalidInputError: On a score that is not a whole number in 0..10 (NaN
                included), or a weight that is negative or not finite.
        """
        return tally_scores(_check_scores(scores), weights)

    @property
    def n(self) -> int:
        """Number of responses."""
        return self.detractors + self.passives + self.promoters

    @property
    def total_weight(self) -> float:
        """Sum of all weights (``n`` when unweighted)."""
        return self.detractor_weight + self.passive_weight + self.promoter_weight

    @property
    def effective_n(self) -> float:
        """Kish's effective sample size ``(Σw)² / Σw²`` (``n`` when unweighted)."""
        if self.weight_squares == 0:
            return 0.0
        return self.total_weight**2 / self.weight_squares

    def merge(self, other: NPSTally) -> NPSTally:
        """The tally of both partitions together (exact: every field is a sum)."""
        return NPSTally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __add__(self, other: NPSTally) -> NPSTally:
        if not isinstance(other, NPSTally):
            return NotImplemented
        return self.merge(other)

    def to_dict(self) -> dict[str, float]:
        """The tally as a JSON-ready dictionary."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _fold(per_score: NDArray[np.generic]) -> FloatArray:
    """Per-score totals (0..10) folded into detractors, passives, promoters."""
    return np.bincount(_CATEGORY, weights=per_score.astype(np.float64), minlength=3).astype(
        np.float64
    )


def tally(data: object, *, weights: ArrayLike | None = None) -> NPSTally:
    """Tally NPS data of any accepted form.

    Args:
        data: 0-10 scores (array-like), ``SurveyResponse`` records, columns with a
            ``score`` column (a ``Table``, dict or data frame), or an ``NPSTally``.
        weights: Optional weights, one per score: finite numbers ``>= 0`` (text is
            refused). For records and columns the ``weight`` field is used when
            ``weights`` is not given. Weights are relative: when the largest lies outside
            ``1e-100..1e100`` all are divided by it first, so the tally's weight sums are
            then in units of that largest weight.

    Returns:
        The tally.

    Raises:
        InvalidInputError: On invalid scores or weights, data with no NPS responses, or
            relationship and transactional responses mixed together (never pooled).

    Examples:
        >>> tally([10, 9, 7, 2]).to_dict()["promoters"]
        2
    """
    return tally_data(data, weights, "data")


def tally_data(data: object, weights: ArrayLike | None, name: str) -> NPSTally:
    """`tally` of the argument ``name`` (bare scores are named by it in messages)."""
    if isinstance(data, NPSTally):
        return data
    if isinstance(data, Iterator):  # a one-shot iterator: read it once, then inspect it
        data = list(data)
    if not is_responses(data):
        return tally_scores(_check_scores(np.asarray(data), f"`{name}`"), weights)
    columns = survey_columns(data, kind="nps", need=("score",), optional=("weight",))
    if weights is None:
        weights = columns.weights()
    return tally_scores(_check_scores(columns.scores(), SCORE_COLUMN), weights)


def tally_scores(values: NDArray[np.intp], weights: ArrayLike | None) -> NPSTally:
    """The tally of checked scores (see `_check_scores`), optionally weighted."""
    if weights is None:
        d, pa, pr = (int(c) for c in _fold(np.bincount(values, minlength=11)))
        return NPSTally(d, pa, pr, float(d), float(pa), float(pr), float(d + pa + pr))
    w = _check_weights(weights, len(values))
    if not (w > 0).all():  # rows of weight 0 are left out
        keep = w > 0
        values, w = values[keep], w[keep]
    counts = _fold(np.bincount(values, minlength=11))
    sums = _fold(np.bincount(values, weights=w, minlength=11))
    return NPSTally(
        int(counts[0]), int(counts[1]), int(counts[2]),
        float(sums[0]), float(sums[1]), float(sums[2]), float(np.dot(w, w)),
    )  # fmt: skip


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
    w = float_array(weights, "weights")
    if w.shape != (n,):
        msg = f"`weights` must have one weight per score ({n}), got shape {w.shape}"
        raise InvalidInputError(msg)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        msg = f"`weights` must be finite and >= 0; position {position} holds {shown(w[position])}"
        raise InvalidInputError(msg)
    top = float(w.max()) if n else 0.0
    if top > 0 and not _WEIGHT_RANGE[0] <= top <= _WEIGHT_RANGE[1]:
        w = w / top
    return w
