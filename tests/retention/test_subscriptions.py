"""`changes_from_subscriptions` against a hand-worked example and a plain pandas reference.

The reference never sweeps events: for each account it takes every day a subscription
starts or ends, and sums the MRR of the subscriptions in force that day
(``start <= day < end``) with a pandas merge and ``where``; a day is a change when its
level differs from the day before's. It shares no arithmetic with the running sums of
the sweep.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from tests.strategies import subscription_rows

from cshealth import Account, RevenueChange
from cshealth._exceptions import InvalidInputError
from cshealth.io import Table, to_columns
from cshealth.retention import (
    _subscriptions,
    changes_from_subscriptions,
    mrr_movements,
    revenue_retention,
)

Row = tuple[object, date, date | None, float]


def columns(rows: list[Row]) -> dict[str, list[object]]:
    return {
        "account_id": [r[0] for r in rows],
        "start_date": [r[1] for r in rows],
        "end_date": [r[2] for r in rows],
        "mrr": [r[3] for r in rows],
    }


def as_rows(table: Table) -> list[tuple[object, date, float]]:
    days = table["effective_on"].astype("datetime64[D]").tolist()
    return list(zip(table["account_id"].tolist(), days, table["mrr"].tolist()))


# --- the reference ---------------------------------------------------------------------------


def reference(rows: list[Row]) -> list[tuple[object, date, float]]:
    """Each account's level on each of its boundary days, summed over the subscriptions."""
    if not rows:
        return []
    subs = pd.DataFrame(rows, columns=["account", "start", "end", "mrr"])
    subs["start"] = pd.to_datetime(subs["start"])
    subs["end"] = pd.to_datetime(subs["end"])
    days = pd.concat(
        [
            subs[["account", "start"]].rename(columns={"start": "day"}),
            subs[["account", "end"]].rename(columns={"end": "day"}),
        ]
    )
    days = days.dropna().drop_duplicates()
    pairs = days.merge(subs, on="account")
    in_force = (pairs["start"] <= pairs["day"]) & (
        pairs["end"].isna() | (pairs["day"] < pairs["end"])
    )
    level = pairs["mrr"].where(in_force, 0.0).groupby([pairs["account"], pairs["day"]]).sum()
    before = level.groupby(level="account").shift(fill_value=0.0)
    # levels of money: a change of less than a millionth is rounding, not a change
    changed = level.round(6) != before.round(6)
    return [(a, d.date(), float(m)) for (a, d), m in level[changed].items()]


def assert_same(ours: Table, expected: list[tuple[object, date, float]]) -> None:
    got = as_rows(ours)
    assert [r[:2] for r in got] == [r[:2] for r in expected]
    np.testing.assert_allclose([r[2] for r in got], [r[2] for r in expected], rtol=1e-12)


# --- a worked example --------------------------------------------------------------------------

D = date
WORKED: list[Row] = [
    # account 7: a 100 plan Jan..Mar, renewed at the same price from 1 April to 1 June;
    # a 50 add-on from February, still running
    (7, D(2025, 1, 1), D(2025, 4, 1), 100.0),
    (7, D(2025, 2, 1), None, 50.0),
    (7, D(2025, 4, 1), D(2025, 6, 1), 100.0),
    # account 3: 30 from 15 January to 15 March, an empty subscription (ends the day it
    # starts), then 40 from June after a gap
    (3, D(2025, 1, 15), D(2025, 3, 15), 30.0),
    (3, D(2025, 5, 1), D(2025, 5, 1), 80.0),
    (3, D(2025, 6, 1), None, 40.0),
    # account 12: 20 for March, and a free (MRR 0) subscription that changes nothing
    (12, D(2025, 3, 1), D(2025, 4, 1), 20.0),
    (12, D(2025, 3, 1), D(2025, 5, 1), 0.0),
]
WORKED_CHANGES = [
    # account 3 first: integer ids sort as numbers (3 < 7 < 12), not as text
    (3, D(2025, 1, 15), 30.0),  # its first subscription starts
    (3, D(2025, 3, 15), 0.0),  # ... and ends: nothing in force, churned
    # (2025-05-01: the empty subscription is never in force, so no row)
    (3, D(2025, 6, 1), 40.0),  # back after the gap
    (7, D(2025, 1, 1), 100.0),  # the plan starts
    (7, D(2025, 2, 1), 150.0),  # plan 100 + add-on 50
    # (2025-04-01: the plan ends and its renewal of the same 100 starts: still 150, no row)
    (7, D(2025, 6, 1), 50.0),  # the renewal ends; the add-on runs on
    (12, D(2025, 3, 1), 20.0),  # the paid subscription starts (the free one adds 0)
    (12, D(2025, 4, 1), 0.0),  # ... and ends: churned, though the free one runs to May
]


