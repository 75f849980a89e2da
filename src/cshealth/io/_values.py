"""Value-level building blocks of the column path: messages, problem tracking, arrays."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from cshealth import _scalars
from cshealth._scalars import DATE_TEXT, MAX_WHOLE
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
#: Whole numbers must be below this in magnitude: beyond it float64 is not exact.
_MAX_EXACT_INT = float(MAX_WHOLE)
#: The text form of a date the record models accept (`cshealth._scalars`), so that both
#: paths agree on every Python version (``date.fromisoformat`` accepts more from 3.11 on).
_DATE_TEXT = DATE_TEXT


_EMPTY_MAPPING: Mapping[str, object] = MappingProxyType({})


class _Bad:
    """A value that could not be converted, and why."""

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


def _bad(problem: _scalars.ScalarProblem) -> _Bad:
    return _Bad(problem.code, problem.message)


_NOT_TEXT = _Bad("text_type", "expected text (or a whole number, kept as its text)")
_NOT_NUMBER = _bad(_scalars.NOT_NUMBER)
_NOT_WHOLE = _bad(_scalars.NOT_WHOLE)
_NOT_FINITE = _bad(_scalars.NOT_FINITE)
_NAN_TEXT = _bad(_scalars.NAN_TEXT)
_TOO_LARGE = _bad(_scalars.TOO_LARGE)
_BAD_CHARACTER = _bad(_scalars.BAD_CHARACTER)
_NOT_INSTANT = _bad(_scalars.NOT_INSTANT)
_NAIVE = _bad(_scalars.NAIVE)
#: The column form of each problem of `cshealth._scalars`.
_PROBLEMS: dict[_scalars.ScalarProblem, _Bad] = {
    _scalars.NOT_NUMBER: _NOT_NUMBER,
    _scalars.NOT_DIGITS: _bad(_scalars.NOT_DIGITS),
    _scalars.NOT_WHOLE: _NOT_WHOLE,
    _scalars.NOT_FINITE: _NOT_FINITE,
    _scalars.NAN_TEXT: _NAN_TEXT,
    _scalars.TOO_LARGE: _TOO_LARGE,
    _scalars.BAD_CHARACTER: _BAD_CHARACTER,
    _scalars.NOT_INSTANT: _NOT_INSTANT,
    _scalars.NAIVE: _NAIVE,
}
_NOT_BOOL = _Bad("bool_parsing", "expected true or false (also yes/no, 1/0)")
_NOT_DATE = _Bad("date_parsing", "expected a calendar date such as 2025-03-31")
_DATE_WITH_TIME = _Bad("date_with_time", "expected a date, got a timestamp with a time of day")
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

    def bad_rows(self) -> BoolArray:
        """Rows with a problem in any field so far."""
        rows = np.zeros(self.n, dtype=bool)
        for _, mask, _, _ in self.found:
            rows |= mask
        rows[[row for _, row, _, _ in self.cells]] = True
        return rows

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
    try:
        zone = getattr(accessor, "tz", None)
    except NotImplementedError:  # a pyarrow date column (parquet's dates): days, no zone
        seconds = cast("Any", values).astype("datetime64[s]").to_numpy()
        return np.asarray(seconds).astype("datetime64[D]")
    if zone is not None:
        # a timezone-aware pandas column: its UTC instants, without copying
        values = cast("Any", values).to_numpy(dtype="datetime64[ns]")
    try:
        array = np.asarray(values)
    except ValueError:  # nested sequences of different lengths
        array = _one_per_row(values)
    if array.ndim > 1:  # a column of sequences: each one is a single (bad) value
        array = _one_per_row(values)
    if array.dtype.kind == "U" and isinstance(values, (list, tuple)) and _not_kept(values, array):
        array = _one_per_row(values)
    if array.dtype.kind == "S":
        array = array.astype(object)
    return array


def _not_kept(values: list[object] | tuple[object, ...], array: NDArray[np.generic]) -> bool:
    r"""Whether numpy's fixed-width text changed a list's values.

    It turns NaN, 1 or True mixed with text into ``"nan"``, ``"1"`` and ``"True"``, and
    drops trailing NUL characters (``"A-1\x00"`` would become ``"A-1"``).
    """
    if not all(isinstance(value, str) for value in values):
        return True
    lengths = cast("list[int]", list(map(len, cast("list[str]", values))))
    kept = np.strings.str_len(cast("NDArray[np.str_]", array))
    return bool(sum(lengths) != int(kept.sum()))


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


def _code_points(text: NDArray[np.str_]) -> NDArray[np.uint32]:
    """The characters of fixed-width text as a ``(rows, width)`` array, ``0`` padding."""
    width = max(text.dtype.itemsize // 4, 1)
    if text.dtype.itemsize == 0:
        return np.zeros((len(text), 1), dtype=np.uint32)
    return np.ascontiguousarray(text).view(np.uint32).reshape(len(text), width)


def _bad_characters(text: NDArray[np.str_]) -> BoolArray:
    """Rows of fixed-width text holding a NUL character or a lone surrogate.

    numpy keeps a NUL inside text (only trailing ones are padding): a row has one when
    it has fewer non-NUL characters than its length.
    """
    codes = _code_points(text)
    if codes.size and int(codes.max()) >= 0xD800:
        surrogate = ((codes >= 0xD800) & (codes <= 0xDFFF)).any(axis=1)
    else:  # the usual case: no character that high, so no surrogate
        surrogate = np.zeros(len(text), dtype=bool)
    inner_nul = np.count_nonzero(codes, axis=1) < np.strings.str_len(text)
    return np.asarray(surrogate | inner_nul, dtype=bool)


def _only_characters(text: NDArray[np.str_], allowed: str) -> BoolArray:
    """Rows of fixed-width text made only of the ASCII characters ``allowed``."""
    table = np.zeros(128, dtype=bool)
    table[[ord(c) for c in allowed]] = True
    table[0] = True  # padding
    codes = _code_points(text)
    ok = (codes < 128) & table[np.minimum(codes, 127)]
    return np.asarray(ok.all(axis=1), dtype=bool)


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
