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
the counts come from cumulative sums: one pass, whatever the number of windows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as _tz
from typing import Literal, overload
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import MAX_WINDOW_DAYS, one_of, probability, whole_number
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, RowsResult
from cshealth._stats import ConfidenceInterval, check_confidence_level
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, BoolArray, FloatArray, IntArray, Period
from cshealth._zones import day_start, local_days, time_zone
from cshealth.models import SurveyType
from cshealth.nps._compare import NPSComparison, compare
from cshealth.nps._responses import SurveyColumns, check_survey_type, survey_columns
from cshealth.nps._score import NPSInterval, NPSResult, interval_dict, json_dict
from cshealth.nps._tally import SCORE_COLUMN, NPSTally, _check_scores, tally_of

__all__ = ["Dedupe", "NPSTrend", "Period", "TrendPoint", "trend"]

#: Repeat respondents: ``latest`` keeps each respondent's last response in a period,
#: ``none`` counts every response.
Dedupe = Literal["latest", "none"]

_DAY = 86_400_000_000  # microseconds
_PASSIVE, _PROMOTER = 7, 9
_NO_NEXT = np.iinfo(np.int64).max
#: Per period: category counts (k x 3), weight sums (k x 3) and weight squares (k), the
#: last two ``None`` when unweighted.
_Counts = tuple[IntArray, FloatArray | None, FloatArray | None]


@dataclass(frozen=True, eq=False, repr=False)
class TrendPoint(Result):
    """One period of an `NPSTrend`.

    Attributes:
        start: First instant of the period, in the trend's ``timezone``.
        end: The instant after it (``[start, end)``); ``as_of`` for a period still running.
        result: The NPS of the period's responses.
        change: The test against the previous disjoint period (``b - a`` is this period
            minus that one); ``None`` for the first periods and when either is empty.
        significant: Whether ``change.pvalue`` is below the trend's ``alpha``.
        complete: Whether the period had ended by ``as_of``.
    """

    start: datetime
    end: datetime
    result: NPSResult
    change: NPSComparison | None
    significant: bool
    complete: bool

    def __repr__(self) -> str:
        flag = " *" if self.significant else ""
        return f"TrendPoint({self.start.date()}..{self.end.date()}: {self.result!r}{flag})"


