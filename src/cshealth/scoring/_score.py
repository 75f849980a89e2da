"""``scoring.score``: a scorecard (or a set of them by segment) over many accounts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import items, shown
from cshealth._codes import id_codes
from cshealth._exceptions import ConfigError, InvalidInputError
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, BoolArray, FloatArray, IntArray
from cshealth.io._read import read_ids, same_kind
from cshealth.scoring._engine import Evaluation, Overrides, Plan, compile_plan, evaluate
from cshealth.scoring._inputs import Inputs, Kind, read_inputs
from cshealth.scoring._override import Override
from cshealth.scoring._result import HealthScores, Scored
from cshealth.scoring._scorecard import Scorecard
from cshealth.scoring._segments import Condition, ScorecardSet
from cshealth.scoring._transforms import (
    Int8Array,
    column_kinds,
    freshness,
    measure_scores,
)

__all__ = ["score", "score_one"]


def score(
    card: Scorecard | ScorecardSet,
    data: object,
    *,
    as_of: AsOf | None = None,
    overrides: Iterable[Override] = (),
) -> HealthScores:
    """Health scores of every account in ``data`` under a scorecard (or a set by segment).

    Args:
        card: A `Scorecard`, or a `ScorecardSet` (each account gets the scorecard of the
            first segment whose conditions it meets, else the default).
        data: One row per account: a mapping of columns (a dict, a `MeasureTable`), a
            pandas or polars data frame, or an iterable of per-account mappings. It needs
            ``account_id`` and every column the scorecard reads. ``None`` or NaN is
            missing.
        as_of: When the scores are taken (a date or an aware datetime). Needed by
            measures with ``max_age_days`` and by overrides that expire; a
            `MeasureTable`'s own ``as_of`` is used when this is not given.
        overrides: People's scores for a measure, group or the overall score of an
            account. Each applies until its ``expires_on``; the result lists which were
            applied and why the others were not.

    Returns:
        The scores, bands, coverage, node scores and contributions, in the input's
        account order.

    Raises:
        InvalidInputError: On missing, repeated or bad account ids, an absent column, a
            bad value (named by column, account and value), an unknown category, a
            missing ``as_of`` where one is needed, or two active overrides of one node.
        ConfigError: On an override naming a node the scorecard does not have, or of
            the wrong scope.

    Examples:
        >>> from cshealth.scoring import Scorecard
        >>> card = Scorecard.model_validate(
        ...     {
        ...         "name": "mini",
        ...         "root": {
        ...             "name": "overall",
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
        ...                     "transform": {
        ...                         "kind": "thresholds",
        ...                         "cuts": [0, 30],
        ...                         "scores": [0, 50, 100],
        ...                     },
        ...                 },
        ...             ],
        ...         },
        ...     }
        ... )
        >>> scores = score(card, {"account_id": ["a", "b"], "logins": [10, 20], "nps": [45, None]})
        >>> scores.score.tolist(), scores.band.tolist()
        ([62.5, 100.0], ['yellow', 'green'])

        ``a``: logins 10 of 20 scores 50, NPS 45 scores 100; (3 * 50 + 1 * 100) / 4 = 62.5.
        ``b`` has no NPS, so logins carries all the weight (coverage 0.75):

        >>> scores.coverage.tolist(), scores.contributions["logins"].tolist()
        ([1.0, 0.75], [37.5, 100.0])
    """
    check_card(card, "card", sets=True)
    cards = card.scorecards() if isinstance(card, ScorecardSet) else (card,)
    plans = [compile_plan(c) for c in cards]
    kinds = _kinds(card, plans)
    inputs = read_inputs(data, kinds)
    instant = _as_of(as_of, data)
    chosen = _assign(card, inputs) if isinstance(card, ScorecardSet) else None
    listed = check_overrides(overrides, "overrides")
    day = _override_day(listed, instant)
    if chosen is not None:
        _known_nodes(plans, listed)
    parts: list[Scored] = []
    applied: list[Override] = []
    skipped: list[tuple[Override, str]] = []
    for number, plan in enumerate(plans):
        rows = None if chosen is None else np.flatnonzero(chosen == number)
        if rows is not None and len(rows) == 0:
            continue
        part = _score_plan(
            plan, inputs, rows, instant=instant, overrides=listed, day=day, strict=chosen is None
        )
        parts.append(part)
        applied.extend(part.applied)
        skipped.extend(part.skipped)
    if listed:
        keys = read_ids([o.account_id for o in listed], name="overrides' account_id")
        same_kind(
            ("the overrides' `account_id`", keys), ("the data's `account_id`", inputs.account_ids)
        )
        known = set(inputs.account_ids.tolist())
        skipped.extend((o, "account not in the data") for o in listed if o.account_id not in known)
    return HealthScores._build(
        card,
        inputs,
        parts,
        as_of=instant,
        overrides_applied=tuple(o for o in listed if o in applied),
        overrides_skipped=tuple(sorted(skipped, key=lambda pair: listed.index(pair[0]))),
    )


def check_card(card: object, name: str, *, sets: bool) -> None:
    """Raise `ConfigError` unless ``card`` is a `Scorecard` (or a `ScorecardSet`)."""
    if isinstance(card, Scorecard) or (sets and isinstance(card, ScorecardSet)):
        return
    allowed = "a Scorecard or a ScorecardSet" if sets else "a Scorecard"
    hint = "Scorecard.model_validate(d)" if isinstance(card, dict) else "Scorecard(...)"
    msg = f"`{name}` must be {allowed}, got {type(card).__name__}; build one with {hint}"
    raise ConfigError(msg)


def check_overrides(overrides: object, name: str) -> tuple[Override, ...]:
    """``overrides`` as a tuple, checked to hold `Override` items only.

    Raises:
        InvalidInputError: On anything that is not an iterable of `Override` items.
    """
    listed = items(overrides, name, "Override items")
    for position, item in enumerate(listed):
        if not isinstance(item, Override):
            msg = (
                f"`{name}` must hold Override items; position {position} holds "
                f"{type(item).__name__} {shown(item)}"
            )
            raise InvalidInputError(msg)
    return cast("tuple[Override, ...]", tuple(listed))


def score_one(
    card: Scorecard,
    data: object,
    *,
    as_of: object,
    overrides: tuple[Override, ...],
    absent: Literal["error", "missing"],
) -> Scored:
    """One scorecard over every account (absent columns may count as missing)."""
    check_card(card, "card", sets=False)
    plan = compile_plan(card)
    inputs = read_inputs(data, column_kinds(plan.measures), absent=absent)
    instant = _as_of(as_of, data)
    day = _override_day(overrides, instant)
    return _score_plan(
        plan,
        inputs,
        None,
        instant=instant,
        overrides=overrides,
        day=day,
        strict=absent == "error",
    )


def _known_nodes(plans: list[Plan], overrides: tuple[Override, ...]) -> None:
    """An override must name a node of at least one scorecard of the set."""
    names = {name for plan in plans for name in plan.index}
    for override in overrides:
        if override.scope != "overall" and override.node not in names:
            msg = (
                f"override of account {override.account_id!r} names node {override.node!r}, "
                f"which no scorecard of the set has; the nodes are {sorted(names)}"
            )
            raise ConfigError(msg)


def _kinds(card: Scorecard | ScorecardSet, plans: list[Plan]) -> dict[str, Kind]:
    kinds = column_kinds(tuple(m for plan in plans for m in plan.measures))
    if isinstance(card, ScorecardSet):
        for segment in card.segments:
            for condition in segment.when:
                kinds.setdefault(condition.column, "raw")
    return kinds


def _as_of(value: object, data: object) -> np.datetime64 | None:
    if value is not None:
        return as_instant(value, "as_of")
    own = getattr(data, "as_of", None)
    return own if isinstance(own, np.datetime64) else None


def _override_day(overrides: tuple[Override, ...], instant: np.datetime64 | None) -> date | None:
    if instant is None:
        expiring = [o for o in overrides if o.expires_on is not None]
        if expiring:
            msg = (
                f"override of {expiring[0].account_id!r} expires on {expiring[0].expires_on}: "
                "pass `as_of` to say whether it still applies"
            )
            raise InvalidInputError(msg)
        return None
    return to_datetime(instant).date()


# --- segments ----------------------------------------------------------------------------


def _assign(cards: ScorecardSet, inputs: Inputs) -> IntArray:
    """The index of each account's scorecard in ``cards.scorecards()``; first match wins."""
    chosen = np.full(inputs.n, len(cards.segments), dtype=np.int64)
    open_rows = np.ones(inputs.n, dtype=bool)
    for number, segment in enumerate(cards.segments):
        match = open_rows.copy()
        for condition in segment.when:
            match &= _holds(condition, inputs.columns[condition.column])
        chosen[match] = number
        open_rows &= ~match
    return chosen


