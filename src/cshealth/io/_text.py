"""A file's bytes to text in its declared encoding, its lines, and text held compactly.

A file is decoded whole, so that a byte that is not valid in the encoding is reported
with the file, its line and its byte offset rather than as a bare ``UnicodeDecodeError``
from somewhere inside a stream. Columns of text are held as fixed-width numpy text only
when that is compact: one very long cell would otherwise make every row of its column as
wide as it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError

__all__ = [
    "RowProblem",
    "check_encoding",
    "read_text",
    "shorten",
    "split_lines",
    "text_array",
]

#: Line breaks of ``str.splitlines`` that are not line breaks in CSV or JSON Lines files.
_ODD_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
#: One line with its break (``\r\n``, ``\r`` or ``\n``), or a last line without one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BREAK = re.compile(r"\r\n|\r|\n")
#: A fixed-width text column may take this many characters a row beyond its own text.
_SLACK = 16
#: Longest text shown of a bad value in an error report.
_SHOWN = 120


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read as its file's format: a code, why, and what it held."""

    code: str
    message: str
    value: object


def check_encoding(encoding: object) -> str:
    """The codec to decode a file with: ``'utf-8'`` also drops a leading byte-order mark.

    Raises:
        InvalidInputError: If ``encoding`` is not the name of a text encoding.
    """
    try:
        info = codecs.lookup(encoding) if isinstance(encoding, str) else None
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        msg = (
            f"`encoding` = {encoding!r} is not a text encoding Python knows; pass the "
            "file's encoding, e.g. 'utf-8' (the default), 'utf-16', 'cp1252' or 'latin-1'"
        )
        raise InvalidInputError(msg)
    return "utf-8-sig" if info.name == "utf-8" else info.name


def read_text(path: Path, encoding: str) -> str:
    """The whole text of ``path`` decoded with ``encoding``.

    Raises:
        InvalidInputError: If the file cannot be read, or holds bytes that are not valid
            in the encoding (naming the file, line, column and byte offset).
    """
    codec = check_encoding(encoding)
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"cannot read {str(path)!r}: {exc.strerror or exc}"
        raise InvalidInputError(msg) from None
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InvalidInputError(_decode_message(path, data, exc, encoding, codec)) from None


def _decode_message(
    path: Path, data: bytes, exc: UnicodeDecodeError, encoding: str, codec: str
) -> str:
    start = exc.start
    if codec == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
        start += len(codecs.BOM_UTF8)  # the codec counts from after the mark
    before = data[:start].decode(codec, errors="replace")
    breaks = list(_BREAK.finditer(before))
    column = len(before) - (breaks[-1].end() if breaks else 0) + 1
    bad = data[start : start + max(exc.end - exc.start, 1)]
    return (
        f"{str(path)!r} is not valid {encoding} text: line {len(breaks) + 1}, column "
        f"{column} (byte offset {start}) holds the bytes {bad!r} ({exc.reason}); pass "
        "the file's `encoding`, e.g. encoding='cp1252' or 'latin-1' for Windows exports"
    )


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` with their breaks, split as ``open(newline='')`` splits them."""
    if any(mark in text for mark in _ODD_BREAKS):
        return _LINE.findall(text)
    return text.splitlines(keepends=True)


def text_array(values: Sequence[object]) -> Sequence[object] | NDArray[np.generic]:
    """A column of text as numpy text when that is compact, else as an object array.

    Numpy ``str`` arrays are fixed width (every cell as wide as the longest), which the
    fast converters want. When one long cell would make that array far larger than the
    text itself (a 100,000-character cell in a 50,000-row column is 20 GB), the column is
    an object array instead and is converted value by value: slower, but in memory
    proportional to the text. Values that are not all text are returned as they are.
    """
    if not values or set(map(type, values)) != {str}:
        return values
    lengths = list(map(len, cast("Sequence[str]", values)))
    if max(lengths) * len(values) <= 2 * sum(lengths) + _SLACK * len(values):
        return np.array(values, dtype=str)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def shorten(text: str) -> str:
    """``text`` itself, or its start and length when it is too long to show in a report."""
    if len(text) <= _SHOWN:
        return text
    return f"{text[:_SHOWN]}... ({len(text):,} characters)"
