"""``nps.score`` on 10,000,000 answers, beside ``np.bincount`` alone (the numpy floor).

Run: ``python benchmarks/bench_nps.py [--rows 10000000] [--repeat 5]``

Both run in one process, best of ``--repeat``. The issue's target: within 2x of the floor.
``nps.score`` validates every answer (whole numbers 0..10) and counts in one bincount pass.
"""

from __future__ import annotations

import argparse

import numpy as np

from _timing import best_of
from cshealth import nps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    answers = np.random.default_rng(0).integers(0, 11, size=args.rows)
    floor = best_of(args.repeat, lambda: np.bincount(answers, minlength=11))
    ours = best_of(args.repeat, lambda: nps.score(answers))
    weights = np.random.default_rng(1).uniform(0.5, 2.0, size=args.rows)
    weighted = best_of(args.repeat, lambda: nps.score(answers, weights=weights))
    print(f"{args.rows:,} NPS answers (int64), best of {args.repeat}")
    print(f"  np.bincount(answers, minlength=11) (floor)   {floor * 1e3:8.1f} ms  x1.00")
    print(
        f"  cshealth.nps.score(answers)                  {ours * 1e3:8.1f} ms  x{ours / floor:.2f}"
    )
    print(
        f"  cshealth.nps.score(answers, weights=...)     {weighted * 1e3:8.1f} ms"
        f"  x{weighted / floor:.2f}"
    )


if __name__ == "__main__":
    main()
