"""`lifecycle.history`, `StageHistory.spells` and `lifecycle.dwell_times`.

References:

* `classify` called date by date with the previous day's assignments as ``previous``
  (what `history` promises to equal), compared row by row on Hypothesis-generated
  accounts, milestones, revenue changes, NPS answers, contacts, per-day health scores and
  usage measures (given as a mapping and as a function of the day), date grids in any
  order and rules with a short ``stale_after_days``; the inputs reach `history` as data
  frames and `classify` as columns, so reading them once is checked too;
* a plain-Python carry of ``entered_on``, ``previous_stage`` and ``stage_stale`` along
  the rows of each account, and the prefix property (later grid days never change the
  rows of earlier ones);
* a plain-Python spell walker (each account's grid days in order) on Hypothesis-generated
  histories with accounts missing on some days and back later;
* lifelines' ``KaplanMeierFitter`` for the dwell times (durations and censoring taken
  from the spells), median and survival at several times.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from cshealth import InvalidInputError, datasets, scoring
from cshealth._measures import MeasureTable
from cshealth.lifecycle import (
    DwellTimes,
    LifecycleRules,
    Spells,
    StageAssignments,
    StageHistory,
    Thresholds,
    classify,
    dwell_times,
    history,
)
from cshealth.retention import kaplan_meier

BASE = date(2025, 1, 1)
TOL = 1e-10
STAGES = ("churned", "renewal", "onboarding", "adoption", "expansion", "advocacy", "engagement")

#: A scorecard whose score is the column ``x`` itself (0..100), bands red/yellow/green.
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


def at(offset: int) -> date:
    return BASE + timedelta(days=offset)


def health_of(ids: list[Any], scores: list[float], taken: date) -> scoring.HealthScores:
    """Health scores equal to ``scores`` (NaN: not scored), taken at ``taken``'s midnight."""
    return scoring.score(CARD, {"account_id": ids, "x": scores}, as_of=taken)


def usage_of(ids: list[Any], seats: list[float], change: list[float], taken: date) -> MeasureTable:
    return MeasureTable(
        ids,
        {"seat_utilisation": seats, "usage_change": change},
        as_of=np.datetime64(taken, "us"),
        source="test",
    )


# --- generated worlds ----------------------------------------------------------------------


@dataclass
class World:
    """Accounts and every input of `classify`, as columns, with a grid of days."""

    accounts: dict[str, list[Any]]
    milestones: dict[str, list[Any]]
    changes: dict[str, list[Any]] | None
    nps: dict[str, list[Any]] | None
    contacts: dict[str, list[Any]]
    days: list[date]
    health: dict[date, scoring.HealthScores] = field(default_factory=dict)
    usage: dict[date, MeasureTable] = field(default_factory=dict)
    rules: LifecycleRules = field(default_factory=LifecycleRules)


def _frame(columns: dict[str, list[Any]] | None) -> object:
    """The same records as a data frame (empty records stay an empty tuple)."""
    if columns is None:
        return None
    if not next(iter(columns.values())):
        return ()
    return pd.DataFrame(columns)


def _or_empty(columns: dict[str, list[Any]]) -> object:
    return columns if next(iter(columns.values())) else ()


