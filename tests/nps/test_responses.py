"""The survey reader and respondent codes: every input form, every refusal, exact grouping."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import InvalidInputError, SurveyResponse, from_columns, to_columns
from cshealth._codes import id_codes
from cshealth.nps._responses import check_survey_type, survey_columns
from cshealth.nps._trend import trend

UTC = timezone.utc


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def grouping_is_exact(values: list[object], codes: np.ndarray) -> bool:
    """Same code exactly when same value (missing: -1), checked pair by pair."""
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            missing_a, missing_b = is_missing(a), is_missing(b)
            if missing_a or missing_b:
                if (codes[i] == -1) != missing_a or (codes[j] == -1) != missing_b:
                    return False
                continue
            if (codes[i] == codes[j]) != (a == b):
                return False
    return True


@given(
    st.lists(
        st.one_of(st.none(), st.sampled_from(["a", "b", "C-1"]), st.integers(0, 5)), max_size=25
    )
)
def test_object_codes_group_exactly(values: list[object]) -> None:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    codes, k = id_codes(array)
    assert grouping_is_exact(values, codes)
    assert k == len({v for v in values if v is not None})
    assert set(codes[codes >= 0].tolist()) == set(range(k))


@given(st.lists(st.sampled_from(["a", "b", "c", "", "é"]) | st.text(max_size=3), max_size=30))
def test_codes_of_values_known_present_are_the_same_grouping(values: list[str]) -> None:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    for dense in (True, False):
        codes, k = id_codes(array, dense=dense, present=True)
        assert grouping_is_exact(values, codes)
        assert (codes >= 0).all()
        assert k >= len(set(values))


@pytest.mark.parametrize(
    "values",
    [
        np.array([7, 3, 7, 5]),  # compact
        np.array([10**12, 3, 10**12]),  # sparse: np.unique
        np.array([0, 40, 0, 12]),  # within 4n: renumbered
        np.array([True, False, True]),
        np.array([1.0, np.nan, 2.0, 1.0]),
        np.array([], dtype=np.int64),
    ],
)
def test_numeric_codes_group_exactly(values: np.ndarray) -> None:
    codes, k = id_codes(values)
    assert grouping_is_exact(values.tolist(), codes)
    assert set(codes[codes >= 0].tolist()) == set(range(k))
    again, _ = id_codes(values, present=True)  # numbers are never missing but as NaN
    assert again.tolist() == codes.tolist()


def test_compact_integers_may_skip_renumbering() -> None:
    codes, k = id_codes(np.array([5, 7, 5, 8]), dense=False)
    assert codes.tolist() == [0, 2, 0, 3]
    assert k == 4  # code 1 unused


class SameHash:
    """Different identifiers that share a hash: the codes must still tell them apart."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        return 42

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SameHash) and other.name == self.name


@pytest.mark.parametrize("dense", [True, False])
def test_hash_collisions_are_resolved_exactly(dense: bool) -> None:
    values = [SameHash("x"), SameHash("y"), SameHash("x"), SameHash("z")]
    array = np.empty(4, dtype=object)
    array[:] = values
    codes, k = id_codes(array, dense=dense)
    assert codes[0] == codes[2]
    assert len({codes[0], codes[1], codes[3]}) == 3
    assert codes.max() < k
    if dense:
        assert k == 3


@given(st.lists(st.one_of(st.none(), st.text(max_size=3), st.integers(-3, 3)), max_size=40))
def test_slotted_object_codes_group_exactly(values: list[object]) -> None:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    codes, k = id_codes(array, dense=False)
    assert grouping_is_exact(values, codes)
    assert codes.max(initial=-1) < k


def test_unhashable_identifiers_are_refused() -> None:
    array = np.empty(2, dtype=object)
    array[:] = [["a"], ["b"]]
    with pytest.raises(InvalidInputError, match="hashable"):
        id_codes(array)


