"""`lifecycle.transitions`: the from-to matrix of stages between two days.

References: a plain-Python reference (a dictionary counting each account's (from, to)
pair, and summing its MRR or given weight) compared on Hypothesis-generated pairs of
assignments (two days, each over its own subset of the accounts, so that some accounts
are new on the later day and some gone from it); invariants of the shares (each row of
``share_out`` and each column of ``share_in`` sums to 1, or is NaN when empty); and a
hand-built pair with every kind of move.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import InvalidInputError
from cshealth.lifecycle import (
    GONE,
    NEW,
    LifecycleRules,
    StageAssignments,
    StageFlow,
    StageRule,
    classify,
    history,
    transitions,
)

BASE = date(2025, 1, 1)
TOL = 1e-9


def at(offset: int) -> date:
    return BASE + timedelta(days=offset)


def subset(accounts: dict[str, list[Any]], keep: list[bool]) -> dict[str, list[Any]]:
    return {name: [v for v, k in zip(values, keep) if k] for name, values in accounts.items()}


@dataclass
class Pair:
    a: StageAssignments
    b: StageAssignments
    weights: dict[Any, float]


@st.composite
def pairs(draw: st.DrawFn) -> Pair:
    n = draw(st.integers(0, 10))
    text = draw(st.booleans())
    ids: list[Any] = [f"acct-{i}" if text else 100 + i for i in range(n)]
    accounts: dict[str, list[Any]] = {
        k: [] for k in ("id", "start_date", "end_date", "renewal_date", "mrr")
    }
    changes: dict[str, list[Any]] = {"account_id": [], "effective_on": [], "mrr": []}
    for account in ids:
        start = at(draw(st.integers(-300, 100)))
        length = draw(st.none() | st.integers(1, 400))
        renewal = draw(st.none() | st.integers(0, 500))
        accounts["id"].append(account)
        accounts["start_date"].append(start)
        accounts["end_date"].append(None if length is None else start + timedelta(length))
        accounts["renewal_date"].append(None if renewal is None else start + timedelta(renewal))
        accounts["mrr"].append(draw(st.none() | st.sampled_from([0.0, 10.0, 99.5, 400.0])))
        for offset in draw(st.lists(st.integers(0, 400), max_size=2, unique=True)):
            changes["account_id"].append(account)
            changes["effective_on"].append(start + timedelta(offset))
            changes["mrr"].append(draw(st.sampled_from([0.0, 75.0, 300.0])))
    day_a = at(draw(st.integers(-50, 150)))
    day_b = day_a + timedelta(draw(st.integers(1, 200)))
    revenue = changes if draw(st.booleans()) else None
    a = classify(
        subset(accounts, [draw(st.booleans()) for _ in ids]), as_of=day_a, revenue_changes=revenue
    )
    b = classify(
        subset(accounts, [draw(st.booleans()) for _ in ids]), as_of=day_b, revenue_changes=revenue
    )
    weights = {
        account: draw(st.sampled_from([0.0, 1.0, 2.5, 1000.0]))
        for account in ids
        if draw(st.booleans())
    }
    return Pair(a, b, weights)


def reference(
    a: StageAssignments, b: StageAssignments, weigh: str | dict[Any, float] | None
) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], float]]:
    """Count each account's (from, to) pair and sum its weight, account by account."""
    before = {account: (a.stage[i], a.mrr[i]) for i, account in enumerate(a.account_ids.tolist())}
    after = {account: (b.stage[i], b.mrr[i]) for i, account in enumerate(b.account_ids.tolist())}
    counts: Counter[tuple[str, str]] = Counter()
    sums: dict[tuple[str, str], float] = {}

    def add(cell: tuple[str, str], account: Any, mrr: float) -> None:
        counts[cell] += 1
        if weigh == "mrr":
            w = 0.0 if math.isnan(mrr) else float(mrr)
        elif isinstance(weigh, dict):
            w = float(weigh.get(account, 0.0))
        else:
            w = 1.0
        sums[cell] = sums.get(cell, 0.0) + w

    for account, (stage, mrr) in before.items():
        target = after[account][0] if account in after else GONE
        add((stage, target), account, mrr)
    for account, (stage, mrr) in after.items():
        if account not in before:
            add((NEW, stage), account, mrr)
    return counts, sums


