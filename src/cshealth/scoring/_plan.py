"""`Plan`: a scorecard flattened once for the scoring kernel (`cshealth.scoring._engine`).

The tree becomes a tuple of `PlanNode` in post-order (children before their group, the
root last): each group holds its children's indices, their nominal weights normalised to
sum 1 and as given, its aggregate, missing-data policy, neutral score, anchor and
coverage floor, with the scorecard's defaults filled in. `compile_plan` caches plans by
the scorecard's content, so scoring the same scorecard again costs no compilation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from cshealth.scoring._scorecard import Aggregate, Group, Measure, MissingPolicy, Scorecard

__all__ = ["Plan", "PlanNode", "compile_plan"]


@dataclass(frozen=True)
class PlanNode:
    """One node of a compiled scorecard."""

    name: str
    path: tuple[str, ...]
    measure: int  # index into Plan.measures, -1 for a group
    children: tuple[int, ...] = ()
    weights: tuple[float, ...] = ()  # children's nominal weights, normalised to sum 1
    points: tuple[float, ...] = ()  # children's weights as given (a points group's maxima)
    aggregate: Aggregate = "weighted_mean"
    policy: MissingPolicy = "renormalize"
    neutral: float = 50.0
    anchor: float = 50.0
    min_coverage: float = 0.0


@dataclass(frozen=True)
class Plan:
    """A scorecard flattened for the kernel: nodes in post-order, the root last."""

    card: Scorecard
    nodes: tuple[PlanNode, ...]
    measures: tuple[Measure, ...]
    index: dict[str, int] = field(hash=False)

    @property
    def root(self) -> int:
        """The root's node index."""
        return len(self.nodes) - 1


@lru_cache(maxsize=64)
def compile_plan(card: Scorecard) -> Plan:
    """Flatten ``card`` (cached by its content)."""
    nodes: list[PlanNode] = []
    measures: list[Measure] = []

    def visit(node: Group | Measure, path: tuple[str, ...]) -> int:
        here = (*path, node.name)
        if isinstance(node, Measure):
            measures.append(node)
            nodes.append(PlanNode(node.name, here, len(measures) - 1))
            return len(nodes) - 1
        children = tuple(visit(child, here) for child in node.children)
        raw = tuple(float(child.weight) for child in node.children)
        total = sum(raw)
        nodes.append(
            PlanNode(
                node.name,
                here,
                -1,
                children=children,
                weights=tuple(w / total for w in raw),
                points=raw,
                aggregate=node.aggregate,
                policy=node.missing or card.missing,
                neutral=card.neutral if node.neutral is None else node.neutral,
                anchor=node.anchor,
                min_coverage=node.min_coverage or 0.0,
            )
        )
        return len(nodes) - 1

    visit(card.root, ())
    index = {node.name: i for i, node in enumerate(nodes)}
    return Plan(card, tuple(nodes), tuple(measures), index)
