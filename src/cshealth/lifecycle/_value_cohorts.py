"""`ValueCohorts`: time to first value per start cohort, as a table and as a picture.

One row per start cohort (the calendar period of the start) of `time_to_value`: the
accounts on the curve, those that reached value, the Kaplan–Meier median days with its
interval, and the shares reaching value within each horizon. `ValueCohorts.plot` draws
the medians (or the shares) per cohort, leaving a gap where a cohort has none yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._plot import axes
from cshealth._result import RowsResult
from cshealth._types import BoolArray, FloatArray, IntArray, ObjectArray
from cshealth.lifecycle._plot_value import draw_value_cohorts
from cshealth.lifecycle._text import number, percent

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ValueCohorts"]


@dataclass(frozen=True, eq=False, repr=False)
class ValueCohorts(RowsResult):
    """Time to first value per start cohort (the calendar period of the start).

    One row per cohort, oldest first; ``to_pandas()`` gives the columns ``cohort``,
    ``starts_on``, ``accounts``, ``reached``, ``median_days``, ``median_low``,
    ``median_high`` and ``within_<days>`` for each horizon. Only accounts on the curve
    (started before ``as_of``, with a first-value milestone in their plan) are counted.
    `plot` draws the medians (or the shares within a horizon) per cohort.

    Attributes:
        cohort: Each cohort's label (``2025-Q1``).
        starts_on: Each cohort's first day.
        accounts: Accounts on the curve that started in it.
        reached: Those that reached first value before ``as_of``.
        median_days: The Kaplan–Meier median days to first value (NaN until half have
            reached it: a young cohort has no median yet).
        median_low: The lower bound of the median's 95% interval (NaN when none).
        median_high: Its upper bound (NaN when none).
        within: Per cohort and horizon, the share reaching value within that many
            days (`Share`; NaN where the cohort's curve does not reach that far).
        horizons: The horizons, in days, of the columns of ``within``.

    Examples:
        >>> from datetime import date
        >>> from cshealth.lifecycle import time_to_value
        >>> accounts = {
        ...     "id": ["a", "b", "c"],
        ...     "start_date": ["2025-01-10", "2025-02-01", "2025-04-02"],
        ... }
        >>> milestones = {
        ...     "account_id": ["a", "b", "c"],
        ...     "name": ["first report"] * 3,
        ...     "marks_first_value": [True] * 3,
        ...     "completed_on": ["2025-02-09", "2025-05-01", None],
        ... }
        >>> ttv = time_to_value(accounts, milestones, as_of=date(2025, 6, 1), horizons=(30, 60))
        >>> print(ttv.cohorts)
        cohort    accounts  reached  median    30d    60d
        2025-Q1          2        2      30    50%    50%
        2025-Q2          1        0       -     0%     0%
    """

    cohort: ObjectArray
    starts_on: NDArray[np.datetime64]
    accounts: IntArray
    reached: IntArray
    median_days: FloatArray
    median_low: FloatArray
    median_high: FloatArray
    within: FloatArray
    horizons: tuple[int, ...]

    _scalars: ClassVar[tuple[str, ...]] = (
        "cohort",
        "starts_on",
        "accounts",
        "reached",
        "median_days",
        "median_low",
        "median_high",
    )

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        columns: dict[str, NDArray[np.generic]] = {n: getattr(self, n) for n in self._scalars}
        for j, days in enumerate(self.horizons):
            columns[f"within_{days}"] = self.within[:, j]
        return columns

    def format(self) -> str:
        """One line per cohort: accounts, reached, median days and shares by horizon."""
        head = f"{'cohort':<8}  accounts  reached  median" + "".join(
            f"  {f'{days}d':>5}" for days in self.horizons
        )
        lines = [head]
        for i, label in enumerate(self.cohort.tolist()):
            shares = "".join(f"  {percent(float(v)):>5}" for v in self.within[i].tolist())
            median = number(float(self.median_days[i]), ".4g")
            lines.append(
                f"{label:<8}  {int(self.accounts[i]):>8}  {int(self.reached[i]):>7}"
                f"  {median:>6}{shares}"
            )
        return "\n".join(lines)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        within: int | None = None,
        min_accounts: int = 1,
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw each cohort's median days to first value, with its 95% interval.

        One point per cohort at its first day (a date axis, the cohort's label on its
        tick), joined by a line, with an error bar over the median's interval. A cohort
        where fewer than half have reached value has no median yet: no point, a break in
        the line, its tick kept. Where the interval has no upper bound yet, the bar stops
        at the median and a short dotted arrow up from the point says it is open.
        ``within`` draws the share reaching value within that many days instead (no
        point where no one in the cohort was followed that long). A cohort of fewer
        than ``min_accounts`` accounts is left out the same way. Needs matplotlib
        (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            within: One of `horizons`: draw the shares reaching value within it.
            min_accounts: Draw only the cohorts of at least this many `accounts`
                (the share of a cohort of one is 0% or 100%).
            label: The points' name in a legend (``ax.legend()`` shows it).
            **style: Passed to ``errorbar`` (or, with ``within``, ``plot``): ``color``,
                ``marker``, ``linestyle``, ...; the arrows take the points' colour.

        Returns:
            The ``Axes`` drawn on.

        Raises:
            InvalidInputError: When ``within`` is not one of `horizons`, or
                ``min_accounts`` is not a whole number from 1.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from datetime import date
            >>> from cshealth.lifecycle import time_to_value
            >>> accounts = {
            ...     "id": ["a", "b", "c", "d"],
            ...     "start_date": ["2025-01-10", "2025-02-01", "2025-04-02", "2025-03-01"],
            ... }
            >>> milestones = {
            ...     "account_id": ["a", "b", "c", "d"],
            ...     "name": ["first report"] * 4,
            ...     "marks_first_value": [True] * 4,
            ...     "completed_on": ["2025-02-09", "2025-05-01", None, "2025-03-21"],
            ... }
            >>> ttv = time_to_value(accounts, milestones, as_of=date(2025, 6, 1))
            >>> ax = ttv.cohorts.plot()
            >>> ax.lines[0].get_ydata().tolist()  # 2025-Q2 has no median yet: a gap
            [30.0, nan]
            >>> [label.get_text() for label in ax.get_xticklabels()]
            ['2025-Q1', '2025-Q2']
            >>> plt.close(ax.figure)
        """
        if within is not None and within not in self.horizons:
            msg = f"`within` must be one of the horizons {list(self.horizons)}, got {within!r}"
            raise InvalidInputError(msg)
        few = self.accounts < whole_number(min_accounts, "min_accounts", low=1)
        bounds: tuple[FloatArray, FloatArray] | None = None
        if within is None:
            values = _blank(self.median_days, few)
            bounds = (_blank(self.median_low, few), _blank(self.median_high, few))
            ylabel = "median days to first value"
        else:
            values = _blank(self.within[:, self.horizons.index(within)], few)
            ylabel = f"share reaching first value within {within} days"
        return draw_value_cohorts(
            axes(ax),
            self.starts_on,
            [str(label) for label in self.cohort.tolist()],
            values,
            bounds,
            ylabel=ylabel,
            label=label,
            style=style,
        )

    def __repr__(self) -> str:
        return f"ValueCohorts({len(self)} cohorts)"


def _blank(column: FloatArray, few: BoolArray) -> FloatArray:
    """``column`` with NaN in the rows ``few``: not drawn."""
    blanked: FloatArray = np.where(few, np.nan, column)
    return blanked
