"""Loading records from CSV, JSON Lines, JSON and Python iterables, with full error reports."""

from __future__ import annotations

import csv
import gc
import json
import operator
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Generic, Literal, TypeVar, cast, overload

import numpy as np
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from cshealth._exceptions import InvalidInputError, RecordError
from cshealth.models import Record

__all__ = [
    "FILE_SUFFIXES",
    "FileFormat",
    "LoadResult",
    "Source",
    "file_format",
    "load",
    "read_csv_columns",
    "read_rows",
]

M = TypeVar("M", bound=Record)

#: File formats `load()` reads.
FileFormat = Literal["csv", "jsonl", "json"]
#: A path to a file, or records already in memory as mappings of field to value.
Source = str | os.PathLike[str] | Iterable[Mapping[str, object]]

#: File suffix -> format, for reading and writing alike.
FILE_SUFFIXES: Mapping[str, FileFormat] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}


def file_format(path: Path, format: FileFormat | None) -> FileFormat:
    """``format`` if given, else the format of ``path``'s suffix.

    Raises:
        InvalidInputError: If neither tells the format.
    """
    fmt = format or FILE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        msg = (
            f"cannot tell the format of {str(path)!r} from its suffix; pass "
            f"`format` as one of {{'csv', 'jsonl', 'json'}}"
        )
        raise InvalidInputError(msg)
    return fmt


@dataclass(frozen=True)
class LoadResult(Generic[M]):
    """The valid records of a source and every problem found in it, side by side.

    Every input record ends up in exactly one of the two: ``len(records)`` plus the number
    of distinct rows in ``errors`` is the number of records read.

    Attributes:
        records: The valid records, in input order.
        errors: Every problem found, in input order (a record can have several).
        rows_read: How many records the source held.
    """

    records: list[M]
    errors: tuple[RecordError, ...] = field(default=())
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        """Whether every record was valid."""
        return not self.errors

    @property
    def bad_rows(self) -> tuple[int, ...]:
        """The distinct 1-based row numbers that had an error, in order."""
        return tuple(sorted({err.row for err in self.errors}))

    def raise_for_errors(self) -> list[M]:
        """Return the records, or raise `InvalidInputError` listing every problem."""
        if self.errors:
            msg = f"{len(self.bad_rows)} of {self.rows_read} records are invalid"
            raise InvalidInputError(msg, self.errors)
        return self.records


@overload
def load(
    source: Source,
    model: type[M],
    *,
    strict: Literal[True] = ...,
    format: FileFormat | None = ...,
) -> list[M]: ...
@overload
def load(
    source: Source,
    model: type[M],
    *,
    strict: Literal[False],
    format: FileFormat | None = ...,
) -> LoadResult[M]: ...
def load(
    source: Source,
    model: type[M],
    *,
    strict: bool = True,
    format: FileFormat | None = None,
) -> list[M] | LoadResult[M]:
    """Read and validate records of one model from a file or an iterable of mappings.

    Every record is validated in full (types, ranges, time zones, cross-field rules) and
    key fields must be unique (``id``, or ``(account_id, day)`` for usage). In CSV files an
    empty (or blank) cell means "not given", and mapping fields (``traits``,
    ``feature_events``) are JSON objects.

    Args:
        source: A path to a ``.csv``, ``.jsonl``/``.ndjson`` or ``.json`` (an array of
            objects) file, or an iterable of mappings such as a list of dicts.
        model: The record model, e.g. `SurveyResponse`.
        strict: ``True`` (the default) returns the records or raises; ``False`` returns a
            `LoadResult` with the valid records and every error.
        format: ``{'csv', 'jsonl', 'json'}``; inferred from the file suffix when ``None``.

    Returns:
        The records in input order (``strict=True``), or a `LoadResult`.

    Raises:
        InvalidInputError: With ``strict=True``, if any record is invalid: ``errors`` lists
            every problem with its row, line, field, value and message. In either mode, if
            the file cannot be read as the format, or its header names unknown columns or
            lacks required ones.

    Examples:
        >>> from cshealth import Account
        >>> rows = [
        ...     {"id": "A-1", "name": "Acme", "start_date": "2024-01-15", "mrr": "450"},
        ...     {"id": "A-2", "name": "Beta", "start_date": "2024-13-01"},
        ... ]
        >>> result = load(rows, Account, strict=False)
        >>> [a.id for a in result.records]
        ['A-1']
        >>> print(result.errors[0])  # doctest: +ELLIPSIS
        row 2 (id 'A-2'): `start_date` = '2024-13-01': Input should be a valid date...
    """
    with _gc_paused():
        rows, lines = read_rows(source, model, format=format)
        records, errors = _validate(rows, lines, model)
    result = LoadResult(records=records, errors=tuple(errors), rows_read=len(rows))
    if strict:
        name = _describe(source)
        if result.errors:
            msg = (
                f"{len(result.bad_rows)} of {len(rows)} {model.__name__} records in "
                f"{name} are invalid"
            )
            raise InvalidInputError(msg, result.errors)
        return result.records
    return result


