"""Churn per band, with Wilson intervals, and the test that churn falls as health rises.

For each band (worst first) the observations, the churners, the churn rate and its Wilson
interval (`cshealth._stats.proportion_interval`). The Cochran–Armitage test for trend
asks whether the churn rate falls from band to band as health rises: the bands are
scored ``0, 1, 2, ...`` worst first, and the statistic is the score test of the slope in
``logit P(churn) = a + b·band`` (one-sided: ``b < 0``). The bottom band's precision (its
churn rate) and recall (its share of all the churners) say what flagging it catches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from cshealth._plot import axes
from cshealth._result import RowsResult
from cshealth._stats import proportion_interval
from cshealth._text import align_columns
from cshealth._types import BoolArray, FloatArray, IntArray, ObjectArray
from cshealth.backtest._probability_pictures import RatesPicture, draw_band_rates

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["BandRates", "band_rates", "trend_test"]


@dataclass(frozen=True, eq=False, repr=False)
class BandRates(RowsResult):
    """The churn rate of each band, worst band first, and the trend across them.

    One row per band (``to_pandas()``: ``band``, ``n``, ``events``, ``rate``, ``low``,
    ``high``); ``plot()`` draws the rates as bars.

    Attributes:
        band: The band labels, worst first.
        n: The observations in each band.
        events: The churners among them.
        rate: ``events / n`` (NaN for a band without observations).
        low: The lower bound of Wilson's interval for the rate.
        high: Its upper bound.
        confidence_level: The intervals' coverage.
        trend_statistic: The Cochran–Armitage ``z``: negative when churn falls as health
            rises (NaN with fewer than two bands observed, or nobody or everybody
            churning).
        trend_pvalue: The one-sided p-value of "churn does not fall as health rises"
            (``Φ(z)``; NaN with the statistic).
        bottom_precision: The bottom (worst) band's churn rate: the share of the flagged
            accounts that churned.
        bottom_recall: The bottom band's share of all the churners with a band.
        unbanded: Observations with a score but no band (left out of the table).
    """

    band: ObjectArray
    n: IntArray
    events: IntArray
    rate: FloatArray
    low: FloatArray
    high: FloatArray
    confidence_level: float
    trend_statistic: float
    trend_pvalue: float
    bottom_precision: float
    bottom_recall: float
    unbanded: int

    row_fields: ClassVar[tuple[str, ...]] = ("band", "n", "events", "rate", "low", "high")

    def format(self) -> str:
        """One line per band (n, churned, rate, interval), then the trend test."""
        level = f"{self.confidence_level:.0%}"
        rows = [
            [
                str(label),
                f"{n:,}",
                f"{e:,}",
                _percent(rate),
                f"{_percent(lo)} to {_percent(hi)}" if math.isfinite(lo) else "-",
            ]
            for label, n, e, rate, lo, hi in zip(
                self.band.tolist(),
                self.n.tolist(),
                self.events.tolist(),
                self.rate.tolist(),
                self.low.tolist(),
                self.high.tolist(),
            )
        ]
        table = align_columns(["band", "n", "churned", "rate", level], rows, align="<>>>>")
        trend = (
            f"trend (Cochran-Armitage): z = {self.trend_statistic:.2f}, one-sided "
            f"p = {self.trend_pvalue:.3g}"
            if math.isfinite(self.trend_statistic)
            else "trend (Cochran-Armitage): undefined"
        )
        bottom = (
            f"bottom band {self.band[0]!s}: precision {_percent(self.bottom_precision)}, "
            f"recall {_percent(self.bottom_recall)}"
            if len(self.band)
            else "no bands"
        )
        return "\n".join([table, trend, bottom])

    def plot(self, ax: Axes | None = None, **style: object) -> Axes:
        """Draw the churn rate of each band as a bar, worst band first, with its interval.

        One bar per band in band order, its Wilson interval as an error bar, the band's
        observations under its name, and the churn rate of all the banded observations
        as a dashed line. A band without observations keeps its name (``n=0``) but has
        no bar: its rate is not measured, not 0. Needs matplotlib
        (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            **style: Passed to the bars (``color``, ``capsize``, ``alpha``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from cshealth.backtest._panel_columns import band_codes
            >>> bands = ("red", "yellow", "green")
            >>> band = np.array(["red"] * 4 + ["yellow"] * 5 + ["green"] * 11, dtype=object)
            >>> churned = np.arange(20) < 2  # two of the four reds
            >>> churned[[4, 9]] = True  # a yellow and a green
            >>> ax = band_rates(band_codes(band, bands), churned, bands).plot()
            >>> [round(float(bar.get_height()), 3) for bar in ax.patches]
            [0.5, 0.2, 0.091]
            >>> [label.get_text().splitlines() for label in ax.get_xticklabels()]
            [['red', 'n=4'], ['yellow', 'n=5'], ['green', 'n=11']]
            >>> [text.get_text() for text in ax.get_legend().get_texts()]
            ['all bands: 20.0%', 'churn rate (95% Wilson CI)']
            >>> plt.close(ax.figure)
        """
        rates = RatesPicture(
            self.n, self.events, self.rate, self.low, self.high, self.confidence_level
        )
        return draw_band_rates(axes(ax), [str(b) for b in self.band.tolist()], rates, style=style)

    def __repr__(self) -> str:
        rates = ", ".join(
            f"{label}={_percent(rate)}"
            for label, rate in zip(self.band.tolist(), self.rate.tolist())
        )
        return f"BandRates({rates}; trend z={self.trend_statistic:.3g})"


def _percent(value: float) -> str:
    return f"{value:.1%}" if math.isfinite(value) else "-"


def band_rates(
    codes: IntArray,
    churned: BoolArray,
    bands: tuple[str, ...],
    *,
    confidence_level: float = 0.95,
) -> BandRates:
    """Churn per band (worst first), Wilson intervals, trend test, bottom-band precision and recall.

    Args:
        codes: Each observation's band, as its position in ``bands`` (-1: no band; see
            ``band_codes``).
        churned: Each observation's outcome.
        bands: The labels, worst first.
        confidence_level: The intervals' coverage.

    Examples:
        >>> from cshealth.backtest._panel_columns import band_codes
        >>> band = np.array(["red", "red", "green", "yellow", "green", "red"], dtype=object)
        >>> churned = np.array([True, True, False, False, False, False])
        >>> bands = ("red", "yellow", "green")
        >>> r = band_rates(band_codes(band, bands), churned, bands)
        >>> r.events.tolist(), r.n.tolist(), round(r.bottom_precision, 3), r.bottom_recall
        ([2, 0, 0], [3, 1, 2], 0.667, 1.0)
    """
    banded = codes >= 0
    k = len(bands)
    n = np.bincount(codes[banded], minlength=k).astype(np.int64)
    events = np.bincount(codes[banded], weights=churned[banded], minlength=k).astype(np.int64)
    low, high = proportion_interval(events, n, confidence_level=confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, events / np.maximum(n, 1), np.nan)
    z, p = trend_test(events, n)
    total = int(events.sum())
    return BandRates(
        band=np.array(bands, dtype=object),
        n=n,
        events=events,
        rate=rate,
        low=np.asarray(low, dtype=np.float64),
        high=np.asarray(high, dtype=np.float64),
        confidence_level=confidence_level,
        trend_statistic=z,
        trend_pvalue=p,
        bottom_precision=float(rate[0]) if k else math.nan,
        bottom_recall=float(events[0]) / total if k and total else math.nan,
        unbanded=int((~banded).sum()),
    )


def trend_test(events: IntArray, n: IntArray) -> tuple[float, float]:
    """The Cochran–Armitage test that the churn rate falls along the groups.

    The groups are scored ``0, 1, 2, ...`` in order (worst band first).

    Returns:
        ``(z, p)``: the statistic (negative when the rate falls) and the one-sided
        p-value ``Φ(z)``; NaN for both with fewer than two groups observed or a pooled
        rate of 0 or 1.

    Notes:
        With ``xᵢ = i``, ``N = Σnᵢ`` and ``p̄ = Σeᵢ / N``: ``T = Σ xᵢ (eᵢ − nᵢ p̄)``,
        ``Var T = p̄ (1 − p̄) (Σ nᵢ xᵢ² − (Σ nᵢ xᵢ)² / N)`` and ``z = T / √Var T``: the
        score test of ``b = 0`` in ``logit pᵢ = a + b xᵢ`` (Armitage 1955).

    Examples:
        >>> z, p = trend_test(np.array([30, 15, 5]), np.array([100, 100, 100]))
        >>> round(z, 3), p < 0.001
        (-4.743, True)
    """
    x = np.arange(len(n), dtype=np.float64)
    total = float(n.sum())
    if total == 0 or int((n > 0).sum()) < 2:
        return math.nan, math.nan
    pbar = float(events.sum()) / total
    t = float((x * (events - n * pbar)).sum())
    spread = float((n * x**2).sum()) - float((n * x).sum()) ** 2 / total
    variance = pbar * (1.0 - pbar) * spread
    if not variance > 0:
        return math.nan, math.nan
    from scipy import special  # noqa: PLC0415 - on first use: `import cshealth` stays light

    z = t / math.sqrt(variance)
    return z, float(special.ndtr(z))