def test_worked_example() -> None:
    result = changes_from_subscriptions(columns(WORKED))
    assert as_rows(result) == WORKED_CHANGES
    assert result["account_id"].dtype == np.int64  # integer ids stay integers
    assert result.model is RevenueChange
    assert result.columns == ("account_id", "effective_on", "mrr")


def test_worked_example_matches_the_reference() -> None:
    assert reference(WORKED) == WORKED_CHANGES


def test_the_result_is_what_to_columns_builds() -> None:
    result = changes_from_subscriptions(columns(WORKED))
    assert to_columns(result, RevenueChange) == result
    text = changes_from_subscriptions(columns([("A", D(2025, 1, 1), None, 5.0)]))
    assert to_columns(text, RevenueChange) == text


def test_revenue_retention_on_the_worked_example() -> None:
    changes = changes_from_subscriptions(columns(WORKED))
    # in force on 2025-02-01: account 3 pays 30, account 7 pays 150 (its add-on starts that
    # day); account 12 starts in March, after the base date. On 2025-07-01: 3 pays 40
    # (back after churning in between), 7 pays 50.
    r = revenue_retention(changes, base_on=D(2025, 2, 1), compare_on=D(2025, 7, 1))
    assert r.starting_customers == 2
    assert r.starting_mrr == 180.0
    assert r.ending_mrr == 90.0
    assert r.nrr == pytest.approx(90 / 180)
    assert r.grr == pytest.approx((30 + 50) / 180)  # 3 capped at its 30, 7 at 50
    assert (r.churned_customers, r.contraction_mrr, r.expansion_mrr) == (0, 100.0, 10.0)
    # on 2025-05-01 account 3 has churned; account 7 still pays 150 after the renewal
    r = revenue_retention(changes, base_on=D(2025, 2, 1), compare_on=D(2025, 5, 1))
    assert (r.churned_customers, r.churned_mrr, r.ending_mrr) == (1, 30.0, 150.0)
    assert r.nrr == pytest.approx(150 / 180)


def test_mrr_movements_on_the_worked_example() -> None:
    changes = changes_from_subscriptions(columns(WORKED))
    m = mrr_movements(changes, start=D(2025, 1, 1), end=D(2025, 7, 1), period="month")
    assert m.labels == ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")
    # Jan: 7 (100) and 3 (30) are new; Feb: 7 expands by 50; Mar: 12 new (20), 3 churns
    # (30); Apr: 12 churns (20); Jun: 3 reactivates (40), 7 contracts 150 -> 50
    assert m.new_mrr.tolist() == [130.0, 0.0, 20.0, 0.0, 0.0, 0.0]
    assert m.expansion_mrr.tolist() == [0.0, 50.0, 0.0, 0.0, 0.0, 0.0]
    assert m.churned_mrr.tolist() == [0.0, 0.0, 30.0, 20.0, 0.0, 0.0]
    assert m.reactivation_mrr.tolist() == [0.0] * 5 + [40.0]
    assert m.contraction_mrr.tolist() == [0.0] * 5 + [100.0]
    assert m.ending_mrr.tolist() == [130.0, 180.0, 170.0, 150.0, 150.0, 90.0]


# --- against the reference -----------------------------------------------------------------


@given(subscription_rows())
def test_matches_the_reference(rows: list[Row]) -> None:
    assert as_rows(changes_from_subscriptions(columns(rows))) == reference(rows)


@given(subscription_rows())
@settings(max_examples=50)
def test_levels_are_the_subscriptions_in_force(rows: list[Row]) -> None:
    """Invariants: levels >= 0, no two rows in a row at one level, churn only to 0."""
    result = as_rows(changes_from_subscriptions(columns(rows)))
    assert all(mrr >= 0 for _, _, mrr in result)
    for (a, day_a, mrr_a), (b, day_b, mrr_b) in itertools.pairwise(result):
        assert (a, day_a) < (b, day_b)
        assert a != b or mrr_a != mrr_b
    open_total = {a: 0.0 for a, _, _ in result}
    for account, _, end, mrr in rows:
        if end is None:
            open_total[account] = open_total.get(account, 0.0) + mrr
    last = {a: mrr for a, _, mrr in result}
    assert last == {a: total for a, total in open_total.items() if a in last}


