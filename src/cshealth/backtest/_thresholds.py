"""`thresholds`: where to cut the bottom band, for a target precision or a team's capacity.

The bottom band flags the scores strictly below its cut-off ``c`` (``score < c``), as a
``lower_inclusive`` band ``[0, c)`` does (the scorecards' default closure). The
candidate cut-offs are the distinct scores seen (a cut at a score flags every score
below it, so a tie is never split: all in or all out) and ``inf`` (flag everyone).

* ``precision``: the highest cut-off whose flagged observations churn at least at the
  target rate. It flags the most accounts, and so catches the most churners, among
  the cut-offs that reach the precision.
* ``capacity``: the highest cut-off that flags at most ``capacity`` observations on
  every observation date; the busiest date decides.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias

import numpy as np

from cshealth._checks import real_number, whole_number
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._result import SHOWN_ROWS, Result, RowsResult
from cshealth._stats import ConfidenceInterval, check_confidence_level, proportion_interval
from cshealth._text import align_columns
from cshealth._types import BoolArray, DateArray, FloatArray, IntArray
from cshealth.backtest._panel_columns import as_panel_columns
from cshealth.backtest._probability import MIN_EVENTS

__all__ = ["BandCuts", "CutRule", "CutTable", "thresholds"]

_NO_INTERVAL = ConfidenceInterval(math.nan, math.nan)

#: What decides the cut-off: a target precision, or a capacity per date.
CutRule: TypeAlias = Literal["precision", "capacity"]


@dataclass(frozen=True, eq=False, repr=False)
class CutTable(RowsResult):
    """Every candidate cut-off of the bottom band, from the lowest up.

    Attributes:
        cutoff: Flag the scores below it (``inf``: flag every scored observation).
        flagged: Observations flagged.
        events: How many of them churned.
        precision: ``events / flagged``: the flagged observations' churn rate.
        precision_low: The lower bound of its Wilson interval.
        precision_high: Its upper bound.
        recall: The share of all churners flagged.
    """

    cutoff: FloatArray
    flagged: IntArray
    events: IntArray
    precision: FloatArray
    precision_low: FloatArray
    precision_high: FloatArray
    recall: FloatArray

    def format(self) -> str:
        """The first rows: cut-off, flagged, churned, precision with interval, recall."""
        shown = self.lines(np.arange(min(len(self), SHOWN_ROWS)))
        more = len(self) - SHOWN_ROWS
        return shown + (f"\n... {more} more cut-offs" if more > 0 else "")

    def lines(self, rows: IntArray) -> str:
        """The table of ``rows`` only (positions), with its header."""
        cells = [
            [
                f"< {self.cutoff[i]:g}",
                f"{self.flagged[i]:,}",
                f"{self.events[i]:,}",
                _pct(float(self.precision[i])),
                f"{_pct(float(self.precision_low[i]))} to {_pct(float(self.precision_high[i]))}",
                _pct(float(self.recall[i])),
            ]
            for i in rows.tolist()
        ]
        header = ["score", "flagged", "churned", "precision", "interval", "recall"]
        return align_columns(header, cells, align="<>>><>", gaps="  ")

    def __repr__(self) -> str:
        return f"CutTable({len(self)} cut-offs)"


@dataclass(frozen=True, eq=False, repr=False)
class BandCuts(Result):
    """The cut-off of the bottom band chosen by `thresholds`, with what it catches.

    Attributes:
        rule: ``'precision'`` or ``'capacity'``: what decided the cut-off.
        target: The precision asked for (a share), or the capacity (observations per
            date).
        cutoff: The bottom band is the scores below it: ``score < cutoff``; ``inf``
            when every scored observation is flagged; NaN when no cut-off reaches the
            target (``undefined`` says why).
        flagged: Observations the bottom band flags (over every date).
        events: How many of them churned.
        n: Scored observations.
        churners: How many of them churned.
        n_unscored: Observations left out for a NaN score.
        precision: ``events / flagged`` (NaN when nothing is flagged).
        precision_interval: Its Wilson interval.
        recall: ``events / churners``: the share of churners the band catches (NaN
            without a cut-off or without churners).
        recall_interval: Its Wilson interval.
        most_per_date: The most observations flagged on one date.
        busiest_date: That date (``None`` for data without dates).
        candidates: Every candidate cut-off with its precision and recall.
        confidence_level: The level of the intervals.
        undefined: Why there is no cut-off or no precision, or ``''``.
    """

    rule: CutRule
    target: float
    cutoff: float
    flagged: int
    events: int
    n: int
    churners: int
    n_unscored: int
    precision: float
    precision_interval: ConfidenceInterval
    recall: float
    recall_interval: ConfidenceInterval
    most_per_date: int
    busiest_date: date | None
    candidates: CutTable
    confidence_level: float
    undefined: str = ""

    def format(self) -> str:
        """The cut-off, what it flags and catches, and the candidates around it."""
        goal = (
            f"a precision of at least {_pct(self.target)}"
            if self.rule == "precision"
            else f"at most {int(self.target):,} flagged per date"
        )
        if math.isnan(self.cutoff):
            return f"Bottom band for {goal}: {self.undefined}"
        level = f"{100 * self.confidence_level:g}% CI"
        cut = "every scored observation" if math.isinf(self.cutoff) else f"scores < {self.cutoff:g}"
        on = f" on {self.busiest_date}" if self.busiest_date is not None else ""
        lines = [
            f"Bottom band for {goal}: {cut}",
            f"flags {self.flagged:,} of {self.n:,} observations (at most {self.most_per_date:,} "
            f"on one date{on}); {self.events:,} of them churned",
            f"precision {_estimate(self.precision, self.precision_interval)}, recall "
            f"{_estimate(self.recall, self.recall_interval)} of {self.churners:,} churners "
            f"({level})",
        ]
        if self.undefined:
            lines.append(self.undefined)
        at = int(np.searchsorted(self.candidates.cutoff, self.cutoff))
        window = np.arange(max(0, at - 3), min(len(self.candidates), at + 4))
        return "\n".join([*lines, "", self.candidates.lines(window)])

    def __repr__(self) -> str:
        return (
            f"BandCuts({self.rule}={self.target:g}: score < {self.cutoff:g}, "
            f"flagged={self.flagged}, precision={_pct(self.precision)}, "
            f"recall={_pct(self.recall)})"
        )


def thresholds(
    panel: object,
    *,
    precision: float | None = None,
    capacity: int | None = None,
    confidence_level: float = 0.95,
) -> BandCuts:
    """The cut-off of the bottom band for a target precision, or for a capacity per date.

    Args:
        panel: A `Panel`, or plain columns ``account_id``, ``score`` and ``churned``
            (and ``as_of`` for the capacity per date; without it all rows are one date).
            Unscored observations are left out and counted.
        precision: The churn rate the flagged observations must reach, in ``(0, 1]``:
            the cut-off is the highest one that reaches it (the most churners caught).
        capacity: The most observations the band may flag on one date (a team's
            capacity), a whole number >= 1: the cut-off is the highest one within it on
            every date.
        confidence_level: The level of the intervals, strictly between 0 and 1.

    Returns:
        `BandCuts`: the cut-off (flag ``score < cutoff``), what it flags and catches
        with Wilson intervals, and every candidate cut-off.

    Raises:
        InvalidInputError: Unless exactly one of ``precision`` and ``capacity`` is
            given, on bad values of either, on bad data, or without a scored observation.

    Warns:
        SmallSampleWarning: With fewer than `MIN_EVENTS` churners.

    Notes:
        The bottom band is ``score < cutoff``, as ``lower_inclusive`` bands (the default)
        treat their edges: put the cut-off as the bottom band's ``max``. For an
        ``upper_inclusive`` scorecard, the same band is ``score <= `` the greatest score
        below the cut-off. Ties are never split: a cut-off at a score leaves out every
        observation with that score. With ``precision`` the target is met by the
        estimate, pooled over dates (see its interval for the uncertainty); when the
        target is at or below the base rate, flagging everyone reaches it
        (``cutoff = inf``). With ``capacity`` the cut-off is the lowest over the dates
        of each date's ``(capacity + 1)``-th lowest score, so no date flags more; when
        ties at the lowest score already exceed the capacity on a date, nothing can be
        flagged.

    Examples:
        >>> columns = {
        ...     "account_id": list(range(100)),
        ...     "score": [10] * 20 + [30] * 20 + [50] * 20 + [70] * 20 + [90] * 20,
        ...     "churned": [1] * 12 + [0] * 8 + [1] * 6 + [0] * 14 + [1] * 3 + [0] * 57,
        ... }
        >>> cuts = thresholds(columns, precision=0.4)
        >>> cuts.cutoff, cuts.flagged, cuts.events, round(cuts.recall, 3)
        (50.0, 40, 18, 0.857)
        >>> thresholds(columns, capacity=30).cutoff  # 20 flagged; 40 would be too many
        30.0
    """
    rule, target = _rule(precision, capacity)
    level = check_confidence_level(confidence_level)
    columns = as_panel_columns(panel)
    scored = ~np.isnan(columns.score)
    score, churned = columns.score[scored], columns.churned[scored]
    days = None if columns.as_of is None else columns.as_of[scored]
    if not len(score):
        msg = "`panel` has no scored observation to cut (every score is NaN)"
        raise InvalidInputError(msg)
    if int(churned.sum()) < MIN_EVENTS:
        warnings.warn(
            f"band cut-offs from {int(churned.sum())} churners (fewer than {MIN_EVENTS}): "
            "their precision and recall are uncertain",
            SmallSampleWarning,
            stacklevel=2,
        )
    table = _candidates(score, churned, level)
    if rule == "precision":
        cutoff, undefined = _by_precision(table, target)
    else:
        cutoff, undefined = _by_capacity(score, days, int(target))
    flags = score < cutoff  # False everywhere for a NaN cut-off
    most, busiest = _busiest(flags, days)
    return _cuts(
        rule,
        target,
        cutoff,
        flags=flags,
        churned=churned,
        table=table,
        level=level,
        n_unscored=int((~scored).sum()),
        most=(most, busiest),
        undefined=undefined,
    )


def _rule(precision: float | None, capacity: int | None) -> tuple[CutRule, float]:
    if (precision is None) == (capacity is None):
        msg = (
            "give exactly one of `precision` (a target churn rate for the bottom band) and "
            f"`capacity` (the most accounts it may flag per date), got precision={precision!r}"
            f" and capacity={capacity!r}"
        )
        raise InvalidInputError(msg)
    if precision is not None:
        return "precision", real_number(
            precision, "precision", low=0.0, high=1.0, open_low=True, hint="; pass 0.3 for 30%"
        )
    return "capacity", float(whole_number(capacity, "capacity", low=1))


def _candidates(score: FloatArray, churned: BoolArray, level: float) -> CutTable:
    """Every cut-off: each distinct score but the lowest (it flags nothing), then inf."""
    values, inverse = np.unique(score, return_inverse=True)
    trials = np.bincount(inverse, minlength=len(values))
    events = np.bincount(inverse, weights=churned, minlength=len(values)).round()
    flagged = np.cumsum(trials).astype(np.int64)  # cut at values[j + 1] flags values[: j + 1]
    caught = np.cumsum(events).astype(np.int64)
    low, high = proportion_interval(caught, flagged, confidence_level=level)
    churners = int(caught[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = caught / churners if churners else np.full(len(values), np.nan)
    return CutTable(
        cutoff=np.append(values[1:], np.inf),
        flagged=flagged,
        events=caught,
        precision=caught / flagged,
        precision_low=low,
        precision_high=high,
        recall=np.asarray(recall, dtype=np.float64),
    )


def _by_precision(table: CutTable, target: float) -> tuple[float, str]:
    reaching = np.flatnonzero(table.precision >= target)
    if len(reaching):
        return float(table.cutoff[reaching[-1]]), ""
    best = int(np.argmax(table.precision))
    return math.nan, (
        f"no cut-off reaches a precision of {_pct(target)}: the best is "
        f"{_pct(float(table.precision[best]))}, flagging scores < {table.cutoff[best]:g}"
    )


def _by_capacity(score: FloatArray, days: DateArray | None, capacity: int) -> tuple[float, str]:
    """The lowest over dates of each date's ``(capacity + 1)``-th lowest score."""
    day = np.zeros(len(score), dtype=np.int64) if days is None else days.astype(np.int64)
    order = np.lexsort((score, day))
    sorted_day, sorted_score = day[order], score[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_day[1:] != sorted_day[:-1])))
    sizes = np.diff(np.append(starts, len(score)))
    over = sizes > capacity
    if not over.any():
        return math.inf, ""
    cutoff = float(sorted_score[starts[over] + capacity].min())
    if cutoff <= float(score.min()):
        return cutoff, (
            f"more than {capacity} observations tie at the lowest score {cutoff:g} on one "
            "date: no cut-off flags any without splitting the tie"
        )
    return cutoff, ""


