"""``nps.breakdown`` and ``nps.holm`` against plain references.

References: group scores recomputed by grouping in Python and calling ``nps.score`` on each
group's responses alone (the one grouped rule: every group is the ungrouped answer on its
own rows, ``overall`` the answer on all of them); group-versus-rest tests recomputed with
``nps.compare`` on the complement; Holm's adjustment written twice more, as the textbook
loop (Holm 1979) and by ranks, and checked on a worked example.
"""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cshealth import NO_GROUP, Grouped, InvalidInputError
from cshealth.nps import NPSBreakdown, breakdown, compare, holm, score

UTC = timezone.utc


def holm_loop(pvalues: list[float]) -> list[float]:
    """Holm's adjusted p-values, the step-down procedure written out."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def test_holm_worked_example() -> None:
    # four tests at alpha 0.05: only the smallest (0.005 -> 0.02) and 0.01 (-> 0.03) survive
    assert holm([0.01, 0.04, 0.03, 0.005]).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])


@given(st.lists(st.floats(0.0, 1.0), max_size=12))
def test_holm_matches_the_loop_and_never_lowers_a_pvalue(pvalues: list[float]) -> None:
    adjusted = holm(pvalues)
    assert adjusted.tolist() == pytest.approx(holm_loop(pvalues))
    assert np.all(adjusted >= np.asarray(pvalues) - 1e-15)
    assert np.all(adjusted <= 1.0)


def test_holm_skips_untested_entries_and_refuses_bad_pvalues() -> None:
    adjusted = holm([0.01, float("nan"), 0.02])
    assert adjusted[1] != adjusted[1]
    assert adjusted[[0, 2]].tolist() == pytest.approx([0.02, 0.02])
    with pytest.raises(InvalidInputError, match=r"`pvalues` must lie in \[0, 1\]"):
        holm([0.5, 1.5])


def random_data(seed: int, n: int = 2000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    touchpoint = rng.choice(["onboarding", "support", "renewal", "in_app"], n).astype(object)
    touchpoint[::29] = None
    scores = rng.integers(0, 11, n)
    scores[touchpoint == "support"] = rng.integers(0, 9, int((touchpoint == "support").sum()))
    return {
        "account_id": rng.choice([f"A{i}" for i in range(30)], n).astype(object),
        "touchpoint": touchpoint,
        "score": scores,
        "submitted_at": np.datetime64("2025-01-01", "us")
        + rng.integers(0, 200 * 86_400_000_000, n).astype("timedelta64[us]"),
    }


def flag(result: NPSBreakdown, name: str, label: str) -> object:
    """One group's entry of an array property (``small``, ``significant``, ``pvalues``)."""
    return getattr(result, name)[result.labels.index(label)]


def test_groups_match_a_plain_grouping() -> None:
    data = random_data(seed=1)
    result = breakdown(data, by="touchpoint")
    groups: dict[str, list[int]] = defaultdict(list)
    for label, value in zip(data["touchpoint"], data["score"]):
        groups[NO_GROUP if label is None else label].append(int(value))
    assert list(result) == sorted(groups) == result.labels
    for label, res in result.items():
        assert res.tally == score(groups[label], min_n=0).tally
        rest = [v for other, values in groups.items() if other != label for v in values]
        expected = compare(score(rest, min_n=0), score(groups[label], min_n=0))
        test = result.versus_rest[label]
        assert test is not None
        assert test.b == res
        assert test.a.n == result.overall.n - res.n
        assert test.difference == pytest.approx(expected.difference)
        assert test.pvalue == pytest.approx(expected.pvalue)
    raw = [result.versus_rest[label].pvalue for label in result]  # type: ignore[union-attr]
    assert result.pvalues.tolist() == pytest.approx(holm_loop(raw))
    assert result.overall.n == len(data["score"])
    assert result.ungrouped == len(groups[NO_GROUP])
    assert flag(result, "significant", "support")  # support was drawn from 0..8 only


def test_without_correction_the_raw_pvalues_are_reported() -> None:
    result = breakdown(random_data(seed=2), by="touchpoint", correction="none")
    tests = [result.versus_rest[label] for label in result]
    assert result.pvalues.tolist() == [t.pvalue for t in tests]  # type: ignore[union-attr]


def test_grouping_by_an_account_attribute() -> None:
    data = random_data(seed=3)
    segments = {f"A{i}": ("enterprise" if i < 10 else "smb") for i in range(25)}  # A25+ unknown
    result = breakdown(data, by=segments)
    assert result.by == "account"
    expected = {"enterprise": 0, "smb": 0, NO_GROUP: 0}
    for account in data["account_id"]:
        expected[segments.get(account, NO_GROUP)] += 1
    assert {label: res.n for label, res in result.items()} == expected
    assert result.ungrouped == expected[NO_GROUP]


