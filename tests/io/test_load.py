"""``load``: CSV, JSON Lines, JSON and iterables; every bad row reported, none lost."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import raw_row_lists

from cshealth import (
    Account,
    Contact,
    InvalidInputError,
    LoadResult,
    RecordError,
    RevenueChange,
    SurveyResponse,
    Ticket,
    UsageRecord,
    load,
)
from cshealth.models import MODELS, Record

GOOD = [
    {"id": "A-1", "name": "Acme", "start_date": "2024-01-15", "mrr": "450"},
    {"id": "A-2", "name": "Beta", "start_date": "2024-02-01"},
]


def write(tmp_path: Path, name: str, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def as_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    lines = [",".join(columns)]
    lines += [",".join(row.get(c, "") for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


# --- the formats ---------------------------------------------------------------------------------


def test_iterable_of_dicts() -> None:
    accounts = load(GOOD, Account)
    assert [a.id for a in accounts] == ["A-1", "A-2"]
    assert accounts[0].mrr == 450.0
    assert accounts[1].mrr is None


def test_a_generator_is_read_once() -> None:
    accounts = load((row for row in GOOD), Account)
    assert len(accounts) == 2


def test_mappings_that_are_not_dicts() -> None:
    from types import MappingProxyType

    assert len(load([MappingProxyType(GOOD[0])], Account)) == 1


@pytest.mark.parametrize("suffix", [".csv", ".CSV"])
def test_csv(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path, f"accounts{suffix}", as_csv(GOOD, ["id", "name", "start_date", "mrr"]))
    assert load(path, Account) == load(GOOD, Account)


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson"])
def test_json_lines(tmp_path: Path, suffix: str) -> None:
    text = "".join(json.dumps(row) + "\n" for row in GOOD)
    assert load(write(tmp_path, f"a{suffix}", text), Account) == load(GOOD, Account)


def test_json_array(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", json.dumps(GOOD, indent=2))
    assert load(path, Account) == load(GOOD, Account)


def test_path_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", json.dumps(GOOD))
    assert load(str(path), Account) == load(path, Account)


@pytest.mark.parametrize(
    ("name", "fmt", "text"),
    [
        ("accounts.txt", "csv", "id,name,start_date\nA-1,Acme,2024-01-15\n"),
        ("accounts.log", "jsonl", '{"id": "A-1", "name": "Acme", "start_date": "2024-01-15"}\n'),
        ("accounts", "json", '[{"id": "A-1", "name": "Acme", "start_date": "2024-01-15"}]'),
        ("accounts.csv", "json", '[{"id": "A-1", "name": "Acme", "start_date": "2024-01-15"}]'),
    ],
)
def test_format_overrides_the_suffix(tmp_path: Path, name: str, fmt: Any, text: str) -> None:
    assert [a.id for a in load(write(tmp_path, name, text), Account, format=fmt)] == ["A-1"]


def test_unknown_suffix_asks_for_a_format(tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.xlsx", "")
    with pytest.raises(InvalidInputError, match=r"cannot tell the format of .*accounts\.xlsx"):
        load(path, Account)
    with pytest.raises(InvalidInputError, match=r"pass `format` as one of \{'csv', 'jsonl'"):
        load(path, Account, strict=False)


@pytest.mark.parametrize("name", ["missing.csv", "missing.json"])
def test_missing_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInputError, match=r"no such file: .*missing"):
        load(tmp_path / name, Account)


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InvalidInputError, match="no such file"):
        load(tmp_path / "dir.csv", Account)


@pytest.mark.parametrize("item", ["A-1", 3, None, ["A-1", "Acme"]])
def test_items_that_are_not_mappings(item: object) -> None:
    with pytest.raises(InvalidInputError, match=r"record 2 of the source is a \w+, not a mapping"):
        load([GOOD[0], item], Account, strict=False)


def test_a_single_dict_is_not_a_source() -> None:
    with pytest.raises(InvalidInputError, match="record 1 of the source is a str"):
        load(GOOD[0], Account)


# --- CSV specifics -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["id,name,start_date\n", "id,name,start_date", " id , name ,start_date\n"]
)
def test_csv_with_only_a_header_has_no_records(tmp_path: Path, text: str) -> None:
    assert load(write(tmp_path, "a.csv", text), Account) == []
    result = load(write(tmp_path, "a.csv", text), Account, strict=False)
    assert (result.records, result.errors, result.rows_read) == ([], (), 0)


def test_empty_csv_file_has_no_header(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidInputError, match=r"missing required columns \['id', 'name', 'start_date'\]"
    ):
        load(write(tmp_path, "a.csv", ""), Account)


def test_empty_csv_of_a_model_without_required_fields_is_fine(tmp_path: Path) -> None:
    from cshealth.io._load import read_rows

    assert read_rows(write(tmp_path, "a.csv", "id,account_id\n"), Contact) == ([], [])


@pytest.mark.parametrize(
    ("header", "fragments"),
    [
        ("id,name,start_date,colour", ["unknown columns ['colour']"]),
        ("id,name", ["missing required columns ['start_date']"]),
        ("id,name,start_date,name", ["repeated columns ['name']"]),
        (
            "id,id,colour",
            [
                "unknown columns ['colour']",
                "missing required columns ['name', 'start_date']",
                "repeated",
            ],
        ),
    ],
)
def test_csv_header_must_fit_the_model(tmp_path: Path, header: str, fragments: list[str]) -> None:
    path = write(tmp_path, "accounts.csv", header + "\n")
    with pytest.raises(InvalidInputError) as info:
        load(path, Account, strict=False)
    message = str(info.value)
    assert message.startswith("the header of accounts.csv does not fit Account: ")
    assert "Allowed columns: ['id', 'name', 'segment'," in message
    for fragment in fragments:
        assert fragment in message


def test_csv_header_cells_are_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", " id ,name , start_date\nA-1,Acme,2024-01-15\n")
    assert load(path, Account)[0].name == "Acme"


def test_csv_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "\ufeffid,name,start_date\nA-1,Acmé,2024-01-15\n")
    assert load(path, Account)[0].name == "Acmé"


def test_csv_blank_lines_are_not_records_and_lines_are_counted(tmp_path: Path) -> None:
    text = "id,name,start_date\n\nA-1,Acme,2024-01-15\n\n\nA-2,Beta,2024-13-01\n"
    result = load(write(tmp_path, "a.csv", text), Account, strict=False)
    assert result.rows_read == 2
    assert [a.id for a in result.records] == ["A-1"]
    (error,) = result.errors
    assert (error.row, error.line, error.field, error.value) == (2, 6, "start_date", "2024-13-01")


def test_csv_line_numbers_follow_quoted_line_breaks(tmp_path: Path) -> None:
    text = 'id,name,start_date\nA-1,"Acme\nInc",2024-01-15\nA-2,Beta,never\n'
    result = load(write(tmp_path, "a.csv", text), Account, strict=False)
    assert result.records[0].name == "Acme\nInc"
    assert result.errors[0].line == 4


@pytest.mark.parametrize("blank", ["", " ", "   ", "\t"])
def test_csv_empty_or_blank_cell_means_not_given(tmp_path: Path, blank: str) -> None:
    text = (
        "id,account_id,channel,created_at,priority,reopened_count,lead_revenue\n"
        f"T-1,A-1,web,2025-01-01T00:00Z,{blank},{blank},{blank}\n"
    )
    (ticket,) = load(write(tmp_path, "t.csv", text), Ticket)
    assert ticket.priority == "normal"  # the default applies
    assert ticket.reopened_count == 0
    assert ticket.lead_revenue is None


@pytest.mark.parametrize("blank", ["", "  "])
def test_csv_blank_cell_of_a_required_field_is_missing(tmp_path: Path, blank: str) -> None:
    text = f"id,name,start_date\nA-1,{blank},2024-01-15\n"
    result = load(write(tmp_path, "a.csv", text), Account, strict=False)
    assert [(e.field, e.code, e.message) for e in result.errors] == [
        ("name", "missing", "required field is missing")
    ]
    assert str(result.errors[0]) == "row 1 (line 2, id 'A-1'): `name`: required field is missing"


def test_csv_row_with_too_many_cells_is_reported_not_guessed(tmp_path: Path) -> None:
    text = "id,name,start_date\nA-1,Acme,2024-01-15,extra\nA-2,Beta,2024-02-01\n"
    result = load(write(tmp_path, "a.csv", text), Account, strict=False)
    assert [a.id for a in result.records] == ["A-2"]
    (error,) = result.errors
    assert (error.row, error.line, error.field, error.code) == (1, 2, None, "unparsable")
    assert error.message == "the row has 4 cells, the header has 3"
    assert error.value == ["A-1", "Acme", "2024-01-15", "extra"]


def test_csv_row_with_too_few_cells_leaves_the_rest_unset(tmp_path: Path) -> None:
    text = "id,name,start_date,segment\nA-1,Acme,2024-01-15\nA-2,Beta\n"
    result = load(write(tmp_path, "a.csv", text), Account, strict=False)
    assert result.records[0].segment is None
    assert [(e.row, e.field, e.code) for e in result.errors] == [(2, "start_date", "missing")]


def test_csv_mapping_cells_are_json_objects(tmp_path: Path) -> None:
    text = (
        "account_id,day,active_users,feature_events\n"
        'A-1,2025-05-05,3,"{""api"": 7}"\n'
        "A-1,2025-05-06,3,\n"
    )
    first, second = load(write(tmp_path, "u.csv", text), UsageRecord)
    assert first.feature_events == {"api": 7}
    assert second.feature_events == {}


# --- JSON Lines and JSON specifics ---------------------------------------------------------------


def test_jsonl_lines_that_are_not_json_or_not_objects(tmp_path: Path) -> None:
    text = "\n".join(
        [
            json.dumps(GOOD[0]),
            "{not json",
            "",
            "[1, 2]",
            '"text"',
            json.dumps(GOOD[1]),
        ]
    )
    result = load(write(tmp_path, "a.jsonl", text + "\n"), Account, strict=False)
    assert [a.id for a in result.records] == ["A-1", "A-2"]
    assert result.rows_read == 5  # the blank line is not a record
    assert [(e.row, e.line, e.code, e.field) for e in result.errors] == [
        (2, 2, "unparsable", None),
        (3, 4, "unparsable", None),
        (4, 5, "unparsable", None),
    ]
    assert result.errors[0].message.startswith("not valid JSON (")
    assert result.errors[0].value == "{not json\n"
    assert result.errors[1].message == "expected a JSON object, got list"
    assert result.errors[2].message == "expected a JSON object, got str"


def test_jsonl_lines_are_numbered_from_one(tmp_path: Path) -> None:
    text = json.dumps(GOOD[0]) + "\n" + json.dumps({**GOOD[1], "mrr": -1}) + "\n"
    (error,) = load(write(tmp_path, "a.jsonl", text), Account, strict=False).errors
    assert (error.row, error.line, error.field, error.value) == (2, 2, "mrr", -1)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{"id": "A-1"}', "a.json must hold a JSON array of objects, found a JSON dict"),
        ('"accounts"', "found a JSON str"),
        ("[1, 2", r"a.json is not valid JSON: .* at line 1, column 6"),
        ("{,}", "a.json is not valid JSON"),
    ],
)
def test_json_file_must_be_an_array(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        load(write(tmp_path, "a.json", text), Account, strict=False)


@pytest.mark.parametrize("text", ["", "  \n", "[]"])
def test_empty_json_file_has_no_records(tmp_path: Path, text: str) -> None:
    assert load(write(tmp_path, "a.json", text), Account) == []


def test_json_items_that_are_not_objects(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", json.dumps([GOOD[0], 7, None, GOOD[1]]))
    result = load(path, Account, strict=False)
    assert [a.id for a in result.records] == ["A-1", "A-2"]
    assert [(e.row, e.line, e.value, e.message) for e in result.errors] == [
        (2, None, 7, "expected a JSON object, got int"),
        (3, None, None, "expected a JSON object, got NoneType"),
    ]


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv"])
def test_empty_file_of_any_format(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path, f"c{suffix}", "")
    if suffix == ".csv":  # a CSV file without a header lacks the required columns
        with pytest.raises(InvalidInputError, match="missing required columns"):
            load(path, Contact)
    else:
        assert load(path, Contact) == []


# --- reporting every bad row ---------------------------------------------------------------------


def test_strict_raises_listing_every_bad_row(tmp_path: Path) -> None:
    text = (
        "id,name,start_date,mrr,seats\n"
        "A-1,Acme,2024-01-15,450,3\n"
        "A-2,Beta,2024-13-01,-5,3\n"
        "A-3,Gamma,2024-01-15,10,many\n"
        ",Delta,2024-01-15,,\n"
    )
    path = write(tmp_path, "accounts.csv", text)
    with pytest.raises(InvalidInputError) as info:
        load(path, Account)
    exc = info.value
    assert str(exc).splitlines()[0] == f"3 of 4 Account records in {str(path)!r} are invalid"
    assert [(e.row, e.line, e.field, e.value, e.code, e.record_id) for e in exc.errors] == [
        (2, 3, "start_date", "2024-13-01", "date_from_datetime_parsing", "A-2"),
        (2, 3, "mrr", "-5", "greater_than_equal", "A-2"),
        (3, 4, "seats", "many", "number_parsing", "A-3"),
        (4, 5, "id", None, "missing", None),
    ]
    assert (
        "row 2 (line 3, id 'A-2'): `mrr` = '-5': Input should be greater than or equal to 0"
        in str(exc)
    )
    assert all(isinstance(e, RecordError) for e in exc.errors)


def test_strict_on_records_in_memory_says_so() -> None:
    with pytest.raises(
        InvalidInputError, match="1 of 2 Account records in the given records are invalid"
    ):
        load([GOOD[0], {**GOOD[1], "start_date": "never"}], Account)


def test_non_strict_returns_a_load_result() -> None:
    rows = [GOOD[0], {**GOOD[1], "start_date": "never", "mrr": "-1"}, {"id": "A-3"}]
    result = load(rows, Account, strict=False)
    assert isinstance(result, LoadResult)
    assert not result.ok
    assert [a.id for a in result.records] == ["A-1"]
    assert result.rows_read == 3
    assert result.bad_rows == (2, 3)
    assert [e.row for e in result.errors] == [2, 2, 3, 3]  # in input order
    with pytest.raises(InvalidInputError, match="2 of 3 records are invalid") as info:
        result.raise_for_errors()
    assert info.value.errors == result.errors


def test_load_result_of_good_rows() -> None:
    result = load(GOOD, Account, strict=False)
    assert result.ok
    assert result.bad_rows == ()
    assert result.raise_for_errors() == result.records
    assert LoadResult(records=[]).rows_read == 0


@pytest.mark.parametrize(
    ("row", "field", "code", "message", "value"),
    [
        (
            {**GOOD[0], "colour": "red"},
            "colour",
            "extra_forbidden",
            "unknown field; allowed fields: id, name, segment,",
            "red",
        ),
        ({"id": "A-1", "name": "x"}, "start_date", "missing", "required field is missing", None),
        (
            {**GOOD[0], "end_date": "2020-01-01"},
            "end_date",
            "out_of_order",
            "`end_date` (2020-01-01) is before",
            "2020-01-01",
        ),
        (
            {**GOOD[0], "parent_id": "A-1"},
            "parent_id",
            "not_distinct",
            "`parent_id` must differ from `id`",
            "A-1",
        ),
        ({**GOOD[0], "traits": "[1]"}, "traits", "json_object", "got a JSON array", "[1]"),
        (
            {**GOOD[0], "traits": {"a": {"b": 1}}},
            "traits.a.constrained-str",
            "string_type",
            "valid string",
            {"a": {"b": 1}},
        ),
    ],
)
def test_each_error_names_field_value_and_rule(
    row: dict[str, Any], field: str, code: str, message: str, value: object
) -> None:
    errors = load([row], Account, strict=False).errors
    error = errors[0]
    assert (error.field, error.code, error.value, error.record_id) == (field, code, value, "A-1")
    assert message in error.message


def test_model_level_error_of_a_survey_names_its_field() -> None:
    row = {
        "id": "R-1",
        "account_id": "A-1",
        "kind": "csat",
        "survey_type": "relationship",
        "score": 9,
        "submitted_at": "2025-01-01T00:00:00Z",
    }
    (error,) = load([row], SurveyResponse, strict=False).errors
    assert (error.field, error.code, error.value) == ("score", "score_out_of_range", 9)


# --- duplicate keys ------------------------------------------------------------------------------


def test_duplicate_ids_keep_the_first_and_report_the_later_ones() -> None:
    rows = [GOOD[0], GOOD[1], {**GOOD[0], "name": "Acme again"}, {**GOOD[0], "name": "third"}]
    result = load(rows, Account, strict=False)
    assert [a.name for a in result.records] == ["Acme", "Beta"]
    assert [(e.row, e.field, e.code, e.record_id) for e in result.errors] == [
        (3, None, "duplicate_key", "A-1"),
        (4, None, "duplicate_key", "A-1"),
    ]
    assert result.errors[0].message == "duplicate key (id=A-1): first seen at row 1"
    assert (
        str(result.errors[1])
        == "row 4 (id 'A-1'): record: duplicate key (id=A-1): first seen at row 1"
    )
    assert result.rows_read == len(result.records) + len(result.bad_rows)


def test_duplicates_are_found_after_normalising_the_key() -> None:
    rows = [{**GOOD[0], "id": "17"}, {**GOOD[1], "id": " 17 "}]
    result = load(rows, Account, strict=False)
    assert [e.code for e in result.errors] == ["duplicate_key"]
    rows = [{**GOOD[0], "id": 17}, {**GOOD[1], "id": 17.0}]  # one whole number, twice
    assert [e.code for e in load(rows, Account, strict=False).errors] == ["duplicate_key"]


def test_whole_number_and_text_ids_are_never_one_key() -> None:
    rows = [{**GOOD[0], "id": 17}, {**GOOD[1], "id": "17"}, {**GOOD[1], "id": 18}]
    result = load(rows, Account, strict=False)
    assert [a.id for a in result.records] == [17, 18]
    assert [(e.row, e.code) for e in result.errors] == [(2, "id_mixed_types")]
    assert "whole numbers at rows 1, 3; text at rows 2" in result.errors[0].message


def test_an_invalid_first_row_does_not_make_the_second_a_duplicate() -> None:
    rows = [{**GOOD[0], "start_date": "never"}, GOOD[0]]
    result = load(rows, Account, strict=False)
    assert [a.id for a in result.records] == ["A-1"]
    assert [e.code for e in result.errors] == ["date_parsing"]


@pytest.mark.parametrize(
    ("model", "rows", "message", "record_id"),
    [
        (
            UsageRecord,
            [
                {"account_id": "A-1", "day": "2025-05-05", "active_users": 1},
                {"account_id": "A-1", "day": "2025-05-06", "active_users": 2},
                {"account_id": "A-2", "day": "2025-05-05", "active_users": 3},
                {"account_id": "A-1", "day": date(2025, 5, 5), "active_users": 4},
            ],
            "duplicate key (account_id=A-1, day=2025-05-05): first seen at row 1",
            "account_id=A-1, day=2025-05-05",
        ),
        (
            RevenueChange,
            [
                {"account_id": "A-1", "effective_on": "2025-01-01", "mrr": 1},
                {"account_id": "A-1", "effective_on": "2025-02-01", "mrr": 2},
                {"account_id": "A-1", "effective_on": "2025-01-01", "mrr": 0},
                {"account_id": "A-1", "effective_on": "2025-02-01", "mrr": 3},
            ],
            "duplicate key (account_id=A-1, effective_on=2025-01-01): first seen at row 1",
            "account_id=A-1, effective_on=2025-01-01",
        ),
    ],
)
def test_composite_keys(
    model: type[Record], rows: list[dict[str, Any]], message: str, record_id: str
) -> None:
    result = load(rows, model, strict=False)
    assert len(result.records) == len(rows) - len(result.bad_rows)
    first_dup = result.errors[0]
    assert first_dup.message == message
    assert first_dup.record_id == record_id
    assert first_dup.value == tuple(getattr(result.records[0], k) for k in model.key_fields)


def test_record_id_of_a_composite_key_from_raw_values() -> None:
    rows = [{"account_id": "A-1", "day": "2025-05-05", "active_users": -1}, {"day": "x"}]
    errors = load(rows, UsageRecord, strict=False).errors
    assert errors[0].record_id == "account_id=A-1, day=2025-05-05"
    assert {e.record_id for e in errors[1:]} == {None}


# --- no record is lost ---------------------------------------------------------------------------


@given(data=st.data())
@pytest.mark.parametrize("model", list(MODELS.values()), ids=list(MODELS))
def test_no_record_is_lost(model: type[Record], data: Any) -> None:
    rows = data.draw(raw_row_lists(model))
    result = load(rows, model, strict=False)
    assert result.rows_read == len(rows)
    assert len(result.records) + len(result.bad_rows) == len(rows)
    assert list(result.bad_rows) == sorted(set(result.bad_rows))
    assert all(1 <= row <= len(rows) for row in result.bad_rows)
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    good_rows = [i + 1 for i in range(len(rows)) if i + 1 not in result.bad_rows]
    for record, row in zip(result.records, good_rows):
        assert record == model.model_validate(rows[row - 1])
    if result.ok:
        assert load(rows, model) == result.records
    else:
        with pytest.raises(InvalidInputError) as info:
            load(rows, model)
        assert info.value.errors == result.errors


@given(data=st.data())
@pytest.mark.parametrize(
    "model", [Account, Ticket, UsageRecord], ids=["Account", "Ticket", "Usage"]
)
def test_no_record_is_lost_from_a_csv_file(
    model: type[Record], data: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rows = data.draw(raw_row_lists(model))
    columns = list(model.model_fields)
    path = tmp_path_factory.mktemp("csv") / "rows.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([cell(row.get(name)) for name in columns] for row in rows)
    result = load(path, model, strict=False)
    assert result.rows_read == len(rows)
    assert len(result.records) + len(result.bad_rows) == len(rows)
    assert [e.line for e in result.errors] == [e.row + 1 for e in result.errors]


def cell(value: object) -> object:
    """The CSV cell of a raw value."""
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, dict) else value
