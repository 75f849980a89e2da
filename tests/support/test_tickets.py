"""Reading tickets, per-ticket durations and the SLA policy.

References: durations worked by hand (arithmetic in comments), ``Ticket.first_response_seconds``
and ``Ticket.resolution_seconds`` (the model's own per-record Python datetimes) compared with
the columnar kernel on random tickets, and the SLA rule written out per ticket.
"""

from __future__ import annotations

import json
import math
import pickle
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import ZONES

from cshealth import ConfigError, InvalidInputError, Table, Ticket
from cshealth.support._schedule import Schedule
from cshealth.support._sla import SLAPolicy, check_policy, sla_outcome
from cshealth.support._ticket_durations import TicketDurations, ticket_durations
from cshealth.support._tickets import elapsed_seconds, read_tickets, ticket_column

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def us(text: str) -> np.datetime64:
    return np.datetime64(text, "us")


COLUMNS = {
    "id": ["T-1", "T-2", "T-3"],
    "account_id": ["A-1", "A-1", "A-2"],
    "channel": ["email", "chat", "email"],
    "created_at": ["2025-03-03T09:00Z", "2025-03-03T10:00Z", "2025-03-05T12:00+02:00"],
    # T-1: 09:00 -> 11:30 = 2.5 h = 9000 s; T-2: unanswered; T-3: 10:00Z -> 10:00:30Z = 30 s
    "first_response_at": ["2025-03-03T11:30Z", None, "2025-03-05T10:00:30Z"],
    # T-1: one day = 86400 s; T-3: 10:00Z -> next day 12:00Z = 26 h = 93600 s
    "resolved_at": ["2025-03-04T09:00Z", None, "2025-03-06T12:00Z"],
}


# --- SLAPolicy ----------------------------------------------------------------------------------


def test_policy_targets_per_priority():
    policy = SLAPolicy(first_response_hours=8, by_priority={"urgent": 1, "high": 4})
    priorities = np.array(["urgent", "high", "normal", "low", "other"], dtype=object)
    # urgent 1 h, high 4 h, the rest the 8 h default
    assert policy.target_seconds(priorities).tolist() == [3600, 14400, 28800, 28800, 28800]
    assert policy.target_hours("high") == 4.0
    assert policy.target_hours("low") == 8.0
    assert SLAPolicy().target_seconds(["normal"]).tolist() == [86400.0]


def test_policy_defaults_and_clock():
    policy = SLAPolicy()
    assert (policy.first_response_hours, policy.by_priority, policy.clock) == (24.0, {}, "business")
    sentinel = object()
    assert policy.measures_business(sentinel) is sentinel  # business clock: the schedule
    assert SLAPolicy(clock="calendar").measures_business(sentinel) is None
    assert policy.measures_business(None) is None  # no schedule: calendar


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first_response_hours": 0},
        {"first_response_hours": -1},
        {"first_response_hours": math.inf},
        {"first_response_hours": math.nan},
        {"by_priority": {"urgent": 0}},
        {"by_priority": {"critical": 1}},
        {"clock": "wall"},
        {"other": 1},
    ],
)
def test_policy_rejects_bad_settings(kwargs):
    with pytest.raises(ConfigError, match=f"invalid SLAPolicy:\n  {next(iter(kwargs))}"):
        SLAPolicy(**kwargs)


def test_policy_is_frozen():
    with pytest.raises(ConfigError, match="frozen"):
        SLAPolicy().first_response_hours = 2


def test_check_policy():
    assert check_policy(None) == SLAPolicy()
    custom = SLAPolicy(first_response_hours=2)
    assert check_policy(custom) is custom
    with pytest.raises(InvalidInputError, match="`sla` must be an SLAPolicy or None, got dict"):
        check_policy({"first_response_hours": 2})


# --- ticket_durations ------------------------------------------------------------------------


