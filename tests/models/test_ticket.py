"""``Ticket``: aware instants in order, the lead rule, priorities, counts and durations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

import pytest
from dateutil import tz
from pydantic import ValidationError
from tests.validation import the_error

from cshealth.models import KNOWN_CHANNELS, Ticket

UTC = timezone.utc
TICKET: dict[str, Any] = {
    "id": "T-1",
    "account_id": "A-1",
    "channel": "email",
    "created_at": "2025-03-03T09:00:00Z",
}


class NoOffset(tzinfo):
    """A time zone that does not know its offset: as good as none."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_ticket_defaults() -> None:
    ticket = Ticket.model_validate(TICKET)
    assert ticket.priority == "normal"
    assert (ticket.reopened_count, ticket.agent_replies, ticket.customer_replies) == (0, 0, 0)
    assert (ticket.abandoned, ticket.delighted, ticket.service_qualified_lead) == (False,) * 3
    assert ticket.created_at == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert ticket.channel in KNOWN_CHANNELS


@pytest.mark.parametrize(
    "created_at",
    [
        "2025-03-03T09:00:00Z",
        "2025-03-03T10:00:00+01:00",
        "2025-03-03T04:00:00-05:00",
        "2025-03-03 09:00Z",
        datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
        datetime(2025, 3, 3, 14, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2025, 3, 3, 10, 0, tzinfo=tz.gettz("Europe/Paris")),
    ],
)
def test_aware_instants_in_any_zone_are_the_same_instant(created_at: object) -> None:
    ticket = Ticket.model_validate({**TICKET, "created_at": created_at})
    assert ticket.created_at == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("created_at", datetime(2025, 3, 3, 9, 0)),
        ("created_at", "2025-03-03T09:00:00"),
        ("created_at", "2025-03-03 09:00"),
        ("created_at", datetime(2025, 3, 3, 9, 0, tzinfo=NoOffset())),
        ("first_response_at", datetime(2025, 3, 3, 10, 0)),
        ("resolved_at", "2025-03-04T09:00:00"),
    ],
)
def test_naive_instants_are_rejected_with_a_hint(field: str, value: object) -> None:
    error = the_error(Ticket, {**TICKET, field: value})
    assert (error["type"], error["where"]) == ("naive_datetime", field)
    assert "has no time zone: give an offset" in error["msg"]
    assert "'2025-01-31T09:30:00Z'" in error["msg"]
    assert "datetime(..., tzinfo=timezone.utc)" in error["msg"]


@pytest.mark.parametrize(
    "changes",
    [
        {"first_response_at": "2025-03-03T09:00:00Z"},  # answered at once
        {"resolved_at": "2025-03-03T09:00:00Z"},
        {"first_response_at": "2025-03-03T09:30:00+00:00", "resolved_at": "2025-03-04T00:00Z"},
        # later as an instant, earlier on the wall clock
        {"first_response_at": "2025-03-03T05:00:00-05:00"},
        {"first_response_at": None},
    ],
)
def test_instants_on_or_after_creation_are_valid(changes: dict[str, Any]) -> None:
    Ticket.model_validate({**TICKET, **changes})


@pytest.mark.parametrize(
    ("changes", "where", "fragment"),
    [
        # rule: first_response_at >= created_at
        (
            {"first_response_at": "2025-03-03T08:59:59Z"},
            "first_response_at",
            "`first_response_at` (2025-03-03T08:59:59+00:00) is before `created_at`",
        ),
        # rule: resolved_at >= created_at, compared as instants across zones
        # (instants are stored, and shown, in UTC)
        (
            {"resolved_at": "2025-03-03T09:30:00+01:00"},
            "resolved_at",
            "`resolved_at` (2025-03-03T08:30:00+00:00) is before `created_at` "
            "(2025-03-03T09:00:00+00:00)",
        ),
    ],
)
def test_instants_before_creation_are_out_of_order(
    changes: dict[str, Any], where: str, fragment: str
) -> None:
    error = the_error(Ticket, {**TICKET, **changes})
    assert (error["type"], error["where"]) == ("out_of_order", where)
    assert fragment in error["msg"]


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({"service_qualified_lead": True, "lead_revenue": 1200.0}, True),
        ({"service_qualified_lead": True}, True),
        ({"service_qualified_lead": "yes", "lead_revenue": 0}, True),
        ({"lead_revenue": 1200.0}, False),
        ({"lead_revenue": 0.0}, False),  # zero is still set
        ({"service_qualified_lead": False, "lead_revenue": 5}, False),
    ],
)
def test_lead_revenue_requires_a_service_qualified_lead(
    changes: dict[str, Any], valid: bool
) -> None:
    data = {**TICKET, **changes}
    if valid:
        Ticket.model_validate(data)
        return
    error = the_error(Ticket, data)
    assert (error["type"], error["where"]) == ("requires_flag", "lead_revenue")
    assert "`lead_revenue` is set (" in error["msg"]
    assert "but `service_qualified_lead` is false; set the flag or leave" in error["msg"]