def random_export(n: int, seed: int) -> list[Row]:
    rng = np.random.default_rng(seed)
    accounts = rng.integers(0, n // 5, n)
    start = np.datetime64("2022-01-01") + rng.integers(0, 1000, n)
    end = start + rng.integers(0, 400, n)  # some end the day they start
    cents = rng.choice([0, 999, 2999, 4999, 9999, 19999], n) + rng.integers(0, 2, n)
    open_ = rng.random(n) < 0.3
    return [
        (f"C-{a}", s, None if o else e, c / 100)
        for a, s, e, c, o in zip(
            accounts.tolist(), start.tolist(), end.tolist(), cents.tolist(), open_.tolist()
        )
    ]


def test_matches_the_reference_on_many_random_rows() -> None:
    rows = random_export(200_000, seed=5)
    ours = changes_from_subscriptions(columns(rows))
    assert_same(ours, reference(rows))
    assert ours.n_rows > 200_000


def test_long_text_ids_take_the_hashing_path(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = random_export(5_000, seed=6)
    monkeypatch.setattr(_subscriptions, "_WIDEST_TEXT", 0)
    assert_same(changes_from_subscriptions(columns(rows)), reference(rows))


def test_sparse_integer_ids_are_sorted_numerically() -> None:
    rows: list[Row] = [
        (10**15, D(2025, 1, 1), None, 1.0),
        (-5, D(2025, 1, 2), None, 2.0),
        (2, D(2025, 1, 3), None, 3.0),
    ]
    assert [r[0] for r in as_rows(changes_from_subscriptions(columns(rows)))] == [-5, 2, 10**15]


# --- rounding --------------------------------------------------------------------------------


def test_a_swap_of_equal_amounts_is_no_change_despite_rounding() -> None:
    rows: list[Row] = [
        ("A", D(2025, 1, 1), None, 0.1),
        ("A", D(2025, 1, 1), D(2025, 2, 1), 0.2),
        ("A", D(2025, 1, 1), D(2025, 2, 1), 0.3),
        ("A", D(2025, 2, 1), None, 0.2),  # 0.2 + 0.3 end, 0.2 + 0.3 start: no change
        ("A", D(2025, 2, 1), None, 0.3),
    ]
    result = changes_from_subscriptions(columns(rows))
    assert result["effective_on"].tolist() == [D(2025, 1, 1)]
    assert result["mrr"][0] == pytest.approx(0.6, rel=1e-15)


def test_churn_is_exactly_zero_and_levels_carry_no_other_accounts_rounding() -> None:
    big = [(f"B{i}", D(2025, 1, 1), None, 1e9 / 3) for i in range(200)]
    rows: list[Row] = [
        *big,
        ("Z", D(2025, 1, 1), D(2025, 3, 1), 0.1),
        ("Z", D(2025, 2, 1), D(2025, 3, 1), 0.2),
    ]
    result = changes_from_subscriptions(columns(rows))
    z = [r for r in as_rows(result) if r[0] == "Z"]
    assert z == [
        ("Z", D(2025, 1, 1), 0.1),
        ("Z", D(2025, 2, 1), 0.1 + 0.2),
        ("Z", D(2025, 3, 1), 0.0),
    ]


# --- input forms ---------------------------------------------------------------------------


def test_pandas_frame_with_other_columns_and_datetime_columns() -> None:
    frame = pd.DataFrame(
        {
            "customer": [7, 7, 3],
            "plan": ["pro", "addon", "basic"],
            "currency": ["EUR"] * 3,
            "began": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-15"]),
            "ended": pd.to_datetime(["2025-04-01", None, "2025-03-15"]),
            "amount": [100.0, 50.0, 30.0],
        }
    )
    result = changes_from_subscriptions(
        frame, account="customer", start="began", end="ended", mrr="amount"
    )
    assert as_rows(result) == [
        (3, D(2025, 1, 15), 30.0),
        (3, D(2025, 3, 15), 0.0),
        (7, D(2025, 1, 1), 100.0),
        (7, D(2025, 2, 1), 150.0),
        (7, D(2025, 4, 1), 50.0),
    ]


def test_pandas_nullable_integer_ids_and_polars_frame() -> None:
    expected = as_rows(changes_from_subscriptions(columns(WORKED)))
    frame = pd.DataFrame(columns(WORKED)).astype({"account_id": "Int64"})
    assert as_rows(changes_from_subscriptions(frame)) == expected
    polars = pl.DataFrame(columns(WORKED))
    assert as_rows(changes_from_subscriptions(polars)) == expected


def test_row_dicts_iso_text_and_numpy_dates() -> None:
    rows = [
        {"account_id": "A", "start_date": "2025-01-01", "end_date": "", "mrr": "10"},
        {"account_id": "A", "start_date": "2025-02-01", "mrr": 5, "note": "no end key"},
    ]
    expected = [("A", D(2025, 1, 1), 10.0), ("A", D(2025, 2, 1), 15.0)]
    assert as_rows(changes_from_subscriptions(rows)) == expected
    numpy_dates = {
        "account_id": np.array(["A", "A"]),
        "start_date": np.array(["2025-01-01T00:00", "2025-02-01T00:00"], "datetime64[us]"),
        "end_date": np.array(["NaT", "NaT"], "datetime64[D]"),
        "mrr": np.array([10.0, 5.0]),
    }
    assert as_rows(changes_from_subscriptions(numpy_dates)) == expected


def test_account_records_are_subscriptions_too() -> None:
    accounts = [
        Account(id=5, name="Acme", start_date=D(2025, 1, 1), end_date=D(2025, 3, 1), mrr=9.0),
        Account(id=6, name="Beta", start_date=D(2025, 2, 1), mrr=4.0),
    ]
    assert as_rows(changes_from_subscriptions(accounts, account="id")) == [
        (5, D(2025, 1, 1), 9.0),
        (5, D(2025, 3, 1), 0.0),
        (6, D(2025, 2, 1), 4.0),
    ]


@pytest.mark.parametrize(
    "empty",
    [
        [],
        {},
        {"account_id": [], "start_date": [], "end_date": [], "mrr": []},
        pd.DataFrame({"account_id": [], "start_date": [], "end_date": [], "mrr": []}),
        {"account_id": ["A"], "start_date": ["2025-01-01"], "end_date": [None], "mrr": [0.0]},
    ],
)
def test_no_subscriptions_in_force_give_an_empty_table(empty: object) -> None:
    result = changes_from_subscriptions(empty)
    assert result.n_rows == 0
    assert result.columns == ("account_id", "effective_on", "mrr")
    assert result["effective_on"].dtype == np.dtype("datetime64[D]")


# --- bad input -----------------------------------------------------------------------------


def one(**changes: object) -> dict[str, list[object]]:
    row: dict[str, object] = {
        "account_id": "A",
        "start_date": "2025-01-10",
        "end_date": "2025-02-10",
        "mrr": 10.0,
    }
    row.update(changes)
    good = {"account_id": "B", "start_date": "2025-01-01", "end_date": None, "mrr": 1.0}
    return {name: [good[name], row[name]] for name in row}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (one(mrr=-1.0), "mrr", ">= 0"),
        (one(mrr=float("nan")), "mrr", "no MRR (None, NaN or blank)"),
        (one(mrr=float("inf")), "mrr", "finite"),
        (one(mrr="ten"), "mrr", "number"),
        (one(end_date="2025-01-09"), "end_date", "`end_date` is before `start_date`"),
        (one(account_id=None), "account_id", "no account id"),
        (one(account_id=True), "account_id", "identifier"),
        (one(start_date=None), "start_date", "no start date"),
        (one(start_date=[2025, 1]), "start_date", "calendar date"),
        (one(start_date="10/01/2025"), "start_date", "calendar date"),
        (
            one(start_date=np.datetime64("2025-01-10T09:30", "us")),
            "start_date",
            "time of day",
        ),
    ],
)
def test_bad_rows_are_named(data: dict[str, list[object]], field: str, words: str) -> None:
    with pytest.raises(InvalidInputError, match="1 of 2 subscriptions are invalid") as caught:
        changes_from_subscriptions(data)
    (error,) = caught.value.errors
    assert (error.row, error.field) == (2, field)
    assert words in error.message
    assert words in str(caught.value)


