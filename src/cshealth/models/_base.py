"""The base every cshealth record model shares, and the field types they are built from.

Cross-field rules are declared as data on each model (``order_rules``, ``distinct_rules``) so
that the same declaration is enforced on one record here and on millions of rows at once by
:func:`cshealth.io.to_columns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, ClassVar, NamedTuple

import numpy as np
from numpy.typing import NDArray
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "ColumnViolation",
    "Count",
    "Identifier",
    "Instant",
    "Label",
    "Money",
    "NonNegative",
    "Record",
    "Share",
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
    return value


#: A non-empty identifier. Numbers are accepted and kept as their text (``17`` -> ``"17"``).
Identifier = Annotated[str, Field(min_length=1, max_length=512)]
#: A non-empty label (a channel, a feature name).
Label = Annotated[str, Field(min_length=1, max_length=512)]
#: A timezone-aware instant; naive datetimes are rejected with a hint.
Instant = Annotated[datetime, AfterValidator(_require_aware)]
#: An amount of money, finite and ``>= 0``, in the caller's single currency.
Money = Annotated[float, Field(ge=0)]
#: A finite number ``>= 0`` (durations in seconds, weights).
NonNegative = Annotated[float, Field(ge=0)]
#: A whole count ``>= 0``.
Count = Annotated[int, Field(ge=0)]
#: A share in ``[0, 1]``.
Share = Annotated[float, Field(ge=0, le=1)]

Orderable = date | datetime


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

    @model_validator(mode="after")
    def _check_declared_rules(self) -> Record:
        for earlier, later in self.order_rules:
            first: Orderable | None = getattr(self, earlier)
            second: Orderable | None = getattr(self, later)
            if first is not None and second is not None and second < first:
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
                    "`{a}` must differ from `{b}`, both are {value!r}",
                    {"field": a, "a": a, "b": b, "value": value},
                )
        for name, flag in self.requires_rules:
            value = getattr(self, name)
            if value is not None and not getattr(self, flag):
                raise PydanticCustomError(
                    "requires_flag",
                    "`{name}` is set ({value!r}) but `{flag}` is false; set the flag or "
                    "leave `{name}` empty",
                    {"field": name, "name": name, "flag": flag, "value": value},
                )
        return self

    @classmethod
    def check_columns(cls, columns: Mapping[str, NDArray[np.generic]]) -> list[ColumnViolation]:
        """Vectorised form of the model's own rules beyond the declared ones.

        ``columns`` hold every field already converted to its column dtype, with invalid
        cells set to missing. Models with a custom ``model_validator`` override this so
        that columns and records obey the same rules.
        """
        return []

    def key(self) -> tuple[object, ...]:
        """The values of ``key_fields``: what identifies this record among its kind."""
        return tuple(getattr(self, name) for name in self.key_fields)

    def __hash__(self) -> int:
        # Equal records have equal keys, so hashing the key is consistent with ``==`` and
        # keeps records with mapping fields (traits, feature counts) hashable.
        return hash((type(self).__name__, self.key()))
