"""`lifecycle.time_to_value`: the censored curve of reaching first value.

References: lifelines' ``KaplanMeierFitter`` (median, its interval, survival and its
log-log band at the horizons) on the durations, a plain-Python per-account reference of
each account's status and duration (written below with ``datetime.date`` arithmetic),
compared on Hypothesis-generated accounts, a table of hand-built accounts per rule and
boundary, and the issue's simulation (400 accounts over 120 days, a true median of 40
days), in which the reached-only median is far below the Kaplan–Meier one.
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
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from cshealth import Grouped, InvalidInputError
from cshealth.lifecycle import VALUE_STATUSES, Share, TimeToValue, time_to_value
from cshealth.models import Account, Milestone
from cshealth.retention import kaplan_meier

AS_OF = date(2025, 5, 1)
TOL = 1e-10


def day(offset: int) -> date:
    return AS_OF + timedelta(days=offset)


# --- hand-built accounts, one per rule and boundary ------------------------------------------

#: (account id, start offset, end offset or None, first-value completions (offsets),
#:  has a first-value milestone, expected status, expected duration or None)
CASES: list[tuple[str, int, int | None, list[int | None], bool, str, float | None]] = [
    ("reached", -50, None, [-20], True, "reached", 30.0),
    ("reached on its start day", -50, None, [-50], True, "reached", 0.0),
    ("earliest of two first values", -50, None, [-10, -30], True, "reached", 20.0),
    ("completed on the as_of day: not yet", -50, None, [0], True, "not_reached", 50.0),
    ("completed after as_of: not yet", -50, None, [7], True, "not_reached", 50.0),
    ("open", -40, None, [None], True, "not_reached", 40.0),
    ("churned first", -90, -30, [None], True, "churned", 60.0),
    ("ended on the as_of day: churned", -90, 0, [None], True, "churned", 90.0),
    ("ends after as_of: not known yet", -90, 10, [None], True, "not_reached", 90.0),
    ("reached after it ended, before as_of", -90, -30, [-20], True, "reached", 70.0),
    ("no first-value milestone", -60, None, [-20], False, "no_first_value_milestone", None),
    ("no milestones at all", -60, None, [], False, "no_first_value_milestone", None),
    ("starts on the as_of day", 0, None, [None], True, "not_started", None),
    ("starts after as_of", 20, None, [None], True, "not_started", None),
    ("started the day before", -1, None, [None], True, "not_reached", 1.0),
]


def _case_data() -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    accounts: dict[str, list[Any]] = {"id": [], "start_date": [], "end_date": []}
    milestones: dict[str, list[Any]] = {
        "account_id": [],
        "name": [],
        "marks_first_value": [],
        "completed_on": [],
    }
    for name, start, end, completions, has_value, _, _ in CASES:
        accounts["id"].append(name)
        accounts["start_date"].append(day(start))
        accounts["end_date"].append(None if end is None else day(end))
        for i, completed in enumerate(completions):
            milestones["account_id"].append(name)
            milestones["name"].append(f"step {i}")
            milestones["marks_first_value"].append(has_value)
            milestones["completed_on"].append(None if completed is None else day(completed))
    return accounts, milestones


def test_the_statuses_and_durations_of_the_boundary_accounts() -> None:
    result = time_to_value(*_case_data(), as_of=AS_OF)
    assert result.account_ids.tolist() == [case[0] for case in CASES]
    for i, (name, *_, status, duration) in enumerate(CASES):
        assert result.status[i] == status, name
        got = float(result.duration_days[i])
        assert math.isnan(got) if duration is None else got == duration, name
    counts = result.counts()
    assert counts == {
        "reached": 4,
        "not_reached": 5,
        "churned": 2,
        "no_first_value_milestone": 2,
        "not_started": 2,
    }
    assert list(counts) == list(VALUE_STATUSES)
    assert (result.n, result.n_reached, result.n_censored) == (11, 4, 7)
    assert result.first_value_on.tolist()[:3] == [day(-20), day(-50), day(-30)]


def test_the_curve_is_kaplan_meier_of_the_accounts_on_it() -> None:
    result = time_to_value(*_case_data(), as_of=AS_OF)
    on = np.isin(result.status, ["reached", "not_reached", "churned"])
    expected = kaplan_meier(result.duration_days[on], result.status[on] == "reached")
    assert result.curve == expected
    reached = result.duration_days[result.status == "reached"]
    assert result.naive_median == float(np.median(reached)) == 25.0  # of 0, 20, 30, 70


def test_horizon_boundaries_count_an_account_reaching_value_on_the_day() -> None:
    """Reaching value in exactly 30 days is within 30 days (``S`` is right-continuous)."""
    accounts = {"id": list("abcd"), "start_date": [day(-100)] * 4}
    milestones = {
        "account_id": list("abcd"),
        "name": ["fv"] * 4,
        "marks_first_value": [True] * 4,
        "completed_on": [day(-70), day(-69), day(-40), day(-10)],  # 30, 31, 60, 90 days
    }
    result = time_to_value(accounts, milestones, as_of=AS_OF, horizons=(29, 30, 31, 60, 90))
    assert [s.statistic for s in result.within] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert result.within[0] == Share(29, 0.0, 0.0, 0.0)
    assert result.share_within(89).statistic == 0.75


def test_a_share_beyond_the_longest_follow_up_is_unknown() -> None:
    accounts = {"id": ["a", "b"], "start_date": [day(-40), day(-20)]}
    milestones = {
        "account_id": ["a", "b"],
        "name": ["fv", "fv"],
        "marks_first_value": [True, True],
        "completed_on": [day(-30), None],
    }
    result = time_to_value(accounts, milestones, as_of=AS_OF, horizons=(10, 20, 21))
    shares = [s.statistic for s in result.within]
    assert shares == [0.5, 0.5, None]  # a reached it in 10 days; b followed 20 days
    assert result.within[2] == Share(21, None, None, None)


# --- lifelines --------------------------------------------------------------------------------


def _simulate(
    seed: int, n: int = 400, window: int = 120, median: float = 40.0, churn: float = 0.0
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Accounts starting uniformly over ``window`` days before ``AS_OF``, exponential
    times to value with the given median, some churning first when ``churn`` > 0."""
    rng = np.random.default_rng(seed)
    offsets = rng.integers(1, window + 1, n)
    times = np.ceil(rng.exponential(median / math.log(2), n)).astype(int)
    starts = [day(-int(o)) for o in offsets]
    completed = [
        s + timedelta(days=int(t)) if s + timedelta(days=int(t)) < AS_OF else None
        for s, t in zip(starts, times)
    ]
    ends = [
        s + timedelta(days=int(rng.integers(0, 60))) if rng.random() < churn else None
        for s in starts
    ]
    completed = [c if e is None or c is None or c < e else None for c, e in zip(completed, ends)]
    accounts = {
        "id": list(range(n)),
        "start_date": starts,
        "end_date": [e if e is None or e < AS_OF + timedelta(days=30) else None for e in ends],
        "segment": rng.choice(["smb", "mid", "ent"], n).tolist(),
    }
    milestones = {
        "account_id": list(range(n)) * 2,
        "name": ["first report"] * n + ["kickoff"] * n,
        "marks_first_value": [True] * n + [False] * n,
        "completed_on": completed + [None] * n,
    }
    return accounts, milestones


