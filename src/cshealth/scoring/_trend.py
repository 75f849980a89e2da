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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, NamedTuple, Protocol, cast, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from cshealth._checks import iso, one_of
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._result import AccountResult, jsonable
from cshealth._scalars import DATE_TEXT, NAIVE, ScalarProblem, read_instant
from cshealth._slopes import SlopeFit, theil_kendall
from cshealth._stats import ConfidenceInterval
from cshealth._time import as_instant, to_datetime
from cshealth._types import BoolArray, FloatArray, IdArray, InstantArray, IntArray, ObjectArray
from cshealth.io._read import (
    column_array,
    column_length,
    raw_columns,
    read_columns,
    read_ids,
    same_kind,
)
from cshealth.models import Record
from cshealth.models._base import Identifier, Instant
from cshealth.scoring._bands import Band, Closure, assign_bands, band_labels
from cshealth.scoring._result import json_column

__all__ = ["ScoreSnapshot", "ScoreTrend", "ScoresLike", "trend"]

_COLUMNS = ("account_id", "as_of", "score")
_CARD_FIELDS = ("bands", "closure", "hysteresis")
_DAY_US = 86_400_000_000
#: Changes are compared with the dead band with this tolerance (points), so that a move of
#: exactly the dead band in decimal (75.3 - 70.3) counts as within it.
_TOLERANCE = 1e-9


class _Problem(NamedTuple):
    """Why an ``as_of`` value was refused."""

    code: str
    message: str


_MISSING = _Problem("missing", "required value is missing")
_NOT_AS_OF = _Problem(
    "date_or_instant",
    "expected a date or an aware datetime, e.g. '2025-06-01' or '2025-06-01T09:00:00Z'",
)
_NAIVE_AS_OF = _Problem(
    "naive_datetime",
    "timestamp has no time zone: give an offset, e.g. '2025-06-01T09:00:00Z' (in Python, "
    "tzinfo=timezone.utc), or a date; numpy datetime64 values are read as UTC",
)


class ScoreSnapshot(Record):
    """One account's health score at one point in time: a row of a score history.

    `trend` reads its columns from tables of these rows; ``as_of`` may also be a date
    there (the start of that day, UTC).

    Examples:
        >>> from datetime import datetime, timezone
        >>> ScoreSnapshot(
        ...     account_id="A-1", as_of=datetime(2025, 6, 1, tzinfo=timezone.utc), score=72
        ... ).score
        72.0
    """

    key_fields: ClassVar[tuple[str, ...]] = ("account_id", "as_of")
    table_name: ClassVar[str] = "score_snapshots"

    account_id: Identifier
    """The account scored."""
    as_of: Instant
    """The instant the score was taken at."""
    score: float | None = Field(default=None, ge=0, le=100)
    """The health score, 0..100; ``None`` when there was too little data to score."""


@runtime_checkable
class ScoresLike(Protocol):
    """A score result of one date, as `trend` reads it (the engine's ``HealthScores``)."""

    @property
    def account_ids(self) -> IdArray:
        """The accounts scored (``object`` array of ``str``)."""

    @property
    def score(self) -> FloatArray:
        """Each account's score, 0..100, NaN where there was too little data."""

    @property
    def as_of(self) -> np.datetime64 | None:
        """The instant the scores were taken at (``datetime64[us]``, UTC)."""


class _Snapshots(NamedTuple):
    """A history as three aligned columns."""

    ids: IdArray
    instants: InstantArray
    scores: FloatArray


