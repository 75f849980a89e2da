"""NPS migration between two waves against independent references.

References: scipy's paired t-test (``scipy.stats.ttest_rel``) on the -1/0/+1 codes of the
matched respondents; a second implementation of the transition matrix, entrants, leavers,
promoter retention and detractor recovery written here with plain dicts and loops; and a
small panel worked by hand (spec ``metrics.md`` §1.8).
"""

from __future__ import annotations

import json
import math
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cshealth import InvalidInputError, SmallSampleWarning, SurveyResponse, to_columns
from cshealth.models import SurveyType
from cshealth.nps._migration import migration
from cshealth.nps._migration_result import CATEGORIES, NPSMigration

#: Respondent -> 0-10 score; (respondent or None, score, hours after T0) as a row.
Wave = dict[object, int]
Row = tuple[int | None, int, int]

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


# --- plain-Python references -----------------------------------------------------------------


def category(score: int) -> str:
    if score <= 6:
        return "detractor"
    return "passive" if score <= 8 else "promoter"


def code(score: int) -> int:
    return {"detractor": -1, "passive": 0, "promoter": 1}[category(score)]


def reference(wave1: Wave, wave2: Wave) -> dict[str, object]:
    """Transitions, entrants, leavers, retention and recovery with dicts and loops."""
    counts = {a: dict.fromkeys(CATEGORIES, 0) for a in CATEGORIES}
    for person, first in wave1.items():
        if person in wave2:
            counts[category(first)][category(wave2[person])] += 1
    promoters = sum(counts["promoter"].values())
    detractors = sum(counts["detractor"].values())
    return {
        "transitions": [[counts[a][b] for b in CATEGORIES] for a in CATEGORIES],
        "entrants": len([p for p in wave2 if p not in wave1]),
        "leavers": len([p for p in wave1 if p not in wave2]),
        "promoter_retention": (counts["promoter"]["promoter"] / promoters if promoters else None),
        "detractor_recovery": (
            (counts["detractor"]["passive"] + counts["detractor"]["promoter"]) / detractors
            if detractors
            else None
        ),
    }


def latest(rows: list[Row]) -> Wave:
    """Respondent -> score of the latest answer (by time, ties: later row), with a loop."""
    best: dict[object, tuple[int, tuple[int, int]]] = {}
    for position, (person, score, when) in enumerate(rows):
        if person is None:
            continue
        if person not in best or (when, position) >= best[person][1]:
            best[person] = (score, (when, position))
    return {person: score for person, (score, _) in best.items()}


def records(
    wave: Wave, *, survey_type: SurveyType = "relationship", prefix: str = "R"
) -> list[SurveyResponse]:
    return [
        SurveyResponse(
            id=f"{prefix}-{i}",
            account_id="A-1",
            contact_id=None if person is None else str(person),
            kind="nps",
            survey_type=survey_type,
            score=score,
            submitted_at=T0 + timedelta(days=i),
        )
        for i, (person, score) in enumerate(wave.items())
    ]


def columns(wave: Wave) -> dict[str, list[object]]:
    return {"contact_id": list(wave), "score": list(wave.values())}