@dataclass(frozen=True, eq=False, repr=False)
class NPSTrend(RowsResult):
    """An NPS series with an interval per point and flagged significant changes.

    Iterating gives the `TrendPoint` objects; the array properties give the same numbers
    as columns (``NaN`` where a period has no response), `confidence_interval` the
    intervals as two arrays, ``to_pandas()`` the columns as a data frame and ``format()``
    (or ``str()``) a text table.

    Attributes:
        points: The periods, oldest first.
        period: The calendar period (``'week'``, ``'month'``, ``'quarter'`` or
            ``'year'``); ``None`` for rolling windows.
        rolling_days: The length of the rolling windows in days; ``None`` for calendar
            periods.
        dedupe: The repeat-respondent rule applied: ``'latest'`` or ``'none'``.
        survey_type: The survey type of every response counted (``None`` if the data
            does not say).
        as_of: The instant the trend was taken at (UTC).
        alpha: Significance level of the change flags.
        confidence_level: Coverage of the intervals `confidence_interval` and
            ``format()`` give.
        min_n: Points with fewer responses are flagged in `small`.
        timezone: The IANA zone whose calendar the periods follow.
    """

    points: tuple[TrendPoint, ...]
    period: Period | None
    rolling_days: int | None
    dedupe: str
    survey_type: str | None
    as_of: datetime
    alpha: float
    confidence_level: float
    min_n: int
    timezone: str = "UTC"

    #: The columns of ``to_pandas()``: one row per period.
    row_fields = ("starts", "ends", "scores", "n", "unanswered", "pvalues", "significant", "small")

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[TrendPoint]:
        return iter(self.points)

    @overload
    def __getitem__(self, index: int) -> TrendPoint: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[TrendPoint, ...]: ...
    def __getitem__(self, index: int | slice) -> TrendPoint | tuple[TrendPoint, ...]:
        return self.points[index]

    @property
    def starts(self) -> NDArray[np.datetime64]:
        """Period starts, ``datetime64[us]`` (UTC)."""
        return np.array([_naive_utc(p.start) for p in self.points], "datetime64[us]")

    @property
    def ends(self) -> NDArray[np.datetime64]:
        """Period ends (exclusive), ``datetime64[us]`` (UTC)."""
        return np.array([_naive_utc(p.end) for p in self.points], "datetime64[us]")

    @property
    def scores(self) -> FloatArray:
        """NPS per period in points; ``NaN`` where a period has no response."""
        return np.array([_nan(p.result.score) for p in self.points], dtype=np.float64)

    @property
    def n(self) -> IntArray:
        """Responses counted per period (after deduplication)."""
        return np.array([p.result.n for p in self.points], dtype=np.int64)

    @property
    def unanswered(self) -> IntArray:
        """Unanswered surveys per period (an empty score in the column form), counted apart.

        Every unanswered survey submitted in the period counts (no deduplication: a
        survey left blank is no opinion to keep or replace).
        """
        return np.array([p.result.unanswered for p in self.points], dtype=np.int64)

    def confidence_interval(
        self, confidence_level: float | None = None, method: NPSInterval = "adjusted_wald"
    ) -> ConfidenceInterval[FloatArray]:
        """The interval of each period's NPS, in points, as two arrays (``NaN`` where empty).

        Args:
            confidence_level: Coverage, strictly between 0 and 1; by default the trend's
                own `confidence_level`.
            method: ``{'adjusted_wald', 'wald', 'trinomial_t', 'bootstrap',
                'bayes_dirichlet'}``, as in `NPSResult.confidence_interval`.

        Returns:
            ``ConfidenceInterval(low, high)``, one bound per period in each array; each
            period's bounds are those of its ``result.confidence_interval``.

        Raises:
            InvalidInputError: On a level outside (0, 1) or an unknown method.

        Examples:
            >>> import numpy as np
            >>> from datetime import date
            >>> data = {
            ...     "score": [10, 9, 3, 10, 7],
            ...     "submitted_at": np.array(
            ...         ["2025-01-05", "2025-01-20", "2025-01-21", "2025-02-03", "2025-02-04"],
            ...         "datetime64[us]",
            ...     ),
            ... }
            >>> low, high = trend(data, as_of=date(2025, 3, 1)).confidence_interval()
            >>> low.round(1), high.round(1)
            (array([-51.3, -39.4]), array([84.7, 79.4]))
        """
        level = self.confidence_level if confidence_level is None else confidence_level
        return ConfidenceInterval(*self._bounds(check_confidence_level(level), method))

    @property
    def pvalues(self) -> FloatArray:
        """p-value of the change from the previous disjoint period; ``NaN`` where none."""
        return np.array([_nan(p.change.pvalue if p.change else None) for p in self.points])

    @property
    def significant(self) -> BoolArray:
        """Where the change from the previous disjoint period is significant."""
        return np.array([p.significant for p in self.points], dtype=bool)

    @property
    def small(self) -> BoolArray:
        """Where a period has fewer than `min_n` responses."""
        return self.n < self.min_n

    def _bounds(
        self, level: float | None = None, method: NPSInterval = "adjusted_wald"
    ) -> tuple[FloatArray, FloatArray]:
        """Per period the interval's bounds (``NaN`` where the period has no response)."""
        one_of(method, NPSInterval, "method")
        level = self.confidence_level if level is None else level
        bounds = [
            p.result.confidence_interval(level, method) if p.result.n else (math.nan,) * 2
            for p in self.points
        ]
        array = np.array(bounds, dtype=np.float64).reshape(-1, 2)
        return array[:, 0], array[:, 1]

    def to_dict(self) -> dict[str, object]:
        """The trend as strict JSON values, one entry per period in ``points``.

        Each point has ``start``, ``end`` (ISO instants), ``score``, ``n``,
        ``unanswered``, ``confidence_interval`` (``{"low", "high"}`` at the trend's
        level; ``None`` for an empty period), ``change`` (the difference from the
        previous disjoint period), ``pvalue``, ``significant`` and ``complete``.
        """
        low, high = self._bounds()
        rows = [
            {
                "start": p.start,
                "end": p.end,
                "score": p.result.score,
                "n": p.result.n,
                "unanswered": p.result.unanswered,
                "confidence_interval": (
                    None if p.result.n == 0 else interval_dict(ConfidenceInterval(lo, hi))
                ),
                "change": p.change.difference if p.change else None,
                "pvalue": p.change.pvalue if p.change else None,
                "significant": p.significant,
                "complete": p.complete,
            }
            for p, lo, hi in zip(self.points, low.tolist(), high.tolist())
        ]
        return json_dict(
            {
                "period": self.period,
                "rolling_days": self.rolling_days,
                "dedupe": self.dedupe,
                "survey_type": self.survey_type,
                "as_of": self.as_of,
                "alpha": self.alpha,
                "confidence_level": self.confidence_level,
                "min_n": self.min_n,
                "timezone": self.timezone,
                "points": rows,
            }
        )

    def format(self, *, decimals: int = 1) -> str:
        """The trend as a text table; ``*`` marks a significant change.

        Args:
            decimals: Digits after the point of the scores, intervals and changes.

        Raises:
            InvalidInputError: If ``decimals`` is not a whole number from 0 to 6.
        """
        digits = whole_number(decimals, "decimals", low=0, high=6)
        width, bound = 5 + digits, 4 + digits
        span = 2 * bound + 5
        lines = [f"{'period':<23} {'NPS':>{width}} {'n':>7}  {'interval':<{span}} change"]
        low, high = self._bounds()
        for p, lo, hi in zip(self.points, low.tolist(), high.tolist()):
            label = f"{p.start.date()}..{p.end.date()}"
            if p.result.score is None:
                lines.append(f"{label:<23} {'-':>{width}} {0:>7}")
                continue
            change = f"{p.change.difference:+.{digits}f}" if p.change else ""
            mark = " *" if p.significant else ""
            line = (
                f"{label:<23} {p.result.score:>{width}.{digits}f} {p.result.n:>7}  "
                f"[{lo:{bound}.{digits}f}, {hi:{bound}.{digits}f}]"
            )
            lines.append(f"{line}  {change}{mark}".rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        what = (
            f"periods of {self.period}"
            if self.rolling_days is None
            else f"rolling windows of {self.rolling_days} days"
        )
        return (
            f"NPSTrend({len(self)} {what}, dedupe={self.dedupe!r}, "
            f"survey_type={self.survey_type!r}, "
            f"{int(self.significant.sum())} significant changes)"
        )


def _naive_utc(instant: datetime) -> datetime:
    return instant.astimezone(_tz.utc).replace(tzinfo=None)


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


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
    if window is None:
        edges = _calendar_edges(first, instant, period, zone)
        counts = _calendar_counts(frame, edges)
        points = _points(edges[:-1], np.minimum(edges[1:], cutoff), counts, lag=1)
        unanswered = np.diff(np.searchsorted(aside, edges, side="left"))
        complete = (edges[1:] <= cutoff).tolist()
    else:
        ends = _rolling_ends(first, cutoff, window, step_days, start is not None)
        counts = _rolling_counts(frame, ends, window * _DAY)
        points = _points(ends - window * _DAY, ends, counts, lag=-(-window // step_days))
        unanswered = np.searchsorted(aside, ends, side="left") - np.searchsorted(
            aside, ends - window * _DAY, side="left"
        )
        complete = [True] * len(points)
    return NPSTrend(
        points=_assemble(points, complete, alpha, zone, unanswered.tolist()),
        period=period if window is None else None,
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


@dataclass(frozen=True)
class _Frame:
    """Responses before ``as_of`` in time order: instants, categories, codes, weights."""

    times: IntArray  # microseconds since the epoch, non-decreasing
    category: NDArray[np.int8]  # 0 detractor, 1 passive, 2 promoter
    codes: IntArray | None  # respondent codes (-1 when unknown); None: no deduplication
    weights: FloatArray | None

    @classmethod
    def build(cls, data: SurveyColumns, cutoff: int, rule: Dedupe) -> _Frame:
        scores = _check_scores(data.scores(), SCORE_COLUMN)
        times = data.instants().view(np.int64)
        w = data.weights()
        codes = None
        if rule == "latest" and "contact_id" in data.columns:
            codes = id_codes(data["contact_id"], dense=False)[0]
        if len(times) > 1 and not bool(np.all(times[1:] >= times[:-1])):
            order = np.argsort(times, kind="stable")
            times, scores = times[order], scores[order]
            codes = None if codes is None else codes[order]
            w = None if w is None else w[order]
        end = int(np.searchsorted(times, cutoff, side="left"))  # before `as_of` only
        times, scores = times[:end], scores[:end]
        codes = None if codes is None else codes[:end]
        w = None if w is None else w[:end]
        if w is not None and not bool(np.all(w > 0)):  # weight 0: left out
            keep = w > 0
            times, scores, w = times[keep], scores[keep], w[keep]
            codes = None if codes is None else codes[keep]
        if codes is not None and not bool((codes >= 0).any()):
            codes = None
        category = (scores >= _PASSIVE).view(np.int8) + (scores >= _PROMOTER).view(np.int8)
        return cls(times, category, codes, w)

    def latest_counts(self, bounds: IntArray) -> _Counts:
        """Counts per range ``[bounds[i, 0], bounds[i, 1])`` of each respondent's last row.

        Ranges must not move backwards (both bounds non-decreasing). A respondent's last
        row in a range is its largest position there (rows are in time order), found with
        ``numpy.maximum.at`` into a table by respondent code. The table is never reset:
        an entry left from an earlier range is either before this range (and loses to any
        row of it) or inside it (and is a row of this respondent, so the maximum is right).
        """
        codes = self.codes if self.codes is not None else np.full(len(self.times), -1)
        best = np.full(int(codes.max(initial=-1)) + 1, -1, dtype=np.int64)
        size = len(bounds)
        counts = np.zeros((size, 3), dtype=np.int64)
        sums = None if self.weights is None else np.zeros((size, 3), dtype=np.float64)
        squares = None if self.weights is None else np.zeros(size, dtype=np.float64)
        unknown = bool((codes < 0).any())
        for i, (lo, hi) in enumerate(bounds.tolist()):
            rows = self._latest(codes, best, lo, hi, unknown)
            category = self.category[rows]
            counts[i] = np.bincount(category, minlength=3)
            if sums is not None and squares is not None and self.weights is not None:
                w = self.weights[rows]
                sums[i] = np.bincount(category, weights=w, minlength=3)
                squares[i] = float(np.dot(w, w))
        return counts, sums, squares

    @staticmethod
    def _latest(codes: IntArray, best: IntArray, lo: int, hi: int, unknown: bool) -> IntArray:
        positions = np.arange(lo, hi)
        part = codes[lo:hi]
        if unknown:  # rows without a respondent each count
            known = part >= 0
            alone, positions, part = positions[~known], positions[known], part[known]
        np.maximum.at(best, part, positions)
        kept = positions[best[part] == positions]
        return np.concatenate([alone, kept]) if unknown else kept


def _unanswered_times(columns: SurveyColumns, cutoff: int) -> IntArray:
    """The instants of the unanswered surveys before ``cutoff``, sorted."""
    if not columns.n_unanswered:
        return np.empty(0, dtype=np.int64)
    times = columns.unanswered["submitted_at"].astype("datetime64[us]").view(np.int64)
    return np.sort(times[times < cutoff])


def _first_instant(frame: _Frame, start: object, zone: str) -> int:
    if start is not None:
        return int(as_instant(start, "start", timezone=zone).astype(np.int64))
    return int(frame.times[0]) if len(frame.times) else -1


#: Months per calendar period (weeks are counted in days).
_MONTHS = {"month": 1, "quarter": 3, "year": 12}
#: 1970-01-01 was a Thursday: day 4 (1970-01-05) is the first Monday.
_MONDAY = 4


def _calendar_edges(first: int, cutoff: np.datetime64, period: Period, zone: str) -> IntArray:
    """The first instants of the periods on ``zone``'s calendar that cover ``first..cutoff``.

    Weeks are ISO weeks (Monday first); quarters and years start in January.
    """
    end = int(cutoff.astype(np.int64))
    if first < 0 or first >= end:
        return np.array([end], dtype=np.int64)
    days = local_days(np.array([first, end - 1], dtype="datetime64[us]"), zone)
    if period == "week":
        low, high = ((days - _MONDAY) // 7).tolist()
        starts = np.arange(low, high + 2, dtype=np.int64) * 7 + _MONDAY
    else:
        step = _MONTHS[period]
        low, high = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64).tolist()
        low, high = (low // step) * step, (high // step) * step + step
        months = np.arange(low, high + 1, step).astype("datetime64[M]")
        starts = months.astype("datetime64[D]").astype(np.int64)
    if zone == "UTC":
        return starts.astype("datetime64[D]").astype("datetime64[us]").astype(np.int64)
    instants = [day_start(day, zone) for day in starts.tolist()]
    return np.array(instants, dtype="datetime64[us]").astype(np.int64)


def _calendar_counts(frame: _Frame, edges: IntArray) -> _Counts:
    bounds = np.searchsorted(frame.times, edges, side="left")
    if frame.codes is not None:
        return frame.latest_counts(np.column_stack([bounds[:-1], bounds[1:]]))
    first = int(bounds[0])
    labels = np.repeat(np.arange(len(edges) - 1), np.diff(bounds))
    return _bincounts(frame, np.arange(first, first + len(labels)), labels, len(edges) - 1)


def _bincounts(frame: _Frame, rows: IntArray, labels: IntArray, size: int) -> _Counts:
    cells = labels * 3 + frame.category[rows]
    counts = np.bincount(cells, minlength=3 * size).reshape(size, 3).astype(np.int64)
    if frame.weights is None:
        return counts, None, None
    w = frame.weights[rows]
    sums = np.bincount(cells, weights=w, minlength=3 * size).astype(np.float64)
    squares = np.bincount(labels, weights=w * w, minlength=size).astype(np.float64)
    return counts, sums.reshape(size, 3), squares


def _rolling_ends(first: int, end: int, days: int, step: int, given: bool) -> IntArray:
    if first < 0 or first >= end:
        return np.empty(0, dtype=np.int64)
    stride = step * _DAY
    # with `start`: windows starting at or after it; else: windows ending after the first
    # response
    k = (end - days * _DAY - first) // stride if given else -(-(end - first) // stride) - 1
    return end - np.arange(max(k, -1), -1, -1, dtype=np.int64) * stride


def _rolling_counts(frame: _Frame, ends: IntArray, width: int) -> _Counts:
    lo = np.searchsorted(frame.times, ends - width, side="left")
    hi = np.searchsorted(frame.times, ends, side="left")
    if frame.codes is not None and int((hi - lo).sum()) <= 3 * len(frame.times):
        return frame.latest_counts(np.column_stack([lo, hi]))
    return _interval_counts(frame, ends, width)


def _interval_counts(frame: _Frame, ends: IntArray, width: int) -> _Counts:
    """Counts per rolling window from the range of windows each response counts in.

    With windows ``[E_j - width, E_j)`` at evenly spaced ends, a response at ``t`` whose
    respondent answers next at ``t'`` counts in the windows with ``t' >= E_j > t`` and
    ``E_j - width <= t``: a contiguous range of ``j``. Adding +1 at the start of each
    range and -1 after its end, then a cumulative sum, gives every window's counts.
    """
    size = len(ends)
    if size == 0:
        return _bincounts(frame, np.empty(0, np.int64), np.empty(0, np.int64), 0)
    stride = int(ends[1] - ends[0]) if size > 1 else 1
    times, last = frame.times, int(ends[-1])
    after = _next_times(frame)
    age = last - times  # > 0 for every response before the last end
    k_high = -(-age // stride) - 1  # windows counted back from the last one
    k_low = np.maximum(-(-(age - width) // stride), 0)
    k_low = np.maximum(k_low, np.where(after == _NO_NEXT, 0, -(-(last - after) // stride)))
    k_high = np.minimum(k_high, size - 1)
    use = k_low <= k_high
    category = frame.category[use].astype(np.int64)
    first = (size - 1 - k_high[use]) * 3 + category
    stop = (size - k_low[use]) * 3 + category
    counts = _ranges(first, stop, None, size).astype(np.int64)
    if frame.weights is None:
        return counts, None, None
    w = frame.weights[use]
    sums = _ranges(first, stop, w, size)
    squares = _ranges(first // 3, stop // 3, w * w, size, width=1)[:, 0]
    # the running sums leave rounding residue (of either sign) where a window holds no
    # response of a category: such a category weighs exactly 0, and no sum is negative
    sums = np.where(counts > 0, np.maximum(sums, 0.0), 0.0)
    squares = np.where(counts.sum(axis=1) > 0, np.maximum(squares, 0.0), 0.0)
    return counts, sums, squares


def _ranges(
    first: IntArray, stop: IntArray, weights: FloatArray | None, size: int, width: int = 3
) -> FloatArray:
    length = width * (size + 1)
    delta = np.bincount(first, weights=weights, minlength=length).astype(np.float64)
    delta -= np.bincount(stop, weights=weights, minlength=length)
    return np.cumsum(delta.reshape(size + 1, width), axis=0)[:size]


def _next_times(frame: _Frame) -> IntArray:
    """The instant of each response's respondent's next response (``_NO_NEXT`` if none)."""
    after = np.full(len(frame.times), _NO_NEXT, dtype=np.int64)
    if frame.codes is None:
        return after
    codes = frame.codes
    known = np.flatnonzero(codes >= 0)
    order = known[np.argsort(codes[known], kind="stable")]
    same = codes[order[1:]] == codes[order[:-1]]
    after[order[:-1][same]] = frame.times[order[1:][same]]
    return after


_Point = tuple[int, int, NPSTally, int]


def _points(starts: IntArray, ends: IntArray, counts: _Counts, lag: int) -> list[_Point]:
    n, sums, squares = counts
    points: list[_Point] = []
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        row = n[i].tolist()
        if sums is None or squares is None:
            tally = tally_of(row)
        else:
            tally = tally_of(row, sums[i].tolist(), float(squares[i]))
        points.append((a, b, tally, i - lag))
    return points


def _assemble(
    points: list[_Point], complete: list[bool], alpha: float, zone: str, unanswered: list[int]
) -> tuple[TrendPoint, ...]:
    results = [NPSResult(tally, aside) for (_, _, tally, _), aside in zip(points, unanswered)]
    built: list[TrendPoint] = []
    for (a, b, _, previous), result, done in zip(points, results, complete):
        change = None
        if previous >= 0 and result.n and results[previous].n:
            change = compare(results[previous], result)
        significant = change is not None and change.pvalue < alpha
        start, end = (to_datetime(np.datetime64(x, "us")) for x in (a, b))
        if zone != "UTC":
            start, end = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
        built.append(TrendPoint(start, end, result, change, significant, done))
    return tuple(built)
