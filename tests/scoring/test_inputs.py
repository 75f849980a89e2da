"""Reading scoring data: every data form, every column kind, every rejected value.

References: each form is compared with the same data given as a plain dict of Python lists;
converted columns are checked against values written out here (instants as microseconds
since the epoch worked by hand); error messages are compared in full, since they are the
contract for what a user sees.
"""

from __future__ import annotations

from collections.abc import Iterator, Sized
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import polars as pl
import pytest

from cshealth._exceptions import InvalidInputError
from cshealth._measures import MeasureTable
from cshealth.scoring._inputs import Inputs, Kind, gather, read_inputs

NAN = np.nan
UTC = timezone.utc
PLUS2 = timezone(timedelta(hours=2))
MINUS530 = timezone(-timedelta(hours=5, minutes=30))

KINDS: dict[str, Kind] = {"n": "number", "f": "flag", "t": "text", "i": "instant", "r": "raw"}


def us(text: str) -> np.datetime64:
    return np.datetime64(text, "us")


def plain() -> dict[str, list[object]]:
    """Three accounts with one column of every kind, as Python lists."""
    return {
        "account_id": ["a", "b", "c"],
        "n": [1.5, None, 3],
        "f": [True, None, False],
        "t": ["good", None, "poor"],
        "i": [datetime(2026, 1, 1, tzinfo=UTC), None, datetime(2026, 1, 2, 12, tzinfo=UTC)],
        "r": ["smb", "ent", None],
    }


def check_plain(got: Inputs) -> None:
    assert isinstance(got, Inputs)
    assert got.n == 3
    assert got.account_ids.dtype == object
    assert got.account_ids.tolist() == ["a", "b", "c"]
    assert list(got.columns) == ["n", "f", "t", "i", "r"]
    numbers = got.number("n")
    assert numbers.dtype == np.float64
    assert np.array_equal(numbers, [1.5, NAN, 3.0], equal_nan=True)
    flags = got.number("f")
    assert flags.dtype == np.float64
    assert np.array_equal(flags, [1.0, NAN, 0.0], equal_nan=True)
    texts = got.text("t")
    assert texts.dtype == object
    assert texts.tolist() == ["good", None, "poor"]
    instants = got.instant("i")
    assert instants.dtype == np.dtype("datetime64[us]")
    assert instants[0] == us("2026-01-01T00:00")
    assert np.isnat(instants[1])
    assert instants[2] == us("2026-01-02T12:00")
    raw = got.columns["r"]
    assert raw.tolist() == ["smb", "ent", None]


# --- data forms ------------------------------------------------------------------------------


def test_dict_of_lists() -> None:
    check_plain(read_inputs(plain(), KINDS))


def test_dict_of_numpy_arrays() -> None:
    data = {
        "account_id": np.array(["a", "b", "c"]),
        "n": np.array([1.5, NAN, 3.0]),
        "f": np.array([1.0, NAN, 0.0]),
        "t": np.array(["good", None, "poor"], dtype=object),
        "i": np.array(["2026-01-01T00:00", "NaT", "2026-01-02T12:00"], dtype="datetime64[s]"),
        "r": np.array(["smb", "ent", None], dtype=object),
    }
    check_plain(read_inputs(data, KINDS))


def test_pandas_data_frame() -> None:
    frame = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "n": [1.5, NAN, 3.0],
            "f": pd.array([True, None, False], dtype="boolean"),
            "t": pd.array(["good", pd.NA, "poor"], dtype="string"),
            "i": pd.to_datetime(["2026-01-01T02:00+02:00", None, "2026-01-02T12:00Z"], utc=True),
            "r": ["smb", "ent", None],
        },
        index=[10, 20, 30],  # the index plays no part
    )
    check_plain(read_inputs(frame, KINDS))


def test_pandas_plain_dtypes() -> None:
    frame = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "n": pd.array([1, None, 3], dtype="Int64"),
            "f": [True, True, False],
            "t": ["good", "ok", "poor"],
            "i": pd.to_datetime(["2026-01-01", "2026-01-02", None]).tz_localize("UTC"),
        }
    )
    got = read_inputs(frame, {"n": "number", "f": "flag", "t": "text", "i": "instant"})
    assert np.array_equal(got.number("n"), [1.0, NAN, 3.0], equal_nan=True)
    assert got.number("f").tolist() == [1.0, 1.0, 0.0]
    assert got.text("t").tolist() == ["good", "ok", "poor"]
    assert got.instant("i")[1] == us("2026-01-02")
    assert np.isnat(got.instant("i")[2])


