"""Integer codes for identifiers, and the missing-identifier tests every area shares.

`id_codes` gives every distinct identifier (a respondent, an account, a user, a group) an
integer code without sorting text: identifiers are hashed, and a collision of two
different identifiers is detected and resolved exactly. `latest_rows` picks each code's
latest row.
"""

from __future__ import annotations

import operator

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, IntArray, ObjectArray

__all__ = [
    "first_seen_codes",
    "id_codes",
    "ids_in",
    "is_missing",
    "latest_rows",
    "missing_ids",
    "sorted_positions",
]

_NONE = np.array(None, dtype=object)


def id_codes(
    values: NDArray[np.generic], *, dense: bool = True, present: bool = False
) -> tuple[IntArray, int]:
    """Integer codes ``0..k-1`` for the distinct values; ``-1`` where missing.

    Missing is ``None`` or NaN. Integer identifiers in a compact range are used as they
    are (shifted); other values are hashed, and the codes are checked against the values
    themselves, so two identifiers that share a hash are still told apart. The order of
    the codes is unspecified (grouping only). With ``dense=False``, integer identifiers
    spanning fewer than ``len(values)`` numbers are only shifted, so some of the ``k``
    codes may be unused (cheaper, for callers that only group). With ``present=True`` the
    caller vouches that no value is missing (identifiers read by `cshealth.io` for a
    required field), and the pass looking for missing values is skipped.

    Returns:
        ``(codes, k)``.

    Raises:
        InvalidInputError: On unhashable identifiers.
    """
    n = len(values)
    if n == 0:
        return np.empty(0, dtype=np.int64), 0
    if values.dtype.kind in "iub":
        ints = values.astype(np.int64)
        low, high = int(ints.min()), int(ints.max())
        if not dense and high - low < n:  # compact already: the shifted ids will do
            return ints - low, high - low + 1
        if high - low <= 4 * n:
            shifted = ints - low
            used = np.zeros(high - low + 1, dtype=bool)
            used[shifted] = True
            numbering = np.cumsum(used) - 1
            return numbering[shifted], int(used.sum())
        unique, inverse = np.unique(ints, return_inverse=True)
        return inverse.astype(np.int64), len(unique)
    if values.dtype.kind == "f":
        floats = values.astype(np.float64)
        numbered = ~np.isnan(floats)
        unique, inverse = np.unique(floats[numbered], return_inverse=True)
        codes = np.full(n, -1, dtype=np.int64)
        codes[numbered] = inverse
        return codes, len(unique)
    objects = values.astype(object, copy=False)
    if present:
        present_rows = np.arange(n)
        known = objects
    else:
        present_rows = np.flatnonzero(~missing_ids(objects))
        known = objects[present_rows]
    try:
        hashes = np.fromiter(map(hash, known), dtype=np.int64, count=len(known))
    except TypeError:
        msg = "identifiers must be hashable (text or whole numbers)"
        raise InvalidInputError(msg) from None
    inverse, k = (_exact if dense else _slotted)(known, hashes)
    codes = np.full(n, -1, dtype=np.int64)
    codes[present_rows] = inverse
    return codes, k


def first_seen_codes(values: NDArray[np.generic]) -> tuple[IntArray, int]:
    """`id_codes` numbered in the order each identifier first appears; ``-1`` where missing.

    The codes of text identifiers depend on Python's string hashes, which change from one
    process to the next; numbered by first appearance, they depend on the data alone, so
    anything drawn at random per code (a bootstrap by account) repeats with its seed.

    Examples:
        >>> import numpy as np
        >>> first_seen_codes(np.array(["b", "a", "b", None, "c"], dtype=object))[0].tolist()
        [0, 1, 0, -1, 2]
    """
    codes, k = id_codes(values)
    present = np.flatnonzero(codes >= 0)
    first = np.full(k, len(values), dtype=np.int64)
    np.minimum.at(first, codes[present], present)
    number = np.empty(k, dtype=np.int64)
    number[np.argsort(first, kind="stable")] = np.arange(k)
    out: IntArray = np.where(codes >= 0, number[np.maximum(codes, 0)], -1)
    return out, k


