"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """Best wall time of ``repeat`` runs of ``fn`` (the run least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
