"""An identifier column converted by the one rule of `cshealth._ids`, on whole arrays.

`_read` turns any column (a list, a numpy array, a pandas or polars column) into
identifiers, where they are missing, and the bad rows by problem, without raising on a
bad value: `cshealth.io._ids` reports them. Whole numbers become ``int64``; text an ``object`` array
of ``str``; whole floats up to ``2**53`` (an integer column with a missing value) whole
numbers. The fast paths check clean columns at C speed: a pandas categorical or Arrow
column through its own ``factorize`` (`_factorised`), fixed-width numpy text through
numpy's string functions (`_clean_numpy_text`), and text in ``object`` arrays on its
distinct values (`_text_lookup`); anything unusual goes value by value, where each bad
row is found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._ids import MAX_ID_LENGTH, NOT_AN_ID, NOT_WHOLE, IdProblem, normalise_id
from cshealth._scalars import BAD_TEXT
from cshealth._types import BoolArray, IdArray, ObjectArray

__all__ = ["object_array"]

_INT64_MAX = np.iinfo(np.int64).max
_EXACT_FLOAT = 2.0**53
_SHOWN = 5
_MIXED = "id_mixed_types"
_NONE = np.array(None, dtype=object)
#: The ASCII characters `str.strip` strips.
_ASCII_SPACE = bytes(code for code in range(128) if chr(code).isspace())
_NONE_TYPE = np.array(type(None), dtype=object)
_INT_TYPE = np.array(int, dtype=object)
_TEXT_TYPE = np.array(str, dtype=object)
#: Odd 64-bit factors, one per character position: a hash of fixed-width text (equal
#: texts hash equal; texts that share a hash are rare and then compared exactly).
_TEXT_HASH = np.random.default_rng(0x1D5).integers(1, 2**63, MAX_ID_LENGTH, dtype=np.uint64) | 1

_Bad = dict[str, tuple[BoolArray, str]]


class _Read(NamedTuple):
    """Identifiers read from a column, where they are missing, and the bad rows."""

    ids: IdArray
    missing: BoolArray
    bad: _Bad
    #: How many distinct values the column holds, when counting them came for free.
    distinct: int | None = None


def _read(values: object, name: str) -> _Read:
    """Identifiers of a column: by the frame's own factorisation when it has one."""
    return _factorised(values) or _convert(_as_array(values, name))


def _factorised(values: object) -> _Read | None:
    """A pandas categorical or Arrow-backed text column, through its own ``factorize``.

    Such a column is already factorised (categories and codes), or factorises in Arrow's
    C++: only its distinct values are then read by the rule, and spread back by their
    codes. (A plain ``object`` column factorises no faster than Python hashes it, so it
    takes the usual path.) Anything unusual among the distinct values (a bad id, two
    kinds of id) returns ``None``, so that the value-by-value path reports each bad row
    where it is.
    """
    factorize = getattr(values, "factorize", None)
    dtype = getattr(values, "dtype", None)
    coded = str(dtype) == "category" or getattr(dtype, "storage", None) == "pyarrow"
    if not callable(factorize) or not coded:
        return None
    codes, uniques = factorize()
    codes = np.asarray(codes, dtype=np.int64)
    read = _convert(object_array(list(uniques)))
    if read.bad or read.missing.any():
        return None
    kept = read.ids.astype(object)
    absent = codes < 0  # pandas' NA, NaN and None
    ids = kept[np.where(absent, 0, codes)] if len(kept) else np.full(len(codes), None, object)
    if absent.any():
        ids[absent] = None
    elif read.ids.dtype.kind == "i":
        ids = read.ids[codes]
    distinct = len(kept) if read.distinct == len(kept) else None
    return _Read(ids, absent, {}, distinct)


def _as_array(values: object, name: str = "identifiers") -> NDArray[np.generic]:
    r"""``values`` as a 1-D array; lists become ``object`` arrays.

    numpy's fixed-width text would drop trailing NUL characters (``"A-1\\x00"`` would
    become ``"A-1"``) and turn ``[1, "a"]`` into ``["1", "a"]``, so lists never go
    through it.
    """
    if isinstance(values, (list, tuple)):
        return object_array(values)
    if isinstance(values, (str, bytes, Mapping, set, frozenset)) or not isinstance(
        values, Iterable
    ):
        msg = (
            f"`{name}` must be a sequence of identifiers (a list, an array, a data frame "
            f"column), got {type(values).__name__} {values!r:.80}"
        )
        raise InvalidInputError(msg)
    try:
        array = np.asarray(values)
    except ValueError:  # ragged nested sequences: each row one (bad) value
        return object_array(list(values))
    if array.ndim != 1:
        return object_array(list(values))
    return array


