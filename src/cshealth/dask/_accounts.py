"""Per-account work on Dask: co-partition every table on the account, map over the pieces.

Per-account functions (`cshealth.scoring.default_inputs`, `cshealth.scoring.score`,
`cshealth.support.account_metrics`, ...) are exact on any set of whole accounts: when every
table holds all rows of the same accounts, the function on those pieces gives those
accounts' rows of the function on everything. `per_account` makes the pieces so, whatever
the tables' partitioning: each table is shuffled on one hash of its account column (the
same hash in every table, read from the id's text), into the same number of partitions, so
partition ``i`` of every table holds the same accounts; then the function runs on each
partition's pieces, as pandas frames.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np

from cshealth._checks import whole_number
from cshealth._exceptions import InvalidInputError
from cshealth.dask._engine import require
from cshealth.dask._shuffle import shuffle_in_order

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    from numpy.typing import NDArray

__all__ = ["Tabular", "per_account"]

#: The column `per_account` adds to every table to shuffle on (dropped before ``fn``).
_BUCKET = "__cshealth_account_hash__"


class Tabular(Protocol):
    """A result with rows: anything with ``to_pandas()`` (every cshealth result with rows)."""

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame."""
        ...  # pragma: no cover - a protocol


def per_account(
    tables: Mapping[str, dd.DataFrame | pd.DataFrame],
    fn: Callable[..., Tabular | pd.DataFrame],
    *,
    on: str | Mapping[str, str] = "account_id",
    npartitions: int | None = None,
) -> pd.DataFrame:
    """``fn`` on every group of accounts, each with all its rows of every table.

    Every table is shuffled on its account column into ``npartitions`` partitions by one
    hash of the account id's text, so the same accounts meet in the same partition of every
    table (an account id ``7`` and ``'7'`` meet too). ``fn`` is called once per partition,
    ``fn(**pieces)``, with each table's piece as a pandas DataFrame under its name in
    ``tables`` (cshealth's readers take pandas frames); a partition with no rows in any
    table is skipped. The results' rows (``to_pandas()``, or the frame ``fn`` returns) are
    concatenated, partition by partition: sort them if their order matters.

    ``fn`` must be per account: its result for an account may depend on that account's
    rows only. `cshealth.scoring.score` is, unless a scorecard ranks accounts against each
    other (a ``percentile`` transform: score it with `health_scores`).
    `cshealth.scoring.default_inputs` is, but for two
    measures of an account's first days, ``first_90d_observed_days`` and
    ``first_90d_complete``: `cshealth.adoption.first_days` takes the usage data to start
    at its earliest record of any account, which a partition may not hold (the default
    scorecard reads neither).

    Args:
        tables: Dask (or pandas) DataFrames by the keyword ``fn`` reads them under.
        fn: Called as ``fn(**pieces)`` on each partition; returns a result with
            ``to_pandas()`` or a pandas DataFrame. It runs on the workers: a function of a
            module, a ``functools.partial`` or a lambda (Dask pickles it).
        on: The account column: one name for every table, or a mapping of table name to
            column for tables whose column is named otherwise (the others:
            ``'account_id'``), as ``{'accounts': 'id'}``.
        npartitions: How many partitions (default: the most any table has).

    Returns:
        The rows of every partition's result, one pandas DataFrame.

    Raises:
        InvalidInputError: When there are no tables, a table is not a DataFrame or lacks
            its account column, or ``npartitions`` is not a whole number of at least 1.
        MissingDependencyError: When dask is not installed.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from functools import partial
        >>> from cshealth import support
        >>> tickets = pd.DataFrame(
        ...     {
        ...         "id": ["t1", "t2", "t3"],
        ...         "account_id": ["a", "b", "a"],
        ...         "created_at": pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-04"]),
        ...     }
        ... )
        >>> metrics = partial(support.account_metrics, as_of="2025-02-01")
        >>> rows = per_account({"tickets": dd.from_pandas(tickets, npartitions=2)}, metrics)
        >>> rows.sort_values("account_id")["tickets"].tolist()  # a's two tickets, b's one
        [2, 1]
    """
    feature = "cshealth.dask.per_account"
    dataframe = require(feature)
    import pandas as pd  # noqa: PLC0415 - installed with dask's dataframe extra
    from dask.base import compute  # noqa: PLC0415 - imported with dask, only when asked
    from dask.config import set as configured  # noqa: PLC0415 - imported with dask, too
    from dask.delayed import delayed  # noqa: PLC0415 - imported with dask, only when asked

    if not tables:
        msg = f"{feature} needs at least one table"
        raise InvalidInputError(msg)
    if npartitions is not None:
        whole_number(npartitions, "npartitions", low=1)
    frames: dict[str, dd.DataFrame] = {}
    for name, given in tables.items():
        table = given
        if isinstance(given, pd.DataFrame):
            # as given: Dask would otherwise turn object columns (tuples, too) into text
            with configured({"dataframe.convert-string": False}):
                table = dataframe.from_pandas(given, npartitions=1)
        if not isinstance(table, dataframe.DataFrame):
            kind = type(given).__name__
            msg = f"{feature}: table {name!r} must be a Dask or pandas DataFrame, got {kind}"
            raise InvalidInputError(msg)
        column = on if isinstance(on, str) else on.get(name, "account_id")
        if column not in table.columns:
            msg = (
                f"{feature}: table {name!r} has no account column {column!r} (its columns: "
                f"{list(table.columns)}); name it with on={{{name!r}: '<column>'}}"
            )
            raise InvalidInputError(msg)
        frames[name] = table.map_partitions(
            _with_hash, column, meta=_with_hash(table._meta, column)
        )
    n = npartitions or max(frame.npartitions for frame in frames.values())
    pieces = [shuffle_in_order(frame, _BUCKET, n).to_delayed() for frame in frames.values()]
    names = list(frames)
    tasks = [
        delayed(_apply, pure=False)(fn, names, *(table[i] for table in pieces)) for i in range(n)
    ]
    results = [r for r in compute(*tasks) if r is not None]
    if not results:  # no rows at all: fn's answer to empty tables gives the columns
        empty = {name: frame._meta.drop(columns=_BUCKET) for name, frame in frames.items()}
        return _rows(fn(**empty))
    return cast("pd.DataFrame", pd.concat(results, ignore_index=True))


