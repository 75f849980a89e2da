"""Loading records from CSV, JSON Lines, JSON and Python iterables, with full error reports."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar, overload

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError, RecordError
from cshealth.io._arguments import check_model, check_source
from cshealth.io._csvfile import Extra, check_extra, csv_columns, csv_rows
from cshealth.io._jsonread import json_array, json_lines
from cshealth.io._text import check_encoding, read_text, split_lines
from cshealth.io._time import assumed_timezone, localized_rows
from cshealth.io._validate import Unparsable, _gc_paused, not_an_object, validate_rows
from cshealth.models import Record

__all__ = [
    "FILE_SUFFIXES",
    "Extra",
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
    one_of(format, FileFormat | None, "format")
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
    extra: Extra = ...,
    encoding: str = ...,
    assume_timezone: str | None = ...,
) -> list[M]: ...
@overload
def load(
    source: Source,
    model: type[M],
    *,
    strict: Literal[False],
    format: FileFormat | None = ...,
    extra: Extra = ...,
    encoding: str = ...,
    assume_timezone: str | None = ...,
) -> LoadResult[M]: ...
def load(
    source: Source,
    model: type[M],
    *,
    strict: bool = True,
    format: FileFormat | None = None,
    extra: Extra = "forbid",
    encoding: str = "utf-8",
    assume_timezone: str | None = None,
) -> list[M] | LoadResult[M]:
    """Read and validate records of one model from a file or an iterable of mappings.

    Every record is validated in full (types, ranges, time zones, cross-field rules) and
    key fields must be unique (``id``, or ``(account_id, day)`` for usage). In CSV files an
    empty (or blank) cell means "not given", and mapping fields (``traits``,
    ``feature_events``) are JSON objects. In records given as mappings, ``None`` and
    pandas' ``NaT`` mean "not given".

    Every row of a file ends as a record or a reported bad row: a CSV quoted field that is
    never closed is reported at the line its row starts on (the lines after it are read
    as rows of their own), as is text after a closing quote; a JSON value nested too
    deeply or a number too long to read is one bad row. CSV cells of any length are read.

    Args:
        source: A path to a ``.csv``, ``.jsonl``/``.ndjson`` or ``.json`` (an array of
            objects) file, or an iterable of mappings such as a list of dicts.
        model: The record model, e.g. `SurveyResponse`.
        strict: ``True`` (the default) returns the records or raises; ``False`` returns a
            `LoadResult` with the valid records and every error.
        format: ``{'csv', 'jsonl', 'json'}``; inferred from the file suffix when ``None``.
        extra: ``{'forbid', 'ignore'}``: what to do with columns (CSV) or keys (JSON,
            mappings) the model does not have. ``'forbid'`` (the default) refuses a CSV
            header naming one and reports each record holding one; ``'ignore'`` leaves
            them out, for exports with more columns than the model.
        encoding: The text encoding of a file (any name Python knows, e.g. ``'cp1252'``,
            ``'latin-1'``, ``'utf-16'``). With ``'utf-8'`` (the default) a leading
            byte-order mark is dropped, as with ``'utf-8-sig'``.
        assume_timezone: ``None`` (the default) refuses timestamps in text without a
            time zone; an IANA zone name (``'UTC'``, ``'Europe/Berlin'``) reads them as
            wall-clock time in that zone, for exports that drop the offset (a SQL
            ``2022-01-21 00:00:00``). Text with an offset keeps its own.

    Returns:
        The records in input order (``strict=True``), or a `LoadResult`.

    Raises:
        InvalidInputError: With ``strict=True``, if any record is invalid: ``errors`` lists
            every problem with its row, line, field, value and message. In either mode, if
            the file cannot be read, holds bytes that are not valid in ``encoding`` (the
            error names the line and byte offset), cannot be read as the format, or its
            header names unknown columns (with ``extra='forbid'``) or lacks required ones.

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

        An export with more columns than the model:

        >>> rows = [{"id": "A-3", "name": "Cora", "start_date": "2024-03-01", "region": "EU"}]
        >>> [a.id for a in load(rows, Account, extra="ignore")]
        ['A-3']
    """
    check_source(source)
    check_model(model)
    with _gc_paused(), assumed_timezone(assume_timezone):
        rows, lines = read_rows(source, model, format=format, extra=extra, encoding=encoding)
        records, errors = validate_rows(localized_rows(rows, model), lines, model)
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
    source: Source,
    model: type[Record],
    *,
    format: FileFormat | None = None,
    extra: Extra = "forbid",
    encoding: str = "utf-8",
) -> tuple[list[dict[str, object]], list[int | None]]:
    """Read raw rows (field -> value, unvalidated) and the line each starts on."""
    check_extra(extra)
    if not isinstance(source, (str, os.PathLike)):
        nat = getattr(sys.modules.get("pandas"), "NaT", None)
        rows = [_as_row(item, index, nat) for index, item in enumerate(source, start=1)]
        lines: list[int | None] = [None] * len(rows)
    else:
        path = _file(source, format, encoding)
        fmt = file_format(path, format)
        if fmt == "csv":  # the text is let go once split into lines
            return csv_rows(split_lines(read_text(path, encoding)), model, path.name, extra)
        text = read_text(path, encoding)
        if fmt == "jsonl":
            values, lines = json_lines(split_lines(text))
        else:
            values = json_array(text, path.name)
            lines = [None] * len(values)
        del text
        rows = [item if type(item) is dict else not_an_object(item) for item in values]
    if extra == "ignore":
        fields = model.model_fields
        rows = [_known(row, fields) for row in rows]
    return rows, lines


def _file(source: str | os.PathLike[str], format: FileFormat | None, encoding: str) -> Path:
    path = Path(source)
    file_format(path, format)
    check_encoding(encoding)
    if not path.is_file():
        msg = f"no such file: {str(path)!r}"
        raise InvalidInputError(msg)
    return path


def _known(row: dict[str, object], fields: Mapping[str, object]) -> dict[str, object]:
    if isinstance(row, Unparsable) or all(key in fields for key in row):
        return row
    return {key: value for key, value in row.items() if key in fields}


def _as_row(item: object, index: int, nat: object) -> dict[str, object]:
    if not isinstance(item, Mapping):
        msg = (
            f"record {index} of the source is a {type(item).__name__}, not a mapping of "
            "field to value; pass dicts (or a file path)"
        )
        raise InvalidInputError(msg)
    row = dict(item)
    if nat is not None and any(value is nat for value in row.values()):
        return {key: value for key, value in row.items() if value is not nat}  # not given
    return row


def read_csv_columns(
    source: Source,
    model: type[Record],
    *,
    format: FileFormat | None = None,
    extra: Extra = "forbid",
    encoding: str = "utf-8",
) -> tuple[dict[str, object], list[int | None]] | None:
    """The cells of a well-formed CSV file as columns of text, and each row's first line.

    Returns ``None`` when ``source`` is not a CSV file, or a row cannot be read or has
    more cells than the header (the record loader then reports it); see `csv_columns`.
    """
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = Path(source)
    if (format or FILE_SUFFIXES.get(path.suffix.lower())) != "csv" or not path.is_file():
        return None
    check_extra(extra)
    text = read_text(path, encoding)
    nul = "\x00" in text  # fixed-width text would drop a trailing NUL
    return csv_columns(split_lines(text), model, path.name, extra, nul=nul)


def _describe(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return repr(str(source))
    return "the given records"
