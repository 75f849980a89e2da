"""`lifecycle.classify`: each account's stage, flags and reasons on one day.

References:

* a table of hand-built accounts (`TABLE`), one per default rule and per boundary
  (``end_date`` on ``as_of``, renewal 0/90/91 days out, a milestone completed on ``as_of``
  or the day before, 89/90 days since the start or since onboarding, seat utilisation at
  0.49/0.5/0.9, expansion MRR 90/91 days back, every flag at its exact threshold), each
  with its stage, flags and the phrases its reasons must hold, classified together under
  every input form (columns, records, data frames, integer ids);
* an independent per-account classifier (`reference`) written from the documented rules
  in plain Python (``datetime.date`` arithmetic, one account at a time, no library
  internals), compared with `classify` on Hypothesis-generated accounts, milestones,
  health, NPS answers, usage, contacts, revenue changes and previous assignments, and on
  Hypothesis-generated rule sets (thresholds, orders and subsets of the default rules,
  ``if_missing``, ``in``/``not_in`` on ``account.segment``);
* purity in ``as_of``: records dated on or after it change nothing (Hypothesis).
"""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cshealth import ConfigError, InvalidInputError, MeasureTable
from cshealth.lifecycle import (
    DEFAULT_RULES,
    Assignment,
    LifecycleRules,
    Reason,
    RuleCondition,
    StageAssignments,
    Thresholds,
    classify,
)
from cshealth.models import Account, Contact, Milestone, RevenueChange, SurveyResponse
from cshealth.scoring import HealthScores, Scorecard, score

AS_OF = date(2025, 3, 1)
UTC = timezone.utc
#: When the health scores and usage measures of the table were taken: as_of's midnight.
TAKEN = np.datetime64("2025-03-01T00:00", "us")
LONG_AGO = -1000

#: One measure, its raw value its score; bands red [0, 40), yellow [40, 70), green [70, 100].
CARD = Scorecard.model_validate(
    {
        "name": "mini",
        "root": {
            "name": "overall",
            "children": [
                {
                    "name": "h",
                    "column": "h",
                    "transform": {"kind": "linear", "worst": 0, "best": 100},
                }
            ],
        },
    }
)


def day(offset: int, base: date = AS_OF) -> date:
    """``base`` shifted by ``offset`` days."""
    return base + timedelta(days=offset)


def at(offset: int, hour: int = 12) -> datetime:
    """An instant ``offset`` days from ``AS_OF``, at ``hour`` UTC."""
    return datetime.combine(day(offset), time(hour), tzinfo=UTC)