def test_durations_worked_example():
    d = ticket_durations(COLUMNS)
    assert isinstance(d, TicketDurations)
    assert d.ids.tolist() == ["T-1", "T-2", "T-3"]
    assert d.account_ids.tolist() == ["A-1", "A-1", "A-2"]
    assert d.first_response_seconds.tolist()[::2] == [9000.0, 30.0]
    assert math.isnan(d.first_response_seconds[1])
    assert d.resolution_seconds.tolist()[::2] == [86400.0, 93600.0]
    assert math.isnan(d.resolution_seconds[1])
    assert d.clock == "calendar"
    assert d.as_of is None
    assert len(d) == 3
    assert repr(d) == "TicketDurations(3 tickets, clock='calendar', 2 responded, 2 resolved)"


def test_durations_as_of_hides_later_events_and_tickets():
    # as of 2025-03-04T09:00Z: T-1's resolution (exactly then) has not happened; T-3 was
    # created later (2025-03-05T10:00Z) and is left out.
    d = ticket_durations(COLUMNS, as_of=at("2025-03-04T09:00"))
    assert d.ids.tolist() == ["T-1", "T-2"]
    assert d.first_response_seconds[0] == 9000.0
    assert np.isnan(d.resolution_seconds).all()
    assert d.as_of == at("2025-03-04T09:00")
    assert repr(d).endswith("0 resolved, as_of=2025-03-04T09:00:00+00:00)")
    # a date is midnight UTC: the first instant of that day
    assert ticket_durations(COLUMNS, as_of=date(2025, 3, 4)).ids.tolist() == ["T-1", "T-2"]


def test_durations_to_dict_is_json_ready():
    out = ticket_durations(COLUMNS, as_of=date(2026, 1, 1)).to_dict()
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert out["clock"] == "calendar"
    assert out["as_of"] == "2026-01-01T00:00:00.000000Z"
    assert out == {
        "ids": ["T-1", "T-2", "T-3"],
        "account_ids": ["A-1", "A-1", "A-2"],
        "created_at": [
            "2025-03-03T09:00:00.000000Z",
            "2025-03-03T10:00:00.000000Z",
            "2025-03-05T10:00:00.000000Z",
        ],
        "first_response_seconds": [9000.0, None, 30.0],
        "resolution_seconds": [86400.0, None, 93600.0],
        "clock": "calendar",
        "as_of": "2026-01-01T00:00:00.000000Z",
    }


def test_durations_compare_by_value_and_are_read_only():
    d = ticket_durations(COLUMNS)
    assert d == ticket_durations(COLUMNS)  # another call: equal values (NaN equal to NaN)
    assert d == pickle.loads(pickle.dumps(d))
    assert d != ticket_durations(COLUMNS, as_of=date(2026, 1, 1))  # as_of differs
    assert d != ticket_durations(COLUMNS, schedule=Schedule.always())  # the clock differs
    answered = {**COLUMNS, "first_response_at": ["2025-03-03T11:30Z", "2025-03-03T10:01Z", None]}
    assert d != ticket_durations(answered)
    for copy in (d, pickle.loads(pickle.dumps(d))):
        for name in ("ids", "account_ids", "created_at"):
            assert not getattr(copy, name).flags.writeable, name
        with pytest.raises(ValueError, match="read-only"):
            copy.first_response_seconds[0] = 0.0
        with pytest.raises(ValueError, match="read-only"):
            copy.resolution_seconds[0] = 0.0


def test_durations_to_pandas_has_one_row_per_ticket():
    d = ticket_durations(COLUMNS)
    frame = d.to_pandas()
    assert list(frame.columns) == [
        "id",
        "account_id",
        "created_at",
        "first_response_seconds",
        "resolution_seconds",
    ]
    assert len(frame) == len(d) == 3
    assert frame["id"].tolist() == d.ids.tolist()
    assert frame["account_id"].tolist() == ["A-1", "A-1", "A-2"]
    assert frame["created_at"].tolist() == [pd.Timestamp(t) for t in d.created_at]
    np.testing.assert_array_equal(frame["first_response_seconds"], [9000.0, np.nan, 30.0])
    np.testing.assert_array_equal(frame["resolution_seconds"], [86400.0, np.nan, 93600.0])
    assert ticket_durations([]).to_pandas().shape == (0, 5)