def ids_in(values: NDArray[np.generic], wanted: NDArray[np.generic]) -> BoolArray:
    """Where ``values`` is one of the identifiers ``wanted``: `numpy.isin` for identifiers.

    Both are coded together by `id_codes` and compared as integers, so text identifiers
    cost one hash each (``np.isin`` on text compares every value with every wanted one).
    A missing identifier is in nothing.

    Examples:
        >>> import numpy as np
        >>> ids = np.array(["a", "b", None, "c", "a"], dtype=object)
        >>> ids_in(ids, np.array(["a", "c", "z"], dtype=object)).tolist()
        [True, False, False, True, True]
    """
    if not len(values) or not len(wanted):
        return np.zeros(len(values), dtype=bool)
    codes, k = id_codes(np.concatenate([values.astype(object), wanted.astype(object)]))
    listed = np.zeros(k + 1, dtype=bool)  # the last slot is the code -1 of missing ids
    listed[codes[len(values) :]] = True
    listed[-1] = False
    out: BoolArray = listed[codes[: len(values)]]
    return out


def missing_ids(objects: NDArray[np.generic]) -> BoolArray:
    """Where identifiers are missing: None, NaN (not equal to itself) or pandas' NA."""
    if objects.dtype.kind in "iub":  # whole numbers (and flags) are never missing
        return np.zeros(len(objects), dtype=bool)
    try:
        missing: BoolArray = np.asarray(np.equal(objects, _NONE), dtype=bool)
        missing |= np.asarray(np.not_equal(objects, objects), dtype=bool)
        return missing
    except TypeError:  # a value whose comparison is not a bool (pandas.NA): one by one
        return np.array([is_missing(value) for value in objects.tolist()], dtype=bool)


def is_missing(value: object) -> bool:
    """Whether one identifier is missing: None, NaN or pandas' NA."""
    if value is None:
        return True
    try:
        return bool(operator.ne(value, value))  # only NaN differs from itself
    except TypeError:
        return True  # comparisons that answer "unknown" (pandas.NA) mark a missing value


def _exact(present: ObjectArray, hashes: IntArray) -> tuple[IntArray, int]:
    """Dense codes by sorting the hashes, checked against the values themselves."""
    unique, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    same = np.asarray(present[first][inverse] == present, dtype=bool)
    if same.all():
        return inverse.astype(np.int64), len(unique)
    seen: dict[object, int] = {}  # two different identifiers share a hash: number them
    numbered = np.fromiter(
        (seen.setdefault(value, len(seen)) for value in present.tolist()),
        dtype=np.int64,
        count=len(present),
    )
    return numbered, len(seen)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads any hash over the slots


def _slotted(present: ObjectArray, hashes: IntArray) -> tuple[IntArray, int]:
    """Codes without sorting: the slot of a table of ``~2n`` slots, exact by checking.

    Each value goes to a slot picked from its hash; one row per slot is its representative
    (``numpy.maximum.at``). Rows equal to their slot's representative take the slot as
    their code; the few others (another value in the same slot) are numbered exactly by
    `_exact` above the table. Some codes are unused.
    """
    n = len(present)
    bits = max(int(2 * n).bit_length(), 4)
    with np.errstate(over="ignore"):
        slot = ((hashes.view(np.uint64) * _GOLDEN) >> np.uint64(64 - bits)).astype(np.int64)
    size = 1 << bits
    representative = np.full(size, -1, dtype=np.int64)
    np.maximum.at(representative, slot, np.arange(n))
    same = np.asarray(present[representative[slot]] == present, dtype=bool)
    if same.all():
        return slot, size
    codes = np.where(same, slot, -1)
    rest = np.flatnonzero(~same)
    numbered, k = _exact(present[rest], hashes[rest])
    codes[rest] = size + numbered
    return codes, size + k


def latest_rows(codes: IntArray, times: IntArray, tiebreak: NDArray[np.generic]) -> IntArray:
    """The index of each code's latest row: greatest time, ties to the greatest tiebreak."""
    order = np.lexsort((tiebreak, times, codes))
    grouped = codes[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = grouped[1:] != grouped[:-1]
    kept: IntArray = order[last]
    return kept


def sorted_positions(ids: NDArray[np.generic], values: NDArray[np.generic]) -> IntArray:
    """The position of each of ``values`` in the sorted ``ids``; ``-1`` where absent."""
    if not len(ids):
        return np.full(len(values), -1, dtype=np.int64)
    at = np.searchsorted(ids, values).clip(0, len(ids) - 1)
    hit = np.asarray(ids[at] == values, dtype=bool)
    found: IntArray = np.where(hit, at, -1).astype(np.int64)
    return found
