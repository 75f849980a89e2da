"""CSAT and CES against independent references.

References: scipy's Wilson interval (``binomtest(k, n).proportion_ci(method="wilson")``) and
one-sample t interval (``stats.t.interval``, ``ttest_1samp(...).confidence_interval()``);
Wilson's interval as the roots of its defining quadratic (for fractional effective sizes);
plain-Python top-box, mean-index and CES counts written here; the scale mappings of the
project spec (``spec/metrics.md`` §2.1-2.2, citing Zendesk, Simplesat and Pisano [S15]).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cshealth import InvalidInputError, SmallSampleWarning, SurveyResponse, to_columns
from cshealth.nps._satisfaction import ces, csat, default_positive, easy_points
from cshealth.nps._satisfaction_result import CESMethod, CSATMethod

Z95 = 1.959963984540054


P = ParamSpec("P")
R = TypeVar("R")


def quiet(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Call ``function`` with small-sample warnings silenced (tests of tiny samples)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return function(*args, **kwargs)


def response(i: int, value: int, kind: str = "csat", **changes: object) -> SurveyResponse:
    data: dict[str, object] = {
        "id": f"R{i}",
        "account_id": "A",
        "kind": kind,
        "survey_type": "transactional",
        "score": value,
        "submitted_at": datetime(2025, 1, 1, tzinfo=timezone.utc),
    }
    data.update(changes)
    return SurveyResponse.model_validate(data)


# --- second implementations (plain Python) ----------------------------------------------------


def plain_top_box(answers: list[int], positive: set[int]) -> float:
    return 100 * sum(1 for a in answers if a in positive) / len(answers)


def plain_mean_index(answers: list[int], low: int, high: int) -> float:
    return sum(100 * (a - low) / (high - low) for a in answers) / len(answers)


def plain_mean_and_sd(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def wilson_by_quadratic(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson's bounds: the roots π of (p - π)² = z² π (1 - π) / n (Wilson 1927)."""
    k = z * z / n
    roots = np.roots([1 + k, -(2 * p + k), p * p])
    return float(min(roots.real)), float(max(roots.real))


@pytest.mark.parametrize("seed", range(5))
def test_top_box_and_mean_index_match_plain_python(seed: int) -> None:
    rng = np.random.default_rng(seed)
    low, high = [(1, 5), (1, 7), (0, 10), (1, 4)][seed % 4]
    answers = rng.integers(low, high + 1, size=int(rng.integers(30, 300))).tolist()
    top = csat(answers, scale=(low, high))  # every scale here has 4+ points: top two box
    assert top.score == pytest.approx(plain_top_box(answers, {high - 1, high}))
    assert top.positive == sum(1 for a in answers if a >= high - 1)
    index = csat(answers, scale=(low, high), method="mean_index")
    assert index.score == pytest.approx(plain_mean_index(answers, low, high))
    custom = csat(answers, scale=(low, high), positive={high})
    assert custom.score == pytest.approx(plain_top_box(answers, {high}))


def test_mean_index_uses_the_spec_rescaling() -> None:
    # spec §2.1 [S15 Pisano]: 5→100, 4→75, 3→50, 2→25, 1→0
    for answer, index in [(5, 100), (4, 75), (3, 50), (2, 25), (1, 0)]:
        assert quiet(csat, [answer], method="mean_index").score == index
    assert quiet(csat, [1, 2, 3, 4, 5], method="mean_index").score == 50


@pytest.mark.parametrize("seed", range(4))
def test_ces_matches_plain_python(seed: int) -> None:
    rng = np.random.default_rng(seed)
    answers = rng.integers(1, 8, size=60).tolist()
    res = ces(answers)
    mean, sd = plain_mean_and_sd([float(a) for a in answers])
    assert res.mean == pytest.approx(mean)
    assert res.standard_deviation == pytest.approx(sd)
    assert res.standard_error == pytest.approx(sd / math.sqrt(60))
    assert res.share_easy == pytest.approx(sum(a >= 5 for a in answers) / 60)
    pct = ces(answers, method="pct_easy")
    assert pct.share_easy is not None
    assert pct.score == pytest.approx(100 * pct.share_easy)
    assert pct.mean == res.mean


