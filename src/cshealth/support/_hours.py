"""Opening hours as configuration: weekdays, times of day and time zones, checked.

The validators of `Schedule` read ``"HH:MM"`` texts into seconds after midnight, refuse
an interval that is empty or crosses midnight and intervals of one day that overlap or
are out of order, and name an unknown time zone with the closest known ones. Each
mistake is a `PydanticCustomError` with a stable slug, which `Schedule` turns into a
`ConfigError` naming its place.
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic_core import PydanticCustomError

__all__ = ["Weekday"]

#: A day of the week, as a key of `Schedule.hours`.
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

_WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_S = 86_400
_HOUR_S = 3_600
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")


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
