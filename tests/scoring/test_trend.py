"""Score trends against hand-worked examples, SciPy and a plain per-account reference.

References: small histories worked by hand (arithmetic in the comments); ``scipy.stats
.theilslopes`` and ``scipy.stats.kendalltau`` called account by account on each account's
scored points (the kernel fits all accounts at once from one matrix); and `reference_bands`,
a per-account loop over the snapshots with a linear scan for the raw band (the module
uses ``numpy.searchsorted`` and walks all accounts at once).
"""

from __future__ import annotations

import itertools
import json
import math
import pickle
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cshealth import AccountNotFoundError, InvalidInputError, _slopes
from cshealth._slopes import theil_kendall
from cshealth._stats import ConfidenceInterval
from cshealth.scoring import ScoreTrend, trend
from cshealth.scoring._bands import Band
from cshealth.scoring._score_history import ScoresLike, ScoreSnapshot

UTC = timezone.utc
DAYS = ["2025-01-01", "2025-01-02", "2025-01-04", "2025-01-11", "2025-01-25"]  # days 0 1 3 10 24
RYG = [
    Band(label="red", min=0, max=40),
    Band(label="yellow", min=40, max=70),
    Band(label="green", min=70, max=100),
]


def history_of(scores: dict[str, list], days: list = DAYS) -> dict[str, list]:
    """Columns of a history: ``scores[account][i]`` at ``days[i]``; ``...`` means no row."""
    columns: dict[str, list] = {"account_id": [], "as_of": [], "score": []}
    for account, values in scores.items():
        for day, value in zip(days, values):
            if value is ...:
                continue
            columns["account_id"].append(account)
            columns["as_of"].append(day)
            columns["score"].append(value)
    return columns


@dataclass(frozen=True)
class Scores:
    """A stand-in for the engine's ``HealthScores``: the three attributes `trend` reads."""

    account_ids: object
    score: object
    as_of: object


# --- hand-worked examples --------------------------------------------------------------------
# Snapshots 01-01, 01-02, 01-04, 01-11, 01-25: x = 0, 1, 3, 10, 24 days.
# Latest move, 01-11 -> 01-25, dead band 5:
#   A: 65.1 -> 70.1: 70.1 - 65.1 = 5.0 -> same (exactly the dead band)
#   B: 80 -> 74.9: -5.0999... -> down (beyond the dead band)
#   C: 3.3 -> 8.3: in floating point 5.000000000000001 -> same (5 in decimal: the tolerance)
#   D: 19.5 -> 25: +5.5 -> up; D has no score on 01-02 (None): 4 scored points
#   E: no score on 01-11 (NaN previous) -> change NaN, direction None
#   F: no row on 01-25 (NaN current) -> direction None
#   G: a row only on 01-25: one point, no slope, no trend
HAND = {
    "A": [60, 61, 63, 65.1, 70.1],
    "B": [80, 80, 80, 80, 74.9],
    "C": [1, 2, 3, 3.3, 8.3],
    "D": [10, None, 20, 19.5, 25.0],
    "E": [30, 35, 36, None, 36],
    "F": [90, 85, 80, 75, ...],
    "G": [..., ..., ..., ..., 50],
}


def test_hand_worked_example():
    result = trend(history_of(HAND))
    assert result.account_ids.tolist() == list("ABCDEFG")
    assert result.n_points.tolist() == [5, 5, 5, 4, 4, 4, 1]
    np.testing.assert_array_equal(result.current, [70.1, 74.9, 8.3, 25, 36, np.nan, 50])
    np.testing.assert_array_equal(result.previous, [65.1, 80, 3.3, 19.5, np.nan, 75, np.nan])
    assert result.change[2] > 5  # 5.000000000000001: the tolerance makes it "same"
    assert result.direction.tolist() == ["same", "down", "same", "up", None, None, None]
    assert result.as_of == datetime(2025, 1, 25, tzinfo=UTC)
    assert result.snapshots.astype("datetime64[D]").astype(str).tolist() == DAYS
    assert result.band is None  # no bands given
    assert repr(result) == (
        "ScoreTrend(7 accounts, 5 snapshots to 2025-01-25: 1 up, 1 down, 2 same; "
        "0 falling, 2 rising)"
    )


