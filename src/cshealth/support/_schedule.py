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
values: no Python loop per row. The interval table is built per calendar year and cached,
keyed by the schedule's content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from difflib import get_close_matches
from functools import lru_cache
from itertools import pairwise
from typing import Literal, NamedTuple, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import numpy as np
from numpy.typing import ArrayLike
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from cshealth._config import Config
from cshealth._exceptions import InvalidInputError
from cshealth._time import as_instant, to_datetime
from cshealth._types import BoolArray, FloatArray, InstantArray, IntArray
from cshealth._zones import offset_change, utc_offset
from cshealth.io._read import convert_column
from cshealth.models import Ticket

__all__ = ["Schedule", "Weekday"]

#: A day of the week, as a key of `Schedule.hours`.
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

_WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_S = 86_400
_US = 1_000_000
_DAY_US = _DAY_S * _US
_HOUR_S = 3_600
_PROBE_S = 6 * _HOUR_S
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min
#: The calendar years a schedule can lay out (a day of margin on each side stays within
#: what ``datetime`` can represent).
_FIRST_YEAR = 2
_LAST_YEAR = 9998
#: The lookup table of an interval table has at most this many steps (of an hour or more).
_MAX_LOOKUP = 1_000_000
#: Beyond this many intervals starting within one lookup step, plain bisection is faster.
_MAX_HOPS = 6
#: The most business seconds `Schedule.add_business_seconds` adds (keeps microseconds in int64).
_MAX_SECONDS = 1e11
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")
#: Any column of instants is converted as this optional instant field of `Ticket`.
_INSTANT_FIELD = "first_response_at"


class _Plan(NamedTuple):
    """A schedule's content in plain numbers: the key of the interval-table caches."""

    zone: str
    #: For Monday (0) to Sunday (6): the day's intervals as local seconds after midnight.
    week: tuple[tuple[tuple[int, int], ...], ...]
    #: Holidays as days since 1970-01-01.
    holidays: tuple[int, ...]


@dataclass(frozen=True)
class _Table:
    """Business intervals in UTC microseconds, sorted and disjoint, with running totals.

    The first interval is an empty one at ``origin``, before any instant asked about, so
    every instant has an interval at or before it. ``lookup[k]`` is the last interval
    starting at or before ``origin + k * step``; an instant in that step is at most
    ``hops`` intervals further on.
    """

    starts: IntArray
    ends: IntArray
    before: IntArray  # business microseconds before each interval
    total: int
    origin: int
    step: int
    lookup: IntArray
    next_start: IntArray  # the start of the following interval (int64's maximum for the last)
    hops: int


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


# --- validation ---------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        close = get_close_matches(name, sorted(available_timezones()), n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        msg = (
            f"unknown time zone {name!r}: give an IANA name such as 'Europe/Berlin', "
            f"'America/New_York' or 'UTC'{hint}"
        )
        raise PydanticCustomError("unknown_time_zone", msg) from None


def _seconds_of(text: object, where: str) -> int:
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is not None:
        hh, mm, ss = (int(part or 0) for part in match.groups())
        if mm < 60 and ss < 60 and (hh < 24 or (hh, mm, ss) == (24, 0, 0)):
            return hh * _HOUR_S + mm * 60 + ss
    msg = (
        f"{where} = {text!r} is not a time of day: write 'HH:MM' or 'HH:MM:SS' "
        "from '00:00' to '24:00'"
    )
    raise PydanticCustomError("bad_time", msg)


def _clock(seconds: int) -> str:
    hh, rest = divmod(seconds, _HOUR_S)
    mm, ss = divmod(rest, 60)
    return f"{hh:02d}:{mm:02d}" + (f":{ss:02d}" if ss else "")