def read_rows(
    source: Source, model: type[Record], *, format: FileFormat | None = None
) -> tuple[list[dict[str, object]], list[int | None]]:
    """Read raw rows (field -> value, unvalidated) and the line each starts on."""
    if not isinstance(source, (str, os.PathLike)):
        rows = [_as_row(item, index) for index, item in enumerate(source, start=1)]
        return rows, [None] * len(rows)
    path = Path(source)
    fmt = file_format(path, format)
    if not path.is_file():
        msg = f"no such file: {str(path)!r}"
        raise InvalidInputError(msg)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        if fmt == "csv":
            return _read_csv(handle, model, path.name)
        if fmt == "jsonl":
            return _read_jsonl(handle, path.name)
        return _read_json(handle.read(), path.name)


def _as_row(item: object, index: int) -> dict[str, object]:
    if not isinstance(item, Mapping):
        msg = (
            f"record {index} of the source is a {type(item).__name__}, not a mapping of "
            "field to value; pass dicts (or a file path)"
        )
        raise InvalidInputError(msg)
    return dict(item)


def _read_csv(
    handle: Iterable[str], model: type[Record], name: str
) -> tuple[list[dict[str, object]], list[int | None]]:
    header, cells, lines = _read_csv_cells(handle, model, name)
    width = len(header)
    rows: list[dict[str, object]] = []
    for row in cells:
        if len(row) > width:
            rows.append(_Unparsable(f"the row has {len(row)} cells, the header has {width}", row))
        else:
            # an empty (or blank) cell is "not given", as in load_table
            rows.append({k: v for k, v in zip(header, row) if v.strip()})
    return rows, lines


def _read_csv_cells(
    handle: Iterable[str], model: type[Record], name: str
) -> tuple[list[str], list[list[str]], list[int | None]]:
    reader = csv.reader(handle)
    header = [cell.strip() for cell in next(reader, [])]
    _check_header(header, model, name)
    rows: list[list[str]] = []
    lines: list[int | None] = []
    start = reader.line_num + 1
    for cells in reader:
        if cells:  # a blank line is not a record
            rows.append(cells)
            lines.append(start)
        start = reader.line_num + 1
    return header, rows, lines


def read_csv_columns(
    source: Source, model: type[Record], *, format: FileFormat | None = None
) -> tuple[dict[str, object], list[int | None]] | None:
    """The cells of a well-formed CSV file as columns of text, and each row's first line.

    Returns ``None`` when ``source`` is not a CSV file, or a row has more cells than the
    header (the record loader then reports it).
    """
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = Path(source)
    if (format or FILE_SUFFIXES.get(path.suffix.lower())) != "csv" or not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header, rows, lines = _read_csv_cells(handle, model, path.name)
    width = len(header)
    if any(len(row) > width for row in rows):
        return None
    padded = [row if len(row) == width else row + [""] * (width - len(row)) for row in rows]
    columns = list(zip(*padded)) if padded else [() for _ in header]
    cells: dict[str, object] = {
        name: np.array(values, dtype=str) for name, values in zip(header, columns)
    }
    return cells, lines


def _check_header(header: list[str], model: type[Record], name: str) -> None:
    fields = model.model_fields
    unknown = [col for col in header if col not in fields]
    missing = [f for f, info in fields.items() if info.is_required() and f not in header]
    dupes = sorted({col for col in header if header.count(col) > 1})
    problems = []
    if unknown:
        problems.append(f"unknown columns {unknown}")
    if missing:
        problems.append(f"missing required columns {missing}")
    if dupes:
        problems.append(f"repeated columns {dupes}")
    if problems:
        msg = (
            f"the header of {name} does not fit {model.__name__}: {'; '.join(problems)}. "
            f"Allowed columns: {list(fields)}"
        )
        raise InvalidInputError(msg)


def _read_jsonl(
    handle: Iterable[str], name: str
) -> tuple[list[dict[str, object]], list[int | None]]:
    rows: list[dict[str, object]] = []
    lines: list[int | None] = []
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            value = _Unparsable(f"not valid JSON ({exc.msg} at column {exc.colno})", text)
        rows.append(value if isinstance(value, dict) else _not_an_object(value, text))
        lines.append(number)
    return rows, lines


