"""Active users, stickiness, L28 and seat utilisation, against a plain set-based reference."""

from __future__ import annotations

import json
import math
import pickle
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth._exceptions import AccountNotFoundError, InvalidInputError
from cshealth._stats import Rate
from cshealth.adoption._active import active_users
from cshealth.adoption._active_result import ActiveUsers
from cshealth.io import Table
from cshealth.models import Account, UsageEvent

UTC = timezone.utc
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")
#: Days with an offset change in one of the zones (and one without).
AS_OF_DAYS = (
    date(2025, 3, 31),  # Berlin springs forward on the 30th
    date(2025, 3, 10),  # New York on the 9th
    date(2025, 4, 7),  # Lord Howe falls back half an hour on the 6th
    date(2025, 11, 3),  # New York falls back on the 2nd
    date(2025, 6, 15),
)


# --- the reference: dictionaries of sets, one Python loop --------------------------------


@dataclass
class Expected:
    ids: list[str]
    dau: list[int]
    wau: list[int]
    mau: list[int]
    mean_dau: list[float]
    l28: list[list[int]]
    daily: list[list[int]]


Event = tuple[str, str, datetime, "str | None"]


def reference(
    events: Sequence[Event],
    *,
    as_of: date | datetime,
    days: int,
    zone: str,
    features: set[str] | None = None,
    accounts: list[str] | None = None,
) -> Expected:
    info = ZoneInfo(zone)
    if isinstance(as_of, datetime):
        end, end_date = as_of, as_of.astimezone(info).date()
    else:  # midnight exists on every as_of day drawn here
        end, end_date = datetime.combine(as_of, time(0), tzinfo=info), as_of
    first = end_date - timedelta(days=days)
    seen: set[str] = set()
    active: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for account, user, at, feature in events:
        local = at.astimezone(info).date()
        if at >= end or not first <= local < end_date:
            continue
        seen.add(account)
        if features is None or feature in features:
            active[account][(local - first).days].add(user)
    ids = sorted(seen) if accounts is None else sorted(accounts)
    out = Expected(ids, [], [], [], [], [], [])
    for account in ids:
        per_day = [active[account][d] for d in range(days)]
        month = set().union(*per_day)
        out.dau.append(len(per_day[-1]))
        out.wau.append(len(set().union(*per_day[-7:])))
        out.mau.append(len(month))
        out.mean_dau.append(sum(len(users) for users in per_day) / days)
        counts = Counter(sum(user in users for users in per_day) for user in month)
        out.l28.append([counts[k] for k in range(1, days + 1)])
        out.daily.append([len(users) for users in per_day])
    return out


def check(got: ActiveUsers, want: Expected) -> None:
    assert got.account_ids.tolist() == want.ids
    assert got.dau.tolist() == want.dau
    assert got.wau.tolist() == want.wau
    assert got.mau.tolist() == want.mau
    assert got.mean_dau == pytest.approx(want.mean_dau)
    assert got.l28.tolist() == want.l28
    assert got.daily.tolist() == want.daily
    mau = np.array(want.mau, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.testing.assert_allclose(got.dau_mau, np.array(want.mean_dau) / mau)
        np.testing.assert_allclose(got.wau_mau, np.array(want.wau) / mau)


def columns(events: Sequence[Event]) -> dict[str, Any]:
    return {
        "account_id": [e[0] for e in events],
        "user_id": [e[1] for e in events],
        "occurred_at": [e[2] for e in events],
        "feature": [e[3] for e in events],
    }


# --- Hypothesis against the reference -----------------------------------------------------


@dataclass
class Case:
    events: list[Event]
    as_of: date | datetime
    days: int
    zone: str
    features: set[str] | None
    accounts: list[str] | None

    def expected(self) -> Expected:
        return reference(
            self.events,
            as_of=self.as_of,
            days=self.days,
            zone=self.zone,
            features=self.features,
            accounts=self.accounts,
        )

    def run(self, data: object) -> ActiveUsers:
        return active_users(
            data,
            as_of=self.as_of,
            window_days=self.days,
            timezone=self.zone,
            features=self.features,
            accounts=self.accounts,
        )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(AS_OF_DAYS))
    as_of: date | datetime = day
    if draw(st.booleans()):  # an instant within the day: the window still ends at its start
        as_of = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(
            minutes=draw(st.integers(-36 * 60, 36 * 60))
        )
    days = draw(st.integers(7, 35))
    end = datetime.combine(day, time(0), tzinfo=UTC)
    minutes = st.integers(-(days + 3) * 1440, 2 * 1440)
    event = st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.sampled_from(["u1", "u2", "u3", "u4", "u5"]),  # the same user id at several accounts
        st.builds(lambda m: end + timedelta(minutes=m), minutes),
        st.sampled_from([None, "reports", "api", "login"]),
    )
    events: list[Event] = draw(st.lists(event, max_size=60))
    repeat = draw(st.booleans())
    if events and repeat:  # repeated events: the same user, instant and feature
        events = events + draw(st.lists(st.sampled_from(events), max_size=10))
    features = draw(st.none() | st.sets(st.sampled_from(["reports", "api", "missing"])))
    accounts = draw(st.none() | st.lists(st.sampled_from(["A", "C", "Z"]), unique=True))
    return Case(events, as_of, days, zone, features, accounts)


