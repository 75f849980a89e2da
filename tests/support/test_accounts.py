"""``account_metrics`` against a hand-worked example and a slow per-ticket reference.

References: the tickets of ``tests/support/worked.py`` measured by hand as of
2025-03-15T10:15Z over a 14-day window (arithmetic in comments), and `reference` below (a
loop over records with Python datetimes, dicts per account and ``statistics.median``)
compared on random tickets with Hypothesis.
"""

from __future__ import annotations

import json
import math
import statistics
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.support.worked import seconds, ticket_lists, worked_columns, worked_records

from cshealth import Account, InvalidInputError, Table
from cshealth._measures import MeasureTable
from cshealth.support._accounts import account_metrics
from cshealth.support._schedule import Schedule
from cshealth.support._sla import SLAPolicy

UTC = timezone.utc
AS_OF = datetime(2025, 3, 15, 10, 15, tzinfo=UTC)
POLICY = SLAPolicy(by_priority={"urgent": 1, "high": 4})
MEASURES = (
    "open_tickets",
    "tickets",
    "tickets_per_seat",
    "median_first_response_hours",
    "sla_breaches",
    "reopens",
    "escalations",
    "last_ticket_age_days",
)


def measured(*, columns=None, **kwargs):
    options = {"as_of": AS_OF, "window_days": 14, "sla": POLICY, **kwargs}
    return account_metrics(worked_columns() if columns is None else columns, **options)


def unresolved(*ids):
    """The worked tickets with the tickets ``ids`` never resolved."""
    columns = worked_columns()
    for row, ticket in enumerate(columns["id"]):
        if ticket in ids:
            columns["resolved_at"][row] = None
    return columns


# --- the worked example -----------------------------------------------------------------------
# as_of 2025-03-15T10:15Z, window [2025-03-01T10:15Z, 2025-03-15T10:15Z).
# Tickets created before as_of: A1 T01 T02 T07 T13, A2 T03 T04, A3 T05 T06, A5 T11.
# A4's tickets (T08 03-20, T10 03-31) and T09, T12, T14 come later.


def test_rows_and_columns():
    m = measured()
    assert isinstance(m, MeasureTable)
    assert m.source == "support"
    assert m.as_of == np.datetime64("2025-03-15T10:15", "us")
    assert m.account_ids.tolist() == ["A1", "A2", "A3", "A5"]
    assert m.measures == MEASURES
    for name in ("open_tickets", "tickets", "sla_breaches", "reopens", "escalations"):
        assert m[name].dtype == np.int64
    for name in ("tickets_per_seat", "median_first_response_hours", "last_ticket_age_days"):
        assert m[name].dtype == np.float64


def test_worked_values():
    m = measured(seats={"A1": 10, "A2": 0, "A3": None})
    # open: A1 T07 (resolved 10:30, after as_of); A5 T11 (never resolved)
    assert m["open_tickets"].tolist() == [1, 0, 0, 1]
    # window: A1 T02 T07, A2 T03 T04, A3 T05 T06, A5 none
    assert m["tickets"].tolist() == [2, 2, 2, 0]
    # A1 2 / 10 seats; A2 has 0 seats (undefined); A3 seats unknown; A5 no seats given
    assert m["tickets_per_seat"].tolist()[0] == 0.2
    assert np.isnan(m["tickets_per_seat"][1:]).all()
    # A1: T02 3 h, T07 10 min -> (3 + 1/6) / 2; A2: T03 2 h, T04 30 s -> (2 + 30/3600) / 2;
    # A3: no reply; A5: no window ticket
    medians = m["median_first_response_hours"]
    assert medians[:2].tolist() == pytest.approx([(3 + 1 / 6) / 2, (2 + 30 / 3600) / 2])
    assert np.isnan(medians[2:]).all()
    # A2: T03 urgent 2 h > 1 h; A1 on time. A3's T05 and T06 were never answered, but both
    # abandoned contacts were closed minutes after they came in (03-11 14:07, 03-12
    # 09:00:05): the SLA clock stopped at resolution, so they have no verdict.
    assert m["sla_breaches"].tolist() == [0, 1, 0, 0]
    # left open, they would have waited for days (> 24 h): both breached
    assert measured(columns=unresolved("T05", "T06"))["sla_breaches"].tolist() == [0, 1, 2, 0]
    # reopened_count over window tickets: A2 T03 1 (T01's reopen is outside the window)
    assert m["reopens"].tolist() == [0, 1, 0, 0]
    # high or urgent: A1 T02 high, A2 T03 urgent
    assert m["escalations"].tolist() == [1, 1, 0, 0]
    # latest ticket: A1 T07 10:00 (15 min = 1/96 d), A2 T04 03-10 08:00 (5 d 2 h 15 min),
    # A3 T06 03-12 09:00 (3 d 1 h 15 min), A5 T11 02-25 09:00 (18 d 1 h 15 min)
    assert m["last_ticket_age_days"].tolist() == pytest.approx(
        [1 / 96, 5 + 2.25 / 24, 3 + 1.25 / 24, 18 + 1.25 / 24]
    )


