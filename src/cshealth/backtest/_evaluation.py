"""The results of `evaluate`: the metrics of every observation pooled, and per date.

`Evaluation` holds the pooled `Metrics` and one per observation date; its rows
(``len()``, ``to_pandas()``) are the dates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._result import RowsResult
from cshealth._stats import ConfidenceInterval
from cshealth._text import align_columns
from cshealth._types import FloatArray
from cshealth.backtest._evaluation_text import interval_text, num, pct
from cshealth.backtest._metrics import Metrics

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Evaluation"]


@dataclass(frozen=True, eq=False, repr=False)
class Evaluation(RowsResult):
    """A score judged against later churn: every date pooled, and each date on its own.

    ``overall`` holds the pooled `Metrics`; ``dates`` one per observation date. The rows
    (``len()``, ``to_pandas()``) are the dates: ``as_of``, ``n``, ``events``,
    ``base_rate``, ``auc``, ``auc_low``, ``auc_high``, ``average_precision``,
    ``lift_5``, ``lift_10``, ``lift_20`` (one per fraction), ``mrr_lift_10`` and so on,
    ``bottom_precision``, ``bottom_recall``. ``print()`` shows the pooled figures, the
    table of dates and the pooled bands; ``plot()`` draws the pooled ROC curve.

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

    def plot(
        self,
        ax: Axes | None = None,
        *,
        kind: Literal["roc", "gains"] = "roc",
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw the pooled ROC curve (or gains): ``overall.plot`` (`Metrics.plot`).

        A date's curve is ``at(day).plot(label=...)``; curves drawn on one ``Axes``
        overlay, each with its AUC in the legend, and ``evaluate(..., by=...).plot()``
        draws every group's. Needs matplotlib (``pip install 'cshealth[plot]'``).

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> import warnings
            >>> from cshealth.backtest._evaluate import evaluate
            >>> rows = {
            ...     "account_id": [1, 2, 3, 4, 5, 6] * 2,
            ...     "as_of": ["2025-01-31"] * 6 + ["2025-02-28"] * 6,
            ...     "score": [10, 20, 40, 60, 80, 90, 15, 35, 30, 70, 85, 95],
            ...     "churned": [1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0],
            ... }
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")  # four churners: a SmallSampleWarning
            ...     ev = evaluate(rows, interval="delong")
            >>> ax = ev.plot(label="pooled")
            >>> for day in ev.dates:
            ...     ax = day.plot(ax, label=str(day.as_of), linestyle=":")
            >>> for text in ax.get_legend().get_texts():
            ...     print(text.get_text())
            chance (AUC 0.5)
            pooled: AUC 0.906 (95% CI 0.646 to 1.000)
            2025-01-31: AUC 0.875 (95% CI 0.529 to 1.000)
            2025-02-28: AUC 1.000 (95% CI 1.000 to 1.000)
            >>> plt.close(ax.figure)
        """
        return self.overall.plot(ax, kind=kind, label=label, **style)

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
            f"AUC {num(o.auc, '.3f')} [{interval_text(o.auc_interval, '.3f')}])"
        )


def _dated(dates: tuple[Metrics, ...]) -> list[tuple[str, Metrics]]:
    """Each date's metrics under its date as text."""
    return [(str(m.as_of), m) for m in dates]


def _table_columns(
    dates: tuple[Metrics, ...], fractions: tuple[float, ...]
) -> dict[str, NDArray[np.generic]]:
    """The columns of an evaluation's rows: one row per date."""

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
    """The bottom band's precision and recall (NaN without bands)."""
    if m.bands is None:
        return math.nan, math.nan
    return m.bands.bottom_precision, m.bands.bottom_recall


def _date_table(rows: list[tuple[str, Metrics]], first: str = "as_of") -> str:
    """One line of figures per ``(label, metrics)``: n, churned, rate, AUC, AP, lifts."""
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
                pct(m.base_rate),
                num(m.auc, ".3f"),
                interval_text(m.auc_interval, ".3f"),
                num(m.average_precision, ".3f"),
                *(num(v, ".2f") for v in m.lift.tolist()),
                pct(precision),
                pct(recall),
            ]
        )
    return align_columns(header, cells, align="<" + ">" * (len(header) - 1))
