"""`lifecycle.onboarding_report`: onboarding per start cohort.

References: a plain-Python per-account reference written below (each account's
milestones and tickets walked with ``datetime.date`` arithmetic: onboarded day (the
start, when no milestone is required), first value day, follow-up end, late milestones,
tickets from the start until onboarded or ``as_of``), whose durations go to lifelines'
``KaplanMeierFitter`` for the medians; compared on a hand-built data set (every rule at
its boundary, with the expected figures written out) and on Hypothesis-generated
accounts, milestones and tickets for every period; `time_to_value`, whose per-cohort
median and count of first value the report must repeat; and `onboarding`, whose
``complete`` accounts per cohort are the report's onboarded ones.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from cshealth import InvalidInputError
from cshealth.lifecycle import OnboardingReport, onboarding, onboarding_report, time_to_value

AS_OF = date(2025, 4, 15)
PERIODS = ("week", "month", "quarter", "year")


def label(day: date, period: str) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def instant(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


# --- the reference -----------------------------------------------------------------------------


@dataclass
class Cohort:
    started: int = 0
    with_milestones: int = 0
    onboarded: int = 0
    first_value: int = 0
    to_onboard: list[tuple[float, bool]] = field(default_factory=list)
    to_value: list[tuple[float, bool]] = field(default_factory=list)
    late: int = 0
    dated: int = 0
    tickets: int = 0


def km_median(pairs: list[tuple[float, bool]]) -> float:
    """lifelines' Kaplan–Meier median (NaN when not reached or without accounts)."""
    if not pairs:
        return math.nan
    kmf = KaplanMeierFitter().fit([d for d, _ in pairs], event_observed=[e for _, e in pairs])
    median = float(kmf.median_survival_time_)
    return math.nan if math.isinf(median) else median


def _done(m: dict[str, Any], as_of: date) -> bool:
    """Completed strictly before ``as_of`` (completed on the day: still open)."""
    return m["completed_on"] is not None and m["completed_on"] < as_of


def _late(mine: list[dict[str, Any]], as_of: date) -> tuple[int, int]:
    """Milestones with a due date that are late (done after it, or open past it), of all."""
    dated = [m for m in mine if m["due_date"] is not None]
    late = [
        m["completed_on"] > m["due_date"] if _done(m, as_of) else as_of > m["due_date"]
        for m in dated
    ]
    return sum(late), len(dated)


def _event(day: date | None, start: date, stop: date) -> tuple[float, bool]:
    """Days from the start to the event, or to the end of follow-up (censored)."""
    return (float(((day or stop) - start).days), day is not None)


def reference(
    accounts: list[dict[str, Any]],
    milestones: list[dict[str, Any]],
    tickets: list[dict[str, Any]],
    as_of: date,
    period: str,
) -> dict[str, Cohort]:
    """Per cohort label, the figures, account by account."""
    out: dict[str, Cohort] = defaultdict(Cohort)
    for account in accounts:
        start, end = account["start_date"], account.get("end_date")
        if start >= as_of:
            continue  # not started yet
        cohort = out[label(start, period)]
        cohort.started += 1
        mine = [m for m in milestones if m["account_id"] == account["id"]]
        if not mine:
            continue  # no milestones: left out of the figures
        cohort.with_milestones += 1
        required = [m for m in mine if m["required"]]
        if not required:
            onboarded = start  # nothing required: complete from the start
        elif all(_done(m, as_of) for m in required):
            onboarded = max(m["completed_on"] for m in required)
        else:
            onboarded = None
        values = [m["completed_on"] for m in mine if m["marks_first_value"] and _done(m, as_of)]
        first = min(values) if values else None
        stop = end if end is not None and end <= as_of else as_of
        cohort.onboarded += onboarded is not None
        cohort.to_onboard.append(_event(onboarded, start, stop))
        if any(m["marks_first_value"] for m in mine):
            cohort.to_value.append(_event(first, start, stop))
        cohort.first_value += first is not None
        late, dated = _late(mine, as_of)
        cohort.late += late
        cohort.dated += dated
        until = min(onboarded or as_of, as_of)
        cohort.tickets += sum(
            t["account_id"] == account["id"]
            and start <= t["created_at"].astimezone(timezone.utc).date() < until
            for t in tickets
        )
    return dict(sorted(out.items()))


