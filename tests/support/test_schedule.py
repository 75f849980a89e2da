"""Business hours against a minute-by-minute reference, worked examples and invariants.

The reference (`reference_flags`) knows nothing of interval tables or offsets: it walks
every UTC minute of a period, converts it to the local wall clock with ``zoneinfo``, and
asks "is this local weekday open at this time of day, and is the local date a holiday?".
With hours on whole minutes in zones whose offsets are whole minutes, each UTC minute is
wholly open or wholly closed, so business seconds must equal 60 times the open minutes,
exactly, including across both daylight-saving changes of Berlin, New York and Lord Howe
Island (whose clocks move by half an hour).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cshealth._exceptions import ConfigError, InvalidInputError
from cshealth.support._schedule import Schedule

UTC = timezone.utc
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTE = timedelta(minutes=1)
BERLIN_9_TO_5 = Schedule.weekdays("09:00", "17:00", timezone="Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the reference --------------------------------------------------------------------------


def seconds_of_day(text: str) -> int:
    parts = [int(part) for part in text.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) == 3 else 0)


def reference_flags(hours, zone_name, holidays, start, end) -> list[bool]:
    """For each UTC minute in [start, end): is its local wall-clock time business time?"""
    zone = ZoneInfo(zone_name)
    spans = {
        day: [(seconds_of_day(a), seconds_of_day(b)) for a, b in hours.get(day, [])] for day in DAYS
    }
    flags = []
    t = start
    while t < end:
        local = t.astimezone(zone)
        clock = local.hour * 3600 + local.minute * 60 + local.second
        open_now = local.date() not in holidays and any(
            a <= clock < b for a, b in spans[DAYS[local.weekday()]]
        )
        flags.append(open_now)
        t += MINUTE
    return flags


def reference_due(flags: list[bool], start: datetime, minutes: int) -> datetime:
    """The end of the ``minutes``-th open minute after ``start`` (minutes > 0)."""
    seen = 0
    for i, flag in enumerate(flags):
        seen += flag
        if seen == minutes:
            return start + (i + 1) * MINUTE
    raise AssertionError("not enough open minutes")


# --- strategies ---------------------------------------------------------------------------

QUARTER_HOURS = st.lists(st.integers(0, 96), unique=True, max_size=6).map(sorted)
NIGHT_HOURS = {day: [("00:00", "03:30"), ("22:00", "24:00")] for day in DAYS}
SPLIT_HOURS = {
    "mon": [("09:00", "12:00"), ("12:00", "13:00"), ("14:00", "17:30")],
    "sat": [("01:00", "02:00"), ("02:00", "02:30"), ("02:45", "03:15")],
    "sun": [("00:00", "02:30"), ("23:45", "24:00")],
}


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def random_hours(draw):
    """Per day 0-3 disjoint intervals on a quarter-hour grid (ends up to 24:00); some days
    closed by omission, some listed with no intervals."""
    hours = {}
    for day in DAYS:
        points = draw(QUARTER_HOURS)
        points = points[: len(points) // 2 * 2]
        spans = [(clock(15 * a), clock(15 * b)) for a, b in zip(points[::2], points[1::2])]
        if spans or draw(st.booleans()):
            hours[day] = spans
    return hours


HOURS = st.one_of(st.just(NIGHT_HOURS), st.just(SPLIT_HOURS), random_hours())

# (zone, a UTC instant at which its offset changes)
CLOCK_CHANGES = [
    ("Europe/Berlin", utc(2025, 3, 30, 1)),  # 02:00 CET -> 03:00 CEST
    ("Europe/Berlin", utc(2025, 10, 26, 1)),  # 03:00 CEST -> 02:00 CET
    ("America/New_York", utc(2025, 3, 9, 7)),  # 02:00 EST -> 03:00 EDT
    ("America/New_York", utc(2025, 11, 2, 6)),  # 02:00 EDT -> 01:00 EST
    ("Australia/Lord_Howe", utc(2025, 4, 5, 15)),  # 02:00 +11 -> 01:30 +10:30
    ("Australia/Lord_Howe", utc(2025, 10, 4, 15, 30)),  # 02:00 +10:30 -> 02:30 +11
]


def test_the_clock_changes_are_where_the_tests_place_them():
    for zone, change in CLOCK_CHANGES:
        before = (change - MINUTE).astimezone(ZoneInfo(zone)).utcoffset()
        after = change.astimezone(ZoneInfo(zone)).utcoffset()
        assert before != after


# --- against the reference ------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "change"), CLOCK_CHANGES)
@given(
    hours=HOURS,
    window=st.tuples(st.integers(0, 5 * 24 * 60), st.integers(0, 10 * 24 * 60)),
    holiday_days=st.sets(st.integers(-6, 11), max_size=3),
)
@example(hours=NIGHT_HOURS, window=(2 * 24 * 60, 4 * 24 * 60), holiday_days=set())
@example(hours=SPLIT_HOURS, window=(6 * 24 * 60, 10 * 24 * 60), holiday_days={-1})
def test_business_seconds_match_the_minute_walk(zone, change, hours, window, holiday_days):
    # `window`: how many minutes before the clock change the period starts, and its length
    lead, length = window
    holidays = {change.date() + timedelta(days=d) for d in holiday_days}
    schedule = Schedule(timezone=zone, hours=hours, holidays=sorted(holidays))
    start = change - lead * MINUTE
    end = start + length * MINUTE
    flags = reference_flags(hours, zone, holidays, start, end)

    assert schedule.business_seconds(start, end) == 60 * sum(flags)

    minute_starts = np.datetime64(start.replace(tzinfo=None), "us") + np.arange(
        length
    ) * np.timedelta64(1, "m")
    assert schedule.is_open(minute_starts).tolist() == flags

    if sum(flags):
        due = schedule.add_business_seconds(start, 60 * sum(flags))
        assert due == reference_due(flags, start, sum(flags))
        assert due <= end


def test_the_minute_walk_holds_over_a_whole_year_of_night_hours():
    # Touching intervals around 02:00-03:00 every night of 2025 in Berlin (both clock
    # changes and a holiday): business time from each UTC midnight to the year's end.
    hours = {day: [("01:30", "02:30"), ("02:30", "03:15")] for day in DAYS}
    holidays = {date(2025, 5, 1)}
    schedule = Schedule(timezone="Europe/Berlin", hours=hours, holidays=holidays)
    days = [utc(2025, 1, 1) + timedelta(days=d) for d in range(365)]
    per_day = [
        60 * sum(reference_flags(hours, "Europe/Berlin", holidays, d, d + timedelta(days=1)))
        for d in days
    ]
    to_year_end = np.cumsum(per_day[::-1])[::-1].astype(float)
    starts = np.array([d.replace(tzinfo=None) for d in days], "datetime64[us]")
    got = schedule.business_seconds(starts, utc(2026, 1, 1))
    assert got.tolist() == to_year_end.tolist()
    # 362 ordinary nights of 105 minutes, the holiday none, spring forward 01:30-02:00 only
    # (30 min), fall back 01:30-03:15 CEST then 02:00-03:15 CET again (105 + 75 min).
    assert to_year_end[0] == 60 * (105 * 362 + 30 + 180)


def test_many_short_intervals_match_the_minute_walk():
    # Twelve five-minute slots an hour apart from their neighbours by five minutes: more
    # interval starts within one hour than the table's hourly lookup steps over.
    slots = [(f"10:{m:02d}", f"10:{m + 5:02d}") for m in range(0, 60, 10)]
    slots += [(f"11:{m:02d}", f"11:{m + 3:02d}") for m in range(0, 60, 5)]
    hours = {"mon": slots, "sun": [("01:59", "03:01")]}
    schedule = Schedule(timezone="Europe/Berlin", hours=hours)
    # Monday 2025-03-31: 6 x 5 + 12 x 3 minutes; Sunday 2025-03-30 skips 02:00-03:00, so
    # only 01:59-02:00 CET and 03:00-03:01 CEST are left: 2 minutes.
    start, end = utc(2025, 3, 28), utc(2025, 4, 1)
    flags = reference_flags(hours, "Europe/Berlin", set(), start, end)
    assert schedule.business_seconds(start, end) == 60 * sum(flags) == 60 * (30 + 36 + 2)


def test_a_sub_minute_case_by_hand():
    # Open 09:00:30-09:00:45 on Mondays (UTC). From Monday 09:00:40.25 to 09:01:00:
    # open from 09:00:40.25 to 09:00:45, i.e. 4.75 s.
    schedule = Schedule(hours={"mon": [("09:00:30", "09:00:45")]})
    start = datetime(2025, 6, 2, 9, 0, 40, 250_000, tzinfo=UTC)
    assert schedule.business_seconds(start, utc(2025, 6, 2, 9, 1)) == 4.75
    # 1.5 s after 09:00:40.25 is 09:00:41.75; 15 s would spill into next Monday's slot:
    # 4.75 s this week, then 10.25 s from next Monday 09:00:30 -> 09:00:40.25.
    assert schedule.add_business_seconds(start, 1.5) == start + timedelta(seconds=1.5)
    assert schedule.add_business_seconds(start, 15) == datetime(
        2025, 6, 9, 9, 0, 40, 250_000, tzinfo=UTC
    )


# --- worked examples ----------------------------------------------------------------------


def test_friday_afternoon_to_monday_morning_in_berlin():
    # Fri 2025-11-07 16:00 CET (15:00Z) -> Mon 2025-11-10 10:00 CET (09:00Z):
    # Friday 16:00-17:00 = 1 h, weekend closed, Monday 09:00-10:00 = 1 h -> 7200 s.
    assert BERLIN_9_TO_5.business_seconds(utc(2025, 11, 7, 15), utc(2025, 11, 10, 9)) == 7200.0


def test_across_christmas():
    # Wed 2025-12-24 16:00 CET (15:00Z) -> Mon 2025-12-29 10:00 CET (09:00Z).
    # Only Christmas Day a holiday: Wed 1 h + Fri 26th 8 h + Mon 1 h = 10 h = 36000 s.
    # Both Christmas days holidays: Wed 1 h + Mon 1 h = 7200 s.
    one = Schedule.weekdays(timezone="Europe/Berlin", holidays=[date(2025, 12, 25)])
    two = Schedule.weekdays(
        timezone="Europe/Berlin", holidays=[date(2025, 12, 26), date(2025, 12, 25)]
    )
    assert one.business_seconds(utc(2025, 12, 24, 15), utc(2025, 12, 29, 9)) == 36_000.0
    assert two.business_seconds(utc(2025, 12, 24, 15), utc(2025, 12, 29, 9)) == 7_200.0


def test_spring_forward_night_hours():
    # Sunday 2025-03-30, Berlin open 00:00-04:00. The clock reads 00:00-02:00 CET
    # (23:00Z-01:00Z), jumps to 03:00 CEST and reads 03:00-04:00 (01:00Z-02:00Z):
    # 2 h + 1 h = 3 h = 10800 s, not 4 h.
    schedule = Schedule(timezone="Europe/Berlin", hours={"sun": [("00:00", "04:00")]})
    assert schedule.business_seconds(utc(2025, 3, 29, 22), utc(2025, 3, 30, 5)) == 10_800.0


def test_fall_back_repeated_hour_counts_twice():
    # Sunday 2025-10-26, Berlin open 00:00-02:30. The clock reads 00:00-02:30 CEST
    # (22:00Z-00:30Z), then 02:30-03:00 CEST (closed), falls back and reads 02:00-02:30
    # CET again (01:00Z-01:30Z): 2.5 h + 0.5 h = 3 h = 10800 s, in two pieces.
    schedule = Schedule(timezone="Europe/Berlin", hours={"sun": [("00:00", "02:30")]})
    assert schedule.business_seconds(utc(2025, 10, 25, 20), utc(2025, 10, 26, 5)) == 10_800.0
    assert schedule.is_open(utc(2025, 10, 26, 0, 45)) is False  # 02:45 CEST
    assert schedule.is_open(utc(2025, 10, 26, 1, 15)) is True  # 02:15 CET


def test_new_york_weekend_across_spring_forward():
    # Fri 2025-03-07 16:00 EST (21:00Z) -> Mon 2025-03-10 10:00 EDT (14:00Z): 1 h + 1 h.
    desk = Schedule.weekdays(timezone="America/New_York")
    assert desk.business_seconds(utc(2025, 3, 7, 21), utc(2025, 3, 10, 14)) == 7200.0


def test_sla_due_times():
    # 8 business hours from Fri 2025-11-07 16:00 CET: 1 h on Friday, 7 h on Monday
    # 09:00-16:00 CET -> due Mon 2025-11-10 16:00 CET = 15:00Z.
    due = BERLIN_9_TO_5.add_business_seconds(
        datetime(2025, 11, 7, 16, tzinfo=ZoneInfo("Europe/Berlin")), 8 * 3600
    )
    assert due == utc(2025, 11, 10, 15)
    assert due.tzinfo == ZoneInfo("Europe/Berlin")  # in the zone of the start
    # Exactly used up at a closing time: due at 17:00 Friday, not 09:00 Monday.
    assert BERLIN_9_TO_5.add_business_seconds(utc(2025, 11, 7, 15), 3600) == utc(2025, 11, 7, 16)
    # Zero business seconds from a closed instant: the start itself.
    sunday = utc(2025, 11, 9, 12)
    assert BERLIN_9_TO_5.add_business_seconds(sunday, 0) == sunday


# --- invariants -------------------------------------------------------------------------------

ZONES = st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
)
MICROS = st.integers(
    int(utc(2024, 1, 1).timestamp() * 1e6), int(utc(2026, 12, 31).timestamp() * 1e6)
)


def instant(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


@given(zone=ZONES, hours=HOURS, points=st.lists(MICROS, min_size=3, max_size=3).map(sorted))
def test_bounded_and_additive(zone, hours, points):
    schedule = Schedule(timezone=zone, hours=hours, holidays=[date(2025, 1, 1), date(2025, 12, 25)])
    a, b, c = (instant(p) for p in points)
    ab, bc, ac = (schedule.business_seconds(x, y) for x, y in ((a, b), (b, c), (a, c)))
    assert 0 <= ac <= (c - a).total_seconds()
    assert ac == pytest.approx(ab + bc, abs=1e-6)


@given(
    zone=ZONES,
    hours=HOURS,
    points=st.lists(MICROS, min_size=2, max_size=2).map(sorted),
    extra=st.integers(0, 40 * 86_400_000_000),
)
def test_add_business_seconds_inverts(zone, hours, points, extra):
    schedule = Schedule(timezone=zone, hours=hours)
    a, b = (instant(p) for p in points)
    spent = schedule.business_seconds(a, b)
    assert schedule.add_business_seconds(a, spent) <= b
    if schedule.weekly_seconds:
        seconds = extra / 1e6
        due = schedule.add_business_seconds(a, seconds)
        assert due >= a
        assert schedule.business_seconds(a, due) == seconds


@given(zone=ZONES, points=st.lists(MICROS, min_size=2, max_size=2).map(sorted))
def test_always_is_calendar_time(zone, points):
    a, b = (instant(p) for p in points)
    assert Schedule.always(zone).business_seconds(a, b) == pytest.approx(
        (b - a).total_seconds(), abs=1e-6
    )
    assert Schedule.always(zone).is_open(a)


@given(
    zone=ZONES,
    hours=HOURS,
    starts=st.lists(MICROS, min_size=1, max_size=8),
    lengths=st.lists(st.integers(0, 20 * 86_400_000_000), min_size=8, max_size=8),
)
def test_arrays_agree_with_scalars(zone, hours, starts, lengths):
    schedule = Schedule(timezone=zone, hours=hours)
    a = np.array(starts, dtype="datetime64[us]")
    b = a + np.array(lengths[: len(starts)], dtype="timedelta64[us]")
    got = schedule.business_seconds(a, b)
    want = [
        schedule.business_seconds(instant(x), instant(x) + timedelta(microseconds=n))
        for x, n in zip(starts, lengths)
    ]
    assert got.tolist() == want
    assert schedule.is_open(a).tolist() == [schedule.is_open(instant(x)) for x in starts]
    due = schedule.add_business_seconds(a, got)
    assert (due <= b).all()
    assert schedule.business_seconds(a, due).tolist() == want


# --- input forms ------------------------------------------------------------------------------


def test_array_forms_and_missing_values():
    start = [utc(2025, 11, 7, 15), None, utc(2025, 11, 10, 8)]
    end = [utc(2025, 11, 10, 9), utc(2025, 11, 10, 9), None]
    want = [7200.0, None, None]

    def same(got):
        assert [None if np.isnan(x) else x for x in got.tolist()] == want

    same(BERLIN_9_TO_5.business_seconds(start, end))
    same(
        BERLIN_9_TO_5.business_seconds(
            pd.Series(start, dtype="datetime64[ns, UTC]").dt.tz_convert("Europe/Berlin"),
            pd.Series(end, dtype="datetime64[ns, UTC]"),
        )
    )
    as_text = ["2025-11-07T16:00+01:00", None, "2025-11-10T08:00Z"]
    same(
        BERLIN_9_TO_5.business_seconds(
            as_text, np.array(["2025-11-10T09", "2025-11-10T09", "NaT"], "datetime64[s]")
        )
    )
    ns = np.array(["2025-11-07T15", "NaT", "2025-11-10T08"], "datetime64[ns]")
    same(BERLIN_9_TO_5.business_seconds(ns, end))


def test_scalars_broadcast_against_arrays():
    ends = np.array(["2025-11-10T09", "2025-11-10T10"], "datetime64[us]")
    assert BERLIN_9_TO_5.business_seconds(utc(2025, 11, 7, 15), ends).tolist() == [7200.0, 10800.0]
    starts = np.array(["2025-11-07T15", "2025-11-10T08"], "datetime64[us]")
    # Monday 08:00Z is 09:00 CET: one business hour to 10:00 CET
    assert BERLIN_9_TO_5.business_seconds(starts, utc(2025, 11, 10, 9)).tolist() == [7200.0, 3600.0]
    due = BERLIN_9_TO_5.add_business_seconds(utc(2025, 11, 7, 15), np.array([0.0, 3600.0, np.nan]))
    assert due.tolist() == [datetime(2025, 11, 7, 15), datetime(2025, 11, 7, 16), None]
    # a single numpy instant or text is an array of no dimensions, not a Python scalar
    zero_d = BERLIN_9_TO_5.business_seconds(np.datetime64("2025-11-07T15"), "2025-11-10T09:00Z")
    assert isinstance(zero_d, np.ndarray)
    assert zero_d.shape == ()
    assert float(zero_d) == 7200.0


def test_missing_values_in_add_and_is_open():
    start = np.array(["2025-11-07T15", "NaT"], "datetime64[us]")
    due = BERLIN_9_TO_5.add_business_seconds(start, [np.nan, 60.0])
    assert np.isnat(due).all()
    assert BERLIN_9_TO_5.is_open(np.array(["NaT", "2025-11-07T15"], "datetime64[us]")).tolist() == [
        False,
        True,
    ]


def test_empty_arrays():
    empty = np.array([], dtype="datetime64[us]")
    assert BERLIN_9_TO_5.business_seconds(empty, empty).shape == (0,)
    assert BERLIN_9_TO_5.business_seconds([], []).dtype == np.float64
    assert BERLIN_9_TO_5.is_open(empty).shape == (0,)
    assert BERLIN_9_TO_5.add_business_seconds(empty, 60).dtype == np.dtype("datetime64[us]")


def test_a_schedule_without_hours():
    closed = Schedule(timezone="Europe/Berlin", hours={})
    assert closed.weekly_seconds == 0.0
    assert closed.business_seconds(utc(2025, 1, 1), utc(2026, 1, 1)) == 0.0
    assert closed.is_open(utc(2025, 1, 1)) is False
    assert closed.add_business_seconds(utc(2025, 1, 1), 0) == utc(2025, 1, 1)
    with pytest.raises(InvalidInputError, match="no business hours"):
        closed.add_business_seconds(utc(2025, 1, 1), 1)


def test_adding_years_of_business_time():
    # 40 h a week; 5200 h is 130 full weeks from a Monday 09:00: due Friday 17:00 of
    # week 130 (2025-01-06 + 129 weeks + 4 days = 2027-07-02), 15:00Z in summer.
    desk = Schedule.weekdays(timezone="Europe/Berlin")
    due = desk.add_business_seconds(utc(2025, 1, 6, 8), 5200 * 3600)
    assert due == utc(2027, 7, 2, 15)
    assert (
        desk.add_business_seconds(utc(2025, 1, 6, 8), [0, 0]).tolist()
        == [datetime(2025, 1, 6, 8)] * 2
    )


# --- bad input ----------------------------------------------------------------------------


def naive_message(name: str, value: datetime) -> str:
    """The exact message for a naive ``value`` given as ``name`` (single backticks)."""
    return (
        f"`{name}` is a naive datetime ({value.isoformat()}); give it a time zone, "
        "e.g. tzinfo=timezone.utc"
    )


def test_naive_datetimes_are_refused():
    naive = datetime(2025, 1, 1, 9, 30)
    calls = [
        ("start", lambda: BERLIN_9_TO_5.business_seconds(naive, utc(2025, 1, 2))),
        ("end", lambda: BERLIN_9_TO_5.business_seconds(utc(2024, 12, 31), naive)),
        ("start", lambda: BERLIN_9_TO_5.business_seconds(naive, [utc(2025, 1, 2)])),
        ("start", lambda: BERLIN_9_TO_5.add_business_seconds(naive, 60)),
        ("instant", lambda: BERLIN_9_TO_5.is_open(naive)),
    ]
    for name, call in calls:
        with pytest.raises(InvalidInputError) as caught:
            call()
        assert str(caught.value) == naive_message(name, naive)
    # a time zone that gives no offset is as naive as none

    class NoOffset(tzinfo):
        def utcoffset(self, dt):
            return None

    vague = datetime(2025, 1, 1, tzinfo=NoOffset())
    with pytest.raises(InvalidInputError) as caught:
        BERLIN_9_TO_5.is_open(vague)
    assert str(caught.value) == naive_message("instant", vague)
    with pytest.raises(InvalidInputError, match="`end` are invalid") as caught:
        BERLIN_9_TO_5.business_seconds([utc(2025, 1, 1)], [datetime(2025, 1, 2)])
    assert caught.value.errors[0].field == "end"
    assert caught.value.errors[0].row == 1


def test_values_that_are_not_instants():
    with pytest.raises(InvalidInputError, match="`start` are invalid"):
        BERLIN_9_TO_5.business_seconds([1.5], [utc(2025, 1, 1)])
    with pytest.raises(InvalidInputError, match="`instant` are invalid"):
        BERLIN_9_TO_5.is_open("not a time")
    with pytest.raises(InvalidInputError, match="got the date"):
        BERLIN_9_TO_5.business_seconds(date(2025, 1, 1), utc(2025, 1, 2))
    with pytest.raises(InvalidInputError, match="one length"):
        BERLIN_9_TO_5.business_seconds([utc(2025, 1, 1)] * 2, [utc(2025, 1, 2)] * 3)
    with pytest.raises(InvalidInputError, match="between the years 2 and 9998"):
        BERLIN_9_TO_5.business_seconds(np.datetime64("9999-06-01"), np.datetime64("9999-07-01"))


def test_end_before_start():
    start = np.array(["2025-01-02", "2025-01-02", "2025-01-02"], "datetime64[us]")
    end = np.array(["2025-01-03", "2025-01-01", "2024-12-31"], "datetime64[us]")
    message = (
        r"`end` is before `start` in 2 of 3 rows; the first is row 2: "
        r"start 2025-01-02T00:00:00.000000Z, end 2025-01-01T00:00:00.000000Z"
    )
    with pytest.raises(InvalidInputError, match=message):
        BERLIN_9_TO_5.business_seconds(start, end)
    with pytest.raises(InvalidInputError, match="in 1 of 1 rows"):
        BERLIN_9_TO_5.business_seconds(utc(2025, 1, 2), utc(2025, 1, 1))


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (-1, r"from 0 to 1e\+11.*1 of 1 are not, the first at row 1: -1.0"),
        ([5, np.inf], "the first at row 2: inf"),
        ("soon", "must be numbers of seconds"),
        ({"a": 1}, "must be numbers of seconds"),
        (np.nan, "must be a number of seconds, got nan"),
    ],
)
def test_bad_amounts_to_add(seconds, message):
    with pytest.raises(InvalidInputError, match=message):
        BERLIN_9_TO_5.add_business_seconds(utc(2025, 1, 1), seconds)


def test_adding_past_the_last_year():
    with pytest.raises(InvalidInputError, match="runs past the year 9998"):
        BERLIN_9_TO_5.add_business_seconds(utc(9990, 1, 1), 9e10)


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"timezone": "Europe/Berln", "hours": {}},
            r"unknown time zone 'Europe/Berln'.*did you mean 'Europe/Berlin'",
        ),
        (
            {"timezone": "Qqqqq/Zzzzzz", "hours": {}},
            r"unknown time zone 'Qqqqq/Zzzzzz': give an IANA name such as "
            r"'Europe/Berlin', 'America/New_York' or 'UTC'$",
        ),
        ({"timezone": "Europe", "hours": {}}, "unknown time zone 'Europe'"),
        ({"timezone": "../etc/passwd", "hours": {}}, "unknown time zone"),
        ({"hours": {"monday": []}}, "unknown weekday 'monday' in `hours`; the days are mon, tue"),
        (
            {"hours": {"mon": [("9:00", "17:00")]}},
            r"hours\['mon'\]\[0\] start = '9:00' is not a time of day: write 'HH:MM'",
        ),
        ({"hours": {"mon": [("09:00", "25:00")]}}, r"hours\['mon'\]\[0\] end = '25:00'"),
        ({"hours": {"mon": [("09:60", "10:00")]}}, "'09:60' is not a time of day"),
        ({"hours": {"mon": [("09:00:60", "10:00")]}}, "'09:00:60' is not a time of day"),
        (
            {"hours": {"tue": [("09:00", "10:00"), ("20:00", "24:30")]}},
            r"hours\['tue'\]\[1\] end = '24:30'",
        ),
        ({"hours": {"mon": [("noon", "17:00")]}}, "'noon' is not a time of day"),
        (
            {"hours": {"mon": [("09:00", "09:00")]}},
            r"\['09:00', '09:00'\] is empty: the start must be before the end",
        ),
        (
            {"hours": {"mon": [("22:00", "06:00")]}},
            r"crosses midnight.*split it into \['22:00', '24:00'\] on mon "
            r"and \['00:00', '06:00'\] on tue",
        ),
        ({"hours": {"sun": [("23:00", "01:00")]}}, r"\['00:00', '01:00'\] on mon"),
        (
            {"hours": {"sun": [("24:00", "24:00")]}},
            "starts at '24:00', which is only allowed as an end",
        ),
        (
            {"hours": {"wed": [("09:00", "12:00"), ("11:00", "13:00")]}},
            r"intervals \['09:00', '12:00'\] and \['11:00', '13:00'\] of hours\['wed'\] overlap",
        ),
        (
            {"hours": {"wed": [("13:00", "17:00"), ("09:00", "13:00")]}},
            r"out of order: list them as \['09:00', '13:00'\], \['13:00', '17:00'\]",
        ),
        ({"hours": {"mon": [("09:00",)]}}, r"hours\.mon\[0\]\[1\]: Field required"),
        ({"hours": "nine to five"}, "hours: Input should be a valid dictionary"),
        ({"hours": {}, "opening": "09:00"}, "opening: Extra inputs are not permitted"),
        ({}, "hours: Field required"),
    ],
)
def test_validation_errors(fields, message):
    with pytest.raises(ConfigError, match=message) as caught:
        Schedule(**fields)
    assert isinstance(caught.value, ValueError)


def test_adjacent_intervals_and_normalised_text():
    schedule = Schedule(
        hours={
            "fri": [("09:00:00", "12:00"), ("12:00", "13:00:30")],
            "mon": [("00:00", "24:00")],
            "sat": [],
        },
        holidays=["2025-12-26", date(2025, 12, 25), "2025-12-26"],
    )
    assert list(schedule.hours) == ["mon", "fri", "sat"]  # weekday order
    assert schedule.hours["fri"] == (("09:00", "12:00"), ("12:00", "13:00:30"))
    assert schedule.holidays == (date(2025, 12, 25), date(2025, 12, 26))
    assert schedule.weekly_seconds == 86_400 + 4 * 3600 + 30


def test_json_round_trip_equality_and_hashing():
    schedule = Schedule(
        timezone="Europe/Berlin",
        hours={"tue": [["09:00", "17:00"]], "mon": [["09:00", "12:00"], ["13:00", "17:00"]]},
        holidays=[date(2025, 12, 25)],
    )
    text = schedule.model_dump_json()
    assert json.loads(text)["holidays"] == ["2025-12-25"]
    again = Schedule.model_validate_json(text)
    assert again == schedule
    assert hash(again) == hash(schedule)
    reordered = Schedule(
        timezone="Europe/Berlin",
        hours={"mon": [("09:00", "12:00"), ("13:00", "17:00")], "tue": [("09:00", "17:00:00")]},
        holidays=(date(2025, 12, 25),),
    )
    assert reordered == schedule
    assert len({schedule, again, reordered, BERLIN_9_TO_5}) == 2
    assert "hours" in Schedule.model_json_schema()["required"]
    with pytest.raises(ConfigError, match="frozen"):
        schedule.timezone = "UTC"


def test_the_issue_example_and_conveniences():
    berlin = Schedule(
        timezone="Europe/Berlin",
        hours={"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]},
        holidays=[date(2025, 12, 25)],
    )
    assert berlin.weekly_seconds == 16 * 3600
    assert Schedule.weekdays(timezone="Europe/Berlin") == BERLIN_9_TO_5
    assert Schedule.always().hours["sun"] == (("00:00", "24:00"),)
    with pytest.raises(ConfigError, match="crosses midnight"):
        Schedule.weekdays("22:00", "06:00")
