"""Hostile files: a named error or a bad row naming its line, nothing lost, bounded memory."""

from __future__ import annotations

import csv
import json
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cshealth import (
    Account,
    InvalidInputError,
    SurveyResponse,
    Table,
    load,
    load_table,
    to_columns,
)
from cshealth.io import write

HEADER = "id,name,start_date"
GOOD_JSON = {"id": "A-1", "name": "Acme", "start_date": "2024-01-15"}


def put(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def response(i: int, comment: str = "") -> dict[str, object]:
    return {
        "id": f"R{i}",
        "account_id": f"A{i % 50}",
        "kind": "nps",
        "survey_type": "relationship",
        "score": i % 11,
        "submitted_at": f"2025-01-{1 + i % 28:02d}T10:00:00Z",
        "comment": comment or f"fine {i}",
    }


# --- extra columns and encodings ------------------------------------------------------------


def test_extra_ignore_reads_an_export_with_more_columns(tmp_path: Path) -> None:
    text = "id,region,name,start_date,region\nA-1,EU,Acme,2024-01-15,EU\nA-2,US,Beta,2024-02-01,\n"
    path = put(tmp_path, "accounts.csv", text)
    with pytest.raises(InvalidInputError, match=r"unknown columns \['region', 'region'\]"):
        load(path, Account)
    accounts = load(path, Account, extra="ignore")
    assert [(a.id, a.name) for a in accounts] == [("A-1", "Acme"), ("A-2", "Beta")]
    table = load_table(path, Account, extra="ignore")
    assert table["id"].tolist() == ["A-1", "A-2"]
    assert table["start_date"].tolist() == [date(2024, 1, 15), date(2024, 2, 1)]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_extra_ignore_on_json_and_rows(tmp_path: Path, suffix: str) -> None:
    rows = [{**GOOD_JSON, "crm_owner": "kim"}]
    text = json.dumps(rows) if suffix == ".json" else json.dumps(rows[0]) + "\n"
    path = put(tmp_path, f"a{suffix}", text)
    errors = load(path, Account, strict=False).errors
    assert [(e.row, e.field, e.code) for e in errors] == [(1, "crm_owner", "extra_forbidden")]
    assert [a.id for a in load(path, Account, extra="ignore")] == ["A-1"]
    assert load_table(path, Account, extra="ignore")["name"].tolist() == ["Acme"]
    assert [a.id for a in load(rows, Account, extra="ignore")] == ["A-1"]


def test_extra_must_be_forbid_or_ignore() -> None:
    extra: Any = "x"
    refused = r"`extra` must be one of \{'ignore', 'forbid'\}, got 'x'"
    with pytest.raises(InvalidInputError, match=refused):
        load([GOOD_JSON], Account, extra=extra)
    with pytest.raises(InvalidInputError, match=refused):
        to_columns({"id": ["A-1"]}, Account, extra=extra)


def test_an_unknown_format_is_refused_not_guessed(tmp_path: Path) -> None:
    fmt: Any = "xml"
    path = write([Account.model_validate(GOOD_JSON)], tmp_path / "a.csv")
    refused = r"`format` must be one of \{'csv', 'jsonl', 'json'\} or None, got 'xml'"
    with pytest.raises(InvalidInputError, match=refused):
        load(path, Account, format=fmt)
    with pytest.raises(InvalidInputError, match=refused):
        write(load_table(path, Account), tmp_path / "b.csv", format=fmt)
    assert not (tmp_path / "b.csv").exists()


def test_write_names_columns_as_the_wrong_data() -> None:
    columns: Any = {"id": ["A-1"], "name": ["Acme"], "start_date": ["2024-01-15"]}
    with pytest.raises(InvalidInputError, match=r"^`data` must be a Table or records of one"):
        write(columns, "never.csv")


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16", "utf-8-sig"])
def test_encoding_reads_other_encodings(tmp_path: Path, encoding: str) -> None:
    path = put(tmp_path, "a.csv", f"{HEADER}\nA-1,Caf\u00e9 S\u00e3o,2024-01-15\n".encode(encoding))
    assert load(path, Account, encoding=encoding)[0].name == "Caf\u00e9 S\u00e3o"
    assert load_table(path, Account, encoding=encoding)["name"].tolist() == ["Caf\u00e9 S\u00e3o"]


def test_utf8_drops_a_byte_order_mark(tmp_path: Path) -> None:
    path = put(tmp_path, "a.csv", b"\xef\xbb\xbf" + f"{HEADER}\nA-1,Acme,2024-01-15\n".encode())
    assert load_table(path, Account)["id"].tolist() == ["A-1"]


def test_unknown_encoding_is_named(tmp_path: Path) -> None:
    path = put(tmp_path, "a.csv", f"{HEADER}\n")
    for bad in ("klingon", "base64"):
        with pytest.raises(InvalidInputError, match=rf"`encoding` = '{bad}' is not a text"):
            load(path, Account, encoding=bad)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_a_file_not_in_its_encoding_names_file_line_and_byte(tmp_path: Path, suffix: str) -> None:
    lines = {
        ".csv": f"{HEADER}\nA-1,Acme,2024-01-15\nA-2,Caf\u00e9,2024-01-15\n",
        ".jsonl": json.dumps(GOOD_JSON) + "\n\n" + '{"id": "A-2", "name": "Caf\u00e9"}\n',
        ".json": "[\n" + json.dumps(GOOD_JSON) + ',\n{"id": "A-2", "name": "Caf\u00e9"}]',
    }[suffix]
    data = lines.encode("latin-1")
    offset = data.index(b"\xe9")
    line = data[:offset].count(b"\n") + 1
    path = put(tmp_path, f"accounts{suffix}", data)
    for read in (load, load_table):
        with pytest.raises(InvalidInputError) as info:
            read(path, Account)
        message = str(info.value)
        assert message.startswith(f"{str(path)!r} is not valid utf-8 text: line {line}, ")
        assert f"(byte offset {offset}) holds the bytes b'\\xe9'" in message
        assert "encoding='cp1252'" in message


def test_byte_offset_counts_the_byte_order_mark(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + f"{HEADER}\nA-1,Caf".encode() + b"\xe9,2024-01-15\n"
    path = put(tmp_path, "a.csv", data)
    offset = data.index(b"\xe9")
    with pytest.raises(InvalidInputError, match=rf"line 2, column 8 \(byte offset {offset}\)"):
        load(path, Account)


# --- long cells -------------------------------------------------------------------------------


def test_a_cell_longer_than_the_csv_module_limit_is_read(tmp_path: Path) -> None:
    long = "word " * 40_000  # 200,000 characters, over csv's default limit of 131,072
    rows = [response(0), response(1, long.strip()), response(2)]
    path = tmp_path / "survey_responses.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    limit = csv.field_size_limit()
    assert [r.comment for r in load(path, SurveyResponse)] == ["fine 0", long.strip(), "fine 2"]
    assert load_table(path, SurveyResponse)["comment"].tolist()[1] == long.strip()
    assert csv.field_size_limit() == limit  # put back for other code


# --- unterminated and broken quotes -----------------------------------------------------------


UNTERMINATED = (
    f'{HEADER}\nA-1,Acme,2024-01-15\nA-2,"Beta,2024-01-15\nA-3,Gamma,2024-01-15\n'
    "A-4,Delta,2024-01-15\n"
)


def test_unterminated_quote_loses_no_row(tmp_path: Path) -> None:
    path = put(tmp_path, "accounts.csv", UNTERMINATED)
    result = load(path, Account, strict=False)
    assert [a.id for a in result.records] == ["A-1", "A-3", "A-4"]
    (error,) = result.errors
    assert (error.row, error.line, error.field, error.code) == (2, 3, None, "unterminated_quote")
    assert error.value == 'A-2,"Beta,2024-01-15'
    assert "line 3 is never closed" in error.message
    rows_in_file = UNTERMINATED.count("\n") - 1
    assert len(result.records) + len(result.bad_rows) == rows_in_file == result.rows_read
    with pytest.raises(InvalidInputError, match=r"row 2 \(line 3\): record: a quoted field"):
        load_table(path, Account)


def test_unterminated_quote_on_the_last_line(tmp_path: Path) -> None:
    path = put(tmp_path, "a.csv", f'{HEADER}\nA-1,Acme,2024-01-15\nA-2,Beta,"2024-01-15')
    result = load(path, Account, strict=False)
    assert [a.id for a in result.records] == ["A-1"]
    assert [(e.line, e.code) for e in result.errors] == [(3, "unterminated_quote")]


def test_quoted_line_breaks_are_still_one_cell(tmp_path: Path) -> None:
    path = put(tmp_path, "a.csv", f'{HEADER}\nA-1,"Acme\n""Inc""",2024-01-15\nA-2,B,2024-01-15\n')
    assert [a.name for a in load(path, Account)] == ['Acme\n"Inc"', "B"]


def test_text_after_a_closing_quote_is_a_bad_row(tmp_path: Path) -> None:
    text = f'{HEADER}\nA-1,"5" screen,2024-01-15\nA-2,Beta,2024-01-15\n'
    result = load(put(tmp_path, "a.csv", text), Account, strict=False)
    assert [a.id for a in result.records] == ["A-2"]
    (error,) = result.errors
    assert (error.row, error.line, error.code) == (1, 2, "csv_quoting")
    assert error.value == 'A-1,"5" screen,2024-01-15'


def test_lines_a_broken_quoted_field_ran_over_are_rows(tmp_path: Path) -> None:
    text = (
        f'{HEADER}\nA-1,"Acme,2024-01-15\nA-2,Beta,2024-01-15\nA-3,"5" screen,2024-01-15\n'
        "A-4,Delta,2024-01-15\n"
    )
    result = load(put(tmp_path, "a.csv", text), Account, strict=False)
    assert [a.id for a in result.records] == ["A-2", "A-4"]
    assert [(e.row, e.line, e.code) for e in result.errors] == [
        (1, 2, "csv_quoting"),
        (3, 4, "csv_quoting"),
    ]
    assert result.rows_read == 4


def test_too_many_runaway_quotes_refuse_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cshealth.io import _csvread

    monkeypatch.setattr(_csvread, "_MAX_RUNAWAY_QUOTES", 0)
    with pytest.raises(InvalidInputError, match=r"a.csv is not CSV .*\(opening on lines \[3\]"):
        load(put(tmp_path, "a.csv", UNTERMINATED), Account, strict=False)


def test_a_header_with_a_broken_quote(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"the header of a.csv cannot be read \(line 1\)"):
        load(put(tmp_path, "a.csv", 'id,"name,start_date\n'), Account)


# --- memory -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_one_long_cell_keeps_memory_near_the_file_size(tmp_path: Path, suffix: str) -> None:
    n = 20_000
    rows = [response(i, "x" * 100_000 if i == 7 else "") for i in range(n)]
    path = tmp_path / f"survey_responses{suffix}"
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        table = load_table(path, SurveyResponse)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # fixed-width text would take 20,000 x 100,000 x 4 bytes = 8 GB for the comments
    assert peak < 20 * size, f"peak {peak:,} bytes for a file of {size:,}"
    assert table.n_rows == n
    assert len(table["comment"][7]) == 100_000
    assert table["score"].tolist() == [i % 11 for i in range(n)]


def test_compact_columns_stay_fixed_width_text() -> None:
    from cshealth.io._text import text_array

    compact = text_array(["A-1", "A-22", ""])
    assert isinstance(compact, np.ndarray)
    assert compact.dtype == np.dtype("<U4")
    wide = text_array(["a"] * 100 + ["b" * 10_000])
    assert isinstance(wide, np.ndarray)
    assert wide.dtype == object
    mixed = [1, "a", None]
    assert text_array(mixed) is mixed


# --- JSON that cannot be read -----------------------------------------------------------------


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ('{"id": "A-2", "traits": ' + deep(100_000) + "}", "json_too_deep"),
        ('{"id": "A-2", "name": "x", "mrr": ' + "9" * 5000 + "}", "json_number_too_long"),
        ("9" * 5000, "json_number_too_long"),
    ],
)
def test_unreadable_json_is_one_bad_row(tmp_path: Path, bad: str, code: str) -> None:
    good = [GOOD_JSON, {**GOOD_JSON, "id": "A-3"}]
    lines = [json.dumps(good[0]), bad, json.dumps(good[1])]
    for path in (
        put(tmp_path, "a.jsonl", "\n".join(lines) + "\n"),
        put(tmp_path, "a.json", "[" + ",\n ".join(lines) + "]"),
    ):
        result = load(path, Account, strict=False)
        assert [a.id for a in result.records] == ["A-1", "A-3"]
        (error,) = result.errors
        assert (error.row, error.code) == (2, code)
        assert error.line == (2 if path.suffix == ".jsonl" else None)
        assert len(str(error.value)) < 200  # shown shortened, with its length
        with pytest.raises(InvalidInputError, match=r"row 2\b.*record: (JSON|a number)"):
            load_table(path, Account)


