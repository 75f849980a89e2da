"""Writing tables and records to CSV and JSON Lines files that `load()` reads back."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path

from cshealth.io._columns import to_columns
from cshealth.io._load import FileFormat, file_format
from cshealth.io._table import Table
from cshealth.models import Record

__all__ = ["write"]


def write(
    data: Table | Iterable[Record],
    path: str | os.PathLike[str],
    *,
    format: FileFormat | None = None,
) -> Path:
    """Write a table or records to a CSV, JSON Lines or JSON file.

    The file reads back with `load()` (or `load_table()`) to the same records:
    missing values are empty cells (CSV) or ``null`` (JSON), dates are ISO 8601, instants
    ISO 8601 in UTC with a ``Z``, and mapping fields JSON objects.

    Args:
        data: A `Table`, or records of one model.
        path: Where to write; the format follows the suffix unless ``format`` is given.
        format: ``{'csv', 'jsonl', 'json'}``.

    Returns:
        The path written.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from cshealth import RevenueChange, load
        >>> changes = [RevenueChange(account_id="A1", effective_on=date(2025, 1, 1), mrr=99.0)]
        >>> path = write(changes, pathlib.Path(tempfile.mkdtemp()) / "revenue_changes.csv")
        >>> load(path, RevenueChange) == changes
        True
    """
    table = data if isinstance(data, Table) else to_columns(data)
    target = Path(path)
    fmt = file_format(target, format)
    columns = table.to_dict()
    names = list(columns)
    rows = zip(*(columns[name] for name in names))
    with target.open("w", newline="", encoding="utf-8") as handle:
        if fmt == "csv":
            writer = csv.writer(handle)
            writer.writerow(names)
            writer.writerows([_cell(v) for v in row] for row in rows)
        elif fmt == "jsonl":
            handle.writelines(json.dumps(_record(names, row)) + "\n" for row in rows)
        else:
            json.dump([_record(names, row) for row in rows], handle, indent=1)
    return target


def _record(names: list[str], row: tuple[object, ...]) -> dict[str, object]:
    return {name: value for name, value in zip(names, row) if value is not None}


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value) if value else ""
    return value
