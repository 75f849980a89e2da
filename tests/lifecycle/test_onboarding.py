"""`lifecycle.onboarding`: status per account, overdue milestones, durations.

References: a table of hand-built accounts, one per rule and per boundary (due on
``as_of``, completed on its due date, completed on the ``as_of`` day, exactly
``stuck_after_days`` overdue, the ``due_soon_days`` edge, optional milestones), and a
plain-Python per-account reference written below (a loop over each account's milestones
with ``datetime.date`` arithmetic), compared on Hypothesis-generated milestones.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import InvalidInputError
from cshealth.lifecycle import ONBOARDING_STATUSES, OnboardingStatus, onboarding
from cshealth.lifecycle._milestones import milestone_state, read_milestones
from cshealth.models import Milestone

AS_OF = date(2025, 3, 1)


def day(offset: int) -> date:
    """``AS_OF`` shifted by ``offset`` days."""
    return AS_OF + timedelta(days=offset)


def columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Milestone rows (dicts) as columns; absent keys are empty cells."""
    names = ["account_id", "name", "required", "due_date", "started_on", "completed_on"]
    names.append("marks_first_value")
    out: dict[str, list[Any]] = {name: [] for name in names}
    for i, row in enumerate(rows):
        out["account_id"].append(row.get("account_id", "A"))
        out["name"].append(row.get("name", f"m{i}"))
        out["required"].append(row.get("required", True))
        out["marks_first_value"].append(row.get("marks_first_value", False))
        for name in ("due_date", "started_on", "completed_on"):
            out[name].append(row.get(name))
    return out


# --- the boundary table ---------------------------------------------------------------------

#: (case, milestones of one account, expected status, days overdue, required done, total)
BOUNDARIES: list[tuple[str, list[dict[str, Any]], str, int, int, int]] = [
    ("due on as_of is due soon, not late", [{"due_date": day(0)}], "due_soon", 0, 0, 1),
    ("due yesterday is behind by 1", [{"due_date": day(-1)}], "behind", 1, 0, 1),
    (
        "completed on its due date is done, not late",
        [{"due_date": day(-10), "completed_on": day(-10)}],
        "complete",
        0,
        1,
        1,
    ),
    (
        "completed on the as_of day is still open",
        [{"due_date": day(-5), "completed_on": day(0)}],
        "behind",
        5,
        0,
        1,
    ),
    (
        "completed the day before as_of is done",
        [{"due_date": day(-5), "completed_on": day(-1)}],
        "complete",
        0,
        1,
        1,
    ),
    ("exactly stuck_after_days overdue is behind", [{"due_date": day(-30)}], "behind", 30, 0, 1),
    ("one day more is stuck", [{"due_date": day(-31)}], "stuck", 31, 0, 1),
    ("due in due_soon_days is due soon", [{"due_date": day(7)}], "due_soon", 0, 0, 1),
    ("due one day later is on track", [{"due_date": day(8)}], "on_track", 0, 0, 1),
    ("no due date is on track", [{}], "on_track", 0, 0, 1),
    (
        "behind wins over due soon",
        [{"due_date": day(-2)}, {"due_date": day(3)}],
        "behind",
        2,
        0,
        2,
    ),
    (
        "the most overdue milestone decides stuck",
        [{"due_date": day(-2)}, {"due_date": day(-40)}],
        "stuck",
        40,
        0,
        2,
    ),
    (
        "an optional milestone never blocks completion",
        [{"completed_on": day(-3)}, {"required": False, "due_date": day(-50)}],
        "complete",
        0,
        1,
        1,
    ),
    (
        "an optional milestone past due does not make an account behind",
        [{"due_date": day(20)}, {"required": False, "due_date": day(-50)}],
        "on_track",
        0,
        0,
        1,
    ),
    (
        "an optional milestone due soon does not make an account due soon",
        [{"due_date": day(20)}, {"required": False, "due_date": day(1)}],
        "on_track",
        0,
        0,
        1,
    ),
    (
        "only optional milestones: complete",
        [{"required": False, "due_date": day(-50)}, {"required": False}],
        "complete",
        0,
        0,
        0,
    ),
    (
        "a completion after as_of is still open",
        [{"due_date": day(-3), "completed_on": day(4)}],
        "behind",
        3,
        0,
        1,
    ),
]