@st.composite
def worlds(draw: st.DrawFn, *, max_accounts: int = 7, max_days: int = 5) -> World:
    n = draw(st.integers(0, max_accounts))
    text_ids = draw(st.booleans())
    ids: list[Any] = [f"acct-{i}" if text_ids else 10 * i + 3 for i in range(n)]
    accounts: dict[str, list[Any]] = {
        k: [] for k in ("id", "start_date", "end_date", "renewal_date", "mrr")
    }
    milestones: dict[str, list[Any]] = {
        k: []
        for k in ("account_id", "name", "required", "due_date", "completed_on", "marks_first_value")
    }
    changes: dict[str, list[Any]] = {"account_id": [], "effective_on": [], "mrr": []}
    nps: dict[str, list[Any]] = {
        k: [] for k in ("id", "account_id", "score", "submitted_at", "kind", "survey_type")
    }
    contacts: dict[str, list[Any]] = {
        k: [] for k in ("id", "account_id", "is_champion", "started_on", "left_on")
    }
    for i, account in enumerate(ids):
        start = at(draw(st.integers(-150, 200)))
        length = draw(st.none() | st.integers(1, 300))
        accounts["id"].append(account)
        accounts["start_date"].append(start)
        accounts["end_date"].append(None if length is None else start + timedelta(days=length))
        renewal = draw(st.none() | st.integers(0, 500))
        accounts["renewal_date"].append(None if renewal is None else start + timedelta(renewal))
        accounts["mrr"].append(draw(st.none() | st.sampled_from([0.0, 100.0, 250.5, 1000.0])))
        for j in range(draw(st.integers(0, 3))):
            due = draw(st.none() | st.integers(0, 120))
            done = draw(st.none() | st.integers(0, 200))
            milestones["account_id"].append(account)
            milestones["name"].append(f"step {j}")
            milestones["required"].append(draw(st.booleans()))
            milestones["due_date"].append(None if due is None else start + timedelta(days=due))
            milestones["completed_on"].append(
                None if done is None else start + timedelta(days=done)
            )
            milestones["marks_first_value"].append(draw(st.booleans()))
        for offset in draw(st.lists(st.integers(0, 300), max_size=3, unique=True)):
            changes["account_id"].append(account)
            changes["effective_on"].append(start + timedelta(days=offset))
            changes["mrr"].append(draw(st.sampled_from([0.0, 50.0, 120.0, 300.0])))
        for _ in range(draw(st.integers(0, 2))):
            when = at(draw(st.integers(-100, 300)))
            nps["id"].append(f"r{len(nps['id'])}")
            nps["account_id"].append(account)
            nps["score"].append(draw(st.integers(0, 10)))
            nps["submitted_at"].append(
                datetime(
                    when.year, when.month, when.day, draw(st.integers(0, 23)), tzinfo=timezone.utc
                )
            )
            nps["kind"].append("nps")
            nps["survey_type"].append(draw(st.sampled_from(["relationship", "transactional"])))
        for _ in range(draw(st.integers(0, 3))):
            begun = draw(st.none() | st.integers(-200, 300))
            left = draw(st.none() | st.integers(1, 200))
            contacts["id"].append(f"c{len(contacts['id'])}-{i}")
            contacts["account_id"].append(account)
            contacts["is_champion"].append(draw(st.booleans()))
            contacts["started_on"].append(None if begun is None else at(begun))
            contacts["left_on"].append(None if left is None else at((begun or -200) + left))
    days = [
        at(d)
        for d in draw(st.lists(st.integers(-60, 330), min_size=1, max_size=max_days, unique=True))
    ]
    world = World(
        accounts=accounts,
        milestones=milestones,
        changes=changes if draw(st.booleans()) else None,
        nps=nps if draw(st.booleans()) else None,
        contacts=contacts,
        days=days,
        rules=LifecycleRules(thresholds=Thresholds(stale_after_days=draw(st.integers(1, 120)))),
    )
    for day in days:
        chosen = [a for a in ids if draw(st.booleans())]
        if chosen and draw(st.booleans()):
            scores = [
                draw(st.sampled_from([5.0, 39.9, 40.0, 69.0, 70.0, 95.0, math.nan])) for _ in chosen
            ]
            taken = day - timedelta(days=draw(st.integers(0, 20)))
            world.health[day] = health_of(chosen, scores, taken)
        if chosen and draw(st.booleans()):
            seats = [draw(st.sampled_from([0.2, 0.5, 0.89, 0.9, 1.1])) for _ in chosen]
            change = [draw(st.sampled_from([-0.8, -0.5, -0.49, 0.0, 0.3])) for _ in chosen]
            world.usage[day] = usage_of(chosen, seats, change, day)
    return world


def classify_by_day(world: World) -> list[StageAssignments]:
    """The reference: `classify` on each day in order, each given the day before."""
    out: list[StageAssignments] = []
    previous = None
    for day in sorted(world.days):
        previous = classify(
            world.accounts,
            as_of=day,
            milestones=_or_empty(world.milestones),
            health=world.health.get(day),
            nps=world.nps,
            usage=world.usage.get(day),
            contacts=_or_empty(world.contacts),
            revenue_changes=world.changes,
            rules=world.rules,
            previous=previous,
        )
        out.append(previous)
    return out


