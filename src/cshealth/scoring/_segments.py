"""Scorecards by segment: `ScorecardSet` gives every account exactly one scorecard.

A `Segment` is a scorecard for the accounts that meet each of its `Condition` tests of
their columns; a `ScorecardSet` tries its segments in order and falls back to a default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from cshealth.scoring._base import ScoringConfig
from cshealth.scoring._scorecard import Scorecard

__all__ = ["Condition", "ScorecardSet", "Segment"]

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