def test_hand_worked_slope_and_trend():
    # A at x = 0, 1, 3, 10, 24: y = 60, 61, 63, 65.1, 70.1. The ten pairwise slopes:
    #   (0,1) 1/1 = 1        (0,2) 3/3 = 1        (0,3) 5.1/10 = 0.51   (0,4) 10.1/24 = 0.4208
    #   (1,2) 2/2 = 1        (1,3) 4.1/9 = 0.4556 (1,4) 9.1/23 = 0.3957
    #   (2,3) 2.1/7 = 0.3    (2,4) 7.1/21 = 0.3381 (3,4) 5/14 = 0.3571
    # sorted: 0.3 0.3381 0.3571 0.3957 0.4208 | 0.4556 0.51 1 1 1 -> median of the middle two
    result = trend(history_of(HAND))
    assert result.slope[0] == pytest.approx((10.1 / 24 + 4.1 / 9) / 2, rel=1e-12)
    # A rises at every step: tau = 1; exact test, n = 5: P(all 10 pairs concordant) =
    # 1/5! = 1/120, two-sided 2/120 = 0.0167 < 0.05 -> rising
    assert result.tau[0] == pytest.approx(1.0)
    assert result.pvalue[0] == pytest.approx(2 / 120)
    # F falls at every step but has 4 points: 2/4! = 0.083 >= 0.05 -> flat
    assert result.pvalue[5] == pytest.approx(2 / 24)
    # D and E have 4 points, G one: with min_points 5 they get no trend
    assert result.trend.tolist() == ["rising", "flat", "rising", "flat", "flat", "flat", None]
    fewer = trend(history_of(HAND), min_points=5)
    assert fewer.trend.tolist() == ["rising", "flat", "rising", None, None, None, None]
    np.testing.assert_array_equal(fewer.slope, result.slope)  # only the call changes
    # G: one point -> no slope, no tau
    low = result.slope_confidence_interval().low
    assert np.isnan([result.slope[6], low[6], result.tau[6], result.pvalue[6]]).all()
    # a looser level calls F falling: 0.083 < 0.1
    assert trend(history_of(HAND), confidence_level=0.9).trend[5] == "falling"


@pytest.mark.parametrize(
    ("dead_band", "expected"),
    [
        (0.0, ["up", "down", "up", "up"]),
        (5.0, ["same", "down", "same", "up"]),  # exactly 5 is same
        (5.1, ["same", "same", "same", "up"]),  # |-5.0999...| <= 5.1
        (5.5, ["same", "same", "same", "same"]),
    ],
)
def test_dead_band_edges(dead_band, expected):
    result = trend(history_of({k: HAND[k] for k in "ABCD"}), dead_band=dead_band)
    assert result.direction.tolist() == expected


def test_equal_scores_are_same_even_without_a_dead_band():
    result = trend(history_of({"A": [50, 50]}), dead_band=0)
    assert result.direction.tolist() == ["same"]
    assert result.change.tolist() == [0.0]
    # two equal points: slope 0, tau undefined (all tied)
    assert result.slope.tolist() == [0.0]
    assert np.isnan(result.tau[0])


# --- bands and hysteresis, worked by hand ----------------------------------------------------
# red [0, 40), yellow [40, 70), green [70, 100]; hysteresis 5 (lower_inclusive: a band
# widened by 5 is [min - 5, max + 5)).
#   A: 72 green; 68 inside [65, 105) stays green; 66 stays; 64.9 < 65 -> yellow (its raw
#      band); 71 inside yellow's [35, 75) stays yellow. Last: yellow (raw green), the band
#      before yellow: unchanged.
#   B: 50 yellow, 60, 66, 74 (inside [35, 75)), 75 (not < 75) -> green: changed.
#   C: 72 green, 68 green, no score (band cleared), 68 yellow (a fresh start: raw),
#      69 yellow: the band before is yellow, unchanged.
#   D: 20 red, 20, 20, no score at the last snapshot: band None, unchanged.
#   E: 30 red, then 46: red widened is [-5, 45) -> 46 moves to yellow: changed.
BANDED = {
    "A": [72, 68, 66, 64.9, 71],
    "B": [50, 60, 66, 74, 75],
    "C": [72, 68, None, 68, 69],
    "D": [20, 20, 20, 20, None],
    "E": [30, 30, 30, 30, 46],
}


def test_hysteresis_by_hand():
    result = trend(history_of(BANDED), bands=RYG, hysteresis=5)
    assert result.band.tolist() == ["yellow", "green", "yellow", None, "yellow"]
    assert result.raw_band.tolist() == ["green", "green", "yellow", None, "yellow"]
    assert result.band_changed.tolist() == [False, True, False, False, True]
    # without hysteresis the band is the raw band: A 64.9 -> 71 is yellow -> green
    plain = trend(history_of(BANDED), bands=RYG)
    assert plain.band.tolist() == plain.raw_band.tolist()
    assert plain.band_changed.tolist() == [True, False, False, False, True]  # B: 74, 75 green


def test_band_edges_follow_the_closure():
    # 40 and 70 are the edges. lower_inclusive: 40 yellow, 70 green; upper_inclusive: 40
    # red, 70 yellow; 0 and 100 are always in the first and last band.
    scores = {"a": [0], "b": [40], "c": [70], "d": [100]}
    lower = trend(history_of(scores, DAYS[:1]), bands=RYG)
    upper = trend(history_of(scores, DAYS[:1]), bands=RYG, closure="upper_inclusive")
    assert lower.band.tolist() == ["red", "yellow", "green", "green"]
    assert upper.band.tolist() == ["red", "red", "yellow", "green"]
    # with hysteresis 3 under upper_inclusive, yellow (40, 70] widens to (37, 73]:
    # 72 -> 73 stays yellow, 73.5 leaves it
    moves = {"a": [60, 73], "b": [60, 73.5], "c": [60, 37], "d": [60, 36.9]}
    sticky = trend(history_of(moves), bands=RYG, closure="upper_inclusive", hysteresis=3)
    assert sticky.band.tolist() == ["yellow", "green", "red", "red"]
    # "c": 37 is not > 37: it leaves yellow (open lower end) to its raw band red
    assert sticky.band_changed.tolist() == [False, True, True, True]


