"""``backtest.evaluate`` on 1,000,000 observations with a 1,000-replicate clustered bootstrap.

Run from ``benchmarks/``: ``python bench_backtest.py [--rows 1000000] [--repeat 3]
[--loop-replicates 5]`` (the CI runs every benchmark with ``--rows 20000 --repeat 1``).
Everything runs on one core (the script starts itself again with the BLAS thread pools
pinned to 1).

The data: ``rows / 10`` accounts (whole-number ids) observed on 10 month-ends, a health
score of whole numbers 0..100 (an account's level plus noise from date to date: many ties),
churn within the horizon falling as health rises (about 9%), and an MRR per account.

Timed:

* ``evaluate`` with the default 1,000-replicate bootstrap clustered by account (the
  target: under 2 s for 1,000,000 observations): the pooled and the 10 per-date AUCs,
  average precisions and tie-aware lifts with their intervals, gains, and churn per band;
* ``evaluate(interval="delong")``: the same figures with DeLong's clustered interval;
* ``panel`` on the default sample with 24 monthly observation dates (the scores of each
  date computed first, not timed);
* scikit-learn's ``roc_auc_score`` of the pooled point estimate alone, for scale;
* the bootstrap a user writes by hand: per replicate, draw the accounts with
  ``rng.choice``, gather their rows and call ``roc_auc_score``; timed on
  ``--loop-replicates`` replicates and scaled to 1,000, so it is an ESTIMATE (and gives
  the pooled AUC's interval only).

Before anything is timed, the pooled and per-date AUCs and average precisions are checked
against scikit-learn, and the bootstrap standard error of the pooled AUC against the
hand-written loop's (at most 20,000 rows, 200 replicates).
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import average_precision_score, roc_auc_score

from _timing import best_of, one_core
from cshealth import scoring
from cshealth.backtest import Panel, evaluate, panel
from cshealth.datasets import sample

DATES = 10
REPLICATES = 1000

Columns = dict[str, NDArray[np.generic]]


def data(rows: int, seed: int = 7) -> Columns:
    """``rows // 10`` accounts on 10 month-ends: coarse scores, churn, bands and MRR."""
    rng = np.random.default_rng(seed)
    accounts = max(rows // DATES, 10)
    owner = np.repeat(np.arange(accounts, dtype=np.int64), DATES)
    level = rng.normal(62, 16, accounts)[owner]
    score = np.clip(np.round(level + rng.normal(0, 7, len(owner))), 0, 100)
    churned = rng.random(len(owner)) < 1 / (1 + np.exp((score - 32) / 8))
    month_ends = np.arange("2024-01", "2024-11", dtype="datetime64[M]") + np.timedelta64(1, "M")
    as_of = (month_ends.astype("datetime64[D]") - np.timedelta64(1, "D"))[
        np.tile(np.arange(DATES), accounts)
    ]
    band = np.where(score < 40, "red", np.where(score < 70, "yellow", "green")).astype(object)
    return {
        "account_id": owner,
        "as_of": as_of,
        "score": score,
        "churned": churned,
        "band": band,
        "mrr": np.round(rng.gamma(2.0, 400.0, accounts), 2)[owner],
    }


def by_hand(columns: Columns, replicates: int, seed: int = 0) -> NDArray[np.float64]:
    """The clustered bootstrap a user writes: one ``roc_auc_score`` per replicate."""
    rng = np.random.default_rng(seed)
    owner = columns["account_id"]
    y = columns["churned"]
    risk = -np.asarray(columns["score"], dtype=np.float64)
    accounts = np.unique(owner)
    first = np.searchsorted(owner, accounts)  # rows of an account are consecutive
    out = []
    for _ in range(replicates):
        drawn = rng.choice(len(accounts), size=len(accounts), replace=True)
        rows = (first[drawn][:, None] + np.arange(DATES)).reshape(-1)
        out.append(roc_auc_score(y[rows], risk[rows]))
    return np.array(out)


def agree(columns: Columns, small: Columns) -> str:
    """Check the point estimates against scikit-learn and the bootstrap against a loop."""
    ev = evaluate(columns, interval="delong")
    y, score = columns["churned"], np.asarray(columns["score"], dtype=np.float64)
    assert abs(ev.auc - roc_auc_score(y, -score)) < 1e-9, "pooled AUC differs from sklearn"
    ap = average_precision_score(y, -score)
    assert abs(ev.overall.average_precision - ap) < 1e-9, "average precision differs"
    for metrics in ev.dates:
        rows = columns["as_of"] == np.datetime64(metrics.as_of, "D")
        expected = roc_auc_score(y[rows], -score[rows])
        assert abs(metrics.auc - expected) < 1e-9, f"AUC on {metrics.as_of} differs"
    ours = evaluate(small, n_resamples=2000, seed=1).overall.auc_interval
    loop = by_hand(small, 200)
    width, spread = ours.high - ours.low, 2 * 1.96 * float(loop.std(ddof=1))
    assert abs(width / spread - 1) < 0.25, f"bootstrap widths differ: {width} vs {spread}"
    return (
        f"AUC and AP agree with scikit-learn (pooled and {len(ev.dates)} dates); the 95% "
        f"interval's width {width:.4f} against the loop's {spread:.4f} on {len(loop)} "
        f"replicates of {len(small['score']):,} rows"
    )


def sample_panel(repeat: int) -> str:
    """``panel`` on the default sample: 24 monthly dates of default-scorecard scores.

    The scores of each date are computed first (``scoring.default_inputs`` as of the date
    and ``scoring.score``), outside the timing: what is timed is ``panel`` itself.
    """
    data = sample()
    tables = data.tables()
    card = scoring.default_scorecard()
    dates = [date(2024 + m // 12, m % 12 + 1, 1) for m in range(24)]
    clock = time.perf_counter()
    scores = {
        day: scoring.score(
            card,
            scoring.default_inputs(
                accounts=tables["accounts"],
                usage=tables["usage"],
                tickets=tables["tickets"],
                survey_responses=tables["survey_responses"],
                milestones=tables["milestones"],
                as_of=day,
            ),
            as_of=day,
        )
        for day in dates
    }
    scoring_time = time.perf_counter() - clock
    until = data.as_of - timedelta(days=1)

    def build() -> Panel:
        return panel(
            tables["accounts"],
            scores,
            dates=dates,
            revenue_changes=tables["revenue_changes"],
            until=until,
        )

    observed = build()
    took = best_of(repeat, build)
    return (
        f"  panel on the default sample, {len(dates)} monthly dates ({observed.n:,} "
        f"observations, {observed.events:,} churned): {took:.3f} s  (scoring the dates "
        f"first: {scoring_time:.1f} s, not timed)"
    )


def main() -> None:
    one_core()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop-replicates", type=int, default=5)
    args = parser.parse_args()
    columns = data(args.rows)
    small = data(min(args.rows, 20_000), seed=8)
    checked = agree(columns, small)

    ev = evaluate(columns, n_resamples=REPLICATES, seed=0)
    boot = best_of(args.repeat, lambda: evaluate(columns, n_resamples=REPLICATES, seed=0))
    delong = best_of(args.repeat, lambda: evaluate(columns, interval="delong"))
    y, risk = columns["churned"], -np.asarray(columns["score"], dtype=np.float64)
    sk = best_of(args.repeat, lambda: roc_auc_score(y, risk))
    k = args.loop_replicates
    clock = time.perf_counter()
    by_hand(columns, k)
    loop = (time.perf_counter() - clock) * REPLICATES / k
    n, accounts = len(columns["score"]), len(np.unique(columns["account_id"]))
    o = ev.overall
    print(
        f"{n:,} observations ({accounts:,} accounts x {DATES} dates, scores 0..100 with "
        f"{len(np.unique(columns['score']))} distinct values), {o.events:,} churned"
    )
    print(
        f"  pooled AUC {o.auc:.4f} (95% CI {o.auc_interval.low:.4f} to "
        f"{o.auc_interval.high:.4f}), lift at 10% {o.lift[1]:.3f}"
    )
    print(
        f"  evaluate, {REPLICATES:,}-replicate bootstrap by account, pooled + {DATES} dates "
        f"(best of {args.repeat}): {boot:7.3f} s   (target: under 2 s for 1,000,000)"
    )
    print(f"  evaluate, DeLong's interval (clustered):               {delong:7.3f} s")
    print(f"  scikit-learn roc_auc_score, pooled point estimate only: {sk:7.3f} s")
    print(
        f"  hand-written bootstrap (rng.choice + roc_auc_score):   {loop:7.3f} s  ESTIMATE: "
        f"timed on {k} replicates and scaled x{REPLICATES / k:,.0f}; pooled AUC only; "
        f"{loop / boot:,.0f}x evaluate"
    )
    print(sample_panel(args.repeat))
    print(f"  checked: {checked}")


if __name__ == "__main__":
    main()
