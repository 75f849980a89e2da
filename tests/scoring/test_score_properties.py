"""`scoring.score` on Hypothesis-generated scorecards and data, against the reference.

Scorecards are up to three groups deep, with random aggregates, missing-data policies,
neutral values, anchors, group and scorecard ``min_coverage``, weights including 0,
``linear``, ``linear_bounded``, ``thresholds``, ``boolean``, ``categories`` and
``percentile`` transforms, staleness, bands and closures; data has missing values (None
and NaN) and values on the transforms' edges; overrides may expire. The engine must agree
with `tests.scoring.reference` (score, coverage, band, node scores; 1e-9), and keep its
invariants: scores in [0, 100] or NaN, contributions adding up to the score, coverage in
[0, 1], monotone in every input under ``weighted_mean``, independent of row order.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from tests.scoring.reference import (
    EDGE,
    RefAccount,
    band_of,
    near_band_edge,
    reference_scores,
)

from cshealth.scoring import Override, Scorecard, ScorecardSet
from cshealth.scoring._bands import Band
from cshealth.scoring._result import HealthScores
from cshealth.scoring._score import score

NAN = math.nan
TOL = 1e-9
AS_OF = datetime(2025, 6, 1, tzinfo=UTC)

# Values on and around the transforms' edges, so boundaries are exercised.
EDGES = [-10.0, -5.0, 0.0, 0.2, 1.0, 2.5, 5.0, 10.0, 100.0]
SCORES = [0.0, 10.0, 25.0, 50.0, 60.0, 75.0, 90.0, 100.0]
CATEGORIES = ["good", "ok", "bad"]

# --- strategies --------------------------------------------------------------------------


@st.composite
def transforms(draw: st.DrawFn, *, monotone: bool) -> dict[str, object]:
    """A transform; ``monotone``: never lower for a higher raw value."""
    kinds = ["linear", "thresholds", "boolean", "percentile"]
    if not monotone:
        kinds += ["linear_bounded", "categories"]
    kind = draw(st.sampled_from(kinds))
    if kind in ("linear", "linear_bounded"):
        worst, best = draw(st.lists(st.sampled_from(EDGES), min_size=2, max_size=2, unique=True))
        if monotone:
            worst, best = min(worst, best), max(worst, best)
        return {"kind": kind, "worst": worst, "best": best}
    if kind == "thresholds":
        cuts = sorted(draw(st.lists(st.sampled_from(EDGES), min_size=1, max_size=3, unique=True)))
        scores = draw(
            st.lists(st.sampled_from(SCORES), min_size=len(cuts) + 1, max_size=len(cuts) + 1)
        )
        if monotone:
            scores = sorted(scores)
        closure = draw(st.sampled_from([None, "lower_inclusive", "upper_inclusive"]))
        return {"kind": kind, "cuts": cuts, "scores": scores, "closure": closure}
    if kind == "boolean":
        true, false = draw(st.sampled_from(SCORES)), draw(st.sampled_from(SCORES))
        if monotone:
            true, false = max(true, false), min(true, false)
        return {"kind": kind, "true": true, "false": false}
    if kind == "categories":
        scores = {c: draw(st.sampled_from(SCORES)) for c in CATEGORIES}
        return {"kind": kind, "scores": scores, "unknown": "missing"}
    by = draw(st.sampled_from([None, "seg"]))
    higher = True if monotone else draw(st.booleans())
    return {"kind": kind, "by": by, "higher_is_better": higher}


@st.composite
def trees(
    draw: st.DrawFn,
    *,
    prefix: str = "",
    plain: bool = False,
    monotone: bool = False,
) -> dict[str, object]:
    """A root group, groups at most three deep.

    ``plain``: only renormalising weighted means (closed-form contributions);
    ``monotone``: only weighted means and monotone transforms.
    """
    counter = itertools.count()

    def measure() -> dict[str, object]:
        name = f"{prefix}m{next(counter)}"
        transform = draw(transforms(monotone=monotone))
        node: dict[str, object] = {"name": name, "column": f"c_{name}", "transform": transform}
        if transform["kind"] not in ("percentile", "boolean", "categories") and draw(st.booleans()):
            node["max_age_days"] = draw(st.sampled_from([1.0, 7.0, 30.0]))
            node["observed_at"] = f"t_{name}"
        return node

    def group(depth: int) -> dict[str, object]:
        name = f"{prefix}root" if depth == 1 else f"{prefix}g{next(counter)}"
        size = draw(st.integers(1, 3))
        children = [
            group(depth + 1) if depth < 3 and draw(st.booleans()) else measure()
            for _ in range(size)
        ]
        weights = draw(
            st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=size, max_size=size)
        )
        if sum(weights) == 0:
            weights[0] = 1.0
        for child, weight in zip(children, weights):
            child["weight"] = weight
        node: dict[str, object] = {"name": name, "children": children}
        if plain:
            node["missing"] = draw(st.sampled_from([None, "renormalize"]))
        else:
            aggregates = (
                ["weighted_mean"]
                if monotone
                else ["weighted_mean", "points", "weakest_link", "min"]
            )
            node["aggregate"] = draw(st.sampled_from(aggregates))
            node["missing"] = draw(st.sampled_from([None, "renormalize", "fixed", "neutral"]))
            node["neutral"] = draw(st.sampled_from([None, 0.0, 35.0, 50.0, 100.0]))
            node["anchor"] = draw(st.sampled_from([0.0, 30.0, 50.0, 85.0]))
        node["min_coverage"] = draw(st.sampled_from([None, None, 0.3, 0.5, 0.85]))
        return node

    return group(1)


@st.composite
def band_lists(draw: st.DrawFn) -> list[dict[str, object]]:
    edges = sorted(
        draw(st.lists(st.sampled_from([20.0, 37.5, 45.0, 62.5, 80.0]), max_size=3, unique=True))
    )
    points = [0.0, *edges, 100.0]
    return [
        {"label": f"b{i}", "min": low, "max": high}
        for i, (low, high) in enumerate(itertools.pairwise(points))
    ]


@st.composite
def scorecards(
    draw: st.DrawFn, *, prefix: str = "", plain: bool = False, monotone: bool = False
) -> Scorecard:
    policy = "renormalize" if plain else draw(st.sampled_from(["renormalize", "fixed", "neutral"]))
    return Scorecard.model_validate(
        {
            "name": f"{prefix}card",
            "missing": policy,
            "neutral": draw(st.sampled_from([0.0, 50.0, 70.0])),
            "min_coverage": draw(st.sampled_from([0.0, 0.0, 0.4, 0.75])),
            "bands": draw(band_lists()),
            "closure": draw(st.sampled_from(["lower_inclusive", "upper_inclusive"])),
            "root": draw(trees(prefix=prefix, plain=plain, monotone=monotone)),
        }
    )


def _numbers() -> st.SearchStrategy[object]:
    return st.one_of(
        st.sampled_from([*EDGES, None, NAN]),
        st.floats(-20, 120, allow_nan=False),
    )


def _value(kind: str) -> st.SearchStrategy[object]:
    if kind == "boolean":
        return st.sampled_from([True, False, None])
    if kind == "categories":
        return st.sampled_from([*CATEGORIES, "other", None])
    return _numbers()


_AGES = [None, 0.5, 1.0, 6.0, 7.0, 29.0, 30.0, 31.0, -1.0]  # days before AS_OF; -1 is after


@st.composite
def rows_for(draw: st.DrawFn, cards: list[Scorecard], n: int) -> list[dict[str, object]]:
    """``n`` accounts with every column the scorecards read (and ``seg``, ``tier``)."""
    rows: list[dict[str, object]] = []
    for i in range(n):
        row: dict[str, object] = {
            "account_id": f"acc{i:03d}",
            "seg": draw(st.sampled_from(["x", "y", None])),
            "tier": draw(st.sampled_from([1.0, 2.0, 3.0, None])),
        }
        for scorecard in cards:
            for measure in scorecard.measures():
                row[measure.column] = draw(_value(measure.transform.kind))
                if measure.observed_at is not None:
                    age = draw(st.sampled_from(_AGES))
                    row[measure.observed_at] = None if age is None else AS_OF - timedelta(days=age)
        rows.append(row)
    return rows


@st.composite
def overrides_for(
    draw: st.DrawFn, cards: list[Scorecard], rows: list[dict[str, object]]
) -> list[Override]:
    if not rows:
        return []
    out: list[Override] = []
    seen: set[tuple[str, str]] = set()
    nodes = [(c.root, c) for c in cards]
    nodes += [(node, c) for c in cards for _, node in c.root.walk() if node is not c.root]
    for _ in range(draw(st.integers(0, 4))):
        account = str(draw(st.sampled_from(rows))["account_id"])
        node, scorecard = draw(st.sampled_from(nodes))
        key = "<overall>" if node is scorecard.root else node.name  # one overall per account
        if (account, key) in seen:
            continue
        seen.add((account, key))
        if node is scorecard.root:
            scope, name = "overall", None
        else:
            scope, name = ("group" if hasattr(node, "children") else "measure"), node.name
        expires = draw(
            st.sampled_from([None, date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2)])
        )
        out.append(
            Override(
                account_id=account,
                scope=scope,
                node=name,
                value=draw(st.sampled_from(SCORES)),
                reason="test",
                author="hypothesis",
                expires_on=expires,
            )
        )
    return out


def _columns(rows: list[dict[str, object]], names: list[str]) -> dict[str, list[object]]:
    return {name: [row[name] for row in rows] for name in names}


def data_of(rows: list[dict[str, object]], cards: list[Scorecard]) -> dict[str, list[object]]:
    names = ["account_id", "seg", "tier"]
    for scorecard in cards:
        for measure in scorecard.measures():
            names.append(measure.column)
            if measure.observed_at is not None:
                names.append(measure.observed_at)
    return _columns(rows, list(dict.fromkeys(names)))


@st.composite
def cases(draw: st.DrawFn, *, plain: bool = False, monotone: bool = False, overrides: bool = True):
    scorecard = draw(scorecards(plain=plain, monotone=monotone))
    n = draw(st.integers(0, 40))
    rows = draw(rows_for([scorecard], n))
    made = draw(overrides_for([scorecard], rows)) if overrides else []
    return scorecard, rows, made


# --- comparisons -------------------------------------------------------------------------


def same(a: float, b: float, tol: float = TOL) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tol


def compare(result: HealthScores, ref: dict[str, RefAccount], bands: dict[str, list[Band]]):
    """The engine against the reference, account by account.

    A ``fragile`` account (a coverage within 1e-9 of a ``min_coverage``, a weakest child
    within 1e-9 of a band edge) may fall on either side of that boundary, so only its
    invariants are checked.
    """
    assert set(ref) == set(result.account_ids.tolist())
    for i, account in enumerate(result.account_ids.tolist()):
        want = ref[account]
        assert result.scorecard[i] == want.scorecard, account
        own = bands[want.scorecard]
        closure = result.closure if len(bands) == 1 else _closure_of(result, want.scorecard)
        # the engine's band is the band of its own score, whatever happened upstream
        assert result.band[i] == band_of(own, closure, float(result.score[i])), account
        if want.fragile:
            continue
        assert same(float(result.coverage[i]), want.coverage), (account, "coverage")
        assert same(float(result.score[i]), want.score), (account, result.score[i], want.score)
        if not near_band_edge(own, want.score):
            assert result.band[i] == want.band, account
        for name, value in want.nodes.items():
            assert same(float(result.node_scores[name][i]), value), (account, name)


def _closure_of(result: HealthScores, name: str) -> str:
    for part in result._parts:
        if part.plan.card.name == name:
            return part.plan.card.closure
    raise AssertionError(name)


def check_invariants(result: HealthScores) -> None:
    scores = result.score
    defined = ~np.isnan(scores)
    assert np.all((scores[defined] >= 0) & (scores[defined] <= 100))
    assert np.all((result.coverage >= 0) & (result.coverage <= 1 + 1e-12))
    total = np.zeros(len(result))
    for values in result.contributions.values():
        assert np.all(np.isnan(values) == ~defined)
        total = total + np.nan_to_num(values)
    assert np.allclose(total[defined], scores[defined], rtol=0, atol=TOL)
    assert all(result.band[i] is None for i in np.flatnonzero(~defined))


# --- properties --------------------------------------------------------------------------


@given(cases())
def test_matches_reference(case) -> None:
    scorecard, rows, made = case
    result = score(scorecard, data_of(rows, [scorecard]), as_of=AS_OF, overrides=made)
    ref = reference_scores(scorecard, rows, as_of=AS_OF, overrides=made)
    compare(result, ref, {scorecard.name: list(scorecard.bands)})
    check_invariants(result)
    assert result.account_ids.tolist() == [row["account_id"] for row in rows]


@given(cases(plain=True, overrides=False))
def test_contributions_match_the_closed_form(case) -> None:
    # renormalising weighted means: contribution_m = s_m * product of W_c * present_c / wp
    scorecard, rows, _ = case
    result = score(scorecard, data_of(rows, [scorecard]), as_of=AS_OF)
    ref = reference_scores(scorecard, rows, as_of=AS_OF)
    for i, account in enumerate(result.account_ids.tolist()):
        want = ref[account]
        if want.fragile:
            continue
        assert want.contributions is not None
        for name, value in want.contributions.items():
            assert same(float(result.contributions[name][i]), value), (account, name)
    check_invariants(result)


@given(cases(overrides=False), st.data())
def test_row_order_does_not_matter(case, data: st.DataObject) -> None:
    scorecard, rows, _ = case
    made = data.draw(overrides_for([scorecard], rows))
    order = data.draw(st.permutations(range(len(rows))))
    shuffled = [rows[i] for i in order]
    first = score(scorecard, data_of(rows, [scorecard]), as_of=AS_OF, overrides=made)
    second = score(scorecard, data_of(shuffled, [scorecard]), as_of=AS_OF, overrides=made)
    assert second.account_ids.tolist() == [row["account_id"] for row in shuffled]
    back = np.argsort(np.array(order, dtype=np.int64))  # second[back] is in rows' order
    for a, b in [(first.score, second.score), (first.coverage, second.coverage)]:
        assert np.array_equal(a, b[back], equal_nan=True)
    assert first.band.tolist() == second.band[back].tolist()
    for name in first.node_scores:
        assert np.array_equal(
            first.node_scores[name], second.node_scores[name][back], equal_nan=True
        )
    for name in first.contributions:
        assert np.allclose(
            first.contributions[name], second.contributions[name][back], atol=TOL, equal_nan=True
        )


@given(cases(monotone=True, overrides=False), st.data())
def test_raising_an_input_never_lowers_the_score(case, data: st.DataObject) -> None:
    scorecard, rows, _ = case
    numeric = [
        m
        for m in scorecard.measures()
        if m.transform.kind in ("linear", "thresholds", "percentile")
    ]
    candidates = [
        (i, m)
        for i, row in enumerate(rows)
        for m in numeric
        if isinstance(row[m.column], float) and not math.isnan(row[m.column])
    ]
    flags = [
        (i, m)
        for i, row in enumerate(rows)
        for m in scorecard.measures()
        if m.transform.kind == "boolean" and row[m.column] is False
    ]
    if not candidates and not flags:
        return
    i, measure = data.draw(st.sampled_from(candidates + flags))
    raised = [dict(row) for row in rows]
    old = rows[i][measure.column]
    if isinstance(old, bool):
        raised[i][measure.column] = True
    else:
        assert isinstance(old, float)
        raised[i][measure.column] = old + data.draw(st.sampled_from([0.5, 1.0, 2.5, 7.0, 50.0]))
    before = score(scorecard, data_of(rows, [scorecard]), as_of=AS_OF)
    after = score(scorecard, data_of(raised, [scorecard]), as_of=AS_OF)
    b, a = float(before.score[i]), float(after.score[i])
    assert math.isnan(a) == math.isnan(b)  # presence, and so coverage, is unchanged
    if not math.isnan(b):
        assert a >= b - TOL, (rows[i]["account_id"], measure.name, old, b, a)


@st.composite
def scorecard_sets(draw: st.DrawFn):
    cards = [draw(scorecards(prefix=p)) for p in ("s0_", "s1_", "d_")]
    conditions = [
        {"column": "seg", "op": "eq", "value": "x"},
        {"column": "seg", "op": "ne", "value": "x"},
        {"column": "seg", "op": "missing"},
        {"column": "seg", "op": "in", "value": ["x", "y"]},
        {"column": "tier", "op": "ge", "value": 2},
        {"column": "tier", "op": "lt", "value": 3},
        {"column": "tier", "op": "not_in", "value": [1]},
        {"column": "tier", "op": "present"},
    ]
    segments = [
        {
            "name": f"seg{k}",
            "when": draw(st.lists(st.sampled_from(conditions), min_size=1, max_size=2)),
            "scorecard": cards[k],
        }
        for k in range(2)
    ]
    return ScorecardSet.model_validate(
        {"name": "set", "default": cards[2], "segments": segments}
    ), cards


@given(scorecard_sets(), st.data())
def test_scorecard_sets_match_reference(made_set, data: st.DataObject) -> None:
    cards, members = made_set
    rows = data.draw(rows_for(members, data.draw(st.integers(0, 40))))
    made = data.draw(overrides_for(members, rows))
    result = score(cards, data_of(rows, members), as_of=AS_OF, overrides=made)
    ref = reference_scores(cards, rows, as_of=AS_OF, overrides=made)
    compare(result, ref, {c.name: list(c.bands) for c in members})
    check_invariants(result)
    for i, account in enumerate(result.account_ids.tolist()):
        own = {m.name for m in _card_named(members, ref[account].scorecard).measures()}
        for name, values in result.contributions.items():
            if name not in own and not math.isnan(result.score[i]):
                assert values[i] == 0.0, (account, name)
        nodes = {node.name for _, node in _card_named(members, ref[account].scorecard).root.walk()}
        for name, values in result.node_scores.items():
            if name not in nodes:
                assert math.isnan(values[i]), (account, name)


def _card_named(cards: list[Scorecard], name: str) -> Scorecard:
    return next(c for c in cards if c.name == name)


def test_reference_edges_helper() -> None:
    # the tolerance the comparisons use is the reference's own
    assert EDGE == TOL