def object_array(items: list[object] | tuple[object, ...]) -> ObjectArray:
    """``items`` as a 1-D ``object`` array, each item one element (nested lists too)."""
    array = np.empty(len(items), dtype=object)
    for row, item in enumerate(items):  # element by element: nested lists stay one value
        array[row] = item
    return array


def _convert(array: NDArray[np.generic]) -> _Read:
    """Identifiers of ``array``, where they are missing, and the bad rows by problem."""
    n = len(array)
    kind = array.dtype.kind
    if kind == "i" or (kind == "u" and not np.any(np.greater(array, _INT64_MAX))):
        return _Read(array.astype(np.int64), np.zeros(n, dtype=bool), {})
    if kind == "f":
        return _from_floats(array.astype(np.float64))
    if kind == "U":
        clean = _clean_numpy_text(array)
        if clean is not None:
            return clean
    if kind in "OUSu":
        return _from_objects(array.astype(object))
    problem = NOT_AN_ID  # flags, dates, durations, complex numbers
    everything = np.ones(n, dtype=bool)
    return _Read(
        np.full(n, None, dtype=object), everything, {problem.code: (everything, problem.message)}
    )


def _clean_numpy_text(array: NDArray[np.generic]) -> _Read | None:
    """A fixed-width numpy text column that is clean as it stands, checked in C loops.

    numpy's string functions and its code points (no Python object per value) check the
    rule: no empty text, nothing to strip, no NUL inside, no lone surrogate, at most
    `MAX_ID_LENGTH` characters; and a hash of the code points, sorted, counts the
    distinct values when no two share a hash. A clean column becomes ``object`` text in
    one ``astype``; anything else returns ``None`` and goes value by value, where each
    bad row is reported.
    """
    text = cast("NDArray[np.str_]", array)
    width = text.dtype.itemsize // 4
    if not len(text) or not width or width > MAX_ID_LENGTH:
        return None
    lengths = np.strings.str_len(text)
    if not lengths.all() or not np.array_equal(np.strings.str_len(np.strings.strip(text)), lengths):
        return None
    units = text.view(np.uint32).reshape(len(text), width)
    # a NUL before the end (numpy drops the trailing ones), or a UTF-16 surrogate
    if np.count_nonzero(units) != int(lengths.sum()):
        return None
    if units.max() >= 0xD800 and np.any((units - np.uint32(0xD800)) < np.uint32(0x800)):
        return None
    hashes = np.dot(units, _TEXT_HASH[:width])  # wraps around at 2**64, as a hash may
    hashes.sort()
    distinct = len(text) if not np.any(hashes[1:] == hashes[:-1]) else None
    return _Read(text.astype(object), np.zeros(len(text), dtype=bool), {}, distinct)


def _from_floats(floats: NDArray[np.float64]) -> _Read:
    """Whole floats up to ``2**53`` (an integer column with a missing value) as integers."""
    missing = np.isnan(floats)
    with np.errstate(invalid="ignore"):
        whole = (
            np.isfinite(floats) & (floats == np.floor(floats)) & (np.abs(floats) <= _EXACT_FLOAT)
        )
    bad_rows = ~missing & ~whole
    bad: _Bad = {NOT_WHOLE.code: (bad_rows, NOT_WHOLE.message)} if bad_rows.any() else {}
    gone = missing | bad_rows
    ints = np.where(gone, 0, floats).astype(np.int64)
    if not gone.any():
        return _Read(ints, gone, bad)
    out = object_array(ints.tolist())
    out[gone] = None
    return _Read(out, gone, bad)


def _from_objects(objects: ObjectArray) -> _Read:
    """Text, whole numbers and missing values, each distinct text normalised once."""
    text_only, distinct, has_none = _text_lookup(objects)
    if text_only is not None and not text_only:  # clean text and None: kept as it is
        if has_none:
            missing = np.asarray(np.equal(objects, _NONE), dtype=bool)
        else:
            missing = np.zeros(len(objects), dtype=bool)
        return _Read(objects, missing, {}, distinct)  # `objects` is a copy already
    normalise = text_only.__getitem__ if text_only is not None else normalise_id
    # with numbers among them (and 1 == True == 1.0 as dict keys): value by value
    mapped = cast("ObjectArray", np.frompyfunc(normalise, 1, 1)(objects))
    types = cast("ObjectArray", np.frompyfunc(type, 1, 1)(mapped) if len(mapped) else mapped)
    missing = np.asarray(np.equal(types, _NONE_TYPE), dtype=bool)
    is_int = np.asarray(np.equal(types, _INT_TYPE), dtype=bool)
    is_text = np.asarray(np.equal(types, _TEXT_TYPE), dtype=bool)
    bad: _Bad = {}
    problem_rows = ~(missing | is_int | is_text)
    for row in np.flatnonzero(problem_rows).tolist():
        problem = cast("IdProblem", mapped[row])
        rows = bad.setdefault(problem.code, (np.zeros(len(mapped), dtype=bool), problem.message))
        rows[0][row] = True
    if is_int.any() and is_text.any():
        bad[_MIXED] = _mixed(is_int, is_text)
        problem_rows |= bad[_MIXED][0]
    mapped[problem_rows] = None
    gone = missing | problem_rows
    if is_int.any() and not gone.any():
        return _Read(mapped.astype(np.int64), gone, bad)
    return _Read(mapped, gone, bad)


