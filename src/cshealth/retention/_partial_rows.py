"""What the partials of retention share: keys, partition names, rows already in order.

Every retention partial (`SurvivalPartial`, `CohortPartial`, `LogoChurnPartial`, ...) is
a `cshealth._partial.Partial`. Its function reads the data exactly as the single-machine
function does and builds its rows already in the canonical order (one row per key,
ascending), so `trusted` takes them without grouping them again: a million distinct
survival times would otherwise be grouped a second time. The tests rebuild each partial
through the checking constructor and require the same partial.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._grouping import BY_ACCOUNT, By
from cshealth._partial import Partial, PartialKey
from cshealth._result import Result
from cshealth._types import FloatArray, IntArray
from cshealth.retention._periods import as_day, day_to_date

__all__ = [
    "by_option",
    "day_option",
    "empty_rows",
    "floats",
    "ints",
    "label_runs",
    "part_names",
    "read_day",
    "trusted",
]

P = TypeVar("P", bound=Partial)


def part_names(part: object) -> tuple[str, ...]:
    """The ``parts`` of a partition's partial: ``(part,)``, or none for ``None``.

    Raises:
        InvalidInputError: When ``part`` is neither text nor ``None``.

    Examples:
        >>> part_names("p-0007"), part_names(None)
        (('p-0007',), ())
    """
    if part is None:
        return ()
    if not isinstance(part, str) or not part:
        msg = (
            "`part` names the partition (text such as 'part-0007', so merging it twice is "
            f"refused) or is None, got {part!r:.60}"
        )
        raise InvalidInputError(msg)
    return (part,)


def by_option(by: By | None) -> str:
    """The ``by`` option of a key: ``''`` without groups, the column, or ``'account'``.

    Examples:
        >>> by_option(None), by_option("segment"), by_option({"a": "x"})
        ('', 'segment', 'account')
    """
    if by is None:
        return ""
    return by if isinstance(by, str) else BY_ACCOUNT


def day_option(day: int) -> str:
    """A day number as the ISO text a key holds (``'2025-03-01'``).

    Examples:
        >>> day_option(0)
        '1970-01-01'
    """
    return day_to_date(day).isoformat()


def read_day(text: str) -> int:
    """The day number of a key's ISO text (`day_option` read back).

    Examples:
        >>> read_day("1970-01-02")
        1
    """
    return as_day(text, "as_of")


def trusted(
    kind: type[P],
    key: PartialKey,
    columns: Mapping[str, NDArray[np.generic]],
    parts: tuple[str, ...],
) -> P:
    """A partial of rows its builder made canonical: not grouped again, arrays kept.

    The caller guarantees what `Partial`'s constructor would establish: every column of
    ``kind`` with its dtype (``int64``, ``float64``, ``object``), one row per key, rows in
    ascending key order.
    """
    names = [name for name, _ in kind.KEY_COLUMNS] + [*kind.COUNT_COLUMNS, *kind.SUM_COLUMNS]
    partial = object.__new__(kind)
    object.__setattr__(partial, "key", key)
    object.__setattr__(partial, "columns", {name: columns[name] for name in names})
    object.__setattr__(partial, "parts", tuple(sorted(parts)))
    Result.__post_init__(partial)  # read-only arrays
    return partial


def empty_rows(kind: type[P], key: PartialKey, parts: tuple[str, ...]) -> P:
    """The partial of a partition without rows (named by ``parts``): the identity of a merge.

    Examples:
        >>> from cshealth.retention import SurvivalPartial
        >>> key = PartialKey.of("survival", time_unit="day", as_of="", by="")
        >>> empty_rows(SurvivalPartial, key, ("p0",))
        SurvivalPartial(survival, 0 rows, 1 parts)
    """
    return trusted(kind, key, kind.empty(key).columns, parts)


def ints(columns: Mapping[str, NDArray[np.generic]], name: str) -> IntArray:
    """A count or whole-number key column (``int64``) of a partial's columns, typed."""
    return cast("IntArray", columns[name])


def floats(columns: Mapping[str, NDArray[np.generic]], name: str) -> FloatArray:
    """A sum or time column (``float64``) of a partial's columns, typed."""
    return cast("FloatArray", columns[name])


def label_runs(labels: NDArray[np.generic]) -> Iterator[tuple[str, IntArray]]:
    """Each run of equal labels in rows sorted by label: the label and its row positions.

    Examples:
        >>> runs = label_runs(np.array(["a", "a", "b"], dtype=object))
        >>> [(label, rows.tolist()) for label, rows in runs]
        [('a', [0, 1]), ('b', [2])]
    """
    n = len(labels)
    if not n:
        return
    bounds = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    edges = [0, *bounds.tolist(), n]
    for start, stop in itertools.pairwise(edges):
        yield str(labels[start]), np.arange(start, stop)
