"""The backtest pictures, read back from the matplotlib artists (Agg backend).

The reference numbers are independent of the code under test: scikit-learn's
``roc_curve`` and ``roc_auc_score`` for the ROC curve, the trapezoid area of the drawn
line against the AUC of `evaluate`, the gains curve as the straight-line interpolation of
the cumulative counts between score levels (what pro rata ties mean), Wilson's interval
written out from its formula, and the counts of the backtest guide's 2,000 accounts
(169, 145, 203, 1,223 and 260 at scores 10 to 90, of whom 86, 32, 19, 71 and 3 churned).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
import warnings
from collections.abc import Iterator
from types import SimpleNamespace

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
colors = pytest.importorskip("matplotlib.colors")
collections = pytest.importorskip("matplotlib.collections")
containers = pytest.importorskip("matplotlib.container")
sk_metrics = pytest.importorskip("sklearn.metrics")

from cshealth import (  # noqa: E402 - after the skips
    InvalidInputError,
    MissingDependencyError,
    SmallSampleWarning,
    backtest,
)

HINT = "pip install 'cshealth[plot]'"
Z95 = 1.959963984540054
COUNTS, CHURNERS = [169, 145, 203, 1223, 260], [86, 32, 19, 71, 3]
LEVELS = [10.0, 30.0, 50.0, 70.0, 90.0]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def guide() -> dict[str, np.ndarray]:
    """The guide's 2,000 accounts, banded red (< 40), yellow (< 70) and green."""
    score = np.repeat(LEVELS, COUNTS)
    churned = np.concatenate([np.arange(n) < k for n, k in zip(COUNTS, CHURNERS)])
    band = np.where(score < 40, "red", np.where(score < 70, "yellow", "green"))
    mrr = np.random.default_rng(7).uniform(100.0, 1000.0, len(score)).round()
    return {"account_id": np.arange(len(score)), "score": score, "churned": churned,
            "band": band, "mrr": mrr}  # fmt: skip