def test_one_snapshot_and_empty_history():
    one = trend(history_of({"A": [55], "B": [None]}, DAYS[:1]), bands=RYG)
    assert one.previous.tolist() == [None, None] or np.isnan(one.previous).all()
    assert one.direction.tolist() == [None, None]
    assert one.band.tolist() == ["yellow", None]
    assert one.band_changed.tolist() == [False, False]
    assert np.isnan(one.slope).all()
    assert one.n_points.tolist() == [1, 0]
    assert repr(one) == (
        "ScoreTrend(2 accounts, 1 snapshot to 2025-01-01: 0 up, 0 down, 0 same; "
        "0 falling, 0 rising; 0 changed band)"
    )
    for empty in (
        trend([]),
        trend({"account_id": [], "as_of": [], "score": []}, bands=RYG),
        trend(iter([])),
    ):
        assert len(empty) == 0
        assert empty.as_of is None
        assert repr(empty) == "ScoreTrend(0 accounts, 0 snapshots)"
        assert empty.to_dict()["account_ids"] == []
        assert empty.to_dict()["as_of"] is None


# --- Theil–Sen and Kendall against SciPy -----------------------------------------------------


def random_history(seed: int, n_accounts: int, n_snapshots: int):
    """Uneven snapshots (gaps of hours to weeks), ragged accounts, ties and gaps."""
    rng = np.random.default_rng(seed)
    gaps = rng.integers(60, 60 * 24 * 21, n_snapshots)  # minutes
    start = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    instants = [start + timedelta(minutes=int(m)) for m in np.cumsum(gaps)]
    rows: dict[str, list] = {"account_id": [], "as_of": [], "score": []}
    for a in range(n_accounts):
        drift = rng.normal(0, 2)
        level = rng.uniform(20, 80)
        rounded = a % 3 == 0  # whole-point scores: ties
        for t, instant in enumerate(instants):
            if rng.random() < 0.2:
                continue  # no row
            value = float(np.clip(level + drift * t + rng.normal(0, 4), 0, 100))
            rows["account_id"].append(f"acc-{a:03d}")
            rows["as_of"].append(instant)
            rows["score"].append(
                None if rng.random() < 0.1 else (round(value) if rounded else value)
            )
    return rows, instants


def per_account(rows, first):
    points: dict[str, list[tuple[float, float]]] = {}
    for account, instant, score in zip(rows["account_id"], rows["as_of"], rows["score"]):
        points.setdefault(account, [])
        if score is not None:
            points[account].append(((instant - first) / timedelta(days=1), score))
    return {account: sorted(values) for account, values in sorted(points.items())}


@pytest.mark.parametrize(
    ("seed", "n_accounts", "n_snapshots", "level"),
    [(1, 40, 6, 0.95), (2, 30, 12, 0.9), (3, 12, 40, 0.8), (4, 25, 3, 0.95)],
)
def test_slopes_match_scipy_on_uneven_histories(seed, n_accounts, n_snapshots, level):
    rows, instants = random_history(seed, n_accounts, n_snapshots)
    result = trend(rows, confidence_level=level, min_points=3)
    expected = per_account(rows, min(instants))
    assert result.account_ids.tolist() == list(expected)
    low, high = result.slope_confidence_interval()
    for i, points in enumerate(expected.values()):
        got = [result.slope[i], low[i], high[i]]
        got += [result.tau[i], result.pvalue[i]]
        assert result.n_points[i] == len(points)
        if len(points) < 2:
            assert np.isnan(got).all()
            assert result.trend[i] is None
            continue
        x, y = (np.array(v) for v in zip(*points))
        fit = stats.theilslopes(y, x, level)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant input: SciPy warns, returns NaN
            kt = stats.kendalltau(x, y)
        want = [fit.slope, fit.low_slope, fit.high_slope, kt.statistic, kt.pvalue]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
        called = kt.pvalue < 1 - level
        label = "flat"
        if called and fit.slope != 0:
            label = "falling" if fit.slope < 0 else "rising"
        assert result.trend[i] == (None if len(points) < 3 else label)