def test_durations_without_event_columns():
    d = ticket_durations({k: COLUMNS[k] for k in ("id", "account_id", "created_at")})
    assert np.isnan(d.first_response_seconds).all()
    assert np.isnan(d.resolution_seconds).all()


def test_durations_of_records_frames_and_tables_agree():
    records = [
        Ticket(
            id=i,
            account_id=a,
            channel=c,
            created_at=iso(t),
            first_response_at=None
            if f is None
            else datetime.fromisoformat(f.replace("Z", "+00:00")),
            resolved_at=None if r is None else datetime.fromisoformat(r.replace("Z", "+00:00")),
        )
        for i, a, c, t, f, r in zip(*COLUMNS.values())
    ]
    expected = ticket_durations(COLUMNS).to_dict()
    assert ticket_durations(records).to_dict() == expected
    assert ticket_durations(iter(records)).to_dict() == expected
    assert ticket_durations(pd.DataFrame(COLUMNS)).to_dict() == expected
    table = read_tickets(
        COLUMNS, need=["account_id"], optional=["first_response_at", "resolved_at"]
    )
    assert isinstance(table, Table)
    assert ticket_durations(table).to_dict() == expected
    assert ticket_durations(Table(dict(table))).to_dict() == expected
    empty = ticket_durations([])
    assert len(empty) == 0
    assert repr(empty) == "TicketDurations(0 tickets, clock='calendar', 0 responded, 0 resolved)"


tickets_strategy = st.lists(
    st.tuples(
        st.integers(0, 10**9),  # created, seconds after 2024-01-01
        st.none() | st.integers(0, 10**7),  # reply delay
        st.none() | st.integers(0, 10**7),  # resolution delay
        st.sampled_from(ZONES),
        st.integers(0, 999_999),  # microseconds
    ),
    max_size=25,
)


@given(tickets_strategy)
def test_durations_match_the_model_per_ticket(rows):
    base = datetime(2024, 1, 1, tzinfo=UTC)
    records = []
    for i, (created, reply, resolve, zone, micros) in enumerate(rows):
        start = (base + timedelta(seconds=created, microseconds=micros)).astimezone(zone)
        records.append(
            Ticket(
                id=f"T{i}",
                account_id="A",
                channel="email",
                created_at=start,
                first_response_at=None if reply is None else start + timedelta(seconds=reply),
                resolved_at=None if resolve is None else start + timedelta(seconds=resolve),
            )
        )
    d = ticket_durations(records)
    for i, record in enumerate(records):
        for got, want in (
            (d.first_response_seconds[i], record.first_response_seconds()),
            (d.resolution_seconds[i], record.resolution_seconds()),
        ):
            assert (math.isnan(got) and want is None) or got == want


# --- bad input ----------------------------------------------------------------------------------


def test_reply_or_resolution_before_creation_is_reported_with_row_and_field():
    bad = dict(COLUMNS, first_response_at=["2025-03-03T08:00Z", None, None])
    bad["resolved_at"] = [None, None, "2025-03-05T09:00Z"]
    with pytest.raises(InvalidInputError, match="2 of 3 Ticket rows are invalid") as info:
        ticket_durations(bad)
    errors = {(e.row, e.field, e.code) for e in info.value.errors}
    assert errors == {(1, "first_response_at", "out_of_order"), (3, "resolved_at", "out_of_order")}
    assert "`first_response_at` is before `created_at`" in str(info.value)


def test_naive_datetimes_are_refused():
    created = ["2025-03-03T09:00", "2025-03-03T10:00Z", "2025-03-05T10:00Z"]  # first is naive
    bad = dict(COLUMNS, created_at=created)
    with pytest.raises(InvalidInputError, match="1 of 3 Ticket rows are invalid") as info:
        ticket_durations(bad)
    assert info.value.errors[0].field == "created_at"
    with pytest.raises(InvalidInputError, match="naive datetime"):
        ticket_durations(COLUMNS, as_of=datetime(2025, 3, 4))


