"""Checks of the loaders' non-data arguments: the record model, the source, the path."""

from __future__ import annotations

import os
from collections.abc import Iterable

from cshealth._checks import items, shown
from cshealth._exceptions import InvalidInputError
from cshealth.models import Record

__all__ = ["check_data", "check_fields", "check_model", "check_path", "check_source"]


def check_model(model: object, *, optional: bool = False) -> None:
    """Raise unless ``model`` is a record model class (or ``None`` when ``optional``).

    Examples:
        >>> from cshealth.models import Ticket
        >>> check_model(Ticket)
        >>> check_model("Ticket")
        Traceback (most recent call last):
        ...
        cshealth.InvalidInputError: `model` must be a record model class ...
    """
    if optional and model is None:
        return
    if isinstance(model, type) and issubclass(model, Record):
        return
    msg = (
        "`model` must be a record model class such as Ticket or Account (from "
        f"cshealth.models), got {type(model).__name__} {shown(model)}"
    )
    raise InvalidInputError(msg)


def check_path(path: object, name: str = "path") -> None:
    """Raise unless ``path`` is a file path (text or ``os.PathLike``).

    Examples:
        >>> check_path("accounts.csv")
    """
    if isinstance(path, (str, os.PathLike)):
        return
    msg = f"`{name}` must be a file path (text or a pathlib.Path), got {type(path).__name__}"
    raise InvalidInputError(f"{msg} {shown(path)}")


def check_source(source: object) -> None:
    """Raise unless ``source`` is a path or an iterable of records as mappings.

    Examples:
        >>> check_source([{"id": "A-1"}])
    """
    if isinstance(source, (str, os.PathLike)):
        return
    if not isinstance(source, Iterable):
        msg = (
            "`source` must be a file path or an iterable of records (mappings of field to "
            f"value), got {type(source).__name__} {shown(source)}"
        )
        raise InvalidInputError(msg)


def check_data(data: object, name: str) -> None:
    """Raise unless ``data`` could be records or columns: an iterable or a data frame.

    Text passes (the readers refuse it with a message naming the model).

    Examples:
        >>> check_data({"id": ["A-1"]}, "data")
    """
    if not (isinstance(data, Iterable) or hasattr(data, "columns")):
        msg = (
            f"`{name}` must be records, a mapping of columns or a data frame, got "
            f"{type(data).__name__} {shown(data)}"
        )
        raise InvalidInputError(msg)


def check_fields(fields: object, name: str) -> tuple[str, ...]:
    """``fields`` as a tuple of field names, checked to be text.

    Examples:
        >>> check_fields(["id", "seats"], "need")
        ('id', 'seats')
    """
    listed = items(fields, name, "field names")
    for position, field in enumerate(listed):
        if not isinstance(field, str):
            msg = f"`{name}` must hold field names (text); position {position} holds {shown(field)}"
            raise InvalidInputError(msg)
    return tuple(str(field) for field in listed)
