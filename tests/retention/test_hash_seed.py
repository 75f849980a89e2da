"""No revenue result depends on Python's hash seed.

Text account ids are numbered by hashing, and Python's string hashes change from process
to process; the order of a timeline (and so every floating-point sum taken in it: the
waterfall, revenue cohorts) must not change with them.
"""

from __future__ import annotations

import os
import subprocess
import sys

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
