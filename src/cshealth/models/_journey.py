"""Onboarding milestones and success-plan goals."""

from __future__ import annotations

from typing import ClassVar

from cshealth.models._base import Record
from cshealth.models._fields import Day, Identifier, Label

__all__ = ["Goal", "Milestone"]


class Milestone(Record):
    """A step of an account's onboarding or success plan.

    The milestone that marks the customer's first value (the "aha" moment) has
    ``marks_first_value=True``; time to value is measured to its completion.

    Examples:
        >>> from datetime import date
        >>> m = Milestone(
        ...     id="M-1",
        ...     account_id="A-1",
        ...     name="integration live",
        ...     due_date=date(2025, 3, 1),
        ...     completed_on=date(2025, 3, 12),
        ... )
        >>> m.days_late()
        11
    """

    table_name: ClassVar[str] = "milestones"
    order_rules: ClassVar[tuple[tuple[str, str], ...]] = (("started_on", "completed_on"),)

    id: Identifier
    """Stable identifier of the milestone."""
    account_id: Identifier
    """The account whose plan this milestone is part of."""
    name: Label
    """What is to be achieved, e.g. ``"kickoff"``, ``"integration live"``."""
    required: bool = True
    """Whether onboarding is complete only once this milestone is."""
    due_date: Day | None = None
    """When the milestone is due."""
    started_on: Day | None = None
    """When work on it started."""
    completed_on: Day | None = None
    """When it was completed; ``None`` while open."""
    marks_first_value: bool = False
    """Whether completing it is the customer's first-value moment."""

    def days_late(self) -> int | None:
        """Days completed after the due date (negative when early).

        ``None`` if either date is missing.
        """
        if self.due_date is None or self.completed_on is None:
            return None
        return (self.completed_on - self.due_date).days


class Goal(Record):
    """An outcome the customer bought the product for, tracked in a success plan.

    Examples:
        >>> from datetime import date
        >>> Goal(
        ...     id="G-1",
        ...     account_id="A-1",
        ...     name="cut onboarding time by 30%",
        ...     target_date=date(2025, 9, 30),
        ... ).achieved_on is None
        True
    """

    table_name: ClassVar[str] = "goals"
    order_rules: ClassVar[tuple[tuple[str, str], ...]] = (
        ("set_on", "achieved_on"),
        ("set_on", "target_date"),
    )

    id: Identifier
    """Stable identifier of the goal."""
    account_id: Identifier
    """The account that holds the goal."""
    name: Label
    """The outcome, in the customer's words."""
    set_on: Day | None = None
    """When the goal was agreed."""
    target_date: Day | None = None
    """When the customer expects to reach it."""
    achieved_on: Day | None = None
    """When it was reached; ``None`` while open."""