def test_default_policy_and_window():
    # 24 h for every priority: T03 (2 h) is on time; 90 days covers every ticket
    m = account_metrics(worked_columns(), as_of=AS_OF)
    # A5: T11 answered after 4 days; A3's calls were closed unanswered: no verdict
    assert m["sla_breaches"].tolist() == [0, 0, 0, 1]
    assert m["tickets"].tolist() == [4, 2, 2, 1]
    assert m["reopens"].tolist() == [1, 1, 0, 0]  # T01 now in the window
    assert m["escalations"].tolist() == [2, 1, 0, 0]  # T02 high, T13 high


def test_window_edges_and_date_as_of():
    # as_of a date is midnight UTC; window [2025-03-05T00:00, 2025-03-12T00:00) by 7 days:
    # T03 (03-05T10:00) T04 T05 in, T06 (03-12T09:00) is after as_of
    m = account_metrics(worked_columns(), as_of=date(2025, 3, 12), window_days=7)
    assert dict(zip(m.account_ids.tolist(), m["tickets"].tolist())) == {
        "A1": 0,
        "A2": 2,
        "A3": 1,
        "A5": 0,
    }
    # a fractional window: 6.5 days back from 2025-03-12T00:00 is 2025-03-05T12:00
    m = account_metrics(worked_columns(), as_of=date(2025, 3, 12), window_days=6.5)
    assert m["tickets"].tolist() == [0, 1, 1, 0]


def test_listed_accounts():
    m = measured(accounts={"A5", "A1", "A9"})
    assert m.account_ids.tolist() == ["A1", "A5", "A9"]
    assert m["tickets"].tolist() == [2, 0, 0]
    assert m["open_tickets"].tolist() == [1, 1, 0]  # A9: measured zero
    assert np.isnan(m["median_first_response_hours"][2])
    assert np.isnan(m["last_ticket_age_days"][2])
    assert np.isnan(m["tickets_per_seat"]).all()  # no seats known
    # an empty list: an empty table
    assert measured(accounts=[]).n_accounts == 0


