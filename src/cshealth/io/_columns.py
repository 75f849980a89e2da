"""Columnar conversion: records or columns in, validated numpy columns out, and back.

This is the path every cshealth kernel takes from user data to numpy. Typed numpy input
(a float column, a ``datetime64`` column) converts without touching Python per row; text
and object input (CSV cells, lists of Python values) goes through one small normaliser
per value. The rules are the models' own: field types and bounds come from the model
fields, cross-field rules from the model's declared ``order_rules``, ``distinct_rules`` and
``requires_rules``, and anything else from ``Model.check_columns``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from functools import cache
from types import MappingProxyType
from typing import Any, Literal, cast, overload

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter, ValidationError

from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._types import BoolArray, ColumnsLike, DataFrameLike, FloatArray, ObjectArray
from cshealth.io._load import (
    FileFormat,
    LoadResult,
    M,
    Source,
    _gc_paused,
    load,
    read_csv_columns,
    read_rows,
)
from cshealth.io._schema import FieldSpec, field_specs
from cshealth.io._table import Column, Table
from cshealth.models import Record

__all__ = ["from_columns", "load_table", "to_columns"]

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


@overload
def to_columns(
    data: Iterable[Record] | ColumnsLike,
    model: type[Record],
    *,
    extra: Literal["ignore", "forbid"] = ...,
) -> Table: ...
@overload
def to_columns(
    data: Iterable[Record], model: None = ..., *, extra: Literal["ignore", "forbid"] = ...
) -> Table: ...
def to_columns(
    data: Iterable[Record] | ColumnsLike,
    model: type[Record] | None = None,
    *,
    extra: Literal["ignore", "forbid"] = "ignore",
) -> Table:
    """Convert records, or columns in any form, to a validated `Table`.

    Columns get the dtypes of the concepts guide: ``object`` text (missing ``None``),
    ``float64`` numbers (missing ``NaN``), ``int64`` required whole numbers, ``bool``
    flags, ``datetime64[D]`` dates and ``datetime64[us]`` UTC instants (missing ``NaT``).
    Values are checked by the model's rules, vectorised; numpy ``datetime64`` input is
    read as UTC, Python datetimes must carry a time zone.

    Args:
        data: Model instances, or columns: a mapping of name to array-like (a dict of
            lists, a `Table`) or a data frame (pandas, polars).
        model: The record model; inferred from the records when omitted.
        extra: ``{'ignore', 'forbid'}``: what to do with columns the model does not have.

    Returns:
        The columns of every model field, in the model's field order.

    Raises:
        InvalidInputError: Listing every bad value (row, field, value, what is allowed),
            or naming missing required columns, unknown columns (``extra='forbid'``) or
            columns of unequal length.

    Examples:
        >>> from cshealth import SurveyResponse
        >>> t = to_columns(
        ...     {
        ...         "id": ["R1", "R2"],
        ...         "account_id": ["A1", "A1"],
        ...         "kind": ["nps", "nps"],
        ...         "survey_type": ["relationship"] * 2,
        ...         "score": [10, 6],
        ...         "submitted_at": ["2025-01-05T10:00:00Z", "2025-01-06T11:30:00+01:00"],
        ...     },
        ...     SurveyResponse,
        ... )
        >>> t["score"], t["submitted_at"]
        (array([10,  6]), array(['2025-01-05T10:00:00.000000', '2025-01-06T10:30:00.000000'],
              dtype='datetime64[us]'))
        >>> t["weight"]
        array([1., 1.])
    """
    raw, model = _raw_columns(data, model)
    return _convert(raw, model, extra)


@overload
def from_columns(
    columns: ColumnsLike, model: type[M], *, strict: Literal[True] = ...
) -> list[M]: ...
@overload
def from_columns(
    columns: ColumnsLike, model: type[M], *, strict: Literal[False]
) -> LoadResult[M]: ...
def from_columns(
    columns: ColumnsLike, model: type[M], *, strict: bool = True
) -> list[M] | LoadResult[M]:
    """Convert columns back to validated records (the inverse of `to_columns()`).

    Missing values (``None``, ``NaN``, ``NaT``) become "not given", so fields take their
    defaults; ``datetime64`` values become UTC-aware datetimes.

    Args:
        columns: A `Table` or any mapping of name to array-like, or a data frame.
        model: The record model.
        strict: As in `load()`: raise on any bad row (``True``) or return a
            `LoadResult`.

    Returns:
        The records, in row order (or a `LoadResult` with ``strict=False``).

    Examples:
        >>> from cshealth import RevenueChange
        >>> recs = from_columns(
        ...     {"account_id": ["A1"], "effective_on": ["2025-02-01"], "mrr": [120.0]},
        ...     RevenueChange,
        ... )
        >>> recs[0].effective_on
        datetime.date(2025, 2, 1)
    """
    raw, _ = _raw_columns(columns, model)
    names = list(raw)
    _common_length(raw, names)
    lists = [_python_values(raw[name]) for name in names]
    rows = [
        {name: value for name, value in zip(names, values) if value is not None}
        for values in zip(*lists)
    ]
    if strict:
        return load(rows, model)
    return load(rows, model, strict=False)


def load_table(source: Source, model: type[Record], *, format: FileFormat | None = None) -> Table:
    r"""Read a file straight into validated columns, without building a record per row.

    The fast path for analysts: the same rules as `load()`, checked on whole columns.

    Args:
        source: A path to a ``.csv``, ``.jsonl``/``.ndjson`` or ``.json`` file, or an
            iterable of mappings.
        model: The record model.
        format: ``{'csv', 'jsonl', 'json'}``; inferred from the suffix when ``None``.

    Returns:
        The validated `Table`.

    Raises:
        InvalidInputError: Listing every bad row, as `load()` does.

    Examples:
        >>> import pathlib, tempfile
        >>> from cshealth import RevenueChange
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "revenue_changes.csv"
        >>> _ = path.write_text("account_id,effective_on,mrr\nA1,2025-01-01,100\nA1,2025-03-01,0\n")
        >>> load_table(path, RevenueChange)["mrr"]
        array([100.,   0.])
    """
    with _gc_paused():
        cells = read_csv_columns(source, model, format=format)
        if cells is not None:
            return _convert(cells[0], model, "forbid", lines=cells[1])
    rows, lines = read_rows(source, model, format=format)
    if any(type(row) is not dict for row in rows):
        # only files have unreadable rows: load them again to report them with their lines
        load(source, model, format=format)
    unknown = sorted({key for row in rows for key in row} - set(model.model_fields))
    if unknown:
        _raise_unknown(unknown, model)
    raw_rows: dict[str, object] = {
        name: [row.get(name) for row in rows] for name in model.model_fields
    }
    return _convert(raw_rows, model, "forbid", lines=lines)


# --- gathering raw columns ---------------------------------------------------------------


def _raw_columns(
    data: Iterable[Record] | ColumnsLike, model: type[Record] | None
) -> tuple[dict[str, object], type[Record]]:
    if isinstance(data, Mapping):
        raw = {str(k): v for k, v in data.items()}
    elif hasattr(data, "columns") and hasattr(data, "__getitem__"):
        frame = cast("DataFrameLike", data)
        raw = {str(k): frame[str(k)] for k in cast("Iterable[object]", frame.columns)}
    else:
        records = list(cast("Iterable[object]", data))
        model = _record_model(records, model)
        raw = {name: [getattr(r, name) for r in records] for name in model.model_fields}
    if model is None:
        msg = "pass `model` (e.g. SurveyResponse) to convert columns; it cannot be inferred"
        raise InvalidInputError(msg)
    return raw, model


def _record_model(records: list[object], model: type[Record] | None) -> type[Record]:
    kinds: set[type] = {type(r) for r in records}
    if model is not None:
        kinds.add(model)
    if len(kinds) != 1:
        names = sorted(k.__name__ for k in kinds) or ["nothing"]
        msg = f"records must all be of one model, got {names}; pass `model` for an empty input"
        raise InvalidInputError(msg)
    found = kinds.pop()
    if not issubclass(found, Record):
        msg = (
            f"expected cshealth records or columns, got {found.__name__} items; for "
            "mappings of field to value use load(rows, Model)"
        )
        raise InvalidInputError(msg)
    return found


def _raise_unknown(unknown: list[str], model: type[Record]) -> None:
    msg = (
        f"unknown columns {unknown} for {model.__name__}; allowed: {list(model.model_fields)}"
        " (or pass extra='ignore')"
    )
    raise InvalidInputError(msg)


# --- conversion --------------------------------------------------------------------------


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


def _convert(
    raw: Mapping[str, object],
    model: type[Record],
    extra: str,
    lines: list[int | None] | None = None,
) -> Table:
    specs = field_specs(model)
    names = {spec.name for spec in specs}
    unknown = [name for name in raw if name not in names]
    if unknown and extra == "forbid":
        _raise_unknown(unknown, model)
    missing = [s.name for s in specs if s.required and s.name not in raw]
    if missing:
        msg = f"missing required columns {missing} for {model.__name__}" + (
            f"; unknown columns present: {unknown}" if unknown else ""
        )
        raise InvalidInputError(msg)
    n = _common_length(raw, [s.name for s in specs])
    problems = _Problems(raw, n)
    columns: dict[str, Column] = {}
    for spec in specs:
        columns[spec.name] = _column(spec, raw.get(spec.name), n, problems, model)
    _check_rules(columns, model, problems)
    _check_keys(columns, model, problems)
    errors = _report(problems, columns, model, lines)
    if errors:
        bad_rows = len({err.row for err in errors})
        msg = f"{bad_rows} of {n} {model.__name__} rows are invalid"
        raise InvalidInputError(msg, tuple(errors))
    return Table(columns, model=model)


def _common_length(raw: Mapping[str, object], names: list[str]) -> int:
    lengths = {name: _length(name, raw[name]) for name in names if name in raw}
    if len(set(lengths.values())) > 1:
        msg = f"columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    return next(iter(lengths.values()), 0)


def _length(name: str, values: object) -> int:
    try:
        size = len(cast("list[object]", values))
    except TypeError:
        size = -1
    if size < 0 or isinstance(values, (str, bytes)):
        msg = (
            f"column `{name}` must be a sequence of values (a list or a 1-D array), "
            f"got {type(values).__name__} {values!r}"
        )
        raise InvalidInputError(msg)
    return size


def _column(
    spec: FieldSpec, values: object, n: int, problems: _Problems, model: type[Record]
) -> Column:
    if values is None:
        return _default_column(spec, n)
    converter = _CONVERTERS[spec.kind]
    column, missing = converter(values, spec, problems, model)
    if spec.required:
        absent = missing & ~problems.flagged(spec.name)
        problems.mask(spec.name, absent, "missing", "required value is missing")
    elif not spec.nullable and spec.kind != "mapping" and missing.any():
        column = column.copy()
        column[missing] = spec.default
        missing = np.zeros(n, dtype=bool)
    if spec.dtype == "int64" and not missing.any():
        column = column.astype(np.int64)
    return column


def _default_column(spec: FieldSpec, n: int) -> Column:
    if spec.kind == "mapping":
        column = np.empty(n, dtype=object)
        column.fill(_EMPTY_MAPPING)
        return column
    if spec.default is None:
        fill: object = {"object": None, "float64": np.nan}.get(spec.dtype, "NaT")
        return np.full(n, fill, dtype=spec.dtype)
    return np.full(n, spec.default, dtype=spec.dtype)


def _numpy(values: object) -> NDArray[np.generic]:
    accessor = getattr(values, "dt", None)
    if getattr(accessor, "tz", None) is not None:
        # a timezone-aware pandas column: convert to UTC, then drop the zone
        pandas_dt = cast("Any", accessor)
        values = pandas_dt.tz_convert("UTC").dt.tz_localize(None)
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


def _text_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    array = _numpy(values)
    strip = spec.choices is None  # the models strip text, never a category
    fast = _stripped(array) if strip else _cells(array)
    if fast is not None:
        out, missing = fast[0].astype(object), fast[1]
        out[missing] = None
    else:
        out, missing = _normalise(array, spec, problems, _norm_text if strip else _norm_choice)
    if spec.choices is not None:
        allowed = frozenset(spec.choices)
        ok = np.frompyfunc(allowed.__contains__, 1, 1)(out).astype(bool) if len(out) else missing
        shown = ", ".join(repr(c) for c in spec.choices)
        problems.mask(spec.name, ~ok & ~missing, "literal_error", f"must be one of {shown}")
        out[~ok] = None
        missing = missing | ~ok
    return out, missing


def _missing(value: object) -> bool:
    """``None``, ``NaN``, and pandas' ``NA`` and ``NaT`` (found in object columns)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    kind = type(value)
    return kind.__name__ in ("NAType", "NaTType") and kind.__module__.startswith("pandas")


