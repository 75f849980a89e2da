"""``by``: every group's result is the ungrouped function run on that group's rows alone.

`revenue_retention`, `mrr_movements`, `logo_churn` and `survival_by` group accounts by a
column of their input or by a mapping from account id to group, and give a `Grouped`
result. The reference is the plain function called once per group on the rows the test
picks out for that group itself (a list comprehension over the generated rows); accounts
without a group must be the group ``'(none)'``, counted in ``ungrouped``, never dropped.
Grouped waterfalls and survival counts must also add up to the whole.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.retention.test_revenue import KINDS, Row, change_sets, windows

from cshealth import NO_GROUP, Grouped
from cshealth._exceptions import InvalidInputError
from cshealth.models import Account, RevenueChange
from cshealth.retention import (
    LogoChurn,
    MRRMovements,
    RevenueRetention,
    SurvivalCounts,
    SurvivalCurve,
    compare_survival,
    logo_churn,
    mrr_movements,
    revenue_retention,
    survival,
)

ACCOUNTS = ["A", "B", "C", "D", "E", "F"]
#: Each account's group: a label, or None (no group).
labels_of = st.fixed_dictionaries({a: st.sampled_from(["x", "y", "zz", None]) for a in ACCOUNTS})
PERIODS = st.sampled_from(["week", "month", "quarter", "year"])


def change_columns(rows: Iterable[Row], groups: dict[str, str | None]) -> dict[str, list[Any]]:
    """The changes as columns, with each row's ``segment`` (its account's group)."""
    rows = list(rows)
    return {
        "account_id": [r[0] for r in rows],
        "effective_on": [r[1] for r in rows],
        "mrr": [r[2] for r in rows],
        "segment": [groups[r[0]] for r in rows],
    }


def expected_groups(rows: list[Row], groups: dict[str, str | None]) -> dict[str, list[Row]]:
    """The rows of each group, by hand: accounts without a group in '(none)'."""
    found: dict[str, list[Row]] = {}
    for row in rows:
        label = groups[row[0]]
        found.setdefault(NO_GROUP if label is None else label, []).append(row)
    return dict(sorted(found.items()))


def ungrouped(rows: list[Row], groups: dict[str, str | None]) -> int:
    return len({r[0] for r in rows if groups[r[0]] is None})


# --- revenue ---------------------------------------------------------------------------------


@given(rows=change_sets(), window=windows, groups=labels_of, min_base=st.sampled_from([0.0, 50.0]))
def test_revenue_retention_by_group_is_retention_of_each_group(
    rows: list[Row], window: tuple[date, date], groups: dict[str, str | None], min_base: float
) -> None:
    base_on, compare_on = window
    days = {"base_on": base_on, "compare_on": compare_on, "min_base_mrr": min_base}
    by_column = revenue_retention(change_columns(rows, groups), **days, by="segment")
    mapping = {a: label for a, label in groups.items() if label is not None}
    by_mapping = revenue_retention(change_columns(rows, groups), **days, by=mapping)
    expected = expected_groups(rows, groups)
    for grouped, by in ((by_column, "segment"), (by_mapping, "account")):
        assert isinstance(grouped, Grouped)
        assert (grouped.by, grouped.ungrouped) == (by, ungrouped(rows, groups))
        assert list(grouped) == list(expected)
        for label, group_rows in expected.items():
            alone = revenue_retention(change_columns(group_rows, groups), **days)
            assert grouped[label] == alone
    assert by_column.groups == by_mapping.groups
    # the base and its MRR split among the groups
    whole = revenue_retention(change_columns(rows, groups), **days)
    assert by_column.overall == whole  # the overall result is the one without `by`
    parts = list(by_column.values())
    assert sum(r.starting_customers for r in parts) == whole.starting_customers
    assert sum(r.starting_mrr for r in parts) == whole.starting_mrr
    assert sum(r.ending_mrr for r in parts) == whole.ending_mrr


@given(rows=change_sets(), window=windows, groups=labels_of, period=PERIODS)
def test_mrr_movements_by_group_are_the_waterfall_of_each_group(
    rows: list[Row], window: tuple[date, date], groups: dict[str, str | None], period: Any
) -> None:
    start, end = window
    options = {"start": start, "end": end, "period": period, "group_within_days": 3}
    grouped = mrr_movements(change_columns(rows, groups), **options, by="segment")
    expected = expected_groups(rows, groups)
    assert list(grouped) == list(expected)
    assert grouped.ungrouped == ungrouped(rows, groups)
    for label, group_rows in expected.items():
        alone = mrr_movements(change_columns(group_rows, groups), **options)
        assert grouped[label] == alone
        assert grouped[label].classified == alone.classified
    # whole numbers: the groups' waterfalls add up to the whole's exactly
    whole = mrr_movements(change_columns(rows, groups), **options)
    assert grouped.overall == whole  # the overall result is the one without `by`
    for kind in KINDS:
        together = sum((m.amounts(kind) for m in grouped.values()), np.zeros(len(whole.labels)))
        assert together.tolist() == whole.amounts(kind).tolist()
    ending = sum((m.ending_mrr for m in grouped.values()), np.zeros(len(whole.labels)))
    assert ending.tolist() == whole.ending_mrr.tolist()


def test_revenue_by_group_worked() -> None:
    changes = {
        "account_id": ["A", "B", "C", "B", "C", "D"],
        "effective_on": [
            "2025-01-01",
            "2025-01-01",
            "2025-01-01",
            "2025-06-01",
            "2025-09-01",
            "2025-03-01",
        ],
        "mrr": [100.0, 200.0, 300.0, 260.0, 0.0, 999.0],
        "plan": ["pro", "pro", "basic", "pro", "basic", None],
    }
    days = {"base_on": date(2025, 1, 1), "compare_on": date(2026, 1, 1)}
    g = revenue_retention(changes, **days, by="plan")
    assert repr(g) == (
        "Grouped(by='plan', 3 groups of RevenueRetention: '(none)', 'basic', 'pro'; ungrouped=1)"
    )
    assert {label: (r.starting_mrr, r.ending_mrr) for label, r in g.items()} == {
        "(none)": (0.0, 0.0),  # D joined in March: in no base, but never dropped
        "basic": (300.0, 0.0),
        "pro": (300.0, 360.0),
    }
    assert g["pro"].nrr == 1.2
    assert g["(none)"].nrr is None
    m = mrr_movements(changes, start=date(2025, 1, 1), end=date(2026, 1, 1), by="plan")
    assert {label: w.quick_ratio(allow_inf=True) for label, w in m.items()} == {
        "(none)": float("inf"),
        "basic": 1.0,  # C: 300 new on the window's first day, 300 churned in September
        "pro": float("inf"),
    }


def test_revenue_by_group_reads_records_frames_and_one_shot_iterators() -> None:
    rows: list[Row] = [
        ("A", date(2024, 12, 1), 100.0),
        ("B", date(2024, 12, 1), 50.0),
        ("A", date(2025, 1, 20), 0.0),
    ]
    days = {"base_on": date(2025, 1, 1), "compare_on": date(2025, 2, 1)}
    records = [RevenueChange(account_id=a, effective_on=d, mrr=m) for a, d, m in rows]
    mapping = {"A": "x", "B": "y"}
    from_records = revenue_retention(records, **days, by=mapping)
    from_iterator = revenue_retention(iter(records), **days, by=mapping)
    frame = pd.DataFrame(change_columns(rows, {"A": "x", "B": "y"}))
    from_frame = revenue_retention(frame, **days, by="segment")
    assert from_records == from_iterator
    assert from_records.groups == from_frame.groups
    assert (from_records["x"].churned_customers, from_records["y"].churned_customers) == (1, 0)


def test_integer_account_ids_and_a_mapping_keyed_like_them() -> None:
    changes = {"account_id": [7, 8], "effective_on": ["2024-12-01"] * 2, "mrr": [10.0, 20.0]}
    days = {"base_on": date(2025, 1, 1), "compare_on": date(2025, 2, 1)}
    g = revenue_retention(changes, **days, by={7: "a", 8: 2})
    assert list(g) == ["2", "a"]  # labels are text
    with pytest.raises(InvalidInputError, match=r"`by` is keyed by text \('7'\)"):
        revenue_retention(changes, **days, by={"7": "a"})


def test_an_account_in_two_groups_is_refused() -> None:
    changes = {
        "account_id": ["A", "A", "B"],
        "effective_on": ["2025-01-01", "2025-03-01", "2025-01-01"],
        "mrr": [10.0, 20.0, 5.0],
        "plan": ["basic", "pro", "basic"],
    }
    message = (
        r"`by` column 'plan' puts account 'A' in two groups \('basic' in row 1, 'pro' in "
        r"row 2\): give all the changes of an account one group, or pass a mapping"
    )
    with pytest.raises(InvalidInputError, match=message):
        revenue_retention(changes, base_on=date(2025, 1, 1), compare_on=date(2025, 4, 1), by="plan")
    with pytest.raises(InvalidInputError, match="puts account 'A' in two groups"):
        mrr_movements(changes, start=date(2025, 1, 1), end=date(2025, 4, 1), by="plan")


@pytest.mark.parametrize(
    ("by", "match"),
    [
        ("region", r"`by` names no column of the revenue changes: 'region' \(columns \["),
        (3, "`by` must be a column name or a mapping from account id to group, got int 3"),
        (["A"], "`by` takes a column name or a mapping .* not labels per row .* add the labels"),
        ({1: "x"}, r"`by` is keyed by whole numbers \(1\), but the account ids are text"),
    ],
)
def test_bad_groupings_of_revenue(by: Any, match: str) -> None:
    changes = {"account_id": ["A"], "effective_on": ["2025-01-01"], "mrr": [10.0]}
    with pytest.raises(InvalidInputError, match=match):
        revenue_retention(changes, base_on=date(2025, 1, 1), compare_on=date(2025, 2, 1), by=by)
    with pytest.raises(InvalidInputError, match=match):
        mrr_movements(changes, start=date(2025, 1, 1), end=date(2025, 2, 1), by=by)


# --- account dates ---------------------------------------------------------------------------


@st.composite
def grouped_customers(draw: st.DrawFn) -> tuple[dict[str, list[Any]], date, date]:
    """Customers (rows) with an id, dates and a segment (some missing), and two days."""
    first = date(2025, 1, 1)
    n = draw(st.integers(0, 25))
    columns: dict[str, list[Any]] = {"id": [], "start_date": [], "end_date": [], "segment": []}
    for i in range(n):
        begin = first + timedelta(days=draw(st.integers(0, 90)))
        length = draw(st.none() | st.integers(0, 60))
        columns["id"].append(f"c{i}")
        columns["start_date"].append(begin)
        columns["end_date"].append(None if length is None else begin + timedelta(days=length))
        columns["segment"].append(draw(st.sampled_from(["smb", "ent", "", None])))
    base_on = first + timedelta(days=draw(st.integers(0, 80)))
    return columns, base_on, base_on + timedelta(days=draw(st.integers(1, 45)))


def rows_of(columns: dict[str, list[Any]], keep: list[bool]) -> dict[str, list[Any]]:
    return {name: [v for v, k in zip(values, keep) if k] for name, values in columns.items()}


def segment_groups(columns: dict[str, list[Any]]) -> dict[str, list[bool]]:
    """Per group label, which rows are in it (by hand)."""
    labels = [NO_GROUP if s is None else s for s in columns["segment"]]
    return {label: [x == label for x in labels] for label in sorted(set(labels))}


@given(case=grouped_customers(), form=st.sampled_from(["start", "average", "customer_days"]))
def test_logo_churn_by_group_is_churn_of_each_group(
    case: tuple[dict[str, list[Any]], date, date], form: Any
) -> None:
    columns, base_on, compare_on = case
    days = {"base_on": base_on, "compare_on": compare_on, "denominator": form}
    grouped = logo_churn(columns, **days, by="segment")
    groups = segment_groups(columns)
    assert list(grouped) == list(groups)
    assert grouped.ungrouped == columns["segment"].count(None)
    for label, keep in groups.items():
        assert grouped[label] == logo_churn(rows_of(columns, keep), **days)
    mapping = {i: s for i, s in zip(columns["id"], columns["segment"]) if s is not None}
    by_id = logo_churn(columns, **days, by=mapping)
    assert (by_id.by, by_id.groups, by_id.ungrouped) == (
        "account",
        grouped.groups,
        grouped.ungrouped,
    )
    whole = logo_churn(columns, **days)
    assert grouped.overall == whole  # the overall result is the one without `by`
    assert sum(g.starting_customers for g in grouped.values()) == whole.starting_customers
    assert sum(g.churned_customers for g in grouped.values()) == whole.churned_customers


@given(case=grouped_customers(), unit=st.sampled_from(["day", "week", "month"]))
def test_survival_by_group_is_the_survival_of_each_group(
    case: tuple[dict[str, list[Any]], date, date], unit: Any
) -> None:
    columns, as_of, _ = case
    grouped = survival(columns, as_of=as_of, time_unit=unit, by="segment")
    seen = [start < as_of for start in columns["start_date"]]
    groups = segment_groups(rows_of(columns, seen))
    assert list(grouped) == list(groups)  # only groups with customers by as_of
    assert grouped.ungrouped == sum(1 for s, k in zip(columns["segment"], seen) if k and s is None)
    for label, keep in groups.items():
        alone = survival(rows_of(rows_of(columns, seen), keep), as_of=as_of, time_unit=unit)
        assert grouped[label] == alone
    whole = survival(columns, as_of=as_of, time_unit=unit)
    assert grouped.overall == whole  # the overall result is the one without `by`
    assert SurvivalCounts.combine(g.counts for g in grouped.values()) == whole.counts


def test_logo_churn_by_any_column_of_records_frames_and_tables() -> None:
    accounts = [
        Account(id="a", name="a", start_date=date(2024, 1, 1), seats=5, plan="pro"),
        Account(id="b", name="b", start_date=date(2024, 1, 1), seats=5, end_date=date(2025, 1, 9)),
        Account(id="c", name="c", start_date=date(2024, 1, 1), seats=20, plan="pro"),
    ]
    days = {"base_on": date(2025, 1, 1), "compare_on": date(2025, 2, 1)}
    by_seats = logo_churn(accounts, **days, by="seats")
    assert {label: g.rate for label, g in by_seats.items()} == {"20": 0.0, "5": 0.5}
    by_plan = logo_churn(accounts, **days, by="plan")
    assert {label: g.rate for label, g in by_plan.items()} == {"(none)": 1.0, "pro": 0.0}
    assert by_plan.ungrouped == 1
    frame = pd.DataFrame(
        {
            "start_date": ["2024-01-01"] * 3,
            "end_date": [None, "2025-01-09", None],
            "region": ["eu", "us", "eu"],
        }
    )
    by_region = logo_churn(frame, **days, by="region")
    assert {label: g.churned_customers for label, g in by_region.items()} == {"eu": 0, "us": 1}


def test_grouping_account_dates_by_a_mapping_needs_their_ids() -> None:
    accounts = {"start_date": ["2024-01-01"], "end_date": [None]}
    days = {"base_on": date(2025, 1, 1), "compare_on": date(2025, 2, 1)}
    with pytest.raises(InvalidInputError, match=r"`accounts` has no `id` column \(columns \["):
        logo_churn(accounts, **days, by={"a": "x"})
    with pytest.raises(InvalidInputError, match="`by` names no column of the accounts: 'plan'"):
        logo_churn(accounts, **days, by="plan")


# --- the grouped result --------------------------------------------------------------------


CHANGES = {
    "account_id": ["A", "B", "C", "B"],
    "effective_on": ["2024-12-01", "2024-12-10", "2025-01-05", "2025-01-20"],
    "mrr": [100.0, 50.0, 80.0, 0.0],
}
WINDOW = {"start": date(2025, 1, 1), "end": date(2025, 3, 1)}
DAYS = {"base_on": date(2025, 1, 1), "compare_on": date(2025, 3, 1)}
MAPPING = {"A": "x", "B": "x"}


def test_a_grouped_result_is_a_read_only_mapping() -> None:
    g = revenue_retention(CHANGES, **DAYS, by=MAPPING)
    assert len(g) == 2
    assert list(g) == ["(none)", "x"]
    assert "x" in g
    assert "y" not in g
    assert g.get("y") is None
    assert isinstance(g["x"], RevenueRetention)
    with pytest.raises(KeyError, match=r"no group 'y'; groups: \['\(none\)', 'x'\]"):
        g["y"]
    with pytest.raises(AttributeError):
        g.by = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(g)


def test_grouped_results_compare_by_value_and_with_plain_mappings() -> None:
    g = revenue_retention(CHANGES, **DAYS, by=MAPPING)
    again = revenue_retention(CHANGES, **DAYS, by=MAPPING)
    assert g == again
    assert pickle.loads(pickle.dumps(g)) == g
    assert g == dict(g.items())
    assert g != revenue_retention(CHANGES, **DAYS, by={"A": "x"})
    other_by = revenue_retention({**CHANGES, "seg": ["x", "x", None, "x"]}, **DAYS, by="seg")
    assert other_by.groups == g.groups
    assert other_by != g  # another `by`
    assert g != "text"


def test_grouped_to_dict_is_strict_json() -> None:
    data = revenue_retention(CHANGES, **DAYS, by=MAPPING).to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert list(data) == ["by", "overall", "groups", "ungrouped"]
    assert (data["by"], data["ungrouped"], list(data["groups"])) == ("account", 1, ["(none)", "x"])
    assert data["groups"]["x"]["starting_mrr"] == 150.0
    assert data["groups"]["(none)"]["nrr"] is None


def test_grouped_to_pandas_one_row_per_group() -> None:
    frame = revenue_retention(CHANGES, **DAYS, by=MAPPING).to_pandas()
    assert frame["group"].tolist() == ["(none)", "x"]
    assert frame["starting_mrr"].tolist() == [0.0, 150.0]
    assert frame["ending_mrr"].tolist() == [0.0, 100.0]
    assert frame["base_on"].tolist() == [pd.Timestamp("2025-01-01")] * 2
    assert np.isnan(frame["nrr"][0])
    assert frame["nrr"][1] == pytest.approx(100 / 150)
    assert {"churned_customers", "grr", "logo_churn_rate", "periods_per_year"} <= set(frame)


def test_grouped_to_pandas_stacks_the_rows_of_each_group() -> None:
    g = mrr_movements(CHANGES, **WINDOW, by=MAPPING)
    frame = g.to_pandas()
    assert len(frame) == sum(len(m) for m in g.values()) == 4
    assert frame.columns[0] == "group"
    assert frame["group"].tolist() == ["(none)", "(none)", "x", "x"]
    assert frame["labels"].tolist() == ["2025-01", "2025-02"] * 2
    pd.testing.assert_frame_equal(
        frame[frame["group"] == "x"].drop(columns="group").reset_index(drop=True),
        g["x"].to_pandas(),
    )
    accounts = {"start_date": ["2024-01-01", "2024-06-01"], "end_date": ["2024-09-01", None]}
    curves = survival({**accounts, "s": ["a", "b"]}, as_of=date(2025, 1, 1), by="s").to_pandas()
    assert curves["group"].tolist() == ["a"]  # b has no event: a curve without rows
    assert curves.columns.tolist() == ["group", "times", "survival", "at_risk", "events"]


def test_no_groups_at_all() -> None:
    empty = revenue_retention(
        {"account_id": [], "effective_on": [], "mrr": []}, **DAYS, by="account_id"
    )
    assert (len(empty), empty.ungrouped, empty == {}) == (0, 0, True)
    assert empty.to_pandas().columns.tolist() == ["group"]
    assert repr(empty) == "Grouped(by='account_id', no groups of RevenueRetention; ungrouped=0)"
    assert str(empty).splitlines()[0] == "RevenueRetention by account_id: 0 groups"
    assert str(empty).splitlines()[1].startswith("(all): RevenueRetention(")


def test_grouped_format_shows_each_group() -> None:
    g = mrr_movements(CHANGES, **WINDOW, by=MAPPING)
    text = str(g)
    assert text == g.format()
    lines = text.splitlines()
    assert lines[0] == "MRRMovements by account: 2 groups, 1 without one in '(none)'"
    assert lines[1] == "(all):"
    assert lines[2].startswith("  period")
    assert "(none):" in lines
    retention = revenue_retention(CHANGES, **DAYS, by=MAPPING)
    assert str(retention).splitlines()[-1].startswith("x: RevenueRetention(2025-01-01 to")
    many = revenue_retention(CHANGES, **DAYS, by={"A": 1, "B": 2, "C": 3})
    assert repr(many).startswith("Grouped(by='account', 3 groups of RevenueRetention: '1', '2'")
    letters = {f"a{i}": f"g{i:02d}" for i in range(12)}
    wide = revenue_retention(
        {"account_id": list(letters), "effective_on": ["2025-01-01"] * 12, "mrr": [1.0] * 12},
        **DAYS,
        by=letters,
    )
    assert repr(wide).endswith("'g03', 'g04', ... (7 more); ungrouped=0)")
    assert str(wide).splitlines()[-1] == "... 2 more groups"


def test_survival_by_goes_straight_to_the_log_rank_test() -> None:
    accounts = {
        "id": ["a", "b", "c", "d", "e", "f"],
        "start_date": ["2024-01-01"] * 6,
        "end_date": ["2024-02-01", "2024-03-01", None, "2024-09-01", None, None],
        "cs": ["yes", "no", "yes", "no", "no", "yes"],
    }
    groups = survival(accounts, as_of=date(2025, 1, 1), time_unit="month", by="cs")
    assert all(isinstance(curve, SurvivalCurve) for curve in groups.values())
    test = compare_survival(groups)
    assert test.groups == ("no", "yes")
    assert test.observed.tolist() == [2, 1]
    by_id = survival(accounts, as_of=date(2025, 1, 1), by={"a": "yes", "c": "yes"})
    assert (list(by_id), by_id.ungrouped) == (["(none)", "yes"], 4)


def test_the_grouped_classes_are_the_usual_results() -> None:
    churn = logo_churn(
        {"start_date": ["2024-01-01"], "end_date": [None], "s": ["a"]}, **DAYS, by="s"
    )
    assert isinstance(churn["a"], LogoChurn)
    assert isinstance(mrr_movements(CHANGES, **WINDOW, by=MAPPING)["x"], MRRMovements)