def _fitter(result: TimeToValue) -> KaplanMeierFitter:
    on = np.isin(result.status, ["reached", "not_reached", "churned"])
    kmf = KaplanMeierFitter()
    kmf.fit(result.duration_days[on], event_observed=result.status[on] == "reached")
    return kmf


def _none_if_inf(value: float) -> float | None:
    return None if math.isinf(value) else float(value)


@pytest.mark.parametrize(("seed", "churn"), [(1, 0.0), (2, 0.3), (3, 0.1)])
def test_median_and_shares_match_lifelines(seed: int, churn: float) -> None:
    result = time_to_value(*_simulate(seed, churn=churn), as_of=AS_OF, horizons=(7, 30, 60, 90))
    kmf = _fitter(result)
    band = median_survival_times(kmf.confidence_interval_)
    median = result.median
    assert median.statistic == _none_if_inf(kmf.median_survival_time_)
    assert median.low == _none_if_inf(band.iloc[0, 0])
    assert median.high == _none_if_inf(band.iloc[0, 1])
    ci = kmf.confidence_interval_survival_function_
    for share in result.within:
        survival = float(kmf.survival_function_at_times(share.days).iloc[0])
        row = ci[ci.index <= share.days].iloc[-1]
        assert share.statistic == pytest.approx(1 - survival, abs=TOL)
        assert share.low == pytest.approx(1 - float(row.iloc[1]), abs=TOL)
        assert share.high == pytest.approx(1 - float(row.iloc[0]), abs=TOL)