@pytest.mark.parametrize(
    ("rows", "status", "overdue", "done", "total"),
    [case[1:] for case in BOUNDARIES],
    ids=[case[0] for case in BOUNDARIES],
)
def test_boundaries(
    rows: list[dict[str, Any]], status: str, overdue: int, done: int, total: int
) -> None:
    result = onboarding(columns(rows), as_of=AS_OF)
    assert result.status.tolist() == [status]
    assert result.days_overdue.tolist() == [overdue]
    assert (result.required_done.tolist(), result.required_total.tolist()) == ([done], [total])
    past_due = [
        (AS_OF - r["due_date"]).days
        for r in rows
        if r.get("required", True)
        and r.get("due_date") is not None
        and r["due_date"] < AS_OF
        and (r.get("completed_on") is None or r["completed_on"] >= AS_OF)
    ]
    assert sorted(result.overdue.days_overdue.tolist(), reverse=True) == sorted(
        past_due, reverse=True
    )


def test_stuck_and_due_soon_thresholds_move_the_boundaries() -> None:
    rows = columns([{"account_id": "late", "due_date": day(-10)}, {"account_id": "soon"}])
    rows["due_date"][1] = day(3)
    assert onboarding(rows, as_of=AS_OF, stuck_after_days=10).status.tolist() == [
        "behind",
        "due_soon",
    ]
    assert onboarding(rows, as_of=AS_OF, stuck_after_days=9).status.tolist() == [
        "stuck",
        "due_soon",
    ]
    assert onboarding(rows, as_of=AS_OF, due_soon_days=2).status.tolist()[1] == "on_track"
    assert onboarding(rows, as_of=AS_OF, due_soon_days=3).status.tolist()[1] == "due_soon"
    zero = onboarding(columns([{"due_date": day(0)}]), as_of=AS_OF, due_soon_days=0)
    assert zero.status.tolist() == ["due_soon"]


def test_a_milestone_completed_on_its_due_date_is_not_late() -> None:
    rows = read_milestones(
        columns(
            [
                {"due_date": day(-10), "completed_on": day(-10)},
                {"due_date": day(-10), "completed_on": day(-9)},
                {"due_date": day(-1)},
                {"due_date": day(0)},
            ]
        ),
        None,
    )
    state = milestone_state(rows, (AS_OF - date(1970, 1, 1)).days, due_soon_days=7)
    assert state.late.tolist() == [False, True, True, False]


# --- durations and the start ----------------------------------------------------------------


def test_durations_run_from_the_accounts_start_when_given() -> None:
    rows = columns(
        [
            {"account_id": "A", "started_on": day(-40), "completed_on": day(-30)},
            {
                "account_id": "A",
                "started_on": day(-35),
                "completed_on": day(-20),
                "marks_first_value": True,
            },
            {"account_id": "B", "started_on": day(-10)},
        ]
    )
    accounts = {"id": ["A", "B", "C"], "start_date": [day(-50), day(-12), day(-5)]}
    given_ = onboarding(rows, as_of=AS_OF, accounts=accounts)
    assert given_.account_ids.tolist() == ["A", "B"]  # C has no milestones
    assert given_.started_on.tolist() == [day(-50), day(-12)]
    assert given_.days_to_onboard.tolist()[0] == 30.0
    assert given_.days_to_first_value.tolist()[0] == 30.0
    alone = onboarding(rows, as_of=AS_OF)
    assert alone.started_on.tolist() == [day(-40), day(-10)]
    assert alone.days_to_onboard.tolist()[0] == 20.0
    assert alone.days_to_first_value.tolist()[0] == 20.0
    assert alone.onboarded_on.tolist()[0] == day(-20)
    assert np.isnan(alone.days_to_onboard[1])
    assert np.isnan(alone.days_to_first_value[1])


def test_without_accounts_a_completion_without_a_start_counts_as_begun() -> None:
    """A milestone completed with no ``started_on`` was begun by its completion at the
    latest: durations never come out negative (they did: -3 days to first value)."""
    rows = columns(
        [
            {"completed_on": day(-12), "marks_first_value": True},
            {"started_on": day(-9), "completed_on": day(-2)},
        ]
    )
    result = onboarding(rows, as_of=AS_OF)
    assert result.started_on.tolist() == [day(-12)]
    assert result.days_to_first_value.tolist() == [0.0]
    assert result.days_to_onboard.tolist() == [10.0]


