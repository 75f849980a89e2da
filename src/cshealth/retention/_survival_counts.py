"""`SurvivalCounts`: the sufficient statistics of a Kaplan–Meier curve, mergeable.

Per distinct duration, how many subjects had the event and how many were censored.
Counts of disjoint partitions merge exactly (`SurvivalCounts.merge`), so a Dask or Spark
job can count each partition and build the curve of the whole with
`SurvivalCurve.from_counts`. The checks of durations and counts that the constructor
shares with `kaplan_meier` are here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, RowsResult
from cshealth._types import BoolArray, FloatArray, IntArray

__all__ = ["SurvivalCounts"]

_SHOWN = 10
#: The keys of `SurvivalCounts.to_dict`, in order.
_COUNTS_KEYS = ("times", "events", "censored", "n")


@dataclass(frozen=True, eq=False, repr=False)
class SurvivalCounts(RowsResult):
    """The sufficient statistics of a Kaplan–Meier curve: events and censorings per time.

    The mergeable partial form of `SurvivalCurve`: counts of disjoint groups of subjects
    add up exactly (`merge`, ``+``, the built-in ``sum``, `combine`), so partitions
    counted apart give the very curve of the whole. Two counts are ``==`` when their
    times and counts are; ``to_dict`` and `from_dict` carry them through JSON unchanged.
    One row per distinct time: ``len(counts)`` is the number of times (``n`` counts the
    subjects), and ``to_pandas()`` gives the columns ``times``, ``events``, ``censored``.

    Attributes:
        times: Every distinct duration with an event or a censoring, ascending (read-only).
        events: Events (churns) at each time (``int64``, read-only).
        censored: Subjects censored at each time (``int64``, read-only).

    Raises:
        InvalidInputError: If the arrays are not one-dimensional of one length, the times
            are not finite, ``>= 0`` and strictly increasing, or a count is negative, not
            whole, or both counts of a time are 0.

    Examples:
        >>> from cshealth.retention import kaplan_meier
        >>> a = kaplan_meier([3, 5, 5], [True, False, True]).counts
        >>> b = kaplan_meier([1, 5], [True, True]).counts
        >>> ab = a + b
        >>> ab.times.tolist(), ab.events.tolist(), ab.censored.tolist(), ab.n
        ([1.0, 3.0, 5.0], [1, 1, 2], [0, 0, 1], 5)
        >>> ab == a.merge(b) == sum([a, b]) == SurvivalCounts.from_dict(ab.to_dict())
        True
    """

    row_fields = ("times", "events", "censored")

    times: FloatArray
    events: IntArray
    censored: IntArray

    def __post_init__(self) -> None:
        times = _as_1d("times", self.times, np.float64)
        events = _as_1d("events", self.events, np.float64)
        censored = _as_1d("censored", self.censored, np.float64)
        if not len(times) == len(events) == len(censored):
            msg = (
                "`times`, `events` and `censored` must have one length, got "
                f"{len(times)}, {len(events)} and {len(censored)}"
            )
            raise InvalidInputError(msg)
        _check_durations(times, "times")
        if len(times) > 1 and not (np.diff(times) > 0).all():
            row = int(np.flatnonzero(np.diff(times) <= 0)[0]) + 1
            msg = (
                f"`times` must be strictly increasing, got {times[row]!r} after "
                f"{times[row - 1]!r} at position {row}"
            )
            raise InvalidInputError(msg)
        for name, counts in (("events", events), ("censored", censored)):
            bad = ~(counts >= 0) | (counts == np.inf) | (counts != np.floor(counts))
            _report_bad(name, counts, bad, "whole numbers >= 0")
        total = events + censored
        _report_bad("events + censored", total, total == 0, "> 0 at every time")
        object.__setattr__(self, "times", times.copy())
        object.__setattr__(self, "events", events.astype(np.int64))
        object.__setattr__(self, "censored", censored.astype(np.int64))
        super().__post_init__()

    @classmethod
    def _trusted(cls, times: FloatArray, events: IntArray, censored: IntArray) -> SurvivalCounts:
        """Counts built by `kaplan_meier` and `combine` (already valid): no checks, no copies."""
        counts = object.__new__(cls)
        for name, array in (("times", times), ("events", events), ("censored", censored)):
            object.__setattr__(counts, name, array)
        Result.__post_init__(counts)  # read-only, without the checks
        return counts

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SurvivalCounts:
        """Counts from their `to_dict` form (after a JSON round trip too), checked.

        Args:
            data: A mapping with ``times``, ``events`` and ``censored`` (lists of one
                length), and optionally ``n``, which must then be their number of subjects.

        Returns:
            The counts, equal to those ``data`` was made from.

        Raises:
            InvalidInputError: If ``data`` is not a mapping, misses a key or has another
                one, ``n`` disagrees with the counts, or the counts are not valid (as in
                the constructor).

        Examples:
            >>> import json
            >>> from cshealth.retention import kaplan_meier
            >>> counts = kaplan_meier([2, 3, 3], [True, False, True]).counts
            >>> text = json.dumps(counts.to_dict())
            >>> SurvivalCounts.from_dict(json.loads(text)) == counts
            True
        """
        given: object = data  # checked at run time too: JSON may give any value
        if not isinstance(given, Mapping):
            msg = f"`data` must be a mapping such as `counts.to_dict()`, got {type(given).__name__}"
            raise InvalidInputError(msg)
        keys = set(data)
        missing = [key for key in _COUNTS_KEYS[:3] if key not in keys]
        unknown = sorted(str(key) for key in keys - set(_COUNTS_KEYS))
        if missing or unknown:
            msg = (
                f"`data` must have the keys {list(_COUNTS_KEYS[:3])} (and optionally 'n'); "
                f"missing {missing}, unknown {unknown}"
            )
            raise InvalidInputError(msg)
        counts = cls(
            cast("FloatArray", data["times"]),
            cast("IntArray", data["events"]),
            cast("IntArray", data["censored"]),
        )
        n = data.get("n", counts.n)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) != counts.n:
            msg = f"`n` must be the number of subjects counted ({counts.n}), got {n!r}"
            raise InvalidInputError(msg)
        return counts

    @property
    def n(self) -> int:
        """Number of subjects."""
        return int(self.events.sum() + self.censored.sum())

    @property
    def at_risk(self) -> IntArray:
        """Subjects at risk just before each time: ``n`` minus those removed earlier."""
        removed = self.events + self.censored
        before: IntArray = self.n - (np.cumsum(removed) - removed)
        return before

    def merge(self, *others: SurvivalCounts) -> SurvivalCounts:
        """The counts of these subjects and those of ``others`` together (exact).

        Args:
            *others: Counts of other, disjoint sets of subjects.

        Returns:
            Counts on the union of the times, the counts at each time added.

        Raises:
            InvalidInputError: If one of ``others`` is not a `SurvivalCounts`.

        Examples:
            >>> a = SurvivalCounts([2.0], [1], [0])
            >>> a.merge(SurvivalCounts([2.0, 4.0], [0, 1], [1, 0])).to_dict()
            {'times': [2.0, 4.0], 'events': [1, 1], 'censored': [1, 0], 'n': 3}
        """
        return SurvivalCounts.combine((self, *others))

    def __add__(self, other: object) -> SurvivalCounts:
        """``a + b`` is ``a.merge(b)``."""
        if not isinstance(other, SurvivalCounts):
            return NotImplemented
        return self.merge(other)

    def __radd__(self, other: object) -> SurvivalCounts:
        """``0 + counts`` is ``counts``: the built-in ``sum`` of counts merges them."""
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    @classmethod
    def combine(cls, parts: Iterable[SurvivalCounts]) -> SurvivalCounts:
        """The counts of all ``parts`` together (exact); no parts give empty counts.

        Args:
            parts: Counts of disjoint sets of subjects (partitions of the data).

        Returns:
            Counts on the union of the times, the counts at each time added.

        Raises:
            InvalidInputError: If a part is not a `SurvivalCounts`.

        Examples:
            >>> from cshealth.retention import kaplan_meier
            >>> parts = [kaplan_meier([1, 2]).counts, kaplan_meier([2, 3]).counts]
            >>> SurvivalCounts.combine(parts).events.tolist()
            [1, 2, 1]
        """
        parts = [_counts_part(part, position) for position, part in enumerate(parts)]
        if len(parts) == 1:
            return parts[0]
        times, inverse = np.unique(
            np.concatenate([p.times for p in parts] or [np.empty(0)]), return_inverse=True
        )
        events = np.concatenate([p.events for p in parts] or [np.empty(0, np.int64)])
        censored = np.concatenate([p.censored for p in parts] or [np.empty(0, np.int64)])
        return cls._trusted(
            times,
            np.bincount(inverse, weights=events, minlength=len(times)).astype(np.int64),
            np.bincount(inverse, weights=censored, minlength=len(times)).astype(np.int64),
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the three columns as lists, and ``n``; `from_dict` reads it back."""
        return {**super().to_dict(), "n": self.n}

    def __repr__(self) -> str:
        return (
            f"SurvivalCounts(n={self.n}, events={int(self.events.sum())}, times={len(self.times)})"
        )


