"""`Rollup`: parent accounts' health summarised from their children's scores.

The result of `rollup`: one row per parent, with the summary its method gives, the band
shares, and how many children were scored; `RollupMethod` names the summaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from cshealth._result import AccountResult, json_column
from cshealth._types import BoolArray, FloatArray, IdArray, IntArray

__all__ = ["Rollup", "RollupMethod"]

#: How the children's scores are summarised for their parent.
RollupMethod = Literal["weighted_mean", "mean", "band_share", "worst", "worst_band_count"]

_Parent = Literal["exclude", "include", "fallback"]
_ShareOf = Literal["count", "weight"]


@dataclass(frozen=True, eq=False, repr=False)
class Rollup(AccountResult):
    """Parent accounts' health summarised from their children's scores, from `rollup`.

    Every array has one entry per parent, in the order of `parent_ids`. ``len()`` counts
    the parents, ``row(parent_id)`` finds one, and `to_pandas` gives one row per parent:
    ``parent_ids``, ``value``, each band's ``share_<label>``, the counts,
    ``parent_score`` and ``parent_used``.

    Attributes:
        method: The summary (`RollupMethod`).
        parent: How the parent's own score took part: ``'exclude'``, ``'include'``
            (one more member) or ``'fallback'`` (used only when no child is scored).
        share_of: ``'count'`` or ``'weight'``: what the band shares count.
        parent_ids: Every distinct parent, sorted.
        value: The summary: the mean, the worst score, the number of members in the
            worst band, or (``band_share``) the share in the worst band. NaN when no
            member is scored (or the members' weights sum to 0).
        shares: For ``band_share``, each band's label to the share of the members in it
            (rows sum to 1; NaN where ``value`` is NaN), lowest band first; else empty.
        worst_band: The label of the lowest band for the band methods, else ``None``.
        n_children: Children listed for the parent (scored or not).
        n_scored: Children with a score.
        n_unscored: Children without one (left out of the summary).
        parent_score: The parent's own score (NaN if it is not scored or not listed).
        parent_used: Whether the parent's own score entered ``value``.

    Examples:
        >>> from cshealth.scoring import rollup
        >>> r = rollup(
        ...     {"account_id": ["acme", "acme-de", "acme-fr"], "score": [90.0, 30.0, None]},
        ...     {"acme-de": "acme", "acme-fr": "acme"},
        ...     parent="include",
        ... )
        >>> r
        Rollup(1 parent, method='mean', parent='include';
          parent_id         value  scored  unscored
          acme                 60       1         1)
        >>> r.to_records()
        [{'parent_id': 'acme', 'value': 60.0, 'n_children': 2, 'n_scored': 1,
          'n_unscored': 1, 'parent_score': 90.0, 'parent_used': True}]
        >>> r.row("acme"), r.to_dict()["value"]
        (0, [60.0])
    """

    id_field: ClassVar[str] = "parent_ids"

    method: RollupMethod
    parent: _Parent
    share_of: _ShareOf
    parent_ids: IdArray
    value: FloatArray
    shares: dict[str, FloatArray]
    worst_band: str | None
    n_children: IntArray
    n_scored: IntArray
    n_unscored: IntArray
    parent_score: FloatArray
    parent_used: BoolArray

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        """The row columns: the fields, with each band's share after ``value``."""
        return {
            "parent_ids": self.parent_ids,
            "value": self.value,
            **{f"share_{label}": share for label, share in self.shares.items()},
            "n_children": self.n_children,
            "n_scored": self.n_scored,
            "n_unscored": self.n_unscored,
            "parent_score": self.parent_score,
            "parent_used": self.parent_used,
        }

    def to_records(self) -> list[dict[str, object]]:
        """One dictionary per parent (NaN as ``None``; shares as ``share_<label>``)."""
        columns = {
            "parent_id" if name == "parent_ids" else name: json_column(values)
            for name, values in self._columns().items()
        }
        return [dict(zip(columns, row)) for row in zip(*columns.values())]

    def __repr__(self) -> str:
        options = f"method={self.method!r}, parent={self.parent!r}"
        if self.method == "band_share":
            options += f", share_of={self.share_of!r}"
        if self.worst_band is not None:
            options += f", worst_band={self.worst_band!r}"
        head = f"Rollup({len(self)} parent{'' if len(self) == 1 else 's'}, {options}"
        if not len(self):
            return head + ")"
        lines = [f"  {'parent_id':<14} {'value':>8} {'scored':>7} {'unscored':>9}"]
        for i in range(min(len(self), 5)):
            value = self.value[i]
            shown = "nan" if math.isnan(value) else f"{value:.4g}"
            lines.append(
                f"  {self.parent_ids[i]!s:<14} {shown:>8} {self.n_scored[i]:>7} "
                f"{self.n_unscored[i]:>9}"
            )
        if len(self) > 5:
            lines.append(f"  ... {len(self) - 5} more")
        return head + ";\n" + "\n".join(lines) + ")"