def columns(rows: list[dict[str, Any]], names: list[str]) -> dict[str, list[Any]]:
    return {name: [row.get(name) for row in rows] for name in names}


ACCOUNT_COLUMNS = ["id", "start_date", "end_date"]
MILESTONE_COLUMNS = [
    "account_id",
    "name",
    "required",
    "due_date",
    "completed_on",
    "marks_first_value",
]
TICKET_COLUMNS = ["id", "account_id", "channel", "created_at"]


def check(
    report: OnboardingReport,
    accounts: list[dict[str, Any]],
    milestones: list[dict[str, Any]],
    tickets: list[dict[str, Any]] | None,
    *,
    as_of: date,
    period: str,
) -> None:
    expected = reference(accounts, milestones, tickets or [], as_of, period)
    assert report.cohorts.tolist() == list(expected)
    for i, cohort in enumerate(expected.values()):
        name = report.cohorts[i]
        assert report.started[i] == cohort.started, name
        assert report.with_milestones[i] == cohort.with_milestones, name
        assert report.onboarded[i] == cohort.onboarded, name
        assert report.first_value[i] == cohort.first_value, name
        np.testing.assert_equal(report.median_days_to_onboard[i], km_median(cohort.to_onboard))
        np.testing.assert_equal(report.median_days_to_first_value[i], km_median(cohort.to_value))
        late = cohort.late / cohort.dated if cohort.dated else math.nan
        assert report.milestones_late[i] == pytest.approx(late, nan_ok=True), name
        if tickets is None:
            assert math.isnan(report.tickets_per_account[i])
        else:
            per = cohort.tickets / cohort.with_milestones if cohort.with_milestones else math.nan
            assert report.tickets_per_account[i] == pytest.approx(per, nan_ok=True), name
    assert (report.as_of, report.period) == (as_of, period)


# --- the hand-built data set -----------------------------------------------------------------


def d(text: str) -> date:
    return date.fromisoformat(text)


ACCOUNTS: list[dict[str, Any]] = [
    {"id": "fast", "start_date": d("2024-10-01")},
    {"id": "steady", "start_date": d("2024-10-15")},
    {"id": "slow", "start_date": d("2024-11-01")},
    {"id": "left", "start_date": d("2024-12-01"), "end_date": d("2025-01-15")},
    {"id": "no plan", "start_date": d("2024-12-15")},
    {"id": "on its due date", "start_date": d("2025-01-10")},
    {"id": "done on as_of", "start_date": d("2025-02-01")},
    {"id": "starts on as_of", "start_date": AS_OF},
    {"id": "future", "start_date": d("2025-05-01")},
]


def _m(account: str, name: str, due: str | None, done: str | None, **kw: Any) -> dict[str, Any]:
    return {
        "account_id": account,
        "name": name,
        "required": kw.get("required", True),
        "due_date": None if due is None else d(due),
        "completed_on": None if done is None else d(done),
        "marks_first_value": kw.get("value", False),
    }


MILESTONES: list[dict[str, Any]] = [
    _m("fast", "kickoff", "2024-10-10", "2024-10-08"),
    _m("fast", "live", "2024-11-01", "2024-11-05"),  # late by 4 days; onboarded: 35 days
    _m("fast", "report", "2024-11-15", "2024-11-10", required=False, value=True),  # 40 days
    _m("steady", "live", "2024-12-01", "2024-11-25", value=True),  # 41 days, both
    _m("slow", "kickoff", "2024-11-10", "2024-11-20"),  # completed late
    _m("slow", "live", "2024-12-15", None),  # open past its due date: late
    _m("slow", "report", None, None, required=False, value=True),  # no due date
    _m("left", "live", "2025-01-10", None, value=True),  # open past due; left on 01-15
    _m("on its due date", "live", "2025-02-01", "2025-02-01", value=True),  # 22 days, not late
    _m("done on as_of", "live", "2025-04-20", "2025-04-15"),  # completed on as_of: open
    _m("starts on as_of", "live", "2025-04-01", None),  # not started: not counted
    _m("future", "live", "2025-05-10", None),
]