@given(cases(), st.sampled_from(["columns", "records", "frame", "table"]))
def test_matches_the_set_based_reference(case: Case, form: str) -> None:
    data: object = columns(case.events)
    if form == "records":
        data = [
            UsageEvent(account_id=a, user_id=u, occurred_at=t, feature=f)
            for a, u, t, f in case.events
        ]
    elif form == "frame":
        data = pd.DataFrame(columns(case.events))
    elif form == "table":
        data = Table({k: np.array(v, dtype=object) for k, v in columns(case.events).items()})
    check(case.run(data), case.expected())


NUMBERS = {"A": 10, "B": 2, "C": 33, "D": 7, "Z": 5, "u1": 1, "u2": 2, "u3": 30, "u4": 4, "u5": 5}


@given(cases(), st.booleans())
def test_integer_ids_stay_integers_in_numeric_order(case: Case, frame: bool) -> None:
    # integer columns stay integers: the reference counts the same numbers as Python ints
    data = columns(case.events)
    data["account_id"] = np.array([NUMBERS[a] for a in data["account_id"]], dtype=np.int32)
    data["user_id"] = np.array([NUMBERS[u] for u in data["user_id"]], dtype=np.int64)
    named = [(NUMBERS[a], NUMBERS[u], t, f) for a, u, t, f in case.events]
    listed = None if case.accounts is None else [NUMBERS[a] for a in case.accounts]
    want = reference(
        named,
        as_of=case.as_of,
        days=case.days,
        zone=case.zone,
        features=case.features,
        accounts=listed,
    )
    got = active_users(
        pd.DataFrame(data) if frame else data,
        as_of=case.as_of,
        window_days=case.days,
        timezone=case.zone,
        features=case.features,
        accounts=None if case.accounts is None else [NUMBERS[a] for a in case.accounts],
    )
    check(got, want)


@given(cases())
def test_invariants(case: Case) -> None:
    res = case.run(columns(case.events))
    assert (res.dau <= res.wau).all()
    assert (res.wau <= res.mau).all()
    sticky = res.dau_mau[res.mau > 0]
    assert ((sticky >= 0) & (sticky <= 1)).all()
    assert np.isnan(res.dau_mau[res.mau == 0]).all()
    k = np.arange(1, case.days + 1)
    assert (res.l28.sum(axis=1) == res.mau).all()  # every active user is active on some k days
    assert (res.l28 @ k == res.daily.sum(axis=1)).all()  # user-days counted both ways
    assert res.l28.shape == res.daily.shape == (len(res), case.days)
    counts, shares = res.histogram()
    assert counts.tolist() == res.l28.sum(axis=0).tolist()
    if counts.sum():
        assert shares.sum() == pytest.approx(1.0)
    else:
        assert np.isnan(shares).all()


