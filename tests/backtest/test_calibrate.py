"""`calibrate` and `Calibration`, against scikit-learn and plain references.

References: ``IsotonicRegression(increasing=False)`` for the isotonic fit at the scores
it was fitted on, a plain loop over the blocks for the step between them,
``LogisticRegression`` without a penalty (``C=inf``) for the logistic fit, a numerical
Hessian for its covariance, and `proportion_interval` (Wilson) for the per-block and
per-band intervals.
"""

from __future__ import annotations

import json
import math
import warnings
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from cshealth import InvalidInputError, SmallSampleWarning
from cshealth._stats import proportion_interval
from cshealth.backtest._calibrate import calibrate
from cshealth.backtest._panel_result import Panel
from cshealth.backtest._probability import probability_metrics
from cshealth.scoring import Band, default_scorecard


def _columns(n: int = 3000, seed: int = 0, *, levels: int | None = 21) -> dict[str, object]:
    """Scores where churn falls as health rises (coarse when ``levels`` is set)."""
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 100, n)
    if levels is not None:
        score = np.round(score / (100 / (levels - 1))) * (100 / (levels - 1))
    churned = rng.random(n) < expit(0.5 - 0.05 * score)
    band = np.where(score < 40, "red", np.where(score < 70, "yellow", "green")).astype(object)
    return {"account_id": np.arange(n), "score": score, "churned": churned, "band": band}


def _quiet(data: object, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return calibrate(data, **options)  # type: ignore[arg-type]


def _steps(cal, scores: np.ndarray) -> np.ndarray:
    """Plain reference of the isotonic step: the last block starting at or below."""
    out = []
    for s in scores.tolist():
        if math.isnan(s):
            out.append(math.nan)
            continue
        value = float(cal.table.probability[0])
        for start, p in zip(cal.table.score_low.tolist(), cal.table.probability.tolist()):
            if start <= s:
                value = p
        out.append(value)
    return np.array(out)


@pytest.mark.parametrize(("seed", "levels"), [(0, 21), (1, 6), (2, None)])
def test_isotonic_matches_sklearn_at_the_scores_it_was_fitted_on(seed: int, levels: int) -> None:
    data = _columns(2000, seed, levels=levels)
    score, churned = data["score"], data["churned"]
    cal = calibrate(data, method="isotonic")
    reference = IsotonicRegression(increasing=False).fit(score, churned)
    assert cal.predict(score) == pytest.approx(reference.predict(score), abs=1e-12)


def test_isotonic_steps_between_and_beyond_the_knots() -> None:
    data = _columns(2000, 3, levels=11)
    cal = calibrate(data, method="isotonic")
    new = np.array([-5.0, 0.0, 4.9, 10.0, 15.0, 55.5, 99.0, 100.0, 250.0, np.nan])
    assert cal.predict(new) == pytest.approx(_steps(cal, new), nan_ok=True)
    assert cal.predict([-1e9])[0] == cal.table.probability[0]  # flat below the data
    assert cal.predict([1e9])[0] == cal.table.probability[-1]  # flat above


def test_a_score_between_two_blocks_takes_the_block_below_it() -> None:
    data = {
        "account_id": list(range(40)),
        "score": [10] * 20 + [50] * 20,
        "churned": [1] * 12 + [0] * 8 + [1] * 2 + [0] * 18,
    }
    cal = calibrate(data)
    assert cal.predict([10, 49.99, 50, 50.01]).tolist() == pytest.approx([0.6, 0.6, 0.1, 0.1])


def test_blocks_of_one_probability_are_merged() -> None:
    data = {
        "account_id": list(range(60)),
        "score": [10] * 20 + [30] * 20 + [50] * 20,
        "churned": [1] * 10 + [0] * 10 + [1] * 10 + [0] * 10 + [1] * 2 + [0] * 18,
    }
    cal = calibrate(data)
    assert cal.table.label.tolist() == ["10 to 30", "50"]
    assert cal.table.n.tolist() == [40, 20]
    assert cal.table.events.tolist() == [20, 2]


def test_isotonic_pools_violators_and_gives_each_block_its_wilson_interval() -> None:
    data = {
        "account_id": list(range(80)),
        "score": [10] * 20 + [30] * 20 + [50] * 20 + [70] * 20,
        "churned": [1] * 8 + [0] * 12 + [1] * 12 + [0] * 8 + [1] * 3 + [0] * 17 + [0] * 20,
    }
    cal = calibrate(data, confidence_level=0.9)
    assert cal.table.n.tolist() == [40, 20, 20]
    assert cal.table.probability.tolist() == pytest.approx([0.5, 0.15, 0.0])
    low, high = proportion_interval(cal.table.events, cal.table.n, confidence_level=0.9)
    assert cal.table.low.tolist() == pytest.approx(low.tolist())
    assert cal.table.high.tolist() == pytest.approx(high.tolist())
    interval = cal.predict_interval([20, 60, np.nan])
    assert interval.low[:2].tolist() == pytest.approx([low[0], low[1]])
    assert interval.high[:2].tolist() == pytest.approx([high[0], high[1]])
    assert math.isnan(interval.low[2])


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=1, max_size=80),
    new=st.lists(st.floats(-10, 110), min_size=1, max_size=20),
)
def test_isotonic_predictions_never_rise_with_health(
    rows: list[tuple[int, bool]], new: list[float]
) -> None:
    data = {
        "account_id": list(range(len(rows))),
        "score": [5.0 * s for s, _ in rows],
        "churned": [c for _, c in rows],
    }
    cal = _quiet(data)
    predicted = cal.predict(np.sort(np.array(new)))
    assert (np.diff(predicted) <= 1e-15).all()
    assert ((predicted >= 0) & (predicted <= 1)).all()
    assert cal.predict(np.array(new)) == pytest.approx(_steps(cal, np.array(new)))
    assert int(cal.table.n.sum()) == len(rows)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=1, max_size=80))
