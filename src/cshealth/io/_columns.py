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
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
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
    """Convert records, or columns in any form, to a validated :class:`Table`.

    Columns get the dtypes of the concepts guide: ``object`` text (missing ``None``),
    ``float64`` numbers (missing ``NaN``), ``int64`` required whole numbers, ``bool``
    flags, ``datetime64[D]`` dates and ``datetime64[us]`` UTC instants (missing ``NaT``).
    Values are checked by the model's rules, vectorised; numpy ``datetime64`` input is
    read as UTC, Python datetimes must carry a time zone.

    Args:
        data: Model instances, or columns: a mapping of name to array-like (a dict of
            lists, a :class:`Table`) or a data frame (pandas, polars).
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
    """Convert columns back to validated records (the inverse of :func:`to_columns`).

    Missing values (``None``, ``NaN``, ``NaT``) become "not given", so fields take their
    defaults; ``datetime64`` values become UTC-aware datetimes.

    Args:
        columns: A :class:`Table` or any mapping of name to array-like, or a data frame.
        model: The record model.
        strict: As in :func:`load`: raise on any bad row (``True``) or return a
            :class:`LoadResult`.

    Returns:
        The records, in row order (or a :class:`LoadResult` with ``strict=False``).

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

    The fast path for analysts: the same rules as :func:`load`, checked on whole columns.

    Args:
        source: A path to a ``.csv``, ``.jsonl``/``.ndjson`` or ``.json`` file, or an
            iterable of mappings.
        model: The record model.
        format: ``{'csv', 'jsonl', 'json'}``; inferred from the suffix when ``None``.

    Returns:
        The validated :class:`Table`.

    Raises:
        InvalidInputError: Listing every bad row, as :func:`load` does.

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
        load(rows, model)  # raises, describing the unreadable rows with the rest
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
    lengths = {name: len(cast("list[object]", raw[name])) for name in names if name in raw}
    if len(set(lengths.values())) > 1:
        msg = f"columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    return next(iter(lengths.values()), 0)


def _column(
    spec: FieldSpec, values: object, n: int, problems: _Problems, model: type[Record]
) -> Column:
    if values is None:
        return _default_column(spec, n)
    converter = _CONVERTERS[spec.kind]
    column, missing = converter(values, spec, problems, model)
    if spec.required:
        problems.mask(spec.name, missing, "missing", "required value is missing")
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
        column.fill(MappingProxyType({}))
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
    array = np.asarray(values)
    if array.dtype.kind == "S":
        array = array.astype(object)
    return array


def _stripped(array: NDArray[np.generic]) -> tuple[NDArray[np.str_], BoolArray] | None:
    """For an all-text array (CSV cells): the stripped text and where it is empty."""
    if array.dtype.kind != "U":
        return None
    text = np.strings.strip(cast("NDArray[np.str_]", array))
    return text, text == ""


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
    fast = _stripped(array)
    if fast is not None:
        out, missing = fast[0].astype(object), fast[1]
        out[missing] = None
    else:
        out, missing = _normalise(array, spec, problems, _norm_text)
    if spec.choices is not None:
        allowed = frozenset(spec.choices)
        ok = np.frompyfunc(allowed.__contains__, 1, 1)(out).astype(bool) if len(out) else missing
        shown = ", ".join(repr(c) for c in spec.choices)
        problems.mask(spec.name, ~ok & ~missing, "literal_error", f"must be one of {shown}")
        out[~ok] = None
        missing = missing | ~ok
    return out, missing


def _norm_text(value: object) -> object:
    if isinstance(value, str):
        return value.strip() or None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(value)
    return _NOT_TEXT


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
        bad |= fractional
    if spec.ge is not None:
        low = numbers < spec.ge
        problems.mask(spec.name, low, "greater_than_equal", f"must be >= {spec.ge:g}")
        bad |= low
    if spec.le is not None:
        high = numbers > spec.le
        problems.mask(spec.name, high, "less_than_equal", f"must be <= {spec.le:g}")
        bad |= high
    return np.where(bad, np.nan, numbers), missing | bad


