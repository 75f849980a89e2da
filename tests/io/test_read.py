"""``read_columns``: just the columns a kernel needs, from any input form, checked."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest

from cshealth import (
    Account,
    InvalidInputError,
    SurveyResponse,
    Table,
    Ticket,
    UsageEvent,
    read_columns,
    to_columns,
)
from cshealth.models import UsageRecord

UTC = timezone.utc


def tickets() -> list[Ticket]:
    return [
        Ticket(
            id="T-1",
            account_id="A-1",
            channel="email",
            created_at=datetime(2025, 3, 3, 9, tzinfo=UTC),
            resolved_at=datetime(2025, 3, 4, 9, tzinfo=UTC),
        ),
        Ticket(
            id="T-2", account_id="A-2", channel="chat", created_at=datetime(2025, 3, 5, tzinfo=UTC)
        ),
    ]


COLUMNS = {
    "id": ["T-1", "T-2"],
    "account_id": ["A-1", "A-2"],
    "channel": ["email", "chat"],
    "created_at": ["2025-03-03T09:00Z", "2025-03-05T00:00Z"],
    "resolved_at": ["2025-03-04T09:00Z", None],
}


@pytest.mark.parametrize(
    "data",
    [
        tickets(),
        iter(tickets()),
        COLUMNS,
        pd.DataFrame(COLUMNS),
        to_columns(COLUMNS, Ticket),
    ],
    ids=["records", "iterator", "dict", "frame", "table"],
)
def test_every_input_form_reads_alike(data: object) -> None:
    table = read_columns(data, Ticket, need=["account_id", "created_at"], optional=["resolved_at"])
    assert table.columns == ("account_id", "created_at", "resolved_at")
    assert table.model is Ticket
    assert table["account_id"].tolist() == ["A-1", "A-2"]
    assert table["created_at"].dtype == np.dtype("datetime64[us]")
    assert np.isnat(table["resolved_at"][1])


def test_optional_columns_absent_from_the_data_are_left_out() -> None:
    table = read_columns(
        {"account_id": ["A"], "created_at": ["2025-01-01T00:00Z"]},
        Ticket,
        need=["account_id"],
        optional=["created_at", "abandoned"],
    )
    assert table.columns == ("account_id", "created_at")


def test_no_records_gives_empty_typed_columns() -> None:
    table = read_columns([], Ticket, need=["created_at", "priority"])
    assert table.n_rows == 0
    assert table["created_at"].dtype == np.dtype("datetime64[us]")
    events = read_columns([], UsageEvent, need=["user_id"], optional=["feature"])
    assert events.columns == ("user_id", "feature")


def test_every_bad_value_is_reported_with_its_row_field_and_record() -> None:
    data = dict(COLUMNS, created_at=["2025-03-03T09:00", "2025-03-05T00:00Z"])
    data["resolved_at"] = [None, "2025-03-01T00:00Z"]
    with pytest.raises(InvalidInputError, match="2 of 2 Ticket rows are invalid") as caught:
        read_columns(data, Ticket, need=["created_at", "resolved_at"])
    errors = caught.value.errors
    assert [(e.row, e.field, e.record_id) for e in errors] == [
        (1, "created_at", "T-1"),
        (2, "resolved_at", "T-2"),
    ]
    assert "no time zone" in errors[0].message
    assert errors[1].message == "`resolved_at` is before `created_at`"
    assert errors[1].value == "2025-03-01T00:00Z"


def test_models_without_a_key_report_rows_without_an_id() -> None:
    data = {"account_id": ["A"], "user_id": ["U"], "occurred_at": ["yesterday"]}
    with pytest.raises(InvalidInputError) as caught:
        read_columns(data, UsageEvent, need=["occurred_at"])
    assert caught.value.errors[0].record_id is None


def test_negative_counts_are_refused() -> None:
    data = {"account_id": ["A"], "day": ["2025-01-01"], "active_users": [-2]}
    with pytest.raises(InvalidInputError) as caught:
        read_columns(data, UsageRecord, need=["active_users"])
    assert caught.value.errors[0].field == "active_users"


@pytest.mark.parametrize(
    ("data", "need", "match"),
    [
        ({"account_id": ["A"]}, ["account_id", "created_at"], "tickets need the columns"),
        ({"account_id": ["A"], "nope": [1]}, ["account_id", "nope"], "not fields of Ticket"),
        ({"account_id": ["A"], "channel": ["a", "b"]}, ["account_id", "channel"], "one length"),
        ("tickets.csv", ["account_id"], "must be Ticket records, a Table"),
        ([{"account_id": "A"}], ["account_id"], "got list"),
    ],
)  # fmt: skip
def test_bad_inputs_are_refused(data: object, need: list[str], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        read_columns(data, Ticket, need=need)


def test_clean_text_columns_are_checked_once_per_value_and_bad_ones_still_reported() -> None:
    clean = np.array(["smb", None, "smb", "enterprise"], dtype=object)
    table = read_columns({"segment": clean}, Account, need=["segment"])
    assert table["segment"].tolist() == ["smb", None, "smb", "enterprise"]
    padded = np.array([" email", "chat"], dtype=object)  # to strip: value by value
    assert read_columns({"channel": padded}, Ticket, need=["channel"])["channel"][0] == "email"
    # a category column (priority) is not stripped, and a padded value is refused
    with pytest.raises(InvalidInputError) as caught:
        read_columns(
            {"priority": np.array(["high", " low", None], dtype=object)}, Ticket, need=["priority"]
        )
    assert caught.value.errors[0].row == 2
    with pytest.raises(InvalidInputError) as unhashable:
        read_columns({"channel": np.array([["a"], "b"], dtype=object)}, Ticket, need=["channel"])
    assert unhashable.value.errors[0].row == 1


def test_usage_without_logins_has_none() -> None:
    from cshealth.adoption import account_metrics, usage_trend

    # Absent is not zero: no `logins` column is no measured logins, never 0 logins.
    records = {"account_id": ["A"], "day": ["2025-05-26"], "active_users": [3]}
    with pytest.raises(InvalidInputError, match="`logins` column, which they do not have"):
        usage_trend(records, as_of=date(2025, 6, 2))
    table = account_metrics(records, as_of=date(2025, 6, 2), seats={"A": 3})
    assert table.account("A")["logins"] is None
    assert table.not_measured["logins_per_seat"] == "no `logins` column"
    assert table.account("A")["seat_utilisation"] == 1.0  # from active_users: measured


def test_a_table_io_checked_is_read_as_it_is_and_a_hand_made_one_is_checked() -> None:
    columns = {"account_id": ["A-1", "A-2"], "created_at": ["2025-03-03T09:00Z"] * 2}
    checked = to_columns({**columns, "id": ["T1", "T2"], "channel": ["email"] * 2}, Ticket)
    read = read_columns(checked, Ticket, need=["account_id", "created_at"])
    assert read["account_id"] is checked["account_id"]  # taken, not converted again
    assert read_columns(read, Ticket, need=["account_id"])["account_id"] is read["account_id"]
    with pytest.raises(InvalidInputError, match="need the columns"):
        read_columns(checked, Ticket, need=["account_id", "resolved_at"])  # absent: not given
    hand_made = Table({"account_id": [" A-1", ""], "created_at": ["2025-03-03T09:00Z"] * 2})
    with pytest.raises(InvalidInputError, match="1 of 2 Ticket rows are invalid"):
        read_columns(hand_made, Ticket, need=["account_id", "created_at"])


def test_a_checked_table_keeps_its_own_copy_of_the_callers_array() -> None:
    scores = np.array([9.0, 4.0])
    table = to_columns(
        {
            "id": ["R1", "R2"],
            "account_id": ["A", "B"],
            "kind": ["nps"] * 2,
            "score": [5, 4],
            "survey_type": ["relationship"] * 2,
            "submitted_at": ["2025-01-05T10:00:00Z"] * 2,
            "weight": scores,
        },
        SurveyResponse,
    )
    scores[0] = np.nan  # the caller changes its array afterwards
    assert read_columns(table, SurveyResponse, need=["weight"])["weight"].tolist() == [9.0, 4.0]
    taken = table.take([1])  # rows of a checked table are checked
    assert read_columns(taken, SurveyResponse, need=["weight"])["weight"] is taken["weight"]