@pytest.mark.parametrize("width", [2, 7, 36])
def test_theil_kendall_with_x_matches_scipy(width, monkeypatch):
    monkeypatch.setattr(_slopes, "_BLOCK_CELLS", 5 * width * width)  # several blocks
    rng = np.random.default_rng(50 + width)
    x = np.cumsum(rng.uniform(0.05, 9.0, width))  # uneven, increasing, not from 0
    n = 40
    y = rng.normal(0, 3, (n, width)) + rng.normal(0, 1, (n, 1)) * x
    y[::4] = np.round(y[::4])  # ties
    y[0] = 7.0  # all tied
    y[1] = x * 2  # rising
    y[2, :-1] = np.nan  # one point
    y[3] = np.nan
    y[5:, :][rng.random((n - 5, width)) < 0.25] = np.nan
    fit = theil_kendall(y, 0.9, x=x)
    for row in range(n):
        present = ~np.isnan(y[row])
        got = [fit.slope[row], fit.low[row], fit.high[row], fit.tau[row], fit.pvalue[row]]
        if present.sum() < 2:
            assert np.isnan(got).all()
            continue
        ts = stats.theilslopes(y[row, present], x[present], 0.9)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kt = stats.kendalltau(x[present], y[row, present])
        want = [ts.slope, ts.low_slope, ts.high_slope, kt.statistic, kt.pvalue]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-300)
    # Kendall depends on the order only: the same with the default positions
    default = theil_kendall(y, 0.9)
    np.testing.assert_array_equal(default.tau, fit.tau)
    np.testing.assert_array_equal(default.pvalue, fit.pvalue)
    explicit = theil_kendall(y, 0.9, x=np.arange(width, dtype=float))
    for a, b in zip(default, explicit):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.array([0.0, 1.0]), r"one position per column \(3\), got shape \(2,\)"),
        (np.array([[0.0, 1.0, 2.0]]), "one position per column"),
        (np.array([0.0, 2.0, 2.0]), "finite and strictly increasing, got"),
        (np.array([0.0, 3.0, 2.0]), "strictly increasing"),
        (np.array([0.0, 1.0, np.inf]), "finite"),
    ],
)
def test_theil_kendall_bad_x(x, message):
    with pytest.raises(InvalidInputError, match=message):
        theil_kendall(np.zeros((2, 3)), 0.95, x=x)


# --- hysteresis against a per-account reference ----------------------------------------------


def raw_band(score, bands, closure):
    """The band holding ``score``, by scanning the bands' intervals one by one."""
    for i, band in enumerate(bands):
        if closure == "lower_inclusive":
            top_closed = i == len(bands) - 1
            if band.min <= score < band.max or (top_closed and score == band.max):
                return i
        elif band.min < score <= band.max or (i == 0 and score == band.min):
            return i
    raise AssertionError(score)


def reference_bands(scores, bands, closure, h):
    """Per snapshot: the band after hysteresis (None without a score), walking in time."""
    out, held = [], None
    for score in scores:
        if score is None:
            held = None
        elif held is None:
            held = raw_band(score, bands, closure)
        else:
            low, high = bands[held].min - h, bands[held].max + h
            inside = low <= score < high if closure == "lower_inclusive" else low < score <= high
            if not inside:
                held = raw_band(score, bands, closure)
        out.append(held)
    return out


@st.composite
def banded_histories(draw):
    cuts = sorted(draw(st.sets(st.integers(1, 99), max_size=4)))
    edges = [0, *cuts, 100]
    bands = [
        Band(label=f"b{i}", min=lo, max=hi) for i, (lo, hi) in enumerate(itertools.pairwise(edges))
    ]
    closure = draw(st.sampled_from(["lower_inclusive", "upper_inclusive"]))
    h = draw(st.sampled_from([0.0, 0.5, 3.0, 12.0]))
    near = sorted({min(max(e + d, 0.0), 100.0) for e in edges for d in (-h, 0.0, h)})
    score = st.one_of(
        st.none(), st.sampled_from(near), st.floats(0, 100), st.integers(0, 100).map(float)
    )
    n_snapshots = draw(st.integers(1, 7))
    matrix = draw(
        st.lists(
            st.lists(score, min_size=n_snapshots, max_size=n_snapshots), min_size=1, max_size=5
        )
    )
    return bands, closure, h, matrix


@given(banded_histories())
def test_hysteresis_matches_the_reference(case):
    bands, closure, h, matrix = case
    days = [(date(2025, 1, 1) + timedelta(days=3 * t)).isoformat() for t in range(len(matrix[0]))]
    scores = {f"acc{i}": row for i, row in enumerate(matrix)}
    labels = [band.label for band in bands]
    expected = {a: reference_bands(row, bands, closure, h) for a, row in scores.items()}
    for t in range(1, len(days) + 1):  # every prefix: the band at each snapshot
        history = history_of({a: row[:t] for a, row in scores.items()}, days[:t])
        result = trend(history, bands=bands, closure=closure, hysteresis=h)
        for i, account in enumerate(scores):
            walk = expected[account][:t]
            assert result.band[i] == (None if walk[-1] is None else labels[walk[-1]])
            last = scores[account][t - 1]
            raw = None if last is None else labels[raw_band(last, bands, closure)]
            assert result.raw_band[i] == raw
            before = walk[-2] if t > 1 else None
            changed = walk[-1] is not None and before is not None and walk[-1] != before
            assert result.band_changed[i] == changed
            if h == 0:
                assert result.band[i] == result.raw_band[i]


