"""Measure transforms, staleness and column kinds against hand-worked values and SciPy.

References: every transform worked by hand at its edges (arithmetic in the comments);
`reference_threshold`, a plain loop over the cut points that applies the closure rule as
written in the contract (the module uses ``numpy.searchsorted``); and
``scipy.stats.percentileofscore(kind="mean")`` called account by account on the values of
the account's group (the module ranks all accounts at once from one sort).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cshealth._exceptions import InvalidInputError
from cshealth.scoring import Measure, ThresholdsTransform
from cshealth.scoring._bands import Closure
from cshealth.scoring._inputs import Inputs
from cshealth.scoring._transforms import (
    MISSING,
    NOT_YET,
    OK,
    OUT_OF_RANGE,
    STALE,
    STATUS_TEXT,
    UNKNOWN_CATEGORY,
    column_kinds,
    freshness,
    measure_scores,
    status_codes,
)

NAN = math.nan
DAY_US = 86_400 * 1_000_000


def measure(transform: dict, **fields: object) -> Measure:
    return Measure(name="m", column="x", transform=transform, **fields)


def inputs(values: Sequence[object], dtype: object = np.float64, **extra: object) -> Inputs:
    n = len(values)
    ids = np.array([f"acc{i}" for i in range(n)], dtype=object)
    columns = {"x": np.array(values, dtype=dtype)}
    columns.update({name: np.asarray(column) for name, column in extra.items()})
    return Inputs(ids, columns)


def run(
    transform: dict,
    values: Sequence[object],
    closure: Closure = "lower_inclusive",
    dtype: object = np.float64,
    **extra: object,
) -> tuple[list[float], list[int] | None]:
    scores, status = measure_scores(measure(transform), inputs(values, dtype, **extra), closure)
    assert scores.dtype == np.float64
    assert scores.shape == (len(values),)
    if status is not None:
        assert status.dtype == np.int8
        assert status.shape == (len(values),)
    return scores.tolist(), None if status is None else status.tolist()


def same(got: list[float], want: list[float]) -> bool:
    """Equal lists of floats, NaN equal to NaN."""
    return len(got) == len(want) and all(
        (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-9)
        for a, b in zip(got, want)
    )


# --- status codes --------------------------------------------------------------------------


def test_status_codes_and_texts() -> None:
    assert list(range(6)) == [OK, MISSING, OUT_OF_RANGE, UNKNOWN_CATEGORY, STALE, NOT_YET]
    assert STATUS_TEXT == {
        OK: "ok",
        MISSING: "missing",
        OUT_OF_RANGE: "out of range",
        UNKNOWN_CATEGORY: "unknown category",
        STALE: "stale",
        NOT_YET: "observed after as_of",
    }
    codes = status_codes(np.array([1.0, NAN, 0.0]))
    assert codes.dtype == np.int8
    assert codes.tolist() == [OK, MISSING, OK]


# --- linear --------------------------------------------------------------------------------


def test_linear_by_hand() -> None:
    # worst 0 -> 0, best 10 -> 100: score = 10 * value, clamped
    scores, status = run({"kind": "linear", "worst": 0, "best": 10}, [-5, 0, 2.5, 7, 10, 15, NAN])
    assert same(scores, [0, 0, 25, 70, 100, 100, NAN])
    assert status is None  # missing where NaN, nothing else to say


def test_linear_lower_is_better() -> None:
    # worst 10 -> 0, best 0 -> 100: score = 100 - 10 * value
    scores, _ = run({"kind": "linear", "worst": 10, "best": 0}, [12, 10, 7.5, 2, 0, -3, NAN])
    assert same(scores, [0, 0, 25, 80, 100, 100, NAN])


def test_linear_fractional_range() -> None:
    # worst 0.2, best 0.9: (value - 0.2) / 0.7 * 100; 0.55 -> 50, 0.375 -> 25
    scores, _ = run({"kind": "linear", "worst": 0.2, "best": 0.9}, [0.1, 0.375, 0.55, 1.0])
    assert same(scores, [0, 25, 50, 100])


@pytest.mark.parametrize(
    ("worst", "best"), [(0, 10), (10, 0), (0.2, 0.9), (0.3, 0.9), (0.9, 0.3), (-100, 100), (1, 2.2)]
)
@pytest.mark.parametrize("kind", ["linear", "linear_bounded"])
def test_linear_edges_are_exactly_0_and_100(kind: str, worst: float, best: float) -> None:
    # the contract maps worst -> 0 and best -> 100, not a rounding error either side
    scores, status = run({"kind": kind, "worst": worst, "best": best}, [worst, best])
    assert scores == [0.0, 100.0]
    assert status in (None, [OK, OK])


def test_linear_bounded_by_hand() -> None:
    transform = {"kind": "linear_bounded", "worst": 0, "best": 10}
    scores, status = run(transform, [-0.1, 0, 5, 10, 10.1, NAN, 1e300])
    assert same(scores, [NAN, 0, 50, 100, NAN, NAN, NAN])
    assert status == [OUT_OF_RANGE, OK, OK, OK, OUT_OF_RANGE, MISSING, OUT_OF_RANGE]


def test_linear_bounded_lower_is_better() -> None:
    # worst 30 -> 0, best 10 -> 100; in range [10, 30]
    transform = {"kind": "linear_bounded", "worst": 30, "best": 10}
    scores, status = run(transform, [5, 10, 15, 30, 31, NAN])
    assert same(scores, [NAN, 100, 75, 0, NAN, NAN])
    assert status == [OUT_OF_RANGE, OK, OK, OK, OUT_OF_RANGE, MISSING]


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(
    worst=finite,
    best=finite,
    values=st.lists(st.one_of(finite, st.floats(-1e12, 1e12)), min_size=1, max_size=30),
)
def test_linear_is_monotone_and_within_0_100(
    worst: float, best: float, values: list[float]
) -> None:
    if abs(best - worst) < 1e-6 * max(1.0, abs(worst), abs(best)):
        best = worst + max(1.0, abs(worst))
    ordered = sorted([*values, worst, best])
    scores, _ = run({"kind": "linear", "worst": worst, "best": best}, ordered)
    assert all(0.0 <= s <= 100.0 for s in scores)
    steps = np.diff(scores)
    if best > worst:
        assert (steps >= 0).all()
    else:
        assert (steps <= 0).all()
    # a value at or past best scores 100, at or past worst 0 (clamped)
    low, high = min(worst, best), max(worst, best)
    for value, score in zip(ordered, scores):
        if value <= low:
            assert score == (0.0 if best > worst else 100.0)
        if value >= high:
            assert score == (100.0 if best > worst else 0.0)


@given(
    worst=finite,
    best=finite,
    values=st.lists(finite, min_size=1, max_size=30),
)
def test_linear_bounded_agrees_with_linear_inside_the_range(
    worst: float, best: float, values: list[float]
) -> None:
    if abs(best - worst) < 1e-6 * max(1.0, abs(worst), abs(best)):
        best = worst + max(1.0, abs(worst))
    low, high = min(worst, best), max(worst, best)
    values = [*values, worst, best]  # the ends are inside, scoring exactly 0 and 100
    clamped, _ = run({"kind": "linear", "worst": worst, "best": best}, values)
    bounded, status = run({"kind": "linear_bounded", "worst": worst, "best": best}, values)
    assert status is not None
    assert bounded[-2:] == clamped[-2:] == [0.0, 100.0]
    for value, a, b, code in zip(values, clamped, bounded, status):
        if low <= value <= high:
            assert code == OK
            assert b == a
        else:
            assert code == OUT_OF_RANGE
            assert math.isnan(b)


# --- thresholds ----------------------------------------------------------------------------


def reference_threshold(
    cuts: Sequence[float], scores: Sequence[float], closure: str, v: float
) -> float:
    """The contract's rule, interval by interval."""
    if math.isnan(v):
        return NAN
    for cut, score in zip(cuts, scores):
        if (v < cut) if closure == "lower_inclusive" else (v <= cut):
            return score
    return scores[-1]


