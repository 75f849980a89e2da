"""The four columns of a billing export, read and checked for `changes_from_subscriptions`.

The caller names the columns (``account``, ``start``, ``end``, ``mrr``); each is read by
the rule of a model field (`RevenueChange`'s account, first day and MRR, `Account`'s end
date, which may be open), so ids, dates and amounts follow the same rules as everywhere
in cshealth. Every bad row is reported at once, under the caller's column names and with
its account: missing values, a negative, NaN or infinite MRR, an end before its start,
a time of day, and time-zone-aware timestamps (the calendar day of an instant depends
on a time zone the export does not state).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import cast

import numpy as np

from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._types import Column, FloatArray, IntArray
from cshealth.io import to_columns
from cshealth.io._read import convert_column, named_columns, row_columns
from cshealth.models import Account, Record, RevenueChange

__all__: list[str] = []

#: Each parameter, the model field whose rules read its column (an open end is allowed).
_FIELDS: dict[str, tuple[type[Record], str]] = {
    "account": (RevenueChange, "account_id"),
    "start": (RevenueChange, "effective_on"),
    "end": (Account, "end_date"),
    "mrr": (RevenueChange, "mrr"),
}
#: An open subscription's end day (``NaT`` read as days).
_OPEN = np.iinfo(np.int64).min


def _check_names(names: Mapping[str, object]) -> None:
    for parameter, name in names.items():
        if not isinstance(name, str) or not name:
            msg = (
                f"`{parameter}` must be a column name (non-empty text), got {name!r}; e.g. "
                f"{parameter}={_DEFAULTS[parameter]!r}"
            )
            raise InvalidInputError(msg)
    seen: dict[object, str] = {}
    for parameter, name in names.items():
        if name in seen:
            msg = (
                f"`{seen[name]}` and `{parameter}` both name the column {name!r}; each "
                "parameter needs a column of its own"
            )
            raise InvalidInputError(msg)
        seen[name] = parameter


_DEFAULTS = {"account": "account_id", "start": "start_date", "end": "end_date", "mrr": "mrr"}


def _source_columns(data: object) -> dict[str, object] | None:
    """The columns of ``data`` by name; ``None`` for no rows and no columns at all."""
    named = named_columns(data)
    if named is not None:
        return named or None
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, np.ndarray)):
        rows = list(cast("Iterable[object]", data))
        if not rows:
            return None
        if all(isinstance(row, Record) for row in rows):
            return dict(to_columns(cast("list[Record]", rows)).items())
        if all(isinstance(row, Mapping) for row in rows):
            return dict(row_columns(cast("list[Mapping[object, object]]", rows)))
    msg = (
        "`subscriptions` must be a mapping of columns, a data frame or a list of row "
        f"dicts; got {type(data).__name__}"
    )
    raise InvalidInputError(msg)


def _read(
    raw: Mapping[str, object], names: Mapping[str, str]
) -> tuple[Column, IntArray, IntArray, FloatArray]:
    """The four columns converted by the models' rules; every bad row raised at once."""
    for parameter, name in names.items():
        if name not in raw:
            msg = f"`{parameter}={name!r}`: no column {name!r}; columns are {list(raw)}"
            raise InvalidInputError(msg)
        _refuse_aware(parameter, name, raw[name])
    lengths = {name: _length(name, raw[name]) for name in names.values()}
    if len(set(lengths.values())) > 1:
        msg = f"the subscription columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    columns: dict[str, Column] = {}
    errors: list[RecordError] = []
    for parameter, name in names.items():
        model, field = _FIELDS[parameter]
        try:
            columns[parameter] = convert_column(raw[name], model, field)
        except InvalidInputError as exc:
            errors.extend(_renamed(error, parameter, name) for error in exc.errors)
            if not exc.errors:
                raise
    first = columns["start"].astype(np.int64) if "start" in columns else None
    after = columns["end"].astype(np.int64) if "end" in columns else None
    if first is not None and after is not None:
        errors.extend(_out_of_order(names, first, after))
    if errors:
        _raise(errors, columns.get("account"), next(iter(lengths.values())))
    amounts = cast("FloatArray", columns["mrr"])
    return columns["account"], cast("IntArray", first), cast("IntArray", after), amounts


def _renamed(error: RecordError, parameter: str, name: str) -> RecordError:
    """``error`` under the user's column name, a missing value said in the column's words."""
    if error.code != "missing":
        return replace(error, field=name)
    return replace(error, field=name, message=_MISSING[parameter])


_MISSING = {
    "account": "no account id: every subscription needs its account",
    "start": "no start date: every subscription needs one (only the end may be open)",
    "mrr": "no MRR (None, NaN or blank): give the subscription's MRR, 0 for a free one",
}


def _length(name: str, values: object) -> int:
    try:
        size = len(cast("list[object]", values))
    except TypeError:
        size = -1
    if size < 0 or isinstance(values, (str, bytes)):
        msg = f"column {name!r} must be a list or a 1-D array, got {type(values).__name__}"
        raise InvalidInputError(msg)
    return size


def _refuse_aware(parameter: str, name: str, values: object) -> None:
    """Time-zone-aware timestamps are not calendar dates: refuse them with a hint."""
    if parameter not in ("start", "end"):
        return
    zone = getattr(getattr(values, "dt", None), "tz", None)  # pandas
    zone = zone or getattr(getattr(values, "dtype", None), "time_zone", None)  # polars
    shown: object = zone
    if zone is None:
        shown = _first_aware(values)
    if shown is None:
        return
    msg = (
        f"`{parameter}={name!r}` holds time-zone-aware timestamps ({shown!r}); "
        "subscription dates are calendar dates: give dates (`value.date()`; with pandas, "
        f"frame[{name!r}].dt.tz_localize(None) keeps the local day)"
    )
    raise InvalidInputError(msg)


def _first_aware(values: object) -> object:
    """The first aware datetime among Python values (a list, an ``object`` column)."""
    if isinstance(values, (list, tuple)):
        return next((value for value in values if _is_aware(value)), None)
    dtype = getattr(values, "dtype", None)
    if not isinstance(dtype, np.dtype) or dtype.kind != "O":
        return None
    array = np.asarray(values)
    aware = np.asarray(np.frompyfunc(_is_aware, 1, 1)(array), dtype=bool)
    return array[int(np.argmax(aware))] if aware.any() else None


def _is_aware(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


def _out_of_order(names: Mapping[str, str], first: IntArray, after: IntArray) -> list[RecordError]:
    rows = np.flatnonzero((after != _OPEN) & (after < first)).tolist()
    if not rows:
        return []
    ends = np.asarray(after[rows]).view("datetime64[D]").tolist()
    starts = np.asarray(first[rows]).view("datetime64[D]").tolist()
    message = "`{end}` is before `{start}` ({day}); a subscription counts on [start, end)"
    return [
        RecordError(
            row=row + 1,
            field=names["end"],
            value=value,
            message=message.format(end=names["end"], start=names["start"], day=day),
            code="out_of_order",
        )
        for row, value, day in zip(rows, ends, starts)
    ]


def _raise(errors: list[RecordError], ids: Column | None, n: int) -> None:
    errors.sort(key=lambda error: error.row)
    if ids is not None:  # name each row's account when the accounts read well
        errors = [replace(e, record_id=str(ids[e.row - 1])) for e in errors]
    bad_rows = len({error.row for error in errors})
    msg = f"{bad_rows} of {n} subscriptions are invalid"
    raise InvalidInputError(msg, tuple(errors))
