"""The result base (`cshealth._result`): JSON, equality, read-only arrays, rows, lookups.

`jsonable` is checked against the standard library's strict encoder and a plain
per-value reference; `equal` against element-by-element comparison; the classes on small
results declared here the way every area declares its own.
"""

from __future__ import annotations

import json
import math
import pickle
from dataclasses import FrozenInstanceError, dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import Enum

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cshealth import AccountNotFoundError, InvalidInputError
from cshealth._result import AccountResult, Result, RowsResult, equal, jsonable
from cshealth._types import FloatArray, IdArray


@dataclass(frozen=True, eq=False)
class Summary(Result):
    name: str
    share: float
    when: date
    counts: dict[str, int] = field(default_factory=dict)
    _private: int = 0


@dataclass(frozen=True, eq=False, repr=False)
class Periods(RowsResult):
    row_fields = ("starts", "amount")

    label: str
    starts: np.ndarray  # type: ignore[type-arg]
    amount: FloatArray
    edges: np.ndarray  # type: ignore[type-arg]  # one longer than the rows

    def __repr__(self) -> str:
        return f"Periods({self.label!r}, {len(self)} periods)"


@dataclass(frozen=True, eq=False)
class Scores(AccountResult):
    account_ids: IdArray
    score: FloatArray
    extra: dict[str, FloatArray] = field(default_factory=dict)


def scores(ids: list[object], values: list[float]) -> Scores:
    array = np.array(ids, dtype=np.int64 if all(isinstance(i, int) for i in ids) else object)
    return Scores(array, np.array(values), {"x": np.array(values) * 2})


# --- jsonable ---------------------------------------------------------------------------------


class Colour(Enum):
    RED = "red"


def test_jsonable_follows_one_rule_for_every_kind_of_value() -> None:
    aware = datetime(2025, 3, 1, 12, 30, tzinfo=timezone.utc)
    value = {
        "none": None,
        "flag": np.bool_(True),
        "int": np.int32(7),
        "nan": float("nan"),
        "inf": np.float64("inf"),
        "day": date(2025, 1, 31),
        "instant": aware,
        "duration": timedelta(hours=1),
        "colour": Colour.RED,
        "tuple": (1, 2.5),
        "set": {"b", "a"},
        "days": np.array(["2025-01-01", "NaT"], dtype="datetime64[D]"),
        "stamps": np.array(["2025-01-01T00:00:01", "NaT"], dtype="datetime64[ns]"),
        "waits": np.array([90, "NaT"], dtype="timedelta64[s]"),
        "grid": np.array([[1.0, np.nan], [np.inf, 2.0]]),
        "texts": np.array(["a", None], dtype=object),
        "result": Summary("s", 0.5, date(2025, 1, 1)),
        3: "keys become text",
    }
    out = jsonable(value)
    json.dumps(out, allow_nan=False)  # strict JSON
    assert out == {
        "none": None,
        "flag": True,
        "int": 7,
        "nan": None,
        "inf": None,
        "day": "2025-01-31",
        "instant": "2025-03-01T12:30:00.000000Z",
        "duration": 3600.0,
        "colour": "red",
        "tuple": [1, 2.5],
        "set": ["a", "b"],
        "days": ["2025-01-01", None],
        "stamps": ["2025-01-01T00:00:01.000000Z", None],
        "waits": [90.0, None],
        "grid": [[1.0, None], [None, 2.0]],
        "texts": ["a", None],
        "result": {"name": "s", "share": 0.5, "when": "2025-01-01", "counts": {}},
        "3": "keys become text",
    }


def test_jsonable_reads_plain_dataclasses_and_configurations() -> None:
    from cshealth import Account  # a pydantic model: its JSON dump

    @dataclass(frozen=True)
    class Plain:
        at: date
        _hidden: int = 1

    assert jsonable([Plain(date(2025, 1, 2))]) == [{"at": "2025-01-02"}]
    out = jsonable(Account(id=7, name="Acme", start_date=date(2024, 5, 1)))
    assert isinstance(out, dict)
    assert (out["id"], out["start_date"]) == (7, "2024-05-01")


def test_jsonable_refuses_what_has_no_json_form() -> None:
    with pytest.raises(TypeError, match="no JSON form for object"):
        jsonable(object())


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=5)))
def test_jsonable_floats_agree_with_a_value_by_value_reference(array: FloatArray) -> None:
    def reference(values: object) -> object:
        if isinstance(values, list):
            return [reference(v) for v in values]
        assert isinstance(values, float)
        return values if math.isfinite(values) else None

    out = jsonable(array)
    assert out == reference(array.tolist())
    json.dumps(out, allow_nan=False)


# --- equal ------------------------------------------------------------------------------------


@given(hnp.arrays(np.float64, st.integers(0, 6)), st.data())
def test_equal_compares_arrays_element_by_element(array: FloatArray, data: st.DataObject) -> None:
    assert equal(array, array.copy())
    if len(array):
        i = data.draw(st.integers(0, len(array) - 1))
        other = array.copy()
        other[i] = 1.0 if np.isnan(other[i]) or other[i] != 1.0 else 2.0
        assert not equal(array, other)


