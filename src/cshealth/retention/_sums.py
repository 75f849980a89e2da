"""Sums of money by group that do not depend on the order of the rows.

Accounts are numbered by hashing their ids, and Python's string hashes change from one
process to the next, so the order in which a kernel meets an account's rows does too. A
floating-point sum in that order could then differ in its last digit from run to run
(58,603.5 printed as 58,604 in one process and 58,603 in another). Every sum of money by
group is therefore exact: `math.fsum` of each group's values, correctly rounded, the
same in any order.
"""

from __future__ import annotations

import math

import numpy as np

from cshealth._types import FloatArray, IntArray

__all__ = ["exact_sums"]


def exact_sums(groups: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Per group ``0..size-1``, the correctly rounded sum of its ``values``.

    One stable sort of the (small) group numbers, then `math.fsum` of each group's run.

    Examples:
        >>> exact_sums(np.array([1, 0, 1]), np.array([0.1, 5.0, 0.2]), 3).tolist()
        [5.0, 0.30000000000000004, 0.0]
        >>> exact_sums(np.array([0, 0, 0]), np.array([1e16, 1.0, -1e16]), 1).tolist()
        [1.0]
    """
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(size + 1)).tolist()
    ordered = values[order].tolist()
    return np.array(
        [math.fsum(ordered[bounds[g] : bounds[g + 1]]) for g in range(size)], dtype=np.float64
    )
