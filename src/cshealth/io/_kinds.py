"""Text, number, flag and mapping columns, and the converter for each field kind."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from functools import cache
from types import MappingProxyType
from typing import cast

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter, ValidationError

from cshealth._types import BoolArray, FloatArray, ObjectArray
from cshealth.io._schema import FieldSpec
from cshealth.io._table import Column
from cshealth.io._time import _date_column, _instant_column
from cshealth.io._values import (
    _EMPTY_MAPPING,
    _FALSE,
    _MAX_EXACT_INT,
    _NAN_TEXT,
    _NONE,
    _NOT_BOOL,
    _NOT_FINITE,
    _NOT_MAPPING,
    _NOT_NUMBER,
    _NOT_TEXT,
    _NOT_WHOLE,
    _TOO_LARGE,
    _TRUE,
    _cells,
    _missing,
    _normalise,
    _numpy,
    _Problems,
    _stripped,
)
from cshealth.models import Record

__all__: list[str] = []


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
        fn = _norm_text if strip else _norm_choice
        known = _clean_text(array, fn)
        if known is not None:
            out, missing = known
        else:
            out, missing = _normalise(array, spec, problems, fn)
    if spec.choices is not None:
        allowed = frozenset(spec.choices)
        ok = np.frompyfunc(allowed.__contains__, 1, 1)(out).astype(bool) if len(out) else missing
        shown = ", ".join(repr(c) for c in spec.choices)
        problems.mask(spec.name, ~ok & ~missing, "literal_error", f"must be one of {shown}")
        out[~ok] = None
        missing = missing | ~ok
    return out, missing


def _clean_text(
    array: NDArray[np.generic], fn: Callable[[object], object]
) -> tuple[ObjectArray, BoolArray] | None:
    """An object column of clean text (and ``None``) as it is, each distinct value checked once.

    Identifier and label columns repeat a few values many times, and their values are
    usually clean already: then the column is kept as it is, checked by looking at each
    distinct value only (hashing is all that runs per row). ``None`` marks missing. Any
    other value (text to strip, numbers, NaN, unhashable things) returns ``None``, and
    the caller normalises value by value, reporting the bad ones.
    """
    if array.dtype != object or not len(array):
        return None
    try:
        distinct = dict.fromkeys(array.tolist())
    except TypeError:  # unhashable values: reported one by one by the slow path
        return None
    has_none = None in distinct
    distinct.pop(None, None)
    for value in distinct:
        cleaned = fn(value)
        if type(value) is not str or type(cleaned) is not str or cleaned != value:
            return None
    out = array.copy()
    missing = np.asarray(np.equal(out, _NONE), dtype=bool) if has_none else np.zeros(len(out), bool)
    return out, missing


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
