"""What each model field looks like as a column, derived once from the model itself."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Literal, get_args, get_origin

import annotated_types
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from cshealth.models import Record
from cshealth.models._base import IDENTIFIER as _IDENTIFIER

__all__ = ["ColumnKind", "FieldSpec", "field_specs"]

#: How a field is stored as a column.
ColumnKind = Literal["id", "text", "int", "float", "bool", "date", "instant", "mapping"]


@dataclass(frozen=True)
class FieldSpec:
    """A model field seen as a column."""

    name: str
    kind: ColumnKind
    required: bool
    nullable: bool
    default: object
    choices: tuple[str, ...] | None = None
    ge: float | None = None
    le: float | None = None

    @property
    def dtype(self) -> str:
        """The numpy dtype of the column (``int`` fields that may be missing are float).

        Identifiers are ``int64`` when given as whole numbers and ``object`` text otherwise;
        ``object`` is the dtype of an identifier column with no values.
        """
        if self.kind == "int":
            return "float64" if self.nullable else "int64"
        return {
            "id": "object",
            "text": "object",
            "float": "float64",
            "bool": "bool",
            "date": "datetime64[D]",
            "instant": "datetime64[us]",
            "mapping": "object",
        }[self.kind]


@cache
def field_specs(model: type[Record]) -> tuple[FieldSpec, ...]:
    """The column view of every field of ``model``, in declaration order."""
    return tuple(_spec(name, info) for name, info in model.model_fields.items())


def _spec(name: str, info: FieldInfo) -> FieldSpec:
    annotation, nullable = _strip_optional(info.annotation)
    metadata = [*info.metadata, *_annotated_metadata(annotation)]
    kind, choices = ("id", None) if _IDENTIFIER in metadata else _kind_of(annotation)
    default: object = None
    if info.default_factory is not None:
        default = info.get_default(call_default_factory=True, validated_data={})
    elif info.default is not PydanticUndefined:
        default = info.default
    return FieldSpec(
        name=name,
        kind=kind,
        required=info.is_required(),
        nullable=nullable,
        default=default,
        choices=choices,
        ge=_bound(metadata, annotated_types.Ge, "ge"),
        le=_bound(metadata, annotated_types.Le, "le"),
    )


def _annotated_metadata(annotation: object) -> list[object]:
    """Constraints inside ``Annotated[...]``.

    Pydantic folds them into the field only when the field is not optional.
    """
    if get_origin(annotation) is not typing.Annotated:
        return []
    found: list[object] = []
    for extra in get_args(annotation)[1:]:
        found.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
    return found


def _bound(metadata: list[object], kind: type[object], attr: str) -> float | None:
    for item in metadata:
        if isinstance(item, kind):
            return float(getattr(item, attr))
    return None


def _strip_optional(annotation: object) -> tuple[object, bool]:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _kind_of(annotation: object) -> tuple[ColumnKind, tuple[str, ...] | None]:
    if get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is Literal:
        return "text", tuple(str(a) for a in get_args(annotation))
    if get_origin(annotation) is dict:
        return "mapping", None
    simple: dict[object, ColumnKind] = {
        str: "text",
        bool: "bool",
        int: "int",
        float: "float",
        datetime: "instant",
        date: "date",
    }
    if annotation not in simple:
        msg = f"a field of type {annotation!r} has no column form; use one of {list(simple)}"
        raise TypeError(msg)
    return simple[annotation], None