def history_of(
    world: World, *, per_day: str = "mapping", days: list[date] | None = None
) -> StageHistory:
    """`history` of the world, its record inputs as data frames."""
    health: object = world.health
    usage: object = world.usage
    if per_day == "function":
        health, usage = world.health.get, world.usage.get
    return history(
        pd.DataFrame(world.accounts) if world.accounts["id"] else world.accounts,
        dates=world.days if days is None else days,
        milestones=_frame(world.milestones),
        health=health,  # type: ignore[arg-type]
        nps=_frame(world.nps),
        usage=usage,  # type: ignore[arg-type]
        contacts=_frame(world.contacts),
        revenue_changes=_frame(world.changes),
        rules=world.rules,
    )


def rows_of(h: StageHistory, day: date) -> np.ndarray:
    return np.flatnonzero(h.as_of == np.datetime64(day, "D"))


# --- history against classify, day by day ---------------------------------------------------


@given(worlds(), st.sampled_from(["mapping", "function"]))
def test_history_is_classify_day_by_day_with_previous_chained(world: World, per_day: str) -> None:
    h = history_of(world, per_day=per_day)
    expected = classify_by_day(world)
    assert h.dates == tuple(sorted(world.days))
    assert len(h) == sum(len(a) for a in expected)
    assert h.rules_hash == world.rules.config_hash
    for day, want in zip(h.dates, expected):
        rows = rows_of(h, day)
        assert h.account_ids[rows].tolist() == want.account_ids.tolist()
        assert h.stage[rows].tolist() == want.stage.tolist()
        assert list(h.flags) == list(want.flags)
        for name, carried in want.flags.items():
            assert h.flags[name][rows].tolist() == carried.tolist(), name
        np.testing.assert_array_equal(h.entered_on[rows], want.entered_on)
        assert h.previous_stage[rows].tolist() == want.previous_stage.tolist()
        np.testing.assert_array_equal(h.mrr[rows], want.mrr)
    # rows are by day, then in the accounts' order
    assert (np.diff(h.as_of.astype(np.int64)) >= 0).all()


@given(worlds())
def test_entered_on_previous_stage_and_stale_carry_along_each_account(world: World) -> None:
    """A plain carry along the history's own stages, account by account."""
    h = history_of(world)
    stale = world.rules.thresholds.stale_after_days
    before: dict[Any, tuple[str, date | None, str | None]] | None = None
    for day in h.dates:
        rows = rows_of(h, day)
        now: dict[Any, tuple[str, date | None, str | None]] = {}
        for i in rows.tolist():
            account, stage = h.account_ids[i], h.stage[i]
            if before is None:
                entered, prior = None, None  # the first day: unknown
            elif account not in before:
                entered, prior = day, None  # new since the day before
            else:
                old_stage, old_entered, old_prior = before[account]
                previous_day = h.dates[h.dates.index(day) - 1]
                if old_stage == stage:
                    entered = old_entered if old_entered is not None else previous_day
                    prior = old_prior
                else:
                    entered, prior = day, old_stage
            got = h.entered_on[i]
            assert (None if np.isnat(got) else got.astype(date)) == entered
            assert h.previous_stage[i] == prior
            in_stage = None if entered is None else (day - entered).days
            # the default rules: every flag is for customers, and only churned ones are not
            want_stale = stage != "churned" and in_stage is not None and in_stage > stale
            assert bool(h.flags["stage_stale"][i]) == want_stale
            now[account] = (stage, entered, prior)
        before = now


