"""Date and instant columns: ISO text, Python dates and datetimes, numpy datetime64.

Instants are converted on whole columns: ``datetime64`` as it is (UTC), a timezone-aware
pandas or polars column by its own UTC conversion (`_numpy`), ``...Z`` text by numpy's
parser, and a list or object array of aware ``datetime`` values by reading every
value's wall-clock fields at once (``datetime.__reduce_ex__`` gives them as ten bytes)
and subtracting each zone's offset vectorised (`wall_to_utc` for IANA zones). Only
other values (text with offsets, other ``tzinfo`` classes, bad values) are read one by
one.

Naive timestamps in text are refused unless the caller names the zone they were written
in (``assume_timezone=``, held by `assumed_timezone` while a load runs).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone
from itertools import repeat
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._scalars import ScalarProblem, read_instant
from cshealth._types import BoolArray, Column, IntArray
from cshealth._zones import time_zone, wall_to_utc
from cshealth.io._schema import FieldSpec, field_specs
from cshealth.io._values import (
    _DATE_TEXT,
    _DATE_WITH_TIME,
    _EPOCH,
    _NAIVE,
    _NAT_INT,
    _NOT_DATE,
    _NOT_INSTANT,
    _ONE_US,
    _PROBLEMS,
    _Bad,
    _cells,
    _missing,
    _normalise,
    _numpy,
    _Problems,
)
from cshealth.models import Record

__all__ = ["assumed_timezone", "localized_rows", "utc_instants"]

#: The IANA zone naive timestamps in text are read in (``None``: they are refused).
_ASSUMED: ContextVar[str | None] = ContextVar("assume_timezone", default=None)
_STATE = operator.methodcaller("__reduce_ex__", 4)  # (cls, (fields, tzinfo)), fold kept
_ARGS = operator.itemgetter(1)
_FIELDS = operator.itemgetter(0)
_TZINFO = operator.attrgetter("tzinfo")
_DAY_US = 86_400_000_000


@contextmanager
def assumed_timezone(timezone: str | None) -> Iterator[None]:
    """Read naive timestamps in text as wall-clock time in ``timezone`` inside the block.

    Raises:
        InvalidInputError: If ``timezone`` is not ``None`` or an IANA zone name (the
            argument is called ``assume_timezone``).
    """
    if timezone is not None:
        try:
            timezone = time_zone(timezone).key
        except InvalidInputError as exc:
            raise InvalidInputError(str(exc).replace("`timezone`", "`assume_timezone`")) from None
    token = _ASSUMED.set(timezone)
    try:
        yield
    finally:
        _ASSUMED.reset(token)


def _date_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    array = _numpy(values)
    if array.dtype.kind == "M":
        days = array.astype("datetime64[D]")
        timed = ~np.isnat(array) & (days != array)
        problems.mask(spec.name, timed, _DATE_WITH_TIME.code, _DATE_WITH_TIME.message)
        days[timed] = np.datetime64("NaT")
        return days, np.isnat(days)
    fast = _cells(array)
    # only the YYYY-MM-DD form the models accept goes to numpy's (more lenient) parser
    if fast is not None and len(fast[0]) and np.all(_date_shaped(fast[0]) | fast[1]):
        text, empty = fast
        try:
            return np.where(empty, "NaT", text).astype("datetime64[D]"), empty
        except ValueError:
            pass  # some cell is not a date: find which, one by one
    out, missing = _normalise(array, spec, problems, _norm_date)
    ints = np.where(missing, _NAT_INT, out).astype(np.int64)
    return ints.view("datetime64[D]"), missing


def _date_shaped(text: NDArray[np.str_]) -> BoolArray:
    """Where ``text`` looks like ``YYYY-MM-DD`` (digits and dashes in their places)."""
    shaped: BoolArray = (
        (np.strings.str_len(text) == 10)
        & (np.strings.find(text, "-") == 4)
        & (np.strings.rfind(text, "-") == 7)
        & np.strings.isdigit(np.strings.replace(text, "-", ""))
        & ~np.strings.startswith(text, "0000")  # year 0 is not a Python date
    )
    return shaped


def _norm_date(value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            return _DATE_WITH_TIME
        value = value.date()
    if isinstance(value, date):
        return value.toordinal() - _EPOCH_ORDINAL
    if isinstance(value, str):
        if not value.strip():
            return None
        if not _DATE_TEXT.fullmatch(value):
            return _NOT_DATE
        try:
            return _norm_date(date.fromisoformat(value))
        except ValueError:
            return _NOT_DATE
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        day = value.astype("datetime64[D]")
        return _DATE_WITH_TIME if day != value else int(day.astype(np.int64))
    return _NOT_DATE


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


#: Instants must lie in years 1..9999 in UTC, as Python's ``datetime`` (and the models) do.
_FIRST_INSTANT = np.datetime64("0001-01-01T00:00", "us")
_BEYOND_INSTANT = np.datetime64("10000-01-01T00:00", "us")


def _instant_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    instants, missing = _instants(values, spec, problems, model)
    outside = ~missing & ((instants < _FIRST_INSTANT) | (instants >= _BEYOND_INSTANT))
    if outside.any():  # e.g. 9999-12-31T23:00-05:00, in year 10000 in UTC
        message = "timestamp is outside years 1..9999 in UTC"
        problems.mask(spec.name, outside, "datetime_out_of_range", message)
        instants = instants.copy()
        instants[outside] = np.datetime64("NaT")
        missing = missing | outside
    return instants, missing


def _instants(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[NDArray[np.datetime64], BoolArray]:
    array = _numpy(values)
    if array.dtype.kind == "M":
        instants = array.astype("datetime64[us]")
        return instants, np.isnat(instants)
    if array.dtype == object:
        aware = utc_instants(array)
        if aware is not None:
            return aware, np.isnat(aware)
    fast = _cells(array)
    if fast is not None:
        parsed = _utc_text(*fast)
        if parsed is not None:
            return parsed, fast[1]
    out, missing = _normalise(array, spec, problems, _norm_instant)
    ints = np.where(missing, _NAT_INT, out).astype(np.int64)
    return ints.view("datetime64[us]"), missing


def _utc_text(text: NDArray[np.str_], empty: BoolArray) -> NDArray[np.datetime64] | None:
    """Parse text that is all ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]Z`` at once, else ``None``.

    The separator may be ``T`` or a space; under `assumed_timezone` the ``Z`` may be
    left out (that text is wall-clock time in the assumed zone).
    """
    if not len(text):
        return None  # numpy's string functions fail on empty arrays
    zone = _ASSUMED.get()
    text = np.strings.replace(text, " ", "T")
    body = np.strings.rstrip(text, "Z")
    size = np.strings.str_len(body)
    naive = np.strings.str_len(text) == size
    plain = np.strings.replace(np.strings.replace(body, "-", ""), ":", "")
    plain = np.strings.replace(np.strings.replace(plain, "T", ""), ".", "")
    # the one form the models accept, every separator in its place, before numpy's parser
    # (which is more lenient) sees it
    seconds = size >= 19
    shaped = (
        ((np.strings.str_len(text) == size + 1) | (naive & (zone is not None)))
        & ((size == 16) | (size == 19) | ((size >= 21) & (size <= 26)))
        & (np.strings.find(body, "-") == 4)
        & (np.strings.rfind(body, "-") == 7)
        & (np.strings.find(body, "T") == 10)
        & (np.strings.find(body, ":") == 13)
        & (np.strings.rfind(body, ":") == np.where(seconds, 16, 13))
        & (np.strings.find(body, ".") == np.where(size >= 21, 19, -1))
        & np.strings.isdigit(plain)
        & ~np.strings.startswith(body, "0000")  # year 0 is not a Python date
    )
    if not np.all(shaped | empty):
        return None
    try:
        instants: NDArray[np.datetime64] = np.where(empty, "NaT", body).astype("datetime64[us]")
    except ValueError:
        return None  # some cell is not a timestamp (a 13th month): find which, one by one
    local = naive & ~empty
    if zone is not None and local.any():
        wall = instants[local].view(np.int64)
        instants[local] = wall_to_utc(wall, np.zeros(len(wall), bool), zone).view(instants.dtype)
    return instants


def utc_instants(array: NDArray[np.generic]) -> NDArray[np.datetime64] | None:
    """An object array of aware datetimes as UTC ``datetime64[us]``, without a loop per row.

    Missing values (``None``, ``NaN``, ``NaT``) become ``NaT``. ``datetime`` values with a
    fixed offset (``timezone.utc``, ``timezone(timedelta(hours=1))``) or an IANA zone
    (``ZoneInfo``), and aware ``pandas.Timestamp`` values, are converted on the whole
    array.

    Returns:
        The instants, or ``None`` when some value is anything else (naive, text, another
        ``tzinfo`` class, another type): the caller then reads value by value and
        reports the bad ones.

    Examples:
        >>> from datetime import datetime, timezone
        >>> from zoneinfo import ZoneInfo
        >>> values = np.array(
        ...     [
        ...         datetime(2025, 2, 1, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        ...         datetime(2025, 2, 1, 0, 30, tzinfo=timezone.utc),
        ...         None,
        ...     ],
        ...     dtype=object,
        ... )
        >>> utc_instants(values)
        array(['2025-01-31T23:30:00.000000', '2025-02-01T00:30:00.000000', 'NaT'],
              dtype='datetime64[us]')
    """
    items = array.tolist()
    kinds = set(map(type, items))
    out = np.full(len(items), np.datetime64("NaT"), dtype="datetime64[us]")
    known = {kind for kind in kinds - _MISSING_KINDS if kind.__name__ != "NaTType"}
    if len(known) != 1 or not items:
        return out if not known and _all_missing(items) else None
    kind = known.pop()
    timestamps = kind.__name__ == "Timestamp" and kind.__module__.startswith("pandas")
    if kind is not datetime and not timestamps:
        return None
    rows: IntArray | None = None
    if kinds != {kind}:
        same = map(operator.is_, map(type, items), repeat(kind))
        present = np.fromiter(same, dtype=bool, count=len(items))
        rows = np.flatnonzero(present)
        if not _all_missing([v for v, p in zip(items, present.tolist()) if not p]):
            return None
        items = [items[i] for i in rows.tolist()]
    micros = _timestamp_micros(items) if timestamps else _datetime_micros(items)
    if micros is None:
        return None
    if rows is None:
        return micros.view("datetime64[us]")
    out[rows] = micros.view("datetime64[us]")
    return out


_MISSING_KINDS = frozenset({type(None), float})


def _all_missing(items: list[object]) -> bool:
    return all(_missing(item) for item in items)


def _datetime_micros(items: list[object]) -> IntArray | None:
    """Microseconds (UTC) of aware ``datetime`` values with fixed-offset or IANA zones."""
    zones = list(map(_TZINFO, items))
    try:
        distinct = list(set(zones))
    except TypeError:  # a tzinfo that cannot be hashed
        return None
    if not all(isinstance(z, timezone) or (isinstance(z, ZoneInfo) and z.key) for z in distinct):
        return None  # naive, or a tzinfo class read value by value
    state = b"".join(map(_FIELDS, map(_ARGS, map(_STATE, items))))
    f: IntArray = np.frombuffer(state, dtype=np.uint8).reshape(-1, 10).astype(np.int64)
    months = (f[:, 0] * 256 + f[:, 1] - 1970) * 12 + (f[:, 2] & 127) - 1
    days = months.astype("datetime64[M]").astype("datetime64[D]").view(np.int64) + f[:, 3] - 1
    seconds = (f[:, 4] * 60 + f[:, 5]) * 60 + f[:, 6]
    wall: IntArray = (
        days * _DAY_US + seconds * 1_000_000 + (f[:, 7] << 16) + (f[:, 8] << 8) + f[:, 9]
    )
    fold = f[:, 2] >= 128
    if len(distinct) == 1:
        return _to_utc(wall, fold, distinct[0])
    lookup = {zone: code for code, zone in enumerate(distinct)}
    codes = np.fromiter(map(lookup.__getitem__, zones), dtype=np.intp, count=len(zones))
    for code, zone in enumerate(distinct):
        rows = codes == code
        wall[rows] = _to_utc(wall[rows], fold[rows], zone)
    return wall


def _to_utc(wall: IntArray, fold: BoolArray, zone: object) -> IntArray:
    if isinstance(zone, timezone):
        return wall - zone.utcoffset(None) // _ONE_US
    return wall_to_utc(wall, fold, cast("ZoneInfo", zone).key)


def _timestamp_micros(items: list[object]) -> IntArray | None:
    """Microseconds (UTC) of aware ``pandas.Timestamp`` values (``None`` if one is naive)."""
    if any(zone is None for zone in set(map(operator.attrgetter("tz"), items))):
        return None
    nanos = np.fromiter(map(operator.attrgetter("value"), items), dtype=np.int64, count=len(items))
    micros: IntArray = nanos // 1000
    return micros


def _parse_instant(text: str) -> object:
    """An aware ``datetime``, or the `_Bad` of `cshealth._scalars.read_instant`'s problem."""
    parsed = read_instant(text, assume_timezone=_ASSUMED.get())
    return _PROBLEMS[parsed] if isinstance(parsed, ScalarProblem) else parsed


def _norm_instant(value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        value = _parse_instant(value)
        if isinstance(value, _Bad):
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return _NAIVE
        return (value - _EPOCH) // _ONE_US
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else int(value.astype("datetime64[us]").astype(np.int64))
    return _NOT_INSTANT


def localized_rows(rows: list[dict[str, object]], model: type[Record]) -> list[dict[str, object]]:
    """Rows whose naive instant text is read in the `assumed_timezone` (the `load` path).

    The columns path reads such text in `_utc_text` and `_parse_instant`; records are
    validated by the models, which refuse naive text, so under an assumed zone the text
    of the model's instant fields is read here first, by the same parser. Without an
    assumed zone the rows are returned as they are.
    """
    if _ASSUMED.get() is None:
        return rows
    fields = [spec.name for spec in field_specs(model) if spec.kind == "instant"]
    out: list[dict[str, object]] = []
    for row in rows:
        if type(row) is not dict or not any(isinstance(row.get(f), str) for f in fields):
            out.append(row)
            continue
        read = dict(row)
        for name in fields:
            value = read.get(name)
            parsed = _parse_instant(value) if isinstance(value, str) else None
            if isinstance(parsed, datetime):
                read[name] = parsed
        out.append(read)
    return out
