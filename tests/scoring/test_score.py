"""`scoring.score` against examples worked by hand (the arithmetic is in the comments).

Most examples use the identity transform (``linear`` from 0 to 100, so the raw value is
the score) to keep the arithmetic about the aggregates, policies and overrides. Every
example is also checked against `tests.scoring.reference` (a slow recursive evaluator
written from the contract), so the hand numbers, the reference and the engine agree.
"""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.scoring.reference import reference_scores

import cshealth
from cshealth._exceptions import AccountNotFoundError, ConfigError, InvalidInputError
from cshealth.scoring import Override, Scorecard, ScorecardSet
from cshealth.scoring._explanation import Explanation, ExplanationLine
from cshealth.scoring._result import HealthScores
from cshealth.scoring._score import score, score_one

NAN = math.nan
LOW = math.nextafter(40.0, -math.inf)  # the top of red [0, 40) under lower_inclusive
MID = math.nextafter(70.0, -math.inf)  # the top of yellow [40, 70) under lower_inclusive

# The issue's example, verbatim.
ISSUE_JSON = """
{
  "name": "default",
  "missing": "renormalize",
  "min_coverage": 0.5,
  "bands": [
    {"label": "red", "min": 0, "max": 40},
    {"label": "yellow", "min": 40, "max": 70},
    {"label": "green", "min": 70, "max": 100}
  ],
  "closure": "lower_inclusive",
  "root": {"name": "overall", "aggregate": "weighted_mean", "children": [
    {"name": "usage", "weight": 50, "children": [
      {"name": "logins", "weight": 2, "column": "logins_per_seat",
       "transform": {"kind": "linear", "worst": 0, "best": 10}},
      {"name": "seats", "weight": 1, "column": "seat_utilisation",
       "transform": {"kind": "linear", "worst": 0.2, "best": 0.9}}]},
    {"name": "nps", "weight": 30, "column": "nps",
     "transform": {"kind": "thresholds", "cuts": [0, 30], "scores": [0, 50, 100]}},
    {"name": "tickets", "weight": 20, "column": "open_tickets",
     "transform": {"kind": "linear", "worst": 10, "best": 0}}]}
}
"""

ISSUE_DATA = {
    "account_id": ["a", "b", "c", "d"],
    "logins_per_seat": [8.0, None, None, 10.0],
    "seat_utilisation": [0.9, 0.55, None, 0.2],
    "nps": [45.0, -5.0, 0.0, 30.0],
    "open_tickets": [2.0, None, 10.0, 0.0],
}


# --- helpers -----------------------------------------------------------------------------


def m(name: str, weight: float = 1.0, **extra: object) -> dict[str, object]:
    """A measure with the identity transform: its raw value (0..100) is its score."""
    return {
        "name": name,
        "weight": weight,
        "column": extra.pop("column", name),
        "transform": extra.pop("transform", {"kind": "linear", "worst": 0, "best": 100}),
        **extra,
    }


def g(name: str, children: list[dict[str, object]], weight: float = 1.0, **extra: object):
    return {"name": name, "weight": weight, "children": children, **extra}


def card(*children: dict[str, object], root: dict[str, object] | None = None, **extra: object):
    tree = root if root is not None else {"name": "overall", "children": list(children)}
    return Scorecard.model_validate({"name": "test", "root": tree, **extra})


def columns(rows: list[dict[str, object]]) -> dict[str, list[object]]:
    """Per-account dicts to a dict of columns (keys of the first row)."""
    return {key: [row.get(key) for row in rows] for key in rows[0]}


def close(actual: object, expected: object, tol: float = 1e-9) -> bool:
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=0, atol=tol, equal_nan=True))


def check_reference(
    scorecard: Scorecard | ScorecardSet,
    rows: list[dict[str, object]],
    result: HealthScores,
    *,
    as_of: datetime | None = None,
    overrides: tuple[Override, ...] | list[Override] = (),
) -> None:
    """The engine agrees with the reference on score, coverage, band and node scores."""
    ref = reference_scores(scorecard, rows, as_of=as_of, overrides=overrides)
    for i, account in enumerate(result.account_ids.tolist()):
        want = ref[account]
        assert close(result.score[i], want.score), account
        assert close(result.coverage[i], want.coverage), account
        assert result.band[i] == want.band, account
        assert result.scorecard[i] == want.scorecard, account
        for name, value in want.nodes.items():
            assert close(result.node_scores[name][i], value), (account, name)


def sums_to_score(result: HealthScores) -> None:
    total = np.zeros(len(result))
    for values in result.contributions.values():
        total = total + values
    assert close(total, result.score)


# --- the issue's example -----------------------------------------------------------------


def test_issue_example_loads_verbatim() -> None:
    scorecard = Scorecard.model_validate_json(ISSUE_JSON)
    assert scorecard.name == "default"
    assert scorecard.missing == "renormalize"
    assert scorecard.min_coverage == 0.5
    assert [(b.label, b.min, b.max) for b in scorecard.bands] == [
        ("red", 0, 40),
        ("yellow", 40, 70),
        ("green", 70, 100),
    ]
    assert scorecard.closure == "lower_inclusive"
    assert [node.name for node in scorecard.measures()] == ["logins", "seats", "nps", "tickets"]
    shares = scorecard.nominal_shares()
    assert close([shares["logins"], shares["seats"], shares["nps"]], [1 / 3, 1 / 6, 0.3])


def test_issue_example_scores() -> None:
    scorecard = Scorecard.model_validate_json(ISSUE_JSON)
    result = score(scorecard, ISSUE_DATA)
    # a: logins 8 of 10 -> 80; seats (0.9 - 0.2) / 0.7 -> 100; usage (2*80 + 100) / 3 = 86.667
    #    nps 45 >= 30 -> 100; tickets (2 - 10) / (0 - 10) -> 80
    #    overall 0.5*86.667 + 0.3*100 + 0.2*80 = 43.333 + 30 + 16 = 89.333 (green)
    # b: seats 0.55 -> 50, usage 50 (renormalised); nps -5 < 0 -> 0; logins, tickets missing
    #    coverage 0.5 * 1/3 + 0.3 = 0.4667 < 0.5 -> insufficient (the root's node score too)
    # c: usage missing; nps 0 -> 50 (0 <= v < 30); tickets 10 -> 0
    #    coverage 0.3 + 0.2 = 0.5 (enough); (0.3*50 + 0.2*0) / 0.5 = 30 (red)
    # d: logins 10 -> 100, seats 0.2 -> 0, usage 200/3 = 66.667; nps 30 -> 100; tickets 0 -> 100
    #    0.5*66.667 + 30 + 20 = 83.333 (green)
    assert close(result.score, [268 / 3, NAN, 30.0, 250 / 3])
    assert result.band.tolist() == ["green", None, "red", "green"]
    assert close(result.coverage, [1.0, 0.5 / 3 + 0.3, 0.5, 1.0])
    assert close(result.node_scores["usage"], [260 / 3, 50.0, NAN, 200 / 3])
    assert close(result.node_scores["overall"], [268 / 3, NAN, 30.0, 250 / 3])
    # a: logins 0.5 * 2/3 * 80 = 26.667, seats 0.5 * 1/3 * 100 = 16.667, nps 30, tickets 16
    # c: nps 0.3/0.5 * 50 = 30, tickets 0, the missing usage measures 0
    contributions = result.contributions
    assert close(contributions["logins"], [80 / 3, NAN, 0.0, 100 / 3])
    assert close(contributions["seats"], [50 / 3, NAN, 0.0, 0.0])
    assert close(contributions["nps"], [30.0, NAN, 30.0, 30.0])
    assert close(contributions["tickets"], [16.0, NAN, 0.0, 20.0])
    sums_to_score(result)
    check_reference(scorecard, columns_to_rows(ISSUE_DATA), result)


def columns_to_rows(data: dict[str, list[object]]) -> list[dict[str, object]]:
    keys = list(data)
    return [dict(zip(keys, values)) for values in zip(*data.values())]