def test_scorecard_supplies_bands_closure_and_hysteresis():
    card = SimpleNamespace(bands=tuple(RYG), closure="lower_inclusive", hysteresis=5.0)
    by_card = trend(history_of(BANDED), scorecard=card)
    by_hand = trend(history_of(BANDED), bands=RYG, hysteresis=5)
    assert by_card.to_dict() == by_hand.to_dict()
    no_bands = SimpleNamespace(bands=(), closure="upper_inclusive", hysteresis=0)
    plain = trend(history_of(BANDED), scorecard=no_bands)
    assert plain.band is None
    assert plain.raw_band is None
    assert plain.band_changed is None
    assert "band" not in plain.to_records()[0]


# --- invariants ------------------------------------------------------------------------------

history_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(0, 40),  # day
        st.one_of(st.none(), st.integers(0, 50)),
    ),
    max_size=60,
    unique_by=lambda row: (row[0], row[1]),
)


def columns_of(rows, shift=0):
    return {
        "account_id": [a for a, _, _ in rows],
        "as_of": [date(2025, 1, 1) + timedelta(days=d) for _, d, _ in rows],
        "score": [None if s is None else s + shift for _, _, s in rows],
    }


@given(rows=history_rows, order=st.randoms(use_true_random=False), shift=st.integers(0, 50))
def test_invariants(rows, order, shift):
    result = trend(columns_of(rows), bands=RYG, hysteresis=4)
    shuffled = list(rows)
    order.shuffle(shuffled)
    # the order of the rows does not matter
    assert trend(columns_of(shuffled), bands=RYG, hysteresis=4).to_dict() == result.to_dict()
    # adding a constant to every score moves no slope, test or direction
    moved = trend(columns_of(rows, shift))
    for name in ("slope", "tau", "pvalue", "change"):
        np.testing.assert_array_equal(getattr(moved, name), getattr(result, name))
    for bound_moved, bound in zip(
        moved.slope_confidence_interval(), result.slope_confidence_interval()
    ):
        np.testing.assert_array_equal(bound_moved, bound)
    assert moved.direction.tolist() == result.direction.tolist()
    assert moved.trend.tolist() == result.trend.tolist()
    # every account of the history is there once, sorted
    assert result.account_ids.tolist() == sorted({a for a, _, _ in rows})
    assert result.n_points.sum() == sum(s is not None for _, _, s in rows)
    json.dumps(result.to_dict())


# --- the forms a history comes in ------------------------------------------------------------


def test_score_results_read_like_columns():
    # three score results; the latest first (any order), B unscored in the second
    results = [
        Scores(
            np.array(["A", "B"], dtype=object),
            np.array([70.0, 40.0]),
            np.datetime64("2025-03-01", "us"),
        ),
        Scores(
            np.array(["B", "A"], dtype=object),
            np.array([np.nan, 60.0]),
            np.datetime64("2025-02-01T00:00"),
        ),
        Scores(["A", "B"], [50.0, 45.0], date(2025, 1, 1)),
    ]
    assert all(isinstance(r, ScoresLike) for r in results)
    rows = history_of(
        {"A": [50, 60, 70], "B": [45, None, 40]}, ["2025-01-01", "2025-02-01", "2025-03-01"]
    )
    assert trend(results, bands=RYG).to_dict() == trend(rows, bands=RYG).to_dict()
    # numbers as identifiers become text, as in the record models
    numbered = trend([Scores(np.array([7, 12]), np.array([1.0, 2.0]), date(2025, 1, 1))])
    assert numbered.account_ids.tolist() == [7, 12]  # whole numbers, in numeric order


def test_rows_frames_and_records_read_alike():
    instants = [datetime(2025, 1, 1, 12, tzinfo=UTC) + timedelta(days=9 * i) for i in range(4)]
    scores = {"A": [50, 55, 61.5, 64], "B": [80, None, 78, 70]}
    columns = history_of(scores, instants)
    expected = trend(columns).to_dict()
    per_row = [dict(zip(columns, row)) for row in zip(*columns.values())]
    assert trend(per_row).to_dict() == expected
    assert trend(iter(per_row)).to_dict() == expected
    assert trend(pd.DataFrame(columns)).to_dict() == expected  # tz-aware column
    naive_utc = pd.DataFrame(columns)
    naive_utc["as_of"] = pd.to_datetime([t.replace(tzinfo=None) for t in columns["as_of"]])
    assert naive_utc["as_of"].dtype == "datetime64[ns]"  # numpy datetime64: read as UTC
    assert trend(naive_utc).to_dict() == expected
    text = {**columns, "as_of": [t.isoformat() for t in columns["as_of"]]}
    assert trend(text).to_dict() == expected
    zulu = {**columns, "as_of": [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in columns["as_of"]]}
    assert trend(zulu).to_dict() == expected
    shifted = {
        **columns,
        "as_of": [t.astimezone(timezone(timedelta(hours=-5))) for t in columns["as_of"]],
    }
    assert trend(shifted).to_dict() == expected
    objects = {
        **columns,
        "as_of": np.array(
            [np.datetime64(t.replace(tzinfo=None), "us") for t in columns["as_of"]], dtype=object
        ),
    }
    assert trend(objects).to_dict() == expected
    records = [
        ScoreSnapshot(account_id=a, as_of=t, score=s)
        for a, t, s in zip(columns["account_id"], columns["as_of"], columns["score"])
    ]
    assert trend(records).to_dict() == expected
    # rows may leave the score out: missing
    sparse = [
        {"account_id": "A", "as_of": "2025-01-01"},
        {"account_id": "A", "as_of": "2025-01-02", "score": 5},
    ]
    assert trend(sparse).n_points.tolist() == [1]