def test_list_of_dicts_with_absent_keys() -> None:
    rows = [
        {"account_id": "a", "n": 1.5, "f": True, "t": "good", "r": "smb"},
        {"account_id": "b", "r": "ent"},  # absent keys are missing values
        {
            "account_id": "c",
            "n": 3,
            "f": False,
            "t": "poor",
            "i": datetime(2026, 1, 2, 12, tzinfo=UTC),
        },
    ]
    rows[0]["i"] = datetime(2026, 1, 1, tzinfo=UTC)
    check_plain(read_inputs(rows, KINDS))


def test_iterator_and_tuple_of_rows() -> None:
    def rows() -> Iterator[dict[str, object]]:
        data = plain()
        for i in range(3):
            yield {name: values[i] for name, values in data.items()}

    check_plain(read_inputs(rows(), KINDS))
    check_plain(read_inputs(tuple(rows()), KINDS))


def test_measure_table() -> None:
    table = MeasureTable(["b", "a"], {"n": np.array([2.0, 1.0])}, source="test")
    got = read_inputs(table, {"n": "number"})
    assert got.account_ids.tolist() == ["b", "a"]  # the table's rows, as they are
    assert got.number("n").tolist() == [2.0, 1.0]


def test_gather_rows_become_columns() -> None:
    rows = [{"account_id": "a", "x": 1}, {"account_id": "b", "y": 2}, {"z": 3, "account_id": "c"}]
    assert gather(rows) == {
        "account_id": ["a", "b", "c"],
        "x": [1, None, None],
        "y": [None, 2, None],
        "z": [None, None, 3],
    }
    assert gather(iter([])) == {}
    assert gather({1: [2]}) == {"1": [2]}


def test_only_the_asked_columns_are_read() -> None:
    data = {"account_id": ["a"], "n": [1.0], "junk": [object()]}
    got = read_inputs(data, {"n": "number"})
    assert list(got.columns) == ["n"]


