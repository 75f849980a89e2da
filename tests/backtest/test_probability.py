"""`probability_metrics`: Brier, skill, calibration and reliability, against scikit-learn.

References: ``brier_score_loss`` for the Brier score, ``LogisticRegression`` without a
penalty (``C=inf``) on ``logit(p)`` for the calibration slope, a root of the score
equation (scipy's ``brentq``, a different algorithm from the fit's Newton steps) for the
calibration intercept, and ``calibration_curve`` for the reliability bins.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from cshealth import InvalidInputError, SmallSampleWarning
from cshealth._stats import proportion_interval
from cshealth.backtest._probability import EPSILON, logit, probability_metrics
from cshealth.backtest._reliability import MAX_DISTINCT_BINS, _default_bins


def _sample(n: int = 3000, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities that are too extreme: the truth is a flatter curve than ``p``."""
    rng = np.random.default_rng(seed)
    p = expit(rng.normal(-1.5, 1.2, n))
    churned = rng.random(n) < expit(-0.9 + 0.6 * logit(p))
    return p, churned


def _quiet(p: object, churned: object, **options: object):
    """`probability_metrics` on a sample too small for the calibration figures."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return probability_metrics(p, churned, **options)  # type: ignore[arg-type]


def _anchor_c3() -> tuple[np.ndarray, np.ndarray]:
    """Anchors §C.3's summary: 2,000 accounts, 5 bands, 211 churners (10.55%), AUC 0.771."""
    health = np.repeat([10.0, 30.0, 50.0, 70.0, 90.0], [169, 145, 203, 1223, 260])
    churned = np.concatenate(
        [np.arange(n) < k for n, k in zip([169, 145, 203, 1223, 260], [86, 32, 19, 71, 3])]
    )
    return health, churned


def test_one_minus_health_is_worse_than_the_base_rate_as_in_anchor_c3() -> None:
    health, churned = _anchor_c3()
    pm = probability_metrics(1 - health / 100, churned)
    assert pm.base_rate == pytest.approx(0.1055)
    assert pm.brier == pytest.approx(0.160, abs=5e-4)  # anchors: Brier 0.160
    assert pm.brier_reference == pytest.approx(0.094, abs=5e-4)  # base rate alone: 0.094
    assert pm.brier_skill < 0
    assert pm.brier == pytest.approx(brier_score_loss(churned, 1 - health / 100))
    assert pm.calibration_in_the_large < -0.25  # the "probabilities" are far too high
    assert pm.calibration_intercept < 0
    assert len(pm.reliability) == 5  # five values, five bins: none empty, none missing


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_brier_and_skill_match_sklearn(seed: int) -> None:
    p, churned = _sample(seed=seed)
    pm = probability_metrics(p, churned)
    base = churned.mean()
    assert pm.brier == pytest.approx(brier_score_loss(churned, p), rel=1e-12)
    assert pm.brier_reference == pytest.approx(base * (1 - base), rel=1e-12)
    assert pm.brier_skill == pytest.approx(
        1 - brier_score_loss(churned, p) / brier_score_loss(churned, np.full(len(p), base))
    )
    assert pm.calibration_in_the_large == pytest.approx(base - p.mean(), abs=1e-15)
    assert (pm.n, pm.events, pm.n_missing) == (len(p), int(churned.sum()), 0)


def test_brier_on_tied_probabilities_matches_sklearn() -> None:
    rng = np.random.default_rng(4)
    p = rng.choice([0.05, 0.1, 0.3, 0.6], 500)
    churned = rng.random(500) < p
    assert probability_metrics(p, churned).brier == pytest.approx(brier_score_loss(churned, p))