# --- transforms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("transform", "values", "expected"),
    [
        # worst 0 -> 0, best 10 -> 100; clamped outside
        ({"kind": "linear", "worst": 0, "best": 10}, [-5, 0, 2.5, 10, 15], [0, 0, 25, 100, 100]),
        # lower is better: (2 - 10) / (0 - 10) = 0.8
        ({"kind": "linear", "worst": 10, "best": 0}, [2, 12, -1, None], [80, 0, 100, NAN]),
        # outside [0, 0.3] is missing; (0.15 - 0) / 0.3 = 50
        (
            {"kind": "linear_bounded", "worst": 0, "best": 0.3},
            [0.15, -0.1, 0.4, None],
            [50, NAN, NAN, NAN],
        ),
        # lower is better and bounded: (4 - 10) / (2 - 10) = 0.75
        ({"kind": "linear_bounded", "worst": 10, "best": 2}, [4, 11, 1], [75, NAN, NAN]),
        # v < 0 -> 0, 0 <= v < 30 -> 50, v >= 30 -> 100
        (
            {"kind": "thresholds", "cuts": [0, 30], "scores": [0, 50, 100]},
            [-1, 0, 29.9, 30, 31, None],
            [0, 50, 50, 100, 100, NAN],
        ),
        # upper_inclusive: v <= 0 -> 0, 0 < v <= 30 -> 50, v > 30 -> 100
        (
            {
                "kind": "thresholds",
                "cuts": [0, 30],
                "scores": [0, 50, 100],
                "closure": "upper_inclusive",
            },
            [-1, 0, 0.1, 30, 31],
            [0, 0, 50, 50, 100],
        ),
        # scores need not increase: a sweet spot
        ({"kind": "thresholds", "cuts": [5], "scores": [100, 20]}, [4, 5], [100, 20]),
        ({"kind": "boolean"}, [True, False, None, 1, 0], [100, 0, NAN, 100, 0]),
        ({"kind": "boolean", "true": 10, "false": 90}, [True, False], [10, 90]),
        (
            {"kind": "categories", "scores": {"good": 100, "average": 60, "poor": 0}},
            ["good", "average", "poor", None],
            [100, 60, 0, NAN],
        ),
        (
            {"kind": "categories", "scores": {"good": 100}, "unknown": "missing"},
            ["good", "weird"],
            [100, NAN],
        ),
    ],
)
def test_transforms(transform: dict[str, object], values: list[object], expected: list[float]):
    scorecard = card(m("x", transform=transform))
    ids = [f"a{i}" for i in range(len(values))]
    result = score(scorecard, {"account_id": ids, "x": values})
    assert close(result.node_scores["x"], expected)
    assert close(result.score, expected)
    check_reference(scorecard, [{"account_id": i, "x": v} for i, v in zip(ids, values)], result)


def test_linear_bounded_keeps_its_end_points() -> None:
    # worst and best themselves are inside [worst, best]: 0 -> 0 and 0.3 -> 100
    # (0.3 * (100 / 0.3) rounds to 100.00000000000001 in floats; still in range)
    scorecard = card(m("x", transform={"kind": "linear_bounded", "worst": 0, "best": 0.3}))
    result = score(scorecard, {"account_id": ["lo", "hi"], "x": [0.0, 0.3]})
    assert close(result.node_scores["x"], [0.0, 100.0])
    assert result.explain("hi").lines[1].status == "ok"


def test_thresholds_closure_defaults_to_the_scorecards() -> None:
    transform = {"kind": "thresholds", "cuts": [0, 30], "scores": [0, 50, 100]}
    scorecard = card(m("x", transform=transform), closure="upper_inclusive")
    result = score(scorecard, {"account_id": ["a", "b"], "x": [0, 30]})
    # upper_inclusive: 0 <= 0 -> 0, 0 < 30 <= 30 -> 50
    assert close(result.score, [0, 50])


def test_transform_statuses_in_explanations() -> None:
    scorecard = card(
        m("x", transform={"kind": "linear_bounded", "worst": 0, "best": 10}),
        m("y", transform={"kind": "categories", "scores": {"good": 100}, "unknown": "missing"}),
    )
    result = score(scorecard, {"account_id": ["a"], "x": [11], "y": ["meh"]})
    statuses = [line.status for line in result.explain("a").lines]
    assert statuses == [
        "insufficient data",
        "out of range: dropped, weights renormalised",
        "unknown category: dropped, weights renormalised",
    ]


def test_unknown_category_is_an_error_naming_the_account() -> None:
    transform = {"kind": "categories", "scores": {"good": 100, "poor": 0}}
    scorecard = card(m("x", transform=transform))
    with pytest.raises(InvalidInputError, match=r"account 'b'.*'bad'.*\['good', 'poor'\]"):
        score(scorecard, {"account_id": ["a", "b"], "x": ["good", "bad"]})


def test_boolean_rejects_other_values() -> None:
    scorecard = card(m("x", transform={"kind": "boolean"}))
    # the value may be shown as numpy shows it (np.int64(2))
    with pytest.raises(InvalidInputError, match=r"column 'x', account 'b' \(row 2\): .*2"):
        score(scorecard, {"account_id": ["a", "b"], "x": [1, 2]})


def test_percentile_ranks() -> None:
    values = [10.0, 20.0, 20.0, 40.0, None]
    scorecard = card(
        m("up", column="v", transform={"kind": "percentile"}),
        m("down", column="v", transform={"kind": "percentile", "higher_is_better": False}),
    )
    ids = ["a", "b", "c", "d", "e"]
    result = score(scorecard, {"account_id": ids, "v": values})
    # 4 values: 10 -> (0 + 0.5) / 4 = 12.5; 20 -> (1 + 0.5*2) / 4 = 50; 40 -> (3 + 0.5) / 4
    assert close(result.node_scores["up"], [12.5, 50, 50, 87.5, NAN])
    assert close(result.node_scores["down"], [87.5, 50, 50, 12.5, NAN])
    present = [v for v in values if v is not None]
    scipy_ranks = [stats.percentileofscore(present, v, kind="mean") for v in present]
    assert close(result.node_scores["up"][:4], scipy_ranks)


def test_percentile_within_groups() -> None:
    scorecard = card(m("x", column="v", transform={"kind": "percentile", "by": "segment"}))
    data = {
        "account_id": ["a", "b", "c", "d", "e", "f"],
        "v": [1.0, 2.0, 3.0, 100.0, 5.0, 7.0],
        "segment": ["s", "s", "s", "t", None, "t"],
    }
    result = score(scorecard, data)
    # s: 1, 2, 3 -> 16.67, 50, 83.33; t: 100, 7 -> 75, 25; e has no segment -> missing
    assert close(result.score, [50 / 3, 50, 250 / 3, 75, NAN, 25])
    check_reference(scorecard, columns_to_rows(data), result)


# --- aggregates --------------------------------------------------------------------------


POINTS_ROWS = [
    {"account_id": "even", "p": 100, "q": 25},  # 50 + 10*(100-50)/50 + 20*(25-50)/50 = 50
    {"account_id": "up", "p": 100, "q": 100},  # 50 + 10 + 20 = 80
    {"account_id": "down", "p": 0, "q": 0},  # 50 - 10 - 20 = 20
    {"account_id": "no_q", "p": 100, "q": None},  # renormalize: q not used, 50 + 10 = 60
]


def test_points() -> None:
    scorecard = card(root=g("overall", [m("p", 10), m("q", 20)], aggregate="points"))
    result = score(scorecard, columns(POINTS_ROWS))
    assert close(result.score, [50, 80, 20, 60])
    assert close(result.coverage, [1, 1, 1, 1 / 3])
    # contributions: the anchor's 50 is shared by weight (1/3, 2/3) among the used measures,
    # each measure adds its signed impact: "even" p 50/3 + 10, q 100/3 - 10
    assert close(result.contributions["p"][0], 50 / 3 + 10)
    sums_to_score(result)
    check_reference(scorecard, POINTS_ROWS, result)


@pytest.mark.parametrize(
    ("anchor", "p", "q", "expected"),
    [
        (90, 100, 100, 100.0),  # 90 + 10 + 20 = 120, clamped to 100
        (10, 0, 0, 0.0),  # 10 - 10 - 20 = -20, clamped to 0
        (10, 100, 0, 0.0),  # 10 + 10 - 20 = 0 exactly
        (95, 100, 50, 100.0),  # 95 + 10 + 0 = 105 -> 100
    ],
)
def test_points_clamp(anchor: float, p: float, q: float, expected: float) -> None:
    scorecard = card(root=g("overall", [m("p", 10), m("q", 20)], aggregate="points", anchor=anchor))
    rows = [{"account_id": "a", "p": p, "q": q}]
    result = score(scorecard, columns(rows))
    assert close(result.score, [expected])
    sums_to_score(result)
    check_reference(scorecard, rows, result)


