"""`Thresholds.min_dwell_days`: stages that do not flap.

Given previous assignments, an account whose rules now give another stage stays in its
previous stage while it has been in it fewer than ``min_dwell_days`` days (counted as
``days_in_stage`` is), except into and out of ``churned``; flags are never held.

References:

* a hand-built table of boundary cases (in the stage ``min_dwell_days - 1`` days: held;
  exactly ``min_dwell_days``: moves; the entry day known or only the previous ``as_of``;
  churn never held, a return from churn never held, a new account never held, the
  default 0 never holds), with the stage, ``held``, ``entered_on``, ``previous_stage``
  and the reasons each must get;
* an independent per-account reference (`reference`, plain Python on top of the plain
  inputs of ``test_classify``) compared with chains of `classify` calls on
  Hypothesis-generated accounts, inputs, rule sets and ``min_dwell_days``, previous
  assignments sometimes made under other rules;
* `history` against `classify` date by date with ``previous=`` the prior date's result,
  on Hypothesis-generated worlds and on the sample data on a weekly grid (where holds
  happen).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.lifecycle.test_classify import (
    World,
    previous_by_account,
    reference_fires,
    reference_inputs,
    rule_sets,
    worlds,
)
from tests.lifecycle.test_history import classify_by_day, history_of, rows_of
from tests.lifecycle.test_history import worlds as history_worlds

from cshealth import ConfigError, datasets
from cshealth.lifecycle import (
    DEFAULT_RULES,
    LifecycleRules,
    Reason,
    StageAssignments,
    Thresholds,
    classify,
    history,
)

T = date(2025, 3, 1)
DWELL = 30
STEADY = LifecycleRules(thresholds=Thresholds(min_dwell_days=DWELL))


def day(offset: int) -> date:
    return T + timedelta(days=offset)


def with_dwell(rules: LifecycleRules, dwell: int) -> LifecycleRules:
    """``rules`` with ``min_dwell_days`` set (validated again)."""
    data = rules.model_dump(mode="json")
    data["thresholds"]["min_dwell_days"] = dwell
    return LifecycleRules.model_validate(data)


# --- the hand-built table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One account, the earlier days it is classified on (in order, each given the one
    before, under the default rules), and what it must get on ``T`` under `STEADY`.

    ``ruled`` is the stage its rules give on ``T``; ``entered`` and ``prior`` the
    expected ``entered_on`` (a day offset) and ``previous_stage``.
    """

    id: str
    earlier: tuple[int, ...]
    stage: str
    held: bool
    ruled: str
    entered: int
    prior: str | None = None
    account: dict[str, Any] = field(default_factory=dict)
    changes: tuple[tuple[int, float], ...] = ()


TABLE = [
    # 91 days after the start: onboarding (no milestones: 90 days) is over, adoption begins
    Case("in_stage_29_days", (-29,), "onboarding", True, "adoption", -29, None,
         {"start_date": day(-91)}),
    Case("in_stage_30_days", (-30,), "adoption", False, "adoption", 0, "onboarding",
         {"start_date": day(-91)}),
    Case("in_stage_1_day", (-1,), "onboarding", True, "adoption", -1, None,
         {"start_date": day(-90)}),
    # the entry day known (onboarding -> adoption on day -29), then the renewal window opens
    Case("entered_29_days_ago", (-40, -29), "adoption", True, "renewal", -29, "onboarding",
         {"start_date": day(-119), "renewal_date": day(90)}),
    Case("entered_30_days_ago", (-41, -30), "renewal", False, "renewal", 0, "adoption",
         {"start_date": day(-120), "renewal_date": day(90)}),
    Case("entered_long_ago", (-400, -10), "renewal", False, "renewal", 0, "engagement",
         {"start_date": day(-1000), "renewal_date": day(90)}),
    # the renewal date passed 3 days ago: back to engagement, but only after 30 days
    Case("renewal_passed", (-10,), "renewal", True, "engagement", -10, None,
         {"start_date": day(-1000), "renewal_date": day(-3)}),
    # churn: never held, however short the stay before
    Case("churned_after_1_day", (-2, -1), "churned", False, "churned", 0, "onboarding",
         {"start_date": day(-50), "end_date": day(0)}),
    Case("churned_after_29_days", (-29,), "churned", False, "churned", 0, "renewal",
         {"start_date": day(-1000), "end_date": day(0), "renewal_date": day(10)}),
    # back from churn (MRR 0 on day -20, 100 again on day -5): never held
    Case("back_from_churn", (-15, -10), "engagement", False, "engagement", 0, "churned",
         {"start_date": day(-1000)}, ((-400, 100.0), (-20, 0.0), (-5, 100.0))),
    # not in the previous assignments: nothing to hold it in
    Case("new_account", (-10,), "onboarding", False, "onboarding", 0, None,
         {"start_date": day(-5)}),
    # the same stage: nothing to hold
    Case("same_stage", (-5,), "engagement", False, "engagement", -5, None,
         {"start_date": day(-1000)}),
]  # fmt: skip