def test_dates_are_the_start_of_their_day_in_utc():
    by_date = history_of({"A": [10, 20]}, [date(2025, 1, 1), date(2025, 1, 3)])
    by_text = history_of({"A": [10, 20]}, ["2025-01-01", "2025-01-03"])
    by_day = history_of({"A": [10, 20]}, np.array(["2025-01-01", "2025-01-03"], "datetime64[D]"))
    result = trend(by_date)
    assert result.as_of == datetime(2025, 1, 3, tzinfo=UTC)
    assert result.slope.tolist() == [5.0]  # 10 points over 2 days
    assert trend(by_text).to_dict() == result.to_dict() == trend(by_day).to_dict()


def test_results_are_read_only_and_json_ready():
    result = trend(history_of(BANDED), bands=RYG, hysteresis=5)
    assert isinstance(result, ScoreTrend)
    with pytest.raises(ValueError, match="read-only"):
        result.slope[0] = 1.0
    data = json.loads(json.dumps(result.to_dict()))
    assert data["bands"][0] == {"label": "red", "min": 0.0, "max": 40.0}
    assert data["snapshots"][0] == "2025-01-01T00:00:00.000000Z"
    assert data["hysteresis"] == 5.0
    assert data["account_ids"][0] == "A"
    assert data["band"][0] == "yellow"
    assert data["raw_band"][0] == "green"
    assert data["band_changed"][0] is False
    assert data["current"][3] is None  # D has no score at 01-25
    assert repr(result) == (
        # A 64.9 -> 71 and E 30 -> 46 up, B 74 -> 75 and C 68 -> 69 same, D unscored;
        # B rises at every one of 5 snapshots (p = 2/120)
        "ScoreTrend(5 accounts, 5 snapshots to 2025-01-25: 2 up, 0 down, 2 same; "
        "0 falling, 1 rising; 2 changed band)"
    )


def test_slope_interval_is_one_confidence_interval_of_arrays() -> None:
    result = trend(history_of(HAND), confidence_level=0.9)
    interval = result.slope_confidence_interval()
    assert isinstance(interval, ConfidenceInterval)
    low, high = interval
    # A: scipy's Sen interval at 0.9 on its own points
    fit = stats.theilslopes(HAND["A"], [0.0, 1.0, 3.0, 10.0, 24.0], 0.9)  # DAYS
    assert (low[0], high[0]) == pytest.approx((fit.low_slope, fit.high_slope), rel=1e-12)
    assert not low.flags.writeable
    finite = ~np.isnan(result.slope)
    assert (low[finite] <= result.slope[finite]).all()
    assert (result.slope[finite] <= high[finite]).all()
    assert interval.contains(result.slope)[finite].all()
    data = result.to_dict()
    assert data["slope_confidence_interval"] == {
        "low": [None if math.isnan(v) else v for v in low.tolist()],
        "high": [None if math.isnan(v) else v for v in high.tolist()],
    }
    assert "_slope_low" not in data


def test_score_trends_compare_by_value() -> None:
    result = trend(history_of(BANDED), bands=RYG, hysteresis=5)
    assert result == trend(history_of(BANDED), bands=RYG, hysteresis=5)  # NaN equal
    assert result == pickle.loads(pickle.dumps(result))
    assert result != trend(history_of(BANDED), bands=RYG, hysteresis=0)
    assert result != trend(history_of(BANDED), bands=RYG, hysteresis=5, confidence_level=0.8)
    assert json.loads(json.dumps(result.to_dict(), allow_nan=False)) == result.to_dict()


