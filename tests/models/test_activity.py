"""``UsageRecord`` and ``RevenueChange``: counts, money, composite keys, JSON feature counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from tests.validation import the_error

from cshealth.models import RevenueChange, UsageRecord

USAGE: dict[str, Any] = {"account_id": "A-1", "day": "2025-05-05", "active_users": 14}
CHANGE: dict[str, Any] = {"account_id": "A-1", "effective_on": "2025-01-01", "mrr": 900.0}


# --- UsageRecord ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({}, "logins", 0),
        ({}, "feature_events", {}),
        ({"active_users": 0}, "active_users", 0),
        ({"active_users": "14"}, "active_users", 14),
        (
            {"feature_events": {"reports": 20, "api": 7}},
            "feature_events",
            {"reports": 20, "api": 7},
        ),
        ({"feature_events": '{"reports": 20}'}, "feature_events", {"reports": 20}),
        ({"feature_events": '{"api": "7"}'}, "feature_events", {"api": 7}),
        ({"feature_events": ""}, "feature_events", {}),
        ({"feature_events": {"api": 0}}, "feature_events", {"api": 0}),
        ({"day": date(2025, 5, 5)}, "day", date(2025, 5, 5)),
        ({"account_id": 12}, "account_id", 12),
    ],
)
def test_valid_usage(changes: dict[str, Any], field: str, expected: object) -> None:
    assert getattr(UsageRecord.model_validate({**USAGE, **changes}), field) == expected


@pytest.mark.parametrize(
    ("changes", "loc", "error_type", "fragment"),
    [
        ({"active_users": -1}, ("active_users",), "greater_than_equal", ">= 0"),
        ({"active_users": 2.5}, ("active_users",), "int_from_float", "whole number"),
        ({"active_users": float("inf")}, ("active_users",), "finite_number", "finite number"),
        ({"active_users": float("nan")}, ("active_users",), "missing", "Field required"),
        ({"logins": -3}, ("logins",), "greater_than_equal", ">= 0"),
        ({"feature_events": {"api": -1}}, ("feature_events", "api"), "greater_than_equal", ">= 0"),
        (
            {"feature_events": {"api": 1.5}},
            ("feature_events", "api"),
            "int_from_float",
            "whole number",
        ),
        (
            {"feature_events": {"": 1}},
            ("feature_events", "", "[key]"),
            "string_too_short",
            "1 char",
        ),
        ({"feature_events": "[]"}, ("feature_events",), "json_object", "got a JSON array"),
        ({"feature_events": "{"}, ("feature_events",), "json_object", "not JSON"),
        ({"feature_events": "null"}, ("feature_events",), "json_object", "got a JSON null"),
        ({"day": "2025-05-05T10:00:00Z"}, ("day",), "date_parsing", "calendar date"),
        ({"day": "05/05/2025"}, ("day",), "date_parsing", "calendar date"),
        ({"sessions": 3}, ("sessions",), "extra_forbidden", "Extra inputs"),
    ],
)
def test_invalid_usage(
    changes: dict[str, Any], loc: tuple[object, ...], error_type: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as info:
        UsageRecord.model_validate({**USAGE, **changes})
    errors = info.value.errors()
    assert len(errors) == 1, errors
    assert (errors[0]["type"], errors[0]["loc"]) == (error_type, loc)
    assert fragment.replace(">= 0", "greater than or equal to 0") in errors[0]["msg"]


@pytest.mark.parametrize("field", ["account_id", "day", "active_users"])
def test_usage_required_fields(field: str) -> None:
    data = {k: v for k, v in USAGE.items() if k != field}
    error = the_error(UsageRecord, data)
    assert (error["type"], error["where"]) == ("missing", field)


def test_usage_key_is_account_and_day() -> None:
    record = UsageRecord.model_validate(USAGE)
    busier = UsageRecord.model_validate({**USAGE, "active_users": 99})
    next_day = UsageRecord.model_validate({**USAGE, "day": "2025-05-06"})
    assert UsageRecord.key_fields == ("account_id", "day")
    assert record.key() == ("A-1", date(2025, 5, 5))
    assert hash(record) == hash(busier)
    assert record != busier
    assert hash(record) != hash(next_day)


def test_usage_with_a_mapping_is_hashable_and_frozen() -> None:
    record = UsageRecord.model_validate({**USAGE, "feature_events": {"api": 1}})
    assert record in {record}
    with pytest.raises(ValidationError, match="frozen"):
        record.logins = 3


# --- RevenueChange ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected_mrr"),
    [({}, 900.0), ({"mrr": 0}, 0.0), ({"mrr": "12.5"}, 12.5), ({"mrr": 10**9}, 1e9)],
)
def test_valid_revenue_changes(changes: dict[str, Any], expected_mrr: float) -> None:
    change = RevenueChange.model_validate({**CHANGE, **changes})
    assert change.mrr == expected_mrr
    assert isinstance(change.mrr, float)


@pytest.mark.parametrize(
    ("changes", "where", "error_type"),
    [
        ({"mrr": -1}, "mrr", "greater_than_equal"),
        ({"mrr": float("nan")}, "mrr", "missing"),
        ({"mrr": float("-inf")}, "mrr", "finite_number"),
        ({"mrr": "NaN"}, "mrr", "finite_number"),
        ({"mrr": "a lot"}, "mrr", "number_parsing"),
        ({"mrr": None}, "mrr", "missing"),
        ({"effective_on": "2025-02-29"}, "effective_on", "date_from_datetime_parsing"),
        ({"account_id": ""}, "account_id", "missing"),
        ({"currency": "EUR"}, "currency", "extra_forbidden"),
    ],
)
def test_invalid_revenue_changes(changes: dict[str, Any], where: str, error_type: str) -> None:
    error = the_error(RevenueChange, {**CHANGE, **changes})
    assert (error["type"], error["where"]) == (error_type, where)


@pytest.mark.parametrize("field", ["account_id", "effective_on", "mrr"])
def test_revenue_change_required_fields(field: str) -> None:
    data = {k: v for k, v in CHANGE.items() if k != field}
    assert the_error(RevenueChange, data)["type"] == "missing"


def test_revenue_change_key_is_account_and_date() -> None:
    change = RevenueChange.model_validate(CHANGE)
    assert RevenueChange.key_fields == ("account_id", "effective_on")
    assert change.key() == ("A-1", date(2025, 1, 1))
    assert hash(change) == hash(RevenueChange.model_validate({**CHANGE, "mrr": 0}))
    with pytest.raises(ValidationError, match="frozen"):
        change.mrr = 1.0