@given(worlds(max_days=4), st.data())
def test_later_days_never_change_earlier_rows(world: World, data: st.DataObject) -> None:
    h = history_of(world)
    k = data.draw(st.integers(1, len(h.dates)))
    prefix = list(h.dates[:k])
    short = history_of(world, days=prefix[::-1])
    keep = np.isin(h.as_of, np.array(prefix, dtype="datetime64[D]"))
    assert short.dates == tuple(prefix)
    assert short.account_ids.tolist() == h.account_ids[keep].tolist()
    assert short.stage.tolist() == h.stage[keep].tolist()
    np.testing.assert_array_equal(short.entered_on, h.entered_on[keep])
    for name in h.flags:
        assert short.flags[name].tolist() == h.flags[name][keep].tolist()


def _sample_world() -> tuple[datasets.SampleData, list[date]]:
    sample = datasets.sample(seed=4, n_accounts=60, months=18)
    days = [sample.as_of - timedelta(days=30 * k) for k in range(8)]
    return sample, days


def test_a_sample_history_is_classify_day_by_day() -> None:
    sample, days = _sample_world()
    h = history(
        sample.accounts,
        dates=days,
        milestones=sample.milestones,
        nps=sample.survey_responses,
        contacts=sample.contacts,
        revenue_changes=sample.revenue_changes,
    )
    previous = None
    for day in sorted(days):
        previous = classify(
            sample.accounts,
            as_of=day,
            milestones=sample.milestones,
            nps=sample.survey_responses,
            contacts=sample.contacts,
            revenue_changes=sample.revenue_changes,
            previous=previous,
        )
        rows = rows_of(h, day)
        assert h.stage[rows].tolist() == previous.stage.tolist()
        np.testing.assert_array_equal(h.entered_on[rows], previous.entered_on)
        assert h.previous_stage[rows].tolist() == previous.previous_stage.tolist()
        for name, carried in previous.flags.items():
            assert h.flags[name][rows].tolist() == carried.tolist()
        assert h.counts()[day] == {s: n for s, n in previous.counts().items() if n}
        ids, stages = h.at(day)
        assert ids.tolist() == previous.account_ids.tolist()
        assert stages.tolist() == previous.stage.tolist()
    changed = h.stage[h.previous_stage != None]  # noqa: E711 - an object column
    assert len(changed) > 0  # the sample moves between stages


def test_health_and_usage_per_day_reach_their_own_day_only() -> None:
    accounts = {
        "id": ["a", "b"],
        "start_date": [at(-400), at(-400)],
        "renewal_date": [None, None],
    }
    jan, feb = at(0), at(31)
    health = {jan: health_of(["a", "b"], [10.0, 80.0], jan), feb: health_of(["a"], [90.0], feb)}
    usage = {feb: usage_of(["b"], [0.95], [0.0], feb)}
    by_mapping = history(accounts, dates=[feb, jan], health=health, usage=usage)
    keyed_as_text = history(
        accounts,
        dates=[feb.isoformat(), jan.isoformat()],
        health={k.isoformat(): v for k, v in health.items()},
        usage={datetime(2025, 2, 1, tzinfo=timezone.utc): usage[feb]},
    )
    by_function = history(accounts, dates=[jan, feb], health=health.get, usage=usage.get)
    assert by_mapping == keyed_as_text == by_function
    frame = by_mapping.to_pandas()
    flags = dict(zip(zip(frame["account_id"], frame["as_of"].dt.date), frame["flags"]))
    assert "at_risk" in flags["a", jan]  # bottom band in January
    assert "at_risk" not in flags["a", feb]  # February's scores
    assert "expansion_ready" in flags["b", feb]  # February's usage
    assert "expansion_ready" not in flags["b", jan]  # no usage in January
    assert by_mapping.stage.tolist() == ["engagement", "engagement", "engagement", "expansion"]


