"""`lifecycle.renewals`: the renewals due in the window, their MRR, band, stage and risk.

References: a table of hand-built accounts, one per boundary (renewal on ``as_of``, exactly
``within_days`` out, one day more, the day before; an account that ended before, on or
after ``as_of``; one starting on or after ``as_of``); a plain pandas reference (filter the
customers renewing in the window, then ``groupby`` the month due) compared on
Hypothesis-generated accounts with stage assignments; a plain per-account reference with
revenue changes (the latest change before ``as_of`` sets the MRR in force, 0 is a churn;
an account in the ``churned`` stage is not due) compared on Hypothesis-generated accounts,
revenue changes and stage assignments classified from other changes; the MRR at risk
summed from the stage assignments' ``at_risk`` flag; the band looked up in the health
scores.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cshealth import InvalidInputError, scoring
from cshealth.lifecycle import RenewalMonths, Renewals, classify, renewals

AS_OF = date(2025, 4, 10)
TOL = 1e-9

CARD = scoring.Scorecard.model_validate(
    {
        "name": "x",
        "root": {
            "name": "all",
            "children": [
                {
                    "name": "x",
                    "column": "x",
                    "transform": {"kind": "linear", "worst": 0, "best": 100},
                }
            ],
        },
    }
)


def day(offset: int) -> date:
    return AS_OF + timedelta(days=offset)


def health_of(ids: list[Any], scores: list[float], taken: object = AS_OF) -> scoring.HealthScores:
    return scoring.score(CARD, {"account_id": ids, "x": scores}, as_of=taken)


# --- the boundary table ---------------------------------------------------------------------

#: (account, start offset, end offset or None, renewal offset or None, due?)
CASES: list[tuple[str, int, int | None, int | None, bool]] = [
    ("renews on as_of", -300, None, 0, True),
    ("renews exactly 120 days out", -300, None, 120, True),
    ("renews 121 days out", -300, None, 121, False),
    ("renewed the day before", -300, None, -1, False),
    ("renews tomorrow", -300, None, 1, True),
    ("churned before, renewal in window", -300, -5, 30, False),
    ("ended on as_of", -300, 0, 30, False),
    ("ends after as_of", -300, 10, 30, True),
    ("starts on as_of", 0, None, 30, False),
    ("starts after as_of", 20, None, 30, False),
    ("started the day before", -1, None, 30, True),
    ("no renewal date", -300, None, None, False),
]


def _case_accounts(mrr: bool = True) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {
        "id": [c[0] for c in CASES],
        "start_date": [day(c[1]) for c in CASES],
        "end_date": [None if c[2] is None else day(c[2]) for c in CASES],
        "renewal_date": [None if c[3] is None else day(c[3]) for c in CASES],
    }
    if mrr:
        out["mrr"] = [float(10 * (i + 1)) for i in range(len(CASES))]
    return out


def test_the_boundaries_of_the_window() -> None:
    due = renewals(_case_accounts(), as_of=AS_OF)
    expected = [c for c in CASES if c[4]]
    expected.sort(key=lambda c: c[3])  # by due day
    assert due.account_ids.tolist() == [c[0] for c in expected]
    assert due.days_to_renewal.tolist() == [c[3] for c in expected]
    assert due.renewal_date.astype(date).tolist() == [day(c[3]) for c in expected]  # type: ignore[misc]
    mrr = {c[0]: float(10 * (i + 1)) for i, c in enumerate(CASES)}
    assert due.mrr.tolist() == [mrr[c[0]] for c in expected]
    assert due.mrr_due == sum(mrr[c[0]] for c in expected)
    assert (due.as_of, due.within_days, due.unknown_mrr) == (AS_OF, 120, 0)
    assert due.band.tolist() == [None] * len(expected)
    assert due.stage.tolist() == [None] * len(expected)
    assert not due.at_risk.any()
    assert due.mrr_at_risk == 0.0


@pytest.mark.parametrize("within", [0, 1, 30, 120, 121])
def test_a_renewal_exactly_within_days_out_is_due_and_one_more_is_not(within: int) -> None:
    accounts = {
        "id": ["edge", "beyond"],
        "start_date": [day(-100)] * 2,
        "renewal_date": [day(within), day(within + 1)],
    }
    due = renewals(accounts, as_of=AS_OF, within_days=within)
    assert due.account_ids.tolist() == ["edge"]
    assert due.days_to_renewal.tolist() == [within]
    assert due.unknown_mrr == 1  # no mrr column
    assert math.isnan(due.mrr[0])
    assert due.mrr_due == 0.0


def test_ties_keep_the_accounts_order() -> None:
    accounts = {
        "id": ["c", "a", "b"],
        "start_date": [day(-50)] * 3,
        "renewal_date": [day(9), day(3), day(9)],
    }
    assert renewals(accounts, as_of=AS_OF).account_ids.tolist() == ["a", "c", "b"]


# --- stages and health -----------------------------------------------------------------------

ACCOUNTS = {
    "id": [1, 2, 3, 4, 5, 6],
    "start_date": [day(-400)] * 6,
    "end_date": [None, None, None, None, None, day(-1)],
    "renewal_date": [day(5), day(40), day(40), day(70), day(200), day(10)],
    "mrr": [100.0, 200.0, None, 400.0, 500.0, 600.0],
}


def _stages(scores: list[float]) -> Any:
    return classify(ACCOUNTS, as_of=AS_OF, health=health_of([1, 2, 3, 4, 5], scores))


def test_mrr_at_risk_comes_from_the_at_risk_flag() -> None:
    health = health_of([1, 2, 3, 4, 5], [10.0, 90.0, 20.0, 30.0, 5.0])
    stages = classify(ACCOUNTS, as_of=AS_OF, health=health)
    risky = dict(zip(stages.account_ids.tolist(), stages.flags["at_risk"].tolist()))
    assert risky == {1: True, 2: False, 3: True, 4: True, 5: True, 6: False}
    due = renewals(ACCOUNTS, as_of=AS_OF, stages=stages, health=health)
    assert due.account_ids.tolist() == [1, 2, 3, 4]  # 5 renews too late, 6 has ended
    assert due.at_risk.tolist() == [True, False, True, True]
    assert due.mrr_at_risk == 100.0 + 400.0  # 3's MRR is unknown: counts 0
    assert due.mrr_due == 700.0
    assert due.unknown_mrr == 1
    assert due.stage.tolist() == stages.stage[:4].tolist()
    assert due.band.tolist() == ["red", "green", "red", "red"]
    months = due.by_month
    assert months.months == ("2025-04", "2025-05", "2025-06")
    assert months.renewals.tolist() == [1, 2, 1]
    assert months.mrr.tolist() == [100.0, 200.0, 400.0]
    assert months.at_risk.tolist() == [1, 1, 1]
    assert months.mrr_at_risk.tolist() == [100.0, 0.0, 400.0]
    without = renewals(ACCOUNTS, as_of=AS_OF)
    assert without.mrr_at_risk == 0.0
    assert without.mrr_due == due.mrr_due


def test_the_stages_mrr_is_preferred_to_the_accounts() -> None:
    changes = {
        "account_id": [1, 3],
        "effective_on": [day(-30), day(-30)],
        "mrr": [150.0, 80.0],
    }
    stages = classify(ACCOUNTS, as_of=AS_OF, revenue_changes=changes)
    due = renewals(ACCOUNTS, as_of=AS_OF, stages=stages)
    assert due.mrr.tolist() == [150.0, 200.0, 80.0, 400.0]
    assert due.unknown_mrr == 0


#: Revenue changes of `ACCOUNTS`: by hand, 1 churned (its MRR fell to 0), 2 at 260 (its
#: latest change before as_of), 3 unchanged (a churn dated on as_of has not happened yet;
#: no `mrr` either: unknown), 4 back at 450 after a month at 0, 6 ended anyway; 99 is no
#: account given.
CHANGES = {
    "account_id": [1, 2, 2, 3, 4, 4, 6, 99],
    "effective_on": [day(-30), day(-60), day(-1), day(0), day(-10), day(-5), day(-20), day(-5)],
    "mrr": [0.0, 250.0, 260.0, 0.0, 0.0, 450.0, 700.0, 10.0],
}


def test_an_account_whose_mrr_fell_to_0_has_no_renewal_due() -> None:
    due = renewals(ACCOUNTS, as_of=AS_OF, revenue_changes=CHANGES)
    assert due.account_ids.tolist() == [2, 3, 4]
    np.testing.assert_array_equal(due.mrr, [260.0, math.nan, 450.0])
    assert (due.mrr_due, due.unknown_mrr) == (710.0, 1)
    assert due.by_month.mrr.tolist() == [260.0, 450.0]
    # without the revenue changes, 1 is due at the accounts' mrr
    assert renewals(ACCOUNTS, as_of=AS_OF).account_ids.tolist() == [1, 2, 3, 4]
    # a change to 0 on as_of (the one of 3) is in force from the next day on
    later = renewals(ACCOUNTS, as_of=day(1), revenue_changes=CHANGES)
    assert later.account_ids.tolist() == [2, 4]


def test_an_account_in_the_churned_stage_has_no_renewal_due() -> None:
    stages = classify(ACCOUNTS, as_of=AS_OF, revenue_changes=CHANGES)
    assert stages.stage[stages.account_ids == 1].tolist() == ["churned"]
    due = renewals(ACCOUNTS, as_of=AS_OF, stages=stages)  # the stages alone: 1 is left out
    assert due.account_ids.tolist() == [2, 3, 4]
    np.testing.assert_array_equal(due.mrr, [260.0, math.nan, 450.0])  # the stages' MRR
    assert "churned" not in due.stage.tolist()
    both = renewals(ACCOUNTS, as_of=AS_OF, stages=stages, revenue_changes=CHANGES)
    assert both.to_dict() == due.to_dict()


def test_the_mrr_in_force_is_preferred_to_the_stages_and_the_accounts() -> None:
    other = {"account_id": [2, 5], "effective_on": [day(-90)] * 2, "mrr": [999.0, 550.0]}
    stages = classify(ACCOUNTS, as_of=AS_OF, revenue_changes=other)
    assert stages.stage[:2].tolist() == ["renewal", "renewal"]
    assert stages.mrr[[1, 4]].tolist() == [999.0, 550.0]
    due = renewals(ACCOUNTS, as_of=AS_OF, within_days=365, stages=stages, revenue_changes=CHANGES)
    assert due.account_ids.tolist() == [2, 3, 4, 5]  # 1 churned by its revenue, not its stage
    # 2 and 4: the MRR in force by `revenue_changes`; 5: the stages' (no change set it),
    # not the accounts' 500; 3: unknown everywhere
    np.testing.assert_array_equal(due.mrr, [260.0, math.nan, 450.0, 550.0])
    alone = renewals(ACCOUNTS, as_of=AS_OF, within_days=365, revenue_changes=CHANGES)
    np.testing.assert_array_equal(alone.mrr, [260.0, math.nan, 450.0, 500.0])


def test_bad_revenue_changes_are_named() -> None:
    bad = {**CHANGES, "mrr": [0.0, 250.0, 260.0, 0.0, 0.0, "lots", 700.0, 10.0]}
    with pytest.raises(InvalidInputError, match="mrr"):
        renewals(ACCOUNTS, as_of=AS_OF, revenue_changes=bad)
    with pytest.raises(InvalidInputError, match="effective_on"):
        renewals(ACCOUNTS, as_of=AS_OF, revenue_changes={"account_id": [1], "mrr": [1.0]})


def test_a_band_is_none_where_the_account_is_not_scored() -> None:
    health = health_of([2, 4, 9], [55.0, math.nan, 80.0])
    due = renewals(ACCOUNTS, as_of=AS_OF, health=health)
    assert due.band.tolist() == [None, "yellow", None, None]


def test_stage_assignments_missing_an_account_leave_its_stage_unknown() -> None:
    stages = classify({k: v[:2] for k, v in ACCOUNTS.items()}, as_of=AS_OF)
    due = renewals(ACCOUNTS, as_of=AS_OF, stages=stages)
    assert due.stage.tolist() == ["renewal", "renewal", None, None]
    assert due.mrr.tolist()[:2] == [100.0, 200.0]
    assert math.isnan(due.mrr[2])
    assert due.mrr[3] == 400.0  # the accounts' mrr where the stages lack the account


@pytest.mark.parametrize(
    "taken",
    [
        AS_OF,
        datetime(2025, 4, 9, 23, 59, tzinfo=timezone.utc),
        "2025-04-10T00:00:00Z",
    ],
)
def test_health_taken_by_as_of_is_read(taken: object) -> None:
    due = renewals(ACCOUNTS, as_of=AS_OF, health=health_of([1], [50.0], taken))
    assert due.band.tolist()[0] == "yellow"


@pytest.mark.parametrize(
    "taken", [day(1), datetime(2025, 4, 10, 12, tzinfo=timezone.utc), "2025-04-10T00:00:01Z"]
)
def test_health_taken_after_as_of_is_refused(taken: object) -> None:
    with pytest.raises(InvalidInputError, match=r"`health` was taken at .* after as_of"):
        renewals(ACCOUNTS, as_of=AS_OF, health=health_of([1], [50.0], taken))


def test_stages_of_another_day_are_refused() -> None:
    for other in (day(-1), day(1)):
        stages = classify(ACCOUNTS, as_of=other)
        with pytest.raises(InvalidInputError, match=f"`stages` are of {other}, not of as_of"):
            renewals(ACCOUNTS, as_of=AS_OF, stages=stages)
    same = classify(ACCOUNTS, as_of=datetime(2025, 4, 10, 15, tzinfo=timezone.utc))
    assert len(renewals(ACCOUNTS, as_of=AS_OF, stages=same)) == 4  # the same UTC day


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"within_days": -1}, "`within_days` must be a whole number >= 0"),
        ({"within_days": 30.0}, "`within_days` must be a whole number"),
        ({"within_days": True}, "`within_days` must be a whole number"),
        ({"stages": "renewal"}, "`stages` must be StageAssignments"),
        ({"health": {"a": 1}}, "`health` must be scoring.HealthScores"),
        ({"as_of": datetime(2025, 4, 10)}, "`as_of` is a naive datetime"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    call: dict[str, Any] = {"as_of": AS_OF, **kwargs}
    with pytest.raises(InvalidInputError, match=message):
        renewals(ACCOUNTS, **call)


def test_bad_accounts_are_named() -> None:
    with pytest.raises(InvalidInputError, match="renewal_date"):
        renewals({"id": [1], "start_date": [day(-5)]}, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="listed twice"):
        renewals({**ACCOUNTS, "id": [1, 1, 2, 3, 4, 5]}, as_of=AS_OF)


# --- the pandas reference ---------------------------------------------------------------------


@st.composite
def books(draw: st.DrawFn) -> tuple[dict[str, list[Any]], date, int, bool]:
    n = draw(st.integers(0, 15))
    accounts: dict[str, list[Any]] = {
        k: [] for k in ("id", "start_date", "end_date", "renewal_date", "mrr")
    }
    base = date(2025, 1, 1)
    for i in range(n):
        start = base + timedelta(draw(st.integers(-200, 100)))
        length = draw(st.none() | st.integers(1, 300))
        renewal = draw(st.none() | st.integers(0, 400))
        accounts["id"].append(f"a{i}")
        accounts["start_date"].append(start)
        accounts["end_date"].append(None if length is None else start + timedelta(length))
        accounts["renewal_date"].append(None if renewal is None else start + timedelta(renewal))
        accounts["mrr"].append(draw(st.none() | st.sampled_from([0.0, 12.5, 100.0, 999.0])))
    as_of = base + timedelta(draw(st.integers(-50, 150)))
    return accounts, as_of, draw(st.integers(0, 200)), draw(st.booleans())


@given(books())
def test_matches_a_pandas_reference(drawn: tuple[dict[str, list[Any]], date, int, bool]) -> None:
    accounts, as_of, within, with_stages = drawn
    stages = None
    frame = pd.DataFrame(accounts, columns=list(accounts))
    frame["at_risk"] = False
    frame["stage"] = None
    if with_stages:
        ids = accounts["id"]
        scores = [float(5 + 11 * i % 100) for i in range(len(ids))]
        health = health_of(ids, scores, as_of) if ids else None
        stages = classify(accounts, as_of=as_of, health=health)
        flags = dict(zip(stages.account_ids.tolist(), stages.flags["at_risk"].tolist()))
        named = dict(zip(stages.account_ids.tolist(), stages.stage.tolist()))
        frame["at_risk"] = [flags.get(a, False) for a in ids]
        frame["stage"] = [named.get(a) for a in ids]
    due = renewals(accounts, as_of=as_of, within_days=within, stages=stages)
    # the reference, in pandas
    start = pd.to_datetime(frame["start_date"])
    end = pd.to_datetime(frame["end_date"])
    renewal = pd.to_datetime(frame["renewal_date"])
    now = pd.Timestamp(as_of)
    customer = (start < now) & ~(end <= now)
    ahead = (renewal - now).dt.days
    window = frame[customer & renewal.notna() & (ahead >= 0) & (ahead <= within)].copy()
    window["renewal"] = renewal[window.index]
    window = window.sort_values("renewal", kind="stable")
    assert due.account_ids.tolist() == window["id"].tolist()
    assert due.days_to_renewal.tolist() == ahead[window.index].astype(int).tolist()
    assert due.at_risk.tolist() == window["at_risk"].tolist()
    assert due.stage.tolist() == window["stage"].tolist()
    mrr = window["mrr"].astype(float)
    np.testing.assert_array_equal(due.mrr, mrr.to_numpy())
    assert due.mrr_due == pytest.approx(mrr.fillna(0).sum(), abs=TOL)
    assert due.mrr_at_risk == pytest.approx(mrr[window["at_risk"]].fillna(0).sum(), abs=TOL)
    assert due.unknown_mrr == int(mrr.isna().sum())
    window["month"] = window["renewal"].dt.strftime("%Y-%m")
    window["mrr0"] = mrr.fillna(0)
    window["risk_mrr"] = np.where(window["at_risk"], window["mrr0"], 0.0)
    grouped = window.groupby("month", sort=True).agg(
        renewals=("id", "size"),
        mrr=("mrr0", "sum"),
        at_risk=("at_risk", "sum"),
        mrr_at_risk=("risk_mrr", "sum"),
    )
    months = due.by_month
    assert months.months == tuple(grouped.index)
    assert months.renewals.tolist() == grouped["renewals"].tolist()
    assert months.mrr.tolist() == pytest.approx(grouped["mrr"].tolist(), abs=TOL)
    assert months.at_risk.tolist() == grouped["at_risk"].astype(int).tolist()
    assert months.mrr_at_risk.tolist() == pytest.approx(grouped["mrr_at_risk"].tolist(), abs=TOL)
    assert months.renewals.sum() == len(due)
    assert months.mrr.sum() == pytest.approx(due.mrr_due, abs=TOL)


# --- the plain reference with revenue changes ------------------------------------------------


Changes = dict[str, list[Any]]


@st.composite
def changes_of(draw: st.DrawFn, ids: list[Any], as_of: date) -> Changes:
    """Up to three changes per account (and of one account not given), around ``as_of``."""
    out: Changes = {"account_id": [], "effective_on": [], "mrr": []}
    for account in [*ids, "not given"]:
        for offset in draw(st.lists(st.integers(-120, 60), max_size=3, unique=True)):
            out["account_id"].append(account)
            out["effective_on"].append(as_of + timedelta(offset))
            out["mrr"].append(draw(st.sampled_from([0.0, 40.0, 250.0])))
    return out


@st.composite
def churns_of(draw: st.DrawFn, ids: list[Any], as_of: date) -> Changes:
    """A change to 0 shortly before ``as_of`` for some accounts (the rest unchanged)."""
    churned = [account for account in ids if draw(st.booleans())]
    return {
        "account_id": churned,
        "effective_on": [as_of - timedelta(draw(st.integers(1, 30))) for _ in churned],
        "mrr": [0.0] * len(churned),
    }


def levels_before(changes: Changes, as_of: date) -> dict[Any, float]:
    """Each account's MRR set by its latest change before ``as_of``."""
    latest: dict[Any, tuple[date, float]] = {}
    for account, on, level in zip(changes["account_id"], changes["effective_on"], changes["mrr"]):
        if on < as_of and (account not in latest or latest[account][0] < on):
            latest[account] = (on, level)
    return {account: level for account, (_, level) in latest.items()}