# --- worked examples ----------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_worked_example() -> None:
    # Window: the 28 days 2025-12-04..2025-12-31 before as_of 2026-01-01 (UTC).
    events = [
        ("A", "ana", at("2025-12-31T09:00"), "reports"),
        ("A", "ana", at("2025-12-31T18:00"), "api"),  # same day again: still one user-day
        ("A", "ana", at("2025-12-30T09:00"), None),
        ("A", "ana", at("2025-12-10T09:00"), "reports"),
        ("A", "bo", at("2025-12-26T09:00"), "reports"),  # 6th-last day: in the WAU
        ("A", "bo", at("2025-12-24T23:59"), "reports"),  # 8th-last day: in the MAU only
        ("A", "cy", at("2025-12-04T00:00"), None),  # the first day of the window
        ("A", "dee", at("2025-12-03T23:59"), None),  # the day before: not counted
        ("A", "eve", at("2026-01-01T00:00"), None),  # as_of itself: not seen
        ("B", "ana", at("2025-12-31T12:00"), "api"),  # another account's ana: another user
    ]
    res = active_users(columns(events), as_of=date(2026, 1, 1), seats={"A": 2, "B": 0})
    assert res.account_ids.tolist() == ["A", "B"]
    # A: ana on the 10th, 30th and 31st (3 days); bo on the 24th and 26th (2); cy on the 4th (1)
    assert res.dau.tolist() == [1, 1]  # A: ana on the 31st
    assert res.wau.tolist() == [2, 1]  # A: ana and bo in 25..31 December
    assert res.mau.tolist() == [3, 1]  # A: ana, bo, cy
    # A: user-days 3 + 2 + 1 = 6 over 28 days -> mean DAU 6/28; stickiness 6/28/3 = 1/14
    assert res.mean_dau.tolist() == pytest.approx([6 / 28, 1 / 28])
    assert res.dau_mau.tolist() == pytest.approx([1 / 14, 1 / 28])
    assert res.wau_mau.tolist() == pytest.approx([2 / 3, 1.0])
    assert res.l28[0, :4].tolist() == [1, 1, 1, 0]  # cy on 1 day, bo on 2, ana on 3
    assert res.daily[0, [0, 6, 20, 22, 26, 27]].tolist() == [1, 1, 1, 1, 1, 1]
    assert res.daily[0].sum() == 6
    # seats: A has 3 active users on 2 seats -> 1.5, kept above 1; B has 0 seats -> NaN
    assert res.seats.tolist()[0] == 2.0
    assert res.seat_utilisation[0] == 1.5
    assert math.isnan(res.seat_utilisation[1])
    assert res.stickiness("A") == Rate(6, 84)
    # only reports count: A has ana (10th, 31st) and bo (24th, 26th); B has nobody
    reports = active_users(columns(events), as_of=date(2026, 1, 1), features=["reports"])
    assert reports.account_ids.tolist() == ["A", "B"]  # B had an event in the window
    assert reports.mau.tolist() == [2, 0]
    assert reports.l28[0, :3].tolist() == [0, 2, 0]
    assert math.isnan(reports.dau_mau[1])
    assert reports.stickiness("B").statistic is None


def test_local_days_in_a_time_zone() -> None:
    # as_of 2026-01-01 in Berlin is 2025-12-31T23:00Z: an event at 23:30Z is on 1 January
    events = [
        ("A", "u1", at("2025-12-31T23:30"), None),
        ("A", "u2", at("2025-12-31T22:30"), None),  # 23:30 on the 31st in Berlin
        ("A", "u3", at("2025-12-03T23:30"), None),  # 00:30 on 4 December: the first day
    ]
    res = active_users(columns(events), as_of=date(2026, 1, 1), timezone="Europe/Berlin")
    assert res.as_of == datetime(2025, 12, 31, 23, tzinfo=UTC)
    assert (res.dau.tolist(), res.mau.tolist()) == ([1], [2])
    assert (res.first_day, res.last_day) == (date(2025, 12, 4), date(2025, 12, 31))
    utc = active_users(columns(events), as_of=date(2026, 1, 1))
    assert (utc.dau.tolist(), utc.mau.tolist()) == ([2], [2])  # u1 and u2 on the 31st, UTC


