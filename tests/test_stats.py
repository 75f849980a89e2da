"""Shared statistics: ``ConfidenceInterval``, ``z_critical`` and ``proportion_interval``.

References: scipy's ``binomtest(...).proportion_ci(method="wilson")`` for Wilson's interval;
the Wald interval written out by hand with :class:`statistics.NormalDist` (no numpy, no
scipy); ``scipy.stats.norm.ppf`` for the critical values.
"""

from __future__ import annotations

import itertools
import json
import math
import pickle
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cshealth import ConfidenceInterval, InvalidInputError, Rate
from cshealth._result import Result, jsonable
from cshealth._stats import (
    check_confidence_level,
    proportion_interval,
    wilson_share_interval,
    z_critical,
)

LEVELS = [0.5, 0.8, 0.9, 0.95, 0.99, 0.999]
COUNTS = [(0, 1), (1, 1), (0, 5), (5, 5), (1, 7), (3, 10), (42, 50), (0, 200), (200, 200)]
COUNTS += [(17, 1000), (999, 1000), (5000, 10_000)]

# --- ConfidenceInterval ----------------------------------------------------------------------


def test_confidence_interval_unpacks_like_a_tuple() -> None:
    ci = ConfidenceInterval(0.25, 0.75)
    low, high = ci
    assert (low, high) == (0.25, 0.75)
    assert ci == (0.25, 0.75)
    assert ci.low == 0.25
    assert ci.high == 0.75
    assert ci[0] == 0.25


def test_confidence_interval_repr() -> None:
    assert repr(ConfidenceInterval(1.0, 2.0)) == "ConfidenceInterval(low=1.0, high=2.0)"


@pytest.mark.parametrize(
    ("low", "high", "width"),
    [(14.14, 20.86, 6.72), (0.0, 0.0, 0.0), (-1.5, 2.5, 4.0), (-3.0, -1.0, 2.0)],
)
def test_confidence_interval_width(low: float, high: float, width: float) -> None:
    assert ConfidenceInterval(low, high).width == pytest.approx(width)


@pytest.mark.parametrize(
    ("value", "inside"),
    [(0.25, True), (0.75, True), (0.5, True), (0.2499, False), (0.7501, False), (math.nan, False)],
)
def test_confidence_interval_contains_is_closed(value: float, inside: bool) -> None:
    assert ConfidenceInterval(0.25, 0.75).contains(value) is inside


def test_confidence_interval_is_immutable() -> None:
    ci = ConfidenceInterval(0.0, 1.0)
    with pytest.raises(AttributeError):
        ci.low = 0.5


def test_confidence_interval_of_arrays_like_scipys() -> None:
    low, high = np.array([0.1, 0.4, np.nan]), np.array([0.3, 0.9, np.nan])
    ci = ConfidenceInterval(low, high)
    a, b = ci
    assert a is low
    assert b is high
    np.testing.assert_allclose(ci.width, [0.2, 0.5, np.nan])
    assert ci.contains([0.2, 0.2, 0.2]).tolist() == [True, False, False]  # NaN holds nothing
    assert ci.contains(0.3).tolist() == [True, False, False]  # one value against each row


def test_confidence_intervals_compare_by_value_and_never_raise() -> None:
    arrays = ConfidenceInterval(np.array([0.1, np.nan]), np.array([0.3, 1.0]))
    same = ConfidenceInterval(np.array([0.1, np.nan]), np.array([0.3, 1.0]))
    assert arrays == same  # NaN equal to NaN, no truth-value error
    assert not arrays != same  # noqa: SIM202  # != is the opposite of ==
    assert arrays != ConfidenceInterval(np.array([0.1, 0.2]), np.array([0.3, 1.0]))
    assert arrays != ConfidenceInterval(0.1, 0.3)
    assert arrays == pickle.loads(pickle.dumps(arrays))
    assert ConfidenceInterval(1.0, 2.0) != (1.0, 2.0, 3.0)
    assert ConfidenceInterval(1.0, 2.0) != "1.0, 2.0"
    # numbers keep a tuple's equality and hash
    assert ConfidenceInterval(1.0, 2.0) == (1.0, 2.0)
    assert hash(ConfidenceInterval(1.0, 2.0)) == hash((1.0, 2.0))
    assert {ConfidenceInterval(1.0, 2.0): "x"}[(1.0, 2.0)] == "x"