def test_score_trend_rows_pandas_and_lookup() -> None:
    result = trend(history_of(BANDED), bands=RYG, hysteresis=5)
    frame = result.to_pandas()
    records = result.to_records()
    assert list(frame.columns) == ["account_id", *list(records[0])[1:]]
    assert list(records[0]) == [
        "account_id",
        "n_points",
        "current",
        "previous",
        "change",
        "direction",
        "slope",
        "slope_low",
        "slope_high",
        "tau",
        "pvalue",
        "trend",
        "band",
        "raw_band",
        "band_changed",
    ]
    assert len(frame) == len(result) == 5
    low, high = result.slope_confidence_interval()
    np.testing.assert_array_equal(frame["slope_low"].to_numpy(), low)
    np.testing.assert_array_equal(frame["slope_high"].to_numpy(), high)
    assert frame["band"].tolist() == result.band.tolist()
    assert result.row("D") == 3
    with pytest.raises(AccountNotFoundError, match="no account 'Z' among the 5 accounts"):
        result.row("Z")
    plain = trend(history_of(BANDED)).to_pandas()  # no bands: no band columns
    assert "band" not in plain.columns
    assert list(plain.columns)[-1] == "trend"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dead_band": -1}, r"`dead_band` must be a finite number >= 0, got -1"),
        ({"dead_band": math.inf}, "`dead_band` must be a finite number >= 0, got inf"),
        ({"dead_band": math.nan}, "`dead_band` must be"),
        ({"dead_band": "5"}, "`dead_band` must be .* got '5'"),
        ({"dead_band": True}, "`dead_band` must be"),
        ({"min_points": 1}, "`min_points` must be a whole number >= 2, got 1"),
        ({"min_points": 4.0}, "`min_points` must be a whole number >= 2, got 4.0"),
        ({"min_points": True}, "`min_points` must be"),
        ({"confidence_level": 0}, "`confidence_level` must be strictly between 0 and 1, got 0"),
        ({"confidence_level": 1.0}, "`confidence_level` must be strictly between 0 and 1"),
        ({"confidence_level": 95}, "got 95"),
        ({"hysteresis": -0.5}, r"`hysteresis` must be a finite number >= 0 \(points\), got -0.5"),
        ({"hysteresis": math.inf}, "`hysteresis` must be"),
        ({"closure": "both"}, "`closure` must be one of .*'lower_inclusive'.* got 'both'"),
        ({"bands": "red"}, "`bands` must be a sequence of Band, got str"),
        ({"bands": {"red": 40}}, "`bands` must be a sequence of Band, got dict"),
        ({"bands": 3}, "`bands` must be a sequence of Band, got int"),
        ({"bands": [RYG[0], {"label": "green"}]}, "`bands` must hold Band objects, got {'label"),
        ({"bands": RYG[:2]}, "must run from 0 to 100 .* got red 0..40, yellow 40..70"),
        ({"bands": RYG[1:]}, "must run from 0 to 100"),
        ({"bands": [RYG[0], RYG[2]]}, "no gap, no overlap"),
        ({"bands": [RYG[0], Band(label="x", min=30, max=100)]}, "no gap, no overlap"),
        (
            {"bands": [RYG[0], Band(label="x", min=40, max=40), Band(label="y", min=40, max=100)]},
            "x 40..40",
        ),
        (
            {"scorecard": SimpleNamespace(bands=RYG)},
            "`scorecard` must have `bands`, `closure` and `hysteresis`",
        ),
        ({"scorecard": SimpleNamespace(), "bands": RYG}, "give `scorecard` or `bands`"),
        ({"scorecard": SimpleNamespace(), "hysteresis": 2}, "not both"),
        ({"scorecard": SimpleNamespace(), "closure": "upper_inclusive"}, "not both"),
        (
            {"scorecard": SimpleNamespace(bands=RYG, closure="x", hysteresis=0)},
            "`closure` must be one of",
        ),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(InvalidInputError, match=message):
        trend(history_of(HAND), **options)


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (5, "`history` must be score results .* got int"),
        ("A,2025-01-01,50", "got str"),
        ([{"account_id": "A"}, 5], "got list"),
        ([Scores(["A"], [1.0], date(2025, 1, 1)), {"account_id": "A"}], "got list"),
        (
            {"account_id": ["A"], "score": [1]},
            r"needs the columns \['as_of'\]; got \['account_id', 'score'\]",
        ),
        ([{"account_id": "A", "as_of": "2025-01-01"}], r"needs the columns \['score'\]"),
        ({"account_id": ["A", "B"], "as_of": ["2025-01-01"], "score": [1, 2]}, "one length"),
        (
            {"account_id": ["A"], "as_of": "2025-01-01", "score": [1]},
            "column `as_of` must be a sequence",
        ),
        (
            {"account_id": ["A", "A"], "as_of": [[2025, 1], [2025, 2]], "score": [1, 2]},
            r"`as_of` must hold dates, aware datetimes or ISO text, got values of \['list'\]",
        ),
        (
            {
                "account_id": ["A", "A"],
                "as_of": [date(2025, 1, 1), datetime(2025, 1, 2, tzinfo=UTC)],
                "score": [1, 2],
            },
            r"`as_of` mixes dates \(2025-01-01\) and datetimes \(2025-01-02T00:00:00\+00:00\)",
        ),
        (
            {
                "account_id": ["A", "A"],
                "as_of": ["2025-01-01", "2025-01-02T00:00Z"],
                "score": [1, 2],
            },
            "mixes dates",
        ),
    ],
)
def test_bad_history(history, message):
    with pytest.raises(InvalidInputError, match=message):
        trend(history)