def test_a_start_on_or_after_as_of_is_not_known_yet() -> None:
    rows = columns([{"started_on": day(0)}, {"started_on": day(5)}])
    assert np.isnat(onboarding(rows, as_of=AS_OF).started_on).all()
    assert onboarding(rows, as_of=day(1)).started_on.tolist() == [day(0)]


# --- the reference ---------------------------------------------------------------------------


def reference(
    rows: list[dict[str, Any]],
    as_of: date,
    stuck: int,
    soon: int,
    starts: dict[Any, date] | None,
) -> dict[Any, dict[str, Any]]:
    """Each account's status, counts and durations, milestone by milestone."""
    out: dict[Any, dict[str, Any]] = {}
    for account in sorted({r["account_id"] for r in rows}):
        mine = [r for r in rows if r["account_id"] == account]
        done = [r["completed_on"] is not None and r["completed_on"] < as_of for r in mine]
        required = [r for r, d in zip(mine, done) if r["required"]]
        required_done = [r for r, d in zip(mine, done) if r["required"] and d]
        open_required = [r for r, d in zip(mine, done) if r["required"] and not d]
        late = [(as_of - r["due_date"]).days for r in open_required if r["due_date"]]
        overdue = max([x for x in late if x > 0], default=0)
        due_soon = any(
            r["due_date"] is not None and 0 <= (r["due_date"] - as_of).days <= soon
            for r in open_required
        )
        if len(required_done) == len(required):
            status = "complete"
        elif overdue > stuck:
            status = "stuck"
        elif overdue > 0:
            status = "behind"
        elif due_soon:
            status = "due_soon"
        else:
            status = "on_track"
        if starts is not None:
            start: date | None = starts[account]
        else:
            begun = []
            for r, d in zip(mine, done):
                if r["started_on"] is not None and r["started_on"] < as_of:
                    begun.append(r["started_on"])
                elif d:
                    begun.append(r["completed_on"])
            start = min(begun, default=None)
        onboarded = (
            max(r["completed_on"] for r in required_done)
            if required and len(required_done) == len(required)
            else None
        )
        values = [r["completed_on"] for r, d in zip(mine, done) if d and r["marks_first_value"]]
        first_value = min(values, default=None)

        def span(end: date | None, begin: date | None = start) -> float:
            return float("nan") if end is None or begin is None else float((end - begin).days)

        out[account] = {
            "status": status,
            "required_done": len(required_done),
            "required_total": len(required),
            "days_overdue": overdue,
            "days_to_onboard": span(onboarded),
            "days_to_first_value": span(first_value),
        }
    return out


@st.composite
def milestone_rows(draw: st.DrawFn) -> tuple[list[dict[str, Any]], date]:
    """Milestones of a few accounts (integer or text ids), dates around an ``as_of``."""
    integer_ids = draw(st.booleans())
    n = draw(st.integers(0, 25))
    rows = []
    base = date(2025, 1, 1)
    offsets = st.none() | st.integers(0, 90)
    for i in range(n):
        account = draw(st.integers(1, 4))
        started = draw(offsets)
        completed = draw(offsets)
        if started is not None and completed is not None and completed < started:
            started, completed = completed, started
        due = draw(offsets)
        rows.append(
            {
                "account_id": account if integer_ids else f"acct-{account}",
                "name": f"step {i}",
                "required": draw(st.booleans()),
                "due_date": None if due is None else base + timedelta(days=due),
                "started_on": None if started is None else base + timedelta(days=started),
                "completed_on": None if completed is None else base + timedelta(days=completed),
                "marks_first_value": draw(st.booleans()),
            }
        )
    as_of = base + timedelta(days=draw(st.integers(0, 100)))
    return rows, as_of


def _as_columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    names = ["account_id", "name", "required", "due_date", "started_on", "completed_on"]
    return {name: [r[name] for r in rows] for name in [*names, "marks_first_value"]}


def _compare(result: OnboardingStatus, expected: dict[Any, dict[str, Any]]) -> None:
    assert result.account_ids.tolist() == list(expected)
    for name in ("status", "required_done", "required_total", "days_overdue"):
        assert getattr(result, name).tolist() == [e[name] for e in expected.values()], name
    for name in ("days_to_onboard", "days_to_first_value"):
        want = np.array([e[name] for e in expected.values()], dtype=float)
        np.testing.assert_array_equal(getattr(result, name), want, err_msg=name)