def _read_json(text: str, name: str) -> tuple[list[dict[str, object]], list[int | None]]:
    try:
        value = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        msg = f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise InvalidInputError(msg) from None
    if not isinstance(value, list):
        msg = f"{name} must hold a JSON array of objects, found a JSON {type(value).__name__}"
        raise InvalidInputError(msg)
    rows = [item if isinstance(item, dict) else _not_an_object(item, item) for item in value]
    return rows, [None] * len(rows)


class _Unparsable(dict[str, object]):
    """A row that could not be read; validation reports it instead of the fields."""

    def __init__(self, problem: str, raw: object) -> None:
        super().__init__()
        self.problem = problem
        self.raw = raw


def _not_an_object(value: object, raw: object) -> _Unparsable:
    return _Unparsable(f"expected a JSON object, got {type(value).__name__}", raw)


def _validate(
    rows: list[dict[str, object]], lines: list[int | None], model: type[M]
) -> tuple[list[M], list[RecordError]]:
    errors: list[RecordError] = []
    positions = []
    for index, row in enumerate(rows):
        if isinstance(row, _Unparsable):
            errors.append(
                RecordError(index + 1, None, row.raw, row.problem, "unparsable", lines[index])
            )
        else:
            positions.append(index)
    adapter = _list_adapter(model)
    candidates = [rows[i] for i in positions] if errors else rows
    try:
        records = adapter.validate_python(candidates)
    except ValidationError as exc:
        bad: set[int] = set()
        for detail in exc.errors():
            at = positions[int(detail["loc"][0])]
            bad.add(at)
            errors.append(_record_error(detail, rows[at], at, lines[at], model))
        positions = [i for i in positions if i not in bad]
        records = adapter.validate_python([rows[i] for i in positions])
    kept = _drop_duplicates(records, positions, lines, model, errors)
    errors.sort(key=lambda err: err.row)
    return kept, errors


@cache
def _list_adapter(model: type[M]) -> TypeAdapter[list[M]]:
    # ``list[model]`` built at run time; the cast tells the type checker what it is
    return TypeAdapter(cast("type[list[M]]", list.__class_getitem__(model)))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while validating many records.

    Validation creates millions of objects and no reference cycles; left on, the collector
    rescans them over and over and doubles the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _record_error(
    detail: ErrorDetails,
    row: Mapping[str, object],
    index: int,
    line: int | None,
    model: type[Record],
) -> RecordError:
    loc = detail["loc"][1:]
    ctx = detail.get("ctx") or {}
    name = ".".join(str(part) for part in loc) if loc else ctx.get("field")
    top = str(loc[0]) if loc else name
    if detail["type"] == "missing":
        value: object = None
        message = "required field is missing"
    elif detail["type"] == "extra_forbidden":
        value = detail["input"]
        message = f"unknown field; allowed fields: {', '.join(model.model_fields)}"
    else:
        value = row.get(top) if isinstance(top, str) else detail["input"]
        message = detail["msg"]
    return RecordError(
        row=index + 1,
        field=str(name) if name is not None else None,
        value=value,
        message=message,
        code=detail["type"],
        line=line,
        record_id=_rid(row, model),
    )


def _rid(row: Mapping[str, object], model: type[Record]) -> str | None:
    values = [row.get(key) for key in model.key_fields]
    if not values or any(v is None for v in values):
        return None
    if model.key_fields == ("id",):
        return str(values[0])
    return ", ".join(f"{k}={v}" for k, v in zip(model.key_fields, values))


def _drop_duplicates(
    records: list[M],
    positions: list[int],
    lines: list[int | None],
    model: type[M],
    errors: list[RecordError],
) -> list[M]:
    if not model.key_fields:  # records with no identity (usage events): none is a duplicate
        return records
    key_of = operator.attrgetter(*model.key_fields)
    keys: list[object] = [key_of(record) for record in records]
    first_row: dict[object, int] = {}
    for key, index in zip(keys, positions):
        first_row.setdefault(key, index)
    if len(first_row) == len(keys):
        return records
    kept: list[M] = []
    for record, key, index in zip(records, keys, positions):
        seen = first_row[key]
        if seen == index:
            kept.append(record)
            continue
        values = key if isinstance(key, tuple) else (key,)
        shown = ", ".join(f"{k}={v!s}" for k, v in zip(model.key_fields, values))
        errors.append(
            RecordError(
                row=index + 1,
                field=None,
                value=key,
                message=f"duplicate key ({shown}): first seen at row {seen + 1}",
                code="duplicate_key",
                line=lines[index],
                record_id=str(key) if len(values) == 1 else shown,
            )
        )
    return kept


def _describe(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return repr(str(source))
    return "the given records"
