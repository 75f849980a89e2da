"""Reading usage records, and the small helpers the adoption kernels share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._types import IntArray, ObjectArray
from cshealth.io import Table
from cshealth.io._read import named_columns, read_columns
from cshealth.models import UsageRecord

__all__ = [
    "USAGE_IDS",
    "UsageRows",
    "account_positions",
    "as_of_day",
    "check_unique_days",
    "counted",
    "grouped_codes",
    "has_column",
    "read_usage",
]

_US_PER_DAY = 86_400_000_000
#: The usage's account ids, as messages name them.
USAGE_IDS = "the usage's `account_id`"
#: Usage fields with a default, read when present (the model's default otherwise).
_DEFAULTS = ("logins", "feature_events")


@dataclass(frozen=True)
class UsageRows:
    """Usage records before ``as_of``: each row's account position and day, and columns."""

    table: Table
    rows: IntArray  # position of each row's account in `ids`
    days: IntArray  # days since 1970-01-01
    ids: ObjectArray  # the accounts, ascending
    first: IntArray  # each account's first day (before as_of)
    read: Table | None = None  # the records as read, before the days were cut at ``end``
    kept: IntArray | None = None  # the positions in `read` of the rows kept; None: all

    @property
    def absent(self) -> frozenset[str]:
        """The optional columns the data does not have (held as the model's defaults)."""
        return self.table.absent

    def since(self, day: int) -> UsageRows:
        """The rows on or after ``day`` (every account is kept, with its first day)."""
        keep = self.days >= day
        if keep.all():
            return self
        table = self.table.take(np.flatnonzero(keep))
        return UsageRows(table, self.rows[keep], self.days[keep], self.ids, self.first)


def read_usage(usage: object, columns: list[str], end: int) -> UsageRows:
    """Usage records with days before ``end``, checked for duplicate account days.

    ``logins`` and ``feature_events`` are optional: a column the data does not have is
    held filled with the model's default and listed in `UsageRows.absent`, so a caller
    reports the figures built on it as not measured (never a count of defaults).
    """
    optional = [name for name in columns if name in _DEFAULTS]
    need = ["account_id", "day", *(name for name in columns if name not in _DEFAULTS)]
    table = read_columns(usage, UsageRecord, need=need, optional=optional)
    absent = [name for name in optional if name not in table]
    if absent:  # held as the model's defaults, and marked absent: never a measured 0
        filled = dict(table.items())
        for name in absent:
            filled[name] = _default_column(name, table.n_rows)
        table = Table(filled, model=UsageRecord, absent=absent)
    codes, k = grouped_codes(table["account_id"])
    days = table["day"].astype(np.int64)
    check_unique_days(codes, k, days, table["account_id"])
    keep = days < end
    read, kept = table, None
    if not keep.all():
        kept = np.flatnonzero(keep)
        table = table.take(kept)
        codes, days = codes[keep], days[keep]
    rows, ids = account_positions(table["account_id"], codes, k)
    first = np.full(len(ids), np.iinfo(np.int64).max)
    np.minimum.at(first, rows, days)
    return UsageRows(table, rows, days, ids, first, read, kept)


def _default_column(name: str, n: int) -> NDArray[np.generic]:
    if name == "logins":
        return np.zeros(n, dtype=np.int64)
    column = np.empty(n, dtype=object)
    column.fill({})
    return column


def has_column(data: object, name: str) -> bool:
    """Whether ``data`` has column ``name``; records always do (every field is set).

    A `Table` read from a file without the column holds it filled but lists it in
    `Table.absent`: it does not have it.
    """
    named = named_columns(data)
    return named is None or name in named


def grouped_codes(values: NDArray[np.generic]) -> tuple[IntArray, int]:
    """`id_codes` of identifiers that come in runs (usage exported account by account).

    Only the first value of each run of equal values is hashed, so a column grouped by
    account costs one comparison per row; any order gives the same grouping.
    """
    n = len(values)
    if n < 2:
        return id_codes(values)
    heads = np.flatnonzero(np.r_[True, np.asarray(values[1:] != values[:-1], dtype=bool)])
    if 2 * len(heads) > n:  # mostly runs of one: hashing every row costs the same
        return id_codes(values)
    codes, k = id_codes(values[heads])
    return np.repeat(codes, np.diff(np.r_[heads, n])), k


def check_unique_days(
    codes: IntArray, k: int, days: IntArray, account_ids: NDArray[np.generic]
) -> None:
    """Raise on two records of one account on one day, naming the first such pair."""
    n = len(days)
    if n < 2:
        return
    low = int(days.min())
    span = int(days.max()) - low + 1
    key = codes * span + (days - low)
    if k * span <= 8 * n + 1_000_000:
        repeated = np.bincount(key, minlength=k * span)[key] > 1
    else:
        order = np.argsort(key, kind="stable")
        same = key[order][1:] == key[order][:-1]
        repeated = np.zeros(n, dtype=bool)
        repeated[order[1:][same]] = True
        repeated[order[:-1][same]] = True
    if repeated.any():
        first = int(np.flatnonzero(repeated)[0])
        twin = int(np.flatnonzero(key == key[first])[1])
        day = np.datetime64(int(days[first]), "D")
        msg = (
            f"usage has two records of account {account_ids[first]!r} on {day} (rows "
            f"{first + 1} and {twin + 1}; {int(repeated.sum())} rows share an account and "
            "day); keep one record per account and day, e.g. sum the duplicates"
        )
        raise InvalidInputError(msg)


def account_positions(
    values: NDArray[np.generic], codes: IntArray, k: int
) -> tuple[IntArray, ObjectArray]:
    """Each row's position among the sorted distinct accounts of the rows, and those."""
    by_code = np.empty(k, dtype=object)
    by_code[codes] = values
    used = np.flatnonzero(np.bincount(codes, minlength=k) > 0)
    order = used[np.argsort(by_code[used], kind="stable")]
    rank = np.full(k, -1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], cast("ObjectArray", by_code[order])


def as_of_day(instant: np.datetime64) -> int:
    """The UTC day (days since 1970-01-01) ``instant`` falls in; earlier days have ended."""
    return int(instant.astype(np.int64)) // _US_PER_DAY


def counted(n: int, noun: str) -> str:
    """``'1 account'``, ``'2 accounts'``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
