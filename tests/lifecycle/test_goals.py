"""`lifecycle.goals`: goal statuses, the attainment and on-time rates, per group.

References: a table of hand-built goals, one per rule and per boundary (achieved on the
target date, on the ``as_of`` day, target on ``as_of``, set on ``as_of``), a plain-Python
per-goal reference written below and compared on Hypothesis-generated goals, and
``scipy.stats.binomtest(...).proportion_ci("wilson")`` for every interval.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cshealth import Grouped, InvalidInputError, Rate
from cshealth.lifecycle import GOAL_STATUSES, GoalReport, goals
from cshealth.models import Goal

AS_OF = date(2025, 6, 1)


def day(offset: int | None) -> date | None:
    return None if offset is None else AS_OF + timedelta(days=offset)


#: (case, set_on, target_date, achieved_on (offsets from as_of), status, days late)
CASES: list[tuple[str, int | None, int | None, int | None, str | None, float | None]] = [
    ("achieved before its target", None, -10, -20, "achieved", -10.0),
    ("achieved on its target date", None, -10, -10, "achieved", 0.0),
    ("achieved the day after its target", None, -10, -9, "achieved_late", 1.0),
    ("achieved without a target", None, None, -5, "achieved", None),
    ("achieved on the as_of day, target later: open", None, 5, 0, "open", None),
    ("achieved on the as_of day, target passed: missed", None, -3, 0, "missed", 3.0),
    ("achieved after as_of, target passed: missed", None, -3, 8, "missed", 3.0),
    ("target on the as_of day, not achieved: open", None, 0, None, "open", None),
    ("target the day before as_of, not achieved: missed", None, -1, None, "missed", 1.0),
    ("no target, not achieved: open", None, None, None, "open", None),
    ("achieved the day before as_of, on time", -30, -1, -1, "achieved", 0.0),
    ("set on the as_of day: not yet set", 0, 10, None, None, None),
    ("set after as_of: not yet set", 3, 10, None, None, None),
]


def _case_goals() -> dict[str, list[Any]]:
    return {
        "id": [f"G{i}" for i in range(len(CASES))],
        "account_id": [f"acct {i % 3}" for i in range(len(CASES))],
        "name": [case[0] for case in CASES],
        "set_on": [day(case[1]) for case in CASES],
        "target_date": [day(case[2]) for case in CASES],
        "achieved_on": [day(case[3]) for case in CASES],
    }


def test_the_status_of_each_boundary_goal() -> None:
    report = goals(_case_goals(), as_of=AS_OF)
    listed = [case for case in CASES if case[4] is not None]
    assert report.names.tolist() == [case[0] for case in listed]
    for i, (name, _, target, achieved, status, late) in enumerate(listed):
        assert report.status[i] == status, name
        got = float(report.days_late[i])
        assert math.isnan(got) if late is None else got == late, name
        shown = report.achieved_on[i]
        if achieved is not None and achieved < 0:
            assert shown == np.datetime64(day(achieved)), name
        else:
            assert np.isnat(shown), name  # not achieved before as_of: not known yet
        assert np.isnat(report.target_date[i]) if target is None else True, name
    assert report.not_yet_set == 2
    assert report.counts() == {"achieved": 4, "achieved_late": 1, "open": 3, "missed": 3}
    assert list(report.counts()) == list(GOAL_STATUSES)
    assert report.open == 3
    assert report.attainment == Rate(5, 8)
    assert report.on_time == Rate(4, 8)


@pytest.mark.parametrize(("successes", "n"), [(0, 1), (1, 1), (3, 8), (17, 40), (0, 25), (9, 9)])
def test_rates_carry_wilson_intervals(successes: int, n: int) -> None:
    achieved = ["2025-01-10"] * successes + [None] * (n - successes)
    plan = {
        "account_id": ["a"] * n,
        "name": [f"g{i}" for i in range(n)],
        "target_date": ["2025-02-01"] * n,
        "achieved_on": achieved,
    }
    report = goals(plan, as_of=AS_OF)
    assert report.attainment == Rate(successes, n)
    ci = report.attainment.confidence_interval()
    assert ci is not None
    expected = stats.binomtest(successes, n).proportion_ci(method="wilson")
    assert ci.low == pytest.approx(expected.low, abs=1e-12)
    assert ci.high == pytest.approx(expected.high, abs=1e-12)
    data = report.to_dict()
    interval = data["attainment"]["confidence_interval"]  # type: ignore[index]
    assert interval == {"low": ci.low, "high": ci.high}


def test_no_decided_goal_gives_rates_of_nothing() -> None:
    report = goals({"account_id": ["a"], "name": ["g"], "target_date": ["2025-09-01"]}, as_of=AS_OF)
    assert report.status.tolist() == ["open"]
    assert report.attainment.statistic is None
    assert report.on_time.n == 0
    assert report.attainment.confidence_interval() is None
    assert "no goal decided yet" in report.format()
    assert json.dumps(report.to_dict(), allow_nan=False)


# --- the reference ----------------------------------------------------------------------------


def reference(rows: list[dict[str, Any]], as_of: date) -> list[tuple[str, float | None]]:
    """(status, days late) of each goal set before ``as_of``, goal by goal."""
    out: list[tuple[str, float | None]] = []
    for row in rows:
        if row["set_on"] is not None and row["set_on"] >= as_of:
            continue
        target, achieved = row["target_date"], row["achieved_on"]
        if achieved is not None and achieved < as_of:
            if target is None:
                out.append(("achieved", None))
            else:
                late = (achieved - target).days
                out.append(("achieved" if late <= 0 else "achieved_late", float(late)))
        elif target is not None and target < as_of:
            out.append(("missed", float((as_of - target).days)))
        else:
            out.append(("open", None))
    return out


@st.composite
def goal_rows(draw: st.DrawFn) -> tuple[list[dict[str, Any]], date]:
    base = date(2025, 1, 1)
    rows = []
    for i in range(draw(st.integers(0, 30))):
        set_on = draw(st.none() | st.integers(0, 60))
        start = set_on or 0
        target = draw(st.none() | st.integers(start, 120))
        achieved = draw(st.none() | st.integers(start, 120))
        rows.append(
            {
                "id": i,
                "account_id": draw(st.integers(1, 5)),
                "name": f"goal {i}",
                "set_on": day_from(base, set_on),
                "target_date": day_from(base, target),
                "achieved_on": day_from(base, achieved),
            }
        )
    return rows, base + timedelta(days=draw(st.integers(0, 130)))


def day_from(base: date, offset: int | None) -> date | None:
    return None if offset is None else base + timedelta(days=offset)


def _columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    names = ["id", "account_id", "name", "set_on", "target_date", "achieved_on"]
    out: dict[str, Any] = {name: [row[name] for row in rows] for name in names}
    if not rows:
        out["id"] = out["account_id"] = np.array([], dtype=np.int64)
    return out


@given(goal_rows())
def test_matches_the_reference(drawn: tuple[list[dict[str, Any]], date]) -> None:
    rows, as_of = drawn
    report = goals(_columns(rows), as_of=as_of)
    expected = reference(rows, as_of)
    assert report.status.tolist() == [status for status, _ in expected]
    want = np.array([np.nan if late is None else late for _, late in expected], dtype=float)
    np.testing.assert_array_equal(report.days_late, want)
    statuses = [status for status, _ in expected]
    decided = sum(status != "open" for status in statuses)
    won = statuses.count("achieved") + statuses.count("achieved_late")
    assert report.attainment == Rate(won, decided)
    assert report.on_time == Rate(statuses.count("achieved"), decided)
    assert report.not_yet_set == len(rows) - len(expected)


@given(goal_rows())
def test_groups_are_each_groups_own_report(drawn: tuple[list[dict[str, Any]], date]) -> None:
    rows, as_of = drawn
    mapping = {1: "one", 2: "two", 3: "one"}
    grouped = goals(_columns(rows), as_of=as_of, by=mapping)
    assert isinstance(grouped, Grouped)
    assert grouped.overall == goals(_columns(rows), as_of=as_of)
    for label, report in grouped.items():
        mine = [r for r in rows if mapping.get(r["account_id"], "(none)") == label]
        assert report == goals(_columns(mine), as_of=as_of)
    assert grouped.ungrouped == sum(r["account_id"] not in mapping for r in rows)
    assert sum(len(report) for report in grouped.values()) == len(grouped.overall)


# --- by, input forms, the result -----------------------------------------------------------------


def test_by_a_column_of_the_goals() -> None:
    plan = {**_case_goals(), "owner": ["ann", "bob", None] * 4 + ["ann"]}
    grouped = goals(plan, as_of=AS_OF, by="owner")
    assert list(grouped) == ["(none)", "ann", "bob"]
    assert grouped.ungrouped == 4
    assert sum(report.not_yet_set for report in grouped.values()) == 2
    frame = grouped.to_pandas()
    assert list(frame.columns[:3]) == ["group", "goal_id", "account_id"]
    assert len(frame) == len(grouped.overall)
    text = grouped.format()
    assert text.splitlines()[0] == "GoalReport by owner: 3 groups, 4 without one in '(none)'"
    assert text.splitlines()[2].startswith("(all)")


def test_frames_and_records_agree() -> None:
    plan = _case_goals()
    expected = goals(plan, as_of=AS_OF)
    assert goals(pd.DataFrame(plan), as_of=AS_OF) == expected
    records = [
        Goal(
            id=plan["id"][i],
            account_id=plan["account_id"][i],
            name=plan["name"][i],
            set_on=plan["set_on"][i],
            target_date=plan["target_date"][i],
            achieved_on=plan["achieved_on"][i],
        )
        for i in range(len(CASES))
    ]
    assert goals(records, as_of=AS_OF) == expected
    assert goals(iter(records), as_of=AS_OF) == expected


def test_integer_ids_and_goals_without_ids() -> None:
    plan = {
        "account_id": [7, 7, 9],
        "name": ["a", "b", "a"],
        "achieved_on": [None, "2025-01-01", None],
    }
    report = goals(plan, as_of=AS_OF)
    assert report.goal_ids.tolist() == [None, None, None]
    assert report.account_ids.tolist() == [7, 7, 9]
    assert report.account_ids.dtype.kind == "i"
    grouped = goals(plan, as_of=AS_OF, by={9: "late"})
    assert list(grouped) == ["(none)", "late"]
    assert grouped["late"].account_ids.tolist() == [9]


def test_to_pandas_to_dict_and_text() -> None:
    report = goals(_case_goals(), as_of=AS_OF)
    assert isinstance(report, GoalReport)
    frame = report.to_pandas()
    assert list(frame.columns) == [
        "goal_id",
        "account_id",
        "names",
        "status",
        "target_date",
        "achieved_on",
        "days_late",
    ]
    assert len(frame) == len(report) == 11
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["counts"] == report.counts()
    assert data["attainment"]["successes"] == 5
    assert data["attainment"]["n"] == 8
    assert data["not_yet_set"] == 2
    assert data["as_of"] == "2025-06-01"
    text = report.format()
    assert "4 achieved, 1 achieved late, 3 missed, 3 open" in text
    assert "2 set on or after 2025-06-01 left out" in text
    assert "attainment: 62% (31% to 86%), 5 of 8" in text
    assert repr(report).startswith("GoalReport(11 goals as of 2025-06-01")


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        ({}, {"as_of": datetime(2025, 6, 1)}, "naive"),
        ({}, {"as_of": AS_OF, "by": "region"}, "`by` names no column of the goals"),
        ({}, {"as_of": AS_OF, "by": ["owner"]}, "`by` (must be|takes) a column name or a mapping"),
        ({}, {"as_of": AS_OF, "by": {1: "x"}}, "keyed by whole numbers"),
        ({"achieved_on": ["2024-01-01"]}, {"as_of": AS_OF}, "`achieved_on` is before `set_on`"),
        ({"target_date": ["2024-01-01"]}, {"as_of": AS_OF}, "`target_date` is before `set_on`"),
        ({"target_date": ["soon"]}, {"as_of": AS_OF}, "target_date"),
        ({"name": [None]}, {"as_of": AS_OF}, "name"),
    ],
)
def test_bad_input_is_refused(change: dict[str, Any], kwargs: dict[str, Any], message: str) -> None:
    plan = {"id": ["G1"], "account_id": ["a"], "name": ["g"], "set_on": ["2025-01-01"], **change}
    with pytest.raises(InvalidInputError, match=message):
        goals(plan, **kwargs)


def test_missing_columns_are_named() -> None:
    with pytest.raises(InvalidInputError, match="account_id"):
        goals({"name": ["g"]}, as_of=AS_OF)