def test_isotonic_and_band_calibrations_are_right_on_average_in_sample(
    rows: list[tuple[int, bool]],
) -> None:
    score = np.array([5.0 * s for s, _ in rows])
    churned = np.array([c for _, c in rows])
    band = np.where(score < 40, "red", np.where(score < 70, "yellow", "green")).astype(object)
    data = {"account_id": np.arange(len(rows)), "score": score, "churned": churned, "band": band}
    for method in ("isotonic", "bands"):
        cal = _quiet(data, method=method)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            pm = probability_metrics(cal.predict(score), churned)
        assert pm.calibration_in_the_large == pytest.approx(0.0, abs=1e-12)


def test_isotonic_calibration_in_the_large_is_zero_on_a_large_panel() -> None:
    data = _columns(5000, 8, levels=None)
    for method in ("isotonic", "bands"):
        cal = calibrate(data, method=method)
        pm = probability_metrics(cal.predict(data["score"]), data["churned"])
        assert abs(pm.calibration_in_the_large) < 1e-12
        assert pm.calibration_intercept == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("seed", [4, 5])
def test_logistic_matches_unpenalised_sklearn(seed: int) -> None:
    data = _columns(3000, seed, levels=None)
    score, churned = data["score"], data["churned"]
    cal = calibrate(data, method="logistic")
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(score[:, None], churned)
    a, b = cal.coefficients
    assert (a, b) == pytest.approx((model.intercept_[0], model.coef_[0, 0]), rel=1e-6)
    new = np.array([0.0, 37.5, 100.0])
    assert cal.predict(new) == pytest.approx(model.predict_proba(new[:, None])[:, 1], rel=1e-6)


def test_logistic_interval_is_the_delta_method_on_the_log_odds() -> None:
    data = _columns(3000, 6, levels=None)
    score, churned = data["score"], data["churned"].astype(float)
    cal = calibrate(data, method="logistic")
    a, b = cal.coefficients

    def loglik(theta: np.ndarray) -> float:
        eta = theta[0] + theta[1] * score
        return float((churned * eta - np.logaddexp(0, eta)).sum())

    step = np.array([1e-4, 1e-6])
    hessian = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * step[i], np.eye(2)[j] * step[j]
            theta = np.array([a, b])
            hessian[i, j] = (
                loglik(theta + ei + ej)
                - loglik(theta + ei - ej)
                - loglik(theta - ei + ej)
                + loglik(theta - ei - ej)
            ) / (4 * step[i] * step[j])
    cov = np.linalg.inv(-hessian)
    x = 80.0
    se = math.sqrt(cov[0, 0] + 2 * x * cov[0, 1] + x * x * cov[1, 1])
    eta = a + b * x
    low, high = cal.predict_interval([x])
    assert (low[0], high[0]) == pytest.approx(
        (expit(eta - 1.959963984540054 * se), expit(eta + 1.959963984540054 * se)), rel=1e-4
    )
    assert low[0] < cal.predict([x])[0] < high[0]


