"""What the backtest section fits: churn probabilities by score, and weights fitted out of time.

The calibration is isotonic (churn never rises with health), fitted on every scored
observation and read at round scores. The weights of the scorecard's top level are
fitted on the first year of observation dates and judged on the later ones beside the
scorecard's own (`cshealth.backtest.fit_weights`): the AUC of both on the later dates,
their paired difference with its interval and DeLong's p-value.
"""

from __future__ import annotations

import math
import warnings
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from cshealth._absent import shown
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._report._backtest_data import HORIZON_DAYS
from cshealth._report._base import _n
from cshealth._result import jsonable

if TYPE_CHECKING:
    from cshealth.backtest import Calibration, Comparison, FittedScorecard, Panel
    from cshealth.scoring import Scorecard

#: Bootstrap replicates of the intervals, and their seed (the report is reproducible).
N_RESAMPLES = 200
SEED = 0
#: The scores the calibration is read at.
CALIBRATION_SCORES = (20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0)
#: The weights are fitted on the dates of the first this many months.
TRAIN_MONTHS = 12
#: Fewer churners than these to fit on, or churners or renewers to judge by, are few (the
#: thresholds below which `fit_weights` and `compare` warn).
MIN_TRAIN_EVENTS = 50
MIN_EVENTS = 10


def calibration_lines(
    calibration: Calibration, panel: Panel, figures: dict[str, object]
) -> list[str]:
    """The probability of churn a score stands for: the isotonic fit, read at round scores."""
    seen = panel.score[~np.isnan(panel.score)]
    at = np.array([s for s in CALIBRATION_SCORES if seen.min() <= s <= seen.max()])
    if calibration.undefined or not len(at):
        why = calibration.undefined or "no score seen in the range of the scores read"
        figures["calibration"] = None
        return [f"Probability of churn by score: {shown(why)}"]
    p = calibration.predict(at)
    p_low, p_high = calibration.predict_interval(at)
    table = calibration.table
    step = np.clip(np.searchsorted(table.score_low, at, side="right") - 1, 0, None)
    level = f"{calibration.confidence_level:.0%}"
    figures["calibration"] = {
        "method": calibration.method,
        "fitted_on": calibration.n,
        "rows": [
            jsonable(
                {
                    "score": s,
                    "probability": float(p[i]),
                    "low": float(p_low[i]),
                    "high": float(p_high[i]),
                    "step_low": float(table.score_low[step[i]]),
                    "step_high": float(table.score_high[step[i]]),
                    "step_observations": int(table.n[step[i]]),
                }
            )
            for i, s in enumerate(at.tolist())
        ],
    }
    lines = [
        f"Probability of churn within {calibration.horizon_days or HORIZON_DAYS} days by "
        f"score ({calibration.method} calibration on the {_n(calibration.n)} scored "
        "observations; a score is not a probability):",
        f"  {'score':>5} {'probability':>11}  {level + ' CI':<16} step of the fit: scores, "
        "observations",
    ]
    lines += [
        f"  {s:>5g} {_pct(float(p[i])):>11}  "
        f"{_pct(float(p_low[i])) + ' to ' + _pct(float(p_high[i])):<16} "
        f"{table.score_low[step[i]]:.1f} to {table.score_high[step[i]]:.1f}, "
        f"{_n(int(table.n[step[i]]))}"
        for i, s in enumerate(at.tolist())
    ]
    return lines


def split_dates(panel: Panel) -> tuple[list[date], list[date]]:
    """The dates the weights are fitted on (the first year) and judged on (the later ones).

    Only dates with observations count (the censored latest ones have none).
    """
    observed = [d for d, n in panel.counts().items() if n["observations"]]
    if not observed:
        return [], []
    first = observed[0]
    end = date(
        first.year + (first.month - 1 + TRAIN_MONTHS) // 12,
        (first.month - 1 + TRAIN_MONTHS) % 12 + 1,
        1,
    )
    return [d for d in observed if d < end], [d for d in observed if d >= end]


