"""Text, number, flag and mapping columns, and the converter for each field kind."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache, partial
from types import MappingProxyType
from typing import cast

import annotated_types
import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict, TypeAdapter, ValidationError

from cshealth._scalars import BAD_TEXT as _BAD_TEXT
from cshealth._scalars import ScalarProblem, read_number
from cshealth._types import BoolArray, Column, FloatArray, ObjectArray
from cshealth.io._ids import _id_column
from cshealth.io._schema import FieldSpec, _annotated_metadata, _strip_optional
from cshealth.io._time import _date_column, _instant_column
from cshealth.io._values import (
    _BAD_CHARACTER,
    _EMPTY_MAPPING,
    _FALSE,
    _MAX_EXACT_INT,
    _NONE,
    _NOT_BOOL,
    _NOT_FINITE,
    _NOT_MAPPING,
    _NOT_TEXT,
    _NOT_WHOLE,
    _PROBLEMS,
    _TOO_LARGE,
    _TRUE,
    _Bad,
    _bad_characters,
    _cells,
    _missing,
    _normalise,
    _numpy,
    _only_characters,
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
    limit = _max_length(model, spec.name)
    fast = _stripped(array) if strip else _cells(array)
    if fast is not None:
        text, missing = fast
        if strip:
            missing = missing | _check_text(text, spec.name, limit, problems)
        out = text.astype(object)
        out[missing] = None
    else:
        fn = partial(_norm_text, limit=limit) if strip else _norm_choice
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


def _check_text(
    text: NDArray[np.str_], name: str, limit: int | None, problems: _Problems
) -> BoolArray:
    """Report rows of fixed-width text with a NUL or lone surrogate, or too long."""
    bad = _bad_characters(text)
    problems.mask(name, bad, _BAD_CHARACTER.code, _BAD_CHARACTER.message)
    if limit is not None:
        long = ~bad & (np.strings.str_len(text) > limit)
        problems.mask(name, long, _too_long(limit).code, _too_long(limit).message)
        bad = bad | long
    return bad


@cache
def _too_long(limit: int) -> _Bad:
    return _Bad("string_too_long", f"expected text of at most {limit} characters")


@cache
def _max_length(model: type[Record], name: str) -> int | None:
    """The longest text the model allows in field ``name`` (``None``: no limit)."""
    info = model.model_fields[name]
    annotation, _ = _strip_optional(info.annotation)
    for item in [*info.metadata, *_annotated_metadata(annotation)]:
        if isinstance(item, annotated_types.MaxLen):
            return int(item.max_length)
    return None


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


def _norm_text(value: object, limit: int | None = None) -> object:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _BAD_TEXT.search(text):
            return _BAD_CHARACTER
        return _too_long(limit) if limit is not None and len(text) > limit else text
    if _missing(value):
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
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
        huge = ~infinite & (np.abs(numbers) >= _MAX_EXACT_INT)  # 2**53 + 1 -> 2**53
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
    whole = spec.kind == "int"
    fast = _stripped(array)
    if fast is not None and _plain_numbers(fast[0], whole):
        text, empty = fast
        try:
            numbers: FloatArray = np.where(empty, "nan", text).astype(np.float64)
        except ValueError:
            pass  # some cell is not a number: find which, one by one
        else:
            return numbers
    fn = _norm_whole if whole else _norm_real
    out, missing = _normalise(array, spec, problems, fn)
    return np.where(missing, np.nan, out).astype(np.float64)


def _plain_numbers(text: NDArray[np.str_], whole: bool) -> bool:
    """Whether stripped text is all in the one number form numpy and the models share.

    numpy's parser, like Python's ``float``, also reads full-width digits, ``1_000``,
    ``inf`` and ``nan``; a whole number may not have an exponent or a bare point.
    """
    if not len(text) or not _only_characters(text, "0123456789+-." if whole else _REAL).all():
        return False
    if not whole:
        return True
    bare = np.strings.endswith(text, ".") | np.strings.startswith(text, ".")
    bare |= np.strings.startswith(text, "-.") | np.strings.startswith(text, "+.")
    return not bare.any()


_REAL = "0123456789+-.eE"


def _norm_whole(value: object) -> object:
    return _norm_number(value, whole=True)


def _norm_real(value: object) -> object:
    return _norm_number(value, whole=False)


def _norm_number(value: object, *, whole: bool) -> object:
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return None
    found = read_number(value, whole=whole)
    return _PROBLEMS[found] if isinstance(found, ScalarProblem) else found


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
    kind = cast("type[list[dict[str, object]]]", list.__class_getitem__(annotation))
    config = {k: v for k, v in model.model_config.items() if k in _VALUE_CONFIG}
    return TypeAdapter(kind, config=cast("ConfigDict", config))  # the model's value rules


#: The model settings that decide how a value reads (white space, numbers as text, NaN).
_VALUE_CONFIG = frozenset({"str_strip_whitespace", "coerce_numbers_to_str", "allow_inf_nan"})


_Converter = Callable[[object, FieldSpec, _Problems, type[Record]], tuple[Column, BoolArray]]
_CONVERTERS: dict[str, _Converter] = {
    "id": _id_column,
    "text": _text_column,
    "int": _number_column,
    "float": _number_column,
    "bool": _bool_column,
    "date": _date_column,
    "instant": _instant_column,
    "mapping": _mapping_column,
}