NPS_CUTS = {"kind": "thresholds", "cuts": [0, 30], "scores": [0, 50, 100]}


def test_thresholds_lower_inclusive_by_hand() -> None:
    # value < 0 -> 0, 0 <= value < 30 -> 50, value >= 30 -> 100
    values = [-100, -0.001, 0, 29.999, 30, 100, NAN]
    scores, status = run(NPS_CUTS, values, "lower_inclusive")
    assert same(scores, [0, 0, 50, 50, 100, 100, NAN])
    assert status is None


def test_thresholds_upper_inclusive_by_hand() -> None:
    # value <= 0 -> 0, 0 < value <= 30 -> 50, value > 30 -> 100
    values = [-100, 0, 0.001, 30, 30.001, 100, NAN]
    scores, _ = run(NPS_CUTS, values, "upper_inclusive")
    assert same(scores, [0, 0, 50, 50, 100, 100, NAN])


@pytest.mark.parametrize("card_closure", ["lower_inclusive", "upper_inclusive"])
def test_thresholds_own_closure_overrides_the_scorecard(card_closure: Closure) -> None:
    values = [0, 30]
    upper, _ = run({**NPS_CUTS, "closure": "upper_inclusive"}, values, card_closure)
    assert upper == [0, 50]  # cut points belong to the interval below
    lower, _ = run({**NPS_CUTS, "closure": "lower_inclusive"}, values, card_closure)
    assert lower == [50, 100]  # cut points belong to the interval above


