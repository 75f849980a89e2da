"""AUC, average precision and DeLong's variance from counts per score level.

References: scikit-learn's ``roc_auc_score`` and ``average_precision_score`` (of
``-score``: a low health score is a high risk) on random and on heavily tied data, with and
without sample weights; DeLong's variance against a deliberately different implementation,
the O(P·N) matrix of pair kernels ψ(churner, renewer) of DeLong, DeLong & Clarke-Pearson
(1988) with its structural components taken row and column means; Obuchowski's clustered
variance against a direct transcription of her 1997 formulas (a loop over clusters and
pairs); and the coverage of DeLong's interval in a simulation with a known AUC.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score

from cshealth.backtest._ranking import (
    auc,
    auc_counts,
    auc_variance,
    average_precision,
    average_precision_counts,
    class_counts,
    levels,
    paired_auc_test,
    placements,
)

TOL = 1e-12


def _data(n: int, seed: int, *, tied: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    score = rng.normal(50 - 10 * y, 15)
    if tied:
        score = np.round(score / 20) * 20  # a handful of levels
    return score, y


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_auc_and_average_precision_are_sklearns_of_minus_the_score(seed: int, tied: bool) -> None:
    score, y = _data(500, seed, tied=tied)
    assert auc(score, y) == pytest.approx(roc_auc_score(y, -score), abs=TOL)
    assert average_precision(score, y) == pytest.approx(average_precision_score(y, -score), abs=TOL)


@pytest.mark.parametrize("tied", [False, True])
def test_weighted_auc_and_average_precision_are_sklearns_with_sample_weight(tied: bool) -> None:
    score, y = _data(400, 7, tied=tied)
    w = np.random.default_rng(8).gamma(2.0, 1.0, len(y))
    assert auc(score, y, w) == pytest.approx(roc_auc_score(y, -score, sample_weight=w), abs=TOL)
    assert average_precision(score, y, w) == pytest.approx(
        average_precision_score(y, -score, sample_weight=w), abs=TOL
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=2, max_size=60).filter(
        lambda rows: len({c for _, c in rows}) == 2
    )
)
def test_auc_on_coarse_scores_matches_sklearn(rows: list[tuple[int, bool]]) -> None:
    score = np.array([s for s, _ in rows], dtype=float)
    y = np.array([c for _, c in rows])
    assert auc(score, y) == pytest.approx(roc_auc_score(y, -score), abs=TOL)
    assert average_precision(score, y) == pytest.approx(average_precision_score(y, -score), abs=TOL)


def test_a_tie_counts_one_half_and_a_lower_score_a_whole() -> None:
    # one churner at 50, renewers at 50 (tie) and 60 (above): (0.5 + 1) / 2
    y = np.array([True, False, False])
    assert auc(np.array([50.0, 50.0, 60.0]), y) == 0.75
    assert auc(np.array([50.0, 40.0, 60.0]), y) == 0.5
    assert auc(np.array([50.0, 60.0, 60.0]), y) == 1.0


def test_counts_on_the_last_axis_give_one_auc_per_row() -> None:
    rng = np.random.default_rng(3)
    pos, neg = rng.integers(0, 5, (4, 7)).astype(float), rng.integers(0, 5, (4, 7)).astype(float)
    rows = np.array([auc_counts(p, q) for p, q in zip(pos, neg)])
    assert np.allclose(auc_counts(pos, neg), rows)
    ap_rows = np.array([average_precision_counts(p, q) for p, q in zip(pos, neg)])
    assert np.allclose(average_precision_counts(pos, neg), ap_rows)


def test_one_class_gives_nan_not_an_error() -> None:
    assert math.isnan(auc(np.array([1.0, 2.0]), np.array([True, True])))
    assert math.isnan(auc(np.array([1.0, 2.0]), np.array([False, False])))
    assert math.isnan(average_precision(np.array([1.0, 2.0]), np.array([False, False])))
    # without renewers the average precision is still defined (every flagged one churned)
    assert average_precision(np.array([1.0, 2.0]), np.array([True, True])) == 1.0


def test_levels_are_sorted_once_and_codes_point_back() -> None:
    score = np.array([3.0, 1.0, 3.0, 2.0])
    lv = levels(score)
    assert lv.values.tolist() == [1.0, 2.0, 3.0]
    assert np.array_equal(lv.values[lv.codes], score)


# --- DeLong ---------------------------------------------------------------------------------


def _psi(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ψ(churner, renewer): 1 when the churner scores lower, 1/2 on a tie, else 0."""
    return (x[:, None] < y[None, :]) + 0.5 * (x[:, None] == y[None, :])


def _delong_by_pairs(score: np.ndarray, y: np.ndarray) -> float:
    """DeLong's variance from the full matrix of pair kernels (a different computation)."""
    psi = _psi(score[y], score[~y])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return float(np.var(v10, ddof=1) / len(v10) + np.var(v01, ddof=1) / len(v01))


