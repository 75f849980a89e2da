"""JSON Lines and JSON arrays read value by value, where one unreadable value is one bad row.

Python's ``json`` reader refuses a value nested deeper than its recursion limit
(``RecursionError``) and a whole number of more than 4,300 digits (``ValueError``). In a
JSON Lines file that is one line; in a JSON array it is one item, found by reading the
array item by item once the fast whole-file read has failed. Text that is not JSON at all
stays an error for the line (JSON Lines) or the whole file (a JSON array, whose later
items cannot be trusted).
"""

from __future__ import annotations

import json
import re

from cshealth._exceptions import InvalidInputError
from cshealth.io._text import RowProblem, shorten

__all__ = ["json_array", "json_lines"]

_SPACE = re.compile(r"[ \t\n\r]*")
#: A JSON string (skipped whole) or a bracket, to find where a nested value ends.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SCALAR = re.compile(r"[^,\]}\s]*")


def json_lines(lines: list[str]) -> tuple[list[object], list[int | None]]:
    """The value of each non-blank line (or a `RowProblem`) and its line number."""
    values: list[object] = []
    numbers: list[int | None] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            value: object = json.loads(text)
        except json.JSONDecodeError as exc:
            value = RowProblem(
                "unparsable", f"not valid JSON ({exc.msg} at column {exc.colno})", text
            )
        except (RecursionError, ValueError) as exc:
            value = _unreadable(exc, text)
        values.append(value)
        numbers.append(number)
    return values, numbers


def json_array(text: str, name: str) -> list[object]:
    """The items of the JSON array ``text``; an unreadable item is a `RowProblem`.

    Raises:
        InvalidInputError: If ``text`` is not JSON, or not an array.
    """
    if not text.strip():
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _not_json(name, exc) from None
    except (RecursionError, ValueError):
        return _items(text, name)
    if not isinstance(value, list):
        msg = f"{name} must hold a JSON array of objects, found a JSON {type(value).__name__}"
        raise InvalidInputError(msg)
    return value


def _items(text: str, name: str) -> list[object]:
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if not text.startswith("[", pos):
        msg = (
            f"{name} must hold a JSON array of objects; it holds one value nested too "
            "deeply (or with a number too long) to read"
        )
        raise InvalidInputError(msg)
    pos = _skip(text, pos + 1)
    items: list[object] = []
    while True:
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _not_json(name, exc) from None
        except (RecursionError, ValueError) as exc:
            end = _value_end(text, pos, name)
            item = _unreadable(exc, text[pos:end])
        items.append(item)
        pos = _skip(text, end)
        if text.startswith("]", pos):
            if _skip(text, pos + 1) != len(text):
                raise _not_json(name, json.JSONDecodeError("Extra data", text, pos + 1))
            break
        if not text.startswith(",", pos):
            raise _not_json(name, json.JSONDecodeError("Expecting ',' delimiter", text, pos))
        pos = _skip(text, pos + 1)
    return items


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _value_end(text: str, pos: int, name: str) -> int:
    """Where the value starting at ``pos`` ends: its brackets balance, strings skipped."""
    if text[pos] not in "[{":
        match = _SCALAR.match(text, pos)
        return match.end() if match else pos
    depth = 0
    for token in _TOKEN.finditer(text, pos):
        mark = text[token.start()]
        if mark in "[{":
            depth += 1
        elif mark in "]}":
            depth -= 1
            if depth == 0:
                return token.end()
    raise _not_json(name, json.JSONDecodeError("Unterminated array or object", text, pos))


def _unreadable(exc: Exception, text: str) -> RowProblem:
    if isinstance(exc, RecursionError):
        message = "JSON nested too deeply to read (deeper than Python's recursion limit)"
        return RowProblem("json_too_deep", message, shorten(text))
    reason = str(exc).split(";")[0]
    message = f"a number too long to read ({reason})"
    return RowProblem("json_number_too_long", message, shorten(text))


def _not_json(name: str, exc: json.JSONDecodeError) -> InvalidInputError:
    msg = f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    return InvalidInputError(msg)
