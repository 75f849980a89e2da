"""Calendar bucketing in a time zone: cohorts, churn windows and NPS periods.

The reference is deliberately slow and different: each instant is turned into a local
``datetime`` with ``zoneinfo`` one row at a time, and the calendar is read from it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cshealth import nps
from cshealth._exceptions import InvalidInputError
from cshealth.retention import activity_churn, cohort_table, logo_churn, logo_cohorts

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
#: DST at 02:00/03:00 local (Berlin), at midnight (Santiago, Havana), none (Kolkata).
ZONES = ("Europe/Berlin", "America/Santiago", "America/Havana", "Asia/Kolkata", "UTC")


def reference_months(instants: list[datetime], zone: str) -> list[str]:
    """The local calendar month (``YYYY-MM``) of each instant, one row at a time."""
    return [moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m") for moment in instants]


def reference_cohorts(ids: list[str], instants: list[datetime], zone: str) -> dict[str, int]:
    """Entities per cohort month (the local month of each entity's first event)."""
    first: dict[str, datetime] = {}
    for entity, moment in zip(ids, instants):
        if entity not in first or moment < first[entity]:
            first[entity] = moment
    sizes: dict[str, int] = defaultdict(int)
    for month in reference_months(list(first.values()), zone):
        sizes[month] += 1
    return dict(sizes)


# --- the reproduction ----------------------------------------------------------------


def test_a_customer_starting_at_half_past_midnight_in_berlin_is_a_february_customer() -> None:
    start = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 February in Berlin
    assert reference_months([start], "Europe/Berlin") == ["2025-02"]
    for column in (
        [start],
        np.array([start.replace(tzinfo=None)], dtype="datetime64[us]"),
        ["2025-01-31T23:30:00Z"],
        ["2025-02-01T00:30:00+01:00"],
        pd.Series([start]).dt.tz_convert("Europe/Berlin"),
        pl.Series([start]).dt.convert_time_zone("Europe/Berlin"),
    ):
        berlin = cohort_table(["c1"], column, as_of=date(2025, 4, 1), timezone="Europe/Berlin")
        utc = cohort_table(["c1"], column, as_of=date(2025, 4, 1))
        assert berlin.cohorts == ("2025-02",)
        assert utc.cohorts == ("2025-01",)


def test_as_of_is_the_start_of_its_local_day() -> None:
    # an event at 23:30 UTC on 28 February is on 1 March in Berlin: not before as_of there
    events = ["2025-01-10T12:00:00Z", "2025-02-28T23:30:00Z"]
    berlin = cohort_table(["a", "a"], events, as_of=date(2025, 3, 1), timezone="Europe/Berlin")
    utc = cohort_table(["a", "a"], events, as_of=date(2025, 3, 1))
    assert berlin.counts.tolist() == [[1, 0]]
    assert utc.counts.tolist() == [[1, 1]]
    # an instant as_of falls on its local day: 23:30 UTC on 28 February is 1 March in Berlin
    late = datetime(2025, 2, 28, 23, 30, tzinfo=UTC)
    assert cohort_table(["a"], events[:1], as_of=late, timezone="Europe/Berlin").as_of == date(
        2025, 3, 1
    )
    assert cohort_table(["a"], events[:1], as_of=late).as_of == date(2025, 2, 28)


# --- against the slow reference, around offset changes ---------------------------------------


def _transition_instants(zone: str) -> list[datetime]:
    """Instants where ``zone``'s offset changes in 2023-2026, found hour by hour."""
    info = ZoneInfo(zone)
    found = []
    moment = datetime(2023, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(info).utcoffset()
    while moment < datetime(2027, 1, 1, tzinfo=UTC):
        moment += timedelta(hours=1)
        offset = moment.astimezone(info).utcoffset()
        if offset != previous:
            found.append(moment)
        previous = offset
    return found or [datetime(2025, 3, 30, tzinfo=UTC)]


TRANSITIONS = {zone: _transition_instants(zone) for zone in ZONES}


@st.composite
def events_near_changes(draw: st.DrawFn) -> tuple[str, list[str], list[datetime]]:
    zone = draw(st.sampled_from(ZONES))
    near = st.builds(
        lambda anchor, minutes: anchor + timedelta(minutes=minutes),
        st.sampled_from(TRANSITIONS[zone]),
        st.integers(-36 * 60, 36 * 60),
    )
    month_edges = st.builds(  # around local midnight at the start of a month
        lambda month, minutes: (
            datetime(2024 + month // 12, month % 12 + 1, 1, tzinfo=ZoneInfo(zone))
            + timedelta(minutes=minutes)
        ).astimezone(UTC),
        st.integers(0, 23),
        st.integers(-120, 120),
    )
    instants = draw(st.lists(near | month_edges, min_size=1, max_size=30))
    ids = draw(st.lists(st.sampled_from("abcdef"), min_size=len(instants), max_size=len(instants)))
    return zone, ids, instants


@settings(deadline=None)
@given(events_near_changes(), st.sampled_from(["list", "numpy", "pandas", "text"]))
def test_cohorts_match_the_zoneinfo_reference(
    case: tuple[str, list[str], list[datetime]], form: str
) -> None:
    zone, ids, instants = case
    given_as: object = {
        "list": [moment.astimezone(ZoneInfo(zone)) for moment in instants],
        "numpy": np.array([m.replace(tzinfo=None) for m in instants], dtype="datetime64[us]"),
        "pandas": pd.Series(instants).dt.tz_convert(zone),
        "text": [moment.isoformat() for moment in instants],
    }[form]
    table = cohort_table(ids, given_as, as_of=date(2027, 6, 1), timezone=zone)
    expected = reference_cohorts(ids, instants, zone)
    assert dict(zip(table.cohorts, table.sizes.tolist())) == expected


# --- churn windows -------------------------------------------------------------------------


def test_activity_churn_window_bounds_start_at_local_midnight() -> None:
    # seen at 23:30 UTC on 28 February: before 1 March in UTC, on 1 March in Berlin
    ids, times = ["a"], ["2025-02-28T23:30:00Z"]
    window = {"base_on": date(2025, 2, 1), "compare_on": date(2025, 3, 1)}
    utc = activity_churn(ids, times, **window)
    berlin = activity_churn(ids, times, **window, timezone="Europe/Berlin")
    assert utc.compare_on == datetime(2025, 3, 1, tzinfo=UTC)
    assert berlin.compare_on == datetime(2025, 2, 28, 23, tzinfo=UTC)
    assert (utc.ending_entities, berlin.ending_entities) == (1, 0)


def test_logo_churn_reads_an_instant_bound_on_its_local_day() -> None:
    accounts = {"start_date": ["2024-06-01"], "end_date": ["2025-03-01"]}
    late = datetime(2025, 2, 28, 23, 30, tzinfo=UTC)  # 1 March in Berlin
    utc = logo_churn(accounts, base_on=date(2025, 1, 1), compare_on=late)
    berlin = logo_churn(
        accounts, base_on=date(2025, 1, 1), compare_on=late, timezone="Europe/Berlin"
    )
    assert (utc.compare_on, berlin.compare_on) == (date(2025, 2, 28), date(2025, 3, 1))
    assert (utc.churned_customers, berlin.churned_customers) == (0, 1)


def test_logo_cohorts_read_an_instant_as_of_on_its_local_day() -> None:
    accounts = {"id": ["A"], "start_date": ["2025-03-01"], "end_date": [None]}
    late = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)  # 2 March in Berlin
    assert logo_cohorts(accounts, as_of=late).as_of == date(2025, 3, 1)
    assert logo_cohorts(accounts, as_of=late, timezone="Europe/Berlin").as_of == date(2025, 3, 2)


FEB = {"as_of": date(2025, 2, 1)}
JAN = {"base_on": date(2025, 1, 1), "compare_on": date(2025, 2, 1)}
BAD_ZONES: list[tuple[Callable[..., object], tuple[object, ...], dict[str, object]]] = [
    (cohort_table, (["a"], ["2025-01-01"]), {**FEB, "timezone": "Berlin"}),
    (logo_cohorts, ({"id": ["A"], "start_date": ["2025-01-01"]},), {**FEB, "timezone": "CET+1"}),
    (logo_churn, ({"start_date": ["2025-01-01"]},), {**JAN, "timezone": ""}),
    (activity_churn, (["a"], ["2025-01-01T00:00Z"]), {**JAN, "timezone": None}),
    (nps.trend, ({"score": [9], "submitted_at": ["2025-01-01T00:00Z"]},), {**FEB, "timezone": "X"}),
    (nps.breakdown, ({"score": [9], "g": ["x"]},), {"by": "g", "timezone": "europe/berlin"}),
]


@pytest.mark.parametrize(("function", "args", "kwargs"), BAD_ZONES)
def test_an_unknown_zone_is_named_in_every_area(
    function: Callable[..., object], args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidInputError, match=r"`timezone` .* is not an IANA time zone name"):
        function(*args, **kwargs)


# --- NPS -----------------------------------------------------------------------------------


def _responses(instants: list[datetime], scores: list[int]) -> dict[str, object]:
    return {"score": scores, "submitted_at": [m.isoformat() for m in instants]}


@settings(deadline=None, max_examples=40)
@given(events_near_changes())
def test_nps_months_match_the_zoneinfo_reference(
    case: tuple[str, list[str], list[datetime]],
) -> None:
    zone, ids, instants = case
    scores = [10 if entity < "c" else 3 for entity in ids]
    result = nps.trend(
        _responses(instants, scores),
        as_of=date(2027, 1, 1),
        timezone=zone,
        survey_type=None,
        dedupe="none",
        min_n=0,
    )
    counted = {point.start.strftime("%Y-%m"): point.result.n for point in result if point.result.n}
    expected: dict[str, int] = defaultdict(int)
    for month in reference_months(instants, zone):
        expected[month] += 1
    assert counted == dict(expected)
    for point in result:  # periods start at the first instant of a month's first local day
        local = point.start.astimezone(ZoneInfo(zone))
        before = (point.start - US).astimezone(ZoneInfo(zone))
        assert local.day == 1
        assert before.date() < local.date()


def test_nps_breakdown_window_bounds_are_local_midnights() -> None:
    data = {
        "score": [10, 0],
        "g": ["x", "x"],
        "submitted_at": ["2025-02-28T23:30:00Z", "2025-01-31T23:30:00Z"],
    }
    utc = nps.breakdown(data, by="g", start=date(2025, 2, 1), end=date(2025, 3, 1), min_n=0)
    berlin = nps.breakdown(
        data,
        by="g",
        start=date(2025, 2, 1),
        end=date(2025, 3, 1),
        min_n=0,
        timezone="Europe/Berlin",
    )
    assert (utc["x"].n, utc["x"].score) == (1, 100.0)
    assert (berlin["x"].n, berlin["x"].score) == (1, -100.0)
