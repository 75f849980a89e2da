"""The plan of a job on a Dask DataFrame: its partial of no rows, one task per partition.

`plan` runs the job once on the frame's empty ``_meta`` (checking its options on the
client, before any work), shuffles the frame when the job's partial requires all rows of
a key in one partition and the caller did not state ``partitioned_by=`` it already keeps
them so, and makes one ``dask.delayed`` task per partition, named by the frame's token and
the partition's index. `ColumnsJob` adapts a partial function of columns (entity ids,
dates) to a piece of a frame.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from cshealth._exceptions import InvalidInputError
from cshealth._partial import Partial
from cshealth.dask._engine import check_frame, delayed, require, token
from cshealth.dask._shuffle import shuffle_in_order

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    from dask.delayed import Delayed

__all__ = ["ColumnsJob", "Plan", "plan"]

P = TypeVar("P", bound=Partial)


@dataclass(frozen=True)
class ColumnsJob(Generic[P]):
    """A partial function of column arrays, called on a piece with those columns.

    ``ColumnsJob(cohort_table_partial, ("user", "day"))(piece, **options)`` calls
    ``cohort_table_partial(piece["user"], piece["day"], **options)``. A dataclass of a
    module-level function, so Dask pickles it by reference.

    Attributes:
        job: The partial function, taking the columns first.
        names: The frame's columns to give it, in order.
    """

    job: Callable[..., P]
    names: tuple[str, ...]

    def __call__(self, piece: pd.DataFrame, **options: object) -> P:
        """The job's partial of the piece's columns.

        Raises:
            InvalidInputError: When the piece lacks one of the columns (checked on the
                client first, on the frame's empty ``_meta``).
        """
        missing = [name for name in self.names if name not in piece.columns]
        if missing:
            msg = f"the frame has no column {missing[0]!r} (its columns: {list(piece.columns)})"
            raise InvalidInputError(msg)
        return self.job(*(piece[name] for name in self.names), **options)


@dataclass(frozen=True)
class Plan:
    """What a job will do on a frame: its partial on no rows, and one task per partition.

    Attributes:
        empty: The job's partial of no rows: its type, key and requirement.
        frame: The frame the tasks read (shuffled on the required key when it had to be).
        tasks: One ``dask.delayed`` partial per partition, named ``'<frame>:<index>'``.
    """

    empty: Partial
    frame: dd.DataFrame
    tasks: list[Delayed]


def plan(
    frame: dd.DataFrame,
    job: Callable[..., Partial],
    options: Mapping[str, object],
    *,
    partitioned_by: str | None,
    feature: str,
    columns: Mapping[str, str] | None = None,
) -> Plan:
    """The tasks of ``job`` on every partition of ``frame``, shuffled first when needed.

    The job runs once on the client, on the frame's empty ``_meta``: that checks the
    options before any work is sent (its errors are the single-machine function's), and
    gives the partial's type, key and requirement.

    Args:
        frame: The Dask DataFrame.
        job: ``job(piece, part=name, **options)`` gives the partial of one pandas piece.
        options: The job's options.
        partitioned_by: The column the caller states keeps each required key in one
            partition (``None``: cshealth shuffles when the partial requires it).
        feature: The public function, for messages.
        columns: The frame's column for each key a partial may require, when it is not
            named as the key (``{'entity_id': 'user'}``).

    Raises:
        InvalidInputError: When ``frame`` is not a Dask DataFrame, the job gives no
            `Partial`, or ``partitioned_by`` is not a column or not the required one.
    """
    dd = require(feature)
    check_frame(frame, dd, feature)
    empty: object = job(frame._meta, **options)
    if not isinstance(empty, Partial):
        msg = f"{feature}: the job must return a cshealth Partial, got {type(empty).__name__}"
        raise InvalidInputError(msg)
    names = list(frame.columns)
    if partitioned_by is not None and partitioned_by not in names:
        msg = f"{feature}: partitioned_by={partitioned_by!r} is not a column of the frame {names}"
        raise InvalidInputError(msg)
    required = empty.requires
    if required is not None:
        column = (columns or {}).get(required, required)
        frame = _keep_together(frame, empty, column, partitioned_by, feature)
    name = token(frame)
    tasks = [
        delayed()(_job_on, pure=False)(job, piece, f"{name}:{i}", dict(options))
        for i, piece in enumerate(frame.to_delayed())
    ]
    return Plan(empty, frame, tasks)


def _keep_together(
    frame: dd.DataFrame, empty: Partial, column: str, partitioned_by: str | None, feature: str
) -> dd.DataFrame:
    """The frame with all rows of each ``column`` value in one partition, or refused.

    A frame without the column is left as it is: the job reads the key from that column,
    so without it every row stands alone and there is nothing to keep together.
    """
    required = empty.requires
    if partitioned_by is not None and partitioned_by != column:
        msg = (
            f"{feature}: {empty.KIND} partials are exact only when all rows of one "
            f"{required} sit in one partition, and partitioned_by={partitioned_by!r} does "
            f"not say so. Leave partitioned_by out to let cshealth shuffle on {column!r}, "
            f"or pass partitioned_by={column!r} when every {required} already sits in one "
            "partition (as when the frame is partitioned by account and each contact "
            "belongs to one account)"
        )
        raise InvalidInputError(msg)
    if partitioned_by == column or column not in frame.columns:
        return frame
    return shuffle_in_order(frame, column)


def _job_on(
    job: Callable[..., Partial], piece: pd.DataFrame, part: str, options: Mapping[str, object]
) -> Partial:
    """The job's partial of one partition (on a worker)."""
    return job(piece, part=part, **options)