def plain_renewals(
    accounts: dict[str, list[Any]],
    changes: Changes | None,
    stages: Any,
    as_of: date,
    within: int,
) -> list[tuple[Any, float, Any]]:
    """The due renewals (account, MRR, stage), account by account, by due day."""
    levels = {} if changes is None else levels_before(changes, as_of)
    stage_of: dict[Any, Any] = {}
    stage_mrr: dict[Any, float] = {}
    if stages is not None:
        stage_of = dict(zip(stages.account_ids.tolist(), stages.stage.tolist()))
        stage_mrr = dict(zip(stages.account_ids.tolist(), stages.mrr.tolist()))
    due = []
    for i, account in enumerate(accounts["id"]):
        start, end = accounts["start_date"][i], accounts["end_date"][i]
        renewal, mrr = accounts["renewal_date"][i], accounts["mrr"][i]
        if start >= as_of or (end is not None and end <= as_of):
            continue  # not a customer by its dates
        if levels.get(account) == 0.0:
            continue  # its MRR fell to 0 before as_of: churned
        if renewal is None or not 0 <= (renewal - as_of).days <= within:
            continue
        if stage_of.get(account) == "churned":
            continue
        if account in levels:
            value = levels[account]
        elif not math.isnan(stage_mrr.get(account, math.nan)):
            value = stage_mrr[account]
        else:
            value = math.nan if mrr is None else mrr
        due.append((renewal, i, account, value, stage_of.get(account)))
    due.sort(key=lambda row: (row[0], row[1]))
    return [(account, value, stage) for _, _, account, value, stage in due]


