"""Scorecards as data: a tree of weighted groups and measures, with bands and policies.

Every class here is a frozen pydantic model: it loads from JSON
(``Scorecard.model_validate_json``), publishes a JSON Schema
(``Scorecard.model_json_schema()``), is hashable, and has a stable `config_hash` that
every result carries. A configuration that is wrong in any way raises `ConfigError`
naming the place in the tree (``overall > usage > seats: ...``), never a score built on
a silent guess.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cshealth.models._base import Identifier
from cshealth.scoring._bands import Band, Closure
from cshealth.scoring._base import ScoringConfig

__all__ = [
    "Aggregate",
    "BooleanTransform",
    "CategoriesTransform",
    "Condition",
    "Group",
    "LinearBoundedTransform",
    "LinearTransform",
    "Measure",
    "MissingPolicy",
    "Node",
    "Override",
    "PercentileTransform",
    "Scorecard",
    "ScorecardSet",
    "Segment",
    "ThresholdsTransform",
    "Transform",
]

#: How a group combines its children's scores.
Aggregate = Literal["weighted_mean", "points", "weakest_link", "min"]
#: What a group does with a child that has no score.
MissingPolicy = Literal["renormalize", "fixed", "neutral"]

#: The most bands a scorecard may have.
MAX_BANDS = 12

_Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
_Finite = Annotated[float, Field(allow_inf_nan=False)]


# --- transforms --------------------------------------------------------------------------


class _Linear(ScoringConfig):
    worst: _Finite
    best: _Finite

    @model_validator(mode="after")
    def _distinct(self) -> _Linear:
        if self.worst == self.best:
            msg = f"`worst` and `best` must differ, both are {self.worst:g}"
            raise PydanticCustomError("linear_flat", msg)
        return self


class LinearTransform(_Linear):
    """``worst`` maps to 0 and ``best`` to 100 on a straight line; outside, clamped.

    ``best < worst`` means lower is better (open tickets, days to first response).
    Planhat calls this "linear".

    Attributes:
        kind: ``"linear"``.
        worst: The value that scores 0 (and anything beyond it, away from ``best``).
        best: The value that scores 100 (and anything beyond it); differs from ``worst``.

    Examples:
        >>> LinearTransform(worst=10, best=0)
        LinearTransform(worst=10.0, best=0.0, kind='linear')
    """

    kind: Literal["linear"] = "linear"


class LinearBoundedTransform(_Linear):
    """As `LinearTransform`, but a value outside ``[worst, best]`` counts as missing.

    Planhat's "linear (bounded)": a value out of range is treated as bad data, not as
    the best or the worst.

    Attributes:
        kind: ``"linear_bounded"``.
        worst: The value that scores 0; a value beyond it counts as missing.
        best: The value that scores 100; a value beyond it counts as missing.

    Examples:
        >>> LinearBoundedTransform(worst=0, best=1).kind
        'linear_bounded'
    """

    kind: Literal["linear_bounded"] = "linear_bounded"


class ThresholdsTransform(ScoringConfig):
    """Cut points to fixed scores: ``len(cuts) + 1`` intervals, one score each.

    With ``lower_inclusive`` closure, ``cuts=[2, 5]`` and ``scores=[0, 50, 100]`` mean
    ``value < 2 -> 0``, ``2 <= value < 5 -> 50``, ``value >= 5 -> 100``; with
    ``upper_inclusive`` the cut points belong to the interval below them. Without a
    ``closure`` the scorecard's applies. Gainsight and ChurnZero bands, Quivly buckets.

    Attributes:
        kind: ``"thresholds"``.
        cuts: The cut points, strictly increasing (at least one).
        scores: The score of each interval (0..100), one more than ``cuts``.
        closure: ``lower_inclusive`` or ``upper_inclusive``: which interval a cut point
            belongs to; ``None`` takes the scorecard's.

    Examples:
        >>> ThresholdsTransform(cuts=[0, 30], scores=[0, 50, 100]).closure is None
        True
    """

    kind: Literal["thresholds"] = "thresholds"
    cuts: tuple[_Finite, ...] = Field(min_length=1)
    scores: tuple[_Score, ...]
    closure: Closure | None = None

    @model_validator(mode="after")
    def _shape(self) -> ThresholdsTransform:
        if any(b <= a for a, b in itertools.pairwise(self.cuts)):
            msg = f"`cuts` must increase strictly, got {list(self.cuts)}"
            raise PydanticCustomError("cuts_order", msg)
        if len(self.scores) != len(self.cuts) + 1:
            msg = (
                f"`scores` needs one more entry than `cuts` ({len(self.cuts) + 1}), "
                f"got {len(self.scores)}"
            )
            raise PydanticCustomError("scores_length", msg)
        return self


class CategoriesTransform(ScoringConfig):
    """A score for each category, such as ``{"good": 100, "average": 60, "poor": 0}``.

    Totango scores good/average/poor as 100/60/0, Vitally as 10/5/0. A category not in
    ``scores`` is an error naming the account (``unknown="error"``, the default: it is
    usually a typo) or counts as missing (``unknown="missing"``).

    Attributes:
        kind: ``"categories"``.
        scores: The score (0..100) of each category (at least one).
        unknown: ``error`` or ``missing``: what a category not in ``scores`` does.

    Examples:
        >>> CategoriesTransform(scores={"good": 100, "poor": 0}).unknown
        'error'
    """

    kind: Literal["categories"] = "categories"
    scores: Mapping[str, _Score] = Field(min_length=1)
    unknown: Literal["error", "missing"] = "error"


class BooleanTransform(ScoringConfig):
    """True and false to two scores (100 and 0 unless set).

    Attributes:
        kind: ``"boolean"``.
        true: The score of true (0..100).
        false: The score of false (0..100).

    Examples:
        >>> BooleanTransform(true=0, false=100).true
        0.0
    """

    kind: Literal["boolean"] = "boolean"
    true: _Score = 100.0
    false: _Score = 0.0


class PercentileTransform(ScoringConfig):
    """The value's percentile rank among the scored accounts, 0..100.

    The percentile rank of a value is the share of values below it plus half the share
    equal to it, times 100 (the textbook definition; `scipy.stats.percentileofscore`
    with ``kind="mean"``). With ``by`` (a column such as ``"segment"``) accounts are
    ranked within their own group; with ``higher_is_better=False`` the rank is turned
    round (100 minus it).

    Attributes:
        kind: ``"percentile"``.
        by: The column whose groups accounts are ranked within; ``None`` ranks them all
            together.
        higher_is_better: Whether a higher value ranks higher; if false, the rank is
            turned round.

    Examples:
        >>> PercentileTransform(by="segment").by
        'segment'
    """

    kind: Literal["percentile"] = "percentile"
    by: str | None = None
    higher_is_better: bool = True


#: A measure's transform from raw value to a 0..100 score, chosen by ``kind``.
Transform = Annotated[
    LinearTransform
    | LinearBoundedTransform
    | ThresholdsTransform
    | CategoriesTransform
    | BooleanTransform
    | PercentileTransform,
    Field(discriminator="kind"),
]


# --- the tree ----------------------------------------------------------------------------


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


_DEFAULT_BANDS = (
    Band(label="red", min=0, max=40),
    Band(label="yellow", min=40, max=70),
    Band(label="green", min=70, max=100),
)


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


def _band_problem(bands: tuple[Band, ...]) -> str:
    if not bands:
        return "give at least one band"
    if len(bands) > MAX_BANDS:
        return f"at most {MAX_BANDS} bands, got {len(bands)}"
    labels = [band.label for band in bands]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        return f"band labels must be unique, {repeated} repeat"
    for band in bands:
        if band.max <= band.min:
            return f"band {band.label!r} is empty: max {band.max:g} is not above min {band.min:g}"
    if bands[0].min != 0:
        return f"the bands start at {bands[0].min:g}, not at 0"
    for low, high in itertools.pairwise(bands):
        if high.min > low.max:
            return (
                f"gap between {low.label!r} (to {low.max:g}) and {high.label!r} (from {high.min:g})"
            )
        if high.min < low.max:
            return f"{low.label!r} (to {low.max:g}) overlaps {high.label!r} (from {high.min:g})"
    if bands[-1].max != 100:
        return f"the bands end at {bands[-1].max:g}, not at 100"
    return ""


# --- segments and overrides --------------------------------------------------------------

_Value = str | float | bool


class Condition(ScoringConfig):
    """One test of an account's column, for choosing its scorecard.

    ``op`` is ``eq``, ``ne``, ``in``, ``not_in`` (``value`` a list), ``lt``, ``le``,
    ``gt``, ``ge`` (``value`` a number), ``missing`` or ``present`` (no ``value``). A
    missing value fails every test except ``missing`` (and ``ne`` / ``not_in``, which
    hold only for present values too: "missing" is never "not enterprise" by accident).

    Attributes:
        column: The account's column tested.
        op: The test: ``eq``, ``ne``, ``in``, ``not_in``, ``lt``, ``le``, ``gt``, ``ge``,
            ``missing`` or ``present``.
        value: What the column is compared with: one value, a list (``in``,
            ``not_in``), a number (``lt`` ... ``ge``) or nothing (``missing``,
            ``present``).

    Examples:
        >>> Condition(column="segment", op="in", value=["enterprise", "strategic"]).value
        ('enterprise', 'strategic')
    """

    column: str = Field(min_length=1)
    op: Literal["eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "missing", "present"] = "eq"
    value: _Value | tuple[_Value, ...] | None = None

    @model_validator(mode="after")
    def _operand(self) -> Condition:
        value = self.value
        if self.op in {"missing", "present"}:
            ok, want = value is None, "no value"
        elif self.op in {"in", "not_in"}:
            ok, want = isinstance(value, tuple) and len(value) > 0, "a non-empty list"
        elif self.op in {"lt", "le", "gt", "ge"}:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            want = "a number"
        else:
            ok, want = value is not None and not isinstance(value, tuple), "one value"
        if not ok:
            msg = f"`{self.op}` on {self.column!r} takes {want}, got {value!r}"
            raise PydanticCustomError("operand", msg)
        return self


class Segment(ScoringConfig):
    """A scorecard for the accounts that meet every condition in ``when``.

    Attributes:
        name: The segment's name, unique in its set.
        when: The conditions an account must all meet (at least one).
        scorecard: The scorecard of the segment's accounts.

    Examples:
        >>> from cshealth.scoring import default_scorecard
        >>> seg = Segment(
        ...     name="enterprise",
        ...     when=[{"column": "segment", "value": "enterprise"}],
        ...     scorecard=default_scorecard(),
        ... )
        >>> seg.when[0].op
        'eq'
    """

    name: str = Field(min_length=1)
    when: tuple[Condition, ...] = Field(min_length=1)
    scorecard: Scorecard


class ScorecardSet(ScoringConfig):
    """Scorecards by segment: the first segment whose conditions hold wins, else the default.

    Every account gets exactly one scorecard, deterministically (Gainsight assigns by
    criteria with a default). Score several named sets for several scores per account
    (product health, relationship health).

    Attributes:
        name: The set's name.
        segments: The segments, tried in order.
        default: The scorecard of an account that is in no segment.

    Examples:
        >>> from cshealth.scoring import default_scorecard
        >>> enterprise = default_scorecard().model_copy(update={"name": "enterprise"})
        >>> cards = ScorecardSet(
        ...     name="health",
        ...     default=default_scorecard(),
        ...     segments=[
        ...         {
        ...             "name": "enterprise",
        ...             "when": [{"column": "segment", "value": "enterprise"}],
        ...             "scorecard": enterprise,
        ...         }
        ...     ],
        ... )
        >>> [card.name for card in cards.scorecards()]
        ['enterprise', 'default']
    """

    name: str = Field(min_length=1)
    segments: tuple[Segment, ...] = ()
    default: Scorecard

    @model_validator(mode="after")
    def _unique_segments(self) -> ScorecardSet:
        names = [segment.name for segment in self.segments]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            msg = f"segment names must be unique, {repeated} repeat"
            raise PydanticCustomError("duplicate_segment", msg)
        return self

    def scorecards(self) -> tuple[Scorecard, ...]:
        """The segments' scorecards in order, then the default."""
        return (*(segment.scorecard for segment in self.segments), self.default)