def _norm_text(value: object) -> object:
    if isinstance(value, str):
        return value.strip() or None
    if _missing(value):
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(value)
    return _NOT_TEXT


def _norm_choice(value: object) -> object:
    if isinstance(value, str):
        return value if value.strip() else None
    return _norm_text(value)


def _number_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    array = _numpy(values)
    if array.dtype.kind in "iub":
        numbers: FloatArray = array.astype(np.float64)
    elif array.dtype.kind == "f":
        numbers = array.astype(np.float64)
    else:
        numbers = _parse_numbers(array, spec, problems)
    missing = np.isnan(numbers)
    infinite = np.isinf(numbers)
    problems.mask(spec.name, infinite, _NOT_FINITE.code, _NOT_FINITE.message)
    bad = infinite.copy()
    if spec.kind == "int":
        fractional = ~missing & ~infinite & (numbers != np.floor(numbers))
        problems.mask(spec.name, fractional, _NOT_WHOLE.code, _NOT_WHOLE.message)
        huge = ~infinite & (np.abs(numbers) > _MAX_EXACT_INT)
        problems.mask(spec.name, huge, _TOO_LARGE.code, _TOO_LARGE.message)
        bad |= fractional | huge
    if spec.ge is not None:
        low = ~bad & (numbers < spec.ge)  # one problem a cell: -inf is not finite, full stop
        problems.mask(spec.name, low, "greater_than_equal", f"must be >= {spec.ge:g}")
        bad |= low
    if spec.le is not None:
        high = ~bad & (numbers > spec.le)
        problems.mask(spec.name, high, "less_than_equal", f"must be <= {spec.le:g}")
        bad |= high
    return np.where(bad, np.nan, numbers), missing | bad


