"""The first-response SLA: `SLAPolicy`, its targets, and each ticket's verdict.

`SLAPolicy` holds first-response targets per priority and the clock they are measured on,
as configuration. `sla_outcome` judges each ticket against its target as of an instant:
achieved, breached, still active (no reply yet and the target not yet passed), or without
a verdict (resolved without a reply: the clock stops at resolution). SLA rates leave the
last two out.
"""

from __future__ import annotations

from typing import Annotated, cast

import numpy as np
from numpy.typing import ArrayLike
from pydantic import Field

from cshealth._config import Config
from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, FloatArray, InstantArray
from cshealth.models import Priority
from cshealth.support._schedule import Schedule
from cshealth.support._tickets import Clock, elapsed_seconds

__all__ = ["SLAPolicy", "check_policy", "sla_outcome"]

#: Hours, finite and above 0.
Hours = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class SLAPolicy(Config):
    """First-response targets: a default and optional overrides per priority.

    Attributes:
        first_response_hours: The target for priorities without an override (hours > 0).
        by_priority: Targets per priority (hours > 0), e.g. ``{"urgent": 1, "high": 4}``.
        clock: ``{'calendar', 'business'}``: how a response time is measured against
            its target. ``business`` needs a `Schedule`; a function called with
            ``schedule=None`` measures on the calendar clock whatever this says.

    The policy is immutable and hashable, and loads from JSON with
    ``SLAPolicy.model_validate_json``.

    Raises:
        ConfigError: On a target that is not a finite number of hours above 0, an unknown
            priority or clock, or an unknown field, naming each.

    Examples:
        >>> import numpy as np
        >>> policy = SLAPolicy(first_response_hours=8, by_priority={"urgent": 1})
        >>> policy.target_seconds(np.array(["urgent", "normal"], dtype=object)).tolist()
        [3600.0, 28800.0]
        >>> from cshealth import ConfigError
        >>> try:
        ...     SLAPolicy(first_response_hours=0, by_priority={"urgent": 1, "critical": 1})
        ... except ConfigError as error:
        ...     print(error)
        invalid SLAPolicy:
          first_response_hours: Input should be greater than 0
          by_priority.critical (the key): Input should be 'low', 'normal', 'high' or 'urgent'
    """

    first_response_hours: Hours = 24.0
    by_priority: dict[Priority, Hours] = Field(default_factory=dict)
    clock: Clock = "business"

    def target_hours(self, priority: str) -> float:
        """The first-response target of one priority, in hours."""
        return self.by_priority.get(cast("Priority", priority), self.first_response_hours)

    def target_seconds(self, priorities: ArrayLike) -> FloatArray:
        """The first-response target of each ticket, in seconds.

        Args:
            priorities: One priority per ticket (``low``, ``normal``, ``high``,
                ``urgent``); any other value gets the default target.

        Returns:
            ``float64`` seconds, one per ticket.
        """
        values = np.asarray(priorities, dtype=object)
        targets = np.full(values.shape, self.first_response_hours * 3600.0)
        for priority, hours in self.by_priority.items():  # at most four priorities
            targets[values == priority] = hours * 3600.0
        return targets

    def measures_business(self, schedule: Schedule | None) -> Schedule | None:
        """The schedule SLA times are measured with: ``None`` means the calendar clock."""
        return schedule if self.clock == "business" else None


def check_policy(sla: object) -> SLAPolicy:
    """``sla`` itself, or the default `SLAPolicy` for ``None``.

    Raises:
        InvalidInputError: If ``sla`` is something else.

    Examples:
        >>> check_policy(None).first_response_hours
        24.0
    """
    if sla is None:
        return SLAPolicy()
    if not isinstance(sla, SLAPolicy):
        msg = f"`sla` must be an SLAPolicy or None, got {type(sla).__name__}"
        raise InvalidInputError(msg)
    return sla


def sla_outcome(
    created: InstantArray,
    responded: InstantArray,
    targets: FloatArray,
    *,
    resolved: InstantArray,
    at: np.datetime64,
    schedule: Schedule | None,
) -> tuple[BoolArray, BoolArray, BoolArray]:
    """Each ticket's first-response verdict as of ``at``: achieved, breached or neither.

    Only what happened strictly before ``at`` is known. The rules, in order:

    * A ticket resolved before ``at`` without a first response at or before its
      resolution has no verdict (*not applicable*): the SLA clock stops at resolution,
      as help desks deactivate or cancel a target when a ticket is solved (Zendesk,
      Plain), so a contact closed unanswered counts neither for nor against the desk,
      even if its target had passed before it was closed. A reply in the same instant
      as the resolution (reply and solve in one update) is a response.
    * A ticket answered before ``at`` achieved its target if the response time is at
      most the target, and breached it otherwise.
    * A ticket neither answered nor resolved before ``at`` has breached once the time
      elapsed from creation to ``at`` exceeds the target; until then it is still
      active (no verdict yet).

    Every ticket must be created before ``at``. ``resolved_at`` is the latest
    resolution (a snapshot), so a ticket solved without a reply, reopened and answered
    before its final resolution is judged on that reply.

    Args:
        created: Creation instants (``datetime64[us]``, UTC).
        responded: First public replies (``NaT`` when none).
        targets: First-response targets in seconds, one per ticket.
        resolved: Latest resolutions (``NaT`` while open).
        at: The instant the tickets are judged at.
        schedule: Business hours to measure response times in; ``None`` for calendar
            time.

    Returns:
        ``(achieved, breached, not_applicable)`` boolean arrays; a ticket with none of
        the three is still active.

    Examples:
        Four tickets with a one-hour target, judged at 11:00: one answered in 30 minutes,
        one still waiting after two hours, one closed at 10:45 without a reply and one
        created at 10:30 (still active):

        >>> created = np.array(["2025-03-03T09:00"] * 3 + ["2025-03-03T10:30"], "datetime64[us]")
        >>> responded = np.array(["2025-03-03T09:30"] + ["NaT"] * 3, "datetime64[us]")
        >>> resolved = np.array(["NaT", "NaT", "2025-03-03T10:45", "NaT"], "datetime64[us]")
        >>> achieved, breached, not_applicable = sla_outcome(
        ...     created, responded, np.full(4, 3600.0), resolved=resolved,
        ...     at=np.datetime64("2025-03-03T11:00", "us"), schedule=None,
        ... )  # fmt: skip
        >>> achieved, breached, not_applicable
        (array([ True, False, False, False]), array([False,  True, False, False]),
         array([False, False,  True, False]))
    """
    # NaT compares False: an unanswered ticket resolved before `at` has no verdict
    not_applicable = (resolved < at) & ~(responded <= resolved)
    answered = (responded < at) & ~not_applicable
    pending = ~(responded < at) & ~not_applicable
    waited = elapsed_seconds(created, responded, answered, schedule)
    until = np.full(len(created), at, dtype="datetime64[us]")
    elapsed = elapsed_seconds(created, until, pending, schedule)
    achieved = answered & (waited <= targets)
    breached = (answered & (waited > targets)) | (pending & (elapsed > targets))
    return achieved, breached, not_applicable
