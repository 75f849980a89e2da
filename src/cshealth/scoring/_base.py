"""The base of scoring's configuration models: `Config` naming scorecard nodes in errors.

A scoring configuration is a `cshealth._config.Config` whose `ConfigError` names each
problem's place by the names of the scorecard's nodes
(``overall > usage > seats: transform.worst: ...``) rather than by their positions.
`_Score` (0..100) and `_Finite` are the annotated numbers the models share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import Field

from cshealth._config import Config

__all__ = ["ScoringConfig"]

_Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
_Finite = Annotated[float, Field(allow_inf_nan=False)]


class ScoringConfig(Config):
    """A configuration of the scoring area: its errors name the nodes of the scorecard."""

    @classmethod
    def _error_path(cls, raw: object, loc: tuple[int | str, ...]) -> str:
        return _tree_path(raw, loc)


def _tree_path(raw: object, loc: tuple[int | str, ...]) -> str:
    """``root.children.0.transform.worst`` as ``overall > usage: transform.worst``."""
    nodes: list[str] = []
    fields: list[str] = []
    current = raw
    for part in loc:
        if isinstance(current, Mapping) and part in current:
            current = current[part]
            fields.append(str(part))
            if part == "root":
                nodes.append(_node_name(current, "root"))
                fields = []
        elif isinstance(current, (list, tuple)) and isinstance(part, int) and part < len(current):
            current = current[part]
            if fields == ["children"]:
                nodes.append(_node_name(current, f"children[{part}]"))
                fields = []
            else:
                fields[-1:] = [f"{fields[-1]}[{part}]"] if fields else [f"[{part}]"]
        elif not isinstance(part, str) or part not in _UNION_TAGS:
            fields.append(str(part))
    head = " > ".join(nodes)
    tail = ".".join(fields)
    return f"{head}: {tail}" if head and tail else head or tail


def _node_name(node: object, fallback: str) -> str:
    name = node.get("name") if isinstance(node, Mapping) else None
    return name if isinstance(name, str) and name else fallback


_UNION_TAGS = frozenset(
    {
        "group",
        "measure",
        "linear",
        "linear_bounded",
        "thresholds",
        "categories",
        "boolean",
        "percentile",
    }
)
