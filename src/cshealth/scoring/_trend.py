"""Score trends: each account's latest move, its Theil–Sen slope, and sticky bands.

Over a history of health-score snapshots (spec, "Trend" and "Bands"), per account:

* the **direction** of the latest move, ``current - previous`` between the last two
  snapshots: ``'up'``, ``'down'`` or ``'same'`` when the change is within a dead band
  (5 points by default), so that noise is not reported as movement;
* the **slope** of the whole history (Theil–Sen, which one odd snapshot cannot drag), in
  points per day, with its confidence interval, and Kendall's tau test of a monotonic
  trend; a trend is called ``'falling'`` or ``'rising'`` only when that test says so;
* with bands, the **band** at the last snapshot after hysteresis (an account keeps its
  band until its score leaves it by more than ``hysteresis`` points), the raw band, and
  whether the band changed at the last snapshot.

A history is a sequence of score results (``score(...)`` of several dates: anything with
``account_ids``, ``score`` and ``as_of``) or a table of rows ``account_id``, ``as_of``,
``score``. Snapshots are the distinct ``as_of`` instants of the whole history; an account
absent from a snapshot, or present with a NaN score, has no score there.

Everything runs on one ``(accounts, snapshots)`` matrix of scores: the slopes and tests
for all accounts at once (`cshealth._slopes.theil_kendall`), the hysteresis walk
one snapshot at a time for all accounts together.

This module holds `trend`, its options and the hysteresis walk; the history and its
readers are in `_score_history`, the result in `_score_trend`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple, cast

import numpy as np

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._slopes import SlopeFit, theil_kendall
from cshealth._time import to_datetime
from cshealth._types import BoolArray, FloatArray, IdArray, InstantArray, IntArray, ObjectArray
from cshealth.scoring._bands import Band, Closure, assign_bands, band_labels
from cshealth.scoring._score_history import _matrix, _read_history
from cshealth.scoring._score_trend import ScoreTrend

__all__ = ["trend"]

_CARD_FIELDS = ("bands", "closure", "hysteresis")
_DAY_US = 86_400_000_000
#: Changes are compared with the dead band with this tolerance (points), so that a move of
#: exactly the dead band in decimal (75.3 - 70.3) counts as within it.
_TOLERANCE = 1e-9


def trend(
    history: object,
    *,
    dead_band: float = 5.0,
    min_points: int = 4,
    confidence_level: float = 0.95,
    bands: Sequence[Band] | None = None,
    closure: Closure = "lower_inclusive",
    hysteresis: float = 0.0,
    scorecard: object | None = None,
) -> ScoreTrend:
    """Each account's latest score move, its slope over the history, and its band.

    Args:
        history: Score results of several dates (objects with ``account_ids``, ``score``
            and ``as_of``, see `ScoresLike`), or rows with ``account_id``, ``as_of`` and
            ``score``: a mapping of columns, a data frame, a `Table`, an iterable of
            per-row mappings or of `ScoreSnapshot` records. ``as_of`` is a date (its
            start, UTC), an aware datetime or ISO text, all of one kind; ``score`` is
            0..100, missing (``None``, NaN) when there was too little data. Rows may come
            in any order; one score per account and snapshot.
        dead_band: Largest ``|current - previous|``, in points, that counts as
            ``'same'`` (finite, ``>= 0``).
        min_points: Scored snapshots an account needs before a trend is called (``>= 2``).
        confidence_level: Coverage of the slope's interval, strictly between 0 and 1;
            ``1 - confidence_level`` is the significance level of the trend test.
        bands: The score bands (sorted from 0 up to 100, contiguous); ``None`` or empty
            for no bands.
        closure: ``{'lower_inclusive', 'upper_inclusive'}``: which end of each band is
            inside it (see `assign_bands`).
        hysteresis: Points a score must move beyond its current band before the band
            changes (finite, ``>= 0``; 0: the band is always the raw band).
        scorecard: Anything with ``bands``, ``closure`` and ``hysteresis`` (a scorecard):
            takes those three from it. ``bands``, ``closure`` and ``hysteresis`` must
            then be left at their defaults.

    Returns:
        The `ScoreTrend`, one row per account in the history (none for an empty one).

    Raises:
        InvalidInputError: On history of another form, a missing column, bad values
            (every one is listed, with its row, field and value; a score result's
            position is named), a naive datetime, dates mixed with datetimes,
            duplicate (account, snapshot) pairs, or a bad option.

    Notes:
        Snapshots ``t_0 < ... < t_{S-1}`` are the distinct ``as_of`` of the history.
        ``current`` and ``previous`` are the account's scores at ``t_{S-1}`` and
        ``t_{S-2}``. Changes are compared with the dead band with a tolerance of 1e-9
        points, so that a change of exactly ``dead_band`` in decimal is ``'same'``.

        The slope is the Theil–Sen estimator of the account's scored points against
        ``x = (t - t_0)`` in days (the median of the pairwise slopes) with Sen's (1968)
        interval, as `scipy.stats.theilslopes`; tau and its p-value are those of
        `scipy.stats.kendalltau` (exact without ties up to 33 points, else the normal
        approximation with the tie correction). Unscored snapshots are left out.

        **Hysteresis.** Per account, walking the snapshots in time order: the band
        starts as the raw band of the first scored snapshot. At each later scored
        snapshot the band stays while the score lies inside the current band widened
        by ``hysteresis`` points on each side, with the band's closure (for
        ``lower_inclusive``, ``min - h <= score < max + h``; for ``upper_inclusive``,
        ``min - h < score <= max + h``), and otherwise moves to the raw band of the
        score. An unscored snapshot clears the band, and the next scored one starts
        afresh. With ``hysteresis = 0`` the band is the raw band.

    Examples:
        Monthly scores of two accounts: A slides steadily, B wobbles in place.

        >>> history = {
        ...     "account_id": ["A"] * 5 + ["B"] * 5,
        ...     "as_of": ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"] * 2,
        ...     "score": [90, 84, 77, 71, 62, 60, 63, 59, 61, 64],
        ... }
        >>> bands = [
        ...     Band(label="red", min=0, max=40),
        ...     Band(label="yellow", min=40, max=70),
        ...     Band(label="green", min=70, max=100),
        ... ]
        >>> result = trend(history, bands=bands, hysteresis=5, confidence_level=0.9)
        >>> result.direction.tolist(), result.change.tolist()
        (['down', 'same'], [-9.0, 3.0])
        >>> result.trend.tolist(), result.pvalue.round(4).tolist()
        (['falling', 'flat'], [0.0167, 0.4833])
        >>> round(float(result.slope[0]) * 30, 1)  # points per 30 days
        -6.8
        >>> result.band.tolist(), result.band_changed.tolist()  # 62 is 8 points below green
        (['yellow', 'yellow'], [True, False])
    """
    options = _Options(
        dead_band=_number("dead_band", dead_band, "a finite number >= 0", lambda v: v >= 0),
        min_points=_min_points(min_points),
        confidence_level=_number(
            "confidence_level", confidence_level, "strictly between 0 and 1", lambda v: 0 < v < 1
        ),
    )
    banding = _banding(bands, closure, hysteresis, scorecard)
    snaps = _read_history(history)
    account_ids, snapshots, matrix = _matrix(snaps)
    return _build(account_ids, snapshots, matrix, options, banding)


class _Options(NamedTuple):
    dead_band: float
    min_points: int
    confidence_level: float


class _Banding(NamedTuple):
    bands: tuple[Band, ...]
    closure: Closure
    hysteresis: float


def _build(
    account_ids: IdArray,
    snapshots: InstantArray,
    matrix: FloatArray,
    options: _Options,
    banding: _Banding,
) -> ScoreTrend:
    k, s = matrix.shape
    current = matrix[:, -1].copy() if s else np.full(k, np.nan)  # copies: the matrix goes
    previous = matrix[:, -2].copy() if s > 1 else np.full(k, np.nan)
    change = current - previous
    days = (snapshots - snapshots[:1]).astype(np.int64) / _DAY_US
    if s > 1:
        fit = theil_kendall(matrix, options.confidence_level, x=days)
    else:  # one snapshot (or none): no pairs, nothing to fit
        fit = SlopeFit(*(np.full(k, np.nan) for _ in range(5)))
    n_points = (~np.isnan(matrix)).sum(axis=1).astype(np.int64)
    called = fit.pvalue < 1.0 - options.confidence_level
    trend_labels = np.where(
        called & (fit.slope < 0), "falling", np.where(called & (fit.slope > 0), "rising", "flat")
    ).astype(object)
    trend_labels[n_points < options.min_points] = None
    band, raw_band, band_changed = _band_columns(matrix, banding)
    return ScoreTrend(
        account_ids=account_ids,
        snapshots=snapshots,
        as_of=to_datetime(snapshots[-1]) if s else None,
        n_points=n_points,
        current=current,
        previous=previous,
        change=change,
        direction=_direction(change, options.dead_band),
        slope=fit.slope,
        _slope_low=fit.low,
        _slope_high=fit.high,
        _scores=matrix,
        tau=fit.tau,
        pvalue=fit.pvalue,
        trend=trend_labels,
        band=band,
        raw_band=raw_band,
        band_changed=band_changed,
        dead_band=options.dead_band,
        min_points=options.min_points,
        confidence_level=options.confidence_level,
        hysteresis=banding.hysteresis,
        bands=banding.bands,
        closure=banding.closure,
    )


def _direction(change: FloatArray, dead_band: float) -> ObjectArray:
    words = np.where(change > 0, "up", "down").astype(object)
    words[np.abs(change) <= dead_band + _TOLERANCE] = "same"
    words[np.isnan(change)] = None
    return cast("ObjectArray", words)


# --- bands and hysteresis --------------------------------------------------------------------


def _band_columns(
    matrix: FloatArray, banding: _Banding
) -> tuple[ObjectArray | None, ObjectArray | None, BoolArray | None]:
    """Band (after hysteresis) and raw band at the last snapshot, and whether it changed."""
    if not banding.bands:
        return None, None, None
    k, s = matrix.shape
    raw = assign_bands(banding.bands, banding.closure, matrix)
    held = _sticky_bands(matrix, raw, banding)
    last = held[:, -1] if s else np.full(k, -1, dtype=np.int64)
    before = held[:, -2] if s > 1 else np.full(k, -1, dtype=np.int64)
    raw_last = raw[:, -1] if s else last
    changed = (last >= 0) & (before >= 0) & (last != before)
    return band_labels(banding.bands, last), band_labels(banding.bands, raw_last), changed


def _sticky_bands(matrix: FloatArray, raw: IntArray, banding: _Banding) -> IntArray:
    """The band index of each (account, snapshot) after hysteresis; -1 where unscored.

    ``raw`` holds the raw band indices of ``matrix`` (`assign_bands`). The walk loops over
    snapshots and moves all accounts at once (see `trend`, Notes).
    """
    lows = np.array([band.min for band in banding.bands]) - banding.hysteresis
    highs = np.array([band.max for band in banding.bands]) + banding.hysteresis
    out = np.full(raw.shape, -1, dtype=np.int64)
    band = np.full(raw.shape[0], -1, dtype=np.int64)
    for column in range(raw.shape[1]):
        score = matrix[:, column]
        low, high = lows[band], highs[band]  # band -1 reads the last band: masked below
        if banding.closure == "lower_inclusive":
            inside = (score >= low) & (score < high)
        else:
            inside = (score > low) & (score <= high)
        band = np.where((band >= 0) & inside, band, raw[:, column])
        out[:, column] = band
    return out


# --- options ---------------------------------------------------------------------------------


def _number(name: str, value: object, allowed: str, ok: Callable[[float], bool]) -> float:
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
        or not ok(float(value))
    ):
        msg = f"`{name}` must be {allowed}, got {value!r}"
        raise InvalidInputError(msg)
    return float(value)


def _min_points(value: object) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 2:
        msg = f"`min_points` must be a whole number >= 2, got {value!r}"
        raise InvalidInputError(msg)
    return int(value)


def _banding(bands: object, closure: object, hysteresis: object, scorecard: object) -> _Banding:
    if scorecard is not None:
        if bands is not None or closure != "lower_inclusive" or hysteresis != 0.0:
            msg = (
                "give `scorecard` or `bands`, `closure` and `hysteresis`, not both: the "
                "scorecard's bands, closure and hysteresis are used"
            )
            raise InvalidInputError(msg)
        try:
            bands, closure, hysteresis = (getattr(scorecard, name) for name in _CARD_FIELDS)
        except AttributeError:
            msg = (
                "`scorecard` must have `bands`, `closure` and `hysteresis` (a Scorecard), "
                f"got {type(scorecard).__name__}"
            )
            raise InvalidInputError(msg) from None
    one_of(closure, Closure, "closure")
    h = _number("hysteresis", hysteresis, "a finite number >= 0 (points)", lambda v: v >= 0)
    return _Banding(_check_bands(bands), cast("Closure", closure), h)


def _check_bands(bands: object) -> tuple[Band, ...]:
    if bands is None:
        return ()
    if isinstance(bands, (str, bytes, Mapping)) or not isinstance(bands, Iterable):
        msg = f"`bands` must be a sequence of Band, got {type(bands).__name__}"
        raise InvalidInputError(msg)
    items = tuple(bands)
    strays = [item for item in items if not isinstance(item, Band)]
    if strays:
        msg = f"`bands` must hold Band objects, got {strays[0]!r}"
        raise InvalidInputError(msg)
    edges = [(band.min, band.max) for band in items]
    flat = [edge for pair in edges for edge in pair]
    if items and (
        flat[0] != 0
        or flat[-1] != 100
        or any(lo >= hi for lo, hi in edges)
        or flat[1:-1:2] != flat[2:-1:2]
    ):
        shown = ", ".join(f"{band.label} {band.min:g}..{band.max:g}" for band in items)
        msg = (
            "`bands` must run from 0 to 100 in ascending order, each starting where the "
            f"one before ends (no gap, no overlap); got {shown}"
        )
        raise InvalidInputError(msg)
    return items