# --- intervals against scipy ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "level"),
    [(42, 50, 0.95), (0, 12, 0.95), (12, 12, 0.95), (1, 1, 0.95), (7, 40, 0.9), (333, 1000, 0.99)],
)
def test_top_box_interval_is_scipys_wilson(k: int, n: int, level: float) -> None:
    answers = [5] * k + [2] * (n - k)
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    low, high = quiet(csat, answers).confidence_interval(level)
    assert (low, high) == pytest.approx((100 * ref.low, 100 * ref.high), abs=1e-9)


@pytest.mark.parametrize(("k", "n"), [(30, 40), (0, 9), (9, 9)])
def test_pct_easy_interval_is_scipys_wilson(k: int, n: int) -> None:
    answers = [6] * k + [3] * (n - k)
    ref = stats.binomtest(k, n).proportion_ci(method="wilson")
    low, high = quiet(ces, answers, method="pct_easy").confidence_interval()
    assert (low, high) == pytest.approx((100 * ref.low, 100 * ref.high), abs=1e-9)


@pytest.mark.parametrize(("seed", "level"), [(0, 0.95), (1, 0.9), (2, 0.99)])
def test_ces_mean_interval_is_scipys_t(seed: int, level: float) -> None:
    answers = np.random.default_rng(seed).integers(2, 7, size=45)
    low, high = ces(answers).confidence_interval(level)
    ref = stats.ttest_1samp(answers, 0.0).confidence_interval(level)
    assert (low, high) == pytest.approx((ref.low, ref.high))
    sem = stats.sem(answers)
    ref_low, ref_high = stats.t.interval(level, df=44, loc=answers.mean(), scale=sem)
    assert (low, high) == pytest.approx((ref_low, ref_high))


def test_mean_index_interval_is_scipys_t() -> None:
    answers = np.random.default_rng(5).integers(1, 8, size=80)
    res = csat(answers, scale=(1, 7), method="mean_index")
    index = 100 * (answers - 1) / 6
    ref = stats.ttest_1samp(index, 0.0).confidence_interval(0.9)
    assert res.confidence_interval(0.9) == pytest.approx((ref.low, ref.high))


def test_t_interval_is_clipped_to_the_scale() -> None:
    low, high = quiet(ces, [1, 7]).confidence_interval()
    assert (low, high) == (1.0, 7.0)
    low, high = quiet(csat, [1, 5], method="mean_index").confidence_interval()
    assert (low, high) == (0.0, 100.0)


def test_identical_scores_give_a_zero_width_t_interval() -> None:
    res = quiet(ces, [3, 3, 3])
    assert res.standard_deviation == 0.0
    assert res.confidence_interval() == (3.0, 3.0)
    weighted = quiet(csat, {"score": [4, 4, 4], "weight": [0.3, 1.7, 2.9]}, method="mean_index")
    assert weighted.confidence_interval() == (75.0, 75.0)


def test_one_response_has_no_t_interval() -> None:
    res = quiet(ces, [5])
    assert res.mean == 5.0
    assert res.standard_deviation is None
    assert res.standard_error is None
    with pytest.raises(InvalidInputError, match="at least two responses, got 1"):
        res.confidence_interval()
    assert res.to_dict()["confidence_interval"] is None
    assert repr(res) == "CESResult(score=5.00, n=1, method='mean', scale=1..7, higher = easier)"
    with pytest.raises(InvalidInputError, match="CSAT mean index needs at least two"):
        quiet(csat, [4], method="mean_index").confidence_interval()
    low, high = quiet(csat, [4]).confidence_interval()  # Wilson is fine with one answer
    assert high == 100.0
    assert 0 < low < 100


