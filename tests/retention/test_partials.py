"""Retention's partials: any split, merged along any tree, is the whole; keys refuse mixing.

For survival and the cohort tables: random rows split into random partitions (empty and
one-row ones included; for `CohortPartial` each entity's events in one partition),
merged along a random tree, equal the partial of all the rows, and finalise to what the
single-machine function gives on all of them; that function is the finalised partial of
all the rows. Merging is commutative and associative with the empty partial as identity.
Every kind refuses partials computed with another value of each option, the same
partition twice, and survives pickle, JSON and Arrow. A split that breaks what a partial
requires gives another answer (so a wrong layout is never mistaken for a right one).
The churn and revenue partials are in ``test_partials_churn.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.retention import partial_helpers as h

from cshealth import InvalidInputError, retention
from cshealth._partial import Partial, PartialKey, PartialMismatchError
from cshealth.retention import (
    CohortPartial,
    LogoCohortPartial,
    SurvivalPartial,
    cohort_table,
    cohort_table_partial,
    kaplan_meier,
    kaplan_meier_partial,
    logo_cohorts,
    logo_cohorts_partial,
    survival,
    survival_partial,
)

pytest.importorskip("pyarrow")

#: Where rows go: an owner per row, the number of partitions, the seed of the merge tree.
layouts = st.tuples(
    st.lists(st.integers(0, 100), min_size=60, max_size=60),
    st.integers(1, 5),
    st.integers(0, 10**4),
)
Layout = tuple[list[int], int, int]
as_ofs = st.sampled_from([date(2024, 9, 1), date(2025, 1, 15), date(2025, 6, 30)])
bys: st.SearchStrategy[Any] = st.sampled_from([None, "segment", "mapping"])


def _by(by: object, columns: dict[str, list[Any]]) -> object:
    """A column name as it is, or a mapping of some of the ids to groups."""
    if by != "mapping":
        return by
    return {i: ("odd" if n % 2 else "even") for n, i in enumerate(columns["id"]) if n % 3}


# --- survival ------------------------------------------------------------------------------


@settings(max_examples=60)
@given(h.account_rows, layouts, as_ofs, st.sampled_from(["day", "week", "month"]), bys)
def test_survival_any_split_merged_along_any_tree_is_the_whole(
    rows: list[Any], layout: Layout, as_of: date, unit: str, by: Any
) -> None:
    owner, k, seed = layout
    columns = h.accounts(rows)
    options = {"as_of": as_of, "time_unit": unit, "by": _by(by, columns)}
    parts = h.partials_of(
        lambda data, part: survival_partial(data, **options, part=part),
        columns,
        h.split(len(rows), owner, k),
    )
    merged = h.tree(parts, seed)
    whole = survival_partial(columns, **options)
    for partial in (*parts, whole):
        h.assert_canonical(partial)
    assert merged.key == whole.key
    assert merged.parts == tuple(f"p{i}" for i in range(k))
    assert merged.columns.keys() == whole.columns.keys()
    assert all(np.array_equal(merged.columns[c], whole.columns[c]) for c in whole.columns)
    assert merged.finalize() == whole.finalize() == survival(columns, **options)


@given(h.account_rows, as_ofs, st.sampled_from([None, "segment"]))
def test_survival_is_its_partial_finalised(rows: list[Any], as_of: date, by: str | None) -> None:
    columns = h.accounts(rows)
    curve = survival(columns, as_of=as_of, by=by)
    assert curve == survival_partial(columns, as_of=as_of, by=by).finalize()
    if by is not None:  # the overall curve, from the groups' pooled rows, is the ungrouped one
        assert curve.overall == survival(columns, as_of=as_of)  # type: ignore[union-attr]


@given(st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=30), layouts)
def test_kaplan_meier_partials_merge_into_the_curve_of_all(
    rows: list[tuple[int, bool]], layout: Layout
) -> None:
    owner, k, seed = layout
    durations = [float(d) / 4 for d, _ in rows]
    observed = [o for _, o in rows]
    parts = [
        kaplan_meier_partial([durations[i] for i in p], [observed[i] for i in p], part=f"p{n}")
        for n, p in enumerate(h.split(len(rows), owner, k))
    ]
    merged = h.tree(parts, seed)
    whole = kaplan_meier_partial(durations, observed)
    h.assert_same_partial(merged, whole)
    assert merged.finalize() == whole.finalize() == kaplan_meier(durations, observed)


def test_an_account_in_two_partitions_is_counted_twice_as_the_docs_say() -> None:
    one = {"start_date": ["2025-01-01"], "end_date": ["2025-01-31"]}
    twice = (survival_partial(one, as_of=date(2025, 3, 1), part=p) for p in "ab")
    curve = SurvivalPartial.combine(twice).finalize()
    assert curve.counts.n == 2  # type: ignore[union-attr]
    assert curve == survival({k: v * 2 for k, v in one.items()}, as_of=date(2025, 3, 1))


def test_the_ungrouped_are_counted_per_time() -> None:
    columns = {
        "start_date": ["2025-01-01"] * 3,
        "end_date": ["2025-01-31", "2025-01-31", None],
        "segment": [None, "(none)", None],  # a label that reads '(none)' is not missing
    }
    p = survival_partial(columns, as_of=date(2025, 3, 1), by="segment")
    assert p.columns["group"].tolist() == ["(none)", "(none)"]
    assert p.columns["time"].tolist() == [30.0, 59.0]
    assert p.columns["events"].tolist() == [2, 0]
    assert p.columns["ungrouped"].tolist() == [1, 1]  # one of the two churns, the censored
    assert p.finalize() == survival(columns, as_of=date(2025, 3, 1), by="segment")


def test_a_time_without_subjects_is_dropped_when_finalising() -> None:
    key = PartialKey.of("survival", time_unit="day", as_of="", by="")
    columns = {"group": ["", ""], "time": [1.0, 2.0], "events": [0, 1]}
    p = SurvivalPartial(key, {**columns, "censored": [0, 0], "ungrouped": [0, 0]})
    assert p.finalize() == kaplan_meier([2.0])


# --- cohort tables -------------------------------------------------------------------------


cohort_options = st.fixed_dictionaries(
    {
        "as_of": as_ofs,
        "period": st.sampled_from(["week", "month", "quarter"]),
        "mode": st.sampled_from(["on", "on_or_after"]),
        "timezone": st.sampled_from(["UTC", "Europe/Berlin"]),
    }
)


@settings(max_examples=60)
@given(h.event_rows, layouts, cohort_options)
def test_cohort_table_split_by_entity_merged_along_any_tree_is_the_whole(
    rows: list[tuple[int, int]], layout: Layout, options: dict[str, Any]
) -> None:
    owner, k, seed = layout
    ids = [f"u{e}" for e, _ in rows]
    days = [h.day(d) for _, d in rows]
    parts = [
        cohort_table_partial([ids[i] for i in p], [days[i] for i in p], **options, part=f"p{n}")
        for n, p in enumerate(h.by_key(ids, owner, k))
    ]
    merged = h.tree(parts, seed)
    whole = cohort_table_partial(ids, days, **options)
    for partial in (*parts, whole):
        h.assert_canonical(partial)
    h.assert_same_partial(merged, whole)
    assert merged.finalize() == whole.finalize() == cohort_table(ids, days, **options)


@settings(max_examples=60)
@given(h.account_rows, layouts, as_ofs, st.sampled_from(["week", "month", "year"]))
def test_logo_cohorts_any_split_merged_along_any_tree_is_the_whole(
    rows: list[Any], layout: Layout, as_of: date, period: str
) -> None:
    owner, k, seed = layout
    columns = h.accounts(rows)
    options: dict[str, Any] = {"as_of": as_of, "period": period}
    parts = h.partials_of(
        lambda data, part: logo_cohorts_partial(data, **options, part=part),
        columns,
        h.split(len(rows), owner, k),
    )
    merged = h.tree(parts, seed)
    whole = logo_cohorts_partial(columns, **options)
    for partial in (*parts, whole):
        h.assert_canonical(partial)
    h.assert_same_partial(merged, whole)
    assert merged.finalize() == whole.finalize() == logo_cohorts(columns, **options)


def test_an_entity_split_over_partitions_gives_another_table() -> None:
    """`CohortPartial` requires each entity's events in one partition: else, wrong."""
    ids, days = ["a", "a", "b"], ["2025-01-04", "2025-02-11", "2025-01-20"]
    whole = cohort_table(ids, days, as_of=date(2025, 4, 1))
    spread = CohortPartial.combine(
        cohort_table_partial([i], [d], as_of=date(2025, 4, 1), part=str(n))
        for n, (i, d) in enumerate(zip(ids, days))
    ).finalize()
    assert CohortPartial.REQUIRES == "entity_id"
    assert spread != whole
    assert sum(spread.sizes.tolist()) == 3 > sum(whole.sizes.tolist()) == 2  # "a" twice


