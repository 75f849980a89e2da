"""Reading ``by``: which group each row or account is in (`Groups`), for `Grouped` results.

``by`` is a column name or a mapping from account id to group (see `cshealth._grouped`).
`check_by` refuses anything else, `column_labels` and `mapping_labels` read the labels of
each row or account, and `group_codes` numbers them: labels as text, sorted, with the rows
without a group in `NO_GROUP`. `Groups.apply` then computes one result per group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._grouped import NO_GROUP, Grouped, R
from cshealth._types import BoolArray, IdArray, IntArray
from cshealth.io._read import column_array, keyed_values

__all__ = [
    "BY_ACCOUNT",
    "By",
    "Groups",
    "check_by",
    "column_labels",
    "group_codes",
    "mapping_labels",
]

#: A grouping: a column name, or a mapping from account id to group label.
By: TypeAlias = str | Mapping[str, object] | Mapping[int, object]
#: What ``by=`` names when it is a mapping from account id to group.
BY_ACCOUNT = "account"


@dataclass(frozen=True)
class Groups:
    """Which group each unit (a row of the data, or an account) is in.

    Attributes:
        by: What the groups are: the column name, or ``'account'``.
        codes: Per unit, its group: a position in ``labels``.
        labels: The group labels (text), sorted.
        missing: Per unit, whether it had no group (it is in `NO_GROUP`).
    """

    by: str
    codes: IntArray
    labels: tuple[str, ...]
    missing: BoolArray

    @property
    def ungrouped(self) -> int:
        """How many units had no group."""
        return int(self.missing.sum())

    def members(self) -> Iterator[tuple[str, IntArray]]:
        """Each group's label and the positions of its units (ascending), in label order."""
        order = np.argsort(self.codes, kind="stable")
        sizes = np.bincount(self.codes, minlength=len(self.labels))
        bounds = np.concatenate(([0], np.cumsum(sizes))).tolist()
        for i, label in enumerate(self.labels):
            yield label, order[bounds[i] : bounds[i + 1]]

    def apply(self, overall: R, each: Callable[[IntArray], R]) -> Grouped[R]:
        """The `Grouped` result: ``overall``, and ``each(positions)`` of every group's units.

        Examples:
            >>> from cshealth._stats import Rate
            >>> g = group_codes(np.array(["b", "a", "b"], dtype=object), "x")
            >>> r = g.apply(Rate(3, 3), lambda rows: Rate(len(rows), 3))
            >>> {label: rate.successes for label, rate in r.items()}
            {'a': 1, 'b': 2}
        """
        return Grouped(
            by=self.by,
            overall=overall,
            groups={label: each(units) for label, units in self.members()},
            ungrouped=self.ungrouped,
        )

    def take(self, units: IntArray) -> Groups:
        """The groups of some units only; labels left without a unit are dropped.

        Examples:
            >>> g = group_codes(np.array(["b", "a", None], dtype=object), "x")
            >>> g.labels, g.take(np.array([0])).labels
            (('(none)', 'a', 'b'), ('b',))
        """
        codes = self.codes[units]
        used = np.flatnonzero(np.bincount(codes, minlength=len(self.labels)))
        renumber = np.full(len(self.labels), -1, dtype=np.int64)
        renumber[used] = np.arange(len(used))
        labels = tuple(self.labels[i] for i in used.tolist())
        return Groups(self.by, renumber[codes], labels, self.missing[units])


def _text(value: object) -> str:
    """A label as text; a whole float as its whole number (an integer column with gaps)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_by(by: object) -> None:
    """Refuse a ``by`` that is neither a column name nor a mapping.

    Raises:
        InvalidInputError: On anything else.
    """
    if isinstance(by, (list, tuple, np.ndarray)) or hasattr(by, "__array__"):
        msg = (
            "`by` takes a column name or a mapping from account id to group, not labels per "
            f"row (got {type(by).__name__}); add the labels to the data as a column and pass "
            "its name"
        )
        raise InvalidInputError(msg)
    if not isinstance(by, (str, Mapping)):
        msg = (
            "`by` must be a column name or a mapping from account id to group, got "
            f"{type(by).__name__} {by!r:.60}"
        )
        raise InvalidInputError(msg)


def column_labels(columns: Mapping[str, object], by: str, n: int, *, noun: str) -> IdArray:
    """The values of the column ``by`` of the data (``n`` rows), one label per row.

    Raises:
        InvalidInputError: When the data has no such column, or it is not one value per
            row.
    """
    if by not in columns:
        msg = (
            f"`by` names no column of the {noun}: {by!r} (columns {sorted(columns)}); "
            "give a column name, or a mapping from account id to group"
        )
        raise InvalidInputError(msg)
    values = column_array(columns[by])
    if values.ndim != 1 or len(values) != n:
        msg = f"the `by` column {by!r} must hold one value per row ({n}), got shape {values.shape}"
        raise InvalidInputError(msg)
    return values


def mapping_labels(by: object, ids: IdArray) -> IdArray:
    """The group the mapping ``by`` gives each of ``ids`` (``None`` where it has none).

    Raises:
        InvalidInputError: On keys that are not identifiers, or of the other kind than
            the ids (`keyed_values`).
    """
    return keyed_values(by, ids, name="by")[0]


def group_codes(values: NDArray[np.generic], by: str) -> Groups:
    """The groups of labelled units: labels as text, missing ones `NO_GROUP`.

    Raises:
        InvalidInputError: On labels that cannot be grouped (not hashable).

    Examples:
        >>> g = group_codes(np.array(["smb", None, "ent", "smb"], dtype=object), "segment")
        >>> g.labels, g.codes.tolist(), g.ungrouped
        (('(none)', 'ent', 'smb'), [2, 0, 1, 2], 1)
    """
    try:
        codes, k = id_codes(values)
    except (InvalidInputError, ValueError, TypeError):  # unhashable cells, arrays in cells
        msg = f"the groups of `by` ({by!r}) must be text, numbers or dates, got {values[:3]!r:.80}"
        raise InvalidInputError(msg) from None
    missing = codes < 0  # None, NaN, NaT, pandas' NA
    first = np.zeros(k, dtype=np.int64)
    first[codes[~missing]] = np.flatnonzero(~missing)
    texts = [_text(value) for value in values[first].tolist()] if k else []
    labels = sorted({*texts, *([NO_GROUP] if missing.any() else [])})
    position = {label: i for i, label in enumerate(labels)}
    lookup = np.array([position[text] for text in texts] or [0], dtype=np.int64)
    group = np.where(missing, position.get(NO_GROUP, 0), lookup[np.maximum(codes, 0)])
    return Groups(by, group.astype(np.int64), tuple(labels), missing)