def test_a_zone_whose_local_day_steps_back() -> None:
    # Goose Bay fell back at 00:01 ADT on 30 October 2005 (03:01Z) to 23:01 AST on the 29th:
    # events in time order whose local days go 29th, 30th, 29th, 30th
    events = [
        ("A", "u1", at("2005-10-30T02:30"), None),  # 23:30 ADT on the 29th
        ("A", "u2", at("2005-10-30T03:00:30"), None),  # 00:00:30 ADT on the 30th
        ("A", "u3", at("2005-10-30T03:30"), None),  # 23:30 AST on the 29th again
        ("A", "u4", at("2005-10-30T05:00"), None),  # 01:00 AST on the 30th
    ]
    zone = "America/Goose_Bay"
    for as_of in (date(2005, 10, 31), date(2005, 10, 30)):
        got = active_users(columns(events), as_of=as_of, window_days=7, timezone=zone)
        check(got, reference(events, as_of=as_of, days=7, zone=zone))
    last_two = active_users(columns(events), as_of=date(2005, 10, 31), window_days=7, timezone=zone)
    assert last_two.daily[0, -2:].tolist() == [2, 2]
    # as_of the 30th ends at its first instant (03:00Z): u3, though on the 29th, is later
    before = active_users(columns(events), as_of=date(2005, 10, 30), window_days=7, timezone=zone)
    assert before.mau.tolist() == [1]


def test_an_instant_as_of_counts_complete_days_only() -> None:
    events = [
        ("A", "u1", at("2025-12-31T08:00"), None),
        ("A", "u2", at("2026-01-01T08:00"), None),  # the day as_of falls in: incomplete
    ]
    noon = datetime(2026, 1, 1, 12, tzinfo=UTC)
    res = active_users(columns(events), as_of=noon)
    assert res.as_of == noon
    assert res.last_day == date(2025, 12, 31)
    assert (res.dau.tolist(), res.mau.tolist()) == ([1], [1])
    # the same instant in New York is 07:00 on 1 January there
    ny = active_users(columns(events), as_of=noon, timezone="America/New_York")
    assert ny.last_day == date(2025, 12, 31)
    assert ny.mau.tolist() == [1]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_an_instant_as_of_is_the_same_in_every_form(zone: str) -> None:
    # `as_of` is an `AsOf`: an instant as an aware datetime, ISO text with an offset, a
    # datetime64 with a time of day (UTC) or a pandas Timestamp is that instant, whatever
    # the zone (text and datetime64 instants were once read as the start of their UTC day)
    events = [
        ("A", "u1", at("2025-12-30T20:00"), None),
        ("A", "u2", at("2025-12-31T03:00"), None),
        ("A", "u3", at("2025-12-31T22:00"), None),
    ]
    instant = datetime(2026, 1, 1, 1, 30, tzinfo=UTC)
    forms = [
        instant,
        instant.astimezone(ZoneInfo("Asia/Tokyo")),
        "2026-01-01T01:30:00Z",
        "2026-01-01T02:30:00+01:00",
        np.datetime64("2026-01-01T01:30", "us"),
        pd.Timestamp("2026-01-01T01:30", tz="UTC"),
    ]
    results = [active_users(columns(events), as_of=form, timezone=zone) for form in forms]
    expected = results[0]
    assert expected.as_of == instant
    for got in results[1:]:
        assert got == expected
    # the last complete day is the day before the one the instant falls on in the zone
    local = instant.astimezone(ZoneInfo(zone)).date()
    assert expected.last_day == local - timedelta(days=1)


# --- accounts, seats and the shapes of the input ------------------------------------------

EVENTS = [
    ("A-2", "u1", at("2025-12-30T10:00"), "reports"),
    ("A-1", "u1", at("2025-12-30T10:00"), "reports"),
    ("A-1", "u2", at("2025-12-20T10:00"), None),
    ("A-9", "u3", at("2025-12-29T10:00"), None),
]


