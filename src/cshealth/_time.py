"""Points in time shared by every area: the one reader of scalar dates and instants.

``as_of``, ``start``, ``end`` and every other scalar point in time are read here, in one
way, so each area accepts what the columns accept:

* a ``date`` (or ``YYYY-MM-DD`` text, or a ``numpy.datetime64`` of unit day) is a
  calendar day; as an instant it means the start of that day in the call's
  ``timezone`` (UTC by default), so "as of 2026-01-01" sees everything up to the end of
  2025-12-31 on that clock;
* an aware ``datetime`` (a timezone-aware ``pandas.Timestamp`` is one), ISO 8601 text
  with an offset (``2025-01-31T23:30:00Z``, ``...+01:00``) or a ``numpy.datetime64``
  with a time of day (read as UTC, as numpy columns are) is that instant; as a day it
  is the calendar day the instant falls on in ``timezone``.

A naive instant (a ``datetime`` or text without a time zone) is refused with one message
everywhere: a point in time without a zone is ambiguous.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta, timezone

import numpy as np

from cshealth._checks import items
from cshealth._exceptions import InvalidInputError
from cshealth._scalars import DATE_TEXT, NAIVE, read_instant
from cshealth._zones import day_start, local_days, time_zone

__all__ = ["as_day", "as_instant", "naive_message", "to_datetime"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MICROSECOND = timedelta(microseconds=1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_DAY_US = 86_400_000_000
_ALSO = (
    "also accepted: an aware pandas Timestamp, a numpy datetime64 (read as UTC) or ISO 8601 "
    "text ('2025-01-31', or '2025-01-31T09:30:00Z' with an offset)"
)


def naive_message(name: str, value: object) -> str:
    """The one message for a point in time without a time zone, for the argument ``name``.

    Examples:
        >>> naive_message("as_of", datetime(2025, 1, 31, 9, 30)).split(";")[0]
        '`as_of` is a naive datetime (2025-01-31T09:30:00)'
    """
    shown = value.isoformat() if isinstance(value, datetime) else value
    return (
        f"`{name}` is a naive datetime ({shown}); give it a time zone, e.g. tzinfo=timezone.utc "
        "(in text an offset: '2025-01-31T09:30:00Z' or '...+01:00'), or pass a date"
    )


#: The farthest day from 1970-01-01 whose instants fit in ``datetime64[us]``.
_LAST_DAY = (2**63 - 1) // _DAY_US - 1


def as_instant(value: object, name: str = "as_of", *, timezone: str = "UTC") -> np.datetime64:
    """A scalar point in time as a UTC ``datetime64[us]``: the start of a day, or an instant.

    Args:
        value: A date (``date``, ``YYYY-MM-DD`` text, a ``datetime64`` of unit day), an
            aware ``datetime`` or ``pandas.Timestamp``, ISO 8601 text with an offset, or
            a ``datetime64`` with a time of day (UTC).
        name: The argument's name, for the error message.
        timezone: The IANA zone whose midnight starts a day given as a date.

    Returns:
        The instant; a day is the first instant of that day in ``timezone``.

    Raises:
        InvalidInputError: On a naive instant, a missing value (``None``, ``NaT``),
            unreadable text, another type, or an unknown ``timezone``.

    Examples:
        >>> as_instant(date(2026, 1, 1))
        np.datetime64('2026-01-01T00:00:00.000000')
        >>> as_instant("2026-01-01", timezone="Europe/Berlin")  # local midnight, UTC+1
        np.datetime64('2025-12-31T23:00:00.000000')
        >>> as_instant("2026-01-01T09:30:00+01:00")
        np.datetime64('2026-01-01T08:30:00.000000')
    """
    zone = time_zone(timezone).key
    day, micros = _read(value, name)
    if micros is not None:
        return np.datetime64(micros, "us")
    if abs(day) > _LAST_DAY:  # its first microsecond does not fit in an int64
        msg = f"`{name}` {value} is outside the representable range of instants"
        raise InvalidInputError(msg)
    if zone == "UTC":
        return np.datetime64(day * _DAY_US, "us")
    return day_start(day, zone)


def as_day(value: object, name: str, *, timezone: str = "UTC") -> int:
    """A scalar point in time as a calendar day (days since 1970-01-01) in ``timezone``.

    A date is that day; an instant is the day it falls on in ``timezone``. Takes the
    values `as_instant` takes.

    Raises:
        InvalidInputError: As `as_instant`.

    Examples:
        >>> as_day(date(1970, 1, 2), "start")
        1
        >>> as_day("2025-01-31T23:30:00Z", "start", timezone="Europe/Berlin") == as_day(
        ...     date(2025, 2, 1), "start"
        ... )
        True
    """
    zone = time_zone(timezone).key
    day, micros = _read(value, name)
    if micros is None:
        return day
    if zone == "UTC":
        return micros // _DAY_US
    return int(local_days(np.array([micros], dtype="datetime64[us]"), zone)[0])


def _read(value: object, name: str) -> tuple[int, int | None]:
    """``(day, None)`` for a calendar day, ``(0, micros)`` for an instant (UTC)."""
    if isinstance(value, datetime) and not _not_a_time(value):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInputError(naive_message(name, value))
        return 0, (value - _EPOCH) // _ONE_MICROSECOND
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.toordinal() - _EPOCH_ORDINAL, None
    if isinstance(value, np.datetime64) and not np.isnat(value):
        unit = np.datetime_data(value.dtype)[0]
        if unit in ("Y", "M", "W", "D"):
            return int(value.astype("datetime64[D]").astype(np.int64)), None
        return 0, _micros(value, name)
    if isinstance(value, str):
        return _text(value, name)
    got = f"{type(value).__name__} {value!r}"
    msg = f"`{name}` must be a date or an aware datetime, got {got}; {_ALSO}"
    raise InvalidInputError(msg)


def _not_a_time(value: datetime) -> bool:
    """Pandas' ``NaT`` (a ``datetime`` to ``isinstance``)."""
    return type(value).__name__ == "NaTType"


