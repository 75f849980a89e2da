"""CSV records and the line each starts on, where broken quoting is a bad row, never lost rows.

Python's ``csv`` reader, left to itself, lets a quoted field that is never closed run to
the end of the file: every later row silently becomes part of one cell. Here the reader
is strict about quoting, and a record it cannot read (a quote never closed, text after a
closing quote) is kept as a `RowProblem` at the line it starts on; reading resumes on the
next line, so every row of the file ends as a record or a reported problem, even the
lines a broken quoted field ran over. Cells of any length are read: the reader's field size
limit (131,072 characters, a process-wide setting) is raised to the size of the file
while cshealth reads it, and put back afterwards.
"""

from __future__ import annotations

import csv
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cshealth._exceptions import InvalidInputError
from cshealth.io._text import RowProblem, shorten

__all__ = ["csv_records"]

#: Quoted fields running to the end of the file after which a file is refused as not CSV:
#: each one makes the reader read the rest of the file again.
_MAX_RUNAWAY_QUOTES = 10


def csv_records(lines: list[str], name: str) -> tuple[list[list[str] | RowProblem], list[int]]:
    """Every non-blank record of a CSV file's lines (the header first), and where each starts.

    Raises:
        InvalidInputError: If more than a few quoted fields run to the end of the file.
    """
    with _field_limit(sum(map(len, lines)) + 1):
        return _records(lines, name)


def _records(lines: list[str], name: str) -> tuple[list[list[str] | RowProblem], list[int]]:
    records: list[list[str] | RowProblem] = []
    starts: list[int] = []
    start = 0  # index of the line the current reader began on
    runaways: list[int] = []
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), strict=True)
        begin = start  # index of the line the next record starts on
        try:
            for cells in reader:
                if cells:  # a blank line is not a record
                    records.append(cells)
                    starts.append(begin + 1)
                begin = start + reader.line_num
            break
        except csv.Error as exc:
            problem = _problem(exc, lines[begin], begin + 1)
            records.append(problem)
            starts.append(begin + 1)
            if problem.code == "unterminated_quote":
                runaways.append(begin + 1)
                if len(runaways) > _MAX_RUNAWAY_QUOTES:
                    _refuse(name, runaways)
            start = begin + 1  # any lines its quoted field swallowed are rows of their own
    return records, starts


def _problem(exc: csv.Error, line: str, number: int) -> RowProblem:
    reason = str(exc)
    text = shorten(line.rstrip("\r\n"))
    if reason == "unexpected end of data":
        message = (
            f"a quoted field of the row starting on line {number} is never closed (its "
            "closing quote is missing), so it would run to the end of the file; the "
            f"lines after line {number} are read as rows of their own"
        )
        return RowProblem("unterminated_quote", message, text)
    if "expected after" in reason:
        message = (
            f"text follows the closing quote of a quoted field ({reason}); a quote inside "
            'a quoted field is written twice ("")'
        )
        return RowProblem("csv_quoting", message, text)
    return RowProblem("csv_syntax", f"not valid CSV ({reason})", text)


def _refuse(name: str, lines: list[int]) -> None:
    msg = (
        f"{name} is not CSV that can be read row by row: {len(lines)} quoted fields run to "
        f"the end of the file (opening on lines {lines}); check its quoting and delimiter"
    )
    raise InvalidInputError(msg)


class _Limit:
    """The csv module's field size limit, raised while any cshealth read needs it."""

    lock = threading.Lock()
    users = 0
    saved = 0


@contextmanager
def _field_limit(size: int) -> Iterator[None]:
    with _Limit.lock:
        if _Limit.users == 0:
            _Limit.saved = csv.field_size_limit()
        _Limit.users += 1
        csv.field_size_limit(max(csv.field_size_limit(), size))
    try:
        yield
    finally:
        with _Limit.lock:
            _Limit.users -= 1
            if _Limit.users == 0:
                csv.field_size_limit(_Limit.saved)
