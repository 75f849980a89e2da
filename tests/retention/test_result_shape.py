"""Retention results in the one result shape: value ``==``, pandas rows, strict JSON, intervals.

Each result is built twice from the same data by separate calls (equal values, distinct
objects) and once from other data (unequal). ``to_pandas()`` is checked column by column
against the fields it comes from, and ``to_dict()`` against a plain-Python rendering of the
fields (NaN as ``None``, dates as ISO text) and against ``json.dumps(allow_nan=False)``.
"""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cshealth._result import Result, RowsResult
from cshealth._stats import ConfidenceInterval
from cshealth.retention import (
    CohortTable,
    MRRMovements,
    RevenueCohortTable,
    SurvivalComparison,
    SurvivalCurve,
    activity_churn,
    cohort_table,
    compare_survival,
    kaplan_meier,
    logo_churn,
    mrr_movements,
    revenue_cohorts,
    revenue_retention,
)

KINDS = ("new", "expansion", "reactivation", "contraction", "churn")
ACCOUNTS = {
    "start_date": ["2024-03-01", "2024-05-01", "2025-01-10", "2025-01-15"],
    "end_date": [None, "2025-01-20", "2025-01-25", None],
}
OTHER_ACCOUNTS = {"start_date": ["2024-03-01", "2024-05-01"], "end_date": [None, None]}
CHANGES = {
    "account_id": ["A", "B", "A", "B", "C", "A"],
    "effective_on": [
        "2024-12-01",
        "2024-12-10",
        "2025-01-10",
        "2025-01-15",
        "2025-02-03",
        "2025-02-20",
    ],
    "mrr": [100.0, 50.0, 150.0, 0.0, 80.0, 120.0],
}
#: The same changes in another row order: the same results.
SHUFFLED = {name: values[::-1] for name, values in CHANGES.items()}
OTHER_CHANGES = {**CHANGES, "mrr": [100.0, 50.0, 150.0, 0.0, 80.0, 130.0]}
EVENT_IDS = ["a", "a", "b", "b", "c", "c"]
EVENT_DAYS = ["2025-01-03", "2025-02-03", "2025-01-09", "2025-03-01", "2025-02-14", "2025-03-02"]
JAN = {"base_on": date(2025, 1, 1), "compare_on": date(2025, 2, 1)}
Q1 = {"start": date(2025, 1, 1), "end": date(2025, 4, 1)}
#: The snapshot days of the same quarter.
Q1_DAYS = {"base_on": date(2025, 1, 1), "compare_on": date(2025, 4, 1)}
AS_OF = date(2025, 3, 15)


def _activity(ids: list[str]) -> Any:
    times = [datetime(2025, 1, 20, 10, tzinfo=timezone.utc) + timedelta(days=d) for d in (0, 5, 31)]
    return activity_churn(ids, times, base_on=date(2025, 2, 1), compare_on=date(2025, 3, 1))


def _curves(shift: float) -> dict[str, SurvivalCurve]:
    return {
        "cs": kaplan_meier([5, 8, 12, 12, 20], [1, 1, 0, 1, 0]),
        "holdout": kaplan_meier([2 + shift, 3, 3, 6, 9], [1, 1, 1, 1, 0]),
    }