# --- scale mappings (spec §2.1) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "expected", "source"),
    [
        ((1, 2), (2,), "Zendesk 1-2: 2 is good [S15 eesel, citing Zendesk]"),
        ((1, 3), (3,), "Zendesk 1-3: 3 is good [S15 eesel, citing Zendesk]"),
        ((1, 4), (3, 4), "Simplesat 4-point: 3-4 positive [S15]"),
        ((1, 5), (4, 5), "top-two-box; Zendesk 1-5: 4-5 good [S15 SoGoSurvey, kicue, eesel]"),
        ((1, 7), (6, 7), "7-point: top-two-box (spec DECISION)"),
        ((1, 10), (9, 10), "10-point: top-two-box (spec DECISION)"),
    ],
)
def test_default_positive_values_follow_the_spec(
    scale: tuple[int, int], expected: tuple[int, ...], source: str
) -> None:
    assert default_positive(scale) == expected, source
    low, high = scale
    res = quiet(csat, list(range(low, high + 1)), scale=scale)
    assert res.positive_values == expected, source
    assert res.positive == len(expected)


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        ((1, 7), (5, 6, 7)),  # spec §2.2: top three points of a 7-point scale (5-7)
        ((1, 5), (4, 5)),  # top two of a 5-point scale
        ((1, 10), (8, 9, 10)),  # otherwise the top 30% of points, rounded up
        ((0, 10), (7, 8, 9, 10)),
        ((1, 3), (3,)),
        ((1, 2), (2,)),
    ],
)
def test_easy_points(scale: tuple[int, int], expected: tuple[int, ...]) -> None:
    assert easy_points(scale) == expected


# --- orientation --------------------------------------------------------------------------------


def test_reversed_ces_is_read_as_low_plus_high_minus_x() -> None:
    # 1 = least effort in this deployment: 1 and 2 are "easy"
    answers = [1, 1, 2, 3, 7, 2, 1, 4]
    res = quiet(ces, answers, higher_is_easier=False)
    assert res.mean == pytest.approx(8 - np.mean(answers))
    assert res.share_easy == pytest.approx(sum(a <= 3 for a in answers) / len(answers))
    assert not res.higher_is_easier
    assert "reversed (x -> 8 - x), so higher = easier" in repr(res)
    assert res.to_dict()["orientation"] == "reversed (x -> 8 - x), so higher = easier"
    assert res.to_dict()["higher_is_easier"] is False
    flipped = quiet(ces, [8 - a for a in answers])
    assert res.confidence_interval() == pytest.approx(flipped.confidence_interval())


# --- invariants -------------------------------------------------------------------------------


Drawn = tuple[tuple[int, int], list[int]]


@st.composite
def scaled_answers(draw: st.DrawFn) -> Drawn:
    low = draw(st.integers(-3, 3))
    high = draw(st.integers(low + 1, low + 11))
    answers = draw(st.lists(st.integers(low, high), min_size=2, max_size=120))
    return (low, high), answers


@given(scaled_answers(), st.sampled_from(["top_box", "mean_index"]), st.floats(0.5, 0.999))
def test_csat_score_and_interval_in_range(drawn: Drawn, method: CSATMethod, level: float) -> None:
    scale, answers = drawn
    res = csat(answers, scale=scale, method=method, min_n=0)
    assert res.score is not None
    assert 0 <= res.score <= 100
    low, high = res.confidence_interval(level)
    assert 0 <= low <= res.score <= high <= 100


@given(scaled_answers(), st.booleans(), st.sampled_from(["mean", "pct_easy"]))
def test_ces_mean_in_scale_interval_contains_estimate(
    drawn: Drawn, higher: bool, method: CESMethod
) -> None:
    (low, high), answers = drawn
    res = ces(answers, scale=(low, high), higher_is_easier=higher, method=method, min_n=0)
    assert res.mean is not None
    assert res.score is not None
    assert low <= res.mean <= high
    ci_low, ci_high = res.confidence_interval()
    assert ci_low <= res.score <= ci_high
    if method == "pct_easy":
        assert 0 <= ci_low <= ci_high <= 100


@given(scaled_answers())
def test_orientation_mirrors_the_mean(drawn: Drawn) -> None:
    (low, high), answers = drawn
    plain = ces(answers, scale=(low, high), min_n=0)
    assert plain.mean is not None
    reversed_ = ces(answers, scale=(low, high), higher_is_easier=False, min_n=0)
    assert reversed_.mean == pytest.approx(low + high - plain.mean)
    assert reversed_.standard_deviation == pytest.approx(plain.standard_deviation)


