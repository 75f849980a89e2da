"""`join_measures`: several per-account measure tables lined up on ``account_id``.

Each source is a `MeasureTable` or any mapping of columns with an ``account_id``
column. The joined table has one row per account (every account of every source,
sorted, or the accounts asked for), and each source's measures spread onto those rows:
an account a source does not have gets missing values there (``NaN``, ``None``,
``NaT``), never zeros. Measure names must differ between sources, and the sources must
be taken as of one instant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._codes import sorted_positions
from cshealth._exceptions import InvalidInputError
from cshealth._measures import MeasureColumn, MeasureTable, read_account_ids
from cshealth._types import ColumnsLike, DataFrameLike, IdArray
from cshealth.io._read import same_kind

__all__ = ["join_measures"]


def join_measures(
    *tables: MeasureTable | ColumnsLike,
    accounts: ArrayLike | None = None,
) -> MeasureTable:
    """Line measure tables up on ``account_id``: one row per account, every measure.

    Args:
        *tables: `MeasureTable` objects, or mappings of columns with an ``account_id``
            column (a dict, a `Table`, a pandas or polars data frame).
        accounts: The rows of the result, in order. Accounts missing from a source get
            missing values for its measures; accounts of a source not listed here are
            left out. By default, every account of every source, sorted.

    Returns:
        The joined table. Numbers and flags become ``float64`` (missing ``NaN``), text
        stays ``object`` (missing ``None``), instants ``datetime64[us]`` (missing
        ``NaT``). ``as_of`` is the sources' common ``as_of`` (sources without one, such
        as plain mappings, do not count).

    Raises:
        InvalidInputError: On a measure name found in two sources (rename one with
            `MeasureTable.with_prefix`), a source without ``account_id``, duplicate
            account ids in a source or in ``accounts``, or sources taken as of
            different instants.

    Examples:
        >>> usage = MeasureTable(["A-1", "A-2"], {"mau": [12, 3]}, source="adoption")
        >>> support = MeasureTable(["A-2", "A-3"], {"open_tickets": [1, 0]}, source="support")
        >>> joined = join_measures(usage, support)
        >>> joined["account_id"].tolist(), joined["mau"].tolist()
        (['A-1', 'A-2', 'A-3'], [12.0, 3.0, nan])
        >>> joined["open_tickets"].tolist()
        [nan, 1.0, 0.0]
    """
    sources = [_as_table(table, i) for i, table in enumerate(tables)]
    seen: dict[str, str] = {}
    for i, table in enumerate(sources):
        label = table.source or f"source {i + 1}"
        for name in table.measures:
            if name in seen:
                msg = (
                    f"measure {name!r} is in both {seen[name]} and {label}; rename one with "
                    "MeasureTable.with_prefix()"
                )
                raise InvalidInputError(msg)
            seen[name] = label
    labelled = [
        (table.source or f"source {i + 1}", table.account_ids) for i, table in enumerate(sources)
    ]
    if accounts is None:
        same_kind(*labelled)
        ids = _all_ids(sources)
    else:
        ids = read_account_ids(accounts, "accounts")
        same_kind(("`accounts`", ids), *labelled)
    joined: dict[str, MeasureColumn] = {}
    reasons: dict[str, str] = {}
    for table in sources:
        where = _positions(table.account_ids, ids)
        found = where >= 0
        for name in table.measures:
            joined[name] = _spread(table[name], where, found)
        reasons.update(table.not_measured)
    stamps = {table.as_of for table in sources if table.as_of is not None}
    if len(stamps) > 1:
        shown = sorted(str(stamp) for stamp in stamps)
        msg = f"the sources were measured as of different instants {shown}; use one `as_of`"
        raise InvalidInputError(msg)
    as_of = stamps.pop() if stamps else None
    return MeasureTable(ids, joined, as_of=as_of, source="joined", not_measured=reasons)


def _as_table(table: object, index: int) -> MeasureTable:
    if isinstance(table, MeasureTable):
        return table
    columns: dict[str, ArrayLike] = {}
    if isinstance(table, Mapping):
        columns = {str(k): v for k, v in table.items()}
    elif hasattr(table, "columns") and hasattr(table, "__getitem__"):
        frame = cast("DataFrameLike", table)
        columns = {
            str(k): cast("ArrayLike", frame[str(k)])
            for k in cast("Iterable[object]", frame.columns)
        }
    if "account_id" in columns:
        ids = columns.pop("account_id")
        return MeasureTable(ids, columns, source=f"source {index + 1}")
    msg = (
        f"source {index + 1} must be a MeasureTable or a mapping of columns with an "
        f"`account_id` column, got {type(table).__name__}"
    )
    raise InvalidInputError(msg)


def _all_ids(sources: list[MeasureTable]) -> IdArray:
    """Every account of every source, sorted."""
    if not sources:
        return np.empty(0, dtype=object)
    ids = np.unique(np.concatenate([table.account_ids for table in sources]))
    return ids if ids.dtype.kind == "i" else ids.astype(object)


def _positions(source_ids: IdArray, ids: IdArray) -> NDArray[np.int64]:
    """For each of ``ids``, its row in ``source_ids`` (``-1`` when absent)."""
    if not len(source_ids):
        return np.full(len(ids), -1, dtype=np.int64)
    order = np.argsort(source_ids, kind="stable")
    at = sorted_positions(source_ids[order], ids)
    return np.where(at >= 0, order[at], -1).astype(np.int64)


def _spread(
    column: MeasureColumn, where: NDArray[np.int64], found: NDArray[np.bool_]
) -> MeasureColumn:
    picked = column[np.where(found, where, 0)] if len(column) else column[:0]
    kind = column.dtype.kind
    if kind == "M":
        out = np.full(len(where), np.datetime64("NaT"), dtype=column.dtype)
    elif kind in "biuf":
        out = np.full(len(where), np.nan)
    else:
        out = np.full(len(where), None, dtype=object)
    if len(column):
        out[found] = picked[found]
    return out