def test_rows_must_be_mappings() -> None:
    with pytest.raises(InvalidInputError) as info:
        read_inputs([{"account_id": "a"}, ("account_id", "b")], {})
    assert str(info.value) == "scoring data row 2 is a tuple, not a mapping of column to value"
    with pytest.raises(InvalidInputError, match="scoring data row 1 is a str, not a mapping"):
        read_inputs(["account_id"], {})


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (42, "int"),
        ("account_id", "str"),
        (b"ab", "bytes"),
        (None, "NoneType"),
        (np.zeros(3), "ndarray"),
    ],
)
def test_unsupported_data(data: object, kind: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        read_inputs(data, {})
    assert str(info.value) == (
        "scoring data must be a mapping of columns, a data frame or an iterable of "
        f"per-account mappings; got {kind}"
    )


# --- account ids -----------------------------------------------------------------------------


def test_missing_account_id_column() -> None:
    with pytest.raises(InvalidInputError) as info:
        read_inputs({"id": ["a"], "n": [1]}, {"n": "number"})
    assert str(info.value) == "scoring data needs an `account_id` column; it has ['id', 'n']"


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["a", None, "c"], "row 2: `account_id`: an identifier is required here"),
        (["a", "b", NAN], "row 3: `account_id`: an identifier is required here"),
        (np.array(["a", None], dtype=object), "row 2: `account_id`: an identifier is required"),
        (["a", 7], "row 2: `account_id` = 7: whole numbers and text are mixed"),
        ([b"a", "b"], "row 1: `account_id` = b'a': expected an identifier"),
        (np.array([1.5, 2.5]), "row 1: `account_id` = 1.5: a number used as an identifier"),
        (np.array([["a"], ["b"]]), "row 1: `account_id` = array(['a'], dtype='<U1'): expected"),
    ],
)
def test_bad_account_ids(ids: object, message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        read_inputs({"account_id": ids}, {})
    assert message in str(info.value)


@pytest.mark.parametrize(
    "ids",
    [
        [3, 1, 2],
        np.array([3, 1, 2], dtype=np.int32),
        np.array([3.0, 1.0, 2.0]),
        pd.Series([3, 1, 2], dtype="Int64"),
        pl.Series([3, 1, 2]),
    ],
)
def test_whole_number_account_ids_stay_whole_numbers(ids: object) -> None:
    inputs = read_inputs({"account_id": ids, "n": [1.0, 2.0, 3.0]}, {"n": "number"})
    assert inputs.account_ids.dtype == np.int64
    assert inputs.account_ids.tolist() == [3, 1, 2]


def test_repeated_account_ids_are_listed() -> None:
    with pytest.raises(InvalidInputError) as info:
        read_inputs({"account_id": ["b", "a", "b", "c", "a", "b"]}, {})
    assert str(info.value) == "`account_id` repeats ['a', 'b']: one row per account"
    many = [f"x{i}" for i in range(7)] * 2
    with pytest.raises(InvalidInputError) as info:
        read_inputs({"account_id": many}, {})
    assert str(info.value) == (
        "`account_id` repeats ['x0', 'x1', 'x2', 'x3', 'x4']: one row per account"
    )


def test_text_ids_in_other_containers() -> None:
    for ids in (
        ("a", "b"),
        np.array(["a", "b"]),
        pd.Series(["a", "b"]),
        np.array(["a", "b"], dtype=object),
    ):
        got = read_inputs({"account_id": ids}, {})
        assert got.account_ids.dtype == object
        assert got.account_ids.tolist() == ["a", "b"]
        assert all(type(v) is str for v in got.account_ids.tolist())


@pytest.mark.parametrize(
    "data",
    [
        {"account_id": [], "n": [], "t": []},
        {
            "account_id": np.array([], dtype=object),
            "n": np.array([]),
            "t": np.array([], dtype=object),
        },
        pd.DataFrame(
            {
                "account_id": pd.Series([], dtype=object),
                "n": pd.Series([], dtype=float),
                "t": pd.Series([], dtype=object),
            }
        ),
        [],
        iter([]),
    ],
    ids=["lists", "arrays", "frame", "no rows", "empty iterator"],
)
def test_no_accounts(data: object) -> None:
    # like read_columns in cshealth.io, an empty table reads as zero accounts
    got = read_inputs(data, {"n": "number", "t": "text"}, absent="missing")
    assert got.n == 0
    assert got.number("n").tolist() == []
    assert got.text("t").tolist() == []


# --- column shapes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "shape"),
    [
        ([1.0], "(1,)"),
        ([1.0, 2.0, 3.0], "(3,)"),
        (np.ones((2, 2)), "(2, 2)"),
        (np.float64(1), "()"),
    ],
)
def test_column_shape(column: object, shape: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        read_inputs({"account_id": ["a", "b"], "n": column}, {"n": "number"})
    assert str(info.value) == f"column 'n' must be 2 values (one per account), got shape {shape}"


def test_absent_column() -> None:
    data = {"account_id": ["a", "b"], "n": [1, 2]}
    with pytest.raises(InvalidInputError) as info:
        read_inputs(data, {"n": "number", "nps": "number"})
    assert str(info.value) == "scoring data has no column 'nps'; it has ['account_id', 'n']"
    with pytest.raises(InvalidInputError, match="no column 'nps'"):
        read_inputs(data, {"nps": "number"}, absent="error")


def test_absent_columns_as_missing() -> None:
    got = read_inputs(
        {"account_id": ["a", "b"], "n": [1, 2]}, {**KINDS, "n": "number"}, absent="missing"
    )
    assert got.number("n").tolist() == [1.0, 2.0]
    assert got.number("f").dtype == np.float64
    assert np.isnan(got.number("f")).all()
    assert got.text("t").dtype == object
    assert got.text("t").tolist() == [None, None]
    assert got.instant("i").dtype == np.dtype("datetime64[us]")
    assert np.isnat(got.instant("i")).all()
    assert got.columns["r"].tolist() == [None, None]
    got = read_inputs({"account_id": ["a"]}, {"x": "number"}, absent="missing")
    assert np.isnan(got.number("x")).all()


# --- numbers ---------------------------------------------------------------------------------


def read_column(values: Sized, kind: Kind) -> np.ndarray:
    ids = ["a", "b", "c", "d", "e", "f"][: len(values)]
    return read_inputs({"account_id": ids, "x": values}, {"x": kind}).columns["x"]


def reject(values: Sized, kind: Kind, message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        read_column(values, kind)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("values", "want"),
    [
        ([1, 2.5, None], [1.0, 2.5, NAN]),
        ([1, NAN, 3], [1.0, NAN, 3.0]),
        ((4, 5, 6), [4.0, 5.0, 6.0]),
        ([None, None], [NAN, NAN]),
        ([np.float32(1.5), np.int64(2), None], [1.5, 2.0, NAN]),
        ([1, pd.NA, 2], [1.0, NAN, 2.0]),
        (np.array([1, 2, 3], dtype=np.int32), [1.0, 2.0, 3.0]),
        (np.array([1, 2], dtype=np.uint8), [1.0, 2.0]),
        (np.array([1.0, None], dtype=object), [1.0, NAN]),
        (pd.Series([1.0, None]), [1.0, NAN]),
        (range(3), [0.0, 1.0, 2.0]),
    ],
)
def test_numbers(values: object, want: list[float]) -> None:
    got = read_column(values, "number")
    assert got.dtype == np.float64
    assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            [1, True],
            "column 'x', account 'b' (row 2): True is not a number (None or NaN for missing)",
        ),
        (
            [False, 1.0],
            "column 'x', account 'a' (row 1): False is not a number (None or NaN for missing)",
        ),
        ([True, False], "column 'x', account 'a' (row 1): np.True_ is not a number"),
        (np.array([False, True]), "column 'x', account 'a' (row 1): np.False_ is not a number"),
        (
            [1, "2", 3],
            "column 'x', account 'b' (row 2): '2' is not a number (None or NaN for missing)",
        ),
        (
            [1, None, "many"],
            "column 'x', account 'c' (row 3): 'many' is not a number (None or NaN for missing)",
        ),
        (["1", "2"], "column 'x', account 'a' (row 1): np.str_('1') is not a number"),
        (
            np.array(["2026-01-01", "NaT"], dtype="datetime64[D]"),
            "column 'x', account 'a' (row 1): np.datetime64('2026-01-01') is not a number",
        ),
        (
            [1.0, np.inf],
            "column 'x', account 'b' (row 2): inf is not a finite number (NaN for missing)",
        ),
        (
            [-np.inf, 1.0],
            "column 'x', account 'a' (row 1): -inf is not a finite number (NaN for missing)",
        ),
        (
            [1, None, -np.inf],
            "column 'x', account 'c' (row 3): -inf is not a finite number (NaN for missing)",
        ),
        (
            [1, [2]],
            "column 'x', account 'b' (row 2): [2] is not a number (None or NaN for missing)",
        ),
    ],
)
def test_bad_numbers(values: object, message: str) -> None:
    reject(values, "number", message)