def test_thresholds_unordered_scores() -> None:
    # scores need not rise: a sweet spot in the middle
    transform = {"kind": "thresholds", "cuts": [2, 5, 9], "scores": [10, 100, 40, 0]}
    scores, _ = run(transform, [1, 2, 4, 5, 8, 9, 12])
    assert scores == [10, 100, 100, 40, 40, 0, 0]


@given(
    cuts=st.lists(st.integers(-20, 20), min_size=1, max_size=5, unique=True).map(sorted),
    data=st.data(),
    closure=st.sampled_from(["lower_inclusive", "upper_inclusive"]),
)
def test_thresholds_match_the_reference(
    cuts: list[int], data: st.DataObject, closure: Closure
) -> None:
    scores = data.draw(st.lists(st.floats(0, 100), min_size=len(cuts) + 1, max_size=len(cuts) + 1))
    values = data.draw(
        st.lists(st.one_of(st.sampled_from(cuts), st.floats(-30, 30), st.just(NAN)), max_size=30)
    )
    transform = ThresholdsTransform(cuts=cuts, scores=scores)
    got, _ = run(transform.model_dump(), values, closure)
    assert same(got, [reference_threshold(cuts, transform.scores, closure, v) for v in values])


# --- categories ----------------------------------------------------------------------------


TIERS = {"kind": "categories", "scores": {"good": 100, "average": 60, "poor": 0}}


def test_categories_by_hand() -> None:
    values = ["good", "poor", None, "average", "good"]
    scores, status = run(TIERS, values, dtype=object)
    assert same(scores, [100, 0, NAN, 60, 100])
    assert status == [OK, OK, MISSING, OK, OK]


def test_unknown_category_is_an_error_naming_account_and_categories() -> None:
    values = ["good", "Good", None, "poor"]
    with pytest.raises(InvalidInputError) as info:
        run(TIERS, values, dtype=object)
    assert str(info.value) == (
        "measure 'm', column 'x', account 'acc1': unknown category 'Good'; the known ones are "
        "['average', 'good', 'poor'] (set unknown='missing' to score it as missing)"
    )


def test_unknown_categories_error_names_one_of_them() -> None:
    values = ["bad", "good", "worse", "bad"]
    with pytest.raises(InvalidInputError) as info:
        run(TIERS, values, dtype=object)
    message = str(info.value)
    assert ("account 'acc0': unknown category 'bad'" in message) or (
        "account 'acc2': unknown category 'worse'" in message
    )


