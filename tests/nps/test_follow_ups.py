"""The NPS follow-up queue against a hand-built story and a second, loop-based implementation.

References: a scenario worked out by hand (every follow-up, due date and reason written
down below), and `reference_queue`, a deliberately plain implementation in Python loops
over `SurveyResponse` records (dicts for "latest per contact", a set for the quiet window,
``sorted`` for the order), compared with the columnar `follow_ups` on sample data.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import FrozenInstanceError, astuple, fields, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import ConfigError, InvalidInputError, SurveyResponse, to_columns
from cshealth.datasets import sample
from cshealth.io import Table
from cshealth.models import SurveyKind, SurveyType
from cshealth.nps._follow_up import FollowUp, queue_summary
from cshealth.nps._follow_up_policy import FollowUpPolicy
from cshealth.nps._follow_ups import follow_ups

UTC = timezone.utc
AS_OF = date(2025, 11, 10)  # the story's "today"; the default window is [2025-10-11, 2025-11-10)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def response(
    id: str,
    account: str,
    contact: str | None,
    score: int,
    when: datetime,
    *,
    survey_type: SurveyType = "relationship",
    touchpoint: str | None = None,
    comment: str | None = None,
    kind: SurveyKind = "nps",
) -> SurveyResponse:
    return SurveyResponse(
        id=id,
        account_id=account,
        contact_id=contact,
        kind=kind,
        survey_type=survey_type,
        touchpoint=touchpoint,
        score=score,
        submitted_at=when,
        comment=comment,
    )


def tnps(
    id: str, account: str, contact: str | None, score: int, when: datetime, *, touchpoint: str
) -> SurveyResponse:
    """A transactional NPS answer after a touchpoint."""
    return response(
        id, account, contact, score, when, survey_type="transactional", touchpoint=touchpoint
    )


# --- the story ---------------------------------------------------------------------------------

STORY = [
    # Acme: a detractor with a comment and a passive
    response("R-01", "A-1", "C-01", 3, at(date(2025, 11, 2)), comment="Too many bugs lately."),
    response("R-02", "A-1", "C-02", 8, at(date(2025, 11, 3))),
    # Globex: a promoter who left a comment, and one who did not
    response("R-03", "A-2", "C-03", 10, at(date(2025, 11, 4)), comment="We rely on it daily."),
    response("R-04", "A-2", "C-04", 9, at(date(2025, 11, 5))),
    # Initech: a detractor who later became a promoter; a contact in the quiet window
    response("R-05", "A-3", "C-05", 2, at(date(2025, 10, 20))),
    response("R-06", "A-3", "C-05", 9, at(date(2025, 11, 6)), comment="Much better now."),
    response("R-07", "A-3", "C-06", 4, at(date(2025, 11, 1))),
    # Umbrella: answers at and after as_of, and one before the lookback window
    response("R-08", "A-4", "C-07", 1, at(AS_OF, 0)),
    response("R-09", "A-4", "C-07", 0, at(date(2025, 11, 12))),
    response("R-10", "A-4", "C-08", 5, at(date(2025, 10, 10), 23, 59)),
    # Hooli: two anonymous transactional answers after support
    tnps("R-11", "A-5", None, 6, at(date(2025, 11, 7)), touchpoint="support"),
    tnps("R-12", "A-5", None, 0, at(date(2025, 11, 8)), touchpoint="support"),
    # Stark: a transactional passive exactly at the start of the window; a promoter
    # whose quiet window ended today; a detractor whose quiet window ends tomorrow
    tnps("R-13", "A-6", "C-09", 7, at(date(2025, 10, 11), 0), touchpoint="onboarding"),
    response("R-14", "A-6", "C-10", 9, at(date(2025, 11, 8))),
    response("R-15", "A-6", "C-11", 3, at(date(2025, 11, 8))),
    # a CSAT answer is set aside
    response("R-16", "A-6", "C-12", 1, at(date(2025, 11, 8)), kind="csat"),
]
PREVIOUS: dict[str, date | datetime] = {
    "C-06": date(2025, 9, 1),  # 70 days ago: quiet
    "C-10": date(2025, 8, 12),  # exactly 90 days ago: free again
    "C-11": at(date(2025, 8, 13), 0),  # 89 days ago: quiet
    "C-02": date(2025, 11, 10),  # dated on as_of: not yet happened, ignored
}
#: (action, response, account, contact, score, survey type, due, overdue, priority)
EXPECTED = [
    ("call", "R-01", "A-1", "C-01", 3, "relationship", date(2025, 11, 4), True, 1),
    ("call", "R-11", "A-5", None, 6, "transactional", date(2025, 11, 9), True, 1),
    ("call", "R-12", "A-5", None, 0, "transactional", date(2025, 11, 10), False, 1),
    ("testimonial_request", "R-03", "A-2", "C-03", 10, "relationship", date(2025, 11, 11),
     False, 2),
    ("review_request", "R-04", "A-2", "C-04", 9, "relationship", date(2025, 11, 12), False, 2),
    ("testimonial_request", "R-06", "A-3", "C-05", 9, "relationship", date(2025, 11, 13),
     False, 2),
    ("review_request", "R-14", "A-6", "C-10", 9, "relationship", date(2025, 11, 15), False, 2),
    ("nurture", "R-13", "A-6", "C-09", 7, "transactional", date(2025, 10, 25), True, 3),
    ("nurture", "R-02", "A-1", "C-02", 8, "relationship", date(2025, 11, 17), False, 3),
]  # fmt: skip


def summary(queue: Iterable[FollowUp]) -> list[tuple[object, ...]]:
    return [
        (f.action, f.response_id, f.account_id, f.contact_id, f.score, f.survey_type,
         f.due_on, f.overdue, f.priority)
        for f in queue
    ]  # fmt: skip


def test_story_queue() -> None:
    queue = follow_ups(STORY, as_of=AS_OF, previous=PREVIOUS)
    assert summary(queue) == EXPECTED


def test_story_reasons_and_fields() -> None:
    queue = {f.response_id: f for f in follow_ups(STORY, as_of=AS_OF, previous=PREVIOUS)}
    assert queue["R-01"].reason == (
        "scored 3 (detractor) on the relationship survey on 2025-11-02: call within 2 days"
    )
    assert queue["R-11"].reason == (
        "scored 6 (detractor) on the transactional survey at the support touchpoint on "
        "2025-11-07: call within 2 days"
    )
    assert queue["R-03"].reason == (
        "scored 10 (promoter) on the relationship survey on 2025-11-04 with a comment: "
        "ask for a testimonial within 7 days"
    )
    assert queue["R-04"].reason == (
        "scored 9 (promoter) on the relationship survey on 2025-11-05 without a comment: "
        "ask for a review within 7 days"
    )
    assert queue["R-13"].reason == (
        "scored 7 (passive) on the transactional survey at the onboarding touchpoint on "
        "2025-10-11: nurture within 14 days"
    )
    r01 = queue["R-01"]
    assert (r01.category, r01.comment, r01.touchpoint) == (
        "detractor", "Too many bugs lately.", None,
    )  # fmt: skip
    assert r01.submitted_at == at(date(2025, 11, 2))
    assert r01.submitted_at.tzinfo is not None
    assert queue["R-11"].touchpoint == "support"
    assert queue["R-02"].category == "passive"
    assert queue["R-06"].category == "promoter"


def test_story_without_previous_calls_the_quiet_contacts() -> None:
    queue = follow_ups(STORY, as_of=AS_OF)
    ids = {f.response_id for f in queue}
    assert {"R-07", "R-15"} <= ids
    assert len(queue) == len(EXPECTED) + 2


def test_same_queue_from_every_input_form_and_order() -> None:
    expected = follow_ups(STORY, as_of=AS_OF, previous=PREVIOUS)
    table = to_columns(STORY)
    columns = {name: list(column.tolist()) for name, column in table.items()}
    columns["submitted_at"] = [r.submitted_at for r in STORY]
    frame = pd.DataFrame({name: table[name] for name in table.columns})
    shuffled = random.Random(4).sample(STORY, len(STORY))
    for data in (table, columns, frame, shuffled, iter(STORY)):
        assert follow_ups(data, as_of=AS_OF, previous=PREVIOUS) == expected


def test_as_of_in_another_zone_is_the_same_instant() -> None:
    paris_midnight = datetime(2025, 11, 10, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert follow_ups(STORY, as_of=paris_midnight, previous=PREVIOUS) == follow_ups(
        STORY, as_of=AS_OF, previous=PREVIOUS
    )


def test_as_of_instant_within_a_day() -> None:
    # at 09:00 the 09:00 answer is not yet seen (strictly before as_of), at 09:01 it is
    late = [response("R-1", "A-1", "C-1", 2, at(AS_OF, 9))]
    assert follow_ups(late, as_of=at(AS_OF, 9)) == []
    (item,) = follow_ups(late, as_of=at(AS_OF, 9, 1))
    assert (item.due_on, item.overdue) == (date(2025, 11, 12), False)


# --- policies ------------------------------------------------------------------------------------


def test_policy_without_passives_leaves_latest_passive_contacts_out() -> None:
    story = [
        response("R-1", "A-1", "C-1", 2, at(date(2025, 11, 1))),
        response("R-2", "A-1", "C-1", 8, at(date(2025, 11, 2))),  # latest: passive
        response("R-3", "A-1", "C-2", 7, at(date(2025, 11, 3))),
    ]
    policy = FollowUpPolicy(include_passives=False)
    assert follow_ups(story, as_of=AS_OF, policy=policy) == []
    assert [f.response_id for f in follow_ups(story, as_of=AS_OF)] == ["R-2", "R-3"]


@pytest.mark.parametrize(
    ("promoter_action", "expected"),
    [
        ("auto", ["testimonial_request", "review_request"]),
        ("testimonial", ["testimonial_request", "testimonial_request"]),
        ("review", ["review_request", "review_request"]),
    ],
)
def test_promoter_action(promoter_action: str, expected: list[str]) -> None:
    story = [
        response("R-1", "A-1", "C-1", 10, at(date(2025, 11, 1)), comment="Great."),
        response("R-2", "A-1", "C-2", 9, at(date(2025, 11, 2))),
    ]
    policy = FollowUpPolicy.model_validate({"promoter_action": promoter_action})
    queue = follow_ups(story, as_of=AS_OF, policy=policy)
    assert [f.action for f in queue] == expected
    if promoter_action != "auto":  # the comment only explains the choice under "auto"
        assert "comment" not in queue[0].reason


def test_blank_comment_is_no_comment() -> None:
    columns = {
        "id": ["R-1", "R-2", "R-3"],
        "account_id": ["A-1", "A-1", "A-1"],
        "contact_id": ["C-1", "C-2", "C-3"],
        "score": [10, 10, 10],
        "submitted_at": ["2025-11-01T09:00:00Z"] * 3,
        "comment": ["  ", None, float("nan")],
    }
    queue = follow_ups(columns, as_of=AS_OF)
    assert [(f.action, f.comment) for f in queue] == [("review_request", None)] * 3
    assert [f.survey_type for f in queue] == [None] * 3  # the data does not say
    assert "on an NPS survey on 2025-11-01 without a comment" in queue[0].reason


@pytest.mark.parametrize(
    ("days", "phrase"),
    [(0, "call the same day"), (1, "call within 1 day"), (5, "call within 5 days")],
)
def test_due_days_and_their_wording(days: int, phrase: str) -> None:
    story = [response("R-1", "A-1", "C-1", 0, at(date(2025, 11, 1), 23, 59))]
    (item,) = follow_ups(story, as_of=AS_OF, policy=FollowUpPolicy(detractor_days=days))
    assert item.due_on == date(2025, 11, 1) + timedelta(days=days)
    assert item.reason.endswith(phrase)


def test_due_dates_are_utc_dates() -> None:
    # 23:30 in New York on 1 November is 03:30 UTC on 2 November
    new_york = timezone(timedelta(hours=-4))
    story = [response("R-1", "A-1", "C-1", 5, datetime(2025, 11, 1, 23, 30, tzinfo=new_york))]
    (item,) = follow_ups(story, as_of=AS_OF)
    assert item.due_on == date(2025, 11, 4)
    assert item.submitted_at == datetime(2025, 11, 2, 3, 30, tzinfo=UTC)


def test_ties_in_time_go_to_the_larger_response_id_then_order_by_id() -> None:
    when = at(date(2025, 11, 1))
    story = [
        response("R-2", "A-1", "C-1", 3, when),
        response("R-1", "A-1", "C-1", 9, when),
        response("R-4", "A-2", None, 1, when),
        response("R-3", "A-2", None, 1, when),
    ]
    queue = follow_ups(story, as_of=AS_OF)
    assert [f.response_id for f in queue] == ["R-2", "R-3", "R-4"]


@pytest.mark.parametrize(
    "contacts",
    [[100, 101, 102], np.array([100, 101, 102]), [100, 101, None], [100.0, 101.0, float("nan")]],
)
def test_whole_number_identifiers_stay_numbers(contacts: list[object]) -> None:
    columns = {
        "id": [1, 2, 3],
        "account_id": np.array([10, 10, 11]),
        "contact_id": contacts,
        "score": [1, 2, 3],
        "submitted_at": np.array(
            ["2025-11-01T09:00", "2025-11-02T09:00", "2025-11-03T09:00"], "datetime64[us]"
        ),
    }
    # contact 100 was asked recently: quiet, so its answer is left out
    queue = follow_ups(columns, as_of=AS_OF, previous={100: date(2025, 10, 1)})
    assert [(f.response_id, f.account_id) for f in queue] == [(2, 10), (3, 11)]
    assert queue[0].contact_id == 101
    assert type(queue[0].contact_id) is int
    if contacts[2] != 102:
        assert queue[1].contact_id is None
    # a key of the other kind can never match: an error, not a silent miss
    with pytest.raises(InvalidInputError, match=r"`previous`: text; the responses'"):
        follow_ups(columns, as_of=AS_OF, previous={"100": date(2025, 10, 1)})


def test_without_contact_column_every_answer_is_its_own_respondent() -> None:
    columns = {
        "id": ["R-1", "R-2"],
        "account_id": ["A-1", "A-1"],
        "score": [1, 9],
        "submitted_at": ["2025-11-01T09:00:00Z", "2025-11-02T09:00:00Z"],
    }
    queue = follow_ups(columns, as_of=AS_OF, previous={"C-1": date(2025, 11, 1)})
    assert [(f.action, f.contact_id) for f in queue] == [
        ("call", None), ("review_request", None),
    ]  # fmt: skip


def test_empty_inputs() -> None:
    assert follow_ups([], as_of=AS_OF) == []
    assert follow_ups(STORY, as_of=date(2020, 1, 1)) == []  # nothing before as_of
    assert follow_ups(STORY[:1], as_of=AS_OF, previous={}) == follow_ups(STORY[:1], as_of=AS_OF)


def test_repr_and_to_dict_are_json_ready() -> None:
    queue = follow_ups(STORY, as_of=AS_OF, previous=PREVIOUS)
    text = json.dumps([f.to_dict() for f in queue])
    first = json.loads(text)[0]
    assert first == {
        "action": "call",
        "category": "detractor",
        "reason": queue[0].reason,
        "response_id": "R-01",
        "account_id": "A-1",
        "contact_id": "C-01",
        "score": 3,
        "survey_type": "relationship",
        "touchpoint": None,
        "comment": "Too many bugs lately.",
        "submitted_at": "2025-11-02T09:00:00.000000Z",
        "due_on": "2025-11-04",
        "overdue": True,
        "priority": 1,
    }
    assert repr(queue[0]) == (
        "FollowUp(call, priority 1, due 2025-11-04, overdue; response 'R-01', account 'A-1', "
        "contact 'C-01', score 3 (detractor))"
    )
    assert "overdue" not in repr(queue[3])


def test_queue_summary() -> None:
    queue = follow_ups(STORY, as_of=AS_OF, previous=PREVIOUS)
    assert queue_summary(queue) == {
        "call": 3,
        "testimonial_request": 2,
        "review_request": 2,
        "nurture": 2,
        "overdue": 3,
        "total": 9,
    }


# --- the policy as data ------------------------------------------------------------------------


def test_policy_json_round_trip_and_hash() -> None:
    policy = FollowUpPolicy(window_days=60, promoter_action="review", include_passives=False)
    again = FollowUpPolicy.model_validate_json(policy.model_dump_json())
    assert again == policy
    assert hash(again) == hash(policy)
    assert len({policy, again, FollowUpPolicy()}) == 2
    assert FollowUpPolicy.model_validate_json("{}") == FollowUpPolicy()
    for name in FollowUpPolicy.model_fields:
        with pytest.raises(ConfigError, match="frozen"):
            setattr(policy, name, 10)


def test_policy_schema_documents_every_field() -> None:
    schema = FollowUpPolicy.model_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["description"].startswith("The rules of the NPS follow-up queue")
    assert set(schema["properties"]) == set(FollowUpPolicy.model_fields)
    for name, field in schema["properties"].items():
        assert field.get("description"), name
    assert schema["properties"]["quiet_days"]["minimum"] == 1
    assert schema["properties"]["detractor_days"]["minimum"] == 0
    assert schema["properties"]["promoter_action"]["enum"] == ["testimonial", "review", "auto"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"detractor_days": -1}, "detractor_days", "`detractor_days` must be a whole number of "
         "days from 0 to 36525 (0 means the same day), got -1"),
        ({"passive_days": -3}, "passive_days", "from 0 to 36525"),
        ({"promoter_days": 10**6}, "promoter_days", "got 1000000"),
        ({"window_days": 0}, "window_days", "`window_days` must be a whole number of days "
         "from 1 to 36525, got 0"),
        ({"quiet_days": 0}, "quiet_days", "from 1 to 36525, got 0"),
        ({"quiet_days": "90"}, "quiet_days", "valid integer"),
        ({"quiet_days": True}, "quiet_days", "valid integer"),
        ({"promoter_action": "nps"}, "promoter_action", "'testimonial', 'review' or 'auto'"),
        ({"call_days": 3}, "call_days", "Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_bad_policy(data: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        FollowUpPolicy.model_validate_json(json.dumps(data))
    head, line = str(info.value).split("\n")  # one problem
    assert head == "invalid FollowUpPolicy:"
    assert line.startswith(f"  {field}: ")
    assert message in line


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"as_of": datetime(2025, 11, 10)}, InvalidInputError, "`as_of` is a naive datetime"),
        ({"as_of": 20251110}, InvalidInputError, "`as_of` must be a date"),
        (
            {"as_of": AS_OF, "previous": {"C-01": datetime(2025, 11, 1, 9)}},
            InvalidInputError,
            "`previous['C-01']` is a naive datetime",
        ),
        (
            {"as_of": AS_OF, "previous": {"C-01": 20251101}},
            InvalidInputError,
            "`previous['C-01']` must be a date",
        ),
        ({"as_of": AS_OF, "previous": [("C-01", AS_OF)]}, InvalidInputError, "must be a mapping"),
        ({"as_of": AS_OF, "previous": {None: AS_OF}}, InvalidInputError, "contact_id None"),
        ({"as_of": AS_OF, "previous": {float("nan"): AS_OF}}, InvalidInputError, "contact_id nan"),
        ({"as_of": AS_OF, "policy": {"quiet_days": 30}}, ConfigError, "must be a FollowUpPolicy"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        follow_ups(STORY, **kwargs)


def test_bad_responses() -> None:
    columns = {
        "id": ["R-1", "R-2"],
        "account_id": ["A-1", "A-1"],
        "score": [3, 11],
        "submitted_at": ["2025-11-01T09:00:00Z", "2025-11-02T09:00:00Z"],
    }
    with pytest.raises(InvalidInputError, match=r"response 'R-2': `score` is 11; .* 0\.\.10"):
        follow_ups(columns, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="need the columns"):
        follow_ups({"id": ["R-1"], "score": [3]}, as_of=AS_OF)
    naive = dict(columns, score=[3, 4], submitted_at=[datetime(2025, 11, 1), AS_OF])
    with pytest.raises(InvalidInputError, match="submitted_at"):
        follow_ups(naive, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="SurveyResponse records"):
        follow_ups(42, as_of=AS_OF)


# --- a second implementation, in loops over records ---------------------------------------------


def instant(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, time(), tzinfo=UTC)


def reference_queue(
    records: Iterable[SurveyResponse],
    as_of: date | datetime,
    policy: FollowUpPolicy,
    previous: Mapping[str, date | datetime],
) -> list[tuple[object, ...]]:
    """The queue worked out one record at a time, in plain Python."""
    now = instant(as_of)
    start = now - timedelta(days=policy.window_days)
    quiet = set()
    for contact, when in previous.items():
        last = instant(when)
        if last < now < last + timedelta(days=policy.quiet_days):
            quiet.add(contact)
    latest: dict[tuple[str, str], SurveyResponse] = {}
    for r in records:
        if r.kind != "nps" or not start <= r.submitted_at < now or r.contact_id in quiet:
            continue
        who = ("contact", r.contact_id) if r.contact_id is not None else ("response", r.id)
        seen = latest.get(who)
        if seen is None or (r.submitted_at, r.id) > (seen.submitted_at, seen.id):
            latest[who] = r
    queue = []
    for r in latest.values():
        if r.score <= 6:
            category, action, days, priority = "detractor", "call", policy.detractor_days, 1
        elif r.score <= 8:
            if not policy.include_passives:
                continue
            category, action, days, priority = "passive", "nurture", policy.passive_days, 3
        else:
            category, days, priority = "promoter", policy.promoter_days, 2
            wants = policy.promoter_action
            if wants == "auto":
                wants = "testimonial" if r.comment and r.comment.strip() else "review"
            action = f"{wants}_request"
        due = r.submitted_at.astimezone(UTC).date() + timedelta(days=days)
        queue.append(
            (priority, due, r.submitted_at, r.id, action, category, r.account_id, r.contact_id,
             r.score, r.survey_type, r.touchpoint, due < now.date(),
             reference_reason(r, category, action, days, policy))
        )  # fmt: skip
    return sorted(queue)


def reference_reason(
    r: SurveyResponse, category: str, action: str, days: int, policy: FollowUpPolicy
) -> str:
    text = f"scored {r.score} ({category}) on the {r.survey_type} survey"
    if r.touchpoint:
        text += f" at the {r.touchpoint} touchpoint"
    text += f" on {r.submitted_at.astimezone(UTC).date()}"
    if category == "promoter" and policy.promoter_action == "auto":
        text += " with a comment" if r.comment else " without a comment"
    verb = {"call": "call", "nurture": "nurture"}.get(action, "ask for a " + action[:-8])
    when = {0: "the same day", 1: "within 1 day"}.get(days, f"within {days} days")
    return f"{text}: {verb} {when}"


def as_reference(queue: Iterable[FollowUp]) -> list[tuple[object, ...]]:
    return [
        (f.priority, f.due_on, f.submitted_at, f.response_id, f.action, f.category,
         f.account_id, f.contact_id, f.score, f.survey_type, f.touchpoint, f.overdue, f.reason)
        for f in queue
    ]  # fmt: skip


World = tuple[Table, list[SurveyResponse], list[str]]


@pytest.fixture(scope="module")
def world() -> World:
    data = sample(seed=11, n_accounts=300)
    records = data.records("survey_responses")
    contacts = sorted({r.contact_id for r in records if r.contact_id is not None})
    return data.survey_responses, records, contacts


def previous_follow_ups(contacts: list[str], as_of: date | datetime) -> dict[str, date | datetime]:
    """Last follow-ups of a third of the contacts, up to 200 days before ``as_of`` (a few
    after it), as dates and as datetimes in three zones."""
    rng = random.Random(5)
    today = as_of.date() if isinstance(as_of, datetime) else as_of
    previous: dict[str, date | datetime] = {}
    for contact in rng.sample(contacts, len(contacts) // 3):
        day = today - timedelta(days=rng.randrange(-10, 200))
        zone = timezone(timedelta(hours=rng.choice([-8, 0, 5])))
        previous[contact] = day if rng.random() < 0.5 else datetime.combine(day, time(13), zone)
    return previous


POLICIES = [
    FollowUpPolicy(),
    FollowUpPolicy(window_days=90, quiet_days=30, promoter_action="review", include_passives=False),
    FollowUpPolicy(window_days=365, detractor_days=0, promoter_action="testimonial", quiet_days=14),
    FollowUpPolicy(window_days=120, passive_days=1, promoter_days=0, quiet_days=180),
]
AS_OFS = [
    date(2026, 1, 1),
    date(2025, 6, 1),
    datetime(2025, 9, 15, 13, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    date(2024, 3, 1),
]


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("as_of", AS_OFS)
def test_matches_reference_on_sample_data(
    world: World, policy: FollowUpPolicy, as_of: date | datetime
) -> None:
    table, records, contacts = world
    previous = previous_follow_ups(contacts, as_of)
    queue = follow_ups(table, as_of=as_of, policy=policy, previous=previous)
    assert as_reference(queue) == reference_queue(records, as_of, policy, previous)
    assert len(queue) > 5
    assert len(follow_ups(table, as_of=as_of, policy=policy)) > len(queue)  # some were quiet


def test_sample_data_queue_has_every_action(world: World) -> None:
    table, records, contacts = world
    previous = previous_follow_ups(contacts, date(2026, 1, 1))
    queue = follow_ups(table, as_of=date(2026, 1, 1), policy=POLICIES[3], previous=previous)
    counts = queue_summary(queue)
    assert all(counts[action] > 0 for action in ("call", "nurture", "review_request"))
    assert counts["testimonial_request"] > 0
    assert 0 < counts["overdue"] < counts["total"]
    assert follow_ups(records, as_of=date(2026, 1, 1), policy=POLICIES[3], previous=previous) == (
        queue
    )


# --- invariants ----------------------------------------------------------------------------------

NAMED = ["C-1", "C-2", "C-3", "C-4"]
CONTACTS = [*NAMED, None]
ZONES = [UTC, timezone(timedelta(hours=-8)), timezone(timedelta(hours=5, minutes=30))]


Scenario = tuple[list[SurveyResponse], datetime, FollowUpPolicy, dict[str, datetime]]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    as_of = datetime(2025, 6, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 60 * 24)))
    n = draw(st.integers(0, 25))
    records = []
    for i in range(n):
        minutes = draw(st.integers(-60 * 24 * 70, 60 * 24 * 3))
        records.append(
            response(
                f"R-{i:02d}",
                draw(st.sampled_from(["A-1", "A-2"])),
                draw(st.sampled_from(CONTACTS)),
                draw(st.integers(0, 10)),
                (as_of + timedelta(minutes=minutes)).astimezone(draw(st.sampled_from(ZONES))),
                survey_type=draw(st.sampled_from(["relationship", "transactional"])),
                comment=draw(st.sampled_from([None, "Fine."])),
            )
        )
    policy = FollowUpPolicy(
        window_days=draw(st.integers(1, 60)),
        detractor_days=draw(st.integers(0, 10)),
        passive_days=draw(st.integers(0, 30)),
        promoter_days=draw(st.integers(0, 30)),
        promoter_action=draw(st.sampled_from(["testimonial", "review", "auto"])),
        quiet_days=draw(st.integers(1, 120)),
        include_passives=draw(st.booleans()),
    )
    previous = {
        contact: as_of + timedelta(days=draw(st.integers(-150, 5)))
        for contact in draw(st.sets(st.sampled_from(NAMED)))
    }
    return records, as_of, policy, previous


@given(scenarios())
def test_invariants(scenario: Scenario) -> None:
    records, as_of, policy, previous = scenario
    queue = follow_ups(records, as_of=as_of, policy=policy, previous=previous)
    contacts = [f.contact_id for f in queue if f.contact_id is not None]
    assert len(contacts) == len(set(contacts))  # no contact twice
    start = as_of - timedelta(days=policy.window_days)
    for f in queue:
        assert start <= f.submitted_at < as_of  # in the window
        assert f.due_on >= f.submitted_at.date()
        last = previous.get(f.contact_id) if f.contact_id is not None else None
        # no contact within its quiet window
        assert last is None or last >= as_of or last + timedelta(days=policy.quiet_days) <= as_of
        assert f.overdue == (f.due_on < as_of.date())
    keys = [(f.priority, f.due_on, f.submitted_at, f.response_id) for f in queue]
    assert keys == sorted(keys)
    assert as_reference(queue) == reference_queue(records, as_of, policy, previous)


@given(scenarios())
def test_a_later_answer_never_changes_the_queue_before_it(scenario: Scenario) -> None:
    records, as_of, policy, previous = scenario
    later = late_copies(records, as_of)
    assert follow_ups(records + later, as_of=as_of, policy=policy, previous=previous) == (
        follow_ups(records, as_of=as_of, policy=policy, previous=previous)
    )


def late_copies(records: list[SurveyResponse], as_of: datetime) -> list[SurveyResponse]:
    """Copies of the records answered at or after ``as_of``."""
    return [
        r.model_copy(update={"id": r.id + "-late", "submitted_at": as_of + timedelta(hours=i)})
        for i, r in enumerate(records)
    ]


def test_follow_up_is_frozen() -> None:
    (item, *_) = follow_ups(STORY, as_of=AS_OF)
    for field in fields(item):
        with pytest.raises(FrozenInstanceError):
            setattr(item, field.name, 5)
    assert astuple(replace(item, score=5))[6] == 5
