"""The clustered bootstrap: profiles, vectorised replicates, percentile intervals.

References: a plain loop that draws accounts with ``rng.choice`` and recomputes the AUC
from the drawn rows (the textbook clustered bootstrap, one replicate at a time), whose
replicate distribution the vectorised draws must match; the exact sum of every
replicate's cell counts; the coverage of the interval in a simulation with a known AUC
(binormal scores); and, when accounts repeat across dates with an account effect, a
clustered interval wider than the naive one (and covering the truth where the naive one
does not).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from cshealth.backtest import _bootstrap
from cshealth.backtest._bootstrap import percentile_interval, profiles, resample
from cshealth.backtest._ranking import auc, auc_counts, levels


def _auc_statistic(cells: np.ndarray) -> np.ndarray:
    return auc_counts(cells[:, 1::2], cells[:, 0::2])[:, None]


def _cells(score: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, int]:
    lv = levels(score)
    return 2 * lv.codes + y, 2 * len(lv)


def _panel(accounts: int, dates: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Accounts observed on several dates, with a strong account effect on score and churn."""
    rng = np.random.default_rng(seed)
    owner = np.repeat(np.arange(accounts), dates)
    frailty = rng.normal(0, 1.5, accounts)[owner]
    y = rng.random(len(owner)) < 1 / (1 + np.exp(2.0 - frailty))
    score = np.round(60 - 12 * frailty + rng.normal(0, 5, len(owner)))
    return score, y, owner


def test_every_replicate_draws_as_many_accounts_as_there_are() -> None:
    score, y, owner = _panel(300, 4, 1)
    cells, k = _cells(score, y)
    prof = profiles(cells, k, owner)
    totals = resample(
        prof, lambda c: c.sum(axis=1, keepdims=True), n_resamples=50, rng=np.random.default_rng(0)
    )
    assert np.all(totals == 300 * 4)  # 300 accounts drawn, 4 observations each


def test_grouped_profiles_rebuild_every_cluster() -> None:
    score, y, owner = _panel(2000, 3, 2)
    cells = np.digitize(score, [40, 70]) * 2 + y  # three bands: few profiles
    prof = profiles(cells, 6, owner)
    assert prof.multiplicity is not None
    assert prof.multiplicity.sum() == 2000
    # multiplicity x profile rows = the cell counts of the whole panel
    whole = np.bincount(cells, minlength=6)
    assert np.array_equal(prof.multiplicity @ np.asarray(prof.matrix), whole)


