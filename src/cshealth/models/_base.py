"""The base every cshealth record model shares, and the field types they are built from.

Cross-field rules are declared as data on each model (``order_rules``, ``distinct_rules``) so
that the same declaration is enforced on one record here and on millions of rows at once by
`cshealth.io.to_columns()`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Annotated, ClassVar, NamedTuple

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

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
    "ColumnViolation",
    "Count",
    "Day",
    "Identifier",
    "Instant",
    "Label",
    "Money",
    "NonNegative",
    "Record",
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

Orderable = date | datetime


def _as_utc(value: Orderable) -> Orderable:
    """Instants in UTC, so that they compare as instants.

    Python compares (and subtracts) two datetimes that share a ``tzinfo`` by their wall
    clocks, which is wrong across a daylight-saving change.
    """
    return value.astimezone(timezone.utc) if isinstance(value, datetime) else value


#: Types whose values are never missing-like (looked up first, for speed).
_PRESENT = frozenset({int, bool, dict, date, datetime})


def _missing_like(value: object) -> bool:
    """NaN (any float), blank text, ``None``, pandas' ``NA``/``NaT``, numpy's ``NaT``."""
    if value is None:
        return True
    if isinstance(value, float):  # numpy's float64 too
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    kind = type(value)
    return kind.__name__ in ("NAType", "NaTType") and kind.__module__.startswith("pandas")


class ColumnViolation(NamedTuple):
    """Rows of a columnar table that break one model rule (see ``Record.check_columns``)."""

    field: str
    rows: NDArray[np.bool_]
    code: str
    message: str


class Record(BaseModel):
    """Base of the cshealth domain models: frozen, strict, and checked across fields.

    Class attributes (configuration, not fields):

    * ``key_fields``: the fields that identify a record; loaders reject duplicates.
    * ``order_rules``: ``(earlier, later)`` pairs; when both are set, ``later`` must not
      be before ``earlier``.
    * ``distinct_rules``: ``(a, b)`` pairs that must differ when both are set.
    * ``requires_rules``: ``(field, flag)`` pairs; ``field`` may only be set when the
      boolean ``flag`` is true.
    * ``table_name``: the plural name used for files and tables (``accounts.csv``).
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
        validate_default=False,
    )

    key_fields: ClassVar[tuple[str, ...]] = ("id",)
    order_rules: ClassVar[tuple[tuple[str, str], ...]] = ()
    distinct_rules: ClassVar[tuple[tuple[str, str], ...]] = ()
    requires_rules: ClassVar[tuple[tuple[str, str], ...]] = ()
    table_name: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _leave_out_missing(cls, data: object) -> object:
        """Treat a missing-like value of a field as not given, as the columns do.

        ``None``, NaN, blank text, pandas' ``NA`` and ``NaT`` and numpy's ``NaT`` mean
        "not given": the field takes its default (a required one is reported missing).
        Only values of a few types are looked at, so a row of plain values costs one
        type check per value.
        """
        if type(data) is not dict:
            return data
        gone: list[object] | None = None
        for key, value in data.items():
            kind = type(value)
            if kind is str:
                present = bool(value) and not value.isspace()
            else:
                present = kind in _PRESENT or not _missing_like(value)
            if not present and key in cls.model_fields:
                gone = [key] if gone is None else [*gone, key]
        if gone is None:
            return data
        return {key: value for key, value in data.items() if key not in gone}

    @model_validator(mode="after")
    def _check_declared_rules(self) -> Record:
        for earlier, later in self.order_rules:
            first: Orderable | None = getattr(self, earlier)
            second: Orderable | None = getattr(self, later)
            if first is not None and second is not None and _as_utc(second) < _as_utc(first):
                raise PydanticCustomError(
                    "out_of_order",
                    "`{later}` ({later_value}) is before `{earlier}` ({earlier_value}); "
                    "it must be on or after it",
                    {
                        "field": later,
                        "later": later,
                        "earlier": earlier,
                        "later_value": second.isoformat(),
                        "earlier_value": first.isoformat(),
                    },
                )
        for a, b in self.distinct_rules:
            value = getattr(self, a)
            if value is not None and value == getattr(self, b):
                raise PydanticCustomError(
                    "not_distinct",
                    "`{a}` must differ from `{b}`, both are {shown}",
                    {"field": a, "a": a, "b": b, "value": value, "shown": repr(value)},
                )
        for name, flag in self.requires_rules:
            value = getattr(self, name)
            if value is not None and not getattr(self, flag):
                raise PydanticCustomError(
                    "requires_flag",
                    "`{name}` is set ({shown}) but `{flag}` is false; set the flag or "
                    "leave `{name}` empty",
                    {
                        "field": name,
                        "name": name,
                        "flag": flag,
                        "value": value,
                        "shown": repr(value),
                    },
                )
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Describe the model by its docstring's prose, without its examples."""
        schema = handler.resolve_ref_schema(handler(core_schema))
        if cls.__doc__:
            prose = inspect.cleandoc(cls.__doc__).split("\n\nExamples:", 1)[0]
            schema["description"] = prose.split("\n\nAttributes:", 1)[0]
        return schema

    @classmethod
    def check_columns(cls, columns: Mapping[str, NDArray[np.generic]]) -> list[ColumnViolation]:
        """Vectorised form of the model's own rules beyond the declared ones.

        ``columns`` hold every field already converted to its column dtype, with invalid
        cells set to missing. Models with a custom ``model_validator`` override this so
        that columns and records obey the same rules.
        """
        return []

    def key(self) -> tuple[object, ...]:
        """The values of ``key_fields``: what identifies this record among its kind.

        A model without key fields (`UsageEvent`) is identified by all of its values.
        """
        names = self.key_fields or tuple(type(self).model_fields)
        return tuple(getattr(self, name) for name in names)

    def __hash__(self) -> int:
        # Equal records have equal keys, so hashing the key is consistent with ``==`` and
        # keeps records with mapping fields (traits, feature counts) hashable.
        return hash((type(self).__name__, self.key()))