# --- the hand-built table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One account of the table, what it was given, and what it must get.

    ``health`` ``None`` leaves the account out of the health scores; ``contacts`` ``None``
    gives it two active contacts (so that it is not single-threaded); ``nps`` holds
    ``(day offset, score, survey type)``; ``changes`` ``(day offset, mrr)``.
    """

    id: str
    stage: str
    flags: frozenset[str] = frozenset()
    phrases: tuple[str, ...] = ()
    account: dict[str, Any] = field(default_factory=dict)
    milestones: tuple[dict[str, Any], ...] = ()
    health: float | None = 55.0
    nps: tuple[tuple[int, int, str], ...] = ()
    usage: tuple[float, float] | None = None
    contacts: tuple[dict[str, Any], ...] | None = None
    changes: tuple[tuple[int, float], ...] = ()
    mrr: float = 100.0


def F(*names: str) -> frozenset[str]:
    return frozenset(names)


REL = "relationship"
TWO_ACTIVE: tuple[dict[str, Any], ...] = ({}, {})

TABLE: list[Case] = [
    # churned
    Case(
        "end_on_as_of",
        "churned",
        account={"end_date": day(0)},
        health=20.0,
        phrases=("stage churned: customer is false",),
    ),
    Case("end_the_day_after", "engagement", account={"end_date": day(1)}),
    Case(
        "mrr_at_zero",
        "churned",
        changes=((-100, 100.0), (-10, 0.0)),
        mrr=0.0,
        phrases=("stage churned: customer is false",),
    ),
    Case("mrr_at_zero_on_as_of", "engagement", changes=((-100, 100.0), (0, 0.0))),
    Case(
        "churned_carries_no_flag",
        "churned",
        account={"end_date": day(-5)},
        health=10.0,
        nps=((-20, 0, REL),),
        usage=(0.95, -0.9),
        contacts=(),
        milestones=({"due_date": day(-60)},),
    ),
    # renewal
    Case(
        "renewal_in_90_days",
        "renewal",
        account={"renewal_date": day(90)},
        phrases=(
            "stage renewal: days_to_renewal = 90 (>= 0); "
            "days_to_renewal = 90 (<= renewal_window_days (90))",
        ),
    ),
    Case("renewal_in_91_days", "engagement", account={"renewal_date": day(91)}),
    Case(
        "renewal_on_as_of",
        "renewal",
        account={"renewal_date": day(0)},
        phrases=("days_to_renewal = 0 (>= 0)",),
    ),
    Case("renewal_passed", "engagement", account={"renewal_date": day(-1)}),
    Case(
        "renewal_beats_onboarding",
        "renewal",
        account={"renewal_date": day(30)},
        milestones=({"due_date": day(10)},),
    ),
    # onboarding
    Case(
        "milestone_open",
        "onboarding",
        milestones=({"due_date": day(10)}, {"completed_on": day(-3)}),
        phrases=("stage onboarding: onboarding_complete is false",),
    ),
    Case(
        "completed_on_as_of",
        "onboarding",
        milestones=({"due_date": day(5), "completed_on": day(0)},),
    ),
    Case(
        "completed_the_day_before",
        "adoption",
        milestones=({"due_date": day(5), "completed_on": day(-1)},),
        phrases=("stage adoption: days_since_onboarded = 1 (< adoption_days (90))",),
    ),
    Case(
        "optional_milestone_open",
        "adoption",
        milestones=({"completed_on": day(-10)}, {"required": False, "due_date": day(-50)}),
    ),
    Case(
        "only_optional_milestones_started_89_days_ago",
        "adoption",
        account={"start_date": day(-89)},
        milestones=({"required": False, "due_date": day(-50)},),
        phrases=("stage adoption: days_since_onboarded = 89 (< adoption_days (90))",),
    ),
    Case(
        "only_optional_milestones_started_90_days_ago",
        "engagement",
        account={"start_date": day(-90)},
        milestones=({"required": False},),
    ),
    Case(
        "no_milestones_89_days",
        "onboarding",
        account={"start_date": day(-89)},
        phrases=(
            "stage onboarding: onboarding_complete is false; fallback: onboarding_complete "
            "by fallback: no milestones, so onboarding is complete onboarding_days (90) "
            "after the start",
        ),
    ),
    Case(
        "no_milestones_90_days",
        "adoption",
        account={"start_date": day(-90)},
        phrases=("days_since_onboarded = 0 (< adoption_days (90))",),
    ),
    Case("started_yesterday", "onboarding", account={"start_date": day(-1)}),
    # adoption
    Case(
        "onboarded_89_days_ago",
        "adoption",
        milestones=({"completed_on": day(-89)},),
        phrases=("days_since_onboarded = 89 (< adoption_days (90))",),
    ),
    Case("onboarded_90_days_ago", "engagement", milestones=({"completed_on": day(-90)},)),
    Case("seats_at_half", "engagement", usage=(0.5, 0.0)),
    Case(
        "seats_under_half",
        "adoption",
        usage=(0.49, 0.0),
        phrases=("stage adoption: seat_utilisation = 0.49 (< adoption_seat_utilisation (0.5))",),
    ),
    # expansion
    Case(
        "seats_at_0.9",
        "expansion",
        F("expansion_ready"),
        usage=(0.9, 0.0),
        phrases=(
            "stage expansion: seat_utilisation = 0.9 (>= expansion_seat_utilisation (0.9))",
            "flag expansion_ready: customer is true; seat_utilisation = 0.9",
        ),
    ),
    Case("seats_at_0.89", "engagement", usage=(0.89, 0.0)),
    Case(
        "expanded_90_days_ago",
        "expansion",
        changes=((-200, 100.0), (-90, 150.0)),
        mrr=150.0,
        phrases=("stage expansion: expansion_mrr = 50 (> 0)",),
    ),
    Case("expanded_91_days_ago", "engagement", changes=((-200, 100.0), (-91, 150.0)), mrr=150.0),
    Case("new_business_is_no_expansion", "engagement", changes=((-30, 100.0),)),
    Case(
        "reactivation_is_no_expansion",
        "engagement",
        changes=((-200, 100.0), (-100, 0.0), (-30, 100.0)),
    ),
    Case("contraction_is_no_expansion", "engagement", changes=((-200, 150.0), (-30, 100.0))),
    # advocacy
    Case(
        "promoter_in_top_band",
        "advocacy",
        F("advocate"),
        health=85.0,
        nps=((-5, 9, REL),),
        phrases=("stage advocacy: nps_category is 'promoter'; health_top_band is true",),
    ),
    Case("promoter_in_middle_band", "engagement", F("advocate"), nps=((-5, 10, REL),)),
    Case("top_band_passive", "engagement", health=85.0, nps=((-5, 8, REL),)),
    # engagement
    Case("plain_customer", "engagement", phrases=("stage engagement",)),
    # flags at their thresholds
    Case(
        "usage_down_half",
        "engagement",
        F("at_risk"),
        usage=(0.7, -0.5),
        phrases=("flag at_risk: customer is true; usage_change = -0.5 (<= usage_drop (-0.5))",),
    ),
    Case("usage_down_49", "engagement", usage=(0.7, -0.49)),
    Case("overdue_30_days", "onboarding", milestones=({"due_date": day(-30)},)),
    Case(
        "overdue_31_days",
        "onboarding",
        F("at_risk", "stuck_onboarding"),
        milestones=({"due_date": day(-31)},),
        phrases=(
            "flag at_risk: customer is true; onboarding_status is 'stuck'",
            "flag stuck_onboarding: customer is true; onboarding_status is 'stuck'",
        ),
    ),
    Case(
        "one_active_contact",
        "engagement",
        F("single_threaded"),
        contacts=({},),
        phrases=(
            "flag single_threaded: customer is true; "
            "active_contacts = 1 (<= single_threaded_contacts (1))",
        ),
    ),
    Case("no_contact", "engagement", F("single_threaded"), contacts=()),
    Case(
        "contact_left_yesterday",
        "engagement",
        F("single_threaded"),
        contacts=({}, {"left_on": day(-1)}),
    ),
    Case("contact_leaves_on_as_of", "engagement", contacts=({}, {"left_on": day(0)})),
    Case(
        "contact_starts_on_as_of",
        "engagement",
        F("single_threaded"),
        contacts=({}, {"started_on": day(0)}),
    ),
    Case("contact_started_yesterday", "engagement", contacts=({}, {"started_on": day(-1)})),
    Case(
        "champion_left",
        "engagement",
        F("single_threaded"),
        contacts=({"is_champion": True, "left_on": day(-10)}, {}, {}),
        phrases=("flag single_threaded: customer is true; champion_left is true",),
    ),
    Case(
        "champion_replaced",
        "engagement",
        contacts=({"is_champion": True, "left_on": day(-10)}, {"is_champion": True}, {}),
    ),
    Case(
        "champion_leaves_on_as_of",
        "engagement",
        contacts=({"is_champion": True, "left_on": day(0)}, {}),
    ),
    Case(
        "health_bottom_band",
        "engagement",
        F("at_risk"),
        health=39.0,
        phrases=("flag at_risk: customer is true; health_bottom_band is true",),
    ),
    Case("health_at_40", "engagement", health=40.0),
    Case(
        "health_not_scored",
        "engagement",
        health=None,
        phrases=(
            "health_bottom_band unknown (no health score (not scored, or insufficient data)): "
            "taken as false",
        ),
    ),
    Case(
        "detractor",
        "engagement",
        F("at_risk"),
        nps=((-5, 6, REL),),
        phrases=("flag at_risk: customer is true; nps_category is 'detractor'",),
    ),
    Case("passive_at_7", "engagement", nps=((-5, 7, REL),)),
    Case("latest_answer_wins", "engagement", F("at_risk"), nps=((-20, 10, REL), (-3, 2, REL))),
    Case(
        "answer_on_as_of_not_yet",
        "engagement",
        F("advocate"),
        nps=((-20, 10, REL), (0, 2, REL)),
    ),
    Case("transactional_answer_ignored", "engagement", nps=((-5, 0, "transactional"),)),
]
NOT_STARTED = Case("starts_on_as_of", "-", account={"start_date": day(0)})


def _account(case: Case, id_: object) -> dict[str, Any]:
    row = {
        "id": id_,
        "name": case.id,
        "start_date": day(LONG_AGO),
        "end_date": None,
        "renewal_date": None,
        "mrr": 100.0,
        "segment": "smb",
    }
    row.update(case.account)
    return row


def table_rows(cases: list[Case], ids: list[object]) -> dict[str, list[dict[str, Any]]]:
    """The rows of every input of ``cases`` (one account each, with id ``ids[i]``)."""
    rows: dict[str, list[dict[str, Any]]] = {
        "accounts": [],
        "milestones": [],
        "contacts": [],
        "nps": [],
        "changes": [],
    }
    for case, id_ in zip(cases, ids):
        rows["accounts"].append(_account(case, id_))
        for j, m in enumerate(case.milestones):
            milestone = {
                "id": len(rows["milestones"]) + 1,
                "account_id": id_,
                "name": f"m{j}",
                "required": True,
                "due_date": None,
                "completed_on": None,
                "marks_first_value": False,
            }
            rows["milestones"].append({**milestone, **m})
        for c in TWO_ACTIVE if case.contacts is None else case.contacts:
            contact = {
                "id": len(rows["contacts"]) + 1,
                "account_id": id_,
                "is_champion": False,
                "started_on": day(-400),
                "left_on": None,
            }
            rows["contacts"].append({**contact, **c})
        for offset, points, kind in case.nps:
            rows["nps"].append(
                {
                    "id": len(rows["nps"]) + 1,
                    "account_id": id_,
                    "kind": "nps",
                    "survey_type": kind,
                    "score": points,
                    "submitted_at": at(offset, hour=0 if offset == 0 else 12),
                }
            )
        for offset, mrr in case.changes:
            rows["changes"].append({"account_id": id_, "effective_on": day(offset), "mrr": mrr})
    return rows


_MODELS = {
    "accounts": Account,
    "milestones": Milestone,
    "contacts": Contact,
    "nps": SurveyResponse,
    "changes": RevenueChange,
}
_NAMES = {
    "accounts": ["id", "name", "start_date", "end_date", "renewal_date", "mrr", "segment"],
    "milestones": [
        "id",
        "account_id",
        "name",
        "required",
        "due_date",
        "completed_on",
        "marks_first_value",
    ],
    "contacts": ["id", "account_id", "is_champion", "started_on", "left_on"],
    "nps": ["id", "account_id", "kind", "survey_type", "score", "submitted_at"],
    "changes": ["account_id", "effective_on", "mrr"],
}
_DAYS = {"start_date", "end_date", "renewal_date", "due_date", "completed_on"}
_DAYS |= {"started_on", "left_on", "effective_on"}


def as_columns(rows: list[dict[str, Any]], names: list[str]) -> dict[str, list[Any]]:
    return {name: [row.get(name) for row in rows] for name in names}


def as_form(kind: str, rows: list[dict[str, Any]], form: str) -> object:
    """One input in one of the forms the input layer reads."""
    if form == "records":
        return [_MODELS[kind](**row) for row in rows]
    columns = as_columns(rows, _NAMES[kind])
    if form == "frame":
        frame = pd.DataFrame(columns)
        for name in frame.columns:
            if name in _DAYS:
                frame[name] = pd.to_datetime(frame[name])
            elif name == "submitted_at":
                frame[name] = pd.to_datetime(frame[name], utc=True)
        return frame
    return columns


def health_of(values: dict[object, float | None], taken: object = None) -> HealthScores:
    """Real health scores of the accounts ``values`` names (``None``: insufficient data)."""
    data = {"account_id": list(values), "h": list(values.values())}
    return score(CARD, data) if taken is None else score(CARD, data, as_of=taken)  # type: ignore[arg-type]


def usage_of(values: dict[object, tuple[float, float]], taken: object = TAKEN) -> MeasureTable:
    return MeasureTable(
        list(values),
        {
            "seat_utilisation": [v[0] for v in values.values()],
            "usage_change": [v[1] for v in values.values()],
        },
        as_of=taken,  # type: ignore[arg-type]
    )


def table_inputs(form: str) -> tuple[dict[str, Any], list[object]]:
    """`classify`'s keyword arguments for the whole table in ``form``, and the ids used."""
    cases = [*TABLE, NOT_STARTED]
    ids: list[object] = (
        [1000 + i for i in range(len(cases))] if form == "int ids" else [c.id for c in cases]
    )
    rows = table_rows(cases, ids)
    shape = "columns" if form == "int ids" else form
    kwargs: dict[str, Any] = {
        "accounts": as_form("accounts", rows["accounts"], shape),
        "milestones": as_form("milestones", rows["milestones"], shape),
        "contacts": as_form("contacts", rows["contacts"], shape),
        "nps": as_form("nps", rows["nps"], shape),
        "revenue_changes": as_form("changes", rows["changes"], shape),
        "health": health_of(
            {i: c.health for c, i in zip(cases, ids) if c.health is not None}, taken=AS_OF
        ),
        "usage": usage_of({i: c.usage for c, i in zip(cases, ids) if c.usage is not None}),
    }
    return kwargs, ids