@given(
    milestone_rows(),
    st.integers(0, 40),
    st.integers(0, 15),
)
def test_matches_the_reference(
    drawn: tuple[list[dict[str, Any]], date], stuck: int, soon: int
) -> None:
    rows, as_of = drawn
    result = onboarding(_as_columns(rows), as_of=as_of, stuck_after_days=stuck, due_soon_days=soon)
    _compare(result, reference(rows, as_of, stuck, soon, None))
    assert sum(result.counts().values()) == len(result)


@given(milestone_rows())
def test_matches_the_reference_from_account_starts(
    drawn: tuple[list[dict[str, Any]], date],
) -> None:
    rows, as_of = drawn
    ids = sorted({r["account_id"] for r in rows})
    starts = {}
    for account in ids:
        dates = [
            r[name]
            for r in rows
            if r["account_id"] == account
            for name in ("started_on", "completed_on")
            if r[name] is not None
        ]
        starts[account] = min(dates, default=date(2025, 1, 1)) - timedelta(days=3)
    accounts = {"id": ids, "start_date": [starts[a] for a in ids]}
    if not ids:
        accounts = {"id": np.array([], dtype=np.int64), "start_date": []}
    result = onboarding(_as_columns(rows), as_of=as_of, accounts=accounts)
    _compare(result, reference(rows, as_of, 30, 7, starts))


# --- input forms -----------------------------------------------------------------------------


def _sample() -> dict[str, list[Any]]:
    return columns(
        [
            {"account_id": 7, "name": "kickoff", "due_date": day(-20), "completed_on": day(-21)},
            {"account_id": 7, "name": "live", "due_date": day(-3)},
            {"account_id": 3, "name": "kickoff", "due_date": day(2), "marks_first_value": True},
        ]
    )


def test_integer_account_ids_stay_integers_and_sort() -> None:
    result = onboarding(_sample(), as_of=AS_OF)
    assert result.account_ids.tolist() == [3, 7]
    assert result.account_ids.dtype.kind == "i"
    assert result.row(7) == 1
    assert result.status.tolist() == ["due_soon", "behind"]
    with_accounts = onboarding(
        _sample(), as_of=AS_OF, accounts={"id": [7, 3], "start_date": [day(-30), day(-30)]}
    )
    assert with_accounts.account_ids.tolist() == [7, 3]  # the order of the accounts given


def test_frames_and_records_give_the_same_status() -> None:
    cols = _sample()
    expected = onboarding(cols, as_of=AS_OF)
    assert onboarding(pd.DataFrame(cols), as_of=AS_OF) == expected
    records = [
        Milestone(
            id=f"M{i}",
            account_id=cols["account_id"][i],
            name=cols["name"][i],
            due_date=cols["due_date"][i],
            completed_on=cols["completed_on"][i],
            marks_first_value=cols["marks_first_value"][i],
        )
        for i in range(3)
    ]
    from_records = onboarding(records, as_of=AS_OF)
    assert from_records.status.tolist() == expected.status.tolist()
    assert from_records.overdue.milestone_ids.tolist() == ["M1"]
    assert expected.overdue.milestone_ids.tolist() == [None]


