"""`ids_in`: membership of identifiers, against numpy's own `isin` on the same values."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cshealth._codes import ids_in

TEXT = st.sampled_from(["a", "b", "c", "A-1", "", "ü"])


@given(st.lists(st.one_of(TEXT, st.none())), st.lists(TEXT))
def test_text_ids_agree_with_numpy(values: list[str | None], wanted: list[str]) -> None:
    ids = np.array(values, dtype=object)
    expected = [v is not None and v in wanted for v in values]
    assert ids_in(ids, np.array(wanted, dtype=object)).tolist() == expected


@given(st.lists(st.integers(-5, 5)), st.lists(st.integers(-5, 5)))
def test_whole_number_ids_agree_with_numpy(values: list[int], wanted: list[int]) -> None:
    ids = np.array(values, dtype=np.int64)
    listed = np.array(wanted, dtype=np.int64)
    assert ids_in(ids, listed).tolist() == np.isin(ids, listed).tolist()


def test_missing_ids_are_in_nothing_even_when_none_is_wanted() -> None:
    ids = np.array([None, "a", float("nan")], dtype=object)
    assert ids_in(ids, np.array([None, "a"], dtype=object)).tolist() == [False, True, False]


def test_empty_sides() -> None:
    assert ids_in(np.array([], dtype=object), np.array(["a"], dtype=object)).tolist() == []
    assert ids_in(np.array(["a"], dtype=object), np.array([], dtype=object)).tolist() == [False]
