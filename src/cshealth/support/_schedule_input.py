"""The instants and amounts a `Schedule` is asked about, read and checked.

Instants in any form (an aware ``datetime``, ``datetime64`` of any unit read as UTC,
aware datetimes or ISO texts with an offset, a time-zone-aware pandas Series) become
int64 UTC microseconds, missing ones int64's minimum (`_NAT`); amounts of business
seconds become int64 microseconds. Every bad value is an `InvalidInputError` naming the
argument and the first bad row.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._time import as_instant
from cshealth._types import BoolArray, InstantArray, IntArray
from cshealth.io._read import convert_column
from cshealth.models import Ticket
from cshealth.support._interval_table import _US, _text

__all__: list[str] = []

_NAT = np.iinfo(np.int64).min
#: The most business seconds `Schedule.add_business_seconds` adds (keeps microseconds in int64).
_MAX_SECONDS = 1e11
#: Any column of instants is converted as this optional instant field of `Ticket`.
_INSTANT_FIELD = "first_response_at"


def _instants(value: object, name: str) -> tuple[IntArray, bool]:
    """``value`` as int64 UTC microseconds (``NaT`` as int64's minimum); whether a datetime."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:  # as_instant's advice to pass a date does not fit here
            msg = (
                f"`{name}` is a naive datetime ({value.isoformat()}); give it a time zone, "
                "e.g. tzinfo=timezone.utc"
            )
            raise InvalidInputError(msg)
        return np.asarray(as_instant(value, name).astype(np.int64)), True
    if isinstance(value, date):
        msg = f"`{name}` must be an aware datetime or instants, got the date {value.isoformat()}"
        raise InvalidInputError(msg)
    if isinstance(value, (str, np.datetime64)):
        value = np.asarray(value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "M":
        return value.astype("datetime64[us]").view(np.int64), False
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return _converted(value.reshape(1), name).view(np.int64).reshape(()), False
    column = _converted(value, name)
    return column.view(np.int64), False


def _converted(values: object, name: str) -> InstantArray:
    try:
        column = convert_column(values, Ticket, _INSTANT_FIELD)
    except InvalidInputError as exc:
        msg = str(exc.args[0]).replace(f"`{_INSTANT_FIELD}`", f"`{name}`")
        errors = tuple(replace(error, field=name) for error in exc.errors)
        raise InvalidInputError(msg, errors) from None
    return np.asarray(column, dtype="datetime64[us]")


def _amounts(seconds: object) -> IntArray:
    """Business seconds to add, as int64 microseconds (``NaT``'s integer where missing)."""
    try:
        values = np.asarray(seconds, dtype=np.float64)
    except (TypeError, ValueError):
        msg = f"`seconds` must be numbers of seconds, got {seconds!r}"
        raise InvalidInputError(msg) from None
    flat = values.reshape(-1)
    bad = ~np.isnan(flat) & ~((flat >= 0) & (flat <= _MAX_SECONDS))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"`seconds` must be from 0 to {_MAX_SECONDS:.0e} (about 3,000 years); "
            f"{int(bad.sum())} of {flat.size} are not, "
            f"the first at row {row + 1}: {float(flat[row])}"
        )
        raise InvalidInputError(msg)
    micros = np.full(values.shape, _NAT, dtype=np.int64)
    present = ~np.isnan(values)
    micros[present] = np.round(values[present] * _US).astype(np.int64)
    return micros


def _broadcast(a: IntArray, b: IntArray, names: tuple[str, str]) -> tuple[IntArray, IntArray]:
    try:
        x, y = np.broadcast_arrays(a, b)
    except ValueError:
        msg = (
            f"`{names[0]}` and `{names[1]}` must have one length (or one be a single value), "
            f"got shapes {a.shape} and {b.shape}"
        )
        raise InvalidInputError(msg) from None
    return x, y


def _check_order_of(a: IntArray, b: IntArray, valid: BoolArray) -> None:
    bad = (valid & (b < a)).reshape(-1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        first, second = (_text(v.reshape(-1)[row]) for v in (a, b))
        msg = (
            f"`end` is before `start` in {int(bad.sum())} of {bad.size} rows; the first is "
            f"row {row + 1}: start {first}, end {second}"
        )
        raise InvalidInputError(msg)
