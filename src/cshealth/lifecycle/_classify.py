"""`classify`: every account's lifecycle stage and flags on one day, with the reasons.

The rules (`LifecycleRules`) are evaluated on whole columns: each input once
(`cshealth.lifecycle._sources`), each condition once, each rule as a few boolean
operations, and the first stage rule that fires picks the stage. Only the inputs the
rules name are read. Classification is pure in ``as_of``: records dated on or after it are
not read, and inputs computed after it (health scores, usage measures taken later) are
refused, so `history` can replay any past day.
"""

from __future__ import annotations

from dataclasses import dataclass
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

__all__ = ["Read", "check_rules", "classify", "classify_read", "read_for"]

_ACCOUNT_FIELDS = ("end_date", "renewal_date", "mrr", "seats", "segment", "plan", "owner")


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
            ``days_in_stage``, ``previous_stage`` and the ``stage_stale`` flag.

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
    """Accounts read once: as given, as a table, and their ids ready for lookups."""

    raw: object
    table: Table
    index: IdIndex


def read_for(accounts: object, rules: LifecycleRules) -> Read:
    """The accounts read once, with the columns ``rules`` need, for many days (`history`)."""
    table, index = read_indexed_accounts(accounts, ("start_date",), _account_fields(rules))
    return Read(accounts, table, index)


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
) -> StageAssignments:
    """`classify` on accounts already read (the milestones may be read too: `Milestones`)."""
    table, index = accounts.table, accounts.index
    start = table["start_date"].astype("datetime64[D]").astype(np.int64)
    scope = np.flatnonzero(start < day)
    sources = Sources(
        accounts=table.take(scope) if len(scope) < table.n_rows else table,
        raw_accounts=accounts.raw,
        scope=scope,
        day=day,
        instant=as_instant(to_date(day), "as_of"),
        thresholds=rules.thresholds,
        given_ids=table["id"],
        given_index=index,
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
    stage: ObjectArray = labels[code]
    entered, prior = _carry(previous, ids, stage, day)
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
    stage: ObjectArray,
    day: int,
) -> tuple[IntArray, ObjectArray]:
    """``entered_on`` (whole days) and ``previous_stage`` from the previous assignments."""
    n = len(ids)
    if previous is None:
        return np.full(n, MISSING, dtype=np.int64), np.full(n, None, dtype=object)
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
        return np.full(n, day, dtype=np.int64), np.full(n, None, dtype=object)
    at = positions_of(
        previous.account_ids, ids, keys_name="`previous` accounts", values_name="accounts"
    )
    seen = at >= 0
    where = np.maximum(at, 0)
    old_stage = previous.stage[where]
    old_entered = previous.entered_on[where].astype(np.int64)
    same = seen & (old_stage == stage)
    first_seen = np.where(old_entered == MISSING, before, old_entered)
    entered = np.where(same, first_seen, day)
    prior: ObjectArray = old_stage.copy()
    prior[~seen] = None
    prior[same] = previous.previous_stage[where][same]
    return entered.astype(np.int64), prior