def test_accounts_with_seats():
    accounts = [
        Account(id="A1", name="One", start_date=date(2024, 1, 1), seats=4),
        Account(id="A3", name="Three", start_date=date(2024, 1, 1), seats=None),
        Account(id="A7", name="Seven", start_date=date(2024, 1, 1), seats=5),
    ]
    m = measured(accounts=accounts)
    assert m.account_ids.tolist() == ["A1", "A3", "A7"]
    # A1 2 tickets / 4 seats; A3 seats unknown; A7 0 tickets / 5 seats
    assert m["tickets_per_seat"].tolist()[::2] == [0.5, 0.0]
    assert np.isnan(m["tickets_per_seat"][1])
    # the seats mapping wins over the accounts' seats
    m = measured(accounts=accounts, seats={"A1": 8, "A3": 1})
    assert m["tickets_per_seat"].tolist() == [0.25, 2.0, 0.0]
    expected = m.to_dict()
    assert measured(accounts=iter(accounts), seats={"A1": 8, "A3": 1}).to_dict() == expected
    assert measured(accounts=tuple(accounts), seats={"A1": 8, "A3": 1}).to_dict() == expected
    columns = {"id": ["A7", "A3", "A1"], "seats": [5, None, 4]}
    for form in (columns, pd.DataFrame(columns), Table(columns)):
        assert measured(accounts=form, seats={"A1": 8, "A3": 1}).to_dict() == expected
    # a table of ids without seats
    assert measured(accounts={"id": ["A1"]})["tickets"].tolist() == [2]
    # whole-number ids never match text ids: an error, not an empty table
    with pytest.raises(InvalidInputError, match=r"`accounts`: whole numbers; the tickets'"):
        measured(accounts=np.array([1, 2]))


def test_inputs_agree_and_serialise():
    expected = measured().to_dict()
    assert (
        account_metrics(worked_records(), as_of=AS_OF, window_days=14, sla=POLICY).to_dict()
        == expected
    )
    frame = pd.DataFrame(worked_columns())
    assert account_metrics(frame, as_of=AS_OF, window_days=14, sla=POLICY).to_dict() == expected
    json.dumps(expected)
    assert repr(measured()) == "MeasureTable(support: 4 accounts x 8 measures)"


def test_no_tickets():
    m = account_metrics([], as_of=AS_OF)
    assert m.n_accounts == 0
    assert m.measures == MEASURES
    m = account_metrics([], as_of=AS_OF, accounts=["A1"], seats={"A1": 3})
    assert m.account("A1") == {
        "account_id": "A1",
        "open_tickets": 0,
        "tickets": 0,
        "tickets_per_seat": 0.0,
        "median_first_response_hours": None,
        "sla_breaches": 0,
        "reopens": 0,
        "escalations": 0,
        "last_ticket_age_days": None,
    }
    # tickets only after as_of
    assert account_metrics(worked_columns(), as_of=date(2025, 1, 1)).n_accounts == 0


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("window", [0, -1, math.nan, math.inf, True, "90", None])
def test_bad_window(window):
    with pytest.raises(
        InvalidInputError, match=r"`window_days` must be a finite number in \(0, 36525\]"
    ):
        account_metrics(worked_columns(), as_of=AS_OF, window_days=window)


def test_bad_as_of_and_policy():
    with pytest.raises(InvalidInputError, match="`as_of` is a naive datetime"):
        account_metrics(worked_columns(), as_of=datetime(2025, 3, 1))
    with pytest.raises(InvalidInputError, match="`sla` must be an SLAPolicy or None"):
        account_metrics(worked_columns(), as_of=AS_OF, sla=4)


@pytest.mark.parametrize(
    ("seats", "message"),
    [
        ({"A1": -1}, r"`seats` of account 'A1' is -1; seats are numbers >= 0 or None"),
        ({"A1": "ten"}, r"`seats` of account 'A1' is 'ten'"),
        ({"A1": True}, r"`seats` of account 'A1' is True"),
        ({"A1": math.inf}, r"`seats` of account 'A1' is inf"),
        ([("A1", 3)], r"`seats` must be a mapping from id to value, got list"),
        ({1: 3}, r"`seats` is keyed by whole numbers \(1\), but the account ids are text"),
    ],
)
def test_bad_seats(seats, message):
    with pytest.raises(InvalidInputError, match=message):
        measured(seats=seats)


def test_bad_accounts():
    with pytest.raises(InvalidInputError, match=r"lists the ids \['A1'\] more than once"):
        measured(accounts=["A1", "A2", "A1"])
    with pytest.raises(InvalidInputError, match="row 2: `accounts`: an identifier is required"):
        measured(accounts=["A1", None])
    with pytest.raises(InvalidInputError, match="`accounts` must be account ids"):
        measured(accounts=[["A1"], ["A2"]])
    with pytest.raises(InvalidInputError, match="accounts need the columns"):
        measured(accounts={"name": ["A1"]})
    with pytest.raises(InvalidInputError, match="1 of 1 Account rows are invalid"):
        measured(accounts={"id": ["A1"], "seats": [-2]})