def _parse_numbers(array: NDArray[np.generic], spec: FieldSpec, problems: _Problems) -> FloatArray:
    fast = _stripped(array)
    if fast is not None:
        text, empty = fast
        try:
            numbers: FloatArray = np.where(empty, "nan", text).astype(np.float64)
        except ValueError:
            pass  # some cell is not a number: find which, one by one
        else:
            if not np.isnan(numbers[~empty]).any():
                return numbers
            # some cell says "nan": report it below, as the models do
    out, missing = _normalise(array, spec, problems, _norm_number)
    return np.where(missing, np.nan, out).astype(np.float64)


def _norm_number(value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return _NOT_NUMBER
        return _NAN_TEXT if math.isnan(number) else number
    return _NOT_NUMBER


def _bool_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    array = _numpy(values)
    if array.dtype.kind == "b":
        return array.astype(bool), np.zeros(len(array), dtype=bool)
    fast = _cells(array)
    if fast is not None:
        text = np.strings.lower(fast[0])
        truthy = np.isin(text, list(_TRUE))
        if np.all(truthy | np.isin(text, list(_FALSE)) | fast[1]):
            return truthy, fast[1]
    out, missing = _normalise(array, spec, problems, _norm_bool)
    return np.where(missing, False, out).astype(bool), missing


def _norm_bool(value: object) -> object:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if _missing(value):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        if not value.strip():
            return None
        text = value.lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
    return _NOT_BOOL


def _date_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    array = _numpy(values)
    if array.dtype.kind == "M":
        days = array.astype("datetime64[D]")
        timed = ~np.isnat(array) & (days != array)
        problems.mask(spec.name, timed, _DATE_WITH_TIME.code, _DATE_WITH_TIME.message)
        days[timed] = np.datetime64("NaT")
        return days, np.isnat(days)
    fast = _cells(array)
    # only the YYYY-MM-DD form the models accept goes to numpy's (more lenient) parser
    if fast is not None and len(fast[0]) and np.all(_date_shaped(fast[0]) | fast[1]):
        text, empty = fast
        try:
            return np.where(empty, "NaT", text).astype("datetime64[D]"), empty
        except ValueError:
            pass  # some cell is not a date: find which, one by one
    out, missing = _normalise(array, spec, problems, _norm_date)
    ints = np.where(missing, _NAT_INT, out).astype(np.int64)
    return ints.view("datetime64[D]"), missing


def _date_shaped(text: NDArray[np.str_]) -> BoolArray:
    """Where ``text`` looks like ``YYYY-MM-DD`` (digits and dashes in their places)."""
    shaped: BoolArray = (
        (np.strings.str_len(text) == 10)
        & (np.strings.find(text, "-") == 4)
        & (np.strings.rfind(text, "-") == 7)
        & np.strings.isdigit(np.strings.replace(text, "-", ""))
        & ~np.strings.startswith(text, "0000")  # year 0 is not a Python date
    )
    return shaped


def _norm_date(value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            return _DATE_WITH_TIME
        value = value.date()
    if isinstance(value, date):
        return value.toordinal() - _EPOCH_ORDINAL
    if isinstance(value, str):
        if not value.strip():
            return None
        if not _DATE_TEXT.fullmatch(value):
            return _NOT_DATE
        try:
            return _norm_date(date.fromisoformat(value))
        except ValueError:
            return _NOT_DATE
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        day = value.astype("datetime64[D]")
        return _DATE_WITH_TIME if day != value else int(day.astype(np.int64))
    return _NOT_DATE


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _instant_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    array = _numpy(values)
    if array.dtype.kind == "M":
        instants = array.astype("datetime64[us]")
        return instants, np.isnat(instants)
    fast = _cells(array)
    if fast is not None:
        parsed = _utc_text(*fast)
        if parsed is not None:
            return parsed, fast[1]
    out, missing = _normalise(array, spec, problems, _norm_instant)
    ints = np.where(missing, _NAT_INT, out).astype(np.int64)
    return ints.view("datetime64[us]"), missing


def _utc_text(text: NDArray[np.str_], empty: BoolArray) -> NDArray[np.datetime64] | None:
    """Parse text that is all ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]Z`` at once, else ``None``."""
    if not len(text):
        return None  # numpy's string functions fail on empty arrays
    body = np.strings.rstrip(text, "Z")
    size = np.strings.str_len(body)
    plain = np.strings.replace(np.strings.replace(body, "-", ""), ":", "")
    plain = np.strings.replace(np.strings.replace(plain, "T", ""), ".", "")
    # the one form the models accept, every separator in its place, before numpy's parser
    # (which is more lenient) sees it
    seconds = size >= 19
    shaped = (
        (np.strings.str_len(text) == size + 1)
        & ((size == 16) | (size == 19) | ((size >= 21) & (size <= 26)))
        & (np.strings.find(body, "-") == 4)
        & (np.strings.rfind(body, "-") == 7)
        & (np.strings.find(body, "T") == 10)
        & (np.strings.find(body, ":") == 13)
        & (np.strings.rfind(body, ":") == np.where(seconds, 16, 13))
        & (np.strings.find(body, ".") == np.where(size >= 21, 19, -1))
        & np.strings.isdigit(plain)
        & ~np.strings.startswith(body, "0000")  # year 0 is not a Python date
    )
    if not np.all(shaped | empty):
        return None
    try:
        instants: NDArray[np.datetime64] = np.where(empty, "NaT", body).astype("datetime64[us]")
    except ValueError:
        return None  # some cell is not a timestamp (a 13th month): find which, one by one
    return instants


def _parse_instant(text: str) -> object:
    match = _INSTANT_TEXT.fullmatch(text)
    if match is None:
        return _NOT_INSTANT
    year, month, day, hour, minute, second, fraction, utc, sign, off_h, off_m = match.groups()
    if utc is None and sign is None:
        return _NAIVE
    try:
        zone = timezone.utc
        if sign is not None:
            if int(off_m) > 59:
                return _NOT_INSTANT
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            zone = timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        parts = (int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        return datetime(*parts, micro, tzinfo=zone)
    except ValueError:
        return _NOT_INSTANT


def _norm_instant(value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        value = _parse_instant(value)
        if isinstance(value, _Bad):
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return _NAIVE
        return (value - _EPOCH) // _ONE_US
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else int(value.astype("datetime64[us]").astype(np.int64))
    return _NOT_INSTANT


def _mapping_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    items = list(cast("Iterable[object]", values))
    out = np.empty(len(items), dtype=object)
    out.fill(_EMPTY_MAPPING)
    missing = np.zeros(len(items), dtype=bool)
    rows: list[int] = []
    parsed: list[object] = []
    for row, item in enumerate(items):
        if type(item) is dict:  # the common case first: a plain dict from Python
            parsed.append(item)
            rows.append(row)
            continue
        if _norm_text(item) is None:  # None, NaN or blank text
            missing[row] = True
            continue
        try:
            parsed.append(json.loads(item) if isinstance(item, str) else item)
            rows.append(row)
        except json.JSONDecodeError:
            problems.cell(spec.name, row, _NOT_MAPPING)
    adapter = _mapping_adapter(model, spec.name)
    try:  # one call for the whole column; on failure, find the bad rows and redo the rest
        valid = adapter.validate_python(parsed)
    except ValidationError as exc:
        bad = {int(detail["loc"][0]) for detail in exc.errors()}
        for position in sorted(bad):
            problems.cell(spec.name, rows[position], _NOT_MAPPING)
        keep = [i for i in range(len(rows)) if i not in bad]
        rows = [rows[i] for i in keep]
        valid = adapter.validate_python([parsed[i] for i in keep])
    if rows:
        out[rows] = [MappingProxyType(mapping) for mapping in valid]
    return out, missing


_EMPTY_MAPPING: Mapping[str, object] = MappingProxyType({})


@cache
def _mapping_adapter(model: type[Record], name: str) -> TypeAdapter[list[dict[str, object]]]:
    annotation = model.model_fields[name].annotation
    return TypeAdapter(cast("type[list[dict[str, object]]]", list.__class_getitem__(annotation)))


_Converter = Callable[[object, FieldSpec, _Problems, type[Record]], tuple[Column, BoolArray]]
_CONVERTERS: dict[str, _Converter] = {
    "text": _text_column,
    "int": _number_column,
    "float": _number_column,
    "bool": _bool_column,
    "date": _date_column,
    "instant": _instant_column,
    "mapping": _mapping_column,
}


# --- rules across fields and rows --------------------------------------------------------


def _present(column: Column) -> BoolArray:
    if column.dtype.kind == "M":
        return ~np.isnat(column)
    if column.dtype.kind == "f":
        return ~np.isnan(column)
    if column.dtype == object:
        return ~np.asarray(np.equal(column, _NONE), dtype=bool)
    return np.ones(len(column), dtype=bool)


def _check_rules(columns: Mapping[str, Column], model: type[Record], problems: _Problems) -> None:
    for earlier, later in model.order_rules:
        a = cast("NDArray[np.datetime64]", columns[earlier])
        b = cast("NDArray[np.datetime64]", columns[later])
        rows = _present(a) & _present(b) & (b < a)
        problems.mask(later, rows, "out_of_order", f"`{later}` is before `{earlier}`")
    for first, second in model.distinct_rules:
        x, y = columns[first], columns[second]
        rows = _present(x) & np.asarray(np.equal(x, y), dtype=bool)
        problems.mask(first, rows, "not_distinct", f"`{first}` must differ from `{second}`")
    for name, flag in model.requires_rules:
        rows = _present(columns[name]) & ~columns[flag].astype(bool)
        problems.mask(name, rows, "requires_flag", f"`{name}` is set but `{flag}` is false")
    for violation in model.check_columns(columns):
        problems.mask(violation.field, violation.rows, violation.code, violation.message)


def _key_values(column: Column) -> list[object]:
    """Hashable key values of a converted column (text columns hold only ``str``/``None``)."""
    if column.dtype == object:
        return cast("list[object]", column.tolist())
    return _python_values(column)


def _check_keys(columns: Mapping[str, Column], model: type[Record], problems: _Problems) -> None:
    parts = [_key_values(columns[name]) for name in model.key_fields]
    keys: list[object] = parts[0] if len(parts) == 1 else list(zip(*parts))
    if len(dict.fromkeys(keys)) == len(keys):
        return
    first: dict[object, int] = {}
    for row, key in enumerate(keys):
        if key is None or (isinstance(key, tuple) and None in key):
            continue
        seen = first.setdefault(key, row)
        if seen != row:
            problems.cells.append(
                (
                    model.key_fields[0],
                    row,
                    "duplicate_key",
                    f"duplicate key: first seen at row {seen + 1}",
                )
            )


def _report(
    problems: _Problems,
    columns: Mapping[str, Column],
    model: type[Record],
    lines: list[int | None] | None,
) -> list[RecordError]:
    cells = list(problems.cells)
    for field, rows, code, message in problems.found:
        cells.extend((field, row, code, message) for row in np.flatnonzero(rows).tolist())
    if not cells:
        return []
    cells.sort(key=lambda cell: cell[1])
    ids = _python_values(columns[model.key_fields[0]])
    errors = []
    for field, row, code, message in cells:
        raw = problems.raw.get(field)
        value = _python_values(_numpy(raw)[row : row + 1])[0] if raw is not None else None
        errors.append(
            RecordError(
                row=row + 1,
                field=field,
                value=value,
                message=message,
                code=code,
                line=lines[row] if lines is not None else None,
                record_id=None if ids[row] is None else str(ids[row]),
            )
        )
    return errors


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
