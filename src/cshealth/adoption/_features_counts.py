"""The counting kernel of `feature_adoption`: users and uses per account and feature.

Either form of usage data gives one `_Counts`: per account and feature, distinct users
(unknown for aggregates) and uses in the window; per account, active users and all
feature events, catalogued or not. User-level events (`_from_events`) are counted on
whole columns: (account, user) pairs and (pair, feature) cells are numbered by
`numpy.unique` and counted by `numpy.bincount`. Account-day aggregates
(`_from_aggregates`) need one pass over the records' ``feature_events`` mappings, the
only per-row Python work. `_feature_index` gives each feature name seen its column: the
catalog's order, or the names seen, sorted.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NoReturn, cast

import numpy as np

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._types import DataFrameLike, FloatArray, IntArray, ObjectArray
from cshealth.adoption._feature_catalog import FeatureCatalog
from cshealth.adoption._usage import UsageRows, account_positions, grouped_codes, read_usage
from cshealth.io import Table
from cshealth.io._read import is_checked, read_columns
from cshealth.models import UsageEvent, UsageRecord

__all__: list[str] = []

_US_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class _Counts:
    """What either form of data gives: per account and feature, and per account."""

    ids: ObjectArray
    features: tuple[str, ...]
    unknown: tuple[str, ...]
    users: FloatArray  # (accounts, features); NaN when users are unknown
    uses: IntArray  # (accounts, features)
    active: IntArray
    events: IntArray  # all feature events, catalogued or not


def _is_events(data: object) -> bool:
    """Whether ``data`` holds user-level events (a ``user_id`` column), not aggregates."""
    if isinstance(data, Mapping):
        return "user_id" in data
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):
        frame = cast("DataFrameLike", data)
        return "user_id" in [str(name) for name in cast("Iterable[object]", frame.columns)]
    if isinstance(data, (list, tuple)):
        return bool(data) and isinstance(data[0], UsageEvent)
    return False  # anything else: read_columns names what it accepts


def _feature_index(
    names: ObjectArray, catalog: FeatureCatalog | None
) -> tuple[IntArray, tuple[str, ...], tuple[str, ...]]:
    """Columns for the distinct feature names seen before ``as_of``.

    Returns each name's column (-1: left out), the features (the columns) and the names
    the catalog does not list.
    """
    text = [str(name) for name in names.tolist()]
    if catalog is None:
        features = tuple(sorted(text))
        unknown: tuple[str, ...] = ()
    else:
        features = catalog.names
        unknown = tuple(sorted(set(text) - set(features)))
    column = {name: j for j, name in enumerate(features)}
    return np.array([column.get(name, -1) for name in text], dtype=np.int64), features, unknown


def _from_events(data: object, end: int, window: int, catalog: FeatureCatalog | None) -> _Counts:
    table = read_columns(
        data, UsageEvent, need=["account_id", "user_id", "occurred_at"], optional=["feature"]
    )
    if "feature" not in table:
        _no_features("events", "feature")
    days = table["occurred_at"].astype(np.int64) // _US_PER_DAY
    before = days < end
    table, days = table.take(before), days[before]
    codes, k = grouped_codes(table["account_id"])
    rows, ids = account_positions(table["account_id"], codes, k)
    feature_codes, names = _feature_codes(table)
    index, features, unknown = _feature_index(names, catalog)
    inside = days >= end - window
    rows, feature_codes = rows[inside], feature_codes[inside]
    users, _ = id_codes(table["user_id"][inside])
    column = np.append(index, -1)[feature_codes]  # code -1 (no feature) takes the last
    n_accounts, n_features = len(ids), len(features)
    people, person = np.unique(rows * (users.max(initial=0) + 1) + users, return_inverse=True)
    account_of = people // (users.max(initial=0) + 1)
    active = np.bincount(account_of, minlength=n_accounts)
    known = column >= 0
    pairs = np.unique(person[known] * n_features + column[known])
    cells = account_of[pairs // max(n_features, 1)] * n_features + pairs % max(n_features, 1)
    shape = (n_accounts, n_features)
    return _Counts(
        ids=ids,
        features=features,
        unknown=unknown,
        users=_count(cells, n_accounts * n_features, shape).astype(np.float64),
        uses=_count(rows[known] * n_features + column[known], n_accounts * n_features, shape),
        active=active,
        events=np.bincount(rows[feature_codes >= 0], minlength=n_accounts),
    )


def _no_features(data: str, column: str) -> NoReturn:
    """Refuse data without its feature column: no feature use was measured, not none."""
    msg = (
        f"feature adoption counts the {data}' `{column}` column, which they do not have: "
        "without it no feature use was measured (it is not zero use); count active users "
        f"with `active_users`, or pass data with a `{column}` column"
    )
    raise InvalidInputError(msg)


def _feature_codes(table: Table) -> tuple[IntArray, ObjectArray]:
    """A code per event's feature (-1: none) and the feature name of each code."""
    codes, k = id_codes(table["feature"])
    names = np.empty(k, dtype=object)
    names[codes[codes >= 0]] = table["feature"][codes >= 0]
    return codes, names