def test_bad_tickets():
    columns = worked_columns()
    columns["resolved_at"][2] = "2025-03-01T00:00Z"  # before T03 was created
    with pytest.raises(InvalidInputError, match="1 of 14 Ticket rows are invalid") as info:
        account_metrics(columns, as_of=AS_OF)
    assert [(e.row, e.field) for e in info.value.errors] == [(3, "resolved_at")]
    columns = worked_columns()
    columns["id"][1] = "T01"
    with pytest.raises(InvalidInputError, match="ticket ids must be distinct; 1 id is used"):
        account_metrics(columns, as_of=AS_OF)


# --- against the reference ----------------------------------------------------------------------


def reference(tickets, as_of, *, window_days, targets, default_hours, seats, schedule=None,
              sla_schedule=None):  # fmt: skip
    """One dict of measures per account, built one ticket at a time."""
    since = as_of - timedelta(days=window_days)
    rows: dict[str, dict[str, object]] = {}
    replies: dict[str, list[float]] = {}
    for t in tickets:
        if t.created_at >= as_of:
            continue
        row = rows.setdefault(
            t.account_id,
            dict.fromkeys(("open_tickets", "tickets", "sla_breaches", "reopens", "escalations"), 0),
        )
        replies.setdefault(t.account_id, [])
        latest = row.get("latest")
        row["latest"] = t.created_at if latest is None else max(latest, t.created_at)
        if t.resolved_at is None or t.resolved_at >= as_of:
            row["open_tickets"] += 1
        if t.created_at < since:
            continue
        row["tickets"] += 1
        row["reopens"] += t.reopened_count
        row["escalations"] += t.priority in ("high", "urgent")
        target = targets.get(t.priority, default_hours) * 3600
        answered = t.first_response_at is not None and t.first_response_at < as_of
        if answered:
            replies[t.account_id].append(
                seconds(t.created_at, t.first_response_at, schedule) / 3600
            )
        done = t.resolved_at
        if done is not None and done < as_of and not (answered and t.first_response_at <= done):
            late = False  # closed without a reply: the SLA clock stopped, no verdict
        elif answered:
            late = seconds(t.created_at, t.first_response_at, sla_schedule) > target
        else:
            late = seconds(t.created_at, as_of, sla_schedule) > target
        row["sla_breaches"] += late
    out = {}
    for account in sorted(rows):
        row = rows[account]
        latest = row.pop("latest")
        seat = seats.get(account)
        row["tickets_per_seat"] = row["tickets"] / seat if seat else None
        found = replies[account]
        row["median_first_response_hours"] = statistics.median(found) if found else None
        row["last_ticket_age_days"] = (as_of - latest) / timedelta(days=1)
        out[account] = row
    return out


@given(
    ticket_lists(),
    st.integers(0, 40),
    st.sampled_from([1, 7, 13.5, 90]),
    st.dictionaries(st.sampled_from(["A1", "A2", "A3"]), st.integers(0, 5)),
)
def test_matches_the_reference(tickets, day, window_days, seats):
    as_of = datetime(2025, 3, 1, 6, tzinfo=UTC) + timedelta(days=day)
    policy = SLAPolicy(first_response_hours=8, by_priority={"urgent": 1, "high": 4})
    m = account_metrics(tickets, as_of=as_of, window_days=window_days, sla=policy, seats=seats)
    want = reference(
        tickets, as_of, window_days=window_days, targets={"urgent": 1, "high": 4},
        default_hours=8, seats=seats,
    )  # fmt: skip
    assert m.account_ids.tolist() == list(want)
    for record in m.to_records():
        expected = want[record.pop("account_id")]
        assert record.keys() == expected.keys()
        for name, value in record.items():
            if isinstance(value, float):
                assert value == pytest.approx(expected[name], rel=1e-12), name
            else:
                assert value == expected[name], name