def _interval(day: Weekday, index: int, pair: tuple[str, str]) -> tuple[int, int]:
    where = f"hours[{day!r}][{index}]"
    start = _seconds_of(pair[0], f"{where} start")
    end = _seconds_of(pair[1], f"{where} end")
    if start == _DAY_S:
        msg = f"{where} starts at '24:00', which is only allowed as an end"
        raise PydanticCustomError("bad_interval", msg)
    if start > end:
        nxt = _WEEKDAYS[(_WEEKDAYS.index(day) + 1) % 7]
        msg = (
            f"{where} = [{pair[0]!r}, {pair[1]!r}] crosses midnight, which an interval "
            f"cannot do: split it into [{pair[0]!r}, '24:00'] on {day} and "
            f"['00:00', {pair[1]!r}] on {nxt}"
        )
        raise PydanticCustomError("interval_crosses_midnight", msg)
    if start == end:
        msg = f"{where} = [{pair[0]!r}, {pair[1]!r}] is empty: the start must be before the end"
        raise PydanticCustomError("empty_interval", msg)
    return start, end


def _check_order(day: Weekday, spans: list[tuple[int, int]]) -> None:
    ordered = sorted(spans)
    for (a0, a1), (b0, b1) in pairwise(ordered):
        if b0 < a1:
            msg = (
                f"intervals [{_clock(a0)!r}, {_clock(a1)!r}] and [{_clock(b0)!r}, "
                f"{_clock(b1)!r}] of hours[{day!r}] overlap: merge them into one "
                "(intervals may touch, e.g. ['09:00', '12:00'] and ['12:00', '13:00'])"
            )
            raise PydanticCustomError("overlapping_intervals", msg)
    if ordered != spans:
        shown = ", ".join(f"[{_clock(a)!r}, {_clock(b)!r}]" for a, b in ordered)
        msg = f"the intervals of hours[{day!r}] are out of order: list them as {shown}"
        raise PydanticCustomError("intervals_out_of_order", msg)


# --- input --------------------------------------------------------------------------------


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


def _text(micros: np.int64) -> str:
    return str(np.datetime64(int(micros), "us")) + "Z"


def _years(earliest: int, latest: int) -> tuple[int, int]:
    """The calendar years whose local days can contain UTC instants in this range."""
    low, high = earliest - _DAY_US, latest + _DAY_US
    first, last = (
        int(np.datetime64(v, "us").astype("datetime64[Y]").astype(np.int64)) + 1970
        for v in (low, high)
    )
    if first < _FIRST_YEAR or last > _LAST_YEAR:
        msg = (
            f"instants must lie between the years {_FIRST_YEAR} and {_LAST_YEAR}; got "
            f"{_text(np.int64(low + _DAY_US))} to {_text(np.int64(high - _DAY_US))}"
        )
        raise InvalidInputError(msg)
    return first, last


# --- the interval table -------------------------------------------------------------------


