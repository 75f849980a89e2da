"""`FollowUp`: one thing to do about one NPS answer, and the counts of a queue of them.

A follow-up names its action (`FollowUpAction`: call a detractor, nurture a passive, ask a
promoter for a testimonial or a review), the answer's category (`NPSCategory`), why, and
by when. `follow_ups` (`cshealth.nps._follow_ups`) builds the queue; `queue_summary`
counts it per action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

from cshealth._checks import shown
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result
from cshealth.models import SurveyType

__all__ = ["FollowUp", "FollowUpAction", "NPSCategory", "queue_summary"]

#: What the team does: call a detractor, nurture a passive, ask a promoter for a
#: testimonial or a review.
FollowUpAction = Literal["call", "testimonial_request", "review_request", "nurture"]
#: The NPS category of an answer: 0-6, 7-8 or 9-10.
NPSCategory = Literal["detractor", "passive", "promoter"]

_ACTIONS: tuple[str, ...] = get_args(FollowUpAction)


@dataclass(frozen=True, eq=False, repr=False)
class FollowUp(Result):
    """One thing to do about one NPS answer.

    ``to_dict()`` gives every field as strict JSON (ISO 8601 dates and instants).

    Attributes:
        action: ``{'call', 'testimonial_request', 'review_request', 'nurture'}``.
        category: ``{'detractor', 'passive', 'promoter'}``.
        reason: Why, as a sentence: the score, the survey, the date and the rule.
        response_id: The answer's ``id``.
        account_id: The account the respondent belongs to.
        contact_id: The respondent, or ``None`` when the answer does not say.
        score: The answer, 0..10.
        survey_type: ``relationship`` or ``transactional`` (``None`` when the data does
            not say).
        touchpoint: Where a transactional survey was asked, when known.
        comment: The respondent's comment, when there is one.
        submitted_at: When the answer was given (aware, UTC).
        due_on: The (UTC) date of the answer plus the policy's days for the category.
        overdue: Whether ``due_on`` is before the ``as_of`` date.
        priority: 1 for detractors (an unhappy customer is the most urgent), 2 for
            promoters (their goodwill fades; ask while it is fresh), 3 for passives.
    """

    action: FollowUpAction
    category: NPSCategory
    reason: str
    response_id: int | str
    account_id: int | str
    contact_id: int | str | None
    score: int
    survey_type: SurveyType | None
    touchpoint: str | None
    comment: str | None
    submitted_at: datetime
    due_on: date
    overdue: bool
    priority: int

    def __repr__(self) -> str:
        late = ", overdue" if self.overdue else ""
        return (
            f"FollowUp({self.action}, priority {self.priority}, due {self.due_on}{late}; "
            f"response {self.response_id!r}, account {self.account_id!r}, "
            f"contact {self.contact_id!r}, score {self.score} ({self.category}))"
        )


def queue_summary(follow_ups: Iterable[FollowUp]) -> dict[str, int]:
    """Counts of a queue: per action, overdue, and in all.

    Args:
        follow_ups: The `FollowUp` items of a queue (what `follow_ups` returns).

    Returns:
        The count per action, then ``overdue`` and ``total``.

    Raises:
        InvalidInputError: If ``follow_ups`` is not an iterable of `FollowUp` items.

    Examples:
        >>> queue_summary([])
        {'call': 0, 'testimonial_request': 0, 'review_request': 0, 'nurture': 0,
         'overdue': 0, 'total': 0}
    """
    counts = dict.fromkeys(_ACTIONS, 0)
    counts.update(overdue=0, total=0)
    for position, item in enumerate(_iterate(follow_ups, "follow_ups")):
        if not isinstance(item, FollowUp):
            msg = (
                f"`follow_ups` must hold FollowUp items (as `follow_ups()` returns); "
                f"position {position} holds {type(item).__name__} {shown(item)}"
            )
            raise InvalidInputError(msg)
        counts[item.action] += 1
        counts["overdue"] += item.overdue
        counts["total"] += 1
    return counts


def _iterate(values: object, name: str) -> Iterable[object]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        msg = f"`{name}` must be an iterable of FollowUp items, got {type(values).__name__}"
        raise InvalidInputError(msg)
    return values
