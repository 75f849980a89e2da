"""`mrr_movements` and `revenue_retention` against a plain-Python reference and worked examples.

The reference keeps, per account id, its changes as a day-sorted list and walks them one at
a time with a running level and a "has paid" flag, classifying each change (spec 3.1) the
moment it is met; periods are walked with `dateutil.relativedelta` and `date.isocalendar`,
and the MRR "in force" on a day is found by scanning the account's list. It shares no code
with the vectorised implementation (no codes, no searchsorted, no bincount). Amounts are
whole numbers in the property tests, so every sum is exact and compared with ``==``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

import numpy as np
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from cshealth._exceptions import InvalidInputError
from cshealth.models import RevenueChange
from cshealth.retention import (
    AnnualizedRetention,
    MRRMovements,
    mrr_movements,
    revenue_retention,
)
from cshealth.retention._waterfall import KINDS

Row = tuple[str, date, float]
PeriodName = Literal["month", "week", "quarter", "year"]


def columns(rows: list[Row]) -> dict[str, list[object]]:
    return {
        "account_id": [r[0] for r in rows],
        "effective_on": [r[1] for r in rows],
        "mrr": [r[2] for r in rows],
    }


# --- the reference --------------------------------------------------------------------------


def histories(rows: list[Row]) -> dict[str, list[tuple[date, float, int]]]:
    """Per account, ``(day, mrr, input row)`` sorted by day."""
    out: dict[str, list[tuple[date, float, int]]] = defaultdict(list)
    for row, (account, when, mrr) in enumerate(rows):
        out[account].append((when, mrr, row))
    return {account: sorted(changes) for account, changes in out.items()}


def level_on(changes: list[tuple[date, float, int]], day: date) -> float:
    level = 0.0
    for when, mrr, _ in changes:
        if when <= day:
            level = mrr
    return level


def period_start(day: date, period: PeriodName) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if period == "year":
        return date(day.year, 1, 1)
    return day.replace(day=1)


def next_period(start: date, period: PeriodName) -> date:
    if period == "week":
        return start + timedelta(days=7)
    if period == "year":
        return start + relativedelta(years=1)
    return start + relativedelta(months=3 if period == "quarter" else 1)


def label(day: date, period: PeriodName) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if period == "year":
        return str(day.year)
    return f"{day.year:04d}-{day.month:02d}"


def edges(start: date, end: date, period: PeriodName) -> list[date]:
    out = [start]
    cut = next_period(period_start(start, period), period)
    while cut < end:
        out.append(cut)
        cut = next_period(cut, period)
    return [*out, end]


def kind_of(before: float, after: float, paid: bool) -> str | None:
    if after == before:
        return None
    if before == 0:
        return "reactivation" if paid else "new"
    if after == 0:
        return "churn"
    return "expansion" if after > before else "contraction"


@dataclass
class Move:
    account: str
    day: date
    row: int
    slot: int
    before: float
    after: float
    paid: bool
    last_day: date

    @property
    def kind(self) -> str | None:
        return kind_of(self.before, self.after, self.paid)


@dataclass
class Reference:
    labels: list[str]
    starts: list[date]
    starting: list[float]
    ending: list[float]
    amounts: dict[str, list[float]]
    counts: dict[str, list[int]]
    classified: list[tuple[str, date, str, str, float, float, float]]


def reference_movements(
    rows: list[Row],
    start: date,
    end: date,
    period: PeriodName = "month",
    *,
    group: int = 0,
    ignore: bool = False,
) -> Reference:
    cuts = edges(start, end, period)
    n = len(cuts) - 1

    def slot_of(day: date) -> int:
        return max(i for i in range(n) if cuts[i] <= day)

    moves: list[Move] = []
    hist = histories(rows)
    for account, changes in hist.items():
        level, paid = 0.0, False
        pending: Move | None = None
        for when, mrr, row in changes:
            if start <= when < end:
                slot = slot_of(when)
                if (
                    pending is not None
                    and group
                    and pending.slot == slot
                    and (when - pending.last_day).days <= group
                ):
                    pending.after, pending.last_day = mrr, when
                else:
                    if pending is not None:
                        moves.append(pending)
                    pending = Move(account, when, row, slot, level, mrr, paid, when)
            level, paid = mrr, paid or mrr > 0
        if pending is not None:
            moves.append(pending)
    if ignore:
        # a customer new in a period and paying nothing at its end: drop that period's moves
        dropped = {
            (m.account, m.slot)
            for m in moves
            if m.kind == "new" and level_on(hist[m.account], cuts[m.slot + 1] - timedelta(1)) == 0
        }
        moves = [m for m in moves if (m.account, m.slot) not in dropped]
    amounts: dict[str, list[float]] = {kind: [0.0] * n for kind in KINDS}
    counts: dict[str, list[int]] = {kind: [0] * n for kind in KINDS}
    for m in moves:
        if m.kind is not None:
            amounts[m.kind][m.slot] += abs(m.after - m.before)
            counts[m.kind][m.slot] += 1

    def total_on(day: date) -> float:
        return float(sum(level_on(c, day) for c in hist.values()))

    classified = [
        (m.account, m.day, label(cuts[m.slot], period), str(m.kind), m.before, m.after)
        for m in sorted(moves, key=lambda m: (m.day, m.row))
        if m.kind is not None
    ]
    return Reference(
        labels=[label(c, period) for c in cuts[:-1]],
        starts=cuts[:-1],
        starting=[total_on(c - timedelta(1)) for c in cuts[:-1]],
        ending=[total_on(c - timedelta(1)) for c in cuts[1:]],
        amounts=amounts,
        counts=counts,
        classified=[(*c, abs(c[5] - c[4])) for c in classified],
    )


def assert_matches(m: MRRMovements, ref: Reference) -> None:
    assert list(m.labels) == ref.labels
    assert list(m.starts) == ref.starts
    for kind in KINDS:
        assert m.amounts(kind).tolist() == ref.amounts[kind], kind
        assert m.counts[kind].tolist() == ref.counts[kind], kind
    # integer amounts: the ledger and the account-by-account level sums agree exactly
    assert m.starting_mrr.tolist() == ref.starting
    assert m.ending_mrr.tolist() == ref.ending
    got = list(
        zip(
            m.classified["account_id"].tolist(),
            [d.item() for d in m.classified["effective_on"]],
            m.classified["period"].tolist(),
            m.classified["kind"].tolist(),
            m.classified["mrr_before"].tolist(),
            m.classified["mrr_after"].tolist(),
            m.classified["amount"].tolist(),
        )
    )
    assert got == ref.classified


def assert_waterfall(m: MRRMovements) -> None:
    for p in range(len(m.labels)):
        moved = (
            m.starting_mrr[p]
            + m.new_mrr[p]
            + m.expansion_mrr[p]
            + m.reactivation_mrr[p]
            - m.contraction_mrr[p]
            - m.churned_mrr[p]
        )
        assert moved == m.ending_mrr[p]
        if p + 1 < len(m.labels):
            assert m.ending_mrr[p] == m.starting_mrr[p + 1]
    np.testing.assert_array_equal(m.net_new_mrr, m.ending_mrr - m.starting_mrr)


ORIGIN = date(2024, 12, 1)


@st.composite
def change_sets(draw: st.DrawFn, levels: tuple[float, ...] = (0, 20, 50, 100, 300)) -> list[Row]:
    """Several accounts, days over about five months, levels from a small set with 0."""
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(["A", "B", "C", "D", "E", "F"]),
                st.integers(-20, 130).map(lambda d: ORIGIN + timedelta(days=d)),
                st.sampled_from([float(v) for v in levels]),
            ),
            max_size=40,
            unique_by=lambda r: (r[0], r[1]),
        )
    )


windows = st.tuples(st.integers(0, 40), st.integers(1, 110)).map(
    lambda w: (ORIGIN + timedelta(days=w[0]), ORIGIN + timedelta(days=w[0] + w[1]))
)


# --- mrr_movements against the reference ------------------------------------------------------


@given(rows=change_sets(), window=windows)
def test_movements_match_the_reference(rows: list[Row], window: tuple[date, date]) -> None:
    start, end = window
    m = mrr_movements(columns(rows), start=start, end=end)
    assert_matches(m, reference_movements(rows, start, end))
    assert_waterfall(m)


@given(rows=change_sets(), window=windows, group=st.sampled_from([0, 1, 3, 10]))
def test_grouped_movements_match_the_reference(
    rows: list[Row], window: tuple[date, date], group: int
) -> None:
    start, end = window
    m = mrr_movements(columns(rows), start=start, end=end, group_within_days=group)
    assert_matches(m, reference_movements(rows, start, end, group=group))
    assert_waterfall(m)


@given(rows=change_sets(), window=windows, group=st.sampled_from([0, 3]))
def test_ignored_new_and_churn_matches_the_reference(
    rows: list[Row], window: tuple[date, date], group: int
) -> None:
    start, end = window
    m = mrr_movements(
        columns(rows),
        start=start,
        end=end,
        group_within_days=group,
        same_period_new_and_churn="ignore",
    )
    assert_matches(m, reference_movements(rows, start, end, group=group, ignore=True))
    assert_waterfall(m)


@given(rows=change_sets(), window=windows, period=st.sampled_from(["week", "quarter"]))
def test_weeks_and_quarters_match_the_reference(
    rows: list[Row], window: tuple[date, date], period: PeriodName
) -> None:
    start, end = window
    m = mrr_movements(columns(rows), start=start, end=end, period=period)
    assert_matches(m, reference_movements(rows, start, end, period))
    assert_waterfall(m)


@given(rows=change_sets(), window=windows, group=st.sampled_from([0, 3]))
def test_years_match_the_reference(rows: list[Row], window: tuple[date, date], group: int) -> None:
    # the change sets run from November 2024 to April 2025: windows cut at a new year
    start, end = window
    m = mrr_movements(columns(rows), start=start, end=end, period="year", group_within_days=group)
    assert_matches(m, reference_movements(rows, start, end, "year", group=group))
    assert_waterfall(m)
    assert set(m.labels) <= {"2024", "2025"}


def test_a_year_waterfall_is_the_sum_of_its_months() -> None:
    rows: list[Row] = [
        ("A", date(2024, 3, 1), 100.0),
        ("A", date(2025, 2, 1), 150.0),
        ("B", date(2025, 5, 10), 80.0),
        ("B", date(2025, 11, 1), 0.0),
        ("C", date(2024, 6, 1), 40.0),
        ("C", date(2025, 12, 31), 30.0),
        ("D", date(2026, 1, 1), 70.0),  # the first day after the window
    ]
    window = {"start": date(2024, 7, 1), "end": date(2026, 1, 1)}
    years = mrr_movements(columns(rows), **window, period="year")
    months = mrr_movements(columns(rows), **window, period="month")
    assert years.labels == ("2024", "2025")
    assert years.starts == (date(2024, 7, 1), date(2025, 1, 1))
    for kind in KINDS:
        by_month = months.amounts(kind)
        assert years.amounts(kind).tolist() == [by_month[:6].sum(), by_month[6:].sum()]
    assert years.ending_mrr.tolist() == [140.0, 180.0]  # A 150, C 30; B churned


@given(rows=change_sets(levels=(0, 1000 / 12, 250 / 3, 100 / 7, 49.99)), window=windows)
def test_waterfall_with_fractional_amounts(rows: list[Row], window: tuple[date, date]) -> None:
    start, end = window
    m = mrr_movements(columns(rows), start=start, end=end)
    assert_waterfall(m)  # exact: the ledger is built in the documented order
    ref = reference_movements(rows, start, end)
    np.testing.assert_allclose(m.ending_mrr, ref.ending, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(m.starting_mrr, ref.starting, rtol=1e-9, atol=1e-9)


# --- mrr_movements: worked example ------------------------------------------------------------

# Window 2025-01-01 .. 2025-03-01 (January and February).
WORKED: list[Row] = [
    ("A", date(2024, 11, 1), 100.0),  # paying before the window
    ("A", date(2025, 1, 10), 150.0),  # Jan: expansion 50
    ("A", date(2025, 2, 5), 0.0),  # Feb: churn 150
    ("A", date(2025, 2, 20), 80.0),  # Feb: reactivation 80 (15 days after its churn)
    ("B", date(2024, 12, 15), 200.0),  # paying before the window
    ("B", date(2025, 1, 31), 120.0),  # Jan: contraction 80
    ("C", date(2025, 1, 3), 60.0),  # Jan: new 60
    ("C", date(2025, 1, 4), 90.0),  # Jan: expansion 30 (one day after)
    ("D", date(2025, 2, 10), 40.0),  # Feb: new 40
    ("D", date(2025, 2, 25), 0.0),  # Feb: churn 40 (new and churned in one month)
    ("E", date(2025, 3, 1), 500.0),  # on the window end: outside it
    ("F", date(2024, 12, 31), 70.0),  # the day before the start: in the starting MRR
]
JAN, FEB = date(2025, 1, 1), date(2025, 3, 1)


def test_worked_waterfall() -> None:
    m = mrr_movements(columns(WORKED), start=JAN, end=FEB)
    assert m.labels == ("2025-01", "2025-02")
    assert m.starts == (date(2025, 1, 1), date(2025, 2, 1))
    # start of January: A 100 + B 200 + F 70 = 370
    # January: new C 60; expansion A 50 + C 30 = 80; contraction B 80
    #   end = 370 + 60 + 80 - 80 = 430 (= A 150 + B 120 + C 90 + F 70)
    # February: new D 40; reactivation A 80; churn A 150 + D 40 = 190
    #   end = 430 + 40 + 80 - 190 = 360 (= A 80 + B 120 + C 90 + D 0 + F 70)
    assert m.starting_mrr.tolist() == [370.0, 430.0]
    assert m.new_mrr.tolist() == [60.0, 40.0]
    assert m.expansion_mrr.tolist() == [80.0, 0.0]
    assert m.reactivation_mrr.tolist() == [0.0, 80.0]
    assert m.contraction_mrr.tolist() == [80.0, 0.0]
    assert m.churned_mrr.tolist() == [0.0, 190.0]
    assert m.ending_mrr.tolist() == [430.0, 360.0]
    assert m.net_new_mrr.tolist() == [60.0, -70.0]
    assert {k: v.tolist() for k, v in m.counts.items()} == {
        "new": [1, 1],
        "expansion": [2, 0],
        "reactivation": [0, 1],
        "contraction": [1, 0],
        "churn": [0, 2],
    }
    assert m.end == FEB
    # the classified table in date order
    assert m.classified["account_id"].tolist() == ["C", "C", "A", "B", "A", "D", "A", "D"]
    assert m.classified["kind"].tolist() == [
        "new",
        "expansion",
        "expansion",
        "contraction",
        "churn",
        "new",
        "reactivation",
        "churn",
    ]
    assert m.classified["amount"].tolist() == [60.0, 30.0, 50.0, 80.0, 150.0, 40.0, 80.0, 40.0]
    assert m.classified["period"].tolist() == ["2025-01"] * 4 + ["2025-02"] * 4
    assert m.classified["effective_on"].dtype == np.dtype("datetime64[D]")
    # quick ratio: (new 100 + expansion 80) / (churn 190 + contraction 80) = 180 / 270
    assert m.quick_ratio() == pytest.approx(180 / 270)
    # with reactivation: (180 + 80) / 270
    assert m.quick_ratio(include_reactivation=True) == pytest.approx(260 / 270)


def test_worked_grouping() -> None:
    # group_within_days=1: C's 01-03 (60) and 01-04 (90) are one new business 0 -> 90
    m = mrr_movements(columns(WORKED), start=JAN, end=FEB, group_within_days=1)
    assert m.new_mrr.tolist() == [90.0, 40.0]
    assert m.expansion_mrr.tolist() == [50.0, 0.0]  # only A's
    assert m.counts["new"].tolist() == [1, 1]
    assert m.counts["expansion"].tolist() == [1, 0]
    # 10 days: A's churn (02-05) and return (02-20) are 15 days apart, still two moves
    m10 = mrr_movements(columns(WORKED), start=JAN, end=FEB, group_within_days=10)
    assert m10.churned_mrr.tolist() == [0.0, 190.0]
    # 15 days: A 150 -> 0 -> 80 is one contraction of 70; D 0 -> 40 -> 0 is no movement
    m15 = mrr_movements(columns(WORKED), start=JAN, end=FEB, group_within_days=15)
    assert m15.contraction_mrr.tolist() == [80.0, 70.0]
    assert m15.churned_mrr.tolist() == [0.0, 0.0]
    assert m15.new_mrr.tolist() == [90.0, 0.0]
    assert m15.reactivation_mrr.tolist() == [0.0, 0.0]
    # February: 430 - 70 = 360, as without grouping
    assert m15.ending_mrr.tolist() == [430.0, 360.0]
    # classified: C's new (01-03), A's expansion, B's contraction, A's grouped contraction
    grouped = m15.classified
    assert grouped["account_id"].tolist() == ["C", "A", "B", "A"]
    assert grouped["kind"].tolist() == ["new", "expansion", "contraction", "contraction"]
    # the grouped movement is dated by its first change, from the level before it
    assert (grouped["mrr_before"][3], grouped["mrr_after"][3]) == (150.0, 80.0)
    assert grouped["effective_on"][3] == np.datetime64("2025-02-05")


def test_grouping_stops_at_a_period_edge() -> None:
    # 01-31 -> 100 (new, January) and 02-01 -> 150 one day later: February's expansion
    rows: list[Row] = [("A", date(2025, 1, 31), 100.0), ("A", date(2025, 2, 1), 150.0)]
    m = mrr_movements(columns(rows), start=JAN, end=FEB, group_within_days=10)
    assert m.new_mrr.tolist() == [100.0, 0.0]
    assert m.expansion_mrr.tolist() == [0.0, 50.0]


def test_worked_ignore_new_and_churn() -> None:
    # "ignore" drops D's February (new 40, churn 40); A's churn and return stay
    m = mrr_movements(columns(WORKED), start=JAN, end=FEB, same_period_new_and_churn="ignore")
    assert m.new_mrr.tolist() == [60.0, 0.0]
    assert m.churned_mrr.tolist() == [0.0, 150.0]
    assert m.reactivation_mrr.tolist() == [0.0, 80.0]
    assert m.counts["new"].tolist() == [1, 0]
    assert m.counts["churn"].tolist() == [0, 1]
    # February: 430 + 80 - 150 = 360, the same end
    assert m.ending_mrr.tolist() == [430.0, 360.0]
    assert "D" not in m.classified["account_id"].tolist()


def test_new_churn_and_return_in_one_period_is_kept_when_ignoring() -> None:
    # new 100 on 01-05, churn on 01-10, back at 50 on 01-20: it ends January paying
    rows: list[Row] = [
        ("A", date(2025, 1, 5), 100.0),
        ("A", date(2025, 1, 10), 0.0),
        ("A", date(2025, 1, 20), 50.0),
    ]
    m = mrr_movements(columns(rows), start=JAN, end=FEB, same_period_new_and_churn="ignore")
    assert m.new_mrr.tolist() == [100.0, 0.0]
    assert m.churned_mrr.tolist() == [100.0, 0.0]
    assert m.reactivation_mrr.tolist() == [50.0, 0.0]


def test_a_change_to_the_same_level_is_no_movement() -> None:
    rows: list[Row] = [("A", date(2024, 12, 1), 100.0), ("A", date(2025, 1, 10), 100.0)]
    m = mrr_movements(columns(rows), start=JAN, end=FEB)
    assert all(m.counts[k].sum() == 0 for k in KINDS)
    assert m.classified.n_rows == 0
    assert m.starting_mrr.tolist() == [100.0, 100.0]


def test_a_zero_level_first_change_then_paying_is_new() -> None:
    # a lead recorded at 0 first is new when it first pays, not a reactivation
    rows: list[Row] = [("A", date(2024, 12, 1), 0.0), ("A", date(2025, 1, 10), 30.0)]
    m = mrr_movements(columns(rows), start=JAN, end=FEB)
    assert m.new_mrr.tolist() == [30.0, 0.0]


def test_reactivation_after_a_churn_before_the_window() -> None:
    rows: list[Row] = [
        ("A", date(2024, 6, 1), 100.0),
        ("A", date(2024, 8, 1), 0.0),
        ("A", date(2025, 2, 14), 120.0),
    ]
    m = mrr_movements(columns(rows), start=JAN, end=FEB)
    assert m.reactivation_mrr.tolist() == [0.0, 120.0]
    assert m.new_mrr.tolist() == [0.0, 0.0]


def test_window_cut_inside_periods_and_week_labels() -> None:
    # 2024-12-30 (a Monday, ISO week 2025-W01) .. 2025-01-15 (a Wednesday)
    rows: list[Row] = [("A", date(2024, 12, 30), 10.0), ("A", date(2025, 1, 14), 20.0)]
    m = mrr_movements(columns(rows), start=date(2024, 12, 30), end=date(2025, 1, 15), period="week")
    assert m.labels == ("2025-W01", "2025-W02", "2025-W03")
    assert m.starts == (date(2024, 12, 30), date(2025, 1, 6), date(2025, 1, 13))
    assert m.new_mrr.tolist() == [10.0, 0.0, 0.0]
    assert m.expansion_mrr.tolist() == [0.0, 0.0, 10.0]
    # a window starting mid-month: its first period starts at the window start
    q = mrr_movements(
        columns(rows), start=date(2024, 12, 15), end=date(2025, 4, 2), period="quarter"
    )
    assert q.labels == ("2024-Q4", "2025-Q1", "2025-Q2")
    assert q.starts == (date(2024, 12, 15), date(2025, 1, 1), date(2025, 4, 1))


def test_aware_datetime_bounds_are_taken_at_their_utc_day() -> None:
    rows: list[Row] = [("A", date(2025, 1, 1), 10.0)]
    # 2024-12-31 20:00 at -05:00 is 2025-01-01 01:00 UTC: the change is inside
    start = datetime(2024, 12, 31, 20, tzinfo=timezone(timedelta(hours=-5)))
    m = mrr_movements(columns(rows), start=start, end=datetime(2025, 2, 1, tzinfo=timezone.utc))
    assert m.labels == ("2025-01",)
    assert m.new_mrr.tolist() == [10.0]


def test_records_input() -> None:
    records = [RevenueChange(account_id=a, effective_on=d, mrr=v) for a, d, v in WORKED]
    assert_matches(
        mrr_movements(records, start=JAN, end=FEB), reference_movements(WORKED, JAN, FEB)
    )


def test_no_change_inside_the_window() -> None:
    # only a change before the window: no movement, MRR 100 throughout
    rows: list[Row] = [("A", date(2024, 1, 1), 100.0)]
    m = mrr_movements(columns(rows), start=JAN, end=FEB)
    assert m.starting_mrr.tolist() == [100.0, 100.0]
    assert m.ending_mrr.tolist() == [100.0, 100.0]
    assert all(m.amounts(k).tolist() == [0.0, 0.0] for k in KINDS)
    assert m.classified.n_rows == 0
    assert m.quick_ratio() is None
    ignored = mrr_movements(columns(rows), start=JAN, end=FEB, same_period_new_and_churn="ignore")
    assert ignored.ending_mrr.tolist() == [100.0, 100.0]


def test_empty_changes() -> None:
    m = mrr_movements(columns([]), start=JAN, end=FEB)
    assert m.labels == ("2025-01", "2025-02")
    assert m.starting_mrr.tolist() == [0.0, 0.0]
    assert m.ending_mrr.tolist() == [0.0, 0.0]
    assert m.quick_ratio(allow_inf=True) is None
    json.dumps(m.to_dict())


# --- quick ratio ------------------------------------------------------------------------------


def test_quick_ratio_options() -> None:
    gains_only: list[Row] = [
        ("A", date(2024, 6, 1), 100.0),
        ("A", date(2024, 7, 1), 0.0),
        ("A", date(2025, 1, 5), 40.0),  # reactivation 40
        ("B", date(2025, 1, 6), 60.0),  # new 60
    ]
    m = mrr_movements(columns(gains_only), start=JAN, end=FEB)
    assert m.quick_ratio() is None  # no losses
    assert m.quick_ratio(allow_inf=True) == math.inf
    assert m.quick_ratio(include_reactivation=True) is None
    reactivation_only = mrr_movements(columns(gains_only[:3]), start=JAN, end=FEB)
    # gains are 0 without reactivation: still None, even with allow_inf
    assert reactivation_only.quick_ratio(allow_inf=True) is None
    assert reactivation_only.quick_ratio(include_reactivation=True, allow_inf=True) == math.inf
    losses_only: list[Row] = [("A", date(2024, 6, 1), 100.0), ("A", date(2025, 1, 5), 0.0)]
    assert mrr_movements(columns(losses_only), start=JAN, end=FEB).quick_ratio() == 0.0


# --- MRRMovements surface --------------------------------------------------------------------


def test_movements_results_are_read_only_json_and_readable() -> None:
    m = mrr_movements(columns(WORKED), start=JAN, end=FEB)
    for array in (m.starting_mrr, m.ending_mrr, *(m.amounts(k) for k in KINDS)):
        assert not array.flags.writeable
    assert all(not m.counts[k].flags.writeable for k in KINDS)
    with pytest.raises(ValueError, match="read-only"):
        m.new_mrr[0] = 1.0
    data = m.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["period"] == "month"
    assert data["end"] == "2025-03-01"
    second = {key: value[1] for key, value in data.items() if isinstance(value, list)}
    assert second == {
        "labels": "2025-02",
        "starts": "2025-02-01",
        "starting_mrr": 430.0,
        "new_mrr": 40.0,
        "expansion_mrr": 0.0,
        "reactivation_mrr": 80.0,
        "contraction_mrr": 0.0,
        "churned_mrr": 190.0,
        "ending_mrr": 360.0,
    }
    counts = data["counts"]
    assert isinstance(counts, dict)
    assert {kind: counts[kind][1] for kind in KINDS} == {
        "new": 1,
        "expansion": 0,
        "reactivation": 1,
        "contraction": 0,
        "churn": 2,
    }
    assert repr(m) == (
        "MRRMovements(period='month', periods=2 (2025-01..2025-02), "
        "starting_mrr=370, ending_mrr=360)"
    )
    assert m.format(decimals=1).splitlines() == [
        "period   start   new  expansion  reactivation  contraction  churn    end",
        "2025-01  370.0  60.0       80.0           0.0         80.0    0.0  430.0",
        "2025-02  430.0  40.0        0.0          80.0          0.0  190.0  360.0",
    ]


def test_results_compare_without_error() -> None:
    # a frozen dataclass compares its numpy fields with `==`: two periods made that raise
    m = mrr_movements(columns(WORKED), start=JAN, end=FEB)
    again = mrr_movements(columns(WORKED), start=JAN, end=FEB)
    assert isinstance(m == again, bool)


def test_unknown_movement_kind() -> None:
    m = mrr_movements(columns(WORKED), start=JAN, end=FEB)
    with pytest.raises(InvalidInputError, match=r"`kind` must be one of .*'upsell'"):
        m.amounts("upsell")


# --- revenue_retention against the reference -------------------------------------------------


def reference_retention(
    rows: list[Row], start: date, end: date, min_base: float = 0.0
) -> dict[str, float | int]:
    hist = histories(rows)
    pairs = [(level_on(c, start), level_on(c, end)) for c in hist.values()]
    base = [(a, b) for a, b in pairs if a > 0 and a >= min_base]
    return {
        "starting_customers": len(base),
        "churned_customers": sum(1 for _, b in base if b == 0),
        "starting_mrr": sum(a for a, _ in base),
        "ending_mrr": sum(b for _, b in base),
        "kept_mrr": sum(min(a, b) for a, b in base),
        "churned_mrr": sum(a for a, b in base if b == 0),
        "contraction_mrr": sum(a - b for a, b in base if 0 < b < a),
        "expansion_mrr": sum(b - a for a, b in base if b > a),
    }


@given(rows=change_sets(), window=windows, min_base=st.sampled_from([0.0, 50.0, 100.0]))
def test_retention_matches_the_reference(
    rows: list[Row], window: tuple[date, date], min_base: float
) -> None:
    start, end = window
    r = revenue_retention(columns(rows), base_on=start, compare_on=end, min_base_mrr=min_base)
    ref = reference_retention(rows, start, end, min_base)
    assert r.starting_customers == ref["starting_customers"]
    assert r.churned_customers == ref["churned_customers"]
    assert r.starting_mrr == ref["starting_mrr"]
    assert r.ending_mrr == ref["ending_mrr"]
    assert r.churned_mrr == ref["churned_mrr"]
    assert r.contraction_mrr == ref["contraction_mrr"]
    assert r.expansion_mrr == ref["expansion_mrr"]
    assert r.ending_mrr == r.starting_mrr - r.churned_mrr - r.contraction_mrr + r.expansion_mrr
    if ref["starting_customers"]:
        assert r.logo_churn_rate == ref["churned_customers"] / ref["starting_customers"]
        assert r.nrr == ref["ending_mrr"] / ref["starting_mrr"]
        assert r.grr == pytest.approx(ref["kept_mrr"] / ref["starting_mrr"], rel=1e-12)
        assert r.grr is not None
        assert r.nrr is not None
        assert 0.0 <= r.grr <= 1.0
        assert r.nrr >= r.grr
    else:
        assert (r.logo_churn_rate, r.logo_retention_rate, r.nrr, r.grr) == (None,) * 4


# --- revenue_retention: worked examples (spec edge cases) --------------------------------------


def test_worked_retention_edge_cases() -> None:
    rows: list[Row] = [
        ("A", date(2024, 12, 1), 100.0),  # churns exactly on the window end: counts
        ("A", date(2025, 2, 1), 0.0),
        ("B", date(2024, 12, 1), 100.0),  # unchanged
        ("C", date(2025, 1, 10), 500.0),  # joins and churns inside: not in the base
        ("C", date(2025, 1, 20), 0.0),
        ("D", date(2024, 12, 1), 100.0),  # churns and returns inside: counted at 80
        ("D", date(2025, 1, 10), 0.0),
        ("D", date(2025, 1, 20), 80.0),
        ("E", date(2025, 1, 1), 200.0),  # starts on the window start: in the base
        ("E", date(2025, 1, 15), 260.0),  # expands by 60
        ("F", date(2025, 2, 2), 70.0),  # after the end: not seen
    ]
    r = revenue_retention(columns(rows), base_on=JAN, compare_on=date(2025, 2, 1))
    # base: A 100, B 100, D 100, E 200 -> 4 customers, 500 MRR
    # on the end: A 0 (churned), B 100, D 80 (contraction 20), E 260 (expansion 60)
    assert r.starting_customers == 4
    assert r.churned_customers == 1
    assert r.starting_mrr == 500.0
    assert r.ending_mrr == 440.0  # 0 + 100 + 80 + 260
    assert r.churned_mrr == 100.0
    assert r.contraction_mrr == 20.0
    assert r.expansion_mrr == 60.0
    assert r.logo_churn_rate == 0.25  # 1 / 4
    assert r.logo_retention_rate == 0.75
    assert r.nrr == 440 / 500  # 0.88
    # GRR: min(end, start) per customer: 0 + 100 + 80 + 200 = 380 -> 380 / 500
    assert r.grr == pytest.approx(0.76, rel=1e-12)
    assert r.base_on == JAN
    assert r.compare_on == date(2025, 2, 1)
    assert r.periods_per_year == 12.0


def test_zero_churn_is_zero_and_zero_base_is_none() -> None:
    steady: list[Row] = [("A", date(2024, 12, 1), 100.0)]
    r = revenue_retention(columns(steady), base_on=JAN, compare_on=FEB)
    assert r.logo_churn_rate == 0.0
    assert r.logo_churn_rate is not None
    assert (r.logo_retention_rate, r.nrr, r.grr) == (1.0, 1.0, 1.0)
    # a base of nobody: only a customer who joins inside the window
    empty = revenue_retention(
        columns([("A", date(2025, 1, 5), 100.0)]), base_on=JAN, compare_on=FEB
    )
    assert empty.starting_customers == 0
    assert (empty.logo_churn_rate, empty.logo_retention_rate, empty.nrr, empty.grr) == (None,) * 4
    a = empty.annualized()
    assert (a.logo_churn_rate, a.logo_retention_rate, a.nrr, a.grr) == (None,) * 4
    assert json.loads(json.dumps(empty.to_dict()))["nrr"] is None
    assert repr(empty) == (
        "RevenueRetention(2025-01-01 to 2025-03-01: customers=0, churned=0, nrr=None, grr=None)"
    )
    nobody = revenue_retention(columns([]), base_on=JAN, compare_on=FEB)
    assert nobody.starting_customers == 0
    assert nobody.nrr is None


def test_min_base_mrr_leaves_small_accounts_out() -> None:
    rows: list[Row] = [
        ("A", date(2024, 12, 1), 40.0),  # under 50: left out (it churns: not counted)
        ("A", date(2025, 1, 15), 0.0),
        ("B", date(2024, 12, 1), 50.0),  # exactly 50: in the base
        ("C", date(2024, 12, 1), 300.0),
        ("C", date(2025, 1, 15), 150.0),
    ]
    r = revenue_retention(
        columns(rows), base_on=JAN, compare_on=date(2025, 2, 1), min_base_mrr=50.0
    )
    # base: B 50, C 300 -> 350; end: B 50, C 150 -> 200
    assert (r.starting_customers, r.churned_customers) == (2, 0)
    assert (r.starting_mrr, r.ending_mrr, r.contraction_mrr) == (350.0, 200.0, 150.0)
    everyone = revenue_retention(columns(rows), base_on=JAN, compare_on=date(2025, 2, 1))
    assert (everyone.starting_customers, everyone.churned_customers) == (3, 1)


def test_retention_results_json_and_repr() -> None:
    r = revenue_retention(columns(WORKED), base_on=JAN, compare_on=FEB)
    data = r.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["base_on"] == "2025-01-01"
    assert set(data) >= {"nrr", "grr", "logo_churn_rate", "starting_mrr", "ending_mrr"}
    assert repr(r).startswith("RevenueRetention(2025-01-01 to 2025-03-01: customers=3")
    a = r.annualized()
    assert isinstance(a, AnnualizedRetention)
    assert json.loads(json.dumps(a.to_dict())) == a.to_dict()
    assert repr(a).startswith("AnnualizedRetention(periods_per_year=6, ")


# --- annualizing ----------------------------------------------------------------------------


def hundred_customers(churned: int, *, end: date = date(2025, 2, 1)) -> list[Row]:
    rows: list[Row] = [(f"A{i:03d}", date(2024, 12, 1), 100.0) for i in range(100)]
    rows += [(f"A{i:03d}", end - timedelta(days=3), 0.0) for i in range(churned)]
    return rows


@pytest.mark.parametrize(
    ("churned", "annual"),
    # spec 3.4 vectors: 1 - (1 - m)^12
    [(1, 0.1136), (2, 0.2153), (5, 0.4596)],
)
def test_annualized_logo_churn_compounds(churned: int, annual: float) -> None:
    r = revenue_retention(
        columns(hundred_customers(churned)), base_on=JAN, compare_on=date(2025, 2, 1)
    )
    assert r.logo_churn_rate == churned / 100
    a = r.annualized()
    assert a.periods_per_year == 12.0  # a whole calendar month
    assert a.logo_churn_rate == pytest.approx(annual, abs=5e-5)
    assert a.logo_churn_rate == pytest.approx(1 - (1 - churned / 100) ** 12, rel=1e-12)
    assert a.logo_retention_rate == pytest.approx((1 - churned / 100) ** 12, rel=1e-12)
    # never by multiplying: 12 x 5% would be 60%
    assert a.logo_churn_rate != pytest.approx(12 * churned / 100)
    # NRR and GRR compound as r^k: here both are 1 - m
    assert a.nrr == pytest.approx((1 - churned / 100) ** 12, rel=1e-12)
    assert a.grr == pytest.approx((1 - churned / 100) ** 12, rel=1e-12)


def test_annualized_nrr_above_one_and_explicit_periods() -> None:
    rows: list[Row] = [("A", date(2024, 12, 1), 100.0), ("A", date(2025, 1, 20), 102.0)]
    r = revenue_retention(columns(rows), base_on=JAN, compare_on=date(2025, 2, 1))
    assert r.nrr == 1.02  # 102 / 100
    assert r.grr == 1.0  # capped at the start level
    assert r.annualized().nrr == pytest.approx(1.02**12, rel=1e-12)  # 1.2682
    quarterly = r.annualized(4)
    assert quarterly.periods_per_year == 4.0
    assert quarterly.nrr == pytest.approx(1.02**4, rel=1e-12)


@pytest.mark.parametrize(
    ("start", "end", "k"),
    [
        (date(2025, 1, 1), date(2025, 2, 1), 12.0),  # a calendar month
        (date(2025, 1, 15), date(2025, 4, 15), 4.0),  # three whole months
        (date(2025, 1, 1), date(2025, 1, 8), 52.1775),  # 7 days: 365.2425 / 7
        (date(2025, 1, 1), date(2026, 1, 1), 1.0),  # a year
        (date(2025, 1, 31), date(2025, 2, 28), 365.2425 / 28),  # not whole months
    ],
)
def test_default_periods_per_year(start: date, end: date, k: float) -> None:
    r = revenue_retention(columns([("A", date(2024, 1, 1), 10.0)]), base_on=start, compare_on=end)
    assert r.periods_per_year == pytest.approx(k, rel=1e-12)
    assert r.annualized().periods_per_year == pytest.approx(k, rel=1e-12)


# --- bad input ------------------------------------------------------------------------------

RETENTION = revenue_retention(columns(WORKED), base_on=JAN, compare_on=FEB)


@pytest.mark.parametrize("k", [0, -1, math.nan, math.inf, "twelve", [12]])
def test_bad_periods_per_year(k: object) -> None:
    with pytest.raises(InvalidInputError, match="`periods_per_year` must be a finite number"):
        RETENTION.annualized(k)


@pytest.mark.parametrize("k", [True, "12"])
def test_periods_per_year_that_only_look_like_numbers_are_rejected(k: object) -> None:
    # True would silently mean 1 and the text "12" would be read as 12
    with pytest.raises(InvalidInputError, match="`periods_per_year` must be a finite number"):
        RETENTION.annualized(k)


#: Each function and the names of its two days.
DAYS = [(mrr_movements, ("start", "end")), (revenue_retention, ("base_on", "compare_on"))]


@pytest.mark.parametrize(("function", "names"), DAYS)
def test_window_must_be_ordered_and_aware(
    function: Callable[..., object], names: tuple[str, str]
) -> None:
    first, second = names

    def call(data: object, one: object, two: object) -> object:
        return function(data, **{first: one, second: two})

    data = columns(WORKED)
    with pytest.raises(
        InvalidInputError, match=rf"`{first}` \(2025-01-01\) must be before `{second}`"
    ):
        call(data, JAN, JAN)
    with pytest.raises(
        InvalidInputError, match=rf"`{first}` \(2025-03-01\) must be before `{second}`"
    ):
        call(data, FEB, JAN)
    with pytest.raises(InvalidInputError, match=first):
        call(data, datetime(2025, 1, 1), FEB)
    with pytest.raises(InvalidInputError, match=second):
        call(data, JAN, datetime(2025, 3, 1))


@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf, "5"])
def test_bad_min_base_mrr(value: float) -> None:
    with pytest.raises(InvalidInputError, match=r"`min_base_mrr` must be (a finite number|>= 0)"):
        revenue_retention(columns(WORKED), base_on=JAN, compare_on=FEB, min_base_mrr=value)


def test_unknown_period() -> None:
    with pytest.raises(InvalidInputError, match=r"`period` must be one of .*'day'"):
        mrr_movements(columns(WORKED), start=JAN, end=FEB, period="day")


@pytest.mark.parametrize("value", [True, 1.5, 2.0, "3", None])
def test_group_within_days_must_be_a_whole_number(value: object) -> None:
    with pytest.raises(InvalidInputError, match="`group_within_days` must be a whole number"):
        mrr_movements(columns(WORKED), start=JAN, end=FEB, group_within_days=value)


def test_negative_group_within_days() -> None:
    with pytest.raises(InvalidInputError, match=r"`group_within_days` must be >= 0, got -1"):
        mrr_movements(columns(WORKED), start=JAN, end=FEB, group_within_days=-1)


def test_unknown_new_and_churn_policy() -> None:
    refused = r"`same_period_new_and_churn` must be one of \{'count', 'ignore'\}, got 'drop'"
    with pytest.raises(InvalidInputError, match=refused):
        mrr_movements(
            columns(WORKED),
            start=JAN,
            end=FEB,
            same_period_new_and_churn="drop",
        )


@pytest.mark.parametrize(("function", "names"), DAYS)
def test_bad_rows_are_all_listed(function: Callable[..., object], names: tuple[str, str]) -> None:
    days = dict(zip(names, (JAN, FEB)))
    data = {
        "account_id": ["A", "B", "C", "D"],
        "effective_on": ["2025-01-05", "2025-01-06", "2025-01-07", "2025-01-08"],
        "mrr": [-5.0, 10.0, math.nan, -1.0],
    }
    with pytest.raises(InvalidInputError, match="3 of 4") as info:
        function(data, **days)
    assert [(e.row, e.field) for e in info.value.errors] == [(1, "mrr"), (3, "mrr"), (4, "mrr")]
    missing = {"account_id": ["A"], "mrr": [1.0]}
    with pytest.raises(InvalidInputError, match="effective_on"):
        function(missing, **days)


def test_duplicates_are_errors_in_both_functions() -> None:
    rows: list[Row] = [("A", date(2025, 1, 5), 1.0), ("A", date(2025, 1, 5), 2.0)]
    with pytest.raises(InvalidInputError, match="rows 1 and 2"):
        mrr_movements(columns(rows), start=JAN, end=FEB)
    with pytest.raises(InvalidInputError, match="rows 1 and 2"):
        revenue_retention(columns(rows), base_on=JAN, compare_on=FEB)
