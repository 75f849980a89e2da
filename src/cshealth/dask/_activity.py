"""Support and adoption on a Dask DataFrame: the ticket summary and active users."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, overload

from cshealth import adoption, support
from cshealth.dask._run import Merge, merged

if TYPE_CHECKING:
    import dask.dataframe as dd

    from cshealth._grouped import Grouped
    from cshealth._grouping import By
    from cshealth._types import AsOf

__all__ = ["active_users", "support_summary"]


@overload
def support_summary(
    frame: dd.DataFrame,
    *,
    start: AsOf,
    end: AsOf,
    schedule: support.Schedule | None = None,
    by: None = None,
    sla: support.SLAPolicy | None = None,
    live_channels: Collection[str] = ("chat", "phone"),
    long_wait_seconds: float = 300,
    short_abandon_seconds: float = 10,
    include_mean: bool = False,
    merge: Merge = "tree",
) -> support.SupportSummary: ...
@overload
def support_summary(
    frame: dd.DataFrame,
    *,
    start: AsOf,
    end: AsOf,
    schedule: support.Schedule | None = None,
    by: By,
    sla: support.SLAPolicy | None = None,
    live_channels: Collection[str] = ("chat", "phone"),
    long_wait_seconds: float = 300,
    short_abandon_seconds: float = 10,
    include_mean: bool = False,
    merge: Merge = "tree",
) -> Grouped[support.SupportSummary]: ...
def support_summary(
    frame: dd.DataFrame,
    *,
    start: AsOf,
    end: AsOf,
    schedule: support.Schedule | None = None,
    by: By | None = None,
    sla: support.SLAPolicy | None = None,
    live_channels: Collection[str] = ("chat", "phone"),
    long_wait_seconds: float = 300,
    short_abandon_seconds: float = 10,
    include_mean: bool = False,
    merge: Merge = "tree",
) -> support.SupportSummary | Grouped[support.SupportSummary]:
    """`cshealth.support.summary` of a Dask DataFrame of tickets.

    Each partition's `cshealth.support.summary_partial`, merged, finalised: the summary
    `cshealth.support.summary` gives on all the tickets, medians and p90s included (the
    partial holds exact value counts of the durations). Any partitioning is exact (each
    ticket is one row); give each ticket once.

    Args:
        frame: The tickets, with the columns `cshealth.support.summary` reads.
        start: As in `cshealth.support.summary`.
        end: As in `cshealth.support.summary`.
        schedule: As in `cshealth.support.summary`.
        by: As in `cshealth.support.summary`.
        sla: As in `cshealth.support.summary`.
        live_channels: As in `cshealth.support.summary`.
        long_wait_seconds: As in `cshealth.support.summary`.
        short_abandon_seconds: As in `cshealth.support.summary`.
        include_mean: As in `cshealth.support.summary`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `SupportSummary`; with ``by``, a `Grouped` of one per group.

    Raises:
        InvalidInputError: As `cshealth.support.summary`, and as
            `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import support
        >>> tickets = pd.DataFrame(
        ...     {
        ...         "id": ["T-1", "T-2", "T-3"],
        ...         "channel": ["email", "chat", "email"],
        ...         "created_at": pd.to_datetime(
        ...             ["2025-03-03 09:00", "2025-03-04 09:00", "2025-03-05 09:00"]
        ...         ),
        ...         "resolved_at": pd.to_datetime(["2025-03-03 10:00", None, "2025-03-05 12:00"]),
        ...     }
        ... )
        >>> frame = dd.from_pandas(tickets, npartitions=2)
        >>> done = support_summary(frame, start="2025-03-01", end="2025-04-01")
        >>> done.resolution
        DurationStats(n=2, median=2 h, p90=2.8 h)
        >>> done == support.summary(tickets, start="2025-03-01", end="2025-04-01")
        True
    """
    options = {
        "start": start,
        "end": end,
        "schedule": schedule,
        "by": by,
        "sla": sla,
        "live_channels": live_channels,
        "long_wait_seconds": long_wait_seconds,
        "short_abandon_seconds": short_abandon_seconds,
        "include_mean": include_mean,
    }
    partial = merged(
        frame,
        support.summary_partial,
        options,
        partitioned_by=None,
        merge=merge,
        feature="cshealth.dask.support_summary",
    )
    return partial.finalize()


def active_users(
    frame: dd.DataFrame,
    *,
    as_of: AsOf,
    window_days: int = 28,
    timezone: str = "UTC",
    features: Iterable[str] | None = None,
    seats: Mapping[object, int | None] | None = None,
    accounts: object | None = None,
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> adoption.ActiveUsers:
    """`cshealth.adoption.active_users` of a Dask DataFrame of usage events.

    Each partition's `cshealth.adoption.active_users_partial`, merged, finalised: the
    `ActiveUsers` that `cshealth.adoption.active_users` gives on all the events. A user
    counts once per account, so all of an account's events must sit in one partition:
    the frame is shuffled on ``account_id`` first, unless ``partitioned_by='account_id'``
    states that they already do.

    Args:
        frame: The usage events (``account_id``, ``user_id``, ``occurred_at``, ...).
        as_of: As in `cshealth.adoption.active_users`.
        window_days: As in `cshealth.adoption.active_users`.
        timezone: As in `cshealth.adoption.active_users`.
        features: As in `cshealth.adoption.active_users`.
        seats: As in `cshealth.adoption.active_users` (sent to every partition).
        accounts: As in `cshealth.adoption.active_users` (sent to every partition).
        partitioned_by: As in `cshealth.dask.partials`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `ActiveUsers`.

    Raises:
        InvalidInputError: As `cshealth.adoption.active_users`, and as
            `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import adoption
        >>> events = pd.DataFrame(
        ...     {
        ...         "account_id": ["A", "B", "A"],
        ...         "user_id": ["ana", "cy", "bo"],
        ...         "occurred_at": pd.to_datetime(["2025-12-31", "2025-12-20", "2025-12-30"]),
        ...     }
        ... )
        >>> frame = dd.from_pandas(events, npartitions=2)  # A's users in both partitions
        >>> users = active_users(frame, as_of="2026-01-01")
        >>> users.mau.tolist()
        [2, 1]
        >>> users == adoption.active_users(events, as_of="2026-01-01")
        True
    """
    options = {
        "as_of": as_of,
        "window_days": window_days,
        "timezone": timezone,
        "features": features,
        "seats": seats,
        "accounts": accounts,
    }
    partial = merged(
        frame,
        adoption.active_users_partial,
        options,
        partitioned_by=partitioned_by,
        merge=merge,
        feature="cshealth.dask.active_users",
    )
    return partial.finalize()