#: name -> (build the result, build one from other data).
BUILDS: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
    "LogoChurn": (
        lambda: logo_churn(ACCOUNTS, **JAN),
        lambda: logo_churn(ACCOUNTS, **JAN, denominator="average"),
    ),
    "ActivityChurn": (lambda: _activity(["u1", "u2", "u2"]), lambda: _activity(["u1", "u1", "u2"])),
    "RevenueRetention": (
        lambda: revenue_retention(CHANGES, **Q1_DAYS),
        lambda: revenue_retention(OTHER_CHANGES, **Q1_DAYS),
    ),
    "AnnualizedRetention": (
        lambda: revenue_retention(CHANGES, **Q1_DAYS).annualized(),
        lambda: revenue_retention(CHANGES, **Q1_DAYS).annualized(2),
    ),
    "MRRMovements": (
        lambda: mrr_movements(CHANGES, **Q1),
        lambda: mrr_movements(OTHER_CHANGES, **Q1),
    ),
    "CohortTable": (
        lambda: cohort_table(EVENT_IDS, EVENT_DAYS, as_of=AS_OF),
        lambda: cohort_table(EVENT_IDS, EVENT_DAYS, as_of=AS_OF, mode="on_or_after"),
    ),
    "RevenueCohortTable": (
        lambda: revenue_cohorts(CHANGES, as_of=AS_OF),
        lambda: revenue_cohorts(OTHER_CHANGES, as_of=AS_OF),
    ),
    "SurvivalCurve": (
        lambda: kaplan_meier([3, 5, 5, 8], [1, 1, 0, 1]),
        lambda: kaplan_meier([3, 5, 5, 8], [1, 1, 1, 1]),
    ),
    "SurvivalComparison": (
        lambda: compare_survival(_curves(0.0)),
        lambda: compare_survival(_curves(1.0)),
    ),
}


# --- equality ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_results_of_separate_calls_are_equal_and_others_are_not(name: str) -> None:
    build, other = BUILDS[name]
    first, second = build(), build()
    assert type(first).__name__ == name
    assert isinstance(first, Result)
    assert first is not second
    assert first == second
    assert not first != second  # noqa: SIM202  # != is the negation of ==
    assert first != other()
    assert first != "text"  # another type: unequal, never an error
    assert pickle.loads(pickle.dumps(first)) == second
    with pytest.raises(TypeError):
        hash(first)


def test_cohort_tables_with_censored_cells_are_equal() -> None:
    # NaN fills the censored cells; equal tables compare equal all the same
    table = cohort_table(EVENT_IDS, EVENT_DAYS, as_of=AS_OF)
    assert np.isnan(table.rates).any()
    assert table == cohort_table(EVENT_IDS, EVENT_DAYS, as_of=AS_OF)


def test_movements_compare_by_their_figures_not_by_input_order() -> None:
    shuffled = mrr_movements(SHUFFLED, **Q1)
    assert shuffled == mrr_movements(CHANGES, **Q1)


# --- to_pandas -------------------------------------------------------------------------------


def test_movements_to_pandas_is_one_row_per_period() -> None:
    m = mrr_movements(CHANGES, **Q1)
    frame = m.to_pandas()
    amounts = ["new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr"]
    counts = [f"{kind}_count" for kind in KINDS]
    assert list(frame.columns) == [
        "labels",
        "starts",
        "starting_mrr",
        *amounts,
        "ending_mrr",
        *counts,
    ]
    assert len(frame) == len(m) == len(m.labels) == 3
    assert frame["labels"].tolist() == list(m.labels)
    assert [day.date() for day in frame["starts"]] == list(m.starts)
    for name in ["starting_mrr", *amounts, "ending_mrr"]:
        assert frame[name].tolist() == getattr(m, name).tolist(), name
    for kind in KINDS:
        assert frame[f"{kind}_count"].tolist() == m.counts[kind].tolist(), kind
    frame.loc[0, "new_mrr"] = -1.0  # the frame is the user's copy
    assert m.new_mrr[0] != -1.0


