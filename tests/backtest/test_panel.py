"""`backtest.panel` and `Panel`: point-in-time observations, outcomes and censoring.

References:

* a plain-Python walker (`reference`): for each date and each account, it asks "is the
  account a customer on day t?" from the raw records (the end date, the last revenue change
  effective on or before t) and walks the days after the date one by one until the account
  stops being one; compared row by row with `panel` on Hypothesis-generated accounts,
  revenue changes (with reactivations and changes of unknown accounts), scores (with
  unscored and unknown accounts), dates in any order, horizons, leads and data ends;
* a boundary table, one hand-built account per edge: an end on the date, on ``date +
  lead``, one day later, on ``date + lead + horizon`` and one day later; a start on the
  date; an MRR of 0 effective on the date and on the window's edges; the censoring edge
  (the window's last day on ``until`` and one day after it);
* the no-leak property: changing the data after a date's window (end dates, revenue
  changes, the scores of later dates) leaves that date's rows as they were;
* every refusal: look-ahead scores, a mapping lacking a date, a date given twice,
  ``horizon_days`` below 1, ``lead_days`` below 0, naive datetimes, scores listing an
  account twice or with other band labels.
"""

from __future__ import annotations

import json
import math
import pickle
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cshealth import Account, InvalidInputError, scoring
from cshealth.backtest._panel import panel
from cshealth.backtest._panel_result import Panel

D = date(2025, 1, 1)
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
OTHER = scoring.Scorecard.model_validate(
    {
        "name": "y",
        "root": {
            "name": "top",
            "children": [
                {
                    "name": "y",
                    "column": "y",
                    "transform": {"kind": "linear", "worst": 0, "best": 100},
                }
            ],
        },
    }
)


def day(offset: int, base: date = D) -> date:
    return base + timedelta(days=offset)


def scores_of(ids: list[Any], values: list[float | None], taken: object = None) -> Any:
    return scoring.score(CARD, {"account_id": ids, "x": values}, as_of=taken)


# --- the plain-Python reference ---------------------------------------------------------------