def _cuts(
    rule: CutRule,
    target: float,
    cutoff: float,
    *,
    flags: BoolArray,
    churned: BoolArray,
    table: CutTable,
    level: float,
    n_unscored: int,
    most: tuple[int, date | None],
    undefined: str,
) -> BandCuts:
    flagged, events, churners = int(flags.sum()), int((flags & churned).sum()), int(churned.sum())
    p_low, p_high = proportion_interval(events, flagged, confidence_level=level)
    r_low, r_high = proportion_interval(events, churners, confidence_level=level)
    return BandCuts(
        rule=rule,
        target=target,
        cutoff=cutoff,
        flagged=flagged,
        events=events,
        n=len(flags),
        churners=churners,
        n_unscored=n_unscored,
        precision=events / flagged if flagged else math.nan,
        precision_interval=ConfidenceInterval(float(p_low), float(p_high)),
        recall=events / churners if churners and not math.isnan(cutoff) else math.nan,
        recall_interval=_NO_INTERVAL
        if math.isnan(cutoff)
        else ConfidenceInterval(float(r_low), float(r_high)),
        most_per_date=most[0],
        busiest_date=most[1],
        candidates=table,
        confidence_level=level,
        undefined=undefined,
    )


def _busiest(flags: BoolArray, days: DateArray | None) -> tuple[int, date | None]:
    """The most flagged on one date, and that date (the first such)."""
    if days is None:
        return int(flags.sum()), None
    values, inverse = np.unique(days, return_inverse=True)
    counts = np.bincount(inverse, weights=flags, minlength=len(values))
    top = int(np.argmax(counts))
    busiest: date = values[top].astype(object)
    return int(counts[top]), busiest


def _estimate(value: float, interval: ConfidenceInterval) -> str:
    if math.isnan(value):
        return "-"
    return f"{_pct(value)} ({_pct(interval.low)} to {_pct(interval.high)})"


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.1f}%"