def test_equal_never_raises() -> None:
    assert equal({"a": [np.array([1, 2])]}, {"a": [np.array([1, 2])]})
    assert not equal({"a": np.array([1, 2])}, {"b": np.array([1, 2])})
    assert not equal(np.array([1, 2]), np.array([1, 2, 3]))
    assert not equal(np.array([1, 2]), [1, 2])
    assert not equal((1, 2), [1, 2])
    assert equal(float("nan"), float("nan"))
    assert equal(np.array(["a", None], dtype=object), np.array(["a", None], dtype=object))
    assert not equal(np.array(["a", "b"], dtype=object), np.array(["a", "c"], dtype=object))
    assert equal(np.array([1, 2]), np.array([1.0, 2.0]))
    assert equal(pd.NA, pd.NA)  # the same object
    assert not equal(pd.NA, 1)  # no single answer: unequal, not an exception


# --- Result -----------------------------------------------------------------------------------


def test_results_are_frozen_with_read_only_arrays_also_after_pickling() -> None:
    r = scores(["A", "B"], [10.0, np.nan])
    with pytest.raises(FrozenInstanceError):
        r.score = np.zeros(2)  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        r.score[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        r.extra["x"][0] = 1.0
    back = pickle.loads(pickle.dumps(r))
    assert back == r
    with pytest.raises(ValueError, match="read-only"):
        back.score[0] = 1.0


def test_equality_by_value() -> None:
    a, b = scores(["A", "B"], [10.0, np.nan]), scores(["A", "B"], [10.0, np.nan])
    assert a == b
    assert a != scores(["A", "B"], [10.0, 1.0])
    assert a != scores(["A", "C"], [10.0, np.nan])
    assert a != "not a result"
    assert Summary("s", 0.5, date(2025, 1, 1)) == Summary("s", 0.5, date(2025, 1, 1))
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)


def test_to_dict_is_strict_json_of_the_public_fields() -> None:
    s = Summary("s", float("nan"), date(2025, 1, 1), {"a": 1}, _private=3)
    assert s.to_dict() == {"name": "s", "share": None, "when": "2025-01-01", "counts": {"a": 1}}
    r = scores([3, 1], [10.0, np.inf])
    out = r.to_dict()
    json.dumps(out, allow_nan=False)
    assert out == {"account_ids": [3, 1], "score": [10.0, None], "extra": {"x": [20.0, None]}}


def test_text_and_html_are_the_format() -> None:
    p = Periods("q", np.array(["2025-01-01"], "datetime64[D]"), np.array([1.0]), np.array([0, 1]))
    assert str(p) == p.format() == "Periods('q', 1 periods)"
    assert p._repr_html_() == "<pre>Periods(&#x27;q&#x27;, 1 periods)</pre>"


# --- rows -------------------------------------------------------------------------------------


def test_rows_go_to_pandas_column_by_column() -> None:
    p = Periods(
        "q",
        np.array(["2025-01-01", "2025-04-01"], "datetime64[D]"),
        np.array([1.0, np.nan]),
        np.array([0, 1, 2]),
    )
    assert len(p) == 2
    frame = p.to_pandas()
    assert list(frame.columns) == ["starts", "amount"]  # the edges are not rows
    pd.testing.assert_frame_equal(
        frame,
        pd.DataFrame(
            {
                "starts": np.array(["2025-01-01", "2025-04-01"], "datetime64[D]"),
                "amount": [1.0, np.nan],
            }
        ),
    )
    frame.loc[0, "amount"] = 5.0  # the frame is the user's own copy
    assert p.amount[0] == 1.0


def test_accounts_are_found_by_the_identifier_rule() -> None:
    r = scores([30, 10, 20], [1.0, 2.0, 3.0])
    assert len(r) == 3
    assert r.row(10) == 1
    assert r.row(np.int64(20)) == 2
    with pytest.raises(AccountNotFoundError, match="no account 99 among the 3 accounts"):
        r.row(99)
    with pytest.raises(KeyError):
        r.row("10")  # text never matches whole-number ids
    with pytest.raises(InvalidInputError, match="can never match"):
        r.row("10")
    with pytest.raises(InvalidInputError, match="is not an identifier"):
        r.row(None)
    t = scores(["A", "B"], [1.0, 2.0])
    assert t.row(" B") == 1
    with pytest.raises(AccountNotFoundError) as caught:
        t.row("C")
    assert str(caught.value).startswith("no account 'C'")  # not quoted, as KeyError would be


def test_rows_of_different_lengths_are_a_mistake_of_the_class() -> None:
    @dataclass(frozen=True, eq=False)
    class Ragged(RowsResult):
        a: FloatArray
        b: FloatArray

    with pytest.raises(TypeError, match=r"different lengths: \{'a': 1, 'b': 2\}"):
        len(Ragged(np.zeros(1), np.zeros(2)))
    assert len(Ragged(np.zeros(0), np.zeros(0))) == 0
