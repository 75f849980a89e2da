"""`positions_of`: where each id of one column is among the rows of another.

The reference is a plain dict from id to row, built in the test; the three kernels (a
lookup table for compact whole numbers, a sort for far-apart ones, codes for text) must all
agree with it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import InvalidInputError
from cshealth.io._read import positions_of


def _reference(keys: list[object], values: list[object]) -> list[int]:
    row = {key: i for i, key in enumerate(keys) if key is not None}
    return [row.get(value, -1) if value is not None else -1 for value in values]


@given(
    keys=st.lists(st.integers(-50, 50), unique=True, max_size=30),
    values=st.lists(st.integers(-60, 60), max_size=40),
    spread=st.sampled_from([1, 10**9]),
)
def test_whole_numbers_compact_or_far_apart(
    keys: list[int], values: list[int], spread: int
) -> None:
    k = np.array([key * spread for key in keys], dtype=np.int64)
    v = np.array([value * spread for value in values], dtype=np.int64)
    found = positions_of(k, v, keys_name="k", values_name="v")
    assert found.tolist() == _reference(k.tolist(), v.tolist())


@given(
    keys=st.lists(st.sampled_from(["a", "b", "c", "d", "é", "a b"]), unique=True),
    values=st.lists(st.sampled_from(["a", "b", "x", "é", None]), max_size=20),
)
def test_text(keys: list[str], values: list[str | None]) -> None:
    k = np.array(keys, dtype=object)
    v = np.array(values, dtype=object)
    found = positions_of(k, v, keys_name="k", values_name="v")
    assert found.tolist() == _reference(keys, values)


@pytest.mark.parametrize(
    "keys",
    [
        np.array([3, 1, 3], dtype=np.int64),
        np.array([3, 10**12, 3], dtype=np.int64),
        np.array(["a", "b", "a"], dtype=object),
    ],
)
def test_a_key_twice_is_refused(keys: np.ndarray) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInputError, match=r"accounts: account .* is listed twice"):
        positions_of(keys, keys[:1], keys_name="accounts", values_name="v")


def test_ids_of_two_kinds_never_match() -> None:
    with pytest.raises(InvalidInputError, match="different kinds"):
        positions_of(
            np.array([1, 2]), np.array(["1"], dtype=object), keys_name="k", values_name="v"
        )


def test_no_keys() -> None:
    empty = np.array([], dtype=np.int64)
    assert positions_of(empty, np.array([1, 2]), keys_name="k", values_name="v").tolist() == [
        -1,
        -1,
    ]


@given(
    keys=st.lists(st.sampled_from(["a", "b", "c", "d", "é"]), unique=True),
    runs=st.lists(
        st.tuples(st.sampled_from(["a", "b", "x", "é", None]), st.integers(1, 6)), max_size=12
    ),
)
def test_text_in_runs_is_looked_up_once_per_run_with_the_same_answer(
    keys: list[str], runs: list[tuple[str | None, int]]
) -> None:
    # rows of one id side by side (milestones grouped by account) share one lookup
    values = [value for value, times in runs for _ in range(times)]
    k = np.array(keys, dtype=object)
    v = np.array(values, dtype=object)
    found = positions_of(k, v, keys_name="k", values_name="v")
    assert found.tolist() == _reference(keys, values)