def sample_columns() -> dict[str, object]:
    return {
        "id": ["R1", "R2", "R3", "R4"],
        "account_id": ["A"] * 4,
        "kind": ["nps", "csat", "nps", "nps"],
        "survey_type": ["relationship", "relationship", "transactional", "relationship"],
        "score": [9, 4, 3, 10],
        "submitted_at": ["2025-01-01T00:00:00Z"] * 4,
        "weight": [1.0, 1.0, 2.0, 1.0],
    }


def test_rows_of_the_kind_and_type_are_kept() -> None:
    data = sample_columns()
    got = survey_columns(data, kind="nps", need=("score",), survey_type="relationship")
    assert got.n == 2
    assert got.scores().tolist() == [9, 10]
    assert got.survey_type == "relationship"
    anything = survey_columns(data, kind="nps", need=("score", "weight"), survey_type="any")
    assert anything.scores().tolist() == [9, 3, 10]
    assert anything.survey_type is None  # both types present
    assert anything.weights() is not None
    assert anything.take(np.array([0, 2])).scores().tolist() == [9, 10]
    csat = survey_columns(data, kind="csat", need=("score",), survey_type="any")
    assert csat.survey_type == "relationship"
    assert csat.weights() is None  # no weight column asked for


def test_every_input_form_reads_the_same() -> None:
    table = to_columns(sample_columns(), SurveyResponse)
    forms = [table, dict(table.items()), pd.DataFrame(sample_columns()), from_columns(table)]
    for form in forms:
        got = survey_columns(
            form, kind="nps", need=("score", "submitted_at"), survey_type="relationship"
        )
        assert got.scores().tolist() == [9, 10]
        assert got.instants().dtype == np.dtype("datetime64[us]")
    empty = survey_columns([], kind="nps", need=("score", "submitted_at", "contact_id"))
    assert empty.n == 0
    assert empty.instants().dtype == np.dtype("datetime64[us]")
    assert empty["contact_id"].dtype == object


def test_survey_type_without_a_column_is_taken_from_the_argument() -> None:
    got = survey_columns({"score": [9]}, kind="nps", need=("score",), survey_type="transactional")
    assert got.survey_type == "transactional"
    assert check_survey_type(None) is None
    with pytest.raises(InvalidInputError, match="`survey_type` must be one of"):
        check_survey_type("weekly")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"score": [1, 2], "kind": ["nps"]}, "one length"),
        ({"score": ["x"]}, "row 1: `score` is 'x'"),
        ({"score": [np.inf]}, "row 1: `score` is inf"),
        ({"score": [9], "weight": ["heavy"]}, "row 1: `weight` is nan"),
        ({"score": [9], "weight": [np.inf]}, "row 1: `weight` is inf"),
        ({"score": [9], "survey_type": ["nps"]}, "row 1: `survey_type` is 'nps'"),
        (42, "got int"),
        ([1, 2], "got list"),
    ],
)
def test_bad_data_is_refused(data: object, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        survey_columns(data, kind="nps", need=("score",), optional=("weight",))


def test_weighted_latest_per_respondent_in_trends() -> None:
    data = {
        "contact_id": ["a", "a", "b", None],
        "score": [0, 10, 3, 9],
        "submitted_at": [datetime(2025, 1, d, tzinfo=UTC) for d in (1, 2, 3, 4)],
        "weight": [5.0, 2.0, 1.0, 3.0],
    }
    (point,) = trend(data, as_of=date(2025, 2, 1), min_n=0)
    tally = point.result.tally
    assert (tally.detractors, tally.passives, tally.promoters) == (1, 0, 2)
    assert (tally.detractor_weight, tally.promoter_weight) == (1.0, 5.0)
    assert tally.weight_squares == 4.0 + 1.0 + 9.0


def test_pandas_missing_values_are_missing_identifiers() -> None:
    strings = pd.array(["x", pd.NA, "x", None], dtype="string").to_numpy()
    codes, k = id_codes(strings)
    assert codes.tolist() == [0, -1, 0, -1]
    assert k == 1
    mixed = np.array(["a", pd.NA, float("nan"), None, "b"], dtype=object)
    assert id_codes(mixed)[0].tolist()[1:4] == [-1, -1, -1]
