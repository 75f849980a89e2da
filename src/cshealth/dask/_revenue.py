"""Revenue and churn on a Dask DataFrame, from each partition's partial."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, overload

from cshealth import retention
from cshealth.dask._run import ColumnsJob, Merge, merged

if TYPE_CHECKING:
    import dask.dataframe as dd

    from cshealth._grouped import Grouped
    from cshealth._grouping import By
    from cshealth._types import AsOf

__all__ = ["activity_churn", "logo_churn", "revenue_retention"]


@overload
def revenue_retention(
    frame: dd.DataFrame,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: None = None,
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> retention.RevenueRetention: ...
@overload
def revenue_retention(
    frame: dd.DataFrame,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: By,
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> Grouped[retention.RevenueRetention]: ...
def revenue_retention(
    frame: dd.DataFrame,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    min_base_mrr: float = 0.0,
    by: By | None = None,
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> retention.RevenueRetention | Grouped[retention.RevenueRetention]:
    """`cshealth.retention.revenue_retention` of a Dask DataFrame of revenue changes.

    Each partition's `cshealth.retention.revenue_retention_partial`, merged, finalised:
    what `cshealth.retention.revenue_retention` gives on all the changes (MRR sums within
    the stated tolerance of partials). An account's MRR on a day is its latest change
    before it, so all of an account's changes must sit in one partition: the frame is
    shuffled on ``account_id`` first, unless ``partitioned_by='account_id'`` states that
    they already do.

    Args:
        frame: The revenue changes (``account_id``, ``effective_on``, ``mrr``).
        base_on: As in `cshealth.retention.revenue_retention`.
        compare_on: As in `cshealth.retention.revenue_retention`.
        min_base_mrr: As in `cshealth.retention.revenue_retention`.
        by: As in `cshealth.retention.revenue_retention`.
        partitioned_by: As in `cshealth.dask.partials`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `RevenueRetention`; with ``by``, a `Grouped` of one per group.

    Raises:
        InvalidInputError: As `cshealth.retention.revenue_retention`, and as
            `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import retention
        >>> changes = pd.DataFrame(
        ...     {
        ...         "account_id": ["A", "B", "A", "B"],
        ...         "effective_on": pd.to_datetime(
        ...             ["2025-01-01", "2025-01-01", "2025-03-01", "2025-03-01"]
        ...         ),
        ...         "mrr": [100.0, 50.0, 150.0, 0.0],
        ...     }
        ... )
        >>> frame = dd.from_pandas(changes, npartitions=2)  # A and B span both partitions
        >>> kept = revenue_retention(frame, base_on="2025-01-15", compare_on="2025-04-01")
        >>> kept.nrr, kept.churned_customers  # A grew 100 -> 150, B churned (50)
        (1.0, 1)
        >>> kept == retention.revenue_retention(
        ...     changes, base_on="2025-01-15", compare_on="2025-04-01"
        ... )
        True
    """
    options = {"base_on": base_on, "compare_on": compare_on, "min_base_mrr": min_base_mrr}
    partial = merged(
        frame,
        retention.revenue_retention_partial,
        {**options, "by": by},
        partitioned_by=partitioned_by,
        merge=merge,
        feature="cshealth.dask.revenue_retention",
    )
    return partial.finalize()


@overload
def logo_churn(
    frame: dd.DataFrame,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    denominator: retention.Denominator = "start",
    timezone: str = "UTC",
    by: None = None,
    merge: Merge = "tree",
) -> retention.LogoChurn: ...
@overload
def logo_churn(
    frame: dd.DataFrame,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    denominator: retention.Denominator = "start",
    timezone: str = "UTC",
    by: By,
    merge: Merge = "tree",
) -> Grouped[retention.LogoChurn]: ...
def logo_churn(
    frame: dd.DataFrame,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    denominator: retention.Denominator = "start",
    timezone: str = "UTC",
    by: By | None = None,
    merge: Merge = "tree",
) -> retention.LogoChurn | Grouped[retention.LogoChurn]:
    """`cshealth.retention.logo_churn` of the accounts of a Dask DataFrame.

    Each partition's `cshealth.retention.logo_churn_partial`, merged, finalised. Any
    partitioning is exact (each account is one row); give each account once.

    Args:
        frame: The accounts (``start_date``, ``end_date``).
        base_on: As in `cshealth.retention.logo_churn`.
        compare_on: As in `cshealth.retention.logo_churn`.
        denominator: As in `cshealth.retention.logo_churn`.
        timezone: As in `cshealth.retention.logo_churn`.
        by: As in `cshealth.retention.logo_churn`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `LogoChurn`; with ``by``, a `Grouped` of one per group.

    Raises:
        InvalidInputError: As `cshealth.retention.logo_churn`, and as
            `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import retention
        >>> accounts = pd.DataFrame(
        ...     {
        ...         "start_date": pd.to_datetime(["2024-06-01", "2024-07-01", "2024-08-01"]),
        ...         "end_date": pd.to_datetime(["2025-02-01", None, None]),
        ...     }
        ... )
        >>> frame = dd.from_pandas(accounts, npartitions=2)
        >>> churn = logo_churn(frame, base_on="2025-01-01", compare_on="2025-04-01")
        >>> churn == retention.logo_churn(accounts, base_on="2025-01-01", compare_on="2025-04-01")
        True
    """
    options = {
        "base_on": base_on,
        "compare_on": compare_on,
        "denominator": denominator,
        "timezone": timezone,
        "by": by,
    }
    partial = merged(
        frame,
        retention.logo_churn_partial,
        options,
        partitioned_by=None,
        merge=merge,
        feature="cshealth.dask.logo_churn",
    )
    return partial.finalize()


def activity_churn(
    frame: dd.DataFrame,
    *,
    entity: str,
    time: str,
    base_on: AsOf,
    compare_on: AsOf,
    inactive_after: timedelta = timedelta(days=30),
    timezone: str = "UTC",
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> retention.ActivityChurn:
    """`cshealth.retention.activity_churn` of two columns of a Dask DataFrame of events.

    Each partition's `cshealth.retention.activity_churn_partial`, merged, finalised. An
    entity's activity is read from all its events, so all of an entity's events must sit
    in one partition: the frame is shuffled on the ``entity`` column first, unless
    ``partitioned_by=entity`` states that they already do.

    Args:
        frame: The events.
        entity: The column of entity ids (users, accounts).
        time: The column of the events' instants (naive: UTC).
        base_on: As in `cshealth.retention.activity_churn`.
        compare_on: As in `cshealth.retention.activity_churn`.
        inactive_after: As in `cshealth.retention.activity_churn`.
        timezone: As in `cshealth.retention.activity_churn`.
        partitioned_by: As in `cshealth.dask.partials`: only ``entity`` is allowed.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `ActivityChurn`.

    Raises:
        InvalidInputError: When a column is missing; as
            `cshealth.retention.activity_churn`, and as `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import retention
        >>> events = pd.DataFrame(
        ...     {
        ...         "user": ["u1", "u2", "u1", "u3"],
        ...         "at": pd.to_datetime(["2025-01-05", "2025-01-06", "2025-02-20", "2025-02-21"]),
        ...     }
        ... )
        >>> frame = dd.from_pandas(events, npartitions=2)
        >>> churn = activity_churn(
        ...     frame, entity="user", time="at", base_on="2025-01-10", compare_on="2025-03-01"
        ... )
        >>> churn == retention.activity_churn(
        ...     events["user"], events["at"], base_on="2025-01-10", compare_on="2025-03-01"
        ... )
        True
    """
    options = {
        "base_on": base_on,
        "compare_on": compare_on,
        "inactive_after": inactive_after,
        "timezone": timezone,
    }
    partial = merged(
        frame,
        ColumnsJob(retention.activity_churn_partial, (entity, time)),
        options,
        partitioned_by=partitioned_by,
        merge=merge,
        feature="cshealth.dask.activity_churn",
        columns={"entity_id": entity},
    )
    return partial.finalize()
