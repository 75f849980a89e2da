"""`kaplan_meier`: the survival curve of right-censored durations, counted in one sort.

Durations are numbers or time spans (read in ``time_unit``). The events and censorings per
distinct duration come from one sort of the durations with the event flag packed into the
sort key (`_count`), and the curve from those counts. `kaplan_meier_partial` gives the
same counts as a mergeable `SurvivalPartial`, whose `SurvivalPartial.finalize` is the
curve of the counts of every partition together.
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._partial import PartialKey
from cshealth._types import BoolArray, FloatArray
from cshealth.io._read import time_durations
from cshealth.retention._partial_rows import part_names
from cshealth.retention._survival_counts import (
    SurvivalCounts,
    _check_durations,
    _report_bad,
    _shown,
)
from cshealth.retention._survival_curve import SurvivalCurve
from cshealth.retention._survival_partial import SurvivalPartial, survival_rows

__all__ = ["SURVIVAL_UNITS", "SurvivalUnit", "kaplan_meier", "kaplan_meier_partial"]

#: Units of the durations `survival` builds from account dates, and of the times
#: `kaplan_meier` gives for durations given as time spans (``time_unit``).
SurvivalUnit = Literal["day", "week", "month"]
SURVIVAL_UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.2425 / 12.0}


def kaplan_meier(
    durations: ArrayLike,
    observed: ArrayLike | None = None,
    *,
    time_unit: SurvivalUnit = "day",
) -> SurvivalCurve:
    """The Kaplan–Meier survival curve of right-censored durations.

    Args:
        durations: Time from each subject's start to its event or censoring: finite
            numbers ``>= 0`` in any unit (days, months), or time spans (a
            ``timedelta64`` array, a pandas ``TimedeltaIndex`` or timedelta column, a
            polars ``Duration`` column, a list of ``datetime.timedelta``). Points in
            time (dates, datetimes, ``datetime64``) are refused: they are not durations.
        observed: ``True`` (or 1) where the event (churn) happened, ``False`` (or 0)
            where the subject was right-censored (still active when last seen); ``None``
            means every event was observed.
        time_unit: ``{'day', 'week', 'month'}``: the unit of the curve's times when
            ``durations`` are time spans (days; weeks = 7 days; average months =
            365.2425 / 12 days). Numbers are taken as given.

    Returns:
        The curve (with its mergeable `SurvivalCounts`). No durations give a curve of
        ``n == 0`` without times, whose median is ``None``.

    Raises:
        InvalidInputError: On durations that are NaN, infinite, negative or not numbers,
            ``observed`` values that are not booleans or 0/1, or arrays of different
            lengths (naming the positions and the values).

    Notes:
        The counts come from one sort of the durations (with the event flag packed into
        the sort key), so a million subjects take a few tens of milliseconds.

    Examples:
        Five customers: churned after 2, 5 and 5 months, still active after 3 and 8:

        >>> curve = kaplan_meier([2, 3, 5, 5, 8], [True, False, True, True, False])
        >>> curve.survival.tolist()  # 4/5, then 4/5 * (3 - 2)/3
        [0.8, 0.266...]
        >>> curve
        SurvivalCurve(n=5, events=3, median=5)

        Time spans come back in ``time_unit`` (days by default), here from pandas:

        >>> import pandas as pd
        >>> spans = pd.to_timedelta([7, 14, 21], unit="D")
        >>> kaplan_meier(spans).times.tolist(), kaplan_meier(spans, time_unit="week").times.tolist()
        ([7.0, 14.0, 21.0], [1.0, 2.0, 3.0])
    """
    times = _durations(durations, _unit(time_unit))
    flags = None if observed is None else _observed(observed, len(times))
    return SurvivalCurve(_count(times, flags))


def kaplan_meier_partial(
    durations: ArrayLike,
    observed: ArrayLike | None = None,
    *,
    time_unit: SurvivalUnit = "day",
    part: str | None = None,
) -> SurvivalPartial:
    """The partial form of `kaplan_meier` on one partition of the subjects.

    Checks the durations as `kaplan_meier` does and counts the events and censorings per
    distinct duration. Partials of disjoint sets of subjects merge
    (`SurvivalPartial.merge`, ``+``), and `SurvivalPartial.finalize` gives the curve
    `kaplan_meier` gives on all of them (the curve of the same counts).

    Args:
        durations: As in `kaplan_meier`.
        observed: As in `kaplan_meier`.
        time_unit: As in `kaplan_meier`; it is in the partial's key.
        part: A name for the partition, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        A `SurvivalPartial` (its key has no ``as_of`` and no ``by``).

    Raises:
        InvalidInputError: As `kaplan_meier`; and on a ``part`` that is not text.

    Examples:
        >>> a = kaplan_meier_partial([2, 3], [True, False], part="a")
        >>> b = kaplan_meier_partial([3, 8], [True, True], part="b")
        >>> (a + b).finalize() == kaplan_meier([2, 3, 3, 8], [True, False, True, True])
        True
    """
    times = _durations(durations, _unit(time_unit))
    flags = None if observed is None else _observed(observed, len(times))
    key = PartialKey.of(SurvivalPartial.KIND, time_unit=time_unit, as_of="", by="")
    return survival_rows(key, [("", _count(times, flags), None)], part_names(part))


def _count(durations: FloatArray, observed: BoolArray | None) -> SurvivalCounts:
    """Events and censorings per distinct duration, from one sort."""
    n = len(durations)
    if n == 0:
        return SurvivalCounts._trusted(np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64))
    if observed is None:
        ordered = np.sort(durations)
    else:
        # Non-negative floats sort as their bit patterns do: shift in the flag and sort once.
        key = (durations + 0.0).view(np.uint64) << np.uint64(1)  # + 0.0 turns -0.0 into 0.0
        key |= observed.view(np.uint8).astype(np.uint64)
        key.sort()
        ordered = (key >> np.uint64(1)).view(np.float64)
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    sizes = np.diff(starts, append=n)
    if observed is None:
        events = sizes
    else:
        events = np.add.reduceat((key & np.uint64(1)).astype(np.int64), starts)
    return SurvivalCounts._trusted(ordered[starts], events, sizes - events)


def _durations(values: ArrayLike, days_per_unit: float) -> FloatArray:
    spans = time_durations(values, "durations", days_per_unit=days_per_unit)
    try:
        durations = spans if spans is not None else np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        msg = f"`durations` must be numbers >= 0, got {_shown(values)}"
        raise InvalidInputError(msg) from None
    if durations.ndim != 1:
        msg = f"`durations` must be one-dimensional, got shape {durations.shape}"
        raise InvalidInputError(msg)
    _check_durations(durations, "durations")
    return durations


def _observed(values: ArrayLike, n: int) -> BoolArray:
    flags = np.asarray(values)
    if flags.ndim != 1 or len(flags) != n:
        msg = (
            f"`observed` must have one value per duration ({n}), got shape {flags.shape}; "
            "pass True where the churn happened and False where the subject is censored"
        )
        raise InvalidInputError(msg)
    if flags.dtype == np.bool_:
        return flags
    if flags.dtype.kind not in "iufO":
        msg = f"`observed` must be booleans or 0/1, got an array of {flags.dtype}"
        raise InvalidInputError(msg)
    try:
        numbers = flags.astype(np.float64)
    except (TypeError, ValueError):
        msg = f"`observed` must be booleans or 0/1, got {_shown(values)}"
        raise InvalidInputError(msg) from None
    _report_bad("observed", numbers, (numbers != 0) & (numbers != 1), "booleans or 0/1")
    flagged: BoolArray = numbers == 1
    return flagged


def _unit(unit: object) -> float:
    return SURVIVAL_UNITS[cast("str", one_of(unit, SurvivalUnit, "time_unit"))]
