"""The one rule for numbers, dates, instants and text given as values, for models and columns.

Records (`cshealth.load`, validated by the models) and columns (`cshealth.io.to_columns`,
`cshealth.io.load_table`) accept and refuse exactly the same values because both read a
value by the rules here (identifiers have theirs in `cshealth._ids`):

* a number given as text is ASCII decimal: an optional sign, digits, an optional fraction
  and, for a real number, an optional exponent (``"12"``, ``"-0.5"``, ``"1e3"``). Full-width
  digits (``"１２"``), digit separators (``"1_000"``) and hexadecimal are not numbers. A
  whole number (a count, a score) is written in digits, with at most a zero fraction
  (``"12"``, ``"12.0"``; not ``"1e3"``, ``"12."`` or ``".5"``);
* a whole number is below ``2**53`` in magnitude, where every whole number is exact as a
  float (``2**53 + 1`` would silently become ``2**53``);
* a date in text is ``YYYY-MM-DD``; an instant ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` with an
  offset or ``Z``. A number is never a date or an instant (no Unix time);
* text holds no NUL character and no lone surrogate: neither survives a file or numpy's
  fixed-width text, so two different values could silently become one.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np

__all__ = [
    "BAD_TEXT",
    "DATE_TEXT",
    "INSTANT_TEXT",
    "MAX_WHOLE",
    "ScalarProblem",
    "read_instant",
    "read_number",
    "text_problem",
]

#: Whole numbers must be below this in magnitude (beyond it a float is not exact).
MAX_WHOLE = 2**53
#: Characters no text value may hold: NUL and the lone surrogates.
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
#: The one text form of a date.
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: The text forms of an instant (the offset is checked by the reader).
INSTANT_TEXT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt _]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]+))?)?"
    r"(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?"
)
_REAL_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WHOLE_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_NOT_FINITE_TEXT = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)


class ScalarProblem(NamedTuple):
    """Why a value is refused: a stable code and a readable message."""

    code: str
    message: str


NOT_NUMBER = ScalarProblem(
    "number_parsing", "expected a number in ASCII digits, such as 12, -0.5 or 1e3"
)
NOT_DIGITS = ScalarProblem(
    "number_parsing",
    "expected a number: a whole number in ASCII digits, such as 12 (not 1e3 or 12.)",
)
NOT_WHOLE = ScalarProblem("int_from_float", "expected a whole number")
NOT_FINITE = ScalarProblem("finite_number", "expected a finite number, not infinity")
NAN_TEXT = ScalarProblem(
    "finite_number", "expected a finite number, not NaN (leave the cell empty when missing)"
)
TOO_LARGE = ScalarProblem(
    "int_too_large",
    "expected a whole number of magnitude at most 2**53 - 1 (beyond it a number is not "
    "exact); give such values as text",
)
BAD_CHARACTER = ScalarProblem(
    "text_character", "text must not hold a NUL character or a lone surrogate"
)
NOT_INSTANT = ScalarProblem(
    "datetime_parsing", "expected a timestamp with a time zone, e.g. 2025-03-31T09:30:00Z"
)
NAIVE = ScalarProblem(
    "naive_datetime",
    "timestamp has no time zone: give an offset, e.g. '2025-01-31T09:30:00Z' (in Python, "
    "tzinfo=timezone.utc); numpy datetime64 values are read as UTC",
)


def read_number(value: object, *, whole: bool) -> float | ScalarProblem | None:
    """``value`` (text or a number) as a float by the rule, ``None`` if NaN, or why not.

    Examples:
        >>> read_number(" 1e3 ", whole=False), read_number("12.0", whole=True)
        (1000.0, 12.0)
        >>> read_number("1e3", whole=True).code, read_number(2**53 + 1, whole=True).code
        ('number_parsing', 'int_too_large')
        >>> read_number("１２", whole=False).code
        'number_parsing'
    """
    if isinstance(value, str):
        text = value.strip()
        if (_WHOLE_TEXT if whole else _REAL_TEXT).fullmatch(text):
            return _checked(float(text), whole)
        if _NOT_FINITE_TEXT.fullmatch(text):
            return NAN_TEXT if text[-1] in "nN" else NOT_FINITE
        return NOT_DIGITS if whole else NOT_NUMBER
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, np.integer)):
        if whole and abs(int(value)) >= MAX_WHOLE:
            return TOO_LARGE
        try:
            return float(value)
        except OverflowError:  # an int beyond the float range
            return NOT_FINITE
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return None if math.isnan(number) else _checked(number, whole)
    return NOT_NUMBER


def read_instant(text: str, *, assume_timezone: str | None = None) -> datetime | ScalarProblem:
    """An instant written as text (`INSTANT_TEXT`) as an aware ``datetime``, or why not.

    Text without ``Z`` or an offset is `NAIVE`, unless ``assume_timezone`` (an IANA zone,
    already checked) says whose wall clock it is.

    Examples:
        >>> read_instant("2025-03-31T09:30:00Z")
        datetime.datetime(2025, 3, 31, 9, 30, tzinfo=datetime.timezone.utc)
        >>> read_instant("2025-03-31T09:30").code, read_instant("2025-03-31").code
        ('naive_datetime', 'datetime_parsing')
        >>> read_instant("2025-03-31T09:30", assume_timezone="Europe/Berlin").utcoffset()
        datetime.timedelta(seconds=7200)
    """
    match = INSTANT_TEXT.fullmatch(text)
    if match is None:
        return NOT_INSTANT
    year, month, day, hour, minute, second, fraction, utc, sign, off_h, off_m = match.groups()
    if utc is None and sign is None and assume_timezone is None:
        return NAIVE
    try:
        zone: timezone | ZoneInfo = (
            timezone.utc if assume_timezone is None else ZoneInfo(assume_timezone)
        )
        if utc is not None:
            zone = timezone.utc
        elif sign is not None:
            if int(off_m) > 59:
                return NOT_INSTANT
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            zone = timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        parts = (int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        return datetime(*parts, micro, tzinfo=zone)
    except ValueError:
        return NOT_INSTANT


def _checked(number: float, whole: bool) -> float | ScalarProblem:
    if not math.isfinite(number):
        return NOT_FINITE
    if whole and number != math.floor(number):
        return NOT_WHOLE
    if whole and abs(number) >= MAX_WHOLE:
        return TOO_LARGE
    return number


def text_problem(value: str) -> ScalarProblem | None:
    r"""Why text is refused (a NUL character or a lone surrogate), or ``None``.

    Examples:
        >>> text_problem("A-1"), text_problem("A-1\x00").code
        (None, 'text_character')
    """
    return BAD_CHARACTER if BAD_TEXT.search(value) else None