def fitted_lines(card: Scorecard, panel: Panel, figures: dict[str, object]) -> list[str]:
    """The weights fitted on the first year, judged on the later dates beside the card's."""
    from cshealth import backtest  # noqa: PLC0415

    train, test = split_dates(panel)
    if not train or not test:
        why = f"the observation dates span {TRAIN_MONTHS} months or less: no later date to judge on"
        figures["fitted_weights"] = {"not_measured": why}
        return [f"Weights fitted out of time: {shown(why)}"]
    with warnings.catch_warnings():  # few events: said in the text instead
        warnings.simplefilter("ignore", SmallSampleWarning)
        try:
            # The fit's own judgement is per date; one pooled comparison is shown, so its
            # bootstrap is the comparison's alone (one replicate there costs nothing).
            fit = backtest.fit_weights(
                card, panel, train_dates=train, test_dates=test, n_resamples=1, seed=SEED
            )
        except InvalidInputError as error:  # a year without churners: nothing to fit
            figures["fitted_weights"] = {"not_measured": str(error)}
            return [f"Weights fitted out of time: {shown(str(error))}"]
        later = panel.for_dates(test)
        comparison = backtest.compare(later, fit.rescore(later), n_resamples=N_RESAMPLES, seed=SEED)
    renewers = comparison.n - comparison.events
    few = None
    if fit.train_events < MIN_TRAIN_EVENTS or min(comparison.events, renewers) < MIN_EVENTS:
        few = (
            f"  Few events (fewer than {MIN_TRAIN_EVENTS} churners to fit on, or than "
            f"{MIN_EVENTS} churners or renewers to judge by): the weights and the difference "
            "rest on few events"
        )
    return _fit_lines(fit, comparison, few, figures)


def _fit_lines(
    fit: FittedScorecard, comparison: Comparison, few: str | None, figures: dict[str, object]
) -> list[str]:
    level = f"{comparison.confidence_level:.0%}"
    figures["fitted_weights"] = jsonable(
        {
            "train_dates": [fit.train_dates[0], fit.train_dates[-1]],
            "test_dates": [fit.test_dates[0], fit.test_dates[-1]],
            "train_observations": fit.n_train,
            "train_churned": fit.train_events,
            "config_hash": fit.config_hash,
            "weights": {
                name: {"default": b, "fitted": a}
                for name, b, a in zip(
                    fit.child.tolist(), fit.weight_before.tolist(), fit.weight_after.tolist()
                )
            },
            "no_signal": fit.no_signal,
            "test_observations": comparison.n,
            "test_churned": comparison.events,
            "auc_default": comparison.auc_a,
            "auc_fitted": comparison.auc_b,
            "difference": {
                "statistic": comparison.difference,
                "low": comparison.difference_interval.low,
                "high": comparison.difference_interval.high,
                "pvalue": comparison.pvalue,
            },
            "lift_default": comparison.lift_a,
            "lift_fitted": comparison.lift_b,
        }
    )
    lines = [
        f"Weights fitted on {_span(fit.train_dates)} ({_n(fit.n_train)} scored observations, "
        f"{_n(fit.train_events)} churned; a logistic fit, weights >= 0 with the default's "
        f"total), judged on {_span(fit.test_dates)} ({_n(comparison.n)} observations scored "
        f"by both, {_n(comparison.events)} churned):",
        f"  {'weight of':<12} {'default':>8} {'fitted':>8}",
    ]
    lines += [
        f"  {name:<12} {b:>8.1f} {a:>8.1f}"
        for name, b, a in zip(
            fit.child.tolist(), fit.weight_before.tolist(), fit.weight_after.tolist()
        )
    ]
    if fit.no_signal:
        lines.append("  no signal: no part's score lowered the risk of churn; the weights are kept")
    low, high = comparison.difference_interval
    lines.append(
        f"  AUC on the later dates: default {_num(comparison.auc_a, '.3f')}, fitted "
        f"{_num(comparison.auc_b, '.3f')}: difference {_num(comparison.difference, '+.3f')} "
        f"({level} CI {_num(low, '+.3f')} to {_num(high, '+.3f')}, paired bootstrap by "
        f"account, {comparison.n_resamples} resamples; DeLong p = "
        f"{_num(comparison.pvalue, '.2g')}); top-decile lift "
        f"{_num(comparison.lift_a, '.2f')} and {_num(comparison.lift_b, '.2f')}"
    )
    if few is not None:
        lines.append(few)
    return lines


def _span(dates: tuple[date, ...]) -> str:
    return f"{dates[0]} to {dates[-1]}" if len(dates) > 1 else str(dates[0])


def _pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{100 * value:.1f}%"


def _num(value: float, spec: str) -> str:
    return "n/a" if math.isnan(value) else format(value, spec)