def quiet_evaluate(data: object, **options: object):
    """DeLong's intervals (no draws); few churners are the point of some tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return backtest.evaluate(data, interval="delong", **options)


def quiet_calibrate(data: object, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return backtest.calibrate(data, **options)


def wilson(k: int, n: int) -> tuple[float, float]:
    p, z2 = k / n, Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def legend(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def texts(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def gid_lines(ax, gid: str) -> list:
    return [line for line in ax.get_lines() if line.get_gid() == gid]


def assert_only_a_note(ax, note: str) -> None:
    """Nothing drawn (no line, bar or collection), and ``note`` said in the middle."""
    assert not ax.get_lines()
    assert not ax.patches
    assert not ax.collections
    assert texts(ax) == [note]


# --- ROC -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "levels"), [(0, 5), (1, 21), (2, 101), (3, None)])
def test_the_area_under_the_drawn_roc_is_the_auc_and_its_corners_are_sklearns(
    seed: int, levels: int | None
) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    risk = rng.normal(size=n)
    churned = rng.random(n) < 1 / (1 + np.exp(2 + 1.5 * risk))
    score = risk if levels is None else np.round((risk + 3) / 6 * (levels - 1))
    ev = quiet_evaluate({"account_id": np.arange(n), "score": score, "churned": churned})
    ax = ev.plot()
    (curve,) = [line for line in ax.get_lines() if line.get_gid() is None]
    x, y = curve.get_xdata(), curve.get_ydata()
    assert np.trapezoid(y, x) == pytest.approx(ev.auc, abs=1e-12)
    assert ev.auc == pytest.approx(sk_metrics.roc_auc_score(churned, -score), abs=1e-12)
    fpr, tpr, thresholds = sk_metrics.roc_curve(churned, -score)
    np.testing.assert_allclose(x, fpr, atol=1e-12)
    np.testing.assert_allclose(y, tpr, atol=1e-12)
    np.testing.assert_array_equal(ev.overall.roc.score, -thresholds)


def test_the_roc_curve_is_a_table_too() -> None:
    roc = quiet_evaluate(guide()).overall.roc
    assert repr(roc) == "RocCurve(6 corners)"
    frame = roc.to_pandas()
    assert frame.columns.tolist() == ["score", "fpr", "tpr"]
    assert frame["score"].tolist() == [-math.inf, *LEVELS]
    assert json.loads(json.dumps(roc.to_dict(), allow_nan=False))["score"][0] is None


def test_each_dates_curve_has_its_own_auc() -> None:
    rng = np.random.default_rng(5)
    score = rng.integers(0, 10, 300).astype(float)
    churned = rng.random(300) < 0.05 + 0.04 * (9 - score) / 9
    as_of = np.repeat(["2025-01-31", "2025-02-28", "2025-03-31"], 100)
    ev = quiet_evaluate({"account_id": np.arange(300) % 100, "as_of": as_of, "score": score,
                         "churned": churned})  # fmt: skip
    figure, ax = plt.subplots()
    for day in ev.dates:
        assert day.plot(ax, label=str(day.as_of)) is ax
    curves = [line for line in ax.get_lines() if line.get_gid() is None]
    for line, day, rows in zip(curves, ev.dates, np.split(np.arange(300), 3)):
        area = np.trapezoid(line.get_ydata(), line.get_xdata())
        assert area == pytest.approx(sk_metrics.roc_auc_score(churned[rows], -score[rows]))
        assert line.get_label().startswith(f"{day.as_of}: AUC {day.auc:.3f}")
    assert len(gid_lines(ax, "cshealth-chance")) == 1  # the diagonal is drawn once
    assert plt.get_fignums() == [figure.number]


def test_the_legend_gives_the_auc_and_its_interval() -> None:
    ax = quiet_evaluate(guide()).plot(color="crimson", linewidth=3)
    # the guide: AUC 0.771 (95% CI 0.737 to 0.805; DeLong)
    assert legend(ax) == ["chance (AUC 0.5)", "AUC 0.771 (95% CI 0.737 to 0.805)"]
    (chance,) = gid_lines(ax, "cshealth-chance")
    assert (chance.get_xdata().tolist(), chance.get_ydata().tolist()) == ([0, 1], [0, 1])
    assert chance.get_linestyle() == "--"
    curve = ax.get_lines()[1]
    assert colors.to_rgba(curve.get_color()) == colors.to_rgba("crimson")
    assert curve.get_linewidth() == 3
    # the guide's five levels: the churners and renewers flagged at each cut, by hand
    tp = np.cumsum(CHURNERS) / 211
    fp = np.cumsum(np.subtract(COUNTS, CHURNERS)) / 1789
    np.testing.assert_allclose(curve.get_xdata(), [0, *fp], atol=1e-12)
    np.testing.assert_allclose(curve.get_ydata(), [0, *tp], atol=1e-12)
    assert ax.get_xlim() == (0.0, 1.0)
    assert ax.get_xlabel() == "false-positive rate (share of renewers flagged)"
    assert ax.get_ylabel() == "true-positive rate (share of churners flagged)"


def test_a_bootstrap_interval_is_in_the_legend_too() -> None:
    ev = backtest.evaluate(guide(), n_resamples=50, seed=3)
    low, high = ev.auc_interval
    ax = ev.overall.plot()
    assert legend(ax)[1] == f"AUC {ev.auc:.3f} (95% CI {low:.3f} to {high:.3f})"


def test_groups_overlay_their_curves_under_the_by_legend() -> None:
    data = guide()
    data["segment"] = np.where(np.arange(2000) % 3 == 0, "smb", "ent")
    grouped = quiet_evaluate(data, by="segment")
    ax = grouped.plot()
    curves = ax.get_lines()[1:]
    assert [line.get_label().split(":")[0] for line in curves] == ["ent", "smb"]
    for line, label in zip(curves, grouped):
        np.testing.assert_array_equal(line.get_xdata(), grouped[label].overall.roc.fpr)
        np.testing.assert_array_equal(line.get_ydata(), grouped[label].overall.roc.tpr)
    assert ax.get_legend().get_title().get_text() == "segment"
    assert len(gid_lines(ax, "cshealth-chance")) == 1


@pytest.mark.parametrize(
    ("churned", "reason"),
    [
        ([0, 0, 0], "AUC not measured: no churners: nothing to rank"),
        ([1, 1, 1], "AUC not measured: no renewers: every observation churned"),
    ],
)
def test_an_roc_without_both_classes_is_not_drawn(churned: list[int], reason: str) -> None:
    ev = quiet_evaluate({"account_id": [1, 2, 3], "score": [10, 20, 30], "churned": churned})
    assert_only_a_note(ev.plot(), reason)
    ax = ev.plot(label="smb")  # beside other curves: said in the legend, nothing drawn
    (entry,) = ax.get_lines()
    assert len(entry.get_xdata()) == 0
    assert legend(ax) == [f"smb: {reason}"]


def test_an_empty_evaluation_says_no_data() -> None:
    nothing = {"account_id": [1, 2], "score": [np.nan, np.nan], "churned": [1, 0]}
    assert_only_a_note(quiet_evaluate(nothing).plot(), "no data")


def test_the_kind_of_picture_is_checked_before_a_figure_is_made() -> None:
    with pytest.raises(InvalidInputError, match="`kind` must be one of"):
        quiet_evaluate(guide()).plot(kind="lift")  # type: ignore[arg-type]
    assert plt.get_fignums() == []


# --- gains and lift ------------------------------------------------------------------------------


def reference_gains(score, churned, weights, fractions) -> np.ndarray:
    """Pro rata ties: the straight line between the cumulative shares at each level."""
    values, codes = np.unique(score, return_inverse=True)
    w = np.bincount(codes, weights=weights, minlength=len(values))
    c = np.bincount(codes, weights=weights * churned, minlength=len(values))
    x = np.concatenate(([0.0], np.cumsum(w) / w.sum()))
    y = np.concatenate(([0.0], np.cumsum(c) / c.sum()))
    return np.interp(fractions, x, y)


def test_the_gains_curve_runs_through_the_table_from_zero() -> None:
    data = guide()
    ax = quiet_evaluate(data).plot(kind="gains")
    random, curve, perfect = ax.get_lines()
    fractions = np.round(np.arange(0, 21) * 0.05, 2)
    np.testing.assert_allclose(curve.get_xdata(), fractions, atol=1e-12)
    expected = reference_gains(data["score"], data["churned"], np.ones(2000), fractions)
    np.testing.assert_allclose(curve.get_ydata(), expected, atol=1e-12)
    # the guide: the lowest 10% hold the 86 churners of the 10s and 31/145 of the 30s' 32
    assert curve.get_ydata()[2] == pytest.approx((86 + 31 * 32 / 145) / 211)
    assert perfect.get_xdata().tolist() == [0.0, 211 / 2000, 1.0]
    assert perfect.get_ydata().tolist() == [0.0, 1.0, 1.0]
    assert perfect.get_color() == curve.get_color()
    assert perfect.get_linestyle() == ":"
    assert random.get_gid() == "cshealth-random"
    assert random.get_ydata().tolist() == [0, 1]
    assert legend(ax) == ["random", "health score", "perfect ranking"]
    assert ax.get_xlabel() == "share of observations flagged (lowest scores first)"
    assert ax.xaxis.get_major_formatter()(0.5, 0) == "50%"


def test_gains_by_mrr_are_shares_of_the_mrr() -> None:
    data = guide()
    gains = quiet_evaluate(data).overall.gains
    ax = gains.plot(by_mrr=True, label="Q1")
    _, curve, perfect = ax.get_lines()
    fractions = np.round(np.arange(1, 21) * 0.05, 2)
    expected = reference_gains(data["score"], data["churned"], data["mrr"], fractions)
    np.testing.assert_allclose(curve.get_ydata()[1:], expected, atol=1e-12)
    churned_mrr = data["mrr"][data["churned"]].sum() / data["mrr"].sum()
    assert perfect.get_xdata()[1] == pytest.approx(churned_mrr)
    assert legend(ax) == ["random", "Q1", "Q1: perfect ranking"]
    assert ax.get_ylabel() == "share of churned MRR caught"


def test_lift_bars_are_each_tenths_churn_rate_over_the_overall() -> None:
    data = guide()
    ax = quiet_evaluate(data).overall.gains.plot(kind="lift", color="teal")
    bars = ax.patches
    tenths = reference_gains(data["score"], data["churned"], np.ones(2000), np.arange(11) / 10)
    expected = np.diff(tenths) / 0.1
    np.testing.assert_allclose([bar.get_height() for bar in bars], expected, atol=1e-12)
    assert [round(bar.get_x(), 9) for bar in bars] == [round(0.1 * k, 9) for k in range(10)]
    assert {round(bar.get_width(), 9) for bar in bars} == {0.1}
    assert bars[0].get_height() == pytest.approx(4.40, abs=0.005)  # the guide's lift at 10%
    assert texts(ax) == [f"{v:.2f}" for v in expected]
    assert colors.to_rgba(bars[0].get_facecolor()) == colors.to_rgba("teal")
    (one,) = ax.get_lines()
    assert one.get_ydata().tolist() == [1.0, 1.0]
    assert one.get_gid() == "cshealth-lift-1"
    assert legend(ax) == ["random (lift 1)", "lift of each tenth"]


def test_mrr_lift_bars() -> None:
    data = guide()
    ax = quiet_evaluate(data).overall.gains.plot(kind="lift", by_mrr=True)
    tenths = reference_gains(data["score"], data["churned"], data["mrr"], np.arange(11) / 10)
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, np.diff(tenths) / 0.1, atol=1e-12)
    assert ax.get_ylabel().startswith("MRR lift")


@pytest.mark.parametrize("kind", ["gains", "lift"])
@pytest.mark.parametrize(
    ("rows", "by_mrr", "note"),
    [
        ({"score": [np.nan, np.nan], "churned": [1, 0]}, False, "no data"),
        ({"score": [1.0, 2.0], "churned": [0, 0]}, False, "not measured: no churners"),
        ({"score": [1.0, 2.0], "churned": [1, 0]}, True, "not measured: no MRR"),
        ({"score": [1, 2], "churned": [1, 0], "mrr": [0, 5]}, True, "not measured: no churned MRR"),
    ],
)
def test_gains_that_are_not_measured_are_not_drawn(rows, by_mrr, note, kind) -> None:
    gains = quiet_evaluate({"account_id": [1, 2], **rows}).overall.gains
    assert_only_a_note(gains.plot(kind=kind, by_mrr=by_mrr), note)


def test_grouped_gains_overlay() -> None:
    data = guide()
    data["segment"] = np.where(np.arange(2000) < 1000, "a", "b")
    ax = quiet_evaluate(data, by="segment").plot(kind="gains")
    assert legend(ax) == ["random", "a", "a: perfect ranking", "b", "b: perfect ranking"]
    with pytest.raises(InvalidInputError, match="`kind`"):
        quiet_evaluate(data).overall.gains.plot(kind="roc")  # type: ignore[arg-type]


# --- churn rate per band -------------------------------------------------------------------------


def test_band_rates_are_bars_with_wilson_intervals_in_band_order() -> None:
    bands = quiet_evaluate(guide()).overall.bands
    ax = bands.plot()
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == pytest.approx([118 / 314, 19 / 203, 74 / 1483])  # the guide's table
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["red\nn=314", "yellow\nn=203", "green\nn=1,483"]
    (container,) = [c for c in ax.containers if isinstance(c, containers.ErrorbarContainer)]
    segments = container.lines[2][0].get_segments()
    for segment, (k, n) in zip(segments, [(118, 314), (19, 203), (74, 1483)]):
        assert segment[:, 1].tolist() == pytest.approx(list(wilson(k, n)))
    overall = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert list(overall[0].get_ydata()) == pytest.approx([211 / 2000] * 2)
    assert legend(ax) == ["all bands: 10.5%", "churn rate (95% Wilson CI)"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("band (worst first)", "churn rate")


def test_a_band_without_observations_has_no_bar() -> None:
    from cshealth.backtest._band_rates import band_rates

    codes = np.array([0, 0, 0, 2, 2], dtype=np.int64)
    rates = band_rates(codes, np.array([1, 0, 0, 0, 1], dtype=bool), ("red", "yellow", "green"))
    ax = rates.plot(color="black")
    assert [bar.get_x() + bar.get_width() / 2 for bar in ax.patches] == [0.0, 2.0]
    assert [t.get_text() for t in ax.get_xticklabels()][1] == "yellow\nn=0"
    empty = band_rates(np.array([-1], dtype=np.int64), np.array([True]), ("red", "green"))
    assert_only_a_note(empty.plot(), "no data")


# --- reliability and calibration -----------------------------------------------------------------


def test_the_reliability_diagram() -> None:
    p = np.array([0.1] * 10 + [0.3] * 5 + [0.6] * 20)
    churned = np.array([1] + [0] * 9 + [1, 1] + [0] * 3 + [1] * 13 + [0] * 7, dtype=bool)
    table = backtest.probability_metrics(p, churned).reliability
    ax = table.plot(label="fitted")
    (points,) = [c for c in ax.collections if isinstance(c, collections.PathCollection)]
    np.testing.assert_allclose(points.get_offsets(), [[0.1, 0.1], [0.3, 0.4], [0.6, 0.65]])
    assert points.get_sizes().tolist() == pytest.approx([100.0, 50.0, 200.0])  # area ∝ n
    (container,) = ax.containers
    for segment, (k, n) in zip(container.lines[2][0].get_segments(), [(1, 10), (2, 5), (13, 20)]):
        assert segment[:, 1].tolist() == pytest.approx(list(wilson(k, n)))
    (diagonal,) = gid_lines(ax, "cshealth-calibrated")
    assert diagonal.get_slope() == 1.0
    assert diagonal.get_xydata()[0].tolist() == [0.0, 0.0]
    assert ax.get_xlim()[0] == 0.0
    assert ax.get_ylim()[0] == 0.0
    assert legend(ax) == ["perfectly calibrated", "fitted (95% Wilson CI; area: observations)"]
    right = ax.get_xlim()[1]
    table.plot(ax, label="again")  # the diagonal is drawn once; the axes still fit
    assert len(gid_lines(ax, "cshealth-calibrated")) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        wider = backtest.probability_metrics(np.full(4, 0.9), np.array([1, 1, 1, 0], dtype=bool))
    wider.reliability.plot(ax)
    assert ax.get_xlim()[1] > max(0.9, right)
    assert ax.get_xlim()[0] == 0.0
    assert ax.get_xlabel() == "predicted probability of churn"


def test_an_empty_reliability_table_says_no_data() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        empty = backtest.probability_metrics([np.nan], [True]).reliability
    assert texts(empty.plot()) == ["no data"]


def test_an_isotonic_calibration_is_its_steps_with_their_band() -> None:
    cal = backtest.calibrate(guide())
    ax = cal.plot()
    (steps,) = ax.get_lines()
    assert steps.get_drawstyle() == "steps-post"
    assert steps.get_xdata().tolist() == LEVELS  # every block is one score: no extension
    rates = [k / n for k, n in zip(CHURNERS, COUNTS)]
    assert steps.get_ydata().tolist() == pytest.approx(rates)
    (band,) = ax.collections
    corners = band.get_paths()[0].vertices
    for (k, n), x in zip(zip(CHURNERS, COUNTS), LEVELS):
        low, high = wilson(k, n)
        at = corners[np.isclose(corners[:, 0], x)][:, 1]
        assert np.isclose(at, low).any()
        assert np.isclose(at, high).any()
    assert legend(ax) == ["isotonic calibration (band: 95% CI)"]
    assert ax.get_ylim()[0] == 0.0
    assert ax.get_xlabel() == "health score"


def test_the_last_step_reaches_the_highest_score_and_an_empty_band_is_blank() -> None:
    data = {"account_id": np.arange(8), "score": [10, 20, 30, 30, 60, 70, 80, 95],
            "churned": [1, 1, 1, 0, 0, 1, 0, 0]}  # fmt: skip
    ax = quiet_calibrate(data).plot()
    (steps,) = ax.get_lines()
    # blocks 10-20 (both churned), 30-70 (pooled: 2 of 4) and 80-95 (none), held to 95
    assert steps.get_xdata().tolist() == [10.0, 30.0, 80.0, 95.0]
    assert steps.get_ydata().tolist() == [1.0, 0.5, 0.0, 0.0]
    assert steps.get_markevery() == slice(0, 3)  # the starts of the steps are marked
    card = SimpleNamespace(  # a scorecard's bands: a middle one nobody scored in
        bands=[SimpleNamespace(label=b, min=m) for b, m in [("red", 0), ("mid", 40), ("top", 70)]],
        closure="lower_inclusive",
    )
    banded = {**data, "score": [10, 20, 30, 30, 70, 75, 80, 95], "band": ["red"] * 4 + ["top"] * 4}
    ax = quiet_calibrate(banded, method="bands", scorecard=card).plot(label="bands")
    (steps,) = ax.get_lines()
    assert steps.get_xdata().tolist() == [0.0, 40.0, 70.0, 95.0]
    y = steps.get_ydata()
    assert [y[0], *y[2:]] == [0.75, 0.25, 0.25]
    assert math.isnan(y[1])  # no observations: blank
    assert legend(ax) == ["bands (band: 95% CI)"]


def test_a_logistic_calibration_is_its_curve_and_the_bins_it_rests_on() -> None:
    data = guide()
    cal = backtest.calibrate(data, method="logistic", confidence_level=0.9)
    ax = cal.plot()
    curve = ax.get_lines()[0]
    x = curve.get_xdata()
    assert (x[0], x[-1], len(x)) == (10.0, 90.0, 201)
    a, b = cal.coefficients
    np.testing.assert_allclose(curve.get_ydata(), 1 / (1 + np.exp(-(a + b * x))), rtol=1e-12)
    (points,) = ax.containers
    middle = (cal.table.score_low + cal.table.score_high) / 2
    np.testing.assert_allclose(points.lines[0].get_xdata(), middle)
    np.testing.assert_allclose(points.lines[0].get_ydata(), cal.table.observed)
    assert legend(ax)[0] == "logistic calibration (band: 90% CI)"


def test_a_logistic_fit_without_a_value_is_not_drawn() -> None:
    data = {"account_id": np.arange(40), "score": np.repeat([10.0, 90.0], 20),
            "churned": np.repeat([True, False], 20)}  # fmt: skip
    cal = backtest.calibrate(data, method="logistic")
    assert_only_a_note(cal.plot(), f"not measured: {cal.undefined}")
    plain = backtest.calibrate(data)
    assert plain.plot().get_ylabel() == "probability of churn"
    of_a_panel = dataclasses.replace(plain, horizon_days=90)
    assert of_a_panel.plot().get_ylabel() == "probability of churn within 90 days"


# --- shared behaviour ----------------------------------------------------------------------------


def pictures() -> list:
    data = guide()
    ev = quiet_evaluate(data)
    cal = backtest.calibrate(data)
    reliability = backtest.probability_metrics(cal.predict(data["score"]), data["churned"])
    return [
        pytest.param(ev.plot, id="Evaluation"),
        pytest.param(lambda ax: ev.overall.plot(ax, kind="gains"), id="Metrics-gains"),
        pytest.param(lambda ax: ev.overall.gains.plot(ax, kind="lift"), id="Gains-lift"),
        pytest.param(ev.overall.bands.plot, id="BandRates"),
        pytest.param(reliability.reliability.plot, id="ReliabilityTable"),
        pytest.param(cal.plot, id="Calibration"),
    ]


@pytest.mark.parametrize("draw", pictures())
def test_every_picture_draws_on_the_axes_passed_in_and_keeps_its_labels(draw) -> None:
    before = dict(matplotlib.rcParams)
    figure, ax = plt.subplots()
    ax.set_xlabel("mine")
    assert draw(ax) is ax
    assert plt.get_fignums() == [figure.number]
    assert ax.get_xlabel() == "mine"
    assert ax.get_ylabel()
    assert dict(matplotlib.rcParams) == before  # nothing global changed


@pytest.mark.parametrize("draw", pictures())
def test_without_matplotlib_the_error_says_how_to_install_it(
    draw, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # `import` now fails
    with pytest.raises(MissingDependencyError, match=re.escape(HINT)):
        draw(None)
