"""The columns a scorecard reads, checked once: ids, numbers, flags, categories, instants.

``data`` is a mapping of columns (a dict, a `MeasureTable`), a data frame (pandas,
polars) or an iterable of per-account mappings. Missing is ``None`` or NaN. Every error
names the column, the account and the bad value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Literal, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import missing_ids
from cshealth._exceptions import InvalidInputError
from cshealth._scalars import DATE_TEXT
from cshealth._time import as_instant
from cshealth._types import FloatArray, IdArray, InstantArray, ObjectArray
from cshealth.io._read import column_array, named_columns, read_ids, row_columns, utc_instants

__all__ = ["Inputs", "Kind", "gather", "read_inputs"]

#: How a column is read: numbers (``float64``), flags (``bool`` in a float array of
#: 0/1/NaN), text (``object``), instants (``datetime64[us]``) or as given (``raw``).
Kind = Literal["number", "flag", "text", "instant", "raw"]


class Inputs:
    """The account ids and the converted columns a scorecard needs."""

    __slots__ = ("account_ids", "columns", "n")

    def __init__(self, account_ids: IdArray, columns: dict[str, NDArray[np.generic]]) -> None:
        self.account_ids = account_ids
        self.columns = columns
        self.n = len(account_ids)

    def number(self, name: str) -> FloatArray:
        """A number (or flag) column."""
        return cast("FloatArray", self.columns[name])

    def text(self, name: str) -> ObjectArray:
        """A text column."""
        return cast("ObjectArray", self.columns[name])

    def instant(self, name: str) -> InstantArray:
        """An instant column."""
        return cast("InstantArray", self.columns[name])


def gather(data: object) -> dict[str, object]:
    """The raw columns of ``data`` by name (rows become columns; absent keys are None)."""
    if isinstance(data, Iterator):
        data = list(data)
    named = named_columns(data)
    if named is not None:
        return named
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, np.ndarray)):
        rows = list(data)
        bad = next((i for i, row in enumerate(rows) if not isinstance(row, Mapping)), None)
        if bad is not None:
            msg = (
                f"scoring data row {bad + 1} is a {type(rows[bad]).__name__}, not a mapping of "
                "column to value"
            )
            raise InvalidInputError(msg)
        return dict(row_columns(cast("list[Mapping[object, object]]", rows)))
    msg = (
        "scoring data must be a mapping of columns, a data frame or an iterable of "
        f"per-account mappings; got {type(data).__name__}"
    )
    raise InvalidInputError(msg)


def read_inputs(
    data: object,
    kinds: Mapping[str, Kind],
    *,
    absent: Literal["error", "missing"] = "error",
) -> Inputs:
    """Read ``account_id`` and the ``kinds`` columns of ``data``, checked and converted.

    Raises:
        InvalidInputError: On a missing or repeated account id, an absent column (with
            ``absent="error"``) or a bad value, naming the column, account and value.
    """
    raw = gather(data)
    if not raw:  # no rows at all (an empty list or iterator): no accounts, no columns
        raw = {"account_id": np.empty(0, dtype=object)}
        absent = "missing"
    if "account_id" not in raw:
        msg = f"scoring data needs an `account_id` column; it has {sorted(raw)}"
        raise InvalidInputError(msg)
    ids = _account_ids(raw["account_id"])
    columns: dict[str, NDArray[np.generic]] = {}
    for name, kind in kinds.items():
        if name not in raw:
            if absent == "error":
                msg = f"scoring data has no column {name!r}; it has {sorted(raw)}"
                raise InvalidInputError(msg)
            columns[name] = _absent(kind, len(ids))
            continue
        columns[name] = _convert(raw[name], name, kind, ids)
    return Inputs(ids, columns)


def _account_ids(values: object) -> IdArray:
    """The account ids by the identifier rule: whole numbers stay numbers, none repeated."""
    return read_ids(_listed(values), name="account_id", unique=True)


def _array(values: object, name: str, ids: IdArray | None) -> NDArray[np.generic]:
    array = values if isinstance(values, np.ndarray) else np.asarray(_listed(values))
    if array.ndim != 1 or (ids is not None and len(array) != len(ids)):
        want = f"{len(ids)} values (one per account)" if ids is not None else "1-D"
        msg = f"column {name!r} must be {want}, got shape {array.shape}"
        raise InvalidInputError(msg)
    return array


def _listed(values: object) -> object:
    """Pandas and polars columns to numpy (keeping NaN / None), others as they are."""
    to_numpy = getattr(values, "to_numpy", None)
    if callable(to_numpy):
        return to_numpy()
    if isinstance(values, (list, tuple)):
        return np.array(values, dtype=object) if _mixed(values) else values
    return values


def _mixed(values: list[object] | tuple[object, ...]) -> bool:
    return any(v is None for v in values) or len({type(v) for v in values}) > 1


def _absent(kind: Kind, n: int) -> NDArray[np.generic]:
    if kind in ("number", "flag"):
        return np.full(n, np.nan)
    if kind == "instant":
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    return np.full(n, None, dtype=object)


def _convert(values: object, name: str, kind: Kind, ids: IdArray) -> NDArray[np.generic]:
    if kind == "instant":  # a timezone-aware frame column converts by its own UTC rule
        return _instants(_array(column_array(values), name, ids), name, ids)
    array = _array(values, name, ids)
    if kind == "number":
        return _numbers(array, name, ids)
    if kind == "flag":
        return _flags(array, name, ids)
    if kind == "text":
        return _texts(array, name, ids)
    return array


def _bad(name: str, ids: IdArray, row: int, value: object, allowed: str) -> InvalidInputError:
    if not len(ids):  # a column of the wrong type, with no rows
        return InvalidInputError(f"column {name!r} must hold {allowed}")
    msg = f"column {name!r}, account {ids[row]!r} (row {row + 1}): {value!r} is not {allowed}"
    return InvalidInputError(msg)


def _numbers(array: NDArray[np.generic], name: str, ids: IdArray) -> FloatArray:
    if array.dtype.kind in "fiu":
        numbers = array.astype(np.float64, copy=False)
    elif array.dtype.kind == "O":
        numbers = np.full(len(array), np.nan)
        present = np.flatnonzero(~missing_ids(cast("ObjectArray", array)))
        values = array[present]
        if not all(map(_is_number_type, set(map(type, values.tolist())))):
            row = next(r for r in present.tolist() if not _is_number_type(type(array[r])))
            raise _bad(name, ids, row, array[row], "a number (None or NaN for missing)")
        numbers[present] = values.astype(np.float64)
    else:
        raise _bad(name, ids, 0, array[0] if len(array) else None, "a number")
    infinite = np.isinf(numbers)
    if infinite.any():
        row = int(np.flatnonzero(infinite)[0])
        raise _bad(name, ids, row, float(numbers[row]), "a finite number (NaN for missing)")
    return numbers


def _is_number_type(kind: type) -> bool:
    """A number type, not a flag: ``bool`` (and ``numpy.bool_``) are not numbers here."""
    return issubclass(kind, (int, float, np.number)) and not issubclass(kind, (bool, np.bool_))


def _flags(array: NDArray[np.generic], name: str, ids: IdArray) -> FloatArray:
    if array.dtype.kind == "b":
        return array.astype(np.float64)
    if array.dtype.kind in "fiu" or array.dtype.kind == "O":
        flags = np.full(len(array), np.nan)
        if array.dtype.kind == "O":
            missing = missing_ids(cast("ObjectArray", array))
        else:
            missing = np.isnan(array.astype(np.float64))
        present = np.flatnonzero(~missing)
        values = array[present]
        ok = np.array([v is True or v is False or v in (0, 1) for v in values.tolist()], bool)
        if not ok.all():
            row = int(present[np.flatnonzero(~ok)[0]])
            raise _bad(name, ids, row, array[row], "true or false (or 1 / 0; None for missing)")
        flags[present] = values.astype(np.float64)
        return flags
    raise _bad(name, ids, 0, array[0] if len(array) else None, "true or false")


def _texts(array: NDArray[np.generic], name: str, ids: IdArray) -> ObjectArray:
    texts = array.astype(object)
    missing = missing_ids(texts)
    present = np.flatnonzero(~missing)
    if not all(issubclass(kind, str) for kind in set(map(type, texts[present].tolist()))):
        row = next(r for r in present.tolist() if not isinstance(texts[r], str))
        raise _bad(name, ids, row, texts[row], "text (None for missing)")
    out = texts.copy() if missing.any() else texts
    out[missing] = None
    return out


def _instants(array: NDArray[np.generic], name: str, ids: IdArray) -> InstantArray:
    """Instants from datetime64, aware datetimes, ISO text with an offset, or dates.

    A date (or ``YYYY-MM-DD`` text) is the start of that day in UTC.
    """
    if array.dtype.kind == "M":
        return array.astype("datetime64[us]")
    cells = array.astype(object)
    aware = utc_instants(cells)  # aware datetimes: converted on the whole column
    if aware is not None:
        return aware
    out = np.full(len(array), np.datetime64("NaT"), dtype="datetime64[us]")
    for row in np.flatnonzero(~missing_ids(cast("ObjectArray", cells))).tolist():
        value = cells[row]
        if isinstance(value, str) and DATE_TEXT.fullmatch(value.strip()):
            value = date.fromisoformat(value.strip())  # a calendar date: its UTC start
        try:
            out[row] = as_instant(value, name)
        except InvalidInputError:
            allowed = "a date, a timezone-aware instant or ISO 8601 text with an offset"
            raise _bad(name, ids, row, value, allowed) from None
    return out
