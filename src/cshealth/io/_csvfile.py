"""A CSV file's header and cells for a model: as rows of field to text, or as columns.

`csv_rows` gives the rows `load` validates one record at a time (an empty cell is "not
given"); `csv_columns` gives the columns `load_table` converts at once, each a list of
text held compactly (`text_array`), so a file is read the same way on both paths. Both
check the header against the model first (`check_header`).
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth.io._csvread import csv_records
from cshealth.io._text import RowProblem, text_array
from cshealth.io._validate import Unparsable
from cshealth.models import Record

__all__ = ["Extra", "check_extra", "check_header", "csv_columns", "csv_rows"]

#: What a loader does with columns the model does not have: refuse them, or leave them out.
Extra = Literal["ignore", "forbid"]


def check_extra(extra: object) -> None:
    """Check an ``extra`` argument against `Extra`."""
    one_of(extra, Extra, "extra")


def csv_rows(
    lines: list[str], model: type[Record], name: str, extra: Extra
) -> tuple[list[dict[str, object]], list[int | None]]:
    header, keep, records, starts = _csv_cells(lines, model, name, extra)
    width = len(header)
    known = [(index, header[index]) for index in keep]
    every = len(keep) == width
    rows: list[dict[str, object]] = []
    for row in records:
        if isinstance(row, RowProblem):
            rows.append(Unparsable(row.message, row.value, row.code))
        elif len(row) > width:
            rows.append(Unparsable(f"the row has {len(row)} cells, the header has {width}", row))
        elif every:  # an empty (or blank) cell is "not given", as in load_table
            rows.append({k: v for k, v in zip(header, row) if v.strip()})
        else:
            rows.append({k: row[i] for i, k in known if i < len(row) and row[i].strip()})
    return rows, list(starts)


def _csv_cells(
    lines: list[str], model: type[Record], name: str, extra: Extra
) -> tuple[list[str], list[int], list[list[str] | RowProblem], list[int]]:
    """The header, the positions of its columns to keep, the records and their lines."""
    records, starts = csv_records(lines, name)
    del lines[:]  # the caller has no more use for them: free them before the columns
    first = records[0] if records else []
    if isinstance(first, RowProblem):
        msg = f"the header of {name} cannot be read (line {starts[0]}): {first.message}"
        raise InvalidInputError(msg)
    header = [cell.strip() for cell in first]
    check_header(header, model, name, extra)
    fields = model.model_fields
    keep = [index for index, column in enumerate(header) if column in fields]
    return header, keep, records[1:], starts[1:]


def csv_columns(
    lines: list[str], model: type[Record], name: str, extra: Extra, *, nul: bool = False
) -> tuple[dict[str, object], list[int | None]] | None:
    r"""The cells of a well-formed CSV file's lines as columns of text, and each row's line.

    A column is numpy text, or an object array when fixed-width text would not be compact
    (see `text_array`) or the file holds a NUL character (``nul``: fixed-width text would
    drop a trailing one, so ``"A-1\x00"`` would pass as ``"A-1"``). Returns ``None``
    when a row cannot be read or has more cells than the header (the record loader then
    reports it).
    """
    header, keep, rows, starts = _csv_cells(lines, model, name, extra)
    width = len(header)
    if any(type(row) is not list or len(row) > width for row in rows):
        return None
    columns = _transpose(cast("list[list[str]]", rows), width, keep)
    del rows
    cells: dict[str, object] = {}
    for index in keep:  # each list of cells let go once it is an array
        column = columns.pop(0)
        cells[header[index]] = _objects(column) if nul else text_array(column)
    return cells, list(starts)


def _objects(values: list[str]) -> np.ndarray[tuple[int], np.dtype[np.object_]]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _transpose(rows: list[list[str]], width: int, keep: list[int]) -> list[list[str]]:
    """The cells of ``rows`` by column (those of ``keep``), short rows padded with ``''``.

    A block of rows at a time, so that the transposition's tuples never take more memory
    than one block's worth.
    """
    columns: list[list[str]] = [[] for _ in keep]
    step = 4096
    for begin in range(0, len(rows), step):
        block = [
            row if len(row) == width else row + [""] * (width - len(row))
            for row in rows[begin : begin + step]
        ]
        by_column = list(zip(*block))
        for column, index in zip(columns, keep):
            column.extend(by_column[index])
    return columns


def check_header(header: list[str], model: type[Record], name: str, extra: Extra) -> None:
    fields = model.model_fields
    unknown = [col for col in header if col not in fields]
    missing = [f for f, info in fields.items() if info.is_required() and f not in header]
    counted = header if extra == "forbid" else [col for col in header if col in fields]
    dupes = sorted({col for col in counted if counted.count(col) > 1})
    problems = []
    if unknown and extra == "forbid":
        problems.append(f"unknown columns {unknown}")
    if missing:
        problems.append(f"missing required columns {missing}")
    if dupes:
        problems.append(f"repeated columns {dupes}")
    if problems:
        hint = " (or pass extra='ignore')" if unknown and extra == "forbid" else ""
        msg = (
            f"the header of {name} does not fit {model.__name__}: {'; '.join(problems)}. "
            f"Allowed columns: {list(fields)}{hint}"
        )
        raise InvalidInputError(msg)