def test_logistic_table_bins_the_scores_at_deciles() -> None:
    data = _columns(3000, 7, levels=None)
    cal = calibrate(data, method="logistic")
    table = cal.table
    assert len(table) == 10
    assert int(table.n.sum()) == 3000
    assert (table.score_low[1:] > table.score_high[:-1]).all()
    mean_scores = [
        data["score"][(data["score"] >= lo) & (data["score"] <= hi)].mean()
        for lo, hi in zip(table.score_low, table.score_high)
    ]
    assert table.probability.tolist() == pytest.approx(cal.predict(mean_scores).tolist())
    assert (table.low < table.probability).all()
    assert (table.probability < table.high).all()


@pytest.mark.parametrize(
    ("churned", "reason"),
    [
        ([0] * 20, "every observation renewed"),
        ([1] * 20, "every observation churned"),
        ([1] * 10 + [0] * 10, "separates churners from renewers"),
    ],
)
def test_logistic_without_an_estimate_is_nan_with_a_reason(churned: list[int], reason: str) -> None:
    data = {"account_id": list(range(20)), "score": list(range(20)), "churned": churned}
    cal = _quiet(data, method="logistic")
    assert reason in cal.undefined
    assert np.isnan(cal.predict([5, 50])).all()
    assert np.isnan(cal.predict_interval([5]).low).all()
    assert "no calibration: " in cal.format()
    assert reason in cal.format()


def test_band_rates_with_wilson_intervals_worst_first() -> None:
    data = _columns(3000, 9)
    cal = calibrate(data, method="bands")
    table = cal.table
    assert table.label.tolist() == ["red", "yellow", "green"]
    band, churned = data["band"], data["churned"]
    for i, label in enumerate(["red", "yellow", "green"]):
        rows = band == label
        assert table.n[i] == rows.sum()
        assert table.events[i] == churned[rows].sum()
        low, high = proportion_interval(churned[rows].sum(), rows.sum())
        assert (table.low[i], table.high[i]) == pytest.approx((float(low), float(high)))
    assert cal.predict([0, 39.9, 40, 69, 70, 100]).tolist() == pytest.approx(
        table.probability[[0, 0, 1, 1, 2, 2]].tolist()
    )


def test_band_edges_come_from_the_scorecard_with_its_closure() -> None:
    data = {
        "account_id": list(range(60)),
        "score": [20.0] * 20 + [50.0] * 20 + [90.0] * 20,
        "churned": [1] * 10 + [0] * 10 + [1] * 4 + [0] * 16 + [0] * 20,
        "band": ["red"] * 20 + ["yellow"] * 20 + ["green"] * 20,
    }
    card = default_scorecard()
    assert card.closure == "lower_inclusive"
    assert [(b.label, b.max) for b in card.bands][:2] == [("red", 40.0), ("yellow", 70.0)]
    lower = calibrate(data, method="bands", scorecard=card)
    assert lower.predict([39.99, 40.0, 70.0]).tolist() == pytest.approx([0.5, 0.2, 0.0])
    upper = calibrate(
        data, method="bands", scorecard=card.model_copy(update={"closure": "upper_inclusive"})
    )
    assert upper.predict([40.0, 40.01, 70.0, 70.01]).tolist() == pytest.approx([0.5, 0.2, 0.2, 0.0])
    inferred = calibrate(data, method="bands")  # edges at each band's lowest score seen
    assert inferred.predict([49.9, 50.0, 89.9, 90.0]).tolist() == pytest.approx(
        [0.5, 0.2, 0.2, 0.0]
    )


def test_a_band_without_observations_has_no_probability() -> None:
    data = {
        "account_id": list(range(40)),
        "score": [20.0] * 20 + [90.0] * 20,
        "churned": [1] * 10 + [0] * 10 + [1] * 1 + [0] * 19,
        "band": ["red"] * 20 + ["green"] * 20,
    }
    panel = Panel(
        account_ids=np.arange(40),
        as_of=np.full(40, np.datetime64("2025-01-01", "D")),
        score=np.array(data["score"]),
        band=np.array(data["band"], dtype=object),
        churned=np.array(data["churned"], dtype=bool),
        mrr=np.full(40, 100.0),
        dates=(date(2025, 1, 1),),
        horizon_days=90,
        bands=("red", "yellow", "green"),
    )
    by_card = _quiet(panel, method="bands", scorecard=default_scorecard())
    assert by_card.table.n.tolist() == [20, 0, 20]
    assert math.isnan(by_card.table.probability[1])
    assert math.isnan(by_card.table.low[1])
    assert np.isnan(by_card.predict([50.0])).all()
    assert by_card.horizon_days == 90
    assert "within 90 days" in by_card.format()
    inferred = _quiet(panel, method="bands")
    assert inferred.predict([50.0, 89.0, 90.0]).tolist() == pytest.approx([0.5, 0.5, 0.05])
    json.dumps(by_card.to_dict(), allow_nan=False)