@dataclass(frozen=True, eq=False, repr=False)
class ScoreTrend(AccountResult):
    """Each account's latest score move, its slope over the history, and its band.

    Arrays are aligned with `account_ids` (ascending: every account in the history) and
    read-only; NaN marks an undefined number, ``None`` an undefined label. ``len()``
    counts the accounts, `row` finds one, and `to_pandas` gives one row per account (the
    columns of `to_records`, with ``account_ids`` first).

    Attributes:
        account_ids: The accounts (``object`` array, ascending).
        snapshots: The distinct snapshot instants of the history (``datetime64[us]``, UTC,
            ascending).
        as_of: The latest snapshot (an aware UTC datetime); ``None`` for an empty history.
        n_points: Snapshots at which the account has a score.
        current: The score at the latest snapshot (NaN when the account has none there).
        previous: The score at the snapshot before it (NaN likewise, or with one snapshot).
        change: ``current - previous``.
        direction: ``'up'``, ``'down'``, or ``'same'`` when ``|change| <= dead_band``;
            ``None`` when `change` is NaN.
        slope: Theil–Sen slope of the account's scores, in points per day (``x`` is days
            since the first snapshot); NaN with fewer than two scored snapshots. Its
            interval is `slope_confidence_interval`.
        tau: Kendall's tau-b between the scores and time; NaN when all scores are equal
            or fewer than two are present.
        pvalue: Two-sided p-value of Kendall's test of no monotonic trend.
        trend: ``'falling'`` or ``'rising'`` when ``pvalue < 1 - confidence_level`` and the
            slope has that sign, ``'flat'`` otherwise; ``None`` with fewer than
            `min_points` scored snapshots.
        band: The band label at the latest snapshot after hysteresis (``None`` without a
            score there); ``None`` as a whole when no bands were given.
        raw_band: The band of `current` itself, without hysteresis.
        band_changed: Whether the band (after hysteresis) at the latest snapshot differs
            from the band at the snapshot before; ``False`` when either is unknown.
        dead_band: Largest ``|change|``, in points, that counts as ``'same'``.
        min_points: Scored snapshots needed before a trend is called.
        confidence_level: Coverage of the slope interval; ``1 - confidence_level`` is the
            significance level of the trend test.
        hysteresis: Points a score must move beyond its band before the band changes.
        bands: The bands (empty when none were given).
        closure: Which end of each band's interval is inside it.

    Examples:
        >>> history = {
        ...     "account_id": ["A", "A", "B", "B"],
        ...     "as_of": ["2025-05-01", "2025-06-01"] * 2,
        ...     "score": [70, 62, 50, 53],
        ... }
        >>> trend(history)
        ScoreTrend(2 accounts, 2 snapshots to 2025-06-01: 0 up, 1 down, 1 same;
        0 falling, 0 rising)
    """

    account_ids: IdArray
    snapshots: InstantArray
    as_of: datetime | None
    n_points: IntArray
    current: FloatArray
    previous: FloatArray
    change: FloatArray
    direction: ObjectArray
    slope: FloatArray
    _slope_low: FloatArray
    _slope_high: FloatArray
    tau: FloatArray
    pvalue: FloatArray
    trend: ObjectArray
    band: ObjectArray | None
    raw_band: ObjectArray | None
    band_changed: BoolArray | None
    dead_band: float
    min_points: int
    confidence_level: float
    hysteresis: float
    bands: tuple[Band, ...]
    closure: Closure

    def slope_confidence_interval(self) -> ConfidenceInterval[FloatArray]:
        """Sen's (1968) interval of each account's `slope`, at `confidence_level`.

        The bounds of `scipy.stats.theilslopes`, in points per day, aligned with
        `account_ids`; NaN where the slope is.

        Examples:
            >>> history = {
            ...     "account_id": ["A"] * 4,
            ...     "as_of": ["2025-01-01", "2025-01-11", "2025-01-21", "2025-01-31"],
            ...     "score": [80, 78, 71, 69],
            ... }
            >>> result = trend(history, confidence_level=0.5)
            >>> result.slope.round(2).tolist()
            [-0.41]
            >>> low, high = result.slope_confidence_interval()  # theilslopes(..., alpha=0.5)
            >>> low.round(2).tolist(), high.round(2).tolist()
            ([-0.45], [-0.2])
        """
        return ConfidenceInterval(self._slope_low, self._slope_high)

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        """The row columns: per account, as in `to_records` (without bands when none)."""
        low, high = self.slope_confidence_interval()
        columns: dict[str, NDArray[np.generic] | None] = {
            "account_ids": self.account_ids,
            "n_points": self.n_points,
            "current": self.current,
            "previous": self.previous,
            "change": self.change,
            "direction": self.direction,
            "slope": self.slope,
            "slope_low": low,
            "slope_high": high,
            "tau": self.tau,
            "pvalue": self.pvalue,
            "trend": self.trend,
            "band": self.band,
            "raw_band": self.raw_band,
            "band_changed": self.band_changed,
        }
        return {name: column for name, column in columns.items() if column is not None}

    def __repr__(self) -> str:
        accounts = f"{len(self)} account{'' if len(self) == 1 else 's'}"
        n = len(self.snapshots)
        head = f"ScoreTrend({accounts}, {n} snapshot{'' if n == 1 else 's'}"
        if self.as_of is None:
            return head + ")"
        moves = ", ".join(f"{_count(self.direction, word)} {word}" for word in ("up", "down"))
        calls = ", ".join(f"{_count(self.trend, w)} {w}" for w in ("falling", "rising"))
        text = (
            f"{head} to {self.as_of.date()}: {moves}, {_count(self.direction, 'same')} same; "
            f"{calls}"
        )
        if self.band_changed is not None:
            text += f"; {int(self.band_changed.sum())} changed band"
        return text + ")"

    def to_records(self) -> list[dict[str, object]]:
        """One JSON-ready dict per account (NaN as ``None``), in `account_ids` order.

        Examples:
            >>> history = {"account_id": ["A", "A"], "as_of": ["2025-05-01", "2025-06-01"]}
            >>> trend({**history, "score": [40, 47]}).to_records()[0]["direction"]
            'up'
        """
        columns = {
            "account_id" if name == "account_ids" else name: json_column(values)
            for name, values in self._columns().items()
        }
        return [dict(zip(columns, row)) for row in zip(*columns.values())]

    def to_dict(self) -> dict[str, object]:
        """Every field as strict JSON (`Result.to_dict`), and the slope's interval.

        The interval is ``"slope_confidence_interval": {"low": [...], "high": [...]}``.

        Examples:
            >>> history = {"account_id": ["A", "A"], "as_of": ["2025-05-01", "2025-06-01"]}
            >>> data = trend({**history, "score": [40, 47]}).to_dict()
            >>> data["change"], data["slope_confidence_interval"]
            ([7.0], {'low': [0.225...], 'high': [0.225...]})
        """
        interval = self.slope_confidence_interval()
        return {**super().to_dict(), "slope_confidence_interval": jsonable(interval._asdict())}