@st.composite
def renewing_books(draw: st.DrawFn) -> tuple[dict[str, list[Any]], date, int, bool]:
    """Accounts most of which renew around the window (so that many are due)."""
    as_of = date(2025, 1, 1) + timedelta(draw(st.integers(0, 365)))
    within = draw(st.integers(0, 120))
    accounts: dict[str, list[Any]] = {
        k: [] for k in ("id", "start_date", "end_date", "renewal_date", "mrr")
    }
    for i in range(draw(st.integers(0, 12))):
        start = as_of + timedelta(draw(st.integers(-400, 1)))
        length = draw(st.none() | st.integers(1, 500))
        renewal = draw(st.none() | st.integers(-2, within + 2))
        accounts["id"].append(f"a{i}")
        accounts["start_date"].append(start)
        accounts["end_date"].append(None if length is None else start + timedelta(length))
        accounts["renewal_date"].append(
            None if renewal is None else max(start, as_of + timedelta(renewal))
        )
        accounts["mrr"].append(draw(st.none() | st.sampled_from([0.0, 12.5, 100.0])))
    return accounts, as_of, within, draw(st.booleans())


@settings(max_examples=60)  # enough draws with a churned stage, a churn and a comeback
@given(renewing_books(), st.data())
def test_matches_a_plain_reference_with_revenue_changes(
    drawn: tuple[dict[str, list[Any]], date, int, bool], data: st.DataObject
) -> None:
    accounts, as_of, within, with_stages = drawn
    changes = data.draw(changes_of(accounts["id"], as_of))
    given_changes = data.draw(st.booleans())
    stages = None
    if with_stages:  # classified with the changes, without, or with churns of their own
        stage_changes = data.draw(
            st.sampled_from([None, changes]) | churns_of(accounts["id"], as_of)
        )
        stages = classify(accounts, as_of=as_of, revenue_changes=stage_changes)
    due = renewals(
        accounts,
        as_of=as_of,
        within_days=within,
        stages=stages,
        revenue_changes=changes if given_changes else None,
    )
    expected = plain_renewals(accounts, changes if given_changes else None, stages, as_of, within)
    assert due.account_ids.tolist() == [account for account, _, _ in expected]
    np.testing.assert_array_equal(due.mrr, [value for _, value, _ in expected])
    assert due.stage.tolist() == [stage for _, _, stage in expected]
    known_mrr = [value for _, value, _ in expected if not math.isnan(value)]
    assert due.mrr_due == pytest.approx(sum(known_mrr), abs=TOL)
    assert due.unknown_mrr == len(expected) - len(known_mrr)


