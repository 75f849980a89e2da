"""Scorecards as data: a tree of weighted groups and measures, with bands and policies.

Every class here is a frozen pydantic model: it loads from JSON
(``Scorecard.model_validate_json``), publishes a JSON Schema
(``Scorecard.model_json_schema()``), is hashable, and has a stable `config_hash` that
every result carries. A configuration that is wrong in any way raises `ConfigError`
naming the place in the tree (``overall > usage > seats: ...``), never a score built on
a silent guess.

This module holds the tree: `Measure` leaves, `Group` nodes and the `Scorecard` at the top.
The transforms of a measure are in `_transform_config`, the bands in `_bands`, segments in
`_segments` and overrides in `_override`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator
from pydantic_core import PydanticCustomError

from cshealth.scoring._bands import _DEFAULT_BANDS, Band, Closure, _band_problem
from cshealth.scoring._base import ScoringConfig, _Score
from cshealth.scoring._transform_config import Transform

__all__ = ["Aggregate", "Group", "Measure", "MissingPolicy", "Node", "Scorecard"]

#: How a group combines its children's scores.
Aggregate = Literal["weighted_mean", "points", "weakest_link", "min"]
#: What a group does with a child that has no score.
MissingPolicy = Literal["renormalize", "fixed", "neutral"]


class Measure(ScoringConfig):
    """A leaf of the scorecard: one input column and the transform to a 0..100 score.

    Attributes:
        name: Unique in the scorecard; it names the measure in results.
        weight: Non-negative; weights are normalised among siblings (any scale works).
            A weight of 0 keeps the measure in the results without counting it.
        column: The input column.
        transform: How the raw value becomes a score.
        max_age_days: An input older than this (by ``observed_at``) is missing (stale).
        observed_at: The column holding when each value was observed (needed with
            ``max_age_days``).
        description: Free text shown in explanations.

    Examples:
        >>> m = Measure(
        ...     name="nps", column="nps", transform={"kind": "linear", "worst": -100, "best": 100}
        ... )
        >>> m.weight, m.transform.kind
        (1.0, 'linear')
    """

    name: str = Field(min_length=1)
    weight: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    column: str = Field(min_length=1)
    transform: Transform
    max_age_days: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    observed_at: str | None = None
    description: str = ""

    @model_validator(mode="after")
    def _age_column(self) -> Measure:
        if self.max_age_days is not None and self.observed_at is None:
            msg = (
                "`max_age_days` needs `observed_at`, the column saying when each value was observed"
            )
            raise PydanticCustomError("age_column", msg)
        return self


def _node_kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "group" if "children" in value else "measure"
    return "group" if isinstance(value, Group) else "measure"


#: A node of the tree: a `Group` (it has ``children``) or a `Measure`.
Node = Annotated[
    Annotated["Group", Tag("group")] | Annotated[Measure, Tag("measure")],
    Discriminator(_node_kind),
]


class Group(ScoringConfig):
    """An inner node: children (groups or measures) combined by an aggregate.

    Attributes:
        name: Unique in the scorecard.
        weight: Non-negative, normalised among siblings. Under ``points`` it is the
            child's most points (a child scoring 100 adds it, 0 takes it away).
        aggregate: ``weighted_mean`` (default), ``points`` (``anchor`` plus signed
            impacts, clamped to 0..100), ``weakest_link`` (the weighted mean, but no
            better than the band of the worst child) or ``min``.
        missing: The missing-data policy for this group's children (default: the
            scorecard's).
        neutral: The score a missing child takes under ``neutral`` (default: the
            scorecard's).
        anchor: Where a ``points`` group starts (50 unless set).
        min_coverage: The group is missing when less than this share of its nominal
            weight had data (default: no floor).
        children: At least one node.
        description: Free text shown in explanations.

    Examples:
        >>> g = Group(
        ...     name="usage",
        ...     children=[
        ...         {
        ...             "name": "logins",
        ...             "column": "logins",
        ...             "transform": {"kind": "linear", "worst": 0, "best": 10},
        ...         }
        ...     ],
        ... )
        >>> g.aggregate, len(g.children)
        ('weighted_mean', 1)
    """

    name: str = Field(min_length=1)
    weight: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    aggregate: Aggregate = "weighted_mean"
    missing: MissingPolicy | None = None
    neutral: _Score | None = None
    anchor: _Score = 50.0
    min_coverage: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    children: tuple[Node, ...]
    description: str = ""

    @field_validator("children")
    @classmethod
    def _some_children(cls, value: tuple[Group | Measure, ...]) -> tuple[Group | Measure, ...]:
        if not value:
            msg = "a group needs at least one child"
            raise PydanticCustomError("no_children", msg)
        if sum(child.weight for child in value) <= 0:
            msg = "the weights of a group's children sum to 0; give at least one a weight"
            raise PydanticCustomError("zero_weights", msg)
        return value

    def walk(self, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Group | Measure]]:
        """Every node under and including this group, depth first, with its path of names.

        Examples:
            >>> g = Group(
            ...     name="g",
            ...     children=[{"name": "m", "column": "m", "transform": {"kind": "boolean"}}],
            ... )
            >>> [" > ".join(path) for path, _ in g.walk()]
            ['g', 'g > m']
        """
        here = (*path, self.name)
        yield here, self
        for child in self.children:
            if isinstance(child, Group):
                yield from child.walk(here)
            else:
                yield (*here, child.name), child


class Scorecard(ScoringConfig):
    """A health scorecard: a tree of groups and measures, bands and policies.

    Attributes:
        name: The scorecard's name (``"default"``, ``"product health"``).
        description: Free text.
        missing: The missing-data policy, unless a group sets its own:
            ``renormalize`` (default: missing children drop out and the weights of the
            rest are normalised again), ``fixed`` (a missing child scores 0 and keeps
            its weight) or ``neutral`` (a missing child scores ``neutral``).
        neutral: The score of a missing child under ``neutral`` (50 unless set).
        min_coverage: Below this share of nominal weight with data, the score is
            "insufficient data" (NaN, with its coverage reported). 0 by default.
        bands: Labelled intervals covering 0..100 without gap or overlap (at most 12),
            stored from the lowest up; red/yellow/green at 40 and 70 unless set.
        closure: ``lower_inclusive`` (``[min, max)``, the last band closed) or
            ``upper_inclusive`` (``(min, max]``, the first band closed); also the
            default closure of ``thresholds`` transforms.
        hysteresis: Points a score must move past a band edge before `trend` moves
            the account to the next band (0: no hysteresis).
        root: The top group.

    Raises:
        ConfigError: On any invalid part, naming its place in the tree.

    Examples:
        >>> card = Scorecard(
        ...     name="tiny",
        ...     root={
        ...         "name": "overall",
        ...         "children": [
        ...             {
        ...                 "name": "nps",
        ...                 "column": "nps",
        ...                 "transform": {
        ...                     "kind": "thresholds",
        ...                     "cuts": [0, 30],
        ...                     "scores": [0, 50, 100],
        ...                 },
        ...             }
        ...         ],
        ...     },
        ... )
        >>> [band.label for band in card.bands], card.closure
        (['red', 'yellow', 'green'], 'lower_inclusive')
        >>> Scorecard(name="bad", bands=[{"label": "all", "min": 0, "max": 90}], root=card.root)
        Traceback (most recent call last):
        ...
        cshealth.ConfigError: invalid Scorecard:
          bands: the bands end at 90, not at 100
    """

    name: str = Field(min_length=1)
    description: str = ""
    missing: MissingPolicy = "renormalize"
    neutral: _Score = 50.0
    min_coverage: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    bands: tuple[Band, ...] = _DEFAULT_BANDS
    closure: Closure = "lower_inclusive"
    hysteresis: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    root: Group

    @field_validator("bands")
    @classmethod
    def _cover(cls, value: tuple[Band, ...]) -> tuple[Band, ...]:
        bands = tuple(sorted(value, key=lambda band: (band.min, band.max)))
        problem = _band_problem(bands)
        if problem:
            raise PydanticCustomError("bands", problem)
        return bands

    @model_validator(mode="after")
    def _unique_names(self) -> Scorecard:
        seen: dict[str, str] = {}
        for path, _ in self.root.walk():
            where = " > ".join(path)
            if path[-1] in seen:
                msg = f"{where}: the name {path[-1]!r} is already used by {seen[path[-1]]}"
                raise PydanticCustomError("duplicate_name", msg)
            seen[path[-1]] = where
        return self

    def measures(self) -> tuple[Measure, ...]:
        """The measures of the tree, depth first.

        Examples:
            >>> from cshealth.scoring import default_scorecard
            >>> [m.name for m in default_scorecard().measures()][:2]
            ['logins_per_seat', 'seat_utilisation']
        """
        return tuple(node for _, node in self.root.walk() if isinstance(node, Measure))

    def node(self, name: str) -> Group | Measure:
        """The group or measure called ``name``.

        Raises:
            KeyError: If no node has that name (the message lists the names).

        Examples:
            >>> from cshealth.scoring import default_scorecard
            >>> default_scorecard().node("sentiment").weight
            20.0
        """
        for _, node in self.root.walk():
            if node.name == name:
                return node
        names = [node.name for _, node in self.root.walk()]
        msg = f"no node {name!r} in scorecard {self.name!r}; the nodes are {names}"
        raise KeyError(msg)

    def nominal_shares(self) -> dict[str, float]:
        """Each node's share of the overall score when no data is missing.

        The product of the normalised weights on the path from the root; under ``min``
        and ``weakest_link`` groups it is the weight share the child would have in the
        mean. The root has share 1.

        Examples:
            >>> from cshealth.scoring import default_scorecard
            >>> shares = default_scorecard().nominal_shares()

            Usage has 40 of 100 points, logins per seat 2 of its 6:

            >>> round(shares["logins_per_seat"], 4), shares["sentiment"]
            (0.1333, 0.2)
        """
        shares = {self.root.name: 1.0}
        for _, node in self.root.walk():
            if isinstance(node, Group):
                total = sum(child.weight for child in node.children)
                for child in node.children:
                    shares[child.name] = shares[node.name] * child.weight / total
        return shares


Group.model_rebuild()
Measure.model_rebuild()
Scorecard.model_rebuild()
