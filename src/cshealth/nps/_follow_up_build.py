"""Building the `FollowUp` objects of the rows `follow_ups` selected.

`follow_ups` (`cshealth.nps._follow_ups`) selects rows on whole columns; `_Builder` then
turns only those rows into Python values and `FollowUp` objects: the action (a promoter's
ask follows the policy and whether they left a comment), the reason as a sentence (score,
survey, touchpoint, date and the rule), the due date and whether it is overdue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import is_missing
from cshealth._types import IdArray, IntArray
from cshealth.io._read import read_ids
from cshealth.models import SurveyType
from cshealth.nps._follow_up import _ACTIONS, FollowUp, FollowUpAction, NPSCategory
from cshealth.nps._follow_up_policy import FollowUpPolicy
from cshealth.nps._responses import SurveyColumns

__all__: list[str] = []

_CATEGORIES: tuple[NPSCategory, ...] = ("detractor", "passive", "promoter")
_ASK: Mapping[str, str] = {
    "call": "call",
    "nurture": "nurture",
    "testimonial_request": "ask for a testimonial",
    "review_request": "ask for a review",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MICROSECOND = timedelta(microseconds=1)


def _identifiers(values: NDArray[np.generic]) -> IdArray:
    """Identifiers by the one rule (whole numbers stay numbers); missing is ``None``."""
    return read_ids(values, name="identifiers", allow_missing=True)


def _within(days: int) -> str:
    if days == 0:
        return "the same day"
    return "within 1 day" if days == 1 else f"within {days} days"


def _text(value: object) -> str | None:
    """Text of a cell; ``None`` for a missing (``None``, NaN) or blank one."""
    text = None if is_missing(value) else str(value).strip()
    return text or None


class _Row(NamedTuple):
    """The cells of one selected row, as Python values."""

    response_id: int | str
    account_id: int | str
    contact_id: int | str | None
    score: int
    survey_type: str | None
    touchpoint: str | None
    comment: str | None
    micros: int
    category: int
    due_on: date
    overdue: bool
    priority: int


class _Builder:
    """Turns selected rows into `FollowUp` objects (Python values only for those rows)."""

    def __init__(
        self,
        columns: SurveyColumns,
        ids: IdArray,
        policy: FollowUpPolicy,
        today: np.datetime64,
    ) -> None:
        self.columns = columns
        self.ids = ids
        self.policy = policy
        self.today = today
        days = {
            "call": policy.detractor_days,
            "nurture": policy.passive_days,
            "testimonial_request": policy.promoter_days,
            "review_request": policy.promoter_days,
        }
        said = {"testimonial_request": " with a comment", "review_request": " without a comment"}
        #: The end of each reason, from the date on: the rule that chose the action.
        self.tails = {
            action: (said.get(action, "") if policy.promoter_action == "auto" else "")
            + f": {_ASK[action]} {_within(days[action])}"
            for action in _ACTIONS
        }

    def __call__(
        self, rows: IntArray, category: IntArray, due: NDArray[np.datetime64], priority: IntArray
    ) -> list[FollowUp]:
        values = zip(
            self.ids[rows].tolist(),
            _identifiers(self.columns["account_id"][rows]).tolist(),
            self._optional_ids("contact_id", rows),
            self.columns.scores()[rows].tolist(),
            self._column("survey_type", rows),
            self._column("touchpoint", rows),
            self._column("comment", rows),
            self.columns.instants()[rows].astype(np.int64).tolist(),
            category.tolist(),
            due.astype(object).tolist(),
            (due < self.today).tolist(),
            priority.tolist(),
        )
        return [self._one(_Row(*row)) for row in values]

    def _column(self, name: str, rows: IntArray) -> list[str | None]:
        if name not in self.columns.columns:
            return [None] * len(rows)
        return [_text(value) for value in self.columns[name][rows].tolist()]

    def _optional_ids(self, name: str, rows: IntArray) -> list[int | str | None]:
        if name not in self.columns.columns:
            return [None] * len(rows)
        return cast("list[int | str | None]", _identifiers(self.columns[name][rows]).tolist())

    def _one(self, row: _Row) -> FollowUp:
        category = _CATEGORIES[row.category]
        action = self._action(category, row.comment)
        submitted_at = _EPOCH + row.micros * _ONE_MICROSECOND
        survey = f"the {row.survey_type} survey" if row.survey_type else "an NPS survey"
        where = f" at the {row.touchpoint} touchpoint" if row.touchpoint else ""
        reason = (
            f"scored {row.score} ({category}) on {survey}{where} on "
            f"{submitted_at.date().isoformat()}{self.tails[action]}"
        )
        return FollowUp(
            action=action,
            category=category,
            reason=reason,
            response_id=row.response_id,
            account_id=row.account_id,
            contact_id=row.contact_id,
            score=row.score,
            survey_type=cast("SurveyType | None", row.survey_type),
            touchpoint=row.touchpoint,
            comment=row.comment,
            submitted_at=submitted_at,
            due_on=row.due_on,
            overdue=row.overdue,
            priority=row.priority,
        )

    def _action(self, category: NPSCategory, comment: str | None) -> FollowUpAction:
        if category == "detractor":
            return "call"
        if category == "passive":
            return "nurture"
        wanted = self.policy.promoter_action
        if wanted == "auto":
            wanted = "review" if comment is None else "testimonial"
        return "testimonial_request" if wanted == "testimonial" else "review_request"