CASE_IDS = [case.id for case in TABLE]


def inputs_of(cases: list[Case]) -> dict[str, Any]:
    fields = ("start_date", "end_date", "renewal_date")
    accounts: dict[str, list[Any]] = {"id": [c.id for c in cases]}
    for name in fields:
        accounts[name] = [c.account.get(name) for c in cases]
    changes = [(c.id, day(d), mrr) for c in cases for d, mrr in c.changes]
    return {
        "accounts": accounts,
        "revenue_changes": {
            "account_id": [c[0] for c in changes],
            "effective_on": [c[1] for c in changes],
            "mrr": [c[2] for c in changes],
        },
    }


def chain(cases: list[Case], earlier: list[int], rules: LifecycleRules) -> StageAssignments | None:
    """Classify the cases on each earlier day in order under ``rules``."""
    previous = None
    for offset in sorted(earlier):
        previous = classify(as_of=day(offset), previous=previous, rules=rules, **inputs_of(cases))
    return previous


def on_t(case: Case, rules: LifecycleRules) -> StageAssignments:
    previous = chain([case], list(case.earlier), DEFAULT_RULES)
    return classify(as_of=T, previous=previous, rules=rules, **inputs_of([case]))


@pytest.mark.parametrize("case", TABLE, ids=CASE_IDS)
def test_each_boundary_case(case: Case) -> None:
    result = on_t(case, STEADY)
    one = result.account(case.id)
    assert (one.stage, one.held) == (case.stage, case.held)
    assert one.entered_on == day(case.entered)
    assert one.days_in_stage == -case.entered
    assert one.previous_stage == case.prior
    unheld = on_t(case, DEFAULT_RULES).account(case.id)
    assert unheld.stage == case.ruled  # what the rules give
    assert not unheld.held
    assert one.flags == unheld.flags  # flags are not held
    if case.held:
        hold = Reason(
            case.stage,
            "hold",
            True,
            (
                f"days_in_stage = {-case.entered} (< min_dwell_days (30))",
                f"the rules give {case.ruled}",
            ),
        )
        # the hold, then exactly what the unheld account's reasons say
        assert one.reasons == (hold, *unheld.reasons)
        assert one.reasons[1].rule == case.ruled
    else:
        assert one.reasons == unheld.reasons
        assert one.stage == case.ruled


@pytest.mark.parametrize("earlier", sorted({c.earlier for c in TABLE}))
def test_cases_classified_together_get_what_each_gets_alone(earlier: tuple[int, ...]) -> None:
    cases = [c for c in TABLE if c.earlier == earlier]
    previous = chain(cases, list(earlier), DEFAULT_RULES)
    together = classify(as_of=T, previous=previous, rules=STEADY, **inputs_of(cases))
    for case in cases:
        alone = on_t(case, STEADY)
        assert together.account(case.id) == alone.account(case.id), case.id
        assert together.account(case.id).held is case.held


@pytest.mark.parametrize("case", TABLE, ids=CASE_IDS)
def test_the_default_0_never_holds(case: Case) -> None:
    assert DEFAULT_RULES.thresholds.min_dwell_days == 0
    result = on_t(case, DEFAULT_RULES)
    assert not result.held.any()
    assert result.stage.tolist() == [case.ruled]
    assert with_dwell(DEFAULT_RULES, 0) == DEFAULT_RULES


@pytest.mark.parametrize("case", TABLE, ids=CASE_IDS)
def test_without_previous_nothing_is_held(case: Case) -> None:
    result = classify(as_of=T, rules=STEADY, **inputs_of([case]))
    assert not result.held.any()
    assert result.stage.tolist() == [case.ruled]


def test_a_hold_ends_once_the_account_has_been_min_dwell_days_in_its_stage() -> None:
    case = TABLE[0]  # onboarding from day -29, adoption by the rules from day 0
    stages = []
    previous = chain([case], [-29], DEFAULT_RULES)
    for offset in (0, 1):
        previous = classify(as_of=day(offset), previous=previous, rules=STEADY, **inputs_of([case]))
        stages.append((previous.stage[0], bool(previous.held[0]), previous.days_in_stage[0]))
    assert stages == [("onboarding", True, 29.0), ("adoption", False, 0.0)]
    assert previous is not None
    assert previous.account(case.id).previous_stage == "onboarding"
    assert previous.account(case.id).entered_on == day(1)


