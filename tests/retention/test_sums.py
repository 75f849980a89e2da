"""Sums of money by group are exact, so no result depends on the order of rows or hashes.

Account ids are numbered by hashing, and Python's string hashes change from process to
process; the waterfall and revenue cohort sums must not change with them.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cshealth.retention._sums import exact_sums


@given(
    st.lists(st.tuples(st.integers(0, 4), st.floats(-1e12, 1e12, allow_nan=False)), max_size=60),
    st.randoms(use_true_random=False),
)
def test_exact_sums_are_fsum_per_group_in_any_order(
    pairs: list[tuple[int, float]], rng: object
) -> None:
    groups = np.array([g for g, _ in pairs], dtype=np.int64)
    values = np.array([v for _, v in pairs], dtype=np.float64)
    expected = [math.fsum(v for g, v in pairs if g == k) for k in range(5)]
    assert exact_sums(groups, values, 5).tolist() == expected
    order = np.random.default_rng(len(pairs)).permutation(len(pairs))
    assert exact_sums(groups[order], values[order], 5).tolist() == expected


_SCRIPT = """
from datetime import date
from cshealth.datasets import sample
from cshealth import retention
d = sample(seed=0, n_accounts=200)
w = retention.mrr_movements(d.revenue_changes, start=date(2025, 1, 1), end=date(2026, 1, 1),
                            period="month")
c = retention.revenue_cohorts(d.revenue_changes, as_of=date(2026, 1, 1), period="quarter")
print(repr([w.new_mrr.tolist(), w.expansion_mrr.tolist(), w.churned_mrr.tolist(),
            w.ending_mrr.tolist(), c.mrr.tolist()]))
"""


def test_sums_do_not_change_with_the_hash_seed() -> None:
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
