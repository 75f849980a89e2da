"""Identifier columns and arguments keyed by identifier, by the one rule of `cshealth._ids`.

An identifier column keeps the user's type: whole numbers come back as ``int64`` (ordered
numerically), text as an ``object`` array of ``str``. An optional identifier column with
missing values and whole numbers is an ``object`` array of ``int`` and ``None``. A column
that mixes whole numbers and text is refused, naming rows of both kinds.

Arguments keyed by identifier are matched by the same rule in `cshealth.io._keyed`. The
conversion itself, which finds the bad rows without raising, is in
`cshealth.io._id_convert`; here they are reported.
"""

from __future__ import annotations

import numpy as np

from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._ids import IdKind, id_kind
from cshealth._types import BoolArray, Column, IdArray
from cshealth.io._id_convert import _NONE, _SHOWN, _as_array, _Bad, _mixed, _read
from cshealth.io._schema import FieldSpec
from cshealth.io._values import _Problems
from cshealth.models import Record

__all__ = [
    "IdArray",
    "IdKind",
    "id_kind",
    "mixed_rows",
    "read_ids",
    "repeated",
]


def _id_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    """The column converter for identifier fields (see `cshealth.io._kinds`)."""
    ids, missing, bad, _ = _read(values, spec.name)
    for code, (rows, message) in bad.items():
        problems.mask(spec.name, rows, code, message)
    return ids, missing


def mixed_rows(values: list[object], at: list[int]) -> tuple[list[int], str] | None:
    """Where validated identifiers of many records mix whole numbers and text.

    Record ``i`` is row ``at[i]`` of the caller's data. Returns the positions of the
    rarer kind and the message, as the columns report them, or ``None``.
    """
    is_int = np.fromiter((type(v) is int for v in values), dtype=bool, count=len(values))
    is_text = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
    if not (is_int.any() and is_text.any()):
        return None
    rows, message = _mixed(is_int, is_text, np.asarray(at, dtype=np.intp))
    return np.flatnonzero(rows).tolist(), message


def read_ids(
    values: object, *, name: str, allow_missing: bool = False, unique: bool = False
) -> IdArray:
    """``values`` as an identifier column by the one rule (see the module docstring).

    Args:
        values: A sequence of identifiers (a list, an array, a pandas or polars column).
        name: The argument's name, for the error.
        allow_missing: Whether ``None``/NaN may stand for "no identifier".
        unique: Whether each identifier may appear only once (one row per account).

    Returns:
        ``int64`` for whole numbers; ``object`` text (or ``int`` and ``None`` when some
        are missing) otherwise.

    Raises:
        InvalidInputError: Listing every bad value with its position.

    Examples:
        >>> read_ids([3, 1, 2], name="ids")
        array([3, 1, 2])
        >>> read_ids([" A-1", "B"], name="ids")
        array(['A-1', 'B'], dtype=object)
        >>> read_ids([1, "a"], name="ids")
        Traceback (most recent call last):
          ...
        cshealth.InvalidInputError: 1 of 2 values of `ids` are invalid
          row 1: `ids` = 1: whole numbers and text are mixed in one identifier column ...
    """
    ids, missing, bad, distinct = _read(values, name)
    if not allow_missing:
        flagged = np.zeros(len(ids), dtype=bool)
        for rows, _ in bad.values():
            flagged |= rows
        absent = missing & ~flagged
        if absent.any():
            bad["missing"] = (absent, "an identifier is required here")
    if bad:
        _raise(values, name, bad)
    if unique and distinct != len(ids):  # all distinct: known without another pass
        _check_unique(ids, name)
    return ids


def _check_unique(ids: IdArray, name: str) -> None:
    twice = repeated(ids)
    if twice:
        msg = f"`{name}` repeats {twice}: one row per account"
        raise InvalidInputError(msg)


def repeated(ids: IdArray, *, at_most: int = _SHOWN) -> list[object]:
    """The first few (sorted) identifiers given more than once; ``[]`` when all differ.

    One sort of whole numbers; for text, one sort of the hashes, then only the values
    that share a hash are counted (missing ones ignored).

    Examples:
        >>> repeated(np.array([3, 1, 3])), repeated(np.array(["a", "b"], dtype=object))
        ([3], [])
    """
    if ids.dtype.kind == "i":
        ordered = np.sort(ids)
        twice = ordered[1:][ordered[1:] == ordered[:-1]].tolist()
        return sorted(set(twice))[:at_most]
    present = ids[~np.equal(ids, _NONE)]
    # equal values have equal hashes: only values sharing a hash can repeat
    hashes = np.fromiter(map(hash, present.tolist()), dtype=np.int64, count=len(present))
    ordered = np.sort(hashes)
    shared = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(shared):
        return []
    counts: dict[object, int] = {}
    for value in present[np.isin(hashes, shared)].tolist():
        counts[value] = counts.get(value, 0) + 1
    twice = [value for value, count in counts.items() if count > 1]
    return sorted(set(twice))[:at_most]


def _raise(values: object, name: str, bad: _Bad) -> None:
    raw = _as_array(values)
    errors = sorted(
        (
            RecordError(
                row=row + 1, field=name, value=_python(raw[row]), message=message, code=code
            )
            for code, (rows, message) in bad.items()
            for row in np.flatnonzero(rows).tolist()
        ),
        key=lambda error: error.row,
    )
    msg = f"{len({e.row for e in errors})} of {len(raw)} values of `{name}` are invalid"
    raise InvalidInputError(msg, tuple(errors))


def _python(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
