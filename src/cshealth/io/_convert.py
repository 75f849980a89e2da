"""Raw columns converted and checked by a record model's rules, into a `Table`.

`_convert` is the one conversion of every columnar path (`to_columns`, `load_table`):
each field's column goes through the converter of its kind (`cshealth.io._kinds`), with
defaults filled in where the field allows, then the model's cross-field rules and keys
are checked, and every bad value is reported at once, by row. `convert_column` does the
same for one column, for area readers that need a few columns of a large table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._types import Column
from cshealth.io._kinds import _CONVERTERS
from cshealth.io._rules import _check_keys, _check_rules, _report
from cshealth.io._schema import FieldSpec, field_specs
from cshealth.io._table import Table, checked_table
from cshealth.io._values import _EMPTY_MAPPING, _Problems
from cshealth.models import Record

__all__ = ["convert_column"]


def _raise_unknown(unknown: list[str], model: type[Record]) -> None:
    msg = (
        f"unknown columns {unknown} for {model.__name__}; allowed: {list(model.model_fields)}"
        " (or pass extra='ignore')"
    )
    raise InvalidInputError(msg)


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
    return checked_table(columns, model, absent=[s.name for s in specs if s.name not in raw])


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
    if size < 0 or isinstance(values, (str, bytes, set, frozenset, Mapping)):
        unordered = isinstance(values, (set, frozenset, Mapping))
        msg = (
            f"column `{name}` must be a sequence of values (a list or a 1-D array), "
            f"got {type(values).__name__} {_shown(values)}"
            + (", which has no order of rows" if unordered else "")
        )
        raise InvalidInputError(msg)
    return size


def _shown(values: object) -> str:
    text = repr(values)
    return text if len(text) <= 80 else f"{text[:80]}..."


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


def convert_column(values: object, model: type[Record], name: str) -> Column:
    """One column converted and checked as the field ``name`` of ``model``.

    The fast path of the area readers (``cshealth.nps`` and the like), which need a few
    columns of a large table rather than every field; the model's cross-field rules are
    not applied. A required field must have no missing value.

    Raises:
        InvalidInputError: Listing every bad value (row, field, value, what is allowed).
    """
    spec = next(s for s in field_specs(model) if s.name == name)
    n = _length(name, values)
    problems = _Problems({name: values}, n)
    column = _column(spec, values, n, problems, model)
    errors = _report(problems, {name: column}, model, None)
    if errors:
        msg = f"{len(errors)} of {n} values of `{name}` are invalid"
        raise InvalidInputError(msg, tuple(errors))
    return column
