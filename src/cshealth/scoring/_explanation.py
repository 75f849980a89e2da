"""`Explanation`: why one account has its score, node by node (`HealthScores.explain`).

`_explain` evaluates one account of a scoring run (`Scored`) again with the kernel's
detail: every node's raw value, score, effective weight, contribution and points lost,
and its status (missing, stale, filled in by its group's policy, overridden).
`Explanation.format` prints it as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cshealth._plot import axes
from cshealth._result import Result
from cshealth.scoring._bands import assign_bands
from cshealth.scoring._engine import evaluate
from cshealth.scoring._override import Override
from cshealth.scoring._plan import Plan, PlanNode
from cshealth.scoring._plot_scores import Part, draw_explanation
from cshealth.scoring._scored import Scored
from cshealth.scoring._transforms import STATUS_TEXT

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Explanation", "ExplanationLine"]


@dataclass(frozen=True, eq=False)
class ExplanationLine(Result):
    """One node of an account's explanation.

    Attributes:
        path: Names from the root down to the node.
        kind: ``"group"`` or ``"measure"``.
        column: The measure's input column (``None`` for a group).
        raw: The measure's raw input value (``None`` when missing or for a group).
        score: The node's 0..100 score (``None`` when missing).
        nominal_share: The node's share of the overall score when nothing is missing.
        weight: Its effective weight: how many points the overall score moves per
            point of this node's score, after renormalisation and clamping.
        contribution: Points of the overall score it accounts for (its subtree's for a
            group); the measures' contributions add up to the score.
        lost: Points it leaves on the table: ``100 * weight - contribution`` for a
            scored node, what a perfect score would add.
        status: ``ok``, ``missing``, ``stale``, ``out of range``, ``unknown category``,
            ``observed after as_of``, ``overridden``; for a missing child, how its
            group's policy treated it (``dropped, weights renormalised``,
            ``counted as 0``, ``neutral 50``).
        coverage: Share of the node's nominal weight that had data.
    """

    path: tuple[str, ...]
    kind: str
    column: str | None
    raw: object
    score: float | None
    nominal_share: float
    weight: float
    contribution: float
    lost: float
    status: str
    coverage: float

    @property
    def name(self) -> str:
        """The node's name."""
        return self.path[-1]