FORMS = ["columns", "records", "frame", "int ids"]


@pytest.fixture(scope="module")
def by_columns() -> StageAssignments:
    kwargs, _ = table_inputs("columns")
    return classify(as_of=AS_OF, **kwargs)


@pytest.mark.parametrize("form", FORMS)
def test_the_table_under_every_input_form(form: str) -> None:
    kwargs, ids = table_inputs(form)
    result = classify(as_of=AS_OF, **kwargs)
    assert result.account_ids.tolist() == ids[:-1]  # the one starting on as_of is left out
    assert result.not_started == 1
    assert result.ignored == {}
    for i, case in enumerate(TABLE):
        assert (result.stage[i], result.flags_of(i)) == (case.stage, case.flags), case.id
        assert result.mrr[i] == case.mrr, case.id
    assert result.rules_hash == DEFAULT_RULES.config_hash
    assert result.as_of == AS_OF


@pytest.mark.parametrize("case", TABLE, ids=[c.id for c in TABLE])
def test_each_case_has_its_reasons(case: Case, by_columns: StageAssignments) -> None:
    one = by_columns.account(case.id)
    assert (one.stage, one.flags) == (case.stage, case.flags)
    first = one.reasons[0]
    assert (first.rule, first.kind, first.fired) == (case.stage, "stage", True)
    fired_flags = {r.rule for r in one.reasons if r.kind == "flag" and r.fired}
    assert fired_flags == case.flags
    text = one.format()
    for phrase in case.phrases:
        assert phrase in text, f"{case.id}: {phrase!r} not in\n{text}"


def test_each_case_alone_gets_what_it_gets_in_the_table(by_columns: StageAssignments) -> None:
    """No account's inputs leak into another's: each classified on its own agrees."""
    for case in TABLE[::3]:
        kwargs, _ = table_inputs_of([case])
        alone = classify(as_of=AS_OF, **kwargs)
        assert (alone.stage[0], alone.flags_of(0)) == (case.stage, case.flags), case.id


def table_inputs_of(cases: list[Case]) -> tuple[dict[str, Any], list[object]]:
    ids: list[object] = [c.id for c in cases]
    rows = table_rows(cases, ids)
    kwargs = {
        "accounts": as_columns(rows["accounts"], _NAMES["accounts"]),
        "milestones": as_columns(rows["milestones"], _NAMES["milestones"]),
        "contacts": as_columns(rows["contacts"], _NAMES["contacts"]),
        "nps": as_columns(rows["nps"], _NAMES["nps"]),
        "revenue_changes": as_columns(rows["changes"], _NAMES["changes"]),
        "health": health_of({c.id: c.health for c in cases if c.health is not None}),
        "usage": usage_of({c.id: c.usage for c in cases if c.usage is not None}),
    }
    return kwargs, ids


# --- previous assignments: entered_on, days_in_stage, previous_stage, stage_stale --------------

ENGAGED = {"id": ["A"], "start_date": [day(-1000)]}


@pytest.mark.parametrize(("gap", "stale"), [(181, True), (180, False)])
def test_stage_stale_after_more_than_stale_after_days(gap: int, stale: bool) -> None:
    before = classify(ENGAGED, as_of=day(-gap))
    assert np.isnat(before.entered_on[0])  # the first assignments know no entry day
    now = classify(ENGAGED, as_of=AS_OF, previous=before)
    one = now.account("A")
    assert one.entered_on == day(-gap)  # carried: the as_of of the first assignments
    assert one.days_in_stage == gap
    assert one.previous_stage is None
    assert ("stage_stale" in one.flags) is stale
    if stale:
        assert (
            f"flag stage_stale: customer is true; days_in_stage = {gap} (> stale_after_days "
            in (one.format())
        )


def test_entered_on_is_carried_through_a_chain_of_assignments() -> None:
    first = classify(ENGAGED, as_of=day(-300))
    second = classify(ENGAGED, as_of=day(-100), previous=first)
    third = classify(ENGAGED, as_of=AS_OF, previous=second)
    assert second.entered_on.tolist() == [day(-300)]
    assert third.entered_on.tolist() == [day(-300)]
    assert third.days_in_stage.tolist() == [300.0]
    assert third.flags_of(0) == F("stage_stale")


def test_a_change_of_stage_starts_the_clock_and_remembers_the_stage_before() -> None:
    accounts = {"id": ["A", "B"], "start_date": [day(-95), day(-1000)]}
    before = classify(accounts, as_of=day(-10))  # A onboarding (85 days), B engagement
    now = classify(accounts, as_of=AS_OF, previous=before)  # A adoption (95 days)
    assert before.stage.tolist() == ["onboarding", "engagement"]
    assert now.stage.tolist() == ["adoption", "engagement"]
    assert now.entered_on.tolist() == [AS_OF, day(-10)]
    assert now.days_in_stage.tolist() == [0.0, 10.0]
    assert now.previous_stage.tolist() == ["onboarding", None]
    later = classify(accounts, as_of=day(5), previous=now)  # A still in adoption
    assert later.previous_stage.tolist() == ["onboarding", None]
    assert later.entered_on.tolist() == [AS_OF, day(-10)]


def test_an_account_new_since_the_previous_assignments_enters_on_as_of() -> None:
    accounts = {"id": ["A", "B"], "start_date": [day(-1000), day(-5)]}
    before = classify(accounts, as_of=day(-10))
    assert before.account_ids.tolist() == ["A"]
    now = classify(accounts, as_of=AS_OF, previous=before)
    assert now.account("B").entered_on == AS_OF
    assert now.account("B").days_in_stage == 0
    assert now.account("B").previous_stage is None


def test_previous_assignments_of_no_account_make_every_account_new() -> None:
    """Previous assignments from before any account started hold no account (this raised
    an IndexError)."""
    accounts = {"id": ["A", "B"], "start_date": [day(-1000), day(-5)]}
    before = classify(accounts, as_of=day(-2000))
    assert len(before) == 0
    now = classify(accounts, as_of=AS_OF, previous=before)
    assert now.entered_on.tolist() == [AS_OF, AS_OF]
    assert now.previous_stage.tolist() == [None, None]


# --- the reference --------------------------------------------------------------------------------

SEGMENTS = ("smb", "mid", "ent")


@dataclass
class World:
    """Generated data, as plain Python rows (``None`` for a source not given)."""

    ids: list[object]
    accounts: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    health: dict[object, float | None] | None
    nps: list[dict[str, Any]] | None
    usage: dict[object, tuple[float, float]] | None
    contacts: list[dict[str, Any]] | None
    changes: list[dict[str, Any]] | None

    def kwargs(self) -> dict[str, Any]:
        """`classify`'s keyword arguments (columns, real health scores, a MeasureTable)."""
        out: dict[str, Any] = {
            "accounts": as_columns(self.accounts, _NAMES["accounts"]),
            "milestones": as_columns(self.milestones, _NAMES["milestones"]),
        }
        if self.health is not None:
            out["health"] = health_of(self.health)
        if self.nps is not None:
            out["nps"] = as_columns(self.nps, _NAMES["nps"])
        if self.usage is not None:
            out["usage"] = usage_of(self.usage, taken=None)
        if self.contacts is not None:
            out["contacts"] = as_columns(self.contacts, _NAMES["contacts"])
        if self.changes is not None:
            out["revenue_changes"] = as_columns(self.changes, _NAMES["changes"])
        return out


