"""The per-account reductions of `cshealth.lifecycle._days`, against a plain dict in the test."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cshealth.lifecycle._days import group_any, group_max, group_min

_rows = st.lists(st.tuples(st.integers(-1, 5), st.integers(-(2**62), 2**62)), max_size=40)


def _plain(
    rows: Sequence[tuple[int, float]], k: int, fill: float, pick: Callable[[list[float]], float]
) -> list[float]:
    seen: dict[int, list[float]] = {}
    for code, value in rows:
        if code >= 0:
            seen.setdefault(code, []).append(value)
    return [pick(seen[g]) if g in seen else fill for g in range(k)]


@given(rows=_rows, fill=st.integers(-3, 3))
def test_group_max_and_min_are_each_accounts_extreme_or_the_fill(
    rows: list[tuple[int, int]], fill: int
) -> None:
    codes = np.array([c for c, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=np.int64)
    assert group_max(codes, values, 6, fill).tolist() == _plain(rows, 6, fill, max)
    assert group_min(codes, values, 6, fill).tolist() == _plain(rows, 6, fill, min)


@given(rows=st.lists(st.tuples(st.integers(-1, 4), st.floats(-1e9, 1e9)), max_size=30))
def test_float_values_reduce_too(rows: list[tuple[int, float]]) -> None:
    codes = np.array([c for c, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=np.float64)
    want = _plain(rows, 5, -7, max)
    assert group_max(codes, values, 5, -7).tolist() == want


@given(rows=st.lists(st.tuples(st.integers(-1, 4), st.booleans()), max_size=30))
def test_group_any(rows: list[tuple[int, bool]]) -> None:
    codes = np.array([c for c, _ in rows], dtype=np.int64)
    flags = np.array([f for _, f in rows], dtype=bool)
    want = [any(f for c, f in rows if c == g) for g in range(5)]
    assert group_any(codes, flags, 5).tolist() == want
