"""Reading the few columns an area kernel needs from records, tables or data frames.

Every area function (``support.summary``, ``adoption.active_users``, ...) accepts the same
inputs: records of its model, a `Table`, a mapping of columns (a dict of lists or arrays)
or a data frame. `read_columns` turns any of them into plain numpy columns once,
converting and checking only the columns the caller asks for, so a ten-million-row frame
is not validated field by field for a kernel that reads three columns. The model's order
rules between the columns read (``created_at`` before ``resolved_at``) are checked too,
and every bad value is reported.

This module is also io's front door: its ``__all__`` lists every io name that another
package may use besides the public names of `cshealth.io`. These are the column readers, the
identifier rule, the whole-column time readers, the model field specs, the test of a table
io checked (`is_checked`), the mark of one assembled from checked columns
(`checked_table`), and the file suffixes io reads. io's other modules may change freely;
``tests/test_layers.py`` keeps every other package on this side of the door.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._types import Column, DataFrameLike
from cshealth.io._arguments import check_fields, check_model
from cshealth.io._columns import to_columns
from cshealth.io._convert import _column, _length, convert_column
from cshealth.io._durations import time_durations
from cshealth.io._frames import frame_columns
from cshealth.io._ids import read_ids, repeated
from cshealth.io._keyed import IdIndex, keyed_values, positions_of, same_kind
from cshealth.io._load import FILE_SUFFIXES
from cshealth.io._rules import _present, _report
from cshealth.io._schema import field_specs
from cshealth.io._table import Table, checked_columns, checked_table, is_checked
from cshealth.io._time import utc_instants
from cshealth.io._values import _numpy, _Problems
from cshealth.models import Record

__all__ = [
    "FILE_SUFFIXES",
    "IdIndex",
    "checked_table",
    "column_array",
    "column_length",
    "convert_column",
    "field_specs",
    "is_checked",
    "keyed_values",
    "named_columns",
    "positions_of",
    "raw_columns",
    "read_columns",
    "read_ids",
    "repeated",
    "row_columns",
    "same_kind",
    "time_durations",
    "utc_instants",
]


def read_columns(
    data: object,
    model: type[Record],
    *,
    need: Sequence[str],
    optional: Sequence[str] = (),
) -> Table:
    """The columns ``need`` (and those of ``optional`` that are present) of ``data``.

    Args:
        data: Records of ``model``, a `Table`, a mapping of columns or a data frame. A
            one-shot iterator of records is read once.
        model: The record model whose field rules convert and check the columns.
        need: Fields that must be present (a missing one is an error naming it).
        optional: Fields read when present. A field the data lacks is left out (the
            caller supplies its default); a required model field is still only read
            when asked for.

    Returns:
        A `Table` of the columns read, converted as `to_columns` converts them, with
        ``model`` set.

    Raises:
        InvalidInputError: On data of another form, a missing column, columns of unequal
            length, a bad value (every one is listed, with its row, field and record id),
            or two read fields out of the model's order (``resolved_at`` before
            ``created_at``).

    Examples:
        >>> from cshealth import Ticket
        >>> t = read_columns(
        ...     {"account_id": ["A-1"], "created_at": ["2025-03-03T09:00Z"], "x": [1]},
        ...     Ticket,
        ...     need=["account_id", "created_at"],
        ...     optional=["resolved_at"],
        ... )
        >>> t.columns
        ('account_id', 'created_at')
        >>> t["created_at"]
        array(['2025-03-03T09:00:00.000000'], dtype='datetime64[us]')
    """
    check_model(model)
    check_fields(need, "need")
    check_fields(optional, "optional")
    if is_checked(data, model):  # io read it by this model already: taken as it is
        return _checked_read(cast("Table", data), model, need, optional)
    raw = raw_columns(data, model)
    missing = [name for name in need if name not in raw]
    if missing:
        noun = model.table_name or model.__name__
        msg = f"{noun} need the columns {missing}; got {sorted(raw)}"
        raise InvalidInputError(msg)
    names = list(dict.fromkeys([*need, *(name for name in optional if name in raw)]))
    specs = {spec.name: spec for spec in field_specs(model)}
    unknown = [name for name in names if name not in specs]
    if unknown:
        msg = f"{unknown} are not fields of {model.__name__}"
        raise InvalidInputError(msg)
    lengths = {name: _length(name, raw[name]) for name in names}
    if len(set(lengths.values())) > 1:
        msg = f"columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    n = next(iter(lengths.values()), 0)
    picked = {name: raw[name] for name in names}
    key = model.key_fields[0] if model.key_fields else ""
    if key in raw and key not in picked:  # named in error reports, converted only then
        picked[key] = raw[key]
    problems = _Problems(picked, n)
    columns: dict[str, Column] = {
        name: _column(specs[name], raw[name], n, problems, model) for name in names
    }
    for earlier, later in model.order_rules:
        if earlier in columns and later in columns:
            a = cast("NDArray[np.datetime64]", columns[earlier])
            b = cast("NDArray[np.datetime64]", columns[later])
            rows = _present(a) & _present(b) & (b < a)
            problems.mask(later, rows, "out_of_order", f"`{later}` is before `{earlier}`")
    if problems.found or problems.cells:
        report_columns = dict(columns)
        if key not in report_columns and key in raw:
            report_columns[key] = np.asarray(raw[key], dtype=object)
        errors = _report(problems, report_columns, model, None)
        bad_rows = len({error.row for error in errors})
        msg = f"{bad_rows} of {n} {model.__name__} rows are invalid"
        raise InvalidInputError(msg, tuple(errors))
    return checked_table(columns, model)


def _checked_read(
    table: Table, model: type[Record], need: Sequence[str], optional: Sequence[str]
) -> Table:
    """`read_columns` of a table io checked by ``model``: its columns, not read again."""
    present = [name for name in table.columns if name not in table.absent]
    missing = [name for name in need if name not in present]
    if missing:
        noun = model.table_name or model.__name__
        msg = f"{noun} need the columns {missing}; got {sorted(present)}"
        raise InvalidInputError(msg)
    names = dict.fromkeys([*need, *(name for name in optional if name in present)])
    return checked_columns(table, names)


def column_array(values: object) -> NDArray[np.generic]:
    """One column as a 1-D numpy array, the way every reader here first takes it.

    A timezone-aware pandas column gives its UTC instants, and a list that numpy's text
    would change (text mixed with numbers, ``None`` or NaN) keeps each value in an
    ``object`` array. A column of sequences gives one value per row.

    Examples:
        >>> column_array(["A-1", 7]).tolist()
        ['A-1', 7]
        >>> column_array([1.5, 2.0]).dtype
        dtype('float64')
    """
    return _numpy(values)


def column_length(name: str, values: object) -> int:
    """The number of rows of the column ``name``, refusing values that are not a column.

    Raises:
        InvalidInputError: If ``values`` is text, a set, a mapping or has no length.

    Examples:
        >>> column_length("score", [9, 4])
        2
        >>> column_length("score", "94")
        Traceback (most recent call last):
          ...
        cshealth.InvalidInputError: column `score` must be a sequence of values ...
    """
    return _length(name, values)


def named_columns(data: object) -> dict[str, object] | None:
    """The columns of a mapping of columns or a data frame by name; ``None`` for other data."""
    if isinstance(data, Mapping):
        absent = data.absent if isinstance(data, Table) else frozenset()
        return {str(name): values for name, values in data.items() if name not in absent}
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):
        return frame_columns(cast("DataFrameLike", data))
    return None


def row_columns(rows: Sequence[Mapping[object, object]]) -> dict[str, list[object]]:
    """Rows given as mappings, as columns: every key any row has, ``None`` where a row lacks it.

    Examples:
        >>> row_columns([{"a": 1}, {"a": 2, "b": "x"}])
        {'a': [1, 2], 'b': [None, 'x']}
    """
    names = dict.fromkeys(str(name) for row in rows for name in row)
    return {name: [row.get(name) for row in rows] for name in names}


def raw_columns(data: object, model: type[Record], *, noun: str = "") -> dict[str, object]:
    """The columns of ``data`` by name, unconverted: the first step of every area reader.

    ``data`` is records of ``model`` (converted with `to_columns`; no records give every
    field, empty), a one-shot iterator of them, a mapping of columns or a data frame.
    ``noun`` names the data in the error (default: the model's table name).

    Raises:
        InvalidInputError: On data of another form.
    """
    if isinstance(data, Iterator):  # a one-shot iterator: read it once
        data = list(data)
    named = named_columns(data)
    if named is not None:
        return named
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, np.ndarray)):
        items = list(data)
        if all(isinstance(item, model) for item in items):
            if not items:  # no records: every field, empty
                return {spec.name: np.empty(0, dtype=spec.dtype) for spec in field_specs(model)}
            return dict(to_columns(cast("list[Record]", items), model).items())
    noun = noun or model.table_name or model.__name__
    msg = (
        f"{noun} must be {model.__name__} records, a Table, a mapping of columns or a "
        f"data frame; got {type(data).__name__}"
    )
    raise InvalidInputError(msg)