def _band(value: float) -> str:
    return "red" if value < 40 else "yellow" if value < 70 else "green"


Inputs = dict[str, tuple[bool, Any]]


def _revenue_inputs(w: World, a: dict[str, Any], as_of: date, th: Thresholds) -> Inputs:
    """Customer, MRR and expansion MRR: the revenue changes before as_of, in day order."""
    changes = None
    if w.changes is not None:
        mine = [c for c in w.changes if c["account_id"] == a["id"] and c["effective_on"] < as_of]
        changes = sorted(mine, key=lambda c: c["effective_on"])  # stable: ties keep their order
    customer = not (a["end_date"] is not None and a["end_date"] <= as_of)
    out: Inputs = {"mrr": (a["mrr"] is not None, a["mrr"]), "expansion_mrr": (False, None)}
    if changes:
        customer = customer and changes[-1]["mrr"] > 0
        out["mrr"] = (True, changes[-1]["mrr"])
    out["customer"] = (True, customer)
    if changes is not None:
        grown = 0.0
        for before, after in pairwise(changes):
            recent = (as_of - after["effective_on"]).days <= th.expansion_window_days
            if before["mrr"] > 0 and after["mrr"] > before["mrr"] and recent:
                grown += after["mrr"] - before["mrr"]
        out["expansion_mrr"] = (True, grown)
    return out


def _status(complete: bool, overdue: int, soon: bool, th: Thresholds) -> str:
    if complete:
        return "complete"
    if overdue > th.stuck_after_days:
        return "stuck"
    return "behind" if overdue > 0 else "due_soon" if soon else "on_track"


def _milestone_inputs(w: World, a: dict[str, Any], as_of: date, th: Thresholds) -> Inputs:
    """Onboarding from the milestones: done when completed strictly before as_of."""
    since = (as_of - a["start_date"]).days
    ms = [m for m in w.milestones if m["account_id"] == a["id"]]
    if not ms:  # the fallback: onboarding_days after the start
        done = since >= th.onboarding_days
        return {
            "onboarding_complete": (True, done),
            "days_since_onboarded": (done, since - th.onboarding_days),
            "onboarding_status": (False, None),
            "first_value_reached": (False, None),
        }

    def finished(m: dict[str, Any]) -> bool:
        return m["completed_on"] is not None and m["completed_on"] < as_of

    required = [m for m in ms if m["required"]]
    complete = all(finished(m) for m in required)
    onboarded = max(m["completed_on"] for m in required) if complete and required else None
    if not required:  # only optional milestones: nothing to wait for, onboarded at the start
        onboarded = a["start_date"]
    still_open = [m for m in required if not finished(m)]
    late = [(as_of - m["due_date"]).days for m in still_open if m["due_date"] is not None]
    overdue = max([d for d in late if d > 0], default=0)
    soon = any(
        m["due_date"] is not None and 0 <= (m["due_date"] - as_of).days <= th.due_soon_days
        for m in still_open
    )
    return {
        "onboarding_complete": (True, complete),
        "days_since_onboarded": (
            onboarded is not None,
            None if onboarded is None else (as_of - onboarded).days,
        ),
        "onboarding_status": (True, _status(complete, overdue, soon, th)),
        "first_value_reached": (True, any(m["marks_first_value"] and finished(m) for m in ms)),
    }


def _health_inputs(w: World, a: dict[str, Any]) -> Inputs:
    """Health: the raw value is the score (identity transform); bands by hand."""
    points = None if w.health is None else w.health.get(a["id"])
    if points is None or math.isnan(points):
        return dict.fromkeys(("score", "band", "top_band", "bottom_band"), (False, None))
    band = _band(points)
    return {
        "score": (True, points),
        "band": (True, band),
        "top_band": (True, band == "green"),
        "bottom_band": (True, band == "red"),
    }


def _nps_inputs(w: World, a: dict[str, Any], as_of: date) -> Inputs:
    """The latest relationship NPS answer submitted before as_of's midnight."""
    midnight = datetime.combine(as_of, time(0), tzinfo=UTC)
    answers = [
        (r["submitted_at"], i, r["score"])
        for i, r in enumerate(w.nps or [])
        if r["account_id"] == a["id"]
        and r["kind"] == "nps"
        and r["survey_type"] == "relationship"
        and r["submitted_at"] < midnight
    ]
    if not answers:
        return {"nps_score": (False, None), "nps_category": (False, None)}
    latest = max(answers)[2]
    category = "promoter" if latest >= 9 else "passive" if latest >= 7 else "detractor"
    return {"nps_score": (True, latest), "nps_category": (True, category)}


def _contact_inputs(w: World, a: dict[str, Any], as_of: date) -> Inputs:
    """Active from started_on (or always) until left_on (the day one leaves, still there)."""
    if w.contacts is None:
        return {"active_contacts": (False, None), "champion_left": (False, None)}
    people = [c for c in w.contacts if c["account_id"] == a["id"]]

    def begun(c: dict[str, Any]) -> bool:
        return c["started_on"] is None or c["started_on"] < as_of

    def gone(c: dict[str, Any]) -> bool:
        return c["left_on"] is not None and c["left_on"] < as_of

    active = [c for c in people if begun(c) and not gone(c)]
    lost = any(c["is_champion"] and begun(c) and gone(c) for c in people)
    kept = any(c["is_champion"] for c in active)
    return {"active_contacts": (True, len(active)), "champion_left": (True, lost and not kept)}


def reference_inputs(w: World, a: dict[str, Any], as_of: date, th: Thresholds) -> Inputs:
    """Every named input of one account, as ``name -> (known, value)``, from the docs."""
    renewal = a["renewal_date"]
    health = _health_inputs(w, a)
    seats, change = (
        (math.nan, math.nan) if w.usage is None else w.usage.get(a["id"], (math.nan,) * 2)
    )
    return {
        **_revenue_inputs(w, a, as_of, th),
        "days_since_start": (True, (as_of - a["start_date"]).days),
        "days_to_renewal": (renewal is not None, renewal and (renewal - as_of).days),
        **_milestone_inputs(w, a, as_of, th),
        **{f"health_{part}": value for part, value in health.items()},
        **_nps_inputs(w, a, as_of),
        "seat_utilisation": (not math.isnan(seats), seats),
        "usage_change": (not math.isnan(change), change),
        **_contact_inputs(w, a, as_of),
        "account.segment": (a["segment"] is not None, a["segment"]),
    }


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
    "==": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
    "in": lambda x, y: x in y,
    "not_in": lambda x, y: x not in y,
}


def reference_holds(c: RuleCondition, inputs: dict[str, Any], th: Thresholds) -> bool:
    known, value = inputs[c.input]
    if not known:
        return c.if_missing == "true"
    with_ = getattr(th, c.threshold) if c.threshold is not None else c.value
    return _OPS[c.op](value, with_)


def reference_fires(rule: Any, inputs: dict[str, Any], th: Thresholds) -> bool:
    every = all(reference_holds(c, inputs, th) for c in rule.all)
    return every and (not rule.any or any(reference_holds(c, inputs, th) for c in rule.any))


def previous_by_account(
    previous: StageAssignments | None,
) -> dict[object, tuple[str, date | None, str | None]]:
    """Each account's previous stage, entry day and stage before, as plain values."""
    before: dict[object, tuple[str, date | None, str | None]] = {}
    if previous is not None:
        for i, id_ in enumerate(previous.account_ids.tolist()):
            entered = previous.entered_on[i]
            before[id_] = (
                str(previous.stage[i]),
                None if np.isnat(entered) else entered.astype(date),
                previous.previous_stage[i],
            )
    return before


