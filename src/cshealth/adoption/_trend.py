"""Usage trends: each account's usage against its own trailing baseline, and its slope.

Two views of one account's usage records (spec §6, "usage trend vs trailing baseline"):

* the **change** of the last window against the mean of the windows before it,
  ``current / baseline - 1`` (Custify's "logins in the last 7 days vs the 7 days before"
  [S39], with the baseline generalised to the mean of ``K`` windows, K = 4), banded red,
  yellow or green by `DropThresholds`;
* the **slope** of the weekly totals over the last ``history_weeks`` weeks (Theil–Sen,
  which one odd week cannot drag) with its confidence interval, and Kendall's tau test of
  a monotonic trend. Usage is called falling (or rising) only when that test says so.

Observation rule (**DECISION**): an account is observed from its first usage record
before ``as_of`` on. Inside that span a day without a record had no usage (0): usage
feeds write a record for a day (or week) with activity, or with zeros. A window that
ends on or before the account's first record is *not observed*: it is left out of the
baseline and of the slope, never counted as 0. A window that holds the first record is
observed; with daily records that start in the middle of it, it holds only part of a
window's usage.

Days are UTC calendar days. Only days that ended by ``as_of`` count: with ``as_of`` a
date, the days before it; with an instant inside a day, the days before that day.

Everything runs on whole columns: accounts are numbered once (`id_codes`, hashing only
the first row of each run of one account, since exports come grouped by account), window
and weekly totals come from one `numpy.bincount` each, and Theil–Sen and Kendall's tau are
computed for all accounts at once from the ``(accounts, pairs)`` array of pairwise
differences of weekly totals (NaN where a week is not observed), in blocks of accounts.

The result is in `cshealth.adoption._trend_result`, the bands' thresholds in
`cshealth.adoption._drop_thresholds`.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import MAX_WINDOW_DAYS, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._slopes import theil_kendall
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, BoolArray, FloatArray
from cshealth.adoption._drop_thresholds import DEFAULT_THRESHOLDS, DropThresholds, _check_thresholds
from cshealth.adoption._trend_result import UsageTrend
from cshealth.adoption._usage import UsageRows, as_of_day, read_usage

__all__ = ["MEASURES", "usage_trend"]

#: Upper bound of `usage_trend`'s ``history_weeks`` and ``baseline_windows``: ten years.
MAX_WEEKS = 520

#: The plain measures of `usage_trend`; ``"feature:<name>"`` picks one feature's events.
MEASURES: tuple[str, ...] = ("logins", "active_users", "events")

_WEEK = 7


def usage_trend(
    usage: object,
    *,
    as_of: AsOf,
    measure: str = "logins",
    window_days: int = 7,
    baseline_windows: int = 4,
    history_weeks: int = 30,
    alpha: float = 0.05,
    min_weeks: int = 8,
    thresholds: DropThresholds = DEFAULT_THRESHOLDS,
) -> UsageTrend:
    """Each account's usage in the last window against its trailing baseline, and its slope.

    Args:
        usage: `UsageRecord` records, a `Table`, a mapping of columns or a data frame with
            ``account_id``, ``day`` and the measure's column (``logins``,
            ``active_users`` or ``feature_events``). One record per account and day.
        as_of: A date (its start, UTC) or an aware datetime; only days that ended by then
            count.
        measure: What to add up: ``{'logins', 'active_users', 'events'}`` (``events``:
            all feature events) or ``'feature:<name>'`` (one feature's events).
        window_days: Length of the current window and of each baseline window (days,
            1 to 36,525).
        baseline_windows: How many windows before the current one form the baseline (1 to
            520).
        history_weeks: Length of the slope window: a count of whole 7-day weeks before
            ``as_of`` (2 to 520: ten years).
        alpha: Significance level of the trend test, ``0 < alpha < 0.5``; the slope's
            interval covers ``1 - alpha``.
        min_weeks: Observed weeks needed before usage is called falling or rising
            (``2 <= min_weeks <= history_weeks``).
        thresholds: Where a change turns yellow and red (`DropThresholds`).

    Returns:
        The `UsageTrend`, one row per account with a record before ``as_of``.

    Raises:
        InvalidInputError: On bad records, two records of one account on one day, an
            unknown measure, a measure whose column the records do not have (``logins``
            for ``'logins'``, ``feature_events`` for the feature measures), bad options
            or a naive ``as_of``.

    Notes:
        With ``d`` the day ``as_of`` falls in and ``L = window_days``, window ``j`` is
        ``[d - (j + 1) L, d - j L)``; ``j = 0`` is the current one, ``j = 1..K`` the
        baseline. ``baseline`` is the mean of the observed ones (see the module notes for
        what is observed) and ``change = current / baseline - 1`` (spec §6:
        ``trend% = 100 change``; a baseline of 0 gives NaN).

        With ``W = history_weeks``, week ``w = 0..W-1`` is
        ``[d - 7 (W - w), d - 7 (W - w - 1))``. Over the observed weeks, the slope is the
        Theil–Sen estimator (the median of the pairwise slopes) with Sen's (1968)
        interval, as `scipy.stats.theilslopes`; tau and its p-value are those of
        `scipy.stats.kendalltau` (exact null distribution without ties up to 33 weeks,
        else the normal approximation with the tie correction). Weekly totals are counts,
        so a flat stretch of equal weeks makes ties.

        The records' days place them: a weekly record (``day`` a Monday) counts entirely
        in the window its Monday falls in. An account whose records stop (it churned, or
        its feed broke) stays observed with usage 0, so it shows as a drop; pass only
        the records of current customers to leave former ones out.

    Examples:
        Weekly logins of two accounts; B's logins collapse in the last week:

        >>> from datetime import date
        >>> usage = {
        ...     "account_id": ["A"] * 5 + ["B"] * 5,
        ...     "day": ["2025-05-05", "2025-05-12", "2025-05-19", "2025-05-26", "2025-06-02"] * 2,
        ...     "active_users": [5] * 10,
        ...     "logins": [40, 42, 38, 40, 44, 30, 34, 26, 30, 6],
        ... }
        >>> trend = usage_trend(usage, as_of=date(2025, 6, 9))
        >>> trend.current.tolist(), trend.baseline.tolist()
        ([44.0, 6.0], [40.0, 30.0])
        >>> trend.change.round(2).tolist(), trend.band.tolist()
        ([0.1, -0.8], ['green', 'red'])
        >>> trend.falling.tolist()  # five weeks are too few to call a trend
        [False, False]
    """
    rules = _check_thresholds(thresholds)
    column, feature = _check_measure(measure)
    window = whole_number(window_days, "window_days", low=1, high=MAX_WINDOW_DAYS)
    k_windows = whole_number(baseline_windows, "baseline_windows", low=1, high=MAX_WEEKS)
    n_weeks = whole_number(history_weeks, "history_weeks", low=2, high=MAX_WEEKS)
    floor = whole_number(min_weeks, "min_weeks", low=2, high=MAX_WEEKS)
    if floor > n_weeks:
        msg = f"`min_weeks` ({floor}) must be at most `history_weeks` ({n_weeks})"
        raise InvalidInputError(msg)
    level = _check_alpha(alpha)
    instant = as_instant(as_of, "as_of")
    end = as_of_day(instant)
    data = read_usage(usage, [column], end)
    if column in data.absent:
        msg = (
            f"`measure={measure!r}` adds up the usage records' `{column}` column, which "
            "they do not have: a trend of absent data is not a trend of zeros; choose a "
            "measure the data has (e.g. measure='active_users')"
        )
        raise InvalidInputError(msg)
    horizon = end - max(window * (k_windows + 1), _WEEK * n_weeks)
    data = data.since(horizon)
    values = _measure_values(data.table[column], feature)
    windows, window_seen = _window_totals(data, values, end, length=window, count=k_windows + 1)
    current = windows[:, 0]
    observed = window_seen[:, 1:]
    baseline_observed = observed.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = np.where(observed, windows[:, 1:], 0.0).sum(axis=1) / baseline_observed
        change = np.where(baseline > 0, current / baseline - 1.0, np.nan)
    totals, weeks_seen = _window_totals(data, values, end, length=_WEEK, count=n_weeks)
    weekly = np.where(weeks_seen, totals, np.nan)[:, ::-1]  # oldest week first
    fit = theil_kendall(weekly, 1.0 - level)
    weeks_observed = weeks_seen.sum(axis=1)
    called = (fit.pvalue < level) & (weeks_observed >= floor)
    return UsageTrend(
        account_ids=data.ids,
        observed_from=data.first.astype("datetime64[D]"),
        current=current,
        baseline=baseline,
        baseline_observed=baseline_observed.astype(np.int64),
        change=change,
        band=rules.band(change),
        weeks_observed=weeks_observed.astype(np.int64),
        slope=fit.slope,
        _slope_low=fit.low,
        _slope_high=fit.high,
        _weekly=weekly,
        tau=fit.tau,
        pvalue=fit.pvalue,
        falling=called & (fit.slope < 0),
        rising=called & (fit.slope > 0),
        as_of=to_datetime(instant),
        measure=measure,
        window_days=window,
        baseline_windows=k_windows,
        history_weeks=n_weeks,
        alpha=level,
        min_weeks=floor,
        thresholds=rules,
    )


def _check_alpha(alpha: object) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 0.5:
        msg = f"`alpha` must be a number strictly between 0 and 0.5, got {alpha!r}"
        raise InvalidInputError(msg)
    return float(alpha)


def _check_measure(measure: object, name: str = "measure") -> tuple[str, str | None]:
    """The column a measure reads, and the feature it picks (``None``: all of them).

    ``name`` is the caller's parameter, for the message.
    """
    if isinstance(measure, str) and measure in {"logins", "active_users"}:
        return measure, None
    if measure == "events":
        return "feature_events", None
    if isinstance(measure, str) and measure.startswith("feature:") and measure[8:]:
        return "feature_events", measure[8:]
    msg = (
        f"`{name}` must be one of {{'logins', 'active_users', 'events'}} or "
        f"'feature:<name>' (e.g. 'feature:reports'), got {measure!r}"
    )
    raise InvalidInputError(msg)


def _measure_values(column: NDArray[np.generic], feature: str | None) -> FloatArray:
    """The measure per record; feature events need one pass over the records' mappings."""
    if column.dtype != object:
        return column.astype(np.float64)
    mappings = cast("list[dict[str, int]]", column.tolist())
    if feature is None:
        return np.fromiter((sum(m.values()) for m in mappings), np.float64, len(mappings))
    return np.fromiter((m.get(feature, 0) for m in mappings), np.float64, len(mappings))


def _window_totals(
    data: UsageRows, values: FloatArray, end: int, *, length: int, count: int
) -> tuple[FloatArray, BoolArray]:
    """Per account, window sums and which windows are observed.

    Window ``j = 0..count-1`` is ``[end - (j+1) length, end - j length)`` (``j = 0``, the
    latest, first).
    """
    back = (end - 1 - data.days) // length
    inside = back < count
    key = data.rows[inside] * count + back[inside]
    k = len(data.ids)
    sums = np.bincount(key, weights=values[inside], minlength=k * count)
    ends = end - length * np.arange(count)
    totals = sums.reshape(k, count).astype(np.float64, copy=False)
    return totals, ends[None, :] > data.first[:, None]
