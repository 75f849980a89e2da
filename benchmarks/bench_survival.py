"""``retention.kaplan_meier`` on 1,000,000 subjects, beside scipy and lifelines.

Run from ``benchmarks/``: ``python bench_survival.py [--rows 1000000] [--repeat 5]``

Two kinds of durations, each with 30% of the subjects right-censored (seed 7):

* integer days ``0..2000`` (the realistic case for customer lifetimes: many ties, about
  2,000 distinct times);
* continuous durations (exponential, mean 400 days: nearly every time distinct).

Printed for each, the best of ``--repeat`` runs (lifelines: of half as many) of:

* ``scipy.stats.ecdf(CensoredData.right_censored(durations, censored))``, the estimate
  the issue names as the baseline (building its ``CensoredData`` included, as a user
  writes it);
* ``kaplan_meier(durations, observed)``: checking the input, the counts (one sort), the
  curve and its mergeable counts;
* ``lifelines.KaplanMeierFitter().fit(durations, observed)``.

The curves are checked to agree (survival to 1e-10) before timing. Targets (issue 6):
``kaplan_meier`` within 1.2x of scipy, at least 3x faster than lifelines. Everything runs
on one core (BLAS threads pinned to 1 before numpy loads: the script starts itself again
with them set).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from scipy import stats

from _timing import best_of, one_core
from cshealth.retention import kaplan_meier

#: BLAS thread pools, pinned to one thread.


def data(rows: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    if kind == "integer days":
        durations = rng.integers(0, 2001, rows).astype(np.float64)
    else:
        durations = rng.exponential(400.0, rows)
    return durations, rng.random(rows) >= 0.3


def with_scipy(durations: np.ndarray, observed: np.ndarray) -> object:
    return stats.ecdf(stats.CensoredData.right_censored(durations, ~observed))


def with_lifelines(durations: np.ndarray, observed: np.ndarray) -> object:
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter().fit(durations, observed)


def check(durations: np.ndarray, observed: np.ndarray) -> None:
    """The three agree on the survival curve."""
    ours = kaplan_meier(durations, observed)
    scipy_sf = stats.ecdf(stats.CensoredData.right_censored(durations, ~observed)).sf
    np.testing.assert_allclose(ours.survival, scipy_sf.evaluate(ours.times), atol=1e-10)
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter().fit(durations, observed)
    theirs = kmf.survival_function_.iloc[:, 0].loc[ours.times].to_numpy()
    np.testing.assert_allclose(ours.survival, theirs, atol=1e-10)


def run(kind: str, rows: int, repeat: int) -> None:
    """Time the three on one kind of durations and print the ratios."""
    durations, observed = data(rows, kind)
    check(durations, observed)
    distinct = len(np.unique(durations))
    scipy_time = best_of(repeat, lambda: with_scipy(durations, observed))
    ours = best_of(repeat, lambda: kaplan_meier(durations, observed))
    lifelines_time = best_of(max(1, repeat // 2), lambda: with_lifelines(durations, observed))
    print(f"  {kind} ({distinct:,} distinct times)")
    print(f"    scipy.stats.ecdf           : {scipy_time:.3f} s")
    print(f"    kaplan_meier               : {ours:.3f} s  ({ours / scipy_time:.2f}x scipy's time)")
    print(
        f"    lifelines KaplanMeierFitter: {lifelines_time:.3f} s  "
        f"({lifelines_time / ours:.1f}x slower than kaplan_meier)"
    )


def main() -> None:
    one_core()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", FutureWarning)  # lifelines on newer pandas
    print(f"{args.rows:,} subjects, 30% censored")
    for kind in ("integer days", "continuous"):
        run(kind, args.rows, args.repeat)


if __name__ == "__main__":
    main()