def test_negative_queue_wait_is_refused():
    bad = dict(COLUMNS, queue_wait_seconds=[1.0, -5.0, None])
    with pytest.raises(InvalidInputError) as info:
        read_tickets(bad, need=["channel"], optional=["queue_wait_seconds"])
    assert [(e.row, e.field) for e in info.value.errors] == [(2, "queue_wait_seconds")]


def test_duplicate_ids_are_listed():
    bad = dict(COLUMNS, id=["T-1", "T-2", "T-1"])
    with pytest.raises(
        InvalidInputError, match=r"1 id is used by more than one ticket \('T-1'\)"
    ) as info:
        ticket_durations(bad)
    assert [(e.row, e.value, e.code) for e in info.value.errors] == [
        (1, "T-1", "duplicate_key"),
        (3, "T-1", "duplicate_key"),
    ]


def test_many_duplicate_ids_are_shortened():
    n = 14
    ids = [f"T{i % 7}" for i in range(n)]
    data = {"id": ids, "account_id": ["A"] * n, "created_at": ["2025-01-01T00:00Z"] * n}
    message = r"ticket ids must be distinct; 7 ids are used .*'T4' and 2 more\)"
    with pytest.raises(InvalidInputError, match=message):
        ticket_durations(data)


def test_missing_columns_are_named():
    with pytest.raises(InvalidInputError, match="tickets need the columns"):
        ticket_durations({"id": ["T-1"], "created_at": ["2025-01-01T00:00Z"]})


# --- helpers ------------------------------------------------------------------------------------


def test_ticket_column_defaults():
    table = read_tickets(COLUMNS, need=[])
    assert ticket_column(table, "priority").tolist() == ["normal"] * 3
    assert ticket_column(table, "agent_replies").dtype == np.int64
    assert np.isnan(ticket_column(table, "queue_wait_seconds")).all()
    assert np.isnat(ticket_column(table, "first_response_at")).all()
    assert not ticket_column(table, "delighted").any()


def test_elapsed_seconds_only_where_asked_and_known():
    start = np.array([us("2025-01-01T00:00"), us("2025-01-01T00:00"), us("2025-01-01")])
    end = np.array([us("2025-01-01T01:00"), np.datetime64("NaT", "us"), us("2025-01-02")])
    got = elapsed_seconds(start, end, np.array([True, True, False]), None)
    assert got[0] == 3600.0
    assert np.isnan(got[1:]).all()


class FakeSchedule:
    """Business time that counts half of every span: enough to see the schedule is used."""

    def __init__(self):
        self.calls = []

    def business_seconds(self, start, end):
        self.calls.append(len(start))
        return (end - start).astype(np.int64) / 2e6


def test_elapsed_seconds_business_runs_only_on_known_rows():
    schedule = FakeSchedule()
    start = np.array([us("2025-01-01T00:00")] * 3)
    end = np.array([us("2025-01-01T01:00"), np.datetime64("NaT", "us"), us("2025-01-01T02:00")])
    got = elapsed_seconds(start, end, np.array([True, True, False]), schedule)
    assert got[0] == 1800.0
    assert np.isnan(got[1:]).all()
    assert schedule.calls == [1]
    elapsed_seconds(start[:0], end[:0], np.zeros(0, dtype=bool), schedule)
    assert schedule.calls == [1]  # nothing to measure: not called