@pytest.mark.parametrize("seed", [1, 2])
def test_calibration_slope_matches_unpenalised_sklearn_logistic_regression(seed: int) -> None:
    p, churned = _sample(seed=seed)
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    model.fit(logit(p)[:, None], churned)
    pm = probability_metrics(p, churned)
    assert pm.calibration_slope == pytest.approx(model.coef_[0, 0], rel=1e-6)
    assert pm.calibration_slope < 1  # the sample's probabilities are too extreme
    # Wald interval: from the observed information at sklearn's estimate
    x = np.column_stack([np.ones(len(p)), logit(p)])
    q = expit(x @ np.array([model.intercept_[0], model.coef_[0, 0]]))
    cov = np.linalg.inv((x.T * (q * (1 - q))) @ x)
    half = 1.959963984540054 * math.sqrt(cov[1, 1])
    low, high = pm.calibration_slope_interval
    assert (low, high) == pytest.approx((model.coef_[0, 0] - half, model.coef_[0, 0] + half))


def test_calibration_intercept_is_the_root_of_its_score_equation() -> None:
    p, churned = _sample(seed=5)
    offset = logit(p)
    root = brentq(lambda a: float((churned - expit(a + offset)).sum()), -10, 10, xtol=1e-14)
    pm = probability_metrics(p, churned)
    assert pm.calibration_intercept == pytest.approx(root, abs=1e-7)
    info = float((expit(root + offset) * (1 - expit(root + offset))).sum())
    half = 1.959963984540054 / math.sqrt(info)
    assert tuple(pm.calibration_intercept_interval) == pytest.approx((root - half, root + half))


def test_well_calibrated_probabilities_have_intercept_0_and_slope_1() -> None:
    rng = np.random.default_rng(11)
    p = expit(rng.normal(-1.0, 1.0, 200_000))
    churned = rng.random(len(p)) < p
    pm = probability_metrics(p, churned)
    assert pm.calibration_intercept_interval.contains(0.0)
    assert pm.calibration_slope_interval.contains(1.0)
    assert abs(pm.calibration_in_the_large) < 0.005


def test_probabilities_of_exactly_0_and_1_are_clipped_by_epsilon_for_the_logit() -> None:
    p = np.array([0.0, 1.0, 0.2, 0.2, 0.7, 0.7] * 5)
    churned = np.array([0, 1, 0, 1, 1, 0] * 5, dtype=bool)
    pm = probability_metrics(p, churned)
    clipped = np.clip(p, EPSILON, 1 - EPSILON)
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    model.fit(np.log(clipped / (1 - clipped))[:, None], churned)
    assert math.isfinite(pm.calibration_slope)
    assert pm.calibration_slope == pytest.approx(model.coef_[0, 0], rel=1e-5)
    assert logit(np.array([0.0, 1.0])).tolist() == pytest.approx([-13.8155, 13.8155], abs=1e-4)


@pytest.mark.parametrize(
    ("p", "churned", "names", "reason"),
    [
        ([0.1, 0.2] * 10, [False] * 20, {"brier_skill", "calibration_intercept"}, "renewed"),
        ([0.1, 0.2] * 10, [True] * 20, {"brier_skill", "calibration_slope"}, "churned"),
        ([0.3] * 20, [True, False] * 10, {"calibration_slope"}, "same predictor value"),
        ([0.1] * 10 + [0.2] * 10, [False] * 10 + [True] * 10, {"calibration_slope"}, "separates"),
        ([0.1] * 10 + [0.2] * 10, [False] * 9 + [True] * 11, {"calibration_slope"}, "separates"),
    ],
)
def test_undefined_statistics_are_nan_with_a_reason(
    p: list[float], churned: list[bool], names: set[str], reason: str
) -> None:
    pm = _quiet(p, churned)
    for name in names:
        assert math.isnan(getattr(pm, name))
        assert reason in pm.undefined[name]
    assert math.isfinite(pm.brier)
    if "calibration_slope" in pm.undefined and len(pm.undefined) == 1:
        assert math.isfinite(pm.calibration_intercept)  # the offset fit still exists


def test_quasi_separation_with_one_overlapping_value_still_has_a_slope() -> None:
    p = [0.1] * 10 + [0.2] * 10 + [0.3] * 10
    churned = [False] * 10 + [False] * 5 + [True] * 5 + [True] * 10
    pm = probability_metrics(p, churned)
    assert "calibration_slope" in pm.undefined  # renewers all at or below every churner
    overlap = [False] * 9 + [True] + [False] * 5 + [True] * 5 + [True] * 9 + [False]
    assert math.isfinite(probability_metrics(p, overlap).calibration_slope)


