"""Churn and revenue partials: any split (by entity or account where required) is the whole.

`logo_churn` and `activity_churn` partials hold counts, merged exactly; the revenue
partials (`revenue_cohorts`, `revenue_retention`, `mrr_movements`) hold MRR sums, merged
within the stated tolerance. Each finalises to what the single-machine function gives on
all the rows (exactly from one partition: they share one finaliser), and a split that
puts one entity's or account's rows in two partitions gives another answer.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.retention import partial_helpers as h

from cshealth import InvalidInputError
from cshealth.retention import (
    ActivityChurnPartial,
    MRRMovementsPartial,
    RevenueCohortPartial,
    RevenueRetentionPartial,
    activity_churn,
    activity_churn_partial,
    logo_churn,
    logo_churn_partial,
    mrr_movements,
    mrr_movements_partial,
    revenue_cohorts,
    revenue_cohorts_partial,
    revenue_retention,
    revenue_retention_partial,
)

#: Where rows go: an owner per row, the number of partitions, the seed of the merge tree.
layouts = st.tuples(
    st.lists(st.integers(0, 100), min_size=60, max_size=60),
    st.integers(1, 5),
    st.integers(0, 10**4),
)
Layout = tuple[list[int], int, int]
windows = st.sampled_from(
    [
        (date(2024, 3, 1), date(2024, 6, 1)),
        (date(2024, 1, 1), date(2025, 1, 1)),
        (date(2024, 7, 10), date(2024, 7, 31)),
    ]
)


def _by(by: object, ids: list[Any]) -> object:
    if by != "mapping":
        return by
    return {i: ("odd" if n % 2 else "even") for n, i in enumerate(sorted(set(ids))) if n % 3}


@settings(max_examples=60)
@given(
    h.account_rows,
    layouts,
    windows,
    st.sampled_from(["start", "average", "customer_days"]),
    st.sampled_from([None, "segment", "mapping"]),
)
def test_logo_churn_any_split_merged_along_any_tree_is_the_whole(
    rows: list[Any], layout: Layout, window: tuple[date, date], denominator: str, by: Any
) -> None:
    owner, k, seed = layout
    columns = h.accounts(rows)
    options = {
        "base_on": window[0],
        "compare_on": window[1],
        "denominator": denominator,
        "by": _by(by, columns["id"]),
    }
    parts = h.partials_of(
        lambda data, part: logo_churn_partial(data, **options, part=part),
        columns,
        h.split(len(rows), owner, k),
    )
    merged = h.tree(parts, seed)
    whole = logo_churn_partial(columns, **options)
    for partial in (*parts, whole):
        h.assert_canonical(partial)
    h.assert_same_partial(merged, whole)
    assert merged.finalize() == whole.finalize() == logo_churn(columns, **options)


@settings(max_examples=60)
@given(
    h.event_rows,
    layouts,
    windows,
    st.sampled_from([timedelta(days=30), timedelta(days=7, hours=12)]),
)
def test_activity_churn_split_by_entity_is_the_whole(
    rows: list[tuple[int, int]],
    layout: Layout,
    window: tuple[date, date],
    inactive_after: timedelta,
) -> None:
    owner, k, seed = layout
    ids = [e for e, _ in rows]
    times = [np.datetime64(h.day(d)) + np.timedelta64(e * 7, "h") for e, d in rows]
    options = {"base_on": window[0], "compare_on": window[1], "inactive_after": inactive_after}
    parts = [
        activity_churn_partial(
            np.array([ids[i] for i in p], dtype=np.int64),
            np.array([times[i] for i in p], dtype="datetime64[us]"),
            **options,
            part=f"p{n}",
        )
        for n, p in enumerate(h.by_key(ids, owner, k))
    ]
    merged = h.tree(parts, seed)
    whole = activity_churn_partial(ids, np.array(times, dtype="datetime64[us]"), **options)
    h.assert_same_partial(merged, whole)
    single = activity_churn(ids, np.array(times, dtype="datetime64[us]"), **options)
    assert merged.finalize() == whole.finalize() == single


def _revenue_split(rows: list[Any], owner: list[int], k: int) -> tuple[dict[str, Any], list[Any]]:
    columns = h.changes(rows)
    return columns, h.by_key(columns["account_id"], owner, k)


@settings(max_examples=40)
@given(h.change_rows, layouts, st.sampled_from([date(2024, 8, 1), date(2025, 6, 1)]))
def test_revenue_cohorts_split_by_account_is_the_whole(
    rows: list[Any], layout: Layout, as_of: date
) -> None:
    owner, k, seed = layout
    columns, split = _revenue_split(rows, owner, k)
    parts = h.partials_of(
        lambda data, part: revenue_cohorts_partial(data, as_of=as_of, part=part), columns, split
    )
    merged = h.tree(parts, seed)
    whole = revenue_cohorts_partial(columns, as_of=as_of)
    for partial in (*parts, whole):
        h.assert_canonical(partial)
    h.assert_same_partial(merged, whole)
    assert whole.finalize() == revenue_cohorts(columns, as_of=as_of)
    h.assert_close(merged.finalize(), whole.finalize())


@settings(max_examples=40)
@given(
    h.change_rows,
    layouts,
    windows,
    st.sampled_from([0.0, 100.0]),
    st.sampled_from([None, "plan", "mapping"]),
)
def test_revenue_retention_split_by_account_is_the_whole(
    rows: list[Any], layout: Layout, window: tuple[date, date], floor: float, by: Any
) -> None:
    owner, k, seed = layout
    columns, split = _revenue_split(rows, owner, k)
    options = {
        "base_on": window[0],
        "compare_on": window[1],
        "min_base_mrr": floor,
        "by": _by(by, columns["account_id"]),
    }
    parts = h.partials_of(
        lambda data, part: revenue_retention_partial(data, **options, part=part), columns, split
    )
    merged = h.tree(parts, seed)
    whole = revenue_retention_partial(columns, **options)
    for partial in (*parts, whole):
        h.assert_canonical(partial)
    h.assert_same_partial(merged, whole)
    assert whole.finalize() == revenue_retention(columns, **options)  # one finaliser: exact
    h.assert_close(merged.finalize(), whole.finalize())


@settings(max_examples=40)
@given(
    h.change_rows,
    layouts,
    windows,
    st.fixed_dictionaries(
        {
            "period": st.sampled_from(["week", "month", "quarter"]),
            "group_within_days": st.sampled_from([0, 20]),
            "same_period_new_and_churn": st.sampled_from(["count", "ignore"]),
        }
    ),
    st.sampled_from([None, "plan", "mapping"]),
)
def test_mrr_movements_split_by_account_is_the_whole(
    rows: list[Any], layout: Layout, window: tuple[date, date], chosen: dict[str, Any], by: Any
) -> None:
    owner, k, seed = layout
    columns, split = _revenue_split(rows, owner, k)
    options = {"start": window[0], "end": window[1], **chosen, "by": _by(by, columns["account_id"])}
    parts = h.partials_of(
        lambda data, part: mrr_movements_partial(data, **options, part=part), columns, split
    )
    merged = h.tree(parts, seed)
    whole = mrr_movements_partial(columns, **options)
    for partial in (*parts, whole):
        h.assert_canonical(partial)
    h.assert_same_partial(merged, whole)
    assert whole.finalize() == mrr_movements(columns, **options)  # one finaliser: exact
    h.assert_close(merged.finalize(), whole.finalize())


# --- layouts that break what a partial requires --------------------------------------------

_CHANGES = {
    "account_id": ["A", "A", "B"],
    "effective_on": ["2024-01-10", "2024-03-05", "2024-01-20"],
    "mrr": [100.0, 40.0, 50.0],
}


def _halves() -> list[dict[str, list[Any]]]:
    """A's two changes in two partitions (B with the second)."""
    return [h.take(_CHANGES, [0]), h.take(_CHANGES, [1, 2])]


