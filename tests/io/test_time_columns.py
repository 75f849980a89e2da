"""Instant columns converted on the whole column, naive text read in an assumed zone.

References: the per-value path (``datetime - epoch``, one row at a time) and the
standard library's ``zoneinfo``.
"""

from __future__ import annotations

import pathlib
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import UsageEvent
from cshealth._exceptions import InvalidInputError
from cshealth.io import load, load_table, to_columns
from cshealth.io._durations import time_durations
from cshealth.io._time import utc_instants

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
ZONES = (
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(-timedelta(hours=3)),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Lord_Howe"),
)


def reference(values: list[datetime | None]) -> list[int | None]:
    """Microseconds since the epoch, one value at a time (``None`` when missing)."""
    return [None if v is None else (v - EPOCH) // US for v in values]


aware = st.builds(
    lambda moment, zone, fold: moment.replace(tzinfo=zone, fold=fold),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)),
    st.sampled_from(ZONES),
    st.integers(0, 1),
)


@given(st.lists(aware | st.none(), max_size=30))
def test_aware_datetimes_convert_as_they_do_one_by_one(values: list[datetime | None]) -> None:
    got = utc_instants(np.array([*values, 0], dtype=object)[:-1])
    assert got is not None
    expected = reference(values)
    assert [None if np.isnat(x) else int(x.astype(np.int64)) for x in got] == expected


def test_repeated_and_skipped_wall_times_follow_fold() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    values = [
        datetime(2025, 10, 26, 2, 30, tzinfo=berlin),  # first 02:30 (summer time)
        datetime(2025, 10, 26, 2, 30, tzinfo=berlin, fold=1),  # second 02:30 (winter)
        datetime(2025, 3, 30, 2, 30, tzinfo=berlin),  # skipped: read at the winter offset
    ]
    got = utc_instants(np.array(values, dtype=object))
    assert got is not None
    assert got.tolist() == [
        datetime(2025, 10, 26, 0, 30),
        datetime(2025, 10, 26, 1, 30),
        datetime(2025, 3, 30, 1, 30),
    ]


@pytest.mark.parametrize(
    "values",
    [
        [datetime(2025, 1, 1)],  # naive
        [datetime(2025, 1, 1, tzinfo=UTC), "2025-01-01T00:00Z"],  # mixed with text
        [date(2025, 1, 1)],
        [pd.Timestamp("2025-01-01")],  # a naive Timestamp
        [1.5],
    ],
)
def test_other_values_are_left_to_the_value_by_value_path(values: list[object]) -> None:
    assert utc_instants(np.array([*values, None], dtype=object)[:-1]) is None


def test_aware_timestamps_and_missing_values() -> None:
    values = np.array(
        [pd.Timestamp("2025-02-01 00:30", tz="Europe/Berlin"), pd.NaT, None, float("nan")],
        dtype=object,
    )
    got = utc_instants(values)
    assert got is not None
    assert str(got[0]) == "2025-01-31T23:30:00.000000"
    assert np.isnat(got[1:]).all()


def _events(column: object) -> dict[str, object]:
    return {"account_id": ["A", "B"], "user_id": ["u", "v"], "occurred_at": column}