def test_held_accounts_keep_counting_toward_stage_stale() -> None:
    """A held account has not changed stage: its days in the stage (and staleness) go on."""
    rules = LifecycleRules(thresholds=Thresholds(stale_after_days=20, min_dwell_days=DWELL))
    case = TABLE[0]
    result = on_t(case, rules)
    assert result.held.tolist() == [True]
    assert result.flags_of(0) == frozenset({"stage_stale"})  # 29 days > 20, in onboarding


def test_a_previous_stage_the_rules_do_not_have_is_not_held() -> None:
    other = LifecycleRules.model_validate(
        {"stages": [{"name": "everyone"}], "flags": [], "thresholds": {}}
    )
    accounts = {"id": ["a"], "start_date": [day(-1000)]}
    before = classify(accounts, as_of=day(-1), rules=other)
    now = classify(accounts, as_of=T, rules=STEADY, previous=before)
    assert before.stage.tolist() == ["everyone"]
    assert (now.stage.tolist(), now.held.tolist()) == (["engagement"], [False])
    assert now.previous_stage.tolist() == ["everyone"]


def test_held_is_in_the_frame_the_json_the_text_and_the_repr() -> None:
    result = on_t(TABLE[0], STEADY)
    frame = result.to_pandas()
    assert frame["held"].tolist() == [True]
    assert (
        frame.columns.tolist().index("held") == frame.columns.tolist().index("previous_stage") + 1
    )
    assert frame["reasons"][0].startswith(
        "hold onboarding: days_in_stage = 29 (< min_dwell_days (30)); the rules give adoption | "
        "stage adoption: "
    )
    assert json.loads(json.dumps(result.to_dict(), allow_nan=False))["held"] == [True]
    assert "(1 held in their stage by min_dwell_days 30)" in result.format()
    one = result.account(TABLE[0].id)
    assert repr(one) == "Assignment('in_stage_29_days': onboarding, held)"
    assert one.format().startswith("'in_stage_29_days': onboarding, held (no flags)\n  hold ")
    assert "held" not in on_t(TABLE[0], DEFAULT_RULES).format()


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (-1, "min_dwell_days: Input should be greater than or equal to 0"),
        (1.5, "min_dwell_days: Input should be a valid integer"),
        ("soon", "min_dwell_days: Input should be a valid integer"),
        (None, "min_dwell_days: Input should be a valid integer"),
    ],
)
def test_min_dwell_days_is_a_whole_number_of_days(value: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Thresholds(min_dwell_days=value)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=rf"thresholds\.{match}"):
        LifecycleRules.model_validate({"thresholds": {"min_dwell_days": value}})


# --- the reference ------------------------------------------------------------------------------


def reference(
    w: World,
    as_of: date,
    rules: LifecycleRules,
    previous: StageAssignments | None,
) -> dict[object, dict[str, Any]]:
    """Each account's stage with holds, one account at a time, from the documented rule."""
    th = rules.thresholds
    names = [r.name for r in rules.stages]
    before = previous_by_account(previous)
    out: dict[object, dict[str, Any]] = {}
    for a in w.accounts:
        if a["start_date"] >= as_of:
            continue
        inputs = reference_inputs(w, a, as_of, th)
        ruled = next(r.name for r in rules.stages if reference_fires(r, inputs, th))
        stage, held = ruled, False
        entered, prior = None, None
        if previous is not None and a["id"] in before:
            old, old_entered, old_prior = before[a["id"]]
            since = old_entered or previous.as_of
            if (
                old != ruled
                and old in names
                and "churned" not in (old, ruled)
                and (as_of - since).days < th.min_dwell_days
            ):
                stage, held = old, True
            if old == stage:
                entered, prior = since, old_prior
            else:
                entered, prior = as_of, old
        elif previous is not None:
            entered = as_of
        days_in = None if entered is None else (as_of - entered).days
        inputs["days_in_stage"] = (days_in is not None, days_in)
        out[a["id"]] = {
            "stage": stage,
            "held": held,
            "ruled": ruled,
            "flags": frozenset(r.name for r in rules.flags if reference_fires(r, inputs, th)),
            "entered_on": entered,
            "days_in_stage": days_in,
            "previous_stage": prior,
        }
    return out


def check(
    w: World, as_of: date, rules: LifecycleRules, previous: StageAssignments | None
) -> StageAssignments:
    result = classify(as_of=as_of, rules=rules, previous=previous, **w.kwargs())
    expected = reference(w, as_of, rules, previous)
    assert result.account_ids.tolist() == list(expected)
    dwell = rules.thresholds.min_dwell_days
    for i, (id_, want) in enumerate(expected.items()):
        one = result.account(id_)
        got = {
            "stage": one.stage,
            "held": one.held,
            "ruled": want["ruled"],
            "flags": one.flags,
            "entered_on": one.entered_on,
            "days_in_stage": one.days_in_stage,
            "previous_stage": one.previous_stage,
        }
        assert got == want, id_
        assert bool(result.held[i]) is want["held"]
        reasons = one.reasons
        if want["held"]:
            assert reasons[0] == Reason(
                want["stage"],
                "hold",
                True,
                (
                    f"days_in_stage = {want['days_in_stage']} (< min_dwell_days ({dwell}))",
                    f"the rules give {want['ruled']}",
                ),
            )
            assert (reasons[1].rule, reasons[1].kind, reasons[1].fired) == (
                want["ruled"],
                "stage",
                True,
            )
        else:
            assert (reasons[0].rule, reasons[0].kind, reasons[0].fired) == (
                want["stage"],
                "stage",
                True,
            )
        assert {r.rule for r in reasons if r.kind == "flag" and r.fired} == one.flags
    return result


