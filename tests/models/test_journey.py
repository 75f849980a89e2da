"""``Milestone`` and ``Goal``: dates in order and the helpers of a success plan."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from tests.validation import the_error

from cshealth.models import Goal, Milestone

MILESTONE: dict[str, Any] = {"id": "M-1", "account_id": "A-1", "name": "kickoff"}
GOAL: dict[str, Any] = {"id": "G-1", "account_id": "A-1", "name": "cut onboarding time"}


# --- Milestone -------------------------------------------------------------------------------


def test_milestone_defaults() -> None:
    milestone = Milestone.model_validate(MILESTONE)
    assert milestone.required is True
    assert milestone.marks_first_value is False
    assert (milestone.due_date, milestone.started_on, milestone.completed_on) == (None,) * 3


@pytest.mark.parametrize(
    "changes",
    [
        {"started_on": "2025-03-01", "completed_on": "2025-03-01"},  # done the day it began
        {"started_on": "2025-03-01", "completed_on": "2025-04-01"},
        {"completed_on": "2025-03-01"},  # start unknown
        {"started_on": "2025-03-01"},  # still open
        {"due_date": "2020-01-01", "started_on": "2025-03-01"},  # the due date has no order rule
        {"required": "no", "marks_first_value": "yes"},
    ],
)
def test_valid_milestones(changes: dict[str, Any]) -> None:
    Milestone.model_validate({**MILESTONE, **changes})


@pytest.mark.parametrize(
    ("changes", "where", "error_type", "fragment"),
    [
        # rule: completed_on >= started_on
        (
            {"started_on": "2025-03-02", "completed_on": "2025-03-01"},
            "completed_on",
            "out_of_order",
            "`completed_on` (2025-03-01) is before `started_on` (2025-03-02)",
        ),
        ({"name": None}, "name", "missing", "Field required"),
        ({"required": "perhaps"}, "required", "bool_parsing", "valid boolean"),
        ({"due_date": "2025-02-29"}, "due_date", "date_from_datetime_parsing", "valid date"),
        ({"id": ""}, "id", "missing", "Field required"),
        ({"owner": "me"}, "owner", "extra_forbidden", "Extra inputs"),
    ],
)
def test_invalid_milestones(
    changes: dict[str, Any], where: str, error_type: str, fragment: str
) -> None:
    error = the_error(Milestone, {**MILESTONE, **changes})
    assert (error["type"], error["where"]) == (error_type, where)
    assert fragment in error["msg"]


@pytest.mark.parametrize(
    ("due_date", "completed_on", "days"),
    [
        (date(2025, 3, 1), date(2025, 3, 12), 11),
        (date(2025, 3, 12), date(2025, 3, 1), -11),  # early
        (date(2025, 3, 1), date(2025, 3, 1), 0),
        (date(2024, 12, 31), date(2025, 3, 1), 60),  # across a year end
        (None, date(2025, 3, 1), None),
        (date(2025, 3, 1), None, None),
        (None, None, None),
    ],
)
def test_days_late(due_date: date | None, completed_on: date | None, days: int | None) -> None:
    milestone = Milestone.model_validate(
        {**MILESTONE, "due_date": due_date, "completed_on": completed_on}
    )
    assert milestone.days_late() == days


def test_milestone_is_frozen_and_hashes_by_id() -> None:
    milestone = Milestone.model_validate(MILESTONE)
    with pytest.raises(ValidationError, match="frozen"):
        milestone.completed_on = date(2025, 1, 1)
    other = Milestone.model_validate({**MILESTONE, "name": "renamed"})
    assert hash(milestone) == hash(other)
    assert milestone.key() == ("M-1",)


# --- Goal --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"set_on": "2025-01-01", "target_date": "2025-01-01", "achieved_on": "2025-01-01"},
        {"set_on": "2025-01-01", "target_date": "2025-09-30", "achieved_on": "2025-03-01"},
        {"target_date": "2020-01-01", "achieved_on": "2019-01-01"},  # no set_on: no order
        {"set_on": "2025-01-01", "achieved_on": "2026-01-01", "target_date": "2025-06-01"},
    ],
)
def test_valid_goals(changes: dict[str, Any]) -> None:
    Goal.model_validate({**GOAL, **changes})


@pytest.mark.parametrize(
    ("changes", "where", "fragment"),
    [
        # rule: achieved_on >= set_on
        (
            {"set_on": "2025-01-02", "achieved_on": "2025-01-01"},
            "achieved_on",
            "`achieved_on` (2025-01-01) is before `set_on` (2025-01-02)",
        ),
        # rule: target_date >= set_on
        (
            {"set_on": "2025-01-02", "target_date": "2024-12-31"},
            "target_date",
            "`target_date` (2024-12-31) is before `set_on` (2025-01-02)",
        ),
    ],
)
def test_goal_dates_must_not_precede_the_day_it_was_set(
    changes: dict[str, Any], where: str, fragment: str
) -> None:
    error = the_error(Goal, {**GOAL, **changes})
    assert (error["type"], error["where"]) == ("out_of_order", where)
    assert fragment in error["msg"]


def test_goal_reports_the_first_broken_order_rule() -> None:
    error = the_error(
        Goal,
        {**GOAL, "set_on": "2025-06-01", "achieved_on": "2025-01-01", "target_date": "2025-01-01"},
    )
    assert error["where"] == "achieved_on"


@pytest.mark.parametrize(
    ("changes", "where", "error_type"),
    [
        ({"name": float("nan")}, "name", "missing"),
        ({"account_id": "  "}, "account_id", "missing"),
        ({"target_date": "next year"}, "target_date", "date_parsing"),
        ({"progress": 0.5}, "progress", "extra_forbidden"),
    ],
)
def test_invalid_goal_fields(changes: dict[str, Any], where: str, error_type: str) -> None:
    error = the_error(Goal, {**GOAL, **changes})
    assert (error["type"], error["where"]) == (error_type, where)


def test_goal_is_frozen() -> None:
    goal = Goal.model_validate(GOAL)
    with pytest.raises(ValidationError, match="frozen"):
        goal.achieved_on = date(2025, 1, 1)