def test_the_issues_anchor_the_reached_only_median_is_biased_low() -> None:
    """400 accounts over 120 days, true median 40 days: the naive median is far below."""
    result = time_to_value(*_simulate(seed=20250601), as_of=AS_OF)
    km = result.median
    assert km.statistic is not None
    assert km.low is not None
    assert km.high is not None
    assert result.naive_median is not None
    assert km.low <= 40.0 <= km.high  # the Kaplan-Meier interval holds the truth
    assert result.naive_median < 0.75 * km.statistic  # biased low by a quarter and more
    assert result.naive_median < km.low
    truth = [1 - 0.5 ** (h / 40) for h in (30, 60, 90)]
    for share, true in zip(result.within, truth):
        assert share.low is not None
        assert share.high is not None
        assert share.low <= true <= share.high
    assert "biased low" in result.format()
    assert "biased low" in repr(result)


# --- the per-account reference ----------------------------------------------------------------


def reference(
    accounts: list[dict[str, Any]], milestones: list[dict[str, Any]], as_of: date
) -> list[tuple[str, float | None]]:
    """Each account's status and duration, account by account."""
    out: list[tuple[str, float | None]] = []
    for account in accounts:
        start, end = account["start_date"], account["end_date"]
        mine = [m for m in milestones if m["account_id"] == account["id"]]
        plan = [m for m in mine if m["marks_first_value"]]
        if start >= as_of:
            out.append(("not_started", None))
            continue
        if not plan:
            out.append(("no_first_value_milestone", None))
            continue
        reached = [
            m["completed_on"] for m in plan if m["completed_on"] and m["completed_on"] < as_of
        ]
        if reached:
            out.append(("reached", float((min(reached) - start).days)))
        elif end is not None and end <= as_of:
            out.append(("churned", float((end - start).days)))
        else:
            out.append(("not_reached", float((as_of - start).days)))
    return out


@st.composite
def journeys(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], date]:
    base = date(2025, 1, 1)
    n = draw(st.integers(0, 12))
    accounts, milestones = [], []
    for i in range(n):
        start = base + timedelta(days=draw(st.integers(0, 80)))
        length = draw(st.none() | st.integers(0, 90))
        accounts.append(
            {
                "id": i * 10,
                "start_date": start,
                "end_date": None if length is None else start + timedelta(days=length),
            }
        )
        for j in range(draw(st.integers(0, 3))):
            done = draw(st.none() | st.integers(0, 100))
            milestones.append(
                {
                    "account_id": i * 10,
                    "name": f"step {j}",
                    "marks_first_value": draw(st.booleans()),
                    "completed_on": None if done is None else start + timedelta(days=done),
                }
            )
    as_of = base + timedelta(days=draw(st.integers(0, 120)))
    return accounts, milestones, as_of


def _columns(rows: list[dict[str, Any]], names: list[str]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in names}


@given(journeys())
def test_matches_the_reference(
    drawn: tuple[list[dict[str, Any]], list[dict[str, Any]], date],
) -> None:
    accounts, milestones, as_of = drawn
    acc = _columns(accounts, ["id", "start_date", "end_date"])
    if not accounts:
        acc["id"] = np.array([], dtype=np.int64)  # type: ignore[assignment]
    ms = _columns(milestones, ["account_id", "name", "marks_first_value", "completed_on"])
    if not milestones:
        ms["account_id"] = np.array([], dtype=np.int64)  # type: ignore[assignment]
    result = time_to_value(acc, ms, as_of=as_of)
    expected = reference(accounts, milestones, as_of)
    assert result.status.tolist() == [status for status, _ in expected]
    want = np.array([np.nan if d is None else d for _, d in expected], dtype=float)
    np.testing.assert_array_equal(result.duration_days, want)
    on = [d for s, d in expected if s in ("reached", "not_reached", "churned")]
    assert result.n == len(on)
    assert result.n_reached == sum(s == "reached" for s, _ in expected)
    assert result.curve == kaplan_meier(
        [d for d in on if d is not None],
        [s == "reached" for s, _ in expected if s in ("reached", "not_reached", "churned")],
    )
    assert result.cohorts.accounts.sum() == result.n
    assert result.cohorts.reached.sum() == result.n_reached


# --- cohorts -----------------------------------------------------------------------------------


