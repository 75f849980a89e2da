"""Date and instant columns: ISO text, Python dates and datetimes, numpy datetime64."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
from numpy.typing import NDArray

from cshealth._types import BoolArray
from cshealth.io._schema import FieldSpec
from cshealth.io._table import Column
from cshealth.io._values import (
    _DATE_TEXT,
    _DATE_WITH_TIME,
    _EPOCH,
    _INSTANT_TEXT,
    _NAIVE,
    _NAT_INT,
    _NOT_DATE,
    _NOT_INSTANT,
    _ONE_US,
    _Bad,
    _cells,
    _missing,
    _normalise,
    _numpy,
    _Problems,
)
from cshealth.models import Record

__all__: list[str] = []


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


def _instant_column(
    values: object, spec: FieldSpec, problems: _Problems, model: type[Record]
) -> tuple[Column, BoolArray]:
    array = _numpy(values)
    if array.dtype.kind == "M":
        instants = array.astype("datetime64[us]")
        return instants, np.isnat(instants)
    fast = _cells(array)
    if fast is not None:
        parsed = _utc_text(*fast)
        if parsed is not None:
            return parsed, fast[1]
    out, missing = _normalise(array, spec, problems, _norm_instant)
    ints = np.where(missing, _NAT_INT, out).astype(np.int64)
    return ints.view("datetime64[us]"), missing


def _utc_text(text: NDArray[np.str_], empty: BoolArray) -> NDArray[np.datetime64] | None:
    """Parse text that is all ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]Z`` at once, else ``None``."""
    if not len(text):
        return None  # numpy's string functions fail on empty arrays
    body = np.strings.rstrip(text, "Z")
    size = np.strings.str_len(body)
    plain = np.strings.replace(np.strings.replace(body, "-", ""), ":", "")
    plain = np.strings.replace(np.strings.replace(plain, "T", ""), ".", "")
    # the one form the models accept, every separator in its place, before numpy's parser
    # (which is more lenient) sees it
    seconds = size >= 19
    shaped = (
        (np.strings.str_len(text) == size + 1)
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
    return instants


def _parse_instant(text: str) -> object:
    match = _INSTANT_TEXT.fullmatch(text)
    if match is None:
        return _NOT_INSTANT
    year, month, day, hour, minute, second, fraction, utc, sign, off_h, off_m = match.groups()
    if utc is None and sign is None:
        return _NAIVE
    try:
        zone = timezone.utc
        if sign is not None:
            if int(off_m) > 59:
                return _NOT_INSTANT
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            zone = timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        parts = (int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        return datetime(*parts, micro, tzinfo=zone)
    except ValueError:
        return _NOT_INSTANT


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