def test_unknown_category_as_missing() -> None:
    transform = {**TIERS, "unknown": "missing"}
    values = ["good", "great", None, "average", "great"]
    scores, status = run(transform, values, dtype=object)
    assert same(scores, [100, NAN, NAN, 60, NAN])
    assert status == [OK, UNKNOWN_CATEGORY, MISSING, OK, UNKNOWN_CATEGORY]


@pytest.mark.parametrize("unknown", ["error", "missing"])
def test_categories_all_missing(unknown: str) -> None:
    scores, status = run({**TIERS, "unknown": unknown}, [None, None, None], dtype=object)
    assert same(scores, [NAN, NAN, NAN])
    assert status == [MISSING, MISSING, MISSING]


def test_categories_no_accounts() -> None:
    scores, status = run(TIERS, [], dtype=object)
    assert scores == []
    assert status == []


# --- boolean -------------------------------------------------------------------------------


def test_boolean_by_hand() -> None:
    # flags arrive as 1 / 0 / NaN (read_inputs turns True/False/None into them)
    scores, status = run({"kind": "boolean"}, [1, 0, NAN, 1])
    assert same(scores, [100, 0, NAN, 100])
    assert status is None
    scores, _ = run({"kind": "boolean", "true": 20, "false": 80}, [1, 0, NAN])
    assert same(scores, [20, 80, NAN])


# --- percentile ----------------------------------------------------------------------------


def reference_percentile(
    values: Sequence[float], groups: Sequence[object] | None, higher_is_better: bool
) -> list[float]:
    """scipy's mean percentile rank of each value among the present values of its group."""
    out = []
    for i, v in enumerate(values):
        group = None if groups is None else groups[i]
        if math.isnan(v) or (groups is not None and group is None):
            out.append(NAN)
            continue
        pool = [
            w
            for j, w in enumerate(values)
            if not math.isnan(w) and (groups is None or groups[j] == group)
        ]
        rank = float(stats.percentileofscore(pool, v, kind="mean"))
        out.append(rank if higher_is_better else 100.0 - rank)
    return out


def test_percentile_by_hand() -> None:
    # values 10, 20, 20, 40 (and one missing): n = 4
    # 10: (0 below + 0.5 * 1 equal) / 4 = 12.5; 20: (1 + 0.5 * 2) / 4 = 50; 40: (3 + 0.5) / 4 = 87.5
    scores, status = run({"kind": "percentile"}, [20, 10, NAN, 40, 20])
    assert same(scores, [50, 12.5, NAN, 87.5, 50])
    assert status is None
    lower, _ = run({"kind": "percentile", "higher_is_better": False}, [20, 10, NAN, 40, 20])
    assert same(lower, [50, 87.5, NAN, 12.5, 50])


def test_percentile_one_account_and_all_equal() -> None:
    assert run({"kind": "percentile"}, [7])[0] == [50.0]
    assert run({"kind": "percentile"}, [3, 3, 3])[0] == [50.0, 50.0, 50.0]
    assert same(run({"kind": "percentile"}, [NAN, NAN])[0], [NAN, NAN])
    assert run({"kind": "percentile"}, [])[0] == []


def test_percentile_within_groups_by_hand() -> None:
    # smb: 1, 2 -> 25, 75; ent: 5 alone -> 50; the account without a segment is missing
    values = [1, 5, 2, 9]
    groups = np.array(["smb", "ent", "smb", None], dtype=object)
    scores, _ = run({"kind": "percentile", "by": "segment"}, values, segment=groups)
    assert same(scores, [25, 50, 75, NAN])


def test_percentile_groups_of_numbers() -> None:
    values = [1, 5, 2, 9, 3]
    groups = np.array([1.0, 2.0, 1.0, NAN, 2.0])
    scores, _ = run({"kind": "percentile", "by": "tier"}, values, tier=groups)
    # tier 1: 1, 2 -> 25, 75; tier 2: 5, 3 -> 75, 25; NaN tier -> missing
    assert same(scores, [25, 75, 75, NAN, 25])


