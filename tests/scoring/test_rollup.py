"""Rollups against hand-worked examples and a plain-Python reference.

References: one small hierarchy worked by hand (arithmetic in comments) for every method
and parent option, and `reference_rollup`, a dict-and-loop implementation that walks the
children one by one and finds each score's band by testing the intervals (the module uses
integer codes, `numpy.bincount`, `numpy.minimum.at` and `numpy.searchsorted`), compared on
Hypothesis-generated hierarchies.
"""

from __future__ import annotations

import json
import math
import pickle
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth._exceptions import AccountNotFoundError, InvalidInputError
from cshealth._measures import MeasureTable
from cshealth.scoring import Rollup, rollup
from cshealth.scoring._bands import Band

NAN = math.nan
BANDS = [
    Band(label="red", min=0, max=40),
    Band(label="yellow", min=40, max=70),
    Band(label="green", min=70, max=100),
]
METHODS = ["mean", "weighted_mean", "worst", "worst_band_count", "band_share"]
PARENTS = ["exclude", "include", "fallback"]

# --- the hand-worked hierarchy ------------------------------------------------------------
# P1 (scored 80, ARR 600): a1 20 (ARR 100, red), a2 60 (ARR 300, yellow), a3 unscored
# P2 (unscored, ARR 5):    b1 90 (ARR 10, green)
# P3 (not among scores):   c1 unscored
# P4 (scored 35, ARR 1000, red): e1 unscored
# d1 50 has no parent. Unscored children (a3, c1, e1) have no weight: none is needed.
SCORES = {
    "account_id": ["P1", "a1", "a2", "a3", "P2", "b1", "c1", "P4", "e1", "d1"],
    "score": [80.0, 20.0, 60.0, NAN, NAN, 90.0, None, 35.0, NAN, 50.0],
}
PARENT_OF = {"a1": "P1", "a2": "P1", "a3": "P1", "b1": "P2", "c1": "P3", "e1": "P4", "d1": None}
ARR = {"P1": 600.0, "a1": 100.0, "a2": 300.0, "P2": 5.0, "b1": 10.0, "P4": 1000.0, "d1": 1.0}

WORKED = {
    # mean: P1 (20 + 60) / 2 = 40; P2 90; P3, P4 no scored child -> NaN
    ("mean", "exclude"): [40.0, 90.0, NAN, NAN],
    # + the parent: P1 (20 + 60 + 80) / 3 = 53.33; P2 unscored -> 90; P4 alone -> 35
    ("mean", "include"): [160 / 3, 90.0, NAN, 35.0],
    # the parent only where no child is scored: P4 -> 35; P3 not scored -> NaN
    ("mean", "fallback"): [40.0, 90.0, NAN, 35.0],
    # P1 (100*20 + 300*60) / (100 + 300) = 20000 / 400 = 50
    ("weighted_mean", "exclude"): [50.0, 90.0, NAN, NAN],
    # P1 (2000 + 18000 + 600*80) / (100 + 300 + 600) = 68000 / 1000 = 68; P4 35
    ("weighted_mean", "include"): [68.0, 90.0, NAN, 35.0],
    ("weighted_mean", "fallback"): [50.0, 90.0, NAN, 35.0],
    # lowest member: P1 min(20, 60) = 20
    ("worst", "exclude"): [20.0, 90.0, NAN, NAN],
    ("worst", "include"): [20.0, 90.0, NAN, 35.0],
    ("worst", "fallback"): [20.0, 90.0, NAN, 35.0],
    # members in red: P1 a1 -> 1 (the parent, 80, is green); P2 b1 green -> 0; P4 35 red
    ("worst_band_count", "exclude"): [1.0, 0.0, NAN, NAN],
    ("worst_band_count", "include"): [1.0, 0.0, NAN, 1.0],
    ("worst_band_count", "fallback"): [1.0, 0.0, NAN, 1.0],
}


def worked(**options) -> Rollup:
    return rollup(SCORES, PARENT_OF, bands=BANDS, **options)