def test_cohorts_are_the_curves_of_each_start_period() -> None:
    accounts, milestones = _simulate(seed=5, window=200, churn=0.1)
    result = time_to_value(accounts, milestones, as_of=AS_OF, period="month")
    table = result.cohorts
    frame = table.to_pandas()
    assert list(frame.columns) == [
        "cohort",
        "starts_on",
        "accounts",
        "reached",
        "median_days",
        "median_low",
        "median_high",
        "within_30",
        "within_60",
        "within_90",
    ]
    assert frame["cohort"].tolist() == sorted(set(result.cohort.tolist()))
    for i, label in enumerate(frame["cohort"]):
        members = (result.cohort == label) & np.isin(
            result.status, ["reached", "not_reached", "churned"]
        )
        kmf = KaplanMeierFitter().fit(
            result.duration_days[members], result.status[members] == "reached"
        )
        assert frame["accounts"][i] == members.sum()
        assert frame["reached"][i] == (result.status[members] == "reached").sum()
        median = _none_if_inf(kmf.median_survival_time_)
        got = frame["median_days"][i]
        assert math.isnan(got) if median is None else got == median, label
        curve = kaplan_meier(result.duration_days[members], result.status[members] == "reached")
        months = np.datetime64(label, "M")
        assert frame["starts_on"][i] == pd.Timestamp(months.astype("datetime64[D]"))
        for days in (30, 60, 90):
            longest = result.duration_days[members].max()
            if days <= longest:
                assert frame[f"within_{days}"][i] == pytest.approx(1 - curve(days), abs=TOL)


@pytest.mark.parametrize(
    ("period", "labels"),
    [
        ("quarter", ["2024-Q4", "2025-Q1"]),
        ("month", ["2024-12", "2025-01", "2025-03"]),
        ("year", ["2024", "2025"]),
        ("week", ["2024-W52", "2025-W01", "2025-W10"]),
    ],
)
def test_cohort_labels_follow_the_period(period: str, labels: list[str]) -> None:
    accounts = {
        "id": ["a", "b", "c", "d"],
        "start_date": ["2024-12-28", "2024-12-31", "2025-01-01", "2025-03-03"],
    }
    milestones = {"account_id": list("abcd"), "name": ["fv"] * 4, "marks_first_value": [True] * 4}
    result = time_to_value(accounts, milestones, as_of=AS_OF, period=period)  # type: ignore[arg-type]
    assert result.cohorts.cohort.tolist() == labels
    assert result.cohorts.accounts.sum() == 4


# --- groups ------------------------------------------------------------------------------------


