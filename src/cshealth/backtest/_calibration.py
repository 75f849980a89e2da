"""`Calibration`: a fitted map from health score to churn probability, with intervals.

`calibrate` fits it on a panel; `Calibration.predict` applies it to new scores and
`Calibration.predict_interval` gives the interval of each prediction; its `table`
shows the steps (isotonic blocks, bands) or bins (logistic) it rests on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import float_array
from cshealth._exceptions import InvalidInputError
from cshealth._plot import axes
from cshealth._result import RowsResult
from cshealth._stats import ConfidenceInterval, proportion_interval, z_critical
from cshealth._text import align_columns
from cshealth._types import FloatArray, IntArray, ObjectArray
from cshealth.backtest._probability_pictures import CalibrationPicture, draw_calibration

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["Calibration", "CalibrationMethod", "CalibrationTable", "logistic_interval"]

#: How `calibrate` maps scores to probabilities.
CalibrationMethod: TypeAlias = Literal["isotonic", "logistic", "bands"]
#: The scores a logistic calibration's curve is drawn at.
_GRID = 201


@dataclass(frozen=True, eq=False, repr=False)
class CalibrationTable(RowsResult):
    """The rows a calibration rests on, from the lowest scores up.

    ``isotonic``: one row per block of the fitted step function (scores that share one
    probability); ``bands``: one row per band, worst first; ``logistic``: ten bins at the
    deciles of the scores (a tied score never split), the fitted probability taken at
    the bin's mean score.

    Attributes:
        label: The row's name: a band label, or its range of scores.
        score_low: The lowest score of the row seen in the data (NaN: none).
        score_high: The highest (NaN: none).
        n: Observations in the row.
        events: How many churned.
        observed: ``events / n`` (NaN when ``n`` is 0).
        probability: The calibrated probability of the row (the observed rate for the
            isotonic and band methods).
        low: The lower bound of its interval.
        high: The upper bound.
    """

    label: ObjectArray
    score_low: FloatArray
    score_high: FloatArray
    n: IntArray
    events: IntArray
    observed: FloatArray
    probability: FloatArray
    low: FloatArray
    high: FloatArray

    def format(self) -> str:
        """One line per row: the scores, n, churned, the probability and its interval."""
        rows = [
            [
                str(label),
                f"{n:,}",
                f"{k:,}",
                _pct(p),
                "-" if math.isnan(lo) else f"{_pct(lo)} to {_pct(hi)}",
            ]
            for label, n, k, p, lo, hi in zip(
                self.label.tolist(),
                self.n.tolist(),
                self.events.tolist(),
                self.probability.tolist(),
                self.low.tolist(),
                self.high.tolist(),
            )
        ]
        header = ["scores", "n", "churned", "probability", "interval"]
        return align_columns(header, rows, align="<>>><", gaps="  ")

    def __repr__(self) -> str:
        return f"CalibrationTable({len(self)} rows)"


@dataclass(frozen=True, eq=False, repr=False)
class Calibration(RowsResult):
    """A map from health score to the probability of churn within the horizon.

    Fitted by `calibrate`; ``predict(scores)`` applies it to any scores, ``len()`` and
    ``to_pandas()`` are those of its `table`, and ``plot()`` draws it.

    Attributes:
        method: ``{'isotonic', 'logistic', 'bands'}``.
        table: The steps, bands or bins the calibration rests on, with intervals.
        n: The scored observations it was fitted on.
        events: How many of them churned.
        n_unscored: Observations left out for a NaN score.
        horizon_days: The horizon of the churn it predicts (``None`` for plain columns).
        confidence_level: The level of the intervals.
        coefficients: ``logistic``: ``(intercept, slope)`` of
            ``logit P(churn) = intercept + slope·score``; ``None`` for the other methods.
        undefined: Why the calibration has no value (NaN predictions), or ``''``: a
            logistic fit needs churners and renewers that the score does not separate.
    """

    method: CalibrationMethod
    table: CalibrationTable
    n: int
    events: int
    n_unscored: int
    horizon_days: int | None
    confidence_level: float
    coefficients: tuple[float, float] | None = None
    undefined: str = ""
    _starts: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)
    _values: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)
    _lows: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)
    _highs: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)
    _side: Literal["left", "right"] = field(default="right", repr=False)
    _covariance: FloatArray = field(default_factory=lambda: np.zeros((2, 2)), repr=False)

    def predict(self, scores: ArrayLike) -> FloatArray:
        """The probability of churn within the horizon for each score (NaN for NaN).

        ``isotonic`` is a step function: a score takes the probability of the block
        with the greatest lowest score at or below it (so a score between two blocks
        takes the one below it, as a band starts at its ``min``), and scores beyond the
        data take the end blocks' probabilities (flat, never extrapolated). ``bands``
        takes the probability of the score's band (NaN for a band without
        observations). ``logistic`` is ``expit(intercept + slope·score)``.

        Raises:
            InvalidInputError: On scores that are not numbers.

        Examples:
            >>> from cshealth.backtest._calibrate import calibrate
            >>> columns = {
            ...     "account_id": list(range(60)),
            ...     "score": [20] * 20 + [50] * 20 + [80] * 20,
            ...     "churned": [1] * 12 + [0] * 8 + [1] * 8 + [0] * 12 + [1] * 2 + [0] * 18,
            ... }
            >>> cal = calibrate(columns, method="isotonic")
            >>> cal.predict([0, 20, 35, 50, 79, 80, 100, float("nan")]).tolist()
            [0.6, 0.6, 0.6, 0.4, 0.4, 0.1, 0.1, nan]
        """
        return self._at(scores, self._values)

    def predict_interval(self, scores: ArrayLike) -> ConfidenceInterval[FloatArray]:
        """The interval of each prediction (NaN for NaN scores).

        ``isotonic`` and ``bands``: Wilson's interval on the counts of the score's
        block or band. ``logistic``: the delta method on the log-odds, ``η ± z·se(η)``
        with ``se(η)² = xᵀΣx`` for ``x = (1, score)`` and ``Σ`` the fit's covariance,
        mapped through ``expit`` (so it stays within ``[0, 1]``).
        """
        if self.method == "logistic":
            coefficients = self.coefficients or (math.nan, math.nan)
            low, high = logistic_interval(
                self._scores(scores), coefficients, self._covariance, self.confidence_level
            )
            return ConfidenceInterval(low, high)
        return ConfidenceInterval(self._at(scores, self._lows), self._at(scores, self._highs))

    def _scores(self, scores: ArrayLike) -> FloatArray:
        values = float_array(scores, "scores")
        if values.ndim > 1:
            msg = f"`scores` must be one-dimensional, got an array of shape {values.shape}"
            raise InvalidInputError(msg)
        return values

    def _at(self, scores: ArrayLike, values: FloatArray) -> FloatArray:
        x = self._scores(scores)
        if self.method == "logistic":
            a, b = self.coefficients or (math.nan, math.nan)
            from scipy.special import expit  # noqa: PLC0415 - scipy on first use

            out: FloatArray = expit(a + b * x)
            return out
        step = np.clip(np.searchsorted(self._starts, x, side=self._side) - 1, 0, None)
        found: FloatArray = np.where(np.isnan(x), np.nan, values[step])
        return found

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        return self.table._columns()

    def plot(self, ax: Axes | None = None, *, label: str | None = None, **style: object) -> Axes:
        """Draw the probability of churn against the score, with its interval as a band.

        ``isotonic`` and ``bands``: the steps of `predict`, each probability holding from
        its step's (or band's) lowest score to the next, up to the highest score seen; a
        band without observations is left blank. ``logistic``: the fitted S-curve across
        the scores seen, and the churn rate of each decile bin it rests on as a point at
        the middle of the bin's scores (the horizontal bar spans them) with Wilson's
        interval. The band is `predict_interval`. A calibration without a value (a
        logistic fit the data cannot give) is not drawn; a note says why. Needs
        matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            label: The name in the legend (two calibrations on one ``Axes``).
            **style: Passed to the line (``color``, ``linewidth``, ...); the band and the
                points take its colour.

        Returns:
            The ``Axes`` drawn on.

        Raises:
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from cshealth.backtest._calibrate import calibrate
            >>> columns = {
            ...     "account_id": list(range(60)),
            ...     "score": [20] * 20 + [50] * 20 + [80] * 20,
            ...     "churned": [1] * 12 + [0] * 8 + [1] * 8 + [0] * 12 + [1] * 2 + [0] * 18,
            ... }
            >>> ax = calibrate(columns).plot()
            >>> steps = ax.get_lines()[0]
            >>> steps.get_drawstyle(), steps.get_xdata().tolist(), steps.get_ydata().tolist()
            ('steps-post', [20.0, 50.0, 80.0], [0.6, 0.4, 0.1])
            >>> plt.close(ax.figure)
        """
        horizon = "" if self.horizon_days is None else f" within {self.horizon_days} days"
        picture = None if self.undefined else self._picture()
        return draw_calibration(
            axes(ax),
            picture,
            reason=f"not measured: {self.undefined}",
            horizon=horizon,
            label=label,
            style=style,
        )

    def _picture(self) -> CalibrationPicture:
        """The steps (or the curve, and the bins) to draw."""
        t, name, level = self.table, f"{self.method} calibration", self.confidence_level
        if self.method == "logistic":
            grid = np.linspace(np.nanmin(t.score_low), np.nanmax(t.score_high), _GRID)
            low, high = self.predict_interval(grid)
            seen_low, seen_high = proportion_interval(t.events, t.n, confidence_level=level)
            return CalibrationPicture(
                score=grid,
                probability=self.predict(grid),
                low=low,
                high=high,
                steps=False,
                starts=0,
                name=name,
                bin_low=t.score_low,
                bin_high=t.score_high,
                observed=t.observed,
                observed_low=seen_low,
                observed_high=seen_high,
                level=level,
            )
        end = max(float(np.nanmax(t.score_high)), float(self._starts[-1]))
        last = 0 if end == self._starts[-1] else 1  # the last step reaches the highest score
        corners = np.append(self._starts, end)[: len(self._starts) + last]

        def held(values: FloatArray) -> FloatArray:
            return np.append(values, values[-1:])[: len(corners)]

        none = np.zeros(0)
        return CalibrationPicture(
            score=corners,
            probability=held(self._values),
            low=held(self._lows),
            high=held(self._highs),
            steps=True,
            starts=len(self._starts),
            name=name,
            bin_low=none,
            bin_high=none,
            observed=none,
            observed_low=none,
            observed_high=none,
            level=level,
        )

    def to_pandas(self) -> pd.DataFrame:
        """The `table` as a pandas ``DataFrame``: one row per step, band or bin."""
        return self.table.to_pandas()

    def format(self) -> str:
        """What was fitted on what, then the table."""
        horizon = f" within {self.horizon_days} days" if self.horizon_days is not None else ""
        head = (
            f"Calibration ({self.method}): probability of churn{horizon}, fitted on "
            f"{self.n:,} observations ({self.events:,} churned"
            + (f"; {self.n_unscored:,} unscored left out" if self.n_unscored else "")
            + ")"
        )
        lines = [head]
        if self.coefficients is not None and not self.undefined:
            a, b = self.coefficients
            lines.append(f"logit P(churn) = {a:.4f} {'-' if b < 0 else '+'} {abs(b):.5f} x score")
        if self.undefined:
            lines.append(f"no calibration: {self.undefined}")
        lines[0] += f"; {100 * self.confidence_level:g}% intervals"
        return "\n".join([*lines, self.table.format()])

    def __repr__(self) -> str:
        return (
            f"Calibration({self.method}, {len(self.table)} rows, n={self.n}, events={self.events})"
        )


def logistic_interval(
    x: FloatArray,
    coefficients: tuple[float, float],
    covariance: FloatArray,
    confidence_level: float,
) -> tuple[FloatArray, FloatArray]:
    """The delta-method interval of ``expit(a + b·x)`` at scores ``x``.

    Examples:
        >>> cov = np.array([[0.04, 0.0], [0.0, 0.0]])
        >>> low, high = logistic_interval(np.array([10.0]), (0.0, 0.0), cov, 0.95)
        >>> round(float(low[0]), 4), round(float(high[0]), 4)
        (0.4032, 0.5968)
    """
    from scipy.special import expit  # noqa: PLC0415 - scipy on first use

    a, b = coefficients
    z = z_critical(confidence_level)
    eta = a + b * x
    se = np.sqrt(covariance[0, 0] + 2.0 * x * covariance[0, 1] + x * x * covariance[1, 1])
    low: FloatArray = expit(eta - z * se)
    high: FloatArray = expit(eta + z * se)
    return low, high


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.1f}%"