def test_missing_probabilities_are_left_out_and_counted() -> None:
    p, churned = _sample(500)
    gappy = p.copy()
    gappy[::7] = np.nan
    pm = probability_metrics(gappy, churned)
    keep = ~np.isnan(gappy)
    assert pm.n_missing == int((~keep).sum())
    assert pm.n == int(keep.sum())
    assert pm.brier == pytest.approx(brier_score_loss(churned[keep], p[keep]))


def test_nothing_to_judge_is_all_nan_and_says_so() -> None:
    pm = probability_metrics([np.nan, np.nan], [True, False])
    assert (pm.n, pm.n_missing, len(pm.reliability)) == (0, 2, 0)
    assert math.isnan(pm.brier)
    assert math.isnan(pm.brier_skill)
    assert "no observations" in pm.undefined["brier_skill"]
    assert "none to judge" in pm.format()


def test_default_bins_match_sklearn_calibration_curve_where_it_has_points() -> None:
    rng = np.random.default_rng(3)
    p = rng.choice([0.05, 0.15, 0.35, 0.55, 0.85], 2000)
    churned = rng.random(2000) < p
    table = probability_metrics(p, churned).reliability
    observed, predicted = calibration_curve(churned, p, n_bins=10)
    assert len(observed) == 5  # sklearn: 10 bins asked, 5 come back (the others are empty)
    assert table.observed.tolist() == pytest.approx(observed.tolist())
    assert table.mean_predicted.tolist() == pytest.approx(predicted.tolist())
    assert table.bin.tolist() == ["0.05", "0.15", "0.35", "0.55", "0.85"]


def test_edges_bins_match_sklearn_uniform_bins_on_continuous_probabilities() -> None:
    p, churned = _sample(4000, seed=9)
    table = probability_metrics(p, churned, edges=np.linspace(0, 1, 11)).reliability
    observed, predicted = calibration_curve(churned, p, n_bins=10, strategy="uniform")
    assert table.observed.tolist() == pytest.approx(observed.tolist())
    assert table.mean_predicted.tolist() == pytest.approx(predicted.tolist())
    assert (table.n > 0).all()


def test_an_edge_belongs_to_the_bin_above_it_and_one_is_in_the_last() -> None:
    table = _quiet([0.3, 0.3, 0.1, 1.0, 0.0], [1, 0, 0, 1, 0], edges=[0.3]).reliability
    assert table.bin.tolist() == ["[0, 0.3)", "[0.3, 1]"]
    assert table.n.tolist() == [2, 3]
    assert table.events.tolist() == [0, 2]


def test_wilson_intervals_of_the_bins() -> None:
    p, churned = _sample(1000, seed=2)
    table = probability_metrics(p, churned, edges=[0.1, 0.2, 0.5]).reliability
    low, high = proportion_interval(table.events, table.n)
    assert table.observed_low.tolist() == pytest.approx(low.tolist())
    assert table.observed_high.tolist() == pytest.approx(high.tolist())
    assert table.observed.tolist() == pytest.approx((table.events / table.n).tolist())


def test_group_bins_follow_the_mean_prediction_and_keep_missing_labels() -> None:
    p = [0.5, 0.5, 0.1, 0.1, 0.3, 0.2]
    groups = ["red", "red", "green", "green", None, "yellow"]
    table = _quiet(p, [1, 0, 0, 0, 1, 0], groups=groups).reliability
    assert table.bin.tolist() == ["green", "yellow", "(none)", "red"]
    assert table.n.tolist() == [2, 1, 1, 2]
    assert table.events.tolist() == [0, 0, 1, 1]


def test_many_distinct_probabilities_are_binned_at_deciles_without_splitting_a_tie() -> None:
    rng = np.random.default_rng(5)
    p = np.round(rng.random(1000), 2)  # ~100 distinct values, many ties
    churned = rng.random(1000) < p
    table = probability_metrics(p, churned).reliability
    assert len(table) == 10
    assert int(table.n.sum()) == 1000
    codes, _ = _default_bins(p)
    for value in np.unique(p):
        assert len(np.unique(codes[p == value])) == 1
    assert (np.diff(codes[np.argsort(p, kind="stable")]) >= 0).all()