@dataclass(frozen=True, eq=False, repr=False)
class Explanation(Result):
    """Why one account has its score: every node, with values, weights and contributions.

    `format` (and ``str(explanation)``) is a readable table. `drags` lists the measures
    that cost the account the most points; ``to_dict()`` gives every field, each line
    with its fields, as strict JSON; `plot` draws the contributions as a waterfall.

    Attributes:
        account_id: The account.
        scorecard: The name of the scorecard that scored it.
        score: The score (``None`` when coverage is below the scorecard's minimum).
        band: Its band label (``None`` likewise).
        coverage: Share of nominal weight that had data.
        min_coverage: The scorecard's floor for a score.
        lines: One per node, depth first from the root.
        overrides: The overrides applied to the account.
        config_hash: The scorecard's hash.
    """

    account_id: str
    scorecard: str
    score: float | None
    band: str | None
    coverage: float
    min_coverage: float
    lines: tuple[ExplanationLine, ...]
    overrides: tuple[Override, ...]
    config_hash: str

    def measures(self) -> tuple[ExplanationLine, ...]:
        """The measure lines."""
        return tuple(line for line in self.lines if line.kind == "measure")

    def drags(self, n: int = 3) -> tuple[ExplanationLine, ...]:
        """The ``n`` measures that cost the most points (largest ``lost`` first)."""
        ranked = sorted(self.measures(), key=lambda line: (-line.lost, line.path))
        return tuple(line for line in ranked[:n] if line.lost > 0)

    def plot(self, ax: Axes | None = None, **style: object) -> Axes:
        """Draw the contributions as a waterfall, from 0 to the score.

        One row per node below the root, in `lines`' order (depth first, top down): each
        measure a horizontal bar from the running total to the running total plus its
        contribution (points it adds in green, points it takes in red), each group a
        frame around the span of its measures; at the bottom the score, a bar from 0,
        with a dotted line at it. A measure without a score is not drawn as 0: its bar
        is hatched when its group's policy still gave it points (``neutral``), left out
        when not, and its status is written beside it, as is every status other than
        ``ok``. Without a score (insufficient data) the ``Axes`` says so and draws
        nothing. Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            **style: Passed to the measured measures' bars (``alpha``, ``height``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from cshealth.scoring import Scorecard, score
            >>> card = Scorecard.model_validate(
            ...     {
            ...         "name": "mini",
            ...         "root": {
            ...             "name": "all",
            ...             "children": [
            ...                 {
            ...                     "name": "logins",
            ...                     "weight": 3,
            ...                     "column": "logins",
            ...                     "transform": {"kind": "linear", "worst": 0, "best": 20},
            ...                 },
            ...                 {
            ...                     "name": "nps",
            ...                     "column": "nps",
            ...                     "transform": {"kind": "linear", "worst": -100, "best": 100},
            ...                 },
            ...             ],
            ...         },
            ...     }
            ... )
            >>> scores = score(card, {"account_id": ["a"], "logins": [5.0], "nps": [None]})
            >>> ax = scores.explain("a").plot()
            >>> [tick.get_text() for tick in ax.get_yticklabels()]
            ['logins', 'nps', 'score (red)']
            >>> [(float(bar.get_x()), float(bar.get_width())) for bar in ax.containers[0]]
            [(0.0, 25.0)]
            >>> [text.get_text() for text in ax.texts]  # nps: no bar, not a 0
            ['missing: dropped, weights renormalised']
            >>> plt.close(ax.figure)
        """
        parts = [
            Part(
                name=" / ".join(line.path[1:]),
                group=line.kind == "group",
                points=line.contribution,
                measured=line.score is not None,
                status=line.status,
            )
            for line in self.lines[1:]
        ]
        return draw_explanation(
            axes(ax),
            parts,
            score=self.score,
            band=self.band,
            coverage=self.coverage,
            min_coverage=self.min_coverage,
            style=style,
        )

    def format(self) -> str:
        """The explanation as a table: one line per node, then the overrides applied.

        ``str(explanation)`` is the same text; see `HealthScores.explain` for an example.
        """
        score = "insufficient data" if self.score is None else f"{self.score:.1f} ({self.band})"
        head = (
            f"{self.account_id}: {score}, coverage {self.coverage:.0%} "
            f"[{self.scorecard} {self.config_hash}]"
        )
        rows = [("node", "raw", "score", "weight", "contrib", "status")]
        for line in self.lines:
            indent = "  " * (len(line.path) - 1)
            rows.append(
                (
                    indent + line.name,
                    "" if line.raw is None else _short(line.raw),
                    "-" if line.score is None else f"{line.score:.1f}",
                    f"{line.weight:.3f}",
                    f"{line.contribution:.1f}",
                    line.status,
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(6)]
        body = ["  ".join(_cells(row, widths)).rstrip() for row in rows]
        notes = [
            f"override: {' '.join(filter(None, (o.scope, o.node)))} = {o.value:g} "
            f"by {o.author} ({o.reason})"
            for o in self.overrides
        ]
        return "\n".join([head, *body, *notes])

    def __repr__(self) -> str:
        return f"Explanation({self.account_id!r}, score={self.score}, band={self.band!r})"


def _cells(row: tuple[str, ...], widths: list[int]) -> list[str]:
    """Text columns (name, raw value, status) left-aligned, numbers right-aligned."""
    return [
        cell.ljust(width) if i in (0, 1, 5) else cell.rjust(width)
        for i, (cell, width) in enumerate(zip(row, widths))
    ]


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _explain(overrides_applied: tuple[Override, ...], part: Scored, row: int) -> Explanation:
    """Row ``row`` of ``part`` explained; ``overrides_applied``: the run's, all accounts'."""
    plan = part.plan
    one = slice(row, row + 1)
    values = [v[one] for v in part.values]
    overrides = {i: (m[one], x[one]) for i, (m, x) in part.overrides.items()}
    e = evaluate(plan, values, overrides, detail=True)
    shares = plan.card.nominal_shares()
    total = float(e.score[0])
    lines: list[ExplanationLine] = []
    contributions = [float(c[0]) for c in e.contributions]
    parents = {child: i for i, node in enumerate(plan.nodes) for child in node.children}
    for i in _depth_first(plan, plan.root):
        node = plan.nodes[i]
        weight = float(e.multipliers[i][0])
        node_score = float(e.node_scores[i][0])
        if node.measure >= 0:
            contribution = contributions[node.measure]
            measure = plan.measures[node.measure]
            raw = part.inputs.columns[measure.column][row]
            if measure.transform.kind == "boolean" and not _missing(raw):
                raw = bool(raw)
            codes = part.status[node.measure]
            code = int(codes[row]) if codes is not None else int(np.isnan(values[node.measure][0]))
            status = STATUS_TEXT[code]
        else:
            measures = _measures_under(plan, i)
            contribution = float(sum(contributions[m] for m in measures))
            raw, status = None, "missing" if math.isnan(node_score) else "ok"
        overridden = i in overrides and bool(overrides[i][0][0])
        if overridden:
            status = "overridden"
        elif i == plan.root and math.isnan(total):
            node_score, status = math.nan, "insufficient data"
        elif math.isnan(node_score) and i in parents:
            status += _policy_note(plan.nodes[parents[i]])
        lines.append(
            ExplanationLine(
                path=node.path,
                kind="measure" if node.measure >= 0 else "group",
                column=plan.measures[node.measure].column if node.measure >= 0 else None,
                raw=None if _missing(raw) else raw,
                score=None if math.isnan(node_score) else node_score,
                nominal_share=shares[node.name],
                weight=weight,
                contribution=contribution if not math.isnan(total) else float("nan"),
                lost=100.0 * weight - contribution if not math.isnan(node_score) else 0.0,
                status=status,
                coverage=float(e.node_coverage[i][0]),
            )
        )
    card = plan.card
    score = None if math.isnan(total) else total
    band = None
    if score is not None:
        band = card.bands[int(assign_bands(card.bands, card.closure, e.score)[0])].label
    account = str(part.inputs.account_ids[row])
    return Explanation(
        account_id=account,
        scorecard=card.name,
        score=score,
        band=band,
        coverage=float(e.coverage[0]),
        min_coverage=card.min_coverage,
        lines=tuple(lines),
        overrides=tuple(o for o in overrides_applied if o.account_id == account),
        config_hash=card.config_hash,
    )


def _depth_first(plan: Plan, index: int) -> list[int]:
    """Node indices from ``index`` down, each group before its children."""
    return [index, *(k for child in plan.nodes[index].children for k in _depth_first(plan, child))]


def _measures_under(plan: Plan, index: int) -> list[int]:
    node = plan.nodes[index]
    if node.measure >= 0:
        return [node.measure]
    return [m for child in node.children for m in _measures_under(plan, child)]


def _policy_note(group: PlanNode) -> str:
    if group.policy == "renormalize":
        return ": dropped, weights renormalised"
    if group.policy == "fixed":
        return ": counted as 0"
    return f": scored neutral {group.neutral:g}"


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False