def test_listed_accounts_get_zeros_and_others_are_left_out() -> None:
    res = active_users(columns(EVENTS), as_of=date(2026, 1, 1), accounts=["Z-1", "A-1", " A-2 "])
    assert res.account_ids.tolist() == ["A-1", "A-2", "Z-1"]  # ids stripped, as events' are
    assert res.mau.tolist() == [2, 1, 0]
    assert res.l28.sum(axis=1).tolist() == [2, 1, 0]
    assert math.isnan(res.dau_mau[2])
    none = active_users(columns(EVENTS), as_of=date(2026, 1, 1), accounts=[])
    assert len(none) == 0


def test_seats_from_account_records_tables_and_mappings() -> None:
    records = [
        Account(id="A-1", name="One", start_date=date(2024, 1, 1), seats=1),
        Account(id="A-2", name="Two", start_date=date(2024, 1, 1)),
        Account(id="B-7", name="Idle", start_date=date(2024, 1, 1), seats=4),
    ]
    res = active_users(columns(EVENTS), as_of=date(2026, 1, 1), accounts=records)
    assert res.account_ids.tolist() == ["A-1", "A-2", "B-7"]
    assert res.seats[[0, 2]].tolist() == [1.0, 4.0]
    assert res.seat_utilisation[[0, 2]].tolist() == [2.0, 0.0]  # 2 users on 1 seat: kept
    assert np.isnan(res.seats[1])
    assert np.isnan(res.seat_utilisation[1])
    frame = pd.DataFrame({"id": ["A-1", "A-9"], "seats": [10, 3]})
    by_frame = active_users(columns(EVENTS), as_of=date(2026, 1, 1), accounts=frame)
    assert by_frame.seat_utilisation.tolist() == [0.2, 1 / 3]
    no_seats = active_users(columns(EVENTS), as_of=date(2026, 1, 1), accounts={"id": ["A-1"]})
    assert np.isnan(no_seats.seats).all()
    # a seats mapping wins over the accounts' seats
    mapped = active_users(
        columns(EVENTS), as_of=date(2026, 1, 1), accounts=records, seats={"A-2": 4, "X": 1}
    )
    assert np.isnan(mapped.seats[[0, 2]]).all()
    assert mapped.seat_utilisation[1] == 0.25


def test_a_user_under_two_accounts_is_two_users() -> None:
    res = active_users(columns(EVENTS), as_of=date(2026, 1, 1))
    assert res.account_ids.tolist() == ["A-1", "A-2", "A-9"]
    assert res.mau.tolist() == [2, 1, 1]
    assert res.histogram()[0][0] == 4  # four (account, user) pairs, each on one day


def test_user_ids_hashed_shared_and_numbered_far_apart() -> None:
    # many users, text ids and integer ids spread far apart (neither is a compact range)
    rng = np.random.default_rng(3)
    n = 3_000
    accounts = rng.integers(0, 40, n)
    users = rng.integers(0, 500, n)
    minutes = rng.integers(0, 28 * 1440, n)
    start = datetime(2025, 12, 4, tzinfo=UTC)
    events = [
        (f"acc-{a}", f"user-{u}", start + timedelta(minutes=int(m)), None)
        for a, u, m in zip(accounts, users, minutes, strict=True)
    ]
    want = reference(events, as_of=date(2026, 1, 1), days=28, zone="UTC")
    check(active_users(columns(events), as_of=date(2026, 1, 1)), want)
    spread = columns(events)
    spread["account_id"] = (accounts * 10**12 + 1).tolist()  # far apart: hashed, not shifted
    spread["user_id"] = np.array(users * 10**9, dtype=np.int64)
    got = active_users(spread, as_of=date(2026, 1, 1))
    assert got.mau.sum() == sum(want.mau)
    assert sorted(got.account_ids.tolist()) == got.account_ids.tolist()
    assert got.account_ids.dtype == np.int64
    assert got.account_ids[0] == 1  # account 0 of the draw, as the whole number it was given