def test_confidence_interval_serialises_as_low_and_high() -> None:
    ci = ConfidenceInterval(np.array([0.1, np.nan]), np.array([0.3, np.inf]))
    assert jsonable(ci._asdict()) == {"low": [0.1, None], "high": [0.3, None]}


# --- z_critical and the confidence level -------------------------------------------------------


@pytest.mark.parametrize("level", [*LEVELS, 1e-9, 0.999999])
def test_z_critical_matches_scipy_norm_ppf(level: float) -> None:
    expected = stats.norm.ppf(1 - (1 - level) / 2)
    assert z_critical(level) == pytest.approx(expected, rel=1e-12)


def test_z_critical_default_is_95_percent() -> None:
    assert z_critical() == pytest.approx(1.959963984540054, rel=1e-14)


@pytest.mark.parametrize("level", [0, 1, 0.0, 1.0, -0.5, 1.5, math.nan, math.inf, "high", None])
def test_bad_confidence_level_is_refused_by_name(level: object) -> None:
    with pytest.raises(InvalidInputError, match="`confidence_level` must be strictly between"):
        check_confidence_level(level)
    with pytest.raises(InvalidInputError, match="confidence_level"):
        z_critical(level)
    with pytest.raises(InvalidInputError, match="confidence_level"):
        proportion_interval(1, 2, confidence_level=level)


@pytest.mark.parametrize("level", [0.95, np.float64(0.9), "0.8"])
def test_confidence_level_is_returned_as_float(level: object) -> None:
    assert isinstance(check_confidence_level(level), float)


# --- Wilson against scipy ----------------------------------------------------------------------


@pytest.mark.parametrize(("level", "counts"), list(itertools.product(LEVELS, COUNTS)))
def test_wilson_matches_scipy_binomtest(level: float, counts: tuple[int, int]) -> None:
    x, n = counts
    expected = stats.binomtest(x, n).proportion_ci(confidence_level=level, method="wilson")
    low, high = proportion_interval(x, n, confidence_level=level)
    assert float(low) == pytest.approx(expected.low, abs=1e-12)
    assert float(high) == pytest.approx(expected.high, abs=1e-12)


def test_wilson_worked_example_from_the_docstring() -> None:
    # 42 satisfied customers of 50 (also the doctest): Wilson 95% = (0.7149, 0.9166).
    low, high = proportion_interval(42, 50)
    assert (round(float(low), 4), round(float(high), 4)) == (0.7149, 0.9166)


@pytest.mark.parametrize("n", [1, 2, 10, 1000, 10**6])
def test_wilson_ends_are_pinned_at_zero_and_one(n: int) -> None:
    # exactly, so that p-hat = 0 (or 1) lies in its own interval
    low, _ = proportion_interval(0, n)
    _, high = proportion_interval(n, n)
    assert float(low) == 0.0
    assert float(high) == 1.0


# --- Wald against a hand formula ---------------------------------------------------------------