def random_waves(seed: int, size: int = 300) -> tuple[Wave, Wave]:
    rng = np.random.default_rng(seed)
    people = [f"C-{i}" for i in range(size)]
    first = rng.choice(people, size=size * 2 // 3, replace=False).tolist()
    second = rng.choice(people, size=size * 2 // 3, replace=False).tolist()
    # scores in wave 2 drift up a little from wave 1 for those in both
    wave1: Wave = {p: int(rng.integers(0, 11)) for p in first}
    wave2: Wave = {p: int(np.clip(wave1.get(p, 7) + rng.integers(-3, 5), 0, 10)) for p in second}
    return wave1, wave2


SPRING: Wave = {"ann": 9, "bob": 10, "cat": 7, "dan": 3, "eve": 5, "fay": 8}
AUTUMN: Wave = {"ann": 10, "bob": 6, "cat": 9, "dan": 8, "eve": 7, "gus": 9}


# --- the hand-worked example -----------------------------------------------------------------


def test_hand_worked_example() -> None:
    """Five people in both waves, one leaver (fay), one entrant (gus).

    Categories spring -> autumn: ann P->P, bob P->D, cat N->P, dan D->N, eve D->N. So the
    transition rows (D, N, P) are D: [0, 2, 0], N: [0, 0, 1], P: [1, 0, 1]. The panel's
    spring NPS is (2 promoters - 2 detractors) / 5 = 0, its autumn NPS (2 - 1) / 5 = +20.
    The code changes are 0, -2, +1, +1, +1: mean 0.2 (+20 points); the squared deviations
    from 0.2 are 0.04 + 4.84 + 3 × 0.64 = 6.8, so sd = sqrt(6.8 / 4) = 1.3038, the standard
    error 1.3038 / sqrt(5) = 0.5831 (58.31 points) and t = 0.2 / 0.5831 = 0.3430 with 4
    degrees of freedom. Promoter retention: ann of {ann, bob} = 0.5; detractor recovery:
    dan and eve of {dan, eve} = 1.0.
    """
    res = migration(SPRING, AUTUMN, min_n=0)
    assert res.transitions.tolist() == [[0, 2, 0], [0, 0, 1], [1, 0, 1]]
    assert (res.matched, res.entrants, res.leavers) == (5, 1, 1)
    assert (res.before.score, res.after.score) == (0.0, 20.0)
    assert res.change == pytest.approx(20.0)
    se = 100 * math.sqrt(6.8 / 4) / math.sqrt(5)
    assert res.standard_error == pytest.approx(se)
    assert round(se, 2) == 58.31
    assert res.statistic == pytest.approx(20.0 / se)
    assert res.statistic is not None
    assert round(res.statistic, 3) == 0.343
    assert res.pvalue == pytest.approx(2 * stats.t.sf(20.0 / se, df=4))
    assert (res.promoter_retention, res.detractor_recovery) == (0.5, 1.0)
    assert res.shares.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.0, 0.5]]
    assert res.method == "paired_t"
    assert res.unidentified == (0, 0)
    assert res.duplicates == (0, 0)
    assert res.survey_type is None


# --- paired t-test against scipy -------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_paired_t_matches_scipy_ttest_rel(seed: int, level: float) -> None:
    wave1, wave2 = random_waves(seed)
    both = [p for p in wave1 if p in wave2]
    before = np.array([code(wave1[p]) for p in both])
    after = np.array([code(wave2[p]) for p in both])
    ref = stats.ttest_rel(after, before)
    res = migration(wave1, wave2)
    assert res.matched == len(both)
    assert res.change == pytest.approx(100 * (after - before).mean())
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.standard_error == pytest.approx(100 * stats.sem(after - before), rel=1e-10)
    ref_low, ref_high = ref.confidence_interval(confidence_level=level)
    low, high = res.confidence_interval(level)
    assert low == pytest.approx(100 * ref_low)
    assert high == pytest.approx(100 * ref_high)


def test_change_equals_difference_of_panel_scores() -> None:
    wave1, wave2 = random_waves(7)
    res = migration(wave1, wave2)
    before, after = res.before.score, res.after.score
    assert before is not None
    assert after is not None
    assert res.change == pytest.approx(after - before)
    assert res.before.n == res.after.n == res.matched


# --- transitions, entrants, leavers against the dict reference -------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_transitions_match_dict_reference(seed: int) -> None:
    wave1, wave2 = random_waves(seed, size=120)
    res = migration(wave1, wave2, min_n=0)
    ref = reference(wave1, wave2)
    assert res.transitions.tolist() == ref["transitions"]
    assert (res.entrants, res.leavers) == (ref["entrants"], ref["leavers"])
    assert res.promoter_retention == pytest.approx(ref["promoter_retention"])
    assert res.detractor_recovery == pytest.approx(ref["detractor_recovery"])


def test_retention_and_recovery_none_without_promoters_or_detractors() -> None:
    res = migration({"a": 7, "b": 8}, {"a": 9, "b": 3}, min_n=0)
    assert res.promoter_retention is None
    assert res.detractor_recovery is None
    assert np.isnan(res.shares[0]).all()
    assert np.isnan(res.shares[2]).all()
    assert res.to_dict()["shares"] == [[None, None, None], [0.5, 0.0, 0.5], [None, None, None]]