def _counts_part(part: object, position: int | None) -> SurvivalCounts:
    if not isinstance(part, SurvivalCounts):
        where = "" if position is None else f" at position {position}"
        msg = (
            f"expected SurvivalCounts, got {type(part).__name__}{where}; "
            "pass `curve.counts` for a SurvivalCurve"
        )
        raise InvalidInputError(msg)
    return part


def _check_durations(durations: FloatArray, name: str) -> None:
    bad = ~(durations >= 0) | (durations == np.inf)  # NaN fails `>= 0`
    _report_bad(name, durations, bad, "finite numbers >= 0")


def _report_bad(name: str, values: NDArray[np.generic], bad: BoolArray, allowed: str) -> None:
    if not bad.any():
        return
    rows = np.flatnonzero(bad)
    shown = rows[:_SHOWN]
    listed = ", ".join(
        f"{value!r} at position {row}" for value, row in zip(values[shown].tolist(), shown.tolist())
    )
    more = f" and {len(rows) - _SHOWN} more" if len(rows) > _SHOWN else ""
    msg = f"`{name}` must be {allowed}; got {len(rows)} bad values: {listed}{more}"
    raise InvalidInputError(msg)


def _as_1d(name: str, values: ArrayLike, dtype: type[np.float64]) -> FloatArray:
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError):
        msg = f"`{name}` must be an array of numbers, got {_shown(values)}"
        raise InvalidInputError(msg) from None
    if array.ndim != 1:
        msg = f"`{name}` must be one-dimensional, got shape {array.shape}"
        raise InvalidInputError(msg)
    return array


def _shown(values: object) -> str:
    text = repr(values)
    return text if len(text) <= 80 else text[:77] + "..."
