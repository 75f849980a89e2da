"""The counting kernel of `trend`: NPS categories per period or rolling window, on whole columns.

Responses are put in time order once (`_Frame`); a period or window is then a slice found
by binary search, and under the repeat-respondent rule (`Dedupe`) "each respondent's
latest response" is the largest position per respondent code in that slice
(``numpy.maximum.at``). Daily rolling windows would touch every response once per
window, so for them each response instead gets the range of windows it counts in (from
its own time and its respondent's next response) and the counts come from cumulative
sums (`_interval_counts`): one pass, whatever the number of windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._types import FloatArray, IntArray, Period
from cshealth._zones import day_start, local_days
from cshealth.nps._answers import SCORE_COLUMN, _check_scores
from cshealth.nps._responses import SurveyColumns

__all__ = ["Dedupe"]

#: Repeat respondents: ``latest`` keeps each respondent's last response in a period,
#: ``none`` counts every response.
Dedupe = Literal["latest", "none"]

_DAY = 86_400_000_000  # microseconds
_PASSIVE, _PROMOTER = 7, 9
_NO_NEXT = np.iinfo(np.int64).max
#: Per period: category counts (k x 3), weight sums (k x 3) and weight squares (k), the
#: last two ``None`` when unweighted.
_Counts = tuple[IntArray, FloatArray | None, FloatArray | None]


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


#: Months per calendar period (weeks are counted in days).
_MONTHS = {"month": 1, "quarter": 3, "year": 12}
#: 1970-01-01 was a Thursday: day 4 (1970-01-05) is the first Monday.
_MONDAY = 4


def _calendar_days(first: int, cutoff: np.datetime64, period: Period, zone: str) -> IntArray | None:
    """The first days (on ``zone``'s calendar) of the periods covering ``first..cutoff``.

    One more day than periods: the last is the day after the last period. ``None`` when
    ``first`` is not before ``cutoff`` (or is ``-1``: nothing to cover).
    """
    end = int(cutoff.astype(np.int64))
    if first < 0 or first >= end:
        return None
    days = local_days(np.array([first, end - 1], dtype="datetime64[us]"), zone)
    if period == "week":
        low, high = ((days - _MONDAY) // 7).tolist()
        return np.arange(low, high + 2, dtype=np.int64) * 7 + _MONDAY
    step = _MONTHS[period]
    low, high = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64).tolist()
    low, high = (low // step) * step, (high // step) * step + step
    months = np.arange(low, high + 1, step).astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)


def _day_instants(days: IntArray, zone: str) -> IntArray:
    """The first instant (microseconds, UTC) of each day of ``zone``'s calendar."""
    if zone == "UTC":
        return days.astype("datetime64[D]").astype("datetime64[us]").astype(np.int64)
    instants = [day_start(day, zone) for day in days.tolist()]
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