def test_events_in_time_order_are_found_by_binary_search() -> None:
    # the same events sorted by time (ties included) and shuffled give the same result
    rng = np.random.default_rng(11)
    n = 2_000
    start = datetime(2025, 11, 20, tzinfo=UTC)
    minutes = np.sort(rng.integers(0, 45 * 1440, n) // 30 * 30)  # many equal instants
    events = [
        (f"a{a}", f"u{u}", start + timedelta(minutes=int(m)), f)
        for a, u, m, f in zip(
            rng.integers(0, 9, n),
            rng.integers(0, 60, n),
            minutes,
            rng.choice(np.array(["reports", "api", None], dtype=object), n),
            strict=True,
        )
    ]
    for features, accounts in ((None, None), ({"api"}, ["a1", "a5", "zz"])):
        want = reference(
            events,
            as_of=date(2026, 1, 1),
            days=28,
            zone="UTC",
            features=features,
            accounts=accounts,
        )
        shuffled = [events[i] for i in rng.permutation(n)]
        for data in (events, shuffled):
            got = active_users(
                columns(data), as_of=date(2026, 1, 1), features=features, accounts=accounts
            )
            check(got, want)


def test_a_long_window_on_little_data_sorts_the_cells() -> None:
    # 400 pairs x 4000 days would be a grid far larger than the data: the cells are sorted
    rng = np.random.default_rng(5)
    n = 2_000
    start = datetime(2015, 1, 1, tzinfo=UTC)
    events = [
        (f"a{a}", f"u{u}", start + timedelta(hours=int(h)), None)
        for a, u, h in zip(
            rng.integers(0, 20, n),
            rng.integers(0, 400, n),
            rng.integers(0, 4000 * 24, n),
            strict=True,
        )
    ]
    days = 4000
    as_of = date(2025, 12, 14)  # 2015-01-01 + 4000 days
    want = reference(events, as_of=as_of, days=days, zone="UTC")
    check(active_users(columns(events), as_of=as_of, window_days=days), want)


def test_empty_events() -> None:
    empty: dict[str, list[object]] = {"account_id": [], "user_id": [], "occurred_at": []}
    res = active_users(empty, as_of=date(2026, 1, 1))
    assert len(res) == 0
    assert res.l28.shape == (0, 28)
    assert repr(res) == "ActiveUsers(0 accounts, 28 days 2025-12-04..2025-12-31 (UTC))"
    listed = active_users([], as_of=date(2026, 1, 1), accounts=["A"], window_days=7)
    assert (listed.mau.tolist(), listed.dau.tolist(), listed.wau.tolist()) == ([0], [0], [0])
    assert listed.l28.tolist() == [[0] * 7]
    counts, shares = listed.histogram("A")
    assert counts.tolist() == [0] * 7
    assert np.isnan(shares).all()  # no share of nobody


def test_no_event_in_the_window() -> None:
    res = active_users(columns(EVENTS), as_of=date(2025, 6, 1))
    assert len(res) == 0


# --- the result object --------------------------------------------------------------------


def test_result_is_read_only_and_printable() -> None:
    res = active_users(columns(EVENTS), as_of=date(2026, 1, 1), seats={"A-1": 4})
    with pytest.raises(ValueError, match="read-only"):
        res.mau[0] = 7
    assert repr(res) == (
        "ActiveUsers(3 accounts, 28 days 2025-12-04..2025-12-31 (UTC);\n"
        "  account_id        dau    wau    mau  dau/mau  seats\n"
        "  A-1                 0      1      2     0.04      4\n"
        "  A-2                 0      1      1     0.04      -\n"
        "  A-9                 0      1      1     0.04      -)"
    )
    many = active_users(
        {
            "account_id": [f"A-{i}" for i in range(7)],
            "user_id": ["u"] * 7,
            "occurred_at": ["2025-12-31T10:00Z"] * 7,
        },
        as_of=date(2026, 1, 1),
    )
    assert repr(many).endswith("  ... 2 more)")
    one = active_users(columns(EVENTS[:1]), as_of=date(2026, 1, 1))
    assert repr(one).startswith("ActiveUsers(1 account, ")


def test_results_compare_by_value_and_find_accounts() -> None:
    res = active_users(columns(EVENTS), as_of=date(2026, 1, 1), seats={"A-1": 4})
    assert res == active_users(columns(EVENTS), as_of=date(2026, 1, 1), seats={"A-1": 4})
    assert res == pickle.loads(pickle.dumps(res))
    assert res != active_users(columns(EVENTS), as_of=date(2026, 1, 1))  # seats NaN
    assert res != active_users(columns(EVENTS), as_of=date(2025, 12, 31), seats={"A-1": 4})
    assert [res.row(account) for account in ("A-1", "A-2", " A-9 ")] == [0, 1, 2]
    for missing in ("B-1", "a-1"):
        with pytest.raises(AccountNotFoundError, match=f"no account '{missing}' among the 3"):
            res.row(missing)
        with pytest.raises(AccountNotFoundError):
            res.stickiness(missing)
        with pytest.raises(KeyError):
            res.histogram(missing)


def test_to_pandas_has_the_per_account_columns() -> None:
    res = active_users(columns(EVENTS), as_of=date(2026, 1, 1), seats={"A-1": 4})
    frame = res.to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "dau",
        "wau",
        "mau",
        "mean_dau",
        "dau_mau",
        "wau_mau",
        "seats",
        "seat_utilisation",
    ]  # l28 and daily have a column per day: not row columns
    assert len(frame) == len(res) == 3
    assert frame["account_id"].tolist() == ["A-1", "A-2", "A-9"]
    for name in frame.columns[1:]:
        np.testing.assert_array_equal(frame[name].to_numpy(), getattr(res, name), err_msg=name)
    assert frame["mau"].tolist() == [2, 1, 1]
    assert frame["seat_utilisation"].iloc[0] == 0.5