def test_health_taken_after_its_day_is_refused() -> None:
    accounts = {"id": ["a"], "start_date": [at(-100)]}
    late = health_of(["a"], [50.0], at(1))
    with pytest.raises(InvalidInputError, match=r"`health` was taken at .* after as_of"):
        history(accounts, dates=[at(0)], health={at(0): late})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"health": "one"}, "mapping from day to its result, or a function of the day"),
        ({"usage": 3}, "one result for every day would let early days see later data"),
        ({"dates": [at(0), at(1), at(0)]}, r"gives 2025-01-01 more than once"),
        ({"dates": [at(0), "2025-01-01"]}, r"gives 2025-01-01 more than once"),
        ({"dates": []}, "`dates` is empty"),
        ({"dates": at(0)}, r"got one day; use \[day\]"),
        ({"dates": "2025-01-01"}, r"got one day; use \[day\]"),
        ({"dates": np.datetime64("2025-01-01")}, r"got one day; use \[day\]"),
        ({"dates": pd.Timestamp("2025-01-01", tz="UTC")}, r"got one day; use \[day\]"),
        ({"dates": 5}, "`dates` must be an iterable of days"),
        ({"dates": None}, "`dates` must be an iterable of days"),
        ({"dates": [None]}, "`dates` must be a date"),
        ({"dates": [datetime(2025, 1, 1)]}, "`dates` is a naive datetime"),
        ({"health": {5: None}}, "`health` must be a date"),
        ({"rules": "default"}, "`rules` must be a LifecycleRules"),
    ],
)
def test_refused_forms(kwargs: dict[str, Any], message: str) -> None:
    accounts = {"id": ["a"], "start_date": [at(-100)]}
    call: dict[str, Any] = {"dates": [at(0), at(30)], **kwargs}
    with pytest.raises(InvalidInputError, match=message):
        history(accounts, **call)


@pytest.mark.parametrize("name", ["health", "usage"])
def test_one_result_for_every_day_is_refused(name: str) -> None:
    """A single `HealthScores` or `MeasureTable` would give early days later scores."""
    accounts = {"id": ["a"], "start_date": [at(-100)]}
    one = (
        health_of(["a"], [50.0], at(0))
        if name == "health"
        else usage_of(["a"], [0.5], [0.0], at(0))
    )
    with pytest.raises(InvalidInputError, match=f"`{name}` must be a mapping from day"):
        history(accounts, dates=[at(0), at(30)], **{name: one})


def test_accounts_not_started_on_a_day_are_not_in_its_rows() -> None:
    accounts = {"id": ["a", "b"], "start_date": [at(-10), at(15)]}
    h = history(accounts, dates=[at(0), at(15), at(16)])
    assert [h.at(d)[0].tolist() for d in h.dates] == [["a"], ["a"], ["a", "b"]]
    assert h.entered_on.astype("datetime64[D]").tolist()[-1] == at(16)  # new on that day
    with pytest.raises(InvalidInputError, match="2025-01-02 is not a day of the history"):
        h.at(at(1))


def test_to_pandas_and_text() -> None:
    sample, days = _sample_world()
    h = history(sample.accounts, dates=days[:3], milestones=sample.milestones)
    frame = h.to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "as_of",
        "stage",
        "flags",
        "entered_on",
        "previous_stage",
        "mrr",
    ]
    assert len(frame) == len(h)
    assert frame["flags"].map(type).eq(frozenset).all()
    for i in range(0, len(h), 7):
        carried = frozenset(name for name, on in h.flags.items() if on[i])
        assert frame["flags"][i] == carried
    assert (frame["as_of"].dt.date == [d.astype(date) for d in h.as_of]).all()
    assert json.dumps(h.to_dict(), allow_nan=False)
    assert repr(h) == f"StageHistory(3 days from {days[2]} to {days[0]}, {len(h)} rows)"
    spells = h.spells()
    assert repr(spells).startswith(f"Spells({len(spells)} spells of 60 accounts")


# --- spells ----------------------------------------------------------------------------------


def make_history(rows: list[tuple[Any, int, str]], grid: list[int]) -> StageHistory:
    """A `StageHistory` built by hand: (account, grid position, stage) rows, in that order."""
    days = [at(d) for d in grid]
    n = len(rows)
    ids = np.array(
        [r[0] for r in rows], dtype=object if rows and isinstance(rows[0][0], str) else np.int64
    )
    return StageHistory(
        dates=tuple(days),
        account_ids=ids if n else np.array([], dtype=object),
        as_of=np.array([days[r[1]] for r in rows], dtype="datetime64[D]"),
        stage=np.array([r[2] for r in rows], dtype=object),
        flags={},
        entered_on=np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        previous_stage=np.full(n, None, dtype=object),
        mrr=np.full(n, np.nan),
        rules_hash="test",
    )


