"""The long-table kernel of `cshealth._partial`: columns checked, grouped and summed.

A partial's rows are canonical: one row per distinct key, in ascending key order (text
keys by their text), the counts summed exactly as ``int64`` and the weight sums as
``float64`` in row order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError

__all__ = ["Layout", "canonical", "dtypes"]


class Layout(Protocol):
    """What the kernel reads of a kind of partial: its name and its columns."""

    KIND: ClassVar[str]
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]]
    COUNT_COLUMNS: ClassVar[tuple[str, ...]]
    SUM_COLUMNS: ClassVar[tuple[str, ...]]


def dtypes(kind: type[Layout]) -> list[tuple[str, str]]:
    return [
        *kind.KEY_COLUMNS,
        *((name, "int64") for name in kind.COUNT_COLUMNS),
        *((name, "float64") for name in kind.SUM_COLUMNS),
    ]


def canonical(kind: type[Layout], columns: Mapping[str, object]) -> dict[str, NDArray[np.generic]]:
    """The columns checked, then grouped by key: one row per key, sorted, sums summed."""
    expected = dtypes(kind)
    names = [name for name, _ in expected]
    missing = [name for name in names if name not in columns]
    extra = sorted(set(columns) - set(names))
    if missing or extra:
        msg = f"a {kind.KIND} partial has columns {names}; missing {missing}, not known {extra}"
        raise InvalidInputError(msg)
    arrays = {name: _column(kind, name, dtype, columns[name]) for name, dtype in expected}
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        msg = f"a {kind.KIND} partial's columns must have one length, got {lengths}"
        raise InvalidInputError(msg)
    n = next(iter(lengths.values()), 0)
    keys = [arrays[name] for name, _ in kind.KEY_COLUMNS]
    if not keys or n == 0:
        groups, first = np.zeros(n, dtype=np.int64), np.arange(min(n, 1))
        order = np.arange(min(n, 1))
    else:
        groups, first, order = _groups(keys)
    out = {name: arrays[name][first][order] for name, _ in kind.KEY_COLUMNS}
    k = len(first)
    for name in kind.COUNT_COLUMNS:
        total = np.zeros(k, dtype=np.int64)
        np.add.at(total, groups, arrays[name])
        out[name] = total[order]
    for name in kind.SUM_COLUMNS:
        summed = np.zeros(k, dtype=np.float64)
        np.add.at(summed, groups, arrays[name])
        out[name] = summed[order]
    return out


def _groups(
    keys: list[NDArray[np.generic]],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Each row's group, each group's first row, and the groups in ascending key order.

    Each key column becomes its rank among the column's distinct values (text by hash,
    `id_codes`, then only the distinct values sorted by their text; numbers by
    `numpy.unique`), and the ranks combine into one whole number per row (mixed radix),
    whose order is the order of the keys: one 1-d `numpy.unique` finds the groups,
    already sorted. Only when the radix would overflow are rank rows compared as rows.
    """
    ranks, sizes = [], []
    for column in keys:
        if column.dtype == object:
            codes, k = id_codes(column)
            names = np.empty(k + 1, dtype=object)
            names[0] = ""  # code -1 (a missing key) sorts first, as a group of its own
            names[codes + 1] = column
            rank = np.empty(k + 1, dtype=np.int64)
            rank[np.argsort(names.astype(str), kind="stable")] = np.arange(k + 1)
            column_ranks, k = rank[codes + 1], k + 1
        else:
            uniques, column_ranks = np.unique(column, return_inverse=True)
            k = len(uniques)
        ranks.append(column_ranks.reshape(-1).astype(np.int64))
        sizes.append(max(k, 1))
    if float(np.prod(np.asarray(sizes, dtype=np.float64))) < 2.0**62:
        combined = np.zeros(len(ranks[0]), dtype=np.int64)
        for column_ranks, k in zip(ranks, sizes):
            combined = combined * k + column_ranks
        _, first, groups = np.unique(combined, return_index=True, return_inverse=True)
    else:
        _, first, groups = np.unique(
            np.stack(ranks, axis=1), axis=0, return_index=True, return_inverse=True
        )
    order = np.arange(len(first), dtype=np.int64)  # np.unique sorted the groups already
    return groups.reshape(-1).astype(np.int64), first.astype(np.int64), order


def _column(kind: type[Layout], name: str, dtype: str, values: object) -> NDArray[np.generic]:
    raw = np.asarray(values, dtype=object if dtype == "object" else None)
    if raw.ndim != 1:
        msg = f"column {name!r} of a {kind.KIND} partial must be one-dimensional"
        raise InvalidInputError(msg)
    if dtype == "object":
        return raw.astype(object)
    try:
        numbers = raw.astype(np.float64)
    except (TypeError, ValueError):
        msg = (
            f"column {name!r} of a {kind.KIND} partial must hold numbers, got {raw[:3].tolist()!r}"
        )
        raise InvalidInputError(msg) from None
    if dtype == "int64" and name not in dict(kind.KEY_COLUMNS):
        bad = ~(numbers >= 0) | (numbers != np.floor(numbers)) | (numbers > 2.0**53)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            msg = (
                f"column {name!r} of a {kind.KIND} partial holds counts: whole numbers from "
                f"0 to 2**53, got {raw[row : row + 1].tolist()[0]!r} at row {row}"
            )
            raise InvalidInputError(msg)
        return raw.astype(np.int64) if raw.dtype.kind in "iu" else numbers.astype(np.int64)
    if dtype == "float64" and name in dict(kind.KEY_COLUMNS):  # a value: any number
        if np.isnan(numbers).any():
            row = int(np.flatnonzero(np.isnan(numbers))[0])
            msg = f"column {name!r} of a {kind.KIND} partial holds no number at row {row}"
            raise InvalidInputError(msg)
        return numbers
    if dtype == "float64":
        bad = ~np.isfinite(numbers) | (numbers < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            msg = (
                f"column {name!r} of a {kind.KIND} partial holds sums of weights: finite "
                f"numbers >= 0, got {raw[row : row + 1].tolist()[0]!r} at row {row}"
            )
            raise InvalidInputError(msg)
        return numbers
    return raw.astype(np.int64) if dtype == "int64" else numbers