@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.just(0.0) | st.floats(0.01, 10)), min_size=2, max_size=60
    ).filter(lambda rows: sum(w > 0 for _, w in rows) >= 2)
)
def test_weighted_csat_in_range(rows: list[tuple[int, float]]) -> None:
    data = {"score": [s for s, _ in rows], "weight": [w for _, w in rows]}
    for method in ("top_box", "mean_index"):
        res = csat(data, method=method, min_n=0)
        assert res.score is not None
        low, high = res.confidence_interval()
        assert 0 <= low <= res.score <= high <= 100
        assert 1 <= res.effective_n <= res.n + 1e-9


# --- weights ----------------------------------------------------------------------------------


def test_weighted_share_and_kish_effective_n() -> None:
    rng = np.random.default_rng(11)
    scores = rng.integers(1, 6, size=200)
    weights = rng.uniform(0, 4, size=200)
    weights[:15] = 0
    res = csat({"score": scores, "weight": weights})
    kept = weights > 0
    w = weights[kept]
    assert res.n == int(kept.sum())
    assert res.positive == int((scores[kept] >= 4).sum())
    assert res.effective_n == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert res.score == pytest.approx(100 * np.average(scores >= 4, weights=weights))
    low, high = res.confidence_interval()
    assert res.score is not None
    ref_low, ref_high = wilson_by_quadratic(res.score / 100, res.effective_n, Z95)
    assert (low, high) == pytest.approx((100 * ref_low, 100 * ref_high))
    index = csat({"score": scores, "weight": weights}, method="mean_index")
    assert index.score == pytest.approx(np.average(25 * (scores - 1), weights=weights))


def test_weighted_ces_uses_effective_n_for_the_t_interval() -> None:
    rng = np.random.default_rng(3)
    scores = rng.integers(1, 8, size=120)
    weights = rng.uniform(0.2, 3, size=120)
    res = ces({"score": scores, "weight": weights})
    n_eff = weights.sum() ** 2 / (weights**2).sum()
    mean = np.average(scores, weights=weights)
    variance = np.average((scores - mean) ** 2, weights=weights) * n_eff / (n_eff - 1)
    assert res.mean == pytest.approx(mean)
    assert res.standard_deviation == pytest.approx(math.sqrt(variance))
    half = stats.t.ppf(0.975, n_eff - 1) * math.sqrt(variance / n_eff)
    assert res.confidence_interval() == pytest.approx((mean - half, mean + half))


def test_equal_weights_change_nothing() -> None:
    scores = np.random.default_rng(8).integers(1, 6, size=70)
    plain = csat(scores)
    doubled = csat({"score": scores, "weight": np.full(70, 2.5)})
    assert doubled.effective_n == pytest.approx(70)
    assert doubled.score == pytest.approx(plain.score)
    assert doubled.confidence_interval() == pytest.approx(plain.confidence_interval())
    assert ces({"score": scores, "weight": np.full(70, 2.5)}, scale=(1, 5)).confidence_interval(
        0.8
    ) == pytest.approx(ces(scores, scale=(1, 5)).confidence_interval(0.8))


def test_all_zero_weights_mean_no_responses() -> None:
    res = quiet(csat, {"score": [4, 5], "weight": [0, 0]})
    assert (res.score, res.n, res.effective_n) == (None, 0, 0.0)


def test_weight_on_one_response_leaves_no_t_interval() -> None:
    res = quiet(ces, {"score": [2, 6], "weight": [1.0, 1e-200]})
    assert res.effective_n == 1.0
    assert res.mean == pytest.approx(2.0)
    assert res.standard_deviation is None
    with pytest.raises(InvalidInputError, match="effective sample size above 1, got 1 from 2"):
        res.confidence_interval()
    assert quiet(ces, {"score": [2, 6], "weight": [1e-200, 1e-200]}).mean == 4.0  # no underflow


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_bad_weights(bad: float) -> None:
    with pytest.raises(InvalidInputError, match="row 2: `weight`"):
        csat({"score": [4, 5], "weight": [1.0, bad]})