@pytest.mark.parametrize(("method", "parent"), list(WORKED))
def test_worked_values(method: str, parent: str) -> None:
    weights = ARR if method == "weighted_mean" else None
    r = worked(method=method, parent=parent, weights=weights)
    assert r.parent_ids.tolist() == ["P1", "P2", "P3", "P4"]
    np.testing.assert_allclose(r.value, WORKED[method, parent], rtol=1e-12)
    assert r.n_children.tolist() == [3, 1, 1, 1]
    assert r.n_scored.tolist() == [2, 1, 0, 0]
    assert r.n_unscored.tolist() == [1, 0, 1, 1]
    np.testing.assert_array_equal(r.parent_score, [80.0, NAN, NAN, 35.0])
    used = {"exclude": [0, 0, 0, 0], "include": [1, 0, 0, 1], "fallback": [0, 0, 0, 1]}
    assert r.parent_used.tolist() == [bool(u) for u in used[parent]]
    assert r.shares == {}
    assert r.worst_band == ("red" if method == "worst_band_count" else None)


@pytest.mark.parametrize(
    ("share_of", "parent", "red", "yellow", "green"),
    [
        # P1 a1 red, a2 yellow -> 1/2, 1/2; P2 b1 green -> 1
        ("count", "exclude", [0.5, 0, NAN, NAN], [0.5, 0, NAN, NAN], [0, 1, NAN, NAN]),
        # + P1 itself green: 1/3 each; P4 alone red
        ("count", "include", [1 / 3, 0, NAN, 1], [1 / 3, 0, NAN, 0], [1 / 3, 1, NAN, 0]),
        ("count", "fallback", [0.5, 0, NAN, 1], [0.5, 0, NAN, 0], [0, 1, NAN, 0]),
        # by ARR: P1 red 100/400 = 0.25, yellow 300/400 = 0.75
        ("weight", "exclude", [0.25, 0, NAN, NAN], [0.75, 0, NAN, NAN], [0, 1, NAN, NAN]),
        # + P1 (600, green): red 100/1000, yellow 300/1000, green 600/1000; P4 alone red
        ("weight", "include", [0.1, 0, NAN, 1], [0.3, 0, NAN, 0], [0.6, 1, NAN, 0]),
        # P4's weight plays no part when it is a fallback: alone, it is all of its members
        ("weight", "fallback", [0.25, 0, NAN, 1], [0.75, 0, NAN, 0], [0, 1, NAN, 0]),
    ],
)
def test_worked_band_share(share_of, parent, red, yellow, green) -> None:
    weights = ARR if share_of == "weight" else None
    r = worked(method="band_share", parent=parent, share_of=share_of, weights=weights)
    assert list(r.shares) == ["red", "yellow", "green"]
    np.testing.assert_allclose(r.shares["red"], red, rtol=1e-12)
    np.testing.assert_allclose(r.shares["yellow"], yellow, rtol=1e-12)
    np.testing.assert_allclose(r.shares["green"], green, rtol=1e-12)
    np.testing.assert_array_equal(r.value, r.shares["red"])  # the share in the worst band
    assert r.worst_band == "red"


def test_fallback_parent_needs_no_weight() -> None:
    # P4 is only a fallback: its weight may be absent (a weight for P1 is not needed either)
    arr = {k: v for k, v in ARR.items() if k not in ("P4", "P1")}
    r = worked(method="weighted_mean", parent="fallback", weights=arr)
    np.testing.assert_allclose(r.value, [50.0, 90.0, NAN, 35.0])
    # both are members when included
    with pytest.raises(InvalidInputError, match=r"for 2 member\(s\), e.g. \['P1', 'P4'\]"):
        worked(method="weighted_mean", parent="include", weights=arr)


def test_zero_weights_give_nan() -> None:
    # P1's children weigh 0 in all: 0 / 0 is undefined, so NaN (no fallback: children scored)
    arr = {**ARR, "a1": 0.0, "a2": 0.0}
    r = worked(method="weighted_mean", parent="fallback", weights=arr)
    np.testing.assert_array_equal(r.value, [NAN, 90.0, NAN, 35.0])
    r = worked(method="band_share", share_of="weight", weights=arr)
    assert math.isnan(r.shares["green"][0])


@pytest.mark.parametrize(
    ("closure", "expected"),
    # 40 is the edge of red and yellow: [0, 40) red with lower_inclusive, (.., 40] red else
    [("lower_inclusive", 0.0), ("upper_inclusive", 1.0)],
)
def test_closure_decides_the_edge(closure, expected) -> None:
    scores = {"account_id": ["a", "b"], "score": [40.0, 80.0]}
    r = rollup(scores, {"a": "P"}, method="worst_band_count", bands=BANDS, closure=closure)
    assert r.value.tolist() == [expected]