def test_to_dict_and_to_measures() -> None:
    res = active_users(
        columns(EVENTS), as_of=date(2026, 1, 1), seats={"A-1": 4}, features={"reports"}
    )
    out = res.to_dict()
    assert out["as_of"] == "2026-01-01T00:00:00.000000Z"
    assert (out["first_day"], out["last_day"], out["window_days"]) == (
        "2025-12-04",
        "2025-12-31",
        28,
    )
    assert out["features"] == ["reports"]
    assert out["timezone"] == "UTC"
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert out["account_ids"] == ["A-1", "A-2", "A-9"]
    assert out["mau"] == [1, 1, 0]
    assert out["seats"] == [4.0, None, None]
    assert out["seat_utilisation"] == [0.25, None, None]
    assert out["dau_mau"][2] is None  # no qualifying event
    assert out["l28"][0][0] == 1
    assert len(out["daily"][0]) == 28
    assert active_users(columns(EVENTS), as_of=date(2026, 1, 1)).to_dict()["features"] is None
    table = res.to_measures()
    assert table.source == "adoption"
    assert table.measures == (
        "dau",
        "wau",
        "mau",
        "mean_dau",
        "dau_mau",
        "wau_mau",
        "seats",
        "seat_utilisation",
    )
    assert table.as_of == np.datetime64("2026-01-01T00:00", "us")
    assert table.account("A-1")["seat_utilisation"] == 0.25


def test_histogram_and_stickiness_by_account() -> None:
    res = active_users(
        {
            "account_id": [1, 1, 2],
            "user_id": [5, 5, 6],
            "occurred_at": ["2025-12-30T10:00Z", "2025-12-31T10:00Z", "2025-12-31T10:00Z"],
        },
        as_of=date(2026, 1, 1),
        window_days=7,
    )
    counts, shares = res.histogram(1)  # whole-number ids are looked up as numbers
    assert counts.tolist() == [0, 1, 0, 0, 0, 0, 0]
    assert shares.tolist() == [0, 1, 0, 0, 0, 0, 0]
    assert res.histogram()[0].tolist() == [1, 1, 0, 0, 0, 0, 0]
    assert res.stickiness(2) == Rate(1, 7)
    assert res.stickiness(np.int64(2)) == Rate(1, 7)
    for missing, match in (
        (3, "no account 3 among the 2"),
        ("2", "their ids are whole numbers"),
        (None, "not an identifier"),
        (2.5, "not an identifier"),
    ):
        with pytest.raises(InvalidInputError, match=match):
            res.stickiness(missing)


