"""Rules across fields and rows on converted columns, and the report of what broke them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import RecordError
from cshealth._types import BoolArray, Column
from cshealth.io._values import (
    _NONE,
    _numpy,
    _Problems,
    _python_values,
)
from cshealth.models import Record

__all__: list[str] = []


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
    """Report repeated keys among the rows that are otherwise valid.

    A row that is bad in any field takes no part (as `load` drops bad rows before it looks
    for duplicates), so the row after a bad one with its key is not a duplicate.
    """
    if not model.key_fields:  # records with no identity (usage events)
        return
    parts = [_key_values(columns[name]) for name in model.key_fields]
    keys: list[object] = parts[0] if len(parts) == 1 else list(zip(*parts))
    if len(dict.fromkeys(keys)) == len(keys):
        return
    bad = problems.bad_rows().tolist()
    first: dict[object, int] = {}
    for row, key in enumerate(keys):
        if bad[row] or key is None or (isinstance(key, tuple) and None in key):
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
    key = model.key_fields[0] if model.key_fields else ""
    ids = _python_values(columns[key]) if key in columns else [None] * problems.n
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