@dataclass(frozen=True)
class Spell:
    account: Any
    stage: str
    start: date
    end: date | None
    left: bool
    right: bool


def spells_reference(rows: list[tuple[Any, int, str]], grid: list[int]) -> list[Spell]:
    """Walk each account's grid days in order (accounts in order of first appearance)."""
    days = [at(d) for d in grid]
    order = list(dict.fromkeys(r[0] for r in rows))
    out: list[Spell] = []
    for account in order:
        seen = {r[1]: r[2] for r in rows if r[0] == account}
        current: tuple[str, int] | None = None  # (stage, first position)
        for p in range(len(days)):
            stage = seen.get(p)
            if current is not None and stage != current[0]:
                out.append(
                    Spell(account, current[0], days[current[1]], days[p], current[1] == 0, False)
                )
                current = None
            if stage is not None and current is None:
                current = (stage, p)
        if current is not None:
            out.append(Spell(account, current[0], days[current[1]], None, current[1] == 0, True))
    return out


def as_spells(s: Spells) -> list[Spell]:
    return [
        Spell(
            s.account_ids[i],
            s.stage[i],
            s.start[i].astype(date),
            None if np.isnat(s.end[i]) else s.end[i].astype(date),
            bool(s.left_censored[i]),
            bool(s.right_censored[i]),
        )
        for i in range(len(s))
    ]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[tuple[Any, int, str]], list[int]]:
    """Grid days and rows: each account on some of the days (missing days and returns)."""
    grid = sorted(draw(st.lists(st.integers(-100, 300), min_size=1, max_size=7, unique=True)))
    n = draw(st.integers(0, 6))
    text = draw(st.booleans())
    present = [[draw(st.booleans()) for _ in grid] for _ in range(n)]
    stage = [
        [draw(st.sampled_from(["onboarding", "adoption", "renewal"])) for _ in grid]
        for _ in range(n)
    ]
    shuffle = draw(st.permutations(range(n)))  # the order of accounts within each day
    rows = [
        (f"a{a}" if text else 7 * a + 1, p, stage[a][p])
        for p in range(len(grid))
        for a in shuffle
        if present[a][p]
    ]
    return rows, grid


@given(histories())
def test_spells_match_the_reference_walk(
    drawn: tuple[list[tuple[Any, int, str]], list[int]],
) -> None:
    rows, grid = drawn
    got = as_spells(make_history(rows, grid).spells())
    assert got == spells_reference(rows, grid)


def test_spells_of_hand_built_cases() -> None:
    grid = [0, 30, 60, 90]
    rows = [
        ("always", 0, "adoption"),
        ("late", 1, "onboarding"),
        ("away", 0, "renewal"),
        ("always", 1, "adoption"),
        ("always", 2, "expansion"),
        ("late", 2, "onboarding"),
        ("away", 2, "renewal"),
        ("always", 3, "expansion"),
        ("late", 3, "adoption"),
    ]
    got = as_spells(make_history(rows, grid).spells())
    assert got == [
        # left-censored (there on the first day), ended by another stage
        Spell("always", "adoption", at(0), at(60), True, False),
        Spell("always", "expansion", at(60), None, False, True),
        # first seen on the second day: its start is known
        Spell("late", "onboarding", at(30), at(90), False, False),
        Spell("late", "adoption", at(90), None, False, True),
        # missing on the second day: the spell ends there, and a new one begins on return
        Spell("away", "renewal", at(0), at(30), True, False),
        Spell("away", "renewal", at(60), at(90), False, False),
    ]
    frame = make_history(rows, grid).spells().to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "stage",
        "start",
        "end",
        "left_censored",
        "right_censored",
    ]


def test_the_spells_of_one_day_are_all_censored_both_ways() -> None:
    s = make_history([("a", 0, "onboarding"), ("b", 0, "renewal")], [5]).spells()
    assert s.left_censored.tolist() == [True, True]
    assert s.right_censored.tolist() == [True, True]
    assert np.isnat(s.end).all()


# --- dwell times -----------------------------------------------------------------------------