def test_an_instant_as_of_is_taken_at_its_utc_day() -> None:
    at = datetime(2025, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 04:30 UTC on 2 Mar
    rows = columns([{"due_date": day(0), "completed_on": day(0)}])
    assert onboarding(rows, as_of=at).status.tolist() == ["complete"]
    assert onboarding(rows, as_of=AS_OF).status.tolist() == ["due_soon"]


# --- bad input -------------------------------------------------------------------------------


def test_a_milestone_of_an_unknown_account_is_named() -> None:
    with pytest.raises(InvalidInputError, match=r"row 3 \(3\)"):
        onboarding(_sample(), as_of=AS_OF, accounts={"id": [7], "start_date": [day(-30)]})


def test_a_completion_before_its_start_is_refused() -> None:
    rows = columns([{"started_on": day(-5), "completed_on": day(-9)}])
    with pytest.raises(InvalidInputError, match="`completed_on` is before `started_on`"):
        onboarding(rows, as_of=AS_OF)


def test_a_completion_before_the_accounts_start_is_refused() -> None:
    with pytest.raises(
        InvalidInputError, match=r"row 1: 'kickoff' of account 7 completed 1 days before"
    ):
        onboarding(
            _sample(), as_of=AS_OF, accounts={"id": [7, 3], "start_date": [day(-20), day(-20)]}
        )


def test_a_name_twice_within_an_account_is_refused() -> None:
    rows = _sample()
    rows["name"][1] = "kickoff"
    with pytest.raises(InvalidInputError, match=r"'kickoff' is given twice for account 7 \(rows 1"):
        onboarding(rows, as_of=AS_OF)
    rows["account_id"][1] = 3  # one name in two accounts is fine
    rows["name"][2] = "live"
    assert len(onboarding(rows, as_of=AS_OF)) == 2


def test_an_account_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="listed twice"):
        onboarding(_sample(), as_of=AS_OF, accounts={"id": [7, 7], "start_date": [day(-30)] * 2})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"as_of": datetime(2025, 3, 1)},
        {"as_of": "soon"},
        {"as_of": AS_OF, "stuck_after_days": -1},
        {"as_of": AS_OF, "due_soon_days": -1},
        {"as_of": AS_OF, "stuck_after_days": 2.5},
        {"as_of": AS_OF, "due_soon_days": True},
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        onboarding(_sample(), **kwargs)


def test_a_naive_as_of_says_how_to_fix_it() -> None:
    with pytest.raises(InvalidInputError, match="naive"):
        onboarding(_sample(), as_of=datetime(2025, 3, 1))


# --- the result ------------------------------------------------------------------------------


def _mixed() -> OnboardingStatus:
    rows = columns(
        [
            {"account_id": "a", "due_date": day(-5)},
            {"account_id": "b", "due_date": day(-45)},
            {"account_id": "b", "name": "other", "due_date": day(-2)},
            {"account_id": "c", "due_date": day(-60)},
            {"account_id": "d", "completed_on": day(-1)},
            {"account_id": "e", "due_date": day(3)},
        ]
    )
    return onboarding(rows, as_of=AS_OF)


def test_the_overdue_table_lists_open_required_milestones_most_overdue_first() -> None:
    overdue = _mixed().overdue
    assert overdue.account_ids.tolist() == ["c", "b", "a", "b"]
    assert overdue.days_overdue.tolist() == [60, 45, 5, 2]
    assert overdue.names.tolist() == ["m3", "m1", "m0", "other"]
    assert overdue.due_dates.tolist() == [day(-60), day(-45), day(-5), day(-2)]
    frame = overdue.to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "milestone_id",
        "names",
        "due_dates",
        "days_overdue",
    ]
    assert len(overdue) == 4


def test_counts_and_accounts_by_status() -> None:
    result = _mixed()
    assert result.counts() == {
        "complete": 1,
        "on_track": 0,
        "due_soon": 1,
        "behind": 1,
        "stuck": 2,
    }
    assert list(result.counts()) == list(ONBOARDING_STATUSES)
    assert result.accounts("stuck").tolist() == ["c", "b"]  # most overdue first
    assert result.accounts("on_track").tolist() == []
    with pytest.raises(InvalidInputError, match="`status` must be one of"):
        result.accounts("late")  # type: ignore[arg-type]


def test_to_pandas_and_strict_json() -> None:
    result = _mixed()
    frame = result.to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "status",
        "required_done",
        "required_total",
        "days_overdue",
        "started_on",
        "onboarded_on",
        "days_to_onboard",
        "first_value_on",
        "days_to_first_value",
    ]
    assert frame["status"].tolist() == ["behind", "stuck", "stuck", "complete", "due_soon"]
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["as_of"] == "2025-03-01"
    assert data["counts"]["stuck"] == 2
    # d's one milestone was completed without a start: begun by then, onboarded in 0 days
    assert data["days_to_onboard"] == [None, None, None, 0.0, None]
    assert data["overdue"]["days_overdue"] == [60, 45, 5, 2]
    assert "stuck" in repr(result)
    assert "2025-03-01" in repr(result)


def test_no_milestones_give_an_empty_status() -> None:
    empty = onboarding({"account_id": [], "name": []}, as_of=AS_OF)
    assert len(empty) == 0
    assert set(empty.counts().values()) == {0}
    assert json.dumps(empty.to_dict(), allow_nan=False)