@given(
    values=st.lists(
        st.one_of(st.integers(0, 5).map(float), st.floats(-10, 10), st.just(NAN)), max_size=40
    ),
    data=st.data(),
    higher_is_better=st.booleans(),
    grouped=st.booleans(),
)
def test_percentile_matches_scipy(
    values: list[float], data: st.DataObject, higher_is_better: bool, grouped: bool
) -> None:
    transform = {"kind": "percentile", "higher_is_better": higher_is_better}
    if grouped:
        groups = data.draw(
            st.lists(
                st.sampled_from(["a", "b", "c", None]), min_size=len(values), max_size=len(values)
            )
        )
        got, _ = run({**transform, "by": "seg"}, values, seg=np.array(groups, dtype=object))
    else:
        groups = None
        got, _ = run(transform, values)
    want = reference_percentile(values, groups, higher_is_better)
    assert same(got, want)
    assert all(0 < s < 100 for s in got if not math.isnan(s))


# --- freshness -----------------------------------------------------------------------------


AS_OF = np.datetime64("2026-01-31T00:00:00", "us")


def at(text: str) -> np.datetime64:
    return np.datetime64(text, "us")


def test_freshness_by_hand() -> None:
    observed = np.array(
        [
            at("2026-01-30T00:00"),  # 1 day old: fresh
            at("2026-01-01T00:00"),  # exactly 30 days old: not stale
            at("2025-12-31T23:59:59.999999"),  # 30 days and a microsecond: stale
            np.datetime64("NaT", "us"),  # no time: stale
            at("2026-01-31T00:00"),  # observed at as_of: not yet known
            at("2026-02-15T00:00"),  # observed after as_of: not yet known
            at("2020-01-01T00:00"),  # old, but the value is missing anyway
            np.datetime64("NaT", "us"),  # no time, no value
            at("2026-02-01T00:00"),  # a missing value observed later stays missing
        ]
    )
    scores = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, NAN, NAN, NAN])
    status = freshness(scores, None, observed, max_age_days=30, as_of=AS_OF)
    assert status.dtype == np.int8
    assert status.tolist() == [OK, OK, STALE, STALE, NOT_YET, NOT_YET, MISSING, MISSING, MISSING]
    # scores are changed in place
    assert same(scores.tolist(), [10, 20, NAN, NAN, NAN, NAN, NAN, NAN, NAN])


def test_freshness_keeps_earlier_codes_and_takes_fractional_days() -> None:
    observed = np.array(
        [at("2026-01-31T00:00"), at("2026-01-30T12:00"), at("2026-01-30T11:59"), at("2020-01-01")]
    )
    scores = np.array([NAN, 5.0, 6.0, NAN])
    status = np.array([OUT_OF_RANGE, OK, OK, UNKNOWN_CATEGORY], dtype=np.int8)
    out = freshness(scores, status, observed, max_age_days=0.5, as_of=AS_OF)
    assert out is status
    # half a day: 12:00 the day before is exactly 0.5 days old (kept), 11:59 is older (stale)
    assert out.tolist() == [OUT_OF_RANGE, OK, STALE, UNKNOWN_CATEGORY]
    assert same(scores.tolist(), [NAN, 5, NAN, NAN])


def test_freshness_other_time_units() -> None:
    observed = np.array(["2026-01-21", "2026-01-20", "NaT"], dtype="datetime64[D]")
    scores = np.array([1.0, 2.0, 3.0])
    as_of = np.datetime64("2026-01-31", "D")
    status = freshness(scores, None, observed, max_age_days=10, as_of=as_of)
    assert status.tolist() == [OK, STALE, STALE]


@given(
    ages=st.lists(st.integers(-5 * DAY_US, 60 * DAY_US), min_size=1, max_size=20),
    max_age=st.integers(1, 40),
)
def test_freshness_matches_a_plain_rule(ages: list[int], max_age: int) -> None:
    limit = int(AS_OF.astype(np.int64))
    observed = np.array([limit - age for age in ages], dtype=np.int64).view("datetime64[us]")
    scores = np.full(len(ages), 50.0)
    status = freshness(scores, None, observed, max_age_days=max_age, as_of=AS_OF)
    for age, code in zip(ages, status.tolist()):
        if age <= 0:
            assert code == NOT_YET
        elif age > max_age * DAY_US:
            assert code == STALE
        else:
            assert code == OK


