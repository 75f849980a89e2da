"""NPS scores, intervals, tallies, comparisons and sample sizes against independent references.

References: the worked vectors of the project spec (``spec/metrics.md`` §1.3-1.5, computed
from Rocks 2016 / MeasuringU formulas), MeasuringU's two-sample example, scipy's
one-sample t interval, a Counter-based tally and a mean-of-codes NPS written here.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cshealth import InvalidInputError, SmallSampleWarning, SurveyResponse, to_columns
from cshealth.nps import NPSTally, compare, from_counts, sample_size, score, tally

SPEC = from_counts(promoters=250, passives=675, detractors=75)  # spec §1.3 test vector
SMALL = from_counts(promoters=18, passives=2, detractors=0)  # spec §1.3 small sample


def codes(scores: np.ndarray) -> np.ndarray:
    """The -1/0/+1 code of each answer, computed without the tally."""
    return np.select([scores >= 9, scores >= 7], [1, 0], default=-1)


# --- worked vectors from the spec -------------------------------------------------------------


def test_spec_vector_score_and_wald_interval() -> None:
    assert SPEC.score == pytest.approx(17.5)
    assert SPEC.standard_error == pytest.approx(1.716, abs=5e-4)
    low, high = SPEC.confidence_interval(method="wald")
    assert (round(low, 2), round(high, 2)) == (14.14, 20.86)


def test_spec_vector_adjusted_wald() -> None:
    assert SPEC.adjusted_score == pytest.approx(17.45, abs=5e-3)
    low, high = SPEC.confidence_interval()
    assert (round(low, 2), round(high, 2)) == (14.09, 20.81)


def test_spec_small_sample() -> None:
    low, high = SMALL.confidence_interval(method="wald")
    assert (round(low, 1), high) == (76.9, 100.0)  # clipped
    assert SMALL.adjusted_score == pytest.approx(78.26, abs=5e-3)
    low, high = SMALL.confidence_interval()
    assert (round(low, 1), round(high, 1)) == (58.4, 98.1)


def test_dirichlet_posterior_matches_closed_form_moments() -> None:
    # spec §1.3: Dirichlet(1,1,1) posterior of (0, 2, 18): mean 78.26, sd 10.35 points
    a = np.array([1.0, 3.0, 19.0])
    total = a.sum()
    mean = (a[2] - a[0]) / total
    var = (a[2] * (total - a[2]) + a[0] * (total - a[0]) + 2 * a[2] * a[0]) / (
        total**2 * (total + 1)
    )
    assert 100 * mean == pytest.approx(78.26, abs=5e-3)
    assert 100 * math.sqrt(var) == pytest.approx(10.35, abs=5e-3)
    low, high = SMALL.confidence_interval(method="bayes_dirichlet", n_resamples=200_000)
    draws = np.random.default_rng(1).dirichlet(a, size=400_000)
    ref_low, ref_high = np.quantile(100 * (draws[:, 2] - draws[:, 0]), [0.025, 0.975])
    assert low == pytest.approx(ref_low, abs=0.4)
    assert high == pytest.approx(ref_high, abs=0.4)


def test_measuringu_two_sample_example() -> None:
    res = compare(
        from_counts(promoters=160, passives=160, detractors=80),
        from_counts(promoters=200, passives=180, detractors=70),
    )
    assert (round(res.difference, 2), round(res.statistic, 2)) == (8.85, 1.76)
    assert res.pvalue == pytest.approx(0.079, abs=5e-4)
    low, high = res.confidence_interval()
    assert (low + high) / 2 == pytest.approx(res.difference)
    assert (res.to_dict()["a"]["n"], res.to_dict()["b"]["n"]) == (400, 450)


@pytest.mark.parametrize(
    ("margin", "expected"), [(10, 385), (5, 1537), (3, 4269)]
)  # spec §1.5 worst case
def test_sample_size_worst_case(margin: float, expected: int) -> None:
    assert sample_size(margin) == expected


def test_sample_size_options() -> None:
    n0 = 1.959963984540054**2 / 0.05**2
    assert sample_size(5, population=2000) == math.ceil(n0 / (1 + (n0 - 1) / 2000))
    assert sample_size(10, promoters=0.3, detractors=0.1) < 385
    assert sample_size(10, promoters=1.0, detractors=0.0) == 1
    assert sample_size(10, confidence_level=0.99) > 385


# --- second implementations -------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_score_equals_mean_of_codes_and_counter_tally(seed: int) -> None:
    rng = np.random.default_rng(seed)
    answers = rng.integers(0, 11, size=int(rng.integers(40, 400)))
    res = score(answers)
    assert res.score == pytest.approx(100 * codes(answers).mean())
    counted = Counter("D" if a <= 6 else "N" if a <= 8 else "P" for a in answers.tolist())
    assert (res.detractors, res.passives, res.promoters) == (
        counted["D"],
        counted["N"],
        counted["P"],
    )
    assert res.standard_error == pytest.approx(100 * codes(answers).std() / math.sqrt(len(answers)))


@pytest.mark.parametrize("seed", range(3))
def test_trinomial_t_matches_scipy_one_sample_t(seed: int) -> None:
    answers = np.random.default_rng(seed).integers(0, 11, size=150)
    ref = stats.ttest_1samp(codes(answers), 0.0).confidence_interval(0.9)
    low, high = score(answers).confidence_interval(0.9, method="trinomial_t")
    assert (low, high) == pytest.approx((100 * ref.low, 100 * ref.high))


def test_weighted_score_and_kish_effective_n() -> None:
    rng = np.random.default_rng(7)
    answers = rng.integers(0, 11, size=300)
    weights = rng.uniform(0, 3, size=300)
    weights[:10] = 0
    res = score(answers, weights=weights)
    assert res.score == pytest.approx(100 * np.average(codes(answers), weights=weights))
    kept = weights[weights > 0]
    assert res.n == len(kept)
    assert res.effective_n == pytest.approx(kept.sum() ** 2 / (kept**2).sum())
    assert res.effective_n < res.n


def test_bootstrap_agrees_with_resampling_the_answers() -> None:
    answers = np.random.default_rng(3).integers(0, 11, size=250)
    low, high = score(answers).confidence_interval(method="bootstrap", n_resamples=20_000)
    rng = np.random.default_rng(11)
    resampled = codes(answers)[rng.integers(0, 250, size=(20_000, 250))].mean(axis=1) * 100
    ref_low, ref_high = np.quantile(resampled, [0.025, 0.975])
    assert low == pytest.approx(ref_low, abs=0.8)
    assert high == pytest.approx(ref_high, abs=0.8)
    assert score(answers).confidence_interval(method="bootstrap") == score(
        answers
    ).confidence_interval(method="bootstrap")  # seeded: same inputs, same outputs


def test_adjusted_wald_coverage_by_simulation() -> None:
    rng = np.random.default_rng(2024)
    true = 100 * (0.4 - 0.2)
    hits = 0
    trials = 2000
    for counts in rng.multinomial(120, [0.2, 0.4, 0.4], size=trials):
        d, pa, pr = (int(c) for c in counts)
        interval = from_counts(promoters=pr, passives=pa, detractors=d).confidence_interval()
        hits += interval.contains(true)
    assert 0.93 <= hits / trials <= 0.97


# --- invariants -------------------------------------------------------------------------------

answer_lists = st.lists(st.integers(0, 10), min_size=1, max_size=200)


@given(answer_lists, st.sampled_from(["adjusted_wald", "wald", "bayes_dirichlet"]))
def test_score_and_interval_in_range(answers: list[int], method: str) -> None:
    res = score(answers, min_n=0)
    assert res.score is not None
    assert -100 <= res.score <= 100
    low, high = res.confidence_interval(method=method, n_resamples=1000)
    assert -100 <= low <= high <= 100
    if method == "adjusted_wald":
        assert low <= res.adjusted_score <= high


@given(answer_lists, answer_lists)
def test_tallies_merge_exactly(first: list[int], second: list[int]) -> None:
    assert tally(first).merge(tally(second)) == tally(first + second)
    assert tally(first) + tally(second) == tally(second) + tally(first)


# --- input forms ------------------------------------------------------------------------------


def response(i: int, value: int, **changes: object) -> SurveyResponse:
    data: dict[str, object] = {
        "id": f"R{i}",
        "account_id": "A",
        "contact_id": f"C{i}",
        "kind": "nps",
        "survey_type": "relationship",
        "score": value,
        "submitted_at": datetime(2025, 1, 1, tzinfo=timezone.utc),
    }
    data.update(changes)
    return SurveyResponse.model_validate(data)


def test_every_input_form_gives_the_same_tally() -> None:
    answers = [10, 9, 8, 6, 0, 10]
    records = [response(i, a) for i, a in enumerate(answers)]
    expected = tally(answers)
    assert tally(records) == expected
    assert tally(to_columns(records)) == expected
    assert tally({"score": answers}) == expected
    assert tally(pd.DataFrame({"score": answers})) == expected
    assert tally(np.array(answers, dtype=float)) == expected
    assert tally(expected) is expected


def test_record_weights_are_used() -> None:
    records = [response(0, 10, weight=3.0), response(1, 0, weight=1.0)]
    assert score(records, min_n=0).score == pytest.approx(50.0)


def test_empty_input_is_undefined_not_zero() -> None:
    with pytest.warns(SmallSampleWarning):
        res = score([])
    assert res.score is None
    assert res.standard_error is None
    assert res.adjusted_score is None
    assert repr(res) == "NPSResult(score=None, n=0)"
    assert res.to_dict()["confidence_interval"] is None
    with pytest.raises(InvalidInputError, match="no responses"):
        res.confidence_interval()


def test_small_sample_warns() -> None:
    with pytest.warns(SmallSampleWarning, match="fewer than min_n=30"):
        score([10] * 29)


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ([10, 11], "position 1 holds 11"),
        ([-1, 5], "position 0 holds -1"),
        ([7.5], "position 0 holds 7.5"),
        ([float("nan")], "position 0 holds nan"),
        (["ten"], "array of <U3"),
        (np.array([9, "ten"], dtype=object), "not numbers"),
        ([[1, 2], [3, 4]], "one-dimensional"),
        (np.array(["2024-01-01"], dtype="datetime64[D]"), "array of datetime64"),
    ],
)
def test_bad_scores(answers: object, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        tally(answers)


@pytest.mark.parametrize(
    ("weights", "fragment"),
    [([1.0, -1.0], "position 1 holds -1.0"), ([1.0, math.inf], "finite"), ([1.0], "one weight")],
)
def test_bad_weights(weights: list[float], fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        tally([9, 10], weights=weights)


def test_responses_must_be_nps_and_not_pooled() -> None:
    with pytest.raises(InvalidInputError, match="no responses of kind 'nps' among 1"):
        tally({"score": [4], "kind": ["csat"]})
    mixed = [response(0, 9), response(1, 9, survey_type="transactional")]
    with pytest.raises(InvalidInputError, match="never pooled"):
        tally(mixed)
    with pytest.raises(InvalidInputError, match=r"need the columns \['score'\]"):
        tally({"rating": [9]})
    with pytest.raises(InvalidInputError, match="row 2: `survey_type` is 'annual'"):
        tally({"score": [4, 5], "survey_type": ["relationship", "annual"]})


def test_other_kinds_are_set_aside() -> None:
    """A whole survey table (NPS, CSAT and CES rows) scores its NPS rows only."""
    columns = {"score": [10, 9, 2, 1], "kind": ["nps", "nps", "nps", "csat"]}
    assert tally(columns) == NPSTally.from_scores([10, 9, 2])
    assert tally(columns | {"survey_type": ["transactional"] * 4}).n == 3


@pytest.mark.parametrize(
    ("counts", "fragment"),
    [((-1, 0, 0), "`detractors`"), ((0, 1.5, 0), "`passives`"), ((0, 0, True), "`promoters`")],
)
def test_bad_counts(counts: tuple[int, int, int], fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        NPSTally.from_counts(**dict(zip(("detractors", "passives", "promoters"), counts)))


def test_bad_interval_options() -> None:
    with pytest.raises(InvalidInputError, match="`method` must be one of"):
        SPEC.confidence_interval(method="exact")
    with pytest.raises(InvalidInputError, match="at least 1000"):
        SPEC.confidence_interval(method="bootstrap", n_resamples=10)
    with pytest.raises(InvalidInputError, match="three pseudo-counts"):
        SPEC.confidence_interval(method="bayes_dirichlet", prior=(1.0, 0.0, 1.0))
    with pytest.raises(InvalidInputError, match="two responses"):
        from_counts(promoters=1, passives=0, detractors=0).confidence_interval(method="trinomial_t")
    with pytest.raises(InvalidInputError, match="confidence_level"):
        SPEC.confidence_interval(1.5)


def test_compare_refusals_and_edge_cases() -> None:
    with pytest.raises(InvalidInputError, match="`method` must be one of"):
        compare(SPEC, SPEC, method="t")
    with pytest.raises(InvalidInputError, match="sample `b` has no responses"):
        compare(SPEC, from_counts(promoters=0, passives=0, detractors=0))
    shared = [response(0, 9), response(1, 3)]
    with pytest.raises(InvalidInputError, match="share 2 respondents"):
        compare(shared, shared)
    five_passives = from_counts(promoters=0, passives=5, detractors=0)
    same = compare(five_passives, five_passives, method="wald")
    assert (same.statistic, same.pvalue) == (0.0, 1.0)
    apart = compare(
        from_counts(promoters=0, passives=0, detractors=5),
        from_counts(promoters=5, passives=0, detractors=0),
        method="wald",
    )
    assert (apart.statistic, apart.pvalue, apart.difference) == (math.inf, 0.0, 200.0)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"margin": 0}, "`margin`"),
        ({"margin": 5, "promoters": 1.2}, "`promoters`"),
        ({"margin": 5, "promoters": 0.7, "detractors": 0.5}, "<= 1"),
        ({"margin": 5, "population": 0}, "`population`"),
    ],
)
def test_sample_size_bad_arguments(kwargs: dict[str, float], fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        sample_size(**kwargs)


def test_result_to_dict_and_repr() -> None:
    data = SPEC.to_dict()
    assert data["score"] == pytest.approx(17.5)
    assert data["method"] == "adjusted_wald"
    assert repr(SPEC).startswith("NPSResult(score=17.5, n=1000, 95% CI [14.1, 20.8]")
    assert SPEC.tally.to_dict()["promoters"] == 250
    assert SPEC.passive_share == pytest.approx(0.675)


def test_adding_something_else_to_a_tally_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        tally([9]) + 1


def test_one_shot_iterators_are_read_once() -> None:
    assert tally(x for x in [10, 9, 3]) == tally([10, 9, 3])
    records = [response(0, 10), response(1, 2)]
    assert tally(iter(records)) == tally(records)
    res = compare((x for x in [10] * 40), (x for x in [0] * 40))
    assert (res.a.n, res.b.n) == (40, 40)


def test_weights_argument_overrides_the_weight_column() -> None:
    columns = {"score": [10, 0], "weight": [1.0, 1.0]}
    assert tally(columns, weights=[3.0, 1.0]).promoter_weight == 3.0


# --- pinned by mutation testing (issue 13 §6) ----------------------------------------------


def test_weighted_tally_without_promoters_or_tens() -> None:
    # hand-worked: scores 0, 7, 8 weighted 1, 2, 3 -> one detractor (weight 1), two passives
    # (weight 2 + 3), no promoter; Σw² = 1 + 4 + 9. No score of 10 in the data, so the
    # per-score counts must still cover all eleven scores.
    t = tally([0, 7, 8], weights=[1.0, 2.0, 3.0])
    assert t.to_dict() == {
        "detractors": 1,
        "passives": 2,
        "promoters": 0,
        "detractor_weight": 1.0,
        "passive_weight": 5.0,
        "promoter_weight": 0.0,
        "weight_squares": 14.0,
    }
    assert t.effective_n == pytest.approx(36.0 / 14.0)


def test_empty_and_all_zero_weights_tally_nothing() -> None:
    # rows of weight 0 are left out: all of them out is the empty tally, with no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tally([], weights=[]) == NPSTally()
        assert tally([9, 10, 3], weights=[0.0, 0.0, 0.0]) == NPSTally()


@pytest.mark.parametrize("weight", [1e200, 1e-170, 1e101, 1e-101])
def test_extreme_equal_weights_give_the_unweighted_nps(weight: float) -> None:
    # issue 13 §5: NPS depends on the weights only through their ratios, so equal weights of
    # any size give the unweighted answer: 15 promoters, 10 detractors of 30 -> 16.67
    answers = [10, 9, 9, 7, 3, 0] * 5
    weighted = score(answers, weights=[weight] * len(answers))
    plain = score(answers)
    assert weighted.score == pytest.approx(100.0 * (15 - 10) / 30)
    assert weighted.score == pytest.approx(plain.score)
    assert weighted.confidence_interval() == pytest.approx(plain.confidence_interval())
    t = weighted.tally
    assert (t.detractors, t.passives, t.promoters) == (10, 5, 15)
    assert t.effective_n == pytest.approx(30.0)
    assert math.isfinite(t.total_weight)
    assert t.total_weight > 0


def test_weights_are_rescaled_only_outside_the_documented_range() -> None:
    # the docstring: weights are divided by the largest when it lies outside 1e-100..1e100
    assert tally([9, 10], weights=[1e-100, 1e-100]).total_weight == 2e-100
    assert tally([9, 10], weights=[1e100, 1e100]).total_weight == 2e100
    assert tally([9, 10], weights=[1e101, 5e100]).total_weight == 1.5
    assert tally([9, 10], weights=[1e-101, 5e-102]).total_weight == 1.5


def test_text_weights_are_refused_by_name() -> None:
    with pytest.raises(InvalidInputError, match="`weights`"):
        tally([9, 10], weights=["1", "2"])


def test_counts_beyond_what_a_float_holds_are_refused() -> None:
    top = NPSTally.from_counts(detractors=2**53, passives=0, promoters=0)
    assert top.detractors == 2**53
    with pytest.raises(InvalidInputError, match="`detractors` must be a whole number"):
        NPSTally.from_counts(detractors=2**53 + 1, passives=0, promoters=0)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([0, 11], "position 1 holds 11 (1 bad values in all)"),
        ([1, 0, -1, 12], "position 2 holds -1 (2 bad values in all)"),
        # an object column (e.g. read from a mixed spreadsheet) shows its Python values
        (np.array([9, 12], dtype=object), "position 1 holds 12 (1 bad values in all)"),
        (np.array([9, 2.5], dtype=object), "position 1 holds 2.5 (1 bad values in all)"),
    ],
)
def test_out_of_range_scores_name_the_first_bad_position(answers: object, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        tally(answers)
    assert str(caught.value) == f"`data` must be whole numbers 0..10; {message}"


def test_scores_that_are_not_numbers_message_in_full() -> None:
    with pytest.raises(InvalidInputError) as caught:
        tally(np.array([9, "ten"], dtype=object))
    assert str(caught.value) == "`data` must be whole numbers 0..10; some values are not numbers"


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: score([9, 11]), "`data` must be whole numbers 0..10; position 1 holds 11"),
        (lambda: tally([[9, 10]]), "`data` must be one-dimensional, got shape (1, 2)"),
        (lambda: NPSTally.from_scores([11]), "`scores` must be whole numbers 0..10; position 0"),
        (lambda: compare([12], [9]), "`a` must be whole numbers 0..10; position 0 holds 12"),
        (lambda: compare([9], [-1]), "`b` must be whole numbers 0..10; position 0 holds -1"),
        (lambda: score({"score": [9, 11]}), "column `score` must be whole numbers 0..10; position"),
        (
            lambda: score({"score": [9, 3]}, weights=True),
            "`weights` must be a sequence of values (one per response), got bool True",
        ),
        (
            lambda: score({"score": [9, 3]}, weights=[1.0]),
            "`weights` must hold one weight per row of the data (2), got 1",
        ),
    ],
)
def test_a_message_names_the_callers_parameter(call: object, named: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        call()  # type: ignore[operator]
    assert str(caught.value).startswith(named)


def test_from_counts_takes_the_counts_by_name_only() -> None:
    with pytest.raises(TypeError):
        from_counts(75, 675, 250)  # type: ignore[misc]
    res = from_counts(promoters=250, passives=675, detractors=75)
    assert (res.tally.promoters, res.tally.passives, res.tally.detractors) == (250, 675, 75)


def test_tally_to_dict_has_every_field_in_order() -> None:
    t = NPSTally.from_scores([10, 9, 8, 0], weights=[2.0, 1.0, 1.0, 1.0])
    assert list(t.to_dict()) == [
        "detractors",
        "passives",
        "promoters",
        "detractor_weight",
        "passive_weight",
        "promoter_weight",
        "weight_squares",
    ]
    assert list(t.to_dict().values()) == [1, 1, 2, 1.0, 1.0, 3.0, 7.0]


# --- unanswered surveys (issue 13): counted apart, left out of the score ----------------------


def test_unanswered_scores_in_columns_are_counted_apart_and_left_out():
    import pandas as pd

    frame = pd.DataFrame({"score": [10, None, 9, 3, None, 7], "weight": [1, 9, 2, 1, 9, 1]})
    got = score(frame, min_n=0)
    # the reference: the answers alone, the unanswered rows deleted by hand
    want = score({"score": [10, 9, 3, 7], "weight": [1, 2, 1, 1]}, min_n=0)
    assert (got.score, got.n, got.effective_n) == (want.score, want.n, want.effective_n)
    assert (got.unanswered, want.unanswered) == (2, 0)
    assert got.score == pytest.approx(100 * (1 + 2 - 1) / 5)  # weighted: (P - D) / Σw
    assert got.to_dict()["unanswered"] == 2
    assert repr(got).endswith("detractors=1, unanswered=2)")
    only_blank = score({"score": [None, float("nan")]}, min_n=0)
    assert (only_blank.score, only_blank.n, only_blank.unanswered) == (None, 0, 2)
    assert repr(only_blank) == "NPSResult(score=None, n=0, unanswered=2)"


def test_tally_reads_the_weight_field_of_records_and_columns() -> None:
    # hand-worked: a promoter of weight 3 and a detractor of weight 1 -> Σw² = 9 + 1
    expected = NPSTally(
        detractors=1, passives=0, promoters=1,
        detractor_weight=1.0, passive_weight=0.0, promoter_weight=3.0, weight_squares=10.0,
    )  # fmt: skip
    records = [response(0, 10, weight=3.0), response(1, 0, weight=1.0)]
    assert tally(records) == expected
    assert tally({"score": [10, 0], "weight": [3.0, 1.0]}) == expected
    assert tally(pd.DataFrame({"score": [10, 0], "weight": [3.0, 1.0]})) == expected