@pytest.mark.parametrize(
    ("policy", "neutral", "expected"),
    [
        ("renormalize", None, 60.0),  # q dropped: 50 + 10
        ("fixed", None, 40.0),  # q counts as 0: 50 + 10 - 20
        ("neutral", None, 60.0),  # q counts as 50: no impact
        ("neutral", 75.0, 70.0),  # q counts as 75: 50 + 10 + 20*25/50
    ],
)
def test_points_missing_policies(policy: str, neutral: float | None, expected: float) -> None:
    extra = {} if neutral is None else {"neutral": neutral}
    root = g("overall", [m("p", 10), m("q", 20)], aggregate="points", missing=policy, **extra)
    scorecard = card(root=root)
    rows = [{"account_id": "a", "p": 100, "q": None}]
    result = score(scorecard, columns(rows))
    assert close(result.score, [expected])
    sums_to_score(result)
    check_reference(scorecard, rows, result)


def test_points_ignore_zero_weight_children() -> None:
    scorecard = card(root=g("overall", [m("p", 10), m("z", 0)], aggregate="points"))
    rows = [{"account_id": "a", "p": 0, "z": 0}]
    result = score(scorecard, columns(rows))
    assert close(result.score, [40.0])  # 50 - 10; z has no points to give or take
    assert close(result.contributions["z"], [0.0])


@pytest.mark.parametrize(
    ("closure", "a", "b", "expected", "band"),
    [
        # mean (3*100 + 55) / 4 = 88.75; worst 55 is yellow [40, 70): capped just below 70
        ("lower_inclusive", 100, 55, MID, "yellow"),
        # upper_inclusive: yellow is (40, 70], its top is 70 itself
        ("upper_inclusive", 100, 55, 70.0, "yellow"),
        # mean (3*80 + 45) / 4 = 71.25 -> capped; (3*50 + 45) / 4 = 48.75 is under the cap
        ("lower_inclusive", 80, 45, MID, "yellow"),
        ("lower_inclusive", 50, 45, 48.75, "yellow"),
        # worst 80 is green: no cap, (300 + 80) / 4 = 95
        ("lower_inclusive", 100, 80, 95.0, "green"),
        # worst exactly 40: yellow under lower_inclusive, red [0, 40] under upper_inclusive
        ("lower_inclusive", 100, 40, MID, "yellow"),
        ("upper_inclusive", 100, 40, 40.0, "red"),
        # worst exactly 70: green under lower_inclusive (no cap), yellow under upper_inclusive
        ("lower_inclusive", 100, 70, 92.5, "green"),
        ("upper_inclusive", 100, 70, 70.0, "yellow"),
        # worst 10 is red: lower_inclusive cap just below 40
        ("lower_inclusive", 100, 10, LOW, "red"),
    ],
)
def test_weakest_link(closure: str, a: float, b: float, expected: float, band: str) -> None:
    scorecard = card(
        root=g("overall", [m("a", 3), m("b", 1)], aggregate="weakest_link"), closure=closure
    )
    rows = [{"account_id": "x", "a": a, "b": b}]
    result = score(scorecard, columns(rows))
    assert result.score[0] == expected  # exact: the cap is the band's top float
    assert result.band[0] == band
    sums_to_score(result)
    check_reference(scorecard, rows, result)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("renormalize", 100.0),  # b dropped from the mean and from the worst: no cap
        ("fixed", LOW),  # b counts 0 (red): mean (300 + 0) / 4 = 75 capped below 40
        ("neutral", MID),  # b counts 50 (yellow): mean 87.5 capped below 70
    ],
)
def test_weakest_link_missing(policy: str, expected: float) -> None:
    root = g("overall", [m("a", 3), m("b", 1)], aggregate="weakest_link", missing=policy)
    scorecard = card(root=root)
    rows = [{"account_id": "x", "a": 100, "b": None}]
    result = score(scorecard, columns(rows))
    assert result.score[0] == expected
    sums_to_score(result)
    check_reference(scorecard, rows, result)


@pytest.mark.parametrize(
    ("policy", "b", "expected"),
    [
        ("renormalize", 30, 30.0),  # min(80, 30); z (weight 0, score 10) does not count
        ("renormalize", None, 80.0),  # b missing: min over the present ones
        ("fixed", None, 0.0),  # b counts 0
        ("neutral", None, 50.0),  # b counts 50
    ],
)
def test_min(policy: str, b: float | None, expected: float) -> None:
    root = g("overall", [m("a"), m("b", 2), m("z", 0)], aggregate="min", missing=policy)
    scorecard = card(root=root)
    rows = [{"account_id": "x", "a": 80, "b": b, "z": 10}]
    result = score(scorecard, columns(rows))
    assert close(result.score, [expected])
    sums_to_score(result)
    check_reference(scorecard, rows, result)


# --- missing-data policies ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected", "contribution_y"),
    [
        ({}, 80.0, 0.0),  # renormalize: x alone
        ({"missing": "fixed"}, 40.0, 0.0),  # (80 + 0) / 2
        ({"missing": "neutral"}, 65.0, 25.0),  # (80 + 50) / 2; y carries 0.5 * 50
        ({"missing": "neutral", "neutral": 20}, 50.0, 10.0),  # (80 + 20) / 2
    ],
)
def test_policies_at_scorecard_level(
    extra: dict[str, object], expected: float, contribution_y: float
) -> None:
    scorecard = card(m("x"), m("y"), **extra)
    rows = [{"account_id": "a", "x": 80, "y": None}]
    result = score(scorecard, columns(rows))
    assert close(result.score, [expected])
    assert close(result.coverage, [0.5])
    assert close(result.contributions["y"], [contribution_y])
    assert close(result.contributions["x"], [expected - contribution_y])
    check_reference(scorecard, rows, result)


def test_policies_at_group_level() -> None:
    # the scorecard says fixed; g says renormalize; h says neutral with its own value 90
    scorecard = card(
        g("g", [m("x"), m("y")], missing="renormalize"),
        g("h", [m("u"), m("v")], missing="neutral", neutral=90),
        m("z"),
        missing="fixed",
        neutral=10,
    )
    rows = [{"account_id": "a", "x": 80, "y": None, "u": 30, "v": None, "z": None}]
    result = score(scorecard, columns(rows))
    # g = 80 (y dropped); h = (30 + 90) / 2 = 60; overall fixed: (80 + 60 + 0) / 3 = 46.667
    assert close(result.node_scores["g"], [80.0])
    assert close(result.node_scores["h"], [60.0])
    assert close(result.score, [140 / 3])
    # coverage: g 0.5, h 0.5, z 0 -> (0.5 + 0.5 + 0) / 3
    assert close(result.coverage, [1 / 3])
    # v's neutral 90 is worth 1/3 * 1/2 * 90 = 15 points
    assert close(result.contributions["v"], [15.0])
    sums_to_score(result)
    check_reference(scorecard, rows, result)


def test_neutral_for_a_missing_group_is_shared_among_its_measures() -> None:
    # g (weight 1) has p (1) and q (3), both missing; x (weight 1) is 80
    scorecard = card(g("g", [m("p"), m("q", 3)]), m("x"), missing="neutral", neutral=50)
    rows = [{"account_id": "a", "p": None, "q": None, "x": 80}]
    result = score(scorecard, columns(rows))
    # g is missing and counts 50: (50 + 80) / 2 = 65; g's 25 points go 1:3 to p and q
    assert close(result.score, [65.0])
    assert close(result.node_scores["g"], [NAN])
    assert close([result.contributions[k][0] for k in ("p", "q", "x")], [6.25, 18.75, 40.0])
    check_reference(scorecard, rows, result)


def test_a_group_with_nothing_is_missing() -> None:
    scorecard = card(g("g", [m("p"), m("q")]), m("x"))
    rows = [{"account_id": "a", "p": None, "q": None, "x": None}]
    result = score(scorecard, columns(rows))
    assert close(result.score, [NAN])
    assert close(result.coverage, [0.0])
    assert result.band.tolist() == [None]
    assert close(result.node_scores["g"], [NAN])


@pytest.mark.parametrize(
    ("weights", "value", "band"),
    [
        # the one child with data carries the group: its score exactly, whatever the weights
        ((1, 6), 40.0, "yellow"),  # 1/7 renormalised in floats gives 39.99999999999999
        ((3, 10), 70.0, "green"),  # 69.99999999999999 would be yellow
        ((1, 10), 100.0, "green"),  # 100.00000000000001 would be above 100
        ((1, 2), 100.0, "green"),
    ],
)
def test_renormalising_keeps_a_lone_childs_score(
    weights: tuple[float, float], value: float, band: str
) -> None:
    scorecard = card(m("a", weights[0]), m("b", weights[1]))
    result = score(scorecard, {"account_id": ["x"], "a": [value], "b": [None]})
    assert result.score[0] == value
    assert result.band.tolist() == [band]


# --- coverage ----------------------------------------------------------------------------

