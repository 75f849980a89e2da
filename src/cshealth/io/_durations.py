"""Durations given as time spans (``timedelta64``, pandas and polars spans, ``timedelta``).

Durations are numbers of a unit to the kernels (days, weeks, months). Time spans are
divided by the unit; points in time are refused, since read as numbers they would be
the days (or nanoseconds) since 1970.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray
from cshealth.io._values import _missing, _numpy

__all__ = ["time_durations"]

_DAY = np.timedelta64(1, "D")


def time_durations(values: object, name: str, *, days_per_unit: float) -> FloatArray | None:
    """Durations given as time spans, as numbers of a unit; ``None`` for plain numbers.

    ``values`` may be a ``timedelta64`` array, a pandas ``TimedeltaIndex`` or timedelta
    column, a polars ``Duration`` column, or a sequence of ``datetime.timedelta`` (or
    ``pandas.Timedelta``); each span is divided by the unit (``days_per_unit`` days).
    Missing spans (``NaT``, ``None``) become ``NaN``. Anything else that is not a
    point in time gives ``None``: the caller reads plain numbers as already in the unit.

    Raises:
        InvalidInputError: When the values are points in time (``datetime64``, dates,
            datetimes, timestamps): a date is not a duration (it would be read as the
            days since 1970).

    Examples:
        >>> time_durations(np.array([7, 14], "timedelta64[D]"), "d", days_per_unit=7.0)
        array([1., 2.])
        >>> time_durations([1.5, 2.0], "d", days_per_unit=1.0) is None
        True
    """
    array = _numpy(values)
    kinds = set(map(type, array.reshape(-1).tolist())) if array.dtype == object else set()
    kinds = {kind for kind in kinds if kind is not type(None) and kind.__name__ != "NaTType"}
    instants = any(issubclass(k, date) or k.__name__ == "Timestamp" for k in kinds)
    if array.dtype.kind == "M" or instants:
        shown = array.dtype if array.dtype.kind == "M" else "dates or datetimes"
        msg = (
            f"`{name}` holds points in time ({shown}), not durations; give the time from "
            "each start to its end or censoring (end - start, as timedelta64 or numbers)"
        )
        raise InvalidInputError(msg)
    if array.ndim != 1:
        return None  # the caller names the shape
    if kinds and all(issubclass(kind, timedelta) for kind in kinds):
        spans = [None if _missing(item) else item for item in array.tolist()]
        array = np.array(spans, dtype="timedelta64[us]")
    if array.dtype.kind != "m":
        return None
    days: FloatArray = array / _DAY
    return days / days_per_unit
