"""`SurvivalCounts` as a partial aggregate: merge, ``+``, ``sum``, equality, JSON, pickling.

The reference counts each distinct duration's events and censorings with a plain
`collections.Counter` over the (duration, observed) pairs, sharing no code with the
sort-based counting of `kaplan_meier`. The merge properties split generated accounts in
two (or many) parts and compare the merged counts with the counts of the whole by ``==``,
and the curve of the merged counts with the curve of the whole.
"""

from __future__ import annotations

import json
import pickle
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth._exceptions import InvalidInputError
from cshealth.retention import SurvivalCounts, SurvivalCurve, kaplan_meier

Rows = list[tuple[float, bool]]

#: Durations (whole days, so ties are common, or any float) and whether each was an event.
rows_st = st.lists(
    st.tuples(st.integers(0, 20).map(float) | st.floats(0, 400, allow_nan=False), st.booleans()),
    max_size=60,
)


def reference_counts(rows: Rows) -> dict[str, list[Any]]:
    """``to_dict()`` of the counts of ``rows``, counted one pair at a time."""
    events: Counter[float] = Counter()
    censored: Counter[float] = Counter()
    for duration, observed in rows:
        (events if observed else censored)[duration + 0.0] += 1
    times = sorted(set(events) | set(censored))
    return {
        "times": times,
        "events": [events[t] for t in times],
        "censored": [censored[t] for t in times],
        "n": len(rows),
    }


def counts_of(rows: Rows) -> SurvivalCounts:
    return kaplan_meier([r[0] for r in rows], [r[1] for r in rows]).counts


# --- merging equals counting the whole ---------------------------------------------------------


@given(rows=rows_st, cut=st.integers(0, 60))
def test_merging_two_halves_equals_the_counts_of_the_whole(rows: Rows, cut: int) -> None:
    first, second = counts_of(rows[:cut]), counts_of(rows[cut:])
    whole = counts_of(rows)
    assert whole.to_dict() == reference_counts(rows)
    assert first.merge(second) == whole
    assert first + second == whole
    assert second + first == whole  # merging is commutative
    assert SurvivalCurve(first + second) == kaplan_meier([r[0] for r in rows], [r[1] for r in rows])


@given(rows=rows_st, parts=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_sum_of_many_parts_equals_merge_and_the_whole(rows: Rows, parts: int, seed: int) -> None:
    labels = np.random.default_rng(seed).integers(0, parts, len(rows))
    pieces = [counts_of([r for r, label in zip(rows, labels) if label == p]) for p in range(parts)]
    total = sum(pieces)
    assert isinstance(total, SurvivalCounts)
    assert total == pieces[0].merge(*pieces[1:])
    assert total == SurvivalCounts.combine(pieces)
    assert total == counts_of(rows)
    assert total.to_dict() == reference_counts(rows)
    assert SurvivalCurve.from_counts(total) == SurvivalCurve(counts_of(rows))


def test_sum_starts_from_zero_and_plus_takes_counts_only() -> None:
    a = counts_of([(1.0, True), (3.0, False)])
    assert sum([a]) is a
    assert 0 + a is a
    with pytest.raises(TypeError):
        _ = a + kaplan_meier([2.0])  # a curve, not its counts
    with pytest.raises(TypeError):
        _ = 1 + a
    with pytest.raises(TypeError):
        _ = True + a  # a boolean is not the 0 `sum` starts from


# --- value equality ----------------------------------------------------------------------------


def test_equal_counts_are_equal_and_different_counts_are_not() -> None:
    made = SurvivalCounts([1.0, 4.0], [1, 0], [0, 2])
    counted = kaplan_meier([1.0, 4.0, 4.0], [True, False, False]).counts
    assert made == counted  # two objects, one value
    assert made is not counted
    assert made != SurvivalCounts([1.0, 4.0], [1, 0], [0, 1])
    assert made != SurvivalCounts([1.0, 5.0], [1, 0], [0, 2])
    assert made != SurvivalCounts([1.0], [1], [0])  # another length: unequal, no error
    assert made != made.to_dict()
    with pytest.raises(TypeError):
        hash(made)  # arrays inside: compared, never hashed


# --- the constructor checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("times", "events", "censored", "match"),
    [
        ([1.0], [True], [0], None),  # booleans are whole numbers
        ([1.0], [1.5], [0], "`events` must be whole numbers >= 0"),
        ([1.0], [1], [np.inf], "`censored` must be whole numbers >= 0"),
        ([np.inf], [1], [0], "`times` must be finite numbers >= 0"),
        ([1.0], ["x"], [0], "`events` must be an array of numbers"),
    ],
)
def test_constructor_checks_every_column(
    times: Any, events: Any, censored: Any, match: str | None
) -> None:
    if match is None:
        assert SurvivalCounts(times, events, censored).events.tolist() == [1]
        return
    with pytest.raises(InvalidInputError, match=match):
        SurvivalCounts(times, events, censored)


