"""The annotated field types every cshealth record is built from, and their validators.

Each type is a plain Python type with the validators that read it by the one rule of
the package: `Identifier` by `cshealth._ids` (text, or a whole number kept as a number),
numbers by `cshealth._scalars` (exact whole numbers, real numbers from ASCII text),
`Day` and `Instant` refusing numbers (never read as Unix time) and naive timestamps.
The columnar readers of `cshealth.io` read the same annotations, so a record and a
column of a million rows follow one rule. Other packages import these types from the
models' front door, `cshealth.models._base`.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from cshealth._ids import MAX_ID_LENGTH, IdProblem, normalise_id
from cshealth._scalars import (
    DATE_TEXT,
    INSTANT_TEXT,
    MAX_WHOLE,
    ScalarProblem,
    read_number,
    text_problem,
)

__all__ = [
    "IDENTIFIER",
    "Count",
    "Day",
    "Identifier",
    "Instant",
    "Label",
    "Money",
    "NonNegative",
    "Share",
    "Text",
    "Whole",
]


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "naive_datetime",
            "timestamp {value} has no time zone: give an offset, e.g. "
            "'2025-01-31T09:30:00Z' or '2025-01-31T10:30:00+01:00' (in Python, "
            "datetime(..., tzinfo=timezone.utc))",
            {"value": value.isoformat()},
        )
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00, in year 10000 in UTC
        raise PydanticCustomError(
            "datetime_out_of_range",
            "timestamp {value} is outside years 1..9999 in UTC",
            {"value": value.isoformat()},
        ) from None


def _refuse(problem: ScalarProblem) -> PydanticCustomError:
    return PydanticCustomError(problem.code, problem.message)


def _text(value: object) -> object:
    """Text as it is (refusing NUL and lone surrogates), a whole number as its text."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise _refuse(problem)
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    raise PydanticCustomError(
        "text_type",
        "expected text (or a whole number, kept as its text), got {kind}",
        {"kind": type(value).__name__},
    )


_TEXT = BeforeValidator(_text)
#: Text. Whole numbers are kept as their text (``17`` -> ``"17"``); other numbers, flags
#: and bytes are refused, as are NUL characters and lone surrogates.
Text = Annotated[str, _TEXT]


def _identifier(value: object) -> int | str:
    found = normalise_id(value)
    if found is None:
        raise PydanticCustomError(
            "missing", "an identifier is required: got {value}", {"value": repr(value)}
        )
    if isinstance(found, IdProblem):
        raise PydanticCustomError(found.code, found.message)
    return found


#: The validator that marks a field as an identifier (the column readers look for it).
IDENTIFIER = BeforeValidator(_identifier)
#: An identifier: text, or a whole number kept as a number (``17`` stays ``17``, ``"17"``
#: stays ``"17"``), by the one rule of `cshealth._ids` that the columns follow too.
Identifier = Annotated[
    int | str,
    IDENTIFIER,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH},
                {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
            ]
        }
    ),
]


def _whole(value: object) -> object:
    """A whole number by the rule of `cshealth._scalars` (exact: below ``2**53``)."""
    if isinstance(value, str):
        if value.isdigit() and value.isascii() and len(value) < 16:
            return value  # plain digits (the usual CSV cell): pydantic reads them exactly
    elif type(value) is int and -MAX_WHOLE < value < MAX_WHOLE:
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, float, np.number)):
        return value  # flags and other types: pydantic's own rules and messages
    found = read_number(value, whole=True)
    if isinstance(found, ScalarProblem):
        raise _refuse(found)
    return value if found is None else int(found)


def _real(value: object) -> object:
    """A real number by the rule of `cshealth._scalars` (text in ASCII digits)."""
    if isinstance(value, str):
        if value.isdigit() and value.isascii():
            return value  # plain digits (the usual CSV cell)
    elif type(value) is float or isinstance(value, bool):
        return value
    if not isinstance(value, (str, int, np.number)) or isinstance(value, np.bool_):
        return value
    found = read_number(value, whole=False)
    if isinstance(found, ScalarProblem):
        raise _refuse(found)
    return value if found is None else found


def _day(value: object) -> object:
    """Refuse numbers (Unix time) and text other than ``YYYY-MM-DD``; read ``datetime64``."""
    if isinstance(value, str):
        if not DATE_TEXT.fullmatch(value):
            raise PydanticCustomError(
                "date_parsing",
                "expected a calendar date such as 2025-03-31, got {value}",
                {"value": repr(value)},
            )
        return value
    if isinstance(value, np.datetime64):
        day = value.astype("datetime64[D]")
        if day != value:
            raise PydanticCustomError(
                "date_with_time", "expected a date, got a timestamp with a time of day"
            )
        value = day.item()
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        raise PydanticCustomError(
            "date_parsing",
            "expected a calendar date such as 2025-03-31, got the number {value} (a "
            "number is never read as a date)",
            {"value": repr(value)},
        )
    return value


def _instant(value: object) -> object:
    """Refuse numbers (Unix time) and text not shaped as an instant; read ``datetime64``."""
    if isinstance(value, str):
        if not INSTANT_TEXT.fullmatch(value):
            raise PydanticCustomError(
                "datetime_parsing",
                "expected a timestamp with a time zone, e.g. 2025-03-31T09:30:00Z, got {value}",
                {"value": repr(value)},
            )
        return value
    if isinstance(value, np.datetime64):
        moment = value.astype("datetime64[us]").item()  # an int when outside years 1..9999
        if not isinstance(moment, datetime):
            raise PydanticCustomError(
                "datetime_out_of_range",
                "timestamp {value} is outside years 1..9999",
                {"value": str(value)},
            )
        return moment.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        raise PydanticCustomError(
            "datetime_parsing",
            "expected a timestamp with a time zone, e.g. 2025-03-31T09:30:00Z, got the "
            "number {value} (a number is never read as Unix time)",
            {"value": repr(value)},
        )
    return value


#: A non-empty label (a channel, a feature name).
Label = Annotated[str, Field(min_length=1, max_length=512), _TEXT]
#: A timezone-aware instant, stored in UTC (the same instant as given, so the columnar
#: form round-trips exactly); naive datetimes are rejected with a hint, numbers (Unix
#: time) are refused, numpy ``datetime64`` is read as UTC.
Instant = Annotated[datetime, BeforeValidator(_instant), AfterValidator(_require_aware)]
#: A calendar date: ``YYYY-MM-DD`` text, a ``date``, or a ``datetime64`` day; a number
#: (Unix time) is refused.
Day = Annotated[date, BeforeValidator(_day)]
#: An amount of money, finite and ``>= 0``, in the caller's single currency.
Money = Annotated[float, Field(ge=0), BeforeValidator(_real)]
#: A finite number ``>= 0`` (durations in seconds, weights).
NonNegative = Annotated[float, Field(ge=0), BeforeValidator(_real)]
#: A whole number of magnitude below ``2**53`` (see `cshealth._scalars`).
Whole = Annotated[int, BeforeValidator(_whole)]
#: A whole count ``>= 0``.
Count = Annotated[int, Field(ge=0), BeforeValidator(_whole)]
#: A share in ``[0, 1]``.
Share = Annotated[float, Field(ge=0, le=1), BeforeValidator(_real)]