def test_scorecard_supplies_bands_and_closure() -> None:
    card = SimpleNamespace(bands=tuple(reversed(BANDS)), closure="upper_inclusive")  # any order
    scores = {"account_id": ["a", "b"], "score": [40.0, 70.0]}
    r = rollup(scores, ["P", "P"], method="band_share", scorecard=card)
    # 40 red, 70 yellow under upper_inclusive
    assert [r.shares[label].tolist() for label in ("red", "yellow", "green")] == [
        [0.5],
        [0.5],
        [0.0],
    ]


def test_bands_are_not_needed_by_the_other_methods() -> None:
    card = SimpleNamespace(bands=None, closure="lower_inclusive")
    r = rollup({"account_id": ["a"], "score": [10.0]}, {"a": "P"}, scorecard=card)
    assert r.value.tolist() == [10.0]
    assert r.worst_band is None


# --- input forms ----------------------------------------------------------------------------


@dataclass
class Scored:
    account_ids: np.ndarray
    score: np.ndarray


@dataclass
class Banded(Scored):
    band: np.ndarray | None


def test_input_forms_agree() -> None:
    ids = np.array(SCORES["account_id"], dtype=object)
    score = np.array(SCORES["score"], dtype=np.float64)
    aligned = [PARENT_OF.get(a) for a in ids.tolist()]
    aligned_arr = [ARR.get(a, 0.0) for a in ids.tolist()]
    expected = worked(method="weighted_mean", parent="include", weights=ARR).to_dict()
    forms = [
        (Scored(ids, score), PARENT_OF, ARR),
        (Banded(ids, score, None), aligned, aligned_arr),
        (pd.DataFrame({"account_id": ids, "score": score}), np.array(aligned), ARR),
        (MeasureTable(ids, {"score": score}), pd.Series(aligned), np.array(aligned_arr)),
    ]
    for scores, parents, weights in forms:
        r = rollup(scores, parents, method="weighted_mean", parent="include", weights=weights)
        assert r.to_dict() == expected


def test_reported_bands_win_over_the_scores() -> None:
    # b scores 38 (red) but hysteresis kept it yellow: the band it was reported in counts
    ids = np.array(["a", "b", "c"], dtype=object)
    score = np.array([20.0, 38.0, NAN])
    band = np.array(["red", "yellow", None], dtype=object)
    r = rollup(Banded(ids, score, band), ["P", "P", "P"], method="band_share", bands=BANDS)
    assert (r.shares["red"].tolist(), r.shares["yellow"].tolist()) == ([0.5], [0.5])
    r = rollup(Scored(ids, score), ["P", "P", "P"], method="band_share", bands=BANDS)
    assert r.shares["red"].tolist() == [1.0]
    frame = {"account_id": ids, "score": score, "band": band}
    r = rollup(frame, ["P", "P", "P"], method="worst_band_count", bands=BANDS)
    assert r.value.tolist() == [1.0]


def test_no_parents() -> None:
    r = rollup({"account_id": [], "score": []}, {}, method="band_share", bands=BANDS)
    assert len(r) == 0
    assert r.shares["red"].shape == (0,)
    assert repr(r) == (
        "Rollup(0 parents, method='band_share', parent='exclude', share_of='count', "
        "worst_band='red')"
    )
    r = rollup({"account_id": ["a"], "score": [5.0]}, [None], method="worst")
    assert r.to_records() == []


# --- result ---------------------------------------------------------------------------------