# --- column kinds --------------------------------------------------------------------------


def test_column_kinds() -> None:
    measures = (
        Measure(name="a", column="logins", transform={"kind": "linear", "worst": 0, "best": 1}),
        Measure(
            name="b", column="util", transform={"kind": "linear_bounded", "worst": 0, "best": 1}
        ),
        Measure(
            name="c",
            column="nps",
            transform={"kind": "thresholds", "cuts": [0], "scores": [0, 100]},
        ),
        Measure(name="d", column="tier", transform={"kind": "categories", "scores": {"a": 1}}),
        Measure(name="e", column="champion", transform={"kind": "boolean"}),
        Measure(name="f", column="mrr", transform={"kind": "percentile", "by": "segment"}),
        Measure(name="g", column="arr", transform={"kind": "percentile"}),
        Measure(
            name="h",
            column="csat",
            transform={"kind": "linear", "worst": 1, "best": 5},
            max_age_days=90,
            observed_at="csat_at",
        ),
        # the same column read twice the same way is fine
        Measure(name="i", column="logins", transform={"kind": "percentile"}),
        Measure(
            name="j",
            column="nps",
            transform={"kind": "linear", "worst": -100, "best": 100},
            max_age_days=30,
            observed_at="csat_at",
        ),
    )
    assert column_kinds(measures) == {
        "logins": "number",
        "util": "number",
        "nps": "number",
        "tier": "text",
        "champion": "flag",
        "mrr": "number",
        "segment": "raw",
        "arr": "number",
        "csat": "number",
        "csat_at": "instant",
    }
    assert column_kinds(()) == {}


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (
            {"kind": "boolean"},
            {"kind": "linear", "worst": 0, "best": 1},
            "measure 'b' reads column 'x' as number, another measure reads it as flag",
        ),
        (
            {"kind": "categories", "scores": {"a": 1}},
            {"kind": "boolean"},
            "measure 'b' reads column 'x' as flag, another measure reads it as text",
        ),
        (
            {"kind": "linear", "worst": 0, "best": 1},
            {"kind": "categories", "scores": {"a": 1}},
            "measure 'b' reads column 'x' as text, another measure reads it as number",
        ),
    ],
)
def test_column_kind_conflict(first: dict, second: dict, message: str) -> None:
    measures = (
        Measure(name="a", column="x", transform=first),
        Measure(name="b", column="x", transform=second),
    )
    with pytest.raises(InvalidInputError) as info:
        column_kinds(measures)
    assert str(info.value) == message


def test_column_kind_conflict_through_by_and_observed_at() -> None:
    # grouping by a column (`by`) reads it as it is, so it gives way to any other reading
    by_number = (
        Measure(name="a", column="mrr", transform={"kind": "linear", "worst": 0, "best": 1}),
        Measure(name="b", column="arr", transform={"kind": "percentile", "by": "mrr"}),
        Measure(name="c", column="seg", transform={"kind": "percentile", "by": "mrr"}),
    )
    assert column_kinds(by_number) == {"mrr": "number", "arr": "number", "seg": "number"}
    by_text = (
        Measure(name="a", column="x", transform={"kind": "percentile", "by": "segment"}),
        Measure(name="b", column="segment", transform={"kind": "categories", "scores": {"s": 1}}),
    )
    assert column_kinds(by_text) == {"x": "number", "segment": "text"}
    stamp_as_number = (
        Measure(
            name="a",
            column="x",
            transform={"kind": "boolean"},
            max_age_days=1,
            observed_at="seen",
        ),
        Measure(name="b", column="seen", transform={"kind": "linear", "worst": 0, "best": 1}),
    )
    with pytest.raises(
        InvalidInputError,
        match="measure 'b' reads column 'seen' as number, another measure reads it as instant",
    ):
        column_kinds(stamp_as_number)
