"""``scoring.score``: a scorecard (or a set of them by segment) over many accounts.

`score` reads the inputs once, gives each account its scorecard (`_assign`, in
`cshealth.scoring._score_segments`), scores each scorecard's accounts (`_score_plan`:
measure scores, their freshness, the overrides of `cshealth.scoring._score_overrides`,
then the kernel) and gathers the parts into one `HealthScores`. `score_one` is the same
for one scorecard, for `attribute_change`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

import numpy as np

from cshealth._exceptions import ConfigError, InvalidInputError
from cshealth._time import as_instant
from cshealth._types import AsOf, FloatArray, IntArray
from cshealth.io._read import read_ids, same_kind
from cshealth.scoring._engine import Evaluation, evaluate
from cshealth.scoring._inputs import Inputs, Kind, read_inputs
from cshealth.scoring._override import Override
from cshealth.scoring._percentile_partial import PercentileReference
from cshealth.scoring._plan import Plan, compile_plan
from cshealth.scoring._result import HealthScores
from cshealth.scoring._score_overrides import (
    _known_nodes,
    _override_day,
    _overrides,
    check_overrides,
)
from cshealth.scoring._score_segments import _assign
from cshealth.scoring._scorecard import Scorecard
from cshealth.scoring._scored import Scored
from cshealth.scoring._segments import ScorecardSet
from cshealth.scoring._transform_config import PercentileTransform
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
    reference: PercentileReference | None = None,
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
        reference: The merged `PercentileReference` of every partition of the accounts
            (`cshealth.scoring.percentile_reference`): ``percentile`` transforms rank
            each account against it instead of against the accounts in ``data``, so
            scoring each partition with it gives the scores of all accounts scored at
            once. Only with a `Scorecard`.

    Returns:
        The scores, bands, coverage, node scores and contributions, in the input's
        account order.

    Raises:
        InvalidInputError: On missing, repeated or bad account ids, an absent column, a
            bad value (named by column, account and value), an unknown category, a
            missing ``as_of`` where one is needed, or two active overrides of one node.
        ConfigError: On an override naming a node the scorecard does not have, or of
            the wrong scope; on a ``reference`` with a `ScorecardSet`.
        PartialMismatchError: On a ``reference`` computed for another scorecard.

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
    _check_reference(card, reference)
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
            plan,
            inputs,
            rows,
            instant=instant,
            overrides=listed,
            day=day,
            strict=chosen is None,
            reference=reference,
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


def _check_reference(card: Scorecard | ScorecardSet, reference: object) -> None:
    if reference is None:
        return
    if not isinstance(reference, PercentileReference):
        msg = f"`reference` must be a PercentileReference, got {type(reference).__name__}"
        raise InvalidInputError(msg)
    if not isinstance(card, Scorecard):
        msg = "a percentile `reference` scores one Scorecard, not a ScorecardSet"
        raise ConfigError(msg)
    reference.check(card)


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
    reference: PercentileReference | None = None,
) -> Scored:
    sub = inputs if rows is None else _subset(inputs, rows)
    values: list[FloatArray] = []
    status: list[Int8Array | None] = []
    for measure in plan.measures:
        if reference is not None and isinstance(measure.transform, PercentileTransform):
            scores, codes = reference.ranks(measure, sub)
        else:
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