@pytest.mark.parametrize(
    "column",
    [
        [datetime(2025, 1, 31, 23, 30, tzinfo=UTC), datetime(2025, 7, 1, 12, tzinfo=UTC)],
        pd.Series(pd.to_datetime(["2025-01-31T23:30Z", "2025-07-01T12:00Z"])).dt.tz_convert(
            "Asia/Tokyo"
        ),
        pl.Series([datetime(2025, 1, 31, 23, 30), datetime(2025, 7, 1, 12)])
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone("America/New_York"),
        np.array(
            [
                datetime(2025, 2, 1, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")),
                datetime(2025, 7, 1, 14, tzinfo=ZoneInfo("Europe/Berlin")),
            ],
            dtype=object,
        ),
    ],
)
def test_every_aware_form_gives_the_same_utc_column(column: object) -> None:
    got = to_columns(_events(column), UsageEvent)["occurred_at"]
    assert got.tolist() == [datetime(2025, 1, 31, 23, 30), datetime(2025, 7, 1, 12)]


# --- naive text in an assumed zone ---------------------------------------------------------

EXPORT = "account_id,user_id,occurred_at\nA,u,2022-01-21 00:00:00\nA,v,2022-07-01T12:00:00+02:00\n"


def test_a_sql_export_is_read_on_purpose(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "usage_events.csv"
    path.write_text(EXPORT)
    wanted = [datetime(2022, 1, 20, 23), datetime(2022, 7, 1, 10)]  # Berlin: UTC+1, then +2
    table = load_table(path, UsageEvent, assume_timezone="Europe/Berlin")
    assert table["occurred_at"].tolist() == wanted
    records = load(path, UsageEvent, assume_timezone="Europe/Berlin")
    assert [r.occurred_at.replace(tzinfo=None) for r in records] == wanted
    rows = [{"account_id": "A", "user_id": "u", "occurred_at": "2022-01-21 00:00:00"}]
    assert (
        to_columns(
            {k: [v] for k, v in rows[0].items()}, UsageEvent, assume_timezone="Europe/Berlin"
        )["occurred_at"].tolist()
        == wanted[:1]
    )
    assert [r.occurred_at for r in load(rows, UsageEvent, assume_timezone="UTC")] == [
        datetime(2022, 1, 21, tzinfo=UTC)
    ]


def test_without_an_assumed_zone_naive_text_is_still_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "usage_events.csv"
    path.write_text(EXPORT)
    for read in (load, load_table):
        with pytest.raises(InvalidInputError) as caught:
            read(path, UsageEvent)
        assert [e.code for e in caught.value.errors] == ["naive_datetime"]
    with pytest.raises(InvalidInputError, match="`assume_timezone` 'Berlin' is not an IANA"):
        load_table(path, UsageEvent, assume_timezone="Berlin")


@given(
    st.lists(
        st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 1, 1)).map(
            lambda d: d.replace(microsecond=0)
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]),
    st.sampled_from([" ", "T"]),
)
def test_naive_text_is_read_as_zoneinfo_reads_the_wall_clock(
    walls: list[datetime], zone: str, separator: str
) -> None:
    text = [wall.isoformat(sep=separator) for wall in walls]
    got = to_columns(_events_n(text), UsageEvent, assume_timezone=zone)["occurred_at"]
    expected = [(w.replace(tzinfo=ZoneInfo(zone)) - EPOCH) // US for w in walls]
    assert got.astype(np.int64).tolist() == expected


def _events_n(column: list[str]) -> dict[str, object]:
    n = len(column)
    return {"account_id": ["A"] * n, "user_id": [f"u{i}" for i in range(n)], "occurred_at": column}


# --- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spans",
    [
        pd.to_timedelta([7, 14, 21], unit="D"),
        pd.Series(pd.to_timedelta([7, 14, 21], unit="D")),
        np.array([7, 14, 21], dtype="timedelta64[D]"),
        np.array([7 * 86_400, 14 * 86_400, 21 * 86_400], dtype="timedelta64[s]"),
        [timedelta(days=7), timedelta(days=14), timedelta(days=21)],
        pl.Series([timedelta(days=7), timedelta(days=14), timedelta(days=21)]),
    ],
)
def test_time_spans_come_back_in_the_unit(spans: object) -> None:
    days = time_durations(spans, "durations", days_per_unit=1.0)
    weeks = time_durations(spans, "durations", days_per_unit=7.0)
    assert days is not None
    assert weeks is not None
    assert days.tolist() == [7.0, 14.0, 21.0]
    assert weeks.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "instants",
    [
        pd.to_datetime(["2025-01-08", "2025-01-15"]),
        np.array(["2025-01-08"], dtype="datetime64[D]"),
        [date(2025, 1, 8)],
        [datetime(2025, 1, 8, tzinfo=UTC)],
        pd.Series(pd.to_datetime(["2025-01-08"])).dt.tz_localize("UTC"),
    ],
)
def test_points_in_time_are_not_durations(instants: object) -> None:
    with pytest.raises(InvalidInputError, match="`durations` holds points in time"):
        time_durations(instants, "durations", days_per_unit=1.0)


def test_pyarrow_date_columns_read_as_days() -> None:
    # parquet's dates arrive from pandas and Dask as date32[pyarrow]; pandas has no time
    # zone for them (`.dt.tz` raises), and they are days
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    from cshealth import retention

    days = [date(2024, 1, 2), date(2024, 3, 1)]
    ends = [date(2024, 6, 1), None]
    arrow = pd.DataFrame(
        {
            "start_date": pd.array(days, dtype=pd.ArrowDtype(pa.date32())),
            "end_date": pd.array(ends, dtype=pd.ArrowDtype(pa.date32())),
        }
    )
    plain = {"start_date": days, "end_date": ends}
    as_of = date(2025, 1, 1)
    assert retention.survival(arrow, as_of=as_of) == retention.survival(plain, as_of=as_of)