COVERAGE_ROWS = [
    # g: p (1), q (1), r (2); only p: coverage 0.25 < 0.5 -> g missing; overall = s = 40
    #    coverage overall 0.5 * 0.25 + 0.5 * 1 = 0.625
    {"account_id": "thin", "p": 100, "q": None, "r": None, "s": 40},
    # p and r: coverage 0.75; g = (100 + 2*50) / 3 = 66.667; overall (66.667 + 40) / 2
    {"account_id": "enough", "p": 100, "q": None, "r": 50, "s": 40},
]


def test_group_min_coverage() -> None:
    scorecard = card(g("g", [m("p"), m("q"), m("r", 2)], min_coverage=0.5), m("s"))
    result = score(scorecard, columns(COVERAGE_ROWS))
    assert close(result.node_scores["g"], [NAN, 200 / 3])
    assert close(result.score, [40.0, 160 / 3])
    assert close(result.coverage, [0.625, 0.875])
    # the present p under the missing g contributes nothing
    assert close(result.contributions["p"], [0.0, 50 / 3])
    sums_to_score(result)
    check_reference(scorecard, COVERAGE_ROWS, result)


def test_scorecard_min_coverage() -> None:
    scorecard = card(
        g("g", [m("p"), m("q"), m("r", 2)], min_coverage=0.5), m("s"), min_coverage=0.7
    )
    result = score(scorecard, columns(COVERAGE_ROWS))
    # thin: coverage 0.625 < 0.7 -> insufficient data, coverage still reported
    assert close(result.score, [NAN, 160 / 3])
    assert close(result.coverage, [0.625, 0.875])
    assert result.band.tolist() == [None, "yellow"]
    assert close(result.node_scores["overall"], [NAN, 160 / 3])  # the root's is the score
    assert all(math.isnan(values[0]) for values in result.contributions.values())
    explanation = result.explain("thin")
    assert explanation.score is None
    assert explanation.band is None
    assert str(explanation).startswith("thin: insufficient data, coverage 62%")
    check_reference(scorecard, COVERAGE_ROWS, result)


def test_coverage_exactly_at_the_minimum() -> None:
    # weights 1, 1, 5, 3 (sum 10); b, c, d present: 9/10 of the weight, and 0.9 >= 0.9
    # (in floats 0.1 + 0.5 + 0.3 summed one share at a time gives 0.8999999999999999)
    scorecard = card(m("a"), m("b"), m("c", 5), m("d", 3), min_coverage=0.9)
    rows = [{"account_id": "x", "a": None, "b": 50, "c": 50, "d": 50}]
    result = score(scorecard, columns(rows))
    assert result.coverage[0] == pytest.approx(0.9, abs=1e-12)
    assert close(result.score, [50.0])
    assert result.band.tolist() == ["yellow"]


# --- nesting and zero weights --------------------------------------------------------------

NESTED = card(
    g("A", [g("B", [g("C", [m("m0"), m("m1", 3)]), m("m2")], weight=3), m("m3")]),
    m("m4"),
)


def test_nested_three_deep() -> None:
    rows = [
        {"account_id": "full", "m0": 20, "m1": 60, "m2": 100, "m3": 0, "m4": 50},
        {"account_id": "no_m2", "m0": 20, "m1": 60, "m2": None, "m3": 0, "m4": 50},
    ]
    result = score(NESTED, columns(rows))
    # full: C = (20 + 3*60) / 4 = 50; B = (50 + 100) / 2 = 75; A = (3*75 + 0) / 4 = 56.25
    #       overall = (56.25 + 50) / 2 = 53.125
    # no_m2: C = 50; B = 50; A = 37.5; overall = 43.75
    assert close(result.node_scores["C"], [50, 50])
    assert close(result.node_scores["B"], [75, 50])
    assert close(result.node_scores["A"], [56.25, 37.5])
    assert close(result.score, [53.125, 43.75])
    # full: m0 20 * 1/4 * 1/2 * 3/4 * 1/2 = 0.9375; m1 60 * 9/64 = 8.4375;
    #       m2 100 * 1/2 * 3/4 * 1/2 = 18.75; m3 0; m4 25
    # no_m2: m0 20 * 1/4 * 1 * 3/4 * 1/2 = 1.875; m1 60 * 3/4 * 3/4 * 1/2 = 16.875
    expected = {
        "m0": [0.9375, 1.875],
        "m1": [8.4375, 16.875],
        "m2": [18.75, 0.0],
        "m3": [0.0, 0.0],
        "m4": [25.0, 25.0],
    }
    for name, values in expected.items():
        assert close(result.contributions[name], values), name
    check_reference(NESTED, rows, result)


def test_zero_weight_children() -> None:
    scorecard = card(m("x"), m("z", 0))
    rows = [
        {"account_id": "both", "x": 60, "z": 100},  # z does not count: 60
        {"account_id": "only_z", "x": None, "z": 100},  # no weight had data: missing
    ]
    result = score(scorecard, columns(rows))
    assert close(result.score, [60.0, NAN])
    assert close(result.coverage, [1.0, 0.0])
    assert close(result.node_scores["z"], [100.0, 100.0])
    assert close(result.contributions["z"], [0.0, NAN])
    assert result.explain("both").lines[2].weight == 0.0
    check_reference(scorecard, rows, result)


# --- overrides ---------------------------------------------------------------------------

OVERRIDE_CARD = card(g("usage", [m("logins"), m("seats")]), m("nps"), min_coverage=0.5)
# a: usage (80 + 20) / 2 = 50; overall (50 + 50) / 2 = 50
OVERRIDE_DATA = {
    "account_id": ["a", "b"],
    "logins": [80.0, None],
    "seats": [20.0, None],
    "nps": [50.0, None],
}
AS_OF = date(2025, 3, 1)


def override(scope: str, node: str | None, value: float, **extra: object) -> Override:
    return Override.model_validate(
        {
            "account_id": "a",
            "scope": scope,
            "node": node,
            "value": value,
            "reason": "call with the CFO",
            "author": "kim",
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("made", "expected", "usage"),
    [
        # seats -> 100: usage (80 + 100) / 2 = 90; overall (90 + 50) / 2 = 70
        (override("measure", "seats", 100), 70.0, 90.0),
        # usage -> 10: overall (10 + 50) / 2 = 30
        (override("group", "usage", 10), 30.0, 10.0),
        # overall -> 95
        (override("overall", None, 95), 95.0, 50.0),
        (override("overall", "overall", 95), 95.0, 50.0),
    ],
)
def test_overrides(made: Override, expected: float, usage: float) -> None:
    result = score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[made])
    assert close(result.score[:1], [expected])
    assert close(result.node_scores["usage"][:1], [usage])
    assert result.overrides_applied == (made,)
    assert result.overrides_skipped == ()
    sums_to_score(result)
    explanation = result.explain("a")
    assert explanation.overrides == (made,)
    assert "overridden" in [line.status for line in explanation.lines]
    assert "override: " in str(explanation)
    check_reference(OVERRIDE_CARD, columns_to_rows(OVERRIDE_DATA), result, overrides=[made])


def test_a_group_override_is_shared_among_its_measures() -> None:
    result = score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[override("group", "usage", 10)])
    # usage's 10 * 0.5 = 5 points go half and half to logins and seats; nps 0.5 * 50 = 25
    assert close([result.contributions[k][0] for k in ("logins", "seats", "nps")], [2.5, 2.5, 25])
    lines = {line.name: line for line in result.explain("a").lines}
    assert lines["usage"].weight == pytest.approx(0.5)
    assert lines["logins"].weight == 0.0  # the override hides the measures below


def test_an_override_of_a_missing_node_counts_as_data() -> None:
    # b has nothing (coverage 0 < 0.5); its nps set to 40 by hand: coverage 0.5, score 40
    made = override("measure", "nps", 40, account_id="b")
    result = score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[made])
    assert close(result.score, [50.0, 40.0])
    assert close(result.coverage, [1.0, 0.5])
    assert close(result.node_scores["nps"], [50.0, 40.0])


def test_an_overall_override_beats_min_coverage() -> None:
    made = override("overall", None, 12, account_id="b")
    result = score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[made])
    assert close(result.score, [50.0, 12.0])
    assert close(result.coverage, [1.0, 1.0])  # an overridden node's coverage is 1
    assert result.band.tolist() == ["yellow", "red"]
    sums_to_score(result)


