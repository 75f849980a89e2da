"""Typed column accessors of `Table` (`floats`, `texts`, `dates`, `flags`)."""

from __future__ import annotations

import numpy as np
import pytest

from cshealth import InvalidInputError
from cshealth.io import Table

TABLE = Table(
    {
        "n": np.array([1, 2], dtype=np.int64),
        "x": np.array([0.5, np.nan]),
        "ok": np.array([True, False]),
        "name": np.array(["a", None], dtype=object),
        "day": np.array(["2025-01-01", "NaT"], dtype="datetime64[D]"),
        "at": np.array(["2025-01-01T10:00", "NaT"], dtype="datetime64[us]"),
    }
)


def test_floats_converts_numbers_and_flags() -> None:
    assert TABLE.floats("n").dtype == np.float64
    np.testing.assert_array_equal(TABLE.floats("n"), [1.0, 2.0])
    np.testing.assert_array_equal(TABLE.floats("ok"), [1.0, 0.0])
    assert np.isnan(TABLE.floats("x")[1])


def test_typed_accessors_return_the_column() -> None:
    assert TABLE.texts("name")[1] is None
    assert TABLE.dates("day").dtype == np.dtype("datetime64[D]")
    assert TABLE.dates("at").dtype == np.dtype("datetime64[us]")
    assert TABLE.flags("ok").tolist() == [True, False]


@pytest.mark.parametrize(
    ("method", "column", "what"),
    [
        ("floats", "name", "numbers"),
        ("floats", "day", "numbers"),
        ("texts", "n", "text"),
        ("dates", "x", "dates or instants"),
        ("flags", "n", "flags"),
    ],
)
def test_wrong_kind_is_refused_with_the_column_named(method: str, column: str, what: str) -> None:
    with pytest.raises(InvalidInputError, match=f"column `{column}` holds .*, not {what}"):
        getattr(TABLE, method)(column)


def test_unknown_column_lists_the_columns() -> None:
    with pytest.raises(KeyError, match="no column 'nope'; columns are"):
        TABLE.floats("nope")
