"""`Override`: a person's score for one account's measure, group or overall score.

An override replaces the computed score until it expires, with its reason and author on
record so that it can be reviewed.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from cshealth.models._base import Identifier
from cshealth.scoring._base import ScoringConfig, _Score

__all__ = ["Override"]


class Override(ScoringConfig):
    """A person's score for one account's measure, group or overall score, until it expires.

    Attributes:
        account_id: The account.
        scope: ``measure``, ``group`` or ``overall``.
        node: The measure's or group's name (for ``overall``: omit it, or the root's name).
        value: The score that replaces the computed one (0..100).
        reason: Why (required: an override without a reason cannot be reviewed).
        author: Who set it.
        expires_on: The first day it no longer applies (none: until removed). It applies
            when ``as_of`` is before that day, and reverts by itself afterwards.

    Examples:
        >>> from datetime import date
        >>> Override(
        ...     account_id="a1",
        ...     scope="overall",
        ...     value=20,
        ...     reason="exec escalation",
        ...     author="kim",
        ...     expires_on=date(2026, 3, 1),
        ... ).expires_on
        datetime.date(2026, 3, 1)
    """

    account_id: Identifier
    scope: Literal["measure", "group", "overall"]
    node: str | None = None
    value: _Score
    reason: str = Field(min_length=1)
    author: str = Field(min_length=1)
    expires_on: date | None = None

    @model_validator(mode="after")
    def _node_named(self) -> Override:
        if self.scope != "overall" and self.node is None:
            msg = f"a {self.scope} override names its `node`"
            raise PydanticCustomError("override_node", msg)
        return self

    def active(self, day: date) -> bool:
        """Whether the override applies on ``day`` (it has not expired).

        Examples:
            >>> from datetime import date
            >>> o = Override(
            ...     account_id="a",
            ...     scope="overall",
            ...     value=0,
            ...     reason="r",
            ...     author="a",
            ...     expires_on=date(2026, 1, 1),
            ... )
            >>> o.active(date(2025, 12, 31)), o.active(date(2026, 1, 1))
            (True, False)
        """
        return self.expires_on is None or day < self.expires_on