def _durations(s: Spells, stage: str, last: date) -> tuple[list[float], list[bool]]:
    """Lengths of the stage's spells whose start is known, and whether each ended."""
    lengths, ended = [], []
    for spell in as_spells(s):
        if spell.stage != stage or spell.left:
            continue
        lengths.append(float(((spell.end or last) - spell.start).days))
        ended.append(spell.end is not None)
    return lengths, ended


def _check_against_lifelines(d: DwellTimes, lengths: list[float], ended: list[bool]) -> None:
    assert d.spells == len(lengths)
    assert d.curve == kaplan_meier(lengths, ended)
    if not lengths:
        assert d.curve.median().statistic is None
        return
    kmf = KaplanMeierFitter().fit(lengths, event_observed=ended)
    median = kmf.median_survival_time_
    assert d.curve.median().statistic == (None if math.isinf(median) else median)
    for t in sorted({0.0, *lengths, max(lengths) / 2, max(lengths) + 1}):
        expected = float(kmf.survival_function_at_times(t).iloc[0])
        assert d.curve(t) == pytest.approx(expected, abs=TOL), t


@given(histories(), st.sampled_from(["onboarding", "adoption", "renewal"]))
def test_dwell_times_match_lifelines_on_generated_histories(
    drawn: tuple[list[tuple[Any, int, str]], list[int]], stage: str
) -> None:
    rows, grid = drawn
    h = make_history(rows, grid)
    d = dwell_times(h, stage=stage)
    lengths, ended = _durations(h.spells(), stage, at(grid[-1]))
    _check_against_lifelines(d, lengths, ended)
    ref = spells_reference(rows, grid)
    assert d.left_out == sum(s.stage == stage and s.left for s in ref)
    assert d.stage == stage


@pytest.mark.parametrize("stage", ["onboarding", "adoption", "renewal", "engagement"])
def test_dwell_times_match_lifelines_on_the_sample(stage: str) -> None:
    sample = datasets.sample(seed=8, n_accounts=200, months=24)
    days = [sample.as_of - timedelta(days=30 * k) for k in range(12)]
    h = history(sample.accounts, dates=days, milestones=sample.milestones)
    d = dwell_times(h, stage=stage)
    lengths, ended = _durations(h.spells(), stage, max(days))
    assert d.spells > 5
    _check_against_lifelines(d, lengths, ended)
    spells = h.spells()
    assert d.left_out == int(((spells.stage == stage) & spells.left_censored).sum())
    assert json.dumps(d.to_dict(), allow_nan=False)
    assert repr(d).startswith(f"DwellTimes({stage!r}: {d.spells} spells, median ")


def test_dwell_times_by_hand() -> None:
    grid = [0, 10, 30, 60]
    rows = [
        ("a", 0, "onboarding"),  # left out: already onboarding on the first day
        ("b", 1, "onboarding"),
        ("a", 1, "adoption"),
        ("b", 2, "onboarding"),
        ("c", 2, "onboarding"),
        ("b", 3, "adoption"),  # b: 10 -> 60, 50 days, ended
        ("c", 3, "onboarding"),  # c: 30 -> still there on 60, 30 days censored
    ]
    d = dwell_times(make_history(rows, grid), stage="onboarding")
    assert (d.spells, d.left_out) == (2, 1)
    assert d.curve == kaplan_meier([50.0, 30.0], [True, False])
    assert d.curve.median().statistic == 50.0
    assert "1 left out" in repr(d)


def test_dwell_times_of_a_stage_never_seen_are_empty() -> None:
    d = dwell_times(make_history([("a", 0, "renewal")], [0, 5]), stage="advocacy")
    assert (d.spells, d.left_out) == (0, 0)
    assert d.curve.n == 0
    assert "not reached" in repr(d)


def test_dwell_times_refuse_what_is_not_a_history() -> None:
    assignments = classify({"id": ["a"], "start_date": [at(-5)]}, as_of=at(0))
    with pytest.raises(InvalidInputError, match="`history` must be a StageHistory"):
        dwell_times(assignments, stage="onboarding")  # type: ignore[arg-type]
