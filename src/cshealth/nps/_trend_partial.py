"""`NPSTrendPartial`: the counts behind an NPS trend of calendar periods, mergeable.

`trend_partial` counts one partition of the responses per calendar period (the tally of
each period after the repeat-respondent rule, and its unanswered surveys); partials of
disjoint partitions merge (`cshealth._partial.Partial.merge`) and `NPSTrendPartial.finalize`
gives the `NPSTrend` of all of them. `cshealth.nps.trend` of calendar periods is exactly
``trend_partial(...).finalize()``: one finaliser for one machine and for many.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, cast
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import one_of, probability, whole_number
from cshealth._partial import Partial, PartialKey, Requires
from cshealth._stats import check_confidence_level
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, IntArray, Period
from cshealth._zones import time_zone
from cshealth.models import SurveyType
from cshealth.nps._compare import compare
from cshealth.nps._partial_tally import (
    TALLY_COUNTS,
    TALLY_SUMS,
    TYPE_COLUMN,
    answered,
    instant_text,
    one_type,
    parts_of,
    tally_columns,
    text_instant,
)
from cshealth.nps._responses import check_survey_type, survey_columns
from cshealth.nps._score import NPSResult
from cshealth.nps._tally import NPSTally, tally_of
from cshealth.nps._trend_counts import (
    Dedupe,
    _calendar_counts,
    _calendar_days,
    _Counts,
    _day_instants,
    _Frame,
    _unanswered_times,
)
from cshealth.nps._trend_result import NPSTrend, TrendPoint

__all__ = ["NPSTrendPartial", "trend_partial"]


@dataclass(frozen=True, eq=False, repr=False)
class NPSTrendPartial(Partial):
    """The counts behind an NPS trend of calendar periods: a partial of `trend`.

    One row per period holding responses (or unanswered surveys) of the partition:
    ``survey_type`` (as read; ``''`` when the data does not say), ``period`` (its first
    day, days since 1970-01-01 on the calendar of the key's ``timezone``), the period's
    `NPSTally` after the repeat-respondent rule (``detractors``, ``passives``,
    ``promoters``; ``detractor_weight``, ``passive_weight``, ``promoter_weight``,
    ``weight_squares``) and ``unanswered``. The key holds every option of `trend`
    (``as_of`` and ``start`` as instants, ``period``, ``timezone``, ``dedupe``,
    ``survey_type``, ``alpha``, ``confidence_level``, ``min_n``), so merging partials
    computed differently is refused.

    Requires ``'contact_id'`` (`requires`): with ``dedupe='latest'`` (the default for
    relationship surveys) each contact's latest response per period is kept, which is
    exact only when all of a contact's responses sit in one partition. With
    ``dedupe='none'`` (or the default for transactional surveys) any partitioning is
    exact.

    Examples:
        >>> from datetime import date
        >>> import numpy as np
        >>> from cshealth import nps
        >>> rows = {
        ...     "contact_id": [1, 2, 3, 1],
        ...     "score": [10, 3, 9, 8],
        ...     "submitted_at": np.array(
        ...         ["2025-01-05", "2025-01-09", "2025-02-02", "2025-02-20"], "datetime64[us]"
        ...     ),
        ... }
        >>> first = nps.trend_partial({k: v[:2] for k, v in rows.items()}, as_of=date(2025, 3, 1))
        >>> second = nps.trend_partial({k: v[2:] for k, v in rows.items()}, as_of=date(2025, 3, 1))
        >>> merged = first + second
        >>> merged.columns["promoters"].tolist(), merged.requires
        ([1, 1], 'contact_id')
        >>> merged.finalize() == nps.trend(rows, as_of=date(2025, 3, 1))
        True
    """

    KIND: ClassVar[str] = "nps_trend"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (TYPE_COLUMN, ("period", "int64"))
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = (*TALLY_COUNTS, "unanswered")
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = TALLY_SUMS
    REQUIRES: ClassVar[Requires] = "contact_id"

    @property
    def requires(self) -> Requires:
        """``'contact_id'``, or ``None`` when no response is deduplicated.

        ``None`` with ``dedupe='none'``, or with the default rule for transactional
        surveys (``survey_type='transactional'``).

        Examples:
            >>> from datetime import date
            >>> from cshealth import nps
            >>> empty = {"score": [], "submitted_at": []}
            >>> nps.trend_partial(empty, as_of=date(2025, 3, 1), dedupe="none").requires is None
            True
        """
        dedupe, survey_type = self.key.option("dedupe"), self.key.option("survey_type")
        if dedupe == "none" or (dedupe == "" and survey_type == "transactional"):
            return None
        return "contact_id"

    def finalize(self) -> NPSTrend:
        """The `NPSTrend` of the responses counted, as `trend` gives it.

        Raises:
            InvalidInputError: When the rows hold relationship and transactional
                responses (read from different partitions; they are never pooled).

        Examples:
            >>> from datetime import date
            >>> from cshealth import nps
            >>> rows = {"score": [10, 3], "submitted_at": ["2025-01-05T09:00Z"] * 2}
            >>> nps.trend_partial(rows, as_of=date(2025, 2, 1)).finalize().scores.tolist()
            [0.0]
        """
        c = self.columns
        survey_type = one_type(c["survey_type"])
        options = dict(self.key.options)
        zone, period = options["timezone"], _period(options["period"])
        instant = np.datetime64(options["as_of"], "us")
        cutoff = int(instant.astype(np.int64))
        rule = options["dedupe"] or ("none" if survey_type == "transactional" else "latest")
        days, edges = _grid(c, text_instant(options["start"]), instant, period, zone)
        k = len(edges) - 1
        slot = np.searchsorted(days[:-1], c["period"])
        used = slot < k
        used[used] = days[slot[used]] == c["period"][used]  # rows before the first period: out
        counts = np.zeros((k, 3), dtype=np.int64)
        sums = np.zeros((k, 3), dtype=np.float64)
        squares = np.zeros(k, dtype=np.float64)
        unanswered = np.zeros(k, dtype=np.int64)
        at = slot[used]
        for i, name in enumerate(TALLY_COUNTS):
            np.add.at(counts[:, i], at, c[name][used])
        for i, name in enumerate(TALLY_SUMS[:3]):
            np.add.at(sums[:, i], at, c[name][used])
        np.add.at(squares, at, c["weight_squares"][used])
        np.add.at(unanswered, at, c["unanswered"][used])
        alpha = float(options["alpha"])
        tallied: _Counts = (counts, sums, squares)
        if not (sums != counts).any() and not (squares != counts.sum(axis=1)).any():
            tallied = (counts, None, None)  # unweighted: each tally of its counts (quicker)
        points = _points(edges[:-1], np.minimum(edges[1:], cutoff), tallied, 1)
        return NPSTrend(
            points=_assemble(points, (edges[1:] <= cutoff).tolist(), alpha, zone, unanswered),
            period=period,
            rolling_days=None,
            dedupe=rule,
            survey_type=survey_type,
            as_of=to_datetime(instant),
            alpha=alpha,
            confidence_level=float(options["confidence_level"]),
            min_n=int(options["min_n"]),
            timezone=zone,
        )


def _period(text: str) -> Period:
    return cast("Period", one_of(text, Period, "period"))


def _grid(
    c: Mapping[str, NDArray[np.generic]],
    start: np.datetime64 | None,
    instant: np.datetime64,
    period: Period,
    zone: str,
) -> tuple[IntArray, IntArray]:
    """The periods' first days and first instants, as `trend` lays them out.

    From the period of ``start``, or else of the first answered response (the first
    period with an answer: that period's first instant stands for it), to ``as_of``.
    """
    if start is not None:
        first = int(start.astype(np.int64))
    else:
        found = cast("IntArray", c["period"])[answered(c) > 0]
        first = int(_day_instants(found.min(keepdims=True), zone)[0]) if len(found) else -1
    days = _calendar_days(first, instant, period, zone)
    if days is None:
        return np.empty(0, dtype=np.int64), np.array([int(instant.astype(np.int64))])
    return days, _day_instants(days, zone)


def trend_partial(
    responses: object,
    *,
    as_of: AsOf,
    period: Period = "month",
    dedupe: Dedupe | None = None,
    survey_type: SurveyType | None = None,
    start: AsOf | None = None,
    weights: ArrayLike | None = None,
    alpha: float = 0.05,
    confidence_level: float = 0.95,
    min_n: int = 30,
    timezone: str = "UTC",
    part: str | None = None,
) -> NPSTrendPartial:
    """The partial of `trend` (calendar periods) on one partition of the responses.

    Takes the options of `trend`, read and checked as `trend` reads them, and ``part``.
    Rolling windows (`trend`'s ``rolling_days``) have no partial form here.

    Args:
        responses: One partition of the NPS responses, in any form `trend` reads.
        as_of: As in `trend`.
        period: As in `trend`.
        dedupe: As in `trend`; with ``'latest'`` (the default for relationship surveys)
            every response of a contact must be in the same partition (`requires`).
        survey_type: As in `trend`.
        start: As in `trend`.
        weights: As in `trend`: one per row of this partition.
        alpha: As in `trend`.
        confidence_level: As in `trend`.
        min_n: As in `trend`.
        timezone: As in `trend`.
        part: A name for the partition (its file, its index); merging two partials
            that name one partition is refused (a retried task counted twice).

    Returns:
        The `NPSTrendPartial`; of a partition without responses, the empty partial. A
        partition holding no NPS response (other kinds only) is not an error here.

    Raises:
        InvalidInputError: As `trend` on bad responses or options.

    Examples:
        >>> from datetime import date
        >>> rows = {"score": [10, 9, 2], "submitted_at": ["2025-01-05T09:00Z"] * 3}
        >>> p = trend_partial(rows, as_of=date(2025, 2, 1), part="file-1")
        >>> p.columns["period"].tolist(), p.columns["promoters"].tolist(), p.parts  # 2025-01-01
        ([20089], [2], ('file-1',))
    """
    return build_trend(
        responses,
        as_of=as_of,
        period=period,
        dedupe=dedupe,
        survey_type=survey_type,
        start=start,
        weights=weights,
        alpha=alpha,
        confidence_level=confidence_level,
        min_n=min_n,
        timezone=timezone,
        parts=parts_of(part),
        partition=True,
    )


def build_trend(
    responses: object,
    *,
    as_of: AsOf,
    period: Period,
    dedupe: Dedupe | None,
    survey_type: SurveyType | None,
    start: AsOf | None,
    weights: ArrayLike | None,
    alpha: float,
    confidence_level: float,
    min_n: int,
    timezone: str,
    parts: tuple[str, ...] = (),
    partition: bool = False,
) -> NPSTrendPartial:
    """`trend_partial`, on a partition or on the whole data (which `trend` finalises)."""
    whole_number(min_n, "min_n", low=0)
    level = check_confidence_level(confidence_level)
    probability(alpha, "alpha")
    one_of(period, Period, "period")
    one_of(dedupe, Dedupe | None, "dedupe")
    zone = time_zone(timezone).key
    instant = as_instant(as_of, timezone=zone)
    columns = survey_columns(
        responses,
        kind="nps",
        need=("score", "submitted_at"),
        optional=("contact_id", "weight"),
        survey_type=check_survey_type(survey_type),
        weights=weights,
        partition=partition,
    )
    rule: Dedupe = dedupe or ("none" if columns.survey_type == "transactional" else "latest")
    frame = _Frame.build(columns, int(instant.astype(np.int64)), rule)
    aside = _unanswered_times(columns, int(instant.astype(np.int64)))
    low = None if start is None else as_instant(start, "start", timezone=zone)
    key = PartialKey.of(
        NPSTrendPartial.KIND,
        as_of=instant_text(instant),
        period=period,
        dedupe=dedupe,
        survey_type=survey_type,
        start=instant_text(low),
        alpha=float(alpha),
        confidence_level=level,
        min_n=min_n,
        timezone=zone,
    )
    if low is not None:
        first = int(low.astype(np.int64))
    else:  # the partition's first response, answered or not (a whole's may be earlier)
        found = [int(times[0]) for times in (frame.times, aside) if len(times)]
        first = min(found, default=-1)
    days = _calendar_days(first, instant, period, zone)
    if days is None:
        return NPSTrendPartial(key, dict(NPSTrendPartial.empty(key).columns), parts)
    edges = _day_instants(days, zone)
    counts, sums, squares = _calendar_counts(frame, edges)
    unanswered = np.diff(np.searchsorted(aside, edges, side="left"))
    keep = (counts.sum(axis=1) > 0) | (unanswered > 0)
    rows = tally_columns(
        counts[keep],
        None if sums is None else sums[keep],
        None if squares is None else squares[keep],
    )
    rows["unanswered"] = unanswered[keep]
    rows["period"] = days[:-1][keep]
    rows["survey_type"] = np.full(int(keep.sum()), columns.survey_type or "", dtype=object)
    return NPSTrendPartial(key, rows, parts)


_Point = tuple[int, int, NPSTally, int]


def _points(starts: IntArray, ends: IntArray, counts: _Counts, lag: int) -> list[_Point]:
    """Each period's bounds, tally and the position of the period its change is tested against."""
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
    points: list[_Point], complete: list[bool], alpha: float, zone: str, unanswered: IntArray
) -> tuple[TrendPoint, ...]:
    """The trend's points: each period's `NPSResult` and its change from the one tested."""
    aside = unanswered.tolist()
    results = [NPSResult(tally, count) for (_, _, tally, _), count in zip(points, aside)]
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
