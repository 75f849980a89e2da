"""`classify`: every account's lifecycle stage and flags on one day, with the reasons.

The rules (`LifecycleRules`) are evaluated on whole columns: each input once
(`cshealth.lifecycle._sources`), each condition once, each rule as a few boolean
operations, and the first stage rule that fires picks the stage. Only the inputs the
rules name are read. Classification is pure in ``as_of``: records dated on or after it are
not read, and inputs computed after it (health scores, usage measures taken later) are
refused, so `history` can replay any past day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._time import as_day, as_instant
from cshealth._types import AsOf, BoolArray, IdArray, IntArray, ObjectArray
from cshealth.io import Table
from cshealth.io._read import IdIndex, positions_of
from cshealth.lifecycle._assignments import StageAssignments
from cshealth.lifecycle._days import MISSING, known, to_date, to_dates
from cshealth.lifecycle._evaluate import Outcome, evaluate, fires
from cshealth.lifecycle._milestones import read_indexed_accounts
from cshealth.lifecycle._rules import DEFAULT_RULES, FlagRule, LifecycleRules, StageRule
from cshealth.lifecycle._signal import Signal
from cshealth.lifecycle._sources import Sources

__all__ = ["Read", "check_rules", "classify", "classify_read", "in_scope", "read_for"]

_ACCOUNT_FIELDS = ("end_date", "renewal_date", "mrr", "seats", "segment", "plan", "owner")

#: The stage that ``min_dwell_days`` never holds an account in or out of.
CHURNED = "churned"


def classify(
    accounts: object,
    *,
    as_of: AsOf,
    milestones: object = (),
    health: object = None,
    nps: object = None,
    usage: object = None,
    contacts: object = (),
    revenue_changes: object = None,
    rules: LifecycleRules | None = None,
    previous: StageAssignments | None = None,
) -> StageAssignments:
    """Every account's lifecycle stage and flags on ``as_of``, and why.

    The stage rules are tried in order and the first that fires wins; every flag rule is
    tried on every account. The default rules (`LifecycleRules`, documented in the
    lifecycle guide): ``churned`` (not a customer on ``as_of``), ``renewal`` (renewal
    date at most 90 days out), ``onboarding`` (a required milestone open; without
    milestones, fewer than 90 days since the start), ``adoption`` (onboarded fewer than 90
    days ago, or seat utilisation under 0.5), ``expansion`` (seat utilisation at least 0.9,
    or expansion MRR in the last 90 days), ``advocacy`` (a promoter with health in the top
    band) and ``engagement``; flags ``at_risk``, ``stuck_onboarding``, ``expansion_ready``,
    ``advocate``, ``single_threaded`` and ``stage_stale``.

    Stages can be kept from flapping (``Thresholds.min_dwell_days``, 0 and off by
    default): given ``previous``, an account whose rules now give another stage stays in
    its previous stage while it has been in it fewer than ``min_dwell_days`` days
    (counted as ``days_in_stage`` is); `StageAssignments.held` marks it, and its reasons
    say so. A move into or out of ``churned`` is never held: churn is a fact (an end date,
    or MRR at 0), not a signal that may flap, and an account that comes back is a customer
    again at once. Flags are never held: they come from the inputs of ``as_of``.

    Args:
        accounts: `Account` records, a `Table`, a mapping of columns or a data frame with
            ``id`` and ``start_date`` (and ``end_date``, ``renewal_date``, ``mrr``,
            ``seats`` and any column a rule names as ``account.<column>``). Accounts that
            start on or after ``as_of`` are left out and counted (``not_started``).
        as_of: The day to classify on (a ``date``, or an instant taken at its UTC day).
        milestones: Onboarding `Milestone` data of the accounts (see `onboarding`).
        health: `scoring.HealthScores` taken on or before ``as_of``.
        nps: NPS `SurveyResponse` data: each account's latest relationship answer
            submitted before ``as_of`` counts.
        usage: Per-account usage measures taken on or before ``as_of``: a `MeasureTable`
            (``adoption.account_metrics``: ``seat_utilisation``, ``usage_change``) or a
            result with ``to_measures()`` (``adoption.usage_trend``).
        contacts: `Contact` data: active contacts and champions.
        revenue_changes: `RevenueChange` data: MRR in force before ``as_of`` (an account
            at 0 is churned) and recent expansion.
        rules: The rules; `LifecycleRules()` by default.
        previous: The assignments of an earlier day, for ``entered_on``,
            ``days_in_stage``, ``previous_stage``, the ``stage_stale`` flag and the
            ``min_dwell_days`` holds (without it, nothing is held).

    Returns:
        The `StageAssignments` of the accounts that started before ``as_of``.

    Raises:
        InvalidInputError: On bad accounts or inputs (every bad row named), milestones of
            accounts not given, inputs taken after ``as_of``, a rule naming an account
            column or usage measure that the data lacks, a comparison the input's values
            do not allow, an input unknown for some account where a rule says
            ``if_missing="error"``, or ``previous`` taken on or after ``as_of``.

    Examples:
        >>> from datetime import date
        >>> accounts = {
        ...     "id": ["a", "b", "c", "d"],
        ...     "start_date": ["2024-01-01", "2024-06-01", "2025-02-01", "2023-01-01"],
        ...     "end_date": [None, None, None, "2025-01-31"],
        ...     "renewal_date": ["2025-05-01", "2026-06-01", None, None],
        ... }
        >>> stages = classify(accounts, as_of=date(2025, 3, 1))
        >>> stages.stage.tolist()
        ['renewal', 'engagement', 'onboarding', 'churned']
        >>> print(stages.account("c").reasons[0].format())
        stage onboarding: onboarding_complete is false; fallback: onboarding_complete by
        fallback: no milestones, so onboarding is complete onboarding_days (90) after the start

        With ``min_dwell_days``, neither a renewal date just passed (``a``) nor the end of
        the 90 days of onboarding (``c``) moves an account before it has been 30 days in
        its stage:

        >>> from cshealth.lifecycle import Thresholds
        >>> steady = LifecycleRules(thresholds=Thresholds(min_dwell_days=30))
        >>> april = classify(accounts, as_of=date(2025, 4, 25), rules=steady)
        >>> may = classify(accounts, as_of=date(2025, 5, 5), rules=steady, previous=april)
        >>> may.stage.tolist(), may.held.tolist()
        (['renewal', 'engagement', 'onboarding', 'churned'], [True, False, True, False])
        >>> print(may.account("a").reasons[0].format())
        hold renewal: days_in_stage = 10 (< min_dwell_days (30)); the rules give engagement
    """
    rules = check_rules(rules)
    day = as_day(as_of, "as_of")
    table, index = read_indexed_accounts(accounts, ("start_date",), _account_fields(rules))
    return classify_read(
        Read(accounts, table, index),
        day=day,
        milestones=milestones,
        health=health,
        nps=nps,
        usage=usage,
        contacts=contacts,
        revenue_changes=revenue_changes,
        rules=rules,
        previous=previous,
    )


def check_rules(rules: object) -> LifecycleRules:
    """``rules``, or the default rules for ``None``.

    Raises:
        InvalidInputError: On anything but `LifecycleRules`.
    """
    if rules is None:
        return DEFAULT_RULES
    if not isinstance(rules, LifecycleRules):
        msg = f"`rules` must be a LifecycleRules, got {type(rules).__name__}"
        raise InvalidInputError(msg)
    return rules


@dataclass(frozen=True)
class Read:
    """Accounts read once: as given, as a table, and their ids ready for lookups.

    ``matches`` keeps, for each source matched to the accounts, its rows' positions among
    them, so the days of a `history` match a source read once only once.
    """

    raw: object
    table: Table
    index: IdIndex
    matches: dict[str, tuple[IdArray, IntArray]] = field(default_factory=dict)


def read_for(accounts: object, rules: LifecycleRules) -> Read:
    """The accounts read once, with the columns ``rules`` need, for many days (`history`)."""
    table, index = read_indexed_accounts(accounts, ("start_date",), _account_fields(rules))
    return Read(accounts, table, index)


def in_scope(table: Table, day: int) -> IntArray:
    """The rows of the accounts that started before ``day``: those classified on it."""
    start = table["start_date"].astype("datetime64[D]").astype(np.int64)
    return np.flatnonzero(start < day)


def classify_read(
    accounts: Read,
    *,
    day: int,
    milestones: object,
    health: object,
    nps: object,
    usage: object,
    contacts: object,
    revenue_changes: object,
    rules: LifecycleRules,
    previous: StageAssignments | None,
    previous_at: IntArray | None = None,
) -> StageAssignments:
    """`classify` on accounts already read (the milestones may be read too: `Milestones`).

    ``previous_at``: each account in scope's row in ``previous``, when the caller knows it.
    """
    table, index = accounts.table, accounts.index
    scope = in_scope(table, day)
    sources = Sources(
        accounts=table.take(scope) if len(scope) < table.n_rows else table,
        raw_accounts=accounts.raw,
        scope=scope,
        day=day,
        instant=as_instant(to_date(day), "as_of"),
        thresholds=rules.thresholds,
        given_ids=table["id"],
        given_index=index,
        matches=accounts.matches,
        milestones=milestones,
        health=health,
        nps=nps,
        usage=usage,
        contacts=contacts,
        revenue_changes=revenue_changes,
    )
    n, ids = sources.n, sources.ids
    used: dict[str, Signal] = {}
    code = np.full(n, -1, dtype=np.int64)
    for i, rule in enumerate(rules.stages):
        fired = _fires(rule, sources, used, rules, n)
        code[(code < 0) & fired] = i
    labels = np.array([rule.name for rule in rules.stages], dtype=object)
    stage, entered, prior, held = _carry(
        previous, ids, labels[code], day, rules, previous_at=previous_at
    )
    sources.entered = entered
    days_in = np.where(known(entered), day - entered, np.nan)
    flags = {rule.name: _fires(rule, sources, used, rules, n) for rule in rules.flags}
    mrr = sources.signal("mrr")
    return StageAssignments(
        account_ids=ids,
        stage=stage,
        flags=flags,
        entered_on=to_dates(entered),
        days_in_stage=days_in.astype(np.float64),
        previous_stage=prior,
        held=held,
        mrr=np.where(mrr.known, mrr.values, np.nan).astype(np.float64),
        as_of=to_date(day),
        rules=rules,
        rules_hash=rules.config_hash,
        not_started=table.n_rows - n,
        ignored=dict(sources.ignored),
        _signals=used,
    )


def _account_fields(rules: LifecycleRules) -> tuple[str, ...]:
    """The `Account` fields read: the usual ones, and any a rule names that are fields."""
    named = {
        c.input.split(".", 1)[1]
        for rule in (*rules.stages, *rules.flags)
        for c in rule.conditions()
        if c.input.startswith("account.")
    }
    from cshealth.models import Account  # noqa: PLC0415 - the model's fields only

    fields = [name for name in sorted(named) if name in Account.model_fields and name != "id"]
    return tuple(dict.fromkeys([*_ACCOUNT_FIELDS, *fields]))


def _fires(
    rule: StageRule | FlagRule,
    sources: Sources,
    used: dict[str, Signal],
    rules: LifecycleRules,
    n: int,
) -> BoolArray:
    outcomes: list[list[Outcome]] = []
    for group in (rule.all, rule.any):
        held = []
        for condition in group:
            signal = used.get(condition.input)
            if signal is None:
                signal = used[condition.input] = sources.signal(condition.input)
            held.append(
                evaluate(
                    condition,
                    signal,
                    rules.thresholds,
                    rule=rule.name,
                    ids=sources.ids,
                )
            )
        outcomes.append(held)
    return fires(outcomes[0], outcomes[1], n)


def _carry(
    previous: StageAssignments | None,
    ids: IdArray,
    ruled: ObjectArray,
    day: int,
    rules: LifecycleRules,
    *,
    previous_at: IntArray | None = None,
) -> tuple[ObjectArray, IntArray, ObjectArray, BoolArray]:
    """The stage after holds, ``entered_on`` (whole days), ``previous_stage`` and ``held``.

    ``ruled`` is the stage the rules give. Given ``previous``, an account whose rules give
    another stage than its previous one stays in the previous one while it has been in it
    fewer than ``min_dwell_days`` days, counted as ``days_in_stage`` is (`_holds`).
    ``previous_at`` is each account's row in ``previous`` (-1: not there) when the caller
    knows it (`history`: both days' accounts are rows of one table); else the ids are
    matched.
    """
    n = len(ids)
    not_held = np.zeros(n, dtype=bool)
    if previous is None:
        entered = np.full(n, MISSING, dtype=np.int64)
        return ruled, entered, np.full(n, None, dtype=object), not_held
    if not isinstance(cast("object", previous), StageAssignments):
        msg = f"`previous` must be StageAssignments, got {type(previous).__name__}"
        raise InvalidInputError(msg)
    before = (previous.as_of - to_date(0)).days
    if before >= day:
        msg = (
            f"`previous` is of {previous.as_of}, not before as_of ({to_date(day)}); "
            "give the assignments of an earlier day"
        )
        raise InvalidInputError(msg)
    if not len(previous.account_ids):  # no account then: every one is new
        return ruled, np.full(n, day, dtype=np.int64), np.full(n, None, dtype=object), not_held
    at = previous_at
    if at is None:
        at = positions_of(
            previous.account_ids, ids, keys_name="`previous` accounts", values_name="accounts"
        )
    seen = at >= 0
    where = np.maximum(at, 0)
    old_stage = previous.stage[where]
    old_entered = previous.entered_on[where].astype(np.int64)
    first_seen = np.where(old_entered == MISSING, before, old_entered)
    held = _holds(seen, old_stage, ruled, day - first_seen, rules)
    stage: ObjectArray = np.where(held, old_stage, ruled) if held.any() else ruled
    same = seen & (old_stage == stage)
    entered = np.where(same, first_seen, day)
    prior: ObjectArray = old_stage.copy()
    prior[~seen] = None
    prior[same] = previous.previous_stage[where][same]
    return stage, entered.astype(np.int64), prior, held


def _holds(
    seen: BoolArray,
    old_stage: ObjectArray,
    ruled: ObjectArray,
    days_in: IntArray,
    rules: LifecycleRules,
) -> BoolArray:
    """Where an account stays in its previous stage instead of the one its rules give.

    It stays while it has been in that stage fewer than ``min_dwell_days`` days. Never for
    an account not in the previous assignments, nor into or out of ``churned`` (churn is
    a fact, an end date or MRR at 0, not a signal that may flap), nor in a stage the
    rules do not have (previous assignments made under other rules).
    """
    held: BoolArray = seen & (days_in < rules.thresholds.min_dwell_days)
    rows = np.flatnonzero(held)  # compare the stages (objects) of these rows only
    if len(rows):
        old, new = old_stage[rows], ruled[rows]
        known_stage = np.zeros(len(rows), dtype=bool)
        for rule in rules.stages:
            known_stage |= old == rule.name
        held[rows] = known_stage & (old != new) & (old != CHURNED) & (new != CHURNED)
    return held