def test_repr_records_dict_and_read_only() -> None:
    r = worked(method="band_share", parent="include")
    assert repr(r) == (
        "Rollup(4 parents, method='band_share', parent='include', share_of='count', "
        "worst_band='red';\n"
        "  parent_id         value  scored  unscored\n"
        "  P1               0.3333       2         1\n"
        "  P2                    0       1         0\n"
        "  P3                  nan       0         1\n"
        "  P4                    1       0         1)"
    )
    first = r.to_records()[0]
    assert first == {
        "parent_id": "P1",
        "value": pytest.approx(1 / 3),
        "share_red": pytest.approx(1 / 3),
        "share_yellow": pytest.approx(1 / 3),
        "share_green": pytest.approx(1 / 3),
        "n_children": 3,
        "n_scored": 2,
        "n_unscored": 1,
        "parent_score": 80.0,
        "parent_used": True,
    }
    assert r.to_records()[2]["value"] is None
    as_json = json.loads(json.dumps(r.to_dict()))
    assert as_json["method"] == "band_share"
    assert as_json["worst_band"] == "red"
    assert as_json["parent_score"][1] is None
    with pytest.raises(ValueError, match="read-only"):
        r.value[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        r.shares["red"][0] = 1.0


def test_repr_shows_five_parents() -> None:
    ids = [f"c{i}" for i in range(7)]
    r = rollup({"account_id": ids, "score": [10.0] * 7}, [f"P{i}" for i in range(7)])
    text = repr(r)
    assert text.startswith("Rollup(7 parents, method='mean', parent='exclude';\n")
    assert text.endswith("  ... 2 more)")
    one = rollup({"account_id": ["a"], "score": [1.0]}, ["P"])
    assert repr(one).startswith("Rollup(1 parent, method='mean'")


def test_rollups_compare_by_value() -> None:
    r = worked(method="band_share", parent="include")
    assert r == worked(method="band_share", parent="include")  # NaN shares equal
    assert r == pickle.loads(pickle.dumps(r))
    assert r != worked(method="band_share", parent="exclude")
    with pytest.raises(ValueError, match="read-only"):
        pickle.loads(pickle.dumps(r)).shares["red"][0] = 1.0


def test_rollup_rows_pandas_and_lookup_by_parent() -> None:
    r = worked(method="band_share", parent="include")
    frame = r.to_pandas()
    assert list(frame.columns) == [
        "parent_id",
        "value",
        "share_red",
        "share_yellow",
        "share_green",
        "n_children",
        "n_scored",
        "n_unscored",
        "parent_score",
        "parent_used",
    ]
    assert len(frame) == len(r) == 4
    assert frame["parent_id"].tolist() == ["P1", "P2", "P3", "P4"]
    for label, share in r.shares.items():
        np.testing.assert_array_equal(frame[f"share_{label}"].to_numpy(), share)
    assert frame["n_unscored"].tolist() == r.n_unscored.tolist()
    records = r.to_records()
    assert [list(record) for record in records] == [
        ["parent_id", *frame.columns[1:]] for _ in records
    ]
    assert r.row("P3") == 2
    assert r.n_children[r.row("P1")] == 3
    with pytest.raises(AccountNotFoundError, match="no account 'a1' among the 4 accounts"):
        r.row("a1")  # a child, not a parent


def test_rollup_to_dict_is_strict_json_of_the_fields() -> None:
    r = worked(method="band_share", parent="include")
    data = r.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["parent_ids"] == ["P1", "P2", "P3", "P4"]
    assert data["value"][2] is None
    assert data["shares"]["green"][1] == 1.0
    assert data["n_children"] == [3, 1, 1, 1]
    assert data["parent_used"] == r.parent_used.tolist()
    assert (data["method"], data["parent"], data["share_of"]) == ("band_share", "include", "count")


# --- the reference --------------------------------------------------------------------------


def band_of(score: float, bands: list[Band], closure: str) -> int:
    """The band an in-range score falls in, by testing each interval."""
    last = len(bands) - 1
    for j, band in enumerate(bands):
        if closure == "lower_inclusive":
            inside = band.min <= score < band.max or (j == last and score == band.max)
        else:
            inside = band.min < score <= band.max or (j == 0 and score == band.min)
        if inside:
            return j
    raise AssertionError(score)


def reference_rollup(
    scores: dict[str, float],
    parent_of: dict[str, str | None],
    *,
    method: str,
    weights: dict[str, float] | None = None,
    parent: str = "exclude",
    share_of: str = "count",
    bands: list[Band] = BANDS,
    closure: str = "lower_inclusive",
) -> dict[str, dict[str, object]]:
    """Parent id -> value, shares and counts, one child at a time."""
    children: dict[str, list[str]] = defaultdict(list)
    for child, boss in parent_of.items():
        if boss is not None:
            children[boss].append(child)
    out = {}
    for boss in sorted(children):
        kids = children[boss]
        scored = [c for c in kids if not math.isnan(scores[c])]
        own = scores.get(boss, NAN)
        members = [(scores[c], weights[c] if weights else 1.0) for c in scored]
        used = not math.isnan(own) and (
            parent == "include" or (parent == "fallback" and not scored)
        )
        if used:
            members.append((own, 1.0 if parent == "fallback" or not weights else weights[boss]))
        value, shares = NAN, {b.label: NAN for b in bands}
        if members:
            in_band = [band_of(s, bands, closure) for s, _ in members]
            if method == "mean":
                value = math.fsum(s for s, _ in members) / len(members)
            elif method == "weighted_mean":
                total = math.fsum(w for _, w in members)
                value = math.fsum(s * w for s, w in members) / total if total else NAN
            elif method == "worst":
                value = min(s for s, _ in members)
            elif method == "worst_band_count":
                value = float(in_band.count(0))
            else:
                units = [w if share_of == "weight" else 1.0 for _, w in members]
                total = math.fsum(units)
                for j, b in enumerate(bands):
                    part = math.fsum(u for u, k in zip(units, in_band) if k == j)
                    shares[b.label] = part / total if total else NAN
                value = shares[bands[0].label]
        out[boss] = {
            "value": value,
            "shares": shares,
            "n_children": len(kids),
            "n_scored": len(scored),
            "parent_score": own,
            "parent_used": used,
        }
    return out


VALUES = st.one_of(
    st.just(NAN),
    st.integers(0, 100).map(float),  # band edges (0, 40, 70, 100) come up often
    st.floats(0, 100, allow_nan=False),
)


@st.composite
def hierarchies(draw):
    """Scores, a parent mapping (some parents outside the scores) and ARR weights."""
    n = draw(st.integers(0, 10))
    ids = [f"A{i:02d}" for i in range(n)]
    scores = {a: draw(VALUES) for a in ids}
    outside = ["X0", "X1"]
    parent_of = {}
    for a in ids:
        choice = draw(st.one_of(st.none(), st.sampled_from([*ids, *outside])))
        if choice != a and draw(st.booleans()):
            parent_of[a] = choice
    weights = {a: draw(st.sampled_from([0.0, 1.0, 2.5, 1e6])) for a in ids}
    return scores, parent_of, weights


CASES = [(m, "count") for m in METHODS] + [("band_share", "weight")]


@given(hierarchies(), st.sampled_from(["lower_inclusive", "upper_inclusive"]))
def test_against_the_reference(case, closure) -> None:
    scores, parent_of, weights = case
    columns = {"account_id": list(scores), "score": list(scores.values())}
    for method, share_of in CASES:
        for parent in PARENTS:
            weighted = method == "weighted_mean" or share_of == "weight"
            options = {"method": method, "parent": parent, "share_of": share_of, "closure": closure}
            r = rollup(
                columns, parent_of, weights=weights if weighted else None, bands=BANDS, **options
            )
            expected = reference_rollup(
                scores, parent_of, weights=weights if weighted else None, **options
            )
            assert r.parent_ids.tolist() == list(expected)
            rows = list(expected.values())
            np.testing.assert_allclose(r.value, [e["value"] for e in rows], rtol=1e-12)
            assert r.n_children.tolist() == [e["n_children"] for e in rows]
            assert r.n_scored.tolist() == [e["n_scored"] for e in rows]
            assert r.parent_used.tolist() == [e["parent_used"] for e in rows]
            np.testing.assert_array_equal(r.parent_score, [e["parent_score"] for e in rows])
            for label, share in r.shares.items():
                np.testing.assert_allclose(share, [e["shares"][label] for e in rows], rtol=1e-12)


# --- invariants -----------------------------------------------------------------------------


@given(hierarchies(), st.sampled_from(PARENTS))
def test_shares_sum_to_one_and_worst_is_at_most_the_mean(case, parent) -> None:
    scores, parent_of, weights = case
    columns = {"account_id": list(scores), "score": list(scores.values())}
    for share_of in ("count", "weight"):
        r = rollup(
            columns,
            parent_of,
            method="band_share",
            share_of=share_of,
            parent=parent,
            weights=weights if share_of == "weight" else None,
            bands=BANDS,
        )
        total = sum(r.shares.values())
        defined = ~np.isnan(total)
        np.testing.assert_allclose(total[defined], 1.0, rtol=1e-12)
    worst = rollup(columns, parent_of, method="worst", parent=parent).value
    mean = rollup(columns, parent_of, parent=parent).value
    wmean = rollup(columns, parent_of, method="weighted_mean", parent=parent, weights=weights)
    np.testing.assert_array_equal(np.isnan(worst), np.isnan(mean))
    assert np.all(worst[~np.isnan(worst)] <= mean[~np.isnan(mean)] + 1e-9)
    has = ~np.isnan(wmean.value)
    assert np.all(worst[has] <= wmean.value[has] + 1e-9)
    defined = mean[~np.isnan(mean)]
    assert np.all((defined >= 0) & (defined <= 100))


@given(hierarchies(), st.randoms(use_true_random=False))
def test_order_does_not_matter(case, rnd) -> None:
    scores, parent_of, weights = case
    rows = list(scores.items())
    rnd.shuffle(rows)
    links = list(parent_of.items())
    rnd.shuffle(links)
    for method in METHODS:
        weighted = method == "weighted_mean"
        options = {"method": method, "parent": "include", "bands": BANDS}
        a = rollup(
            {"account_id": list(scores), "score": list(scores.values())},
            parent_of,
            weights=weights if weighted else None,
            **options,
        )
        b = rollup(
            {"account_id": [k for k, _ in rows], "score": [v for _, v in rows]},
            dict(links),
            weights=dict(reversed(weights.items())) if weighted else None,
            **options,
        )
        assert a.parent_ids.tolist() == b.parent_ids.tolist()
        for name in ("value", "n_children", "n_scored", "parent_score", "parent_used"):
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12)


