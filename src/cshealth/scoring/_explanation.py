"""`Explanation`: why one account has its score, node by node (`HealthScores.explain`).

`_explain` evaluates one account of a scoring run (`Scored`) again with the kernel's
detail: every node's raw value, score, effective weight, contribution and points lost,
and its status (missing, stale, filled in by its group's policy, overridden).
`Explanation.format` prints it as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cshealth._result import Result
from cshealth.scoring._bands import assign_bands
from cshealth.scoring._engine import evaluate
from cshealth.scoring._override import Override
from cshealth.scoring._plan import Plan, PlanNode
from cshealth.scoring._scored import Scored
from cshealth.scoring._transforms import STATUS_TEXT

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
    with its fields, as strict JSON.

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