def reference(
    w: World,
    as_of: date,
    rules: LifecycleRules,
    previous: StageAssignments | None = None,
) -> dict[object, dict[str, Any]]:
    """Each account's stage, flags, entry into its stage and MRR, one account at a time."""
    th = rules.thresholds
    before = previous_by_account(previous)
    out: dict[object, dict[str, Any]] = {}
    for a in w.accounts:
        if a["start_date"] >= as_of:
            continue
        inputs = reference_inputs(w, a, as_of, th)
        stage = next(r.name for r in rules.stages if reference_fires(r, inputs, th))
        entered, prior = None, None
        if previous is not None:
            if a["id"] in before and before[a["id"]][0] == stage:
                entered = before[a["id"]][1] or previous.as_of
                prior = before[a["id"]][2]
            else:
                entered = as_of
                prior = before[a["id"]][0] if a["id"] in before else None
        days_in = None if entered is None else (as_of - entered).days
        inputs["days_in_stage"] = (days_in is not None, days_in)
        flags = frozenset(r.name for r in rules.flags if reference_fires(r, inputs, th))
        known, mrr = inputs["mrr"]
        out[a["id"]] = {
            "stage": stage,
            "flags": flags,
            "entered_on": entered,
            "days_in_stage": days_in,
            "previous_stage": prior,
            "mrr": mrr if known else None,
        }
    return out


def library(result: StageAssignments) -> dict[object, dict[str, Any]]:
    """The same view of `classify`'s result."""
    out: dict[object, dict[str, Any]] = {}
    for i, id_ in enumerate(result.account_ids.tolist()):
        one = result.account(id_)
        out[id_] = {
            "stage": one.stage,
            "flags": one.flags,
            "entered_on": one.entered_on,
            "days_in_stage": one.days_in_stage,
            "previous_stage": one.previous_stage,
            "mrr": None if math.isnan(result.mrr[i]) else float(result.mrr[i]),
        }
    return out


# --- strategies -----------------------------------------------------------------------------------

HEALTH_VALUES = [None, 0.0, 20.0, 39.5, 40.0, 55.0, 69.9, 70.0, 85.0, 100.0]
SEATS = [math.nan, 0.0, 0.3, 0.49, 0.5, 0.7, 0.89, 0.9, 1.2]
CHANGES = [math.nan, -1.0, -0.6, -0.5, -0.49, 0.0, 0.4]


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def _account_rows(draw: st.DrawFn, id_: object) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One account and its milestones (none completed before the start)."""
    start = draw(st.integers(-400, 3))
    end = draw(_maybe(st.integers(1, 420)))
    renewal = draw(_maybe(st.integers(-20, 130)))
    account = {
        "id": id_,
        "name": str(id_),
        "start_date": day(start),
        "end_date": None if end is None else day(start + end),
        "renewal_date": None if renewal is None else day(max(renewal, start)),
        "mrr": draw(_maybe(st.sampled_from([0.0, 50.0, 100.0]))),
        "segment": draw(_maybe(st.sampled_from(SEGMENTS))),
    }
    milestones = []
    for j in range(draw(st.integers(0, 3))):
        done = draw(_maybe(st.integers(0, 420)))
        milestones.append(
            {
                "account_id": id_,
                "name": f"m{j}",
                "required": draw(st.booleans()),
                "due_date": draw(_maybe(st.integers(-70, 20).map(day))),
                "completed_on": None if done is None else day(start + done),
                "marks_first_value": draw(st.booleans()),
            }
        )
    return account, milestones


@st.composite
def _answer(draw: st.DrawFn, id_: object) -> dict[str, Any]:
    return {
        "account_id": id_,
        "kind": "nps",
        "survey_type": draw(st.sampled_from(["relationship", "transactional"])),
        "score": draw(st.integers(0, 10)),
        "submitted_at": at(draw(st.integers(-60, 2)), draw(st.integers(0, 23))),
    }


@st.composite
def _contact(draw: st.DrawFn, id_: object) -> dict[str, Any]:
    started = draw(_maybe(st.integers(-100, 3)))
    stay = draw(_maybe(st.integers(0, 100)))
    left = None if stay is None else (-100 if started is None else started) + stay
    return {
        "account_id": id_,
        "is_champion": draw(st.booleans()),
        "started_on": None if started is None else day(started),
        "left_on": None if left is None else day(left),
    }


@st.composite
def _change(draw: st.DrawFn, id_: object) -> dict[str, Any]:
    return {
        "account_id": id_,
        "effective_on": day(draw(st.integers(-250, 3))),
        "mrr": draw(st.sampled_from([0.0, 50.0, 100.0, 150.0])),
    }


def _numbered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": i + 1, **row} for i, row in enumerate(rows)]


@st.composite
def worlds(draw: st.DrawFn, *, max_accounts: int = 7) -> World:
    """Accounts (text or whole-number ids) and, each given or not, every input; answers,
    contacts and revenue changes of an account not given among them."""
    n = draw(st.integers(1, max_accounts))
    whole = draw(st.booleans())
    ids: list[object] = [100 + i for i in range(n)] if whole else [f"a{i}" for i in range(n)]
    everyone = [*ids, 999 if whole else "ghost"]
    drawn = [draw(_account_rows(id_)) for id_ in ids]

    def rows(make: Callable[[object], st.SearchStrategy[dict[str, Any]]], most: int) -> Any:
        per = [draw(st.lists(make(id_), max_size=most)) for id_ in everyone]
        return [row for some in per for row in some]

    given_ = draw(st.fixed_dictionaries({k: st.booleans() for k in ("h", "n", "u", "c", "r")}))
    return World(
        ids=ids,
        accounts=[account for account, _ in drawn],
        milestones=_numbered([m for _, ms in drawn for m in ms]),
        health=None
        if not given_["h"]
        else {
            id_: draw(st.sampled_from(HEALTH_VALUES))
            for id_ in ids
            if draw(st.integers(0, 4))  # a few accounts not scored at all
        },
        nps=_numbered(rows(_answer, 3)) if given_["n"] else None,
        usage=None
        if not given_["u"]
        else {
            id_: (draw(st.sampled_from(SEATS)), draw(st.sampled_from(CHANGES)))
            for id_ in ids
            if draw(st.integers(0, 3))
        },
        contacts=_numbered(rows(_contact, 3)) if given_["c"] else None,
        changes=rows(_change, 4) if given_["r"] else None,
    )


THRESHOLDS = st.builds(
    Thresholds,
    renewal_window_days=st.integers(0, 150),
    onboarding_days=st.integers(0, 150),
    adoption_days=st.integers(0, 150),
    adoption_seat_utilisation=st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]),
    expansion_seat_utilisation=st.sampled_from([0.0, 0.5, 0.89, 0.9, 1.2]),
    expansion_window_days=st.integers(1, 150),
    usage_drop=st.sampled_from([-1.0, -0.6, -0.5, -0.3, 0.0]),
    stuck_after_days=st.integers(0, 60),
    due_soon_days=st.integers(0, 14),
    single_threaded_contacts=st.integers(0, 3),
    stale_after_days=st.integers(1, 60),
)


@st.composite
def rule_sets(draw: st.DrawFn) -> LifecycleRules:
    """Random thresholds; the default stages reordered and thinned, the catch-all last;
    a random subset of the flags; random ``if_missing``; ``in``/``not_in`` on segments."""

    def loosen(rule: dict[str, Any]) -> dict[str, Any]:
        for group in ("all", "any"):
            for c in rule[group]:
                c["if_missing"] = draw(st.sampled_from(["false", "true"]))
        return rule

    def on_segment(name: str) -> dict[str, Any]:
        condition = {
            "input": "account.segment",
            "op": draw(st.sampled_from(["in", "not_in"])),
            "value": draw(st.lists(st.sampled_from(SEGMENTS), min_size=1, unique=True)),
            "if_missing": draw(st.sampled_from(["false", "true"])),
        }
        return {"name": name, draw(st.sampled_from(["all", "any"])): [condition]}

    data = DEFAULT_RULES.model_dump(mode="json")
    stages = draw(st.permutations(data["stages"][:-1]))
    stages = [loosen(r) for r in stages[: draw(st.integers(0, len(stages)))]]
    if draw(st.booleans()):
        stages.insert(draw(st.integers(0, len(stages))), on_segment("segmented"))
    flags = [loosen(r) for r in data["flags"] if draw(st.booleans())]
    if draw(st.booleans()):
        flags.append(on_segment("in_segment"))
    return LifecycleRules.model_validate(
        {
            "stages": [*stages, data["stages"][-1]],
            "flags": flags,
            "thresholds": draw(THRESHOLDS).model_dump(),
        }
    )


def check_against_reference(
    w: World, as_of: date, rules: LifecycleRules, gap: int | None
) -> StageAssignments:
    previous = None
    if gap is not None:
        previous = classify(as_of=day(-gap, as_of), rules=rules, **w.kwargs())
        assert library(previous) == reference(w, day(-gap, as_of), rules)
    result = classify(as_of=as_of, rules=rules, previous=previous, **w.kwargs())
    expected = reference(w, as_of, rules, previous)
    assert result.account_ids.tolist() == list(expected)
    assert library(result) == expected
    assert result.not_started == sum(a["start_date"] >= as_of for a in w.accounts)
    return result


@settings(max_examples=150)
@given(worlds(), _maybe(st.integers(1, 250)))
def test_the_default_rules_match_the_reference(w: World, gap: int | None) -> None:
    result = check_against_reference(w, AS_OF, DEFAULT_RULES, gap)
    for i in range(len(result)):
        reasons = result.reasons_of(i)
        assert (reasons[0].rule, reasons[0].kind, reasons[0].fired) == (
            result.stage[i],
            "stage",
            True,
        )
        fired = {r.rule for r in reasons if r.kind == "flag" and r.fired}
        assert fired == result.flags_of(i)


@settings(max_examples=150)
@given(worlds(), rule_sets(), _maybe(st.integers(1, 120)))
def test_generated_rule_sets_match_the_reference(
    w: World, rules: LifecycleRules, gap: int | None
) -> None:
    check_against_reference(w, AS_OF, rules, gap)


@settings(max_examples=40)
@given(worlds(max_accounts=4), rule_sets(), st.integers(-300, 300))
def test_any_day_matches_the_reference(w: World, rules: LifecycleRules, shift: int) -> None:
    check_against_reference(w, day(shift), rules, None)


# --- purity in as_of -----------------------------------------------------------------------------


def known_on(w: World, as_of: date) -> World:
    """``w`` without what is dated on or after ``as_of``: accounts not started, ends,
    completions, answers, contacts' starts and departures, revenue changes."""
    midnight = datetime.combine(as_of, time(0), tzinfo=UTC)
    accounts = [
        {**a, "end_date": a["end_date"] if a["end_date"] and a["end_date"] <= as_of else None}
        for a in w.accounts
        if a["start_date"] < as_of
    ]
    ids = {a["id"] for a in accounts}
    milestones = [
        {
            **m,
            "completed_on": m["completed_on"]
            if m["completed_on"] and m["completed_on"] < as_of
            else None,
        }
        for m in w.milestones
        if m["account_id"] in ids
    ]
    nps = None if w.nps is None else [r for r in w.nps if r["submitted_at"] < midnight]
    contacts = (
        None
        if w.contacts is None
        else [
            {**c, "left_on": c["left_on"] if c["left_on"] and c["left_on"] < as_of else None}
            for c in w.contacts
            if c["started_on"] is None or c["started_on"] < as_of
        ]
    )
    changes = None if w.changes is None else [c for c in w.changes if c["effective_on"] < as_of]
    return World(
        [a["id"] for a in accounts], accounts, milestones, w.health, nps, w.usage, contacts, changes
    )


