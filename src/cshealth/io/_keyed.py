"""Arguments keyed by identifier, matched by the one rule of `cshealth._ids`.

An argument keyed by identifier (``seats={7: 10}``, the groups of ``nps.breakdown``, the
amounts of ``revenue_weighted``) is read as the data is, and keys that can never match the
data's ids (``"7"`` against the whole number ``7``) are an error, not a silent miss. The
same goes for two sources whose ids are of two kinds, and for looking one id up.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._ids import id_kind, position_of
from cshealth._types import BoolArray, IdArray, ObjectArray
from cshealth.io._ids import object_array, read_ids

__all__ = ["keyed_values", "position_of", "same_kind"]

_SHOWN = 5


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
