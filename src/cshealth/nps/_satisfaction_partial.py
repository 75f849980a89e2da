"""`CSATPartial` and `CESPartial`: a histogram of the answers per scale point, mergeable.

CSAT and CES answers are whole numbers on a small scale, so the histogram of the answers
(per point: how many, the sum of their weights and of their squared weights) holds every
statistic `csat` and `ces` report: shares and means are ratios of its sums, and Kish's
effective sample size is ``(Σw)² / Σw²``. Partials of disjoint partitions add up, and
`CSATPartial.finalize` / `CESPartial.finalize` give the result of all of them;
`cshealth.nps.csat` and `cshealth.nps.ces` are exactly the finalised histogram of all the
answers.

Weights: those estimates are ratios of weight sums, so they do not depend on the unit of
the weights, and the histogram keeps the raw sums. Only a largest weight outside
``1e-100..1e100`` is divided out first (its squares would overflow or vanish in a float);
a partition cannot know the largest of all, so its partial refuses such weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, TypeVar, cast

import numpy as np

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._partial import Partial, PartialKey, Requires
from cshealth._types import FloatArray, IntArray
from cshealth.models import DEFAULT_SCALES
from cshealth.nps._answers import _WEIGHT_RANGE
from cshealth.nps._partial_tally import TYPE_COLUMN, one_type, partition_weights
from cshealth.nps._satisfaction_answers import (
    _Answers,
    _check_positive,
    _check_scale,
    _is_whole,
    _warn_small,
    easy_points,
)
from cshealth.nps._satisfaction_result import CESMethod, CESResult, CSATMethod, CSATResult, _Sample

__all__ = ["CESPartial", "CSATPartial"]

P = TypeVar("P", bound="_ScalePartial")


@dataclass(frozen=True, eq=False, repr=False)
class _ScalePartial(Partial):
    """A histogram of answers on a scale: the shape of `CSATPartial` and `CESPartial`."""

    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        TYPE_COLUMN,
        ("scale_min", "int64"),
        ("scale_max", "int64"),
        ("score", "int64"),
    )
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("answers", "unanswered")
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = ("weight", "weight_squares")
    REQUIRES: ClassVar[Requires] = None

    def _histogram(self) -> _Histogram:
        """The answers of the one scale they are on, per point, and the unanswered."""
        c = self.columns
        one_type(c["survey_type"])
        counts = np.asarray(c["answers"], dtype=np.int64)
        lows, highs = np.asarray(c["scale_min"]), np.asarray(c["scale_max"])
        found = sorted({(int(a), int(b)) for a, b in zip(lows[counts > 0], highs[counts > 0])})
        if len(found) > 1:
            per = [int(counts[(lows == a) & (highs == b)].sum()) for a, b in found]
            listed = ", ".join(f"{n} on {a}..{b}" for (a, b), n in zip(found, per))
            msg = (
                f"{self.KIND.upper()} answers on different scales ({listed}); answers on "
                "different scales are never mixed in one score: compute one score per scale"
            )
            raise InvalidInputError(msg)
        requested = self.key.option("scale")
        if found:
            scale = found[0]
        elif requested:
            low, high = requested.split("..")
            scale = (int(low), int(high))
        else:
            scale = DEFAULT_SCALES[self.KIND]
        rows = (lows == scale[0]) & (highs == scale[1]) & (counts > 0)
        weight = np.asarray(c["weight"], dtype=np.float64)[rows]
        squares = np.asarray(c["weight_squares"], dtype=np.float64)[rows]
        n = counts[rows]
        weighted = bool((weight != n).any() or (squares != n).any())
        return _Histogram(
            scale,
            np.asarray(c["score"], dtype=np.int64)[rows],
            n,
            weight if weighted else None,
            squares if weighted else None,
            int(np.asarray(c["unanswered"]).sum()),
        )


@dataclass(frozen=True)
class _Histogram:
    scale: tuple[int, int]
    points: IntArray
    counts: IntArray
    weight: FloatArray | None
    squares: FloatArray | None
    unanswered: int

    def sample(self, values: FloatArray) -> _Sample:
        return _Sample.of(values, self.counts, self.weight, self.squares)


@dataclass(frozen=True, eq=False, repr=False)
class CSATPartial(_ScalePartial):
    """A histogram of CSAT answers per scale point: a partial of `csat`.

    One row per point answered: ``survey_type`` (as read; ``''`` when the data does not
    say), the scale (``scale_min``, ``scale_max``: as the answers declare it, or the
    default), the ``score``, how many ``answers`` gave it and the sum of their
    ``weight`` and ``weight_squares`` (the count itself when unweighted). The unanswered
    surveys, which have no score (nor, in a partition without answers, a scale), are
    counted on a row of their own whose scale and score are 0. The key holds
    ``scale`` (as asked; ``''``: as the answers declare it), ``positive`` (as asked;
    ``''``: the default for the scale), ``method``, ``survey_type`` and ``min_n``.

    Requires nothing of the partitioning.

    Examples:
        >>> from cshealth import nps
        >>> week = [5, 5, 4, 4, 3, 2, 5, 4, 1, 5]
        >>> merged = nps.csat_partial(week[:4], min_n=0) + nps.csat_partial(week[4:], min_n=0)
        >>> merged.columns["score"].tolist(), merged.columns["answers"].tolist()
        ([1, 2, 3, 4, 5], [1, 1, 1, 3, 4])
        >>> merged.finalize() == nps.csat(week, min_n=0)
        True
    """

    KIND: ClassVar[str] = "csat"

    def finalize(self) -> CSATResult:
        """The `CSATResult` of the answers counted, as `csat` gives it.

        Raises:
            InvalidInputError: When the rows hold answers on different scales, or
                relationship and transactional answers (never mixed), or the key's
                ``positive`` is not a set of points of the scale short of all of them.

        Examples:
            >>> from cshealth import nps
            >>> nps.csat_partial([5, 4, 2], min_n=0).finalize().score
            66.66...
        """
        result = self._result()
        _warn_small("CSAT", result.n, int(self.key.option("min_n")))
        return result

    def _result(self) -> CSATResult:
        h = self._histogram()
        text = self.key.option("positive")
        chosen = _check_positive(None if text == "" else _ints(text), h.scale)
        satisfied = np.isin(h.points, chosen)
        method = cast("CSATMethod", one_of(self.key.option("method"), CSATMethod, "method"))
        low, high = h.scale
        if method == "top_box":
            values = satisfied.astype(np.float64)
        else:
            values = (h.points - low) / float(high - low)
        positive = int(h.counts[satisfied].sum())
        return CSATResult(h.scale, chosen, method, positive, h.sample(values), h.unanswered)


@dataclass(frozen=True, eq=False, repr=False)
class CESPartial(_ScalePartial):
    """A histogram of CES answers per scale point: a partial of `ces`.

    The rows of `CSATPartial`, of CES answers as given (before any reversal). The key
    holds ``scale``, ``higher_is_easier``, ``method``, ``survey_type`` and ``min_n``.

    Requires nothing of the partitioning.

    Examples:
        >>> from cshealth import nps
        >>> ratings = [7, 6, 6, 5, 3, 7, 4, 6]
        >>> merged = nps.ces_partial(ratings[:3], min_n=0) + nps.ces_partial(ratings[3:], min_n=0)
        >>> merged.finalize() == nps.ces(ratings, min_n=0)
        True
    """

    KIND: ClassVar[str] = "ces"

    def finalize(self) -> CESResult:
        """The `CESResult` of the answers counted, as `ces` gives it.

        Raises:
            InvalidInputError: When the rows hold answers on different scales, or
                relationship and transactional answers (never mixed).

        Examples:
            >>> from cshealth import nps
            >>> nps.ces_partial([7, 6, 2], min_n=0).finalize().mean
            5.0
        """
        result = self._result()
        _warn_small("CES", result.n, int(self.key.option("min_n")))
        return result

    def _result(self) -> CESResult:
        h = self._histogram()
        low, high = h.scale
        higher_is_easier = self.key.option("higher_is_easier") == "True"
        ratings = h.points if higher_is_easier else low + high - h.points
        easy_values = easy_points(h.scale)
        easy = ratings >= easy_values[0]
        method = cast("CESMethod", one_of(self.key.option("method"), CESMethod, "method"))
        return CESResult(
            h.scale,
            higher_is_easier,
            method,
            easy_values,
            h.sample(ratings.astype(np.float64)),
            h.sample(easy.astype(np.float64)),
            int(h.counts[easy].sum()),
            h.unanswered,
        )


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(value) for value in text.split(","))


def positive_text(positive: object, scale: tuple[int, int]) -> str:
    """The key's text of a ``positive`` set: its points, sorted, or ``''`` for the default.

    A set that is no set of whole numbers is refused here, with the message `csat`
    gives; whether its points lie on the scale is checked by `CSATPartial.finalize`,
    once the scale of all the answers is known.

    Raises:
        InvalidInputError: When ``positive`` is not a non-empty set of whole numbers.
    """
    if positive is None:
        return ""
    values: list[object] = []
    if isinstance(positive, Iterable) and not isinstance(positive, (str, bytes)):
        values = list(positive)
    if not values or not all(_is_whole(v) for v in values):
        _check_positive(values or positive, scale)  # raises: no set of whole numbers
    return ",".join(str(v) for v in sorted({int(cast("int", v)) for v in values}))


def scale_text(scale: object) -> str:
    """The key's text of a requested ``scale``: ``'1..5'``, or ``''`` (as declared)."""
    return "" if scale is None else "{}..{}".format(*_check_scale(scale))


