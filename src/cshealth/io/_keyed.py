"""Arguments keyed by identifier, matched by the one rule of `cshealth._ids`.

An argument keyed by identifier (``seats={7: 10}``, the groups of ``nps.breakdown``, the
amounts of ``revenue_weighted``) is read as the data is, and keys that can never match the
data's ids (``"7"`` against the whole number ``7``) are an error, not a silent miss. The
same goes for two sources whose ids are of two kinds, and for looking one id up.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import repeat
from typing import cast

import numpy as np

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._ids import id_kind, position_of
from cshealth._types import BoolArray, IdArray, IntArray, ObjectArray
from cshealth.io._id_convert import object_array
from cshealth.io._ids import read_ids

__all__ = ["IdIndex", "keyed_values", "position_of", "positions_of", "same_kind"]

_SHOWN = 5
#: A missing identifier, as numpy compares it.
_NONE = np.array(None, dtype=object)


def same_kind(*named: tuple[str, IdArray], noun: str = "account ids") -> None:
    """Refuse identifier columns of different kinds: none of one could match the other.

    Args:
        *named: ``(what, ids)`` pairs, ``what`` naming each for the message.
        noun: What the identifiers are, for the message.

    Raises:
        InvalidInputError: If some hold whole numbers and others text.
    """
    kinds = {label: id_kind(ids) for label, ids in named}
    if len(set(kinds.values()) - {"none"}) > 1:
        words = {"int": "whole numbers", "text": "text", "none": "no ids"}
        shown = "; ".join(f"{label}: {words[kind]}" for label, kind in kinds.items())
        msg = (
            f"the {noun} are of different kinds ({shown}): whole-number ids never "
            "match text ids; give every source its ids the same way"
        )
        raise InvalidInputError(msg)


def keyed_values(
    mapping: object, ids: IdArray, *, name: str, noun: str = "account ids"
) -> tuple[ObjectArray, BoolArray]:
    """The value ``mapping`` holds for each of ``ids``, matched by the identifier rule.

    Args:
        mapping: The argument keyed by identifier.
        ids: The data's identifiers (as `read_ids` or a column reader gives them).
        name: The argument's name, for errors.
        noun: What the identifiers are, for errors.

    Returns:
        ``(values, found)``: one value per id (``None`` where the mapping has no key for
        it) and where a key was found. Each caller states what an id without a key gets.

    Raises:
        InvalidInputError: If ``mapping`` is not a mapping, a key is not an identifier,
            two keys are one identifier (``"A"`` and ``" A"``), or the keys are of the
            other kind than the ids (text keys for whole-number ids, or the reverse),
            so that none could ever match.

    Examples:
        >>> values, found = keyed_values({7: 10, 8: 4}, np.array([8, 9]), name="seats")
        >>> values.tolist(), found.tolist()
        ([4, None], [True, False])
        >>> keyed_values({"7": 10}, np.array([7]), name="seats")
        Traceback (most recent call last):
          ...
        cshealth.InvalidInputError: `seats` is keyed by text ('7'), but the
        account ids are whole numbers (7): no key can match; ...
    """
    if not isinstance(mapping, Mapping):
        msg = f"`{name}` must be a mapping from id to value, got {type(mapping).__name__}"
        raise InvalidInputError(msg)
    items = list(mapping.items())
    keys = read_ids([key for key, _ in items], name=f"the keys of {name}")
    _check_kinds(keys, ids, name, noun)
    normal = keys.tolist()
    table = dict(zip(normal, (value for _, value in items)))
    if len(table) < len(items):
        counts: dict[object, int] = {}
        for id_ in normal:
            counts[id_] = counts.get(id_, 0) + 1
        twice = [key for key, id_ in zip(mapping, normal) if counts[id_] > 1]
        msg = f"`{name}` names one id twice (after trimming white space): keys {twice[:_SHOWN]}"
        raise InvalidInputError(msg)
    found = np.fromiter((key in table for key in ids.tolist()), dtype=bool, count=len(ids))
    values = object_array([table.get(key) for key in ids.tolist()])
    return values, found


def positions_of(
    keys: IdArray, values: IdArray, *, keys_name: str, values_name: str, noun: str = "account"
) -> IntArray:
    """The position of each of ``values`` among ``keys``; ``-1`` where it is not there.

    ``keys`` hold one row per identifier (the accounts); ``values`` are identifiers that
    refer to them (the accounts of milestones, of scores). One pass of `id_codes` over
    both, so text and whole-number ids alike cost a hash each.

    Args:
        keys: The identifiers looked in; each at most once (missing ones never match).
        values: The identifiers looked up.
        keys_name: What ``keys`` are, for messages (``"accounts"``).
        values_name: What ``values`` are, for messages (``"the milestones' `account_id`"``).
        noun: What one identifier names, for messages.

    Raises:
        InvalidInputError: If ``keys`` repeat an identifier, or the two are of different
            kinds (whole numbers against text: none could match).

    Examples:
        >>> import numpy as np
        >>> keys = np.array(["a", "b"], dtype=object)
        >>> positions_of(
        ...     keys, np.array(["b", "x", "a", "b"], dtype=object), keys_name="k", values_name="v"
        ... ).tolist()
        [1, -1, 0, 1]
    """
    return IdIndex(keys, name=keys_name, noun=noun).positions(values, name=values_name)


class IdIndex:
    """Identifiers prepared for many lookups: `positions` finds values among them.

    Whole numbers are looked up in a table (compact ids) or by binary search; text in a
    dictionary from id to position, built once, so a set of keys is prepared once and
    every column that refers to it costs one lookup per value.

    Args:
        keys: The identifiers looked in; each at most once (missing ones never match).
        name: What the keys are, for messages (``"accounts"``).
        noun: What one identifier names, for messages.

    Raises:
        InvalidInputError: If ``keys`` repeat an identifier.

    Examples:
        >>> import numpy as np
        >>> index = IdIndex(np.array(["a", "b"], dtype=object), name="accounts")
        >>> index.positions(np.array(["b", None, "a"], dtype=object), name="v").tolist()
        [1, -1, 0]
    """

    def __init__(self, keys: IdArray, *, name: str, noun: str = "account") -> None:
        self.keys, self.name, self.noun = keys, name, noun
        self._whole = keys.dtype.kind == "i"
        self._rows: dict[object, int] = {}
        if self._whole:
            _int_positions(cast("IntArray", keys), cast("IntArray", keys[:0]), name, noun)
            return
        present = np.flatnonzero(~np.equal(keys, _NONE))
        self._rows = dict(zip(keys[present].tolist(), present.tolist()))
        if len(self._rows) < len(present):  # an id given twice: name it
            positions_by_codes(keys, keys[:0], name, noun)

    def positions(self, values: IdArray, *, name: str) -> IntArray:
        """The position of each of ``values`` among the keys; ``-1`` where absent.

        Raises:
            InvalidInputError: If the values are of the other kind of id than the keys.
        """
        same_kind((self.name, self.keys), (name, values))
        if self._whole:
            if values.dtype.kind == "i":
                keys = cast("IntArray", self.keys)
                return _int_positions(keys, cast("IntArray", values), self.name, self.noun)
            return positions_by_codes(self.keys, values, self.name, self.noun)
        # rows of one id side by side (a table grouped by account) are looked up once
        heads = np.ones(len(values), dtype=bool)
        heads[1:] = np.not_equal(values[1:], values[:-1])
        if heads.sum() * 4 > len(values) * 3:  # few runs to share: one lookup per row
            return self._lookup(values)
        starts = np.flatnonzero(heads)
        found: IntArray = np.repeat(
            self._lookup(values[starts]), np.diff(starts, append=len(values))
        )
        return found

    def _lookup(self, values: IdArray) -> IntArray:
        found: IntArray = np.fromiter(
            map(self._rows.get, values.tolist(), repeat(-1, len(values))),
            np.int64,
            count=len(values),
        )
        return found


def positions_by_codes(keys: IdArray, values: IdArray, keys_name: str, noun: str) -> IntArray:
    """`positions_of` by one pass of `id_codes` over both columns (any ids)."""
    codes, k = id_codes(np.concatenate([keys, values]).astype(object))
    key_codes = codes[: len(keys)]
    present = key_codes >= 0
    twice = np.bincount(key_codes[present], minlength=k) > 1
    if twice.any():
        i = int(np.flatnonzero(present & twice[np.maximum(key_codes, 0)])[0])
        msg = f"{keys_name}: {noun} {keys[i]!r} is listed twice; one row per {noun}"
        raise InvalidInputError(msg)
    position = np.full(k + 1, -1, dtype=np.int64)  # the last slot answers code -1
    position[key_codes[present]] = np.flatnonzero(present)
    found: IntArray = position[codes[len(keys) :]]
    return found


def _int_positions(keys: IntArray, values: IntArray, keys_name: str, noun: str) -> IntArray:
    """`positions_of` for whole-number ids.

    A lookup table when the ids are compact, else one sort of the keys and one binary
    search.
    """
    if len(keys):
        low, high = int(keys.min()), int(keys.max())
        if high - low < 4 * len(keys) + 1024:
            return _dense_positions(keys, values, (low, high), keys_name, noun)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    twice = np.flatnonzero(ordered[1:] == ordered[:-1])
    if len(twice):
        msg = f"{keys_name}: {noun} {int(ordered[twice[0]])!r} is listed twice; one row per {noun}"
        raise InvalidInputError(msg)
    at = np.searchsorted(ordered, values).clip(0, max(len(keys) - 1, 0))
    if not len(keys):
        return np.full(len(values), -1, dtype=np.int64)
    found: IntArray = np.where(ordered[at] == values, order[at], -1).astype(np.int64)
    return found


def _dense_positions(
    keys: IntArray, values: IntArray, bounds: tuple[int, int], keys_name: str, noun: str
) -> IntArray:
    """`positions_of` for compact whole-number ids: one table from id to position."""
    low, high = bounds
    slots = high - low + 1
    seen = np.bincount(keys - low, minlength=slots)
    if (seen > 1).any():
        twice = int(np.flatnonzero(seen > 1)[0]) + low
        msg = f"{keys_name}: {noun} {twice!r} is listed twice; one row per {noun}"
        raise InvalidInputError(msg)
    table = np.full(slots + 1, -1, dtype=np.int64)  # the last slot answers ids outside
    table[keys - low] = np.arange(len(keys))
    inside = (values >= low) & (values <= high)
    found: IntArray = table[np.where(inside, values - low, slots)]
    return found


def _check_kinds(keys: IdArray, ids: IdArray, name: str, noun: str) -> None:
    key_kind, id_kind_ = id_kind(keys), id_kind(ids)
    if "none" in (key_kind, id_kind_) or key_kind == id_kind_:
        return
    words = {"int": "whole numbers", "text": "text"}
    msg = (
        f"`{name}` is keyed by {words[key_kind]} ({_examples(keys)}), but the {noun} are "
        f"{words[id_kind_]} ({_examples(ids)}): no key can match; key `{name}` by the ids "
        "as the data gives them"
    )
    raise InvalidInputError(msg)


def _examples(ids: IdArray) -> str:
    shown = [value for value in ids.tolist() if value is not None][:3]
    return ", ".join(repr(value) for value in shown) + (", ..." if len(ids) > 3 else "")