def _check(flow: StageFlow, pair: Pair, weigh: str | dict[Any, float] | None) -> None:
    stages = [rule.name for rule in LifecycleRules().stages]
    assert flow.rows == (*stages, NEW)
    assert flow.columns == (*stages, GONE)
    counts, sums = reference(pair.a, pair.b, weigh)
    for i, row in enumerate(flow.rows):
        for j, column in enumerate(flow.columns):
            assert flow.counts[i, j] == counts[row, column], (row, column)
            if weigh is not None:
                assert flow.weights is not None
                assert flow.weights[i, j] == pytest.approx(sums.get((row, column), 0.0), abs=TOL)
                assert flow.moved(row, column) == pytest.approx(
                    sums.get((row, column), 0.0), abs=TOL
                )
            else:
                assert flow.weights is None
                assert flow.moved(row, column) == counts[row, column]
    # the row 'new' never goes to 'gone'
    assert flow.counts[-1, -1] == 0
    assert flow.counts.sum() == len(
        set(pair.a.account_ids.tolist()) | set(pair.b.account_ids.tolist())
    )
    assert (flow.counts[:-1].sum(axis=1) == [pair.a.counts()[s] for s in stages]).all()
    assert (flow.counts[:, :-1].sum(axis=0) == [pair.b.counts()[s] for s in stages]).all()
    assert (flow.start, flow.end) == (pair.a.as_of, pair.b.as_of)


def _check_shares(flow: StageFlow) -> None:
    out, into = flow.share_out(), flow.share_in()
    values = flow.values
    for i in range(len(flow.rows)):
        if values[i].sum() > 0:
            assert out[i].sum() == pytest.approx(1.0, abs=TOL)
            assert out[i] == pytest.approx(values[i] / values[i].sum(), abs=TOL)
        else:
            assert np.isnan(out[i]).all()
    for j in range(len(flow.columns)):
        if values[:, j].sum() > 0:
            assert into[:, j].sum() == pytest.approx(1.0, abs=TOL)
        else:
            assert np.isnan(into[:, j]).all()


@given(pairs())
def test_counts_match_the_reference(pair: Pair) -> None:
    flow = transitions(pair.a, pair.b)
    _check(flow, pair, None)
    _check_shares(flow)
    assert flow.weight is None


@given(pairs())
def test_mrr_weights_match_the_reference(pair: Pair) -> None:
    flow = transitions(pair.a, pair.b, weight="mrr")
    _check(flow, pair, "mrr")
    _check_shares(flow)
    assert flow.weight == "mrr"
    # each row holds the MRR its stage had on the earlier day (unknown MRR counts 0)
    for i, stage in enumerate(flow.rows[:-1]):
        had = np.nansum(pair.a.mrr[pair.a.stage == stage])
        assert flow.weights is not None
        assert flow.weights[i].sum() == pytest.approx(had, abs=TOL)


@given(pairs())
def test_mapping_weights_match_the_reference(pair: Pair) -> None:
    flow = transitions(pair.a, pair.b, weight=pair.weights)
    _check(flow, pair, pair.weights)
    _check_shares(flow)
    assert flow.weight == "weight"


# --- a hand-built pair -------------------------------------------------------------------------

ACCOUNTS = {
    "id": ["stays", "onboarded", "churns", "renews", "leaves", "joins", "later"],
    "start_date": [at(-400), at(-30), at(-500), at(-300), at(-200), at(20), at(-100)],
    "end_date": [None, None, at(40), None, None, None, None],
    "renewal_date": [None, None, None, at(100), None, None, None],
    "mrr": [100.0, 200.0, 50.0, 400.0, 70.0, 30.0, None],
}
A_DAY, B_DAY = at(0), at(60)