@settings(max_examples=60, deadline=None)
@given(
    p=st.lists(st.floats(0, 1), min_size=1, max_size=60),
    edges=st.lists(st.floats(0, 1), max_size=5, unique=True),
    data=st.data(),
)
def test_reliability_bins_are_never_empty_and_account_for_every_observation(
    p: list[float], edges: list[float], data: st.DataObject
) -> None:
    churned = data.draw(st.lists(st.booleans(), min_size=len(p), max_size=len(p)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        tables = [
            probability_metrics(p, churned).reliability,
            probability_metrics(p, churned, edges=sorted(edges) or None).reliability,
        ]
    for table in tables:
        assert (table.n > 0).all()
        assert int(table.n.sum()) == len(p)
        assert int(table.events.sum()) == sum(churned)
        assert (np.diff(table.mean_predicted) >= -1e-12).all()
    if len(set(p)) <= MAX_DISTINCT_BINS:
        assert len(tables[0]) == len(set(p))


@pytest.mark.parametrize(
    ("p", "churned", "message"),
    [
        ([0.1, 1.2], [0, 1], r"`p` must hold probabilities in \[0, 1\].*1\.2 at row 2"),
        ([-0.1, 0.5], [0, 1], r"-0\.1 at row 1"),
        ([0.1, np.inf], [0, 1], r"inf at row 2"),
        ([0.1, 0.2], [0, 2], r"`churned` must hold True/False .*row 2 is 2"),
        ([0.1, 0.2], [0, "yes"], r"row 2 is 'yes'"),
        ([0.1, 0.2], [0], r"one length, got 2 and 1"),
        (["0.1"], [0], r"`p` must hold numbers"),
        ([[0.1, 0.2]], [0, 1], r"`p` must be one-dimensional"),
    ],
)
def test_bad_input_is_refused_naming_the_row(p: list, churned: list, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        probability_metrics(p, churned)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"edges": [0.5, 0.2]}, "strictly increasing"),
        ({"edges": [0.2, 1.5]}, r"probabilities in \[0, 1\]"),
        ({"edges": []}, "non-empty"),
        ({"edges": [0.5], "groups": ["a", "b"]}, "not both"),
        ({"groups": ["a"]}, "as long as `p`"),
        ({"confidence_level": 1.0}, "confidence_level"),
    ],
)
def test_bad_options_are_refused(options: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        probability_metrics([0.1, 0.2], [0, 1], **options)


def test_few_events_warn_at_the_callers_line() -> None:
    with pytest.warns(SmallSampleWarning, match="9 churners") as record:
        probability_metrics([0.2] * 100, [1] * 9 + [0] * 91)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probability_metrics([0.2] * 100, [1] * 10 + [0] * 90)  # ten of each: no warning
    with pytest.warns(SmallSampleWarning, match="9 renewers"):
        probability_metrics([0.9] * 100, [0] * 9 + [1] * 91)


def test_results_are_json_ready_and_readable() -> None:
    health, churned = _anchor_c3()
    pm = probability_metrics(1 - health / 100, churned, confidence_level=0.9)
    out = pm.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["reliability"]["n"] == [260, 1223, 203, 145, 169]
    assert out["calibration_slope_interval"]["low"] < out["calibration_slope"]
    assert set(pm.reliability.to_pandas().columns) == {
        "bin",
        "n",
        "events",
        "mean_predicted",
        "observed",
        "observed_low",
        "observed_high",
    }
    text = pm.format()
    assert "skill -0.698 (worse than the base rate alone)" in text
    assert "90% CI" in text
    assert repr(pm).startswith("ProbabilityMetrics(n=2000, events=211, brier=0.1603")
    assert repr(pm.reliability) == "ReliabilityTable(5 bins, n=2000)"
    one_class = _quiet([0.1, 0.2], [0, 0])
    assert "brier_skill: NaN (every observation renewed" in one_class.format()
    json.dumps(one_class.to_dict(), allow_nan=False)