def _holds(condition: Condition, column: NDArray[np.generic]) -> BoolArray:
    """Where ``condition`` holds, testing each distinct value once (numbers: vectorised)."""
    if column.dtype.kind in "fiu":
        numbers = column.astype(np.float64)
        present = ~np.isnan(numbers)
        if condition.op in ("missing", "present"):
            return ~present if condition.op == "missing" else present
        with np.errstate(invalid="ignore"):
            return present & _test(condition, numbers)
    codes, k = id_codes(column.astype(object))
    first = np.full(k, -1, dtype=np.int64)
    present_rows = np.flatnonzero(codes >= 0)
    first[codes[present_rows][::-1]] = present_rows[::-1]
    distinct = column.astype(object)[first]
    if condition.op in ("missing", "present"):
        return (codes < 0) if condition.op == "missing" else (codes >= 0)
    table = np.array([bool(_test(condition, value)) for value in distinct.tolist()], dtype=bool)
    if not k:  # no values at all: every test but `missing` fails
        return np.zeros(len(codes), dtype=bool)
    held: BoolArray = np.where(codes >= 0, table[np.maximum(codes, 0)], False)
    return held


def _test(condition: Condition, value: object) -> BoolArray | bool:
    """The condition on one value, or on an array of numbers."""
    op, target = condition.op, condition.value
    if op in ("in", "not_in", "eq", "ne"):
        options = list(target) if isinstance(target, tuple) else [target]
        if isinstance(value, np.ndarray):
            inside: BoolArray = np.isin(value, np.array(options, dtype=object))
            return inside if op in ("in", "eq") else ~inside
        return (value in options) == (op in ("in", "eq"))
    number = value if isinstance(value, np.ndarray) else _number(value)
    limit = _number(target)
    compare: BoolArray | bool = {
        "lt": number < limit,
        "le": number <= limit,
        "gt": number > limit,
        "ge": number >= limit,
    }[op]
    return compare