def _hand_pair() -> tuple[StageAssignments, StageAssignments]:
    keep_a = [True, True, True, True, True, False, True]  # 'joins' is not given on A_DAY
    keep_b = [True, True, True, True, False, True, True]  # 'leaves' is gone by B_DAY
    a = classify(subset(ACCOUNTS, keep_a), as_of=A_DAY)
    b = classify(subset(ACCOUNTS, keep_b), as_of=B_DAY)
    return a, b


def test_every_kind_of_move_by_hand() -> None:
    a, b = _hand_pair()
    assert dict(zip(a.account_ids, a.stage)) == {
        "stays": "engagement",
        "onboarded": "onboarding",
        "churns": "engagement",
        "renews": "engagement",
        "leaves": "engagement",
        "later": "adoption",  # no milestones: onboarded 90 days after its start
    }
    flow = transitions(a, b)
    assert flow.moved("engagement", "engagement") == 1  # stays
    assert flow.moved("adoption", "adoption") == 1  # later
    assert flow.moved("onboarding", "adoption") == 1
    assert flow.moved("engagement", "churned") == 1
    assert flow.moved("engagement", "renewal") == 1
    assert flow.moved("engagement", GONE) == 1
    assert flow.moved(NEW, "onboarding") == 1
    assert int(flow.counts.sum()) == 7
    mrr = transitions(a, b, weight="mrr")
    assert mrr.moved("engagement", GONE) == 70.0  # the MRR it had on the earlier day
    assert mrr.moved(NEW, "onboarding") == 30.0  # a new account: its MRR on the later day
    assert mrr.moved("adoption", "adoption") == 0.0  # unknown MRR counts 0
    assert flow.moved("adoption", "adoption") == 1
    assert mrr.share_out()[mrr.rows.index("engagement")].tolist() == pytest.approx(
        [50 / 620, 400 / 620, 0, 0, 0, 0, 100 / 620, 70 / 620]
    )
    given = transitions(a, b, weight={"stays": 2.0, "joins": 5.0, "ghost": 9.0})
    assert given.moved("engagement", "engagement") == 2.0
    assert given.moved(NEW, "onboarding") == 5.0
    assert given.values.sum() == 7.0  # accounts the mapping lacks weigh 0; unknown keys none


def test_to_pandas_has_one_row_per_cell() -> None:
    a, b = _hand_pair()
    flow = transitions(a, b, weight="mrr")
    frame = flow.to_pandas()
    assert list(frame.columns) == [
        "from_stage",
        "to_stage",
        "accounts",
        "mrr",
        "share_out",
        "share_in",
    ]
    assert len(frame) == len(flow.rows) * len(flow.columns)
    for row in frame.itertuples():
        assert (
            row.accounts
            == flow.counts[flow.rows.index(row.from_stage), flow.columns.index(row.to_stage)]
        )
        assert row.mrr == flow.moved(row.from_stage, row.to_stage)
    assert set(frame["from_stage"]) == set(flow.rows)
    assert set(frame["to_stage"]) == set(flow.columns)
    counted = transitions(a, b).to_pandas()
    assert list(counted.columns) == ["from_stage", "to_stage", "accounts", "share_out", "share_in"]
    given = transitions(a, b, weight={"stays": 1.0}).to_pandas()
    assert "weight" in given.columns


def test_text_repr_and_json() -> None:
    a, b = _hand_pair()
    flow = transitions(a, b)
    text = flow.format()
    lines = text.splitlines()
    assert len(lines) == len(flow.rows) + 1
    assert lines[0].split() == ["from", "/", "to", *flow.columns]
    assert lines[-1].split()[0] == NEW
    assert str(flow) == text
    assert repr(flow) == f"StageFlow({A_DAY} to {B_DAY}: 7 accounts, 2 in the same stage)"
    data = json.loads(json.dumps(flow.to_dict(), allow_nan=False))
    assert data["rows"][-1] == NEW
    assert data["columns"][-1] == GONE
    assert data["counts"] == flow.counts.tolist()
    with pytest.raises(KeyError, match="no flow 'nowhere' -> 'churned'"):
        flow.moved("nowhere", "churned")