# --- Hypothesis invariants -------------------------------------------------------------------

numbered = st.dictionaries(st.integers(0, 25), st.integers(0, 10), max_size=30)
named = st.dictionaries(st.sampled_from(["ann", "bob", "cat", "dan", "eve"]), st.integers(0, 10))
two_waves = st.tuples(numbered, numbered) | st.tuples(named, named)


@given(two_waves)
def test_invariants_of_mapping_waves(waves: tuple[Wave, Wave]) -> None:
    wave1, wave2 = waves
    res = migration(wave1, wave2, min_n=0)
    assert res.transitions.sum() == res.matched
    assert res.matched + res.leavers == len(wave1)
    assert res.matched + res.entrants == len(wave2)
    totals = res.transitions.sum(axis=1)
    defined = totals > 0
    assert np.allclose(res.shares[defined].sum(axis=1), 1.0)
    assert np.isnan(res.shares[~defined]).all()
    swapped = migration(wave2, wave1, min_n=0)
    assert swapped.transitions.tolist() == res.transitions.T.tolist()
    assert (swapped.entrants, swapped.leavers) == (res.leavers, res.entrants)
    if res.matched == 0:
        assert res.change is None
        assert swapped.change is None
    else:
        before, after, change = res.before.score, res.after.score, res.change
        assert before is not None
        assert after is not None
        assert change is not None
        assert change == pytest.approx(after - before, abs=1e-9)
        assert swapped.change == pytest.approx(-change, abs=1e-9)
        assert -200 <= change <= 200
    if res.statistic is not None:
        assert swapped.statistic == pytest.approx(-res.statistic)
        assert swapped.pvalue == pytest.approx(res.pvalue)


answer_rows = st.lists(
    st.tuples(st.none() | st.integers(0, 12), st.integers(0, 10), st.integers(0, 3)),
    max_size=30,
)


def as_columns(rows: list[Row]) -> dict[str, list[object]]:
    return {
        "contact_id": [person for person, _, _ in rows],
        "score": [score for _, score, _ in rows],
        "submitted_at": [T0 + timedelta(hours=when) for _, _, when in rows],
    }


@given(answer_rows, answer_rows)
def test_invariants_with_repeats_and_unidentified_rows(rows1: list[Row], rows2: list[Row]) -> None:
    res = migration(as_columns(rows1), as_columns(rows2), min_n=0)
    identified1 = {person for person, _, _ in rows1 if person is not None}
    assert res.matched + res.leavers == len(identified1)
    assert res.unidentified[0] == sum(person is None for person, _, _ in rows1)
    assert res.matched + res.leavers + res.duplicates[0] + res.unidentified[0] == len(rows1)
    assert res.matched + res.entrants + res.duplicates[1] + res.unidentified[1] == len(rows2)
    # the latest answer of each respondent, found with a loop, gives the same migration
    plain = migration(latest(rows1), latest(rows2), min_n=0)
    assert res.transitions.tolist() == plain.transitions.tolist()
    assert (res.entrants, res.leavers) == (plain.entrants, plain.leavers)
    assert res.change == plain.change


# --- the same answers in every accepted form -------------------------------------------------


def test_mapping_records_table_columns_and_frame_agree() -> None:
    wave1, wave2 = random_waves(3, size=90)
    expected = migration(wave1, wave2, min_n=0).to_dict()
    assert expected.pop("survey_type") is None
    forms = {
        "records": (records(wave1), records(wave2, prefix="S")),
        "table": (to_columns(records(wave1)), to_columns(records(wave2, prefix="S"))),
        "columns": (columns(wave1), columns(wave2)),
        "frame": (pd.DataFrame(columns(wave1)), pd.DataFrame(columns(wave2))),
        "mixed": (wave1, records(wave2)),
        "iterator": (iter(records(wave1)), (r for r in records(wave2))),
    }
    for name, (first, second) in forms.items():
        got = migration(first, second, min_n=0).to_dict()
        survey_type = got.pop("survey_type")
        assert got == expected, name
        assert survey_type == (None if name in ("columns", "frame") else "relationship")


