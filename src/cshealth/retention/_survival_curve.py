"""`SurvivalCurve`: the Kaplan–Meier curve, its pointwise band, and its median.

The curve is the product-limit estimator over `SurvivalCounts`; its confidence band is
Greenwood's, log-log or linear (`BandMethod`), and `Median` is the median lifetime with the
interval read off the band. The numbers agree with ``lifelines.KaplanMeierFitter``
(survival, log-log interval, median and its interval) and ``scipy.stats.ecdf`` (survival,
linear and log-log intervals); the tests check both to 1e-10.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._plot import axes
from cshealth._result import RowsResult, jsonable
from cshealth._stats import ConfidenceInterval, z_critical
from cshealth._types import FloatArray, IntArray
from cshealth.retention._survival_counts import SurvivalCounts, _counts_part
from cshealth.retention._survival_plot import SurvivalPicture, draw_survival

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["BandMethod", "Median", "SurvivalCurve"]

#: Interval methods of `SurvivalCurve.confidence_interval`.
BandMethod = Literal["log_log", "linear"]
#: Relative slack of ``S(t) <= 0.5``: a product that is 0.5 in exact arithmetic counts.
_HALF = 0.5 * (1.0 + 1e-12)


class Median(NamedTuple):
    """The median lifetime and its confidence interval; each ``None`` when not reached.

    Like scipy's estimates with an interval: ``statistic`` is the estimate, ``low`` and
    ``high`` the bounds read off the curve's `ConfidenceInterval` band.

    Attributes:
        statistic: The smallest time ``t`` with ``S(t) <= 0.5``.
        low: The smallest time at which the lower confidence band is ``<= 0.5``.
        high: The smallest time at which the upper confidence band is ``<= 0.5``.
    """

    statistic: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, eq=False, repr=False)
class SurvivalCurve(RowsResult):
    """A Kaplan–Meier (product-limit) survival curve.

    ``S(t) = Π_{t_j <= t} (1 - d_j / n_j)`` over the event times ``t_j``, with ``d_j`` the
    events at ``t_j`` and ``n_j`` the subjects at risk just before it (subjects censored at
    ``t_j`` are still at risk at ``t_j``). ``S`` is a right-continuous step function, 1
    before the first event. Build it with `kaplan_meier`, `survival`, or from (merged)
    counts: ``SurvivalCurve(counts)`` is ``SurvivalCurve.from_counts(counts)``.

    One row per event time: ``len(curve)`` is the number of event times (``n`` counts
    the subjects), and ``to_pandas()`` gives the columns ``times``, ``survival``,
    ``at_risk`` and ``events``.

    Attributes:
        counts: The events and censorings per time the curve is computed from.
        times: The distinct times with at least one event, ascending (the rows of
            lifelines' event table with ``observed > 0``; censoring-only times do not
            move the curve).
        survival: ``S(t)`` at (just after) each time.
        at_risk: ``n_j``, subjects at risk just before each time.
        events: ``d_j``, events at each time.

    Examples:
        Six customers; churned after 1, 3, 3 and 6 months, two still active at 2 and 5:

        >>> from cshealth.retention import kaplan_meier
        >>> curve = kaplan_meier([1, 2, 3, 3, 5, 6], [1, 0, 1, 1, 0, 1])
        >>> curve.times.tolist(), curve.at_risk.tolist(), curve.events.tolist()
        ([1.0, 3.0, 6.0], [6, 4, 1], [1, 2, 1])
        >>> curve.survival.tolist()  # 5/6, 5/6 * 2/4, then 0
        [0.833..., 0.416..., 0.0]
        >>> curve(2.5), curve.median().statistic
        (0.833..., 3.0)
        >>> curve.to_pandas()
           times  survival  at_risk  events
        0    1.0  0.833333        6       1
        1    3.0  0.416667        4       2
        2    6.0  0.000000        1       1
    """

    row_fields = ("times", "survival", "at_risk", "events")

    counts: SurvivalCounts
    times: FloatArray = field(init=False)
    survival: FloatArray = field(init=False)
    at_risk: IntArray = field(init=False)
    events: IntArray = field(init=False)

    def __post_init__(self) -> None:
        _counts_part(self.counts, None)
        has_event = self.counts.events > 0
        at_risk = self.counts.at_risk[has_event]
        events = self.counts.events[has_event]
        survival = np.cumprod((at_risk - events) / at_risk)
        for name, array in (
            ("times", self.counts.times[has_event]),
            ("survival", survival),
            ("at_risk", at_risk),
            ("events", events),
        ):
            object.__setattr__(self, name, array)
        super().__post_init__()

    @classmethod
    def from_counts(cls, counts: SurvivalCounts) -> SurvivalCurve:
        """The curve of (possibly merged) counts.

        Args:
            counts: Events and censorings per time.

        Returns:
            The Kaplan–Meier curve.

        Raises:
            InvalidInputError: If ``counts`` is not a `SurvivalCounts`.

        Examples:
            >>> from cshealth.retention import kaplan_meier
            >>> parts = [kaplan_meier([2, 4], [1, 0]), kaplan_meier([4, 8])]
            >>> whole = SurvivalCurve.from_counts(parts[0].counts.merge(parts[1].counts))
            >>> whole.survival.tolist()
            [0.75, 0.5, 0.0]
        """
        return cls(counts)

    @property
    def n(self) -> int:
        """Number of subjects."""
        return self.counts.n

    @property
    def n_events(self) -> int:
        """Number of events (churns)."""
        return int(self.events.sum())

    @overload
    def __call__(self, t: float) -> float: ...
    @overload
    def __call__(self, t: NDArray[np.generic] | Sequence[float]) -> FloatArray: ...
    @overload
    def __call__(self, t: ArrayLike) -> float | FloatArray: ...
    def __call__(self, t: ArrayLike) -> float | FloatArray:
        """``S(t)``: the survival just after the last event time ``<= t`` (1 before any).

        Args:
            t: A time or an array of times (any real number; ``inf`` gives the last value).

        Returns:
            A float for a scalar ``t``, else an array of the shape of ``t``.

        Raises:
            InvalidInputError: If ``t`` is not numeric or has NaN.

        Examples:
            >>> from cshealth.retention import kaplan_meier
            >>> curve = kaplan_meier([2, 4])
            >>> curve(1.9), curve([2, 3.5, 4, 10]).tolist()
            (1.0, [0.5, 0.5, 0.0, 0.0])
        """
        try:
            at = np.asarray(t, dtype=np.float64)
        except (TypeError, ValueError):
            msg = f"`t` must be a number or an array of numbers, got {t!r}"
            raise InvalidInputError(msg) from None
        if np.isnan(at).any():
            msg = f"`t` must not be NaN, got {t!r}"
            raise InvalidInputError(msg)
        before = np.searchsorted(self.times, at, side="right")
        values = np.concatenate(([1.0], self.survival))[before]
        return float(values) if values.ndim == 0 else values

    def greenwood(self) -> FloatArray:
        """Greenwood's sum ``Σ_{t_j <= t} d_j / (n_j (n_j - d_j))`` at each time.

        A term with ``n_j == d_j`` (the curve drops to 0) is taken as 0, as lifelines does.
        ``Var S(t) ≈ S(t)² × greenwood``.

        Returns:
            The cumulative sums, aligned with ``times``.

        Examples:
            >>> from cshealth.retention import kaplan_meier
            >>> kaplan_meier([1, 2, 3, 4]).greenwood().tolist()  # 1/12, + 1/6, + 1/2, + 0
            [0.083..., 0.25, 0.75, 0.75]
        """
        n = self.at_risk.astype(np.float64)
        survivors = n - self.events
        safe = np.where(survivors > 0, survivors, 1.0)
        return np.cumsum(np.where(survivors > 0, self.events / (n * safe), 0.0))

    def confidence_interval(
        self, confidence_level: float = 0.95, *, method: BandMethod = "log_log"
    ) -> ConfidenceInterval[FloatArray]:
        """Pointwise confidence bounds of ``S`` at each of ``times``.

        Args:
            confidence_level: Coverage, strictly between 0 and 1.
            method: ``{'log_log', 'linear'}``. ``'log_log'`` (the default, lifelines' only
                choice) is the exponential Greenwood interval and stays inside ``[0, 1]``;
                ``'linear'`` is ``S ± z·S·sqrt(greenwood)`` clipped to ``[0, 1]``
                (``scipy.stats.ecdf``'s default).

        Returns:
            ``ConfidenceInterval(low, high)`` of arrays aligned with ``times``. Where ``S``
            reaches 0 both bounds are 0 (lifelines' convention; scipy gives NaN there).

        Raises:
            InvalidInputError: On an unknown method or a level outside ``(0, 1)``.

        Notes:
            With ``G`` the Greenwood sum and ``v = log S``, the log-log bounds are
            ``exp(-exp(log(-v) ± z·sqrt(G)/|v|))`` (the ``+`` gives the lower bound).

        Examples:
            >>> from cshealth.retention import kaplan_meier
            >>> curve = kaplan_meier([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
            >>> low, high = curve.confidence_interval()
            >>> round(float(low[4]), 4), float(curve.survival[4]), round(float(high[4]), 4)
            (0.1836, 0.5, 0.7532)
        """
        one_of(method, BandMethod, "method")
        z = z_critical(confidence_level)
        s = self.survival
        root = np.sqrt(self.greenwood())
        alive = s > 0
        if method == "linear":
            low = np.clip(s - z * s * root, 0.0, 1.0)
            high = np.clip(s + z * s * root, 0.0, 1.0)
            return ConfidenceInterval(low, high)
        v = np.log(np.where(alive, s, 0.5))
        spread = z * root / -v
        low = np.where(alive, np.exp(-np.exp(np.log(-v) + spread)), 0.0)
        high = np.where(alive, np.exp(-np.exp(np.log(-v) - spread)), 0.0)
        return ConfidenceInterval(low, high)

    def median(self, confidence_level: float = 0.95, *, method: BandMethod = "log_log") -> Median:
        """The median lifetime, with the interval read off the confidence bands.

        Args:
            confidence_level: Coverage of the bands, strictly between 0 and 1.
            method: ``{'log_log', 'linear'}``, the bands' method.

        Returns:
            ``Median(statistic, low, high)``: the smallest time at which ``S`` (resp. the
            lower, the upper band) is ``<= 0.5``; ``None`` where it never is.

        Raises:
            InvalidInputError: On an unknown method or a level outside ``(0, 1)``.

        Notes:
            This is lifelines' ``median_survival_time_`` and
            ``median_survival_times(kmf.confidence_interval_)`` (which report ``inf``
            where cshealth reports ``None``). A survival that is 0.5 in exact arithmetic
            counts as reaching it, whatever the rounding of the product.

        Examples:
            >>> from cshealth.retention import kaplan_meier
            >>> kaplan_meier([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).median()
            Median(statistic=5.0, low=1.0, high=8.0)
        """
        band = self.confidence_interval(confidence_level, method=method)
        return Median(*(self._first_at_half(values) for values in (self.survival, *band)))

    def _first_at_half(self, values: FloatArray) -> float | None:
        reached = np.flatnonzero(values <= _HALF)
        return float(self.times[reached[0]]) if len(reached) else None

    def plot(
        self,
        ax: Axes | None = None,
        *,
        ci: bool = True,
        censors: bool = True,
        median: bool = True,
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw the curve: its steps, 95% band, censoring ticks and median.

        The step function runs from ``S(0) = 1`` to the last time anyone was watched; the
        band is the 95% log-log `confidence_interval`, filled in steps; a ``|`` on the
        curve marks each time someone was censored; a dashed line goes across at 0.5 to
        the median lifetime and down to the axis (none when ``S`` never falls to 0.5).
        Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            ci: Whether to draw the confidence band.
            censors: Whether to mark the censored times.
            median: Whether to mark the median lifetime.
            label: The curve's name in a legend (``ax.legend()`` shows it).
            **style: Passed to the step line (``color``, ``linewidth``, ...); the band,
                ticks and median take the line's colour.

        Returns:
            The ``Axes`` drawn on.

        Raises:
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from cshealth.retention import kaplan_meier
            >>> curve = kaplan_meier([3, 5, 5, 8, 12, 12, 15, 20], [1, 1, 0, 1, 1, 0, 1, 0])
            >>> ax = curve.plot(label="all customers", color="tab:blue")
            >>> steps = ax.get_lines()[0]
            >>> steps.get_xdata().tolist()  # from time 0 to the last censoring, at 20
            [0.0, 3.0, 5.0, 8.0, 12.0, 15.0, 20.0]
            >>> steps.get_ydata().round(3).tolist()
            [1.0, 0.875, 0.75, 0.6, 0.45, 0.225, 0.225]
            >>> plt.close(ax.figure)
        """
        low, high = self.confidence_interval()
        watched = self.counts.times
        picture = SurvivalPicture(
            times=self.times,
            survival=self.survival,
            low=low,
            high=high,
            end=float(watched[-1]) if len(watched) else 0.0,
            censored=watched[self.counts.censored > 0],
            median=self._first_at_half(self.survival),
        )
        return draw_survival(
            axes(ax),
            picture,
            ci=ci,
            censors=censors,
            median=median,
            label=label,
            style=style,
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the curve, its 95% log-log band, the median and the counts.

        Keys: ``n``, ``n_events``, the columns ``times``, ``survival``, ``at_risk`` and
        ``events``, ``confidence_interval`` (``{"low": [...], "high": [...]}``, aligned
        with ``times``), ``median`` (``{"statistic": ..., "low": ..., "high": ...}``, as
        `median` gives it) and ``counts`` (`SurvivalCounts.to_dict`).

        Examples:
            >>> from cshealth.retention import kaplan_meier
            >>> data = kaplan_meier([1, 2, 2, 5], [1, 1, 0, 1]).to_dict()
            >>> data["median"], data["confidence_interval"]["low"][0]
            ({'statistic': 2.0, 'low': 1.0, 'high': 5.0}, 0.1279...)
        """
        fields = super().to_dict()
        counts = fields.pop("counts")
        return {
            "n": self.n,
            "n_events": self.n_events,
            **fields,
            "confidence_interval": jsonable(self.confidence_interval()),
            "median": jsonable(self.median()),
            "counts": counts,
        }

    def __repr__(self) -> str:
        median = self._first_at_half(self.survival)
        shown = "None" if median is None else f"{median:g}"
        return f"SurvivalCurve(n={self.n}, events={self.n_events}, median={shown})"
