"""``load`` and ``to_columns``/``load_table`` accept and refuse exactly the same values.

Each row of the table gives one value of one field and what both paths must do with it:
keep it (as the value shown, compared on the records both give) or refuse it with the
error code shown. The rules are in `cshealth._scalars` and the loading guide.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cshealth import (
    Account,
    Contact,
    InvalidInputError,
    RevenueChange,
    SurveyResponse,
    Ticket,
    UsageRecord,
    from_columns,
    load,
    load_table,
    to_columns,
)
from cshealth.models import Record

UTC = timezone.utc
#: Lone surrogates cannot be written to a UTF-8 file at all.
_SURROGATE = re.compile("[\ud800-\udfff]")

GOOD: dict[type[Record], dict[str, object]] = {
    Account: {"id": "A1", "name": "Acme", "start_date": "2024-01-15"},
    Contact: {"id": "C1", "account_id": "A1"},
    Ticket: {
        "id": "T1",
        "account_id": "A1",
        "channel": "email",
        "created_at": "2025-03-03T09:00:00Z",
    },
    SurveyResponse: {
        "id": "R1",
        "account_id": "A1",
        "kind": "nps",
        "survey_type": "relationship",
        "score": 9,
        "submitted_at": "2025-04-02T00:00:00Z",
    },
    UsageRecord: {"account_id": "A1", "day": "2025-05-05", "active_users": 14},
    RevenueChange: {"account_id": "A1", "effective_on": "2025-01-01", "mrr": 900.0},
}


class Refused(str):
    """The error code both paths must give."""


CASES: list[tuple[type[Record], str, object, object]] = [
    # numbers are never Unix time
    (Account, "start_date", "0", Refused("date_parsing")),
    (Account, "start_date", 0, Refused("date_parsing")),
    (Account, "end_date", 1.5e9, Refused("date_parsing")),
    (Account, "start_date", "1740992400", Refused("date_parsing")),
    (Ticket, "created_at", "0", Refused("datetime_parsing")),
    (Ticket, "created_at", 1_740_992_400, Refused("datetime_parsing")),
    (Ticket, "resolved_at", "1740992400.5", Refused("datetime_parsing")),
    # numbers in text: ASCII digits; a whole number without exponent or bare point
    (UsageRecord, "active_users", "1e3", Refused("number_parsing")),
    (UsageRecord, "active_users", "１２", Refused("number_parsing")),
    (UsageRecord, "active_users", "5.", Refused("number_parsing")),
    (UsageRecord, "active_users", "1_000", Refused("number_parsing")),
    (UsageRecord, "active_users", " 12.0 ", 12),
    (RevenueChange, "mrr", "1e3", 1000.0),
    (RevenueChange, "mrr", "１２", Refused("number_parsing")),
    (RevenueChange, "mrr", "1_000", Refused("number_parsing")),
    (RevenueChange, "mrr", ".5", 0.5),
    # numpy scalars are their Python values
    (UsageRecord, "active_users", np.int64(5), 5),
    (RevenueChange, "mrr", np.float64(2.5), 2.5),
    (Ticket, "channel", np.str_("chat"), "chat"),
    (Ticket, "channel", np.int64(12), "12"),
    (Contact, "is_champion", np.bool_(True), True),
    (UsageRecord, "day", np.datetime64("2025-03-03"), date(2025, 3, 3)),
    (UsageRecord, "day", np.datetime64("2025-03-03T05:00"), Refused("date_with_time")),
    (
        Ticket,
        "created_at",
        np.datetime64("2025-03-03T09:00"),
        datetime(2025, 3, 3, 9, tzinfo=UTC),
    ),
    # missing-like values in optional fields are "not given": the default
    (Account, "mrr", float("nan"), None),
    (Account, "mrr", pd.NA, None),
    (Account, "mrr", "", None),
    (Account, "seats", np.float64("nan"), None),
    (Account, "segment", "  ", None),
    (Account, "end_date", pd.NaT, None),
    (Account, "traits", float("nan"), {}),
    (Contact, "is_champion", "", False),
    (Contact, "is_champion", None, False),
    (Ticket, "priority", float("nan"), "normal"),
    (Ticket, "resolved_at", np.datetime64("NaT"), None),
    # ... and in required ones, missing
    (Account, "name", "", Refused("missing")),
    (RevenueChange, "mrr", float("nan"), Refused("missing")),
    # NUL characters and lone surrogates in any text
    (Account, "name", "Acme\x00", Refused("text_character")),
    (Account, "name", "Ac\x00me", Refused("text_character")),
    (Account, "segment", "smb\x00", Refused("text_character")),
    (Account, "plan", "a\ud800", Refused("text_character")),
    (Ticket, "channel", "\udfff", Refused("text_character")),
    (Ticket, "priority", "high\x00", Refused("literal_error")),
    (Account, "id", "A-1\x00", Refused("id_character")),
    # other types as text
    (Account, "segment", 1.5, Refused("text_type")),
    (Account, "segment", True, Refused("text_type")),
    (Account, "segment", 17, "17"),
    # labels hold at most 512 characters, other text any number
    (Account, "name", "x" * 512, "x" * 512),
    (Account, "name", "x" * 513, Refused("string_too_long")),
    (Account, "owner", "x" * 600, "x" * 600),
    # whole numbers are exact: below 2**53 in magnitude
    (UsageRecord, "active_users", 2**53 - 1, 2**53 - 1),
    (UsageRecord, "active_users", 2**53, Refused("int_too_large")),
    (UsageRecord, "active_users", 2**53 + 1, Refused("int_too_large")),
    (UsageRecord, "active_users", "9007199254740993", Refused("int_too_large")),
    (SurveyResponse, "scale_max", -(2**60), Refused("int_too_large")),
    # float ids are whole numbers at most 2**53, or refused
    (Account, "id", 1e20, Refused("id_not_whole")),
    (Account, "id", 7.0, 7),
    # trait values: NaN is missing, infinity refused
    (Account, "traits", {"tier": float("nan")}, {"tier": None}),
    (Account, "traits", '{"tier": NaN}', {"tier": None}),
    (Account, "traits", {"tier": float("inf")}, Refused("finite_number")),
    (Account, "traits", {"tier": " gold "}, {"tier": "gold"}),
    # instants in years 1..9999 in UTC
    (Ticket, "created_at", "9999-12-31T23:00:00-05:00", Refused("datetime_out_of_range")),
    (
        Ticket,
        "created_at",
        "9999-12-31T18:00:00-05:00",
        datetime(9999, 12, 31, 23, tzinfo=UTC),
    ),
]


def _record_outcome(model: type[Record], row: dict[str, object], field: str) -> object:
    result = load([row], model, strict=False)
    if result.errors:
        return Refused(result.errors[0].code)
    return getattr(result.records[0], field)


def _column_outcome(model: type[Record], row: dict[str, object], field: str) -> object:
    columns: dict[str, object] = {}
    for name, value in row.items():
        cell = np.empty(1, dtype=object)
        cell[0] = value
        columns[name] = cell
    try:
        table = to_columns(columns, model)
    except InvalidInputError as exc:
        return Refused(exc.errors[0].code)
    return getattr(from_columns(table, model)[0], field)


@pytest.mark.parametrize(
    ("model", "field", "value", "expected"),
    CASES,
    ids=[f"{m.__name__}.{f}={v!r}"[:60] for m, f, v, _ in CASES],
)
def test_records_and_columns_give_one_answer(
    model: type[Record], field: str, value: object, expected: object
) -> None:
    row = {**GOOD[model], field: value}
    by_records = _record_outcome(model, row, field)
    by_columns = _column_outcome(model, row, field)
    assert type(by_records) is type(by_columns)
    if field == "traits" and isinstance(expected, Refused):
        # a bad mapping: the columns name the whole mapping (`json_object`), the records
        # the value inside it; both refuse the row
        assert (by_records, by_columns) == (expected, "json_object")
    else:
        assert by_records == by_columns == expected


@pytest.mark.parametrize(
    ("model", "field", "value", "expected"),
    [case for case in CASES if isinstance(case[2], str) and not _SURROGATE.search(case[2])],
    ids=lambda value: repr(value)[:40],
)
def test_csv_files_give_the_same_answer(
    tmp_path: Path, model: type[Record], field: str, value: str, expected: object
) -> None:
    """The same values as CSV cells: ``load`` and ``load_table`` agree (a NUL included)."""
    import csv

    row: dict[str, Any] = {**GOOD[model], field: value}
    path = tmp_path / "rows.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(row))
        writer.writerow(list(row.values()))
    result = load(path, model, strict=False)
    if result.errors:
        with pytest.raises(InvalidInputError) as info:
            load_table(path, model)
        assert [e.code for e in info.value.errors] == [e.code for e in result.errors]
    else:
        assert from_columns(load_table(path, model), model) == result.records


def test_a_bad_first_row_takes_no_part_in_the_duplicate_check() -> None:
    rows = [
        {"id": "A1", "name": "Acme", "start_date": "2024-13-01"},  # bad: no such month
        {"id": "A1", "name": "Acme", "start_date": "2024-01-15"},
        {"id": "A1", "name": "Acme", "start_date": "2024-01-16"},  # a duplicate of row 2
    ]
    result = load(rows, Account, strict=False)
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    with pytest.raises(InvalidInputError) as info:
        to_columns(columns, Account)
    assert [(e.row, e.code) for e in info.value.errors] == [
        (1, "date_parsing"),
        (3, "duplicate_key"),
    ]
    assert [(e.row, e.code) for e in result.errors] == [
        (1, "date_from_datetime_parsing"),
        (3, "duplicate_key"),
    ]


def test_a_long_bad_value_is_shortened_in_the_message_only() -> None:
    value = "x" * 140_000
    result = load([{**GOOD[Account], "name": value}], Account, strict=False)
    error = result.errors[0]
    assert error.value == value
    text = str(error)
    assert len(text) < 300
    assert text.endswith("... (140,000 characters): String should have at most 512 characters")
    with pytest.raises(InvalidInputError) as info:
        to_columns({**{k: [v] for k, v in GOOD[Account].items()}, "name": [value]}, Account)
    assert len(str(info.value)) < 400
    assert info.value.errors[0].value == value