def test_sla_outcome_rules():
    created = np.array([us("2025-01-01T00:00")] * 5)
    nat = np.datetime64("NaT", "us")
    responded = np.array(
        [
            us("2025-01-01T01:00"),  # 1 h <= 1 h: achieved
            us("2025-01-01T01:00:01"),  # 1 h 1 s > 1 h: breached
            nat,  # unanswered, at 2 h: elapsed 2 h > 1 h: breached
            us("2025-01-01T03:00"),  # answered after `at`: unanswered as of 2 h, breached
            nat,  # unanswered, target 3 h not passed at 2 h: active
        ]
    )
    targets = np.array([3600.0, 3600.0, 3600.0, 3600.0, 10800.0])
    unresolved = np.full(5, nat)
    achieved, breached, not_applicable = sla_outcome(
        created, responded, targets, resolved=unresolved, at=us("2025-01-01T02:00"), schedule=None
    )
    assert achieved.tolist() == [True, False, False, False, False]
    assert breached.tolist() == [False, True, True, True, False]
    assert not not_applicable.any()
    # exactly at the target when judged: still active (a reply then would be on time)
    outcome = sla_outcome(
        created[4:], responded[4:], targets[4:], resolved=unresolved[4:],
        at=us("2025-01-01T03:00"), schedule=None,
    )  # fmt: skip
    assert [a.tolist() for a in outcome] == [[False], [False], [False]]


def test_sla_clock_stops_at_resolution():
    created = np.array([us("2025-01-01T00:00")] * 7)
    nat = np.datetime64("NaT", "us")
    cases = [
        # (first response, resolution, verdict at 06:00 with a 1 h target)
        (nat, us("2025-01-01T00:00:05"), "n/a"),  # closed unanswered in 5 s
        (nat, us("2025-01-01T05:00"), "n/a"),  # closed unanswered after the target passed
        (us("2025-01-01T04:00"), us("2025-01-01T03:00"), "n/a"),  # replied after closing
        (us("2025-01-01T00:30"), us("2025-01-01T00:30"), "achieved"),  # reply and solve at once
        (us("2025-01-01T02:00"), us("2025-01-01T02:00"), "breached"),  # the same, but late
        (nat, us("2025-01-01T06:00"), "breached"),  # resolved at `at`: not yet, so waiting
        (us("2025-01-01T00:10"), us("2025-01-01T01:00"), "achieved"),  # replied, then solved
    ]
    responded = np.array([case[0] for case in cases])
    resolved = np.array([case[1] for case in cases])
    achieved, breached, not_applicable = sla_outcome(
        created, responded, np.full(7, 3600.0), resolved=resolved,
        at=us("2025-01-01T06:00"), schedule=None,
    )  # fmt: skip
    verdicts = [
        "achieved" if a else "breached" if b else "n/a" if n else "active"
        for a, b, n in zip(achieved, breached, not_applicable)
    ]
    assert verdicts == [case[2] for case in cases]
    # judged at 04:00, before its resolution at 05:00, the second ticket is still unanswered
    # 3 h past its target: breached; the first, closed at 00:00:05, has no verdict
    achieved, breached, not_applicable = sla_outcome(
        created[:2], responded[:2], np.full(2, 3600.0), resolved=resolved[:2],
        at=us("2025-01-01T04:00"), schedule=None,
    )  # fmt: skip
    assert (breached.tolist(), not_applicable.tolist()) == ([False, True], [True, False])
    # once resolved, the verdict no longer depends on when the tickets are judged
    for at in ("2025-01-01T05:00:01", "2025-01-02", "2026-01-01"):
        _, breached, not_applicable = sla_outcome(
            created[:2], responded[:2], np.full(2, 3600.0), resolved=resolved[:2],
            at=us(at), schedule=None,
        )  # fmt: skip
        assert (breached.tolist(), not_applicable.tolist()) == ([False, False], [True, True])