def test_other_respondent_column_and_kinds_set_aside() -> None:
    first = {"account_id": ["A", "B", "C"], "score": [9, 2, 7], "kind": ["nps"] * 3}
    second = {
        "account_id": ["A", "B", "C", "A"],
        "score": [3, 9, 8, 5],
        "kind": ["nps", "nps", "nps", "csat"],  # the CSAT answer is set aside
    }
    res = migration(first, second, respondent="account_id", min_n=0)
    assert res.transitions.tolist() == [[0, 0, 1], [0, 1, 0], [1, 0, 0]]
    assert res.duplicates == (0, 0)


def test_identifiers_follow_the_one_rule() -> None:
    # whole numbers and text never match: an error naming both waves, not 0 matched
    with pytest.raises(InvalidInputError, match=r"`wave1`: whole numbers; `wave2`: text"):
        migration({1: 9}, {"1": 9}, min_n=0)
    with pytest.raises(InvalidInputError, match="whole numbers and text are mixed"):
        migration({1: 9, "1": 3}, {1: 10}, min_n=0)
    with pytest.raises(InvalidInputError, match="expected an identifier"):
        migration({(1, 2): 9}, {(1, 2): 0}, min_n=0)  # a tuple is not an identifier
    assert migration({" a": 9}, {"a ": 0}, min_n=0).transitions[2, 0] == 1  # text is trimmed
    numeric = {"contact_id": [1.0, 2.0, float("nan")], "score": [9, 9, 9]}
    res = migration(numeric, {2: 0, 3: 9}, min_n=0)
    assert (res.matched, res.leavers, res.entrants, res.unidentified) == (1, 1, 1, (1, 0))
    big = 2**62  # big and big + 1 are one float64: the waves must not be joined as floats
    signed = {"contact_id": np.array([big, big + 1], dtype=np.int64), "score": [9, 2]}
    unsigned = {"contact_id": np.array([big + 1], dtype=np.uint64), "score": [9]}
    res = migration(signed, unsigned, min_n=0)
    assert res.transitions.tolist() == [[0, 0, 1], [0, 0, 0], [0, 0, 0]]
    with pytest.raises(InvalidInputError, match="fit in 64 bits"):
        migration({"contact_id": np.array([2**63], dtype=np.uint64), "score": [9]}, {1: 9})


# --- repeat respondents and missing identifiers ----------------------------------------------


def test_latest_answer_kept_and_ties_go_to_the_later_row() -> None:
    first = {
        "contact_id": ["a", "a", "b", "b", "c"],
        "score": [0, 10, 9, 3, 8],
        "submitted_at": [T0, T0 + timedelta(days=1), T0, T0, T0],  # b: a tie
    }
    res = migration(first, {"a": 10, "b": 10, "c": 10}, min_n=0)
    assert res.duplicates == (2, 0)
    # a: the later 10 (promoter); b: the later row's 3 (detractor); c: passive
    assert res.transitions.tolist() == [[0, 0, 1], [0, 0, 1], [0, 0, 1]]


def test_repeated_records_keep_the_latest() -> None:
    answers = records({"a": 2, "b": 9})
    later = SurveyResponse(
        id="R-9",
        account_id="A-1",
        contact_id="a",
        kind="nps",
        survey_type="relationship",
        score=9,
        submitted_at=T0 + timedelta(days=30),
    )
    res = migration([later, *answers], records({"a": 9, "b": 9}, prefix="S"), min_n=0)
    assert res.promoter_retention == 1.0
    assert res.transitions[2, 2] == 2
    assert res.duplicates == (1, 0)


def test_repeats_without_submitted_at_are_refused_naming_the_respondent() -> None:
    first = {"contact_id": ["a", "x", "x", "y", "y"], "score": [9, 9, 3, 1, 2]}
    with pytest.raises(InvalidInputError, match=r"`wave1`: respondent 'x' answered more") as err:
        migration(first, {"a": 9}, min_n=0)
    assert "2 such respondents" in str(err.value)
    assert "`submitted_at`" in str(err.value)


