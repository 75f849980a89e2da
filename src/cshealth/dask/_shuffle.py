"""A shuffle that keeps the rows' order: all rows of a key in one partition, as they came.

Dask's shuffle puts every row of one key in one partition, but the order the rows arrive
in depends on the order tasks finish. cshealth reads order where times tie (of one
contact's two responses at the same instant, the later row is the latest, as on one
machine), so `shuffle_in_order` numbers every row by its partition and position first and
sorts each new partition back into that order: each partition then holds its rows in
the order of the whole frame, whatever the scheduler did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["shuffle_in_order"]

#: The columns numbering each row (its partition, its position there) during a shuffle.
_PART, _ROW = "__cshealth_partition__", "__cshealth_row__"


def shuffle_in_order(frame: dd.DataFrame, on: str, npartitions: int | None = None) -> dd.DataFrame:
    """``frame.shuffle(on=on)``, with each partition's rows in the frame's own order.

    Args:
        frame: The Dask DataFrame.
        on: The column whose rows must meet in one partition.
        npartitions: How many partitions (default: as many as ``frame`` has).

    Returns:
        The shuffled frame, its columns as in ``frame``.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> rows = pd.DataFrame({"k": ["a", "b", "a", "b"], "n": [1, 2, 3, 4]})
        >>> done = shuffle_in_order(dd.from_pandas(rows, npartitions=2), "k")
        >>> pieces = [done.get_partition(i).compute() for i in range(done.npartitions)]
        >>> sorted(piece["n"].tolist() for piece in pieces if len(piece))
        [[1, 3], [2, 4]]
    """
    numbered = frame.map_partitions(_numbered, meta=_numbered(frame._meta))
    shuffled = numbered.shuffle(on=on, npartitions=npartitions or frame.npartitions)
    return cast("dd.DataFrame", shuffled.map_partitions(_in_order, meta=frame._meta))


def _numbered(piece: pd.DataFrame, partition_info: dict[str, object] | None = None) -> pd.DataFrame:
    number = cast("int", partition_info["number"]) if partition_info else 0
    rows = {_PART: np.full(len(piece), number, dtype=np.int64), _ROW: np.arange(len(piece))}
    return cast("pd.DataFrame", piece.assign(**rows))


def _in_order(piece: pd.DataFrame) -> pd.DataFrame:
    ordered = piece.sort_values([_PART, _ROW], kind="stable")
    return cast("pd.DataFrame", ordered.drop(columns=[_PART, _ROW]))
