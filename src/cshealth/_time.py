"""Points in time shared by every area: what ``as_of`` means.

A ``date`` given as ``as_of`` means the start of that day in UTC, so "as of 2026-01-01"
sees everything dated up to the end of 2025-12-31; an aware ``datetime`` is that instant.
Functions see only what happened strictly before it. Naive datetimes are refused: a
point in time without a zone is ambiguous.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np

from cshealth._exceptions import InvalidInputError

__all__ = ["as_instant", "to_datetime"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MICROSECOND = timedelta(microseconds=1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_DAY_US = 86_400_000_000


def as_instant(value: object, name: str = "as_of") -> np.datetime64:
    """``value`` (a date or an aware datetime) as a UTC ``datetime64[us]``.

    Raises:
        InvalidInputError: On a naive datetime or a value that is not a date or datetime.

    Examples:
        >>> as_instant(date(2026, 1, 1))
        np.datetime64('2026-01-01T00:00:00.000000')
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            msg = (
                f"`{name}` is a naive datetime ({value.isoformat()}); give it a time zone, "
                "e.g. tzinfo=timezone.utc, or pass a date"
            )
            raise InvalidInputError(msg)
        micros = (value - _EPOCH) // _ONE_MICROSECOND
        return np.datetime64(micros, "us")
    if isinstance(value, date):
        return np.datetime64((value.toordinal() - _EPOCH_ORDINAL) * _DAY_US, "us")
    msg = f"`{name}` must be a date or an aware datetime, got {type(value).__name__} {value!r}"
    raise InvalidInputError(msg)


def to_datetime(value: np.datetime64) -> datetime:
    """A ``datetime64`` instant (read as UTC) as an aware ``datetime``.

    Examples:
        >>> to_datetime(np.datetime64("2026-01-01T09:30", "us"))
        datetime.datetime(2026, 1, 1, 9, 30, tzinfo=datetime.timezone.utc)
    """
    micros = int(value.astype("datetime64[us]").astype(np.int64))
    return _EPOCH + micros * _ONE_MICROSECOND
