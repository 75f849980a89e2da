"""Columnar conversion: ``to_columns``, ``from_columns``, ``load_table`` and ``write``.

The columnar path is a second implementation of the models' rules, so most properties here
compare it with the record path (:func:`cshealth.load`), which pydantic drives.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from tests.strategies import raw_row_lists, record_lists

from cshealth import (
    Account,
    Contact,
    Goal,
    InvalidInputError,
    LoadResult,
    Milestone,
    RevenueChange,
    SurveyResponse,
    Table,
    Ticket,
    UsageRecord,
    from_columns,
    load,
    load_table,
    to_columns,
    write,
)
from cshealth._scalars import BAD_TEXT
from cshealth.io._schema import field_specs
from cshealth.models import MODELS, Record
from cshealth.models._base import Identifier, Share

UTC = timezone.utc
ALL_MODELS = list(MODELS.values())
NAT_D = np.datetime64("NaT", "D")
NAT_US = np.datetime64("NaT", "us")


class Rated(Record):
    """A test-only model with an upper bound (no shipped model has one)."""

    table_name: ClassVar[str] = "rated"

    id: Identifier
    share: Share
    maybe: Share | None = None


ONE_ROW: dict[type[Record], dict[str, list[Any]]] = {
    Account: {"id": ["A1"], "name": ["Acme"], "start_date": ["2024-01-15"]},
    Contact: {"id": ["C1"], "account_id": ["A1"]},
    Milestone: {"id": ["M1"], "account_id": ["A1"], "name": ["kickoff"]},
    Goal: {"id": ["G1"], "account_id": ["A1"], "name": ["grow"]},
    Ticket: {
        "id": ["T1"],
        "account_id": ["A1"],
        "channel": ["email"],
        "created_at": ["2025-03-03T09:00:00Z"],
    },
    SurveyResponse: {
        "id": ["R1"],
        "account_id": ["A1"],
        "kind": ["nps"],
        "survey_type": ["relationship"],
        "score": [9],
        "submitted_at": ["2025-04-02T00:00:00Z"],
    },
    UsageRecord: {"account_id": ["A1"], "day": ["2025-05-05"], "active_users": [14]},
    RevenueChange: {"account_id": ["A1"], "effective_on": ["2025-01-01"], "mrr": [900.0]},
    Rated: {"id": ["X1"], "share": [0.5]},
}


def columns_of(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rows as columns: a field a row leaves out is ``None`` in that row."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    return {name: [row.get(name) for row in rows] for name in names}


def attempt(data: Any, model: type[Record], **options: Any) -> Table | InvalidInputError:
    """The table, or the error ``to_columns`` raises."""
    try:
        return to_columns(data, model, **options)
    except InvalidInputError as exc:
        return exc


def errors_of(data: Any, model: type[Record], **options: Any) -> list[tuple[int, str, str]]:
    """``(row, field, code)`` of every error ``to_columns`` reports."""
    with pytest.raises(InvalidInputError) as info:
        to_columns(data, model, **options)
    return [(e.row, e.field or "", e.code) for e in info.value.errors]


# --- dtypes ---------------------------------------------------------------------------------------


def test_dtypes_follow_the_column_conventions() -> None:
    tickets = [
        Ticket(
            id="T1",
            account_id="A1",
            channel="web",
            created_at=datetime(2025, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=1))),
            queue_wait_seconds=12.5,
        ),
        Ticket(
            id="T2",
            account_id="A1",
            channel="chat",
            created_at=datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
            resolved_at=datetime(2025, 3, 4, 9, 0, tzinfo=UTC),
            service_qualified_lead=True,
        ),
    ]
    t = to_columns(tickets)
    assert t.model is Ticket
    assert t.columns == tuple(Ticket.model_fields)
    assert t["id"].dtype == object
    assert t["reopened_count"].dtype == np.int64
    assert t["queue_wait_seconds"].dtype == np.float64
    assert t["abandoned"].dtype == np.bool_
    assert t["created_at"].dtype == np.dtype("datetime64[us]")
    assert t["created_at"].tolist() == [datetime(2025, 3, 3, 9, 0)] * 2  # UTC, zone dropped
    assert np.isnat(t["resolved_at"][0])
    assert math.isnan(t["queue_wait_seconds"][1])
    assert math.isnan(t["lead_revenue"][0])
    assert t["service_qualified_lead"].tolist() == [False, True]


def test_dtypes_of_dates_text_mappings_and_nullable_counts() -> None:
    accounts = [
        Account(id="A1", name="Acme", start_date=date(2024, 1, 1), seats=3, traits={"x": 1}),
        Account(id="A2", name="Beta", start_date=date(2024, 2, 1), segment="smb"),
    ]
    t = to_columns(accounts)
    assert t["start_date"].dtype == np.dtype("datetime64[D]")
    assert t["end_date"].dtype == np.dtype("datetime64[D]")
    assert np.isnat(t["end_date"]).all()
    assert t["segment"].tolist() == [None, "smb"]
    assert t["seats"].dtype == np.float64  # a count that may be missing
    assert np.isnan(t["seats"][1])
    assert t["traits"].dtype == object
    assert isinstance(t["traits"][0], MappingProxyType)
    assert dict(t["traits"][0]) == {"x": 1}
    assert dict(t["traits"][1]) == {}


@given(data=st.data())
@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_every_field_gets_its_dtype(model: type[Record], data: Any) -> None:
    records = data.draw(record_lists(model))
    t = to_columns(records, model)
    assert t.n_rows == len(records)
    for spec in field_specs(model):
        assert t[spec.name].dtype == np.dtype(spec.dtype), spec.name


# --- round trips ----------------------------------------------------------------------------------


@given(data=st.data())
@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_records_to_columns_and_back(model: type[Record], data: Any) -> None:
    records = data.draw(record_lists(model))
    table = to_columns(records, model)
    assert from_columns(table, model) == records
    assert from_columns(table) == records  # the table's own model
    assert to_columns(table, model) == table  # a table converts to itself
    assert to_columns(dict(table), model) == table


@given(data=st.data())
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_write_then_load_and_load_table(
    model: type[Record], fmt: str, data: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    records = data.draw(record_lists(model, max_size=4))
    table = to_columns(records, model)
    target = tmp_path_factory.mktemp("w") / f"{model.table_name}.{fmt}"
    path = write(table, target, escape_formulas=False)  # a machine round trip
    loaded = load(path, model)
    assert loaded == records
    assert load_table(path, model) == table
    assert load_table(path, model) == to_columns(loaded, model)


def test_write_records_and_tables_alike(tmp_path: Path) -> None:
    changes = [
        RevenueChange(account_id="A1", effective_on=date(2025, 1, 1), mrr=99.0),
        RevenueChange(account_id="A1", effective_on=date(2025, 2, 1), mrr=0.0),
    ]
    one = write(changes, tmp_path / "one.csv")
    two = write(to_columns(changes), tmp_path / "two.csv")
    assert one.read_text() == two.read_text()
    assert one.read_text().splitlines() == [
        "account_id,effective_on,mrr",
        "A1,2025-01-01,99.0",
        "A1,2025-02-01,0.0",
    ]


def test_write_cells(tmp_path: Path) -> None:
    ticket = Ticket(
        id="T1",
        account_id="A1",
        channel="web",
        created_at=datetime(2025, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=1))),
        abandoned=True,
    )
    usage = UsageRecord(
        account_id="A1", day=date(2025, 1, 1), active_users=1, feature_events={"a": 2}
    )
    lines = write([ticket], tmp_path / "t.csv").read_text().splitlines()
    assert lines[1] == "T1,A1,web,normal,2025-03-03T09:00:00.000000Z,,,0,0,0,,true,false,false,"
    row = json.loads(write([ticket], tmp_path / "t.jsonl").read_text())
    assert "resolved_at" not in row  # missing values are left out
    assert row["abandoned"] is True
    assert (
        write([usage], tmp_path / "u.csv").read_text().splitlines()[1]
        == 'A1,2025-01-01,1,0,"{""a"": 2}"'
    )
    assert json.loads(write([usage], tmp_path / "u.json").read_text()) == [
        {
            "account_id": "A1",
            "day": "2025-01-01",
            "active_users": 1,
            "logins": 0,
            "feature_events": {"a": 2},
        }
    ]


@pytest.mark.parametrize(
    ("name", "fmt"), [("out.txt", "csv"), ("out", "jsonl"), ("out.csv", "json")]
)
def test_write_format_overrides_the_suffix(tmp_path: Path, name: str, fmt: Any) -> None:
    changes = [RevenueChange(account_id="A1", effective_on=date(2025, 1, 1), mrr=1.0)]
    path = write(changes, tmp_path / name, format=fmt)
    assert load(path, RevenueChange, format=fmt) == changes


def test_write_needs_a_known_suffix_or_format(tmp_path: Path) -> None:
    changes = [RevenueChange(account_id="A1", effective_on=date(2025, 1, 1), mrr=1.0)]
    with pytest.raises(InvalidInputError, match=r"cannot tell the format of .*out\.xlsx"):
        write(changes, tmp_path / "out.xlsx")


def test_write_of_no_records_needs_a_table(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"write\(to_columns\(\[\], Model\), path\)"):
        write([], tmp_path / "out.csv")
    empty = to_columns([], RevenueChange)
    path = write(empty, tmp_path / "out.csv")
    assert path.read_text() == "account_id,effective_on,mrr\n"
    assert load(path, RevenueChange) == []


# --- the second implementation agrees with the first ----------------------------------------------


@given(data=st.data())
@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_columns_agree_with_records(model: type[Record], data: Any) -> None:
    """``to_columns`` raises exactly when ``load`` finds errors, and yields the same records."""
    rows = data.draw(raw_row_lists(model, max_size=5).filter(bool))
    result = load(rows, model, strict=False)
    table = attempt(columns_of(rows), model, extra="forbid")
    if isinstance(table, InvalidInputError):
        assert not result.ok, f"only the columns found {table}"
    else:
        assert result.ok, f"only the records found {result.errors}"
        assert from_columns(table, model) == result.records


@given(data=st.data())
@pytest.mark.parametrize("model", [Account, Ticket, SurveyResponse, UsageRecord], ids=str)
def test_load_table_agrees_with_load_on_csv_files(
    model: type[Record], data: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import csv

    rows = data.draw(raw_row_lists(model, max_size=5))
    names = list(model.model_fields)
    cells = [[_cell(row.get(name)) for name in names] for row in rows]
    # a lone surrogate cannot be written to a UTF-8 file at all (the columns refuse it)
    assume(not any(isinstance(c, str) and BAD_TEXT.search(c) for row in cells for c in row))
    path = tmp_path_factory.mktemp("csv") / "rows.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(cells)
    result = load(path, model, strict=False)
    if result.ok:
        assert load_table(path, model) == to_columns(result.records, model)
    else:
        with pytest.raises(InvalidInputError) as info:
            load_table(path, model)
        assert [e.line for e in info.value.errors] == [e.row + 1 for e in info.value.errors]


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, np.datetime64):  # a day as it is, an instant in UTC
        if np.isnat(value) or np.datetime_data(value.dtype)[0] == "D":
            return "" if np.isnat(value) else str(value)
        return f"{value.astype('datetime64[us]')}Z"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@pytest.mark.parametrize(
    ("text", "loads"),
    [
        (" 2025-01-01", False),  # padded dates are refused by both paths
        ("2025-01-01", True),
        ("  ", True),  # a blank cell is not given, in both
        ("nan", False),  # text NaN is not a missing number in either
    ],
)
def test_csv_cells_mean_the_same_to_load_and_load_table(
    tmp_path: Path, text: str, loads: bool
) -> None:
    path = tmp_path / "m.csv"
    field = "due_date" if text != "nan" else "name"
    column = "due_date" if text != "nan" else "seats"
    if column == "seats":
        path.write_text(f"id,name,start_date,seats\nA1,Acme,2024-01-01,{text}\n")
        model: type[Record] = Account
    else:
        path.write_text(f"id,account_id,name,{field}\nM1,A1,kickoff,{text}\n")
        model = Milestone
    assert load(path, model, strict=False).ok is loads
    if loads:
        assert load_table(path, model) == to_columns(load(path, model), model)
    else:
        with pytest.raises(InvalidInputError):
            load_table(path, model)


# --- inputs of every shape ------------------------------------------------------------------------


def test_dict_of_lists_fills_defaults() -> None:
    t = to_columns(ONE_ROW[Ticket], Ticket)
    assert t["priority"].tolist() == ["normal"]
    assert t["reopened_count"].tolist() == [0]
    assert t["reopened_count"].dtype == np.int64
    assert t["abandoned"].tolist() == [False]
    assert np.isnat(t["resolved_at"]).all()
    survey = to_columns(ONE_ROW[SurveyResponse], SurveyResponse)
    assert survey["weight"].tolist() == [1.0]
    usage = to_columns(ONE_ROW[UsageRecord], UsageRecord)
    assert [dict(m) for m in usage["feature_events"]] == [{}]
    assert usage["logins"].tolist() == [0]


def test_missing_cells_of_defaulted_fields_take_the_default() -> None:
    data = {**ONE_ROW[Ticket], "priority": [None], "reopened_count": [np.nan], "abandoned": [None]}
    t = to_columns(data, Ticket)
    assert t["priority"].tolist() == ["normal"]
    assert t["reopened_count"].tolist() == [0]
    assert t["reopened_count"].dtype == np.int64
    assert t["abandoned"].tolist() == [False]


def test_empty_columns() -> None:
    t = to_columns({name: [] for name in ONE_ROW[Ticket]}, Ticket)
    assert t.n_rows == 0
    assert t["created_at"].dtype == np.dtype("datetime64[us]")
    assert t["reopened_count"].dtype == np.int64
    assert to_columns([], Ticket) == t


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64]
)
def test_integer_arrays_of_every_width(dtype: Any) -> None:
    data = {**ONE_ROW[UsageRecord], "active_users": np.array([14], dtype=dtype)}
    data["logins"] = np.array([3], dtype=dtype)
    t = to_columns(data, UsageRecord)
    assert t["active_users"].dtype == np.int64
    assert t["active_users"].tolist() == [14]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_arrays_of_every_width(dtype: Any) -> None:
    data = {**ONE_ROW[RevenueChange], "mrr": np.array([12.5], dtype=dtype)}
    t = to_columns(data, RevenueChange)
    assert t["mrr"].dtype == np.float64
    assert t["mrr"].tolist() == [12.5]


def test_whole_floats_and_bools_fill_counts() -> None:
    data = {**ONE_ROW[UsageRecord], "active_users": np.array([14.0]), "logins": np.array([True])}
    t = to_columns(data, UsageRecord)
    assert t["active_users"].tolist() == [14]
    assert t["logins"].tolist() == [1]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (np.array([True, False]), [True, False]),
        (np.array([1, 0]), [True, False]),
        (np.array([1.0, 0.0]), [True, False]),
        (["yes", "no"], [True, False]),
        (["TRUE", "f"], [True, False]),
        (["On", "off"], [True, False]),
        ([True, "0"], [True, False]),
        (np.array([True, None], dtype=object), [True, False]),  # missing: the default
        (["1", ""], [True, False]),
    ],
)
def test_flags_from_every_spelling(values: Any, expected: list[bool]) -> None:
    data = {
        "id": ["C1", "C2"],
        "account_id": ["A1", "A1"],
        "is_champion": values,
    }
    t = to_columns(data, Contact)
    assert t["is_champion"].dtype == np.bool_
    assert t["is_champion"].tolist() == expected


@pytest.mark.parametrize(
    "values",
    [
        np.array(["2025-05-05"], dtype="datetime64[D]"),
        np.array(["2025-05-05T00:00"], dtype="datetime64[s]"),
        np.array(["2025-05-05"], dtype="datetime64[ns]"),
        [date(2025, 5, 5)],
        [datetime(2025, 5, 5, tzinfo=UTC)],
        [datetime(2025, 5, 5)],  # midnight: a date, zone or not
        ["2025-05-05"],
        np.array(["2025-05-05"]),
        np.array([np.datetime64("2025-05-05")], dtype=object),
        pd.Series(pd.to_datetime(["2025-05-05"])),
    ],
)
def test_dates_from_every_form(values: Any) -> None:
    t = to_columns({**ONE_ROW[UsageRecord], "day": values}, UsageRecord)
    assert t["day"].tolist() == [date(2025, 5, 5)]


@pytest.mark.parametrize(
    "values",
    [
        ["2025-03-03T09:00:00Z"],
        ["2025-03-03T09:00Z"],
        ["2025-03-03 09:00:00Z"],
        ["2025-03-03t09:00:00z"],
        ["2025-03-03T10:00:00+01:00"],
        ["2025-03-03T10:00:00+0100"],
        ["2025-03-03T04:00:00-05:00"],
        ["2025-03-03T09:00:00.000000Z"],
        ["2025-03-03T09:00:00,0Z"],
        np.array(["2025-03-03T09:00:00Z"]),
        [datetime(2025, 3, 3, 9, tzinfo=UTC)],
        [datetime(2025, 3, 3, 14, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))],
        np.array(["2025-03-03T09:00"], dtype="datetime64[m]"),  # numpy instants are UTC
        np.array(["2025-03-03T09:00:00.000000000"], dtype="datetime64[ns]"),
        np.array([np.datetime64("2025-03-03T09:00")], dtype=object),
        pd.Series(pd.to_datetime(["2025-03-03T10:00"]).tz_localize("Europe/Paris")),
        pd.Series(pd.to_datetime(["2025-03-03T09:00"])),  # naive datetime64: read as UTC
    ],
)
def test_instants_from_every_form(values: Any) -> None:
    t = to_columns({**ONE_ROW[Ticket], "created_at": values}, Ticket)
    assert t["created_at"].dtype == np.dtype("datetime64[us]")
    assert t["created_at"].tolist() == [datetime(2025, 3, 3, 9, 0)]


@pytest.mark.parametrize(
    ("text", "micro"),
    [
        ("2025-03-03T09:00:00.5Z", 500_000),
        ("2025-03-03T09:00:00.123456Z", 123_456),
        ("2025-03-03T09:00:00.1234567Z", 123_456),  # truncated, as pydantic does
        ("2025-03-03T09:00:00.1234567+00:00", 123_456),
    ],
)
def test_fractions_of_a_second(text: str, micro: int) -> None:
    t = to_columns({**ONE_ROW[Ticket], "created_at": [text]}, Ticket)
    assert t["created_at"][0].tolist().microsecond == micro
    assert (
        load([{k: v[0] for k, v in {**ONE_ROW[Ticket], "created_at": [text]}.items()}], Ticket)[
            0
        ].created_at.microsecond
        == micro
    )


def test_text_columns_strip_and_identifiers_keep_their_type() -> None:
    t = to_columns(
        {"id": [17, 18], "account_id": np.array([" A1 ", "A2"]), "name": ["x", None]}, Contact
    )
    assert t["id"].dtype == np.int64
    assert t["id"].tolist() == [17, 18]
    assert t["account_id"].tolist() == ["A1", "A2"]
    assert t["name"].tolist() == ["x", None]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([{"api": 7}], [{"api": 7}]),
        (['{"api": 7}'], [{"api": 7}]),
        ([MappingProxyType({"api": 7})], [{"api": 7}]),
        ([None], [{}]),
        ([""], [{}]),
        ([np.nan], [{}]),
    ],
)
def test_mapping_columns(values: list[Any], expected: list[dict[str, int]]) -> None:
    t = to_columns({**ONE_ROW[UsageRecord], "feature_events": values}, UsageRecord)
    assert [dict(m) for m in t["feature_events"]] == expected
    assert all(isinstance(m, MappingProxyType) for m in t["feature_events"])


def test_pandas_data_frame() -> None:
    frame = pd.DataFrame(
        {
            "id": ["T1", "T2", "T3"],
            "account_id": ["A1", "A1", "A2"],
            "channel": ["web", "chat", np.nan],
            "created_at": pd.to_datetime(
                ["2025-03-03T10:00", "2025-03-03T11:00", "2025-03-04T00:00"]
            ).tz_localize("Europe/Paris"),
            "resolved_at": pd.to_datetime(["2025-03-05T00:00Z", None, None]),
            "reopened_count": pd.array([1, None, 2], dtype="Int64"),
            "abandoned": pd.array([True, None, False], dtype="boolean"),
            "priority": pd.Categorical(["high", "low", "low"]),
            "lead_revenue": [np.nan, np.nan, np.nan],
            "comment_ignored": ["a", "b", "c"],
        }
    )
    frame = frame.assign(channel=frame["channel"].fillna("email"))
    t = to_columns(frame, Ticket)
    assert t["created_at"].tolist() == [
        datetime(2025, 3, 3, 9, 0),
        datetime(2025, 3, 3, 10, 0),
        datetime(2025, 3, 3, 23, 0),
    ]
    assert np.isnat(t["resolved_at"][1:]).all()
    assert t["reopened_count"].tolist() == [1, 0, 2]  # pandas NA: the default
    assert t["abandoned"].tolist() == [True, False, False]
    assert t["priority"].tolist() == ["high", "low", "low"]
    assert "comment_ignored" not in t
    records = from_columns(frame.drop(columns="comment_ignored"), Ticket)
    assert records == from_columns(t)


def test_pandas_object_columns_with_nan_and_na() -> None:
    frame = pd.DataFrame(
        {
            "id": ["C1", "C2", "C3"],
            "account_id": ["A1", "A1", "A1"],
            "name": ["Ann", np.nan, pd.NA],
            "role": pd.array(["admin", None, "user"], dtype="string"),
            "started_on": pd.Series([pd.Timestamp("2024-01-01"), pd.NaT, None], dtype=object),
        }
    )
    t = to_columns(frame, Contact)
    assert t["name"].tolist() == ["Ann", None, None]
    assert t["role"].tolist() == ["admin", None, "user"]
    assert t["started_on"].tolist() == [date(2024, 1, 1), None, None]
    assert [c.name for c in from_columns(frame, Contact)] == ["Ann", None, None]


def test_from_a_table_without_a_model() -> None:
    t = Table({"account_id": ["A1"], "effective_on": ["2025-01-01"], "mrr": [3]})
    assert to_columns(t, RevenueChange)["mrr"].tolist() == [3.0]


class FrameLike:
    """Anything with ``columns`` and ``[]``, as polars frames have."""

    def __init__(self, data: dict[str, list[Any]]) -> None:
        self._data = data

    @property
    def columns(self) -> list[str]:
        return list(self._data)

    def __getitem__(self, key: str) -> list[Any]:
        return self._data[key]


def test_any_data_frame_like_object() -> None:
    t = to_columns(FrameLike(ONE_ROW[RevenueChange]), RevenueChange)
    assert t["mrr"].tolist() == [900.0]
    assert from_columns(FrameLike(ONE_ROW[RevenueChange]), RevenueChange)[0].mrr == 900.0


# --- structural errors ----------------------------------------------------------------------------


def test_extra_columns_are_ignored_or_forbidden() -> None:
    data = {**ONE_ROW[RevenueChange], "currency": ["EUR"]}
    assert "currency" not in to_columns(data, RevenueChange)
    assert to_columns(data, RevenueChange, extra="ignore") == to_columns(
        ONE_ROW[RevenueChange], RevenueChange
    )
    with pytest.raises(
        InvalidInputError,
        match=r"unknown columns \['currency'\] for RevenueChange; allowed: \['account_id', "
        r"'effective_on', 'mrr'\] \(or pass extra='ignore'\)",
    ):
        to_columns(data, RevenueChange, extra="forbid")


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(
        InvalidInputError, match=r"missing required columns \['effective_on'\] for RevenueChange$"
    ):
        to_columns({"account_id": ["A1"], "mrr": [1.0]}, RevenueChange)
    with pytest.raises(
        InvalidInputError,
        match=r"missing required columns \['effective_on'\] for RevenueChange; unknown columns "
        r"present: \['effective'\]",
    ):
        to_columns({"account_id": ["A1"], "effective": ["2025-01-01"], "mrr": [1.0]}, RevenueChange)


def test_columns_of_unequal_length() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"columns must all have one length, got \{'account_id': 2, 'effective_on': 1",
    ):
        to_columns({**ONE_ROW[RevenueChange], "account_id": ["A1", "A2"]}, RevenueChange)


@pytest.mark.parametrize("value", ["A1", 5, None if False else 3.5, np.array("A1")])
def test_a_scalar_is_not_a_column(value: object) -> None:
    with pytest.raises(InvalidInputError, match="column `account_id` must be a sequence of values"):
        to_columns({**ONE_ROW[RevenueChange], "account_id": value}, RevenueChange)
    with pytest.raises(InvalidInputError, match="must be a sequence of values"):
        from_columns({**ONE_ROW[RevenueChange], "account_id": value}, RevenueChange)


@pytest.mark.parametrize(
    "values",
    [
        np.array([["A1"]]),  # two-dimensional
        [["A1"]],
        [("A", "1")],
    ],
)
def test_nested_values_are_bad_cells(values: Any) -> None:
    assert errors_of({**ONE_ROW[RevenueChange], "account_id": values}, RevenueChange) == [
        (1, "account_id", "id_type")  # reported once, not also as missing
    ]


def test_ragged_nested_values_are_bad_cells() -> None:
    data = {
        "account_id": ["A1", "A2"],
        "day": ["2025-01-01"] * 2,
        "active_users": [1, 1],
        "feature_events": [[1], [1, 2]],
    }
    with pytest.raises(InvalidInputError) as info:
        to_columns(data, UsageRecord)
    assert [(e.row, e.value, e.code) for e in info.value.errors] == [
        (1, [1], "json_object"),
        (2, [1, 2], "json_object"),
    ]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([], "records must all be of one model, got \\['nothing'\\]; pass `model`"),
        ([1, 2], "expected cshealth records or columns, got int items"),
        ([{"id": "A1"}], "for mappings of field to value use load\\(rows, Model\\)"),
    ],
)
def test_records_without_a_model(data: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        to_columns(data)


def test_records_of_mixed_models() -> None:
    a = Account(id="A1", name="x", start_date=date(2024, 1, 1))
    c = Contact(id="C1", account_id="A1")
    with pytest.raises(InvalidInputError, match=r"got \['Account', 'Contact'\]"):
        to_columns([a, c])
    with pytest.raises(InvalidInputError, match=r"got \['Account', 'Contact'\]"):
        to_columns([a], Contact)
    assert to_columns([a], Account).n_rows == 1


# --- bad values -----------------------------------------------------------------------------------


BAD_VALUES = [
    # numbers
    (UsageRecord, "active_users", "many", "number_parsing", "expected a number"),
    (UsageRecord, "active_users", object(), "number_parsing", "expected a number"),
    (UsageRecord, "active_users", 2.5, "int_from_float", "expected a whole number"),
    (UsageRecord, "active_users", "2.5", "int_from_float", "expected a whole number"),
    (UsageRecord, "active_users", np.inf, "finite_number", "not infinity"),
    (UsageRecord, "active_users", "-inf", "finite_number", "not infinity"),
    (UsageRecord, "active_users", "nan", "finite_number", "not NaN"),
    (UsageRecord, "active_users", -1, "greater_than_equal", "must be >= 0"),
    (UsageRecord, "active_users", 2**70, "int_too_large", "at most 2**53"),
    (UsageRecord, "active_users", -(2**60), "int_too_large", "at most 2**53"),
    (RevenueChange, "mrr", "NaN", "finite_number", "not NaN"),
    (RevenueChange, "mrr", "1,5", "number_parsing", "expected a number"),
    (RevenueChange, "mrr", -0.5, "greater_than_equal", "must be >= 0"),
    (Rated, "share", 1.5, "less_than_equal", "must be <= 1"),
    (Rated, "share", -0.5, "greater_than_equal", "must be >= 0"),
    # flags
    (Contact, "is_champion", "maybe", "bool_parsing", "expected true or false"),
    (Contact, "is_champion", 2, "bool_parsing", "expected true or false"),
    (Contact, "is_champion", " yes", "bool_parsing", "expected true or false"),
    (Contact, "is_champion", date(2025, 1, 1), "bool_parsing", "expected true or false"),
    # dates
    (UsageRecord, "day", "2025-13-01", "date_parsing", "expected a calendar date"),
    (UsageRecord, "day", "2025-02-29", "date_parsing", "expected a calendar date"),
    (UsageRecord, "day", "20250101", "date_parsing", "expected a calendar date"),
    (UsageRecord, "day", "2025-W01-1", "date_parsing", "expected a calendar date"),
    (UsageRecord, "day", " 2025-01-01", "date_parsing", "expected a calendar date"),
    (UsageRecord, "day", "0000-01-01", "date_parsing", "expected a calendar date"),
    (UsageRecord, "day", 20250101, "date_parsing", "expected a calendar date"),
    (UsageRecord, "day", datetime(2025, 1, 1, 5), "date_with_time", "got a timestamp"),
    (UsageRecord, "day", np.datetime64("2025-01-01T05:00"), "date_with_time", "time of day"),
    # instants
    (Ticket, "created_at", "2025-03-03T09:00:00", "naive_datetime", "has no time zone"),
    (Ticket, "created_at", datetime(2025, 3, 3, 9), "naive_datetime", "has no time zone"),
    (Ticket, "created_at", "2025-03-03", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "yesterday", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "2025-02-30T09:00:00Z", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "2025-03-03T24:00:00Z", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "2025-03-03T10Z", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "20250303T090000Z", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "2025-03-03T09:00:00+00", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "2025-03-03T09:00:00+24:00", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "2025-03-03T09:00:00+01:60", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "2025-03-03T09:00:00.Z", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "2025-03-03T09:00:00ZZ", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", " 2025-03-03T09:00:00Z", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", "0000-03-03T09:00:00Z", "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", 1_740_992_400, "datetime_parsing", "with a time zone"),
    (Ticket, "created_at", date(2025, 3, 3), "datetime_parsing", "with a time zone"),
    # categories and text
    (Ticket, "priority", "critical", "literal_error", "must be one of 'low', 'normal', 'high'"),
    (Ticket, "priority", "High", "literal_error", "must be one of"),
    (Ticket, "priority", "high ", "literal_error", "must be one of"),
    (SurveyResponse, "kind", "NPS", "literal_error", "must be one of 'nps', 'csat', 'ces'"),
    (Ticket, "channel", 1.5, "text_type", "expected text"),
    (Ticket, "channel", b"web", "text_type", "expected text"),
    (Ticket, "channel", True, "text_type", "expected text"),
    # mappings
    (UsageRecord, "feature_events", "{bad", "json_object", "expected a mapping"),
    (UsageRecord, "feature_events", "[1]", "json_object", "expected a mapping"),
    (UsageRecord, "feature_events", {"api": -1}, "json_object", "expected a mapping"),
    (UsageRecord, "feature_events", 3, "json_object", "expected a mapping"),
    (Account, "traits", {"tags": ["a"]}, "json_object", "expected a mapping"),
]


@pytest.mark.parametrize(
    ("model", "field", "value", "code", "message"),
    BAD_VALUES,
    ids=[f"{m.__name__}.{f}={v!r}"[:60] for m, f, v, _, _ in BAD_VALUES],
)
def test_bad_values(
    model: type[Record], field: str, value: object, code: str, message: str
) -> None:
    good = ONE_ROW[model]
    column = np.empty(2, dtype=object)
    column[0] = good[field][0] if field in good else None
    column[1] = value
    data = {name: values * 2 for name, values in good.items()}
    data = {**data, "id": ["X1", "X2"]} if "id" in good else {**data, "account_id": ["A1", "A2"]}
    data[field] = column
    with pytest.raises(InvalidInputError) as info:
        to_columns(data, model)
    errors = [e for e in info.value.errors if e.code != "missing"]
    assert len(errors) == 1, info.value.errors
    error = errors[0]
    assert (error.row, error.field, error.code) == (2, field, code)
    assert message in error.message
    assert str(info.value).startswith(f"1 of 2 {model.__name__} rows are invalid")
    record_row = {name: column[1] for name, column in data.items()}
    # the record path agrees (Unix time, floats and bytes as text, 2**70 included)
    assert load([record_row], model, strict=False).ok is False, value


def test_bad_text_cells_are_found_one_by_one() -> None:
    data = {**ONE_ROW[UsageRecord], "active_users": np.array(["1", "x", "3", "4.5"])}
    data = {k: (v * 4 if k != "active_users" else v) for k, v in data.items()}
    data["day"] = ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]
    assert errors_of(data, UsageRecord) == [
        (2, "active_users", "number_parsing"),
        (4, "active_users", "int_from_float"),
    ]


def test_required_values_that_are_missing() -> None:
    data = {
        "account_id": ["A1", None, "A3", "A4"],
        "day": ["2025-01-01", "2025-01-02", "", np.nan],
        "active_users": [1.0, 2.0, 3.0, np.nan],
    }
    assert errors_of(data, UsageRecord) == [
        (2, "account_id", "missing"),
        (3, "day", "missing"),
        (4, "day", "missing"),
        (4, "active_users", "missing"),
    ]


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        (
            Account,
            {
                "id": ["A1", "A2", "A3"],
                "name": ["a", "b", "c"],
                "start_date": ["2024-01-02"] * 3,
                "end_date": ["2024-01-01", "2024-01-02", None],
                "renewal_date": [None, "2023-12-31", "2024-01-03"],
                "parent_id": [None, "A1", "A3"],
            },
            [
                (1, "end_date", "out_of_order"),
                (2, "renewal_date", "out_of_order"),
                (3, "parent_id", "not_distinct"),
            ],
        ),
        (
            Ticket,
            {
                "id": ["T1", "T2", "T3"],
                "account_id": ["A1"] * 3,
                "channel": ["web"] * 3,
                "created_at": ["2025-01-01T10:00Z"] * 3,
                "first_response_at": ["2025-01-01T09:59:59Z", "2025-01-01T10:30:00+01:00", None],
                "resolved_at": [None, "2025-01-01T10:00Z", "2025-01-01T11:00:00+01:00"],
                "lead_revenue": [None, 5.0, 0.0],
                "service_qualified_lead": [False, True, False],
            },
            [
                (1, "first_response_at", "out_of_order"),
                (2, "first_response_at", "out_of_order"),
                (3, "lead_revenue", "requires_flag"),
            ],
        ),
        (
            Goal,
            {
                "id": ["G1", "G2"],
                "account_id": ["A1"] * 2,
                "name": ["x"] * 2,
                "set_on": ["2025-01-02", "2025-01-02"],
                "achieved_on": ["2025-01-01", None],
                "target_date": [None, "2025-01-01"],
            },
            [(1, "achieved_on", "out_of_order"), (2, "target_date", "out_of_order")],
        ),
        (
            Milestone,
            {
                "id": ["M1"],
                "account_id": ["A1"],
                "name": ["x"],
                "started_on": ["2025-01-02"],
                "completed_on": ["2025-01-01"],
            },
            [(1, "completed_on", "out_of_order")],
        ),
        (
            Contact,
            {
                "id": ["C1"],
                "account_id": ["A1"],
                "started_on": ["2025-01-02"],
                "left_on": ["2025-01-01"],
            },
            [(1, "left_on", "out_of_order")],
        ),
    ],
)
def test_rules_across_fields(
    model: type[Record], data: dict[str, list[Any]], expected: list[tuple[int, str, str]]
) -> None:
    assert errors_of(data, model) == expected
    rows = [dict(zip(data, values)) for values in zip(*data.values())]
    rows = [{k: v for k, v in row.items() if v is not None} for row in rows]
    result = load(rows, model, strict=False)
    assert [(e.row, e.field, e.code) for e in result.errors] == expected


def test_survey_scale_rules_over_columns() -> None:
    data = {
        "id": [f"R{i}" for i in range(7)],
        "account_id": ["A1"] * 7,
        "kind": ["nps", "csat", "csat", "csat", "nps", "ces", "csat"],
        "survey_type": ["relationship"] * 7,
        "score": [11, 6, 7, 3, 3, 7, 8],
        "submitted_at": ["2025-01-01T00:00Z"] * 7,
        "scale_min": [None, None, 1, 1, 1, None, 1],
        "scale_max": [None, None, 7, None, 5, None, 7],
    }
    assert errors_of(data, SurveyResponse) == [
        (1, "score", "score_out_of_range"),
        (2, "score", "score_out_of_range"),
        (4, "scale_min", "incomplete_scale"),
        (5, "scale_min", "nps_scale"),
        (7, "score", "score_out_of_range"),
    ]


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        (
            Account,
            {"id": ["A1", "A2", "A1", 1, "1"], "name": ["x"] * 5, "start_date": ["2024-01-01"] * 5},
            # 1 and "1" are two ids of two kinds: the rarer kind is refused, not matched
            [(3, "id", "duplicate_key"), (4, "id", "id_mixed_types")],
        ),
        (
            UsageRecord,
            {
                "account_id": ["A1", "A1", "A2", "A1"],
                "day": ["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-01"],
                "active_users": [1, 2, 3, 4],
            },
            [(4, "account_id", "duplicate_key")],
        ),
        (
            RevenueChange,
            {
                "account_id": ["A1", "A1", None],
                "effective_on": [date(2025, 1, 1), "2025-01-01", "2025-01-01"],
                "mrr": [1, 2, 3],
            },
            [(2, "account_id", "duplicate_key"), (3, "account_id", "missing")],
        ),
    ],
)
def test_duplicate_keys(
    model: type[Record], data: dict[str, list[Any]], expected: list[tuple[int, str, str]]
) -> None:
    with pytest.raises(InvalidInputError) as info:
        to_columns(data, model)
    assert [(e.row, e.field, e.code) for e in info.value.errors] == expected
    duplicate = info.value.errors[0]
    assert duplicate.message.startswith("duplicate key: first seen at row ")


def test_error_report_names_row_field_value_and_record() -> None:
    data = {
        "id": ["T1", "T2", "T3"],
        "account_id": ["A1", "A1", "A1"],
        "channel": ["web", "web", "web"],
        "created_at": ["2025-01-01T10:00Z", "2025-01-01T10:00", "soon"],
        "priority": ["low", "urgent!", "high"],
    }
    with pytest.raises(InvalidInputError) as info:
        to_columns(data, Ticket)
    exc = info.value
    assert str(exc).splitlines() == [
        "2 of 3 Ticket rows are invalid",
        "  row 2 (id 'T2'): `created_at` = '2025-01-01T10:00': timestamp has no time zone: give an "
        "offset, e.g. '2025-01-31T09:30:00Z' (in Python, tzinfo=timezone.utc); numpy datetime64 "
        "values are read as UTC",
        "  row 2 (id 'T2'): `priority` = 'urgent!': must be one of 'low', 'normal', 'high', "
        "'urgent'",
        "  row 3 (id 'T3'): `created_at` = 'soon': expected a timestamp with a time zone, e.g. "
        "2025-03-31T09:30:00Z",
    ]
    assert {e.line for e in exc.errors} == {None}


# --- from_columns ---------------------------------------------------------------------------------


def test_from_columns_missing_values_are_not_given() -> None:
    data = {
        "id": ["T1", "T2"],
        "account_id": ["A1", "A1"],
        "channel": ["web", "web"],
        "created_at": np.array(["2025-01-01T10:00", "2025-01-01T11:00"], dtype="datetime64[us]"),
        "resolved_at": np.array(["NaT", "2025-01-02T00:00"], dtype="datetime64[us]"),
        "priority": np.array([None, "high"], dtype=object),
        "queue_wait_seconds": [np.nan, 3.0],
    }
    first, second = from_columns(data, Ticket)
    assert first.priority == "normal"
    assert first.resolved_at is None
    assert first.queue_wait_seconds is None
    assert second.resolved_at == datetime(2025, 1, 2, tzinfo=UTC)
    assert second.created_at.tzinfo is UTC


def test_from_columns_not_strict() -> None:
    data = {"account_id": ["A1", "A1"], "effective_on": ["2025-01-01", "never"], "mrr": [1, 2]}
    result = from_columns(data, RevenueChange, strict=False)
    assert isinstance(result, LoadResult)
    assert [r.mrr for r in result.records] == [1.0]
    assert [(e.row, e.field) for e in result.errors] == [(2, "effective_on")]
    with pytest.raises(InvalidInputError, match="1 of 2 RevenueChange records"):
        from_columns(data, RevenueChange)


# --- load_table -----------------------------------------------------------------------------------


def test_load_table_reports_csv_lines(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text(
        "account_id,day,active_users\nA1,2025-01-01,1\n\nA1,2025-01-02,-2\nA1,2025-01-01,3\n"
    )
    with pytest.raises(InvalidInputError) as info:
        load_table(path, UsageRecord)
    assert [(e.row, e.line, e.field, e.code, e.value) for e in info.value.errors] == [
        (2, 4, "active_users", "greater_than_equal", "-2"),
        (3, 5, "account_id", "duplicate_key", "A1"),
    ]


def test_load_table_of_a_csv_with_only_a_header(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("account_id,day,active_users\n")
    t = load_table(path, UsageRecord)
    assert t.n_rows == 0
    assert t == to_columns([], UsageRecord)


def test_load_table_checks_the_csv_header(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("account_id,day,users\nA1,2025-01-01,1\n")
    with pytest.raises(InvalidInputError, match=r"unknown columns \['users'\]"):
        load_table(path, UsageRecord)


def test_load_table_of_a_csv_with_a_long_row(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("account_id,day,active_users\nA1,2025-01-01,1,9\nA1,2025-01-02\n")
    with pytest.raises(InvalidInputError) as info:
        load_table(path, UsageRecord)
    assert [(e.row, e.line, e.code) for e in info.value.errors] == [
        (1, 2, "unparsable"),
        (2, 3, "missing"),
    ]
    assert str(info.value).startswith(f"2 of 2 UsageRecord records in {str(path)!r}")


def test_load_table_of_a_csv_with_a_short_row(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("account_id,day,active_users,logins\nA1,2025-01-01,1\n")
    assert load_table(path, UsageRecord)["logins"].tolist() == [0]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_load_table_of_json(tmp_path: Path, suffix: str) -> None:
    rows = [
        {"account_id": "A1", "day": "2025-01-01", "active_users": 1, "feature_events": {"a": 1}},
        {"account_id": "A1", "day": "2025-01-02", "active_users": 2},
    ]
    path = tmp_path / f"usage{suffix}"
    text = json.dumps(rows) if suffix == ".json" else "".join(json.dumps(r) + "\n" for r in rows)
    path.write_text(text)
    t = load_table(path, UsageRecord)
    assert t == to_columns(load(path, UsageRecord), UsageRecord)


def test_load_table_of_json_with_unknown_fields(tmp_path: Path) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_text('{"account_id": "A1", "day": "2025-01-01", "active_users": 1, "users": 1}\n')
    with pytest.raises(InvalidInputError, match=r"unknown columns \['users'\] for UsageRecord"):
        load_table(path, UsageRecord)


def test_load_table_of_json_lines_that_do_not_parse(tmp_path: Path) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_text('{"account_id": "A1", "day": "2025-01-01", "active_users": 1}\n[1]\n')
    with pytest.raises(InvalidInputError) as info:
        load_table(path, UsageRecord)
    assert [(e.row, e.line, e.code) for e in info.value.errors] == [(2, 2, "unparsable")]


def test_load_table_of_rows_in_memory() -> None:
    rows = [{"account_id": "A1", "effective_on": "2025-01-01", "mrr": 5}]
    assert load_table(rows, RevenueChange)["mrr"].tolist() == [5.0]


def test_load_table_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        load_table(tmp_path / "nothing.csv", RevenueChange)


def test_load_table_with_a_format(tmp_path: Path) -> None:
    path = tmp_path / "revenue.txt"
    path.write_text("account_id,effective_on,mrr\nA1,2025-01-01,5\n")
    assert load_table(path, RevenueChange, format="csv")["mrr"].tolist() == [5.0]


# --- odd corners ---------------------------------------------------------------------------------


def test_columns_without_a_model() -> None:
    with pytest.raises(InvalidInputError, match=r"pass `model` \(e.g. SurveyResponse\)"):
        to_columns(ONE_ROW[RevenueChange])


def test_bytes_arrays_are_not_text() -> None:
    data = {**ONE_ROW[RevenueChange], "account_id": np.array([b"A1"])}
    assert errors_of(data, RevenueChange) == [(1, "account_id", "id_type")]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([True, None], [1, 0]),  # a flag counts as 1, missing takes the default
        (["  ", 3], [0, 3]),  # blank text is missing
        ([np.float64(2.0), "4"], [2, 4]),
    ],
)
def test_object_columns_of_counts(values: list[Any], expected: list[int]) -> None:
    data = {
        "account_id": ["A1", "A2"],
        "day": ["2025-01-01"] * 2,
        "active_users": [1, 1],
        "logins": values,
    }
    assert to_columns(data, UsageRecord)["logins"].tolist() == expected


def test_object_columns_of_flags_and_dates_with_blanks() -> None:
    data = {
        "id": ["C1", "C2"],
        "account_id": ["A1", "A1"],
        "is_champion": [True, "  "],
        "started_on": np.array([np.datetime64("NaT"), "2025-01-01"], dtype=object),
    }
    t = to_columns(data, Contact)
    assert t["is_champion"].tolist() == [True, False]
    assert t["started_on"].tolist() == [None, date(2025, 1, 1)]


@pytest.mark.parametrize(
    ("field", "good", "bad", "code"),
    [
        ("day", "2025-01-01", "-001-01-01", "date_parsing"),
        ("day", "2025-01-01", "2025-13-01", "date_parsing"),
        ("day", "2025-01-01", "２０２５-０１-０１", "date_parsing"),
        ("created_at", "2025-03-03T09:00Z", "2025-13-03T09:00Z", "datetime_parsing"),
        ("created_at", "2025-03-03T09:00Z", "-025-03-03T09:00Z", "datetime_parsing"),
        ("created_at", "2025-03-03T09:00Z", "２０２５-０３-０３T09:00Z", "datetime_parsing"),
        ("created_at", "2025-03-03T09:00Z", "2025-03-03T09:00:0.55Z", "datetime_parsing"),
        ("active_users", "3", "3.5", "int_from_float"),
        ("is_champion", "yes", "yes please", "bool_parsing"),
        ("priority", "high", "highest", "literal_error"),
    ],
)
def test_bad_cells_in_all_text_columns(field: str, good: str, bad: str, code: str) -> None:
    model = {
        "day": UsageRecord,
        "active_users": UsageRecord,
        "created_at": Ticket,
        "is_champion": Contact,
        "priority": Ticket,
    }[field]
    data = {name: values * 2 for name, values in ONE_ROW[model].items()}
    key = "id" if "id" in data else "account_id"
    data[key] = ["K1", "K2"]
    data[field] = np.array([good, bad])  # text, as read from a CSV file
    assert data[field].dtype.kind == "U"
    assert errors_of(data, model) == [(2, field, code)]


class Pair(Record):
    """A test-only model with a rule across two whole-number fields."""

    table_name: ClassVar[str] = "pairs"
    key_fields: ClassVar[tuple[str, ...]] = ("a",)
    distinct_rules: ClassVar[tuple[tuple[str, str], ...]] = (("a", "b"),)

    a: int
    b: int


def test_rules_across_whole_number_columns() -> None:
    assert errors_of({"a": [1, 2], "b": [2, 2]}, Pair) == [(2, "a", "not_distinct")]
    assert [e.code for e in load([{"a": 2, "b": 2}], Pair, strict=False).errors] == ["not_distinct"]


def test_field_types_without_a_column_form() -> None:
    class Odd(Record):
        table_name: ClassVar[str] = "odd"
        id: Identifier
        either: int | str = 0

    with pytest.raises(TypeError, match="has no column form"):
        to_columns({"id": ["x"]}, Odd)


def test_loading_keeps_the_garbage_collector_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    load([{"account_id": "A1", "effective_on": "2025-01-01", "mrr": 1}], RevenueChange)
    assert gc.isenabled()
    gc.disable()
    try:
        load([{"account_id": "A1", "effective_on": "2025-01-01", "mrr": 1}], RevenueChange)
        assert not gc.isenabled()
    finally:
        gc.enable()
