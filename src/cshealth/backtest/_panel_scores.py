"""The scores of each observation date of a `panel`, checked and lined up with its rows.

`score_source` reads the ``scores`` argument once: a mapping from date to
`cshealth.scoring.HealthScores` must hold every observation date, a function is called
with each date. `take_scores` gets one date's scores, refuses scores taken after the date
(they may know what happened after it) and lines them up with the date's rows: accounts
the scores lack keep a NaN score, and scores of accounts not given are counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._time import as_day, as_instant
from cshealth._types import FloatArray, IntArray, ObjectArray
from cshealth.backtest._panel_result import day_date
from cshealth.io._read import IdIndex
from cshealth.scoring import HealthScores

__all__ = ["DayScores", "Matcher", "ScoreSource", "score_source", "take_scores"]

#: The scores of a day (whole days since 1970-01-01), as the caller gave them.
ScoreSource = Callable[[int], object]


@dataclass(frozen=True)
class DayScores:
    """One date's scores, per row of the date.

    Attributes:
        score: The score (NaN where the account was not scored).
        band: The band label (``None`` where not scored).
        node_scores: Per node, its score.
        labels: The scores' band labels, worst (lowest) first.
        config_hash: The hash of the scorecard that produced them.
        ignored: Scores of accounts not among the accounts given.
    """

    score: FloatArray
    band: ObjectArray
    node_scores: dict[str, FloatArray]
    labels: tuple[str, ...]
    config_hash: str
    ignored: int


def score_source(scores: object, days: list[int]) -> ScoreSource:
    """The scores of each day, from a mapping holding every day or a function of the date.

    Raises:
        InvalidInputError: On a mapping lacking a day or naming one day twice, or
            ``scores`` that are neither a mapping nor a function.
    """
    if isinstance(scores, Mapping):
        by_day: dict[int, object] = {}
        for key, value in scores.items():
            day = as_day(key, "scores")
            if day in by_day:
                msg = f"`scores` gives {day_date(day)} twice (as {key!r}); give each date once"
                raise InvalidInputError(msg)
            by_day[day] = value
        missing = [day_date(d) for d in days if d not in by_day]
        if missing:
            msg = (
                f"`scores` has no scores of {', '.join(map(str, missing))}; give the "
                "HealthScores of every observation date, or a function of the date"
            )
            raise InvalidInputError(msg)
        return by_day.__getitem__
    if callable(scores):
        function = scores
        return lambda day: function(day_date(day))
    msg = (
        "`scores` must be a mapping from date to HealthScores or a function of the date "
        f"returning them, got {type(scores).__name__}; one HealthScores for every date would "
        "let early dates see later data"
    )
    raise InvalidInputError(msg)


class Matcher:
    """The accounts' ids prepared for lookups, and the last ids looked up with their answer.

    Scores of one set of accounts in one order on every date (the usual case) are looked
    up once: a later date whose ids equal the last ones reuses their positions.
    """

    def __init__(self, index: IdIndex) -> None:
        self.index = index
        self._last: tuple[np.ndarray, IntArray] | None = None

    def positions(self, ids: np.ndarray, name: str) -> IntArray:
        """The position of each of ``ids`` among the accounts (-1 where not one of them)."""
        last = self._last
        if last is not None and (ids is last[0] or _same(ids, last[0])):
            return last[1]
        found = self.index.positions(ids, name=name)
        self._last = (ids, found)
        return found


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))


def take_scores(source: ScoreSource, day: int, matcher: Matcher, rows: IntArray) -> DayScores:
    """The scores of ``day`` for the accounts at positions ``rows`` (among the accounts).

    Raises:
        InvalidInputError: On something other than `HealthScores`, scores taken after
            the date, ids of the other kind than the accounts', an account listed twice,
            or a band label not among the scores' bands.
    """
    when = day_date(day)
    scores = source(day)
    if not isinstance(scores, HealthScores):
        msg = f"the scores of {when} must be scoring.HealthScores, got {type(scores).__name__}"
        raise InvalidInputError(msg)
    _check_taken(scores, when)
    at = matcher.positions(scores.account_ids, f"the scores of {when}")
    found = np.flatnonzero(at >= 0)
    keys = matcher.index.keys
    n = len(keys)
    twice = np.flatnonzero(np.bincount(at[found], minlength=n) > 1)
    if len(twice):
        msg = (
            f"the scores of {when} list account {keys[twice[0]]!r} more than once; "
            "give one score per account"
        )
        raise InvalidInputError(msg)
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[at[found]] = found
    pick = row_of[rows]
    has = pick >= 0
    labels = tuple(band.label for band in scores.bands)
    _check_bands(scores.band, labels, when)
    return DayScores(
        score=_take(scores.score, pick, has, np.nan).astype(np.float64),
        band=_take(scores.band, pick, has, None),
        node_scores={
            name: _take(values, pick, has, np.nan).astype(np.float64)
            for name, values in scores.node_scores.items()
        },
        labels=labels,
        config_hash=scores.config_hash,
        ignored=len(at) - len(found),
    )


def _take(values: np.ndarray, pick: IntArray, has: np.ndarray, fill: object) -> np.ndarray:
    """``values`` at ``pick`` where ``has``, ``fill`` elsewhere."""
    kind = object if values.dtype.kind == "O" else np.float64
    out = np.empty(len(pick), dtype=kind)
    out.fill(fill)
    out[has] = values[pick[has]]
    return out


def _check_taken(scores: HealthScores, when: object) -> None:
    if scores.as_of is None:
        return
    taken = scores.as_of.astype("datetime64[us]")
    start = as_instant(when, "dates")
    if taken > start:
        msg = (
            f"the scores of {when} were taken at {taken}Z, after the start of that date "
            f"({start}Z): a look-ahead, they may know what happened after it; score each "
            "date as of that date (scoring.score(..., as_of=date))"
        )
        raise InvalidInputError(msg)


def _check_bands(band: ObjectArray, labels: tuple[str, ...], when: object) -> None:
    unknown = sorted(set(band.tolist()) - {None} - set(labels))
    if unknown:
        msg = (
            f"the scores of {when} hold band labels {unknown} that are not among their "
            f"bands {list(labels)}: score with scorecards that share one set of bands"
        )
        raise InvalidInputError(msg)
