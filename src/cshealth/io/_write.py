"""Writing tables and records to CSV and JSON Lines files that `load()` reads back."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from cshealth._exceptions import InvalidInputError
from cshealth.io._arguments import check_data, check_path
from cshealth.io._columns import to_columns
from cshealth.io._load import FileFormat, file_format
from cshealth.io._table import Table
from cshealth.models import Record

__all__ = ["write"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write(
    data: Table | Iterable[Record],
    path: str | os.PathLike[str],
    *,
    format: FileFormat | None = None,
    escape_formulas: bool = True,
) -> Path:
    r"""Write a table or records to a CSV, JSON Lines or JSON file.

    The file reads back with `load()` (or `load_table()`) to the same records:
    missing values are empty cells (CSV) or ``null`` (JSON), dates are ISO 8601, instants
    ISO 8601 in UTC with a ``Z``, and mapping fields JSON objects.

    A CSV file is safe to open in a spreadsheet: a text cell that begins with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return would be run as a formula there (CSV
    injection), so it is written with a leading ``'`` (OWASP's advice), e.g. ``'=1+1``.
    Only text fields are escaped: a number such as ``-5`` in a numeric field is written
    as it is, but the text ``-5`` in a text field is escaped. Escaped text reads back with
    its ``'``; pass ``escape_formulas=False`` for a file that only programs read, which
    then reads back exactly.

    Args:
        data: A `Table`, or records of one model.
        path: Where to write; the format follows the suffix unless ``format`` is given.
        format: ``{'csv', 'jsonl', 'json'}``.
        escape_formulas: Whether to escape CSV text cells that a spreadsheet would run
            as formulas (``True``, the default); JSON is never escaped.

    Returns:
        The path written.

    Raises:
        InvalidInputError: If ``data`` is columns rather than a `Table` or records, or
            a text value holds a lone surrogate (a half of a UTF-16 pair, such as
            ``'\ud800'``), which no UTF-8 file can hold; nothing is written then.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from cshealth import RevenueChange, load
        >>> changes = [RevenueChange(account_id="A1", effective_on=date(2025, 1, 1), mrr=99.0)]
        >>> path = write(changes, pathlib.Path(tempfile.mkdtemp()) / "revenue_changes.csv")
        >>> load(path, RevenueChange) == changes
        True

        Text a spreadsheet would run is escaped, unless asked not to:

        >>> from cshealth import Account
        >>> accounts = [Account(id="A1", name="=HYPERLINK(0)", start_date=date(2025, 1, 1))]
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> load(write(accounts, folder / "accounts.csv"), Account)[0].name
        "'=HYPERLINK(0)"
        >>> load(write(accounts, folder / "raw.csv", escape_formulas=False), Account)[0].name
        '=HYPERLINK(0)'
    """
    check_data(data, "data")
    check_path(path)
    if not isinstance(data, Table) and (isinstance(data, Mapping) or hasattr(data, "columns")):
        msg = (
            f"`data` must be a Table or records of one model, got {type(data).__name__}; "
            "convert columns first: write(to_columns(data, Model), path)"
        )
        raise InvalidInputError(msg)
    if not isinstance(data, Table):
        records = list(data)
        if not records:
            msg = (
                "`data` holds no records, so nothing tells their model; write an empty table "
                "as write(to_columns([], Model), path)"
            )
            raise InvalidInputError(msg)
        data = to_columns(records)
    table = data
    target = Path(path)
    fmt = file_format(target, format)
    columns = table.to_dict()
    _check_surrogates(columns)
    if fmt == "csv" and escape_formulas:
        columns = {name: _escaped(values) for name, values in columns.items()}
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


def _escaped(values: list[object]) -> list[object]:
    """The values, each text value a spreadsheet would run as a formula behind a ``'``."""
    if not any(type(v) is str and v.startswith(_FORMULA_STARTS) for v in values):
        return values
    return ["'" + v if type(v) is str and v.startswith(_FORMULA_STARTS) else v for v in values]


def _check_surrogates(columns: dict[str, list[object]]) -> None:
    for name, values in columns.items():
        texts = [v if type(v) is str else "" for v in values]
        try:
            "".join(texts).encode("utf-8")
        except UnicodeEncodeError:
            row = next(i for i, t in enumerate(texts) if not _encodable(t))
            msg = (
                f"row {row + 1}, field `{name}` = {texts[row]!r} holds a lone surrogate (half "
                "of a UTF-16 pair), which a UTF-8 file cannot hold; remove or replace it, "
                "e.g. text.encode('utf-8', 'replace').decode()"
            )
            raise InvalidInputError(msg) from None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