def test_record_weights_are_used() -> None:
    records = [response(0, 5, weight=3.0), response(1, 1, weight=1.0)]
    assert quiet(csat, records).score == pytest.approx(75.0)


# --- input forms ----------------------------------------------------------------------------------


def test_every_input_form_gives_the_same_result() -> None:
    answers = [5, 4, 3, 5, 1, 2, 4, 4]
    records = [response(i, a) for i, a in enumerate(answers)]
    expected = quiet(csat, answers).to_dict()
    for form in (
        records,
        to_columns(records),
        {"score": answers},
        pd.DataFrame({"score": answers}),
        np.array(answers, dtype=float),
        (a for a in answers),
        (r for r in records),
    ):
        assert quiet(csat, form).to_dict() == expected


def test_records_on_a_declared_scale() -> None:
    records = [response(i, a, scale_min=1, scale_max=7) for i, a in enumerate([7, 6, 2, 5])]
    res = quiet(csat, records)
    assert res.scale == (1, 7)
    assert res.positive_values == (6, 7)
    assert res.score == 50.0
    assert quiet(csat, records, scale=(1, 7)).score == 50.0
    assert quiet(csat, to_columns(records)).score == 50.0


def test_columns_without_a_scale_take_the_scale_argument() -> None:
    res = quiet(csat, {"score": [10, 9, 2]}, scale=(1, 10))
    assert (res.scale, res.positive) == ((1, 10), 2)
    frame = pd.DataFrame({"score": [1, 2], "scale_min": [None, None], "scale_max": [None, None]})
    assert quiet(ces, frame).scale == (1, 7)  # empty bounds: the kind's default


def test_rows_of_other_kinds_are_set_aside() -> None:
    records = [response(0, 9, kind="nps"), response(1, 5), response(2, 7, kind="ces")]
    assert quiet(csat, records).n == 1
    assert quiet(ces, records).mean == 7.0
    with pytest.raises(InvalidInputError, match="no responses of kind 'csat'"):
        csat([response(0, 9, kind="nps")])


def test_relationship_and_transactional_are_never_pooled() -> None:
    records = [
        response(0, 5, survey_type="relationship"),
        response(1, 1),
        response(2, 4),
    ]
    with pytest.raises(InvalidInputError, match="never pooled"):
        csat(records)
    assert quiet(csat, records, survey_type="transactional").score == 50.0
    assert quiet(csat, records, survey_type="relationship").score == 100.0


# --- results ----------------------------------------------------------------------------------


def test_repr_and_to_dict() -> None:
    week = np.repeat([5, 4, 3, 2, 1], [30, 12, 4, 3, 1])
    res = csat(week)
    assert repr(res) == (
        "CSATResult(score=84.0, n=50, 95% CI [71.5, 91.7], method='top_box', scale=1..5, "
        "positive_values=(4, 5))"
    )
    as_dict = res.to_dict()
    assert as_dict["positive"] == 42
    assert as_dict["scale"] == [1, 5]
    assert as_dict["positive_values"] == [4, 5]
    assert as_dict["confidence_interval"] == pytest.approx({"low": 71.49, "high": 91.66}, abs=0.01)
    pct = ces(np.repeat([7, 6, 5, 2], [10, 10, 10, 10]), method="pct_easy")
    assert repr(pct).startswith("CESResult(score=75.0, n=40, 95% CI [")
    assert pct.to_dict()["easy_values"] == [5, 6, 7]


def test_empty_input_is_undefined_not_zero() -> None:
    with pytest.warns(SmallSampleWarning):
        res = csat([])
    assert (res.score, res.n, res.positive) == (None, 0, 0)
    assert repr(res) == "CSATResult(score=None, n=0, method='top_box', scale=1..5)"
    assert res.to_dict()["confidence_interval"] is None
    with pytest.raises(InvalidInputError, match="no responses"):
        res.confidence_interval()
    with pytest.warns(SmallSampleWarning):
        effort = ces([], method="pct_easy")
    assert (effort.score, effort.mean, effort.share_easy, effort.standard_error) == (
        None,
        None,
        None,
        None,
    )
    assert repr(effort) == (
        "CESResult(score=None, n=0, method='pct_easy', scale=1..7, higher = easier)"
    )
    with pytest.raises(InvalidInputError, match="no responses"):
        effort.confidence_interval()
    with pytest.warns(SmallSampleWarning):
        assert csat([response(0, 4, kind="ces")][:0]).score is None


