"""One row per account with every adoption measure: the input a health score reads.

`account_metrics` runs the adoption kernels on the same ``as_of`` and lines their
per-account tables up with `cshealth.join_measures`:

* from the usage records (`UsageRecord`): logins in the window and per seat, the usage
  trend (change against the trailing baseline, drop band, Theil–Sen slope, Kendall's
  test) and, when the accounts' start dates are known, the first-90-days adoption;
* from the user events (`UsageEvent`), when given: DAU, WAU, MAU, stickiness and seat
  utilisation (``mau / seats``), and feature adoption, breadth, depth and sticky share;
  without events, feature breadth and depth come from the records' ``feature_events``
  and seat utilisation from the records' ``active_users`` (see `account_metrics`).

An account with no data in one source gets missing values there (NaN, ``None``), never
zeros; listed accounts are never dropped. A measure built on a column the data does not
have (``logins``, ``feature_events``, the events' ``feature``) is not measured: a column
of NaN, with the reason in `MeasureTable.not_measured`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import cast

import numpy as np

from cshealth._absent import absent_reason
from cshealth._checks import MAX_WINDOW_DAYS, whole_number
from cshealth._measures import MeasureTable
from cshealth._measures_join import join_measures
from cshealth._time import as_instant
from cshealth._types import AsOf, FloatArray
from cshealth.adoption._active import active_users
from cshealth.adoption._drop_thresholds import DEFAULT_THRESHOLDS, DropThresholds
from cshealth.adoption._feature_catalog import FeatureCatalog
from cshealth.adoption._features import feature_adoption
from cshealth.adoption._onboarding import first_days
from cshealth.adoption._seats import _listed, _seats, _spread
from cshealth.adoption._trend import _check_measure, usage_trend
from cshealth.adoption._trend_result import TREND_MEASURES
from cshealth.adoption._usage import as_of_day, has_column, read_usage
from cshealth.models import Account

__all__ = ["account_metrics"]

#: Counts of users: 0 (not missing) for an account with usage but no event in the window.
_EVENT_COUNTS = ("dau", "wau", "mau", "mean_dau")
#: The measures of `FeatureAdoption.to_measures` present in every form of the data.
_FEATURE_MEASURES = ("feature_breadth", "sticky_share", "events_per_active_user")
#: The measures of `ActiveUsers` kept (seats and utilisation are computed for every row).
_EVENT_MEASURES = ("dau", "wau", "mau", "mean_dau", "dau_mau", "wau_mau")


def account_metrics(
    usage: object,
    *,
    as_of: AsOf,
    events: object = None,
    accounts: object = None,
    seats: Mapping[object, int | None] | None = None,
    window_days: int = 28,
    catalog: FeatureCatalog | None = None,
    trend_measure: str = "logins",
    thresholds: DropThresholds = DEFAULT_THRESHOLDS,
    first_days_window_days: int = 90,
) -> MeasureTable:
    """Every adoption measure per account as of one instant, in one `MeasureTable`.

    Args:
        usage: `UsageRecord` rows (``account_id``, ``day``, ``active_users``,
            ``logins``, ``feature_events``): records, a `Table`, columns or a data frame.
        as_of: The instant the measures are taken at (a `date` is the start of that UTC
            day); only days that ended before it count.
        events: `UsageEvent` rows, when user-level events are available: they give
            DAU, WAU, MAU, stickiness, seat utilisation and per-user feature adoption.
            The log is taken as complete: an account with usage records but no event
            in the window has 0 active users (and undefined stickiness).
        accounts: `Account` records, a `Table`, columns or a data frame (``id``, and
            ``seats``, ``plan`` and ``start_date`` when known): the rows of the result,
            in id order. By default, every account found in the data.
        seats: Licensed seats ``{account_id: seats}``, used instead of the accounts'.
        window_days: The window of the activity measures (28: MAU), 1 to 36,525 days.
        catalog: The features, their tags (``sticky``) and plan entitlements.
        trend_measure: What the usage trend follows (see `usage_trend`).
        thresholds: The drop bands of the usage trend.
        first_days_window_days: The adoption window after each account's start, in days
            (`first_days`'s ``window_days``; 90: the ``first_90d_`` measures).

    Returns:
        A `MeasureTable` (``source="joined"``) with the columns ``logins``,
        ``logins_per_seat``, ``seat_utilisation`` and the columns of
        `UsageTrend.to_measures`, `FeatureAdoption.to_measures`, (with events)
        `ActiveUsers.to_measures` and (with start dates)
        `FirstDays.to_measures`. Measures built on a column the data does not have
        are columns of NaN listed in `MeasureTable.not_measured`: ``logins`` and
        ``logins_per_seat`` (and the first-days logins) without ``logins``, the usage
        trend without the column of ``trend_measure``, and the feature measures without
        ``feature_events`` (or, with events, their ``feature`` column).

    Raises:
        InvalidInputError: On bad rows in any input, duplicate (account, day) usage
            records, bad seats, or options the kernels refuse.

    Notes:
        ``seat_utilisation`` is ``mau / seats`` with events. Without them it is the
        peak ``active_users`` of the window's records over seats: a lower bound of the
        distinct users (the records count users per day or week, not per window), so
        compare it only with figures computed the same way.

    Examples:
        >>> from datetime import date
        >>> usage = {
        ...     "account_id": ["A", "A", "B"],
        ...     "day": ["2025-12-08", "2025-12-15", "2025-12-15"],
        ...     "active_users": [4, 5, 2],
        ...     "logins": [30, 40, 6],
        ... }
        >>> table = account_metrics(usage, as_of=date(2026, 1, 1), seats={"A": 10, "B": 4})
        >>> table["logins"].tolist(), table["logins_per_seat"].tolist()
        ([70.0, 6.0], [7.0, 1.5])
        >>> table["seat_utilisation"].tolist()
        [0.5, 0.5]

        These records have no ``feature_events`` column: feature use was not recorded,
        so the feature measures are not measured (not a breadth of 0):

        >>> table.not_measured["feature_breadth"], table["feature_breadth"].tolist()
        ('no `feature_events` column', [nan, nan])
    """
    days = whole_number(window_days, "window_days", low=1, high=MAX_WINDOW_DAYS)
    trend_column = _check_measure(trend_measure, "trend_measure")[0]
    usage, events = _once(usage), _once(events)
    listed = None if accounts is None else _listed(accounts)
    counts = _usage_measures(usage, as_of_day(as_instant(as_of)), days)
    tables = [counts]
    if has_column(usage, trend_column):
        trend = usage_trend(usage, as_of=as_of, measure=trend_measure, thresholds=thresholds)
        tables.append(trend.to_measures())
    else:  # the trend follows a column the records do not have: not a trend of zeros
        tables.append(_absent(counts, TREND_MEASURES, trend_column))
    features_from = usage if events is None else events
    feature_column = "feature_events" if events is None else "feature"
    if has_column(features_from, feature_column):
        features = feature_adoption(
            features_from, as_of=as_of, window_days=days, catalog=catalog, accounts=accounts
        )
        tables.append(features.to_measures())
    else:
        tables.append(_absent(counts, _FEATURE_MEASURES, feature_column))
    if events is not None:
        active = active_users(events, as_of=as_of, window_days=max(days, 7), accounts=accounts)
        tables.append(
            active.to_measures().select(["dau", "wau", "mau", "mean_dau", "dau_mau", "wau_mau"])
        )
    if accounts is not None and _has_start_dates(accounts):
        tables.append(
            first_days(
                usage, accounts, as_of=as_of, window_days=first_days_window_days
            ).to_measures()
        )
    joined = join_measures(*tables, accounts=None if listed is None else listed[0])
    if seats is not None:
        seat_ids, seat_values = _seats(seats)
    elif listed is not None:
        seat_ids, seat_values = listed
    else:
        seat_ids, seat_values = np.empty(0, dtype=object), np.empty(0)
    per_seat = _spread(seat_ids, seat_values, joined.account_ids)
    logins = cast("FloatArray", joined["logins"])
    measures = {name: joined[name] for name in joined.measures}
    if events is not None:  # the event log is complete: no event in the window is 0 users
        seen = ~np.isnan(logins)
        for name in _EVENT_COUNTS:
            counts = cast("FloatArray", measures[name]).copy()
            counts[seen & np.isnan(counts)] = 0.0
            measures[name] = counts
    users = cast("FloatArray", measures["mau" if events is not None else "peak_active_users"])
    measures["seats"] = per_seat
    with np.errstate(divide="ignore", invalid="ignore"):
        usable = per_seat > 0
        measures["logins_per_seat"] = np.where(usable, logins / per_seat, np.nan)
        measures["seat_utilisation"] = np.where(usable, users / per_seat, np.nan)
    absent = joined.not_measured
    if "logins" in absent:
        absent["logins_per_seat"] = absent["logins"]
    return MeasureTable(
        joined.account_ids,
        measures,
        as_of=as_instant(as_of),
        source="adoption",
        not_measured=absent,
    )


def _usage_measures(usage: object, end: int, days: int) -> MeasureTable:
    """Logins and the peak of ``active_users`` over the records of the window's days.

    Without a ``logins`` column, ``logins`` is not measured (NaN, with the reason).
    """
    data = read_usage(usage, ["logins", "active_users"], end).since(end - days)
    k = len(data.ids)
    logins = np.bincount(data.rows, weights=data.table.floats("logins"), minlength=k)
    peak = np.zeros(k)
    np.maximum.at(peak, data.rows, data.table.floats("active_users"))
    return MeasureTable(
        data.ids,
        {"logins": logins, "peak_active_users": peak},
        source="usage",
        not_measured={"logins": absent_reason(["logins"])} if "logins" in data.absent else None,
    )


def _absent(counts: MeasureTable, names: tuple[str, ...], column: str) -> MeasureTable:
    """The measures ``names`` for the accounts of ``counts``, not measured: no ``column``."""
    reason = absent_reason([column])
    unknown = np.full(counts.n_accounts, np.nan)
    return MeasureTable(
        counts.account_ids,
        dict.fromkeys(names, unknown),
        source="adoption",
        not_measured=dict.fromkeys(names, reason),
    )


def _once(data: object) -> object:
    """``data`` as a list when it is a one-shot iterator: every kernel reads it."""
    return list(data) if isinstance(data, Iterator) else data


def _has_start_dates(accounts: object) -> bool:
    """Whether ``accounts`` carries start dates (records, or columns with ``start_date``)."""
    if isinstance(accounts, Mapping) or hasattr(accounts, "columns"):
        columns = cast("Mapping[str, object]", accounts)
        return "start_date" in columns
    if isinstance(accounts, (list, tuple)):
        return bool(accounts) and all(isinstance(item, Account) for item in accounts)
    return False