def _count(labels: ObjectArray, word: str) -> int:
    return int(np.sum(labels == word))


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


# --- reading the history ---------------------------------------------------------------------


def _read_history(history: object) -> _Snapshots:
    """The history as columns of account ids (text), instants and scores."""
    if isinstance(history, Mapping) or (
        hasattr(history, "columns") and hasattr(history, "__getitem__")
    ):
        return _from_columns(raw_columns(history, ScoreSnapshot))
    if isinstance(history, Iterable) and not isinstance(history, (str, bytes, np.ndarray)):
        items = list(history)
        if all(isinstance(item, ScoresLike) for item in items):
            return _from_results(cast("list[ScoresLike]", items))
        if all(isinstance(item, Mapping) for item in items):
            rows = cast("list[Mapping[str, object]]", items)
            present = [name for name in _COLUMNS if any(name in row for row in rows)]
            return _from_columns({name: [row.get(name) for row in rows] for name in present})
        if all(isinstance(item, ScoreSnapshot) for item in items):
            return _from_columns(raw_columns(items, ScoreSnapshot))
    msg = (
        "`history` must be score results (with `account_ids`, `score` and `as_of`), or "
        "rows with `account_id`, `as_of` and `score`: a mapping of columns, a data frame, "
        f"per-row mappings or ScoreSnapshot records; got {type(history).__name__}"
    )
    raise InvalidInputError(msg)


