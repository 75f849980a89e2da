"""Columnar conversion: records or columns in, validated numpy columns out, and back.

This is the path every cshealth kernel takes from user data to numpy. Typed numpy input
(a float column, a ``datetime64`` column) converts without touching Python per row; text
and object input (CSV cells, lists of Python values) goes through one small normaliser
per value. The rules are the models' own: field types and bounds come from the model
fields, cross-field rules from the model's declared ``order_rules``, ``distinct_rules`` and
``requires_rules``, and anything else from ``Model.check_columns``.

Here are the entry points, which gather the raw columns of records, mappings, data frames
or files; the conversion itself is `cshealth.io._convert`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, cast, overload

from cshealth._exceptions import InvalidInputError
from cshealth._types import ColumnsLike, DataFrameLike
from cshealth.io._arguments import check_data, check_model, check_source
from cshealth.io._convert import _common_length, _convert, _raise_unknown
from cshealth.io._csvfile import check_extra
from cshealth.io._frames import frame_columns
from cshealth.io._load import (
    Extra,
    FileFormat,
    LoadResult,
    M,
    Source,
    load,
    read_csv_columns,
    read_rows,
)
from cshealth.io._table import Table
from cshealth.io._text import text_array
from cshealth.io._time import assumed_timezone
from cshealth.io._validate import _gc_paused
from cshealth.io._values import _python_values
from cshealth.models import Record

__all__ = ["from_columns", "load_table", "to_columns"]


@overload
def to_columns(
    data: Iterable[Record] | ColumnsLike,
    model: type[Record],
    *,
    extra: Literal["ignore", "forbid"] = ...,
    assume_timezone: str | None = ...,
) -> Table: ...
@overload
def to_columns(
    data: Iterable[Record],
    model: None = ...,
    *,
    extra: Literal["ignore", "forbid"] = ...,
    assume_timezone: str | None = ...,
) -> Table: ...
def to_columns(
    data: Iterable[Record] | ColumnsLike,
    model: type[Record] | None = None,
    *,
    extra: Literal["ignore", "forbid"] = "ignore",
    assume_timezone: str | None = None,
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
        assume_timezone: ``None`` (the default) refuses timestamps in text without a
            time zone; an IANA zone name reads them as wall-clock time in that zone (a
            SQL export's ``2022-01-21 00:00:00``). ``datetime64`` columns are UTC and
            text with an offset keeps its own, either way.

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

        A SQL export without offsets, written on Berlin's clock:

        >>> from cshealth import UsageEvent
        >>> export = {
        ...     "account_id": ["A1"],
        ...     "user_id": ["u1"],
        ...     "occurred_at": ["2025-02-01 00:30:00"],
        ... }
        >>> to_columns(export, UsageEvent, assume_timezone="Europe/Berlin")["occurred_at"]
        array(['2025-01-31T23:30:00.000000'], dtype='datetime64[us]')
    """
    check_data(data, "data")
    check_model(model, optional=True)
    check_extra(extra)
    raw, model = _raw_columns(data, model)
    with assumed_timezone(assume_timezone):
        return _convert(raw, model, extra)


@overload
def from_columns(
    columns: ColumnsLike, model: type[M], *, strict: Literal[True] = ...
) -> list[M]: ...
@overload
def from_columns(
    columns: ColumnsLike, model: type[M], *, strict: Literal[False]
) -> LoadResult[M]: ...
@overload
def from_columns(
    columns: Table, model: None = ..., *, strict: Literal[True] = ...
) -> list[Record]: ...
@overload
def from_columns(
    columns: Table, model: None = ..., *, strict: Literal[False]
) -> LoadResult[Record]: ...
def from_columns(
    columns: ColumnsLike, model: type[M] | None = None, *, strict: bool = True
) -> list[M] | LoadResult[M]:
    """Convert columns back to validated records (the inverse of `to_columns()`).

    Missing values (``None``, ``NaN``, ``NaT``) become "not given", so fields take their
    defaults; ``datetime64`` values become UTC-aware datetimes.

    Args:
        columns: A `Table` or any mapping of name to array-like, or a data frame.
        model: The record model. ``None`` (the default) takes the model of a `Table`
            that has one (`to_columns` and `load_table` set it).
        strict: As in `load()`: raise on any bad row (``True``) or return a
            `LoadResult`.

    Returns:
        The records, in row order (or a `LoadResult` with ``strict=False``).

    Raises:
        InvalidInputError: If ``model`` is not given and ``columns`` is not a `Table` with
            a model, or (with ``strict=True``) on any bad row.

    Examples:
        >>> from cshealth import RevenueChange
        >>> recs = from_columns(
        ...     {"account_id": ["A1"], "effective_on": ["2025-02-01"], "mrr": [120.0]},
        ...     RevenueChange,
        ... )
        >>> recs[0].effective_on
        datetime.date(2025, 2, 1)
        >>> table = to_columns(recs)
        >>> from_columns(table) == recs  # the table remembers its model
        True
    """
    check_data(columns, "columns")
    if model is None and isinstance(columns, Table):
        model = cast("type[M] | None", columns.model)
    check_model(model, optional=True)
    raw, found = _raw_columns(columns, model)
    model = cast("type[M]", found)
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