TICKETS: list[dict[str, Any]] = [
    {"account_id": "fast", "created_at": instant(d("2024-10-01"))},  # on the start day
    {"account_id": "fast", "created_at": instant(d("2024-11-04"), 23, 59)},
    {"account_id": "fast", "created_at": instant(d("2024-11-05"), 8)},  # the onboarded day
    {"account_id": "fast", "created_at": instant(d("2024-09-30"), 23)},  # before the start
    {"account_id": "slow", "created_at": instant(d("2025-04-14"), 12)},  # not onboarded yet
    {"account_id": "slow", "created_at": instant(AS_OF)},  # on as_of: not yet
    {"account_id": "no plan", "created_at": instant(d("2025-01-01"))},  # no milestones
    {"account_id": "starts on as_of", "created_at": instant(d("2025-03-01"))},
]
for _i, _t in enumerate(TICKETS):
    _t["id"] = _i
    _t["channel"] = "email"


def _hand(period: str = "quarter", *, tickets: bool = True) -> OnboardingReport:
    return onboarding_report(
        columns(ACCOUNTS, ACCOUNT_COLUMNS),
        columns(MILESTONES, MILESTONE_COLUMNS),
        columns(TICKETS, TICKET_COLUMNS) if tickets else (),
        as_of=AS_OF,
        period=period,  # type: ignore[arg-type]
    )


def test_the_hand_built_figures() -> None:
    report = _hand()
    assert report.cohorts.tolist() == ["2024-Q4", "2025-Q1"]
    assert report.started.tolist() == [5, 2]
    assert report.with_milestones.tolist() == [4, 2]  # 'no plan' is left out of the figures
    assert report.onboarded.tolist() == [2, 1]
    # 2024-Q4: onboarded after 35 and 41 days; 'slow' censored at 165, 'left' at 45
    assert report.median_days_to_onboard.tolist() == [41.0, 22.0]
    assert report.first_value.tolist() == [2, 1]
    assert report.median_days_to_first_value.tolist() == [41.0, 22.0]
    assert report.milestones_late.tolist() == [4 / 7, 0.0]
    assert report.tickets_per_account.tolist() == [3 / 4, 0.0]


@pytest.mark.parametrize("period", PERIODS)
def test_the_hand_built_set_against_the_reference(period: str) -> None:
    report = _hand(period)
    check(report, ACCOUNTS, MILESTONES, TICKETS, as_of=AS_OF, period=period)
    check(_hand(period, tickets=False), ACCOUNTS, MILESTONES, None, as_of=AS_OF, period=period)


def test_tickets_are_counted_from_the_start_until_onboarded_or_as_of() -> None:
    account = [{"id": 1, "start_date": d("2025-01-01")}]
    plan = [_m(1, "live", None, "2025-02-01")]  # type: ignore[arg-type]
    times = [
        (instant(d("2024-12-31"), 23, 59), False),  # before the start
        (instant(d("2025-01-01")), True),  # the start day
        (instant(d("2025-01-31"), 23, 59), True),  # the day before onboarding
        (instant(d("2025-02-01")), False),  # the onboarding day: done
        (datetime(2025, 1, 1, 1, tzinfo=timezone(timedelta(hours=3))), False),  # UTC: Dec 31
    ]
    tickets = {
        "id": list(range(len(times))),
        "account_id": [1] * len(times),
        "channel": ["chat"] * len(times),
        "created_at": [t for t, _ in times],
    }
    report = onboarding_report(
        columns(account, ACCOUNT_COLUMNS), columns(plan, MILESTONE_COLUMNS), tickets, as_of=AS_OF
    )
    assert report.tickets_per_account.tolist() == [sum(c for _, c in times)]
    # before onboarding, tickets count up to as_of (on the as_of day: not yet)
    early = onboarding_report(
        columns(account, ACCOUNT_COLUMNS),
        columns(plan, MILESTONE_COLUMNS),
        tickets,
        as_of=d("2025-01-31"),
    )
    assert early.tickets_per_account.tolist() == [1.0]