# --- flags -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "want"),
    [
        ([True, False, None], [1.0, 0.0, NAN]),
        (np.array([True, False]), [1.0, 0.0]),
        ([1, 0, 1], [1.0, 0.0, 1.0]),
        ([1.0, NAN, 0.0], [1.0, NAN, 0.0]),
        ([1, None, 0], [1.0, NAN, 0.0]),
        ([True, 0, None, 1.0], [1.0, 0.0, NAN, 1.0]),
        ([np.True_, np.False_, None], [1.0, 0.0, NAN]),
        ([None, None], [NAN, NAN]),
        (pd.array([True, None], dtype="boolean"), [1.0, NAN]),
    ],
)
def test_flags(values: object, want: list[float]) -> None:
    got = read_column(values, "flag")
    assert got.dtype == np.float64
    assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            [1, 2, 0],
            "column 'x', account 'b' (row 2): np.int64(2) is not true or false (or 1 / 0; None "
            "for missing)",
        ),
        (
            [1.0, 0.5],
            "column 'x', account 'b' (row 2): np.float64(0.5) is not true or false (or 1 / 0; "
            "None for missing)",
        ),
        (
            [True, "yes", None],
            "column 'x', account 'b' (row 2): 'yes' is not true or false (or 1 / 0; None for "
            "missing)",
        ),
        (
            [None, -1],
            "column 'x', account 'b' (row 2): -1 is not true or false (or 1 / 0; None for missing)",
        ),
        (["yes", "no"], "column 'x', account 'a' (row 1): np.str_('yes') is not true or false"),
        (
            np.array(["2026-01-01"], dtype="datetime64[D]"),
            "column 'x', account 'a' (row 1): np.datetime64('2026-01-01') is not true or false",
        ),
    ],
)
def test_bad_flags(values: object, message: str) -> None:
    reject(values, "flag", message)


# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "want"),
    [
        (["good", None, "poor"], ["good", None, "poor"]),
        (["good", NAN], ["good", None]),
        (np.array(["good", "poor"]), ["good", "poor"]),
        (pd.array(["good", pd.NA], dtype="string"), ["good", None]),
        (pd.Series(["good", None]), ["good", None]),
        ([None, None], [None, None]),
    ],
)
def test_texts(values: object, want: list[object]) -> None:
    got = read_column(values, "text")
    assert got.dtype == object
    assert got.tolist() == want
    assert all(v is None or type(v) is str for v in got.tolist())