def _view(result: StageAssignments) -> list[tuple[str, ...]]:
    """Every row as text (NaN and NaT compare equal as text)."""
    return [tuple(map(str, row)) for row in result.to_pandas().itertuples(index=False)]


@settings(max_examples=80)
@given(worlds(), rule_sets(), st.integers(-200, 200))
def test_records_dated_on_or_after_as_of_change_nothing(
    w: World, rules: LifecycleRules, shift: int
) -> None:
    as_of = day(shift)
    full = classify(as_of=as_of, rules=rules, **w.kwargs())
    known = classify(as_of=as_of, rules=rules, **known_on(w, as_of).kwargs())
    assert _view(full) == _view(known)
    assert full.not_started == sum(a["start_date"] >= as_of for a in w.accounts)
    assert known.not_started == 0


def test_milestones_of_accounts_not_started_yet_are_left_out() -> None:
    """An account given but starting on or after as_of is out of scope, not unknown: its
    milestones are no error (they were: "milestones belong to no account given")."""
    accounts = {"id": ["A", "B"], "start_date": [day(-1000), day(10)]}
    milestones = {
        "account_id": ["A", "B", "B"],
        "name": ["kickoff", "kickoff", "live"],
        "due_date": [day(-40), day(-5), day(20)],
    }
    result = classify(accounts, as_of=AS_OF, milestones=milestones)
    assert result.account_ids.tolist() == ["A"]
    assert result.stage.tolist() == ["onboarding"]
    assert result.flags_of(0) == F("at_risk", "stuck_onboarding")
    assert result.not_started == 1


# --- reasons --------------------------------------------------------------------------------------


def test_the_stage_reason_comes_first_and_names_the_rule_and_the_values() -> None:
    accounts = {
        "id": ["A"],
        "start_date": [day(-1000)],
        "renewal_date": [day(45)],
    }
    one = classify(accounts, as_of=AS_OF).account("A")
    first = one.reasons[0]
    assert first == Reason(
        "renewal",
        "stage",
        True,
        ("days_to_renewal = 45 (>= 0)", "days_to_renewal = 45 (<= renewal_window_days (90))"),
    )
    assert first.format() == (
        "stage renewal: days_to_renewal = 45 (>= 0); "
        "days_to_renewal = 45 (<= renewal_window_days (90))"
    )


def test_an_absent_input_is_named_with_the_fallback_taken() -> None:
    accounts = {"id": ["A"], "start_date": [day(-1000)]}
    one = classify(accounts, as_of=AS_OF).account("A")
    text = one.format()
    for source in ("health", "nps", "usage", "milestones", "contacts", "revenue changes"):
        assert f"({source} not supplied): taken as false" in text, source
    assert "health_bottom_band unknown (health not supplied): taken as false" in text
    assert "days_in_stage unknown (no previous assignments): taken as false" in text
    # the rules that did not apply because of an unknown input come after the stage's
    skipped = [r for r in one.reasons[1:] if not r.fired]
    assert skipped
    assert all(r.fallbacks for r in skipped)
    assert all(not r.evidence for r in skipped)


def test_if_missing_true_says_so_and_fires_the_rule() -> None:
    rules = LifecycleRules.model_validate(
        {
            "stages": [
                {
                    "name": "healthy",
                    "all": [
                        {"input": "health_score", "op": ">=", "value": 70, "if_missing": "true"}
                    ],
                },
                {"name": "other"},
            ],
            "flags": [],
        }
    )
    accounts = {"id": ["A", "B"], "start_date": [day(-100)] * 2}
    result = classify(accounts, as_of=AS_OF, rules=rules, health=health_of({"B": 50.0}))
    assert result.stage.tolist() == ["healthy", "other"]
    reason = result.account("A").reasons[0]
    assert reason.evidence == ()  # nothing measured held it
    assert reason.fallbacks == (
        "health_score unknown (no health score (not scored, or insufficient data)): taken as true",
    )
    # B's health was known: its stage is the catch-all, with nothing else to say
    assert result.account("B").reasons == (Reason("other", "stage", True, ()),)


def test_account_reasons_of_and_to_pandas_agree(by_columns: StageAssignments) -> None:
    frame = by_columns.to_pandas()
    for i, id_ in enumerate(by_columns.account_ids.tolist()):
        one = by_columns.account(id_)
        assert one.reasons == by_columns.reasons_of(i)
        assert frame["reasons"][i] == " | ".join(r.format() for r in one.reasons)
        assert frame["flags"][i] == one.flags == by_columns.flags_of(i)
        assert frame["stage"][i] == one.stage


