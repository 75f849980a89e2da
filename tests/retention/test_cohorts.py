"""Cohort tables: a pandas reference on random data, worked examples with censoring written
out cell by cell, slow per-account references for logo and revenue tables, invariants."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.retention.forms import accounts_in_form

import cshealth.retention._cohort_kernel as cohort_kernel
from cshealth._exceptions import InvalidInputError
from cshealth.models import Account, RevenueChange
from cshealth.retention import (
    CohortTable,
    RevenueCohortTable,
    cohort_table,
    logo_cohorts,
    revenue_cohorts,
)

UTC = timezone.utc
PERIODS: tuple[Any, ...] = ("month", "week", "quarter")
MODES: tuple[Any, ...] = ("on", "on_or_after")
FREQ = {"month": "M", "week": "W-SUN", "quarter": "Q", "year": "Y"}  # W-SUN weeks start Monday
WRONG: Any = "day"
NUMBER_DAY: Any = 20250301  # a number is no day (ISO text is read since issue 13)


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- the pandas reference ------------------------------------------------------------------


def label(start: pd.Timestamp, period: str) -> str:
    """The label the table uses, from the first day of the period."""
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if period == "year":
        return str(start.year)
    year, week, _ = start.date().isocalendar()
    return f"{year}-W{week:02d}"


def pandas_table(
    ids: list[Any], days: list[date], *, as_of: date, period: str, mode: str
) -> dict[str, Any]:
    """Cohorts, counts, observed, rates and average, by groupby and pivot (no numpy kernel)."""
    frame = pd.DataFrame({"entity": ids, "date": pd.to_datetime(days)})
    frame = frame[frame["date"] < pd.Timestamp(as_of)]
    if frame.empty:
        return {"cohorts": [], "counts": np.zeros((0, 0)), "observed": np.zeros((0, 0))}
    freq = FREQ[period]
    frame["p"] = frame["date"].dt.to_period(freq)
    frame["cohort"] = frame.groupby("entity")["p"].transform("min")
    last_period = pd.Timestamp(as_of - timedelta(days=1)).to_period(freq)
    first_cohort = frame["cohort"].min()
    offsets = (last_period - first_cohort).n + 1
    cohort_list = sorted(frame["cohort"].unique())
    sizes = frame.groupby("cohort")["entity"].nunique()
    if mode == "on":
        present = frame.drop_duplicates(["entity", "p"])
        cells = present.groupby(["cohort", "p"]).size()

        def get(c: pd.Period, k: int) -> int:
            return int(cells.get((c, c + k), 0))

    else:
        last = frame.groupby("entity").agg(cohort=("cohort", "first"), last=("p", "max"))

        def get(c: pd.Period, k: int) -> int:
            return int(((last["cohort"] == c) & (last["last"] >= c + k)).sum())

    counts = np.zeros((len(cohort_list), offsets), dtype=np.int64)
    observed = np.zeros((len(cohort_list), offsets), dtype=bool)
    for i, c in enumerate(cohort_list):
        for k in range(offsets):
            observed[i, k] = (c + k).end_time.date() < as_of
            counts[i, k] = get(c, k) if observed[i, k] else 0
    size = np.array([sizes[c] for c in cohort_list])
    rates = np.where(observed, counts / size[:, None], np.nan)
    reached = observed.any(axis=0)
    top = (counts * observed).sum(axis=0)
    bottom = (size[:, None] * observed).sum(axis=0)
    average = np.where(reached, top / np.where(reached, bottom, 1), np.nan)
    return {
        "cohorts": [label(c.start_time, period) for c in cohort_list],
        "starts": [c.start_time.date() for c in cohort_list],
        "sizes": size,
        "counts": counts,
        "observed": observed,
        "rates": rates,
        "average": average,
    }


def assert_same(ours: CohortTable, ref: dict[str, Any]) -> None:
    assert list(ours.cohorts) == ref["cohorts"]
    np.testing.assert_array_equal(ours.counts, ref["counts"])
    np.testing.assert_array_equal(ours.observed, ref["observed"])
    if ref["cohorts"]:
        assert ours.starts.astype(object).tolist() == ref["starts"]
        np.testing.assert_array_equal(ours.sizes, ref["sizes"])
        np.testing.assert_allclose(ours.rates, ref["rates"], rtol=1e-12)  # NaN where NaN
        np.testing.assert_allclose(ours.average, ref["average"], rtol=1e-12)


def random_events(seed: int, n: int, entities: int) -> tuple[list[int], list[date]]:
    rng = np.random.default_rng(seed)
    signup = rng.integers(0, 500, entities)
    ids = rng.integers(0, entities, n)
    later = rng.exponential(120.0, n).astype(int)
    days = [date(2024, 1, 1) + timedelta(days=int(s + x)) for s, x in zip(signup[ids], later)]
    return [int(i) for i in ids], days


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", [1, 2])
def test_matches_pandas_reference(period: str, mode: str, seed: int) -> None:
    ids, days = random_events(seed, 3_000, 400)
    as_of = date(2025, 5, 14)  # mid-month, mid-week, mid-quarter: the last period is censored
    ours = cohort_table(ids, days, as_of=as_of, period=period, mode=mode)
    assert_same(ours, pandas_table(ids, days, as_of=as_of, period=period, mode=mode))


@pytest.mark.parametrize("period", PERIODS)
def test_reference_on_text_ids_and_a_period_boundary(period: str) -> None:
    ids, days = random_events(3, 1_000, 150)
    names = [f"user-{i:04d}" for i in ids]
    as_of = date(2025, 4, 1)  # the first day of a month and a quarter (a Tuesday)
    for mode in MODES:
        ours = cohort_table(names, days, as_of=as_of, period=period, mode=mode)
        assert_same(ours, pandas_table(names, days, as_of=as_of, period=period, mode=mode))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("as_of", [date(2025, 5, 14), date(2025, 1, 1)])
def test_years_match_pandas_reference(mode: str, as_of: date) -> None:
    # four years of events; as_of mid-year leaves 2025 censored, on 1 January it is unseen
    rng = np.random.default_rng(6)
    signup = rng.integers(0, 1000, 300)
    ids = rng.integers(0, 300, 3_000)
    days = [
        date(2022, 1, 1) + timedelta(days=int(s + x))
        for s, x in zip(signup[ids], rng.exponential(300.0, 3_000).astype(int))
    ]
    ours = cohort_table(ids.tolist(), days, as_of=as_of, period="year", mode=mode)
    assert ours.cohorts[0] == "2022"
    assert_same(ours, pandas_table(ids.tolist(), days, as_of=as_of, period="year", mode=mode))


def test_bitmap_and_sorted_pairs_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    ids, days = random_events(4, 2_000, 300)
    bitmap = cohort_table(ids, days, as_of=date(2025, 3, 3), period="week")
    monkeypatch.setattr(cohort_kernel, "_BITMAP_MIN_BYTES", 0)
    monkeypatch.setattr(cohort_kernel, "_BITMAP_BYTES_PER_EVENT", 0)
    pairs = cohort_table(ids, days, as_of=date(2025, 3, 3), period="week")
    np.testing.assert_array_equal(bitmap.counts, pairs.counts)
    assert_same(pairs, pandas_table(ids, days, as_of=date(2025, 3, 3), period="week", mode="on"))


def test_chunks_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    ids, days = random_events(5, 1_000, 100)
    whole = {mode: cohort_table(ids, days, as_of=date(2025, 6, 1), mode=mode) for mode in MODES}
    monkeypatch.setattr(cohort_kernel, "_CHUNK", 7)
    for mode in MODES:
        chunked = cohort_table(ids, days, as_of=date(2025, 6, 1), mode=mode)
        np.testing.assert_array_equal(chunked.counts, whole[mode].counts)


@pytest.mark.parametrize(
    "ids",
    [
        np.array([7, 7, 9, 3]),  # compact non-negative integers: used as they are
        np.array([-5, -5, 10**12, 4]),  # negative and far apart: coded
        np.array([7.0, 7.0, 9.5, 3.0]),  # floats
        np.array(["a", "a", "b", "c"]),  # text
        np.array([7, 7, 9, 3], dtype=np.uint16),
    ],
)
def test_id_forms(ids: np.ndarray) -> None:
    days = np.array(["2025-01-02", "2025-02-02", "2025-01-10", "2025-02-20"], dtype="datetime64[D]")
    t = cohort_table(ids, days, as_of=date(2025, 3, 1))
    # cohort 2025-01: the first id and the third; 2025-02: the fourth
    assert t.sizes.tolist() == [2, 1]
    assert t.counts.tolist() == [[2, 1], [1, 0]]


# --- censoring, written out --------------------------------------------------------------


def test_censoring_cell_by_cell_with_as_of_mid_month() -> None:
    events = [
        ("a", "2025-01-05"), ("a", "2025-02-10"), ("a", "2025-04-02"),
        ("b", "2025-01-20"), ("b", "2025-03-31"),
        ("c", "2025-01-31"),
        ("d", "2025-02-01"), ("d", "2025-03-15"),
        ("e", "2025-02-28"), ("e", "2025-04-15"),
        ("f", "2025-03-01"), ("f", "2025-04-10"),
        ("g", "2025-04-03"),
        ("h", "2025-04-16"),  # on the as_of day: not seen at all, h is in no cohort
        ("a", "2025-05-01"),  # after as_of: ignored
    ]  # fmt: skip
    ids = [e for e, _ in events]
    days = [d(x) for _, x in events]
    as_of = date(2025, 4, 16)  # April is running: the current period is censored
    t = cohort_table(ids, days, as_of=as_of, mode="on")
    assert t.cohorts == ("2025-01", "2025-02", "2025-03", "2025-04")
    assert t.starts.tolist() == [d("2025-01-01"), d("2025-02-01"), d("2025-03-01"), d("2025-04-01")]
    assert t.sizes.tolist() == [3, 2, 1, 1]  # {a, b, c}, {d, e}, {f}, {g}
    assert t.as_of == as_of
    # offsets 0..3 (January .. April). Cell (c, k) is observed iff the last day of period
    # c + k is before 2025-04-16: January, February and March have ended, April has not.
    assert t.observed.tolist() == [
        [True, True, True, False],  # Jan, Feb, Mar | Apr
        [True, True, False, False],  # Feb, Mar | Apr, May
        [True, False, False, False],  # Mar | Apr ..
        [False, False, False, False],  # Apr (running) ..
    ]
    # "on": January cohort: Jan {a, b, c} = 3, Feb {a} = 1, Mar {b} = 1, Apr censored (a)
    # February cohort: Feb {d, e} = 2, Mar {d} = 1;  March cohort: Mar {f} = 1
    assert t.counts.tolist() == [[3, 1, 1, 0], [2, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    nan = math.nan
    np.testing.assert_allclose(
        t.rates,
        [[1, 1 / 3, 1 / 3, nan], [1, 1 / 2, nan, nan], [1, nan, nan, nan], [nan] * 4],
    )
    # average over the cohorts that reached k only:
    # k=0: (3 + 2 + 1) / (3 + 2 + 1) = 1 (April's cohort has not finished its offset 0)
    # k=1: (1 + 1) / (3 + 2) = 0.4;  k=2: 1 / 3;  k=3: nobody has reached it
    np.testing.assert_allclose(t.average, [1.0, 0.4, 1 / 3, nan])

    u = cohort_table(ids, days, as_of=as_of, mode="on_or_after")
    # January: a last seen in Apr (k=3), b in Mar (k=2), c in Jan (k=0)
    #   k=0: 3, k=1: {a, b} = 2, k=2: {a, b} = 2, k=3 censored
    # February: d last in Mar (k=1), e in Apr (k=2): k=0: 2, k=1: 2
    # March: f in Apr (k=1): k=0: 1
    assert u.counts.tolist() == [[3, 2, 2, 0], [2, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    # k=1: (2 + 2) / (3 + 2) = 0.8;  k=2: 2 / 3
    np.testing.assert_allclose(u.average, [1.0, 0.8, 2 / 3, nan])
    assert u.mode == "on_or_after"


def test_as_of_on_a_period_start_sees_the_period_before_whole() -> None:
    t = cohort_table(["a", "a", "b"], [d("2025-01-31"), d("2025-02-28"), d("2025-02-01")],
                     as_of=date(2025, 3, 1))  # fmt: skip
    # February ended on the 28th, before 2025-03-01: observed
    assert t.observed.tolist() == [[True, True], [True, False]]
    assert t.counts.tolist() == [[1, 1], [1, 0]]


def test_aware_datetime_as_of_is_taken_at_its_utc_day() -> None:
    ids = ["a", "a", "b"]
    days = [d("2025-01-05"), d("2025-03-01"), d("2025-02-10")]
    late = datetime(2025, 3, 1, 23, 0, tzinfo=timezone(timedelta(hours=-5)))  # 03-02 04:00 UTC
    by_datetime = cohort_table(ids, days, as_of=late)
    by_date = cohort_table(ids, days, as_of=date(2025, 3, 2))
    assert by_datetime.as_of == date(2025, 3, 2)
    np.testing.assert_array_equal(by_datetime.counts, by_date.counts)
    np.testing.assert_array_equal(by_datetime.observed, by_date.observed)


def test_instants_count_on_their_utc_day() -> None:
    times = [
        datetime(2025, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2))),  # 02-01 UTC
        datetime(2025, 1, 10, 8, 0, tzinfo=UTC),
    ]
    t = cohort_table(["a", "a"], times, as_of=date(2025, 3, 1))
    assert t.counts.tolist() == [[1, 1]]
    stamps = np.array(["2025-01-10T08:00", "2025-02-01T01:30"], dtype="datetime64[us]")
    assert cohort_table(["a", "a"], stamps, as_of=date(2025, 3, 1)).counts.tolist() == [[1, 1]]


def test_dates_before_1970() -> None:
    t = cohort_table([1, 1, 2], ["1969-12-31", "1970-01-01", "1969-11-30"], as_of=date(1970, 2, 1))
    assert t.cohorts == ("1969-11", "1969-12")
    assert t.counts.tolist() == [[1, 0, 0], [1, 1, 0]]


def test_empty_and_all_late_inputs_give_no_cohorts() -> None:
    for ids, days in [([], []), (["a"], ["2026-01-01"])]:
        t = cohort_table(ids, days, as_of=date(2025, 12, 1))
        assert t.cohorts == ()
        assert t.counts.shape == t.rates.shape == t.observed.shape == (0, 0)
        assert t.sizes.shape == t.average.shape == t.starts.shape == (0,)
        assert t.offsets == 0
        assert t.format() == "cohort   size\naverage     0"
    empty = cohort_table(np.array([], dtype=np.int64), np.array([], dtype="datetime64[D]"),
                         as_of=date(2025, 1, 1))  # fmt: skip
    assert empty.cohorts == ()


# --- result objects ----------------------------------------------------------------------


def small_table() -> CohortTable:
    ids = ["a", "a", "b", "b", "c", "c"]
    days = ["2025-01-03", "2025-02-03", "2025-01-09", "2025-03-01", "2025-02-14", "2025-03-02"]
    return cohort_table(ids, days, as_of=date(2025, 3, 15))


def test_format_shows_censored_cells_blank() -> None:
    t = small_table()
    assert t.format(decimals=1) == (
        "cohort   size       0      1  2\n"
        "2025-01     2  100.0%  50.0%\n"
        "2025-02     1  100.0%\n"
        "average     3  100.0%  50.0%"
    )
    with pytest.raises(InvalidInputError, match="`decimals` must be a whole number"):
        t.format(decimals=-1)
    with pytest.raises(InvalidInputError, match="`decimals`"):
        t.format(decimals=2.5)


def test_to_dict_repr_and_read_only() -> None:
    t = small_table()
    assert (
        repr(t) == "CohortTable(period='month', mode='on', cohorts=2, offsets=3, as_of=2025-03-15)"
    )
    data = t.to_dict()
    assert json.loads(json.dumps(data)) == data  # JSON-ready: no NaN, no numpy scalars
    assert data["rates"] == [[1.0, 0.5, None], [1.0, None, None]]
    assert data["average"] == [1.0, 0.5, None]
    assert data["starts"] == ["2025-01-01", "2025-02-01"]
    assert data["as_of"] == "2025-03-15"
    assert data["counts"] == [[2, 1, 0], [1, 0, 0]]
    assert data["observed"] == [[True, True, False], [True, False, False]]
    for name in ("starts", "sizes", "counts", "observed", "rates", "average"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(t, name)[0] = 0
    with pytest.raises(AttributeError):
        t.period = "week"


# --- invariants --------------------------------------------------------------------------

EVENTS = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 400)), min_size=0, max_size=40)


@given(EVENTS, st.integers(1, 420), st.sampled_from(PERIODS))
def test_invariants(events: list[tuple[int, int]], as_of_offset: int, period: str) -> None:
    ids = [e for e, _ in events]
    days = [date(2024, 1, 1) + timedelta(days=x) for _, x in events]
    as_of = date(2024, 1, 1) + timedelta(days=as_of_offset)
    on = cohort_table(ids, days, as_of=as_of, period=period, mode="on")
    later = cohort_table(ids, days, as_of=as_of, period=period, mode="on_or_after")
    for t in (on, later):
        seen = t.rates[t.observed]
        assert ((seen >= 0) & (seen <= 1)).all()
        assert np.isnan(t.rates[~t.observed]).all()
        assert (t.counts[~t.observed] == 0).all()
        first = t.observed[:, :1]
        assert (t.rates[:, :1][first] == 1).all()  # every entity is there in its first period
        # the average lies between the least and the greatest observed rate at each k
        for k in range(t.offsets):
            column = t.rates[t.observed[:, k], k]
            if len(column):
                assert column.min() - 1e-12 <= t.average[k] <= column.max() + 1e-12
            else:
                assert math.isnan(t.average[k])
        # observed cells form a staircase: row c observed up to some k, never after
        assert (np.diff(t.observed.astype(int), axis=1) <= 0).all()
    assert (np.diff(later.counts, axis=1)[later.observed[:, 1:]] <= 0).all()  # non-increasing
    assert (on.counts <= later.counts).all()  # an event in c + k is an event in c + k or later
    np.testing.assert_array_equal(on.sizes, later.sizes)


# --- logo cohorts --------------------------------------------------------------------------


def slow_logo(accounts: list[Account], as_of: date, period: str) -> dict[str, Any]:
    """Per account and offset, `Account.is_active` on the last day of the period."""
    freq = FREQ[period]
    ago = [a for a in accounts if a.start_date < as_of]
    cohort = {a.id: pd.Timestamp(a.start_date).to_period(freq) for a in ago}
    first = min(cohort.values())
    offsets = (pd.Timestamp(as_of - timedelta(days=1)).to_period(freq) - first).n + 1
    cohorts = sorted(set(cohort.values()))
    counts = np.zeros((len(cohorts), offsets), dtype=int)
    observed = np.zeros((len(cohorts), offsets), dtype=bool)
    for i, c in enumerate(cohorts):
        for k in range(offsets):
            last_day = (c + k).end_time.date()
            observed[i, k] = last_day < as_of
            if observed[i, k]:
                counts[i, k] = sum(a.is_active(last_day) for a in ago if cohort[a.id] == c)
    return {"cohorts": [label(c.start_time, period) for c in cohorts], "counts": counts,
            "observed": observed}  # fmt: skip


def account(name: str, start: str, end: str | None = None) -> Account:
    return Account(id=name, name=name, start_date=d(start), end_date=d(end) if end else None)


def test_logo_worked_example() -> None:
    accounts = [
        account("a", "2025-01-10", "2025-02-01"),  # gone from Feb 1: retained on Jan 31 only
        account("b", "2025-01-15", "2025-01-31"),  # gone on Jan 31 itself: not even k=0
        account("c", "2025-01-20", "2025-03-01"),  # a customer on Feb 28, gone on Mar 1
        account("d", "2025-01-25"),  # still a customer
        account("e", "2025-02-03", "2025-04-20"),  # ends after as_of: not known yet
        account("f", "2025-03-30", "2025-03-30"),  # starts and ends on one day
        account("g", "2025-04-20"),  # starts on as_of: left out
    ]
    t = logo_cohorts(accounts, as_of=date(2025, 4, 20))
    assert t.mode == "on_or_after"
    assert t.cohorts == ("2025-01", "2025-02", "2025-03")
    assert t.sizes.tolist() == [4, 1, 1]
    # January (a, b, c, d): end of Jan {a, c, d} = 3; end of Feb {c, d} = 2; end of Mar {d} = 1
    # February (e): e is a customer at every period end seen; March (f): not at k = 0
    assert t.counts.tolist() == [[3, 2, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    assert t.observed.tolist() == [
        [True, True, True, False],
        [True, True, False, False],
        [True, False, False, False],
    ]
    # k=0: (3 + 1 + 0) / (4 + 1 + 1) = 2/3; k=1: (2 + 1) / (4 + 1) = 0.6; k=2: 1/4
    np.testing.assert_allclose(t.average, [2 / 3, 0.6, 0.25, math.nan])
    assert t.format().splitlines()[-2] == "2025-03     1    0%"
    assert_logo_matches(accounts, date(2025, 4, 20), "month")


def assert_logo_matches(accounts: list[Account], as_of: date, period: str) -> None:
    t = logo_cohorts(accounts, as_of=as_of, period=period)
    ref = slow_logo(accounts, as_of, period)
    assert list(t.cohorts) == ref["cohorts"]
    np.testing.assert_array_equal(t.counts, ref["counts"])
    np.testing.assert_array_equal(t.observed, ref["observed"])


@pytest.mark.parametrize("period", PERIODS)
def test_logo_matches_slow_reference(period: str) -> None:
    rng = np.random.default_rng(8)
    accounts = []
    for i in range(300):
        start = date(2023, 1, 1) + timedelta(days=int(rng.integers(0, 900)))
        end = start + timedelta(days=int(rng.integers(0, 700))) if rng.random() < 0.6 else None
        accounts.append(Account(id=f"A{i}", name="x", start_date=start, end_date=end))
    assert_logo_matches(accounts, date(2025, 5, 14), period)
    assert_logo_matches(accounts, date(2025, 7, 1), period)


def test_logo_inputs() -> None:
    columns = {"id": ["a", "b"], "start_date": ["2025-01-05", "2025-02-05"], "end_date": [None] * 2}
    t = logo_cohorts(columns, as_of=date(2025, 3, 1))
    assert t.counts.tolist() == [[1, 1], [1, 0]]
    assert logo_cohorts(columns, as_of=date(2025, 1, 5)).cohorts == ()
    assert logo_cohorts([], as_of=date(2025, 1, 5)).counts.shape == (0, 0)
    with pytest.raises(InvalidInputError, match=r"repeat 1 ids \(rows \[3\], e.g. 'a'\)"):
        logo_cohorts({"id": ["a", "b", "a"], "start_date": ["2025-01-05"] * 3,
                      "end_date": [None] * 3}, as_of=date(2025, 3, 1))  # fmt: skip
    with pytest.raises(InvalidInputError, match="start_date"):
        logo_cohorts({"id": ["a"]}, as_of=date(2025, 3, 1))
    with pytest.raises(InvalidInputError, match="end_date"):
        logo_cohorts({"id": ["a"], "start_date": ["2025-02-05"], "end_date": ["2025-01-01"]},
                     as_of=date(2025, 3, 1))  # fmt: skip
    with pytest.raises(InvalidInputError, match="`period` must be one of"):
        logo_cohorts(columns, as_of=date(2025, 3, 1), period=WRONG)


# --- revenue cohorts -----------------------------------------------------------------------


def change(name: str, on: str, mrr: float) -> RevenueChange:
    return RevenueChange(account_id=name, effective_on=d(on), mrr=mrr)


def test_revenue_worked_example() -> None:
    changes = [
        change("a", "2025-01-05", 100.0),
        change("a", "2025-02-10", 250.0),  # expansion
        change("b", "2025-01-20", 100.0),
        change("b", "2025-02-15", 0.0),  # churn
        change("b", "2025-04-01", 80.0),  # reactivation (after the Mar 31 snapshot)
        change("c", "2025-02-01", 50.0),
        change("c", "2025-03-31", 70.0),  # on the last day of March: in force at its end
        change("d", "2024-12-01", 0.0),  # a zero first: never paid until ...
        change("d", "2025-03-10", 40.0),  # ... March: its cohort is March
        change("e", "2025-01-31", 60.0),
        change("e", "2025-02-01", 0.0),  # gone the day after its first month
        change("f", "2025-04-10", 500.0),  # April is still running at as_of
        change("g", "2025-04-20", 900.0),  # on as_of: not seen
    ]
    t = revenue_cohorts(changes, as_of=date(2025, 4, 20))
    assert isinstance(t, RevenueCohortTable)
    assert t.cohorts == ("2025-01", "2025-02", "2025-03", "2025-04")
    assert t.customers.tolist() == [3, 1, 1, 1]  # {a, b, e}, {c}, {d}, {f}
    nan = math.nan
    # January (a, b, e), MRR on Jan 31: 100 + 100 + 60 = 260; Feb 28: 250 + 0 + 0 = 250;
    # Mar 31: 250 + 0 + 0 = 250 (b comes back on Apr 1, April is censored)
    # February (c): 50, Mar 31: 70;  March (d): 40;  April (f): censored
    np.testing.assert_allclose(
        t.mrr,
        [[260, 250, 250, nan], [50, 70, nan, nan], [40, nan, nan, nan], [nan] * 4],
    )
    np.testing.assert_allclose(t.base_mrr, [260, 50, 40, nan])
    np.testing.assert_allclose(
        t.rates,
        [[1, 250 / 260, 250 / 260, nan], [1, 1.4, nan, nan], [1, nan, nan, nan], [nan] * 4],
    )
    # MRR-weighted average over the cohorts that reached k:
    # k=0: (260 + 50 + 40) / (260 + 50 + 40) = 1;  k=1: (250 + 70) / (260 + 50);  k=2: 250 / 260
    np.testing.assert_allclose(t.average, [1.0, 320 / 310, 250 / 260, nan])
    assert t.format().splitlines() == [
        "cohort   customers  base MRR     0     1    2  3",
        "2025-01          3       260  100%   96%  96%",
        "2025-02          1        50  100%  140%",
        "2025-03          1        40  100%",
        "2025-04          1",
        "average          6       350  100%  103%  96%",
    ]
    later = revenue_cohorts(changes, as_of=date(2025, 5, 1))
    # b reactivated at 80 and g joined April: January on Apr 30 is 250 + 80 = 330 (127%)
    assert later.mrr[0].tolist() == [260.0, 250.0, 250.0, 330.0]
    assert later.customers.tolist() == [3, 1, 1, 2]


def test_revenue_with_a_zero_base_and_empty_input() -> None:
    changes = {
        "account_id": ["a", "a", "a", "b"],
        "effective_on": ["2025-01-05", "2025-01-20", "2025-03-05", "2025-01-10"],
        "mrr": [100.0, 0.0, 300.0, 0.0],
    }  # a churns inside its first month and comes back in March; b never pays
    t = revenue_cohorts(changes, as_of=date(2025, 4, 1))
    assert t.customers.tolist() == [1]
    np.testing.assert_allclose(t.mrr, [[0.0, 0.0, 300.0]])
    assert np.isnan(t.rates).all()  # base 0: undefined
    assert np.isnan(t.average).all()
    assert t.format().splitlines()[1] == "2025-01          1         0  -  -  -"
    assert t.to_dict()["rates"] == [[None, None, None]]
    assert repr(t) == "RevenueCohortTable(period='month', cohorts=1, offsets=3, as_of=2025-04-01)"
    empty = revenue_cohorts({"account_id": ["b"], "effective_on": ["2025-01-10"], "mrr": [0.0]},
                            as_of=date(2025, 4, 1))  # fmt: skip
    assert empty.cohorts == ()
    assert empty.mrr.shape == (0, 0)
    assert empty.base_mrr.shape == (0,)
    data = empty.to_dict()
    assert data["mrr"] == []
    assert data["customers"] == []


def slow_revenue(changes: list[RevenueChange], as_of: date, period: str) -> np.ndarray:
    """MRR per (cohort, offset) by replaying each account's changes to each period end."""
    freq = FREQ[period]
    seen = [c for c in changes if c.effective_on < as_of]
    paid = {}
    for c in sorted(seen, key=lambda c: c.effective_on):
        if c.mrr > 0:
            paid.setdefault(c.account_id, pd.Timestamp(c.effective_on).to_period(freq))
    first = min(paid.values())
    offsets = (pd.Timestamp(as_of - timedelta(days=1)).to_period(freq) - first).n + 1
    cohorts = sorted(set(paid.values()))
    out = np.full((len(cohorts), offsets), np.nan)
    for i, c in enumerate(cohorts):
        for k in range(offsets):
            end = (c + k).end_time.date()
            if end < as_of:
                total = 0.0
                for name in [a for a, p in paid.items() if p == c]:
                    mine = [x for x in seen if x.account_id == name and x.effective_on <= end]
                    total += max(mine, key=lambda x: x.effective_on).mrr if mine else 0.0
                out[i, k] = total
    return out