# --- bad input ----------------------------------------------------------------------------


def test_bad_arguments() -> None:
    data = columns(EVENTS)
    with pytest.raises(InvalidInputError, match="naive datetime"):
        active_users(data, as_of=datetime(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="must be a date or an aware datetime"):
        active_users(data, as_of=cast("date", 20260101))
    for days in (6, 0, 7.5, True, "28"):
        with pytest.raises(InvalidInputError, match=r"whole number (of days >= 7|from 7 to 36525)"):
            active_users(data, as_of=date(2026, 1, 1), window_days=cast("int", days))
    with pytest.raises(InvalidInputError, match="not an IANA time zone"):
        active_users(data, as_of=date(2026, 1, 1), timezone="Europe/Atlantis")
    for features in ("reports", 3):
        with pytest.raises(InvalidInputError, match="several feature names"):
            active_users(data, as_of=date(2026, 1, 1), features=cast("list[str]", features))
    with pytest.raises(InvalidInputError, match="feature names \\(text\\), got 1"):
        active_users(data, as_of=date(2026, 1, 1), features=cast("list[str]", [1]))


def test_bad_seats_and_accounts() -> None:
    data = columns(EVENTS)
    as_of = date(2026, 1, 1)
    with pytest.raises(InvalidInputError, match="`seats` must be a mapping"):
        active_users(data, as_of=as_of, seats=cast("dict[object, int]", [("A-1", 3)]))
    with pytest.raises(InvalidInputError, match="must be >= 0"):
        active_users(data, as_of=as_of, seats={"A-1": -3})
    with pytest.raises(InvalidInputError, match="lists account 'A-1' more than once"):
        active_users(data, as_of=as_of, seats={"A-1": 3, " A-1": 4})
    with pytest.raises(InvalidInputError, match="`accounts` lists account 'B' more than once"):
        active_users(data, as_of=as_of, accounts=["B", "A", "B"])
    with pytest.raises(InvalidInputError, match="got the text 'A-1'"):
        active_users(data, as_of=as_of, accounts="A-1")
    with pytest.raises(InvalidInputError, match="required value is missing"):
        active_users(data, as_of=as_of, accounts=["A-1", None])


def test_bad_events() -> None:
    as_of = date(2026, 1, 1)
    with pytest.raises(InvalidInputError, match="need the columns \\['user_id'\\]"):
        active_users({"account_id": ["A"], "occurred_at": ["2025-12-31T10:00Z"]}, as_of=as_of)
    with pytest.raises(InvalidInputError, match="need the columns \\['occurred_at'\\]"):
        active_users({"account_id": [1], "user_id": [2]}, as_of=as_of)
    naive = {"account_id": ["A"], "user_id": ["u"], "occurred_at": [datetime(2025, 12, 31, 10)]}
    with pytest.raises(InvalidInputError, match="1 of 1 UsageEvent rows are invalid"):
        active_users(naive, as_of=as_of)
    missing_user = {"account_id": ["A"], "user_id": [None], "occurred_at": ["2025-12-31T10:00Z"]}
    with pytest.raises(InvalidInputError, match="rows are invalid"):
        active_users(missing_user, as_of=as_of)
    no_feature = {"account_id": ["A"], "user_id": ["u"], "occurred_at": ["2025-12-31T10:00Z"]}
    with pytest.raises(InvalidInputError, match="which they do not have"):
        active_users(no_feature, as_of=as_of, features=["reports"])
    uneven = {
        "account_id": np.array([1, 2]),
        "user_id": ["u"],
        "occurred_at": ["2025-12-31T10:00Z"],
    }
    with pytest.raises(InvalidInputError, match="columns must all have one length"):
        active_users(uneven, as_of=as_of)
    with pytest.raises(InvalidInputError, match="must be UsageEvent records"):
        active_users(42, as_of=as_of)
