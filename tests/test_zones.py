"""Local calendar days of UTC instants: checked against ``datetime.astimezone`` row by row."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import cast
from zoneinfo import ZoneInfo, available_timezones

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth._exceptions import InvalidInputError
from cshealth._zones import NAT_DAY, day_start, local_days, time_zone, wall_to_utc

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
US = timedelta(microseconds=1)
DAY_US = 86_400_000_000
#: DST in Europe and North America, a 30-minute DST (Lord Howe), none (Kolkata, +05:30).
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")


def reference_day(micros: int, zone: str) -> int:
    """The local date of one instant, by the standard library, as days since 1970-01-01."""
    local = (EPOCH + micros * US).astimezone(ZoneInfo(zone))
    return local.date().toordinal() - EPOCH_ORDINAL


def transitions(zone: str, first_year: int = 2018, last_year: int = 2030) -> list[int]:
    """Instants (microseconds) where the zone's offset changes, found hour by hour."""
    info = ZoneInfo(zone)
    start = datetime(first_year, 1, 1, tzinfo=timezone.utc)
    hours = (datetime(last_year, 1, 1, tzinfo=timezone.utc) - start) // timedelta(hours=1)
    found = []
    previous = start.astimezone(info).utcoffset()
    for hour in range(1, hours):
        at = start + timedelta(hours=hour)
        offset = at.astimezone(info).utcoffset()
        if offset != previous:
            minute = at - timedelta(hours=1)  # the change is within the past hour
            while minute.astimezone(info).utcoffset() == previous:
                minute += timedelta(minutes=1)
            found.append((minute - EPOCH) // US)
        previous = offset
    return found


CHANGES = {zone: transitions(zone) for zone in ZONES}


def test_the_tested_zones_change_offset_as_expected() -> None:
    # twice a year in 2018..2029 for the DST zones, never for Kolkata and UTC
    assert [len(CHANGES[zone]) for zone in ZONES] == [24, 24, 24, 0, 0]


@st.composite
def instants_near_changes(draw: st.DrawFn) -> tuple[str, list[int]]:
    zone = draw(st.sampled_from(ZONES))
    anchors = CHANGES[zone] or [(datetime(2025, 3, 30, tzinfo=timezone.utc) - EPOCH) // US]
    near = st.builds(
        lambda anchor, shift: anchor + shift,
        st.sampled_from(anchors),
        st.integers(-2 * DAY_US, 2 * DAY_US)
        | st.integers(-3_600_000_000, 3_600_000_000)
        | st.sampled_from([-1, 0, 1, -1_000_000, 1_800_000_000]),
    )
    anywhere = st.integers(
        (datetime(1900, 1, 1, tzinfo=timezone.utc) - EPOCH) // US,
        (datetime(2100, 1, 1, tzinfo=timezone.utc) - EPOCH) // US,
    )
    return zone, draw(st.lists(near | anywhere, min_size=1, max_size=40))


@given(instants_near_changes())
def test_local_days_match_astimezone_around_offset_changes(case: tuple[str, list[int]]) -> None:
    zone, micros = case
    instants = np.array(micros, dtype=np.int64).view("datetime64[us]")
    expected = [reference_day(m, zone) for m in micros]
    assert local_days(instants, zone).tolist() == expected


def test_local_days_match_astimezone_in_every_zone() -> None:
    # 60 instants a zone across 1900..2100, and the instants either side of midnight
    rng = np.random.default_rng(7)
    low = (datetime(1900, 1, 1, tzinfo=timezone.utc) - EPOCH) // US
    high = (datetime(2100, 1, 1, tzinfo=timezone.utc) - EPOCH) // US
    for zone in sorted(available_timezones()):
        micros = rng.integers(low, high, size=60)
        got = local_days(micros.view("datetime64[us]"), zone)
        assert got.tolist() == [reference_day(int(m), zone) for m in micros], zone


def test_worked_examples() -> None:
    t = np.array(
        [
            "2025-03-30T00:59:59.999999",  # Berlin: 01:59:59 CET, Sunday of the spring change
            "2025-03-30T22:00",  # Berlin: 00:00 CEST on Monday the 31st
            "2025-03-30T21:59:59",  # Berlin: 23:59:59 CEST, still the 30th
            "2025-11-02T04:30",  # New York: 00:30 EDT (UTC-4) on the 2nd; EST starts at 06:00Z
        ],
        dtype="datetime64[us]",
    )
    berlin = local_days(t[:3], "Europe/Berlin").astype("datetime64[D]")
    assert berlin.astype(str).tolist() == ["2025-03-30", "2025-03-31", "2025-03-30"]
    assert str(local_days(t[3:], "America/New_York").astype("datetime64[D]")[0]) == "2025-11-02"
    kolkata = local_days(
        np.array(["2025-01-01T18:29:59", "2025-01-01T18:30"], "M8[us]"), "Asia/Kolkata"
    )
    assert kolkata.astype("datetime64[D]").astype(str).tolist() == ["2025-01-01", "2025-01-02"]


def test_missing_instants_give_the_sentinel() -> None:
    t = np.array(["NaT", "2025-06-01T12:00", "NaT"], dtype="datetime64[us]")
    assert local_days(t, "Europe/Berlin").tolist()[::2] == [NAT_DAY, NAT_DAY]
    assert local_days(t, "UTC").tolist()[::2] == [NAT_DAY, NAT_DAY]
    assert np.iinfo(np.int64).min == NAT_DAY
    nothing = np.array(["NaT", "NaT"], dtype="datetime64[us]")
    assert local_days(nothing, "Europe/Berlin").tolist() == [NAT_DAY, NAT_DAY]
    assert local_days(np.array([], dtype="datetime64[us]"), "UTC").tolist() == []


def test_other_units_and_utc() -> None:
    t = np.array(["2025-06-01T23:30:00"], dtype="datetime64[s]")
    assert local_days(t, "UTC").tolist() == [20240]
    assert local_days(t.astype("datetime64[ns]"), "Europe/Berlin").tolist() == [20241]
    assert local_days(np.array(["1969-12-31T23:00"], "M8[us]"), "UTC").tolist() == [-1]


def test_instants_far_apart_and_beyond_python_dates() -> None:
    # two instants 200 years apart (few rows over a long span), and one in the year 20000
    # (beyond Python's dates: it takes Berlin's offset at the end of 9999, winter, UTC+1)
    t = np.array(["1900-06-01T23:30", "2100-06-01T22:30", "20000-01-01T23:30"], "M8[us]")
    got = local_days(t, "Europe/Berlin")
    assert got[:2].tolist() == [reference_day(int(m), "Europe/Berlin") for m in t[:2].view("i8")]
    assert got[2] == (int(t[2].astype(np.int64)) + 3_600_000_000) // DAY_US


@pytest.mark.parametrize(
    ("n", "days"),
    [
        (5_000, 3),  # a short span for many rows: every day of it is looked up
        (300, 3_650),  # ten years, few rows: the days present are marked
        (50, 80_000),  # two centuries, few rows: the days present are found by sorting
    ],
)
def test_every_way_of_finding_the_days(n: int, days: int) -> None:
    rng = np.random.default_rng(n)
    start = (datetime(1950, 3, 29, tzinfo=timezone.utc) - EPOCH) // US
    micros = start + rng.integers(0, days * DAY_US, n)
    for zone in ("Europe/Berlin", "Australia/Lord_Howe"):
        got = local_days(micros.view("datetime64[us]"), zone)
        assert got.tolist() == [reference_day(int(m), zone) for m in micros]


def test_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="'Mars/Olympus' is not an IANA"):
        local_days(np.array(["2025-01-01"], "M8[us]"), "Mars/Olympus")
    for bad in ("", "Europe", "../etc/passwd", "utc"):
        with pytest.raises(InvalidInputError, match="IANA time zone"):
            time_zone(bad)
    with pytest.raises(InvalidInputError, match="IANA time zone"):
        time_zone(cast("str", 5))
    with pytest.raises(InvalidInputError, match="must be datetime64 values"):
        local_days(np.array([1, 2]), "UTC")


def reference_start(day: int, zone: str) -> int:
    """The first instant (microseconds) on local day ``day`` or later, by bisection."""
    low = (day - 2) * DAY_US // 1_000_000  # seconds: on an earlier local day
    high = (day + 2) * DAY_US // 1_000_000  # on a later one
    while high - low > 1:
        middle = (low + high) // 2
        if reference_day(middle * 1_000_000, zone) >= day:
            high = middle
        else:
            low = middle
    return high * 1_000_000


@given(st.sampled_from(ZONES), st.integers(-3, 3), st.integers(0, 23))
def test_day_start_is_the_first_instant_of_the_day(zone: str, shift: int, which: int) -> None:
    changes = CHANGES[zone] or [(datetime(2025, 3, 30, tzinfo=timezone.utc) - EPOCH) // US]
    day = changes[which % len(changes)] // DAY_US + shift
    assert int(day_start(day, zone).astype(np.int64)) == reference_start(day, zone)


@pytest.mark.parametrize(
    ("zone", "day", "start"),
    [
        ("UTC", "2026-01-01", "2026-01-01T00:00"),
        ("Europe/Berlin", "2026-01-01", "2025-12-31T23:00"),
        ("Europe/Berlin", "2025-03-31", "2025-03-30T22:00"),  # the first day of CEST
        ("America/New_York", "2025-11-03", "2025-11-03T05:00"),
        ("Australia/Lord_Howe", "2025-04-06", "2025-04-05T13:00"),  # +11 until 2:00 local
        ("Asia/Kolkata", "2025-01-02", "2025-01-01T18:30"),
        # midnight skipped: at 00:00 the clock jumped to 01:00 (UTC-3 -> UTC-2)
        ("America/Sao_Paulo", "2018-11-04", "2018-11-04T03:00"),
        # midnight twice: at 24:00 the clock went back to 23:00 (UTC-3 -> UTC-4), so the
        # 7th begins at the second midnight
        ("America/Santiago", "2024-04-07", "2024-04-07T04:00"),
    ],
)
def test_day_start_worked_examples(zone: str, day: str, start: str) -> None:
    number = int(np.datetime64(day, "D").astype(np.int64))
    assert day_start(number, zone) == np.datetime64(start, "us")
    assert int(day_start(number, zone).astype(np.int64)) == reference_start(number, zone)


# --- wall-clock times to UTC ---------------------------------------------------------------


@st.composite
def walls_near_changes(draw: st.DrawFn) -> tuple[str, list[int], list[bool]]:
    """Local wall-clock times near the zone's changes (gaps and repeats), with a fold each."""
    zone = draw(st.sampled_from(ZONES))
    anchors = CHANGES[zone] or [(datetime(2025, 3, 30, tzinfo=timezone.utc) - EPOCH) // US]
    near = st.builds(
        lambda anchor, shift: anchor + shift,
        st.sampled_from(anchors),
        st.integers(-3 * 3_600_000_000, 3 * 3_600_000_000) | st.integers(-2 * DAY_US, 2 * DAY_US),
    )
    anywhere = st.integers(
        (datetime(1900, 1, 1, tzinfo=timezone.utc) - EPOCH) // US,
        (datetime(2100, 1, 1, tzinfo=timezone.utc) - EPOCH) // US,
    )
    walls = draw(st.lists(near | anywhere, min_size=1, max_size=40))
    folds = draw(st.lists(st.booleans(), min_size=len(walls), max_size=len(walls)))
    return zone, walls, folds


@given(walls_near_changes())
def test_wall_to_utc_matches_zoneinfo(case: tuple[str, list[int], list[bool]]) -> None:
    zone, walls, folds = case
    got = wall_to_utc(np.array(walls, dtype=np.int64), np.array(folds), zone)
    naive_epoch = datetime(1970, 1, 1)
    expected = [
        ((naive_epoch + w * US).replace(tzinfo=ZoneInfo(zone), fold=int(f)) - EPOCH) // US
        for w, f in zip(walls, folds)
    ]
    assert got.tolist() == expected


def test_wall_to_utc_of_nothing_and_of_an_unknown_zone() -> None:
    assert wall_to_utc(np.empty(0, np.int64), np.empty(0, bool), "Europe/Berlin").tolist() == []
    with pytest.raises(InvalidInputError, match="`timezone` 'Nowhere' is not an IANA"):
        wall_to_utc(np.zeros(1, np.int64), np.zeros(1, bool), "Nowhere")
