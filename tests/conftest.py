"""Shared test configuration: a Hypothesis profile that is reproducible and quick.

``derandomize=True`` fixes the seed, so every run draws the same examples (no flaky runs, no
example database). Set ``CSHEALTH_HYPOTHESIS_PROFILE=thorough`` for a long local hunt.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "cshealth",
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    parent=settings.get_profile("cshealth"),
    max_examples=2_000,
    derandomize=False,
)
settings.load_profile(os.environ.get("CSHEALTH_HYPOTHESIS_PROFILE", "cshealth"))