def test_a_hash_collision_is_split_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    def one_group(table: np.ndarray, owner: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(c, dtype=np.int64), np.array([0])  # every cluster "alike"

    monkeypatch.setattr(_bootstrap, "_candidate_groups", one_group)
    cells = np.tile([0, 1, 1, 1], 50)  # clusters 0, 2, 4... are (0, 1); 1, 3, ... (1, 1)
    prof = profiles(cells, 2, np.repeat(np.arange(100), 2))
    rows = {tuple(r) for r in np.asarray(prof.matrix).tolist()}
    assert {(1.0, 1.0), (0.0, 2.0)} <= rows
    assert prof.multiplicity is not None
    expanded = prof.multiplicity @ np.asarray(prof.matrix)
    assert np.array_equal(expanded, np.bincount(cells, minlength=2))


def _loop_bootstrap(score, y, owner, n_resamples, rng):
    """One replicate at a time: draw accounts, take their rows, recompute the AUC."""
    accounts = np.unique(owner)
    rows_of = {a: np.flatnonzero(owner == a) for a in accounts.tolist()}
    out = []
    for _ in range(n_resamples):
        drawn = rng.choice(accounts, size=len(accounts), replace=True)
        rows = np.concatenate([rows_of[a] for a in drawn.tolist()])
        out.append(auc(score[rows], y[rows]))
    return np.array(out)


@pytest.mark.parametrize("banded", [False, True])
def test_vectorised_draws_match_a_loop_over_replicates(banded: bool) -> None:
    score, y, owner = _panel(150, 3, 3)
    if banded:
        score = np.digitize(score, [45, 65]).astype(float)
    cells, k = _cells(score, y)
    fast = resample(
        profiles(cells, k, owner), _auc_statistic, n_resamples=2000, rng=np.random.default_rng(4)
    )[:, 0]
    slow = _loop_bootstrap(score, y, owner, 800, np.random.default_rng(5))
    assert fast.mean() == pytest.approx(slow.mean(), abs=0.004)
    assert fast.std() == pytest.approx(slow.std(), rel=0.12)
    assert stats.ks_2samp(fast, slow).pvalue > 0.001


def test_float32_and_float64_products_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    score, y, owner = _panel(400, 5, 6)
    cells, k = _cells(score, y)
    prof = profiles(cells, k, owner)
    exact32 = resample(prof, _auc_statistic, n_resamples=30, rng=np.random.default_rng(1))
    monkeypatch.setattr(_bootstrap, "_FLOAT32_EXACT", 1)  # force float64
    exact64 = resample(prof, _auc_statistic, n_resamples=30, rng=np.random.default_rng(1))
    assert np.array_equal(exact32, exact64)


def test_small_blocks_and_one_block_give_the_same_distribution() -> None:
    score, y, owner = _panel(200, 2, 8)
    cells, k = _cells(score, y)
    prof = profiles(cells, k, owner)
    one = resample(prof, _auc_statistic, n_resamples=3000, rng=np.random.default_rng(0))
    many = resample(
        prof, _auc_statistic, n_resamples=3000, rng=np.random.default_rng(1), memory=10_000
    )
    assert one.shape == many.shape == (3000, 1)
    assert one.std() == pytest.approx(many.std(), rel=0.1)


def test_a_seed_gives_the_same_replicates() -> None:
    score, y, owner = _panel(100, 2, 9)
    cells, k = _cells(score, y)
    prof = profiles(cells, k, owner)
    a = resample(prof, _auc_statistic, n_resamples=40, rng=np.random.default_rng(7))
    b = resample(prof, _auc_statistic, n_resamples=40, rng=np.random.default_rng(7))
    assert np.array_equal(a, b)


def test_interval_covers_a_known_auc() -> None:
    """Binormal: churners N(0, 1), renewers N(1, 1): AUC = Φ(1/√2) ≈ 0.760, 200 data sets."""
    truth = float(stats.norm.cdf(1 / math.sqrt(2)))
    rng = np.random.default_rng(30)
    covered = 0
    for _ in range(200):
        y = np.arange(150) < 50
        score = rng.normal(0, 1, 150) + np.where(y, 0.0, 1.0)
        cells, k = _cells(score, y)
        reps = resample(profiles(cells, k), _auc_statistic, n_resamples=400, rng=rng)
        low, high = percentile_interval(reps, 0.95)
        covered += bool(low[0] <= truth <= high[0])
    assert 0.90 <= covered / 200 <= 0.99


def test_clustered_interval_is_wider_than_the_naive_one_when_accounts_repeat() -> None:
    """Monthly dates and a 90-day horizon: one churn is the outcome of several dates."""
    rng = np.random.default_rng(10)
    owner = np.repeat(np.arange(300), 6)
    churns = rng.random(300) < 0.2
    y = churns[owner]
    score = np.round(60 - 15 * y + rng.normal(0, 12, 300)[owner] + rng.normal(0, 3, len(y)))
    cells, k = _cells(score, y)
    rng = np.random.default_rng(11)
    clustered = resample(profiles(cells, k, owner), _auc_statistic, n_resamples=1500, rng=rng)
    naive = resample(profiles(cells, k), _auc_statistic, n_resamples=1500, rng=rng)
    width = lambda reps: np.subtract(*percentile_interval(reps, 0.95)[::-1])[0]  # noqa: E731
    assert width(clustered) > 1.5 * width(naive)


def test_percentile_interval_leaves_out_undefined_replicates() -> None:
    reps = np.column_stack((np.arange(100.0), np.where(np.arange(100) < 60, np.nan, 1.0)))
    low, high = percentile_interval(reps, 0.9)
    assert low[0] == pytest.approx(np.quantile(np.arange(100.0), 0.05))
    assert high[0] == pytest.approx(np.quantile(np.arange(100.0), 0.95))
    assert math.isnan(low[1])
    assert math.isnan(high[1])
    reps[:30, 1] = 5.0  # now 30% undefined: the interval of the rest
    low, high = percentile_interval(reps, 0.9)
    assert (low[1], high[1]) == (1.0, 5.0)


def test_no_observation_gives_the_statistic_of_nothing() -> None:
    prof = profiles(np.zeros(0, dtype=np.int64), 4)
    reps = resample(prof, _auc_statistic, n_resamples=5, rng=np.random.default_rng(0))
    assert reps.shape == (5, 1)
    assert np.isnan(reps).all()