def _number(value: object) -> float:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value)
    return float("nan")


# --- one scorecard -----------------------------------------------------------------------


def _score_plan(
    plan: Plan,
    inputs: Inputs,
    rows: IntArray | None,
    *,
    instant: np.datetime64 | None,
    overrides: tuple[Override, ...],
    day: date | None,
    strict: bool,
) -> Scored:
    sub = inputs if rows is None else _subset(inputs, rows)
    values: list[FloatArray] = []
    status: list[Int8Array | None] = []
    for measure in plan.measures:
        scores, codes = measure_scores(measure, sub, plan.card.closure)
        if measure.max_age_days is not None and measure.observed_at is not None:
            if instant is None:
                msg = (
                    f"measure {measure.name!r} sets max_age_days: pass `as_of` so its age "
                    "can be measured"
                )
                raise InvalidInputError(msg)
            codes = freshness(
                scores,
                codes,
                sub.instant(measure.observed_at),
                max_age_days=measure.max_age_days,
                as_of=instant,
            )
        values.append(scores)
        status.append(codes)
    node_overrides, applied, skipped = _overrides(plan, sub, overrides, day, strict=strict)
    evaluation: Evaluation = evaluate(plan, values, node_overrides)
    return Scored(plan, rows, sub, values, status, evaluation, node_overrides, applied, skipped)


def _subset(inputs: Inputs, rows: IntArray) -> Inputs:
    return Inputs(inputs.account_ids[rows], {k: v[rows] for k, v in inputs.columns.items()})


def _overrides(
    plan: Plan,
    inputs: Inputs,
    overrides: tuple[Override, ...],
    day: date | None,
    *,
    strict: bool,
) -> tuple[Overrides, tuple[Override, ...], tuple[tuple[Override, str], ...]]:
    if not overrides:
        return {}, (), ()
    position = {account: row for row, account in enumerate(inputs.account_ids.tolist())}
    by_node: dict[int, list[tuple[int, float]]] = {}
    taken: dict[tuple[int | str, int], Override] = {}
    applied: list[Override] = []
    skipped: list[tuple[Override, str]] = []
    for override in overrides:
        row = position.get(override.account_id)
        try:
            node = _override_node(plan, override)
        except ConfigError as error:
            if strict:
                raise
            if row is not None:
                skipped.append((override, f"{error} (scorecard {plan.card.name!r})"))
            continue
        if row is None:
            continue  # another scorecard's account, or not in the data (reported once)
        if day is not None and not override.active(day):
            skipped.append((override, f"expired on {override.expires_on}"))
            continue
        key = (override.account_id, node)
        if key in taken:
            msg = (
                f"two active overrides of {plan.nodes[node].name!r} for account "
                f"{override.account_id!r} (by {taken[key].author} and {override.author}); "
                "keep one"
            )
            raise InvalidInputError(msg)
        taken[key] = override
        by_node.setdefault(node, []).append((row, override.value))
        applied.append(override)
    out: Overrides = {}
    for node, pairs in by_node.items():
        mask = np.zeros(inputs.n, dtype=bool)
        value = np.zeros(inputs.n)
        index = np.array([r for r, _ in pairs], dtype=np.int64)
        mask[index] = True
        value[index] = [v for _, v in pairs]
        out[node] = (mask, value)
    return out, tuple(applied), tuple(skipped)


def _override_node(plan: Plan, override: Override) -> int:
    root = plan.nodes[plan.root]
    if override.scope == "overall":
        if override.node not in (None, root.name):
            msg = (
                f"an overall override names the root {root.name!r} or no node, "
                f"got {override.node!r}"
            )
            raise ConfigError(msg)
        return plan.root
    name = override.node or ""
    if name not in plan.index:
        msg = (
            f"override of account {override.account_id!r} names node {name!r}, which "
            f"scorecard {plan.card.name!r} does not have; its nodes are {list(plan.index)}"
        )
        raise ConfigError(msg)
    index = plan.index[name]
    is_measure = plan.nodes[index].measure >= 0
    if (override.scope == "measure") != is_measure or index == plan.root:
        kind = "a measure" if is_measure else ("the root" if index == plan.root else "a group")
        msg = (
            f"override of account {override.account_id!r} has scope {override.scope!r} "
            f"but {name!r} is {kind}"
        )
        raise ConfigError(msg)
    return index