# --- the result --------------------------------------------------------------------------------


def test_to_pandas_to_dict_and_text() -> None:
    health = health_of([1, 2, 3, 4, 5], [10.0, 90.0, 20.0, 30.0, 5.0])
    stages = classify(ACCOUNTS, as_of=AS_OF, health=health)
    due = renewals(ACCOUNTS, as_of=AS_OF, stages=stages, health=health)
    assert isinstance(due, Renewals)
    assert isinstance(due.by_month, RenewalMonths)
    frame = due.to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "renewal_date",
        "days_to_renewal",
        "mrr",
        "band",
        "stage",
        "at_risk",
    ]
    assert frame["account_id"].tolist() == [1, 2, 3, 4]
    assert len(due.by_month.to_pandas()) == 3
    data = json.loads(json.dumps(due.to_dict(), allow_nan=False))
    assert data["mrr"] == [100.0, 200.0, None, 400.0]
    assert data["renewal_date"][0] == "2025-04-15"
    assert data["by_month"]["months"] == ["2025-04", "2025-05", "2025-06"]
    assert data["mrr_at_risk"] == 500.0
    assert repr(due) == "Renewals(4 due in 120 days from 2025-04-10: MRR 700, at risk 500)"
    assert repr(due.by_month) == "RenewalMonths(3 months)"
    assert due.row(3) == 2


def test_no_renewals_give_empty_totals() -> None:
    due = renewals({"id": [], "start_date": [], "renewal_date": []}, as_of=AS_OF)
    assert len(due) == 0
    assert (due.mrr_due, due.mrr_at_risk, due.unknown_mrr) == (0.0, 0.0, 0)
    assert due.by_month.months == ()
    assert json.dumps(due.to_dict(), allow_nan=False)