def _text_lookup(
    objects: ObjectArray,
) -> tuple[dict[object, object] | None, int | None, bool]:
    """For a column of text and missing values: each distinct value's identifier.

    Returns ``{}`` when every text is clean already and ``None`` is the only missing
    value (the column is kept as it is), the map from each distinct value to its
    identifier otherwise (pandas' ``NA`` and NaN map to ``None``), or ``None`` when the
    column holds anything but text and missing values (or unhashable values); the number
    of distinct texts when the column is kept; and whether ``None`` is among the values.
    Clean text is checked on the distinct values at C speed: their types and lengths,
    then white space at either end, NUL and lone surrogates by one pass over the texts
    joined.
    """
    try:
        values = objects.tolist()
        distinct = set(values)
    except TypeError:
        return None, None, False
    has_none = None in distinct
    distinct.discard(None)
    if not distinct:
        return {}, 0, has_none
    gone: list[object] = []
    # mostly distinct values are checked in the column's own order (memory in sequence);
    # a set's order scatters the reads
    sequential = len(distinct) * 4 > len(values) and not has_none
    if set(map(type, values if sequential else distinct)) != {str}:
        sequential = False
        gone = [value for value in distinct if type(value) is not str]
        if any(normalise_id(value) is not None for value in gone):
            return None, None, has_none  # numbers (or other things) among the text
        distinct.difference_update(gone)  # pandas' NA, NaN: missing, as None is
        if not distinct:
            return dict.fromkeys([None, *gone]), None, True
    if _clean(cast("list[str]", values) if sequential else list(cast("set[str]", distinct))):
        if not gone:
            return {}, len(distinct), has_none
        normal: dict[object, object] = {value: value for value in distinct}
    else:
        normal = {value: normalise_id(value) for value in distinct}
    normal.update(dict.fromkeys([None, *gone]))
    return normal, None, has_none


def _clean(texts: list[str]) -> bool:
    r"""Whether every text is an identifier as it stands (nothing to strip or refuse).

    Passes of C over the texts joined by ``\x01``: an empty text shows as two separators
    side by side (or one at an end); ASCII text without any white space at all has none
    to strip (one ``bytes.translate``); otherwise each text is asked whether stripping
    changes it (``strip`` returns the very same object when it does not).
    """
    if not texts[0] or max(map(len, texts)) > MAX_ID_LENGTH:
        return False
    joined = "\x01".join(texts)
    if "\x01\x01" in joined or joined.startswith("\x01") or joined.endswith("\x01"):
        return False  # an empty text (or one holding \x01 at an end: checked one by one)
    if joined.isascii():
        raw = joined.encode("ascii")
        spaced = len(raw.translate(None, _ASCII_SPACE)) != len(raw)
        if spaced and any(text.strip() is not text for text in texts):
            return False
        return b"\x00" not in raw
    if any(text.strip() is not text for text in texts):
        return False
    return BAD_TEXT.search(joined) is None


def _mixed(
    is_int: BoolArray, is_text: BoolArray, at: NDArray[np.intp] | None = None
) -> tuple[BoolArray, str]:
    """The rows of the rarer kind in a column mixing whole numbers and text.

    ``at`` maps each position to its row in the caller's data (the position itself by
    default).
    """
    rows = np.arange(len(is_int)) if at is None else at
    ints, texts = rows[is_int], rows[is_text]
    message = (
        f"whole numbers and text are mixed in one identifier column (whole numbers at rows "
        f"{_rows(ints)}; text at rows {_rows(texts)}): give every id as text or every id "
        "as a whole number"
    )
    return (is_int if len(ints) <= len(texts) else is_text), message


def _rows(positions: NDArray[np.intp]) -> str:
    shown = ", ".join(str(row + 1) for row in positions[:_SHOWN].tolist())
    return shown + (f", ... ({len(positions)} in all)" if len(positions) > _SHOWN else "")