def test_cohort_finalize_leaves_out_rows_no_table_has() -> None:
    """Rows of a hand-made partial outside the table (no cohort, after as_of) are ignored."""
    key = PartialKey.of("cohorts", period="month", mode="on", as_of="2025-03-01", timezone="UTC")
    jan, apr = 20089, 20179  # 2025-01-01 and 2025-04-01
    columns = {"cohort": [jan, jan, apr, jan], "offset": [0, 1, 0, 5]}
    p = CohortPartial(key, {**columns, "size": [2, 0, 4, 0], "retained": [2, 1, 4, 9]})
    table = p.finalize()
    assert table.sizes.tolist() == [2]
    assert table.counts.tolist() == [[2, 1]]


# --- every kind: identity, order, keys, parts, serial forms ---------------------------------


_ACCOUNTS = h.accounts(
    [(0, 40, "smb"), (10, None, "ent"), (35, 200, None), (70, 5, "smb"), (300, None, "")]
)
_CHANGES = h.changes(
    [
        (0, 0, 100.0),
        (0, 60, 150.5),
        (1, 10, 99.99),
        (1, 200, 0.0),
        (2, 90, 1000 / 3),
        (2, 250, 10.0),
        (3, 400, 2500.0),
        (1, 300, 0.1),
    ]
)
_IDS = ["u1", "u1", "u2", "u3", "u3", "u4"]
_DAYS = [h.day(d) for d in (3, 40, 20, 33, 95, 130)]
_TIMES = [np.datetime64(h.day(d)) for d in (3, 40, 20, 33, 95, 130)]