def test_if_missing_error_names_the_rule_the_input_and_the_accounts() -> None:
    rules = LifecycleRules.model_validate(
        {
            "stages": [
                {
                    "name": "healthy",
                    "all": [
                        {"input": "health_score", "op": ">=", "value": 70, "if_missing": "error"}
                    ],
                },
                {"name": "other"},
            ]
        }
    )
    accounts = {"id": [f"a{i}" for i in range(7)], "start_date": [day(-100)] * 7}
    with pytest.raises(
        InvalidInputError,
        match=r"rule 'healthy' needs `health_score` for every account \(if_missing='error'\), "
        r"but it is unknown for 7 \('a0', 'a1', 'a2', 'a3', 'a4', \.\.\.\): health not supplied",
    ):
        classify(accounts, as_of=AS_OF, rules=rules)
    with pytest.raises(InvalidInputError, match=r"unknown for 1 \('a6'\): no health score"):
        classify(
            accounts,
            as_of=AS_OF,
            rules=rules,
            health=health_of({f"a{i}": 50.0 for i in range(6)}),
        )
    result = classify(
        accounts, as_of=AS_OF, rules=rules, health=health_of({f"a{i}": 80.0 for i in range(7)})
    )
    assert set(result.stage.tolist()) == {"healthy"}


# --- bad input ------------------------------------------------------------------------------------

ACCOUNTS = {"id": ["a", "b"], "start_date": [day(-100), day(-50)]}


def _rule(condition: dict[str, Any]) -> LifecycleRules:
    return LifecycleRules.model_validate(
        {"stages": [{"name": "x", "all": [condition]}, {"name": "y"}], "flags": []}
    )


BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    (
        "a milestone of an unknown account",
        {"milestones": {"account_id": ["a", "zz"], "name": ["kickoff", "kickoff"]}},
        r"1 milestones belong to no account given: row 2 \('zz'\); every milestone's "
        r"`account_id` must be an account's `id`",
    ),
    (
        "a completion before the start",
        {
            "milestones": {
                "account_id": ["a", "b"],
                "name": ["kickoff", "kickoff"],
                "completed_on": [day(-90), day(-55)],
            }
        },
        r"1 milestones were completed before their account started \(row 2: 'kickoff' of "
        r"account 'b' completed 5 days before its start\)",
    ),
    (
        "a milestone name twice in one account",
        {"milestones": {"account_id": ["a", "b", "a"], "name": ["kickoff", "kickoff", "kickoff"]}},
        r"milestone 'kickoff' is given twice for account 'a' \(rows 1 and 3\)",
    ),
    (
        "an account field the accounts lack",
        {"rules": _rule({"input": "account.region", "op": "==", "value": "eu"})},
        r"a rule uses `account\.region`, but the accounts have no `region` column",
    ),
    (
        "a usage measure the usage lacks",
        {
            "rules": _rule({"input": "usage.logins", "op": ">", "value": 3}),
            "usage": MeasureTable(["a"], {"seat_utilisation": [0.5]}),
        },
        r"a rule uses `usage\.logins`, but the usage measures have no `logins` column "
        r"\(columns: \['account_id', 'seat_utilisation'\]\)",
    ),
    (
        "a text value for a number input",
        {
            "rules": _rule({"input": "days_to_renewal", "op": "<=", "value": "soon"}),
            "accounts": {**ACCOUNTS, "renewal_date": [day(5), None]},
        },
        r"rule 'x': `days_to_renewal` holds numbers, which cannot be compared with 'soon' by '<='",
    ),
    (
        "a list for a number input",
        {
            "rules": _rule({"input": "account.seats", "op": "in", "value": ["10"]}),
            "accounts": {**ACCOUNTS, "seats": [10, 20]},
        },
        r"rule 'x': `account\.seats` holds numbers, which cannot be compared with \('10',\) "
        r"by 'in'",
    ),
    (
        "an order on a text input",
        {
            "rules": _rule({"input": "account.segment", "op": "<", "value": "m"}),
            "accounts": {**ACCOUNTS, "segment": ["smb", "ent"]},
        },
        r"rule 'x': `account\.segment` holds texts, which cannot be compared with 'm' by '<'",
    ),
    (
        "a number for a flag input",
        {"rules": _rule({"input": "customer", "op": "==", "value": 1})},
        r"rule 'x': `customer` holds flags, which cannot be compared with 1 by '=='",
    ),
    (
        "health taken after as_of",
        {"health": health_of({"a": 50.0}, taken=day(1))},
        r"`health` was taken at 2025-03-02T00:00:00\.000000Z, after as_of "
        r"\(2025-03-01T00:00:00\.000000Z\)",
    ),
    (
        "usage taken after as_of",
        {"usage": usage_of({"a": (0.5, 0.0)}, taken=np.datetime64("2025-03-01T09:00", "us"))},
        r"`usage` was taken at 2025-03-01T09:00:00\.000000Z, after as_of",
    ),
    (
        "health of another type",
        {"health": {"a": 50}},
        r"`health` must be scoring\.HealthScores, got dict",
    ),
    (
        "usage of another type",
        {"usage": {"account_id": ["a"], "seat_utilisation": [0.5]}},
        r"`usage` must be a MeasureTable \(adoption\.account_metrics\) or a result with "
        r"to_measures\(\) \(adoption\.usage_trend\), got dict",
    ),
    (
        "rules of another type",
        {"rules": {"stages": []}},
        r"`rules` must be a LifecycleRules, got dict",
    ),
    (
        "previous of another type",
        {"previous": "2025-01-01"},
        r"`previous` must be StageAssignments, got str",
    ),
    (
        "a naive as_of",
        {"as_of": datetime(2025, 3, 1)},
        r"`as_of` is a naive datetime \(2025-03-01T00:00:00\)",
    ),
    (
        "an account id twice",
        {"accounts": {"id": ["a", "b", "a"], "start_date": [day(-100)] * 3}},
        r"'a'",
    ),
    (
        "integer ids beside text ids",
        {"nps": {"account_id": [1], "score": [9], "submitted_at": [at(-3)]}},
        r"the account ids are of different kinds \(accounts: text; `nps`: whole numbers\)",
    ),
    (
        "text milestone accounts beside integer ids",
        {
            "accounts": {"id": [1, 2], "start_date": [day(-100)] * 2},
            "milestones": {"account_id": ["1"], "name": ["kickoff"]},
        },
        r"the account ids are of different kinds \(accounts: whole numbers; the milestones' "
        r"`account_id`: text\)",
    ),
    (
        "integer health ids beside text ids",
        {"health": health_of({1: 50.0})},
        r"the account ids are of different kinds",
    ),
    (
        "integer contact ids beside text ids",
        {"contacts": {"id": [1], "account_id": [1]}},
        r"the account ids are of different kinds \(accounts: text; `contacts`: whole numbers\)",
    ),
    (
        "integer revenue ids beside text ids",
        {"revenue_changes": {"account_id": [1], "effective_on": [day(-3)], "mrr": [10.0]}},
        r"the account ids are of different kinds \(accounts: text; `revenue_changes`: whole",
    ),
    (
        "no start_date",
        {"accounts": {"id": ["a"]}},
        r"start_date",
    ),
]