def reference(
    *,
    accounts: list[dict[str, Any]],
    changes: list[tuple[str, date, float]],
    scores: dict[date, dict[str, float]],
    dates: list[date],
    horizon: int,
    lead: int,
    until: date | None,
) -> tuple[list[tuple[Any, ...]], dict[date, int], dict[date, int]]:
    """Rows ``(id, date, score, churned, mrr)``, censored and churned in the lead, walking days."""
    ids = {a["id"] for a in accounts}
    mine = [c for c in changes if c[0] in ids]
    if until is None:
        seen = [a["start_date"] for a in accounts]
        seen += [a["end_date"] for a in accounts if a["end_date"] is not None]
        seen += [c[1] for c in mine]
        until = max(seen) if seen else None
    rows: list[tuple[Any, ...]] = []
    censored = dict.fromkeys(sorted(dates), 0)
    in_lead = dict.fromkeys(sorted(dates), 0)
    for d in sorted(dates):
        for a in accounts:
            end = a["end_date"]
            if until is None or (end is not None and end > until):
                end = None
            own = sorted((c[1], c[2]) for c in mine if c[0] == a["id"] and c[1] <= until)

            def level(t: date, own: list[tuple[date, float]] = own) -> float | None:
                found = [m for on, m in own if on <= t]
                return found[-1] if found else None

            def customer(t: date, end: date | None = end, level: Any = level) -> bool:
                held = level(t)
                return (end is None or t < end) and (held is None or held > 0)

            if until is None or not (a["start_date"] < d and a["start_date"] <= until):
                continue
            if not customer(d):
                continue
            exit_day = None
            t = d + timedelta(days=1)
            while t <= until:
                if not customer(t):
                    exit_day = t
                    break
                t += timedelta(days=1)
            if exit_day is not None and exit_day <= d + timedelta(days=lead):
                in_lead[d] += 1
                continue
            window_end = d + timedelta(days=lead + horizon)
            if window_end > until:
                censored[d] += 1
                continue
            churned = exit_day is not None and exit_day <= window_end
            held = level(d)
            mrr = held if held is not None else a["mrr"]
            score = scores[d].get(a["id"], math.nan)
            rows.append((a["id"], d, score, churned, math.nan if mrr is None else mrr))
    return rows, censored, in_lead


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    base = date(2024, 1, 1)
    n = draw(st.integers(0, 6))
    accounts = []
    for i in range(n):
        start = draw(st.integers(0, 250))
        end = draw(st.none() | st.integers(start, start + 250))
        mrr = draw(st.none() | st.sampled_from([10.0, 99.5]))
        accounts.append(
            {
                "id": f"a{i}",
                "start_date": day(start, base),
                "end_date": None if end is None else day(end, base),
                "mrr": mrr,
            }
        )
    with_changes = draw(st.booleans())
    changes: list[tuple[str, date, float]] = []
    if with_changes:
        for owner in [f"a{i}" for i in range(n)] + ["zz"]:
            offsets = draw(st.sets(st.integers(0, 450), max_size=3))
            levels = st.sampled_from([0.0, 50.0, 80.0])
            changes.extend((owner, day(o, base), draw(levels)) for o in sorted(offsets))
    dates = [day(o, base) for o in draw(st.sets(st.integers(0, 450), min_size=1, max_size=4))]
    scores = {}
    for d in dates:
        chosen = {}
        for owner in [f"a{i}" for i in range(n)] + ["zz"]:
            if draw(st.booleans()):
                chosen[owner] = draw(st.sampled_from([5.0, 40.0, 55.5, 90.0]))
        scores[d] = chosen
    return {
        "accounts": accounts,
        "changes": changes if with_changes else None,
        "dates": draw(st.permutations(dates)),
        "scores": scores,
        "horizon": draw(st.integers(1, 120)),
        "lead": draw(st.integers(0, 60)),
        "until": draw(st.none() | st.integers(100, 600).map(lambda o: day(o, base))),
    }


def run(world: dict[str, Any], **changed: Any) -> Panel:
    w = {**world, **changed}
    accounts = w["accounts"]
    columns = {
        "id": [a["id"] for a in accounts],
        "start_date": [a["start_date"] for a in accounts],
        "end_date": [a["end_date"] for a in accounts],
        "mrr": [a["mrr"] for a in accounts],
    }
    changes = None
    if w["changes"] is not None:
        changes = {
            "account_id": [c[0] for c in w["changes"]],
            "effective_on": [c[1] for c in w["changes"]],
            "mrr": [c[2] for c in w["changes"]],
        }
    by_date = {d: scores_of(list(s), list(s.values()), taken=d) for d, s in w["scores"].items()}
    return panel(
        columns,
        by_date,
        dates=w["dates"],
        horizon_days=w["horizon"],
        lead_days=w["lead"],
        revenue_changes=changes,
        until=w["until"],
    )


def rows_of(p: Panel) -> list[tuple[Any, ...]]:
    return [
        (i, d, s, c, m)
        for i, d, s, c, m in zip(
            p.account_ids.tolist(),
            p.as_of.astype(object).tolist(),
            p.score.tolist(),
            p.churned.tolist(),
            p.mrr.tolist(),
        )
    ]