@pytest.mark.parametrize(
    ("as_of", "applied"),
    [
        (date(2025, 2, 28), True),  # before expires_on
        (datetime(2025, 2, 28, 23, 59, tzinfo=UTC), True),
        (AS_OF, False),  # on expires_on: the first day it no longer applies
        (date(2025, 3, 2), False),  # after
    ],
)
def test_override_expiry(as_of: date, applied: bool) -> None:
    made = override("overall", None, 95, expires_on=AS_OF)
    result = score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[made], as_of=as_of)
    assert close(result.score[:1], [95.0 if applied else 50.0])
    if applied:
        assert result.overrides_applied == (made,)
        assert result.overrides_skipped == ()
    else:
        assert result.overrides_applied == ()
        assert result.overrides_skipped == ((made, "expired on 2025-03-01"),)


def test_an_expiring_override_needs_as_of() -> None:
    made = override("overall", None, 95, expires_on=AS_OF)
    with pytest.raises(InvalidInputError, match=r"'a' expires on 2025-03-01: pass `as_of`"):
        score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[made])


def test_skipped_override_reasons_keep_the_given_order() -> None:
    elsewhere = override("overall", None, 1, account_id="zz")
    expired = override("overall", None, 2, expires_on=date(2025, 1, 1))
    kept = override("measure", "nps", 3, expires_on=date(2026, 1, 1))
    result = score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[elsewhere, expired, kept], as_of=AS_OF)
    assert result.overrides_applied == (kept,)
    assert result.overrides_skipped == (
        (elsewhere, "account not in the data"),
        (expired, "expired on 2025-01-01"),
    )
    skipped = result.to_dict()["overrides_skipped"]
    assert json.loads(json.dumps(skipped))[0]["reason"] == "account not in the data"


@pytest.mark.parametrize(
    ("made", "match"),
    [
        (override("measure", "nope", 1), r"names node 'nope', which scorecard 'test' does not"),
        (override("measure", "usage", 1), r"scope 'measure' but 'usage' is a group"),
        (override("group", "nps", 1), r"scope 'group' but 'nps' is a measure"),
        (override("group", "overall", 1), r"scope 'group' but 'overall' is .*the root"),
        (override("overall", "usage", 1), r"names the root 'overall' or no node, got 'usage'"),
    ],
)
def test_bad_override_nodes(made: Override, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[made])


def test_a_bad_override_node_is_an_error_even_for_an_absent_account() -> None:
    made = override("measure", "nope", 1, account_id="not-here")
    with pytest.raises(ConfigError, match="nope"):
        score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[made])


def test_two_active_overrides_of_one_node() -> None:
    first = override("measure", "nps", 10)
    second = override("measure", "nps", 20, author="lee")
    with pytest.raises(InvalidInputError, match=r"two active overrides of 'nps'.*kim and lee"):
        score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[first, second])
    # one of them expired: no conflict
    old = override("measure", "nps", 20, author="lee", expires_on=date(2025, 1, 1))
    result = score(OVERRIDE_CARD, OVERRIDE_DATA, overrides=[first, old], as_of=AS_OF)
    assert close(result.node_scores["nps"][:1], [10.0])


# --- staleness ---------------------------------------------------------------------------

STALE_CARD = card(m("x", max_age_days=30, observed_at="seen"), m("y"))
NOW = datetime(2025, 6, 1, tzinfo=UTC)
STALE_ROWS = [
    {"account_id": "fresh", "x": 80, "seen": NOW - timedelta(days=12), "y": 40},
    {"account_id": "edge", "x": 80, "seen": NOW - timedelta(days=30), "y": 40},
    {"account_id": "old", "x": 80, "seen": NOW - timedelta(days=30, microseconds=1), "y": 40},
    {"account_id": "no_time", "x": 80, "seen": None, "y": 40},
    {"account_id": "future", "x": 80, "seen": NOW, "y": 40},
]


def test_staleness() -> None:
    result = score(STALE_CARD, columns(STALE_ROWS), as_of=NOW)
    # 12 and exactly 30 days old are fresh (only older than max_age_days is stale)
    assert close(result.node_scores["x"], [80, 80, NAN, NAN, NAN])
    assert close(result.score, [60, 60, 40, 40, 40])
    status = [result.explain(str(row["account_id"])).lines[1].status for row in STALE_ROWS]
    assert status[2:] == [
        "stale: dropped, weights renormalised",
        "stale: dropped, weights renormalised",
        "observed after as_of: dropped, weights renormalised",
    ]
    check_reference(STALE_CARD, STALE_ROWS, result, as_of=NOW)


def naive_utc(value: object) -> datetime:
    assert isinstance(value, datetime)
    return value.astimezone(UTC).replace(tzinfo=None)


def test_staleness_needs_as_of() -> None:
    with pytest.raises(InvalidInputError, match=r"'x' sets max_age_days: pass `as_of`"):
        score(STALE_CARD, columns(STALE_ROWS))


def test_a_measure_tables_own_as_of() -> None:
    ids = [row["account_id"] for row in STALE_ROWS]
    table = cshealth.MeasureTable(
        ids,
        {
            "x": [row["x"] for row in STALE_ROWS],
            "seen": np.array(
                [None if row["seen"] is None else naive_utc(row["seen"]) for row in STALE_ROWS],
                dtype="datetime64[us]",
            ),
            "y": [row["y"] for row in STALE_ROWS],
        },
        as_of=np.datetime64("2025-06-01T00:00:00", "us"),
    )
    own = score(STALE_CARD, table)
    assert close(own.node_scores["x"], [80, 80, NAN, NAN, NAN])
    assert own.as_of == np.datetime64("2025-06-01T00:00:00", "us")
    # an explicit as_of wins: 100 days later all is stale
    later = score(STALE_CARD, table, as_of=NOW + timedelta(days=100))
    assert close(later.node_scores["x"], [NAN] * 5)


# --- scorecard sets ----------------------------------------------------------------------


def named(name: str, *children: dict[str, object]) -> Scorecard:
    return Scorecard.model_validate(
        {"name": name, "root": {"name": f"{name}_overall", "children": list(children)}}
    )


ENT = named("ent", m("e1", column="x"), m("e2", column="y", weight=3))
BIG = named("big", m("b1", column="y"))
SMB = named("smb", m("s1", column="x", transform={"kind": "percentile"}))
DEFAULT = named("fallback", m("d1", column="x"))
CARDS = ScorecardSet.model_validate(
    {
        "name": "health",
        "default": DEFAULT,
        "segments": [
            {
                "name": "enterprise",
                "when": [
                    {"column": "segment", "value": "enterprise"},
                    {"column": "seats", "op": "ge", "value": 100},
                ],
                "scorecard": ENT,
            },
            {
                "name": "big",
                "when": [{"column": "seats", "op": "ge", "value": 100}],
                "scorecard": BIG,
            },
            {
                "name": "smb",
                "when": [{"column": "segment", "op": "in", "value": ["smb", "startup"]}],
                "scorecard": SMB,
            },
        ],
    }
)
SET_ROWS = [
    {"account_id": "a1", "segment": "enterprise", "seats": 150, "x": 80, "y": 40},  # ent
    {"account_id": "a2", "segment": "enterprise", "seats": 50, "x": 80, "y": 40},  # default
    {"account_id": "a3", "segment": "smb", "seats": 10, "x": 30, "y": 40},  # smb
    {"account_id": "a4", "segment": None, "seats": 10, "x": 20, "y": 40},  # default
    {"account_id": "a5", "segment": "enterprise", "seats": None, "x": 10, "y": 40},  # default
    {"account_id": "a6", "segment": "smb", "seats": 500, "x": 60, "y": 40},  # big (before smb)
    {"account_id": "a7", "segment": "startup", "seats": 5, "x": 90, "y": 40},  # smb
]


def test_scorecard_set_first_match_wins() -> None:
    result = score(CARDS, columns(SET_ROWS))
    assert result.scorecard.tolist() == [
        "ent",
        "fallback",
        "smb",
        "fallback",
        "fallback",
        "big",
        "smb",
    ]
    # a1: (80 + 3*40) / 4 = 50; big a6: y 40; smb ranks x among a3 (30) and a7 (90): 25, 75
    assert close(result.score, [50, 80, 25, 20, 10, 40, 75])
    # nodes of another scorecard are NaN; measures of another scorecard contribute 0
    assert close(result.node_scores["e1"], [80, NAN, NAN, NAN, NAN, NAN, NAN])
    assert close(result.node_scores["ent_overall"], [50, NAN, NAN, NAN, NAN, NAN, NAN])
    assert close(result.contributions["e2"], [30, 0, 0, 0, 0, 0, 0])
    assert close(result.contributions["d1"], [0, 80, 0, 20, 10, 0, 0])
    sums_to_score(result)
    assert result.name == "health"
    assert result.config_hash == CARDS.config_hash
    assert result.explain("a6").scorecard == "big"
    check_reference(CARDS, SET_ROWS, result)