@pytest.mark.parametrize(
    ("change", "match"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_a_clear_error(change: dict[str, Any], match: str) -> None:
    kwargs: dict[str, Any] = {"accounts": ACCOUNTS, "as_of": AS_OF, **change}
    with pytest.raises(InvalidInputError, match=match):
        classify(**kwargs)


@pytest.mark.parametrize("gap", [0, -1])
def test_previous_assignments_of_as_of_or_later_are_refused(gap: int) -> None:
    later = classify(ACCOUNTS, as_of=day(-gap))
    with pytest.raises(
        InvalidInputError,
        match=rf"`previous` is of {day(-gap)}, not before as_of \(2025-03-01\); give the "
        "assignments of an earlier day",
    ):
        classify(ACCOUNTS, as_of=AS_OF, previous=later)


def test_an_unknown_input_name_is_a_config_error_with_its_path() -> None:
    with pytest.raises(ConfigError, match=r"stages\[0\]\.any\[1\]\.input: unknown input 'nps'"):
        LifecycleRules.model_validate(
            {
                "stages": [
                    {
                        "name": "x",
                        "any": [
                            {"input": "nps_score", "op": ">", "value": 8},
                            {"input": "nps", "op": ">", "value": 8},
                        ],
                    },
                    {"name": "y"},
                ]
            }
        )


def test_an_input_taken_on_as_of_is_accepted_and_one_without_a_time_is_too() -> None:
    result = classify(
        ACCOUNTS,
        as_of=AS_OF,
        health=health_of({"a": 50.0}, taken=AS_OF),
        usage=usage_of({"a": (0.5, 0.0)}, taken=TAKEN),
    )
    assert len(result) == 2
    assert len(classify(ACCOUNTS, as_of=AS_OF, health=health_of({"a": 50.0}))) == 2


def test_inputs_of_accounts_not_given_are_counted_not_used() -> None:
    result = classify(
        ACCOUNTS,
        as_of=AS_OF,
        nps={"account_id": ["a", "zz"], "score": [0, 0], "submitted_at": [at(-3), at(-3)]},
        revenue_changes={
            "account_id": ["zz", "zz"],
            "effective_on": [day(-9), day(-3)],
            "mrr": [1.0, 2.0],
        },
        contacts={"id": [1, 2], "account_id": ["zz", "a"]},
    )
    assert result.ignored == {"nps": 1, "revenue_changes": 2, "contacts": 1}
    assert result.flags_of(0) == F("at_risk", "single_threaded")


def test_named_usage_inputs_a_usage_trend_lacks_are_unknown_not_an_error() -> None:
    """`adoption.usage_trend` measures usage but not seats: with the default rules (which
    read ``seat_utilisation``) it was refused; it is documented as a usage input."""
    trend = MeasureTable(["a", "b"], {"usage_change": [-0.6, 0.1]})
    result = classify(ACCOUNTS, as_of=AS_OF, usage=trend)
    assert result.flags_of(0) == F("at_risk")
    text = result.account("b").format()
    assert "seat_utilisation unknown (the usage measures have no `seat_utilisation`): " in text


def test_empty_health_scores_leave_health_unknown() -> None:
    """Health scores of no account (this raised an IndexError)."""
    result = classify(ACCOUNTS, as_of=AS_OF, health=health_of({}))
    assert result.stage.tolist() == ["adoption", "onboarding"]
    assert result.flag_counts()["at_risk"] == 0
    assert "health_bottom_band unknown (no health score" in result.account("a").format()


# --- the result -----------------------------------------------------------------------------------

COLUMNS = [
    "account_id",
    "stage",
    "flags",
    "reasons",
    "entered_on",
    "days_in_stage",
    "previous_stage",
    "held",
    "mrr",
]


def test_the_result_is_frozen_and_compares_by_value(by_columns: StageAssignments) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        by_columns.stage = by_columns.stage  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        by_columns.stage[0] = "churned"
    kwargs, _ = table_inputs("columns")
    again = classify(as_of=AS_OF, **kwargs)
    assert again == by_columns
    assert pickle.loads(pickle.dumps(by_columns)) == by_columns
    other = classify(as_of=day(1), **kwargs)
    assert other != by_columns
    looser = DEFAULT_RULES.model_copy(update={"thresholds": Thresholds(renewal_window_days=91)})
    assert classify(as_of=AS_OF, rules=looser, **kwargs) != by_columns


def test_to_dict_is_strict_json(by_columns: StageAssignments) -> None:
    data = by_columns.to_dict()
    text = json.dumps(data, allow_nan=False)
    back = json.loads(text)
    assert back["stage"] == by_columns.stage.tolist()
    assert back["flags"]["at_risk"] == by_columns.flags["at_risk"].tolist()
    assert back["counts"] == by_columns.counts()
    assert back["rules_hash"] == DEFAULT_RULES.config_hash
    assert back["as_of"] == "2025-03-01"
    assert back["not_started"] == 1
    assert LifecycleRules.model_validate(back["rules"]) == DEFAULT_RULES
    for one in (by_columns.account("detractor"), by_columns.account("detractor").reasons[0]):
        json.dumps(one.to_dict(), allow_nan=False)
    with_previous = classify(ENGAGED, as_of=AS_OF, previous=classify(ENGAGED, as_of=day(-9)))
    assert json.loads(json.dumps(with_previous.to_dict(), allow_nan=False))["entered_on"] == [
        "2025-02-20"
    ]


def test_the_repr_is_one_short_line(by_columns: StageAssignments) -> None:
    text = repr(by_columns)
    assert text.startswith(f"StageAssignments({len(TABLE)} accounts as of 2025-03-01: churned 3, ")
    assert "\n" not in text
    assert len(text) < 200
    assert repr(classify({"id": [], "start_date": []}, as_of=AS_OF)) == (
        "StageAssignments(0 accounts as of 2025-03-01: none)"
    )
    one = by_columns.account("overdue_31_days")
    assert repr(one) == "Assignment('overdue_31_days': onboarding [at_risk, stuck_onboarding])"
    assert repr(one.reasons[0]) == "Reason(stage onboarding: onboarding_complete is false)"


def test_to_pandas_has_one_row_per_account_with_named_columns(
    by_columns: StageAssignments,
) -> None:
    frame = by_columns.to_pandas()
    assert frame.columns.tolist() == COLUMNS
    assert len(frame) == len(by_columns) == len(TABLE)
    assert frame["account_id"].tolist() == [c.id for c in TABLE]
    assert frame["stage"].tolist() == [c.stage for c in TABLE]
    assert frame["flags"].tolist() == [c.flags for c in TABLE]
    assert frame["mrr"].tolist() == [c.mrr for c in TABLE]
    assert frame["entered_on"].isna().all()
    assert frame["previous_stage"].isna().all()
    empty = classify({"id": [], "start_date": []}, as_of=AS_OF).to_pandas()
    assert empty.columns.tolist() == COLUMNS
    assert len(empty) == 0


def test_counts_add_up_in_the_rules_order(by_columns: StageAssignments) -> None:
    counts = by_columns.counts()
    assert list(counts) == [r.name for r in DEFAULT_RULES.stages]
    assert counts == {
        name: sum(c.stage == name for c in TABLE) for name in (r.name for r in DEFAULT_RULES.stages)
    }
    flags = by_columns.flag_counts()
    assert list(flags) == [r.name for r in DEFAULT_RULES.flags]
    assert flags == {
        name: sum(name in c.flags for c in TABLE) for name in (r.name for r in DEFAULT_RULES.flags)
    }


def test_format_lists_stages_and_flags(by_columns: StageAssignments) -> None:
    lines = by_columns.format().splitlines()
    assert lines[0] == f"stages as of 2025-03-01 ({len(TABLE)} accounts)"
    assert lines[1].split() == ["churned", str(by_columns.counts()["churned"])]
    assert lines[len(DEFAULT_RULES.stages) + 1] == "flags"
    assert len(lines) == 2 + len(DEFAULT_RULES.stages) + len(DEFAULT_RULES.flags)
    assert str(by_columns) == by_columns.format()
    one = by_columns.account("promoter_in_top_band").format().splitlines()
    assert one[0] == "'promoter_in_top_band': advocacy (advocate)"
    assert one[1] == "  stage advocacy: nps_category is 'promoter'; health_top_band is true"


def test_an_unknown_account_is_named() -> None:
    result = classify(ACCOUNTS, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="zz"):
        result.account("zz")


def test_assignment_and_reason_are_results() -> None:
    one = classify(ACCOUNTS, as_of=AS_OF).account("a")
    assert isinstance(one, Assignment)
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.stage = "x"  # type: ignore[misc]
    assert all(isinstance(r, Reason) for r in one.reasons)
    assert pickle.loads(pickle.dumps(one)) == one


def test_reasons_list_fallbacks_only_where_they_could_have_changed_the_answer() -> None:
    accounts = {
        "id": ["gone", "here"],
        "start_date": ["2024-01-01", "2024-01-01"],
        "end_date": ["2025-01-15", None],
    }
    stages = classify(accounts, as_of=date(2025, 3, 1))
    gone = stages.account("gone")
    # a churned account can carry no flag, whatever health would have said
    assert [r.format() for r in gone.reasons] == ["stage churned: customer is false"]
    here = [r.format() for r in stages.account("here").reasons]
    assert here[0].startswith("stage engagement")
    assert any(
        r.startswith("flag at_risk (not applied)") and "health not supplied" in r for r in here
    )
