"""Measure tables and their join: missing stays missing, nothing is dropped."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import AccountNotFoundError, InvalidInputError, MeasureTable, join_measures

AS_OF = np.datetime64("2026-01-01T00:00:00", "us")


def usage() -> MeasureTable:
    return MeasureTable(
        ["A-2", "A-1"],
        {
            "mau": [3, 12],
            "band": ["red", None],
            "falling": [True, False],
            "last_seen": np.array(["2025-12-30T08:00", "NaT"], dtype="datetime64[us]"),
        },
        as_of=AS_OF,
        source="adoption",
    )


def test_a_table_is_a_mapping_with_the_key_column_first() -> None:
    table = usage()
    assert list(table) == ["account_id", "mau", "band", "falling", "last_seen"]
    assert len(table) == 5
    assert table.measures == ("mau", "band", "falling", "last_seen")
    assert table.n_accounts == 2
    assert table.as_of == AS_OF
    assert table.source == "adoption"
    assert repr(table) == "MeasureTable(adoption: 2 accounts x 4 measures)"
    assert repr(MeasureTable(["A"], {"x": [1]})) == "MeasureTable(1 accounts x 1 measure)"
    assert table.account_ids.dtype == object
    with pytest.raises(ValueError, match="read-only"):
        table["mau"][0] = 5


def test_rows_records_and_json_give_python_values_with_missing_as_none() -> None:
    table = usage()
    assert table.account("A-1") == {
        "account_id": "A-1",
        "mau": 12,
        "band": None,
        "falling": False,
        "last_seen": None,
    }
    first = table.to_records()[0]
    assert first["last_seen"] == datetime(2025, 12, 30, 8, tzinfo=timezone.utc)
    assert table.to_dict() == {
        "as_of": "2026-01-01T00:00:00+00:00",
        "source": "adoption",
        "not_measured": {},
        "columns": {
            "account_id": ["A-2", "A-1"],
            "mau": [3, 12],
            "band": ["red", None],
            "falling": [True, False],
            "last_seen": ["2025-12-30T08:00:00+00:00", None],
        },
    }
    assert MeasureTable(["A"], {"x": [np.nan], "t": np.array(["y"])}).to_dict()["columns"] == {
        "account_id": ["A"],
        "x": [None],
        "t": ["y"],
    }
    with pytest.raises(KeyError, match="A-9"):
        table.account("A-9")
    with pytest.raises(KeyError, match="no column 'nope'"):
        table["nope"]


def test_row_looks_an_account_up_by_the_identifier_rule() -> None:
    table = MeasureTable([7, 12], {"x": [1.5, np.nan]})
    assert table.account(12) == {"account_id": 12, "x": None}
    assert table.account(np.int64(7)) == {"account_id": 7, "x": 1.5}
    assert table.account(7.0) == table.account(7)  # a whole float is the whole number
    with pytest.raises(AccountNotFoundError, match="no account 9 among the 2 accounts"):
        table.account(9)
    with pytest.raises(AccountNotFoundError, match="can never match"):
        table.account("7")  # text among whole numbers
    with pytest.raises(InvalidInputError, match="not an identifier"):
        table.account(None)
    assert MeasureTable([" A-1 "], {}).account("A-1") == {"account_id": "A-1"}


def test_prefix_and_select_keep_ids_and_as_of() -> None:
    table = usage().with_prefix("usage_").select(["usage_band", "usage_mau"])
    assert table.measures == ("usage_band", "usage_mau")
    assert table.as_of == AS_OF
    assert table["usage_mau"].tolist() == [3, 12]


def test_to_pandas_keeps_the_columns() -> None:
    frame = usage().to_pandas()
    assert list(frame.columns) == ["account_id", "mau", "band", "falling", "last_seen"]
    assert frame["mau"].tolist() == [3, 12]


@pytest.mark.parametrize(
    ("ids", "measures", "match"),
    [
        (["A", "A"], {"x": [1, 2]}, r"duplicate account ids \['A'\]"),
        (["A", None], {"x": [1, 2]}, "row 2: `measures account ids`: an identifier is required"),
        (["A", float("nan")], {"x": [1, 2]}, "row 2: `measures account ids`: an identifier is"),
        (["A", 1], {"x": [1, 2]}, "whole numbers and text are mixed"),
        ([["A"]], {}, r"row 1: `measures account ids` = \['A'\]: expected an identifier"),
        (["A"], {"account_id": ["A"]}, "key column"),
        (["A"], {"x": [1, 2]}, r"one value per account \(1\)"),
        (["A"], {"x": [[1]]}, "shape"),
    ],
)
def test_bad_tables_are_refused(ids: list[object], measures: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        MeasureTable(ids, measures)


def test_join_keeps_every_account_and_leaves_gaps_missing_not_zero() -> None:
    # A-3 has tickets but no usage, A-1 usage but no tickets: neither is dropped and
    # neither gets a 0 it was never measured at.
    support = MeasureTable(["A-3", "A-2"], {"open_tickets": [0, 4]}, as_of=AS_OF, source="support")
    joined = join_measures(usage(), support)
    assert joined["account_id"].tolist() == ["A-1", "A-2", "A-3"]
    assert joined.to_dict()["columns"] == {
        "account_id": ["A-1", "A-2", "A-3"],
        "mau": [12.0, 3.0, None],
        "band": [None, "red", None],
        "falling": [0.0, 1.0, None],
        "last_seen": [None, "2025-12-30T08:00:00+00:00", None],
        "open_tickets": [None, 4.0, 0.0],
    }
    assert joined.as_of == AS_OF
    assert joined.source == "joined"


def test_join_on_a_given_account_list_orders_rows_and_keeps_accounts_without_data() -> None:
    joined = join_measures(usage(), {"account_id": ["A-1"], "nps": [40.0]}, accounts=["A-9", "A-1"])
    missing = {"mau": None, "band": None, "falling": None, "last_seen": None, "nps": None}
    assert joined.to_records() == [
        {"account_id": "A-9", **missing},
        {"account_id": "A-1", **missing, "mau": 12.0, "falling": 0.0, "nps": 40.0},
    ]


def test_join_reads_data_frames_and_empty_sources() -> None:
    frame = pd.DataFrame({"account_id": ["A-1", "A-5"], "nps": [10.0, -20.0]})
    empty = MeasureTable(np.array([], dtype=object), {"x": np.array([], dtype=float)})
    joined = join_measures(frame, empty)
    assert joined["account_id"].tolist() == ["A-1", "A-5"]
    assert np.isnan(joined["x"]).all()
    assert join_measures().n_accounts == 0


@pytest.mark.parametrize(
    ("tables", "match"),
    [
        ((usage(), usage()), "'mau' is in both adoption and adoption"),
        (({"id": ["A"]},), "source 1 must be a MeasureTable"),
        (([1, 2],), "got list"),
        (
            (usage(), MeasureTable(["A"], {"y": [1]}, as_of=AS_OF + 1)),
            "different instants",
        ),
    ],
)
def test_bad_joins_are_refused(tables: tuple[object, ...], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        join_measures(*tables)


def test_join_refuses_duplicate_listed_accounts() -> None:
    with pytest.raises(InvalidInputError, match="accounts: duplicate"):
        join_measures(usage(), accounts=["A-1", "A-1"])


@given(
    left=st.dictionaries(st.sampled_from("abcdefgh"), st.integers(-5, 5), max_size=6),
    right=st.dictionaries(st.sampled_from("defghijk"), st.floats(-1, 1), max_size=6),
)
def test_join_matches_a_dictionary_reference(left: dict[str, int], right: dict[str, float]) -> None:
    joined = join_measures(
        MeasureTable(list(left), {"l": list(left.values())}, source="left"),
        MeasureTable(list(right), {"r": list(right.values())}, source="right"),
    )
    ids = sorted(set(left) | set(right))
    assert joined["account_id"].tolist() == ids
    for i, account in enumerate(ids):
        assert joined["l"][i] == left[account] if account in left else np.isnan(joined["l"][i])
        assert joined["r"][i] == right[account] if account in right else np.isnan(joined["r"][i])


# --- not measured: an absent input column is a column of missing values, with its reason


def test_not_measured_columns_are_all_missing_whatever_was_passed() -> None:
    table = MeasureTable(
        ["A-1", "A-2"],
        {
            "reopens": [0, 3],
            "open": [1, 2],
            "band": ["x", "y"],
            "seen": np.array(["2025-12-30T08:00", "2025-12-31T08:00"], dtype="datetime64[us]"),
        },
        not_measured={"reopens": "no `reopened_count` column", "band": "b", "seen": "s"},
    )
    assert np.isnan(table["reopens"]).all()
    assert table["band"].tolist() == [None, None]
    assert np.isnat(table["seen"]).all()
    assert table["open"].tolist() == [1, 2]  # measured columns are untouched
    assert table.not_measured == {"reopens": "no `reopened_count` column", "band": "b", "seen": "s"}
    assert table.account("A-1")["reopens"] is None
    assert table.to_dict()["not_measured"] == table.not_measured
    assert repr(table) == "MeasureTable(2 accounts x 4 measures; not measured: reopens, band, seen)"


def test_not_measured_follows_prefix_select_and_join() -> None:
    support = MeasureTable(
        ["A-1"],
        {"reopens": [0], "open": [1]},
        not_measured={"reopens": "no `reopened_count` column"},
    )
    prefixed = support.with_prefix("support_")
    assert prefixed.not_measured == {"support_reopens": "no `reopened_count` column"}
    assert support.select(["open"]).not_measured == {}
    assert support.select(["reopens"]).not_measured == {"reopens": "no `reopened_count` column"}
    usage = MeasureTable(["A-2"], {"mau": [4]}, source="adoption")
    joined = join_measures(usage, support)
    assert joined.not_measured == {"reopens": "no `reopened_count` column"}
    assert np.isnan(joined["reopens"]).all()


@pytest.mark.parametrize(
    "bad",
    [{"nope": "why"}, {"account_id": "why"}, {"reopens": 3}, ["reopens"]],
)
def test_not_measured_must_name_measures_with_reasons(bad: object) -> None:
    with pytest.raises(InvalidInputError, match="`not_measured`"):
        MeasureTable(["A-1"], {"reopens": [0]}, not_measured=bad)