def test_scorecard_set_overrides_of_nodes_in_another_scorecard_are_skipped() -> None:
    on_ent = override("measure", "e1", 0, account_id="a1")
    wrong_card = override("measure", "e1", 0, account_id="a2")
    result = score(CARDS, columns(SET_ROWS), overrides=[on_ent, wrong_card])
    assert close(result.score[:2], [30, 80])  # a1: (0 + 120) / 4
    assert result.overrides_applied == (on_ent,)
    ((skipped, reason),) = result.overrides_skipped
    assert skipped == wrong_card
    assert "'e1'" in reason
    assert "(scorecard 'fallback')" in reason


def test_scorecard_set_override_of_a_node_no_scorecard_has() -> None:
    made = override("measure", "nope", 0, account_id="a1")
    with pytest.raises(ConfigError, match=r"names node 'nope', which no scorecard of the set"):
        score(CARDS, columns(SET_ROWS), overrides=[made])


def test_scorecard_set_overall_overrides_apply_to_any_scorecard() -> None:
    made = [
        override("overall", None, 5, account_id="a1"),  # ent
        override("overall", None, 6, account_id="a3"),  # smb
    ]
    result = score(CARDS, columns(SET_ROWS), overrides=made)
    assert close(result.score[[0, 2]], [5, 6])
    assert result.overrides_applied == tuple(made)
    sums_to_score(result)


def test_scorecard_set_band_labels_of_each_scorecard() -> None:
    letters = Scorecard.model_validate(
        {
            "name": "letters",
            "bands": [{"label": "B", "min": 0, "max": 50}, {"label": "A", "min": 50, "max": 100}],
            "root": {"name": "l_overall", "children": [m("l1", column="x")]},
        }
    )
    cards = ScorecardSet.model_validate(
        {
            "name": "mixed",
            "default": DEFAULT,
            "segments": [
                {"name": "l", "when": [{"column": "segment", "value": "l"}], "scorecard": letters}
            ],
        }
    )
    rows = [
        {"account_id": "p", "segment": "l", "x": 60},
        {"account_id": "q", "segment": "k", "x": 60},
    ]
    result = score(cards, columns(rows))
    assert result.band.tolist() == ["A", "yellow"]
    assert [band.label for band in result.bands] == ["red", "yellow", "green"]
    assert result.band_counts() == {"red": 0, "yellow": 1, "green": 0, "A": 1, None: 0}


CONDITION_DATA = {
    "account_id": ["s1", "s2", "s3", "s4", "s5"],
    "segment": ["enterprise", "smb", None, "startup", "enterprise"],
    "seats": [100.0, 20.0, 50.0, None, 5.0],
    "flag": [True, False, None, True, False],
    "x": [1.0, 2.0, 3.0, 4.0, 5.0],
}


@pytest.mark.parametrize(
    ("condition", "chosen"),
    [
        ({"column": "segment", "op": "eq", "value": "enterprise"}, {"s1", "s5"}),
        ({"column": "segment", "op": "ne", "value": "enterprise"}, {"s2", "s4"}),  # not s3
        ({"column": "segment", "op": "in", "value": ["smb", "startup"]}, {"s2", "s4"}),
        ({"column": "segment", "op": "not_in", "value": ["smb"]}, {"s1", "s4", "s5"}),
        ({"column": "segment", "op": "missing"}, {"s3"}),
        ({"column": "segment", "op": "present"}, {"s1", "s2", "s4", "s5"}),
        ({"column": "segment", "op": "lt", "value": 5}, set()),  # text is never < a number
        ({"column": "seats", "op": "eq", "value": 100}, {"s1"}),
        ({"column": "seats", "op": "ne", "value": 100}, {"s2", "s3", "s5"}),  # not s4
        ({"column": "seats", "op": "in", "value": [20, 5]}, {"s2", "s5"}),
        ({"column": "seats", "op": "not_in", "value": [20]}, {"s1", "s3", "s5"}),
        ({"column": "seats", "op": "lt", "value": 50}, {"s2", "s5"}),
        ({"column": "seats", "op": "le", "value": 50}, {"s2", "s3", "s5"}),
        ({"column": "seats", "op": "gt", "value": 50}, {"s1"}),
        ({"column": "seats", "op": "ge", "value": 50}, {"s1", "s3"}),
        ({"column": "seats", "op": "missing"}, {"s4"}),
        ({"column": "seats", "op": "present"}, {"s1", "s2", "s3", "s5"}),
        ({"column": "seats", "op": "eq", "value": "gold"}, set()),
        ({"column": "flag", "op": "eq", "value": True}, {"s1", "s4"}),
        ({"column": "flag", "op": "ne", "value": True}, {"s2", "s5"}),
        ({"column": "flag", "op": "missing"}, {"s3"}),
    ],
)
@pytest.mark.parametrize("form", ["lists", "arrays"])
def test_condition_ops(condition: dict[str, object], chosen: set[str], form: str) -> None:
    cards = ScorecardSet.model_validate(
        {
            "name": "ops",
            "default": DEFAULT,
            "segments": [
                {"name": "hit", "when": [condition], "scorecard": named("hit", m("h1", column="x"))}
            ],
        }
    )
    data: dict[str, object] = dict(CONDITION_DATA)
    if form == "arrays":  # numbers as float arrays (NaN missing), text as object arrays
        data = {
            key: np.array([np.nan if v is None else v for v in values], dtype=float)
            if key in ("seats", "x")
            else np.array(values, dtype=object)
            for key, values in CONDITION_DATA.items()
        }
    result = score(cards, data)
    hits = {a for a, c in zip(result.account_ids.tolist(), result.scorecard.tolist()) if c == "hit"}
    assert hits == chosen
    check_reference(cards, columns_to_rows(CONDITION_DATA), result)


def test_a_condition_on_a_column_with_no_values() -> None:
    # every segment value missing: only `missing` holds, nobody is "enterprise"
    data = {"account_id": ["a", "b"], "x": [10.0, 20.0], "y": [1.0, 2.0]}
    data["seats"] = [None, None]
    data["segment"] = [None, None]
    result = score(CARDS, data)
    assert result.scorecard.tolist() == ["fallback", "fallback"]
    assert close(result.score, [10.0, 20.0])


def test_a_condition_column_must_be_in_the_data() -> None:
    data = {k: v for k, v in columns(SET_ROWS).items() if k != "segment"}
    with pytest.raises(InvalidInputError, match="no column 'segment'"):
        score(CARDS, data)


# --- data forms --------------------------------------------------------------------------

FORM_ROWS = [
    {
        "account_id": "b",
        "logins_per_seat": 8.0,
        "seat_utilisation": 0.9,
        "nps": 45.0,
        "open_tickets": 2.0,
    },
    {
        "account_id": "a",
        "logins_per_seat": None,
        "seat_utilisation": 0.55,
        "nps": 0.0,
        "open_tickets": 10.0,
    },
    {
        "account_id": "c",
        "logins_per_seat": 1.0,
        "seat_utilisation": None,
        "nps": None,
        "open_tickets": 0.0,
    },
]


def _forms() -> dict[str, object]:
    cols = columns(FORM_ROWS)
    arrays = {k: np.array(v, dtype=object if k == "account_id" else float) for k, v in cols.items()}
    return {
        "dict": cols,
        "numpy": arrays,
        "pandas": pd.DataFrame(cols),
        "measure_table": cshealth.MeasureTable(
            arrays["account_id"], {k: v for k, v in arrays.items() if k != "account_id"}
        ),
        "records": [dict(row) for row in FORM_ROWS],
        "iterator": iter([dict(row) for row in FORM_ROWS]),
        "generator": (dict(row) for row in FORM_ROWS),
    }


@pytest.mark.parametrize("form", list(_forms()))
def test_data_forms(form: str) -> None:
    scorecard = Scorecard.model_validate_json(ISSUE_JSON)
    data = _forms()[form]
    result = score(scorecard, data)
    assert result.account_ids.tolist() == ["b", "a", "c"]  # the input's order
    # b as "a" of the issue example: 89.333; a: usage 50, nps 50, tickets 0 ->
    #   (0.5*50 + 0.3*50 + 0) / 1 = 40 ... coverage 0.5/3 + 0.3 + 0.2 = 0.667
    # c: logins 10, usage 10 (coverage 2/3 of usage); nps missing; tickets 100
    #   (0.5*10 + 0.2*100) / 0.7 = 35.714; coverage 0.5*2/3 + 0.2 = 0.533
    assert close(result.score, [268 / 3, 40.0, 25 / 0.7])
    assert close(result.coverage, [1.0, 0.5 / 3 + 0.5, 1 / 3 + 0.2])
    check_reference(scorecard, FORM_ROWS, result)


