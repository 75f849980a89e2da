"""``NPSTally`` as a partial aggregate: merge, ``+``, ``sum()``, a checked constructor, JSON.

The reference is a tally written here in plain Python, one answer at a time: count the
answers of weight above 0 per category, add their weights and their squared weights.
Weights are drawn as quarters of whole numbers, so every sum is exact in a float and the
tally of two halves merged must equal the tally of the whole exactly, not approximately.
"""

from __future__ import annotations

import json
import math
import pickle
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import InvalidInputError
from cshealth.nps import NPSTally, score, tally

FIELDS = [
    "detractors",
    "passives",
    "promoters",
    "detractor_weight",
    "passive_weight",
    "promoter_weight",
    "weight_squares",
]


def reference(scores: list[int], weights: list[float] | None = None) -> dict[str, float]:
    """The tally's fields, one answer at a time (weight 0 leaves an answer out)."""
    out = dict.fromkeys(FIELDS, 0.0)
    for value, weight in zip(scores, weights or [1.0] * len(scores)):
        if weight <= 0:
            continue
        name = "detractor" if value <= 6 else "passive" if value <= 8 else "promoter"
        out[f"{name}s"] += 1
        out[f"{name}_weight"] += weight
        out["weight_squares"] += weight * weight
    return out


def fields(t: NPSTally) -> dict[str, float]:
    return {name: getattr(t, name) for name in FIELDS}


#: Answers with exact (dyadic) weights: quarters of 0..400.
weighted_answers = st.lists(
    st.tuples(st.integers(0, 10), st.integers(0, 400).map(lambda q: q / 4)), max_size=60
)


# --- merging against the reference ----------------------------------------------------------


@given(weighted_answers, st.integers(0, 60))
def test_the_tallies_of_two_halves_merge_into_the_tally_of_the_whole(
    answers: list[tuple[int, float]], cut: int
) -> None:
    scores, weights = [s for s, _ in answers], [w for _, w in answers]
    whole = tally(scores, weights=weights)
    first = tally(scores[:cut], weights=weights[:cut])
    second = tally(scores[cut:], weights=weights[cut:])
    assert fields(whole) == reference(scores, weights)
    assert first.merge(second) == first + second == second + first == whole
    assert fields(first + second) == reference(scores, weights)


@given(st.lists(st.lists(st.integers(0, 10), max_size=30), max_size=8))
def test_sum_of_many_tallies_equals_their_merge_and_the_reference(parts: list[list[int]]) -> None:
    tallies = [tally(part) for part in parts]
    everything = [value for part in parts for value in part]
    merged = NPSTally().merge(*tallies)
    assert fields(merged) == reference(everything)
    assert sum(tallies, NPSTally()) == merged
    if tallies:
        assert sum(tallies) == merged == tallies[0].merge(*tallies[1:])
    else:
        assert sum(tallies) == 0  # the builtin's start: nothing to add


@given(weighted_answers, weighted_answers, weighted_answers)
def test_merge_is_associative_and_has_the_empty_tally_as_identity(
    a: list[tuple[int, float]], b: list[tuple[int, float]], c: list[tuple[int, float]]
) -> None:
    x, y, z = (tally([s for s, _ in d], weights=[w for _, w in d]) for d in (a, b, c))
    assert (x + y) + z == x + (y + z) == x.merge(y, z) == sum([x, y, z])
    assert x + NPSTally() == x == NPSTally() + x
    assert x.merge() is x


def test_merged_scores_equal_the_score_of_all_answers() -> None:
    # hand-worked: 4 promoters, 1 passive, 2 detractors of 7 -> 100 (4 - 2) / 7
    parts = [tally([10, 9, 3]), tally([8, 10]), tally([0, 9])]
    merged = score(sum(parts), min_n=0)
    assert merged.score == pytest.approx(200 / 7)
    assert (
        merged.confidence_interval()
        == score([10, 9, 3, 8, 10, 0, 9], min_n=0).confidence_interval()
    )


def test_merge_refuses_what_is_not_a_tally() -> None:
    with pytest.raises(InvalidInputError, match=r"`others\[1\]` must be an NPSTally, got list"):
        tally([9]).merge(tally([3]), [9])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tally([9]) + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        1 + tally([9])  # type: ignore[operator]
    assert 0 + tally([9]) == tally([9])


def test_a_merge_beyond_what_a_float_counts_exactly_is_refused() -> None:
    top = NPSTally(promoters=2**53)
    with pytest.raises(InvalidInputError, match="`promoters` must be a whole number from 0 to"):
        top + tally([9])


# --- the constructor ----------------------------------------------------------------------------