def test_an_account_split_over_partitions_gives_other_revenue_figures() -> None:
    window = {"start": date(2024, 1, 1), "end": date(2024, 5, 1)}
    moves = MRRMovementsPartial.combine(mrr_movements_partial(p, **window) for p in _halves())
    whole = mrr_movements(_CHANGES, **window)
    assert moves.finalize() != whole
    assert moves.finalize().new_mrr.sum() == 190.0 > whole.new_mrr.sum() == 150.0  # type: ignore[union-attr]

    snapshots = {"base_on": date(2024, 2, 1), "compare_on": date(2024, 4, 1)}
    kept = RevenueRetentionPartial.combine(
        revenue_retention_partial(p, **snapshots) for p in _halves()
    ).finalize()
    assert kept != revenue_retention(_CHANGES, **snapshots)

    cohorts = RevenueCohortPartial.combine(
        revenue_cohorts_partial(p, as_of=date(2024, 5, 1)) for p in _halves()
    ).finalize()
    assert cohorts != revenue_cohorts(_CHANGES, as_of=date(2024, 5, 1))
    assert cohorts.customers.sum() == 3  # A in two cohorts: 2 accounts counted 3 times
    assert MRRMovementsPartial.REQUIRES == RevenueRetentionPartial.REQUIRES == "account_id"


def test_an_entity_split_over_partitions_gives_other_activity_churn() -> None:
    ids, times = ["ana", "ana"], ["2024-01-20T09:00Z", "2024-02-20T09:00Z"]
    window = {"base_on": date(2024, 2, 1), "compare_on": date(2024, 3, 1)}
    spread = ActivityChurnPartial.combine(
        activity_churn_partial([i], [t], **window) for i, t in zip(ids, times)
    ).finalize()
    whole = activity_churn(ids, times, **window)
    assert (whole.churned_entities, whole.new_entities) == (0, 0)
    assert (spread.churned_entities, spread.new_entities) == (1, 1)  # churned here, new there


def test_a_waterfall_from_partials_has_no_movements_to_list() -> None:
    window = {"start": date(2024, 1, 1), "end": date(2024, 5, 1)}
    finalised = mrr_movements_partial(_CHANGES, **window).finalize()
    assert finalised == mrr_movements(_CHANGES, **window)
    with pytest.raises(InvalidInputError, match="finalised from partials"):
        finalised.classified  # type: ignore[union-attr]  # noqa: B018


def test_a_row_on_a_day_that_starts_no_period_is_left_out() -> None:
    window = {"start": date(2024, 1, 1), "end": date(2024, 3, 1)}
    p = mrr_movements_partial(_CHANGES, **window)
    data = p.to_dict()
    columns: dict[str, list[Any]] = data["columns"]  # type: ignore[assignment]
    odd = {name: [*values, values[0]] for name, values in columns.items()}
    odd["period_start"][-1] += 3  # 2024-01-04: inside January, but no period's first day
    assert MRRMovementsPartial.from_dict({**data, "columns": odd}).finalize() == p.finalize()
