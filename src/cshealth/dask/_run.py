"""Any partial on a Dask DataFrame: one per partition, then merged into one.

`partials` computes a job's partial on every partition of a Dask DataFrame, each named by
the frame and the partition's index, so a partition merged twice is refused; `aggregate`
merges them into the partial of the whole frame, by a tree of `Partial.merge` calls (the
default) or by Dask's own group-by-sum over the partials' long tables. Before either, a
job whose partial requires all rows of a key in one partition gets them so: the frame is
shuffled on that key, unless the caller states ``partitioned_by=`` it already is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal, TypeVar, cast, overload

from cshealth._checks import whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._partial import Partial
from cshealth.dask import _engine
from cshealth.dask._groupby import summed
from cshealth.dask._plan import ColumnsJob, plan

if TYPE_CHECKING:
    import dask.dataframe as dd
    from dask.delayed import Delayed

__all__ = ["ColumnsJob", "Merge", "aggregate", "merged", "partials"]

P = TypeVar("P", bound=Partial)

#: How `aggregate` merges the partitions' partials: a tree of `Partial.merge` calls, or
#: Dask's group-by-sum over their long tables.
Merge = Literal["tree", "groupby"]


@overload
def partials(
    frame: dd.DataFrame,
    job: Callable[..., P],
    *,
    partitioned_by: str | None = None,
    compute: Literal[True] = True,
    **options: object,
) -> list[P]: ...
@overload
def partials(
    frame: dd.DataFrame,
    job: Callable[..., P],
    *,
    partitioned_by: str | None = None,
    compute: Literal[False],
    **options: object,
) -> list[Delayed]: ...
def partials(
    frame: dd.DataFrame,
    job: Callable[..., P],
    *,
    partitioned_by: str | None = None,
    compute: bool = True,
    **options: object,
) -> list[P] | list[Delayed]:
    """The partial of ``job`` on every partition of ``frame``, one per partition.

    Each partial is named by the frame (its Dask token) and the partition's index
    (``'<token>:<index>'``, in its ``parts``), so merging one partition twice, as after
    computing a frame's partials twice, is refused. When the job's partial requires all
    rows of a contact, entity or account in one partition, the frame is first shuffled on
    that column, unless ``partitioned_by`` states that it already is (a frame without the
    column is not shuffled: the job reads the key from it, so every row stands alone).
    Naive timestamps in the frame are read as UTC, as everywhere in cshealth.

    Args:
        frame: A Dask DataFrame of the rows the job reads.
        job: An area's partial function, such as `cshealth.nps.trend_partial`: called as
            ``job(piece, part=name, **options)`` on each partition (a pandas DataFrame).
        partitioned_by: The column that already keeps each required key in one partition
            (no shuffle then); any other column than the required one is refused.
        compute: ``True`` (the default): compute them and return the partials;
            ``False``: return one ``dask.delayed`` object per partition, to compute later.
        **options: The job's options (``as_of=``, ``period=``...).

    Returns:
        The partials (or delayed partials), in the order of the partitions.

    Raises:
        InvalidInputError: As `aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import nps
        >>> answers = pd.DataFrame(
        ...     {"score": [10, 9, 3, 7], "submitted_at": pd.date_range("2025-01-01", periods=4)}
        ... )
        >>> frame = dd.from_pandas(answers, npartitions=2)
        >>> parts = partials(frame, nps.trend_partial, as_of="2025-02-01")
        >>> len(parts), [part.split(":")[1] for p in parts for part in p.parts]
        (2, ['0', '1'])
        >>> parts[0].merge(parts[1]).finalize() == nps.trend(answers, as_of="2025-02-01")
        True
        >>> parts[0].merge(parts[0])
        Traceback (most recent call last):
        ...
        cshealth.PartialMismatchError: partition '...:0' is in partials 0 and 1: ...
    """
    run = plan(frame, job, options, partitioned_by=partitioned_by, feature="cshealth.dask.partials")
    if not compute:
        return run.tasks
    return cast("list[P]", list(_engine.compute(*run.tasks)))


def aggregate(
    frame: dd.DataFrame,
    job: Callable[..., P],
    *,
    partitioned_by: str | None = None,
    merge: Merge = "tree",
    split_every: int = 8,
    **options: object,
) -> P:
    """The partial of ``job`` on the whole of ``frame``: per partition, then merged.

    `finalize()` on the result gives what the single-machine function gives on all the
    rows (exactly for counts; weighted figures within the stated tolerance of partials).

    Args:
        frame: A Dask DataFrame of the rows the job reads.
        job: An area's partial function (see `partials`).
        partitioned_by: As in `partials`.
        merge: ``'tree'`` (the default): the partitions' partials are merged by
            `Partial.merge` along a tree of Dask tasks, which checks their keys and parts
            on the way; ``'groupby'``: each partial becomes its long table, Dask sums
            them with a group-by on the key columns, and the client builds the partial
            from the sums (what an SQL engine would do). Both give equal partials.
        split_every: How many partials one task merges (the tree's fan-in, at least 2).
        **options: The job's options.

    Raises:
        InvalidInputError: When ``frame`` is not a Dask DataFrame, ``partitioned_by`` is
            not a column or not the key the partial requires, ``merge`` or
            ``split_every`` is not allowed, or the job refuses its options.
        PartialMismatchError: When partitions give partials of other keys.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import nps
        >>> answers = pd.DataFrame(
        ...     {"score": [10, 9, 3, 7], "submitted_at": pd.date_range("2025-01-01", periods=4)}
        ... )
        >>> frame = dd.from_pandas(answers, npartitions=2)
        >>> whole = aggregate(frame, nps.trend_partial, as_of="2025-02-01")
        >>> whole.finalize() == nps.trend(answers, as_of="2025-02-01")
        True
        >>> aggregate(frame, nps.trend_partial, merge="groupby", as_of="2025-02-01") == whole
        True
    """
    return merged(
        frame,
        job,
        options,
        partitioned_by=partitioned_by,
        merge=merge,
        split_every=split_every,
        feature="cshealth.dask.aggregate",
    )


def merged(
    frame: dd.DataFrame,
    job: Callable[..., P],
    options: Mapping[str, object],
    *,
    partitioned_by: str | None,
    merge: Merge,
    feature: str,
    split_every: int = 8,
    columns: Mapping[str, str] | None = None,
) -> P:
    """`aggregate`, for the functions of `cshealth.dask` (see `plan` for the arguments)."""
    if merge not in ("tree", "groupby"):
        msg = f"{feature}: merge must be 'tree' or 'groupby', got {merge!r}"
        raise InvalidInputError(msg)
    whole_number(split_every, "split_every", low=2)
    run = plan(
        frame,
        job,
        options,
        partitioned_by=partitioned_by,
        feature=feature,
        columns=columns,
    )
    if merge == "tree":
        return cast("P", _engine.compute(_tree(run.tasks, split_every))[0])
    return cast("P", summed(run, split_every, feature))


def _merged(first: Partial, *rest: Partial) -> Partial:
    return first.merge(*rest)


def _tree(tasks: list[Delayed], split_every: int) -> Delayed:
    """The tasks merged along a tree of fan-in ``split_every``, in partition order."""
    level = tasks
    while len(level) > 1:
        level = [
            _engine.delayed()(_merged, pure=False)(*level[i : i + split_every])
            for i in range(0, len(level), split_every)
        ]
    return level[0]