@pytest.mark.parametrize(
    ("build", "sizes"),
    [
        (lambda: cohort_table(EVENT_IDS, EVENT_DAYS, as_of=AS_OF), ["sizes"]),
        (lambda: revenue_cohorts(CHANGES, as_of=AS_OF), ["customers", "base_mrr"]),
    ],
)
def test_cohort_tables_to_pandas_is_one_row_per_cohort_and_one_column_per_offset(
    build: Callable[[], CohortTable | RevenueCohortTable], sizes: list[str]
) -> None:
    table = build()
    frame = table.to_pandas()
    offsets = list(range(table.offsets))
    assert list(frame.columns) == ["cohorts", "starts", *sizes, *offsets]
    assert len(frame) == len(table) == len(table.cohorts)
    assert frame["cohorts"].tolist() == list(table.cohorts)
    assert frame["starts"].tolist() == pd.to_datetime(table.starts).tolist()
    for name in sizes:
        np.testing.assert_array_equal(frame[name].to_numpy(), getattr(table, name))
    np.testing.assert_array_equal(frame[offsets].to_numpy(), table.rates)  # NaN where censored
    assert frame[offsets].isna().to_numpy()[~table.observed].all()


def test_an_empty_cohort_table_gives_an_empty_frame() -> None:
    empty = cohort_table([], np.array([], dtype="datetime64[D]"), as_of=AS_OF)
    frame = empty.to_pandas()
    assert len(empty) == len(frame) == 0
    assert list(frame.columns) == ["cohorts", "starts", "sizes"]


def test_survival_curve_and_comparison_to_pandas() -> None:
    curve = kaplan_meier([3, 5, 5, 8, 12], [1, 1, 0, 1, 0])
    frame = curve.to_pandas()
    assert list(frame.columns) == ["times", "survival", "at_risk", "events"]
    assert len(frame) == len(curve) == len(curve.times) == 3
    for name in frame.columns:
        assert frame[name].tolist() == getattr(curve, name).tolist(), name
    test = compare_survival({"a": kaplan_meier([1, 2, 3]), "b": kaplan_meier([4, 5], [0, 0])})
    assert test.medians == (2.0, None)
    rows = test.to_pandas()
    assert list(rows.columns) == ["groups", "observed", "expected", "medians"]
    assert rows["groups"].tolist() == ["a", "b"]
    assert rows["observed"].tolist() == test.observed.tolist()
    assert rows["expected"].tolist() == test.expected.tolist()
    assert rows["medians"].dtype == np.float64
    assert rows["medians"].tolist()[0] == 2.0
    assert math.isnan(rows["medians"].tolist()[1])


def test_every_result_with_rows_says_so() -> None:
    rows = {"MRRMovements", "CohortTable", "RevenueCohortTable", "SurvivalCurve"}
    rows |= {"SurvivalComparison"}
    for name, (build, _) in BUILDS.items():
        assert isinstance(build(), RowsResult) == (name in rows), name


# --- to_dict ----------------------------------------------------------------------------------


def _plain(values: Any) -> Any:
    """Arrays as nested lists with NaN as None, by hand."""
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if isinstance(values, list):
        return [_plain(v) for v in values]
    return None if isinstance(values, float) and math.isnan(values) else values


def test_cohort_table_to_dict_is_every_field() -> None:
    table = cohort_table(EVENT_IDS, EVENT_DAYS, as_of=AS_OF)
    data = table.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data == {
        "period": "month",
        "as_of": "2025-03-15",
        "cohorts": ["2025-01", "2025-02"],
        "starts": ["2025-01-01", "2025-02-01"],
        "observed": table.observed.tolist(),
        "rates": [[1.0, 0.5, None], [1.0, None, None]],
        "average": [1.0, 0.5, None],
        "mode": "on",
        "sizes": [2, 1],
        "counts": [[2, 1, 0], [1, 0, 0]],
    }


def test_revenue_cohort_table_to_dict_is_every_field() -> None:
    table = revenue_cohorts(CHANGES, as_of=AS_OF)
    assert np.isnan(table.mrr).any()
    data = table.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data == {
        "period": "month",
        "as_of": "2025-03-15",
        "cohorts": list(table.cohorts),
        "starts": [str(day) for day in table.starts],
        "observed": table.observed.tolist(),
        "rates": _plain(table.rates),
        "average": _plain(table.average),
        "customers": table.customers.tolist(),
        "base_mrr": _plain(table.base_mrr),
        "mrr": _plain(table.mrr),
    }


