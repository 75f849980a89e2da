"""MRR movements on a Dask DataFrame of revenue changes, from each partition's partial."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

from cshealth import retention
from cshealth.dask._run import Merge, merged

if TYPE_CHECKING:
    import dask.dataframe as dd

    from cshealth._grouped import Grouped
    from cshealth._grouping import By
    from cshealth._types import AsOf, Period

__all__ = ["mrr_movements"]


@overload
def mrr_movements(
    frame: dd.DataFrame,
    *,
    start: AsOf,
    end: AsOf,
    period: Period = "month",
    group_within_days: int = 0,
    same_period_new_and_churn: Literal["count", "ignore"] = "count",
    by: None = None,
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> retention.MRRMovements: ...
@overload
def mrr_movements(
    frame: dd.DataFrame,
    *,
    start: AsOf,
    end: AsOf,
    period: Period = "month",
    group_within_days: int = 0,
    same_period_new_and_churn: Literal["count", "ignore"] = "count",
    by: By,
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> Grouped[retention.MRRMovements]: ...
def mrr_movements(
    frame: dd.DataFrame,
    *,
    start: AsOf,
    end: AsOf,
    period: Period = "month",
    group_within_days: int = 0,
    same_period_new_and_churn: Literal["count", "ignore"] = "count",
    by: By | None = None,
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> retention.MRRMovements | Grouped[retention.MRRMovements]:
    """`cshealth.retention.mrr_movements` of a Dask DataFrame of revenue changes.

    Each partition's `cshealth.retention.mrr_movements_partial`, merged, finalised: what
    `cshealth.retention.mrr_movements` gives on all the changes (MRR sums within the
    stated tolerance of partials). A change is classified against the account's MRR
    before it, so all of an account's changes must sit in one partition: the frame is
    shuffled on ``account_id`` first, unless ``partitioned_by='account_id'`` states that
    they already do.

    Args:
        frame: The revenue changes (``account_id``, ``effective_on``, ``mrr``).
        start: As in `cshealth.retention.mrr_movements`.
        end: As in `cshealth.retention.mrr_movements`.
        period: As in `cshealth.retention.mrr_movements`.
        group_within_days: As in `cshealth.retention.mrr_movements`.
        same_period_new_and_churn: As in `cshealth.retention.mrr_movements`.
        by: As in `cshealth.retention.mrr_movements`.
        partitioned_by: As in `cshealth.dask.partials`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `MRRMovements`; with ``by``, a `Grouped` of one per group.

    Raises:
        InvalidInputError: As `cshealth.retention.mrr_movements`, and as
            `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import retention
        >>> changes = pd.DataFrame(
        ...     {
        ...         "account_id": ["A", "B", "A", "B"],
        ...         "effective_on": pd.to_datetime(
        ...             ["2025-01-01", "2025-01-10", "2025-02-01", "2025-03-05"]
        ...         ),
        ...         "mrr": [100.0, 50.0, 150.0, 0.0],
        ...     }
        ... )
        >>> frame = dd.from_pandas(changes, npartitions=2)  # A and B span both partitions
        >>> window = {"start": "2025-01-01", "end": "2025-04-01"}
        >>> moves = mrr_movements(frame, **window)
        >>> moves == retention.mrr_movements(changes, **window)
        True
    """
    options = {
        "start": start,
        "end": end,
        "period": period,
        "group_within_days": group_within_days,
        "same_period_new_and_churn": same_period_new_and_churn,
        "by": by,
    }
    partial = merged(
        frame,
        retention.mrr_movements_partial,
        options,
        partitioned_by=partitioned_by,
        merge=merge,
        feature="cshealth.dask.mrr_movements",
    )
    return partial.finalize()