def histogram(
    kind: type[P], answers: _Answers, key: PartialKey, parts: tuple[str, ...], *, partition: bool
) -> P:
    """The partial of ``kind`` of answers read by `_read` (their weights rescaled if extreme)."""
    low, high = answers.scale
    w = answers.weights
    if partition:
        partition_weights(w)
    elif w is not None and len(w) and not _WEIGHT_RANGE[0] <= float(w.max()) <= _WEIGHT_RANGE[1]:
        w = w / float(w.max())  # the estimates do not depend on the weights' unit
    at = answers.scores - low
    size = high - low + 1
    counts = np.bincount(at, minlength=size).astype(np.int64)
    weight = counts.astype(np.float64) if w is None else np.bincount(at, w, size)
    squares = counts.astype(np.float64) if w is None else np.bincount(at, w * w, size)
    rows = counts > 0
    k, aside = int(rows.sum()), int(answers.unanswered > 0)  # the unanswered: a row of 0s
    columns = {
        "survey_type": np.full(k + aside, answers.survey_type or "", dtype=object),
        "scale_min": np.r_[np.full(k, low), np.zeros(aside)].astype(np.int64),
        "scale_max": np.r_[np.full(k, high), np.zeros(aside)].astype(np.int64),
        "score": np.r_[np.arange(low, high + 1)[rows], np.zeros(aside)].astype(np.int64),
        "answers": np.r_[counts[rows], np.zeros(aside)].astype(np.int64),
        "unanswered": np.r_[np.zeros(k), np.full(aside, answers.unanswered)].astype(np.int64),
        "weight": np.r_[weight[rows], np.zeros(aside)],
        "weight_squares": np.r_[squares[rows], np.zeros(aside)],
    }
    return kind(key, columns, parts)