def _from_results(results: list[ScoresLike]) -> _Snapshots:
    ids: list[IdArray] = []
    instants: list[InstantArray] = []
    scores: list[FloatArray] = []
    for position, result in enumerate(results):
        where = f"history[{position}]"
        accounts = read_ids(result.account_ids, name=f"{where}.account_ids")
        values = np.asarray(result.score, dtype=np.float64)
        if accounts.ndim != 1 or accounts.shape != values.shape:
            msg = (
                f"{where}: `account_ids` and `score` must be 1-D and of one length, got "
                f"shapes {accounts.shape} and {values.shape}"
            )
            raise InvalidInputError(msg)
        bad = np.flatnonzero(~np.isnan(values) & ~((values >= 0) & (values <= 100)))
        if len(bad):
            msg = (
                f"{where}: `score` of account {accounts[bad[0]]!r} is {float(values[bad[0]])!r}; "
                "scores are 0..100, NaN when missing"
            )
            raise InvalidInputError(msg)
        instant = _result_instant(result.as_of, where)
        ids.append(accounts)
        instants.append(np.full(len(accounts), instant, dtype="datetime64[us]"))
        scores.append(values)
    if not results:
        return _Snapshots(
            np.empty(0, dtype=object), np.empty(0, "datetime64[us]"), np.empty(0, np.float64)
        )
    same_kind(*((f"history[{position}]", part) for position, part in enumerate(ids)))
    return _Snapshots(np.concatenate(ids), np.concatenate(instants), np.concatenate(scores))


def _result_instant(value: object, where: str) -> np.datetime64:
    if isinstance(value, np.datetime64) and not np.isnat(value):
        instant: np.datetime64 = value.astype("datetime64[us]")
        return instant
    if value is None or isinstance(value, np.datetime64):
        msg = (
            f"{where}.as_of is {iso(value)}: a score result in a history needs the instant "
            "it was taken at (score(..., as_of=...))"
        )
        raise InvalidInputError(msg)
    return as_instant(value, f"{where}.as_of")


def _from_columns(raw: dict[str, object]) -> _Snapshots:
    missing = [name for name in _COLUMNS if name not in raw]
    if missing:
        msg = f"a score history needs the columns {missing}; got {sorted(raw)}"
        raise InvalidInputError(msg)
    lengths = {name: column_length(name, raw[name]) for name in _COLUMNS}
    if len(set(lengths.values())) > 1:
        msg = f"columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    instants, errors = _instant_column(raw["as_of"])
    try:
        table = read_columns(raw, ScoreSnapshot, need=["account_id", "score"])
    except InvalidInputError as exc:
        errors = [*exc.errors, *errors]
    else:
        if not errors:
            ids = table["account_id"]
            return _Snapshots(ids, instants, cast("FloatArray", table["score"]))
    errors.sort(key=lambda error: error.row)
    bad_rows = len({error.row for error in errors})
    msg = f"{bad_rows} of {lengths['as_of']} score history rows are invalid"
    raise InvalidInputError(msg, tuple(errors))