@pytest.mark.parametrize(
    "data",
    [
        {"account_id": [], "x": []},
        {"account_id": np.array([], dtype=object), "x": np.array([])},
        pd.DataFrame({"account_id": pd.Series([], dtype=object), "x": pd.Series([], dtype=float)}),
        [],
        iter([]),
    ],
    ids=["lists", "arrays", "pandas", "records", "iterator"],
)
def test_empty_data(data: object) -> None:
    result = score(card(m("x")), data)
    assert len(result) == 0
    assert result.score.shape == (0,)
    assert result.band_counts() == {"red": 0, "yellow": 0, "green": 0, None: 0}
    assert result.to_records() == []
    assert json.dumps(result.to_dict(), allow_nan=False)
    assert repr(result).startswith("HealthScores('test', 0 accounts: red 0, yellow 0, green 0")
    with pytest.raises(AccountNotFoundError, match="no account 'a' among the 0 accounts"):
        result.explain("a")


def test_empty_data_with_a_scorecard_set() -> None:
    data = {"account_id": np.array([], dtype=object), "segment": np.array([], dtype=object)}
    data["x"] = np.array([])
    data["y"] = np.array([])
    data["seats"] = np.array([])
    result = score(CARDS, data)
    assert len(result) == 0
    assert result.to_records() == []


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"x": [1]}, r"needs an `account_id` column"),
        ({"account_id": ["a", "a"], "x": [1, 2]}, r"`account_id` repeats \['a'\]"),
        (
            {"account_id": ["a", None], "x": [1, 2]},
            r"row 2: `account_id`: an identifier is required",
        ),
        ({"account_id": ["a"], "y": [1]}, r"no column 'x'"),
        (
            {"account_id": ["a", "b"], "x": [1.0, math.inf]},
            r"column 'x', account 'b' \(row 2\): inf",
        ),
        ({"account_id": ["a", "b"], "x": [1, "7"]}, r"column 'x', account 'b' \(row 2\): '7'"),
        ({"account_id": ["a", "b"], "x": [1, True]}, r"column 'x', account 'b' \(row 2\): True"),
        ([{"account_id": "a", "x": 1}, 3], r"row 2 is a int"),
        (42, r"got int"),
    ],
)
def test_bad_data(data: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        score(card(m("x")), data)


def test_score_one_may_count_absent_columns_as_missing() -> None:
    # the internal one-scorecard scorer behind attribute_change: with absent="missing" a
    # column the data lacks is missing for every account, with "error" it is an error
    scorecard = card(m("x"), m("y", 3))
    data = {"account_id": ["a", "b"], "x": [40.0, None]}
    part = score_one(scorecard, data, as_of=None, overrides=(), absent="missing")
    assert close(part.evaluation.score, [40.0, NAN])
    assert close(part.evaluation.coverage, [0.25, 0.0])
    with pytest.raises(InvalidInputError, match="no column 'y'"):
        score_one(scorecard, data, as_of=None, overrides=(), absent="error")
    made = override("overall", None, 70, account_id="b")
    part = score_one(scorecard, data, as_of=None, overrides=(made,), absent="missing")
    assert close(part.evaluation.score, [40.0, 70.0])
    assert part.applied == (made,)


def test_row_order_is_kept_not_sorted() -> None:
    result = score(card(m("x")), {"account_id": ["z", "a", "m"], "x": [1, 2, 3]})
    assert result.account_ids.tolist() == ["z", "a", "m"]
    assert close(result.score, [1, 2, 3])


# --- results -----------------------------------------------------------------------------


def issue_result() -> HealthScores:
    return score(Scorecard.model_validate_json(ISSUE_JSON), ISSUE_DATA, as_of=date(2025, 5, 1))


def test_explain_lines() -> None:
    explanation = issue_result().explain("a")
    assert isinstance(explanation, Explanation)
    assert [line.path for line in explanation.lines] == [
        ("overall",),
        ("overall", "usage"),
        ("overall", "usage", "logins"),
        ("overall", "usage", "seats"),
        ("overall", "nps"),
        ("overall", "tickets"),
    ]
    lines = {line.name: line for line in explanation.lines}
    logins = lines["logins"]
    assert logins.kind == "measure"
    assert logins.column == "logins_per_seat"
    assert logins.raw == 8.0
    assert logins.score == pytest.approx(80.0)
    assert logins.nominal_share == pytest.approx(1 / 3)  # 0.5 * 2/3
    assert logins.weight == pytest.approx(1 / 3)
    assert logins.contribution == pytest.approx(80 / 3)
    assert logins.lost == pytest.approx(100 / 3 - 80 / 3)  # 100 * weight - contribution
    assert logins.status == "ok"
    assert logins.coverage == 1.0
    usage = lines["usage"]
    assert (usage.kind, usage.column, usage.raw) == ("group", None, None)
    assert usage.weight == pytest.approx(0.5)
    assert usage.contribution == pytest.approx(80 / 3 + 50 / 3)  # its measures'
    assert lines["overall"].weight == 1.0
    assert lines["overall"].contribution == pytest.approx(268 / 3)
    assert lines["tickets"].lost == pytest.approx(20 - 16)
    # what cost the most: logins 6.667, tickets 4; nps and seats lost nothing
    assert [line.name for line in explanation.drags(3)] == ["logins", "tickets"]
    assert [line.name for line in explanation.drags(1)] == ["logins"]
    assert [line.name for line in explanation.measures()] == ["logins", "seats", "nps", "tickets"]
    assert explanation.score == pytest.approx(268 / 3)
    assert explanation.band == "green"
    assert explanation.coverage == 1.0
    assert explanation.min_coverage == 0.5
    assert explanation.scorecard == "default"
    assert explanation.config_hash == Scorecard.model_validate_json(ISSUE_JSON).config_hash
    assert repr(explanation).startswith("Explanation('a', score=89.33")
    assert repr(explanation).endswith(", band='green')")


def test_explain_weights_are_derivatives() -> None:
    # the effective weight is d score / d node score: nudge each measure of "full" by 1e-3
    values = {"m0": 20.0, "m1": 60.0, "m2": 90.0, "m3": 10.0, "m4": 50.0}
    base = score(NESTED, {"account_id": ["full"], **{k: [v] for k, v in values.items()}})
    explanation = base.explain("full")
    for line in explanation.measures():
        moved = dict(values, **{line.name: values[line.name] + 1e-3})
        again = score(NESTED, {"account_id": ["full"], **{k: [v] for k, v in moved.items()}})
        slope = (again.score[0] - base.score[0]) / 1e-3
        assert line.weight == pytest.approx(slope, abs=1e-6), line.name
    # m1: 3/4 * 1/2 * 3/4 * 1/2 = 9/64
    assert {line.name: line.weight for line in explanation.lines}["m1"] == pytest.approx(9 / 64)


def test_explain_missing_and_policy_notes() -> None:
    explanation = issue_result().explain("b")
    lines = {line.name: line for line in explanation.lines}
    assert lines["logins"].status == "missing: dropped, weights renormalised"
    assert lines["logins"].score is None
    assert lines["logins"].raw is None
    assert lines["logins"].lost == 0.0
    assert lines["tickets"].status == "missing: dropped, weights renormalised"
    assert math.isnan(lines["seats"].contribution)  # the score is insufficient
    assert lines["usage"].coverage == pytest.approx(1 / 3)
    fixed = score(
        card(m("x"), m("y"), missing="fixed"), {"account_id": ["a"], "x": [1], "y": [None]}
    )
    assert fixed.explain("a").lines[2].status == "missing: counted as 0"
    neutral = score(
        card(m("x"), m("y"), missing="neutral", neutral=30),
        {"account_id": ["a"], "x": [1], "y": [None]},
    )
    assert neutral.explain("a").lines[2].status == "missing: scored neutral 30"
    group_missing = issue_result().explain("c")
    assert {line.name: line for line in group_missing.lines}["usage"].status == (
        "missing: dropped, weights renormalised"
    )


def test_explanation_text_and_dict() -> None:
    explanation = issue_result().explain("a")
    text = str(explanation)
    first, header, *rows = text.splitlines()
    assert first == f"a: 89.3 (green), coverage 100% [default {explanation.config_hash}]"
    assert header.split() == ["node", "raw", "score", "weight", "contrib", "status"]
    assert rows[0].split() == ["overall", "89.3", "1.000", "89.3", "ok"]
    assert rows[2].split() == ["logins", "8", "80.0", "0.333", "26.7", "ok"]
    assert rows[2].startswith("    logins")  # indented by depth
    as_dict = explanation.to_dict()
    assert json.loads(json.dumps(as_dict, allow_nan=False)) == as_dict
    assert as_dict["account_id"] == "a"
    lines = as_dict["lines"]
    assert isinstance(lines, list)
    assert lines[2]["path"] == ["overall", "usage", "logins"]
    assert lines[2]["raw"] == 8.0


def test_explain_raw_values_of_every_kind() -> None:
    scorecard = card(
        m("c", transform={"kind": "categories", "scores": {"good": 100}}),
        m("f", transform={"kind": "boolean"}),
        m("n", max_age_days=5, observed_at="seen"),
    )
    rows = [{"account_id": "a", "c": "good", "f": True, "n": 50, "seen": NOW - timedelta(days=1)}]
    result = score(scorecard, columns(rows), as_of=NOW)
    explanation = result.explain("a")
    raws = [line.raw for line in explanation.measures()]
    assert raws == ["good", True, 50]
    assert json.dumps(explanation.to_dict(), allow_nan=False)
    rows_of_text = str(explanation).splitlines()[3:]
    assert [row.split()[1] for row in rows_of_text] == ["good", "True", "50"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (np.float64(2.5), 2.5),
        (np.int64(3), 3),
        (math.inf, None),
        (math.nan, None),
        ("text", "text"),
        (None, None),
        (date(2025, 1, 2), "2025-01-02"),
    ],
)
def test_explanation_line_raw_values_to_json(raw: object, expected: object) -> None:
    line = ExplanationLine(
        path=("overall", "x"),
        kind="measure",
        column="x",
        raw=raw,
        score=None,
        nominal_share=1.0,
        weight=0.0,
        contribution=0.0,
        lost=0.0,
        status="missing",
        coverage=0.0,
    )
    assert line.to_dict()["raw"] == expected
    assert line.name == "x"