def test_unscored_observations_are_left_out_and_counted() -> None:
    data = _columns(1000, 10)
    score = data["score"].copy()
    score[::10] = np.nan
    cal = calibrate({**data, "score": score})
    assert (cal.n, cal.n_unscored) == (900, 100)
    assert cal.events == int(data["churned"][~np.isnan(score)].sum())
    assert cal.horizon_days is None


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (_columns(100), {"method": "platt"}, r"`method` must be one of \{'isotonic'"),
        (
            {"account_id": [1, 2], "score": [np.nan, np.nan], "churned": [0, 1]},
            {},
            "no scored observation",
        ),
        (
            {"account_id": [1, 2], "score": [1.0, 2.0], "churned": [0, 1]},
            {"method": "bands"},
            "no band labels",
        ),
        (
            {"account_id": [1, 2], "score": [1, 2], "churned": [0, 1], "band": ["red", None]},
            {"method": "bands"},
            "1 have none",
        ),
        (
            {
                "account_id": [1, 2, 3],
                "score": [10.0, 50.0, 45.0],
                "churned": [0, 1, 0],
                "band": ["red", "red", "green"],
            },
            {"method": "bands"},
            "bands overlap in the data: 'red' reaches 50 and 'green' starts at 45",
        ),
        (
            {"account_id": [1, 2], "score": [1, 2], "churned": [0, 1], "band": ["red", "blue"]},
            {"method": "bands", "scorecard": default_scorecard()},
            r"band labels \['blue'\] are not among the scorecard's bands",
        ),
        (
            {"account_id": [1, 2], "score": [1, 2], "churned": [0, 1], "band": ["a", "b"]},
            {"method": "bands", "scorecard": [Band(label="a", min=0, max=100)]},
            "`scorecard` must have `bands` and `closure`",
        ),
        (_columns(100), {"confidence_level": 0}, "confidence_level"),
        ("scores", {}, "backtest data must be a Panel"),
    ],
)
def test_bad_input_is_refused(data: object, options: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        _quiet(data, **options)


def test_few_events_warn_at_the_callers_line() -> None:
    data = {
        "account_id": list(range(100)),
        "score": list(range(100)),
        "churned": [1] * 9 + [0] * 91,
    }
    with pytest.warns(SmallSampleWarning, match="9 churners and 91 renewers") as record:
        calibrate(data)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        calibrate({**data, "churned": [1] * 10 + [0] * 90})


def test_predict_refuses_what_is_not_a_score() -> None:
    cal = calibrate(_columns(500))
    with pytest.raises(InvalidInputError, match="`scores` must hold numbers"):
        cal.predict(["high"])
    with pytest.raises(InvalidInputError, match="one-dimensional"):
        cal.predict([[1.0, 2.0]])


def test_the_result_reads_as_text_json_and_a_frame() -> None:
    data = _columns(2000, 11, levels=6)
    cal = calibrate(data, method="logistic")
    out = cal.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["method"] == "logistic"
    assert out["coefficients"] == list(cal.coefficients)
    assert out["table"]["n"] == cal.table.n.tolist()
    assert "_values" not in out
    frame = cal.to_pandas()
    assert list(frame.columns) == [
        "label",
        "score_low",
        "score_high",
        "n",
        "events",
        "observed",
        "probability",
        "low",
        "high",
    ]
    assert len(cal) == len(frame) == len(cal.table)
    text = cal.format()
    assert text.startswith("Calibration (logistic): probability of churn, fitted on 2,000")
    assert "logit P(churn) = " in text
    assert "x score" in text
    assert repr(cal) == f"Calibration(logistic, {len(cal.table)} rows, n=2000, events={cal.events})"
    assert repr(cal.table) == f"CalibrationTable({len(cal.table)} rows)"
    assert cal == calibrate(data, method="logistic")