def test_reaching_value_after_leaving_counts_as_time_to_value_counts_it() -> None:
    accounts = [
        {"id": "a", "start_date": d("2025-01-01"), "end_date": d("2025-01-27")},
        {"id": "b", "start_date": d("2025-01-01")},
        {"id": "c", "start_date": d("2025-01-01")},
    ]
    plan = [
        _m("a", "fv", None, "2025-02-24", value=True),  # 54 days: after it left, before as_of
        _m("b", "fv", None, "2025-01-11", value=True),  # 10 days
        _m("c", "fv", None, "2025-03-02", value=True),  # 60 days
    ]
    acc, ms = columns(accounts, ACCOUNT_COLUMNS), columns(plan, MILESTONE_COLUMNS)
    report = onboarding_report(acc, ms, as_of=AS_OF)
    ttv = time_to_value(acc, ms, as_of=AS_OF)
    assert ttv.status.tolist() == ["reached"] * 3
    assert report.median_days_to_first_value.tolist() == ttv.cohorts.median_days.tolist()
    assert report.median_days_to_first_value.tolist() == [54.0]
    assert report.first_value.tolist() == report.onboarded.tolist() == [3]
    check(report, accounts, plan, None, as_of=AS_OF, period="quarter")


def test_accounts_starting_on_or_after_as_of_add_no_cohort() -> None:
    accounts = [{"id": "a", "start_date": d("2025-01-06")}, {"id": "b", "start_date": AS_OF}]
    plan = [_m("a", "go", None, None), _m("b", "go", None, None)]
    report = onboarding_report(
        columns(accounts, ACCOUNT_COLUMNS), columns(plan, MILESTONE_COLUMNS), as_of=AS_OF
    )
    assert report.cohorts.tolist() == ["2025-Q1"]  # not 2025-Q2, where as_of falls
    only_later = onboarding_report(
        columns(accounts[1:], ACCOUNT_COLUMNS), columns(plan[1:], MILESTONE_COLUMNS), as_of=AS_OF
    )
    assert len(only_later) == 0
    assert only_later.started.tolist() == []


def test_accounts_without_milestones_are_left_out_of_the_figures() -> None:
    accounts = [{"id": i, "start_date": d("2025-01-06")} for i in range(4)]
    plan = [_m(0, "go", "2025-01-20", "2025-01-26")]  # type: ignore[arg-type]
    tickets = {
        "id": [1, 2, 3],
        "account_id": [0, 1, 2],
        "channel": ["email"] * 3,
        "created_at": [instant(d("2025-01-10"))] * 3,
    }
    report = onboarding_report(
        columns(accounts, ACCOUNT_COLUMNS), columns(plan, MILESTONE_COLUMNS), tickets, as_of=AS_OF
    )
    assert report.started.tolist() == [4]
    assert report.with_milestones.tolist() == [1]
    assert report.onboarded.tolist() == [1]
    assert report.median_days_to_onboard.tolist() == [20.0]  # not dragged by the other three
    assert report.milestones_late.tolist() == [1.0]
    assert report.tickets_per_account.tolist() == [1.0]  # account 0's ticket, over 1 account
    assert math.isnan(report.median_days_to_first_value[0])  # no first-value milestone
    assert report.first_value.tolist() == [0]


def test_an_account_with_only_optional_milestones_is_onboarded_from_its_start() -> None:
    accounts = [{"id": name, "start_date": d("2025-01-06")} for name in OPTIONAL_PLANS]
    plan = [m for plans in OPTIONAL_PLANS.values() for m in plans]
    tickets = {
        "id": [1, 2, 3],
        "account_id": ["optional", "optional, open", "required"],
        "channel": ["email"] * 3,
        "created_at": [
            instant(d("2025-01-10")),
            instant(d("2025-01-06")),
            instant(d("2025-01-10")),
        ],
    }
    acc, ms = columns(accounts, ACCOUNT_COLUMNS), columns(plan, MILESTONE_COLUMNS)
    report = onboarding_report(acc, ms, tickets, as_of=AS_OF)
    assert report.with_milestones.tolist() == [5]
    # both all-optional plans are complete on their start day, as `onboarding` says
    assert report.onboarded.tolist() == [4]
    status = onboarding(ms, as_of=AS_OF, accounts=acc)
    assert dict(zip(status.account_ids.tolist(), status.status.tolist())) == {
        "optional": "complete",
        "optional, open": "complete",
        "required": "complete",
        "required, early": "complete",
        "required, open": "on_track",
    }
    # days to onboard 0, 0, 20, 40 and one censored at 99: S(0) = 3/5, S(20) = 2/5
    assert report.median_days_to_onboard.tolist() == [20.0]
    assert report.median_days_to_onboard[0] == km_median(
        [(0.0, True), (0.0, True), (20.0, True), (40.0, True), (99.0, False)]
    )
    assert report.tickets_per_account.tolist() == [1 / 5]  # only the required plan's ticket
    assert report.first_value.tolist() == [1]
    assert report.median_days_to_first_value.tolist() == [30.0]
    ticket_rows = [dict(zip(tickets, values)) for values in zip(*tickets.values())]
    check(report, accounts, plan, ticket_rows, as_of=AS_OF, period="quarter")


