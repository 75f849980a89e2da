"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable

#: The thread-pool variables pinned to one thread, so every figure is one core's.
PINS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_core() -> None:
    """Run again with the BLAS pools pinned, unless they already are (before any work)."""
    if any(os.environ.get(name) != "1" for name in PINS):
        os.execve(
            sys.executable, [sys.executable, *sys.argv], {**os.environ, **dict.fromkeys(PINS, "1")}
        )


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """Best wall time of ``repeat`` runs of ``fn`` (the run least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
