"""`FittedScorecard`: the result of `fit_weights`, the weights fitted and how they did later.

One row per child of the scorecard's root (``to_pandas()``: ``child``, ``weight_before``,
``weight_after``, ``coefficient``); the fitted `Scorecard` itself; and the judgement on
the later dates: the `Evaluation` of the scorecard's scores and of the fitted ones, and
their paired `Comparison`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from cshealth._result import RowsResult
from cshealth._text import align_columns
from cshealth._types import FloatArray, ObjectArray
from cshealth.backtest._compare import Comparison
from cshealth.backtest._evaluation import Evaluation
from cshealth.backtest._panel_result import Panel
from cshealth.backtest._rescore import rescore, scored_panel
from cshealth.scoring import Scorecard

__all__ = ["FittedScorecard"]


@dataclass(frozen=True, eq=False, repr=False)
class FittedScorecard(RowsResult):
    """Weights of a scorecard's root fitted to later churn, and judged on later dates.

    Attributes:
        original: The scorecard the panel was scored by.
        scorecard: The same scorecard with the fitted weights on its root's children: a
            normal `Scorecard` with its own ``config_hash`` (the original's when the
            weights were kept).
        child: The root's children, in the scorecard's order (the rows).
        weight_before: Each child's weight in ``original``.
        weight_after: Its fitted weight: non-negative, summing to the total of
            ``weight_before``.
        coefficient: Each child's coefficient: the fall in the log-odds of churn per
            100 points of its score, holding the other children fixed (``>= 0``);
            ``weight_after`` is proportional to it.
        intercept: The fitted log-odds of churn where every child scores 0.
        l2: The ridge penalty the fit used.
        no_signal: Whether every coefficient was 0 (no child's score lowered the risk
            of churn on the training dates): then the weights were kept.
        train_dates: The dates fitted on.
        test_dates: The dates judged on, all after ``train_dates``.
        n_train: The observations fitted on (those of ``train_dates`` with a score).
        train_events: How many of them churned.
        before: The `Evaluation` of ``original``'s scores on ``test_dates``.
        after: The `Evaluation` of ``scorecard``'s scores on ``test_dates``.
        comparison: ``compare(before, after)`` on ``test_dates``: the difference in
            AUC (fitted minus original) with its paired interval and p-value.
    """

    original: Scorecard
    scorecard: Scorecard
    child: ObjectArray
    weight_before: FloatArray
    weight_after: FloatArray
    coefficient: FloatArray
    intercept: float
    l2: float
    no_signal: bool
    train_dates: tuple[date, ...]
    test_dates: tuple[date, ...]
    n_train: int
    train_events: int
    before: Evaluation
    after: Evaluation
    comparison: Comparison

    row_fields: ClassVar[tuple[str, ...]] = (
        "child",
        "weight_before",
        "weight_after",
        "coefficient",
    )

    @property
    def weights(self) -> dict[str, float]:
        """The fitted weight of each child of the root, by name."""
        return dict(zip(self.child.tolist(), self.weight_after.tolist()))

    @property
    def config_hash(self) -> str:
        """The fitted scorecard's configuration hash."""
        return self.scorecard.config_hash

    def rescore(self, panel: Panel) -> Panel:
        """A panel of the original scorecard's scores, scored by the fitted scorecard.

        The scores come from the panel's node scores (no inputs are read again) and equal
        ``scoring.score(fitted.scorecard, inputs)`` of each date's inputs exactly.

        Args:
            panel: A `Panel` scored by ``original`` (without overrides).

        Returns:
            The same observations with the fitted scorecard's scores, bands and
            configuration hash.

        Raises:
            InvalidInputError: On something other than a `Panel`, a panel scored by
                another scorecard, or one whose scores are not ``original``'s of its node
                scores.
        """
        scored_panel(self.original, panel)
        return rescore(panel, self.scorecard)

    def format(self) -> str:
        """The fit, one line per child, then the judgement on the later dates."""
        head = (
            f"Weights of {self.original.name!r} fitted on {_span(self.train_dates)}: "
            f"{self.n_train:,} observations, {self.train_events:,} churned; l2 = {self.l2:g}"
        )
        rows = [
            [name, f"{b:.1f}", f"{a:.1f}", f"{c:.3f}"]
            for name, b, a, c in zip(
                self.child.tolist(),
                self.weight_before.tolist(),
                self.weight_after.tolist(),
                self.coefficient.tolist(),
            )
        ]
        table = align_columns(["child", "before", "after", "coefficient"], rows, align="<>>>")
        lines = [head, table]
        if self.no_signal:
            lines.append(
                "no signal: no child's score lowered the risk of churn; the weights are kept"
            )
        lines += [
            f"scorecard {self.original.config_hash} -> {self.scorecard.config_hash}",
            "",
            f"judged on {_span(self.test_dates)} (a: the weights before, b: fitted):",
            self.comparison.format(),
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        moved = ", ".join(
            f"{name} {b:g}->{a:.3g}"
            for name, b, a in zip(
                self.child.tolist(), self.weight_before.tolist(), self.weight_after.tolist()
            )
        )
        return (
            f"FittedScorecard({moved}; AUC {_num(self.comparison.auc_a)} -> "
            f"{_num(self.comparison.auc_b)} on {_count(len(self.test_dates))})"
        )


def _span(dates: tuple[date, ...]) -> str:
    if len(dates) == 1:
        return f"1 date ({dates[0]})"
    return f"{len(dates)} dates ({dates[0]} to {dates[-1]})"


def _count(dates: int) -> str:
    return "1 later date" if dates == 1 else f"{dates} later dates"


def _num(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "-"
