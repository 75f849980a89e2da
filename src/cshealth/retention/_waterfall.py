"""The MRR waterfall: `MRRMovements`, the movements of each kind per period.

The kinds of movement are spec 3.1's (the ChartMogul taxonomy), in waterfall order
(`KINDS`). Each period starts where the one before ended and adds its movements, so
``starting_mrr + movements = ending_mrr`` holds exactly; the movements behind the sums are
kept (`_Moves`), and `MRRMovements.classified` lists them one per row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Literal, cast, get_args

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._plot import axes
from cshealth._result import RowsResult
from cshealth._types import AsOf, FloatArray, IntArray, ObjectArray, Period
from cshealth.io import Table
from cshealth.retention._mrr_plot import (
    WaterfallPicture,
    draw_net,
    draw_period,
    draw_periods,
    pick_period,
)
from cshealth.retention._periods import as_day, days_to_periods, period_labels
from cshealth.retention._timeline import Timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["KINDS", "MRRMovements", "MovementKind"]

#: The kinds of MRR movement (spec 3.1), in waterfall order.
MovementKind = Literal["new", "expansion", "reactivation", "contraction", "churn"]
KINDS: tuple[MovementKind, ...] = get_args(MovementKind)


@dataclass(frozen=True, eq=False, repr=False)
class MRRMovements(RowsResult):
    """Per period MRR movements: the waterfall ``start + movements = end``.

    Periods are half-open: a change effective on a period's first day is one of its
    movements, and ``starting_mrr`` is the MRR in force on the day before. The first and
    last periods are cut at the window's ``start`` and ``end``.

    For every period, ``ending_mrr`` is computed as ``starting_mrr + new_mrr +
    expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr`` in that order, and
    the next period starts from it, so the identity holds exactly in floating point; the
    tests check it against the MRR summed account by account.

    Attributes:
        period: The calendar period.
        labels: Each period's label (``2025-01``).
        starts: Each period's first day (the window start for the first).
        starting_mrr: MRR in force just before each period.
        new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, churned_mrr: The
            movements of each kind, as positive amounts.
        ending_mrr: MRR in force at the end of each period.
        counts: Per kind, how many movements (one per account and change, or per
            grouped run of changes) fell in each period.

    One row per period: ``len()`` is the number of periods, ``to_dict()`` gives each
    field (the arrays as lists, ``counts`` as a list per kind) and ``to_pandas()`` one
    row per period with the columns ``labels``, ``starts``, ``starting_mrr``, the five
    movement columns, ``ending_mrr`` and the counts ``new_count`` ... ``churn_count``.
    ``print(movements)`` shows `format`, and `plot` draws the waterfall.
    """

    row_fields = (
        "labels",
        "starts",
        "starting_mrr",
        "new_mrr",
        "expansion_mrr",
        "reactivation_mrr",
        "contraction_mrr",
        "churned_mrr",
        "ending_mrr",
    )

    period: Period
    labels: tuple[str, ...]
    starts: tuple[date, ...]
    end: date
    starting_mrr: FloatArray
    new_mrr: FloatArray
    expansion_mrr: FloatArray
    reactivation_mrr: FloatArray
    contraction_mrr: FloatArray
    churned_mrr: FloatArray
    ending_mrr: FloatArray
    counts: Mapping[MovementKind, IntArray]
    _timeline: Timeline | None = field(default=None, repr=False, compare=False)
    _moves: _Moves | None = field(default=None, repr=False, compare=False)

    @cached_property
    def classified(self) -> Table:
        """One row per movement, in date order (built on first use).

        Columns: ``account_id``, ``effective_on``, ``period`` (its label), ``kind``,
        ``mrr_before``, ``mrr_after`` and ``amount``.

        Raises:
            InvalidInputError: On a waterfall finalised from partials
                (`MRRMovementsPartial.finalize`): partials keep the sums, not the
                movements behind them.
        """
        if self._timeline is None or self._moves is None:
            msg = (
                "this waterfall was finalised from partials, which keep the sums of the "
                "movements and not the movements: call mrr_movements on the changes "
                "themselves (or on one partition's) to list them"
            )
            raise InvalidInputError(msg)
        numbers = days_to_periods(
            np.array([as_day(start, "start") for start in self.starts], dtype=np.int64), self.period
        )
        return _classified(self._timeline, self._moves, numbers, self.period)

    @property
    def net_new_mrr(self) -> FloatArray:
        """New + expansion + reactivation - contraction - churn, per period."""
        return self.ending_mrr - self.starting_mrr

    def amounts(self, kind: MovementKind) -> FloatArray:
        """The movements of one kind per period (positive amounts).

        Raises:
            InvalidInputError: On an unknown kind.
        """
        columns = {
            "new": self.new_mrr,
            "expansion": self.expansion_mrr,
            "reactivation": self.reactivation_mrr,
            "contraction": self.contraction_mrr,
            "churn": self.churned_mrr,
        }
        return columns[cast("MovementKind", one_of(kind, MovementKind, "kind"))]

    def quick_ratio(
        self, *, include_reactivation: bool = False, allow_inf: bool = False
    ) -> float | None:
        """SaaS quick ratio over the whole window: (new + expansion) / (churn + contraction).

        Args:
            include_reactivation: Add reactivation MRR to the gains (some Baremetrics
                views do; label it when you do).
            allow_inf: Return ``math.inf`` (not ``None``) when there were gains and no
                losses.

        Returns:
            The ratio; ``None`` without losses (unless ``allow_inf``) and without any
            movement at all.

        Examples:
            >>> from cshealth.retention import mrr_movements
            >>> m = mrr_movements(
            ...     {
            ...         "account_id": ["A", "B", "A"],
            ...         "effective_on": ["2025-01-05", "2025-01-09", "2025-01-20"],
            ...         "mrr": [300.0, 100.0, 200.0],
            ...     },
            ...     start=date(2025, 1, 1),
            ...     end=date(2025, 2, 1),
            ... )
            >>> m.quick_ratio()  # (300 + 100) new / 100 contraction
            4.0
        """
        gains = math.fsum(self.new_mrr) + math.fsum(self.expansion_mrr)
        if include_reactivation:
            gains += math.fsum(self.reactivation_mrr)
        losses = math.fsum(self.churned_mrr) + math.fsum(self.contraction_mrr)
        if losses:
            return gains / losses
        return math.inf if allow_inf and gains else None

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        """The rows per period: starts as days, then one count column per kind."""
        columns = super()._columns()
        columns["starts"] = np.array(self.starts, dtype="datetime64[D]")
        columns.update({f"{kind}_count": self.counts[kind] for kind in KINDS})
        return columns

    def plot(
        self,
        ax: Axes | None = None,
        *,
        only: AsOf | None = None,
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw the waterfall: every period's movements, or one period's classic waterfall.

        By default, one column per period on a date axis (centred on the period, as wide
        as 80% of it): the gains stacked up from 0 (new, expansion, reactivation), the
        losses stacked down from 0 (contraction, churn), each kind in its colour and
        named in the legend, and the net new MRR (``ending_mrr - starting_mrr``) as a
        black marker per period. With ``only``, that period's classic waterfall: the
        starting MRR as a bar from 0, each movement floating from the running total
        (gains up in green, losses down in red), the ending MRR as a bar from 0, and
        dashed connectors at each running total. A period without movements draws bars
        of height 0: it was measured. Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            only: One period, by its label (``"2025-04"``) or a day inside it (its start,
                as a date or ISO text): draw its classic waterfall.
            label: Draw the net new MRR per period alone, as a line with this name in a
                legend (``ax.legend()`` shows it): what `Grouped.plot` draws for each
                group, as stacked bars of several groups on one ``Axes`` would hide one
                another. Not with ``only``.
            **style: Passed to every bar (``alpha``, ``edgecolor``, ``width`` in days
                for the periods or in columns for ``only``, ...); with ``label``, to the
                line (``color``, ``linestyle``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            InvalidInputError: When ``only`` names no period of the window, or comes
                with ``label``.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from cshealth.retention import mrr_movements
            >>> changes = {
            ...     "account_id": ["A", "B", "A", "B", "C"],
            ...     "effective_on": [
            ...         "2024-12-01",
            ...         "2024-12-10",
            ...         "2025-01-10",
            ...         "2025-01-15",
            ...         "2025-01-20",
            ...     ],
            ...     "mrr": [100.0, 50.0, 150.0, 0.0, 80.0],
            ... }
            >>> m = mrr_movements(changes, start=date(2025, 1, 1), end=date(2025, 2, 1))
            >>> ax = m.plot(only="2025-01")  # 150 + 80 new + 50 expansion - 50 churn
            >>> [float(bar.get_y()) for bar in ax.patches]  # where each bar starts
            [0.0, 150.0, 230.0, 280.0, 280.0, 280.0, 0.0]
            >>> [float(bar.get_height()) for bar in ax.patches]  # losses point down
            [150.0, 80.0, 50.0, 0.0, 0.0, -50.0, 230.0]
            >>> [tick.get_text() for tick in ax.get_xticklabels()]
            ['start', 'new', 'expansion', 'reactivation', 'contraction', 'churn', 'end']
            >>> plt.close(ax.figure)
        """
        if only is not None and label is not None:
            msg = (
                "`only` draws one waterfall, which cannot share an Axes with another; "
                "give `only` or `label`, not both"
            )
            raise InvalidInputError(msg)
        index = None
        if only is not None:
            index = pick_period(only, self.labels, self.starts, self.end)
        picture = WaterfallPicture(
            period=self.period,
            labels=self.labels,
            starts=self.starts,
            end=self.end,
            starting=self.starting_mrr,
            amounts={kind: self.amounts(kind) for kind in KINDS},
            ending=self.ending_mrr,
        )
        drawn = axes(ax)
        if index is not None:
            return draw_period(drawn, picture, index, style)
        if label is not None:
            return draw_net(drawn, picture, label, style)
        return draw_periods(drawn, picture, style)

    def format(self, *, decimals: int = 0) -> str:
        """A text waterfall: one line per period (the demo prints it).

        Examples:
            >>> from cshealth.retention import mrr_movements
            >>> m = mrr_movements(
            ...     {"account_id": ["A"], "effective_on": ["2025-01-05"], "mrr": [300.0]},
            ...     start=date(2025, 1, 1),
            ...     end=date(2025, 3, 1),
            ... )
            >>> print(m.format())
            period    start  new  expansion  reactivation  contraction  churn  end
            2025-01       0  300          0             0            0      0  300
            2025-02     300    0          0             0            0      0  300
        """
        header = ["period", "start", *KINDS, "end"]
        rows = [header]
        for i, label in enumerate(self.labels):
            values = [self.starting_mrr[i], *(self.amounts(k)[i] for k in KINDS)]
            values.append(self.ending_mrr[i])
            rows.append([label, *(f"{v:,.{decimals}f}" for v in values)])
        widths = [max(len(row[j]) for row in rows) for j in range(len(header))]
        lines = []
        for row in rows:
            cells = [row[0].ljust(widths[0])]
            cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
            lines.append("  ".join(cells))
        return "\n".join(lines)

    def __repr__(self) -> str:
        shown = f"{self.labels[0]}..{self.labels[-1]}" if self.labels else "none"
        return (
            f"MRRMovements(period={self.period!r}, periods={len(self.labels)} ({shown}), "
            f"starting_mrr={float(self.starting_mrr[0]) if self.labels else 0.0:.6g}, "
            f"ending_mrr={float(self.ending_mrr[-1]) if self.labels else 0.0:.6g})"
        )


@dataclass(frozen=True)
class _Moves:
    """The window's movements: one per change (or grouped run of changes)."""

    rows: IntArray  # position in the timeline of the movement's first change
    last: IntArray  # position of its last change
    before: FloatArray
    after: FloatArray
    slot: IntArray  # the period it falls in
    kind: IntArray  # index into KINDS; -1 for no movement (same level)


def _classified(timeline: Timeline, moves: _Moves, numbers: IntArray, period: Period) -> Table:
    # in date order, then input order
    order = np.lexsort((timeline.rows[moves.rows], timeline.day[moves.rows]))
    order = order[moves.kind[order] >= 0]
    rows = moves.rows[order]
    labels = np.array(period_labels(numbers, period), dtype=object)
    kinds: ObjectArray = np.array(KINDS, dtype=object)[moves.kind[order]]
    return Table(
        {
            "account_id": timeline.account_ids[timeline.codes[rows]],
            "effective_on": timeline.day[rows].astype("datetime64[D]"),
            "period": labels[moves.slot[order]],
            "kind": kinds,
            "mrr_before": moves.before[order],
            "mrr_after": moves.after[order],
            "amount": np.abs(moves.after[order] - moves.before[order]),
        }
    )