# --- to_dict and from_dict ----------------------------------------------------------------------


@given(rows=rows_st)
def test_from_dict_reads_back_to_dict_through_strict_json(rows: Rows) -> None:
    counts = counts_of(rows)
    text = json.dumps(counts.to_dict(), allow_nan=False)
    back = SurvivalCounts.from_dict(json.loads(text))
    assert back == counts
    assert back.to_dict() == counts.to_dict()
    assert not back.times.flags.writeable


def test_from_dict_without_n_and_with_arrays() -> None:
    counts = SurvivalCounts.from_dict(
        {"times": np.array([2.0, 5.0]), "events": np.array([1, 0]), "censored": [0, 3]}
    )
    assert counts.n == 4
    assert counts.to_dict() == {"times": [2.0, 5.0], "events": [1, 0], "censored": [0, 3], "n": 4}


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([1.0], "`data` must be a mapping such as `counts.to_dict\\(\\)`, got list"),
        ({"times": [1.0], "events": [1]}, r"missing \['censored'\], unknown \[\]"),
        (
            {"times": [1.0], "events": [1], "censored": [0], "weights": [1]},
            r"missing \[\], unknown \['weights'\]",
        ),
        ({"times": [1.0], "events": [1], "censored": [0], "n": 2}, r"`n` must be .*\(1\), got 2"),
        ({"times": [1.0], "events": [1], "censored": [0], "n": [1]}, r"`n` must be .*got \[1\]"),
        ({"times": [1.0], "events": [1], "censored": [0], "n": True}, r"`n` must be .*got True"),
        ({"times": [1.0, 1.0], "events": [1, 1], "censored": [0, 0]}, "strictly increasing"),
    ],
)
def test_from_dict_refuses_what_to_dict_cannot_give(data: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        SurvivalCounts.from_dict(data)


# --- pickling and read-only arrays -------------------------------------------------------------


def test_arrays_stay_read_only_after_unpickling() -> None:
    for counts in (
        SurvivalCounts([1.0, 2.0], [1, 1], [0, 1]),  # checked by the constructor
        kaplan_meier([1.0, 2.0, 2.0], [True, True, False]).counts,  # built by the kernel
        counts_of([(1.0, True)]) + counts_of([(2.0, False)]),  # merged
    ):
        copy = pickle.loads(pickle.dumps(counts))
        assert copy == counts
        for array in (copy.times, copy.events, copy.censored):
            assert not array.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                array[0] = 0


def test_rows_are_the_distinct_times() -> None:
    counts = kaplan_meier([3.0, 1.0, 3.0, 8.0], [True, False, True, False]).counts
    assert len(counts) == 3  # times, not subjects
    assert counts.n == 4
    frame = counts.to_pandas()
    assert list(frame.columns) == ["times", "events", "censored"]
    assert frame.to_dict("list") == {
        "times": [1.0, 3.0, 8.0],
        "events": [0, 2, 0],
        "censored": [1, 0, 1],
    }