def same_rows(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        # scores go through a linear transform: equal to 1e-9
        return tuple(
            ("nan" if math.isnan(x) else round(x, 9)) if isinstance(x, float) else x for x in row
        )

    return [key(r) for r in a] == [key(r) for r in b]


@settings(max_examples=150)
@given(worlds())
def test_panel_equals_the_day_walking_reference(world: dict[str, Any]) -> None:
    p = run(world)
    rows, censored, in_lead = reference(
        accounts=world["accounts"],
        changes=world["changes"] or [],
        scores=world["scores"],
        dates=world["dates"],
        horizon=world["horizon"],
        lead=world["lead"],
        until=world["until"],
    )
    assert same_rows(rows_of(p), rows)
    assert dict(p.censored) == censored
    assert dict(p.churned_in_lead) == in_lead
    assert p.dates == tuple(sorted(world["dates"]))
    unknown = sum("zz" in s for s in world["scores"].values())
    assert p.ignored["scores"] == unknown
    changes = world["changes"] or []
    assert p.ignored["revenue_changes"] == sum(c[0] == "zz" for c in changes)
    # the band of each row is the band of its score, None when not scored
    expected = [
        None if math.isnan(s) else "red" if s < 40 else "yellow" if s < 70 else "green"
        for s in p.score.tolist()
    ]
    assert p.band.tolist() == expected
    assert p.bands == ("red", "yellow", "green")


@settings(max_examples=60)
@given(worlds(), st.data())
def test_no_information_after_a_dates_window_changes_its_rows(
    world: dict[str, Any], data: st.DataObject
) -> None:
    until = world["until"] or date(2025, 8, 1)
    world = {**world, "until": until}
    d = min(world["dates"])
    window_end = d + timedelta(days=world["lead"] + world["horizon"])
    shift = data.draw(st.integers(1, 40))
    accounts = [
        {**a, "end_date": a["end_date"] + timedelta(days=shift)}
        if a["end_date"] is not None and a["end_date"] > window_end
        else a
        for a in world["accounts"]
    ]
    changes = None
    if world["changes"] is not None:
        changes = [
            (o, on + timedelta(days=shift), 80.0 - m) if on > window_end else (o, on, m)
            for o, on, m in world["changes"]
        ]
        changes.append(("a0", window_end + timedelta(days=500), 0.0))
    scores = {
        when: ({k: 100.0 - v for k, v in s.items()} if when > d else s)
        for when, s in world["scores"].items()
    }
    before = run(world)
    after = run(world, accounts=accounts, changes=changes, scores=scores)

    def of_d(p: Panel) -> list[tuple[Any, ...]]:
        return [r for r in rows_of(p) if r[1] == d]

    assert same_rows(of_d(before), of_d(after))
    assert before.censored[d] == after.censored[d]
    assert before.churned_in_lead[d] == after.churned_in_lead[d]


# --- the boundary table -----------------------------------------------------------------------

LEAD, HORIZON = 5, 30
W = LEAD + HORIZON  # the window's last day, after D


@pytest.mark.parametrize(
    ("start", "end", "zero_on", "until", "lead", "expected"),
    [
        # (start, end, MRR 0 effective, until: offsets from D; lead) -> outcome
        (-1, None, None, 100, LEAD, "renewed"),
        (0, None, None, 100, LEAD, "absent"),  # starts on the date: not a customer yet
        (-1, 0, None, 100, LEAD, "absent"),  # ends on the date: no longer a customer
        (-1, 1, None, 100, 0, "churned"),  # the first day of a window without lead
        (-1, 1, None, 100, LEAD, "lead"),
        (-1, LEAD, None, 100, LEAD, "lead"),  # the last day of the lead
        (-1, LEAD + 1, None, 100, LEAD, "churned"),  # the window's first day
        (-1, W, None, 100, LEAD, "churned"),  # the window's last day
        (-1, W + 1, None, 100, LEAD, "renewed"),  # one day after the window
        (-1, None, 0, 100, LEAD, "absent"),  # MRR 0 in force on the date
        (-1, None, -1, 100, LEAD, "absent"),
        (-1, None, 1, 100, 0, "churned"),
        (-1, None, LEAD, 100, LEAD, "lead"),
        (-1, None, LEAD + 1, 100, LEAD, "churned"),
        (-1, None, W, 100, LEAD, "churned"),
        (-1, None, W + 1, 100, LEAD, "renewed"),
        (-1, None, None, W, LEAD, "renewed"),  # the window ends on the data's end: observed
        (-1, None, None, W - 1, LEAD, "censored"),  # ... one day after it: censored
        (-1, LEAD + 3, None, W - 1, LEAD, "censored"),  # seen to churn, window not over
        (-1, W, None, W - 1, LEAD, "censored"),  # an end after the data's end is unknown
        (-1, LEAD, None, LEAD, LEAD, "lead"),  # a churn in the lead is known by then
        (-1, None, W, W, LEAD, "churned"),  # a change on the data's last day is read
        (-1, None, W, W - 1, LEAD, "censored"),  # ... one after it is not
        (-1, None, None, -1, 0, "censored"),  # a date after the data's end
        (-1, W, W - 2, 100, LEAD, "churned"),  # the earlier of end and MRR 0
    ],
)
def test_boundaries(
    *, start: int, end: int | None, zero_on: int | None, until: int, lead: int, expected: str
) -> None:
    accounts = {
        "id": ["x"],
        "start_date": [day(start - 300 if start < 0 else start)],
        "end_date": [None if end is None else day(end)],
    }
    changes = None
    if zero_on is not None:
        changes = {
            "account_id": ["x", "x"],
            "effective_on": [day(-400), day(zero_on)],
            "mrr": [100.0, 0.0],
        }
    if start >= 0:
        accounts["start_date"] = [day(start)]
    p = panel(
        accounts,
        {D: scores_of(["x"], [50.0], taken=D)},
        dates=[D],
        horizon_days=HORIZON,
        lead_days=lead,
        revenue_changes=changes,
        until=day(until),
    )
    got = "absent"
    if p.n:
        got = "churned" if p.churned[0] else "renewed"
    elif p.censored[D]:
        got = "censored"
    elif p.churned_in_lead[D]:
        got = "lead"
    assert got == expected
    assert p.n + p.censored[D] + p.churned_in_lead[D] <= 1


def test_mrr_is_the_level_in_force_on_the_date_else_the_accounts_mrr() -> None:
    accounts = {
        "id": ["a", "b", "c"],
        "start_date": [day(-100)] * 3,
        "end_date": [None] * 3,
        "mrr": [1.0, 2.0, None],
    }
    changes = {
        "account_id": ["a", "a", "b"],
        "effective_on": [day(-50), day(0), day(1)],
        "mrr": [10.0, 20.0, 30.0],
    }
    p = panel(
        accounts,
        {D: scores_of(["a"], [50.0], taken=D)},
        dates=[D],
        revenue_changes=changes,
        until=day(200),
    )
    # a: the change effective on the date is in force; b: its first change is later, so
    # the accounts' mrr; c: neither
    assert p.mrr.tolist()[:2] == [20.0, 2.0]
    assert math.isnan(p.mrr[2])


def test_a_reactivated_account_is_a_customer_again_and_churn_is_its_first_exit() -> None:
    accounts = {"id": ["r"], "start_date": [day(-300)], "end_date": [None]}
    changes = {
        "account_id": ["r"] * 3,
        "effective_on": [day(-300), day(-100), day(-50)],
        "mrr": [100.0, 0.0, 60.0],
    }
    p = panel(
        accounts,
        {day(-120): scores_of([], []), D: scores_of([], [])},
        dates=[day(-120), D],
        horizon_days=30,
        revenue_changes=changes,
        until=day(100),
    )
    assert rows_of(p) == [
        ("r", day(-120), math.nan, True, 100.0),
        ("r", D, math.nan, False, 60.0),
    ] or same_rows(
        rows_of(p), [("r", day(-120), math.nan, True, 100.0), ("r", D, math.nan, False, 60.0)]
    )


def test_until_defaults_to_the_latest_day_of_the_data() -> None:
    accounts = {"id": ["a", "b"], "start_date": [day(-10), day(-5)], "end_date": [day(20), None]}
    changes = {"account_id": ["b"], "effective_on": [day(31)], "mrr": [5.0]}
    kwargs: dict[str, Any] = {"dates": [D], "horizon_days": 31, "revenue_changes": changes}
    p = panel(accounts, {D: scores_of([], [])}, **kwargs)
    assert p.until == day(31)
    assert p.n == 2  # the window ends on day 31: observed
    q = panel(accounts, {D: scores_of([], [])}, **{**kwargs, "horizon_days": 32})
    assert q.n == 0
    assert q.censored[D] == 2
    r = panel(accounts, {D: scores_of([], [])}, **{**kwargs, "revenue_changes": None})
    assert r.until == day(20)


# --- scores ------------------------------------------------------------------------------------


def test_accounts_without_a_score_keep_their_row_with_nan() -> None:
    accounts = {"id": [1, 2, 3], "start_date": [day(-9)] * 3, "end_date": [None] * 3}
    p = panel(
        accounts, {D: scores_of([3, 1, 99], [80.0, None, 10.0], taken=D)}, dates=[D], until=day(90)
    )
    assert p.account_ids.tolist() == [1, 2, 3]
    assert same_rows([(s,) for s in p.score.tolist()], [(math.nan,), (math.nan,), (80.0,)])
    assert p.band.tolist() == [None, None, "green"]
    assert p.ignored == {"scores": 1, "revenue_changes": 0}
    assert p.counts()[D]["unscored"] == 2


def test_a_function_of_the_date_is_called_once_per_date_in_date_order() -> None:
    calls: list[date] = []

    def scores_on(when: date) -> Any:
        calls.append(when)
        return scores_of(["a"], [50.0], taken=when)

    accounts = {"id": ["a"], "start_date": [day(-400)], "end_date": [None]}
    dates = [day(60), D, "2025-01-31"]
    p = panel(accounts, scores_on, dates=dates, until=day(500))
    assert calls == [D, day(30), day(60)]
    assert all(type(c) is date for c in calls)
    assert p.dates == (D, day(30), day(60))


def test_a_mapping_may_hold_more_dates_and_keys_in_any_form() -> None:
    accounts = {"id": ["a"], "start_date": [day(-400)], "end_date": [None]}
    by = {
        "2025-01-01": scores_of(["a"], [10.0], taken=D),
        datetime(2025, 2, 1, tzinfo=timezone.utc): scores_of(["a"], [20.0], taken=day(31)),
        day(90): scores_of(["a"], [30.0], taken=day(90)),
    }
    p = panel(accounts, by, dates=[D, day(31)], until=day(500))
    assert p.score.tolist() == [10.0, 20.0]


def test_scores_taken_at_the_start_of_the_date_pass_and_later_is_a_look_ahead() -> None:
    accounts = {"id": ["a"], "start_date": [day(-400)], "end_date": [None]}
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    ok = panel(accounts, {D: scores_of(["a"], [1.0], taken=start)}, dates=[D], until=day(99))
    assert ok.n == 1
    with pytest.raises(InvalidInputError, match=r"scores of 2025-01-01 were taken at .*look-ahead"):
        panel(
            accounts,
            {D: scores_of(["a"], [1.0], taken=start + timedelta(microseconds=1))},
            dates=[D],
        )
    with pytest.raises(InvalidInputError, match="look-ahead"):
        panel(accounts, lambda when: scores_of(["a"], [1.0], taken=day(1, when)), dates=[D])
    # scores that do not say when they were taken cannot be checked: accepted
    assert panel(accounts, {D: scores_of(["a"], [1.0])}, dates=[D], until=day(99)).n == 1


def test_band_labels_come_worst_first_and_must_be_shared() -> None:
    bands = [
        {"label": "D", "min": 0, "max": 25},
        {"label": "C", "min": 25, "max": 50},
        {"label": "B", "min": 50, "max": 75},
        {"label": "A", "min": 75, "max": 100},
    ]
    graded = CARD.model_copy(update={"bands": tuple(scoring.Band(**b) for b in bands)})
    accounts = {"id": ["a"], "start_date": [day(-400)], "end_date": [None]}
    p = panel(
        accounts,
        {D: scoring.score(graded, {"account_id": ["a"], "x": [60.0]})},
        dates=[D],
        until=day(99),
    )
    assert p.bands == ("D", "C", "B", "A")
    assert p.band.tolist() == ["B"]
    mixed = {
        D: scoring.score(graded, {"account_id": ["a"], "x": [60.0]}),
        day(1): scores_of([], []),
    }
    with pytest.raises(InvalidInputError, match="must share their band labels"):
        panel(accounts, mixed, dates=[D, day(1)])


def test_node_scores_per_row_and_the_config_hash() -> None:
    accounts = {"id": ["a", "b"], "start_date": [day(-400)] * 2, "end_date": [None] * 2}
    one = {
        D: scores_of(["a"], [30.0]),
        day(10): scores_of(["b", "a"], [60.0, 70.0]),
    }
    p = panel(accounts, one, dates=[D, day(10)], until=day(300))
    assert p.config_hash == CARD.config_hash
    assert list(p.node_scores) == ["x", "all"]
    assert same_rows(
        [(v,) for v in p.node_scores["x"].tolist()], [(30.0,), (math.nan,), (70.0,), (60.0,)]
    )
    two = {**one, day(10): scoring.score(OTHER, {"account_id": ["b"], "y": [40.0]})}
    q = panel(accounts, two, dates=[D, day(10)], until=day(300))
    assert q.config_hash is None
    assert list(q.node_scores) == ["x", "all", "y", "top"]
    assert same_rows(
        [(v,) for v in q.node_scores["y"].tolist()],
        [(math.nan,), (math.nan,), (math.nan,), (40.0,)],
    )
    assert q.for_dates([day(10)]).config_hash == OTHER.config_hash
    assert q.for_dates([D, day(10)]).config_hash is None


# --- errors ------------------------------------------------------------------------------------

ACCOUNTS = {"id": ["a"], "start_date": [day(-400)], "end_date": [None]}
SCORES = {D: scores_of(["a"], [50.0])}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"horizon_days": 0}, "`horizon_days` must be a whole number from 1"),
        ({"horizon_days": -5}, "`horizon_days`"),
        ({"horizon_days": 1.5}, "`horizon_days`"),
        ({"horizon_days": True}, "`horizon_days`"),
        ({"lead_days": -1}, "`lead_days` must be a whole number from 0"),
        ({"dates": [D, "2025-01-01"]}, "`dates` gives 2025-01-01 more than once"),
        ({"dates": []}, "`dates` is empty"),
        ({"dates": D}, "got one day"),
        ({"dates": [datetime(2025, 1, 1, 9)]}, "`dates` is a naive datetime"),
        ({"until": datetime(2025, 6, 1)}, "`until` is a naive datetime"),
        ({"dates": [D, day(1)]}, r"`scores` has no scores of 2025-01-02"),
    ],
)
def test_refusals(kwargs: dict[str, Any], match: str) -> None:
    arguments: dict[str, Any] = {"dates": [D], **kwargs}
    with pytest.raises(InvalidInputError, match=match):
        panel(ACCOUNTS, SCORES, **arguments)


