"""``NPSTally``: the counts behind a Net Promoter Score, mergeable across partitions.

`NPSTally` holds the counts and weight sums of detractors, passives and promoters, checked
in its constructor, and merges exactly (``a + b``, ``sum(tallies)``). `tally` and its
helpers tally NPS data of any accepted form; the scores and weights are checked by
`cshealth.nps._answers`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import shown
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result
from cshealth._types import FloatArray
from cshealth.nps._answers import (
    _CATEGORY,
    SCORE_COLUMN,
    _check_scores,
    _check_weights,
    is_responses,
)
from cshealth.nps._responses import survey_columns
from cshealth.nps._tally_fields import FIELDS as _FIELDS
from cshealth.nps._tally_fields import check_sums as _check_sums
from cshealth.nps._tally_fields import count as _count
from cshealth.nps._tally_fields import difference

__all__ = ["NPSTally", "tally"]


@dataclass(frozen=True, eq=False, repr=False, init=False)
class NPSTally(Result):
    """Counts and weight sums of detractors, passives and promoters.

    The sufficient statistics of every NPS estimate cshealth makes, and a partial aggregate:
    tallies of disjoint partitions add up exactly (``a.merge(b, c)``, ``a + b`` or
    ``sum(tallies)``), so a Dask or Spark job can tally each partition and combine the
    results. ``to_dict`` and `from_dict` carry a tally through JSON and back.

    Built from three counts alone, a tally is unweighted (each weight sum is its count and
    ``weight_squares`` is ``n``); a weighted tally gives all four sums. The constructor
    checks what `tally` guarantees: counts are whole numbers from 0 to ``2**53``, sums are
    finite and ``>= 0``, a category without responses weighs 0, and a tally with responses
    weighs more than 0.

    Attributes:
        detractors: Responses scoring 0-6 (with a positive weight).
        passives: Responses scoring 7-8.
        promoters: Responses scoring 9-10.
        detractor_weight: Sum of the weights of the detractors (the count when unweighted).
        passive_weight: Sum of the weights of the passives.
        promoter_weight: Sum of the weights of the promoters.
        weight_squares: Sum of the squared weights of all responses (Kish's ``Σw²``).

    Raises:
        InvalidInputError: On a count that is not a whole number from 0 to ``2**53``, a
            sum that is not a finite number ``>= 0``, some but not all of the four sums,
            or sums that no data could give (weight in a category without responses,
            ``weight_squares`` without responses, responses that weigh nothing).

    Examples:
        >>> a = NPSTally.from_scores([10, 9, 3])
        >>> b = NPSTally.from_scores([8, 0])
        >>> a + b
        NPSTally(detractors=2, passives=1, promoters=2)
        >>> sum([a, b]) == a.merge(b) == NPSTally.from_scores([10, 9, 3, 8, 0])
        True
        >>> NPSTally.from_scores([10, 3], weights=[2.0, 0.5])
        NPSTally(detractors=1, passives=0, promoters=1, detractor_weight=0.5,
                 passive_weight=0, promoter_weight=2, weight_squares=4.25)
        >>> NPSTally.from_dict(a.to_dict()) == a
        True
    """

    detractors: int
    passives: int
    promoters: int
    detractor_weight: float
    passive_weight: float
    promoter_weight: float
    weight_squares: float

    def __init__(
        self,
        *,
        detractors: int = 0,
        passives: int = 0,
        promoters: int = 0,
        detractor_weight: float | None = None,
        passive_weight: float | None = None,
        promoter_weight: float | None = None,
        weight_squares: float | None = None,
    ) -> None:
        """A tally of counts (unweighted), or of counts and all four weight sums, by name."""
        counts = (
            _count(detractors, "detractors"),
            _count(passives, "passives"),
            _count(promoters, "promoters"),
        )
        given = (detractor_weight, passive_weight, promoter_weight, weight_squares)
        if all(value is None for value in given):
            sums = (*(float(count) for count in counts), float(sum(counts)))
        else:
            sums = _check_sums(given, counts)
        for name, value in zip(_FIELDS, (*counts, *sums)):
            object.__setattr__(self, name, value)

    @classmethod
    def from_counts(cls, *, promoters: int, passives: int, detractors: int) -> NPSTally:
        """An unweighted tally from the three counts, each given by name.

        The same tally as ``NPSTally(promoters=..., passives=..., detractors=...)``.

        Raises:
            InvalidInputError: If a count is not a whole number from 0 to ``2**53`` (the
                counts a float holds exactly).

        Examples:
            >>> NPSTally.from_counts(promoters=250, passives=675, detractors=75).n
            1000
        """
        return cls(promoters=promoters, passives=passives, detractors=detractors)

    @classmethod
    def from_scores(cls, scores: ArrayLike, *, weights: ArrayLike | None = None) -> NPSTally:
        """Tally 0-10 scores, optionally weighted (rows of weight 0 are left out).

        Raises:
            InvalidInputError: On a score that is not a whole number in 0..10 (NaN
                included), or a weight that is negative or not finite.

        Examples:
            >>> NPSTally.from_scores([10, 9, 7, 2])
            NPSTally(detractors=1, passives=1, promoters=2)
        """
        return tally_scores(_check_scores(scores), weights)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> NPSTally:
        """The tally that `to_dict` wrote (the inverse of ``to_dict``, through JSON too).

        Args:
            data: The seven fields by name (`to_dict`'s keys); the four weight sums may
                be left out together, for an unweighted tally.

        Raises:
            InvalidInputError: If ``data`` is not a mapping, has a key that is not a field,
                or holds values the constructor refuses.

        Examples:
            >>> import json
            >>> t = NPSTally.from_scores([10, 3], weights=[2.0, 0.5])
            >>> NPSTally.from_dict(json.loads(json.dumps(t.to_dict()))) == t
            True
        """
        if not isinstance(cast("object", data), Mapping):
            msg = f"`data` must be a mapping of the tally's fields, got {shown(data)}"
            raise InvalidInputError(msg)
        unknown = [key for key in data if key not in _FIELDS]
        if unknown:
            msg = (
                f"`data` holds keys that are not fields of NPSTally: {unknown!r}; the fields "
                f"are {', '.join(repr(name) for name in _FIELDS)}"
            )
            raise InvalidInputError(msg)
        return cls(**cast("dict[str, Any]", dict(data)))

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

    def _weighted(self) -> bool:
        """Whether the weight sums differ from the counts (the tally of weighted data)."""
        return (
            self.detractor_weight != self.detractors
            or self.passive_weight != self.passives
            or self.promoter_weight != self.promoters
            or self.weight_squares != self.n
        )

    def merge(self, *others: NPSTally) -> NPSTally:
        """The tally of this partition and of ``others`` together (exact: sums of fields).

        Args:
            *others: Tallies of other, disjoint partitions of the responses.

        Returns:
            The combined tally; ``self`` itself without ``others``.

        Raises:
            InvalidInputError: If one of ``others`` is not an `NPSTally`, or the counts
                together exceed ``2**53``.

        Examples:
            >>> parts = [NPSTally.from_scores(s) for s in ([10, 9], [3], [8, 10])]
            >>> parts[0].merge(*parts[1:]) == NPSTally.from_scores([10, 9, 3, 8, 10])
            True
        """
        for position, other in enumerate(others):
            if not isinstance(cast("object", other), NPSTally):
                msg = (
                    f"`others[{position}]` must be an NPSTally, got "
                    f"{type(other).__name__} {shown(other)}"
                )
                raise InvalidInputError(msg)
        if not others:
            return self
        parts = (self, *others)
        return NPSTally(**{name: sum(getattr(part, name) for part in parts) for name in _FIELDS})

    def __add__(self, other: NPSTally) -> NPSTally:
        if not isinstance(other, NPSTally):
            return NotImplemented
        return self.merge(other)

    def __radd__(self, other: object) -> NPSTally:
        """``0 + tally`` is the tally, so that ``sum(tallies)`` works from its start of 0."""
        if type(other) is int and other == 0:
            return self
        return NotImplemented

    def __sub__(self, other: NPSTally) -> NPSTally:
        """This tally without the responses of ``other``, a part of it: "the rest".

        ``whole - group`` is the tally of every response outside the group, the other
        side of a group-versus-rest comparison. Counts subtract exactly. Weight sums are
        floats: ``(a + b) - b`` can miss ``a`` in its last bits, so a weight sum that
        comes out within ``1e-9`` of the larger term (relative) from 0 where it must be 0
        (below 0, or in a category left without responses) is taken as exactly 0. Any
        larger gap means ``other`` is no part of this tally and is refused.

        Raises:
            InvalidInputError: When ``other`` is not a part of this tally: a count would
                be negative, a weight sum negative beyond that rounding, or responses
                would be left with no weight (or weight with no response).

        Examples:
            >>> whole = NPSTally.from_scores([10, 9, 8, 3, 0])
            >>> whole - NPSTally.from_scores([10, 3])
            NPSTally(detractors=1, passives=1, promoters=1)
            >>> a, b, c = (NPSTally.from_scores([3], weights=[w]) for w in (0.1, 0.2, 0.3))
            >>> ((a + b) + c).detractor_weight, (a + (b + c)).detractor_weight
            (0.6000000000000001, 0.6)
            >>> ((a + b) + c) - (a + (b + c))  # the same responses: nothing is left
            NPSTally(detractors=0, passives=0, promoters=0)
        """
        if not isinstance(other, NPSTally):
            return NotImplemented
        fields = difference(
            [getattr(self, name) for name in _FIELDS], [getattr(other, name) for name in _FIELDS]
        )
        return NPSTally(**cast("dict[str, Any]", fields))

    def __repr__(self) -> str:
        counts = (
            f"detractors={self.detractors}, passives={self.passives}, promoters={self.promoters}"
        )
        if not self._weighted():
            return f"NPSTally({counts})"
        sums = ", ".join(f"{name}={getattr(self, name):.6g}" for name in _FIELDS[3:])
        return f"NPSTally({counts}, {sums})"


def tally_of(
    counts: Sequence[int], sums: Sequence[float] | None = None, squares: float | None = None
) -> NPSTally:
    """A tally from counts (and weight sums) in category order: detractor, passive, promoter.

    Without ``sums`` the tally is unweighted; with them ``squares`` is Kish's ``Σw²``.
    """
    d, pa, pr = counts
    if sums is None or squares is None:
        return NPSTally(detractors=d, passives=pa, promoters=pr)
    wd, wp, wr = sums
    return NPSTally(
        detractors=d, passives=pa, promoters=pr,
        detractor_weight=wd, passive_weight=wp, promoter_weight=wr, weight_squares=squares,
    )  # fmt: skip


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
        return NPSTally(detractors=d, passives=pa, promoters=pr)
    return tally_checked(values, _check_weights(weights, len(values)))


def tally_checked(values: NDArray[np.intp], w: FloatArray) -> NPSTally:
    """The weighted tally of checked scores and weights (`_check_weights`), as they are.

    `tally_scores` once the weights are checked and rescaled: the tallies of parts of
    the responses (groups) then share the units of the whole's.
    """
    if not (w > 0).all():  # rows of weight 0 are left out
        keep = w > 0
        values, w = values[keep], w[keep]
    counts = _fold(np.bincount(values, minlength=11))
    sums = _fold(np.bincount(values, weights=w, minlength=11))
    return NPSTally(
        detractors=int(counts[0]), passives=int(counts[1]), promoters=int(counts[2]),
        detractor_weight=float(sums[0]), passive_weight=float(sums[1]),
        promoter_weight=float(sums[2]), weight_squares=float(np.dot(w, w)),
    )  # fmt: skip