def load_table(
    source: Source,
    model: type[Record],
    *,
    format: FileFormat | None = None,
    extra: Extra = "forbid",
    encoding: str = "utf-8",
    assume_timezone: str | None = None,
) -> Table:
    r"""Read a file straight into validated columns, without building a record per row.

    The fast path for analysts: the same rules as `load()`, checked on whole columns.
    Memory stays proportional to the file: a text column is held as fixed-width numpy
    text only when its longest cell is not far longer than the others (one very long
    cell makes that column an object array, converted value by value).

    Args:
        source: A path to a ``.csv``, ``.jsonl``/``.ndjson`` or ``.json`` file, or an
            iterable of mappings.
        model: The record model.
        format: ``{'csv', 'jsonl', 'json'}``; inferred from the suffix when ``None``.
        extra: ``{'forbid', 'ignore'}``: refuse columns the model does not have (the
            default), or leave them out, as in `load()`.
        encoding: The file's text encoding, as in `load()` (default ``'utf-8'``, a
            byte-order mark dropped).
        assume_timezone: The IANA zone naive timestamps in text were written in, as in
            `load()` (``None``: they are refused).

    Returns:
        The validated `Table`.

    Raises:
        InvalidInputError: Listing every bad row, as `load()` does; or, as `load()`
            does, naming a file that cannot be read or decoded, or a header that does
            not fit the model.

    Examples:
        >>> import pathlib, tempfile
        >>> from cshealth import RevenueChange
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "revenue_changes.csv"
        >>> _ = path.write_text("account_id,effective_on,mrr\nA1,2025-01-01,100\nA1,2025-03-01,0\n")
        >>> load_table(path, RevenueChange)["mrr"]
        array([100.,   0.])
    """
    check_source(source)
    check_model(model)
    with _gc_paused(), assumed_timezone(assume_timezone):
        cells = read_csv_columns(source, model, format=format, extra=extra, encoding=encoding)
        if cells is not None:
            return _convert(cells[0], model, "forbid", lines=cells[1])
    rows, lines = read_rows(source, model, format=format, extra=extra, encoding=encoding)
    if any(type(row) is not dict for row in rows):
        # only files have unreadable rows: load them again to report them with their lines
        load(
            source,
            model,
            format=format,
            extra=extra,
            encoding=encoding,
            assume_timezone=assume_timezone,
        )
    present = {key for row in rows for key in row}  # a key no row has is an absent column
    unknown = sorted(present - set(model.model_fields))
    if unknown:
        _raise_unknown(unknown, model)
    raw_rows: dict[str, object] = {
        name: text_array([row.get(name) for row in rows])
        for name, info in model.model_fields.items()
        if name in present or info.is_required()
    }
    with assumed_timezone(assume_timezone):
        return _convert(raw_rows, model, "forbid", lines=lines)


# --- gathering raw columns ---------------------------------------------------------------


def _raw_columns(
    data: Iterable[Record] | ColumnsLike, model: type[Record] | None
) -> tuple[dict[str, object], type[Record]]:
    if isinstance(data, Mapping):
        absent = data.absent if isinstance(data, Table) else frozenset()
        raw = {str(k): v for k, v in data.items() if k not in absent}
    elif hasattr(data, "columns") and hasattr(data, "__getitem__"):
        raw = frame_columns(cast("DataFrameLike", data))
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