#: Per kind: how to make a partial from some rows, the default options, and one other
#: value of every option that is in its key.
KINDS: dict[str, tuple[Callable[..., Partial], dict[str, Any], dict[str, Any]]] = {
    "survival": (
        lambda **o: survival_partial(_ACCOUNTS, **o),
        {"as_of": date(2025, 1, 1)},
        {"as_of": date(2025, 1, 2), "time_unit": "week", "by": "segment"},
    ),
    "kaplan_meier": (
        lambda **o: kaplan_meier_partial([1, 2, 2, 5], [1, 0, 1, 1], **o),
        {},
        {"time_unit": "month"},
    ),
    "cohorts": (
        lambda **o: cohort_table_partial(_IDS, _DAYS, **o),
        {"as_of": date(2024, 7, 1)},
        {
            "as_of": date(2024, 7, 2),
            "period": "week",
            "mode": "on_or_after",
            "timezone": "Asia/Tokyo",
        },
    ),
    "logo_cohorts": (
        lambda **o: logo_cohorts_partial(_ACCOUNTS, **o),
        {"as_of": date(2025, 1, 1)},
        {"as_of": date(2025, 1, 2), "period": "quarter"},
    ),
    "revenue_cohorts": (
        lambda **o: retention.revenue_cohorts_partial(_CHANGES, **o),
        {"as_of": date(2025, 3, 1)},
        {"as_of": date(2025, 3, 2), "period": "year"},
    ),
    "logo_churn": (
        lambda **o: retention.logo_churn_partial(_ACCOUNTS, **o),
        {"base_on": date(2024, 2, 1), "compare_on": date(2024, 5, 1)},
        {
            "base_on": date(2024, 1, 15),
            "compare_on": date(2024, 6, 1),
            "denominator": "customer_days",
            "by": "segment",
        },
    ),
    "activity_churn": (
        lambda **o: retention.activity_churn_partial(_IDS, _TIMES, **o),
        {"base_on": date(2024, 2, 1), "compare_on": date(2024, 5, 1)},
        {
            "base_on": date(2024, 1, 15),
            "compare_on": date(2024, 6, 1),
            "inactive_after": np.timedelta64(10, "D").item(),
        },
    ),
    "revenue_retention": (
        lambda **o: retention.revenue_retention_partial(_CHANGES, **o),
        {"base_on": date(2024, 2, 1), "compare_on": date(2024, 12, 1)},
        {
            "base_on": date(2024, 1, 15),
            "compare_on": date(2025, 1, 1),
            "min_base_mrr": 50.0,
            "by": "plan",
        },
    ),
    "mrr_movements": (
        lambda **o: retention.mrr_movements_partial(_CHANGES, **o),
        {"start": date(2024, 1, 1), "end": date(2025, 3, 1)},
        {
            "start": date(2024, 1, 2),
            "end": date(2025, 4, 1),
            "period": "quarter",
            "group_within_days": 30,
            "same_period_new_and_churn": "ignore",
            "by": "plan",
        },
    ),
}
OPTIONS = [(kind, option) for kind, (_, _, other) in KINDS.items() for option in other]


