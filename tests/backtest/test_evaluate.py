"""`evaluate`, its results, churn per band, the trend test and the panel-column reader.

References: scikit-learn (``roc_auc_score``, ``average_precision_score`` of ``-score``)
for the pooled and per-date figures; the standalone `lift` (itself checked against a
brute force over orderings); `proportion_interval` for the per-band Wilson intervals; the
Cochran–Armitage statistic against two deliberately different computations: the score
test of the slope in a logistic model, with the score and the information taken by
finite differences of the Bernoulli log-likelihood of the single observations, and
Armitage's (1955) decomposition of the chi-square (the weighted regression of the band
rates on the band scores), plus, for two bands, Pearson's chi-square of scipy; and
`probability_metrics` for the calibrated probabilities.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score

from cshealth import InvalidInputError, SmallSampleWarning
from cshealth._grouped import Grouped
from cshealth._stats import proportion_interval, z_critical
from cshealth.backtest._band_rates import band_rates, trend_test
from cshealth.backtest._calibrate import calibrate
from cshealth.backtest._evaluate import as_panel_columns, evaluate
from cshealth.backtest._lift import lift
from cshealth.backtest._panel_columns import band_codes
from cshealth.backtest._panel_result import Panel
from cshealth.backtest._probability import probability_metrics
from cshealth.backtest._ranking import auc_variance, levels

BANDS = ("red", "yellow", "green")


def _columns(accounts: int = 400, dates: int = 3, seed: int = 0) -> dict[str, object]:
    """Accounts observed on month-ends: coarse scores, churn falling as health rises."""
    rng = np.random.default_rng(seed)
    owner = np.repeat(np.arange(accounts), dates)
    health = rng.normal(60, 18, accounts)[owner] + rng.normal(0, 6, len(owner))
    score = np.clip(np.round(health / 5) * 5, 0, 100)
    churned = rng.random(len(owner)) < 1 / (1 + np.exp((score - 35) / 9))
    score[rng.random(len(owner)) < 0.03] = np.nan  # a few unscored
    band = np.where(score < 40, "red", np.where(score < 70, "yellow", "green")).astype(object)
    band[np.isnan(score)] = None
    month_ends = np.array(["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"])
    mrr = np.round(rng.gamma(2.0, 300.0, accounts))[owner]  # whole: sums exact in any order
    mrr[rng.random(len(owner)) < 0.05] = np.nan
    return {
        "account_id": [f"A-{i:04d}" for i in owner],
        "as_of": month_ends[np.tile(np.arange(dates), accounts)],
        "score": score,
        "churned": churned,
        "band": band,
        "mrr": mrr,
    }


def _arrays(columns: dict[str, object]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.asarray(columns["score"], dtype=float),
        np.asarray(columns["churned"], dtype=bool),
        np.asarray(columns["as_of"]),
    )


def test_pooled_and_per_date_figures_are_sklearns() -> None:
    columns = _columns()
    score, y, as_of = _arrays(columns)
    mrr = np.asarray(columns["mrr"], dtype=float)
    ev = evaluate(columns, seed=0, n_resamples=200)
    scored = ~np.isnan(score)
    assert ev.overall.n == scored.sum()
    assert ev.overall.unscored == (~scored).sum()
    assert ev.overall.events == y[scored].sum()
    assert ev.auc == pytest.approx(roc_auc_score(y[scored], -score[scored]), abs=1e-12)
    assert ev.overall.average_precision == pytest.approx(
        average_precision_score(y[scored], -score[scored]), abs=1e-12
    )
    for j, f in enumerate((0.05, 0.1, 0.2)):
        assert ev.overall.lift[j] == pytest.approx(lift(score[scored], y[scored], fraction=f))
        known = scored & ~np.isnan(mrr)
        assert ev.overall.mrr_lift[j] == pytest.approx(
            lift(score[known], y[known], fraction=f, weights=mrr[known])
        )
    assert [str(m.as_of) for m in ev.dates] == ["2024-01-31", "2024-02-29", "2024-03-31"]
    for metrics in ev.dates:
        rows = scored & (as_of == str(metrics.as_of))
        assert metrics.n == rows.sum()
        assert metrics.unscored == ((as_of == str(metrics.as_of)) & ~scored).sum()
        assert metrics.auc == pytest.approx(roc_auc_score(y[rows], -score[rows]), abs=1e-12)
        assert metrics.lift[1] == pytest.approx(lift(score[rows], y[rows], fraction=0.1))


def test_intervals_hold_the_estimates_and_name_their_method() -> None:
    ev = evaluate(_columns(), seed=1, n_resamples=300)
    o = ev.overall
    assert o.auc_interval.low < o.auc < o.auc_interval.high
    assert (
        o.average_precision_interval.low < o.average_precision < o.average_precision_interval.high
    )
    assert np.all(o.lift_interval.low <= o.lift)
    assert np.all(o.lift <= o.lift_interval.high)
    assert o.method == "bootstrap clustered by account"
    assert ev.dates[0].method == "bootstrap"  # one observation per account on a date
    assert o.n_resamples == 300
    assert o.confidence_level == 0.95


def test_a_seed_gives_the_same_evaluation_and_another_seed_another() -> None:
    columns = _columns(200, 2)
    a = evaluate(columns, seed=5, n_resamples=100)
    assert a == evaluate(columns, seed=5, n_resamples=100)
    assert a != evaluate(columns, seed=6, n_resamples=100)
    assert a == evaluate(columns, seed=np.random.default_rng(5), n_resamples=100)


def test_delong_interval_is_clustered_when_accounts_repeat() -> None:
    columns = _columns()
    score, y, _ = _arrays(columns)
    scored = ~np.isnan(score)
    ev = evaluate(columns, interval="delong")
    lv = levels(score[scored])
    ids = np.asarray(columns["account_id"], dtype=object)[scored]
    clusters = np.unique(ids, return_inverse=True)[1]
    se = math.sqrt(auc_variance(lv.codes, y[scored], len(lv), clusters=clusters))
    half = z_critical(0.95) * se
    assert ev.overall.auc_interval.low == pytest.approx(ev.auc - half)
    assert ev.overall.auc_interval.high == pytest.approx(ev.auc + half)
    assert ev.overall.method == "DeLong clustered by account (Obuchowski)"
    assert ev.dates[0].method == "DeLong"
    assert ev.overall.n_resamples is None
    assert math.isnan(ev.overall.average_precision_interval.low)


def test_band_rates_with_wilson_intervals_and_the_bottom_band() -> None:
    columns = _columns()
    _score, y, _ = _arrays(columns)
    band = np.asarray(columns["band"], dtype=object)
    ev = evaluate(columns, seed=0, n_resamples=50)
    b = ev.overall.bands
    assert b is not None
    assert b.band.tolist() == list(BANDS)  # worst first, by mean score
    n = np.array([(band == label).sum() for label in BANDS])
    events = np.array([((band == label) & y).sum() for label in BANDS])
    assert b.n.tolist() == n.tolist()
    assert b.events.tolist() == events.tolist()
    low, high = proportion_interval(events, n)
    assert np.allclose(b.low, low)
    assert np.allclose(b.high, high)
    assert b.bottom_precision == pytest.approx(events[0] / n[0])
    assert b.bottom_recall == pytest.approx(events[0] / events.sum())
    assert b.trend_statistic < -3
    assert b.trend_pvalue < 0.001


def test_no_churners_gives_nan_with_reasons_not_an_error() -> None:
    columns = {"account_id": list(range(30)), "score": list(range(30)), "churned": [0] * 30}
    with pytest.warns(SmallSampleWarning, match="0 churners"):
        ev = evaluate(columns, seed=0, n_resamples=20)
    o = ev.overall
    assert math.isnan(o.auc)
    assert math.isnan(o.average_precision)
    assert np.isnan(o.lift).all()
    assert o.undefined["auc"] == "no churners: nothing to rank"
    assert math.isnan(o.auc_interval.low)
    assert len(ev) == 0  # no dates given


def test_everyone_churning_leaves_the_auc_undefined() -> None:
    columns = {"account_id": list(range(30)), "score": list(range(30)), "churned": [1] * 30}
    with pytest.warns(SmallSampleWarning):
        ev = evaluate(columns, seed=0, n_resamples=20, interval="delong")
    assert math.isnan(ev.auc)
    assert "no renewers" in ev.overall.undefined["auc"]
    assert ev.overall.lift[1] == pytest.approx(1.0)


def test_few_events_warn_at_the_callers_line() -> None:
    columns = {
        "account_id": list(range(40)),
        "score": list(range(40)),
        "churned": [1] * 3 + [0] * 37,
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        evaluate(columns, seed=0, n_resamples=20)
    assert [w.category for w in caught] == [SmallSampleWarning]
    assert caught[0].filename == __file__


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_resamples": 0}, "n_resamples"),
        ({"n_resamples": 100_001}, "n_resamples"),
        ({"n_resamples": True}, "n_resamples"),
        ({"interval": "jackknife"}, "interval"),
        ({"confidence_level": 1.0}, "confidence_level"),
        ({"fractions": (0.0,)}, "fractions"),
        ({"fractions": (0.1, 1.5)}, "fractions"),
        ({"fractions": ()}, "at least one"),
        ({"fractions": "0.1"}, "fractions"),
        ({"seed": "7"}, "seed"),
        ({"seed": True}, "seed"),
        ({"seed": -1}, "seed"),
        ({"calibration": object()}, "calibration"),
        ({"by": ["a", "b"]}, "by"),
        ({"by": "segment"}, "no column"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        evaluate(_columns(50, 1), **kwargs)  # type: ignore[arg-type]


def test_grouped_by_a_column_and_by_a_mapping() -> None:
    columns = _columns(300, 2, seed=3)
    segment = np.where(np.arange(600) % 3 == 0, "ent", "smb").astype(object)
    segment[:6] = None
    data = {**columns, "segment": segment}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        g = evaluate(data, by="segment", interval="delong")
        assert isinstance(g, Grouped)
        assert list(g) == ["(none)", "ent", "smb"]
        assert g.ungrouped == 6
        assert g.overall == evaluate(columns, interval="delong")
        rows = segment == "ent"
        subset = {k: np.asarray(v, dtype=object)[rows] for k, v in columns.items()}
        subset["score"] = np.asarray(subset["score"], dtype=float)
        alone = evaluate(subset, interval="delong")  # the same, but for float rounding
        pd.testing.assert_frame_equal(g["ent"].to_pandas(), alone.to_pandas())
        assert g["ent"].overall.bands == alone.overall.bands
        assert g["ent"].overall.auc_interval == pytest.approx(alone.overall.auc_interval)
        owner = {f"A-{i:04d}": ("odd" if i % 2 else "even") for i in range(300)}
        by_account = evaluate(columns, by=owner, interval="delong")
    assert by_account.by == "account"
    assert sum(r.overall.n for r in by_account.values()) == g.overall.overall.n
    assert "group" in by_account.format()
    frame = by_account.to_pandas()
    assert {"group", "as_of", "auc"} <= set(frame.columns)


def _panel() -> Panel:
    columns = _columns(300, 2, seed=4)
    score, y, as_of = _arrays(columns)
    return Panel(
        account_ids=np.asarray(columns["account_id"], dtype=object),
        as_of=as_of.astype("datetime64[D]"),
        score=score,
        band=np.asarray(columns["band"], dtype=object),
        churned=y,
        mrr=np.asarray(columns["mrr"], dtype=float),
        dates=(date(2024, 1, 31), date(2024, 2, 29)),
        horizon_days=90,
        bands=BANDS,
        config_hash="abc",
    )


def test_a_panel_is_read_through_its_attributes() -> None:
    panel = _panel()
    ev = evaluate(panel, interval="delong")
    plain = evaluate(panel.to_pandas().rename(columns={}), interval="delong")
    assert ev.auc == plain.auc
    assert ev.horizon_days == 90
    assert ev.config_hash == "abc"
    assert "churn within 90 days" in ev.format()
    with pytest.raises(InvalidInputError, match="mapping from account id"):
        evaluate(panel, by="segment")


def test_calibrated_probabilities_are_judged_by_band() -> None:
    columns = _columns(300, 2, seed=5)
    cal = calibrate(columns, method="isotonic")
    ev = evaluate(columns, calibration=cal, interval="delong")
    score, y, _ = _arrays(columns)
    scored = ~np.isnan(score)
    band = np.asarray(columns["band"], dtype=object)[scored]
    expected = probability_metrics(cal.predict(score[scored]), y[scored], groups=band)
    assert ev.overall.probability == expected
    assert ev.dates[0].probability is not None
    assert "Brier" in ev.format()


def test_results_are_json_tables_and_text() -> None:
    ev = evaluate(_columns(200, 3), seed=2, n_resamples=100)
    text = json.dumps(ev.to_dict(), allow_nan=False)
    assert '"overall"' in text
    frame = ev.to_pandas()
    assert list(frame.columns[:5]) == ["as_of", "n", "events", "base_rate", "auc"]
    assert {"lift_5", "lift_10", "lift_20", "mrr_lift_10", "bottom_precision"} <= set(frame.columns)
    assert len(frame) == len(ev) == 3
    assert ev.at("2024-02-29") is ev.dates[1]
    with pytest.raises(InvalidInputError, match="no observation date"):
        ev.at(date(2023, 1, 1))
    assert ev.overall.lift_at(0.1) == ev.overall.lift[1]
    assert ev.overall.lift_at(0.5) == ev.overall.gains.lift[9]
    with pytest.raises(InvalidInputError, match="no lift"):
        ev.overall.lift_at(0.33)
    text = ev.format()
    assert "AUC" in text
    assert "2024-03-31" in text
    assert "Cochran-Armitage" in text
    assert repr(ev).startswith("Evaluation(")
    assert repr(ev.overall).startswith("Metrics(pooled")


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_row_order_changes_no_figure(shuffler: object) -> None:
    columns = _columns(60, 2, seed=7)
    order = list(range(120))
    shuffler.shuffle(order)  # type: ignore[attr-defined]
    shuffled = {k: np.asarray(v, dtype=object)[order] for k, v in columns.items()}
    shuffled["score"] = np.asarray(shuffled["score"], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        a = evaluate(columns, interval="delong")
        b = evaluate(shuffled, interval="delong")
    assert a == b
    assert 0.0 <= a.auc <= 1.0
    assert np.all(a.overall.gains.lift <= 1 / a.overall.base_rate + 1e-12)


# --- the trend test -------------------------------------------------------------------------


def _score_test_by_differences(events: np.ndarray, n: np.ndarray) -> float:
    """The logistic score test of the slope, by finite differences of the log-likelihood."""
    x = np.repeat(np.arange(len(n), dtype=float), n)
    y = np.concatenate([np.r_[np.ones(e), np.zeros(m - e)] for e, m in zip(events, n)])

    def loglik(a: float, b: float) -> float:
        eta = a + b * x
        return float((y * eta - np.logaddexp(0.0, eta)).sum())

    a0 = math.log(y.mean() / (1 - y.mean()))  # the null fit: the intercept alone
    h = 1e-4

    def d2(f, i, j) -> float:  # second differences of the log-likelihood at (a0, 0)
        e = [np.array([h, 0.0]), np.array([0.0, h])]
        p = np.array([a0, 0.0])
        return (
            f(*(p + e[i] + e[j]))
            - f(*(p + e[i] - e[j]))
            - f(*(p - e[i] + e[j]))
            + f(*(p - e[i] - e[j]))
        ) / (4 * h * h)

    score = (loglik(a0, h) - loglik(a0, -h)) / (2 * h)
    info = -np.array([[d2(loglik, i, j) for j in range(2)] for i in range(2)])
    efficient = info[1, 1] - info[0, 1] ** 2 / info[0, 0]
    return score / math.sqrt(efficient)


def _armitage_decomposition(events: np.ndarray, n: np.ndarray) -> float:
    """χ²_trend of Armitage (1955): the weighted regression of the rates on the scores."""
    x = np.arange(len(n), dtype=float)
    p = events / n
    pbar = events.sum() / n.sum()
    xbar = (n * x).sum() / n.sum()
    sxx = (n * (x - xbar) ** 2).sum()
    b = (n * (p - pbar) * (x - xbar)).sum() / sxx
    return float(b**2 / (pbar * (1 - pbar) / sxx))


@pytest.mark.parametrize(
    ("events", "n"),
    [
        ([30, 15, 5], [100, 100, 100]),
        ([8, 12, 20, 9], [40, 90, 200, 150]),
        ([3, 3, 4], [50, 10, 70]),
        ([1, 9], [20, 30]),
    ],
)
def test_cochran_armitage_against_two_other_computations(events: list[int], n: list[int]) -> None:
    e, m = np.array(events), np.array(n)
    z, p = trend_test(e, m)
    assert z == pytest.approx(_score_test_by_differences(e, m), rel=1e-5)
    assert z**2 == pytest.approx(_armitage_decomposition(e, m), rel=1e-10)
    assert p == pytest.approx(stats.norm.cdf(z), rel=1e-12)
    if len(n) == 2:
        table = np.array([e, m - e])
        chi2 = stats.chi2_contingency(table, correction=False)[0]
        assert z**2 == pytest.approx(chi2, rel=1e-10)


def test_trend_is_one_sided_toward_churn_falling_as_health_rises() -> None:
    falling, _ = trend_test(np.array([30, 10]), np.array([100, 100]))
    rising, p_rising = trend_test(np.array([10, 30]), np.array([100, 100]))
    assert falling < 0 < rising
    assert p_rising > 0.99
    assert all(math.isnan(v) for v in trend_test(np.array([5, 0]), np.array([10, 0])))
    assert all(math.isnan(v) for v in trend_test(np.array([0, 0]), np.array([10, 10])))


def test_band_rates_leave_out_observations_without_a_band() -> None:
    band = np.array(["red", None, "green", "other"], dtype=object)
    codes = band_codes(band, ("red", "green"))
    assert codes.tolist() == [0, -1, 1, -1]
    r = band_rates(codes, np.array([True, True, False, True]), ("red", "green"))
    assert r.n.tolist() == [1, 1]
    assert r.unbanded == 2
    assert r.bottom_recall == 1.0
    assert "red" in r.format()
    assert repr(r).startswith("BandRates(")


# --- reading the data -----------------------------------------------------------------------


def test_plain_columns_rows_and_frames_read_alike() -> None:
    rows = [
        {"account_id": 1, "score": 20, "churned": True, "as_of": "2025-01-31", "band": "red"},
        {"account_id": 2, "score": 80, "churned": 0, "as_of": "2025-01-31", "band": "green"},
        {"account_id": 3, "score": None, "churned": False, "as_of": "2025-01-31", "band": None},
    ]
    from_rows = as_panel_columns(rows)
    from_frame = as_panel_columns(pd.DataFrame(rows))
    for cols in (from_rows, from_frame):
        assert cols.account_ids.tolist() == [1, 2, 3]
        assert cols.churned.tolist() == [True, False, False]
        assert cols.bands == ("red", "green")
        assert np.isnan(cols.score[2])
        assert np.isnan(cols.mrr).all()
        assert str(cols.as_of[0]) == "2025-01-31"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"churned": [1, 0, "yes"]}, "`churned` must hold True/False.*row 3"),
        ({"churned": [1, 0, None]}, "row 3"),
        ({"churned": [1, 0, 2]}, "row 3"),
        ({"score": [1, "x", 3]}, "score"),
        ({"score": [1, float("inf"), 3]}, "row 2"),
        ({"as_of": ["2025-01-31", "2025-13-01", "2025-01-31"]}, "`as_of`.*row 2"),
        ({"as_of": ["2025-01-31", "2025-01-31T10:00", "2025-01-31"]}, "without a time.*row 2"),
        ({"as_of": ["2025-01-31", None, "2025-01-31"]}, "row 2"),
        ({"band": ["red", 7, "red"]}, "`band`.*row 2"),
        ({"mrr": [1, -5, 3]}, "`mrr`.*row 2"),
        ({"account_id": [1, None, 3]}, "account_id"),
        ({"score": [1, 2]}, "one length"),
    ],
)
def test_bad_values_are_refused_naming_the_row(change: dict[str, object], match: str) -> None:
    data: dict[str, object] = {"account_id": [1, 2, 3], "score": [1, 2, 3], "churned": [1, 0, 0]}
    data.update(change)
    with pytest.raises(InvalidInputError, match=match):
        as_panel_columns(data)


def test_data_of_another_kind_or_without_a_column_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="missing \\['churned'\\]"):
        as_panel_columns({"account_id": [1], "score": [1]})
    with pytest.raises(InvalidInputError, match="mapping of columns"):
        as_panel_columns(42)


@pytest.mark.parametrize("interval", ["bootstrap", "delong"])
def test_nothing_scored_gives_an_evaluation_of_nothing(interval: str) -> None:
    data = {"account_id": [1, 2], "score": [np.nan, np.nan], "churned": [1, 0]}
    ev = evaluate({**data, "as_of": ["2025-01-31"] * 2}, interval=interval, n_resamples=10)
    assert (ev.overall.n, ev.overall.unscored, len(ev)) == (0, 2, 1)
    assert ev.overall.undefined["auc"] == "no scored observations"
    assert ev.dates[0].unscored == 2
    json.dumps(ev.to_dict(), allow_nan=False)
    empty = evaluate({"account_id": [], "score": [], "churned": []}, interval=interval)
    assert empty.overall.n == 0
    assert math.isnan(empty.auc)


_SEEDED = """
import numpy as np
from cshealth import backtest
rng = np.random.default_rng(5)
accounts = np.array([f"acct-{i % 60}" for i in range(600)], dtype=object)
score = rng.integers(0, 10, 600).astype(float)
churned = rng.random(600) < 0.3 - score / 40
days = np.datetime64("2025-01-01") + (np.arange(600) // 60) * 30
data = {"account_id": accounts, "as_of": days, "score": score, "churned": churned}
e = backtest.evaluate(data, n_resamples=50, seed=3).overall
other = {**data, "score": score + rng.integers(0, 3, 600)}
c = backtest.compare(data, other, n_resamples=50, seed=3)
print(repr(tuple(e.auc_interval)), repr(tuple(c.difference_interval)))
"""


def test_text_ids_give_the_same_bootstrap_interval_in_every_process() -> None:
    # text ids are hashed with a key that changes per process; the draws must not
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _SEEDED],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2", "3")
    }
    assert len(outputs) == 1, outputs
