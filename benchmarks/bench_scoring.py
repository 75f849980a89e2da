"""``scoring.score`` on 1,000,000 accounts, beside the numpy floor and pandas.

Run from ``benchmarks/``: ``python bench_scoring.py [--rows 1000000] [--repeat 5]``

The scorecard: 12 ``linear`` measures in 3 groups of 4 (group weights 3:2:1, measure
weights 1:2:3:1 ...) under the root, ``renormalize``, no coverage floor. The data: a
dict of 12 float columns, uniform on 0..100, 10% of the values missing (NaN), and text
account ids. Everything runs on one core (BLAS threads are pinned to 1 before numpy
loads: the script starts itself again with them set).

Printed beside each other:

* the floor the issue names, ``np.nan_to_num(X) @ w`` on the same 1M x 12 matrix: a
  weighted sum that neither renormalises nor explains anything;
* ``score``: reading and checking the ids and columns, the transforms, the nested
  renormalised means, coverage, bands and the 12 contribution columns; with the ids as
  Python text (an object array), numpy text and whole numbers;
* the pandas code a user would write for the same scores and contributions (clip the
  transforms, then per group the weighted sum over the weights present, then the same at
  the root, then each measure's product of renormalised weights), checked to agree.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from _timing import best_of, one_core
from cshealth import scoring

#: BLAS thread pools, pinned to one thread (the floor's matrix product would use both cores).

GROUPS = 3
PER_GROUP = 4
WORST, BEST = 10.0, 90.0


def scorecard() -> scoring.Scorecard:
    """Three groups of four linear measures."""
    groups = []
    for g in range(GROUPS):
        children = [
            {
                "name": f"m{g * PER_GROUP + k}",
                "weight": 1 + (g * PER_GROUP + k) % 3,
                "column": f"m{g * PER_GROUP + k}",
                "transform": {"kind": "linear", "worst": WORST, "best": BEST},
            }
            for k in range(PER_GROUP)
        ]
        groups.append({"name": f"g{g}", "weight": GROUPS - g, "children": children})
    root = {"name": "overall", "children": groups}
    return scoring.Scorecard.model_validate({"name": "bench", "root": root})


def data(rows: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    columns: dict[str, np.ndarray] = {
        "account_id": np.array([f"A-{i:07d}" for i in range(rows)], dtype=object)
    }
    for m in range(GROUPS * PER_GROUP):
        values = rng.uniform(0.0, 100.0, rows)
        values[rng.random(rows) < 0.10] = np.nan
        columns[f"m{m}"] = values
    return columns


def with_pandas(frame: pd.DataFrame, card: scoring.Scorecard) -> pd.DataFrame:
    """Scores and contributions the way a pandas user writes them."""
    scores = ((frame.drop(columns="account_id") - WORST) * (100.0 / (BEST - WORST))).clip(0, 100)
    group_scores, group_weights, measure_shares = {}, {}, {}
    for group in card.root.children:
        names = [m.name for m in group.children]
        w = pd.Series({m.name: m.weight for m in group.children})
        present = scores[names].notna()
        denominator = present.mul(w).sum(axis=1)
        group_scores[group.name] = scores[names].mul(w).sum(axis=1) / denominator
        for name in names:
            measure_shares[name] = present[name] * w[name] / denominator
        group_weights[group.name] = group.weight
    groups = pd.DataFrame(group_scores)
    gw = pd.Series(group_weights)
    g_present = groups.notna()
    g_denominator = g_present.mul(gw).sum(axis=1)
    out = pd.DataFrame({"score": groups.mul(gw).sum(axis=1) / g_denominator})
    for group in card.root.children:
        share = g_present[group.name] * gw[group.name] / g_denominator
        for m in group.children:
            out[m.name] = (share * measure_shares[m.name] * scores[m.name]).fillna(0.0)
    return out


def main() -> None:
    one_core()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    card = scorecard()
    columns = data(args.rows)
    matrix = np.column_stack([columns[f"m{m}"] for m in range(GROUPS * PER_GROUP)])
    weights = np.array(list(card.nominal_shares().values()))[-GROUPS * PER_GROUP :]
    frame = pd.DataFrame(columns)

    ours = scoring.score(card, columns)
    theirs = with_pandas(frame, card)
    np.testing.assert_allclose(ours.score, theirs["score"].to_numpy(), rtol=1e-12)
    for m in range(GROUPS * PER_GROUP):
        np.testing.assert_allclose(ours.contributions[f"m{m}"], theirs[f"m{m}"], atol=1e-9)

    floor = best_of(args.repeat, lambda: np.nan_to_num(matrix) @ weights)
    engine = best_of(args.repeat, lambda: scoring.score(card, columns))
    pandas = best_of(max(1, args.repeat // 2), lambda: with_pandas(frame, card))
    print(f"{args.rows:,} accounts, {GROUPS * PER_GROUP} measures in {GROUPS} groups, 10% missing")
    print(f"  floor np.nan_to_num(X) @ w : {floor:.3f} s")
    print(f"  scoring.score              : {engine:.3f} s  ({engine / floor:.1f}x the floor)")
    print(
        f"  pandas, written by hand    : {pandas:.3f} s  ({pandas / engine:.1f}x slower than score)"
    )
    text = columns["account_id"].astype(str)
    for kind, ids in (("numpy text ids", text), ("integer ids", np.arange(args.rows) * 3 + 7)):
        variant = {**columns, "account_id": ids}
        same = scoring.score(card, variant)
        np.testing.assert_array_equal(same.score, ours.score)  # ids never change a score
        seconds = best_of(args.repeat, lambda variant=variant: scoring.score(card, variant))
        print(f"  score, {kind:<20}: {seconds:.3f} s  ({seconds / floor:.1f}x the floor)")


if __name__ == "__main__":
    main()
