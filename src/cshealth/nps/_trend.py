"""NPS over time: calendar weeks, months, quarters or years, or rolling windows.

Each point of a trend is a full `NPSResult` (count, interval) of the responses in its
period, after the repeat-respondent rule; a change is flagged only when the two-sample
test against the previous *disjoint* period says so. Relationship and transactional
surveys are never pooled.

The kernel is columnar. Responses are put in time order once; a period or window is then
a slice found by binary search, and "each respondent's latest response" is the largest
position per respondent code in that slice (``numpy.maximum.at``). Daily rolling windows
would touch every response once per window, so for them each response instead gets the
range of windows it counts in (from its own time and its respondent's next response) and
the counts come from cumulative sums: one pass, whatever the number of windows. The
kernel is `cshealth.nps._trend_counts`; the result `cshealth.nps._trend_result.NPSTrend`.
A trend of calendar periods is the finalised partial of all the responses
(`cshealth.nps._trend_partial`), the very path partials of partitions take.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import MAX_WINDOW_DAYS, one_of, probability, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._stats import check_confidence_level
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, Period
from cshealth._zones import time_zone
from cshealth.models import SurveyType
from cshealth.nps._responses import check_survey_type, survey_columns
from cshealth.nps._trend_counts import (
    _DAY,
    Dedupe,
    _Frame,
    _rolling_counts,
    _rolling_ends,
    _unanswered_times,
)
from cshealth.nps._trend_partial import _assemble, _points, build_trend
from cshealth.nps._trend_result import NPSTrend

__all__ = ["Period", "trend"]


def trend(
    responses: object,
    *,
    as_of: AsOf,
    period: Period = "month",
    rolling_days: int | None = None,
    dedupe: Dedupe | None = None,
    survey_type: SurveyType | None = None,
    start: AsOf | None = None,
    step_days: int = 1,
    weights: ArrayLike | None = None,
    alpha: float = 0.05,
    confidence_level: float = 0.95,
    min_n: int = 30,
    timezone: str = "UTC",
) -> NPSTrend:
    """NPS per calendar period or rolling window, with changes tested between periods.

    Args:
        responses: NPS ``SurveyResponse`` records, a `Table`, columns or a data frame with
            ``score`` and ``submitted_at`` (``contact_id`` to deduplicate, ``weight``,
            ``kind`` and ``survey_type`` used when present; other kinds are set aside).
        as_of: A date (its start in ``timezone``) or an instant (aware datetime,
            ``datetime64`` read as UTC, ISO text with an offset); only earlier responses
            count.
        period: ``{'week', 'month', 'quarter', 'year'}``: calendar periods in
            ``timezone`` (ISO weeks, Monday first); the last one ends at ``as_of`` and is
            marked incomplete unless ``as_of`` is its end. Not used with
            ``rolling_days``.
        rolling_days: Rolling windows instead of calendar periods: windows
            ``[end - rolling_days, end)`` with ends at ``as_of``, ``as_of - step_days``,
            ... back to the first response (a whole number of days, 1 to 36,525).
        dedupe: ``{'latest', 'none'}``. ``'latest'`` keeps each respondent's (contact's)
            last response in each period; responses without a contact count each. The
            default is ``'latest'`` for relationship surveys (a respondent counts once
            per period) and ``'none'`` for transactional ones (each transaction is a unit).
        survey_type: ``{'relationship', 'transactional'}``; required when the data holds
            both (they are never pooled).
        start: A date or an instant: the first period is the one containing it
            (rolling: the first window starting at or after it). Default: the first
            response's.
        step_days: Days between the ends of consecutive rolling windows (>= 1); only
            with ``rolling_days``.
        weights: Optional weights, one per response, overriding the ``weight`` column.
        alpha: A change is flagged when its p-value is below this.
        confidence_level: Coverage of the intervals the trend reports.
        min_n: Periods with fewer responses are flagged in `NPSTrend.small`.
        timezone: The IANA zone whose calendar weeks, months, quarters and years (and
            whose midnight, for a date ``as_of`` or ``start``) are used; UTC by default.
            Rolling windows are whole days of 24 hours back from ``as_of``.

    Returns:
        The `NPSTrend`, oldest period first. An empty score in the column form (``NaN``,
        ``None``, ``pd.NA``) is an unanswered survey: left out of every score and count,
        and counted apart per period (`NPSTrend.unanswered`, each point's
        ``result.unanswered``) by its ``submitted_at``.

    Raises:
        InvalidInputError: On bad responses or options, a naive ``as_of``, a mix of
            survey types without ``survey_type``, or a ``period`` other than the default
            together with ``rolling_days`` (a trend is of one or the other).

    Notes:
        Each period's score and interval are those of `score` on its (deduplicated)
        responses. The change flag uses `compare` (adjusted-Wald z-test) between a period
        and the previous one that does not overlap it: the previous week, month, quarter
        or year, or the rolling window ending ``rolling_days`` earlier. Overlapping
        rolling windows share responses, so they are never tested against each other.
        The same respondents may answer in both periods; their answers are positively
        correlated, which makes the independent-samples test conservative (for the panel
        of the same people use `migration`).

    Examples:
        Two months of a relationship survey; in February the scores drop:

        >>> from datetime import date, datetime, timezone
        >>> import numpy as np
        >>> days = np.r_[np.full(200, 10), np.full(200, 40)]  # January, then February
        >>> data = {
        ...     "contact_id": np.r_[np.arange(200), np.arange(200)],
        ...     "score": np.r_[np.tile([10, 9, 8, 3], 50), np.tile([10, 7, 3, 2], 50)],
        ...     "submitted_at": np.datetime64("2025-01-01", "us")
        ...     + (days * 86_400_000_000).astype("timedelta64[us]"),
        ... }
        >>> monthly = trend(data, as_of=date(2025, 3, 1))
        >>> print(monthly.format())
        period                     NPS       n  interval        change
        2025-01-01..2025-02-01    25.0     200  [ 13.2,  36.0]
        2025-02-01..2025-03-01   -25.0     200  [-36.0, -13.2]  -49.3 *

        The same responses in rolling 28-day windows, one every 14 days:

        >>> rolling = trend(data, as_of=date(2025, 3, 1), rolling_days=28, step_days=14)
        >>> len(rolling), rolling.period, rolling.rolling_days
        (4, None, 28)
    """
    whole_number(min_n, "min_n", low=0)
    level = check_confidence_level(confidence_level)
    probability(alpha, "alpha")
    window = _check_period(period, rolling_days)
    if type(step_days) is not int or step_days < 1:
        msg = f"`step_days` must be a whole number of days >= 1, got {step_days!r}"
        raise InvalidInputError(msg)
    one_of(dedupe, Dedupe | None, "dedupe")
    zone = time_zone(timezone).key
    instant = as_instant(as_of, timezone=zone)
    cutoff = int(instant.astype(np.int64))
    if window is None:  # calendar periods: the partial of all the responses, finalised
        return build_trend(
            responses,
            as_of=as_of,
            period=period,
            dedupe=dedupe,
            survey_type=survey_type,
            start=start,
            weights=weights,
            alpha=alpha,
            confidence_level=level,
            min_n=min_n,
            timezone=zone,
        ).finalize()
    columns = survey_columns(
        responses,
        kind="nps",
        need=("score", "submitted_at"),
        optional=("contact_id", "weight"),
        survey_type=check_survey_type(survey_type),
        weights=weights,
    )
    rule: Dedupe = dedupe or ("none" if columns.survey_type == "transactional" else "latest")
    frame = _Frame.build(columns, cutoff, rule)
    aside = _unanswered_times(columns, cutoff)
    first = _first_instant(frame, start, zone)
    ends = _rolling_ends(first, cutoff, window, step_days, start is not None)
    counts = _rolling_counts(frame, ends, window * _DAY)
    points = _points(ends - window * _DAY, ends, counts, lag=-(-window // step_days))
    unanswered = np.searchsorted(aside, ends, side="left") - np.searchsorted(
        aside, ends - window * _DAY, side="left"
    )
    return NPSTrend(
        points=_assemble(points, [True] * len(points), alpha, zone, unanswered),
        period=None,
        rolling_days=window,
        dedupe=rule,
        survey_type=columns.survey_type,
        as_of=to_datetime(instant),
        alpha=alpha,
        confidence_level=level,
        min_n=min_n,
        timezone=zone,
    )


def _check_period(period: object, rolling_days: object) -> int | None:
    """The rolling window in days, or ``None`` for calendar periods (``period`` checked)."""
    one_of(period, Period, "period")
    if rolling_days is None:
        return None
    if period != "month":  # the default: a period given beside windows asks for both
        msg = (
            f"`period={period!r}` and `rolling_days={rolling_days!r}` ask for two trends: "
            "calendar periods or rolling windows; give one of them"
        )
        raise InvalidInputError(msg)
    return whole_number(rolling_days, "rolling_days", low=1, high=MAX_WINDOW_DAYS)


def _first_instant(frame: _Frame, start: object, zone: str) -> int:
    if start is not None:
        return int(as_instant(start, "start", timezone=zone).astype(np.int64))
    return int(frame.times[0]) if len(frame.times) else -1
