"""Product usage and revenue history."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field

from cshealth.models._account import parse_json_object
from cshealth.models._base import Record
from cshealth.models._fields import Count, Day, Identifier, Instant, Label, Money

#: A feature name as a mapping key. Keys are text in JSON and CSV already, so unlike
#: ``Label`` this needs no check for numbers (which would cost a Python call per key).
FeatureName = Annotated[str, Field(min_length=1, max_length=512)]

__all__ = ["RevenueChange", "UsageEvent", "UsageRecord"]


class UsageRecord(Record):
    """An account's product usage on one day (or in the period that starts on ``day``).

    At most one record per account and day.

    Examples:
        >>> from datetime import date
        >>> UsageRecord(
        ...     account_id="A-1",
        ...     day=date(2025, 5, 5),
        ...     active_users=14,
        ...     logins=51,
        ...     feature_events={"reports": 20, "api": 7},
        ... ).feature_events["api"]
        7
    """

    table_name: ClassVar[str] = "usage"
    key_fields: ClassVar[tuple[str, ...]] = ("account_id", "day")

    account_id: Identifier
    """The account."""
    day: Day
    """The day (or the first day of the period) the counts cover."""
    active_users: Count
    """Distinct users with at least one qualifying event."""
    logins: Count = 0
    """Logins (sessions started)."""
    feature_events: Annotated[dict[FeatureName, Count], BeforeValidator(parse_json_object)] = Field(
        default_factory=dict
    )
    """Events per feature, e.g. ``{"reports": 20}``. In CSV, a JSON object."""


class UsageEvent(Record):
    """One thing a user did in the product: a login, a report run, an API call.

    The user-level counterpart of `UsageRecord`: active users, stickiness and feature
    adoption are counted from these. Events carry no identifier of their own; the same
    user may do the same thing twice at the same instant.

    Examples:
        >>> from datetime import datetime, timezone
        >>> UsageEvent(
        ...     account_id="A-1",
        ...     user_id="U-7",
        ...     occurred_at=datetime(2025, 5, 5, 14, 2, tzinfo=timezone.utc),
        ...     feature="reports",
        ... ).feature
        'reports'
    """

    table_name: ClassVar[str] = "usage_events"
    key_fields: ClassVar[tuple[str, ...]] = ()

    account_id: Identifier
    """The account the user belongs to."""
    user_id: Identifier
    """The user (a seat) who did it."""
    occurred_at: Instant
    """When it happened (a timezone-aware instant)."""
    feature: Label | None = None
    """The feature used (``reports``, ``api``); ``None`` for a plain visit or login."""


class RevenueChange(Record):
    """A change of an account's monthly recurring revenue.

    From ``effective_on`` on, the account pays ``mrr`` a month (0 means it churned).

    At most one change per account and date. MRR is the customer-level total over all of
    its subscriptions, normalised to a month (an annual plan counts 1/12 a month).

    Examples:
        >>> from datetime import date
        >>> RevenueChange(account_id="A-1", effective_on=date(2025, 1, 1), mrr=900.0).mrr
        900.0
    """

    table_name: ClassVar[str] = "revenue_changes"
    key_fields: ClassVar[tuple[str, ...]] = ("account_id", "effective_on")

    account_id: Identifier
    """The account."""
    effective_on: Day
    """The first day the new MRR applies."""
    mrr: Money
    """The account's MRR from ``effective_on`` on; 0 when it churned."""