#: Plans of accounts started on 2025-01-06: two with optional milestones only.
OPTIONAL_PLANS: dict[str, list[dict[str, Any]]] = {
    "optional": [
        _m("optional", "kickoff", "2025-01-10", "2025-01-20", required=False),
        _m("optional", "report", None, "2025-02-05", required=False, value=True),
    ],
    "optional, open": [_m("optional, open", "training", "2025-02-01", None, required=False)],
    "required": [_m("required", "live", None, "2025-02-15")],
    "required, early": [_m("required, early", "live", None, "2025-01-26")],
    "required, open": [_m("required, open", "live", None, None)],
}


# --- Hypothesis --------------------------------------------------------------------------------


@st.composite
def books(
    draw: st.DrawFn,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], date]:
    base = date(2024, 7, 1)
    n = draw(st.integers(0, 12))
    accounts, milestones, tickets = [], [], []
    for i in range(n):
        start = base + timedelta(draw(st.integers(0, 300)))
        length = draw(st.none() | st.integers(1, 200))
        accounts.append(
            {
                "id": i,
                "start_date": start,
                "end_date": None if length is None else start + timedelta(length),
            }
        )
        for j in range(draw(st.integers(0, 3))):
            due = draw(st.none() | st.integers(0, 90))
            done = draw(st.none() | st.integers(0, 150))
            milestones.append(
                {
                    "account_id": i,
                    "name": f"step {j}",
                    "required": draw(st.booleans()),
                    "due_date": None if due is None else start + timedelta(due),
                    "completed_on": None if done is None else start + timedelta(done),
                    "marks_first_value": draw(st.booleans()),
                }
            )
        for _ in range(draw(st.integers(0, 3))):
            when = start + timedelta(draw(st.integers(-5, 200)))
            tickets.append(
                {
                    "id": len(tickets),
                    "account_id": i,
                    "channel": "email",
                    "created_at": instant(when, draw(st.integers(0, 23))),
                }
            )
    as_of = base + timedelta(draw(st.integers(1, 400)))
    return accounts, milestones, tickets, as_of


def _empty_ids(cols: dict[str, list[Any]], name: str) -> dict[str, Any]:
    if cols[name]:
        return cols
    return {**cols, name: np.array([], dtype=np.int64)}


@given(books(), st.sampled_from(PERIODS), st.booleans())
def test_matches_the_reference_on_generated_books(
    drawn: tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], date],
    period: str,
    with_tickets: bool,
) -> None:
    accounts, milestones, tickets, as_of = drawn
    acc = _empty_ids(columns(accounts, ACCOUNT_COLUMNS), "id")
    ms = _empty_ids(columns(milestones, MILESTONE_COLUMNS), "account_id")
    given_tickets: object = (
        _empty_ids(columns(tickets, TICKET_COLUMNS), "account_id") if with_tickets else ()
    )
    report = onboarding_report(acc, ms, given_tickets, as_of=as_of, period=period)  # type: ignore[arg-type]
    check(
        report,
        accounts,
        milestones,
        tickets if with_tickets else None,
        as_of=as_of,
        period=period,
    )
    # time to value, per cohort, agrees
    ttv = time_to_value(acc, ms, as_of=as_of, period=period)  # type: ignore[arg-type]
    cohorts = ttv.cohorts
    for i, name in enumerate(cohorts.cohort.tolist()):
        row = report.cohorts.tolist().index(name)
        np.testing.assert_equal(report.median_days_to_first_value[row], cohorts.median_days[i])
        assert report.first_value[row] == cohorts.reached[i]
    # onboarding, per cohort, agrees: the onboarded accounts are the complete ones
    status = onboarding(ms, as_of=as_of, accounts=acc)
    start = {a["id"]: a["start_date"] for a in accounts}
    complete: dict[str, int] = defaultdict(int)
    for account, state in zip(status.account_ids.tolist(), status.status.tolist()):
        if start[account] < as_of and state == "complete":
            complete[label(start[account], period)] += 1
    assert dict(zip(report.cohorts.tolist(), report.onboarded.tolist())) == {
        name: complete[name] for name in report.cohorts.tolist()
    }