DWELLS = st.sampled_from([0, 1, 2, 5, 10, 30, 90, 400])
#: The gaps between the earlier days of a chain and the last, ``T``.
GAPS = st.lists(st.integers(1, 60), min_size=1, max_size=3)


def chain_days(gaps: list[int]) -> list[date]:
    """The earlier days of a chain ending on ``T``, ``gaps`` apart, ascending."""
    return [T - timedelta(days=sum(gaps[i:])) for i in range(len(gaps))]


@settings(max_examples=150, deadline=None)
@given(worlds(), rule_sets(), DWELLS, GAPS, st.none() | rule_sets())
def test_chains_of_classify_match_the_reference(
    w: World,
    rules: LifecycleRules,
    dwell: int,
    gaps: list[int],
    rules_before: LifecycleRules | None,
) -> None:
    """The earlier days under the same rules, or under other rules (whose stages the
    rules of ``T`` may not have)."""
    steady = with_dwell(rules, dwell)
    earlier = steady if rules_before is None else with_dwell(rules_before, dwell)
    previous = None
    for d in chain_days(gaps):
        previous = check(w, d, earlier, previous)
    check(w, T, steady, previous)


@settings(max_examples=100, deadline=None)
@given(worlds(), DWELLS, GAPS)
def test_chains_under_the_default_rules_match_the_reference(
    w: World, dwell: int, gaps: list[int]
) -> None:
    steady = with_dwell(DEFAULT_RULES, dwell)
    previous = None
    for d in [*chain_days(gaps), T]:
        previous = check(w, d, steady, previous)


# --- history: classify date by date ---------------------------------------------------------------


@settings(deadline=None)
@given(history_worlds(), st.sampled_from([0, 1, 15, 30, 60, 120]))
def test_history_holds_exactly_as_classify_date_by_date(world: Any, dwell: int) -> None:
    world = dataclasses.replace(world, rules=with_dwell(world.rules, dwell))
    h = history_of(world)
    for d, want in zip(h.dates, classify_by_day(world)):
        rows = rows_of(h, d)
        assert h.account_ids[rows].tolist() == want.account_ids.tolist()
        assert h.stage[rows].tolist() == want.stage.tolist()
        np.testing.assert_array_equal(h.entered_on[rows], want.entered_on)
        assert h.previous_stage[rows].tolist() == want.previous_stage.tolist()
        for name, carried in want.flags.items():
            assert h.flags[name][rows].tolist() == carried.tolist(), name
        if dwell == 0:
            assert not want.held.any()
    # a hold only delays a move the rules make, so holding never makes more spells
    free = history_of(dataclasses.replace(world, rules=with_dwell(world.rules, 0)))
    assert len(h.spells()) <= len(free.spells())


def test_a_weekly_sample_history_holds_as_classify_week_by_week() -> None:
    sample = datasets.sample(seed=4, n_accounts=80, months=12)
    weeks = [sample.as_of - timedelta(days=7 * k) for k in range(16)][::-1]
    rules = with_dwell(DEFAULT_RULES, 60)
    inputs: dict[str, Any] = {
        "milestones": sample.milestones,
        "nps": sample.survey_responses,
        "contacts": sample.contacts,
        "revenue_changes": sample.revenue_changes,
    }
    h = history(sample.accounts, dates=weeks, rules=rules, **inputs)
    free = history(sample.accounts, dates=weeks, **inputs)
    previous = None
    held = 0
    for d in weeks:
        previous = classify(sample.accounts, as_of=d, rules=rules, previous=previous, **inputs)
        rows = rows_of(h, d)
        assert h.stage[rows].tolist() == previous.stage.tolist()
        np.testing.assert_array_equal(h.entered_on[rows], previous.entered_on)
        assert h.previous_stage[rows].tolist() == previous.previous_stage.tolist()
        for name, carried in previous.flags.items():
            assert h.flags[name][rows].tolist() == carried.tolist()
        held += int(previous.held.sum())
    assert held > 0  # the grid is fine enough for holds to happen
    assert len(h.spells()) <= len(free.spells())  # a hold only delays a move
