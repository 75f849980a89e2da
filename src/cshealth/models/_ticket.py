"""Support tickets (and chats and calls)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar, Literal

from cshealth.models._base import Record
from cshealth.models._fields import Count, Identifier, Instant, Label, Money, NonNegative

__all__ = ["KNOWN_CHANNELS", "Priority", "Ticket"]

#: Ticket priorities (Zendesk's set; map Freshdesk's ``medium`` to ``normal``).
Priority = Literal["low", "normal", "high", "urgent"]
#: Channels cshealth knows; any other non-empty channel is kept and reported as its own group.
KNOWN_CHANNELS = ("email", "web", "chat", "phone", "messaging", "social", "api")


class Ticket(Record):
    """A support request: an email ticket, a chat or a call.

    Times are timezone-aware instants. ``first_response_at`` and ``resolved_at`` are
    ``None`` until they happen and are never before ``created_at``.

    Examples:
        >>> from datetime import datetime, timezone
        >>> t = Ticket(
        ...     id="T-1",
        ...     account_id="A-1",
        ...     channel="email",
        ...     created_at=datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc),
        ...     first_response_at=datetime(2025, 3, 3, 11, 30, tzinfo=timezone.utc),
        ... )
        >>> t.first_response_seconds()
        9000.0
        >>> Ticket(
        ...     id="T-2", account_id="A-1", channel="email", created_at=datetime(2025, 3, 3, 9, 0)
        ... )
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for Ticket
        created_at
          timestamp 2025-03-03T09:00:00 has no time zone: ...
    """

    table_name: ClassVar[str] = "tickets"
    order_rules: ClassVar[tuple[tuple[str, str], ...]] = (
        ("created_at", "first_response_at"),
        ("created_at", "resolved_at"),
    )
    requires_rules: ClassVar[tuple[tuple[str, str], ...]] = (
        ("lead_revenue", "service_qualified_lead"),
    )

    id: Identifier
    """Stable identifier of the ticket."""
    account_id: Identifier
    """The account that raised it."""
    channel: Label
    """Where it came in: one of ``KNOWN_CHANNELS`` or any other name."""
    priority: Priority = "normal"
    """``low``, ``normal``, ``high`` or ``urgent``."""
    created_at: Instant
    """When the customer raised it."""
    first_response_at: Instant | None = None
    """First public reply by an agent; ``None`` until it happens."""
    resolved_at: Instant | None = None
    """Latest resolution (after any reopening); ``None`` while open."""
    reopened_count: Count = 0
    """How many times it was reopened after being solved."""
    agent_replies: Count = 0
    """Public replies by agents."""
    customer_replies: Count = 0
    """Replies by the customer after the initial request."""
    queue_wait_seconds: NonNegative | None = None
    """Time waiting in a live queue (chat, phone) before an agent picked it up."""
    abandoned: bool = False
    """The customer hung up or left the chat before an agent answered."""
    delighted: bool = False
    """A "wow" moment the agent or customer flagged."""
    service_qualified_lead: bool = False
    """Support found a sales opportunity (a service-qualified lead)."""
    lead_revenue: Money | None = None
    """Revenue attributed to the lead; only with ``service_qualified_lead``."""

    def first_response_seconds(self) -> float | None:
        """Calendar seconds from creation to first response; ``None`` while unanswered."""
        if self.first_response_at is None:
            return None
        return _seconds(self.created_at, self.first_response_at)

    def resolution_seconds(self) -> float | None:
        """Calendar seconds from creation to resolution; ``None`` while open."""
        if self.resolved_at is None:
            return None
        return _seconds(self.created_at, self.resolved_at)


def _seconds(start: datetime, end: datetime) -> float:
    # in UTC: Python subtracts datetimes that share a tzinfo by their wall clocks
    return (end.astimezone(timezone.utc) - start.astimezone(timezone.utc)).total_seconds()
