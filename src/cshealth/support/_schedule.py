"""Business hours: weekly opening hours in a time zone, with holidays, measured fast.

A `Schedule` answers "how much business time passed between these two instants" for
a million tickets at once, and its inverse "when is this much business time used up"
(an SLA due time). Hours are local wall-clock time in the schedule's time zone, so a
day of 09:00-17:00 is eight hours in winter and in summer, the hour that a spring-forward
night skips is never business time, and an hour a fall-back night repeats counts twice
when it lies inside the hours (it really elapsed twice).

How it is computed: for the local days spanned by the input, the schedule's hours are laid
out once as sorted intervals of UTC microseconds (found by walking the zone's offset
changes, so daylight saving is exact), with the business time accumulated before each.
Business time up to any instant is then a lookup (an hourly index into the table, then a
step or two) and a clip, and the time between two instants is the difference of two such
values: no Python loop per row. The interval table (`cshealth.support._interval_table`) is
built per calendar year and cached, keyed by the schedule's content; the hours are checked
in `cshealth.support._hours` and the instants asked about read in
`cshealth.support._schedule_input`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import overload

import numpy as np
from numpy.typing import ArrayLike
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from cshealth._config import Config
from cshealth._exceptions import InvalidInputError
from cshealth._time import to_datetime
from cshealth._types import BoolArray, FloatArray, InstantArray, IntArray
from cshealth.support._hours import _WEEKDAYS, Weekday, _check_order, _clock, _interval, _zone
from cshealth.support._interval_table import (
    _EPOCH_ORDINAL,
    _US,
    _advance,
    _elapsed,
    _inside,
    _Plan,
    _table,
    _years,
)
from cshealth.support._schedule_input import _NAT, _amounts, _broadcast, _check_order_of, _instants

__all__ = ["Schedule"]


class Schedule(Config):
    """Weekly business hours in a time zone, with holidays.

    Business time between two instants is the time during which the local wall clock
    (in `timezone`) reads a time inside one of that weekday's intervals, on a local date
    that is not a holiday. Intervals are half-open, ``[start, end)``.

    Attributes:
        timezone: An IANA time zone name, such as ``"Europe/Berlin"`` or ``"UTC"``.
        hours: For each weekday (``{'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'}``),
            its intervals ``("HH:MM", "HH:MM")`` in time order (``"HH:MM:SS"`` also
            works; an end may be ``"24:00"``). A day not listed is closed. Intervals of a
            day may touch (``09:00-12:00`` and ``12:00-13:00``) but not overlap, and none
            crosses midnight: write ``22:00-24:00`` and ``00:00-06:00`` on the next day.
        holidays: Local calendar dates closed all day (stored sorted, without repeats).

    The schedule is immutable and hashable, and loads from JSON with
    ``Schedule.model_validate_json``. `always` and `weekdays` build the common ones.

    Raises:
        ConfigError: On an unknown time zone or weekday, a time that is not ``HH:MM``, an
            empty or midnight-crossing interval, or intervals of one day that overlap or
            are out of order.

    Examples:
        A Berlin support desk open 09:00-17:00 on weekdays, closed on Christmas Day:

        >>> from datetime import date, datetime, timezone
        >>> desk = Schedule(
        ...     timezone="Europe/Berlin",
        ...     hours={day: [("09:00", "17:00")] for day in ("mon", "tue", "wed", "thu", "fri")},
        ...     holidays=[date(2025, 12, 25)],
        ... )
        >>> desk.weekly_seconds / 3600
        40.0

        A ticket opened on Friday at 16:00 Berlin time (15:00 UTC) and answered on Monday
        at 10:00 (09:00 UTC) waited one business hour on Friday and one on Monday:

        >>> desk.business_seconds(
        ...     datetime(2025, 11, 7, 15, tzinfo=timezone.utc),
        ...     datetime(2025, 11, 10, 9, tzinfo=timezone.utc),
        ... )
        7200.0

        A mistake is named with its place:

        >>> from cshealth import ConfigError
        >>> try:
        ...     Schedule(timezone="Europe/Berlin", hours={"mon": [("09:00", "7pm")]})
        ... except ConfigError as error:
        ...     print(error)
        invalid Schedule:
          hours: hours['mon'][0] end = '7pm' is not a time of day:
          write 'HH:MM' or 'HH:MM:SS' from '00:00' to '24:00'
    """

    timezone: str = "UTC"
    hours: Mapping[Weekday, Sequence[tuple[str, str]]]
    holidays: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        _zone(value)
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def _known_days(cls, value: object) -> object:
        if isinstance(value, Mapping):
            for day in value:
                if day not in _WEEKDAYS:
                    msg = f"unknown weekday {day!r} in `hours`; the days are {', '.join(_WEEKDAYS)}"
                    raise PydanticCustomError("unknown_weekday", msg)
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(
        cls, value: Mapping[Weekday, Sequence[tuple[str, str]]]
    ) -> dict[Weekday, tuple[tuple[str, str], ...]]:
        out: dict[Weekday, tuple[tuple[str, str], ...]] = {}
        for day in _WEEKDAYS:
            if day in value:
                spans = [_interval(day, i, pair) for i, pair in enumerate(value[day])]
                _check_order(day, spans)
                out[day] = tuple((_clock(a), _clock(b)) for a, b in spans)
        return out

    @field_validator("holidays")
    @classmethod
    def _sorted_holidays(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        return tuple(sorted(set(value)))

    def __hash__(self) -> int:
        return hash(self._plan())

    @classmethod
    def always(cls, timezone: str = "UTC") -> Schedule:
        """Open around the clock, every day: business time equals calendar time.

        Args:
            timezone: The IANA time zone (it does not change any result, since every
                instant is open, but it is kept with the schedule).

        Returns:
            A schedule with every day open ``00:00-24:00`` and no holidays.

        Raises:
            ConfigError: On an unknown time zone.

        Examples:
            >>> Schedule.always().weekly_seconds == 7 * 24 * 3600
            True
        """
        return cls(timezone=timezone, hours={day: [("00:00", "24:00")] for day in _WEEKDAYS})

    @classmethod
    def weekdays(
        cls,
        start: str = "09:00",
        end: str = "17:00",
        *,
        timezone: str = "UTC",
        holidays: Sequence[date] = (),
    ) -> Schedule:
        """Open from ``start`` to ``end`` on Monday to Friday, closed at weekends.

        Args:
            start: Opening time, ``"HH:MM"`` local wall-clock time.
            end: Closing time, ``"HH:MM"`` (``"24:00"`` for midnight).
            timezone: The IANA time zone of the hours.
            holidays: Local dates closed all day.

        Returns:
            The schedule.

        Raises:
            ConfigError: On a bad time, ``start >= end`` or an unknown time zone.

        Examples:
            >>> Schedule.weekdays("08:30", "17:00", timezone="America/New_York").hours["fri"]
            (('08:30', '17:00'),)
        """
        week: tuple[Weekday, ...] = _WEEKDAYS[:5]
        return cls(
            timezone=timezone,
            hours={day: [(start, end)] for day in week},
            holidays=tuple(holidays),
        )

    @property
    def weekly_seconds(self) -> float:
        """Business seconds in an ordinary week (no holiday, no clock change).

        Examples:
            >>> Schedule(hours={"sat": [("10:00", "12:30")]}).weekly_seconds
            9000.0
        """
        return float(sum(b - a for day in self._plan().week for a, b in day))

    @overload
    def business_seconds(self, start: datetime, end: datetime) -> float: ...
    @overload
    def business_seconds(self, start: ArrayLike, end: ArrayLike | datetime) -> FloatArray: ...
    @overload
    def business_seconds(self, start: datetime, end: ArrayLike) -> FloatArray: ...
    def business_seconds(
        self, start: datetime | ArrayLike, end: datetime | ArrayLike
    ) -> float | FloatArray:
        """Business seconds elapsed from ``start`` to ``end``.

        Args:
            start: When each period starts: an aware ``datetime``, or instants as an array
                (numpy ``datetime64`` of any unit, read as UTC), a list of aware datetimes
                or ISO 8601 texts with an offset, or a time-zone-aware pandas Series.
                Missing values (``NaT``, ``None``) give ``NaN``.
            end: When each period ends, in the same forms; a single ``datetime`` on one
                side is broadcast against an array on the other.

        Returns:
            A ``float`` when both are ``datetime``; otherwise a ``float64`` array of the
            broadcast shape, ``NaN`` where either instant is missing.

        Raises:
            InvalidInputError: On a naive datetime, a value that is not an instant,
                arrays of different lengths, instants outside the years 2 to 9998, or an
                ``end`` before its ``start`` (naming the first such row, 1-based, its two
                values and how many rows are affected).

        Notes:
            With ``F(t)`` the business time from a fixed origin up to ``t``, the result is
            ``F(end) - F(start)``, exact to the microsecond. Around daylight saving the
            hours follow the local wall clock: a skipped hour adds nothing, a repeated
            hour inside the hours adds twice.

        Examples:
            >>> import numpy as np
            >>> desk = Schedule.weekdays("09:00", "17:00", timezone="Europe/Berlin")
            >>> created = np.array(["2025-03-28T15:00", "2025-03-31T06:00"], "datetime64[us]")
            >>> answered = np.array(["2025-03-31T08:00", "NaT"], "datetime64[us]")
            >>> (desk.business_seconds(created, answered) / 3600).tolist()
            [2.0, nan]

            The first ticket waited from 16:00 to 17:00 on Friday (CET) and from 09:00 to
            10:00 on Monday, by then summer time (CEST): two business hours.
        """
        plan = self._plan()
        a, a_scalar = _instants(start, "start")
        b, b_scalar = _instants(end, "end")
        a, b = _broadcast(a, b, ("start", "end"))
        valid = (a != _NAT) & (b != _NAT)
        _check_order_of(a, b, valid)
        out = np.full(a.shape, np.nan)
        if valid.any():
            av, bv = (a, b) if valid.all() else (a[valid], b[valid])
            table = _table(plan, *_years(int(av.min()), int(bv.max())))  # end >= start
            out[valid] = (_elapsed(table, bv) - _elapsed(table, av)) / _US
        if a_scalar and b_scalar:
            return float(out[()])
        return out

    @overload
    def add_business_seconds(self, start: datetime, seconds: float) -> datetime: ...
    @overload
    def add_business_seconds(
        self, start: ArrayLike, seconds: ArrayLike | float
    ) -> InstantArray: ...
    @overload
    def add_business_seconds(
        self, start: datetime, seconds: FloatArray | IntArray | Sequence[float]
    ) -> InstantArray: ...
    def add_business_seconds(
        self, start: datetime | ArrayLike, seconds: ArrayLike | float
    ) -> datetime | InstantArray:
        """The instant at which ``seconds`` of business time have elapsed after ``start``.

        The inverse of `business_seconds`, for due times: an SLA of eight business hours
        on a ticket created at ``start`` is due at ``add_business_seconds(start, 8 * 3600)``.
        It is the earliest instant ``t >= start`` with ``business_seconds(start, t) ==
        seconds``, so a positive amount always ends inside business hours (at a closing
        time rather than the next opening), and zero returns ``start`` itself.

        Args:
            start: Starting instants, in any form `business_seconds` accepts.
            seconds: Business seconds to add (``>= 0``; resolved to the microsecond),
                a number or an array broadcast against ``start``. ``NaN`` gives ``NaT``.

        Returns:
            An aware ``datetime`` in ``start``'s time zone when ``start`` is a ``datetime``
            and ``seconds`` a number; otherwise a ``datetime64[us]`` (UTC) array, ``NaT``
            where ``start`` or ``seconds`` is missing.

        Raises:
            InvalidInputError: On a bad instant (see `business_seconds`), a negative or
                infinite amount (naming the first such row), or a positive amount on a
                schedule without any hours, or one that runs past the year 9998.

        Examples:
            >>> from datetime import datetime, timezone
            >>> desk = Schedule.weekdays("09:00", "17:00")
            >>> desk.add_business_seconds(datetime(2025, 11, 7, 15, tzinfo=timezone.utc), 4 * 3600)
            datetime.datetime(2025, 11, 10, 11, 0, tzinfo=datetime.timezone.utc)

            Two hours on Friday (15:00-17:00) and two on Monday (09:00-11:00).
        """
        plan = self._plan()
        a, _ = _instants(start, "start")
        amount = _amounts(seconds)
        a, amount = _broadcast(a, amount, ("start", "seconds"))
        valid = (a != _NAT) & (amount >= 0)
        out = np.full(a.shape, _NAT, dtype=np.int64)
        if valid.any():
            out[valid] = _advance(plan, a[valid], amount[valid])
        result = out.view("datetime64[us]")
        if not (isinstance(start, datetime) and np.ndim(seconds) == 0):
            return result
        if out[()] == _NAT:
            msg = f"`seconds` must be a number of seconds, got {seconds!r}"
            raise InvalidInputError(msg)
        return to_datetime(np.datetime64(int(out[()]), "us")).astimezone(start.tzinfo)

    @overload
    def is_open(self, instant: datetime) -> bool: ...
    @overload
    def is_open(self, instant: ArrayLike) -> BoolArray: ...
    def is_open(self, instant: datetime | ArrayLike) -> bool | BoolArray:
        """Whether the schedule is open at each instant (``False`` where missing).

        Args:
            instant: An aware ``datetime`` or instants in any form `business_seconds`
                accepts.

        Returns:
            A ``bool`` for a ``datetime``, else a boolean array of the input's shape.

        Raises:
            InvalidInputError: On a bad instant (see `business_seconds`).

        Examples:
            >>> from datetime import datetime, timezone
            >>> desk = Schedule.weekdays("09:00", "17:00", timezone="Europe/Berlin")
            >>> desk.is_open(datetime(2025, 7, 1, 7, 30, tzinfo=timezone.utc))  # 09:30 CEST
            True
            >>> desk.is_open(datetime(2025, 7, 1, 15, tzinfo=timezone.utc))  # 17:00 CEST
            False
        """
        plan = self._plan()
        t, scalar = _instants(instant, "instant")
        valid = t != _NAT
        out = np.zeros(t.shape, dtype=bool)
        if valid.any():
            tv = t[valid]
            table = _table(plan, *_years(int(tv.min()), int(tv.max())))
            out[valid] = _inside(table, tv)
        if scalar:
            return bool(out[()])
        return out

    def _plan(self) -> _Plan:
        week = tuple(
            tuple(_interval(day, i, pair) for i, pair in enumerate(self.hours.get(day, ())))
            for day in _WEEKDAYS
        )
        holidays = tuple(day.toordinal() - _EPOCH_ORDINAL for day in self.holidays)
        return _Plan(self.timezone, week, holidays)