def test_every_bad_row_of_every_column_is_listed_with_the_users_names() -> None:
    data = {
        "customer": ["A", "B", "C"],
        "from": ["2025-01-01", "2025-02-01", "2025-03-01"],
        "to": ["2024-12-31", None, None],
        "amount": [1.0, -2.0, 3.0],
    }
    with pytest.raises(InvalidInputError, match="2 of 3 subscriptions") as caught:
        changes_from_subscriptions(data, account="customer", start="from", end="to", mrr="amount")
    found = [(e.row, e.field, e.value, e.record_id) for e in caught.value.errors]
    assert found == [(1, "to", D(2024, 12, 31), "A"), (2, "amount", -2.0, "B")]


def test_a_missing_column_names_the_parameter() -> None:
    data = {"account_id": ["A"], "start_date": ["2025-01-01"], "mrr": [1.0]}
    with pytest.raises(InvalidInputError) as caught:
        changes_from_subscriptions(data)
    assert str(caught.value) == (
        "`end='end_date'`: no column 'end_date'; columns are ['account_id', 'start_date', 'mrr']"
    )


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"account": 5}, "`account` must be a column name (non-empty text), got 5"),
        ({"mrr": ""}, "`mrr` must be a column name"),
        ({"end": None}, "`end` must be a column name"),
        ({"end": "start_date"}, "`start` and `end` both name the column 'start_date'"),
    ],
)
def test_parameters_must_be_column_names(options: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidInputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        changes_from_subscriptions(one(), **options)


@pytest.mark.parametrize("data", ["subs.csv", 5, [1, 2], np.zeros(3), [{"a": 1}, 5]])
def test_data_of_another_form_is_refused(data: object) -> None:
    with pytest.raises(InvalidInputError, match="`subscriptions` must be a mapping of columns"):
        changes_from_subscriptions(data)


def test_columns_of_unequal_length_are_refused() -> None:
    data = one()
    data["mrr"] = [1.0]
    with pytest.raises(InvalidInputError, match="must all have one length"):
        changes_from_subscriptions(data)


@pytest.mark.parametrize(
    "dates",
    [
        pd.Series(pd.to_datetime(["2025-01-01", "2025-02-01"]).tz_localize("Europe/Berlin")),
        [datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 2, 1, tzinfo=timezone.utc)],
        pl.Series([datetime(2025, 1, 1), datetime(2025, 2, 1)]).dt.replace_time_zone("UTC"),
        pd.Series([date(2025, 1, 1), datetime(2025, 2, 1, tzinfo=timezone.utc)], dtype=object),
    ],
)
def test_aware_timestamps_are_refused_with_a_hint(dates: object) -> None:
    data = {"account_id": ["A", "B"], "start_date": dates, "end_date": [None, None], "mrr": [1, 2]}
    with pytest.raises(InvalidInputError, match="time-zone-aware") as caught:
        changes_from_subscriptions(data)
    assert "tz_localize(None)" in str(caught.value)


