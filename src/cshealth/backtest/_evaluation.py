"""The results of `evaluate`: the metrics of one set of observations, and per date.

`Metrics` holds what one set of observations says of a score (every observation pooled,
or those of one date): its size, AUC with an interval, average precision, tie-aware lift
(by count and by MRR), the gains table, churn per band and, given a calibration, the
probability metrics. `Evaluation` holds the pooled `Metrics` and one per observation
date; its rows (``len()``, ``to_pandas()``) are the dates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, RowsResult
from cshealth._stats import ConfidenceInterval
from cshealth._text import align_columns
from cshealth._types import FloatArray
from cshealth.backtest._band_rates import BandRates
from cshealth.backtest._lift import Gains
from cshealth.backtest._probability import ProbabilityMetrics

__all__ = ["Evaluation", "Metrics"]


@dataclass(frozen=True, eq=False, repr=False)
class Metrics(Result):
    """How well a score ranked churn in one set of observations (pooled, or one date).

    Attributes:
        as_of: The observation date (``None``: every date pooled).
        n: The scored observations (the metrics' sample).
        events: How many of them churned.
        unscored: Observations left out for a NaN score.
        base_rate: ``events / n``.
        auc: The probability that a churner scored lower than a renewer (ties count one
            half): ``roc_auc_score(churned, -score)``. 0.5 is chance, 1 perfect.
        auc_interval: Its interval (``method``; NaN bounds when undefined).
        average_precision: The average precision of the lowest scores first (tied blocks
            at once); compare it with ``base_rate``, its value for a random score.
        average_precision_interval: Its bootstrap interval (NaN with DeLong).
        fractions: The shares of the observations the lifts are taken at.
        lift: The tie-aware lift of the lowest ``fractions`` of the scores.
        lift_interval: Their bootstrap intervals (NaN with DeLong).
        mrr_lift: The MRR-weighted lift at each fraction: the share of the churned MRR
            held by the lowest-scored accounts holding that share of the MRR, over the
            share (observations with a known MRR only).
        mrr_known: The scored observations with a known MRR.
        gains: The gains table (5% to 100%), by count and by MRR.
        bands: Churn per band, worst first, with the trend test and the bottom band's
            precision and recall (``None`` without bands).
        probability: Brier score, skill and calibration of the calibrated probabilities
            (``None`` without a calibration).
        method: How the intervals were computed: ``'bootstrap clustered by account'``,
            ``'DeLong'`` or ``'DeLong clustered by account (Obuchowski)'``.
        confidence_level: The intervals' coverage.
        n_resamples: The bootstrap replicates (``None`` with DeLong).
        undefined: The statistics that are NaN, each with the reason.
    """

    as_of: date | None
    n: int
    events: int
    unscored: int
    base_rate: float
    auc: float
    auc_interval: ConfidenceInterval
    average_precision: float
    average_precision_interval: ConfidenceInterval
    fractions: tuple[float, ...]
    lift: FloatArray
    lift_interval: ConfidenceInterval[FloatArray]
    mrr_lift: FloatArray
    mrr_known: int
    gains: Gains
    bands: BandRates | None
    probability: ProbabilityMetrics | None
    method: str
    confidence_level: float
    n_resamples: int | None
    undefined: Mapping[str, str]

    def lift_at(self, fraction: float) -> float:
        """The lift at one of `fractions` (also any of the gains table's 5%, 10%, ...).

        Raises:
            InvalidInputError: On a fraction that is neither.
        """
        for f, value in zip(self.fractions, self.lift.tolist()):
            if math.isclose(f, fraction):
                return float(value)
        for f, value in zip(self.gains.fraction.tolist(), self.gains.lift.tolist()):
            if math.isclose(f, fraction):
                return float(value)
        msg = f"no lift at {fraction!r}; fractions: {list(self.fractions)} and 0.05 to 1.0"
        raise InvalidInputError(msg)

    def format(self) -> str:
        """The figures, one per line, then the bands and the probability metrics."""
        level = f"{self.confidence_level:.0%}"
        where = "all observations" if self.as_of is None else str(self.as_of)
        lifts = ", ".join(
            f"{f:.0%}: {_num(v, '.2f')}" for f, v in zip(self.fractions, self.lift.tolist())
        )
        if np.isfinite(self.mrr_lift).any():
            lifts += "; by MRR " + ", ".join(_num(v, ".2f") for v in self.mrr_lift.tolist())
        lines = [
            f"{where}: {self.n:,} scored observations, {self.events:,} churned (base rate "
            f"{_pct(self.base_rate)})" + (f"; {self.unscored:,} unscored" if self.unscored else ""),
            f"AUC {_num(self.auc, '.3f')} ({level} CI {_interval(self.auc_interval, '.3f')}; "
            f"{self._method()})",
            f"average precision {_num(self.average_precision, '.3f')}"
            + _ci(self.average_precision_interval, level),
            f"lift of the lowest {lifts}",
        ]
        lines += [f"  {name}: NaN ({reason})" for name, reason in self.undefined.items()]
        if self.bands is not None:
            lines += ["", self.bands.format()]
        if self.probability is not None:
            lines += ["", self.probability.format()]
        return "\n".join(lines)

    def _method(self) -> str:
        if self.n_resamples is None:
            return self.method
        return f"{self.method}, {self.n_resamples:,} resamples"

    def __repr__(self) -> str:
        where = "pooled" if self.as_of is None else str(self.as_of)
        return (
            f"Metrics({where}, n={self.n}, events={self.events}, auc={_num(self.auc, '.3f')} "
            f"[{_interval(self.auc_interval, '.3f')}], lift@10%={_num(self._lift10(), '.2f')})"
        )

    def _lift10(self) -> float:
        return float(np.interp(0.1, self.gains.fraction, self.gains.lift)) if self.n else math.nan


@dataclass(frozen=True, eq=False, repr=False)
class Evaluation(RowsResult):
    """A score judged against later churn: every date pooled, and each date on its own.

    ``overall`` holds the pooled `Metrics`; ``dates`` one per observation date. The rows
    (``len()``, ``to_pandas()``) are the dates: ``as_of``, ``n``, ``events``,
    ``base_rate``, ``auc``, ``auc_low``, ``auc_high``, ``average_precision``,
    ``lift_5``, ``lift_10``, ``lift_20`` (one per fraction), ``mrr_lift_10`` and so on,
    ``bottom_precision``, ``bottom_recall``. ``print()`` shows the pooled figures, the
    table of dates and the pooled bands.

    Attributes:
        overall: The metrics of every observation pooled.
        dates: The metrics of each observation date, in date order (empty when the data
            had no ``as_of``).
        horizon_days: The panel's horizon (``None`` for plain columns).
        config_hash: The hash of the scorecard behind the scores (``None`` if unknown).

    Examples:
        >>> from cshealth.backtest._evaluate import evaluate
        >>> rows = {
        ...     "account_id": [1, 2, 3, 4, 5, 6] * 2,
        ...     "as_of": ["2025-01-31"] * 6 + ["2025-02-28"] * 6,
        ...     "score": [10, 20, 40, 60, 80, 90, 15, 35, 30, 70, 85, 95],
        ...     "churned": [1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0],
        ... }
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # four churners: a SmallSampleWarning
        ...     ev = evaluate(rows, interval="delong")
        >>> ev.to_pandas()[["as_of", "n", "events", "auc"]]
               as_of  n  events    auc
        0 2025-01-31  6       2  0.875
        1 2025-02-28  6       2  1.000
        >>> ev.at("2025-02-28").auc, round(ev.auc, 3)
        (1.0, 0.906)
    """

    overall: Metrics
    dates: tuple[Metrics, ...]
    horizon_days: int | None
    config_hash: str | None

    @property
    def auc(self) -> float:
        """The pooled AUC (``overall.auc``)."""
        return self.overall.auc

    @property
    def auc_interval(self) -> ConfidenceInterval:
        """The pooled AUC's interval (``overall.auc_interval``)."""
        return self.overall.auc_interval

    def at(self, as_of: date | str) -> Metrics:
        """The metrics of one observation date.

        Raises:
            InvalidInputError: On a date that is not an observation date.
        """
        wanted = np.datetime64(as_of, "D")
        for metrics in self.dates:
            if metrics.as_of is not None and np.datetime64(metrics.as_of, "D") == wanted:
                return metrics
        msg = f"no observation date {as_of!s}; dates: {[str(m.as_of) for m in self.dates]}"
        raise InvalidInputError(msg)

    def __len__(self) -> int:
        return len(self.dates)

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        return _table_columns(self.dates, self.overall.fractions)

    def format(self) -> str:
        """The pooled figures, one line per date, then the pooled bands and probabilities."""
        head = self.overall.format().split("\n\n", 1)
        lines = [head[0]]
        if self.horizon_days is not None:
            lines.insert(0, f"churn within {self.horizon_days} days of each observation date")
        if self.dates:
            lines += ["", _date_table([("all", self.overall), *_dated(self.dates)])]
        if len(head) > 1:
            lines += ["", head[1]]
        return "\n".join(lines)

    @classmethod
    def _format_groups(cls, labelled: Iterable[tuple[str, Evaluation]]) -> str:
        """One line per group of its pooled figures (for `Grouped`)."""
        return _date_table([(label, result.overall) for label, result in labelled], "group")

    def __repr__(self) -> str:
        o = self.overall
        return (
            f"Evaluation({o.n:,} observations, {o.events:,} churned, {len(self.dates)} dates; "
            f"AUC {_num(o.auc, '.3f')} [{_interval(o.auc_interval, '.3f')}])"
        )


def _dated(dates: tuple[Metrics, ...]) -> list[tuple[str, Metrics]]:
    return [(str(m.as_of), m) for m in dates]


def _table_columns(
    dates: tuple[Metrics, ...], fractions: tuple[float, ...]
) -> dict[str, NDArray[np.generic]]:
    def column(get: str) -> FloatArray:
        return np.array([float(getattr(m, get)) for m in dates], dtype=np.float64)

    out: dict[str, NDArray[np.generic]] = {
        "as_of": np.array([m.as_of for m in dates], dtype="datetime64[D]"),
        "n": np.array([m.n for m in dates], dtype=np.int64),
        "events": np.array([m.events for m in dates], dtype=np.int64),
        "base_rate": column("base_rate"),
        "auc": column("auc"),
        "auc_low": np.array([m.auc_interval.low for m in dates], dtype=np.float64),
        "auc_high": np.array([m.auc_interval.high for m in dates], dtype=np.float64),
        "average_precision": column("average_precision"),
    }
    for j, f in enumerate(fractions):
        out[f"lift_{_label(f)}"] = np.array([m.lift[j] for m in dates], dtype=np.float64)
    for j, f in enumerate(fractions):
        out[f"mrr_lift_{_label(f)}"] = np.array([m.mrr_lift[j] for m in dates], dtype=np.float64)
    out["bottom_precision"] = np.array([_bottom(m)[0] for m in dates], dtype=np.float64)
    out["bottom_recall"] = np.array([_bottom(m)[1] for m in dates], dtype=np.float64)
    return out


def _label(fraction: float) -> str:
    """``0.1`` as ``'10'``, ``0.125`` as ``'12.5'``: a column name's percent."""
    return f"{100 * fraction:g}"


def _bottom(m: Metrics) -> tuple[float, float]:
    if m.bands is None:
        return math.nan, math.nan
    return m.bands.bottom_precision, m.bands.bottom_recall


def _date_table(rows: list[tuple[str, Metrics]], first: str = "as_of") -> str:
    fractions = rows[0][1].fractions if rows else ()
    header = [first, "n", "churned", "rate", "AUC", "interval", "AP"]
    header += [f"lift {f:.0%}" for f in fractions] + ["bottom P", "bottom R"]
    cells = []
    for label, m in rows:
        precision, recall = _bottom(m)
        cells.append(
            [
                label,
                f"{m.n:,}",
                f"{m.events:,}",
                _pct(m.base_rate),
                _num(m.auc, ".3f"),
                _interval(m.auc_interval, ".3f"),
                _num(m.average_precision, ".3f"),
                *(_num(v, ".2f") for v in m.lift.tolist()),
                _pct(precision),
                _pct(recall),
            ]
        )
    return align_columns(header, cells, align="<" + ">" * (len(header) - 1))


def _num(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "-"


def _pct(value: float) -> str:
    return f"{value:.1%}" if math.isfinite(value) else "-"


def _ci(interval: ConfidenceInterval, level: str) -> str:
    """`` (95% CI low to high)``, or nothing when there is no interval."""
    text = _interval(interval, ".3f")
    return "" if text == "-" else f" ({level} CI {text})"


def _interval(interval: ConfidenceInterval, spec: str) -> str:
    low, high = float(interval.low), float(interval.high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return "-"
    return f"{low:{spec}} to {high:{spec}}"