@given(
    st.lists(
        st.tuples(
            st.integers(0, 48),  # created, hours after 2025-03-01
            st.none() | st.integers(0, 72),  # reply delay, hours
            st.none() | st.integers(0, 72),  # resolution delay, hours
            st.sampled_from([1, 8, 24]),  # target, hours
        ),
        max_size=20,
    ),
    st.integers(0, 120),
)
def test_sla_outcome_matches_the_rules_per_ticket(rows, judged):
    """The verdict of each ticket, written out with Python datetimes, one ticket at a time."""
    base = datetime(2025, 3, 1, tzinfo=UTC)
    at = base + timedelta(hours=judged)
    rows = [row for row in rows if base + timedelta(hours=row[0]) < at]
    want = []
    for created_h, reply, done, target in rows:
        created = base + timedelta(hours=created_h)
        reply_at = None if reply is None else created + timedelta(hours=reply)
        done_at = None if done is None else created + timedelta(hours=done)
        if reply_at is not None and reply_at >= at:
            reply_at = None  # not happened yet
        if done_at is not None and done_at < at and (reply_at is None or reply_at > done_at):
            want.append("n/a")
        elif reply_at is not None:
            want.append("achieved" if reply_at - created <= timedelta(hours=target) else "breached")
        else:
            want.append("breached" if at - created > timedelta(hours=target) else "active")

    def instants(offsets):
        stamps = [
            "NaT"
            if hours is None
            else np.datetime64(base.replace(tzinfo=None), "us")
            + np.timedelta64(created_h + hours, "h")
            for created_h, hours in offsets
        ]
        return np.array(stamps, dtype="datetime64[us]")

    created = instants([(row[0], 0) for row in rows])
    responded = instants([(row[0], row[1]) for row in rows])
    resolved = instants([(row[0], row[2]) for row in rows])
    targets = np.array([row[3] * 3600.0 for row in rows])
    achieved, breached, not_applicable = sla_outcome(
        created, responded, targets, resolved=resolved,
        at=np.datetime64(at.replace(tzinfo=None), "us"), schedule=None,
    )  # fmt: skip
    got = [
        "achieved" if a else "breached" if b else "n/a" if n else "active"
        for a, b, n in zip(achieved, breached, not_applicable)
    ]
    assert got == want
    assert not (achieved & breached).any()
    assert not ((achieved | breached) & not_applicable).any()


def test_durations_on_business_time():
    desk = Schedule.weekdays("09:00", "17:00")  # UTC, Monday to Friday
    d = ticket_durations(COLUMNS, schedule=desk)
    assert d.clock == "business"
    # T-1 Mon 09:00 -> 11:30 = 9000; resolved Tue 09:00: Mon 09:00-17:00 = 8 h = 28800
    # T-3 Wed 10:00 -> 10:00:30 = 30; resolved Thu 12:00: Wed 7 h + Thu 3 h = 36000
    assert d.first_response_seconds.tolist()[::2] == [9000.0, 30.0]
    assert d.resolution_seconds.tolist()[::2] == [28800.0, 36000.0]
    assert np.isnan(d.first_response_seconds[1])
    # always open: business time is calendar time
    always = ticket_durations(COLUMNS, schedule=Schedule.always())
    calendar = ticket_durations(COLUMNS)
    assert always.to_dict() == {**calendar.to_dict(), "clock": "business"}


@given(tickets_strategy)
def test_business_durations_match_the_schedule_per_ticket(rows):
    desk = Schedule.weekdays("08:00", "18:00", timezone="Europe/Paris")
    base = datetime(2024, 1, 1, tzinfo=UTC)
    records = []
    for i, (created, reply, resolve, zone, micros) in enumerate(rows):
        start = (base + timedelta(seconds=created, microseconds=micros)).astimezone(zone)
        records.append(
            Ticket(
                id=f"T{i}",
                account_id="A",
                channel="email",
                created_at=start,
                first_response_at=None if reply is None else start + timedelta(seconds=reply),
                resolved_at=None if resolve is None else start + timedelta(seconds=resolve),
            )
        )
    d = ticket_durations(records, schedule=desk)
    for i, record in enumerate(records):
        for got, event in (
            (d.first_response_seconds[i], record.first_response_at),
            (d.resolution_seconds[i], record.resolved_at),
        ):
            if event is None:
                assert math.isnan(got)
            else:
                assert got == desk.business_seconds(record.created_at, event)