def test_midnight_timestamps_are_dates() -> None:
    data = {
        "account_id": ["A"],
        "start_date": [datetime(2025, 1, 1)],
        "end_date": pd.to_datetime(["2025-03-01 00:00:00"]),
        "mrr": [4.0],
    }
    assert as_rows(changes_from_subscriptions(data)) == [
        ("A", D(2025, 1, 1), 4.0),
        ("A", D(2025, 3, 1), 0.0),
    ]


def test_sums_beyond_the_largest_float_are_refused() -> None:
    data = {
        "account_id": ["A", "B"],
        "start_date": ["2025-01-01"] * 2,
        "end_date": [None, None],
        "mrr": [1e308, 1e308],
    }
    with pytest.raises(InvalidInputError, match="beyond the largest float"):
        changes_from_subscriptions(data)


def test_a_huge_single_amount_is_kept() -> None:
    data = {"account_id": ["A"], "start_date": ["2025-01-01"], "end_date": [None], "mrr": [1e300]}
    assert changes_from_subscriptions(data)["mrr"].tolist() == [1e300]


def test_span_of_dates_far_apart() -> None:
    rows: list[Row] = [
        ("A", D(1, 1, 1), D(9999, 12, 31), 2.5),
        ("B", D(2025, 1, 1), D(2025, 1, 1) + timedelta(days=1), 1.0),
    ]
    assert as_rows(changes_from_subscriptions(columns(rows))) == [
        ("A", D(1, 1, 1), 2.5),
        ("A", D(9999, 12, 31), 0.0),
        ("B", D(2025, 1, 1), 1.0),
        ("B", D(2025, 1, 2), 0.0),
    ]
