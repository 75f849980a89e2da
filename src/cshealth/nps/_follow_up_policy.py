"""`FollowUpPolicy`: the rules of the NPS follow-up queue, as data.

Which answers get a follow-up (the window), when each action is due (days after the
answer, per category), what a promoter is asked for, and how long a contact is left alone
after a follow-up (the quiet period). `follow_ups` (`cshealth.nps._follow_ups`) applies
a policy to responses.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from cshealth._config import Config
from cshealth._exceptions import ConfigError

__all__ = ["FollowUpPolicy"]

#: The longest window or delay a policy accepts: a century (longer ones are mistakes, and
#: would overflow the microsecond instants).
_MAX_DAYS = 36_525
_AT_LEAST_ONE_DAY = frozenset({"window_days", "quiet_days"})
#: Whole numbers of days; the JSON Schema states the bounds, `FollowUpPolicy` checks them.
_Days = Annotated[int, Field(json_schema_extra={"minimum": 0, "maximum": _MAX_DAYS})]
_PositiveDays = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": _MAX_DAYS})]


class FollowUpPolicy(Config):
    """The rules of the NPS follow-up queue: which answers, what action, by when.

    Detractors (0-6) get a call, passives (7-8) a nurture touch (or nothing), promoters
    (9-10) a request for a testimonial or a review. Each action is due a number of days
    after the answer's (UTC) date. A policy is data: it loads from JSON
    (``FollowUpPolicy.model_validate_json``), publishes a JSON Schema, is immutable and
    hashable, and refuses unknown fields.

    Raises:
        ConfigError: On a number of days out of range, a value of the wrong type (the
            policy is strict: ``"30"`` and ``True`` are not days) or an unknown field,
            naming each.

    Examples:
        >>> FollowUpPolicy.model_validate_json('{"window_days": 60}').quiet_days
        90
        >>> from cshealth import ConfigError
        >>> try:
        ...     FollowUpPolicy(detractor_days=-1, call_days=3)
        ... except ConfigError as error:
        ...     print(error)
        invalid FollowUpPolicy:
          detractor_days: `detractor_days` must be a whole number of days from 0 to 36525
          (0 means the same day), got -1
          call_days: Extra inputs are not permitted
    """

    model_config = ConfigDict(strict=True, use_attribute_docstrings=True)

    window_days: _PositiveDays = 30
    """Only answers submitted in ``[as_of - window_days, as_of)`` get a follow-up
    (``>= 1``)."""
    detractor_days: _Days = 2
    """A detractor is called within this many days of the answer (``>= 0``; 0 = the same
    day)."""
    passive_days: _Days = 14
    """A passive is nurtured within this many days of the answer (``>= 0``)."""
    promoter_days: _Days = 7
    """A promoter is asked within this many days of the answer (``>= 0``)."""
    promoter_action: Literal["testimonial", "review", "auto"] = "auto"
    """What a promoter is asked for: ``testimonial``, ``review``, or ``auto``: a testimonial
    from a promoter who left a comment (they already put it in words), else a review."""
    quiet_days: _PositiveDays = 90
    """A contact is not asked again within this many days of a previous follow-up
    (``>= 1``)."""
    include_passives: bool = True
    """Whether passives get a nurture follow-up; when false, a contact whose latest answer
    is passive gets nothing."""

    @field_validator("window_days", "detractor_days", "passive_days", "promoter_days", "quiet_days")
    @classmethod
    def _check_days(cls, value: int, info: ValidationInfo) -> int:
        name = info.field_name or ""
        low = 1 if name in _AT_LEAST_ONE_DAY else 0
        if not low <= value <= _MAX_DAYS:
            raise PydanticCustomError(
                "days_out_of_range",
                "`{field}` must be a whole number of days from {low} to {high}{hint}, got {value}",
                {
                    "field": name,
                    "value": value,
                    "low": low,
                    "high": _MAX_DAYS,
                    "hint": "" if low else " (0 means the same day)",
                },
            )
        return value


def _check_policy(policy: object) -> FollowUpPolicy:
    if policy is None:
        return FollowUpPolicy()
    if isinstance(policy, FollowUpPolicy):
        return policy
    msg = (
        f"`policy` must be a FollowUpPolicy or None, got {type(policy).__name__}; build "
        "one with FollowUpPolicy(...) or FollowUpPolicy.model_validate_json(text)"
    )
    raise ConfigError(msg)