def wald_by_hand(x: int, n: int, level: float) -> tuple[float, float]:
    """Wald's interval from the textbook: p ± z·sqrt(x(n − x)/n³), clipped to [0, 1]."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    half = z * math.sqrt(x * (n - x) / n**3)
    return max(0.0, x / n - half), min(1.0, x / n + half)


@pytest.mark.parametrize(("level", "counts"), list(itertools.product(LEVELS, COUNTS)))
def test_wald_matches_the_hand_formula(level: float, counts: tuple[int, int]) -> None:
    x, n = counts
    low, high = proportion_interval(x, n, confidence_level=level, method="wald")
    expected_low, expected_high = wald_by_hand(x, n, level)
    assert float(low) == pytest.approx(expected_low, abs=1e-12)
    assert float(high) == pytest.approx(expected_high, abs=1e-12)


@pytest.mark.parametrize(("x", "n"), [(0, 10), (10, 10)])
def test_wald_collapses_to_a_point_at_the_ends(x: int, n: int) -> None:
    # the known flaw of Wald's interval, and why Wilson is the default
    low, high = proportion_interval(x, n, method="wald")
    assert float(low) == float(high) == x / n


# --- shapes ------------------------------------------------------------------------------------


def test_scalars_give_zero_dimensional_results() -> None:
    low, high = proportion_interval(3, 10)
    assert np.shape(low) == ()
    assert np.shape(high) == ()
    assert low.dtype == np.float64


def test_vectorised_over_groups_equals_one_call_per_group() -> None:
    xs = np.array([0, 3, 42, 7])
    ns = np.array([5, 10, 50, 7])
    low, high = proportion_interval(xs, ns, confidence_level=0.9)
    assert low.shape == high.shape == (4,)
    for i, (x, n) in enumerate(zip(xs, ns)):
        one_low, one_high = proportion_interval(int(x), int(n), confidence_level=0.9)
        assert low[i] == one_low
        assert high[i] == one_high


def test_lists_are_accepted() -> None:
    low, high = proportion_interval([1, 2], [4, 4])
    assert low.shape == high.shape == (2,)
    assert low[0] < low[1]


def test_broadcasting_a_column_of_successes_against_a_row_of_trials() -> None:
    successes = np.array([[0], [1], [2]])
    trials = np.array([2, 3, 4, 5])
    low, high = proportion_interval(successes, trials)
    assert low.shape == high.shape == (3, 4)
    assert low[2, 3] == proportion_interval(2, 5)[0]
    assert high[1, 0] == proportion_interval(1, 2)[1]


def test_scalar_trials_broadcast_against_many_successes() -> None:
    low, high = proportion_interval(np.arange(5), 4 + 1)
    assert low.shape == (5,)
    assert np.all(np.diff(low) > 0)
    assert np.all(np.diff(high) > 0)


def test_empty_input_gives_empty_output() -> None:
    low, high = proportion_interval([], [])
    assert low.shape == high.shape == (0,)


@pytest.mark.parametrize("method", ["wilson", "wald"])
def test_zero_trials_give_nan_never_zero(method: str) -> None:
    low, high = proportion_interval([0, 1], [0, 2], method=method)
    assert math.isnan(low[0])
    assert math.isnan(high[0])
    assert not math.isnan(low[1])


def test_whole_floats_are_counts() -> None:
    assert proportion_interval(3.0, 10.0) == proportion_interval(3, 10)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "trials", "match"),
    [
        (-1, 10, r"`successes` must be whole numbers >= 0, got -1\.0"),
        (1, -10, r"`trials` must be whole numbers >= 0, got -10\.0"),
        (1.5, 10, r"`successes` must be whole numbers >= 0, got 1\.5"),
        (1, 10.25, r"`trials` must be whole numbers >= 0, got 10\.25"),
        (math.nan, 10, r"`successes` must be whole numbers >= 0, got nan"),
        (1, math.nan, r"`trials` must be whole numbers >= 0, got nan"),
        (math.inf, math.inf, r"`successes` must be whole numbers >= 0, got inf"),
        ([1, 2, -3], 10, r"`successes` .* got -3\.0"),
        (11, 10, r"`successes` must not exceed `trials`, got 11 successes of 10 trials"),
        ([1, 12], [5, 10], r"got 12 successes of 10 trials"),
        ("many", 10, r"`successes` must be whole numbers >= 0, got 'many'"),
        (1, {"n": 3}, r"`trials` must be whole numbers >= 0"),
        ([1, 2, 3], [4, 5], r"must broadcast to one shape, got shapes \(3,\) and \(2,\)"),
    ],
)
def test_bad_counts_are_refused_by_name(successes: object, trials: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        proportion_interval(successes, trials)


@pytest.mark.parametrize("method", ["Wilson", "agresti", "", "clopper-pearson"])
def test_unknown_method_lists_the_allowed_ones(method: str) -> None:
    with pytest.raises(InvalidInputError, match=r"`method` must be one of \{'wilson', 'wald'\}"):
        proportion_interval(1, 2, method=method)


# --- invariants ------------------------------------------------------------------------------


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=10**6))
    return draw(st.integers(min_value=0, max_value=n)), n


levels = st.floats(min_value=0.01, max_value=0.9999)
methods = st.sampled_from(["wilson", "wald"])


@given(counts(), levels, methods)
def test_interval_holds_the_estimate_and_stays_in_the_unit_interval(
    xn: tuple[int, int], level: float, method: str
) -> None:
    x, n = xn
    low, high = proportion_interval(x, n, confidence_level=level, method=method)
    assert 0.0 <= low <= high <= 1.0
    assert ConfidenceInterval(float(low), float(high)).contains(x / n)


@given(counts(), levels, levels, methods)
def test_higher_confidence_gives_a_wider_interval(
    xn: tuple[int, int], a: float, b: float, method: str
) -> None:
    x, n = xn
    lower, higher = sorted((a, b))
    narrow = proportion_interval(x, n, confidence_level=lower, method=method)
    wide = proportion_interval(x, n, confidence_level=higher, method=method)
    eps = 1e-12
    assert wide[0] <= narrow[0] + eps
    assert wide[1] >= narrow[1] - eps


@given(counts(), levels)
def test_wilson_is_symmetric_in_successes_and_failures(xn: tuple[int, int], level: float) -> None:
    x, n = xn
    low, high = proportion_interval(x, n, confidence_level=level)
    mirror_low, mirror_high = proportion_interval(n - x, n, confidence_level=level)
    assert float(low) == pytest.approx(1 - float(mirror_high), abs=1e-12)
    assert float(high) == pytest.approx(1 - float(mirror_low), abs=1e-12)


@given(st.lists(counts(), min_size=1, max_size=8), levels)
def test_vectorised_equals_elementwise(pairs: list[tuple[int, int]], level: float) -> None:
    xs, ns = zip(*pairs)
    low, high = proportion_interval(list(xs), list(ns), confidence_level=level)
    for i, (x, n) in enumerate(pairs):
        assert (low[i], high[i]) == proportion_interval(x, n, confidence_level=level)


@pytest.mark.parametrize(("successes", "trials"), [(42, 50), (1, 7), (199, 200), (500, 1000)])
def test_share_interval_agrees_with_count_interval(successes: int, trials: int) -> None:
    low, high = proportion_interval(successes, trials)
    assert wilson_share_interval(successes / trials, float(trials)) == pytest.approx(
        (float(low), float(high))
    )


# --- Rate ----------------------------------------------------------------------------------


def test_rate_keeps_its_counts_and_gives_wilsons_interval() -> None:
    # Wilson at 42/50, 95%: the same numbers as proportion_interval's worked example.
    rate = Rate(42, 50)
    assert rate.statistic == pytest.approx(0.84)
    assert repr(rate) == "Rate(0.84, 42 of 50)"
    ci = rate.confidence_interval()
    assert ci is not None
    assert (ci.low, ci.high) == pytest.approx((0.7149, 0.9166), abs=5e-5)
    wald = rate.confidence_interval(0.9, method="wald")
    assert wald is not None
    z = stats.norm.ppf(0.95)
    half = z * (0.84 * 0.16 / 50) ** 0.5
    assert (wald.low, wald.high) == pytest.approx((0.84 - half, 0.84 + half))
    assert rate.to_dict() == {
        "successes": 42,
        "n": 50,
        "statistic": pytest.approx(0.84),
        "confidence_interval": {"low": pytest.approx(ci.low), "high": pytest.approx(ci.high)},
    }


def test_a_rate_of_nothing_is_none_not_zero() -> None:
    rate = Rate(0, 0)
    assert rate.statistic is None
    assert rate.confidence_interval() is None
    assert repr(rate) == "Rate(None, 0 of 0)"
    assert rate.to_dict() == {
        "successes": 0,
        "n": 0,
        "statistic": None,
        "confidence_interval": None,
    }
    with pytest.raises(InvalidInputError, match="confidence_level"):
        rate.confidence_interval(1.5)


def test_rates_are_results_compared_by_value() -> None:
    rate = Rate(42, 50)
    assert isinstance(rate, Result)
    assert rate == Rate(42, 50)
    assert rate != Rate(41, 50)
    assert rate != Rate(84, 100)  # the same statistic of other counts
    assert rate == pickle.loads(pickle.dumps(rate))
    with pytest.raises(TypeError, match="unhashable"):
        hash(rate)
    assert str(rate) == rate.format() == "Rate(0.84, 42 of 50)"


def test_rate_to_dict_is_strict_json_with_one_interval() -> None:
    rate = Rate(3, 7)
    data = rate.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    ci = rate.confidence_interval()
    assert ci is not None
    assert data["confidence_interval"] == {"low": ci.low, "high": ci.high}
    assert set(data) == {"successes", "n", "statistic", "confidence_interval"}


@pytest.mark.parametrize(
    ("successes", "n", "match"), [(3, 2, "must not exceed"), (-1, 4, "whole numbers")]
)
def test_impossible_rates_are_refused(successes: int, n: int, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        Rate(successes, n)


@given(st.integers(0, 500), st.integers(0, 500))
def test_rate_interval_contains_the_rate(a: int, b: int) -> None:
    successes, n = min(a, b), max(a, b)
    rate = Rate(successes, n)
    ci = rate.confidence_interval()
    if n == 0:
        assert ci is None
    else:
        assert ci is not None
        assert rate.statistic is not None
        assert 0.0 <= ci.low <= rate.statistic <= ci.high <= 1.0


# --- pinned by mutation testing (issue 13 §6) ----------------------------------------------


@pytest.mark.parametrize(
    ("level", "shown"), [(1.5, "1.5"), (0, "0"), ("high", "'high'"), (None, "None")]
)
def test_bad_confidence_level_message_in_full(level: object, shown: str) -> None:
    # the whole text: the argument, the value as given, and what to pass instead
    with pytest.raises(InvalidInputError) as caught:
        check_confidence_level(level)
    assert str(caught.value) == (
        f"`confidence_level` must be strictly between 0 and 1, got {shown}; "
        "pass e.g. 0.95 for a 95% interval"
    )


@pytest.mark.parametrize("level", [*LEVELS, 0.51, 0.7, 0.72, 0.75, 0.86])
def test_one_trial_intervals_end_exactly_at_zero_and_one(level: float) -> None:
    # Wilson's bounds at x = 0 and x = n are 0 and 1 by algebra (the centre equals the
    # half-width); computed, 1 success of 1 at 90% gives 0.9999999999999999, which would leave
    # the estimate 1.0 outside its own interval. The pin must hold for n = 1 too.
    low, high = proportion_interval([0, 1], [1, 1], confidence_level=level)
    assert float(low[0]) == 0.0
    assert float(high[1]) == 1.0
    # and the other bound against scipy's Wilson interval
    ref_none = stats.binomtest(0, 1).proportion_ci(confidence_level=level, method="wilson")
    ref_all = stats.binomtest(1, 1).proportion_ci(confidence_level=level, method="wilson")
    assert float(high[0]) == pytest.approx(ref_none.high, rel=1e-12)
    assert float(low[1]) == pytest.approx(ref_all.low, rel=1e-12)


@pytest.mark.parametrize("n", [16, 40, 46, 54])
def test_share_interval_of_a_whole_share_stays_in_the_unit_interval(n: int) -> None:
    # at share 1 over these n, centre + half-width rounds to 1.0000000000000002; the bound
    # is the share itself, as for whole counts (scipy's Wilson interval gives the low end)
    low, high = wilson_share_interval(1.0, float(n))
    assert high == 1.0
    ref = stats.binomtest(n, n).proportion_ci(method="wilson")
    assert low == pytest.approx(ref.low, rel=1e-12)
    low, high = wilson_share_interval(0.0, float(n))
    assert low == 0.0
    assert high == pytest.approx(1.0 - ref.low, rel=1e-12)