class Override(ScoringConfig):
    """A person's score for one account's measure, group or overall score, until it expires.

    Attributes:
        account_id: The account.
        scope: ``measure``, ``group`` or ``overall``.
        node: The measure's or group's name (for ``overall``: omit it, or the root's name).
        value: The score that replaces the computed one (0..100).
        reason: Why (required: an override without a reason cannot be reviewed).
        author: Who set it.
        expires_on: The first day it no longer applies (none: until removed). It applies
            when ``as_of`` is before that day, and reverts by itself afterwards.

    Examples:
        >>> from datetime import date
        >>> Override(
        ...     account_id="a1",
        ...     scope="overall",
        ...     value=20,
        ...     reason="exec escalation",
        ...     author="kim",
        ...     expires_on=date(2026, 3, 1),
        ... ).expires_on
        datetime.date(2026, 3, 1)
    """

    account_id: Identifier
    scope: Literal["measure", "group", "overall"]
    node: str | None = None
    value: _Score
    reason: str = Field(min_length=1)
    author: str = Field(min_length=1)
    expires_on: date | None = None

    @model_validator(mode="after")
    def _node_named(self) -> Override:
        if self.scope != "overall" and self.node is None:
            msg = f"a {self.scope} override names its `node`"
            raise PydanticCustomError("override_node", msg)
        return self

    def active(self, day: date) -> bool:
        """Whether the override applies on ``day`` (it has not expired).

        Examples:
            >>> from datetime import date
            >>> o = Override(
            ...     account_id="a",
            ...     scope="overall",
            ...     value=0,
            ...     reason="r",
            ...     author="a",
            ...     expires_on=date(2026, 1, 1),
            ... )
            >>> o.active(date(2025, 12, 31)), o.active(date(2026, 1, 1))
            (True, False)
        """
        return self.expires_on is None or day < self.expires_on


Group.model_rebuild()
Measure.model_rebuild()
Scorecard.model_rebuild()
