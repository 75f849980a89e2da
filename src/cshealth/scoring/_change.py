"""Why a score moved: an exact decomposition of ``score(t1) - score(t0)`` per account.

The change is walked along a path of states, each differing from the last in one kind of
cause, and each step's difference is that cause's effect, so the parts add up to the
change exactly:

1. ``config_effect``: the new scorecard on the old data (and the old overrides that still
   fit it) against the old scorecard.
2. ``override_effect``: the new overrides instead of the old.
3. ``missing_effect``: measures that appeared take their new values, measures that
   disappeared drop out; the rest keep their old values.
4. ``input_effects``: the measures present at both dates move from their old to their new
   scores. Where the scorecard is not linear in them (``min``, clamps, caps), the effect
   of one measure depends on the order the others move in; each measure's effect is the
   mean over two orders (tree order and its reverse), which is still exact in total and
   is the Shapley value when two measures moved.

Intermediate states are scored without the ``min_coverage`` floor (both ends are real
scores). If an intermediate state has no score at all (the new scorecard's measures
are all absent from the old data), its step merges into the step before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cshealth._checks import one_of, whole_number
from cshealth._codes import sorted_positions
from cshealth._result import AccountResult, json_column
from cshealth._time import as_instant
from cshealth._types import AsOf, BoolArray, FloatArray, IdArray, IntArray
from cshealth.io._read import same_kind
from cshealth.scoring._engine import Overrides, evaluate
from cshealth.scoring._override import Override
from cshealth.scoring._plan import Plan
from cshealth.scoring._score import check_card, score_one
from cshealth.scoring._score_overrides import check_overrides
from cshealth.scoring._scorecard import Scorecard

__all__ = ["ScoreChange", "attribute_change"]

_CAUSES = ("configuration", "overrides", "missing data")

#: Which accounts `ScoreChange.movers` lists: those that fell, those that rose, or both.
Direction = Literal["down", "up", "both"]


@dataclass(frozen=True, eq=False, repr=False)
class ScoreChange(AccountResult):
    """The change of each account's score between two dates, taken apart by cause.

    For every account scored at both dates,
    ``config_effect + override_effect + missing_effect + sum(input_effects) == change``
    (to rounding); all are NaN where either score is NaN (insufficient data).

    ``len()`` counts the accounts compared, `row` finds one, and `to_pandas` gives one
    row per account: the scores, the change and the effects other than the inputs'.

    Attributes:
        account_ids: Accounts in both data sets, in the order of the later one.
        score_t0: The earlier score.
        score_t1: The later score.
        change: ``score_t1 - score_t0``.
        config_effect: Points due to the change of scorecard.
        override_effect: Points due to overrides set, changed or expired.
        missing_effect: Points due to measures that appeared or disappeared.
        input_effects: Per measure of the later scorecard, points due to its value
            changing while present at both dates.
        became_missing: Per measure, the accounts where it had data before and not now.
        became_present: Per measure, the accounts where it has data now and not before.
        not_compared: Accounts in only one of the data sets.
        config_hash_t0: The earlier scorecard's hash.
        config_hash_t1: The later scorecard's hash.
    """

    account_ids: IdArray
    score_t0: FloatArray
    score_t1: FloatArray
    change: FloatArray
    config_effect: FloatArray
    override_effect: FloatArray
    missing_effect: FloatArray
    input_effects: Mapping[str, FloatArray]
    became_missing: Mapping[str, BoolArray]
    became_present: Mapping[str, BoolArray]
    not_compared: tuple[str, ...]
    config_hash_t0: str
    config_hash_t1: str

    def drivers(self, account_id: int | str) -> list[tuple[str, float]]:
        """One account's causes with their effects, largest first (zero effects left out).

        Inputs are labelled ``input: <measure>``; the others are ``configuration``,
        ``overrides`` and ``missing data``.

        Raises:
            AccountNotFoundError: If the account was not compared (also a `KeyError` and
                an `InvalidInputError`).
            InvalidInputError: If ``account_id`` is not an identifier.
        """
        row = self.row(account_id)
        parts = dict(
            zip(
                _CAUSES,
                (self.config_effect[row], self.override_effect[row], self.missing_effect[row]),
            )
        )
        parts.update({f"input: {k}": v[row] for k, v in self.input_effects.items()})
        ranked = sorted(parts.items(), key=lambda item: (-abs(item[1]), item[0]))
        return [(label, float(value)) for label, value in ranked if value != 0.0]

    def movers(self, n: int = 10, *, direction: Direction = "both") -> list[int | str]:
        """The ``n`` accounts whose scores moved most, largest move first.

        Args:
            n: How many accounts at most (a whole number ``>= 0``).
            direction: ``{'down', 'up', 'both'}``: the accounts whose score fell, rose,
                or moved either way.

        Raises:
            InvalidInputError: On another ``direction`` or an ``n`` that is not a whole
                number ``>= 0``.
        """
        count = whole_number(n, "n", low=0)
        one_of(direction, Direction, "direction")
        change = np.where(np.isnan(self.change), 0.0, self.change)
        key = {"down": change, "up": -change, "both": -np.abs(change)}[direction]
        order = np.lexsort((self.account_ids, key))  # ties in id order (one kind of id)
        moved = order[key[order] < 0] if direction != "both" else order[change[order] != 0]
        movers: list[int | str] = self.account_ids[moved[:count]].tolist()
        return movers

    def to_records(self) -> list[dict[str, object]]:
        """One JSON-ready dict per account with every part (NaN as ``None``)."""
        columns = {
            "account_id": self.account_ids,
            "score_t0": self.score_t0,
            "score_t1": self.score_t1,
            "change": self.change,
            "config_effect": self.config_effect,
            "override_effect": self.override_effect,
            "missing_effect": self.missing_effect,
        }
        flat = {name: json_column(values) for name, values in columns.items()}
        inputs = {k: json_column(values) for k, values in self.input_effects.items()}
        return [
            {
                **{name: values[row] for name, values in flat.items()},
                "input_effects": {k: values[row] for k, values in inputs.items()},
            }
            for row in range(len(self))
        ]

    def __repr__(self) -> str:
        moved = self.change[~np.isnan(self.change)]
        up, down = int((moved > 0).sum()), int((moved < 0).sum())
        return (
            f"ScoreChange({len(self)} accounts: {up} up, {down} down, "
            f"{len(moved) - up - down} unchanged; {len(self.not_compared)} not compared)"
        )


def attribute_change(
    card_t0: Scorecard,
    data_t0: object,
    card_t1: Scorecard,
    data_t1: object,
    *,
    as_of_t0: AsOf | None = None,
    as_of_t1: AsOf | None = None,
    overrides_t0: Iterable[Override] = (),
    overrides_t1: Iterable[Override] = (),
) -> ScoreChange:
    """Take each account's score change between two dates apart into its causes.

    Args:
        card_t0: The scorecard in force at the earlier date.
        data_t0: The inputs at the earlier date (as for `score`).
        card_t1: The scorecard at the later date (the same one, if it did not change).
        data_t1: The inputs at the later date.
        as_of_t0: When the earlier scores were taken (for staleness and overrides).
        as_of_t1: When the later scores were taken.
        overrides_t0: Overrides at the earlier date.
        overrides_t1: Overrides at the later date.

    Returns:
        The parts of each account's change; they add up to the change exactly.

    Raises:
        InvalidInputError: As `score` does, for either date. Columns of the later
            scorecard absent from the earlier data count as missing there.

    Examples:
        >>> from cshealth.scoring import Scorecard
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
        ...                     "weight": 1,
        ...                     "column": "nps",
        ...                     "transform": {"kind": "linear", "worst": -100, "best": 100},
        ...                 },
        ...             ],
        ...         },
        ...     }
        ... )
        >>> before = {"account_id": ["a"], "logins": [10.0], "nps": [None]}
        >>> after = {"account_id": ["a"], "logins": [16.0], "nps": [-100.0]}
        >>> change = attribute_change(card, before, card, after)
        >>> change.score_t0.tolist(), change.score_t1.tolist()
        ([50.0], [60.0])

        Logins alone scored 50. NPS appearing at -100 (a score of 0, weight 1/4) pulls the
        score to 3/4 * 50 = 37.5 (missing data: -12.5); logins rising to 16 (a score of 80)
        adds 3/4 * 30 = 22.5:

        >>> change.missing_effect.tolist(), change.input_effects["logins"].tolist()
        ([-12.5], [22.5])
        >>> change.drivers("a")
        [('input: logins', 22.5), ('missing data', -12.5)]
    """
    check_card(card_t0, "card_t0", sets=False)
    check_card(card_t1, "card_t1", sets=False)
    for name, as_of in (("as_of_t0", as_of_t0), ("as_of_t1", as_of_t1)):
        if as_of is not None:  # checked here so that a message names the parameter
            as_instant(as_of, name)
    overrides_t0_checked = check_overrides(overrides_t0, "overrides_t0")
    overrides_t1_checked = check_overrides(overrides_t1, "overrides_t1")
    old = score_one(
        card_t0, data_t0, as_of=as_of_t0, overrides=overrides_t0_checked, absent="error"
    )
    new = score_one(
        card_t1, data_t1, as_of=as_of_t1, overrides=overrides_t1_checked, absent="error"
    )
    bridge = score_one(
        card_t1, data_t0, as_of=as_of_t0, overrides=overrides_t0_checked, absent="missing"
    )
    ids0, ids1 = old.inputs.account_ids, new.inputs.account_ids
    same_kind(("the accounts at t0", ids0), ("the accounts at t1", ids1))
    order0 = np.argsort(ids0, kind="stable")
    at0 = sorted_positions(ids0[order0], ids1)
    both = at0 >= 0
    rows1 = np.flatnonzero(both)
    rows0 = order0[at0[both]]
    in_one = set(ids0.tolist()) ^ set(ids1.tolist())
    plan = new.plan
    score0 = old.evaluation.score[rows0]
    score1 = new.evaluation.score[rows1]
    before = [v[rows0] for v in bridge.values]
    after = [v[rows1] for v in new.values]
    path = _Path(plan, before, after, _take(bridge.overrides, rows0), _take(new.overrides, rows1))
    undefined = np.isnan(score0) | np.isnan(score1)
    a = np.where(undefined, np.nan, score0)
    d = np.where(undefined, np.nan, path.presence_state())
    c = _or(path.root(before, path.overrides_after), d)
    b = _or(path.root(before, path.overrides_before), c)
    effects = path.input_effects(d)
    names = [m.name for m in plan.measures]
    present0 = [~np.isnan(v) for v in before]
    present1 = [~np.isnan(v) for v in after]
    return ScoreChange(
        account_ids=ids1[rows1],
        score_t0=score0,
        score_t1=score1,
        change=score1 - score0,
        config_effect=b - a,
        override_effect=c - b,
        missing_effect=d - c,
        input_effects={
            name: np.where(undefined, np.nan, effect) for name, effect in zip(names, effects)
        },
        became_missing={n: p0 & ~p1 for n, p0, p1 in zip(names, present0, present1)},
        became_present={n: ~p0 & p1 for n, p0, p1 in zip(names, present0, present1)},
        not_compared=tuple(sorted(str(i) for i in in_one)),
        config_hash_t0=card_t0.config_hash,
        config_hash_t1=card_t1.config_hash,
    )


def _take(overrides: Overrides, rows: IntArray) -> Overrides:
    return {node: (mask[rows], value[rows]) for node, (mask, value) in overrides.items()}


def _or(state: FloatArray, fallback: FloatArray) -> FloatArray:
    """``state``, or the next state on the path where it has no score (or the change none)."""
    return np.where(np.isnan(state) | np.isnan(fallback), fallback, state)


class _Path:
    """The states between the old and the new scores, under the new scorecard."""

    def __init__(
        self,
        plan: Plan,
        before: list[FloatArray],
        after: list[FloatArray],
        overrides_before: Overrides,
        overrides_after: Overrides,
    ) -> None:
        self.plan = plan
        self.before = before
        self.after = after
        self.overrides_before = overrides_before
        self.overrides_after = overrides_after
        # presence as at t1: old values where present at both, new ones where they appeared
        self.middle = [
            np.where(np.isnan(b), a, np.where(np.isnan(a), np.nan, b))
            for b, a in zip(before, after)
        ]

    def root(self, values: list[FloatArray], overrides: Overrides) -> FloatArray:
        """The root's score without the coverage floor."""
        return evaluate(self.plan, values, overrides).node_scores[self.plan.root]

    def presence_state(self) -> FloatArray:
        return self.root(self.middle, self.overrides_after)

    def input_effects(self, start: FloatArray) -> list[FloatArray]:
        """Each measure's effect, averaged over tree order and reverse tree order."""
        k = len(self.after)
        moved = [not np.array_equal(m, a, equal_nan=True) for m, a in zip(self.middle, self.after)]
        effects = [np.zeros(len(start)) for _ in range(k)]
        for order in (range(k), range(k - 1, -1, -1)):
            state = list(self.middle)
            last = start
            for m in order:
                if not moved[m]:
                    continue
                state[m] = self.after[m]
                now = self.root(state, self.overrides_after)
                effects[m] += (now - last) / 2.0
                last = now
        return effects