def test_to_records_and_to_dict_are_json() -> None:
    result = issue_result()
    records = result.to_records()
    assert json.loads(json.dumps(records, allow_nan=False)) == records
    assert records[1]["score"] is None  # insufficient data
    assert records[1]["band"] is None
    assert records[0]["account_id"] == "a"
    assert records[0]["scorecard"] == "default"
    loaded = json.loads(json.dumps(records))
    assert loaded[0]["node_scores"]["usage"] == pytest.approx(260 / 3)
    assert loaded[0]["contributions"]["nps"] == pytest.approx(30)
    assert loaded[2]["node_scores"]["usage"] is None
    whole = result.to_dict()
    assert json.loads(json.dumps(whole, allow_nan=False)) == whole
    assert whole["as_of"] == "2025-05-01T00:00:00.000000Z"
    assert whole["band_counts"] == {"red": 1, "yellow": 0, "green": 2, "None": 1}
    assert whole["closure"] == "lower_inclusive"
    assert whole["account_ids"] == [record["account_id"] for record in records]
    assert whole["score"] == [record["score"] for record in records]
    assert whole["node_scores"]["usage"] == [record["node_scores"]["usage"] for record in records]
    with_overrides = score(
        OVERRIDE_CARD, OVERRIDE_DATA, overrides=[override("overall", None, 3)]
    ).to_dict()
    assert json.dumps(with_overrides, allow_nan=False)
    applied = json.loads(json.dumps(with_overrides["overrides_applied"]))
    assert applied[0]["reason"] == "call with the CFO"


def test_band_counts_and_repr() -> None:
    result = issue_result()
    assert result.band_counts() == {"red": 1, "yellow": 0, "green": 2, None: 1}
    # mean coverage (1 + 0.4667 + 0.5 + 1) / 4 = 0.74
    assert repr(result) == (
        "HealthScores('default', 4 accounts: red 1, yellow 0, green 2; "
        "insufficient data 1; mean coverage 0.74)"
    )
    assert len(result) == 4
    assert result.as_of == np.datetime64("2025-05-01T00:00:00", "us")
    assert result.closure == "lower_inclusive"
    assert [band.label for band in result.bands] == ["red", "yellow", "green"]


def test_upper_inclusive_bands() -> None:
    # bands (min, max] with the first closed: 40 is red, 70 yellow, 0 red
    scorecard = card(m("x"), closure="upper_inclusive")
    result = score(scorecard, {"account_id": list("abcde"), "x": [0, 40, 40.5, 70, 100]})
    assert result.band.tolist() == ["red", "red", "yellow", "yellow", "green"]
    lower = score(card(m("x")), {"account_id": list("abcde"), "x": [0, 40, 40.5, 70, 100]})
    assert lower.band.tolist() == ["red", "yellow", "yellow", "green", "green"]


def test_the_public_names() -> None:
    from cshealth import scoring

    assert scoring.score is score
    assert scoring.HealthScores is HealthScores


# --- the result shape (issue 14) -------------------------------------------------------------


def test_health_scores_compare_by_value() -> None:
    result = issue_result()
    again = issue_result()
    assert result == result  # noqa: PLR0124
    assert result == again  # another call, the same values (NaN equal to NaN)
    assert result == pickle.loads(pickle.dumps(result))
    assert result != score(
        Scorecard.model_validate_json(ISSUE_JSON), ISSUE_DATA, as_of=date(2025, 5, 2)
    )
    with pytest.raises(TypeError, match="unhashable"):
        hash(result)


def test_health_scores_to_pandas_rows_and_lookup() -> None:
    result = issue_result()
    frame = result.to_pandas()
    assert list(frame.columns) == ["account_id", "score", "band", "coverage", "scorecard"]
    assert len(frame) == len(result) == 4
    assert frame["account_id"].tolist() == result.account_ids.tolist()
    np.testing.assert_array_equal(frame["score"].to_numpy(), result.score)
    assert frame["band"].tolist() == result.band.tolist()
    assert result.row("c") == 2
    assert result.explain("c") == result.explain(result.account_ids[2])
    with pytest.raises(AccountNotFoundError, match="no account 'zz' among the 4 accounts"):
        result.row("zz")
    with pytest.raises(KeyError):  # an AccountNotFoundError is a KeyError too
        result.explain("zz")
    with pytest.raises(AccountNotFoundError, match="can never match"):
        result.explain(1)  # the ids are text


def test_explain_needs_the_scoring_run() -> None:
    by_hand = dataclasses.replace(issue_result(), _parts=())
    with pytest.raises(InvalidInputError, match="holds no scoring run"):
        by_hand.explain("a")


def test_health_scores_to_dict_is_strict_json_of_the_fields() -> None:
    result = issue_result()
    whole = result.to_dict()
    assert json.loads(json.dumps(whole, allow_nan=False)) == whole
    assert list(whole)[:7] == [
        "name",
        "account_ids",
        "score",
        "band",
        "coverage",
        "scorecard",
        "node_scores",
    ]
    assert "_parts" not in whole
    assert whole["score"][1] is None  # NaN
    assert whole["score"][0] == pytest.approx(float(result.score[0]))
    assert whole["contributions"]["nps"] == [
        None if math.isnan(v) else v for v in result.contributions["nps"].tolist()
    ]
    assert whole["bands"][0] == {"label": "red", "min": 0.0, "max": 40.0}


def test_explanations_compare_format_and_serialise() -> None:
    explanation = issue_result().explain("a")
    assert explanation == issue_result().explain("a")
    assert explanation != issue_result().explain("c")
    assert explanation.lines[2] == issue_result().explain("a").lines[2]
    assert str(explanation) == explanation.format()
    assert explanation.format().startswith("a: 89.3 (green)")
    assert explanation._repr_html_().startswith("<pre>a: 89.3 (green)")
    as_dict = explanation.to_dict()
    assert set(as_dict) == {
        "account_id",
        "scorecard",
        "score",
        "band",
        "coverage",
        "min_coverage",
        "lines",
        "overrides",
        "config_hash",
    }
    assert as_dict["lines"][2] == explanation.lines[2].to_dict()
    insufficient = issue_result().explain("b")
    assert insufficient.score is None
    assert json.dumps(insufficient.to_dict(), allow_nan=False)  # NaN contributions as None
    assert insufficient.to_dict()["lines"][0]["contribution"] is None


def test_explain_finds_each_account_of_a_scorecard_set() -> None:
    result = score(CARDS, columns(SET_ROWS))
    for row, account in enumerate(result.account_ids.tolist()):
        explanation = result.explain(account)
        assert explanation.account_id == account
        assert explanation.scorecard == result.scorecard[row]
        assert explanation.score == pytest.approx(float(result.score[row]))
