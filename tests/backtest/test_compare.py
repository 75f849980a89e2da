"""`compare`: two scores of the same observations, matched and paired.

References: scikit-learn's ``roc_auc_score`` for each AUC; DeLong's paired test computed
from the full matrices of pair kernels (the 2x2 covariance of the two AUCs and the
contrast (-1, 1)), a different computation from the placements per level; a plain count
of the observations whose band changed; and panels built to differ in one way each, which
must be refused naming the observation.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from cshealth import InvalidInputError, SmallSampleWarning
from cshealth.backtest._compare import compare


def _pair(accounts: int = 300, dates: int = 2, seed: int = 0) -> tuple[dict, dict]:
    """Two scores of the same observations: ``b`` follows churn more closely than ``a``."""
    rng = np.random.default_rng(seed)
    owner = np.repeat(np.arange(accounts), dates)
    y = rng.random(len(owner)) < 0.2
    a = np.round(np.clip(60 - 10 * y + rng.normal(0, 15, len(owner)), 0, 100))
    b = np.round(np.clip(a - 8 * y + rng.normal(0, 6, len(owner)), 0, 100))
    as_of = np.array(["2025-01-31", "2025-02-28", "2025-03-31"])[
        np.tile(np.arange(dates), accounts)
    ]

    def bands(s: np.ndarray) -> np.ndarray:
        return np.where(s < 40, "red", np.where(s < 70, "yellow", "green")).astype(object)

    first = {"account_id": owner, "as_of": as_of, "score": a, "churned": y, "band": bands(a)}
    second = {"account_id": owner, "as_of": as_of, "score": b, "churned": y, "band": bands(b)}
    return first, second


def _shuffled(columns: dict, seed: int) -> dict:
    order = np.random.default_rng(seed).permutation(len(columns["score"]))
    return {k: np.asarray(v)[order] for k, v in columns.items()}


def test_aucs_and_difference_are_sklearns_whatever_the_row_order() -> None:
    a, b = _pair()
    c = compare(a, _shuffled(b, 1), seed=0, n_resamples=300)
    y, sa, sb = a["churned"], a["score"], b["score"]
    assert c.auc_a == pytest.approx(roc_auc_score(y, -sa), abs=1e-12)
    assert c.auc_b == pytest.approx(roc_auc_score(y, -sb), abs=1e-12)
    assert c.difference == pytest.approx(c.auc_b - c.auc_a, abs=1e-15)
    assert c.difference_interval.low < c.difference < c.difference_interval.high
    assert c.difference > 0
    assert c.n == 600
    assert c.events == int(y.sum())
    assert c.unscored == 0
    assert c.method == "DeLong clustered by account (Obuchowski)"
    assert c == compare(a, _shuffled(b, 2), seed=0, n_resamples=300)  # order never matters


def _paired_delong(a: np.ndarray, b: np.ndarray, y: np.ndarray) -> float:
    comps = []
    for s in (a, b):
        x, r = s[y], s[~y]
        psi = (x[:, None] < r[None, :]) + 0.5 * (x[:, None] == r[None, :])
        comps.append((psi.mean(axis=1), psi.mean(axis=0), psi.mean()))
    cov = np.cov(np.vstack([comps[0][0], comps[1][0]])) / y.sum()
    cov += np.cov(np.vstack([comps[0][1], comps[1][1]])) / (~y).sum()
    contrast = np.array([-1.0, 1.0])
    z = (comps[1][2] - comps[0][2]) / math.sqrt(float(contrast @ cov @ contrast))
    return float(2 * stats.norm.sf(abs(z)))


def test_pvalue_is_delongs_paired_test_on_one_date() -> None:
    a, b = _pair(400, 1, seed=3)
    c = compare(a, b, seed=0, n_resamples=50)
    assert c.method == "DeLong"
    assert c.pvalue == pytest.approx(_paired_delong(a["score"], b["score"], a["churned"]), rel=1e-9)


def test_a_score_compared_with_itself() -> None:
    a, _ = _pair(200, 2)
    c = compare(a, _shuffled(a, 4), seed=1, n_resamples=100)
    assert c.difference == 0.0
    assert (c.difference_interval.low, c.difference_interval.high) == (0.0, 0.0)
    assert c.pvalue == 1.0
    assert c.rebanded == 0.0
    assert c.lift_difference == 0.0


def test_paired_interval_is_narrower_than_the_two_aucs_apart() -> None:
    """What the two scores share cancels: the difference is known better than each AUC."""
    a, b = _pair(400, 1, seed=5)
    c = compare(a, b, seed=2, n_resamples=1000)
    width = c.difference_interval.high - c.difference_interval.low
    # the unpaired width would be about sqrt(2) times one AUC's (each about 0.10 here)
    assert width < 0.08


def test_rebanded_is_the_share_whose_band_changed() -> None:
    a, b = _pair(300, 2, seed=6)
    c = compare(a, b, seed=0, n_resamples=20)
    assert c.rebanded == pytest.approx(float(np.mean(a["band"] != b["band"])))
    del b["band"]
    assert math.isnan(compare(a, b, seed=0, n_resamples=20).rebanded)


def test_unscored_in_either_panel_are_left_out_of_both() -> None:
    a, b = _pair(300, 1, seed=7)
    a["score"] = a["score"].copy()
    b["score"] = b["score"].copy()
    a["score"][:5] = np.nan
    b["score"][3:9] = np.nan
    c = compare(a, b, seed=0, n_resamples=20)
    keep = np.ones(300, dtype=bool)
    keep[:9] = False
    assert c.unscored == 9
    assert c.n == 291
    assert c.auc_b == pytest.approx(roc_auc_score(a["churned"][keep], -b["score"][keep]))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ("drop", "account 5 on 2025-01-31 is in panel_a but not in panel_b"),
        ("extra", "is in panel_b but not in panel_a"),
        ("twice", "is given twice in panel_b"),
        ("outcome", "account 7 on 2025-01-31 has different outcomes"),
        ("no dates", "one panel has observation dates"),
        ("text ids", "different kinds"),
    ],
)
def test_panels_of_other_observations_are_refused(change: str, match: str) -> None:
    a, b = _pair(20, 1)
    b = {k: np.asarray(v).copy() for k, v in b.items()}
    if change == "drop":
        b = {k: np.delete(v, 5) for k, v in b.items()}
    elif change == "extra":
        b = {k: np.append(v, v[:1]) for k, v in b.items()}
        b["account_id"][-1] = 99
    elif change == "twice":
        b = {k: np.append(v, v[:1]) for k, v in b.items()}
        a = {k: np.append(np.asarray(v), np.asarray(v)[-1:]) for k, v in a.items()}
        a["account_id"][-1] = 99
    elif change == "outcome":
        b["churned"][7] = not b["churned"][7]
    elif change == "no dates":
        del b["as_of"]
    else:
        b["account_id"] = np.array([f"A{i}" for i in b["account_id"]], dtype=object)
    with pytest.raises(InvalidInputError, match=match):
        compare(a, b, n_resamples=10)


def test_without_churners_the_difference_is_nan_with_a_reason() -> None:
    a, b = _pair(50, 1)
    a["churned"] = b["churned"] = np.zeros(50, dtype=bool)
    with pytest.warns(SmallSampleWarning):
        c = compare(a, b, n_resamples=10)
    assert math.isnan(c.difference)
    assert math.isnan(c.difference_interval.low)
    assert c.undefined["difference"] == "no churners: nothing to rank"


def test_results_are_json_and_text() -> None:
    a, b = _pair(200, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = compare(a, b, seed=3, n_resamples=100)
    json.dumps(c.to_dict(), allow_nan=False)
    text = c.format()
    assert "difference b - a" in text
    assert "band changed for" in text
    assert repr(c).startswith("Comparison(n=400")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n_resamples": 0}, "n_resamples"), ({"fraction": 2.0}, "fraction"), ({"seed": 1.5}, "seed")],
)
def test_bad_options_are_refused(kwargs: dict[str, object], match: str) -> None:
    a, b = _pair(50, 1)
    with pytest.raises(InvalidInputError, match=match):
        compare(a, b, **kwargs)  # type: ignore[arg-type]