def test_the_issue_example_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="`detractors` must be a whole number from 0 to"):
        NPSTally(detractors=-5, passives=1.5, promoters="x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"passives": 1.5}, "`passives` must be a whole number from 0 to 9007199254740992, got"),
        ({"promoters": "x"}, "`promoters` must be a whole number"),
        ({"promoters": True}, "`promoters` must be a whole number"),
        ({"detractors": 2**53 + 1}, "`detractors` must be a whole number"),
        (
            {"promoters": 1, "passive_weight": 1.0},
            "all four weight sums or none .*`detractor_weight`, `promoter_weight`, "
            "`weight_squares` not given",
        ),
        (
            {"promoters": 1, **dict.fromkeys(FIELDS[3:], 1.0), "promoter_weight": math.nan},
            "`promoter_weight` must be a finite number >= 0",
        ),
        (
            {"promoters": 1, **dict.fromkeys(FIELDS[3:], 1.0), "weight_squares": math.inf},
            "`weight_squares` must be a finite number >= 0",
        ),
        (
            {"promoters": 1, **dict.fromkeys(FIELDS[3:], 0.0), "promoter_weight": -1.0},
            "`promoter_weight` must be a finite number >= 0",
        ),
        (
            {"promoters": 1, **dict.fromkeys(FIELDS[3:], 0.0), "promoter_weight": "1"},
            "`promoter_weight` must be a finite number >= 0",
        ),
        (
            {"promoters": 1, "detractor_weight": 0.5, "passive_weight": 0.0,
             "promoter_weight": 1.0, "weight_squares": 1.0},
            "`detractor_weight` is 0.5 but `detractors` is 0: a category without responses",
        ),
        (
            {**dict.fromkeys(FIELDS[3:], 0.0), "weight_squares": 2.0},
            "`weight_squares` is 2.0 but the tally has no responses",
        ),
        (
            {"promoters": 3, **dict.fromkeys(FIELDS[3:], 0.0)},
            "the tally has 3 responses but its weight sums are 0",
        ),
    ],
)  # fmt: skip
def test_the_constructor_refuses_what_no_data_gives(arguments: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        NPSTally(**arguments)


def test_fields_are_given_by_name() -> None:
    with pytest.raises(TypeError):
        NPSTally(1, 2, 3)  # type: ignore[misc]
    with pytest.raises(TypeError):
        NPSTally.from_counts(1, 2, 3)  # type: ignore[misc]


def test_counts_alone_are_the_unweighted_tally() -> None:
    plain = NPSTally(detractors=75, passives=675, promoters=250)
    assert plain == NPSTally.from_counts(promoters=250, passives=675, detractors=75)
    assert plain == tally([0] * 75 + [7] * 675 + [10] * 250)
    assert fields(plain) == {
        "detractors": 75,
        "passives": 675,
        "promoters": 250,
        "detractor_weight": 75.0,
        "passive_weight": 675.0,
        "promoter_weight": 250.0,
        "weight_squares": 1000.0,
    }
    assert NPSTally() == tally([])


def test_numpy_numbers_are_kept_as_python_numbers() -> None:
    import numpy as np

    t = NPSTally(
        detractors=np.int64(1), passives=np.int32(0), promoters=np.uint8(1),
        detractor_weight=np.float32(0.5), passive_weight=0, promoter_weight=np.float64(2.0),
        weight_squares=4.25,
    )  # fmt: skip
    assert [type(getattr(t, name)) for name in FIELDS] == [int] * 3 + [float] * 4
    assert t == tally([0, 10], weights=[0.5, 2.0])


def test_a_tally_is_frozen_and_survives_pickling() -> None:
    t = tally([10, 3], weights=[2.0, 0.5])
    with pytest.raises(FrozenInstanceError):
        t.promoters = 5  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(t)) == t
    with pytest.raises(TypeError):
        hash(t)  # compared by value, so not hashed


# --- JSON ----------------------------------------------------------------------------------------


@given(weighted_answers)
def test_to_dict_and_from_dict_round_trip_through_strict_json(
    answers: list[tuple[int, float]],
) -> None:
    t = tally([s for s, _ in answers], weights=[w for _, w in answers])
    text = json.dumps(t.to_dict(), allow_nan=False)
    assert NPSTally.from_dict(json.loads(text)) == t
    assert list(json.loads(text)) == FIELDS


def test_from_dict_without_weight_sums_is_unweighted_and_refuses_other_keys() -> None:
    assert NPSTally.from_dict({"promoters": 2, "detractors": 1}) == tally([9, 10, 0])
    with pytest.raises(InvalidInputError, match=r"keys that are not fields of NPSTally: \['n'\]"):
        NPSTally.from_dict({"promoters": 2, "n": 2})
    with pytest.raises(InvalidInputError, match="`data` must be a mapping"):
        NPSTally.from_dict([("promoters", 2)])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="`passives` must be a whole number"):
        NPSTally.from_dict({"passives": 1.5})


def test_an_nps_result_carries_its_tally_to_json_and_back() -> None:
    res = score([10, 9, 3, 7], weights=[1.0, 0.25, 2.0, 0.5], min_n=0)
    data = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert NPSTally.from_dict(data["tally"]) == res.tally


# --- repr -------------------------------------------------------------------------------------


def test_reprs_are_short_and_rounded() -> None:
    assert repr(tally([10, 9, 3])) == "NPSTally(detractors=1, passives=0, promoters=2)"
    weighted = tally([10, 9, 3], weights=[0.1, 0.2, 1 / 3])
    assert repr(weighted) == (
        "NPSTally(detractors=1, passives=0, promoters=2, detractor_weight=0.333333, "
        "passive_weight=0, promoter_weight=0.3, weight_squares=0.161111)"
    )
    assert str(weighted) == repr(weighted)