def _locate(table: _Table, t: IntArray) -> IntArray:
    """The index of the last interval starting at or before each instant ``t``."""
    if table.hops > _MAX_HOPS:
        return np.searchsorted(table.starts, t, side="right") - 1
    j = table.lookup[(t - table.origin) // table.step]
    for _ in range(table.hops):
        j += table.next_start[j] <= t
    return j


def _elapsed(table: _Table, t: IntArray) -> IntArray:
    """Business microseconds from the table's origin up to each instant ``t``."""
    j = _locate(table, t)
    start = table.starts[j]
    elapsed: IntArray = table.before[j] + np.clip(t - start, 0, table.ends[j] - start)
    return elapsed


def _inside(table: _Table, t: IntArray) -> BoolArray:
    """Whether each instant ``t`` lies in one of the table's intervals."""
    result: BoolArray = t < table.ends[_locate(table, t)]
    return result


def _advance(plan: _Plan, start: IntArray, amount: IntArray) -> IntArray:
    """The earliest instants at which ``amount`` business microseconds follow ``start``."""
    positive = amount > 0
    if not positive.any():
        return start
    weekly = sum(b - a for day in plan.week for a, b in day)
    if weekly == 0:
        msg = "the schedule has no business hours, so no positive amount of business time can pass"
        raise InvalidInputError(msg)
    first, last = _years(int(start.min()), int(start.max()))
    while True:
        table = _table(plan, first, last)
        target = _elapsed(table, start) + amount
        short = int(target.max()) - table.total
        if short <= 0:
            break
        if last >= _LAST_YEAR:
            msg = f"adding these business seconds runs past the year {_LAST_YEAR}"
            raise InvalidInputError(msg)
        last = min(_LAST_YEAR, last + 1 + short // (weekly * _US * 52))
    ends = table.before + (table.ends - table.starts)
    k = np.minimum(np.searchsorted(ends, target, side="left"), ends.size - 1)
    due = table.starts[k] + (target - table.before[k])
    return np.where(positive, due, start)


@lru_cache(maxsize=64)
def _table(plan: _Plan, first: int, last: int) -> _Table:
    """The business intervals of the local days of the years ``first`` to ``last``."""
    origin = (date(first, 1, 1).toordinal() - _EPOCH_ORDINAL - 2) * _DAY_US
    finish = (date(last + 1, 1, 1).toordinal() - _EPOCH_ORDINAL + 2) * _DAY_US
    pieces = [_year_pieces(plan, year) for year in range(first, last + 1)]
    starts = np.concatenate([[origin], *(p[0] for p in pieces)]).astype(np.int64)
    ends = np.concatenate([[origin], *(p[1] for p in pieces)]).astype(np.int64)
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    running = np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64)
    step = max(_HOUR_S * _US, -(-(finish - origin) // _MAX_LOOKUP))
    lookup = np.searchsorted(starts, np.arange(origin, finish + step, step), side="right") - 1
    next_start = np.append(starts[1:], np.iinfo(np.int64).max)
    hops = int(np.diff(lookup).max())
    table = _Table(
        starts, ends, running[:-1], int(running[-1]), origin, step, lookup, next_start, hops
    )
    for array in (table.starts, table.ends, table.before, table.lookup, table.next_start):
        array.flags.writeable = False
    return table


@lru_cache(maxsize=512)
def _year_pieces(plan: _Plan, year: int) -> tuple[IntArray, IntArray]:
    """UTC pieces of the business time of the local days of ``year``, sorted."""
    lo_us, hi_us = _windows(plan, year)
    jan1 = (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY_S
    dec32 = (date(year + 1, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY_S
    bounds, offsets = _offset_segments(_zone(plan.zone), jan1 - _DAY_S, dec32 + _DAY_S)
    starts, ends = [], []
    for u0, u1, offset in zip(bounds[:-1], bounds[1:], offsets):
        s = np.maximum(lo_us - offset * _US, u0 * _US)
        e = np.minimum(hi_us - offset * _US, u1 * _US)
        keep = s < e
        starts.append(s[keep])
        ends.append(e[keep])
    return np.concatenate(starts), np.concatenate(ends)


def _windows(plan: _Plan, year: int) -> tuple[IntArray, IntArray]:
    """The open intervals of ``year`` on the local wall clock, as naive microseconds."""
    first = date(year, 1, 1).toordinal() - _EPOCH_ORDINAL
    days = np.arange(first, date(year + 1, 1, 1).toordinal() - _EPOCH_ORDINAL, dtype=np.int64)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    open_day = ~np.isin(days, np.asarray(plan.holidays, dtype=np.int64))
    lo: list[IntArray] = []
    hi: list[IntArray] = []
    for index, spans in enumerate(plan.week):
        picked = days[open_day & (weekday == index)] * _DAY_US
        for a, b in spans:
            lo.append(picked + a * _US)
            hi.append(picked + b * _US)
    starts = np.concatenate([np.empty(0, dtype=np.int64), *lo])
    ends = np.concatenate([np.empty(0, dtype=np.int64), *hi])
    order = np.argsort(starts, kind="stable")
    return starts[order], ends[order]


def _offset_segments(zone: ZoneInfo, lo: int, hi: int) -> tuple[list[int], list[int]]:
    """Split UTC seconds ``[lo, hi)`` where the zone's offset changes.

    Returns the boundaries (``lo``, each change, ``hi``) and the offset in seconds in force
    on each piece. The offset is probed every six hours (the closest two offset changes
    in the tz database are four days apart) and each change located to the second.
    """
    probes = [*range(lo, hi, _PROBE_S), hi]
    offsets = [utc_offset(second, zone) // _US for second in probes]
    bounds, pieces = [lo], [offsets[0]]
    for (p0, o0), (p1, o1) in zip(zip(probes, offsets), zip(probes[1:], offsets[1:])):
        if o1 != o0:
            change = offset_change(p0, p1, o0 * _US, zone)
            bounds.append(change)
            pieces.append(utc_offset(change, zone) // _US)
    bounds.append(hi)
    return bounds, pieces