def _micros(value: np.datetime64, name: str) -> int:
    micros = value.astype("datetime64[us]")
    if np.isnat(micros):  # beyond the range of microseconds
        msg = f"`{name}` {value} is outside the representable range of instants"
        raise InvalidInputError(msg)
    return int(micros.astype(np.int64))


def _text(value: str, name: str) -> tuple[int, int | None]:
    if len(value) == 10 and DATE_TEXT.fullmatch(value):
        with contextlib.suppress(ValueError):  # not a day of the calendar: not a date
            return date.fromisoformat(value).toordinal() - _EPOCH_ORDINAL, None
    parsed = read_instant(value)
    if isinstance(parsed, datetime):
        return 0, (parsed - _EPOCH) // _ONE_MICROSECOND
    if parsed == NAIVE:
        raise InvalidInputError(naive_message(name, value))
    msg = f"`{name}` must be a date or an aware datetime, got the text {value!r}; {_ALSO}"
    raise InvalidInputError(msg)


def to_datetime(value: np.datetime64) -> datetime:
    """A ``datetime64`` instant (read as UTC) as an aware ``datetime``.

    Examples:
        >>> to_datetime(np.datetime64("2026-01-01T09:30", "us"))
        datetime.datetime(2026, 1, 1, 9, 30, tzinfo=datetime.timezone.utc)
    """
    micros = int(value.astype("datetime64[us]").astype(np.int64))
    return _EPOCH + micros * _ONE_MICROSECOND


def day_list(dates: object, *, what: str = "day", name: str = "dates") -> list[int]:
    """A list of distinct days (``date``, ISO text or aware instants) as whole days, ascending.

    Args:
        dates: The days.
        what: What one day is, for the message on an empty list ("observation date").
        name: The argument's name, for messages.

    Raises:
        InvalidInputError: On one day instead of a list, an empty list, a value that is not
            a day, or a day given twice (each named).

    Examples:
        >>> from datetime import date
        >>> day_list([date(1970, 1, 3), "1970-01-02"])
        [1, 2]
    """
    if isinstance(dates, (str, date, np.datetime64)):
        msg = f"`{name}` must be a list of days, got one day; use [day]"
        raise InvalidInputError(msg)
    days = [as_day(value, name) for value in items(dates, name, "days")]
    if not days:
        msg = f"`{name}` is empty: give at least one {what}"
        raise InvalidInputError(msg)
    twice = sorted({day for day in days if days.count(day) > 1})
    if twice:
        shown = ", ".join(date.fromordinal(day + _EPOCH_ORDINAL).isoformat() for day in twice)
        msg = f"`{name}` gives {shown} more than once; give each day once"
        raise InvalidInputError(msg)
    return sorted(days)