@dataclass(frozen=True)
class _Flat:
    """The records' ``feature_events`` mappings, flattened: one entry per (record, name)."""

    sizes: IntArray  # entries per record
    record: IntArray  # each entry's record
    name_codes: IntArray  # each entry's name, as a position in `names`
    names: ObjectArray
    counts: IntArray


#: The flattenings of the last few read-only ``feature_events`` columns, by the column's
#: identity: scoring one table on many dates (a backtest) flattens its mappings once.
_FLATTENED: list[tuple[weakref.ref[ObjectArray], _Flat]] = []
_KEEP = 4


def _flattened(usage: UsageRows) -> _Flat:
    """The one pass over the records' mappings (the only per-row Python work).

    The ``feature_events`` column as read is the key. The column of a `Table` io made
    and checked holds read-only copies io made itself (mappings included) and cannot
    change, so its flattening is kept for the next call; any other column (the
    caller's own arrays, which the caller may change) is flattened every time.
    """
    read = usage.table if usage.read is None else usage.read
    column = cast("ObjectArray", read["feature_events"])
    for ref, kept in _FLATTENED:
        if ref() is column:
            return kept
    mappings = cast("list[Mapping[str, int]]", column.tolist())
    sizes = np.fromiter(map(len, mappings), dtype=np.int64, count=len(mappings))
    keys = np.array(list(itertools.chain.from_iterable(mappings)), dtype=object)
    counts = np.fromiter(
        itertools.chain.from_iterable(m.values() for m in mappings), np.int64, len(keys)
    )
    name_codes, n_names = id_codes(keys)
    names = np.empty(n_names, dtype=object)
    names[name_codes] = keys
    flat = _Flat(sizes, np.repeat(np.arange(len(mappings)), sizes), name_codes, names, counts)
    if is_checked(read, UsageRecord):
        _FLATTENED.insert(0, (weakref.ref(column, _forget), flat))
        del _FLATTENED[_KEEP:]
    return flat


def _forget(gone: weakref.ref[ObjectArray]) -> None:
    """Drop the flattening of a column no longer in use (a table read for one call)."""
    _FLATTENED[:] = [(ref, flat) for ref, flat in _FLATTENED if ref is not gone]


def _count(cells: IntArray, size: int, shape: tuple[int, int]) -> IntArray:
    return np.bincount(cells, minlength=size).reshape(shape).astype(np.int64)


def _from_aggregates(
    data: object, end: int, window: int, catalog: FeatureCatalog | None
) -> _Counts:
    usage = read_usage(data, ["active_users", "feature_events"], end)
    if "feature_events" in usage.absent:
        _no_features("usage records", "feature_events")
    flat = _flattened(usage)
    record, name_codes, counts, names = flat.record, flat.name_codes, flat.counts, flat.names
    if usage.kept is not None:  # the records from `end` on were cut: their features too
        position = np.full(len(flat.sizes), -1, dtype=np.int64)
        position[usage.kept] = np.arange(len(usage.kept))
        record = position[record]
        cut = record >= 0
        record, name_codes, counts = record[cut], name_codes[cut], counts[cut]
        seen = np.zeros(len(names), dtype=bool)
        seen[name_codes] = True  # the names seen before `end` only, renumbered
        name_codes = (np.cumsum(seen) - 1)[name_codes]
        names = names[seen]
    index, features, unknown = _feature_index(names, catalog)
    inside = usage.days >= end - window
    n_accounts, n_features = len(usage.ids), len(features)
    active = np.zeros(n_accounts, dtype=np.int64)
    np.maximum.at(active, usage.rows[inside], usage.table["active_users"][inside])
    in_window = inside[record]
    account = usage.rows[record]
    column = index[name_codes]
    known = in_window & (column >= 0)
    cells = account[known] * n_features + column[known]
    uses = np.bincount(cells, weights=counts[known], minlength=n_accounts * n_features)
    events = np.bincount(account[in_window], weights=counts[in_window], minlength=n_accounts)
    return _Counts(
        ids=usage.ids,
        features=features,
        unknown=unknown,
        users=np.full((n_accounts, n_features), np.nan),
        uses=uses.reshape(n_accounts, n_features).astype(np.int64),
        active=active,
        events=events.astype(np.int64),
    )