def _subset(
    accounts: dict[str, Any], milestones: dict[str, Any], keep: set[Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = [i for i, account in enumerate(accounts["id"]) if account in keep]
    mrows = [i for i, account in enumerate(milestones["account_id"]) if account in keep]
    return (
        {k: [v[i] for i in rows] for k, v in accounts.items()},
        {k: [v[i] for i in mrows] for k, v in milestones.items()},
    )


def test_by_a_column_is_each_groups_own_result() -> None:
    accounts, milestones = _simulate(seed=7, n=120, churn=0.2)
    grouped = time_to_value(accounts, milestones, as_of=AS_OF, by="segment")
    assert isinstance(grouped, Grouped)
    assert list(grouped) == ["ent", "mid", "smb"]
    assert grouped.overall == time_to_value(accounts, milestones, as_of=AS_OF)
    for label, result in grouped.items():
        keep = {a for a, s in zip(accounts["id"], accounts["segment"]) if s == label}
        alone = time_to_value(*_subset(accounts, milestones, keep), as_of=AS_OF)
        assert result == alone
    frame = grouped.to_pandas()
    assert frame.columns[0] == "group"
    assert len(frame) == 120
    text = grouped.format()
    assert "reached-only (biased low)" in text
    assert text.count("\n") == 5


def test_by_a_mapping_of_account_ids() -> None:
    accounts, milestones = _case_data()
    grouped = time_to_value(accounts, milestones, as_of=AS_OF, by={"reached": "x", "open": "x"})
    assert list(grouped) == ["(none)", "x"]
    assert grouped.ungrouped == len(CASES) - 2
    assert grouped["x"].status.tolist() == ["reached", "not_reached"]
    assert grouped["x"].median.statistic == 30.0


def test_records_frames_and_columns_agree() -> None:
    accounts, milestones = _simulate(seed=11, n=30, churn=0.3)
    expected = time_to_value(accounts, milestones, as_of=AS_OF)
    assert time_to_value(pd.DataFrame(accounts), pd.DataFrame(milestones), as_of=AS_OF) == (
        expected
    )
    account_records = [
        Account(
            id=accounts["id"][i],
            name=f"n{i}",
            start_date=accounts["start_date"][i],
            end_date=accounts["end_date"][i],
        )
        for i in range(30)
    ]
    milestone_records = [
        Milestone(
            id=f"M{i}",
            account_id=milestones["account_id"][i],
            name=milestones["name"][i],
            marks_first_value=milestones["marks_first_value"][i],
            completed_on=milestones["completed_on"][i],
        )
        for i in range(60)
    ]
    from_records = time_to_value(account_records, milestone_records, as_of=AS_OF)
    assert from_records == expected
    assert from_records.account_ids.dtype.kind == "i"


# --- the result ----------------------------------------------------------------------------------


def test_to_pandas_to_dict_and_text() -> None:
    result = time_to_value(*_case_data(), as_of=AS_OF)
    frame = result.to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "cohort",
        "status",
        "started_on",
        "first_value_on",
        "duration_days",
    ]
    assert len(frame) == len(CASES)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["n"] == 11
    assert data["n_reached"] == 4
    assert data["n_censored"] == 7
    assert data["median"] == {
        "statistic": result.median.statistic,
        "low": result.median.low,
        "high": result.median.high,
    }
    assert [w["days"] for w in data["within"]] == [30, 60, 90]
    assert data["counts"]["not_started"] == 2
    assert data["naive_median"] == 25.0
    assert data["cohorts"]["horizons"] == [30, 60, 90]
    text = result.format()
    assert "2 no first value milestone" in text
    assert "2 not started" in text
    assert "2 churned first" in text


def test_no_accounts_give_an_empty_curve() -> None:
    result = time_to_value(
        {"id": [], "start_date": []}, {"account_id": [], "name": []}, as_of=AS_OF
    )
    assert result.n == 0
    assert result.naive_median is None
    assert result.median.statistic is None
    assert result.within == tuple(Share(d, None, None, None) for d in (30, 60, 90))
    assert len(result.cohorts) == 0
    assert json.dumps(result.to_dict(), allow_nan=False)
    assert "not reached yet" in result.format()


# --- bad input ----------------------------------------------------------------------------------


def _small() -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        {"id": [1, 2], "start_date": [day(-30), day(-20)], "segment": ["a", "b"]},
        {
            "account_id": [1, 2],
            "name": ["fv", "fv"],
            "marks_first_value": [True, True],
            "completed_on": [day(-10), None],
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"as_of": datetime(2025, 5, 1)}, "naive"),
        ({"as_of": AS_OF, "period": "day"}, "`period` must be one of"),
        ({"as_of": AS_OF, "horizons": (30, -1)}, "`horizons` must be a whole number"),
        ({"as_of": AS_OF, "horizons": (30.5,)}, "`horizons` must be a whole number"),
        ({"as_of": AS_OF, "horizons": (30, 30)}, "distinct"),
        ({"as_of": AS_OF, "horizons": "30"}, "`horizons` must be an iterable"),
        ({"as_of": AS_OF, "by": "region"}, "`by` names no column"),
        ({"as_of": AS_OF, "by": 3}, "`by` (must be|takes) a column name or a mapping"),
        ({"as_of": AS_OF, "by": {"1": "x"}}, "keyed by text"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        time_to_value(*_small(), **kwargs)


def test_bad_data_is_named() -> None:
    accounts, milestones = _small()
    unknown = {**milestones, "account_id": [1, 9]}
    with pytest.raises(InvalidInputError, match=r"row 2 \(9\)"):
        time_to_value(accounts, unknown, as_of=AS_OF)
    early = {**milestones, "completed_on": [day(-31), None]}
    with pytest.raises(InvalidInputError, match="row 1: 'fv' of account 1 completed 1 days"):
        time_to_value(accounts, early, as_of=AS_OF)
    twice = {**milestones, "account_id": [1, 1]}
    with pytest.raises(InvalidInputError, match="given twice for account 1"):
        time_to_value(accounts, twice, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="listed twice"):
        time_to_value({**accounts, "id": [1, 1]}, milestones, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="start_date"):
        time_to_value({"id": [1, 2]}, milestones, as_of=AS_OF)
    ended_early = {**accounts, "end_date": [day(-40), None]}
    with pytest.raises(InvalidInputError, match="`end_date` is before `start_date`"):
        time_to_value(ended_early, milestones, as_of=AS_OF)