@pytest.mark.parametrize("priority", ["low", "normal", "high", "urgent"])
def test_known_priorities(priority: str) -> None:
    assert Ticket.model_validate({**TICKET, "priority": priority}).priority == priority


@pytest.mark.parametrize("priority", ["medium", "critical", "High", " high", "high\x00", 1])
def test_unknown_priority_lists_the_allowed_values(priority: object) -> None:
    error = the_error(Ticket, {**TICKET, "priority": priority})
    assert (error["type"], error["where"]) == ("literal_error", "priority")
    assert "Input should be 'low', 'normal', 'high' or 'urgent'" in error["msg"]


@pytest.mark.parametrize("channel", ["carrier pigeon", "whatsapp", *KNOWN_CHANNELS])
def test_any_non_empty_channel_is_kept(channel: str) -> None:
    assert Ticket.model_validate({**TICKET, "channel": channel}).channel == channel


@pytest.mark.parametrize(
    ("changes", "where", "error_type"),
    [
        ({"channel": ""}, "channel", "missing"),
        ({"channel": " "}, "channel", "missing"),
        ({"reopened_count": -1}, "reopened_count", "greater_than_equal"),
        ({"agent_replies": -1}, "agent_replies", "greater_than_equal"),
        ({"customer_replies": 0.5}, "customer_replies", "int_from_float"),
        ({"queue_wait_seconds": -0.5}, "queue_wait_seconds", "greater_than_equal"),
        ({"queue_wait_seconds": float("inf")}, "queue_wait_seconds", "finite_number"),
        (
            {"lead_revenue": float("inf"), "service_qualified_lead": True},
            "lead_revenue",
            "finite_number",
        ),
        (
            {"lead_revenue": -1, "service_qualified_lead": True},
            "lead_revenue",
            "greater_than_equal",
        ),
        ({"abandoned": "sometimes"}, "abandoned", "bool_parsing"),
        ({"created_at": "2025-02-30T09:00:00Z"}, "created_at", "datetime_from_date_parsing"),
        ({"created_at": None}, "created_at", "missing"),
        ({"sla": "gold"}, "sla", "extra_forbidden"),
    ],
)
def test_invalid_ticket_fields(changes: dict[str, Any], where: str, error_type: str) -> None:
    error = the_error(Ticket, {**TICKET, **changes})
    assert (error["type"], error["where"]) == (error_type, where)


@pytest.mark.parametrize("field", ["id", "account_id", "channel", "created_at"])
def test_ticket_required_fields(field: str) -> None:
    error = the_error(Ticket, {k: v for k, v in TICKET.items() if k != field})
    assert (error["type"], error["where"]) == ("missing", field)


@pytest.mark.parametrize(
    ("changes", "first_response", "resolution"),
    [
        ({}, None, None),
        ({"first_response_at": "2025-03-03T11:30:00Z"}, 9000.0, None),
        ({"first_response_at": "2025-03-03T11:30:00+02:00"}, 1800.0, None),  # across zones
        ({"resolved_at": "2025-03-04T09:00:00.5Z"}, None, 86400.5),
        ({"first_response_at": "2025-03-03T09:00Z", "resolved_at": "2025-03-03T09:00Z"}, 0.0, 0.0),
    ],
)
def test_durations_in_calendar_seconds(
    changes: dict[str, Any], first_response: float | None, resolution: float | None
) -> None:
    ticket = Ticket.model_validate({**TICKET, **changes})
    assert ticket.first_response_seconds() == first_response
    assert ticket.resolution_seconds() == resolution


def test_durations_across_a_daylight_saving_change_are_real_seconds() -> None:
    paris = tz.gettz("Europe/Paris")
    ticket = Ticket.model_validate(
        {
            **TICKET,
            "created_at": datetime(2025, 3, 30, 1, 0, tzinfo=paris),  # 00:00 UTC
            "resolved_at": datetime(2025, 3, 30, 4, 0, tzinfo=paris),  # 02:00 UTC (clocks +1h)
        }
    )
    assert ticket.resolution_seconds() == 7200.0


def test_order_and_duration_in_the_repeated_hour_of_a_daylight_saving_change() -> None:
    # 26 Oct 2025 in Paris: 02:00-03:00 happens twice. 02:50 (first pass) is 00:50 UTC and
    # 02:10 (second pass, fold=1) is 01:10 UTC: later, though its wall clock is earlier.
    paris = tz.gettz("Europe/Paris")
    ticket = Ticket.model_validate(
        {
            **TICKET,
            "created_at": datetime(2025, 10, 26, 2, 50, tzinfo=paris),
            "resolved_at": datetime(2025, 10, 26, 2, 10, fold=1, tzinfo=paris),
        }
    )
    assert ticket.resolution_seconds() == 1200.0


def test_ticket_is_frozen_and_hashes_by_id() -> None:
    ticket = Ticket.model_validate(TICKET)
    with pytest.raises(ValidationError, match="frozen"):
        ticket.priority = "high"
    assert hash(ticket) == hash(Ticket.model_validate({**TICKET, "priority": "urgent"}))