def _instant_column(values: object) -> tuple[InstantArray, list[RecordError]]:
    """``as_of`` as UTC instants, each distinct value read once, and the bad cells."""
    array = column_array(values)
    if array.dtype.kind == "M":  # numpy datetime64: read as UTC
        instants = array.astype("datetime64[us]")
        return instants, _row_errors(array, np.isnat(instants), _MISSING)
    try:
        codes, k = id_codes(array)
    except InvalidInputError:
        types = sorted({type(v).__name__ for v in array.tolist()})
        msg = f"`as_of` must hold dates, aware datetimes or ISO text, got values of {types}"
        raise InvalidInputError(msg) from None
    representative = np.zeros(k, dtype=np.int64)
    representative[codes[codes >= 0]] = np.flatnonzero(codes >= 0)
    parsed = [_as_of_value(value) for value in array[representative].tolist()]
    micros = [value if isinstance(value, int) else 0 for value, _ in parsed]
    instants = np.array([*micros, 0], dtype=np.int64)[codes].view("datetime64[us]")
    errors = _row_errors(array, codes < 0, _MISSING)  # code -1 read the trailing 0 above
    for code, (value, _) in enumerate(parsed):
        if isinstance(value, _Problem):
            errors += _row_errors(array, codes == code, value)
    kinds = {kind: code for code, (_, kind) in enumerate(parsed) if kind}
    if not errors and len(kinds) > 1:
        day, moment = (array[representative[kinds[kind]]] for kind in ("date", "instant"))
        msg = (
            f"`as_of` mixes dates ({iso(day)}) and datetimes ({iso(moment)}); give every "
            "snapshot as a date, or every one as an aware datetime"
        )
        raise InvalidInputError(msg)
    return instants, errors


def _as_of_value(value: object) -> tuple[int | _Problem, str]:
    """One distinct ``as_of`` as microseconds since the epoch and its kind, or its problem."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return _MISSING, ""
        if not DATE_TEXT.fullmatch(text):
            value = read_instant(text)
        else:
            try:
                value = date.fromisoformat(text)
            except ValueError:
                return _NOT_AS_OF, ""
    if isinstance(value, np.datetime64):
        return int(value.astype("datetime64[us]").astype(np.int64)), "instant"
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return _NAIVE_AS_OF, ""
        return int(as_instant(value).astype(np.int64)), "instant"
    if isinstance(value, date):
        return int(as_instant(value).astype(np.int64)), "date"
    if isinstance(value, ScalarProblem) and value == NAIVE:
        return _NAIVE_AS_OF, ""
    return _NOT_AS_OF, ""


def _row_errors(
    array: NDArray[np.generic], rows: BoolArray, problem: _Problem
) -> list[RecordError]:
    missing = problem.code == "missing"
    return [
        RecordError(
            row=row + 1,
            field="as_of",
            value=None if missing else array[row],
            message=problem.message,
            code=problem.code,
        )
        for row in np.flatnonzero(rows).tolist()
    ]


# --- the (accounts, snapshots) matrix --------------------------------------------------------


def _matrix(snaps: _Snapshots) -> tuple[IdArray, InstantArray, FloatArray]:
    """Sorted account ids, sorted snapshot instants, and the score of each pair (or NaN)."""
    codes, k = id_codes(snaps.ids)
    representative = np.zeros(k, dtype=np.int64)
    representative[codes] = np.arange(len(codes))
    distinct = snaps.ids[representative]
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    snapshots, column = np.unique(snaps.instants, return_inverse=True)
    account_ids = distinct[order]
    key = rank[codes] * len(snapshots) + column.reshape(-1)
    keys, counts = np.unique(key, return_counts=True)
    if len(keys) < len(key):
        _duplicates(keys[counts > 1], account_ids, snapshots)
    matrix = np.full((k, len(snapshots)), np.nan)
    matrix.reshape(-1)[key] = snaps.scores
    return account_ids, snapshots, matrix


def _duplicates(keys: IntArray, account_ids: IdArray, snapshots: InstantArray) -> None:
    shown = ", ".join(
        f"({account_ids[key // len(snapshots)]!r}, "
        f"{to_datetime(snapshots[key % len(snapshots)]).isoformat()})"
        for key in keys[:5].tolist()
    )
    more = f" and {len(keys) - 5} more" if len(keys) > 5 else ""
    msg = (
        f"`history` has {len(keys)} duplicate (account_id, as_of) pairs: {shown}{more}; "
        "give each account at most one score per snapshot"
    )
    raise InvalidInputError(msg)
