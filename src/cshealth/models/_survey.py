"""Survey responses: NPS, CSAT and CES."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import model_validator
from pydantic_core import PydanticCustomError

from cshealth.models._base import ColumnViolation, Record
from cshealth.models._fields import Identifier, Instant, NonNegative, Text, Whole

__all__ = ["DEFAULT_SCALES", "SurveyKind", "SurveyResponse", "SurveyType"]

#: What was asked: likelihood to recommend, satisfaction, or effort.
SurveyKind = Literal["nps", "csat", "ces"]
#: Relationship surveys ask about the whole relationship on a schedule; transactional
#: surveys follow a touchpoint. The two are never pooled.
SurveyType = Literal["relationship", "transactional"]
#: The answer scale of each kind when a response declares none (inclusive bounds).
DEFAULT_SCALES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
)


class SurveyResponse(Record):
    """One answer to an NPS, CSAT or CES question.

    ``score`` must lie on the response's scale: NPS is always 0..10; CSAT is 1..5 and CES
    1..7 unless ``scale_min`` and ``scale_max`` declare another scale (e.g. a 1..7 CSAT).

    Examples:
        >>> from datetime import datetime, timezone
        >>> r = SurveyResponse(
        ...     id="R-1",
        ...     account_id="A-1",
        ...     kind="nps",
        ...     survey_type="relationship",
        ...     score=9,
        ...     submitted_at=datetime(2025, 4, 2, tzinfo=timezone.utc),
        ... )
        >>> r.scale()
        (0, 10)
        >>> SurveyResponse(
        ...     id="R-2",
        ...     account_id="A-1",
        ...     kind="nps",
        ...     survey_type="relationship",
        ...     score=11,
        ...     submitted_at=datetime(2025, 4, 2, tzinfo=timezone.utc),
        ... )
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for SurveyResponse
          score 11 is outside the nps scale 0..10 ...
    """

    table_name: ClassVar[str] = "survey_responses"

    id: Identifier
    """Stable identifier of the response."""
    account_id: Identifier
    """The account the respondent belongs to."""
    contact_id: Identifier | None = None
    """The respondent, when known (needed to deduplicate repeat respondents)."""
    kind: SurveyKind
    """``nps``, ``csat`` or ``ces``."""
    survey_type: SurveyType
    """``relationship`` or ``transactional``; scores of the two are never pooled."""
    touchpoint: Text | None = None
    """Where it was asked: ``onboarding``, ``support``, ``post_purchase``, ``website``,
    ``sales``, ``renewal``, ``in_app`` or any other text."""
    score: Whole
    """The answer, a whole number on the response's scale."""
    submitted_at: Instant
    """When the answer was given."""
    comment: Text | None = None
    """Free-text comment."""
    weight: NonNegative = 1.0
    """Survey or business weight (``>= 0``); 1 unless the sample is weighted."""
    scale_min: Whole | None = None
    """Lowest point of a non-default scale (CSAT and CES only); give with ``scale_max``."""
    scale_max: Whole | None = None
    """Highest point of a non-default scale (CSAT and CES only); give with ``scale_min``."""

    def scale(self) -> tuple[int, int]:
        """The inclusive ``(low, high)`` bounds of this response's answer scale."""
        if self.scale_min is not None and self.scale_max is not None:
            return (self.scale_min, self.scale_max)
        return DEFAULT_SCALES[self.kind]

    @model_validator(mode="after")
    def _check_scale(self) -> SurveyResponse:
        declared = (self.scale_min, self.scale_max)
        if declared != (None, None):
            _check_declared_scale(self.kind, self.scale_min, self.scale_max)
        low, high = self.scale()
        if not low <= self.score <= high:
            raise PydanticCustomError(
                "score_out_of_range",
                "score {score} is outside the {kind} scale {low}..{high}",
                {
                    "field": "score",
                    "score": self.score,
                    "kind": self.kind,
                    "low": low,
                    "high": high,
                },
            )
        return self

    @classmethod
    def check_columns(cls, columns: Mapping[str, NDArray[np.generic]]) -> list[ColumnViolation]:
        """Vectorised scale rules: the same checks as on one response, over columns."""
        kind = columns["kind"]
        score = columns["score"].astype(np.float64)
        low = columns["scale_min"].astype(np.float64)
        high = columns["scale_max"].astype(np.float64)
        declared = ~np.isnan(low) | ~np.isnan(high)
        found = [
            ColumnViolation(
                "scale_min",
                declared & (np.isnan(low) | np.isnan(high)),
                "incomplete_scale",
                "give both `scale_min` and `scale_max`, or neither",
            ),
            ColumnViolation(
                "scale_min",
                declared & (low >= high),
                "empty_scale",
                "`scale_min` must be below `scale_max`",
            ),
        ]
        nps_low, nps_high = DEFAULT_SCALES["nps"]
        found.append(
            ColumnViolation(
                "scale_min",
                declared & (kind == "nps") & ((low != nps_low) | (high != nps_high)),
                "nps_scale",
                "NPS is always asked on 0..10; leave the scale empty",
            )
        )
        usable = declared & ~np.logical_or.reduce([v.rows for v in found])
        found.append(
            ColumnViolation(
                "score",
                usable & ((score < low) | (score > high)),
                "score_out_of_range",
                "score is outside the declared scale `scale_min`..`scale_max`",
            )
        )
        for name, (lo, hi) in DEFAULT_SCALES.items():
            rows = ~declared & (kind == name) & ((score < lo) | (score > hi))
            found.append(
                ColumnViolation(
                    "score",
                    rows,
                    "score_out_of_range",
                    f"score is outside the {name} scale {lo}..{hi}",
                )
            )
        return found


def _check_declared_scale(kind: str, low: int | None, high: int | None) -> None:
    if low is None or high is None:
        raise PydanticCustomError(
            "incomplete_scale",
            "give both `scale_min` and `scale_max`, or neither (got {low} and {high})",
            {"field": "scale_max" if high is None else "scale_min", "low": low, "high": high},
        )
    if low >= high:
        raise PydanticCustomError(
            "empty_scale",
            "`scale_min` ({low}) must be below `scale_max` ({high})",
            {"field": "scale_min", "low": low, "high": high},
        )
    if kind == "nps" and (low, high) != DEFAULT_SCALES["nps"]:
        raise PydanticCustomError(
            "nps_scale",
            "NPS is always asked on 0..10, got a declared scale {low}..{high}; "
            "leave `scale_min` and `scale_max` empty for NPS",
            {"field": "scale_min", "low": low, "high": high},
        )