def test_rules_of_another_shape_add_their_stages() -> None:
    a, _ = _hand_pair()
    single = LifecycleRules(stages=(StageRule(name="everyone"),), flags=())
    b = classify(ACCOUNTS, as_of=B_DAY, rules=single)
    flow = transitions(a, b)
    stages = [rule.name for rule in LifecycleRules().stages]
    assert flow.rows == (*stages, "everyone", NEW)
    assert flow.columns == (*stages, "everyone", GONE)
    assert flow.counts[:, flow.columns.index("everyone")].sum() == len(b)
    assert flow.counts[flow.rows.index("everyone")].sum() == 0


def test_transitions_of_history_days() -> None:
    """The flow between two days of a history counts the same as between their classify."""
    days = [A_DAY, B_DAY]
    h = history(ACCOUNTS, dates=days)
    a = classify(ACCOUNTS, as_of=A_DAY)
    b = classify(ACCOUNTS, as_of=B_DAY, previous=a)
    flow = transitions(a, b)
    for i, row in enumerate(flow.rows[:-1]):
        for j, column in enumerate(flow.columns[:-1]):
            pairs_seen = 0
            for account in h.account_ids[h.as_of == np.datetime64(A_DAY)].tolist():
                first = h.stage[(h.account_ids == account) & (h.as_of == np.datetime64(A_DAY))]
                second = h.stage[(h.account_ids == account) & (h.as_of == np.datetime64(B_DAY))]
                pairs_seen += first.tolist() == [row] and second.tolist() == [column]
            assert flow.counts[i, j] == pairs_seen


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("same day", r"`b` \(2025-01-01\) must be later than `a` \(2025-01-01\)"),
        ("earlier", r"`b` \(2025-01-01\) must be later than `a` \(2025-03-02\)"),
        ("a history", "`a` must be StageAssignments, got StageHistory"),
        ("b frame", "`b` must be StageAssignments, got dict"),
        ("weight arr", "`weight` must be 'mrr', a mapping .* got 'arr'"),
        ("weight number", "`weight` must be 'mrr', a mapping .* got int"),
        ("weight text values", "weight"),
        ("ids of two kinds", "account ids are of different kinds"),
    ],
)
def test_refused_forms(which: str, message: str) -> None:
    a, b = _hand_pair()
    args: tuple[Any, Any] = (a, b)
    kwargs: dict[str, Any] = {}
    if which == "same day":
        args = (a, classify(ACCOUNTS, as_of=A_DAY))
    elif which == "earlier":
        args = (b, a)
    elif which == "a history":
        args = (history(ACCOUNTS, dates=[A_DAY]), b)
    elif which == "b frame":
        args = (a, dict(ACCOUNTS))
    elif which == "weight arr":
        kwargs = {"weight": "arr"}
    elif which == "weight number":
        kwargs = {"weight": 5}
    elif which == "weight text values":
        kwargs = {"weight": {"stays": "heavy"}}
    elif which == "ids of two kinds":
        numbered = {**ACCOUNTS, "id": list(range(7))}
        args = (a, classify(numbered, as_of=B_DAY))
    with pytest.raises(InvalidInputError, match=message):
        transitions(*args, **kwargs)


@pytest.mark.parametrize("bad", [float("nan"), -1.0, float("inf")])
def test_mapping_weights_must_be_finite_and_not_negative(bad: float) -> None:
    accounts = {"id": ["a", "b"], "start_date": ["2024-01-01", "2024-06-01"]}
    a = classify(accounts, as_of=date(2025, 1, 1))
    b = classify(accounts, as_of=date(2025, 2, 1))
    with pytest.raises(InvalidInputError, match=r"`weight` must be finite and >= 0 .*'b'"):
        transitions(a, b, weight={"a": 1.0, "b": bad})
