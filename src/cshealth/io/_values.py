"""Value-level building blocks of the column path: messages, problem tracking, arrays."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._types import BoolArray, ObjectArray
from cshealth.io._schema import FieldSpec

__all__: list[str] = []


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)
_NAT_INT = np.iinfo(np.int64).min
_NONE_TYPE = type(None)
_NONE = np.array(None, dtype=object)
_TRUE = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off"})
#: Whole numbers beyond this lose precision as float64 (and overflow int64 further on).
_MAX_EXACT_INT = 2.0**53
#: The text forms the record models accept, so that both paths agree on every Python version
#: (``date.fromisoformat`` and ``datetime.fromisoformat`` accept more from Python 3.11 on).
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INSTANT_TEXT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt _]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]+))?)?"
    r"(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?"
)


_EMPTY_MAPPING: Mapping[str, object] = MappingProxyType({})


class _Bad:
    """A value that could not be converted, and why."""

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


_NOT_TEXT = _Bad("text_type", "expected text (or a whole number used as an identifier)")
_NOT_NUMBER = _Bad("number_parsing", "expected a number")
_NOT_WHOLE = _Bad("int_from_float", "expected a whole number")
_NOT_FINITE = _Bad("finite_number", "expected a finite number, not infinity")
_NAN_TEXT = _Bad(
    "finite_number", "expected a finite number, not NaN (leave the cell empty when missing)"
)
_TOO_LARGE = _Bad("int_too_large", "expected a whole number of magnitude at most 2**53")
_NOT_BOOL = _Bad("bool_parsing", "expected true or false (also yes/no, 1/0)")
_NOT_DATE = _Bad("date_parsing", "expected a calendar date such as 2025-03-31")
_DATE_WITH_TIME = _Bad("date_with_time", "expected a date, got a timestamp with a time of day")
_NOT_INSTANT = _Bad(
    "datetime_parsing", "expected a timestamp with a time zone, e.g. 2025-03-31T09:30:00Z"
)
_NAIVE = _Bad(
    "naive_datetime",
    "timestamp has no time zone: give an offset, e.g. '2025-01-31T09:30:00Z' (in Python, "
    "tzinfo=timezone.utc); numpy datetime64 values are read as UTC",
)
_NOT_MAPPING = _Bad("json_object", "expected a mapping, or a JSON object as text")


class _Problems:
    """Bad cells found while converting, kept as masks until reported."""

    def __init__(self, raw: Mapping[str, object], n: int) -> None:
        self.raw = raw
        self.n = n
        self.found: list[tuple[str, BoolArray, str, str]] = []
        self.cells: list[tuple[str, int, str, str]] = []

    def mask(self, field: str, rows: BoolArray, code: str, message: str) -> None:
        if rows.any():
            self.found.append((field, rows, code, message))

    def cell(self, field: str, row: int, bad: _Bad) -> None:
        self.cells.append((field, row, bad.code, bad.message))

    def flagged(self, field: str) -> BoolArray:
        """Rows already reported for ``field`` (so a bad value is not also "missing")."""
        rows = np.zeros(self.n, dtype=bool)
        for name, mask, _, _ in self.found:
            if name == field:
                rows |= mask
        rows[[row for name, row, _, _ in self.cells if name == field]] = True
        return rows


def _numpy(values: object) -> NDArray[np.generic]:
    accessor = getattr(values, "dt", None)
    if getattr(accessor, "tz", None) is not None:
        # a timezone-aware pandas column: its UTC instants, without copying
        values = cast("Any", values).to_numpy(dtype="datetime64[ns]")
    try:
        array = np.asarray(values)
    except ValueError:  # nested sequences of different lengths
        array = _one_per_row(values)
    if array.ndim > 1:  # a column of sequences: each one is a single (bad) value
        array = _one_per_row(values)
    if (
        array.dtype.kind == "U"
        and isinstance(values, (list, tuple))
        and not all(isinstance(value, str) for value in values)
    ):  # numpy would turn NaN, 1 or True mixed with text into "nan", "1" and "True"
        array = _one_per_row(values)
    if array.dtype.kind == "S":
        array = array.astype(object)
    return array


def _one_per_row(values: object) -> ObjectArray:
    items = list(cast("Iterable[object]", values))
    array = np.empty(len(items), dtype=object)
    for row, item in enumerate(items):
        array[row] = item
    return array


def _stripped(array: NDArray[np.generic]) -> tuple[NDArray[np.str_], BoolArray] | None:
    """For an all-text array (CSV cells): the stripped text and where it is empty."""
    if array.dtype.kind != "U":
        return None
    text = np.strings.strip(cast("NDArray[np.str_]", array))
    return text, text == ""


def _cells(array: NDArray[np.generic]) -> tuple[NDArray[np.str_], BoolArray] | None:
    """For an all-text array: the text as it is, and where it is blank.

    Flags, dates, instants and categories are not stripped: the record models reject
    ``" 2025-01-01"`` or ``"high "``, so the columns do too.
    """
    if array.dtype.kind != "U":
        return None
    text = cast("NDArray[np.str_]", array)
    return text, np.strings.strip(text) == ""


def _normalise(
    values: NDArray[np.generic],
    spec: FieldSpec,
    problems: _Problems,
    fn: Callable[[object], object],
) -> tuple[ObjectArray, BoolArray]:
    """Run ``fn`` over every value; record the ``_Bad`` ones; return values and missing."""
    if not len(values):
        return np.empty(0, dtype=object), np.zeros(0, dtype=bool)
    out = np.asarray(np.frompyfunc(fn, 1, 1)(values.astype(object)), dtype=object)
    types = np.frompyfunc(type, 1, 1)(out)
    bad = np.asarray(types == _Bad, dtype=bool)
    for row in np.flatnonzero(bad).tolist():
        problems.cell(spec.name, row, cast("_Bad", out[row]))
        out[row] = None
    return out, np.asarray(types == _NONE_TYPE, dtype=bool) | bad


def _missing(value: object) -> bool:
    """``None``, ``NaN``, and pandas' ``NA`` and ``NaT`` (found in object columns)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    kind = type(value)
    return kind.__name__ in ("NAType", "NaTType") and kind.__module__.startswith("pandas")


def _python_values(values: object) -> list[object]:
    """Plain Python values of a column: missing as ``None``, instants UTC-aware."""
    array = _numpy(values)
    if array.dtype.kind == "M":
        unit = np.datetime_data(cast("np.dtype[np.datetime64]", array.dtype))[0]
        if unit == "D":
            return cast("list[object]", array.tolist())
        micro = array.astype("datetime64[us]").astype(np.int64).tolist()
        nat = np.isnat(array).tolist()
        return [None if n else _EPOCH + _ONE_US * m for m, n in zip(micro, nat)]
    if array.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in array.tolist()]
    if array.dtype == object:
        return [
            None if _missing(v) else (dict(v) if isinstance(v, MappingProxyType) else v)
            for v in array.tolist()
        ]
    return cast("list[object]", array.tolist())
