"""`evaluate`: how well a health score ranked the churn that followed, pooled and per date.

The metrics rest on one sort of the scores: their distinct values (levels) and the
churners and renewers at each (`cshealth.backtest._ranking`). The pooled and the per-date
metrics share those levels, and the bootstrap draws accounts (every observation of an
account drawn comes along: `cshealth.backtest._bootstrap`). On one date each account is
observed once, so its bootstrap is the plain one, drawn as multinomial counts of the
(level, outcome) cells.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol, cast, overload

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import one_of, real_number, whole_number
from cshealth._codes import first_seen_codes
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._grouped import Grouped
from cshealth._grouping import (
    BY_ACCOUNT,
    By,
    Groups,
    check_by,
    column_labels,
    group_codes,
    mapping_labels,
)
from cshealth._stats import check_confidence_level
from cshealth._types import BoolArray, DateArray, FloatArray, IntArray
from cshealth.backtest._evaluation import Evaluation
from cshealth.backtest._lift import LIFT_FRACTIONS
from cshealth.backtest._metrics import Metrics
from cshealth.backtest._panel_columns import PanelColumns, as_panel_columns
from cshealth.backtest._ranking import (
    levels,
)
from cshealth.backtest._scope import Interval, Options, Scored, scope_metrics
from cshealth.io._read import named_columns

__all__ = ["MIN_EVENTS", "Interval", "PanelColumns", "Predicts", "as_panel_columns", "evaluate"]

#: Below this many churners (or renewers) pooled, a `SmallSampleWarning` is issued.
MIN_EVENTS = 10
#: The most bootstrap replicates asked for.
MAX_RESAMPLES = 100_000


class Predicts(Protocol):
    """A calibration: maps scores to probabilities of churn (`Calibration`)."""

    def predict(self, scores: ArrayLike) -> FloatArray:
        """The probability of churn for each score (NaN for NaN)."""


@overload
def evaluate(
    panel: object,
    *,
    by: None = None,
    calibration: Predicts | None = None,
    n_resamples: int = 1000,
    seed: int | np.random.Generator | None = None,
    interval: Interval = "bootstrap",
    confidence_level: float = 0.95,
    fractions: Sequence[float] = LIFT_FRACTIONS,
) -> Evaluation: ...
@overload
def evaluate(
    panel: object,
    *,
    by: By,
    calibration: Predicts | None = None,
    n_resamples: int = 1000,
    seed: int | np.random.Generator | None = None,
    interval: Interval = "bootstrap",
    confidence_level: float = 0.95,
    fractions: Sequence[float] = LIFT_FRACTIONS,
) -> Grouped[Evaluation]: ...
def evaluate(
    panel: object,
    *,
    by: By | None = None,
    calibration: Predicts | None = None,
    n_resamples: int = 1000,
    seed: int | np.random.Generator | None = None,
    interval: Interval = "bootstrap",
    confidence_level: float = 0.95,
    fractions: Sequence[float] = LIFT_FRACTIONS,
) -> Evaluation | Grouped[Evaluation]:
    """Judge a health score against the churn that followed: pooled and per date.

    Args:
        panel: A `Panel`, or plain columns (a mapping, data frame or list of rows) with
            ``account_id``, ``score`` and ``churned``, and optionally ``as_of``, ``band``
            and ``mrr`` (see `as_panel_columns`). Unscored observations (NaN) are left
            out and counted.
        by: Group the observations: a mapping from account id to group, or (plain
            columns only) the name of a column. Each group is evaluated on its own.
        calibration: A `Calibration` (anything with ``predict(scores)`` giving
            probabilities): adds the Brier score, its skill, the calibration in the large,
            intercept and slope and a reliability table by band (`ProbabilityMetrics`).
        n_resamples: Bootstrap replicates, 1 to 100,000 (for ``interval='bootstrap'``).
        seed: A seed or a `numpy.random.Generator`: the same seed gives the same
            intervals.
        interval: ``{'bootstrap', 'delong'}``. ``bootstrap`` (the default) resamples
            accounts, all the observations of an account together, and gives percentile
            intervals for the AUC, the average precision and the lifts. ``delong`` gives
            DeLong's interval for the AUC alone, clustered by account (Obuchowski 1997)
            when an account is observed more than once; no random draws.
        confidence_level: The intervals' coverage, strictly between 0 and 1.
        fractions: The shares of the lowest scores to take the lift of, each in ``(0, 1]``.

    Returns:
        An `Evaluation`: ``overall`` (every observation pooled) and ``dates`` (one
        `Metrics` per observation date). With ``by``, a `Grouped` of one per group.
        A statistic that one set of observations cannot give (the AUC without churners
        or without renewers, a lift without churners) is NaN, with the reason in that
        `Metrics`' ``undefined``.

    Raises:
        InvalidInputError: On bad data (`as_panel_columns`), a bad option (an unknown
            ``interval``, ``n_resamples`` out of range, a fraction outside ``(0, 1]``),
            a ``calibration`` without ``predict``, or a bad ``by``.

    Warns:
        SmallSampleWarning: With fewer than 10 churners (or renewers) pooled: every
            interval is wide and rests on few events.

    Notes:
        The AUC is ``Σₗ posₗ (negₗ₊ + negₗ/2) / (P·N)`` over the score's levels (``negₗ₊``
        the renewers above level ``l``): ``roc_auc_score(churned, -score)``. The lift of
        the lowest fraction ``f`` takes a tied block at the cut pro rata (`lift`). The
        percentile interval takes the ``α/2`` and ``1 − α/2`` quantiles of the replicates
        that define the statistic (NaN when fewer than half do). DeLong's interval is
        ``AUC ± z·SE`` clipped to ``[0, 1]``.

    Examples:
        Forty accounts observed on two dates; low scores churn more:

        >>> rows = {
        ...     "account_id": list(range(40)) * 2,
        ...     "as_of": ["2025-01-31"] * 40 + ["2025-02-28"] * 40,
        ...     "score": [10, 30, 50, 70, 90] * 16,
        ...     "churned": ([1, 1, 0, 0, 0] + [1, 0, 0, 0, 0] + [0] * 5 + [0, 0, 0, 0, 0]) * 4,
        ... }
        >>> ev = evaluate(rows, seed=1)
        >>> round(ev.auc, 3), len(ev)
        (0.892, 2)
        >>> low, high = ev.auc_interval
        >>> low < ev.auc < high
        True
        >>> ev.overall.lift.round(2).tolist()  # lowest 5%, 10%, 20%
        [3.33, 3.33, 3.33]
    """
    opts = _options(interval, n_resamples, seed, confidence_level, fractions)
    if calibration is not None and not callable(getattr(calibration, "predict", None)):
        msg = (
            "`calibration` must be a Calibration (from `backtest.calibrate`) or anything "
            f"with a `predict(scores)` method, got {type(calibration).__name__}"
        )
        raise InvalidInputError(msg)
    columns = as_panel_columns(panel)
    groups = None if by is None else _groups(panel, columns, by)
    scored, keep = _scored(columns, calibration)
    whole = _evaluation(columns, scored, keep, opts)
    _warn_small(whole.overall)
    if groups is None:
        return whole

    def each(rows: IntArray) -> Evaluation:
        mask = np.zeros(len(columns), dtype=bool)
        mask[rows] = True
        return _evaluation(columns.take(mask), scored.take(mask[keep]), keep[mask], opts)

    return groups.apply(whole, each)


def _options(
    interval: object,
    n_resamples: object,
    seed: object,
    confidence_level: float,
    fractions: Sequence[float],
) -> Options:
    method = cast("Interval", one_of(interval, Interval, "interval"))
    count = whole_number(n_resamples, "n_resamples", low=1, high=MAX_RESAMPLES)
    level = check_confidence_level(confidence_level)
    negative = isinstance(seed, (int, np.integer)) and seed < 0
    if (
        negative
        or isinstance(seed, (bool, np.bool_))
        or not (seed is None or isinstance(seed, (int, np.integer, np.random.Generator)))
    ):
        msg = f"`seed` must be a whole number >= 0, a numpy Generator or None, got {seed!r:.60}"
        raise InvalidInputError(msg)
    if isinstance(fractions, (str, bytes)) or not isinstance(fractions, Sequence):
        msg = f"`fractions` must be a sequence of shares in (0, 1], got {fractions!r:.60}"
        raise InvalidInputError(msg)
    shares = [real_number(f, "fractions", low=0.0, high=1.0, open_low=True) for f in fractions]
    if not shares:
        msg = "`fractions` must hold at least one share in (0, 1], e.g. (0.1,)"
        raise InvalidInputError(msg)
    rng = np.random.default_rng(cast("int | np.random.Generator | None", seed))
    return Options(np.array(shares), method, count, level, rng)


def _scored(columns: PanelColumns, calibration: Predicts | None) -> tuple[Scored, BoolArray]:
    """The scored observations of the whole data, and where they are."""
    keep = ~np.isnan(columns.score)
    lv = levels(columns.score[keep])
    accounts, _ = first_seen_codes(columns.account_ids[keep])  # not hash order: seeds repeat
    p = None
    if calibration is not None:
        p = np.asarray(calibration.predict(columns.score[keep]), dtype=np.float64)
        if p.shape != (int(keep.sum()),):
            msg = f"`calibration.predict` gave shape {p.shape} for {int(keep.sum())} scores"
            raise InvalidInputError(msg)
    scored = Scored(
        lv.values,
        lv.codes,
        columns.churned[keep],
        accounts,
        columns.mrr[keep],
        columns.band_positions()[keep],
        columns.bands,
        p,
    )
    return scored, keep


def _evaluation(
    columns: PanelColumns, scored: Scored, keep: BoolArray, opts: Options
) -> Evaluation:
    unscored = int((~keep).sum())
    overall = scope_metrics(scored, None, unscored, opts)
    dates: list[Metrics] = []
    if columns.as_of is not None:
        days = columns.as_of[keep]
        missing = columns.as_of[~keep]
        for day in _distinct_days(columns.as_of):
            rows = days == day
            skipped = int((missing == day).sum())
            dates.append(scope_metrics(scored.take(rows), cast("date", day.item()), skipped, opts))
    return Evaluation(overall, tuple(dates), columns.horizon_days, columns.config_hash)


def _distinct_days(as_of: DateArray) -> list[np.datetime64]:
    """The distinct dates, ascending (few: counted, not sorted)."""
    if not len(as_of):
        return []
    days = as_of.astype(np.int64)
    first = int(days.min())
    seen = np.flatnonzero(np.bincount(days - first)) + first
    return [np.datetime64(int(day), "D") for day in seen.tolist()]


def _warn_small(overall: Metrics) -> None:
    renewers = overall.n - overall.events
    if overall.n and min(overall.events, renewers) < MIN_EVENTS:
        warnings.warn(
            f"evaluation of {overall.events} churners and {renewers} renewers (fewer than "
            f"{MIN_EVENTS} of one): the AUC, lifts and intervals rest on few events",
            SmallSampleWarning,
            stacklevel=3,
        )


def _groups(panel: object, columns: PanelColumns, by: object) -> Groups:
    """The group of each observation, from a column of plain data or a mapping of accounts."""
    check_by(by)
    if isinstance(by, Mapping):
        return group_codes(mapping_labels(by, columns.account_ids), BY_ACCOUNT)
    named = named_columns(panel)
    if named is None:
        msg = (
            f"`by` names a column ({by!r}), but a Panel has no columns to group by; give a "
            "mapping from account id to group"
        )
        raise InvalidInputError(msg)
    name = cast("str", by)
    return group_codes(column_labels(named, name, len(columns), noun="observations"), name)
