"""The base every cshealth record model shares; models' front door to its field types.

Cross-field rules are declared as data on each model (``order_rules``, ``distinct_rules``) so
that the same declaration is enforced on one record here and on millions of rows at once by
`cshealth.io.to_columns()`.

This module is also the front door of `cshealth.models` (see ``tests/test_layers.py``):
its ``__all__`` lists the field types other packages build their records from, defined in
`cshealth.models._fields`, and the ``IDENTIFIER`` marker io's column readers look for.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import ClassVar, NamedTuple

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from cshealth.models._fields import (
    IDENTIFIER,
    Count,
    Day,
    Identifier,
    Instant,
    Label,
    Money,
    NonNegative,
    Share,
    Text,
    Whole,
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
