"""The grid every cohort table shares: cohorts by offsets, censored cells, the average row.

`CohortTable` and `RevenueCohortTable` are both a `_CohortGrid`: one row per cohort (the
period of its start), one column per offset ``k``, a cell observed only once its period
has ended by ``as_of`` (censored cells are ``NaN``, printed blank, never 0), and an
``average`` row that pools only the cohorts that have reached ``k``. `_Span` is the
stretch of periods a table covers (at most `MAX_PERIODS`), and `_by_offset` turns cells
by (cohort, period) into cells by (cohort, offset).
"""

from __future__ import annotations

import math
import operator
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._plot import axes
from cshealth._result import RowsResult
from cshealth._types import BoolArray, DateArray, FloatArray, IntArray, Period
from cshealth.retention._cohort_plot import draw_cohorts
from cshealth.retention._periods import day_to_date, days_to_periods, period_labels, period_starts

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["MAX_PERIODS"]


@dataclass(frozen=True, eq=False, repr=False)
class _CohortGrid(RowsResult, ABC):
    """What every cohort table has: cohorts by offsets, censored cells and the average.

    One row per cohort: ``len()`` is the number of cohorts, and ``to_pandas()`` is the
    table as a pandas user draws it, wide: one row per cohort with its label, start and
    size column(s), then one column per offset (named by the whole number ``0``, ``1``,
    ...) holding the rate, NaN where censored. The ``average`` row is not a cohort, and
    the cells behind the rates (``counts``, ``mrr``) are fields of their own.
    ``to_dict()`` gives every field, grids as lists of rows, NaN as ``None``.
    """

    period: Period
    as_of: date
    cohorts: tuple[str, ...]
    starts: DateArray
    observed: BoolArray
    rates: FloatArray
    average: FloatArray

    @property
    def offsets(self) -> int:
        """How many offsets (columns) the table has: ``0 .. offsets - 1``."""
        return int(self.rates.shape[1])

    def to_pandas(self) -> pd.DataFrame:
        """One row per cohort: ``cohorts``, ``starts``, the size column(s), then the rates.

        The rate at offset ``k`` is in the column named by the whole number ``k`` (NaN
        where censored), so ``frame.set_index("cohorts")[range(table.offsets)]`` is the
        retention triangle.

        Raises:
            MissingDependencyError: When pandas is not installed.

        Examples:
            >>> from datetime import date
            >>> from cshealth.retention import cohort_table
            >>> t = cohort_table(
            ...     [1, 1, 2],
            ...     [date(2025, 1, 5), date(2025, 2, 1), date(2025, 2, 9)],
            ...     as_of=date(2025, 3, 1),
            ... )
            >>> t.to_pandas()
              cohorts     starts  sizes    0    1
            0  2025-01 2025-01-01      1  1.0  1.0
            1  2025-02 2025-02-01      1  1.0  NaN
        """
        frame = super().to_pandas()
        # a frame of the rates, built by the frame's own class (pandas stays an optional import)
        grid = type(frame)(self.rates.copy(), columns=range(self.offsets), index=frame.index)
        joined: pd.DataFrame = frame.join(grid)
        return joined

    def format(self, *, decimals: int = 0) -> str:
        """The table as text: one row per cohort, then the ``average`` row.

        Each row shows the cohort label, its size column(s) and the rate at each offset
        in percent. Censored cells (not yet observed at ``as_of``) are blank; an
        observed cell whose rate is undefined (a zero base) shows ``-``.

        Args:
            decimals: Digits after the decimal point of the percentages.

        Returns:
            The grid, columns aligned, lines joined by newlines.

        Raises:
            InvalidInputError: If ``decimals`` is not a whole number from 0 to 6.

        Examples:
            >>> from datetime import date
            >>> from cshealth.retention import cohort_table
            >>> t = cohort_table(
            ...     [1, 1, 2],
            ...     [date(2025, 1, 5), date(2025, 2, 1), date(2025, 2, 9)],
            ...     as_of=date(2025, 3, 1),
            ... )
            >>> print(t.format())
            cohort   size     0    1
            2025-01     1  100%  100%
            2025-02     1  100%
            average     2  100%  100%
        """
        try:
            places = operator.index(decimals)
        except TypeError:
            places = -1
        if not 0 <= places <= 6:
            msg = f"`decimals` must be a whole number from 0 to 6, got {decimals!r}"
            raise InvalidInputError(msg)
        header = [
            "cohort",
            *(name for name, _ in self._size_columns()),
            *map(str, range(self.offsets)),
        ]
        rows = [header]
        sized = [cells for _, cells in self._size_columns()]
        for c, label in enumerate(self.cohorts):
            cells = _percent_cells(self.rates[c], self.observed[c], places)
            rows.append([label, *(column[c] for column in sized), *cells])
        average = _percent_cells(self.average, _any_row(self.observed), places)
        rows.append(["average", *(column[-1] for column in sized), *average])
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = []
        for row in rows:
            first = row[0].ljust(widths[0])
            rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
            lines.append("  ".join([first, *rest]).rstrip())
        return "\n".join(lines)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        annotate: bool = True,
        cmap: str = "viridis",
        **style: object,
    ) -> Axes:
        """Draw the table as a heatmap, the cells not yet observed left blank.

        One row per cohort (first on top, labelled), one column per offset (periods
        since start), the colour of each cell its rate, a colour bar in percent. A
        censored cell is masked: it shows the background, never the colour of 0%. The
        ``average`` row is not drawn. Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            annotate: Whether to write each cell's rate on it, in whole percent.
            cmap: The name of a matplotlib colour map.
            **style: Passed to ``imshow`` (``vmin``, ``vmax``, ``alpha``, ...). The scale
                runs from 0 to 100%, or to the highest rate when one is above 100%.

        Returns:
            The ``Axes`` drawn on.

        Raises:
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from datetime import date
            >>> from cshealth.retention import cohort_table
            >>> ids = ["a", "a", "b", "b", "c"]
            >>> days = ["2025-01-03", "2025-02-08", "2025-01-09", "2025-03-02", "2025-02-14"]
            >>> ax = cohort_table(ids, days, as_of=date(2025, 4, 1)).plot()
            >>> cells = ax.images[0].get_array()
            >>> cells.tolist()  # February's cohort has not reached offset 2: blank
            [[1.0, 0.5, 0.5], [1.0, 0.0, None]]
            >>> [label.get_text() for label in ax.get_yticklabels()]
            ['2025-01', '2025-02']
            >>> plt.close(ax.figure)
        """
        return draw_cohorts(
            axes(ax),
            self.rates,
            self.observed,
            cohorts=self.cohorts,
            period=self.period,
            annotate=annotate,
            cmap=cmap,
            style=style,
        )

    @abstractmethod
    def _size_columns(self) -> list[tuple[str, list[str]]]:
        """Per size column: its header and its text per cohort, then for the average row."""

    def _shape(self) -> str:
        return f"cohorts={len(self.cohorts)}, offsets={self.offsets}, as_of={self.as_of}"


