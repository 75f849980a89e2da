"""Logo churn and activity churn, against worked examples and slow day-by-day references."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from tests.retention.forms import accounts_in_form

from cshealth._exceptions import InvalidInputError
from cshealth._stats import Rate
from cshealth.io import Table, load_table
from cshealth.models import Account
from cshealth.retention import ActivityChurn, LogoChurn, activity_churn, logo_churn

UTC = timezone.utc
JUNE: dict[str, Any] = {"base_on": date(2025, 6, 1), "compare_on": date(2025, 7, 1)}  # 30 days
JAN: dict[str, Any] = {"base_on": date(2025, 1, 1), "compare_on": date(2025, 2, 1)}  # 31 days
FORMS: tuple[Any, ...] = ("start", "average", "customer_days")
WRONG: Any = "median"
NUMBER_DATE: Any = 20250201  # a number is no date (ISO text is read since issue 13)
OLD = "2024-01-01"  # a start date long before every window


def columns(rows: Sequence[tuple[str, str | None]]) -> dict[str, list[str | None]]:
    return {"start_date": [s for s, _ in rows], "end_date": [e for _, e in rows]}


# --- the reference: one customer and one day at a time -------------------------------------


def slow_logo(rows: list[tuple[date, date | None]], start: date, end: date) -> dict[str, float]:
    """Counts of `LogoChurn` by walking the days of the window, customer by customer."""

    def active(row: tuple[date, date | None], day: date) -> bool:
        begin, stop = row
        return begin <= day and (stop is None or day < stop)

    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]  # start..end
    base = [row for row in rows if active(row, start)]
    result: dict[str, float] = {
        "starting": len(base),
        "ending": sum(active(row, end) for row in rows),
        "churned": sum(not active(row, end) for row in base),
        "new": sum(active(row, end) and not active(row, start) for row in rows),
        # days in [start, end) on which each customer was active
        "customer_days": sum(active(row, day) for row in rows for day in days[:-1]),
        # a churn on day d: active the day before, not on d, for d in (start, end]
        "events": sum(
            active(row, day - timedelta(days=1)) and not active(row, day)
            for row in rows
            for day in days[1:]
        ),
    }
    return result


# --- logo churn: worked examples ----------------------------------------------------------


def test_docstring_month_worked() -> None:
    # January 2025 (31 days). A: a customer all month. B: churns on Jan 20. C: joins
    # Jan 10, churns Jan 25. D: joins Jan 15 and stays.
    accounts = columns(
        [(OLD, None), (OLD, "2025-01-20"), ("2025-01-10", "2025-01-25"), ("2025-01-15", None)]
    )
    res = logo_churn(accounts, **JAN)
    assert (res.starting_customers, res.ending_customers) == (2, 2)  # {A, B} and {A, D}
    assert (res.churned_customers, res.new_customers) == (1, 1)  # B; D (C left again)
    assert res.churn_events == 2  # B and C
    # A 31 days, B Jan 1..19 = 19, C Jan 10..24 = 15, D Jan 15..31 = 17: 82
    assert res.customer_days == 31 + 19 + 15 + 17 == 82
    assert res.rate == 0.5  # 1 / 2
    assert res.retention_rate == 0.5
    assert res.days == 31
    assert res.periods_per_year == 12.0
    assert logo_churn(accounts, **JAN, denominator="average").rate == 0.5  # 1 / ((2 + 2) / 2)
    days_form = logo_churn(accounts, **JAN, denominator="customer_days")
    assert days_form.rate == pytest.approx(2 / 82 * 31)  # 0.7561
    assert days_form.retention_rate == pytest.approx(1 - 2 / 82 * 31)


def test_churn_exactly_on_the_window_end_counts() -> None:
    # end_date is the first day without the customer: ending on Feb 1 means it was gone at
    # the window's end, so it is churn in January ...
    res = logo_churn(columns([(OLD, "2025-02-01"), (OLD, None)]), **JAN)
    assert (res.churned_customers, res.churn_events, res.rate) == (1, 1, 0.5)
    assert res.customer_days == 31 + 31  # ... though it was a customer every day of January
    # ... and not in February, whose base it is not in
    feb = logo_churn(
        columns([(OLD, "2025-02-01"), (OLD, None)]),
        base_on=date(2025, 2, 1),
        compare_on=date(2025, 3, 1),
    )
    assert (feb.starting_customers, feb.churned_customers, feb.churn_events) == (1, 0, 0)


def test_churn_on_the_window_start_is_the_previous_window() -> None:
    # gone on Jan 1: not active at the start, so not in January's base nor its events
    res = logo_churn(columns([(OLD, "2025-01-01"), (OLD, None)]), **JAN)
    assert (res.starting_customers, res.churned_customers, res.churn_events) == (1, 0, 0)
    assert res.rate == 0.0


def test_join_and_churn_inside_the_window() -> None:
    # two base customers stay; one customer joins Jan 5 and leaves Jan 12 (7 days)
    res = logo_churn(columns([(OLD, None), (OLD, None), ("2025-01-05", "2025-01-12")]), **JAN)
    assert (res.starting_customers, res.churned_customers, res.new_customers) == (2, 0, 0)
    assert res.rate == 0.0  # not in the start numerator (nor the denominator)
    assert res.churn_events == 1  # but it is a churn event ...
    assert res.customer_days == 2 * 31 + 7  # ... with its 7 days of exposure
    days_form = logo_churn(
        columns([(OLD, None), (OLD, None), ("2025-01-05", "2025-01-12")]),
        **JAN,
        denominator="customer_days",
    )
    assert days_form.rate == pytest.approx(1 / 69 * 31)  # 0.449


def test_zero_churn_is_zero_not_none() -> None:
    rows = columns([(OLD, None), (OLD, "2025-06-01"), ("2025-01-20", None)])
    for form in FORMS:
        res = logo_churn(rows, **JAN, denominator=form)
        assert res.rate == 0.0
        assert res.rate is not None
        assert res.retention_rate == 1.0
        assert res.annualized() == 0.0


def test_zero_base_is_none() -> None:
    # only a customer who joins inside the window: no base at the start
    rows = columns([("2025-01-10", None)])
    start = logo_churn(rows, **JAN)
    assert (start.starting_customers, start.ending_customers, start.new_customers) == (0, 1, 1)
    assert start.rate is None
    assert start.retention_rate is None
    assert start.annualized() is None
    assert start.confidence_interval() is None
    # the average denominator is (0 + 1) / 2, but its numerator only counts a base that
    # does not exist: no rate either
    assert logo_churn(rows, **JAN, denominator="average").rate is None
    # the customer-days form is defined: 22 days of exposure, no churn
    days_form = logo_churn(rows, **JAN, denominator="customer_days")
    assert (days_form.customer_days, days_form.rate) == (22, 0.0)


def test_nothing_at_all() -> None:
    for form in FORMS:
        res = logo_churn({"start_date": [], "end_date": []}, **JAN, denominator=form)
        assert res.rate is None
        assert res.confidence_interval() is None
        assert (res.starting_customers, res.customer_days, res.churn_events) == (0, 0, 0)


def shopify_month(*, with_new: bool) -> dict[str, list[str | None]]:
    rows: list[tuple[str, str | None]] = [(OLD, None)] * 90 + [(OLD, "2025-06-16")] * 10
    if with_new:
        rows += [("2025-06-16", None)] * 90 + [("2025-06-16", "2025-06-26")] * 10
    return columns(rows)


def test_shopify_style_denominators_differ() -> None:
    # Spec §3.4 [S25]: the same behaviour of the base gives different rates depending on
    # acquisition. June 2025 (30 days). Base: 100 customers; 10 leave on June 16 (15 days
    # each as customers in June). Second scenario: also 100 new customers join on June 16;
    # 10 of them leave on June 26 (10 days each), 90 stay (15 days each).
    quiet = {
        form: logo_churn(shopify_month(with_new=False), **JUNE, denominator=form) for form in FORMS
    }
    busy = {
        form: logo_churn(shopify_month(with_new=True), **JUNE, denominator=form) for form in FORMS
    }
    # start: 10 / 100 = 0.10 in both: the new customers are in neither part
    assert quiet["start"].rate == busy["start"].rate == pytest.approx(0.10)
    # average: quiet 10 / ((100 + 90) / 2) = 10 / 95 = 0.10526;
    #          busy  10 / ((100 + 180) / 2) = 10 / 140 = 0.07143 (acquisition dilutes it)
    assert quiet["average"].rate == pytest.approx(10 / 95)
    assert busy["average"].rate == pytest.approx(10 / 140)
    # customer_days: quiet 90 * 30 + 10 * 15 = 2,850 days, 10 events: 10 / 2850 * 30 = 0.10526
    #                busy  2,850 + 90 * 15 + 10 * 10 = 4,300 days, 20 events:
    #                      20 / 4300 * 30 = 0.13953 (the new customers' churn counts)
    assert (quiet["customer_days"].customer_days, quiet["customer_days"].churn_events) == (2850, 10)
    assert (busy["customer_days"].customer_days, busy["customer_days"].churn_events) == (4300, 20)
    assert quiet["customer_days"].rate == pytest.approx(10 / 2850 * 30)
    assert busy["customer_days"].rate == pytest.approx(20 / 4300 * 30)
    assert len({round(busy[form].rate or 0, 6) for form in busy}) == 3  # three answers


def test_heavy_turnover_passes_one_in_the_other_forms() -> None:
    # 10 base customers all leave on Jan 2: start 10 / 10 = 1; average 10 / ((10 + 0) / 2) = 2
    rows = columns([(OLD, "2025-01-02")] * 10)
    assert logo_churn(rows, **JAN).rate == 1.0
    average = logo_churn(rows, **JAN, denominator="average")
    assert average.rate == 2.0
    assert average.retention_rate == -1.0
    assert average.annualized() is None  # compounding a rate above 1 means nothing
    assert logo_churn(rows, **JAN).annualized() == 1.0


def test_accepts_records_frames_and_tables() -> None:
    records = [
        Account(id="A", name="A", start_date=date(2024, 1, 1)),
        Account(id="B", name="B", start_date=date(2024, 1, 1), end_date=date(2025, 1, 20)),
        Account(id="C", name="C", start_date=date(2025, 1, 10)),
    ]
    expected = logo_churn(records, **JAN)
    assert (expected.starting_customers, expected.churned_customers, expected.new_customers) == (
        2,
        1,
        1,
    )
    frame = pd.DataFrame(
        {
            "start_date": [date(2024, 1, 1), date(2024, 1, 1), date(2025, 1, 10)],
            "end_date": [None, date(2025, 1, 20), None],
        }
    )
    assert logo_churn(frame, **JAN).to_dict() == expected.to_dict()
    table = Table(
        {
            "start_date": np.array(
                ["2024-01-01", "2024-01-01", "2025-01-10"], dtype="datetime64[D]"
            ),
            "end_date": np.array(["NaT", "2025-01-20", "NaT"], dtype="datetime64[D]"),
        },
        model=Account,
    )
    assert logo_churn(table, **JAN).to_dict() == expected.to_dict()


def test_an_end_date_column_of_empty_cells_means_everyone_stays() -> None:
    res = logo_churn({"start_date": [OLD, OLD, "2025-01-31"], "end_date": [None, "", None]}, **JAN)
    assert (res.starting_customers, res.ending_customers, res.new_customers) == (2, 3, 1)
    assert res.rate == 0.0
    assert res.customer_days == 31 + 31 + 1


def test_window_bounds_as_aware_datetimes() -> None:
    # an aware datetime is taken at its UTC day: 23:00 at UTC-2 on Dec 31 is Jan 1 in UTC
    minus_two = timezone(timedelta(hours=-2))
    res = logo_churn(
        columns([(OLD, None), (OLD, "2025-01-20")]),
        base_on=datetime(2024, 12, 31, 23, 0, tzinfo=minus_two),
        compare_on=datetime(2025, 2, 1, 12, 0, tzinfo=UTC),
    )
    assert (res.base_on, res.compare_on) == (date(2025, 1, 1), date(2025, 2, 1))
    assert res.rate == 0.5


def test_periods_per_year_and_annualized() -> None:
    rows = columns([(OLD, None)] * 49 + [(OLD, "2025-01-15")])
    res = logo_churn(rows, **JAN)
    assert res.rate == pytest.approx(0.02)
    assert res.annualized() == pytest.approx(1 - 0.98**12)  # 0.2153
    assert res.annualized(periods_per_year=4) == pytest.approx(1 - 0.98**4)
    week = logo_churn(rows, base_on=date(2025, 1, 13), compare_on=date(2025, 1, 20))
    assert week.periods_per_year == pytest.approx(365.2425 / 7)
    quarter = logo_churn(rows, base_on=date(2025, 1, 1), compare_on=date(2025, 4, 1))
    assert quarter.periods_per_year == 4.0


def test_confidence_intervals() -> None:
    rows = columns(
        [(OLD, None)] * 45 + [(OLD, "2025-01-15")] * 5 + [("2025-01-10", "2025-01-20")] * 3
    )
    start = logo_churn(rows, **JAN)
    assert start.confidence_interval(0.9) == Rate(5, 50).confidence_interval(0.9)
    assert logo_churn(rows, **JAN, denominator="average").confidence_interval() is None
    days = logo_churn(rows, **JAN, denominator="customer_days")
    # Garwood's exact Poisson interval for 8 events, through the gamma quantiles, scaled by
    # days / exposure like the rate
    events, scale = days.churn_events, 31 / days.customer_days
    assert events == 8
    ci = days.confidence_interval()
    assert ci is not None
    low, high = ci
    assert low == pytest.approx(stats.gamma.ppf(0.025, events) * scale)
    assert high == pytest.approx(stats.gamma.ppf(0.975, events + 1) * scale)
    assert low < (days.rate or 0) < high
    # no churn events: the interval starts at 0
    quiet = logo_churn(columns([(OLD, None)] * 10), **JAN, denominator="customer_days")
    ci = quiet.confidence_interval()
    assert ci is not None
    low, high = ci
    assert low == 0.0
    assert high == pytest.approx(stats.gamma.ppf(0.975, 1) * 31 / 310)


def test_result_repr_and_dict() -> None:
    res = logo_churn(columns([(OLD, None), (OLD, "2025-01-20")]), **JAN)
    assert repr(res) == (
        "LogoChurn(2025-01-01 to 2025-02-01, rate=0.5 (start), 1 churned of 2 starting, "
        "0 new, 1 ending)"
    )
    data = res.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["base_on"] == "2025-01-01"
    assert data["annualized"] == pytest.approx(1 - 0.5**12)
    none = logo_churn({"start_date": [], "end_date": []}, **JAN)
    assert "rate=None" in repr(none)
    assert none.to_dict()["rate"] is None
    name = "rate"
    with pytest.raises(AttributeError):
        setattr(res, name, 0.1)


# --- logo churn: random data against the reference ----------------------------------------


@st.composite
def customer_rows(draw: st.DrawFn) -> tuple[list[tuple[date, date | None]], date, date]:
    first = date(2025, 1, 1)
    n = draw(st.integers(0, 25))
    rows: list[tuple[date, date | None]] = []
    for _ in range(n):
        begin = first + timedelta(days=draw(st.integers(0, 90)))
        length = draw(st.none() | st.integers(0, 60))
        rows.append((begin, None if length is None else begin + timedelta(days=length)))
    start = first + timedelta(days=draw(st.integers(0, 80)))
    end = start + timedelta(days=draw(st.integers(1, 45)))
    return rows, start, end


@given(customer_rows())
def test_logo_churn_matches_the_day_by_day_reference(
    case: tuple[list[tuple[date, date | None]], date, date],
) -> None:
    rows, start, end = case
    data = {"start_date": [b for b, _ in rows], "end_date": [e for _, e in rows]}
    expected = slow_logo(rows, start, end)
    got = {
        form: logo_churn(data, base_on=start, compare_on=end, denominator=form) for form in FORMS
    }
    res = got["start"]
    assert res.starting_customers == expected["starting"]
    assert res.ending_customers == expected["ending"]
    assert res.churned_customers == expected["churned"]
    assert res.new_customers == expected["new"]
    assert res.customer_days == expected["customer_days"]
    assert res.churn_events == expected["events"]
    # the stock identity of the window, and invariants of the rates
    assert (
        res.starting_customers - res.churned_customers + res.new_customers == res.ending_customers
    )
    assert res.churn_events >= res.churned_customers
    for form, result in got.items():
        if result.rate is None:
            assert result.retention_rate is None
            continue
        assert result.rate + (result.retention_rate or 0.0) == pytest.approx(1.0)
        assert result.rate >= 0.0
        if form == "start":
            assert 0.0 <= result.rate <= 1.0
            annual = result.annualized()
            assert annual is not None
            assert 0.0 <= annual <= 1.0
        if form == "average":
            assert result.rate <= 2.0


def test_vectorised_on_many_accounts() -> None:
    # 200,000 accounts, checked against counts computed another way (sorting by end day)
    rng = np.random.default_rng(7)
    n = 200_000
    begins = np.datetime64("2024-01-01") + rng.integers(0, 500, n)
    lengths = rng.integers(1, 400, n)
    ends = np.where(rng.random(n) < 0.3, np.datetime64("NaT"), begins + lengths)
    res = logo_churn(
        {"start_date": begins, "end_date": ends},
        base_on=date(2024, 10, 1),
        compare_on=date(2025, 1, 1),
    )
    s = pd.Series(begins)
    e = pd.Series(ends)
    a, b = pd.Timestamp("2024-10-01"), pd.Timestamp("2025-01-01")
    base = (s <= a) & (e.isna() | (e > a))
    assert res.starting_customers == int(base.sum())
    assert res.churned_customers == int((base & e.notna() & (e <= b)).sum())
    exposure = (e.fillna(b).clip(upper=b) - s.clip(lower=a)).dt.days.clip(lower=0).sum()
    assert res.customer_days == int(exposure)


# --- logo churn: bad input ----------------------------------------------------------------


def test_logo_bad_input() -> None:
    rows = columns([(OLD, None)])
    with pytest.raises(InvalidInputError, match=r"`denominator` must be one of.*'median'"):
        logo_churn(rows, **JAN, denominator=WRONG)
    with pytest.raises(InvalidInputError, match="`base_on` must be before `compare_on`"):
        logo_churn(rows, base_on=date(2025, 2, 1), compare_on=date(2025, 2, 1))
    with pytest.raises(InvalidInputError, match="`base_on` must be before `compare_on`"):
        logo_churn(rows, base_on=date(2025, 3, 1), compare_on=date(2025, 2, 1))
    with pytest.raises(InvalidInputError, match="`base_on` is a naive datetime"):
        logo_churn(rows, base_on=datetime(2025, 1, 1), compare_on=date(2025, 2, 1))
    with pytest.raises(InvalidInputError, match="`compare_on` must be a date or an aware datetime"):
        logo_churn(rows, base_on=date(2025, 1, 1), compare_on=NUMBER_DATE)
    with pytest.raises(InvalidInputError, match=r"need the columns \['start_date'\]"):
        logo_churn({"end_date": [OLD]}, **JAN)
    with pytest.raises(InvalidInputError, match="`end_date` is before `start_date`"):
        logo_churn(columns([("2025-01-10", "2025-01-05")]), **JAN)
    with pytest.raises(InvalidInputError, match="start_date"):
        logo_churn({"start_date": ["2025-01-10", None]}, **JAN)
    with pytest.raises(InvalidInputError, match="start_date"):
        logo_churn({"start_date": ["not a date"]}, **JAN)
    res = logo_churn(rows, **JAN)
    bads: tuple[Any, ...] = (0, -12, math.nan, math.inf, "12")
    for bad in bads:
        with pytest.raises(InvalidInputError, match="`periods_per_year` must be a finite number"):
            res.annualized(bad)
    for form in FORMS:
        res = logo_churn(rows, **JAN, denominator=form)
        with pytest.raises(InvalidInputError, match="`confidence_level`"):
            res.confidence_interval(1.5)


# --- activity churn -----------------------------------------------------------------------

FEB: dict[str, Any] = {"base_on": date(2025, 2, 1), "compare_on": date(2025, 3, 1)}
T0 = datetime(2025, 2, 1, tzinfo=UTC)
T1 = datetime(2025, 3, 1, tzinfo=UTC)


def at(moment: datetime) -> str:
    return moment.isoformat()


def test_churn_and_return_inside_the_window_is_not_churn() -> None:
    # ana: seen Jan 20 (active at Feb 1), silent 30+ days, back on Feb 25 (active at Mar 1)
    # bo: seen Jan 25 only: churned. cy: seen Jan 31 and Feb 27: stays.
    ids = ["ana", "ana", "bo", "cy", "cy"]
    times = [
        "2025-01-20T10:00Z",
        "2025-02-25T10:00Z",
        "2025-01-25T10:00Z",
        "2025-01-31T10:00Z",
        "2025-02-27T10:00Z",
    ]
    res = activity_churn(ids, times, **FEB)
    assert (res.starting_entities, res.ending_entities) == (3, 2)
    assert (res.churned_entities, res.new_entities) == (1, 0)  # bo only; ana is not new
    assert res.rate == pytest.approx(1 / 3)
    assert res.retention_rate == pytest.approx(2 / 3)


def test_entity_seen_only_inside_the_window_is_new() -> None:
    res = activity_churn(["old", "fresh"], ["2025-01-30T00:00Z", "2025-02-14T00:00Z"], **FEB)
    assert (res.starting_entities, res.churned_entities, res.new_entities) == (1, 1, 1)
    assert res.ending_entities == 1
    assert res.rate == 1.0


def test_lookback_boundaries() -> None:
    lag = timedelta(days=7)
    week: dict[str, Any] = {**FEB, "inactive_after": lag}
    # exactly inactive_after before the start: outside (t - lag, t]
    res = activity_churn(["a"], [at(T0 - lag)], **week)
    assert res.starting_entities == 0
    # one microsecond later: inside
    res = activity_churn(["a"], [at(T0 - lag + timedelta(microseconds=1))], **week)
    assert res.starting_entities == 1
    # exactly at the start: inside (the instant itself is included)
    res = activity_churn(["a"], [at(T0)], **week)
    assert (res.starting_entities, res.churned_entities) == (1, 1)
    # the same at the end: at end counts, end - lag does not, after end is not read
    res = activity_churn(["a", "b", "c"], [at(T0), at(T1), at(T1 - lag)], **week)
    assert (res.starting_entities, res.ending_entities, res.new_entities) == (1, 1, 1)
    assert res.churned_entities == 1  # a: silent through (Mar 1 - 7 days, Mar 1]
    res = activity_churn(["a", "a"], [at(T0), at(T1 + timedelta(microseconds=1))], **week)
    assert (res.churned_entities, res.ending_entities) == (1, 0)


def test_inactive_after_sets_the_lookback() -> None:
    ids, times = ["a", "b"], ["2025-01-26T00:00Z", "2025-01-10T00:00Z"]
    assert activity_churn(ids, times, **FEB).starting_entities == 2  # both within 30 days
    seven = activity_churn(ids, times, **FEB, inactive_after=timedelta(days=7))
    assert seven.starting_entities == 1  # Jan 26 is within 7 days of Feb 1, Jan 10 is not
    assert "inactive after 7 days" in repr(seven)
    odd = activity_churn(ids, times, **FEB, inactive_after=timedelta(hours=36))
    assert "inactive after 1 day, 12:00:00" in repr(odd)


def test_event_time_forms_agree() -> None:
    ids = ["a", "b", "b", "c"]
    stamps = [
        datetime(2025, 1, 20, 9, tzinfo=UTC),
        datetime(2025, 1, 28, 9, tzinfo=UTC),
        datetime(2025, 2, 20, 9, tzinfo=UTC),
        datetime(2025, 2, 21, 9, tzinfo=UTC),
    ]
    expected = activity_churn(ids, stamps, **FEB).to_dict()
    assert (expected["starting_entities"], expected["churned_entities"]) == (2, 1)
    paris = timezone(timedelta(hours=1))
    forms: list[Any] = [
        [s.astimezone(paris) for s in stamps],
        [s.isoformat() for s in stamps],
        np.array([s.replace(tzinfo=None) for s in stamps], dtype="datetime64[ns]"),
        np.array([s.replace(tzinfo=None) for s in stamps], dtype="datetime64[s]"),
        pd.Series(pd.to_datetime([s.isoformat() for s in stamps])).dt.tz_convert("Asia/Tokyo"),
    ]
    for times in forms:
        assert activity_churn(ids, times, **FEB).to_dict() == expected
    for id_form in (np.array(ids), np.array(ids, dtype=object), pd.Series(ids)):
        assert activity_churn(id_form, stamps, **FEB).to_dict() == expected
    numbers = activity_churn([1, 2, 2, 3], stamps, **FEB).to_dict()
    floats = activity_churn([1.5, 2.5, 2.5, 3.5], stamps, **FEB).to_dict()
    assert numbers == floats == expected


def test_activity_result_details() -> None:
    res = activity_churn(["a", "b"], ["2025-01-20T00:00Z", "2025-01-21T00:00Z"], **FEB)
    assert (res.base_on, res.compare_on) == (T0, T1)
    assert res.inactive_after == timedelta(days=30)
    assert res.periods_per_year == 12.0
    assert res.rate == 1.0
    assert res.annualized() == 1.0
    assert res.annualized(periods_per_year=2) == 1.0
    assert res.confidence_interval(0.9) == Rate(2, 2).confidence_interval(0.9)
    assert repr(res) == (
        "ActivityChurn(2025-02-01 00:00 UTC to 2025-03-01 00:00 UTC, inactive after 30 days, "
        "rate=1, 2 churned of 2 starting, 0 new, 0 ending)"
    )
    data = res.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["inactive_after_seconds"] == 30 * 86_400
    assert data["base_on"] == "2025-02-01T00:00:00.000000Z"
    # a window between instants that are not midnights: 365.2425 days over its length
    odd = activity_churn(
        ["a"],
        ["2025-01-20T00:00Z"],
        base_on=datetime(2025, 2, 1, 12, tzinfo=UTC),
        compare_on=datetime(2025, 2, 8, 12, tzinfo=UTC),
    )
    assert odd.periods_per_year == pytest.approx(365.2425 / 7)
    empty = activity_churn([], np.array([], dtype="datetime64[us]"), **FEB)
    assert empty.rate is None
    assert empty.retention_rate is None
    assert empty.annualized() is None
    assert empty.confidence_interval() is None
    assert empty.to_dict()["rate"] is None


def slow_activity(
    ids: list[object], times: list[datetime], start: datetime, end: datetime, lag: timedelta
) -> tuple[int, int, int, int]:
    """(starting, ending, churned, new) from sets of the entities seen in each lookback."""
    seen: dict[object, list[datetime]] = defaultdict(list)
    for entity, moment in zip(ids, times):
        seen[entity].append(moment)
    at_start = {e for e, ts in seen.items() if any(start - lag < t <= start for t in ts)}
    at_end = {e for e, ts in seen.items() if any(end - lag < t <= end for t in ts)}
    return len(at_start), len(at_end), len(at_start - at_end), len(at_end - at_start)


@pytest.mark.parametrize(("seed", "text"), [(0, False), (1, True), (2, False), (3, True)])
def test_activity_churn_matches_the_set_reference(seed: int, text: bool) -> None:
    rng = np.random.default_rng(seed)
    n = 3_000
    entities = rng.integers(0, 400, n)
    base = np.datetime64("2025-01-01T00:00", "us")
    offsets = rng.integers(0, 120 * 86_400_000_000, n)
    instants = base + offsets.astype("timedelta64[us]")
    ids: Any = np.array([f"user-{e}" for e in entities], dtype=object) if text else entities
    start = datetime(2025, 2, 10, 6, tzinfo=UTC)
    end = datetime(2025, 3, 25, tzinfo=UTC)
    lag = timedelta(days=int(rng.integers(5, 40)), hours=3)
    res = activity_churn(ids, instants, base_on=start, compare_on=end, inactive_after=lag)
    times = [datetime.fromisoformat(str(t)).replace(tzinfo=UTC) for t in instants]
    expected = slow_activity(list(ids), times, start, end, lag)
    got = (res.starting_entities, res.ending_entities, res.churned_entities, res.new_entities)
    assert got == expected


@given(
    st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 60 * 24)),  # entity, hours after Jan 1
        max_size=40,
    ),
    st.integers(1, 40 * 24),  # window length in hours
    st.integers(1, 20 * 24),  # inactive_after in hours
)
def test_activity_invariants(events: list[tuple[int, int]], hours: int, lag_hours: int) -> None:
    origin = datetime(2025, 1, 1, tzinfo=UTC)
    ids = [e for e, _ in events]
    times = [origin + timedelta(hours=h) for _, h in events]
    start = origin + timedelta(days=10)
    end = start + timedelta(hours=hours)
    lag = timedelta(hours=lag_hours)
    res = activity_churn(ids, times, base_on=start, compare_on=end, inactive_after=lag)
    assert (
        res.starting_entities,
        res.ending_entities,
        res.churned_entities,
        res.new_entities,
    ) == slow_activity(list(ids), times, start, end, lag)
    assert res.starting_entities - res.churned_entities + res.new_entities == res.ending_entities
    if res.rate is None:
        assert res.starting_entities == 0
        assert res.retention_rate is None
    else:
        assert 0.0 <= res.rate <= 1.0
        assert res.rate + (res.retention_rate or 0.0) == pytest.approx(1.0)


# --- activity churn: bad input ------------------------------------------------------------


def test_activity_bad_window_and_lookback() -> None:
    ids, times = ["a"], ["2025-01-20T00:00Z"]
    with pytest.raises(InvalidInputError, match="`base_on` must be before `compare_on`"):
        activity_churn(ids, times, base_on=T1, compare_on=T0)
    with pytest.raises(InvalidInputError, match="`base_on` must be before `compare_on`"):
        activity_churn(ids, times, base_on=T0, compare_on=T0)
    with pytest.raises(InvalidInputError, match="`compare_on` is a naive datetime"):
        activity_churn(ids, times, base_on=T0, compare_on=datetime(2025, 3, 1))
    lags: tuple[Any, ...] = (timedelta(0), timedelta(days=-1), 30, None)
    for bad in lags:
        with pytest.raises(
            InvalidInputError, match="`inactive_after` must be a positive timedelta"
        ):
            activity_churn(ids, times, **FEB, inactive_after=bad)
    res = activity_churn(ids, times, **FEB)
    with pytest.raises(InvalidInputError, match="`periods_per_year`"):
        res.annualized(-1.0)
    with pytest.raises(InvalidInputError, match="`confidence_level`"):
        res.confidence_interval(0.0)


def test_activity_bad_event_times() -> None:
    ids = ["a", "b", "c"]
    with pytest.raises(InvalidInputError, match="`event_times` are invalid") as info:
        activity_churn(ids, ["2025-01-20T00:00Z", "2025-01-21T00:00", "soon"], **FEB)
    errors = info.value.errors
    assert [error.row for error in errors] == [2, 3]  # 1-based record rows
    assert {error.field for error in errors} == {"event_times"}
    assert "time zone" in str(info.value)
    naive = [datetime(2025, 1, 20), datetime(2025, 1, 21), datetime(2025, 1, 22)]
    with pytest.raises(InvalidInputError, match="3 of 3 values of `event_times` are invalid"):
        activity_churn(ids, naive, **FEB)
    with_gap: Any = ["2025-01-20T00:00Z", None, "2025-01-20T00:00Z"]
    with pytest.raises(InvalidInputError, match="`event_times`"):
        activity_churn(ids, with_gap, **FEB)
    nat = np.array(["2025-01-20", "NaT", "NaT"], dtype="datetime64[us]")
    with pytest.raises(
        InvalidInputError, match=r"`event_times` has 2 missing values \(at positions \[1, 2\]"
    ):
        activity_churn(ids, nat, **FEB)
    with pytest.raises(InvalidInputError, match="`event_times` must be one-dimensional"):
        activity_churn(["a"], np.zeros((1, 1), dtype="datetime64[us]"), **FEB)


def test_activity_bad_entity_ids() -> None:
    times = np.array(["2025-01-20", "2025-01-21"], dtype="datetime64[us]")
    with pytest.raises(InvalidInputError, match=r"one id per event time, got shape \(3,\) for 2"):
        activity_churn(["a", "b", "c"], times, **FEB)
    with pytest.raises(InvalidInputError, match="`entity_ids` must be one-dimensional"):
        activity_churn([["a", "b"]], times, **FEB)
    gappy_ids: Any = ["a", None]
    with pytest.raises(
        InvalidInputError, match=r"`entity_ids` has 1 missing values \(at positions \[1\]"
    ):
        activity_churn(gappy_ids, times, **FEB)
    with pytest.raises(InvalidInputError, match="`entity_ids` has 1 missing values"):
        activity_churn([1.0, math.nan], times, **FEB)
    with pytest.raises(InvalidInputError, match="`entity_ids` has 1 missing values"):
        activity_churn(pd.Series(["a", pd.NA], dtype=object), times, **FEB)
    with pytest.raises(
        InvalidInputError, match="text or whole numbers, got an array of complex128"
    ):
        activity_churn(np.array([1j, 2j]), times, **FEB)
    with pytest.raises(InvalidInputError, match="hashable"):
        activity_churn(np.array([{"x"}, {"y"}], dtype=object), times, **FEB)


def test_results_are_frozen() -> None:
    res = activity_churn(["a"], ["2025-01-20T00:00Z"], **FEB)
    assert isinstance(res, ActivityChurn)
    name = "rate"
    with pytest.raises(AttributeError):
        setattr(res, name, 0.5)
    assert isinstance(logo_churn({"start_date": [OLD], "end_date": [None]}, **JAN), LogoChurn)


# --- churn not measured without an `end_date` column (issue 13, section 3) ---------------
# No `end_date` column says nothing about churn: read as "everyone still active" it gave
# 0% churn. An `end_date` column with empty cells is how active accounts are marked.

#: The docstring month: A stays, B churns on Jan 20, C joins Jan 10 and churns on Jan 25,
#: D joins Jan 15 and stays.
MONTH = [(OLD, None), (OLD, "2025-01-20"), ("2025-01-10", "2025-01-25"), ("2025-01-15", None)]


def month_accounts(form: str, folder: Path, *, end_dates: bool) -> object:
    """MONTH as columns, a pandas frame or a CSV read by `load_table`, with or without
    the `end_date` column (its active accounts' cells empty)."""
    data: dict[str, list[str | None]] = {
        "id": [f"A{i}" for i in range(len(MONTH))],
        "name": ["x"] * len(MONTH),
        **columns(MONTH),
    }
    return accounts_in_form(data, form, folder, end_dates=end_dates)


@pytest.mark.parametrize("form", ["columns", "pandas", "csv"])
def test_logo_churn_without_an_end_date_column_is_not_measured(form: str, tmp_path: Path) -> None:
    accounts = month_accounts(form, tmp_path, end_dates=False)
    with pytest.raises(InvalidInputError) as caught:
        logo_churn(accounts, **JAN)
    message = str(caught.value)
    assert message.startswith(
        "`accounts` has no `end_date` column (columns ['id', 'name', 'start_date']): "
        "logo_churn cannot tell which accounts churned: churn is not measured "
        "(no `end_date` column)."
    )
    assert message.endswith("with an empty cell (None, NaN or blank) for each account still active")


@pytest.mark.parametrize("form", ["columns", "pandas", "csv"])
def test_logo_churn_with_empty_end_date_cells_matches_the_reference(
    form: str, tmp_path: Path
) -> None:
    day = date.fromisoformat
    rows = [(day(s), None if e is None else day(e)) for s, e in MONTH]
    ref = slow_logo(rows, JAN["base_on"], JAN["compare_on"])
    records = [
        Account(id=f"A{i}", name="x", start_date=s, end_date=e) for i, (s, e) in enumerate(rows)
    ]
    for accounts in (month_accounts(form, tmp_path, end_dates=True), records):
        for form_of_rate in FORMS:
            res = logo_churn(accounts, **JAN, denominator=form_of_rate)
            assert (res.starting_customers, res.churned_customers, res.churn_events) == (
                ref["starting"],
                ref["churned"],
                ref["events"],
            )
            assert (res.ending_customers, res.new_customers, res.customer_days) == (
                ref["ending"],
                ref["new"],
                ref["customer_days"],
            )
        assert logo_churn(accounts, **JAN).rate == 0.5  # B of the base A, B


def test_logo_churn_of_an_all_empty_end_date_column_is_a_measured_zero(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("id,name,start_date,end_date\nA,a,2024-01-01,\nB,b,2024-06-01,\n")
    res = logo_churn(load_table(path, Account), **JAN)
    assert (res.starting_customers, res.churned_customers, res.rate) == (2, 0, 0.0)