@pytest.mark.parametrize(("kind", "option"), OPTIONS)
def test_partials_computed_with_another_option_are_refused(kind: str, option: str) -> None:
    make, defaults, other = KINDS[kind]
    a = make(**defaults)
    b = make(**{**defaults, option: other[option]})
    assert a.key != b.key
    with pytest.raises(PartialMismatchError, match=option):
        a.merge(b)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_identity_order_parts_and_serial_forms(kind: str) -> None:
    make, defaults, other = KINDS[kind]
    grouped = {name: value for name, value in other.items() if name == "by"}
    for options in ({**defaults, "part": "a"}, {**defaults, **grouped, "part": "a"}):
        a = make(**options)
        b, c = make(**{**options, "part": "b"}), make(**{**options, "part": "c"})
        assert len(a) > 0
        empty = type(a).empty(a.key)
        assert empty + a == a == a + empty
        assert empty.finalize() == empty.merge(empty).finalize()
        h.assert_same_partial(a + b, b + a)
        h.assert_same_partial((a + b) + c, a + (b + c))
        with pytest.raises(PartialMismatchError, match="'a'"):
            (a + b).merge(a)
        h.assert_canonical(a + b)
        h.round_trips(a + b)
        h.round_trips(empty)
        _refuses_bad_counts(a)
        h.assert_close((a + b).finalize(), (b + a).finalize())


def _refuses_bad_counts(partial: Partial) -> None:
    data = partial.to_dict()
    name = type(partial).COUNT_COLUMNS[0]
    columns: dict[str, list[Any]] = dict(data["columns"])  # type: ignore[call-overload]
    for bad in (-1, 0.5):
        broken = {**data, "columns": {**columns, name: [bad] * len(columns[name])}}
        with pytest.raises(InvalidInputError, match=name):
            type(partial).from_dict(broken)


def test_kinds_do_not_mix() -> None:
    logo = logo_cohorts_partial(_ACCOUNTS, as_of=date(2025, 1, 1))
    events = cohort_table_partial(_IDS, _DAYS, as_of=date(2025, 1, 1))
    with pytest.raises(PartialMismatchError):
        events.merge(logo)  # type: ignore[arg-type]
    assert (LogoCohortPartial.REQUIRES, CohortPartial.REQUIRES) == (None, "entity_id")


@pytest.mark.parametrize("part", [3, "", ["p0"]])
def test_a_part_is_a_name(part: object) -> None:
    with pytest.raises(InvalidInputError, match="`part`"):
        survival_partial(_ACCOUNTS, as_of=date(2025, 1, 1), part=part)  # type: ignore[arg-type]


def test_a_partition_without_rows_keeps_its_name() -> None:
    none = {"id": [], "start_date": [], "end_date": []}
    p = logo_cohorts_partial(none, as_of=date(2025, 1, 1), part="p9")
    assert len(p) == 0
    assert p.parts == ("p9",)
    assert p.finalize() == logo_cohorts(none, as_of=date(2025, 1, 1))
    grouped = survival_partial({**none, "segment": []}, as_of=date(2025, 1, 1), by="segment")
    assert grouped.finalize() == survival(
        {**none, "segment": []}, as_of=date(2025, 1, 1), by="segment"
    )
    assert kaplan_meier_partial([]).finalize() == kaplan_meier([])