def test_movements_to_dict_is_every_public_field() -> None:
    m = mrr_movements(CHANGES, **Q1)
    data = m.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data == {
        "period": "month",
        "labels": ["2025-01", "2025-02", "2025-03"],
        "starts": ["2025-01-01", "2025-02-01", "2025-03-01"],
        "end": "2025-04-01",
        "starting_mrr": [150.0, 150.0, 200.0],
        "new_mrr": [0.0, 80.0, 0.0],
        "expansion_mrr": [50.0, 0.0, 0.0],
        "reactivation_mrr": [0.0, 0.0, 0.0],
        "contraction_mrr": [0.0, 30.0, 0.0],
        "churned_mrr": [50.0, 0.0, 0.0],
        "ending_mrr": [150.0, 200.0, 200.0],
        "counts": {
            "new": [0, 1, 0],
            "expansion": [1, 0, 0],
            "reactivation": [0, 0, 0],
            "contraction": [0, 1, 0],
            "churn": [1, 0, 0],
        },
    }


def test_window_results_keep_their_keys() -> None:
    logo = logo_churn(ACCOUNTS, **JAN).to_dict()
    assert list(logo) == [
        "base_on",
        "compare_on",
        "denominator",
        "starting_customers",
        "ending_customers",
        "new_customers",
        "churned_customers",
        "customer_days",
        "churn_events",
        "rate",
        "retention_rate",
        "periods_per_year",
        "annualized",
    ]
    activity = _activity(["u1", "u2", "u2"]).to_dict()
    assert list(activity)[:3] == ["base_on", "compare_on", "inactive_after_seconds"]
    assert activity["base_on"] == "2025-02-01T00:00:00.000000Z"
    assert activity["inactive_after_seconds"] == 30 * 86_400.0
    assert list(activity)[-1] == "annualized"
    revenue = revenue_retention(CHANGES, **Q1_DAYS)
    data = revenue.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert (data["nrr"], data["grr"], data["periods_per_year"]) == (
        revenue.nrr,
        revenue.grr,
        4.0,
    )
    empty = revenue_retention({"account_id": [], "effective_on": [], "mrr": []}, **Q1_DAYS)
    assert json.dumps(empty.to_dict(), allow_nan=False)
    assert empty.to_dict()["nrr"] is None


# --- intervals ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["log_log", "linear"])
def test_the_survival_band_is_a_confidence_interval_of_arrays(method: Any) -> None:
    curve = kaplan_meier([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 1, 0, 1, 1, 1, 0, 1, 1, 0])
    band = curve.confidence_interval(0.9, method=method)
    assert isinstance(band, ConfidenceInterval)
    assert band.low.shape == band.high.shape == curve.times.shape
    assert band.contains(curve.survival).all()  # each estimate inside its own bounds
    assert (band.width >= 0).all()
    low, high = band
    data = curve.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    default = curve.confidence_interval()
    assert data["confidence_interval"] == {
        "low": default.low.tolist(),
        "high": default.high.tolist(),
    }
    median = curve.median()
    assert data["median"] == {"statistic": median.statistic, "low": median.low, "high": median.high}
    assert not {"ci_low", "ci_high", "median_ci_low", "median_ci_high"} & set(data)
    assert np.array_equal(low, band.low)
    assert np.array_equal(high, band.high)


# --- text -----------------------------------------------------------------------------------


def test_str_is_the_text_table() -> None:
    m = mrr_movements(CHANGES, **Q1)
    assert str(m) == m.format()
    assert str(m).splitlines()[0].startswith("period")
    table = cohort_table(EVENT_IDS, EVENT_DAYS, as_of=AS_OF)
    assert str(table) == table.format()
    assert "<pre>" in table._repr_html_()
    assert isinstance(m, MRRMovements)
    assert isinstance(compare_survival(_curves(0.0)), SurvivalComparison)
