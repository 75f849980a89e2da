"""The transforms of a measure, as configuration: raw value to a 0..100 score.

One frozen model per kind of transform (linear, bounded linear, thresholds, categories,
boolean, percentile), and `Transform`, the union of them chosen by ``kind``. They say
what a transform is; `cshealth.scoring._transforms` applies them to a column.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from cshealth.scoring._bands import Closure
from cshealth.scoring._base import ScoringConfig, _Finite, _Score

__all__ = [
    "BooleanTransform",
    "CategoriesTransform",
    "LinearBoundedTransform",
    "LinearTransform",
    "PercentileTransform",
    "ThresholdsTransform",
    "Transform",
]


class _Linear(ScoringConfig):
    worst: _Finite
    best: _Finite

    @model_validator(mode="after")
    def _distinct(self) -> _Linear:
        if self.worst == self.best:
            msg = f"`worst` and `best` must differ, both are {self.worst:g}"
            raise PydanticCustomError("linear_flat", msg)
        return self


class LinearTransform(_Linear):
    """``worst`` maps to 0 and ``best`` to 100 on a straight line; outside, clamped.

    ``best < worst`` means lower is better (open tickets, days to first response).
    Planhat calls this "linear".

    Attributes:
        kind: ``"linear"``.
        worst: The value that scores 0 (and anything beyond it, away from ``best``).
        best: The value that scores 100 (and anything beyond it); differs from ``worst``.

    Examples:
        >>> LinearTransform(worst=10, best=0)
        LinearTransform(worst=10.0, best=0.0, kind='linear')
    """

    kind: Literal["linear"] = "linear"


class LinearBoundedTransform(_Linear):
    """As `LinearTransform`, but a value outside ``[worst, best]`` counts as missing.

    Planhat's "linear (bounded)": a value out of range is treated as bad data, not as
    the best or the worst.

    Attributes:
        kind: ``"linear_bounded"``.
        worst: The value that scores 0; a value beyond it counts as missing.
        best: The value that scores 100; a value beyond it counts as missing.

    Examples:
        >>> LinearBoundedTransform(worst=0, best=1).kind
        'linear_bounded'
    """

    kind: Literal["linear_bounded"] = "linear_bounded"


class ThresholdsTransform(ScoringConfig):
    """Cut points to fixed scores: ``len(cuts) + 1`` intervals, one score each.

    With ``lower_inclusive`` closure, ``cuts=[2, 5]`` and ``scores=[0, 50, 100]`` mean
    ``value < 2 -> 0``, ``2 <= value < 5 -> 50``, ``value >= 5 -> 100``; with
    ``upper_inclusive`` the cut points belong to the interval below them. Without a
    ``closure`` the scorecard's applies. Gainsight and ChurnZero bands, Quivly buckets.

    Attributes:
        kind: ``"thresholds"``.
        cuts: The cut points, strictly increasing (at least one).
        scores: The score of each interval (0..100), one more than ``cuts``.
        closure: ``lower_inclusive`` or ``upper_inclusive``: which interval a cut point
            belongs to; ``None`` takes the scorecard's.

    Examples:
        >>> ThresholdsTransform(cuts=[0, 30], scores=[0, 50, 100]).closure is None
        True
    """

    kind: Literal["thresholds"] = "thresholds"
    cuts: tuple[_Finite, ...] = Field(min_length=1)
    scores: tuple[_Score, ...]
    closure: Closure | None = None

    @model_validator(mode="after")
    def _shape(self) -> ThresholdsTransform:
        if any(b <= a for a, b in itertools.pairwise(self.cuts)):
            msg = f"`cuts` must increase strictly, got {list(self.cuts)}"
            raise PydanticCustomError("cuts_order", msg)
        if len(self.scores) != len(self.cuts) + 1:
            msg = (
                f"`scores` needs one more entry than `cuts` ({len(self.cuts) + 1}), "
                f"got {len(self.scores)}"
            )
            raise PydanticCustomError("scores_length", msg)
        return self


class CategoriesTransform(ScoringConfig):
    """A score for each category, such as ``{"good": 100, "average": 60, "poor": 0}``.

    Totango scores good/average/poor as 100/60/0, Vitally as 10/5/0. A category not in
    ``scores`` is an error naming the account (``unknown="error"``, the default: it is
    usually a typo) or counts as missing (``unknown="missing"``).

    Attributes:
        kind: ``"categories"``.
        scores: The score (0..100) of each category (at least one).
        unknown: ``error`` or ``missing``: what a category not in ``scores`` does.

    Examples:
        >>> CategoriesTransform(scores={"good": 100, "poor": 0}).unknown
        'error'
    """

    kind: Literal["categories"] = "categories"
    scores: Mapping[str, _Score] = Field(min_length=1)
    unknown: Literal["error", "missing"] = "error"


class BooleanTransform(ScoringConfig):
    """True and false to two scores (100 and 0 unless set).

    Attributes:
        kind: ``"boolean"``.
        true: The score of true (0..100).
        false: The score of false (0..100).

    Examples:
        >>> BooleanTransform(true=0, false=100).true
        0.0
    """

    kind: Literal["boolean"] = "boolean"
    true: _Score = 100.0
    false: _Score = 0.0


class PercentileTransform(ScoringConfig):
    """The value's percentile rank among the scored accounts, 0..100.

    The percentile rank of a value is the share of values below it plus half the share
    equal to it, times 100 (the textbook definition; `scipy.stats.percentileofscore`
    with ``kind="mean"``). With ``by`` (a column such as ``"segment"``) accounts are
    ranked within their own group; with ``higher_is_better=False`` the rank is turned
    round (100 minus it).

    Attributes:
        kind: ``"percentile"``.
        by: The column whose groups accounts are ranked within; ``None`` ranks them all
            together.
        higher_is_better: Whether a higher value ranks higher; if false, the rank is
            turned round.

    Examples:
        >>> PercentileTransform(by="segment").by
        'segment'
    """

    kind: Literal["percentile"] = "percentile"
    by: str | None = None
    higher_is_better: bool = True


#: A measure's transform from raw value to a 0..100 score, chosen by ``kind``.
Transform = Annotated[
    LinearTransform
    | LinearBoundedTransform
    | ThresholdsTransform
    | CategoriesTransform
    | BooleanTransform
    | PercentileTransform,
    Field(discriminator="kind"),
]
