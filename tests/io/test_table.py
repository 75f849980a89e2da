"""``Table``: named, equal-length, read-only numpy columns."""

from __future__ import annotations

import importlib
import json
from datetime import date, datetime, timezone
from types import MappingProxyType, ModuleType

import numpy as np
import pandas as pd
import pytest

from cshealth import (
    InvalidInputError,
    MissingDependencyError,
    RevenueChange,
    Table,
    from_columns,
    to_columns,
)
from cshealth.io import _table

NAN = np.nan
NAT = np.datetime64("NaT")


def revenue() -> Table:
    return to_columns(
        {
            "account_id": ["A1", "A1", "A2"],
            "effective_on": ["2025-01-01", "2025-03-01", "2025-01-01"],
            "mrr": [100.0, 0.0, 50.5],
        },
        RevenueChange,
    )


# --- construction ------------------------------------------------------------------------------


def test_columns_of_any_array_like() -> None:
    t = Table({"a": [1, 2], "b": np.array([0.5, NAN]), "c": ("x", "y")})
    assert t.n_rows == 2
    assert t.columns == ("a", "b", "c")
    assert t.model is None
    assert t["a"].dtype == np.int64
    assert isinstance(t["c"], np.ndarray)


def test_empty_table() -> None:
    t = Table({})
    assert (t.n_rows, t.columns, len(t)) == (0, (), 0)
    assert Table({"a": []}).n_rows == 0


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        ({"a": np.zeros((2, 2))}, r"column `a` must be one-dimensional, got shape \(2, 2\)"),
        ({"a": 5}, r"column `a` must be one-dimensional, got shape \(\)"),
        ({"a": [[1], [2]]}, r"got shape \(2, 1\)"),
        ({"a": [1, 2], "b": [1]}, r"columns must all have one length, got \{'a': 2, 'b': 1\}"),
    ],
)
def test_construction_errors(columns: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        Table(columns)


def test_columns_are_read_only_views() -> None:
    source = np.array([1.0, 2.0])
    t = Table({"x": source})
    with pytest.raises(ValueError, match="read-only"):
        t["x"][0] = 5.0
    assert source.flags.writeable  # the caller's array is left alone
    assert np.shares_memory(t["x"], source)  # no copy is made


def test_unknown_column_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"no column 'z'; columns are \['a', 'b'\]"):
        Table({"a": [1], "b": [2]})["z"]


def test_a_table_is_a_read_only_mapping() -> None:
    t = Table({"a": [1], "b": [2]})
    assert list(t) == ["a", "b"]
    assert "a" in t
    assert "z" not in t
    assert dict(t).keys() == {"a", "b"}
    assert t.get("z") is None
    with pytest.raises(TypeError):
        t["c"] = np.array([3])


# --- take --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "ids"),
    [
        ([2, 0], ["A2", "A1"]),
        ([-1], ["A2"]),
        ([], []),
        (np.array([1, 1]), ["A1", "A1"]),
        ([True, False, True], ["A1", "A2"]),
        (np.array([False, False, False]), []),
    ],
)
def test_take_positions_or_mask(rows: object, ids: list[str]) -> None:
    t = revenue().take(rows)
    assert t["account_id"].tolist() == ids
    assert t.n_rows == len(ids)
    assert t.model is RevenueChange
    assert t["effective_on"].dtype == np.dtype("datetime64[D]")


def test_take_out_of_range() -> None:
    with pytest.raises(IndexError):
        revenue().take([3])


def test_take_with_a_mask_of_the_wrong_length() -> None:
    with pytest.raises(IndexError):
        revenue().take([True, False])


# --- equality and repr ---------------------------------------------------------------------------


