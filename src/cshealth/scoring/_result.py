"""Results of scoring: `HealthScores` over many accounts, `Explanation` of one."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._result import AccountResult, Result, json_column, jsonable
from cshealth._types import FloatArray, IdArray, IntArray, ObjectArray
from cshealth.scoring._bands import Band, Closure, assign_bands, band_labels
from cshealth.scoring._engine import Evaluation, Overrides, Plan, PlanNode, evaluate
from cshealth.scoring._inputs import Inputs
from cshealth.scoring._override import Override
from cshealth.scoring._scorecard import Scorecard
from cshealth.scoring._segments import ScorecardSet
from cshealth.scoring._transforms import STATUS_TEXT, Int8Array

__all__ = ["Explanation", "ExplanationLine", "HealthScores", "Scored"]


@dataclass(frozen=True)
class Scored:
    """One scorecard's part of a scoring run (internal)."""

    plan: Plan
    rows: IntArray | None  # rows of the whole input, None for all of them
    inputs: Inputs
    values: list[FloatArray]
    status: list[Int8Array | None]  # None: MISSING where the value is NaN, else OK
    evaluation: Evaluation
    overrides: Overrides
    applied: tuple[Override, ...]
    skipped: tuple[tuple[Override, str], ...]


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


@dataclass(frozen=True, eq=False, repr=False)
class HealthScores(AccountResult):
    """Health scores of many accounts, in the input's account order.

    ``len()`` counts the accounts; `row` finds one; `to_pandas` gives one row per account
    (``account_ids``, ``score``, ``band``, ``coverage``, ``scorecard``).

    Attributes:
        name: The scorecard's (or scorecard set's) name.
        account_ids: The accounts.
        score: 0..100; NaN where coverage is below the scorecard's ``min_coverage``
            ("insufficient data").
        band: Band labels; ``None`` where the score is NaN.
        coverage: Share (0..1) of nominal weight that had data.
        scorecard: Each account's scorecard name (one name unless a set was scored).
        node_scores: Per group and measure name, each account's 0..100 score (NaN where
            missing, or where the node is not in the account's scorecard); the root's is
            the score itself (after the coverage floor).
        contributions: Per measure name, the points of each account's score it
            accounts for; for every scored account they add up to the score (0 for a
            measure not in the account's scorecard, NaN where the score is NaN).
        overrides_applied: The overrides in force, in the order given.
        overrides_skipped: Overrides not applied, each with the reason (expired, account
            not in the data, node not in that account's scorecard).
        config_hash: The hash of the scorecard (or set) that produced the scores.
        as_of: When the scores were taken (``None`` if not given).
        bands: The bands, from the lowest up (of the default scorecard, for a set).
        closure: The bands' closure.
    """

    name: str
    account_ids: IdArray
    score: FloatArray
    band: ObjectArray
    coverage: FloatArray
    scorecard: ObjectArray
    node_scores: Mapping[str, FloatArray]
    contributions: Mapping[str, FloatArray]
    overrides_applied: tuple[Override, ...]
    overrides_skipped: tuple[tuple[Override, str], ...]
    config_hash: str
    as_of: np.datetime64 | None
    bands: tuple[Band, ...]
    closure: Closure
    _parts: tuple[Scored, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def _build(
        cls,
        card: Scorecard | ScorecardSet,
        inputs: Inputs,
        parts: list[Scored],
        *,
        as_of: np.datetime64 | None,
        overrides_applied: tuple[Override, ...],
        overrides_skipped: tuple[tuple[Override, str], ...],
    ) -> HealthScores:
        n = inputs.n
        if len(parts) == 1 and parts[0].rows is None:
            part = parts[0]
            e = part.evaluation
            score, coverage = e.score, e.coverage
            names = _repeat(part.plan.card.name, n)
            nodes = {node.name: e.node_scores[i] for i, node in enumerate(part.plan.nodes)}
            nodes[part.plan.nodes[part.plan.root].name] = score  # after the coverage floor
            contributions = {m.name: e.contributions[k] for k, m in enumerate(part.plan.measures)}
        else:
            score, coverage = np.full(n, np.nan), np.full(n, np.nan)
            names = np.full(n, None, dtype=object)
            nodes, contributions = {}, {}
            for part in parts:
                e, rows = part.evaluation, part.rows
                score[rows] = e.score
                coverage[rows] = e.coverage
                names[rows] = part.plan.card.name
                for i, node in enumerate(part.plan.nodes):
                    values = e.score if i == part.plan.root else e.node_scores[i]
                    nodes.setdefault(node.name, np.full(n, np.nan))[rows] = values
                for k, measure in enumerate(part.plan.measures):
                    contributions.setdefault(measure.name, np.zeros(n))[rows] = e.contributions[k]
            for values in contributions.values():
                values[np.isnan(score)] = np.nan
        own = card.default if isinstance(card, ScorecardSet) else card
        band = _repeat(None, n)
        for part in parts:  # each scorecard's own bands
            c = part.plan.card
            where = slice(None) if part.rows is None else part.rows
            band[where] = band_labels(c.bands, assign_bands(c.bands, c.closure, score[where]))
        return cls(
            name=card.name,
            account_ids=inputs.account_ids,
            score=score,
            band=band,
            coverage=coverage,
            scorecard=names,
            node_scores=nodes,
            contributions=contributions,
            overrides_applied=overrides_applied,
            overrides_skipped=overrides_skipped,
            config_hash=card.config_hash,
            as_of=as_of,
            bands=own.bands,
            closure=own.closure,
            _parts=tuple(parts),
        )

    def band_counts(self) -> dict[str | None, int]:
        """Accounts per band, lowest band first; ``None`` counts insufficient data.

        Examples:
            >>> from cshealth.scoring import Scorecard, score
            >>> card = Scorecard.model_validate(
            ...     {
            ...         "name": "logins",
            ...         "root": {
            ...             "name": "all",
            ...             "children": [
            ...                 {
            ...                     "name": "logins",
            ...                     "column": "logins",
            ...                     "transform": {"kind": "linear", "worst": 0, "best": 10},
            ...                 }
            ...             ],
            ...         },
            ...     }
            ... )
            >>> scores = score(card, {"account_id": ["a", "b", "c"], "logins": [9, 1, None]})
            >>> scores.band_counts()
            {'red': 1, 'yellow': 0, 'green': 1, None: 1}
        """
        labels = self.band.tolist()
        counts: dict[str | None, int] = {band.label: 0 for band in self.bands}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        counts[None] = counts.pop(None, 0)
        return counts

    def explain(self, account_id: int | str) -> Explanation:
        """A readable breakdown of one account's score.

        Args:
            account_id: The account.

        Returns:
            Every node's raw value, score, effective weight and contribution, and what
            was missing, stale, filled in or overridden.

        Raises:
            AccountNotFoundError: If the account was not scored (also a `KeyError` and an
                `InvalidInputError`).
            InvalidInputError: If ``account_id`` is not an identifier, or the result was
                built by hand rather than by `score` (it holds no run to explain).

        Examples:
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
            >>> print(scores.explain("a"))
            a: 25.0 (red), coverage 75% [mini ...]
            node      raw  score  weight  contrib  status
            all            25.0   1.000     25.0  ok
              logins  5    25.0   1.000     25.0  ok
              nps         -       0.000      0.0  missing: dropped, weights renormalised
            >>> scores.explain("a").drags(1)[0].lost
            75.0
        """
        position = self.row(account_id)
        for part in self._parts:
            if part.rows is None:
                return _explain(self, part, position)
            found = np.flatnonzero(part.rows == position)
            if len(found):
                return _explain(self, part, int(found[0]))
        msg = (
            f"account {account_id!r} cannot be explained: this HealthScores holds no scoring "
            "run (it was not made by `score`)"
        )
        raise InvalidInputError(msg)

    def to_records(self) -> list[dict[str, object]]:
        """One JSON-ready dict per account: score, band, coverage, node scores, contributions.

        Missing numbers are ``None``.

        Examples:
            >>> from cshealth.scoring import Scorecard, score
            >>> card = Scorecard.model_validate(
            ...     {
            ...         "name": "logins",
            ...         "root": {
            ...             "name": "all",
            ...             "children": [
            ...                 {
            ...                     "name": "logins",
            ...                     "column": "logins",
            ...                     "transform": {"kind": "linear", "worst": 0, "best": 10},
            ...                 }
            ...             ],
            ...         },
            ...     }
            ... )
            >>> score(card, {"account_id": ["a"], "logins": [9]}).to_records()[0]["score"]
            90.0
        """
        columns = {
            "account_id": self.account_ids,
            "scorecard": self.scorecard,
            "score": self.score,
            "band": self.band,
            "coverage": self.coverage,
        }
        flat = {name: json_column(values) for name, values in columns.items()}
        nodes = {k: json_column(values) for k, values in self.node_scores.items()}
        parts = {k: json_column(values) for k, values in self.contributions.items()}
        return [
            {
                **{name: values[i] for name, values in flat.items()},
                "node_scores": {k: values[i] for k, values in nodes.items()},
                "contributions": {k: values[i] for k, values in parts.items()},
            }
            for i in range(len(self))
        ]

    def to_dict(self) -> dict[str, object]:
        """Every field as strict JSON (`Result.to_dict`), and the accounts per band.

        Arrays become lists (NaN as ``None``), ``node_scores`` and ``contributions``
        dictionaries of lists; each skipped override is ``{"override": ..., "reason": ...}``,
        and ``band_counts`` is `band_counts` with text keys.

        Examples:
            >>> from cshealth.scoring import Scorecard, score
            >>> card = Scorecard.model_validate(
            ...     {
            ...         "name": "logins",
            ...         "root": {
            ...             "name": "all",
            ...             "children": [
            ...                 {
            ...                     "name": "logins",
            ...                     "column": "logins",
            ...                     "transform": {"kind": "linear", "worst": 0, "best": 10},
            ...                 }
            ...             ],
            ...         },
            ...     }
            ... )
            >>> score(card, {"account_id": ["a"], "logins": [9]}).to_dict()["band_counts"]
            {'red': 0, 'yellow': 0, 'green': 1, 'None': 0}
        """
        skipped = [{"override": o, "reason": why} for o, why in self.overrides_skipped]
        return {
            **super().to_dict(),
            "overrides_skipped": jsonable(skipped),
            "band_counts": {str(k): v for k, v in self.band_counts().items()},
        }

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.band_counts().items() if k is not None)
        insufficient = int(np.isnan(self.score).sum())
        mean_coverage = float(self.coverage.mean()) if len(self) else float("nan")
        return (
            f"HealthScores({self.name!r}, {len(self)} accounts: {counts}; "
            f"insufficient data {insufficient}; mean coverage {mean_coverage:.2f})"
        )


def _repeat(value: object, n: int) -> ObjectArray:
    """``n`` copies of ``value`` in an object array (much faster than ``np.full``)."""
    out: ObjectArray = np.empty(n, dtype=object)
    out.fill(value)
    return out


# --- explanations ------------------------------------------------------------------------


def _explain(scores: HealthScores, part: Scored, row: int) -> Explanation:
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
        overrides=tuple(o for o in scores.overrides_applied if o.account_id == account),
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