@pytest.mark.parametrize("period", PERIODS)
def test_revenue_matches_slow_reference(period: str) -> None:
    rng = np.random.default_rng(11)
    changes = []
    for i in range(60):
        day = date(2024, 1, 1) + timedelta(days=int(rng.integers(0, 400)))
        for _ in range(int(rng.integers(1, 5))):
            mrr = float(rng.choice([0.0, 50.0, 120.0, 300.0]))
            changes.append(RevenueChange(account_id=f"A{i}", effective_on=day, mrr=mrr))
            day += timedelta(days=int(rng.integers(1, 120)))
    as_of = date(2025, 3, 14)
    t = revenue_cohorts(changes, as_of=as_of, period=period)
    np.testing.assert_allclose(t.mrr, slow_revenue(changes, as_of, period))


# --- bad input -----------------------------------------------------------------------------


def test_bad_inputs_are_named() -> None:
    as_of = date(2025, 3, 1)
    with pytest.raises(
        InvalidInputError,
        match=r"`entity_ids` has 2 missing values \(rows \[2, 4\], counted from 1\)",
    ):
        cohort_table(["a", None, "b", None], ["2025-01-01"] * 4, as_of=as_of)
    with pytest.raises(InvalidInputError, match="`entity_ids` has 1 missing"):
        cohort_table(np.array([1.0, np.nan]), ["2025-01-01"] * 2, as_of=as_of)
    with pytest.raises(InvalidInputError, match=r"`event_dates` has 1 missing values \(rows \[2\]"):
        cohort_table(
            ["a", "b"], np.array(["2025-01-01", "NaT"], dtype="datetime64[D]"), as_of=as_of
        )
    with pytest.raises(InvalidInputError, match="event_dates"):
        cohort_table(["a", "b"], ["2025-01-01", None], as_of=as_of)
    with pytest.raises(InvalidInputError, match="event_dates"):
        cohort_table(["a", "b"], ["2025-01-01", "soon"], as_of=as_of)
    with pytest.raises(InvalidInputError, match="naive datetime"):
        cohort_table(["a"], ["2025-01-01"], as_of=datetime(2025, 3, 1))
    with pytest.raises(InvalidInputError, match="`as_of` must be a date"):
        cohort_table(["a"], ["2025-01-01"], as_of=NUMBER_DAY)
    with pytest.raises(InvalidInputError, match=r"`period` must be one of \{'week', 'month'"):
        cohort_table(["a"], ["2025-01-01"], as_of=as_of, period=WRONG)
    with pytest.raises(InvalidInputError, match=r"`mode` must be one of \{'on', 'on_or_after'\}"):
        cohort_table(["a"], ["2025-01-01"], as_of=as_of, mode=WRONG)
    with pytest.raises(
        InvalidInputError, match="`entity_ids` has 2 values but `event_dates` has 1"
    ):
        cohort_table(["a", "b"], ["2025-01-01"], as_of=as_of)
    with pytest.raises(InvalidInputError, match="`entity_ids` must be one-dimensional"):
        cohort_table([["a"]], ["2025-01-01"], as_of=as_of)
    with pytest.raises(InvalidInputError, match="`event_dates` must be one-dimensional"):
        cohort_table(["a"], np.array([["2025-01-01"]], dtype="datetime64[D]"), as_of=as_of)