def test_equal_tables_treat_nan_and_nat_as_equal() -> None:
    def make() -> Table:
        return Table(
            {
                "x": np.array([1.0, NAN]),
                "d": np.array(["2025-01-01", "NaT"], dtype="datetime64[D]"),
                "t": np.array(["NaT"], dtype="datetime64[us]").repeat(2),
                "s": np.array(["a", None], dtype=object),
            }
        )

    assert make() == make()


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"x": np.array([1, 2])}, {"x": np.array([1.0, 2.0])}),  # another dtype
        ({"x": [1, 2]}, {"x": [1, 3]}),
        ({"x": [1], "y": [2]}, {"y": [2], "x": [1]}),  # column order counts
        ({"x": [1]}, {"z": [1]}),
        ({"x": [NAN]}, {"x": [0.0]}),
        ({"x": np.array(["a", None], dtype=object)}, {"x": np.array(["a", "b"], dtype=object)}),
    ],
)
def test_unequal_tables(left: dict[str, object], right: dict[str, object]) -> None:
    assert Table(left) != Table(right)


def test_tables_of_different_models_differ() -> None:
    t = revenue()
    assert t != Table(dict(t))
    assert t == Table(dict(t), model=RevenueChange)


def test_a_table_is_never_equal_to_a_dict() -> None:
    t = Table({"x": [1]})
    assert t != {"x": np.array([1])}
    assert (t == {"x": [1]}) is False


def test_tables_are_not_hashable() -> None:
    with pytest.raises(TypeError, match="unhashable"):
        hash(Table({"x": [1]}))


def test_repr_shows_model_rows_and_dtypes() -> None:
    assert repr(revenue()) == (
        "Table(RevenueChange, 3 rows; account_id: object, effective_on: datetime64[D], "
        "mrr: float64)"
    )
    assert repr(Table({"n": np.array([1, 2], dtype=np.int64)})) == "Table(2 rows; n: int64)"
    assert repr(Table({})) == "Table(0 rows; )"


# --- conversions -------------------------------------------------------------------------------


def test_to_dict_is_json_ready() -> None:
    t = Table(
        {
            "text": np.array(["a", None], dtype=object),
            "number": np.array([1.5, NAN]),
            "count": np.array([1, 2], dtype=np.int64),
            "flag": np.array([True, False]),
            "day": np.array(["2025-01-31", "NaT"], dtype="datetime64[D]"),
            "at": np.array(["2025-01-31T09:30:00.000001", "NaT"], dtype="datetime64[us]"),
            "mapping": np.array([MappingProxyType({"a": 1}), MappingProxyType({})], dtype=object),
            "objects": np.array([date(2025, 1, 1), datetime(2025, 1, 1, tzinfo=timezone.utc)]),
        }
    )
    data = t.to_dict()
    assert data == {
        "text": ["a", None],
        "number": [1.5, None],
        "count": [1, 2],
        "flag": [True, False],
        "day": ["2025-01-31", None],
        "at": ["2025-01-31T09:30:00.000001Z", None],
        "mapping": [{"a": 1}, {}],
        "objects": ["2025-01-01", "2025-01-01T00:00:00+00:00"],
    }
    assert json.loads(json.dumps(data)) == data
    assert type(data["count"][0]) is int
    assert type(data["mapping"][0]) is dict


def test_from_columns_needs_a_model_without_the_tables() -> None:
    with pytest.raises(InvalidInputError, match=r"pass `model` .* it cannot be inferred"):
        from_columns(Table({"account_id": ["A1"]}))


def test_from_columns_takes_the_tables_model() -> None:
    records = from_columns(revenue())
    assert [(r.account_id, r.effective_on, r.mrr) for r in records] == [
        ("A1", date(2025, 1, 1), 100.0),
        ("A1", date(2025, 3, 1), 0.0),
        ("A2", date(2025, 1, 1), 50.5),
    ]


def test_to_pandas() -> None:
    frame = revenue().to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["account_id", "effective_on", "mrr"]
    assert frame["mrr"].tolist() == [100.0, 0.0, 50.5]
    assert frame["effective_on"].iloc[1] == pd.Timestamp("2025-03-01")


def test_to_pandas_without_pandas_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def no_pandas(name: str, package: str | None = None) -> ModuleType:
        if name == "pandas":
            raise ModuleNotFoundError("No module named 'pandas'")
        return real(name, package)

    monkeypatch.setattr(_table.importlib, "import_module", no_pandas)
    with pytest.raises(MissingDependencyError, match=r"pip install 'cshealth\[pandas\]'") as info:
        revenue().to_pandas()
    assert isinstance(info.value, ImportError)
    assert info.value.__cause__ is None
