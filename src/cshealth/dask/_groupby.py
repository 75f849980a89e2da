"""The engine's way to merge partials: their long tables summed by Dask's group-by.

Each partition's partial becomes a pandas frame of its key columns and sums; Dask sums
them with a group-by on the key columns (as an SQL engine would, ``GROUP BY ... SUM``),
and the client builds the merged partial from the sums. The partitions' keys and parts
travel beside the tables and are checked as `Partial.merge` checks them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._partial import Partial, PartialKey, PartialMismatchError
from cshealth.dask._engine import compute, delayed, require
from cshealth.dask._plan import Plan

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["summed"]

#: The key column of a partial without key columns, while Dask sums it (dropped after).
_WHOLE = "__cshealth_whole__"


def summed(run: Plan, split_every: int, feature: str) -> Partial:
    """The partials' long tables summed by Dask's group-by, made a partial on the client."""
    dd = require(feature)
    from dask.config import set as configured  # noqa: PLC0415 - imported with dask, too

    kind = type(run.empty)
    meta = _long_table(run.empty)
    keys = [name for name, _ in kind.KEY_COLUMNS] or [_WHOLE]
    stamps = [delayed()(_stamp, pure=False)(task) for task in run.tasks]
    # labels as the partials hold them (ids stay numbers), not turned into Arrow text
    with configured({"dataframe.convert-string": False}):
        tables = dd.from_delayed(
            [delayed()(_long_table, pure=False)(task) for task in run.tasks],
            meta=meta,
            verify_meta=False,
        )
        summed = tables.groupby(keys, dropna=False, sort=False).sum(split_every=split_every)
        # one computation of delayed objects only (Dask warns on mixing them with frames)
        pieces, found = compute(summed.to_delayed(), stamps)
    found = cast("list[tuple[PartialKey, tuple[str, ...]]]", found)
    frame = _concat(cast("list[pd.DataFrame]", pieces)).reset_index()
    key, parts = _one_key(run.empty.key, found, kind.KIND)
    columns = {
        name: _column(frame[name], dtype) for name, dtype in [*kind.KEY_COLUMNS, *_sums(kind)]
    }
    return kind(key, columns, parts)


def _long_table(partial: Partial) -> pd.DataFrame:
    """A partial's rows as a pandas frame of its key columns and sums."""
    import pandas as pd  # noqa: PLC0415 - installed with dask's dataframe extra

    kind = type(partial)
    data = {
        name: pd.Series(partial.columns[name], dtype=dtype)
        for name, dtype in [*kind.KEY_COLUMNS, *_sums(kind)]
    }
    if not kind.KEY_COLUMNS:
        data[_WHOLE] = pd.Series(np.zeros(len(partial), dtype=np.int64))
    return cast("pd.DataFrame", pd.DataFrame(data))


def _concat(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415 - installed with dask's dataframe extra

    return pd.concat(pieces)


def _sums(kind: type[Partial]) -> list[tuple[str, str]]:
    return [
        *((name, "int64") for name in kind.COUNT_COLUMNS),
        *((name, "float64") for name in kind.SUM_COLUMNS),
    ]


def _stamp(partial: Partial) -> tuple[PartialKey, tuple[str, ...]]:
    return partial.key, partial.parts


def _one_key(
    expected: PartialKey, found: list[tuple[PartialKey, tuple[str, ...]]], kind: str
) -> tuple[PartialKey, tuple[str, ...]]:
    """The partitions' common key and all their parts; other keys refused."""
    parts: list[str] = []
    key = found[0][0] if found else expected
    for other, named in found:
        if other != key:
            why = "; ".join(key.differences(other))
            msg = f"cannot merge {kind} partials computed differently: {why}"
            raise PartialMismatchError(msg)
        parts.extend(named)
    return key, tuple(parts)


def _column(values: pd.Series, dtype: str) -> NDArray[np.generic]:
    """A summed column back as numpy; missing group labels as ``None``, as partials hold them."""
    if dtype != "object":
        return values.to_numpy(dtype=dtype)
    array = values.to_numpy(dtype=object)
    missing = np.asarray(values.isna().to_numpy(), dtype=bool)
    array[missing] = None
    return array