# --- options, refusals and the result ------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "labels"),
    [
        ("quarter", ["2024-Q4", "2025-Q1"]),
        ("month", ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]),
        ("year", ["2024", "2025"]),
        (
            "week",
            ["2024-W40", "2024-W42", "2024-W44", "2024-W48", "2024-W50", "2025-W02", "2025-W05"],
        ),
    ],
)
def test_the_period_sets_the_cohorts(period: str, labels: list[str]) -> None:
    report = _hand(period)
    assert report.cohorts.tolist() == labels
    assert report.started.sum() == 7
    assert report.period == period


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "day"}, "`period` must be one of"),
        ({"period": "Quarter"}, "`period` must be one of"),
        ({"period": None}, "`period` must be one of"),
        ({"as_of": datetime(2025, 4, 15)}, "`as_of` is a naive datetime"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    call: dict[str, Any] = {"as_of": AS_OF, **kwargs}
    with pytest.raises(InvalidInputError, match=message):
        onboarding_report(
            columns(ACCOUNTS, ACCOUNT_COLUMNS), columns(MILESTONES, MILESTONE_COLUMNS), **call
        )


def test_bad_data_is_named() -> None:
    acc = columns(ACCOUNTS, ACCOUNT_COLUMNS)
    ms = columns(MILESTONES, MILESTONE_COLUMNS)
    with pytest.raises(InvalidInputError, match=r"belong to no account given: row 1 \('ghost'\)"):
        onboarding_report(acc, {**ms, "account_id": ["ghost", *ms["account_id"][1:]]}, as_of=AS_OF)
    early = {**ms, "completed_on": [d("2024-09-01"), *ms["completed_on"][1:]]}
    with pytest.raises(InvalidInputError, match="'kickoff' of account 'fast' completed 30 days"):
        onboarding_report(acc, early, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="different kinds"):
        onboarding_report(acc, ms, {"account_id": [5], "created_at": [instant(AS_OF)]}, as_of=AS_OF)
    naive = {"account_id": ["fast"], "created_at": ["2025-01-07T00:00"]}
    with pytest.raises(InvalidInputError, match="no time zone"):
        onboarding_report(acc, ms, naive, as_of=AS_OF)


def test_to_pandas_to_dict_and_text() -> None:
    report = _hand()
    frame = report.to_pandas()
    assert list(frame.columns) == [
        "cohorts",
        "started",
        "with_milestones",
        "onboarded",
        "median_days_to_onboard",
        "first_value",
        "median_days_to_first_value",
        "milestones_late",
        "tickets_per_account",
    ]
    assert len(frame) == len(report) == 2
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["median_days_to_onboard"] == [41.0, 22.0]
    assert data["as_of"] == "2025-04-15"
    text = report.format()
    lines = text.splitlines()
    assert len(lines) == 3
    assert lines[1].split() == ["2024-Q4", "5", "2", "41", "2", "41", "57%", "0.8"]
    assert lines[2].split() == ["2025-Q1", "2", "1", "22", "1", "22", "0%", "0.0"]
    assert repr(report) == (
        "OnboardingReport(2 quarter cohorts as of 2025-04-15: 7 started, 3 onboarded)"
    )
    without = _hand(tickets=False)
    assert without.format().splitlines()[1].split()[-1] == "-"