def test_text_does_not_change_the_callers_array() -> None:
    values = np.array(["good", NAN], dtype=object)
    read_column(values, "text")
    assert values[0] == "good"
    assert values[1] is NAN


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["good", 3], "column 'x', account 'b' (row 2): 3 is not text (None for missing)"),
        ([None, True], "column 'x', account 'b' (row 2): True is not text (None for missing)"),
        (
            np.array([1.5, 2.5]),
            "column 'x', account 'a' (row 1): 1.5 is not text (None for missing)",
        ),
    ],
)
def test_bad_texts(values: object, message: str) -> None:
    reject(values, "text", message)


# --- instants --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "want"),
    [
        (np.array(["2026-01-01", "NaT"], dtype="datetime64[D]"), ["2026-01-01T00:00", None]),
        (
            np.array(["2026-01-01T06:00:00.123456789"], dtype="datetime64[ns]"),
            ["2026-01-01T06:00:00.123456"],
        ),
        (
            [datetime(2026, 1, 1, 2, tzinfo=PLUS2), datetime(2026, 1, 1, tzinfo=MINUS530)],
            # 02:00+02:00 is midnight UTC; midnight at -05:30 is 05:30 UTC
            ["2026-01-01T00:00", "2026-01-01T05:30"],
        ),
        ([date(2026, 3, 1), None], ["2026-03-01T00:00", None]),
        (
            [datetime(2026, 1, 1, tzinfo=UTC), date(2026, 1, 2), NAN],
            ["2026-01-01", "2026-01-02", None],
        ),
        ([pd.Timestamp("2026-01-01T12:00", tz="Europe/Paris"), pd.NaT], ["2026-01-01T11:00", None]),
        ([None, None], [None, None]),
    ],
)
def test_instants(values: object, want: list[str | None]) -> None:
    got = read_column(values, "instant")
    assert got.dtype == np.dtype("datetime64[us]")
    for value, expected in zip(got, want):
        if expected is None:
            assert np.isnat(value)
        else:
            assert value == us(expected)


@pytest.mark.parametrize(
    ("values", "want"),
    [
        (["2026-01-01T02:00:00+02:00", None], ["2026-01-01T00:00", None]),
        (
            ["2026-01-01T00:00:00Z", "2026-01-02T12:30:00.5+00:00"],
            ["2026-01-01", "2026-01-02T12:30:00.5"],
        ),
        (
            np.array(["2026-01-01T00:00Z", "2026-01-01T00:00-01:00"]),
            ["2026-01-01", "2026-01-01T01:00"],
        ),
    ],
)
def test_iso_text_instants(values: object, want: list[str | None]) -> None:
    # ISO 8601 text with an offset (or Z) is an aware instant, as everywhere in the library
    got = read_column(values, "instant")
    for value, expected in zip(got, want):
        if expected is None:
            assert np.isnat(value)
        else:
            assert value == us(expected)


@pytest.mark.parametrize(
    ("values", "row", "shown"),
    [
        (
            [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1)],
            2,
            "datetime.datetime(2026, 1, 1, 0, 0)",
        ),
        ([None, "2026-01-01T00:00:00"], 2, "'2026-01-01T00:00:00'"),
        (["yesterday", None], 1, "'yesterday'"),
        (np.array(["yesterday", "today"]), 1, "'yesterday'"),
        ([date(2026, 1, 1), 1767225600], 2, "1767225600"),
        ([pd.Timestamp("2026-01-01"), None], 1, "Timestamp('2026-01-01 00:00:00')"),
        (np.array([1.5, 2.5]), 1, "1.5"),
    ],
)
def test_bad_instants(values: list[object], row: int, shown: str) -> None:
    account = "ab"[row - 1]
    reject(
        values,
        "instant",
        f"column 'x', account '{account}' (row {row}): {shown} is not a date, a timezone-aware "
        "instant or ISO 8601 text with an offset",
    )


# --- raw -------------------------------------------------------------------------------------


def test_raw_columns_are_passed_as_given() -> None:
    segments = np.array(["smb", "ent"], dtype=object)
    got = read_column(segments, "raw")
    assert got is segments
    assert read_column([1, 2], "raw").tolist() == [1, 2]
    assert read_column(["x", None], "raw").dtype == object


@pytest.mark.parametrize(("kind", "allowed"), [("number", "a number"), ("flag", "true or false")])
def test_wrong_dtype_on_no_accounts(kind: Kind, allowed: str) -> None:
    # zero accounts and a text-typed column: an InvalidInputError naming it, not a crash
    data = {"account_id": np.array([], dtype=object), "x": np.array([], dtype="U1")}
    with pytest.raises(InvalidInputError) as info:
        read_inputs(data, {"x": kind})
    assert str(info.value) == f"column 'x' must hold {allowed}"