# --- bad input ------------------------------------------------------------------------------

OK = {"account_id": ["a", "b"], "score": [10.0, 20.0]}


@pytest.mark.parametrize(
    ("scores", "parents", "options", "match"),
    [
        (OK, {}, {"method": "median"}, r"`method` must be one of \{'weighted_mean', 'mean'"),
        (OK, {}, {"parent": "maybe"}, r"`parent` must be one of .*got 'maybe'"),
        (
            OK,
            {},
            {"share_of": "arr"},
            r"`share_of` must be one of \{'count', 'weight'\}, got 'arr'",
        ),
        (
            OK,
            {},
            {"share_of": "weight", "weights": {}},
            r"`share_of='weight'` applies to .*'band_share' only",
        ),
        (OK, {}, {"method": "weighted_mean"}, r"method='weighted_mean' needs `weights`"),
        (
            OK,
            {},
            {"method": "band_share", "share_of": "weight", "bands": BANDS},
            r"share_of='weight' needs `weights`",
        ),
        (OK, {}, {"weights": {"a": 1.0}}, r"`weights` are not used by method='mean';"),
        (
            OK,
            {},
            {"method": "band_share", "bands": BANDS, "weights": {}},
            r"not used by method='band_share' with share_of='count'",
        ),
        (OK, {}, {"closure": "both"}, r"`closure` must be one of \{'lower_inclusive'"),
        (OK, {}, {"method": "worst_band_count"}, r"'worst_band_count' needs `bands`"),
        (OK, {}, {"method": "band_share", "bands": []}, r"needs `bands`"),
        (
            OK,
            {},
            {"bands": BANDS, "scorecard": SimpleNamespace(bands=BANDS, closure="x")},
            r"give `bands` or `scorecard`, not both",
        ),
        (OK, {}, {"scorecard": object()}, r"`scorecard` must have `bands` and `closure`"),
        (
            OK,
            {},
            {"method": "band_share", "bands": [BANDS[0], BANDS[0].model_copy()]},
            r"labels must be distinct",
        ),
        (
            OK,
            {},
            {"method": "band_share", "bands": BANDS[:2]},
            r"must cover 0..100, got \[\(0.0, 40.0\), \(40.0, 70.0\)\]",
        ),
        (
            OK,
            {},
            {"method": "band_share", "bands": BANDS[1:]},
            r"must cover 0..100",
        ),
        (
            OK,
            {},
            {"method": "band_share", "bands": [BANDS[0], BANDS[2]]},
            r"no gap or overlap; band 'red' is \[0, 40\]",
        ),
        (
            OK,
            {},
            {
                "method": "band_share",
                "bands": [Band(label="x", min=0, max=0), Band(label="y", min=0, max=100)],
            },
            r"each min < max.*band 'x' is \[0, 0\]",
        ),
        (
            OK,
            {},
            {"method": "band_share", "bands": [*BANDS[:2], Band(label="g", min=60, max=100)]},
            r"band 'yellow' is \[40, 70\]",
        ),
        (["a"], {}, {}, r"`scores` must have `account_ids` and `score`.*got list"),
        ({"account_id": ["a"]}, {}, {}, r"`scores` needs the columns \['score'\]; got"),
        ({"account_id": ["a"], "score": ["high"]}, {}, {}, r"`score` must hold numbers 0..100"),
        ({"account_id": [["a"]], "score": [1.0]}, {}, {}, r"`account_id` must be one-dim"),
        ({"account_id": ["a", "b"], "score": [1.0]}, {}, {}, r"`score` has shape \(1,\)"),
        (
            {"account_id": ["a"], "score": [1.0], "band": ["red", "red"]},
            {},
            {},
            r"`band` has shape \(2,\), `account_id` \(1,\)",
        ),
        ({"account_id": ["a", None], "score": [1.0, 2.0]}, {}, {}, r"id at row 2 is missing"),
        ({"account_id": ["a"], "score": [101.0]}, {}, {}, r"account 'a' has score 101.0"),
        ({"account_id": ["a"], "score": [-math.inf]}, {}, {}, r"account 'a' has score -inf"),
        (
            {"account_id": ["a", "b", "a"], "score": [1.0, 2.0, 3.0]},
            {},
            {},
            r"duplicate account ids \['a'\]",
        ),
        (OK, {"a": "P", "z": "P", "y": None}, {}, r"lists 2 account\(s\).*e.g. \['z', 'y'\]"),
        (OK, {"a": "b", "b": "b"}, {}, r"account 'b' is its own parent"),
        (OK, ["a", None], {}, r"account 'a' is its own parent"),
        (OK, {None: "P"}, {}, r"row 1: `the keys of parent_ids`: an identifier is required"),
        (OK, "PP", {}, r"must be a mapping .* got text"),
        (OK, ["P"], {}, r"one parent \(or None\) per scored account \(2\), got shape \(1,\)"),
        (OK, {"a": "P", "b": 7}, {}, r"whole numbers and text are mixed"),
        (OK, {"a": 1}, {}, r"the keys of `parent_ids`: text; `parent_ids`: whole numbers"),
        (
            OK,
            {"a": "P"},
            {"method": "weighted_mean", "weights": {"a": "big"}},
            r"`weights` must be numbers >= 0",
        ),
        (
            OK,
            {"a": "P"},
            {"method": "weighted_mean", "weights": [1.0]},
            r"one weight per account \(2\), got \(1,\)",
        ),
        (
            OK,
            {"a": "P"},
            {"method": "weighted_mean", "weights": {"a": 1.0, "q": -2.0}},
            r"account 'q' has weight -2.0; .* \(1 bad in all\)",
        ),
        (
            OK,
            {"a": "P"},
            {"method": "weighted_mean", "weights": [NAN, math.inf]},
            r"account 'a' has weight nan; .* \(2 bad in all\)",
        ),
        (
            OK,
            {"a": "P", "b": "P"},
            {"method": "weighted_mean", "weights": {"a": 1.0}},
            r"no weight for 1 member\(s\), e.g. \['b'\]",
        ),
        (
            {"account_id": ["a", "b"], "score": [10.0, 20.0], "band": ["red", "blue"]},
            {"b": "P"},
            {"method": "band_share", "bands": BANDS},
            r"account 'b' has band 'blue', not one of the bands \['red', 'yellow', 'green'\]",
        ),
    ],
)
def test_bad_input(scores, parents, options, match) -> None:
    with pytest.raises(InvalidInputError, match=match):
        rollup(scores, parents, **options)


def test_bands_from_dicts() -> None:
    # bands read from JSON configuration come as dicts; they are validated as `Band`s
    dicts = [band.model_dump() for band in BANDS]
    r = rollup(OK, {"a": "P", "b": "P"}, method="worst_band_count", bands=dicts)
    assert r.value.tolist() == [2.0]
