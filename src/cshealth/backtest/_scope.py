"""The metrics of one set of observations (every date pooled, or one date): `scope_metrics`.

The scored observations are held once as `Scored`: the levels of the score (sorted once),
each observation's level, outcome, account, MRR, band and probability. A date's (or a
group's) observations are a `Scored.take` of them, sharing the levels: a level without
observations there changes no figure. Intervals come from the bootstrap clustered by
account (`cshealth.backtest._bootstrap`) or from DeLong's variance, clustered by account
when an account is observed more than once (`cshealth.backtest._ranking`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias

import numpy as np

from cshealth._exceptions import SmallSampleWarning
from cshealth._stats import ConfidenceInterval, z_critical
from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.backtest._band_rates import band_rates
from cshealth.backtest._bootstrap import percentile_interval, profiles, resample
from cshealth.backtest._lift import gains_table, lift_counts
from cshealth.backtest._metrics import Metrics
from cshealth.backtest._probability import ProbabilityMetrics, probability_metrics
from cshealth.backtest._ranking import (
    auc_counts,
    auc_variance,
    average_precision_counts,
    class_counts,
)
from cshealth.backtest._roc import roc_curve

__all__ = ["Interval", "Options", "Scored", "renumbered", "scope_metrics"]

#: How the AUC's interval is computed.
Interval: TypeAlias = Literal["bootstrap", "delong"]
_NAN = ConfidenceInterval(math.nan, math.nan)


@dataclass(frozen=True)
class Options:
    """The options of an evaluation, checked."""

    fractions: FloatArray
    interval: Interval
    n_resamples: int
    level: float
    rng: np.random.Generator


@dataclass(frozen=True)
class Scored:
    """The scored observations: levels, outcomes, accounts, MRR, bands, probabilities."""

    values: FloatArray  # the levels' scores, ascending
    codes: IntArray
    churned: BoolArray
    accounts: IntArray
    mrr: FloatArray
    band: IntArray  # the position in ``bands``; -1 without a band
    bands: tuple[str, ...]
    p: FloatArray | None

    def take(self, rows: IntArray | BoolArray) -> Scored:
        """The observations at ``rows`` (a mask or positions), sharing the levels."""
        return Scored(
            self.values,
            self.codes[rows],
            self.churned[rows],
            self.accounts[rows],
            self.mrr[rows],
            self.band[rows],
            self.bands,
            None if self.p is None else self.p[rows],
        )


def scope_metrics(s: Scored, as_of: date | None, unscored: int, opts: Options) -> Metrics:
    k = len(s.values)
    pos, neg = class_counts(s.codes, s.churned, k)
    n, events = len(s.codes), int(s.churned.sum())
    undefined = _undefined(n, events)
    known = ~np.isnan(s.mrr)
    mrr = class_counts(s.codes[known], s.churned[known], k, s.mrr[known])
    mrr_pair = (mrr[0] + mrr[1], mrr[0])
    mrr_lift = lift_counts(mrr_pair[0], mrr_pair[1], opts.fractions)
    if events and not np.isfinite(mrr_lift).all():
        undefined["mrr_lift"] = "no MRR known for the churners" if known.any() else "no MRR"
    auc = float(auc_counts(pos, neg))
    ap = float(average_precision_counts(pos, neg))
    lifts = lift_counts(pos + neg, pos, opts.fractions)
    intervals, method = _intervals(s, opts, bool(n and events and n - events))
    return Metrics(
        as_of=as_of,
        n=n,
        events=events,
        unscored=unscored,
        base_rate=events / n if n else math.nan,
        auc=auc,
        auc_interval=intervals[0],
        average_precision=ap,
        average_precision_interval=intervals[1],
        fractions=tuple(opts.fractions.tolist()),
        lift=lifts,
        lift_interval=intervals[2],
        mrr_lift=mrr_lift,
        mrr_known=int(known.sum()),
        gains=gains_table(s.values, (pos + neg, pos), mrr_pair if known.any() else None),
        roc=roc_curve(s.values, pos, neg),
        bands=band_rates(s.band, s.churned, s.bands, confidence_level=opts.level)
        if s.bands
        else None,
        probability=_probability(s, opts.level),
        method=method,
        confidence_level=opts.level,
        n_resamples=opts.n_resamples if opts.interval == "bootstrap" else None,
        undefined=undefined,
    )


def _undefined(n: int, events: int) -> dict[str, str]:
    if not n:
        reason = "no scored observations"
        return dict.fromkeys(("auc", "average_precision", "lift", "mrr_lift"), reason)
    if not events:
        reason = "no churners: nothing to rank"
        return dict.fromkeys(("auc", "average_precision", "lift", "mrr_lift"), reason)
    if events == n:
        return {"auc": "no renewers: every observation churned"}
    return {}


_Intervals: TypeAlias = tuple[
    ConfidenceInterval, ConfidenceInterval, "ConfidenceInterval[FloatArray]"
]


def _intervals(s: Scored, opts: Options, both: bool) -> tuple[_Intervals, str]:
    """The intervals of the AUC, the average precision and the lifts, and the method."""
    nan_lifts = ConfidenceInterval(
        np.full(len(opts.fractions), np.nan), np.full(len(opts.fractions), np.nan)
    )
    clusters = renumbered(s.accounts)
    repeated = bool(len(clusters)) and int(np.bincount(clusters).max()) > 1
    if opts.interval == "delong":
        method = "DeLong clustered by account (Obuchowski)" if repeated else "DeLong"
        if not both:
            return (_NAN, _NAN, nan_lifts), method
        variance = auc_variance(
            s.codes, s.churned, len(s.values), clusters=clusters if repeated else None
        )
        auc = float(auc_counts(*class_counts(s.codes, s.churned, len(s.values))))
        half = z_critical(opts.level) * math.sqrt(variance) if variance >= 0 else math.nan
        delong = ConfidenceInterval(max(0.0, auc - half), min(1.0, auc + half))
        return (delong, _NAN, nan_lifts), method
    method = "bootstrap clustered by account" if repeated else "bootstrap"
    if not len(s.codes) or not s.churned.any():
        return (_NAN, _NAN, nan_lifts), method
    cells = 2 * s.codes + s.churned
    prof = profiles(cells, 2 * len(s.values), clusters)
    reps = resample(prof, _statistic(opts.fractions), n_resamples=opts.n_resamples, rng=opts.rng)
    low, high = percentile_interval(reps, opts.level)
    auc_ci = ConfidenceInterval(float(low[0]), float(high[0])) if both else _NAN
    return (
        auc_ci,
        ConfidenceInterval(float(low[1]), float(high[1])),
        ConfidenceInterval(low[2:], high[2:]),
    ), method


def renumbered(codes: IntArray) -> IntArray:
    """Codes ``0..k-1`` for the codes used (the accounts of a date or of a group)."""
    if not len(codes):
        return codes
    used = np.zeros(int(codes.max()) + 1, dtype=bool)
    used[codes] = True
    numbering = np.cumsum(used) - 1
    out: IntArray = numbering[codes].astype(np.int64)
    return out


def _statistic(fractions: FloatArray) -> Callable[[FloatArray], FloatArray]:
    """The replicate statistics from cell counts: AUC, average precision, lifts."""

    def statistic(cells: FloatArray) -> FloatArray:
        neg, pos = cells[:, 0::2], cells[:, 1::2]
        return np.column_stack(
            (
                auc_counts(pos, neg),
                average_precision_counts(pos, neg),
                lift_counts(pos + neg, pos, fractions),
            )
        )

    return statistic


def _probability(s: Scored, level: float) -> ProbabilityMetrics | None:
    if s.p is None:
        return None
    groups = np.array([*s.bands, None], dtype=object)[s.band] if s.bands else None
    with warnings.catch_warnings():  # `evaluate` warns once, of the pooled events
        warnings.simplefilter("ignore", SmallSampleWarning)
        return probability_metrics(s.p, s.churned, groups=groups, confidence_level=level)
