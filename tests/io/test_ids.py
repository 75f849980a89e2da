"""The one identifier rule: columns, records, keyed arguments and lookups agree.

Each value is read three ways and must give one answer: by `cshealth._ids.normalise_id`
(the rule itself), by a record model's `Identifier` field (pydantic) and by the column
reader (`read_ids`, vectorised), so that no path keeps a value another refuses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import Account, InvalidInputError, RevenueChange, load, to_columns
from cshealth._ids import MAX_ID_LENGTH, IdProblem, normalise_id
from cshealth.io._ids import id_kind, read_ids
from cshealth.io._keyed import keyed_values, position_of, same_kind

# --- the rule, value by value ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A-1", "A-1"),
        ("  A-1\t", "A-1"),
        ("007", "007"),  # text stays text: no leading zeros lost
        (7, 7),
        (np.int8(-3), -3),
        (np.uint64(2**63 - 1), 2**63 - 1),
        (7.0, 7),  # an integer column with a missing value, as pandas stores it
        (np.float32(12.0), 12),
        (2.0**53, 2**53),
        ("", None),
        ("   ", None),
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
        (pd.NaT, None),
    ],
)
def test_identifiers_kept_as_given(value: object, expected: object) -> None:
    got = normalise_id(value)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (True, "id_type"),
        (np.bool_(False), "id_type"),
        ([1, 2], "id_type"),
        (b"A-1", "id_type"),
        (pd.Timestamp("2025-01-01"), "id_type"),
        (2.5, "id_not_whole"),
        (1e20, "id_not_whole"),  # once read as the text '1e+20'
        (2.0**53 + 2, "id_not_whole"),  # beyond 2**53 a float is not exact
        (float("inf"), "id_not_whole"),
        (2**63, "id_out_of_range"),
        (-(2**63) - 1, "id_out_of_range"),
        ("A-1\x00", "id_character"),  # once collided with 'A-1'
        ("A-\ud800", "id_character"),
        ("x" * (MAX_ID_LENGTH + 1), "id_too_long"),
    ],
)
def test_values_that_are_not_identifiers(value: object, code: str) -> None:
    problem = normalise_id(value)
    assert isinstance(problem, IdProblem)
    assert problem.code == code
    with pytest.raises(InvalidInputError) as info:
        read_ids([value], name="ids")
    assert info.value.errors[0].code == code
    assert info.value.errors[0].row == 1
    outcome = load([{"id": value, "name": "x", "start_date": "2025-01-01"}], Account, strict=False)
    assert [e.code for e in outcome.errors] == [code]


id_values = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.text(alphabet=" \t\x00\ud800AZ", max_size=4),
    st.booleans(),
    st.none(),
)


@given(value=id_values)
def test_records_and_columns_agree_on_any_value(value: object) -> None:
    """The model field, the column reader and the rule give one answer for every value."""
    rule = normalise_id(value)
    outcome = load(
        [{"account_id": value, "effective_on": "2025-01-01", "mrr": 1.0}],
        RevenueChange,
        strict=False,
    )
    try:
        column = read_ids([value], name="ids")
    except InvalidInputError:
        column = None
    if rule is None or isinstance(rule, IdProblem):
        assert column is None
        assert not outcome.ok
    else:
        assert column is not None
        assert column.tolist() == [rule]
        assert outcome.records[0].account_id == rule
        assert type(outcome.records[0].account_id) is type(rule)


# --- columns -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        [3, 1, 2],
        np.array([3, 1, 2], dtype=np.int16),
        np.array([3, 1, 2], dtype=np.uint32),
        np.array([3.0, 1.0, 2.0]),
        pd.Series([3, 1, 2]),
        pd.Series([3, 1, 2], dtype="Int64"),
        pd.Series([3, 1, 2], dtype="category"),
        pl.Series([3, 1, 2]),
        pl.Series([3, 1, 2], dtype=pl.UInt8),
    ],
    ids=["list", "int16", "uint32", "whole floats", "pandas", "Int64", "category", "polars", "u8"],
)
def test_whole_number_columns_stay_int64(values: Any) -> None:
    ids = read_ids(values, name="account_id")
    assert ids.dtype == np.int64
    assert ids.tolist() == [3, 1, 2]
    assert id_kind(ids) == "int"


@pytest.mark.parametrize(
    "values",
    [
        ["b", " a", "c "],
        np.array(["b", " a", "c "]),
        np.array(["b", " a", "c "], dtype=object),
        pd.Series(["b", " a", "c "], dtype="string"),
        pd.Series(["b", " a", "c "], dtype="category"),
        pl.Series(["b", " a", "c "]),
        pl.Series(["b", " a", "c "], dtype=pl.Categorical),
    ],
    ids=["list", "U", "object", "pandas string", "category", "polars", "polars categorical"],
)
def test_text_columns_stay_text(values: Any) -> None:
    ids = read_ids(values, name="account_id")
    assert ids.dtype == object
    assert ids.tolist() == ["b", "a", "c"]
    assert id_kind(ids) == "text"


@pytest.mark.parametrize("dtype", ["category", "string[pyarrow]"])
def test_columns_a_frame_has_factorised_are_read_by_their_codes(dtype: str) -> None:
    column = pd.Series(["b", " a", None, "b", "c"], dtype=dtype)
    assert read_ids(column, name="x", allow_missing=True).tolist() == ["b", "a", None, "b", "c"]
    with pytest.raises(InvalidInputError, match=r"row 3: `x`: an identifier is required"):
        read_ids(column, name="x")
    with pytest.raises(InvalidInputError, match=r"`x` repeats \['b'\]"):
        read_ids(column.dropna(), name="x", unique=True)
    bad = pd.Series(["a", "b\x00", "a", "b\x00"], dtype=dtype)  # rows named as in any column
    with pytest.raises(InvalidInputError) as info:
        read_ids(bad, name="x")
    assert [(e.row, e.code) for e in info.value.errors] == [
        (2, "id_character"),
        (4, "id_character"),
    ]
    clean = pd.Series(["a", "b"], dtype=dtype)
    assert read_ids(clean, name="x", unique=True).tolist() == ["a", "b"]
    nothing = pd.Series([None, None], dtype=dtype)
    assert read_ids(nothing, name="x", allow_missing=True).tolist() == [None, None]
    numbers = pd.Series([30, 4, 30], dtype="category")
    ids = read_ids(numbers, name="x")
    assert ids.dtype == np.int64
    assert ids.tolist() == [30, 4, 30]


def test_missing_values_in_optional_identifier_columns() -> None:
    ints = read_ids(pd.Series([3, None, 2], dtype="Int64"), name="x", allow_missing=True)
    assert ints.tolist() == [3, None, 2]
    assert [type(v) for v in ints.tolist()] == [int, type(None), int]
    assert read_ids(pl.Series([1, None]), name="x", allow_missing=True).tolist() == [1, None]
    texts = read_ids(["a", None, "", float("nan")], name="x", allow_missing=True)
    assert texts.tolist() == ["a", None, None, None]
    for dtype in ("string", "object", "category"):  # pandas' NA and NaN among clean text
        column = pd.Series(["a", None, "b", "a"], dtype=dtype)
        assert read_ids(column, name="x", allow_missing=True).tolist() == ["a", None, "b", "a"]
    stripped = pd.Series([" a", pd.NA], dtype="string")
    assert read_ids(stripped, name="x", allow_missing=True).tolist() == ["a", None]
    assert read_ids([pd.NA, float("nan")], name="x", allow_missing=True).tolist() == [None, None]
    with pytest.raises(InvalidInputError, match=r"row 2: `x`: an identifier is required here"):
        read_ids(["a", None], name="x")


def test_a_column_mixing_whole_numbers_and_text_names_rows_of_both() -> None:
    with pytest.raises(InvalidInputError) as info:
        read_ids(["a", 1, "b", "c", 2], name="account_id")
    errors = info.value.errors
    assert [e.row for e in errors] == [2, 5]  # the rarer kind is reported
    assert errors[0].code == "id_mixed_types"
    assert "whole numbers at rows 2, 5; text at rows 1, 3, 4" in errors[0].message
    with pytest.raises(InvalidInputError, match="whole numbers and text are mixed"):
        to_columns(
            {"account_id": [1, "1"], "effective_on": ["2025-01-01"] * 2, "mrr": [1, 2]},
            RevenueChange,
        )


def test_long_lists_of_positions_are_shortened() -> None:
    with pytest.raises(InvalidInputError) as info:
        read_ids([*range(8), *"abcdefgh", "i"], name="x")
    assert "whole numbers at rows 1, 2, 3, 4, 5, ... (8 in all)" in info.value.errors[0].message


def test_a_clean_text_column_is_kept_without_copying_values() -> None:
    values = np.array([f"A-{i}" for i in range(1000)], dtype=object)
    ids = read_ids(values, name="x")
    assert ids is not values
    assert all(a is b for a, b in zip(ids.tolist()[:10], values.tolist()[:10]))


def test_repeated_ids_are_refused_when_unique() -> None:
    with pytest.raises(InvalidInputError, match=r"`account_id` repeats \['b'\]"):
        read_ids(["b", "a", "b"], name="account_id", unique=True)
    with pytest.raises(InvalidInputError, match=r"repeats \[7\]"):
        read_ids([7, 7, 1], name="account_id", unique=True)
    assert read_ids([2, 1], name="account_id", unique=True).tolist() == [2, 1]


# --- keyed arguments and lookups ----------------------------------------------------------


def test_keyed_values_match_by_the_rule() -> None:
    values, found = keyed_values({7: 10, 8: 4}, np.array([8, 9, 7]), name="seats")
    assert values.tolist() == [4, None, 10]
    assert found.tolist() == [True, False, True]
    values, found = keyed_values({" A": 1}, np.array(["A"], dtype=object), name="seats")
    assert values.tolist() == [1]
    assert keyed_values({}, np.array([1]), name="seats")[1].tolist() == [False]
    assert keyed_values({1: 2}, np.array([], dtype=object), name="seats")[1].tolist() == []


@pytest.mark.parametrize(
    ("mapping", "ids", "match"),
    [
        (
            {"7": 1},
            np.array([7]),
            r"`seats` is keyed by text \('7'\), but the account ids are whole",
        ),
        (
            {7: 1},
            np.array(["7"], dtype=object),
            r"keyed by whole numbers \(7\), but the account ids are text",
        ),
        (
            {"A": 1, " A": 2},
            np.array(["A"], dtype=object),
            r"names one id twice .*keys \['A', ' A'\]",
        ),
        ({True: 1}, np.array([1]), r"row 1: `the keys of seats` = True: expected an identifier"),
        ([("A", 1)], np.array(["A"], dtype=object), r"`seats` must be a mapping from id to value"),
    ],
)
def test_keys_that_can_never_match_are_errors(mapping: object, ids: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        keyed_values(mapping, ids, name="seats")


def test_same_kind_and_position_of() -> None:
    same_kind(("a", np.array([1])), ("b", np.array([2])), ("c", np.array([], dtype=object)))
    with pytest.raises(InvalidInputError, match=r"\(a: whole numbers; b: text\)"):
        same_kind(("a", np.array([1])), ("b", np.array(["x"], dtype=object)))
    ids = np.array([3, 7])
    assert position_of(ids, 7) == 1
    assert position_of(ids, np.int32(3)) == 0
    assert position_of(ids, 7.0) == 1
    for key, match in [
        ("7", "their ids are whole numbers"),
        (8, "no account 8 among the 2 accounts"),
        (None, "not an identifier"),
        (True, "not an identifier"),
    ]:
        with pytest.raises(InvalidInputError, match=match):
            position_of(ids, key)


@given(
    texts=st.lists(
        st.text(alphabet="ab \t\x01\x00\x1c\u3000é\ud800", max_size=5) | st.just("x" * 513),
        min_size=1,
        max_size=6,
    )
)
def test_the_fast_clean_text_check_is_the_rule(texts: list[str]) -> None:
    """The C-speed check of a whole text column answers as the rule does, text by text."""
    from cshealth.io._id_convert import _clean

    assert _clean(texts) == all(normalise_id(text) == text for text in texts)


def test_inputs_that_are_no_column_of_ids() -> None:
    for scalar in (5, "A-1", {"a": 1}, {1, 2}):
        with pytest.raises(InvalidInputError, match=r"`x` must be a sequence of identifiers"):
            read_ids(scalar, name="x")
    with pytest.raises(InvalidInputError) as info:
        read_ids(np.array([[1], [2]]), name="x")  # a 2-D array: each row one (bad) value
    assert [e.code for e in info.value.errors] == ["id_type", "id_type"]
    for array in (np.array([True, False]), np.array(["2025-01-01"], dtype="datetime64[D]")):
        with pytest.raises(InvalidInputError, match="not a flag, date or list"):
            read_ids(array, name="x")
    with pytest.raises(InvalidInputError, match=r"`x` repeats \['a'\]"):
        read_ids(["a", None, "a"], name="x", allow_missing=True, unique=True)
    assert read_ids(["a", None], name="x", allow_missing=True, unique=True).tolist() == ["a", None]
    assert id_kind(read_ids([None, None], name="x", allow_missing=True)) == "none"
    assert id_kind(np.array([], dtype=np.int64)) == "none"


# --- numpy fixed-width text, read in C loops -----------------------------------------------


def _outcome(values: Any, unique: bool) -> object:
    try:
        return read_ids(values, name="id", unique=unique).tolist()
    except InvalidInputError as error:
        return str(error)


@given(
    texts=st.lists(
        st.text(alphabet="ab \t\x00\x1c\u3000é\ud800", min_size=0, max_size=4) | st.just("x" * 513),
        min_size=1,
        max_size=6,
    ),
    unique=st.booleans(),
)
def test_numpy_text_reads_as_the_same_texts_given_one_by_one(
    texts: list[str], unique: bool
) -> None:
    """numpy text (read on its code points) and the same texts as a list (read one by one)
    give the same ids, or the same error naming the same rows."""
    array = np.array(texts, dtype=str)  # numpy drops trailing NULs: compare with its texts
    assert _outcome(array, unique) == _outcome(array.tolist(), unique)


def test_numpy_text_that_is_clean_is_read_on_its_code_points() -> None:
    from cshealth.io import _id_convert

    array = np.array(["B-2", "A-1", "é-3"])
    read = _id_convert._clean_numpy_text(array)
    assert read is not None
    assert read.ids.dtype == object
    assert read.ids.tolist() == ["B-2", "A-1", "é-3"]
    assert read.distinct == 3
    # every kind of text the rule changes or refuses goes value by value instead
    for bad in (["A", ""], ["A", " B"], ["A", "B\t"], ["A", "a\x00b"], ["A", "\ud800"]):
        assert _id_convert._clean_numpy_text(np.array(bad)) is None
    assert _id_convert._clean_numpy_text(np.array(["x" * (MAX_ID_LENGTH + 1)])) is None
    assert _id_convert._clean_numpy_text(np.array([], dtype=str)) is None
    # repeated texts share a hash: not counted as distinct, so `unique` looks again
    assert _id_convert._clean_numpy_text(np.array(["A", "B", "A"])).distinct is None  # type: ignore[union-attr]
    with pytest.raises(InvalidInputError, match=r"repeats \['A'\]"):
        read_ids(np.array(["A", "B", "A"]), name="account_id", unique=True)


def test_numpy_text_sharing_a_hash_is_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    from cshealth.io import _id_convert

    monkeypatch.setattr(_id_convert, "_TEXT_HASH", np.zeros(MAX_ID_LENGTH, dtype=np.uint64))
    read = _id_convert._clean_numpy_text(np.array(["A", "B"]))
    assert read is not None
    assert read.distinct is None
    assert read_ids(np.array(["A", "B"]), name="id", unique=True).tolist() == ["A", "B"]


def test_repeated_tells_apart_values_that_share_a_hash() -> None:
    from cshealth.io._ids import repeated

    assert hash(-1) == hash(-2)  # CPython: -1 is reserved, so hash(-1) is -2
    assert repeated(np.array([-1, -2, "a"], dtype=object)) == []
    assert repeated(np.array([-1, -2, -1, None, None], dtype=object)) == [-1]
    assert repeated(np.array(["b", "a", "b", "a", "c"], dtype=object)) == ["a", "b"]
    assert repeated(np.array([f"{i % 9}" for i in range(30)], dtype=object), at_most=2) == [
        "0",
        "1",
    ]