def test_aware_datetimes_are_taken_at_their_utc_day() -> None:
    late = datetime(2025, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 2 Jan UTC
    p = panel(
        ACCOUNTS,
        {day(1): scores_of(["a"], [50.0])},
        dates=[late],
        until=datetime(2025, 6, 1, 3, tzinfo=timezone.utc),
    )
    assert p.dates == (day(1),)
    assert p.until == date(2025, 6, 1)


def test_refused_scores_and_data() -> None:
    with pytest.raises(InvalidInputError, match="must be a mapping from date to HealthScores"):
        panel(ACCOUNTS, scores_of(["a"], [1.0]), dates=[D])
    with pytest.raises(InvalidInputError, match=r"must be scoring\.HealthScores, got dict"):
        panel(ACCOUNTS, {D: {"a": 1.0}}, dates=[D])
    with pytest.raises(InvalidInputError, match="gives 2025-01-01 twice"):
        panel(ACCOUNTS, {D: SCORES[D], "2025-01-01": SCORES[D]}, dates=[D])
    twice = scoring.HealthScores(
        **{
            **{f: getattr(SCORES[D], f) for f in SCORES[D].__dataclass_fields__ if f != "_parts"},
            "account_ids": np.array(["a", "a"], dtype=object),
            "score": np.array([1.0, 2.0]),
            "band": np.array(["red", "red"], dtype=object),
            "coverage": np.ones(2),
            "scorecard": np.array(["x", "x"], dtype=object),
            "node_scores": {},
            "contributions": {},
        }
    )
    with pytest.raises(InvalidInputError, match="list account 'a' more than once"):
        panel(ACCOUNTS, {D: twice}, dates=[D])
    strange = scoring.HealthScores(
        **{
            **{f: getattr(SCORES[D], f) for f in SCORES[D].__dataclass_fields__ if f != "_parts"},
            "band": np.array(["purple"], dtype=object),
        }
    )
    with pytest.raises(InvalidInputError, match=r"band labels \['purple'\] that are not among"):
        panel(ACCOUNTS, {D: strange}, dates=[D], until=day(100))
    with pytest.raises(InvalidInputError, match="different kinds"):
        panel(ACCOUNTS, {D: scores_of([1], [1.0])}, dates=[D])
    with pytest.raises(InvalidInputError, match="no `end_date` column and no `revenue_changes`"):
        panel({"id": ["a"], "start_date": [D]}, SCORES, dates=[D])
    changes = {"account_id": ["a", "a"], "effective_on": [D, D], "mrr": [1.0, 2.0]}
    with pytest.raises(
        InvalidInputError, match=r"two revenue changes on 2025-01-01 \(rows 1 and 2\)"
    ):
        panel(ACCOUNTS, SCORES, dates=[D], revenue_changes=changes)
    with pytest.raises(InvalidInputError, match="start_date"):
        panel({"id": ["a"], "start_date": ["soon"], "end_date": [None]}, SCORES, dates=[D])


def test_revenue_changes_alone_measure_churn() -> None:
    accounts = {"id": ["a"], "start_date": [day(-400)]}
    changes = {"account_id": ["a", "a"], "effective_on": [day(-400), day(10)], "mrr": [5.0, 0.0]}
    p = panel(accounts, SCORES, dates=[D], revenue_changes=changes, until=day(200))
    assert p.churned.tolist() == [True]


def test_records_and_a_data_frame_read_alike() -> None:
    pd = pytest.importorskip("pandas")
    records = [
        Account(id="a", name="A", start_date=day(-40), end_date=day(20)),
        Account(id="b", name="B", start_date=day(-30)),
    ]
    frame = pd.DataFrame(
        {"id": ["a", "b"], "start_date": [day(-40), day(-30)], "end_date": [day(20), None]}
    )
    by = {D: scores_of(["a", "b"], [10.0, 90.0])}
    one = panel(records, by, dates=[D], until=day(100))
    two = panel(frame, by, dates=[D], until=day(100))
    assert one == two
    assert one.churned.tolist() == [True, False]


# --- the result ----------------------------------------------------------------------------------


def small_panel() -> Panel:
    accounts = {
        "id": ["a", "b", "c"],
        "start_date": [day(-100), day(-100), day(20)],
        "end_date": [None, day(45), None],
        "mrr": [100.0, 50.0, 10.0],
    }
    scores = {
        D: scores_of(["a", "b"], [80.0, 20.0]),
        day(31): scores_of(["a", "b", "c"], [75.0, 15.0, 50.0]),
        day(59): scores_of(["a", "c"], [70.0, 50.0]),
    }
    return panel(accounts, scores, dates=list(scores), horizon_days=30, until=day(80))


def test_the_panel_reads_as_rows_counts_and_text() -> None:
    p = small_panel()
    assert (p.n, p.events, len(p)) == (5, 1, 5)
    assert p.counts() == {
        D: {"observations": 2, "churned": 0, "unscored": 0, "censored": 0, "churned_in_lead": 0},
        day(31): {
            "observations": 3,
            "churned": 1,
            "unscored": 0,
            "censored": 0,
            "churned_in_lead": 0,
        },
        day(59): {
            "observations": 0,
            "churned": 0,
            "unscored": 0,
            "censored": 2,
            "churned_in_lead": 0,
        },
    }
    frame = p.to_pandas()
    assert list(frame.columns) == ["account_id", "as_of", "score", "band", "churned", "mrr"]
    assert frame["account_id"].tolist() == ["a", "b", "a", "b", "c"]
    assert frame["as_of"].dt.date.tolist() == [D, D, day(31), day(31), day(31)]
    assert frame["churned"].tolist() == [False, False, False, True, False]
    assert frame["band"].tolist() == ["green", "red", "green", "red", "yellow"]
    assert repr(p) == "Panel(5 observations on 3 dates, 1 churned; horizon 30 days, lead 0 days)"
    text = p.format()
    assert "5 observations on 3 dates, 1 churned (20.0%), 0 unscored" in text
    assert "left out: 2 censored, 0 churned in the lead" in text
    assert "2025-02-01            3       1 33.3%" in text
    assert str(p) == text
    data = p.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["censored"] == {"2025-01-01": 0, "2025-02-01": 0, "2025-03-01": 2}
    assert data["until"] == "2025-03-22"
    assert "_config_hashes" not in data


def test_format_lists_the_first_dates_then_a_count() -> None:
    dates = [day(7 * k) for k in range(13)]
    accounts = {"id": ["a"], "start_date": [day(-1)], "end_date": [None]}
    p = panel(accounts, lambda when: scores_of(["a"], [5.0]), dates=dates, until=day(400))
    lines = p.format().splitlines()
    assert lines[-1] == "... 3 more dates"
    assert len(lines) == 3 + 1 + 10 + 1
    ignored = panel(accounts, {D: scores_of(["a", "q"], [5.0, 6.0])}, dates=[D], until=day(99))
    assert "rows of unknown accounts ignored: scores 1" in ignored.format()


def test_for_dates_keeps_the_rows_and_counts_of_those_dates() -> None:
    p = small_panel()
    q = p.for_dates(["2025-02-01", day(59)])
    assert q.dates == (day(31), day(59))
    assert q.account_ids.tolist() == ["a", "b", "c"]
    assert dict(q.censored) == {day(31): 0, day(59): 2}
    assert q.node_scores["x"].tolist() == [75.0, 15.0, 50.0]
    assert (q.horizon_days, q.lead_days, q.until, q.bands) == (30, 0, p.until, p.bands)
    assert p.for_dates(p.dates) == p
    with pytest.raises(InvalidInputError, match="2025-01-02 are not observation dates"):
        p.for_dates([day(1)])
    with pytest.raises(InvalidInputError, match="more than once"):
        p.for_dates([D, D])
    with pytest.raises(InvalidInputError, match="is empty"):
        p.for_dates([])
    with pytest.raises(InvalidInputError, match="got one day"):
        p.for_dates(D)


def test_the_result_is_frozen_and_checks_its_columns() -> None:
    p = small_panel()
    with pytest.raises(ValueError, match="read-only"):
        p.score[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        p.node_scores["x"][0] = 1.0
    again = pickle.loads(pickle.dumps(p))
    assert again == p
    assert not again.churned.flags.writeable
    with pytest.raises(InvalidInputError, match="must all have one length"):
        Panel(
            account_ids=np.array(["a"], dtype=object),
            as_of=np.array([], dtype="datetime64[D]"),
            score=np.array([1.0]),
            band=np.array([None], dtype=object),
            churned=np.array([True]),
            mrr=np.array([1.0]),
            dates=(D,),
        )


def test_no_accounts_give_an_empty_panel() -> None:
    empty = {"id": [], "start_date": [], "end_date": []}
    p = panel(empty, {D: scores_of([], [])}, dates=[D])
    assert p.n == 0
    assert p.until is None
    assert p.bands == ("red", "yellow", "green")
    assert p.to_pandas().empty