# --- logo cohorts: churn not measured without an `end_date` column (issue 13, section 3) --
# Read as "everyone still active", data without `end_date` gave 100% retained in every
# cell. An `end_date` column with empty cells is how active accounts are marked.

LOGO_ROWS = [
    ("a", "2025-01-10", "2025-02-01"),
    ("b", "2025-01-15", None),
    ("c", "2025-02-03", "2025-03-10"),
    ("d", "2025-02-20", None),
]


def logo_accounts(form: str, folder: Path, *, end_dates: bool) -> object:
    """LOGO_ROWS as columns, a pandas frame or a CSV read by `load_table`."""
    data: dict[str, list[str | None]] = {
        "id": [row[0] for row in LOGO_ROWS],
        "name": ["x"] * len(LOGO_ROWS),
        "start_date": [row[1] for row in LOGO_ROWS],
        "end_date": [row[2] for row in LOGO_ROWS],
    }
    return accounts_in_form(data, form, folder, end_dates=end_dates)


@pytest.mark.parametrize("form", ["columns", "pandas", "csv"])
def test_logo_cohorts_without_an_end_date_column_are_not_measured(
    form: str, tmp_path: Path
) -> None:
    accounts = logo_accounts(form, tmp_path, end_dates=False)
    with pytest.raises(InvalidInputError) as caught:
        logo_cohorts(accounts, as_of=date(2025, 4, 1))
    message = str(caught.value)
    assert message.startswith(
        "`accounts` has no `end_date` column (columns ['id', 'name', 'start_date']): "
        "logo_cohorts cannot tell which accounts churned: churn is not measured"
    )
    assert "empty cell (None, NaN or blank) for each account still active" in message


@pytest.mark.parametrize("form", ["columns", "pandas", "csv"])
def test_logo_cohorts_with_empty_end_date_cells_match_the_reference(
    form: str, tmp_path: Path
) -> None:
    records = [account(*row) for row in LOGO_ROWS]
    as_of = date(2025, 4, 1)
    t = logo_cohorts(logo_accounts(form, tmp_path, end_dates=True), as_of=as_of)
    ref = slow_logo(records, as_of, "month")
    assert list(t.cohorts) == ref["cohorts"] == ["2025-01", "2025-02"]
    np.testing.assert_array_equal(t.counts, ref["counts"])
    # January (a, b): a gone on Feb 1; February (c, d): c gone on Mar 10
    assert t.counts.tolist() == [[2, 1, 1], [2, 1, 0]]
    np.testing.assert_array_equal(t.counts, logo_cohorts(records, as_of=as_of).counts)