def test_a_missing_submitted_at_is_refused() -> None:
    second = {"contact_id": ["a", "a"], "score": [9, 3], "submitted_at": [T0, None]}
    with pytest.raises(InvalidInputError, match=r"`wave2`: 1 of 2 values of `submitted_at`") as err:
        migration({"a": 9}, second, min_n=0)
    assert [(e.row, e.field) for e in err.value.errors] == [(2, "submitted_at")]


def test_unidentified_rows_are_counted_not_matched() -> None:
    first = records({"a": 9, "b": 3}) + records({None: 10}, prefix="X")
    second = {"contact_id": [None, "a", None, "b"], "score": [1, 9, 2, 8]}
    res = migration(first, second, min_n=0)
    assert res.unidentified == (1, 2)
    assert (res.matched, res.entrants, res.leavers) == (2, 0, 0)
    assert migration({None: 9, "a": 3}, {"a": 9}, min_n=0).unidentified == (1, 0)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [11, -1, 7.5, float("nan"), float("inf"), "9", None, [1, 2]])
def test_bad_scores_in_a_mapping(bad: object) -> None:
    with pytest.raises(InvalidInputError, match=r"the scores of `wave2` must be whole numbers"):
        migration({"a": 9}, {"a": 9, "b": bad}, min_n=0)


@pytest.mark.parametrize(
    ("bad", "message"),
    # an empty score (NaN) in columns is an unanswered survey, left out: not a bad value
    [(11, "0..10"), (-2, "0..10"), (7.5, "whole numbers"), (float("inf"), "whole numbers")],
)
def test_bad_scores_in_columns(bad: object, message: str) -> None:
    first = {"contact_id": ["a", "b"], "score": [9, bad]}
    with pytest.raises(InvalidInputError, match=rf"`wave1`.*{message}"):
        migration(first, {"a": 9}, min_n=0)


def test_waves_of_different_survey_types_are_never_pooled() -> None:
    first = records({"a": 9, "b": 3})
    second = records({"a": 9, "b": 3}, survey_type="transactional", prefix="S")
    with pytest.raises(InvalidInputError, match="never pooled"):
        migration(first, second, min_n=0)
    with pytest.raises(InvalidInputError, match=r"`wave1`:.*never pooled"):
        migration(first + second, {"a": 9}, min_n=0)
    res = migration({"a": 9}, second, min_n=0)
    assert res.survey_type == "transactional"
    assert migration(second, {"a": 9}, min_n=0).survey_type == "transactional"
    assert migration(second, second, min_n=0).survey_type == "transactional"


def test_unhashable_or_nested_identifiers() -> None:
    unhashable = {"contact_id": [{"a": 1}, {"b": 2}], "score": [9, 3]}
    with pytest.raises(
        InvalidInputError, match=r"row 1: `wave1\['contact_id'\]` = \{'a': 1\}: expected an"
    ):
        migration(unhashable, {"a": 9}, min_n=0)
    nested = {"contact_id": [[1, 2], [3, 4]], "score": [9, 3]}
    with pytest.raises(
        InvalidInputError, match=r"row 2: `wave1\['contact_id'\]` = array\(\[3, 4\]\): expected"
    ):
        migration(nested, {"a": 9}, min_n=0)


def test_missing_column_wrong_form_and_bad_options() -> None:
    with pytest.raises(InvalidInputError, match=r"`wave1`:.*\['contact_id'\]"):
        migration({"score": [9, 3]}, {"a": 9}, min_n=0)
    with pytest.raises(InvalidInputError, match=r"`wave2`:.*got list"):
        migration({"a": 9}, [9, 10, 3], min_n=0)
    with pytest.raises(InvalidInputError, match="`respondent`"):
        migration({"a": 9}, {"a": 9}, respondent="", min_n=0)
    res = migration(SPRING, AUTUMN, min_n=0)
    with pytest.raises(InvalidInputError, match="`confidence_level`"):
        res.confidence_interval(1.5)


# --- edge cases ------------------------------------------------------------------------------