def _parse_numbers(array: NDArray[np.generic], spec: FieldSpec, problems: _Problems) -> FloatArray:
    fast = _stripped(array)
    if fast is not None:
        text, empty = fast
        try:
            return np.where(empty, "nan", text).astype(np.float64)
        except ValueError:
            pass  # some cell is not a number: find which, one by one
    out, missing = _normalise(array, spec, problems, _norm_number)
    return np.where(missing, np.nan, out).astype(np.float64)


def _norm_number(value: object) -> object:
    if value is None:
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
        return None if math.isnan(number) else number
    return _NOT_NUMBER


def _bool_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    array = _numpy(values)
    if array.dtype.kind == "b":
        return array.astype(bool), np.zeros(len(array), dtype=bool)
    fast = _stripped(array)
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
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
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
    fast = _stripped(array)
    if fast is not None and np.all((np.strings.str_len(fast[0]) == 10) | fast[1]):
        try:
            days = np.where(fast[1], "NaT", fast[0]).astype("datetime64[D]")
        except ValueError:
            pass  # some cell is not a date: find which, one by one
        else:
            return days, fast[1]
    out, missing = _normalise(array, spec, problems, _norm_date)
    ints = np.where(missing, _NAT_INT, out).astype(np.int64)
    return ints.view("datetime64[D]"), missing


def _norm_date(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            return _DATE_WITH_TIME
        value = value.date()
    if isinstance(value, date):
        return value.toordinal() - _EPOCH_ORDINAL
    if isinstance(value, str):
        try:
            return _norm_date(date.fromisoformat(value.strip())) if value.strip() else None
        except ValueError:
            return _NOT_DATE
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else int(value.astype("datetime64[D]").astype(np.int64))
    if isinstance(value, float) and math.isnan(value):
        return None
    return _NOT_DATE


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _instant_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    array = _numpy(values)
    if array.dtype.kind == "M":
        instants = array.astype("datetime64[us]")
        return instants, np.isnat(instants)
    fast = _stripped(array)
    if fast is not None:
        text, empty = fast
        utc = np.strings.endswith(text, "Z") & (np.strings.str_len(text) >= 17)
        if np.all(utc | empty):
            try:
                instants = np.where(empty, "NaT", np.strings.rstrip(text, "Z")).astype(
                    "datetime64[us]"
                )
            except ValueError:
                pass  # some cell is not a timestamp: find which, one by one
            else:
                return instants, empty
    out, missing = _normalise(array, spec, problems, _norm_instant)
    ints = np.where(missing, _NAT_INT, out).astype(np.int64)
    return ints.view("datetime64[us]"), missing


def _norm_instant(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
        except ValueError:
            return _NOT_INSTANT
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return _NAIVE
        return (value - _EPOCH) // _ONE_US
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else int(value.astype("datetime64[us]").astype(np.int64))
    if isinstance(value, float) and math.isnan(value):
        return None
    return _NOT_INSTANT


def _mapping_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    adapter: TypeAdapter[object] = TypeAdapter(model.model_fields[spec.name].annotation)
    items = list(cast("Iterable[object]", values))
    out = np.empty(len(items), dtype=object)
    missing = np.zeros(len(items), dtype=bool)
    for row, item in enumerate(items):
        if _norm_text(item) is None:  # None, NaN or blank text
            out[row] = MappingProxyType({})
            missing[row] = True
            continue
        try:
            parsed = json.loads(item) if isinstance(item, str) else item
            out[row] = MappingProxyType(cast("dict[str, object]", adapter.validate_python(parsed)))
        except (ValidationError, json.JSONDecodeError):
            problems.cell(spec.name, row, _NOT_MAPPING)
            out[row] = MappingProxyType({})
    return out, missing


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


def _check_keys(columns: Mapping[str, Column], model: type[Record], problems: _Problems) -> None:
    parts = [_python_values(columns[name]) for name in model.key_fields]
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
            None
            if (isinstance(v, float) and math.isnan(v))
            else (dict(v) if isinstance(v, MappingProxyType) else v)
            for v in array.tolist()
        ]
    return cast("list[object]", array.tolist())
