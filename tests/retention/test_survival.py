"""Kaplan–Meier curves, their counts, intervals, medians and the log-rank test.

References: lifelines' ``KaplanMeierFitter`` and log-rank tests on lifelines' shipped data
sets, ``scipy.stats.ecdf`` / ``scipy.stats.logrank``, and a plain-Python product-limit
estimator written below (a loop over the sorted distinct times, counting subjects by
comparison rather than by sorting and cumulative sums).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from tests.retention.forms import accounts_in_form

from cshealth._exceptions import InvalidInputError
from cshealth._stats import ConfidenceInterval
from cshealth.models import Account
from cshealth.retention import (
    BandMethod,
    Median,
    SurvivalCounts,
    SurvivalCurve,
    kaplan_meier,
    survival,
)
from cshealth.retention._logrank import SurvivalComparison, compare_survival

TOL = 1e-10
#: Values of the wrong type for the bad-input tests.
WRONG_METHOD: Any = "plain"
NOT_A_TIME: Any = "soon"
NOT_COUNTS: Any = [1.0]


# --- the independent reference -----------------------------------------------------------


def product_limit(
    durations: list[float], observed: list[bool]
) -> list[tuple[float, int, int, float]]:
    """(t, at risk, events, S(t)) at each event time, by counting subjects one by one."""
    rows = []
    s = 1.0
    for t in sorted(set(durations)):
        at_risk = sum(1 for d in durations if d >= t)
        events = sum(1 for d, e in zip(durations, observed) if d == t and e)
        if events:
            s *= 1.0 - events / at_risk
            rows.append((t, at_risk, events, s))
    return rows


def step_value(rows: list[tuple[float, int, int, float]], t: float) -> float:
    value = 1.0
    for time, _, _, s in rows:
        if time <= t:
            value = s
    return value


def greenwood_reference(rows: list[tuple[float, int, int, float]]) -> list[float]:
    total, out = 0.0, []
    for _, n, d, _ in rows:
        total += d / (n * (n - d)) if n > d else 0.0
        out.append(total)
    return out


def random_data(seed: int, n: int, *, ties: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    durations = rng.integers(0, 30, n).astype(float) if ties else rng.exponential(10.0, n)
    return durations, rng.random(n) < 0.7


# --- lifelines on its shipped data sets --------------------------------------------------


def _datasets() -> dict[str, tuple[pd.DataFrame, str, str]]:
    from lifelines import datasets

    return {
        "waltons": (datasets.load_waltons(), "T", "E"),
        "rossi": (datasets.load_rossi(), "week", "arrest"),
        "dd": (datasets.load_dd(), "duration", "observed"),
        "lymphoma": (datasets.load_lymphoma(), "Time", "Censor"),
        "larynx": (datasets.load_larynx(), "time", "death"),
        "gbsg2": (datasets.load_gbsg2(), "time", "cens"),
    }


DATASETS = ["waltons", "rossi", "dd", "lymphoma", "larynx", "gbsg2"]


@pytest.mark.parametrize("name", DATASETS)
def test_matches_lifelines_on_its_datasets(name: str) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    frame, t, e = _datasets()[name]
    kmf = KaplanMeierFitter().fit(frame[t], frame[e])
    curve = kaplan_meier(frame[t].to_numpy(), frame[e].to_numpy())

    table = kmf.event_table[kmf.event_table["observed"] > 0]
    np.testing.assert_array_equal(curve.times, table.index.to_numpy(dtype=float))
    np.testing.assert_array_equal(curve.at_risk, table["at_risk"].to_numpy())
    np.testing.assert_array_equal(curve.events, table["observed"].to_numpy())
    assert curve.n == len(frame)
    assert curve.n_events == int(frame[e].sum())

    sf = kmf.survival_function_.iloc[:, 0]
    np.testing.assert_allclose(curve.survival, sf.loc[curve.times].to_numpy(), rtol=0, atol=TOL)
    # everywhere on lifelines' timeline (censoring times and 0 included), via __call__
    timeline = sf.index.to_numpy(dtype=float)
    np.testing.assert_allclose(curve(timeline), sf.to_numpy(), rtol=0, atol=TOL)

    low, high = curve.confidence_interval()
    ci = kmf.confidence_interval_.loc[curve.times].to_numpy()
    np.testing.assert_allclose(low, ci[:, 0], rtol=0, atol=TOL)
    np.testing.assert_allclose(high, ci[:, 1], rtol=0, atol=TOL)

    median = curve.median()
    expected = median_survival_times(kmf.confidence_interval_).to_numpy().ravel()
    as_inf = [math.inf if v is None else v for v in median]
    assert as_inf == [kmf.median_survival_time_, *expected.tolist()]


@pytest.mark.parametrize("level", [0.8, 0.9, 0.99])
def test_matches_lifelines_at_other_levels(level: float) -> None:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    frame, t, e = _datasets()["waltons"]
    kmf = KaplanMeierFitter(alpha=1 - level).fit(frame[t], frame[e])
    curve = kaplan_meier(frame[t], frame[e])
    band = curve.confidence_interval(level)
    ci = kmf.confidence_interval_.loc[curve.times].to_numpy()
    np.testing.assert_allclose(np.column_stack(band), ci, rtol=0, atol=TOL)
    median = curve.median(level)
    assert [median.low, median.high] == median_survival_times(
        kmf.confidence_interval_
    ).to_numpy().ravel().tolist()


def test_all_churned_drops_to_zero_like_lifelines() -> None:
    """S reaches 0 at the last time: lifelines takes both log-log bounds as 0 there."""
    from lifelines import KaplanMeierFitter

    durations = [1, 2, 2, 3, 5]
    kmf = KaplanMeierFitter().fit(durations)
    curve = kaplan_meier(durations)
    assert curve.survival[-1] == 0.0
    ci = kmf.confidence_interval_.loc[curve.times].to_numpy()
    np.testing.assert_allclose(np.column_stack(curve.confidence_interval()), ci, atol=TOL)
    low, high = curve.confidence_interval(method="linear")
    assert (low[-1], high[-1]) == (0.0, 0.0)


# --- scipy.stats.ecdf ----------------------------------------------------------------------


@pytest.mark.parametrize("ties", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_scipy_ecdf(seed: int, ties: bool) -> None:
    durations, observed = random_data(seed, 300, ties=ties)
    curve = kaplan_meier(durations, observed)
    ref = stats.ecdf(stats.CensoredData.right_censored(durations, ~observed)).sf
    # scipy reports every distinct time (censorings too); compare S everywhere
    np.testing.assert_allclose(curve(ref.quantiles), ref.probabilities, rtol=0, atol=TOL)
    np.testing.assert_allclose(curve.survival, ref.evaluate(curve.times), rtol=0, atol=TOL)
    alive = curve.survival > 0
    methods: dict[BandMethod, str] = {"linear": "linear", "log_log": "log-log"}  # scipy's words
    for method, scipy_method in methods.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN where S = 0 (scipy's choice)
            ci = ref.confidence_interval(0.9, method=scipy_method)
        low, high = curve.confidence_interval(0.9, method=method)
        np.testing.assert_allclose(low[alive], ci.low.evaluate(curve.times[alive]), atol=TOL)
        np.testing.assert_allclose(high[alive], ci.high.evaluate(curve.times[alive]), atol=TOL)


def test_linear_band_is_clipped_like_scipy() -> None:
    durations = np.array([1.0, 2.0, 3.0])
    curve = kaplan_meier(durations, [True, True, False])
    ref = stats.ecdf(stats.CensoredData.right_censored(durations, [False, False, True])).sf
    ci = ref.confidence_interval(method="linear")
    low, high = curve.confidence_interval(method="linear")
    assert low.min() == 0.0  # clipped below
    np.testing.assert_allclose(low, ci.low.evaluate(curve.times), atol=TOL)
    np.testing.assert_allclose(high, ci.high.evaluate(curve.times), atol=TOL)


# --- the plain-Python reference ----------------------------------------------------------


@pytest.mark.parametrize("ties", [True, False])
@pytest.mark.parametrize("seed", [4, 5])
def test_matches_plain_product_limit(seed: int, ties: bool) -> None:
    durations, observed = random_data(seed, 200, ties=ties)
    rows = product_limit(durations.tolist(), observed.tolist())
    curve = kaplan_meier(durations.tolist(), observed.astype(int).tolist())
    assert curve.times.tolist() == [r[0] for r in rows]
    assert curve.at_risk.tolist() == [r[1] for r in rows]
    assert curve.events.tolist() == [r[2] for r in rows]
    np.testing.assert_allclose(curve.survival, [r[3] for r in rows], rtol=1e-13)
    np.testing.assert_allclose(curve.greenwood(), greenwood_reference(rows), rtol=1e-13)


def test_worked_example() -> None:
    # churned after 2, 5, 5; still active after 3 and 8.
    # t=2: 5 at risk, 1 churns -> S = 4/5 = 0.8
    # t=3: censored (leaves the risk set; S unchanged)
    # t=5: 3 at risk, 2 churn -> S = 0.8 * 1/3 = 0.2667
    # Greenwood: 1/(5*4) = 0.05; + 2/(3*1) -> 0.7167
    # log-log 95% at t=2: v = log 0.8; bounds exp(-exp(log(-v) ± 1.96*sqrt(0.05)/|v|))
    curve = kaplan_meier([2, 3, 5, 5, 8], [1, 0, 1, 1, 0])
    assert curve.times.tolist() == [2.0, 5.0]
    assert curve.at_risk.tolist() == [5, 3]
    assert curve.survival.tolist() == pytest.approx([0.8, 0.8 / 3])
    assert curve.greenwood().tolist() == pytest.approx([0.05, 0.05 + 2 / 3])
    v = math.log(0.8)
    z = stats.norm.ppf(0.975)
    low = math.exp(-math.exp(math.log(-v) + z * math.sqrt(0.05) / -v))
    high = math.exp(-math.exp(math.log(-v) - z * math.sqrt(0.05) / -v))
    band = curve.confidence_interval()
    assert isinstance(band, ConfidenceInterval)
    assert (band.low[0], band.high[0]) == pytest.approx((low, high), rel=1e-12)
    assert curve.median() == Median(5.0, 2.0, None)
    assert curve.counts.to_dict() == {
        "times": [2.0, 3.0, 5.0, 8.0],
        "events": [1, 0, 2, 0],
        "censored": [0, 1, 0, 1],
        "n": 5,
    }
    assert curve.counts.at_risk.tolist() == [5, 4, 3, 1]


def test_median_at_exactly_one_half() -> None:
    """S(2) = 11/18 * 9/11 = 1/2 exactly; the float product is 0.5000000000000001.

    lifelines 0.30 reports the median as not reached (inf); the median is 2.
    """
    curve = kaplan_meier([1] * 7 + [2] * 2 + [3] * 9, [True] * 9 + [False] * 9)
    assert curve.survival[1] > 0.5  # the rounding the tolerance is there for
    assert curve.median().statistic == 2.0


def test_call_scalar_and_arrays() -> None:
    curve = kaplan_meier([2, 4, 4, 6], [1, 1, 0, 1])
    assert curve(-1.0) == 1.0
    assert curve(1.999) == 1.0
    assert curve(2) == 0.75
    assert curve(math.inf) == 0.0
    assert isinstance(curve(3), float)
    out = curve(np.array([[0.0, 2.0], [4.0, 7.0]]))
    assert out.shape == (2, 2)
    assert out.tolist() == [[1.0, 0.75], [0.5, 0.0]]  # t=4: 3 at risk, 1 churns -> 0.75 * 2/3


def test_empty_input() -> None:
    curve = kaplan_meier([])
    assert (curve.n, curve.n_events, len(curve.times)) == (0, 0, 0)
    assert curve.median() == Median(None, None, None)
    assert curve(5.0) == 1.0
    assert repr(curve) == "SurvivalCurve(n=0, events=0, median=None)"
    empty = kaplan_meier(np.array([]), np.array([], dtype=bool))
    assert empty.counts.n == 0
    assert SurvivalCounts.combine([]).n == 0


def test_only_censored() -> None:
    curve = kaplan_meier([3.0, 4.0], [False, False])
    assert curve.n == 2
    assert curve.n_events == 0
    assert curve.times.size == 0
    assert curve(10) == 1.0


def test_zero_durations_and_negative_zero() -> None:
    curve = kaplan_meier([0.0, -0.0, 1.0], [True, True, False])
    assert curve.times.tolist() == [0.0]
    assert curve.at_risk.tolist() == [3]
    assert curve.events.tolist() == [2]
    assert curve.counts.times.tolist() == [0.0, 1.0]


def test_observed_accepts_0_1_numbers_and_all_true() -> None:
    a = kaplan_meier([1, 2, 3], [1, 0, 1])
    b = kaplan_meier([1, 2, 3], [1.0, 0.0, 1.0])
    c = kaplan_meier([1, 2, 3], np.array([True, False, True], dtype=object))
    d = kaplan_meier(pd.Series([1, 2, 3]), pd.Series([True, False, True]))
    for other in (b, c, d):
        np.testing.assert_array_equal(other.survival, a.survival)
    np.testing.assert_array_equal(
        kaplan_meier([3, 1, 2]).survival, kaplan_meier([1, 2, 3], [1, 1, 1]).survival
    )


def test_results_are_read_only_and_json_ready() -> None:
    curve = kaplan_meier([1, 2, 2, 5], [1, 1, 0, 1])
    for array in (curve.times, curve.survival, curve.at_risk, curve.events, curve.counts.times):
        assert not array.flags.writeable
    data = curve.to_dict()
    json.dumps(data)
    assert data["n"] == 4
    assert data["median"]["statistic"] == 2.0  # 3/4, then 3/4 * 2/3 = 1/2 at t=2
    assert data["median"]["high"] == 5.0  # the band drops to 0 with S at t=5
    assert data["counts"] == curve.counts.to_dict()
    assert repr(curve) == "SurvivalCurve(n=4, events=3, median=2)"
    assert repr(curve.counts) == "SurvivalCounts(n=4, events=3, times=3)"
    frozen: Any = curve
    with pytest.raises(AttributeError):
        frozen.counts = curve.counts


# --- counts: construction and merging ------------------------------------------------------


def test_counts_constructor_checks_and_copies() -> None:
    times = np.array([1.0, 3.0])
    counts = SurvivalCounts(times, np.array([2, 0]), np.array([0, 1]))
    assert counts.times is not times
    assert times.flags.writeable  # the caller's array is left alone
    assert counts.events.dtype == np.int64
    assert SurvivalCurve(counts).survival.tolist() == pytest.approx([1 / 3])
    assert SurvivalCurve.from_counts(counts).at_risk.tolist() == [3]


@pytest.mark.parametrize(
    ("times", "events", "censored", "match"),
    [
        ([1.0, 1.0], [1, 1], [0, 0], "strictly increasing.*position 1"),
        ([2.0, 1.0], [1, 1], [0, 0], "strictly increasing"),
        ([1.0], [1, 2], [0], "one length, got 1, 2 and 1"),
        ([-1.0], [1], [0], "`times` must be finite numbers >= 0.*-1.0 at position 0"),
        ([np.nan], [1], [0], "`times` must be finite"),
        ([1.0], [-1], [2], "`events` must be whole numbers >= 0"),
        ([1.0], [1], [0.5], "`censored` must be whole numbers >= 0"),
        (
            [1.0, 2.0],
            [1, 0],
            [0, 0],
            r"`events \+ censored` must be > 0 at every time; got 1 bad values: 0.0 at position 1",
        ),
        ([[1.0]], [1], [0], "`times` must be one-dimensional"),
        (["a"], [1], [0], "`times` must be an array of numbers"),
    ],
)
def test_counts_bad_input(times: Any, events: Any, censored: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        SurvivalCounts(times, events, censored)


def test_merge_needs_counts() -> None:
    counts = kaplan_meier([1.0]).counts
    wrong: Any = kaplan_meier([2.0])
    with pytest.raises(
        InvalidInputError, match="expected SurvivalCounts, got SurvivalCurve at position 1"
    ):
        counts.merge(wrong)
    with pytest.raises(InvalidInputError, match="expected SurvivalCounts, got list;"):
        SurvivalCurve(NOT_COUNTS)


def test_merge_single_and_several() -> None:
    a = kaplan_meier([1, 4], [1, 0]).counts
    assert SurvivalCounts.combine([a]) is a
    merged = a.merge(kaplan_meier([4, 9]).counts, kaplan_meier([1]).counts)
    assert merged.to_dict() == {
        "times": [1.0, 4.0, 9.0],
        "events": [2, 1, 1],
        "censored": [0, 1, 0],
        "n": 5,
    }
    assert SurvivalCounts.combine(iter([a, a])).events.tolist() == [2, 0]


durations_st = st.lists(
    st.tuples(st.integers(0, 12).map(float) | st.floats(0, 50, allow_nan=False), st.booleans()),
    min_size=0,
    max_size=60,
)


@given(rows=durations_st, parts=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_merging_any_partition_equals_the_whole(
    rows: list[tuple[float, bool]], parts: int, seed: int
) -> None:
    durations = np.array([r[0] for r in rows], dtype=float)
    observed = np.array([r[1] for r in rows], dtype=bool)
    labels = np.random.default_rng(seed).integers(0, parts, len(rows))
    whole = kaplan_meier(durations, observed)
    pieces = [
        kaplan_meier(durations[labels == p], observed[labels == p]).counts for p in range(parts)
    ]
    merged = SurvivalCurve.from_counts(SurvivalCounts.combine(pieces))
    for name in ("times", "events", "censored"):
        np.testing.assert_array_equal(getattr(merged.counts, name), getattr(whole.counts, name))
    np.testing.assert_array_equal(merged.survival, whole.survival)
    np.testing.assert_array_equal(merged.at_risk, whole.at_risk)


@given(rows=durations_st)
def test_survival_is_a_non_increasing_step_in_unit_interval(rows: list[tuple[float, bool]]) -> None:
    durations = [r[0] for r in rows]
    observed = [r[1] for r in rows]
    curve = kaplan_meier(durations, observed)
    s = curve.survival
    assert ((s >= 0) & (s <= 1)).all()
    assert (np.diff(s) <= 0).all()
    methods: tuple[BandMethod, ...] = ("log_log", "linear")
    for method in methods:
        low, high = curve.confidence_interval(method=method)
        assert ((low >= 0) & (low <= s + 1e-12) & (high <= 1) & (high >= s - 1e-12)).all()
    reference = product_limit(durations, observed)
    probes = sorted({*durations, -1.0, 0.5, 100.0, *(d + 0.25 for d in durations)})
    np.testing.assert_allclose(
        curve(probes), [step_value(reference, t) for t in probes], rtol=1e-12
    )


# --- kaplan_meier: bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("durations", "observed", "match"),
    [
        (
            [1.0, np.nan, 2.0],
            None,
            r"`durations` must be finite numbers >= 0; got 1 bad values: nan at position 1",
        ),
        ([1.0, np.inf], None, "inf at position 1"),
        ([-2.0, 1.0, -3.0], None, "2 bad values: -2.0 at position 0, -3.0 at position 2"),
        (list(range(-12, 0)), None, "12 bad values: .* and 2 more"),
        (["x", 1.0], None, "`durations` must be numbers >= 0, got \\['x', 1.0\\]"),
        ([[1.0, 2.0]], None, "one-dimensional, got shape \\(1, 2\\)"),
        (5.0, None, "one-dimensional, got shape \\(\\)"),
        ([1.0, 2.0], [True], r"one value per duration \(2\), got shape \(1,\)"),
        ([1.0, 2.0], [[True, False]], "one value per duration"),
        (
            [1.0, 2.0],
            [1, 2],
            "`observed` must be booleans or 0/1; got 1 bad values: 2.0 at position 1",
        ),
        ([1.0, 2.0], [0.5, 1.0], "0.5 at position 0"),
        ([1.0, 2.0], [np.nan, 1.0], "nan at position 0"),
        ([1.0, 2.0], ["yes", "no"], "booleans or 0/1, got an array of <U3"),
        ([1.0, 2.0], np.array([True, None], dtype=object), "nan at position 1"),
        (
            [1.0, 2.0],
            np.array([True, "x"], dtype=object),
            "`observed` must be booleans or 0/1, got",
        ),
    ],
)
def test_kaplan_meier_bad_input(durations: Any, observed: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        kaplan_meier(durations, observed)


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(InvalidInputError, match=r"\.\.\.$"):
        kaplan_meier(["x" * 200])


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, -0.1, math.nan])
def test_bad_confidence_level(level: float) -> None:
    curve = kaplan_meier([1, 2, 3])
    with pytest.raises(
        InvalidInputError, match="`confidence_level` must be strictly between 0 and 1"
    ):
        curve.confidence_interval(level)
    with pytest.raises(InvalidInputError, match="confidence_level"):
        curve.median(level)


def test_bad_method_and_call() -> None:
    curve = kaplan_meier([1, 2, 3])
    with pytest.raises(
        InvalidInputError, match="`method` must be one of \\{'log_log', 'linear'\\}, got 'plain'"
    ):
        curve.confidence_interval(method=WRONG_METHOD)
    with pytest.raises(InvalidInputError, match="`method`"):
        curve.median(method=WRONG_METHOD)
    with pytest.raises(InvalidInputError, match="`t` must not be NaN"):
        curve([1.0, math.nan])
    with pytest.raises(InvalidInputError, match="`t` must be a number or an array of numbers"):
        curve(NOT_A_TIME)


# --- survival(accounts) --------------------------------------------------------------------


AS_OF = date(2025, 3, 1)


def worked_accounts() -> dict[str, list[Any]]:
    return {
        "id": ["a", "b", "c", "d", "e", "f", "g"],
        "start_date": [
            date(2025, 1, 1),  # a: churned 2025-01-31 -> event at 30 days
            date(2025, 1, 1),  # b: active -> censored at 59 days (Jan 1 -> Mar 1)
            date(2025, 2, 1),  # c: ends 2025-06-01, after as_of -> censored at 28 days
            date(2025, 3, 1),  # d: starts on the as_of day -> not a customer yet, left out
            date(2024, 12, 1),  # e: end_date == as_of day -> churned: event at 90 days
            date(2025, 2, 27),  # f: end_date 2025-02-28 -> event at 1 day
            date(2025, 2, 28),  # g: active -> censored at 1 day
        ],
        "end_date": [
            date(2025, 1, 31),
            None,
            date(2025, 6, 1),
            None,
            date(2025, 3, 1),
            date(2025, 2, 28),
            None,
        ],
        "segment": ["smb", "smb", "ent", "ent", None, "ent", "(none)"],
    }


def test_survival_worked_example() -> None:
    curve = survival(worked_accounts(), as_of=AS_OF)
    assert curve.counts.to_dict() == {
        "times": [1.0, 28.0, 30.0, 59.0, 90.0],
        "events": [1, 0, 1, 0, 1],
        "censored": [1, 1, 0, 1, 0],
        "n": 6,
    }
    # t=1: 6 at risk, 1 churn -> 5/6; t=30: 3 at risk (a, b, e) -> 5/6 * 2/3; t=90: 1 at risk -> 0
    assert curve.survival.tolist() == pytest.approx([5 / 6, 5 / 9, 0.0])
    assert curve.median().statistic == 90.0


def test_survival_with_records_and_datetime_as_of() -> None:
    columns = worked_accounts()
    records = [
        Account(id=i, name=i, start_date=s, end_date=e, segment=g)
        for i, s, e, g in zip(
            columns["id"], columns["start_date"], columns["end_date"], columns["segment"]
        )
    ]
    from_records = survival(records, as_of=datetime(2025, 3, 1, 15, 0, tzinfo=timezone.utc))
    from_frame = survival(pd.DataFrame(columns), as_of=AS_OF)
    expected = survival(worked_accounts(), as_of=AS_OF).counts.to_dict()
    assert from_records.counts.to_dict() == expected
    assert from_frame.counts.to_dict() == expected
    # a datetime is taken at its UTC day: 2025-03-01T01:00+02:00 is still 2025-02-28 in UTC
    earlier = survival(
        records, as_of=datetime(2025, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    )
    assert earlier.n == 5  # g (starting 2025-02-28) is not a customer yet
    assert earlier.counts.to_dict()["times"][-1] == 89.0  # e is censored the day before its end


def test_survival_by_segment() -> None:
    groups = survival(worked_accounts(), as_of=AS_OF, by="segment")
    # a missing segment and a literal "(none)" are one group
    assert list(groups) == ["(none)", "ent", "smb"]
    assert groups["(none)"].counts.to_dict() == {
        "times": [1.0, 90.0],
        "events": [0, 1],
        "censored": [1, 0],
        "n": 2,
    }
    assert groups["ent"].counts.to_dict() == {
        "times": [1.0, 28.0],
        "events": [1, 0],
        "censored": [0, 1],
        "n": 2,
    }
    assert groups["smb"].counts.to_dict() == {
        "times": [30.0, 59.0],
        "events": [1, 0],
        "censored": [0, 1],
        "n": 2,
    }
    merged = SurvivalCounts.combine(curve.counts for curve in groups.values())
    assert merged.to_dict() == survival(worked_accounts(), as_of=AS_OF).counts.to_dict()
    result = compare_survival(groups)
    assert result.groups == ("(none)", "ent", "smb")
    assert result.dof == 2


def test_survival_units() -> None:
    days = survival(worked_accounts(), as_of=AS_OF)
    weeks = survival(worked_accounts(), as_of=AS_OF, time_unit="week")
    months = survival(worked_accounts(), as_of=AS_OF, time_unit="month")
    np.testing.assert_allclose(weeks.counts.times, days.counts.times / 7)
    np.testing.assert_allclose(months.counts.times, days.counts.times / (365.2425 / 12))
    np.testing.assert_array_equal(weeks.survival, days.survival)
    assert months.median().statistic == pytest.approx(90 / 30.436875)


def test_survival_with_empty_end_dates_censors_everyone() -> None:
    accounts = {"start_date": ["2025-01-01", "2025-02-01"], "end_date": [None, ""]}
    curve = survival(accounts, as_of=AS_OF)
    assert curve.counts.to_dict() == {
        "times": [28.0, 59.0],
        "events": [0, 0],
        "censored": [1, 1],
        "n": 2,
    }


def test_survival_nobody_yet() -> None:
    later = {"start_date": ["2025-04-01"], "end_date": [None], "segment": ["smb"]}
    curve = survival(later, as_of=AS_OF)
    assert curve.n == 0
    assert survival(later, as_of=AS_OF, by="segment") == {}


def test_survival_matches_kaplan_meier_on_random_accounts() -> None:
    rng = np.random.default_rng(11)
    n = 500
    start = np.datetime64("2022-01-01") + rng.integers(0, 1000, n)
    length = rng.integers(0, 700, n)
    end = np.where(rng.random(n) < 0.6, start + length, np.datetime64("NaT"))
    day = np.datetime64("2024-06-01")
    curve = survival(
        {"start_date": start, "end_date": end}, as_of=date(2024, 6, 1), time_unit="month"
    )
    seen = start < day
    churned = ~np.isnat(end) & (end <= day)
    stop = np.where(churned, end, day)
    durations = (stop - start).astype(int)[seen] / (365.2425 / 12)
    ref = kaplan_meier(durations, churned[seen])
    np.testing.assert_array_equal(curve.counts.times, ref.counts.times)
    np.testing.assert_array_equal(curve.survival, ref.survival)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"as_of": datetime(2025, 3, 1)}, "`as_of` is a naive datetime"),
        ({"as_of": 20250301}, "`as_of` must be a date or an aware datetime"),
        (
            {"as_of": AS_OF, "time_unit": "year"},
            r"`time_unit` must be one of \{'day', 'week', 'month'\}, got 'year'",
        ),
    ],
)
def test_survival_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        survival(worked_accounts(), **kwargs)
    with pytest.raises(InvalidInputError, match=match):
        survival(worked_accounts(), **kwargs, by="segment")


@pytest.mark.parametrize(
    ("by", "match"),
    [
        ("region", r"`by` names no column of the accounts: 'region' \(columns \['end_date', "),
        ("owner", "`by` names no column of the accounts: 'owner'"),
        (5, "`by` must be a column name or a mapping from account id to group, got int 5"),
        ({7: "x"}, "`by` is keyed by whole numbers \\(7\\), but the account ids are text"),
    ],
)
def test_survival_by_bad_groupings(by: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        survival(worked_accounts(), as_of=AS_OF, by=by)


def test_survival_by_a_mapping_needs_the_ids() -> None:
    accounts = {k: v for k, v in worked_accounts().items() if k != "id"}
    with pytest.raises(InvalidInputError, match="`accounts` has no `id` column"):
        survival(accounts, as_of=AS_OF, by={"a": "x"})


def test_survival_bad_rows() -> None:
    with pytest.raises(InvalidInputError, match="rows are invalid") as info:
        survival(
            {"start_date": ["2025-01-10", "soon"], "end_date": ["2025-01-01", None]}, as_of=AS_OF
        )
    fields = {error.field for error in info.value.errors}
    assert fields == {"start_date", "end_date"}
    with pytest.raises(InvalidInputError, match=r"need the columns \['start_date'\]"):
        survival({"end_date": ["2025-01-01"]}, as_of=AS_OF)


# --- compare_survival ----------------------------------------------------------------------


def _groups(seed: int, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for g in range(k):
        n = int(rng.integers(20, 60))
        out.append((rng.integers(0, 25, n).astype(float) * (1 + 0.2 * g), rng.random(n) < 0.75))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_two_groups_match_scipy_and_lifelines(seed: int) -> None:
    from lifelines.statistics import logrank_test

    (x, ex), (y, ey) = _groups(seed, 2)
    result = compare_survival([kaplan_meier(x, ex), kaplan_meier(y, ey)])
    ref = stats.logrank(
        stats.CensoredData.right_censored(x, ~ex), stats.CensoredData.right_censored(y, ~ey)
    )
    assert result.statistic == pytest.approx(ref.statistic**2, rel=1e-10)
    assert result.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    lifelines = logrank_test(x, y, ex, ey)
    assert result.statistic == pytest.approx(lifelines.test_statistic, rel=1e-10)
    assert result.pvalue == pytest.approx(lifelines.p_value, rel=1e-10)
    assert result.groups == ("0", "1")
    assert result.observed.tolist() == [int(ex.sum()), int(ey.sum())]
    assert result.expected.sum() == pytest.approx(result.observed.sum())


@pytest.mark.parametrize(("seed", "k"), [(5, 3), (6, 3), (7, 4)])
def test_several_groups_match_lifelines_multivariate(seed: int, k: int) -> None:
    from lifelines.statistics import multivariate_logrank_test

    data = _groups(seed, k)
    curves = {f"g{g}": kaplan_meier(d, e) for g, (d, e) in enumerate(data)}
    result = compare_survival(curves)
    durations = np.concatenate([d for d, _ in data])
    events = np.concatenate([e for _, e in data])
    labels = np.concatenate([[f"g{g}"] * len(d) for g, (d, _) in enumerate(data)])
    ref = multivariate_logrank_test(durations, labels, events)
    assert result.statistic == pytest.approx(ref.test_statistic, rel=1e-10)
    assert result.pvalue == pytest.approx(ref.p_value, rel=1e-10)
    assert result.dof == k - 1 == ref.degrees_of_freedom


def test_comparison_of_merged_partitions_equals_whole() -> None:
    (x, ex), (y, ey) = _groups(8, 2)
    whole = compare_survival([kaplan_meier(x, ex), kaplan_meier(y, ey)])
    halves = [
        SurvivalCurve(
            kaplan_meier(x[:10], ex[:10]).counts.merge(kaplan_meier(x[10:], ex[10:]).counts)
        ),
        SurvivalCurve(
            kaplan_meier(y[::2], ey[::2]).counts.merge(kaplan_meier(y[1::2], ey[1::2]).counts)
        ),
    ]
    merged = compare_survival(halves)
    assert merged.statistic == whole.statistic
    assert merged.pvalue == whole.pvalue


def test_comparison_worked_example_and_output() -> None:
    # a: events at 1, 2, 3; b: events at 4, 5, 6 (no censoring).
    # t=1: n=6 (3+3), d=1 -> E_a = 3/6 = 0.5, V = 1*5/5 * 3/6 * 3/6 = 0.25
    # t=2: n=5 (2+3)       -> E_a = 2/5 = 0.4, V = 4/4 * 2/5 * 3/5 = 0.24
    # t=3: n=4 (1+3)       -> E_a = 1/4 = 0.25, V = 3/3 * 1/4 * 3/4 = 0.1875
    # t>=4: a has nobody at risk -> E_a += 0, V += 0
    # E_a = 1.15, O_a = 3, V = 0.6775 -> chi2 = 1.85^2 / 0.6775 = 5.0517
    result = compare_survival({"a": kaplan_meier([1, 2, 3]), "b": kaplan_meier([4, 5, 6])})
    assert isinstance(result, SurvivalComparison)
    assert result.expected.tolist() == pytest.approx([1.15, 4.85])
    assert result.statistic == pytest.approx(1.85**2 / 0.6775)
    assert result.pvalue == pytest.approx(stats.chi2.sf(1.85**2 / 0.6775, 1))
    assert result.medians == (2.0, 5.0)
    assert result.method == "log-rank"
    assert not result.observed.flags.writeable
    assert not result.expected.flags.writeable
    data = result.to_dict()
    json.dumps(data)
    assert data["groups"] == ["a", "b"]
    assert data["medians"] == [2.0, 5.0]
    assert (
        repr(result)
        == "SurvivalComparison(groups=['a', 'b'], statistic=5.052, pvalue=0.0246, dof=1)"
    )


def test_comparison_without_information_is_none() -> None:
    # no events at all; and events only when one group alone is at risk
    for curves in (
        [kaplan_meier([1, 2], [0, 0]), kaplan_meier([3], [0])],
        [kaplan_meier([5], [1]), kaplan_meier([1], [0])],
    ):
        result = compare_survival(curves)
        assert result.statistic is None
        assert result.pvalue is None
        assert "statistic=None, pvalue=None" in repr(result)


def test_comparison_medians_not_reached() -> None:
    result = compare_survival([kaplan_meier([1, 2, 3], [1, 0, 0]), kaplan_meier([1, 2], [1, 1])])
    assert result.medians == (None, 1.0)


@pytest.mark.parametrize(
    ("groups", "match"),
    [
        ([], "at least two survival curves to compare, got 0"),
        ({"a": None}, "got 1"),
        (
            [kaplan_meier([1.0]), kaplan_meier([2.0]).counts],
            "SurvivalCurve values, got SurvivalCounts for group '1'",
        ),
        ({"a": kaplan_meier([1.0]), "b": kaplan_meier([])}, "group 'b' has no subjects"),
    ],
)
def test_comparison_bad_input(groups: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        compare_survival(groups)


# --- pinned by mutation testing (issue 13 §6) ----------------------------------------------


@pytest.fixture(autouse=True)
def _numpy_warns_as_by_default() -> Iterator[None]:
    """Each test starts and ends with numpy's default floating-point error handling.

    lifelines' ``KaplanMeierFitter.fit`` calls ``np.seterr(divide="ignore",
    invalid="ignore")`` for the whole process, which silently turns off the ``error``
    filter of every later test in the process (a mutant dividing 0 by 0 then survived).
    """
    np.seterr(divide="warn", over="warn", under="ignore", invalid="warn")
    yield
    np.seterr(divide="warn", over="warn", under="ignore", invalid="warn")


def test_comparison_with_a_risk_set_of_two() -> None:
    # a: events at 1, 3, 5; b: events at 2, 4, 6 (no censoring). By hand:
    # t=1: n=6 (3+3) -> E_a = 1/2,  V = 1*5/5 * 3/6 * 3/6 = 1/4
    # t=2: n=5 (2+3) -> E_a = 2/5,  V = 1*4/4 * 2/5 * 3/5 = 6/25
    # t=3: n=4 (2+2) -> E_a = 1/2,  V = 1*3/3 * 2/4 * 2/4 = 1/4
    # t=4: n=3 (1+2) -> E_a = 1/3,  V = 1*2/2 * 1/3 * 2/3 = 2/9
    # t=5: n=2 (1+1) -> E_a = 1/2,  V = 1*1/1 * 1/2 * 1/2 = 1/4  (the risk set of two)
    # t=6: n=1 (0+1) -> nothing
    # O_a = 3, E_a = 67/30, V = 1.21222... -> chi2 = (23/30)^2 / V = 0.48488; leaving out
    # the risk set of two would give 0.61085.
    a, b = [1.0, 3.0, 5.0], [2.0, 4.0, 6.0]
    result = compare_survival({"a": kaplan_meier(a), "b": kaplan_meier(b)})
    z = 3 - (1 / 2 + 2 / 5 + 1 / 2 + 1 / 3 + 1 / 2)
    v = 1 / 4 + 6 / 25 + 1 / 4 + 2 / 9 + 1 / 4
    assert result.statistic == pytest.approx(z * z / v, rel=1e-12)
    assert result.expected.tolist() == pytest.approx([67 / 30, 6 - 67 / 30], rel=1e-12)
    no_censoring = np.zeros(3, dtype=bool)
    ref = stats.logrank(
        stats.CensoredData.right_censored(np.array(a), no_censoring),
        stats.CensoredData.right_censored(np.array(b), no_censoring),
    )
    assert result.statistic == pytest.approx(ref.statistic**2, rel=1e-10)
    assert result.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    from lifelines.statistics import logrank_test

    lifelines = logrank_test(a, b)
    assert result.statistic == pytest.approx(lifelines.test_statistic, rel=1e-10)
    assert result.pvalue == pytest.approx(lifelines.p_value, rel=1e-10)


def test_comparison_to_dict_in_full() -> None:
    # the worked example above: a events at 1, 2, 3; b at 4, 5, 6
    result = compare_survival({"a": kaplan_meier([1, 2, 3]), "b": kaplan_meier([4, 5, 6])})
    data = result.to_dict()
    assert list(data) == [
        "method",
        "groups",
        "observed",
        "expected",
        "statistic",
        "pvalue",
        "dof",
        "medians",
    ]
    assert data == {
        "method": "log-rank",
        "groups": ["a", "b"],
        "observed": [3, 3],
        "expected": pytest.approx([1.15, 4.85]),
        "statistic": pytest.approx(1.85**2 / 0.6775),
        "pvalue": pytest.approx(stats.chi2.sf(1.85**2 / 0.6775, 1)),
        "dof": 1,
        "medians": [2.0, 5.0],
    }
    assert all(type(count) is int for count in data["observed"])
    assert all(type(value) is float for value in data["expected"])
    assert result.observed.dtype == np.int64
    assert result.expected.dtype == np.float64


# --- durations given as time spans (issue 13) -----------------------------------------------


def test_time_spans_come_back_in_days_not_nanoseconds() -> None:
    spans = pd.to_timedelta([7, 14, 21], unit="D")
    observed = [True, False, True]
    curve = kaplan_meier(spans, observed)
    assert curve.counts.times.tolist() == [7.0, 14.0, 21.0]
    reference = kaplan_meier([7, 14, 21], observed)
    np.testing.assert_array_equal(curve.survival, reference.survival)
    weeks = kaplan_meier(spans, observed, time_unit="week")
    assert weeks.counts.times.tolist() == [1.0, 2.0, 3.0]
    months = kaplan_meier(np.array([365.2425 / 12, 365.2425 / 6], "float64"), time_unit="month")
    assert months.counts.times.tolist() == pytest.approx([30.436875, 60.87375])  # numbers as given
    from_python = kaplan_meier([timedelta(days=7), timedelta(days=14, hours=12)])
    assert from_python.counts.times.tolist() == [7.0, 14.5]


def test_points_in_time_are_refused_as_durations() -> None:
    for instants in (
        pd.to_datetime(["2025-01-08", "2025-01-15"]),
        np.array(["2025-01-08"], dtype="datetime64[D]"),
        [date(2025, 1, 8)],
    ):
        with pytest.raises(InvalidInputError, match="`durations` holds points in time"):
            kaplan_meier(instants)


def test_missing_spans_are_named_and_the_unit_is_checked() -> None:
    with pytest.raises(InvalidInputError, match="durations"):
        kaplan_meier(np.array([7, "NaT"], dtype="timedelta64[D]"))
    with pytest.raises(InvalidInputError, match=r"`time_unit` must be one of \{'day', 'week'"):
        kaplan_meier([1.0], time_unit=cast("Any", "year"))


@pytest.mark.parametrize(("groups", "shown"), [(5, "int 5"), ("ab", "str 'ab'")])
def test_comparison_of_something_not_iterable_message_in_full(groups: Any, shown: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        compare_survival(groups)
    assert str(caught.value) == (
        f"`groups` must be an iterable of SurvivalCurve values (or a mapping of them), got {shown}"
    )


# --- survival: churn not measured without an `end_date` column (issue 13, section 3) -----
# Read as "everyone still active", data without `end_date` gave a curve at 100% forever.
# An `end_date` column with empty cells is how active accounts are marked.


def worked_accounts_as(form: str, folder: Path, *, end_dates: bool) -> object:
    """`worked_accounts` as columns, a pandas frame or a CSV read by `load_table`."""
    data: dict[str, list[Any]] = {
        name: [None if value is None else str(value) for value in values]
        for name, values in worked_accounts().items()
    }
    data["name"] = data["id"]
    return accounts_in_form(data, form, folder, end_dates=end_dates)


@pytest.mark.parametrize("form", ["columns", "pandas", "csv"])
def test_survival_without_an_end_date_column_is_not_measured(form: str, tmp_path: Path) -> None:
    accounts = worked_accounts_as(form, tmp_path, end_dates=False)
    calls = [
        lambda: survival(accounts, as_of=AS_OF),
        lambda: survival(accounts, as_of=AS_OF, by="segment"),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError) as caught:
            call()
        message = str(caught.value)
        assert message.startswith(
            "`accounts` has no `end_date` column (columns ['id', 'name', 'segment', "
            "'start_date']): survival cannot tell which accounts churned: churn is not "
            "measured (no `end_date` column)."
        )
        assert "empty cell (None, NaN or blank) for each account still active" in message


@pytest.mark.parametrize("form", ["columns", "pandas", "csv"])
def test_survival_with_empty_end_date_cells_matches_the_worked_example(
    form: str, tmp_path: Path
) -> None:
    accounts = worked_accounts_as(form, tmp_path, end_dates=True)
    curve = survival(accounts, as_of=AS_OF)
    # the hand-worked counts of `test_survival_worked_example`, and the same curve from
    # `kaplan_meier` on the durations worked out by hand (f 1, g 1+, c 28+, a 30, b 59+, e 90)
    assert curve.counts.to_dict() == {
        "times": [1.0, 28.0, 30.0, 59.0, 90.0],
        "events": [1, 0, 1, 0, 1],
        "censored": [1, 1, 0, 1, 0],
        "n": 6,
    }
    by_hand = kaplan_meier([1, 1, 28, 30, 59, 90], [1, 0, 0, 1, 0, 1])
    assert curve.survival.tolist() == by_hand.survival.tolist()
    groups = survival(accounts, as_of=AS_OF, by="segment")
    assert {name: g.n for name, g in groups.items()} == {"(none)": 2, "ent": 2, "smb": 2}
