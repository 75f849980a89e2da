"""The result of `trend`: an NPS series, one `TrendPoint` per period, with intervals.

`NPSTrend` gives its points one by one and as columns (starts, ends, scores, counts,
p-values, flags), their intervals as two arrays, a data frame (``to_pandas()``), strict
JSON (``to_dict()``), a text table (``format()``) and a picture (``plot()``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as _tz
from typing import TYPE_CHECKING, overload

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import one_of, whole_number
from cshealth._plot import axes
from cshealth._result import Result, RowsResult, json_dict, jsonable
from cshealth._stats import ConfidenceInterval, check_confidence_level
from cshealth._text import align_columns
from cshealth._types import BoolArray, FloatArray, IntArray, Period
from cshealth.nps._compare import NPSComparison
from cshealth.nps._nps_plot import draw_trend
from cshealth.nps._score import NPSInterval, NPSResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["NPSTrend", "TrendPoint"]


@dataclass(frozen=True, eq=False, repr=False)
class TrendPoint(Result):
    """One period of an `NPSTrend`.

    Attributes:
        start: First instant of the period, in the trend's ``timezone``.
        end: The instant after it (``[start, end)``); ``as_of`` for a period still running.
        result: The NPS of the period's responses.
        change: The test against the previous disjoint period (``b - a`` is this period
            minus that one); ``None`` for the first periods and when either is empty.
        significant: Whether ``change.pvalue`` is below the trend's ``alpha``.
        complete: Whether the period had ended by ``as_of``.
    """

    start: datetime
    end: datetime
    result: NPSResult
    change: NPSComparison | None
    significant: bool
    complete: bool

    def __repr__(self) -> str:
        flag = " *" if self.significant else ""
        return f"TrendPoint({self.start.date()}..{self.end.date()}: {self.result!r}{flag})"


@dataclass(frozen=True, eq=False, repr=False)
class NPSTrend(RowsResult):
    """An NPS series with an interval per point and flagged significant changes.

    Iterating gives the `TrendPoint` objects; the array properties give the same numbers
    as columns (``NaN`` where a period has no response), `confidence_interval` the
    intervals as two arrays, ``to_pandas()`` the columns as a data frame, ``format()``
    (or ``str()``) a text table and `plot` a picture (points with intervals over time).

    Attributes:
        points: The periods, oldest first.
        period: The calendar period (``'week'``, ``'month'``, ``'quarter'`` or
            ``'year'``); ``None`` for rolling windows.
        rolling_days: The length of the rolling windows in days; ``None`` for calendar
            periods.
        dedupe: The repeat-respondent rule applied: ``'latest'`` or ``'none'``.
        survey_type: The survey type of every response counted (``None`` if the data
            does not say).
        as_of: The instant the trend was taken at (UTC).
        alpha: Significance level of the change flags.
        confidence_level: Coverage of the intervals `confidence_interval` and
            ``format()`` give.
        min_n: Points with fewer responses are flagged in `small`.
        timezone: The IANA zone whose calendar the periods follow.
    """

    points: tuple[TrendPoint, ...]
    period: Period | None
    rolling_days: int | None
    dedupe: str
    survey_type: str | None
    as_of: datetime
    alpha: float
    confidence_level: float
    min_n: int
    timezone: str = "UTC"

    #: The columns of ``to_pandas()``: one row per period.
    row_fields = ("starts", "ends", "scores", "n", "unanswered", "pvalues", "significant", "small")

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[TrendPoint]:
        return iter(self.points)

    @overload
    def __getitem__(self, index: int) -> TrendPoint: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[TrendPoint, ...]: ...
    def __getitem__(self, index: int | slice) -> TrendPoint | tuple[TrendPoint, ...]:
        return self.points[index]

    @property
    def starts(self) -> NDArray[np.datetime64]:
        """Period starts, ``datetime64[us]`` (UTC)."""
        return np.array([_naive_utc(p.start) for p in self.points], "datetime64[us]")

    @property
    def ends(self) -> NDArray[np.datetime64]:
        """Period ends (exclusive), ``datetime64[us]`` (UTC)."""
        return np.array([_naive_utc(p.end) for p in self.points], "datetime64[us]")

    @property
    def scores(self) -> FloatArray:
        """NPS per period in points; ``NaN`` where a period has no response."""
        return np.array([_nan(p.result.score) for p in self.points], dtype=np.float64)

    @property
    def n(self) -> IntArray:
        """Responses counted per period (after deduplication)."""
        return np.array([p.result.n for p in self.points], dtype=np.int64)

    @property
    def unanswered(self) -> IntArray:
        """Unanswered surveys per period (an empty score in the column form), counted apart.

        Every unanswered survey submitted in the period counts (no deduplication: a
        survey left blank is no opinion to keep or replace).
        """
        return np.array([p.result.unanswered for p in self.points], dtype=np.int64)

    def confidence_interval(
        self, confidence_level: float | None = None, method: NPSInterval = "adjusted_wald"
    ) -> ConfidenceInterval[FloatArray]:
        """The interval of each period's NPS, in points, as two arrays (``NaN`` where empty).

        Args:
            confidence_level: Coverage, strictly between 0 and 1; by default the trend's
                own `confidence_level`.
            method: ``{'adjusted_wald', 'wald', 'trinomial_t', 'bootstrap',
                'bayes_dirichlet'}``, as in `NPSResult.confidence_interval`.

        Returns:
            ``ConfidenceInterval(low, high)``, one bound per period in each array; each
            period's bounds are those of its ``result.confidence_interval``.

        Raises:
            InvalidInputError: On a level outside (0, 1) or an unknown method.

        Examples:
            >>> import numpy as np
            >>> from datetime import date
            >>> from cshealth.nps import trend
            >>> data = {
            ...     "score": [10, 9, 3, 10, 7],
            ...     "submitted_at": np.array(
            ...         ["2025-01-05", "2025-01-20", "2025-01-21", "2025-02-03", "2025-02-04"],
            ...         "datetime64[us]",
            ...     ),
            ... }
            >>> low, high = trend(data, as_of=date(2025, 3, 1)).confidence_interval()
            >>> low.round(1), high.round(1)
            (array([-51.3, -39.4]), array([84.7, 79.4]))
        """
        level = self.confidence_level if confidence_level is None else confidence_level
        return ConfidenceInterval(*self._bounds(check_confidence_level(level), method))

    @property
    def pvalues(self) -> FloatArray:
        """p-value of the change from the previous disjoint period; ``NaN`` where none."""
        return np.array([_nan(p.change.pvalue if p.change else None) for p in self.points])

    @property
    def significant(self) -> BoolArray:
        """Where the change from the previous disjoint period is significant."""
        return np.array([p.significant for p in self.points], dtype=bool)

    @property
    def small(self) -> BoolArray:
        """Where a period has fewer than `min_n` responses."""
        return self.n < self.min_n

    def plot(self, ax: Axes | None = None, *, label: str | None = None, **style: object) -> Axes:
        """Draw the trend: a point per period with its interval, the significant changes ringed.

        Each period is a point at its start (real dates on x, on the calendar of the
        trend's ``timezone``) at its NPS, on the scale -100 to 100, with its interval
        at the trend's `confidence_level` as a vertical bar; the points are joined by a
        line. A period without an answer is a gap in the line, not a point at 0. A
        ring marks each point whose change from the previous disjoint period is
        `significant`, named "significant change" in a legend; a light line runs
        across at 0. A trend without any answer draws the note "no data". Needs
        matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            label: The series' name in a legend (``ax.legend()`` shows it), so that
                several trends, or a `cshealth.Grouped` of them, share one ``Axes``.
            **style: Passed to the line of points (``color``, ``marker``,
                ``linestyle``, ...); the bars and rings take its colour.

        Returns:
            The ``Axes`` drawn on.

        Raises:
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from datetime import date
            >>> from cshealth.nps import trend
            >>> import numpy as np
            >>> days = np.array([4, 11, 19, 26, 32, 39, 46, 50, 54])  # since 1 January
            >>> data = {
            ...     "score": [10, 10, 9, 10, 0, 2, 1, 3, 4],  # January, then February
            ...     "submitted_at": (np.datetime64("2025-01-01") + days).astype("datetime64[us]"),
            ... }
            >>> monthly = trend(data, as_of=date(2025, 4, 1), min_n=0)
            >>> ax = monthly.plot(label="relationship NPS")
            >>> points = ax.get_lines()[1]  # after the line at 0
            >>> points.get_xdata().astype("datetime64[D]").astype(str).tolist()
            ['2025-01-01', '2025-02-01', '2025-03-01']
            >>> points.get_ydata().tolist()  # nobody answered in March: a gap, not 0
            [100.0, -100.0, nan]
            >>> [text.get_text() for text in ax.get_legend().get_texts()]
            ['relationship NPS', 'significant change']
            >>> plt.close(ax.figure)
        """
        starts = np.array(
            [p.start.replace(tzinfo=None) for p in self.points], dtype="datetime64[us]"
        )
        return draw_trend(
            axes(ax),
            starts,
            self.scores,
            self._bounds(),
            self.significant,
            xlabel="window start" if self.period is None else f"{self.period} start",
            label=label,
            style=style,
        )

    def _bounds(
        self, level: float | None = None, method: NPSInterval = "adjusted_wald"
    ) -> tuple[FloatArray, FloatArray]:
        """Per period the interval's bounds (``NaN`` where the period has no response)."""
        one_of(method, NPSInterval, "method")
        level = self.confidence_level if level is None else level
        bounds = [
            p.result.confidence_interval(level, method) if p.result.n else (math.nan,) * 2
            for p in self.points
        ]
        array = np.array(bounds, dtype=np.float64).reshape(-1, 2)
        return array[:, 0], array[:, 1]

    def to_dict(self) -> dict[str, object]:
        """The trend as strict JSON values, one entry per period in ``points``.

        Each point has ``start``, ``end`` (ISO instants), ``score``, ``n``,
        ``unanswered``, ``confidence_interval`` (``{"low", "high"}`` at the trend's
        level; ``None`` for an empty period), ``change`` (the difference from the
        previous disjoint period), ``pvalue``, ``significant`` and ``complete``.
        """
        low, high = self._bounds()
        rows = [
            {
                "start": p.start,
                "end": p.end,
                "score": p.result.score,
                "n": p.result.n,
                "unanswered": p.result.unanswered,
                "confidence_interval": (
                    None if p.result.n == 0 else jsonable(ConfidenceInterval(lo, hi))
                ),
                "change": p.change.difference if p.change else None,
                "pvalue": p.change.pvalue if p.change else None,
                "significant": p.significant,
                "complete": p.complete,
            }
            for p, lo, hi in zip(self.points, low.tolist(), high.tolist())
        ]
        return json_dict(
            {
                "period": self.period,
                "rolling_days": self.rolling_days,
                "dedupe": self.dedupe,
                "survey_type": self.survey_type,
                "as_of": self.as_of,
                "alpha": self.alpha,
                "confidence_level": self.confidence_level,
                "min_n": self.min_n,
                "timezone": self.timezone,
                "points": rows,
            }
        )

    def format(self, *, decimals: int = 1) -> str:
        """The trend as a text table; ``*`` marks a significant change.

        Args:
            decimals: Digits after the point of the scores, intervals and changes.

        Raises:
            InvalidInputError: If ``decimals`` is not a whole number from 0 to 6.
        """
        digits = whole_number(decimals, "decimals", low=0, high=6)
        rows = []
        low, high = self._bounds()
        for p, lo, hi in zip(self.points, low.tolist(), high.tolist()):
            label = f"{p.start.date()}..{p.end.date()}"
            if p.result.score is None:
                rows.append([label, "-", "0"])
                continue
            change = f"{p.change.difference:+.{digits}f}" if p.change else ""
            mark = " *" if p.significant else ""
            rows.append([label, *nps_cells(p.result.score, p.result.n, lo, hi, digits)])
            rows[-1].append(change + mark)
        return align_columns(
            ["period", "NPS", "n", "interval", "change"],
            rows,
            align="<>><<",
            widths=[23, *nps_widths(digits)],
            gaps=NPS_GAPS,
        )

    def __repr__(self) -> str:
        what = (
            f"periods of {self.period}"
            if self.rolling_days is None
            else f"rolling windows of {self.rolling_days} days"
        )
        return (
            f"NPSTrend({len(self)} {what}, dedupe={self.dedupe!r}, "
            f"survey_type={self.survey_type!r}, "
            f"{int(self.significant.sum())} significant changes)"
        )


# --- the text tables of NPS results with rows (a trend, a breakdown) -------------------------

#: The text between the columns label, NPS, n, interval and the last (change, vs rest).
NPS_GAPS = (" ", " ", "  ", "  ")


def nps_widths(digits: int) -> tuple[int, int, int]:
    """The least widths of the NPS, n and interval columns (a score of -100 fills NPS)."""
    return 5 + digits, 7, 2 * (4 + digits) + 4


def nps_cells(score: float, n: int, low: float, high: float, digits: int) -> list[str]:
    """The NPS, n and interval cells of a row: ``['75.0', '120', '[ 65.1,  81.2]']``."""
    bound = 4 + digits
    interval = f"[{low:{bound}.{digits}f}, {high:{bound}.{digits}f}]"
    return [f"{score:.{digits}f}", str(n), interval]


def _naive_utc(instant: datetime) -> datetime:
    return instant.astimezone(_tz.utc).replace(tzinfo=None)


def _nan(value: float | None) -> float:
    return math.nan if value is None else value
