"""`transitions`: how the book of business moved between stages from one day to another.

The from-to matrix counts each account once: its stage on the earlier day (a row) and on
the later day (a column). Accounts only in the later assignments come from the row
``new``; accounts only in the earlier go to the column ``gone``. Weighted by MRR, each
account counts its MRR on the earlier day (new accounts: on the later day), so a row sums
to the MRR that was in that stage. Shares out of each stage are the row shares (where the
accounts of a stage went), shares into each stage the column shares (where the accounts of
a stage came from), as in `retentioneering`'s transition matrices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal, cast

import numpy as np

from cshealth._checks import float_array
from cshealth._exceptions import InvalidInputError, MissingDependencyError
from cshealth._plot import axes
from cshealth._result import Result
from cshealth._types import FloatArray, IntArray
from cshealth.io._read import keyed_values, positions_of
from cshealth.lifecycle._assignments import StageAssignments
from cshealth.lifecycle._plot_flow import draw_flow_bars, draw_flow_matrix

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["GONE", "NEW", "StageFlow", "transitions"]

#: The row of accounts only in the later assignments.
NEW = "new"
#: The column of accounts only in the earlier assignments.
GONE = "gone"


@dataclass(frozen=True, eq=False, repr=False)
class StageFlow(Result):
    """The from-to matrix of stages between two days (see `transitions`).

    Attributes:
        start: The earlier day.
        end: The later day.
        rows: The stages of the earlier day, then ``'new'``.
        columns: The stages of the later day, then ``'gone'``.
        counts: Accounts per (row, column).
        weights: MRR per (row, column) when weighted, else ``None``.
        weight: ``'mrr'``, ``'weight'`` (weights given as a mapping) or ``None``.
    """

    start: date
    end: date
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: IntArray
    weights: FloatArray | None
    weight: str | None

    @property
    def values(self) -> FloatArray:
        """The weights when weighted, else the counts, as floats."""
        return self.counts.astype(np.float64) if self.weights is None else self.weights

    def share_out(self) -> FloatArray:
        """Each row's split over the columns (rows sum to 1; NaN for an empty row)."""
        totals = self.values.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(totals > 0, self.values / totals, np.nan)

    def share_in(self) -> FloatArray:
        """Each column's split over the rows (columns sum to 1; NaN for an empty one)."""
        totals = self.values.sum(axis=0, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(totals > 0, self.values / totals, np.nan)

    def moved(self, source: str, target: str) -> float:
        """The count (or weight) that went from ``source`` to ``target``.

        Raises:
            KeyError: On a stage that is not a row or a column.
        """
        try:
            return float(self.values[self.rows.index(source), self.columns.index(target)])
        except ValueError:
            msg = f"no flow {source!r} -> {target!r}; rows {self.rows}, columns {self.columns}"
            raise KeyError(msg) from None

    def plot(
        self,
        ax: Axes | None = None,
        *,
        kind: Literal["matrix", "bars"] = "matrix",
        annotate: bool = True,
        cmap: str = "Blues",
        **style: object,
    ) -> Axes:
        """Draw the flow: the from-to matrix as a heatmap, or each stage's in and out.

        ``kind='matrix'``: one row per stage on `start` (then ``new``), one column per
        stage on `end` (then ``gone``), each cell coloured by its accounts (or weight,
        when weighted) and the number written on it; a cell no account moved through is
        blank, not the colour of 0, and the cells of the accounts that stayed in their
        stage are outlined. ``kind='bars'``: per stage, what came into it (from other
        stages or new) as a bar up, what left it (to other stages or gone) as a bar
        down. Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            kind: ``{'matrix', 'bars'}``.
            annotate: Whether to write the numbers on the cells (or at the bars).
            cmap: The name of a matplotlib colour map (``kind='matrix'``).
            **style: Passed to ``imshow`` (``kind='matrix'``: ``vmax``, ``alpha``, ...)
                or to both ``bar`` calls (``kind='bars'``: ``width``, ``alpha``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            InvalidInputError: On a ``kind`` not listed above.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from datetime import date
            >>> from cshealth.lifecycle import classify, transitions
            >>> accounts = {
            ...     "id": ["a", "b", "c"],
            ...     "start_date": ["2025-01-01", "2024-01-01", "2025-03-01"],
            ...     "end_date": [None, "2025-03-10", None],
            ... }
            >>> jan = classify(accounts, as_of=date(2025, 2, 1))
            >>> ax = transitions(jan, classify(accounts, as_of=date(2025, 4, 1))).plot()
            >>> cells = ax.images[0].get_array()
            >>> int(cells.count()), float(cells[2, 3]), float(cells[7, 2])  # a moved, c new
            (3, 1.0, 1.0)
            >>> [label.get_text() for label in ax.get_yticklabels()][-1], ax.get_ylabel()
            ('new', 'stage on 2025-02-01')
            >>> plt.close(ax.figure)
        """
        if kind not in ("matrix", "bars"):
            msg = f"`kind` must be 'matrix' or 'bars', got {kind!r}"
            raise InvalidInputError(msg)
        unit = {None: "accounts", "mrr": "MRR"}.get(self.weight, "weight")
        if kind == "bars":
            return draw_flow_bars(
                axes(ax),
                self.values,
                self.counts,
                stages=self.rows[:-1],
                unit=unit,
                annotate=annotate,
                style=style,
            )
        return draw_flow_matrix(
            axes(ax),
            self.values,
            self.counts,
            rows=self.rows,
            columns=self.columns,
            days=(str(self.start), str(self.end)),
            unit=unit,
            annotate=annotate,
            cmap=cmap,
            style=style,
        )

    def to_pandas(self) -> pd.DataFrame:
        """One row per (from, to) cell.

        Columns: ``from_stage``, ``to_stage``, ``accounts``, ``mrr`` (or ``weight``, when
        weighted), ``share_out`` and ``share_in``.

        Raises:
            MissingDependencyError: When pandas is not installed.
        """
        try:
            import pandas  # noqa: PLC0415 - an optional extra, imported only when asked
        except ImportError as error:  # pragma: no cover - the test extras install pandas
            msg = "to_pandas() needs pandas: pip install 'cshealth[pandas]'"
            raise MissingDependencyError(msg) from error
        r, c = np.meshgrid(np.arange(len(self.rows)), np.arange(len(self.columns)), indexing="ij")
        data: dict[str, object] = {
            "from_stage": np.array(self.rows, dtype=object)[r.ravel()],
            "to_stage": np.array(self.columns, dtype=object)[c.ravel()],
            "accounts": self.counts.ravel(),
        }
        if self.weights is not None:
            data[self.weight or "weight"] = self.weights.ravel()
        data["share_out"] = self.share_out().ravel()
        data["share_in"] = self.share_in().ravel()
        frame: pd.DataFrame = pandas.DataFrame(data)
        return frame

    def format(self) -> str:
        """The matrix of counts (or weights) as text, rows from, columns to."""
        cells = self.values
        shown = [[f"{v:,.0f}" for v in row] for row in cells.tolist()]
        width = max([len(s) for row in shown for s in row] + [len(c) for c in self.columns])
        head = max(len(r) for r in self.rows)
        corner = "from / to"
        head = max(head, len(corner))
        lines = [f"{corner:<{head}} " + " ".join(f"{c:>{width}}" for c in self.columns)]
        for name, row in zip(self.rows, shown):
            lines.append(f"{name:<{head}} " + " ".join(f"{s:>{width}}" for s in row))
        return "\n".join(lines)

    def __repr__(self) -> str:
        stayed = sum(
            int(self.counts[i, self.columns.index(name)])
            for i, name in enumerate(self.rows)
            if name in self.columns
        )
        return (
            f"StageFlow({self.start} to {self.end}: {int(self.counts.sum())} accounts, "
            f"{stayed} in the same stage)"
        )


def transitions(
    a: StageAssignments,
    b: StageAssignments,
    *,
    weight: Literal["mrr"] | Mapping[object, float] | None = None,
) -> StageFlow:
    """The from-to matrix of stages between the assignments ``a`` and the later ``b``.

    Args:
        a: The assignments of the earlier day.
        b: The assignments of the later day.
        weight: ``None`` counts accounts; ``'mrr'`` weighs each by its MRR on the earlier
            day (new accounts: the later day; unknown MRR counts 0); a mapping from
            account id to weight weighs by it (accounts it lacks weigh 0).

    Returns:
        The `StageFlow`: rows are ``a``'s stages then ``'new'``, columns ``b``'s stages
        then ``'gone'``, in the rules' order.

    Raises:
        InvalidInputError: When ``a`` or ``b`` is not `StageAssignments`, ``b`` is not
            later than ``a``, the ids are of different kinds, or ``weight`` is neither.

    Examples:
        >>> from datetime import date
        >>> from cshealth.lifecycle import classify
        >>> accounts = {
        ...     "id": ["a", "b", "c"],
        ...     "start_date": ["2025-01-01", "2024-01-01", "2025-03-01"],
        ...     "end_date": [None, "2025-03-10", None],
        ...     "mrr": [100.0, 50.0, 80.0],
        ... }
        >>> jan = classify(accounts, as_of=date(2025, 2, 1))
        >>> apr = classify(accounts, as_of=date(2025, 4, 1))
        >>> flow = transitions(jan, apr)
        >>> flow.moved("onboarding", "adoption"), flow.moved("engagement", "churned")
        (1.0, 1.0)
        >>> transitions(jan, apr, weight="mrr").moved("new", "onboarding")
        80.0
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(cast("object", value), StageAssignments):
            msg = f"`{name}` must be StageAssignments, got {type(value).__name__}"
            raise InvalidInputError(msg)
    if b.as_of <= a.as_of:
        msg = f"`b` ({b.as_of}) must be later than `a` ({a.as_of})"
        raise InvalidInputError(msg)
    names = [r.name for r in (*a.rules.stages, *b.rules.stages)]
    stages = list(dict.fromkeys(names))
    rows, columns = (*stages, NEW), (*stages, GONE)
    k = len(stages)
    in_a = positions_of(a.account_ids, b.account_ids, keys_name="`a` accounts", values_name="`b`")
    # the other way round by inverting: `classify` gives each account one row
    in_b = np.full(len(a), -1, dtype=np.int64)
    in_b[in_a[in_a >= 0]] = np.flatnonzero(in_a >= 0)
    new = in_a < 0
    stage_a, stage_b = _codes(a.stage, stages), _codes(b.stage, stages)
    source = np.r_[stage_a, np.full(int(new.sum()), k)]
    kept = stage_b[np.maximum(in_b, 0)] if len(b) else np.full(len(in_b), k)
    target = np.r_[np.where(in_b >= 0, kept, k), stage_b[new]]
    cells = source * (k + 1) + target
    counts = np.bincount(cells, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
    weights = None
    label = None
    if weight is not None:
        w = _weights(weight, a, b, in_a)
        cell_sums = np.bincount(cells, weights=w, minlength=(k + 1) ** 2)
        weights = cell_sums.reshape(k + 1, k + 1).astype(np.float64)
        label = "mrr" if isinstance(weight, str) else "weight"
    return StageFlow(a.as_of, b.as_of, rows, columns, counts.astype(np.int64), weights, label)


def _codes(stage: object, stages: list[str]) -> IntArray:
    """Each stage label's position in ``stages``."""
    labels = np.asarray(stage, dtype=object)
    out = np.zeros(len(labels), dtype=np.int64)
    for i, name in enumerate(stages):
        out[labels == name] = i
    return out


def _weights(
    weight: object, a: StageAssignments, b: StageAssignments, in_a: IntArray
) -> FloatArray:
    """Per account of ``a`` then per new account of ``b``, its weight."""
    new = in_a < 0
    if isinstance(weight, str):
        if weight != "mrr":
            msg = (
                f"`weight` must be 'mrr', a mapping {{account_id: weight}} or None, got {weight!r}"
            )
            raise InvalidInputError(msg)
        mrr: FloatArray = np.nan_to_num(np.r_[a.mrr, b.mrr[new]])
        return mrr
    if not isinstance(weight, Mapping):
        msg = (
            "`weight` must be 'mrr', a mapping {account_id: weight} or None, got "
            f"{type(weight).__name__}"
        )
        raise InvalidInputError(msg)
    ids = np.r_[a.account_ids, b.account_ids[new]]
    values, found = keyed_values(weight, ids, name="weight")
    out = np.zeros(len(ids))
    out[found] = float_array(values[found], "weight")
    bad = np.flatnonzero(~(np.isfinite(out) & (out >= 0)))
    if len(bad):
        shown = ", ".join(f"{ids[i]!r}: {out[i]!r}" for i in bad[:5].tolist())
        msg = f"`weight` must be finite and >= 0 for every account, got {shown}"
        raise InvalidInputError(msg)
    return out