@pytest.mark.parametrize("empty", [{}, [], {"contact_id": [], "score": []}])
def test_empty_waves(empty: object) -> None:
    with pytest.warns(SmallSampleWarning, match="0 matched"):
        res = migration(empty, empty)
    assert (res.matched, res.entrants, res.leavers) == (0, 0, 0)
    assert res.change is None
    assert res.standard_error is None
    assert res.statistic is None
    assert res.pvalue is None
    assert res.before.score is None
    assert res.promoter_retention is None
    assert np.isnan(res.shares).all()
    with pytest.raises(InvalidInputError, match="at least two respondents"):
        res.confidence_interval()
    assert res.to_dict()["confidence_interval"] is None
    assert repr(res).startswith("NPSMigration(change=None, matched=0")


def test_one_matched_respondent() -> None:
    res = migration({"a": 2, "b": 9}, {"a": 10}, min_n=0)
    assert res.change == 200.0
    assert (res.standard_error, res.statistic, res.pvalue) == (None, None, None)
    with pytest.raises(InvalidInputError, match="needs at least two respondents in both waves"):
        res.confidence_interval()
    assert repr(res).startswith("NPSMigration(change=+200.0, matched=1, entrants=0, leavers=1")


@pytest.mark.parametrize(
    ("wave1", "wave2", "change", "statistic", "pvalue"),
    [
        ({"a": 10, "b": 8, "c": 2}, {"a": 9, "b": 7, "c": 3}, 0.0, 0.0, 1.0),  # nobody moved
        ({"a": 8, "b": 2}, {"a": 9, "b": 7}, 100.0, math.inf, 0.0),  # everybody up one
        ({"a": 9, "b": 7}, {"a": 7, "b": 3}, -100.0, -math.inf, 0.0),  # everybody down one
    ],
)
def test_every_change_equal(
    wave1: Wave, wave2: Wave, change: float, statistic: float, pvalue: float
) -> None:
    """sd(d) = 0: the documented limits (scipy's ttest_rel gives NaN here)."""
    res = migration(wave1, wave2, min_n=0)
    assert res.change == change
    assert res.standard_error == 0.0
    assert res.statistic == statistic
    assert res.pvalue == pvalue
    assert res.confidence_interval() == (change, change)


def test_small_sample_warning_only_below_min_n() -> None:
    with pytest.warns(SmallSampleWarning, match="fewer than min_n=6"):
        migration(SPRING, AUTUMN, min_n=6)
    migration(SPRING, AUTUMN, min_n=5)  # filterwarnings=error: no warning at the floor


# --- presentation ----------------------------------------------------------------------------


def test_repr_table_and_to_dict() -> None:
    res = migration(SPRING, AUTUMN, min_n=0)
    assert repr(res) == (
        "NPSMigration(change=+20.0, 95% CI [-141.9, 181.9], pvalue=0.749, matched=5, "
        "entrants=1, leavers=1, promoter_retention=0.50, detractor_recovery=1.00)"
    )
    lines = res.format().splitlines()
    assert lines[0].split() == ["wave", "1", "→", "wave", "2", *CATEGORIES, "total"]
    assert lines[-1].split() == ["total", "1", "2", "2", "5"]
    assert res.format(shares=True).splitlines()[3].split() == ["promoter", "50%", "0%", "50%", "2"]
    empty_row = migration({"a": 9}, {"a": 9}, min_n=0).format(shares=True).splitlines()[1]
    assert empty_row.split() == ["detractor", "--", "--", "--", "0"]
    data = json.loads(json.dumps(res.to_dict()))
    assert data["transitions"] == [[0, 2, 0], [0, 0, 1], [1, 0, 1]]
    assert data["confidence_interval"] == res.confidence_interval()._asdict()
    assert (data["before"], data["after"], data["method"]) == (0.0, 20.0, "paired_t")
    assert (data["matched"], data["unidentified"], data["duplicates"]) == (5, [0, 0], [0, 0])


def test_result_is_frozen() -> None:
    res = migration(SPRING, AUTUMN, min_n=0)
    assert isinstance(res, NPSMigration)
    with pytest.raises(ValueError, match="read-only"):
        res.transitions[0, 0] = 7
    name = "entrants"
    with pytest.raises(FrozenInstanceError):
        setattr(res, name, 3)
