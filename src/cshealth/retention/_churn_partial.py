"""The partial forms of `logo_churn` and `activity_churn`: counts that add up.

Every figure of a `LogoChurn` (customers at each snapshot, new, churned, churn events,
customer-days) and of an `ActivityChurn` (entities active at each snapshot, new,
churned) is a count over customers or entities, so the counts of disjoint partitions add
up to the counts of all of them, and the rates follow from the sums. Each partial holds
the counts (per group for ``by``), and its `finalize` is the finaliser the
single-machine function itself ends with (`_logo_result`, `_activity_result`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import one_of
from cshealth._grouped import Grouped
from cshealth._grouping import By
from cshealth._partial import Partial, PartialKey, Requires
from cshealth._types import AsOf, InstantLike
from cshealth.retention._accounts import read_account_groups, read_churn_accounts
from cshealth.retention._activity_churn import (
    ACTIVITY_COUNTS,
    ActivityChurn,
    _activity_counts,
    _activity_result,
    _activity_window,
    _entity_ids,
    _event_times,
)
from cshealth.retention._logo_churn import (
    LOGO_COUNTS,
    Denominator,
    LogoChurn,
    _logo_counts,
    _logo_result,
    _stints,
    _window,
)
from cshealth.retention._partial_rows import (
    by_option,
    day_option,
    empty_rows,
    label_runs,
    part_names,
    read_day,
    trusted,
)

__all__ = [
    "ActivityChurnPartial",
    "LogoChurnPartial",
    "activity_churn_partial",
    "logo_churn_partial",
]


@dataclass(frozen=True, eq=False, repr=False)
class LogoChurnPartial(Partial):
    """The partial form of `logo_churn`: its counts, per group.

    One row per group (``''`` without ``by``): ``accounts`` (rows of account data in
    the group), ``ungrouped`` (how many of them had no group: they are in ``'(none)'``),
    and the counts of `LogoChurn`: ``starting_customers``, ``ending_customers``,
    ``new_customers``, ``churned_customers``, ``customer_days`` and ``churn_events``.
    Counts of disjoint sets of accounts add up, so partials merge and `finalize` gives
    the very `LogoChurn` (or `Grouped` of them) `logo_churn` gives on all the accounts.

    The key holds ``base_on`` and ``compare_on`` (the days, ISO text), ``denominator``
    and ``by`` (the column, ``'account'`` for a mapping, ``''`` without groups).

    Requires nothing of the partitioning (``REQUIRES = None``): each row is one customer,
    counted where it is. An account given in two partitions is counted twice, just as
    `logo_churn` counts a repeated row twice: give each account once.

    Examples:
        >>> from datetime import date
        >>> from cshealth.retention import logo_churn
        >>> accounts = {
        ...     "start_date": ["2024-01-01", "2024-06-01", "2025-01-10"],
        ...     "end_date": ["2025-01-20", None, None],
        ... }
        >>> jan = dict(base_on=date(2025, 1, 1), compare_on=date(2025, 2, 1))
        >>> a = logo_churn_partial({k: v[:1] for k, v in accounts.items()}, **jan, part="a")
        >>> b = logo_churn_partial({k: v[1:] for k, v in accounts.items()}, **jan, part="b")
        >>> (a + b).columns["churned_customers"].tolist()
        [1]
        >>> (a + b).finalize() == logo_churn(accounts, **jan)
        True
    """

    KIND: ClassVar[str] = "logo_churn"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (("group", "object"),)
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("accounts", "ungrouped", *LOGO_COUNTS)
    REQUIRES: ClassVar[Requires] = None

    def finalize(self) -> LogoChurn | Grouped[LogoChurn]:
        """The `LogoChurn` of every account merged in; with ``by``, a `Grouped` of them.

        Examples:
            >>> from datetime import date
            >>> one = {"start_date": ["2024-01-01"], "end_date": ["2025-01-20"]}
            >>> p = logo_churn_partial(one, base_on=date(2025, 1, 1), compare_on=date(2025, 2, 1))
            >>> p.finalize().rate
            1.0
        """
        first = read_day(self.key.option("base_on"))
        last = read_day(self.key.option("compare_on"))
        form = cast("Denominator", self.key.option("denominator"))
        columns = self.columns

        def result(rows: NDArray[np.intp] | slice) -> LogoChurn:
            counts = {name: int(columns[name][rows].sum()) for name in LOGO_COUNTS}
            return _logo_result(counts, first, last, form)

        overall = result(slice(None))
        by = self.key.option("by")
        if not by:
            return overall
        groups = {label: result(rows) for label, rows in label_runs(columns["group"])}
        ungrouped = int(columns["ungrouped"].sum())
        return Grouped(by=by, overall=overall, groups=groups, ungrouped=ungrouped)


def logo_churn_partial(
    accounts: object,
    *,
    base_on: AsOf,
    compare_on: AsOf,
    denominator: Denominator = "start",
    timezone: str = "UTC",
    by: By | None = None,
    part: str | None = None,
) -> LogoChurnPartial:
    """The partial form of `logo_churn` on one partition of the accounts.

    Reads the accounts as `logo_churn` does (same checks, same errors) and counts them.
    Partials of disjoint partitions merge (`LogoChurnPartial.merge`, ``+``), and
    `LogoChurnPartial.finalize` gives what `logo_churn` gives on all the accounts.

    Args:
        accounts: One partition of the accounts, in any form `logo_churn` takes.
        base_on: As in `logo_churn`; the day is in the partial's key.
        compare_on: As in `logo_churn`; the day is in the key.
        denominator: As in `logo_churn`; in the key.
        timezone: As in `logo_churn` (it only places instants on days).
        by: As in `logo_churn`; its column name (``'account'`` for a mapping) is in the
            key.
        part: A name for the partition, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        A `LogoChurnPartial` (requires nothing of the partitioning).

    Raises:
        InvalidInputError: As `logo_churn`; and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> one = {"start_date": ["2024-01-01"], "end_date": [None], "plan": ["pro"]}
        >>> p = logo_churn_partial(
        ...     one, base_on=date(2025, 1, 1), compare_on=date(2025, 2, 1), by="plan"
        ... )
        >>> p.columns["group"].tolist(), p.columns["starting_customers"].tolist()
        (['pro'], [1])
    """
    form = cast("Denominator", one_of(denominator, Denominator, "denominator"))
    first, last = _window(base_on, compare_on, timezone)
    parts = part_names(part)
    key = PartialKey.of(
        LogoChurnPartial.KIND,
        base_on=day_option(first),
        compare_on=day_option(last),
        denominator=form,
        by=by_option(by),
    )
    if by is None:
        begins, ends = _stints(read_churn_accounts(accounts, ["start_date"], function="logo_churn"))
        members = [("", np.arange(len(begins)), np.zeros(len(begins), dtype=bool))]
    else:
        table, groups = read_account_groups(accounts, ["start_date"], by, function="logo_churn")
        begins, ends = _stints(table)
        members = [(label, rows, groups.missing[rows]) for label, rows in groups.members()]
    rows = [
        (
            label,
            len(units),
            int(missing.sum()),
            _logo_counts(begins[units], ends[units], first, last),
        )
        for label, units, missing in members
        if len(units)
    ]
    columns = {
        "group": np.array([label for label, *_ in rows], dtype=object),
        "accounts": np.array([n for _, n, _, _ in rows], dtype=np.int64),
        "ungrouped": np.array([m for _, _, m, _ in rows], dtype=np.int64),
        **{name: np.array([c[name] for *_, c in rows], dtype=np.int64) for name in LOGO_COUNTS},
    }
    return trusted(LogoChurnPartial, key, columns, parts)


@dataclass(frozen=True, eq=False, repr=False)
class ActivityChurnPartial(Partial):
    """The partial form of `activity_churn`: its four counts of entities.

    One row (none for a partition without events): ``starting_entities``,
    ``ending_entities``, ``new_entities`` and ``churned_entities``. Counts of disjoint
    sets of entities add up, so partials merge and `finalize` gives the very
    `ActivityChurn` `activity_churn` gives on all the events.

    The key holds ``base_on`` and ``compare_on`` (UTC instants, ISO text to the
    microsecond) and ``inactive_after`` (in microseconds).

    Requires ``'entity_id'``: an entity is active at a snapshot when any of its events
    is recent enough, which a partition only knows for the entities it holds all the
    events of. Split an entity's events over two partitions and it can count as churned
    in one and new in the other.

    Examples:
        >>> from datetime import date
        >>> from cshealth.retention import activity_churn
        >>> ids = ["ana", "ana", "bo"]
        >>> times = ["2025-01-10T09:00Z", "2025-02-05T09:00Z", "2025-01-20T09:00Z"]
        >>> window = dict(base_on=date(2025, 2, 1), compare_on=date(2025, 3, 1))
        >>> a = activity_churn_partial(ids[:2], times[:2], **window, part="a")
        >>> b = activity_churn_partial(ids[2:], times[2:], **window, part="b")
        >>> (a + b).finalize() == activity_churn(ids, times, **window)
        True
    """

    KIND: ClassVar[str] = "activity_churn"
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ACTIVITY_COUNTS
    REQUIRES: ClassVar[Requires] = "entity_id"

    def finalize(self) -> ActivityChurn:
        """The `ActivityChurn` of every entity merged in.

        Examples:
            >>> from datetime import date
            >>> p = activity_churn_partial(
            ...     ["u1"],
            ...     ["2025-01-20T10:00Z"],
            ...     base_on=date(2025, 2, 1),
            ...     compare_on=date(2025, 3, 1),
            ... )
            >>> p.finalize().churned_entities
            1
        """
        first, last = (
            int(np.datetime64(self.key.option(name), "us").astype(np.int64))
            for name in ("base_on", "compare_on")
        )
        lag = int(self.key.option("inactive_after"))
        counts = {name: int(self.columns[name].sum()) for name in ACTIVITY_COUNTS}
        return _activity_result(counts, (first, last, lag), timedelta(microseconds=lag))


def activity_churn_partial(
    entity_ids: ArrayLike,
    event_times: ArrayLike | Sequence[InstantLike],
    *,
    base_on: AsOf,
    compare_on: AsOf,
    inactive_after: timedelta = timedelta(days=30),
    timezone: str = "UTC",
    part: str | None = None,
) -> ActivityChurnPartial:
    """The partial form of `activity_churn` on one partition of the events.

    Reads the events as `activity_churn` does (same checks, same errors) and counts the
    entities. Partials of partitions that each hold all the events of their entities
    merge (`ActivityChurnPartial.merge`, ``+``), and `ActivityChurnPartial.finalize`
    gives what `activity_churn` gives on all the events.

    Args:
        entity_ids: As in `activity_churn`.
        event_times: As in `activity_churn`.
        base_on: As in `activity_churn`; the instant is in the partial's key.
        compare_on: As in `activity_churn`; the instant is in the key.
        inactive_after: As in `activity_churn`; in the key.
        timezone: As in `activity_churn` (it only places days on the clock).
        part: A name for the partition, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        An `ActivityChurnPartial`; it requires every entity's events in one partition
        (``'entity_id'``).

    Raises:
        InvalidInputError: As `activity_churn`; and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> p = activity_churn_partial(
        ...     ["u1", "u2"],
        ...     ["2025-01-20T10:00Z", "2025-02-20T10:00Z"],
        ...     base_on=date(2025, 2, 1),
        ...     compare_on=date(2025, 3, 1),
        ... )
        >>> p.columns["churned_entities"].tolist(), p.columns["new_entities"].tolist()
        ([1], [1])
    """
    window = _activity_window(base_on, compare_on, inactive_after, timezone)
    times = _event_times(event_times)
    ids = _entity_ids(entity_ids, len(times))
    first, last, lag = window
    key = PartialKey.of(
        ActivityChurnPartial.KIND,
        base_on=np.datetime64(first, "us"),
        compare_on=np.datetime64(last, "us"),
        inactive_after=lag,
    )
    parts = part_names(part)
    if not len(times):
        return empty_rows(ActivityChurnPartial, key, parts)
    counts = _activity_counts(ids, times, window)
    columns = {name: np.array([counts[name]], dtype=np.int64) for name in ACTIVITY_COUNTS}
    return trusted(ActivityChurnPartial, key, columns, parts)