def test_labels_per_response_are_refused_and_a_column_follows_the_kind_filter() -> None:
    data = {"kind": ["nps", "csat", "nps", "nps"], "score": [10, 2, 0, 9]}
    labels = ["x", "y", "z", "x"]
    for per_row in (labels, tuple(labels), np.array(labels), pd.Series(labels)):
        with pytest.raises(InvalidInputError, match="add the labels as a column of the responses"):
            breakdown(data, by=per_row)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="`by` must be a column name or a mapping"):
        breakdown(data, by=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        breakdown(data, "group")  # type: ignore[misc]  # `by` is keyword-only
    result = breakdown({**data, "group": labels}, by="group", min_n=0)
    assert result.by == "group"
    assert {label: res.n for label, res in result.items()} == {"x": 2, "z": 1}
    assert result["x"].promoters == 2


def test_weights_and_time_window() -> None:
    data = random_data(seed=4, n=500)
    weights = np.random.default_rng(4).uniform(0.0, 2.0, 500)
    end, start = date(2025, 5, 1), datetime(2025, 2, 1, tzinfo=UTC)
    result = breakdown(data, by="touchpoint", weights=weights, start=start, end=end)
    times = data["submitted_at"]
    inside = (times < np.datetime64(end, "us")) & (times >= np.datetime64("2025-02-01", "us"))
    for label, res in result.items():
        value = None if label == NO_GROUP else label
        rows = inside & np.array([t == value for t in data["touchpoint"]])
        expected = score(data["score"][rows], weights=weights[rows], min_n=0)
        assert res == expected  # the group alone, weights and all
    whole = score(data["score"][inside], weights=weights[inside], min_n=0)
    assert result.overall == whole


def test_end_and_start_each_alone() -> None:
    data = random_data(seed=7, n=400)
    times = data["submitted_at"]
    cut = np.datetime64("2025-03-01", "us")
    before = breakdown(data, by="touchpoint", end=date(2025, 3, 1))
    after = breakdown(data, by="touchpoint", start=date(2025, 3, 1))
    assert before.overall.n == int((times < cut).sum())
    assert after.overall.n == int((times >= cut).sum())


def test_small_groups_and_single_group() -> None:
    result = breakdown({"plan": ["pro"] * 5 + ["free"] * 40, "score": [9] * 45}, by="plan")
    assert result.labels == ["free", "pro"]
    assert result.small.tolist() == [False, True]
    alone = breakdown({"plan": ["pro"] * 3, "score": [9, 9, 1]}, by="plan", min_n=0)
    assert list(alone) == ["pro"]
    assert alone.versus_rest == {"pro": None}
    assert np.isnan(alone.pvalues).all()
    assert alone.significant.tolist() == [False]
    assert alone["pro"] == alone.overall


def test_views_and_export() -> None:
    result = breakdown(random_data(seed=5), by="touchpoint")
    assert result.labels == ["(none)", "in_app", "onboarding", "renewal", "support"]
    assert result.scores.tolist() == [res.score for res in result.values()]
    exported = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert exported["by"] == "touchpoint"
    assert list(exported["groups"]) == result.labels
    assert exported["groups"]["support"] == result["support"].to_dict()
    assert exported["overall"] == result.overall.to_dict()
    assert exported["versus_rest"]["support"]["pvalue"] == result.versus_rest["support"].pvalue  # type: ignore[union-attr]
    assert list(exported["pvalues"].values()) == result.pvalues.tolist()
    assert list(exported["significant"].values()) == result.significant.tolist()
    assert list(exported["small"].values()) == result.small.tolist()
    assert (exported["ungrouped"], exported["correction"], exported["min_n"]) == (
        result.ungrouped,
        "holm",
        30,
    )
    lines = result.format().splitlines()
    assert lines[0].split() == ["group", "NPS", "n", "interval", "vs", "rest"]
    assert [line.split()[0] for line in lines[1:]] == ["(all)", *result.labels]
    assert len(lines) == 7
    assert "5 groups" in repr(result)
    assert repr(result["support"]).startswith("NPSResult(score=")
    with pytest.raises(KeyError, match="no group 'sales'"):
        result["sales"]


def test_format_marks_and_layout() -> None:
    answers = {
        "touchpoint": ["onboarding"] * 3 + ["support"] * 5 + ["renewal"] * 2,
        "score": [10, 9, 9, 3, 2, 6, 4, 5, 10, 8],
    }
    assert breakdown(answers, by="touchpoint").format() == "\n".join(
        [
            "group         NPS       n  interval         vs rest",
            "(all)       -10.0      10  [-56.4,  41.0]",
            "onboarding  100.0       3  [ -6.6, 100.0]   +90.0 * ?",
            "renewal      50.0       2  [-39.4,  79.4]   +38.2 ?",
            "support    -100.0       5  [-100.0, -17.5]  -112.5 * ?",
        ]
    )


def test_frames_and_records_read_alike() -> None:
    data = random_data(seed=6, n=300)
    expected = breakdown(data, by="touchpoint").to_dict()
    assert breakdown(pd.DataFrame(data), by="touchpoint").to_dict() == expected


def test_to_pandas_has_one_row_per_group() -> None:
    result = breakdown(random_data(seed=8, n=600), by="touchpoint", min_n=120)
    frame = result.to_pandas()
    assert list(frame.columns) == [
        "group", "score", "n", "unanswered", "low", "high", "small",
        "difference_from_rest", "pvalue", "significant",
    ]  # fmt: skip
    assert frame["group"].tolist() == result.labels
    low, high = result.confidence_interval()
    for label, row in zip(result.labels, frame.itertuples(index=False)):
        res, test = result[label], result.versus_rest[label]
        assert test is not None
        assert (row.score, row.n, row.unanswered) == (res.score, res.n, res.unanswered)
        assert (row.low, row.high) == tuple(res.confidence_interval())
        assert row.small == (res.n < 120)
        assert row.difference_from_rest == test.difference
        assert row.pvalue == flag(result, "pvalues", label)
        assert row.significant == flag(result, "significant", label)
    assert frame["low"].tolist() == low.tolist()
    assert frame["high"].tolist() == high.tolist()
    assert frame["small"].any()
    alone = breakdown({"plan": ["pro"] * 3, "score": [9, 9, 1]}, by="plan", min_n=0).to_pandas()
    assert np.isnan(alone["difference_from_rest"][0])
    assert np.isnan(alone["pvalue"][0])


def test_the_grouped_shape() -> None:
    data = random_data(seed=9, n=400)
    result = breakdown(data, by="touchpoint")
    assert isinstance(result, Grouped)
    assert isinstance(result, Mapping)
    # a mapping: len, iteration, membership, items, get
    assert len(result) == 5
    assert "support" in result
    assert "sales" not in result
    assert dict(result) == dict(result.groups)
    assert result.get("sales") is None
    assert list(result.keys()) == result.labels
    # == compares every field, and the groups with a plain mapping
    again = breakdown(data, by="touchpoint")
    assert result == again
    assert result == pickle.loads(pickle.dumps(result))
    assert result == dict(result.groups)
    assert result != breakdown(data, by="touchpoint", correction="none")
    assert result != breakdown(data, by="touchpoint", alpha=0.01)
    changed = {**data, "score": np.where(np.arange(400) == 0, 10 - data["score"], data["score"])}
    assert result != breakdown(changed, by="touchpoint")
    assert result != "something else"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.alpha = 0.1  # type: ignore[misc]
    # strict JSON
    json.dumps(result.to_dict(), allow_nan=False)


def test_no_answer_at_all() -> None:
    result = breakdown({"plan": ["pro", None], "score": [None, None]}, by="plan", min_n=0)
    assert len(result) == 0
    assert result == {}
    assert (result.overall.n, result.overall.unanswered, result.ungrouped) == (0, 2, 0)
    assert result.to_pandas().empty
    assert result.format().splitlines()[1].split() == ["(all)", "-", "0"]
    json.dumps(result.to_dict(), allow_nan=False)


# --- every group is `score` of its responses alone (the one grouped rule) ---------------------

#: Label families: text (a literal '(none)' joins the responses without one), whole
#: numbers, floats (whole floats read as whole numbers); ``None`` is no label.
LABELS = st.sampled_from(
    [
        ["a", "b c", "(none)", None],
        [1, 2, 10, None],
        [1.0, 2.5, 10.0, float("nan"), None],
    ]
)
response_rows = st.lists(
    st.tuples(
        st.integers(0, 3),  # the label's position in the family
        st.sampled_from(["A", "B", "C", "D"]),  # account
        st.one_of(st.integers(0, 10), st.none()),  # score (None: unanswered)
        st.sampled_from([0.0, 0.5, 1.0, 3.0]),  # weight
    ),
    max_size=40,
)


def label_text(value: object) -> str:
    """A label as the grouped rule reads it, written out."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_GROUP
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def holm_by_rank(pvalues: list[float]) -> list[float]:
    """Holm's adjustment by ranks: each p-value's own step-down bound, no running sort.

    The adjusted ``p_i`` is the largest ``min(1, (m - r_j) p_j)`` over the p-values
    ``p_j <= p_i`` (``r_j`` the number of p-values below ``p_j``): a different route to
    Holm's numbers than the sorted loop.
    """
    m = len(pvalues)
    bounds = [min(1.0, (m - sum(q < p for q in pvalues)) * p) for p in pvalues]
    return [max(b for b, q in zip(bounds, pvalues) if q <= p) for p in pvalues]


@settings(max_examples=80, deadline=None)
@given(
    rows=response_rows,
    family=LABELS,
    weighted=st.booleans(),
    mapped=st.booleans(),
    correction=st.sampled_from(["holm", "none"]),
)
def test_each_group_is_the_score_of_its_responses_alone(
    rows: list[tuple[int, str, int | None, float]],
    family: list[object],
    weighted: bool,
    mapped: bool,
    correction: str,
) -> None:
    labels = [family[min(i, len(family) - 1)] for i, _, _, _ in rows]
    data: dict[str, list[object]] = {
        "account_id": [account for _, account, _, _ in rows],
        "group": labels,
        "score": [answer for _, _, answer, _ in rows],
    }
    if weighted:
        data["weight"] = [weight for _, _, _, weight in rows]
    accounts = {"A": family[0], "B": family[1], "C": family[-1]}  # D: not in the mapping
    by: object = accounts if mapped else "group"
    given_labels = [
        accounts.get(str(account)) if mapped else label
        for label, account in zip(labels, data["account_id"])
    ]
    row_labels = [label_text(label) for label in given_labels]
    if not rows:
        data = {"account_id": [], "group": [], "score": []}
    result = breakdown(data, by=by, correction=correction, min_n=3)  # type: ignore[arg-type]
    assert result.by == ("account" if mapped else "group")
    assert result.overall == score(data, min_n=0)
    counted = [  # the responses a score counts: answered, of a positive weight
        i
        for i, (_, _, answer, weight) in enumerate(rows)
        if answer is not None and (weight > 0 or not weighted)
    ]
    expected = sorted({row_labels[i] for i in counted})
    assert list(result) == expected
    assert result.ungrouped == sum(  # a literal '(none)' is a label, not a missing one
        given_labels[i] is None or given_labels[i] != given_labels[i] for i in counted
    )
    for label in expected:
        own = [i for i in range(len(rows)) if row_labels[i] == label]
        alone = {name: [values[i] for i in own] for name, values in data.items()}
        assert result[label] == score(alone, min_n=0)  # unanswered ones included
        rest = [i for i in counted if row_labels[i] != label]
        test = result.versus_rest[label]
        if not rest:
            assert test is None
            continue
        others = {name: [values[i] for i in rest] for name, values in data.items()}
        reference = compare(score(others, min_n=0), score(alone, min_n=0))
        assert test is not None
        assert test.difference == pytest.approx(reference.difference, abs=1e-9)
        assert test.pvalue == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-12)
    raw = [t.pvalue for t in result.versus_rest.values() if t is not None]
    tested = [t is not None for t in result.versus_rest.values()]
    want = holm_by_rank(raw) if correction == "holm" else raw
    assert result.pvalues[tested].tolist() == pytest.approx(want, rel=1e-12)
    assert np.isnan(result.pvalues[[not t for t in tested]]).all()
    assert result.small.tolist() == [result[label].n < 3 for label in result]


@given(st.lists(st.floats(0.0, 1.0), max_size=12), st.randoms(use_true_random=False))
def test_holm_does_not_depend_on_the_order_of_the_tests(pvalues: list[float], rng) -> None:
    # which is why listing the groups by label, not by size, changes no p-value
    order = list(range(len(pvalues)))
    rng.shuffle(order)
    shuffled = holm([pvalues[i] for i in order])
    back = np.empty(len(pvalues))
    back[order] = shuffled
    assert back.tolist() == holm(pvalues).tolist()
    assert holm_by_rank(pvalues) == pytest.approx(holm(pvalues).tolist(), rel=1e-12)


@pytest.mark.parametrize(
    ("by", "options", "fragment"),
    [
        ("touchpoint", {"correction": "bonferroni"}, "`correction` must be one of"),
        ("touchpoint", {"alpha": 1.0}, r"`alpha` must be a finite number in \(0, 1\), got 1.0"),
        ("segment", {}, r"need the columns \['segment'\]"),
        ({"A1": "smb"}, {}, "needs an `account_id` column"),
        ("touchpoint", {"end": date(2025, 1, 1)}, "need a `submitted_at` column"),
        (
            "touchpoint",
            {"start": date(2025, 1, 1), "end": date(2025, 1, 1)},
            r"`end` \(2025-01-01\) must be after `start` \(2025-01-01\); the window is \[start",
        ),
    ],
)
def test_bad_options(by: object, options: dict, fragment: str) -> None:
    data = {"touchpoint": ["support"], "score": [9]}
    with pytest.raises(InvalidInputError, match=fragment):
        breakdown(data, by=by, **options)  # type: ignore[arg-type]
