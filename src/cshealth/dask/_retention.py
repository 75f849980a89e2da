"""Retention on a Dask DataFrame: survival and cohort tables, from each partition's partial."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast, overload

from cshealth import retention
from cshealth.dask._run import ColumnsJob, Merge, merged

if TYPE_CHECKING:
    import dask.dataframe as dd

    from cshealth._grouped import Grouped
    from cshealth._grouping import By
    from cshealth._types import AsOf, Period

__all__ = ["cohort_table", "kaplan_meier", "logo_cohorts", "revenue_cohorts", "survival"]


@overload
def survival(
    frame: dd.DataFrame,
    *,
    as_of: AsOf,
    time_unit: retention.SurvivalUnit = "day",
    by: None = None,
    merge: Merge = "tree",
) -> retention.SurvivalCurve: ...
@overload
def survival(
    frame: dd.DataFrame,
    *,
    as_of: AsOf,
    time_unit: retention.SurvivalUnit = "day",
    by: By,
    merge: Merge = "tree",
) -> Grouped[retention.SurvivalCurve]: ...
def survival(
    frame: dd.DataFrame,
    *,
    as_of: AsOf,
    time_unit: retention.SurvivalUnit = "day",
    by: By | None = None,
    merge: Merge = "tree",
) -> retention.SurvivalCurve | Grouped[retention.SurvivalCurve]:
    """`cshealth.retention.survival` of the accounts of a Dask DataFrame.

    Each partition's `cshealth.retention.survival_partial`, merged, finalised: the very
    curve (or `Grouped` curves, with ``by``) that `cshealth.retention.survival` gives on
    all the accounts. Any partitioning is exact (each account is one row); give each
    account once.

    Args:
        frame: The accounts (``start_date``, ``end_date``; ``id`` for a ``by`` mapping).
        as_of: As in `cshealth.retention.survival`.
        time_unit: As in `cshealth.retention.survival`.
        by: As in `cshealth.retention.survival`: a column, or a mapping from account id
            to group (sent to every partition).
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `SurvivalCurve`; with ``by``, a `Grouped` of one curve per group.

    Raises:
        InvalidInputError: As `cshealth.retention.survival`, and as
            `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import retention
        >>> accounts = pd.DataFrame(
        ...     {
        ...         "start_date": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-01"]),
        ...         "end_date": pd.to_datetime(["2025-01-31", None, "2025-06-01"]),
        ...     }
        ... )
        >>> curve = survival(dd.from_pandas(accounts, npartitions=2), as_of="2025-03-01")
        >>> curve.counts.to_dict()  # churned at 30 days; censored at 28 and 59 days
        {'times': [28.0, 30.0, 59.0], 'events': [0, 1, 0], 'censored': [1, 0, 1], 'n': 3}
        >>> curve == retention.survival(accounts, as_of="2025-03-01")
        True
    """
    options = {"as_of": as_of, "time_unit": time_unit, "by": by}
    partial = merged(
        frame,
        retention.survival_partial,
        options,
        partitioned_by=None,
        merge=merge,
        feature="cshealth.dask.survival",
    )
    return partial.finalize()


def kaplan_meier(
    frame: dd.DataFrame,
    *,
    duration: str,
    observed: str | None = None,
    time_unit: retention.SurvivalUnit = "day",
    merge: Merge = "tree",
) -> retention.SurvivalCurve:
    """`cshealth.retention.kaplan_meier` of two columns of a Dask DataFrame.

    Each partition's `cshealth.retention.kaplan_meier_partial` of the columns, merged,
    finalised: the curve `cshealth.retention.kaplan_meier` gives on all the rows. Any
    partitioning is exact (each subject is one row).

    Args:
        frame: One row per subject.
        duration: The column of durations (numbers in ``time_unit``, or time spans).
        observed: The column saying whether the event was observed (``False``:
            censored); ``None``: every event was.
        time_unit: As in `cshealth.retention.kaplan_meier`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `SurvivalCurve`.

    Raises:
        InvalidInputError: When a column is missing; as
            `cshealth.retention.kaplan_meier`, and as `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import retention
        >>> rows = pd.DataFrame({"days": [2, 3, 3, 8], "churned": [True, False, True, True]})
        >>> frame = dd.from_pandas(rows, npartitions=2)
        >>> curve = kaplan_meier(frame, duration="days", observed="churned")
        >>> curve == retention.kaplan_meier(rows["days"], rows["churned"])
        True
    """
    names = (duration,) if observed is None else (duration, observed)
    partial = merged(
        frame,
        ColumnsJob(retention.kaplan_meier_partial, names),
        {"time_unit": time_unit},
        partitioned_by=None,
        merge=merge,
        feature="cshealth.dask.kaplan_meier",
    )
    return cast("retention.SurvivalCurve", partial.finalize())  # no groups: one curve


def cohort_table(
    frame: dd.DataFrame,
    *,
    entity: str,
    date: str,
    as_of: AsOf,
    period: Period = "month",
    mode: retention.CohortMode = "on",
    timezone: str = "UTC",
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> retention.CohortTable:
    """`cshealth.retention.cohort_table` of two columns of a Dask DataFrame of events.

    Each partition's `cshealth.retention.cohort_table_partial`, merged, finalised: the
    table `cshealth.retention.cohort_table` gives on all the events. An entity's first
    event sets its cohort, so all of an entity's events must sit in one partition: the
    frame is shuffled on the ``entity`` column first, unless ``partitioned_by=entity``
    states that they already do.

    Args:
        frame: The events.
        entity: The column of entity ids (users, accounts).
        date: The column of the events' dates or instants (naive instants: UTC).
        as_of: As in `cshealth.retention.cohort_table`.
        period: As in `cshealth.retention.cohort_table`.
        mode: As in `cshealth.retention.cohort_table`.
        timezone: As in `cshealth.retention.cohort_table`.
        partitioned_by: As in `cshealth.dask.partials`: only ``entity`` is allowed.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `CohortTable`.

    Raises:
        InvalidInputError: When a column is missing; as
            `cshealth.retention.cohort_table`, and as `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import retention
        >>> events = pd.DataFrame(
        ...     {
        ...         "user": ["u1", "u2", "u1", "u2"],
        ...         "day": pd.to_datetime(["2025-01-04", "2025-01-09", "2025-02-11", "2025-03-01"]),
        ...     }
        ... )
        >>> frame = dd.from_pandas(events, npartitions=2)  # u1 and u2 span both partitions
        >>> table = cohort_table(frame, entity="user", date="day", as_of="2025-04-01")
        >>> table.counts.tolist()
        [[2, 1, 1]]
        >>> table == retention.cohort_table(events["user"], events["day"], as_of="2025-04-01")
        True
    """
    options = {"as_of": as_of, "period": period, "mode": mode, "timezone": timezone}
    partial = merged(
        frame,
        ColumnsJob(retention.cohort_table_partial, (entity, date)),
        options,
        partitioned_by=partitioned_by,
        merge=merge,
        feature="cshealth.dask.cohort_table",
        columns={"entity_id": entity},
    )
    return partial.finalize()


def logo_cohorts(
    frame: dd.DataFrame,
    *,
    as_of: AsOf,
    period: Period = "month",
    timezone: str = "UTC",
    merge: Merge = "tree",
) -> retention.CohortTable:
    """`cshealth.retention.logo_cohorts` of the accounts of a Dask DataFrame.

    Each partition's `cshealth.retention.logo_cohorts_partial`, merged, finalised. Any
    partitioning is exact (each account is one row). An id given twice within one
    partition is refused, as `cshealth.retention.logo_cohorts` refuses it; across
    partitions it cannot be seen: give each account once.

    Args:
        frame: The accounts (``id``, ``start_date``, ``end_date``).
        as_of: As in `cshealth.retention.logo_cohorts`.
        period: As in `cshealth.retention.logo_cohorts`.
        timezone: As in `cshealth.retention.logo_cohorts`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `CohortTable`.

    Raises:
        InvalidInputError: As `cshealth.retention.logo_cohorts`, and as
            `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import retention
        >>> accounts = pd.DataFrame(
        ...     {
        ...         "id": ["A", "B", "C"],
        ...         "start_date": pd.to_datetime(["2025-01-10", "2025-01-20", "2025-02-03"]),
        ...         "end_date": pd.to_datetime(["2025-02-01", None, None]),
        ...     }
        ... )
        >>> table = logo_cohorts(dd.from_pandas(accounts, npartitions=2), as_of="2025-04-01")
        >>> table == retention.logo_cohorts(accounts, as_of="2025-04-01")
        True
    """
    options = {"as_of": as_of, "period": period, "timezone": timezone}
    partial = merged(
        frame,
        retention.logo_cohorts_partial,
        options,
        partitioned_by=None,
        merge=merge,
        feature="cshealth.dask.logo_cohorts",
    )
    return partial.finalize()


def revenue_cohorts(
    frame: dd.DataFrame,
    *,
    as_of: AsOf,
    period: Period = "month",
    timezone: str = "UTC",
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> retention.RevenueCohortTable:
    """`cshealth.retention.revenue_cohorts` of a Dask DataFrame of revenue changes.

    Each partition's `cshealth.retention.revenue_cohorts_partial`, merged, finalised. An
    account's first change sets its cohort, so all of an account's changes must sit in
    one partition: the frame is shuffled on ``account_id`` first, unless
    ``partitioned_by='account_id'`` states that they already do.

    Args:
        frame: The revenue changes, with the columns
            `cshealth.retention.revenue_cohorts` reads.
        as_of: As in `cshealth.retention.revenue_cohorts`.
        period: As in `cshealth.retention.revenue_cohorts`.
        timezone: As in `cshealth.retention.revenue_cohorts`.
        partitioned_by: As in `cshealth.dask.partials`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `RevenueCohortTable`.

    Raises:
        InvalidInputError: As `cshealth.retention.revenue_cohorts`, and as
            `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import retention
        >>> changes = pd.DataFrame(
        ...     {
        ...         "account_id": ["A", "B", "A"],
        ...         "effective_on": pd.to_datetime(["2025-01-10", "2025-01-15", "2025-02-03"]),
        ...         "mrr": [100.0, 50.0, 150.0],
        ...     }
        ... )
        >>> frame = dd.from_pandas(changes, npartitions=2)
        >>> table = revenue_cohorts(frame, as_of="2025-03-01")
        >>> table == retention.revenue_cohorts(changes, as_of="2025-03-01")
        True
    """
    options = {"as_of": as_of, "period": period, "timezone": timezone}
    partial = merged(
        frame,
        retention.revenue_cohorts_partial,
        options,
        partitioned_by=partitioned_by,
        merge=merge,
        feature="cshealth.dask.revenue_cohorts",
    )
    return partial.finalize()
