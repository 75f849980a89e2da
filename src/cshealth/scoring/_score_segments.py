"""Which scorecard of a `ScorecardSet` scores each account: the first segment it meets.

`_assign` numbers each account's scorecard in ``ScorecardSet.scorecards()`` order (the
default last): segments are tried in order, an account taken by one is not offered to
the next, and a segment holds when all of its conditions do. A condition on a numeric
column is tested on the whole column at once; on any other column, on each distinct
value once (`id_codes`), the result spread back to the rows. A missing value meets only
``missing``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._types import BoolArray, IntArray
from cshealth.scoring._inputs import Inputs
from cshealth.scoring._segments import Condition, ScorecardSet

__all__: list[str] = []


def _assign(cards: ScorecardSet, inputs: Inputs) -> IntArray:
    """The index of each account's scorecard in ``cards.scorecards()``; first match wins."""
    chosen = np.full(inputs.n, len(cards.segments), dtype=np.int64)
    open_rows = np.ones(inputs.n, dtype=bool)
    for number, segment in enumerate(cards.segments):
        match = open_rows.copy()
        for condition in segment.when:
            match &= _holds(condition, inputs.columns[condition.column])
        chosen[match] = number
        open_rows &= ~match
    return chosen


def _holds(condition: Condition, column: NDArray[np.generic]) -> BoolArray:
    """Where ``condition`` holds, testing each distinct value once (numbers: vectorised)."""
    if column.dtype.kind in "fiu":
        numbers = column.astype(np.float64)
        present = ~np.isnan(numbers)
        if condition.op in ("missing", "present"):
            return ~present if condition.op == "missing" else present
        with np.errstate(invalid="ignore"):
            return present & _test(condition, numbers)
    codes, k = id_codes(column.astype(object))
    first = np.full(k, -1, dtype=np.int64)
    present_rows = np.flatnonzero(codes >= 0)
    first[codes[present_rows][::-1]] = present_rows[::-1]
    distinct = column.astype(object)[first]
    if condition.op in ("missing", "present"):
        return (codes < 0) if condition.op == "missing" else (codes >= 0)
    table = np.array([bool(_test(condition, value)) for value in distinct.tolist()], dtype=bool)
    if not k:  # no values at all: every test but `missing` fails
        return np.zeros(len(codes), dtype=bool)
    held: BoolArray = np.where(codes >= 0, table[np.maximum(codes, 0)], False)
    return held


def _test(condition: Condition, value: object) -> BoolArray | bool:
    """The condition on one value, or on an array of numbers."""
    op, target = condition.op, condition.value
    if op in ("in", "not_in", "eq", "ne"):
        options = list(target) if isinstance(target, tuple) else [target]
        if isinstance(value, np.ndarray):
            inside: BoolArray = np.isin(value, np.array(options, dtype=object))
            return inside if op in ("in", "eq") else ~inside
        return (value in options) == (op in ("in", "eq"))
    number = value if isinstance(value, np.ndarray) else _number(value)
    limit = _number(target)
    compare: BoolArray | bool = {
        "lt": number < limit,
        "le": number <= limit,
        "gt": number > limit,
        "ge": number >= limit,
    }[op]
    return compare


def _number(value: object) -> float:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value)
    return float("nan")