def test_json_array_that_is_not_json_after_a_deep_item(tmp_path: Path) -> None:
    path = put(tmp_path, "a.json", "[" + deep(100_000) + ", {]")
    with pytest.raises(InvalidInputError, match=r"a.json is not valid JSON: .* line 1"):
        load(path, Account)
    with pytest.raises(InvalidInputError, match="one value nested too deeply"):
        load(put(tmp_path, "b.json", '{"a": ' + deep(100_000) + "}"), Account)


# --- instants beyond year 9999, NaT -----------------------------------------------------------


def test_an_instant_in_year_10000_in_utc_is_one_bad_row(tmp_path: Path) -> None:
    rows = [response(1), {**response(2), "submitted_at": "9999-12-31T23:00:00-05:00"}]
    path = put(tmp_path, "r.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    for source in (rows, path):
        result = load(source, SurveyResponse, strict=False)
        assert [r.id for r in result.records] == ["R1"]
        (error,) = result.errors
        assert (error.row, error.field, error.code) == (2, "submitted_at", "datetime_out_of_range")
        assert error.value == "9999-12-31T23:00:00-05:00"


def test_nat_in_a_row_is_not_given_as_in_to_columns() -> None:
    row = {**GOOD_JSON, "end_date": pd.NaT, "renewal_date": pd.NaT}
    (account,) = load([row], Account)
    assert account.end_date is None
    table = to_columns({key: [value] for key, value in row.items()}, Account)
    assert np.isnat(table["end_date"]).all()


# --- frames ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({0: ["A-1"], 1: ["Acme"]}), r"label 0 is 0 \(int\): rename them"),
        (
            pd.DataFrame(
                [["A-1", "Acme", "2024-01-15"]],
                columns=pd.MultiIndex.from_tuples([("id", ""), ("name", ""), ("start_date", "")]),
            ),
            r"label 0 is \('id', ''\) \(tuple\): flatten the MultiIndex",
        ),
        (
            pd.DataFrame(
                [["A-1", "A-2", "Acme", "2024-01-15"]], columns=["id", "id", "name", "start_date"]
            ),
            r"the column labels \['id'\] more than once",
        ),
    ],
)
def test_frame_labels_must_be_text_and_distinct(frame: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        to_columns(frame, Account)
    from cshealth.io import read_columns

    with pytest.raises(InvalidInputError, match=match):
        read_columns(frame, Account, need=["id"])


@pytest.mark.parametrize("column", [{"A-1"}, frozenset({"A-1"}), {"A-1": 1}])
def test_a_set_is_not_a_column(column: object) -> None:
    data = {"id": column, "name": ["Acme"], "start_date": ["2024-01-15"]}
    with pytest.raises(InvalidInputError, match=r"column `id` must be a sequence .* no order"):
        to_columns(data, Account)


# --- writing CSV safe for spreadsheets --------------------------------------------------------


FORMULAS = ["=1+1", "+1", "-5", "@SUM(A1)", '=HYPERLINK("http://x")']


def accounts_with(names: list[str]) -> list[Account]:
    return [
        Account(id=f"A-{i}", name=name, start_date=date(2024, 1, 1), mrr=-0.0 + i)
        for i, name in enumerate(names)
    ]


def test_csv_escapes_text_a_spreadsheet_would_run(tmp_path: Path) -> None:
    accounts = accounts_with([*FORMULAS, "plain", "a=b"])
    path = write(accounts, tmp_path / "accounts.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    assert names == [*("'" + f for f in FORMULAS), "plain", "a=b"]
    # as read back, the escape stays: the file is for people
    assert [a.name for a in load(path, Account)][:2] == ["'=1+1", "'+1"]


def test_tab_and_carriage_return_starts_are_escaped() -> None:
    from cshealth.io._write import _escaped

    assert _escaped(["\tx", "\rx", "x\t", 3.0, None]) == ["'\tx", "'\rx", "x\t", 3.0, None]


def test_numbers_are_not_escaped_but_text_numbers_are(tmp_path: Path) -> None:
    from cshealth import RevenueChange

    changes = [RevenueChange(account_id="-5", effective_on=date(2025, 1, 1), mrr=5.0)]
    path = write(changes, tmp_path / "revenue_changes.csv")
    text = path.read_text(encoding="utf-8")
    assert "'-5,2025-01-01" in text
    table = to_columns(
        {"x": [1]} | {"account_id": ["A"], "effective_on": ["2025-01-01"], "mrr": [5.0]},
        RevenueChange,
    )
    assert "'" not in write(table, tmp_path / "t.csv").read_text(encoding="utf-8")


def test_escape_formulas_false_round_trips(tmp_path: Path) -> None:
    accounts = accounts_with([*FORMULAS, "plain"])
    path = write(accounts, tmp_path / "accounts.csv", escape_formulas=False)
    table = load_table(path, Account)
    assert table == to_columns(accounts)
    assert load(path, Account) == accounts


def test_json_is_never_escaped(tmp_path: Path) -> None:
    accounts = accounts_with(FORMULAS)
    assert load(write(accounts, tmp_path / "a.jsonl"), Account) == accounts


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_a_lone_surrogate_is_a_named_error(tmp_path: Path, suffix: str) -> None:
    columns = {
        "id": ["A-1", "A-2"],
        "name": ["fine", "bad \ud800 half"],
        "start_date": ["2024-01-01"] * 2,
    }
    with pytest.raises(InvalidInputError) as info:  # the columns refuse it, as load does
        to_columns(columns, Account)
    assert [(e.row, e.field, e.code) for e in info.value.errors] == [(2, "name", "text_character")]
    good = to_columns({**columns, "name": ["fine", "good"]}, Account)
    table = Table({**good, "name": np.array(columns["name"], dtype=object)}, model=Account)
    path = tmp_path / f"accounts{suffix}"
    with pytest.raises(
        InvalidInputError, match=r"row 2, field `name` = 'bad \\ud800 half' holds a lone surrogate"
    ):
        write(table, path)
    assert not path.exists()