SCHEDULES = (
    Schedule.weekdays("09:00", "17:00"),
    Schedule.weekdays("08:30", "17:00", timezone="Europe/Paris", holidays=[date(2025, 3, 14)]),
)


@given(
    ticket_lists(),
    st.integers(0, 40),
    st.sampled_from([1, 7, 13.5, 90]),
    st.sampled_from(SCHEDULES),
    st.sampled_from(["business", "calendar"]),
)
def test_matches_the_reference_on_business_time(tickets, day, window_days, schedule, clock):
    as_of = datetime(2025, 3, 1, 6, tzinfo=UTC) + timedelta(days=day)
    policy = SLAPolicy(first_response_hours=8, by_priority={"urgent": 1, "high": 4}, clock=clock)
    m = account_metrics(
        tickets, as_of=as_of, window_days=window_days, sla=policy, schedule=schedule
    )
    want = reference(
        tickets, as_of, window_days=window_days, targets={"urgent": 1, "high": 4},
        default_hours=8, seats={}, schedule=schedule,
        sla_schedule=schedule if clock == "business" else None,
    )  # fmt: skip
    assert m.account_ids.tolist() == list(want)
    for record in m.to_records():
        expected = want[record.pop("account_id")]
        for name, value in record.items():
            if isinstance(value, float):
                assert value == pytest.approx(expected[name], rel=1e-12), name
            else:
                assert value == expected[name], name


def test_worked_example_on_business_time():
    # 09:00-17:00 UTC on weekdays. A1: T02 Mon 09:00 -> 12:00 = 3 h; T07 on a Saturday = 0
    # -> median 1.5 h. A2: T03 Wed 10:00 -> 12:00 = 2 h; T04 Mon 08:00 -> 08:00:30 before
    # opening = 0 -> median 1 h. A3's T05 and T06 were closed unanswered: no verdict.
    desk = Schedule.weekdays("09:00", "17:00")
    m = measured(schedule=desk)
    assert m["median_first_response_hours"].tolist()[:2] == [1.5, 1.0]
    assert m["sla_breaches"].tolist() == [0, 1, 0, 0]
    # Left open, T05 (Tue 14:00) by Sat 10:15 would have waited Tue 3 h + Wed, Thu, Fri
    # 24 h = 27 h > 24 h: breached; T06 (Wed 09:00) 24 h: not above its 24 h target, still
    # active.
    m = measured(columns=unresolved("T05", "T06"), schedule=desk)
    assert m["sla_breaches"].tolist() == [0, 1, 1, 0]


# --- absent columns are not measured ----------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "default", "measures"),
    [
        ("resolved_at", None, ["open_tickets", "sla_breaches"]),
        ("first_response_at", None, ["median_first_response_hours", "sla_breaches"]),
        ("reopened_count", 0, ["reopens"]),
        ("priority", "normal", ["escalations"]),
    ],
)
def test_a_measure_without_its_column_is_nan_with_the_reason(column, default, measures):
    columns = worked_columns()
    # the old reading: the absent column filled with the model's default, given explicitly
    filled = measured(columns={**columns, column: [default] * len(columns["id"])})
    partial = measured(columns={name: v for name, v in columns.items() if name != column})
    assert partial.not_measured == dict.fromkeys(measures, f"no `{column}` column")
    assert filled.not_measured == {}
    for name in MEASURES:
        if name in measures:
            assert np.isnan(partial[name]).all(), name
        else:  # every other measure keeps its number
            np.testing.assert_array_equal(partial[name], filled[name], err_msg=name)
    assert partial.to_dict()["not_measured"] == partial.not_measured
    assert measured().not_measured == {}


def test_records_always_measure_every_column():
    assert measured(columns=worked_records()).not_measured == {}