def _percent_cells(rates: FloatArray, observed: BoolArray, decimals: int) -> list[str]:
    cells = []
    for rate, seen in zip(rates.tolist(), observed.tolist()):
        if not seen:
            cells.append("")
        elif math.isnan(rate):
            cells.append("-")
        else:
            cells.append(f"{100 * rate:.{decimals}f}%")
    return cells


def _any_row(cells: BoolArray) -> BoolArray:
    """Per column, whether any cell is set."""
    return np.asarray(cells.any(axis=0), dtype=bool)


class _Labels(TypedDict):
    """The fields of a table that depend on its cohorts only."""

    period: Period
    as_of: date
    cohorts: tuple[str, ...]
    starts: DateArray


class _EmptyGrid(_Labels):
    """Every shared field of a table without cohorts."""

    observed: BoolArray
    rates: FloatArray
    average: FloatArray


#: Most periods a cohort table may span (first cohort to ``as_of``): 100 years of months,
#: 23 years of weeks. Its grids hold periods x periods cells.
MAX_PERIODS = 1_200


@dataclass(frozen=True)
class _Span:
    """The periods a table covers: from the first cohort to the one holding ``as_of - 1``.

    Periods are absolute numbers (`days_to_periods`); ``first`` is offset 0 of the first
    cohort, ``last`` the period of the day before ``as_of``, and the periods before
    ``bound`` (``last`` itself only when ``as_of`` starts a period) have ended.
    """

    first: int
    last: int
    bound: int
    as_of_day: int
    period: Period

    @classmethod
    def of(cls, first_day: int, as_of_day: int, period: Period) -> _Span:
        first, last = days_to_periods(np.array([first_day, as_of_day - 1]), period).tolist()
        if last - first + 1 > MAX_PERIODS:
            msg = (
                f"a cohort table from {day_to_date(first_day)} to `as_of` "
                f"({day_to_date(as_of_day)}) spans {last - first + 1} {period}s; at most "
                f"{MAX_PERIODS} periods are allowed (its grid is periods x periods): pass an "
                "earlier `as_of`, data from a shorter stretch or a longer `period`"
            )
            raise InvalidInputError(msg)
        after = int(period_starts(np.array([last + 1]), period)[0])
        return cls(first, last, last + 1 if after == as_of_day else last, as_of_day, period)

    @property
    def width(self) -> int:
        """Periods from the first cohort to the last period (both included)."""
        return self.last - self.first + 1

    def labels(self, rows: IntArray) -> _Labels:
        """The fields every table shares that depend on the cohorts only."""
        periods = rows + self.first
        return {
            "period": self.period,
            "as_of": day_to_date(self.as_of_day),
            "cohorts": period_labels(periods, self.period),
            "starts": period_starts(periods, self.period).astype("datetime64[D]"),
        }


def _by_offset(
    span: _Span, rows: IntArray, by_period: FloatArray | IntArray
) -> tuple[FloatArray, BoolArray]:
    """Cells (cohort, offset) from cells (cohort, period), and which are observed.

    ``by_period`` has one row per cohort period and one column per period from the first
    (fewer columns are read as 0 beyond); offset ``k`` of the cohort in period ``c`` is
    column ``c + k``. Cells past the end of the span are 0 and not observed.
    """
    columns = rows[:, None] + np.arange(span.width)
    observed = columns + span.first < span.bound
    inside = columns < by_period.shape[1]
    picked = by_period[rows[:, None], np.minimum(columns, by_period.shape[1] - 1)]
    return np.where(inside & observed, picked, 0), observed


def _ratio(top: FloatArray, bottom: FloatArray, defined: BoolArray) -> FloatArray:
    """``top / bottom`` where ``defined`` (and ``bottom`` is not 0), NaN elsewhere."""
    out = np.full(np.shape(top), np.nan)
    np.divide(top, bottom, out=out, where=defined & (bottom != 0))
    return out


def _empty_grid(period: Period, as_of_day: int) -> _EmptyGrid:
    return {
        "period": period,
        "as_of": day_to_date(as_of_day),
        "cohorts": (),
        "starts": np.empty(0, dtype="datetime64[D]"),
        "observed": np.zeros((0, 0), dtype=bool),
        "rates": np.zeros((0, 0)),
        "average": np.zeros(0),
    }