def test_small_sample_warns_at_the_callers_line() -> None:
    with pytest.warns(
        SmallSampleWarning, match=r"CSAT from 29 responses \(fewer than min_n=30\)"
    ) as w:
        csat([5] * 29)
    assert w[0].filename == __file__
    with pytest.warns(SmallSampleWarning, match="CES from 3 responses") as w:
        ces([5, 6, 7])
    assert w[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        csat([5] * 3, min_n=3)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: csat([1, 6]), r"position 1 holds 6, outside the scale 1\.\.5"),
        (lambda: csat([0, 3]), r"position 0 holds 0, outside the scale 1\.\.5"),
        (lambda: ces([8]), r"CES `data`: position 0 holds 8, outside the scale 1\.\.7"),
        (lambda: csat([4, 3.5]), "whole numbers; position 1 holds 3.5"),
        (lambda: csat([float("nan")]), "position 0 holds nan"),
        (lambda: ces([4, float("inf")]), "position 1 holds inf"),
        (lambda: csat(["five"]), "array of <U4"),
        (lambda: csat(np.array([4, "five"], dtype=object)), "not numbers"),
        (lambda: csat([[4, 5]]), "one-dimensional"),
        (lambda: csat({"score": [4, 9]}), r"row 2 of the CSAT responses: `score` is 9"),
        (lambda: csat({"score": [4, 4.5]}), r"row 2: `score` is 4.5"),
        (lambda: csat({"score": [4, float("inf")]}), r"row 2: `score` is inf"),
    ],
)
def test_bad_scores(call: Callable[[], object], fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        call()


def test_mixed_scales_are_refused() -> None:
    records = [response(0, 5), response(1, 7, scale_min=1, scale_max=7)]
    with pytest.raises(InvalidInputError, match=r"different scales \(1 on 1\.\.5, 1 on 1\.\.7\)"):
        csat(records)
    with pytest.raises(InvalidInputError, match="different scales"):
        ces({"score": [4, 4], "scale_min": [1, 1], "scale_max": [5, 7]})


@pytest.mark.parametrize(
    ("bounds", "fragment"),
    [
        (([1, None], [7, None]), "different scales"),  # row 2 falls back to 1..5
        (([1, 1], [None, 7]), r"row 1 of the CSAT responses: `scale_min`..`scale_max` is 1..nan"),
        (([1, 5], [7, 3]), "row 2 .* is 5..3"),
        (([1.5, 1.5], [7, 7]), "whole numbers"),
        ((["a", "b"], [7, 7]), "`scale_min` must hold whole numbers"),
    ],
)
def test_bad_declared_scales(bounds: tuple[list[object], list[object]], fragment: str) -> None:
    data = {"score": [2, 3], "scale_min": bounds[0], "scale_max": bounds[1]}
    with pytest.raises(InvalidInputError, match=fragment):
        csat(data)


def test_one_bound_column_alone_is_incomplete() -> None:
    with pytest.raises(InvalidInputError, match=r"row 1 .* is nan\.\.7; give both"):
        csat({"score": [2], "scale_max": [7]})


def test_scale_argument_must_agree_with_the_data() -> None:
    records = [response(i, 4) for i in range(3)]  # 1..5, the CSAT default
    with pytest.raises(InvalidInputError, match=r"`scale` is 1\.\.7 but the CSAT responses are on"):
        csat(records, scale=(1, 7))
    declared = [response(i, 6, kind="ces", scale_min=1, scale_max=10) for i in range(3)]
    with pytest.raises(InvalidInputError, match=r"CES responses are on the scale 1\.\.10"):
        ces(declared, scale=(1, 7))


@pytest.mark.parametrize("scale", [(5, 1), (3, 3), (1.5, 5), (1,), "1-5", (True, 5), 5, (1, None)])
def test_bad_scale_argument(scale: Any) -> None:
    with pytest.raises(InvalidInputError, match="`scale` must be"):
        csat([3], scale=scale)


@pytest.mark.parametrize(
    "positive", [{6}, {0, 5}, set(), [], {4.5}, {1, 2, 3, 4, 5}, "45", 5, {True}, {None}]
)
def test_bad_positive_sets(positive: Any) -> None:
    with pytest.raises(InvalidInputError, match="`positive` must be a non-empty set"):
        csat([3, 4], positive=positive)


def test_positive_set_forms() -> None:
    assert quiet(csat, [3, 4, 5], positive=np.array([5, 5, 4])).positive_values == (4, 5)
    assert quiet(csat, [3, 4, 5], positive=range(3, 6)).score == 100.0


@pytest.mark.parametrize(
    ("function", "method"),
    [(csat, "mean"), (csat, "top_2_box"), (ces, "top_box"), (ces, "median")],
)
def test_unknown_method(function: Callable[..., object], method: str) -> None:
    with pytest.raises(InvalidInputError, match="`method` must be one of"):
        function([4], method=method)


NOT_A_FLAG: Any = "no"
NOT_A_TYPE: Any = "nps"


def test_other_bad_arguments() -> None:
    with pytest.raises(InvalidInputError, match="`higher_is_easier` must be True or False"):
        ces([4], higher_is_easier=NOT_A_FLAG)
    with pytest.raises(InvalidInputError, match="`survey_type` must be one of"):
        csat([4], survey_type=NOT_A_TYPE)
    with pytest.raises(InvalidInputError, match="`confidence_level`"):
        quiet(csat, [4, 5]).confidence_interval(95)
    with pytest.raises(InvalidInputError, match="`confidence_level`"):
        quiet(ces, [4, 5]).confidence_interval(1.0)


# --- unanswered surveys (issue 13): an empty score is no answer, counted apart ----------------


@pytest.mark.parametrize("blank", [None, float("nan"), pd.NA])
@pytest.mark.parametrize("method", ["top_box", "mean_index"])
def test_csat_leaves_unanswered_surveys_out_and_counts_them(blank, method):
    scores = [5, 4, blank, 2, 1, blank, 5]
    got = csat({"score": scores}, method=method, min_n=0)
    # the reference: the same surveys with the unanswered ones deleted by hand
    want = csat({"score": [5, 4, 2, 1, 5]}, method=method, min_n=0)
    assert (got.score, got.n, got.positive) == (want.score, want.n, want.positive)
    assert got.confidence_interval() == want.confidence_interval()
    assert (got.unanswered, want.unanswered) == (2, 0)
    assert got.to_dict() == {**want.to_dict(), "unanswered": 2}
    assert repr(got).endswith(", unanswered=2, positive_values=(4, 5))")
    if method == "top_box":
        assert got.score == pytest.approx(100 * 3 / 5)  # 5, 4, 5 of five answers


def test_ces_and_frames_leave_unanswered_surveys_out():
    frame = pd.DataFrame({"kind": ["ces"] * 4 + ["csat"], "score": [7, None, 5, 6, None]})
    got = ces(frame, min_n=0)
    assert (got.n, got.mean, got.unanswered) == (3, 6.0, 1)  # the csat row is not counted
    assert "unanswered=1" in repr(got)
    weighted = ces(
        {"score": [7, None, 1], "weight": [1.0, 5.0, 3.0]}, min_n=0
    )  # the blank row's weight goes with it
    assert weighted.mean == pytest.approx((7 * 1 + 1 * 3) / 4)
    assert weighted.unanswered == 1


def test_records_and_bare_scores_have_no_unanswered_surveys():
    assert csat([5, 4], min_n=0).unanswered == 0
    with pytest.raises(InvalidInputError, match="position 0 holds nan"):
        csat([float("nan")])  # bare scores are answers: a NaN there is a bad value
    assert csat({"score": [None, None]}, min_n=0).to_dict()["unanswered"] == 2
