"""The one rule for identifiers, shared by the record models and the column readers.

An identifier (an account, contact, user, ticket or response id) is either a whole number
or text, and it stays what the user gave:

* whole numbers (Python ``int``, any numpy or pandas integer) stay integers, in the signed
  64-bit range; a float is read as a whole number only when it is one exactly (``7.0``,
  as pandas stores an integer column with a missing value) and at most ``2**53``;
* text is stripped of surrounding white space and holds at most 512 characters, none of
  them a NUL character or a lone surrogate (neither survives a round trip through a file
  or numpy's fixed-width text, so two ids could silently become one);
* ``None``, NaN, blank text and pandas' ``NA``/``NaT`` are missing;
* anything else (a flag, a date, a list) is not an identifier.

`normalise_id` applies the rule to one value and never raises; the models turn its
`IdProblem` into a validation error, the column readers into a reported bad cell, so
records and columns accept and refuse exactly the same values.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np

from cshealth._exceptions import AccountNotFoundError, InvalidInputError
from cshealth._scalars import BAD_TEXT
from cshealth._types import IdArray

__all__ = ["MAX_ID_LENGTH", "IdKind", "IdProblem", "id_kind", "normalise_id", "position_of"]

#: The longest text identifier, in characters.
MAX_ID_LENGTH = 512
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_EXACT_FLOAT = 2.0**53


class IdProblem(NamedTuple):
    """Why a value is not an identifier: a stable code and a readable message."""

    code: str
    message: str


NOT_AN_ID = IdProblem(
    "id_type", "expected an identifier: text or a whole number (not a flag, date or list)"
)
TOO_LONG = IdProblem("id_too_long", f"expected an identifier of at most {MAX_ID_LENGTH} characters")
BAD_CHARACTER = IdProblem(
    "id_character", "an identifier must not hold a NUL character or a lone surrogate"
)
OUT_OF_RANGE = IdProblem(
    "id_out_of_range", "a whole-number identifier must fit in 64 bits (-2**63 .. 2**63-1)"
)
NOT_WHOLE = IdProblem(
    "id_not_whole",
    "a number used as an identifier must be a whole number, and a float one at most 2**53; "
    "give such ids as text or integers",
)


def normalise_id(value: object) -> int | str | IdProblem | None:
    """``value`` as an identifier: ``int``, stripped ``str``, ``None`` (missing) or why not.

    Examples:
        >>> normalise_id(" A-1 "), normalise_id(np.int32(7)), normalise_id(7.0)
        ('A-1', 7, 7)
        >>> normalise_id(""), normalise_id(float("nan"))
        (None, None)
        >>> normalise_id(True).code, normalise_id(1e20).code
        ('id_type', 'id_not_whole')
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if len(text) > MAX_ID_LENGTH:
            return TOO_LONG
        return BAD_CHARACTER if BAD_TEXT.search(text) else text
    if isinstance(value, (bool, np.bool_)):
        return NOT_AN_ID
    if isinstance(value, (int, np.integer)):
        whole = int(value)
        return whole if _INT64_MIN <= whole <= _INT64_MAX else OUT_OF_RANGE
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return None
        if not math.isfinite(number) or number != math.floor(number):
            return NOT_WHOLE
        return int(number) if abs(number) <= _EXACT_FLOAT else NOT_WHOLE
    kind = type(value)
    if kind.__name__ in ("NAType", "NaTType") and kind.__module__.startswith("pandas"):
        return None
    return NOT_AN_ID


#: What an identifier column holds: whole numbers, text, or nothing yet.
IdKind = Literal["int", "text", "none"]


def id_kind(ids: IdArray) -> IdKind:
    """Whether an identifier column holds whole numbers, text, or no identifier at all."""
    if ids.dtype.kind in "iu":
        return "int" if len(ids) else "none"
    for value in ids:  # element by element: the first id tells, no copy of the column
        if value is not None:
            return "int" if isinstance(value, int) else "text"
    return "none"


def position_of(ids: IdArray, key: object, *, noun: str = "accounts") -> int:
    """The row of identifier ``key`` among ``ids`` (looked up by the identifier rule).

    Raises:
        InvalidInputError: If ``key`` is not an identifier.
        AccountNotFoundError: If ``key`` is of the other kind than ``ids`` (``"7"`` among
            whole numbers) or is not among them (an `InvalidInputError` and a `KeyError`).

    Examples:
        >>> position_of(np.array([3, 7]), 7), position_of(np.array(["A", "B"], dtype=object), " B")
        (1, 1)
    """
    found = normalise_id(key)
    kind = id_kind(ids)
    shown = ", ".join(repr(value) for value in ids[:3].tolist())
    if found is None or isinstance(found, IdProblem):
        why = "missing" if found is None else found.message
        msg = f"{key!r} is not an identifier ({why}); the {noun} have ids such as {shown}"
        raise InvalidInputError(msg)
    if kind != "none" and (kind == "int") != isinstance(found, int):
        words = {"int": "whole numbers", "text": "text"}
        msg = (
            f"no account {key!r} among the {len(ids)} {noun}: their ids are {words[kind]} "
            f"({shown}), so {key!r} can never match; give the id as the data gives it"
        )
        raise AccountNotFoundError(msg)
    hits = np.flatnonzero(np.asarray(np.equal(ids, found), dtype=bool)) if len(ids) else ids[:0]
    if not len(hits):
        msg = f"no account {key!r} among the {len(ids)} {noun} (ids such as {shown or 'none'})"
        raise AccountNotFoundError(msg)
    return int(hits[0])