def _with_hash(piece: pd.DataFrame, column: str) -> pd.DataFrame:
    """The piece with its rows' account hash (one 64-bit hash of the id's text)."""
    return cast("pd.DataFrame", piece.assign(**{_BUCKET: _hashes(piece[column])}))


def _hashes(ids: pd.Series) -> NDArray[np.int64]:
    import pandas as pd  # noqa: PLC0415 - installed with dask's dataframe extra

    text = ids.astype(str).to_numpy(dtype=object)
    return cast("NDArray[np.uint64]", pd.util.hash_array(text)).view(np.int64)


def _apply(
    fn: Callable[..., Tabular | pd.DataFrame], names: list[str], *pieces: pd.DataFrame
) -> pd.DataFrame | None:
    """``fn`` on one partition's pieces (on a worker); ``None`` when they hold no rows."""
    if all(len(piece) == 0 for piece in pieces):
        return None
    data = {
        name: piece.drop(columns=_BUCKET).reset_index(drop=True)
        for name, piece in zip(names, pieces)
    }
    return _rows(fn(**data))


def _rows(result: Tabular | pd.DataFrame) -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415 - installed with dask's dataframe extra

    if isinstance(result, pd.DataFrame):
        return result
    if not callable(getattr(result, "to_pandas", None)):
        msg = (
            "cshealth.dask.per_account: fn must return a pandas DataFrame or a result with "
            f"to_pandas(), got {type(result).__name__}"
        )
        raise InvalidInputError(msg)
    return result.to_pandas()