def test_bad_rows_are_all_reported():
    history = {
        "account_id": ["A", None, "C", "D", "E", "F", "G", "H", "I", "J", "K"],
        "as_of": [
            "2025-01-01",
            "2025-01-01",
            None,
            "",
            datetime(2025, 1, 1),  # naive
            "2025-01-01T09:00",  # naive text
            "2025-02-30",  # no such day
            "yesterday",
            20250101,
            "2025-01-01",
            "2025-01-01",
        ],
        "score": [50, 50, 50, 50, 50, 50, 50, 50, 50, math.inf, 101],
    }
    with pytest.raises(InvalidInputError) as caught:
        trend(history)
    error = caught.value
    assert str(error).startswith("10 of 11 score history rows are invalid")
    found = [(e.row, e.field, e.code) for e in error.errors]
    assert found == [
        (2, "account_id", "missing"),
        (3, "as_of", "missing"),
        (4, "as_of", "missing"),
        (5, "as_of", "naive_datetime"),
        (6, "as_of", "naive_datetime"),
        (7, "as_of", "date_or_instant"),
        (8, "as_of", "date_or_instant"),
        (9, "as_of", "date_or_instant"),
        (10, "score", "finite_number"),
        (11, "score", "less_than_equal"),
    ]
    text = str(error)
    assert "row 6: `as_of` = '2025-01-01T09:00': timestamp has no time zone" in text
    assert "row 9: `as_of` = 20250101: expected a date or an aware datetime" in text
    assert "row 11 (id 'K'): `score` = 101.0: must be <= 100" in text
    assert "row 3: `as_of`: required value is missing" in text


def test_bad_rows_of_other_columns_alone():
    with pytest.raises(InvalidInputError, match=r"row 1 \(id 'A'\): `score` = -1: must be >= 0"):
        trend({"account_id": ["A"], "as_of": ["2025-01-01"], "score": [-1]})
    with pytest.raises(InvalidInputError, match="`score` = 'high': expected a number"):
        trend([{"account_id": "A", "as_of": "2025-01-01", "score": "high"}])
    times = np.array(["2025-01-01T00:00", "NaT"], dtype="datetime64[us]")
    with pytest.raises(InvalidInputError, match="row 2: `as_of`: required value is missing"):
        trend({"account_id": ["A", "B"], "as_of": times, "score": [1, 2]})


def test_duplicate_snapshots_are_named():
    rows = history_of({"A": [10, 20], "B": [30, 40]}, ["2025-01-01", "2025-01-02"])
    rows["account_id"].append("B")
    rows["as_of"].append("2025-01-02")
    rows["score"].append(None)
    with pytest.raises(
        InvalidInputError,
        match=r"1 duplicate \(account_id, as_of\) pairs: \('B', 2025-01-02T00:00:00\+00:00\); "
        "give each account at most one score per snapshot",
    ):
        trend(rows)
    # the same instant written two ways is one snapshot
    same = {
        "account_id": ["A", "A"],
        "as_of": ["2025-01-01T01:00+01:00", "2025-01-01T00:00Z"],
        "score": [1, 2],
    }
    with pytest.raises(InvalidInputError, match="1 duplicate"):
        trend(same)
    many = {"account_id": list("ABCDEFG") * 2, "as_of": ["2025-01-01"] * 14, "score": [1] * 14}
    with pytest.raises(InvalidInputError, match=r"7 duplicate .*\('E', .* and 2 more"):
        trend(many)
    results = [Scores(["A"], [1.0], date(2025, 1, 1)), Scores(["A"], [2.0], date(2025, 1, 1))]
    with pytest.raises(InvalidInputError, match=r"\('A', 2025-01-01"):
        trend(results)


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (Scores(["A"], [1.0], None), r"history\[1\].as_of is None: a score result in a history"),
        (
            Scores(["A"], [1.0], np.datetime64("NaT")),
            r"history\[1\].as_of is NaT: a score result in a history",
        ),
        (Scores(["A"], [1.0], datetime(2025, 1, 2)), r"`history\[1\].as_of` is a naive datetime"),
        (Scores(["A"], [1.0], 20250102), r"`history\[1\].as_of` must be a date or an aware"),
        (
            Scores(["A", "B"], [1.0], date(2025, 1, 2)),
            r"history\[1\]: `account_ids` and `score` must be 1-D .* \(2,\) and \(1,\)",
        ),
        (
            Scores([["A"]], [[1.0]], date(2025, 1, 2)),
            r"`history\[1\].account_ids` = \['A'\]: expected",
        ),
        (
            Scores(["A", None], [1.0, 2.0], date(2025, 1, 2)),
            r"row 2: `history\[1\].account_ids`: an identifier is required",
        ),
        (
            Scores(["A", "B"], [1.0, 120.0], date(2025, 1, 2)),
            r"history\[1\]: `score` of account 'B' is 120.0; scores are 0..100",
        ),
        (Scores(["A"], [-np.inf], date(2025, 1, 2)), "is -inf"),
    ],
)
def test_bad_score_results(result, message):
    good = Scores(["A"], [50.0], date(2025, 1, 1))
    with pytest.raises(InvalidInputError, match=message):
        trend([good, result])