def _obuchowski_by_loops(score: np.ndarray, y: np.ndarray, cluster: np.ndarray) -> float:
    """Obuchowski (1997), eqs. for V10, V01, S10, S01, S11, transcribed with plain loops."""
    x_all, y_all = score[y], score[~y]
    theta = float(_psi(x_all, y_all).mean())
    n_x, n_y = len(x_all), len(y_all)
    ids = sorted(set(cluster.tolist()))
    sums_x, sums_y, m, n = [], [], [], []
    for k in ids:
        mine = cluster == k
        xs, ys = score[mine & y], score[mine & ~y]
        sums_x.append(sum(float(_psi(np.array([v]), y_all).sum()) / n_y for v in xs))
        sums_y.append(sum(float(_psi(x_all, np.array([v])).sum()) / n_x for v in ys))
        m.append(len(xs))
        n.append(len(ys))
    dx = np.array(sums_x) - np.array(m) * theta
    dy = np.array(sums_y) - np.array(n) * theta
    i10, i01, i = sum(1 for v in m if v), sum(1 for v in n if v), len(ids)
    s10 = i10 / ((i10 - 1) * n_x) * float((dx**2).sum())
    s01 = i01 / ((i01 - 1) * n_y) * float((dy**2).sum())
    s11 = i / (i - 1) * float((dx * dy).sum())
    return s10 / n_x + s01 / n_y + 2 * s11 / (n_x * n_y)


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_delong_variance_equals_the_pair_kernel_computation(seed: int, tied: bool) -> None:
    score, y = _data(150, seed, tied=tied)
    lv = levels(score)
    assert auc_variance(lv.codes, y, len(lv)) == pytest.approx(
        _delong_by_pairs(score, y), rel=1e-10
    )


def test_placements_average_to_the_auc() -> None:
    score, y = _data(300, 11, tied=True)
    lv = levels(score)
    pos, neg = class_counts(lv.codes, y, len(lv))
    v10, v01 = placements(pos, neg)
    theta = float(auc_counts(pos, neg))
    assert float((pos * v10).sum() / pos.sum()) == pytest.approx(theta, abs=TOL)
    assert float((neg * v01).sum() / neg.sum()) == pytest.approx(theta, abs=TOL)


@pytest.mark.parametrize("tied", [False, True])
def test_clustered_variance_is_obuchowskis(tied: bool) -> None:
    rng = np.random.default_rng(5)
    cluster = np.repeat(np.arange(30), rng.integers(1, 5, 30))
    effect = rng.normal(0, 10, 30)[cluster]
    y = rng.random(len(cluster)) < 0.35
    score = 50 + effect - 8 * y + rng.normal(0, 8, len(cluster))
    if tied:
        score = np.round(score / 10) * 10
    lv = levels(score)
    got = auc_variance(lv.codes, y, len(lv), clusters=cluster)
    assert got == pytest.approx(_obuchowski_by_loops(score, y, cluster), rel=1e-10)


def test_clustered_variance_with_one_observation_per_cluster_is_delongs() -> None:
    score, y = _data(200, 2, tied=True)
    lv = levels(score)
    plain = auc_variance(lv.codes, y, len(lv))
    clustered = auc_variance(lv.codes, y, len(lv), clusters=np.arange(len(y)))
    assert clustered == pytest.approx(plain, rel=1e-12)


def test_delong_variance_needs_two_of_each_class() -> None:
    lv = levels(np.array([1.0, 2.0, 3.0]))
    assert math.isnan(auc_variance(lv.codes, np.array([True, False, False]), len(lv)))


def test_delong_interval_covers_a_known_auc() -> None:
    """Binormal scores: churners N(0, 1), renewers N(1, 1), so AUC = Φ(1/√2) ≈ 0.760."""
    truth = float(stats.norm.cdf(1 / math.sqrt(2)))
    rng = np.random.default_rng(20)
    z = stats.norm.ppf(0.975)
    covered = 0
    runs = 400
    for _ in range(runs):
        y = np.arange(120) < 40
        score = rng.normal(0, 1, 120) + np.where(y, 0.0, 1.0)
        lv = levels(score)
        theta = auc(score, y)
        se = math.sqrt(auc_variance(lv.codes, y, len(lv)))
        covered += abs(theta - truth) <= z * se
    assert 0.90 <= covered / runs <= 0.99


# --- the paired test ------------------------------------------------------------------------


def _paired_by_pairs(a: np.ndarray, b: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """DeLong's paired test: the 2x2 covariance of the two AUCs, contrast (-1, 1)."""
    comps = []
    for s in (a, b):
        psi = _psi(s[y], s[~y])
        comps.append((psi.mean(axis=1), psi.mean(axis=0), psi.mean()))
    s10 = np.cov(np.vstack([comps[0][0], comps[1][0]]))
    s01 = np.cov(np.vstack([comps[0][1], comps[1][1]]))
    cov = s10 / y.sum() + s01 / (~y).sum()
    contrast = np.array([-1.0, 1.0])
    diff = comps[1][2] - comps[0][2]
    se = math.sqrt(float(contrast @ cov @ contrast))
    return diff, float(2 * stats.norm.sf(abs(diff / se)))


@pytest.mark.parametrize("seed", range(4))
def test_paired_test_is_delongs_contrast(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.random(200) < 0.3
    a = np.round(rng.normal(50 - 6 * y, 15) / 5) * 5
    b = np.round((a + rng.normal(-4 * y, 8)) / 5) * 5
    test = paired_auc_test(levels(a), levels(b), y)
    diff, p = _paired_by_pairs(a, b, y)
    assert test.difference == pytest.approx(diff, abs=TOL)
    assert test.pvalue == pytest.approx(p, rel=1e-9)
    assert test.difference == pytest.approx(roc_auc_score(y, -b) - roc_auc_score(y, -a), abs=TOL)


def test_paired_test_of_one_score_with_itself() -> None:
    score, y = _data(100, 1, tied=True)
    lv = levels(score)
    test = paired_auc_test(lv, lv, y)
    assert (test.difference, test.standard_error, test.pvalue) == (0.0, 0.0, 1.0)


def test_paired_test_of_a_monotone_transform_is_no_difference() -> None:
    score, y = _data(100, 4, tied=False)
    test = paired_auc_test(levels(score), levels(np.exp(score / 30)), y)
    assert test.difference == 0.0
    assert test.pvalue == 1.0
